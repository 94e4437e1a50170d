// Package lint holds no code, only a test: a lint that runs as an ordinary
// Go test (go test ./internal/lint/) and keeps the habits of DESIGN.md that
// a compiler cannot see. It reads the repository's source with go/parser
// and go/types, using nothing outside the standard library.
//
// # Rules
//
// Each rule is a subtest of TestLint, so a failure names the rule and every
// line it found as file:line. Three more subtests guard the lint itself:
// scanned (every package of the tables exists, and each core package has at
// least a few files), type-check (the core type-checks, so map-range sees
// every type) and exceptions (see Scope).
//
//   - wall-clock: a core package (ticket, ruleset, pool, engine) does not
//     use time.Now, time.Since, time.Until, time.Sleep, time.After,
//     time.Tick, time.NewTimer or time.NewTicker. Time is an input.
//   - goroutines: a core package starts no goroutine.
//   - global-randomness: a core package uses no package-level function of
//     math/rand or math/rand/v2 other than the constructors (rand.New,
//     rand.NewSource, rand.NewPCG, rand.NewChaCha8, rand.NewZipf), and does
//     not import crypto/rand. Randomness comes from the seeded source in the
//     engine's config.
//   - map-range: a core package does not range over a map (or over
//     maps.Keys, maps.Values or maps.All of one) in non-test code, unless
//     the range statement carries the marker comment (see below).
//   - imports-direction: imports between the project's packages follow the
//     table allowedImports (ticket <- ruleset, pool <- engine <- gamelift,
//     bench <- cmd/matchforge). A package under an internal/ directory
//     counts as the package it belongs to (engine/internal/x is engine); a
//     package missing from the table fails until it is added.
//   - imports-confined: github.com/tidwall/btree is imported only by pool,
//     github.com/expr-lang/expr only by ruleset.
//   - imports-core-forbidden: the core packages import no server, metrics
//     or cluster dependency (net/http, github.com/aws/...,
//     go.opentelemetry.io/..., github.com/nats-io/...).
//
// # The README's snippets
//
// TestReadmeSnippetsCompile type-checks every Go snippet of README.md, as
// written, as the body of a function that may use the module's packages and
// the standard library's context, encoding/json, errors, fmt and time. A
// snippet names the variables it uses without declaring them in an HTML
// comment on the line before its fence, such as
// "<!-- given: body []byte; ctx context.Context -->". Unused variables and
// imports are forgiven; anything else (a renamed function, a changed
// signature) fails the test with the snippet's line in README.md.
//
// # The map-range marker
//
// A range over a map is accepted when a comment on the same line as the for
// keyword, or a comment ending on the line above it, contains "order does
// not matter" (any case) together with the reason, in words, why:
//
//	for loc := range p.LatencyInMs { // only asks whether any is new: order does not matter
//
//	// sets a flag on each: order does not matter
//	for _, m := range e.sessions {
//
// A bare "// order does not matter" is not enough. To decide while ranging,
// range over sorted keys instead: slices.Sorted(maps.Keys(m)).
//
// # Scope
//
// All rules look at non-test files only (files ending in _test.go are the
// core's callers, and may sleep, time out and start goroutines). The few
// exceptions are data at the top of lint_test.go, each with its reason; an
// exception that no longer matches anything fails the exceptions subtest,
// so the list cannot grow stale.
//
// TestLintSelf runs every rule on small in-memory sources that must be
// flagged (and a few that must not), and TestLint checks that it scanned a
// non-trivial number of files of each core package, so the lint cannot pass
// by looking at nothing.
package lint
