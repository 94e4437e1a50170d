package ticket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
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

// codec helpers: unsigned and signed varints, strings, float64 bits.

func putU(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }
func putI(b []byte, v int64) []byte  { return binary.AppendVarint(b, v) }
func putS(b []byte, s string) []byte { return append(putU(b, uint64(len(s))), s...) }
func putF(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

// putStrs writes a string slice, keeping nil apart from empty.
func putStrs(b []byte, ss []string) []byte {
	if ss == nil {
		return putU(b, 0)
	}
	b = putU(b, uint64(len(ss))+1)
	for _, s := range ss {
		b = putS(b, s)
	}
	return b
}

type dec struct {
	b   []byte
	off int
	err error
}

func (d *dec) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
}

func (d *dec) u() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad varint at byte %d", d.off)
		return 0
	}
	d.off += n
	return v
}

func (d *dec) i() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad varint at byte %d", d.off)
		return 0
	}
	d.off += n
	return v
}

// count reads a length that must not exceed what is left of the input
// (each item takes at least one byte) nor max.
func (d *dec) count(max int) int {
	v := d.u()
	if v > uint64(len(d.b)-d.off) || v > uint64(max) {
		d.fail("length %d at byte %d is out of range", v, d.off)
		return 0
	}
	return int(v)
}

// bounded reads a number that must not exceed max.
func (d *dec) bounded(max uint64) uint64 {
	v := d.u()
	if v > max {
		d.fail("value %d at byte %d is out of range", v, d.off)
		return 0
	}
	return v
}

func (d *dec) s() string {
	n := d.count(math.MaxInt32)
	if d.err != nil {
		return ""
	}
	s := string(d.b[d.off : d.off+n])
	d.off += n
	return s
}

func (d *dec) f() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.b)-d.off < 8 {
		d.fail("truncated float at byte %d", d.off)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b[d.off:]))
	d.off += 8
	return v
}

func (d *dec) i32() int32 {
	v := d.i()
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.fail("value %d out of range", v)
		return 0
	}
	return int32(v)
}

func (d *dec) strs() []string {
	n := d.count(math.MaxInt32)
	if n == 0 || d.err != nil {
		return nil
	}
	out := make([]string, n-1)
	for i := range out {
		out[i] = d.s()
	}
	return out
}

// AppendBinary appends the table's encoding to b: every id with its name
// and holder count, the ids released for reuse in their order, and the
// peak. It never fails.
func (l *Locations) AppendBinary(b []byte) ([]byte, error) {
	b = putU(b, uint64(len(l.names)))
	for i, name := range l.names {
		b = putS(b, name)
		b = putI(b, int64(l.refs[i]))
	}
	b = putU(b, uint64(len(l.free)))
	for _, id := range l.free {
		b = putU(b, uint64(id))
	}
	return putU(b, uint64(l.peak)), nil
}

// DecodeLocations decodes a table that Locations.AppendBinary encoded at
// the start of b, and returns it with the rest of b.
func DecodeLocations(b []byte) (*Locations, []byte, error) {
	d := &dec{b: b}
	l := NewLocations()
	n := d.count(math.MaxInt32)
	l.names, l.refs = make([]string, 0, n), make([]int32, 0, n)
	for range n {
		l.names = append(l.names, d.s())
		l.refs = append(l.refs, d.i32())
	}
	freed := make([]bool, n)
	nf := d.count(n)
	for range nf {
		id := d.u()
		if d.err == nil && (id >= uint64(n) || freed[id]) {
			d.fail("released location id %d is out of range or repeated", id)
		}
		if d.err != nil {
			break
		}
		freed[id] = true
		l.free = append(l.free, int32(id))
	}
	l.peak = int(d.bounded(math.MaxInt32))
	for id, name := range l.names {
		if d.err != nil {
			break
		}
		switch {
		case freed[id]:
			if name != "" || l.refs[id] != 0 {
				d.fail("released location id %d still has a name or holders", id)
			}
		default:
			if _, dup := l.ids[name]; dup {
				d.fail("location %q appears twice", name)
			}
			l.ids[name] = int32(id)
		}
	}
	if d.err != nil {
		return nil, nil, d.err
	}
	return l, b[d.off:], nil
}

// appendValue appends an attribute value's encoding.
func appendValue(b []byte, v AttributeValue) []byte {
	b = append(b, byte(v.kind))
	switch v.kind {
	case KindString:
		b = putS(b, v.s)
	case KindNumber:
		b = putF(b, v.n)
	case KindList:
		b = putStrs(b, v.sl)
	case KindMap:
		b = appendMap(b, v.sdm)
	}
	return b
}

func appendMap(b []byte, m []MapEntry) []byte {
	if m == nil {
		return putU(b, 0)
	}
	b = putU(b, uint64(len(m))+1)
	for _, e := range m {
		b = putF(putS(b, e.Key), e.Value)
	}
	return b
}

func (d *dec) mapEntries() []MapEntry {
	n := d.count(math.MaxInt32)
	if n == 0 || d.err != nil {
		return nil
	}
	out := make([]MapEntry, n-1)
	for i := range out {
		out[i] = MapEntry{Key: d.s(), Value: d.f()}
	}
	return out
}

func (d *dec) value() AttributeValue {
	if d.err != nil {
		return AttributeValue{}
	}
	if d.off >= len(d.b) {
		d.fail("truncated attribute value at byte %d", d.off)
		return AttributeValue{}
	}
	v := AttributeValue{kind: Kind(d.b[d.off])}
	d.off++
	switch v.kind {
	case KindString:
		v.s = d.s()
	case KindNumber:
		v.n = d.f()
	case KindList:
		v.sl = d.strs()
	case KindMap:
		v.sdm = d.mapEntries()
	case KindNone:
	default:
		d.fail("attribute kind %d is unknown", v.kind)
	}
	return v
}

// AppendBinary appends the schema's encoding to b: its declarations in
// order. It never fails.
func (s *Schema) AppendBinary(b []byte) ([]byte, error) {
	b = putU(b, uint64(len(s.attrs)))
	for _, a := range s.attrs {
		b = putS(b, a.Name)
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
	d := &dec{b: b}
	n := d.count(MaxSchemaAttributes)
	attrs := make([]Attr, n)
	for i := range attrs {
		attrs[i].Name = d.s()
		attrs[i].Kind = Kind(d.byte())
		if d.byte() == 1 {
			v := d.value()
			attrs[i].Default = &v
		}
	}
	if d.err != nil {
		return nil, nil, d.err
	}
	s, err := NewSchema(attrs)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return s, b[d.off:], nil
}

func (d *dec) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.fail("truncated at byte %d", d.off)
		return 0
	}
	c := d.b[d.off]
	d.off++
	return c
}

func appendLatencies(b []byte, ls []Latency) []byte {
	if ls == nil {
		return putU(b, 0)
	}
	b = putU(b, uint64(len(ls))+1)
	for _, l := range ls {
		b = putI(putI(b, int64(l.Loc)), int64(l.Ms))
	}
	return b
}

func (d *dec) latencies() []Latency {
	n := d.count(math.MaxInt32)
	if n == 0 || d.err != nil {
		return nil
	}
	out := make([]Latency, n-1)
	for i := range out {
		out[i] = Latency{Loc: d.i32(), Ms: d.i32()}
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
	b = putU(b, uint64(r.players))
	b = putI(b, int64(r.missing))
	b = putS(b, r.id)
	b = putU(b, r.given)
	if r.num != nil {
		b = putU(b, uint64(len(r.num)))
		for _, v := range r.num {
			b = putF(b, v)
		}
	}
	if r.lat != nil {
		b = putU(b, uint64(len(r.lat)))
		for _, a := range r.lat {
			b = putI(putI(putI(b, int64(a.Loc)), int64(a.Min)), int64(a.Max))
			b = putF(b, a.Avg)
		}
	}
	if x := r.x; x != nil {
		b = putStrs(b, x.ids)
		if x.given == nil {
			b = putU(b, 0)
		} else {
			b = putU(b, uint64(len(x.given))+1)
			for _, g := range x.given {
				b = putU(b, g)
			}
		}
		b = putStrs(b, x.team)
		b = putStrs(b, x.str)
		b = appendLists(b, x.list)
		b = appendLists(b, x.set)
		if x.maps == nil {
			b = putU(b, 0)
		} else {
			b = putU(b, uint64(len(x.maps))+1)
			for _, m := range x.maps {
				b = appendMap(b, m)
			}
		}
		if x.numAgg == nil {
			b = putU(b, 0)
		} else {
			b = putU(b, uint64(len(x.numAgg))+1)
			for _, a := range x.numAgg {
				b = putF(putF(putF(b, a.Min), a.Max), a.Avg)
			}
		}
		b = appendLists(b, x.listUnion)
		b = appendLists(b, x.listInter)
		if x.plat == nil {
			b = putU(b, 0)
		} else {
			b = putU(b, uint64(len(x.plat))+1)
			for _, l := range x.plat {
				b = appendLatencies(b, l)
			}
		}
		b = putU(b, uint64(len(x.extra)))
		for _, e := range x.extra {
			b = putU(b, uint64(e.Player))
			b = putS(b, e.Name)
			b = appendValue(b, e.Value)
		}
	}
	return b, nil
}

func appendLists(b []byte, ls [][]string) []byte {
	if ls == nil {
		return putU(b, 0)
	}
	b = putU(b, uint64(len(ls))+1)
	for _, l := range ls {
		b = putStrs(b, l)
	}
	return b
}

func (d *dec) lists() [][]string {
	n := d.count(math.MaxInt32)
	if n == 0 || d.err != nil {
		return nil
	}
	out := make([][]string, n-1)
	for i := range out {
		out[i] = d.strs()
	}
	return out
}

// DecodeResolved decodes a Resolved that Resolved.AppendBinary encoded at
// the start of b, resolved against s (the schema the encoded one was
// resolved against), and returns it with the rest of b.
func DecodeResolved(s *Schema, b []byte) (*Resolved, []byte, error) {
	d := &dec{b: b}
	flags := d.byte()
	r := &Resolved{schema: s}
	players := int(d.bounded(math.MaxInt32))
	r.players = int32(players)
	r.missing = d.i32()
	r.id = d.s()
	r.given = d.u()
	if flags&hasNum != 0 {
		n := d.count(math.MaxInt32 / 8)
		r.num = make([]float64, n)
		for i := range r.num {
			r.num[i] = d.f()
		}
		if d.err == nil && n != players*s.counts[KindNumber] {
			d.fail("%d number values for %d players of %d slots", n, players, s.counts[KindNumber])
		}
	}
	if flags&hasLat != 0 {
		n := d.count(math.MaxInt32)
		r.lat = make([]LatencyAgg, n)
		for i := range r.lat {
			r.lat[i] = LatencyAgg{Loc: d.i32(), Min: d.i32(), Max: d.i32()}
			r.lat[i].Avg = d.f()
		}
	}
	if flags&hasExt != 0 {
		x := &resolvedExt{}
		r.x = x
		x.ids = d.strs()
		if n := d.count(math.MaxInt32); n > 0 {
			x.given = make([]uint64, n-1)
			for i := range x.given {
				x.given[i] = d.u()
			}
		}
		x.team = d.strs()
		x.str = d.strs()
		x.list = d.lists()
		x.set = d.lists()
		if n := d.count(math.MaxInt32); n > 0 {
			x.maps = make([][]MapEntry, n-1)
			for i := range x.maps {
				x.maps[i] = d.mapEntries()
			}
		}
		if n := d.count(math.MaxInt32); n > 0 {
			x.numAgg = make([]NumAgg, n-1)
			for i := range x.numAgg {
				x.numAgg[i] = NumAgg{Min: d.f(), Max: d.f(), Avg: d.f()}
			}
		}
		x.listUnion = d.lists()
		x.listInter = d.lists()
		if n := d.count(math.MaxInt32); n > 0 {
			x.plat = make([][]Latency, n-1)
			for i := range x.plat {
				x.plat[i] = d.latencies()
			}
		}
		ne := d.count(math.MaxInt32)
		for range ne {
			e := Extra{Player: int(d.bounded(uint64(max(players-1, 0)))), Name: d.s(), Value: d.value()}
			if d.err != nil {
				break
			}
			x.extra = append(x.extra, e)
		}
	}
	if d.err == nil {
		d.checkResolved(r)
	}
	if d.err != nil {
		return nil, nil, d.err
	}
	return r, b[d.off:], nil
}

// checkResolved checks that the lengths of r's parts fit its players and
// schema, so that no method indexes out of range.
func (d *dec) checkResolved(r *Resolved) {
	s, n := r.schema, int(r.players)
	if n > 0 && s.counts[KindNumber] > 0 && len(r.num) != n*s.counts[KindNumber] {
		d.fail("number values do not fit the schema")
		return
	}
	if r.missing < -1 || int(r.missing) >= len(s.attrs) {
		d.fail("missing attribute %d is out of range", r.missing)
		return
	}
	if n > 1 && (r.x == nil || len(r.x.ids) != n || len(r.x.given) != n) {
		d.fail("a party of %d players lacks its ids", n)
		return
	}
	need := s.counts[KindString] + s.counts[KindList] + s.counts[KindMap]
	if n > 0 && need > 0 && r.x == nil {
		d.fail("attributes lack their values")
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
			d.fail("attribute values do not fit the schema")
			return
		}
	}
	if !slices.IsSortedFunc(r.lat, func(a, b LatencyAgg) int { return int(a.Loc) - int(b.Loc) }) {
		d.fail("latencies are not sorted by location")
	}
}
