package engine

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Large rule sets (41 to 200 players, strategy balanced) are matched in
// batches rather than around single anchors (SPEC.md sections 6.3 and 7):
//
//  1. Backfill tickets go first, each built by the anchor builder with its
//     players fixed on their teams.
//  2. The pool is grouped by location: with batchingPreference
//     largestPopulation, each location in turn (most acceptable tickets
//     first) takes the tickets whose latency there is acceptable; with
//     fastestRegion, each ticket goes to its fastest acceptable location,
//     and tickets left over try their second and third fastest.
//  3. Each group is split into buckets of equal string batch attributes and
//     sorted by the primary number key (the batchDistance attribute that is
//     also the balanced attribute, else the first batchDistance attribute,
//     else the balanced attribute).
//  4. A sweep cuts each bucket into matches: the lowest remaining ticket
//     anchors, and the tickets after it join while every batchDistance and
//     latency limit holds at the expansion clock of the tickets gathered
//     (D12), up to the teams' capacity.
//  5. Players fill the teams in the documented order (D13) and the teams
//     are then balanced on the balanced attribute.
//
// The sweep runs when tickets arrive or return, and when a waiting ticket
// reaches an expansion step. Its cost is a sort of the pool plus a pass over
// it; building one match costs less than sorting its batch.

// largeState is the large-match bookkeeping of a configuration.
type largeState struct {
	wake    int64 // next expansion boundary of a waiting ticket (Unix ns), 0 for none
	marks   uint32
	group   []*tk
	members []*tk
	units   []unit
	lo, hi  []float64 // the gather's per-key ranges (see gather)
}

func (e *Engine) matchLarge(c *config, now time.Time) {
	if c.large == nil {
		c.large = &largeState{}
	}
	ls := c.large
	b := c.builder(e)
	sweep := now.UnixNano() >= ls.wake && ls.wake != 0
	var backfills []*tk
	for t := range c.dirty.drain() {
		if !t.matchable() {
			continue
		}
		if t.backfill == nil {
			sweep = true
			continue
		}
		backfills = append(backfills, t)
	}
	if sweep && c.backfillsIn > len(backfills) {
		// New tickets may fill the open slots of backfill tickets that
		// waited: large-match backfill goes first (SPEC.md section 18.6).
		backfills = backfills[:0]
		c.pool.Ascend(nil, func(en *pool.Entry[*tk]) bool {
			if en.Item.backfill != nil {
				backfills = append(backfills, en.Item)
			}
			return true
		})
	}
	for _, t := range backfills {
		if !t.matchable() {
			continue
		}
		if b.build(t, now) {
			e.commit(c, b, now)
		} else {
			e.settle(c, t, now)
		}
	}
	if !sweep || c.pool.Len() == 0 {
		return
	}
	e.sweepLarge(c, now)
	ls.wake = e.nextBoundary(c, now)
}

// nextBoundary returns when the next waiting ticket reaches an expansion
// step: for each step, the oldest ticket that has not reached it yet.
func (e *Engine) nextBoundary(c *config, now time.Time) int64 {
	best := int64(0)
	for _, ph := range c.rs.Phases()[1:] {
		cut := now.Add(-ph.Start()).UnixNano() // tickets started after cut have not reached ph
		var first *pool.Entry[*tk]
		c.pool.Ascend(&pool.Entry[*tk]{Start: cut + 1}, func(en *pool.Entry[*tk]) bool { first = en; return false })
		if first == nil {
			continue
		}
		at := first.Start + int64(ph.Start())
		if best == 0 || at < best {
			best = at
		}
	}
	return best
}

// largePlan is the per-sweep view of the rule set.
type largePlan struct {
	rs       *ruleset.RuleSet
	byOldest bool    // expansionAgeSelection oldest
	reserved int     // slots kept open for the game (see openSlots)
	primary  int     // number key index used to sort, or -1
	primRule int     // batch rule of the primary key, or -1
	primMax  float64 // the primary rule's widest maxDistance over all phases
	others   []int   // other number batch keys
	numBatch []int   // batch rule per number key (plan.numBatch)
}

// capacity is the most players a match may have at v.
func (lp *largePlan) capacity(v *ruleset.Values) int { return v.MaxPlayers() - lp.reserved }

func (e *Engine) sweepLarge(c *config, now time.Time) {
	rs := c.rs
	ls := c.large
	ls.marks = e.nextMark(c)
	p := c.plan
	lp := largePlan{rs: rs, byOldest: p.byOldest, reserved: openSlots(c), primary: -1, primRule: -1, numBatch: p.numBatch}
	bal := rs.BalancedAttribute()
	for _, br := range rs.BatchRules() { // prefer the batch rule on the balanced attribute
		if k := slices.Index(p.numBatch, br.Rule); k >= 0 && br.Attr == bal && lp.primary < 0 {
			lp.primary, lp.primRule = k, br.Rule
		}
	}
	if lp.primary < 0 {
		for k, ri := range p.numBatch {
			if ri >= 0 {
				lp.primary, lp.primRule = k, ri
				break
			}
		}
	}
	if lp.primary < 0 {
		lp.primary = slices.Index(p.numAttr, bal)
	}
	for k, ri := range p.numBatch {
		if ri >= 0 && k != lp.primary {
			lp.others = append(lp.others, k)
		}
	}
	if lp.primRule >= 0 {
		for _, ph := range rs.Phases() {
			if d, ok := ph.MaxDistance(lp.primRule); ok {
				lp.primMax = max(lp.primMax, d)
			}
		}
	}
	// The most relaxed latency bound any ticket can reach: at its own age.
	oldest, _ := c.pool.Oldest()
	bound, hasBound := rs.LatencyBound(rs.At(now.Sub(time.Unix(0, oldest.Start))))
	if !rs.HasLatencyRule() {
		ls.group = ls.group[:0]
		c.pool.Ascend(nil, func(en *pool.Entry[*tk]) bool {
			if en.Item.backfill == nil {
				ls.group = append(ls.group, en.Item)
			}
			return true
		})
		e.cutGroup(c, &lp, ls.group, -1, now)
		return
	}
	if !hasBound {
		bound = math.Inf(1)
	}
	if rs.Algorithm().BatchingPreference == ruleset.BatchFastestRegion {
		for rank := 0; rank < 3; rank++ {
			byLoc := map[int32][]*tk{}
			c.pool.Ascend(nil, func(en *pool.Entry[*tk]) bool {
				t := en.Item
				if t.backfill != nil || t.used == ls.marks {
					return true
				}
				if loc, ok := nthFastest(t.r, rank, bound); ok {
					byLoc[loc] = append(byLoc[loc], t)
				}
				return true
			})
			for _, loc := range sortedLocs(byLoc, e.locs) {
				e.cutGroup(c, &lp, byLoc[loc], loc, now)
			}
		}
		return
	}
	// largestPopulation: the location where most tickets are acceptable first.
	type locGroup struct {
		loc int32
		n   int
	}
	var locs []locGroup
	for loc := int32(0); int(loc) < c.pool.Locations(); loc++ {
		n := 0
		c.pool.Latency(loc, bound, func(en *pool.Entry[*tk], _ float64) bool {
			if en.Item.backfill == nil {
				n++
			}
			return true
		})
		if n > 0 {
			locs = append(locs, locGroup{loc, n})
		}
	}
	slices.SortFunc(locs, func(a, b locGroup) int {
		if a.n != b.n {
			return cmp.Compare(b.n, a.n)
		}
		return strings.Compare(e.locs.Name(a.loc), e.locs.Name(b.loc))
	})
	for _, lg := range locs {
		ls.group = ls.group[:0]
		c.pool.Latency(lg.loc, bound, func(en *pool.Entry[*tk], _ float64) bool {
			if t := en.Item; t.backfill == nil && t.searching() { // cutGroup drops the used ones
				ls.group = append(ls.group, t)
			}
			return true
		})
		e.cutGroup(c, &lp, ls.group, lg.loc, now)
	}
}

// nthFastest returns the rank-th lowest-latency location (by party average)
// among those within bound.
func nthFastest(r *ticket.Resolved, rank int, bound float64) (int32, bool) {
	var buf [16]ticket.LatencyAgg
	acc := buf[:0]
	for _, l := range r.PartyLatency() {
		if float64(l.Min) <= bound {
			acc = append(acc, l)
		}
	}
	if rank >= len(acc) {
		return 0, false
	}
	slices.SortStableFunc(acc, func(a, b ticket.LatencyAgg) int {
		if a.Avg != b.Avg {
			return cmp.Compare(a.Avg, b.Avg)
		}
		return cmp.Compare(a.Loc, b.Loc)
	})
	return acc[rank].Loc, true
}

// sortedLocs returns m's locations in name order.
func sortedLocs(m map[int32][]*tk, locs *ticket.Locations) []int32 {
	return slices.SortedFunc(maps.Keys(m), func(a, b int32) int { return strings.Compare(locs.Name(a), locs.Name(b)) })
}

// cutGroup splits a location group into buckets of equal string keys and
// sweeps each, sorted by the primary key.
func (e *Engine) cutGroup(c *config, lp *largePlan, group []*tk, loc int32, now time.Time) {
	ls := c.large
	group = slices.DeleteFunc(group, func(t *tk) bool { return t.used == ls.marks || !t.ent.In() })
	if len(group) == 0 {
		return
	}
	primary := lp.primary
	slices.SortFunc(group, func(a, b *tk) int {
		for k := range a.ent.Strs {
			if c := strings.Compare(a.ent.Strs[k], b.ent.Strs[k]); c != 0 {
				return c
			}
		}
		if primary >= 0 && a.ent.Nums[primary] != b.ent.Nums[primary] {
			return cmp.Compare(a.ent.Nums[primary], b.ent.Nums[primary])
		}
		if a.ent.Start != b.ent.Start {
			return cmp.Compare(a.ent.Start, b.ent.Start)
		}
		return strings.Compare(a.id, b.id)
	})
	start := 0
	for i := 1; i <= len(group); i++ {
		if i == len(group) || !slices.Equal(group[i].ent.Strs, group[start].ent.Strs) {
			e.sweepBucket(c, lp, group[start:i], loc, now)
			start = i
		}
	}
}

// gather is the running state of one match being cut from a bucket.
type gather struct {
	players  int
	newest   int64
	oldest   int64
	lo, hi   []float64 // per number batch key
	worstLat float64   // highest party latency at the group location
}

// values are the effective values at the gather's expansion clock (D12):
// the age of its newest ticket (or oldest, with expansionAgeSelection
// oldest).
func (g *gather) values(lp *largePlan, now time.Time) *ruleset.Values {
	ref := g.newest
	if lp.byOldest {
		ref = g.oldest
	}
	return lp.rs.At(time.Duration(now.UnixNano() - ref))
}

// sweepBucket cuts matches from a sorted bucket.
func (e *Engine) sweepBucket(c *config, lp *largePlan, bucket []*tk, loc int32, now time.Time) {
	ls := c.large
	for i := 0; i < len(bucket); i++ {
		a := bucket[i]
		if a.used == ls.marks || !a.searching() {
			continue
		}
		ls.lo = append(ls.lo[:0], a.ent.Nums...)
		ls.hi = append(ls.hi[:0], a.ent.Nums...)
		g := gather{newest: a.ent.Start, oldest: a.ent.Start, lo: ls.lo, hi: ls.hi,
			players: a.r.Players(), worstLat: partyLatency(a, loc)}
		ls.members = append(ls.members[:0], a)
		budget := 4*lp.rs.MaxPlayers() + 64
		for j := i + 1; j < len(bucket) && budget > 0; j++ {
			t := bucket[j]
			if t.used == ls.marks || !t.searching() {
				continue
			}
			budget--
			ok, stop := g.add(lp, t, loc, now)
			if stop {
				break
			}
			if !ok {
				continue
			}
			ls.members = append(ls.members, t)
			if g.players >= lp.capacity(g.values(lp, now)) {
				break
			}
		}
		v := g.values(lp, now)
		if g.players < v.MinPlayers() {
			continue
		}
		if e.cutMatch(c, ls.members, v, now) {
			for _, t := range ls.members {
				t.used = ls.marks
			}
		}
	}
}

// partyLatency is a ticket's latency at loc as the latency rules read it
// (the highest of the rules' party aggregates), or 0 without a location.
func partyLatency(t *tk, loc int32) float64 {
	if loc < 0 {
		return 0
	}
	a, ok := t.r.PartyLatencyAt(loc)
	if !ok {
		return math.Inf(1)
	}
	return float64(a.Max)
}

// add adds t to g if it can join at the expansion values the gather would
// then have. stop is true when no later ticket of the sorted bucket can
// join either (the primary key is past the window).
func (g *gather) add(lp *largePlan, t *tk, loc int32, now time.Time) (ok, stop bool) {
	rs := lp.rs
	s := t.ent.Start
	ng := *g
	ng.newest, ng.oldest = max(g.newest, s), min(g.oldest, s)
	v := ng.values(lp, now)
	if g.players+t.r.Players() > lp.capacity(v) {
		return false, false
	}
	fitsTeam := false
	for ti := range rs.Teams() {
		fitsTeam = fitsTeam || v.Team(ti).Max >= t.r.Players()
	}
	if !fitsTeam {
		return false, false
	}
	if lp.primRule >= 0 {
		x := t.ent.Nums[lp.primary]
		if max(g.hi[lp.primary], x)-min(g.lo[lp.primary], x) > maxDistance(v, lp.primRule)+distanceSlack {
			// The bucket is sorted on this key: past the widest window any
			// phase allows, no later ticket fits either.
			return false, x-g.lo[lp.primary] > lp.primMax+distanceSlack
		}
	}
	for _, k := range lp.others {
		x := t.ent.Nums[k]
		if max(g.hi[k], x)-min(g.lo[k], x) > maxDistance(v, lp.numBatch[k])+distanceSlack {
			return false, false
		}
	}
	lat := partyLatency(t, loc)
	if bound, has := rs.LatencyBound(v); has && max(g.worstLat, lat) > bound {
		return false, false
	}
	for k := range g.lo {
		x := t.ent.Nums[k]
		ng.lo[k], ng.hi[k] = min(g.lo[k], x), max(g.hi[k], x)
	}
	ng.players = g.players + t.r.Players()
	ng.worstLat = max(g.worstLat, lat)
	*g = ng
	return true, false
}

// unit is a ticket as the team filler and balancer see it.
type unit struct {
	t    *tk
	n    int     // players
	sum  float64 // sum of the balanced attribute over its players
	team int
}

// cutMatch fills and balances the teams of a gathered match, checks it
// against every rule (D7) and commits it.
func (e *Engine) cutMatch(c *config, members []*tk, v *ruleset.Values, now time.Time) bool {
	rs := c.rs
	b := c.builder(e)
	b.reset(members[0], now)
	ls := c.large
	units := ls.units[:0]
	bal, slot := rs.BalancedAttribute(), 0
	if bal >= 0 {
		_, slot = rs.Schema().Slot(bal)
	}
	for _, t := range members {
		u := unit{t: t, n: t.r.Players(), team: -1}
		if bal >= 0 {
			for p := range t.r.Players() {
				u.sum += t.r.Num(p, slot)
			}
		}
		units = append(units, u)
	}
	ls.units = units
	sizes, ok := fillOrder(units, v, len(rs.Teams()))
	if !ok {
		return false
	}
	balanceTeams(units, sizes)
	for _, u := range units {
		b.push(u.t, u.team, nil)
		s := u.t.ent.Start
		b.newest, b.oldest = max(b.newest, s), min(b.oldest, s)
	}
	ok = b.ev.Evaluate(&b.cand, v, ruleset.Final)
	b.charge(b.anchor, b.ev.Results(), b.ev.Err())
	if !ok {
		return false
	}
	b.location = b.ev.Location()
	spread := spreadOf(units, len(rs.Teams()))
	b.spread = &spread
	e.commit(c, b, now)
	return true
}

// fillOrder decides how many players each team gets, placing the units one
// at a time in the documented order (D13): teams below their minimum first,
// then the team with the most open slots, then rule-set order. It fails when
// a team stays below its minimum or a party fits nowhere.
func fillOrder(units []unit, v *ruleset.Values, teams int) ([]int, bool) {
	counts := make([]int, teams)
	for i := range units {
		best := -1
		for t := 0; t < teams; t++ {
			if counts[t]+units[i].n > v.Team(t).Max {
				continue
			}
			if best < 0 || fillCmp(t, best, counts, v) < 0 {
				best = t
			}
		}
		if best < 0 {
			return nil, false
		}
		counts[best] += units[i].n
		units[i].team = best
	}
	for t := range counts {
		if counts[t] < v.Team(t).Min {
			return nil, false
		}
	}
	return counts, true
}

// fillCmp orders teams a and b, holding counts players, in the fill order
// of D13: teams below their minimum first, then the team with the most open
// slots, then rule-set order.
func fillCmp(a, b int, counts []int, v *ruleset.Values) int {
	ba, bb := counts[a] < v.Team(a).Min, counts[b] < v.Team(b).Min
	if ba != bb {
		if ba {
			return -1
		}
		return 1
	}
	oa, ob := v.Team(a).Max-counts[a], v.Team(b).Max-counts[b]
	if oa != ob {
		return ob - oa
	}
	return a - b
}
