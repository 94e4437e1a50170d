package pool_test

import (
	"cmp"
	"slices"
	"sync"
	"testing"

	"github.com/matchforge/matchforge/pool"
	"pgregory.net/rapid"
)

// tagged is a value whose order looks at key only, so that two values with
// the same key and different tags are the same element of a set.
type tagged struct{ key, tag int }

func taggedLess(a, b tagged) bool { return a.key < b.key }

// sortedModel is the oracle for OrderedSet: a slice sorted by key, keys
// unique.
type sortedModel []tagged

func (m *sortedModel) find(key int) (int, bool) {
	return slices.BinarySearchFunc(*m, key, func(v tagged, k int) int { return cmp.Compare(v.key, k) })
}

func (m *sortedModel) set(v tagged) (tagged, bool) {
	i, found := m.find(v.key)
	if found {
		prev := (*m)[i]
		(*m)[i] = v
		return prev, true
	}
	*m = slices.Insert(*m, i, v)
	return tagged{}, false
}

func (m *sortedModel) delete(key int) (tagged, bool) {
	i, found := m.find(key)
	if !found {
		return tagged{}, false
	}
	v := (*m)[i]
	*m = slices.Delete(*m, i, i+1)
	return v, true
}

// TestOrderedSetMatchesModel runs random operations on a few sets (the
// first, and copies made along the way) and checks each against its own
// sorted slice after every operation: a change to one set must never show
// in another.
func TestOrderedSetMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sets := []*pool.OrderedSet[tagged]{pool.NewOrderedSet(taggedLess)}
		models := []sortedModel{nil}
		// Keys from a small range, so that Set often replaces and Delete
		// often hits; enough of them to split tree nodes.
		maxKey := rapid.SampledFrom([]int{5, 50, 2000}).Draw(t, "maxKey")
		key := rapid.IntRange(0, maxKey)
		tag := 0
		steps := rapid.IntRange(1, 300).Draw(t, "steps")
		for range steps {
			i := rapid.IntRange(0, len(sets)-1).Draw(t, "set")
			s, m := sets[i], &models[i]
			switch op := rapid.IntRange(0, 11).Draw(t, "op"); {
			case op < 5:
				tag++
				v := tagged{key.Draw(t, "key"), tag}
				prev, replaced := s.Set(v)
				wprev, wreplaced := m.set(v)
				if prev != wprev || replaced != wreplaced {
					t.Fatalf("Set(%v) = %v, %v; want %v, %v", v, prev, replaced, wprev, wreplaced)
				}
			case op < 7:
				// The tag of the value passed to Delete does not matter.
				k := key.Draw(t, "delete")
				got, ok := s.Delete(tagged{k, -1})
				want, wok := m.delete(k)
				if got != want || ok != wok {
					t.Fatalf("Delete(%d) = %v, %v; want %v, %v", k, got, ok, want, wok)
				}
			case op < 9:
				got, ok := s.PopMin()
				var want tagged
				if wok := len(*m) > 0; ok != wok {
					t.Fatalf("PopMin() ok = %v, want %v", ok, wok)
				} else if wok {
					want, *m = (*m)[0], (*m)[1:]
				}
				if got != want {
					t.Fatalf("PopMin() = %v, want %v", got, want)
				}
			case op == 9:
				// A run of keys, so that trees grow past one node (63
				// values) and copies share interior nodes.
				from, n := key.Draw(t, "from"), rapid.IntRange(1, 150).Draw(t, "run")
				for k := from; k < from+n; k++ {
					tag++
					s.Set(tagged{k, tag})
					m.set(tagged{k, tag})
				}
			case op == 10:
				// Delete a run of keys, so that nodes merge and rebalance.
				from, n := key.Draw(t, "from"), rapid.IntRange(1, 150).Draw(t, "run")
				for k := from; k < from+n; k++ {
					got, ok := s.Delete(tagged{key: k})
					if want, wok := m.delete(k); got != want || ok != wok {
						t.Fatalf("Delete(%d) = %v, %v; want %v, %v", k, got, ok, want, wok)
					}
				}
			default:
				if len(sets) < 4 {
					sets = append(sets, s.Copy())
					models = append(models, slices.Clone(*m))
				}
			}
			for j, s := range sets {
				checkOrderedSet(t, j, s, models[j], rapid.IntRange(0, len(models[j])+1).Draw(t, "stop"))
			}
		}
	})
}

func checkOrderedSet(t *rapid.T, j int, s *pool.OrderedSet[tagged], m sortedModel, stop int) {
	t.Helper()
	if s.Len() != len(m) {
		t.Fatalf("set %d: Len() = %d, want %d", j, s.Len(), len(m))
	}
	got, ok := s.Min()
	if ok != (len(m) > 0) || ok && got != m[0] || !ok && got != (tagged{}) {
		t.Fatalf("set %d: Min() = %v, %v; want the first of %v", j, got, ok, m)
	}
	all := slices.Collect(s.All())
	if !slices.Equal(all, m) && !(len(all) == 0 && len(m) == 0) {
		t.Fatalf("set %d: All() = %v, want %v", j, all, m)
	}
	// A loop that breaks after stop values.
	var part []tagged
	for v := range s.All() {
		if len(part) == stop {
			break
		}
		part = append(part, v)
	}
	if want := m[:min(stop, len(m))]; !slices.Equal(part, want) {
		t.Fatalf("set %d: All() broken off after %d = %v, want %v", j, stop, part, want)
	}
}

// TestOrderedSetAllocs checks that looking at the least value and at the
// first values in order allocates nothing, and that replacing a value does
// not either.
func TestOrderedSetAllocs(t *testing.T) {
	s := pool.NewOrderedSet(taggedLess)
	for k := range 1000 {
		s.Set(tagged{k, 0})
	}
	sum := 0
	for name, f := range map[string]func(){
		"Min": func() { v, _ := s.Min(); sum += v.key },
		"All": func() {
			for v := range s.All() {
				if v.key > 10 {
					break
				}
				sum += v.key
			}
		},
		"Set (replace)": func() { s.Set(tagged{500, sum}) },
		"Delete and Set": func() {
			s.Delete(tagged{key: 300})
			s.Set(tagged{300, 1})
		},
	} {
		if a := testing.AllocsPerRun(100, f); a != 0 {
			t.Errorf("%s allocates %v times per call, want 0", name, a)
		}
	}
}

// TestOrderedSetCopyConcurrent changes a set and a copy of it from two
// goroutines while a third reads another copy: under -race this checks that
// copies share nothing either writes.
func TestOrderedSetCopyConcurrent(t *testing.T) {
	s := pool.NewOrderedSet(taggedLess)
	for k := range 2000 {
		s.Set(tagged{k, 0})
	}
	a, b := s.Copy(), s.Copy()
	var wg sync.WaitGroup
	for i, set := range []*pool.OrderedSet[tagged]{s, a} {
		wg.Go(func() {
			for k := range 2000 {
				if (k+i)%2 == 0 {
					set.Delete(tagged{key: k})
				} else {
					set.Set(tagged{k, i + 1})
				}
			}
			set.PopMin()
		})
	}
	wg.Go(func() {
		n := 0
		for v := range b.All() {
			if v != (tagged{n, 0}) {
				t.Errorf("copy b changed: value %d is %v", n, v)
				return
			}
			n++
		}
		if n != 2000 {
			t.Errorf("copy b holds %d values, want 2000", n)
		}
	})
	wg.Wait()
	// s kept the odd keys (tag 1), a the even ones (tag 2); each lost its
	// least to PopMin.
	for i, set := range []*pool.OrderedSet[tagged]{s, a} {
		if set.Len() != 999 {
			t.Errorf("set %d: Len() = %d after the changes, want 999", i, set.Len())
		}
		if v, _ := set.Min(); v != (tagged{2 + 1 - i, i + 1}) {
			t.Errorf("set %d: Min() = %v", i, v)
		}
	}
}
