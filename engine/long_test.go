package engine_test

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/internal/longtest"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

const fiveBody = `{"ruleLanguageVersion": "1.0",
  "playerAttributes": [{"name": "skill", "type": "number", "default": 1500}],
  "teams": [{"name": "red", "minPlayers": 5, "maxPlayers": 5}, {"name": "blue", "minPlayers": 5, "maxPlayers": 5}],
  "rules": [{"name": "Band", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 50}]}`

// A million fresh tickets in one step (a long test: MATCHFORGE_LONG_TESTS=1):
// nearly all match, every match keeps the skill band, and every ticket's
// status changes are its events: SEARCHING for all, COMPLETED for the
// matched.
func TestMillionTicketsInOneStep(t *testing.T) {
	longtest.Skip(t)
	const n = 1_000_000
	e := mustEngine(t, engine.Config{Seed: 1})
	if err := e.AddConfiguration(t0, engine.Configuration{Name: "five", RuleSet: ruleset.MustLoad([]byte(fiveBody)), RequestTimeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	skills := make([]float64, n)
	for i := range n {
		skills[i] = 1500 + 300*rng.NormFloat64()
		p := ticket.Player{PlayerID: "p" + strconv.Itoa(i), PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(skills[i])}}
		if _, err := e.StartMatchmaking(t0, engine.MatchmakingRequest{Configuration: "five", Players: []ticket.Player{p}}); err != nil {
			t.Fatal(err)
		}
	}
	evs := e.Step(t0.Add(time.Second))
	searching, completed, matches := 0, 0, 0
	for _, ev := range evs {
		switch ev.Kind {
		case engine.EventSearching:
			searching += len(ev.Tickets)
		case engine.EventSucceeded:
			matches++
			completed += len(ev.Tickets)
			lo, hi := 1e9, -1e9
			for _, tr := range ev.Tickets {
				i, _ := strconv.Atoi(tr.PlayerID(0)[1:])
				lo, hi = min(lo, skills[i]), max(hi, skills[i])
			}
			if hi-lo > 50+1e-9 {
				t.Fatalf("match %s spans skills %v to %v; the band is 50", ev.Match.ID, lo, hi)
			}
		}
	}
	if searching != n {
		t.Errorf("%d tickets got MatchmakingSearching, want %d", searching, n)
	}
	if completed < n*99/100 || completed != 10*matches {
		t.Errorf("%d tickets completed in %d matches; want at least 99%% of %d, 10 per match", completed, matches, n)
	}
	if c := e.Counts(); c[ticket.StatusCompleted] != completed || c[ticket.StatusSearching] != n-completed {
		t.Errorf("counts %v; want %d COMPLETED and %d SEARCHING", c, completed, n-completed)
	}
}
