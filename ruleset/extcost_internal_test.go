package ruleset

import (
	"errors"
	"strings"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/matchforge/matchforge/ticket"
)

const costBody = `{"ruleLanguageVersion": "1.0",
  "playerAttributes": [{"name": "skill", "type": "number", "default": 10}, {"name": "modes", "type": "string_list", "default": ["ctf"]}],
  "teams": [{"name": "red", "minPlayers": 20, "maxPlayers": 20}, {"name": "blue", "minPlayers": 20, "maxPlayers": 20}],
  "rules": [%s]}`

func costRuleSet(t *testing.T, rule string) (*RuleSet, error) {
	t.Helper()
	return Load([]byte(strings.Replace(costBody, "%s", rule, 1)))
}

// The cost model counts predicate evaluations with the largest collections
// the rule set allows: 40 players, 2 teams of 20, 100 list items.
func TestExpressionCostModel(t *testing.T) {
	m := extCost{players: 40, teams: 2, teamSize: 20}
	for _, tc := range []struct {
		src  string
		want int
	}{
		{"players[0].skill > 1", 0},
		{"all(players, .skill > 1)", 40},
		{"all(players, all(players, .skill > 1))", 40 * 41},
		{"all(players, all(players, all(players, .skill > 1)))", 40 * (1 + 40*41)},
		{"all(teams, all(.players, .skill > 1))", 2 * (1 + 20)},
		{"all(teams[0].players, .skill > 1)", 20},
		{"any(players, 'ctf' in .modes) && all(1..10, # > 0)", 40 + 10},
		{"count(flatten(map(players, .modes)), # == 'ctf') > 2", 40 + 40*100},
		{"all(1..players[0].skill, # > 0)", 1<<31 - 1},
	} {
		prog, err := expr.Compile(tc.src, expr.Env(extEnv(nil)), expr.AsBool())
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if got := m.steps(prog.Node(), itemOther); got != tc.want {
			t.Errorf("%s: %d steps, want %d", tc.src, got, tc.want)
		}
	}
}

// Validation refuses an expression whose worst case passes the budget, and
// names the estimate, the match size and the limit.
func TestExpressionCostLimitAtValidation(t *testing.T) {
	_, err := costRuleSet(t, `{"name": "Cubic", "type": "expression", "expression": "all(players, all(players, all(players, .skill <= 100)))"}`)
	if err == nil || !strings.Contains(err.Error(), "rules[0].expression: may take up to 65640 steps") || !strings.Contains(err.Error(), "40 players; the limit is 20000") {
		t.Errorf("three nested loops over 40 players: %v; want refused with the estimate and the limit", err)
	}
	if _, err := costRuleSet(t, `{"name": "Pairs", "type": "expression", "expression": "all(players, all(players, .skill <= 100))"}`); err != nil {
		t.Errorf("two nested loops over 40 players (1640 steps): %v", err)
	}
}

// At run time every predicate body counts a step; an evaluation past the
// budget fails the rule with an EvaluationError saying so, and the next
// evaluation starts a fresh count.
func TestExpressionStepBudgetAtRunTime(t *testing.T) {
	rs, err := costRuleSet(t, `{"name": "Pairs", "type": "expression", "expression": "all(players, all(players, .skill <= 100))"}`)
	if err != nil {
		t.Fatal(err)
	}
	locs := ticket.NewLocations()
	var c Candidate
	for i := range 40 {
		r, err := rs.Schema().Resolve([]ticket.Player{{PlayerID: string(rune('a'+i%26)) + strings.Repeat("x", i)}}, locs)
		if err != nil {
			t.Fatal(err)
		}
		c.Add(r, i%2)
	}
	ev := rs.NewEvaluator(locs)
	if !ev.Evaluate(&c, rs.At(0), Final) {
		t.Fatalf("40 players within 1640 steps failed: %v", ev.Err())
	}
	if got := ev.ext[0].steps.n; got != 40*41 {
		t.Errorf("the evaluation counted %d steps, want %d", got, 40*41)
	}
	ev.extLimit = 1000
	if ev.Evaluate(&c, rs.At(0), Final) {
		t.Fatal("an evaluation of 1640 steps passed a budget of 1000")
	}
	var ee *EvaluationError
	if !errors.As(ev.Err(), &ee) || ee.Name != "Pairs" || !strings.Contains(ee.Problem, "more than 1000 steps") {
		t.Errorf("Err = %v; want an EvaluationError of Pairs naming the budget", ev.Err())
	}
	ev.extLimit = MaxExpressionSteps
	if !ev.Evaluate(&c, rs.At(0), Final) || ev.Err() != nil {
		t.Errorf("after the budget is restored: %v", ev.Err())
	}
}
