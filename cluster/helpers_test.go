package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/internal/fixtures"
)

// freeAddrs reserves k loopback addresses by listening and closing.
func freeAddrs(t testing.TB, k int) []string {
	t.Helper()
	var out []string
	var ls []net.Listener
	for range k {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}

// startNATS starts k embedded NATS servers on loopback: one on its own
// when k is 1, a JetStream cluster otherwise. They stop when the test ends.
func startNATS(t testing.TB, k int) []*natsserver.Server {
	t.Helper()
	var routes []string
	if k > 1 {
		routes = freeAddrs(t, k)
	}
	out := make([]*natsserver.Server, k)
	errs := make([]error, k)
	var wg sync.WaitGroup
	for i := range k {
		c := NATSConfig{Name: "n" + strconv.Itoa(i), Listen: "127.0.0.1:0", Dir: t.TempDir(), ReadyTimeout: 20 * time.Second}
		if k > 1 {
			c.ClusterListen, c.Peers = routes[i], routes
		}
		wg.Add(1)
		go func() { defer wg.Done(); out[i], errs[i] = StartNATS(c) }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("NATS server %d: %v", i, err)
		}
		ns := out[i]
		t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	}
	return out
}

func connect(t testing.TB, ns *natsserver.Server) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(ns.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// testConfig is a node's configuration for tests: short leases and ticks.
func testConfig(name string) Config {
	return Config{Name: name, Shards: 4, LeaseTTL: time.Second, Tick: 20 * time.Millisecond,
		Service: gamelift.Options{Engine: engine.Config{Seed: 7}}, RequestTimeout: 20 * time.Second}
}

func openNode(t testing.TB, nc *nats.Conn, cfg Config) *Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := Open(ctx, nc, cfg)
	if err != nil {
		t.Fatalf("Open %s: %v", cfg.Name, err)
	}
	return n
}

// do runs op on n and decodes its output into out (when not nil).
func do(t testing.TB, n *Node, op string, in any, out any) {
	t.Helper()
	if err := tryDo(n, op, in, out, ""); err != nil {
		t.Fatalf("%s on %s: %v", op, n.Name(), err)
	}
}

func tryDo(n *Node, op string, in any, out any, req string) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := n.Do(ctx, op, body, req)
	if err != nil {
		return err
	}
	if out != nil {
		return json.Unmarshal(res, out)
	}
	return nil
}

// setupDuel creates the duel rule set and one configuration per name.
func setupDuel(t testing.TB, n *Node, names ...string) {
	t.Helper()
	do(t, n, gamelift.OpCreateMatchmakingRuleSet, map[string]any{"Name": "duel", "RuleSetBody": fixtures.Duel}, nil)
	for _, name := range names {
		do(t, n, gamelift.OpCreateMatchmakingConfiguration, map[string]any{
			"Name": name, "RuleSetName": "duel", "RequestTimeoutSeconds": 600, "AcceptanceRequired": false,
			"FlexMatchMode": "STANDALONE"}, nil)
	}
}

func startTicket(id, config string, skill float64, players ...string) map[string]any {
	var ps []map[string]any
	for _, p := range players {
		ps = append(ps, map[string]any{"PlayerId": p, "PlayerAttributes": map[string]any{"skill": map[string]any{"N": skill}}})
	}
	return map[string]any{"TicketId": id, "ConfigurationName": config, "Players": ps}
}

// ticketStatus returns a ticket's status as DescribeMatchmaking gives it
// ("" when no shard knows it).
func ticketStatus(t testing.TB, n *Node, id string) string {
	t.Helper()
	var out gamelift.DescribeMatchmakingOutput
	do(t, n, gamelift.OpDescribeMatchmaking, map[string]any{"TicketIds": []string{id}}, &out)
	if len(out.TicketList) == 0 {
		return ""
	}
	return string(out.TicketList[0].Status)
}

// waitFor polls cond until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitOwned waits until the nodes together serve every shard, each once.
func waitOwned(t testing.TB, d time.Duration, nodes ...*Node) {
	t.Helper()
	waitFor(t, d, "every shard served", func() bool {
		seen := map[int]int{}
		for _, n := range nodes {
			for _, s := range n.Owned() {
				seen[s]++
			}
		}
		for i := 0; i <= nodes[0].Shards(); i++ {
			if seen[i] != 1 {
				return false
			}
		}
		return true
	})
}

func describeOwners(nodes ...*Node) string {
	s := ""
	for _, n := range nodes {
		s += fmt.Sprintf("%s:%v ", n.Name(), n.Owned())
	}
	return s
}
