package server

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/oplog"
)

// durability is the server's use of Config.Log: every change recorded
// before it is answered or its events published, snapshots now and then,
// and recovery at start.
type durability struct {
	log      oplog.Log
	since    int       // records since the last checkpoint (guarded by s.mu)
	lastSnap time.Time // wall time of the last checkpoint (guarded by s.mu)
	failed   error     // set once a record could not be made durable (guarded by s.mu)
	restored bool      // the log held a state at start
	replayed uint64    // records replayed at start
	snapSeq  uint64    // the snapshot recovery started from
	busy     chan struct{}
}

// errNotDurable answers requests once the log has failed: the server stops
// making changes it cannot keep.
func notDurable(err error) *gamelift.Error {
	return &gamelift.Error{Type: excInternal, Message: "the server cannot make changes durable (" + err.Error() + "); it refuses changes until it is restarted"}
}

// recover builds the service from the log: the latest snapshot, then every
// record after it, each at its time. The events of the replayed records go
// to the history and the webhooks again (delivery is at least once; an
// event keeps its id, so receivers can drop repeats).
func (s *Server) recover() error {
	d := &durability{log: s.cfg.Log, lastSnap: time.Now(), busy: make(chan struct{}, 1)}
	svc, err := gamelift.NewService(s.cfg.Service)
	if err != nil {
		return err
	}
	s.svc, s.render = svc, svc.Renderer()
	err = d.log.Load(func(seq uint64, r io.Reader) error {
		restored, recs, hooks, last, err := readSnapshot(r, s.cfg.Service)
		if err != nil {
			return fmt.Errorf("server: the snapshot after record %d: %w", seq, err)
		}
		s.hub.add(recs)
		for _, h := range hooks { // before the replayed records' events: in order
			s.hooks.add(h.config, h.item)
		}
		s.svc, s.render = restored, restored.Renderer()
		s.targets.Store(ptr(restored.WebhookTargets()))
		s.seq, d.snapSeq, d.restored = seq, seq, true
		s.last = last // time goes on from the snapshot's, never back
		return nil
	}, func(seq uint64, r oplog.Record) error {
		var evs []engine.Event
		switch r.Kind {
		case oplog.KindOp:
			if _, err := s.svc.Dispatch(r.Time, r.Op, r.Input); err != nil {
				return fmt.Errorf("server: record %d (%s at %s) fails when replayed: %v; the log was written by a build that decides differently", seq, r.Op, r.Time.Format(time.RFC3339Nano), err)
			}
			if configurationOps[r.Op] {
				s.targets.Store(ptr(s.svc.WebhookTargets()))
			}
			evs = s.svc.Engine().Events()
		case oplog.KindStep:
			evs = s.svc.Engine().Step(r.Time)
		}
		s.publish(seq, evs)
		s.seq, d.restored = seq, true
		s.last = r.Time // time goes on from the log's, never back
		d.replayed++
		d.since++
		return nil
	})
	if err != nil {
		return err
	}
	s.dur = d
	if d.restored {
		s.log.Info("state recovered from the log", "snapshotAfterRecord", d.snapSeq, "recordsReplayed", d.replayed, "lastRecord", s.seq)
	} else {
		s.log.Info("the log is empty: starting with no state")
	}
	return nil
}

// Restored reports whether the server's state came from its log (a
// snapshot or records) rather than starting empty.
func (s *Server) Restored() bool { return s.dur != nil && s.dur.restored }

// writable refuses a change once the log has failed. Callers hold s.mu.
func (s *Server) writable(op string) error {
	if s.dur == nil || s.dur.failed == nil || readOnlyOps[op] && op != "" {
		return nil
	}
	return notDurable(s.dur.failed)
}

// append records r. Callers hold s.mu.
func (d *durability) append(s *Server, r oplog.Record) (uint64, error) {
	seq, err := d.log.Append(r)
	if err != nil {
		d.fail(s, err)
		return 0, notDurable(err)
	}
	d.since++
	return seq, nil
}

// wait waits until record seq is durable.
func (d *durability) wait(s *Server, seq uint64) error {
	if err := d.log.Wait(seq); err != nil {
		s.mu.Lock()
		d.fail(s, err)
		s.mu.Unlock()
		return notDurable(err)
	}
	return nil
}

// fail stops the server from making changes: the log cannot keep them.
// Callers hold s.mu.
func (d *durability) fail(s *Server, err error) {
	if d.failed == nil {
		d.failed = err
		s.ready.Store(false)
		s.log.Error("the log failed: changes are refused until a restart", "error", err)
	}
}

// maybeCheckpoint takes a snapshot when enough records or time have passed
// since the last one. A checkpoint in progress is not waited for.
func (s *Server) maybeCheckpoint() {
	d := s.dur
	if d == nil {
		return
	}
	s.mu.Lock()
	due := d.failed == nil && (d.since >= s.cfg.SnapshotEvery || d.since > 0 && time.Since(d.lastSnap) >= s.cfg.SnapshotInterval)
	s.mu.Unlock()
	if !due {
		return
	}
	if err := s.checkpoint(); err != nil {
		s.log.Error("snapshot failed; the log keeps growing until one succeeds", "error", err)
	}
}

// checkpoint writes a snapshot of the state after the last record, once
// that record is durable, and lets the log drop the records it covers. The
// engine is held while the snapshot is encoded (its cost is in the README),
// not while it is written.
func (s *Server) checkpoint() error {
	d := s.dur
	select {
	case d.busy <- struct{}{}:
		defer func() { <-d.busy }()
	default:
		return nil // another checkpoint is running
	}
	var buf bytes.Buffer
	s.mu.Lock()
	seq := s.seq
	if seq == 0 || d.since == 0 {
		s.mu.Unlock()
		return nil
	}
	start := time.Now()
	last := s.last
	err := s.svc.Snapshot(&buf)
	took := time.Since(start)
	since := d.since
	// The events published so far are the history up to seq: settle
	// publishes in order and seq is durable once Wait returns below, so
	// wait for publication to catch up, then copy the history.
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if err := s.settle(seq); err != nil {
		return err
	}
	s.pubMu.Lock()
	events := s.hubSnapshotRecords(seq)
	hooks := s.hooks.undelivered(seq)
	s.pubMu.Unlock()
	writeExtras(&buf, events, hooks, last)
	if err := d.log.Wait(seq); err != nil {
		return err
	}
	if err := d.log.Checkpoint(seq, buf.Bytes()); err != nil {
		return err
	}
	s.mu.Lock()
	d.since -= since
	d.lastSnap = time.Now()
	s.mu.Unlock()
	s.log.Info("snapshot written", "afterRecord", seq, "bytes", buf.Len(), "encode", took.Round(time.Microsecond))
	return nil
}

// closeLog waits for the dispatches in progress, refuses later changes,
// takes a last snapshot (after one already running, which it waits for)
// and closes the log, at the end of Serve.
func (s *Server) closeLog() {
	s.live.Lock()
	s.logClosed = true
	s.live.Unlock()
	d := s.dur
	if d == nil {
		return
	}
	d.busy <- struct{}{} // a checkpoint in progress finishes first
	<-d.busy
	if d.failed == nil {
		if err := s.checkpoint(); err != nil {
			s.log.Error("the last snapshot failed; the next start replays the log", "error", err)
		}
	}
	if err := d.log.Close(); err != nil && !errors.Is(err, oplog.ErrClosed) {
		s.log.Error("closing the log", "error", err)
	}
}

// A server snapshot is the service's snapshot followed by three sections:
// the event history (so that GET /events resumes across a restart), the
// webhook events not yet delivered (so that a crash loses none of those
// the snapshot covers), and the server's time (so that time never goes
// back after a restart, even with no record after the snapshot). A section is a magic string, its body's
// length, the body, and a CRC-32C of the body; a body is a count of
// entries, each a record number and length-prefixed fields.
const (
	eventsMagic = "MFEVENTS"
	hooksMagic  = "MFHOOKS1"
	clockMagic  = "MFCLOCK1" // one entry: the server's time, in Unix nanoseconds
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// hubSnapshotRecords copies the history of the events of records up to
// seq (later ones may be published already; the records replayed after
// the snapshot publish them again). Callers hold s.pubMu, so nothing is
// being published.
func (s *Server) hubSnapshotRecords(seq uint64) []record {
	recs, _, _ := s.hub.read(s.hub.firstPos(), int(^uint(0)>>1), nil)
	for i, r := range recs {
		if r.rec > seq {
			return recs[:i]
		}
	}
	return recs
}

// writeSection appends a section of n entries, each a record number and
// the fields entry(i) gives.
func writeSection(w *bytes.Buffer, magic string, n int, entry func(i int) (uint64, [][]byte)) {
	var body []byte
	body = binary.LittleEndian.AppendUint64(body, uint64(n))
	for i := range n {
		rec, fields := entry(i)
		body = binary.LittleEndian.AppendUint64(body, rec)
		for _, f := range fields {
			body = binary.LittleEndian.AppendUint32(body, uint32(len(f)))
			body = append(body, f...)
		}
	}
	w.WriteString(magic)
	w.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(body))))
	w.Write(body)
	w.Write(binary.LittleEndian.AppendUint32(nil, crc32.Checksum(body, castagnoli)))
}

// readSection reads a section of entries of nfields fields each from the
// start of p, and returns them and what follows the section.
func readSection(p []byte, magic, what string, nfields int) ([]uint64, [][][]byte, []byte, error) {
	bad := func(msg string) error { return fmt.Errorf("%w: the %s %s", gamelift.ErrSnapshot, what, msg) }
	h := len(magic) + 8
	if len(p) < h || string(p[:len(magic)]) != magic {
		return nil, nil, nil, bad("are missing")
	}
	n := binary.LittleEndian.Uint64(p[len(magic):])
	if n > uint64(len(p)-h) || uint64(len(p)-h)-n < 4 {
		return nil, nil, nil, bad("are truncated")
	}
	body, rest := p[h:h+int(n)], p[h+int(n):]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(rest) {
		return nil, nil, nil, bad("have a checksum that does not match")
	}
	rest = rest[4:]
	if len(body) < 8 {
		return nil, nil, nil, bad("are truncated")
	}
	count := binary.LittleEndian.Uint64(body)
	body = body[8:]
	if count > uint64(len(body)) {
		return nil, nil, nil, bad("are truncated")
	}
	recs := make([]uint64, 0, count)
	entries := make([][][]byte, 0, count)
	for range count {
		if len(body) < 8 {
			return nil, nil, nil, bad("are truncated")
		}
		recs = append(recs, binary.LittleEndian.Uint64(body))
		body = body[8:]
		fields := make([][]byte, nfields)
		for f := range fields {
			if len(body) < 4 || uint64(len(body)-4) < uint64(binary.LittleEndian.Uint32(body)) {
				return nil, nil, nil, bad("are truncated")
			}
			k := int(binary.LittleEndian.Uint32(body))
			fields[f] = bytes.Clone(body[4 : 4+k])
			body = body[4+k:]
		}
		entries = append(entries, fields)
	}
	if len(body) != 0 {
		return nil, nil, nil, bad("have bytes after their last entry")
	}
	return recs, entries, rest, nil
}

// writeExtras appends the event history and the undelivered webhook
// events to a snapshot.
func writeExtras(w *bytes.Buffer, events []record, hooks []hookEntry, last time.Time) {
	writeSection(w, eventsMagic, len(events), func(i int) (uint64, [][]byte) {
		r := events[i]
		return r.rec, [][]byte{[]byte(r.id), []byte(r.config), r.data}
	})
	writeSection(w, hooksMagic, len(hooks), func(i int) (uint64, [][]byte) {
		h := hooks[i]
		return h.item.rec, [][]byte{[]byte(h.config), []byte(h.item.url), []byte(h.item.id), []byte(h.item.topc), h.item.body}
	})
	writeSection(w, clockMagic, 1, func(int) (uint64, [][]byte) { return uint64(last.UnixNano()), nil })
}

// readSnapshot reads a server snapshot: the service, the history and the
// undelivered webhook events.
func readSnapshot(r io.Reader, opts gamelift.Options) (*gamelift.Service, []record, []hookEntry, time.Time, error) {
	br := bufio.NewReader(r)
	svc, err := gamelift.RestoreService(br, opts)
	if err != nil {
		return nil, nil, nil, time.Time{}, err
	}
	rest, err := io.ReadAll(br)
	if err != nil {
		return nil, nil, nil, time.Time{}, err
	}
	nums, entries, rest, err := readSection(rest, eventsMagic, "event history's entries", 3)
	if err != nil {
		return nil, nil, nil, time.Time{}, err
	}
	recs := make([]record, len(nums))
	for i, e := range entries {
		recs[i] = record{id: string(e[0]), config: string(e[1]), data: e[2], rec: nums[i]}
	}
	nums, entries, rest, err = readSection(rest, hooksMagic, "undelivered webhook events", 5)
	if err != nil {
		return nil, nil, nil, time.Time{}, err
	}
	hooks := make([]hookEntry, len(nums))
	for i, e := range entries {
		hooks[i] = hookEntry{config: string(e[0]), item: hookItem{url: string(e[1]), id: string(e[2]), topc: string(e[3]), body: e[4], rec: nums[i]}}
	}
	nums, _, rest, err = readSection(rest, clockMagic, "server's time entries", 0)
	if err != nil {
		return nil, nil, nil, time.Time{}, err
	}
	if len(nums) != 1 || len(rest) != 0 {
		return nil, nil, nil, time.Time{}, fmt.Errorf("%w: the server's time is not one entry at the end", gamelift.ErrSnapshot)
	}
	return svc, recs, hooks, time.Unix(0, int64(nums[0])).UTC(), nil
}
