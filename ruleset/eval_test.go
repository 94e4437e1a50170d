package ruleset_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// This file tests evaluation: for each rule type, table tests on candidate
// matches whose expected outcome is computed by hand (the arithmetic is in
// the comment above each case). Every table mixes parties (multi-player
// tickets), empty teams (D8), expansion steps just before and at their
// waitTimeSeconds (D12), team copies (D2), the four attribute types with
// their defaults, and the Final, Partial and Structural modes, as far as the
// rule type reads them.
//
// Helpers in this file are prefixed with ev so that they do not collide with
// the helpers of the package's other test files.

// evAttrs declares one attribute of each of the four types, each with a
// default, so that every table resolves all four kinds.
const evAttrs = `[
	{"name": "skill", "type": "number", "default": 10},
	{"name": "mode", "type": "string", "default": "dm"},
	{"name": "roles", "type": "string_list", "default": ["peasant"]},
	{"name": "maps", "type": "string_number_map", "default": {"defaultMap": 100}}
]`

// evTeams: red (0), blue (1), and the definition trio with quantity 2, which
// yields trio_1 (2) and trio_2 (3) (D2).
const evTeams = `[
	{"name": "red", "minPlayers": 0, "maxPlayers": 4},
	{"name": "blue", "minPlayers": 0, "maxPlayers": 4},
	{"name": "trio", "minPlayers": 0, "maxPlayers": 3, "quantity": 2}
]`

// evBody builds a rule-set body over evAttrs and evTeams.
func evBody(rules, expansions string) string {
	body := `{"ruleLanguageVersion": "1.0", "playerAttributes": ` + evAttrs +
		`, "teams": ` + evTeams + `, "rules": ` + rules
	if expansions != "" {
		body += `, "expansions": ` + expansions
	}
	return body + "}"
}

// evLoad loads a rule set over evAttrs and evTeams.
func evLoad(t testing.TB, rules, expansions string) *ruleset.RuleSet {
	t.Helper()
	rs, err := ruleset.Load([]byte(evBody(rules, expansions)))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return rs
}

// evExamplesDir is where the published example rule sets live.
const evExamplesDir = "../../shared/flexmatch/examples"

// evExample loads a published example, skipping the test when the folder is
// missing.
func evExample(t testing.TB, prefix string) *ruleset.RuleSet {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(evExamplesDir, prefix+"*.json"))
	if len(matches) != 1 {
		t.Skipf("published example %s not found in %s", prefix, evExamplesDir)
	}
	body, err := os.ReadFile(matches[0])
	if err != nil {
		t.Skipf("published example %s unreadable: %v", prefix, err)
	}
	rs, err := ruleset.Load(body)
	if err != nil {
		t.Fatalf("Load %s: %v", matches[0], err)
	}
	return rs
}

// evP builds a player from alternating keys and values. The key "lat" takes
// a map[string]int of latencies; any other key is an attribute whose type
// follows the Go value: a number (int or float64), a string, a []string or a
// map[string]float64.
func evP(id string, kv ...any) ticket.Player {
	p := ticket.Player{PlayerID: id}
	for i := 0; i+1 < len(kv); i += 2 {
		key := kv[i].(string)
		if key == "lat" {
			p.LatencyInMs = kv[i+1].(map[string]int)
			continue
		}
		if p.PlayerAttributes == nil {
			p.PlayerAttributes = map[string]ticket.AttributeValue{}
		}
		var v ticket.AttributeValue
		switch x := kv[i+1].(type) {
		case int:
			v = ticket.Number(float64(x))
		case float64:
			v = ticket.Number(x)
		case string:
			v = ticket.String(x)
		case []string:
			v = ticket.StringList(x...)
		case map[string]float64:
			v = ticket.StringNumberMap(x)
		default:
			panic(fmt.Sprintf("evP: unsupported value %T", x))
		}
		p.PlayerAttributes[key] = v
	}
	return p
}

// evS is a player with only a skill.
func evS(id string, skill float64) ticket.Player { return evP(id, "skill", skill) }

// evT is a ticket placed on a team (by generated name).
type evT struct {
	team    string
	players []ticket.Player
}

func evTk(team string, players ...ticket.Player) evT { return evT{team, players} }

// evSolo is a one-player ticket with only a skill.
func evSolo(team, id string, skill float64) evT { return evTk(team, evS(id, skill)) }

// evResolve resolves players against rs's schema.
func evResolve(t testing.TB, rs *ruleset.RuleSet, locs *ticket.Locations, players ...ticket.Player) *ticket.Resolved {
	t.Helper()
	r, err := rs.Schema().Resolve(players, locs)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return r
}

// evCand builds a candidate from tickets.
func evCand(t testing.TB, rs *ruleset.RuleSet, locs *ticket.Locations, tickets ...evT) *ruleset.Candidate {
	t.Helper()
	var c ruleset.Candidate
	for _, tk := range tickets {
		ti, ok := rs.TeamIndex(tk.team)
		if !ok {
			t.Fatalf("no team %q", tk.team)
		}
		c.Add(evResolve(t, rs, locs, tk.players...), ti)
	}
	return &c
}

// evRuleIndex returns the index of the named rule.
func evRuleIndex(t testing.TB, rs *ruleset.RuleSet, name string) int {
	t.Helper()
	for i, r := range rs.Rules() {
		if r.Name == name {
			return i
		}
	}
	t.Fatalf("no rule %q", name)
	return -1
}

const (
	evNE   = ruleset.NotEvaluated
	evPass = ruleset.Passed
	evFail = ruleset.Failed
)

// evCase is one candidate and what evaluating it must give.
type evCase struct {
	name    string
	wait    time.Duration
	mode    ruleset.Mode
	tickets []evT
	want    bool
	// res gives the expected Results of some rules, by name.
	res map[string]int8
	// loc, when set, is the expected Location by name; "-" means none.
	loc string
}

// evRun evaluates every case of a table with a fresh evaluator, and again
// with one evaluator shared by the whole table (the buffers it reuses must
// not leak from one candidate into the next).
func evRun(t *testing.T, rs *ruleset.RuleSet, cases []evCase) {
	t.Helper()
	shared := ticket.NewLocations()
	sharedEv := rs.NewEvaluator(shared)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Helper()
			locs := ticket.NewLocations()
			c := evCand(t, rs, locs, tc.tickets...)
			ev := rs.NewEvaluator(locs)
			evCheck(t, rs, ev, locs, c, tc)
			c2 := evCand(t, rs, shared, tc.tickets...)
			evCheck(t, rs, sharedEv, shared, c2, tc)
		})
	}
}

func evCheck(t *testing.T, rs *ruleset.RuleSet, ev *ruleset.Evaluator, locs *ticket.Locations, c *ruleset.Candidate, tc evCase) {
	t.Helper()
	got := ev.Evaluate(c, rs.At(tc.wait), tc.mode)
	if got != tc.want {
		t.Errorf("Evaluate = %v, want %v (results %s, err %v)", got, tc.want, evResults(rs, ev), ev.Err())
	}
	for name, want := range tc.res {
		if g := ev.Result(evRuleIndex(t, rs, name)); g != want {
			t.Errorf("Result(%s) = %d, want %d (results %s)", name, g, want, evResults(rs, ev))
		}
	}
	switch tc.loc {
	case "":
	case "-":
		if l := ev.Location(); l >= 0 {
			t.Errorf("Location = %s, want none", locs.Name(l))
		}
	default:
		l := ev.Location()
		if l < 0 {
			t.Errorf("Location = none, want %s", tc.loc)
		} else if locs.Name(l) != tc.loc {
			t.Errorf("Location = %s, want %s", locs.Name(l), tc.loc)
		}
	}
}

func evResults(rs *ruleset.RuleSet, ev *ruleset.Evaluator) string {
	var parts []string
	for i, r := range ev.Results() {
		parts = append(parts, fmt.Sprintf("%s=%d", rs.Rules()[i].Name, r))
	}
	return strings.Join(parts, " ")
}

// evN returns n one-player tickets on team with the given skill, ids
// prefix1..prefixN.
func evN(team, prefix string, n int, skill float64) []evT {
	out := make([]evT, n)
	for i := range out {
		out[i] = evSolo(team, fmt.Sprintf("%s%d", prefix, i+1), skill)
	}
	return out
}

func evJoin(groups ...[]evT) []evT {
	var out []evT
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

const sec = time.Second

// ---------------------------------------------------------------------------
// comparison

func TestEvalComparisonNumberReference(t *testing.T) {
	rs := evLoad(t, `[{"name": "MinSkill", "type": "comparison",
		"measurements": ["flatten(teams[*].players.attributes[skill])"],
		"referenceValue": 10, "operation": ">=", "partyAggregation": "min"}]`,
		`[{"target": "rules[MinSkill].referenceValue", "steps": [{"waitTimeSeconds": 10, "value": 5}]}]`)
	evRun(t, rs, []evCase{
		// 12 >= 10 and 10 >= 10.
		{name: "singles pass", tickets: []evT{evSolo("red", "a", 12), evSolo("blue", "b", 10)}, want: true,
			res: map[string]int8{"MinSkill": evPass}},
		// a supplies no skill: the default 10 >= 10; the other attribute
		// types are supplied and ignored.
		{name: "default skill", tickets: []evT{evTk("red", evP("a", "mode", "ctf", "roles", []string{"tank"}, "maps", map[string]float64{"m1": 1}))}, want: true},
		// 9 < 10 on a team copy (trio_2).
		{name: "copy below reference", tickets: []evT{evSolo("red", "a", 12), evSolo("trio_2", "b", 9)}, want: false,
			res: map[string]int8{"MinSkill": evFail}},
		// Just before the step at 10 s the reference is still 10: 9 < 10.
		{name: "just before step", wait: 10*sec - time.Millisecond, tickets: []evT{evSolo("trio_2", "b", 9)}, want: false},
		// At 10 s the reference is 5: 9 >= 5.
		{name: "at step", wait: 10 * sec, tickets: []evT{evSolo("trio_2", "b", 9)}, want: true},
		// Party [8, 14] with min: both members count as 8; 8 < 10.
		{name: "party min", tickets: []evT{evTk("red", evS("a", 8), evS("b", 14))}, want: false},
		// Same party after the step: 8 >= 5.
		{name: "party min at step", wait: 10 * sec, tickets: []evT{evTk("red", evS("a", 8), evS("b", 14))}, want: true},
		// Party [10, 14] with min: 10 >= 10.
		{name: "party min at reference", tickets: []evT{evTk("blue", evS("a", 10), evS("b", 14))}, want: true},
		// No players: nothing measured, the rule passes (D8).
		{name: "empty", tickets: nil, want: true, res: map[string]int8{"MinSkill": evPass}},
		// Partial mode checks comparison rules that do not count: 9 < 10.
		{name: "partial checks", mode: ruleset.Partial, tickets: []evT{evSolo("red", "a", 9)}, want: false,
			res: map[string]int8{"MinSkill": evFail}},
		// Structural mode checks only batchDistance and latency rules.
		{name: "structural skips", mode: ruleset.Structural, tickets: []evT{evSolo("red", "a", 9)}, want: true,
			res: map[string]int8{"MinSkill": evNE}},
	})
}

func TestEvalComparisonStringReference(t *testing.T) {
	// TrioPlaysDM names the base definition trio: both copies are measured
	// (D2). NotCTFOnTrio1 names the generated team trio_1: only that copy.
	rs := evLoad(t, `[
		{"name": "TrioPlaysDM", "type": "comparison",
		 "measurements": ["flatten(teams[trio].players.attributes[mode])"],
		 "referenceValue": "dm", "operation": "="},
		{"name": "NotCTFOnTrio1", "type": "comparison",
		 "measurements": ["teams[trio_1].players.attributes[mode]"],
		 "referenceValue": "ctf", "operation": "!="}]`, "")
	evRun(t, rs, []evCase{
		// trio_1: "dm" = "dm" and != "ctf"; trio_2: the default "dm" = "dm".
		{name: "both copies dm", tickets: []evT{evTk("trio_1", evP("a", "mode", "dm")), evTk("trio_2", evP("b"))}, want: true,
			res: map[string]int8{"TrioPlaysDM": evPass, "NotCTFOnTrio1": evPass}},
		// trio_2 "ctf" != "dm": the base name selects copy 2 too.
		{name: "second copy ctf", tickets: []evT{evTk("trio_1", evP("a")), evTk("trio_2", evP("b", "mode", "ctf"))}, want: false,
			res: map[string]int8{"TrioPlaysDM": evFail, "NotCTFOnTrio1": evNE}},
		// red is not measured by either rule.
		{name: "red not measured", tickets: []evT{evTk("red", evP("a", "mode", "ctf")), evTk("trio_1", evP("b", "mode", "dm"))}, want: true},
		// Only trio_2 plays koth? TrioPlaysDM: "koth" != "dm" fails.
		{name: "koth fails", tickets: []evT{evTk("trio_2", evP("b", "mode", "koth"))}, want: false},
		// A party on trio_1 with modes [dm, ctf]: strings are not
		// party-aggregated; "ctf" = "dm" fails.
		{name: "party mixed", tickets: []evT{evTk("trio_1", evP("a", "mode", "dm"), evP("b", "mode", "ctf"))}, want: false,
			res: map[string]int8{"TrioPlaysDM": evFail}},
		// A party [dm, dm] on trio_1 passes both.
		{name: "party agreeing", tickets: []evT{evTk("trio_1", evP("a", "mode", "dm"), evP("b", "mode", "dm"))}, want: true},
		// Both trio copies empty: nothing measured (D8).
		{name: "trio empty", tickets: []evT{evTk("red", evP("a", "mode", "ctf")), evTk("blue", evP("b", "mode", "koth"))}, want: true,
			res: map[string]int8{"TrioPlaysDM": evPass, "NotCTFOnTrio1": evPass}},
		// NotCTFOnTrio1 on generated name: ctf on trio_1 fails it (TrioPlaysDM
		// fails first: "ctf" != "dm").
		{name: "ctf on trio_1", tickets: []evT{evTk("trio_1", evP("a", "mode", "ctf"))}, want: false,
			res: map[string]int8{"TrioPlaysDM": evFail}},
		// Partial checks string comparisons too.
		{name: "partial", mode: ruleset.Partial, tickets: []evT{evTk("trio_2", evP("b", "mode", "ctf"))}, want: false},
		// Structural does not.
		{name: "structural", mode: ruleset.Structural, tickets: []evT{evTk("trio_2", evP("b", "mode", "ctf"))}, want: true,
			res: map[string]int8{"TrioPlaysDM": evNE}},
	})
}

func TestEvalComparisonExpressionReference(t *testing.T) {
	rule := func(agg string) string {
		return `[{"name": "RedBeatsBlue", "type": "comparison",
			"measurements": ["avg(teams[red].players.attributes[skill])"],
			"referenceValue": "max(teams[blue].players.attributes[skill])",
			"operation": ">="` + agg + `}]`
	}
	t.Run("avg", func(t *testing.T) {
		rs := evLoad(t, rule(""), "")
		evRun(t, rs, []evCase{
			// avg(red) = 30; max(blue) = max(20, 25) = 25; 30 >= 25.
			{name: "singles", tickets: []evT{evSolo("red", "a", 30), evSolo("blue", "b", 20), evSolo("blue", "c", 25)}, want: true},
			// red party [10, 30] -> 20, 20 (avg); avg = 20 < 25.
			{name: "red party", tickets: []evT{evTk("red", evS("a", 10), evS("b", 30)), evSolo("blue", "c", 25)}, want: false},
			// Same party against 20: 20 >= 20.
			{name: "red party equal", tickets: []evT{evTk("red", evS("a", 10), evS("b", 30)), evSolo("blue", "c", 20)}, want: true},
			// blue party [15, 35] -> 25, 25; max = 25; red 24 < 25.
			{name: "blue party", tickets: []evT{evSolo("red", "a", 24), evTk("blue", evS("b", 15), evS("c", 35))}, want: false},
			// red 25 >= 25.
			{name: "blue party equal", tickets: []evT{evSolo("red", "a", 25), evTk("blue", evS("b", 15), evS("c", 35))}, want: true},
			// blue empty: max of nothing has no value, the rule passes (D8).
			{name: "blue empty", tickets: []evT{evSolo("red", "a", 1)}, want: true, res: map[string]int8{"RedBeatsBlue": evPass}},
			// red empty: avg of nothing (D8).
			{name: "red empty", tickets: []evT{evSolo("blue", "a", 99)}, want: true},
			// Players on trio copies are not read: avg(red) = 10 (default) >= max(blue) = 10.
			{name: "defaults and copies", tickets: []evT{evTk("red", evP("a")), evTk("blue", evP("b")), evSolo("trio_1", "c", 99)}, want: true},
			// Partial mode evaluates: 1 < 5.
			{name: "partial", mode: ruleset.Partial, tickets: []evT{evSolo("red", "a", 1), evSolo("blue", "b", 5)}, want: false},
		})
	})
	t.Run("max", func(t *testing.T) {
		rs := evLoad(t, rule(`, "partyAggregation": "max"`), "")
		evRun(t, rs, []evCase{
			// red party [10, 30] -> 30, 30; blue party [15, 35] -> 35, 35; 30 < 35.
			{name: "parties", tickets: []evT{evTk("red", evS("a", 10), evS("b", 30)), evTk("blue", evS("c", 15), evS("d", 35))}, want: false},
			// red party -> 30; blue single 25; 30 >= 25.
			{name: "red party", tickets: []evT{evTk("red", evS("a", 10), evS("b", 30)), evSolo("blue", "c", 25)}, want: true},
		})
	})
	t.Run("min", func(t *testing.T) {
		rs := evLoad(t, rule(`, "partyAggregation": "min"`), "")
		evRun(t, rs, []evCase{
			// red party [10, 30] -> 10, 10; 10 >= 5.
			{name: "below", tickets: []evT{evTk("red", evS("a", 10), evS("b", 30)), evSolo("blue", "c", 5)}, want: true},
			// 10 < 11.
			{name: "above", tickets: []evT{evTk("red", evS("a", 10), evS("b", 30)), evSolo("blue", "c", 11)}, want: false},
		})
	})
}

func TestEvalComparisonWithoutReference(t *testing.T) {
	numbers := func(op string) string {
		return `[{"name": "Skills", "type": "comparison",
			"measurements": ["flatten(teams[*].players.attributes[skill])"], "operation": "` + op + `"}]`
	}
	strs := func(op string) string {
		return `[{"name": "Modes", "type": "comparison",
			"measurements": ["flatten(teams[*].players.attributes[mode])"], "operation": "` + op + `"}]`
	}
	t.Run("numbers equal", func(t *testing.T) {
		rs := evLoad(t, numbers("="), "")
		evRun(t, rs, []evCase{
			// 10, 10 (default), 10 on a copy: all equal.
			{name: "all ten", tickets: []evT{evSolo("red", "a", 10), evTk("blue", evP("b")), evSolo("trio_2", "c", 10)}, want: true},
			// 10 != 11.
			{name: "one differs", tickets: []evT{evSolo("red", "a", 10), evSolo("trio_1", "b", 11)}, want: false},
			// Party [8, 12] -> 10, 10 (avg); with a single 10: all 10.
			{name: "party averages to ten", tickets: []evT{evTk("red", evS("a", 8), evS("b", 12)), evSolo("blue", "c", 10)}, want: true},
			// Party -> 10, 10; single 12: 10 != 12.
			{name: "party against twelve", tickets: []evT{evTk("red", evS("a", 8), evS("b", 12)), evSolo("blue", "c", 12)}, want: false},
			// One value is trivially all-equal.
			{name: "single", tickets: []evT{evSolo("red", "a", 3)}, want: true},
			// Nothing measured (D8).
			{name: "empty", want: true},
			{name: "partial", mode: ruleset.Partial, tickets: []evT{evSolo("red", "a", 10), evSolo("blue", "b", 11)}, want: false},
			{name: "structural", mode: ruleset.Structural, tickets: []evT{evSolo("red", "a", 10), evSolo("blue", "b", 11)}, want: true},
		})
	})
	t.Run("numbers distinct", func(t *testing.T) {
		rs := evLoad(t, numbers("!="), "")
		evRun(t, rs, []evCase{
			// 10, 11, 12: pairwise different.
			{name: "distinct", tickets: []evT{evSolo("red", "a", 10), evSolo("blue", "b", 11), evSolo("trio_1", "c", 12)}, want: true},
			// 10, 12, 10: a repeat.
			{name: "repeat", tickets: []evT{evSolo("red", "a", 10), evSolo("blue", "b", 12), evSolo("trio_2", "c", 10)}, want: false},
			// The default 10 repeats a supplied 10.
			{name: "default repeats", tickets: []evT{evSolo("red", "a", 10), evTk("blue", evP("b"))}, want: false},
			// Party [8, 12] -> 10, 10: D9 replaces each member's value by the
			// party average, so a party always repeats a value under !=
			// (the code's reading of D9).
			{name: "party repeats", tickets: []evT{evTk("red", evS("a", 8), evS("b", 12))}, want: false},
			{name: "single", tickets: []evT{evSolo("red", "a", 3)}, want: true},
			{name: "empty", want: true},
		})
	})
	t.Run("strings equal", func(t *testing.T) {
		rs := evLoad(t, strs("="), "")
		evRun(t, rs, []evCase{
			// "dm" and the default "dm".
			{name: "dm and default", tickets: []evT{evTk("red", evP("a", "mode", "dm")), evTk("trio_1", evP("b"))}, want: true},
			// "dm" != "ctf".
			{name: "dm and ctf", tickets: []evT{evTk("red", evP("a", "mode", "dm")), evTk("blue", evP("b", "mode", "ctf"))}, want: false},
			// Party [dm, ctf]: members keep their own strings.
			{name: "party mixed", tickets: []evT{evTk("red", evP("a", "mode", "dm"), evP("b", "mode", "ctf"))}, want: false},
			{name: "empty", want: true},
		})
	})
	t.Run("strings distinct", func(t *testing.T) {
		rs := evLoad(t, strs("!="), "")
		evRun(t, rs, []evCase{
			{name: "three modes", tickets: []evT{evTk("red", evP("a", "mode", "dm")), evTk("blue", evP("b", "mode", "ctf")), evTk("trio_2", evP("c", "mode", "koth"))}, want: true},
			// "dm" twice (the second is the default).
			{name: "default repeats", tickets: []evT{evTk("red", evP("a", "mode", "dm")), evTk("blue", evP("b"))}, want: false},
			// Party [dm, ctf] and koth: strings are not aggregated, all distinct.
			{name: "party distinct", tickets: []evT{evTk("red", evP("a", "mode", "dm"), evP("b", "mode", "ctf")), evTk("blue", evP("c", "mode", "koth"))}, want: true},
			{name: "empty", want: true},
		})
	})
}

func TestEvalComparisonCount(t *testing.T) {
	// Rules that count players depend on team sizes: Partial and Structural
	// skip them; Final checks them (D7, SPEC 18.8).
	rs := evLoad(t, `[{"name": "EqualTrios", "type": "comparison",
		"measurements": ["count(teams[trio_1].players)"],
		"referenceValue": "count(teams[trio_2].players)", "operation": "="}]`, "")
	evRun(t, rs, []evCase{
		// trio_1: a party of 2; trio_2: 2 singles; 2 = 2.
		{name: "party and singles", tickets: []evT{evTk("trio_1", evS("a", 1), evS("b", 2)), evSolo("trio_2", "c", 3), evSolo("trio_2", "d", 4)}, want: true,
			res: map[string]int8{"EqualTrios": evPass}},
		// 2 != 1.
		{name: "unequal", tickets: []evT{evTk("trio_1", evS("a", 1), evS("b", 2)), evSolo("trio_2", "c", 3)}, want: false,
			res: map[string]int8{"EqualTrios": evFail}},
		// Partial skips the count rule.
		{name: "unequal partial", mode: ruleset.Partial, tickets: []evT{evTk("trio_1", evS("a", 1), evS("b", 2)), evSolo("trio_2", "c", 3)}, want: true,
			res: map[string]int8{"EqualTrios": evNE}},
		{name: "unequal structural", mode: ruleset.Structural, tickets: []evT{evTk("trio_1", evS("a", 1), evS("b", 2))}, want: true,
			res: map[string]int8{"EqualTrios": evNE}},
		// Both copies empty: count is 0, not "nothing"; 0 = 0.
		{name: "both empty", tickets: []evT{evSolo("red", "a", 1), evSolo("blue", "b", 1)}, want: true, res: map[string]int8{"EqualTrios": evPass}},
		// trio_1 1, trio_2 0: 1 != 0 (an empty team counts 0).
		{name: "one empty", tickets: []evT{evSolo("trio_1", "a", 1)}, want: false},
	})
}

func TestEvalComparisonFixedPlayerTeams(t *testing.T) {
	// A backfill ticket's players keep their own teams (Candidate.AddFixed).
	rs := evLoad(t, `[{"name": "EqualTrios", "type": "comparison",
		"measurements": ["count(teams[trio_1].players)"],
		"referenceValue": "count(teams[trio_2].players)", "operation": "="}]`, "")
	locs := ticket.NewLocations()
	backfill := evResolve(t, rs, locs, evS("a", 1), evS("b", 2), evS("c", 3))
	t1, _ := rs.TeamIndex("trio_1")
	t2, _ := rs.TeamIndex("trio_2")
	var c ruleset.Candidate
	c.AddFixed(backfill, []int{t1, t1, t2}) // trio_1: 2, trio_2: 1
	ev := rs.NewEvaluator(locs)
	if ev.Evaluate(&c, rs.At(0), ruleset.Final) {
		t.Fatalf("2 vs 1 passed")
	}
	c.Add(evResolve(t, rs, locs, evS("d", 4)), t2) // trio_2: 2
	if !ev.Evaluate(&c, rs.At(0), ruleset.Final) {
		t.Fatalf("2 vs 2 failed: %s", evResults(rs, ev))
	}
	if c.Players() != 4 {
		t.Errorf("Players = %d, want 4", c.Players())
	}
	c.Pop()
	if ev.Evaluate(&c, rs.At(0), ruleset.Final) {
		t.Fatalf("after Pop, 2 vs 1 passed")
	}
	// Reset keeps nothing: both copies empty, 0 = 0.
	c.Reset()
	if c.Players() != 0 || !ev.Evaluate(&c, rs.At(0), ruleset.Final) {
		t.Fatalf("after Reset: %d players, %s", c.Players(), evResults(rs, ev))
	}
	c.Add(evResolve(t, rs, locs, evS("e", 5)), t1) // trio_1: 1, trio_2: 0
	if ev.Evaluate(&c, rs.At(0), ruleset.Final) {
		t.Fatalf("after Reset and Add, 1 vs 0 passed")
	}
}

// ---------------------------------------------------------------------------
// distance

func TestEvalDistanceExample1FairTeamSkill(t *testing.T) {
	// FairTeamSkill: each team's average skill within maxDistance of the match
	// average; maxDistance 10, 50 from 5 s, 100 from 15 s. EqualTeamSizes:
	// count(cowboys) = count(aliens), skipped in Partial mode.
	rs := evExample(t, "ex01")
	defaults := func(team, prefix string, n int) []evT {
		out := make([]evT, n)
		for i := range out {
			out[i] = evTk(team, evP(fmt.Sprintf("%s%d", prefix, i+1)))
		}
		return out
	}
	both := map[string]int8{"FairTeamSkill": evPass, "EqualTeamSizes": evPass}
	evRun(t, rs, []evCase{
		// 8v8 on the default skill 10: team averages 10, 10; match average 10.
		{name: "8v8 defaults", tickets: evJoin(defaults("cowboys", "c", 8), defaults("aliens", "a", 8)), want: true, res: both, loc: "-"},
		// 8x20 v 8x0: averages 20, 0; match average 10; distances 10, 10 <= 10.
		{name: "8v8 at the bound", tickets: evJoin(evN("cowboys", "c", 8, 20), evN("aliens", "a", 8, 0)), want: true, res: both},
		// 8x21 v 8x0: averages 21, 0; match 10.5; distances 10.5 > 10.
		{name: "8v8 over", tickets: evJoin(evN("cowboys", "c", 8, 21), evN("aliens", "a", 8, 0)), want: false,
			res: map[string]int8{"FairTeamSkill": evFail, "EqualTeamSizes": evNE}},
		// Same, just before 5 s: still 10.5 > 10.
		{name: "8v8 over before 5s", wait: 5*sec - time.Millisecond, tickets: evJoin(evN("cowboys", "c", 8, 21), evN("aliens", "a", 8, 0)), want: false},
		// At 5 s maxDistance is 50: 10.5 <= 50.
		{name: "8v8 over at 5s", wait: 5 * sec, tickets: evJoin(evN("cowboys", "c", 8, 21), evN("aliens", "a", 8, 0)), want: true},
		// 4x120 v 4x0: averages 120, 0; match 60; distances 60 > 50 at 5 s.
		{name: "4v4 wide at 5s", wait: 5 * sec, tickets: evJoin(evN("cowboys", "c", 4, 120), evN("aliens", "a", 4, 0)), want: false},
		// Just before 15 s: still 60 > 50.
		{name: "4v4 wide before 15s", wait: 15*sec - time.Millisecond, tickets: evJoin(evN("cowboys", "c", 4, 120), evN("aliens", "a", 4, 0)), want: false},
		// At 15 s maxDistance is 100: 60 <= 100.
		{name: "4v4 wide at 15s", wait: 15 * sec, tickets: evJoin(evN("cowboys", "c", 4, 120), evN("aliens", "a", 4, 0)), want: true},
		// aliens empty: cowboys [10, 40] average 25, match 25, distance 0
		// (the empty team has no average, D8); EqualTeamSizes 2 != 0.
		{name: "aliens empty final", tickets: []evT{evSolo("cowboys", "c1", 10), evSolo("cowboys", "c2", 40)}, want: false,
			res: map[string]int8{"FairTeamSkill": evPass, "EqualTeamSizes": evFail}},
		// Partial skips EqualTeamSizes (it counts players).
		{name: "aliens empty partial", mode: ruleset.Partial, tickets: []evT{evSolo("cowboys", "c1", 10), evSolo("cowboys", "c2", 40)}, want: true,
			res: map[string]int8{"FairTeamSkill": evPass, "EqualTeamSizes": evNE}},
		// Party [0, 40] -> 20, 20 (avg) plus a single 20 on cowboys: average 20;
		// aliens 0; match (20+20+20+0)/4 = 15; distances 5 and 15 > 10.
		{name: "party", tickets: []evT{evTk("cowboys", evS("c1", 0), evS("c2", 40)), evSolo("cowboys", "c3", 20), evSolo("aliens", "a1", 0)}, want: false,
			res: map[string]int8{"FairTeamSkill": evFail}},
		// Partial checks FairTeamSkill too: 15 > 10.
		{name: "party partial", mode: ruleset.Partial, tickets: []evT{evTk("cowboys", evS("c1", 0), evS("c2", 40)), evSolo("cowboys", "c3", 20), evSolo("aliens", "a1", 0)}, want: false},
		// 3v1 on skill 10: FairTeamSkill distances 0; EqualTeamSizes 3 != 1.
		{name: "3v1 final", tickets: evJoin(evN("cowboys", "c", 3, 10), evN("aliens", "a", 1, 10)), want: false},
		{name: "3v1 partial", mode: ruleset.Partial, tickets: evJoin(evN("cowboys", "c", 3, 10), evN("aliens", "a", 1, 10)), want: true},
		// Structural checks neither rule (no batchDistance or latency rules).
		{name: "party structural", mode: ruleset.Structural, tickets: []evT{evTk("cowboys", evS("c1", 0), evS("c2", 40)), evSolo("aliens", "a1", 0)}, want: true,
			res: map[string]int8{"FairTeamSkill": evNE, "EqualTeamSizes": evNE}},
		// No players: averages of nothing (D8); counts 0 = 0.
		{name: "empty", want: true, res: both},
	})
}

// evLat is a one-player ticket with a skill and one latency to us-east-1.
func evLat(team, id string, skill float64, ms int, kv ...any) evT {
	return evTk(team, evP(id, append([]any{"skill", skill, "lat", map[string]int{"us-east-1": ms}}, kv...)...))
}

// evTrios fills trio_1..trio_3 of example 3 with n1, n2, n3 one-player
// tickets of skill 10 and latency 20 ms.
func evTrios(n1, n2, n3 int) []evT {
	var out []evT
	for ti, n := range []int{n1, n2, n3} {
		for i := range n {
			out = append(out, evLat(fmt.Sprintf("trio_%d", ti+1), fmt.Sprintf("t%d-%d", ti+1, i+1), 10, 20))
		}
	}
	return out
}

func TestEvalDistanceExample3CloseTeamSizes(t *testing.T) {
	// CloseTeamSizes: max(count(teams[*].players)) within 1 of
	// min(count(teams[*].players)); teams trio_1..trio_3 (quantity 3).
	rs := evExample(t, "ex03")
	party := func(team, prefix string, n int) evT {
		ps := make([]ticket.Player, n)
		for i := range ps {
			ps[i] = evP(fmt.Sprintf("%s%d", prefix, i+1), "skill", 10.0, "lat", map[string]int{"us-east-1": 20})
		}
		return evTk(team, ps...)
	}
	evRun(t, rs, []evCase{
		// Sizes 3, 3, 4: max 4 - min 3 = 1 <= 1.
		{name: "3v3v4", tickets: evTrios(3, 3, 4), want: true, res: map[string]int8{"CloseTeamSizes": evPass}, loc: "us-east-1"},
		// 5, 5, 4: 5 - 4 = 1.
		{name: "5v5v4", tickets: evTrios(5, 5, 4), want: true},
		// 3, 5, 5: 5 - 3 = 2 > 1.
		{name: "3v5v5", tickets: evTrios(3, 5, 5), want: false, res: map[string]int8{"CloseTeamSizes": evFail}},
		// Partial skips the count rule.
		{name: "3v5v5 partial", mode: ruleset.Partial, tickets: evTrios(3, 5, 5), want: true, res: map[string]int8{"CloseTeamSizes": evNE}},
		// trio_3 still empty: 3 - 0 = 3 > 1 (an empty team counts 0).
		{name: "3v3v0", tickets: evTrios(3, 3, 0), want: false},
		{name: "3v3v0 partial", mode: ruleset.Partial, tickets: evTrios(3, 3, 0), want: true},
		// Parties count their players: trio_1 party of 3 + 1 = 4; trio_2 3;
		// trio_3 party of 2 + 1 = 3; 4 - 3 = 1.
		{name: "parties", tickets: append(evJoin(evTrios(0, 3, 0)), party("trio_1", "p", 3), evLat("trio_1", "s1", 10, 20),
			party("trio_3", "q", 2), evLat("trio_3", "s2", 10, 20)), want: true},
		// trio_1 party of 3 + 2 = 5; trio_2 3; trio_3 3: 5 - 3 = 2.
		{name: "parties over", tickets: append(evJoin(evTrios(0, 3, 3)), party("trio_1", "p", 3), evLat("trio_1", "s1", 10, 20), evLat("trio_1", "s2", 10, 20)), want: false},
		// No players: counts 0, 0, 0; every other rule has nothing to measure;
		// the latency rule has no player to fail (D8).
		{name: "empty", want: true, loc: "-"},
		// Latency 60 > maxLatency 50 before 10 s.
		{name: "slow before 10s", wait: 10*sec - time.Millisecond, tickets: append(evTrios(3, 3, 2), evLat("trio_3", "slow", 10, 60)), want: false,
			res: map[string]int8{"FastConnection": evFail}},
		// At 10 s maxLatency is 100: 60 <= 100.
		{name: "slow at 10s", wait: 10 * sec, tickets: append(evTrios(3, 3, 2), evLat("trio_3", "slow", 10, 60)), want: true, loc: "us-east-1"},
		// Structural checks only the latency rule: 3v5v5 passes, the slow
		// player does not.
		{name: "structural sizes", mode: ruleset.Structural, tickets: evTrios(3, 5, 5), want: true, res: map[string]int8{"CloseTeamSizes": evNE}},
		{name: "structural slow", mode: ruleset.Structural, tickets: append(evTrios(1, 0, 0), evLat("trio_2", "slow", 10, 60)), want: false},
	})
}

func TestEvalDistanceMinDistance(t *testing.T) {
	// FarFromFifty: every trio player's skill at least 20 from 50 (base name
	// trio: both copies, D2); party max; minDistance 10 from 10 s.
	rs := evLoad(t, `[{"name": "FarFromFifty", "type": "distance",
		"measurements": ["teams[trio].players.attributes[skill]"],
		"referenceValue": 50, "minDistance": 20, "partyAggregation": "max"}]`,
		`[{"target": "rules[FarFromFifty].minDistance", "steps": [{"waitTimeSeconds": 10, "value": 10}]}]`)
	evRun(t, rs, []evCase{
		// |20-50| = 30 >= 20; |75-50| = 25 >= 20.
		{name: "both copies far", tickets: []evT{evSolo("trio_1", "a", 20), evSolo("trio_2", "b", 75)}, want: true},
		// |65-50| = 15 < 20 on trio_2.
		{name: "copy 2 close", tickets: []evT{evSolo("trio_1", "a", 20), evSolo("trio_2", "b", 65)}, want: false},
		{name: "copy 2 close before 10s", wait: 10*sec - time.Millisecond, tickets: []evT{evSolo("trio_2", "b", 65)}, want: false},
		// At 10 s minDistance 10: 15 >= 10.
		{name: "copy 2 close at 10s", wait: 10 * sec, tickets: []evT{evSolo("trio_2", "b", 65)}, want: true},
		// Party [20, 45] with max -> 45, 45: |45-50| = 5 < 20.
		{name: "party max", tickets: []evT{evTk("trio_1", evS("a", 20), evS("b", 45))}, want: false},
		// Still 5 < 10 at 10 s.
		{name: "party max at 10s", wait: 10 * sec, tickets: []evT{evTk("trio_1", evS("a", 20), evS("b", 45))}, want: false},
		// Party [20, 29] -> 29, 29: 21 >= 20.
		{name: "party max far", tickets: []evT{evTk("trio_1", evS("a", 20), evS("b", 29))}, want: true},
		// The default skill 10: |10-50| = 40.
		{name: "default", tickets: []evT{evTk("trio_1", evP("a", "mode", "ctf", "roles", []string{"x"}, "maps", map[string]float64{"k": 1}))}, want: true},
		// red is not measured: 50 is fine there.
		{name: "red unmeasured", tickets: []evT{evSolo("red", "a", 50)}, want: true},
		{name: "empty", want: true},
		{name: "partial", mode: ruleset.Partial, tickets: []evT{evSolo("trio_2", "b", 65)}, want: false},
		{name: "structural", mode: ruleset.Structural, tickets: []evT{evSolo("trio_2", "b", 65)}, want: true},
	})
}

func TestEvalDistanceBothBounds(t *testing.T) {
	// Band: every player between 5 and 15 from the match average; party min;
	// maxDistance 25 from 5 s.
	rs := evLoad(t, `[{"name": "Band", "type": "distance",
		"measurements": ["flatten(teams[*].players.attributes[skill])"],
		"referenceValue": "avg(flatten(teams[*].players.attributes[skill]))",
		"minDistance": 5, "maxDistance": 15, "partyAggregation": "min"}]`,
		`[{"target": "rules[Band].maxDistance", "steps": [{"waitTimeSeconds": 5, "value": 25}]}]`)
	evRun(t, rs, []evCase{
		// 10, 30: average 20; distances 10, 10 in [5, 15].
		{name: "inside", tickets: []evT{evSolo("red", "a", 10), evSolo("trio_1", "b", 30)}, want: true},
		// The default 10 and 30: the same.
		{name: "inside default", tickets: []evT{evTk("red", evP("a")), evSolo("trio_2", "b", 30)}, want: true},
		// 10, 30, 20: average 20; the 20 is 0 < 5 away.
		{name: "too close", tickets: []evT{evSolo("red", "a", 10), evSolo("blue", "b", 30), evSolo("blue", "c", 20)}, want: false},
		// 0, 40: average 20; distances 20 > 15.
		{name: "too far", tickets: []evT{evSolo("red", "a", 0), evSolo("blue", "b", 40)}, want: false},
		{name: "too far before 5s", wait: 5*sec - time.Millisecond, tickets: []evT{evSolo("red", "a", 0), evSolo("blue", "b", 40)}, want: false},
		// At 5 s maxDistance 25: 20 <= 25.
		{name: "too far at 5s", wait: 5 * sec, tickets: []evT{evSolo("red", "a", 0), evSolo("blue", "b", 40)}, want: true},
		// One player is its own average: 0 < 5.
		{name: "single", tickets: []evT{evSolo("red", "a", 10)}, want: false},
		// Party [10, 50] with min -> 10, 10; single 30: average 50/3 = 16.67;
		// distances 6.67, 6.67, 13.33, all in [5, 15].
		{name: "party min", tickets: []evT{evTk("red", evS("a", 10), evS("b", 50)), evSolo("trio_2", "c", 30)}, want: true},
		{name: "empty", want: true},
		{name: "partial", mode: ruleset.Partial, tickets: []evT{evSolo("red", "a", 0), evSolo("blue", "b", 40)}, want: false},
		{name: "structural", mode: ruleset.Structural, tickets: []evT{evSolo("red", "a", 0), evSolo("blue", "b", 40)}, want: true},
	})
}

// ---------------------------------------------------------------------------
// collection

// evR is a one-player ticket with a roles list.
func evR(team, id string, roles ...string) evT {
	return evTk(team, evP(id, "roles", roles))
}

func TestEvalCollectionIntersection(t *testing.T) {
	rule := func(agg string) string {
		return `[{"name": "SharedRole", "type": "collection", "operation": "intersection",
			"measurements": ["flatten(teams[trio].players.attributes[roles])"], "minCount": 1` + agg + `}]`
	}
	exp := `[{"target": "rules[SharedRole].minCount", "steps": [{"waitTimeSeconds": 20, "value": 0}]}]`
	t.Run("union", func(t *testing.T) {
		rs := evLoad(t, rule(""), exp)
		evRun(t, rs, []evCase{
			// {tank, healer} n {healer, dps} = {healer}: 1 >= 1.
			{name: "share healer", tickets: []evT{evR("trio_1", "a", "tank", "healer"), evR("trio_2", "b", "healer", "dps")}, want: true},
			// {tank} n {dps} = {}: 0 < 1.
			{name: "nothing shared", tickets: []evT{evR("trio_1", "a", "tank"), evR("trio_2", "b", "dps")}, want: false,
				res: map[string]int8{"SharedRole": evFail}},
			{name: "nothing shared before 20s", wait: 20*sec - time.Millisecond, tickets: []evT{evR("trio_1", "a", "tank"), evR("trio_2", "b", "dps")}, want: false},
			// At 20 s minCount 0: 0 >= 0.
			{name: "nothing shared at 20s", wait: 20 * sec, tickets: []evT{evR("trio_1", "a", "tank"), evR("trio_2", "b", "dps")}, want: true},
			// {peasant, tank} n default {peasant} = {peasant}.
			{name: "default", tickets: []evT{evR("trio_1", "a", "peasant", "tank"), evTk("trio_2", evP("b", "skill", 3))}, want: true},
			// red is not measured (trio names both copies, not red): {tank} alone.
			{name: "red unmeasured", tickets: []evT{evR("trio_1", "a", "tank"), evR("red", "b", "dps")}, want: true},
			// Party [[tank], [dps]] by union -> each {dps, tank}; with {dps}: {dps}.
			{name: "party union", tickets: []evT{evTk("trio_1", evP("a", "roles", []string{"tank"}), evP("b", "roles", []string{"dps"})), evR("trio_2", "c", "dps")}, want: true},
			// An empty list shares nothing: 0 < 1 (a list was measured, so D8
			// does not apply).
			{name: "empty list", tickets: []evT{evR("trio_1", "a")}, want: false},
			// Repeats count once: {tank} n {tank} = {tank}.
			{name: "repeats", tickets: []evT{evR("trio_1", "a", "tank", "tank"), evR("trio_2", "b", "tank")}, want: true},
			// Both trio copies empty: nothing measured (D8).
			{name: "trio empty", tickets: []evT{evR("red", "a", "x"), evR("blue", "b", "y")}, want: true, res: map[string]int8{"SharedRole": evPass}},
			// An intersection only shrinks as players join, so Partial checks
			// minCount.
			{name: "partial", mode: ruleset.Partial, tickets: []evT{evR("trio_1", "a", "tank"), evR("trio_2", "b", "dps")}, want: false,
				res: map[string]int8{"SharedRole": evFail}},
			{name: "structural", mode: ruleset.Structural, tickets: []evT{evR("trio_1", "a", "tank"), evR("trio_2", "b", "dps")}, want: true,
				res: map[string]int8{"SharedRole": evNE}},
		})
	})
	t.Run("intersection", func(t *testing.T) {
		rs := evLoad(t, rule(`, "partyAggregation": "intersection"`), exp)
		evRun(t, rs, []evCase{
			// Party [[tank, dps], [dps]] by intersection -> each {dps}; with
			// {tank}: {} -> 0 < 1.
			{name: "party intersection", tickets: []evT{evTk("trio_1", evP("a", "roles", []string{"tank", "dps"}), evP("b", "roles", []string{"dps"})), evR("trio_2", "c", "tank")}, want: false},
			// The same party with {dps}: {dps}.
			{name: "party intersection shares", tickets: []evT{evTk("trio_1", evP("a", "roles", []string{"tank", "dps"}), evP("b", "roles", []string{"dps"})), evR("trio_2", "c", "dps")}, want: true},
			// Party [[tank], [dps]] -> {}: 0 < 1 even alone.
			{name: "party disjoint", tickets: []evT{evTk("trio_2", evP("a", "roles", []string{"tank"}), evP("b", "roles", []string{"dps"}))}, want: false},
		})
	})
	t.Run("union same candidates", func(t *testing.T) {
		rs := evLoad(t, rule(`, "partyAggregation": "union"`), exp)
		evRun(t, rs, []evCase{
			// Party [[tank, dps], [dps]] by union -> each {dps, tank}; with {tank}: {tank}.
			{name: "party union", tickets: []evT{evTk("trio_1", evP("a", "roles", []string{"tank", "dps"}), evP("b", "roles", []string{"dps"})), evR("trio_2", "c", "tank")}, want: true},
			// Party [[tank], [dps]] -> {dps, tank} each: 2 >= 1.
			{name: "party disjoint", tickets: []evT{evTk("trio_2", evP("a", "roles", []string{"tank"}), evP("b", "roles", []string{"dps"}))}, want: true},
		})
	})
}

// evMedics fills trio_1..trio_3 of example 3 with three players each
// (latency 20 ms), the first medics of whom have character ["medic"] and
// the rest the default ["peasant"].
func evMedics(medics int) []evT {
	var out []evT
	for i := range 9 {
		team := fmt.Sprintf("trio_%d", i%3+1)
		id := fmt.Sprintf("p%d", i+1)
		if i < medics {
			out = append(out, evLat(team, id, 10, 20, "character", []string{"medic"}))
		} else {
			out = append(out, evLat(team, id, 10, 20))
		}
	}
	return out
}

func TestEvalCollectionContainsMaxCount(t *testing.T) {
	// Example 3's OverallMedicLimit: at most 5 players whose character list
	// contains "medic" (contains, maxCount 5).
	rs := evExample(t, "ex03")
	medicParty := evTk("trio_3",
		evP("m1", "skill", 10.0, "character", []string{"medic"}, "lat", map[string]int{"us-east-1": 20}),
		evP("m2", "skill", 10.0, "lat", map[string]int{"us-east-1": 20}))
	evRun(t, rs, []evCase{
		// 5 medics of 9: 5 <= 5.
		{name: "five", tickets: evMedics(5), want: true, res: map[string]int8{"OverallMedicLimit": evPass}},
		// 6 > 5.
		{name: "six", tickets: evMedics(6), want: false, res: map[string]int8{"OverallMedicLimit": evFail}},
		// A contains count only grows as players join, so Partial checks
		// maxCount: 6 > 5 already.
		{name: "six partial", mode: ruleset.Partial, tickets: evMedics(6)[:7], want: false, res: map[string]int8{"OverallMedicLimit": evFail}},
		// A list with other entries still contains medic: [medic, tank] counts.
		// 5 medics + x = 6 > 5.
		{name: "mixed lists", tickets: append(evMedics(5)[:8], evLat("trio_3", "x", 10, 20, "character", []string{"tank", "medic"})), want: false,
			res: map[string]int8{"OverallMedicLimit": evFail}},
		// Party [[medic], [peasant]] by union (the default): each member's list
		// becomes {medic, peasant}, so the party counts 2 (the code's reading
		// of D9: the merged list replaces each member's list). Sizes 3, 3, 2+2;
		// 4 singles + 2 = 6 > 5.
		{name: "party union counts each member", tickets: append(evMedics(4)[:8], medicParty), want: false,
			res: map[string]int8{"OverallMedicLimit": evFail}},
		// 3 singles + 2 = 5.
		{name: "party union at the bound", tickets: append(evMedics(3)[:8], medicParty), want: true},
		// Nothing measured (D8).
		{name: "empty", want: true},
		{name: "structural", mode: ruleset.Structural, tickets: evMedics(6), want: true, res: map[string]int8{"OverallMedicLimit": evNE}},
	})
}

func TestEvalCollectionContainsMinCount(t *testing.T) {
	// NeedHealers: at least 2 players (of any team, copies included) whose
	// roles contain healer; party lists by intersection; minCount 1 from 30 s.
	rs := evLoad(t, `[{"name": "NeedHealers", "type": "collection", "operation": "contains",
		"measurements": ["flatten(teams[*].players.attributes[roles])"],
		"referenceValue": "healer", "minCount": 2, "partyAggregation": "intersection"}]`,
		`[{"target": "rules[NeedHealers].minCount", "steps": [{"waitTimeSeconds": 30, "value": 1}]}]`)
	evRun(t, rs, []evCase{
		// Two healers (red, trio_2): 2 >= 2.
		{name: "two", tickets: []evT{evR("red", "a", "healer"), evR("trio_2", "b", "tank", "healer")}, want: true},
		// One healer: 1 < 2.
		{name: "one", tickets: []evT{evR("red", "a", "healer"), evR("trio_1", "b", "tank")}, want: false, res: map[string]int8{"NeedHealers": evFail}},
		// Partial does not check minCount of contains: more players may
		// bring healers. The rule is evaluated and passes.
		{name: "one partial", mode: ruleset.Partial, tickets: []evT{evR("red", "a", "healer"), evR("trio_1", "b", "tank")}, want: true,
			res: map[string]int8{"NeedHealers": evPass}},
		{name: "one before 30s", wait: 30*sec - time.Millisecond, tickets: []evT{evR("red", "a", "healer")}, want: false},
		// At 30 s minCount 1: 1 >= 1.
		{name: "one at 30s", wait: 30 * sec, tickets: []evT{evR("red", "a", "healer")}, want: true},
		// Party [[healer, tank], [healer]] by intersection -> each {healer}: 2.
		{name: "party both healers", tickets: []evT{evTk("blue", evP("a", "roles", []string{"healer", "tank"}), evP("b", "roles", []string{"healer"}))}, want: true},
		// Party [[healer], [tank]] -> {} each: 0; plus one single healer: 1 < 2.
		{name: "party intersection drops healer", tickets: []evT{evTk("blue", evP("a", "roles", []string{"healer"}), evP("b", "roles", []string{"tank"})), evR("trio_1", "c", "healer")}, want: false},
		// Defaults ["peasant"]: 0 < 2.
		{name: "defaults", tickets: []evT{evTk("red", evP("a")), evTk("blue", evP("b"))}, want: false},
		{name: "defaults partial", mode: ruleset.Partial, tickets: []evT{evTk("red", evP("a")), evTk("blue", evP("b"))}, want: true},
		// No players: nothing measured passes, even a minCount (D8).
		{name: "empty", want: true},
		{name: "structural", mode: ruleset.Structural, tickets: []evT{evR("red", "a")}, want: true, res: map[string]int8{"NeedHealers": evNE}},
	})
}

// evOpp is a one-player ticket for example 5.
func evOpp(id, character string, preferred ...string) ticket.Player {
	return evP(id, "myCharacter", []string{character}, "preferredOpponents", preferred)
}

func TestEvalCollectionExample5OpponentMatch(t *testing.T) {
	// OpponentMatch: for each player, |myCharacter n set_intersection(all
	// preferredOpponents)| >= minCount (1, then 0 from 15 s).
	rs := evExample(t, "ex05")
	all := []string{"elf", "orc", "dwarf", "troll", "ogre"}
	noOgre := []string{"elf", "orc", "dwarf", "troll"}
	noOrc := []string{"elf", "dwarf", "troll", "ogre"}
	five := func(p5pref []string) []evT {
		return []evT{
			evTk("red", evOpp("p1", "elf", all...)), evTk("red", evOpp("p2", "orc", all...)),
			evTk("red", evOpp("p3", "dwarf", all...)), evTk("red", evOpp("p4", "troll", all...)),
			evTk("red", evOpp("p5", "ogre", p5pref...)),
		}
	}
	evRun(t, rs, []evCase{
		// Reference = all five; each character is in it: counts 1, 1, 1, 1, 1.
		{name: "everyone welcome", tickets: five(all), want: true},
		// p5 does not want ogres: reference = {dwarf, elf, orc, troll};
		// p5's own ogre counts 0 < 1.
		{name: "ogre unwanted", tickets: five(noOgre), want: false, res: map[string]int8{"OpponentMatch": evFail}},
		{name: "ogre unwanted before 15s", wait: 15*sec - time.Millisecond, tickets: five(noOgre), want: false},
		// At 15 s minCount 0: 0 >= 0.
		{name: "ogre unwanted at 15s", wait: 15 * sec, tickets: five(noOgre), want: true},
		// The reference only shrinks as players join, so Partial checks
		// minCount: p1 (elf, no orc wanted) and p2 (orc) already fail.
		{name: "partial", mode: ruleset.Partial, tickets: []evT{evTk("red", evOpp("p1", "elf", noOrc...)), evTk("red", evOpp("p2", "orc", all...))}, want: false,
			res: map[string]int8{"OpponentMatch": evFail}},
		// As a party (union, the default), p1 and p2 merge their lists: both
		// play {elf, orc} and prefer noOrc u all = all; reference = all;
		// counts 2, 2 >= 1.
		{name: "party merges", tickets: []evT{evTk("red", evOpp("p1", "elf", noOrc...), evOpp("p2", "orc", all...))}, want: true},
		{name: "empty", want: true},
		{name: "structural", mode: ruleset.Structural, tickets: five(noOgre), want: true},
	})
}

func TestEvalCollectionExample11BlockList(t *testing.T) {
	// PlayerIdNotInBlockList: for each player, |BlockList n all player ids|
	// <= 0. BlockList defaults to [].
	rs := evExample(t, "ex11")
	ten := func(r1blocks ...string) []evT {
		var out []evT
		for i := 1; i <= 5; i++ {
			out = append(out, evTk("blue", evP(fmt.Sprintf("b%d", i))))
		}
		for i := 2; i <= 5; i++ {
			out = append(out, evTk("red", evP(fmt.Sprintf("r%d", i))))
		}
		return append(out, evTk("red", evP("r1", "BlockList", r1blocks)))
	}
	evRun(t, rs, []evCase{
		// Nobody blocks anybody: all counts 0.
		{name: "no blocks", tickets: ten(), want: true},
		// r1 blocks b3, who is in the match: 1 > 0.
		{name: "blocks b3", tickets: ten("b3"), want: false, res: map[string]int8{"PlayerIdNotInBlockList": evFail}},
		// r1 blocks players not in the match: 0.
		{name: "blocks strangers", tickets: ten("zed", "nobody"), want: true},
		// The reference (player ids) only grows, so Partial checks maxCount.
		{name: "partial", mode: ruleset.Partial, tickets: []evT{evTk("red", evP("r1", "BlockList", []string{"b3"})), evTk("blue", evP("b3"))}, want: false},
		// b5 blocked but not in yet: Partial passes.
		{name: "partial not yet", mode: ruleset.Partial, tickets: []evT{evTk("red", evP("r1", "BlockList", []string{"b5"})), evTk("blue", evP("b3"))}, want: true},
		// Party [r1 blocks zed, r2] by union: both block zed; zed joins: 1 > 0.
		{name: "party", tickets: []evT{evTk("red", evP("r1", "BlockList", []string{"zed"}), evP("r2")), evTk("blue", evP("zed"))}, want: false},
		// A party member blocking its own teammate: 1 > 0.
		{name: "party self block", tickets: []evT{evTk("red", evP("r1", "BlockList", []string{"r2"}), evP("r2"))}, want: false},
		{name: "empty", want: true},
	})
}

// ---------------------------------------------------------------------------
// latency

// evL is a one-player ticket with latencies given as alternating location
// names and milliseconds.
func evL(team, id string, lat ...any) evT {
	return evTk(team, evPL(id, lat...))
}

// evPL is a player with latencies given as alternating names and values.
func evPL(id string, lat ...any) ticket.Player {
	m := map[string]int{}
	for i := 0; i+1 < len(lat); i += 2 {
		m[lat[i].(string)] = lat[i+1].(int)
	}
	return evP(id, "lat", m)
}

const (
	evEast = "us-east"
	evWest = "us-west"
	evEU   = "eu"
)

func TestEvalLatencyMaxLatency(t *testing.T) {
	// Fast: maxLatency 100, 150 from 10 s. The match goes to the feasible
	// location with the lowest worst-case latency, then the lowest average,
	// then the lowest name (D11).
	rule := func(agg string) string {
		return `[{"name": "Fast", "type": "latency", "maxLatency": 100` + agg + `}]`
	}
	exp := `[{"target": "rules[Fast].maxLatency", "steps": [{"waitTimeSeconds": 10, "value": 150}]}]`
	t.Run("avg", func(t *testing.T) {
		rs := evLoad(t, rule(""), exp)
		slowEast := []evT{evL("red", "a", evEast, 40, evWest, 90), evL("trio_1", "b", evEast, 120, evWest, 60)}
		bothSlow := []evT{evL("red", "a", evEast, 110, evWest, 140), evL("blue", "b", evEast, 105, evWest, 20)}
		party := evTk("trio_2", evPL("p1", evEast, 40, evWest, 200), evPL("p2", evEast, 160, evWest, 30))
		evRun(t, rs, []evCase{
			// east: b 120 > 100, infeasible; west: 90, 60 <= 100.
			{name: "west only", tickets: slowEast, want: true, loc: evWest, res: map[string]int8{"Fast": evPass}},
			// At 10 s both feasible; worst case east 120, west 90: west.
			{name: "west wins at 10s", wait: 10 * sec, tickets: slowEast, want: true, loc: evWest},
			// east worst 110, west worst 140: both > 100.
			{name: "none feasible", tickets: bothSlow, want: false, loc: "-", res: map[string]int8{"Fast": evFail}},
			{name: "none feasible before 10s", wait: 10*sec - time.Millisecond, tickets: bothSlow, want: false, loc: "-"},
			// At 10 s (150): east worst 110 < west worst 140: east.
			{name: "east at 10s", wait: 10 * sec, tickets: bothSlow, want: true, loc: evEast},
			// Worst case beats average: east worst 90 (avg 50), west worst 60
			// (avg 60): west.
			{name: "worst case first", tickets: []evT{evL("red", "p", evEast, 90, evWest, 60), evL("blue", "q", evEast, 10, evWest, 60)}, want: true, loc: evWest},
			// Worst cases tie at 80; average eu (80+70)/2 = 75, west
			// (80+20)/2 = 50: west, though "eu" sorts first by name.
			{name: "average second", tickets: []evT{evL("red", "x", evEU, 80, evWest, 80), evL("blue", "y", evEU, 70, evWest, 20)}, want: true, loc: evWest},
			// Worst 70 and average 60 tie: the lower name, us-east.
			{name: "name third", tickets: []evT{evL("red", "c", evWest, 70, evEast, 50), evL("blue", "d", evWest, 50, evEast, 70)}, want: true, loc: evEast},
			// No location is common to a (east only) and b (west only).
			{name: "no common location", tickets: []evT{evL("red", "a", evEast, 40), evL("blue", "b", evWest, 40)}, want: false, loc: "-"},
			// A ticket without latency data never matches (D11), first or not.
			{name: "ticket without latency", tickets: []evT{evL("red", "a", evEast, 40), evTk("blue", evP("b", "skill", 3))}, want: false, loc: "-"},
			{name: "first ticket without latency", tickets: []evT{evTk("blue", evP("b")), evL("red", "a", evEast, 40)}, want: false, loc: "-"},
			// Party p1 (east 40, west 200), p2 (east 160, west 30) by avg:
			// east 100 <= 100, west 115 > 100: east.
			{name: "party avg", tickets: []evT{party}, want: true, loc: evEast},
			// At 10 s both feasible; worst case over players east 160, west
			// 200: east.
			{name: "party avg at 10s", wait: 10 * sec, tickets: []evT{party}, want: true, loc: evEast},
			// Feasibility uses the party aggregate, the choice the players'
			// own latencies (the code's reading of D11). Party p1 (east 10,
			// west 60), p2 (east 110, west 60): averages east 60, west 60,
			// both <= 100 (though p2 alone has 110 to east); worst case over
			// the players east 110, west 60: west. (By the aggregates both
			// would tie at 60 and the name would pick us-east.)
			{name: "party worst case by player", tickets: []evT{evTk("red", evPL("p1", evEast, 10, evWest, 60), evPL("p2", evEast, 110, evWest, 60))}, want: true, loc: evWest},
			// Party members reporting different locations: only east is
			// common (avg (40+60)/2 = 50).
			{name: "party common location", tickets: []evT{evTk("red", evPL("p1", evEast, 40, evWest, 50), evPL("p2", evEast, 60))}, want: true, loc: evEast},
			// No players: nothing to fail (D8) and no location.
			{name: "empty", want: true, loc: "-"},
			// Partial and Structural check latency too.
			{name: "partial", mode: ruleset.Partial, tickets: bothSlow, want: false},
			{name: "structural", mode: ruleset.Structural, tickets: bothSlow, want: false},
			// Outside Final mode only feasibility matters: no location is chosen.
			{name: "structural passes", mode: ruleset.Structural, tickets: slowEast, want: true},
		})
	})
	party := []evT{evTk("blue", evPL("p1", evEast, 60), evPL("p2", evEast, 130))}
	t.Run("max", func(t *testing.T) {
		rs := evLoad(t, rule(`, "partyAggregation": "max"`), exp)
		evRun(t, rs, []evCase{
			// Party [60, 130] by max: 130 > 100.
			{name: "party", tickets: party, want: false},
			// At 10 s: 130 <= 150.
			{name: "party at 10s", wait: 10 * sec, tickets: party, want: true, loc: evEast},
		})
	})
	t.Run("min", func(t *testing.T) {
		rs := evLoad(t, rule(`, "partyAggregation": "min"`), exp)
		evRun(t, rs, []evCase{
			// Party [60, 130] by min: 60 <= 100.
			{name: "party", tickets: party, want: true, loc: evEast},
		})
	})
	t.Run("avg same party", func(t *testing.T) {
		rs := evLoad(t, rule(""), exp)
		evRun(t, rs, []evCase{
			// Party [60, 130] by avg: 95 <= 100.
			{name: "party", tickets: party, want: true, loc: evEast},
		})
	})
}

func TestEvalLatencyMaxDistance(t *testing.T) {
	rule := func(ref string) string {
		return `[{"name": "Spread", "type": "latency", "maxDistance": 30` + ref + `}]`
	}
	exp := `[{"target": "rules[Spread].maxDistance", "steps": [{"waitTimeSeconds": 10, "value": 40}]}]`
	abc := []evT{evL("red", "a", evEast, 40), evL("blue", "b", evEast, 65), evL("trio_1", "c", evEast, 75)}
	for _, ref := range []string{"", `, "distanceReference": "min"`} {
		name := "min"
		if ref == "" {
			name = "default min"
		}
		t.Run(name, func(t *testing.T) {
			rs := evLoad(t, rule(ref), exp)
			evRun(t, rs, []evCase{
				// Reference min = 40: |65-40| = 25 <= 30.
				{name: "close", tickets: abc[:2], want: true, loc: evEast},
				// |75-40| = 35 > 30.
				{name: "far", tickets: abc, want: false, loc: "-"},
				{name: "far before 10s", wait: 10*sec - time.Millisecond, tickets: abc, want: false},
				// At 10 s maxDistance 40: 35 <= 40.
				{name: "far at 10s", wait: 10 * sec, tickets: abc, want: true, loc: evEast},
				{name: "empty", want: true},
			})
		})
	}
	t.Run("avg", func(t *testing.T) {
		rs := evLoad(t, rule(`, "distanceReference": "avg"`), exp)
		evRun(t, rs, []evCase{
			// Average (40+65+75)/3 = 60: distances 20, 5, 15 <= 30.
			{name: "three", tickets: abc, want: true, loc: evEast},
			// Add d 120: average 300/4 = 75: distances 35, 10, 0, 45 > 30.
			{name: "four", tickets: append(abc, evL("trio_2", "d", evEast, 120)), want: false},
			// At 10 s: 45 > 40 still.
			{name: "four at 10s", wait: 10 * sec, tickets: append(abc, evL("trio_2", "d", evEast, 120)), want: false},
			// Party [40, 100] by avg -> 70, 70; c 75: average (70+70+75)/3 =
			// 71.67; distances 1.67, 3.33.
			{name: "party", tickets: []evT{evTk("red", evPL("p1", evEast, 40), evPL("p2", evEast, 100)), abc[2]}, want: true},
		})
	})
	t.Run("number", func(t *testing.T) {
		rs := evLoad(t, rule(`, "distanceReference": 50`), exp)
		evRun(t, rs, []evCase{
			// |40-50| = 10, |65-50| = 15, |75-50| = 25 <= 30.
			{name: "three", tickets: abc, want: true},
			// |90-50| = 40 > 30.
			{name: "ninety", tickets: append(abc, evL("trio_2", "d", evEast, 90)), want: false},
			// At 10 s: 40 <= 40.
			{name: "ninety at 10s", wait: 10 * sec, tickets: append(abc, evL("trio_2", "d", evEast, 90)), want: true},
		})
	})
	t.Run("party min with min reference", func(t *testing.T) {
		rs := evLoad(t, `[{"name": "Spread", "type": "latency", "maxDistance": 30, "partyAggregation": "min"}]`, "")
		evRun(t, rs, []evCase{
			// Party [40, 100] by min -> 40; c 75: reference 40; 35 > 30.
			{name: "party", tickets: []evT{evTk("red", evPL("p1", evEast, 40), evPL("p2", evEast, 100)), abc[2]}, want: false},
		})
	})
	t.Run("party avg with min reference", func(t *testing.T) {
		rs := evLoad(t, `[{"name": "Spread", "type": "latency", "maxDistance": 30}]`, "")
		evRun(t, rs, []evCase{
			// Party [40, 100] by avg -> 70; c 75: reference 70; 5 <= 30.
			{name: "party", tickets: []evT{evTk("red", evPL("p1", evEast, 40), evPL("p2", evEast, 100)), abc[2]}, want: true},
		})
	})
	t.Run("with maxLatency", func(t *testing.T) {
		rs := evLoad(t, `[{"name": "Both", "type": "latency", "maxLatency": 100, "maxDistance": 30, "distanceReference": "min"}]`, "")
		evRun(t, rs, []evCase{
			// east: worst 60 but spread 60-10 = 50 > 30, infeasible; west:
			// worst 70, spread 20: west.
			{name: "spread decides", tickets: []evT{evL("red", "a", evEast, 10, evWest, 50), evL("blue", "b", evEast, 60, evWest, 70)}, want: true, loc: evWest},
			// west 120 > 100 for b, east spread 50 > 30: nothing.
			{name: "nothing", tickets: []evT{evL("red", "a", evEast, 10, evWest, 50), evL("blue", "b", evEast, 60, evWest, 120)}, want: false},
		})
	})
}

func TestEvalLatencyTwoRules(t *testing.T) {
	// Two latency rules: a location must satisfy both.
	rs := evLoad(t, `[{"name": "Fast", "type": "latency", "maxLatency": 100},
		{"name": "Even", "type": "latency", "maxDistance": 20}]`, "")
	evRun(t, rs, []evCase{
		// east: 30, 90 (<= 100, spread 60 > 20); west: 80, 95 (spread 15): west.
		{name: "west", tickets: []evT{evL("red", "a", evEast, 30, evWest, 80), evL("blue", "b", evEast, 90, evWest, 95)}, want: true, loc: evWest},
		// east: spread 60; west: b 120 > 100: nothing, though each rule alone
		// has a location (Fast east, Even west).
		{name: "no location for both", tickets: []evT{evL("red", "a", evEast, 30, evWest, 110), evL("blue", "b", evEast, 90, evWest, 120)}, want: false, loc: "-"},
		// No players: nothing to fail (D8), as with a single latency rule.
		{name: "empty", want: true, loc: "-"},
	})
}

func TestEvalLocationWithoutLatencyRule(t *testing.T) {
	// Without a latency rule, Final mode still picks the best common
	// location (D11), and a candidate without one still passes.
	rs := evLoad(t, `[{"name": "MinSkill", "type": "comparison",
		"measurements": ["flatten(teams[*].players.attributes[skill])"], "referenceValue": 0, "operation": ">="}]`, "")
	evRun(t, rs, []evCase{
		// east worst 90, west worst 60: west.
		{name: "west", tickets: []evT{evL("red", "p", evEast, 90, evWest, 60), evL("blue", "q", evEast, 10, evWest, 60)}, want: true, loc: evWest},
		{name: "no common", tickets: []evT{evL("red", "a", evEast, 40), evL("blue", "b", evWest, 40)}, want: true, loc: "-"},
		{name: "no latency", tickets: []evT{evSolo("red", "a", 1)}, want: true, loc: "-"},
		// Partial mode does not choose a location.
		{name: "partial", mode: ruleset.Partial, tickets: []evT{evL("red", "p", evEast, 90, evWest, 60)}, want: true, loc: "-"},
	})
}

// ---------------------------------------------------------------------------
// batchDistance

func TestEvalBatchDistance(t *testing.T) {
	t.Run("number with maxDistance", func(t *testing.T) {
		rs := evLoad(t, `[{"name": "SkillBatch", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 10}]`,
			`[{"target": "rules[SkillBatch].maxDistance", "steps": [{"waitTimeSeconds": 10, "value": 20}]}]`)
		evRun(t, rs, []evCase{
			// 20 - 10 = 10 <= 10, across red and a trio copy.
			{name: "at the bound", tickets: []evT{evSolo("red", "a", 10), evSolo("trio_2", "b", 20)}, want: true},
			// The default 10 and 20.
			{name: "default", tickets: []evT{evTk("red", evP("a", "mode", "x", "roles", []string{"r"}, "maps", map[string]float64{"k": 2})), evSolo("blue", "b", 20)}, want: true},
			// 21 - 10 = 11 > 10.
			{name: "over", tickets: []evT{evSolo("red", "a", 10), evSolo("trio_1", "b", 21)}, want: false, res: map[string]int8{"SkillBatch": evFail}},
			{name: "over before 10s", wait: 10*sec - time.Millisecond, tickets: []evT{evSolo("red", "a", 10), evSolo("trio_1", "b", 21)}, want: false},
			// At 10 s: 11 <= 20.
			{name: "over at 10s", wait: 10 * sec, tickets: []evT{evSolo("red", "a", 10), evSolo("trio_1", "b", 21)}, want: true},
			// Party [0, 30] by avg -> 15, 15; single 25: 25 - 15 = 10.
			{name: "party avg", tickets: []evT{evTk("red", evS("a", 0), evS("b", 30)), evSolo("blue", "c", 25)}, want: true},
			// Single 26: 26 - 15 = 11 > 10.
			{name: "party avg over", tickets: []evT{evTk("red", evS("a", 0), evS("b", 30)), evSolo("blue", "c", 26)}, want: false},
			{name: "single", tickets: []evT{evSolo("red", "a", 999)}, want: true},
			{name: "empty", want: true},
			// Partial and Structural check batchDistance.
			{name: "partial", mode: ruleset.Partial, tickets: []evT{evSolo("red", "a", 10), evSolo("trio_1", "b", 21)}, want: false},
			{name: "structural", mode: ruleset.Structural, tickets: []evT{evSolo("red", "a", 10), evSolo("trio_1", "b", 21)}, want: false,
				res: map[string]int8{"SkillBatch": evFail}},
		})
	})
	t.Run("number party max", func(t *testing.T) {
		rs := evLoad(t, `[{"name": "SkillBatch", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 10, "partyAggregation": "max"}]`, "")
		evRun(t, rs, []evCase{
			// Party [0, 30] by max -> 30; single 25: 5.
			{name: "close", tickets: []evT{evTk("red", evS("a", 0), evS("b", 30)), evSolo("blue", "c", 25)}, want: true},
			// Single 19: 30 - 19 = 11.
			{name: "far", tickets: []evT{evTk("red", evS("a", 0), evS("b", 30)), evSolo("blue", "c", 19)}, want: false},
		})
	})
	t.Run("number without maxDistance", func(t *testing.T) {
		rs := evLoad(t, `[{"name": "SameSkill", "type": "batchDistance", "batchAttribute": "skill"}]`, "")
		evRun(t, rs, []evCase{
			// 10 and the default 10: equal (SPEC 18.33).
			{name: "equal", tickets: []evT{evSolo("red", "a", 10), evTk("trio_1", evP("b"))}, want: true},
			// 10 != 11.
			{name: "unequal", tickets: []evT{evSolo("red", "a", 10), evSolo("blue", "b", 11)}, want: false},
			// Party [10, 12] by avg -> 11, 11; single 11: equal.
			{name: "party", tickets: []evT{evTk("red", evS("a", 10), evS("b", 12)), evSolo("blue", "c", 11)}, want: true},
			{name: "empty", want: true},
			{name: "structural", mode: ruleset.Structural, tickets: []evT{evSolo("red", "a", 10), evSolo("blue", "b", 11)}, want: false},
		})
	})
	t.Run("string", func(t *testing.T) {
		rs := evLoad(t, `[{"name": "SameMode", "type": "batchDistance", "batchAttribute": "mode"}]`, "")
		evRun(t, rs, []evCase{
			// "dm" and the default "dm".
			{name: "same", tickets: []evT{evTk("red", evP("a", "mode", "dm")), evTk("trio_2", evP("b"))}, want: true},
			{name: "different", tickets: []evT{evTk("red", evP("a", "mode", "dm")), evTk("blue", evP("b", "mode", "ctf"))}, want: false},
			// A party whose members disagree can never batch.
			{name: "party mixed", tickets: []evT{evTk("red", evP("a", "mode", "dm"), evP("b", "mode", "ctf"))}, want: false},
			{name: "party agreeing", tickets: []evT{evTk("red", evP("a", "mode", "ctf"), evP("b", "mode", "ctf")), evTk("blue", evP("c", "mode", "ctf"))}, want: true},
			{name: "empty", want: true},
			{name: "partial", mode: ruleset.Partial, tickets: []evT{evTk("red", evP("a", "mode", "dm")), evTk("blue", evP("b", "mode", "ctf"))}, want: false},
			{name: "structural", mode: ruleset.Structural, tickets: []evT{evTk("red", evP("a", "mode", "dm")), evTk("blue", evP("b", "mode", "ctf"))}, want: false},
		})
	})
}

func TestEvalBatchKeys(t *testing.T) {
	// BatchRules, BatchNumber and BatchString give the engine the keys the
	// batchDistance rules batch on, with party aggregation (D9).
	rs := evLoad(t, `[{"name": "SkillBatch", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 10, "partyAggregation": "min"},
		{"name": "SameMode", "type": "batchDistance", "batchAttribute": "mode"}]`, "")
	br := rs.BatchRules()
	if len(br) != 2 || br[0].String || !br[1].String || br[0].Rule != 0 || br[1].Rule != 1 {
		t.Fatalf("BatchRules = %+v", br)
	}
	locs := ticket.NewLocations()
	party := evResolve(t, rs, locs, evP("a", "skill", 30, "mode", "ctf"), evP("b", "skill", 20, "mode", "ctf"))
	mixed := evResolve(t, rs, locs, evP("a", "mode", "ctf"), evP("b"))
	// min(30, 20) = 20.
	if got := rs.BatchNumber(0, party); got != 20 {
		t.Errorf("BatchNumber(party) = %v, want 20", got)
	}
	if s, ok := rs.BatchString(1, party); !ok || s != "ctf" {
		t.Errorf("BatchString(party) = %q, %v, want ctf, true", s, ok)
	}
	// ctf and the default dm disagree.
	if _, ok := rs.BatchString(1, mixed); ok {
		t.Errorf("BatchString(mixed party) ok, want not ok")
	}
	// NumberAt is the party average: (30+20)/2 = 25.
	if got := rs.NumberAt(0, party); got != 25 {
		t.Errorf("NumberAt(party) = %v, want 25", got)
	}
}

// ---------------------------------------------------------------------------
// compound

// evCompound loads SameMode (all modes equal), CloseSkill (skill spread
// <= 5, 10 from 10 s), EqualRedBlue (count red = count blue) and the
// compound C with the given statement.
func evCompound(t *testing.T, stmt string) *ruleset.RuleSet {
	return evLoad(t, `[
		{"name": "SameMode", "type": "comparison", "measurements": ["flatten(teams[*].players.attributes[mode])"], "operation": "="},
		{"name": "CloseSkill", "type": "distance", "measurements": ["max(flatten(teams[*].players.attributes[skill]))"],
		 "referenceValue": "min(flatten(teams[*].players.attributes[skill]))", "maxDistance": 5},
		{"name": "EqualRedBlue", "type": "comparison", "measurements": ["count(teams[red].players)"],
		 "referenceValue": "count(teams[blue].players)", "operation": "="},
		{"name": "C", "type": "compound", "statement": "`+stmt+`"}]`,
		`[{"target": "rules[CloseSkill].maxDistance", "steps": [{"waitTimeSeconds": 10, "value": 10}]}]`)
}

// evMS is a one-player ticket with a mode and a skill.
func evMS(team, id, mode string, skill float64) evT {
	return evTk(team, evP(id, "mode", mode, "skill", skill))
}

// The four inputs of the compound tables, on the two trio copies (so that
// EqualRedBlue, when standalone, sees 0 = 0). SameMode / CloseSkill:
var (
	evPP = []evT{evMS("trio_1", "a", "dm", 10), evMS("trio_2", "b", "dm", 14)}  // pass / pass (spread 4)
	evPF = []evT{evMS("trio_1", "a", "dm", 10), evMS("trio_2", "b", "dm", 20)}  // pass / fail (spread 10)
	evFP = []evT{evMS("trio_1", "a", "dm", 10), evMS("trio_2", "b", "ctf", 14)} // fail / pass
	evFF = []evT{evMS("trio_1", "a", "dm", 10), evMS("trio_2", "b", "ctf", 20)} // fail / fail
)

func evRes(kv ...any) map[string]int8 {
	m := map[string]int8{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(int8)
	}
	return m
}

func TestEvalCompoundAnd(t *testing.T) {
	rs := evCompound(t, "and(SameMode, CloseSkill)")
	if !rs.Rules()[0].InCompound || !rs.Rules()[1].InCompound || rs.Rules()[2].InCompound {
		t.Fatalf("InCompound = %+v", rs.Rules())
	}
	// A party [dm 10, dm 20] -> skills 15, 15 (avg) with dm 14: spread 1.
	party := []evT{evTk("trio_1", evP("a", "mode", "dm", "skill", 10), evP("b", "mode", "dm", "skill", 20)), evMS("trio_2", "c", "dm", 14)}
	evRun(t, rs, []evCase{
		{name: "pass pass", tickets: evPP, want: true, res: evRes("SameMode", evPass, "CloseSkill", evPass, "EqualRedBlue", evPass, "C", evPass)},
		{name: "pass fail", tickets: evPF, want: false, res: evRes("SameMode", evPass, "CloseSkill", evFail, "C", evFail)},
		// and stops at the first false argument: CloseSkill is not evaluated.
		{name: "fail pass", tickets: evFP, want: false, res: evRes("SameMode", evFail, "CloseSkill", evNE, "C", evFail)},
		{name: "fail fail", tickets: evFF, want: false, res: evRes("SameMode", evFail, "CloseSkill", evNE, "C", evFail)},
		{name: "pass fail before 10s", wait: 10*sec - time.Millisecond, tickets: evPF, want: false},
		// At 10 s CloseSkill allows 10: spread 10 <= 10.
		{name: "pass fail at 10s", wait: 10 * sec, tickets: evPF, want: true},
		{name: "party", tickets: party, want: true},
		// Defaults: dm, dm and 10, 10.
		{name: "defaults", tickets: []evT{evTk("trio_1", evP("a")), evTk("trio_2", evP("b", "roles", []string{"x"}, "maps", map[string]float64{"k": 1}))}, want: true},
		// EqualRedBlue is not referenced, so it is evaluated on its own: 1 != 0.
		{name: "standalone rule fails", tickets: append([]evT{evMS("red", "r", "dm", 12)}, evPP...), want: false,
			res: evRes("EqualRedBlue", evFail)},
		// Partial: a referenced rule's failure fails the and.
		{name: "partial fail pass", mode: ruleset.Partial, tickets: evFP, want: false, res: evRes("SameMode", evFail, "C", evFail)},
		{name: "partial pass fail", mode: ruleset.Partial, tickets: evPF, want: false},
		{name: "partial pass pass", mode: ruleset.Partial, tickets: evPP, want: true, res: evRes("C", evPass)},
		// Partial skips the standalone count rule.
		{name: "partial standalone count", mode: ruleset.Partial, tickets: append([]evT{evMS("red", "r", "dm", 12)}, evPP...), want: true,
			res: evRes("EqualRedBlue", evNE)},
		{name: "structural", mode: ruleset.Structural, tickets: evFF, want: true, res: evRes("SameMode", evNE, "C", evNE)},
		// No players: both referenced rules pass vacuously (D8).
		{name: "empty", want: true, res: evRes("C", evPass)},
	})
}

func TestEvalCompoundOr(t *testing.T) {
	rs := evCompound(t, "or(SameMode, CloseSkill)")
	evRun(t, rs, []evCase{
		// or stops at the first true argument.
		{name: "pass pass", tickets: evPP, want: true, res: evRes("SameMode", evPass, "CloseSkill", evNE, "C", evPass)},
		{name: "pass fail", tickets: evPF, want: true, res: evRes("SameMode", evPass, "CloseSkill", evNE, "C", evPass)},
		// SameMode fails but is evaluated only through the compound (D3): the
		// match passes and Results records SameMode failed.
		{name: "fail pass", tickets: evFP, want: true, res: evRes("SameMode", evFail, "CloseSkill", evPass, "C", evPass)},
		{name: "fail fail", tickets: evFF, want: false, res: evRes("SameMode", evFail, "CloseSkill", evFail, "C", evFail)},
		{name: "fail fail before 10s", wait: 10*sec - time.Millisecond, tickets: evFF, want: false},
		// At 10 s: spread 10 <= 10.
		{name: "fail fail at 10s", wait: 10 * sec, tickets: evFF, want: true},
		// Party [dm, ctf]: SameMode fails (strings are per player); skills
		// [10, 12] -> 11, 11 and 30: spread 19: fails too.
		{name: "party", tickets: []evT{evTk("trio_1", evP("a", "mode", "dm", "skill", 10), evP("b", "mode", "ctf", "skill", 12)), evMS("trio_2", "c", "dm", 30)}, want: false},
		{name: "partial fail fail", mode: ruleset.Partial, tickets: evFF, want: false},
		// Partial: a passing rule is not known to last, a failing one is; or
		// of (false, unknown) is unknown, which passes.
		{name: "partial fail pass", mode: ruleset.Partial, tickets: evFP, want: true},
		{name: "empty", want: true},
	})
}

func TestEvalCompoundXor(t *testing.T) {
	rs := evCompound(t, "xor(SameMode, CloseSkill)")
	evRun(t, rs, []evCase{
		// Exactly one true (D3).
		{name: "pass pass", tickets: evPP, want: false, res: evRes("SameMode", evPass, "CloseSkill", evPass, "C", evFail)},
		{name: "pass fail", tickets: evPF, want: true},
		{name: "fail pass", tickets: evFP, want: true, res: evRes("SameMode", evFail, "CloseSkill", evPass, "C", evPass)},
		{name: "fail fail", tickets: evFF, want: false},
		// At 10 s CloseSkill passes for evPF too: two true.
		{name: "pass fail at 10s", wait: 10 * sec, tickets: evPF, want: false},
		{name: "pass fail before 10s", wait: 10*sec - time.Millisecond, tickets: evPF, want: true},
		// In Partial mode xor is never decided (the code's reading: a passing
		// argument may still fail, so the count of true arguments is unknown).
		{name: "partial pass pass", mode: ruleset.Partial, tickets: evPP, want: true},
		{name: "partial fail fail", mode: ruleset.Partial, tickets: evFF, want: true},
		// No players: both pass vacuously, so xor is false.
		{name: "empty", want: false},
	})
	rs3 := evCompound(t, "xor(SameMode, CloseSkill, EqualRedBlue)")
	evRun(t, rs3, []evCase{
		// Three arguments (D3): pass, pass, pass (0 = 0): three true.
		{name: "three true", tickets: evPP, want: false},
		// fail, pass, fail (red 1, blue 0): exactly one.
		{name: "one true", tickets: append([]evT{evMS("red", "r", "ctf", 12)}, evPP...), want: true,
			res: evRes("SameMode", evFail, "CloseSkill", evPass, "EqualRedBlue", evFail, "C", evPass)},
	})
}

func TestEvalCompoundNot(t *testing.T) {
	rs := evCompound(t, "not(SameMode)")
	evRun(t, rs, []evCase{
		{name: "same", tickets: evPP, want: false, res: evRes("SameMode", evPass, "C", evFail)},
		{name: "different", tickets: evFP, want: true, res: evRes("SameMode", evFail, "C", evPass)},
		// Party [dm, ctf]: modes differ.
		{name: "party", tickets: []evT{evTk("trio_2", evP("a", "mode", "dm"), evP("b", "mode", "ctf"))}, want: true},
		// A compound with not() never fails in Partial mode: more players
		// can still make SameMode fail.
		{name: "partial same", mode: ruleset.Partial, tickets: evPP, want: true, res: evRes("C", evPass)},
		{name: "partial different", mode: ruleset.Partial, tickets: evFP, want: true},
		// No players: SameMode passes vacuously (D8), so not(SameMode) fails
		// (the code's literal reading of D8 under not).
		{name: "empty", want: false},
	})
}

func TestEvalCompoundNestedWithCount(t *testing.T) {
	rs := evCompound(t, "and(EqualRedBlue, or(SameMode, CloseSkill))")
	red := func(tks []evT) []evT { return append([]evT{evMS("red", "r", "dm", 12)}, tks...) }
	redBlue := func(tks []evT) []evT {
		return append([]evT{evMS("red", "r", "dm", 12), evMS("blue", "u", "dm", 12)}, tks...)
	}
	evRun(t, rs, []evCase{
		// 1 = 1; modes all dm.
		{name: "final", tickets: redBlue(evPP), want: true},
		// 1 != 0.
		{name: "final unequal", tickets: red(evPP), want: false, res: evRes("EqualRedBlue", evFail, "C", evFail)},
		// Partial skips the count rule inside the compound: unknown and
		// unknown passes.
		{name: "partial unequal", mode: ruleset.Partial, tickets: red(evPP), want: true, res: evRes("EqualRedBlue", evNE, "C", evPass)},
		// Partial, or(false, false) is false: the and fails.
		{name: "partial or fails", mode: ruleset.Partial, tickets: red(evFF), want: false, res: evRes("SameMode", evFail, "CloseSkill", evFail)},
		// modes dm, dm, dm, ctf: SameMode fails; skills 12, 12, 10, 14: spread 4.
		{name: "final or second", tickets: redBlue(evFP), want: true, res: evRes("EqualRedBlue", evPass, "SameMode", evFail, "CloseSkill", evPass)},
	})
}

// evX10 is a one-player ticket for example 10.
func evX10(team, id string, league, skill float64, mp, mode string) evT {
	return evTk(team, evP(id, "league", league, "skill", skill, "map", mp, "mode", mode))
}

func TestEvalCompoundExample10(t *testing.T) {
	// or(and(SameMapComparison, SameModeComparison),
	//    and(SimilarSkillDistance, SimilarLeagueDistance)); skill spread 10,
	// then 20 from 10 s and 40 from 20 s; league spread 2.
	rs := evExample(t, "ex10")
	for _, r := range rs.Rules()[:4] {
		if !r.InCompound {
			t.Fatalf("%s not marked InCompound", r.Name)
		}
	}
	wide := []evT{evX10("red", "a", 1, 0, "m1", "dm"), evX10("blue", "b", 9, 100, "m1", "dm")}
	skill15 := []evT{evX10("red", "a", 3, 50, "m1", "dm"), evX10("blue", "b", 5, 65, "m2", "dm")}
	evRun(t, rs, []evCase{
		// Same map and mode: the first and holds; the second is not evaluated.
		{name: "same map and mode", tickets: wide, want: true,
			res: evRes("SameMapComparison", evPass, "SameModeComparison", evPass, "SimilarSkillDistance", evNE, "CompoundRuleMatchmaker", evPass)},
		// Maps differ; skill 58 - 50 = 8 <= 10, league 5 - 3 = 2 <= 2.
		{name: "close skill and league", tickets: []evT{evX10("red", "a", 3, 50, "m1", "dm"), evX10("blue", "b", 5, 58, "m2", "dm")}, want: true,
			res: evRes("SameMapComparison", evFail, "SameModeComparison", evNE, "SimilarSkillDistance", evPass, "SimilarLeagueDistance", evPass)},
		// Maps differ; skill 65 - 50 = 15 > 10.
		{name: "skill 15", tickets: skill15, want: false},
		{name: "skill 15 before 10s", wait: 10*sec - time.Millisecond, tickets: skill15, want: false},
		// At 10 s: 15 <= 20.
		{name: "skill 15 at 10s", wait: 10 * sec, tickets: skill15, want: true},
		// Maps differ; league 6 - 3 = 3 > 2.
		{name: "league 3", tickets: []evT{evX10("red", "a", 3, 50, "m1", "dm"), evX10("blue", "b", 6, 52, "m2", "dm")}, want: false,
			res: evRes("SimilarLeagueDistance", evFail)},
		// Party [skill 40, 60; league 2, 6] -> 50, 50 and 4, 4 (avg); single
		// skill 58, league 5: spreads 8 and 1.
		{name: "party", tickets: []evT{
			evTk("red", evP("a", "league", 2, "skill", 40, "map", "m1", "mode", "dm"), evP("b", "league", 6, "skill", 60, "map", "m1", "mode", "dm")),
			evX10("blue", "c", 5, 58, "m2", "dm")}, want: true},
		{name: "partial skill 15", mode: ruleset.Partial, tickets: skill15, want: false},
		{name: "empty", want: true},
	})
}

// ---------------------------------------------------------------------------
// expression rules (this library's extension)

func TestEvalExpression(t *testing.T) {
	rs := evLoad(t, `[
		{"name": "Floor", "type": "expression", "expression": "all(players, .skill >= floor)", "parameters": {"floor": 10}},
		{"name": "NoCTFOnTrio2", "type": "expression", "expression": "none(players, .team == \"trio_2\" && .mode == \"ctf\")", "partial": true},
		{"name": "Known", "type": "expression", "expression": "all(players, \"peasant\" in .roles || \"defaultMap\" in .maps)"}]`,
		`[{"target": "rules[Floor].floor", "steps": [{"waitTimeSeconds": 10, "value": 5}]}]`)
	evRun(t, rs, []evCase{
		// 12 >= 10 and the default 10 >= 10; b plays the default dm on trio_2
		// and has the default roles and maps.
		{name: "pass", tickets: []evT{evSolo("red", "a", 12), evTk("trio_2", evP("b"))}, want: true,
			res: evRes("Floor", evPass, "NoCTFOnTrio2", evPass, "Known", evPass)},
		// 9 < 10.
		{name: "below floor", tickets: []evT{evSolo("trio_2", "b", 9)}, want: false, res: evRes("Floor", evFail)},
		{name: "below floor before 10s", wait: 10*sec - time.Millisecond, tickets: []evT{evSolo("trio_2", "b", 9)}, want: false},
		// At 10 s the parameter floor is 5: 9 >= 5.
		{name: "below floor at 10s", wait: 10 * sec, tickets: []evT{evSolo("trio_2", "b", 9)}, want: true},
		// Expression rules read players' own values, not party aggregates:
		// party [8, 14] has 8 < 10 (a comparison with avg would see 11).
		{name: "party raw values", tickets: []evT{evTk("red", evS("a", 8), evS("b", 14))}, want: false},
		// ctf on trio_2: the generated name tells the copies apart.
		{name: "ctf on trio_2", tickets: []evT{evTk("trio_2", evP("b", "mode", "ctf"))}, want: false, res: evRes("Floor", evPass, "NoCTFOnTrio2", evFail)},
		{name: "ctf on trio_1", tickets: []evT{evTk("trio_1", evP("b", "mode", "ctf"))}, want: true},
		// Neither peasant in roles nor defaultMap in maps.
		{name: "unknown player", tickets: []evT{evTk("blue", evP("c", "roles", []string{"tank"}, "maps", map[string]float64{"m1": 5}))}, want: false,
			res: evRes("Known", evFail)},
		// roles supplied, maps default {defaultMap: 100}.
		{name: "default maps", tickets: []evT{evTk("blue", evP("c", "roles", []string{"tank"}))}, want: true},
		// maps supplied, roles default [peasant].
		{name: "default roles", tickets: []evT{evTk("blue", evP("c", "maps", map[string]float64{"m1": 5}))}, want: true},
		// all and none of nothing are true.
		{name: "empty", want: true},
		// Partial: only rules marked partial run.
		{name: "partial", mode: ruleset.Partial, tickets: []evT{evSolo("trio_2", "b", 9)}, want: true,
			res: evRes("Floor", evNE, "NoCTFOnTrio2", evPass, "Known", evNE)},
		{name: "partial ctf", mode: ruleset.Partial, tickets: []evT{evTk("trio_2", evP("b", "mode", "ctf"))}, want: false, res: evRes("NoCTFOnTrio2", evFail)},
		{name: "structural", mode: ruleset.Structural, tickets: []evT{evTk("trio_2", evP("b", "mode", "ctf"))}, want: true,
			res: evRes("Floor", evNE, "NoCTFOnTrio2", evNE, "Known", evNE)},
	})
}

func TestEvalExpressionRuntimeError(t *testing.T) {
	rs := evLoad(t, `[{"name": "Sixth", "type": "expression", "expression": "players[5].skill > 0"}]`, "")
	locs := ticket.NewLocations()
	ev := rs.NewEvaluator(locs)
	one := evCand(t, rs, locs, evSolo("red", "a", 1))
	if ev.Evaluate(one, rs.At(0), ruleset.Final) {
		t.Fatalf("indexing past the players passed")
	}
	if ev.Result(0) != evFail {
		t.Errorf("Result = %d, want failed", ev.Result(0))
	}
	err := ev.Err()
	var ee *ruleset.EvaluationError
	if !errors.Is(err, ruleset.ErrEvaluation) || !errors.As(err, &ee) || ee.Rule != 0 || ee.Name != "Sixth" || !strings.Contains(ee.Problem, "out of range") {
		t.Errorf("Err = %#v, want an EvaluationError of rule 0 (Sixth) saying the index is out of range", err)
	}
	// Partial skips the rule: no error.
	if !ev.Evaluate(one, rs.At(0), ruleset.Partial) || ev.Err() != nil {
		t.Errorf("Partial: %v", ev.Err())
	}
	six := evCand(t, rs, locs, evJoin(evN("red", "r", 3, 1), evN("blue", "b", 3, 1))...)
	if !ev.Evaluate(six, rs.At(0), ruleset.Final) {
		t.Errorf("six players: failed: %v", ev.Err())
	}
	if ev.Err() != nil {
		t.Errorf("Err after a clean evaluation = %v, want nil", ev.Err())
	}
}

// ---------------------------------------------------------------------------
// sort and batching keys

// evOrder sorts the named tickets by their sort keys relative to anchor
// (stable) and returns the names in order.
func evOrder(t *testing.T, rs *ruleset.RuleSet, anchor *ticket.Resolved, names []string, tks []*ticket.Resolved) []string {
	t.Helper()
	keys := make([][]ruleset.SortKey, len(tks))
	for i, tk := range tks {
		keys[i] = rs.SortKeys(nil, anchor, tk)
	}
	idx := make([]int, len(tks))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return rs.CompareSortKeys(keys[idx[a]], keys[idx[b]]) < 0 })
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = names[j]
	}
	return out
}

func evEqual(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestEvalSortKeysExample4(t *testing.T) {
	// MapPreference: absoluteSort descending on mapPreference with mapKey
	// maxValue (the anchor's favourite map); then ExperienceAffinity:
	// distanceSort ascending on experience.
	rs := evExample(t, "ex04")
	if !rs.HasSortRules() {
		t.Fatalf("HasSortRules = false")
	}
	locs := ticket.NewLocations()
	res := func(ps ...ticket.Player) *ticket.Resolved { return evResolve(t, rs, locs, ps...) }
	mp := func(id string, exp float64, m map[string]float64) ticket.Player {
		return evP(id, "experience", exp, "mapPreference", m)
	}
	// The anchor's favourite is beta (90 > 10); its experience is the default 50.
	anchor := res(evP("A", "mapPreference", map[string]float64{"alpha": 10, "beta": 90}))
	names := []string{"t1", "t2", "t3", "t4", "t5"}
	tks := []*ticket.Resolved{
		res(mp("t1", 40, map[string]float64{"beta": 50})), // (-50, |40-50| = 10)
		res(mp("t2", 45, map[string]float64{"beta": 80})), // (-80, 5)
		res(evP("t3")), // no beta: (+Inf, 0)
		res(mp("t4", 60, map[string]float64{"beta": 80, "alpha": 5})), // (-80, 10)
		// Party by avg: beta (70+90)/2 = 80, experience (40+50)/2 = 45: (-80, 5).
		res(mp("t5a", 40, map[string]float64{"beta": 70}), mp("t5b", 50, map[string]float64{"beta": 90})),
	}
	k := rs.SortKeys(nil, anchor, tks[0])
	if len(k) != 2 || k[0].Num != -50 || k[1].Num != 10 {
		t.Errorf("SortKeys(t1) = %+v, want [-50 10]", k)
	}
	if k := rs.SortKeys(nil, anchor, tks[2]); !math.IsInf(k[0].Num, 1) || k[1].Num != 0 {
		t.Errorf("SortKeys(t3) = %+v, want [+Inf 0]", k)
	}
	if c := rs.CompareSortKeys(rs.SortKeys(nil, anchor, tks[1]), rs.SortKeys(nil, anchor, tks[4])); c != 0 {
		t.Errorf("CompareSortKeys(t2, t5) = %d, want 0 (a tie)", c)
	}
	// (-80,5) t2 = t5 (stable), (-80,10) t4, (-50,10) t1, (+Inf,0) t3.
	evEqual(t, "order", evOrder(t, rs, anchor, names, tks), []string{"t2", "t5", "t4", "t1", "t3"})
	// An anchor on the default map {defaultMap: 100}: t3 has defaultMap 100
	// (-100) and goes first; the others lack it (+Inf) and keep the
	// experience order: t2, t5 (5), t1, t4 (10).
	def := res(evP("D"))
	evEqual(t, "order for a default anchor", evOrder(t, rs, def, names, tks), []string{"t3", "t2", "t5", "t1", "t4"})
	// A party anchor by avg: alpha (10+100)/2 = 55, beta 90 (only one member
	// has it) -> beta, as for A.
	pa := res(evP("P1", "mapPreference", map[string]float64{"alpha": 10, "beta": 90}), evP("P2", "mapPreference", map[string]float64{"alpha": 100}))
	evEqual(t, "order for a party anchor", evOrder(t, rs, pa, names, tks), []string{"t2", "t5", "t4", "t1", "t3"})
}

// evSortRS loads one sort rule over evAttrs.
func evSortRS(t *testing.T, rule string) *ruleset.RuleSet {
	return evLoad(t, "["+rule+"]", "")
}

func TestEvalSortKeysMapMinValue(t *testing.T) {
	locs := ticket.NewLocations()
	for _, dir := range []string{"ascending", "descending"} {
		rs := evSortRS(t, `{"name": "Cheapest", "type": "absoluteSort", "sortDirection": "`+dir+`", "sortAttribute": "maps", "mapKey": "minValue"}`)
		res := func(ps ...ticket.Player) *ticket.Resolved { return evResolve(t, rs, locs, ps...) }
		m := func(id string, kv map[string]float64) ticket.Player { return evP(id, "maps", kv) }
		// The anchor's lowest value is a (1 < 5).
		anchor := res(m("A", map[string]float64{"a": 1, "b": 5}))
		names := []string{"three", "two", "none", "party"}
		tks := []*ticket.Resolved{
			res(m("x", map[string]float64{"a": 3})), // 3
			res(m("y", map[string]float64{"a": 2})), // 2
			res(m("z", map[string]float64{"b": 1})), // no a: +Inf, last either way
			// Party by avg: (2+6)/2 = 4.
			res(m("p", map[string]float64{"a": 2}), m("q", map[string]float64{"a": 6})),
		}
		want := []string{"two", "three", "party", "none"} // 2, 3, 4, +Inf
		if dir == "descending" {
			want = []string{"party", "three", "two", "none"} // -4, -3, -2, +Inf
		}
		evEqual(t, dir, evOrder(t, rs, anchor, names, tks), want)
		// Ties in the anchor's map go to the lowest key: {b: 1, a: 1} -> a.
		tie := res(m("T", map[string]float64{"b": 1, "a": 1}))
		evEqual(t, dir+" tie", evOrder(t, rs, tie, names, tks), want)
	}
}

func TestEvalSortKeysNumbersAndStrings(t *testing.T) {
	locs := ticket.NewLocations()
	type sortCase struct {
		rule   string
		anchor ticket.Player
		want   []string
	}
	names := []string{"ten", "thirty", "party", "twenty", "fortyfive"}
	players := [][]ticket.Player{
		{evP("a")},                  // skill default 10, mode default dm
		{evS("b", 30)},              // 30
		{evS("c", 5), evS("d", 40)}, // party: min 5, max 40, avg 22.5
		{evS("e", 20)},              // 20
		{evP("f", "skill", 45, "mode", "ctf")},
	}
	for _, tc := range []sortCase{
		// Descending by the party max: 45, 40 (party), 30, 20, 10.
		{`{"name": "S", "type": "absoluteSort", "sortDirection": "descending", "sortAttribute": "skill", "partyAggregation": "max"}`,
			evS("A", 0), []string{"fortyfive", "party", "thirty", "twenty", "ten"}},
		// Ascending by the party min: 5 (party), 10, 20, 30, 45.
		{`{"name": "S", "type": "absoluteSort", "sortDirection": "ascending", "sortAttribute": "skill", "partyAggregation": "min"}`,
			evS("A", 0), []string{"party", "ten", "twenty", "thirty", "fortyfive"}},
		// Distance from the anchor's 25, ascending, party avg 22.5:
		// |10-25| = 15, 5, 2.5, 5, 20 -> party, thirty, twenty (tie, stable), ten, fortyfive.
		{`{"name": "S", "type": "distanceSort", "sortDirection": "ascending", "sortAttribute": "skill"}`,
			evS("A", 25), []string{"party", "thirty", "twenty", "ten", "fortyfive"}},
		// Descending: farthest first: 20, 15, 5, 5, 2.5.
		{`{"name": "S", "type": "distanceSort", "sortDirection": "descending", "sortAttribute": "skill"}`,
			evS("A", 25), []string{"fortyfive", "ten", "thirty", "twenty", "party"}},
		// A party anchor [20, 30] (avg 25) gives the same distances.
		{`{"name": "S", "type": "distanceSort", "sortDirection": "ascending", "sortAttribute": "skill"}`,
			ticket.Player{}, []string{"party", "thirty", "twenty", "ten", "fortyfive"}},
		// Strings ascending: ctf < dm; the dm ties keep their order.
		{`{"name": "S", "type": "absoluteSort", "sortDirection": "ascending", "sortAttribute": "mode"}`,
			evS("A", 0), []string{"fortyfive", "ten", "thirty", "party", "twenty"}},
		{`{"name": "S", "type": "absoluteSort", "sortDirection": "descending", "sortAttribute": "mode"}`,
			evS("A", 0), []string{"ten", "thirty", "party", "twenty", "fortyfive"}},
	} {
		rs := evSortRS(t, tc.rule)
		var anchor *ticket.Resolved
		if tc.anchor.PlayerID == "" {
			anchor = evResolve(t, rs, locs, evS("A1", 20), evS("A2", 30))
		} else {
			anchor = evResolve(t, rs, locs, tc.anchor)
		}
		tks := make([]*ticket.Resolved, len(players))
		for i, ps := range players {
			tks[i] = evResolve(t, rs, locs, ps...)
		}
		evEqual(t, tc.rule, evOrder(t, rs, anchor, names, tks), tc.want)
	}
}

func TestEvalSortKeysMapDistance(t *testing.T) {
	rs := evSortRS(t, `{"name": "S", "type": "distanceSort", "sortDirection": "ascending", "sortAttribute": "maps", "mapKey": "maxValue"}`)
	locs := ticket.NewLocations()
	m := func(id string, kv map[string]float64) *ticket.Resolved {
		return evResolve(t, rs, locs, evP(id, "maps", kv))
	}
	// The anchor's highest is b (50): |45-50| = 5, |70-50| = 20, no b: +Inf.
	anchor := m("A", map[string]float64{"a": 10, "b": 50})
	got := evOrder(t, rs, anchor, []string{"far", "none", "near"}, []*ticket.Resolved{
		m("x", map[string]float64{"b": 70}), m("y", map[string]float64{"a": 50}), m("z", map[string]float64{"b": 45}),
	})
	evEqual(t, "order", got, []string{"near", "far", "none"})
	// Descending: the farthest first, the ticket without the key still last.
	rsd := evSortRS(t, `{"name": "S", "type": "distanceSort", "sortDirection": "descending", "sortAttribute": "maps", "mapKey": "maxValue"}`)
	got = evOrder(t, rsd, anchor, []string{"far", "none", "near"}, []*ticket.Resolved{
		m("x", map[string]float64{"b": 70}), m("y", map[string]float64{"a": 50}), m("z", map[string]float64{"b": 45}),
	})
	evEqual(t, "descending order", got, []string{"far", "near", "none"})
	// A party's map values by min and by max: party b values 30 and 60.
	for _, c := range []struct {
		agg  string
		want float64
	}{{"min", 20}, {"max", 10}, {"avg", 5}} {
		rsa := evSortRS(t, `{"name": "S", "type": "distanceSort", "sortDirection": "ascending", "sortAttribute": "maps", "mapKey": "maxValue", "partyAggregation": "`+c.agg+`"}`)
		party := evResolve(t, rsa, locs, evP("p", "maps", map[string]float64{"b": 30}), evP("q", "maps", map[string]float64{"b": 60}))
		// min 30: |30-50| = 20; max 60: 10; avg 45: 5.
		if k := rsa.SortKeys(nil, anchor, party); k[0].Num != c.want {
			t.Errorf("%s: key %v, want %v", c.agg, k[0].Num, c.want)
		}
	}
	if rs2 := evLoad(t, `[]`, ""); rs2.HasSortRules() {
		t.Errorf("HasSortRules without sort rules = true")
	}
}

func TestEvalBatchingKeys(t *testing.T) {
	body := `{"ruleLanguageVersion": "1.0", "playerAttributes": ` + evAttrs + `, "teams": ` + evTeams + `,
		"algorithm": {"batchingPreference": "sorted", "sortByAttributes": ["skill", "mode"]}}`
	rs := ruleset.MustLoad([]byte(body))
	locs := ticket.NewLocations()
	res := func(ps ...ticket.Player) *ticket.Resolved { return evResolve(t, rs, locs, ps...) }
	anchor := res(evP("A", "skill", 20, "mode", "dm"))
	names := []string{"t1", "t2", "t3", "t4"}
	tks := []*ticket.Resolved{
		res(evP("a", "skill", 25, "mode", "ctf")), // [|25-20| = 5, ctf != dm: 1]
		res(evP("b", "skill", 14, "mode", "dm")),  // [6, 0]
		// Party avg (10+30)/2 = 20 -> 0; the first member's mode dm -> 0.
		res(evP("c", "skill", 10, "mode", "dm"), evP("d", "skill", 30, "mode", "ctf")),
		res(evP("e")), // default 10 -> 10; default dm -> 0
	}
	want := [][2]float64{{5, 1}, {6, 0}, {0, 0}, {10, 0}}
	for i, tk := range tks {
		k := rs.BatchingKeys(nil, anchor, tk)
		if len(k) != 2 || k[0].Num != want[i][0] || k[1].Num != want[i][1] {
			t.Errorf("BatchingKeys(%s) = %+v, want %v", names[i], k, want[i])
		}
	}
	if got := rs.SortByAttributes(); len(got) != 2 || got[0] != 0 || got[1] != 1 {
		t.Errorf("SortByAttributes = %v, want [0 1]", got)
	}
}

// ---------------------------------------------------------------------------
// expansion schedule

func TestEvalExpansionSchedule(t *testing.T) {
	t.Run("example 1", func(t *testing.T) {
		rs := evExample(t, "ex01")
		for _, c := range []struct {
			wait  time.Duration
			max   float64
			phase int
		}{
			{0, 10, 0}, {5*sec - time.Nanosecond, 10, 0}, {5 * sec, 50, 1},
			{15*sec - time.Nanosecond, 50, 1}, {15 * sec, 100, 2}, {time.Hour, 100, 2},
			// A negative wait (a ticket from the future) is before any step.
			{-time.Second, 10, 0},
		} {
			v := rs.At(c.wait)
			if d, ok := v.MaxDistance(0); !ok || d != c.max || v.Index() != c.phase {
				t.Errorf("At(%v): maxDistance %v, %v, phase %d; want %v, phase %d", c.wait, d, ok, v.Index(), c.max, c.phase)
			}
		}
		if len(rs.Phases()) != 3 || rs.Phases()[2].Start() != 15*sec || rs.LastExpansion() != 15*sec || rs.ExpansionSteps() != 2 {
			t.Errorf("Phases %d, last %v, steps %d", len(rs.Phases()), rs.LastExpansion(), rs.ExpansionSteps())
		}
	})
	t.Run("example 3", func(t *testing.T) {
		rs := evExample(t, "ex03")
		fc := evRuleIndex(t, rs, "FastConnection")
		for _, c := range []struct {
			wait time.Duration
			ms   float64
		}{{0, 50}, {10*sec - time.Nanosecond, 50}, {10 * sec, 100}, {20*sec - time.Nanosecond, 100}, {20 * sec, 150}} {
			if ms, ok := rs.At(c.wait).MaxLatency(fc); !ok || ms != c.ms {
				t.Errorf("At(%v).MaxLatency = %v, %v; want %v", c.wait, ms, ok, c.ms)
			}
		}
		ms, ok := rs.LatencyBound(rs.At(20 * sec))
		if !ok || ms != 150 {
			t.Errorf("LatencyBound = %v, %v; want 150", ms, ok)
		}
	})
	t.Run("team copies", func(t *testing.T) {
		// The base name expands every copy; a generated name only that one
		// (D2); a list of teams expands each.
		rs := evLoad(t, `[]`, `[
			{"target": "teams[trio].minPlayers", "steps": [{"waitTimeSeconds": 5, "value": 2}]},
			{"target": "teams[trio_2].maxPlayers", "steps": [{"waitTimeSeconds": 6, "value": 2}]},
			{"target": "teams[red, blue].maxPlayers", "steps": [{"waitTimeSeconds": 8, "value": 3}]}]`)
		type sizes [4]ruleset.TeamSize
		at := func(w time.Duration) sizes {
			v := rs.At(w)
			return sizes{v.Team(0), v.Team(1), v.Team(2), v.Team(3)}
		}
		for _, c := range []struct {
			wait     time.Duration
			want     sizes
			min, max int
		}{
			{5*sec - time.Nanosecond, sizes{{0, 4}, {0, 4}, {0, 3}, {0, 3}}, 0, 14},
			{5 * sec, sizes{{0, 4}, {0, 4}, {2, 3}, {2, 3}}, 4, 14},
			{6 * sec, sizes{{0, 4}, {0, 4}, {2, 3}, {2, 2}}, 4, 13},
			{8 * sec, sizes{{0, 3}, {0, 3}, {2, 3}, {2, 2}}, 4, 11},
		} {
			v := rs.At(c.wait)
			if got := at(c.wait); got != c.want || v.MinPlayers() != c.min || v.MaxPlayers() != c.max {
				t.Errorf("At(%v) = %v (min %d, max %d), want %v (min %d, max %d)", c.wait, got, v.MinPlayers(), v.MaxPlayers(), c.want, c.min, c.max)
			}
		}
	})
	t.Run("example 8", func(t *testing.T) {
		// teams[Hunters].minPlayers: 12, then 10 at 15 s and 8 at 20 s, for
		// all ten copies; Monsters stay 5.
		rs := evExample(t, "ex08")
		for i, tm := range rs.Teams() {
			for _, c := range []struct {
				wait time.Duration
				min  int
			}{{15*sec - time.Nanosecond, 12}, {15 * sec, 10}, {20 * sec, 8}} {
				want := c.min
				if tm.Base != "Hunters" {
					want = 5
				}
				if got := rs.At(c.wait).Team(i).Min; got != want {
					t.Errorf("At(%v).Team(%s).Min = %d, want %d", c.wait, tm.Name, got, want)
				}
			}
		}
	})
}

// ---------------------------------------------------------------------------
// property-expression functions, as comparison measurements

func TestEvalFunctions(t *testing.T) {
	// Players: red 2, 4, 4 (one a party [4, 4]); blue 4, 5, 5; trio_1 7, 9;
	// trio_2 empty. Roles: red [a, b], [a, b, c] x2; blue [b, c] x3; trio_1
	// the default [peasant] and [peasant, b].
	tickets := []evT{
		evTk("red", evP("r1", "skill", 2, "roles", []string{"a", "b"})),
		evTk("red", evP("r2", "skill", 4, "roles", []string{"a", "b", "c"}), evP("r3", "skill", 4, "roles", []string{"c", "b", "a"})),
		evTk("blue", evP("b1", "skill", 4, "roles", []string{"b", "c"})),
		evTk("blue", evP("b2", "skill", 5, "roles", []string{"b", "c"})),
		evTk("blue", evP("b3", "skill", 5, "roles", []string{"c", "b"})),
		evTk("trio_1", evP("t1", "skill", 7)),
		evTk("trio_1", evP("t2", "skill", 9, "roles", []string{"peasant", "b"})),
	}
	for _, c := range []struct {
		meas, op, ref string
	}{
		// All eight: 2,4,4,4,5,5,7,9; mean 40/8 = 5; squared deviations
		// 9,1,1,1,0,0,4,16 = 32; population variance 4; stddev 2 (D10).
		{"stddev(flatten(teams[*].players.attributes[skill]))", "=", "2"},
		// Median of an even list: (4+5)/2 = 4.5 (D10).
		{"median(flatten(teams[*].players.attributes[skill]))", "=", "4.5"},
		// Median of an odd list: red 2, 4, 4 -> 4.
		{"median(teams[red].players.attributes[skill])", "=", "4"},
		{"sum(flatten(teams[*].players.attributes[skill]))", "=", "40"},
		// Team sums: red 10, blue 14, trio_1 16 (trio_2 has none, dropped):
		// all three >= 10, and not all > 10.
		{"sum(teams[*].players.attributes[skill])", ">=", "10"},
		{"min(sum(teams[*].players.attributes[skill]))", "=", "10"},
		{"max(sum(teams[*].players.attributes[skill]))", "=", "16"},
		// Team counts 3, 3, 2, 0: max 3.
		{"max(count(teams[*].players))", "=", "3"},
		// The base name trio selects both copies: counts 2, 0; min 0.
		{"min(count(teams[trio].players))", "=", "0"},
		// count(teams[*]) counts the four teams.
		{"count(teams[*])", "=", "4"},
		// Team averages: red 10/3, blue 14/3, trio_1 8; max 8.
		{"max(avg(teams[*].players.attributes[skill]))", "=", "8"},
		// Team minimums 2, 4, 7: min of them 2.
		{"min(min(teams[*].players.attributes[skill]))", "=", "2"},
		// Roles common to every player: t1 has only the default [peasant],
		// so none.
		{"count(set_intersection(flatten(teams[*].players.attributes[roles])))", "=", "0"},
		// Common to red and blue: {a, b} n {b, c} = {b}.
		{"count(set_intersection(flatten(teams[red,blue].players.attributes[roles])))", "=", "1"},
		// Per team: red {a, b}, blue {b, c}, trio_1 {peasant} n {b, peasant}
		// = {peasant}, trio_2 nothing: counts 2, 2, 1, 0.
		{"min(count(set_intersection(teams[*].players.attributes[roles])))", "=", "0"},
		{"max(count(set_intersection(teams[*].players.attributes[roles])))", "=", "2"},
		{"sum(count(set_intersection(teams[*].players.attributes[roles])))", "=", "5"},
		// Per-player list sizes (the red party's lists are merged by union,
		// D9): 2, 3, 3, 2, 2, 2, 1, 2: sum 17.
		{"sum(count(flatten(teams[*].players.attributes[roles])))", "=", "17"},
		{"count(flatten(teams[*].players[playerId]))", "=", "8"},
		// The ordering operators: max team count 3 <= 3; sum 40 > 39; min 2 < 3.
		{"max(count(teams[*].players))", "<=", "3"},
		{"sum(flatten(teams[*].players.attributes[skill]))", ">", "39"},
		{"min(flatten(teams[*].players.attributes[skill]))", "<", "3"},
	} {
		rs := evLoad(t, `[{"name": "F", "type": "comparison", "measurements": ["`+c.meas+`"], "referenceValue": `+c.ref+`, "operation": "`+c.op+`"}]`, "")
		locs := ticket.NewLocations()
		ev := rs.NewEvaluator(locs)
		if !ev.Evaluate(evCand(t, rs, locs, tickets...), rs.At(0), ruleset.Final) {
			t.Errorf("%s %s %s: failed", c.meas, c.op, c.ref)
		}
		// The opposite check must fail, so the rule really measured something.
		neg := map[string]string{"=": "!=", ">=": "<", "<=": ">", ">": "<=", "<": ">="}[c.op]
		rs = evLoad(t, `[{"name": "F", "type": "comparison", "measurements": ["`+c.meas+`"], "referenceValue": `+c.ref+`, "operation": "`+neg+`"}]`, "")
		ev = rs.NewEvaluator(locs)
		if ev.Evaluate(evCand(t, rs, locs, tickets...), rs.At(0), ruleset.Final) {
			t.Errorf("%s %s %s: passed", c.meas, neg, c.ref)
		}
	}
}

func TestEvalLiteralMeasurements(t *testing.T) {
	// A measurement may be a literal: a number, or a quoted string.
	rs := evLoad(t, `[
		{"name": "Cap", "type": "comparison", "measurements": ["30"],
		 "referenceValue": "max(flatten(teams[*].players.attributes[skill]))", "operation": ">="},
		{"name": "DM", "type": "comparison", "measurements": ["'dm'"],
		 "referenceValue": "flatten(teams[*].players.attributes[mode])", "operation": "="}]`, "")
	evRun(t, rs, []evCase{
		// 30 >= max(12, 30); "dm" = "dm", "dm" (default).
		{name: "pass", tickets: []evT{evSolo("red", "a", 12), evTk("trio_1", evP("b", "skill", 30, "mode", "dm"))}, want: true},
		// 30 < 31.
		{name: "skill over", tickets: []evT{evSolo("red", "a", 31)}, want: false, res: evRes("Cap", evFail)},
		// "dm" != "ctf".
		{name: "ctf", tickets: []evT{evTk("blue", evP("a", "mode", "ctf"))}, want: false, res: evRes("Cap", evPass, "DM", evFail)},
		// Nothing to compare against (D8).
		{name: "empty", want: true},
	})
}

func TestEvalCollectionFlatList(t *testing.T) {
	// Measurements that are one flat list of strings (not a list of lists).
	rs := evLoad(t, `[
		{"name": "Items", "type": "collection", "operation": "contains",
		 "measurements": ["flatten(flatten(teams[*].players.attributes[roles]))"], "referenceValue": "medic", "maxCount": 1},
		{"name": "Common", "type": "collection", "operation": "intersection",
		 "measurements": ["set_intersection(flatten(teams[*].players.attributes[roles]))"], "minCount": 1}]`, "")
	evRun(t, rs, []evCase{
		// Items: medic occurs once in [medic, tank] + [tank]; Common: {tank}.
		{name: "one medic", tickets: []evT{evR("red", "a", "medic", "tank"), evR("trio_2", "b", "tank")}, want: true},
		// medic occurs twice in the flat list: 2 > 1.
		{name: "two medics", tickets: []evT{evR("red", "a", "medic", "tank"), evR("trio_2", "b", "tank", "medic")}, want: false, res: evRes("Items", evFail)},
		// A party [[medic, tank], [tank]] by union: each member lists {medic,
		// tank}: medic twice.
		{name: "party", tickets: []evT{evTk("red", evP("a", "roles", []string{"medic", "tank"}), evP("b", "roles", []string{"tank"}))}, want: false},
		// Common: {medic} n {tank} = {}, a flat empty list. D8 lists "an
		// empty list" among the measurements that aggregate nothing, and the
		// code reads it so: the rule passes although minCount is 1. (A list
		// of lists holding an empty list counts 0 instead; see "empty list"
		// in TestEvalCollectionIntersection.)
		{name: "nothing common", tickets: []evT{evR("red", "a", "medic"), evR("blue", "b", "tank")}, want: true, res: evRes("Items", evPass, "Common", evPass)},
		// Partial checks both (contains maxCount and intersection minCount).
		{name: "partial", mode: ruleset.Partial, tickets: []evT{evR("red", "a", "medic", "tank"), evR("blue", "b", "medic")}, want: false,
			res: evRes("Items", evFail)},
		{name: "empty", want: true},
	})
}

func TestEvalComparisonListReference(t *testing.T) {
	// A list reference is compared pairwise (SPEC 18.9): every red skill >=
	// every blue skill.
	rs := evLoad(t, `[{"name": "RedAboveBlue", "type": "comparison",
		"measurements": ["teams[red].players.attributes[skill]"],
		"referenceValue": "teams[blue].players.attributes[skill]", "operation": ">="}]`, "")
	evRun(t, rs, []evCase{
		// 20>=10, 20>=20, 30>=10, 30>=20.
		{name: "all pairs", tickets: []evT{evSolo("red", "a", 20), evSolo("red", "b", 30), evSolo("blue", "c", 10), evSolo("blue", "d", 20)}, want: true},
		// 20 < 25.
		{name: "one pair fails", tickets: []evT{evSolo("red", "a", 20), evSolo("red", "b", 30), evSolo("blue", "c", 10), evSolo("blue", "d", 25)}, want: false},
		// Party blue [10, 40] -> 25, 25: 20 < 25.
		{name: "party", tickets: []evT{evSolo("red", "a", 20), evTk("blue", evS("c", 10), evS("d", 40))}, want: false},
		{name: "blue empty", tickets: []evT{evSolo("red", "a", 1)}, want: true},
	})
}
