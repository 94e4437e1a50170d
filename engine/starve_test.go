package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Issue 9, defect 1: a backlog of tickets that cannot match must not starve
// a pair that can.
func TestBacklogDoesNotStarveNewPair(t *testing.T) {
	rules := map[string]string{
		"distance":      `{"name": "close", "type": "distance", "measurements": ["avg(teams[red].players.attributes[skill])"], "referenceValue": "avg(teams[blue].players.attributes[skill])", "maxDistance": 10}`,
		"batchDistance": `{"name": "close", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 10}`,
		"comparison":    `{"name": "close", "type": "comparison", "measurements": ["flatten(teams[*].players.attributes[skill])"], "operation": "="}`,
	}
	for name, rule := range rules {
		t.Run(name, func(t *testing.T) {
			body := `{"ruleLanguageVersion": "1.0", "playerAttributes": [{"name": "skill", "type": "number"}],
				"teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1}, {"name": "blue", "minPlayers": 1, "maxPlayers": 1}],
				"rules": [` + rule + `]}`
			e := mustEngine(t, engine.Config{Seed: 1})
			if err := e.AddConfiguration(t0, engine.Configuration{Name: "duel", RuleSet: ruleset.MustLoad([]byte(body)), RequestTimeout: 10 * time.Minute}); err != nil {
				t.Fatal(err)
			}
			start := func(now time.Time, id string, skill float64) {
				t.Helper()
				if _, err := e.StartMatchmaking(now, engine.MatchmakingRequest{TicketID: id, Configuration: "duel",
					Players: []ticket.Player{{PlayerID: id, PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(skill)}}}}); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 256 {
				start(t0, fmt.Sprintf("backlog-%d", i), float64(i)*100)
			}
			now := t0
			for range 5 {
				now = now.Add(time.Second)
				e.Step(now)
			}
			start(now, "a", 1_000_050)
			start(now, "b", 1_000_050+map[string]float64{"comparison": 0}[name]+map[bool]float64{true: 5}[name != "comparison"])
			for range 60 {
				now = now.Add(time.Second)
				for _, ev := range e.Step(now) {
					if ev.Kind == engine.EventSucceeded || ev.Kind == engine.EventPotentialMatchCreated {
						return
					}
				}
			}
			t.Fatalf("the pair that can match was not matched within a minute behind 256 tickets that cannot")
		})
	}
}

// Issue 9, defect 2: a rule that partial matches cannot check (a collection
// rule's minCount) must not make the builder give up on the one valid
// match: a dps waits, two healers arrive, and the healers are matched.
func TestDeferredRuleFindsTheValidPair(t *testing.T) {
	body := `{"ruleLanguageVersion": "1.0", "playerAttributes": [{"name": "role", "type": "string_list"}],
		"teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1}, {"name": "blue", "minPlayers": 1, "maxPlayers": 1}],
		"rules": [{"name": "healers", "type": "collection", "measurements": ["flatten(teams[*].players.attributes[role])"],
			"operation": "contains", "referenceValue": "healer", "minCount": 2}]}`
	for seed := range uint64(8) {
		e := mustEngine(t, engine.Config{Seed: seed})
		if err := e.AddConfiguration(t0, engine.Configuration{Name: "duel", RuleSet: ruleset.MustLoad([]byte(body)), RequestTimeout: time.Minute}); err != nil {
			t.Fatal(err)
		}
		start := func(now time.Time, id, role string) {
			t.Helper()
			if _, err := e.StartMatchmaking(now, engine.MatchmakingRequest{TicketID: id, Configuration: "duel",
				Players: []ticket.Player{{PlayerID: id, PlayerAttributes: map[string]ticket.AttributeValue{"role": ticket.StringList(role)}}}}); err != nil {
				t.Fatal(err)
			}
		}
		start(t0, "dps", "dps")
		e.Step(t0)
		now := t0.Add(time.Second)
		start(now, "healer-1", "healer")
		start(now, "healer-2", "healer")
		matched := ""
		for range 30 {
			for _, ev := range e.Step(now) {
				if ev.Kind == engine.EventSucceeded {
					for _, r := range ev.Tickets {
						matched += r.ID() + " "
					}
				}
			}
			now = now.Add(time.Second)
		}
		if matched != "healer-1 healer-2 " && matched != "healer-2 healer-1 " {
			t.Errorf("seed %d: matched %q; want the two healers", seed, matched)
		}
	}
}
