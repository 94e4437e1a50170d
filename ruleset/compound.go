package ruleset

import (
	"fmt"
	"slices"
	"strings"
)

type cop uint8

const (
	cRule cop = iota
	cAnd
	cOr
	cXor
	cNot
)

// cnode is a node of a compound statement: a reference to a rule or a
// logical function of other nodes (D3).
type cnode struct {
	op   cop
	rule int
	args []*cnode
}

type stmtParser struct {
	src  string
	pos  int
	c    *compiler
	self int
	refs []int
}

func (p *stmtParser) fail(format string, args ...any) {
	panic(exprError{fmt.Sprintf("at character %d: %s", p.pos+1, fmt.Sprintf(format, args...))})
}

func (c *compiler) compound(n *node, path string, r *rule) {
	src, ok := c.requiredStr(n, path, "statement", "write a statement such as and(RuleA, RuleB)")
	if !ok {
		return
	}
	p := &stmtParser{src: src, c: c, self: len(c.rs.rules)}
	func() {
		defer func() {
			if e := recover(); e != nil {
				ee, ok := e.(exprError)
				if !ok {
					panic(e)
				}
				c.errorf(path+".statement", "%q: %s", src, ee.msg)
				r.stmt = nil
			}
		}()
		r.stmt = p.node(0)
		p.space()
		if p.pos < len(p.src) {
			p.fail("unexpected %q after the end of the statement", p.src[p.pos:])
		}
		if r.stmt.op == cRule {
			p.pos = 0
			p.fail("a statement must be a call of and, or, xor or not")
		}
	}()
	if r.stmt == nil {
		return
	}
	for _, ri := range p.refs {
		if !slices.Contains(r.refs, ri) {
			r.refs = append(r.refs, ri)
		}
		c.rs.rules[ri].inCompound = true
		if c.rs.rules[ri].usesCount {
			r.usesCount = true
		}
	}
}

func (p *stmtParser) space() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *stmtParser) node(depth int) *cnode {
	if depth > 32 {
		p.fail("the statement nests more than 32 calls")
	}
	p.space()
	start := p.pos
	for p.pos < len(p.src) && strings.IndexByte("(),", p.src[p.pos]) < 0 {
		p.pos++
	}
	word := strings.TrimSpace(p.src[start:p.pos])
	if word == "" {
		p.pos = start
		p.fail("a rule name or a function is missing")
	}
	if p.pos < len(p.src) && p.src[p.pos] == '(' {
		ops := map[string]cop{"and": cAnd, "or": cOr, "xor": cXor, "not": cNot}
		op, ok := ops[strings.ToLower(word)]
		if !ok {
			p.pos = start
			p.fail("unknown function %q; the functions are and, or, xor and not", word)
		}
		p.pos++
		nd := &cnode{op: op}
		for {
			nd.args = append(nd.args, p.node(depth+1))
			p.space()
			if p.pos >= len(p.src) {
				p.fail("expected ')' to close %s(", word)
			}
			if p.src[p.pos] == ')' {
				p.pos++
				break
			}
			if p.src[p.pos] != ',' {
				p.fail("expected ',' or ')'")
			}
			p.pos++
		}
		switch {
		case op == cNot && len(nd.args) != 1:
			p.pos = start
			p.fail("not takes exactly one argument, but has %d", len(nd.args))
		case op != cNot && len(nd.args) < 2:
			p.pos = start
			p.fail("%s takes two or more arguments, but has %d", word, len(nd.args))
		}
		return nd
	}
	ri, ok := p.c.ruleIdx[word]
	if !ok {
		p.pos = start
		p.fail("rule %q is not defined before this compound rule; a compound can only use rules listed above it", word)
	}
	target := &p.c.rs.rules[ri]
	switch target.typ {
	case TypeBatchDistance:
		p.pos = start
		p.fail("rule %q is a batchDistance rule, which compound rules cannot use", word)
	case TypeAbsoluteSort, TypeDistanceSort:
		p.pos = start
		p.fail("rule %q is a sort rule; it orders candidates and never passes or fails, so compound rules cannot use it", word)
	case TypeLatency:
		p.pos = start
		p.fail("rule %q is a latency rule, which chooses the match's location and must hold on its own; compound rules cannot use it", word)
	}
	p.refs = append(p.refs, ri)
	return &cnode{op: cRule, rule: ri}
}
