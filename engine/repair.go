package engine

import (
	"github.com/matchforge/matchforge/ruleset"
)

// Repairs of a complete candidate that fails its final check (D7): swaps
// between teams, drops, and a bounded search over team assignments. Their
// budgets are in tuning.go.

// finish checks the complete candidate (D7), repairing it when it fails: by
// swapping tickets between teams, by searching other team assignments
// (reassign), then by dropping the latest additions. Repairs stop as soon
// as a team falls below its minimum, since removing players cannot fix
// that.
func (b *builder) finish() bool {
	b.repairs = repairBudget
	for {
		if b.anchor.backfill != nil && len(b.members) < 2 {
			return false // a backfill match must add a ticket (D23)
		}
		if b.belowMin() {
			return false
		}
		if b.check() || b.swapRepair() || b.reassign(reassignChecks) || b.substituteLast() {
			return true
		}
		if len(b.members) < 2 || b.repairs <= 0 {
			return false
		}
		b.pop()
	}
}

// substituteLast tries, in place of the last member, the candidates the
// build saw but did not keep (its last window, then those the partial checks
// turned away), and keeps the first composition that passes the final
// check: a rule that partial candidates cannot judge, such as a collection
// rule's minCount, fails on one composition and passes on another (issue 9,
// defect 2). It spends the repair budget, and leaves the candidate as it
// was when nothing passes.
func (b *builder) substituteLast() bool {
	n := len(b.members)
	if n < 2 || b.fixed[n-1] != nil || b.repairs <= 0 {
		return false
	}
	last, team := b.members[n-1], b.team[n-1]
	b.pop()
	for _, list := range [2][]*tk{b.window, b.deferred} {
		for _, t := range list {
			if b.repairs <= 0 {
				break
			}
			if t == last || t.mark == b.epoch || !b.placeIfRoom(t, ruleset.Partial) {
				continue // a member already, the one replaced, or no fit
			}
			if !b.belowMin() && b.check() {
				return true
			}
			b.pop()
		}
	}
	b.push(last, team, nil)
	b.newest, b.oldest = max(b.newest, last.ent.Start), min(b.oldest, last.ent.Start)
	return false
}

// belowMin reports whether some team is below its effective minimum.
func (b *builder) belowMin() bool {
	v := b.values(b.newest, b.oldest)
	for i := range b.counts {
		if b.counts[i] < v.Team(i).Min {
			return true
		}
	}
	return false
}

// check evaluates the candidate completely: team sizes, then every rule.
func (b *builder) check() bool {
	v := b.values(b.newest, b.oldest)
	if b.total > b.capacity(v) {
		return false
	}
	for i := range b.counts {
		if b.counts[i] < v.Team(i).Min || b.counts[i] > v.Team(i).Max {
			return false
		}
	}
	b.repairs--
	ok := b.ev.Evaluate(&b.cand, v, ruleset.Final)
	b.charge(b.anchor, b.ev.Results(), b.ev.Err())
	if ok {
		b.location = b.ev.Location()
		b.balance(v)
	}
	return ok
}

// swapRepair tries exchanging two tickets of equal size on different teams
// (or moving one to a team with room) until the candidate passes, within a
// bounded number of evaluations.
func (b *builder) swapRepair() bool {
	if len(b.rs.Teams()) < 2 {
		return false
	}
	v := b.values(b.newest, b.oldest)
	tries := 64
	for i := range b.members {
		if b.repairs <= 0 {
			return false
		}
		if b.fixed[i] != nil {
			continue
		}
		for j := i + 1; j < len(b.members) && tries > 0; j++ {
			if b.fixed[j] != nil || b.team[i] == b.team[j] || b.members[i].r.Players() != b.members[j].r.Players() {
				continue
			}
			tries--
			b.swap(i, j)
			if b.check() {
				return true
			}
			b.swap(i, j)
		}
		n := b.members[i].r.Players()
		for tm := range b.counts {
			if tries <= 0 || tm == b.team[i] || b.counts[tm]+n > v.Team(tm).Max {
				continue
			}
			tries--
			from := b.team[i]
			b.move(i, tm)
			if b.check() {
				return true
			}
			b.move(i, from)
		}
	}
	return false
}

// reassign searches other team assignments of the members (parties whole,
// fixed backfill players in place) within every team's size bounds, and
// keeps the first on which every rule passes (SPEC 6.2: rules such as
// team-average distances depend on the placement). The latest members
// change first. It spends at most checks final checks of the repair budget
// and reassignNodes placements.
func (b *builder) reassign(checks int) bool {
	if len(b.counts) < 2 || b.repairs <= 0 {
		return false
	}
	b.packStop = max(b.repairs-checks, 0) // check() counts the repairs down
	b.packVals = b.values(b.newest, b.oldest)
	b.packIdx, b.packFrom = b.packIdx[:0], b.packFrom[:0]
	left := 0
	for i := range b.members {
		if b.fixed[i] == nil {
			n := b.members[i].r.Players()
			b.packIdx = append(b.packIdx, i)
			b.packFrom = append(b.packFrom, b.team[i])
			b.counts[b.team[i]] -= n // placed again by reassignPlace
			left += n
		}
	}
	b.packNodes = reassignNodes
	if b.reassignPlace(0, left) {
		return true
	}
	for k, i := range b.packIdx {
		b.team[i], b.cand.Teams[i] = b.packFrom[k], b.packFrom[k]
		b.incLen = -1
		b.counts[b.packFrom[k]] += b.members[i].r.Players()
	}
	return false
}

// reassignPlace places the movable members from the k-th on (left players
// in all) and checks each complete assignment not checked before.
func (b *builder) reassignPlace(k, left int) bool {
	if b.packNodes--; b.packNodes < 0 || b.repairs <= b.packStop {
		return false
	}
	v := b.packVals
	short := 0
	for tm := range b.counts {
		short += max(0, v.Team(tm).Min-b.counts[tm])
	}
	if short > left {
		return false // the rest cannot bring every team to its minimum
	}
	if k == len(b.packIdx) {
		for j, i := range b.packIdx {
			if b.team[i] != b.packFrom[j] {
				return b.check()
			}
		}
		return false // the assignment the caller has already checked
	}
	i := b.packIdx[k]
	n := b.members[i].r.Players()
	nt := len(b.counts)
	for step := range nt {
		tm := (b.packFrom[k] + step) % nt
		if b.counts[tm]+n > v.Team(tm).Max {
			continue
		}
		b.counts[tm] += n
		b.team[i], b.cand.Teams[i] = tm, tm
		b.incLen = -1
		if b.reassignPlace(k+1, left-n) {
			return true
		}
		b.counts[tm] -= n
	}
	return false
}

func (b *builder) swap(i, j int) {
	ti, tj := b.team[i], b.team[j]
	b.move(i, tj)
	b.move(j, ti)
}

func (b *builder) move(i, team int) {
	n := b.members[i].r.Players()
	b.counts[b.team[i]] -= n
	b.counts[team] += n
	b.team[i] = team
	b.cand.Teams[i] = team
	b.incLen = -1 // the incremental mirror is rebuilt when next read
}
