package engine

import (
	"math"
	"slices"
	"time"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// builder builds one match at a time around an anchor (small rule sets). It
// belongs to one configuration and reuses its buffers between anchors.
type builder struct {
	e       *Engine
	c       *config
	rs      *ruleset.RuleSet
	ev      *ruleset.Evaluator
	cand    ruleset.Candidate
	members []*tk
	fixed   [][]int // per member: per-player teams (backfill), else nil
	team    []int   // per member: its team (new tickets)
	counts  []int   // players per team
	total   int
	newest  int64 // latest start among members
	oldest  int64
	now     time.Time
	epoch   uint64
	anchor  *tk

	window     []*tk
	keys       []ruleset.SortKey
	order      []int
	anchorLocs []int32
	latBound   float64
	hasLatBnd  bool
	bound      *ruleset.Values // the most relaxed values any candidate can reach

	location int32
	spread   *float64
	budget   int
	repairs  int
}

func (c *config) builder(e *Engine) *builder {
	rs := c.rs.compiled
	if c.b == nil || c.b.rs != rs {
		c.b = &builder{e: e, c: c, rs: rs, ev: c.ev, counts: make([]int, len(rs.Teams()))}
	}
	return c.b
}

// clock returns the effective values for the current members (D12): the age
// of the newest member (or the oldest, with expansionAgeSelection oldest).
func (b *builder) values(newest, oldest int64) *ruleset.Values {
	ref := newest
	if b.rs.Algorithm().ExpansionAgeSelection == ruleset.ExpansionAgeOldest {
		ref = oldest
	}
	return b.rs.At(time.Duration(b.now.UnixNano() - ref))
}

func (b *builder) capacity(v *ruleset.Values) int {
	n := v.MaxPlayers()
	if b.c.api.FlexMatchMode == ModeWithQueue {
		n -= b.c.api.AdditionalPlayerCount
	}
	return n
}

// charge records the last evaluation's per-rule results against t (D18).
func (b *builder) charge(t *tk) {
	res := b.ev.Results()
	if t.metrics == nil {
		t.metrics = make([]uint32, 2*len(res))
	}
	for i, r := range res {
		switch r {
		case ruleset.Passed:
			t.metrics[2*i]++
		case ruleset.Failed:
			t.metrics[2*i+1]++
		}
	}
}

func (b *builder) reset(anchor *tk, now time.Time) {
	b.e.epoch++
	b.epoch = b.e.epoch
	b.now = now
	b.anchor = anchor
	b.cand.Reset()
	b.members, b.fixed, b.team = b.members[:0], b.fixed[:0], b.team[:0]
	clear(b.counts)
	b.total = 0
	b.location = -1
	b.spread = nil
	b.budget = b.e.cfg.SearchBudget
	b.newest, b.oldest = anchor.start.UnixNano(), anchor.start.UnixNano()
}

// push adds t (on team, or on its fixed teams) to the candidate.
func (b *builder) push(t *tk, team int, fixed []int) {
	if fixed != nil {
		b.cand.AddFixed(t.r, fixed)
		for _, tm := range fixed {
			b.counts[tm]++
		}
	} else {
		b.cand.Add(t.r, team)
		b.counts[team] += t.r.Players()
	}
	b.total += t.r.Players()
	b.members = append(b.members, t)
	b.fixed = append(b.fixed, fixed)
	b.team = append(b.team, team)
	t.mark = b.epoch
}

// pop removes the last member.
func (b *builder) pop() {
	i := len(b.members) - 1
	t := b.members[i]
	if f := b.fixed[i]; f != nil {
		for _, tm := range f {
			b.counts[tm]--
		}
	} else {
		b.counts[b.team[i]] -= t.r.Players()
	}
	b.total -= t.r.Players()
	b.cand.Pop()
	b.members, b.fixed, b.team = b.members[:i], b.fixed[:i], b.team[:i]
	t.mark = 0
	b.newest, b.oldest = b.anchor.start.UnixNano(), b.anchor.start.UnixNano()
	for _, m := range b.members {
		s := m.start.UnixNano()
		b.newest, b.oldest = max(b.newest, s), min(b.oldest, s)
	}
}

// playerTeams returns member i's team per player.
func (b *builder) playerTeams(i int) []int {
	if b.fixed[i] != nil {
		return slices.Clone(b.fixed[i])
	}
	out := make([]int, b.members[i].r.Players())
	for p := range out {
		out[p] = b.team[i]
	}
	return out
}

// teamOrder lists the teams a party of n players could join, in the fill
// order of D13: teams below their minimum first, then the team with the
// most open slots, then rule-set order.
func (b *builder) teamOrder(n int, v *ruleset.Values, dst []int) []int {
	dst = dst[:0]
	for i := range b.counts {
		if b.counts[i]+n <= v.Team(i).Max {
			dst = append(dst, i)
		}
	}
	slices.SortStableFunc(dst, func(x, y int) int {
		bx, by := b.counts[x] < v.Team(x).Min, b.counts[y] < v.Team(y).Min
		if bx != by {
			if bx {
				return -1
			}
			return 1
		}
		ox, oy := v.Team(x).Max-b.counts[x], v.Team(y).Max-b.counts[y]
		return oy - ox
	})
	return dst
}

// build tries to build a match around anchor. On success the candidate in
// b is the match, and every rule passes on it (D7).
func (b *builder) build(anchor *tk, now time.Time) bool {
	b.reset(anchor, now)
	rs := b.rs
	// The most relaxed values any candidate match can reach: with newest,
	// the clock cannot exceed the anchor's age; with oldest, the pool's
	// oldest ticket's age.
	ref := anchor.start.UnixNano()
	if rs.Algorithm().ExpansionAgeSelection == ruleset.ExpansionAgeOldest {
		if o, ok := b.c.pool.Oldest(); ok {
			ref = o.Start
		}
	}
	b.bound = rs.At(time.Duration(now.UnixNano() - ref))
	if anchor.backfill != nil {
		b.push(anchor, -1, anchor.teams)
	} else {
		v := b.values(b.newest, b.oldest)
		order := b.teamOrder(anchor.r.Players(), v, b.order)
		if len(order) == 0 {
			return false
		}
		b.push(anchor, order[0], nil)
	}
	if !b.ev.Evaluate(&b.cand, b.values(b.newest, b.oldest), ruleset.Structural) {
		return false
	}
	b.prepareAnchor()
	if rs.HasLatencyRule() && len(b.anchorLocs) == 0 {
		return false
	}
	size := 16
	for b.budget > 0 && !b.full() {
		n := b.collect(size)
		if n == 0 {
			break
		}
		b.order = b.orderWindow(b.order)
		for _, i := range b.order {
			if b.full() {
				break
			}
			b.tryAdd(b.window[i])
		}
		size *= 2
	}
	return b.finish()
}

// full reports whether no more players fit.
func (b *builder) full() bool {
	v := b.values(b.newest, b.oldest)
	if b.total >= b.capacity(v) {
		return true
	}
	for i := range b.counts {
		if b.counts[i] < v.Team(i).Max {
			return false
		}
	}
	return true
}

// prepareAnchor computes the anchor's feasible locations under the most
// relaxed latency bound.
func (b *builder) prepareAnchor() {
	b.anchorLocs = b.anchorLocs[:0]
	b.latBound, b.hasLatBnd = b.rs.LatencyBound(b.bound)
	if !b.rs.HasLatencyRule() {
		return
	}
	for _, l := range b.anchor.r.PartyLatency() {
		if !b.hasLatBnd || float64(l.Min) <= b.latBound {
			b.anchorLocs = append(b.anchorLocs, l.Loc)
		}
	}
}

// compatible is the cheap check a candidate must pass before the rules are
// evaluated: it shares a feasible location with the anchor and lies within
// every batchDistance window of the anchor.
func (b *builder) compatible(t *tk) bool {
	if t == b.anchor || t.mark == b.epoch || t.backfill != nil || t.status != ticket.StatusSearching {
		return false
	}
	if bf := b.anchor.backfill; bf != nil {
		for p := range t.r.Players() {
			if bf.players[t.r.PlayerID(p)] {
				return false // already in the game (no player twice in a session)
			}
		}
	}
	a, en := b.anchor.entry, t.entry
	p := b.c.plan
	for k, ri := range p.numBatch {
		if ri < 0 {
			continue
		}
		d, ok := b.bound.MaxDistance(ri)
		if !ok {
			d = 0
		}
		if math.Abs(en.Nums[k]-a.Nums[k]) > d+1e-9 {
			return false
		}
	}
	for k := range p.strBatch {
		if en.Strs[k] != a.Strs[k] {
			return false
		}
	}
	if len(b.anchorLocs) > 0 {
		found := false
		for _, loc := range b.anchorLocs {
			if l, ok := t.r.PartyLatencyAt(loc); ok && (!b.hasLatBnd || float64(l.Min) <= b.latBound) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// collect fills b.window with up to n compatible candidates not yet seen
// by this build, from the most selective index the rule set allows.
func (b *builder) collect(n int) int {
	b.window = b.window[:0]
	take := func(en *pool.Entry[*tk]) bool {
		t := en.Item
		if b.budget <= 0 || len(b.window) >= n {
			return false
		}
		if t.seen == b.epoch || !b.compatible(t) {
			return true
		}
		t.seen = b.epoch
		b.window = append(b.window, t)
		b.budget--
		return true
	}
	p, a := b.c.plan, b.anchor.entry
	switch {
	case len(p.strBatch) > 0:
		b.c.pool.Bucket(0, a.Strs[0], take)
	case len(p.numBatch) > 0 && p.numBatch[0] >= 0:
		d, ok := b.bound.MaxDistance(p.numBatch[0])
		if !ok {
			d = 0
		}
		b.c.pool.Nearest(0, a.Nums[0], d+1e-9, func(en *pool.Entry[*tk], _ float64) bool { return take(en) })
	case p.sortedKey >= 0:
		b.c.pool.Nearest(p.sortedKey, a.Nums[p.sortedKey], math.Inf(1), func(en *pool.Entry[*tk], _ float64) bool { return take(en) })
	case p.latency && len(b.anchorLocs) > 0:
		for _, loc := range b.anchorLocs {
			bound := math.Inf(1)
			if b.hasLatBnd {
				bound = b.latBound
			}
			b.c.pool.Latency(loc, bound, func(en *pool.Entry[*tk], _ float64) bool { return take(en) })
			if len(b.window) >= n || b.budget <= 0 {
				break
			}
		}
	default:
		b.c.pool.Ascend(nil, take)
	}
	return len(b.window)
}

// orderWindow orders the window: shuffled (batchingPreference random, from
// the seeded source) or by closeness on sortByAttributes (sorted), then
// stably by the sort rules relative to the anchor.
func (b *builder) orderWindow(order []int) []int {
	order = order[:0]
	for i := range b.window {
		order = append(order, i)
	}
	rs := b.rs
	switch rs.Algorithm().BatchingPreference {
	case ruleset.BatchSorted:
		ns := len(rs.SortByAttributes())
		b.keys = b.keys[:0]
		for _, t := range b.window {
			b.keys = rs.BatchingKeys(b.keys, b.anchor.r, t.r)
		}
		slices.SortStableFunc(order, func(x, y int) int {
			kx, ky := b.keys[x*ns:(x+1)*ns], b.keys[y*ns:(y+1)*ns]
			for i := range kx {
				if kx[i].Num != ky[i].Num {
					if kx[i].Num < ky[i].Num {
						return -1
					}
					return 1
				}
			}
			return 0
		})
	default:
		b.e.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	if rs.HasSortRules() {
		b.keys = b.keys[:0]
		var ns int
		for _, t := range b.window {
			before := len(b.keys)
			b.keys = rs.SortKeys(b.keys, b.anchor.r, t.r)
			ns = len(b.keys) - before
		}
		slices.SortStableFunc(order, func(x, y int) int {
			return rs.CompareSortKeys(b.keys[x*ns:(x+1)*ns], b.keys[y*ns:(y+1)*ns])
		})
	}
	return order
}

// tryAdd places t on the first team, in fill order, on which the partial
// candidate still passes.
func (b *builder) tryAdd(t *tk) bool {
	s := t.start.UnixNano()
	newest, oldest := max(b.newest, s), min(b.oldest, s)
	v := b.values(newest, oldest)
	if b.total+t.r.Players() > b.capacity(v) {
		return false
	}
	var teams [64]int
	for _, team := range b.teamOrder(t.r.Players(), v, teams[:0]) {
		b.push(t, team, nil)
		b.newest, b.oldest = newest, oldest
		ok := b.ev.Evaluate(&b.cand, v, ruleset.Partial)
		b.charge(t)
		if ok {
			return true
		}
		b.pop()
	}
	return false
}

// finish checks the complete candidate (D7), repairing it when it fails: by
// swapping tickets between teams, then by dropping the latest additions.
// Repairs stop as soon as a team falls below its minimum, since removing
// players cannot fix that.
func (b *builder) finish() bool {
	b.repairs = repairBudget
	for {
		if b.anchor.backfill != nil && len(b.members) < 2 {
			return false // a backfill match must add a ticket (D23)
		}
		if b.belowMin() {
			return false
		}
		if b.check() || b.swapRepair() {
			return true
		}
		if len(b.members) < 2 || b.repairs <= 0 {
			return false
		}
		b.pop()
	}
}

// repairBudget bounds the full evaluations spent repairing one candidate.
const repairBudget = 96

// belowMin reports whether some team is below its effective minimum.
func (b *builder) belowMin() bool {
	v := b.values(b.newest, b.oldest)
	for i := range b.counts {
		if b.counts[i] < v.Team(i).Min {
			return true
		}
	}
	return false
}

// check evaluates the candidate completely: team sizes, then every rule.
func (b *builder) check() bool {
	v := b.values(b.newest, b.oldest)
	if b.total > b.capacity(v) {
		return false
	}
	for i := range b.counts {
		if b.counts[i] < v.Team(i).Min || b.counts[i] > v.Team(i).Max {
			return false
		}
	}
	b.repairs--
	ok := b.ev.Evaluate(&b.cand, v, ruleset.Final)
	b.charge(b.anchor)
	if ok {
		b.location = b.ev.Location()
		b.balance(v)
	}
	return ok
}

// swapRepair tries exchanging two tickets of equal size on different teams
// (or moving one to a team with room) until the candidate passes, within a
// bounded number of evaluations.
func (b *builder) swapRepair() bool {
	if len(b.rs.Teams()) < 2 {
		return false
	}
	v := b.values(b.newest, b.oldest)
	tries := 64
	for i := range b.members {
		if b.repairs <= 0 {
			return false
		}
		if b.fixed[i] != nil {
			continue
		}
		for j := i + 1; j < len(b.members) && tries > 0; j++ {
			if b.fixed[j] != nil || b.team[i] == b.team[j] || b.members[i].r.Players() != b.members[j].r.Players() {
				continue
			}
			tries--
			b.swap(i, j)
			if b.check() {
				return true
			}
			b.swap(i, j)
		}
		for tm := range b.counts {
			n := b.members[i].r.Players()
			if tries <= 0 || tm == b.team[i] || b.counts[tm]+n > v.Team(tm).Max {
				continue
			}
			tries--
			from := b.team[i]
			b.move(i, tm)
			if b.check() {
				return true
			}
			b.move(i, from)
		}
	}
	return false
}

func (b *builder) swap(i, j int) {
	ti, tj := b.team[i], b.team[j]
	b.move(i, tj)
	b.move(j, ti)
}

func (b *builder) move(i, team int) {
	n := b.members[i].r.Players()
	b.counts[b.team[i]] -= n
	b.counts[team] += n
	b.team[i] = team
	b.cand.Teams[i] = team
}

// balance, for a rule set with strategy balanced, swaps tickets between
// teams while that narrows the spread of team averages of the balanced
// attribute and every rule still passes; it records the spread.
func (b *builder) balance(v *ruleset.Values) {
	attr := b.rs.BalancedAttribute()
	if attr < 0 {
		return
	}
	spread := b.teamSpread(attr)
	for round := 0; round < 8; round++ {
		improved := false
		for i := range b.members {
			for j := i + 1; j < len(b.members); j++ {
				if b.fixed[i] != nil || b.fixed[j] != nil || b.team[i] == b.team[j] || b.members[i].r.Players() != b.members[j].r.Players() {
					continue
				}
				b.swap(i, j)
				if s := b.teamSpread(attr); s < spread-1e-9 && b.ev.Evaluate(&b.cand, v, ruleset.Final) {
					spread, improved = s, true
					continue
				}
				b.swap(i, j)
			}
		}
		if !improved {
			break
		}
	}
	b.ev.Evaluate(&b.cand, v, ruleset.Final) // leave the evaluator's state on the final composition
	b.location = b.ev.Location()
	b.spread = &spread
}

// teamSpread is the largest minus the smallest team average of attr, over
// teams with players.
func (b *builder) teamSpread(attr int) float64 {
	_, slot := b.rs.Schema().Slot(attr)
	sums := make([]float64, len(b.counts))
	ns := make([]int, len(b.counts))
	for i, t := range b.members {
		for p := range t.r.Players() {
			team := b.team[i]
			if b.fixed[i] != nil {
				team = b.fixed[i][p]
			}
			sums[team] += t.r.Num(p, slot)
			ns[team]++
		}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range sums {
		if ns[i] > 0 {
			avg := sums[i] / float64(ns[i])
			lo, hi = min(lo, avg), max(hi, avg)
		}
	}
	if hi < lo {
		return 0
	}
	return hi - lo
}
