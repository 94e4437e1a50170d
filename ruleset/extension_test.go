package ruleset_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// An expression rule reads the keys of a string_number_map attribute by
// name (they are the player's, not the rule set's, so any key is allowed).
func TestExpressionRuleReadsMapKeys(t *testing.T) {
	rs, err := ruleset.Load([]byte(`{"ruleLanguageVersion":"1.0",
	  "playerAttributes":[{"name":"maps","type":"string_number_map","default":{"dust":0}}],
	  "teams":[{"name":"a","minPlayers":1,"maxPlayers":2}],
	  "rules":[{"name":"LikesDust","type":"expression","expression":"all(players, .maps[\"dust\"] >= floor) && all(players, .maps.dust >= floor)","parameters":{"floor":50}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	locs := ticket.NewLocations()
	ev := rs.NewEvaluator(locs)
	eval := func(dust float64) bool {
		r, err := rs.Schema().Resolve([]ticket.Player{{PlayerID: "p", PlayerAttributes: map[string]ticket.AttributeValue{
			"maps": ticket.StringNumberMap(map[string]float64{"dust": dust}),
		}}}, locs)
		if err != nil {
			t.Fatal(err)
		}
		var c ruleset.Candidate
		c.Add(r, 0)
		return ev.Evaluate(&c, rs.At(0), ruleset.Final)
	}
	if !eval(60) {
		t.Errorf("dust 60 >= 50 should pass (err %v)", ev.Err())
	}
	if eval(40) {
		t.Error("dust 40 >= 50 should fail")
	}
}

// A run-time failure of an expression rule fails the rule and reports a
// one-line error wrapping ErrEvaluation.
func TestExpressionRuleRuntimeErrorIsOneLine(t *testing.T) {
	rs, err := ruleset.Load([]byte(`{"ruleLanguageVersion":"1.0",
	  "playerAttributes":[{"name":"skill","type":"number","default":1}],
	  "teams":[{"name":"a","minPlayers":1,"maxPlayers":2}],
	  "rules":[{"name":"Bad","type":"expression","expression":"players[0].skill / 0 > 1 && players[5].skill > 0"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	locs := ticket.NewLocations()
	r, _ := rs.Schema().Resolve([]ticket.Player{{PlayerID: "p"}}, locs)
	var c ruleset.Candidate
	c.Add(r, 0)
	ev := rs.NewEvaluator(locs)
	if ev.Evaluate(&c, rs.At(0), ruleset.Final) {
		t.Fatal("an expression that fails at run time must fail the rule")
	}
	if !errors.Is(ev.Err(), ruleset.ErrEvaluation) || strings.Contains(ev.Err().Error(), "\n") {
		t.Errorf("Err() = %q; want one line wrapping ErrEvaluation", ev.Err())
	}
}
