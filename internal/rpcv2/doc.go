// Package rpcv2 bridges the bodies of the Smithy RPC v2 CBOR protocol to
// the JSON that the gamelift service works in.
//
// The AWS SDK for Go v2 gamelift client (v1.53.0 on) speaks only RPC v2
// CBOR: it POSTs to /service/GameLift/operation/<Op> with Content-Type
// application/cbor and the header Smithy-Protocol: rpc-v2-cbor, and it
// refuses any response without that header. The service layer takes and
// gives awsJson1_1 JSON. A server therefore runs
//
//	CBOR request --RequestToJSON--> JSON --Dispatch--> output
//	output --json.Marshal--> JSON --ResponseFromJSON--> CBOR response
//
// and answers a failure with ErrorBody. Encoding and decoding are done by
// github.com/aws/smithy-go/encoding/cbor, the codec the SDK itself uses;
// this package adds the checks that codec leaves to its caller (see
// RequestToJSON) and the shapes that JSON cannot express (see
// ResponseFromJSON).
//
// # What the SDK expects
//
// Read from the generated deserializers.go and serializers.go of
// service/gamelift v1.55.0 and from smithy-go v1.28.9 (encoding/cbor's
// AsTime, AsFloat64, AsInt32, AsInt64), and checked by this package's
// tests against the real client:
//
//   - Timestamps must be tag 1. Inside it the SDK takes an integer
//     (within int64) as whole seconds, and a float32 or float64 f as
//     time.UnixMilli(int64(f*1e3)): milliseconds, truncated toward zero.
//     Truncation loses a millisecond whenever the product lands a hair
//     below the whole number: the float64 nearest 17000000.001 reads as
//     17000000.000. Around today's epochs (1.7e9 seconds) no such case
//     turned up in two million consecutive milliseconds tried, but nothing
//     rules one out. So ResponseFromJSON moves a fractional timestamp
//     by a few units in the last place, when needed, to the float whose
//     truncated millisecond is the one the JSON names. The SDK sends its own timestamps as tag
//     1 around a float64 of whole milliseconds.
//   - Doubles (AttributeValue.N, the values of SDM) accept float64,
//     float32, and integers up to 2^54 in magnitude. ResponseFromJSON
//     writes them as float64 all the same, which is exact and what the
//     SDK sends.
//   - Integers (int32 and int64 members such as RequestTimeoutSeconds,
//     EstimatedWaitTime, LatencyInMs) accept only CBOR integers, unsigned
//     or negative, within range: a float, even 5.0, is refused. So a
//     whole number in the JSON must become a CBOR integer.
//   - Errors: with a status other than 200 the SDK decodes the body as a
//     map and reads "__type" for the error's type and "message" (lower
//     case) for the message of an unmodelled error. It matches the type
//     by the part after the last '#', so "InvalidRequestException" and
//     "com.amazonaws.gamelift#InvalidRequestException" both select
//     *types.InvalidRequestException. A modelled exception then takes its
//     Message member from the key "Message" (capitalised), which is what
//     its ErrorMessage returns. ErrorBody writes both keys.
//   - A member whose value is CBOR null is skipped, as if absent; an
//     empty response body is an empty output.
package rpcv2
