package ticket

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/matchforge/matchforge/internal/codec"
)

// Binary encodings of the state this package owns, for engine snapshots
// (engine.Engine.Snapshot). They are exact: a decoded Locations hands out
// the same ids in the same order as the one encoded, and a decoded Resolved
// answers every method as the one encoded did, location ids included (they
// are stored as ids, not names, so that a Resolved whose ids a Locations
// has since released decodes unchanged). The encodings carry no version or
// checksum of their own; the engine's snapshot format does. Decoders check
// lengths and ranges and return an error wrapping ErrCorrupt, never panic,
// on input they cannot read.

// ErrCorrupt is wrapped by the errors of the binary decoders.
var ErrCorrupt = errors.New("corrupt encoding")

// dec is codec's decoder, its errors wrapping ErrCorrupt.
type dec struct{ codec.Dec }

func newDec(b []byte) *dec {
	return &dec{codec.Dec{B: b, Wrap: func(msg string) error { return fmt.Errorf("%w: %s", ErrCorrupt, msg) }}}
}

// bounded reads a number that must not exceed max.
func (d *dec) bounded(max uint64) uint64 {
	v := d.U()
	if v > max {
		d.Fail("value %d is out of range", v)
		return 0
	}
	return v
}

// AppendBinary appends the table's encoding to b: every id with its name
// and holder count, the ids released for reuse in their order, and the
// peak. It never fails.
func (l *Locations) AppendBinary(b []byte) ([]byte, error) {
	b = codec.AppendU(b, uint64(len(l.names)))
	for i, name := range l.names {
		b = codec.AppendS(b, name)
		b = codec.AppendI(b, int64(l.refs[i]))
	}
	b = codec.AppendU(b, uint64(len(l.free)))
	for _, id := range l.free {
		b = codec.AppendU(b, uint64(id))
	}
	return codec.AppendU(b, uint64(l.peak)), nil
}

// DecodeLocations decodes a table that Locations.AppendBinary encoded at
// the start of b, and returns it with the rest of b.
func DecodeLocations(b []byte) (*Locations, []byte, error) {
	d := newDec(b)
	l := NewLocations()
	n := d.Count(math.MaxInt32)
	l.names, l.refs = make([]string, 0, n), make([]int32, 0, n)
	for range n {
		l.names = append(l.names, d.S())
		l.refs = append(l.refs, d.Int32())
	}
	freed := make([]bool, n)
	nf := d.Count(n)
	for range nf {
		id := d.U()
		if d.Err == nil && (id >= uint64(n) || freed[id]) {
			d.Fail("released location id %d is out of range or repeated", id)
		}
		if d.Err != nil {
			break
		}
		freed[id] = true
		l.free = append(l.free, int32(id))
	}
	l.peak = int(d.bounded(math.MaxInt32))
	for id, name := range l.names {
		if d.Err != nil {
			break
		}
		switch {
		case freed[id]:
			if name != "" || l.refs[id] != 0 {
				d.Fail("released location id %d still has a name or holders", id)
			}
		default:
			if _, dup := l.ids[name]; dup {
				d.Fail("location %q appears twice", name)
			}
			l.ids[name] = int32(id)
		}
	}
	if d.Err != nil {
		return nil, nil, d.Err
	}
	return l, b[d.Off:], nil
}

// appendValue appends an attribute value's encoding.
func appendValue(b []byte, v AttributeValue) []byte {
	b = append(b, byte(v.kind))
	switch v.kind {
	case KindString:
		b = codec.AppendS(b, v.s)
	case KindNumber:
		b = codec.AppendF(b, v.n)
	case KindList:
		b = codec.AppendStrs(b, v.sl)
	case KindMap:
		b = appendMap(b, v.sdm)
	}
	return b
}

func appendMap(b []byte, m []MapEntry) []byte {
	if m == nil {
		return codec.AppendU(b, 0)
	}
	b = codec.AppendU(b, uint64(len(m))+1)
	for _, e := range m {
		b = codec.AppendF(codec.AppendS(b, e.Key), e.Value)
	}
	return b
}

func (d *dec) mapEntries() []MapEntry {
	n := d.Count(math.MaxInt32)
	if n == 0 || d.Err != nil {
		return nil
	}
	out := make([]MapEntry, n-1)
	for i := range out {
		out[i] = MapEntry{Key: d.S(), Value: d.F()}
	}
	return out
}

func (d *dec) value() AttributeValue {
	if d.Err != nil {
		return AttributeValue{}
	}
	if d.Off >= len(d.B) {
		d.Fail("truncated attribute value")
		return AttributeValue{}
	}
	v := AttributeValue{kind: Kind(d.B[d.Off])}
	d.Off++
	switch v.kind {
	case KindString:
		v.s = d.S()
	case KindNumber:
		v.n = d.F()
	case KindList:
		v.sl = d.Strs()
	case KindMap:
		v.sdm = d.mapEntries()
	case KindNone:
	default:
		d.Fail("attribute kind %d is unknown", v.kind)
	}
	return v
}

// AppendBinary appends the schema's encoding to b: its declarations in
// order. It never fails.
func (s *Schema) AppendBinary(b []byte) ([]byte, error) {
	b = codec.AppendU(b, uint64(len(s.attrs)))
	for _, a := range s.attrs {
		b = codec.AppendS(b, a.Name)
		b = append(b, byte(a.Kind))
		if a.Default == nil {
			b = append(b, 0)
		} else {
			b = appendValue(append(b, 1), *a.Default)
		}
	}
	return b, nil
}

// DecodeSchema decodes a schema that Schema.AppendBinary encoded at the
// start of b, and returns it with the rest of b.
func DecodeSchema(b []byte) (*Schema, []byte, error) {
	d := newDec(b)
	n := d.Count(MaxSchemaAttributes)
	attrs := make([]Attr, n)
	for i := range attrs {
		attrs[i].Name = d.S()
		attrs[i].Kind = Kind(d.Byte())
		if d.Byte() == 1 {
			v := d.value()
			attrs[i].Default = &v
		}
	}
	if d.Err != nil {
		return nil, nil, d.Err
	}
	s, err := NewSchema(attrs)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return s, b[d.Off:], nil
}

func appendLatencies(b []byte, ls []Latency) []byte {
	if ls == nil {
		return codec.AppendU(b, 0)
	}
	b = codec.AppendU(b, uint64(len(ls))+1)
	for _, l := range ls {
		b = codec.AppendI(codec.AppendI(b, int64(l.Loc)), int64(l.Ms))
	}
	return b
}

func (d *dec) latencies() []Latency {
	n := d.Count(math.MaxInt32)
	if n == 0 || d.Err != nil {
		return nil
	}
	out := make([]Latency, n-1)
	for i := range out {
		out[i] = Latency{Loc: d.Int32(), Ms: d.Int32()}
	}
	return out
}

// presence flags of a Resolved's optional parts.
const (
	hasNum = 1 << iota
	hasLat
	hasExt
)

// AppendBinary appends r's encoding to b, without its schema (the decoder
// is given it). Location ids are stored as they are. It never fails.
func (r *Resolved) AppendBinary(b []byte) ([]byte, error) {
	var flags byte
	if r.num != nil {
		flags |= hasNum
	}
	if r.lat != nil {
		flags |= hasLat
	}
	if r.x != nil {
		flags |= hasExt
	}
	b = append(b, flags)
	b = codec.AppendU(b, uint64(r.players))
	b = codec.AppendI(b, int64(r.missing))
	b = codec.AppendS(b, r.id)
	b = codec.AppendU(b, r.given)
	if r.num != nil {
		b = codec.AppendU(b, uint64(len(r.num)))
		for _, v := range r.num {
			b = codec.AppendF(b, v)
		}
	}
	if r.lat != nil {
		b = codec.AppendU(b, uint64(len(r.lat)))
		for _, a := range r.lat {
			b = codec.AppendI(codec.AppendI(codec.AppendI(b, int64(a.Loc)), int64(a.Min)), int64(a.Max))
			b = codec.AppendF(b, a.Avg)
		}
	}
	if x := r.x; x != nil {
		b = codec.AppendStrs(b, x.ids)
		if x.given == nil {
			b = codec.AppendU(b, 0)
		} else {
			b = codec.AppendU(b, uint64(len(x.given))+1)
			for _, g := range x.given {
				b = codec.AppendU(b, g)
			}
		}
		b = codec.AppendStrs(b, x.team)
		b = codec.AppendStrs(b, x.str)
		b = appendLists(b, x.list)
		b = appendLists(b, x.set)
		if x.maps == nil {
			b = codec.AppendU(b, 0)
		} else {
			b = codec.AppendU(b, uint64(len(x.maps))+1)
			for _, m := range x.maps {
				b = appendMap(b, m)
			}
		}
		if x.numAgg == nil {
			b = codec.AppendU(b, 0)
		} else {
			b = codec.AppendU(b, uint64(len(x.numAgg))+1)
			for _, a := range x.numAgg {
				b = codec.AppendF(codec.AppendF(codec.AppendF(b, a.Min), a.Max), a.Avg)
			}
		}
		b = appendLists(b, x.listUnion)
		b = appendLists(b, x.listInter)
		if x.plat == nil {
			b = codec.AppendU(b, 0)
		} else {
			b = codec.AppendU(b, uint64(len(x.plat))+1)
			for _, l := range x.plat {
				b = appendLatencies(b, l)
			}
		}
		b = codec.AppendU(b, uint64(len(x.extra)))
		for _, e := range x.extra {
			b = codec.AppendU(b, uint64(e.Player))
			b = codec.AppendS(b, e.Name)
			b = appendValue(b, e.Value)
		}
	}
	return b, nil
}

func appendLists(b []byte, ls [][]string) []byte { return codec.AppendSlice(b, ls, codec.AppendStrs) }

func (d *dec) lists() [][]string { return codec.Slice(&d.Dec, d.Strs) }

// DecodeResolved decodes a Resolved that Resolved.AppendBinary encoded at
// the start of b, resolved against s (the schema the encoded one was
// resolved against), and returns it with the rest of b.
func DecodeResolved(s *Schema, b []byte) (*Resolved, []byte, error) {
	d := newDec(b)
	flags := d.Byte()
	players := int(d.bounded(math.MaxInt32))
	// The latencies' count comes later: a single player's get solo's room
	// when they fit (as from Resolve), else their own.
	r, solo := newResolved(s, players, soloLats)
	r.missing = d.Int32()
	r.id = d.S()
	r.given = d.U()
	if flags&hasNum != 0 {
		n := d.Count(math.MaxInt32 / 8)
		r.num = solo.numbers(n)
		for i := range r.num {
			r.num[i] = d.F()
		}
		if d.Err == nil && n != players*s.counts[KindNumber] {
			d.Fail("%d number values for %d players of %d slots", n, players, s.counts[KindNumber])
		}
	}
	if flags&hasLat != 0 {
		n := d.Count(math.MaxInt32)
		r.lat = solo.latencies(n)
		for i := range r.lat {
			r.lat[i] = LatencyAgg{Loc: d.Int32(), Min: d.Int32(), Max: d.Int32()}
			r.lat[i].Avg = d.F()
		}
	}
	if flags&hasExt != 0 {
		x := &resolvedExt{}
		r.x = x
		x.ids = d.Strs()
		if n := d.Count(math.MaxInt32); n > 0 {
			x.given = make([]uint64, n-1)
			for i := range x.given {
				x.given[i] = d.U()
			}
		}
		x.team = d.Strs()
		x.str = d.Strs()
		x.list = d.lists()
		x.set = d.lists()
		if n := d.Count(math.MaxInt32); n > 0 {
			x.maps = make([][]MapEntry, n-1)
			for i := range x.maps {
				x.maps[i] = d.mapEntries()
			}
		}
		if n := d.Count(math.MaxInt32); n > 0 {
			x.numAgg = make([]NumAgg, n-1)
			for i := range x.numAgg {
				x.numAgg[i] = NumAgg{Min: d.F(), Max: d.F(), Avg: d.F()}
			}
		}
		x.listUnion = d.lists()
		x.listInter = d.lists()
		if n := d.Count(math.MaxInt32); n > 0 {
			x.plat = make([][]Latency, n-1)
			for i := range x.plat {
				x.plat[i] = d.latencies()
			}
		}
		ne := d.Count(math.MaxInt32)
		for range ne {
			e := Extra{Player: int(d.bounded(uint64(max(players-1, 0)))), Name: d.S(), Value: d.value()}
			if d.Err != nil {
				break
			}
			x.extra = append(x.extra, e)
		}
	}
	if d.Err == nil {
		d.checkResolved(r)
	}
	if d.Err != nil {
		return nil, nil, d.Err
	}
	return r, b[d.Off:], nil
}

// checkResolved checks that the lengths of r's parts fit its players and
// schema, so that no method indexes out of range.
func (d *dec) checkResolved(r *Resolved) {
	s, n := r.schema, int(r.players)
	if n > 0 && s.counts[KindNumber] > 0 && len(r.num) != n*s.counts[KindNumber] {
		d.Fail("number values do not fit the schema")
		return
	}
	if r.missing < -1 || int(r.missing) >= len(s.attrs) {
		d.Fail("missing attribute %d is out of range", r.missing)
		return
	}
	if n > 1 && (r.x == nil || len(r.x.ids) != n || len(r.x.given) != n) {
		d.Fail("a party of %d players lacks its ids", n)
		return
	}
	need := s.counts[KindString] + s.counts[KindList] + s.counts[KindMap]
	if n > 0 && need > 0 && r.x == nil {
		d.Fail("attributes lack their values")
		return
	}
	if x := r.x; x != nil && n > 0 {
		ok := len(x.str) == n*s.counts[KindString] &&
			len(x.list) == n*s.counts[KindList] && len(x.set) == n*s.counts[KindList] &&
			len(x.maps) == n*s.counts[KindMap] &&
			(x.team == nil || len(x.team) == n) &&
			(x.plat == nil || len(x.plat) == n) &&
			(n == 1 || (len(x.numAgg) == s.counts[KindNumber] || s.counts[KindNumber] == 0) &&
				(len(x.listUnion) == s.counts[KindList] && len(x.listInter) == s.counts[KindList] || s.counts[KindList] == 0))
		if !ok {
			d.Fail("attribute values do not fit the schema")
			return
		}
	}
	if !slices.IsSortedFunc(r.lat, func(a, b LatencyAgg) int { return int(a.Loc) - int(b.Loc) }) {
		d.Fail("latencies are not sorted by location")
	}
}
