package ruleset_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Property tests: random candidates (random players with random attributes
// of the declared kinds, missing attributes, parties, random team
// placements, random latencies and wait times) evaluated on every published
// example rule set and a few of this file's own. Helpers are prefixed with
// prop.

// propOwn are rule sets of this file that between them use every rule type,
// every collection operation, every partyAggregation, team copies by base
// and generated name, and expansions of rules and teams.
var propOwn = map[string]string{
	"all-types": `{
		"ruleLanguageVersion": "1.0",
		"playerAttributes": [
			{"name": "skill", "type": "number", "default": 10},
			{"name": "league", "type": "number"},
			{"name": "mode", "type": "string", "default": "dm"},
			{"name": "map", "type": "string"},
			{"name": "roles", "type": "string_list", "default": ["peasant"]},
			{"name": "blocks", "type": "string_list", "default": []},
			{"name": "maps", "type": "string_number_map", "default": {"defaultMap": 100}}
		],
		"teams": [
			{"name": "red", "minPlayers": 1, "maxPlayers": 4},
			{"name": "trio", "minPlayers": 0, "maxPlayers": 3, "quantity": 3}
		],
		"rules": [
			{"name": "Sort1", "type": "absoluteSort", "sortDirection": "descending", "sortAttribute": "maps", "mapKey": "maxValue"},
			{"name": "Sort2", "type": "distanceSort", "sortDirection": "ascending", "sortAttribute": "skill", "partyAggregation": "max"},
			{"name": "Batch", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 50, "partyAggregation": "min"},
			{"name": "Fair", "type": "distance", "measurements": ["avg(teams[*].players.attributes[skill])"],
			 "referenceValue": "avg(flatten(teams[*].players.attributes[skill]))", "maxDistance": 20},
			{"name": "Sizes", "type": "distance", "measurements": ["max(count(teams[trio].players))"],
			 "referenceValue": "min(count(teams[trio].players))", "maxDistance": 1},
			{"name": "Floor", "type": "comparison", "measurements": ["flatten(teams[*].players.attributes[skill])"],
			 "referenceValue": -30, "operation": ">=", "partyAggregation": "max"},
			{"name": "RedVsTrio1", "type": "comparison", "measurements": ["median(teams[red].players.attributes[skill])"],
			 "referenceValue": "stddev(teams[trio_1].players.attributes[skill])", "operation": ">="},
			{"name": "SameMode", "type": "comparison", "measurements": ["flatten(teams[*].players.attributes[mode])"], "operation": "="},
			{"name": "DistinctMap", "type": "comparison", "measurements": ["flatten(teams[*].players.attributes[map])"], "operation": "!="},
			{"name": "Shared", "type": "collection", "operation": "intersection",
			 "measurements": ["flatten(teams[*].players.attributes[roles])"], "minCount": 1, "partyAggregation": "intersection"},
			{"name": "Medics", "type": "collection", "operation": "contains",
			 "measurements": ["flatten(teams[trio].players.attributes[roles])"], "referenceValue": "medic", "minCount": 1, "maxCount": 3},
			{"name": "NoBlocks", "type": "collection", "operation": "reference_intersection_count",
			 "measurements": "flatten(teams[*].players.attributes[blocks])", "referenceValue": "flatten(teams[*].players[playerId])", "maxCount": 0},
			{"name": "Wanted", "type": "collection", "operation": "reference_intersection_count",
			 "measurements": ["flatten(teams[*].players.attributes[roles])"],
			 "referenceValue": "set_intersection(flatten(teams[*].players.attributes[blocks]))", "minCount": 0, "maxCount": 2},
			{"name": "Lat", "type": "latency", "maxLatency": 150, "maxDistance": 100, "distanceReference": "avg", "partyAggregation": "max"},
			{"name": "Either", "type": "compound", "statement": "or(and(SameMode, DistinctMap), xor(Sizes, not(Shared), Fair))"},
			{"name": "Expr", "type": "expression", "expression": "all(players, .skill >= lo) && len(teams) > 0", "parameters": {"lo": -100}}
		],
		"expansions": [
			{"target": "rules[Fair].maxDistance", "steps": [{"waitTimeSeconds": 5, "value": 40}, {"waitTimeSeconds": 10, "value": 80}]},
			{"target": "rules[Lat].maxLatency", "steps": [{"waitTimeSeconds": 7, "value": 300}]},
			{"target": "rules[Medics].minCount", "steps": [{"waitTimeSeconds": 3, "value": 0}]},
			{"target": "rules[Floor].referenceValue", "steps": [{"waitTimeSeconds": 4, "value": 0}]},
			{"target": "rules[Expr].lo", "steps": [{"waitTimeSeconds": 2, "value": 0}]},
			{"target": "teams[trio].minPlayers", "steps": [{"waitTimeSeconds": 6, "value": 1}]}
		]
	}`,
	"latency-pair": `{
		"ruleLanguageVersion": "1.0",
		"playerAttributes": [{"name": "skill", "type": "number"}],
		"teams": [{"name": "a", "minPlayers": 2, "maxPlayers": 5}, {"name": "b", "minPlayers": 2, "maxPlayers": 5}],
		"rules": [
			{"name": "Fast", "type": "latency", "maxLatency": 120, "partyAggregation": "min"},
			{"name": "Even", "type": "latency", "maxDistance": 40, "distanceReference": 60},
			{"name": "Equal", "type": "comparison", "measurements": ["count(teams[a].players)"], "referenceValue": "count(teams[b].players)", "operation": "="},
			{"name": "Same", "type": "batchDistance", "batchAttribute": "skill"}
		],
		"expansions": [{"target": "rules[Even].maxDistance", "steps": [{"waitTimeSeconds": 1, "value": 80}]}]
	}`,
	"copies": `{
		"ruleLanguageVersion": "1.0",
		"playerAttributes": [
			{"name": "skill", "type": "number", "default": 1},
			{"name": "mode", "type": "string"},
			{"name": "gear", "type": "string_list"}
		],
		"teams": [{"name": "squad", "minPlayers": 1, "maxPlayers": 4, "quantity": 4}],
		"rules": [
			{"name": "SquadOneStrong", "type": "comparison", "measurements": ["sum(teams[squad_1].players.attributes[skill])"],
			 "referenceValue": "max(sum(teams[squad].players.attributes[skill]))", "operation": ">="},
			{"name": "Modes", "type": "batchDistance", "batchAttribute": "mode"},
			{"name": "Gear", "type": "collection", "operation": "intersection",
			 "measurements": ["set_intersection(teams[squad].players.attributes[gear])"], "maxCount": 2},
			{"name": "Spread", "type": "distance", "measurements": ["flatten(teams[squad_2,squad_3].players.attributes[skill])"],
			 "referenceValue": 5, "minDistance": 1, "maxDistance": 30, "partyAggregation": "min"},
			{"name": "Not", "type": "compound", "statement": "not(and(SquadOneStrong, Spread))"}
		],
		"expansions": [{"target": "teams[squad_4].maxPlayers", "steps": [{"waitTimeSeconds": 9, "value": 2}]}]
	}`,
}

type propRS struct {
	name string
	rs   *ruleset.RuleSet
}

// propRuleSets returns this file's rule sets and, when the folder exists,
// every published example.
func propRuleSets(t *testing.T) []propRS {
	var out []propRS
	for _, name := range []string{"all-types", "latency-pair", "copies"} {
		rs, err := ruleset.Load([]byte(propOwn[name]))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, propRS{name, rs})
	}
	files, _ := filepath.Glob(filepath.Join(evExamplesDir, "*.json"))
	if len(files) == 0 {
		t.Logf("published examples not found in %s; checking this file's rule sets only", evExamplesDir)
	}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := ruleset.Load(body)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, propRS{strings.TrimSuffix(filepath.Base(f), ".json"), rs})
	}
	return out
}

var (
	propLocations = []string{"us-east-1", "us-west-2", "eu-west-1", "ap-south-1"}
	propStrings   = []string{"dm", "ctf", "koth", "m1", "m2", "turn-based", "medic"}
	propItems     = []string{"medic", "peasant", "tank", "healer", "elf", "orc", "defaultMap", "p0", "p1", "p2", "p3"}
)

// propTicket is a generated ticket: its players and where they sit.
type propTicket struct {
	players []ticket.Player
	team    int
	fixed   []int // per-player teams (a backfill ticket), or nil
}

// propValue draws a value of kind k.
func propValue(t *rapid.T, k ticket.Kind, label string) ticket.AttributeValue {
	switch k {
	case ticket.KindNumber:
		return ticket.Number(float64(rapid.IntRange(-20, 120).Draw(t, label)))
	case ticket.KindString:
		return ticket.String(rapid.SampledFrom(propStrings).Draw(t, label))
	case ticket.KindList:
		return ticket.StringList(rapid.SliceOfN(rapid.SampledFrom(propItems), 0, 5).Draw(t, label)...)
	default:
		m := rapid.MapOfN(rapid.SampledFrom(propItems), rapid.Map(rapid.IntRange(0, 100), func(i int) float64 { return float64(i) }), 0, 4).Draw(t, label)
		return ticket.StringNumberMap(m)
	}
}

// propPlayer draws a player: each declared attribute is missing one time in
// eight, an undeclared one is sometimes added, and latency data is missing
// one time in eight.
func propPlayer(t *rapid.T, rs *ruleset.RuleSet, id string) ticket.Player {
	p := ticket.Player{PlayerID: id, PlayerAttributes: map[string]ticket.AttributeValue{}}
	for _, a := range rs.Schema().Attrs() {
		if rapid.IntRange(0, 7).Draw(t, "missing") == 0 {
			continue
		}
		p.PlayerAttributes[a.Name] = propValue(t, a.Kind, a.Name)
	}
	if rapid.IntRange(0, 9).Draw(t, "extra") == 0 {
		p.PlayerAttributes["undeclared"] = ticket.Number(1)
	}
	if rapid.IntRange(0, 7).Draw(t, "nolatency") != 0 {
		p.LatencyInMs = map[string]int{}
		for _, l := range propLocations {
			if rapid.Bool().Draw(t, "has "+l) {
				p.LatencyInMs[l] = rapid.IntRange(1, 400).Draw(t, l)
			}
		}
	}
	return p
}

// propTickets draws up to 10 tickets of 1 to 4 players on random teams;
// one in ten is a backfill ticket with per-player teams.
func propTickets(t *rapid.T, rs *ruleset.RuleSet) []propTicket {
	n := rapid.IntRange(0, 10).Draw(t, "tickets")
	teams := len(rs.Teams())
	out := make([]propTicket, n)
	id := 0
	for i := range out {
		size := rapid.SampledFrom([]int{1, 1, 1, 2, 3, 4}).Draw(t, "party")
		tk := propTicket{team: rapid.IntRange(0, teams-1).Draw(t, "team")}
		for range size {
			tk.players = append(tk.players, propPlayer(t, rs, fmt.Sprintf("p%d", id)))
			id++
		}
		if rapid.IntRange(0, 9).Draw(t, "backfill") == 0 {
			for range size {
				tk.fixed = append(tk.fixed, rapid.IntRange(0, teams-1).Draw(t, "fixed"))
			}
		}
		out[i] = tk
	}
	return out
}

// propWait draws a wait time: often exactly a phase start or just before
// one, otherwise anything from -5 s to 5 s past the last step.
func propWait(t *rapid.T, rs *ruleset.RuleSet) time.Duration {
	phases := rs.Phases()
	switch rapid.IntRange(0, 2).Draw(t, "waitKind") {
	case 0:
		return phases[rapid.IntRange(0, len(phases)-1).Draw(t, "phase")].Start()
	case 1:
		return phases[rapid.IntRange(0, len(phases)-1).Draw(t, "phase")].Start() - time.Millisecond
	}
	ms := rapid.Int64Range(-5000, rs.LastExpansion().Milliseconds()+5000).Draw(t, "waitMs")
	return time.Duration(ms) * time.Millisecond
}

// propCheck runs check under rapid with each rule set that keep accepts
// (every one when keep is nil), as a subtest named after the rule set.
func propCheck(t *testing.T, keep func(*ruleset.RuleSet) bool, check func(t *rapid.T, rs *ruleset.RuleSet)) {
	for _, p := range propRuleSets(t) {
		if keep != nil && !keep(p.rs) {
			continue
		}
		t.Run(p.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) { check(t, p.rs) })
		})
	}
}

// propDraw draws tickets (propTickets) and resolves them with locs.
func propDraw(t *rapid.T, rs *ruleset.RuleSet, locs *ticket.Locations) ([]propTicket, []*ticket.Resolved) {
	tks := propTickets(t, rs)
	out := make([]*ticket.Resolved, len(tks))
	for i, tk := range tks {
		r, err := rs.Schema().Resolve(tk.players, locs)
		if err != nil {
			t.Fatalf("Resolve: %v", err)
		}
		out[i] = r
	}
	return tks, out
}

// propBuild builds the candidate with the tickets in the given order.
func propBuild(tks []propTicket, res []*ticket.Resolved, order []int) *ruleset.Candidate {
	var c ruleset.Candidate
	for _, i := range order {
		if tks[i].fixed != nil {
			c.AddFixed(res[i], tks[i].fixed)
		} else {
			c.Add(res[i], tks[i].team)
		}
	}
	return &c
}

func propIdentity(n int) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	return order
}

var propModes = []ruleset.Mode{ruleset.Final, ruleset.Partial, ruleset.Structural}

// propOutcome is what one evaluation reports.
type propOutcome struct {
	ok      bool
	results []int8
	loc     int32
	err     string
}

func propEval(ev *ruleset.Evaluator, c *ruleset.Candidate, v *ruleset.Values, mode ruleset.Mode) propOutcome {
	o := propOutcome{ok: ev.Evaluate(c, v, mode), results: slices.Clone(ev.Results()), loc: ev.Location()}
	if ev.Err() != nil {
		o.err = ev.Err().Error()
	}
	return o
}

func (o propOutcome) equal(p propOutcome) bool {
	return o.ok == p.ok && slices.Equal(o.results, p.results) && o.loc == p.loc && o.err == p.err
}

// TestPropertyEvaluateNeverPanics: no generated candidate makes evaluation
// panic in any mode, and the outcome is consistent: a failed evaluation
// names a failed rule, a passed one has no failed rule outside compounds,
// and the location is a known one or none.
func TestPropertyEvaluateNeverPanics(t *testing.T) {
	propCheck(t, nil, func(t *rapid.T, rs *ruleset.RuleSet) {
		locs := ticket.NewLocations()
		tks, res := propDraw(t, rs, locs)
		c := propBuild(tks, res, propIdentity(len(tks)))
		v := rs.At(propWait(t, rs))
		ev := rs.NewEvaluator(locs)
		for _, mode := range propModes {
			ok := ev.Evaluate(c, v, mode)
			failed := -1
			for i, r := range ev.Results() {
				if r != ruleset.Passed && r != ruleset.Failed && r != ruleset.NotEvaluated {
					t.Fatalf("mode %d: result %d of rule %d", mode, r, i)
				}
				if r == ruleset.Failed && !rs.Rules()[i].InCompound {
					failed = i
				}
			}
			if !ok && failed < 0 {
				t.Fatalf("mode %d: Evaluate false but no top-level rule failed: %v", mode, ev.Results())
			}
			if ok && failed >= 0 {
				t.Fatalf("mode %d: Evaluate true but rule %s failed", mode, rs.Rules()[failed].Name)
			}
			if l := ev.Location(); l < -1 || int(l) >= locs.Len() {
				t.Fatalf("mode %d: Location %d of %d", mode, l, locs.Len())
			}
		}
		// Sort, batching and batch keys of every ticket against the first.
		if len(res) > 0 {
			var keys []ruleset.SortKey
			for _, r := range res {
				a := rs.SortKeys(keys[:0], res[0], r)
				b := rs.SortKeys(nil, r, res[0])
				_ = rs.CompareSortKeys(a, b)
				_ = rs.BatchingKeys(nil, res[0], r)
				for _, br := range rs.BatchRules() {
					if br.String {
						rs.BatchString(br.Rule, r)
					} else {
						rs.BatchNumber(br.Rule, r)
					}
				}
			}
		}
	})
}

// TestPropertyFinalDeterministic: evaluating the same candidate twice gives
// the same result, Results, Location and Err, whether with a fresh
// evaluator or with one that evaluated another candidate in between.
func TestPropertyFinalDeterministic(t *testing.T) {
	propCheck(t, nil, func(t *rapid.T, rs *ruleset.RuleSet) {
		locs := ticket.NewLocations()
		tks, res := propDraw(t, rs, locs)
		other, resOther := propDraw(t, rs, locs)
		c := propBuild(tks, res, propIdentity(len(tks)))
		co := propBuild(other, resOther, propIdentity(len(other)))
		v := rs.At(propWait(t, rs))
		ev := rs.NewEvaluator(locs)
		first := propEval(ev, c, v, ruleset.Final)
		again := propEval(ev, c, v, ruleset.Final)
		propEval(ev, co, v, ruleset.Final)
		afterOther := propEval(ev, c, v, ruleset.Final)
		fresh := propEval(rs.NewEvaluator(locs), c, v, ruleset.Final)
		for name, o := range map[string]propOutcome{"again": again, "after another candidate": afterOther, "fresh evaluator": fresh} {
			if !first.equal(o) {
				t.Fatalf("%s: %+v, first %+v", name, o, first)
			}
		}
	})
}

// TestPropertyTicketOrder: reordering the tickets of a candidate (each
// keeping its team) does not change the Final outcome, for rule sets
// without order-dependent rules (expression rules can index players, so
// rule sets with them are left out). Partial and Structural are checked too.
func TestPropertyTicketOrder(t *testing.T) {
	orderFree := func(rs *ruleset.RuleSet) bool {
		return !slices.ContainsFunc(rs.Rules(), func(r ruleset.Rule) bool { return r.Type == ruleset.TypeExpression })
	}
	propCheck(t, orderFree, func(t *rapid.T, rs *ruleset.RuleSet) {
		locs := ticket.NewLocations()
		tks, res := propDraw(t, rs, locs)
		order := rapid.Permutation(propIdentity(len(tks))).Draw(t, "order")
		v := rs.At(propWait(t, rs))
		ev := rs.NewEvaluator(locs)
		for _, mode := range propModes {
			a := propEval(ev, propBuild(tks, res, propIdentity(len(tks))), v, mode)
			b := propEval(ev, propBuild(tks, res, order), v, mode)
			if !a.equal(b) {
				t.Fatalf("mode %d: in order %+v, reordered %v %+v", mode, a, order, b)
			}
		}
	})
}
