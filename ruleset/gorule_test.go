package ruleset_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Tests of Go rule types (Options.RuleTypes), mostly with the roleQueue
// type of example_test.go. Helpers are prefixed with gr.

// grAttrs declares a string role, a number skill, a string list and a map.
const grAttrs = `[
	{"name": "role", "type": "string", "default": "dps"},
	{"name": "skill", "type": "number", "default": 10},
	{"name": "tags", "type": "string_list", "default": []},
	{"name": "maps", "type": "string_number_map", "default": {"dust": 1}}
]`

// grBody is a rule set over grAttrs with teams red and blue (1 to 3
// players) and the given rules and expansions.
func grBody(rules, expansions string) string {
	body := `{"ruleLanguageVersion": "1.0", "playerAttributes": ` + grAttrs + `,
		"teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 3}, {"name": "blue", "minPlayers": 1, "maxPlayers": 3}],
		"rules": ` + rules
	if expansions != "" {
		body += `, "expansions": ` + expansions
	}
	return body + "}"
}

func grOptions(types ...ruleset.RuleType) ruleset.Options {
	return ruleset.Options{RuleTypes: append([]ruleset.RuleType{roleQueue}, types...)}
}

func grLoad(t testing.TB, rules, expansions string, types ...ruleset.RuleType) *ruleset.RuleSet {
	t.Helper()
	rs, err := ruleset.LoadWith([]byte(grBody(rules, expansions)), grOptions(types...))
	if err != nil {
		t.Fatalf("LoadWith: %v", err)
	}
	return rs
}

const grRoles = `{"name": "Roles", "type": "roleQueue", "attribute": "role", "roles": ["tank", "healer"], "minPerTeam": 1}`

// grCand builds a candidate from one role string per single-player ticket;
// red and blue list the roles of each team's players.
func grCand(t testing.TB, rs *ruleset.RuleSet, locs *ticket.Locations, red, blue []string) *ruleset.Candidate {
	t.Helper()
	var c ruleset.Candidate
	for team, roles := range [][]string{red, blue} {
		for i, role := range roles {
			p := ticket.Player{PlayerID: fmt.Sprintf("%c%d", "rb"[team], i)}
			if role != "" {
				p.PlayerAttributes = map[string]ticket.AttributeValue{"role": ticket.String(role)}
			}
			c.Add(evResolve(t, rs, locs, p), team)
		}
	}
	return &c
}

func grL(s ...string) []string { return s }

// grWantProblems asserts err lists exactly the wanted problems, each
// "<path>: <message substring>".
func grWantProblems(t *testing.T, err error, want ...string) {
	t.Helper()
	if !errors.Is(err, ruleset.ErrInvalid) {
		t.Fatalf("error %v does not wrap ErrInvalid", err)
	}
	var ws []vtWant
	for _, w := range want {
		k := strings.Index(w, ": ")
		ws = append(ws, vtWant{w[:k], w[k+2:]})
	}
	got := ruleset.Problems(err)
	if missing, extra := vtMatch(ws, got); len(missing) > 0 || len(extra) > 0 {
		t.Errorf("problems do not match:\nmissing %v\nextra %s\nall:%s", missing, vtLines(extra), vtLines(got))
	}
	vtCheckOrder(t, got)
}

func TestGoRuleValidation(t *testing.T) {
	for _, tc := range []struct {
		name, rules, expansions string
		want                    []string
	}{{
		name:  "unknown property",
		rules: `[{"name": "Roles", "type": "roleQueue", "attribute": "role", "roles": ["tank"], "minPerTeam": 1, "maxPerTeam": 2}]`,
		want:  []string{"rules[0].maxPerTeam: is not a property of a roleQueue rule; the properties are name, type, description, attribute, roles, minPerTeam"},
	}, {
		name:  "wrong types",
		rules: `[{"name": "Roles", "type": "roleQueue", "attribute": 7, "roles": "tank", "minPerTeam": true, "description": 1}]`,
		want: []string{
			"rules[0].attribute: must be the name of a declared attribute, but it is a number",
			"rules[0].roles: must be an array of strings, but it is a string",
			"rules[0].minPerTeam: must be a number, but it is a boolean",
			"rules[0].description: must be a string",
		},
	}, {
		name:  "a wrong item of a list",
		rules: `[{"name": "Roles", "type": "roleQueue", "attribute": "role", "roles": ["tank", 5, null], "minPerTeam": 1}]`,
		want:  []string{"rules[0].roles[1]: must be a string, but it is a number", "rules[0].roles[2]: must be a string, but it is null"},
	}, {
		name:  "missing required properties",
		rules: `[{"name": "Roles", "type": "roleQueue"}]`,
		want: []string{
			"rules[0].attribute: is missing; a roleQueue rule needs it: the name of a declared attribute",
			"rules[0].roles: is missing; a roleQueue rule needs it: an array of strings",
			"rules[0].minPerTeam: is missing; a roleQueue rule needs it: a number",
		},
	}, {
		name:  "declared limits on a number",
		rules: `[{"name": "A", "type": "roleQueue", "attribute": "role", "roles": ["tank"], "minPerTeam": 1.5}, {"name": "B", "type": "roleQueue", "attribute": "role", "roles": ["tank"], "minPerTeam": "-1"}, {"name": "C", "type": "roleQueue", "attribute": "role", "roles": ["tank"], "minPerTeam": 201}]`,
		want: []string{
			"rules[0].minPerTeam: is 1.5; it must be a whole number",
			"rules[1].minPerTeam: is -1; it must be at least 0",
			"rules[2].minPerTeam: is 201; it must be at most 200",
		},
	}, {
		name:  "bad values from the type's own check",
		rules: `[{"name": "A", "type": "roleQueue", "attribute": "role", "roles": ["tank", "healer", "tank", " "], "minPerTeam": 1}, {"name": "B", "type": "roleQueue", "attribute": "role", "roles": [], "minPerTeam": 1}]`,
		want: []string{
			`rules[0].roles[2]: repeats "tank"; list each role once`,
			"rules[0].roles[3]: is empty; name a role",
			"rules[1].roles: is empty; list the roles every team needs",
		},
	}, {
		name:  "undeclared and mistyped attributes",
		rules: `[{"name": "A", "type": "roleQueue", "attribute": "class", "roles": ["tank"], "minPerTeam": 1}, {"name": "B", "type": "roleQueue", "attribute": "skill", "roles": ["tank"], "minPerTeam": 1}]`,
		want: []string{
			`rules[0].attribute: names "class", which is not declared in playerAttributes`,
			`rules[1].attribute: names "skill", a number attribute; attribute of a roleQueue rule needs a string attribute`,
		},
	}, {
		name: "every problem at once, among other rules",
		rules: `[{"name": "Fast", "type": "latency", "maxLatency": 50},
			{"name": "Close", "type": "distance", "measurements": ["avg(teams[*].players.attributes[skill])"], "referenceValue": 10},
			{"name": "Good", "type": "roleQueue", "attribute": "role", "roles": ["tank"], "minPerTeam": 1},
			{"name": "Bad", "type": "roleQueue", "attribute": "class", "roles": ["a", 1], "minPerTeam": 0.5, "extra": 1}]`,
		want: []string{
			"rules[1]: has neither maxDistance nor minDistance",
			"rules[3].attribute: names \"class\"",
			"rules[3].extra: is not a property of a roleQueue rule",
			"rules[3].minPerTeam: is 0.5; it must be a whole number",
			"rules[3].roles[1]: must be a string",
		},
	}, {
		name:  "an unknown type lists the registered ones",
		rules: `[{"name": "X", "type": "roleQueues"}]`,
		want:  []string{`rules[0].type: is "roleQueues"; the rule types are absoluteSort, batchDistance, collection, comparison, compound, distance, distanceSort, latency, expression, roleQueue`},
	}, {
		name:       "an expansion of a property that is not expandable",
		rules:      `[` + grRoles + `]`,
		expansions: `[{"target": "rules[Roles].roles", "steps": [{"waitTimeSeconds": 5, "value": 1}]}]`,
		want:       []string{`expansions[0].target: "rules[Roles].roles" targets roles, which a roleQueue rule cannot expand; it can expand minPerTeam`},
	}, {
		name:       "expansion values are checked against the declaration",
		rules:      `[` + grRoles + `]`,
		expansions: `[{"target": "rules[Roles].minPerTeam", "steps": [{"waitTimeSeconds": 5, "value": 2.5}, {"waitTimeSeconds": 6, "value": -1}, {"waitTimeSeconds": 7, "value": "x"}]}]`,
		want: []string{
			"expansions[0].steps[0].value: is 2.5; it must be a whole number",
			"expansions[0].steps[1].value: is -1; it must be at least 0",
			`expansions[0].steps[2].value: must be a number, but it is the string "x"`,
		},
	}, {
		name:  "a compound may name a Go rule; batchDistance stays excluded",
		rules: `[` + grRoles + `, {"name": "B", "type": "batchDistance", "batchAttribute": "role"}, {"name": "C", "type": "compound", "statement": "and(Roles, B)"}]`,
		want:  []string{`rules[2].statement: "and(Roles, B)": at character 12: rule "B" is a batchDistance rule, which compound rules cannot use`},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ruleset.LoadWith([]byte(grBody(tc.rules, tc.expansions)), grOptions())
			grWantProblems(t, err, tc.want...)
		})
	}
}

// Without the type registered, a Go rule's type is unknown; Load is
// unchanged.
func TestGoRuleNeedsRegistration(t *testing.T) {
	_, err := ruleset.Load([]byte(grBody(`[`+grRoles+`]`, "")))
	grWantProblems(t, err, `rules[0].type: is "roleQueue"; the rule types are absoluteSort, batchDistance, collection, comparison, compound, distance, distanceSort, latency, expression`)
}

// A large rule set allows only batchDistance and latency rules (D4), so no
// Go rule either.
func TestGoRuleNotInLargeRuleSets(t *testing.T) {
	body := `{"ruleLanguageVersion": "1.0", "playerAttributes": [{"name": "role", "type": "string"}, {"name": "skill", "type": "number"}],
		"algorithm": {"strategy": "balanced", "balancedAttribute": "skill"},
		"teams": [{"name": "red", "minPlayers": 10, "maxPlayers": 50}], "rules": [` + grRoles + `]}`
	_, err := ruleset.LoadWith([]byte(body), grOptions())
	grWantProblems(t, err, "rules[0].type: is roleQueue, which rule sets for more than 40 players do not support")
}

func TestOptionsValidate(t *testing.T) {
	ok := func(p *ruleset.Params) (ruleset.GoRule, error) { return ruleset.RuleFunc(nil), nil }
	for _, tc := range []struct {
		name  string
		types []ruleset.RuleType
		want  []string // substrings, one per problem
	}{
		{"the zero value", nil, nil},
		{"a built-in name", []ruleset.RuleType{{Name: "comparison", Compile: ok}}, []string{`RuleTypes[0].Name: "comparison" is the built-in rule type comparison`}},
		{"a built-in name in other case", []ruleset.RuleType{{Name: "Latency", Compile: ok}}, []string{`RuleTypes[0].Name: "Latency" is the built-in rule type latency`}},
		{"the expression extension", []ruleset.RuleType{{Name: "expression", Compile: ok}}, []string{`RuleTypes[0].Name: "expression" is the built-in`}},
		{"two registrations", []ruleset.RuleType{{Name: "a", Compile: ok}, {Name: "b", Compile: ok}, {Name: "A", Compile: ok}},
			[]string{`RuleTypes[2].Name: "A" is already the name of RuleTypes[0]`}},
		{"no name, no Compile", []ruleset.RuleType{{}}, []string{"RuleTypes[0].Name: is empty", "RuleTypes[0].Compile: is nil"}},
		{"white space", []ruleset.RuleType{{Name: " x", Compile: ok}}, []string{`RuleTypes[0].Name: " x" starts or ends with white space`}},
		{"bad properties", []ruleset.RuleType{{Name: "x", Compile: ok, Properties: []ruleset.Property{
			{Name: "type", Kind: ruleset.PropString},
			{Name: "a", Kind: ruleset.PropNumber},
			{Name: "a", Kind: ruleset.PropString, Expandable: true},
			{Name: "", Kind: 0},
			{Name: "b", Kind: ruleset.PropNumber, Min: ruleset.Bound{Value: 2, Set: true}, Max: ruleset.Bound{Value: 1, Set: true}},
			{Name: "c", Kind: ruleset.PropString, AttributeKinds: []ticket.Kind{ticket.KindString}},
			{Name: "d", Kind: ruleset.PropAttribute, AttributeKinds: []ticket.Kind{ticket.KindNone}},
		}}}, []string{
			`RuleTypes[0].Properties[0].Name: is "type", which every rule has`,
			`RuleTypes[0].Properties[2].Name: "a" is declared twice`,
			"RuleTypes[0].Properties[2]: sets Expandable, Integer, Min or Max, which apply only to PropNumber properties",
			"RuleTypes[0].Properties[3].Name: is empty",
			"RuleTypes[0].Properties[3].Kind: is 0, which is not a PropertyKind",
			"RuleTypes[0].Properties[4].Min: is 2, more than Max (1)",
			"RuleTypes[0].Properties[5].AttributeKinds: applies only to PropAttribute properties",
			"RuleTypes[0].Properties[6].AttributeKinds: holds 0, which is not an attribute type",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ruleset.Options{RuleTypes: tc.types}
			err := o.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ruleset.ErrRuleType) {
				t.Fatalf("Validate = %v, want an error wrapping ErrRuleType", err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Errorf("%d problems, want %d:\n%s", len(lines), len(tc.want), err)
			}
			for i, w := range tc.want {
				if i < len(lines) && !strings.Contains(lines[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, lines[i], w)
				}
			}
			// Every entry point refuses the options before reading the body.
			body := []byte(grBody(`[]`, ""))
			if _, err := ruleset.LoadWith(body, o); !errors.Is(err, ruleset.ErrRuleType) {
				t.Errorf("LoadWith = %v, want ErrRuleType", err)
			}
			doc, _ := ruleset.Parse(body)
			if _, err := ruleset.CompileWith(doc, o); !errors.Is(err, ruleset.ErrRuleType) {
				t.Errorf("CompileWith = %v, want ErrRuleType", err)
			}
			if err := doc.ValidateWith(o); !errors.Is(err, ruleset.ErrRuleType) {
				t.Errorf("ValidateWith = %v, want ErrRuleType", err)
			}
		})
	}
}

// A rule type whose Compile fails in its own ways: a plain error, a wrapped
// PropertyError, a panic, no rule at all.
func TestGoRuleCompileFailures(t *testing.T) {
	mk := func(name string, compile func(p *ruleset.Params) (ruleset.GoRule, error)) ruleset.RuleType {
		return ruleset.RuleType{Name: name, Properties: []ruleset.Property{{Name: "w", Kind: ruleset.PropObject}}, Compile: compile}
	}
	types := []ruleset.RuleType{
		mk("plain", func(p *ruleset.Params) (ruleset.GoRule, error) { return nil, errors.New("the studio says no") }),
		mk("wrapped", func(p *ruleset.Params) (ruleset.GoRule, error) {
			return nil, fmt.Errorf("decoding: %w", ruleset.PropertyErrorf("w.tank", "is negative"))
		}),
		mk("panics", func(p *ruleset.Params) (ruleset.GoRule, error) { p.Number("w"); return nil, nil }),
		mk("nothing", func(p *ruleset.Params) (ruleset.GoRule, error) { return nil, nil }),
		mk("whole", func(p *ruleset.Params) (ruleset.GoRule, error) {
			return nil, errors.Join(ruleset.PropertyErrorf("", "needs two teams"), nil, ruleset.PropertyErrorf("[0]", "odd"))
		}),
		mk("reader", func(p *ruleset.Params) (ruleset.GoRule, error) {
			_, err1 := p.ReadAttribute("class")
			_, err2 := p.ReadAttribute("skill", ticket.KindString, ticket.KindList)
			_, err3 := p.ReadAttribute("skill") // any type will do
			return nil, errors.Join(err1, err2, err3)
		}),
	}
	rules := `[{"name": "A", "type": "plain"}, {"name": "B", "type": "wrapped", "w": {"tank": -1}},
		{"name": "C", "type": "panics"}, {"name": "D", "type": "nothing"}, {"name": "E", "type": "whole"}, {"name": "F", "type": "plain", "w": [1]},
		{"name": "G", "type": "reader"}]`
	_, err := ruleset.LoadWith([]byte(grBody(rules, "")), grOptions(types...))
	grWantProblems(t, err,
		"rules[0]: the studio says no",
		"rules[1].w.tank: is negative",
		`rules[2]: rule type panics failed to compile the rule: panic: ruleset: property "w" of rule type panics is an object, not a number`,
		"rules[3]: rule type nothing compiled no rule",
		"rules[4]: needs two teams",
		"rules[4][0]: odd",
		"rules[5].w: must be an object, but it is an array",
		`rules[6]: rule type reader reads attribute "class", which is not declared in playerAttributes; declare it`,
		`rules[6]: rule type reader reads attribute "skill" as a string or a string_list attribute, but it is declared a number`,
	)
}

// grProbe is a rule type that reads every kind of property and attribute
// and records what Compile and Evaluate saw; a test-only rule type, so it
// keeps state (a real one must not).
type grProbe struct {
	params  map[string]any
	teams   []string
	seen    []string
	param   ruleset.Param
	attrs   [4]ruleset.Attribute
	results int
}

func (g *grProbe) ruleType() ruleset.RuleType {
	return ruleset.RuleType{
		Name: "probe",
		Properties: []ruleset.Property{
			{Name: "n", Kind: ruleset.PropNumber, Expandable: true},
			{Name: "s", Kind: ruleset.PropString},
			{Name: "l", Kind: ruleset.PropStrings},
			{Name: "b", Kind: ruleset.PropBool},
			{Name: "o", Kind: ruleset.PropObject},
			{Name: "a", Kind: ruleset.PropAttribute, AttributeKinds: []ticket.Kind{ticket.KindList, ticket.KindMap}},
		},
		Compile: func(p *ruleset.Params) (ruleset.GoRule, error) {
			g.params = map[string]any{"rule": p.RuleName(), "path": p.Path(), "n": p.Number("n"), "s": p.String("s"),
				"l": p.Strings("l"), "b": p.Bool("b"), "o": string(p.Object("o")), "hasS": p.Has("s"), "teams": len(p.Teams())}
			g.param = p.Param("n")
			var err error
			g.attrs[0] = p.Attribute("a")
			if g.attrs[1], err = p.ReadAttribute("skill", ticket.KindNumber); err != nil {
				return nil, err
			}
			if g.attrs[2], err = p.ReadAttribute("role"); err != nil {
				return nil, err
			}
			if g.attrs[3], err = p.ReadAttribute("maps", ticket.KindMap); err != nil {
				return nil, err
			}
			return ruleset.RuleFunc(g.evaluate), nil
		},
	}
}

func (g *grProbe) evaluate(m *ruleset.Match, mode ruleset.Mode) bool {
	g.teams = g.teams[:0]
	g.seen = g.seen[:0]
	for t := range m.Teams() {
		sz := m.TeamSize(t)
		g.teams = append(g.teams, fmt.Sprintf("%s(%s) %d-%d has %d", m.TeamName(t), m.Team(t).Base, sz.Min, sz.Max, m.Players(t)))
		for i := range m.Players(t) {
			p := m.Player(t, i)
			g.seen = append(g.seen, fmt.Sprintf("%s: tags %v skill %v role %s maps %v has %v", p.ID(),
				p.List(g.attrs[0]), p.Num(g.attrs[1]), p.Str(g.attrs[2]), p.Map(g.attrs[3]), p.Has(g.attrs[1])))
		}
	}
	g.results++
	return m.Param(g.param) < 10
}

func TestGoRuleSeesPropertiesAndCandidate(t *testing.T) {
	g := &grProbe{}
	rules := `[{"name": "P", "type": "probe", "n": "3", "l": ["x", "y"], "b": true, "o": {"k": [1, 2,], /* c */ "z": null}, "a": "tags"}]`
	expansions := `[{"target": "rules[P].n", "steps": [{"waitTimeSeconds": 10, "value": 12}]},
		{"target": "teams[blue].maxPlayers", "steps": [{"waitTimeSeconds": 5, "value": 2}]}]`
	rs := grLoad(t, rules, expansions, g.ruleType())
	wantParams := map[string]any{"rule": "P", "path": "rules[0]", "n": 3.0, "s": "", "l": []string{"x", "y"}, "b": true,
		"o": `{"k":[1,2],"z":null}`, "hasS": false, "teams": 2}
	if fmt.Sprint(g.params) != fmt.Sprint(wantParams) {
		t.Errorf("Compile saw %v, want %v", g.params, wantParams)
	}
	var o map[string]any
	if err := json.Unmarshal([]byte(g.params["o"].(string)), &o); err != nil {
		t.Errorf("the object property is not strict JSON: %v", err)
	}
	info := rs.Rules()[0]
	if !info.Go || info.Type != "probe" || fmt.Sprint(info.Attributes) != "[role skill tags maps]" || info.Measured != nil {
		t.Errorf("Rule = %s; want Go, type probe, Attributes [role skill tags maps] in declaration order", dsFormat(info))
	}

	locs := ticket.NewLocations()
	party := evResolve(t, rs, locs,
		ticket.Player{PlayerID: "p1", PlayerAttributes: map[string]ticket.AttributeValue{
			"tags": ticket.StringList("b", "a", "b"), "skill": ticket.Number(7), "role": ticket.String("tank")}},
		ticket.Player{PlayerID: "p2", PlayerAttributes: map[string]ticket.AttributeValue{
			"maps": ticket.StringNumberMap(map[string]float64{"z": 2, "a": 3}), "skill": ticket.Number(20)}})
	solo := evResolve(t, rs, locs, ticket.Player{PlayerID: "p3"})
	var c ruleset.Candidate
	c.Add(party, 1)
	c.Add(solo, 1)
	ev := rs.NewEvaluator(locs)
	for _, tc := range []struct {
		wait  time.Duration
		mode  ruleset.Mode
		want  bool
		teams string
	}{
		{0, ruleset.Final, true, "[red(red) 1-3 has 0 blue(blue) 1-3 has 3]"},
		{5 * time.Second, ruleset.Partial, true, "[red(red) 1-3 has 0 blue(blue) 1-2 has 3]"},
		{10 * time.Second, ruleset.Final, false, "[red(red) 1-3 has 0 blue(blue) 1-2 has 3]"}, // n is 12 from 10 s
	} {
		if got := ev.Evaluate(&c, rs.At(tc.wait), tc.mode); got != tc.want {
			t.Errorf("at %v: Evaluate = %v, want %v", tc.wait, got, tc.want)
		}
		if got := fmt.Sprint(g.teams); got != tc.teams {
			t.Errorf("at %v: teams %s, want %s", tc.wait, got, tc.teams)
		}
	}
	// Each player's own values (not the party's, D9), defaults filled in.
	want := "[p1: tags [a b] skill 7 role tank maps [{dust 1}] has true p2: tags [] skill 20 role dps maps [{a 3} {z 2}] has true " +
		"p3: tags [] skill 10 role dps maps [{dust 1}] has true]"
	if got := fmt.Sprint(g.seen); got != want {
		t.Errorf("players:\n%s\nwant\n%s", got, want)
	}
	// Structural mode skips Go rules.
	before := g.results
	if !ev.Evaluate(&c, rs.At(10*time.Second), ruleset.Structural) || g.results != before || ev.Result(0) != ruleset.NotEvaluated {
		t.Errorf("Structural evaluated the Go rule (result %d)", ev.Result(0))
	}
}

func TestGoRulePartialAndFinal(t *testing.T) {
	rs := grLoad(t, `[`+grRoles+`]`, `[{"target": "rules[Roles].minPerTeam", "steps": [{"waitTimeSeconds": 10, "value": 2}, {"waitTimeSeconds": 20, "value": 0}]},
		{"target": "teams[red, blue].maxPlayers", "steps": [{"waitTimeSeconds": 15, "value": 5}]}]`)
	locs := ticket.NewLocations()
	ev := rs.NewEvaluator(locs)
	for _, tc := range []struct {
		name      string
		red, blue []string
		wait      time.Duration
		mode      ruleset.Mode
		want      bool
	}{
		{"empty partial: everything still open", nil, nil, 0, ruleset.Partial, true},
		{"empty final: no tank anywhere", nil, nil, 0, ruleset.Final, false},
		{"partial, two missing roles in two open slots", grL("dps"), grL("tank"), 0, ruleset.Partial, true},
		{"partial, two missing roles in one open slot", grL("dps", "dps"), grL("tank"), 0, ruleset.Partial, false},
		{"partial, a full team without a healer", grL("tank", "dps", "dps"), nil, 0, ruleset.Partial, false},
		{"final, every team has both", grL("tank", "healer"), grL("healer", "tank", "dps"), 0, ruleset.Final, true},
		{"final, blue lacks a tank", grL("tank", "healer"), grL("healer", ""), 0, ruleset.Final, false},
		{"partial at 10 s: two of each needs four slots, a team holds three", grL("tank"), nil, 10 * time.Second, ruleset.Partial, false},
		{"partial at 15 s: teams hold five now", grL("tank"), nil, 15 * time.Second, ruleset.Partial, true},
		{"partial at 15 s: red lacks three in two open slots", grL("tank", "dps", "dps"), nil, 15 * time.Second, ruleset.Partial, false},
		{"final at 15 s: two of each", grL("tank", "healer", "tank", "healer"), grL("healer", "tank", "healer", "tank", "dps"), 15 * time.Second, ruleset.Final, true},
		{"final at 20 s: no role needed", grL("dps"), nil, 20 * time.Second, ruleset.Final, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := grCand(t, rs, locs, tc.red, tc.blue)
			got := ev.Evaluate(c, rs.At(tc.wait), tc.mode)
			want := map[bool]int8{true: ruleset.Passed, false: ruleset.Failed}[tc.want]
			if got != tc.want || ev.Result(0) != want || ev.Err() != nil {
				t.Errorf("Evaluate = %v (result %d, err %v), want %v", got, ev.Result(0), ev.Err(), tc.want)
			}
		})
	}
}

// A Go rule inside compound rules: evaluated only through them (D3), its
// result recorded.
func TestGoRuleInCompound(t *testing.T) {
	rs := grLoad(t, `[`+grRoles+`,
		{"name": "Skilled", "type": "comparison", "operation": ">=", "measurements": ["flatten(teams[*].players.attributes[skill])"], "referenceValue": 10},
		{"name": "Either", "type": "compound", "statement": "or(Roles, Skilled)"},
		{"name": "NoRoles", "type": "compound", "statement": "not(Roles)"}]`, "")
	if r := rs.Rules()[0]; !r.InCompound {
		t.Errorf("Roles.InCompound = false")
	}
	if r := rs.Rules()[3]; fmt.Sprint(r.Attributes, r.Referenced) != "[role] [Roles]" {
		t.Errorf("NoRoles reads %v and names %v; want [role] [Roles]", r.Attributes, r.Referenced)
	}
	locs := ticket.NewLocations()
	ev := rs.NewEvaluator(locs)
	check := func(name string, c *ruleset.Candidate, mode ruleset.Mode, want bool, results string) {
		t.Helper()
		got := ev.Evaluate(c, rs.At(0), mode)
		if got != want || fmt.Sprint(ev.Results()) != results {
			t.Errorf("%s: Evaluate = %v, Results %v; want %v, %s", name, got, ev.Results(), want, results)
		}
	}
	roles := grCand(t, rs, locs, grL("tank", "healer"), grL("tank", "healer"))
	noRoles := grCand(t, rs, locs, grL("dps"), grL("dps"))
	// Either passes on Roles alone (or stops at the first true); NoRoles
	// then fails because Roles passes.
	check("roles filled", roles, ruleset.Final, false, "[1 0 1 -1]")
	// Roles fails, Skilled (default skill 10) passes; NoRoles passes.
	check("roles missing", noRoles, ruleset.Final, true, "[-1 1 1 1]")
	// On a partial candidate a pass is not yet a truth, so or() goes on to
	// Skilled, and not() is unknown, so NoRoles does not fail.
	check("partial", roles, ruleset.Partial, true, "[1 1 1 1]")
	// A partial failure is final: Either still passes through Skilled,
	// NoRoles cannot fail on a partial candidate.
	check("partial, red full without roles", grCand(t, rs, locs, grL("dps", "dps", "dps"), nil), ruleset.Partial, true, "[-1 1 1 1]")
}

// A panic inside a Go rule fails the rule, is reported by Err, and does
// not reach the caller; the next evaluation starts clean.
func TestGoRulePanicIsRecovered(t *testing.T) {
	var mode string
	panicky := ruleset.RuleType{
		Name:       "panicky",
		Properties: []ruleset.Property{{Name: "attribute", Kind: ruleset.PropAttribute}},
		Compile: func(p *ruleset.Params) (ruleset.GoRule, error) {
			a := p.Attribute("attribute")
			return ruleset.RuleFunc(func(m *ruleset.Match, _ ruleset.Mode) bool {
				switch mode {
				case "index":
					_ = m.Player(0, 99)
				case "kind":
					_ = m.Player(0, 0).Num(a) // a string attribute
				case "unresolved":
					_ = m.Player(0, 0).Str(ruleset.Attribute{})
				case "value":
					panic("boom")
				}
				return true
			}), nil
		},
	}
	rs := grLoad(t, `[{"name": "P", "type": "panicky", "attribute": "role"}, {"name": "Q", "type": "roleQueue", "attribute": "role", "roles": ["tank"], "minPerTeam": 0}]`, "", panicky)
	locs := ticket.NewLocations()
	c := grCand(t, rs, locs, grL("tank"), nil)
	ev := rs.NewEvaluator(locs)
	for _, tc := range []struct{ mode, msg string }{
		{"index", "index out of range"},
		{"kind", `read string attribute "role" as a number`},
		{"unresolved", "read an Attribute that was never resolved"},
		{"value", "boom"},
	} {
		mode = tc.mode
		if ev.Evaluate(c, rs.At(0), ruleset.Final) {
			t.Errorf("%s: a panicking rule passed", tc.mode)
		}
		err := ev.Err()
		var ee *ruleset.EvaluationError
		if !errors.Is(err, ruleset.ErrEvaluation) || !errors.As(err, &ee) || ee.Rule != 0 || ee.Name != "P" ||
			!strings.Contains(ee.Problem, "rule type panicky panicked") || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: Err = %v; want an EvaluationError of rule 0 (P) saying it panicked and %q", tc.mode, err, tc.msg)
		}
		if fmt.Sprint(ev.Results()) != "[-1 0]" {
			t.Errorf("%s: Results = %v, want P failed and Q not reached", tc.mode, ev.Results())
		}
	}
	mode = ""
	if !ev.Evaluate(c, rs.At(0), ruleset.Final) || ev.Err() != nil || fmt.Sprint(ev.Results()) != "[1 1]" {
		t.Errorf("after the panics: Evaluate = false or Err = %v, Results %v", ev.Err(), ev.Results())
	}
}

// An attribute resolved in one rule set cannot read tickets of another.
func TestGoRuleAttributeOfAnotherRuleSet(t *testing.T) {
	var foreign ruleset.Attribute
	grab := ruleset.RuleType{Name: "grab", Properties: []ruleset.Property{{Name: "attribute", Kind: ruleset.PropAttribute}},
		Compile: func(p *ruleset.Params) (ruleset.GoRule, error) {
			a := p.Attribute("attribute")
			if foreign == (ruleset.Attribute{}) {
				foreign = a
			}
			return ruleset.RuleFunc(func(m *ruleset.Match, _ ruleset.Mode) bool { return m.Player(0, 0).Str(foreign) != "" }), nil
		}}
	grLoad(t, `[{"name": "G", "type": "grab", "attribute": "role"}]`, "", grab)
	rs := grLoad(t, `[{"name": "G", "type": "grab", "attribute": "role"}]`, "", grab)
	locs := ticket.NewLocations()
	ev := rs.NewEvaluator(locs)
	if ev.Evaluate(grCand(t, rs, locs, grL("tank"), nil), rs.At(0), ruleset.Final) || !strings.Contains(fmt.Sprint(ev.Err()), "another rule set's schema") {
		t.Errorf("Err = %v; want a read of another rule set's attribute to fail", ev.Err())
	}
}

// Once warm, evaluating a candidate with the role queue allocates nothing,
// passing or failing, in every mode.
func TestAllocsGoRule(t *testing.T) {
	rs := grLoad(t, `[`+grRoles+`, {"name": "Skilled", "type": "comparison", "operation": ">=", "measurements": ["flatten(teams[*].players.attributes[skill])"], "referenceValue": 10},
		{"name": "Both", "type": "compound", "statement": "and(Roles, Skilled)"}]`, "")
	for _, tc := range []struct {
		name      string
		red, blue []string
		pass      bool
	}{
		{"passing", grL("tank", "healer", "dps"), grL("healer", "tank"), true},
		{"failing", grL("tank", "dps", "dps"), grL("healer", "tank"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allocEachMode(t, rs, func(t testing.TB, rs *ruleset.RuleSet, locs *ticket.Locations) *ruleset.Candidate {
				return grCand(t, rs, locs, tc.red, tc.blue)
			}, tc.pass, nil)
		})
	}
}

// FuzzGoRuleLoadWith feeds bodies through LoadWith with the role queue
// registered: compiling must never panic, problems must come in the
// documented shape, and a rule set that compiles is evaluated in every mode
// and phase (the evaluator must not panic, whatever the rule does).
//
//	go test ./ruleset -run '^$' -fuzz FuzzGoRuleLoadWith -fuzztime 60s
func FuzzGoRuleLoadWith(f *testing.F) {
	for _, rules := range []string{
		`[` + grRoles + `]`,
		`[{"name": "Roles", "type": "roleQueue", "attribute": "role", "roles": ["tank", "tank", 3], "minPerTeam": -1.5, "x": {}}]`,
		`[` + grRoles + `, {"name": "C", "type": "compound", "statement": "and(Roles, not(Roles))"}]`,
	} {
		f.Add([]byte(grBody(rules, `[{"target": "rules[Roles].minPerTeam", "steps": [{"waitTimeSeconds": 5, "value": 0}]}]`)))
	}
	opts := grOptions()
	f.Fuzz(func(t *testing.T, body []byte) {
		rs, err := ruleset.LoadWith(body, opts)
		if err != nil {
			if !errors.Is(err, ruleset.ErrInvalid) && !errors.Is(err, ruleset.ErrSyntax) {
				t.Fatalf("LoadWith error wraps neither ErrInvalid nor ErrSyntax: %v", err)
			}
			for _, p := range ruleset.Problems(err) {
				if p.Message == "" {
					t.Fatalf("problem at %q has no message", p.Path)
				}
			}
			return
		}
		fuzzEvaluate(t, rs)
	})
}

// One rule set with a Go rule, evaluated by evaluators on several
// goroutines at once (run with -race): the rule keeps no state of its own,
// and each evaluator has its own scratch storage.
func TestGoRuleSharedByEvaluators(t *testing.T) {
	rs := grLoad(t, `[`+grRoles+`]`, "")
	locs := ticket.NewLocations()
	pass := grCand(t, rs, locs, grL("tank", "healer"), grL("healer", "tank"))
	fail := grCand(t, rs, locs, grL("tank", "dps"), grL("healer", "tank"))
	done := make(chan string)
	for g := range 4 {
		go func() {
			ev := rs.NewEvaluator(locs) // locs is only read: every location is known
			for i := range 200 {
				c, want := pass, true
				if (i+g)%2 == 1 {
					c, want = fail, false
				}
				if got := ev.Evaluate(c, rs.At(0), ruleset.Final); got != want {
					done <- fmt.Sprintf("goroutine %d, evaluation %d: %v, want %v", g, i, got, want)
					return
				}
			}
			done <- ""
		}()
	}
	for range 4 {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}
