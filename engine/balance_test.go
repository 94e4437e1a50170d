package engine

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/matchforge/matchforge/ruleset"
)

// snakeDraft is the baseline the balancer is measured against: players in
// descending order go to teams 1..T, then T..1, and so on, skipping full
// teams.
func snakeDraft(units []unit, sizes []int) {
	slices.SortStableFunc(units, func(a, b unit) int { return cmp.Compare(b.sum/float64(b.n), a.sum/float64(a.n)) })
	var bl balancer
	bl.snake(units, sizes)
}

// balanceCase builds solo players with normal values for teams of sizes.
func balanceCase(rng *rand.Rand, sizes []int, mean, sd float64) []unit {
	n := 0
	for _, s := range sizes {
		n += s
	}
	units := make([]unit, n)
	for i := range units {
		units[i] = unit{n: 1, sum: mean + sd*rng.NormFloat64(), team: -1}
	}
	return units
}

var balanceShapes = []struct {
	name  string
	sizes []int
}{
	{"100v100", []int{100, 100}},
	{"5v5", []int{5, 5}},
	{"monsters5+hunters10x15", append([]int{5}, slices.Repeat([]int{15}, 10)...)},
	{"3x5", []int{5, 5, 5}},
}

// The balancer's spread of team averages is never worse than a snake draft
// of the same players (beyond a hundredth of a point), and on average at
// most half of it.
func TestBalanceBeatsSnakeDraft(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, shape := range balanceShapes {
		var sumB, sumS float64
		const trials = 200
		for range trials {
			units := balanceCase(rng, shape.sizes, 1500, 100)
			snake := slices.Clone(units)
			balanceTeams(units, shape.sizes)
			snakeDraft(snake, shape.sizes)
			checkSizes(t, units, shape.sizes)
			b, s := spreadOf(units, len(shape.sizes)), spreadOf(snake, len(shape.sizes))
			// Both can land on near-zero spreads; beyond a hundredth of a
			// point, the balancer must never lose.
			if b > s+0.01 {
				t.Fatalf("%s: balancer spread %.4f worse than snake draft %.4f", shape.name, b, s)
			}
			sumB += b
			sumS += s
		}
		t.Logf("%s: mean spread balancer %.4f, snake draft %.4f", shape.name, sumB/trials, sumS/trials)
		if sumB > sumS/2 {
			t.Errorf("%s: balancer mean spread %.4f is not well below the snake draft's %.4f", shape.name, sumB/trials, sumS/trials)
		}
	}
}

func checkSizes(t *testing.T, units []unit, sizes []int) {
	t.Helper()
	count := make([]int, len(sizes))
	for _, u := range units {
		count[u.team] += u.n
	}
	if !slices.Equal(count, sizes) {
		t.Fatalf("team sizes %v, want %v", count, sizes)
	}
}

// Parties are swapped only with parties of the same size, so team sizes
// hold; the spread still beats the snake draft's.
func TestBalanceWithParties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	sizes := []int{20, 20}
	for range 50 {
		var units []unit
		left := 40
		for left > 0 {
			n := min(left, 1+rng.IntN(3))
			u := unit{n: n, team: -1}
			for range n {
				u.sum += 1000 + 200*rng.NormFloat64()
			}
			units = append(units, u)
			left -= n
		}
		counts, ok := fillOrderSizes(units, sizes)
		if !ok {
			continue
		}
		balanceTeams(units, counts)
		checkSizes(t, units, counts)
	}
}

// fillOrderSizes packs units into the sizes in the fill order, as cutMatch
// does before balancing.
func fillOrderSizes(units []unit, sizes []int) ([]int, bool) {
	count := make([]int, len(sizes))
	for i := range units {
		best := -1
		for t := range sizes {
			if count[t]+units[i].n <= sizes[t] && (best < 0 || sizes[t]-count[t] > sizes[best]-count[best]) {
				best = t
			}
		}
		if best < 0 {
			return nil, false
		}
		count[best] += units[i].n
		units[i].team = best
	}
	return count, true
}

// BenchmarkBalance is the quality benchmark of issue 4: the spread of team
// averages of the balanced attribute after balancing, against a plain snake
// draft of the same players, and the time a balance takes.
func BenchmarkBalance(b *testing.B) {
	for _, shape := range balanceShapes {
		b.Run(fmt.Sprintf("teams=%s", shape.name), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			cases := make([][]unit, 64)
			for i := range cases {
				cases[i] = balanceCase(rng, shape.sizes, 1500, 100)
			}
			var spread, snake float64
			work := make([]unit, len(cases[0]))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				copy(work, cases[i%len(cases)])
				balanceTeams(work, shape.sizes)
				spread += spreadOf(work, len(shape.sizes))
			}
			b.StopTimer()
			for i := 0; i < b.N; i++ {
				copy(work, cases[i%len(cases)])
				snakeDraft(work, shape.sizes)
				snake += spreadOf(work, len(shape.sizes))
			}
			b.ReportMetric(spread/float64(b.N), "spread")
			b.ReportMetric(snake/float64(b.N), "snake-spread")
			b.ReportMetric(math.Round(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(work))), "ns/player")
		})
	}
}

// BenchmarkLargeBuildVersusSort compares building one 100v100 match (the
// documented fill order, then balancing) with sorting the batch it is cut
// from by the balanced attribute, for batches of several sizes: the build
// costs the same whatever the batch, the sort grows with it.
func BenchmarkLargeBuildVersusSort(b *testing.B) {
	rs, err := ruleset.Load([]byte(`{"ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 10}],
	  "algorithm": {"strategy": "balanced", "balancedAttribute": "skill"},
	  "teams": [{"name": "red", "minPlayers": 100, "maxPlayers": 100}, {"name": "blue", "minPlayers": 100, "maxPlayers": 100}]}`))
	if err != nil {
		b.Fatal(err)
	}
	v := rs.At(0)
	sizes := []int{100, 100}
	rng := rand.New(rand.NewPCG(3, 4))
	match := balanceCase(rng, sizes, 1500, 100)
	work := make([]unit, len(match))
	b.Run("build/players=200", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			copy(work, match)
			if _, ok := fillOrder(work, v, len(sizes)); !ok {
				b.Fatal("the match does not fill")
			}
			balanceTeams(work, sizes)
		}
	})
	for _, n := range []int{200, 2_000, 20_000} {
		batch := make([]float64, n)
		for i := range batch {
			batch[i] = 1500 + 100*rng.NormFloat64()
		}
		keys := make([]float64, n)
		b.Run(fmt.Sprintf("sort/batch=%d", n), func(b *testing.B) {
			for range b.N {
				copy(keys, batch)
				slices.Sort(keys)
			}
		})
	}
}
