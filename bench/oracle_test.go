package bench

import (
	"errors"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/examples"
	"github.com/matchforge/matchforge/ruleset"
)

// TestOracle checks the brute-force matcher's invariants: no ticket in two
// matches, every match passes every rule with its teams, and on the
// default workload it matches about as many tickets as the engine's first
// step.
func TestOracle(t *testing.T) {
	t.Parallel()
	// The repository's own examples run everywhere; the published ones
	// (exNN) only where ../shared is beside the repository.
	names := []string{"", "examples:aliens-vs-cowboys", "examples:players-vs-monster", "examples:multiple-maps",
		"examples:compared-attributes", "examples:three-teams", "examples:compound-rules", "examples:block-list",
		"ex01-aliens-vs-cowboys", "ex02-players-vs-monster", "ex04-multi-map-game", "ex06-compare-attributes"}
	for _, name := range names {
		label := name
		if name == "" {
			label = DefaultName
		}
		t.Run(label, func(t *testing.T) {
			body := ""
			if own, ok := strings.CutPrefix(name, "examples:"); ok {
				ex, err := examples.Read(own)
				if err != nil {
					t.Fatal(err)
				}
				body = string(ex.RuleSet)
			} else if name != "" {
				body = exampleBody(t, name)
			}
			w, err := NewWorkload(body, nil, 1)
			if err != nil {
				t.Fatal(err)
			}
			in := w.Inputs(0, 1500)
			tickets, locs, o := newOracle(t, w, in)
			res := o.Match(tickets, 0)
			seen := map[int]bool{}
			ev := w.RuleSet.NewEvaluator(locs)
			v := w.RuleSet.At(0)
			for k, m := range res.Matches {
				var c ruleset.Candidate
				for j, i := range m.Tickets {
					if seen[i] {
						t.Fatalf("ticket %d is in two matches", i)
					}
					seen[i] = true
					c.Add(tickets[i], m.Teams[j])
				}
				if !ev.Evaluate(&c, v, ruleset.Final) {
					t.Fatalf("match %d fails the rules: %v", k, ev.Results())
				}
			}
			if len(seen) != res.MatchedTickets {
				t.Errorf("MatchedTickets = %d; the matches hold %d", res.MatchedTickets, len(seen))
			}
			e, err := w.NewEngine()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Submit(e, w.Start, in); err != nil {
				t.Fatal(err)
			}
			_, engineMatched := Matched(e.Step(w.Start))
			t.Logf("%s, 1500 fresh tickets: the oracle matched %d (%d evaluations), the engine's first step %d",
				label, res.MatchedTickets, res.Evaluations, engineMatched)
			if res.MatchedTickets < len(in)/2 {
				t.Errorf("the oracle matched only %d of %d tickets", res.MatchedTickets, len(in))
			}
		})
	}
	if _, err := NewOracle(ruleset.MustLoad([]byte(`{"ruleLanguageVersion": "1.0", "playerAttributes": [{"name": "skill", "type": "number"}], "algorithm": {"strategy": "balanced", "balancedAttribute": "skill"}, "teams": [{"name": "all", "minPlayers": 50, "maxPlayers": 100}]}`)), nil); !errors.Is(err, ErrLargeRuleSet) {
		t.Errorf("NewOracle(large rule set) = %v; want ErrLargeRuleSet", err)
	}
}
