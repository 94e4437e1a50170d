package ruleset

import (
	"github.com/expr-lang/expr/vm"
	"github.com/matchforge/matchforge/ticket"
)

// Candidate is a candidate match: tickets placed on teams. Team indexes
// refer to RuleSet.Teams.
type Candidate struct {
	Tickets []*ticket.Resolved
	// Teams[i] is the team of every player of Tickets[i].
	Teams []int
	// PlayerTeams, when non-nil and PlayerTeams[i] is non-nil, gives the team
	// of each player of Tickets[i] instead (a backfill ticket's players keep
	// the teams they are on).
	PlayerTeams [][]int
}

// Reset empties the candidate, keeping its storage.
func (c *Candidate) Reset() {
	c.Tickets, c.Teams = c.Tickets[:0], c.Teams[:0]
	if c.PlayerTeams != nil {
		c.PlayerTeams = c.PlayerTeams[:0]
	}
}

// Add appends a ticket on team.
func (c *Candidate) Add(t *ticket.Resolved, team int) {
	c.Tickets = append(c.Tickets, t)
	c.Teams = append(c.Teams, team)
	if c.PlayerTeams != nil {
		c.PlayerTeams = append(c.PlayerTeams, nil)
	}
}

// AddFixed appends a ticket whose players sit on the given teams.
func (c *Candidate) AddFixed(t *ticket.Resolved, teams []int) {
	if c.PlayerTeams == nil {
		c.PlayerTeams = make([][]int, len(c.Tickets), cap(c.Tickets))
	}
	c.Tickets = append(c.Tickets, t)
	c.Teams = append(c.Teams, -1)
	c.PlayerTeams = append(c.PlayerTeams, teams)
}

// Pop removes the last ticket.
func (c *Candidate) Pop() {
	n := len(c.Tickets) - 1
	c.Tickets, c.Teams = c.Tickets[:n], c.Teams[:n]
	if c.PlayerTeams != nil {
		c.PlayerTeams = c.PlayerTeams[:n]
	}
}

// Players returns the number of players in the candidate.
func (c *Candidate) Players() int {
	n := 0
	for _, t := range c.Tickets {
		n += t.Players()
	}
	return n
}

// Mode selects how much of the rule set an evaluation checks.
type Mode uint8

const (
	// Final checks every rule on a complete candidate (D7).
	Final Mode = iota
	// Partial checks a candidate that is still being filled: rules that
	// depend on team sizes (count) and collection bounds that more players
	// could still satisfy are skipped, and a failure means the candidate as
	// it stands should be abandoned.
	Partial
	// Structural checks only batchDistance and latency rules, whose failure
	// on a partial candidate can never be repaired by adding players.
	Structural
)

// Result of one rule in the last evaluation.
const (
	NotEvaluated int8 = 0
	Passed       int8 = 1
	Failed       int8 = -1
)

type member struct {
	r *ticket.Resolved
	p int32
	// solo marks a player placed on a team of its own (a backfill ticket's
	// existing players): rules read its own values, not its ticket's
	// party aggregate (D23).
	solo bool
}

// val is an expression value: leaves nested depth lists deep, stored flat.
// off[k] delimits the lists of level k: entries index the lists of level k+1,
// or the leaves for the innermost level k = depth-1.
type val struct {
	depth int
	leaf  leafKind
	nums  []float64
	strs  []string
	off   [4][]int32
}

func (v *val) reset(depth int, leaf leafKind) {
	v.depth, v.leaf = depth, leaf
	v.nums, v.strs = v.nums[:0], v.strs[:0]
	for k := range v.off {
		v.off[k] = v.off[k][:0]
	}
}

func (v *val) leaves() int {
	if v.leaf == leafNum {
		return len(v.nums)
	}
	return len(v.strs)
}

// Evaluator evaluates a rule set's rules on candidates. It owns reusable
// buffers, so evaluation does not allocate once warm; it is not safe for
// concurrent use (make one per goroutine with RuleSet.NewEvaluator).
type Evaluator struct {
	rs     *RuleSet
	vals   []val
	teams  [][]member
	res    []int8
	loc    int32
	scratF []float64
	setS   []string
	keep   []int32
	ext    []extState
	// extLimit is the step budget of one expression evaluation
	// (MaxExpressionSteps; lowered by tests).
	extLimit int
	err      *EvaluationError
	cur      *Values
	refBuf   val
	locs     *ticket.Locations
	match    Match // the view Go rules read
	goInts   []int // Match.Ints
}

func (e *Evaluator) locName(id int32) string {
	if e.locs == nil || int(id) >= e.locs.Len() {
		return ""
	}
	return e.locs.Name(id)
}

// locScore is a location's latencies over a candidate's players (D11).
type locScore struct {
	loc   int32
	worst int32
	sum   int64
	n     int
}

type extState struct {
	steps extSteps
	vm    vm.VM
	env   map[string]any
	cache map[*ticket.Resolved][]map[string]any
}

// NewEvaluator returns an evaluator for rs. locs is the table the tickets'
// latency locations were interned in; it names locations when two are
// equally good for a match (D11) and may be nil.
func (rs *RuleSet) NewEvaluator(locs *ticket.Locations) *Evaluator {
	e := &Evaluator{
		rs:    rs,
		locs:  locs,
		vals:  make([]val, len(rs.nodes)),
		teams: make([][]member, len(rs.teams)),
		res:   make([]int8, len(rs.rules)),
		ext:   make([]extState, len(rs.rules)),
		loc:   -1,
	}
	e.match.e = e
	for i, r := range rs.rules {
		if r.ext != nil {
			e.ext[i] = extState{vm: vm.VM{MemoryBudget: extBudget}, env: extEnv(r.ext.params), cache: map[*ticket.Resolved][]map[string]any{}}
			e.ext[i].env[stepsName] = &e.ext[i].steps
			e.extLimit = MaxExpressionSteps
		}
	}
	return e
}

// RuleSet returns the rule set the evaluator evaluates.
func (e *Evaluator) RuleSet() *RuleSet { return e.rs }

// Evaluate checks the candidate with the effective values v in the given
// mode and reports whether every checked rule passed. It stops at the first
// failing rule; Result tells which rules were evaluated and how they fared.
func (e *Evaluator) Evaluate(c *Candidate, v *Values, mode Mode) bool {
	e.bucket(c)
	clear(e.res)
	e.loc, e.err, e.cur = -1, nil, v
	rs := e.rs
	for _, ri := range rs.top {
		r := &rs.rules[ri]
		if mode == Structural && r.typ != TypeBatchDistance && r.typ != TypeLatency {
			continue
		}
		ok, evaluated := e.rule(ri, r, &v.rules[ri], mode)
		if !evaluated {
			continue
		}
		if e.err != nil && e.err.Rule < 0 {
			e.err.Rule = ri // the failure was in this rule or one of its parts
		}
		if !ok {
			e.res[ri] = Failed
			return false
		}
		e.res[ri] = Passed
	}
	if len(rs.latency) > 1 || (mode == Final && len(rs.latency) == 0) {
		e.chooseLocation(v, len(rs.latency) > 0)
		// An empty candidate has no player to fail a latency rule (D8), as
		// with a single latency rule.
		if _, some := e.firstMember(); len(rs.latency) > 0 && e.loc < 0 && some {
			e.res[rs.latency[len(rs.latency)-1]] = Failed
			return false
		}
	}
	return true
}

// Result returns how rule r fared in the last evaluation.
func (e *Evaluator) Result(r int) int8 { return e.res[r] }

// Results returns every rule's result in the last evaluation, indexed like
// RuleSet.Rules. The slice is reused by the next evaluation.
func (e *Evaluator) Results() []int8 { return e.res }

// Location returns the location chosen for the last candidate evaluated in
// Final mode (D11), as a Locations id, or -1 when there is none.
func (e *Evaluator) Location() int32 { return e.loc }

// Err returns the run-time error of an expression rule, or the panic of a
// Go rule, in the last evaluation, if any (the rule counted as failed). It
// is an *EvaluationError, which wraps ErrEvaluation.
func (e *Evaluator) Err() error {
	if e.err == nil {
		return nil
	}
	return e.err
}

func (e *Evaluator) bucket(c *Candidate) {
	for t := range e.teams {
		e.teams[t] = e.teams[t][:0]
	}
	for i, t := range c.Tickets {
		if c.PlayerTeams != nil && c.PlayerTeams[i] != nil {
			for p, team := range c.PlayerTeams[i] {
				e.teams[team] = append(e.teams[team], member{t, int32(p), true})
			}
			continue
		}
		team := c.Teams[i]
		for p := range t.Players() {
			e.teams[team] = append(e.teams[team], member{r: t, p: int32(p)})
		}
	}
}

// rule evaluates one rule. evaluated is false when the mode skips it.
func (e *Evaluator) rule(ri int, r *rule, rv *ruleVals, mode Mode) (ok, evaluated bool) {
	if mode != Final && r.usesCount && r.typ != TypeCompound {
		return true, false
	}
	if r.gorule != nil {
		if mode == Structural {
			return true, false
		}
		return e.goRule(ri, r, mode), true
	}
	switch r.typ {
	case TypeComparison:
		return e.comparison(r, rv), true
	case TypeDistance:
		return e.distance(r, rv), true
	case TypeCollection:
		return e.collection(r, rv, mode), true
	case TypeBatchDistance:
		return e.batchDistance(r, rv), true
	case TypeLatency:
		return e.latency(r, rv, mode), true
	case TypeCompound:
		if mode == Final {
			return e.compound(r.stmt, mode) == triTrue, true
		}
		return e.compound(r.stmt, mode) != triFalse, true
	case TypeExpression:
		if mode != Final && !r.ext.partial {
			return true, false
		}
		return e.expression(ri, r, rv), true
	}
	return true, false
}

type tri uint8

const (
	triUnknown tri = iota
	triTrue
	triFalse
)

// compound evaluates a statement. In Final mode the result is true or
// false. On a partial candidate a referenced rule's failure is only known
// to last when it fails, so the result is false or unknown (D3).
func (e *Evaluator) compound(n *cnode, mode Mode) tri {
	switch n.op {
	case cRule:
		r := &e.rs.rules[n.rule]
		ok, evaluated := e.rule(n.rule, r, &e.cur.rules[n.rule], mode)
		if !evaluated {
			return triUnknown
		}
		if ok {
			e.res[n.rule] = Passed
		} else {
			e.res[n.rule] = Failed
		}
		switch {
		case mode == Final && ok:
			return triTrue
		case !ok:
			return triFalse
		}
		return triUnknown
	case cNot:
		a := e.compound(n.args[0], mode)
		if mode == Final {
			if a == triTrue {
				return triFalse
			}
			return triTrue
		}
		return triUnknown
	case cAnd:
		out := triTrue
		for _, a := range n.args {
			switch e.compound(a, mode) {
			case triFalse:
				return triFalse
			case triUnknown:
				out = triUnknown
			}
		}
		return out
	case cOr:
		out := triFalse
		for _, a := range n.args {
			switch e.compound(a, mode) {
			case triTrue:
				return triTrue
			case triUnknown:
				out = triUnknown
			}
		}
		return out
	case cXor:
		trues, unknown := 0, false
		for _, a := range n.args {
			switch e.compound(a, mode) {
			case triTrue:
				trues++
			case triUnknown:
				unknown = true
			}
		}
		if mode != Final || unknown {
			return triUnknown
		}
		if trues == 1 {
			return triTrue
		}
		return triFalse
	}
	return triUnknown
}
