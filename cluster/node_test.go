package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matchforge/matchforge/gamelift"
)

// collectEvents consumes the cluster's events into a list until the test
// ends.
type eventLog struct {
	mu  sync.Mutex
	evs []Event
}

func (l *eventLog) all() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.evs...)
}

func (l *eventLog) count(detailType string) int {
	n := 0
	for _, e := range l.all() {
		var ev gamelift.Event
		json.Unmarshal(e.JSON, &ev)
		if ev.Detail.Type == detailType {
			n++
		}
	}
	return n
}

func consume(t testing.TB, n *Node) *eventLog {
	l := &eventLog{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.ConsumeEvents(ctx, 1, func(e Event) error {
			l.mu.Lock()
			l.evs = append(l.evs, e)
			l.mu.Unlock()
			return nil
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return l
}

// TestSingleNodeMatches runs the lifecycle through one node on one NATS
// server: catalog on shard 0, tickets on their configuration's shard,
// events on the stream, retries deduplicated by request id.
func TestSingleNodeMatches(t *testing.T) {
	ns := startNATS(t, 1)
	n := openNode(t, connect(t, ns[0]), testConfig("a"))
	defer n.Close()
	waitOwned(t, 10*time.Second, n)
	setupDuel(t, n, "duel-eu", "duel-us")
	evs := consume(t, n)

	var cfgs gamelift.DescribeMatchmakingConfigurationsOutput
	do(t, n, gamelift.OpDescribeMatchmakingConfigurations, map[string]any{}, &cfgs)
	if len(cfgs.Configurations) != 2 {
		t.Fatalf("DescribeMatchmakingConfigurations: %d configurations, want 2", len(cfgs.Configurations))
	}
	// A retry with the same request id is answered from the log, not
	// applied again (the ticket id would be refused the second time).
	in := startTicket("t1", "duel-eu", 10, "p1")
	var first, again gamelift.TicketOutput
	if err := tryDo(n, gamelift.OpStartMatchmaking, in, &first, "req-1"); err != nil {
		t.Fatal(err)
	}
	if err := tryDo(n, gamelift.OpStartMatchmaking, in, &again, "req-1"); err != nil {
		t.Fatalf("a retry with the same request id: %v", err)
	}
	if first.MatchmakingTicket.TicketID != again.MatchmakingTicket.TicketID {
		t.Fatalf("the retry answered ticket %q, the first call %q", again.MatchmakingTicket.TicketID, first.MatchmakingTicket.TicketID)
	}
	if err := tryDo(n, gamelift.OpStartMatchmaking, in, nil, "req-2"); err == nil || !strings.Contains(err.Error(), "t1") {
		t.Fatalf("the same ticket id under a new request id: err %v, want a refusal naming t1", err)
	}
	do(t, n, gamelift.OpStartMatchmaking, startTicket("t2", "duel-eu", 15, "p2"), nil)
	do(t, n, gamelift.OpStartMatchmaking, startTicket("t3", "duel-us", 15, "p3"), nil)
	waitFor(t, 10*time.Second, "t1 and t2 COMPLETED", func() bool {
		return ticketStatus(t, n, "t1") == "COMPLETED" && ticketStatus(t, n, "t2") == "COMPLETED"
	})
	// t3's shard steps on its own clock: under load it may not have taken
	// t3 out of QUEUED yet, but alone in duel-us it never matches.
	waitFor(t, 10*time.Second, "t3 (alone in duel-us) SEARCHING", func() bool { return ticketStatus(t, n, "t3") == "SEARCHING" })
	waitFor(t, 10*time.Second, "the MatchmakingSucceeded event", func() bool { return evs.count("MatchmakingSucceeded") == 1 })
	do(t, n, gamelift.OpStopMatchmaking, map[string]any{"TicketId": "t3"}, nil)
	waitFor(t, 10*time.Second, "t3 CANCELLED", func() bool { return ticketStatus(t, n, "t3") == "CANCELLED" })
	err := tryDo(n, gamelift.OpStopMatchmaking, map[string]any{"TicketId": "nobody"}, nil, "")
	var ge *gamelift.Error
	if !errors.As(err, &ge) || ge.Type != "NotFoundException" {
		t.Fatalf("StopMatchmaking of an unknown ticket: %v, want NotFoundException", err)
	}
	err = tryDo(n, gamelift.OpStartMatchmaking, startTicket("t9", "nowhere", 1, "p9"), nil, "")
	if !errors.As(err, &ge) || ge.Type != "NotFoundException" {
		t.Fatalf("StartMatchmaking on an unknown configuration: %v, want NotFoundException", err)
	}
	seen := map[string]bool{}
	for _, e := range evs.all() {
		if seen[e.ID] {
			t.Fatalf("event %s delivered twice", e.ID)
		}
		seen[e.ID] = true
		if e.Shard != n.ShardOf(e.Configuration) {
			t.Fatalf("event %s of %s on shard %d, want %d", e.ID, e.Configuration, e.Shard, n.ShardOf(e.Configuration))
		}
	}
}
