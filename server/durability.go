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

	"github.com/matchforge/matchforge/internal/codec"

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
	stopped  bool      // Serve is closing the log: changes get ErrStopped (guarded by s.mu)
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
			s.hooks.add(h)
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

// writable refuses a change (op, or a step when op is "") once Serve is
// closing the log or the log has failed. Callers hold s.mu.
func (s *Server) writable(op string) error {
	d := s.dur
	switch {
	case d == nil || op != "" && gamelift.ReadOnly(op):
		return nil
	case d.stopped:
		return ErrStopped
	case d.failed != nil:
		return notDurable(d.failed)
	}
	return nil
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
	if err := s.checkpoint(false); err != nil {
		s.log.Error("snapshot failed; the log keeps growing until one succeeds", "error", err)
	}
}

// checkpoint writes a snapshot of the state after the last record, once
// that record is durable, and lets the log drop the records it covers. The
// engine is held while the snapshot is encoded (its cost is in the README),
// not while it is written. When another checkpoint is running, it returns
// at once, or with wait, runs after it.
func (s *Server) checkpoint(wait bool) error {
	d := s.dur
	if wait {
		d.busy <- struct{}{}
	} else {
		select {
		case d.busy <- struct{}{}:
		default:
			return nil
		}
	}
	defer func() { <-d.busy }()
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

// closeLog refuses later changes, takes a last snapshot (after one already
// running) and closes the log, at the end of Serve. The snapshot first
// makes every record up to the last durable, so an operation still on its
// way to its answer finds its record durable, closed log or not.
func (s *Server) closeLog() {
	d := s.dur
	if d == nil {
		return
	}
	s.mu.Lock()
	d.stopped = true
	s.mu.Unlock()
	if d.failed == nil {
		if err := s.checkpoint(true); err != nil {
			s.log.Error("the last snapshot failed; the next start replays the log", "error", err)
		}
	}
	if err := d.log.Close(); err != nil && !errors.Is(err, oplog.ErrClosed) {
		s.log.Error("closing the log", "error", err)
	}
}

// A server snapshot is the service's snapshot followed by the server's
// own part: a magic string, the part's length, the part in codec's
// encoding, and a CRC-32C of it. The part holds the server's time (so that
// time never goes back after a restart, even with no record after the
// snapshot), the event history (so that GET /events resumes across a
// restart) and the webhook events not yet delivered (so that a crash
// loses none of those the snapshot covers), each event with the record it
// came from.
const serverMagic = "MFSERVR1"

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

// writeExtras appends the server's part of a snapshot.
func writeExtras(w *bytes.Buffer, events []record, hooks []hookItem, last time.Time) {
	b := codec.AppendI(nil, last.UnixNano())
	b = codec.AppendU(b, uint64(len(events)))
	for _, r := range events {
		b = codec.AppendU(b, r.rec)
		b = codec.AppendS(b, r.id)
		b = codec.AppendS(b, r.config)
		b = codec.AppendS(b, string(r.data))
	}
	b = codec.AppendU(b, uint64(len(hooks)))
	for _, h := range hooks {
		b = codec.AppendU(b, h.rec)
		for _, f := range []string{h.config, h.url, h.id, h.topc, string(h.body)} {
			b = codec.AppendS(b, f)
		}
	}
	w.WriteString(serverMagic)
	w.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(b))))
	w.Write(b)
	w.Write(binary.LittleEndian.AppendUint32(nil, crc32.Checksum(b, castagnoli)))
}

// readSnapshot reads a server snapshot: the service, then the server's
// part.
func readSnapshot(r io.Reader, opts gamelift.Options) (*gamelift.Service, []record, []hookItem, time.Time, error) {
	bad := func(msg string) error { return fmt.Errorf("%w: the server's part %s", gamelift.ErrSnapshot, msg) }
	br := bufio.NewReader(r)
	svc, err := gamelift.RestoreService(br, opts)
	if err != nil {
		return nil, nil, nil, time.Time{}, err
	}
	rest, err := io.ReadAll(br)
	if err != nil {
		return nil, nil, nil, time.Time{}, err
	}
	h := len(serverMagic) + 8
	if len(rest) < h || string(rest[:len(serverMagic)]) != serverMagic {
		return nil, nil, nil, time.Time{}, bad("is missing")
	}
	if n := binary.LittleEndian.Uint64(rest[len(serverMagic):]); n != uint64(len(rest)-h-4) || len(rest) < h+4 {
		return nil, nil, nil, time.Time{}, bad(fmt.Sprintf("announces %d bytes and %d are there", n, max(0, len(rest)-h-4)))
	}
	body := rest[h : len(rest)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(rest[len(rest)-4:]) {
		return nil, nil, nil, time.Time{}, bad("has a checksum that does not match")
	}
	d := codec.Dec{B: body, Wrap: func(msg string) error { return bad(msg) }}
	last := time.Unix(0, d.I()).UTC()
	events := make([]record, d.Count(len(body)))
	for i := range events {
		events[i] = record{rec: d.U(), id: d.S(), config: d.S(), data: []byte(d.S())}
	}
	hooks := make([]hookItem, d.Count(len(body)))
	for i := range hooks {
		hooks[i] = hookItem{rec: d.U(), config: d.S(), url: d.S(), id: d.S(), topc: d.S(), body: []byte(d.S())}
	}
	if d.Err == nil && d.Off != len(body) {
		d.Fail("%d bytes after the last event", len(body)-d.Off)
	}
	if d.Err != nil {
		return nil, nil, nil, time.Time{}, d.Err
	}
	return svc, events, hooks, last, nil
}
