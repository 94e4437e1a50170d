package ticket

import (
	"slices"
	"time"
)

// Player is one player of a matchmaking or backfill request, in the shape of
// the GameLift Player structure.
type Player struct {
	// PlayerID identifies the player (1 to 1024 characters). A player may be
	// in only one active ticket at a time.
	PlayerID string `json:"PlayerId"`
	// PlayerAttributes holds the player's attribute values by attribute
	// name (at most 10). Attributes the rule set declares are used for
	// matching; the rest are carried along unused.
	PlayerAttributes map[string]AttributeValue `json:"PlayerAttributes,omitempty"`
	// Team is the team the player is on. Backfill requests must set it for
	// every player; on new-match requests it is ignored. After a match, the
	// engine reports the team it assigned here.
	Team string `json:"Team,omitempty"`
	// LatencyInMs maps location names (such as "us-east-1") to the player's
	// latency to that location in milliseconds (each at least 1).
	LatencyInMs map[string]int `json:"LatencyInMs,omitempty"`
}

// Status is the status of a matchmaking ticket.
type Status string

// The eight ticket statuses of FlexMatch.
const (
	StatusQueued             Status = "QUEUED"
	StatusSearching          Status = "SEARCHING"
	StatusRequiresAcceptance Status = "REQUIRES_ACCEPTANCE"
	StatusPlacing            Status = "PLACING"
	StatusCompleted          Status = "COMPLETED"
	StatusFailed             Status = "FAILED"
	StatusCancelled          Status = "CANCELLED"
	StatusTimedOut           Status = "TIMED_OUT"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{
	StatusQueued, StatusSearching, StatusRequiresAcceptance, StatusPlacing,
	StatusCompleted, StatusFailed, StatusCancelled, StatusTimedOut,
}

// Terminal reports whether a ticket in this status is finished for good
// (COMPLETED, FAILED, CANCELLED or TIMED_OUT).
func (s Status) Terminal() bool {
	switch s {
	case StatusCompleted, StatusFailed, StatusCancelled, StatusTimedOut:
		return true
	}
	return false
}

// Active reports whether a ticket in this status still holds its players
// (any of the eight statuses that is not terminal).
func (s Status) Active() bool { return s.Valid() && !s.Terminal() }

// Valid reports whether s is one of the eight statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Status reasons (D19, D20). A ticket's StatusReason carries one of these
// codes when the status needs explaining; StatusMessage carries a sentence.
const (
	ReasonDuplicatePlayer       = "DUPLICATE_PLAYER"
	ReasonAcceptanceRejected    = "ACCEPTANCE_REJECTED"
	ReasonAcceptanceTimeout     = "ACCEPTANCE_TIMEOUT"
	ReasonRequestTimeout        = "REQUEST_TIMEOUT"
	ReasonCancelledByRequest    = "CANCELLED_BY_REQUEST"
	ReasonReplacedByNewBackfill = "REPLACED_BY_NEW_BACKFILL"
	ReasonPlacementFailed       = "PLACEMENT_FAILED"
	ReasonPlacementTimeout      = "PLACEMENT_TIMEOUT"
	ReasonGameSessionEnded      = "GAME_SESSION_ENDED"
	// ReasonMissingAttribute marks a ticket that was accepted but can never
	// match because a player lacks a declared attribute that has no default
	// (D20), or lacks latency data when the rule set has a latency rule (D11).
	ReasonMissingAttribute = "MISSING_ATTRIBUTE"
)

// MatchedPlayerSession pairs a player with the player session created for it.
type MatchedPlayerSession struct {
	PlayerID        string `json:"PlayerId"`
	PlayerSessionID string `json:"PlayerSessionId"`
}

// GameSessionConnectionInfo tells the players of a completed match where to
// connect. Only placed (WITH_QUEUE) matches have it.
type GameSessionConnectionInfo struct {
	GameSessionArn        string                 `json:"GameSessionArn,omitempty"`
	IPAddress             string                 `json:"IpAddress,omitempty"`
	DNSName               string                 `json:"DnsName,omitempty"`
	Port                  int                    `json:"Port,omitempty"`
	MatchedPlayerSessions []MatchedPlayerSession `json:"MatchedPlayerSessions,omitempty"`
}

// Ticket is a matchmaking or backfill request and its current state, with
// the fields of the GameLift MatchmakingTicket structure (the gamelift
// package renders it in the API's JSON shape).
type Ticket struct {
	TicketID          string
	ConfigurationName string
	Status            Status
	// StatusReason is a code from the Reason constants, or empty.
	StatusReason string
	// StatusMessage is a sentence that explains the status, or empty.
	StatusMessage string
	StartTime     time.Time
	// EndTime is set once the ticket is terminal; zero before.
	EndTime time.Time
	Players []Player
	// GameSessionConnectionInfo is set once a ticket of a WITH_QUEUE match
	// is COMPLETED (placed); never for STANDALONE matches or for the
	// backfill ticket itself.
	GameSessionConnectionInfo *GameSessionConnectionInfo
	// EstimatedWaitTime is the engine's estimate of the wait in seconds, or
	// nil when it has too little recent data.
	EstimatedWaitTime *int
}
