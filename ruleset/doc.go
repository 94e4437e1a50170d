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
// ErrorList.Summary and ErrorList.Lines format the list for a message or a
// terminal, at most MaxListedProblems problems. StandardJSON turns a body
// into strict JSON with the same lenient reader, for packages that decode
// bodies with encoding/json. RuleSet.Rules describes every rule as compiled:
// what it measures, which attributes and teams it reads, its reference
// value and bounds; callers never need to read the body again.
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
// warm, except for expression rules (and Go rules that allocate).
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
// # Go rule types (an extension point)
//
// A studio can add rule types of its own, written in Go. A RuleType names
// the type, declares its JSON properties (number, string, list of strings,
// boolean, attribute name or object; required or not; numbers optionally
// whole, bounded and expandable) and compiles a rule into a GoRule.
// Registration is explicit, per compilation:
//
//	rs, err := ruleset.LoadWith(body, ruleset.Options{RuleTypes: []ruleset.RuleType{roleQueue}})
//
// with rules such as
//
//	{"name": "Roles", "type": "roleQueue", "attribute": "role",
//	 "roles": ["tank", "healer"], "minPerTeam": 1}
//
// A name that a built-in or another registered type has is an error
// wrapping ErrRuleType. The compiler validates such rules like any other:
// unknown properties, values of the wrong kind, missing required ones, and
// attributes that are undeclared or of the wrong type are reported with
// their JSON paths, together with every other problem (D6), and so are the
// problems the type's own Compile finds (rules[3].roles[1]). Expandable
// numbers are expansion targets (rules[Roles].minPerTeam, D5). Attributes
// are resolved to slots at compile time, and Rule.Attributes lists them.
//
// The evaluator runs Go rules in the same loop as the built-in ones, on
// partial and complete candidates (Structural mode skips them), records
// their results for ruleEvaluationMetrics, and lets compound rules name
// them. A rule reads the candidate through Match, a view that costs no
// allocation: teams with their effective sizes, players with their ids and
// attribute values, and the effective values of its expandable properties.
// Evaluation must be pure and deterministic (no clock, randomness or global
// state; GoRule spells out the contract), runs on the Evaluator's
// goroutine, and should not allocate. A panic inside a Go rule is
// recovered: the rule fails and Evaluator.Err reports it. Go rules are not
// available in rule sets for more than 40 players, which allow only
// batchDistance and latency rules (D4). ExampleRuleType shows a whole role
// queue.
//
// # Concurrency
//
// A RuleSet is immutable and safe for concurrent use. An Evaluator is not.
// A Go rule is shared by all Evaluators of its rule set, so it must not
// change what it holds; Match.Ints gives it scratch storage per Evaluator.
package ruleset
