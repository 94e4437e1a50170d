// Package oracle is a brute-force checker of finished matches, for tests:
// it reads a rule set's JSON on its own (encoding/json into plain structs),
// evaluates every rule of SPEC.md sections 3 and 4 naively on the final
// composition, with the expansion values in force at the match's clock
// (D12), and checks team sizes and whole parties (D7). It shares no
// evaluation code with package ruleset (only its lenient JSON reader,
// ruleset.StandardJSON): a bug there cannot hide a bug in the engine's
// matches.
//
// It supports what the tests' rule sets use: comparison (with and without
// referenceValue), distance, collection (intersection, contains,
// reference_intersection_count), latency (maxLatency, maxDistance),
// batchDistance (number and string), compound (and, or, xor, not), party
// aggregation, team copies (quantity) and expansions of rule properties and
// team sizes. Sort rules order candidates and never reject, so they are
// ignored.
package oracle

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// ---------------------------------------------------------------------------
// Reading the rule set.

// oNum is a number that may be written as a JSON number or a string holding
// one (D1).
type oNum struct {
	Set bool
	V   float64
}

func (n *oNum) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return fmt.Errorf("oracle: %s is not a number", b)
	}
	*n = oNum{Set: true, V: v}
	return nil
}

// oStrings is one string or an array of strings (measurements, D1).
type oStrings []string

func (s *oStrings) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = oStrings{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

type oDoc struct {
	PlayerAttributes []struct {
		Name    string          `json:"name"`
		Type    string          `json:"type"`
		Default json.RawMessage `json:"default"`
	} `json:"playerAttributes"`
	Algorithm struct {
		ExpansionAgeSelection string `json:"expansionAgeSelection"`
	} `json:"algorithm"`
	Teams []struct {
		Name       string `json:"name"`
		MinPlayers oNum   `json:"minPlayers"`
		MaxPlayers oNum   `json:"maxPlayers"`
		Quantity   oNum   `json:"quantity"`
	} `json:"teams"`
	Rules      []oRule `json:"rules"`
	Expansions []struct {
		Target string `json:"target"`
		Steps  []struct {
			WaitTimeSeconds oNum `json:"waitTimeSeconds"`
			Value           oNum `json:"value"`
		} `json:"steps"`
	} `json:"expansions"`
}

type oRule struct {
	Name              string          `json:"name"`
	Type              string          `json:"type"`
	Measurements      oStrings        `json:"measurements"`
	ReferenceValue    json.RawMessage `json:"referenceValue"`
	Operation         string          `json:"operation"`
	MaxDistance       oNum            `json:"maxDistance"`
	MinDistance       oNum            `json:"minDistance"`
	MaxLatency        oNum            `json:"maxLatency"`
	MinCount          oNum            `json:"minCount"`
	MaxCount          oNum            `json:"maxCount"`
	PartyAggregation  string          `json:"partyAggregation"`
	BatchAttribute    string          `json:"batchAttribute"`
	Statement         string          `json:"statement"`
	DistanceReference json.RawMessage `json:"distanceReference"`
}

// oAttr is a declared player attribute.
type oAttr struct {
	typ string // number, string, string_list, string_number_map
	def *oval  // nil when there is no default
}

// oTeam is one team of the match (copies of a quantity definition are
// separate teams, named <base>_<n>; D2).
type oTeam struct {
	name, base string
	min, max   float64
}

type oExpansion struct {
	rule  string // rules[rule].prop, or
	teams []int  // teams[...].prop
	prop  string
	waits []float64
	vals  []float64
}

// RuleSet is a rule set as the oracle understands it.
type RuleSet struct {
	attrs      map[string]oAttr
	teams      []oTeam
	rules      []oRule
	ruleIdx    map[string]int
	inCompound map[string]bool
	exps       []oExpansion
	ageOldest  bool
	Label      string // names the rule set in reports
}

var oTargetPattern = regexp.MustCompile(`^\s*(rules|teams|team)\[([^\]]*)\]\.(\w+)\s*$`)

// Parse reads a rule-set body.
func Parse(body string) (*RuleSet, error) {
	// The lenient reading of D1 (comments, trailing commas) is the one
	// thing the oracle shares with package ruleset.
	std, err := ruleset.StandardJSON([]byte(body))
	if err != nil {
		return nil, fmt.Errorf("oracle: rule set: %w", err)
	}
	var d oDoc
	if err := json.Unmarshal(std, &d); err != nil {
		return nil, fmt.Errorf("oracle: rule set: %w", err)
	}
	rs := &RuleSet{
		attrs: map[string]oAttr{}, ruleIdx: map[string]int{}, inCompound: map[string]bool{},
		ageOldest: d.Algorithm.ExpansionAgeSelection == "oldest",
	}
	for _, a := range d.PlayerAttributes {
		at := oAttr{typ: a.Type}
		if len(a.Default) > 0 && string(a.Default) != "null" {
			v, err := oDefault(a.Type, a.Default)
			if err != nil {
				return nil, fmt.Errorf("oracle: attribute %s: %w", a.Name, err)
			}
			at.def = v
		}
		rs.attrs[a.Name] = at
	}
	for _, t := range d.Teams {
		q := 1
		if t.Quantity.Set {
			q = int(t.Quantity.V)
		}
		if q <= 1 {
			rs.teams = append(rs.teams, oTeam{name: t.Name, base: t.Name, min: t.MinPlayers.V, max: t.MaxPlayers.V})
			continue
		}
		for i := 1; i <= q; i++ {
			rs.teams = append(rs.teams, oTeam{name: fmt.Sprintf("%s_%d", t.Name, i), base: t.Name, min: t.MinPlayers.V, max: t.MaxPlayers.V})
		}
	}
	rs.rules = d.Rules
	for i, r := range d.Rules {
		rs.ruleIdx[r.Name] = i
	}
	for _, r := range d.Rules {
		if r.Type != "compound" {
			continue
		}
		c, err := parseOCompound(r.Statement)
		if err != nil {
			return nil, fmt.Errorf("oracle: rule %s: %w", r.Name, err)
		}
		c.names(rs.inCompound)
	}
	for _, x := range d.Expansions {
		m := oTargetPattern.FindStringSubmatch(x.Target)
		if m == nil {
			return nil, fmt.Errorf("oracle: expansion target %q", x.Target)
		}
		ex := oExpansion{prop: m[3]}
		if m[1] == "rules" {
			ex.rule = strings.TrimSpace(m[2])
		} else {
			for _, n := range strings.Split(m[2], ",") {
				idx := rs.selectTeams(strings.TrimSpace(n))
				if len(idx) == 0 {
					return nil, fmt.Errorf("oracle: expansion target %q: no team %q", x.Target, n)
				}
				ex.teams = append(ex.teams, idx...)
			}
		}
		for _, s := range x.Steps {
			ex.waits = append(ex.waits, s.WaitTimeSeconds.V)
			ex.vals = append(ex.vals, s.Value.V)
		}
		rs.exps = append(rs.exps, ex)
	}
	return rs, nil
}

func oDefault(typ string, raw json.RawMessage) (*oval, error) {
	switch typ {
	case "number":
		var n oNum
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, err
		}
		return &oval{kind: 'n', n: n.V}, nil
	case "string":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return &oval{kind: 's', s: s}, nil
	case "string_list":
		var l []string
		if err := json.Unmarshal(raw, &l); err != nil {
			return nil, err
		}
		return oStrList(l), nil
	}
	return &oval{kind: '0'}, nil // maps are not measured by the tests' rule sets
}

// selectTeams resolves one name inside teams[...]: a team's own name, or a
// definition's base name meaning all its copies (D2).
func (rs *RuleSet) selectTeams(name string) []int {
	var out []int
	for i, t := range rs.teams {
		if t.name == name {
			return []int{i}
		}
		if t.base == name {
			out = append(out, i)
		}
	}
	return out
}

// oEff are the effective values at one expansion clock.
type oEff struct {
	min, max []float64
	props    map[string]map[string]float64 // rule -> property -> value
}

func (rs *RuleSet) prop(r *oRule) map[string]float64 {
	p := map[string]float64{}
	for name, n := range map[string]oNum{
		"maxDistance": r.MaxDistance, "minDistance": r.MinDistance, "maxLatency": r.MaxLatency,
		"minCount": r.MinCount, "maxCount": r.MaxCount,
	} {
		if n.Set {
			p[name] = n.V
		}
	}
	var num float64
	if len(r.ReferenceValue) > 0 && json.Unmarshal(r.ReferenceValue, &num) == nil {
		p["referenceValue"] = num
	}
	return p
}

// at returns the effective values after age seconds: for each expansion,
// the latest step whose waitTimeSeconds has passed (SPEC 5, D12).
func (rs *RuleSet) at(age float64) *oEff {
	e := &oEff{props: map[string]map[string]float64{}}
	for _, t := range rs.teams {
		e.min = append(e.min, t.min)
		e.max = append(e.max, t.max)
	}
	for i := range rs.rules {
		e.props[rs.rules[i].Name] = rs.prop(&rs.rules[i])
	}
	for _, x := range rs.exps {
		v, ok := 0.0, false
		for i, w := range x.waits {
			if w <= age {
				v, ok = x.vals[i], true
			}
		}
		if !ok {
			continue
		}
		if x.rule != "" {
			if e.props[x.rule] == nil {
				e.props[x.rule] = map[string]float64{}
			}
			e.props[x.rule][x.prop] = v
			continue
		}
		for _, t := range x.teams {
			switch x.prop {
			case "minPlayers":
				e.min[t] = v
			case "maxPlayers":
				e.max[t] = v
			}
		}
	}
	return e
}

// ---------------------------------------------------------------------------
// Values and expressions.

// oval is a value of the property-expression language: a number, a string,
// a list, or no value (an aggregate of nothing, D8).
type oval struct {
	kind byte // 'n', 's', 'l', '0'
	n    float64
	s    string
	l    []oval
}

func oStrList(items []string) *oval {
	v := &oval{kind: 'l'}
	for _, s := range items {
		v.l = append(v.l, oval{kind: 's', s: s})
	}
	return v
}

func (v oval) String() string {
	switch v.kind {
	case 'n':
		return strconv.FormatFloat(v.n, 'g', -1, 64)
	case 's':
		return strconv.Quote(v.s)
	case 'l':
		parts := make([]string, len(v.l))
		for i, x := range v.l {
			parts[i] = x.String()
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return "none"
}

// leaves collects v's scalars; none reports a no-value anywhere inside.
func (v oval) leaves(dst []oval) (out []oval, none bool) {
	switch v.kind {
	case 'l':
		for _, x := range v.l {
			var n bool
			dst, n = x.leaves(dst)
			none = none || n
		}
		return dst, none
	case '0':
		return dst, true
	}
	return append(dst, v), false
}

func (v oval) hasListElems() bool {
	for _, x := range v.l {
		if x.kind == 'l' {
			return true
		}
	}
	return false
}

// oExpr is a parsed property expression (SPEC 4.3).
type oExpr struct {
	fn       string // a function, or "" for a path or a literal
	arg      *oExpr
	teams    []string // a path: the names inside teams[...]
	field    string   // "", "players", "attr", "playerId"
	attr     string
	lit      *oval
	original string
}

var oFuncs = map[string]bool{
	"min": true, "max": true, "avg": true, "median": true, "sum": true, "count": true,
	"stddev": true, "flatten": true, "set_intersection": true,
}

var (
	oCallPattern = regexp.MustCompile(`^\s*([a-z_]+)\s*\((.*)\)\s*$`)
	oPathPattern = regexp.MustCompile(`^\s*teams?\[([^\]]*)\](?:\.players(?:\.attributes\[([^\]]+)\]|\[(playerId|playerid)\])?)?\s*$`)
	oBarePlayers = regexp.MustCompile(`^\s*teams?\[[^\]]*\]\.players\s*$`)
)

func parseOExpr(s string) (*oExpr, error) {
	if m := oCallPattern.FindStringSubmatch(s); m != nil && oFuncs[m[1]] {
		arg, err := parseOExpr(m[2])
		if err != nil {
			return nil, err
		}
		return &oExpr{fn: m[1], arg: arg, original: s}, nil
	}
	if m := oPathPattern.FindStringSubmatch(s); m != nil {
		x := &oExpr{original: s}
		for _, n := range strings.Split(m[1], ",") {
			x.teams = append(x.teams, strings.TrimSpace(n))
		}
		switch {
		case m[2] != "":
			x.field, x.attr = "attr", strings.TrimSpace(m[2])
		case m[3] != "":
			x.field = "playerId"
		case oBarePlayers.MatchString(s):
			x.field = "players"
		}
		return x, nil
	}
	if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
		return &oExpr{lit: &oval{kind: 'n', n: f}, original: s}, nil
	}
	return nil, fmt.Errorf("oracle: cannot parse expression %q", s)
}

// oMember is one player of the match being judged.
type oMember struct {
	id     string
	ticket int
	team   int
	p      *ticket.Player
}

// oMatch is the composition being judged.
type oMatch struct {
	rs      *RuleSet
	eff     *oEff
	members []oMember
	tickets [][]int // member indexes per ticket
	byTeam  [][]int // member indexes per team
}

// attr returns a member's declared attribute value (request, else default).
func (m *oMatch) attr(i int, name string) (oval, bool) {
	a, declared := m.rs.attrs[name]
	if !declared {
		return oval{}, false
	}
	if v, ok := m.members[i].p.PlayerAttributes[name]; ok {
		switch v.Kind() {
		case ticket.KindNumber:
			return oval{kind: 'n', n: v.N()}, true
		case ticket.KindString:
			return oval{kind: 's', s: v.S()}, true
		case ticket.KindList:
			var uniq []string
			for _, s := range v.SL() {
				if !slices.Contains(uniq, s) { // repeats are ignored (SPEC 2.2)
					uniq = append(uniq, s)
				}
			}
			return *oStrList(uniq), true
		}
		return oval{kind: '0'}, true
	}
	if a.def != nil {
		return *a.def, true
	}
	return oval{}, false
}

// partyValue is a member's attribute with the rule's party aggregation
// (D9): numbers become the party's min, max or avg (default avg); lists
// become the party's union (default) or intersection.
func (m *oMatch) partyValue(i int, name, agg string, collection bool) oval {
	v, _ := m.attr(i, name)
	party := m.tickets[m.members[i].ticket]
	switch {
	case v.kind == 'n':
		var xs []float64
		for _, j := range party {
			w, _ := m.attr(j, name)
			xs = append(xs, w.n)
		}
		switch agg {
		case "min":
			return oval{kind: 'n', n: slices.Min(xs)}
		case "max":
			return oval{kind: 'n', n: slices.Max(xs)}
		}
		return oval{kind: 'n', n: oMean(xs)}
	case v.kind == 'l' && collection:
		var acc []string
		for k, j := range party {
			w, _ := m.attr(j, name)
			var items []string
			for _, x := range w.l {
				items = append(items, x.s)
			}
			switch {
			case k == 0:
				acc = items
			case agg == "intersection":
				acc = slices.DeleteFunc(acc, func(s string) bool { return !slices.Contains(items, s) })
			default:
				for _, s := range items {
					if !slices.Contains(acc, s) {
						acc = append(acc, s)
					}
				}
			}
		}
		return *oStrList(acc)
	}
	return v
}

func oMean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// eval evaluates an expression for a rule (whose party aggregation applies).
func (m *oMatch) eval(x *oExpr, r *oRule) (oval, error) {
	if x.lit != nil {
		return *x.lit, nil
	}
	if x.fn != "" {
		in, err := m.eval(x.arg, r)
		if err != nil {
			return oval{}, err
		}
		return oApply(x.fn, in)
	}
	var teams []int
	for _, n := range x.teams {
		if n == "*" {
			for i := range m.rs.teams {
				teams = append(teams, i)
			}
			continue
		}
		sel := m.rs.selectTeams(n)
		if len(sel) == 0 {
			return oval{}, fmt.Errorf("oracle: no team %q in %q", n, x.original)
		}
		teams = append(teams, sel...)
	}
	multi := len(teams) > 1 || len(x.teams) > 1 || x.teams[0] == "*"
	if x.field == "" {
		return oval{}, fmt.Errorf("oracle: bare team selector %q is not supported", x.original)
	}
	out := oval{kind: 'l'}
	for _, t := range teams {
		list := oval{kind: 'l', l: []oval{}}
		for _, i := range m.byTeam[t] {
			switch x.field {
			case "players", "playerId":
				list.l = append(list.l, oval{kind: 's', s: m.members[i].id})
			case "attr":
				if _, ok := m.rs.attrs[x.attr]; !ok {
					return oval{}, fmt.Errorf("oracle: attribute %q is not declared", x.attr)
				}
				list.l = append(list.l, m.partyValue(i, x.attr, r.PartyAggregation, r.Type == "collection"))
			}
		}
		out.l = append(out.l, list)
	}
	if !multi {
		return out.l[0], nil
	}
	return out, nil
}

// oApply applies a function; aggregates apply to each innermost list
// (SPEC 4.2, lifting) and flatten removes one level.
func oApply(fn string, v oval) (oval, error) {
	if v.kind == '0' {
		return v, nil
	}
	if v.kind != 'l' {
		v = oval{kind: 'l', l: []oval{v}}
	}
	switch fn {
	case "flatten":
		out := oval{kind: 'l', l: []oval{}}
		for _, x := range v.l {
			if x.kind == 'l' {
				out.l = append(out.l, x.l...)
			} else {
				out.l = append(out.l, x)
			}
		}
		return out, nil
	case "set_intersection":
		deeper := false
		for _, x := range v.l {
			deeper = deeper || x.hasListElems()
		}
		if deeper {
			return oMap(fn, v)
		}
		var acc []string
		for k, x := range v.l {
			var items []string
			if x.kind == 'l' {
				for _, y := range x.l {
					items = append(items, y.s)
				}
			} else {
				items = []string{x.s}
			}
			if k == 0 {
				acc = slices.Clone(items)
				continue
			}
			acc = slices.DeleteFunc(acc, func(s string) bool { return !slices.Contains(items, s) })
		}
		return *oStrList(acc), nil
	}
	if v.hasListElems() {
		return oMap(fn, v)
	}
	if fn == "count" {
		return oval{kind: 'n', n: float64(len(v.l))}, nil
	}
	var xs []float64
	for _, x := range v.l {
		switch x.kind {
		case 'n':
			xs = append(xs, x.n)
		case '0':
		default:
			return oval{}, fmt.Errorf("oracle: %s of a non-number %s", fn, x)
		}
	}
	if len(xs) == 0 {
		return oval{kind: '0'}, nil
	}
	sort.Float64s(xs)
	var r float64
	switch fn {
	case "min":
		r = xs[0]
	case "max":
		r = xs[len(xs)-1]
	case "avg":
		r = oMean(xs)
	case "sum":
		for _, x := range xs {
			r += x
		}
	case "median":
		if n := len(xs); n%2 == 1 {
			r = xs[n/2]
		} else {
			r = (xs[n/2-1] + xs[n/2]) / 2
		}
	case "stddev":
		mu := oMean(xs)
		for _, x := range xs {
			r += (x - mu) * (x - mu)
		}
		r = math.Sqrt(r / float64(len(xs)))
	default:
		return oval{}, fmt.Errorf("oracle: unknown function %s", fn)
	}
	return oval{kind: 'n', n: r}, nil
}

func oMap(fn string, v oval) (oval, error) {
	out := oval{kind: 'l'}
	for _, x := range v.l {
		y, err := oApply(fn, x)
		if err != nil {
			return oval{}, err
		}
		out.l = append(out.l, y)
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Rules.

const oTol = 1e-9

func oClose(a, b float64) bool {
	return math.Abs(a-b) <= oTol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func oCompare(op string, a, b oval) (bool, error) {
	if a.kind == 's' || b.kind == 's' {
		eq := a.kind == b.kind && a.s == b.s
		switch op {
		case "=":
			return eq, nil
		case "!=":
			return !eq, nil
		}
		return false, fmt.Errorf("oracle: %s on strings", op)
	}
	x, y := a.n, b.n
	switch op {
	case "=":
		return oClose(x, y), nil
	case "!=":
		return !oClose(x, y), nil
	case "<":
		return x < y, nil
	case "<=":
		return x < y || oClose(x, y), nil
	case ">":
		return x > y, nil
	case ">=":
		return x > y || oClose(x, y), nil
	}
	return false, fmt.Errorf("oracle: unknown operation %q", op)
}

// reference evaluates a rule's referenceValue: a number, an expression, or
// (a string that is no expression) a literal string. The effective numeric
// value wins when an expansion set one.
func (m *oMatch) reference(r *oRule) (oval, bool, error) {
	if v, ok := m.eff.props[r.Name]["referenceValue"]; ok {
		return oval{kind: 'n', n: v}, true, nil
	}
	if len(r.ReferenceValue) == 0 || string(r.ReferenceValue) == "null" {
		return oval{}, false, nil
	}
	var s string
	if err := json.Unmarshal(r.ReferenceValue, &s); err != nil {
		var n oNum
		if err := json.Unmarshal(r.ReferenceValue, &n); err != nil {
			return oval{}, false, fmt.Errorf("oracle: rule %s: referenceValue %s", r.Name, r.ReferenceValue)
		}
		return oval{kind: 'n', n: n.V}, true, nil
	}
	x, err := parseOExpr(s)
	if err != nil {
		return oval{kind: 's', s: s}, true, nil
	}
	v, err := m.eval(x, r)
	return v, true, err
}

func (m *oMatch) measure(r *oRule) (oval, error) {
	out := oval{kind: 'l'}
	for _, s := range r.Measurements {
		x, err := parseOExpr(s)
		if err != nil {
			return oval{}, err
		}
		v, err := m.eval(x, r)
		if err != nil {
			return oval{}, err
		}
		out.l = append(out.l, v)
	}
	if len(out.l) == 1 {
		return out.l[0], nil
	}
	return out, nil
}

// rule evaluates one rule; why explains a failure.
func (m *oMatch) rule(r *oRule) (ok bool, why string, err error) {
	p := m.eff.props[r.Name]
	switch r.Type {
	case "absoluteSort", "distanceSort":
		return true, "", nil
	case "comparison":
		mv, err := m.measure(r)
		if err != nil {
			return false, "", err
		}
		ms, none := mv.leaves(nil)
		if none || len(ms) == 0 {
			return true, "", nil // D8
		}
		ref, has, err := m.reference(r)
		if err != nil {
			return false, "", err
		}
		if !has { // D10: = all equal, != all different
			for i := range ms {
				for j := i + 1; j < len(ms); j++ {
					eq, err := oCompare("=", ms[i], ms[j])
					if err != nil {
						return false, "", err
					}
					if (r.Operation == "=") != eq {
						return false, fmt.Sprintf("values %v are not all %s", ms, map[bool]string{true: "equal", false: "different"}[r.Operation == "="]), nil
					}
				}
			}
			return true, "", nil
		}
		rs, none := ref.leaves(nil)
		if none || len(rs) == 0 {
			return true, "", nil
		}
		for _, a := range ms {
			for _, b := range rs {
				ok, err := oCompare(r.Operation, a, b)
				if err != nil {
					return false, "", err
				}
				if !ok {
					return false, fmt.Sprintf("%v %s %v is false", a, r.Operation, b), nil
				}
			}
		}
		return true, "", nil
	case "distance":
		mv, err := m.measure(r)
		if err != nil {
			return false, "", err
		}
		ms, none := mv.leaves(nil)
		ref, _, err := m.reference(r)
		if err != nil {
			return false, "", err
		}
		rs, rnone := ref.leaves(nil)
		if none || rnone || len(ms) == 0 || len(rs) == 0 {
			return true, "", nil
		}
		for _, a := range ms {
			for _, b := range rs {
				d := math.Abs(a.n - b.n)
				tol := oTol * math.Max(1, math.Max(math.Abs(a.n), math.Abs(b.n)))
				if mx, ok := p["maxDistance"]; ok && d > mx+tol {
					return false, fmt.Sprintf("|%v - %v| = %v > maxDistance %v", a, b, d, mx), nil
				}
				if mn, ok := p["minDistance"]; ok && d < mn-tol {
					return false, fmt.Sprintf("|%v - %v| = %v < minDistance %v", a, b, d, mn), nil
				}
			}
		}
		return true, "", nil
	case "collection":
		return m.collection(r, p)
	case "latency":
		if len(m.feasible(r, p)) == 0 {
			return false, "no location that every player reports is within the latency limits", nil
		}
		return true, "", nil
	case "batchDistance":
		return m.batch(r, p)
	case "compound":
		c, err := parseOCompound(r.Statement)
		if err != nil {
			return false, "", err
		}
		v, err := c.eval(m)
		if err != nil {
			return false, "", err
		}
		if !v {
			return false, "statement " + r.Statement + " is false", nil
		}
		return true, "", nil
	}
	return false, "", fmt.Errorf("oracle: rule type %q is not supported", r.Type)
}

func (m *oMatch) collection(r *oRule, p map[string]float64) (bool, string, error) {
	mv, err := m.measure(r)
	if err != nil {
		return false, "", err
	}
	// The measurement is a list of player collections (or one collection).
	var colls [][]string
	switch {
	case mv.kind != 'l':
		return true, "", nil
	case mv.hasListElems():
		for _, c := range mv.l {
			items, _ := c.leaves(nil)
			var set []string
			for _, it := range items {
				if !slices.Contains(set, it.s) {
					set = append(set, it.s)
				}
			}
			colls = append(colls, set)
		}
	default:
		items, _ := mv.leaves(nil)
		var set []string
		for _, it := range items {
			set = append(set, it.s)
		}
		colls = [][]string{set}
	}
	if len(colls) == 0 {
		return true, "", nil // D8
	}
	bounds := func(n float64) (bool, string) {
		if mn, ok := p["minCount"]; ok && n < mn {
			return false, fmt.Sprintf("count %v < minCount %v", n, mn)
		}
		if mx, ok := p["maxCount"]; ok && n > mx {
			return false, fmt.Sprintf("count %v > maxCount %v", n, mx)
		}
		return true, ""
	}
	switch r.Operation {
	case "intersection":
		acc := slices.Clone(colls[0])
		for _, c := range colls[1:] {
			acc = slices.DeleteFunc(acc, func(s string) bool { return !slices.Contains(c, s) })
		}
		ok, why := bounds(float64(len(acc)))
		return ok, why, nil
	case "contains":
		ref, has, err := m.reference(r)
		if err != nil || !has {
			return false, "", fmt.Errorf("oracle: rule %s: contains needs a referenceValue (%v)", r.Name, err)
		}
		refs, none := ref.leaves(nil)
		if none || len(refs) == 0 {
			return true, "", nil
		}
		n := 0
		for _, c := range colls {
			if slices.Contains(c, refs[0].s) {
				n++
			}
		}
		ok, why := bounds(float64(n))
		return ok, why, nil
	case "reference_intersection_count":
		ref, has, err := m.reference(r)
		if err != nil || !has {
			return false, "", fmt.Errorf("oracle: rule %s: reference_intersection_count needs a referenceValue (%v)", r.Name, err)
		}
		refs, none := ref.leaves(nil)
		if none {
			return true, "", nil
		}
		for i, c := range colls {
			n := 0
			for _, s := range c {
				for _, x := range refs {
					if x.s == s {
						n++
						break
					}
				}
			}
			if ok, why := bounds(float64(n)); !ok {
				return false, fmt.Sprintf("collection %d %v: %s", i, c, why), nil
			}
		}
		return true, "", nil
	}
	return false, "", fmt.Errorf("oracle: collection operation %q is not supported", r.Operation)
}

// oLoc is a location's per-ticket aggregated latencies.
type oLoc struct {
	name       string
	worst, avg float64
}

// feasible lists the locations where the latency rule r passes (D11): every
// player reports the location, and each player's party-aggregated latency
// there is within maxLatency and, when maxDistance is set, within it of
// distanceReference.
func (m *oMatch) feasible(r *oRule, p map[string]float64) []oLoc {
	var names []string
	for i, mem := range m.members {
		if i == 0 {
			for n := range mem.p.LatencyInMs {
				names = append(names, n)
			}
			continue
		}
		names = slices.DeleteFunc(names, func(n string) bool { _, ok := mem.p.LatencyInMs[n]; return !ok })
	}
	sort.Strings(names)
	var out []oLoc
	for _, loc := range names {
		lat := make([]float64, len(m.members))
		for _, party := range m.tickets {
			var xs []float64
			for _, j := range party {
				xs = append(xs, float64(m.members[j].p.LatencyInMs[loc]))
			}
			v := oMean(xs)
			switch r.PartyAggregation {
			case "min":
				v = slices.Min(xs)
			case "max":
				v = slices.Max(xs)
			}
			for _, j := range party {
				lat[j] = v
			}
		}
		ok := true
		if mx, has := p["maxLatency"]; has {
			for _, l := range lat {
				ok = ok && l <= mx+oTol*math.Max(1, mx)
			}
		}
		if md, has := p["maxDistance"]; has && ok {
			ref := slices.Min(lat)
			var s string
			if json.Unmarshal(r.DistanceReference, &s) == nil && s == "avg" {
				ref = oMean(lat)
			} else if n := (oNum{}); json.Unmarshal(r.DistanceReference, &n) == nil && n.Set {
				ref = n.V
			}
			for _, l := range lat {
				ok = ok && math.Abs(l-ref) <= md+oTol*math.Max(1, md)
			}
		}
		if ok {
			// Feasibility uses the party aggregates, the choice between
			// feasible locations what each player will actually see: the
			// worst and the average of the players' own latencies (our
			// reading of D11, shared with package ruleset's tests).
			own := make([]float64, len(m.members))
			for i, mem := range m.members {
				own[i] = float64(mem.p.LatencyInMs[loc])
			}
			out = append(out, oLoc{name: loc, worst: slices.Max(own), avg: oMean(own)})
		}
	}
	return out
}

func (m *oMatch) batch(r *oRule, p map[string]float64) (bool, string, error) {
	a, ok := m.rs.attrs[r.BatchAttribute]
	if !ok {
		return false, "", fmt.Errorf("oracle: batch attribute %q is not declared", r.BatchAttribute)
	}
	if a.typ == "string" {
		first, _ := m.attr(0, r.BatchAttribute)
		for i := range m.members {
			v, _ := m.attr(i, r.BatchAttribute)
			if v.s != first.s {
				return false, fmt.Sprintf("%s values %q and %q differ", r.BatchAttribute, first.s, v.s), nil
			}
		}
		return true, "", nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, party := range m.tickets {
		v := m.partyValue(party[0], r.BatchAttribute, r.PartyAggregation, false)
		lo, hi = math.Min(lo, v.n), math.Max(hi, v.n)
	}
	d, has := p["maxDistance"]
	if !has {
		d = 0 // a numeric batch without maxDistance means equality (SPEC 18.33)
	}
	if hi-lo > d+oTol*math.Max(1, math.Max(math.Abs(lo), math.Abs(hi))) {
		return false, fmt.Sprintf("%s spread %v - %v = %v > maxDistance %v", r.BatchAttribute, hi, lo, hi-lo, d), nil
	}
	return true, "", nil
}

// oCompound is a parsed compound statement.
type oCompound struct {
	fn   string // and, or, xor, not, or "" for a rule name
	name string
	args []*oCompound
}

func parseOCompound(s string) (*oCompound, error) {
	s = strings.TrimSpace(s)
	open := strings.IndexByte(s, '(')
	if open < 0 {
		if s == "" {
			return nil, fmt.Errorf("oracle: empty compound argument")
		}
		return &oCompound{name: s}, nil
	}
	if !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("oracle: compound %q", s)
	}
	c := &oCompound{fn: strings.TrimSpace(s[:open])}
	inner := s[open+1 : len(s)-1]
	depth, start := 0, 0
	for i := 0; i <= len(inner); i++ {
		if i == len(inner) || inner[i] == ',' && depth == 0 {
			arg, err := parseOCompound(inner[start:i])
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, arg)
			start = i + 1
			continue
		}
		switch inner[i] {
		case '(':
			depth++
		case ')':
			depth--
		}
	}
	return c, nil
}

func (c *oCompound) names(dst map[string]bool) {
	if c.fn == "" {
		dst[c.name] = true
	}
	for _, a := range c.args {
		a.names(dst)
	}
}

func (c *oCompound) eval(m *oMatch) (bool, error) {
	if c.fn == "" {
		i, ok := m.rs.ruleIdx[c.name]
		if !ok {
			return false, fmt.Errorf("oracle: compound names unknown rule %q", c.name)
		}
		ok, _, err := m.rule(&m.rs.rules[i])
		return ok, err
	}
	n := 0
	for _, a := range c.args {
		v, err := a.eval(m)
		if err != nil {
			return false, err
		}
		if v {
			n++
		}
	}
	switch c.fn {
	case "and":
		return n == len(c.args), nil
	case "or":
		return n > 0, nil
	case "xor":
		return n == 1, nil
	case "not":
		return n == 0, nil
	}
	return false, fmt.Errorf("oracle: compound function %q", c.fn)
}

// ---------------------------------------------------------------------------
// The verdict.

// Ticket is a ticket of a match: its start time and its players as
// requested.
type Ticket struct {
	ID      string
	Start   time.Time
	Players []ticket.Player
}

// Check decides whether a finished match is valid (D7): every team
// holds between its effective minPlayers and maxPlayers (and the match at
// most their sum less additional, the configuration's AdditionalPlayerCount
// in WITH_QUEUE mode), every party sits whole on one
// team, every player has every declared attribute (D20), every non-sort
// rule passes (rules referenced by a compound only through it, D3) with the
// values in force at the match's expansion clock (D12), some location
// suits every latency rule at once (a match has one, D11), and, when
// location is not empty, location is the feasible one with the lowest
// worst-case latency (ties: lowest average, then name; D11). teamOf maps each player to its team's name.
func Check(rs *RuleSet, when time.Time, tickets []Ticket, teamOf map[string]string, location string, additional int) error {
	if len(tickets) == 0 {
		return fmt.Errorf("the match has no tickets")
	}
	// The expansion clock (D12).
	newest, oldest := tickets[0].Start, tickets[0].Start
	for _, t := range tickets {
		if t.Start.After(newest) {
			newest = t.Start
		}
		if t.Start.Before(oldest) {
			oldest = t.Start
		}
	}
	ref := newest
	if rs.ageOldest {
		ref = oldest
	}
	age := when.Sub(ref).Seconds()
	m := &oMatch{rs: rs, eff: rs.at(age), byTeam: make([][]int, len(rs.teams))}
	teamIdx := map[string]int{}
	for i, t := range rs.teams {
		teamIdx[t.name] = i
	}
	seen := map[string]bool{}
	for ti, t := range tickets {
		var party []int
		for pi := range t.Players {
			p := &t.Players[pi]
			if seen[p.PlayerID] {
				return fmt.Errorf("player %s appears twice", p.PlayerID)
			}
			seen[p.PlayerID] = true
			name, ok := teamOf[p.PlayerID]
			if !ok {
				return fmt.Errorf("player %s of ticket %s has no team", p.PlayerID, t.ID)
			}
			team, ok := teamIdx[name]
			if !ok {
				return fmt.Errorf("player %s is on %q, which is not a team of the rule set", p.PlayerID, name)
			}
			if len(party) > 0 && m.members[party[0]].team != team {
				return fmt.Errorf("ticket %s is split between teams %s and %s (D7: parties stay whole)", t.ID, rs.teams[m.members[party[0]].team].name, name)
			}
			party = append(party, len(m.members))
			m.byTeam[team] = append(m.byTeam[team], len(m.members))
			m.members = append(m.members, oMember{id: p.PlayerID, ticket: ti, team: team, p: p})
		}
		m.tickets = append(m.tickets, party)
	}
	for i, t := range rs.teams {
		n := float64(len(m.byTeam[i]))
		if n < m.eff.min[i] || n > m.eff.max[i] {
			return fmt.Errorf("team %s has %v players; at clock %.3fs it needs %v to %v", t.name, n, age, m.eff.min[i], m.eff.max[i])
		}
	}
	capacity := -additional
	for _, n := range m.eff.max {
		capacity += int(n)
	}
	if len(m.members) > capacity {
		return fmt.Errorf("the match has %d players; the configuration allows %d", len(m.members), capacity)
	}
	names := slices.Sorted(maps.Keys(rs.attrs))
	for i, mem := range m.members {
		for _, n := range names {
			if _, ok := m.attr(i, n); !ok {
				return fmt.Errorf("player %s has no value for %s, which has no default (D20)", mem.id, n)
			}
		}
	}
	var lat []oLoc
	hasLat := false
	for i := range rs.rules {
		r := &rs.rules[i]
		if rs.inCompound[r.Name] {
			continue
		}
		ok, why, err := m.rule(r)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("rule %s (%s) fails at clock %.3fs: %s", r.Name, r.Type, age, why)
		}
		if r.Type == "latency" {
			f := m.feasible(r, m.eff.props[r.Name])
			if !hasLat {
				lat, hasLat = f, true
			} else {
				lat = slices.DeleteFunc(lat, func(l oLoc) bool {
					return !slices.ContainsFunc(f, func(g oLoc) bool { return g.name == l.name })
				})
			}
		}
	}
	// A match has one location: it must suit every latency rule at once
	// (D11), whether or not the caller names it.
	if hasLat && len(lat) == 0 {
		return fmt.Errorf("no location satisfies every latency rule at once")
	}
	if hasLat && location != "" {
		best := lat[0]
		for _, l := range lat[1:] {
			if l.worst < best.worst || l.worst == best.worst && (l.avg < best.avg || l.avg == best.avg && l.name < best.name) {
				best = l
			}
		}
		if location != best.name {
			return fmt.Errorf("the match went to %q; the best feasible location is %q (feasible: %+v; D11)", location, best.name, lat)
		}
	}
	return nil
}

// Attr is a declared attribute as the oracle reads it.
type Attr struct {
	Name, Type string
}

// Attributes returns the declared attributes, by name.
func (rs *RuleSet) Attributes() []Attr {
	out := make([]Attr, 0, len(rs.attrs))
	for _, n := range slices.Sorted(maps.Keys(rs.attrs)) {
		out = append(out, Attr{Name: n, Type: rs.attrs[n].typ})
	}
	return out
}

// NumberDefault returns the default of number attribute name, if it has one.
func (rs *RuleSet) NumberDefault(name string) (float64, bool) {
	a, ok := rs.attrs[name]
	if !ok || a.def == nil {
		return 0, false
	}
	return a.def.n, true
}

// TeamNames returns the names of the teams, copies of a definition with a
// quantity included (D2), in order.
func (rs *RuleSet) TeamNames() []string {
	out := make([]string, len(rs.teams))
	for i, t := range rs.teams {
		out[i] = t.name
	}
	return out
}

// MaxPlayers returns the sum of the teams' maxPlayers before expansions.
func (rs *RuleSet) MaxPlayers() int {
	n := 0
	for _, t := range rs.teams {
		n += int(t.max)
	}
	return n
}
