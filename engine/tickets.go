package engine

import (
	"fmt"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ticket"
)

// tk is the engine's record of a ticket.
type tk struct {
	id       string
	seq      uint64 // engine-wide arrival order, for deterministic ties
	cfg      *config
	end      int64 // Unix nanoseconds; 0 while active
	deadline int64 // request deadline, Unix nanoseconds
	r        *ticket.Resolved
	match    *match
	teams    []int    // team index per player, once placed (backfill: as requested)
	out      *outcome // what a match or the end gave the ticket; nil until then
	metrics  []uint32 // passed, failed per rule
	backfill *backfillInfo
	wakeAt   int64  // pending wakeup time, 0 for none
	mark     uint32 // build epoch in which the ticket joined a candidate
	seen     uint32 // build epoch in which the ticket entered a window
	used     uint32 // large-match sweep in which the ticket was taken
	dirtyGen uint32
	dlGen    uint32
	st       uint8 // 1 + statusIndex of the status, 0 before the first
	blocked  bool  // can never match (D11, D20)
	dirtyIn  uint8 // where the ticket is in its configuration's anchor queue
	dlIn     uint8 // where the ticket is in its configuration's deadline queue
	class    uint8 // anchor priority class (see anchorLess)

	// The pool entry lives in the ticket, with room for the usual keys, so
	// that a scan that reaches the entry has the ticket in the same few
	// cache lines, and admitting a ticket allocates nothing. ent.In()
	// reports whether the ticket is in its configuration's pool; ent.Start
	// is the ticket's start time (Unix nanoseconds) from its creation on.
	ent    pool.Entry[*tk]
	numBuf [1]float64
	grpBuf [4]int32
}

// outcome holds what a ticket gets from a match or from its end, kept
// apart so that a waiting ticket does not carry it.
type outcome struct {
	accept   []int8 // per player while REQUIRES_ACCEPTANCE: 0 silent, 1 accepted, -1 rejected
	sessions []string
	conn     *ticket.GameSessionConnectionInfo
	reason   string // StatusReason, once ended or blocked
	message  string // StatusMessage
}

func (t *tk) outcome() *outcome {
	if t.out == nil {
		t.out = &outcome{}
	}
	return t.out
}

// note sets the ticket's StatusReason and StatusMessage; clearing them
// allocates nothing.
func (t *tk) note(reason, message string) {
	if t.out == nil && reason == "" && message == "" {
		return
	}
	o := t.outcome()
	o.reason, o.message = reason, message
}

// reason returns the ticket's StatusReason and StatusMessage.
func (t *tk) reason() (reason, message string) {
	if t.out == nil {
		return "", ""
	}
	return t.out.reason, t.out.message
}

// answers returns the players' answers to the match, nil outside acceptance.
func (t *tk) answers() []int8 {
	if t.out == nil {
		return nil
	}
	return t.out.accept
}

func (t *tk) clearAnswers() {
	if t.out != nil {
		t.out.accept = nil
	}
}

// backfillInfo is the state of a backfill ticket.
type backfillInfo struct {
	session string          // game session id (ARN, or match id in STANDALONE)
	auto    bool            // opened by the engine (D24)
	players map[string]bool // the game's current players, who must not join again
	gone    []string        // players reported left after the request was made
}

// matchState is where a match is in its lifecycle.
type matchState uint8

const (
	msAccepting matchState = iota + 1
	msPlacing
	msCompleted
	msFailed
	msDropped
)

// match is a potential match and, once completed, a game session.
type match struct {
	id        string
	cfg       *config
	tickets   []*tk // every ticket, the backfill ticket (if any) first
	backfill  *tk
	state     matchState
	created   time.Time
	deadline  time.Time // acceptance deadline
	location  string
	session   string // game session id once completed
	conn      *ticket.GameSessionConnectionInfo
	spread    *float64
	data      *MatchmakerData
	autoOff   bool           // automatic backfill stopped for this session
	latency   map[string]int // each player's latency at the session's location, built when needed
	merged    []*match       // backfill matches whose players joined this session
	forgotten int            // m.tickets[:forgotten] are known forgotten (purgeable)
}

// nsTime turns Unix nanoseconds into a UTC time.
func nsTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }

func checkTicketID(field, id string) error {
	if n := utf8.RuneCountInString(id); n > 128 {
		return invalid("%s is %d characters long; the limit is 128", field, n)
	}
	if !ticket.IDChars(id) {
		return invalid("%s %q may contain only letters, digits, '-' and '.'", field, id)
	}
	return nil
}

// fromValidation turns a ticket.ValidationError (its message lists each
// problem) or ticket.ResolveError into an InvalidRequestException with the
// same message.
func fromValidation(err error) error { return invalid("%s", err) }

// StartMatchmaking submits a matchmaking ticket. The ticket starts QUEUED and
// becomes SEARCHING at the next Step. A player already in an active ticket
// cancels that ticket (D17); a rejected request changes nothing (D25).
func (e *Engine) StartMatchmaking(now time.Time, in StartMatchmakingInput) (ticket.Ticket, error) {
	c, err := e.configuration("ConfigurationName", in.ConfigurationName)
	if err != nil {
		return ticket.Ticket{}, err
	}
	if err := ticket.ValidatePlayers(in.Players, ticket.PlayerRules{}); err != nil {
		return ticket.Ticket{}, fromValidation(err)
	}
	// Every check comes before anything changes, the random source and the
	// location table included (D25): the id is made last.
	if err := e.freeTicketID(in.TicketID); err != nil {
		return ticket.Ticket{}, err
	}
	var older []*tk
	for i, p := range in.Players {
		o, ok := e.players[p.PlayerID]
		if !ok || o.status().Terminal() {
			continue
		}
		if o.status() == ticket.StatusPlacing {
			return ticket.Ticket{}, invalid("Players[%d].PlayerId %q is in ticket %s, which is PLACING a game session; wait for it to finish", i, p.PlayerID, o.id)
		}
		if !slices.Contains(older, o) {
			older = append(older, o)
		}
	}
	r, err := e.resolve(c.rs.compiled.Schema(), in.Players)
	if err != nil {
		return ticket.Ticket{}, fromValidation(err)
	}
	t := &tk{id: e.ticketID(in.TicketID), cfg: c, r: r}
	e.register(now, t)
	for _, p := range in.Players {
		e.players[p.PlayerID] = t
	}
	e.cancelDuplicates(now, older, t)
	return t.viewAs(e, in.Players), nil
}

// resolve resolves players against s. Resolving interns the players'
// latency locations in e.locs, so a request that names a location the engine
// has not seen is first resolved against a scratch table: if it fails, the
// engine's table is untouched (D25).
func (e *Engine) resolve(s *ticket.Schema, players []ticket.Player) (*ticket.Resolved, error) {
	for _, p := range players {
		for loc := range p.LatencyInMs { // only asks whether any is new: order does not matter
			if _, known := e.locs.Lookup(loc); !known {
				if _, err := s.Resolve(players, ticket.NewLocations()); err != nil {
					return nil, err
				}
				return s.Resolve(players, e.locs)
			}
		}
	}
	return s.Resolve(players, e.locs)
}

// freeTicketID checks a caller's ticket id, if given: well formed and not
// in use.
func (e *Engine) freeTicketID(id string) error {
	if id == "" {
		return nil
	}
	if err := checkTicketID("TicketId", id); err != nil {
		return err
	}
	if _, taken := e.tickets[id]; taken {
		return invalid("TicketId %q is already in use; give a new id or omit it", id)
	}
	return nil
}

// ticketID returns a caller's id (checked by freeTicketID), or makes an
// unused one from the seeded source when id is empty. Making one moves the
// random source, so requests do it after every check (D25).
func (e *Engine) ticketID(id string) string {
	if id != "" {
		return id
	}
	for {
		id = e.newID()
		if _, taken := e.tickets[id]; !taken {
			return id
		}
	}
}

// register records a new ticket of t.cfg, QUEUED from now until its
// request deadline.
func (e *Engine) register(now time.Time, t *tk) {
	c := t.cfg
	t.ent.Start = now.UnixNano()
	t.setStatus(ticket.StatusQueued)
	t.deadline = now.Add(time.Duration(c.api.RequestTimeoutSeconds) * time.Second).UnixNano()
	e.seq++
	t.seq = e.seq
	e.tickets[t.id] = t
	c.queued = append(c.queued, t)
	c.deadlines.push(t)
}

// setStatus changes t's status and keeps its configuration's counts.
func (t *tk) setStatus(s ticket.Status) {
	c := t.cfg
	if t.st != 0 {
		c.counts[t.st-1]--
	}
	i := statusIndex(s)
	t.st = uint8(i + 1)
	c.counts[i]++
}

// status returns the ticket's status ("" before the first).
func (t *tk) status() ticket.Status {
	if t.st == 0 {
		return ""
	}
	return ticket.Statuses[t.st-1]
}

// searching reports whether the ticket is SEARCHING.
func (t *tk) searching() bool { return t.st == 2 }

// statusIndex is s's position in ticket.Statuses (lifecycle order), which
// config.counts follows.
func statusIndex(s ticket.Status) int {
	switch s {
	case ticket.StatusQueued:
		return 0
	case ticket.StatusSearching:
		return 1
	case ticket.StatusRequiresAcceptance:
		return 2
	case ticket.StatusPlacing:
		return 3
	case ticket.StatusCompleted:
		return 4
	case ticket.StatusFailed:
		return 5
	case ticket.StatusCancelled:
		return 6
	}
	return 7
}

// DescribeMatchmaking returns the tickets with the given ids, in the order
// asked; unknown ids are left out (D25). At most 10 ids.
func (e *Engine) DescribeMatchmaking(ids []string) ([]ticket.Ticket, error) {
	if len(ids) == 0 {
		return nil, invalid("TicketIds is required; give 1 to 10 ticket ids")
	}
	if len(ids) > 10 {
		return nil, invalid("TicketIds has %d ids; the limit is 10", len(ids))
	}
	for i, id := range ids {
		if err := checkTicketID(fmt.Sprintf("TicketIds[%d]", i), id); err != nil {
			return nil, err
		}
	}
	out := make([]ticket.Ticket, 0, len(ids))
	for _, id := range ids {
		if t, ok := e.tickets[id]; ok {
			out = append(out, t.view(e))
		}
	}
	return out, nil
}

// Ticket returns one ticket's current state.
func (e *Engine) Ticket(id string) (ticket.Ticket, bool) {
	t, ok := e.tickets[id]
	if !ok {
		return ticket.Ticket{}, false
	}
	return t.view(e), true
}

// StopMatchmaking cancels a ticket that is QUEUED, SEARCHING or
// REQUIRES_ACCEPTANCE (in the last case its players count as rejecting the
// match). A PLACING or finished ticket cannot be stopped (D25). Stopping an
// automatic backfill ticket turns automatic backfill off for its game
// session (D24).
func (e *Engine) StopMatchmaking(now time.Time, id string) error {
	if id == "" {
		return invalid("TicketId is required")
	}
	if err := checkTicketID("TicketId", id); err != nil {
		return err
	}
	t, ok := e.tickets[id]
	if !ok {
		return notFound("ticket %q does not exist", id)
	}
	switch t.status() {
	case ticket.StatusPlacing:
		return invalid("ticket %s is in PLACING status and cannot be cancelled", id)
	case ticket.StatusCompleted, ticket.StatusFailed, ticket.StatusCancelled, ticket.StatusTimedOut:
		return invalid("ticket %s is already %s and cannot be cancelled", id, t.status())
	}
	if t.backfill != nil && t.backfill.auto {
		if m := e.sessions[t.backfill.session]; m != nil {
			m.autoOff = true
		}
	}
	e.cancel(now, []*tk{t}, cancelCause{ticket.ReasonCancelledByRequest, "Cancelled by request."})
	return nil
}

// cancelCause is why an operation cancels a ticket.
type cancelCause struct {
	reason  string
	message string
}

// cancel ends active tickets as CANCELLED for one cause, each with one
// MatchmakingCancelled event. Tickets waiting for acceptance count as their
// players' rejection: their match's acceptance ends first (D15, D17), with
// AcceptMatchCompleted, and they are cancelled with the match's other
// tickets that had not accepted.
func (e *Engine) cancel(now time.Time, ts []*tk, why cancelCause) {
	var matches []*match
	for _, t := range ts {
		if m := t.match; t.status() == ticket.StatusRequiresAcceptance && m != nil && m.state == msAccepting {
			if !slices.Contains(matches, m) {
				matches = append(matches, m)
			}
			continue
		}
		if t.status().Terminal() {
			continue
		}
		e.end(now, t, ticket.StatusCancelled, why.reason, why.message)
		e.emitTickets(t.cfg, now, EventMatchmakingCancelled, []*tk{t}, nil, "Cancelled", why.message)
	}
	for _, m := range matches {
		causes := map[*tk]cancelCause{}
		for _, t := range ts {
			if t.match == m {
				causes[t] = why
			}
		}
		e.failAcceptance(now, m, AcceptanceRejected, causes)
	}
}

// cancelDuplicates cancels the older tickets that name a player of newer
// (D17).
func (e *Engine) cancelDuplicates(now time.Time, older []*tk, newer *tk) {
	if len(older) == 0 {
		return
	}
	e.cancel(now, older, cancelCause{ticket.ReasonDuplicatePlayer,
		fmt.Sprintf("Cancelled due to duplicate player: a player of this ticket is in the newer ticket %s.", newer.id)})
}

// end moves t to a terminal status and releases everything it holds.
func (e *Engine) end(now time.Time, t *tk, status ticket.Status, reason, msg string) {
	c := t.cfg
	e.leavePool(c, t)
	if t.status() == ticket.StatusQueued {
		if i := slices.Index(c.queued, t); i >= 0 {
			c.queued = slices.Delete(c.queued, i, i+1)
		}
	}
	c.deadlines.remove(t)
	t.setStatus(status)
	t.note(reason, msg)
	t.end = now.UnixNano()
	t.clearAnswers()
	// e.players keeps pointing at the ended ticket until purge forgets it:
	// lookups skip terminal tickets, and a bulk step spares a random map
	// access per player.
	e.retired = append(e.retired, t)
	if b := t.backfill; b != nil && b.auto && status != ticket.StatusCompleted {
		// The session's data names its open automatic ticket only.
		if s := e.sessions[b.session]; s != nil && s.data != nil {
			if id := s.data.AutoBackfillTicketID; id != nil && *id == t.id {
				s.data.AutoBackfillTicketID = nil
			}
		}
	}
}

// leavePool takes t out of the pool and the anchor queues.
func (e *Engine) leavePool(c *config, t *tk) {
	if t.ent.In() {
		c.pool.Remove(&t.ent)
		if t.backfill != nil {
			c.backfillsIn--
		}
	}
	c.dirty.remove(t)
	if t.wakeAt != 0 {
		c.wakeups.Delete(wakeup{t.wakeAt, t})
		t.wakeAt = 0
	}
}

// AcceptMatch records players' answers to a proposed match. A rejection ends
// the acceptance at once; the last acceptance completes it (D15).
func (e *Engine) AcceptMatch(now time.Time, in AcceptMatchInput) error {
	if in.TicketID == "" {
		return invalid("TicketId is required")
	}
	if err := checkTicketID("TicketId", in.TicketID); err != nil {
		return err
	}
	if in.AcceptanceType != Accept && in.AcceptanceType != Reject {
		return invalid("AcceptanceType is %q; it must be ACCEPT or REJECT", in.AcceptanceType)
	}
	if len(in.PlayerIDs) == 0 {
		return invalid("PlayerIds is required; give the ids of the players who answer")
	}
	t, ok := e.tickets[in.TicketID]
	if !ok {
		return notFound("ticket %q does not exist", in.TicketID)
	}
	if t.backfill != nil && t.status() == ticket.StatusRequiresAcceptance {
		return invalid("ticket %s is a backfill ticket: its players are already in the game and are not asked to accept (D15); the new players' tickets take the answers", t.id)
	}
	if t.status() != ticket.StatusRequiresAcceptance || t.answers() == nil {
		return invalid("ticket %s is %s; only a ticket in REQUIRES_ACCEPTANCE takes answers", t.id, t.status())
	}
	want := int8(1)
	if in.AcceptanceType == Reject {
		want = -1
	}
	idx := make([]int, len(in.PlayerIDs))
	for i, pid := range in.PlayerIDs {
		if n := utf8.RuneCountInString(pid); n < 1 || n > 1024 {
			return invalid("PlayerIds[%d] is %d characters long; it must be 1 to 1024", i, n)
		}
		idx[i] = -1
		for p := range t.r.Players() {
			if t.r.PlayerID(p) == pid {
				idx[i] = p
			}
		}
		if idx[i] < 0 {
			return invalid("PlayerIds[%d] %q is not a player of ticket %s", i, pid, t.id)
		}
		if prev := t.answers()[idx[i]]; prev != 0 && prev != want {
			return invalid("PlayerIds[%d] %q has already answered the match; an answer cannot be changed", i, pid)
		}
	}
	changed := false
	for _, p := range idx {
		if t.answers()[p] == 0 {
			t.answers()[p] = want
			changed = true
		}
	}
	if !changed {
		return nil
	}
	m := t.match
	e.emitMatch(m.cfg, now, EventAcceptMatch, m, nil)
	if want < 0 {
		e.failAcceptance(now, m, AcceptanceRejected, nil)
		return nil
	}
	for _, mt := range m.tickets {
		if !allAccepted(mt) {
			return nil
		}
	}
	c := m.cfg
	c.accepting.Delete(m)
	e.emitMatch(c, now, EventAcceptMatchCompleted, m, func(d *EventDetail) { d.Acceptance = AcceptanceAccepted })
	e.proceed(now, m)
	return nil
}

// failAcceptance ends a match's acceptance by rejection or timeout (D15).
// AcceptMatchCompleted comes first, showing every answer. Then the tickets
// in causes (cancelled by the operation that ended the acceptance: a stop, a
// duplicate player, a replacing backfill) are cancelled with their own
// reason, the other tickets with a rejecting or silent player are cancelled,
// all in one MatchmakingCancelled event, and fully accepted tickets, and a
// backfill ticket, return to the search in one MatchmakingSearching event.
func (e *Engine) failAcceptance(now time.Time, m *match, outcome string, causes map[*tk]cancelCause) {
	if m.state != msAccepting {
		return
	}
	c := m.cfg
	c.accepting.Delete(m)
	e.emitMatch(c, now, EventAcceptMatchCompleted, m, func(d *EventDetail) { d.Acceptance = outcome })
	m.state = msDropped
	var back, cancelled []*tk
	message := "The match was rejected."
	if outcome == AcceptanceTimedOut {
		message = "The match was not accepted in time."
	}
	for _, t := range m.tickets {
		if t.status() != ticket.StatusRequiresAcceptance {
			continue
		}
		why, caused := causes[t]
		switch {
		case caused:
			message = why.message
		case t.backfill != nil || allAccepted(t):
			back = append(back, t)
			continue
		case slices.Contains(t.answers(), -1):
			why = cancelCause{ticket.ReasonAcceptanceRejected, "A player of this ticket rejected the match."}
		case outcome == AcceptanceTimedOut:
			why = cancelCause{ticket.ReasonAcceptanceTimeout, "A player of this ticket did not accept the match in time."}
		default:
			why = cancelCause{ticket.ReasonAcceptanceRejected, "The match was rejected before every player of this ticket accepted it."}
		}
		e.end(now, t, ticket.StatusCancelled, why.reason, why.message)
		cancelled = append(cancelled, t)
	}
	// One event for the match's cancelled tickets (D18); each ticket's
	// StatusReason and StatusMessage say why it in particular was cancelled.
	if len(cancelled) > 0 {
		e.emitTickets(c, now, EventMatchmakingCancelled, cancelled, m, "Cancelled", message)
	}
	for _, t := range back {
		t.match, t.teams = nil, backfillTeams(t)
		t.clearAnswers()
		t.setStatus(ticket.StatusSearching)
		t.note("", "")
		e.admit(c, t)
		e.markDirty(c, t)
	}
	if len(back) > 0 {
		e.emitSearching(c, now, back)
	}
}

func allAccepted(t *tk) bool {
	for _, a := range t.answers() {
		if a != 1 {
			return false
		}
	}
	return true
}

// CompletePlacement reports that a WITH_QUEUE match's game session is
// ready: its tickets complete with connection information and player
// sessions (D14).
func (e *Engine) CompletePlacement(now time.Time, in CompletePlacementInput) error {
	m, err := e.placingMatch(in.MatchID)
	if err != nil {
		return err
	}
	if n := utf8.RuneCountInString(in.GameSessionArn); n < 1 || n > 512 || !queuePattern.MatchString(in.GameSessionArn) {
		return invalid("GameSessionArn %q must be 1 to 512 characters of letters, digits, ':', '/' and '-'", in.GameSessionArn)
	}
	if in.IPAddress != "" && !ipPattern.MatchString(in.IPAddress) {
		return invalid("IpAddress %q must be an IPv4 or IPv6 address of at most 128 characters", in.IPAddress)
	}
	if in.Port < 0 || in.Port > 65535 {
		return invalid("Port is %d; it must be 1 to 65535", in.Port)
	}
	if other, taken := e.sessions[in.GameSessionArn]; taken && other != m {
		return invalid("GameSessionArn %q already belongs to match %s", in.GameSessionArn, other.id)
	}
	m.conn = &ticket.GameSessionConnectionInfo{GameSessionArn: in.GameSessionArn, IPAddress: in.IPAddress, DNSName: in.DNSName, Port: in.Port}
	e.complete(now, m, in.GameSessionArn)
	return nil
}

var ipPattern = regexp.MustCompile(`^[0-9A-Fa-f:.]{1,128}$`)

// FailPlacement reports that a WITH_QUEUE match's game session could not be
// placed: its tickets fail (D14).
func (e *Engine) FailPlacement(now time.Time, in FailPlacementInput) error {
	m, err := e.placingMatch(in.MatchID)
	if err != nil {
		return err
	}
	reason := in.Reason
	if reason == "" {
		reason = "UNEXPECTED_ERROR"
	}
	msg := "The game session could not be placed: " + reason + "."
	m.state = msFailed
	for _, t := range m.tickets {
		e.end(now, t, ticket.StatusFailed, ticket.ReasonPlacementFailed, msg)
	}
	e.emitTickets(m.cfg, now, EventMatchmakingFailed, m.tickets, m, reason, msg)
	return nil
}

func (e *Engine) placingMatch(id string) (*match, error) {
	if id == "" {
		return nil, invalid("MatchId is required")
	}
	m, ok := e.matches[id]
	if !ok {
		return nil, notFound("match %q does not exist", id)
	}
	if m.state != msPlacing {
		return nil, invalid("match %s is not waiting for placement; only matches of WITH_QUEUE configurations in PLACING are", id)
	}
	return m, nil
}

// view builds the API view of a ticket.
func (t *tk) view(e *Engine) ticket.Ticket { return t.viewAs(e, nil) }

// viewAs builds the API view of a ticket with the given players (a new
// ticket's request, echoed as given: the caller's own slice), or players
// rebuilt from the ticket when nil.
func (t *tk) viewAs(e *Engine, players []ticket.Player) ticket.Ticket {
	if players == nil {
		players = t.requestPlayers(e.locs)
	}
	v := ticket.Ticket{
		TicketID:          t.id,
		ConfigurationName: t.cfg.api.Name,
		ConfigurationArn:  t.cfg.api.ConfigurationArn,
		Status:            t.status(),
		StartTime:         nsTime(t.ent.Start),
		Players:           players,
	}
	v.StatusReason, v.StatusMessage = t.reason()
	if t.end != 0 {
		v.EndTime = nsTime(t.end)
	}
	if t.out != nil && t.out.conn != nil {
		conn := *t.out.conn
		v.GameSessionConnectionInfo = &conn
	}
	if t.status() == ticket.StatusQueued || t.searching() {
		v.EstimatedWaitTime = t.cfg.estimatedWait()
	}
	return v
}

// requestPlayers rebuilds the ticket's players; once placed, each carries
// its team.
func (t *tk) requestPlayers(locs *ticket.Locations) []ticket.Player {
	out := playersOf(t.r, locs)
	teams := t.cfg.rs.compiled.Teams()
	for p := range out {
		if t.teams != nil && t.teams[p] >= 0 && t.teams[p] < len(teams) {
			out[p].Team = teams[t.teams[p]].Name
		}
	}
	return out
}

// playersOf rebuilds the players of a request as they were given.
func playersOf(r *ticket.Resolved, locs *ticket.Locations) []ticket.Player {
	out := make([]ticket.Player, r.Players())
	for p := range out {
		out[p] = ticket.Player{
			PlayerID:         r.PlayerID(p),
			PlayerAttributes: r.PlayerAttributes(p),
			LatencyInMs:      r.LatencyMap(p, locs),
			Team:             r.Team(p),
		}
	}
	return out
}

// estimatedWait is the mean of recent waits in whole seconds, or nil when
// there are too few (D18).
func (c *config) estimatedWait() *int {
	n := min(c.nwaits, waitSamples)
	if n < minWaitSamples {
		return nil
	}
	s := 0.0
	for i := range n {
		s += c.waits[i]
	}
	w := int(s/float64(n) + 0.5)
	return &w
}

func (c *config) recordWait(d time.Duration) {
	c.waits[c.nwaits%waitSamples] = d.Seconds()
	c.nwaits++
}
