package engine

import (
	"time"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ruleset"
)

// The rotation (issue 9): after the changed anchors of a step have had
// their greedy attempts, a configuration of a small rule set spends at most
// SearchBudget more units on an exhaustive search over the compositions
// around one waiting ticket after another, in age order. The search around
// an anchor is a depth-first walk over the subsets of its candidates (up to
// rotationWindow of them, collected from the nearest index when its turn
// starts) and over every team each may join; batchDistance and latency
// rules prune it (a failure there cannot be repaired by adding players) and
// every node where each team has its minimum gets the final check (D7). The
// first composition that passes is committed. An anchor whose candidates
// cannot bring it to a match's fewest players in any phase, location and
// window (reachableWith, anchorsFor's count) is passed over without a
// walk.
//
// The walk is resumable: a step ends it wherever the units run out, and the
// next step goes on from there, so a step's cost stays bounded while the
// search eventually covers everything. An anchor may spend at most its
// allowance in one pass over the pool, SearchBudget << pass: a pass in which
// some anchor ran out doubles the allowance of the next, up to
// rotationGrowth doublings, and any change (a changed anchor, a match)
// starts again from one budget, so that in a busy pool every waiting ticket
// gets its turn within a pass of about one step per ticket. See the package
// documentation for the bound this gives.

// rotFrame is one level of the walk: the candidate's index (-1 for the
// anchor itself) and its team (-1 for a backfill anchor's fixed teams).
type rotFrame struct{ i, team int32 }

// rotCand is a candidate of the walk, with the pool sequence number its
// entry had when it was collected: once it leaves the pool it is skipped,
// even if it comes back.
type rotCand struct {
	t   *tk
	seq uint64
}

// rotation is a configuration's place in its rotation.
type rotation struct {
	after rotPos     // the anchor whose turn came last; the next comes after it
	cur   *tk        // the anchor being searched, nil between turns
	seq   uint64     // cur's pool sequence number when its turn began
	cands []rotCand  // cur's candidates
	path  []rotFrame // the next node to visit: frame 0 places the anchor
	spent int        // units cur spent in this pass
	pass  int        // passes since the last change, at most rotationGrowth
	cut   bool       // some anchor of this pass ran out of allowance

	// Scratch of next.
	pivot pool.Entry[*tk]
	found *tk
	visit func(*pool.Entry[*tk]) bool
}

// rotPos is a position in the pool's age order (start time, then id).
type rotPos struct {
	start int64
	id    string
	set   bool
}

// The results of one stretch of the walk.
const (
	walkStopped = iota // out of units; the path is where to go on
	walkDone           // every composition around the anchor was visited
	walkMatched        // the builder's candidate passed its final check
)

// rotate spends one step's units on the rotation. changed reports whether
// anything changed in the step (an anchor was tried): the allowance then
// starts again from one budget.
func (e *Engine) rotate(c *config, now time.Time, changed bool) {
	r := &c.rot
	if r.visit == nil {
		r.visit = r.take
	}
	if changed {
		r.pass, r.cut = 0, false
	}
	b := c.builder(e)
	units := e.cfg.SearchBudget
	wrapped := false
	for units > 0 {
		if r.cur == nil || !r.valid(r.cur, r.seq) {
			a := r.next(c)
			if a == nil {
				if wrapped || !r.after.set {
					r.cur = nil
					return // no ticket waits, or each had its turn in this step
				}
				wrapped = true
				r.after = rotPos{}
				if r.cut && r.pass < rotationGrowth {
					r.pass++
				}
				r.cut = false
				continue
			}
			units -= r.begin(b, a, now)
			if r.cur == nil {
				continue
			}
		}
		allow := e.cfg.SearchBudget << r.pass
		used, res := b.walk(r, now, min(units, allow-r.spent))
		units -= used
		r.spent += used
		switch {
		case res == walkMatched:
			e.commit(c, b, now)
			r.cur, r.pass, r.cut = nil, 0, false
		case res == walkDone:
			r.cur = nil
		case r.spent >= allow:
			r.cur, r.cut = nil, true
		}
	}
}

// valid reports whether t is still in the pool it was in with sequence
// number seq.
func (r *rotation) valid(t *tk, seq uint64) bool {
	return t != nil && t.matchable() && t.ent.Seq() == seq
}

// next returns the first waiting ticket after r.after in age order, or nil.
func (r *rotation) next(c *config) *tk {
	var from *pool.Entry[*tk]
	if r.after.set {
		r.pivot.ID, r.pivot.Start = r.after.id, r.after.start
		from = &r.pivot
	}
	r.found = nil
	c.pool.Ascend(from, r.visit)
	return r.found
}

// take is next's callback (r.visit, a method value made once, so that next
// does not allocate): it stops at the first waiting ticket after r.after.
func (r *rotation) take(en *pool.Entry[*tk]) bool {
	if r.after.set && en.Start == r.after.start && en.ID == r.after.id {
		return true // the last anchor itself
	}
	if en.Item.matchable() {
		r.found = en.Item
		return false
	}
	return true
}

// begin starts a's turn: its candidates, from the most selective index, and
// the first node, the anchor on its first team with room. It returns the
// units it cost: one, and one per candidate.
func (r *rotation) begin(b *builder, a *tk, now time.Time) int {
	r.after = rotPos{start: a.ent.Start, id: a.id, set: true}
	r.cur, r.seq, r.spent = a, a.ent.Seq(), 0
	clear(r.cands) // no stale pointer keeps a ticket alive
	r.cands, r.path = r.cands[:0], r.path[:0]
	b.begin(a, now)
	if b.rs.HasLatencyRule() && len(b.anchorLocs) == 0 {
		r.cur = nil
		return 1
	}
	first := int32(-1)
	if a.backfill == nil {
		for tm := range b.counts {
			if a.r.Players() <= b.bound.Team(tm).Max {
				first = int32(tm)
				break
			}
		}
		if first < 0 {
			r.cur = nil
			return 1
		}
	}
	b.push(a, int(first), a.teamsIfBackfill())
	b.budget = rotationWindow
	b.collect(rotationWindow)
	for _, t := range b.window {
		r.cands = append(r.cands, rotCand{t, t.ent.Seq()})
	}
	// No subset of the candidates can bring a to a match's smallest size
	// (the count of anchorsFor's prune, an upper bound on every
	// composition's players): the walk would visit its nodes for nothing.
	// Backfill tickets are scored one player at a time (D23), so a turn
	// with one walks.
	if a.backfill == nil && !b.walkEvery {
		if n, _ := b.reachableWith(b.window, a); n < b.c.plan.minPlayers {
			r.cur = nil
			if b.rotPruned != nil {
				b.rotPruned(a, now)
			}
			return 1 + len(r.cands)
		}
	}
	r.path = append(r.path, rotFrame{-1, first})
	return 1 + len(r.cands)
}

// teamsIfBackfill returns a backfill ticket's players' teams, nil for any
// other ticket.
func (t *tk) teamsIfBackfill() []int {
	if t.backfill != nil {
		return t.teams
	}
	return nil
}

// walk visits up to n nodes of the search around r.cur, from r.path, and
// returns how many it visited and how it ended. With walkMatched the
// builder holds the composition, checked.
func (b *builder) walk(r *rotation, now time.Time, n int) (used, res int) {
	a := r.cur
	b.begin(a, now)
	// Rebuild the candidate up to the node's parent; a member that has left
	// the pool since ends its subtree.
	for k, f := range r.path[:len(r.path)-1] {
		if !b.fitsFrame(r, f) {
			r.path = r.path[:k+1] // the builder holds frames 0 to k-1
			if !r.advance(b) {
				return used, walkDone
			}
			break
		}
		b.pushFrame(r, f)
	}
	for used < n {
		f := r.path[len(r.path)-1]
		if !b.fitsFrame(r, f) {
			if !r.advance(b) {
				return used, walkDone
			}
			continue
		}
		used++
		b.pushFrame(r, f)
		// Prune at the most relaxed values any composition reaches: what
		// fails a batchDistance or latency rule there fails with more
		// players too, whatever their ages (with expansionAgeSelection
		// oldest, an older member relaxes the values).
		if ok, _, _ := b.evaluate(b.bound, ruleset.Structural); ok {
			if !b.belowMin() && !(a.backfill != nil && len(b.members) < 2) && b.check() {
				return used, walkMatched
			}
			if !b.fullAt(b.bound) && int(f.i)+1 < len(r.cands) {
				r.path = append(r.path, rotFrame{f.i + 1, 0})
				continue
			}
		}
		b.pop()
		if !r.advance(b) {
			return used, walkDone
		}
	}
	return used, walkStopped
}

// advance moves the path's last frame to its next sibling (the next team,
// then the next candidate), going up a level, and taking the parent out of
// the builder's candidate, when a level has none left. The builder holds
// the frames before the last. It reports false when the walk is over.
func (r *rotation) advance(b *builder) bool {
	teams := int32(len(b.counts))
	for {
		k := len(r.path) - 1
		f := &r.path[k]
		if k == 0 {
			if f.team < 0 || f.team+1 >= teams {
				return false // a backfill anchor, or the anchor tried on every team
			}
			f.team++
			return true
		}
		if f.team+1 < teams {
			f.team++
			return true
		}
		if f.i+1 < int32(len(r.cands)) {
			f.i, f.team = f.i+1, 0
			return true
		}
		r.path = r.path[:k]
		b.pop() // the parent, whose subtree is done
	}
}

// fitsFrame reports whether frame f can be placed on the builder's
// candidate: its ticket is still waiting where it was collected and
// compatible, and its team has room for its players.
func (b *builder) fitsFrame(r *rotation, f rotFrame) bool {
	if f.i < 0 {
		return f.team < 0 || r.cur.r.Players() <= b.bound.Team(int(f.team)).Max
	}
	c := r.cands[f.i]
	if !r.valid(c.t, c.seq) || !b.compatible(c.t) {
		return false
	}
	np, v := c.t.r.Players(), b.bound // the final check tests the sizes at the members' own values
	return b.total+np <= b.capacity(v) && b.counts[f.team]+np <= v.Team(int(f.team)).Max
}

// pushFrame places frame f on the builder's candidate.
func (b *builder) pushFrame(r *rotation, f rotFrame) {
	if f.i < 0 {
		b.push(r.cur, int(f.team), r.cur.teamsIfBackfill())
		return
	}
	t := r.cands[f.i].t
	b.push(t, int(f.team), nil)
	b.newest, b.oldest = max(b.newest, t.ent.Start), min(b.oldest, t.ent.Start)
}
