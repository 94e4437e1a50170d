package pool_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ticket"
	"pgregory.net/rapid"
)

// twins runs the same operations on two pools that differ only in
// Options.NoStaging. Each logical entry has a copy in each pool, found by
// its Item.
type twins struct {
	on, off   *pool.Pool[int]
	ons, offs map[int]*pool.Entry[int] // every entry ever made, by Item
	in        []int                    // Items in the pools, in insertion order
	out       []int                    // Items made and now out of the pools
	items     int
}

func newTwins(opts pool.Options) *twins {
	off := opts
	off.NoStaging = true
	opts.NoStaging = false
	return &twins{on: pool.New[int](opts), off: pool.New[int](off),
		ons: map[int]*pool.Entry[int]{}, offs: map[int]*pool.Entry[int]{}}
}

// add puts e (a new entry) or, when e is nil, the entry with Item reuse
// back into both pools, by Stage or by Insert.
func (tw *twins) add(e *pool.Entry[int], reuse int, stage bool) {
	if e != nil {
		c := *e
		tw.ons[e.Item], tw.offs[e.Item] = e, &c
		reuse = e.Item
	} else {
		tw.out = slices.DeleteFunc(tw.out, func(i int) bool { return i == reuse })
	}
	tw.in = append(tw.in, reuse)
	if stage {
		tw.on.Stage(tw.ons[reuse])
		tw.off.Stage(tw.offs[reuse])
	} else {
		tw.on.Insert(tw.ons[reuse])
		tw.off.Insert(tw.offs[reuse])
	}
}

// remove takes the entry with Item i out of both pools (a no-op for an
// entry that is out).
func (tw *twins) remove(i int) {
	tw.on.Remove(tw.ons[i])
	tw.off.Remove(tw.offs[i])
	if j := slices.Index(tw.in, i); j >= 0 {
		tw.in = slices.Delete(tw.in, j, j+1)
		tw.out = append(tw.out, i)
	}
}

// probe holds the arguments of one round of queries, the same for both
// pools.
type probe struct {
	stop      int // every scan stops after this many visits (0: never)
	after     int // the Item of the entry Ascend starts from, 0 for nil
	lo, hi    []float64
	x, dist   []float64 // Nearest, per number key
	groups    []int32
	gx, gdist float64
	values    []string  // Bucket, per string key
	latMs     []float64 // Latency, per location -1 to 4
}

func drawProbe(t *rapid.T, opts pool.Options, tw *twins) probe {
	q := probe{stop: rapid.IntRange(0, 6).Draw(t, "stop")}
	if n := len(tw.ons); n > 0 && rapid.Bool().Draw(t, "ascendFrom") {
		q.after = rapid.IntRange(1, n).Draw(t, "after")
	}
	for range opts.Numbers {
		q.lo = append(q.lo, genNum.Draw(t, "lo"))
		q.hi = append(q.hi, genNum.Draw(t, "hi"))
		q.x = append(q.x, genNum.Draw(t, "x"))
		q.dist = append(q.dist, genDist.Draw(t, "dist"))
	}
	if opts.Grouped {
		for g := range int32(5) {
			if rapid.Bool().Draw(t, "query group") {
				q.groups = append(q.groups, g)
			}
		}
		q.gx, q.gdist = genNum.Draw(t, "gx"), genDist.Draw(t, "gdist")
	}
	for range opts.Strings {
		q.values = append(q.values, genStr.Draw(t, "value"))
	}
	for range 6 {
		q.latMs = append(q.latMs, genLatMs.Draw(t, "latMs"))
	}
	return q
}

// transcript runs every query of the pool with q's arguments and writes
// down what each returned or visited, naming entries by Item.
func transcript(p *pool.Pool[int], byItem map[int]*pool.Entry[int], q probe) []string {
	var out []string
	say := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	name := func(e *pool.Entry[int], ok bool) string {
		if e == nil {
			return fmt.Sprintf("none %v", ok)
		}
		return fmt.Sprintf("%d %v", e.Item, ok)
	}
	// visits collects a scan's visits; stopping after q.stop of them
	// checks that an early stop leaves both pools alike too.
	var visits []string
	keep := func(e *pool.Entry[int], d float64) bool {
		visits = append(visits, fmt.Sprintf("%d@%v", e.Item, d))
		return q.stop == 0 || len(visits) < q.stop
	}
	entry := func(e *pool.Entry[int]) bool { return keep(e, 0) }
	scanned := func(label string) {
		say("%s: %v", label, visits)
		visits = visits[:0]
	}

	say("Len %d", p.Len())
	say("Oldest %s", name(p.Oldest()))
	say("OldestEarlier %s", name(p.OldestEarlier()))
	p.Ascend(nil, entry)
	scanned("Ascend(nil)")
	if q.after != 0 {
		p.Ascend(byItem[q.after], entry)
		scanned(fmt.Sprintf("Ascend(%d)", q.after))
	}
	for k := range q.lo {
		p.Range(k, q.lo[k], q.hi[k], entry)
		scanned(fmt.Sprintf("Range(%d, %v, %v)", k, q.lo[k], q.hi[k]))
		for _, d := range []float64{q.dist[k], math.Inf(1)} {
			p.Nearest(k, q.x[k], d, keep)
			scanned(fmt.Sprintf("Nearest(%d, %v, %v)", k, q.x[k], d))
		}
	}
	if p.Options().Grouped {
		for _, d := range []float64{q.gdist, math.Inf(1)} {
			p.NearestIn(q.groups, q.gx, d, keep)
			scanned(fmt.Sprintf("NearestIn(%v, %v, %v)", q.groups, q.gx, d))
		}
		for g := int32(-1); g <= 5; g++ {
			say("GroupLen(%d) %d", g, p.GroupLen(g))
		}
	}
	for k, v := range q.values {
		p.Bucket(k, v, entry)
		scanned(fmt.Sprintf("Bucket(%d, %q)", k, v))
		n := 0
		p.Buckets(k, func(v string, count int) bool {
			visits = append(visits, fmt.Sprintf("%q:%d", v, count))
			n++
			return q.stop == 0 || n < q.stop
		})
		scanned(fmt.Sprintf("Buckets(%d)", k))
	}
	say("Locations %d", p.Locations())
	for i, ms := range q.latMs {
		loc := int32(i - 1)
		say("LatencyCount(%d) %d", loc, p.LatencyCount(loc))
		p.Latency(loc, ms, keep)
		scanned(fmt.Sprintf("Latency(%d, %v)", loc, ms))
	}
	return out
}

// randEntry is genEntry from a seeded source, for batches large enough to
// take the staging slices through their radix sort and compaction without
// drawing each value from rapid.
func randEntry(r *rand.Rand, opts pool.Options, item int) *pool.Entry[int] {
	e := &pool.Entry[int]{ID: string(rune('a' + r.IntN(4))), Start: int64(r.IntN(5)), Item: item}
	num := func() float64 { return float64(r.IntN(17)-8) / 2 }
	for range opts.Numbers {
		e.Nums = append(e.Nums, num())
	}
	for range opts.Strings {
		e.Strs = append(e.Strs, []string{"", "a", "b", "bb", "c"}[r.IntN(5)])
	}
	for loc := range int32(4) {
		if r.IntN(2) == 0 {
			e.Lat = append(e.Lat, ticket.Latency{Loc: loc, Ms: int32(1 + r.IntN(4))})
		}
	}
	if opts.Grouped {
		e.GroupKey = num()
		for g := range int32(4) {
			if r.IntN(2) == 0 {
				e.Groups = append(e.Groups, g)
			}
		}
	}
	return e
}

// TestNoStagingSameAnswers runs one random sequence of operations through a
// pool with staging and one without, and checks after every operation that
// each query answers the same in both: the same entries, in the same
// order, with the same distances, and the same counts. Only Staged may
// differ (it reads 0 without staging).
func TestNoStagingSameAnswers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		opts := pool.Options{
			Numbers: rapid.IntRange(0, 2).Draw(t, "numbers"),
			Strings: rapid.IntRange(0, 2).Draw(t, "strings"),
			Latency: rapid.Bool().Draw(t, "latency"),
			Grouped: rapid.Bool().Draw(t, "grouped"),
		}
		tw := newTwins(opts)
		if want := (pool.Options{NoStaging: true, Numbers: opts.Numbers, Strings: opts.Strings,
			Latency: opts.Latency, Grouped: opts.Grouped}); tw.off.Options() != want {
			t.Fatalf("Options() = %+v, want %+v", tw.off.Options(), want)
		}
		r := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 1))
		steps := rapid.IntRange(1, 40).Draw(t, "steps")
		for step := range steps {
			var did string
			switch op := rapid.IntRange(0, 11).Draw(t, "op"); {
			case op < 4 || len(tw.in) == 0:
				stage := rapid.Bool().Draw(t, "stage")
				if len(tw.out) > 0 && rapid.IntRange(0, 3).Draw(t, "reuse") == 0 {
					i := rapid.SampledFrom(tw.out).Draw(t, "which")
					tw.add(nil, i, stage)
					did = fmt.Sprintf("re-add %d (stage %v)", i, stage)
				} else {
					tw.items++
					tw.add(genEntry(t, opts, tw.items), 0, stage)
					did = fmt.Sprintf("add %d (stage %v)", tw.items, stage)
				}
			case op == 4:
				// A batch, as a busy step stages: enough entries per group
				// for the radix sort.
				n := rapid.IntRange(1, 200).Draw(t, "batch")
				tw.on.Reserve(n, 4*n)
				tw.off.Reserve(n, 4*n)
				for range n {
					tw.items++
					tw.add(randEntry(r, opts, tw.items), 0, true)
				}
				did = fmt.Sprintf("stage a batch of %d", n)
			case op < 7:
				tw.on.Settle()
				tw.off.Settle()
				did = "settle"
			case op < 10:
				i := rapid.SampledFrom(tw.in).Draw(t, "victim")
				tw.remove(i)
				did = fmt.Sprintf("remove %d", i)
			case op == 10:
				// Most of the pool leaves at once, as when a step forms
				// many matches: enough for the staging slices to compact.
				for _, i := range slices.Clone(tw.in) {
					if r.IntN(4) != 0 {
						tw.remove(i)
					}
				}
				did = "remove most"
			default:
				if len(tw.out) > 0 {
					tw.remove(rapid.SampledFrom(tw.out).Draw(t, "absent"))
				}
				did = "remove an absent entry"
			}
			// Now and then let several operations pass before the
			// queries, so that what a pool works out lazily (OldestEarlier
			// without staging, the staged slices' sorts) meets a run of
			// changes.
			if step < steps-1 && rapid.IntRange(0, 2).Draw(t, "query") == 0 {
				continue
			}
			if tw.off.Staged() != 0 {
				t.Fatalf("step %d (%s): Staged() = %d without staging, want 0", step, did, tw.off.Staged())
			}
			q := drawProbe(t, opts, tw)
			on, off := transcript(tw.on, tw.ons, q), transcript(tw.off, tw.offs, q)
			for i := range on {
				if on[i] != off[i] {
					t.Fatalf("step %d (%s): with staging %s\nwithout staging   %s", step, did, on[i], off[i])
				}
			}
		}
	})
}

// TestOldestEarlierAllocs guards OldestEarlier without staging, which the
// engine calls for every ticket that changes: the search that follows the
// removal of its last answer allocates nothing.
func TestOldestEarlierAllocs(t *testing.T) {
	p := pool.New[int](pool.Options{NoStaging: true})
	for i := range 1000 {
		e := &pool.Entry[int]{ID: fmt.Sprint(i), Start: int64(i), Item: i}
		if i%2 == 0 {
			p.Stage(e) // left out: the search passes over it
		} else {
			p.Insert(e)
		}
	}
	a := testing.AllocsPerRun(100, func() {
		o, _ := p.OldestEarlier()
		p.Remove(o)
		if next, ok := p.OldestEarlier(); !ok || next == o {
			t.Fatalf("OldestEarlier() after removing %v = %v, %v", o.Item, next, ok)
		}
		p.Insert(o)
	})
	if a != 0 {
		t.Errorf("OldestEarlier allocates %v times per search, want 0", a)
	}
}
