package ruleset

import (
	"cmp"
	"math"
	"strings"

	"github.com/matchforge/matchforge/ticket"
)

// SortKey is a candidate's key under one sort rule or sort attribute.
type SortKey struct {
	Num float64
	Str string
}

// HasSortRules reports whether the rule set has absoluteSort or
// distanceSort rules.
func (rs *RuleSet) HasSortRules() bool { return len(rs.sorts) > 0 }

// SortKeys appends to dst the keys by which the sort rules order candidate t
// relative to anchor, in rule order (the first rule is the primary key).
// Compare two candidates' keys with CompareSortKeys.
func (rs *RuleSet) SortKeys(dst []SortKey, anchor, t *ticket.Resolved) []SortKey {
	for _, ri := range rs.sorts {
		r := &rs.rules[ri]
		var k SortKey
		switch r.kind {
		case ticket.KindNumber:
			x := partyNum(t, r.slot, r.numAgg)
			if r.typ == TypeDistanceSort {
				x = math.Abs(x - partyNum(anchor, r.slot, r.numAgg))
			}
			if r.desc {
				x = -x
			}
			k.Num = x
		case ticket.KindString:
			k.Str = t.Str(0, r.slot)
		case ticket.KindMap:
			key, av, ok := anchorMapKey(anchor, r)
			x, found := partyMapValue(t, r.slot, key, r.numAgg)
			switch {
			case !ok || !found:
				k.Num = math.Inf(1) // candidates without the key go last
			case r.typ == TypeDistanceSort:
				k.Num = math.Abs(x - av)
				if r.desc {
					k.Num = -k.Num
				}
			case r.desc:
				k.Num = -x
			default:
				k.Num = x
			}
		}
		dst = append(dst, k)
	}
	return dst
}

// CompareSortKeys compares two candidates' sort keys from SortKeys: negative
// when a goes first, positive when b does, 0 when the sort rules tie.
func (rs *RuleSet) CompareSortKeys(a, b []SortKey) int {
	for i, ri := range rs.sorts {
		r := &rs.rules[ri]
		if r.kind == ticket.KindString {
			if c := strings.Compare(a[i].Str, b[i].Str); c != 0 {
				if r.desc {
					return -c
				}
				return c
			}
			continue
		}
		if c := cmp.Compare(a[i].Num, b[i].Num); c != 0 {
			return c
		}
	}
	return 0
}

// BatchingKeys appends to dst the keys of batchingPreference sorted: for
// each sortByAttributes entry, a number attribute's distance from the
// anchor's value, or 0 for a string equal to the anchor's and 1 otherwise.
// Compare them in order, ascending.
func (rs *RuleSet) BatchingKeys(dst []SortKey, anchor, t *ticket.Resolved) []SortKey {
	for _, ai := range rs.sortBy {
		kind, slot := rs.schema.Slot(ai)
		var k SortKey
		if kind == ticket.KindNumber {
			k.Num = math.Abs(partyNum(t, slot, aggAvg) - partyNum(anchor, slot, aggAvg))
		} else if t.Str(0, slot) != anchor.Str(0, slot) {
			k.Num = 1
		}
		dst = append(dst, k)
	}
	return dst
}

func partyNum(t *ticket.Resolved, slot int, agg partyAgg) float64 {
	if t.Players() == 1 {
		return t.Num(0, slot)
	}
	a := t.NumAgg(slot)
	switch agg {
	case aggMin:
		return a.Min
	case aggMax:
		return a.Max
	}
	return a.Avg
}

// partyMapValue aggregates the members' values for key of a map attribute.
func partyMapValue(t *ticket.Resolved, slot int, key string, agg partyAgg) (float64, bool) {
	var lo, hi, sum float64
	n := 0
	for p := range t.Players() {
		for _, e := range t.Map(p, slot) {
			if e.Key != key {
				continue
			}
			if n == 0 {
				lo, hi = e.Value, e.Value
			}
			lo, hi, sum = min(lo, e.Value), max(hi, e.Value), sum+e.Value
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	switch agg {
	case aggMin:
		return lo, true
	case aggMax:
		return hi, true
	}
	return sum / float64(n), true
}

// anchorMapKey picks the key of the anchor's map with the lowest (minValue)
// or highest (maxValue) value, ties going to the lowest key.
func anchorMapKey(anchor *ticket.Resolved, r *rule) (string, float64, bool) {
	best, bestV, found := "", 0.0, false
	for p := range anchor.Players() {
		for _, e := range anchor.Map(p, r.slot) {
			v, _ := partyMapValue(anchor, r.slot, e.Key, r.numAgg)
			better := !found ||
				(r.mapKey == mapMaxValue && v > bestV) ||
				(r.mapKey == mapMinValue && v < bestV) ||
				(v == bestV && e.Key < best)
			if better {
				best, bestV, found = e.Key, v, true
			}
		}
	}
	return best, bestV, found
}

// BatchRule is a batchDistance rule as the engine's candidate search sees it.
type BatchRule struct {
	Rule   int  // index in Rules
	Attr   int  // schema index of batchAttribute
	String bool // a string attribute: tickets must share the value
}

// BatchRules returns the batchDistance rules.
func (rs *RuleSet) BatchRules() []BatchRule {
	out := make([]BatchRule, 0, len(rs.batches))
	for _, ri := range rs.batches {
		r := &rs.rules[ri]
		out = append(out, BatchRule{Rule: ri, Attr: r.attr, String: r.kind == ticket.KindString})
	}
	return out
}

// BatchNumber returns ticket t's party-aggregated value for number
// batchDistance rule ri.
func (rs *RuleSet) BatchNumber(ri int, t *ticket.Resolved) float64 {
	r := &rs.rules[ri]
	return partyNum(t, r.slot, r.numAgg)
}

// BatchString returns ticket t's value for string batchDistance rule ri; ok
// is false when the party's members disagree (such a ticket can never
// satisfy the rule).
func (rs *RuleSet) BatchString(ri int, t *ticket.Resolved) (s string, ok bool) {
	r := &rs.rules[ri]
	s = t.Str(0, r.slot)
	for p := 1; p < t.Players(); p++ {
		if t.Str(p, r.slot) != s {
			return "", false
		}
	}
	return s, true
}

// LatencyBound returns the lowest effective maxLatency of the latency rules
// at v (ok false when no latency rule sets one). A ticket whose party minimum
// latency to a location exceeds it cannot be matched there.
func (rs *RuleSet) LatencyBound(v *Values) (ms float64, ok bool) {
	ms = math.Inf(1)
	for _, ri := range rs.latency {
		if x, has := v.MaxLatency(ri); has {
			ms, ok = min(ms, x), true
		}
	}
	return ms, ok
}

// NumberAt returns ticket t's party-average value of number attribute i
// (a schema index), the value batching and balancing use.
func (rs *RuleSet) NumberAt(i int, t *ticket.Resolved) float64 {
	_, slot := rs.schema.Slot(i)
	return partyNum(t, slot, aggAvg)
}
