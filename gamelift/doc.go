// Package gamelift speaks the GameLift JSON API for the FlexMatch
// operations: request and response shapes in the exact JSON of the API
// model, errors as {"__type": "<ExceptionName>", "message": "..."}, and
// Dispatch, which maps an operation name and its JSON body onto an
// engine.Engine call.
//
// Replay runs a scenario (JSON Lines of {"at", "op", "input"}) on a virtual
// clock through Dispatch and writes each line's output and every event as
// JSON Lines; it is what "matchforge replay" runs. Since match ids are made
// by the engine, a scenario's input may write "$match:TICKET" for the id of
// the match the events last put TICKET in. The golden scenarios in
// testdata/scenarios show every operation and lifecycle path; regenerate
// their outputs with "go test ./gamelift -run TestScenarios -rewrite" and
// review the diff.
//
// Beyond the GameLift operations, Dispatch knows three of this library's:
// CompletePlacement and FailPlacement report the placement of a WITH_QUEUE
// match (D14), and ReportPlayersLeft reports players who left a game
// session, for automatic backfill.
package gamelift
