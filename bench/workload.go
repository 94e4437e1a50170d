package bench

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Workload builds engines and pools of tickets for one rule set and
// population: what the Go benchmarks and "matchforge bench" measure. A
// Workload is not safe for concurrent use.
type Workload struct {
	Body       string
	RuleSet    *ruleset.RuleSet
	Config     engine.Configuration
	Population Population
	Seed       uint64
	// Start is the virtual time every pool is submitted at.
	Start time.Time
	gen   *Generator
	hold  holdMethod
}

// holdMethod is how WaitingInputs keeps tickets from matching.
type holdMethod struct {
	kind     string // HoldLatency, HoldString, HoldNumber or HoldNone
	attr     string
	lo, hi   float64 // latency: the first and last bound
	distance float64 // number: the last maxDistance
}

// How WaitingInputs holds tickets back from matching.
const (
	HoldLatency = "latency"      // every latency above the first maxLatency
	HoldString  = "string-batch" // a value of a string batch attribute no one else has
	HoldNumber  = "number-batch" // a number batch value far from everyone's
	HoldNone    = "leftovers"    // no way: the waiting pool is what a bulk step leaves
)

// NewWorkload compiles body (DefaultRuleSet when empty) and prepares a
// workload with the population (nil: the default population for the
// default rule set, DerivePopulation otherwise).
func NewWorkload(body string, pop *Population, seed uint64) (*Workload, error) {
	isDefault := body == ""
	if isDefault {
		body = DefaultRuleSet()
	}
	rs, err := ruleset.Load([]byte(body))
	if err != nil {
		return nil, fmt.Errorf("rule set: %w", err)
	}
	w := &Workload{Body: body, RuleSet: rs, Seed: seed, Start: DefaultStart}
	if w.Population, w.gen, err = traffic(rs, isDefault, pop, 0, seed); err != nil {
		return nil, err
	}
	name := "bench"
	if isDefault {
		name = DefaultName
	}
	w.Config = engine.Configuration{Name: name, RuleSet: rs, RuleSetName: name, RequestTimeout: time.Duration(DefaultTimeout(rs)) * time.Second}
	w.hold = w.holdMethod()
	return w, nil
}

// Hold returns how WaitingInputs holds tickets back: HoldLatency,
// HoldString, HoldNumber or HoldNone.
func (w *Workload) Hold() string { return w.hold.kind }

func (w *Workload) holdMethod() holdMethod {
	rs := w.RuleSet
	phases := rs.Phases()
	if rs.HasLatencyRule() && len(w.Population.Locations) > 0 {
		lo, ok := rs.LatencyBound(&phases[0])
		hi, _ := rs.LatencyBound(&phases[len(phases)-1])
		if ok && !math.IsInf(lo, 1) {
			return holdMethod{kind: HoldLatency, lo: lo, hi: max(hi, lo)}
		}
	}
	attrs := rs.Schema().Attrs()
	for _, b := range rs.BatchRules() {
		if b.String {
			return holdMethod{kind: HoldString, attr: attrs[b.Attr].Name}
		}
	}
	for _, b := range rs.BatchRules() {
		d, _ := phases[len(phases)-1].MaxDistance(b.Rule)
		return holdMethod{kind: HoldNumber, attr: attrs[b.Attr].Name, distance: d}
	}
	return holdMethod{kind: HoldNone}
}

// NewEngine returns an engine holding the workload's rule set and
// configuration. Ended tickets are forgotten at the next step
// (TicketRetention 1ns), so that they do not weigh on later steps.
func (w *Workload) NewEngine() (*engine.Engine, error) {
	e, err := engine.New(engine.Config{Seed: w.Seed, TicketRetention: time.Nanosecond})
	if err != nil {
		return nil, err
	}
	if err := e.AddConfiguration(w.Start, w.Config); err != nil {
		return nil, err
	}
	return e, nil
}

// Inputs returns the StartMatchmaking inputs of tickets from, from+1, ...,
// from+n-1 of the population.
func (w *Workload) Inputs(from, n int) []engine.MatchmakingRequest {
	out := make([]engine.MatchmakingRequest, n)
	for k := range out {
		i := uint64(from + k)
		out[k] = engine.MatchmakingRequest{TicketID: TicketID(i), Configuration: w.Config.Name, Players: w.gen.Players(i)}
	}
	return out
}

// WaitingInputs returns inputs like Inputs whose tickets cannot match at
// the first expansion step, to fill a pool that stays full while new
// tickets arrive (see Hold): with a latency rule, every latency is above
// the first maxLatency (and at most the last); else a string batch
// attribute gets a value of its own; else a number batch attribute gets a
// value far from the population's. Their other attributes are the
// population's, so they sit in the same indexes as the tickets that do
// match. With HoldNone they are plain Inputs.
func (w *Workload) WaitingInputs(from, n int) []engine.MatchmakingRequest {
	out := w.Inputs(from, n)
	r := rand.New(rand.NewPCG(w.Seed, 0x77616974))
	h := w.hold
	for k := range out {
		ps := out[k].Players
		switch h.kind {
		case HoldLatency:
			lo := int(math.Floor(h.lo)) + 1
			span := max(1, int(math.Floor(h.hi))-lo+1)
			for p := range ps {
				for _, l := range w.Population.Locations { // in order: never draw while ranging over a map
					ps[p].LatencyInMs[l.Name] = lo + r.IntN(span)
				}
			}
		case HoldString:
			v := ticket.String("w" + strconv.Itoa(from+k))
			for p := range ps {
				setAttr(&ps[p], h.attr, v)
			}
		case HoldNumber:
			v := ticket.Number(1e9 + float64(from+k)*(2*h.distance+1))
			for p := range ps {
				setAttr(&ps[p], h.attr, v)
			}
		}
	}
	return out
}

func setAttr(p *ticket.Player, name string, v ticket.AttributeValue) {
	if p.PlayerAttributes == nil {
		p.PlayerAttributes = map[string]ticket.AttributeValue{}
	}
	p.PlayerAttributes[name] = v
}

// Submit sends inputs at time at and returns the wall time the engine took.
func (w *Workload) Submit(e *engine.Engine, at time.Time, inputs []engine.MatchmakingRequest) (time.Duration, error) {
	t0 := time.Now()
	for i := range inputs {
		if _, err := e.StartMatchmaking(at, inputs[i]); err != nil {
			return 0, fmt.Errorf("ticket %s: the engine refused StartMatchmaking: %w", inputs[i].TicketID, err)
		}
	}
	return time.Since(t0), nil
}

// Resolved resolves inputs against the rule set's schema, for the oracle.
func (w *Workload) Resolved(inputs []engine.MatchmakingRequest, locs *ticket.Locations) ([]*ticket.Resolved, error) {
	out := make([]*ticket.Resolved, len(inputs))
	for i := range inputs {
		r, err := w.RuleSet.Schema().Resolve(inputs[i].Players, locs)
		if err != nil {
			return nil, fmt.Errorf("ticket %s: %w", inputs[i].TicketID, err)
		}
		out[i] = r
	}
	return out, nil
}

// Matched counts the matches and matched tickets among events: those of
// PotentialMatchCreated events (every new match emits one).
func Matched(events []engine.Event) (matches, tickets int) {
	for i := range events {
		if events[i].Kind == engine.EventPotentialMatchCreated {
			matches++
			tickets += len(events[i].Tickets)
		}
	}
	return matches, tickets
}

// PoolMeasurement is what Measure finds for one pool size.
type PoolMeasurement struct {
	Pool int `json:"pool"`
	// SubmitSeconds is the wall time of StartMatchmaking for the whole
	// pool into an empty configuration.
	SubmitSeconds   float64 `json:"submit_seconds"`
	SubmitPerSecond float64 `json:"submit_per_second"`
	// BulkStepSeconds is the wall time of the first Step after the
	// submission: it moves every ticket to SEARCHING and forms every match
	// it can. BulkMatchedTickets and BulkMatches count what it formed.
	BulkStepSeconds    float64 `json:"bulk_step_seconds"`
	BulkMatchedTickets int     `json:"bulk_matched_tickets"`
	BulkMatches        int     `json:"bulk_matches"`
	// SteadyStepSeconds is the median wall time of a Step with SteadyPool
	// tickets waiting (held back as SteadyHold says) and SteadyNew new
	// tickets from the population, over SteadySteps steps;
	// SteadyMatchedTickets is the mean of new-and-waiting tickets matched
	// per step.
	SteadyStepSeconds    float64 `json:"steady_step_seconds"`
	SteadyStepMaxSeconds float64 `json:"steady_step_max_seconds"`
	SteadyPool           int     `json:"steady_pool"`
	SteadyNew            int     `json:"steady_new"`
	SteadySteps          int     `json:"steady_steps"`
	SteadyMatchedTickets float64 `json:"steady_matched_tickets"`
	SteadyHold           string  `json:"steady_hold"`
	// SettleStepSeconds is the wall time of the two steps that first
	// search the waiting pool and then settle it into the pool's trees.
	SettleStepSeconds float64 `json:"settle_step_seconds"`
	// HeapBytesPerTicket is the growth of HeapInuse (after a forced GC)
	// from the empty configuration to the settled waiting pool, per
	// waiting ticket.
	HeapBytesPerTicket float64 `json:"heap_bytes_per_ticket"`
}

// SteadySteps is how many steady steps Measure times.
const SteadySteps = 15

// chunk bounds how many inputs are generated at once, so that a pool of
// millions does not hold every request in memory.
const chunk = 20000

// Measure measures one pool size: submission and a bulk step over fresh
// tickets, then a steady step with a full waiting pool and a trickle of
// new tickets (pool/100, at least 1).
func (w *Workload) Measure(pool int) (PoolMeasurement, error) {
	m := PoolMeasurement{Pool: pool, SteadyHold: w.hold.kind, SteadySteps: SteadySteps}
	if pool < 1 {
		return m, errors.New("bench: the pool must hold at least one ticket")
	}
	if err := w.measureBulk(&m); err != nil {
		return m, err
	}
	return m, w.measureSteady(&m)
}

// measureBulk submits the pool into an empty configuration and times the
// first step.
func (w *Workload) measureBulk(m *PoolMeasurement) error {
	pool := m.Pool
	e, err := w.NewEngine()
	if err != nil {
		return err
	}
	var submit time.Duration
	for from := 0; from < pool; from += chunk {
		in := w.Inputs(from, min(chunk, pool-from))
		runtime.GC()
		d, err := w.Submit(e, w.Start, in)
		if err != nil {
			return err
		}
		submit += d
	}
	m.SubmitSeconds = submit.Seconds()
	m.SubmitPerSecond = float64(pool) / m.SubmitSeconds
	runtime.GC()
	t0 := time.Now()
	events := e.Step(w.Start)
	m.BulkStepSeconds = time.Since(t0).Seconds()
	m.BulkMatches, m.BulkMatchedTickets = Matched(events)
	return nil
}

// measureSteady fills a configuration with a waiting pool, lets a step
// search it, and times steps that each bring a trickle of new tickets.
func (w *Workload) measureSteady(m *PoolMeasurement) error {
	pool := m.Pool
	e, err := w.NewEngine()
	if err != nil {
		return err
	}
	base := heapInUse()
	for from := 0; from < pool; from += chunk {
		if _, err := w.Submit(e, w.Start, w.WaitingInputs(from, min(chunk, pool-from))); err != nil {
			return err
		}
	}
	runtime.GC()
	t0 := time.Now()
	e.Step(w.Start) // searches the pool: none of it can match yet
	e.Step(w.Start) // and moves it from staging into the trees (pool.Settle)
	m.SettleStepSeconds = time.Since(t0).Seconds()
	m.SteadyPool = e.Pending()
	if heap := heapInUse(); m.SteadyPool > 0 {
		m.HeapBytesPerTicket = float64(int64(heap)-int64(base)) / float64(m.SteadyPool)
	}
	m.SteadyNew = max(1, pool/100)
	next := pool
	var times []float64
	matched := 0
	for k := range SteadySteps {
		at := w.Start.Add(time.Duration(k+1) * 10 * time.Millisecond)
		in := w.Inputs(next, m.SteadyNew)
		next += m.SteadyNew
		if _, err := w.Submit(e, at, in); err != nil {
			return err
		}
		runtime.GC()
		t0 := time.Now()
		events := e.Step(at)
		times = append(times, time.Since(t0).Seconds())
		_, n := Matched(events)
		matched += n
	}
	slices.Sort(times)
	m.SteadyStepSeconds = times[len(times)/2]
	m.SteadyStepMaxSeconds = times[len(times)-1]
	m.SteadyMatchedTickets = float64(matched) / SteadySteps
	return nil
}

// heapInUse returns runtime.MemStats.HeapInuse after a forced GC.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}
