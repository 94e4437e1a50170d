package engine

import (
	"math"
	"slices"
	"time"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// The sorted sweep (issue 9): a step that brings many tickets to an empty
// pool (a cold start, a burst after an outage, a bulk load) matches them
// in one pass, before they enter the pool's indexes, instead of one
// anchored search each. The solo tickets
// are grouped by their home location (the one they report the lowest
// latency to), sorted by the sweep attribute within each group, and cut
// into runs of consecutive tickets, one match's worth each; a run whose
// spread passes the batchDistance rule is dealt onto the teams in a snake
// and given the final check (D7), with the builder's balancing. A run that
// fails moves the cut on by one ticket. What the sweep leaves is anchored
// as usual. The hot fields (the sweep value, the home location and its
// latency) sit in one contiguous array, so the pass reads no ticket until
// a run passes the cheap checks.
//
// All the tickets are new in the same step: there is no older ticket that
// FlexMatch's fairness would have anchored first. A pool with any ticket
// from an earlier step is never swept.

// sweepItem is what the sweep reads of a ticket.
type sweepItem struct {
	key float64
	loc int32
	ms  int32
	t   *tk
}

// sweepPlan says whether and how a rule set can be swept; newPlan makes it
// once per rule set.
type sweepPlan struct {
	ok    bool
	batch int // the number batchDistance rule to sort by, or -1
	attr  int // else the schema index of the number attribute to sort by
	size  int // players in a full match
}

// newSweepPlan decides whether rs can be swept: a small rule set whose
// teams all have fixed sizes, with a number attribute to sort by (the
// first number batchDistance rule's, else the first number attribute
// declared).
func newSweepPlan(rs *ruleset.RuleSet) sweepPlan {
	if rs.Class() != ruleset.Small || len(rs.Phases()) == 0 {
		return sweepPlan{}
	}
	sp := sweepPlan{batch: -1, attr: -1}
	for _, ph := range rs.Phases() {
		size := 0
		for i := range rs.Teams() {
			t := ph.Team(i)
			if t.Min != t.Max || t.Max == 0 {
				return sweepPlan{}
			}
			size += t.Max
		}
		if sp.size != 0 && size != sp.size {
			return sweepPlan{}
		}
		sp.size = size
	}
	for _, br := range rs.BatchRules() {
		if !br.String {
			sp.batch = br.Rule
			break
		}
	}
	if sp.batch < 0 {
		for i, a := range rs.Schema().Attrs() {
			if a.Kind == ticket.KindNumber {
				sp.attr = i
				break
			}
		}
	}
	sp.ok = (sp.batch >= 0 || sp.attr >= 0) && sp.size >= 2
	return sp
}

// key is a prepared ticket's sweep value: the first number batchDistance
// rule's is the pool entry's number key 0 (plan.keys), already computed.
func (sp *sweepPlan) key(rs *ruleset.RuleSet, t *tk) float64 {
	if sp.batch >= 0 {
		return t.ent.Nums[0]
	}
	return rs.NumberAt(sp.attr, t.r)
}

// sweepable reports whether a step may sweep ready, the tickets about to
// enter c's pool in it: the rule set allows it, there are at least
// sweepMin of them, and the pool is empty.
func (e *Engine) sweepable(c *config, ready []*tk) bool {
	return c.plan.sweep.ok && len(ready) >= sweepMin && c.pool.Len() == 0 && openSlots(c) == 0
}

// sweep matches the fresh tickets of ready (see sweepable) by the sorted
// sweep, and returns how many matches it formed.
func (e *Engine) sweep(c *config, ready []*tk, now time.Time) int {
	sp := &c.plan.sweep
	items := make([]sweepItem, 0, len(ready)) // once per sweep, a rare event: not kept
	oldest := now.UnixNano()
	solo := true // every item one player: the runs need not read the tickets
	for _, t := range ready {
		if t.backfill != nil || !t.searching() {
			continue
		}
		it := sweepItem{key: sp.key(c.rs, t), t: t}
		for k, l := range t.r.PartyLatency() {
			if k == 0 || l.Max < it.ms {
				it.loc, it.ms = l.Loc, l.Max // the party's worst latency there
			}
		}
		if math.IsNaN(it.key) {
			continue
		}
		oldest = min(oldest, t.ent.Start)
		solo = solo && t.r.Players() == 1
		items = append(items, it)
	}
	items = sortSweep(items, make([]sweepItem, len(items)))
	b := c.builder(e)
	v := c.rs.At(time.Duration(now.UnixNano() - oldest)) // the most relaxed of them: the checks here only sift
	spread := math.Inf(1)
	if sp.batch >= 0 {
		spread = maxDistance(v, sp.batch) + distanceSlack
	}
	latBound, hasLat := c.rs.LatencyBound(v)
	formed := 0
	var run []int // indexes into items
	for i := range items {
		first := items[i]
		if first.t == nil {
			continue // in a match already
		}
		// The run: the tickets from i on, in order, that fit in what is
		// left of a match; a party that would overflow it is passed over
		// (up to sweepSkips of them) and waits for a later run.
		run = run[:0]
		players, skips, worst := 0, 0, int32(0)
		for j := i; j < len(items) && players < sp.size; j++ {
			it := &items[j]
			if it.t == nil {
				continue
			}
			if it.loc != first.loc || it.key-first.key > spread {
				break
			}
			np := 1
			if !solo {
				np = it.t.r.Players()
			}
			if players+np <= sp.size {
				run, players, worst = append(run, j), players+np, max(worst, it.ms)
			} else if skips++; skips > sweepSkips {
				break
			}
		}
		if players != sp.size || (hasLat && float64(worst) > latBound) || !b.sweepRun(items, run, v, now) {
			continue
		}
		e.commit(c, b, now)
		formed++
		for _, k := range run {
			items[k].t = nil
		}
	}
	return formed
}

// sweepRun builds the run (indexes into items, in sweep order) as a
// candidate and gives it the final check. Solo players are dealt onto the
// teams in a snake (first team, second, ..., last, last, ..., first, ...),
// which keeps team averages close; a run with parties places the largest
// first, each on the team with the most room left at the values v.
func (b *builder) sweepRun(items []sweepItem, run []int, v *ruleset.Values, now time.Time) bool {
	b.reset(items[run[0]].t, now) // no anchor's locations: the final check chooses the location
	b.bound = v
	nt := len(b.counts)
	solo := len(run) == b.c.plan.sweep.size
	if !solo {
		slices.SortStableFunc(run, func(x, y int) int { return items[y].t.r.Players() - items[x].t.r.Players() })
	}
	tm, dir := 0, 1
	for _, k := range run {
		t := items[k].t
		np := t.r.Players()
		if solo {
			for b.counts[tm] >= v.Team(tm).Max {
				tm, dir = snakeNext(tm, dir, nt)
			}
		} else {
			tm = -1
			for i := range nt {
				if room := v.Team(i).Max - b.counts[i]; room >= np && (tm < 0 || room > v.Team(tm).Max-b.counts[tm]) {
					tm = i
				}
			}
			if tm < 0 {
				return false // the parties do not pack into the teams
			}
		}
		b.push(t, tm, nil)
		s := t.ent.Start
		b.newest, b.oldest = max(b.newest, s), min(b.oldest, s)
		if solo {
			tm, dir = snakeNext(tm, dir, nt)
		}
	}
	return b.check()
}

// sortSweep sorts items by home location, then sweep value, keeping the
// order of equal ones (arrival order), and returns the sorted slice (items
// or tmp, which must be as long). It is a least-significant-byte radix sort
// over the value's order-preserving bits and then the location, which
// skips the bytes all items share (most of a skill's): O(n) per byte that
// varies. The value's sweepLowBytes lowest bytes are left out of the radix
// passes: a stable insertion pass then orders the rare neighbours whose
// values differ only there, in O(n) plus their number.
func sortSweep(items, tmp []sweepItem) []sweepItem {
	if len(items) < 2 {
		return items
	}
	src, dst := items, tmp[:len(items)]
	for pass := sweepLowBytes; pass < 12; pass++ { // the value's upper bytes, then four of the location
		var count [256]int
		for i := range src {
			count[src[i].byteAt(pass)]++
		}
		if count[src[0].byteAt(pass)] == len(src) {
			continue // every item has this byte
		}
		sum := 0
		for b, n := range count {
			count[b] = sum
			sum += n
		}
		for i := range src {
			b := src[i].byteAt(pass)
			dst[count[b]] = src[i]
			count[b]++
		}
		src, dst = dst, src
	}
	for i := 1; i < len(src); i++ {
		if !sweepBefore(&src[i], &src[i-1]) {
			continue
		}
		x, j := src[i], i
		for ; j > 0 && sweepBefore(&x, &src[j-1]); j-- {
			src[j] = src[j-1]
		}
		src[j] = x
	}
	return src
}

// sweepLowBytes is how many of a value's lowest bytes sortSweep leaves to
// its insertion pass: below a millionth of a skill's magnitude, where two
// tickets seldom differ only.
const sweepLowBytes = 3

// sweepBefore reports whether a sorts strictly before b: by location, then
// by the value's order-preserving bits (as the radix passes read them).
func sweepBefore(a, b *sweepItem) bool {
	if a.loc != b.loc {
		return uint32(a.loc) < uint32(b.loc)
	}
	return orderBits(a.key) < orderBits(b.key)
}

// orderBits maps a value to bits that order as the numbers do: negative
// ones flipped, the sign bit set on the others.
func orderBits(x float64) uint64 {
	u := math.Float64bits(x)
	if u>>63 != 0 {
		return ^u
	}
	return u | 1<<63
}

// byteAt is the pass-th least significant byte of the item's sort key: the
// value's orderBits, then the location id.
func (it *sweepItem) byteAt(pass int) byte {
	if pass < 8 {
		return byte(orderBits(it.key) >> (8 * pass))
	}
	return byte(uint32(it.loc) >> (8 * (pass - 8)))
}
