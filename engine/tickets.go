package engine

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ticket"
)

// MatchmakingRequest asks for a new match (StartMatchmaking).
type MatchmakingRequest struct {
	// TicketID is optional; the engine makes one from its seeded source.
	TicketID string
	// Configuration names the configuration.
	Configuration string
	// Players lists the ticket's players (a party when more than one); they
	// are matched together, on one team.
	Players []ticket.Player
}

// BackfillRequest asks for new players for a running game
// (StartMatchBackfill).
type BackfillRequest struct {
	// TicketID is optional; the engine makes one from its seeded source.
	TicketID      string
	Configuration string
	// GameSession identifies the game session to backfill: its ARN, or in
	// STANDALONE mode the id of the match that made it (D24). Optional; a
	// request without one is a backfill of a game the engine does not know.
	GameSession string
	// Players lists every player currently in the game session, each with
	// its Team (D22).
	Players []ticket.Player
}

// Placement reports where a WITH_QUEUE match's game session was placed
// (D14). Player session ids are made by the engine.
type Placement struct {
	// GameSession identifies the game session (its ARN): 1 to
	// MaxGameSessionLength characters.
	GameSession string
	// IPAddress is an IPv4 or IPv6 address, or "".
	IPAddress string
	// DNSName is a host name of at most MaxDNSNameLength characters
	// (letters, digits, '-' and '.'), or "".
	DNSName string
	// Port is 0 (none) or 1 to 65535.
	Port int
}

// Limits of placement reports. GameLift bounds an IpAddress at 128
// characters and sets no bound on a DnsName; this library takes the DNS
// limit of 253 characters, and bounds a FailPlacement reason.
const (
	MaxGameSessionLength = 512
	MaxDNSNameLength     = 253
	MaxReasonLength      = 256
)

// Validate checks a placement report and returns the first problem.
func (p *Placement) Validate() error {
	if n := utf8.RuneCountInString(p.GameSession); n < 1 || n > MaxGameSessionLength {
		return invalid("GameSessionArn is %d characters long; it must be 1 to %d", n, MaxGameSessionLength)
	}
	if p.IPAddress != "" {
		if len(p.IPAddress) > 128 {
			return invalid("IpAddress is %d characters long; the limit is 128", len(p.IPAddress))
		}
		if _, err := netip.ParseAddr(p.IPAddress); err != nil {
			return invalid("IpAddress %q is not an IPv4 or IPv6 address", p.IPAddress)
		}
	}
	if p.DNSName != "" {
		if n := len(p.DNSName); n > MaxDNSNameLength {
			return invalid("DnsName is %d characters long; the limit is %d", n, MaxDNSNameLength)
		}
		if !hostName(p.DNSName) {
			return invalid("DnsName %q is not a host name; use letters, digits, '-' and '.'", p.DNSName)
		}
	}
	if p.Port < 0 || p.Port > 65535 {
		return invalid("Port is %d; it must be 1 to 65535 (or 0 for none)", p.Port)
	}
	return nil
}

// hostName reports whether s is a host name: dot-separated labels of 1 to
// 63 letters, digits and '-'.
func hostName(s string) bool {
	for label := range strings.SplitSeq(strings.TrimSuffix(s, "."), ".") {
		if len(label) == 0 || len(label) > 63 {
			return false
		}
		for _, c := range []byte(label) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// tk is the engine's record of a ticket. Its fields are in the order a
// match touches them, so that the ones every matched ticket's sweep,
// build, commit and events read share the first few cache lines: a large
// step reaches its tickets in sorted order, not in the order they arrived,
// and each line it touches first is a likely cache miss.
type tk struct {
	TicketInfo // what never changes: events point to it
	r          *ticket.Resolved
	backfill   *backfillInfo
	match      *match
	teams      []int // team index per player, once placed (backfill: as requested); replaced, never changed in place
	cfg        *config
	end        int64  // Unix nanoseconds; 0 while active
	wakeAt     int64  // pending wakeup time, 0 for none
	mark       uint32 // build epoch in which the ticket joined a candidate
	seen       uint32 // build epoch in which the ticket entered a window
	dirtyPos   int32  // position in the anchor queue's heap (see minHeap)
	dlPos      int32  // position in the deadline queue's heap
	wakePos    int32  // position in the wakeups heap
	st         uint8  // 1 + statusIndex of the status, 0 before the first
	blocked    bool   // can never match (D11, D20)
	dirtyIn    uint8  // where the ticket is in its configuration's anchor queue
	dlIn       uint8  // where the ticket is in its configuration's deadline queue
	class      uint8  // anchor priority class (see anchorLess)
	// forgotten is set when purge drops the ticket from the engine's
	// tables (or a snapshot held it outside them): a match's purgeable
	// reads it instead of looking the ticket up.
	forgotten bool
	// ownsPlayers is set when e.players is known to map every player of
	// the ticket to it (StartMatchmaking), and cleared when a newer ticket
	// takes one of them: purge then deletes the entries without looking
	// each up first.
	ownsPlayers bool
	numBuf      [1]float64
	metrics     []uint32 // passed, failed per rule
	out         *outcome // what a match or the end gave the ticket; nil until then

	// The pool entry lives in the ticket, with room for the usual keys, so
	// that a scan that reaches the entry has the ticket in the same few
	// cache lines, and admitting a ticket allocates nothing. ent.In()
	// reports whether the ticket is in its configuration's pool; ent.Start
	// is the ticket's start time (Unix nanoseconds) from its creation on.
	ent pool.Entry[*tk]

	seq       uint64 // engine-wide arrival order, for deterministic ties
	deadline  int64  // request deadline, Unix nanoseconds
	failedAt  int64  // the step (its time) in which an anchored build around the ticket last failed
	failedVer uint64 // the pool's Version then: while both stand, a new build would fail again
	used      uint32 // large-match sweep in which the ticket was taken
	dirtyGen  uint32
	dlGen     uint32
	grpBuf    [4]int32
}

// outcome holds what a ticket gets from a match or from its end, kept
// apart so that a waiting ticket does not carry it.
type outcome struct {
	accept   []Answer // per player while REQUIRES_ACCEPTANCE
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
func (t *tk) answers() []Answer {
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
	Match     // what events show; never changes
	cfg       *config
	tickets   []*tk // every ticket, the backfill ticket (if any) first
	backfill  *tk
	state     matchState
	deadline  time.Time // acceptance deadline, then placement deadline
	session   string    // game session id once completed
	conn      *ticket.GameSessionConnectionInfo
	data      *GameSession   // the game session's current state, once completed
	autoOff   bool           // automatic backfill stopped for this session
	latency   map[string]int // each player's latency at the session's location, built when needed
	merged    []*match       // backfill matches whose players joined this session
	forgotten int            // m.tickets[:forgotten] are known forgotten (purgeable)
	// refs is the ticket list the match's events last showed, when it
	// showed no answers; placed says whether it shows player sessions.
	refs       []TicketRef
	refsPlaced bool
	acceptPos  int32     // position in the acceptance deadlines heap
	placePos   int32     // position in the placement deadlines heap
	lifePos    int32     // position in the game session lifetimes heap
	loc        int32     // the location id of Location, held until letGo; -1 when none
	lifeEnd    time.Time // when the game session it made ends by its lifetime
	ended      bool      // the game session it made has ended
}

// nsTime turns Unix nanoseconds into a UTC time.
func nsTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// CheckTicketID checks a ticket id given in field: at most 128 characters
// of letters, digits, '-' and '.'.
func CheckTicketID(field, id string) error {
	if n := utf8.RuneCountInString(id); n > ticket.MaxTicketIDLength {
		return invalid("%s is %d characters long; the limit is %d", field, n, ticket.MaxTicketIDLength)
	}
	if !ticket.IDChars(id) {
		return invalid("%s %q may contain only letters, digits, '-' and '.'", field, id)
	}
	return nil
}

// fromValidation turns a ticket.ValidationError (its message lists each
// problem) or ticket.ResolveError into an ErrInvalid error with the same
// message.
func fromValidation(err error) error { return invalid("%s", err) }

// StartMatchmaking submits a matchmaking ticket. The ticket starts QUEUED and
// becomes SEARCHING at the next Step. A player already in an active ticket
// cancels that ticket (D17); a rejected request changes nothing (D25).
func (e *Engine) StartMatchmaking(now time.Time, in MatchmakingRequest) (ticket.Ticket, error) {
	c, err := e.configuration(in.Configuration)
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
	var prevBuf [4]*tk
	prev := prevBuf[:0] // the tickets that hold a player now: they lose it
	for i, p := range in.Players {
		o, ok := e.players[p.PlayerID]
		if ok {
			prev = append(prev, o)
		}
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
	r, err := e.resolve(c.rs.Schema(), in.Players)
	if err != nil {
		return ticket.Ticket{}, fromValidation(err)
	}
	t := &tk{cfg: c, r: r}
	t.TicketInfo = TicketInfo{id: e.ticketID(in.TicketID), players: r}
	e.register(now, t)
	for _, p := range in.Players {
		e.players[p.PlayerID] = t
	}
	t.ownsPlayers = true
	for _, o := range prev {
		o.ownsPlayers = false
	}
	e.cancelDuplicates(now, older, t)
	return t.viewAs(e, in.Players), nil
}

// resolve resolves players against s. Resolving interns the players'
// latency locations in e.locs, so a request that names a location the engine
// has not seen is first resolved against a scratch table: if it fails, the
// engine's table is untouched (D25).
func (e *Engine) resolve(s *ticket.Schema, players []ticket.Player) (*ticket.Resolved, error) {
	fresh := 0
	for _, p := range players {
		for loc := range p.LatencyInMs { // counts the new names: order does not matter
			if _, known := e.locs.Lookup(loc); !known {
				fresh++
			}
		}
	}
	if fresh > 0 {
		// A request that fails must not grow the table (D25): try it on a
		// scratch table first.
		if _, err := s.Resolve(players, ticket.NewLocations()); err != nil {
			return nil, err
		}
		if e.locs.Count()+fresh > MaxLocations {
			return nil, invalid("Players report %d latency locations the engine has not seen; it holds %d and at most %d at once (MaxLocations): report latencies for the game's own locations",
				fresh, e.locs.Count(), MaxLocations)
		}
	}
	return s.Resolve(players, e.locs)
}

// MaxLocations bounds the latency location names the engine holds at once.
// A game reports latencies for the locations it runs in, a few dozen; the
// bound keeps a client that invents names from growing the table without
// end. A name leaves the table with the last ticket or game session that
// holds it.
const MaxLocations = 10_000

// freeTicketID checks a caller's ticket id, if given: well formed and not
// in use.
func (e *Engine) freeTicketID(id string) error {
	if id == "" {
		return nil
	}
	if err := CheckTicketID("TicketId", id); err != nil {
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
// request deadline. Creation is not a change of status, so it has no event
// (FlexMatch's first event is MatchmakingSearching).
func (e *Engine) register(now time.Time, t *tk) {
	c := t.cfg
	t.r.Locations(e.locs.Retain) // until the ticket is forgotten (purge)
	t.start = now.UnixNano()
	t.ent.Start = t.start
	t.setStatus(ticket.StatusQueued)
	t.deadline = now.Add(c.info.RequestTimeout).UnixNano()
	e.arrivals++
	t.seq = e.arrivals
	e.tickets[t.id] = t
	c.queued = append(c.queued, t)
	c.deadlines.push(t)
}

// setStatus changes t's status and keeps its configuration's counts. Only
// register and transition call it.
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

// Ticket returns one ticket's current state: any ticket still retained
// (active, or ended less than Config.TicketRetention ago).
func (e *Engine) Ticket(id string) (ticket.Ticket, bool) {
	t, ok := e.tickets[id]
	if !ok {
		return ticket.Ticket{}, false
	}
	return t.view(e), true
}

// Tickets returns the tickets with the given ids, in the order asked;
// unknown ids are left out (D25).
func (e *Engine) Tickets(ids []string) []ticket.Ticket {
	out := make([]ticket.Ticket, 0, len(ids))
	for _, id := range ids {
		if t, ok := e.tickets[id]; ok {
			out = append(out, t.view(e))
		}
	}
	return out
}

// StopMatchmaking cancels a ticket that is QUEUED, SEARCHING or
// REQUIRES_ACCEPTANCE (in the last case its players count as rejecting the
// match). A PLACING or finished ticket cannot be stopped (D25). Stopping an
// automatic backfill ticket turns automatic backfill off for its game
// session (D24).
func (e *Engine) StopMatchmaking(now time.Time, id string) error {
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
		t.note(why.reason, why.message)
		e.transition(now, t.cfg, EventCancelled, nil, []*tk{t}, ticket.StatusCancelled,
			&Outcome{Reason: "Cancelled", Message: why.message, Rules: t.cfg.ruleCounts([]*tk{t})})
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

// release lets a ticket that is ending go of everything it holds: the pool,
// the queues, its answers; it is retired, to be forgotten after
// Config.TicketRetention. Only transition calls it.
func (e *Engine) release(now time.Time, t *tk) {
	c := t.cfg
	e.leavePool(c, t)
	if t.status() == ticket.StatusQueued {
		if i := slices.Index(c.queued, t); i >= 0 {
			c.queued = slices.Delete(c.queued, i, i+1)
		}
	}
	c.deadlines.remove(t)
	t.end = now.UnixNano()
	t.clearAnswers()
	// e.players keeps pointing at the ended ticket until purge forgets it:
	// lookups skip terminal tickets, and a bulk step spares a random map
	// access per player.
	e.retired = append(e.retired, t)
	if b := t.backfill; b != nil && b.auto {
		// The session's state names its open automatic ticket only.
		if s := e.sessions[b.session]; s != nil && s.data != nil && s.data.AutoBackfillTicket == t.id {
			s.data = s.data.withAutoBackfill("")
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
		c.wakeups.Remove(t)
		t.wakeAt = 0
	}
}

// AcceptMatch records players' answers (Accepted or Rejected) to the match
// a ticket is in. A rejection ends the acceptance at once; the last
// acceptance completes it (D15).
func (e *Engine) AcceptMatch(now time.Time, ticketID string, playerIDs []string, answer Answer) error {
	if answer != Accepted && answer != Rejected {
		return invalid("the answer is %d; it must be Accepted or Rejected", answer)
	}
	if len(playerIDs) == 0 {
		return invalid("PlayerIds is required; give the ids of the players who answer")
	}
	t, ok := e.tickets[ticketID]
	if !ok {
		return notFound("ticket %q does not exist", ticketID)
	}
	if t.backfill != nil && t.status() == ticket.StatusRequiresAcceptance {
		return invalid("ticket %s is a backfill ticket: its players are already in the game and are not asked to accept (D15); the new players' tickets take the answers", t.id)
	}
	if t.status() != ticket.StatusRequiresAcceptance || t.answers() == nil {
		return invalid("ticket %s is %s; only a ticket in REQUIRES_ACCEPTANCE takes answers", t.id, t.status())
	}
	if m := t.match; !m.deadline.After(now) {
		// The deadline is judged at the time of the call, not of the next
		// step: the answer is refused. Like every refused request it
		// changes nothing (D25); the next step ends the match with its
		// acceptance time-out.
		return invalid("the acceptance deadline of ticket %s's match passed at %s, before this answer; the match was not accepted in time", t.id, m.deadline.UTC().Format(time.RFC3339Nano))
	}
	idx := make([]int, len(playerIDs))
	for i, pid := range playerIDs {
		idx[i] = -1
		for p := range t.r.Players() {
			if t.r.PlayerID(p) == pid {
				idx[i] = p
			}
		}
		if idx[i] < 0 {
			return invalid("PlayerIds[%d] %q is not a player of ticket %s", i, pid, t.id)
		}
		if prev := t.answers()[idx[i]]; prev != Unanswered && prev != answer {
			return invalid("PlayerIds[%d] %q has already answered the match; an answer cannot be changed", i, pid)
		}
	}
	changed := false
	for _, p := range idx {
		if t.answers()[p] == Unanswered {
			t.answers()[p] = answer
			changed = true
		}
	}
	if !changed {
		return nil
	}
	m := t.match
	c := m.cfg
	e.transition(now, c, EventAcceptMatch, m, m.tickets, "", nil)
	if answer == Rejected {
		e.failAcceptance(now, m, AcceptanceRejected, nil)
		return nil
	}
	for _, mt := range m.tickets {
		if !allAccepted(mt) {
			return nil
		}
	}
	c.accepting.Remove(m)
	e.transition(now, c, EventAcceptMatchCompleted, m, m.tickets, placingStatus(m), nil).Acceptance = AcceptanceAccepted
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
func (e *Engine) failAcceptance(now time.Time, m *match, result Acceptance, causes map[*tk]cancelCause) {
	if m.state != msAccepting {
		return
	}
	c := m.cfg
	c.accepting.Remove(m)
	e.transition(now, c, EventAcceptMatchCompleted, m, m.tickets, "", nil).Acceptance = result
	m.state = msDropped
	var back, cancelled []*tk
	message := "The match was rejected."
	if result == AcceptanceTimedOut {
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
		case slices.Contains(t.answers(), Rejected):
			why = cancelCause{ticket.ReasonAcceptanceRejected, "A player of this ticket rejected the match."}
		case result == AcceptanceTimedOut:
			why = cancelCause{ticket.ReasonAcceptanceTimeout, "A player of this ticket did not accept the match in time."}
		default:
			why = cancelCause{ticket.ReasonAcceptanceRejected, "The match was rejected before every player of this ticket accepted it."}
		}
		t.note(why.reason, why.message)
		cancelled = append(cancelled, t)
	}
	// One event for the match's cancelled tickets (D18); each ticket's
	// StatusReason and StatusMessage say why it in particular was cancelled.
	if len(cancelled) > 0 {
		e.transition(now, c, EventCancelled, m, cancelled, ticket.StatusCancelled,
			&Outcome{Reason: "Cancelled", Message: message, Rules: c.ruleCounts(cancelled)})
	}
	if len(back) == 0 {
		return
	}
	for _, t := range back {
		t.match, t.teams = nil, backfillTeams(t)
		t.clearAnswers()
		t.note("", "")
	}
	e.transition(now, c, EventSearching, nil, back, ticket.StatusSearching, nil).EstimatedWait = c.estimatedWait()
	for _, t := range back {
		e.admit(c, t)
		e.markDirty(c, t)
	}
}

func allAccepted(t *tk) bool {
	for _, a := range t.answers() {
		if a != Accepted {
			return false
		}
	}
	return true
}

// CompletePlacement reports that a WITH_QUEUE match's game session is
// ready: its tickets complete with connection information and player
// sessions (D14).
func (e *Engine) CompletePlacement(now time.Time, matchID string, p Placement) error {
	m, err := e.placingMatch(now, matchID)
	if err != nil {
		return err
	}
	if p.GameSession == "" {
		return invalid("GameSessionArn is required")
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if other, taken := e.sessions[p.GameSession]; taken && other != m {
		return invalid("GameSessionArn %q already belongs to match %s", p.GameSession, other.ID)
	}
	m.conn = &ticket.GameSessionConnectionInfo{GameSessionArn: p.GameSession, IPAddress: p.IPAddress, DNSName: p.DNSName, Port: p.Port}
	m.cfg.placing.Remove(m)
	e.complete(now, m, p.GameSession)
	return nil
}

// FailPlacement reports that a WITH_QUEUE match's game session could not be
// placed: its tickets fail (D14). reason defaults to UNEXPECTED_ERROR.
func (e *Engine) FailPlacement(now time.Time, matchID, reason string) error {
	m, err := e.placingMatch(now, matchID)
	if err != nil {
		return err
	}
	if n := utf8.RuneCountInString(reason); n > MaxReasonLength {
		return invalid("Reason is %d characters long; the limit is %d", n, MaxReasonLength)
	}
	if strings.ContainsFunc(reason, unicode.IsControl) {
		return invalid("Reason holds a control character; give one line of text")
	}
	if reason == "" {
		reason = "UNEXPECTED_ERROR"
	}
	e.failPlacement(now, m, ticket.ReasonPlacementFailed, reason, "The game session could not be placed: "+reason+".")
	return nil
}

// failPlacement ends a placing match: its tickets fail with StatusReason
// why, and one MatchmakingFailed event carries reason and msg.
func (e *Engine) failPlacement(now time.Time, m *match, why, reason, msg string) {
	m.cfg.placing.Remove(m)
	m.state = msFailed
	for _, t := range m.tickets {
		t.note(why, msg)
	}
	e.transition(now, m.cfg, EventFailed, m, m.tickets, ticket.StatusFailed,
		&Outcome{Reason: reason, Message: msg, Rules: m.cfg.ruleCounts(m.tickets)})
}

func (e *Engine) placingMatch(now time.Time, id string) (*match, error) {
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
	if !m.deadline.After(now) {
		// Judged at the time of the call, like acceptance: the report is
		// refused and changes nothing; the next step fails the match.
		return nil, invalid("the placement deadline of match %s passed at %s (PlacementTimeout %v); the match is no longer waiting for placement",
			id, m.deadline.UTC().Format(time.RFC3339Nano), m.cfg.info.placementTimeout())
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
		ConfigurationName: t.cfg.info.Name,
		Status:            t.status(),
		StartTime:         nsTime(t.start),
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
		if w := t.cfg.estimatedWait(); w != NoEstimate {
			s := int(w)
			v.EstimatedWaitTime = &s
		}
	}
	return v
}

// requestPlayers rebuilds the ticket's players; once placed, each carries
// its team.
func (t *tk) requestPlayers(locs *ticket.Locations) []ticket.Player {
	out := playersOf(t.r, locs)
	teams := t.cfg.rs.Teams()
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

// estimatedWait is the mean of recent waits in whole seconds, or NoEstimate
// when there are too few (D18).
func (c *config) estimatedWait() int32 {
	n := min(c.nwaits, waitSamples)
	if n < minWaitSamples {
		return NoEstimate
	}
	s := 0.0
	for i := range n {
		s += c.waits[i]
	}
	return int32(s/float64(n) + 0.5)
}

func (c *config) recordWait(d time.Duration) {
	c.waits[c.nwaits%waitSamples] = d.Seconds()
	c.nwaits++
}
