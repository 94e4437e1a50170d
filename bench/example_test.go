package bench_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/matchforge/matchforge/bench"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Simulate ten virtual minutes of the default ranked 5v5 rule set at 600
// tickets a minute. The counts of tickets are fixed by the seed; how many
// match depends on the engine, so this example prints only what the rule
// set guarantees.
func ExampleSimulate() {
	pop := bench.DefaultPopulation()
	pop.Arrivals.RatePerMinute = 600
	r, err := bench.Simulate(context.Background(), bench.Options{Population: &pop, Duration: 10 * time.Minute, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("tickets:", r.Tickets)
	fmt.Println("every ticket ended:", r.Matched+r.TimedOut+r.Cancelled == r.Tickets)
	fmt.Println("matches of 10 players:", r.MatchesBySize[10] == r.Matches)
	fmt.Println("most matched:", r.MatchedFraction > 0.9)
	// Output:
	// tickets: 6067
	// every ticket ended: true
	// matches of 10 players: true
	// most matched: true
}

// Population files are JSON; each problem names its line and column, the
// field, what is wrong and the limit, one problem per line.
func ExampleDecodePopulation() {
	_, err := bench.DecodePopulation(strings.NewReader(`{
  "arrivals": {"process": "daily", "ratePerMinute": 0},
  "attributes": {"skill": {"type": "number", "dist": "normal", "mean": 1500, "sd": -1}}
}`))
	fmt.Println(err)
	_, err = bench.DecodePopulation(strings.NewReader(`{"arrivals": {"ratePerMinute": 60, "peakhour": 20}}`))
	fmt.Println(err)
	// Output:
	// invalid population, 2 problems:
	//   line 2, column 53: arrivals.ratePerMinute: is 0; it must be more than 0 tickets per minute
	//   line 3, column 84: attributes.skill.sd: is -1; a standard deviation must be at least 0
	// invalid population: line 1, column 36: arrivals.peakhour: unknown field (did you mean "peakHour"?); the accepted fields are process, ratePerMinute, peakHour, peakToTrough
}

// A generator draws any ticket's players from the seed and the ticket's
// number alone.
func ExampleGenerator() {
	g, err := bench.NewGenerator(bench.Population{
		Arrivals: bench.Arrivals{RatePerMinute: 60},
		Parties:  []bench.Party{{Size: 1, Weight: 1}, {Size: 2, Weight: 1}},
		Attributes: map[string]bench.Attribute{
			"skill": {Type: bench.TypeNumber, NumberDist: bench.NumberDist{Mean: 1500, SD: 300, Round: true}},
			"map":   {Type: bench.TypeString, Values: []bench.Choice{bench.Str("dust", 3), bench.Str("nuke", 1)}, Shared: true},
		},
		Locations: []bench.Location{{Name: "us-east-1"}, {Name: "eu-west-1"}},
	}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range uint64(3) {
		for _, p := range g.Players(i) {
			fmt.Printf("%s %s skill=%v map=%s us-east-1=%dms eu-west-1=%dms\n", bench.TicketID(i), p.PlayerID,
				p.PlayerAttributes["skill"].N(), p.PlayerAttributes["map"].S(), p.LatencyInMs["us-east-1"], p.LatencyInMs["eu-west-1"])
		}
	}
	// Output:
	// t0 p0-0 skill=1001 map=dust us-east-1=48ms eu-west-1=103ms
	// t1 p1-0 skill=1691 map=dust us-east-1=135ms eu-west-1=22ms
	// t1 p1-1 skill=1030 map=dust us-east-1=97ms eu-west-1=24ms
	// t2 p2-0 skill=1652 map=nuke us-east-1=44ms eu-west-1=99ms
}

// DerivePopulation reads a rule set's attributes, teams and rules.
func ExampleDerivePopulation() {
	rs := ruleset.MustLoad([]byte(`{
		"ruleLanguageVersion": "1.0",
		"playerAttributes": [{"name": "skill", "type": "number"}, {"name": "map", "type": "string"}],
		"teams": [{"name": "red", "minPlayers": 3, "maxPlayers": 3}, {"name": "blue", "minPlayers": 3, "maxPlayers": 3}],
		"rules": [
			{"name": "close", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 50},
			{"name": "sameMap", "type": "batchDistance", "batchAttribute": "map"},
			{"name": "fast", "type": "latency", "maxLatency": 100}
		]}`))
	p := bench.DerivePopulation(rs)
	s := p.Attributes["skill"]
	fmt.Printf("skill ~ N(%v, %v)\n", s.Mean, s.SD)
	m := p.Attributes["map"]
	fmt.Printf("map: %d values, shared by a party: %v\n", len(m.Values), m.Shared)
	fmt.Printf("latency: near ~ N(%v, %v) ms at home in one of %d locations\n", p.Latency.Near.Mean, p.Latency.Near.SD, len(p.Locations))
	fmt.Printf("rate: %v tickets a minute\n", p.Arrivals.RatePerMinute)
	// Output:
	// skill ~ N(500, 50)
	// map: 2 values, shared by a party: true
	// latency: near ~ N(50, 20) ms at home in one of 4 locations
	// rate: 1440 tickets a minute
}

// The daily curve averages ratePerMinute over the day.
func ExampleArrivals_RateAt() {
	a := bench.Arrivals{Process: bench.ProcessDaily, RatePerMinute: 1000, PeakHour: bench.F(20), PeakToTrough: 4}
	for _, h := range []int{8, 14, 20} {
		fmt.Printf("%02d:00 %4.0f tickets a minute\n", h, a.RateAt(bench.DefaultStart.Add(time.Duration(h)*time.Hour)))
	}
	// Output:
	// 08:00  400 tickets a minute
	// 14:00 1000 tickets a minute
	// 20:00 1600 tickets a minute
}

// The oracle is the brute-force baseline: every anchor scans the whole
// pool.
func ExampleOracle() {
	w, err := bench.NewWorkload("", nil, 1) // the default rule set and population
	if err != nil {
		fmt.Println(err)
		return
	}
	locs := ticket.NewLocations()
	tickets, err := w.Resolved(w.Inputs(0, 500), locs)
	if err != nil {
		fmt.Println(err)
		return
	}
	o, err := bench.NewOracle(w.RuleSet, locs)
	if err != nil {
		fmt.Println(err)
		return
	}
	res := o.Match(tickets, 0)
	fmt.Println("matches:", len(res.Matches), "tickets matched:", res.MatchedTickets)
	// Output:
	// matches: 34 tickets matched: 340
}
