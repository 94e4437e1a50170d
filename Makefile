# Developer commands. Each is a plain go command; see README.md.
.PHONY: test race fuzz bench lint simulate

test:
	go test ./...

race:
	go test -race ./...

# Runs each fuzz target for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	go test ./ruleset -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME)
	go test ./ruleset -run '^$$' -fuzz FuzzStandardJSON -fuzztime $(FUZZTIME)
	go test ./ruleset -run '^$$' -fuzz FuzzGoRuleLoadWith -fuzztime $(FUZZTIME)
	go test ./ticket -run '^$$' -fuzz FuzzAttributeValueJSON -fuzztime $(FUZZTIME)
	go test ./gamelift -run '^$$' -fuzz FuzzDispatch -fuzztime $(FUZZTIME)
	go test ./gamelift -run '^$$' -fuzz FuzzReadScenario -fuzztime $(FUZZTIME)
	go test ./bench -run '^$$' -fuzz FuzzDecodePopulation -fuzztime $(FUZZTIME)
	go test ./internal/codec -run '^$$' -fuzz FuzzDec -fuzztime $(FUZZTIME)
	go test ./internal/strictjson -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)
	go test ./internal/rpcv2 -run '^$$' -fuzz FuzzRequestToJSON -fuzztime $(FUZZTIME)
	go test ./internal/sigv4 -run '^$$' -fuzz FuzzVerify -fuzztime $(FUZZTIME)
	go test ./internal/sigv4 -run '^$$' -fuzz FuzzParseCredentials -fuzztime $(FUZZTIME)
	go test ./server -run '^$$' -fuzz FuzzHandler -fuzztime $(FUZZTIME)
	go test ./oplog -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME)

# Every benchmark but the million-ticket ones (skipped with -short; run
# them with: go test ./bench -run '^$$' -bench 'pool=1m' -benchtime 3x -timeout 30m).
bench:
	go test ./... -short -run '^$$' -bench . -benchmem

lint:
	gofmt -l . | (! grep .)
	go vet ./...
	go mod tidy -diff
