module github.com/matchforge/matchforge/compat/sdkjson

go 1.26.0

require (
	github.com/aws/aws-sdk-go-v2 v1.48.0
	github.com/aws/aws-sdk-go-v2/credentials v1.21.1
	github.com/aws/aws-sdk-go-v2/service/gamelift v1.50.1
	github.com/matchforge/matchforge v0.0.0
)

require (
	github.com/aws/aws-sdk-go-v2/internal/configsources v1.5.12 // indirect
	github.com/aws/aws-sdk-go-v2/internal/endpoints/v2 v2.8.12 // indirect
	github.com/aws/smithy-go v1.28.9 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/expr-lang/expr v1.17.8 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/tidwall/btree v1.8.2 // indirect
	go.opentelemetry.io/otel v1.47.0 // indirect
	go.opentelemetry.io/otel/metric v1.47.0 // indirect
)

// The main module requires the current gamelift client (v1.55.0, Smithy
// RPC v2 CBOR) for its own tests; through the replace below, MVS would
// select it here too. Excluding it drops that requirement, so this module
// builds v1.50.1, the last awsJson1_1 release, as required above.
exclude github.com/aws/aws-sdk-go-v2/service/gamelift v1.55.0

replace github.com/matchforge/matchforge => ../..
