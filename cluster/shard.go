package cluster

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/matchforge/matchforge/gamelift"
)

const (
	maxBatchRecords = 512     // records per batch at most
	maxBatchBytes   = 1 << 20 // input bytes per batch at most (one record may exceed it alone)
	dedupKeep       = 10_000  // request ids remembered for retries
	parkFor         = 5 * time.Second
)

// call is one operation waiting for a shard's owner. done receives the
// encoded reply (see encodeReply) once the batch that holds it is durable.
type call struct {
	op     string
	input  []byte
	req    string
	minCat uint64 // the catalog batch the shard must have applied first
	done   func([]byte)
	parked time.Time
}

type catBatch struct {
	seq  uint64
	recs []record
}

type evBatch struct {
	seq uint64
	evs []pubEvent
}

// pubEvent is one event as a shard publishes it.
type pubEvent struct {
	ID            string
	Configuration string
	JSON          []byte
}

// shard is one shard this node owns: its service, the writer loop that
// applies operations and steps and appends them to the shard's log, and
// the publisher of its events.
type shard struct {
	n    int
	node *Node
	subj string

	// Owned by the writer goroutine (and by start before it runs).
	svc      *gamelift.Service
	lastSeq  uint64    // stream sequence of the shard's last batch
	last     time.Time // time of the last record
	catSeq   uint64    // last catalog batch applied
	dedup    map[string][]byte
	dedupQ   []string
	since    int // records since the last snapshot
	lastSnap time.Time
	parked   []*call
	loaded   int // records replayed at start

	reqs   chan *call
	cats   chan catBatch
	evq    chan evBatch
	evDone atomic.Uint64 // last batch whose events are all published

	live    atomic.Bool
	rev     atomic.Uint64 // lease revision
	renewed atomic.Int64  // unix nanos of the last renewal
	busy    atomic.Bool   // a snapshot is being stored

	ctx     context.Context
	cancel  context.CancelFunc
	quit    chan struct{}
	done    chan struct{} // closed when start and the writer have ended
	evExit  chan struct{}
	once    sync.Once
	sub     *nats.Subscription
	catCons jetstream.ConsumeContext
}

func newShard(n *Node, i int) *shard {
	s := &shard{n: i, node: n, subj: n.opsSubject(i), dedup: map[string][]byte{},
		reqs: make(chan *call, 4096), cats: make(chan catBatch, 64), evq: make(chan evBatch, 1024),
		quit: make(chan struct{}), done: make(chan struct{}), evExit: make(chan struct{})}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// start loads the shard, fences the log, and starts serving. It runs in
// the shard's own goroutine, which then becomes the writer.
func (s *shard) begin() {
	go func() {
		defer close(s.done)
		start := time.Now()
		err := s.start()
		if err == nil {
			s.node.log.Info("serving a shard", "shard", s.n, "loadTook", time.Since(start), "recordsReplayed", s.loaded)
			s.run()
		}
		s.live.Store(false)
		if s.sub != nil {
			s.sub.Unsubscribe()
		}
		if s.catCons != nil {
			s.catCons.Stop()
		}
		select {
		case <-s.quit: // stopped by stop, which does the rest
		default: // the shard failed by itself: give it up
			if err != nil {
				s.node.log.Warn("could not take a shard", "shard", s.n, "error", err)
			}
			s.cancel()
			s.node.forget(s)
			s.node.deleteLease(s.n, s.rev.Load())
		}
	}()
}

func (s *shard) start() error {
	go s.publishEvents()
	if err := s.load(); err != nil {
		return err
	}
	now := s.now()
	if err := s.append([]record{{Kind: recFence, Time: now, Op: s.node.cfg.Name + "|" + s.node.epoch}}); err != nil {
		return fmt.Errorf("fencing the log after record %d: %w", s.lastSeq, err)
	}
	select {
	case s.evq <- evBatch{seq: s.lastSeq}:
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
	s.lastSnap = time.Now()
	if s.n > 0 {
		if err := s.followCatalog(); err != nil {
			return err
		}
	}
	sub, err := s.node.nc.QueueSubscribe(s.node.reqSubject(s.n), "owner", s.onRequest)
	if err != nil {
		return fmt.Errorf("subscribing to requests: %w", err)
	}
	s.sub = sub
	select {
	case <-s.quit:
		return errors.New("stopped while loading")
	default:
	}
	s.live.Store(true)
	return nil
}

// now is the time of the next record: the clock's wall time, never before
// the last record's.
func (s *shard) now() time.Time {
	t := s.node.cfg.Clock().UTC().Round(0)
	if t.Before(s.last) {
		t = s.last
	}
	s.last = t
	return t
}

// append publishes recs as one batch, fenced on the shard's last batch: a
// deposed owner's append is refused.
func (s *shard) append(recs []record) error {
	ctx, cancel := context.WithTimeout(s.ctx, s.node.appendTimeout())
	defer cancel()
	ack, err := s.node.js.Publish(ctx, s.subj, encodeBatch(recs),
		jetstream.WithExpectLastSequencePerSubject(s.lastSeq),
		jetstream.WithMsgID(fmt.Sprintf("%s-%s-%d", s.subj, s.node.epoch, s.lastSeq)))
	if err != nil {
		return err
	}
	if ack.Duplicate {
		return fmt.Errorf("the batch after %d was taken as a duplicate", s.lastSeq)
	}
	s.lastSeq = ack.Sequence
	s.since += len(recs)
	s.node.stats.batches.Add(1)
	s.node.stats.records.Add(int64(len(recs)))
	return nil
}

// run is the writer: it takes the requests, catalog batches and ticks that
// are waiting, applies them as one batch, appends it, and answers.
func (s *shard) run() {
	tick := time.NewTicker(s.node.cfg.Tick)
	defer tick.Stop()
	for {
		var calls []*call
		var cats []catBatch
		step := false
		select {
		case <-s.quit:
			s.drain()
			return
		case c := <-s.reqs:
			calls = append(calls, c)
		case cb := <-s.cats:
			cats = append(cats, cb)
		case <-tick.C:
			step = s.n > 0
		}
		size := 0
	gather:
		for len(calls) < maxBatchRecords && size < maxBatchBytes {
			select {
			case c := <-s.reqs:
				calls = append(calls, c)
				size += len(c.input)
			case cb := <-s.cats:
				cats = append(cats, cb)
			default:
				break gather
			}
		}
		if !s.process(calls, cats, step) {
			s.drain()
			return
		}
	}
}

type answer struct {
	c       *call
	rep     []byte
	changed bool // the call changed the state (its record is in this batch)
}

// process applies one batch; false means the shard must stop: the log
// refused the batch, or its events could not be queued (queueEvents).
func (s *shard) process(calls []*call, cats []catBatch, step bool) bool {
	now := s.now()
	var recs []record
	var evs []gamelift.Event
	for _, cb := range cats {
		if cb.seq <= s.catSeq {
			continue
		}
		for _, r := range cb.recs {
			if r.Kind != recOp {
				continue
			}
			if _, err := s.svc.Dispatch(now, r.Op, r.Input); err != nil {
				s.node.log.Debug("a catalog operation does not apply to this shard", "shard", s.n, "op", r.Op, "error", err)
			}
			recs = append(recs, record{Kind: recCatalog, Time: now, Op: r.Op, Input: r.Input, Cat: cb.seq})
			evs = append(evs, s.svc.Events()...)
		}
		s.catSeq = cb.seq
	}
	if len(s.parked) > 0 {
		var keep []*call
		for _, c := range s.parked {
			switch {
			case c.minCat <= s.catSeq:
				calls = append(calls, c)
			case time.Since(c.parked) > parkFor:
				c.done(encodeRetry("the shard has not caught up with the catalog"))
			default:
				keep = append(keep, c)
			}
		}
		s.parked = keep
	}
	answers := make([]answer, 0, len(calls))
	for _, c := range calls {
		if c.minCat > s.catSeq {
			c.parked = time.Now()
			s.parked = append(s.parked, c)
			continue
		}
		if c.op == opSync {
			answers = append(answers, answer{c: c, rep: encodeOK(nil)})
			continue
		}
		key := c.op + "\x00" + c.req
		if rep, ok := s.dedup[key]; ok && c.req != "" {
			answers = append(answers, answer{c: c, rep: rep})
			continue
		}
		out, err := s.svc.Dispatch(now, c.op, c.input)
		var rep []byte
		changed := false
		if err != nil {
			rep = encodeError(err)
		} else {
			enc, merr := json.Marshal(out)
			if merr != nil {
				rep = encodeError(merr)
			} else {
				rep = encodeOK(enc)
			}
			if !gamelift.ReadOnly(c.op) {
				recs = append(recs, record{Kind: recOp, Time: now, Op: c.op, Input: c.input, Req: c.req})
				s.remember(key, rep)
				changed = true
			}
		}
		evs = append(evs, s.svc.Events()...)
		answers = append(answers, answer{c: c, rep: rep, changed: changed})
	}
	if step {
		evs = append(evs, s.svc.Step(now)...)
		recs = append(recs, record{Kind: recStep, Time: now})
	}
	queued := true
	if len(recs) > 0 {
		if err := s.append(recs); err != nil {
			s.node.log.Warn("the log refused a batch; the shard stops", "shard", s.n, "afterRecord", s.lastSeq, "error", err)
			for _, a := range answers {
				a.c.done(encodeRetry("the shard changed owner"))
			}
			return false
		}
		if queued = s.queueEvents(evs); !queued {
			s.node.log.Warn("stopping with a batch's events unqueued; the next owner publishes them", "shard", s.n, "batch", s.lastSeq)
		}
	}
	for _, a := range answers {
		if a.changed && s.n == 0 && a.rep[0] == repOK {
			// A catalog change says which batch holds it, so that the
			// front end can wait for the ticket shard to apply it.
			a.rep = encodeOKAt(s.lastSeq, a.rep[1:])
		}
		a.c.done(a.rep)
	}
	if !queued {
		return false // the batch is in the log: its answers stand
	}
	s.maybeSnapshot()
	return true
}

// remember keeps a mutating request's reply for its retries.
func (s *shard) remember(key string, rep []byte) {
	if _, ok := s.dedup[key]; ok {
		return
	}
	s.dedup[key] = rep
	s.dedupQ = append(s.dedupQ, key)
	if len(s.dedupQ) > dedupKeep {
		delete(s.dedup, s.dedupQ[0])
		s.dedupQ = s.dedupQ[1:]
	}
}

// queueEvents hands the events of the batch just appended to the
// publisher. It gives up only when the shard is stopping and the
// publisher's queue stays full, and then reports false: the writer must
// stop at once, since publishing a later batch would hide this one from
// the next owner (it replays and publishes only batches after the last
// one on the stream), and a snapshot would cover it (evDone stays behind,
// so none is taken).
func (s *shard) queueEvents(evs []gamelift.Event) bool {
	b := eventBatch(s.lastSeq, evs)
	select { // room first: a select between room and a closed quit picks either
	case s.evq <- b:
		return true
	default:
	}
	select {
	case s.evq <- b:
		return true
	case <-s.quit:
		return false
	}
}

// eventBatch renders the events of log batch seq for publication.
func eventBatch(seq uint64, evs []gamelift.Event) evBatch {
	b := evBatch{seq: seq, evs: make([]pubEvent, len(evs))}
	for i := range evs {
		enc, _ := json.Marshal(&evs[i])
		b.evs[i] = pubEvent{ID: evs[i].ID, Configuration: evs[i].ConfigurationName(), JSON: enc}
	}
	return b
}

// drain answers every waiting request with a retry: another owner will
// take them.
func (s *shard) drain() {
	for _, c := range s.parked {
		c.done(encodeRetry("the shard changed owner"))
	}
	s.parked = nil
	for {
		select {
		case c := <-s.reqs:
			c.done(encodeRetry("the shard changed owner"))
		default:
			return
		}
	}
}

// submit passes c to the writer, unless the shard is stopping.
func (s *shard) submit(c *call) bool {
	select {
	case <-s.quit:
		return false
	default:
	}
	select {
	case s.reqs <- c:
		return true
	case <-s.quit:
		return false
	}
}

// onRequest takes a request from another node.
func (s *shard) onRequest(m *nats.Msg) {
	recs, err := decodeBatch(m.Data)
	if err != nil || len(recs) != 1 {
		m.Respond(encodeError(fmt.Errorf("cluster: a bad request message: %v", err)))
		return
	}
	r := recs[0]
	c := &call{op: r.Op, input: r.Input, req: r.Req, minCat: r.Cat, done: func(b []byte) { m.Respond(b) }}
	if !s.submit(c) {
		m.Respond(encodeRetry("the shard is stopping"))
	}
}

// followCatalog feeds the catalog shard's batches after catSeq to the
// writer.
func (s *shard) followCatalog() error {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{s.node.opsSubject(0)}}
	if s.catSeq > 0 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = s.catSeq + 1
	}
	cons, err := s.node.js.OrderedConsumer(s.ctx, s.node.ops.CachedInfo().Config.Name, cfg)
	if err != nil {
		return fmt.Errorf("following the catalog: %w", err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			return
		}
		recs, err := decodeBatch(m.Data())
		if err != nil {
			s.node.log.Error("a damaged catalog batch", "seq", md.Sequence.Stream, "error", err)
			return
		}
		select {
		case s.cats <- catBatch{seq: md.Sequence.Stream, recs: recs}:
		case <-s.quit:
		}
	})
	if err != nil {
		return fmt.Errorf("following the catalog: %w", err)
	}
	s.catCons = cc
	return nil
}

// publishEvents publishes each batch's events as one message on the
// shard's subject of the event stream, in log order, each batch once,
// however owners overlap. A message carries its batch's log sequence in
// the batchHeader and is published expecting the subject's last message
// (Nats-Expected-Last-Subject-Sequence), so it lands only right after the
// message this publisher knows to be last. A publisher first learns the
// subject's last batch and skips the batches up to it: a new owner
// replaying the log after a failover publishes only what its predecessor
// did not. When a publish fails (a refusal because another owner published
// first, or a timeout that may still have stored it), the publisher learns
// the tail again before it retries, so a batch is never stored twice and
// never after a later one. A new owner replays from a snapshot that covers
// only published events (maybeSnapshot), so the batches it queues begin at
// or before the first one missing from the subject.
func (s *shard) publishEvents() {
	defer close(s.evExit)
	p := eventPublisher{js: s.node.js, stream: s.node.events, subj: s.node.eventSubject(s.n), timeout: s.node.appendTimeout()}
	for {
		var b evBatch
		select {
		case b = <-s.evq:
		case <-s.ctx.Done():
			return
		}
		if len(b.evs) > 0 && !p.publish(s.ctx, b, func(err error) {
			s.node.log.Debug("publishing events failed; retrying", "shard", s.n, "batch", b.seq, "error", err)
		}) {
			return
		}
		s.evDone.Store(b.seq)
	}
}

// batchHeader names the log sequence of the batch whose events a message
// of the event stream holds.
const batchHeader = "Matchforge-Batch"

// eventPublisher appends batches of events to one subject of the event
// stream in log order (see publishEvents).
type eventPublisher struct {
	js      jetstream.JetStream
	stream  jetstream.Stream
	subj    string
	timeout time.Duration

	known     bool   // tailSeq and tailBatch are what the stream last said
	tailSeq   uint64 // stream sequence of the subject's last message (0: none)
	tailBatch uint64 // log sequence of the batch it holds
}

// publish stores b after the subject's last message unless a batch at or
// after it is there already, retrying (and telling failed why) until it
// is done or ctx ends; false means ctx ended.
func (p *eventPublisher) publish(ctx context.Context, b evBatch, failed func(error)) bool {
	msg := &nats.Msg{Subject: p.subj, Data: encodeEvents(b.evs), Header: nats.Header{}}
	msg.Header.Set(batchHeader, strconv.FormatUint(b.seq, 10))
	for {
		err := p.learnTail(ctx)
		if err == nil {
			if b.seq <= p.tailBatch {
				return true // published before: by a previous owner, or by an attempt whose answer was lost
			}
			tail := p.tailSeq
			cctx, cancel := context.WithTimeout(ctx, p.timeout)
			var ack *jetstream.PubAck
			ack, err = p.js.PublishMsg(cctx, msg, jetstream.WithExpectLastSequencePerSubject(tail))
			cancel()
			if err == nil {
				p.tailSeq, p.tailBatch = ack.Sequence, b.seq
				return true
			}
			p.known = false
			if isWrongLast(err) && p.learnTail(ctx) == nil && p.tailSeq != tail {
				continue // another owner published: go on from its tail at once
			}
			// A refusal with the tail unmoved means a message on the
			// subject is still being stored (JetStream refuses an
			// expected-sequence publish meanwhile): wait for it.
			p.known = false
		}
		failed(err)
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return false
		}
	}
}

// learnTail reads the subject's last message, unless it is known.
func (p *eventPublisher) learnTail(ctx context.Context) error {
	if p.known {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	m, err := p.stream.GetLastMsgForSubject(cctx, p.subj)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		p.tailSeq, p.tailBatch = 0, 0
	case err != nil:
		return fmt.Errorf("reading the last events message: %w", err)
	default:
		h := m.Header.Get(batchHeader)
		if h == "" {
			// Written by a build that named the batch only in the message
			// id, <subject>-<batch>.
			h = strings.TrimPrefix(m.Header.Get(jetstream.MsgIDHeader), p.subj+"-")
		}
		batch, perr := strconv.ParseUint(h, 10, 64)
		if perr != nil {
			return fmt.Errorf("the last events message (%d) has no valid %s header: %w", m.Sequence, batchHeader, perr)
		}
		p.tailSeq, p.tailBatch = m.Sequence, batch
	}
	p.known = true
	return nil
}

// encodeEvents writes one batch's events as a message: the magic, a count,
// and each event's id, configuration and JSON.
func encodeEvents(evs []pubEvent) []byte {
	n := len(eventsMagic) + binary.MaxVarintLen64
	for _, e := range evs {
		n += 3*binary.MaxVarintLen64 + len(e.ID) + len(e.Configuration) + len(e.JSON)
	}
	b := make([]byte, 0, n)
	b = append(b, eventsMagic...)
	b = binary.AppendUvarint(b, uint64(len(evs)))
	for _, e := range evs {
		b = appendBytes(b, []byte(e.ID))
		b = appendBytes(b, []byte(e.Configuration))
		b = appendBytes(b, e.JSON)
	}
	return b
}

const eventsMagic = "mfe1"

// decodeEvents reads a message encodeEvents wrote.
func decodeEvents(b []byte) ([]pubEvent, error) {
	if !bytes.HasPrefix(b, []byte(eventsMagic)) {
		return nil, fmt.Errorf("%w: no %q header", errBatch, eventsMagic)
	}
	d := decoder{b: b[len(eventsMagic):]}
	k := d.uvarint()
	if d.err == nil && k > uint64(len(d.b)) {
		return nil, fmt.Errorf("%w: %d events in %d bytes", errBatch, k, len(d.b))
	}
	out := make([]pubEvent, 0, k)
	for i := uint64(0); i < k && d.err == nil; i++ {
		out = append(out, pubEvent{ID: string(d.bytes()), Configuration: string(d.bytes()), JSON: d.bytes()})
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d bytes after the last event", errBatch, len(d.b))
	}
	return out, d.err
}

// stop ends the shard. A graceful stop waits (briefly) for its events and
// takes a snapshot, so that the next owner loads quickly; an abort only
// stops.
func (s *shard) stop(graceful bool) {
	wasLive := s.live.Load()
	s.once.Do(func() { close(s.quit) })
	if !graceful || !wasLive {
		s.cancel()
	}
	<-s.done
	if graceful && wasLive && s.svc != nil {
		// Wait briefly for the events: a snapshot must not cover one that
		// is not published. Events still held up after that (JetStream
		// electing a leader, say) are published by the next owner, which
		// replays the log after the last snapshot; waiting longer would
		// only keep the shard from it.
		deadline := time.Now().Add(250 * time.Millisecond)
		for s.evDone.Load() < s.lastSeq && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if s.evDone.Load() >= s.lastSeq && s.since > 0 {
			for s.busy.Load() && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if !s.busy.Load() {
				if data, err := s.snapshot(); err == nil {
					s.storeSnapshot(s.lastSeq, data)
				}
			}
		}
	}
	s.cancel()
	<-s.evExit
}

func (s *shard) abort()                   { s.stop(false) }
func (s *shard) stopGracefully(snap bool) { s.stop(snap) }
func (s *shard) handoverOK() bool         { return true }

// maybeSnapshot snapshots the shard when enough records or time have passed
// and its events are published (a snapshot must never cover an event the
// stream lacks: the next owner would not publish it).
func (s *shard) maybeSnapshot() {
	c := s.node.cfg
	due := s.since >= c.SnapshotEvery || s.since > 0 && time.Since(s.lastSnap) >= c.SnapshotInterval
	if !due || s.busy.Load() || s.evDone.Load() < s.lastSeq {
		return
	}
	data, err := s.snapshot()
	if err != nil {
		s.node.log.Error("snapshot failed", "shard", s.n, "error", err)
		return
	}
	s.busy.Store(true)
	seq := s.lastSeq
	go func() {
		defer s.busy.Store(false)
		s.storeSnapshot(seq, data)
	}()
}

const snapMagic = "mfs1"

// snapshot encodes the shard's state after its last batch: the sequence
// numbers, the last time, the remembered replies, and the service.
func (s *shard) snapshot() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(snapMagic)
	var tmp []byte
	tmp = binary.AppendUvarint(tmp, s.lastSeq)
	tmp = binary.AppendUvarint(tmp, s.catSeq)
	tmp = binary.AppendVarint(tmp, s.last.UnixNano())
	tmp = binary.AppendUvarint(tmp, uint64(len(s.dedupQ)))
	for _, k := range s.dedupQ {
		tmp = appendBytes(tmp, []byte(k))
		tmp = appendBytes(tmp, s.dedup[k])
	}
	b.Write(tmp)
	if err := s.svc.Snapshot(&b); err != nil {
		return nil, err
	}
	s.since = 0
	s.lastSnap = time.Now()
	return b.Bytes(), nil
}

// storeSnapshot puts a snapshot in the object store under a name that
// orders by sequence, removes the shard's older ones, and purges the log it
// covers (keeping the last batch, on which the next append is fenced). The
// catalog shard's log is never purged: ticket shards follow it from
// wherever they are.
func (s *shard) storeSnapshot(seq uint64, data []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	name := fmt.Sprintf("%s%020d", s.node.snapPrefix(s.n), seq)
	if _, err := s.node.snaps.PutBytes(ctx, name, data); err != nil {
		s.node.log.Warn("storing a snapshot failed", "shard", s.n, "error", err)
		return
	}
	for _, old := range s.node.snapshotNames(ctx, s.n) {
		if old < name {
			s.node.snaps.Delete(ctx, old)
		}
	}
	if !s.node.cfg.KeepLog && s.n > 0 {
		s.node.ops.Purge(ctx, jetstream.WithPurgeSubject(s.subj), jetstream.WithPurgeSequence(seq))
	}
}

// snapshotNames lists shard i's snapshots, oldest first.
func (n *Node) snapshotNames(ctx context.Context, i int) []string {
	infos, err := n.snaps.List(ctx)
	if err != nil {
		return nil
	}
	var out []string
	for _, in := range infos {
		if strings.HasPrefix(in.Name, n.snapPrefix(i)) && !in.Deleted {
			out = append(out, in.Name)
		}
	}
	sort.Strings(out)
	return out
}

// load restores the shard's latest snapshot and replays its log after it.
func (s *shard) load() error {
	ctx := s.ctx
	var err error
	names := s.node.snapshotNames(ctx, s.n)
	for i := len(names) - 1; i >= 0 && s.svc == nil; i-- {
		data, gerr := s.node.snaps.GetBytes(ctx, names[i])
		if gerr != nil {
			s.node.log.Warn("reading a snapshot failed; trying an older one", "name", names[i], "error", gerr)
			continue
		}
		if err := s.restore(data); err != nil {
			return fmt.Errorf("snapshot %s: %w", names[i], err)
		}
	}
	if s.svc == nil {
		if s.svc, err = gamelift.NewService(s.node.serviceOptions(s.n)); err != nil {
			return err
		}
	}
	lastMsg, err := s.node.ops.GetLastMsgForSubject(ctx, s.subj)
	var tail uint64
	switch {
	case err == nil:
		tail = lastMsg.Sequence
	case errors.Is(err, jetstream.ErrMsgNotFound):
	default:
		return fmt.Errorf("reading the log's end: %w", err)
	}
	if tail <= s.lastSeq {
		return nil
	}
	return readLog(ctx, s.node.js, s.node.ops.CachedInfo().Config.Name, s.subj, s.lastSeq, tail, func(seq uint64, recs []record) error {
		evs, err := s.replay(recs)
		if err != nil {
			return fmt.Errorf("batch %d: %w", seq, err)
		}
		s.lastSeq = seq
		s.since += len(recs)
		s.loaded += len(recs)
		select {
		case s.evq <- eventBatch(seq, evs):
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	})
}

// readLog calls fn with each batch of subj after sequence from, up to and
// including tail. A consumer that fails (its server left, the stream's
// leader moved) is made again from where it stopped, until ctx ends.
func readLog(ctx context.Context, js jetstream.JetStream, stream, subj string, from, tail uint64, fn func(seq uint64, recs []record) error) error {
	seq := from
	var cons jetstream.Consumer
	var lastErr error
	for seq < tail {
		if ctx.Err() != nil {
			return fmt.Errorf("reading the log after %d: %w (last error: %v)", seq, ctx.Err(), lastErr)
		}
		if cons == nil {
			c, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
				FilterSubjects: []string{subj}, DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: seq + 1,
			})
			if err != nil {
				lastErr = err
				sleepCtx(ctx, 100*time.Millisecond)
				continue
			}
			cons = c
		}
		// FetchNoWait takes what the server has now: a fetch that waits
		// for a full batch would add its wait to every takeover.
		batch, err := cons.FetchNoWait(256)
		if err != nil {
			lastErr, cons = err, nil
			sleepCtx(ctx, 100*time.Millisecond)
			continue
		}
		got := 0
		for m := range batch.Messages() {
			got++
			md, err := m.Metadata()
			if err != nil {
				return err
			}
			if md.Sequence.Stream <= seq {
				continue
			}
			recs, err := decodeBatch(m.Data())
			if err != nil {
				return fmt.Errorf("batch %d: %w", md.Sequence.Stream, err)
			}
			if err := fn(md.Sequence.Stream, recs); err != nil {
				return err
			}
			seq = md.Sequence.Stream
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, jetstream.ErrNoMessages) {
			lastErr, cons = err, nil
			sleepCtx(ctx, 100*time.Millisecond)
		} else if got == 0 {
			sleepCtx(ctx, 5*time.Millisecond)
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// replay applies recorded batch recs to the service, as the writer did.
func (s *shard) replay(recs []record) ([]gamelift.Event, error) {
	var evs []gamelift.Event
	for _, r := range recs {
		switch r.Kind {
		case recOp:
			out, err := s.svc.Dispatch(r.Time, r.Op, r.Input)
			if err != nil {
				return nil, fmt.Errorf("%s at %s fails when replayed: %v; the log was written by a build that decides differently", r.Op, r.Time.Format(time.RFC3339Nano), err)
			}
			if enc, err := json.Marshal(out); err == nil {
				s.remember(r.Op+"\x00"+r.Req, encodeOK(enc))
			}
			evs = append(evs, s.svc.Events()...)
		case recCatalog:
			s.svc.Dispatch(r.Time, r.Op, r.Input)
			s.catSeq = max(s.catSeq, r.Cat)
			evs = append(evs, s.svc.Events()...)
		case recStep:
			evs = append(evs, s.svc.Step(r.Time)...)
		}
		if r.Time.After(s.last) {
			s.last = r.Time
		}
	}
	return evs, nil
}

// restore reads a snapshot snapshot() wrote.
func (s *shard) restore(data []byte) error {
	if !bytes.HasPrefix(data, []byte(snapMagic)) {
		return errors.New("not a shard snapshot")
	}
	d := decoder{b: data[len(snapMagic):]}
	s.lastSeq = d.uvarint()
	s.catSeq = d.uvarint()
	s.last = time.Unix(0, d.varint()).UTC()
	k := d.uvarint()
	for i := uint64(0); i < k && d.err == nil; i++ {
		key := string(d.bytes())
		s.remember(key, d.bytes())
	}
	if d.err != nil {
		return d.err
	}
	svc, err := gamelift.RestoreService(bytes.NewReader(d.b), s.node.serviceOptions(s.n))
	if err != nil {
		return err
	}
	s.svc = svc
	return nil
}

// Replies between a front end and a shard's owner: a status byte, then the
// output, or the error's type and message.
const (
	repOK    byte = 0
	repError byte = 1
	repRetry byte = 2
	repOKAt  byte = 3 // an output, after the sequence of the batch that holds the change
)

// opSync is the front end's internal operation that a shard answers once it
// has applied the catalog up to the call's minCat.
const opSync = "matchforge.Sync"

func encodeOKAt(seq uint64, out []byte) []byte {
	b := binary.BigEndian.AppendUint64([]byte{repOKAt}, seq)
	return append(b, out...)
}

func encodeOK(out []byte) []byte { return append([]byte{repOK}, out...) }

func encodeError(err error) []byte {
	e := gamelift.ToError(err)
	return append(append(append([]byte{repError}, e.Type...), 0), e.Message...)
}

func encodeRetry(why string) []byte { return append([]byte{repRetry}, why...) }

// decodeReply returns the reply's output or error; retry reports a reply
// that asks the front end to try again (the shard is changing owner).
func decodeReply(b []byte) (out []byte, err error, retry bool) {
	if len(b) == 0 {
		return nil, errors.New("cluster: an empty reply"), false
	}
	switch b[0] {
	case repOK:
		return b[1:], nil, false
	case repError:
		typ, msg, _ := bytes.Cut(b[1:], []byte{0})
		return nil, &gamelift.Error{Type: string(typ), Message: string(msg)}, false
	case repRetry:
		return nil, errors.New(string(b[1:])), true
	case repOKAt:
		if len(b) < 9 {
			return nil, errors.New("cluster: a short reply"), false
		}
		return b[9:], nil, false
	}
	return nil, fmt.Errorf("cluster: a reply of unknown kind %d", b[0]), false
}
