package engine_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math"
	"math/big"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/internal/longtest"
	"github.com/matchforge/matchforge/internal/oracle"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
	"pgregory.net/rapid"
)

// This file checks the rotation's completeness promise (engine/doc.go,
// "Completeness"; rotate.go) against a brute-force search: once the
// waiting tickets of a small rule set stop changing, a valid match among
// them forms within the documented bound, and every match formed is valid
// (D7). The brute force tries every composition of whole tickets on teams
// and asks internal/oracle, which shares no evaluation code with package
// ruleset, whether it is a valid match; expression rules, which the oracle
// does not know, are judged by this file itself. (completeness_test.go
// checks the same promise with package ruleset's evaluator as the judge;
// the names here are distinct so that both compile in one package.)

// uncappedCompletenessBound is the number of steps within which the package
// documentation promises a match once the waiting tickets stop changing:
// with B = budget, N = n, T = teams, P = maxTickets, W = min(N-1, 64),
// D = sum_{k=0}^{P-1} C(W,k) * T^(k+1), S(A) = ceil(N*(1+W+min(D,A))/B) + 1
// and p* the least p >= 0 with B*2^p >= D,
//
//	R = 1 + S(B) + S(B) + S(2B) + ... + S(B*2^p*).
//
// It computes in big integers and caps nothing; only a result beyond int's
// range (far from anything a test can step through) comes back as
// math.MaxInt.
func uncappedCompletenessBound(n, teams, maxTickets, budget int) int {
	if n < 1 || teams < 1 || maxTickets < 1 || budget < 1 {
		panic(fmt.Sprintf("uncappedCompletenessBound(%d, %d, %d, %d): every argument must be positive", n, teams, maxTickets, budget))
	}
	w := min(n-1, 64)
	d := new(big.Int)
	for k := 0; k < maxTickets; k++ {
		if k > w {
			break // C(W, k) = 0
		}
		term := new(big.Int).Binomial(int64(w), int64(k))
		term.Mul(term, new(big.Int).Exp(big.NewInt(int64(teams)), big.NewInt(int64(k+1)), nil))
		d.Add(d, term)
	}
	bigN, b, one := big.NewInt(int64(n)), big.NewInt(int64(budget)), big.NewInt(1)
	s := func(a *big.Int) *big.Int {
		x := new(big.Int).Set(a)
		if d.Cmp(x) < 0 {
			x.Set(d)
		}
		x.Add(x, big.NewInt(int64(1+w)))
		x.Mul(x, bigN)
		x.Add(x, b).Sub(x, one).Quo(x, b) // the ceiling of the quotient
		return x.Add(x, one)
	}
	r := new(big.Int).Add(one, s(b))
	for a := new(big.Int).Set(b); ; a.Lsh(a, 1) {
		r.Add(r, s(a))
		if a.Cmp(d) >= 0 {
			break // a = B*2^p*
		}
	}
	if !r.IsInt64() || r.Int64() > math.MaxInt {
		return math.MaxInt
	}
	return int(r.Int64())
}

func TestCompletenessOracleBoundFormula(t *testing.T) {
	// By hand: N=2, T=2, P=2, B=2 gives W=1, D = 1*2 + 1*4 = 6, p* = 2
	// (2*4 = 8 >= 6), S(A) = 2+min(6,A)+1: S(2)=5, S(4)=7, S(8)=9, and
	// R = 1 + 5 + 5 + 7 + 9 = 27.
	if got := uncappedCompletenessBound(2, 2, 2, 2); got != 27 {
		t.Errorf("uncappedCompletenessBound(2, 2, 2, 2) = %d; want 27", got)
	}
	// N=3, T=2, P=1, B=4: W=2, D = C(2,0)*2 = 2 <= B, so p* = 0 and
	// R = 1 + S(B) + S(B) with S(4) = ceil(3*(1+2+2)/4)+1 = 5.
	if got := uncappedCompletenessBound(3, 2, 1, 4); got != 11 {
		t.Errorf("uncappedCompletenessBound(3, 2, 1, 4) = %d; want 11", got)
	}
	// W stops at 64 and nothing else is capped: 258 tickets in duels with
	// budget 2 (issue 9's backlog) take D = 2 + 64*4 = 258, p* = 8.
	want := 1 + 2*(258*67/2+1)
	for p := 1; p <= 8; p++ {
		a := 2 << p
		want += (258*(65+min(258, a))+1)/2 + 1
	}
	if got := uncappedCompletenessBound(258, 2, 2, 2); got != want {
		t.Errorf("uncappedCompletenessBound(258, 2, 2, 2) = %d; want %d", got, want)
	}
	if got := uncappedCompletenessBound(200, 8, 40, 1); got != math.MaxInt {
		t.Errorf("uncappedCompletenessBound of a huge search = %d; want math.MaxInt (beyond int)", got)
	}
}

// ---------------------------------------------------------------------------
// Drawing rule sets.

// csTeam is a team of a drawn rule set.
type csTeam struct {
	name     string
	min, max int
}

// csExpr is an expression rule (this library's extension). The oracle does
// not know the type, so the test judges the few expressions it draws
// itself, with the players' own values as the ruleset package documents
// (not party aggregates).
type csExpr struct {
	kind  string    // "spread", "tanks" or "even"
	param float64   // the parameter before expansions
	waits []float64 // the parameter's expansion steps
	vals  []float64
}

// at returns the expression's parameter after age seconds.
func (x *csExpr) at(age float64) float64 {
	v := x.param
	for i, w := range x.waits {
		if w <= age {
			v = x.vals[i]
		}
	}
	return v
}

// ok judges the expression on a composition.
func (x *csExpr) ok(age float64, teams [][]ticket.Player) bool {
	p := x.at(age)
	switch x.kind {
	case "spread": // max(map(players, .skill)) - min(map(players, .skill)) <= gap
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, tm := range teams {
			for _, pl := range tm {
				s := pl.PlayerAttributes["skill"].N()
				lo, hi = math.Min(lo, s), math.Max(hi, s)
			}
		}
		return hi-lo <= p
	case "tanks": // count(filter(players, "tank" in .roles)) <= most
		n := 0
		for _, tm := range teams {
			for _, pl := range tm {
				if slices.Contains(pl.PlayerAttributes["roles"].SL(), "tank") {
					n++
				}
			}
		}
		return float64(n) <= p
	case "even": // all(teams, .size == teams[0].size)
		for _, tm := range teams {
			if len(tm) != len(teams[0]) {
				return false
			}
		}
		return true
	}
	panic("unknown expression kind " + x.kind)
}

// csRule is a drawn rule: its JSON object, and for an expression rule the
// test's own reading of it.
type csRule struct {
	json string
	expr *csExpr
}

// csSpec is a drawn rule set.
type csSpec struct {
	teams    []csTeam
	rules    []csRule
	exps     []string // expansion objects on FlexMatch rules and teams
	exprExps []string // expansion objects on expression rules' parameters
	lastWait int      // the last expansion step's waitTimeSeconds (0: none)
	kinds    []string // the kinds drawn, for the coverage summary
}

// body renders the rule set; without expression rules (and their
// expansions) for the oracle.
func (s *csSpec) body(withExpr bool) string {
	var teams, rules []string
	for _, t := range s.teams {
		teams = append(teams, fmt.Sprintf(`{"name": %q, "minPlayers": %d, "maxPlayers": %d}`, t.name, t.min, t.max))
	}
	for _, r := range s.rules {
		if r.expr == nil || withExpr {
			rules = append(rules, r.json)
		}
	}
	exps := s.exps
	if withExpr {
		exps = append(slices.Clone(exps), s.exprExps...)
	}
	return `{"name": "complete", "ruleLanguageVersion": "1.0",
  "playerAttributes": [{"name": "skill", "type": "number"}, {"name": "mode", "type": "string", "default": "a"},
    {"name": "roles", "type": "string_list", "default": []}],
  "teams": [` + strings.Join(teams, ", ") + `],
  "rules": [` + strings.Join(rules, ",\n    ") + `],
  "expansions": [` + strings.Join(exps, ",\n    ") + `]}`
}

// maxTickets is P: the most tickets a match can hold, its most players
// (no drawn expansion raises a maxPlayers).
func (s *csSpec) maxTickets() int {
	n := 0
	for _, t := range s.teams {
		n += t.max
	}
	return n
}

// exprs returns the expression rules.
func (s *csSpec) exprs() []*csExpr {
	var out []*csExpr
	for _, r := range s.rules {
		if r.expr != nil {
			out = append(out, r.expr)
		}
	}
	return out
}

// The kinds of rule a draw picks from: every rule type of the FlexMatch
// rule language, in several shapes, and the expression rule.
var csKinds = []string{
	"comparison/reference", "comparison/all", "comparison/string", "comparison/count",
	"distance/teams", "distance/spread", "distance/avg",
	"collection/contains", "collection/healers", "collection/intersection", "collection/reference_intersection_count",
	"batchDistance/number", "batchDistance/string",
	"latency",
	"compound",
	"absoluteSort", "distanceSort",
	"expression",
}

// csDrawer draws the rules of one rule set.
type csDrawer struct {
	t    *rapid.T
	s    *csSpec
	next int
}

func (d *csDrawer) name() string {
	d.next++
	return fmt.Sprintf("r%d", d.next)
}

// wait notes an expansion step's wait time.
func (d *csDrawer) wait(w int) int {
	d.s.lastWait = max(d.s.lastWait, w)
	return w
}

// expand maybe relaxes a rule property in one or two steps, at 2 and 4
// seconds (or 3), to the given values.
func (d *csDrawer) expand(rule, prop string, vals ...float64) {
	if len(vals) == 0 || !rapid.Bool().Draw(d.t, rule+"-expand") {
		return
	}
	var steps []string
	waits := []int{2, 4}
	if len(vals) == 1 {
		waits = []int{rapid.SampledFrom([]int{2, 3, 4}).Draw(d.t, rule+"-wait")}
	}
	for i, v := range vals {
		steps = append(steps, fmt.Sprintf(`{"waitTimeSeconds": %d, "value": %s}`, d.wait(waits[i]), csNum(v)))
	}
	d.s.exps = append(d.s.exps, fmt.Sprintf(`{"target": "rules[%s].%s", "steps": [%s]}`, rule, prop, strings.Join(steps, ", ")))
}

func csNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

const (
	csSkills = "flatten(teams[*].players.attributes[skill])"
	csRoles  = "flatten(teams[*].players.attributes[roles])"
)

// rule draws one rule of the given kind and returns its JSON; sub-rules of
// a compound rule are appended to the rule set first (they must come
// before it, D3).
func (d *csDrawer) rule(kind string) string {
	t, s := d.t, d.s
	n := d.name()
	two := len(s.teams) >= 2
	switch kind {
	case "comparison/reference":
		op := rapid.SampledFrom([]string{"<=", ">=", "<", ">", "=", "!="}).Draw(t, n+"-op")
		ref := 10 * rapid.IntRange(1, 4).Draw(t, n+"-ref")
		return fmt.Sprintf(`{"name": %q, "type": "comparison", "measurements": [%q], "referenceValue": %d, "operation": %q}`, n, csSkills, ref, op)
	case "comparison/all": // D10: = all equal, != all different
		op := rapid.SampledFrom([]string{"=", "!="}).Draw(t, n+"-op")
		return fmt.Sprintf(`{"name": %q, "type": "comparison", "measurements": [%q], "operation": %q}`, n, csSkills, op)
	case "comparison/string":
		op := rapid.SampledFrom([]string{"=", "!="}).Draw(t, n+"-op")
		ref := ""
		if rapid.Bool().Draw(t, n+"-hasRef") {
			ref = fmt.Sprintf(`, "referenceValue": %q`, rapid.SampledFrom([]string{"a", "b"}).Draw(t, n+"-ref"))
		}
		return fmt.Sprintf(`{"name": %q, "type": "comparison", "measurements": ["flatten(teams[*].players.attributes[mode])"], "operation": %q%s}`, n, op, ref)
	case "comparison/count":
		if !two {
			return d.rule("comparison/all")
		}
		return fmt.Sprintf(`{"name": %q, "type": "comparison", "measurements": ["count(teams[red].players)"], "referenceValue": "count(teams[blue].players)", "operation": "="}`, n)
	case "distance/teams":
		if !two {
			return d.rule("distance/spread")
		}
		md := 10 * rapid.IntRange(0, 2).Draw(t, n+"-max")
		d.expand(n, "maxDistance", float64(md+10), float64(md+30))
		return fmt.Sprintf(`{"name": %q, "type": "distance", "measurements": ["avg(teams[red].players.attributes[skill])"], "referenceValue": "avg(teams[blue].players.attributes[skill])", "maxDistance": %d}`, n, md)
	case "distance/spread":
		bounds := ""
		switch rapid.IntRange(0, 2).Draw(t, n+"-bounds") {
		case 0:
			md := 10 * rapid.IntRange(0, 2).Draw(t, n+"-max")
			bounds = fmt.Sprintf(`"maxDistance": %d`, md)
			d.expand(n, "maxDistance", float64(md+20))
		case 1:
			bounds = fmt.Sprintf(`"minDistance": %d`, 10*rapid.IntRange(1, 2).Draw(t, n+"-min"))
		default:
			md := 10 * rapid.IntRange(1, 3).Draw(t, n+"-max")
			bounds = fmt.Sprintf(`"minDistance": 10, "maxDistance": %d`, md)
			d.expand(n, "maxDistance", float64(md+10), float64(md+20))
		}
		return fmt.Sprintf(`{"name": %q, "type": "distance", "measurements": ["max(%s)"], "referenceValue": "min(%s)", %s}`, n, csSkills, csSkills, bounds)
	case "distance/avg":
		md := 5 * rapid.IntRange(0, 3).Draw(t, n+"-max")
		d.expand(n, "maxDistance", float64(md+10), float64(md+20))
		return fmt.Sprintf(`{"name": %q, "type": "distance", "measurements": ["avg(teams[*].players.attributes[skill])"], "referenceValue": "avg(%s)", "maxDistance": %d}`, n, csSkills, md)
	case "collection/contains":
		role := rapid.SampledFrom([]string{"healer", "dps", "tank"}).Draw(t, n+"-role")
		bound := rapid.SampledFrom([]string{`"minCount": 1`, `"maxCount": 1`, `"minCount": 1, "maxCount": 2`}).Draw(t, n+"-bound")
		return fmt.Sprintf(`{"name": %q, "type": "collection", "operation": "contains", "measurements": [%q], "referenceValue": %q, %s}`, n, csRoles, role, bound)
	case "collection/healers": // only a complete match can judge it (issue 9)
		d.expand(n, "minCount", 1)
		return fmt.Sprintf(`{"name": %q, "type": "collection", "operation": "contains", "measurements": [%q], "referenceValue": "healer", "minCount": 2}`, n, csRoles)
	case "collection/intersection":
		bound := rapid.SampledFrom([]string{`"minCount": 1`, `"maxCount": 0`}).Draw(t, n+"-bound")
		return fmt.Sprintf(`{"name": %q, "type": "collection", "operation": "intersection", "measurements": [%q], %s}`, n, csRoles, bound)
	case "collection/reference_intersection_count":
		if !two {
			return d.rule("collection/contains")
		}
		bound := rapid.SampledFrom([]string{`"maxCount": 0`, `"minCount": 1`}).Draw(t, n+"-bound")
		return fmt.Sprintf(`{"name": %q, "type": "collection", "operation": "reference_intersection_count", "measurements": ["teams[blue].players.attributes[roles]"], "referenceValue": "flatten(teams[red].players.attributes[roles])", %s}`, n, bound)
	case "batchDistance/number":
		md := 10 * rapid.IntRange(0, 2).Draw(t, n+"-max")
		d.expand(n, "maxDistance", float64(md+10), float64(md+30))
		return fmt.Sprintf(`{"name": %q, "type": "batchDistance", "batchAttribute": "skill", "maxDistance": %d}`, n, md)
	case "batchDistance/string":
		return fmt.Sprintf(`{"name": %q, "type": "batchDistance", "batchAttribute": "mode"}`, n)
	case "latency":
		ml := 10 * rapid.IntRange(4, 14).Draw(t, n+"-max")
		d.expand(n, "maxLatency", float64(ml+50))
		extra := ""
		if rapid.Bool().Draw(t, n+"-distance") {
			extra = fmt.Sprintf(`, "maxDistance": %d`, 10*rapid.IntRange(2, 6).Draw(t, n+"-maxDistance"))
		}
		return fmt.Sprintf(`{"name": %q, "type": "latency", "maxLatency": %d%s}`, n, ml, extra)
	case "compound":
		// Two fresh rules that a compound may reference, evaluated only
		// through it (D3): no batchDistance rule (D3), and no latency rule,
		// which this engine refuses in a compound since it chooses the
		// match's location (D11).
		parts := []string{"comparison/reference", "comparison/all", "comparison/string", "comparison/count",
			"distance/teams", "distance/spread", "distance/avg",
			"collection/contains", "collection/healers", "collection/intersection", "collection/reference_intersection_count"}
		a := d.rule(rapid.SampledFrom(parts).Draw(t, n+"-a"))
		an := d.lastName()
		s.rules = append(s.rules, csRule{json: a})
		b := d.rule(rapid.SampledFrom(parts).Draw(t, n+"-b"))
		bn := d.lastName()
		s.rules = append(s.rules, csRule{json: b})
		st := rapid.SampledFrom([]string{"and(%s, %s)", "or(%s, %s)", "xor(%s, %s)", "or(not(%s), %s)", "not(and(%s, %s))"}).Draw(t, n+"-statement")
		return fmt.Sprintf(`{"name": %q, "type": "compound", "statement": %q}`, n, fmt.Sprintf(st, an, bn))
	case "absoluteSort", "distanceSort":
		dir := rapid.SampledFrom([]string{"ascending", "descending"}).Draw(t, n+"-dir")
		return fmt.Sprintf(`{"name": %q, "type": %q, "sortDirection": %q, "sortAttribute": "skill"}`, n, kind, dir)
	}
	panic("unknown kind " + kind)
}

// lastName is the name of the rule drawn last (rule names the rule first).
func (d *csDrawer) lastName() string { return fmt.Sprintf("r%d", d.next) }

// expression draws an expression rule.
func (d *csDrawer) expression() csRule {
	t, s := d.t, d.s
	n := d.name()
	x := &csExpr{kind: rapid.SampledFrom([]string{"spread", "tanks", "even"}).Draw(t, n+"-kind")}
	var src string
	partial := false
	switch x.kind {
	case "spread":
		x.param = float64(10 * rapid.IntRange(0, 3).Draw(t, n+"-gap"))
		src = "max(map(players, .skill)) - min(map(players, .skill)) <= p"
		partial = rapid.Bool().Draw(t, n+"-partial") // a spread only grows: partial checks are sound
	case "tanks":
		x.param = float64(rapid.IntRange(0, 1).Draw(t, n+"-most"))
		src = `count(filter(players, "tank" in .roles)) <= p`
		partial = rapid.Bool().Draw(t, n+"-partial")
	case "even":
		src = "all(teams, .size == teams[0].size)"
	}
	if x.kind != "even" && rapid.Bool().Draw(t, n+"-expand") {
		w := d.wait(rapid.IntRange(2, 4).Draw(t, n+"-wait"))
		v := x.param + map[string]float64{"spread": 20, "tanks": 1}[x.kind]
		x.waits, x.vals = []float64{float64(w)}, []float64{v}
		s.exprExps = append(s.exprExps, fmt.Sprintf(`{"target": "rules[%s].p", "steps": [{"waitTimeSeconds": %d, "value": %s}]}`, n, w, csNum(v)))
	}
	return csRule{expr: x, json: fmt.Sprintf(`{"name": %q, "type": "expression", "expression": %q, "parameters": {"p": %s}, "partial": %t}`, n, src, csNum(x.param), partial)}
}

// csDrawSpec draws a small rule set: two teams (sometimes one or three) of
// one or two players, and one to three rules of any kind.
func csDrawSpec(t *rapid.T) *csSpec {
	s := &csSpec{}
	nTeams := rapid.SampledFrom([]int{1, 2, 2, 2, 2, 3}).Draw(t, "teams")
	for i, name := range []string{"red", "blue", "green"}[:nTeams] {
		most := 1
		if nTeams < 3 { // three teams of two would make matches of six
			most = rapid.IntRange(1, 2).Draw(t, fmt.Sprintf("team%d-max", i))
		}
		least := rapid.IntRange(1, most).Draw(t, fmt.Sprintf("team%d-min", i))
		s.teams = append(s.teams, csTeam{name: name, min: least, max: most})
	}
	// A team that needs two players may settle for one later.
	var full []string
	for _, tm := range s.teams {
		if tm.min == 2 {
			full = append(full, tm.name)
		}
	}
	d := &csDrawer{t: t, s: s}
	if len(full) > 0 && rapid.Bool().Draw(t, "lowerMin") {
		w := d.wait(rapid.SampledFrom([]int{2, 4}).Draw(t, "lowerMin-wait"))
		s.exps = append(s.exps, fmt.Sprintf(`{"target": "teams[%s].minPlayers", "steps": [{"waitTimeSeconds": %d, "value": 1}]}`, strings.Join(full, ","), w))
		s.kinds = append(s.kinds, "expansion/minPlayers")
	}
	for i := range rapid.IntRange(1, 3).Draw(t, "rules") {
		kind := rapid.SampledFrom(csKinds).Draw(t, fmt.Sprintf("kind%d", i))
		s.kinds = append(s.kinds, kind)
		if kind == "expression" {
			s.rules = append(s.rules, d.expression())
			continue
		}
		s.rules = append(s.rules, csRule{json: d.rule(kind)})
	}
	return s
}

// csDrawTickets draws 2 to 14 tickets, some of them parties of two when a
// team can hold two players, all starting at t0.
func csDrawTickets(t *rapid.T, s *csSpec) []oracle.Ticket {
	pairs := slices.ContainsFunc(s.teams, func(tm csTeam) bool { return tm.max >= 2 })
	n := rapid.IntRange(2, 14).Draw(t, "tickets")
	var out []oracle.Ticket
	for i := range n {
		id := fmt.Sprintf("t%02d", i)
		size := 1
		if pairs && rapid.IntRange(0, 3).Draw(t, id+"-party") == 0 {
			size = 2
		}
		tk := oracle.Ticket{ID: id, Start: t0}
		for j := range size {
			pid := id
			if size > 1 {
				pid = fmt.Sprintf("%s-%c", id, 'a'+j)
			}
			p := ticket.Player{PlayerID: pid, PlayerAttributes: map[string]ticket.AttributeValue{
				"skill": ticket.Number(float64(10 * rapid.IntRange(0, 5).Draw(t, pid+"-skill"))),
			}}
			if m := rapid.IntRange(0, 2).Draw(t, pid+"-mode"); m > 0 { // 0: the default, "a"
				p.PlayerAttributes["mode"] = ticket.String([]string{"", "a", "b"}[m])
			}
			var roles []string
			for _, r := range []string{"healer", "dps", "tank"} {
				if rapid.IntRange(0, 2).Draw(t, pid+"-"+r) == 0 {
					roles = append(roles, r)
				}
			}
			if len(roles) > 0 || rapid.Bool().Draw(t, pid+"-noRoles") {
				p.PlayerAttributes["roles"] = ticket.StringList(roles...)
			}
			p.LatencyInMs = map[string]int{
				"east": 10 * rapid.IntRange(1, 15).Draw(t, pid+"-east"),
				"west": 10 * rapid.IntRange(1, 15).Draw(t, pid+"-west"),
			}
			switch rapid.IntRange(0, 5).Draw(t, pid+"-missing") {
			case 0:
				delete(p.LatencyInMs, "east")
			case 1:
				delete(p.LatencyInMs, "west")
			}
			tk.Players = append(tk.Players, p)
		}
		out = append(out, tk)
	}
	return out
}

// ---------------------------------------------------------------------------
// The brute force.

// csBrute decides whether the waiting tickets hold a valid match at one
// clock, by trying every composition: every subset of whole tickets on
// every assignment to teams within the team sizes, each judged by the
// oracle (and the test's own reading of expression rules). Verdicts are
// kept: the clock is fixed and the pool only shrinks.
type csBrute struct {
	spec    *csSpec
	ors     *oracle.RuleSet
	teams   []string // the oracle's team names, in rule-set order
	tickets []oracle.Ticket
	when    time.Time
	mins    []int // team sizes at when, after expansions
	maxs    []int
	seen    map[uint64]bool
	checks  int
}

// teamSizesAt returns the team sizes after age seconds, from the drawn
// expansions (only minPlayers is ever expanded).
func (s *csSpec) teamSizesAt(age float64) (mins, maxs []int) {
	for _, tm := range s.teams {
		mins, maxs = append(mins, tm.min), append(maxs, tm.max)
	}
	for _, x := range s.exps {
		var e struct {
			Target string
			Steps  []struct{ WaitTimeSeconds, Value float64 }
		}
		if err := json.Unmarshal([]byte(x), &e); err != nil {
			panic(err)
		}
		if !strings.HasPrefix(e.Target, "teams[") {
			continue
		}
		names := strings.Split(strings.TrimSuffix(strings.TrimPrefix(e.Target, "teams["), "].minPlayers"), ",")
		for _, st := range e.Steps {
			if st.WaitTimeSeconds <= age {
				for i, tm := range s.teams {
					if slices.Contains(names, tm.name) {
						mins[i] = int(st.Value)
					}
				}
			}
		}
	}
	return mins, maxs
}

// valid judges one composition: team[i] is ticket i's team, -1 for a ticket
// left out.
func (b *csBrute) valid(team []int, when time.Time) error {
	var ots []oracle.Ticket
	teamOf := map[string]string{}
	byTeam := make([][]ticket.Player, len(b.teams))
	for i, tm := range team {
		if tm < 0 {
			continue
		}
		ots = append(ots, b.tickets[i])
		for _, p := range b.tickets[i].Players {
			teamOf[p.PlayerID] = b.teams[tm]
			byTeam[tm] = append(byTeam[tm], p)
		}
	}
	b.checks++
	if err := oracle.Check(b.ors, when, ots, teamOf, "", 0); err != nil {
		return err
	}
	age := when.Sub(t0).Seconds() // every ticket started at t0 (D12)
	for i, x := range b.spec.exprs() {
		if !x.ok(age, byTeam) {
			return fmt.Errorf("expression rule %d (%s, parameter %v) fails", i, x.kind, x.at(age))
		}
	}
	return nil
}

// find returns a valid composition of the waiting tickets (waiting[i]),
// as each ticket's team (-1: not in it), or nil when there is none.
func (b *csBrute) find(waiting []bool) []int {
	team := make([]int, len(b.tickets))
	for i := range team {
		team[i] = -1
	}
	count := make([]int, len(b.teams))
	var key uint64
	var walk func(from, total int) bool
	walk = func(from, total int) bool {
		if total > 0 {
			ok := true
			for t, n := range count {
				ok = ok && n >= b.mins[t]
			}
			if ok {
				v, known := b.seen[key]
				if !known {
					v = b.valid(team, b.when) == nil
					b.seen[key] = v
				}
				if v {
					return true
				}
			}
		}
		for i := from; i < len(b.tickets); i++ {
			if !waiting[i] {
				continue
			}
			np := len(b.tickets[i].Players)
			for t := range b.teams {
				if count[t]+np > b.maxs[t] {
					continue
				}
				team[i], count[t] = t, count[t]+np
				key |= uint64(t+1) << (2 * i)
				if walk(i+1, total+np) {
					return true
				}
				key &^= 3 << (2 * i)
				team[i], count[t] = -1, count[t]-np
			}
		}
		return false
	}
	if walk(0, 0) {
		return team
	}
	return nil
}

// ---------------------------------------------------------------------------
// The property.

// csStats accumulates figures over a run of TestCompleteness, for its
// summary line.
var csStats csStatsT

type csStatsT struct {
	cases, rejected, matches, rounds, roundCases, checks int
	maxSteps                                             int
	maxRatio                                             float64
	maxRatioAt                                           string
	kinds                                                map[string]int
}

// csRun is one case: a rule set, its tickets and an engine.
type csRun struct {
	t       *rapid.T
	spec    *csSpec
	body    string
	rs      *ruleset.RuleSet
	ors     *oracle.RuleSet
	tickets []oracle.Ticket
	index   map[string]int // ticket id -> index
	waiting []bool
	budget  int
	seed    uint64
	e       *engine.Engine
	steps   int // Step calls so far
}

// describe renders the case for a failure message.
func (r *csRun) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rule set:\n%s\nSearchBudget %d, Seed %d\ntickets (all started at t0):\n", r.body, r.budget, r.seed)
	for i, tk := range r.tickets {
		players, _ := json.Marshal(tk.Players)
		state := "matched"
		if r.waiting[i] {
			state = "waiting"
		}
		fmt.Fprintf(&b, "  %s (%s): %s\n", tk.ID, state, players)
	}
	return b.String()
}

// step steps the engine at now and checks every match it forms (D7: valid
// on its final composition at the step's clock; no ticket twice; only
// waiting tickets). It returns the matches formed.
func (r *csRun) step(now time.Time) int {
	t := r.t
	r.steps++
	evs := r.e.Step(now)
	formed := 0
	proposed := map[string]bool{}
	for _, ev := range evs {
		switch ev.Kind {
		case engine.EventSearching:
		case engine.EventPotentialMatchCreated:
			formed++
			proposed[ev.Match.ID] = true
			r.checkMatch(ev)
		case engine.EventSucceeded:
			if !proposed[ev.Match.ID] {
				t.Fatalf("step %d: match %s succeeded without being proposed in the same step (STANDALONE, no acceptance: D14)\n%s", r.steps, ev.Match.ID, r.describe())
			}
			delete(proposed, ev.Match.ID)
		default:
			t.Fatalf("step %d: unexpected %v event for %v\n%s", r.steps, ev.Kind, eventTicketIDs(ev), r.describe())
		}
	}
	if len(proposed) > 0 {
		t.Fatalf("step %d: matches %v were proposed but did not succeed in the same step (D14)\n%s", r.steps, proposed, r.describe())
	}
	if formed > 0 {
		r.checkStatuses()
	}
	return formed
}

// checkMatch checks one proposed match and takes its tickets out of the
// waiting pool.
func (r *csRun) checkMatch(ev engine.Event) {
	t := r.t
	var ots []oracle.Ticket
	teamOf := map[string]string{}
	byTeam := make([][]ticket.Player, len(r.spec.teams))
	seen := map[string]bool{}
	var ids []string
	for _, ref := range ev.Tickets {
		id := ref.ID()
		ids = append(ids, id)
		i, ok := r.index[id]
		switch {
		case !ok:
			t.Fatalf("step %d: match %s holds unknown ticket %s", r.steps, ev.Match.ID, id)
		case seen[id]:
			t.Fatalf("step %d: match %s holds ticket %s twice\n%s", r.steps, ev.Match.ID, id, r.describe())
		case !r.waiting[i]:
			t.Fatalf("step %d: match %s holds ticket %s, which an earlier match took\n%s", r.steps, ev.Match.ID, id, r.describe())
		}
		seen[id] = true
		ots = append(ots, r.tickets[i])
		for p := range ref.Players() {
			tm := ref.Team(p)
			if tm < 0 || tm >= len(r.spec.teams) {
				t.Fatalf("step %d: match %s puts player %s of %s on team %d", r.steps, ev.Match.ID, ref.PlayerID(p), id, tm)
			}
			name := r.rs.Teams()[tm].Name
			teamOf[ref.PlayerID(p)] = name
			byTeam[tm] = append(byTeam[tm], r.tickets[i].Players[p])
		}
	}
	if err := oracle.Check(r.ors, ev.Time, ots, teamOf, ev.Match.Location, 0); err != nil {
		t.Fatalf("step %d: the engine formed an invalid match (D7): %v\nmatch %v at %v, teams %v, location %q\n%s",
			r.steps, err, ids, ev.Time.Sub(t0), teamOf, ev.Match.Location, r.describe())
	}
	age := ev.Time.Sub(t0).Seconds()
	for _, x := range r.spec.exprs() {
		if !x.ok(age, byTeam) {
			t.Fatalf("step %d: the engine formed a match that fails expression rule %s (parameter %v) (D7)\nmatch %v, teams %v\n%s",
				r.steps, x.kind, x.at(age), ids, teamOf, r.describe())
		}
	}
	for _, id := range ids {
		r.waiting[r.index[id]] = false
	}
}

// checkStatuses checks that matched tickets completed and the others still
// search: a match leaves the rest of the pool in place.
func (r *csRun) checkStatuses() {
	ids := make([]string, len(r.tickets))
	for i, tk := range r.tickets {
		ids[i] = tk.ID
	}
	got := r.e.Tickets(ids)
	if len(got) != len(ids) {
		r.t.Fatalf("step %d: Tickets returned %d of %d tickets", r.steps, len(got), len(ids))
	}
	for i, tk := range got {
		want := ticket.StatusSearching
		if !r.waiting[i] {
			want = ticket.StatusCompleted
		}
		if tk.Status != want {
			r.t.Fatalf("step %d: ticket %s is %s; want %s\n%s", r.steps, tk.TicketID, tk.Status, want, r.describe())
		}
	}
}

func (r *csRun) waitingCount() int {
	n := 0
	for _, w := range r.waiting {
		if w {
			n++
		}
	}
	return n
}

// The number of cases of TestCompletenessOracle when -rapid.checks is not
// given: a case costs well under a millisecond, and only a few in a hundred
// leave a valid match to the rotation once the pool stops changing (the
// greedy build finds most matches first), so rapid's default of 100 would
// put the bound to the test only a handful of times. The long tests
// (MATCHFORGE_LONG_TESTS=1) run ten times as many. -rapid.checks (or
// RAPID_CHECKS) always wins.
const (
	csDefaultChecks = 1000
	csLongChecks    = 10000
)

// csSetChecks sets rapid's number of cases for the running test, unless
// the command line or the environment chose one; the old value comes back
// when the test ends (no test of the package runs in parallel).
func csSetChecks(t *testing.T) {
	f := flag.Lookup("rapid.checks")
	if f == nil {
		return
	}
	given := os.Getenv("RAPID_CHECKS") != ""
	flag.Visit(func(g *flag.Flag) { given = given || g.Name == "rapid.checks" })
	if given {
		return
	}
	n := csDefaultChecks
	if longtest.Enabled() {
		n = csLongChecks
	}
	old := f.Value.String()
	if err := f.Value.Set(strconv.Itoa(n)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Value.Set(old); err != nil {
			t.Error(err)
		}
	})
}

// TestCompletenessOracle checks the completeness bound with rapid: every
// draw is a small rule set, 2 to 14 tickets and a SearchBudget of 2 to 8;
// once the last expansion has applied, as long as the brute force finds a
// valid match among the waiting tickets, the engine must form one within
// uncappedCompletenessBound steps; every match it forms, before or after,
// must be valid (D7); and when the brute force finds none, it must form
// none. The summary line gives the figures: run with -v, and
// -rapid.checks=N for more cases.
func TestCompletenessOracle(t *testing.T) {
	csSetChecks(t)
	st := &csStats
	*st = csStatsT{kinds: map[string]int{}}
	start := time.Now()
	defer func() {
		var kinds []string
		for _, k := range append(slices.Clone(csKinds), "expansion/minPlayers") {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, st.kinds[k]))
		}
		t.Logf("completeness: cases=%d, matches=%d, max steps=%d, max steps/bound=%.4g",
			st.cases, st.matches, st.maxSteps, st.maxRatio)
		t.Logf("completeness: %d rule sets rejected by ruleset.Load; %d bounded rounds (a match the engine formed after the pool's last change, while the brute force found one), in %d cases; largest ratio: %s; %d oracle checks; %v",
			st.rejected, st.rounds, st.roundCases, st.maxRatioAt, st.checks, time.Since(start).Round(time.Millisecond))
		t.Logf("completeness: rule kinds drawn in loaded rule sets: %s", strings.Join(kinds, ", "))
	}()
	rapid.Check(t, csCase)
	if st.rejected > st.cases {
		t.Errorf("ruleset.Load rejected %d of %d drawn rule sets; the generator should draw valid ones", st.rejected, st.rejected+st.cases)
	}
	// Not vacuous: matches form, and some are left to the rotation once
	// the pool stops changing (about one case in thirty).
	if st.cases >= 50 && st.matches == 0 || st.cases >= 500 && st.rounds == 0 {
		t.Errorf("vacuous run: %d cases, %d matches, %d of them after the pool stopped changing", st.cases, st.matches, st.rounds)
	}
}

// csCase is one case of TestCompletenessOracle.
func csCase(t *rapid.T) {
	st := &csStats
	spec := csDrawSpec(t)
	body := spec.body(true)
	rs, err := ruleset.Load([]byte(body))
	if err != nil {
		st.rejected++
		t.Skipf("ruleset.Load rejects the drawn rule set: %v", err)
	}
	ors, err := oracle.Parse(spec.body(false))
	if err != nil {
		t.Fatalf("oracle.Parse: %v\n%s", err, body)
	}
	st.cases++
	for _, k := range spec.kinds {
		st.kinds[k]++
	}
	r := &csRun{
		t: t, spec: spec, body: body, rs: rs, ors: ors,
		tickets: csDrawTickets(t, spec), index: map[string]int{},
		budget: rapid.IntRange(2, 8).Draw(t, "budget"),
		seed:   rapid.Uint64().Draw(t, "seed"),
	}
	r.e, err = engine.New(engine.Config{Seed: r.seed, SearchBudget: r.budget})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.e.AddConfiguration(t0, engine.Configuration{Name: "complete", RuleSet: rs, RequestTimeout: 12 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	for i, tk := range r.tickets {
		r.index[tk.ID] = i
		r.waiting = append(r.waiting, true)
		if _, err := r.e.StartMatchmaking(t0, engine.MatchmakingRequest{TicketID: tk.ID, Configuration: "complete", Players: tk.Players}); err != nil {
			t.Fatalf("StartMatchmaking(%s): %v", tk.ID, err)
		}
	}

	// Step once a second up to the step that applies the last expansion
	// (or, without expansions, the step that takes the tickets into the
	// search): the last change. The rest of the steps keep that pool and
	// clock, so the values in force are the last expansion's (all tickets
	// started at t0; D12). Repeating Step with the same now is allowed: time
	// is only an input.
	last := max(spec.lastWait, 1)
	for s := 1; s <= last; s++ {
		st.matches += r.step(t0.Add(time.Duration(s) * time.Second))
	}
	now := t0.Add(time.Duration(last+1) * time.Second)
	mins, maxs := spec.teamSizesAt(now.Sub(t0).Seconds())
	bf := &csBrute{spec: spec, ors: ors, teams: ors.TeamNames(), tickets: r.tickets, when: now, mins: mins, maxs: maxs, seen: map[uint64]bool{}}
	defer func() { st.checks += bf.checks }()
	teams, most := len(spec.teams), spec.maxTickets()
	rounds := 0
	for {
		want := bf.find(r.waiting)
		if want == nil {
			// No valid match is left: the engine must form none (D7); a
			// few more steps show it does not.
			for range 3 {
				if n := r.step(now); n > 0 {
					t.Fatalf("the engine formed a match the oracle accepts, but the brute force found no valid match: a bug of the brute force\n%s", r.describe())
				}
			}
			if rounds > 0 {
				st.roundCases++
			}
			return
		}
		n := r.waitingCount()
		bound := uncappedCompletenessBound(n, teams, most, r.budget)
		taken, formed := 0, 0
		for formed == 0 && taken < bound {
			taken++
			formed = r.step(now)
		}
		if formed == 0 {
			var comp []string
			for i, tm := range want {
				if tm >= 0 {
					comp = append(comp, r.tickets[i].ID+" on "+bf.teams[tm])
				}
			}
			t.Fatalf("completeness: %d waiting tickets hold a valid match (%s), but the engine formed none in %d steps (the bound for N=%d, T=%d, P=%d, B=%d is %d) after its last change\n%s",
				n, strings.Join(comp, ", "), taken, n, teams, most, r.budget, bound, r.describe())
		}
		st.matches += formed
		st.rounds++
		rounds++
		st.maxSteps = max(st.maxSteps, taken)
		if ratio := float64(taken) / float64(bound); ratio > st.maxRatio {
			st.maxRatio = ratio
			st.maxRatioAt = fmt.Sprintf("%d steps of %d, N=%d T=%d P=%d B=%d", taken, bound, n, teams, most, r.budget)
		}
	}
}

// ---------------------------------------------------------------------------
// Issue 9's defects, within the bound.

// csDefect is one of issue 9's defect cases: a pool of tickets that cannot
// match among themselves, then the ones that can arrive.
type csDefect struct {
	body    string
	backlog []ticket.Player // at t0
	arrive  []ticket.Player // after the backlog has waited five steps
	want    []string        // the one valid match
}

func csSkillPlayer(id string, skill float64) ticket.Player {
	return ticket.Player{PlayerID: id, PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(skill)}}
}

func csRolePlayer(id, role string) ticket.Player {
	return ticket.Player{PlayerID: id, PlayerAttributes: map[string]ticket.AttributeValue{"role": ticket.StringList(role)}}
}

// csDefects returns the cases: defect 1 (a backlog of 256 tickets whose
// skills are 100 apart, then a pair that can match) for a distance, a
// batchDistance and a comparison rule; defect 2 (a rule only a complete
// match can judge: a dps waits, two healers arrive, contains healer
// minCount 2), alone and behind 40 and 256 other dps.
func csDefects() map[string]csDefect {
	duel := func(attr, typ, rule string) string {
		return `{"ruleLanguageVersion": "1.0", "playerAttributes": [{"name": "` + attr + `", "type": "` + typ + `"}],
  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1}, {"name": "blue", "minPlayers": 1, "maxPlayers": 1}],
  "rules": [` + rule + `]}`
	}
	var backlog []ticket.Player
	for i := range 256 {
		backlog = append(backlog, csSkillPlayer(fmt.Sprintf("backlog-%03d", i), float64(i)*100))
	}
	pair := []ticket.Player{csSkillPlayer("a", 1_000_050), csSkillPlayer("b", 1_000_055)}
	out := map[string]csDefect{
		"backlog/distance": {body: duel("skill", "number", `{"name": "close", "type": "distance", "measurements": ["avg(teams[red].players.attributes[skill])"], "referenceValue": "avg(teams[blue].players.attributes[skill])", "maxDistance": 10}`),
			backlog: backlog, arrive: pair, want: []string{"a", "b"}},
		"backlog/batchDistance": {body: duel("skill", "number", `{"name": "close", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 10}`),
			backlog: backlog, arrive: pair, want: []string{"a", "b"}},
		"backlog/comparison": {body: duel("skill", "number", `{"name": "same", "type": "comparison", "measurements": ["flatten(teams[*].players.attributes[skill])"], "operation": "="}`),
			backlog: backlog, arrive: []ticket.Player{csSkillPlayer("a", 1_000_050), csSkillPlayer("b", 1_000_050)}, want: []string{"a", "b"}},
	}
	healers := duel("role", "string_list", `{"name": "healers", "type": "collection", "measurements": ["flatten(teams[*].players.attributes[role])"], "operation": "contains", "referenceValue": "healer", "minCount": 2}`)
	for _, n := range []int{1, 40, 256} {
		var dps []ticket.Player
		for i := range n {
			dps = append(dps, csRolePlayer(fmt.Sprintf("dps-%03d", i), "dps"))
		}
		out[fmt.Sprintf("healers/behind-%d-dps", n)] = csDefect{body: healers, backlog: dps,
			arrive: []ticket.Player{csRolePlayer("healer-1", "healer"), csRolePlayer("healer-2", "healer")}, want: []string{"healer-1", "healer-2"}}
	}
	return out
}

// TestCompletenessOracleDefectCases runs issue 9's two defects with
// SearchBudget 2, 4 and 8 and several seeds: the one valid match must form
// within the bound for the pool it is in, counted from the step that takes
// its tickets into the search (the pool's last change), and be valid (D7).
func TestCompletenessOracleDefectCases(t *testing.T) {
	cases := csDefects()
	names := slices.Sorted(maps.Keys(cases))
	worst, worstAt, most := 0.0, "", 0
	for _, name := range names {
		c := cases[name]
		rs := ruleset.MustLoad([]byte(c.body))
		ors, err := oracle.Parse(c.body)
		if err != nil {
			t.Fatal(err)
		}
		for _, budget := range []int{2, 4, 8} {
			for _, seed := range []uint64{1, 2, 3, 7} {
				t.Run(fmt.Sprintf("%s/budget=%d/seed=%d", name, budget, seed), func(t *testing.T) {
					steps, bound := csRunDefect(t, c, rs, ors, budget, seed)
					if r := float64(steps) / float64(bound); r > worst || worstAt == "" {
						worst, worstAt = r, fmt.Sprintf("%s, budget %d, seed %d: %d steps of %d", name, budget, seed, steps, bound)
					}
					most = max(most, steps)
				})
			}
		}
	}
	t.Logf("completeness defect cases: max steps=%d, max steps/bound=%.4g (%s)", most, worst, worstAt)
}

// csRunDefect runs one defect case and returns the steps the match took
// after the arrivals' step (0: in it) and the bound.
func csRunDefect(t *testing.T, c csDefect, rs *ruleset.RuleSet, ors *oracle.RuleSet, budget int, seed uint64) (steps, bound int) {
	t.Helper()
	e := mustEngine(t, engine.Config{Seed: seed, SearchBudget: budget})
	if err := e.AddConfiguration(t0, engine.Configuration{Name: "duel", RuleSet: rs, RequestTimeout: 12 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	start := func(now time.Time, p ticket.Player) {
		t.Helper()
		if _, err := e.StartMatchmaking(now, engine.MatchmakingRequest{TicketID: p.PlayerID, Configuration: "duel", Players: []ticket.Player{p}}); err != nil {
			t.Fatal(err)
		}
	}
	starts := map[string]oracle.Ticket{}
	for _, p := range c.backlog {
		start(t0, p)
		starts[p.PlayerID] = oracle.Ticket{ID: p.PlayerID, Start: t0, Players: []ticket.Player{p}}
	}
	// matched reports the step's match, failing on any other.
	matched := func(evs []engine.Event) bool {
		t.Helper()
		found := false
		for _, ev := range evs {
			if ev.Kind != engine.EventPotentialMatchCreated {
				continue
			}
			ids := eventTicketIDs(ev)
			slices.Sort(ids)
			if found || !slices.Equal(ids, c.want) {
				t.Fatalf("the engine matched %v; the only valid match is %v", ids, c.want)
			}
			var ots []oracle.Ticket
			teamOf := map[string]string{}
			for _, r := range ev.Tickets {
				ots = append(ots, starts[r.ID()])
				teamOf[r.PlayerID(0)] = rs.Teams()[r.Team(0)].Name
			}
			if err := oracle.Check(ors, ev.Time, ots, teamOf, ev.Match.Location, 0); err != nil {
				t.Fatalf("the engine formed an invalid match (D7): %v", err)
			}
			found = true
		}
		return found
	}
	now := t0
	for range 5 {
		now = now.Add(time.Second)
		if matched(e.Step(now)) {
			t.Fatal("the backlog matched among itself")
		}
	}
	for _, p := range c.arrive {
		start(now, p)
		starts[p.PlayerID] = oracle.Ticket{ID: p.PlayerID, Start: now, Players: []ticket.Player{p}}
	}
	bound = uncappedCompletenessBound(len(c.backlog)+len(c.arrive), 2, 2, budget)
	if matched(e.Step(now)) { // the arrivals' step: the pool's last change
		return 0, bound
	}
	for steps = 1; steps <= bound; steps++ {
		if matched(e.Step(now)) {
			return steps, bound
		}
	}
	t.Fatalf("completeness: the valid match %v did not form within %d steps (the bound for N=%d, T=2, P=2, B=%d) after its tickets arrived",
		c.want, bound, len(c.backlog)+len(c.arrive), budget)
	return 0, 0
}
