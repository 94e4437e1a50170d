package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/matchforge/matchforge/gamelift"
)

// TestFailover runs three nodes, each on its own embedded NATS server of
// one JetStream cluster on loopback, drives a seeded load of operations at
// all three, and in the middle kills the node that owns the first
// configuration's shard together with its NATS server. It checks that no
// acknowledged ticket is lost, that no ticket or player is in two matches,
// that each shard's events are exactly those a single process makes when
// it replays the shard's log, and it reports the time from the kill to the
// shard's next step under its new owner.
func TestFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-server JetStream cluster")
	}
	began := time.Now()
	logf := func(format string, args ...any) {
		t.Helper()
		t.Logf("%6.2fs "+format, append([]any{time.Since(began).Seconds()}, args...)...)
	}
	ns := startNATS(t, 3)
	var nodes []*Node
	var conns = make([]*natsConn, 3)
	for i := range 3 {
		cfg := testConfig("node" + strconv.Itoa(i))
		cfg.KeepLog = true
		conns[i] = &natsConn{connect(t, ns[i])}
		nodes = append(nodes, openNode(t, conns[i].Conn, cfg))
		if i == 0 {
			waitOwned(t, 20*time.Second, nodes[0])
		}
	}
	joined := time.Now()
	waitFor(t, 20*time.Second, "the shards spread over the three nodes", func() bool {
		total := 0
		for _, n := range nodes {
			if len(n.Owned()) == 0 {
				return false
			}
			total += len(n.Owned())
		}
		return total == nodes[0].Shards()+1
	})
	logf("rebalanced onto the joining nodes in %v: %s", time.Since(joined).Round(time.Millisecond), describeOwners(nodes...))
	if info, err := nodes[0].ops.Info(t.Context()); err != nil || info.Config.Replicas != 3 {
		t.Fatalf("the operations stream: %v replicas (%v), want 3", info.Config.Replicas, err)
	}
	configs := []string{"c0", "c1", "c2", "c3", "c4", "c5"}
	setupDuel(t, nodes[1], configs...)

	victimShard := nodes[0].ShardOf("c0")
	victim := -1
	for i, n := range nodes {
		for _, s := range n.Owned() {
			if s == victimShard {
				victim = i
			}
		}
	}
	if victim < 0 {
		t.Fatalf("no node owns shard %d: %s", victimShard, describeOwners(nodes...))
	}

	// The load: each node's client starts tickets (and stops some) until
	// told to stop; acknowledged tickets are kept.
	var mu sync.Mutex
	acked := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("n%d-%d", i, k)
				cfg := configs[rng.IntN(len(configs))]
				if cfg == "c0" || rng.IntN(2) == 0 {
					cfg = "c0" // half the load on the victim's shard
				}
				err := tryDo(n, gamelift.OpStartMatchmaking, startTicket(id, cfg, float64(rng.IntN(100)), "p-"+id), nil, "req-"+id)
				if err != nil {
					if i == victim {
						return // killed
					}
					t.Errorf("StartMatchmaking %s through %s: %v", id, n.Name(), err)
					return
				}
				mu.Lock()
				acked[id] = true
				mu.Unlock()
				if k%7 == 3 {
					tryDo(n, gamelift.OpStopMatchmaking, map[string]any{"TicketId": id}, nil, "stop-"+id)
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	last, err := nodes[0].ops.GetLastMsgForSubject(t.Context(), nodes[0].opsSubject(victimShard))
	if err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	nodes[victim].halt()
	conns[victim].Close()
	ns[victim].Shutdown()
	logf("killed %s (shard %d) after record batch %d", nodes[victim].Name(), victimShard, last.Sequence)
	var alive []*Node
	for i, n := range nodes {
		if i != victim {
			alive = append(alive, n)
		}
	}
	waitOwned(t, 30*time.Second, alive...)
	logf("every shard served again %v after the kill", time.Since(killed).Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond)

	// A new node joins under load: the shards that rendezvous hashing now
	// gives it are handed over to it (snapshot, lease released, taken).
	joinCfg := testConfig("node3")
	joinCfg.KeepLog = true
	rejoin := time.Now()
	joiner := openNode(t, connect(t, ns[(victim+1)%3]), joinCfg)
	alive = append(alive, joiner)
	waitFor(t, 20*time.Second, "the joining node to serve its share", func() bool {
		seen := map[int]int{}
		for _, n := range alive {
			for _, s := range n.Owned() {
				seen[s]++
			}
		}
		for i := 0; i <= joiner.Shards(); i++ {
			if seen[i] != 1 || rendezvousOwner(alive, i) != ownerName(alive, i) {
				return false
			}
		}
		return true
	})
	logf("a node joining under load served its %d shards %v after it started: %s", len(joiner.Owned()), time.Since(rejoin).Round(time.Millisecond), describeOwners(alive...))
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	closed := false
	closeAll := func() {
		if !closed {
			for _, n := range alive {
				n.Close()
			}
			closed = true
		}
	}
	defer closeAll()

	// The time from the kill to the next step of the shard by its new
	// owner, read off the log: the first step after a fence that is not the
	// victim's.
	front := alive[0]
	var fenced bool
	var nextStep time.Time
	stream := front.ops.CachedInfo().Config.Name
	opsTail, err := front.ops.GetLastMsgForSubject(t.Context(), front.opsSubject(victimShard))
	if err != nil {
		t.Fatal(err)
	}
	err = readLog(t.Context(), front.js, stream, front.opsSubject(victimShard), last.Sequence, opsTail.Sequence, func(seq uint64, recs []record) error {
		for _, r := range recs {
			switch {
			case r.Kind == recFence && ownerOf([]byte(r.Op)) != nodes[victim].Name():
				fenced = true
			case r.Kind == recStep && fenced && nextStep.IsZero():
				nextStep = r.Time
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if nextStep.IsZero() {
		t.Fatalf("no step of shard %d by a new owner after the kill", victimShard)
	}
	logf("kill to the shard's next step under its new owner: %v", nextStep.Sub(killed).Round(time.Millisecond))

	// No acknowledged ticket is lost.
	mu.Lock()
	ids := make([]string, 0, len(acked))
	for id := range acked {
		ids = append(ids, id)
	}
	mu.Unlock()
	for start := 0; start < len(ids); start += 10 {
		batch := ids[start:min(start+10, len(ids))]
		var out gamelift.DescribeMatchmakingOutput
		do(t, front, gamelift.OpDescribeMatchmaking, map[string]any{"TicketIds": batch}, &out)
		if len(out.TicketList) != len(batch) {
			t.Fatalf("DescribeMatchmaking of %d acknowledged tickets found %d", len(batch), len(out.TicketList))
		}
	}
	logf("%d tickets acknowledged, all found after the failover", len(ids))

	// Each shard's events are those of a replay of its log; no ticket or
	// player is in two matches.
	// The nodes stop first, so that the logs are final when they are
	// replayed. A stopping owner waits only briefly for its last events:
	// those still unpublished when every node has stopped are published by
	// the shard's next owner, which replays the log after its snapshot. A
	// fresh node takes every shard for that, and its own events, if any,
	// come after those compared.
	closeAll()
	wants := map[int][][]byte{}
	for s := 1; s <= front.Shards(); s++ {
		wants[s] = replayShard(t, front, s)
	}
	evs := consume(t, front)
	byShard := func() map[int][][]byte {
		out := map[int][][]byte{}
		for _, e := range evs.all() {
			out[e.Shard] = append(out[e.Shard], e.JSON)
		}
		return out
	}
	caughtUp := func() bool {
		got := byShard()
		for s, want := range wants {
			if len(got[s]) < len(want) {
				return false
			}
		}
		return true
	}
	evTail, err := front.EventsTail(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "every event message read", func() bool {
		all := evs.all()
		return len(all) > 0 && all[len(all)-1].Seq == evTail
	})
	late := !caughtUp()
	if late {
		n := openNode(t, front.nc, testConfig("late"))
		defer n.Close()
		waitOwned(t, 20*time.Second, n)
		evs = consume(t, n) // from the first event again, through a live node
		deadline := time.Now().Add(20 * time.Second)
		for !caughtUp() {
			if time.Now().After(deadline) {
				got := byShard()
				for s := range wants {
					t.Logf("shard %d: %d events on the stream, %d from replaying its log", s, len(got[s]), len(wants[s]))
					logMissing(t, got[s], wants[s])
				}
				t.Fatal("the next owner did not publish the events held back when every node stopped")
			}
			time.Sleep(20 * time.Millisecond)
		}
		logf("a fresh node published the events held back when every node stopped")
	}
	got := byShard()
	inMatch := map[string]string{}
	for s := 1; s <= front.Shards(); s++ {
		want := wants[s]
		got := got[s]
		if late && len(got) > len(want) {
			got = got[:len(want)] // the fresh node's own events
		}
		if len(got) != len(want) {
			t.Fatalf("shard %d: %d events on the stream, %d from replaying its log", s, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("shard %d event %d differs from the replay:\n stream %s\n replay %s", s, i, got[i], want[i])
			}
			var ev gamelift.Event
			json.Unmarshal(want[i], &ev)
			if ev.Detail.Type != "MatchmakingSucceeded" {
				continue
			}
			for _, tk := range ev.Detail.Tickets {
				key := "ticket " + tk.TicketID
				for _, p := range tk.Players {
					if m, ok := inMatch["player "+p.PlayerID]; ok && m != ev.Detail.MatchID {
						t.Fatalf("player %s in matches %s and %s", p.PlayerID, m, ev.Detail.MatchID)
					}
					inMatch["player "+p.PlayerID] = ev.Detail.MatchID
				}
				if m, ok := inMatch[key]; ok && m != ev.Detail.MatchID {
					t.Fatalf("%s in matches %s and %s", key, m, ev.Detail.MatchID)
				}
				inMatch[key] = ev.Detail.MatchID
			}
		}
	}
	logf("events checked against the replay of every shard's log")
	if evs.count("MatchmakingSucceeded") == 0 {
		t.Fatal("the load made no match")
	}
}

type natsConn struct{ *nats.Conn }

// ownerOf is the node name of a lease or fence value, "name|epoch".
func ownerOf(lease []byte) string {
	name, _, _ := strings.Cut(string(lease), "|")
	return name
}

// rendezvousOwner is the node that should own shard i among nodes.
func rendezvousOwner(nodes []*Node, i int) string {
	var names []string
	for _, n := range nodes {
		names = append(names, n.Name())
	}
	return rendezvous(names, i)
}

// ownerName is the node that serves shard i now ("" for none).
func ownerName(nodes []*Node, i int) string {
	for _, n := range nodes {
		for _, s := range n.Owned() {
			if s == i {
				return n.Name()
			}
		}
	}
	return ""
}

// replayShard replays shard s's whole log in a fresh service, as one
// process would, and returns its events' JSON.
func replayShard(t testing.TB, n *Node, s int) [][]byte {
	t.Helper()
	sh := newShard(n, s)
	var err error
	if sh.svc, err = gamelift.NewService(n.serviceOptions(s)); err != nil {
		t.Fatal(err)
	}
	tail, err := n.ops.GetLastMsgForSubject(t.Context(), n.opsSubject(s))
	if err != nil {
		if err == jetstream.ErrMsgNotFound {
			return nil
		}
		t.Fatal(err)
	}
	var out [][]byte
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	err = readLog(ctx, n.js, n.ops.CachedInfo().Config.Name, n.opsSubject(s), 0, tail.Sequence, func(seq uint64, recs []record) error {
		evs, err := sh.replay(recs)
		for i := range evs {
			enc, _ := json.Marshal(&evs[i])
			out = append(out, enc)
		}
		return err
	})
	if err != nil {
		t.Fatalf("replaying shard %d: %v", s, err)
	}
	return out
}

// logMissing logs the first events of want (a replay) that got (the
// stream) lacks, with their positions, to tell a lost batch from a
// reordered one.
func logMissing(t *testing.T, got, want [][]byte) {
	t.Helper()
	on := map[string]int{}
	for _, g := range got {
		on[string(g)]++
	}
	shown := 0
	for i, w := range want {
		if on[string(w)] > 0 {
			on[string(w)]--
			continue
		}
		if shown++; shown > 12 {
			break
		}
		t.Logf("  missing at %d: %.300s", i, w)
	}
}
