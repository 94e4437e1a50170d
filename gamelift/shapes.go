package gamelift

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/matchforge/matchforge/ticket"
)

// The request and response shapes of the FlexMatch operations, with the
// member names and JSON types of the GameLift API model.

// Time is a timestamp that encodes in JSON as the GameLift API does: epoch
// seconds with a millisecond fraction (D21).
type Time struct{ time.Time }

// MarshalJSON encodes epoch seconds with a millisecond fraction.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(EpochSeconds(t.Time)), nil
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
	tt, err := FromEpochSeconds(n)
	t.Time = tt
	return err
}

// EpochSeconds encodes t as epoch seconds with a millisecond fraction, the
// GameLift API's timestamp form (for example 1469498468.057).
func EpochSeconds(t time.Time) json.Number {
	ms, sign := t.UnixMilli(), ""
	if ms < 0 { // -1.5 s is "-1.500", not floor and fraction "-2.500"
		ms, sign = -ms, "-"
	}
	return json.Number(fmt.Sprintf("%s%d.%03d", sign, ms/1000, ms%1000))
}

// FromEpochSeconds decodes an API timestamp (epoch seconds, fraction allowed).
func FromEpochSeconds(n json.Number) (time.Time, error) {
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(int64(math.Round(f * 1000))).UTC(), nil
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

// Modes and backfill modes of a configuration, as the API spells them.
const (
	ModeStandalone = "STANDALONE"
	ModeWithQueue  = "WITH_QUEUE"
	BackfillAuto   = "AUTOMATIC"
	BackfillManual = "MANUAL"
)

// Acceptance types of AcceptMatch.
const (
	Accept = "ACCEPT"
	Reject = "REJECT"
)

// MatchmakingRuleSet describes a registered rule set (GameLift
// MatchmakingRuleSet).
type MatchmakingRuleSet struct {
	RuleSetName  string `json:"RuleSetName"`
	RuleSetArn   string `json:"RuleSetArn"`
	RuleSetBody  string `json:"RuleSetBody"`
	CreationTime Time   `json:"CreationTime,omitzero"`
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

// MatchmakingTicket is a ticket in the shape of the GameLift
// MatchmakingTicket structure.
type MatchmakingTicket struct {
	TicketID                  string                            `json:"TicketId,omitempty"`
	ConfigurationName         string                            `json:"ConfigurationName,omitempty"`
	ConfigurationArn          string                            `json:"ConfigurationArn,omitempty"`
	Status                    ticket.Status                     `json:"Status,omitempty"`
	StatusReason              string                            `json:"StatusReason,omitempty"`
	StatusMessage             string                            `json:"StatusMessage,omitempty"`
	StartTime                 Time                              `json:"StartTime,omitzero"`
	EndTime                   Time                              `json:"EndTime,omitzero"`
	Players                   []ticket.Player                   `json:"Players,omitempty"`
	GameSessionConnectionInfo *ticket.GameSessionConnectionInfo `json:"GameSessionConnectionInfo,omitempty"`
	EstimatedWaitTime         *int                              `json:"EstimatedWaitTime,omitempty"`
}

// Inputs and outputs of the operations.
type (
	// CreateMatchmakingRuleSetInput is the input of CreateMatchmakingRuleSet.
	CreateMatchmakingRuleSetInput struct {
		Name        string `json:"Name"`
		RuleSetBody string `json:"RuleSetBody"`
		Tags        []Tag  `json:"Tags,omitempty"`
	}
	// CreateMatchmakingConfigurationInput is the input of
	// CreateMatchmakingConfiguration. A zero field is an omitted field:
	// FlexMatchMode defaults to STANDALONE (D14) and BackfillMode to MANUAL.
	CreateMatchmakingConfigurationInput struct {
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
	UpdateMatchmakingConfigurationInput struct {
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
	StartMatchmakingInput struct {
		// TicketID is optional; the engine makes one from its seeded source.
		TicketID          string          `json:"TicketId,omitempty"`
		ConfigurationName string          `json:"ConfigurationName"`
		Players           []ticket.Player `json:"Players"`
	}
	// StartMatchBackfillInput is the input of StartMatchBackfill.
	StartMatchBackfillInput struct {
		TicketID          string `json:"TicketId,omitempty"`
		ConfigurationName string `json:"ConfigurationName"`
		// GameSessionArn identifies the game session to backfill. In
		// STANDALONE mode a match id may stand in for it (D24).
		GameSessionArn string `json:"GameSessionArn,omitempty"`
		// Players lists every player currently in the game session, each
		// with its Team (D22).
		Players []ticket.Player `json:"Players"`
	}
	// AcceptMatchInput is the input of AcceptMatch.
	AcceptMatchInput struct {
		TicketID       string   `json:"TicketId"`
		PlayerIDs      []string `json:"PlayerIds"`
		AcceptanceType string   `json:"AcceptanceType"`
	}
	// CompletePlacementInput reports that the game session of a WITH_QUEUE
	// match was placed (D14). Player session ids are made by the engine.
	CompletePlacementInput struct {
		MatchID        string `json:"MatchId"`
		GameSessionArn string `json:"GameSessionArn"`
		IPAddress      string `json:"IpAddress,omitempty"`
		DNSName        string `json:"DnsName,omitempty"`
		Port           int    `json:"Port,omitempty"`
	}
	// FailPlacementInput reports that the game session of a WITH_QUEUE
	// match could not be placed (D14).
	FailPlacementInput struct {
		MatchID string `json:"MatchId"`
		Reason  string `json:"Reason,omitempty"`
	}
	// DescribeMatchmakingInput is the input of DescribeMatchmaking.
	DescribeMatchmakingInput struct {
		TicketIDs []string `json:"TicketIds"`
	}
	// DescribeMatchmakingOutput is the output of DescribeMatchmaking.
	DescribeMatchmakingOutput struct {
		TicketList []MatchmakingTicket `json:"TicketList"`
	}
	// TicketOutput is the output of StartMatchmaking and StartMatchBackfill.
	TicketOutput struct {
		MatchmakingTicket MatchmakingTicket `json:"MatchmakingTicket"`
	}
	// StopMatchmakingInput is the input of StopMatchmaking.
	StopMatchmakingInput struct {
		TicketID string `json:"TicketId"`
	}
	// ValidateMatchmakingRuleSetInput is the input of ValidateMatchmakingRuleSet.
	ValidateMatchmakingRuleSetInput struct {
		RuleSetBody string `json:"RuleSetBody"`
	}
	// ValidateMatchmakingRuleSetOutput is the output of ValidateMatchmakingRuleSet.
	ValidateMatchmakingRuleSetOutput struct {
		Valid bool `json:"Valid"`
	}
	// RuleSetOutput is the output of CreateMatchmakingRuleSet.
	RuleSetOutput struct {
		RuleSet MatchmakingRuleSet `json:"RuleSet"`
	}
	// DescribeMatchmakingRuleSetsInput is the input of DescribeMatchmakingRuleSets.
	DescribeMatchmakingRuleSetsInput struct {
		Names     []string `json:"Names,omitempty"`
		Limit     *int     `json:"Limit,omitempty"`
		NextToken string   `json:"NextToken,omitempty"`
	}
	// DescribeMatchmakingRuleSetsOutput is the output of DescribeMatchmakingRuleSets.
	DescribeMatchmakingRuleSetsOutput struct {
		RuleSets  []MatchmakingRuleSet `json:"RuleSets"`
		NextToken string               `json:"NextToken,omitempty"`
	}
	// NameInput is the input of the delete operations.
	NameInput struct {
		Name string `json:"Name"`
	}
	// ConfigurationOutput is the output of Create- and
	// UpdateMatchmakingConfiguration.
	ConfigurationOutput struct {
		Configuration MatchmakingConfiguration `json:"Configuration"`
	}
	// DescribeMatchmakingConfigurationsInput is the input of
	// DescribeMatchmakingConfigurations.
	DescribeMatchmakingConfigurationsInput struct {
		Names       []string `json:"Names,omitempty"`
		RuleSetName string   `json:"RuleSetName,omitempty"`
		Limit       *int     `json:"Limit,omitempty"`
		NextToken   string   `json:"NextToken,omitempty"`
	}
	// DescribeMatchmakingConfigurationsOutput is the output of
	// DescribeMatchmakingConfigurations.
	DescribeMatchmakingConfigurationsOutput struct {
		Configurations []MatchmakingConfiguration `json:"Configurations"`
		NextToken      string                     `json:"NextToken,omitempty"`
	}
	// ReportPlayersLeftInput is the input of ReportPlayersLeft.
	ReportPlayersLeftInput struct {
		GameSessionArn string   `json:"GameSessionArn"`
		PlayerIDs      []string `json:"PlayerIds"`
	}
	// EndGameSessionInput is the input of EndGameSession.
	EndGameSessionInput struct {
		GameSessionArn string `json:"GameSessionArn"`
	}
	// Empty is the output of operations that return nothing.
	Empty struct{}
)
