package oplog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a file log. The zero value means the defaults.
type Options struct {
	// SegmentBytes is the size past which the log starts a new segment
	// file. Default 64 MiB.
	SegmentBytes int64
	// Logger receives a line when Load drops a torn final record. Default:
	// discard.
	Logger *slog.Logger
	// KeepSegments keeps the segments a checkpoint covers, renamed to
	// seg-<first record>.log.done, instead of removing them: the whole
	// history stays on disk, for audits and for tests that replay it from
	// the first record.
	KeepSegments bool
}

// File names in a log's directory: segments are named by the sequence
// number of their first record, snapshots by the record they follow.
const (
	segPrefix  = "seg-"
	segSuffix  = ".log"
	snapPrefix = "snap-"
	snapSuffix = ".snap"
	tmpSuffix  = ".tmp"
	lockName   = "LOCK" // the file flock holds
	// recordHeader is a record's length and checksum.
	recordHeader = 8
	// recordMin is the shortest payload: sequence number, kind, time and
	// the operation name's length.
	recordMin = 19
	// batchStart, set in the kind byte, marks the first record of a write:
	// the records before it were synced before it was written.
	batchStart = 0x80
	// snapMagic starts a snapshot file.
	snapMagic = "MFOPSNAP"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CorruptError reports a log that cannot be read past a point: a damaged
// record before the end, a gap in the sequence, or a damaged snapshot. Load
// never skips records silently; it stops with this error.
type CorruptError struct {
	File   string // the file's path
	Offset int64  // the byte offset of the damage in File
	Msg    string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("oplog: %s: at byte %d: %s", e.File, e.Offset, e.Msg)
}

// FileLog is the single-node Log: a directory of segment files of
// length-prefixed, CRC-32C-checksummed records, and of snapshot files
// written to a temporary name, synced and renamed. Appends are batched:
// the first waiter writes and syncs everything queued, and the others wait
// for it (group commit). A FileLog is safe for concurrent use.
type FileLog struct {
	dir  string
	opts Options

	mu      sync.Mutex
	cond    *sync.Cond
	loaded  bool
	closed  bool
	err     error // sticky: the first write or sync error
	f       *os.File
	segs    []uint64 // first sequence number of each segment, ascending; the last is f
	segSize int64
	next    uint64 // the next record's sequence number
	buf     []byte // records appended and not yet written
	bufLast uint64 // sequence number of the last record in buf
	durable uint64 // every record up to it is synced
	syncing bool   // a waiter is writing and syncing
	// checkpointing is set while a Checkpoint writes its snapshot with the
	// lock dropped: Close and other Checkpoints wait for it, so nothing is
	// written to the directory after Close releases it.
	checkpointing bool
	snapSeq       uint64 // the latest checkpoint's sequence number
	syncs         int    // writes with a sync, for the tests of group commit
	lock          *os.File
}

// Open opens (creating it if needed) the log in dir and locks it against
// other processes until Close. Call Load before the first Append.
func Open(dir string, opts Options) (*FileLog, error) {
	if opts.SegmentBytes < 0 {
		return nil, errors.New("oplog: Options.SegmentBytes must not be negative")
	}
	if opts.SegmentBytes == 0 {
		opts.SegmentBytes = 64 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("oplog: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	l := &FileLog{dir: dir, opts: opts, next: 1, lock: lock}
	l.cond = sync.NewCond(&l.mu)
	return l, nil
}

// Dir returns the log's directory.
func (l *FileLog) Dir() string { return l.dir }

// Empty reports whether the directory holds no state: no snapshot and no
// segment with a byte in it. It may be called before Load.
func (l *FileLog) Empty() (bool, error) {
	snaps, err := l.listed(snapPrefix, snapSuffix)
	if err != nil || len(snaps) > 0 {
		return false, err
	}
	segs, err := l.listed(segPrefix, segSuffix)
	if err != nil {
		return false, err
	}
	for _, first := range segs {
		fi, err := os.Stat(l.path(segName(first)))
		if err != nil {
			return false, fmt.Errorf("oplog: %w", err)
		}
		if fi.Size() > 0 {
			return false, nil
		}
	}
	return true, nil
}

func segName(first uint64) string          { return fmt.Sprintf("%s%020d%s", segPrefix, first, segSuffix) }
func snapName(seq uint64) string           { return fmt.Sprintf("%s%020d%s", snapPrefix, seq, snapSuffix) }
func (l *FileLog) path(name string) string { return filepath.Join(l.dir, name) }

// listed returns the sequence numbers in the names of dir's files with
// prefix and suffix, ascending.
func (l *FileLog) listed(prefix, suffix string) ([]uint64, error) {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return nil, fmt.Errorf("oplog: %w", err)
	}
	var out []uint64
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(name, prefix), suffix), 10, 64)
		if err != nil {
			continue
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// Load implements Log. A torn final record (a write cut short by a crash)
// is dropped, with a log line, and the segment truncated before it; any
// other damage stops Load with a *CorruptError naming the file and offset.
func (l *FileLog) Load(restore func(seq uint64, snapshot io.Reader) error, replay func(seq uint64, r Record) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.loaded {
		return errors.New("oplog: Load was already called")
	}
	// A snapshot cut short by a crash never got its name: its temporary
	// file goes.
	leftovers, err := l.listed(snapPrefix, snapSuffix+tmpSuffix)
	if err != nil {
		return err
	}
	for _, seq := range leftovers {
		os.Remove(l.path(snapName(seq) + tmpSuffix))
	}
	snaps, err := l.listed(snapPrefix, snapSuffix)
	if err != nil {
		return err
	}
	if len(snaps) > 0 {
		seq := snaps[len(snaps)-1]
		data, err := l.readSnapshot(seq)
		if err != nil {
			return err
		}
		if err := restore(seq, bytes.NewReader(data)); err != nil {
			return err
		}
		l.snapSeq = seq
	}
	segs, err := l.listed(segPrefix, segSuffix)
	if err != nil {
		return err
	}
	last := l.snapSeq
	for i, first := range segs {
		name := l.path(segName(first))
		if first > last+1 {
			return &CorruptError{File: name, Offset: 0, Msg: fmt.Sprintf("the log jumps from record %d to %d: records %d to %d are missing", last, first, last+1, first-1)}
		}
		end, err := l.readSegment(name, first, i == len(segs)-1, &last, replay)
		if err != nil {
			return err
		}
		if i == len(segs)-1 {
			f, err := os.OpenFile(name, os.O_WRONLY, 0o644)
			if err != nil {
				return fmt.Errorf("oplog: %w", err)
			}
			if err := f.Truncate(end); err != nil {
				f.Close()
				return fmt.Errorf("oplog: %w", err)
			}
			if _, err := f.Seek(end, io.SeekStart); err != nil {
				f.Close()
				return fmt.Errorf("oplog: %w", err)
			}
			l.f, l.segSize = f, end
		}
	}
	l.segs = segs
	l.next = last + 1
	l.durable, l.bufLast = last, last
	if l.f == nil {
		if err := l.startSegment(l.next); err != nil {
			return err
		}
	}
	l.loaded = true
	return nil
}

// readSegment replays the records of one segment after *last (which it
// advances) and returns the offset where its valid records end.
func (l *FileLog) readSegment(name string, first uint64, isLast bool, last *uint64, replay func(uint64, Record) error) (int64, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return 0, fmt.Errorf("oplog: %w", err)
	}
	off := 0
	expect := first
	// torn decides what damage at off is. A write cut short by a crash is
	// the segment's last write, so nothing written after it survives: when
	// a later write's first record (marked batchStart) follows intact, the
	// damaged record had been synced before it, and the log is corrupt, not
	// torn. Zeros or garbage with no such record after them are the tail of
	// the last write (some file systems leave zero-filled blocks), dropped.
	torn := func(why string) (int64, error) {
		if !isLast {
			return 0, &CorruptError{File: name, Offset: int64(off), Msg: why + ", and later segments follow"}
		}
		if at, seq, ok := laterWrite(data, off, expect); ok {
			return 0, &CorruptError{File: name, Offset: int64(off), Msg: fmt.Sprintf("%s, and record %d of a later write follows intact at byte %d: the log cannot be replayed past it", why, seq, at)}
		}
		l.opts.Logger.Warn("oplog: dropping a torn final record (a write cut short)", "file", name, "offset", off, "problem", why, "bytes", len(data)-off)
		return int64(off), nil
	}
	for off < len(data) {
		if len(data)-off < recordHeader {
			return torn("the record header is incomplete")
		}
		n := int(binary.LittleEndian.Uint32(data[off:]))
		sum := binary.LittleEndian.Uint32(data[off+4:])
		if n < recordMin || n > MaxRecordBytes {
			return torn(fmt.Sprintf("the record length %d is impossible", n))
		}
		if len(data)-off-recordHeader < n {
			return torn(fmt.Sprintf("the record needs %d bytes and %d are there", n, len(data)-off-recordHeader))
		}
		payload := data[off+recordHeader : off+recordHeader+n]
		if crc32.Checksum(payload, castagnoli) != sum {
			return torn("the record's checksum does not match")
		}
		seq, rec, err := decodeRecord(payload)
		if err != nil {
			return 0, &CorruptError{File: name, Offset: int64(off), Msg: err.Error()}
		}
		if seq != expect {
			return 0, &CorruptError{File: name, Offset: int64(off), Msg: fmt.Sprintf("record %d where record %d belongs", seq, expect)}
		}
		expect++
		if seq > *last {
			if seq != *last+1 {
				return 0, &CorruptError{File: name, Offset: int64(off), Msg: fmt.Sprintf("record %d follows record %d", seq, *last)}
			}
			if err := replay(seq, rec); err != nil {
				return 0, err
			}
			*last = seq
		}
		off += recordHeader + n
	}
	return int64(off), nil
}

// laterWrite looks past the damage at off for the intact first record of a
// later write: a record header whose length fits, whose sequence number is
// after expect's predecessor, marked batchStart, with a matching checksum.
// It returns that record's offset and sequence number.
func laterWrite(data []byte, off int, expect uint64) (int, uint64, bool) {
	for p := off + 1; p+recordHeader+recordMin <= len(data); p++ {
		n := int(binary.LittleEndian.Uint32(data[p:]))
		if n < recordMin || n > MaxRecordBytes || p+recordHeader+n > len(data) {
			continue
		}
		payload := data[p+recordHeader : p+recordHeader+n]
		seq := binary.LittleEndian.Uint64(payload)
		if seq < expect || payload[8]&batchStart == 0 {
			continue
		}
		if crc32.Checksum(payload, castagnoli) == binary.LittleEndian.Uint32(data[p+4:]) {
			return p, seq, true
		}
	}
	return 0, 0, false
}

// markBatchStart sets batchStart on the first record of buf (a whole
// number of encoded records) and renews its checksum.
func markBatchStart(buf []byte) {
	if len(buf) < recordHeader+recordMin {
		return
	}
	n := int(binary.LittleEndian.Uint32(buf))
	payload := buf[recordHeader : recordHeader+n]
	payload[8] |= batchStart
	binary.LittleEndian.PutUint32(buf[4:], crc32.Checksum(payload, castagnoli))
}

func encodeRecord(dst []byte, seq uint64, r Record) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, recordHeader)...)
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	dst = append(dst, byte(r.Kind))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(r.Time.UnixNano()))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(r.Op)))
	dst = append(dst, r.Op...)
	dst = append(dst, r.Input...)
	payload := dst[start+recordHeader:]
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(payload, castagnoli))
	return dst
}

func decodeRecord(p []byte) (uint64, Record, error) {
	seq := binary.LittleEndian.Uint64(p)
	r := Record{Kind: Kind(p[8] &^ batchStart), Time: time.Unix(0, int64(binary.LittleEndian.Uint64(p[9:]))).UTC()}
	n := int(binary.LittleEndian.Uint16(p[17:]))
	if r.Kind != KindOp && r.Kind != KindStep {
		return 0, Record{}, fmt.Errorf("record %d has unknown kind %d", seq, r.Kind)
	}
	if recordMin+n > len(p) {
		return 0, Record{}, fmt.Errorf("record %d's operation name runs past its end", seq)
	}
	r.Op = string(p[recordMin : recordMin+n])
	if len(p) > recordMin+n {
		r.Input = slices.Clone(p[recordMin+n:])
	}
	return seq, r, nil
}

// Append implements Log.
func (l *FileLog) Append(recs ...Record) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return 0, ErrClosed
	case !l.loaded:
		return 0, errors.New("oplog: Append before Load")
	case l.err != nil:
		return 0, l.err
	}
	for _, r := range recs {
		if r.Kind != KindOp && r.Kind != KindStep {
			return 0, fmt.Errorf("oplog: record of unknown kind %d", r.Kind)
		}
		if len(r.Op) > 0xffff || len(r.Op)+len(r.Input)+recordMin > MaxRecordBytes {
			return 0, fmt.Errorf("oplog: a record of %d bytes; the limit is %d", len(r.Op)+len(r.Input)+recordMin, MaxRecordBytes)
		}
	}
	for _, r := range recs {
		l.buf = encodeRecord(l.buf, l.next, r)
		l.bufLast = l.next
		l.next++
	}
	return l.next - 1, nil
}

// Wait implements Log: the first waiter writes and syncs every record
// queued so far, and the others wait for it.
func (l *FileLog) Wait(seq uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq >= l.next {
		return fmt.Errorf("oplog: Wait for record %d, which was never appended (the last is %d)", seq, l.next-1)
	}
	for l.durable < seq && l.err == nil {
		if l.closed {
			return ErrClosed
		}
		if l.syncing {
			l.cond.Wait()
			continue
		}
		l.flushLocked(false)
	}
	if l.durable >= seq {
		return nil
	}
	return l.err
}

// flushLocked writes and syncs the queued records as the leader, dropping
// the lock meanwhile, and starts a new segment when the current one is full
// or rotate says so. Callers hold l.mu and checked !l.syncing.
func (l *FileLog) flushLocked(rotate bool) {
	buf, last := l.buf, l.bufLast
	l.buf = nil
	l.syncing = true
	f := l.f
	l.mu.Unlock()
	var err error
	if len(buf) > 0 {
		markBatchStart(buf)
		if _, err = f.Write(buf); err == nil {
			err = f.Sync()
		}
	}
	l.mu.Lock()
	l.syncs++
	l.syncing = false
	if err != nil {
		l.err = fmt.Errorf("oplog: writing %s: %w", f.Name(), err)
	} else {
		l.durable = last
		l.segSize += int64(len(buf))
		if (rotate || l.segSize >= l.opts.SegmentBytes) && l.segSize > 0 {
			if err := l.startSegment(last + 1); err != nil {
				l.err = err
			}
		}
	}
	l.cond.Broadcast()
}

// startSegment closes the current segment and starts one whose first
// record is first. Callers hold l.mu.
func (l *FileLog) startSegment(first uint64) error {
	f, err := os.OpenFile(l.path(segName(first)), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("oplog: %w", err)
	}
	if err := syncDir(l.dir); err != nil {
		f.Close()
		return err
	}
	if l.f != nil {
		l.f.Close()
	}
	l.f, l.segSize = f, 0
	l.segs = append(l.segs, first)
	return nil
}

// Checkpoint implements Log: the snapshot is written to a temporary file,
// synced, renamed and the directory synced; then older snapshots, and the
// segments whose records it covers, are removed.
func (l *FileLog) Checkpoint(seq uint64, snapshot []byte) error {
	l.mu.Lock()
	for l.checkpointing && !l.closed {
		l.cond.Wait()
	}
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	if seq < l.snapSeq || seq >= l.next {
		l.mu.Unlock()
		return fmt.Errorf("oplog: Checkpoint at record %d; it must be from %d (the last checkpoint) to %d (the last record)", seq, l.snapSeq, l.next-1)
	}
	l.checkpointing = true
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.checkpointing = false
		l.cond.Broadcast()
		l.mu.Unlock()
	}()

	var head [len(snapMagic) + 20]byte
	copy(head[:], snapMagic)
	binary.LittleEndian.PutUint64(head[len(snapMagic):], seq)
	binary.LittleEndian.PutUint64(head[len(snapMagic)+8:], uint64(len(snapshot)))
	sum := crc32.Update(crc32.Checksum(head[:len(snapMagic)+16], castagnoli), castagnoli, snapshot)
	binary.LittleEndian.PutUint32(head[len(snapMagic)+16:], sum)
	if err := l.replaceFile(snapName(seq), head[:], snapshot); err != nil {
		return err
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if seq > l.snapSeq {
		l.snapSeq = seq
	}
	// Start a new segment so the covered records can go, unless a writer
	// is busy (the next checkpoint then catches up).
	if !l.syncing && l.err == nil && l.segSize > 0 && l.bufLast <= seq && l.durable >= l.bufLast {
		if err := l.startSegment(l.next); err != nil {
			l.err = err
			return err
		}
	}
	snaps, err := l.listed(snapPrefix, snapSuffix)
	if err != nil {
		return err
	}
	for _, s := range snaps {
		if s < l.snapSeq {
			os.Remove(l.path(snapName(s)))
		}
	}
	// A segment may go once the next one starts at or before the record
	// after the snapshot: all its records are covered.
	keep := l.segs[:0]
	for i, first := range l.segs {
		if i+1 < len(l.segs) && l.segs[i+1] <= l.snapSeq+1 {
			if l.opts.KeepSegments {
				os.Rename(l.path(segName(first)), l.path(segName(first)+".done"))
			} else {
				os.Remove(l.path(segName(first)))
			}
			continue
		}
		keep = append(keep, first)
	}
	l.segs = keep
	return nil
}

// readSnapshot reads and checks the snapshot file of seq.
func (l *FileLog) readSnapshot(seq uint64) ([]byte, error) {
	name := l.path(snapName(seq))
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("oplog: %w", err)
	}
	h := len(snapMagic) + 20
	switch {
	case len(data) < h || string(data[:len(snapMagic)]) != snapMagic:
		return nil, &CorruptError{File: name, Msg: "not a snapshot file (its header is missing or wrong)"}
	case binary.LittleEndian.Uint64(data[len(snapMagic):]) != seq:
		return nil, &CorruptError{File: name, Offset: int64(len(snapMagic)), Msg: "the snapshot's record number does not match its name"}
	}
	n := binary.LittleEndian.Uint64(data[len(snapMagic)+8:])
	if uint64(len(data)-h) != n {
		return nil, &CorruptError{File: name, Offset: int64(len(data)), Msg: fmt.Sprintf("the snapshot has %d bytes of %d", len(data)-h, n)}
	}
	sum := crc32.Update(crc32.Checksum(data[:len(snapMagic)+16], castagnoli), castagnoli, data[h:])
	if sum != binary.LittleEndian.Uint32(data[len(snapMagic)+16:]) {
		return nil, &CorruptError{File: name, Offset: int64(h), Msg: "the snapshot's checksum does not match"}
	}
	return data[h:], nil
}

// Close implements Log. It syncs what was appended.
func (l *FileLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	for l.syncing || l.checkpointing {
		l.cond.Wait()
	}
	if l.loaded && len(l.buf) > 0 && l.err == nil {
		l.flushLocked(false)
	}
	l.closed = true
	l.cond.Broadcast()
	if l.lock != nil {
		l.lock.Close() // releases the lock
	}
	if l.f != nil {
		if err := l.f.Close(); err != nil && l.err == nil {
			return fmt.Errorf("oplog: %w", err)
		}
	}
	return l.err
}

// replaceFile stores parts as the file name in the log's directory, whole
// or not at all: written to a temporary name, synced, renamed, and the
// directory synced.
func (l *FileLog) replaceFile(name string, parts ...[]byte) error {
	tmp := l.path(name + tmpSuffix)
	if err := writeSynced(tmp, parts...); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, l.path(name)); err != nil {
		return fmt.Errorf("oplog: %w", err)
	}
	return syncDir(l.dir)
}

// WriteFile stores data as the file name in the log's directory, whole or
// not at all (as a snapshot is stored), for what a user of the log keeps
// beside its records: matchforge serve keeps its state's identity there.
// name must be a plain file name that is not one of the log's own.
func (l *FileLog) WriteFile(name string, data []byte) error {
	if err := userFileName(name); err != nil {
		return err
	}
	return l.replaceFile(name, data)
}

// ReadFile reads a file WriteFile stored; a missing one gives an error
// for which errors.Is(err, fs.ErrNotExist) holds.
func (l *FileLog) ReadFile(name string) ([]byte, error) {
	if err := userFileName(name); err != nil {
		return nil, err
	}
	return os.ReadFile(l.path(name))
}

func userFileName(name string) error {
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." ||
		strings.HasPrefix(name, segPrefix) || strings.HasPrefix(name, snapPrefix) || strings.HasSuffix(name, tmpSuffix) || name == lockName {
		return fmt.Errorf("oplog: %q is not a file name the log can keep for its user (a plain name, not seg-*, snap-*, *.tmp or %s)", name, lockName)
	}
	return nil
}

func writeSynced(name string, parts ...[]byte) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("oplog: %w", err)
	}
	for _, p := range parts {
		if _, err := f.Write(p); err != nil {
			f.Close()
			return fmt.Errorf("oplog: %w", err)
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("oplog: %w", err)
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("oplog: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("oplog: syncing %s: %w", dir, err)
	}
	return nil
}
