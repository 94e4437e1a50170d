package ruleset

import (
	"cmp"
	"math"
	"slices"

	"github.com/matchforge/matchforge/ticket"
)

// exec evaluates program node i into the evaluator's buffer for it.
func (e *Evaluator) exec(i int) *val {
	n := &e.rs.nodes[i]
	out := &e.vals[i]
	switch n.op {
	case opNum:
		out.reset(0, leafNum)
		out.nums = append(out.nums, n.num)
	case opStr:
		out.reset(0, leafStr)
		out.strs = append(out.strs, n.str)
	case opPath:
		e.path(n, out)
	case opFlatten:
		in := e.exec(n.arg)
		out.reset(in.depth-1, in.leaf)
		out.nums = append(out.nums, in.nums...)
		out.strs = append(out.strs, in.strs...)
		out.off[0] = append(out.off[0], 0, in.off[1][len(in.off[1])-1])
		for k := 1; k < in.depth-1; k++ {
			out.off[k] = append(out.off[k], in.off[k+1]...)
		}
	case opSetIntersection:
		e.setIntersection(e.exec(n.arg), out)
	case opAgg:
		e.aggregate(n.fn, e.exec(n.arg), out)
	}
	return out
}

// path fills out with the values a teams[...] path selects.
func (e *Evaluator) path(n *pnode, out *val) {
	out.reset(n.typ.depth, n.typ.leaf)
	pl := 0 // the level whose lists are teams' player lists
	if n.multi {
		pl = 1
		out.off[0] = append(out.off[0], 0, int32(len(n.teams)))
	}
	if n.field == fieldTeams {
		for _, t := range n.teams {
			out.strs = append(out.strs, e.rs.teams[t].Name)
		}
		return
	}
	out.off[pl] = append(out.off[pl], 0)
	list := n.field == fieldAttribute && n.kind == ticket.KindList
	if list {
		out.off[pl+1] = append(out.off[pl+1], 0)
	}
	for _, t := range n.teams {
		for _, m := range e.teams[t] {
			switch n.field {
			case fieldPlayers, fieldPlayerID:
				out.strs = append(out.strs, m.r.PlayerID(int(m.p)))
			case fieldAttribute:
				switch n.kind {
				case ticket.KindNumber:
					out.nums = append(out.nums, numValue(m, n.slot, n.agg))
				case ticket.KindString:
					out.strs = append(out.strs, m.r.Str(int(m.p), n.slot))
				case ticket.KindList:
					out.strs = append(out.strs, listValue(m, n.slot, n.agg)...)
					out.off[pl+1] = append(out.off[pl+1], int32(len(out.strs)))
				}
			}
		}
		if list {
			out.off[pl] = append(out.off[pl], int32(len(out.off[pl+1])-1))
		} else {
			out.off[pl] = append(out.off[pl], int32(out.leaves()))
		}
	}
}

// numValue reads a number attribute of a member with the rule's party
// aggregation (D9).
func numValue(m member, slot int, agg partyAgg) float64 {
	if m.solo {
		return m.r.Num(int(m.p), slot)
	}
	return partyNum(m.r, slot, agg)
}

// listValue reads a list attribute of a member as a sorted set, with the
// rule's party aggregation (D9).
func listValue(m member, slot int, agg partyAgg) []string {
	switch {
	case m.solo:
		return m.r.List(int(m.p), slot)
	case agg == aggIntersection:
		return m.r.ListIntersection(slot)
	}
	return m.r.ListUnion(slot)
}

// aggregate applies fn to each innermost list of in. An aggregate of an
// empty list has no value and is dropped (D8), except count, which is 0.
func (e *Evaluator) aggregate(fn aggFn, in *val, out *val) {
	d := in.depth
	out.reset(d-1, leafNum)
	inner := in.off[d-1]
	groups := max(len(inner)-1, 0)
	e.keep = append(e.keep[:0], 0)
	for g := range groups {
		lo, hi := inner[g], inner[g+1]
		if fn == fnCount {
			out.nums = append(out.nums, float64(hi-lo))
		} else if hi > lo {
			out.nums = append(out.nums, e.reduce(fn, in.nums[lo:hi]))
		}
		e.keep = append(e.keep, int32(len(out.nums)))
	}
	if d-1 == 0 {
		return
	}
	for k := 0; k < d-2; k++ {
		out.off[k] = append(out.off[k], in.off[k]...)
	}
	for _, b := range in.off[d-2] {
		out.off[d-2] = append(out.off[d-2], e.keep[b])
	}
}

func (e *Evaluator) reduce(fn aggFn, xs []float64) float64 {
	switch fn {
	case fnMin:
		return slices.Min(xs)
	case fnMax:
		return slices.Max(xs)
	case fnSum:
		return sumOf(xs)
	case fnAvg:
		return sumOf(xs) / float64(len(xs))
	case fnStddev:
		return stddev(xs)
	case fnMedian:
		e.scratF = append(e.scratF[:0], xs...)
		slices.Sort(e.scratF)
		n := len(e.scratF)
		if n%2 == 1 {
			return e.scratF[n/2]
		}
		return (e.scratF[n/2-1] + e.scratF[n/2]) / 2
	}
	return math.NaN()
}

// sumOf returns the sum of xs.
func sumOf(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

// stddev is the population standard deviation (D10).
func stddev(xs []float64) float64 {
	m := sumOf(xs) / float64(len(xs))
	v := 0.0
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return math.Sqrt(v / float64(len(xs)))
}

// setIntersection replaces each list of string lists (level depth-2) by the
// strings every one of its lists holds.
func (e *Evaluator) setIntersection(in *val, out *val) {
	d := in.depth
	out.reset(d-1, leafStr)
	for k := 0; k < d-2; k++ {
		out.off[k] = append(out.off[k], in.off[k]...)
	}
	outer, inner := in.off[d-2], in.off[d-1]
	out.off[d-2] = append(out.off[d-2], 0)
	for j := 0; j+1 < len(outer); j++ {
		if first, last := outer[j], outer[j+1]; first < last {
			out.strs = append(out.strs, e.intersectLists(in.strs, inner[first:last+1])...)
		}
		out.off[d-2] = append(out.off[d-2], int32(len(out.strs)))
	}
}

// intersectLists returns the strings that every list strs[b[g]:b[g+1]]
// holds, sorted, in scratch storage. b holds at least two bounds.
func (e *Evaluator) intersectLists(strs []string, b []int32) []string {
	acc := e.sortedSet(strs[b[0]:b[1]])
	for g := 1; g+1 < len(b) && len(acc) > 0; g++ {
		acc = filterIn(acc, strs[b[g]:b[g+1]])
	}
	return acc
}

// sortedSet copies items into scratch storage, sorted and deduplicated.
func (e *Evaluator) sortedSet(items []string) []string {
	e.setS = append(e.setS[:0], items...)
	if !slices.IsSorted(e.setS) {
		slices.Sort(e.setS)
	}
	e.setS = slices.Compact(e.setS)
	return e.setS
}

// filterIn keeps the items of acc (sorted) that list contains.
func filterIn(acc, list []string) []string {
	sorted := slices.IsSorted(list)
	keep := acc[:0]
	for _, s := range acc {
		var found bool
		if sorted {
			_, found = slices.BinarySearch(list, s)
		} else {
			found = slices.Contains(list, s)
		}
		if found {
			keep = append(keep, s)
		}
	}
	return keep
}

// reference returns the reference value of r as a val (nil when absent).
func (e *Evaluator) reference(r *rule, rv *ruleVals) *val {
	switch r.refKind {
	case refNum:
		e.refBuf.reset(0, leafNum)
		e.refBuf.nums = append(e.refBuf.nums, rv.ref)
		return &e.refBuf
	case refStr:
		e.refBuf.reset(0, leafStr)
		e.refBuf.strs = append(e.refBuf.strs, r.refStr)
		return &e.refBuf
	case refExpr:
		return e.exec(r.ref)
	}
	return nil
}

func compare(op cmpOp, c int) bool {
	switch op {
	case cmpEq:
		return c == 0
	case cmpNe:
		return c != 0
	case cmpLt:
		return c < 0
	case cmpLe:
		return c <= 0
	case cmpGt:
		return c > 0
	case cmpGe:
		return c >= 0
	}
	return false
}

// comparison: with a reference, every measured value against every
// reference value; without, = means all equal and != all different (D10).
func (e *Evaluator) comparison(r *rule, rv *ruleVals) bool {
	ref := e.reference(r, rv)
	if ref != nil && ref.leaves() == 0 {
		return true // nothing to compare with (D8)
	}
	for _, m := range r.meas {
		mv := e.exec(m)
		if mv.leaves() == 0 {
			continue // nothing measured (D8)
		}
		var ok bool
		switch {
		case ref == nil && mv.leaf == leafNum:
			ok = allEqualOrDistinct(mv.nums, r.op == cmpEq)
		case ref == nil:
			ok = allEqualOrDistinct(mv.strs, r.op == cmpEq)
		case mv.leaf == leafNum:
			ok = compareAll(r.op, mv.nums, ref.nums)
		default:
			ok = compareAll(r.op, mv.strs, ref.strs)
		}
		if !ok {
			return false
		}
	}
	return true
}

// compareAll reports whether op holds between every value of xs and every
// value of refs.
func compareAll[T cmp.Ordered](op cmpOp, xs, refs []T) bool {
	for _, a := range xs {
		for _, b := range refs {
			if a != a || b != b { // NaN: no comparison holds
				return false
			}
			if !compare(op, cmp.Compare(a, b)) {
				return false
			}
		}
	}
	return true
}

// allEqualOrDistinct reports whether the values of xs (at least one) are
// all equal, or with equal false, all different.
func allEqualOrDistinct[T comparable](xs []T, equal bool) bool {
	if equal {
		for _, x := range xs[1:] {
			if x != xs[0] {
				return false
			}
		}
		return true
	}
	for i, x := range xs {
		if x != x || slices.Contains(xs[i+1:], x) { // NaN is neither equal nor different
			return false
		}
	}
	return true
}

// distance: every measured value m must satisfy |m - ref| <= maxDistance
// and >= minDistance for every reference value (D10).
func (e *Evaluator) distance(r *rule, rv *ruleVals) bool {
	ref := e.reference(r, rv)
	if ref == nil || ref.leaves() == 0 {
		return true
	}
	for _, m := range r.meas {
		mv := e.exec(m)
		for _, a := range mv.nums {
			for _, b := range ref.nums {
				d := math.Abs(a - b)
				// Written so that a NaN distance fails: a NaN never passes.
				if rv.has&hasMaxDistance != 0 && !(d <= rv.maxDistance+1e-9) {
					return false
				}
				if rv.has&hasMinDistance != 0 && !(d >= rv.minDistance-1e-9) {
					return false
				}
			}
		}
	}
	return true
}

func (e *Evaluator) countOK(n float64, r *rule, rv *ruleVals, mode Mode) bool {
	if rv.has&hasMinCount != 0 && (mode == Final || !r.deferMin) && n < rv.minCount {
		return false
	}
	if rv.has&hasMaxCount != 0 && (mode == Final || !r.deferMax) && n > rv.maxCount {
		return false
	}
	return true
}

// collection evaluates intersection, contains and
// reference_intersection_count over the innermost string lists of each
// measurement.
func (e *Evaluator) collection(r *rule, rv *ruleVals, mode Mode) bool {
	var ref *val
	if r.coll != collIntersection {
		ref = e.reference(r, rv)
	}
	for _, m := range r.meas {
		mv := e.exec(m)
		if mv.leaves() == 0 && (mv.depth == 1 || len(mv.off[mv.depth-1]) <= 1) {
			continue // nothing measured (D8)
		}
		var bounds []int32
		if mv.depth == 1 {
			e.keep = append(e.keep[:0], 0, int32(len(mv.strs)))
			bounds = e.keep
		} else {
			bounds = mv.off[mv.depth-1]
		}
		switch r.coll {
		case collIntersection:
			if len(bounds) < 2 {
				continue
			}
			if !e.countOK(float64(len(e.intersectLists(mv.strs, bounds))), r, rv, mode) {
				return false
			}
		case collContains:
			if ref == nil || ref.leaves() == 0 {
				continue
			}
			want, n := ref.strs[0], 0
			if mv.depth == 1 {
				for _, s := range mv.strs {
					if s == want {
						n++
					}
				}
			} else {
				for g := 0; g+1 < len(bounds); g++ {
					if slices.Contains(mv.strs[bounds[g]:bounds[g+1]], want) {
						n++
					}
				}
			}
			if !e.countOK(float64(n), r, rv, mode) {
				return false
			}
		case collRefIntersection:
			if ref == nil || (ref.depth == 0 && ref.leaves() == 0) {
				continue
			}
			set := e.sortedSet(ref.strs)
			for g := 0; g+1 < len(bounds); g++ {
				n := 0
				for _, s := range mv.strs[bounds[g]:bounds[g+1]] {
					if _, ok := slices.BinarySearch(set, s); ok {
						n++
					}
				}
				if !e.countOK(float64(n), r, rv, mode) {
					return false
				}
			}
		}
	}
	return true
}

// batchDistance: numbers within maxDistance of each other (equal when it is
// unset), strings all equal.
func (e *Evaluator) batchDistance(r *rule, rv *ruleVals) bool {
	first := true
	var lo, hi float64
	var s0 string
	for t := range e.teams {
		for _, m := range e.teams[t] {
			if r.kind == ticket.KindString {
				s := m.r.Str(int(m.p), r.slot)
				if first {
					s0, first = s, false
				} else if s != s0 {
					return false
				}
				continue
			}
			x := numValue(m, r.slot, r.numAgg)
			if first {
				lo, hi, first = x, x, false
				continue
			}
			lo, hi = min(lo, x), max(hi, x)
		}
	}
	if r.kind == ticket.KindString || first {
		return true
	}
	if rv.has&hasMaxDistance == 0 {
		return hi == lo
	}
	return hi-lo <= rv.maxDistance+1e-9
}

// partyLatency is a member's latency to loc with the rule's party
// aggregation.
func partyLatency(m member, loc int32, agg partyAgg) (float64, bool) {
	if m.solo {
		ms, ok := playerLatency(m, loc)
		return float64(ms), ok
	}
	a, ok := m.r.PartyLatencyAt(loc)
	if !ok {
		return 0, false
	}
	switch agg {
	case aggMin:
		return float64(a.Min), true
	case aggMax:
		return float64(a.Max), true
	}
	return a.Avg, true
}

// latencyAt reports whether loc satisfies latency rule r for every player.
func (e *Evaluator) latencyAt(r *rule, rv *ruleVals, loc int32) bool {
	distance := r.distRef != "" && rv.has&hasMaxDistance != 0
	ref := 0.0
	if distance {
		var ok bool
		if ref, ok = e.latencyReference(r, loc); !ok {
			return false
		}
	}
	for t := range e.teams {
		for _, m := range e.teams[t] {
			x, ok := partyLatency(m, loc, r.numAgg)
			switch {
			case !ok,
				rv.has&hasMaxLatency != 0 && x > rv.maxLatency,
				distance && math.Abs(x-ref) > rv.maxDistance:
				return false
			}
		}
	}
	return true
}

// latencyReference returns the latency at loc that latency rule r measures
// maxDistance from: its distanceReference number, or the lowest or the
// average of the members' latencies. ok is false when a member reports no
// latency to loc.
func (e *Evaluator) latencyReference(r *rule, loc int32) (ref float64, ok bool) {
	if r.distRef == distanceReferenceNumber {
		return r.distRefNum, true
	}
	lowest, sum, n := math.Inf(1), 0.0, 0
	for t := range e.teams {
		for _, m := range e.teams[t] {
			x, ok := partyLatency(m, loc, r.numAgg)
			if !ok {
				return 0, false
			}
			lowest, sum, n = min(lowest, x), sum+x, n+1
		}
	}
	if r.distRef == distanceReferenceAverage && n > 0 {
		return sum / float64(n), true
	}
	return lowest, true
}

// firstMember returns some member of the candidate.
func (e *Evaluator) firstMember() (member, bool) {
	for t := range e.teams {
		if len(e.teams[t]) > 0 {
			return e.teams[t][0], true
		}
	}
	return member{}, false
}

// latency passes when some location suits every player (D11). In Final mode
// with a single latency rule it also chooses the match's location; other
// modes only need to know that one exists.
func (e *Evaluator) latency(r *rule, rv *ruleVals, mode Mode) bool {
	m0, ok := e.firstMember()
	if !ok {
		return true
	}
	if len(e.rs.latency) == 1 && mode == Final {
		e.chooseLocation(e.cur, true)
		return e.loc >= 0
	}
	for _, l := range m0.r.PartyLatency() {
		if e.latencyAt(r, rv, l.Loc) {
			return true
		}
	}
	return false
}

// chooseLocation picks, among the locations every player reports (and that
// satisfy every latency rule when withRules), the one with the lowest
// worst-case latency, then the lowest average, then the lowest name (D11).
func (e *Evaluator) chooseLocation(v *Values, withRules bool) {
	e.loc = -1
	m0, ok := e.firstMember()
	if !ok {
		return
	}
	// Every location is m0's, and its worst player's latency there is a
	// lower bound of the match's worst case: starting where that is
	// lowest, a location is given up as soon as a player's latency there
	// passes the best location's worst case, which it then cannot beat.
	lats := m0.r.PartyLatency()
	first := 0
	for i, l := range lats {
		if l.Max < lats[first].Max {
			first = i
		}
	}
	best := locScore{loc: -1}
next:
	for k := range lats {
		l := lats[(first+k)%len(lats)]
		s := locScore{loc: l.Loc}
		for t := range e.teams {
			for _, m := range e.teams[t] {
				ms, found := playerLatency(m, l.Loc)
				if !found || best.loc >= 0 && ms > best.worst {
					continue next
				}
				s.worst = max(s.worst, ms)
				s.sum += int64(ms)
				s.n++
			}
		}
		if withRules {
			for _, ri := range e.rs.latency {
				r, rv := &e.rs.rules[ri], &v.rules[ri]
				// Every player reports loc, so every party does, and a
				// party's latency (its min, max or average) is at most its
				// worst player's: a rule without a distance part that the
				// worst latency passes needs no second pass.
				if (r.distRef == "" || rv.has&hasMaxDistance == 0) &&
					(rv.has&hasMaxLatency == 0 || float64(s.worst) <= rv.maxLatency) {
					continue
				}
				if !e.latencyAt(r, rv, l.Loc) {
					continue next
				}
			}
		}
		if best.loc < 0 || e.better(s, best) {
			best = s
		}
	}
	e.loc = best.loc
}

// better reports whether location score s beats best (D11): a lower worst
// case, then a lower average, then a lower name.
func (e *Evaluator) better(s, best locScore) bool {
	if s.worst != best.worst {
		return s.worst < best.worst
	}
	// The averages s.sum/s.n and best.sum/best.n, compared without division.
	if a, b := s.sum*int64(best.n), best.sum*int64(s.n); a != b {
		return a < b
	}
	return e.locName(s.loc) < e.locName(best.loc)
}

func playerLatency(m member, loc int32) (int32, bool) { return m.r.PlayerLatencyAt(int(m.p), loc) }
