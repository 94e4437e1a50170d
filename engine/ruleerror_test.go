package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// An expression rule that fails at run time on every candidate forms no
// match, and RuleMetrics says why: its failures are counted as errors with
// the last error's message, rather than as a silent "no match".
func TestRuleErrorsAreCounted(t *testing.T) {
	rs := ruleset.MustLoad([]byte(`{"ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 10}],
	  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1}, {"name": "blue", "minPlayers": 1, "maxPlayers": 1}],
	  "rules": [
	    {"name": "Close", "type": "distance", "measurements": ["avg(teams[*].players.attributes[skill])"], "referenceValue": "avg(flatten(teams[*].players.attributes[skill]))", "maxDistance": 50},
	    {"name": "Sixth", "type": "expression", "expression": "players[5].skill > 0"}]}`))
	e := mustEngine(t, engine.Config{Seed: 1})
	if err := e.AddConfiguration(t0, engine.Configuration{Name: "c", RuleSet: rs, RequestTimeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"a", "b"} {
		p := player(id, float64(10+i))
		if _, err := e.StartMatchmaking(t0, engine.MatchmakingRequest{TicketID: id, Configuration: "c", Players: []ticket.Player{p}}); err != nil {
			t.Fatal(err)
		}
	}
	e.Step(t0.Add(time.Second))
	if n := e.Counts(); n[ticket.StatusSearching] != 2 {
		t.Fatalf("counts = %+v; want both tickets still searching", n)
	}
	m, err := e.RuleMetrics("c")
	if err != nil {
		t.Fatal(err)
	}
	if m[0].Errors != 0 || m[0].Passed == 0 {
		t.Errorf("Close: %+v; want passes and no errors", m[0])
	}
	if m[1].Errors == 0 || m[1].Errors != m[1].Failed || m[1].Passed != 0 || !strings.Contains(m[1].LastError, "out of range") {
		t.Errorf("Sixth: %+v; want every failure counted as an error naming the index out of range", m[1])
	}
}
