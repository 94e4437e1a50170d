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
		restored, recs, err := readSnapshot(r, s.cfg.Service)
		if err != nil {
			return fmt.Errorf("server: the snapshot after record %d: %w", seq, err)
		}
		s.hub.add(recs)
		s.svc, s.render = restored, restored.Renderer()
		s.targets.Store(ptr(restored.WebhookTargets()))
		s.seq, d.snapSeq, d.restored = seq, seq, true
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
	s.pubMu.Unlock()
	if err := writeEvents(&buf, events); err != nil {
		return err
	}
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

// closeLog takes a last snapshot and closes the log, at the end of Serve.
func (s *Server) closeLog() {
	d := s.dur
	if d == nil {
		return
	}
	if d.failed == nil {
		if err := s.checkpoint(); err != nil {
			s.log.Error("the last snapshot failed; the next start replays the log", "error", err)
		}
	}
	if err := d.log.Close(); err != nil && !errors.Is(err, oplog.ErrClosed) {
		s.log.Error("closing the log", "error", err)
	}
}

// A server snapshot is the service's snapshot followed by the event
// history (so that GET /events resumes across a restart): a count, then
// each event's id, configuration and JSON, length-prefixed, then a CRC-32C
// of the events part.
const eventsMagic = "MFEVENTS"

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

func writeEvents(w *bytes.Buffer, recs []record) error {
	start := w.Len()
	w.WriteString(eventsMagic)
	w.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(recs))))
	for _, r := range recs {
		w.Write(binary.LittleEndian.AppendUint64(nil, r.rec))
		for _, part := range [][]byte{[]byte(r.id), []byte(r.config), r.data} {
			w.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(part))))
			w.Write(part)
		}
	}
	sum := crc32.Checksum(w.Bytes()[start:], crc32.MakeTable(crc32.Castagnoli))
	w.Write(binary.LittleEndian.AppendUint32(nil, sum))
	return nil
}

// readSnapshot reads a server snapshot: the service, then the history.
func readSnapshot(r io.Reader, opts gamelift.Options) (*gamelift.Service, []record, error) {
	br := bufio.NewReader(r)
	svc, err := gamelift.RestoreService(br, opts)
	if err != nil {
		return nil, nil, err
	}
	rest, err := io.ReadAll(br)
	if err != nil {
		return nil, nil, err
	}
	bad := func(msg string) error { return fmt.Errorf("%w: the event history %s", gamelift.ErrSnapshot, msg) }
	if len(rest) < len(eventsMagic)+12 || string(rest[:len(eventsMagic)]) != eventsMagic {
		return nil, nil, bad("is missing or truncated")
	}
	body, sum := rest[:len(rest)-4], binary.LittleEndian.Uint32(rest[len(rest)-4:])
	if crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)) != sum {
		return nil, nil, bad("has a checksum that does not match")
	}
	p := body[len(eventsMagic):]
	n := binary.LittleEndian.Uint64(p)
	p = p[8:]
	next := func() ([]byte, bool) {
		if len(p) < 4 {
			return nil, false
		}
		k := int(binary.LittleEndian.Uint32(p))
		if len(p)-4 < k {
			return nil, false
		}
		v := p[4 : 4+k]
		p = p[4+k:]
		return v, true
	}
	recs := make([]record, 0, min(n, 1<<20))
	for range n {
		if len(p) < 8 {
			return nil, nil, bad("is truncated")
		}
		rec := binary.LittleEndian.Uint64(p)
		p = p[8:]
		id, ok1 := next()
		cfg, ok2 := next()
		data, ok3 := next()
		if !ok1 || !ok2 || !ok3 {
			return nil, nil, bad("is truncated")
		}
		recs = append(recs, record{id: string(id), config: string(cfg), data: bytes.Clone(data), rec: rec})
	}
	if len(p) != 0 {
		return nil, nil, bad("has bytes after its last event")
	}
	return svc, recs, nil
}
