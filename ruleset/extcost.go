package ruleset

import (
	"fmt"
	"math"

	"github.com/expr-lang/expr/ast"
	"github.com/matchforge/matchforge/ticket"
)

// An expression rule's cost is bounded twice, in the same unit: the
// evaluations of predicate bodies (the .skill > 10 of all(players,
// .skill > 10)), which is where nested loops multiply.
//
//   - At validation a cost model walks the expression with the largest
//     collections the rule set allows (every player of the largest match,
//     every team, the fullest team, 100 items in a list attribute, 64
//     locations) and refuses an expression whose worst case is more than
//     MaxExpressionSteps, such as three all(players, ...) nested over a
//     match of 40 players (64,000).
//   - At run time every predicate body counts one step, and an evaluation
//     that takes more than MaxExpressionSteps fails the rule with an
//     EvaluationError, counted in the engine's RuleMetrics.
const MaxExpressionSteps = 20_000

// predicateBuiltins are the builtins that evaluate a predicate once per
// item of their first argument.
var predicateBuiltins = map[string]bool{
	"all": true, "any": true, "none": true, "one": true, "filter": true, "map": true,
	"count": true, "sum": true, "find": true, "findIndex": true, "findLast": true,
	"findLastIndex": true, "groupBy": true, "sortBy": true, "reduce": true,
}

// Item kinds a collection holds, for the sizes of their own collections.
const (
	itemOther = iota
	itemTeam
	itemPlayer
)

// extCost is the cost model of expression rules over one rule set's sizes.
type extCost struct {
	players, teams, teamSize int
}

func newExtCost(rs *RuleSet) extCost {
	most := 0
	for _, t := range rs.teams {
		most = max(most, t.MaxPlayers)
	}
	return extCost{players: rs.size, teams: len(rs.teams), teamSize: most}
}

// size estimates how many items collection n holds at most, and what kind
// they are; elem is the kind of the item # stands for where n is.
func (m extCost) size(n ast.Node, elem int) (int, int) {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		switch n.Value {
		case "players":
			return m.players, itemPlayer
		case "teams":
			return m.teams, itemTeam
		}
	case *ast.MemberNode:
		if s, ok := n.Property.(*ast.StringNode); ok {
			switch {
			case s.Value == "players" && m.isTeam(n.Node, elem):
				return m.teamSize, itemPlayer
			case s.Value == "latency":
				return ticket.MaxLatencyLocations, itemOther
			}
		}
	case *ast.ChainNode:
		return m.size(n.Node, elem)
	case *ast.ArrayNode:
		return len(n.Nodes), itemOther
	case *ast.BuiltinNode:
		switch n.Name {
		case "map", "filter", "sortBy":
			if len(n.Arguments) > 0 {
				s, kind := m.size(n.Arguments[0], elem)
				if n.Name == "map" {
					kind = itemOther
				}
				return s, kind
			}
		case "concat":
			total := 0
			for _, a := range n.Arguments {
				s, _ := m.size(a, elem)
				total = min(math.MaxInt32, total+s)
			}
			return total, itemOther
		case "flatten":
			if len(n.Arguments) > 0 {
				s, _ := m.size(n.Arguments[0], elem)
				return min(math.MaxInt32, s*ticket.MaxListItems), itemOther // lists of lists
			}
		case "uniq":
			if len(n.Arguments) > 0 {
				return m.size(n.Arguments[0], elem)
			}
		case "keys", "values":
			return ticket.MaxLatencyLocations, itemOther
		}
	case *ast.BinaryNode:
		if n.Operator == ".." {
			lo, lok := n.Left.(*ast.IntegerNode)
			hi, hok := n.Right.(*ast.IntegerNode)
			if lok && hok {
				return max(0, hi.Value-lo.Value+1), itemOther
			}
			return math.MaxInt32, itemOther // a range of unknown length
		}
	}
	return ticket.MaxListItems, itemOther // a list attribute, at most
}

// isTeam reports whether n is a team: # over teams, or teams[i].
func (m extCost) isTeam(n ast.Node, elem int) bool {
	switch n := n.(type) {
	case *ast.PointerNode:
		return elem == itemTeam
	case *ast.MemberNode:
		id, ok := n.Node.(*ast.IdentifierNode)
		return ok && id.Value == "teams"
	case *ast.ChainNode:
		return m.isTeam(n.Node, elem)
	}
	return false
}

// steps estimates the predicate evaluations of n at most, saturating at
// math.MaxInt32.
func (m extCost) steps(n ast.Node, elem int) int {
	if n == nil {
		return 0
	}
	add := func(a, b int) int { return min(math.MaxInt32, a+b) }
	total := 0
	switch n := n.(type) {
	case *ast.BuiltinNode:
		if predicateBuiltins[n.Name] && len(n.Arguments) >= 2 {
			if p, ok := n.Arguments[1].(*ast.PredicateNode); ok {
				items, kind := m.size(n.Arguments[0], elem)
				per := add(1, m.steps(p.Node, kind))
				loop := int(min(math.MaxInt32, float64(items)*float64(per)))
				total = add(m.steps(n.Arguments[0], elem), loop)
				for _, a := range n.Arguments[2:] {
					total = add(total, m.steps(a, elem))
				}
				return total
			}
		}
		for _, a := range n.Arguments {
			total = add(total, m.steps(a, elem))
		}
	case *ast.UnaryNode:
		return m.steps(n.Node, elem)
	case *ast.BinaryNode:
		return add(m.steps(n.Left, elem), m.steps(n.Right, elem))
	case *ast.ChainNode:
		return m.steps(n.Node, elem)
	case *ast.MemberNode:
		return add(m.steps(n.Node, elem), m.steps(n.Property, elem))
	case *ast.SliceNode:
		return add(m.steps(n.Node, elem), add(m.steps(n.From, elem), m.steps(n.To, elem)))
	case *ast.CallNode:
		for _, a := range n.Arguments {
			total = add(total, m.steps(a, elem))
		}
	case *ast.PredicateNode:
		return m.steps(n.Node, elem)
	case *ast.ConditionalNode:
		return add(m.steps(n.Cond, elem), max(m.steps(n.Exp1, elem), m.steps(n.Exp2, elem)))
	case *ast.VariableDeclaratorNode:
		return add(m.steps(n.Value, elem), m.steps(n.Expr, elem))
	case *ast.SequenceNode:
		for _, x := range n.Nodes {
			total = add(total, m.steps(x, elem))
		}
	case *ast.ArrayNode:
		for _, x := range n.Nodes {
			total = add(total, m.steps(x, elem))
		}
	case *ast.MapNode:
		for _, x := range n.Pairs {
			total = add(total, m.steps(x, elem))
		}
	case *ast.PairNode:
		return add(m.steps(n.Key, elem), m.steps(n.Value, elem))
	}
	return total
}

// extSteps counts an evaluation's predicate steps against its budget.
type extSteps struct{ n, limit int }

// tickName and stepsName are the function and the variable the compiler
// adds to every predicate body (see tickPatcher); users cannot name them.
const (
	tickName  = "__tick"
	stepsName = "__steps"
)

// tickPatcher wraps every predicate body p as __tick(__steps, p), which
// counts a step and returns p.
type tickPatcher struct{}

func (tickPatcher) Visit(n *ast.Node) {
	p, ok := (*n).(*ast.PredicateNode)
	if !ok {
		return
	}
	if call, ok := p.Node.(*ast.CallNode); ok {
		if id, ok := call.Callee.(*ast.IdentifierNode); ok && id.Value == tickName {
			return // already wrapped
		}
	}
	p.Node = &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: tickName},
		Arguments: []ast.Node{&ast.IdentifierNode{Value: stepsName}, p.Node},
	}
}

// extTick is __tick: it counts a step and returns its second argument.
func extTick(args ...any) (any, error) {
	s, ok := args[0].(*extSteps)
	if !ok {
		return nil, fmt.Errorf("%s is reserved", stepsName)
	}
	if s.n++; s.n > s.limit {
		return nil, fmt.Errorf("the evaluation took more than %d steps (predicate evaluations); the limit is MaxExpressionSteps", s.limit)
	}
	return args[1], nil
}
