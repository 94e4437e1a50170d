package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// The incremental partial checks (issue 9) change nothing but the cost:
// with them and with the full evaluator in their place, the same arrivals
// give the same events, the same teams and the same rule metrics. The
// arrivals come in batches too small for the sweep, so every match is an
// anchored build, with repairs, parties and expansions.
func TestIncrementalChecksChangeNothing(t *testing.T) {
	for _, c := range []struct{ name, body string }{{"ranked", sweepRanked(t)}, {"fair", sweepFair}} {
		t.Run(c.name, func(t *testing.T) {
			run := func(incremental bool) string {
				l := newLgEnvSeed(t, c.body, Configuration{RequestTimeout: time.Minute}, 11)
				b := l.e.configs[l.cfg].builder(l.e)
				if b.inc == nil {
					t.Fatal("the rule set has no incremental checks")
				}
				if !incremental {
					b.inc = nil
				}
				return trickle(l, rand.New(rand.NewPCG(11, 4)), 60, 40, true)
			}
			with, without := run(true), run(false)
			if with != without {
				t.Fatalf("the incremental checks changed the outcome:\n%s", firstDiff(with, without))
			}
			if strings.Count(with, "\n") < 100 {
				t.Fatalf("only %d lines of outcome: the test proves little", strings.Count(with, "\n"))
			}
		})
	}
}

// trickle submits perStep tickets of sweepPlayers' shape each second for
// steps seconds, stepping a millisecond after each batch, and returns one
// line per match (step, tickets, teams, location), then one per ticket
// with its status and, with metrics, its rule metrics.
func trickle(l *lgEnv, rng *rand.Rand, steps, perStep int, metrics bool) string {
	var out strings.Builder
	for step := 1; step <= steps; step++ {
		at := time.Duration(step) * time.Second
		l.submit(l.t0.Add(at), sweepPlayers(l, rng, perStep)...)
		for _, m := range l.step(at + time.Millisecond) {
			fmt.Fprintln(&out, step, m.tickets, m.teams, m.location)
		}
	}
	for _, id := range sortedIDs(l) {
		x := l.e.tickets[id]
		if metrics {
			fmt.Fprintln(&out, id, x.status(), x.metrics)
		} else {
			fmt.Fprintln(&out, id, x.status())
		}
	}
	return out.String()
}

func sortedIDs(l *lgEnv) []string {
	var ids []string
	for id := range l.starts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n  incremental: %s\n  full:        %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(la), len(lb))
}
