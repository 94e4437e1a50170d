// Package examples holds twelve ready-to-run matchmaking examples, one
// directory each. Every example is a FlexMatch rule set written for this
// project, a population of simulated players for the bench package, and a
// matchmaking configuration in the form of a GameLift
// CreateMatchmakingConfiguration request body:
//
//	examples/<name>/ruleset.json     the rule set (FlexMatch rule language 1.0)
//	examples/<name>/population.json  the traffic (bench.DecodePopulation reads it)
//	examples/<name>/config.json      the configuration (gamelift.CreateMatchmakingConfigurationInput)
//
// Together they cover every rule type (batchDistance, comparison, distance,
// collection, latency, absoluteSort, distanceSort and compound), team and
// rule expansions, teams with a quantity, both algorithm strategies and
// their batching preferences, large matches of up to 120 players, matches
// that need acceptance, queued placement and automatic backfill. The
// README.md beside these files says which example shows what.
//
// The files are embedded: Names lists the examples and Read returns one, so
// a program or test can use them without the source tree. From a clone of
// the repository, simulate one with the command-line tool:
//
//	go run ./cmd/matchforge simulate \
//	    --ruleset examples/three-teams/ruleset.json \
//	    --population examples/three-teams/population.json \
//	    --config examples/three-teams/config.json --duration 5m
package examples
