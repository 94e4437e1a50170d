package engine

import (
	"encoding/json"
	"time"

	"github.com/matchforge/matchforge/ticket"
)

// Time is a timestamp that encodes in JSON as the GameLift API does: epoch
// seconds with a millisecond fraction (D21).
type Time struct{ time.Time }

// MarshalJSON encodes epoch seconds with a millisecond fraction.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(ticket.EpochSeconds(t.Time)), nil
}

// UnmarshalJSON decodes epoch seconds (fraction allowed).
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	tt, err := ticket.FromEpochSeconds(n)
	t.Time = tt
	return err
}

// Ptr returns a pointer to v, for the optional fields of update inputs.
func Ptr[T any](v T) *T { return &v }

// Tag is a resource tag (accepted and stored; tags do not affect matching).
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// GameProperty is a key-value pair copied into created game sessions.
type GameProperty struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Modes and backfill modes of a configuration.
const (
	ModeStandalone = "STANDALONE"
	ModeWithQueue  = "WITH_QUEUE"
	BackfillAuto   = "AUTOMATIC"
	BackfillManual = "MANUAL"
)

// MatchmakingRuleSet describes a registered rule set (GameLift
// MatchmakingRuleSet).
type MatchmakingRuleSet struct {
	RuleSetName  string `json:"RuleSetName"`
	RuleSetArn   string `json:"RuleSetArn"`
	RuleSetBody  string `json:"RuleSetBody"`
	CreationTime Time   `json:"CreationTime,omitzero"`
}

// CreateMatchmakingRuleSetInput is the input of CreateMatchmakingRuleSet.
type CreateMatchmakingRuleSetInput struct {
	Name        string `json:"Name"`
	RuleSetBody string `json:"RuleSetBody"`
	Tags        []Tag  `json:"Tags,omitempty"`
}

// MatchmakingConfiguration describes a configuration (GameLift
// MatchmakingConfiguration).
type MatchmakingConfiguration struct {
	Name                     string         `json:"Name"`
	ConfigurationArn         string         `json:"ConfigurationArn"`
	Description              string         `json:"Description,omitempty"`
	GameSessionQueueArns     []string       `json:"GameSessionQueueArns,omitempty"`
	RequestTimeoutSeconds    int            `json:"RequestTimeoutSeconds"`
	AcceptanceTimeoutSeconds int            `json:"AcceptanceTimeoutSeconds,omitempty"`
	AcceptanceRequired       bool           `json:"AcceptanceRequired"`
	RuleSetName              string         `json:"RuleSetName"`
	RuleSetArn               string         `json:"RuleSetArn"`
	NotificationTarget       string         `json:"NotificationTarget,omitempty"`
	AdditionalPlayerCount    int            `json:"AdditionalPlayerCount"`
	CustomEventData          string         `json:"CustomEventData,omitempty"`
	CreationTime             Time           `json:"CreationTime,omitzero"`
	GameProperties           []GameProperty `json:"GameProperties,omitempty"`
	GameSessionData          string         `json:"GameSessionData,omitempty"`
	BackfillMode             string         `json:"BackfillMode,omitempty"`
	FlexMatchMode            string         `json:"FlexMatchMode"`
}

// CreateMatchmakingConfigurationInput is the input of
// CreateMatchmakingConfiguration. A zero field is an omitted field:
// FlexMatchMode defaults to STANDALONE (D14) and BackfillMode to MANUAL.
type CreateMatchmakingConfigurationInput struct {
	Name                     string         `json:"Name"`
	Description              string         `json:"Description,omitempty"`
	GameSessionQueueArns     []string       `json:"GameSessionQueueArns,omitempty"`
	RequestTimeoutSeconds    int            `json:"RequestTimeoutSeconds"`
	AcceptanceTimeoutSeconds int            `json:"AcceptanceTimeoutSeconds,omitempty"`
	AcceptanceRequired       bool           `json:"AcceptanceRequired"`
	RuleSetName              string         `json:"RuleSetName"`
	NotificationTarget       string         `json:"NotificationTarget,omitempty"`
	AdditionalPlayerCount    int            `json:"AdditionalPlayerCount,omitempty"`
	CustomEventData          string         `json:"CustomEventData,omitempty"`
	GameProperties           []GameProperty `json:"GameProperties,omitempty"`
	GameSessionData          string         `json:"GameSessionData,omitempty"`
	BackfillMode             string         `json:"BackfillMode,omitempty"`
	FlexMatchMode            string         `json:"FlexMatchMode,omitempty"`
	Tags                     []Tag          `json:"Tags,omitempty"`
}

// UpdateMatchmakingConfigurationInput is the input of
// UpdateMatchmakingConfiguration: nil fields keep their value.
type UpdateMatchmakingConfigurationInput struct {
	Name                     string          `json:"Name"`
	Description              *string         `json:"Description,omitempty"`
	GameSessionQueueArns     *[]string       `json:"GameSessionQueueArns,omitempty"`
	RequestTimeoutSeconds    *int            `json:"RequestTimeoutSeconds,omitempty"`
	AcceptanceTimeoutSeconds *int            `json:"AcceptanceTimeoutSeconds,omitempty"`
	AcceptanceRequired       *bool           `json:"AcceptanceRequired,omitempty"`
	RuleSetName              *string         `json:"RuleSetName,omitempty"`
	NotificationTarget       *string         `json:"NotificationTarget,omitempty"`
	AdditionalPlayerCount    *int            `json:"AdditionalPlayerCount,omitempty"`
	CustomEventData          *string         `json:"CustomEventData,omitempty"`
	GameProperties           *[]GameProperty `json:"GameProperties,omitempty"`
	GameSessionData          *string         `json:"GameSessionData,omitempty"`
	BackfillMode             *string         `json:"BackfillMode,omitempty"`
	FlexMatchMode            *string         `json:"FlexMatchMode,omitempty"`
}

// StartMatchmakingInput is the input of StartMatchmaking.
type StartMatchmakingInput struct {
	// TicketID is optional; the engine makes one from its seeded source.
	TicketID          string          `json:"TicketId,omitempty"`
	ConfigurationName string          `json:"ConfigurationName"`
	Players           []ticket.Player `json:"Players"`
}

// StartMatchBackfillInput is the input of StartMatchBackfill.
type StartMatchBackfillInput struct {
	TicketID          string `json:"TicketId,omitempty"`
	ConfigurationName string `json:"ConfigurationName"`
	// GameSessionArn identifies the game session to backfill. In STANDALONE
	// mode a match id may stand in for it (D24).
	GameSessionArn string `json:"GameSessionArn,omitempty"`
	// Players lists every player currently in the game session, each with
	// its Team (D22).
	Players []ticket.Player `json:"Players"`
}

// Acceptance types of AcceptMatch.
const (
	Accept = "ACCEPT"
	Reject = "REJECT"
)

// AcceptMatchInput is the input of AcceptMatch.
type AcceptMatchInput struct {
	TicketID       string   `json:"TicketId"`
	PlayerIDs      []string `json:"PlayerIds"`
	AcceptanceType string   `json:"AcceptanceType"`
}

// CompletePlacementInput reports that the game session of a WITH_QUEUE match
// was placed (D14). Player session ids are made by the engine.
type CompletePlacementInput struct {
	MatchID        string `json:"MatchId"`
	GameSessionArn string `json:"GameSessionArn"`
	IPAddress      string `json:"IpAddress,omitempty"`
	DNSName        string `json:"DnsName,omitempty"`
	Port           int    `json:"Port,omitempty"`
}

// FailPlacementInput reports that the game session of a WITH_QUEUE match
// could not be placed (D14).
type FailPlacementInput struct {
	MatchID string `json:"MatchId"`
	Reason  string `json:"Reason,omitempty"`
}
