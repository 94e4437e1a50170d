package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
	"pgregory.net/rapid"
)

// stagingRuleSets cover the pool's index kinds that staging touches: a
// number source indexed by location and latency band (skill batch with a
// latency rule), a number source over the whole pool (skill batch alone),
// a string batch key, and the large-match sweep.
var stagingRuleSets = map[string]string{
	"banded": `{"ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 50}],
	  "teams": [{"name": "red", "minPlayers": 2, "maxPlayers": 2}, {"name": "blue", "minPlayers": 2, "maxPlayers": 2}],
	  "rules": [{"name": "Band", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 10},
	    {"name": "Fair", "type": "distance", "measurements": ["avg(teams[*].players.attributes[skill])"],
	     "referenceValue": "avg(flatten(teams[*].players.attributes[skill]))", "maxDistance": 4},
	    {"name": "Ping", "type": "latency", "maxLatency": 60}],
	  "expansions": [{"target": "rules[Band].maxDistance", "steps": [{"waitTimeSeconds": 4, "value": 30}]},
	    {"target": "rules[Ping].maxLatency", "steps": [{"waitTimeSeconds": 6, "value": 150}]}]}`,
	"sorted": `{"ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 50}, {"name": "mode", "type": "string", "default": "dm"}],
	  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 3}, {"name": "blue", "minPlayers": 1, "maxPlayers": 3}],
	  "rules": [{"name": "Band", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 15},
	    {"name": "Mode", "type": "batchDistance", "batchAttribute": "mode"}],
	  "expansions": [{"target": "teams[red,blue].minPlayers", "steps": [{"waitTimeSeconds": 5, "value": 1}]}]}`,
	"large": `{"ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 50}],
	  "algorithm": {"strategy": "balanced", "balancedAttribute": "skill", "batchingPreference": "largestPopulation"},
	  "teams": [{"name": "red", "minPlayers": 3, "maxPlayers": 21}, {"name": "blue", "minPlayers": 3, "maxPlayers": 21}],
	  "rules": [{"name": "Ping", "type": "latency", "maxLatency": 80},
	    {"name": "Band", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 20}],
	  "expansions": [{"target": "teams[red,blue].minPlayers", "steps": [{"waitTimeSeconds": 6, "value": 1}]}]}`,
}

// TestStagingChangesNothing is metamorphic: the same random operations on
// an engine whose pools stage new tickets (the default) and on one whose
// pools do not (Config.NoStaging) give the same events, byte for byte.
// Staging is a cost optimisation only.
func TestStagingChangesNothing(t *testing.T) {
	matches := map[string]int{}
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		var engines [2]*engine.Engine
		for i := range engines {
			e, err := engine.New(engine.Config{Seed: seed, NoStaging: i == 1, TicketRetention: 30 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"banded", "sorted", "large"} {
				rs := ruleset.MustLoad([]byte(stagingRuleSets[name]))
				if err := e.AddConfiguration(t0, engine.Configuration{Name: name, RuleSet: rs, RequestTimeout: 20 * time.Second}); err != nil {
					t.Fatal(err)
				}
			}
			engines[i] = e
		}
		var log [2]strings.Builder
		record := func(i int, evs []engine.Event) {
			for k := range evs {
				log[i].WriteString(evs[k].String())
				log[i].WriteByte('\n')
			}
		}
		now := t0
		var ids []string
		for k := range rapid.IntRange(1, 60).Draw(t, "ops") {
			switch op := rapid.IntRange(0, 9).Draw(t, "op"); {
			case op < 6: // a burst of new tickets
				cfg := rapid.SampledFrom([]string{"banded", "sorted", "large"}).Draw(t, "cfg")
				for j := range rapid.IntRange(1, 12).Draw(t, "burst") {
					p := ticket.Player{
						PlayerID:         fmt.Sprintf("p%d-%d", k, j),
						PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(float64(rapid.IntRange(0, 100).Draw(t, "skill")))},
						LatencyInMs:      map[string]int{"east": rapid.IntRange(10, 120).Draw(t, "east"), "west": rapid.IntRange(10, 120).Draw(t, "west")},
					}
					if rapid.Bool().Draw(t, "otherMode") {
						p.PlayerAttributes["mode"] = ticket.String("ctf")
					}
					if cfg != "sorted" {
						delete(p.PlayerAttributes, "mode")
					}
					in := engine.MatchmakingRequest{Configuration: cfg, Players: []ticket.Player{p}}
					for i, e := range engines {
						tk, err := e.StartMatchmaking(now, in)
						if err != nil {
							t.Fatalf("StartMatchmaking: %v", err)
						}
						if i == 0 {
							ids = append(ids, tk.TicketID)
						}
						record(i, e.Events())
					}
				}
			case op < 7 && len(ids) > 0: // a stop
				id := rapid.SampledFrom(ids).Draw(t, "stop")
				for i, e := range engines {
					_ = e.StopMatchmaking(now, id)
					record(i, e.Events())
				}
			default: // a step
				now = now.Add(time.Duration(rapid.IntRange(0, 3000).Draw(t, "ms")) * time.Millisecond)
				for i, e := range engines {
					record(i, e.Step(now))
				}
			}
		}
		if a, b := log[0].String(), log[1].String(); a != b {
			t.Fatalf("staging changed the events:\nwith staging:\n%s\nwithout:\n%s", a, b)
		}
		for _, line := range strings.Split(log[0].String(), "\n") {
			if f := strings.Fields(line); len(f) > 3 && f[2] == "PotentialMatchCreated" {
				matches[f[3]]++
			}
		}
	})
	for _, name := range []string{"banded", "sorted", "large"} {
		if matches[name] == 0 {
			t.Errorf("no match of configuration %s formed: the test compares nothing there", name)
		}
	}
	t.Logf("matches compared: %v", matches)
}
