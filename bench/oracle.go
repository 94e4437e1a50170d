package bench

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Oracle is a brute-force matcher, the baseline the engine's benchmarks are
// measured against. For each anchor, oldest first, it scans the whole pool
// without indexes: every other unmatched ticket is checked against the
// anchor with the rule set's Evaluator (Partial mode, on each team in
// turn), the compatible ones are ordered by the sort rules and by closeness
// on the batchDistance attributes, and the match is filled greedily (each
// ticket on the team with the most room where the partial match still
// passes) and checked in Final mode. A pool of n tickets costs O(n^2)
// evaluations.
//
// It handles small rule sets (at most 40 players) only. An Oracle is not
// safe for concurrent use.
type Oracle struct {
	rs    *ruleset.RuleSet
	ev    *ruleset.Evaluator
	cand  ruleset.Candidate
	order []compat
	keys  []ruleset.SortKey
	batch []ruleset.BatchRule
	teams []int
}

// OracleMatch is one match the oracle formed: indexes into the tickets
// given to Match, and each one's team.
type OracleMatch struct {
	Tickets  []int
	Teams    []int
	Location int32 // the chosen location's id, or -1
}

// OracleResult is what Match formed.
type OracleResult struct {
	Matches        []OracleMatch
	MatchedTickets int
	Evaluations    int
}

type compat struct {
	i    int
	keys []ruleset.SortKey
	dist float64
}

// ErrLargeRuleSet is returned by NewOracle for rule sets of more than 40
// players, which the engine matches with the balanced algorithm.
var ErrLargeRuleSet = errors.New("bench: the oracle matches small rule sets (at most 40 players) only")

// NewOracle returns a brute-force matcher for rs; locs is the table the
// tickets' locations were interned in.
func NewOracle(rs *ruleset.RuleSet, locs *ticket.Locations) (*Oracle, error) {
	if rs.Class() != ruleset.Small {
		return nil, ErrLargeRuleSet
	}
	o := &Oracle{rs: rs, ev: rs.NewEvaluator(locs)}
	for _, b := range rs.BatchRules() {
		if !b.String {
			o.batch = append(o.batch, b)
		}
	}
	return o, nil
}

// Match forms matches among tickets, every one of which has waited wait
// (which selects the expansion step). Tickets are anchors in the order
// given.
func (o *Oracle) Match(tickets []*ticket.Resolved, wait time.Duration) OracleResult {
	var res OracleResult
	used := make([]bool, len(tickets))
	v := o.rs.At(wait)
	teams := len(o.rs.Teams())
	counts := make([]int, teams)
	for a := range tickets {
		if used[a] {
			continue
		}
		for at := range teams {
			if m, ok := o.build(tickets, used, a, at, v, counts, &res.Evaluations); ok {
				for _, i := range m.Tickets {
					used[i] = true
				}
				res.MatchedTickets += len(m.Tickets)
				res.Matches = append(res.Matches, m)
				break
			}
		}
	}
	return res
}

// build tries to build a match around anchor a on team at.
func (o *Oracle) build(tickets []*ticket.Resolved, used []bool, a, at int, v *ruleset.Values, counts []int, evals *int) (OracleMatch, bool) {
	anchor := tickets[a]
	if anchor.Players() > v.Team(at).Max {
		return OracleMatch{}, false
	}
	// Scan the whole pool for tickets compatible with the anchor.
	o.order = o.order[:0]
	o.keys = o.keys[:0]
	for i, t := range tickets {
		if i == a || used[i] {
			continue
		}
		ok := false
		for team := range counts {
			o.cand.Reset()
			o.cand.Add(anchor, at)
			if at == team && anchor.Players()+t.Players() > v.Team(team).Max || t.Players() > v.Team(team).Max {
				continue
			}
			o.cand.Add(t, team)
			*evals++
			if o.ev.Evaluate(&o.cand, v, ruleset.Partial) {
				ok = true
				break
			}
		}
		if !ok {
			continue
		}
		start := len(o.keys)
		o.keys = o.rs.SortKeys(o.keys, anchor, t)
		o.keys = o.rs.BatchingKeys(o.keys, anchor, t)
		d := 0.0
		for _, b := range o.batch {
			d += math.Abs(o.rs.BatchNumber(b.Rule, t) - o.rs.BatchNumber(b.Rule, anchor))
		}
		o.order = append(o.order, compat{i: i, keys: o.keys[start:len(o.keys):len(o.keys)], dist: d})
	}
	nSort := o.rs.HasSortRules()
	slices.SortStableFunc(o.order, func(x, y compat) int {
		if nSort {
			if c := o.rs.CompareSortKeys(x.keys, y.keys); c != 0 {
				return c
			}
		}
		for k := range x.keys {
			if k < len(y.keys) && x.keys[k].Num != y.keys[k].Num {
				return cmp.Compare(x.keys[k].Num, y.keys[k].Num)
			}
		}
		return cmp.Compare(x.dist, y.dist)
	})
	// Fill greedily.
	clear(counts)
	o.cand.Reset()
	o.cand.Add(anchor, at)
	counts[at] = anchor.Players()
	total, capacity := anchor.Players(), v.MaxPlayers()
	m := OracleMatch{Tickets: []int{a}, Teams: []int{at}, Location: -1}
	for _, c := range o.order {
		if total == capacity {
			break
		}
		t := tickets[c.i]
		for _, team := range o.byRoom(counts, v, t.Players()) {
			o.cand.Add(t, team)
			*evals++
			if o.ev.Evaluate(&o.cand, v, ruleset.Partial) {
				counts[team] += t.Players()
				total += t.Players()
				m.Tickets = append(m.Tickets, c.i)
				m.Teams = append(m.Teams, team)
				break
			}
			o.cand.Pop()
		}
	}
	for k := range counts {
		if counts[k] < v.Team(k).Min {
			return OracleMatch{}, false
		}
	}
	*evals++
	if !o.ev.Evaluate(&o.cand, v, ruleset.Final) {
		return OracleMatch{}, false
	}
	m.Location = o.ev.Location()
	return m, true
}

// byRoom returns the teams a party of n fits in, the most room first.
func (o *Oracle) byRoom(counts []int, v *ruleset.Values, n int) []int {
	o.teams = o.teams[:0]
	for k := range counts {
		if counts[k]+n <= v.Team(k).Max {
			o.teams = append(o.teams, k)
		}
	}
	slices.SortStableFunc(o.teams, func(x, y int) int {
		return cmp.Compare(v.Team(y).Max-counts[y], v.Team(x).Max-counts[x])
	})
	return o.teams
}
