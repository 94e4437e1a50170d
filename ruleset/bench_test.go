package ruleset_test

import (
	"fmt"
	"testing"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// benchFour is a 4-rule set for the 10-player benchmark: a distance rule on
// team averages, a count comparison, a collection intersection and a
// latency rule, over 5v5.
const benchFour = `{
	"ruleLanguageVersion": "1.0",
	"playerAttributes": [
		{"name": "skill", "type": "number", "default": 10},
		{"name": "modes", "type": "string_list", "default": ["dm"]}
	],
	"teams": [{"name": "red", "minPlayers": 5, "maxPlayers": 5}, {"name": "blue", "minPlayers": 5, "maxPlayers": 5}],
	"rules": [
		{"name": "Fair", "type": "distance", "measurements": ["avg(teams[*].players.attributes[skill])"],
		 "referenceValue": "avg(flatten(teams[*].players.attributes[skill]))", "maxDistance": 10},
		{"name": "Equal", "type": "comparison", "measurements": ["count(teams[red].players)"],
		 "referenceValue": "count(teams[blue].players)", "operation": "="},
		{"name": "Modes", "type": "collection", "operation": "intersection",
		 "measurements": ["flatten(teams[*].players.attributes[modes])"], "minCount": 1},
		{"name": "Fast", "type": "latency", "maxLatency": 100}
	]
}`

// benchFive builds the 10-player candidate of benchFour: 5v5, one party of
// two per team, three locations.
func benchFive(t testing.TB, rs *ruleset.RuleSet, locs *ticket.Locations) *ruleset.Candidate {
	var c ruleset.Candidate
	id := 0
	player := func() ticket.Player {
		id++
		return evP(fmt.Sprintf("p%d", id), "skill", float64(5+id*3%17), "modes", []string{"dm", "ctf"},
			"lat", map[string]int{"us-east-1": 30 + id, "us-west-2": 60 + id, "eu-west-1": 150})
	}
	for team := range 2 {
		c.Add(evResolve(t, rs, locs, player(), player()), team)
		for range 3 {
			c.Add(evResolve(t, rs, locs, player()), team)
		}
	}
	return &c
}

// BenchmarkEvaluate measures one Final evaluation of a passing candidate
// (every rule runs) with a warm evaluator, and reports the time per rule.
func BenchmarkEvaluate(b *testing.B) {
	type bench struct {
		name string
		rs   func(b *testing.B) *ruleset.RuleSet
		cand allocCand
	}
	for _, bc := range []bench{
		{"ruleset=ex01/candidate=8v8", func(b *testing.B) *ruleset.RuleSet { return evExample(b, "ex01") }, allocEx01},
		{"ruleset=ex03/candidate=3x5", func(b *testing.B) *ruleset.RuleSet { return evExample(b, "ex03") }, allocEx03},
		{"ruleset=four/candidate=5v5", func(b *testing.B) *ruleset.RuleSet { return ruleset.MustLoad([]byte(benchFour)) }, benchFive},
	} {
		for _, mode := range []struct {
			name string
			mode ruleset.Mode
		}{{"final", ruleset.Final}, {"partial", ruleset.Partial}} {
			b.Run(bc.name+"/mode="+mode.name, func(b *testing.B) {
				rs := bc.rs(b)
				locs := ticket.NewLocations()
				c := bc.cand(b, rs, locs)
				ev := rs.NewEvaluator(locs)
				v := rs.At(0)
				if !ev.Evaluate(c, v, mode.mode) {
					b.Fatalf("candidate fails: %s", evResults(rs, ev))
				}
				b.ReportAllocs()
				for b.Loop() {
					ev.Evaluate(c, v, mode.mode)
				}
				ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(ns/float64(len(rs.Rules())), "ns/rule")
			})
		}
	}
}
