package cluster

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TestFenceRefusesDeposedOwner: a lease is taken with compare-and-swap, so
// a second taker is refused while it lives; and an owner whose view of the
// log is behind (a deposed owner that has not noticed yet) has its next
// batch refused by the fence, while the log is left as the real owner wrote
// it.
func TestFenceRefusesDeposedOwner(t *testing.T) {
	ns := startNATS(t, 1)
	n := openNode(t, connect(t, ns[0]), testConfig("a"))
	defer n.Close()
	waitOwned(t, 10*time.Second, n)
	const s = 1
	if _, err := n.leases.Create(t.Context(), n.leaseKey(s), []byte("intruder|x")); !errors.Is(err, jetstream.ErrKeyExists) {
		t.Fatalf("taking a held lease: %v, want ErrKeyExists", err)
	}
	before, err := n.ops.GetLastMsgForSubject(t.Context(), n.opsSubject(s))
	if err != nil {
		t.Fatal(err)
	}
	// The real owner steps every 20 ms: wait for it to append past before.
	waitFor(t, 5*time.Second, "the owner's next batch", func() bool {
		m, err := n.ops.GetLastMsgForSubject(t.Context(), n.opsSubject(s))
		return err == nil && m.Sequence > before.Sequence
	})
	stale := newShard(n, s)
	defer stale.cancel()
	stale.lastSeq = before.Sequence
	err = stale.append([]record{{Kind: recFence, Time: time.Now().UTC(), Op: "stale|x"}})
	if err == nil || !isWrongLast(err) {
		t.Fatalf("a deposed owner's append: %v, want a wrong-last-sequence refusal", err)
	}
	after, err := n.ops.GetLastMsgForSubject(t.Context(), n.opsSubject(s))
	if err != nil {
		t.Fatal(err)
	}
	err = readLog(t.Context(), n.js, n.ops.CachedInfo().Config.Name, n.opsSubject(s), before.Sequence, after.Sequence, func(seq uint64, recs []record) error {
		for _, r := range recs {
			if r.Op == "stale|x" {
				t.Errorf("the refused batch is in the log at %d", seq)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Owned(); len(got) != n.Shards()+1 {
		t.Fatalf("the real owner stopped serving: owns %v", got)
	}
}
