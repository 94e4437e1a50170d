package cluster

import (
	"fmt"
	"testing"
	"time"

	"github.com/matchforge/matchforge/gamelift"
)

// TestCatalogChangesAreVisibleAtOnce: a configuration created or updated
// through one node is usable through another the moment the change is
// answered, though the catalog lives on shard 0 and the tickets on the
// configuration's own shard, which may be on a third node.
func TestCatalogChangesAreVisibleAtOnce(t *testing.T) {
	ns := startNATS(t, 1)
	a := openNode(t, connect(t, ns[0]), testConfig("a"))
	defer a.Close()
	b := openNode(t, connect(t, ns[0]), testConfig("b"))
	defer b.Close()
	waitFor(t, 20*time.Second, "both nodes serving", func() bool {
		return len(a.Owned()) > 0 && len(b.Owned()) > 0 && len(a.Owned())+len(b.Owned()) == a.Shards()+1
	})
	setupDuel(t, a)
	for i := range 12 {
		name := fmt.Sprintf("q%d", i)
		do(t, a, gamelift.OpCreateMatchmakingConfiguration, map[string]any{
			"Name": name, "RuleSetName": "duel", "RequestTimeoutSeconds": 600, "AcceptanceRequired": false, "FlexMatchMode": "STANDALONE"}, nil)
		do(t, b, gamelift.OpStartMatchmaking, startTicket(name+"-1", name, 10, name+"-p1"), nil)
		do(t, a, gamelift.OpUpdateMatchmakingConfiguration, map[string]any{
			"Name": name, "AcceptanceRequired": true, "AcceptanceTimeoutSeconds": 30}, nil)
		do(t, b, gamelift.OpStartMatchmaking, startTicket(name+"-2", name, 12, name+"-p2"), nil)
	}
	for i := range 12 {
		id := fmt.Sprintf("q%d-1", i)
		waitFor(t, 5*time.Second, id+" REQUIRES_ACCEPTANCE", func() bool { return ticketStatus(t, b, id) == "REQUIRES_ACCEPTANCE" })
	}
	// The ticket shard refuses to delete a configuration with active
	// tickets, though the catalog shard holds none.
	if err := tryDo(b, gamelift.OpDeleteMatchmakingConfiguration, map[string]any{"Name": "q0"}, nil, ""); err == nil {
		t.Fatal("q0 was deleted with two active tickets")
	}
	do(t, a, gamelift.OpStopMatchmaking, map[string]any{"TicketId": "q0-1"}, nil)
	do(t, b, gamelift.OpDeleteMatchmakingConfiguration, map[string]any{"Name": "q0"}, nil)
	var d gamelift.DescribeMatchmakingConfigurationsOutput
	do(t, a, gamelift.OpDescribeMatchmakingConfigurations, map[string]any{"Names": []string{"q0", "q1"}}, &d)
	if len(d.Configurations) != 1 || d.Configurations[0].Name != "q1" {
		t.Fatalf("after deleting q0: %+v", d.Configurations)
	}
}
