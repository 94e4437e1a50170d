package bench

import (
	"reflect"
	"testing"

	"github.com/matchforge/matchforge/ruleset"
)

// TestMeasure is not parallel: the heap figure is a difference of the
// process's HeapInuse, which tests running beside it would disturb.
func TestMeasure(t *testing.T) {
	w, err := NewWorkload("", nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if w.Hold() != HoldLatency {
		t.Errorf("Hold() = %s; want %s for the default rule set", w.Hold(), HoldLatency)
	}
	m, err := w.Measure(2000)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", m)
	if m.Pool != 2000 || m.SubmitSeconds <= 0 || m.BulkStepSeconds <= 0 || m.SteadyStepSeconds <= 0 {
		t.Errorf("measurement %+v lacks timings", m)
	}
	if m.BulkMatchedTickets < 1500 || m.BulkMatches*10 != m.BulkMatchedTickets {
		t.Errorf("bulk step matched %d tickets in %d matches; want most of 2000 in matches of 10", m.BulkMatchedTickets, m.BulkMatches)
	}
	if m.SteadyPool != 2000 {
		t.Errorf("steady pool = %d; the 2000 held-back tickets should all still wait", m.SteadyPool)
	}
	if m.SteadyNew != 20 || m.SteadyMatchedTickets == 0 {
		t.Errorf("steady steps: %d new, %.1f matched a step; want 20 new, some of them matched", m.SteadyNew, m.SteadyMatchedTickets)
	}
	if m.HeapBytesPerTicket <= 0 {
		t.Errorf("heap per ticket = %v", m.HeapBytesPerTicket)
	}
}

// TestWaitingInputsHold checks each way of holding tickets back: a pool
// of them matches nothing at the first expansion step.
func TestWaitingInputsHold(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, body, hold string
	}{
		{"latency", "", HoldLatency},
		{"string batch", `{"ruleLanguageVersion": "1.0",
			"playerAttributes": [{"name": "map", "type": "string"}],
			"teams": [{"name": "a", "minPlayers": 2, "maxPlayers": 2}],
			"rules": [{"name": "same", "type": "batchDistance", "batchAttribute": "map"}]}`, HoldString},
		{"number batch", `{"ruleLanguageVersion": "1.0",
			"playerAttributes": [{"name": "skill", "type": "number"}],
			"teams": [{"name": "a", "minPlayers": 2, "maxPlayers": 2}],
			"rules": [{"name": "close", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 10}]}`, HoldNumber},
		{"none", `{"ruleLanguageVersion": "1.0", "teams": [{"name": "a", "minPlayers": 2, "maxPlayers": 2}]}`, HoldNone},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, err := NewWorkload(tt.body, nil, 1)
			if err != nil {
				t.Fatal(err)
			}
			if w.Hold() != tt.hold {
				t.Fatalf("Hold() = %s; want %s", w.Hold(), tt.hold)
			}
			if !reflect.DeepEqual(w.WaitingInputs(0, 50), w.WaitingInputs(0, 50)) {
				t.Errorf("WaitingInputs differs between two calls with the same seed")
			}
			e, err := w.NewEngine()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Submit(e, w.Start, w.WaitingInputs(0, 500)); err != nil {
				t.Fatal(err)
			}
			_, matched := Matched(e.Step(w.Start))
			if tt.hold != HoldNone && matched != 0 {
				t.Errorf("%d held-back tickets matched", matched)
			}
			if tt.hold == HoldNone && matched == 0 {
				t.Errorf("without a way to hold tickets back they should match")
			}
		})
	}
}

func TestNumberAttributesRead(t *testing.T) {
	rs := ruleset.MustLoad([]byte(`{"ruleLanguageVersion": "1.0",
		// a comment, and a trailing comma below
		"playerAttributes": [{"name": "skill", "type": "number"}, {"name": "unused", "type": "number"},
			{"name": "rank", "type": "number"}, {"name": "mode", "type": "string"},],
		"teams": [{"name": "a", "minPlayers": 2, "maxPlayers": 2}, {"name": "b", "minPlayers": 2, "maxPlayers": 2}],
		"rules": [{"name": "fair", "type": "distance", "measurements": ["avg(teams[*].players.attributes[skill])"],
		           "referenceValue": "avg(flatten(teams[*].players.attributes[skill]))", "maxDistance": 10},
		          {"name": "close", "type": "batchDistance", "batchAttribute": "rank", "maxDistance": 2},
		          {"name": "same", "type": "comparison", "operation": "=", "measurements": ["flatten(teams[*].players.attributes[mode])"]}]}`))
	got := analyze(rs).numberAttributesRead()
	if len(got) != 2 || got[0] != "skill" || got[1] != "rank" {
		t.Errorf("numberAttributesRead() = %v; want [skill rank]", got)
	}
	p := DerivePopulation(rs)
	if a := p.Attributes["rank"]; !a.Round || a.SD != 1 {
		t.Errorf("derived rank = %+v; want whole numbers with sd 1 for a window of 2", a)
	}
	if a := p.Attributes["skill"]; a.SD != 10 {
		t.Errorf("derived skill sd = %v; want the fairness window 10", a.SD)
	}
	if a := p.Attributes["mode"]; !a.Shared || len(a.Values) != 2 {
		t.Errorf("derived mode = %+v; want two shared values", a)
	}
}
