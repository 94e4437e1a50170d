// Package engine is matchforge's matching core: configurations of compiled
// rule sets, tickets and their lifecycle, match building, acceptance,
// backfill of running games, and the typed events every change produces.
// The GameLift API around it (resource names and ARNs, request and
// response shapes, limits, exceptions, the FlexMatch JSON of events and the
// matchmaker data document) is package gamelift.
//
// # The caller's loop
//
// The Engine is deterministic and single-threaded, like a state machine:
// time is an input and output comes back as events.
//
//	rs, _ := ruleset.Load(body)
//	e, _ := engine.New(engine.Config{Seed: 1})
//	e.AddConfiguration(now, engine.Configuration{Name: "ranked", RuleSet: rs, RequestTimeout: 2 * time.Minute})
//	t, err := e.StartMatchmaking(now, engine.MatchmakingRequest{Configuration: "ranked", Players: players})
//	for {
//		for _, ev := range e.Step(time.Now()) { // expire, search, match
//			handle(ev) // ev.Kind, ev.Match, ev.Tickets ...
//		}
//	}
//
// Every operation that changes state or depends on time takes now; reads
// (Ticket, Tickets, GameSession, Counts) do not. Operations queue the
// events they cause; Step returns them with its own, and Events drains them
// without stepping. The same configurations, inputs and Config.Seed give
// the same events. Runner wraps an Engine for concurrent use: it steps on
// the real clock and delivers events on channels.
//
// # Ticket statuses and events
//
// Events are typed and compact (Event): a kind, a time, the configuration,
// the match, the tickets by reference (TicketRef), and what only some kinds
// carry (Outcome). They cost no string formatting and no copy of player
// lists. One function of the engine changes a ticket's status, and it
// records the change's event, so every status change has exactly one
// event (D18):
//
//	QUEUED -> SEARCHING              EventSearching (at the next Step; also when a ticket
//	                                 returns to the search after a failed acceptance)
//	SEARCHING -> REQUIRES_ACCEPTANCE EventPotentialMatchCreated (acceptance required)
//	SEARCHING -> PLACING             EventPotentialMatchCreated (no acceptance), WITH_QUEUE
//	REQUIRES_ACCEPTANCE -> PLACING   EventAcceptMatchCompleted (Accepted), WITH_QUEUE
//	-> COMPLETED                     EventSucceeded
//	-> CANCELLED                     EventCancelled
//	-> TIMED_OUT                     EventTimedOut
//	-> FAILED                        EventFailed
//
// In STANDALONE mode (the default, D14) a match that needs no acceptance
// emits EventPotentialMatchCreated and then EventSucceeded in the same
// step; one that needs acceptance emits EventAcceptMatchCompleted and then
// EventSucceeded. EventAcceptMatch records players' answers, and
// EventAcceptMatchCompleted with Rejected or TimedOut is followed by the
// EventCancelled and EventSearching events of the match's tickets (D15).
// StatusAfter gives the status each event leads to.
//
// # Matching
//
// Each configuration keeps its SEARCHING tickets in a pool.Pool indexed by
// age, by the rule set's batch attributes and by latency per location. A
// step tries each new or changed ticket, oldest first, as an anchor:
// candidates come from the most selective index (without one, the tickets
// younger than the anchor first, then the older ones, so that a backlog
// cannot use up a new ticket's budget before it meets another new one), are
// ordered by the batching preference and the sort rules, and join the
// candidate match on the first team (in the fill order of D13) where the
// partial match still passes; the complete match is then checked against
// every rule (D7), repaired by swapping tickets, by trying the other
// candidates seen in place of the last member, or by dropping tickets if
// it fails (build.go, repair.go). A ticket
// that cannot match is not tried again until an expansion step applies to
// it, so a step costs in proportion to the tickets that changed and the
// matches formed. Large rule sets (41 to 200 players) are matched by the
// balanced algorithm instead (large.go): batches grouped by location and
// batch attributes, sorted by the balanced attribute, cut into matches,
// filled in the documented team order and balanced. tuning.go names and
// explains every constant that bounds the search.
//
// # Errors
//
// Operations fail with an *Error wrapping ErrInvalid or ErrNotFound, with
// a message that names the field, the problem and the limit. A failed
// operation changes nothing (D25). The decisions cited as D1 to D25 are
// described in docs/semantics.md.
package engine
