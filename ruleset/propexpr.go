package ruleset

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/matchforge/matchforge/ticket"
)

// The property-expression language of SPEC.md section 4:
//
//	expr     := call | path | number | quoted string
//	call     := fname "(" expr ")"
//	path     := ("teams"|"team") "[" tsel "]" [ ".players" [ ".attributes[" name "]" | "[playerId]" ] ]
//	tsel     := "*" | name { "," name }
//
// An expression is parsed once, type-checked against the rule set's teams and
// attributes, and compiled into a small program of nodes. The evaluator runs
// a program over buffers it owns and reuses, so evaluation does not allocate.

// leafKind is the type of the innermost elements of a value.
type leafKind uint8

const (
	leafNum leafKind = iota + 1
	leafStr
	leafPlayer // a player (carried as its id)
	leafTeam   // a team (carried as its name)
)

func (k leafKind) String() string {
	switch k {
	case leafNum:
		return "number"
	case leafStr:
		return "string"
	case leafPlayer:
		return "player"
	case leafTeam:
		return "team"
	}
	return "value"
}

// vtype is the static type of an expression: a value nested depth lists deep
// whose innermost elements are of kind leaf. depth 0 is a single value.
type vtype struct {
	depth int
	leaf  leafKind
}

func (t vtype) String() string {
	s := t.leaf.String()
	if t.depth == 0 {
		if t.leaf == leafNum || t.leaf == leafStr {
			return "a " + s
		}
		return "one " + s
	}
	s += "s"
	for i := 1; i < t.depth; i++ {
		s = "lists of " + s
	}
	return "a list of " + s
}

type opcode uint8

const (
	opNum opcode = iota + 1
	opStr
	opPath
	opAgg
	opFlatten
	opSetIntersection
)

type aggFn uint8

const (
	fnMin aggFn = iota + 1
	fnMax
	fnAvg
	fnMedian
	fnSum
	fnCount
	fnStddev
)

var functions = map[string]aggFn{
	"min": fnMin, "max": fnMax, "avg": fnAvg, "median": fnMedian, "sum": fnSum,
	"count": fnCount, "stddev": fnStddev,
}

// pathField says what a path selects from its teams.
type pathField uint8

const (
	fieldTeams pathField = iota + 1
	fieldPlayers
	fieldAttribute
	fieldPlayerID
)

// partyAgg is a rule's partyAggregation (D9).
type partyAgg uint8

const (
	aggAvg partyAgg = iota // the default for numbers
	aggMin
	aggMax
	aggUnion // the default for lists
	aggIntersection
)

// growth says how a value changes as players join a candidate match; it
// decides which bounds may be checked on a partial match.
type growth uint8

const (
	growUnknown growth = iota
	growConst          // does not depend on the players
	growGrows          // gains elements as players join
	growShrinks        // loses elements as players join
)

// pnode is one node of a compiled expression program.
type pnode struct {
	op    opcode
	fn    aggFn
	arg   int // index of the argument node
	num   float64
	str   string // a string literal; for a path, its team selector as written
	teams []int  // path: selected team indexes
	multi bool   // path: grouped by team
	field pathField
	kind  ticket.Kind // path attribute kind
	slot  int         // path attribute slot
	agg   partyAgg
	typ   vtype
	grow  growth
	count bool // the subtree uses count()
}

// exprParser parses one property expression.
type exprParser struct {
	src     string
	pos     int
	rs      *compiler
	numAgg  partyAgg
	listAgg partyAgg
	nodes   *[]pnode
}

type exprError struct {
	msg string
}

func (p *exprParser) fail(format string, args ...any) {
	panic(exprError{fmt.Sprintf("at character %d: %s", p.pos+1, fmt.Sprintf(format, args...))})
}

// compileExpr parses and type-checks src and appends its program to nodes.
// It returns the index of the root node.
func (c *compiler) compileExpr(src string, numAgg, listAgg partyAgg, nodes *[]pnode) (root int, err error) {
	p := &exprParser{src: src, rs: c, numAgg: numAgg, listAgg: listAgg, nodes: nodes}
	mark := len(*nodes)
	defer func() {
		if e := recover(); e != nil {
			ee, ok := e.(exprError)
			if !ok {
				panic(e)
			}
			*nodes = (*nodes)[:mark]
			root, err = -1, fmt.Errorf("%s", ee.msg)
		}
	}()
	p.space()
	root = p.expr(0)
	p.space()
	if p.pos < len(p.src) {
		p.fail("unexpected %q after the end of the expression", p.src[p.pos:])
	}
	return root, nil
}

func (p *exprParser) space() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

func (p *exprParser) add(n pnode) int {
	*p.nodes = append(*p.nodes, n)
	return len(*p.nodes) - 1
}

func (p *exprParser) node(i int) *pnode { return &(*p.nodes)[i] }

func (p *exprParser) expr(depth int) int {
	if depth > 32 {
		p.fail("the expression nests more than 32 calls")
	}
	p.space()
	if p.pos >= len(p.src) {
		p.fail("an expression is missing")
	}
	c := p.src[p.pos]
	switch {
	case c == '"' || c == '\'':
		return p.quoted(c)
	case c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	}
	start := p.pos
	for p.pos < len(p.src) && isIdent(p.src[p.pos]) {
		p.pos++
	}
	word := p.src[start:p.pos]
	if word == "" {
		p.fail("unexpected %q; expected a function call, teams[...] or a number", string(c))
	}
	if word == "teams" || word == "team" {
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] == '[' {
			return p.path()
		}
		p.fail("%s must be followed by [team names] or [*]", word)
	}
	p.space()
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		p.pos = start
		p.fail("unknown name %q; expected a function call, teams[...] or a number", word)
	}
	fn := strings.ToLower(word)
	p.pos++ // (
	arg := p.expr(depth + 1)
	p.space()
	if p.pos >= len(p.src) || p.src[p.pos] != ')' {
		p.fail("expected ')' to close %s(", word)
	}
	p.pos++
	return p.call(fn, word, start, arg)
}

func isIdent(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func (p *exprParser) call(fn, word string, at, arg int) int {
	a := *p.node(arg)
	save := p.pos
	p.pos = at
	defer func() { p.pos = save }()
	switch fn {
	case "flatten":
		if a.typ.depth < 2 {
			p.fail("flatten needs a list of lists, but its argument is %s", a.typ)
		}
		return p.add(pnode{op: opFlatten, arg: arg, typ: vtype{a.typ.depth - 1, a.typ.leaf}, grow: a.grow, count: a.count})
	case "set_intersection":
		if a.typ.depth < 2 || a.typ.leaf != leafStr {
			p.fail("set_intersection needs a list of string lists, but its argument is %s", a.typ)
		}
		g := growUnknown
		switch a.grow {
		case growConst:
			g = growConst
		case growGrows, growShrinks:
			g = growShrinks
		}
		return p.add(pnode{op: opSetIntersection, arg: arg, typ: vtype{a.typ.depth - 1, leafStr}, grow: g, count: a.count})
	}
	f, ok := functions[fn]
	if !ok {
		p.fail("unknown function %q; the functions are min, max, avg, median, sum, count, stddev, flatten and set_intersection", word)
	}
	if a.typ.depth < 1 {
		p.fail("%s needs a list, but its argument is %s", fn, a.typ)
	}
	if f != fnCount && a.typ.leaf != leafNum {
		p.fail("%s needs numbers, but its argument is %s", fn, a.typ)
	}
	return p.add(pnode{op: opAgg, fn: f, arg: arg, typ: vtype{a.typ.depth - 1, leafNum}, grow: growUnknown, count: a.count || f == fnCount})
}

func (p *exprParser) quoted(q byte) int {
	p.pos++
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] != q {
		p.pos++
	}
	if p.pos >= len(p.src) {
		p.fail("a quoted string is never closed")
	}
	s := p.src[start:p.pos]
	p.pos++
	return p.add(pnode{op: opStr, str: s, typ: vtype{0, leafStr}, grow: growConst})
}

func (p *exprParser) number() int {
	start := p.pos
	for p.pos < len(p.src) && strings.IndexByte("+-.0123456789eE", p.src[p.pos]) >= 0 {
		p.pos++
	}
	text := p.src[start:p.pos]
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		p.pos = start
		p.fail("%q is not a number", text)
	}
	return p.add(pnode{op: opNum, num: f, typ: vtype{0, leafNum}, grow: growConst})
}

// bracket reads the text up to the next ']' and moves past it.
func (p *exprParser) bracket() string {
	p.pos++ // [
	end := strings.IndexByte(p.src[p.pos:], ']')
	if end < 0 {
		p.fail("'[' is never closed")
	}
	s := p.src[p.pos : p.pos+end]
	p.pos += end + 1
	return s
}

func (p *exprParser) path() int {
	at := p.pos
	sel := p.bracket()
	teams, multi, err := p.rs.selectTeams(sel)
	if err != "" {
		p.pos = at + 1
		p.fail("%s", err)
	}
	// str keeps the selector as written, for Rule.Teams.
	n := pnode{op: opPath, str: sel, teams: teams, multi: multi, field: fieldTeams, grow: growGrows}
	depth := 0
	if multi {
		depth = 1
	}
	n.typ = vtype{depth, leafTeam}
	if strings.HasPrefix(p.src[p.pos:], ".players") {
		p.pos += len(".players")
		n.field = fieldPlayers
		n.typ = vtype{depth + 1, leafPlayer}
		switch {
		case strings.HasPrefix(p.src[p.pos:], ".attributes["):
			p.pos += len(".attributes")
			at := p.pos + 1
			name := strings.TrimSpace(p.bracket())
			i, ok := p.rs.schema.Lookup(name)
			if !ok {
				p.pos = at
				p.fail("attribute %q is not declared in playerAttributes", name)
			}
			kind, slot := p.rs.schema.Slot(i)
			n.field, n.kind, n.slot = fieldAttribute, kind, slot
			n.agg = p.numAgg
			if kind == ticket.KindList {
				n.agg = p.listAgg
			}
			switch kind {
			case ticket.KindNumber:
				n.typ = vtype{depth + 1, leafNum}
			case ticket.KindString:
				n.typ = vtype{depth + 1, leafStr}
			case ticket.KindList:
				n.typ = vtype{depth + 2, leafStr}
			default:
				p.pos = at
				p.fail("attribute %q is a string_number_map, which only sort rules can read (with mapKey)", name)
			}
		case strings.HasPrefix(p.src[p.pos:], "["):
			at := p.pos + 1
			key := strings.TrimSpace(p.bracket())
			if !strings.EqualFold(key, "playerId") {
				p.pos = at
				p.fail("players[%s] is not known; write players[playerId] or players.attributes[name]", key)
			}
			n.field = fieldPlayerID
			n.typ = vtype{depth + 1, leafStr}
		}
	}
	return p.add(n)
}
