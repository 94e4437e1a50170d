package ruleset_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// exampleBody is a FlexMatch rule set as published, comments included (D1):
// cowboys against two alien teams (quantity 2), balanced skill and equal
// team sizes, with the skill rule relaxed over time.
const exampleBody = `{
	"name": "aliens_vs_cowboys",
	"ruleLanguageVersion": "1.0",
	"playerAttributes": [{"name": "skill", "type": "number", "default": 10}],
	"teams": [
		{"name": "cowboys", "minPlayers": 2, "maxPlayers": 4},
		{"name": "aliens", "minPlayers": 1, "maxPlayers": 2, "quantity": 2}
	],
	"rules": [{
		"name": "FairTeamSkill",
		"type": "distance",
		// each team's average within 10 of the match average
		"measurements": ["avg(teams[*].players.attributes[skill])"],
		"referenceValue": "avg(flatten(teams[*].players.attributes[skill]))",
		"maxDistance": 10
	}, {
		"name": "EqualTeamSizes",
		"type": "comparison",
		// the cowboys are as many as both alien teams together
		"measurements": ["count(teams[cowboys].players)"],
		"referenceValue": "count(flatten(teams[aliens].players))",
		"operation": "="
	}, {
		"name": "FastConnection",
		"type": "latency",
		"maxLatency": 80,
	}],
	"expansions": [{
		"target": "rules[FairTeamSkill].maxDistance",
		"steps": [{"waitTimeSeconds": 5, "value": 50}, {"waitTimeSeconds": 15, "value": 100}]
	}, {
		"target": "teams[aliens].minPlayers",
		"steps": [{"waitTimeSeconds": 10, "value": 2}]
	}]
}`

// Load a rule set and inspect its size class, generated teams and rules.
func Example() {
	rs, err := ruleset.Load([]byte(exampleBody))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %s match, up to %d players\n", rs.Name(), rs.Class(), rs.MaxPlayers())
	for _, t := range rs.Teams() {
		fmt.Printf("team %s (definition %s, copy %d): %d-%d players\n", t.Name, t.Base, t.Copy, t.MinPlayers, t.MaxPlayers)
	}
	for _, r := range rs.Rules() {
		fmt.Printf("rule %s: %s\n", r.Name, r.Type)
	}
	fmt.Printf("%d expansion steps, the last after %v\n", rs.ExpansionSteps(), rs.LastExpansion())
	// Output:
	// aliens_vs_cowboys: small match, up to 8 players
	// team cowboys (definition cowboys, copy 0): 2-4 players
	// team aliens_1 (definition aliens, copy 1): 1-2 players
	// team aliens_2 (definition aliens, copy 2): 1-2 players
	// rule FairTeamSkill: distance
	// rule EqualTeamSizes: comparison
	// rule FastConnection: latency
	// 3 expansion steps, the last after 15s
}

// Build a candidate match, evaluate it while it is being filled (Partial)
// and once complete (Final), and read the per-rule results.
func ExampleEvaluator_Evaluate() {
	rs := ruleset.MustLoad([]byte(exampleBody))
	locs := ticket.NewLocations()
	player := func(id string, skill float64, east, west int) ticket.Player {
		return ticket.Player{
			PlayerID:         id,
			PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(skill)},
			LatencyInMs:      map[string]int{"us-east-1": east, "us-west-2": west},
		}
	}
	add := func(c *ruleset.Candidate, team string, players ...ticket.Player) {
		r, err := rs.Schema().Resolve(players, locs)
		if err != nil {
			panic(err)
		}
		t, _ := rs.TeamIndex(team)
		c.Add(r, t)
	}
	show := func(ev *ruleset.Evaluator, ok bool) {
		names := map[int8]string{ruleset.Passed: "passed", ruleset.Failed: "failed", ruleset.NotEvaluated: "not evaluated"}
		fmt.Println("match passes:", ok)
		for i, r := range ev.Results() {
			fmt.Printf("  %s: %s\n", rs.Rules()[i].Name, names[r])
		}
		if l := ev.Location(); l >= 0 {
			fmt.Println("  location:", locs.Name(l))
		}
	}

	var c ruleset.Candidate
	add(&c, "cowboys", player("c1", 20, 40, 70), player("c2", 30, 60, 50)) // a party of two
	add(&c, "aliens_1", player("a1", 25, 30, 90))
	ev := rs.NewEvaluator(locs)
	show(ev, ev.Evaluate(&c, rs.At(0), ruleset.Partial))

	add(&c, "aliens_2", player("a2", 60, 50, 40))
	show(ev, ev.Evaluate(&c, rs.At(0), ruleset.Final))
	show(ev, ev.Evaluate(&c, rs.At(5*time.Second), ruleset.Final))
	// Partial: the party's skills average to 25, 25 and a1 has 25, so
	// every team average (25, 25) is the match average; EqualTeamSizes counts
	// players and waits for the final check. The party's average latency is
	// 50 ms to us-east-1 and 60 to us-west-2, where a1 has 90 > 80.
	//
	// Final at 0 s: team averages 25, 25, 60; match 135/4 = 33.75;
	// |60 - 33.75| = 26.25 > 10. At 5 s maxDistance is 50: it passes, and
	// 2 cowboys = 1 + 1 aliens.

	// A location is chosen only in Final mode.

	// Output:
	// match passes: true
	//   FairTeamSkill: passed
	//   EqualTeamSizes: not evaluated
	//   FastConnection: passed
	// match passes: false
	//   FairTeamSkill: failed
	//   EqualTeamSizes: not evaluated
	//   FastConnection: not evaluated
	// match passes: true
	//   FairTeamSkill: passed
	//   EqualTeamSizes: passed
	//   FastConnection: passed
	//   location: us-east-1
}

// The effective values of a rule set after waiting: each expansion step
// applies from its waitTimeSeconds on.
func ExampleRuleSet_At() {
	rs := ruleset.MustLoad([]byte(exampleBody))
	for _, wait := range []time.Duration{0, 4900 * time.Millisecond, 5 * time.Second, 10 * time.Second, 15 * time.Second, time.Minute} {
		v := rs.At(wait)
		d, _ := v.MaxDistance(0)
		fmt.Printf("after %v: phase %d, FairTeamSkill.maxDistance %v, aliens_1 %d-%d, aliens_2 %d-%d players\n",
			wait, v.Index(), d, v.Team(1).Min, v.Team(1).Max, v.Team(2).Min, v.Team(2).Max)
	}
	// Output:
	// after 0s: phase 0, FairTeamSkill.maxDistance 10, aliens_1 1-2, aliens_2 1-2 players
	// after 4.9s: phase 0, FairTeamSkill.maxDistance 10, aliens_1 1-2, aliens_2 1-2 players
	// after 5s: phase 1, FairTeamSkill.maxDistance 50, aliens_1 1-2, aliens_2 1-2 players
	// after 10s: phase 2, FairTeamSkill.maxDistance 50, aliens_1 2-2, aliens_2 2-2 players
	// after 15s: phase 3, FairTeamSkill.maxDistance 100, aliens_1 2-2, aliens_2 2-2 players
	// after 1m0s: phase 3, FairTeamSkill.maxDistance 100, aliens_1 2-2, aliens_2 2-2 players
}

// Validation reports every problem at once, each with its JSON path (D6).
func ExampleParse() {
	doc, err := ruleset.Parse([]byte(`{
		"ruleLanguageVersion": "1.0",
		"playerAttributes": [{"name": "skill", "type": "integer"}],
		"teams": [{"name": "red", "minPlayers": 5, "maxPlayers": 4}],
		"rules": [{
			"name": "Close", "type": "comparison",
			"measurements": ["avg(teams[blue].players.attributes[skill])"],
			"operation": "<"
		}]
	}`))
	if err != nil {
		fmt.Println("not JSON:", err)
		return
	}
	err = doc.Validate()
	var list *ruleset.ErrorList
	if errors.As(err, &list) {
		fmt.Println(errors.Is(err, ruleset.ErrInvalid), len(list.Errors), "problems:")
		for _, e := range list.Errors {
			fmt.Printf("  %s\n    %s\n", e.Path, e.Message)
		}
	}

	_, err = ruleset.Parse([]byte(`{"teams": [`))
	fmt.Println(errors.Is(err, ruleset.ErrSyntax))
	// Output:
	// true 4 problems:
	//   playerAttributes[0].type
	//     is "integer"; the types are string, number, string_list and string_number_map
	//   rules[0].measurements[0]
	//     "avg(teams[blue].players.attributes[skill])": at character 11: team "blue" is not defined; the teams are red
	//   rules[0].operation
	//     is "<" without a referenceValue; without one only = (all equal) and != (all different) apply
	//   teams[0].minPlayers
	//     is 5, more than maxPlayers (4); minPlayers must not exceed maxPlayers
	// true
}

// Format a rule set's problems on one line, as an API error message does,
// or one per line, as a command-line tool does. Both list at most
// MaxListedProblems problems.
func ExampleErrorList_Summary() {
	_, err := ruleset.Load([]byte(`{
		"ruleLanguageVersion": "1.0",
		"teams": [{"name": "red", "minPlayers": 5, "maxPlayers": 4}],
		"rules": [{"name": "Fast", "type": "latency"}]
	}`))
	var list *ruleset.ErrorList
	if !errors.As(err, &list) {
		return
	}
	fmt.Println(list.Summary("RuleSetBody is not a valid rule set"))
	for _, line := range list.Lines() {
		fmt.Println(line)
	}
	// Output:
	// RuleSetBody is not a valid rule set (2 problems): (1) rules[0]: has neither maxLatency nor maxDistance; give at least one (2) teams[0].minPlayers: is 5, more than maxPlayers (4); minPlayers must not exceed maxPlayers
	// rules[0]: has neither maxLatency nor maxDistance; give at least one
	// teams[0].minPlayers: is 5, more than maxPlayers (4); minPlayers must not exceed maxPlayers
}

// roleQueue is a rule type implemented in Go: every team needs at least
// minPerTeam players of each listed role, a string attribute:
//
//	{"name": "Roles", "type": "roleQueue", "attribute": "role",
//	 "roles": ["tank", "healer"], "minPerTeam": 1}
//
// minPerTeam is expandable (rules[Roles].minPerTeam).
var roleQueue = ruleset.RuleType{
	Name: "roleQueue",
	Properties: []ruleset.Property{
		{Name: "attribute", Kind: ruleset.PropAttribute, Required: true, AttributeKinds: []ticket.Kind{ticket.KindString}},
		{Name: "roles", Kind: ruleset.PropStrings, Required: true},
		{Name: "minPerTeam", Kind: ruleset.PropNumber, Required: true, Expandable: true, Integer: true,
			Min: ruleset.Bound{Value: 0, Set: true}, Max: ruleset.Bound{Value: ruleset.MaxMatchPlayers, Set: true}},
	},
	Compile: compileRoleQueue,
}

// compileRoleQueue checks what the declaration cannot: the roles are
// non-empty and distinct.
func compileRoleQueue(p *ruleset.Params) (ruleset.GoRule, error) {
	roles := p.Strings("roles")
	var errs []error
	if len(roles) == 0 {
		errs = append(errs, ruleset.PropertyErrorf("roles", "is empty; list the roles every team needs"))
	}
	for i, role := range roles {
		switch {
		case strings.TrimSpace(role) == "":
			errs = append(errs, ruleset.PropertyErrorf(fmt.Sprintf("roles[%d]", i), "is empty; name a role"))
		case slices.Index(roles, role) < i:
			errs = append(errs, ruleset.PropertyErrorf(fmt.Sprintf("roles[%d]", i), "repeats %q; list each role once", role))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &roleRule{attr: p.Attribute("attribute"), roles: roles, min: p.Param("minPerTeam")}, nil
}

type roleRule struct {
	attr  ruleset.Attribute
	roles []string
	min   ruleset.Param
}

// Evaluate counts each team's players per role, in scratch storage the
// evaluator owns. A complete team must hold minPerTeam of each role; a team
// still being filled fails only when its open slots cannot make up what it
// lacks.
func (r *roleRule) Evaluate(m *ruleset.Match, mode ruleset.Mode) bool {
	need := int(m.Param(r.min))
	counts := m.Ints(len(r.roles))
	for t := range m.Teams() {
		clear(counts)
		for i := range m.Players(t) {
			if k := slices.Index(r.roles, m.Player(t, i).Str(r.attr)); k >= 0 {
				counts[k]++
			}
		}
		missing := 0
		for _, n := range counts {
			missing += max(0, need-n)
		}
		if missing > 0 && (mode == ruleset.Final || missing > m.TeamSize(t).Max-m.Players(t)) {
			return false
		}
	}
	return true
}

// A rule type implemented in Go, registered through Options: a role queue.
// The candidates are evaluated while they are filled (Partial) and when
// complete (Final), before and after an expansion relaxes minPerTeam.
func ExampleRuleType() {
	rs, err := ruleset.LoadWith([]byte(`{
		"ruleLanguageVersion": "1.0",
		"playerAttributes": [{"name": "role", "type": "string", "default": "dps"}],
		"teams": [{"name": "red", "minPlayers": 2, "maxPlayers": 3},
		          {"name": "blue", "minPlayers": 2, "maxPlayers": 3}],
		"rules": [{"name": "Roles", "type": "roleQueue", "attribute": "role",
		           "roles": ["tank", "healer"], "minPerTeam": 1}],
		"expansions": [{"target": "rules[Roles].minPerTeam",
		                "steps": [{"waitTimeSeconds": 30, "value": 0}]}]
	}`), ruleset.Options{RuleTypes: []ruleset.RuleType{roleQueue}})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := rs.Rules()[0]
	fmt.Printf("rule %s: type %s, Go %v, reads %v\n", r.Name, r.Type, r.Go, r.Attributes)

	locs := ticket.NewLocations()
	ev := rs.NewEvaluator(locs)
	// candidate puts one single-player ticket per role on each team.
	candidate := func(red, blue []string) *ruleset.Candidate {
		var c ruleset.Candidate
		for team, roles := range [][]string{red, blue} {
			for i, role := range roles {
				p := ticket.Player{PlayerID: fmt.Sprintf("%d-%d", team, i),
					PlayerAttributes: map[string]ticket.AttributeValue{"role": ticket.String(role)}}
				t, err := rs.Schema().Resolve([]ticket.Player{p}, locs)
				if err != nil {
					panic(err)
				}
				c.Add(t, team)
			}
		}
		return &c
	}
	show := func(what string, c *ruleset.Candidate, wait time.Duration, mode ruleset.Mode) {
		ok := ev.Evaluate(c, rs.At(wait), mode)
		fmt.Printf("%s: %v (Results %v)\n", what, ok, ev.Results())
	}
	l := func(roles ...string) []string { return roles }
	show("partial, both teams can still fill their roles", candidate(l("tank", "dps"), l("healer")), 0, ruleset.Partial)
	show("partial, red has one open slot for two missing roles", candidate(l("dps", "dps"), l("tank")), 0, ruleset.Partial)
	show("final, a tank and a healer on each team", candidate(l("tank", "healer"), l("healer", "dps", "tank")), 0, ruleset.Final)
	show("final, red has no healer", candidate(l("tank", "dps"), l("tank", "healer")), 0, ruleset.Final)
	show("final after 30s, when minPerTeam is 0", candidate(l("tank", "dps"), l("tank", "healer")), 30*time.Second, ruleset.Final)
	// Output:
	// rule Roles: type roleQueue, Go true, reads [role]
	// partial, both teams can still fill their roles: true (Results [1])
	// partial, red has one open slot for two missing roles: false (Results [-1])
	// final, a tank and a healer on each team: true (Results [1])
	// final, red has no healer: false (Results [-1])
	// final after 30s, when minPerTeam is 0: true (Results [1])
}
