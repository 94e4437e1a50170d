package bench

// The engine's benchmarks, named by what they measure, pool size and rule
// set. Every benchmark builds its pool outside the timer. Run them with
//
//	go test ./bench -run '^$' -bench . -benchmem
//
// and the million-ticket pool (skipped with -short) alone with
//
//	go test ./bench -run '^$' -bench 'Step/bulk/pool=1m' -benchtime 3x
//
// Custom metrics: ns/ticket and ns/match divide the timed work by the
// tickets it handled and the matches it formed; matched-frac is the share
// of the step's tickets that matched; tickets/s is submissions a second;
// heapB/waiting is HeapInuse growth per waiting ticket.

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// benchCase is a rule set the benchmarks run on.
type benchCase struct {
	name    string // as the benchmark names it
	example string // published example file, or "" for the default
	body    string // a rule set of the benchmarks' own, with the default population
}

var (
	ranked5v5 = benchCase{name: DefaultName}
	// The small and the large example the bulk benchmarks also run.
	ex03 = benchCase{name: "ex03", example: "ex03-three-team-game"}
	ex09 = benchCase{name: "ex09", example: "ex09-large-batch-distance"}
	// The default rule set without its batchDistance rule (issue 9): only
	// the fairness and latency rules say which players may meet.
	fair5v5 = benchCase{name: "fair5v5", body: fair5v5Body}
)

const fair5v5Body = `{
  "name": "fair5v5",
  "ruleLanguageVersion": "1.0",
  "playerAttributes": [{"name": "skill", "type": "number", "default": 1500}],
  "teams": [{"name": "red", "minPlayers": 5, "maxPlayers": 5}, {"name": "blue", "minPlayers": 5, "maxPlayers": 5}],
  "rules": [{
    "name": "FairTeams", "type": "distance",
    "measurements": ["avg(teams[*].players.attributes[skill])"],
    "referenceValue": "avg(flatten(teams[*].players.attributes[skill]))",
    "maxDistance": 20
  }, {"name": "LowLatency", "type": "latency", "maxLatency": 80}],
  "expansions": [{"target": "rules[LowLatency].maxLatency", "steps": [{"waitTimeSeconds": 15, "value": 120}, {"waitTimeSeconds": 40, "value": 200}]}]
}`

var (
	workloadsMu sync.Mutex
	workloads   = map[string]*Workload{}
)

// workload returns the benchmark workload of a rule set (with its shipped
// population), built once.
func workload(b testing.TB, c benchCase) *Workload {
	b.Helper()
	workloadsMu.Lock()
	defer workloadsMu.Unlock()
	if w, ok := workloads[c.name]; ok {
		return w
	}
	body := c.body
	var pop *Population
	if c.example != "" {
		body = exampleBody(b, c.example)
		p, err := ExamplePopulation(c.example)
		if err != nil {
			b.Fatal(err)
		}
		pop = &p
	}
	w, err := NewWorkload(body, pop, 1)
	if err != nil {
		b.Fatal(err)
	}
	workloads[c.name] = w
	return w
}

func sizeName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dm", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

func skipLarge(b *testing.B, n int) {
	if n >= 1_000_000 && testing.Short() {
		b.Skip("the million-ticket pool is skipped with -short")
	}
}

func newEngine(b testing.TB, w *Workload) *engine.Engine {
	e, err := w.NewEngine()
	if err != nil {
		b.Fatal(err)
	}
	return e
}

func submit(b testing.TB, w *Workload, e *engine.Engine, at time.Time, in []engine.MatchmakingRequest) {
	if _, err := w.Submit(e, at, in); err != nil {
		b.Fatal(err)
	}
}

// newOracle resolves inputs in a new location table and returns them with
// the table and an oracle for the workload's rule set.
func newOracle(b testing.TB, w *Workload, in []engine.MatchmakingRequest) ([]*ticket.Resolved, *ticket.Locations, *Oracle) {
	b.Helper()
	locs := ticket.NewLocations()
	tickets, err := w.Resolved(in, locs)
	if err != nil {
		b.Fatal(err)
	}
	o, err := NewOracle(w.RuleSet, locs)
	if err != nil {
		b.Fatal(err)
	}
	return tickets, locs, o
}

// timedStep times a step at at with the timer running, and counts the
// matches and matched tickets of its events with the timer stopped.
func timedStep(b *testing.B, e *engine.Engine, at time.Time) (matches, tickets int) {
	b.StartTimer()
	events := e.Step(at)
	b.StopTimer()
	matches, tickets = Matched(events)
	b.StartTimer()
	return matches, tickets
}

// BenchmarkStartMatchmaking submits a pool of fresh single-player tickets
// into an empty configuration (target: 500,000 tickets a second into a
// pool of 100,000).
func BenchmarkStartMatchmaking(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("pool=%s/ruleset=%s", sizeName(n), ranked5v5.name), func(b *testing.B) {
			w := workload(b, ranked5v5)
			in := w.Inputs(0, n)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				e := newEngine(b, w)
				runtime.GC()
				b.StartTimer()
				submit(b, w, e, w.Start, in)
			}
			perTicket := float64(b.Elapsed().Nanoseconds()) / float64(b.N*n)
			b.ReportMetric(perTicket, "ns/ticket")
			b.ReportMetric(1e9/perTicket, "tickets/s")
		})
	}
}

// BenchmarkStep measures Engine.Step.
//
// bulk: one step over a pool of fresh tickets, which moves them all to
// SEARCHING and forms every match it can (targets for ranked5v5: at least
// 99% matched at 100k in under 100 ms; 1m in under 1.5 s and at most 12
// times the 100k figure).
//
// steady: a step with 100,000 tickets waiting (held back from matching,
// see Workload.WaitingInputs, within 1% of that size) and 1,000 new ones
// (target: under 5 ms; heap under 1 KiB per waiting ticket).
func BenchmarkStep(b *testing.B) {
	for _, c := range []struct {
		bc benchCase
		n  int
	}{
		{ranked5v5, 1_000}, {ranked5v5, 10_000}, {ranked5v5, 100_000}, {ranked5v5, 1_000_000},
		{fair5v5, 100_000},
		{ex03, 10_000}, {ex09, 10_000},
		// Issue 4: a step over 100,000 tickets with example 9's rule set
		// (large matches of 100v100) must stay well under a second.
		{ex09, 100_000},
	} {
		b.Run(fmt.Sprintf("bulk/pool=%s/ruleset=%s", sizeName(c.n), c.bc.name), func(b *testing.B) {
			skipLarge(b, c.n)
			// The default rule set and its fairness-only variant are
			// measured against the floor on the same tickets, each run
			// of it right after a step, so that the ratio the targets
			// set (x-floor) compares two figures of the same moment.
			floored := c.bc == ranked5v5 || c.bc == fair5v5
			benchBulk(b, workload(b, c.bc), c.n, floored)
		})
	}
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("steady/pool=%s/ruleset=%s", sizeName(n), ranked5v5.name), func(b *testing.B) {
			benchSteady(b, workload(b, ranked5v5), n, n/100)
		})
	}
}

func benchBulk(b *testing.B, w *Workload, n int, floored bool) {
	// Inputs are made once; for a pool of a million the engine is filled
	// in chunks so that the requests never all sit in memory.
	var in []engine.MatchmakingRequest
	if n <= 100_000 {
		in = w.Inputs(0, n)
	}
	var ft, scratch []floorTicket
	var floorTime time.Duration
	if floored {
		ft = cachedFloorTickets(w, n)
		scratch = make([]floorTicket, 0, n)
	}
	matches, matched := 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		e := newEngine(b, w)
		if in != nil {
			submit(b, w, e, w.Start, in)
		} else {
			for from := 0; from < n; from += chunk {
				submit(b, w, e, w.Start, w.Inputs(from, min(chunk, n-from)))
			}
		}
		runtime.GC()
		m, t := timedStep(b, e, w.Start)
		matches, matched = matches+m, matched+t
		if floored {
			b.StopTimer()
			e = nil
			runtime.GC()
			t0 := time.Now()
			floor(ft, scratch)
			floorTime += time.Since(t0)
		}
	}
	reportStep(b, n*b.N, matches, matched)
	if floored {
		b.ReportMetric(float64(floorTime.Nanoseconds())/float64(b.N), "floor-ns/op")
		b.ReportMetric(float64(b.Elapsed())/float64(floorTime), "x-floor")
	}
}

// floorTickets of a workload's first n tickets, made once per process.
var (
	floorMu    sync.Mutex
	floorCache = map[floorKey][]floorTicket{}
)

type floorKey struct {
	w *Workload
	n int
}

func cachedFloorTickets(w *Workload, n int) []floorTicket {
	floorMu.Lock()
	defer floorMu.Unlock()
	k := floorKey{w, n}
	if ft, ok := floorCache[k]; ok {
		return ft
	}
	ft := floorTickets(w, n)
	floorCache[k] = ft
	return ft
}

func reportStep(b *testing.B, tickets, matches, matched int) {
	ns := float64(b.Elapsed().Nanoseconds())
	b.ReportMetric(ns/float64(tickets), "ns/ticket")
	if matches > 0 {
		b.ReportMetric(ns/float64(matches), "ns/match")
	}
	b.ReportMetric(float64(matched)/float64(tickets), "matched-frac")
}

func benchSteady(b *testing.B, w *Workload, pool, arrivals int) {
	var e *engine.Engine
	var heap float64
	next, k := pool, 0
	fill := func() {
		e = nil
		base := heapInUse()
		e = newEngine(b, w)
		for from := 0; from < pool; from += chunk {
			submit(b, w, e, w.Start, w.WaitingInputs(from, min(chunk, pool-from)))
		}
		e.Step(w.Start) // searches the pool once: none of it can match
		e.Step(w.Start) // and settles it into the trees (see pool.Settle)
		heap = float64(int64(heapInUse())-int64(base)) / float64(e.Pending())
		k = 0
	}
	fill()
	matches, matched := 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		// Steps 1 ms of virtual time apart stay clear of the first
		// expansion (10 s), when the held-back tickets would wake up.
		// The new tickets a step leaves unmatched stay, and over many
		// steps they would grow the pool past its nominal size: refill
		// once they reach 1% of it.
		if k == 5000 || e.Pending() > pool+pool/100 {
			fill()
		}
		k++
		at := w.Start.Add(time.Duration(k) * time.Millisecond)
		submit(b, w, e, at, w.Inputs(next, arrivals))
		next += arrivals
		m, t := timedStep(b, e, at)
		matches, matched = matches+m, matched+t
	}
	reportStep(b, arrivals*b.N, matches, matched)
	b.ReportMetric(heap, "heapB/waiting")
}

// BenchmarkOracle runs the brute-force matcher over the same fresh pool as
// BenchmarkStep/bulk (target: the engine at least 100 times faster at 10k).
func BenchmarkOracle(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("pool=%s/ruleset=%s", sizeName(n), ranked5v5.name), func(b *testing.B) {
			w := workload(b, ranked5v5)
			tickets, _, o := newOracle(b, w, w.Inputs(0, n))
			matches, matched := 0, 0
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				res := o.Match(tickets, 0)
				matches, matched = matches+len(res.Matches), matched+res.MatchedTickets
			}
			reportStep(b, n*b.N, matches, matched)
		})
	}
}

// BenchmarkEvaluate evaluates the default rule set on a complete 5v5
// candidate (Final, every rule) and on a partial one of two players.
func BenchmarkEvaluate(b *testing.B) {
	w := workload(b, ranked5v5)
	tickets, locs, o := newOracle(b, w, w.Inputs(0, 2000))
	res := o.Match(tickets, 0)
	if len(res.Matches) == 0 {
		b.Fatal("no match to evaluate")
	}
	m := res.Matches[0]
	var full, partial ruleset.Candidate
	for j, i := range m.Tickets {
		full.Add(tickets[i], m.Teams[j])
		if j < 2 {
			partial.Add(tickets[i], m.Teams[j])
		}
	}
	v := w.RuleSet.At(0)
	for _, c := range []struct {
		name string
		cand *ruleset.Candidate
		mode ruleset.Mode
	}{{"final", &full, ruleset.Final}, {"partial", &partial, ruleset.Partial}} {
		b.Run(fmt.Sprintf("mode=%s/ruleset=%s", c.name, ranked5v5.name), func(b *testing.B) {
			ev := w.RuleSet.NewEvaluator(locs)
			if !ev.Evaluate(c.cand, v, c.mode) {
				b.Fatalf("the candidate fails: %v", ev.Results())
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				ev.Evaluate(c.cand, v, c.mode)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*c.cand.Players()), "ns/ticket")
			if c.mode == ruleset.Final {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/match")
			}
		})
	}
}

// BenchmarkSimulate runs the default simulation for ten virtual minutes
// (30,000 tickets) per iteration.
func BenchmarkSimulate(b *testing.B) {
	b.Run("duration=10m/ruleset="+ranked5v5.name, func(b *testing.B) {
		tickets, matches, matched := 0, 0, 0
		b.ReportAllocs()
		for i := range b.N {
			r, err := Simulate(context.Background(), Options{Duration: 10 * time.Minute, Seed: uint64(i)})
			if err != nil {
				b.Fatal(err)
			}
			tickets, matches, matched = tickets+r.Tickets, matches+r.Matches, matched+r.Matched
		}
		reportStep(b, tickets, matches, matched)
	})
}
