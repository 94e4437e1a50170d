package oracle

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/ticket"
)

// ---------------------------------------------------------------------------
// The oracle's own tests: it must accept good matches and reject bad ones,
// or the state-machine test proves nothing.

func TestOracle(t *testing.T) {
	ex01 := `{
	  "ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 10}],
	  "teams": [{"name": "cowboys", "maxPlayers": 8, "minPlayers": 4},
	            {"name": "aliens", "maxPlayers": 8, "minPlayers": 4}],
	  "rules": [{
	    "name": "FairTeamSkill", "type": "distance",
	    // per-team averages against the overall average
	    "measurements": [ "avg(teams[*].players.attributes[skill])" ],
	    "referenceValue": "avg(flatten(teams[*].players.attributes[skill]))",
	    "maxDistance": 10
	  }, {
	    "name": "EqualTeamSizes", "type": "comparison",
	    "measurements": [ "count(teams[cowboys].players)" ],
	    "referenceValue": "count(teams[aliens].players)",
	    "operation": "=",
	  }],
	  "expansions": [{"target": "rules[FairTeamSkill].maxDistance",
	    "steps": [{"waitTimeSeconds": 5, "value": 50}, {"waitTimeSeconds": 15, "value": "100"}]}]
	}`
	t0 := time.Unix(1_700_000_000, 0)
	solo := func(id string, start time.Duration, attrs map[string]ticket.AttributeValue, lat map[string]int) Ticket {
		return Ticket{ID: id, Start: t0.Add(start), Players: []ticket.Player{{PlayerID: id, PlayerAttributes: attrs, LatencyInMs: lat}}}
	}
	skill := func(n float64) map[string]ticket.AttributeValue {
		return map[string]ticket.AttributeValue{"skill": ticket.Number(n)}
	}
	four := func(a, b []float64) ([]Ticket, map[string]string) {
		var ts []Ticket
		teams := map[string]string{}
		for i, s := range a {
			id := fmt.Sprintf("c%d", i)
			ts = append(ts, solo(id, 0, skill(s), nil))
			teams[id] = "cowboys"
		}
		for i, s := range b {
			id := fmt.Sprintf("a%d", i)
			ts = append(ts, solo(id, 0, skill(s), nil))
			teams[id] = "aliens"
		}
		return ts, teams
	}
	rs, err := Parse(ex01)
	if err != nil {
		t.Fatal(err)
	}
	ok := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: want valid, got %v", name, err)
		}
	}
	bad := func(name string, err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want an error containing %q, got %v", name, want, err)
		}
	}
	ts, teams := four([]float64{10, 12, 14, 16}, []float64{11, 13, 15, 17})
	ok("4v4 fair", Check(rs, t0.Add(time.Second), ts, teams, "", 0))
	ts, teams = four([]float64{10, 12, 14, 16, 20}, []float64{11, 13, 15, 17})
	bad("5v4", Check(rs, t0.Add(time.Second), ts, teams, "", 0), "EqualTeamSizes")
	ts, teams = four([]float64{10, 12, 14, 16}, []float64{51, 53, 55, 57})
	bad("unfair at 1s", Check(rs, t0.Add(time.Second), ts, teams, "", 0), "FairTeamSkill")
	ok("unfair at 5s (expanded to 50)", Check(rs, t0.Add(5*time.Second), ts, teams, "", 0))
	ts, teams = four([]float64{0, 0, 0, 0}, []float64{150, 150, 150, 150})
	bad("very unfair at 14s", Check(rs, t0.Add(14*time.Second), ts, teams, "", 0), "FairTeamSkill")
	ok("very unfair at 15s (expanded to 100, a string value)", Check(rs, t0.Add(15*time.Second), ts, teams, "", 0))
	ts, teams = four([]float64{10, 12, 14}, []float64{11, 13, 15})
	bad("3v3", Check(rs, t0.Add(time.Second), ts, teams, "", 0), "needs 4 to 8")
	ts, teams = four([]float64{10, 12, 14, 16}, []float64{11, 13, 15, 17})
	bad("capacity", Check(rs, t0.Add(time.Second), ts, teams, "", 9), "allows 7")
	ts[0].Players = append(ts[0].Players, ticket.Player{PlayerID: "c9"})
	teams["c9"] = "aliens"
	bad("split party", Check(rs, t0.Add(time.Second), ts, teams, "", 0), "split")

	// The newest ticket's age drives the clock (D12): a ticket that
	// arrived 3s ago keeps the match at 3s although the others waited 20s.
	ts, teams = four([]float64{10, 12, 14, 16}, []float64{51, 53, 55, 57})
	for i := range ts {
		ts[i].Start = t0
	}
	ts[7].Start = t0.Add(17 * time.Second)
	bad("newest clock", Check(rs, t0.Add(20*time.Second), ts, teams, "", 0), "clock 3.000s")

	big := `{
	  "ruleLanguageVersion": "1.0",
	  "playerAttributes": [
	    {"name": "skill", "type": "number", "default": 10},
	    {"name": "mode", "type": "string"},
	    {"name": "character", "type": "string_list", "default": ["peasant"]},
	    {"name": "blocked", "type": "string_list", "default": []},
	    {"name": "map", "type": "string", "default": "any"}],
	  "teams": [{"name": "trio", "minPlayers": 1, "maxPlayers": 3, "quantity": 2}],
	  "rules": [
	    {"name": "SameMode", "type": "batchDistance", "batchAttribute": "mode"},
	    {"name": "Band", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": "10"},
	    {"name": "Fast", "type": "latency", "maxLatency": 60},
	    {"name": "FewMedics", "type": "collection", "operation": "contains",
	     "measurements": ["flatten(teams[*].players.attributes[character])"], "referenceValue": "medic", "maxCount": 1},
	    {"name": "NoBlocked", "type": "collection", "operation": "reference_intersection_count",
	     "measurements": "flatten(teams[*].players.attributes[blocked])",
	     "referenceValue": "flatten(teams[*].players[playerId])", "maxCount": 0},
	    {"name": "SameMap", "type": "comparison", "measurements": ["flatten(teams[*].players.attributes[map])"], "operation": "="},
	    {"name": "SharedChar", "type": "collection", "operation": "intersection",
	     "measurements": ["flatten(teams[*].players.attributes[character])"], "minCount": 1},
	    {"name": "Either", "type": "compound", "statement": "or(SameMap, not(SharedChar))"},
	    {"name": "CloseSizes", "type": "distance", "measurements": ["max(count(teams[trio].players))"],
	     "referenceValue": "min(count(teams[trio].players))", "maxDistance": 1}],
	  "expansions": [
	    {"target": "rules[Fast].maxLatency", "steps": [{"waitTimeSeconds": 5, "value": 100}]},
	    {"target": "teams[trio].minPlayers", "steps": [{"waitTimeSeconds": 5, "value": 0}]}]
	}`
	rs, err = Parse(big)
	if err != nil {
		t.Fatal(err)
	}
	player := func(id, mode string, skill float64, chars []string, lat map[string]int) ticket.Player {
		return ticket.Player{PlayerID: id, LatencyInMs: lat, PlayerAttributes: map[string]ticket.AttributeValue{
			"mode": ticket.String(mode), "skill": ticket.Number(skill), "character": ticket.StringList(chars...),
		}}
	}
	near := map[string]int{"us": 30, "eu": 50}
	base := func() ([]Ticket, map[string]string) {
		ts := []Ticket{
			{ID: "t1", Start: t0, Players: []ticket.Player{player("p1", "ctf", 10, nil, near), player("p2", "ctf", 20, nil, near)}},
			{ID: "t2", Start: t0, Players: []ticket.Player{player("p3", "ctf", 12, []string{"medic"}, near)}},
			{ID: "t3", Start: t0, Players: []ticket.Player{player("p4", "ctf", 18, nil, map[string]int{"us": 40, "eu": 20})}},
		}
		return ts, map[string]string{"p1": "trio_1", "p2": "trio_1", "p3": "trio_2", "p4": "trio_2"}
	}
	ts, teams = base()
	ok("base", Check(rs, t0.Add(time.Second), ts, teams, "us", 0))
	bad("wrong location", Check(rs, t0.Add(time.Second), ts, teams, "eu", 0), "best feasible location")
	ts[2].Players[0].LatencyInMs = map[string]int{"us": 90}
	bad("slow", Check(rs, t0.Add(time.Second), ts, teams, "", 0), "Fast")
	ok("slow but expanded", Check(rs, t0.Add(5*time.Second), ts, teams, "", 0))
	ts, teams = base()
	ts[0].Players[1].LatencyInMs = map[string]int{"us": 80, "eu": 90}
	ok("party average latency (30+80)/2 = 55", Check(rs, t0.Add(time.Second), ts, teams, "us", 0))
	ts, teams = base()
	ts[0].Players[1].LatencyInMs = map[string]int{"us": 58, "eu": 40}
	// Both feasible by the party averages (us 44, eu 45); the players' own
	// worst case decides: us 58, eu 50.
	ok("choice by the players' own worst case", Check(rs, t0.Add(time.Second), ts, teams, "eu", 0))
	ts, teams = base()
	ts[1].Players[0].PlayerAttributes["mode"] = ticket.String("dm")
	bad("string batch", Check(rs, t0.Add(time.Second), ts, teams, "", 0), "SameMode")
	ts, teams = base()
	delete(ts[1].Players[0].PlayerAttributes, "mode")
	bad("missing", Check(rs, t0.Add(time.Second), ts, teams, "", 0), "D20")
	ts, teams = base()
	ts[2].Players[0].PlayerAttributes["skill"] = ticket.Number(26)
	bad("band: 26 - 12 > 10", Check(rs, t0.Add(time.Second), ts, teams, "", 0), "Band")
	ts[2].Players[0].PlayerAttributes["skill"] = ticket.Number(22)
	ok("band: 12 .. 22 (the party counts as its average, 15)", Check(rs, t0.Add(time.Second), ts, teams, "", 0))
	ts, teams = base()
	ts[2].Players[0].PlayerAttributes["character"] = ticket.StringList("medic")
	bad("two medics", Check(rs, t0.Add(time.Second), ts, teams, "", 0), "FewMedics")
	ts, teams = base()
	ts[0].Players[1].PlayerAttributes["character"] = ticket.StringList("medic")
	bad("a party's lists are merged (D9): p1 counts as a medic too", Check(rs, t0.Add(time.Second), ts, teams, "", 0), "count 3 > maxCount 1")
	ts, teams = base()
	ts[1].Players[0].PlayerAttributes["blocked"] = ticket.StringList("p4", "zz")
	bad("blocked", Check(rs, t0.Add(time.Second), ts, teams, "", 0), "NoBlocked")
	ts[1].Players[0].PlayerAttributes["blocked"] = ticket.StringList("zz")
	ok("blocked someone absent", Check(rs, t0.Add(time.Second), ts, teams, "", 0))
	ts, teams = base()
	for i := range ts {
		for j := range ts[i].Players {
			ts[i].Players[j].PlayerAttributes["character"] = ticket.StringList("tank")
		}
	}
	ts[2].Players[0].PlayerAttributes["map"] = ticket.String("docks")
	bad("compound: maps differ and everyone shares tank", Check(rs, t0.Add(time.Second), ts, teams, "", 0), "Either")
	ts[2].Players[0].PlayerAttributes["map"] = ticket.String("any")
	ok("compound: same map", Check(rs, t0.Add(time.Second), ts, teams, "", 0))
	ts, teams = base()
	teams["p3"], teams["p4"] = "trio_1", "trio_1"
	bad("5 > 3 players", Check(rs, t0.Add(time.Second), ts, teams, "", 0), "trio_1 has 4")
	teams["p1"], teams["p2"] = "trio_2", "trio_2"
	teams["p3"] = "trio_2"
	bad("sizes 3 and 1 differ by 2", Check(rs, t0.Add(time.Second), ts, teams, "", 0), "CloseSizes")
}

// A match has one location (D11): two latency rules that each pass at a
// different location, and at no location together, reject it, even when
// the caller names no location.
func TestOneLocationForEveryLatencyRule(t *testing.T) {
	rs, err := Parse(`{"ruleLanguageVersion": "1.0", "playerAttributes": [{"name": "skill", "type": "number"}],
		"teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1}, {"name": "blue", "minPlayers": 1, "maxPlayers": 2}],
		"rules": [{"name": "r1", "type": "latency", "maxLatency": 40},
			{"name": "r3", "type": "latency", "maxLatency": 50, "maxDistance": 20}]}`)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	p := func(id string, skill float64, east, west int) ticket.Player {
		return ticket.Player{PlayerID: id, PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(skill)},
			LatencyInMs: map[string]int{"east": east, "west": west}}
	}
	// The party's average latency: east 35 (r1 passes; r3's distance from
	// the lowest, 10, is 25), west 45 (r1 fails; r3 passes).
	ts := []Ticket{
		{ID: "party", Start: t0, Players: []ticket.Player{p("a", 0, 10, 10), p("b", 40, 60, 80)}},
		{ID: "solo", Start: t0, Players: []ticket.Player{p("c", 20, 10, 30)}},
	}
	teams := map[string]string{"a": "blue", "b": "blue", "c": "red"}
	for _, loc := range []string{"", "east", "west"} {
		if err := Check(rs, t0, ts, teams, loc, 0); err == nil || !strings.Contains(err.Error(), "no location satisfies every latency rule") {
			t.Errorf("location %q: %v; want no location for every latency rule", loc, err)
		}
	}
}
