package pool

import (
	"cmp"
	"math"
	"slices"
	"sort"
)

// Staging. A matchmaker takes in many tickets between two steps and, in a
// busy pool, matches most of them in the step that follows or the one
// after; a B-tree insert and delete for each of those is most of the work
// such a step would do. Stage puts an entry in the pool without inserting
// it in the age and group indexes: while staged, those indexes keep it in
// sorted slices built when a query first needs them (a sort of the staged
// entries instead of one tree insert each), and every query merges them
// in. Settle ends a stage period: entries staged in the period before it
// that are still in the pool move into the trees, and those staged in the
// period that ends stay staged for one more (they are carried). A staged
// entry that leaves before it is settled costs nothing more. The other
// indexes take staged entries at once, as Insert does.

// stage holds the staged entries: those of the current period and those
// carried from the previous one. Which of them are still staged is a bitmap
// by sequence number, so that the sorted slices can be scanned and
// compacted without reading the entries themselves (each read a likely
// cache miss in a large pool).
type stage[T any] struct {
	base    uint64         // staged entries have higher sequence numbers
	period  uint64         // p.seq at the last Settle: higher ones were staged in the current period
	gone    []uint64       // bit seq-base-1 set: that staging ended (removed, or settled)
	entries []staged[T]    // in Stage order; removed ones stay until sorted
	gids    []int32        // the staged entries' group ids, end to end
	live    int            // staged entries still in the pool
	dead    int            // removed entries still in the sorted slices
	sorted  bool           // groups are current
	aged    bool           // age is current
	age     []ageItem[T]   // live staged entries in age order, built when needed
	groups  [][]keyItem[T] // per group id: its staged entries by key
	carried []ageItem[T]   // the entries carried from the previous period, in age order
	carryAt int            // carried[:carryAt] are known to have left
}

// staged is an entry as staged: its sequence number, and a copy of its
// group key and ids (gids[goff:goff+glen]) for the sort.
type staged[T any] struct {
	e          *Entry[T]
	seq        uint64
	key        float64
	goff, glen uint32
}

// stagedLive reports whether the staged item with sequence number seq
// still stands for its entry.
func (p *Pool[T]) stagedLive(seq uint64) bool {
	st := &p.st
	if seq <= st.base {
		return false // staged before the stage began again
	}
	i := seq - st.base - 1
	return i/64 >= uint64(len(st.gone)) || st.gone[i/64]&(1<<(i%64)) == 0
}

// unstage marks the staging of e over.
func (p *Pool[T]) unstage(e *Entry[T]) {
	st := &p.st
	i := e.seq - st.base - 1
	for uint64(len(st.gone)) <= i/64 {
		st.gone = append(st.gone, 0)
	}
	st.gone[i/64] |= 1 << (i % 64)
	st.live--
	if st.sorted {
		st.dead++
	}
}

// Stage adds e to the pool, like Insert, except that the age and group
// indexes take it only at the second Settle from now (if it is still in
// the pool); queries see it at once. Cost:
// O(log n) for each number, string and latency key; O(1) otherwise, plus a
// share of one sort when a query next needs the staged entries in order.
// With Options.NoStaging, Stage is Insert (and costs what Insert costs),
// except that OldestEarlier leaves e out until the next Settle.
func (p *Pool[T]) Stage(e *Entry[T]) {
	if p.opts.NoStaging {
		p.insert(e, true)
		return
	}
	p.check(e)
	st := &p.st
	if st.live == 0 {
		// A new stage: whatever the slices still hold is dead.
		st.base = p.seq
		clear(st.gone)
		st.gone = st.gone[:0]
	}
	p.seq++
	e.seq, e.pool, e.staged = p.seq, p, true
	p.insertEager(e)
	s := staged[T]{e: e, seq: e.seq, key: e.GroupKey, goff: uint32(len(st.gids)), glen: uint32(len(e.Groups))}
	st.gids = append(st.gids, e.Groups...)
	st.entries = append(st.entries, s)
	st.live++
	st.sorted = false
}

// Reserve makes room for n more staged entries with groupIDs group ids in
// all (the sum of their len(Groups)), so that staging a large batch grows
// the pool's buffers once. Cost: O(n) when they grow; nothing with
// Options.NoStaging.
func (p *Pool[T]) Reserve(n, groupIDs int) {
	if p.opts.NoStaging {
		return
	}
	st := &p.st
	st.entries = slices.Grow(st.entries, n)
	if p.opts.Grouped {
		st.gids = slices.Grow(st.gids, groupIDs)
	}
}

// Staged returns how many staged entries are in the pool, carried ones
// included; always 0 with Options.NoStaging. Cost: O(1).
func (p *Pool[T]) Staged() int { return p.st.live }

// Settle ends the stage period: the entries carried from the previous
// period that are still in the pool go into the age and group indexes, and
// those staged in the period that ends are carried into the next. Cost:
// O(log n) per index for each entry settled, O(s log s) for the s carried.
// With Options.NoStaging there is nothing to move: Settle only starts a new
// period, and costs O(1).
func (p *Pool[T]) Settle() {
	st := &p.st
	if p.opts.NoStaging {
		st.period = p.seq
		p.early, p.earlyStale, p.earlyFromTop = nil, true, true
		return
	}
	n, gn := 0, uint32(0)
	st.carried, st.carryAt = st.carried[:0], 0
	for _, s := range st.entries {
		if !p.stagedLive(s.seq) {
			continue
		}
		if s.seq <= st.period {
			s.e.staged = false // carried through a whole period: settle it
			p.insertDeferred(s.e)
			continue
		}
		// Staged in the period that ends: carry it.
		gn = st.keep(s, n, gn)
		n++
		st.carried = append(st.carried, s.e.ageItem())
	}
	st.truncate(n, gn)
	st.live, st.dead = n, 0
	st.sorted, st.aged = false, false
	p.shrinkStage()
	// Entries are in sequence order, so the first carried one has the
	// lowest number; the slices are rebuilt before any query, so every
	// number below it can count as dead.
	st.base = p.seq
	if n > 0 {
		st.base = st.entries[0].seq - 1
	}
	st.period = p.seq
	clear(st.gone)
	st.gone = st.gone[:0]
	clear(st.age)
	st.age = st.age[:0]
	for g := range st.groups {
		clear(st.groups[g])
		st.groups[g] = st.groups[g][:0]
	}
	slices.SortFunc(st.carried, ageCmp[T])
}

// keep moves s, and its group ids, to entries[n] and gids[gn:], and
// returns the end of its ids. Compactions call it in order, so n and gn
// never pass s's own place and the moves work in place.
func (st *stage[T]) keep(s staged[T], n int, gn uint32) uint32 {
	copy(st.gids[gn:], st.gids[s.goff:s.goff+s.glen])
	s.goff = gn
	st.entries[n] = s
	return gn + s.glen
}

// truncate ends a compaction that kept n entries and gn group ids.
func (st *stage[T]) truncate(n int, gn uint32) {
	clear(st.entries[n:])
	st.entries = st.entries[:n]
	st.gids = st.gids[:gn]
}

// shrinkStage lets go of staging buffers that a burst made much larger than
// what is staged now, so that a pool's memory follows its waiting entries
// rather than its largest step. Settle calls it; Reserve grows them again.
func (p *Pool[T]) shrinkStage() {
	st := &p.st
	keep := 4*st.live + 4096
	if cap(st.entries) > keep {
		st.entries = slices.Clip(slices.Clone(st.entries))
	}
	if cap(st.gids) > 4*len(st.gids)+4096 {
		st.gids = slices.Clip(slices.Clone(st.gids))
	}
	if cap(st.carried) > keep {
		st.carried = slices.Clip(slices.Clone(st.carried))
	}
	if cap(st.age) > keep {
		st.age = nil
	}
	for g := range st.groups {
		if cap(st.groups[g]) > keep {
			st.groups[g] = nil
		}
	}
	if cap(p.radixTmp) > keep {
		p.radixTmp, p.radixKeys, p.radixKeys2 = nil, nil, nil
	}
}

// oldestCarried returns the oldest carried entry still staged.
func (p *Pool[T]) oldestCarried() (ageItem[T], bool) {
	st := &p.st
	for ; st.carryAt < len(st.carried); st.carryAt++ {
		if it := st.carried[st.carryAt]; p.stagedLive(it.seq) {
			return it, true
		}
	}
	return ageItem[T]{}, false
}

// sortStage builds the sorted group slices of the live staged entries from
// the copies Stage made; the age slice waits until a query needs it
// (sortAge).
func (p *Pool[T]) sortStage() {
	st := &p.st
	if st.sorted {
		// Scans skip removed items cheaply (a bit test), so compact only
		// when they are three in four.
		if st.dead > 3*st.live && st.dead > 64 {
			p.compactStage()
		}
		return
	}
	st.sorted, st.aged, st.dead = true, false, 0
	clear(st.age)
	st.age = st.age[:0]
	var sizes []int
	if p.opts.Grouped {
		sizes = p.groupSizes[:0]
	}
	n, gn := 0, uint32(0)
	for _, s := range st.entries {
		if !p.stagedLive(s.seq) {
			continue
		}
		// Drop the removed ones for good.
		gn = st.keep(s, n, gn)
		n++
		for _, g := range st.gids[gn-s.glen : gn] {
			for int(g) >= len(sizes) {
				sizes = append(sizes, 0)
			}
			sizes[g]++
		}
	}
	st.truncate(n, gn)
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
		for _, g := range st.gids[s.goff : s.goff+s.glen] {
			st.groups[g] = append(st.groups[g], keyItem[T]{s.key, s.seq, s.e})
		}
	}
	// Entries were staged in seq order, so a stable sort by key alone
	// leaves equal keys in seq order, as the index orders them.
	for g := range st.groups {
		p.radixSort(st.groups[g])
	}
}

// radixSort sorts items by key, stably: a least-significant-digit radix
// sort on the top 32 bits of the keys' order-preserving bit patterns, then a
// stable comparison sort of each run that those bits leave tied (rare for
// measured values, whole runs of equal keys for integral ones, where the
// check finds them already in order). Linear in the items, where a
// comparison sort through a generic comparator costs several times more at
// the sizes a busy step stages.
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
	for shift := uint(32); shift < 64; shift += 8 {
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
		copy(keys, sk)
	}
	for i := 0; i < len(items); {
		j := i + 1
		for j < len(items) && keys[j]>>32 == keys[i]>>32 {
			j++
		}
		if j-i > 1 && !slices.IsSortedFunc(items[i:j], keyCmp[T]) {
			slices.SortStableFunc(items[i:j], keyCmp[T])
		}
		i = j
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
// quarters the slices, so the total cost is linear in the staged entries.
func (p *Pool[T]) compactStage() {
	st := &p.st
	n := 0
	for _, it := range st.age {
		if p.stagedLive(it.seq) {
			st.age[n] = it
			n++
		}
	}
	clear(st.age[n:])
	st.age = st.age[:n]
	for g, arr := range st.groups {
		n := 0
		for _, it := range arr {
			if p.stagedLive(it.seq) {
				arr[n] = it
				n++
			}
		}
		clear(arr[n:])
		st.groups[g] = arr[:n]
	}
	st.dead = 0
}

// sortAge builds and sorts the age slice, which only Oldest and Ascend
// need.
func (p *Pool[T]) sortAge() {
	p.sortStage()
	st := &p.st
	if st.aged {
		return
	}
	st.age = st.age[:0]
	for _, s := range st.entries {
		if p.stagedLive(s.seq) {
			st.age = append(st.age, s.e.ageItem())
		}
	}
	if !slices.IsSortedFunc(st.age, ageCmp[T]) {
		slices.SortFunc(st.age, ageCmp[T])
	}
	st.aged = true
}

func ageCmp[T any](a, b ageItem[T]) int {
	if c := ageHeadCmp(a.start, a.idHead, a.e, b.start, b.idHead, b.e); c != 0 {
		return c
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
		if p.stagedLive(it.seq) {
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

// arrLive reports whether an array cursor's item stands for its entry.
func (p *Pool[T]) arrLive(c *cursor[T], it keyItem[T]) bool {
	if c.view {
		return p.viewLive(it)
	}
	return p.stagedLive(it.seq)
}

// settleCursor moves an array cursor past removed entries.
func (p *Pool[T]) settleCursor(c *cursor[T]) {
	for c.i >= 0 && c.i < len(c.arr) && !p.arrLive(c, c.arr[c.i]) {
		if c.up {
			c.i++
		} else {
			c.i--
		}
	}
	c.ok = c.i >= 0 && c.i < len(c.arr)
	c.load()
}
