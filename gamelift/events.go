package gamelift

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/matchforge/matchforge/engine"
)

// DetailType is the envelope's detail-type of every event.
const DetailType = "GameLift Matchmaking Event"

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

// Event is one matchmaking event as FlexMatch delivers it: an
// EventBridge-style envelope around a FlexMatch detail (D18).
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

// ConfigurationName returns the name of the configuration the event is
// about, read from its resource ARN.
func (e *Event) ConfigurationName() string {
	if len(e.Resources) == 0 {
		return ""
	}
	_, name, _ := strings.Cut(e.Resources[0], ":"+kindConfiguration+"/")
	return name
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
	// section 13), on MatchmakingSucceeded when Options.EventMatchmakerData
	// is set.
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

// Renderer turns engine events into FlexMatch events. It is a value: the
// rendering of an event depends only on the event and the renderer's
// settings, so any goroutine, process or node renders an event the same
// way. The zero value uses the defaults of Options.
type Renderer struct {
	// Seed makes event ids: an event's id is a UUID drawn from Seed and the
	// event's sequence number (D21).
	Seed uint64
	// Source, Account and Region fill the envelope and the ARNs (D18);
	// defaults "matchforge", "000000000000", "local".
	Source, Account, Region string
	// MatchmakerData adds the matchmaker data document to
	// MatchmakingSucceeded events (an extension of the FlexMatch event).
	MatchmakerData bool
}

func (r *Renderer) fill() {
	if r.Source == "" {
		r.Source = defaultSource
	}
	if r.Account == "" {
		r.Account = defaultAccount
	}
	if r.Region == "" {
		r.Region = defaultRegion
	}
}

// EventID returns the id of the engine event with sequence number seq: a
// version-4 UUID drawn from the seed and seq, so ids are reproducible and
// the same wherever the event is rendered.
func (r Renderer) EventID(seq uint64) string {
	var src rand.PCG
	src.Seed(r.Seed^0x6576656e74696473, seq)
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], src.Uint64())
	binary.LittleEndian.PutUint64(b[8:], src.Uint64())
	u := uuid.UUID(b)
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	return u.String()
}

// arn returns the ARN of a resource of kind (matchmakingconfiguration,
// matchmakingruleset) named name.
func (r Renderer) arn(kind, name string) string {
	return "arn:aws:gamelift:" + r.Region + ":" + r.Account + ":" + kind + "/" + name
}

// Render returns ev in FlexMatch's shape.
func (r Renderer) Render(ev *engine.Event) Event {
	r.fill()
	c := ev.Config
	d := EventDetail{Type: ev.Kind.String(), CustomEventData: c.CustomEventData}
	d.Tickets, d.GameSessionInfo.Players = eventTickets(ev)
	if m := ev.Match; m != nil {
		d.MatchID = m.ID
		switch ev.Kind {
		case engine.EventPotentialMatchCreated, engine.EventAcceptMatch, engine.EventAcceptMatchCompleted, engine.EventSucceeded:
			d.Location = m.Location // the events about the match as a whole
		}
	}
	switch ev.Kind {
	case engine.EventSearching:
		w := WaitEstimate{}
		if ev.EstimatedWait != engine.NoEstimate {
			w = WaitEstimate{Seconds: int(ev.EstimatedWait), Available: true}
		}
		d.EstimatedWaitMillis = &w
	case engine.EventPotentialMatchCreated:
		d.AcceptanceRequired = &no
		if c.AcceptanceRequired {
			d.AcceptanceRequired = &yes
			d.AcceptanceTimeout = int(c.AcceptanceTimeout / time.Second)
		}
		d.BalanceSpread = spread(ev.Match)
	case engine.EventAcceptMatchCompleted:
		d.Acceptance = ev.Acceptance.String()
	case engine.EventSucceeded:
		d.BalanceSpread = spread(ev.Match)
		if r.MatchmakerData && ev.Session != nil {
			d.MatchmakerData = r.MatchmakerDataOf(ev.Session)
		}
	}
	if o := ev.Outcome; o != nil {
		d.Reason, d.Message = o.Reason, o.Message
		if o.Rules != nil {
			rules := c.RuleSet.Rules()
			d.RuleEvaluationMetrics = make([]RuleMetric, len(o.Rules))
			for i, rc := range o.Rules {
				d.RuleEvaluationMetrics[i] = RuleMetric{RuleName: rules[i].Name, PassedCount: rc.Passed, FailedCount: rc.Failed}
			}
		}
		if p := o.Placement; p != nil {
			d.GameSessionInfo.GameSessionArn, d.GameSessionInfo.IPAddress = p.GameSession, p.IPAddress
			d.GameSessionInfo.DNSName, d.GameSessionInfo.Port = p.DNSName, p.Port
		}
	}
	return Event{
		Version: "0", ID: r.EventID(ev.Seq), DetailType: DetailType,
		Source: r.Source, Account: r.Account, Time: ISOTime{ev.Time.UTC()}, Region: r.Region,
		Resources: []string{r.arn(kindConfiguration, c.Name)}, Detail: d,
	}
}

// Values for the events' optional booleans, shared: rendered events are
// read-only.
var (
	yes = true
	no  = false
)

func spread(m *engine.Match) *float64 {
	if m == nil || !m.Balanced {
		return nil
	}
	s := m.BalanceSpread
	return &s
}

// eventTickets lists an event's tickets and their players as FlexMatch
// shows them. The tickets' player lists are parts of the list of all
// players, which gameSessionInfo carries.
func eventTickets(ev *engine.Event) ([]EventTicket, []EventPlayer) {
	teams := ev.Config.RuleSet.Teams()
	n := 0
	for _, t := range ev.Tickets {
		n += t.Players()
	}
	tickets := make([]EventTicket, len(ev.Tickets))
	all := make([]EventPlayer, n)
	at := 0
	for i, t := range ev.Tickets {
		n := t.Players()
		players := all[at : at+n : at+n]
		at += n
		for p := range players {
			ep := EventPlayer{PlayerID: t.PlayerID(p), PlayerSessionID: t.PlayerSession(p)}
			if ti := t.Team(p); ti >= 0 && ti < len(teams) {
				ep.Team = teams[ti].Name
			}
			switch t.Answer(p) {
			case engine.Accepted:
				ep.Accepted = &yes
			case engine.Rejected:
				ep.Accepted = &no
			}
			players[p] = ep
		}
		tickets[i] = EventTicket{TicketID: t.ID(), StartTime: ISOTime{t.Start()}, Players: players}
	}
	return tickets, all
}
