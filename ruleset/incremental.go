package ruleset

import (
	"errors"
	"math"
	"slices"

	"github.com/matchforge/matchforge/ticket"
)

// Incremental evaluates a candidate match that grows and shrinks one ticket
// at a time, as the engine's matcher builds it: Add (or AddFixed) pushes a
// ticket, Evaluate checks the candidate in Partial or Structural mode, and
// Pop takes the last ticket off again. Where an Evaluator re-buckets every
// player and re-runs every rule over the whole candidate, costing
// O(rules × players) per evaluation, Incremental keeps running aggregates
// per rule, so that pushing a ticket and evaluating costs O(rules) (times the
// ticket's players and latency locations), and Pop restores the previous
// aggregates from a stack instead of recomputing them.
//
// Evaluate gives exactly what Evaluator.Evaluate gives on the same candidate,
// values and mode, and Results exactly what Evaluator.Results gives: the
// same rules Passed, Failed or NotEvaluated, stopping at the same first
// failure in the same rule order. Floating-point aggregates are computed in
// the order the Evaluator computes them, so they are bit-identical.
//
// Supported reports whether the rule set is made only of shapes that can be
// evaluated this way; it is decided once, by NewIncremental. The shapes are:
//
//   - batchDistance rules, on numbers (the running lowest and highest party
//     value, D9) and on strings (whether every player's value is the first
//     one's);
//   - latency rules, with maxLatency and with maxDistance from a min, avg or
//     number distanceReference (D11): per location that every player reports,
//     the lowest, highest and summed party latency;
//   - distance and comparison rules whose measurements and referenceValue
//     are a number, a number referenceValue, or aggregates (min, max, sum,
//     avg) of a number attribute over teams[name], over each team of
//     teams[*] or teams[a,b], over flatten(teams[...]), and aggregates
//     (min, max, sum, avg, median, stddev) of the per-team aggregates; or the
//     players' values themselves (teams[...].players.attributes[x] and its
//     flatten), which comparisons other than != read through their lowest
//     and highest value and distance rules (maxDistance only) through their
//     extremes; and string comparisons of the players' values, = with no
//     referenceValue or a literal one, != with a literal one;
//   - collection rules with contains (a literal reference) or intersection
//     over the players' string lists (teams[...].players.attributes[x] and
//     its flatten), with minCount and maxCount deferred as in Partial mode;
//   - any rule that Partial and Structural mode skip: rules that use count,
//     and sort rules, which never pass or fail.
//
// Anything else (expression rules, Go rules, compound rules, median and
// stddev over players, !=-comparisons or minDistance over the players'
// values, reference_intersection_count, set_intersection, player ids)
// makes Supported false. Then, and in Final mode always, Evaluate hands the
// mirrored candidate to a full Evaluator, so its answers stay right but cost
// O(rules × players); the full Evaluator stays the final check (D7).
//
// A few aggregates cost more than O(1), for bit-identity. The sum (and so
// the avg) of flatten(teams[...]) over several teams is added team by team,
// as the Evaluator adds it, so a push re-adds the values of the teams after
// its own in the selection, one addition per such player, unless every
// value so far is a whole number, when sums are exact in any order. The avg
// distanceReference of a latency rule is re-summed over the players at each
// evaluation once some party's average latency is not a whole number. And
// an intersection collection copies its current set on each push.
//
// Once warm, Add, AddFixed, Pop and Evaluate do not allocate; a delegated
// evaluation allocates only where the Evaluator does (expression rules).
// An Incremental is not safe for concurrent use; make one per goroutine.
type Incremental struct {
	rs        *RuleSet
	full      *Evaluator // Final mode, unsupported rule sets, shared helpers
	cand      Candidate  // the mirrored candidate
	supported bool
	delegated bool // the last evaluation went to full
	res       []int8
	plans     []iplan // by rule index; only rules of rs.top are planned

	nums   []numCombo
	strs   []strCombo
	eqs    []strEq
	lists  []listCombo
	inters []interCombo
	chains []chain
	lat    latLayout

	teams [][]member // the candidate's players by team, as Evaluator.bucket
	// st is the aggregate state; stack holds the state before each pushed
	// ticket, len(st) values each.
	st, stack []float64
	init      []float64 // the empty state of the fixed part
	arena     []string  // intersection sets
	a, b      ival
	inner     []float64
	one       [1]int
}

// Fixed state slots; per-team member counts follow at stTeams.
const (
	stMembers = iota // players in the candidate
	stArena          // len(arena) in use
	stTeams
)

// iplanKind says how Incremental checks one rule.
type iplanKind uint8

const (
	ipSkip iplanKind = iota // not checked in Partial or Structural mode
	ipBatchNum
	ipBatchStr
	ipLatency
	ipCompare
	ipCompareStr
	ipDistance
	ipContains
	ipIntersection
)

// iplan is how one rule is checked.
type iplan struct {
	kind    iplanKind
	combo   int     // batch rules: the number or string combo
	variant int     // latency rules: the latency variant
	meas    []iexpr // compare and distance
	ref     iexpr   // kind ixNone when absent
	lit     string  // string compare: the literal reference
	combos  []int   // string compare: strCombo; collections: listCombo or interCombo, per measurement
	eqs     []int   // string compare with !=: the strEq of each measurement
	depths  []int   // contains: each measurement's depth
}

// ixKind is the shape of a recognised number expression.
type ixKind uint8

const (
	ixNone     ixKind = iota
	ixConst           // a number literal
	ixRefNum          // the rule's number referenceValue, as expanded
	ixTeamAgg         // fn over one team's players: one number, or none (D8)
	ixTeamList        // fn over each selected team's players
	ixFlatAgg         // fn over the selected teams' players together
	ixListAgg         // fn2 over an ixTeamList
	ixPlayers         // the selected teams' players' values (many leaves)
)

// iexpr is a recognised number expression.
type iexpr struct {
	kind    ixKind
	fn, fn2 aggFn
	num     float64
	combo   int
	sel     []int // selected teams, in selection order
	chain   int   // ixFlatAgg sum and avg
}

// big reports whether the expression has a leaf per player.
func (e *iexpr) big() bool { return e.kind == ixPlayers }

// numCombo is a number attribute read with one party aggregation (D9).
type numCombo struct {
	slot   int
	agg    partyAgg
	off    int         // per team: n, sum, lo, hi; then every team: n, lo, hi
	vals   [][]float64 // per team: each player's value, in bucket order
	chains []int
}

// chain is the sum of a number combo over a team selection taken as one
// list: team by team in selection order, players in bucket order, as
// sumOf(flatten(...)) adds them.
type chain struct {
	combo int
	sel   []int
	pos   []int // by team: position in sel, or -1
	off   int   // exact flag, then the running sum after each position
}

// strCombo is a string attribute, each player's own value.
type strCombo struct {
	slot int
	off  int      // per team: n, same; then every team: n, same
	reps []string // per team: the first player's value
	rep  string   // every team: the first player's value
	eqs  []int
}

// strEq counts, per team, the players whose string equals lit.
type strEq struct {
	lit string
	off int
}

// listCombo counts, per team, players, their list items and the lists that
// hold want, for a list attribute read with one party aggregation.
type listCombo struct {
	slot int
	agg  partyAgg
	want string
	off  int // per team: n, leaves, holding want
}

// interCombo is the intersection of the lists of every player of a team
// selection.
type interCombo struct {
	slot int
	agg  partyAgg
	in   []bool // by team
	off  int    // n, start in arena, length
}

// latLayout places per-location latency aggregates: one slot per location
// the candidate's first ticket reports (no other can be common to every
// player), each holding alive and, per variant, lo, hi, sum, exact.
type latLayout struct {
	variants []partyAgg // the partyAggregations latency rules use
	locs     []int32    // slot locations this session
	off      int        // where the slots start in st
	stride   int
}

// ival is an evaluated number expression: a few leaves, or many leaves
// summarised by their count and extremes.
type ival struct {
	big    bool
	nums   []float64
	n      int
	lo, hi float64
}

func (v *ival) leaves() int {
	if v.big {
		return v.n
	}
	return len(v.nums)
}

// extremes returns the lowest and highest leaf (NaN when one is NaN).
func (v *ival) extremes() (lo, hi float64) {
	if v.big {
		return v.lo, v.hi
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v.nums {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// Panic values of Incremental: they report mistakes in the calling
// program, not in a rule set or a ticket.
var (
	// ErrIncrementalFixedTeams: AddFixed was given a number of teams other
	// than the ticket's number of players.
	ErrIncrementalFixedTeams = errors.New("ruleset: AddFixed needs one team per player of the ticket")
	// ErrIncrementalEmpty: Pop was called on an empty candidate.
	ErrIncrementalEmpty = errors.New("ruleset: Pop on an empty candidate")
)

// NewIncremental returns an incremental evaluator for rs with an empty
// candidate. locs is the table the tickets' latency locations were interned
// in, as for NewEvaluator; it may be nil.
func (rs *RuleSet) NewIncremental(locs *ticket.Locations) *Incremental {
	x := &Incremental{
		rs:    rs,
		full:  rs.NewEvaluator(locs),
		res:   make([]int8, len(rs.rules)),
		plans: make([]iplan, len(rs.rules)),
		teams: make([][]member, len(rs.teams)),
		init:  make([]float64, stTeams+len(rs.teams)),
	}
	x.supported = true
	for _, ri := range rs.top {
		p, ok := x.plan(ri)
		if !ok {
			x.supported = false
			break
		}
		x.plans[ri] = p
	}
	if !x.supported {
		x.nums, x.strs, x.eqs, x.lists, x.inters, x.chains = nil, nil, nil, nil, nil, nil
		x.lat = latLayout{}
		x.init = x.init[:stTeams+len(rs.teams)]
	}
	x.lat.stride = 1 + 4*len(x.lat.variants)
	x.Reset()
	return x
}

// alloc reserves n state values, initialised from vals (cycled), and
// returns the first one's index.
func (x *Incremental) alloc(n int, vals ...float64) int {
	off := len(x.init)
	for i := range n {
		x.init = append(x.init, vals[i%len(vals)])
	}
	return off
}

var (
	inf    = math.Inf(1)
	negInf = math.Inf(-1)
)

func (x *Incremental) numCombo(slot int, agg partyAgg) int {
	for i, c := range x.nums {
		if c.slot == slot && c.agg == agg {
			return i
		}
	}
	nt := len(x.rs.teams)
	c := numCombo{slot: slot, agg: agg, vals: make([][]float64, nt)}
	c.off = x.alloc(4*nt, 0, 0, inf, negInf)
	x.alloc(3, 0, inf, negInf)
	x.nums = append(x.nums, c)
	return len(x.nums) - 1
}

func (x *Incremental) chainOf(combo int, sel []int) int {
	for _, i := range x.nums[combo].chains {
		if slices.Equal(x.chains[i].sel, sel) {
			return i
		}
	}
	ch := chain{combo: combo, sel: sel, pos: make([]int, len(x.rs.teams))}
	for t := range ch.pos {
		ch.pos[t] = slices.Index(sel, t)
	}
	ch.off = x.alloc(1, 1)
	x.alloc(len(sel), 0)
	x.chains = append(x.chains, ch)
	x.nums[combo].chains = append(x.nums[combo].chains, len(x.chains)-1)
	return len(x.chains) - 1
}

func (x *Incremental) strCombo(slot int) int {
	for i, c := range x.strs {
		if c.slot == slot {
			return i
		}
	}
	nt := len(x.rs.teams)
	c := strCombo{slot: slot, reps: make([]string, nt)}
	c.off = x.alloc(2*nt+2, 0, 1)
	x.strs = append(x.strs, c)
	return len(x.strs) - 1
}

func (x *Incremental) strEq(combo int, lit string) int {
	for _, i := range x.strs[combo].eqs {
		if x.eqs[i].lit == lit {
			return i
		}
	}
	x.eqs = append(x.eqs, strEq{lit: lit, off: x.alloc(len(x.rs.teams), 0)})
	x.strs[combo].eqs = append(x.strs[combo].eqs, len(x.eqs)-1)
	return len(x.eqs) - 1
}

func (x *Incremental) listCombo(slot int, agg partyAgg, want string) int {
	for i, c := range x.lists {
		if c.slot == slot && c.agg == agg && c.want == want {
			return i
		}
	}
	x.lists = append(x.lists, listCombo{slot: slot, agg: agg, want: want, off: x.alloc(3*len(x.rs.teams), 0)})
	return len(x.lists) - 1
}

func (x *Incremental) interCombo(slot int, agg partyAgg, sel []int) int {
	in := make([]bool, len(x.rs.teams))
	for _, t := range sel {
		in[t] = true
	}
	for i, c := range x.inters {
		if c.slot == slot && c.agg == agg && slices.Equal(c.in, in) {
			return i
		}
	}
	x.inters = append(x.inters, interCombo{slot: slot, agg: agg, in: in, off: x.alloc(3, 0)})
	return len(x.inters) - 1
}

func (x *Incremental) latVariant(agg partyAgg) int {
	if i := slices.Index(x.lat.variants, agg); i >= 0 {
		return i
	}
	x.lat.variants = append(x.lat.variants, agg)
	return len(x.lat.variants) - 1
}

// anyPhase reports whether some phase of the expansion schedule sets bit
// for rule ri.
func (x *Incremental) anyPhase(ri int, bit uint8) bool {
	for i := range x.rs.phases {
		if x.rs.phases[i].rules[ri].has&bit != 0 {
			return true
		}
	}
	return false
}

// plan recognises rule ri's shape; ok is false when it is not supported.
func (x *Incremental) plan(ri int) (p iplan, ok bool) {
	r := &x.rs.rules[ri]
	// The same order of checks as Evaluator.rule.
	if r.usesCount && r.typ != TypeCompound {
		return iplan{kind: ipSkip}, true
	}
	if r.gorule != nil || r.failed {
		return p, false
	}
	switch r.typ {
	case TypeBatchDistance:
		if r.kind == ticket.KindString {
			return iplan{kind: ipBatchStr, combo: x.strCombo(r.slot)}, true
		}
		return iplan{kind: ipBatchNum, combo: x.numCombo(r.slot, r.numAgg)}, true
	case TypeLatency:
		return iplan{kind: ipLatency, variant: x.latVariant(r.numAgg)}, true
	case TypeComparison:
		return x.planComparison(r)
	case TypeDistance:
		return x.planDistance(ri, r)
	case TypeCollection:
		return x.planCollection(r)
	}
	return p, false // compound, expression
}

func (x *Incremental) planComparison(r *rule) (p iplan, ok bool) {
	if len(r.meas) > 0 && x.rs.nodes[r.meas[0]].typ.leaf == leafStr {
		return x.planStringComparison(r)
	}
	p.kind = ipCompare
	big, ok := x.numOperands(&p, r, true)
	if !ok {
		return p, false
	}
	// All different needs more than the extremes of many leaves.
	if big && r.op == cmpNe {
		return p, false
	}
	return p, true
}

// numOperands plans r's number measurements and referenceValue into p;
// a rule without a referenceValue is planned only when noRef allows it.
// big reports whether an operand reads the players' values themselves.
func (x *Incremental) numOperands(p *iplan, r *rule, noRef bool) (big, ok bool) {
	for _, m := range r.meas {
		e, ok := x.numExpr(m)
		if !ok {
			return false, false
		}
		big = big || e.big()
		p.meas = append(p.meas, e)
	}
	switch r.refKind {
	case refNone:
		return big, noRef
	case refNum:
		p.ref = iexpr{kind: ixRefNum}
	case refExpr:
		e, ok := x.numExpr(r.ref)
		if !ok {
			return false, false
		}
		big = big || e.big()
		p.ref = e
	default:
		return false, false
	}
	return big, true
}

func (x *Incremental) planStringComparison(r *rule) (p iplan, ok bool) {
	p.kind = ipCompareStr
	for _, m := range r.meas {
		n, _, ok := x.attrPath(m)
		if !ok || n.kind != ticket.KindString {
			return p, false
		}
		c := x.strCombo(n.slot)
		p.combos = append(p.combos, c)
		p.meas = append(p.meas, iexpr{sel: n.teams})
	}
	switch {
	case r.refKind == refNone && r.op == cmpEq:
	case r.refKind == refStr && (r.op == cmpEq || r.op == cmpNe):
		p.lit = r.refStr
		if r.op == cmpNe {
			for _, c := range p.combos {
				p.eqs = append(p.eqs, x.strEq(c, r.refStr))
			}
		}
	default:
		return p, false
	}
	return p, true
}

func (x *Incremental) planDistance(ri int, r *rule) (p iplan, ok bool) {
	p.kind = ipDistance
	big, ok := x.numOperands(&p, r, false)
	if !ok {
		return p, false
	}
	// The extremes give the largest distance, not the smallest.
	if big && x.anyPhase(ri, hasMinDistance) {
		return p, false
	}
	return p, true
}

func (x *Incremental) planCollection(r *rule) (p iplan, ok bool) {
	switch r.coll {
	case collContains:
		if r.refKind != refStr {
			return p, false
		}
		p.kind = ipContains
	case collIntersection:
		p.kind = ipIntersection
	default:
		return p, false
	}
	for _, m := range r.meas {
		n, _, ok := x.attrPath(m)
		if !ok || n.kind != ticket.KindList {
			return p, false
		}
		depth := x.rs.nodes[m].typ.depth
		if p.kind == ipIntersection {
			if depth < 2 { // one list of every item: its distinct items
				return p, false
			}
			p.combos = append(p.combos, x.interCombo(n.slot, n.agg, n.teams))
		} else {
			p.combos = append(p.combos, x.listCombo(n.slot, n.agg, r.refStr))
		}
		p.depths = append(p.depths, depth)
		p.meas = append(p.meas, iexpr{sel: n.teams})
	}
	return p, true
}

// attrPath follows flatten calls down from node i to a path reading an
// attribute, and returns that path and how many flattens there were.
func (x *Incremental) attrPath(i int) (*pnode, int, bool) {
	flattens := 0
	for {
		n := &x.rs.nodes[i]
		switch n.op {
		case opFlatten:
			flattens++
			i = n.arg
			continue
		case opPath:
			return n, flattens, n.field == fieldAttribute
		}
		return nil, 0, false
	}
}

// numExpr recognises a number expression.
func (x *Incremental) numExpr(i int) (e iexpr, ok bool) {
	n := &x.rs.nodes[i]
	switch n.op {
	case opNum:
		return iexpr{kind: ixConst, num: n.num}, true
	case opPath, opFlatten:
		p, flattens, ok := x.attrPath(i)
		if !ok || p.kind != ticket.KindNumber || flattens > 1 {
			return e, false
		}
		return iexpr{kind: ixPlayers, combo: x.numCombo(p.slot, p.agg), sel: p.teams}, true
	case opAgg:
	default:
		return e, false
	}
	// The aggregates that running counts, sums and extremes give.
	running := n.fn == fnMin || n.fn == fnMax || n.fn == fnSum || n.fn == fnAvg
	a := &x.rs.nodes[n.arg]
	if a.op == opAgg { // an aggregate of per-team aggregates
		inner, ok := x.numExpr(n.arg)
		if !ok || inner.kind != ixTeamList || n.fn == fnCount {
			return e, false
		}
		inner.kind, inner.fn2 = ixListAgg, n.fn
		return inner, true
	}
	p, flattens, ok := x.attrPath(n.arg)
	if !ok || p.kind != ticket.KindNumber || !running {
		return e, false // median and stddev need every player's value
	}
	e = iexpr{fn: n.fn, combo: x.numCombo(p.slot, p.agg), sel: p.teams}
	switch {
	case flattens == 0 && !p.multi:
		e.kind = ixTeamAgg
	case flattens == 0:
		e.kind = ixTeamList
	case flattens == 1:
		e.kind = ixFlatAgg
		if n.fn == fnSum || n.fn == fnAvg {
			e.chain = x.chainOf(e.combo, p.teams)
		}
	default:
		return e, false
	}
	return e, true
}

// Supported reports whether every rule that Partial and Structural mode
// check has a shape Incremental evaluates incrementally. When it is false,
// Evaluate delegates every evaluation to a full Evaluator.
func (x *Incremental) Supported() bool { return x.supported }

// RuleSet returns the rule set the incremental evaluator evaluates.
func (x *Incremental) RuleSet() *RuleSet { return x.rs }

// Len returns the number of tickets in the candidate.
func (x *Incremental) Len() int { return len(x.cand.Tickets) }

// Reset empties the candidate, keeping storage.
func (x *Incremental) Reset() {
	x.cand.Reset()
	x.stack = x.stack[:0]
	x.st = append(x.st[:0], x.init...)
	x.lat.locs = x.lat.locs[:0]
	x.lat.off = len(x.st)
	x.arena = x.arena[:0]
	for t := range x.teams {
		x.teams[t] = x.teams[t][:0]
	}
	for ci := range x.nums {
		for t := range x.nums[ci].vals {
			x.nums[ci].vals[t] = x.nums[ci].vals[t][:0]
		}
	}
}

// Add pushes ticket t with every player on team (a RuleSet.Teams index).
func (x *Incremental) Add(t *ticket.Resolved, team int) {
	x.cand.Add(t, team)
	if !x.supported {
		return
	}
	x.begin(t)
	x.group(t, 0, t.Players(), false, team)
}

// AddFixed pushes a backfill ticket whose players sit on the given teams,
// one team per player; each player is scored on its own values, not its
// ticket's party aggregate (D23). It panics with ErrIncrementalFixedTeams
// when len(teams) is not t.Players().
func (x *Incremental) AddFixed(t *ticket.Resolved, teams []int) {
	if len(teams) != t.Players() {
		panic(ErrIncrementalFixedTeams)
	}
	x.cand.AddFixed(t, teams)
	if !x.supported {
		return
	}
	x.begin(t)
	for p, team := range teams {
		x.group(t, p, 1, true, team)
	}
}

// Pop removes the last ticket pushed, restoring the aggregates as they were
// before it. It panics with ErrIncrementalEmpty when the candidate is empty.
func (x *Incremental) Pop() {
	if len(x.cand.Tickets) == 0 {
		panic(ErrIncrementalEmpty)
	}
	x.cand.Pop()
	if !x.supported {
		return
	}
	top := len(x.stack) - len(x.st)
	copy(x.st, x.stack[top:])
	x.stack = x.stack[:top]
	for t := range x.teams {
		n := int(x.st[stTeams+t])
		x.teams[t] = x.teams[t][:n]
		for ci := range x.nums {
			x.nums[ci].vals[t] = x.nums[ci].vals[t][:n]
		}
	}
	x.arena = x.arena[:int(x.st[stArena])]
}

// begin saves the state before a push. The candidate's first ticket lays
// out the latency slots: only its locations can be common to every player.
func (x *Incremental) begin(t *ticket.Resolved) {
	if len(x.cand.Tickets) == 1 && len(x.lat.variants) > 0 {
		x.st = x.st[:x.lat.off]
		x.lat.locs = x.lat.locs[:0]
		for _, l := range t.PartyLatency() {
			x.lat.locs = append(x.lat.locs, l.Loc)
			x.st = append(x.st, 1)
			for range x.lat.variants {
				x.st = append(x.st, inf, negInf, 0, 1)
			}
		}
	}
	x.stack = append(x.stack, x.st...)
}

// exactInt reports whether v is a whole number small enough that sums of
// up to 2^20 such numbers are exact, whatever their order.
func exactInt(v float64) bool { return v == math.Trunc(v) && math.Abs(v) <= 1<<32 }

// group adds players p0 .. p0+k-1 of t to team: a ticket's players (solo
// false, which read party aggregates, D9) or one backfill player (solo).
func (x *Incremental) group(t *ticket.Resolved, p0, k int, solo bool, team int) {
	st := x.st
	m := member{r: t, p: int32(p0), solo: solo}
	fk := float64(k)
	st[stMembers] += fk
	st[stTeams+team] += fk
	for p := p0; p < p0+k; p++ {
		x.teams[team] = append(x.teams[team], member{r: t, p: int32(p), solo: solo})
	}
	nt := len(x.teams)
	for ci := range x.nums {
		c := &x.nums[ci]
		v := numValue(m, c.slot, c.agg)
		o := c.off + 4*team
		st[o] += fk
		for range k {
			st[o+1] += v
			c.vals[team] = append(c.vals[team], v)
		}
		st[o+2], st[o+3] = min(st[o+2], v), max(st[o+3], v)
		g := c.off + 4*nt
		st[g] += fk
		st[g+1], st[g+2] = min(st[g+1], v), max(st[g+2], v)
		for _, chi := range c.chains {
			x.extend(&x.chains[chi], c, team, v, k)
		}
	}
	for si := range x.strs {
		c := &x.strs[si]
		o, g := c.off+2*team, c.off+2*nt
		for p := p0; p < p0+k; p++ {
			s := t.Str(p, c.slot)
			if st[o] == 0 {
				c.reps[team] = s
			} else if s != c.reps[team] {
				st[o+1] = 0
			}
			if st[g] == 0 {
				c.rep = s
			} else if s != c.rep {
				st[g+1] = 0
			}
			st[o]++
			st[g]++
			for _, ei := range c.eqs {
				if s == x.eqs[ei].lit {
					st[x.eqs[ei].off+team]++
				}
			}
		}
	}
	for li := range x.lists {
		c := &x.lists[li]
		l := listValue(m, c.slot, c.agg)
		o := c.off + 3*team
		st[o] += fk
		st[o+1] += float64(len(l) * k)
		if slices.Contains(l, c.want) {
			st[o+2] += fk
		}
	}
	for ii := range x.inters {
		if c := &x.inters[ii]; c.in[team] {
			x.intersect(c, listValue(m, c.slot, c.agg), fk)
		}
	}
	x.st[stArena] = float64(len(x.arena))
	for s := range x.lat.locs {
		o := x.lat.off + s*x.lat.stride
		if st[o] == 0 {
			continue
		}
		for vi, agg := range x.lat.variants {
			v, ok := partyLatency(m, x.lat.locs[s], agg)
			if !ok { // the same for every variant: nothing was changed
				st[o] = 0
				break
			}
			q := o + 1 + 4*vi
			st[q], st[q+1] = min(st[q], v), max(st[q+1], v)
			for range k {
				st[q+2] += v
			}
			if v != math.Trunc(v) || st[stMembers] >= 1<<20 {
				st[q+3] = 0
			}
		}
	}
}

// extend appends k copies of v, on team, to the sums of ch.
func (x *Incremental) extend(ch *chain, c *numCombo, team int, v float64, k int) {
	j := ch.pos[team]
	if j < 0 {
		return
	}
	st := x.st
	o := ch.off
	if st[o] != 0 && exactInt(v) && st[stMembers] < 1<<20 {
		// Every value is a whole number: every sum is exact, so each later
		// position moves by the same k·v.
		for i := j; i < len(ch.sel); i++ {
			for range k {
				st[o+1+i] += v
			}
		}
		return
	}
	st[o] = 0
	for range k {
		st[o+1+j] += v
	}
	for i := j + 1; i < len(ch.sel); i++ {
		s := st[o+i]
		for _, y := range c.vals[ch.sel[i]] {
			s += y
		}
		st[o+1+i] = s
	}
}

// intersect narrows an intersection set by one player's list (the same for
// every member of a party, so once is enough).
func (x *Incremental) intersect(c *interCombo, list []string, fk float64) {
	st := x.st
	o := c.off
	start := len(x.arena)
	switch {
	case st[o] == 0:
		x.arena = append(x.arena, list...)
		seg := x.arena[start:]
		if !slices.IsSorted(seg) {
			slices.Sort(seg)
		}
		x.arena = x.arena[:start+len(slices.Compact(seg))]
	case st[o+2] > 0:
		from := int(st[o+1])
		x.arena = append(x.arena, x.arena[from:from+int(st[o+2])]...)
		x.arena = x.arena[:start+len(filterIn(x.arena[start:], list))]
	default:
		st[o] += fk
		return
	}
	st[o] += fk
	st[o+1], st[o+2] = float64(start), float64(len(x.arena)-start)
}

// Evaluate checks the candidate with the effective values v in mode, like
// Evaluator.Evaluate, and reports whether every checked rule passed; it
// stops at the first failing rule, and Results tells which rules were
// evaluated and how they fared. Partial and Structural mode run on the
// running aggregates when Supported. Final mode, and every mode of an
// unsupported rule set, run a full Evaluator on the candidate: the final
// check of a match (D7) stays the Evaluator's.
func (x *Incremental) Evaluate(v *Values, mode Mode) bool {
	if !x.supported || (mode != Partial && mode != Structural) {
		x.delegated = true
		return x.full.Evaluate(&x.cand, v, mode)
	}
	x.delegated = false
	clear(x.res)
	rs := x.rs
	for _, ri := range rs.top {
		r := &rs.rules[ri]
		if mode == Structural && r.typ != TypeBatchDistance && r.typ != TypeLatency {
			continue
		}
		p := &x.plans[ri]
		if p.kind == ipSkip {
			continue
		}
		if !x.check(ri, r, p, v, mode) {
			x.res[ri] = Failed
			return false
		}
		x.res[ri] = Passed
	}
	// Each latency rule may pass at a location of its own; one location
	// must suit them all (D11). An empty candidate has none to fail (D8).
	if len(rs.latency) > 1 && x.st[stMembers] > 0 && !x.someLocation(v, rs.latency) {
		x.res[rs.latency[len(rs.latency)-1]] = Failed
		return false
	}
	return true
}

// Results returns every rule's result in the last evaluation, indexed like
// RuleSet.Rules, as Evaluator.Results. The slice is reused by the next
// evaluation.
func (x *Incremental) Results() []int8 {
	if x.delegated {
		return x.full.Results()
	}
	return x.res
}

func (x *Incremental) check(ri int, r *rule, p *iplan, v *Values, mode Mode) bool {
	st := x.st
	rv := &v.rules[ri]
	switch p.kind {
	case ipBatchNum:
		g := x.nums[p.combo].off + 4*len(x.teams)
		if st[g] == 0 {
			return true
		}
		lo, hi := st[g+1], st[g+2]
		if rv.has&hasMaxDistance == 0 {
			return hi == lo
		}
		return hi-lo <= rv.maxDistance+1e-9
	case ipBatchStr:
		g := x.strs[p.combo].off + 2*len(x.teams)
		return st[g] == 0 || st[g+1] != 0
	case ipLatency:
		if st[stMembers] == 0 {
			return true // no player to fail it (D8)
		}
		x.one[0] = ri
		return x.someLocation(v, x.one[:])
	case ipCompare:
		return x.compare(r, p, rv)
	case ipCompareStr:
		return x.compareStrings(r, p)
	case ipDistance:
		return x.distance(p, rv)
	case ipContains, ipIntersection:
		return x.collection(r, p, rv, mode)
	}
	return true
}

// someLocation reports whether some location that every player reports
// satisfies every latency rule of rules (D11).
func (x *Incremental) someLocation(v *Values, rules []int) bool {
next:
	for s := range x.lat.locs {
		if x.st[x.lat.off+s*x.lat.stride] == 0 {
			continue
		}
		for _, ri := range rules {
			if !x.latencyAt(ri, s, &v.rules[ri]) {
				continue next
			}
		}
		return true
	}
	return false
}

// latencyAt is Evaluator.latencyAt on slot s's aggregates: the highest
// latency against maxLatency, and the lowest and highest against the
// distance reference, which bound every player's distance to it.
func (x *Incremental) latencyAt(ri, s int, rv *ruleVals) bool {
	r := &x.rs.rules[ri]
	st := x.st
	q := x.lat.off + s*x.lat.stride + 1 + 4*x.plans[ri].variant
	lo, hi := st[q], st[q+1]
	if rv.has&hasMaxLatency != 0 && hi > rv.maxLatency {
		return false
	}
	if r.distRef == "" || rv.has&hasMaxDistance == 0 {
		return true
	}
	var ref float64
	switch r.distRef {
	case distanceReferenceNumber:
		ref = r.distRefNum
	case distanceReferenceAverage:
		if st[q+3] != 0 {
			ref = st[q+2] / st[stMembers] // whole numbers: exact in any order
		} else {
			ref = x.latencySum(x.lat.locs[s], x.lat.variants[x.plans[ri].variant]) / st[stMembers]
		}
	default:
		ref = lo
	}
	// Written as Evaluator.latencyAt fails a player: only a distance over
	// maxDistance fails.
	return !(math.Abs(hi-ref) > rv.maxDistance) && !(math.Abs(lo-ref) > rv.maxDistance)
}

// latencySum adds the players' latencies to loc in bucket order, as
// Evaluator.latencyReference does.
func (x *Incremental) latencySum(loc int32, agg partyAgg) float64 {
	sum := 0.0
	for t := range x.teams {
		for _, m := range x.teams[t] {
			v, _ := partyLatency(m, loc, agg)
			sum += v
		}
	}
	return sum
}

// value evaluates a number expression into out.
func (x *Incremental) value(e *iexpr, rv *ruleVals, out *ival) {
	out.big, out.nums = false, out.nums[:0]
	st := x.st
	switch e.kind {
	case ixConst:
		out.nums = append(out.nums, e.num)
	case ixRefNum:
		out.nums = append(out.nums, rv.ref)
	case ixTeamAgg:
		c := &x.nums[e.combo]
		if t := e.sel[0]; st[c.off+4*t] > 0 {
			out.nums = append(out.nums, x.teamAgg(c, t, e.fn))
		}
	case ixTeamList:
		out.nums = x.teamList(e, out.nums)
	case ixFlatAgg:
		c := &x.nums[e.combo]
		n, lo, hi := 0.0, inf, negInf
		for _, t := range e.sel {
			o := c.off + 4*t
			n, lo, hi = n+st[o], min(lo, st[o+2]), max(hi, st[o+3])
		}
		if n == 0 {
			return // nothing to aggregate (D8)
		}
		var y float64
		switch e.fn {
		case fnMin:
			y = lo
		case fnMax:
			y = hi
		case fnSum, fnAvg:
			ch := &x.chains[e.chain]
			y = st[ch.off+len(ch.sel)]
			if e.fn == fnAvg {
				y /= n
			}
		}
		out.nums = append(out.nums, y)
	case ixListAgg:
		x.inner = x.teamList(e, x.inner[:0])
		if len(x.inner) > 0 {
			out.nums = append(out.nums, x.full.reduce(e.fn2, x.inner))
		}
	case ixPlayers:
		c := &x.nums[e.combo]
		out.big, out.n, out.lo, out.hi = true, 0, inf, negInf
		for _, t := range e.sel {
			o := c.off + 4*t
			out.n += int(st[o])
			out.lo, out.hi = min(out.lo, st[o+2]), max(out.hi, st[o+3])
		}
	}
}

// teamAgg is fn over team t's players (at least one), as Evaluator.reduce
// computes it: slices.Min and slices.Max fold with min and max, which do not
// depend on the order, and sumOf adds in bucket order, as the running sum.
func (x *Incremental) teamAgg(c *numCombo, t int, fn aggFn) float64 {
	o := c.off + 4*t
	switch fn {
	case fnMin:
		return x.st[o+2]
	case fnMax:
		return x.st[o+3]
	case fnSum:
		return x.st[o+1]
	}
	return x.st[o+1] / x.st[o] // fnAvg
}

// teamList appends fn over each selected team with players, in selection
// order; empty teams have no value (D8).
func (x *Incremental) teamList(e *iexpr, dst []float64) []float64 {
	c := &x.nums[e.combo]
	for _, t := range e.sel {
		if x.st[c.off+4*t] > 0 {
			dst = append(dst, x.teamAgg(c, t, e.fn))
		}
	}
	return dst
}

// compare is Evaluator.comparison on numbers.
func (x *Incremental) compare(r *rule, p *iplan, rv *ruleVals) bool {
	var ref *ival
	if p.ref.kind != ixNone {
		ref = &x.b
		x.value(&p.ref, rv, ref)
		if ref.leaves() == 0 {
			return true // nothing to compare with (D8)
		}
	}
	for i := range p.meas {
		a := &x.a
		x.value(&p.meas[i], rv, a)
		if a.leaves() == 0 {
			continue // nothing measured (D8)
		}
		var ok bool
		switch {
		case ref == nil && a.big: // = only: all equal (D10)
			ok = a.n == 1 || a.lo == a.hi
		case ref == nil:
			ok = allEqualOrDistinct(a.nums, r.op == cmpEq)
		case !a.big && !ref.big:
			ok = compareAll(r.op, a.nums, ref.nums)
		default:
			ok = compareExtremes(r.op, a, ref)
		}
		if !ok {
			return false
		}
	}
	return true
}

// compareExtremes reports whether op holds between every leaf of a and
// every leaf of b (both non-empty), from their extremes; op is not !=.
func compareExtremes(op cmpOp, a, b *ival) bool {
	alo, ahi := a.extremes()
	blo, bhi := b.extremes()
	if alo != alo || blo != blo { // a NaN: no comparison holds
		return false
	}
	switch op {
	case cmpLt:
		return ahi < blo
	case cmpLe:
		return ahi <= blo
	case cmpGt:
		return alo > bhi
	case cmpGe:
		return alo >= bhi
	case cmpEq:
		return alo == ahi && blo == bhi && alo == blo
	}
	return false
}

// compareStrings is Evaluator.comparison on the players' strings.
func (x *Incremental) compareStrings(r *rule, p *iplan) bool {
	st := x.st
	for i := range p.meas {
		c := &x.strs[p.combos[i]]
		n, same, rep := 0.0, true, ""
		for _, t := range p.meas[i].sel {
			o := c.off + 2*t
			if st[o] == 0 {
				continue
			}
			if n == 0 {
				rep = c.reps[t]
			} else if c.reps[t] != rep {
				same = false
			}
			same = same && st[o+1] != 0
			n += st[o]
		}
		if n == 0 {
			continue // nothing measured (D8)
		}
		var ok bool
		switch {
		case r.refKind == refNone:
			ok = same
		case r.op == cmpEq:
			ok = same && rep == p.lit
		default:
			eq := 0.0
			for _, t := range p.meas[i].sel {
				eq += st[x.eqs[p.eqs[i]].off+t]
			}
			ok = eq == 0
		}
		if !ok {
			return false
		}
	}
	return true
}

// distance is Evaluator.distance. With many leaves on either side, the
// largest distance is between the extremes: a - b rounds monotonically in a
// and in b, so |a - b| is largest at an end of its range.
func (x *Incremental) distance(p *iplan, rv *ruleVals) bool {
	ref := &x.b
	x.value(&p.ref, rv, ref)
	if ref.leaves() == 0 {
		return true // nothing to measure from (D8)
	}
	for i := range p.meas {
		a := &x.a
		x.value(&p.meas[i], rv, a)
		if a.leaves() == 0 {
			continue
		}
		if !a.big && !ref.big {
			for _, m := range a.nums {
				for _, b := range ref.nums {
					if !distanceOK(math.Abs(m-b), rv) {
						return false
					}
				}
			}
			continue
		}
		alo, ahi := a.extremes()
		blo, bhi := ref.extremes()
		if !distanceOK(math.Abs(ahi-blo), rv) || !distanceOK(math.Abs(alo-bhi), rv) {
			return false
		}
	}
	return true
}

// distanceOK checks one distance against the bounds, as Evaluator.distance:
// a NaN distance never passes.
func distanceOK(d float64, rv *ruleVals) bool {
	if rv.has&hasMaxDistance != 0 && !(d <= rv.maxDistance+1e-9) {
		return false
	}
	if rv.has&hasMinDistance != 0 && !(d >= rv.minDistance-1e-9) {
		return false
	}
	return true
}

// collection is Evaluator.collection for contains and intersection.
func (x *Incremental) collection(r *rule, p *iplan, rv *ruleVals, mode Mode) bool {
	st := x.st
	for i, ci := range p.combos {
		var n float64
		if p.kind == ipIntersection {
			o := x.inters[ci].off
			if st[o] == 0 {
				continue // no list (D8)
			}
			n = st[o+2]
		} else {
			c := &x.lists[ci]
			lists, leaves := 0.0, 0.0
			for _, t := range p.meas[i].sel {
				o := c.off + 3*t
				lists, leaves, n = lists+st[o], leaves+st[o+1], n+st[o+2]
			}
			// Every list is a set, so the items equal to the reference are
			// the lists holding it, whatever the depth.
			if leaves == 0 && (p.depths[i] == 1 || lists == 0) {
				continue // nothing measured (D8)
			}
		}
		if !x.full.countOK(n, r, rv, mode) {
			return false
		}
	}
	return true
}
