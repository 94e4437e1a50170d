package engine

import (
	"fmt"
	"slices"
	"time"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Step advances the engine to now and returns every event produced since
// the last Step or Events call, in order. For each configuration, in name
// order, it:
//
//  1. ends acceptances whose deadline has passed (D15);
//  2. times out QUEUED and SEARCHING tickets whose request deadline has
//     passed (D16);
//  3. moves the tickets QUEUED before this Step to SEARCHING (an automatic
//     backfill ticket that a match opens during a Step waits for the next,
//     whichever configuration's turn comes first);
//  4. forms matches: each new or changed ticket, oldest first, anchors an
//     attempt, and tickets whose expansions have just relaxed try again.
//
// Its cost grows with the tickets that changed and the matches formed, not
// with the size of the pool: a ticket that cannot match is not tried again
// until an expansion step applies to it or it returns to the search.
func (e *Engine) Step(now time.Time) []Event {
	for {
		m, ok := e.lifetimes.Min()
		if !ok || m.lifeEnd.After(now) {
			break
		}
		e.endSession(now, m, "The game session reached the end of its lifetime.")
	}
	e.stepFrom = e.arrivals
	for _, c := range e.sortedConfigs() {
		e.stepConfig(c, now)
	}
	e.purge(now)
	return e.Events()
}

func (e *Engine) stepConfig(c *config, now time.Time) {
	for {
		m, ok := c.accepting.Min()
		if !ok || m.deadline.After(now) {
			break
		}
		e.failAcceptance(now, m, AcceptanceTimedOut, nil)
	}
	for {
		m, ok := c.placing.Min()
		if !ok || m.deadline.After(now) {
			break
		}
		e.failPlacement(now, m, ticket.ReasonPlacementTimeout, "TIMED_OUT",
			fmt.Sprintf("The game session was not placed within %v seconds.", m.cfg.info.placementTimeout().Seconds()))
	}
	for {
		t, ok := c.deadlines.popDue(now.UnixNano())
		if !ok {
			break
		}
		const msg = "Removed from matchmaking due to timing out."
		t.note(ticket.ReasonRequestTimeout, msg)
		e.transition(now, c, EventTimedOut, nil, []*tk{t}, ticket.StatusTimedOut,
			&Outcome{Reason: "TimedOut", Message: msg, Rules: c.ruleCounts([]*tk{t})})
	}
	swept := false // the sorted sweep matched this step's arrivals (sweep.go)
	if len(c.queued) > 0 {
		// One event for each new ticket, and two for each match they may
		// form: make room once.
		n := len(c.queued)
		e.out = slices.Grow(e.out, n+2*n/max(1, c.rs.MaxPlayers())+n/16)
		e.retired = slices.Grow(e.retired, n) // most of them may end in this step
		queued := c.queued
		c.queued = nil
		if queued[len(queued)-1].seq > e.stepFrom {
			// Opened in this Step, by an earlier configuration's match:
			// they wait for the next (arrival order is seq order).
			late := slices.IndexFunc(queued, func(t *tk) bool { return t.seq > e.stepFrom })
			c.queued = slices.Clone(queued[late:])
			queued = queued[:late]
		}
		wait := c.estimatedWait()
		ready, groups := queued[:0], 0 // the tickets that enter the pool, and their group ids
		for _, t := range queued {
			e.transition(now, c, EventSearching, nil, []*tk{t}, ticket.StatusSearching, nil).EstimatedWait = wait
			if e.prepare(c, t) {
				ready = append(ready, t)
				groups += len(t.ent.Groups)
			}
		}
		// A pool that was empty takes a large batch by the sorted sweep
		// before its tickets enter the indexes: those it matches never do.
		swept = e.sweepable(c, ready)
		if swept {
			e.sweep(c, ready, now)
			ready, groups = slices.DeleteFunc(ready, func(t *tk) bool { return !t.searching() }), 0
			for _, t := range ready {
				groups += len(t.ent.Groups)
			}
		} else {
			c.dirty.fifo[priorityClass(c.plan.priority, false)].reserve(len(ready)) // a new ticket's class
		}
		c.pool.Reserve(len(ready), groups)
		for _, t := range ready {
			e.enter(c, t, true)
		}
		for _, t := range ready {
			if !swept || t.backfill != nil {
				e.markDirty(c, t)
				continue
			}
			// The sweep found no run for it among its neighbours: the
			// rotation tries it from the next step on, and an expansion
			// step wakes it, as for an anchor that failed.
			e.settle(c, t, now)
		}
	}
	nowNs := now.UnixNano()
	for {
		w, ok := c.wakeups.Min()
		if !ok || w.wakeAt > nowNs {
			break
		}
		c.wakeups.Remove(w)
		w.wakeAt = 0
		e.markDirty(c, w)
	}
	if c.rs.Class() == ruleset.Large {
		e.matchLarge(c, now)
	} else {
		e.matchSmall(c, now, swept)
	}
	c.pool.Settle() // last step's tickets still waiting enter the trees; this step's wait staged
}

// admit puts a SEARCHING ticket in the pool unless it can never match, in
// which case its StatusReason says why (D11, D20).
func (e *Engine) admit(c *config, t *tk) { e.admitAs(c, t, false) }

// admitAs is admit; staged tickets (new ones, at the start of a step) enter
// the pool's trees only if they are still waiting when the step ends.
func (e *Engine) admitAs(c *config, t *tk, staged bool) {
	if e.prepare(c, t) {
		e.enter(c, t, staged)
	}
}

// prepare readies a SEARCHING ticket's pool entry and reports whether it
// may enter the pool: not when it is in already, or can never match (its
// StatusReason then says why, D11, D20).
func (e *Engine) prepare(c *config, t *tk) bool {
	if t.ent.In() {
		return false
	}
	if t.dlIn == inNone {
		c.deadlines.pushBack(t) // back in the search (D16)
	}
	rs := c.rs
	switch {
	case t.r == nil || t.blocked:
		return false
	case t.r.Missing() >= 0:
		name := rs.Schema().Attrs()[t.r.Missing()].Name
		t.blocked = true
		t.note(ticket.ReasonMissingAttribute, fmt.Sprintf("A player has no value for attribute %q, which the rule set declares without a default; this ticket can never match.", name))
		return false
	case rs.HasLatencyRule() && !t.r.HasLatency():
		t.blocked = true
		t.note(ticket.ReasonMissingAttribute, "A player has no LatencyInMs, which the rule set's latency rule needs; this ticket can never match.")
		return false
	case !e.fits(c, t):
		return false
	}
	en := &t.ent
	if en.Item == nil {
		*en = pool.Entry[*tk]{ID: t.id, Start: en.Start, Item: t, Nums: t.numBuf[:0], Groups: t.grpBuf[:0]}
	}
	return c.plan.keys(en, t.r) // false: a party that disagrees on a string batch attribute
}

// enter puts a prepared ticket in the pool: staged (a new ticket at the
// start of a step) or into the trees at once.
func (e *Engine) enter(c *config, t *tk, staged bool) {
	if staged {
		c.pool.Stage(&t.ent)
	} else {
		c.pool.Insert(&t.ent)
	}
	if t.backfill != nil {
		c.backfillsIn++
	}
}

// fits reports whether t could ever be placed: a new ticket's party must fit
// in some team at its largest.
func (e *Engine) fits(c *config, t *tk) bool {
	if t.backfill != nil {
		return true
	}
	n := t.r.Players()
	for _, ph := range c.rs.Phases() {
		for i := range c.rs.Teams() {
			if ph.Team(i).Max >= n {
				return true
			}
		}
	}
	return false
}

// anchorLess orders anchors: by priority class (backfillPriority, D23), then
// age (start time, then arrival order).
func anchorLess(a, b *tk) bool {
	if a.class != b.class {
		return a.class < b.class
	}
	if a.ent.Start != b.ent.Start {
		return a.ent.Start < b.ent.Start
	}
	return a.seq < b.seq
}

// priorityClass is a ticket's anchor priority class under backfillPriority
// priority: with high, backfill tickets come first; with low, last; with
// normal, all are equal.
func priorityClass(priority string, backfill bool) uint8 {
	switch priority {
	case ruleset.PriorityHigh:
		if backfill {
			return 0
		}
		return 1
	case ruleset.PriorityLow:
		if backfill {
			return 1
		}
	}
	return 0
}

// matchable reports whether t is SEARCHING in its configuration's pool: a
// ticket a match may take.
func (t *tk) matchable() bool { return t.searching() && t.ent.In() }

func (e *Engine) markDirty(c *config, t *tk) {
	if t.dirtyIn != inNone || !t.ent.In() {
		return
	}
	if t.wakeAt != 0 {
		c.wakeups.Remove(t)
		t.wakeAt = 0
	}
	t.class = priorityClass(t.cfg.plan.priority, t.backfill != nil)
	c.dirty.push(t)
}

// settle parks an anchor that could not match until its next expansion step.
func (e *Engine) settle(c *config, t *tk, now time.Time) {
	age := time.Duration(now.UnixNano() - t.ent.Start)
	for _, ph := range c.rs.Phases() {
		if ph.Start() > age {
			t.wakeAt = t.ent.Start + int64(ph.Start())
			c.wakeups.Push(t)
			return
		}
	}
}

// matchSmall tries each dirty anchor, oldest first (by priority class),
// then spends the rotation's units; swept reports that the sorted sweep
// changed the pool in this step.
func (e *Engine) matchSmall(c *config, now time.Time, swept bool) {
	b := c.builder(e)
	changed := swept
	nowNs := now.UnixNano()
	for t := range c.dirty.drain() {
		changed = true
		if !t.matchable() {
			continue
		}
		for _, a := range b.anchorsFor(t, now) {
			if !a.matchable() || b.repeats(a, nowNs) {
				continue
			}
			if b.build(a, now) {
				e.commit(c, b, now)
				if !t.searching() {
					break
				}
				continue
			}
			a.failedAt, a.failedVer = nowNs, c.pool.Version()
		}
		b.hintFor = nil
		if t.matchable() {
			e.settle(c, t, now)
		}
	}
	e.rotate(c, now, changed)
}

// commit turns the builder's candidate into a match.
func (e *Engine) commit(c *config, b *builder, now time.Time) {
	m := &match{Match: Match{ID: e.newID(), Created: now}, cfg: c}
	m.loc = b.location
	if m.loc >= 0 {
		m.Location = e.locs.Name(m.loc)
		e.locs.Retain(m.loc) // for the game session's latencies (sessionLatency), until letGo
	}
	if b.spread != nil {
		m.BalanceSpread, m.Balanced = *b.spread, true
	}
	m.tickets = make([]*tk, 0, len(b.members))
	teams := make([]int, 0, b.total) // every ticket's teams, in one allocation
	for i, t := range b.members {
		e.leavePool(c, t)
		c.deadlines.remove(t)
		t.match = m
		from := len(teams)
		teams = b.appendPlayerTeams(teams, i)
		t.teams = teams[from:len(teams):len(teams)]
		if t.backfill != nil {
			m.backfill = t
		} else {
			c.recordWait(time.Duration(now.UnixNano() - t.start))
		}
		m.tickets = append(m.tickets, t)
	}
	if m.backfill != nil {
		i := slices.Index(m.tickets, m.backfill) // the backfill ticket goes first
		m.tickets[0], m.tickets[i] = m.tickets[i], m.tickets[0]
	}
	e.matches[m.ID] = m
	o := &Outcome{Rules: c.ruleCounts(m.tickets)}
	if !c.info.AcceptanceRequired {
		e.transition(now, c, EventPotentialMatchCreated, m, m.tickets, placingStatus(m), o)
		e.proceed(now, m)
		return
	}
	m.state = msAccepting
	m.deadline = now.Add(c.info.AcceptanceTimeout)
	for _, t := range m.tickets {
		if t.backfill == nil {
			t.outcome().accept = make([]Answer, t.r.Players())
		} else {
			t.outcome().accept = allAccepted1(t.r.Players()) // existing players are not asked (D15)
		}
	}
	c.accepting.Push(m)
	e.transition(now, c, EventPotentialMatchCreated, m, m.tickets, ticket.StatusRequiresAcceptance, o)
}

// allAccepted1 returns n Accepted answers.
func allAccepted1(n int) []Answer {
	s := make([]Answer, n)
	for i := range s {
		s[i] = Accepted
	}
	return s
}

// placingStatus is the status an accepted (or acceptance-free) match moves
// its tickets to: PLACING for a match of a WITH_QUEUE configuration, none
// otherwise (a STANDALONE match, or a backfill match whose game session
// exists, completes at once; D14).
func placingStatus(m *match) ticket.Status {
	if m.cfg.info.Mode == WithQueue && m.backfill == nil {
		return ticket.StatusPlacing
	}
	return ""
}

// proceed moves an accepted (or acceptance-free) match on: to placement in
// WITH_QUEUE mode (its tickets already PLACING, see placingStatus), to
// completion otherwise (D14).
func (e *Engine) proceed(now time.Time, m *match) {
	for _, t := range m.tickets {
		t.clearAnswers()
	}
	if m.backfill != nil {
		e.completeBackfill(now, m) // the game session already exists
		return
	}
	if placingStatus(m) != "" {
		m.state = msPlacing
		m.deadline = now.Add(m.cfg.info.placementTimeout())
		m.cfg.placing.Push(m)
		for _, t := range m.tickets {
			t.note("", "")
		}
		return
	}
	e.complete(now, m, m.ID)
}

// complete finishes a match: the game session starts with the match's
// players, its tickets complete, and MatchmakingSucceeded is emitted.
func (e *Engine) complete(now time.Time, m *match, session string) {
	c := m.cfg
	m.state = msCompleted
	m.session = session
	for _, t := range m.tickets {
		e.openPlayerSessions(t, m.conn)
	}
	m.data = newSession(m)
	e.sessions[session] = m
	e.startLifetime(now, m)
	e.succeed(now, c, m, m)
}

// succeed completes m's tickets with one MatchmakingSucceeded event, then
// lets game session s open its automatic backfill ticket (afterComplete);
// the event carries the session's state after that, so it names the new
// ticket.
func (e *Engine) succeed(now time.Time, c *config, m, s *match) {
	var o *Outcome
	if m.conn != nil {
		o = &Outcome{Placement: &Placement{GameSession: m.conn.GameSessionArn, IPAddress: m.conn.IPAddress, DNSName: m.conn.DNSName, Port: m.conn.Port}}
	}
	at := len(e.out)
	e.transition(now, c, EventSucceeded, m, m.tickets, ticket.StatusCompleted, o)
	// No later event shows m's tickets, which have ended: let go of the
	// list, so that a running game does not keep the shared chunk of ticket
	// refs it came from (and every ticket in it) alive.
	m.refs = nil
	e.afterComplete(now, s)
	e.out[at].Session = s.data
}

// openPlayerSessions gives t's players player sessions in the game session
// conn describes (WITH_QUEUE); in STANDALONE mode (conn nil) there are none.
func (e *Engine) openPlayerSessions(t *tk, conn *ticket.GameSessionConnectionInfo) {
	if conn == nil {
		return
	}
	out := t.outcome()
	out.sessions = make([]string, t.r.Players())
	info := ticket.GameSessionConnectionInfo{GameSessionArn: conn.GameSessionArn, IPAddress: conn.IPAddress, DNSName: conn.DNSName, Port: conn.Port}
	for p := range out.sessions {
		out.sessions[p] = "psess-" + e.newID()
		info.MatchedPlayerSessions = append(info.MatchedPlayerSessions, ticket.MatchedPlayerSession{PlayerID: t.r.PlayerID(p), PlayerSessionID: out.sessions[p]})
	}
	out.conn = &info
}

// sessionLatency returns each player's latency at the game session's
// location, for the session's backfill requests, building it when first
// needed from the session's match and the backfill matches merged into it.
func (e *Engine) sessionLatency(s *match) map[string]int {
	if s.latency != nil {
		return s.latency
	}
	s.latency = map[string]int{}
	loc, ok := e.locs.Lookup(s.Location)
	if s.Location == "" || !ok {
		return s.latency
	}
	for _, m := range append([]*match{s}, s.merged...) {
		for _, t := range m.tickets {
			bf := t.backfill != nil && m != s
			for p := range t.r.Players() {
				// A later ticket (a player who left and came back) wins. A
				// backfill request reports the players the session already
				// had, with latency at its location when the game gave it
				// (SPEC 11): that wins too, and it is the only report of a
				// WITH_QUEUE game's own additional players; a request
				// without latency leaves what was known.
				if ms, ok := t.r.PlayerLatencyAt(p, loc); ok {
					s.latency[t.r.PlayerID(p)] = int(ms)
				} else if !bf {
					delete(s.latency, t.r.PlayerID(p))
				}
			}
		}
	}
	return s.latency
}

// purge forgets tickets that ended more than TicketRetention ago, and
// matches whose tickets are all forgotten.
func (e *Engine) purge(now time.Time) {
	cut := now.Add(-e.cfg.TicketRetention)
	for i, l := range [...]int{len(e.tickets), len(e.players), len(e.matches), len(e.sessions), len(e.backfills)} {
		e.peaks[i] = max(e.peaks[i], l)
	}
	n := 0
	for n < len(e.retired) && e.retired[n].end <= cut.UnixNano() {
		t := e.retired[n]
		delete(e.tickets, t.id)
		t.forgotten = true
		for p := range t.r.Players() {
			if id := t.r.PlayerID(p); t.ownsPlayers || e.players[id] == t {
				delete(e.players, id)
			}
		}
		t.cfg.counts[statusIndex(t.status())]--
		if t.backfill != nil && t.backfill.session != "" && e.backfills[t.backfill.session] == t {
			delete(e.backfills, t.backfill.session) // the session's last backfill ticket, forgotten
		}
		// purgeable first: it reads flags, and is false for all but a
		// match's last ticket, so the map is read once a match.
		if m := t.match; m != nil && m.purgeable() && e.matches[m.ID] == m {
			delete(e.matches, m.ID)
			if e.sessions[m.session] == m && !m.keepSession() {
				delete(e.sessions, m.session)
				e.lifetimes.Remove(m) // forgotten: nothing is left to end
			}
			e.letGo(m)
		}
		t.r.Locations(e.locs.Release)
		// Break the links from the forgotten ticket: a stale pointer to it
		// (a caller's old event, a slot past a slice's length) must not keep
		// its match alive, whose event list shares a chunk of ticket refs
		// with later tickets, and so on forward to the present (issue 13's
		// soak test found a day's tickets held that way).
		t.match = nil
		n++
	}
	if n > 0 {
		old := len(e.retired)
		e.retired = append(e.retired[:0], e.retired[n:]...)
		clear(e.retired[len(e.retired):old]) // no stale pointer keeps a forgotten ticket alive
		// Go maps keep their buckets when entries leave: after a peak,
		// rebuild them so that memory follows what the engine holds.
		e.tickets = shrink(e.tickets, &e.peaks[0])
		e.players = shrink(e.players, &e.peaks[1])
		e.matches = shrink(e.matches, &e.peaks[2])
		e.sessions = shrink(e.sessions, &e.peaks[3])
		e.backfills = shrink(e.backfills, &e.peaks[4])
	}
}

// shrink returns m, or a copy of it when it holds under a quarter of the
// most it held since the last copy (peak, which it updates). The copy
// costs O(len(m)), and happens only after len(m) fell by three quarters:
// amortised O(1) per entry.
func shrink[K comparable, V any](m map[K]V, peak *int) map[K]V {
	*peak = max(*peak, len(m))
	if *peak < 4096 || 4*len(m) > *peak {
		return m
	}
	out := make(map[K]V, len(m))
	for k, v := range m { // a copy: order does not matter
		out[k] = v
	}
	*peak = len(out)
	return out
}

// letGo gives back the location m holds once neither the matches nor the
// game sessions index holds m.
func (e *Engine) letGo(m *match) {
	if m.loc >= 0 && e.matches[m.ID] != m && e.sessions[m.session] != m {
		e.locs.Release(m.loc)
		m.loc = -1
	}
}

// purgeable reports whether every ticket of m has been forgotten. A
// forgotten ticket stays forgotten, so the scan resumes where the last one
// stopped: O(1) amortised per ticket.
func (m *match) purgeable() bool {
	for ; m.forgotten < len(m.tickets); m.forgotten++ {
		// A ticket that went back to searching after a failed acceptance
		// has left m (its match is nil, or a later one): it holds m no
		// longer, though the engine still holds it.
		if t := m.tickets[m.forgotten]; !t.forgotten && t.match == m {
			return false
		}
	}
	return m.state != msAccepting && m.state != msPlacing
}

// Pending returns how many tickets are QUEUED, SEARCHING or
// REQUIRES_ACCEPTANCE in all configurations: the work Step still has to do.
func (e *Engine) Pending() int {
	n := 0
	for _, c := range e.configs { // a sum: order does not matter
		n += c.counts[0] + c.counts[1] + c.counts[2]
	}
	return n
}

// Counts returns how many tickets the engine holds in each status, across
// configurations (terminal tickets only while they are retained).
func (e *Engine) Counts() map[ticket.Status]int {
	out := make(map[ticket.Status]int, len(ticket.Statuses))
	for _, c := range e.configs { // sums: order does not matter
		for _, s := range ticket.Statuses {
			out[s] += c.counts[statusIndex(s)]
		}
	}
	return out
}

// CountsByConfiguration returns, for each configuration, how many tickets it
// holds in each status (terminal tickets only while they are retained). It
// costs O(configurations); metrics read it.
func (e *Engine) CountsByConfiguration() map[string]map[ticket.Status]int {
	out := make(map[string]map[ticket.Status]int, len(e.configs))
	for _, c := range e.configs { // one entry per configuration: order does not matter
		m := make(map[ticket.Status]int, len(ticket.Statuses))
		for _, s := range ticket.Statuses {
			m[s] = c.counts[statusIndex(s)]
		}
		out[c.info.Name] = m
	}
	return out
}
