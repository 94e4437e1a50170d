package pool

import (
	"cmp"
	"slices"
	"sort"
	"strings"

	"github.com/matchforge/matchforge/ticket"
	"github.com/tidwall/btree"
)

// Options choose the indexes a pool keeps besides the age index. The zero
// value keeps only the age index.
type Options struct {
	// Numbers is how many of each entry's number keys (Entry.Nums, keys 0
	// to Numbers-1) get an index ordered by value. Entries may carry more
	// keys, which are not indexed.
	Numbers int
	// Strings is how many of each entry's string keys (Entry.Strs, keys 0
	// to Strings-1) get an index that groups equal values. Entries may
	// carry more keys, which are not indexed.
	Strings int
	// Latency keeps an index per location ordered by latency (Entry.Lat).
	Latency bool
	// Grouped keeps the group index: each entry names the groups it belongs
	// to (Entry.Groups, small non-negative ids the caller chooses) and a
	// number (Entry.GroupKey), and each group is ordered by that number, so
	// that NearestIn scans only the entries of some groups. The engine
	// groups tickets by location and latency band, so that a scan for
	// neighbours never meets a ticket that cannot share a location.
	Grouped bool
	// NoStaging turns staging off: Stage puts the entry in every index at
	// once, exactly as Insert does, and Settle has nothing to move. Every
	// query answers as it would with staging on (the same entries, in the
	// same order), so a test can run the same operations both ways and
	// compare; only Staged, which counts what staging holds back, reads 0.
	// The pool still remembers which entries Stage added since the last
	// Settle, because OldestEarlier leaves them out either way. Like the
	// other fields it is a plain value the engine can copy from its own
	// configuration; checking it costs one branch in Stage, Insert,
	// Remove, Settle and OldestEarlier.
	NoStaging bool
}

// Entry is one ticket in a pool. The caller fills ID, Start, the keys and
// Item before Insert and must not change them while the entry is in the
// pool.
type Entry[T any] struct {
	// The fields a scan and a removal read come first, in one cache line.
	pool   *Pool[T] // the pool holding the entry, nil when out
	seq    uint64
	staged bool // in the staging slices instead of the age and group trees
	// fresh: added by Stage to a pool with Options.NoStaging; with a
	// sequence number above the stage period's start, it was staged in the
	// current period (see Pool.current). It fits in staged's padding.
	fresh bool
	Start int64     // when the ticket started (any monotonic unit, e.g. Unix nanoseconds)
	Nums  []float64 // number keys, at least Options.Numbers
	// GroupKey and Groups place the entry in the group index
	// (Options.Grouped).
	GroupKey float64
	Item     T
	ID       string
	Strs     []string // string keys, at least Options.Strings (keys 0 to Strings-1 are indexed)
	// Lat lists the ticket's latency per location (the party's lowest, for
	// a party), sorted by location id.
	Lat    []ticket.Latency
	Groups []int32
}

// In reports whether the entry is in a pool.
func (e *Entry[T]) In() bool { return e.pool != nil }

// Seq returns the entry's sequence number in its pool: a new one each time
// it enters a pool, kept while it stays in (and by Saved and Restore). With
// In, it tells whether the entry is still in the pool it was seen in then.
func (e *Entry[T]) Seq() uint64 { return e.seq }

// keyItem is an entry with its sequence number: in a sorted slice of
// staged entries (where seq tells whether it still stands for its entry),
// and in the latency trees, whose whole-millisecond keys tie so often that
// reading the entry to break ties would cost more than the word.
type keyItem[T any] struct {
	key float64
	seq uint64
	e   *Entry[T]
}

// treeItem is an entry in a tree ordered by a number key (the number and
// group indexes). Ties between equal keys go by the entry's sequence
// number, read from the entry: attribute values tie rarely enough that the
// smaller item (two words where keyItem has three) is worth the read, and
// every waiting ticket has several.
type treeItem[T any] struct {
	key float64
	e   *Entry[T]
}

// seqOf is an item's sequence number; a search pivot (no entry) comes
// before every entry with its key.
func seqOf[T any](e *Entry[T]) uint64 {
	if e == nil {
		return 0
	}
	return e.seq
}

func treeLess[T any](a, b treeItem[T]) bool {
	if a.key != b.key {
		return a.key < b.key
	}
	return seqOf(a.e) < seqOf(b.e)
}

type strItem[T any] struct {
	key string
	seq uint64
	e   *Entry[T]
}

// Pool holds the tickets of one configuration in B-trees (tidwall/btree)
// that every Insert and Remove keeps current:
//
//   - by age: start time, then ticket id (the oldest first);
//   - by each number key: neighbours of a value are a range scan;
//   - by each string key: equal values form one contiguous bucket;
//   - by latency per location: the tickets acceptable at a location under a
//     latency bound are a prefix;
//   - by group (Options.Grouped): each group ordered by the entries' group key.
//
// Staged entries (Stage) wait in sorted slices instead of the age and
// group trees until they settle, unless Options.NoStaging turns staging
// off. In the costs below n is the number of entries and k the number an
// operation visits. A Pool is not safe for concurrent use.
type Pool[T any] struct {
	opts Options
	seq  uint64
	age  *btree.BTreeG[ageKey[T]]
	nums []*btree.BTreeG[treeItem[T]]
	strs []*btree.BTreeG[strItem[T]]
	lat  []*btree.BTreeG[keyItem[T]] // by location id; whole milliseconds tie often, so items carry seq

	groups  []*btree.BTreeG[treeItem[T]] // by group id (Options.Grouped)
	count   int                          // entries in the pool
	removed uint64                       // Removes of an entry in the pool, for Version
	st      stage[T]                     // entries staged since the last Settle

	// Every entry by group key, then sequence number, for NearestAll:
	// current while no entry entered since (viewSeq == seq; both start at
	// 0 with an empty pool, and Restore needs an empty one).
	view    []keyItem[T]
	viewSeq uint64

	// Each group's entries by group key, then sequence number, for
	// NearestIn in a small pool (groupViewMax): the group's tree and its
	// staged slice merged into one array, current while no entry entered
	// since (gviewSeq[g] == seq; a group never built is empty at seq 0).
	gview    [][]keyItem[T]
	gviewSeq []uint64

	// Scratch of nearest, kept so that a scan allocates nothing;
	// cursorsBusy marks it taken (a callback that scans again gets its
	// own).
	cursors []cursor[T]

	// Scratch of staging's sorts.
	groupSizes  []int
	radixTmp    []keyItem[T]
	radixKeys   []uint64
	radixKeys2  []uint64
	cursorsBusy bool

	// OldestEarlier without staging (Options.NoStaging), where the entries
	// staged in the current period sit in the age tree with the others and
	// a search has to pass over them. While !earlyStale, early is the
	// answer (nil for none). Otherwise no entry that counts comes before
	// earlyAt (a copy of a removed entry's ID, Start and seq), or before
	// anything when earlyFromTop, and the next search starts there.
	early        *Entry[T]
	earlyStale   bool
	earlyFromTop bool
	earlyAt      Entry[T]
}

var treeOpts = btree.Options{NoLocks: true, Degree: 32}

// ageLess orders by start, then id, then insertion: the last makes two
// entries with the same start and id distinct, where otherwise the second
// Insert would silently replace the first in the age index.
// ageItem is an entry in the age index. It carries the start time and the
// first eight bytes of the id, so that comparisons rarely have to read the
// entry itself (a cache miss in a large pool).
type ageItem[T any] struct {
	start  int64
	idHead uint64
	seq    uint64
	e      *Entry[T]
}

func idHead(id string) uint64 {
	var h uint64
	for i := 0; i < 8; i++ {
		h <<= 8
		if i < len(id) {
			h |= uint64(id[i])
		}
	}
	return h
}

// ageHeadCmp compares what both kinds of age item carry, start then id
// (its first eight bytes, then the whole id); 0 leaves the tie to the
// sequence numbers.
func ageHeadCmp[T any](as int64, ah uint64, ae *Entry[T], bs int64, bh uint64, be *Entry[T]) int {
	switch {
	case as != bs:
		return cmp.Compare(as, bs)
	case ah != bh:
		return cmp.Compare(ah, bh)
	case ae == be:
		return 0
	}
	return strings.Compare(ae.ID, be.ID)
}

func ageLess[T any](a, b ageItem[T]) bool {
	if c := ageHeadCmp(a.start, a.idHead, a.e, b.start, b.idHead, b.e); c != 0 {
		return c < 0
	}
	return a.seq < b.seq
}

func (e *Entry[T]) ageItem() ageItem[T] { return ageItem[T]{e.Start, idHead(e.ID), e.seq, e} }

// ageKey is an entry in the age tree: ageItem without the sequence number,
// which ties read from the entry (see treeItem).
type ageKey[T any] struct {
	start  int64
	idHead uint64
	e      *Entry[T]
}

func (e *Entry[T]) ageKey() ageKey[T] { return ageKey[T]{e.Start, idHead(e.ID), e} }

func (k ageKey[T]) item() ageItem[T] { return ageItem[T]{k.start, k.idHead, seqOf(k.e), k.e} }

func ageKeyLess[T any](a, b ageKey[T]) bool {
	if c := ageHeadCmp(a.start, a.idHead, a.e, b.start, b.idHead, b.e); c != 0 {
		return c < 0
	}
	return seqOf(a.e) < seqOf(b.e)
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
	p := &Pool[T]{opts: opts, age: btree.NewBTreeGOptions(ageKeyLess[T], treeOpts)}
	for range opts.Numbers {
		p.nums = append(p.nums, btree.NewBTreeGOptions(treeLess[T], treeOpts))
	}
	for range opts.Strings {
		p.strs = append(p.strs, btree.NewBTreeGOptions(strLess[T], treeOpts))
	}
	return p
}

// Options returns the options the pool was made with.
func (p *Pool[T]) Options() Options { return p.opts }

// Version returns a number that changes whenever an entry enters or
// leaves the pool, and only then: while it stays the same, the pool holds
// the same entries. Cost: O(1).
func (p *Pool[T]) Version() uint64 { return p.seq + p.removed }

// Len returns the number of entries. Cost: O(1).
func (p *Pool[T]) Len() int { return p.count }

// Insert adds e to every index. It panics if e is already in a pool or its
// keys do not match the options (a programming error). Cost: O(log n) per
// index, that is O((1 + Numbers + Strings + len(e.Lat)) log n).
func (p *Pool[T]) Insert(e *Entry[T]) { p.insert(e, false) }

// insert is Insert; fresh marks an entry that Stage adds to a pool without
// staging.
func (p *Pool[T]) insert(e *Entry[T], fresh bool) {
	p.check(e)
	p.seq++
	e.seq, e.pool, e.staged, e.fresh = p.seq, p, false, fresh
	p.insertEager(e)
	p.insertDeferred(e)
	if p.opts.NoStaging && !fresh {
		p.earlierIn(e)
	}
}

// current reports whether e, in a pool without staging, was staged in the
// current stage period (and so does not count for OldestEarlier).
func (p *Pool[T]) current(e *Entry[T]) bool { return e.fresh && e.seq > p.st.period }

// earlierIn updates what OldestEarlier knows for an entry that counts for
// it joining a pool without staging.
func (p *Pool[T]) earlierIn(e *Entry[T]) {
	switch {
	case !p.earlyStale:
		if p.early == nil || ageKeyLess(e.ageKey(), p.early.ageKey()) {
			p.early = e
		}
	case !p.earlyFromTop && ageKeyLess(e.ageKey(), p.earlyAt.ageKey()):
		// Nothing that counts comes before earlyAt, so e is the oldest.
		p.early, p.earlyStale = e, false
	}
}

// earlierOut updates what OldestEarlier knows for e leaving a pool without
// staging.
func (p *Pool[T]) earlierOut(e *Entry[T]) {
	if !p.earlyStale && e == p.early {
		// Nothing that counts came before e: search on from where it was.
		p.early, p.earlyStale, p.earlyFromTop = nil, true, false
		p.earlyAt.ID, p.earlyAt.Start, p.earlyAt.seq = e.ID, e.Start, e.seq
	}
}

// findEarlier searches the age tree for OldestEarlier's answer in a pool
// without staging, passing over the entries staged in the current period.
func (p *Pool[T]) findEarlier() {
	p.early = nil
	fn := func(k ageKey[T]) bool {
		if p.current(k.e) {
			return true
		}
		p.early = k.e
		return false
	}
	if p.earlyFromTop {
		p.age.Scan(fn)
	} else {
		p.age.Ascend(p.earlyAt.ageKey(), fn)
	}
	p.earlyStale, p.earlyFromTop = false, false
}

func (p *Pool[T]) check(e *Entry[T]) {
	if e.pool != nil {
		panic("pool: Insert of an entry that is already in a pool")
	}
	if len(e.Nums) < p.opts.Numbers || len(e.Strs) < p.opts.Strings {
		panic("pool: entry keys do not match the pool's options")
	}
	for _, g := range e.Groups {
		if g < 0 {
			panic("pool: negative group id")
		}
	}
	p.count++
}

// insertEager indexes e by its number, string and latency keys.
func (p *Pool[T]) insertEager(e *Entry[T]) {
	for i, t := range p.nums {
		t.Set(treeItem[T]{e.Nums[i], e})
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

// insertDeferred indexes e by age and group (what staging defers).
func (p *Pool[T]) insertDeferred(e *Entry[T]) {
	p.age.Set(e.ageKey())
	if p.opts.Grouped {
		for _, g := range e.Groups {
			p.groupTree(g).Set(treeItem[T]{e.GroupKey, e})
		}
	}
}

// Remove takes e out of every index; it does nothing when e is not in this
// pool (never inserted, already removed, or in another pool). Cost: the same
// as Insert, less the age and group indexes for a staged entry.
func (p *Pool[T]) Remove(e *Entry[T]) {
	if e.pool != p {
		return
	}
	for i, t := range p.nums {
		t.Delete(treeItem[T]{e.Nums[i], e})
	}
	for i, t := range p.strs {
		t.Delete(strItem[T]{e.Strs[i], e.seq, e})
	}
	if p.opts.Latency {
		for _, l := range e.Lat {
			p.latTree(l.Loc).Delete(keyItem[T]{float64(l.Ms), e.seq, e})
		}
	}
	if p.opts.NoStaging {
		p.earlierOut(e)
	}
	if e.staged {
		p.unstage(e) // its staged slices skip it from now on
	} else {
		p.age.Delete(e.ageKey())
		if p.opts.Grouped {
			for _, g := range e.Groups {
				p.groupTree(g).Delete(treeItem[T]{e.GroupKey, e})
			}
		}
	}
	e.pool, e.staged, e.fresh = nil, false, false
	p.count--
	p.removed++
}

func (p *Pool[T]) groupTree(g int32) *btree.BTreeG[treeItem[T]] {
	for int(g) >= len(p.groups) {
		p.groups = append(p.groups, btree.NewBTreeGOptions(treeLess[T], treeOpts))
	}
	return p.groups[g]
}

// GroupLen returns how many entries group g holds. Cost: O(1), plus a scan
// of the group's staged entries.
func (p *Pool[T]) GroupLen(g int32) int {
	n := 0
	if g >= 0 && int(g) < len(p.groups) {
		n = p.groups[g].Len()
	}
	for _, it := range p.stagedGroup(g) {
		if p.stagedLive(it.seq) {
			n++
		}
	}
	return n
}

func (p *Pool[T]) latTree(loc int32) *btree.BTreeG[keyItem[T]] {
	for int(loc) >= len(p.lat) {
		p.lat = append(p.lat, btree.NewBTreeGOptions(keyLess[T], treeOpts))
	}
	return p.lat[loc]
}

// Oldest returns the entry that started first. Cost: O(log n).
func (p *Pool[T]) Oldest() (*Entry[T], bool) {
	k, ok := p.age.Min()
	it := k.item()
	if st, sok := p.stagedOldest(); sok && (!ok || ageLess(st, it)) {
		return st.e, true
	}
	return it.e, ok
}

// OldestEarlier returns the oldest entry that entered the pool before the
// current stage period: inserted, settled, or carried from the previous
// period (see Settle). Entries staged since the last Settle are left out,
// with staging on or off (Options.NoStaging). Cost: O(log n), plus a skip
// over carried entries that left. Without staging: O(1) when the last
// answer still stands, else O(log n) plus a skip over the entries staged
// in this period that come before the answer in age order. Each search
// starts where the last answer was, so in a period a staged entry is
// passed over once, and again only after an older entry was inserted and
// removed.
func (p *Pool[T]) OldestEarlier() (*Entry[T], bool) {
	if p.opts.NoStaging {
		if p.earlyStale {
			p.findEarlier()
		}
		return p.early, p.early != nil
	}
	k, ok := p.age.Min()
	if c, cok := p.oldestCarried(); cok && (!ok || ageLess(c, k.item())) {
		return c.e, true
	}
	return k.e, ok
}

// Ascend calls fn for each entry in age order (start time, then id), from
// the first entry not before after (nil: from the oldest), until fn returns
// false. Cost: O(log n + k).
func (p *Pool[T]) Ascend(after *Entry[T], fn func(*Entry[T]) bool) {
	var staged []ageItem[T]
	if p.st.live > 0 {
		p.sortAge()
		staged = p.st.age
		if after != nil {
			pivot := after.ageItem()
			staged = staged[sort.Search(len(staged), func(i int) bool { return !ageLess(staged[i], pivot) }):]
		}
	}
	// Merge the tree with the staged entries, both in age order.
	visit := func(it ageItem[T]) bool {
		for len(staged) > 0 {
			s := staged[0]
			if live := p.stagedLive(s.seq); live && !ageLess(s, it) {
				break
			} else if live && !fn(s.e) {
				return false
			}
			staged = staged[1:]
		}
		return fn(it.e)
	}
	stopped := false
	walk := func(k ageKey[T]) bool {
		if !visit(k.item()) {
			stopped = true
			return false
		}
		return true
	}
	if after == nil {
		p.age.Scan(walk)
	} else {
		p.age.Ascend(after.ageKey(), walk)
	}
	if stopped {
		return
	}
	for _, s := range staged {
		if p.stagedLive(s.seq) && !fn(s.e) {
			return
		}
	}
}

// Range calls fn for each entry whose number key k lies in [lo, hi], in
// ascending key order (ties in insertion order), until fn returns false.
// Cost: O(log n + k).
func (p *Pool[T]) Range(k int, lo, hi float64, fn func(*Entry[T]) bool) {
	p.nums[k].Ascend(treeItem[T]{key: lo}, func(it treeItem[T]) bool {
		if it.key > hi {
			return false
		}
		return fn(it.e)
	})
}

// Nearest calls fn for each entry in order of the distance of its number
// key k from x, closest first, until fn returns false or the distance
// exceeds maxDist (math.Inf(1) for no bound). At equal distance the lower
// key comes first; entries with equal keys come in insertion order above x
// (or at x) and in reverse insertion order below it. Cost: O(log n) to
// start, then O(1) per entry visited.
func (p *Pool[T]) Nearest(k int, x, maxDist float64, fn func(e *Entry[T], dist float64) bool) {
	cs, owned := p.takeCursors()
	cs = p.treeCursors(cs, p.nums[k], x)
	p.nearest(cs, owned, x, maxDist, fn)
}

// NearestIn is Nearest over the group index: the entries of the given
// groups, by the distance of their GroupKey from x. An entry in several of
// the groups is visited once. The pool must have been made with
// Options.Grouped. Cost: O(g log n) to start for g groups, then O(g) per
// entry visited. A group of at most 4,096 entries is read from one sorted
// array beside its tree (the tree and the group's staged entries merged),
// made again in O(k) for k entries when an entry entered the pool since;
// entries that left since are passed over.
func (p *Pool[T]) NearestIn(groups []int32, x, maxDist float64, fn func(e *Entry[T], dist float64) bool) {
	if !p.opts.Grouped {
		panic("pool: NearestIn on a pool made without Options.Grouped")
	}
	cs, owned := p.takeCursors()
	pivot := keyItem[T]{key: x}
	for _, g := range groups {
		if g >= 0 && p.GroupLenAtMost(g) <= groupViewMax {
			if v := p.groupView(g); len(v) > 0 {
				cs = append(cs, cursor[T]{view: true}, cursor[T]{view: true})
				p.arrayCursor(&cs[len(cs)-2], v, pivot, true)
				p.arrayCursor(&cs[len(cs)-1], v, pivot, false)
			}
			continue
		}
		if g >= 0 && int(g) < len(p.groups) && p.groups[g].Len() > 0 {
			cs = p.treeCursors(cs, p.groups[g], x)
		}
		if arr := p.stagedGroup(g); len(arr) > 0 {
			cs = append(cs, cursor[T]{}, cursor[T]{})
			p.arrayCursor(&cs[len(cs)-2], arr, pivot, true)
			p.arrayCursor(&cs[len(cs)-1], arr, pivot, false)
		}
	}
	p.nearest(cs, owned, x, maxDist, fn)
}

// NearestAll calls fn for each entry in order of the distance of its group
// key from x, closest first, until fn returns false or the distance
// exceeds maxDist: the order of NearestIn over groups that would hold
// every entry once. It reads one sorted array of all the entries, built
// again when an entry entered the pool since the last call; entries that
// left since are passed over. Cost: O(n log n) for the build, then
// O(log n + k) with k counting the entries passed over. It suits a small
// pool whose groups overlap, where NearestIn would meet an entry once per
// group and merge many cursors. It panics if the pool was made without
// Options.Grouped.
func (p *Pool[T]) NearestAll(x, maxDist float64, fn func(e *Entry[T], dist float64) bool) {
	if !p.opts.Grouped {
		panic("pool: NearestAll on a pool made without Options.Grouped")
	}
	if p.viewSeq != p.seq {
		p.buildView()
	}
	v := p.view
	live := func(i int) bool { return v[i].e.pool == p && v[i].e.seq == v[i].seq }
	up := sort.Search(len(v), func(i int) bool { return v[i].key >= x })
	down := up - 1
	for {
		for up < len(v) && !live(up) {
			up++
		}
		for down >= 0 && !live(down) {
			down--
		}
		var it keyItem[T]
		var d float64
		switch {
		case up < len(v) && (down < 0 || v[up].key-x < x-v[down].key):
			it, d = v[up], v[up].key-x
			up++
		case down >= 0:
			it, d = v[down], x-v[down].key // at equal distance the lower key first
			down--
		default:
			return
		}
		if d > maxDist || !fn(it.e, d) {
			return
		}
	}
}

// buildView sorts every entry of the pool by group key into p.view.
func (p *Pool[T]) buildView() {
	v := p.view[:0]
	p.age.Scan(func(k ageKey[T]) bool {
		v = append(v, keyItem[T]{k.e.GroupKey, k.e.seq, k.e})
		return true
	})
	for _, s := range p.st.entries {
		if p.stagedLive(s.seq) {
			v = append(v, keyItem[T]{s.e.GroupKey, s.seq, s.e})
		}
	}
	clear(v[len(v):cap(v)]) // no stale pointer keeps an entry alive
	slices.SortFunc(v, func(a, b keyItem[T]) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	p.view, p.viewSeq = v, p.seq
}

// groupViewMax is the most entries a group may hold for NearestIn to read
// its merged array (groupView) instead of its tree and staged slice: the
// merge costs O(k) for a group of k entries, once per step that brought
// arrivals, where each scan of the tree seeks and steps B-tree iterators
// and merges twice the cursors. A large pool's small groups (those of a
// tight latency band, say) take views too.
//
// A variable only so that the tests can take both paths at any size.
var groupViewMax = 4096

// groupView returns group g's live entries by group key and sequence
// number, merging its tree and its staged slice when an entry entered the
// pool since the last merge. Entries that left since are still there:
// cursors over it pass over them (viewLive).
func (p *Pool[T]) groupView(g int32) []keyItem[T] {
	if g < 0 {
		return nil
	}
	for int(g) >= len(p.gview) {
		p.gview, p.gviewSeq = append(p.gview, nil), append(p.gviewSeq, 0)
	}
	if p.gviewSeq[g] == p.seq {
		return p.gview[g]
	}
	staged := p.stagedGroup(g)
	v := p.gview[g][:0]
	i := 0
	if int(g) < len(p.groups) {
		p.groups[g].Scan(func(it treeItem[T]) bool {
			k := keyItem[T]{it.key, it.e.seq, it.e}
			for ; i < len(staged) && keyLess(staged[i], k); i++ {
				if p.stagedLive(staged[i].seq) {
					v = append(v, staged[i])
				}
			}
			v = append(v, k)
			return true
		})
	}
	for ; i < len(staged); i++ {
		if p.stagedLive(staged[i].seq) {
			v = append(v, staged[i])
		}
	}
	clear(v[len(v):cap(v)]) // no stale pointer keeps an entry alive
	p.gview[g], p.gviewSeq[g] = v, p.seq
	return v
}

// viewLive reports whether a group view's item still stands for its entry:
// whether the entry is still in the pool (an entry that left and came back
// has made the view stale).
func (p *Pool[T]) viewLive(it keyItem[T]) bool { return it.e.pool == p }

// GroupLenAtMost returns an upper bound of GroupLen(g): it also counts the
// group's staged entries that have left. Cost: O(1) once the staged
// entries are sorted.
func (p *Pool[T]) GroupLenAtMost(g int32) int {
	n := len(p.stagedGroup(g))
	if g >= 0 && int(g) < len(p.groups) {
		n += p.groups[g].Len()
	}
	return n
}

// cursor walks index items away from a pivot: up (ascending, from the
// first item at or above it) or down (descending, from the last item below
// it), over a tree or over a sorted slice of staged items. cur is the item
// it stands on while ok.
type cursor[T any] struct {
	it   btree.IterG[treeItem[T]]
	tree bool
	view bool // arr is a group view (groupView), not a staged slice
	arr  []keyItem[T]
	i    int
	ok   bool
	up   bool
	cur  keyItem[T]
}

// load sets cur from where the cursor stands.
func (c *cursor[T]) load() {
	if !c.ok {
		return
	}
	if c.tree {
		it := c.it.Item()
		c.cur = keyItem[T]{it.key, it.e.seq, it.e}
		return
	}
	c.cur = c.arr[c.i]
}

// takeCursors returns the scratch cursors, or none (so that append makes
// new ones) for a scan started from inside another scan's callback.
func (p *Pool[T]) takeCursors() ([]cursor[T], bool) {
	if p.cursorsBusy {
		return nil, false
	}
	p.cursorsBusy = true
	return p.cursors[:0], true
}

// treeCursors appends an up and a down cursor over t from x.
func (p *Pool[T]) treeCursors(cs []cursor[T], t *btree.BTreeG[treeItem[T]], x float64) []cursor[T] {
	cs = append(cs, cursor[T]{up: true, tree: true}, cursor[T]{tree: true})
	up, down := &cs[len(cs)-2], &cs[len(cs)-1]
	up.it.Init(t, false)
	down.it.Init(t, false)
	pivot := treeItem[T]{key: x}
	up.ok = up.it.Seek(pivot)
	if down.it.Seek(pivot) {
		down.ok = down.it.Prev()
	} else {
		down.ok = down.it.Last()
	}
	up.load()
	down.load()
	return cs
}

// nearest merges the cursors' items outward from x by distance. Ties: the
// lower key first; equal keys, seq ascending above the pivot and
// descending below it. An entry seen through several cursors is visited
// once.
func (p *Pool[T]) nearest(cs []cursor[T], owned bool, x, maxDist float64, fn func(e *Entry[T], dist float64) bool) {
	defer func() {
		for i := range cs {
			if cs[i].tree {
				cs[i].it.Release()
			}
			cs[i].arr = nil
		}
		if owned {
			p.cursors, p.cursorsBusy = cs[:0], false
		}
	}()
	if len(cs) > heapCursors {
		p.nearestHeap(cs, x, maxDist, fn)
		return
	}
	var last *Entry[T]
	for {
		best := -1
		for i := range cs {
			if cs[i].ok && (best < 0 || cs[i].before(&cs[best], x)) {
				best = i
			}
		}
		if best < 0 {
			return
		}
		c := &cs[best]
		bi, bd := c.cur, c.dist(x)
		if bd > maxDist {
			return
		}
		p.advance(c)
		if bi.e == last {
			continue // the same entry through another group
		}
		last = bi.e
		if !fn(bi.e, bd) {
			return
		}
	}
}

// heapCursors is the number of cursors above which nearest keeps them in a
// heap rather than looking at each one for every item.
const heapCursors = 6

// dist is the distance of the cursor's item from x.
func (c *cursor[T]) dist(x float64) float64 {
	if c.up {
		return c.cur.key - x
	}
	return x - c.cur.key
}

// before orders two live cursors' items as nearest visits them: nearer
// first; at equal distance the lower key; equal keys (on the same side of
// x) in sequence order going up and in reverse going down.
func (c *cursor[T]) before(o *cursor[T], x float64) bool {
	if d, od := c.dist(x), o.dist(x); d != od {
		return d < od
	}
	a, b := c.cur, o.cur
	if a.key != b.key {
		return a.key < b.key
	}
	if c.up {
		return a.seq < b.seq
	}
	return a.seq > b.seq
}

// advance moves a cursor to its next item.
func (p *Pool[T]) advance(c *cursor[T]) {
	switch {
	case c.tree && c.up:
		c.ok = c.it.Next()
		c.load()
	case c.tree:
		c.ok = c.it.Prev()
		c.load()
	default:
		if c.up {
			c.i++
		} else {
			c.i--
		}
		p.settleCursor(c)
	}
}

// nearestHeap is nearest over many cursors (many groups), kept in a binary
// heap ordered by before: O(log c) per item instead of O(c).
func (p *Pool[T]) nearestHeap(cs []cursor[T], x, maxDist float64, fn func(e *Entry[T], dist float64) bool) {
	var buf [64]int32
	h := buf[:0]
	for i := range cs {
		if cs[i].ok {
			h = append(h, int32(i))
		}
	}
	less := func(i, j int) bool { return cs[h[i]].before(&cs[h[j]], x) }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && less(r, l) {
				m = r
			}
			if !less(m, i) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	var last *Entry[T]
	for len(h) > 0 {
		c := &cs[h[0]]
		bi, bd := c.cur, c.dist(x)
		if bd > maxDist {
			return
		}
		p.advance(c)
		if !c.ok {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)
		if bi.e == last {
			continue // the same entry through another group
		}
		last = bi.e
		if !fn(bi.e, bd) {
			return
		}
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
