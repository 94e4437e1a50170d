package cluster

import (
	"testing"
	"time"

	"github.com/matchforge/matchforge/gamelift"
)

// TestColocateDuplicatePlayer: a player is refused a second active ticket
// within one shard, which Colocate uses to cover configurations that share
// players; configurations in different shards do not see each other's
// players (the documented cost of sharding without a global player index).
func TestColocateDuplicatePlayer(t *testing.T) {
	ns := startNATS(t, 1)
	cfg := testConfig("a")
	cfg.Colocate = [][]string{{"ranked", "casual"}}
	n := openNode(t, connect(t, ns[0]), cfg)
	defer n.Close()
	waitOwned(t, 10*time.Second, n)
	if n.ShardOf("ranked") != n.ShardOf("casual") {
		t.Fatalf("colocated configurations on shards %d and %d", n.ShardOf("ranked"), n.ShardOf("casual"))
	}
	other := ""
	for _, name := range []string{"arena", "brawl", "coop", "duel", "elite", "fray"} {
		if n.ShardOf(name) != n.ShardOf("ranked") {
			other = name
			break
		}
	}
	if other == "" {
		t.Fatal("every candidate name hashes to the ranked shard")
	}
	setupDuel(t, n, "ranked", "casual", other)
	do(t, n, gamelift.OpStartMatchmaking, startTicket("r1", "ranked", 10, "alice"), nil)
	do(t, n, gamelift.OpStartMatchmaking, startTicket("c1", "casual", 10, "alice"), nil)
	// D17: the newer ticket cancels the older one, across the colocated
	// configurations.
	var out gamelift.DescribeMatchmakingOutput
	do(t, n, gamelift.OpDescribeMatchmaking, map[string]any{"TicketIds": []string{"r1"}}, &out)
	if len(out.TicketList) != 1 || out.TicketList[0].Status != "CANCELLED" || out.TicketList[0].StatusReason != "DUPLICATE_PLAYER" {
		t.Fatalf("alice's older ticket in a colocated configuration: %+v, want CANCELLED with DUPLICATE_PLAYER (D17)", out.TicketList)
	}
	// Another shard does not see alice's ticket: c1 stays.
	do(t, n, gamelift.OpStartMatchmaking, startTicket("o1", other, 10, "alice"), nil)
	time.Sleep(100 * time.Millisecond)
	if got := ticketStatus(t, n, "c1"); got != "SEARCHING" {
		t.Fatalf("c1 after alice's ticket in %s (shard %d, not %d): %s, want SEARCHING: players are checked within a shard only", other, n.ShardOf(other), n.ShardOf("casual"), got)
	}
	// A configuration's ARN routes as its name does.
	var d gamelift.DescribeMatchmakingConfigurationsOutput
	do(t, n, gamelift.OpDescribeMatchmakingConfigurations, map[string]any{"Names": []string{"casual"}}, &d)
	if len(d.Configurations) != 1 || n.ShardOf(d.Configurations[0].ConfigurationArn) != n.ShardOf("casual") {
		t.Fatalf("the ARN of casual routes to another shard: %+v", d.Configurations)
	}
}
