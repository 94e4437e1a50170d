package engine

import "time"

// The engine's tuning constants, in one place. None of them changes which
// matches are valid (every match passes every rule, D7); they bound how
// hard the engine looks for one, and so the cost of a step. The matcher
// tests and benchmarks (match quality, the state machine, the bulk and
// steady steps) are what they were chosen against.

// Defaults of Config.
const (
	// defaultRetention is how long an ended ticket stays describable.
	defaultRetention = time.Hour
	// defaultBudget is Config.SearchBudget's default: the candidates one
	// match attempt around one anchor examines.
	defaultBudget = 256
)

// The small-match builder (build.go).
const (
	// neighbourhood is how many of a changed ticket's neighbours in the
	// source index anchorsFor considers as anchors for it: the oldest
	// ticket near a newcomer may match thanks to it.
	neighbourhood = 16
	// reachWindow is how many of a changed ticket's neighbours anchorsFor
	// collects to tell whether any match with it can reach its smallest
	// size, before any anchor is built for it.
	reachWindow = 64
	// viewMax is the largest pool whose whole sorted array (pool.NearestAll)
	// a collection may read instead of overlapping groups: the array is
	// sorted again in each step that brings arrivals.
	viewMax = 4096
	// deferredChecks bounds the final checks spent on a candidate completed
	// with deferred tickets (those the partial checks turned away) before
	// falling back to the candidate without them.
	deferredChecks = 24
	// repackNodes bounds the placements one repack (moving members between
	// teams to make room for a party) tries.
	repackNodes = 512
	// repairBudget bounds the full evaluations spent repairing one complete
	// candidate that failed its final check (swaps and drops).
	repairBudget = 96
	// reassignNodes bounds the placements one reassign (a search over team
	// assignments of a failing candidate) tries; reassignChecks bounds the
	// final checks it spends in each round of finish.
	reassignNodes  = 4096
	reassignChecks = 16
)

// The sorted sweep (sweep.go).
const (
	// sweepMin is the fewest fresh tickets a step sweeps: below it, the
	// anchored search costs no more.
	sweepMin = 256
	// sweepSkips is how many parties too large for what is left of a run
	// the sweep passes over before it gives the run up.
	sweepSkips = 4
)

// The rotation (rotate.go).
const (
	// rotationWindow is how many candidates the rotation's search around an
	// anchor considers, nearest first.
	rotationWindow = 64
	// rotationGrowth bounds the doublings of an anchor's allowance in a
	// pool that stopped changing: SearchBudget << rotationGrowth units.
	rotationGrowth = 16
)

// Tolerances of floating-point comparisons. Rule evaluation compares exact
// values; these only keep the search from discarding what evaluation would
// accept because of rounding in sums.
const (
	// distanceSlack widens the windows of batchDistance values that the
	// candidate search and the large-match sweep scan, so that a value
	// exactly maxDistance away is not missed for a rounding error.
	distanceSlack = 1e-9
	// spreadSlack is the smallest improvement of a balanced spread (the
	// largest minus the smallest team average) that counts as one.
	spreadSlack = 1e-9
	// swapSlack is the smallest improvement of a swap's gap, in the
	// balancer's search for the best swap.
	swapSlack = 1e-12
)

// Bookkeeping.
const (
	// waitSamples is how many recent waits the wait estimate averages;
	// fewer than minWaitSamples gives no estimate (D18).
	waitSamples    = 50
	minWaitSamples = 5
	// refChunk is how many ticket references the engine allocates at a
	// time for events' ticket lists. A chunk is never reused: events that
	// point into it may still be held.
	refChunk = 4096
	// fifoReuse is how many popped entries a queue's FIFO (queues.go)
	// accumulates before it may move its live entries to the front
	// instead of growing.
	fifoReuse = 1024
)
