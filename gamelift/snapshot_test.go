package gamelift_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/gamelift"
)

// snapshotScript drives a service: rule sets with tags, configurations,
// tickets, steps; it returns the events' JSON.
func snapshotScript(t *testing.T, s *gamelift.Service, t0 time.Time, from, to int) []string {
	t.Helper()
	var out []string
	do := func(at time.Time, op string, in any) {
		b, _ := json.Marshal(in)
		if _, err := s.Dispatch(at, op, b); err != nil {
			t.Fatalf("%s: %v", op, err)
		}
	}
	if from == 0 {
		do(t0, gamelift.OpCreateMatchmakingRuleSet, map[string]any{"Name": "duel", "Tags": []any{map[string]any{"Key": "team", "Value": "core"}},
			"RuleSetBody": `{"ruleLanguageVersion":"1.0","teams":[{"name":"a","minPlayers":1,"maxPlayers":1},{"name":"b","minPlayers":1,"maxPlayers":1}]}`})
		do(t0, gamelift.OpCreateMatchmakingConfiguration, map[string]any{"Name": "duel", "RuleSetName": "duel", "RequestTimeoutSeconds": 30,
			"AcceptanceRequired": true, "AcceptanceTimeoutSeconds": 5, "Description": "ranked duels"})
		do(t0, gamelift.OpCreateMatchmakingConfiguration, map[string]any{"Name": "casual", "RuleSetName": "duel", "RequestTimeoutSeconds": 30, "AcceptanceRequired": false})
	}
	for i := from; i < to; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		cfg := "casual"
		if i%2 == 0 {
			cfg = "duel"
		}
		do(at, gamelift.OpStartMatchmaking, map[string]any{"ConfigurationName": cfg, "TicketId": fmt.Sprintf("t%d", i), "Players": []any{map[string]any{"PlayerId": fmt.Sprintf("p%d", i)}}})
		for _, ev := range s.Step(at) {
			b, _ := json.Marshal(ev)
			out = append(out, string(b))
		}
	}
	return out
}

func TestServiceSnapshotContinuesExactly(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	opts := gamelift.Options{Engine: engine.Config{Seed: 3}}
	straight, _ := gamelift.NewService(opts)
	want := snapshotScript(t, straight, t0, 0, 12)
	cut, _ := gamelift.NewService(opts)
	got := snapshotScript(t, cut, t0, 0, 5)
	var buf bytes.Buffer
	if err := cut.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	restored, err := gamelift.RestoreService(bytes.NewReader(buf.Bytes()), opts)
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := restored.Snapshot(&again); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Fatalf("a restored service snapshots differently (%v)", err)
	}
	got = append(got, snapshotScript(t, restored, t0, 5, 12)...)
	if len(got) != len(want) {
		t.Fatalf("%d events after a restore, %d straight through", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("event %d:\n%s\nwant\n%s", i, got[i], want[i])
		}
	}
	// The API records came back: tags, descriptions, creation times.
	for _, op := range []string{gamelift.OpDescribeMatchmakingConfigurations, gamelift.OpDescribeMatchmakingRuleSets} {
		a, _ := straight.Dispatch(t0, op, []byte(`{}`))
		b, _ := restored.Dispatch(t0, op, []byte(`{}`))
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("%s after a restore:\n%s\nwant\n%s", op, jb, ja)
		}
	}
	// A rule set in use still cannot be deleted: the use counts came back.
	if _, err := restored.Dispatch(t0, gamelift.OpDeleteMatchmakingRuleSet, []byte(`{"Name":"duel"}`)); err == nil {
		t.Error("a restored service let a rule set in use be deleted")
	}

	// Damage is refused, never half-loaded.
	data := buf.Bytes()
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"truncated header", data[:5]},
		{"truncated records", data[:30]},
		{"truncated engine", data[:len(data)-10]},
		{"flipped record byte", flip(data, 40)},
		{"flipped engine byte", flip(data, len(data)-20)},
		{"newer version", flip(data, 8)},
	} {
		_, err := gamelift.RestoreService(bytes.NewReader(tc.b), opts)
		if err == nil || !errors.Is(err, gamelift.ErrSnapshot) && !errors.Is(err, engine.ErrSnapshot) {
			t.Errorf("%s: %v, want a snapshot error", tc.name, err)
		}
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x40
	return c
}
