package cluster

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestEventPublishersKeepLogOrder: two owners of one shard publish
// overlapping runs of its batches at once, as a deposed owner and its
// successor do after a failover (the successor begins at or before the
// first batch missing from the stream, since a snapshot covers only
// published events). The subject then holds every batch once, in log
// order, whoever won each race.
func TestEventPublishersKeepLogOrder(t *testing.T) {
	ns := startNATS(t, 1)
	n := openNode(t, connect(t, ns[0]), testConfig("a"))
	defer n.Close()
	const shard = 99 // no shard of the node publishes here
	subj := n.eventSubject(shard)
	newPublisher := func() *eventPublisher {
		return &eventPublisher{js: n.js, stream: n.events, subj: subj, timeout: 5 * time.Second}
	}
	batch := func(seq uint64) evBatch {
		return evBatch{seq: seq, evs: []pubEvent{{ID: fmt.Sprint("e", seq), Configuration: "c", JSON: []byte(`{}`)}}}
	}
	publish := func(p *eventPublisher, from, to uint64) {
		for seq := from; seq <= to; seq++ {
			if !p.publish(t.Context(), batch(seq), func(err error) { t.Logf("batch %d: %v", seq, err) }) {
				t.Errorf("batch %d: the publisher gave up", seq)
				return
			}
		}
	}

	// The first owner publishes batches 1 to 5 alone.
	first := newPublisher()
	publish(first, 1, 5)
	// A message id as an older build wrote it names the batch too.
	legacy := &nats.Msg{Subject: subj, Data: encodeEvents(batch(6).evs), Header: nats.Header{}}
	legacy.Header.Set(jetstream.MsgIDHeader, subj+"-6")
	if _, err := n.js.PublishMsg(t.Context(), legacy); err != nil {
		t.Fatal(err)
	}
	// Then, over and over, the first goes on while a successor begins
	// from a batch it has already published.
	next := uint64(7)
	for round := range 20 {
		second := newPublisher()
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); publish(first, next, next+9) }()
		go func() { defer wg.Done(); publish(second, next-uint64(1+round%4), next+14) }()
		wg.Wait()
		first, next = second, next+15
	}

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cons, err := n.js.OrderedConsumer(ctx, n.events.CachedInfo().Config.Name, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subj}})
	if err != nil {
		t.Fatal(err)
	}
	want := uint64(1)
	for want < next {
		m, err := cons.Next(jetstream.FetchContext(ctx))
		if err != nil {
			t.Fatalf("reading the subject after batch %d: %v", want-1, err)
		}
		got, err := strconv.ParseUint(m.Headers().Get(batchHeader), 10, 64)
		if want == 6 {
			got, err = 6, nil // the legacy message
		}
		if err != nil || got != want {
			t.Fatalf("message %d of the subject holds batch %q, want %d", want, m.Headers().Get(batchHeader), want)
		}
		evs, err := decodeEvents(m.Data())
		if err != nil || len(evs) != 1 || evs[0].ID != fmt.Sprint("e", want) {
			t.Fatalf("batch %d holds %v (%v)", want, evs, err)
		}
		want++
	}
	last, err := n.events.GetLastMsgForSubject(t.Context(), subj)
	if err != nil {
		t.Fatal(err)
	}
	if got := last.Header.Get(batchHeader); got != strconv.FormatUint(next-1, 10) {
		t.Fatalf("the subject ends with batch %s, want %d: a batch was stored twice", got, next-1)
	}
}

// TestStoppingShardQueuesEveryBatchsEvents: a shard told to stop may still
// apply a batch or two; their events must reach the publisher, in order.
// Dropping one (as a select between the queue and the stop once did, at
// random) while a later batch is published hides it from the next owner
// for good, and lets a snapshot cover it. Only a full queue at a stop
// refuses, and then the writer must stop (queueEvents reports false).
func TestStoppingShardQueuesEveryBatchsEvents(t *testing.T) {
	ns := startNATS(t, 1)
	n := openNode(t, connect(t, ns[0]), testConfig("a"))
	defer n.Close()
	s := newShard(n, 99)
	defer s.cancel()
	close(s.quit)
	for seq := uint64(1); seq <= 200; seq++ {
		s.lastSeq = seq
		if !s.queueEvents(nil) {
			t.Fatalf("batch %d: not queued by a stopping shard whose queue has room", seq)
		}
		if b := <-s.evq; b.seq != seq {
			t.Fatalf("queued batch %d, want %d", b.seq, seq)
		}
	}
	for range cap(s.evq) {
		s.evq <- evBatch{}
	}
	if s.queueEvents(nil) {
		t.Fatal("a stopping shard with a full queue reported its batch queued")
	}
}
