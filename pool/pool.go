package pool

import (
	"math"

	"github.com/matchforge/matchforge/ticket"
	"github.com/tidwall/btree"
)

// Options choose the indexes a pool keeps besides the age index. The zero
// value keeps only the age index.
type Options struct {
	// Numbers is how many number keys each entry carries (Entry.Nums); each
	// gets an index ordered by value.
	Numbers int
	// Strings is how many string keys each entry carries (Entry.Strs); each
	// gets an index that groups equal values.
	Strings int
	// Latency keeps an index per location ordered by latency (Entry.Lat).
	Latency bool
}

// Entry is one ticket in a pool. The caller fills ID, Start, the keys and
// Item before Insert and must not change them while the entry is in the
// pool.
type Entry[T any] struct {
	ID    string
	Start int64     // when the ticket started (any monotonic unit, e.g. Unix nanoseconds)
	Nums  []float64 // number keys, one per Options.Numbers
	Strs  []string  // string keys, one per Options.Strings
	// Lat lists the ticket's latency per location (the party's lowest, for
	// a party), sorted by location id.
	Lat  []ticket.Latency
	Item T
	seq  uint64
	pool *Pool[T] // the pool holding the entry, nil when out
}

// In reports whether the entry is in a pool.
func (e *Entry[T]) In() bool { return e.pool != nil }

type keyItem[T any] struct {
	key float64
	seq uint64
	e   *Entry[T]
}

type strItem[T any] struct {
	key string
	seq uint64
	e   *Entry[T]
}

// Pool holds the tickets of one configuration in B-trees (tidwall/btree)
// that every Insert and Remove keeps current:
//
//   - by age: start time, then ticket id (the order anchors are tried in);
//   - by each number key: neighbours of a value are a range scan;
//   - by each string key: equal values form one contiguous bucket;
//   - by latency per location: the tickets acceptable at a location under a
//     latency bound are a prefix.
//
// In the costs below n is the number of entries and k the number an
// operation visits. A Pool is not safe for concurrent use.
type Pool[T any] struct {
	opts Options
	seq  uint64
	age  *btree.BTreeG[*Entry[T]]
	nums []*btree.BTreeG[keyItem[T]]
	strs []*btree.BTreeG[strItem[T]]
	lat  []*btree.BTreeG[keyItem[T]] // by location id

	// its are Nearest's iterators, kept so that a call allocates nothing;
	// itsBusy marks them taken (a callback that calls Nearest again gets
	// fresh ones).
	its     [3]btree.IterG[keyItem[T]]
	itsBusy bool
}

var treeOpts = btree.Options{NoLocks: true, Degree: 32}

// ageLess orders by start, then id, then insertion: the last makes two
// entries with the same start and id distinct, where otherwise the second
// Insert would silently replace the first in the age index.
func ageLess[T any](a, b *Entry[T]) bool {
	if a.Start != b.Start {
		return a.Start < b.Start
	}
	if a.ID != b.ID {
		return a.ID < b.ID
	}
	return a.seq < b.seq
}

func keyLess[T any](a, b keyItem[T]) bool {
	if a.key != b.key {
		return a.key < b.key
	}
	return a.seq < b.seq
}

func strLess[T any](a, b strItem[T]) bool {
	if a.key != b.key {
		return a.key < b.key
	}
	return a.seq < b.seq
}

// New returns an empty pool with the indexes opts asks for.
func New[T any](opts Options) *Pool[T] {
	p := &Pool[T]{opts: opts, age: btree.NewBTreeGOptions(ageLess[T], treeOpts)}
	for range opts.Numbers {
		p.nums = append(p.nums, btree.NewBTreeGOptions(keyLess[T], treeOpts))
	}
	for range opts.Strings {
		p.strs = append(p.strs, btree.NewBTreeGOptions(strLess[T], treeOpts))
	}
	return p
}

// Options returns the options the pool was made with.
func (p *Pool[T]) Options() Options { return p.opts }

// Len returns the number of entries. Cost: O(1).
func (p *Pool[T]) Len() int { return p.age.Len() }

// Insert adds e to every index. It panics if e is already in a pool or its
// keys do not match the options (a programming error). Cost: O(log n) per
// index, that is O((1 + Numbers + Strings + len(e.Lat)) log n).
func (p *Pool[T]) Insert(e *Entry[T]) {
	if e.pool != nil {
		panic("pool: Insert of an entry that is already in a pool")
	}
	if len(e.Nums) != p.opts.Numbers || len(e.Strs) != p.opts.Strings {
		panic("pool: entry keys do not match the pool's options")
	}
	p.seq++
	e.seq, e.pool = p.seq, p
	p.age.Set(e)
	for i, t := range p.nums {
		t.Set(keyItem[T]{e.Nums[i], e.seq, e})
	}
	for i, t := range p.strs {
		t.Set(strItem[T]{e.Strs[i], e.seq, e})
	}
	if p.opts.Latency {
		for _, l := range e.Lat {
			p.latTree(l.Loc).Set(keyItem[T]{float64(l.Ms), e.seq, e})
		}
	}
}

// Remove takes e out of every index; it does nothing when e is not in this
// pool (never inserted, already removed, or in another pool). Cost: the same
// as Insert.
func (p *Pool[T]) Remove(e *Entry[T]) {
	if e.pool != p {
		return
	}
	p.age.Delete(e)
	for i, t := range p.nums {
		t.Delete(keyItem[T]{e.Nums[i], e.seq, e})
	}
	for i, t := range p.strs {
		t.Delete(strItem[T]{e.Strs[i], e.seq, e})
	}
	if p.opts.Latency {
		for _, l := range e.Lat {
			p.latTree(l.Loc).Delete(keyItem[T]{float64(l.Ms), e.seq, e})
		}
	}
	e.pool = nil
}

func (p *Pool[T]) latTree(loc int32) *btree.BTreeG[keyItem[T]] {
	for int(loc) >= len(p.lat) {
		p.lat = append(p.lat, btree.NewBTreeGOptions(keyLess[T], treeOpts))
	}
	return p.lat[loc]
}

// Oldest returns the entry that started first. Cost: O(log n).
func (p *Pool[T]) Oldest() (*Entry[T], bool) { return p.age.Min() }

// Ascend calls fn for each entry in age order (start time, then id), from
// the first entry not before after (nil: from the oldest), until fn returns
// false. Cost: O(log n + k).
func (p *Pool[T]) Ascend(after *Entry[T], fn func(*Entry[T]) bool) {
	if after == nil {
		p.age.Scan(fn)
		return
	}
	p.age.Ascend(after, fn)
}

// Range calls fn for each entry whose number key k lies in [lo, hi], in
// ascending key order (ties in insertion order), until fn returns false.
// Cost: O(log n + k).
func (p *Pool[T]) Range(k int, lo, hi float64, fn func(*Entry[T]) bool) {
	p.nums[k].Ascend(keyItem[T]{key: lo}, func(it keyItem[T]) bool {
		if it.key > hi {
			return false
		}
		return fn(it.e)
	})
}

// Nearest calls fn for each entry in order of the distance of its number
// key k from x, closest first (at equal distance the lower key first, then
// insertion order), until fn returns false or the distance exceeds maxDist
// (math.Inf(1) for no bound). Cost: O(log n + k), plus O(log n) for each
// distinct key value below x that it visits.
func (p *Pool[T]) Nearest(k int, x, maxDist float64, fn func(e *Entry[T], dist float64) bool) {
	t := p.nums[k]
	its := &p.its
	if p.itsBusy {
		its = new([3]btree.IterG[keyItem[T]])
	} else {
		p.itsBusy = true
		defer func() { p.itsBusy = false }()
	}
	up, down, group := &its[0], &its[1], &its[2]
	for i := range its {
		its[i].Init(t, false)
	}
	defer func() {
		for i := range its {
			its[i].Release()
		}
	}()
	pivot := keyItem[T]{key: x}
	hasUp := up.Seek(pivot)
	// down starts at the last item before the pivot.
	var hasDown bool
	if down.Seek(pivot) {
		hasDown = down.Prev()
	} else {
		hasDown = down.Last()
	}
	for hasUp || hasDown {
		du, dd := math.Inf(1), math.Inf(1)
		if hasUp {
			du = up.Item().key - x
		}
		if hasDown {
			dd = x - down.Item().key
		}
		if min(du, dd) > maxDist {
			return
		}
		if dd <= du && hasDown {
			// down walks keys below x in descending order, which would
			// visit entries with equal keys newest first; visit the whole
			// group of the key in insertion order instead, then step below
			// it.
			kd := keyItem[T]{key: down.Item().key}
			for ok := group.Seek(kd); ok && group.Item().key == kd.key; ok = group.Next() {
				if !fn(group.Item().e, dd) {
					return
				}
			}
			hasDown = down.Seek(kd) && down.Prev()
			continue
		}
		if !fn(up.Item().e, du) {
			return
		}
		hasUp = up.Next()
	}
}

// Bucket calls fn for each entry whose string key k equals value, in
// insertion order, until fn returns false. Cost: O(log n + k).
func (p *Pool[T]) Bucket(k int, value string, fn func(*Entry[T]) bool) {
	p.strs[k].Ascend(strItem[T]{key: value}, func(it strItem[T]) bool {
		if it.key != value {
			return false
		}
		return fn(it.e)
	})
}

// Buckets calls fn with each distinct value of string key k and the number
// of entries holding it, in value order. Cost: O(n).
func (p *Pool[T]) Buckets(k int, fn func(value string, n int) bool) {
	var cur string
	n := 0
	stop := false
	p.strs[k].Scan(func(it strItem[T]) bool {
		if n > 0 && it.key != cur {
			if !fn(cur, n) {
				stop = true
				return false
			}
			n = 0
		}
		cur = it.key
		n++
		return true
	})
	if n > 0 && !stop {
		fn(cur, n)
	}
}

// Latency calls fn for each entry whose latency to loc is at most maxMs, in
// ascending latency order, until fn returns false: the prefix of the
// location's index. The pool must have been made with Options.Latency.
// Cost: O(log n + k).
func (p *Pool[T]) Latency(loc int32, maxMs float64, fn func(e *Entry[T], ms float64) bool) {
	if loc < 0 || int(loc) >= len(p.lat) {
		return
	}
	p.lat[loc].Scan(func(it keyItem[T]) bool {
		if it.key > maxMs {
			return false
		}
		return fn(it.e, it.key)
	})
}

// LatencyCount returns how many entries report loc. Cost: O(1).
func (p *Pool[T]) LatencyCount(loc int32) int {
	if loc < 0 || int(loc) >= len(p.lat) {
		return 0
	}
	return p.lat[loc].Len()
}

// Locations returns the number of location ids the latency index has seen;
// ids run from 0 to Locations()-1. Cost: O(1).
func (p *Pool[T]) Locations() int { return len(p.lat) }
