package ticket

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
)

// MaxSchemaAttributes is the most attributes a Schema (a rule set's
// playerAttributes) may declare.
const MaxSchemaAttributes = 64

// Locations interns location names (the keys of LatencyInMs) as small
// integers so that the matching loop compares integers, not strings. Ids are
// handed out in the order names are first seen, so the same inputs give the
// same ids. A Locations is not safe for concurrent use.
//
// A holder that keeps ids (a ticket an engine holds) counts them with
// Retain and gives them back with Release: a name whose last holder
// released it leaves the table, and its id is handed out again, so the
// table holds the names in use rather than every name ever seen. Names that
// are never retained stay.
type Locations struct {
	ids   map[string]int32
	names []string
	refs  []int32 // holders per id; a released id has 0 and an empty name
	free  []int32 // released ids, to hand out again (last released first)
	peak  int     // the most names held since ids was last rebuilt
}

// NewLocations returns an empty table.
func NewLocations() *Locations { return &Locations{ids: map[string]int32{}} }

// ID returns the id of name, adding it if it is new. Cost: one map lookup.
func (l *Locations) ID(name string) int32 {
	if id, ok := l.ids[name]; ok {
		return id
	}
	var id int32
	if n := len(l.free); n > 0 {
		id, l.free = l.free[n-1], l.free[:n-1]
		l.names[id] = name
	} else {
		id = int32(len(l.names))
		l.names = append(l.names, name)
		l.refs = append(l.refs, 0)
	}
	l.ids[name] = id
	l.peak = max(l.peak, len(l.ids))
	return id
}

// Lookup returns the id of name without adding it.
func (l *Locations) Lookup(name string) (int32, bool) {
	id, ok := l.ids[name]
	return id, ok
}

// Name returns the name of id, or "" for an id that was released.
func (l *Locations) Name(id int32) string { return l.names[id] }

// Len returns the number of ids handed out: ids run from 0 to Len()-1
// (some may be released). It is the most names the table held at once.
func (l *Locations) Len() int { return len(l.names) }

// Count returns how many names the table holds.
func (l *Locations) Count() int { return len(l.ids) }

// Retain counts one more holder of id.
func (l *Locations) Retain(id int32) { l.refs[id]++ }

// Release counts one holder of id fewer; when none is left, the name leaves
// the table and id may be handed out again for another name. Releasing an
// id that has no holder does nothing.
func (l *Locations) Release(id int32) {
	if l.refs[id] <= 0 {
		return
	}
	l.refs[id]--
	if l.refs[id] > 0 {
		return
	}
	delete(l.ids, l.names[id])
	l.names[id] = ""
	l.free = append(l.free, id)
	if len(l.ids) < l.peak/4 {
		// Go maps keep their buckets: rebuild after a peak.
		l.ids = maps.Clone(l.ids)
		l.peak = len(l.ids)
	}
}

// Attr declares one attribute of a Schema.
type Attr struct {
	Name string
	Kind Kind
	// Default is used when a player does not supply the attribute; nil means
	// the attribute is required (a ticket without it can never match, D20).
	Default *AttributeValue
}

// Schema maps a rule set's declared attributes to typed slots, so that a
// player's attributes can be read by index without maps. Build one with
// NewSchema; it is immutable and safe for concurrent use.
type Schema struct {
	attrs  []Attr
	slot   []int
	counts [5]int // slots per Kind
	byName map[string]int
}

// NewSchema builds a schema from attribute declarations. Names must be unique
// and kinds known; defaults must match their kind.
func NewSchema(attrs []Attr) (*Schema, error) {
	if len(attrs) > MaxSchemaAttributes {
		return nil, fmt.Errorf("%w: %d attributes declared; the limit is %d", ErrInvalid, len(attrs), MaxSchemaAttributes)
	}
	s := &Schema{attrs: slices.Clone(attrs), slot: make([]int, len(attrs)), byName: make(map[string]int, len(attrs))}
	for i, a := range attrs {
		if _, dup := s.byName[a.Name]; dup {
			return nil, fmt.Errorf("%w: attribute %q declared twice", ErrInvalid, a.Name)
		}
		if a.Kind == KindNone || a.Kind > KindMap {
			return nil, fmt.Errorf("%w: attribute %q has no type", ErrInvalid, a.Name)
		}
		if a.Default != nil && a.Default.Kind() != a.Kind {
			return nil, fmt.Errorf("%w: attribute %q is %s but its default is %s", ErrInvalid, a.Name, a.Kind.RuleSetType(), a.Default.Kind().RuleSetType())
		}
		s.byName[a.Name] = i
		s.slot[i] = s.counts[a.Kind]
		s.counts[a.Kind]++
	}
	return s, nil
}

// Attrs returns the declarations in order. The caller must not modify them.
func (s *Schema) Attrs() []Attr { return s.attrs }

// Lookup returns the index of the named attribute.
func (s *Schema) Lookup(name string) (int, bool) {
	i, ok := s.byName[name]
	return i, ok
}

// Slot returns the kind of attribute i and its slot among attributes of that
// kind: a number attribute with slot 2 is read as Resolved.Num(player, 2).
func (s *Schema) Slot(i int) (Kind, int) { return s.attrs[i].Kind, s.slot[i] }

// Slots returns how many attributes of kind k the schema declares.
func (s *Schema) Slots(k Kind) int { return s.counts[k] }

// Latency is one player's latency to one location.
type Latency struct {
	Loc int32 // id from Locations
	Ms  int32
}

// NumAgg is a party's aggregate of one number attribute (D9).
type NumAgg struct{ Min, Max, Avg float64 }

// LatencyAgg is a party's aggregate latency to a location every member
// reports (D9, D11). For a single player, Min, Max and Avg are its latency.
type LatencyAgg struct {
	Loc      int32
	Min, Max int32
	Avg      float64
}

// Extra is an attribute a player supplied that the schema does not declare.
// It is carried along for echoing but never read by rules.
type Extra struct {
	Player int
	Name   string
	Value  AttributeValue
}

// Resolved is a ticket's players resolved against a Schema: attribute values
// sit in typed slices indexed by player and slot, latency in slices sorted by
// location id, and party aggregates are computed once. The matching loop
// reads it without maps or allocation. It is immutable once built.
//
// It is laid out for the common ticket, one player with a few number
// attributes and latencies, which costs a small struct and two short
// slices; string, list and map attributes, parties, teams and undeclared
// attributes live in an extension allocated only when a ticket has them.
type Resolved struct {
	schema  *Schema
	players int32
	missing int32
	id      string       // player 0's id
	given   uint64       // player 0's supplied attributes, bit per schema index
	num     []float64    // [player*slots(N) + slot]
	lat     []LatencyAgg // the party's latency per location every member reports, by location id
	x       *resolvedExt
}

// resolvedExt holds what only some tickets have.
type resolvedExt struct {
	ids       []string     // every player's id (parties)
	given     []uint64     // every player's supplied attributes (parties)
	team      []string     // requested teams (backfill), nil when none
	str       []string     // [player*slots(S) + slot]
	list      [][]string   // as supplied, repeats after the first dropped
	set       [][]string   // sorted and deduplicated, for set operations
	maps      [][]MapEntry // [player*slots(SDM) + slot], sorted by key
	numAgg    []NumAgg     // parties: per number slot
	listUnion [][]string   // parties: per list slot
	listInter [][]string   // parties: per list slot
	plat      [][]Latency  // parties: each player's latencies, by location id
	extra     []Extra
}

func (r *Resolved) ext() *resolvedExt {
	if r.x == nil {
		r.x = &resolvedExt{}
	}
	return r.x
}

// ResolveError reports an attribute supplied with a type other than the one
// the schema declares. It wraps ErrInvalid.
type ResolveError struct{ FieldError }

func (e *ResolveError) Error() string { return e.FieldError.Error() }

// Unwrap returns ErrInvalid.
func (e *ResolveError) Unwrap() error { return ErrInvalid }

// Resolve builds the Resolved form of players. Latency location names are
// interned in locs, each player's new names in name order, so that the same
// players get the same ids. A declared attribute supplied with the wrong
// type is an error naming its field; a declared attribute that is missing
// and has no default is not an error, but Missing reports it (the ticket can
// never match, D20). Call ValidatePlayers first; Resolve assumes valid
// players.
func (s *Schema) Resolve(players []Player, locs *Locations) (*Resolved, error) {
	n := len(players)
	lats := 0
	if n == 1 {
		lats = len(players[0].LatencyInMs)
	}
	r, solo := newResolved(s, n, lats)
	if n == 0 {
		return r, nil
	}
	if c := s.counts[KindNumber]; c > 0 {
		r.num = solo.numbers(n * c)
	}
	if n > 1 || s.counts[KindString]+s.counts[KindList]+s.counts[KindMap] > 0 {
		x := r.ext()
		if n > 1 {
			x.ids = make([]string, n)
			x.given = make([]uint64, n)
		}
		if c := s.counts[KindString]; c > 0 {
			x.str = make([]string, n*c)
		}
		if c := s.counts[KindList]; c > 0 {
			x.list = make([][]string, n*c)
			x.set = make([][]string, n*c)
		}
		if c := s.counts[KindMap]; c > 0 {
			x.maps = make([][]MapEntry, n*c)
		}
	}
	r.id = players[0].PlayerID
	for p := range players {
		pl := &players[p]
		if n > 1 {
			r.x.ids[p] = pl.PlayerID
		}
		if pl.Team != "" {
			x := r.ext()
			if x.team == nil {
				x.team = make([]string, n)
			}
			x.team[p] = pl.Team
		}
		var given uint64
		for i, a := range s.attrs {
			v, ok := pl.PlayerAttributes[a.Name]
			switch {
			case ok && v.Kind() != a.Kind:
				return nil, &ResolveError{FieldError{
					Field:   fmt.Sprintf("Players[%d].PlayerAttributes.%s", p, a.Name),
					Problem: fmt.Sprintf("is %s, but the rule set declares %s as %s (%s)", v.Kind(), a.Name, a.Kind.RuleSetType(), a.Kind),
				}}
			case ok:
				given |= 1 << uint(i)
			case a.Default != nil:
				v = *a.Default
			default:
				if r.missing < 0 || int32(i) < r.missing {
					r.missing = int32(i)
				}
				continue
			}
			r.store(p, i, v)
		}
		if p == 0 {
			r.given = given
		}
		if n > 1 {
			r.x.given[p] = given
		}
		if hasExtra(s, pl.PlayerAttributes) {
			for _, name := range slices.Sorted(maps.Keys(pl.PlayerAttributes)) {
				if _, declared := s.byName[name]; !declared {
					v := pl.PlayerAttributes[name]
					if v.kind == KindList {
						v.sl, _ = dedupe(v.sl) // repeats are ignored here too
					}
					x := r.ext()
					x.extra = append(x.extra, Extra{Player: p, Name: name, Value: v})
				}
			}
		}
		if len(pl.LatencyInMs) > 0 {
			if n == 1 {
				r.lat = singleLatencies(pl.LatencyInMs, locs, solo.latencies(len(pl.LatencyInMs))[:0])
			} else {
				l := latencies(pl.LatencyInMs, locs)
				x := r.ext()
				if x.plat == nil {
					x.plat = make([][]Latency, n)
				}
				x.plat[p] = l
			}
		}
	}
	if n > 1 {
		r.aggregate()
	}
	return r, nil
}

// hasExtra reports whether attrs holds a name the schema does not declare.
func hasExtra(s *Schema, attrs map[string]AttributeValue) bool {
	if len(attrs) > len(s.attrs) {
		return true
	}
	for name := range attrs { // asks whether any is undeclared: order does not matter
		if _, declared := s.byName[name]; !declared {
			return true
		}
	}
	return false
}

// latencies interns a player's locations and returns its latencies sorted
// by location id.
func latencies(m map[string]int, locs *Locations) []Latency {
	var buf [16]Latency
	ls := internLatencies(m, locs, buf[:0])
	return append(make([]Latency, 0, len(ls)), ls...)
}

// singleLatencies is latencies for a ticket of one player, whose
// aggregates are its own latencies, appended to dst (allocated when it
// has no room).
func singleLatencies(m map[string]int, locs *Locations, dst []LatencyAgg) []LatencyAgg {
	var buf [16]Latency
	ls := internLatencies(m, locs, buf[:0])
	if cap(dst) < len(ls) {
		dst = make([]LatencyAgg, 0, len(ls))
	}
	for _, l := range ls {
		dst = append(dst, LatencyAgg{Loc: l.Loc, Min: l.Ms, Max: l.Ms, Avg: float64(l.Ms)})
	}
	return dst
}

// resolvedSolo is a one-player ticket's Resolved with its numbers and
// latencies in the same allocation, for the common ticket of a few of
// each: a matcher that reads a ticket's attributes and latencies in
// sorted order, not in the order the tickets arrived, then touches one
// object where it touched three (each a likely cache miss in a large
// pool), and Resolve allocates once instead of three times. It takes the
// room the three took.
type resolvedSolo struct {
	Resolved
	num [soloNums]float64
	lat [soloLats]LatencyAgg
}

// The most numbers and latencies a resolvedSolo holds.
const (
	soloNums = 2
	soloLats = 4
)

// newResolved returns an empty Resolved of players players on s (missing
// none yet): a resolvedSolo, returned too, for one player of at most
// soloNums numbers and at most lats <= soloLats latencies, else a plain
// one and a nil solo. Resolve and DecodeResolved both make theirs here.
func newResolved(s *Schema, players, lats int) (*Resolved, *resolvedSolo) {
	if players == 1 && s.counts[KindNumber] <= soloNums && lats <= soloLats {
		solo := &resolvedSolo{Resolved: Resolved{players: 1, schema: s, missing: -1}}
		return &solo.Resolved, solo
	}
	return &Resolved{players: int32(players), schema: s, missing: -1}, nil
}

// numbers returns room for n numbers: solo's own when it has it (solo may
// be nil).
func (solo *resolvedSolo) numbers(n int) []float64 {
	if solo != nil && n <= soloNums {
		return solo.num[:n:n]
	}
	return make([]float64, n)
}

// latencies returns room for n latencies: solo's own when it has it (solo
// may be nil).
func (solo *resolvedSolo) latencies(n int) []LatencyAgg {
	if solo != nil && n <= soloLats {
		return solo.lat[:n:soloLats]
	}
	return make([]LatencyAgg, n)
}

// internLatencies appends m's latencies to buf, sorted by location id. New
// names are interned in name order, so that ids never depend on map
// iteration order.
func internLatencies(m map[string]int, locs *Locations, buf []Latency) []Latency {
	l := buf
	known := true
	for name, ms := range m { // looks up only, then sorts: order does not matter
		id, ok := locs.Lookup(name)
		if !ok {
			known = false
			break
		}
		l = append(l, Latency{Loc: id, Ms: int32(ms)})
	}
	if !known {
		l = buf[:0]
		for _, name := range slices.Sorted(maps.Keys(m)) {
			l = append(l, Latency{Loc: locs.ID(name), Ms: int32(m[name])})
		}
	}
	slices.SortFunc(l, func(a, b Latency) int { return cmp.Compare(a.Loc, b.Loc) })
	return l
}

func (r *Resolved) store(p, i int, v AttributeValue) {
	k, slot := r.schema.Slot(i)
	idx := p*r.schema.counts[k] + slot
	switch k {
	case KindNumber:
		r.num[idx] = v.N()
	case KindString:
		r.x.str[idx] = v.S()
	case KindList:
		r.x.list[idx], r.x.set[idx] = dedupe(v.SL())
	case KindMap:
		r.x.maps[idx] = v.SDM()
	}
}

// dedupe drops repeats after the first (FlexMatch ignores them) and returns
// the list in its given order and as a sorted set. The two share storage when
// the list is already sorted.
func dedupe(items []string) (ordered, set []string) {
	if len(items) == 0 {
		return []string{}, []string{}
	}
	set = slices.Clone(items)
	slices.Sort(set)
	set = slices.Compact(set)
	if len(set) == len(items) && slices.Equal(set, items) {
		return set, set
	}
	if len(set) == len(items) {
		return slices.Clone(items), set
	}
	ordered = make([]string, 0, len(set))
	seen := make(map[string]bool, len(set))
	for _, s := range items {
		if !seen[s] {
			seen[s] = true
			ordered = append(ordered, s)
		}
	}
	return ordered, set
}

// aggregate computes a party's aggregates.
func (r *Resolved) aggregate() {
	s, x, n := r.schema, r.x, int(r.players)
	if c := s.counts[KindNumber]; c > 0 {
		x.numAgg = make([]NumAgg, c)
		for slot := range c {
			a := NumAgg{Min: r.num[slot], Max: r.num[slot]}
			sum := 0.0
			for p := range n {
				v := r.num[p*c+slot]
				a.Min, a.Max = min(a.Min, v), max(a.Max, v)
				sum += v
			}
			a.Avg = sum / float64(n)
			x.numAgg[slot] = a
		}
	}
	if c := s.counts[KindList]; c > 0 {
		x.listUnion = make([][]string, c)
		x.listInter = make([][]string, c)
		for slot := range c {
			u, in := slices.Clone(x.set[slot]), slices.Clone(x.set[slot])
			for p := 1; p < n; p++ {
				l := x.set[p*c+slot]
				u = unionSorted(u, l)
				in = intersectSorted(in[:0:0], in, l)
			}
			x.listUnion[slot], x.listInter[slot] = u, in
		}
	}
	if x.plat == nil {
		return
	}
	// Locations every member reports, with the party's min, max and average.
	for _, l := range x.plat[0] {
		a := LatencyAgg{Loc: l.Loc, Min: l.Ms, Max: l.Ms}
		sum, all := int64(l.Ms), true
		for p := 1; p < n; p++ {
			ms, ok := find(x.plat[p], l.Loc)
			if !ok {
				all = false
				break
			}
			a.Min, a.Max = min(a.Min, ms), max(a.Max, ms)
			sum += int64(ms)
		}
		if all {
			a.Avg = float64(sum) / float64(n)
			r.lat = append(r.lat, a)
		}
	}
}

func find(l []Latency, loc int32) (int32, bool) {
	for _, e := range l {
		if e.Loc == loc {
			return e.Ms, true
		}
		if e.Loc > loc {
			break
		}
	}
	return 0, false
}

// unionSorted returns the union of two sorted, deduplicated string slices as
// a new sorted slice.
func unionSorted(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// intersectSorted appends to dst the strings present in both sorted,
// deduplicated slices a and b, and returns it. dst may alias a.
func intersectSorted(dst, a, b []string) []string {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			dst = append(dst, a[i])
			i, j = i+1, j+1
		}
	}
	return dst
}

// Schema returns the schema r was resolved against.
func (r *Resolved) Schema() *Schema { return r.schema }

// Players returns the number of players.
func (r *Resolved) Players() int { return int(r.players) }

// PlayerID returns player p's id.
func (r *Resolved) PlayerID(p int) string {
	if p == 0 {
		return r.id
	}
	return r.x.ids[p]
}

// Team returns the team player p asked for (backfill requests), or "".
func (r *Resolved) Team(p int) string {
	if r.x == nil || r.x.team == nil {
		return ""
	}
	return r.x.team[p]
}

// Missing returns the index (in Schema.Attrs) of the first declared attribute
// some player lacks with no default to fall back on, or -1.
func (r *Resolved) Missing() int { return int(r.missing) }

// Num returns player p's value of number slot s.
func (r *Resolved) Num(p, s int) float64 { return r.num[p*r.schema.counts[KindNumber]+s] }

// Str returns player p's value of string slot s.
func (r *Resolved) Str(p, s int) string { return r.x.str[p*r.schema.counts[KindString]+s] }

// List returns player p's value of string-list slot s as a sorted set.
func (r *Resolved) List(p, s int) []string { return r.x.set[p*r.schema.counts[KindList]+s] }

// Map returns player p's value of map slot s, sorted by key.
func (r *Resolved) Map(p, s int) []MapEntry { return r.x.maps[p*r.schema.counts[KindMap]+s] }

// NumAgg returns the party's min, max and average of number slot s.
func (r *Resolved) NumAgg(s int) NumAgg {
	if r.players == 1 {
		v := r.num[s]
		return NumAgg{v, v, v}
	}
	return r.x.numAgg[s]
}

// ListUnion returns the union of the party's lists in string-list slot s.
func (r *Resolved) ListUnion(s int) []string {
	if r.players == 1 {
		return r.x.set[s]
	}
	return r.x.listUnion[s]
}

// ListIntersection returns the strings every member of the party has in
// string-list slot s.
func (r *Resolved) ListIntersection(s int) []string {
	if r.players == 1 {
		return r.x.set[s]
	}
	return r.x.listInter[s]
}

// PlayerLatencyAt returns player p's latency to loc.
func (r *Resolved) PlayerLatencyAt(p int, loc int32) (int32, bool) {
	if r.players <= 1 {
		a, ok := r.PartyLatencyAt(loc)
		return a.Min, ok
	}
	if r.x == nil || r.x.plat == nil {
		return 0, false
	}
	return find(r.x.plat[p], loc)
}

// PlayerLatencies calls fn with each of player p's latencies, by location
// id.
func (r *Resolved) PlayerLatencies(p int, fn func(Latency)) {
	if r.players <= 1 {
		for _, a := range r.lat {
			fn(Latency{Loc: a.Loc, Ms: a.Min})
		}
		return
	}
	if r.x == nil || r.x.plat == nil {
		return
	}
	for _, l := range r.x.plat[p] {
		fn(l)
	}
}

// Locations calls fn with each location id of each player's latencies: an
// id as many times as players report it, so that a holder that counts ids
// (Locations.Retain, Release) counts the same both ways.
func (r *Resolved) Locations(fn func(loc int32)) {
	if r.players <= 1 || r.x == nil || r.x.plat == nil {
		for _, a := range r.lat {
			fn(a.Loc)
		}
		return
	}
	for _, pl := range r.x.plat {
		for _, l := range pl {
			fn(l.Loc)
		}
	}
}

// HasLatency reports whether every player reported at least one latency.
func (r *Resolved) HasLatency() bool {
	if r.players <= 1 {
		return len(r.lat) > 0
	}
	if r.x == nil || r.x.plat == nil {
		return false
	}
	for _, l := range r.x.plat {
		if len(l) == 0 {
			return false
		}
	}
	return true
}

// PartyLatency returns the locations every player of the ticket reports,
// sorted by location id, with the party's min, max and average latency.
func (r *Resolved) PartyLatency() []LatencyAgg { return r.lat }

// PartyLatencyAt returns the party's aggregate latency to loc.
func (r *Resolved) PartyLatencyAt(loc int32) (LatencyAgg, bool) {
	// A ticket reports a handful of locations: a linear scan beats a
	// binary search through a comparison function.
	for _, a := range r.lat {
		if a.Loc == loc {
			return a, true
		}
		if a.Loc > loc {
			break
		}
	}
	return LatencyAgg{}, false
}

// Value returns player p's value of attribute i (the default when the
// player did not supply it) and whether there is one.
func (r *Resolved) Value(p, i int) (AttributeValue, bool) {
	k, slot := r.schema.Slot(i)
	a := r.schema.attrs[i]
	if !r.Supplied(p, i) {
		if a.Default == nil {
			return AttributeValue{}, false
		}
		return *a.Default, true
	}
	idx := p*r.schema.counts[k] + slot
	switch k {
	case KindNumber:
		return Number(r.num[idx]), true
	case KindString:
		return String(r.x.str[idx]), true
	case KindList:
		return AttributeValue{kind: KindList, sl: r.x.list[idx]}, true
	case KindMap:
		return AttributeValue{kind: KindMap, sdm: r.x.maps[idx]}, true
	}
	return AttributeValue{}, false
}

// Supplied reports whether player p supplied attribute i (rather than taking
// the default).
func (r *Resolved) Supplied(p, i int) bool {
	g := r.given
	if p > 0 {
		g = r.x.given[p]
	}
	return g&(1<<uint(i)) != 0
}

// PlayerAttributes rebuilds the attributes player p supplied, declared and
// undeclared, as a map (nil when there were none). Repeated list items are
// gone, as FlexMatch ignores them.
func (r *Resolved) PlayerAttributes(p int) map[string]AttributeValue {
	var m map[string]AttributeValue
	for i, a := range r.schema.attrs {
		if r.Supplied(p, i) {
			if m == nil {
				m = make(map[string]AttributeValue)
			}
			m[a.Name], _ = r.Value(p, i)
		}
	}
	if r.x != nil {
		for _, e := range r.x.extra {
			if e.Player == p {
				if m == nil {
					m = make(map[string]AttributeValue)
				}
				m[e.Name] = e.Value
			}
		}
	}
	return m
}

// LatencyMap rebuilds player p's LatencyInMs map (nil when there was none).
func (r *Resolved) LatencyMap(p int, locs *Locations) map[string]int {
	var m map[string]int
	r.PlayerLatencies(p, func(l Latency) {
		if m == nil {
			m = make(map[string]int)
		}
		m[locs.Name(l.Loc)] = int(l.Ms)
	})
	return m
}
