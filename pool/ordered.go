package pool

import (
	"iter"

	"github.com/tidwall/btree"
)

// OrderedSet is a set of values kept in the order of a less function, in a
// B-tree (tidwall/btree, without locks). It serves the engine's small
// ordered queues (tickets out of arrival order, deadlines, wakeups, matches
// awaiting acceptance), so that the B-tree package is imported only here.
//
// Two values neither of which is less than the other are the same element
// of the set: Set replaces one with the other, and Delete takes either to
// remove it. less must be a strict weak order that does not change while
// values are in the set; break ties (for example by a sequence number)
// when distinct values may compare equal.
//
// In the costs below n is the number of values. An OrderedSet is not safe
// for concurrent use, and must not be changed while All is iterating over
// it. The zero value is not usable; make one with NewOrderedSet.
type OrderedSet[T any] struct {
	tr *btree.BTreeG[T]
}

// NewOrderedSet returns an empty set ordered by less. Cost: O(1), two
// small allocations.
func NewOrderedSet[T any](less func(a, b T) bool) *OrderedSet[T] {
	return &OrderedSet[T]{tr: btree.NewBTreeGOptions(less, btree.Options{NoLocks: true})}
}

// Len returns the number of values in the set. Cost: O(1).
func (s *OrderedSet[T]) Len() int { return s.tr.Len() }

// Set adds v to the set. If the set holds a value equal to v (neither less
// than the other), v replaces it and Set returns the old one with replaced
// true. Cost: O(log n); it allocates only when a tree node splits (or is
// first copied after Copy).
func (s *OrderedSet[T]) Set(v T) (prev T, replaced bool) { return s.tr.Set(v) }

// Delete removes the value equal to v, if any, and returns it with ok
// true. Cost: O(log n).
func (s *OrderedSet[T]) Delete(v T) (removed T, ok bool) { return s.tr.Delete(v) }

// Min returns the least value, or ok false for an empty set. Cost:
// O(log n), no allocation.
func (s *OrderedSet[T]) Min() (v T, ok bool) { return s.tr.Min() }

// PopMin removes the least value and returns it, or ok false for an empty
// set. Cost: O(log n).
func (s *OrderedSet[T]) PopMin() (v T, ok bool) { return s.tr.PopMin() }

// All returns an iterator over the values in ascending order. Stopping
// early (break) is cheap: a loop that takes k values costs O(log n + k).
// The set must not change during the loop.
func (s *OrderedSet[T]) All() iter.Seq[T] {
	return func(yield func(T) bool) { s.tr.Scan(yield) }
}

// Copy returns a set with the same values and order, which shares the tree
// with s until either is changed (copy on write): the copy costs O(1), and
// the first change to each shared node afterwards copies that node, so that
// neither set ever sees the other's changes. The values themselves are not
// copied. Copy counts as a change to s: it must not run alongside other
// uses of s. Once made, the two sets are independent and may be used by
// different goroutines.
func (s *OrderedSet[T]) Copy() *OrderedSet[T] { return &OrderedSet[T]{tr: s.tr.Copy()} }
