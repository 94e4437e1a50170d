// Package bench simulates matchmaking traffic against a rule set on a
// virtual clock and measures what the engine costs: workload generators,
// the simulator, its report, a brute-force matcher as the baseline, and the
// Go benchmarks that hold the engine to its performance targets.
//
// # Simulating
//
// Simulate drives an engine.Engine on a virtual clock: tickets arrive from
// a Population's arrival process, the engine steps every Options.Tick (one
// virtual second by default), and the simulated players answer proposed
// matches and leave games. After Options.Duration the arrivals stop and the
// simulator keeps stepping until every ticket has ended. An hour of traffic
// takes seconds of wall time.
//
//	r, err := bench.Simulate(ctx, bench.Options{
//		RuleSet:  body,              // empty: the embedded ranked 5v5 rule set
//		Population: &pop,            // nil: the default, or DerivePopulation(rule set)
//		Duration: time.Hour,
//		Seed:     1,
//	})
//	r.WriteText(os.Stdout)           // or os.Stdout.Write(r.JSON())
//
// The same options and seed give the same Report apart from its Cost (wall
// time and heap). Randomness comes from math/rand/v2 PCG sources seeded
// from Options.Seed: one for arrivals, one per ticket for the players (so
// ticket i's players depend only on the seed and i), one for the players'
// behaviour; no decision depends on map order.
//
// # The Population format
//
// A Population is JSON (DecodePopulation, LoadPopulation); every field but
// arrivals.ratePerMinute is optional:
//
//	{
//	  "description": "free text",
//	  "arrivals": {
//	    "process": "poisson",          // or "daily"
//	    "ratePerMinute": 3000,         // tickets per minute (the daily mean)
//	    "peakHour": 20,                // daily: hour of the peak, UTC (default 20)
//	    "peakToTrough": 4              // daily: peak rate / trough rate (default 4)
//	  },
//	  "parties": [{"size": 1, "weight": 80}, {"size": 2, "weight": 15}, {"size": 3, "weight": 5}],
//	  "attributes": {
//	    "skill":  {"type": "number", "dist": "normal", "mean": 1500, "sd": 300},
//	    "wealth": {"type": "number", "dist": "lognormal", "mu": 3, "sigma": 1, "max": 10000},
//	    "kills":  {"type": "number", "dist": "pareto", "scale": 1, "shape": 2.5, "round": true},
//	    "league": {"type": "number", "dist": "uniform", "min": 1, "max": 6, "round": true},
//	    "role":   {"type": "number", "values": [{"value": 0, "weight": 5}, {"value": 1}]},
//	    "map":    {"type": "string", "values": [{"value": "dust", "weight": 3}, {"value": "nuke"}], "shared": true},
//	    "modes":  {"type": "string_list", "values": [{"value": "ctf"}, {"value": "tdm"}], "minItems": 1, "maxItems": 2},
//	    "prefs":  {"type": "string_number_map", "values": [{"value": "dust"}, {"value": "nuke"}],
//	               "maxItems": 2, "dist": "uniform", "min": 0, "max": 100},
//	    "title":  {"type": "string", "values": [{"value": "none"}], "missing": 0.5}
//	  },
//	  "locations": [{"name": "us-east-1", "weight": 4}, {"name": "eu-west-1", "weight": 3}],
//	  "latency": {"near": {"mean": 35, "sd": 15}, "far": {"mean": 160, "sd": 40}},
//	  "behavior": {
//	    "rejectRate": 0.02, "ignoreRate": 0.01,
//	    "acceptDelaySeconds": {"dist": "lognormal", "mu": 1, "sigma": 0.5},
//	    "leaveRate": 0.1, "leaveAfterSeconds": {"mean": 600, "sd": 200}
//	  }
//	}
//
// Arrivals: "poisson" is a steady Poisson process; "daily" is a Poisson
// process whose rate is a cosine over the 24 hours of the virtual clock
// (UTC), averaging ratePerMinute, highest at peakHour and peakToTrough
// times the lowest twelve hours later.
//
// Parties: the number of players per ticket, drawn by weight (1 to 10
// players; omitted weights count as 1); no parties means solo tickets.
//
// Attributes, keyed by the rule set's attribute name, each with the type
// the rule set declares ("number", "string", "string_list",
// "string_number_map"):
//   - numbers come from a distribution: "normal" (mean, sd; the default),
//     "lognormal" (mu, sigma of the logarithm), "pareto" (scale = the
//     minimum x_m, shape = alpha) or "uniform" (min, max); min and max
//     clamp the others; round rounds to integers. Or from weighted
//     "values", given as numbers.
//   - strings are weighted "values".
//   - string lists hold minItems to maxItems (default 1 and minItems)
//     distinct items drawn by weight from "values".
//   - string-number maps have minItems to maxItems keys drawn like list
//     items, each with a number from the attribute's distribution.
//   - "missing" is the probability a player leaves the attribute out (the
//     rule set's default applies); "shared" gives every player of a party
//     the ticket's first value (string batch attributes need it).
//
// Attributes the rule set declares but the population does not generate
// are left out of requests. Generation visits attributes in name order.
//
// Locations and latency: each ticket draws a home location by weight; each
// of its players has a latency to the home location from latency.near and
// to every other location from latency.far, normal, rounded, and at least
// 1 ms (defaults near N(40, 15), far N(150, 40)). No locations means no
// latency data.
//
// Behaviour: when the configuration requires acceptance, each asked player
// ignores the match with probability ignoreRate (the acceptance times
// out), rejects it with probability rejectRate, and otherwise accepts,
// after acceptDelaySeconds. With leaveRate, each matched player leaves the
// game with that probability leaveAfterSeconds after the match, reported
// with Engine.ReportPlayersLeft (with BackfillMode AUTOMATIC the engine
// then backfills the slot). No one leaves after the arrivals stop. Each
// game lasts gameSeconds (about half an hour by default); then the
// simulator ends its game session with Engine.EndGameSession, so that a day
// of automatic backfill holds only the games still running.
//
// Population.Validate reports every problem with its JSON path, the
// problem and the limit; DecodePopulation adds the line and column, for
// example
//
//	invalid population: line 2, column 53: arrivals.ratePerMinute: is 0; it must be more than 0 tickets per minute
//
// and Population.Check the problems of using it with a rule set (an
// attribute the rule set does not declare, a type that differs from the
// declaration, a required attribute not generated).
// DerivePopulation builds a population for any rule set from its
// attributes, teams and rules; ExamplePopulation returns the populations
// shipped for the published FlexMatch example rule sets.
//
// # Benchmarks
//
// Workload builds engines and pools for the Go benchmarks (bench_test.go)
// and "matchforge bench": a bulk step over a pool of fresh tickets, and a
// steady step with a full waiting pool (held back from matching, see
// Workload.WaitingInputs) and a trickle of new tickets. Oracle is the
// brute-force baseline: it scans the whole pool for each anchor, O(n^2)
// rule evaluations. Run the benchmarks with
//
//	go test ./bench -run '^$' -bench . -benchmem
//	go test ./bench -run '^$' -bench 'Step/bulk/pool=1m' -benchtime 3x   # the million-ticket pool
//
// The pool=1m benchmarks are skipped with -short.
//
// # Concurrency
//
// Simulate, NewWorkload and the package functions are safe for concurrent
// use on different values; a Generator, Workload, ArrivalClock or Oracle
// is not.
package bench
