// Package engine is matchforge's matchmaking core: FlexMatch configurations
// and rule sets, tickets and their lifecycle, match building, acceptance,
// backfill, and the events every change produces.
//
// # The caller's loop
//
// The Engine is deterministic and single-threaded, like a state machine:
// time is an input and output comes back as events.
//
//	e, _ := engine.New(engine.Config{Seed: 1})
//	e.CreateMatchmakingRuleSet(now, engine.CreateMatchmakingRuleSetInput{Name: "ranked", RuleSetBody: body})
//	e.CreateMatchmakingConfiguration(now, engine.CreateMatchmakingConfigurationInput{
//		Name: "ranked", RuleSetName: "ranked", RequestTimeoutSeconds: 120})
//	t, err := e.StartMatchmaking(now, engine.StartMatchmakingInput{ConfigurationName: "ranked", Players: players})
//	for {
//		for _, ev := range e.Step(time.Now()) { // expire, search, match
//			handle(ev)
//		}
//	}
//
// Operations queue the events they cause; Step returns them with its own,
// and Events drains them without stepping. The same configuration, inputs
// and Config.Seed give byte-identical events. Runner wraps an Engine for
// concurrent use: it steps on the real clock and delivers events on
// channels.
//
// # Ticket statuses and events
//
// Every change of a ticket's status produces exactly one event (D18):
//
//	QUEUED -> SEARCHING              MatchmakingSearching (at the next Step; also when a
//	                                 ticket returns to the search after a failed acceptance)
//	SEARCHING -> REQUIRES_ACCEPTANCE PotentialMatchCreated (acceptanceRequired true)
//	SEARCHING -> PLACING             PotentialMatchCreated (acceptanceRequired false), WITH_QUEUE
//	REQUIRES_ACCEPTANCE -> PLACING   AcceptMatchCompleted (acceptance Accepted), WITH_QUEUE
//	-> COMPLETED                     MatchmakingSucceeded
//	-> CANCELLED                     MatchmakingCancelled
//	-> TIMED_OUT                     MatchmakingTimedOut
//	-> FAILED                        MatchmakingFailed
//
// In STANDALONE mode (the default, D14) a match that needs no acceptance
// emits PotentialMatchCreated and then MatchmakingSucceeded in the same
// step; one that needs acceptance emits AcceptMatchCompleted and then
// MatchmakingSucceeded. AcceptMatch events record players' answers, and
// AcceptMatchCompleted with Rejected or TimedOut is followed by the
// MatchmakingCancelled and MatchmakingSearching events of the match's
// tickets (D15). StatusAfter gives the status each event leads to.
//
// # Matching
//
// Each configuration keeps its SEARCHING tickets in a pool.Pool indexed by
// age, by the rule set's batch attributes and by latency per location. A
// step tries each new or changed ticket, oldest first, as an anchor:
// candidates come from the most selective index, are ordered by the
// batching preference and the sort rules, and join the candidate match on
// the first team (in the fill order of D13) where the partial match still
// passes; the complete match is then checked against every rule (D7),
// repaired by swapping or dropping tickets if it fails. A ticket that cannot
// match is not tried again until an expansion step applies to it, so a step
// costs in proportion to the tickets that changed and the matches formed.
// Large rule sets (41 to 200 players) are matched by the balanced algorithm
// instead: batches grouped by location and batch attributes, sorted by the
// balanced attribute, cut into matches, filled in the documented team order
// and balanced.
//
// # Errors
//
// Operations fail with an *APIError wrapping ErrInvalidRequest,
// ErrNotFound or ErrLimitExceeded, with a message that names the field,
// the problem and the limit. A failed operation changes nothing (D25).
package engine
