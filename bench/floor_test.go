package bench

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"testing"
)

// floorTicket is what the floor reads of a ticket, in one contiguous array:
// its skill, its home location (the one it reports the lowest latency to)
// and that latency.
type floorTicket struct {
	skill float64
	loc   int32
	ms    int32
}

// The default rule set's values before any expansion: SimilarSkill's
// maxDistance, FairTeams' maxDistance and LowLatency's maxLatency.
const (
	floorBatch   = 100
	floorFair    = 20
	floorLatency = 80
	floorSize    = 10
)

// floorTickets extracts the hot fields of the workload's first n tickets,
// generating them in chunks so that a million requests never sit in memory.
func floorTickets(w *Workload, n int) []floorTicket {
	out := make([]floorTicket, 0, n)
	locs := map[string]int32{}
	for from := 0; from < n; from += chunk {
		for _, r := range w.Inputs(from, min(chunk, n-from)) {
			p := r.Players[0]
			t := floorTicket{skill: p.PlayerAttributes["skill"].N(), loc: -1, ms: math.MaxInt32}
			for _, name := range slices.Sorted(func(yield func(string) bool) {
				for k := range p.LatencyInMs { // sorted: order does not matter
					if !yield(k) {
						return
					}
				}
			}) {
				id, ok := locs[name]
				if !ok {
					id = int32(len(locs))
					locs[name] = id
				}
				if ms := int32(p.LatencyInMs[name]); ms < t.ms {
					t.loc, t.ms = id, ms
				}
			}
			out = append(out, t)
		}
	}
	return out
}

// floor is the lower bound a matcher of the default ranked 5v5 rule set
// approaches: group the tickets by home location, sort each group by skill,
// and make one pass over windows of ten consecutive tickets, checking the
// three rules (skills within floorBatch, each team's average within
// floorFair of the match's with the teams dealt in a snake, every latency
// at most floorLatency). A window that passes is a match; one that fails
// moves on by one ticket. It returns the tickets matched.
func floor(ts []floorTicket, scratch []floorTicket) int {
	scratch = append(scratch[:0], ts...)
	slices.SortFunc(scratch, func(a, b floorTicket) int {
		if c := cmp.Compare(a.loc, b.loc); c != 0 {
			return c
		}
		return cmp.Compare(a.skill, b.skill)
	})
	matched := 0
	for i := 0; i+floorSize <= len(scratch); {
		win := scratch[i : i+floorSize]
		if win[0].loc != win[floorSize-1].loc || win[floorSize-1].skill-win[0].skill > floorBatch {
			i++
			continue
		}
		var red, blue float64
		ok := true
		for k, t := range win {
			if t.ms > floorLatency {
				ok = false
				break
			}
			if k%4 == 0 || k%4 == 3 { // snake: red, blue, blue, red, ...
				red += t.skill
			} else {
				blue += t.skill
			}
		}
		all := (red + blue) / floorSize
		if !ok || math.Abs(red/(floorSize/2)-all) > floorFair || math.Abs(blue/(floorSize/2)-all) > floorFair {
			i++
			continue
		}
		matched += floorSize
		i += floorSize
	}
	return matched
}

// BenchmarkFloor measures floor on the tickets of the Step/bulk benchmarks
// of the default rule set (issue 9): the targets for the bulk step are
// ratios to it, measured in the same run.
func BenchmarkFloor(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("pool=%s/ruleset=%s", sizeName(n), ranked5v5.name), func(b *testing.B) {
			skipLarge(b, n)
			ts := floorTickets(workload(b, ranked5v5), n)
			scratch := make([]floorTicket, 0, n)
			matched := 0
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				matched = floor(ts, scratch)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/ticket")
			b.ReportMetric(float64(matched)/float64(n), "matched-frac")
		})
	}
}

// The floor matches only windows that pass the rules. (Dealt in a snake,
// ten skills within 100 always give team averages within 20 of the match's,
// so FairTeams never turns a window away here.)
func TestFloorChecksTheRules(t *testing.T) {
	mk := func(skills []float64, ms int32) []floorTicket {
		var ts []floorTicket
		for _, s := range skills {
			ts = append(ts, floorTicket{skill: s, ms: ms})
		}
		return ts
	}
	even := []float64{1000, 1010, 1020, 1030, 1040, 1050, 1060, 1070, 1080, 1090}
	if got := floor(mk(even, 30), nil); got != 10 {
		t.Errorf("ten close players: matched %d; want 10", got)
	}
	if got := floor(mk(even, 81), nil); got != 0 {
		t.Errorf("latency 81 ms: matched %d; want 0", got)
	}
	wide := append(slices.Clone(even[:9]), 1101)
	if got := floor(mk(wide, 30), nil); got != 0 {
		t.Errorf("a skill spread of 101: matched %d; want 0", got)
	}
	apart := mk(even, 30)
	for i := 5; i < 10; i++ {
		apart[i].loc = 1
	}
	if got := floor(apart, nil); got != 0 {
		t.Errorf("two locations: matched %d; want 0", got)
	}
}
