package gamelift_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/gamelift"
)

// Dispatch takes an operation name and its JSON body, as a GameLift client
// sends them, and returns the output to encode or a GameLift error.
func ExampleService_Dispatch() {
	s, _ := gamelift.NewService(gamelift.Options{Engine: engine.Config{Seed: 1}})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	show := func(op, body string) {
		out, err := s.Dispatch(now, op, []byte(body))
		if err != nil {
			b, _ := json.Marshal(err)
			fmt.Printf("%s error: %s\n", op, b)
			return
		}
		b, _ := json.Marshal(out)
		fmt.Printf("%s: %s\n", op, b)
	}
	show("CreateMatchmakingRuleSet", `{"Name": "duel", "RuleSetBody": "{\"ruleLanguageVersion\": \"1.0\", \"teams\": [{\"name\": \"red\", \"minPlayers\": 1, \"maxPlayers\": 1}, {\"name\": \"blue\", \"minPlayers\": 1, \"maxPlayers\": 1}]}"}`)
	show("CreateMatchmakingConfiguration", `{"Name": "duel", "RuleSetName": "duel", "RequestTimeoutSeconds": 30, "AcceptanceRequired": false}`)
	show("StartMatchmaking", `{"TicketId": "t1", "ConfigurationName": "duel", "Players": [{"PlayerId": "alice"}]}`)
	show("StartMatchmaking", `{"TicketId": "t2", "ConfigurationName": "duel", "Players": [{"PlayerId": "alice", "Skill": 3}]}`)
	show("StopMatchmaking", `{"TicketId": "t9"}`)
	// Output:
	// CreateMatchmakingRuleSet: {"RuleSet":{"RuleSetName":"duel","RuleSetArn":"arn:aws:gamelift:local:000000000000:matchmakingruleset/duel","RuleSetBody":"{\"ruleLanguageVersion\": \"1.0\", \"teams\": [{\"name\": \"red\", \"minPlayers\": 1, \"maxPlayers\": 1}, {\"name\": \"blue\", \"minPlayers\": 1, \"maxPlayers\": 1}]}","CreationTime":1767225600.000}}
	// CreateMatchmakingConfiguration: {"Configuration":{"Name":"duel","ConfigurationArn":"arn:aws:gamelift:local:000000000000:matchmakingconfiguration/duel","RequestTimeoutSeconds":30,"AcceptanceRequired":false,"RuleSetName":"duel","RuleSetArn":"arn:aws:gamelift:local:000000000000:matchmakingruleset/duel","AdditionalPlayerCount":0,"CreationTime":1767225600.000,"BackfillMode":"MANUAL","FlexMatchMode":"STANDALONE"}}
	// StartMatchmaking: {"MatchmakingTicket":{"TicketId":"t1","ConfigurationName":"duel","ConfigurationArn":"arn:aws:gamelift:local:000000000000:matchmakingconfiguration/duel","Status":"QUEUED","StartTime":1767225600.000,"Players":[{"PlayerId":"alice"}]}}
	// StartMatchmaking error: {"__type":"InvalidRequestException","message":"Players[0] in the StartMatchmaking input has no member \"Skill\""}
	// StopMatchmaking error: {"__type":"NotFoundException","message":"ticket \"t9\" does not exist"}
}

// Replay runs a scenario on a virtual clock and writes each line's output
// and every event as JSON Lines.
func ExampleReplay() {
	scenario := `# two players meet in a 1v1
{"at": 0, "op": "CreateMatchmakingRuleSet", "input": {"Name": "duel", "RuleSetBody": "{\"ruleLanguageVersion\": \"1.0\", \"teams\": [{\"name\": \"red\", \"minPlayers\": 1, \"maxPlayers\": 1}, {\"name\": \"blue\", \"minPlayers\": 1, \"maxPlayers\": 1}]}"}}
{"at": 0, "op": "CreateMatchmakingConfiguration", "input": {"Name": "duel", "RuleSetName": "duel", "RequestTimeoutSeconds": 30, "AcceptanceRequired": false}}
{"at": 1, "op": "StartMatchmaking", "input": {"TicketId": "t1", "ConfigurationName": "duel", "Players": [{"PlayerId": "alice"}]}}
{"at": 2, "op": "StartMatchmaking", "input": {"TicketId": "t2", "ConfigurationName": "duel", "Players": [{"PlayerId": "bob"}]}}
`
	steps, err := gamelift.ReadScenario(strings.NewReader(scenario))
	if err != nil {
		fmt.Println(err)
		return
	}
	var out strings.Builder
	if err := gamelift.Replay(steps, &out, gamelift.ReplayOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	// Print a summary of each output line: its time and what it is.
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var l struct {
			At    json.Number
			Op    string
			Event *gamelift.Event
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return
		}
		if l.Event != nil {
			var tickets []string
			for _, t := range l.Event.Detail.Tickets {
				for _, p := range t.Players {
					tickets = append(tickets, t.TicketID+":"+p.PlayerID+"/"+p.Team)
				}
			}
			fmt.Printf("%s event %s %v\n", l.At, l.Event.Detail.Type, tickets)
			continue
		}
		fmt.Printf("%s %s\n", l.At, l.Op)
	}
	// Output:
	// 0 CreateMatchmakingRuleSet
	// 0 CreateMatchmakingConfiguration
	// 1 StartMatchmaking
	// 1 event MatchmakingSearching [t1:alice/]
	// 2 StartMatchmaking
	// 2 event MatchmakingSearching [t2:bob/]
	// 2 event PotentialMatchCreated [t1:alice/red t2:bob/blue]
	// 2 event MatchmakingSucceeded [t1:alice/red t2:bob/blue]
}
