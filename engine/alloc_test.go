package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// wakingBody is a 2v2 whose only rule never passes for two different
// players (their skills are far apart), with an expansion step every second
// for 90 seconds: every waiting ticket is retried as an anchor at every
// step, examining up to SearchBudget candidates, and none ever matches.
func wakingBody() string {
	var steps []string
	for s := 1; s <= 90; s++ {
		steps = append(steps, fmt.Sprintf(`{"waitTimeSeconds": %d, "value": %g}`, s, float64(s)/100))
	}
	return `{"ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number"}],
	  "teams": [{"name": "red", "minPlayers": 2, "maxPlayers": 2}, {"name": "blue", "minPlayers": 2, "maxPlayers": 2}],
	  "rules": [{"name": "Close", "type": "distance",
	    "measurements": ["max(flatten(teams[*].players.attributes[skill]))"],
	    "referenceValue": "min(flatten(teams[*].players.attributes[skill]))", "maxDistance": 0}],
	  "expansions": [{"target": "rules[Close].maxDistance", "steps": [` + strings.Join(steps, ", ") + `]}]}`
}

// TestStepAllocatesNothingPerCandidate guards the hot path (DESIGN.md habit
// 8): a step that retries every waiting ticket as an anchor, and so
// examines thousands of candidates and evaluates the rule set on each,
// allocates nothing when no ticket changes status.
func TestStepAllocatesNothingPerCandidate(t *testing.T) {
	for _, n := range []int{64, 300} {
		t.Run(fmt.Sprintf("waiting=%d", n), func(t *testing.T) {
			e := mustEngine(t, engine.Config{Seed: 1})
			rs := ruleset.MustLoad([]byte(wakingBody()))
			if err := e.AddConfiguration(t0, engine.Configuration{Name: "waking", RuleSet: rs, RequestTimeout: 10 * time.Minute}); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				p := player(fmt.Sprintf("p%d", i), float64(i)*1000)
				if _, err := e.StartMatchmaking(t0, engine.MatchmakingRequest{Configuration: "waking", Players: []ticket.Player{p}}); err != nil {
					t.Fatal(err)
				}
			}
			now := t0
			step := func() {
				now = now.Add(time.Second)
				if evs := e.Step(now); len(evs) > 0 && now.After(t0.Add(2*time.Second)) {
					t.Fatalf("a step at %v emitted %d events; the waiting tickets must not change", now, len(evs))
				}
			}
			// QUEUED -> SEARCHING; the tickets settle into the pool's
			// trees, every ticket is charged with rule metrics, and the
			// queues reach their size.
			for range 5 {
				step()
			}
			before, err := e.RuleMetrics("waking")
			if err != nil {
				t.Fatal(err)
			}
			if allocs := testing.AllocsPerRun(40, step); allocs != 0 {
				t.Errorf("a step that retries %d anchors allocates %v times; want 0", n, allocs)
			}
			after, _ := e.RuleMetrics("waking")
			evaluated := after[0].Failed - before[0].Failed
			// 41 steps (AllocsPerRun's warm-up run and the 40 measured)
			// each retry every ticket, which examines at least one
			// candidate.
			if evaluated < 41*n {
				t.Fatalf("the measured steps evaluated the rule %d times; want at least %d (every anchor, every step): the guard measures nothing", evaluated, 41*n)
			}
		})
	}
}
