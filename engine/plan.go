package engine

import (
	"math"
	"slices"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// config is a matchmaking configuration and its ticket pool.
type config struct {
	info *Configuration   // the current settings; replaced, never changed, by an update
	rs   *ruleset.RuleSet // info.RuleSet
	plan *plan

	pool        *pool.Pool[*tk]
	ev          *ruleset.Evaluator
	queued      []*tk            // QUEUED tickets, in arrival order
	dirty       *anchorQueue     // anchors to try at the next step
	deadlines   *deadlineQueue   // QUEUED and SEARCHING tickets by request deadline
	wakeups     *minHeap[*tk]    // settled anchors to retry when an expansion applies, by wakeAt
	accepting   *minHeap[*match] // matches waiting for acceptance, by deadline
	placing     *minHeap[*match] // matches waiting for placement, by deadline
	counts      [8]int           // tickets per status (statusIndex), retained ones included
	b           *builder
	large       *largeState
	rot         rotation             // the search over every waiting ticket in turn (rotate.go)
	backfillsIn int                  // backfill tickets in the pool
	ruleTotals  []uint64             // passed, failed per rule, over every evaluation
	ruleErrors  []ruleErrors         // evaluations per rule that failed with an error
	waits       [waitSamples]float64 // recent waits, seconds, for EstimatedWaitTime
	nwaits      int
}

// ruleErrors counts a rule's evaluations that could not be completed and
// keeps the last such error.
type ruleErrors struct {
	n    uint64
	last string
}

func wakeupLess(a, b *tk) bool {
	if a.wakeAt != b.wakeAt {
		return a.wakeAt < b.wakeAt
	}
	return a.seq < b.seq
}

func acceptLess(a, b *match) bool {
	if !a.deadline.Equal(b.deadline) {
		return a.deadline.Before(b.deadline)
	}
	return a.ID < b.ID
}

// plan is how a configuration's pool is indexed for its rule set: which
// number and string keys entries carry, and where candidates come from.
type plan struct {
	rs        *ruleset.RuleSet
	numBatch  []int // batch rule index per number key (-1 for an attribute key)
	numAttr   []int // schema attribute index per number key (-1 for a batch key)
	strBatch  []int // batch rule index per string key
	latency   bool  // index latency by location
	sortedKey int   // number key of the first sortByAttributes entry, or -1
	// source is the number key candidates are searched by, nearest first
	// (always key 0), or -1. With grouped, it is indexed per location and
	// latency band instead of over the whole pool: bands are the distinct
	// latency bounds the expansion schedule reaches, ascending, and a
	// ticket joins the band of each location whose bound its latency meets.
	source  int
	grouped bool
	bands   []float64

	// minPlayers is the fewest players any expansion step lets a match
	// have.
	minPlayers int

	sweep sweepPlan // whether and how a pool of fresh tickets can be swept (sweep.go)

	// The algorithm settings the hot paths read.
	byOldest bool   // expansionAgeSelection oldest
	sorted   bool   // batchingPreference sorted
	shuffles bool   // the builder shuffles its windows from the random source (orderWindow)
	priority string // backfillPriority
}

func newPlan(rs *ruleset.RuleSet) *plan {
	algo := rs.Algorithm()
	p := &plan{rs: rs, sortedKey: -1, byOldest: algo.ExpansionAgeSelection == ruleset.ExpansionAgeOldest,
		sorted: algo.BatchingPreference == ruleset.BatchSorted, priority: algo.BackfillPriority}
	for _, br := range rs.BatchRules() {
		if br.String {
			p.strBatch = append(p.strBatch, br.Rule)
		} else {
			p.numBatch = append(p.numBatch, br.Rule)
			p.numAttr = append(p.numAttr, -1)
		}
	}
	addAttr := func(ai int) int {
		if k := slices.Index(p.numAttr, ai); k >= 0 {
			return k
		}
		p.numBatch = append(p.numBatch, -1)
		p.numAttr = append(p.numAttr, ai)
		return len(p.numAttr) - 1
	}
	if rs.Algorithm().BatchingPreference == ruleset.BatchSorted && len(rs.SortByAttributes()) > 0 {
		if first := rs.SortByAttributes()[0]; rs.Schema().Attrs()[first].Kind == ticket.KindNumber {
			p.sortedKey = addAttr(first)
		}
	}
	if b := rs.BalancedAttribute(); b >= 0 {
		addAttr(b)
	}
	p.source = -1
	if len(p.numBatch) > 0 && (p.numBatch[0] >= 0 || p.sortedKey == 0) {
		p.source = 0
	}
	p.minPlayers = math.MaxInt
	for _, ph := range rs.Phases() {
		p.minPlayers = min(p.minPlayers, ph.MinPlayers())
	}
	small := rs.Class() == ruleset.Small
	if small && rs.HasLatencyRule() && p.source >= 0 {
		for _, ph := range rs.Phases() {
			if ms, ok := rs.LatencyBound(&ph); ok && !slices.Contains(p.bands, ms) {
				p.bands = append(p.bands, ms)
			}
		}
		slices.Sort(p.bands)
		p.grouped = len(p.bands) > 0
	}
	// The latency index serves the large sweep, and small rule sets with
	// no better source.
	p.latency = rs.HasLatencyRule() && (!small || (p.source < 0 && len(p.strBatch) == 0))
	// Windows from the source key's index keep its order, nearest first.
	p.shuffles = !p.sorted && (len(p.strBatch) > 0 || len(p.numBatch) == 0 || p.numBatch[0] < 0)
	if !rs.HasSortRules() && !p.sorted {
		p.sweep = newSweepPlan(rs)
	}
	return p
}

// group is the id of a location's latency band in the group index.
func (p *plan) group(loc int32, band int) int32 { return loc*int32(len(p.bands)) + int32(band) }

func (p *plan) options(noStaging bool) pool.Options {
	o := pool.Options{Strings: len(p.strBatch), Latency: p.latency, Grouped: p.grouped, NoStaging: noStaging}
	if p.rs.Class() == ruleset.Large {
		o.Strings = 0 // the sweep sorts by them; it never looks a value up
	}
	if p.source >= 0 && !p.grouped {
		o.Numbers = 1 // the source key, key 0; the others are carried, not indexed
	}
	return o
}

// keys fills an entry's keys; ok is false when the ticket can never satisfy
// a string batch rule (its party disagrees on the value).
func (p *plan) keys(e *pool.Entry[*tk], r *ticket.Resolved) bool {
	e.Nums = slices.Grow(e.Nums[:0], len(p.numBatch))[:len(p.numBatch)]
	for k := range p.numBatch {
		if p.numBatch[k] >= 0 {
			e.Nums[k] = p.rs.BatchNumber(p.numBatch[k], r)
		} else {
			e.Nums[k] = p.rs.NumberAt(p.numAttr[k], r)
		}
	}
	ok := true
	e.Strs = slices.Grow(e.Strs[:0], len(p.strBatch))[:len(p.strBatch)]
	for k, ri := range p.strBatch {
		var good bool
		e.Strs[k], good = p.rs.BatchString(ri, r)
		ok = ok && good
	}
	if p.latency {
		agg := r.PartyLatency()
		e.Lat = slices.Grow(e.Lat[:0], len(agg))[:len(agg)]
		for i, a := range agg {
			e.Lat[i] = ticket.Latency{Loc: a.Loc, Ms: a.Min}
		}
	}
	e.Groups = e.Groups[:0]
	if p.grouped {
		e.GroupKey = e.Nums[p.source]
		for _, a := range r.PartyLatency() {
			if b, _ := slices.BinarySearch(p.bands, float64(a.Min)); b < len(p.bands) {
				e.Groups = append(e.Groups, p.group(a.Loc, b))
			}
		}
	}
	return ok
}
