package engine

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/ticket"
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
		if got, _ := mostInWindow(slices.Clone(vs), mhi-d, mlo, d); got != want {
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

// The rotation passes over an anchor without a walk only when no
// composition around it is a match: the walk it would have made finds
// none. (Such walks can be long, pruned only at the anchor's most relaxed
// values while young candidates hold a match to their own: each gets up
// to 1<<14 nodes, and enough of them must finish. That the count never
// falls short of any subset is TestReachableWithNeverCountsShort's.)
func TestRotationPassesOverOnlyHopelessAnchors(t *testing.T) {
	l := newLgEnvSeed(t, sweepRanked(t), Configuration{RequestTimeout: time.Minute}, 5)
	b := l.e.configs[l.cfg].builder(l.e)
	passed, finished, nodes := 0, 0, 0
	b.rotPruned = func(a *tk, now time.Time) {
		passed++
		b.walkEvery = true
		defer func() { b.walkEvery = false }()
		var r rotation
		r.visit = r.take
		r.begin(b, a, now)
		if r.cur == nil {
			t.Fatalf("the rotation passed over %s at %v, though it has a first node", a.id, now)
		}
		used, res := b.walk(&r, now, 1<<14)
		nodes += used
		switch res {
		case walkMatched:
			t.Errorf("the rotation passed over %s at %v, though a walk around it finds a match: %d members", a.id, now, len(b.members))
		case walkDone:
			finished++
		}
	}
	trickle(l, rand.New(rand.NewPCG(5, 9)), 120, 12, false)
	if finished < 100 {
		t.Fatalf("only %d of the %d anchors passed over had their whole walk: the test proves little", finished, passed)
	}
	t.Logf("%d anchors passed over; %d whole walks around them (%d nodes in all walks) found no match", passed, finished, nodes)
}

// reachShortBody is a 2v2 whose skill window and latency bound widen as
// tickets wait: a match's values are its newest member's (D12), so an old
// ticket meets young ones only at the young ones' values.
const reachShortBody = `{"ruleLanguageVersion": "1.0",
 "playerAttributes": [{"name": "skill", "type": "number", "default": 0}],
 "teams": [{"name": "red", "minPlayers": 2, "maxPlayers": 2}, {"name": "blue", "minPlayers": 2, "maxPlayers": 2}],
 "rules": [{"name": "close", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 10},
           {"name": "near", "type": "latency", "maxLatency": 50}],
 "expansions": [{"target": "rules[close].maxDistance", "steps": [{"waitTimeSeconds": 10, "value": 20}, {"waitTimeSeconds": 20, "value": 40}]},
                {"target": "rules[near].maxLatency", "steps": [{"waitTimeSeconds": 15, "value": 100}]}]}`

// reachTickets submits parties (skill, age in seconds, latencies to two
// locations) at now minus their ages and readies their pool entries, as
// entering the pool would.
func reachTickets(l *lgEnv, now time.Time, specs [][4]int, sizes []int) []*tk {
	c := l.e.configs[l.cfg]
	var out []*tk
	for i, s := range specs {
		var party []ticket.Player
		for range sizes[i] {
			party = append(party, l.player(map[string]ticket.AttributeValue{"skill": num(float64(s[0]))}, lgLat(s[2], s[3])))
		}
		id := l.submit(now.Add(-time.Duration(s[1])*time.Second), party)[0]
		t := l.e.tickets[id]
		if !l.e.prepare(c, t) {
			l.t.Fatalf("ticket %d cannot enter the pool", i)
		}
		out = append(out, t)
	}
	return out
}

// reachableWith never counts short where a match could form: over every
// subset of a handful of candidates, a set with x whose members are all as
// old as its newest one's phase needs, whose skills spread at most that
// phase's maxDistance, and whose parties all report one location within
// that phase's latency bound, with at least a match's smallest number of
// players, makes reachableWith reach that number. (noMatchWith prunes an
// arrival on a count that falls short.)
func TestReachableWithNeverCountsShort(t *testing.T) {
	pruned, cases := 0, 0
	rapid.Check(t, func(rt *rapid.T) {
		l := newLgEnvSeed(t, reachShortBody, Configuration{RequestTimeout: time.Hour}, 1)
		c := l.e.configs[l.cfg]
		now := lgT0.Add(time.Hour)
		n := rapid.IntRange(1, 7).Draw(rt, "n")
		specs, sizes := make([][4]int, n+1), make([]int, n+1)
		for i := range specs {
			specs[i] = [4]int{rapid.IntRange(0, 60).Draw(rt, "skill"), rapid.IntRange(0, 30).Draw(rt, "age"),
				rapid.IntRange(10, 120).Draw(rt, "east"), rapid.IntRange(10, 120).Draw(rt, "west")}
			sizes[i] = rapid.IntRange(1, 2).Draw(rt, "players")
		}
		ts := reachTickets(l, now, specs, sizes)
		x, cands := ts[0], ts[1:]
		b := c.builder(l.e)
		b.begin(x, now)
		got, _ := b.reachableWith(cands, x)
		possible := false
		for set := range 1 << n {
			members := []*tk{x}
			for i, t := range cands {
				if set&(1<<i) != 0 {
					members = append(members, t)
				}
			}
			newest, lo, hi, players := int64(math.MinInt64), math.Inf(1), math.Inf(-1), 0
			for _, m := range members {
				newest = max(newest, m.ent.Start)
				lo, hi, players = min(lo, m.ent.Nums[0]), max(hi, m.ent.Nums[0]), players+m.r.Players()
			}
			v := c.rs.At(now.Sub(time.Unix(0, newest)))
			if players < c.plan.minPlayers || hi-lo > maxDistance(v, 0) {
				continue
			}
			bound, _ := c.rs.LatencyBound(v)
			for _, name := range []string{"us-east-1", "eu-west-1"} {
				loc, _ := l.e.locs.Lookup(name)
				all := true
				for _, m := range members {
					if a, ok := m.r.PartyLatencyAt(loc); !ok || float64(a.Min) > bound {
						all = false
					}
				}
				possible = possible || all
			}
		}
		cases++
		if got < c.plan.minPlayers {
			pruned++
		}
		if possible && got < c.plan.minPlayers {
			rt.Fatalf("reachableWith = %d, though a set of at least %d players could form a match", got, c.plan.minPlayers)
		}
	})
	if pruned == 0 || pruned == cases {
		t.Fatalf("%d of %d cases counted short: the test proves little", pruned, cases)
	}
	t.Logf("%d of %d cases counted short", pruned, cases)
}

// byValue sorts candidates in any order, and those collected nearest
// first (the two runs it puts in order in one pass), keeping every one.
func TestByValue(t *testing.T) {
	schema, err := ticket.NewSchema(nil)
	if err != nil {
		t.Fatal(err)
	}
	solo, err := schema.Resolve([]ticket.Player{{PlayerID: "p"}}, ticket.NewLocations())
	if err != nil {
		t.Fatal(err)
	}
	rapid.Check(t, func(rt *rapid.T) {
		x := float64(rapid.IntRange(-10, 10).Draw(rt, "x"))
		n := rapid.IntRange(0, 30).Draw(rt, "n")
		cands := make([]*tk, n)
		index := map[*tk]int{}
		for i := range cands {
			cands[i] = &tk{r: solo}
			cands[i].ent.Nums = []float64{float64(rapid.IntRange(-20, 20).Draw(rt, "v"))}
			index[cands[i]] = i
		}
		if rapid.Bool().Draw(rt, "nearest first") {
			slices.SortStableFunc(cands, func(a, c *tk) int {
				av, cv := a.ent.Nums[0], c.ent.Nums[0]
				if d := cmp.Compare(math.Abs(av-x), math.Abs(cv-x)); d != 0 {
					return d
				}
				return cmp.Compare(av, cv)
			})
		}
		want := make([]float64, n)
		for i, c := range cands {
			want[i] = c.ent.Nums[0]
		}
		slices.Sort(want)
		rc := byValue(make([]reachCand, 3), cands, 0, x) // a scratch with stale items: byValue overwrites it
		if len(rc) != n || !slices.IsSortedFunc(rc, func(a, c reachCand) int { return cmp.Compare(a.v, c.v) }) {
			rt.Fatalf("not sorted: %v", rc)
		}
		seen := make([]bool, n)
		for _, c := range rc {
			if i, ok := index[c.t]; !ok || seen[i] || c.v != c.t.ent.Nums[0] || c.n != 1 {
				rt.Fatalf("candidate %v twice, unknown or misread: %v", c, rc)
			} else {
				seen[i] = true
			}
		}
		for i := range want {
			if rc[i].v != want[i] {
				rt.Fatalf("sorted %v, want the values %v", rc, want)
			}
		}
	})
}
