package engine_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Nothing is lost on restart: snapshot the engine between steps, restore
// it (in another process, after a restart), and it continues where it was.
// The waiting ticket matches with one that arrives after the restore.
func ExampleEngine_Snapshot() {
	start := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	e, _ := engine.New(engine.Config{Seed: 1})
	_ = e.AddConfiguration(start, engine.Configuration{Name: "duel", RuleSet: ruleset.MustLoad([]byte(exampleRuleSet)), RequestTimeout: time.Minute})
	_, _ = e.StartMatchmaking(start, engine.MatchmakingRequest{TicketID: "t-ann", Configuration: "duel", Players: []ticket.Player{examplePlayer("ann", 20)}})
	for _, ev := range e.Step(start.Add(time.Second)) {
		fmt.Println("before:", ev.Kind, eventTicketIDs(ev))
	}

	var snap bytes.Buffer
	if err := e.Snapshot(&snap); err != nil { // after Step: no event is waiting
		fmt.Println(err)
		return
	}
	fmt.Printf("snapshot: %q, version %d\n", snap.Bytes()[:6], snap.Bytes()[6])

	r, err := engine.Restore(&snap, engine.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	t, _ := r.Ticket("t-ann")
	fmt.Println("restored:", t.TicketID, t.Status)
	_, _ = r.StartMatchmaking(start.Add(2*time.Second), engine.MatchmakingRequest{TicketID: "t-bob", Configuration: "duel", Players: []ticket.Player{examplePlayer("bob", 25)}})
	for _, ev := range r.Step(start.Add(3 * time.Second)) {
		fmt.Println("after:", ev.Kind, eventTicketIDs(ev))
	}
	// Output:
	// before: MatchmakingSearching [t-ann]
	// snapshot: "MFSNAP", version 2
	// restored: t-ann SEARCHING
	// after: MatchmakingSearching [t-bob]
	// after: PotentialMatchCreated [t-ann t-bob]
	// after: MatchmakingSucceeded [t-ann t-bob]
}
