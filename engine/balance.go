package engine

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/matchforge/matchforge/ruleset"
)

// Balancing teams on the balanced attribute (strategy balanced, D4, D13):
// a greedy assignment and a snake draft, each improved by swaps, the better
// kept; and the small-match builder's balancing after the rules pass.

// balanceTeams reassigns units to teams of the given sizes so that the
// teams' averages of the balanced attribute are as even as it can make them
// quickly. It builds two starting assignments — a greedy one in which units
// in descending order each join the team with room whose load (sum over its
// size) is lowest, and a snake draft — improves each by swaps, and keeps the
// one with the smaller spread, so the result is never worse than a snake
// draft. A swap round finds, by binary search over the lower team's sorted
// units, the exchange of two equal-size units between the highest and the
// lowest team that best closes their gap. Cost: O(u log u) per round for u
// units and a bounded number of rounds.
func balanceTeams(units []unit, sizes []int) {
	teams := len(sizes)
	if teams < 2 {
		for i := range units {
			units[i].team = 0
		}
		return
	}
	sortByAverageDesc(units)
	orig := make([]int, len(units))
	for i := range units {
		orig[i] = units[i].team
	}
	var bal balancer
	okGreedy := bal.greedy(units, sizes)
	greedy := make([]int, len(units))
	spreadGreedy := math.Inf(1)
	if okGreedy {
		bal.improve(units, sizes)
		spreadGreedy = spreadOf(units, teams)
		for i := range units {
			greedy[i] = units[i].team
		}
	}
	if bal.snake(units, sizes) {
		// The snake draft is improved only when it starts out ahead.
		if spreadOf(units, teams) <= spreadGreedy {
			bal.improve(units, sizes)
			return
		}
	}
	src := greedy
	if !okGreedy {
		src = orig // the parties pack neither way; keep the fill order's teams
	}
	for i := range units {
		units[i].team = src[i]
	}
}

// sortByAverageDesc sorts units by average value, highest first, keeping
// the order of equal ones: a pattern-defeating sort of (average, position)
// keys, several times faster than a stable merge sort of the units.
func sortByAverageDesc(units []unit) {
	type key struct {
		avg float64
		i   int
	}
	keys := make([]key, len(units))
	for i, u := range units {
		keys[i] = key{u.sum / float64(u.n), i}
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(b.avg, a.avg), a.i-b.i) })
	sorted := make([]unit, len(units))
	for j, k := range keys {
		sorted[j] = units[k.i]
	}
	copy(units, sorted)
}

// balancer holds the scratch of balanceTeams.
type balancer struct {
	count []int
	sum   []float64
	lower []int
}

func (bl *balancer) reset(teams int) {
	bl.count = append(bl.count[:0], make([]int, teams)...)
	bl.sum = append(bl.sum[:0], make([]float64, teams)...)
}

// greedy places units (in descending order) on the team with room whose
// load is lowest; it fails when a party fits nowhere.
func (bl *balancer) greedy(units []unit, sizes []int) bool {
	bl.reset(len(sizes))
	for i := range units {
		best := -1
		for t := range sizes {
			if bl.count[t]+units[i].n > sizes[t] {
				continue
			}
			if best < 0 || lighter(t, best, bl.count, bl.sum, sizes) {
				best = t
			}
		}
		if best < 0 {
			return false
		}
		units[i].team = best
		bl.count[best] += units[i].n
		bl.sum[best] += units[i].sum
	}
	return true
}

// snake deals units (in descending order) to teams 1..T, T..1, ...,
// skipping full teams; it fails when a party fits nowhere.
func (bl *balancer) snake(units []unit, sizes []int) bool {
	bl.reset(len(sizes))
	t, dir := 0, 1
	for i := range units {
		placed := false
		for tries := 0; tries < 2*len(sizes); tries++ {
			if bl.count[t]+units[i].n <= sizes[t] {
				placed = true
				break
			}
			t, dir = snakeNext(t, dir, len(sizes))
		}
		if !placed {
			return false
		}
		units[i].team = t
		bl.count[t] += units[i].n
		bl.sum[t] += units[i].sum
		t, dir = snakeNext(t, dir, len(sizes))
	}
	return true
}

func snakeNext(t, dir, n int) (int, int) {
	if t+dir < 0 || t+dir >= n {
		return t, -dir
	}
	return t + dir, dir
}

// improve makes the best swap between the highest and the lowest team,
// round after round, while that narrows their gap.
func (bl *balancer) improve(units []unit, sizes []int) {
	teams := len(sizes)
	bl.reset(teams)
	for _, u := range units {
		bl.count[u.team] += u.n
		bl.sum[u.team] += u.sum
	}
	count, sum := bl.count, bl.sum
	avg := func(t int) float64 { return sum[t] / float64(count[t]) }
	for round := 0; round < 8*teams; round++ {
		hi, lo := -1, -1
		for t := 0; t < teams; t++ {
			if count[t] == 0 {
				continue
			}
			if hi < 0 || avg(t) > avg(hi) {
				hi = t
			}
			if lo < 0 || avg(t) < avg(lo) {
				lo = t
			}
		}
		if hi < 0 || hi == lo {
			return
		}
		gap := avg(hi) - avg(lo)
		if gap < distanceSlack {
			return
		}
		// Swapping u (in hi) with w (in lo) of equal size moves the gap by
		// (u - w) * k; the ideal difference is gap / k.
		k := 1/float64(count[hi]) + 1/float64(count[lo])
		ideal := gap / k
		bl.lower = bl.lower[:0]
		for j := range units {
			if units[j].team == lo {
				bl.lower = append(bl.lower, j)
			}
		}
		lower := bl.lower
		slices.SortFunc(lower, func(a, b int) int {
			if units[a].n != units[b].n {
				return units[a].n - units[b].n
			}
			return cmp.Compare(units[a].sum, units[b].sum)
		})
		bi, bj, bestGap := -1, -1, gap
		for i := range units {
			u := units[i]
			if u.team != hi {
				continue
			}
			want := u.sum - ideal
			// The first lower unit of u's size with a sum of at least want.
			p := sort.Search(len(lower), func(x int) bool {
				w := units[lower[x]]
				return w.n > u.n || (w.n == u.n && w.sum >= want)
			})
			for _, q := range [2]int{p - 1, p} {
				if q < 0 || q >= len(lower) || units[lower[q]].n != u.n {
					continue
				}
				j := lower[q]
				if g := math.Abs(gap - (u.sum-units[j].sum)*k); g < bestGap-swapSlack {
					bi, bj, bestGap = i, j, g
				}
			}
		}
		if bi < 0 {
			return
		}
		d := units[bi].sum - units[bj].sum
		sum[hi] -= d
		sum[lo] += d
		units[bi].team, units[bj].team = lo, hi
	}
}

// lighter reports whether team a should take the next (lower) unit before
// team b: the lower load (sum over the team's size) first, then the one with
// more room, then rule-set order.
func lighter(a, b int, count []int, sum []float64, sizes []int) bool {
	la, lb := sum[a]/float64(sizes[a]), sum[b]/float64(sizes[b])
	if la != lb {
		return la < lb
	}
	ra, rb := sizes[a]-count[a], sizes[b]-count[b]
	if ra != rb {
		return ra > rb
	}
	return a < b
}

// spreadOf is the largest minus the smallest team average of the balanced
// attribute.
func spreadOf(units []unit, teams int) float64 {
	count := make([]int, teams)
	sum := make([]float64, teams)
	for _, u := range units {
		count[u.team] += u.n
		sum[u.team] += u.sum
	}
	return avgSpread(sum, count)
}

// avgSpread is the largest minus the smallest of the averages sum[t] /
// count[t] over the teams with players (0 when no team has any): the
// balanceSpread of a match whose rule set has strategy balanced.
func avgSpread(sum []float64, count []int) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for t := range count {
		if count[t] > 0 {
			a := sum[t] / float64(count[t])
			lo, hi = min(lo, a), max(hi, a)
		}
	}
	if hi < lo {
		return 0
	}
	return hi - lo
}

// balance, for a rule set with strategy balanced, swaps tickets between
// teams while that narrows the spread of team averages of the balanced
// attribute and every rule still passes; it records the spread.
func (b *builder) balance(v *ruleset.Values) {
	attr := b.rs.BalancedAttribute()
	if attr < 0 {
		return
	}
	_, slot := b.rs.Schema().Slot(attr)
	spread := b.teamSpread(slot)
	for round := 0; round < 8; round++ {
		improved := false
		for i := range b.members {
			for j := i + 1; j < len(b.members); j++ {
				if b.fixed[i] != nil || b.fixed[j] != nil || b.team[i] == b.team[j] || b.members[i].r.Players() != b.members[j].r.Players() {
					continue
				}
				b.swap(i, j)
				if s := b.teamSpread(slot); s < spread-spreadSlack && b.ev.Evaluate(&b.cand, v, ruleset.Final) {
					spread, improved = s, true
					continue
				}
				b.swap(i, j)
			}
		}
		if !improved {
			break
		}
	}
	b.ev.Evaluate(&b.cand, v, ruleset.Final) // leave the evaluator's state on the final composition
	b.location = b.ev.Location()
	b.spread = &spread
}

// teamSpread is the largest minus the smallest team average of the number
// attribute in slot, over teams with players.
func (b *builder) teamSpread(slot int) float64 {
	sums := append(b.spreadSum[:0], make([]float64, len(b.counts))...)
	ns := append(b.spreadN[:0], make([]int, len(b.counts))...)
	b.spreadSum, b.spreadN = sums, ns
	for i, t := range b.members {
		for p := range t.r.Players() {
			team := b.team[i]
			if b.fixed[i] != nil {
				team = b.fixed[i][p]
			}
			sums[team] += t.r.Num(p, slot)
			ns[team]++
		}
	}
	return avgSpread(sums, ns)
}
