// Package sdkjson is a compatibility test of matchforge's HTTP server
// (package server) against the AWS SDK for Go v2 gamelift client as it was
// up to v1.50.1, when it spoke awsJson1_1: POST / with X-Amz-Target:
// GameLift.<Operation> and Content-Type application/x-amz-json-1.1. Later
// releases (v1.53.0 on) speak Smithy RPC v2 CBOR instead, which the main
// module's own tests cover with the gamelift client its go.mod requires;
// many studios are still pinned to a JSON release, and the server must
// keep answering it.
//
// The package has only tests. It is its own module, so that it can pin
// github.com/aws/aws-sdk-go-v2/service/gamelift v1.50.1 without holding
// the main module's go.mod back; it requires the main module through a
// replace of ../.., so it always tests the code beside it. Through that
// replace the main module's own requirement of the current gamelift
// client would win by minimal version selection, so go.mod excludes that
// version; the AWS SDK core and smithy-go are the main module's newer
// versions, which v1.50.1 builds with. The lifecycle test records every
// request and fails unless each was POST / with X-Amz-Target and the
// awsJson1_1 content type, so a client that quietly became the CBOR one
// would be caught. "go test ./..."
// at the repository root does not enter it: run it with
//
//	cd compat/sdkjson && go test ./...
//
// as .ci/run does.
package sdkjson
