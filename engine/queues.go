package engine

import (
	"iter"
	"slices"
)

// Where a ticket sits in a queue.
const (
	inNone uint8 = iota
	inFIFO
	inTree
)

// anchorQueue holds the tickets to try as anchors at the next step, in
// anchor order: priority class (backfillPriority, D23), then age (start
// time, then arrival). New tickets arrive in that order, so they append to a
// FIFO per class at O(1); the few that come out of order (tickets back from
// a failed acceptance, tickets woken by an expansion) go to a B-tree. A
// removed ticket stays in its FIFO as a stale entry, recognised by a
// generation count and skipped when reached.
type anchorQueue struct {
	fifo [2]tkFIFO
	tree *minHeap[*tk]
}

type tkEntry struct {
	t   *tk
	gen uint32
}

// tkFIFO is a FIFO of tickets with lazy removal.
type tkFIFO struct {
	q    []tkEntry
	head int
}

func (f *tkFIFO) push(t *tk, gen uint32) {
	if f.head > fifoReuse && f.head > len(f.q)/2 && len(f.q) == cap(f.q) {
		// Reuse the popped half instead of growing past it.
		n := copy(f.q, f.q[f.head:])
		clear(f.q[n:])
		f.q, f.head = f.q[:n], 0
	}
	f.q = append(f.q, tkEntry{t, gen})
}

// reserve makes room for n more entries.
func (f *tkFIFO) reserve(n int) { f.q = slices.Grow(f.q, n) }

// front returns the first live entry, dropping stale ones.
func (f *tkFIFO) front(live func(tkEntry) bool) (*tk, bool) {
	for f.head < len(f.q) {
		if e := f.q[f.head]; live(e) {
			return e.t, true
		}
		f.q[f.head] = tkEntry{}
		f.head++
	}
	f.q, f.head = f.q[:0], 0
	return nil, false
}

// last returns the newest entry, live or not.
func (f *tkFIFO) last() (*tk, bool) {
	if f.head == len(f.q) {
		return nil, false
	}
	return f.q[len(f.q)-1].t, true
}

func (f *tkFIFO) pop() {
	f.q[f.head] = tkEntry{}
	f.head++
}

func newAnchorQueue() *anchorQueue {
	return &anchorQueue{tree: newMinHeap(anchorLess, func(t *tk) *int32 { return &t.dirtyPos })}
}

func (q *anchorQueue) live(e tkEntry) bool { return e.t.dirtyIn == inFIFO && e.t.dirtyGen == e.gen }

// push queues t (which must not be queued). Cost: O(1) when t comes after
// every ticket of its class's FIFO, else O(log n).
func (q *anchorQueue) push(t *tk) {
	t.dirtyGen++
	f := &q.fifo[t.class]
	if last, ok := f.last(); !ok || !anchorLess(t, last) {
		f.push(t, t.dirtyGen)
		t.dirtyIn = inFIFO
		return
	}
	q.tree.Push(t)
	t.dirtyIn = inTree
}

// remove takes t out of the queue. Cost: O(1) from a FIFO, O(log n) from
// the tree.
func (q *anchorQueue) remove(t *tk) {
	if t.dirtyIn == inTree {
		q.tree.Remove(t)
	}
	t.dirtyIn = inNone
}

// pop removes and returns the first ticket in anchor order.
func (q *anchorQueue) pop() (*tk, bool) {
	var best *tk
	src := -1
	for i := range q.fifo {
		if t, ok := q.fifo[i].front(q.live); ok && (best == nil || anchorLess(t, best)) {
			best, src = t, i
		}
	}
	if t, ok := q.tree.Min(); ok && (best == nil || anchorLess(t, best)) {
		best, src = t, len(q.fifo)
	}
	if best == nil {
		return nil, false
	}
	if src == len(q.fifo) {
		q.tree.Remove(best)
	} else {
		q.fifo[src].pop()
	}
	best.dirtyIn = inNone
	return best, true
}

// drain pops the tickets one by one, in anchor order, until the queue is
// empty: tickets queued meanwhile come out too.
func (q *anchorQueue) drain() iter.Seq[*tk] {
	return func(yield func(*tk) bool) {
		for {
			t, ok := q.pop()
			if !ok || !yield(t) {
				return
			}
		}
	}
}

// clear empties the queue.
func (q *anchorQueue) clear() {
	for range q.drain() {
	}
}

// deadlineQueue holds the request deadlines of QUEUED and SEARCHING tickets
// (D16). A new ticket's deadline is its start plus the configuration's
// RequestTimeoutSeconds, so tickets registered under the same timeout come
// in deadline order: each timeout gets a FIFO. Tickets that come back to the
// search, or whose deadline would break a FIFO's order, go to a B-tree.
// Removal is lazy for FIFOs, as in anchorQueue.
type deadlineQueue struct {
	fifos []deadlineFIFO
	tree  *minHeap[*tk]
}

type deadlineFIFO struct {
	timeout int64
	tkFIFO
}

func newDeadlineQueue() *deadlineQueue {
	return &deadlineQueue{tree: newMinHeap(deadlineLess, func(t *tk) *int32 { return &t.dlPos })}
}

func deadlineLess(a, b *tk) bool {
	if a.deadline != b.deadline {
		return a.deadline < b.deadline
	}
	return a.seq < b.seq
}

func (q *deadlineQueue) live(e tkEntry) bool { return e.t.dlIn == inFIFO && e.t.dlGen == e.gen }

// push queues t's deadline (t must not be queued). Cost: O(1) for a new
// ticket, O(log n) otherwise.
func (q *deadlineQueue) push(t *tk) {
	t.dlGen++
	timeout := t.deadline - t.ent.Start
	var f *deadlineFIFO
	for i := range q.fifos {
		if q.fifos[i].timeout == timeout {
			f = &q.fifos[i]
		}
	}
	if f == nil {
		q.fifos = append(q.fifos, deadlineFIFO{timeout: timeout})
		f = &q.fifos[len(q.fifos)-1]
	}
	if last, ok := f.last(); !ok || !deadlineLess(t, last) {
		f.push(t, t.dlGen)
		t.dlIn = inFIFO
		return
	}
	q.tree.Push(t)
	t.dlIn = inTree
}

// pushBack queues the deadline of a ticket that returns to the search.
func (q *deadlineQueue) pushBack(t *tk) {
	t.dlGen++
	q.tree.Push(t)
	t.dlIn = inTree
}

func (q *deadlineQueue) remove(t *tk) {
	if t.dlIn == inTree {
		q.tree.Remove(t)
	}
	t.dlIn = inNone
}

// popDue removes and returns a ticket whose deadline is at or before now.
func (q *deadlineQueue) popDue(now int64) (*tk, bool) {
	var best *tk
	src := -1
	for i := range q.fifos {
		if t, ok := q.fifos[i].front(q.live); ok && t.deadline <= now && (best == nil || deadlineLess(t, best)) {
			best, src = t, i
		}
	}
	if t, ok := q.tree.Min(); ok && t.deadline <= now && (best == nil || deadlineLess(t, best)) {
		best, src = t, len(q.fifos)
	}
	if best == nil {
		return nil, false
	}
	if src == len(q.fifos) {
		q.tree.Remove(best)
	} else {
		q.fifos[src].pop()
	}
	best.dlIn = inNone
	return best, true
}

// each calls fn for every queued ticket, in no particular order.
func (q *deadlineQueue) each(fn func(*tk)) {
	for i := range q.fifos {
		f := &q.fifos[i]
		for _, e := range f.q[f.head:] {
			if q.live(e) {
				fn(e.t)
			}
		}
	}
	q.tree.Each(fn)
}
