package codec

import (
	"encoding/binary"
	"fmt"
	"math"
)

// AppendU appends v as an unsigned varint.
func AppendU(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

// AppendI appends v as a signed varint.
func AppendI(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

// AppendS appends s with its length.
func AppendS(b []byte, s string) []byte { return append(AppendU(b, uint64(len(s))), s...) }

// AppendF appends f's IEEE 754 bits, little-endian.
func AppendF(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

// AppendSlice appends xs, each with each: 0 for nil, else its length plus
// one and its elements, so that nil and empty stay apart.
func AppendSlice[T any](b []byte, xs []T, each func([]byte, T) []byte) []byte {
	if xs == nil {
		return AppendU(b, 0)
	}
	b = AppendU(b, uint64(len(xs))+1)
	for _, x := range xs {
		b = each(b, x)
	}
	return b
}

// AppendStrs appends a string slice as AppendSlice does.
func AppendStrs(b []byte, ss []string) []byte { return AppendSlice(b, ss, AppendS) }

// Dec reads what the Append functions wrote from B, from Off on. After the
// first problem Err holds it and every read returns a zero value.
type Dec struct {
	B   []byte
	Off int
	Err error
	// Wrap turns a problem, described with its byte offset, into the
	// error Err keeps. Nil keeps the description as a plain error.
	Wrap func(msg string) error
}

// Fail records a problem at the current offset, unless one is recorded.
func (d *Dec) Fail(format string, args ...any) {
	if d.Err != nil {
		return
	}
	msg := fmt.Sprintf("at byte %d: %s", d.Off, fmt.Sprintf(format, args...))
	if d.Wrap == nil {
		d.Err = fmt.Errorf("%s", msg)
		return
	}
	d.Err = d.Wrap(msg)
}

// U reads an unsigned varint.
func (d *Dec) U() uint64 {
	if d.Err != nil {
		return 0
	}
	v, k := binary.Uvarint(d.B[d.Off:])
	if k <= 0 {
		d.Fail("bad varint")
		return 0
	}
	d.Off += k
	return v
}

// I reads a signed varint.
func (d *Dec) I() int64 {
	if d.Err != nil {
		return 0
	}
	v, k := binary.Varint(d.B[d.Off:])
	if k <= 0 {
		d.Fail("bad varint")
		return 0
	}
	d.Off += k
	return v
}

// Count reads a length of at most max that cannot exceed what is left of
// the input (each item takes at least a byte).
func (d *Dec) Count(max int) int {
	v := d.U()
	if v > uint64(len(d.B)-d.Off) || max < 0 || v > uint64(max) {
		d.Fail("length %d is out of range", v)
		return 0
	}
	return int(v)
}

// Int32 reads a signed varint that must fit 32 bits.
func (d *Dec) Int32() int32 {
	v := d.I()
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.Fail("%d does not fit 32 bits", v)
		return 0
	}
	return int32(v)
}

// S reads a string.
func (d *Dec) S() string {
	k := d.Count(math.MaxInt32)
	if d.Err != nil {
		return ""
	}
	s := string(d.B[d.Off : d.Off+k])
	d.Off += k
	return s
}

// F reads float64 bits.
func (d *Dec) F() float64 {
	if d.Err != nil {
		return 0
	}
	if len(d.B)-d.Off < 8 {
		d.Fail("truncated number")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.B[d.Off:]))
	d.Off += 8
	return v
}

// Byte reads one byte.
func (d *Dec) Byte() byte {
	if d.Err != nil {
		return 0
	}
	if d.Off >= len(d.B) {
		d.Fail("truncated")
		return 0
	}
	c := d.B[d.Off]
	d.Off++
	return c
}

// Slice reads what AppendSlice wrote, each element with each.
func Slice[T any](d *Dec, each func() T) []T {
	k := d.Count(math.MaxInt32)
	if k == 0 || d.Err != nil {
		return nil
	}
	out := make([]T, k-1)
	for i := range out {
		out[i] = each()
	}
	return out
}

// Strs reads what AppendStrs wrote.
func (d *Dec) Strs() []string { return Slice(d, d.S) }
