package gamelift_test

import (
	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/ticket"
)

// statusAfter returns the status a rendered event moves its tickets to, or
// "" for an event that changes no ticket's status: the lifecycle of the
// FlexMatch event types (D14-D18), read from the events alone, so that the
// tests check the engine's statuses against what a client of the events
// would conclude. withQueue says whether the match goes through placement
// (a WITH_QUEUE configuration's match without a backfill ticket).
func statusAfter(ev *gamelift.Event, withQueue bool) ticket.Status {
	d := &ev.Detail
	switch d.Type {
	case gamelift.EventPotentialMatchCreated:
		if d.AcceptanceRequired != nil && *d.AcceptanceRequired {
			return ticket.StatusRequiresAcceptance
		}
		if withQueue {
			return ticket.StatusPlacing
		}
		return ""
	case gamelift.EventAcceptMatchCompleted:
		if d.Acceptance == gamelift.AcceptanceAccepted && withQueue {
			return ticket.StatusPlacing
		}
		return ""
	}
	return map[string]ticket.Status{
		gamelift.EventMatchmakingSearching: ticket.StatusSearching,
		gamelift.EventMatchmakingSucceeded: ticket.StatusCompleted,
		gamelift.EventMatchmakingTimedOut:  ticket.StatusTimedOut,
		gamelift.EventMatchmakingCancelled: ticket.StatusCancelled,
		gamelift.EventMatchmakingFailed:    ticket.StatusFailed,
	}[d.Type]
}
