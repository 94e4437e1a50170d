package engine

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/matchforge/matchforge/ticket"
)

// Event types (the detail.type values of FlexMatch matchmaking events).
const (
	EventMatchmakingSearching  = "MatchmakingSearching"
	EventPotentialMatchCreated = "PotentialMatchCreated"
	EventAcceptMatch           = "AcceptMatch"
	EventAcceptMatchCompleted  = "AcceptMatchCompleted"
	EventMatchmakingSucceeded  = "MatchmakingSucceeded"
	EventMatchmakingTimedOut   = "MatchmakingTimedOut"
	EventMatchmakingCancelled  = "MatchmakingCancelled"
	EventMatchmakingFailed     = "MatchmakingFailed"
)

// Outcomes of AcceptMatchCompleted (D15).
const (
	AcceptanceAccepted = "Accepted"
	AcceptanceRejected = "Rejected"
	AcceptanceTimedOut = "TimedOut"
)

// DetailType is the envelope's detail-type of every event.
const DetailType = "GameLift Matchmaking Event"

// ISOTime is a timestamp that encodes as ISO-8601 UTC with milliseconds,
// as events carry them (D21).
type ISOTime struct{ time.Time }

const isoLayout = "2006-01-02T15:04:05.000Z"

// MarshalJSON encodes the time as "2006-01-02T15:04:05.000Z".
func (t ISOTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(isoLayout) + `"`), nil
}

// UnmarshalJSON decodes an ISO-8601 time.
func (t *ISOTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	tt, err := time.Parse(time.RFC3339Nano, s)
	t.Time = tt
	return err
}

// Event is one matchmaking event: an EventBridge-style envelope around a
// FlexMatch detail (D18). Every ticket state change produces exactly one
// event; see the package documentation for which change each type records.
//
// Events are read-only: their slices may be shared (a ticket's players are
// part of the event's gameSessionInfo players, and a Runner hands the same
// event to every subscriber).
type Event struct {
	Version    string      `json:"version"`
	ID         string      `json:"id"`
	DetailType string      `json:"detail-type"`
	Source     string      `json:"source"`
	Account    string      `json:"account"`
	Time       ISOTime     `json:"time"`
	Region     string      `json:"region"`
	Resources  []string    `json:"resources"`
	Detail     EventDetail `json:"detail"`
}

// EventDetail is the FlexMatch detail of an event. Location, BalanceSpread
// and MatchmakerData are this library's extensions (documented in the
// README); everything else has FlexMatch's names and shapes.
type EventDetail struct {
	Type                  string          `json:"type"`
	Tickets               []EventTicket   `json:"tickets"`
	EstimatedWaitMillis   *WaitEstimate   `json:"estimatedWaitMillis,omitempty"`
	AcceptanceTimeout     int             `json:"acceptanceTimeout,omitempty"`
	AcceptanceRequired    *bool           `json:"acceptanceRequired,omitempty"`
	Acceptance            string          `json:"acceptance,omitempty"`
	RuleEvaluationMetrics []RuleMetric    `json:"ruleEvaluationMetrics,omitempty"`
	Reason                string          `json:"reason,omitempty"`
	Message               string          `json:"message,omitempty"`
	CustomEventData       string          `json:"customEventData,omitempty"`
	GameSessionInfo       GameSessionInfo `json:"gameSessionInfo"`
	MatchID               string          `json:"matchId,omitempty"`
	// Location is the location chosen for the match (D11).
	Location string `json:"location,omitempty"`
	// BalanceSpread is the spread (largest minus smallest) of the teams'
	// average balancedAttribute, for rule sets with strategy balanced.
	BalanceSpread *float64 `json:"balanceSpread,omitempty"`
	// MatchmakerData is the match's matchmaker data document (SPEC.md
	// section 13), on MatchmakingSucceeded.
	MatchmakerData *MatchmakerData `json:"matchmakerData,omitempty"`
}

// EventTicket is a ticket as events list it.
type EventTicket struct {
	TicketID  string        `json:"ticketId"`
	StartTime ISOTime       `json:"startTime"`
	Players   []EventPlayer `json:"players"`
}

// EventPlayer is a player as events list it.
type EventPlayer struct {
	PlayerID        string `json:"playerId"`
	Team            string `json:"team,omitempty"`
	PlayerSessionID string `json:"playerSessionId,omitempty"`
	Accepted        *bool  `json:"accepted,omitempty"`
}

// GameSessionInfo lists the event's players and, on success in WITH_QUEUE
// mode, where the game session is.
type GameSessionInfo struct {
	GameSessionArn string        `json:"gameSessionArn,omitempty"`
	IPAddress      string        `json:"ipAddress,omitempty"`
	DNSName        string        `json:"dnsName,omitempty"`
	Port           int           `json:"port,omitempty"`
	Players        []EventPlayer `json:"players"`
}

// RuleMetric counts a rule's evaluations that passed and failed on
// candidate matches holding the event's tickets (D18).
type RuleMetric struct {
	RuleName    string `json:"ruleName"`
	PassedCount int    `json:"passedCount"`
	FailedCount int    `json:"failedCount"`
}

// WaitEstimate is estimatedWaitMillis: whole seconds (as FlexMatch sends,
// despite the name) or "NOT_AVAILABLE".
type WaitEstimate struct {
	Seconds   int
	Available bool
}

// MarshalJSON encodes the seconds or "NOT_AVAILABLE".
func (w WaitEstimate) MarshalJSON() ([]byte, error) {
	if !w.Available {
		return []byte(`"NOT_AVAILABLE"`), nil
	}
	return []byte(strconv.Itoa(w.Seconds)), nil
}

// UnmarshalJSON decodes seconds or "NOT_AVAILABLE".
func (w *WaitEstimate) UnmarshalJSON(b []byte) error {
	if string(b) == `"NOT_AVAILABLE"` {
		*w = WaitEstimate{}
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*w = WaitEstimate{Seconds: n, Available: true}
	return nil
}

// Events returns the events produced since the last call to Events or
// Step, in order, and forgets them.
func (e *Engine) Events() []Event {
	out := e.out
	e.out = nil
	return out
}

func (e *Engine) emit(c *config, now time.Time, d EventDetail) {
	d.CustomEventData = c.api.CustomEventData
	e.out = append(e.out, Event{
		Version:    "0",
		ID:         e.newID(),
		DetailType: DetailType,
		Source:     e.cfg.Source,
		Account:    e.cfg.Account,
		Time:       ISOTime{now.UTC()},
		Region:     e.cfg.Region,
		Resources:  c.resources,
		Detail:     d,
	})
}

// Values for the events' optional booleans, shared: events are read-only.
var (
	yes = true
	no  = false
)

// shownMatch is the last match proposed, with the ticket and player lists
// its PotentialMatchCreated event showed, which MatchmakingSucceeded can
// share.
type shownMatch struct {
	m       *match
	tickets []EventTicket
	players []EventPlayer
}

// eventTickets lists tickets and their players as events show them. The
// tickets' player lists are parts of the list of all players, which the
// event's gameSessionInfo carries: two allocations per event.
func (e *Engine) eventTickets(ts []*tk, m *match) ([]EventTicket, []EventPlayer) {
	tickets := make([]EventTicket, len(ts))
	n := 0
	for _, t := range ts {
		n += t.r.Players()
	}
	all := make([]EventPlayer, n)
	at := 0
	for i, t := range ts {
		n := t.r.Players()
		players := all[at : at+n : at+n]
		at += n
		teams := t.cfg.rs.compiled.Teams()
		var sessions []string
		if t.out != nil {
			sessions = t.out.sessions
		}
		var answers []int8 // shown while the match waits for acceptance
		if m != nil && m.state == msAccepting {
			answers = t.answers()
		}
		for p := range players {
			ep := EventPlayer{PlayerID: t.r.PlayerID(p)}
			if t.teams != nil && t.teams[p] >= 0 {
				ep.Team = teams[t.teams[p]].Name
			}
			if sessions != nil {
				ep.PlayerSessionID = sessions[p]
			}
			if answers != nil && answers[p] != 0 {
				if answers[p] > 0 {
					ep.Accepted = &yes
				} else {
					ep.Accepted = &no
				}
			}
			players[p] = ep
		}
		tickets[i] = EventTicket{TicketID: t.id, StartTime: ISOTime{nsTime(t.ent.Start)}, Players: players}
	}
	return tickets, all
}

// metrics sums the rule evaluation counts of tickets (D18).
func (c *config) metrics(ts []*tk) []RuleMetric {
	rules := c.rs.compiled.Rules()
	out := make([]RuleMetric, len(rules))
	for i, r := range rules {
		out[i].RuleName = r.Name
		for _, t := range ts {
			if t.metrics != nil {
				out[i].PassedCount += int(t.metrics[2*i])
				out[i].FailedCount += int(t.metrics[2*i+1])
			}
		}
	}
	return out
}

// emitTickets emits an event about tickets that ended or changed together:
// MatchmakingCancelled, MatchmakingTimedOut or MatchmakingFailed.
func (e *Engine) emitTickets(c *config, now time.Time, typ string, ts []*tk, m *match, reason, message string) {
	tickets, players := e.eventTickets(ts, m)
	d := EventDetail{
		Type: typ, Tickets: tickets, GameSessionInfo: GameSessionInfo{Players: players},
		Reason: reason, Message: message, RuleEvaluationMetrics: c.metrics(ts),
	}
	if m != nil {
		d.MatchID = m.id
	}
	e.emit(c, now, d)
}

// emitSearching emits MatchmakingSearching for tickets that entered or
// re-entered the search together.
func (e *Engine) emitSearching(c *config, now time.Time, ts []*tk) {
	tickets, players := e.eventTickets(ts, nil)
	w := WaitEstimate{}
	if s := c.estimatedWait(); s != nil {
		w = WaitEstimate{Seconds: *s, Available: true}
	}
	e.emit(c, now, EventDetail{
		Type: EventMatchmakingSearching, Tickets: tickets,
		EstimatedWaitMillis: &w, GameSessionInfo: GameSessionInfo{Players: players},
	})
}

// emitMatch emits an event about a whole match; edit adds the event's own
// members.
func (e *Engine) emitMatch(c *config, now time.Time, typ string, m *match, edit func(*EventDetail)) {
	var tickets []EventTicket
	var players []EventPlayer
	switch sh := &e.shown; {
	case typ == EventMatchmakingSucceeded && sh.m == m && m.conn == nil:
		// Nothing that events show of the players changed since the
		// match was proposed (no player sessions, no answers shown):
		// share the lists, as events share everything (read-only).
		tickets, players = sh.tickets, sh.players
		*sh = shownMatch{}
	default:
		tickets, players = e.eventTickets(m.tickets, m)
		if typ == EventPotentialMatchCreated && m.state != msAccepting {
			*sh = shownMatch{m, tickets, players} // no answers to show
		}
	}
	d := EventDetail{
		Type: typ, Tickets: tickets, GameSessionInfo: GameSessionInfo{Players: players},
		MatchID: m.id, Location: m.location,
	}
	if edit != nil {
		edit(&d)
	}
	e.emit(c, now, d)
}

// statusEvents maps each event type to the status it moves its tickets to,
// for the invariant that every status change has exactly one event. An
// empty status means the event records no status change.
var statusEvents = map[string]ticket.Status{
	EventMatchmakingSearching: ticket.StatusSearching,
	EventMatchmakingSucceeded: ticket.StatusCompleted,
	EventMatchmakingTimedOut:  ticket.StatusTimedOut,
	EventMatchmakingCancelled: ticket.StatusCancelled,
	EventMatchmakingFailed:    ticket.StatusFailed,
}

// StatusAfter returns the status an event moves its tickets to: for
// PotentialMatchCreated REQUIRES_ACCEPTANCE or PLACING (or "" in STANDALONE
// mode without acceptance, where MatchmakingSucceeded follows at once), for
// AcceptMatchCompleted with acceptance Accepted PLACING in WITH_QUEUE mode,
// and "" for events that change no ticket's status (AcceptMatch, and
// AcceptMatchCompleted otherwise: the Searching, Succeeded or Cancelled
// events that follow carry the changes).
func StatusAfter(ev *Event, withQueue bool) ticket.Status {
	d := &ev.Detail
	switch d.Type {
	case EventPotentialMatchCreated:
		if d.AcceptanceRequired != nil && *d.AcceptanceRequired {
			return ticket.StatusRequiresAcceptance
		}
		if withQueue {
			return ticket.StatusPlacing
		}
		return ""
	case EventAcceptMatchCompleted:
		if d.Acceptance == AcceptanceAccepted && withQueue {
			return ticket.StatusPlacing
		}
		return ""
	}
	return statusEvents[d.Type]
}
