package ruleset_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/ruleset"
)

// Tests of Rule, the description RuleSet.Rules returns, and of
// RuleSet.MaxTeamSize. Expected values are read off the bodies by hand.

// Shorthands for the expected descriptions.
var (
	dsAll = []string{"*"}
	dsOn  = func(x float64) ruleset.Bound { return ruleset.Bound{Value: x, Set: true} }
	dsL   = func(s ...string) []string { return s }
	dsExp = func(text string, attrs, teams []string) ruleset.Reference {
		return ruleset.Reference{Kind: ruleset.ExpressionReference, Text: text, Attributes: attrs, Teams: teams}
	}
	dsNum = func(x float64) ruleset.Reference { return ruleset.Reference{Kind: ruleset.NumberReference, Number: x} }
	dsStr = func(s string) ruleset.Reference { return ruleset.Reference{Kind: ruleset.StringReference, Text: s} }
)

// dsCheck compares every rule's description with want (by position),
// ignoring Description unless keepDescriptions is set.
func dsCheck(t *testing.T, rs *ruleset.RuleSet, want []ruleset.Rule, keepDescriptions bool) {
	t.Helper()
	got := rs.Rules()
	if len(got) != len(want) {
		t.Fatalf("%d rules, want %d", len(got), len(want))
	}
	for i := range want {
		g := got[i]
		if !keepDescriptions {
			g.Description = ""
		}
		if !reflect.DeepEqual(g, want[i]) {
			t.Errorf("rule %d:\n got %s\nwant %s", i, dsFormat(g), dsFormat(want[i]))
		}
	}
}

// dsFormat prints the fields that are set, for readable failures.
func dsFormat(r ruleset.Rule) string {
	v := reflect.ValueOf(r)
	var parts []string
	for i := range v.NumField() {
		if f := v.Field(i); !f.IsZero() {
			parts = append(parts, fmt.Sprintf("%s=%+v", v.Type().Field(i).Name, f.Interface()))
		}
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func TestRuleDescriptionsOfPublishedExamples(t *testing.T) {
	fairTeamSkill := ruleset.Rule{
		Name: "FairTeamSkill", Type: ruleset.TypeDistance,
		Attributes: dsL("skill"), Measured: dsL("skill"),
		Measurements: dsL("avg(teams[*].players.attributes[skill])"), Teams: dsAll,
		Reference:   dsExp("avg(flatten(teams[*].players.attributes[skill]))", dsL("skill"), dsAll),
		MaxDistance: dsOn(10),
	}
	for _, tc := range []struct {
		example    string
		maxTeam    int
		rules      []ruleset.Rule
		noExamples bool
	}{
		{"ex01", 8, []ruleset.Rule{fairTeamSkill, {
			Name: "EqualTeamSizes", Type: ruleset.TypeComparison,
			Measurements: dsL("count(teams[cowboys].players)"), Teams: dsL("cowboys"),
			Reference: dsExp("count(teams[aliens].players)", nil, dsL("aliens")), Operation: "=",
		}}, false},
		{"ex02", 5, []ruleset.Rule{{
			Name: "MonsterSelection", Type: ruleset.TypeComparison,
			Attributes: dsL("wantsToBeMonster"), Measured: dsL("wantsToBeMonster"),
			Measurements: dsL("teams[monster].players.attributes[wantsToBeMonster]"), Teams: dsL("monster"),
			Reference: dsNum(1), Operation: "=",
		}, {
			Name: "PlayerSelection", Type: ruleset.TypeComparison,
			Attributes: dsL("wantsToBeMonster"), Measured: dsL("wantsToBeMonster"),
			Measurements: dsL("teams[players].players.attributes[wantsToBeMonster]"), Teams: dsL("players"),
			Reference: dsNum(0), Operation: "=",
		}, {
			Name: "MonsterSkill", Type: ruleset.TypeComparison,
			// declaration order: skill, desiredSkillOfMonster, wantsToBeMonster
			Attributes: dsL("skill", "desiredSkillOfMonster"), Measured: dsL("skill"),
			Measurements: dsL("avg(teams[monster].players.attributes[skill])"), Teams: dsL("monster"),
			Reference: dsExp("max(teams[players].players.attributes[desiredSkillOfMonster])", dsL("desiredSkillOfMonster"), dsL("players")),
			Operation: ">=",
		}}, false},
		{"ex03", 5, []ruleset.Rule{fairTeamSkill, {
			Name: "CloseTeamSizes", Type: ruleset.TypeDistance,
			Measurements: dsL("max(count(teams[*].players))"), Teams: dsAll,
			Reference: dsExp("min(count(teams[*].players))", nil, dsAll), MaxDistance: dsOn(1),
		}, {
			Name: "OverallMedicLimit", Type: ruleset.TypeCollection,
			Attributes: dsL("character"), Measured: dsL("character"),
			Measurements: dsL("flatten(teams[*].players.attributes[character])"), Teams: dsAll,
			Reference: dsStr("medic"), Operation: "contains", MaxCount: dsOn(5),
		}, {
			Name: "FastConnection", Type: ruleset.TypeLatency, MaxLatency: dsOn(50),
		}}, false},
		{"ex04", 3, []ruleset.Rule{{
			Name: "MapPreference", Type: ruleset.TypeAbsoluteSort,
			Attributes: dsL("mapPreference"), Sort: true, SortAttribute: "mapPreference",
		}, {
			Name: "ExperienceAffinity", Type: ruleset.TypeDistanceSort,
			Attributes: dsL("experience"), Sort: true, SortAttribute: "experience",
		}, {
			Name: "SharedMode", Type: ruleset.TypeCollection,
			Attributes: dsL("gameMode"), Measured: dsL("gameMode"),
			Measurements: dsL("flatten(teams[*].players.attributes[gameMode])"), Teams: dsAll,
			Operation: "intersection", MinCount: dsOn(1),
		}, {
			Name: "MapOverlap", Type: ruleset.TypeCollection,
			Attributes: dsL("acceptableMaps"), Measured: dsL("acceptableMaps"),
			Measurements: dsL("flatten(teams[*].players.attributes[acceptableMaps])"), Teams: dsAll,
			Operation: "intersection", MinCount: dsOn(1),
		}}, false},
		{"ex05", 5, []ruleset.Rule{{
			Name: "OpponentMatch", Type: ruleset.TypeCollection,
			Attributes: dsL("myCharacter", "preferredOpponents"), Measured: dsL("myCharacter"),
			Measurements: dsL("flatten(teams[*].players.attributes[myCharacter])"), Teams: dsAll,
			Reference: dsExp("set_intersection(flatten(teams[*].players.attributes[preferredOpponents]))", dsL("preferredOpponents"), dsAll),
			Operation: "reference_intersection_count", MinCount: dsOn(1),
		}}, false},
		{"ex06", 1, []ruleset.Rule{{
			Name: "SameGameMode", Type: ruleset.TypeComparison,
			Attributes: dsL("gameMode"), Measured: dsL("gameMode"),
			Measurements: dsL("flatten(teams[*].players.attributes[gameMode])"), Teams: dsAll, Operation: "=",
		}, {
			Name: "SameGameMap", Type: ruleset.TypeComparison,
			Attributes: dsL("gameMap"), Measured: dsL("gameMap"),
			Measurements: dsL("flatten(teams[*].players.attributes[gameMap])"), Teams: dsAll, Operation: "=",
		}, {
			Name: "DifferentCharacter", Type: ruleset.TypeComparison,
			Attributes: dsL("character"), Measured: dsL("character"),
			Measurements: dsL("flatten(teams[*].players.attributes[character])"), Teams: dsAll, Operation: "!=",
		}}, false},
		{"ex07", 200, []ruleset.Rule{{Name: "low-latency", Type: ruleset.TypeLatency, MaxLatency: dsOn(150)}}, false},
		{"ex08", 15, []ruleset.Rule{{Name: "latency-catchall", Type: ruleset.TypeLatency, MaxLatency: dsOn(150)}}, false},
		{"ex09", 100, []ruleset.Rule{
			{Name: "SimilarLeague", Type: ruleset.TypeBatchDistance, Attributes: dsL("league"), Batch: true, BatchAttribute: "league", MaxDistance: dsOn(2)},
			{Name: "SimilarSkill", Type: ruleset.TypeBatchDistance, Attributes: dsL("skill"), Batch: true, BatchAttribute: "skill", MaxDistance: dsOn(10)},
			{Name: "SameMap", Type: ruleset.TypeBatchDistance, Attributes: dsL("map"), Batch: true, BatchAttribute: "map"},
			{Name: "SameMode", Type: ruleset.TypeBatchDistance, Attributes: dsL("mode"), Batch: true, BatchAttribute: "mode"},
		}, false},
		{"ex10", 20, []ruleset.Rule{{
			Name: "SimilarLeagueDistance", Type: ruleset.TypeDistance, InCompound: true,
			Attributes: dsL("league"), Measured: dsL("league"),
			Measurements: dsL("max(flatten(teams[*].players.attributes[league]))"), Teams: dsAll,
			Reference:   dsExp("min(flatten(teams[*].players.attributes[league]))", dsL("league"), dsAll),
			MaxDistance: dsOn(2),
		}, {
			Name: "SimilarSkillDistance", Type: ruleset.TypeDistance, InCompound: true,
			Attributes: dsL("skill"), Measured: dsL("skill"),
			Measurements: dsL("max(flatten(teams[*].players.attributes[skill]))"), Teams: dsAll,
			Reference:   dsExp("min(flatten(teams[*].players.attributes[skill]))", dsL("skill"), dsAll),
			MaxDistance: dsOn(10),
		}, {
			Name: "SameMapComparison", Type: ruleset.TypeComparison, InCompound: true,
			Attributes: dsL("map"), Measured: dsL("map"),
			Measurements: dsL("flatten(teams[*].players.attributes[map])"), Teams: dsAll, Operation: "=",
		}, {
			Name: "SameModeComparison", Type: ruleset.TypeComparison, InCompound: true,
			Attributes: dsL("mode"), Measured: dsL("mode"),
			Measurements: dsL("flatten(teams[*].players.attributes[mode])"), Teams: dsAll, Operation: "=",
		}, {
			Name: "CompoundRuleMatchmaker", Type: ruleset.TypeCompound,
			// the union of the four, in declaration order
			Attributes: dsL("league", "skill", "map", "mode"), Measured: dsL("league", "skill", "map", "mode"),
			Teams:      dsAll,
			Referenced: dsL("SameMapComparison", "SameModeComparison", "SimilarSkillDistance", "SimilarLeagueDistance"),
		}}, false},
		{"ex11", 5, []ruleset.Rule{{
			Name: "PlayerIdNotInBlockList", Type: ruleset.TypeCollection,
			Attributes: dsL("BlockList"), Measured: dsL("BlockList"),
			// a bare string (D1)
			Measurements: dsL("flatten(teams[*].players.attributes[BlockList])"), Teams: dsAll,
			Reference: dsExp("flatten(teams[*].players[playerId])", nil, dsAll),
			Operation: "reference_intersection_count", MaxCount: dsOn(0),
		}}, false},
		{"tutorial", 8, nil, false},
	} {
		t.Run(tc.example, func(t *testing.T) {
			rs := evExample(t, tc.example)
			dsCheck(t, rs, tc.rules, false)
			if got := rs.MaxTeamSize(); got != tc.maxTeam {
				t.Errorf("MaxTeamSize = %d, want %d", got, tc.maxTeam)
			}
		})
	}
}

// Descriptions are kept with the rest of the description.
func TestRuleDescriptionKeepsDescription(t *testing.T) {
	rs := evExample(t, "ex01")
	want := "Only launch a game when the number of players in each team matches, e.g. 4v4, 5v5, 6v6, 7v7, 8v8"
	if got := rs.Rules()[1].Description; got != want {
		t.Errorf("Description = %q, want %q", got, want)
	}
}

// Inline rule sets over evAttrs (skill, mode, roles, maps) and evTeams
// (red, blue, trio_1, trio_2) for what the examples do not show.
func TestRuleDescriptionsInline(t *testing.T) {
	for _, tc := range []struct {
		name, rules string
		want        []ruleset.Rule
	}{{
		name: "selectors as written, each once",
		rules: `[{"name": "R", "type": "distance", "description": "d",
			"measurements": ["avg(teams[ red , blue].players.attributes[skill])", "count(teams[trio_2].players)", "count(teams[red].players)"],
			"referenceValue": "max(team[trio].players.attributes[skill])", "maxDistance": 3, "minDistance": 1}]`,
		want: []ruleset.Rule{{
			Name: "R", Type: ruleset.TypeDistance, Description: "d",
			Attributes: dsL("skill"), Measured: dsL("skill"),
			Measurements: dsL("avg(teams[ red , blue].players.attributes[skill])", "count(teams[trio_2].players)", "count(teams[red].players)"),
			Teams:        dsL("red", "blue", "trio_2"),
			Reference:    dsExp("max(team[trio].players.attributes[skill])", dsL("skill"), dsL("trio")),
			MaxDistance:  dsOn(3), MinDistance: dsOn(1),
		}},
	}, {
		name: "measurements read attributes the reference does not",
		rules: `[{"name": "R", "type": "comparison", "operation": "<=",
			"measurements": "max(flatten(teams[*].players.attributes[skill]))",
			"referenceValue": " 40 "}, {"name": "S", "type": "comparison", "operation": "=",
			"measurements": ["teams[red].players.attributes[mode]"], "referenceValue": "1"}]`,
		want: []ruleset.Rule{{
			Name: "R", Type: ruleset.TypeComparison, Attributes: dsL("skill"), Measured: dsL("skill"),
			Measurements: dsL("max(flatten(teams[*].players.attributes[skill]))"), Teams: dsAll,
			Reference: dsNum(40), Operation: "<=", // a string holding a number (D1)
		}, {
			// compared with strings, "1" stays a string
			Name: "S", Type: ruleset.TypeComparison, Attributes: dsL("mode"), Measured: dsL("mode"),
			Measurements: dsL("teams[red].players.attributes[mode]"), Teams: dsL("red"),
			Reference: dsStr("1"), Operation: "=",
		}},
	}, {
		name: "a reference reading an attribute declared earlier than the measured one",
		rules: `[{"name": "C", "type": "collection", "operation": "contains", "referenceValue": "tank",
			"measurements": ["teams[blue].players.attributes[roles]"], "minCount": 1, "maxCount": 3},
			{"name": "D", "type": "distance", "maxDistance": 5,
			"measurements": ["count(teams[red].players)"], "referenceValue": "avg(teams[blue].players.attributes[skill])"}]`,
		want: []ruleset.Rule{{
			Name: "C", Type: ruleset.TypeCollection, Attributes: dsL("roles"), Measured: dsL("roles"),
			Measurements: dsL("teams[blue].players.attributes[roles]"), Teams: dsL("blue"),
			Reference: dsStr("tank"), Operation: "contains", MinCount: dsOn(1), MaxCount: dsOn(3),
		}, {
			Name: "D", Type: ruleset.TypeDistance, Attributes: dsL("skill"),
			Measurements: dsL("count(teams[red].players)"), Teams: dsL("red"),
			Reference:   dsExp("avg(teams[blue].players.attributes[skill])", dsL("skill"), dsL("blue")),
			MaxDistance: dsOn(5),
		}},
	}, {
		name: "latency and sort rules",
		rules: `[{"name": "L", "type": "latency", "maxLatency": 90, "maxDistance": 20, "distanceReference": "avg"},
			{"name": "S", "type": "distanceSort", "sortDirection": "ascending", "sortAttribute": "maps", "mapKey": "minValue"}]`,
		want: []ruleset.Rule{
			{Name: "L", Type: ruleset.TypeLatency, MaxLatency: dsOn(90), MaxDistance: dsOn(20)},
			{Name: "S", Type: ruleset.TypeDistanceSort, Attributes: dsL("maps"), Sort: true, SortAttribute: "maps"},
		},
	}, {
		name: "an expression rule reads the attributes it names",
		rules: `[{"name": "E", "type": "expression", "parameters": {"gap": 1},
			"expression": "all(players, .maps.dust >= 0) && all(teams, len(.players) <= 4) && players[0].skill > gap"}]`,
		want: []ruleset.Rule{{Name: "E", Type: ruleset.TypeExpression, Attributes: dsL("skill", "maps")}},
	}, {
		name: "a compound of a compound gathers every level",
		rules: `[{"name": "A", "type": "comparison", "operation": "=", "measurements": ["teams[red].players.attributes[mode]"]},
			{"name": "B", "type": "distance", "maxDistance": 5, "measurements": ["avg(teams[*].players.attributes[skill])"], "referenceValue": 10},
			{"name": "E", "type": "expression", "expression": "all(players, 'tank' in .roles)"},
			{"name": "AB", "type": "compound", "statement": "or(A, B, A)"},
			{"name": "Top", "type": "compound", "statement": "and(not(E), AB)"}]`,
		want: []ruleset.Rule{
			{Name: "A", Type: ruleset.TypeComparison, InCompound: true, Attributes: dsL("mode"), Measured: dsL("mode"),
				Measurements: dsL("teams[red].players.attributes[mode]"), Teams: dsL("red"), Operation: "="},
			{Name: "B", Type: ruleset.TypeDistance, InCompound: true, Attributes: dsL("skill"), Measured: dsL("skill"),
				Measurements: dsL("avg(teams[*].players.attributes[skill])"), Teams: dsAll, Reference: dsNum(10), MaxDistance: dsOn(5)},
			{Name: "E", Type: ruleset.TypeExpression, InCompound: true, Attributes: dsL("roles")},
			{Name: "AB", Type: ruleset.TypeCompound, InCompound: true, Attributes: dsL("skill", "mode"), Measured: dsL("skill", "mode"),
				Teams: dsL("red", "*"), Referenced: dsL("A", "B")},
			{Name: "Top", Type: ruleset.TypeCompound, Attributes: dsL("skill", "mode", "roles"), Measured: dsL("skill", "mode"),
				Teams: dsL("red", "*"), Referenced: dsL("E", "AB")},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dsCheck(t, evLoad(t, tc.rules, ""), tc.want, true)
		})
	}
}

func TestReferenceKindString(t *testing.T) {
	for k, want := range map[ruleset.ReferenceKind]string{
		ruleset.NoReference: "none", ruleset.NumberReference: "number", ruleset.StringReference: "string",
		ruleset.ExpressionReference: "expression", 9: "unknown",
	} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", k, got, want)
		}
	}
}

func TestMaxTeamSizeFollowsExpansions(t *testing.T) {
	for _, tc := range []struct {
		name, expansions string
		want             int
	}{
		{"no expansions", "", 4},
		{"raised", `[{"target": "teams[trio].maxPlayers", "steps": [{"waitTimeSeconds": 5, "value": 4}, {"waitTimeSeconds": 9, "value": 6}]}]`, 6},
		{"lowered", `[{"target": "teams[red, blue].maxPlayers", "steps": [{"waitTimeSeconds": 5, "value": 3}]}]`, 4},
		{"raised then lowered", `[{"target": "teams[red].maxPlayers", "steps": [{"waitTimeSeconds": 5, "value": 7}, {"waitTimeSeconds": 9, "value": 2}]}]`, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := evLoad(t, `[]`, tc.expansions)
			if got := rs.MaxTeamSize(); got != tc.want {
				t.Errorf("MaxTeamSize = %d, want %d", got, tc.want)
			}
		})
	}
}
