package ruleset

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
	"github.com/matchforge/matchforge/ticket"
)

// The expression rule is this library's one extension to the FlexMatch rule
// language:
//
//	{"name": "CloseTeams", "type": "expression",
//	 "expression": "max(teamAvgs) - min(teamAvgs) <= gap",
//	 "parameters": {"gap": 10}}
//
// Its expression is an expr-lang boolean over the candidate match. It is
// type-checked when the rule set is validated, limited to MaxExtensionNodes
// nodes and a run-time memory budget, and its numeric parameters are
// expansion targets (rules[CloseTeams].gap).

// extBudget bounds the memory an expression rule may use per evaluation (in
// expr-lang's units); a rule that exceeds it fails.
const extBudget = 20000

// extRule is a compiled expression rule.
type extRule struct {
	program *vm.Program
	params  []string
	partial bool
}

func (e *extRule) param(name string) int { return slices.Index(e.params, name) }

func (e *extRule) paramList() string {
	if len(e.params) == 0 {
		return "(none)"
	}
	return strings.Join(e.params, ", ")
}

var paramName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Names the expression environment defines; parameters may not reuse them.
var extReserved = []string{"teams", "players", "avg", "stddev", "count", "set_intersection", tickName, stepsName}

// Fields of the values in the environment, for checking member names.
var extFields = []string{"name", "players", "size", "id", "team", "latency"}

func (c *compiler) expressionRule(n *node, path string, r *rule, rv *ruleVals) {
	src, ok := c.requiredStr(n, path, "expression", "write an expr-lang boolean expression over teams and players")
	ext := &extRule{}
	r.ext = ext
	if pn := n.get("parameters"); pn != nil {
		p := path + ".parameters"
		if pn.kind != kObject {
			c.errorf(p, "must be an object of parameter names and numbers, but it is %s", pn.kind)
		} else {
			if len(pn.members) > MaxParameters {
				c.errorf(p, "has %d parameters; the limit is %d", len(pn.members), MaxParameters)
			}
			for _, m := range pn.members {
				mp := joinPath(p, m.key)
				switch {
				case !paramName.MatchString(m.key):
					c.errorf(mp, "is not a valid parameter name; use letters, digits and _ and start with a letter")
				case slices.Contains(extReserved, m.key):
					c.errorf(mp, "is a name the expression environment already defines; choose another")
				default:
					f, fok := c.number(m.val, mp)
					if fok {
						ext.params = append(ext.params, m.key)
						rv.params = append(rv.params, f)
					}
				}
			}
		}
	}
	if pn := n.get("partial"); pn != nil && pn.kind != kBool {
		c.errorf(path+".partial", "must be true or false, but it is %s", pn.kind)
	} else if pn != nil {
		ext.partial = pn.b
	}
	if !ok {
		return
	}
	if n := utf8.RuneCountInString(src); n > MaxExpressionLength {
		c.errorf(path+".expression", "is %d characters long; the limit is %d", n, MaxExpressionLength)
		return
	}
	prog, err := expr.Compile(src, c.extOptions(extEnv(ext.params))...)
	if err != nil {
		c.errorf(path+".expression", "does not compile: %s", plainTypes(oneLine(err.Error())))
		return
	}
	bad, clash, reads := c.unknownMembers(prog.Node())
	r.reads = reads
	if bad != "" {
		c.errorf(path+".expression", "reads .%s, which is neither a declared attribute nor one of %s", bad, strings.Join(extFields, ", "))
		return
	} else if clash != "" {
		c.errorf(path+".expression", "reads .%s, which is ambiguous: a declared attribute has the name of the player's %s field; rename the attribute", clash, clash)
		return
	}
	// The first compilation checked the syntax and the names over an
	// untyped environment; this one gives the checker every value's type
	// (the declared attributes' types among them), so a mistyped operation
	// or a result that is not a boolean is refused here rather than failing
	// every evaluation at run time.
	if steps := newExtCost(c.rs).steps(prog.Node(), itemOther); steps > MaxExpressionSteps {
		c.errorf(path+".expression", "may take up to %d steps (evaluations of a predicate such as all(players, ...)'s) on a match of %d players; the limit is %d: nest fewer loops over players, or write the rule in Go",
			steps, c.rs.size, MaxExpressionSteps)
		return
	}
	if _, err := expr.Compile(src, c.extOptions(c.extTypes(ext.params))...); err != nil {
		c.errorf(path+".expression", "is mistyped: %s (player attributes have their declared types: %s)", plainTypes(oneLine(err.Error())), c.attrTypeList())
		return
	}
	// The program that runs counts its steps: every predicate body is
	// wrapped in __tick (see tickPatcher). It is compiled apart from the
	// check above, whose messages are about the expression as written.
	opts := append(c.extOptions(c.extTypes(ext.params)),
		expr.Patch(tickPatcher{}),
		expr.Function(tickName, extTick, new(func(any, bool) bool), new(func(any, float64) float64), new(func(any, int) int), new(func(any, string) string), new(func(any, any) any)))
	counted, err := expr.Compile(src, opts...)
	if err != nil {
		c.errorf(path+".expression", "cannot be instrumented to count its steps: %s", plainTypes(oneLine(err.Error())))
		return
	}
	ext.program = counted
}

// extTypes returns the types of the expression environment for the
// checker: teams and players with their fields, each declared attribute
// with its type, and the parameters as numbers.
func (c *compiler) extTypes(params []string) types.Map {
	latencies := types.Map{types.Extra: types.Float64}
	player := types.Map{"id": types.String, "team": types.String, "latency": latencies}
	for _, a := range c.schema.Attrs() {
		if _, field := player[a.Name]; field {
			continue // refused as ambiguous before this is called
		}
		player[a.Name] = attrType(a.Kind)
	}
	players := types.Array(player)
	env := types.Map{
		"teams":   types.Array(types.Map{"name": types.String, "players": players, "size": types.Int}),
		"players": players,
		stepsName: types.Any,
	}
	for _, p := range params {
		env[p] = types.Float64
	}
	return env
}

// attrType is the expression type of an attribute of kind k, as playerMap
// fills it in.
func attrType(k ticket.Kind) types.Type {
	switch k {
	case ticket.KindNumber:
		return types.Float64
	case ticket.KindString:
		return types.String
	case ticket.KindList:
		return types.Array(types.String)
	case ticket.KindMap:
		return types.Map{types.Extra: types.Float64}
	}
	return types.Any
}

// goTypeNames maps the Go type names expr-lang's checker reports to the
// words the rule-set language uses.
var goTypeNames = map[string]string{
	"map[string]interface {}": "map",
	"[]interface {}":          "list",
	"[]string":                "list of strings",
	"interface {}":            "any",
	"float64":                 "number",
	"int":                     "number",
	"bool":                    "boolean",
}

var goTypeName = regexp.MustCompile(`map\[string\]interface \{\}|\[\]interface \{\}|\[\]string|interface \{\}|\b(?:float64|int|bool)\b`)

// plainTypes rewrites the Go type names in a checker message as the
// rule-set language's words.
func plainTypes(msg string) string {
	return goTypeName.ReplaceAllStringFunc(msg, func(t string) string { return goTypeNames[t] })
}

// attrTypeList names each declared attribute with its expression type.
func (c *compiler) attrTypeList() string {
	attrs := c.schema.Attrs()
	if len(attrs) == 0 {
		return "none declared"
	}
	parts := make([]string, len(attrs))
	for i, a := range attrs {
		var t string
		switch a.Kind {
		case ticket.KindNumber:
			t = "number"
		case ticket.KindString:
			t = "string"
		case ticket.KindList:
			t = "list of strings"
		case ticket.KindMap:
			t = "map of strings to numbers"
		default:
			t = "any"
		}
		parts[i] = a.Name + " " + t
	}
	return strings.Join(parts, ", ")
}

func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// extEnv returns an environment with the shape the evaluator fills in.
func extEnv(params []string) map[string]any {
	env := map[string]any{
		"teams":   []any{},
		"players": []any{},
	}
	for _, p := range params {
		env[p] = 0.0
	}
	return env
}

// extOptions returns the compiler options of an expression rule over env:
// the untyped environment extEnv or the typed one extTypes.
func (c *compiler) extOptions(env any) []expr.Option {
	return []expr.Option{
		expr.Env(env),
		expr.AsBool(),
		expr.MaxNodes(MaxExtensionNodes),
		expr.DisableBuiltin("now"),
		expr.DisableBuiltin("date"),
		expr.DisableBuiltin("duration"),
		expr.DisableBuiltin("timezone"),
		expr.Function("avg", extAvg, new(func([]any) float64)),
		expr.Function("stddev", extStddev, new(func([]any) float64)),
		expr.Function("count", extCount, new(func([]any) float64)),
		expr.Function("set_intersection", extSetIntersection, new(func([]any) []any)),
	}
}

type memberCheck struct {
	allowed map[string]bool
	shadow  map[string]bool // player fields a declared attribute also names
	maps    map[string]bool // string_number_map attributes, whose keys are free
	attrs   map[string]int  // declared attributes by name
	bad     string
	clash   string
	reads   attrMask // the declared attributes the expression names
}

func (m *memberCheck) Visit(n *ast.Node) {
	mn, ok := (*n).(*ast.MemberNode)
	if !ok || m.bad != "" {
		return
	}
	if inner, ok := mn.Node.(*ast.MemberNode); ok {
		if s, ok := inner.Property.(*ast.StringNode); ok && (s.Value == "latency" || m.maps[s.Value]) {
			return // latency["<location>"] or a map attribute's key: any name
		}
	}
	s, ok := mn.Property.(*ast.StringNode)
	if !ok {
		return
	}
	switch {
	case !m.allowed[s.Value]:
		m.bad = s.Value
	case m.shadow[s.Value] && m.clash == "":
		m.clash = s.Value
	}
	if i, attr := m.attrs[s.Value]; attr {
		m.reads |= 1 << uint(i)
	}
}

// unknownMembers returns the first member the expression reads that is
// neither a field nor a declared attribute, the first player field (id,
// team, latency) it reads that a declared attribute also names, and the
// declared attributes it names (as members: an attribute read through a
// computed key, .[k], is not seen).
func (c *compiler) unknownMembers(root ast.Node) (bad, clash string, reads attrMask) {
	m := &memberCheck{allowed: map[string]bool{}, shadow: map[string]bool{}, maps: map[string]bool{}, attrs: map[string]int{}}
	for _, f := range extFields {
		m.allowed[f] = true
	}
	for i, a := range c.schema.Attrs() {
		m.attrs[a.Name] = i
		m.allowed[a.Name] = true
		m.maps[a.Name] = a.Kind == ticket.KindMap
		if a.Name == "id" || a.Name == "team" || a.Name == "latency" {
			m.shadow[a.Name] = true
		}
	}
	ast.Walk(&root, m)
	return m.bad, m.clash, m.reads
}

func numbers(v any) ([]float64, error) {
	list, ok := v.([]any)
	if !ok {
		if f, ok := v.([]float64); ok {
			return f, nil
		}
		return nil, fmt.Errorf("expected a list of numbers, got %T", v)
	}
	out := make([]float64, 0, len(list))
	for _, x := range list {
		switch n := x.(type) {
		case float64:
			out = append(out, n)
		case int:
			out = append(out, float64(n))
		default:
			return nil, fmt.Errorf("expected a number, got %T", x)
		}
	}
	return out, nil
}

func extAvg(args ...any) (any, error) {
	xs, err := numbers(args[0])
	if err != nil || len(xs) == 0 {
		return math.NaN(), err
	}
	return sumOf(xs) / float64(len(xs)), nil
}

func extStddev(args ...any) (any, error) {
	xs, err := numbers(args[0])
	if err != nil || len(xs) == 0 {
		return math.NaN(), err
	}
	return stddev(xs), nil
}

func extCount(args ...any) (any, error) {
	switch l := args[0].(type) {
	case []any:
		return float64(len(l)), nil
	case []string:
		return float64(len(l)), nil
	case []float64:
		return float64(len(l)), nil
	}
	return nil, fmt.Errorf("count needs a list, got %T", args[0])
}

func extSetIntersection(args ...any) (any, error) {
	lists, ok := args[0].([]any)
	if !ok {
		return nil, fmt.Errorf("set_intersection needs a list of lists, got %T", args[0])
	}
	var acc []string
	for i, l := range lists {
		var items []string
		switch x := l.(type) {
		case []string:
			items = slices.Clone(x)
		case []any:
			for _, s := range x {
				str, ok := s.(string)
				if !ok {
					return nil, fmt.Errorf("set_intersection needs strings, got %T", s)
				}
				items = append(items, str)
			}
		default:
			return nil, fmt.Errorf("set_intersection needs a list of lists, got %T", l)
		}
		sort.Strings(items)
		items = slices.Compact(items)
		if i == 0 {
			acc = items
			continue
		}
		acc = slices.DeleteFunc(acc, func(s string) bool { _, found := slices.BinarySearch(items, s); return !found })
	}
	out := make([]any, len(acc))
	for i, s := range acc {
		out[i] = s
	}
	return out, nil
}
