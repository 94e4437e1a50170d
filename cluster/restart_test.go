package cluster

import (
	"testing"
	"time"
)

// TestRestartResumes stops a node gracefully, then crashes its successor,
// and checks that each new node resumes from the snapshots and the log:
// tickets keep their state, and no event is delivered twice.
func TestRestartResumes(t *testing.T) {
	ns := startNATS(t, 1)
	cfg := testConfig("a")
	cfg.SnapshotEvery = 3 // snapshots (and purges) often
	a := openNode(t, connect(t, ns[0]), cfg)
	waitOwned(t, 10*time.Second, a)
	setupDuel(t, a, "duel")
	evs := consume(t, a)
	do(t, a, "StartMatchmaking", startTicket("t1", "duel", 10, "p1"), nil)
	do(t, a, "StartMatchmaking", startTicket("t2", "duel", 100, "p2"), nil)
	waitFor(t, 5*time.Second, "t1 SEARCHING", func() bool { return ticketStatus(t, a, "t1") == "SEARCHING" })
	a.Close()

	cfg.Name = "b"
	b := openNode(t, connect(t, ns[0]), cfg)
	waitOwned(t, 10*time.Second, b)
	if got := ticketStatus(t, b, "t1"); got != "SEARCHING" {
		t.Fatalf("after a graceful restart t1 is %q, want SEARCHING", got)
	}
	do(t, b, "StartMatchmaking", startTicket("t3", "duel", 12, "p3"), nil)
	waitFor(t, 5*time.Second, "t1 and t3 COMPLETED", func() bool {
		return ticketStatus(t, b, "t1") == "COMPLETED" && ticketStatus(t, b, "t3") == "COMPLETED"
	})
	b.halt()

	cfg.Name = "c"
	c := openNode(t, connect(t, ns[0]), cfg)
	defer c.Close()
	waitOwned(t, 10*time.Second, c)
	for id, want := range map[string]string{"t1": "COMPLETED", "t2": "SEARCHING", "t3": "COMPLETED"} {
		if got := ticketStatus(t, c, id); got != want {
			t.Fatalf("after a crash %s is %q, want %s", id, got, want)
		}
	}
	do(t, c, "StartMatchmaking", startTicket("t4", "duel", 95, "p4"), nil)
	waitFor(t, 5*time.Second, "t2 and t4 COMPLETED", func() bool { return ticketStatus(t, c, "t4") == "COMPLETED" })
	waitFor(t, 5*time.Second, "two MatchmakingSucceeded events", func() bool { return evs.count("MatchmakingSucceeded") == 2 })
	seen := map[string]bool{}
	for _, e := range evs.all() {
		if seen[e.ID] {
			t.Fatalf("event %s delivered twice", e.ID)
		}
		seen[e.ID] = true
	}
	if len(c.snapshotNames(t.Context(), c.ShardOf("duel"))) == 0 {
		t.Fatalf("no snapshot of the duel shard was stored (SnapshotEvery 3)")
	}
}
