package engine

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

type heapItem struct {
	key, id int
	pos     int32
}

// TestMinHeap checks minHeap against a sorted slice: pushes (of new items
// and of items whose key changed), removals of any item, and pops.
func TestMinHeap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		less := func(a, b *heapItem) bool { return a.key < b.key || a.key == b.key && a.id < b.id }
		h := newMinHeap(less, func(x *heapItem) *int32 { return &x.pos })
		var all []*heapItem
		model := map[*heapItem]bool{}
		for i := range rapid.IntRange(1, 200).Draw(t, "ops") {
			switch op := rapid.IntRange(0, 3).Draw(t, "op"); {
			case op == 0 || len(all) == 0:
				x := &heapItem{key: rapid.IntRange(0, 20).Draw(t, "key"), id: i}
				all = append(all, x)
				h.Push(x)
				model[x] = true
			case op == 1:
				x := rapid.SampledFrom(all).Draw(t, "item")
				x.key = rapid.IntRange(0, 20).Draw(t, "newKey")
				h.Push(x) // in or out: it is in afterwards, in order
				model[x] = true
			case op == 2:
				x := rapid.SampledFrom(all).Draw(t, "item")
				h.Remove(x)
				delete(model, x)
			default:
				x, ok := h.PopMin()
				if ok != (len(model) > 0) {
					t.Fatalf("PopMin ok=%v with %d items", ok, len(model))
				}
				if ok {
					for y := range model { // finds the least: order does not matter
						if less(y, x) {
							t.Fatalf("PopMin gave %+v, but %+v is less", *x, *y)
						}
					}
					delete(model, x)
				}
			}
			if h.Len() != len(model) {
				t.Fatalf("Len %d, model %d", h.Len(), len(model))
			}
			for _, x := range all {
				if h.Has(x) != model[x] {
					t.Fatalf("Has(%+v) = %v, want %v", *x, h.Has(x), model[x])
				}
			}
		}
		var got []*heapItem
		for h.Len() > 0 {
			x, _ := h.PopMin()
			got = append(got, x)
		}
		if !slices.IsSortedFunc(got, func(a, b *heapItem) int {
			if less(a, b) {
				return -1
			}
			return 1
		}) {
			t.Fatalf("popped out of order")
		}
	})
}
