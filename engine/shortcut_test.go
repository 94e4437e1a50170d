package engine

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// The shortcuts that only spare work (issue 9) change no match: with
// spreadFails, the skip of an anchor tried earlier in the same step and
// candidates from the whole pool's sorted array, and with all three off
// (builder.plain), the same arrivals give the same matches,
// teams, locations and statuses. A steady trickle of arrivals into a pool
// that keeps a backlog makes most anchors the older neighbour of several
// arrivals of one step, with expansions, parties and repairs. Without a
// batchDistance rule (fair) the windows are shuffled and no shortcut
// applies.
func TestShortcutsChangeNoMatch(t *testing.T) {
	for _, c := range []struct {
		name, body string
		spares     bool
	}{{"ranked", sweepRanked(t), true}, {"fair", sweepFair, false}} {
		t.Run(c.name, func(t *testing.T) {
			run := func(plain bool) (string, uint64) {
				l := newLgEnvSeed(t, c.body, Configuration{RequestTimeout: time.Minute}, 5)
				cfg := l.e.configs[l.cfg]
				cfg.builder(l.e).plain = plain
				out := trickle(l, rand.New(rand.NewPCG(5, 9)), 120, 12, false)
				var evals uint64
				for _, n := range cfg.ruleTotals {
					evals += n
				}
				return out, evals
			}
			with, cheap := run(false)
			without, full := run(true)
			if with != without {
				t.Fatalf("the shortcuts changed the outcome:\n%s", firstDiff(with, without))
			}
			if n := strings.Count(with, "\n"); n < 500 {
				t.Fatalf("only %d lines of outcome: the test proves little", n)
			}
			if spared := cheap < full; spared != c.spares || cheap > full {
				t.Fatalf("rule evaluations: %d with the shortcuts, %d without; want them spared: %v", cheap, full, c.spares)
			}
			t.Logf("rule evaluations charged: %d with the shortcuts, %d without", cheap, full)
		})
	}
}

// mostInWindow agrees with a search over every subset of the candidates:
// the most players of a subset whose values, with the members' range
// [mlo, mhi], spread at most d.
func TestMostInWindowAgreesWithSubsets(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(0, 10).Draw(rt, "n")
		d := float64(rapid.IntRange(0, 20).Draw(rt, "d"))
		mlo := float64(rapid.IntRange(-20, 20).Draw(rt, "mlo"))
		mhi := mlo + float64(rapid.IntRange(0, 25).Draw(rt, "width"))
		vs := make([]reachItem, n)
		for i := range vs {
			vs[i] = reachItem{float64(rapid.IntRange(-40, 40).Draw(rt, "v")), rapid.IntRange(1, 3).Draw(rt, "players")}
		}
		want := 0
		for set := range 1 << n {
			lo, hi, players := mlo, mhi, 0
			for i, it := range vs {
				if set&(1<<i) != 0 {
					lo, hi, players = min(lo, it.v), max(hi, it.v), players+it.n
				}
			}
			if hi-lo <= d {
				want = max(want, players)
			}
		}
		if mhi-mlo > d {
			want = 0 // no window holds the members
		}
		if got := mostInWindow(slices.Clone(vs), mhi-d, mlo, d); got != want {
			rt.Fatalf("mostInWindow(%v, members [%v, %v], d %v) = %d; want %d", vs, mlo, mhi, d, got, want)
		}
	})
}

// anchorsFor tries no anchor for an arrival only when no match with it can
// reach its smallest size: a build around it, with every candidate in
// reach, fails each time.
func TestPrunedArrivalsCannotMatch(t *testing.T) {
	l := newLgEnvSeed(t, sweepRanked(t), Configuration{RequestTimeout: time.Minute}, 5)
	b := l.e.configs[l.cfg].builder(l.e)
	pruned := 0
	b.pruned = func(x *tk, now time.Time) {
		pruned++
		b.plain = true
		if b.build(x, now) {
			t.Errorf("pruned %s at %v, though a match around it passes: %d members", x.id, now, len(b.members))
		}
		b.plain = false
	}
	trickle(l, rand.New(rand.NewPCG(5, 9)), 120, 12, false)
	if pruned < 100 {
		t.Fatalf("only %d arrivals pruned: the test proves little", pruned)
	}
	t.Logf("%d arrivals pruned", pruned)
}
