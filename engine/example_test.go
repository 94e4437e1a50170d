package engine_test

import (
	"context"
	"fmt"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// exampleRuleSet: two teams of one, skills within 10 of each other.
const exampleRuleSet = `{
  "ruleLanguageVersion": "1.0",
  "playerAttributes": [{"name": "skill", "type": "number", "default": 10}],
  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1},
            {"name": "blue", "minPlayers": 1, "maxPlayers": 1}],
  "rules": [{"name": "CloseSkill", "type": "distance",
    "measurements": ["max(flatten(teams[*].players.attributes[skill]))"],
    "referenceValue": "min(flatten(teams[*].players.attributes[skill]))",
    "maxDistance": 10}]
}`

func examplePlayer(id string, skill float64) ticket.Player {
	return ticket.Player{PlayerID: id, PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(skill)}}
}

// The embedding loop: register a rule set and a configuration, submit
// tickets, and step the engine; every state change comes back as an event.
// Time is an input, so the run is reproducible.
func Example() {
	e, err := engine.New(engine.Config{Seed: 1})
	if err != nil {
		panic(err)
	}
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	rs, err := ruleset.Load([]byte(exampleRuleSet))
	if err != nil {
		panic(err)
	}
	if err := e.AddConfiguration(now, engine.Configuration{Name: "duel", RuleSet: rs, RequestTimeout: time.Minute}); err != nil {
		panic(err)
	}
	for _, p := range []struct {
		ticket string
		player ticket.Player
	}{{"t1", examplePlayer("ana", 20)}, {"t2", examplePlayer("bo", 25)}, {"t3", examplePlayer("cy", 90)}} {
		tk, err := e.StartMatchmaking(now, engine.MatchmakingRequest{TicketID: p.ticket, Configuration: "duel", Players: []ticket.Player{p.player}})
		if err != nil {
			panic(err)
		}
		fmt.Println(tk.TicketID, tk.Status)
	}
	for range 2 {
		now = now.Add(time.Second)
		for _, ev := range e.Step(now) {
			fmt.Print(ev.Kind)
			for _, t := range ev.Tickets {
				fmt.Print(" ", t.ID())
			}
			fmt.Println()
		}
	}
	for _, tk := range e.Tickets([]string{"t1", "t2", "t3"}) {
		fmt.Printf("%s %s team=%q\n", tk.TicketID, tk.Status, tk.Players[0].Team)
	}
	// Output:
	// t1 QUEUED
	// t2 QUEUED
	// t3 QUEUED
	// MatchmakingSearching t1
	// MatchmakingSearching t2
	// MatchmakingSearching t3
	// PotentialMatchCreated t1 t2
	// MatchmakingSucceeded t1 t2
	// t1 COMPLETED team="red"
	// t2 COMPLETED team="blue"
	// t3 SEARCHING team=""
}

// A Runner owns the engine: it steps it on a clock while Run runs, takes
// calls from any goroutine, and delivers every event to every subscriber.
func ExampleRunner() {
	e, err := engine.New(engine.Config{Seed: 1})
	if err != nil {
		panic(err)
	}
	if err := e.AddConfiguration(time.Now(), engine.Configuration{Name: "duel", RuleSet: ruleset.MustLoad([]byte(exampleRuleSet)),
		RequestTimeout: time.Minute, AcceptanceRequired: true, AcceptanceTimeout: 30 * time.Second}); err != nil {
		panic(err)
	}

	r, err := engine.NewRunner(e, engine.RunnerOptions{Interval: 10 * time.Millisecond}) // the engine is r's now
	if err != nil {
		panic(err)
	}
	sub := r.Subscribe()
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background()) }()

	for _, p := range []ticket.Player{examplePlayer("ana", 20), examplePlayer("bo", 25)} {
		if _, err := r.StartMatchmaking(engine.MatchmakingRequest{TicketID: "t-" + p.PlayerID, Configuration: "duel", Players: []ticket.Player{p}}); err != nil {
			panic(err)
		}
	}
	for ev := range sub.C {
		fmt.Println(ev.Kind)
		switch ev.Kind {
		case engine.EventPotentialMatchCreated: // both players accept
			for _, t := range ev.Tickets {
				if err := r.AcceptMatch(t.ID(), []string{t.PlayerID(0)}, engine.Accepted); err != nil {
					panic(err)
				}
			}
		case engine.EventSucceeded:
			r.Close()
		}
	}
	fmt.Println("Run:", <-done, "undelivered:", len(sub.Drain()))
	// Output:
	// MatchmakingSearching
	// MatchmakingSearching
	// PotentialMatchCreated
	// AcceptMatch
	// AcceptMatch
	// AcceptMatchCompleted
	// MatchmakingSucceeded
	// Run: <nil> undelivered: 0
}
