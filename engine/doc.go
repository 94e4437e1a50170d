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
// it fails (build.go, repair.go). The partial and structural checks run on
// ruleset.Incremental when the rule set allows: a ticket joining or
// leaving the candidate updates each rule's running aggregates, so adding
// one costs O(rules) rather than O(rules x players); the final check is
// always the full evaluator. A ticket that cannot match is not
// anchored greedily again until an expansion step applies to it, so that
// part of a step costs in proportion to the tickets that changed and the
// matches formed. In a steady pool most arrivals cannot match yet, and
// five shortcuts spare their work: an arrival whose compatible neighbours
// cannot bring it to a match's smallest size in any expansion phase it
// reached (only tickets as old as the phase, within one window of its
// batchDistance and its latency bound at one location: a match's values
// are its newest member's, D12) anchors no build, nor does its older
// neighbour (anchorsFor, noMatchWith, reachableWith); an arrival that can
// is built only from the window, location and ages where that room was
// found (reachHint); a candidate that breaks that spread skips its team checks (spreadFails);
// an anchor that failed in this step with the pool unchanged is not built
// again (repeats); a small pool whose latency groups overlap is searched
// through one sorted array (pool.NearestAll). The last three change no
// result.
//
// A step that brings at least 256 tickets to an empty pool (a cold start,
// a burst after an outage, a bulk load) matches them first by the sorted
// sweep (sweep.go), before they enter the pool's indexes: grouped by home
// location, sorted by the batchDistance attribute (or the first number
// attribute), cut into runs of one match's worth, dealt onto the teams and
// given the final check. It applies to small rule sets with fixed team
// sizes and no sort rules; what it leaves waits for the rotation and its
// next expansion step.
//
// Then the rotation (rotate.go) spends at most Config.SearchBudget more
// units: an exhaustive, resumable search over the compositions around one
// waiting ticket after another, in age order, so that no composition the
// greedy build misses (a rule only a complete match can judge, a backlog
// in the way) stays unfound. Around an anchor it walks every subset of its
// nearest 64 compatible candidates on every team with room, prunes where a
// batchDistance or latency rule fails at the most relaxed values, and
// gives every node where each team has its minimum the final check; a
// step ends the walk where its units run out and the next goes on. An
// anchor whose candidates cannot bring it to a match's fewest players
// (counted as for an arrival, per expansion phase, location and window)
// has no walk: its turn costs only its collection. An
// anchor may use SearchBudget << pass units in one pass over the pool: a
// pass where some anchor ran out doubles it (at most 16 times), and any
// change (a changed anchor, a match) starts again from one budget.
//
// Completeness. For a small rule set, let a configuration's waiting tickets
// stop changing (no arrival, cancellation, expansion step or timeout). Let
// N be their number, B the SearchBudget, T the teams, P the most tickets a
// match can hold (its most players at the most relaxed values), W =
// min(N-1, 64), D = sum over k from 0 to P-1 of C(W, k) * T^(k+1) (the
// nodes of one anchor's walk), S(A) = ceil(N * (1 + W + min(D, A)) / B) + 1
// (the steps of a pass in which each anchor may use A units), and p* the
// least p with B * 2^p >= D. If some of the tickets form a valid match
// whose tickets are all among the 64 candidates of one of them (always so
// when N <= 65) and p* <= 16, the engine forms a match within
//
//	R = 1 + S(B) + S(B) + S(2B) + ... + S(B * 2^p*)
//
// steps, whatever SearchBudget is and whatever else waits; each step's
// rotation costs at most B units plus one collection of 64 candidates.
// TestCompleteness checks it with rapid against a brute-force search.
//
// Large rule sets (41 to 200 players) are matched by the
// balanced algorithm instead (large.go): batches grouped by location and
// batch attributes, sorted by the balanced attribute, cut into matches,
// filled in the documented team order and balanced. tuning.go names and
// explains every constant that bounds the search.
//
// # Snapshots
//
// Engine.Snapshot writes the whole state to an io.Writer, and Restore (or
// RestoreWith, for rule sets that need Go rule types) reads it back into a
// new engine, so that nothing is lost on restart:
//
//	e.Step(now)                 // or e.Events(): Snapshot refuses while events wait
//	err := e.Snapshot(f)
//	...
//	e, err := engine.Restore(f, cfg) // cfg as before; Seed is not used
//
// What is saved: every configuration, current or removed (with its rule
// set's body, compiled again on restore, and every earlier version that a
// game session still points to), every ticket in every status (QUEUED,
// SEARCHING, blocked, REQUIRES_ACCEPTANCE with the answers so far, PLACING,
// and ended tickets until TicketRetention forgets them; forgotten tickets
// that a game session's match still lists), pending acceptances and
// placements with their deadlines, game sessions with their players,
// automatic backfill and lifetimes, the random source's state, the event
// sequence number, the arrival and build counters, rule metrics and wait
// estimates, the location table (ids and holder counts as they are, since
// ids key the pools' trees), every queue and heap in its exact order, each
// pool's entries with their sequence numbers and stage periods (see
// pool.Pool.Saved; the staging slices are rebuilt from them and answer in
// the same order), and the large-match sweep's state. The match builder and
// the rule evaluators keep only scratch and caches between steps, and are
// not saved. Events already returned are not part of the state; events
// still waiting to be taken make Snapshot refuse (ErrInvalid), so that none
// is lost or delivered twice. An engine that a Runner owns is snapshotted
// inside Runner.Do, where no event waits: the Runner hands each one out as
// it happens.
//
// The guarantee: an engine restored from a snapshot taken at any point
// between operations continues exactly as the original would: the same
// later operations give the same events, byte for byte, and the same
// answers to Ticket, Tickets, GameSession, Counts, RuleMetrics and Pending.
// Snapshot is a read: the engine does not change, and Snapshot, Restore,
// Snapshot gives the same bytes. Two things differ by design: times come
// back in UTC (without a monotonic clock reading), and the restored
// configurations hold new *ruleset.RuleSet values (compiled from the same
// bodies), so an UpdateConfiguration that means to keep the rule set
// passes the one Configuration returns. Restore with another cfg than the
// snapshotted engine had gives that cfg's behaviour from then on
// (NoStaging excepted: it never changes an outcome).
//
// The format: the magic "MFSNAP", the format version (SnapshotVersion, now
// 2: version 1 lacks the rotation's place, which a version 1 snapshot
// restores empty) as a little-endian uint16, the payload's length as a uint64, the
// payload (varints, strings and float64 bits; the layout is in
// snapstate.go), and a CRC-32C of everything before it. Restore refuses,
// with an *Error wrapping ErrSnapshot that says what is wrong ("checksum
// mismatch", "truncated at byte N", "version 3 is newer than this engine
// reads (2)", or the inconsistency it found), a snapshot that is not one,
// is damaged, truncated, of a newer version or inconsistent, and loads
// nothing. Restore reads every version up to SnapshotVersion.
//
// The cost, at 100,000 waiting tickets of the default ranked 5v5 rule set
// (BenchmarkSnapshot and BenchmarkRestore): about 190 bytes per ticket
// (19 MB), about 150 ms to write and 200 ms to read on one core of a
// server: O(n log n) time for n tickets, matches and sessions, and one
// buffer the size of the snapshot.
//
// # Errors
//
// Operations fail with an *Error wrapping ErrInvalid or ErrNotFound, with
// a message that names the field, the problem and the limit. A failed
// operation changes nothing (D25). The decisions cited as D1 to D25 are
// described in docs/semantics.md.
package engine
