package engine

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// TestEpochWrap checks that the 32-bit build and sweep counters wrap
// without effect: an engine whose counters start just below the limit
// gives the same events as a fresh one, for a small and a large rule set.
func TestEpochWrap(t *testing.T) {
	small := `{"ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 10}],
	  "teams": [{"name": "red", "minPlayers": 2, "maxPlayers": 2}, {"name": "blue", "minPlayers": 2, "maxPlayers": 2}],
	  "rules": [{"name": "close", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 5},
	            {"name": "lat", "type": "latency", "maxLatency": 100}],
	  "expansions": [{"target": "rules[close].maxDistance", "steps": [{"waitTimeSeconds": 5, "value": 20}]}]}`
	large := `{"ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 10}],
	  "algorithm": {"strategy": "balanced", "balancedAttribute": "skill"},
	  "teams": [{"name": "a", "minPlayers": 20, "maxPlayers": 25}, {"name": "b", "minPlayers": 20, "maxPlayers": 25}],
	  "rules": [{"name": "lat", "type": "latency", "maxLatency": 150}]}`
	for _, tt := range []struct {
		name, body string
		preset     func(e *Engine, k uint32)
	}{
		{"small", small, func(e *Engine, k uint32) { e.epoch = math.MaxUint32 - 3*k }},
		{"large", large, func(e *Engine, k uint32) {
			e.epoch = math.MaxUint32 - 3*k
			e.configs["c"].large = &largeState{marks: math.MaxUint32 - k}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fresh := epochRun(t, tt.body, nil)
			if n := len(fresh); n < 1000 {
				t.Fatalf("the run produced only %d bytes of events", n)
			}
			// Wrap at each point of the run in turn.
			for k := range uint32(30) {
				wrapped := epochRun(t, tt.body, func(e *Engine) { tt.preset(e, k) })
				if fresh != wrapped {
					t.Fatalf("events differ when the counters wrap after %d builds:\nfresh:   %.300s\nwrapped: %.300s", 3*k, fresh, wrapped)
				}
			}
		})
	}
}

// epochRun runs 200 tickets through 30 steps and returns the events as
// JSON; preset adjusts the engine after its configuration exists.
func epochRun(t *testing.T, body string, preset func(*Engine)) string {
	t.Helper()
	e, err := New(Config{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := e.AddConfiguration(t0, Configuration{Name: "c", RuleSet: ruleset.MustLoad([]byte(body)), RequestTimeout: 20 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if preset != nil {
		preset(e)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var events []Event
	for step := range 30 {
		now := t0.Add(time.Duration(step) * time.Second)
		for i := range 7 {
			p := ticket.Player{PlayerID: fmt.Sprintf("p%d-%d", step, i),
				PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(float64(rng.IntN(40)))},
				LatencyInMs:      map[string]int{"us-east-1": 20 + rng.IntN(120), "eu-west-1": 20 + rng.IntN(120)}}
			if _, err := e.StartMatchmaking(now, MatchmakingRequest{Configuration: "c", Players: []ticket.Player{p}}); err != nil {
				t.Fatal(err)
			}
		}
		events = append(events, e.Step(now)...)
	}
	matched := 0
	for _, ev := range events {
		if ev.Kind == EventSucceeded {
			matched++
		}
	}
	if matched == 0 {
		t.Fatal("no match formed: the run does not exercise the counters")
	}
	var b strings.Builder
	for i := range events {
		b.WriteString(events[i].String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Restore refuses a snapshot whose ticket arrived after the engine's
// arrival count: Step searches only the tickets that arrived before it
// began, so such a QUEUED ticket would wait for arrivals that never came.
func TestRestoreRefusesArrivalsBehindTickets(t *testing.T) {
	e, err := New(Config{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	rs := ruleset.MustLoad([]byte(`{"ruleLanguageVersion": "1.0", "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1}, {"name": "blue", "minPlayers": 1, "maxPlayers": 1}]}`))
	if err := e.AddConfiguration(t0, Configuration{Name: "c", RuleSet: rs, RequestTimeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.StartMatchmaking(t0, MatchmakingRequest{TicketID: "q", Configuration: "c", Players: []ticket.Player{{PlayerID: "p"}}}); err != nil {
		t.Fatal(err)
	}
	var ok, bad strings.Builder
	if err := e.Snapshot(&ok); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(strings.NewReader(ok.String()), Config{}); err != nil {
		t.Fatalf("the consistent snapshot: %v", err)
	}
	e.arrivals = 0 // as a damaged or hand-made snapshot might say
	if err := e.Snapshot(&bad); err != nil {
		t.Fatal(err)
	}
	_, err = Restore(strings.NewReader(bad.String()), Config{})
	if !errors.Is(err, ErrSnapshot) || !strings.Contains(err.Error(), "ticket q has arrival number 1, above the engine's count of 0 arrivals") {
		t.Fatalf("Restore = %v; want ErrSnapshot naming ticket q and the arrival count", err)
	}
}
