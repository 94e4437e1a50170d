package ticket_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/matchforge/matchforge/ticket"
)

func ExampleValidatePlayers() {
	players := []ticket.Player{
		{
			PlayerID: "alice",
			PlayerAttributes: map[string]ticket.AttributeValue{
				"skill": ticket.Number(23),
				"title": ticket.String(strings.Repeat("x", 120)),
				"tags":  ticket.StringList("ranked", ""),
			},
			LatencyInMs: map[string]int{"us-east-1": 0, "us-west-2": 40},
		},
		{PlayerID: "alice"},
	}
	err := ticket.ValidatePlayers(players, ticket.PlayerRules{})
	var ve *ticket.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Printf("%s: %s\n", p.Field, p.Problem)
		}
	}
	fmt.Println(errors.Is(err, ticket.ErrInvalid))

	// A backfill request allows 199 players and needs every player's team.
	err = ticket.ValidatePlayers([]ticket.Player{{PlayerID: "bob"}},
		ticket.PlayerRules{MaxPlayers: ticket.MaxPlayersPerBackfill, RequireTeam: true})
	fmt.Println(err)
	// Output:
	// Players[0].PlayerAttributes.tags.SL[1]: is empty; it must have 1 to 100 characters
	// Players[0].PlayerAttributes.title.S: is 120 characters long; the limit is 100
	// Players[0].LatencyInMs.us-east-1: is 0; latencies must be whole milliseconds of at least 1
	// Players[1].PlayerId: "alice" repeats Players[0]; each player may appear once
	// true
	// Players[0].Team: is missing; every player of a backfill request must name its team
}

func ExampleAttributeValue_json() {
	attrs := map[string]ticket.AttributeValue{
		"skill": ticket.Number(1500),
		"mode":  ticket.String("ffa"),
		"maps":  ticket.StringList("dust", "nuke"),
		"chars": ticket.StringNumberMap(map[string]float64{"mage": 10, "elf": 2.5}),
	}
	b, err := json.Marshal(attrs)
	if err != nil {
		fmt.Println(err)
	}
	fmt.Println(string(b))

	var v ticket.AttributeValue
	if err := json.Unmarshal([]byte(`{"SDM": {"z": 1, "a": 2}}`), &v); err != nil {
		fmt.Println(err)
	}
	fmt.Println(v.Kind(), v.SDM(), v.Interface())

	// A value with two members decodes, but is invalid.
	if err := json.Unmarshal([]byte(`{"S": "a", "N": 1}`), &v); err != nil {
		fmt.Println(err)
	}
	fmt.Println(ticket.CheckValue("skill", v))
	// Output:
	// {"chars":{"SDM":{"elf":2.5,"mage":10}},"maps":{"SL":["dust","nuke"]},"mode":{"S":"ffa"},"skill":{"N":1500}}
	// SDM [{a 2} {z 1}] map[a:2 z:1]
	// skill: sets S and N; exactly one of S, N, SL and SDM is allowed
}

func ExampleSchema_Resolve() {
	defaultLevel := ticket.Number(1)
	schema, err := ticket.NewSchema([]ticket.Attr{
		{Name: "skill", Kind: ticket.KindNumber},
		{Name: "modes", Kind: ticket.KindList},
		{Name: "level", Kind: ticket.KindNumber, Default: &defaultLevel},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	party := []ticket.Player{
		{
			PlayerID: "alice",
			PlayerAttributes: map[string]ticket.AttributeValue{
				"skill": ticket.Number(10),
				"modes": ticket.StringList("duel", "ffa", "duel"),
				"level": ticket.Number(7),
			},
			LatencyInMs: map[string]int{"us-east-1": 20, "us-west-2": 90},
		},
		{
			PlayerID: "bob",
			PlayerAttributes: map[string]ticket.AttributeValue{
				"skill": ticket.Number(30),
				"modes": ticket.StringList("ffa", "ctf"),
			},
			LatencyInMs: map[string]int{"us-east-1": 60},
		},
	}
	locs := ticket.NewLocations()
	r, err := schema.Resolve(party, locs)
	if err != nil {
		fmt.Println(err)
		return
	}

	i, _ := schema.Lookup("level")
	kind, slot := schema.Slot(i)
	fmt.Println("level is", kind, "slot", slot)
	for p := range r.Players() {
		fmt.Println(r.PlayerID(p), r.Num(p, 0), r.Num(p, slot), r.List(p, 0), r.Supplied(p, i))
	}
	fmt.Printf("skill %+v\n", r.NumAgg(0))
	fmt.Println("modes in common", r.ListIntersection(0))
	east, _ := locs.Lookup("us-east-1")
	agg, ok := r.PartyLatencyAt(east)
	fmt.Println("us-east-1", ok, agg.Min, agg.Max, agg.Avg)
	west, _ := locs.Lookup("us-west-2")
	_, ok = r.PartyLatencyAt(west)
	fmt.Println("us-west-2", ok)
	// Output:
	// level is N slot 1
	// alice 10 7 [duel ffa] true
	// bob 30 1 [ctf ffa] false
	// skill {Min:10 Max:30 Avg:20}
	// modes in common [ffa]
	// us-east-1 true 20 60 40
	// us-west-2 false
}
