package oplog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func rec(i int) Record {
	if i%3 == 0 {
		return Record{Kind: KindStep, Time: t0.Add(time.Duration(i) * time.Millisecond)}
	}
	return Record{Kind: KindOp, Time: t0.Add(time.Duration(i) * time.Millisecond), Op: "StartMatchmaking",
		Input: []byte(fmt.Sprintf(`{"ConfigurationName":"c","Players":[{"PlayerId":"p%d"}]}`, i))}
}

// loaded holds what Load handed over.
type loaded struct {
	snapSeq uint64
	snap    []byte
	seqs    []uint64
	recs    []Record
}

func load(t *testing.T, dir string, opts Options) (*FileLog, loaded, error) {
	t.Helper()
	l, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	var got loaded
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	err = l.Load(func(seq uint64, r io.Reader) error {
		got.snapSeq = seq
		got.snap, _ = io.ReadAll(r)
		return nil
	}, func(seq uint64, r Record) error {
		got.seqs = append(got.seqs, seq)
		got.recs = append(got.recs, r)
		return nil
	})
	return l, got, err
}

func mustLoad(t *testing.T, dir string, opts Options) (*FileLog, loaded) {
	t.Helper()
	l, got, err := load(t, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, got
}

func appendN(t *testing.T, l *FileLog, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		seq, err := l.Append(rec(i))
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Wait(seq); err != nil {
			t.Fatal(err)
		}
	}
}

func same(a, b Record) bool {
	return a.Kind == b.Kind && a.Time.Equal(b.Time) && a.Op == b.Op && bytes.Equal(a.Input, b.Input)
}

func checkRecords(t *testing.T, got loaded, first, n int) {
	t.Helper()
	if len(got.recs) != n {
		t.Fatalf("replayed %d records, want %d", len(got.recs), n)
	}
	for i, r := range got.recs {
		if got.seqs[i] != uint64(first+i) || !same(r, rec(first+i-1)) {
			t.Fatalf("record %d: seq %d %+v, want seq %d %+v", i, got.seqs[i], r, first+i, rec(first+i-1))
		}
	}
}

func TestAppendLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	l, got := mustLoad(t, dir, Options{})
	if len(got.recs) != 0 || got.snap != nil {
		t.Fatalf("a new log replayed %+v", got)
	}
	appendN(t, l, 0, 50)
	l.Close()
	l2, got := mustLoad(t, dir, Options{})
	checkRecords(t, got, 1, 50)
	// Appending after a reload continues the sequence.
	seq, err := l2.Append(rec(50), rec(51))
	if err != nil || seq != 52 {
		t.Fatalf("Append after reload: %d %v, want 52", seq, err)
	}
	l2.Wait(seq)
	l2.Close()
	_, got = mustLoad(t, dir, Options{})
	checkRecords(t, got, 1, 52)
}

func TestGroupCommit(t *testing.T) {
	l, _ := mustLoad(t, t.TempDir(), Options{})
	const writers, each = 16, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				seq, err := l.Append(rec(w*each + i))
				if err == nil {
					err = l.Wait(seq)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	l.mu.Lock()
	syncs, durable := l.syncs, l.durable
	l.mu.Unlock()
	if durable != writers*each {
		t.Fatalf("durable up to %d, want %d", durable, writers*each)
	}
	if syncs >= writers*each {
		t.Errorf("%d syncs for %d appends: no group commit", syncs, writers*each)
	}
	t.Logf("%d appends in %d syncs", writers*each, syncs)
}

func lastSegment(t *testing.T, dir string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	if len(m) == 0 {
		t.Fatal("no segment")
	}
	return m[len(m)-1]
}

// fiveWrites makes a log in a new directory of five records, each its own
// write, and returns the directory, its one segment's path and bytes.
func fiveWrites(t *testing.T) (dir, seg string, data []byte) {
	t.Helper()
	dir = t.TempDir()
	l, _ := mustLoad(t, dir, Options{})
	appendN(t, l, 0, 5)
	l.Close()
	seg = lastSegment(t, dir)
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	return dir, seg, data
}

func TestTornFinalRecordIsDropped(t *testing.T) {
	_, seg, full := fiveWrites(t)
	lastLen := len(encodeRecord(nil, 5, rec(4)))
	for cut := 1; cut < lastLen; cut++ {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, filepath.Base(seg)), full[:len(full)-cut], 0o644)
		var logs bytes.Buffer
		l, got := mustLoad(t, dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		checkRecords(t, got, 1, 4)
		if !strings.Contains(logs.String(), "torn final record") {
			t.Fatalf("cut %d: no log line: %q", cut, logs.String())
		}
		// The log goes on from record 5, and a reload sees it whole.
		if seq, err := l.Append(rec(4)); err != nil || seq != 5 || l.Wait(seq) != nil {
			t.Fatalf("cut %d: Append after the torn record: %d %v", cut, seq, err)
		}
		l.Close()
		_, got = mustLoad(t, dir, Options{})
		checkRecords(t, got, 1, 5)
	}
	// A final record whose checksum is wrong is torn too.
	dir := t.TempDir()
	bad := bytes.Clone(full)
	bad[len(bad)-1] ^= 0xff
	os.WriteFile(filepath.Join(dir, filepath.Base(seg)), bad, 0o644)
	_, got := mustLoad(t, dir, Options{})
	checkRecords(t, got, 1, 4)
}

func TestDamageBeforeTheEndStopsLoad(t *testing.T) {
	dir, seg, data := fiveWrites(t)
	first := len(encodeRecord(nil, 1, rec(0)))
	data[first-1] ^= 0x01 // the first record's last byte
	os.WriteFile(seg, data, 0o644)
	_, _, err := load(t, dir, Options{})
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.File != seg || ce.Offset != 0 || !strings.Contains(ce.Msg, "checksum") {
		t.Fatalf("Load of a damaged first record: %v", err)
	}
	if !strings.Contains(err.Error(), seg) || !strings.Contains(err.Error(), "byte 0") {
		t.Errorf("the message %q does not name the file and offset", err)
	}
}

// TestDamageFollowedByALaterWriteStopsLoad: in the last segment, damage
// that a later write's intact record follows cannot be a torn write (a
// crash cuts only the last write), so Load refuses it, whatever the damage
// makes of the record's length.
func TestDamageFollowedByALaterWriteStopsLoad(t *testing.T) {
	_, seg, full := fiveWrites(t)
	second := len(encodeRecord(nil, 1, rec(0)))
	for _, tc := range []struct {
		name   string
		damage func(b []byte)
	}{
		{"a length past the end", func(b []byte) { binary.LittleEndian.PutUint32(b[second:], 0x7fffff00) }},
		{"a length too short", func(b []byte) { binary.LittleEndian.PutUint32(b[second:], 3) }},
		{"a length one byte longer", func(b []byte) { b[second]++ }},
		{"zeroed", func(b []byte) { clear(b[second : second+20]) }},
	} {
		dir := t.TempDir()
		bad := bytes.Clone(full)
		tc.damage(bad)
		os.WriteFile(filepath.Join(dir, filepath.Base(seg)), bad, 0o644)
		_, _, err := load(t, dir, Options{})
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.Offset != int64(second) || !strings.Contains(ce.Msg, "record 3 of a later write") {
			t.Errorf("%s: Load gave %v; want a *CorruptError at byte %d naming record 3", tc.name, err, second)
		}
	}
}

// TestZeroFilledTailIsTorn: a crash can leave the end of a segment
// zero-filled (blocks allocated, data never written). That is the tail of
// the last write: dropped, and the log goes on.
func TestZeroFilledTailIsTorn(t *testing.T) {
	dir, seg, data := fiveWrites(t)
	os.WriteFile(seg, append(data, make([]byte, 4096)...), 0o644)
	var logs bytes.Buffer
	l, got := mustLoad(t, dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	checkRecords(t, got, 1, 5)
	if !strings.Contains(logs.String(), "torn final record") {
		t.Errorf("no log line for the dropped zeros: %q", logs.String())
	}
	appendN(t, l, 5, 6)
	l.Close()
	_, got = mustLoad(t, dir, Options{})
	checkRecords(t, got, 1, 6)
}

// TestDamageInsideTheLastWriteIsTorn: records of the last write (one group
// commit) after a damaged one are that same torn write, never
// acknowledged: dropped with it.
func TestDamageInsideTheLastWriteIsTorn(t *testing.T) {
	dir := t.TempDir()
	l, _ := mustLoad(t, dir, Options{})
	appendN(t, l, 0, 3)
	seq, err := l.Append(rec(3), rec(4), rec(5)) // one write
	if err != nil || l.Wait(seq) != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	syncs := l.syncs
	l.mu.Unlock()
	if syncs != 4 {
		t.Fatalf("%d syncs; want 4 (three single records and one batch)", syncs)
	}
	l.Close()
	seg := lastSegment(t, dir)
	data, _ := os.ReadFile(seg)
	fourth := 0
	for i := range 3 {
		fourth += len(encodeRecord(nil, uint64(i+1), rec(i)))
	}
	data[fourth+recordHeader+10] ^= 0x40 // record 4's time
	os.WriteFile(seg, data, 0o644)
	_, got := mustLoad(t, dir, Options{})
	checkRecords(t, got, 1, 3)
}

func TestRotationCheckpointAndGaps(t *testing.T) {
	dir := t.TempDir()
	l, _ := mustLoad(t, dir, Options{SegmentBytes: 300})
	appendN(t, l, 0, 40)
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	if len(segs) < 5 {
		t.Fatalf("%d segments for 40 records of about 80 bytes with SegmentBytes 300", len(segs))
	}
	if err := l.Checkpoint(41, []byte("x")); err == nil {
		t.Error("Checkpoint past the last record accepted")
	}
	if err := l.Checkpoint(30, []byte("state after 30")); err != nil {
		t.Fatal(err)
	}
	if err := l.Checkpoint(20, []byte("older")); err == nil {
		t.Error("Checkpoint older than the last accepted")
	}
	appendN(t, l, 40, 45)
	l.Close()
	if done, _ := filepath.Glob(filepath.Join(dir, "seg-*.log.done")); len(done) != 0 {
		t.Errorf("segments kept without KeepSegments: %v", done)
	}
	after, _ := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	if len(after) >= len(segs) {
		t.Errorf("%d segments after the checkpoint, %d before: none removed", len(after), len(segs))
	}
	l3, got := mustLoad(t, dir, Options{SegmentBytes: 300})
	l3.Close()
	if got.snapSeq != 30 || string(got.snap) != "state after 30" {
		t.Fatalf("snapshot %d %q", got.snapSeq, got.snap)
	}
	checkRecords(t, got, 31, 15)

	// A missing segment between the snapshot and the rest is a gap.
	gap := t.TempDir()
	l, _ = mustLoad(t, gap, Options{SegmentBytes: 200})
	appendN(t, l, 0, 20)
	l.Close()
	segs, _ = filepath.Glob(filepath.Join(gap, "seg-*.log"))
	os.Remove(segs[1])
	if _, _, err := load(t, gap, Options{}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Load with a segment gone: %v", err)
	}

	// A damaged snapshot is refused, never half-loaded.
	snaps, _ := filepath.Glob(filepath.Join(dir, "snap-*.snap"))
	data, _ := os.ReadFile(snaps[0])
	data[len(data)-1] ^= 0xff
	os.WriteFile(snaps[0], data, 0o644)
	var ce *CorruptError
	if _, _, err := load(t, dir, Options{}); !errors.As(err, &ce) || !strings.Contains(ce.Msg, "checksum") {
		t.Errorf("Load with a damaged snapshot: %v", err)
	}
}

func TestMisuse(t *testing.T) {
	l, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(rec(1)); err == nil {
		t.Error("Append before Load accepted")
	}
	if err := l.Load(func(uint64, io.Reader) error { return nil }, func(uint64, Record) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(Record{Kind: 9}); err == nil {
		t.Error("a record of unknown kind accepted")
	}
	if err := l.Wait(5); err == nil || !strings.Contains(err.Error(), "never appended") {
		t.Errorf("Wait for a record never appended: %v", err)
	}
	l.Close()
	if _, err := l.Append(rec(1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: %v", err)
	}
	if _, err := Open(t.TempDir(), Options{SegmentBytes: -1}); err == nil {
		t.Error("negative SegmentBytes accepted")
	}
}

// FuzzLoad loads arbitrary bytes as a segment: Load never panics, and it
// either replays records or says why not.
func FuzzLoad(f *testing.F) {
	var good []byte
	for i := range 3 {
		good = encodeRecord(good, uint64(i+1), rec(i))
	}
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, segName(1)), data, 0o644)
		l, got, err := load(t, dir, Options{})
		if err == nil {
			defer l.Close()
			for i, s := range got.seqs {
				if s != uint64(i+1) {
					t.Fatalf("replayed seq %d at %d", s, i)
				}
			}
			if seq, err := l.Append(rec(0)); err != nil || seq != uint64(len(got.seqs)+1) {
				t.Fatalf("Append after Load: %d %v", seq, err)
			}
			return
		}
		var ce *CorruptError
		if !errors.As(err, &ce) {
			t.Fatalf("Load failed with %v, not a *CorruptError", err)
		}
	})
}

// BenchmarkAppendWait appends one record per operation from parallel
// goroutines and waits for it, as the server's requests do: the syncs per
// record show the group commit.
func BenchmarkAppendWait(b *testing.B) {
	l, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	l.Load(func(uint64, io.Reader) error { return nil }, func(uint64, Record) error { return nil })
	r := rec(1)
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			seq, err := l.Append(r)
			if err == nil {
				err = l.Wait(seq)
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	l.mu.Lock()
	b.ReportMetric(float64(l.syncs)/float64(b.N), "syncs/record")
	l.mu.Unlock()
}

func TestOneWriterPerDirectory(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("a second Open of a directory in use: %v", err)
	}
	l.Close()
	l2, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	l2.Close()
}

func TestKeepSegments(t *testing.T) {
	dir := t.TempDir()
	l, _ := mustLoad(t, dir, Options{SegmentBytes: 200, KeepSegments: true})
	appendN(t, l, 0, 20)
	if err := l.Checkpoint(15, []byte("s")); err != nil {
		t.Fatal(err)
	}
	l.Close()
	done, _ := filepath.Glob(filepath.Join(dir, "seg-*.log.done"))
	live, _ := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	if len(done) == 0 {
		t.Fatal("no segment kept")
	}
	// The kept and live segments together hold every record from the first.
	all := t.TempDir()
	for _, f := range append(done, live...) {
		b, _ := os.ReadFile(f)
		os.WriteFile(filepath.Join(all, strings.TrimSuffix(filepath.Base(f), ".done")), b, 0o644)
	}
	_, got := mustLoad(t, all, Options{})
	checkRecords(t, got, 1, 20)
}

// TestCheckpointLeftoverIsRemoved: a snapshot cut short by a crash (its
// temporary file) is removed at Load and never read.
func TestCheckpointLeftoverIsRemoved(t *testing.T) {
	dir := t.TempDir()
	l, _ := mustLoad(t, dir, Options{})
	appendN(t, l, 0, 3)
	l.Close()
	tmp := filepath.Join(dir, snapName(3)+tmpSuffix)
	os.WriteFile(tmp, []byte("half a snapshot"), 0o644)
	_, got := mustLoad(t, dir, Options{})
	if got.snap != nil {
		t.Fatalf("Load restored %q", got.snap)
	}
	checkRecords(t, got, 1, 3)
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the leftover is still there: %v", err)
	}
}

// TestCheckpointAndCloseTogether: Close waits for a checkpoint in
// progress, so the directory is whole after both, whichever came first.
func TestCheckpointAndCloseTogether(t *testing.T) {
	for range 20 {
		dir := t.TempDir()
		l, _ := mustLoad(t, dir, Options{})
		appendN(t, l, 0, 10)
		big := bytes.Repeat([]byte("snapshot"), 1<<17)
		done := make(chan error)
		go func() { done <- l.Checkpoint(10, big) }()
		cerr := l.Close()
		if err := <-done; err != nil && !errors.Is(err, ErrClosed) {
			t.Fatalf("Checkpoint: %v", err)
		}
		if cerr != nil {
			t.Fatalf("Close: %v", cerr)
		}
		_, got := mustLoad(t, dir, Options{})
		switch {
		case got.snap != nil && (got.snapSeq != 10 || !bytes.Equal(got.snap, big) || len(got.recs) != 0):
			t.Fatalf("after the checkpoint: snapshot at %d of %d bytes, %d records", got.snapSeq, len(got.snap), len(got.recs))
		case got.snap == nil:
			checkRecords(t, got, 1, 10)
		}
	}
}

// TestUserFiles: WriteFile keeps a file of the log's user beside the
// records, whole, and refuses names that are the log's own.
func TestUserFiles(t *testing.T) {
	dir := t.TempDir()
	l, _ := mustLoad(t, dir, Options{})
	if _, err := l.ReadFile("IDENTITY"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadFile of a missing file: %v", err)
	}
	for _, data := range []string{"first", "second, longer"} {
		if err := l.WriteFile("IDENTITY", []byte(data)); err != nil {
			t.Fatal(err)
		}
		if b, err := l.ReadFile("IDENTITY"); err != nil || string(b) != data {
			t.Fatalf("ReadFile: %q %v; want %q", b, err, data)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "IDENTITY"+tmpSuffix)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the temporary file is left: %v", err)
	}
	for _, name := range []string{"", "a/b", "..", "seg-1.log", "snap-1.snap", "x.tmp", lockName} {
		if err := l.WriteFile(name, nil); err == nil {
			t.Errorf("WriteFile(%q) was accepted", name)
		}
	}
	if empty, err := l.Empty(); !empty || err != nil {
		t.Errorf("a log with only a user file: Empty %v %v", empty, err)
	}
}
