package pool

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strings"
)

// Staging. A matchmaker takes in many tickets between two steps and, in a
// busy pool, matches most of them in the step that follows; a B-tree insert
// and delete for each of those is most of the work such a step would do.
// Stage puts an entry in the pool without inserting it in the age and group
// indexes: until Settle, those indexes keep staged entries in sorted slices
// built when a query first needs them (a sort of the staged entries instead
// of one tree insert each), and every query merges them in. A staged entry
// that leaves before Settle costs nothing more; Settle moves the rest into
// the trees. The other indexes take staged entries at once, as Insert does.

// stage holds the entries staged since the last Settle.
type stage[T any] struct {
	entries []staged[T]    // in Stage order; removed ones stay until sorted
	live    int            // staged entries still in the pool
	dead    int            // removed entries still in the sorted slices
	sorted  bool           // groups are current
	aged    bool           // age is current
	age     []ageItem[T]   // live staged entries in age order
	groups  [][]keyItem[T] // per group id: its staged entries by key
}

// staged is an entry as staged, with the sequence number it got.
type staged[T any] struct {
	e   *Entry[T]
	seq uint64
}

// stagedLive reports whether a staged item still stands for its entry.
func (p *Pool[T]) stagedLive(e *Entry[T], seq uint64) bool {
	return e.pool == p && e.staged && e.seq == seq
}

// Stage adds e to the pool, like Insert, except that the age and group
// indexes take it only at the next Settle; queries see it at once. Cost:
// O(log n) for each number, string and latency key; O(1) otherwise, plus a
// share of one sort when a query next needs the staged entries in order.
func (p *Pool[T]) Stage(e *Entry[T]) {
	p.check(e)
	p.seq++
	e.seq, e.pool, e.staged = p.seq, p, true
	p.insertEager(e)
	p.st.entries = append(p.st.entries, staged[T]{e, e.seq})
	p.st.live++
	p.st.sorted = false
}

// Staged returns how many staged entries are in the pool. Cost: O(1).
func (p *Pool[T]) Staged() int { return p.st.live }

// Settle inserts the staged entries still in the pool into the age and
// group indexes and ends the staging. Cost: O(log n) per index for each of
// them.
func (p *Pool[T]) Settle() {
	for _, s := range p.st.entries {
		if !p.stagedLive(s.e, s.seq) {
			continue
		}
		s.e.staged = false
		p.insertDeferred(s.e)
	}
	clear(p.st.entries)
	p.st.entries = p.st.entries[:0]
	p.st.live, p.st.dead = 0, 0
	p.st.sorted = false
	clear(p.st.age)
	p.st.age = p.st.age[:0]
	for g := range p.st.groups {
		clear(p.st.groups[g])
		p.st.groups[g] = p.st.groups[g][:0]
	}
}

// sortStage builds the sorted slices of the live staged entries: the
// group slices now, the age slice when a query needs it (sortAge).
func (p *Pool[T]) sortStage() {
	if p.st.sorted {
		if p.st.dead > p.st.live && p.st.dead > 64 {
			p.compactStage()
		}
		return
	}
	p.st.sorted, p.st.dead = true, 0
	st := &p.st
	st.age = st.age[:0]
	n := 0
	var sizes []int
	if p.opts.Grouped {
		sizes = p.groupSizes[:0]
	}
	for _, s := range st.entries {
		if !p.stagedLive(s.e, s.seq) {
			continue
		}
		st.entries[n] = s // drop the removed ones for good
		n++
		st.age = append(st.age, s.e.ageItem())
		for _, g := range s.e.Groups {
			for int(g) >= len(sizes) {
				sizes = append(sizes, 0)
			}
			sizes[g]++
		}
	}
	clear(st.entries[n:])
	st.entries = st.entries[:n]
	st.aged = false
	if !p.opts.Grouped {
		return
	}
	for len(sizes) < len(st.groups) {
		sizes = append(sizes, 0)
	}
	p.groupSizes = sizes
	for len(st.groups) < len(sizes) {
		st.groups = append(st.groups, nil)
	}
	for g := range st.groups {
		st.groups[g] = slices.Grow(st.groups[g][:0], sizes[g])
	}
	for _, s := range st.entries {
		for _, g := range s.e.Groups {
			st.groups[g] = append(st.groups[g], keyItem[T]{s.e.GroupKey, s.seq, s.e})
		}
	}
	// Entries were staged in seq order, so a stable sort by key alone
	// leaves equal keys in seq order, as the index orders them.
	for g := range st.groups {
		p.radixSort(st.groups[g])
	}
}

// radixSort sorts items by key, stably, with a least-significant-digit
// radix sort on the keys' bits: linear in the items, where a comparison
// sort through a generic comparator costs several times more at the sizes a
// busy step stages.
func (p *Pool[T]) radixSort(items []keyItem[T]) {
	if len(items) < 64 {
		slices.SortStableFunc(items, keyCmp[T])
		return
	}
	tmp := slices.Grow(p.radixTmp[:0], len(items))[:len(items)]
	keys := slices.Grow(p.radixKeys[:0], len(items))[:len(items)]
	tmpKeys := slices.Grow(p.radixKeys2[:0], len(items))[:len(items)]
	for i, it := range items {
		keys[i] = sortableBits(it.key)
	}
	src, dst, sk, dk := items, tmp, keys, tmpKeys
	for shift := uint(0); shift < 64; shift += 8 {
		var count [256]int
		for _, k := range sk {
			count[byte(k>>shift)]++
		}
		if count[byte(sk[0]>>shift)] == len(sk) {
			continue // every key has the same byte here
		}
		pos := 0
		for b := range count {
			c := count[b]
			count[b] = pos
			pos += c
		}
		for i, k := range sk {
			b := byte(k >> shift)
			dst[count[b]], dk[count[b]] = src[i], k
			count[b]++
		}
		src, dst, sk, dk = dst, src, dk, sk
	}
	if &src[0] != &items[0] {
		copy(items, src)
	}
	clear(tmp)
	p.radixTmp, p.radixKeys, p.radixKeys2 = tmp[:0], keys[:0], tmpKeys[:0]
}

// sortableBits maps a float64 to a uint64 with the same order.
func sortableBits(f float64) uint64 {
	b := math.Float64bits(f)
	if b&(1<<63) != 0 {
		return ^b
	}
	return b | 1<<63
}

// compactStage drops removed entries from the sorted slices (they stay
// sorted), so that scans stop stepping over them. Each compaction at least
// halves the slices, so the total cost is linear in the staged entries.
func (p *Pool[T]) compactStage() {
	st := &p.st
	n := 0
	for _, it := range st.age {
		if p.stagedLive(it.e, it.seq) {
			st.age[n] = it
			n++
		}
	}
	clear(st.age[n:])
	st.age = st.age[:n]
	for g, arr := range st.groups {
		n := 0
		for _, it := range arr {
			if p.stagedLive(it.e, it.seq) {
				arr[n] = it
				n++
			}
		}
		clear(arr[n:])
		st.groups[g] = arr[:n]
	}
	st.dead = 0
}

// sortAge sorts the age slice, which only Oldest and Ascend need.
func (p *Pool[T]) sortAge() {
	p.sortStage()
	if !p.st.aged {
		if !slices.IsSortedFunc(p.st.age, ageCmp[T]) {
			slices.SortFunc(p.st.age, ageCmp[T])
		}
		p.st.aged = true
	}
}

func ageCmp[T any](a, b ageItem[T]) int {
	switch {
	case a.start != b.start:
		return cmp.Compare(a.start, b.start)
	case a.idHead != b.idHead:
		return cmp.Compare(a.idHead, b.idHead)
	case a.e.ID != b.e.ID:
		return strings.Compare(a.e.ID, b.e.ID)
	}
	return cmp.Compare(a.seq, b.seq)
}

func keyCmp[T any](a, b keyItem[T]) int {
	if a.key != b.key {
		if a.key < b.key {
			return -1
		}
		return 1
	}
	return cmp.Compare(a.seq, b.seq)
}

// stagedOldest returns the oldest live staged entry.
func (p *Pool[T]) stagedOldest() (ageItem[T], bool) {
	if p.st.live == 0 {
		return ageItem[T]{}, false
	}
	p.sortAge()
	for _, it := range p.st.age {
		if p.stagedLive(it.e, it.seq) {
			return it, true
		}
	}
	return ageItem[T]{}, false
}

// stagedGroup returns group g's staged slice, sorted.
func (p *Pool[T]) stagedGroup(g int32) []keyItem[T] {
	if p.st.live == 0 {
		return nil
	}
	p.sortStage()
	if g < 0 || int(g) >= len(p.st.groups) {
		return nil
	}
	return p.st.groups[g]
}

// arrayCursor positions c on a sorted slice of index items, up from (or
// down below) the pivot, at a live item.
func (p *Pool[T]) arrayCursor(c *cursor[T], arr []keyItem[T], pivot keyItem[T], up bool) {
	c.arr, c.up, c.tree = arr, up, false
	i := sort.Search(len(arr), func(i int) bool { return !keyLess(arr[i], pivot) })
	if up {
		c.i = i
	} else {
		c.i = i - 1
	}
	p.settleCursor(c)
}

// settleCursor moves an array cursor past removed entries.
func (p *Pool[T]) settleCursor(c *cursor[T]) {
	for c.i >= 0 && c.i < len(c.arr) && !p.stagedLive(c.arr[c.i].e, c.arr[c.i].seq) {
		if c.up {
			c.i++
		} else {
			c.i--
		}
	}
	c.ok = c.i >= 0 && c.i < len(c.arr)
	c.load()
}
