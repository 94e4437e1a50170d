package engine

// minHeap is a binary min-heap of items that know their own position in it,
// so that any item can be removed in O(log n). It backs the engine's small
// ordered queues (the out-of-order part of the anchor and deadline queues,
// wakeups, acceptance deadlines): unlike a tree it allocates nothing once
// its slice has grown, which keeps a steady step allocation-free.
//
// pos returns the item's position field: 0 when the item is not in the
// heap, i+1 when it is at items[i]. An item is in at most one heap per
// position field.
type minHeap[T any] struct {
	items []T
	less  func(a, b T) bool
	pos   func(T) *int32
}

func newMinHeap[T any](less func(a, b T) bool, pos func(T) *int32) *minHeap[T] {
	return &minHeap[T]{less: less, pos: pos}
}

// Len returns the number of items. Cost: O(1).
func (h *minHeap[T]) Len() int { return len(h.items) }

// Has reports whether x is in the heap. Cost: O(1).
func (h *minHeap[T]) Has(x T) bool { return *h.pos(x) != 0 }

// Min returns the least item. Cost: O(1).
func (h *minHeap[T]) Min() (T, bool) {
	if len(h.items) == 0 {
		var zero T
		return zero, false
	}
	return h.items[0], true
}

// Push adds x, or restores the order around it if it is in the heap
// already (after its key changed). Cost: O(log n).
func (h *minHeap[T]) Push(x T) {
	if p := *h.pos(x); p != 0 {
		h.down(int(p - 1))
		h.up(int(*h.pos(x) - 1))
		return
	}
	h.items = append(h.items, x)
	i := len(h.items) - 1
	*h.pos(x) = int32(i + 1)
	h.up(i)
}

// Remove takes x out of the heap if it is in. Cost: O(log n).
func (h *minHeap[T]) Remove(x T) {
	p := h.pos(x)
	if *p == 0 {
		return
	}
	i := int(*p - 1)
	*p = 0
	last := len(h.items) - 1
	if i != last {
		h.items[i] = h.items[last]
		*h.pos(h.items[i]) = int32(i + 1)
	}
	var zero T
	h.items[last] = zero
	h.items = h.items[:last]
	if i < last {
		h.down(i)
		h.up(i)
	}
}

// PopMin removes and returns the least item. Cost: O(log n).
func (h *minHeap[T]) PopMin() (T, bool) {
	x, ok := h.Min()
	if ok {
		h.Remove(x)
	}
	return x, ok
}

// Each calls fn for every item, in no particular order. Cost: O(n).
func (h *minHeap[T]) Each(fn func(T)) {
	for _, x := range h.items {
		fn(x)
	}
}

func (h *minHeap[T]) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(h.items[i], h.items[parent]) {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

func (h *minHeap[T]) down(i int) {
	n := len(h.items)
	for {
		least := i
		if l := 2*i + 1; l < n && h.less(h.items[l], h.items[least]) {
			least = l
		}
		if r := 2*i + 2; r < n && h.less(h.items[r], h.items[least]) {
			least = r
		}
		if least == i {
			return
		}
		h.swap(i, least)
		i = least
	}
}

func (h *minHeap[T]) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	*h.pos(h.items[i]) = int32(i + 1)
	*h.pos(h.items[j]) = int32(j + 1)
}
