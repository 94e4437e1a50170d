package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"time"

	"github.com/matchforge/matchforge/internal/codec"

	"github.com/matchforge/matchforge/ruleset"
)

// The snapshot format (see the package documentation, Snapshots):
//
//	"MFSNAP"                   6 bytes, the magic
//	version                    uint16, little endian (SnapshotVersion)
//	payload length             uint64, little endian
//	payload                    the state (snapstate.go)
//	CRC-32C                    uint32, little endian, of every byte before it
const (
	snapMagic = "MFSNAP"
	// SnapshotVersion is the version of the snapshot format Snapshot
	// writes, and the newest Restore reads.
	SnapshotVersion = 2
	snapHeader      = len(snapMagic) + 2 + 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Snapshot writes the engine's whole state to w: everything a later
// Restore needs to continue exactly as this engine would (see the package
// documentation, Snapshots). It is a read: the engine does not change.
//
// Events that operations queued and no Step or Events call has taken yet
// are not part of the state: Snapshot refuses (an *Error wrapping
// ErrInvalid, before writing anything) while there are any, so that none
// is lost or delivered twice. Take them first (Events), then snapshot.
//
// Cost: O(n log n) time for n tickets, matches and sessions held, and one
// buffer the size of the snapshot (about 190 bytes per waiting ticket of
// one player with four latencies), written to w with one Write.
func (e *Engine) Snapshot(w io.Writer) error {
	if n := len(e.out); n > 0 {
		return invalid("Snapshot with %d undrained %s; take them with Events or Step first", n, plural(n, "event", "events"))
	}
	// About 200 bytes per ticket (a waiting ticket of one player with a
	// few latencies): grow the buffer once or twice.
	b := make([]byte, snapHeader, 1<<12+200*len(e.tickets))
	copy(b, snapMagic)
	binary.LittleEndian.PutUint16(b[len(snapMagic):], SnapshotVersion)
	b, err := e.appendState(b)
	if err != nil {
		return err
	}
	binary.LittleEndian.PutUint64(b[len(snapMagic)+2:], uint64(len(b)-snapHeader))
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	_, err = w.Write(b)
	return err
}

// Restore reads a snapshot that Snapshot wrote and returns an engine that
// continues exactly where the snapshotted one was: the same later
// operations give the same events, byte for byte, and the same reads.
// Rule sets are compiled again from their bodies with ruleset.Load; use
// RestoreWith for rule sets that need Go rule types.
//
// cfg configures the restored engine as New's does, except that Seed is
// not used: the random source continues from its saved state. For the
// guarantee, give the configuration the snapshotted engine had
// (NoStaging may differ: it never changes an outcome).
//
// A snapshot that is not one, is corrupt, truncated, of a newer format
// version or inconsistent is refused with an *Error wrapping ErrSnapshot
// that says what is wrong; nothing is loaded.
func Restore(r io.Reader, cfg Config) (*Engine, error) {
	return RestoreWith(r, cfg, func(body string) (*ruleset.RuleSet, error) { return ruleset.Load([]byte(body)) })
}

// RestoreWith is Restore with the function that compiles each saved rule
// set body, for rule sets that need options (Go rule types,
// ruleset.LoadWith). Each distinct rule set is compiled once.
func RestoreWith(r io.Reader, cfg Config, load func(body string) (*ruleset.RuleSet, error)) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if l, ok := r.(interface{ Len() int }); ok {
		buf.Grow(l.Len() + bytes.MinRead) // a bytes.Reader or Buffer: read it in one go
	}
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	payload, version, err := checkSnapshot(buf.Bytes())
	if err != nil {
		return nil, err
	}
	return decodeState(payload, version, cfg, load)
}

func snapErr(format string, args ...any) error {
	return &Error{Kind: ErrSnapshot, Message: "snapshot refused: " + fmt.Sprintf(format, args...)}
}

// checkSnapshot checks the framing and checksum and returns the payload
// and its format version.
func checkSnapshot(data []byte) ([]byte, uint16, error) {
	n := len(data)
	m := min(n, len(snapMagic))
	if !bytes.Equal(data[:m], []byte(snapMagic)[:m]) {
		return nil, 0, snapErr("not a matchforge snapshot (no %q header)", snapMagic)
	}
	if n < snapHeader {
		return nil, 0, snapErr("truncated at byte %d (the header takes %d)", n, snapHeader)
	}
	v := binary.LittleEndian.Uint16(data[len(snapMagic):])
	if v > SnapshotVersion {
		return nil, 0, snapErr("version %d is newer than this engine reads (%d)", v, SnapshotVersion)
	}
	if v == 0 {
		return nil, 0, snapErr("version 0 is not a snapshot version")
	}
	size := binary.LittleEndian.Uint64(data[len(snapMagic)+2:])
	want := uint64(snapHeader) + size + 4
	if size > math.MaxInt64/2 || uint64(n) < want {
		return nil, 0, snapErr("truncated at byte %d (the header announces %d bytes)", n, want)
	}
	if uint64(n) > want {
		return nil, 0, snapErr("%d bytes after the end of the snapshot", uint64(n)-want)
	}
	body := data[:n-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[n-4:]) {
		return nil, 0, snapErr("checksum mismatch")
	}
	return body[snapHeader:], v, nil
}

// enc appends the state's values in codec's encoding.
type enc struct{ b []byte }

func (w *enc) u(v uint64)    { w.b = codec.AppendU(w.b, v) }
func (w *enc) i(v int64)     { w.b = codec.AppendI(w.b, v) }
func (w *enc) n(v int)       { w.u(uint64(v)) }
func (w *enc) s(s string)    { w.b = codec.AppendS(w.b, s) }
func (w *enc) f(f float64)   { w.b = codec.AppendF(w.b, f) }
func (w *enc) byte1(c uint8) { w.b = append(w.b, c) }
func (w *enc) bool(v bool) {
	if v {
		w.byte1(1)
	} else {
		w.byte1(0)
	}
}

// ref writes an index into a table, or -1 for none, as index+1.
func (w *enc) ref(i int) { w.u(uint64(i + 1)) }

// time writes a time as seconds and nanoseconds since the Unix epoch
// (restored in UTC); the zero time has its own mark.
func (w *enc) time(t time.Time) {
	if t.IsZero() {
		w.byte1(0)
		return
	}
	w.byte1(1)
	w.i(t.Unix())
	w.u(uint64(t.Nanosecond()))
}

func (w *enc) dur(d time.Duration) { w.i(int64(d)) }

// rel writes a Unix-nanosecond time that is 0 for none, relative to base.
func (w *enc) rel(ns, base int64) {
	if ns == 0 {
		w.byte1(0)
		return
	}
	w.byte1(1)
	w.i(ns - base)
}

// strs writes a string slice, keeping nil apart from empty.
func (w *enc) strs(ss []string) { w.b = codec.AppendStrs(w.b, ss) }

// ints writes an int slice, keeping nil apart from empty.
func (w *enc) ints(xs []int) {
	w.b = codec.AppendSlice(w.b, xs, func(b []byte, x int) []byte { return codec.AppendI(b, int64(x)) })
}

// dec reads what enc wrote: codec's decoder, whose errors are snapshot
// refusals, with the engine's own values on top.
type dec struct{ codec.Dec }

func newDec(payload []byte) *dec {
	return &dec{codec.Dec{B: payload, Wrap: func(msg string) error { return snapErr("inconsistent state in the payload %s", msg) }}}
}

// n reads a non-negative int of at most max.
func (d *dec) n(max int) int {
	v := d.U()
	if max < 0 || v > uint64(max) {
		d.Fail("%d is out of range (at most %d)", v, max)
		return 0
	}
	return int(v)
}

// count reads a length: each item takes at least a byte, so it cannot
// exceed what is left.
func (d *dec) count() int { return d.Count(math.MaxInt) }

func (d *dec) uint32v() uint32 {
	v := d.U()
	if v > math.MaxUint32 {
		d.Fail("%d does not fit 32 bits", v)
		return 0
	}
	return uint32(v)
}

func (d *dec) bool() bool {
	switch d.Byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.Fail("a flag is neither 0 nor 1")
	return false
}

// ref reads an index into a table of size n, or -1 for none.
func (d *dec) ref(n int) int { return d.n(n) - 1 }

func (d *dec) time() time.Time {
	if !d.bool() {
		return time.Time{}
	}
	sec, ns := d.I(), d.U()
	if ns >= 1e9 {
		d.Fail("nanoseconds %d out of range", ns)
	}
	return time.Unix(sec, int64(ns)).UTC()
}

func (d *dec) dur() time.Duration { return time.Duration(d.I()) }

// rel reads what enc.rel wrote.
func (d *dec) rel(base int64) int64 {
	if !d.bool() {
		return 0
	}
	return base + d.I()
}

func (d *dec) ints() []int { return codec.Slice(&d.Dec, func() int { return int(d.Int32()) }) }

// rest returns the unread input, for the decoders of other packages.
func (d *dec) rest() []byte {
	if d.Err != nil {
		return nil
	}
	return d.B[d.Off:]
}

// resume continues after another package's decoder, which returned rest
// (nil with err on failure).
func (d *dec) resume(rest []byte, err error) {
	if d.Err != nil {
		return
	}
	if err != nil {
		d.Fail("%v", err)
		return
	}
	d.Off = len(d.B) - len(rest)
}
