package pool

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tidwall/btree"
)

// Snapshots. A pool's answers (which entries every query visits, and in
// what order) depend on its entries, their keys, their sequence numbers
// (every index breaks ties by them) and, for staged entries, on the stage
// period they were staged in: OldestEarlier leaves out the current
// period's, and Settle moves the previous period's into the trees. They do
// not depend on how the staging slices are laid out: those are sorted by
// the same keys and sequence numbers as the trees (by age, by group key),
// rebuilt from the staged set whenever a query needs them, and skip
// removed entries by a bit test. So Saved records each entry with its
// sequence number and Phase, and Restore rebuilds a pool that answers
// every query, and changes under every later operation, exactly as the
// saved one would. Restore works whether or not either pool stages
// (Options.NoStaging), since staging never changes an answer.

// Phase is where an entry stands in the stage periods.
type Phase uint8

// The phases.
const (
	// Settled: in the age and group trees (or, without staging, in them
	// and not staged in the current period).
	Settled Phase = iota
	// Carried: staged in the previous period; the next Settle moves it
	// into the trees.
	Carried
	// Staged: staged in the current period (OldestEarlier leaves it out).
	Staged
)

// SavedEntry is one entry of a pool as Saved records it.
type SavedEntry[T any] struct {
	Entry *Entry[T]
	Seq   uint64
	Phase Phase
}

// SavedState is what Restore needs besides the entries.
type SavedState struct {
	Seq       uint64 // the last sequence number handed out
	Period    uint64 // Seq at the last Settle
	Locations int    // latency trees (Locations())
	Groups    int    // group trees
}

// Saved appends every entry of the pool to dst in sequence order, and
// returns it with the pool's state. Cost: O(n log n).
func (p *Pool[T]) Saved(dst []SavedEntry[T]) ([]SavedEntry[T], SavedState) {
	start := len(dst)
	p.age.Scan(func(k ageKey[T]) bool {
		ph := Settled
		if p.current(k.e) {
			ph = Staged
		}
		dst = append(dst, SavedEntry[T]{Entry: k.e, Seq: k.e.seq, Phase: ph})
		return true
	})
	for _, s := range p.st.entries {
		if !p.stagedLive(s.seq) {
			continue
		}
		ph := Staged
		if s.seq <= p.st.period {
			ph = Carried
		}
		dst = append(dst, SavedEntry[T]{Entry: s.e, Seq: s.seq, Phase: ph})
	}
	slices.SortFunc(dst[start:], func(a, b SavedEntry[T]) int {
		switch {
		case a.Seq < b.Seq:
			return -1
		case a.Seq > b.Seq:
			return 1
		}
		return 0
	})
	return dst, SavedState{Seq: p.seq, Period: p.st.period, Locations: len(p.lat), Groups: len(p.groups)}
}

// ErrRestore is wrapped by Restore's errors.
var ErrRestore = errors.New("pool: inconsistent saved state")

// Restore fills an empty pool with saved entries (in increasing sequence
// order, as Saved lists them) and state. The entries' IDs, Start, keys and
// Item must be as they were when saved, and none may be in a pool. It
// fails, leaving the pool unusable, when the entries or state are
// inconsistent: sequence numbers out of order or above st.Seq, a phase
// that does not fit its sequence number and st.Period, keys that do not
// fit the options. Cost: O(n log n).
func (p *Pool[T]) Restore(st SavedState, entries []SavedEntry[T]) error {
	if p.count != 0 || p.seq != 0 {
		return fmt.Errorf("%w: Restore of a pool that is not empty", ErrRestore)
	}
	if st.Period > st.Seq || st.Locations < 0 || st.Groups < 0 || st.Locations > 1<<20 || st.Groups > 1<<24 {
		return fmt.Errorf("%w: stage period %d, sequence %d, %d locations, %d groups", ErrRestore, st.Period, st.Seq, st.Locations, st.Groups)
	}
	if st.Locations > 0 {
		p.latTree(int32(st.Locations - 1))
	}
	if st.Groups > 0 {
		p.groupTree(int32(st.Groups - 1))
	}
	s := &p.st
	l := &loader[T]{nums: make([][]keyItem[T], len(p.nums)), strs: make([][]strItem[T], len(p.strs))}
	var last uint64
	for i, se := range entries {
		e := se.Entry
		switch {
		case e == nil || e.pool != nil:
			return fmt.Errorf("%w: entry %d is missing or already in a pool", ErrRestore, i)
		case se.Seq <= last || se.Seq > st.Seq:
			return fmt.Errorf("%w: entry %d has sequence number %d after %d (pool at %d)", ErrRestore, i, se.Seq, last, st.Seq)
		case se.Phase > Staged || se.Phase == Carried && se.Seq > st.Period || se.Phase == Staged && se.Seq <= st.Period:
			return fmt.Errorf("%w: entry %d has phase %d with sequence number %d and stage period %d", ErrRestore, i, se.Phase, se.Seq, st.Period)
		case len(e.Nums) < p.opts.Numbers || len(e.Strs) < p.opts.Strings || slices.ContainsFunc(e.Groups, func(g int32) bool { return g < 0 || int(g) >= 1<<24 }):
			return fmt.Errorf("%w: entry %d's keys do not fit the pool's options", ErrRestore, i)
		}
		if p.opts.Latency {
			for _, lt := range e.Lat {
				if lt.Loc < 0 || lt.Loc >= 1<<20 {
					return fmt.Errorf("%w: entry %d has location id %d", ErrRestore, i, lt.Loc)
				}
			}
		}
		last = se.Seq
		p.count++
		e.seq, e.pool, e.staged, e.fresh = se.Seq, p, false, false
		l.eager(p, e)
		switch {
		case p.opts.NoStaging:
			e.fresh = se.Phase == Staged
			l.deferred(p, e)
		case se.Phase == Settled:
			l.deferred(p, e)
		default:
			if s.live == 0 {
				s.base = se.Seq - 1
			}
			e.staged = true
			s.entries = append(s.entries, staged[T]{e: e, seq: e.seq, key: e.GroupKey, goff: uint32(len(s.gids)), glen: uint32(len(e.Groups))})
			s.gids = append(s.gids, e.Groups...)
			s.live++
			if se.Phase == Carried {
				s.carried = append(s.carried, e.ageItem())
			}
		}
	}
	l.load(p)
	p.seq, s.period = st.Seq, st.Period
	slices.SortFunc(s.carried, ageCmp[T])
	if p.opts.NoStaging {
		// OldestEarlier searches afresh, from the oldest entry.
		p.early, p.earlyStale, p.earlyFromTop = nil, true, true
	}
	return nil
}

// loader gathers the items of every index, to sort them once and load
// them in order (btree.Load appends to the rightmost leaf: much cheaper
// than one Set per item). The trees' order is their items' order, so
// loading gives the same iterations as inserting one by one. Entries come
// in sequence order, so a stable sort by key alone orders the number,
// group, string and latency items as the trees do (ties by sequence).
type loader[T any] struct {
	ages   []ageKey[T]
	nums   [][]keyItem[T]
	strs   [][]strItem[T]
	lat    [][]keyItem[T]
	groups [][]keyItem[T]
}

func (l *loader[T]) eager(p *Pool[T], e *Entry[T]) {
	for i := range p.nums {
		l.nums[i] = append(l.nums[i], keyItem[T]{e.Nums[i], e.seq, e})
	}
	for i := range p.strs {
		l.strs[i] = append(l.strs[i], strItem[T]{e.Strs[i], e.seq, e})
	}
	if p.opts.Latency {
		for _, lt := range e.Lat {
			p.latTree(lt.Loc)
			for int(lt.Loc) >= len(l.lat) {
				l.lat = append(l.lat, nil)
			}
			l.lat[lt.Loc] = append(l.lat[lt.Loc], keyItem[T]{float64(lt.Ms), e.seq, e})
		}
	}
}

func (l *loader[T]) deferred(p *Pool[T], e *Entry[T]) {
	l.ages = append(l.ages, e.ageKey())
	if p.opts.Grouped {
		for _, g := range e.Groups {
			p.groupTree(g)
			for int(g) >= len(l.groups) {
				l.groups = append(l.groups, nil)
			}
			l.groups[g] = append(l.groups[g], keyItem[T]{e.GroupKey, e.seq, e})
		}
	}
}

// loadKeys sorts items (in sequence order) by key and loads them into t,
// which must be empty, as tree items.
func loadKeys[T any](p *Pool[T], t *btree.BTreeG[treeItem[T]], items []keyItem[T]) {
	p.radixSort(items)
	for _, it := range items {
		t.Load(treeItem[T]{it.key, it.e})
	}
}

func (l *loader[T]) load(p *Pool[T]) {
	slices.SortFunc(l.ages, func(a, b ageKey[T]) int { return ageCmp(a.item(), b.item()) })
	for _, k := range l.ages {
		p.age.Load(k)
	}
	for i, t := range p.nums {
		loadKeys(p, t, l.nums[i])
	}
	for i, t := range p.strs {
		items := l.strs[i]
		slices.SortStableFunc(items, func(a, b strItem[T]) int { return strings.Compare(a.key, b.key) })
		for _, it := range items {
			t.Load(it)
		}
	}
	for loc, items := range l.lat {
		p.radixSort(items)
		for _, it := range items {
			p.lat[loc].Load(it)
		}
	}
	for g, items := range l.groups {
		loadKeys(p, p.groups[g], items)
	}
}
