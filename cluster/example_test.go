package cluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/matchforge/matchforge/cluster"
	"github.com/matchforge/matchforge/internal/fixtures"
)

// Example runs a one-node cluster on an embedded NATS server and matches
// two players through it.
func Example() {
	dir, _ := os.MkdirTemp("", "matchforge-example")
	defer os.RemoveAll(dir)
	ns, err := cluster.StartNATS(cluster.NATSConfig{Listen: "127.0.0.1:0", Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ns.Shutdown()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	node, err := cluster.Open(ctx, nc, cluster.Config{Name: "node-1", Shards: 2, Tick: 20 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer node.Close()

	do := func(op string, in any) []byte {
		body, _ := json.Marshal(in)
		out, err := node.Do(ctx, op, body, "")
		if err != nil {
			fmt.Println(op, err)
		}
		return out
	}
	do("CreateMatchmakingRuleSet", map[string]any{"Name": "duel", "RuleSetBody": fixtures.Duel})
	do("CreateMatchmakingConfiguration", map[string]any{"Name": "duel", "RuleSetName": "duel",
		"RequestTimeoutSeconds": 60, "AcceptanceRequired": false, "FlexMatchMode": "STANDALONE"})
	for i, skill := range []int{20, 25} {
		do("StartMatchmaking", map[string]any{"TicketId": fmt.Sprint("t", i), "ConfigurationName": "duel",
			"Players": []any{map[string]any{"PlayerId": fmt.Sprint("p", i), "PlayerAttributes": map[string]any{"skill": map[string]any{"N": skill}}}}})
	}
	var out struct {
		TicketList []struct{ TicketId, Status string }
	}
	for range 200 {
		json.Unmarshal(do("DescribeMatchmaking", map[string]any{"TicketIds": []string{"t0", "t1"}}), &out)
		if len(out.TicketList) == 2 && out.TicketList[0].Status == "COMPLETED" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, t := range out.TicketList {
		fmt.Println(t.TicketId, t.Status)
	}
	// Output:
	// t0 COMPLETED
	// t1 COMPLETED
}
