// Package server serves the GameLift FlexMatch API over HTTP, so that code
// written against the AWS SDKs, the AWS CLI or boto3 runs against matchforge
// by changing only the endpoint. It is what "matchforge serve" runs.
//
// # Routes
//
// One port carries both wire protocols that GameLift clients speak, and the
// server's own endpoints:
//
//   - POST / with X-Amz-Target: GameLift.<Operation> and Content-Type
//     application/x-amz-json-1.1: awsJson1_1, spoken by the AWS CLI, boto3
//     and the AWS SDK for Go v2 gamelift client up to v1.50.1. Errors are
//     HTTP 400 {"__type": "...", "message": "..."}.
//   - POST /service/GameLift/operation/<Operation> with Content-Type
//     application/cbor: Smithy RPC v2 CBOR, spoken by the AWS SDK for Go v2
//     gamelift client since v1.53.0. Answers carry Smithy-Protocol:
//     rpc-v2-cbor, timestamps are CBOR tag 1, and errors are a map of
//     "__type" and the message.
//   - GET /events: every event as Server-Sent Events (see below).
//   - GET /healthz (the process is up), GET /readyz (the engine is being
//     stepped: 503 while starting or stopping), GET /metrics (Config.Metrics).
//
// Every operation of package gamelift is served, including this library's
// CompletePlacement, FailPlacement, ReportPlayersLeft and EndGameSession.
// A request that is refused, at any layer (method, route, content type,
// body size, signature, syntax, the operation's own checks), changes
// nothing, and its error names the problem and the limit.
//
// # Signatures
//
// With Config.Credentials set, every API request must carry an AWS
// Signature Version 4 made with one of its keys; a missing, malformed,
// stale or wrong signature is refused (MissingAuthenticationTokenException,
// IncompleteSignatureException, UnrecognizedClientException,
// InvalidSignatureException) before the body is decoded. Without
// credentials any signature, or none, is accepted.
//
// # Events
//
// Every event is rendered once, with exactly the JSON of "matchforge
// replay" (the FlexMatch envelope and detail), and delivered two ways:
//
//   - GET /events streams them as Server-Sent Events, each event's id in
//     the "id:" field. Query parameter configuration (repeatable) filters by
//     configuration name. Last-Event-ID (header, or query parameter
//     lastEventId) resumes after that event from the history of the last
//     Config.EventHistory events; an id the history no longer holds is
//     refused with 410 Gone and EventHistoryExceededException, and a stream
//     that falls more than the history behind receives "event: lost" and
//     ends. A gap is never silent.
//   - A configuration whose NotificationTarget is an http:// or https://
//     URL gets each of its events POSTed there in the SNS message envelope
//     (Type Notification, MessageId the event id, TopicArn the
//     configuration's ARN, Message the event JSON, Timestamp). Each
//     configuration has its own queue and goroutine: its events arrive in
//     order, an event is retried with exponential backoff until the
//     receiver answers 2xx, and the engine never waits for a receiver. A
//     queue holds at most WebhookOptions.QueueSize events; past that, new
//     events are dropped, logged and counted in matchforge.events.dropped.
//
// # Metrics
//
// Through the OpenTelemetry metrics API (Config.MeterProvider), so the
// engine stays free of metrics dependencies: matchforge.http.requests and
// matchforge.http.request.duration (by operation and outcome),
// matchforge.step.duration, matchforge.time_to_match and matchforge.matches
// (by configuration), matchforge.tickets (by configuration and status),
// matchforge.tickets.waiting, and matchforge.events.delivered, .pending and
// .dropped (by sink), matchforge.webhook.retries.
//
// # Durability
//
// With Config.Log (matchforge serve --data-dir), nothing acknowledged is
// lost on a restart. Every change, an operation that changed the state or a
// step, is appended to the log with its time and made durable before the
// request is answered and before the events it caused are published; many
// requests share one sync. Now and then (Config.SnapshotEvery records,
// Config.SnapshotInterval, and when Serve stops) the server writes a
// snapshot: the service's records, the engine's whole state and the event
// history, after which the log drops the records it covers. New restores
// the latest snapshot and replays the records after it, each at its logged
// time: the engine is deterministic, so the state, the event ids and the
// events are exactly those of a server that never stopped, and timers
// (request, acceptance and placement deadlines) continue from the logged
// times: a ticket whose timeout passed while the server was down times out
// at the first step. The events of replayed records go to GET /events
// again (with the history in the snapshot, a client resumes with
// Last-Event-ID across the restart) and to webhooks again: webhook delivery
// is at least once, and an event keeps its id (the SNS MessageId). A log
// that fails to sync stops the server from making changes: it answers them
// with InternalServiceException and /readyz with 503 until it is
// restarted. The times the server gives the engine are wall-clock times
// without a monotonic reading, and never earlier than the last, so that a
// replay decides every deadline as the live server did.
//
// # Backend mode
//
// With Config.Backend the server is the HTTP front end of a cluster node:
// every API request is checked and decoded as above (body size, signature,
// protocol), then passed to Backend.Do with the request's context (it ends
// when the client goes away) and the client's amz-sdk-invocation-id, which
// the AWS SDKs and CLI keep the same across the retries of one call, so a
// backend can recognise a retry. Do, DoContext and Setup go to the backend
// too. The backend's errors are answered as the service's are (400, or 500
// for InternalServiceException). Serve steps nothing. GET /events serves
// the events given to PublishEvents, which drops those whose id the
// history already holds (an event delivered again after a failover).
// There are no webhooks and no ticket gauges; read GET /events or the
// cluster's event stream instead. Backend.Do is called from many
// goroutines at once, one per request, and the server holds no lock
// around it; PublishEvents may be called from any goroutine, concurrently
// with the requests, and never waits for an SSE reader.
//
// # Concurrency
//
// All methods of Server are safe for concurrent use. The server holds one
// lock around the service: each operation, each step, and the hand-off of
// the events they cause run under it, one at a time, so the core stays
// single-threaded and events keep the engine's order. Delivery (SSE
// streams, webhooks, metrics) happens outside the lock. With a log, Serve's
// stop refuses further changes with ErrStopped (reads still work) and
// makes every record durable in its last snapshot before it closes the
// log, so an operation in progress, an in-process Do included, is answered
// as it would have been.
package server
