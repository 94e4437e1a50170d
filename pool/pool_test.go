package pool_test

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ticket"
	"pgregory.net/rapid"
)

// model is the brute-force oracle: a plain slice of the entries in the pool,
// in insertion order, each with the insertion number the pool should have
// given it. Every query is answered by scanning and sorting the slice.
type model struct {
	opts    pool.Options
	entries []*pool.Entry[int]
	ins     map[*pool.Entry[int]]int // insertion number of each entry ever inserted
	n       int
	maxLoc  int // highest location id ever inserted, -1 for none

	// Staging: entries staged in the current period, and those carried
	// from the previous one (see Pool.Settle).
	current, carried map[*pool.Entry[int]]bool
}

func newModel(opts pool.Options) *model {
	return &model{opts: opts, ins: map[*pool.Entry[int]]int{}, maxLoc: -1,
		current: map[*pool.Entry[int]]bool{}, carried: map[*pool.Entry[int]]bool{}}
}

func (m *model) insert(e *pool.Entry[int]) {
	m.n++
	m.ins[e] = m.n
	m.entries = append(m.entries, e)
	if m.opts.Latency {
		for _, l := range e.Lat {
			m.maxLoc = max(m.maxLoc, int(l.Loc))
		}
	}
}

func (m *model) remove(e *pool.Entry[int]) {
	if i := slices.Index(m.entries, e); i >= 0 {
		m.entries = slices.Delete(m.entries, i, i+1)
	}
	delete(m.current, e)
	delete(m.carried, e)
}

// stage records e as staged in the current period.
func (m *model) stage(e *pool.Entry[int]) {
	m.insert(e)
	m.current[e] = true
}

// settle ends the period: the carried entries settle, the current ones
// are carried.
func (m *model) settle() {
	m.carried, m.current = m.current, map[*pool.Entry[int]]bool{}
}

// staged is what Pool.Staged should report: the entries staged in this
// period and those carried, none without staging.
func (m *model) staged() int {
	if m.opts.NoStaging {
		return 0
	}
	return len(m.current) + len(m.carried)
}

// oldestEarlier is the oldest entry not staged in the current period.
func (m *model) oldestEarlier() (*pool.Entry[int], bool) {
	for _, e := range m.byAge() {
		if !m.current[e] {
			return e, true
		}
	}
	return nil, false
}

// ageCmp orders by start, id, then insertion.
func (m *model) ageCmp(a, b *pool.Entry[int]) int {
	return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.ID, b.ID), cmp.Compare(m.ins[a], m.ins[b]))
}

func (m *model) byAge() []*pool.Entry[int] {
	out := slices.Clone(m.entries)
	slices.SortFunc(out, m.ageCmp)
	return out
}

func (m *model) ascendFrom(after *pool.Entry[int]) []*pool.Entry[int] {
	var out []*pool.Entry[int]
	for _, e := range m.byAge() {
		if after == nil || m.ageCmp(e, after) >= 0 {
			out = append(out, e)
		}
	}
	return out
}

func (m *model) rangeOf(k int, lo, hi float64) []*pool.Entry[int] {
	var out []*pool.Entry[int]
	for _, e := range m.entries {
		if e.Nums[k] >= lo && e.Nums[k] <= hi {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b *pool.Entry[int]) int { return cmp.Compare(a.Nums[k], b.Nums[k]) })
	return out
}

type hit struct {
	e *pool.Entry[int]
	d float64
}

func (m *model) nearest(k int, x, maxDist float64) []hit {
	return m.nearestBy(x, maxDist, func(e *pool.Entry[int]) (float64, bool) { return e.Nums[k], true })
}

// nearestIn answers NearestIn: the entries in any of groups, by GroupKey.
func (m *model) nearestIn(groups []int32, x, maxDist float64) []hit {
	return m.nearestBy(x, maxDist, func(e *pool.Entry[int]) (float64, bool) {
		for _, g := range e.Groups {
			if slices.Contains(groups, g) {
				return e.GroupKey, true
			}
		}
		return 0, false
	})
}

// nearestBy orders entries by distance, then key, then insertion order at
// or above x and reverse insertion order below it.
func (m *model) nearestBy(x, maxDist float64, key func(*pool.Entry[int]) (float64, bool)) []hit {
	var out []hit
	keys := map[*pool.Entry[int]]float64{}
	for _, e := range m.entries {
		k, ok := key(e)
		if d := math.Abs(k - x); ok && d <= maxDist {
			out = append(out, hit{e, d})
			keys[e] = k
		}
	}
	slices.SortStableFunc(out, func(a, b hit) int {
		ka, kb := keys[a.e], keys[b.e]
		if c := cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(ka, kb)); c != 0 {
			return c
		}
		if ka >= x {
			return cmp.Compare(m.ins[a.e], m.ins[b.e])
		}
		return cmp.Compare(m.ins[b.e], m.ins[a.e])
	})
	return out
}

func (m *model) bucket(k int, v string) []*pool.Entry[int] {
	var out []*pool.Entry[int]
	for _, e := range m.entries {
		if e.Strs[k] == v {
			out = append(out, e)
		}
	}
	return out
}

type bucketCount struct {
	v string
	n int
}

func (m *model) buckets(k int) []bucketCount {
	counts := map[string]int{}
	for _, e := range m.entries {
		counts[e.Strs[k]]++
	}
	var out []bucketCount
	for v, n := range counts {
		out = append(out, bucketCount{v, n})
	}
	slices.SortFunc(out, func(a, b bucketCount) int { return cmp.Compare(a.v, b.v) })
	return out
}

func latencyAt(e *pool.Entry[int], loc int32) (int32, bool) {
	for _, l := range e.Lat {
		if l.Loc == loc {
			return l.Ms, true
		}
	}
	return 0, false
}

func (m *model) latency(loc int32, maxMs float64) []hit {
	var out []hit
	for _, e := range m.entries {
		if ms, ok := latencyAt(e, loc); ok && float64(ms) <= maxMs {
			out = append(out, hit{e, float64(ms)})
		}
	}
	slices.SortStableFunc(out, func(a, b hit) int { return cmp.Compare(a.d, b.d) })
	return out
}

func (m *model) latencyCount(loc int32) int {
	n := 0
	for _, e := range m.entries {
		if _, ok := latencyAt(e, loc); ok {
			n++
		}
	}
	return n
}

// collector makes a callback that records what it is given and stops (returns
// false) after stop calls; stop <= 0 never stops.
type collector struct {
	got  []hit
	stop int
}

func (c *collector) entry(e *pool.Entry[int]) bool {
	c.got = append(c.got, hit{e: e})
	return c.stop <= 0 || len(c.got) < c.stop
}

func (c *collector) withDist(e *pool.Entry[int], d float64) bool {
	c.got = append(c.got, hit{e, d})
	return c.stop <= 0 || len(c.got) < c.stop
}

// prefix is what a callback that stops after stop calls must have seen.
func prefix[S ~[]E, E any](want S, stop int) S {
	if stop > 0 && stop < len(want) {
		return want[:stop]
	}
	return want
}

func ids(hs []hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = fmt.Sprintf("%s#%d", h.e.ID, h.e.Item)
	}
	return out
}

func entryHits(es []*pool.Entry[int]) []hit {
	out := make([]hit, len(es))
	for i, e := range es {
		out[i] = hit{e: e}
	}
	return out
}

// Value domains are small so that keys, starts and latencies tie often. All
// number keys are multiples of 0.5, so distances are exact.
var (
	genNum   = rapid.Map(rapid.IntRange(-8, 8), func(i int) float64 { return float64(i) / 2 })
	genStr   = rapid.SampledFrom([]string{"", "a", "b", "bb", "c"})
	genDist  = rapid.SampledFrom([]float64{0, 0.5, 1, 2.5, math.Inf(1), -1})
	genLatMs = rapid.SampledFrom([]float64{0, 1, 2, 3, 5, 1000})
)

func genEntry(t *rapid.T, opts pool.Options, item int) *pool.Entry[int] {
	e := &pool.Entry[int]{
		// Ids repeat (with equal starts too): the pool must keep such
		// entries apart by insertion order.
		ID:    rapid.SampledFrom([]string{"a", "b", "c", "d"}).Draw(t, "id"),
		Start: rapid.Int64Range(0, 4).Draw(t, "start"),
		Item:  item,
	}
	e.Nums = make([]float64, opts.Numbers)
	for i := range e.Nums {
		e.Nums[i] = genNum.Draw(t, "num")
	}
	e.Strs = make([]string, opts.Strings)
	for i := range e.Strs {
		e.Strs[i] = genStr.Draw(t, "str")
	}
	for loc := range int32(4) {
		if rapid.Bool().Draw(t, "hasLat") {
			e.Lat = append(e.Lat, ticket.Latency{Loc: loc, Ms: rapid.Int32Range(1, 4).Draw(t, "ms")})
		}
	}
	if opts.Grouped {
		e.GroupKey = genNum.Draw(t, "groupKey")
		for g := range int32(4) {
			if rapid.Bool().Draw(t, "inGroup") {
				e.Groups = append(e.Groups, g)
			}
		}
	}
	return e
}

// TestPoolMatchesModel runs random sequences of Insert, Stage, Settle and
// Remove, with staging on and off, and checks every query against the
// brute-force model after each operation. The model is the same either way:
// staging must not show.
func TestPoolMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		opts := pool.Options{
			Numbers:   rapid.IntRange(0, 2).Draw(t, "numbers"),
			Strings:   rapid.IntRange(0, 2).Draw(t, "strings"),
			Latency:   rapid.Bool().Draw(t, "latency"),
			Grouped:   rapid.Bool().Draw(t, "grouped"),
			NoStaging: rapid.Bool().Draw(t, "noStaging"),
		}
		// NearestIn reads group views of every group, of none (it merges
		// the trees and staged slices), or of the groups of at most three
		// entries, mixing the two.
		defer pool.SetGroupViewMax(rapid.SampledFrom([]int{4096, -1, 3}).Draw(t, "groupViewMax"))()
		p := pool.New[int](opts)
		if p.Options() != opts {
			t.Fatalf("Options() = %+v, want %+v", p.Options(), opts)
		}
		m := newModel(opts)
		var removed []*pool.Entry[int] // once inserted, now out
		items := 0
		steps := rapid.IntRange(1, 60).Draw(t, "steps")
		for step := range steps {
			switch op := rapid.IntRange(0, 9).Draw(t, "op"); {
			case op < 5 || len(m.entries) == 0:
				var e *pool.Entry[int]
				if len(removed) > 0 && rapid.IntRange(0, 4).Draw(t, "reinsert") == 0 {
					// A removed entry may be inserted again.
					i := rapid.IntRange(0, len(removed)-1).Draw(t, "which")
					e = removed[i]
					removed = slices.Delete(removed, i, i+1)
				} else {
					items++
					e = genEntry(t, opts, items)
				}
				// Staged entries are in the pool like inserted ones; only
				// their age and group indexing waits for Settle.
				if rapid.Bool().Draw(t, "stage") {
					p.Stage(e)
					m.stage(e)
				} else {
					p.Insert(e)
					m.insert(e)
				}
			case op == 5:
				p.Settle()
				m.settle()
			case op < 9:
				i := rapid.IntRange(0, len(m.entries)-1).Draw(t, "victim")
				e := m.entries[i]
				p.Remove(e)
				m.remove(e)
				removed = append(removed, e)
			default:
				// Remove of an entry that is not in the pool does nothing.
				if len(removed) > 0 {
					p.Remove(removed[rapid.IntRange(0, len(removed)-1).Draw(t, "absent")])
				}
				p.Remove(genEntry(t, opts, -1))
			}
			// Now and then let several operations pass before the checks,
			// so that what the pool works out lazily meets a run of
			// changes.
			if step < steps-1 && rapid.IntRange(0, 2).Draw(t, "check") == 0 {
				continue
			}
			checkPool(t, p, m, removed)
		}
	})
}

func checkPool(t *rapid.T, p *pool.Pool[int], m *model, removed []*pool.Entry[int]) {
	t.Helper()
	stop := func(label string) int { return rapid.IntRange(0, len(m.entries)+1).Draw(t, label) }
	same := func(query string, got, want []hit, withDist bool) {
		t.Helper()
		if !slices.Equal(ids(got), ids(want)) {
			t.Fatalf("%s visited %v, want %v", query, ids(got), ids(want))
		}
		if withDist {
			for i := range got {
				if got[i].d != want[i].d {
					t.Fatalf("%s: entry %s reported %v, want %v", query, ids(got[i:i+1]), got[i].d, want[i].d)
				}
			}
		}
	}

	if p.Len() != len(m.entries) {
		t.Fatalf("Len() = %d, want %d", p.Len(), len(m.entries))
	}
	for _, e := range m.entries {
		if !e.In() {
			t.Fatalf("entry %s#%d is in the pool but In() is false", e.ID, e.Item)
		}
	}
	for _, e := range removed {
		if e.In() {
			t.Fatalf("entry %s#%d was removed but In() is true", e.ID, e.Item)
		}
	}
	byAge := m.byAge()
	if o, ok := p.Oldest(); ok != (len(byAge) > 0) || ok && o != byAge[0] {
		t.Fatalf("Oldest() = %v, %v; want %v", o, ok, byAge)
	}
	if got, want := p.Staged(), m.staged(); got != want {
		t.Fatalf("Staged() = %d, want %d (%d staged in this period, %d carried, NoStaging %v)",
			got, want, len(m.current), len(m.carried), m.opts.NoStaging)
	}
	o, ok := p.OldestEarlier()
	if w, wok := m.oldestEarlier(); ok != wok || o != w {
		t.Fatalf("OldestEarlier() = %v, %v; want %v, %v", o, ok, w, wok)
	}

	// Ascend from nil and from an entry (in the pool or removed).
	c := &collector{stop: stop("ascendStop")}
	p.Ascend(nil, c.entry)
	same(fmt.Sprintf("Ascend(nil) stop %d", c.stop), c.got, prefix(entryHits(byAge), c.stop), false)
	var pivots []*pool.Entry[int]
	pivots = append(pivots, m.entries...)
	pivots = append(pivots, removed...)
	if len(pivots) > 0 {
		after := pivots[rapid.IntRange(0, len(pivots)-1).Draw(t, "after")]
		c = &collector{stop: stop("ascendFromStop")}
		p.Ascend(after, c.entry)
		same(fmt.Sprintf("Ascend(%s#%d) stop %d", after.ID, after.Item, c.stop), c.got, prefix(entryHits(m.ascendFrom(after)), c.stop), false)
	}

	opts := m.opts
	for k := range opts.Numbers {
		lo, hi := genNum.Draw(t, "lo"), genNum.Draw(t, "hi")
		c = &collector{stop: stop("rangeStop")}
		p.Range(k, lo, hi, c.entry)
		same(fmt.Sprintf("Range(%d, %v, %v) stop %d", k, lo, hi, c.stop), c.got, prefix(entryHits(m.rangeOf(k, lo, hi)), c.stop), false)

		x := genNum.Draw(t, "x")
		for _, maxDist := range []float64{genDist.Draw(t, "maxDist"), math.Inf(1)} {
			c = &collector{stop: stop("nearestStop")}
			p.Nearest(k, x, maxDist, c.withDist)
			same(fmt.Sprintf("Nearest(%d, %v, %v) stop %d", k, x, maxDist, c.stop), c.got, prefix(m.nearest(k, x, maxDist), c.stop), true)
		}
	}
	if opts.Grouped {
		var groups []int32
		for g := range int32(5) {
			if rapid.Bool().Draw(t, "query group") {
				groups = append(groups, g)
			}
		}
		x := genNum.Draw(t, "gx")
		for _, maxDist := range []float64{genDist.Draw(t, "gMaxDist"), math.Inf(1)} {
			c = &collector{stop: stop("nearestInStop")}
			p.NearestIn(groups, x, maxDist, c.withDist)
			same(fmt.Sprintf("NearestIn(%v, %v, %v) stop %d", groups, x, maxDist, c.stop), c.got, prefix(m.nearestIn(groups, x, maxDist), c.stop), true)
		}
		for g := range int32(5) {
			n := 0
			for _, e := range m.entries {
				if slices.Contains(e.Groups, g) {
					n++
				}
			}
			if p.GroupLen(g) != n {
				t.Fatalf("GroupLen(%d) = %d, want %d", g, p.GroupLen(g), n)
			}
			if p.GroupLenAtMost(g) < n {
				t.Fatalf("GroupLenAtMost(%d) = %d, below GroupLen %d", g, p.GroupLenAtMost(g), n)
			}
		}
		ax := genNum.Draw(t, "ax")
		for _, maxDist := range []float64{genDist.Draw(t, "aMaxDist"), math.Inf(1)} {
			c = &collector{stop: stop("nearestAllStop")}
			p.NearestAll(ax, maxDist, c.withDist)
			all := m.nearestBy(ax, maxDist, func(e *pool.Entry[int]) (float64, bool) { return e.GroupKey, true })
			same(fmt.Sprintf("NearestAll(%v, %v) stop %d", ax, maxDist, c.stop), c.got, prefix(all, c.stop), true)
		}
	}
	for k := range opts.Strings {
		v := genStr.Draw(t, "bucket")
		c = &collector{stop: stop("bucketStop")}
		p.Bucket(k, v, c.entry)
		same(fmt.Sprintf("Bucket(%d, %q) stop %d", k, v, c.stop), c.got, prefix(entryHits(m.bucket(k, v)), c.stop), false)

		want := m.buckets(k)
		bstop := rapid.IntRange(0, len(want)+1).Draw(t, "bucketsStop")
		var got []bucketCount
		p.Buckets(k, func(v string, n int) bool {
			got = append(got, bucketCount{v, n})
			return bstop <= 0 || len(got) < bstop
		})
		if w := prefix(want, bstop); !slices.Equal(got, w) {
			t.Fatalf("Buckets(%d) stop %d = %v, want %v", k, bstop, got, w)
		}
	}
	wantLocs := 0
	if opts.Latency {
		wantLocs = m.maxLoc + 1
	}
	if p.Locations() != wantLocs {
		t.Fatalf("Locations() = %d, want %d", p.Locations(), wantLocs)
	}
	for loc := int32(-1); loc <= 4; loc++ {
		wantCount := 0
		if opts.Latency {
			wantCount = m.latencyCount(loc)
		}
		if got := p.LatencyCount(loc); got != wantCount {
			t.Fatalf("LatencyCount(%d) = %d, want %d", loc, got, wantCount)
		}
		bound := genLatMs.Draw(t, "maxMs")
		var want []hit
		if opts.Latency {
			want = m.latency(loc, bound)
		}
		c = &collector{stop: stop("latencyStop")}
		p.Latency(loc, bound, c.withDist)
		same(fmt.Sprintf("Latency(%d, %v) stop %d", loc, bound, c.stop), c.got, prefix(want, c.stop), true)
	}
}

func TestEmptyPool(t *testing.T) {
	p := pool.New[int](pool.Options{Numbers: 1, Strings: 1, Latency: true})
	fail := func(e *pool.Entry[int]) bool { t.Errorf("callback called on an empty pool with %v", e.ID); return true }
	failD := func(e *pool.Entry[int], _ float64) bool { return fail(e) }
	if p.Len() != 0 {
		t.Errorf("Len() = %d, want 0", p.Len())
	}
	if e, ok := p.Oldest(); ok || e != nil {
		t.Errorf("Oldest() = %v, %v; want nil, false", e, ok)
	}
	p.Ascend(nil, fail)
	p.Ascend(&pool.Entry[int]{ID: "x"}, fail)
	p.Range(0, math.Inf(-1), math.Inf(1), fail)
	p.Nearest(0, 0, math.Inf(1), failD)
	p.Bucket(0, "", fail)
	p.Buckets(0, func(v string, n int) bool { t.Errorf("Buckets called with %q, %d", v, n); return true })
	p.Latency(0, math.Inf(1), failD)
	p.Latency(-1, math.Inf(1), failD)
	if n := p.LatencyCount(0); n != 0 {
		t.Errorf("LatencyCount(0) = %d, want 0", n)
	}
	if n := p.Locations(); n != 0 {
		t.Errorf("Locations() = %d, want 0", n)
	}
}

func TestInsertPanics(t *testing.T) {
	tests := []struct {
		name  string
		opts  pool.Options
		entry func(p, other *pool.Pool[int]) *pool.Entry[int]
	}{
		{"twice", pool.Options{}, func(p, _ *pool.Pool[int]) *pool.Entry[int] {
			e := &pool.Entry[int]{ID: "a"}
			p.Insert(e)
			return e
		}},
		{"in another pool", pool.Options{}, func(_, other *pool.Pool[int]) *pool.Entry[int] {
			e := &pool.Entry[int]{ID: "a"}
			other.Insert(e)
			return e
		}},
		{"too few number keys", pool.Options{Numbers: 2}, func(_, _ *pool.Pool[int]) *pool.Entry[int] {
			return &pool.Entry[int]{ID: "a", Nums: []float64{1}}
		}},
		{"too few string keys", pool.Options{Strings: 2}, func(_, _ *pool.Pool[int]) *pool.Entry[int] {
			return &pool.Entry[int]{ID: "a", Strs: []string{"x"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, other := pool.New[int](tt.opts), pool.New[int](tt.opts)
			e := tt.entry(p, other)
			before := p.Len()
			defer func() {
				if recover() == nil {
					t.Fatal("Insert did not panic")
				}
				if p.Len() != before {
					t.Errorf("Len() = %d after the panicking Insert, want %d", p.Len(), before)
				}
			}()
			p.Insert(e)
		})
	}
}

// TestExtraKeys checks that an entry may carry more number and string keys
// than the pool indexes: the first ones are indexed, the rest are carried.
func TestExtraKeys(t *testing.T) {
	p := pool.New[int](pool.Options{Numbers: 1, Strings: 1})
	e := &pool.Entry[int]{ID: "a", Nums: []float64{1, 2}, Strs: []string{"x", "y"}}
	p.Insert(e)
	var got []*pool.Entry[int]
	p.Bucket(0, "x", func(e *pool.Entry[int]) bool { got = append(got, e); return true })
	p.Range(0, 0, 1, func(e *pool.Entry[int]) bool { got = append(got, e); return true })
	if len(got) != 2 || got[0] != e || got[1] != e {
		t.Fatalf("Bucket and Range found %v; want the entry twice", got)
	}
	p.Remove(e)
	if p.Len() != 0 {
		t.Errorf("Len() = %d after Remove, want 0", p.Len())
	}
}

func TestRemoveAbsent(t *testing.T) {
	opts := pool.Options{Numbers: 1, Strings: 1, Latency: true}
	mk := func(id string) *pool.Entry[int] {
		return &pool.Entry[int]{ID: id, Nums: []float64{1}, Strs: []string{"s"}, Lat: []ticket.Latency{{Loc: 0, Ms: 5}}}
	}
	tests := []struct {
		name  string
		setup func(p, other *pool.Pool[int]) *pool.Entry[int]
	}{
		{"never inserted", func(_, _ *pool.Pool[int]) *pool.Entry[int] { return mk("x") }},
		{"already removed", func(p, _ *pool.Pool[int]) *pool.Entry[int] {
			e := mk("x")
			p.Insert(e)
			p.Remove(e)
			return e
		}},
		{"equal keys but another entry", func(_, _ *pool.Pool[int]) *pool.Entry[int] { return mk("kept") }},
		{"in another pool", func(_, other *pool.Pool[int]) *pool.Entry[int] {
			e := mk("x")
			other.Insert(e)
			return e
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, other := pool.New[int](opts), pool.New[int](opts)
			kept := mk("kept")
			p.Insert(kept)
			e := tt.setup(p, other)
			wasIn := e.In()
			p.Remove(e)
			if p.Len() != 1 || !kept.In() {
				t.Fatalf("Remove of an absent entry changed the pool: Len %d, kept.In %v", p.Len(), kept.In())
			}
			if e.In() != wasIn {
				t.Errorf("Remove of an absent entry changed its In() from %v to %v", wasIn, e.In())
			}
			var seen []string
			p.Range(0, 1, 1, func(e *pool.Entry[int]) bool { seen = append(seen, e.ID); return true })
			p.Bucket(0, "s", func(e *pool.Entry[int]) bool { seen = append(seen, e.ID); return true })
			p.Latency(0, 5, func(e *pool.Entry[int], _ float64) bool { seen = append(seen, e.ID); return true })
			if !slices.Equal(seen, []string{"kept", "kept", "kept"}) {
				t.Errorf("indexes after Remove of an absent entry hold %v, want kept in each", seen)
			}
			if o, _ := p.Oldest(); o != kept {
				t.Errorf("Oldest() = %v, want kept", o)
			}
			if wasIn && other.Len() != 1 {
				t.Errorf("the other pool lost its entry: Len %d", other.Len())
			}
		})
	}
}

// TestNearestTies pins the documented order at equal distance: the lower key
// first; equal keys in insertion order at or above x, in reverse insertion
// order below it.
func TestNearestTies(t *testing.T) {
	p := pool.New[int](pool.Options{Numbers: 1})
	for i, k := range []float64{4, 6, 4, 6, 5, 4} {
		p.Insert(&pool.Entry[int]{ID: fmt.Sprint(i), Nums: []float64{k}, Item: i})
	}
	var got []string
	p.Nearest(0, 5, math.Inf(1), func(e *pool.Entry[int], d float64) bool {
		got = append(got, fmt.Sprintf("%v@%v", e.Item, d))
		return true
	})
	want := []string{"4@0", "5@1", "2@1", "0@1", "1@1", "3@1"}
	if !slices.Equal(got, want) {
		t.Errorf("Nearest visited %v, want %v", got, want)
	}
}

// TestNearestReentrant calls Nearest from inside a Nearest callback: the
// inner scan must not disturb the outer one.
func TestNearestReentrant(t *testing.T) {
	p := pool.New[int](pool.Options{Numbers: 1})
	for i, k := range []float64{1, 5, 3, 3, 9, 2} {
		p.Insert(&pool.Entry[int]{ID: fmt.Sprint(i), Nums: []float64{k}, Item: i})
	}
	scan := func(x float64) []int {
		var out []int
		p.Nearest(0, x, math.Inf(1), func(e *pool.Entry[int], _ float64) bool {
			out = append(out, e.Item)
			return true
		})
		return out
	}
	want := scan(4)
	var got []int
	var keys []float64
	var inner [][]int
	p.Nearest(0, 4, math.Inf(1), func(e *pool.Entry[int], _ float64) bool {
		got = append(got, e.Item)
		keys = append(keys, e.Nums[0])
		inner = append(inner, scan(e.Nums[0]))
		return true
	})
	if !slices.Equal(got, want) {
		t.Errorf("outer scan visited %v with inner scans, want %v", got, want)
	}
	for i := range inner {
		if w := scan(keys[i]); !slices.Equal(inner[i], w) {
			t.Errorf("inner scan around %v visited %v, want %v", keys[i], inner[i], w)
		}
	}
}

// TestNearestAllocs guards the engine's hot path: a scan allocates nothing.
func TestNearestAllocs(t *testing.T) {
	p := pool.New[int](pool.Options{Numbers: 1})
	for i := range 1000 {
		p.Insert(&pool.Entry[int]{ID: fmt.Sprint(i), Nums: []float64{float64(i % 97)}, Item: i})
	}
	n := 0
	fn := func(*pool.Entry[int], float64) bool { n++; return n%40 != 0 }
	if a := testing.AllocsPerRun(100, func() { p.Nearest(0, 50.5, 30, fn) }); a != 0 {
		t.Errorf("Nearest allocates %v times per call, want 0", a)
	}
}

// TestStagedLargeGroups stages enough entries per group for the radix sort
// (negative, fractional and repeated keys, and keys that differ only in
// their lowest bits) and checks NearestIn against brute force, before and
// after removals (enough for the slices to be compacted) and Settle.
func TestStagedLargeGroups(t *testing.T) {
	forStaging(t, testStagedLargeGroups)
}

// forStaging runs a test with staging on and with it off, and with
// NearestIn reading group views and the trees and staged slices.
func forStaging(t *testing.T, test func(t *testing.T, noStaging bool)) {
	for _, noStaging := range []bool{false, true} {
		for _, views := range []int{4096, -1, 700} {
			t.Run(fmt.Sprintf("NoStaging=%v/groupViewMax=%d", noStaging, views), func(t *testing.T) {
				defer pool.SetGroupViewMax(views)()
				test(t, noStaging)
			})
		}
	}
}

func testStagedLargeGroups(t *testing.T, noStaging bool) {
	r := rand.New(rand.NewPCG(5, 6))
	opts := pool.Options{Grouped: true, NoStaging: noStaging}
	p := pool.New[int](opts)
	m := newModel(opts)
	var all []*pool.Entry[int]
	for i := range 3000 {
		key := float64(r.IntN(400)-200) / 4
		if r.IntN(4) == 0 {
			// Keys that differ only in their low bits, which the radix
			// passes leave tied.
			key += float64(r.IntN(5)) * 1e-12
		}
		e := &pool.Entry[int]{ID: fmt.Sprint(i), Start: int64(i), Item: i,
			GroupKey: key, Groups: []int32{int32(r.IntN(3))}}
		if r.IntN(3) == 0 {
			e.Groups = append(e.Groups, 3)
		}
		p.Stage(e)
		m.insert(e)
		all = append(all, e)
	}
	check := func(label string) {
		t.Helper()
		for _, groups := range [][]int32{{0}, {1, 3}, {0, 1, 2, 3}} {
			for _, x := range []float64{-60, -0.25, 0, 17.5} {
				var got []hit
				p.NearestIn(groups, x, 30, func(e *pool.Entry[int], d float64) bool {
					got = append(got, hit{e, d})
					return true
				})
				if want := m.nearestIn(groups, x, 30); !slices.Equal(ids(got), ids(want)) {
					t.Fatalf("%s: NearestIn(%v, %v) visited %d entries, want %d (first difference at %d)",
						label, groups, x, len(got), len(want), firstDiff(ids(got), ids(want)))
				}
			}
		}
	}
	check("staged")
	for _, e := range all[:2000] {
		if r.IntN(2) == 0 {
			p.Remove(e)
			m.remove(e)
		}
	}
	check("staged, half removed")
	for _, e := range all {
		if e.In() && r.IntN(10) != 0 {
			p.Remove(e)
			m.remove(e)
		}
	}
	check("staged, most removed (compacted)")
	p.Settle()
	check("settled")
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestStageShrinks stages a burst, lets most of it leave, and checks that
// the pool still answers like the model through the Settle that shrinks the
// staging buffers, more staging, and the Settle that moves the carried
// entries into the trees.
func TestStageShrinks(t *testing.T) {
	forStaging(t, testStageShrinks)
}

func testStageShrinks(t *testing.T, noStaging bool) {
	r := rand.New(rand.NewPCG(8, 9))
	opts := pool.Options{Grouped: true, NoStaging: noStaging}
	p := pool.New[int](opts)
	m := newModel(opts)
	n := 0
	stage := func(k int, start int64) []*pool.Entry[int] {
		var es []*pool.Entry[int]
		for j := range k {
			n++
			e := &pool.Entry[int]{ID: fmt.Sprint(n), Start: start + int64(j), Item: n,
				GroupKey: float64(r.IntN(2000)) / 8, Groups: []int32{int32(r.IntN(4))}}
			p.Stage(e)
			m.stage(e)
			es = append(es, e)
		}
		return es
	}
	check := func(label string) {
		t.Helper()
		for _, groups := range [][]int32{{0}, {1, 2}, {0, 1, 2, 3}} {
			for _, x := range []float64{0, 100, 249} {
				var got []hit
				p.NearestIn(groups, x, 20, func(e *pool.Entry[int], d float64) bool {
					got = append(got, hit{e, d})
					return true
				})
				if want := m.nearestIn(groups, x, 20); !slices.Equal(ids(got), ids(want)) {
					t.Fatalf("%s: NearestIn(%v, %v) visited %d entries, want %d", label, groups, x, len(got), len(want))
				}
			}
		}
		o, ok := p.OldestEarlier()
		if w, wok := m.oldestEarlier(); ok != wok || o != w {
			t.Fatalf("%s: OldestEarlier() = %v, %v; want %v, %v", label, o, ok, w, wok)
		}
		if got, want := p.Staged(), m.staged(); got != want {
			t.Fatalf("%s: Staged() = %d, want %d", label, got, want)
		}
	}
	burst := stage(20000, 1000)
	check("burst staged")
	p.Settle() // the burst is carried: the buffers are at their largest
	m.settle()
	check("burst carried")
	for _, e := range burst[:19900] {
		p.Remove(e)
		m.remove(e)
	}
	check("most of the burst removed")
	stage(50, 0) // older than the burst: OldestEarlier must find them once carried
	check("more staged")
	p.Settle() // the burst's survivors settle, the 50 are carried: the buffers shrink
	m.settle()
	check("after the shrinking Settle")
	stage(30, 500)
	check("staged after the shrink")
	p.Settle()
	m.settle()
	check("the burst's survivors settled")
}
