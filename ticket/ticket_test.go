package ticket_test

import (
	"reflect"
	"testing"

	"github.com/matchforge/matchforge/ticket"
)

func TestStatusHelpers(t *testing.T) {
	tests := []struct {
		s                       ticket.Status
		terminal, active, valid bool
	}{
		{ticket.StatusQueued, false, true, true},
		{ticket.StatusSearching, false, true, true},
		{ticket.StatusRequiresAcceptance, false, true, true},
		{ticket.StatusPlacing, false, true, true},
		{ticket.StatusCompleted, true, false, true},
		{ticket.StatusFailed, true, false, true},
		{ticket.StatusCancelled, true, false, true},
		{ticket.StatusTimedOut, true, false, true},
		{"", false, false, false},
		{"queued", false, false, false},
		{"CANCELED", false, false, false},
		{"MATCHED", false, false, false},
	}
	for _, tc := range tests {
		if got := tc.s.Terminal(); got != tc.terminal {
			t.Errorf("%q.Terminal() = %v, want %v", tc.s, got, tc.terminal)
		}
		if got := tc.s.Active(); got != tc.active {
			t.Errorf("%q.Active() = %v, want %v", tc.s, got, tc.active)
		}
		if got := tc.s.Valid(); got != tc.valid {
			t.Errorf("%q.Valid() = %v, want %v", tc.s, got, tc.valid)
		}
	}
	// The eight statuses are the GameLift MatchmakingConfigurationStatus enum,
	// in lifecycle order.
	want := []ticket.Status{"QUEUED", "SEARCHING", "REQUIRES_ACCEPTANCE", "PLACING", "COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"}
	if !reflect.DeepEqual(ticket.Statuses, want) {
		t.Errorf("Statuses = %v, want %v", ticket.Statuses, want)
	}
	for _, s := range ticket.Statuses {
		if s.Terminal() == s.Active() {
			t.Errorf("%s is both or neither terminal and active", s)
		}
	}
}

func TestReasonCodes(t *testing.T) {
	got := []string{
		ticket.ReasonDuplicatePlayer, ticket.ReasonAcceptanceRejected, ticket.ReasonAcceptanceTimeout,
		ticket.ReasonRequestTimeout, ticket.ReasonCancelledByRequest, ticket.ReasonReplacedByNewBackfill,
		ticket.ReasonPlacementFailed, ticket.ReasonMissingAttribute,
	}
	want := []string{"DUPLICATE_PLAYER", "ACCEPTANCE_REJECTED", "ACCEPTANCE_TIMEOUT", "REQUEST_TIMEOUT",
		"CANCELLED_BY_REQUEST", "REPLACED_BY_NEW_BACKFILL", "PLACEMENT_FAILED", "MISSING_ATTRIBUTE"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reason codes = %v, want %v (D19, D20)", got, want)
	}
}
