package engine

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ruleset"
)

// builder builds one match at a time around an anchor (small rule sets). It
// belongs to one configuration and reuses its buffers between anchors.
type builder struct {
	e  *Engine
	c  *config
	rs *ruleset.RuleSet
	ev *ruleset.Evaluator
	// inc mirrors cand with running aggregates per rule, for the partial
	// and structural checks (issue 9); nil when the rule set has a rule it
	// cannot follow. It holds the first incLen members, or is stale
	// (incLen -1) after a change of teams (repairs, repack): evaluate
	// brings it up to date, so pushes that no partial check follows cost
	// it nothing.
	inc     *ruleset.Incremental
	incLen  int
	cand    ruleset.Candidate
	members []*tk
	fixed   [][]int // per member: per-player teams (backfill), else nil
	team    []int   // per member: its team (new tickets)
	counts  []int   // players per team
	total   int
	newest  int64 // latest start among members
	oldest  int64
	now     time.Time
	epoch   uint32
	anchor  *tk

	window     []*tk
	keys       []ruleset.SortKey
	order      []int
	anchorLocs []int32
	latBound   float64
	hasLatBnd  bool
	bound      *ruleset.Values // the most relaxed values any candidate can reach

	anchors []*tk
	reach   []reachItem // scratch of reachableFrom
	nbr     []*tk       // anchorsFor: the changed ticket's neighbours
	rcands  []reachCand // scratch of reachableWith: the candidates by value
	// hint narrows the build around hintFor to where noMatchWith found
	// room for a match with it.
	hintFor      *tk
	hint         reachHint
	withBackfill bool    // collect backfill tickets too (anchorsFor)
	noRoom       bool    // a party found no room in this attempt
	partiesFirst bool    // order each window's parties first
	anchorGroups []int32 // the group index's groups the anchor can match in
	viaGroups    bool    // the window comes from the group index

	nowNs    int64
	vRef     int64           // the clock reference vCache was computed for
	vCache   *ruleset.Values // effective values at vRef
	reserved int             // slots kept open for the game (see openSlots)

	location int32
	spread   *float64
	budget   int
	repairs  int

	// plain turns off the shortcuts that only spare work (spreadFails,
	// repeats, collecting from pool.NearestAll), for the tests that show
	// they change nothing else.
	plain bool
	// pruned, when set (by tests), hears of each ticket for which
	// anchorsFor found that no match can reach its smallest size.
	pruned func(x *tk, now time.Time)
	// rotPruned, when set (by tests), hears of each anchor whose rotation
	// turn had no walk, its candidates unable to reach a match's fewest
	// players.
	rotPruned func(a *tk, now time.Time)
	walkEvery bool // (tests) the rotation walks every anchor, even one rotPruned would hear of

	deferred []*tk // candidates no team took on the partial checks
	saved    []int // members' teams before the deferred candidates joined

	// Scratch of teamSpread.
	spreadSum []float64
	spreadN   []int

	// Scratch of repack and reassign.
	packRoom  []int           // room per team
	packIdx   []int           // the members they may move
	packPlan  []int           // repack: their planned teams
	packFrom  []int           // their teams before the search
	packNodes int             // placements left
	packStop  int             // reassign: the repair budget to keep
	packVals  *ruleset.Values // reassign: the values in force
}

func (c *config) builder(e *Engine) *builder {
	rs := c.rs
	if c.b == nil || c.b.rs != rs {
		c.b = &builder{e: e, c: c, rs: rs, ev: c.ev, counts: make([]int, len(rs.Teams()))}
		if inc := rs.NewIncremental(e.locs); inc.Supported() {
			c.b.inc = inc
		}
	}
	return c.b
}

// values returns the effective values for members whose newest and oldest
// start times are given (D12): at the age of the newest (or the oldest, with
// expansionAgeSelection oldest).
func (b *builder) values(newest, oldest int64) *ruleset.Values {
	ref := newest
	if b.c.plan.byOldest {
		ref = oldest
	}
	if ref == b.vRef && b.vCache != nil {
		return b.vCache
	}
	b.vRef, b.vCache = ref, b.rs.At(time.Duration(b.nowNs-ref))
	return b.vCache
}

func (b *builder) capacity(v *ruleset.Values) int { return v.MaxPlayers() - b.reserved }

// openSlots is how many of a match's slots c keeps open for the game:
// AdditionalPlayerCount in WITH_QUEUE mode.
func openSlots(c *config) int {
	if c.info.Mode == WithQueue {
		return c.info.AdditionalPlayerCount
	}
	return 0
}

// maxDistance is batchDistance rule ri's effective maxDistance at v; a
// number batch without one means equality (SPEC 18.33).
func maxDistance(v *ruleset.Values, ri int) float64 {
	d, ok := v.MaxDistance(ri)
	if !ok {
		return 0
	}
	return d
}

// evaluate checks the candidate with the values v in mode, and returns
// the per-rule results to charge and the evaluation's error: incrementally
// in Partial and Structural mode when the rule set allows, else with the
// full evaluator (always in Final mode, D7).
func (b *builder) evaluate(v *ruleset.Values, mode ruleset.Mode) (bool, []int8, error) {
	if mode != ruleset.Final && b.inc != nil {
		if b.incLen < 0 {
			b.inc.Reset()
			b.incLen = 0
		}
		for ; b.incLen < len(b.members); b.incLen++ {
			if i := b.incLen; b.fixed[i] != nil {
				b.inc.AddFixed(b.members[i].r, b.fixed[i])
			} else {
				b.inc.Add(b.members[i].r, b.team[i])
			}
		}
		ok := b.inc.Evaluate(v, mode)
		return ok, b.inc.Results(), nil
	}
	ok := b.ev.Evaluate(&b.cand, v, mode)
	return ok, b.ev.Results(), b.ev.Err()
}

// charge records an evaluation's per-rule results (and its error, if any)
// against t (D18).
func (b *builder) charge(t *tk, res []int8, err error) {
	b.counters(t, len(res))
	for i, r := range res {
		switch r {
		case ruleset.Passed:
			t.metrics[2*i]++
			b.c.ruleTotals[2*i]++
		case ruleset.Failed:
			t.metrics[2*i+1]++
			b.c.ruleTotals[2*i+1]++
		}
	}
	if err != nil {
		b.chargeError(err)
	}
}

// counters makes t's and the configuration's passed and failed counters
// for n rules when they are not there yet.
func (b *builder) counters(t *tk, n int) {
	if t.metrics == nil {
		t.metrics = make([]uint32, 2*n)
	}
	if len(b.c.ruleTotals) != 2*n {
		b.c.ruleTotals = make([]uint64, 2*n)
	}
}

// chargeFailed records n failures of rule ri against t, as charge does for
// n evaluations that stopped there.
func (b *builder) chargeFailed(t *tk, ri, n int) {
	b.counters(t, len(b.rs.Rules()))
	t.metrics[2*ri+1] += uint32(n)
	b.c.ruleTotals[2*ri+1] += uint64(n)
}

// spreadFails reports whether t cannot join the members at the values v
// because of the source key's batchDistance rule: t's value lies outside
// the members' span sp's window at v. That rule fails on every team alike,
// so the checks on the teams of order, which would each fail on it, are
// spared, and it is charged a failure for each (issue 9: in a steady pool
// most partial checks failed there). Like srcWindow, it reads the entries'
// source key, which lies within the values of a party's players.
func (b *builder) spreadFails(t *tk, v *ruleset.Values, order []int, sp span) bool {
	if b.plain || !sp.ok {
		return false
	}
	lo, hi := sp.window(v)
	if x := t.ent.Nums[b.c.plan.source]; x >= lo && x <= hi {
		return false
	}
	b.chargeFailed(t, sp.ri, max(1, len(order)))
	return true
}

// chargeError counts an evaluation that failed with an error against its
// rule, so a rule that cannot be evaluated shows in RuleMetrics rather than
// as a silent "no match".
func (b *builder) chargeError(err error) {
	var ee *ruleset.EvaluationError
	if !errors.As(err, &ee) || ee.Rule < 0 {
		return
	}
	if len(b.c.ruleErrors) != len(b.c.ruleTotals)/2 {
		b.c.ruleErrors = make([]ruleErrors, len(b.c.ruleTotals)/2)
	}
	re := &b.c.ruleErrors[ee.Rule]
	re.n++
	re.last = ee.Problem
}

func (b *builder) reset(anchor *tk, now time.Time) {
	b.noRoom = false
	b.nowNs, b.vCache = now.UnixNano(), nil
	b.reserved = openSlots(b.c)
	b.epoch = b.e.nextEpoch()
	b.now = now
	b.anchor = anchor
	b.cand.Reset()
	if b.inc != nil {
		b.inc.Reset()
		b.incLen = 0
	}
	b.members, b.fixed, b.team = b.members[:0], b.fixed[:0], b.team[:0]
	clear(b.counts)
	b.total = 0
	b.location = -1
	b.spread = nil
	b.budget = b.e.cfg.SearchBudget
	b.newest, b.oldest = anchor.ent.Start, anchor.ent.Start
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
	if b.incLen > len(b.members)-1 {
		b.inc.Pop() // the mirror held it
		b.incLen--
	}
	b.members, b.fixed, b.team = b.members[:i], b.fixed[:i], b.team[:i]
	t.mark = 0
	b.newest, b.oldest = b.anchor.ent.Start, b.anchor.ent.Start
	for _, m := range b.members {
		s := m.ent.Start
		b.newest, b.oldest = max(b.newest, s), min(b.oldest, s)
	}
}

// appendPlayerTeams appends member i's team per player to dst.
func (b *builder) appendPlayerTeams(dst []int, i int) []int {
	if b.fixed[i] != nil {
		return append(dst, b.fixed[i]...)
	}
	for range b.members[i].r.Players() {
		dst = append(dst, b.team[i])
	}
	return dst
}

// teamOrder lists the teams a party of n players could join, in the fill
// order of D13 (see fillCmp).
func (b *builder) teamOrder(n int, v *ruleset.Values, dst []int) []int {
	dst = dst[:0]
	for i := range b.counts {
		if b.counts[i]+n <= v.Team(i).Max {
			dst = append(dst, i)
		}
	}
	slices.SortFunc(dst, func(x, y int) int { return fillCmp(x, y, b.counts, v) })
	return dst
}

// repeats reports whether a build around a would repeat one that failed:
// in the same step (the same values), with the pool unchanged since, and
// with a build that draws nothing from the random source, so that it would
// see the same candidates in the same order and fail again. An anchor is
// the older neighbour of each arrival of a step near it (anchorsFor), and
// in a steady pool most of those builds were such repeats (issue 9).
func (b *builder) repeats(a *tk, nowNs int64) bool {
	return !b.plain && !b.c.plan.shuffles && a.failedAt == nowNs && a.failedVer == b.c.pool.Version()
}

// build tries to build a match around anchor. On success the candidate in
// b is the match, and every rule passes on it (D7). When an attempt fails
// after a party found no room (the places it needed went to players who
// came first), it tries once more with parties placed first.
func (b *builder) build(anchor *tk, now time.Time) bool {
	b.partiesFirst = false
	if b.attempt(anchor, now) {
		return true
	}
	if !b.noRoom {
		return false
	}
	b.partiesFirst = true
	return b.attempt(anchor, now)
}

// attempt is one try of build.
func (b *builder) attempt(anchor *tk, now time.Time) bool {
	b.begin(anchor, now)
	rs := b.rs
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
	if ok, _, _ := b.evaluate(b.values(b.newest, b.oldest), ruleset.Structural); !ok {
		return false
	}
	if rs.HasLatencyRule() && len(b.anchorLocs) == 0 {
		return false
	}
	b.deferred = b.deferred[:0]
	size := 16
	for b.budget > 0 && !b.full() {
		n := b.collect(size)
		if n == 0 {
			break
		}
		if size == 16 && n < size && b.budget > 0 {
			// The index had no more candidates: when all of them could
			// not bring the match to its smallest size (within one
			// batchDistance window, see reachable), no rule need run.
			if b.reachable() < b.c.plan.minPlayers {
				return false
			}
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
	// Partial checks turn away candidates that a rule such as a team-average
	// distance rejects only for now; when the match is not full, try it
	// completed with them first, then fall back to it as it was.
	if n := len(b.members); !b.full() && len(b.deferred) > 0 {
		b.saved = append(b.saved[:0], b.team...)
		b.addDeferred()
		if len(b.members) > n {
			b.repairs = repairBudget
			if !b.belowMin() && (b.check() || b.reassign(deferredChecks)) {
				return true
			}
		}
		for len(b.members) > n {
			b.pop()
		}
		for i, tm := range b.saved {
			if b.fixed[i] == nil && b.team[i] != tm {
				b.move(i, tm) // undo what repack moved
			}
		}
	}
	return b.finish()
}

// reachable is how many players the members and the window's candidates
// could bring to one match: all of them, or, when the source key is a
// number batchDistance rule's, the most that fit in one window of its
// widest maxDistance holding the members (the rule fails on any match
// whose values spread further).
func (b *builder) reachable() int {
	sp := b.memberSpan()
	n, _, _ := b.reachableFrom(b.window, b.total, sp.lo, sp.hi, sp.ok, b.bound)
	return n
}

// reachableFrom is reachable for the candidates cands and members of total
// players whose source key values span [mlo, mhi]; windowed false counts
// every candidate (the members include a backfill ticket's players, or
// there are none). The window that count was found in, [lo, lo+d], comes
// back too (for an unwindowed count, any lo and d < 0). It sorts the
// candidates' values: O(w log w) for w candidates.
func (b *builder) reachableFrom(cands []*tk, total int, mlo, mhi float64, windowed bool, v *ruleset.Values) (n int, lo, d float64) {
	p := b.c.plan
	vs := b.reach[:0]
	for _, t := range cands {
		x := 0.0
		if p.source >= 0 {
			x = t.ent.Nums[p.source]
		}
		vs = append(vs, reachItem{x, t.r.Players()})
	}
	b.reach = vs
	return b.reachIn(vs, total, mlo, mhi, windowed, v)
}

// reachIn is reachableFrom for the candidates' values and players vs (in
// any order; it sorts them, in linear time when they are in order).
func (b *builder) reachIn(vs []reachItem, total int, mlo, mhi float64, windowed bool, v *ruleset.Values) (n int, lo, d float64) {
	players := total
	for _, it := range vs {
		players += it.n
	}
	p := b.c.plan
	if !windowed || p.source < 0 || p.numBatch[p.source] < 0 {
		return players, 0, -1
	}
	// A window [x, x+d] holds the members when x is in [mhi-d, mlo].
	d = maxDistance(v, p.numBatch[p.source]) + distanceSlack
	lo, hi := mhi-d, mlo
	if lo > hi {
		return min(total, players), lo, d
	}
	most, start := mostInWindow(vs, lo, hi, d)
	return min(total+most, players), start, d
}

// mostInWindow sorts vs by value and returns the most players of vs that a
// window [x, x+d] with x in [lo, hi] holds, and the start of the first
// window that holds them. A window that holds the most can be moved up
// until it starts at a value of vs or at hi, so those are the starts it
// tries, in increasing order, with two pointers: O(n log n), and O(n) for
// vs in order (the sort then only confirms it).
func mostInWindow(vs []reachItem, lo, hi, d float64) (int, float64) {
	slices.SortFunc(vs, func(a, c reachItem) int { return cmp.Compare(a.v, c.v) })
	best, n, i, j := 0, 0, 0, 0 // n players in [x, x+d]: vs[i:j]
	start := lo
	try := func(x float64) {
		if x < lo || x > hi {
			return
		}
		for ; i < len(vs) && vs[i].v < x; i++ {
			if i < j {
				n -= vs[i].n
			}
		}
		j = max(j, i)
		for ; j < len(vs) && vs[j].v <= x+d; j++ {
			n += vs[j].n
		}
		if n > best {
			best, start = n, x
		}
	}
	for k := range vs {
		try(vs[k].v)
	}
	try(hi)
	return best, start
}

// reachItem is a candidate's source key value and its players, for
// reachableFrom.
type reachItem struct {
	v float64
	n int
}

// begin starts a search around anchor: the most relaxed values any
// candidate match can reach (with newest, the clock cannot exceed the
// anchor's age; with oldest, the pool's oldest ticket's age) and the
// anchor's feasible locations under them.
func (b *builder) begin(anchor *tk, now time.Time) {
	b.reset(anchor, now)
	ref := anchor.ent.Start
	if b.c.plan.byOldest {
		if o, ok := b.c.pool.Oldest(); ok {
			ref = o.Start
		}
	}
	b.bound = b.rs.At(time.Duration(now.UnixNano() - ref))
	b.prepareAnchor()
}

// anchorsFor returns, best first, the tickets to try as anchors now that x
// has arrived or changed: x itself, the oldest ticket of its neighbourhood
// when that is older than x (FlexMatch builds a batch's match around its
// oldest ticket, so tickets that waited go first), and the backfill tickets
// of its neighbourhood (they only ever anchor, D23), ordered by backfill
// priority and age. A neighbourhood is looked at only when it can hold such
// a ticket.
func (b *builder) anchorsFor(x *tk, now time.Time) []*tk {
	b.anchors = append(b.anchors[:0], x)
	// Only a ticket that waited through an earlier step can be older than x
	// and not have been tried with x already: tickets new in this step were
	// tried, oldest first, with x among their candidates.
	oldest, _ := b.c.pool.OldestEarlier()
	if x.backfill != nil || (b.c.backfillsIn == 0 && (oldest == nil || oldest.Start >= x.ent.Start)) {
		return b.anchors
	}
	b.begin(x, now)
	b.withBackfill = true
	n := b.collect(neighbourhood)
	b.nbr = append(b.nbr[:0], b.window...)
	var older *tk
	backfills := false
	for _, t := range b.nbr {
		switch {
		case t.backfill != nil:
			backfills = true
			b.anchors = append(b.anchors, t)
		case t.ent.Start < x.ent.Start && (older == nil || anchorLess(t, older)):
			older = t
		}
	}
	// When no match with x can reach its smallest size now, the older
	// neighbour's build, which is there for the match x may complete, is
	// not tried either (issue 9: in a steady pool most arrivals' builds
	// failed so). A ticket that could match without x is tried on its own
	// turns: its expansion steps, the arrivals that can join it, and the
	// rotation.
	none := !backfills && b.noMatchWith(x, n < neighbourhood)
	b.withBackfill = false
	if none {
		if b.pruned != nil {
			b.pruned(x, now)
		}
		return b.anchors[:0]
	}
	if older != nil {
		b.anchors = append(b.anchors, older)
	}
	slices.SortStableFunc(b.anchors, func(p, q *tk) int {
		switch {
		case anchorLess(p, q):
			return -1
		case anchorLess(q, p):
			return 1
		}
		return 0
	})
	return b.anchors
}

// noMatchWith reports whether no match with x can reach its smallest size:
// the compatible tickets collected so far (b.nbr, all there are when
// exhausted) and, while that is not settled, up to reachWindow of them
// in all, cannot bring x to the fewest players a match may have within one
// window of a batchDistance maxDistance, one location's latency bound and
// the tickets old enough for those values (reachableWith). A backfill
// ticket among them, or a budget that runs out, settles nothing. When a
// match may form, the build around x then collects only where
// reachableWith found room for one (b.hint): nearest first from x, a
// greedy build took candidates on both sides of it, or young tickets that
// narrow the match's values, and failed where that one window held a
// match (issue 9: in a steady pool most builds around arrivals failed so).
func (b *builder) noMatchWith(x *tk, exhausted bool) bool {
	p := b.c.plan
	for b.budget > 0 {
		if n, h := b.reachableWith(b.nbr, x); n >= p.minPlayers {
			b.hintFor, b.hint = x, h
			return false
		}
		if exhausted {
			return true
		}
		want := reachWindow - len(b.nbr)
		if want <= 0 {
			return false
		}
		got := b.collect(want)
		for _, t := range b.window {
			if t.backfill != nil {
				return false
			}
		}
		b.nbr = append(b.nbr, b.window...)
		exhausted = got < want
	}
	return false
}

// reachHint is where a match with an arrival may form: its source key
// window [lo, hi] (all of it when windowed is false), its location (-1:
// any), the latest start time of its members (they must be old enough
// for the phase whose values it was found with), and that phase's latency
// bound.
type reachHint struct {
	lo, hi   float64
	windowed bool
	loc      int32
	maxStart int64
	lat      float64
	hasLat   bool
}

// admits reports whether t may be in a match the hint describes.
func (h *reachHint) admits(t *tk, source int) bool {
	if t.ent.Start > h.maxStart {
		return false
	}
	if h.windowed {
		if x := t.ent.Nums[source]; x < h.lo || x > h.hi {
			return false
		}
	}
	return h.loc < 0 || withinAt(t, h.loc, h.lat, h.hasLat)
}

// withinAt reports whether t's party reports loc and, when has, its
// nearest player there is within bound: a party that fails it cannot meet
// the bound at loc, so the test only sets aside what cannot match there.
func withinAt(t *tk, loc int32, bound float64, has bool) bool {
	l, ok := t.r.PartyLatencyAt(loc)
	return ok && (!has || float64(l.Min) <= bound)
}

// reachableWith is how many players x and the candidates cands could bring
// to one match, counted for each expansion phase x has reached: a match's
// values are those at its newest member's age (D12), so a match whose
// values are phase k's has only members that waited at least as long as
// phase k's start, their source key values within one window of phase k's
// maxDistance, and, under a latency rule, all of them within phase k's
// latency bound at one location. The count is the best over the phases and
// the locations of x, with where it was found. With expansionAgeSelection
// oldest the values are the oldest member's, and only the most relaxed
// ones (b.bound) are counted. It reads each candidate's value, players and
// start once, into one array sorted by value, so that each phase's and
// location's subset is in order and counted in one linear pass.
func (b *builder) reachableWith(cands []*tk, x *tk) (int, reachHint) {
	p := b.c.plan
	rc := b.rcands[:0]
	if p.source >= 0 {
		rc = byValue(rc, cands, p.source, x.ent.Nums[p.source])
	} else {
		for _, t := range cands {
			rc = append(rc, reachCand{n: t.r.Players(), start: t.ent.Start, t: t})
		}
	}
	b.rcands = rc
	defer clear(rc) // no stale pointer keeps a ticket alive
	if p.byOldest {
		return b.reachableAt(rc, x, b.bound, math.MaxInt64)
	}
	age, best := time.Duration(b.nowNs-x.ent.Start), 0
	var found reachHint
	for k, phases := 0, b.rs.Phases(); k < len(phases) && (k == 0 || phases[k].Start() <= age); k++ {
		if n, h := b.reachableAt(rc, x, &phases[k], b.nowNs-int64(phases[k].Start())); n > best || k == 0 {
			best, found = n, h
		}
		if best >= p.minPlayers {
			break
		}
	}
	return best, found
}

// byValue appends to rc what reachableWith reads of cands, in order of
// their source key k. Candidates collected nearest first from the value x
// come in two runs, those below x going down and those at or above it
// going up: each goes straight to its place, and the result is sorted
// only when they were not in that order.
func byValue(rc []reachCand, cands []*tk, k int, x float64) []reachCand {
	below := 0
	for _, t := range cands {
		if t.ent.Nums[k] < x {
			below++
		}
	}
	rc = slices.Grow(rc[:0], len(cands))[:len(cands)]
	lo, hi := below, below // rc[:below] fills from its end, rc[below:] from its start
	for _, t := range cands {
		c := reachCand{v: t.ent.Nums[k], n: t.r.Players(), start: t.ent.Start, t: t}
		if c.v < x {
			lo--
			rc[lo] = c
		} else {
			rc[hi] = c
			hi++
		}
	}
	if !slices.IsSortedFunc(rc, func(a, c reachCand) int { return cmp.Compare(a.v, c.v) }) {
		slices.SortFunc(rc, func(a, c reachCand) int { return cmp.Compare(a.v, c.v) })
	}
	return rc
}

// reachCand is what reachableWith reads of a candidate: its source key
// value (0 without a source key), players and start.
type reachCand struct {
	v     float64
	n     int
	start int64
	t     *tk
}

// reachableAt is reachableWith for one phase's values v, counting the
// candidates (sorted by value) that started at or before maxStart.
func (b *builder) reachableAt(rc []reachCand, x *tk, v *ruleset.Values, maxStart int64) (int, reachHint) {
	p := b.c.plan
	h := reachHint{loc: -1, maxStart: maxStart} // windowed once a window is found
	h.lat, h.hasLat = b.rs.LatencyBound(v)
	xv := 0.0
	if p.source >= 0 {
		xv = x.ent.Nums[p.source]
	}
	// count counts at h's location, and returns the window it found the
	// count in.
	count := func(h reachHint) (int, reachHint) {
		vs := b.reach[:0]
		for i := range rc {
			if c := &rc[i]; c.start <= h.maxStart && (h.loc < 0 || withinAt(c.t, h.loc, h.lat, h.hasLat)) {
				vs = append(vs, reachItem{c.v, c.n})
			}
		}
		b.reach = vs
		n, lo, d := b.reachIn(vs, x.r.Players(), xv, xv, true, v)
		if d >= 0 {
			h.windowed, h.lo, h.hi = true, lo, lo+d
		}
		return n, h
	}
	best, found := 0, h
	if !b.rs.HasLatencyRule() || len(b.anchorLocs) == 0 {
		best, found = count(h)
	} else {
		for _, loc := range b.anchorLocs {
			if !withinAt(x, loc, h.lat, h.hasLat) {
				continue // x itself is too far from loc at these values
			}
			h.loc = loc
			if n, hn := count(h); n > best {
				best, found = n, hn
			}
			if best >= p.minPlayers {
				break
			}
		}
	}
	return best, found
}

// addDeferred fills what the partial checks left open with the candidates
// they turned away, checking only the structural rules: a rule such as a
// team-average distance can fail on a partial match and pass on the full
// one, and the final check (with reassign) decides.
func (b *builder) addDeferred() {
	for _, t := range b.deferred {
		if b.full() {
			return
		}
		b.placeIfRoom(t, ruleset.Structural)
	}
}

// placeIfRoom adds t as place does, in its fill order at the members' clock
// with t, when the match has room for its players.
func (b *builder) placeIfRoom(t *tk, mode ruleset.Mode) bool {
	s := t.ent.Start
	newest, oldest := max(b.newest, s), min(b.oldest, s)
	v := b.values(newest, oldest)
	if b.total+t.r.Players() > b.capacity(v) {
		return false
	}
	var teams [64]int
	order := b.teamOrder(t.r.Players(), v, teams[:0])
	return !b.spreadFails(t, v, order, b.memberSpan()) && b.place(t, order, v, newest, oldest, mode)
}

// full reports whether no more players fit.
func (b *builder) full() bool { return b.fullAt(b.values(b.newest, b.oldest)) }

// fullAt reports whether no more players fit at the values v.
func (b *builder) fullAt(v *ruleset.Values) bool {
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
	// The groups of the anchor's locations whose band is within the bound.
	b.anchorGroups = b.anchorGroups[:0]
	if p := b.c.plan; p.grouped && b.hasLatBnd {
		for _, loc := range b.anchorLocs {
			for band, ms := range p.bands {
				if ms <= b.latBound {
					b.anchorGroups = append(b.anchorGroups, p.group(loc, band))
				}
			}
		}
	}
}

// compatible is the cheap check a candidate must pass before the rules are
// evaluated: it shares a feasible location with the anchor and lies within
// every batchDistance window of the anchor.
func (b *builder) compatible(t *tk) bool {
	if t == b.anchor || t.mark == b.epoch || (t.backfill != nil && !b.withBackfill) || !t.searching() {
		return false
	}
	if bf := b.anchor.backfill; bf != nil {
		for p := range t.r.Players() {
			if bf.players[t.r.PlayerID(p)] {
				return false // already in the game (no player twice in a session)
			}
		}
	}
	a, en := &b.anchor.ent, &t.ent
	p := b.c.plan
	for k, ri := range p.numBatch {
		if ri >= 0 && math.Abs(en.Nums[k]-a.Nums[k]) > maxDistance(b.bound, ri)+distanceSlack {
			return false
		}
	}
	for k := range p.strBatch {
		if en.Strs[k] != a.Strs[k] {
			return false
		}
	}
	if len(b.anchorLocs) > 0 && !b.viaGroups {
		found := false
		for _, loc := range b.anchorLocs {
			if withinAt(t, loc, b.latBound, b.hasLatBnd) {
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

// srcWindow returns the members' span's window under the most relaxed
// values: the range the source key of a new member must lie in for the
// batchDistance rule on that key to hold with the members as they are. ok
// is false when the span is not (see memberSpan).
func (b *builder) srcWindow() (lo, hi float64, ok bool) {
	sp := b.memberSpan()
	if !sp.ok {
		return 0, 0, false
	}
	lo, hi = sp.window(b.bound)
	return lo, hi, true
}

// span is the members' range [lo, hi] of source key values and the number
// batchDistance rule ri that judges its spread; ok is false when no such
// rule does (memberSpan).
type span struct {
	lo, hi float64
	ri     int
	ok     bool
}

// memberSpan returns the members' span. It is not ok when the source key
// is not a number batchDistance rule's, or when the members are none or
// include a backfill ticket's players (scored one by one, D23, where the
// key is their aggregate).
func (b *builder) memberSpan() span {
	p := b.c.plan
	if p.source < 0 || p.numBatch[p.source] < 0 || b.anchor.backfill != nil || len(b.members) == 0 {
		return span{}
	}
	sp := span{lo: math.Inf(1), hi: math.Inf(-1), ri: p.numBatch[p.source], ok: true}
	for _, t := range b.members {
		x := t.ent.Nums[p.source]
		sp.lo, sp.hi = min(sp.lo, x), max(sp.hi, x)
	}
	return sp
}

// window is the range a new member's source key must lie in for the rule
// to hold with the members at the values v: max(hi, x) - min(lo, x) <= d.
func (sp span) window(v *ruleset.Values) (lo, hi float64) {
	d := maxDistance(v, sp.ri)
	return sp.hi - d - distanceSlack, sp.lo + d + distanceSlack
}

// collect fills b.window with up to n compatible candidates not yet seen
// by this build, from the most selective index the rule set allows.
func (b *builder) collect(n int) int {
	b.window = b.window[:0]
	p, a := b.c.plan, &b.anchor.ent
	wlo, whi, windowed := b.srcWindow()
	take := func(en *pool.Entry[*tk]) bool {
		t := en.Item
		if b.budget <= 0 || len(b.window) >= n {
			return false
		}
		if windowed {
			if x := en.Nums[p.source]; x < wlo || x > whi {
				return true // the members' batch range leaves no room for it
			}
		}
		if b.hintFor == b.anchor && !b.hint.admits(t, p.source) {
			return true // where noMatchWith found no room for a match with the anchor
		}
		if t.seen == b.epoch || !b.compatible(t) {
			return true
		}
		t.seen = b.epoch
		b.window = append(b.window, t)
		b.budget--
		return true
	}
	// How far the source key may lie from the anchor's: a batchDistance
	// rule's widest window, narrowed to what the members leave, or
	// anywhere for a sortByAttributes key.
	srcDist := math.Inf(1)
	if p.source >= 0 && p.numBatch[p.source] >= 0 {
		srcDist = maxDistance(b.bound, p.numBatch[p.source]) + distanceSlack
		if windowed {
			x := a.Nums[p.source]
			srcDist = min(srcDist, max(x-wlo, whi-x))
		}
	}
	near := func(en *pool.Entry[*tk], _ float64) bool { return take(en) }
	switch {
	case len(p.strBatch) > 0 && b.c.pool.Options().Strings > 0: // (large pools index no strings)
		b.c.pool.Bucket(0, a.Strs[0], take)
	case p.grouped && b.hasLatBnd && (b.plain || b.c.pool.Len() > viewMax || b.groupsNarrow()):
		b.viaGroups = true
		b.c.pool.NearestIn(b.anchorGroups, a.Nums[p.source], srcDist, near)
		b.viaGroups = false
	case p.grouped && b.hasLatBnd:
		// A small pool, and groups that overlap: the sorted array of the
		// whole pool, with compatible checking the locations, gives the
		// same candidates in the same order.
		b.c.pool.NearestAll(a.Nums[p.source], srcDist, near)
	case p.source >= 0 && !p.grouped:
		b.c.pool.Nearest(0, a.Nums[p.source], srcDist, near)
	case p.latency && len(b.anchorLocs) > 0:
		bound := math.Inf(1)
		if b.hasLatBnd {
			bound = b.latBound
		}
		for _, loc := range b.anchorLocs {
			b.c.pool.Latency(loc, bound, near)
			if len(b.window) >= n || b.budget <= 0 {
				break
			}
		}
	default:
		// No index narrows the candidates: the tickets younger than the
		// anchor come first, then the older ones from the oldest. An older
		// ticket had its own tries as an anchor, with this one among its
		// candidates when its budget reached it; the younger ones are what
		// changed since, so a backlog of tickets that cannot match does not
		// use up the budget of a new ticket before it meets another new one
		// (issue 9).
		b.c.pool.Ascend(a, take)
		if len(b.window) < n && b.budget > 0 {
			b.c.pool.Ascend(nil, func(en *pool.Entry[*tk]) bool { return en != a && take(en) })
		}
	}
	return len(b.window)
}

// groupsNarrow reports whether the anchor's groups hold fewer entries
// than the pool. If not, an anchor feasible at several locations meets a
// ticket in a group of each, and the merge of many groups' cursors takes a
// heap (issue 9: in a steady pool of four locations, whose older anchors
// reached them all, that was the larger half of the cost of collecting).
func (b *builder) groupsNarrow() bool {
	n, limit := 0, b.c.pool.Len()
	for _, g := range b.anchorGroups {
		if n += b.c.pool.GroupLenAtMost(g); n >= limit {
			return false
		}
	}
	return true
}

// orderWindow orders the window: by closeness on sortByAttributes
// (batchingPreference sorted); with batchingPreference random, by closeness
// to the anchor when the window came from a numeric batchDistance index
// (nearest first, as collect visits it: a match made of the anchor's
// nearest neighbours strands fewer tickets between matches), else shuffled
// from the seeded source; then stably by the sort rules relative to the
// anchor.
func (b *builder) orderWindow(order []int) []int {
	order = order[:0]
	for i := range b.window {
		order = append(order, i)
	}
	rs := b.rs
	switch {
	case b.c.plan.sorted:
		ns := len(rs.SortByAttributes())
		b.keys = b.keys[:0]
		for _, t := range b.window {
			b.keys = rs.BatchingKeys(b.keys, b.anchor.r, t.r)
		}
		slices.SortStableFunc(order, func(x, y int) int {
			return slices.CompareFunc(b.keys[x*ns:(x+1)*ns], b.keys[y*ns:(y+1)*ns], func(kx, ky ruleset.SortKey) int {
				return cmp.Compare(kx.Num, ky.Num)
			})
		})
	default:
		if !b.c.plan.shuffles {
			break // collect took the window from Nearest: keep its order
		}
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
	if b.partiesFirst {
		slices.SortStableFunc(order, func(x, y int) int {
			return b.window[y].r.Players() - b.window[x].r.Players()
		})
	}
	return order
}

// tryAdd places t on the first team, in fill order, on which the partial
// candidate still passes.
func (b *builder) tryAdd(t *tk) bool {
	sp := b.memberSpan()
	if sp.ok {
		lo, hi := sp.window(b.bound)
		if x := t.ent.Nums[b.c.plan.source]; x < lo || x > hi {
			return false // fails the batchDistance rule with the members (and always will)
		}
	}
	s := t.ent.Start
	newest, oldest := max(b.newest, s), min(b.oldest, s)
	v := b.values(newest, oldest)
	if b.total+t.r.Players() > b.capacity(v) {
		b.noRoom = b.noRoom || t.r.Players() > 1
		return false
	}
	var teams [64]int
	order := b.teamOrder(t.r.Players(), v, teams[:0])
	if len(order) == 0 && t.r.Players() > 1 {
		b.noRoom = true
	}
	if b.spreadFails(t, v, order, sp) {
		b.deferred = append(b.deferred, t) // as failed partial checks would
		return false
	}
	if b.place(t, order, v, newest, oldest, ruleset.Partial) {
		return true
	}
	b.deferred = append(b.deferred, t)
	return false
}

// place adds t on the first team of order (its fill order) on which the
// candidate passes in mode, or, when t fits in no team as the teams stand,
// where repack makes room. newest and oldest are the members' start times
// with t, v the values at their clock.
func (b *builder) place(t *tk, order []int, v *ruleset.Values, newest, oldest int64, mode ruleset.Mode) bool {
	for _, team := range order {
		if b.pushChecked(t, team, v, newest, oldest, mode) {
			return true
		}
	}
	return len(order) == 0 && b.repack(t, v, newest, oldest, mode)
}

// pushChecked adds t on team and keeps it there if the candidate passes in
// mode, charging the evaluation to t.
func (b *builder) pushChecked(t *tk, team int, v *ruleset.Values, newest, oldest int64, mode ruleset.Mode) bool {
	b.push(t, team, nil)
	b.newest, b.oldest = newest, oldest
	ok, res, err := b.evaluate(v, mode)
	b.charge(t, res, err)
	if !ok {
		b.pop()
	}
	return ok
}

// repack makes room for a party that fits in no team as the teams stand,
// though the match has room for it: it looks for another placement of the
// members (parties stay whole, D7; fixed backfill players stay put) that
// leaves a team with room, moving members from their current teams only as
// the search needs, and keeps it if the candidate with the party added
// passes in mode. The search is bounded by repackNodes placements.
func (b *builder) repack(t *tk, v *ruleset.Values, newest, oldest int64, mode ruleset.Mode) bool {
	nt := len(b.counts)
	if nt < 2 {
		return false
	}
	b.packRoom = b.packRoom[:0]
	for i := range nt {
		b.packRoom = append(b.packRoom, v.Team(i).Max)
	}
	b.packIdx, b.packPlan = b.packIdx[:0], b.packPlan[:0]
	for i, f := range b.fixed {
		if f != nil {
			for _, tm := range f {
				b.packRoom[tm]--
			}
			continue
		}
		b.packIdx = append(b.packIdx, i)
		b.packPlan = append(b.packPlan, b.team[i])
	}
	b.packNodes = repackNodes
	at, ok := b.repackPlace(0, t.r.Players())
	if !ok {
		return false
	}
	b.packFrom = b.packFrom[:0]
	for k, i := range b.packIdx {
		b.packFrom = append(b.packFrom, b.team[i])
		if b.packPlan[k] != b.team[i] {
			b.move(i, b.packPlan[k])
		}
	}
	if b.pushChecked(t, at, v, newest, oldest, mode) {
		return true
	}
	for k, i := range b.packIdx {
		if b.team[i] != b.packFrom[k] {
			b.move(i, b.packFrom[k])
		}
	}
	return false
}

// repackPlace places the movable members from the k-th on (each on its
// current team first) and then a party of n, returning the party's team.
func (b *builder) repackPlace(k, n int) (int, bool) {
	if b.packNodes--; b.packNodes < 0 {
		return -1, false
	}
	room := b.packRoom
	if k == len(b.packIdx) {
		for tm := range room {
			if room[tm] >= n {
				return tm, true
			}
		}
		return -1, false
	}
	i := b.packIdx[k]
	size, cur := b.members[i].r.Players(), b.team[i]
	for step := range room {
		tm := (cur + step) % len(room)
		if room[tm] < size {
			continue
		}
		room[tm] -= size
		b.packPlan[k] = tm
		if at, ok := b.repackPlace(k+1, n); ok {
			return at, true
		}
		room[tm] += size
	}
	return -1, false
}
