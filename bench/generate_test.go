package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/matchforge/matchforge/ticket"
)

// moments returns the mean and standard deviation of xs.
func moments(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(xs)-1))
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.4f; want %.4f within %.4f", what, got, want, tol)
	} else {
		t.Logf("%s = %.4f (want %.4f within %.4f)", what, got, want, tol)
	}
}

const samples = 200000

func sample(d NumberDist, n int) []float64 {
	r := rand.New(rand.NewPCG(1, 2))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = d.Sample(r)
	}
	return xs
}

func TestDistributionMoments(t *testing.T) {
	// Tolerances are about five standard errors of the estimate.
	t.Run("normal", func(t *testing.T) {
		m, sd := moments(sample(NumberDist{Mean: 1500, SD: 300}, samples))
		near(t, "mean", m, 1500, 5*300/math.Sqrt(samples))
		near(t, "sd", sd, 300, 5*300/math.Sqrt(2*samples))
	})
	t.Run("lognormal", func(t *testing.T) {
		xs := sample(NumberDist{Dist: DistLogNormal, Mu: 3, Sigma: 0.5}, samples)
		logs := make([]float64, len(xs))
		for i, x := range xs {
			logs[i] = math.Log(x)
		}
		mu, sigma := moments(logs)
		near(t, "mean of log", mu, 3, 5*0.5/math.Sqrt(samples))
		near(t, "sd of log", sigma, 0.5, 5*0.5/math.Sqrt(2*samples))
		m, _ := moments(xs)
		want := math.Exp(3 + 0.5*0.5/2)
		near(t, "mean", m, want, 0.01*want)
	})
	t.Run("pareto", func(t *testing.T) {
		xs := sample(NumberDist{Dist: DistPareto, Scale: 10, Shape: 3}, samples)
		lo := math.Inf(1)
		above := 0
		for _, x := range xs {
			lo = min(lo, x)
			if x > 20 {
				above++
			}
		}
		if lo < 10 {
			t.Errorf("minimum %v is below the scale 10", lo)
		}
		m, _ := moments(xs)
		near(t, "mean", m, 3.0*10/2, 0.02*15)
		// The tail: P(X > 2 x_m) = 2^-alpha.
		near(t, "P(X > 2 scale)", float64(above)/samples, math.Pow(2, -3), 0.003)
	})
	t.Run("uniform", func(t *testing.T) {
		m, sd := moments(sample(NumberDist{Dist: DistUniform, Min: F(10), Max: F(20)}, samples))
		near(t, "mean", m, 15, 0.05)
		near(t, "sd", sd, 10/math.Sqrt(12), 0.02)
	})
	t.Run("clamped and rounded", func(t *testing.T) {
		for _, x := range sample(NumberDist{Mean: 5, SD: 3, Min: F(0), Max: F(10), Round: true}, 10000) {
			if x < 0 || x > 10 || x != math.Round(x) {
				t.Fatalf("value %v is not a whole number in [0, 10]", x)
			}
		}
	})
	t.Run("zero value is constant 0", func(t *testing.T) {
		for _, x := range sample(NumberDist{}, 100) {
			if x != 0 {
				t.Fatalf("value %v; want 0", x)
			}
		}
	})
}

func TestWeightedChoiceFrequencies(t *testing.T) {
	w := newWeights(4, func(i int) float64 { return []float64{1, 2, 3, 0}[i] }) // 0 counts as 1
	r := rand.New(rand.NewPCG(3, 4))
	counts := make([]int, 4)
	for range samples {
		counts[w.pick(r)]++
	}
	for i, want := range []float64{1.0 / 7, 2.0 / 7, 3.0 / 7, 1.0 / 7} {
		near(t, fmt.Sprintf("frequency of choice %d", i), float64(counts[i])/samples, want, 5*math.Sqrt(want*(1-want)/samples))
	}
}

func TestGeneratedPlayers(t *testing.T) {
	p := Population{
		Arrivals: Arrivals{RatePerMinute: 60},
		Parties:  []Party{{Size: 1, Weight: 6}, {Size: 2, Weight: 3}, {Size: 4, Weight: 1}},
		Attributes: map[string]Attribute{
			"skill": {Type: TypeNumber, NumberDist: NumberDist{Mean: 100, SD: 20}},
			"map":   {Type: TypeString, Values: []Choice{Str("dust", 3), Str("nuke", 1)}, Shared: true},
			"modes": {Type: TypeStringList, Values: []Choice{Str("a", 1), Str("b", 1), Str("c", 1)}, MinItems: I(1), MaxItems: I(3)},
			"prefs": {Type: TypeStringMap, Values: []Choice{Str("x", 1), Str("y", 1)}, MaxItems: I(2), NumberDist: NumberDist{Dist: DistUniform, Min: F(0), Max: F(100)}},
			"title": {Type: TypeString, Values: []Choice{Str("sir", 1)}, Missing: 0.25},
		},
		Locations: []Location{{Name: "home-a", Weight: 3}, {Name: "home-b", Weight: 1}},
		Latency:   LatencyModel{Near: Normal{Mean: 30, SD: 10}, Far: Normal{Mean: 150, SD: 30}},
	}
	g, err := NewGenerator(p, 42)
	if err != nil {
		t.Fatal(err)
	}
	const n = 50000
	sizes := map[int]int{}
	maps := map[string]int{}
	items := map[int]int{}
	homeA, missing, players := 0, 0, 0
	var skills, nearLat, farLat []float64
	for i := range uint64(n) {
		ps := g.Players(i)
		sizes[len(ps)]++
		maps[ps[0].PlayerAttributes["map"].S()]++
		home := "home-a"
		if ps[0].LatencyInMs["home-b"] < ps[0].LatencyInMs["home-a"] {
			home = "home-b"
		}
		if home == "home-a" {
			homeA++
		}
		for k, pl := range ps {
			players++
			if pl.PlayerID != PlayerID(i, k) {
				t.Fatalf("player %d of ticket %d has id %s", k, i, pl.PlayerID)
			}
			if pl.PlayerAttributes["map"].S() != ps[0].PlayerAttributes["map"].S() {
				t.Fatalf("ticket %d: shared attribute map differs within the party", i)
			}
			skills = append(skills, pl.PlayerAttributes["skill"].N())
			l := pl.PlayerAttributes["modes"].SL()
			items[len(l)]++
			seen := map[string]bool{}
			for _, it := range l {
				if seen[it] {
					t.Fatalf("ticket %d: list %v repeats an item", i, l)
				}
				seen[it] = true
			}
			if m := pl.PlayerAttributes["prefs"].SDM(); len(m) < 1 || len(m) > 2 {
				t.Fatalf("ticket %d: map %v has %d keys; want 1 to 2", i, m, len(m))
			}
			if _, ok := pl.PlayerAttributes["title"]; !ok {
				missing++
			}
			for loc, ms := range pl.LatencyInMs {
				if ms < 1 {
					t.Fatalf("latency %d ms below 1", ms)
				}
				if loc == home {
					nearLat = append(nearLat, float64(ms))
				} else {
					farLat = append(farLat, float64(ms))
				}
			}
			if got, ok := g.Latency(i, k, home); !ok || got != pl.LatencyInMs[home] {
				t.Fatalf("Latency(%d, %d, %s) = %d, %v; want %d", i, k, home, got, ok, pl.LatencyInMs[home])
			}
		}
	}
	freq := func(c, total int) float64 { return float64(c) / float64(total) }
	se := func(p float64, total int) float64 { return 5 * math.Sqrt(p*(1-p)/float64(total)) }
	near(t, "party size 1", freq(sizes[1], n), 0.6, se(0.6, n))
	near(t, "party size 2", freq(sizes[2], n), 0.3, se(0.3, n))
	near(t, "party size 4", freq(sizes[4], n), 0.1, se(0.1, n))
	near(t, "map dust", freq(maps["dust"], n), 0.75, se(0.75, n))
	near(t, "home location a", freq(homeA, n), 0.75, se(0.75, n))
	near(t, "title missing", freq(missing, players), 0.25, se(0.25, players))
	for k := 1; k <= 3; k++ {
		near(t, fmt.Sprintf("lists of %d items", k), freq(items[k], players), 1.0/3, se(1.0/3, players))
	}
	m, sd := moments(skills)
	near(t, "skill mean", m, 100, 5*20/math.Sqrt(float64(players)))
	near(t, "skill sd", sd, 20, 5*20/math.Sqrt(2*float64(players)))
	m, sd = moments(nearLat)
	near(t, "near latency mean", m, 30, 0.2)
	near(t, "near latency sd", sd, 10, 0.2)
	m, sd = moments(farLat)
	near(t, "far latency mean", m, 150, 0.5)
	near(t, "far latency sd", sd, 30, 0.5)

	// Ticket i depends only on the seed and i.
	again, _ := NewGenerator(p, 42)
	for _, i := range []uint64{7, 0, 49999, 7} {
		if !reflect.DeepEqual(g.Players(i), again.Players(i)) {
			t.Errorf("Players(%d) differs between generators with the same seed", i)
		}
	}
	other, _ := NewGenerator(p, 43)
	if reflect.DeepEqual(g.Players(7), other.Players(7)) {
		t.Errorf("Players(7) is the same with seeds 42 and 43")
	}
}

func TestLatencyClampedToOne(t *testing.T) {
	g, err := NewGenerator(Population{
		Arrivals:  Arrivals{RatePerMinute: 1},
		Locations: []Location{{Name: "a"}, {Name: "b"}},
		Latency:   LatencyModel{Near: Normal{Mean: 1, SD: 5}, Far: Normal{Mean: 2, SD: 5}},
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	ones := 0
	for i := range uint64(2000) {
		for _, ms := range g.Players(i)[0].LatencyInMs {
			if ms < 1 {
				t.Fatalf("latency %d ms; the model clamps to at least 1", ms)
			}
			if ms == 1 {
				ones++
			}
		}
	}
	if ones == 0 {
		t.Errorf("no latency was clamped to 1 ms")
	}
}

func TestPoissonArrivals(t *testing.T) {
	a := Arrivals{RatePerMinute: 600} // 10 a second
	c := NewArrivalClock(a, DefaultStart, 9)
	const hours = 2
	n := 0
	var gaps []float64
	last := time.Duration(0)
	for {
		at := c.Next()
		if at > hours*time.Hour {
			break
		}
		gaps = append(gaps, (at - last).Seconds())
		last = at
		n++
	}
	want := 10.0 * 3600 * hours
	near(t, "arrivals in two hours", float64(n), want, 5*math.Sqrt(want))
	m, sd := moments(gaps)
	near(t, "mean gap (s)", m, 0.1, 0.002)
	near(t, "sd of gaps (s)", sd, 0.1, 0.002) // exponential: sd = mean
}

func TestDailyArrivals(t *testing.T) {
	a := Arrivals{Process: ProcessDaily, RatePerMinute: 600, PeakHour: F(20), PeakToTrough: 3}
	if err := (&Population{Arrivals: a}).Validate(); err != nil {
		t.Fatal(err)
	}
	near(t, "rate at the peak", a.RateAt(DefaultStart.Add(20*time.Hour)), 900, 1e-9)
	near(t, "rate at the trough", a.RateAt(DefaultStart.Add(8*time.Hour)), 300, 1e-9)
	c := NewArrivalClock(a, DefaultStart, 5)
	perHour := make([]int, 24)
	total := 0
	for {
		at := c.Next()
		if at >= 24*time.Hour {
			break
		}
		perHour[int(at/time.Hour)]++
		total++
	}
	near(t, "arrivals in a day", float64(total), 600*60*24, 5*math.Sqrt(600*60*24))
	// Whole hours at the trough, between, and at the peak against the
	// curve's integral over the hour.
	for _, h := range []int{8, 14, 20} {
		want := 0.0
		for k := range 60 {
			want += a.RateAt(DefaultStart.Add(time.Duration(h)*time.Hour + time.Duration(k)*time.Minute + 30*time.Second))
		}
		near(t, fmt.Sprintf("arrivals in hour %d", h), float64(perHour[h]), want, 5*math.Sqrt(want))
	}
	if perHour[20] < 2*perHour[8] {
		t.Errorf("peak hour has %d arrivals and trough hour %d; want about 3 times as many", perHour[20], perHour[8])
	}
}

func TestParsePlayerID(t *testing.T) {
	i, p, ok := ParsePlayerID(PlayerID(12345, 3))
	if !ok || i != 12345 || p != 3 {
		t.Errorf("ParsePlayerID(PlayerID(12345, 3)) = %d, %d, %v", i, p, ok)
	}
	for _, bad := range []string{"x1-2", "p1", "p-2", "pa-1"} {
		if _, _, ok := ParsePlayerID(bad); ok {
			t.Errorf("ParsePlayerID(%q) succeeded", bad)
		}
	}
}

// Players must be valid requests for the engine.
func TestGeneratedPlayersAreValid(t *testing.T) {
	for _, name := range ExamplePopulations() {
		p, err := ExamplePopulation(name)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := NewGenerator(p, 1)
		for i := range uint64(200) {
			if err := ticket.ValidatePlayers(g.Players(i), ticket.PlayerRules{}); err != nil {
				t.Fatalf("%s ticket %d: %v", name, i, err)
			}
		}
	}
}
