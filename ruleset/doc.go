// Package ruleset reads, validates, compiles and evaluates Amazon GameLift
// FlexMatch rule sets, unchanged.
//
// # Pipeline
//
// A rule-set body goes through three stages, like a compiler:
//
//	doc, err := ruleset.Parse(body)   // lenient JSON (D1): comments, trailing commas
//	err = doc.Validate()              // every problem at once, each with a JSON path (D6)
//	rs, err := ruleset.Compile(doc)   // property expressions -> programs; expansion phases
//
// Load does all three. Validation errors are an *ErrorList whose entries
// carry a path and a sentence a designer can act on, for example
//
//	rules[2].operation: is "<" without a referenceValue; without one only = (all equal) and != (all different) apply
//
// # Evaluating candidates
//
// The engine builds candidate matches (tickets placed on teams) and asks an
// Evaluator whether they pass:
//
//	ev := rs.NewEvaluator(locations)     // one per goroutine; reuses its buffers
//	var c ruleset.Candidate
//	c.Add(resolvedTicket, teamIndex)     // ... for each ticket
//	ok := ev.Evaluate(&c, rs.At(wait), ruleset.Final)
//	for i, r := range ev.Results() { ... } // per-rule pass/fail, for ruleEvaluationMetrics
//
// rs.At(wait) returns the effective values after the expansions whose wait
// time has passed (D5, D12). Final mode checks every rule (D7); Partial mode
// checks a candidate that is still being filled, skipping what more players
// could still fix (team-size rules that use count, and collection bounds
// that only grow toward passing); Structural mode checks only batchDistance
// and latency rules. Evaluation does not allocate once the evaluator is
// warm, except for expression rules.
//
// # Semantics
//
// Property expressions (teams[...] and team[...] selectors, players,
// attributes[x], players[playerId], and the functions min, max, avg, median,
// sum, count, stddev, flatten and set_intersection) follow SPEC.md section 4:
// aggregates apply to each innermost list; flatten removes the outermost
// level of nesting. An aggregate of an empty list has no value, and a rule
// whose measurement or reference has no value passes (D8). A definition
// with quantity n yields teams <name>_1 ... <name>_n; its base name selects
// all of them (D2). Rules referenced by a compound rule are evaluated only
// through it (D3). Comparison, distance, collection, latency and batchDistance
// rules follow D9 to D11.
//
// # The expression rule (an extension)
//
// Beyond FlexMatch, a rule of "type": "expression" holds an expr-lang
// boolean expression over the candidate match, for conditions FlexMatch
// cannot express:
//
//	{"name": "CloseTeams", "type": "expression",
//	 "expression": "max(map(teams, avg(map(.players, .skill)))) - min(map(teams, avg(map(.players, .skill)))) <= gap",
//	 "parameters": {"gap": 10}}
//
// The environment holds teams (each with name, size and players) and
// players (each with id, team, latency by location name, and every declared
// attribute by name), the rule's parameters as numbers, expr-lang's
// built-in functions (less now, date, duration and timezone, which would
// make matching depend on the clock), and avg, stddev, count and
// set_intersection. The expression is type-checked when the rule set is
// validated, limited to MaxExtensionNodes nodes and a run-time memory budget,
// and each parameter is an expansion target (rules[CloseTeams].gap). It is
// checked on complete candidates only, unless the rule says "partial": true.
//
// # Concurrency
//
// A RuleSet is immutable and safe for concurrent use. An Evaluator is not.
package ruleset
