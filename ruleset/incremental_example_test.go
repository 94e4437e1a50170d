package ruleset_test

import (
	"fmt"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// incExampleBody is a ranked 5v5: skills within 100 of each other, team
// averages within 20 of the match average, and 80 ms at most.
const incExampleBody = `{
	"ruleLanguageVersion": "1.0",
	"playerAttributes": [{"name": "skill", "type": "number", "default": 1500}],
	"teams": [{"name": "red", "minPlayers": 5, "maxPlayers": 5}, {"name": "blue", "minPlayers": 5, "maxPlayers": 5}],
	"rules": [
		{"name": "SimilarSkill", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 100},
		{"name": "FairTeams", "type": "distance", "measurements": ["avg(teams[*].players.attributes[skill])"],
		 "referenceValue": "avg(flatten(teams[*].players.attributes[skill]))", "maxDistance": 20},
		{"name": "LowLatency", "type": "latency", "maxLatency": 80}
	]
}`

// Build a candidate one ticket at a time, as a matcher does: push a ticket,
// check the candidate in Partial mode, and pop the ticket when it fails.
// Each push and check costs O(rules), however many players the candidate
// holds.
func ExampleIncremental() {
	rs := ruleset.MustLoad([]byte(incExampleBody))
	locs := ticket.NewLocations()
	inc := rs.NewIncremental(locs)
	fmt.Println("supported:", inc.Supported())

	resolve := func(id string, skill float64, ms int) *ticket.Resolved {
		r, err := rs.Schema().Resolve([]ticket.Player{{
			PlayerID:         id,
			PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(skill)},
			LatencyInMs:      map[string]int{"us-east-1": ms},
		}}, locs)
		if err != nil {
			panic(err)
		}
		return r
	}
	v := rs.At(0)
	try := func(r *ticket.Resolved, team int) {
		inc.Add(r, team)
		if inc.Evaluate(v, ruleset.Partial) {
			fmt.Printf("%s joins %s: %d tickets\n", r.PlayerID(0), rs.Teams()[team].Name, inc.Len())
			return
		}
		for i, res := range inc.Results() {
			if res == ruleset.Failed {
				fmt.Printf("%s fails %s; popped\n", r.PlayerID(0), rs.Rules()[i].Name)
			}
		}
		inc.Pop()
	}
	try(resolve("ana", 1500, 30), 0)
	try(resolve("ben", 1520, 40), 1)
	try(resolve("cy", 1650, 35), 0)   // 150 above ana
	try(resolve("dee", 1490, 120), 0) // too far from us-east-1
	try(resolve("eve", 1480, 60), 0)
	// Output:
	// supported: true
	// ana joins red: 1 tickets
	// ben joins blue: 2 tickets
	// cy fails SimilarSkill; popped
	// dee fails LowLatency; popped
	// eve joins red: 3 tickets
}
