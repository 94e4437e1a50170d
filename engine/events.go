package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/matchforge/matchforge/ticket"
)

// EventKind is what an event records: one of the eight FlexMatch
// matchmaking event types.
type EventKind uint8

// The event kinds. String returns the FlexMatch detail type of each.
const (
	// EventSearching: tickets entered the search (from QUEUED, or back from
	// a match whose acceptance failed). FlexMatch's MatchmakingSearching.
	EventSearching EventKind = iota + 1
	// EventPotentialMatchCreated: a match was proposed.
	EventPotentialMatchCreated
	// EventAcceptMatch: players answered a proposed match.
	EventAcceptMatch
	// EventAcceptMatchCompleted: acceptance ended (see Event.Acceptance).
	EventAcceptMatchCompleted
	// EventSucceeded: the match completed. FlexMatch's MatchmakingSucceeded.
	EventSucceeded
	// EventTimedOut: tickets reached their request timeout.
	EventTimedOut
	// EventCancelled: tickets were cancelled.
	EventCancelled
	// EventFailed: the match's game session could not be placed.
	EventFailed
)

var kindNames = [...]string{
	EventSearching:             "MatchmakingSearching",
	EventPotentialMatchCreated: "PotentialMatchCreated",
	EventAcceptMatch:           "AcceptMatch",
	EventAcceptMatchCompleted:  "AcceptMatchCompleted",
	EventSucceeded:             "MatchmakingSucceeded",
	EventTimedOut:              "MatchmakingTimedOut",
	EventCancelled:             "MatchmakingCancelled",
	EventFailed:                "MatchmakingFailed",
}

// String returns the FlexMatch detail type, such as "MatchmakingSearching".
func (k EventKind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Acceptance is how the acceptance of a proposed match ended (D15).
type Acceptance uint8

// The outcomes of AcceptMatchCompleted.
const (
	AcceptanceNone Acceptance = iota
	AcceptanceAccepted
	AcceptanceRejected
	AcceptanceTimedOut
)

// String returns FlexMatch's name of the outcome ("Accepted", "Rejected",
// "TimedOut"), or "" for AcceptanceNone.
func (a Acceptance) String() string {
	switch a {
	case AcceptanceAccepted:
		return "Accepted"
	case AcceptanceRejected:
		return "Rejected"
	case AcceptanceTimedOut:
		return "TimedOut"
	}
	return ""
}

// Answer is one player's answer to a proposed match.
type Answer int8

// The answers of AcceptMatch.
const (
	Unanswered Answer = 0
	Accepted   Answer = 1
	Rejected   Answer = -1
)

// NoEstimate is Event.EstimatedWait when the engine has too few recent
// matches to estimate a wait (FlexMatch's "NOT_AVAILABLE").
const NoEstimate = -1

// Event records one change: the typed form of a FlexMatch matchmaking
// event. Every change of a ticket's status produces exactly one event,
// listing every ticket the change moved together (D18); see the package
// documentation for which change each kind records. The gamelift package
// renders events in FlexMatch's JSON shape.
//
// Events are compact and read-only: they hold the tickets by reference
// (TicketRef) rather than copies of their players, and share their slices
// with other events and with the engine. Never modify what an event points
// to. They stay valid after the engine changes: everything they reference is
// immutable.
type Event struct {
	// Seq numbers the engine's events 1, 2, 3, ... in the order they were
	// produced; the same inputs and seed give the same numbers.
	Seq uint64
	// Time is the time of the operation or step that produced the event.
	Time time.Time
	Kind EventKind
	// Acceptance is how acceptance ended, for EventAcceptMatchCompleted.
	Acceptance Acceptance
	// EstimatedWait is the configuration's wait estimate in whole seconds,
	// or NoEstimate, for EventSearching.
	EstimatedWait int32
	// Config is the configuration as it was when the event happened.
	Config *Configuration
	// Match is the proposed match the event is about; nil for events of
	// tickets outside a match (searching, timed out, or cancelled before
	// any match).
	Match *Match
	// Tickets lists the tickets the event is about.
	Tickets []TicketRef
	// Session is the game session's state after a match completed, for
	// EventSucceeded.
	Session *GameSession
	// Outcome holds what only some events carry; nil when there is none.
	Outcome *Outcome
}

// Outcome is the part of an event that only some kinds carry.
type Outcome struct {
	// Reason and Message explain an ended ticket: for FlexMatch "Cancelled"
	// or "TimedOut", or the reason a placement failed; Message is a
	// sentence.
	Reason  string
	Message string
	// Rules counts, per rule of Config.RuleSet (same indexes), the
	// evaluations on candidate matches holding the event's tickets that
	// passed and failed (D18); set on PotentialMatchCreated and on the
	// events of tickets that ended without a match.
	Rules []RuleCount
	// Placement says where the game session is, for EventSucceeded of a
	// placed (WITH_QUEUE) match.
	Placement *Placement
}

// RuleCount counts a rule's evaluations.
type RuleCount struct {
	Passed, Failed int
	// Errors counts the evaluations, among the failed ones, that could not
	// be completed: an expression rule that failed at run time or exceeded
	// its budget, or a Go rule that panicked. LastError is the last such
	// error's message.
	Errors    int
	LastError string
}

// Match is a proposed match as events show it. It never changes once made.
type Match struct {
	ID string
	// Created is when the match was proposed.
	Created time.Time
	// Location is the location chosen for the match (D11), or "".
	Location string
	// BalanceSpread is the spread (largest minus smallest) of the teams'
	// averages of the balanced attribute, when Balanced is true (rule sets
	// with strategy balanced).
	BalanceSpread float64
	Balanced      bool
}

// TicketInfo is what never changes about a ticket: its id, its start time
// and its players as they were requested.
type TicketInfo struct {
	id         string
	start      int64 // Unix nanoseconds
	players    *ticket.Resolved
	isBackfill bool
}

// ID returns the ticket id.
func (t *TicketInfo) ID() string { return t.id }

// Start returns the time the ticket was created.
func (t *TicketInfo) Start() time.Time { return nsTime(t.start) }

// Players returns the number of players.
func (t *TicketInfo) Players() int { return t.players.Players() }

// PlayerID returns player p's id.
func (t *TicketInfo) PlayerID(p int) string { return t.players.PlayerID(p) }

// Backfill reports whether the ticket is a backfill ticket.
func (t *TicketInfo) Backfill() bool { return t.isBackfill }

// TicketRef is a ticket as one event shows it: the ticket, and the teams,
// player sessions and acceptance answers of its players at the time.
type TicketRef struct {
	*TicketInfo
	// Teams holds each player's team, an index into Config.RuleSet.Teams(),
	// or nil while the ticket is on no team. A backfill ticket's players
	// keep the teams they were requested on.
	Teams []int
	more  *refMore
}

type refMore struct {
	sessions []string // player session ids, per player
	answers  []Answer // copied, while the match awaited acceptance
}

// Team returns player p's team index, or -1.
func (r TicketRef) Team(p int) int {
	if r.Teams == nil || r.Teams[p] < 0 {
		return -1
	}
	return r.Teams[p]
}

// PlayerSession returns player p's player session id, or "" (STANDALONE
// matches and backfill tickets' existing players have none).
func (r TicketRef) PlayerSession(p int) string {
	if r.more == nil || r.more.sessions == nil {
		return ""
	}
	return r.more.sessions[p]
}

// Answer returns player p's answer, shown while the match awaited
// acceptance; Unanswered otherwise.
func (r TicketRef) Answer(p int) Answer {
	if r.more == nil || r.more.answers == nil {
		return Unanswered
	}
	return r.more.answers[p]
}

// Events returns the events produced since the last call to Events or
// Step, in order, and forgets them.
func (e *Engine) Events() []Event {
	out := e.out
	e.out = nil
	return out
}

// takeRefs returns room for n ticket references.
func (e *Engine) takeRefs(n int) []TicketRef {
	if n > cap(e.refs)-len(e.refs) {
		e.refs = make([]TicketRef, 0, max(n, refChunk))
	}
	at := len(e.refs)
	e.refs = e.refs[:at+n]
	return e.refs[at : at+n : at+n]
}

// refsOf lists tickets as an event of match m shows them (m may be nil).
// The answers of a match waiting for acceptance are copied; everything
// else is shared. The list of a whole match (ts is m.tickets) is kept and
// shared by the match's later events while nothing they show changes.
func (e *Engine) refsOf(ts []*tk, m *match) []TicketRef {
	accepting := m != nil && m.state == msAccepting
	whole := m != nil && !accepting && len(ts) == len(m.tickets) && len(ts) > 0 && &ts[0] == &m.tickets[0]
	if whole && m.refs != nil && m.refsPlaced == (m.conn != nil) {
		return m.refs // nothing events show has changed since
	}
	refs := e.takeRefs(len(ts))
	for i, t := range ts {
		r := TicketRef{TicketInfo: &t.TicketInfo, Teams: t.teams}
		var sessions []string
		if t.out != nil {
			sessions = t.out.sessions
		}
		var answers []Answer
		if accepting {
			answers = append([]Answer(nil), t.answers()...)
		}
		if sessions != nil || answers != nil {
			r.more = &refMore{sessions: sessions, answers: answers}
		}
		refs[i] = r
	}
	if whole {
		m.refs, m.refsPlaced = refs, m.conn != nil
	}
	return refs
}

// ruleCounts sums the rule evaluation counts of tickets (D18).
func (c *config) ruleCounts(ts []*tk) []RuleCount {
	out := make([]RuleCount, len(c.rs.Rules()))
	for _, t := range ts {
		if t.metrics == nil {
			continue
		}
		for i := range out {
			out[i].Passed += int(t.metrics[2*i])
			out[i].Failed += int(t.metrics[2*i+1])
		}
	}
	return out
}

// transition is the one place where tickets change status, and the one
// place events are recorded: it moves every ticket of ts to status to (no
// change when to is ""), does what entering that status requires (a
// terminal status releases everything the ticket holds), and records the
// event of kind k listing them, about match m (nil for none). Every status
// change thus has exactly one event by construction (D18). Callers set the
// tickets' StatusReason first where the change needs one.
func (e *Engine) transition(now time.Time, c *config, k EventKind, m *match, ts []*tk, to ticket.Status, o *Outcome) *Event {
	if to != "" {
		for _, t := range ts {
			if to.Terminal() {
				e.release(now, t)
			}
			t.setStatus(to)
		}
	}
	e.seq++
	e.out = append(e.out, Event{
		Seq: e.seq, Time: now, Kind: k, Config: c.info, Tickets: e.refsOf(ts, m),
		EstimatedWait: NoEstimate, Outcome: o,
	})
	ev := &e.out[len(e.out)-1]
	if m != nil {
		ev.Match = &m.Match
	}
	return ev
}

// StatusAfter returns the status an event moves its tickets to, or "" when
// it changes no ticket's status (AcceptMatch; PotentialMatchCreated in
// STANDALONE mode without acceptance, where EventSucceeded follows at once;
// AcceptMatchCompleted unless it moves an accepted WITH_QUEUE match to
// PLACING). A backfill match skips placement in either mode.
func StatusAfter(ev *Event) ticket.Status {
	switch ev.Kind {
	case EventSearching:
		return ticket.StatusSearching
	case EventPotentialMatchCreated:
		if ev.Config.AcceptanceRequired {
			return ticket.StatusRequiresAcceptance
		}
		if placed(ev) {
			return ticket.StatusPlacing
		}
	case EventAcceptMatchCompleted:
		if ev.Acceptance == AcceptanceAccepted && placed(ev) {
			return ticket.StatusPlacing
		}
	case EventSucceeded:
		return ticket.StatusCompleted
	case EventTimedOut:
		return ticket.StatusTimedOut
	case EventCancelled:
		return ticket.StatusCancelled
	case EventFailed:
		return ticket.StatusFailed
	}
	return ""
}

// placed reports whether the event's match goes through placement: a
// WITH_QUEUE configuration's match that holds no backfill ticket.
func placed(ev *Event) bool {
	if ev.Config.Mode != WithQueue {
		return false
	}
	for _, r := range ev.Tickets {
		if r.isBackfill {
			return false
		}
	}
	return true
}

// String formats the event on one line, for logs and tests: its number,
// time, kind, configuration, match, tickets (each player with its team,
// player session and answer where it has them) and outcome.
func (ev *Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s %s %s", ev.Seq, ev.Time.UTC().Format(time.RFC3339Nano), ev.Kind, ev.Config.Name)
	if m := ev.Match; m != nil {
		fmt.Fprintf(&b, " match=%s", m.ID)
		if m.Location != "" {
			fmt.Fprintf(&b, " location=%s", m.Location)
		}
		if m.Balanced {
			fmt.Fprintf(&b, " spread=%g", m.BalanceSpread)
		}
	}
	if ev.Acceptance != AcceptanceNone {
		fmt.Fprintf(&b, " acceptance=%s", ev.Acceptance)
	}
	if ev.Kind == EventSearching {
		fmt.Fprintf(&b, " wait=%d", ev.EstimatedWait)
	}
	teams := ev.Config.RuleSet.Teams()
	b.WriteString(" [")
	for i, t := range ev.Tickets {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.ID())
		b.WriteByte('(')
		for p := range t.Players() {
			if p > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(t.PlayerID(p))
			if ti := t.Team(p); ti >= 0 && ti < len(teams) {
				b.WriteString(":" + teams[ti].Name)
			}
			if s := t.PlayerSession(p); s != "" {
				b.WriteString("/" + s)
			}
			switch t.Answer(p) {
			case Accepted:
				b.WriteString("+")
			case Rejected:
				b.WriteString("-")
			}
		}
		b.WriteByte(')')
	}
	b.WriteByte(']')
	if o := ev.Outcome; o != nil {
		if o.Reason != "" || o.Message != "" {
			fmt.Fprintf(&b, " reason=%q message=%q", o.Reason, o.Message)
		}
		if o.Rules != nil {
			b.WriteString(" rules=")
			for i, rc := range o.Rules {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "%d/%d", rc.Passed, rc.Failed)
			}
		}
		if p := o.Placement; p != nil {
			fmt.Fprintf(&b, " placement=%s %s %s %d", p.GameSession, p.IPAddress, p.DNSName, p.Port)
		}
	}
	if s := ev.Session; s != nil {
		fmt.Fprintf(&b, " session=%s players=%d", s.ID, s.Players())
		if s.AutoBackfillTicket != "" {
			fmt.Fprintf(&b, " autobackfill=%s", s.AutoBackfillTicket)
		}
	}
	return b.String()
}
