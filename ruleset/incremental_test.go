package ruleset_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Tests of Incremental: after every push and pop, it must give what a full
// Evaluator gives on the same candidate, values and mode, Results included.
// Helpers are prefixed with inc.

// incGen draws rule-set bodies made of the shapes Incremental supports.
type incGen struct {
	t      *rapid.T
	names  []string // generated team names
	base   string   // the definition name of the copies, or ""
	rules  []string
	expand []string
	n      int // rules drawn so far, for unique names
}

func (g *incGen) draw(label string, n int) int { return rapid.IntRange(0, n-1).Draw(g.t, label) }

func (g *incGen) pick(label string, xs ...string) string { return xs[g.draw(label, len(xs))] }

// one names a single team.
func (g *incGen) one() string { return g.names[g.draw("one", len(g.names))] }

// multi selects several teams: every team, two of them in a random order,
// or the copies by their definition name (D2).
func (g *incGen) multi() string {
	switch g.draw("multi", 3) {
	case 0:
		return "*"
	case 1:
		i := g.draw("first", len(g.names))
		j := (i + 1 + g.draw("second", len(g.names)-1)) % len(g.names)
		return g.names[i] + ", " + g.names[j]
	}
	if g.base != "" {
		return g.base
	}
	return "*"
}

func (g *incGen) num() string { return g.pick("attr", "skill", "level") }

func (g *incGen) agg() string { return g.pick("fn", "min", "max", "sum", "avg") }

// small draws a number expression with at most a value per team.
func (g *incGen) small() string {
	switch g.draw("small", 4) {
	case 0:
		return fmt.Sprintf("%s(teams[%s].players.attributes[%s])", g.agg(), g.one(), g.num())
	case 1:
		return fmt.Sprintf("%s(teams[%s].players.attributes[%s])", g.agg(), g.multi(), g.num())
	case 2:
		return fmt.Sprintf("%s(flatten(teams[%s].players.attributes[%s]))", g.agg(), g.multi(), g.num())
	}
	outer := g.pick("outer", "min", "max", "sum", "avg", "median", "stddev")
	return fmt.Sprintf("%s(%s(teams[%s].players.attributes[%s]))", outer, g.agg(), g.multi(), g.num())
}

// big draws a number expression with a value per player.
func (g *incGen) big() string {
	switch g.draw("big", 3) {
	case 0:
		return fmt.Sprintf("flatten(teams[%s].players.attributes[%s])", g.multi(), g.num())
	case 1:
		return fmt.Sprintf("teams[%s].players.attributes[%s]", g.one(), g.num())
	}
	return fmt.Sprintf("teams[%s].players.attributes[%s]", g.multi(), g.num())
}

// expr draws a number expression, big ones only when allowed; it reports
// whether it drew a big one.
func (g *incGen) expr(allowBig bool) (string, bool) {
	if allowBig && g.draw("isBig", 3) == 0 {
		return g.big(), true
	}
	return g.small(), false
}

func (g *incGen) party() string {
	return g.pick("party", "", `, "partyAggregation": "min"`, `, "partyAggregation": "max"`, `, "partyAggregation": "avg"`)
}

func (g *incGen) steps(label string, lo, hi int) string {
	var s []string
	wait := 0
	for range 1 + g.draw(label+"Steps", 2) {
		wait += 1 + g.draw("wait", 10)
		s = append(s, fmt.Sprintf(`{"waitTimeSeconds": %d, "value": %d}`, wait, lo+g.draw(label, hi-lo+1)))
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// maybeExpand adds, one time in two, an expansion of the rule's property.
func (g *incGen) maybeExpand(name, prop string, lo, hi int) {
	if g.draw("expand", 2) == 0 {
		g.expand = append(g.expand, fmt.Sprintf(`{"target": "rules[%s].%s", "steps": %s}`, name, prop, g.steps(prop, lo, hi)))
	}
}

func (g *incGen) quoted(exprs []string) string {
	q := make([]string, len(exprs))
	for i, e := range exprs {
		q[i] = `"` + e + `"`
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// rule draws one rule.
func (g *incGen) rule() {
	g.n++
	name := fmt.Sprintf("R%d", g.n)
	var body string
	switch g.draw("rule", 11) {
	case 0: // batchDistance on a number
		body = fmt.Sprintf(`"type": "batchDistance", "batchAttribute": "%s"%s`, g.num(), g.party())
		if g.draw("hasMax", 4) != 0 {
			body += fmt.Sprintf(`, "maxDistance": %d`, g.draw("max", 40))
			g.maybeExpand(name, "maxDistance", 0, 80)
		}
	case 1: // batchDistance on a string
		body = `"type": "batchDistance", "batchAttribute": "mode"`
	case 2: // latency
		body = `"type": "latency"` + g.party()
		hasMax := g.draw("maxLatency", 3) != 0
		if hasMax {
			body += fmt.Sprintf(`, "maxLatency": %d`, 40+g.draw("lat", 160))
			g.maybeExpand(name, "maxLatency", 50, 300)
		}
		if !hasMax || g.draw("latDistance", 2) == 0 {
			body += fmt.Sprintf(`, "maxDistance": %d`, g.draw("latMax", 120))
			body += g.pick("ref", "", `, "distanceReference": "min"`, `, "distanceReference": "avg"`, `, "distanceReference": 60`)
			g.maybeExpand(name, "maxDistance", 0, 150)
		}
	case 3, 4: // distance
		var meas []string
		big := false
		for range 1 + g.draw("measurements", 2) {
			e, b := g.expr(true)
			meas, big = append(meas, e), big || b
		}
		body = fmt.Sprintf(`"type": "distance", "measurements": %s`, g.quoted(meas)) + g.party()
		if g.draw("refNumber", 3) == 0 {
			body += fmt.Sprintf(`, "referenceValue": %d`, g.draw("ref", 40))
			g.maybeExpand(name, "referenceValue", -10, 60)
		} else {
			e, b := g.expr(true)
			body += fmt.Sprintf(`, "referenceValue": "%s"`, e)
			big = big || b
		}
		max := g.draw("max", 30)
		body += fmt.Sprintf(`, "maxDistance": %d`, max)
		if !big && g.draw("min", 3) == 0 {
			body += fmt.Sprintf(`, "minDistance": %d`, g.draw("minDistance", max+1))
		} else {
			g.maybeExpand(name, "maxDistance", 0, 60)
		}
	case 5, 6: // comparison of numbers
		var meas []string
		big := false
		for range 1 + g.draw("measurements", 2) {
			e, b := g.expr(true)
			meas, big = append(meas, e), big || b
		}
		body = fmt.Sprintf(`"type": "comparison", "measurements": %s`, g.quoted(meas)) + g.party()
		ops := []string{"=", "!=", "<", "<=", ">", ">="}
		switch g.draw("cmpRef", 3) {
		case 0: // no reference: all equal or all different (D10)
			op := "="
			if !big && g.draw("ne", 2) == 0 {
				op = "!="
			}
			body += fmt.Sprintf(`, "operation": "%s"`, op)
		case 1:
			if big { // all different needs every value (Supported is false)
				ops = slices.Delete(ops, 1, 2)
			}
			body += fmt.Sprintf(`, "operation": "%s", "referenceValue": %d`, g.pick("op", ops...), g.draw("ref", 40))
			g.maybeExpand(name, "referenceValue", -10, 60)
		default:
			e, b := g.expr(true)
			if big || b {
				ops = slices.Delete(ops, 1, 2)
			}
			body += fmt.Sprintf(`, "operation": "%s", "referenceValue": "%s"`, g.pick("op", ops...), e)
		}
	case 7: // comparison of strings
		meas := g.pick("strMeas", "flatten(teams[*].players.attributes[mode])", "teams["+g.one()+"].players.attributes[mode]",
			"teams["+g.multi()+"].players.attributes[mode]")
		body = fmt.Sprintf(`"type": "comparison", "measurements": ["%s"]`, meas)
		body += g.pick("strRef", `, "operation": "="`, `, "operation": "=", "referenceValue": "dm"`, `, "operation": "!=", "referenceValue": "ctf"`)
	case 8: // collection
		op := g.pick("coll", "contains", "intersection")
		forms := []string{"flatten(teams[" + g.multi() + "].players.attributes[roles])", "teams[" + g.one() + "].players.attributes[roles]",
			"teams[" + g.multi() + "].players.attributes[roles]"}
		if op == "contains" {
			forms = append(forms, "flatten(flatten(teams["+g.multi()+"].players.attributes[roles]))")
		}
		body = fmt.Sprintf(`"type": "collection", "operation": "%s", "measurements": ["%s"]`, op, g.pick("collMeas", forms...))
		body += g.pick("listAgg", "", `, "partyAggregation": "union"`, `, "partyAggregation": "intersection"`)
		if op == "contains" {
			body += `, "referenceValue": "medic"`
		}
		lo, hi := g.draw("minCount", 3), 0
		switch g.draw("bounds", 3) {
		case 0:
			body += fmt.Sprintf(`, "minCount": %d`, lo)
			g.maybeExpand(name, "minCount", 0, 3)
		case 1:
			hi = g.draw("maxCount", 4)
			body += fmt.Sprintf(`, "maxCount": %d`, hi)
			g.maybeExpand(name, "maxCount", 0, 5)
		default:
			hi = lo + g.draw("maxCount", 4)
			body += fmt.Sprintf(`, "minCount": %d, "maxCount": %d`, lo, hi)
		}
	case 9: // two roundings of one sum: any ulp off in either shows
		sel, attr := g.multi(), g.num()
		body = fmt.Sprintf(`"type": "comparison", "measurements": ["sum(flatten(teams[%s].players.attributes[%s]))"],
			"referenceValue": "sum(sum(teams[%s].players.attributes[%s]))", "operation": "%s"`, sel, attr, sel, attr,
			g.pick("op", "=", "<=", ">=", "<", ">"))
	default: // rules that Partial and Structural mode skip or never check
		body = g.pick("skipped",
			fmt.Sprintf(`"type": "comparison", "measurements": ["count(teams[%s].players)"], "referenceValue": "count(teams[%s].players)", "operation": "="`, g.one(), g.one()),
			fmt.Sprintf(`"type": "distance", "measurements": ["count(teams[%s].players)"], "referenceValue": 2, "maxDistance": 1`, g.multi()),
			`"type": "absoluteSort", "sortDirection": "ascending", "sortAttribute": "skill"`)
	}
	g.rules = append(g.rules, fmt.Sprintf(`{"name": "%s", %s}`, name, body))
}

// incRuleSet draws a rule set of 1 to 6 rules over 2 to 4 teams of 1 to 5
// players, named or generated from one definition (D2).
func incRuleSet(t *rapid.T) (string, *ruleset.RuleSet) {
	g := &incGen{t: t}
	nt := rapid.IntRange(2, 4).Draw(t, "teams")
	var teams []string
	size := func() (int, int) {
		hi := rapid.IntRange(1, 5).Draw(t, "maxPlayers")
		return rapid.IntRange(0, hi).Draw(t, "minPlayers"), hi
	}
	if rapid.Bool().Draw(t, "copies") {
		g.base = "sq"
		lo, hi := size()
		teams = append(teams, fmt.Sprintf(`{"name": "sq", "minPlayers": %d, "maxPlayers": %d, "quantity": %d}`, lo, hi, nt))
		for i := range nt {
			g.names = append(g.names, fmt.Sprintf("sq_%d", i+1))
		}
	} else {
		for _, name := range []string{"red", "blue", "green", "gold"}[:nt] {
			lo, hi := size()
			teams = append(teams, fmt.Sprintf(`{"name": "%s", "minPlayers": %d, "maxPlayers": %d}`, name, lo, hi))
			g.names = append(g.names, name)
		}
	}
	for range rapid.IntRange(1, 6).Draw(t, "rules") {
		g.rule()
	}
	body := `{"ruleLanguageVersion": "1.0", "playerAttributes": [
		{"name": "skill", "type": "number", "default": 10},
		{"name": "level", "type": "number", "default": 3},
		{"name": "mode", "type": "string", "default": "dm"},
		{"name": "roles", "type": "string_list", "default": ["peasant"]}],
		"teams": [` + strings.Join(teams, ", ") + `], "rules": [` + strings.Join(g.rules, ",\n") + `]`
	if len(g.expand) > 0 {
		body += `, "expansions": [` + strings.Join(g.expand, ", ") + `]`
	}
	body += "}"
	rs, err := ruleset.Load([]byte(body))
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, body)
	}
	return body, rs
}

var (
	// incSkills repeat values, so that extremes tie, and hold fractions, so
	// that sums depend on their order.
	incSkills    = []float64{0, 10, 10, 20, 20, 7.5, 1.0 / 3, 100.1, -5, 0.1, 15, 2.0 / 3}
	incLocations = []string{"east", "west", "eu"}
)

// incPlayer draws a player: attributes sometimes left to their defaults,
// latency to each location seven times in eight, and none one time in 20.
func incPlayer(t *rapid.T, id string) ticket.Player {
	p := ticket.Player{PlayerID: id, PlayerAttributes: map[string]ticket.AttributeValue{}}
	if rapid.IntRange(0, 5).Draw(t, "noSkill") != 0 {
		p.PlayerAttributes["skill"] = ticket.Number(rapid.SampledFrom(incSkills).Draw(t, "skill"))
	}
	if rapid.Bool().Draw(t, "hasLevel") {
		p.PlayerAttributes["level"] = ticket.Number(float64(rapid.IntRange(0, 6).Draw(t, "level")))
	}
	if rapid.IntRange(0, 3).Draw(t, "noMode") != 0 {
		p.PlayerAttributes["mode"] = ticket.String(rapid.SampledFrom([]string{"dm", "ctf"}).Draw(t, "mode"))
	}
	if rapid.IntRange(0, 3).Draw(t, "noRoles") != 0 {
		p.PlayerAttributes["roles"] = ticket.StringList(rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"medic", "tank", "peasant"}), 0, 3, rapid.ID[string]).Draw(t, "roles")...)
	}
	if rapid.IntRange(0, 19).Draw(t, "noLatency") != 0 {
		p.LatencyInMs = map[string]int{}
		for _, l := range incLocations {
			if rapid.IntRange(0, 7).Draw(t, "has "+l) != 0 {
				p.LatencyInMs[l] = rapid.IntRange(10, 130).Draw(t, l)
			}
		}
	}
	return p
}

// incMirror pushes the same tickets on an Incremental and on a Candidate.
type incMirror struct {
	rs   *ruleset.RuleSet
	inc  *ruleset.Incremental
	ev   *ruleset.Evaluator
	cand ruleset.Candidate
	log  []string
}

func newIncMirror(rs *ruleset.RuleSet, locs *ticket.Locations) *incMirror {
	return &incMirror{rs: rs, inc: rs.NewIncremental(locs), ev: rs.NewEvaluator(locs)}
}

func (m *incMirror) add(r *ticket.Resolved, team int, fixed []int) {
	if fixed != nil {
		m.inc.AddFixed(r, fixed)
		m.cand.AddFixed(r, fixed)
		m.log = append(m.log, fmt.Sprintf("AddFixed(%s, %v)", r.PlayerID(0), fixed))
		return
	}
	m.inc.Add(r, team)
	m.cand.Add(r, team)
	m.log = append(m.log, fmt.Sprintf("Add(%s x%d, %d)", r.PlayerID(0), r.Players(), team))
}

func (m *incMirror) pop() {
	m.inc.Pop()
	m.cand.Pop()
	m.log = append(m.log, "Pop")
}

func (m *incMirror) reset() {
	m.inc.Reset()
	m.cand.Reset()
	m.log = append(m.log, "Reset")
}

// incFataler is what check needs of a *testing.T or a *rapid.T.
type incFataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// check compares the two in every mode with every phase's values.
func (m *incMirror) check(t incFataler, body string) {
	t.Helper()
	if m.inc.Len() != len(m.cand.Tickets) {
		t.Fatalf("Len = %d, want %d", m.inc.Len(), len(m.cand.Tickets))
	}
	phases := m.rs.Phases()
	for pi := range phases {
		v := &phases[pi]
		for _, mode := range []ruleset.Mode{ruleset.Partial, ruleset.Structural, ruleset.Final} {
			got := m.inc.Evaluate(v, mode)
			gotRes := slices.Clone(m.inc.Results())
			want := m.ev.Evaluate(&m.cand, v, mode)
			if got != want || !slices.Equal(gotRes, m.ev.Results()) {
				t.Fatalf("phase %d mode %d after %s:\nIncremental %v %v\nEvaluator   %v %v\n%s",
					pi, mode, strings.Join(m.log, ", "), got, gotRes, want, m.ev.Results(), body)
			}
		}
	}
}

// incOps runs a random sequence of pushes, pops and resets, checking after
// each one. draw returns a fresh ticket with its team, or its fixed teams.
func incOps(t *rapid.T, m *incMirror, body string, draw func(i int) (*ticket.Resolved, int, []int)) {
	m.check(t, body)
	for i := range rapid.IntRange(1, 24).Draw(t, "ops") {
		switch op := rapid.IntRange(0, 9).Draw(t, "op"); {
		case op < 6 || len(m.cand.Tickets) == 0:
			r, team, fixed := draw(i)
			m.add(r, team, fixed)
		case op < 9:
			m.pop()
		default:
			m.reset()
		}
		m.check(t, body)
	}
}

// TestPropertyIncrementalMatchesEvaluator: on random rule sets of the
// supported shapes, with expansions, and random tickets (parties, backfill
// players on fixed teams, fractions and ties, missing latencies), the
// incremental evaluator answers every Partial, Structural and Final
// evaluation as the full Evaluator does, Results included, after every
// push, pop and reset.
func TestPropertyIncrementalMatchesEvaluator(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		body, rs := incRuleSet(t)
		locs := ticket.NewLocations()
		m := newIncMirror(rs, locs)
		if !m.inc.Supported() {
			t.Fatalf("a rule set of supported shapes is not Supported:\n%s", body)
		}
		nt := len(rs.Teams())
		id := 0
		incOps(t, m, body, func(int) (*ticket.Resolved, int, []int) {
			size := rapid.IntRange(1, 3).Draw(t, "party")
			players := make([]ticket.Player, size)
			for i := range players {
				players[i] = incPlayer(t, fmt.Sprintf("p%d", id))
				id++
			}
			r, err := rs.Schema().Resolve(players, locs)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			team := rapid.IntRange(0, nt-1).Draw(t, "team")
			if rapid.IntRange(0, 5).Draw(t, "backfill") != 0 {
				return r, team, nil
			}
			fixed := make([]int, size)
			for i := range fixed {
				fixed[i] = rapid.IntRange(0, nt-1).Draw(t, "fixed")
			}
			return r, -1, fixed
		})
	})
}

// TestPropertyIncrementalOtherRuleSets runs the same comparison on the
// property tests' own rule sets and the published examples, with their
// random tickets: supported or not (an unsupported rule set is evaluated by
// the full Evaluator inside), the answers are the Evaluator's.
func TestPropertyIncrementalOtherRuleSets(t *testing.T) {
	for _, p := range propRuleSets(t) {
		t.Run(p.name, func(t *testing.T) {
			t.Logf("Supported = %v", p.rs.NewIncremental(nil).Supported())
			rapid.Check(t, func(t *rapid.T) {
				locs := ticket.NewLocations()
				tks, res := propDraw(t, p.rs, locs)
				if len(tks) == 0 {
					return
				}
				m := newIncMirror(p.rs, locs)
				incOps(t, m, p.name, func(i int) (*ticket.Resolved, int, []int) {
					k := i % len(tks)
					return res[k], tks[k].team, tks[k].fixed
				})
			})
		})
	}
}

// incBody is a rule set over two teams with the given rules.
func incBody(rules string) string {
	return `{"ruleLanguageVersion": "1.0",
		"playerAttributes": [{"name": "skill", "type": "number", "default": 10}],
		"teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 5}, {"name": "blue", "minPlayers": 1, "maxPlayers": 5}],
		"rules": [` + rules + `]}`
}

// TestIncrementalUnsupported: rule sets with a shape Incremental does not
// recognise are not Supported, and their evaluations are still the full
// Evaluator's.
func TestIncrementalUnsupported(t *testing.T) {
	fair := `{"name": "Fair", "type": "distance", "measurements": ["avg(teams[*].players.attributes[skill])"],
		"referenceValue": "avg(flatten(teams[*].players.attributes[skill]))", "maxDistance": 20}`
	for name, rules := range map[string]string{
		"expression":         fair + `, {"name": "Expr", "type": "expression", "expression": "len(players) <= cap", "parameters": {"cap": 10}}`,
		"partial expression": `{"name": "Expr", "type": "expression", "expression": "all(players, .skill >= 0)", "partial": true}`,
		"compound": fair + `, {"name": "Spread", "type": "distance", "measurements": ["max(flatten(teams[*].players.attributes[skill]))"],
			"referenceValue": "min(flatten(teams[*].players.attributes[skill]))", "maxDistance": 50},
			{"name": "Both", "type": "compound", "statement": "and(Fair, Spread)"}`,
		"median over players": `{"name": "Median", "type": "distance", "measurements": ["median(teams[red].players.attributes[skill])"],
			"referenceValue": 10, "maxDistance": 5}`,
		"stddev over players": `{"name": "Spread", "type": "comparison", "measurements": ["stddev(flatten(teams[*].players.attributes[skill]))"],
			"referenceValue": 30, "operation": "<="}`,
		"all different players": `{"name": "Distinct", "type": "comparison", "measurements": ["flatten(teams[*].players.attributes[skill])"], "operation": "!="}`,
		"minDistance over players": `{"name": "Apart", "type": "distance", "measurements": ["flatten(teams[*].players.attributes[skill])"],
			"referenceValue": 10, "minDistance": 1}`,
		"player ids": `{"name": "Ids", "type": "comparison", "measurements": ["flatten(teams[*].players[playerId])"], "operation": "!="}`,
	} {
		t.Run(name, func(t *testing.T) {
			rs := ruleset.MustLoad([]byte(incBody(rules)))
			locs := ticket.NewLocations()
			m := newIncMirror(rs, locs)
			if m.inc.Supported() {
				t.Fatal("Supported = true, want false")
			}
			for i, skill := range []float64{10, 12, 30, 10} {
				m.add(evResolve(t, rs, locs, evS(fmt.Sprintf("p%d", i), skill)), i%2, nil)
				m.check(t, name)
			}
			m.pop()
			m.check(t, name)
		})
	}
}

// incRanked5v5 reads the engine's default rule set (bench/defaults).
func incRanked5v5(t testing.TB) *ruleset.RuleSet {
	t.Helper()
	body, err := os.ReadFile("../bench/defaults/ranked5v5.json")
	if err != nil {
		t.Fatalf("reading the default rule set: %v", err)
	}
	rs, err := ruleset.Load(body)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return rs
}

// incTen are ten solo tickets for ranked5v5: skills 1460 to 1543.7 in
// fractions, latencies to two locations, with us-west-2 over 80 ms for the
// last player only.
func incTen(t testing.TB, rs *ruleset.RuleSet, locs *ticket.Locations) []*ticket.Resolved {
	out := make([]*ticket.Resolved, 10)
	for i := range out {
		lat := map[string]int{"us-east-1": 30 + 3*i, "us-west-2": 50 + 4*i}
		out[i] = evResolve(t, rs, locs, evP(fmt.Sprintf("p%d", i), "skill", 1460+9.3*float64(i), "lat", lat))
	}
	return out
}

// TestIncrementalDefaultRuleSet: the default ranked 5v5 rule set
// (batchDistance on skill, FairTeams on team averages against the match
// average, LowLatency) is Supported, and a 5v5 filled red, blue, red, ...
// evaluates as the full Evaluator does at every step and every phase.
func TestIncrementalDefaultRuleSet(t *testing.T) {
	rs := incRanked5v5(t)
	locs := ticket.NewLocations()
	m := newIncMirror(rs, locs)
	if !m.inc.Supported() {
		t.Fatal("the default rule set is not Supported")
	}
	ten := incTen(t, rs, locs)
	for i, r := range ten {
		m.add(r, i%2, nil)
		m.check(t, "ranked5v5")
	}
	if !m.inc.Evaluate(rs.At(0), ruleset.Partial) {
		t.Fatalf("the 5v5 fails: %v", m.inc.Results())
	}
	for range 4 {
		m.pop()
		m.check(t, "ranked5v5")
	}
	// A party of two far from the others breaks SimilarSkill at 0 s
	// (maxDistance 100) but not at 30 s (400).
	far := evResolve(t, rs, locs, evP("f1", "skill", 1700, "lat", map[string]int{"us-east-1": 40}),
		evP("f2", "skill", 1710, "lat", map[string]int{"us-east-1": 45}))
	m.add(far, 1, nil)
	m.check(t, "ranked5v5")
	if m.inc.Evaluate(rs.At(0), ruleset.Structural) {
		t.Error("a party 250 above the others passes SimilarSkill at 0 s")
	}
	if got := m.inc.Results()[0]; got != ruleset.Failed {
		t.Errorf("SimilarSkill = %d, want Failed", got)
	}
}

// TestIncrementalPanics: AddFixed needs a team per player, Pop a ticket.
func TestIncrementalPanics(t *testing.T) {
	rs := incRanked5v5(t)
	locs := ticket.NewLocations()
	inc := rs.NewIncremental(locs)
	expect := func(want error, f func()) {
		t.Helper()
		defer func() {
			if err, _ := recover().(error); !errors.Is(err, want) {
				t.Errorf("panic %v, want %v", err, want)
			}
		}()
		f()
	}
	pair := evResolve(t, rs, locs, evS("a", 1500), evS("b", 1510))
	expect(ruleset.ErrIncrementalFixedTeams, func() { inc.AddFixed(pair, []int{0}) })
	expect(ruleset.ErrIncrementalEmpty, func() { inc.Pop() })
}

// TestAllocsIncremental: once warm, pushing, evaluating and popping
// allocate nothing, for the default rule set and for one of every
// supported shape.
func TestAllocsIncremental(t *testing.T) {
	every := `{"ruleLanguageVersion": "1.0",
		"playerAttributes": [{"name": "skill", "type": "number", "default": 10}, {"name": "mode", "type": "string", "default": "dm"},
			{"name": "roles", "type": "string_list", "default": ["tank"]}],
		"teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 5}, {"name": "blue", "minPlayers": 1, "maxPlayers": 5}],
		"rules": [
			{"name": "Batch", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 500},
			{"name": "Mode", "type": "batchDistance", "batchAttribute": "mode"},
			{"name": "Fair", "type": "distance", "measurements": ["avg(teams[*].players.attributes[skill])"],
			 "referenceValue": "avg(flatten(teams[*].players.attributes[skill]))", "maxDistance": 100},
			{"name": "Gap", "type": "comparison", "measurements": ["stddev(sum(teams[*].players.attributes[skill]))"], "referenceValue": 1000, "operation": "<"},
			{"name": "Floor", "type": "comparison", "measurements": ["flatten(teams[*].players.attributes[skill])"], "referenceValue": 0, "operation": ">="},
			{"name": "Same", "type": "comparison", "measurements": ["flatten(teams[*].players.attributes[mode])"], "operation": "="},
			{"name": "Tanks", "type": "collection", "operation": "contains", "measurements": ["flatten(teams[*].players.attributes[roles])"],
			 "referenceValue": "tank", "maxCount": 20},
			{"name": "Shared", "type": "collection", "operation": "intersection", "measurements": ["flatten(teams[*].players.attributes[roles])"], "minCount": 1},
			{"name": "Fast", "type": "latency", "maxLatency": 100},
			{"name": "Even", "type": "latency", "maxDistance": 60, "distanceReference": "avg"}]}`
	for name, rs := range map[string]*ruleset.RuleSet{"ranked5v5": incRanked5v5(t), "every shape": ruleset.MustLoad([]byte(every))} {
		t.Run(name, func(t *testing.T) {
			locs := ticket.NewLocations()
			inc := rs.NewIncremental(locs)
			if !inc.Supported() {
				t.Fatal("not Supported")
			}
			ten := incTen(t, rs, locs)
			// A party, so that party averages and fractional latencies count.
			party := evResolve(t, rs, locs, evP("q1", "skill", 1500, "lat", map[string]int{"us-east-1": 40, "us-west-2": 61}),
				evP("q2", "skill", 1501, "lat", map[string]int{"us-east-1": 41, "us-west-2": 60}))
			v := rs.At(0)
			split := []int{0, 1}
			// Each run pops back to empty rather than resetting, so that
			// pops are measured too.
			run := func() {
				inc.AddFixed(party, split)
				for i, r := range ten[:8] {
					inc.Add(r, i%2)
					if !inc.Evaluate(v, ruleset.Partial) || !inc.Evaluate(v, ruleset.Structural) {
						t.Fatalf("ticket %d fails: %v", i, inc.Results())
					}
				}
				inc.Add(party, 1)
				inc.Evaluate(v, ruleset.Partial)
				for inc.Len() > 0 {
					inc.Pop()
					inc.Evaluate(v, ruleset.Partial)
				}
			}
			run()
			if allocs := testing.AllocsPerRun(100, run); allocs != 0 {
				t.Errorf("%v allocations per run, want 0", allocs)
			}
		})
	}
}

// BenchmarkIncrementalAdd measures Add+Evaluate (Partial mode) on the
// default rule set with the incremental evaluator and with the full
// Evaluator on a Candidate: pushing the tenth player of a 5v5 onto either
// team (and popping it again), at 2 and 10 players, and filling a 5v5 from
// empty, reported per Add+Evaluate (ns/add).
func BenchmarkIncrementalAdd(b *testing.B) {
	rs := incRanked5v5(b)
	locs := ticket.NewLocations()
	ten := incTen(b, rs, locs)
	// The tenth skill, so that FairTeams passes on either team.
	ten[9] = evResolve(b, rs, locs, evP("p9", "skill", 1500, "lat", map[string]int{"us-east-1": 57, "us-west-2": 86}))
	v := rs.At(0)
	type evaluator struct {
		name string
		add  func(r *ticket.Resolved, team int)
		eval func() bool
		pop  func()
		len  func() int
	}
	// evaluators makes both evaluators afresh, for one benchmark run.
	evaluators := func() []evaluator {
		inc := rs.NewIncremental(locs)
		ev := rs.NewEvaluator(locs)
		c := &ruleset.Candidate{}
		return []evaluator{
			{"incremental", inc.Add, func() bool { return inc.Evaluate(v, ruleset.Partial) }, inc.Pop, inc.Len},
			{"full", c.Add, func() bool { return ev.Evaluate(c, v, ruleset.Partial) }, c.Pop, func() int { return len(c.Tickets) }},
		}
	}
	for _, players := range []int{2, 10} {
		for team, name := range []string{"red", "blue"} {
			for k, ename := range []string{"incremental", "full"} {
				b.Run(fmt.Sprintf("evaluator=%s/players=%d/team=%s", ename, players, name), func(b *testing.B) {
					e := evaluators()[k]
					for i, r := range ten[:players-1] {
						e.add(r, i%2)
					}
					last := ten[9]
					b.ReportAllocs()
					for b.Loop() {
						e.add(last, team)
						if !e.eval() {
							b.Fatal("fails")
						}
						e.pop()
					}
				})
			}
		}
	}
	for k, ename := range []string{"incremental", "full"} {
		b.Run(fmt.Sprintf("evaluator=%s/fill=5v5", ename), func(b *testing.B) {
			e := evaluators()[k]
			b.ReportAllocs()
			for b.Loop() {
				for i, r := range ten {
					e.add(r, i%2)
					if !e.eval() {
						b.Fatal("fails")
					}
				}
				for e.len() > 0 {
					e.pop()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10, "ns/add")
		})
	}
}

// incSums are sums of the same values in bucket order (team by team, as
// the Evaluator adds them) and in push order.
func incSums(values []float64, teams []int, nt int) (bucket, push float64) {
	for t := range nt {
		for i, v := range values {
			if teams[i] == t {
				bucket += v
			}
		}
	}
	for _, v := range values {
		push += v
	}
	return bucket, push
}

// TestIncrementalSumOrder: floating-point sums depend on their order, and
// Incremental must add in the Evaluator's order. For random pushes whose
// push-order sum differs from the bucket-order sum, a threshold placed
// exactly at the Evaluator's value passes both, and would fail a sum in
// push order: the match average of FairTeams-like rules, and the avg
// distanceReference of a latency rule over party averages (D11).
func TestIncrementalSumOrder(t *testing.T) {
	two := `"teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 9}, {"name": "blue", "minPlayers": 1, "maxPlayers": 9}]`
	found := [2]int{}
	for seed := 0; seed < 4000 && (found[0] < 20 || found[1] < 20); seed++ {
		rng := seed*7919 + 1
		next := func(n int) int {
			rng = (rng*1103515245 + 12345) & 0x7fffffff
			return rng % n
		}
		n := 3 + next(6)
		teams := make([]int, n)
		for i := range teams {
			teams[i] = next(2)
		}
		if seed%2 == 0 && found[0] < 20 { // the average of flatten(teams[*])
			skills := make([]float64, n)
			for i := range skills {
				skills[i] = float64(next(1000)) / float64(3+next(7))
			}
			bucket, push := incSums(skills, teams, 2)
			if bucket == push {
				continue
			}
			found[0]++
			ref := strconv.FormatFloat(bucket/float64(n), 'g', -1, 64)
			body := `{"ruleLanguageVersion": "1.0", "playerAttributes": [{"name": "skill", "type": "number"}], ` + two + `,
				"rules": [{"name": "AtMost", "type": "comparison", "measurements": ["avg(flatten(teams[*].players.attributes[skill]))"], "referenceValue": ` + ref + `, "operation": "<="},
				{"name": "AtLeast", "type": "comparison", "measurements": ["avg(flatten(teams[*].players.attributes[skill]))"], "referenceValue": ` + ref + `, "operation": ">="}]}`
			rs := ruleset.MustLoad([]byte(body))
			locs := ticket.NewLocations()
			m := newIncMirror(rs, locs)
			for i, s := range skills {
				m.add(evResolve(t, rs, locs, evS(fmt.Sprintf("p%d", i), s)), teams[i], nil)
			}
			m.check(t, body)
			if !m.inc.Evaluate(rs.At(0), ruleset.Partial) {
				t.Fatalf("the average is not %s: %v\n%s", ref, m.inc.Results(), body)
			}
			continue
		}
		if found[1] >= 20 {
			continue
		}
		// Parties of three, so that average latencies are thirds.
		lats := make([][3]int, n)
		avgs := make([]float64, 3*n)
		for i := range lats {
			sum := 0
			for k := range 3 {
				lats[i][k] = 20 + next(80)
				sum += lats[i][k]
			}
			for k := range 3 {
				avgs[3*i+k] = float64(sum) / 3
			}
		}
		party := make([]int, 3*n)
		for i := range party {
			party[i] = teams[i/3]
		}
		bucket, push := incSums(avgs, party, 2)
		lo, hi := slices.Min(avgs), slices.Max(avgs)
		refB, refP := bucket/float64(3*n), push/float64(3*n)
		d := max(math.Abs(hi-refB), math.Abs(lo-refB))
		if !(math.Abs(hi-refP) > d || math.Abs(lo-refP) > d) {
			continue // a push-order sum would pass too
		}
		found[1]++
		body := `{"ruleLanguageVersion": "1.0", "playerAttributes": [], ` + two + `,
			"rules": [{"name": "Even", "type": "latency", "maxDistance": ` + strconv.FormatFloat(d, 'g', -1, 64) + `, "distanceReference": "avg"}]}`
		rs := ruleset.MustLoad([]byte(body))
		locs := ticket.NewLocations()
		m := newIncMirror(rs, locs)
		for i := range lats {
			ps := make([]ticket.Player, 3)
			for k := range ps {
				ps[k] = evPL(fmt.Sprintf("p%d-%d", i, k), "east", lats[i][k])
			}
			m.add(evResolve(t, rs, locs, ps...), teams[i], nil)
		}
		m.check(t, body)
		if !m.inc.Evaluate(rs.At(0), ruleset.Partial) {
			t.Fatalf("the latency spread is over %v: %v\n%s", d, m.inc.Results(), body)
		}
	}
	if found[0] < 20 || found[1] < 20 {
		t.Fatalf("found only %v order-dependent sums", found)
	}
}
