// Package gamelift is the GameLift FlexMatch service surface of matchforge,
// around the matching core of package engine: everything that is
// GameLift's wire and service behaviour rather than matching.
//
//   - Service holds rule sets and configurations as API resources (names,
//     ARNs and name-or-ARN references, tags, creation times, pagination,
//     the API's limits) and offers every FlexMatch operation with the
//     API's input and output shapes (shapes.go).
//   - Errors are *Error, {"__type": "<ExceptionName>", "message": "..."};
//     engine errors map to InvalidRequestException and NotFoundException.
//   - Renderer turns engine events into FlexMatch events: the
//     EventBridge-style envelope with ids drawn from the seed and the
//     event's sequence number, and the FlexMatch detail; and a game
//     session into its matchmaker data document. Rendering depends only on
//     the event and the renderer's settings, so any goroutine or process
//     renders an event the same way.
//   - Service.Dispatch maps an operation name and its JSON body onto the
//     service, for servers and replays.
//
// Replay runs a scenario (JSON Lines of {"at", "op", "input"}) on a virtual
// clock through Dispatch and writes each line's output and every event as
// JSON Lines; it is what "matchforge replay" runs. Since match ids and the
// ids of automatic backfill tickets are made by the engine, a scenario's
// input refers to them as "$match:TICKET", "$backfill:TICKET" and
// "$autobackfill:TICKET" (see ReadScenario). The golden scenarios in
// testdata/scenarios show every operation and lifecycle path; regenerate
// their outputs with "go test ./gamelift -run TestScenarios -rewrite" and
// review the diff.
//
// Beyond the GameLift operations, the service knows three of this
// library's: CompletePlacement and FailPlacement report the placement of a
// WITH_QUEUE match (D14), and ReportPlayersLeft reports players who left a
// game session, for automatic backfill.
//
// A Service is not safe for concurrent use; a Renderer is a value and is.
package gamelift
