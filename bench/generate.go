package bench

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/matchforge/matchforge/ticket"
)

// Sample draws one value from d.
func (d *NumberDist) Sample(r *rand.Rand) float64 {
	var x float64
	switch d.Dist {
	case DistLogNormal:
		x = math.Exp(d.Mu + d.Sigma*r.NormFloat64())
	case DistPareto:
		u := 1 - r.Float64() // (0, 1]
		x = d.Scale / math.Pow(u, 1/d.Shape)
	case DistUniform:
		x = *d.Min + (*d.Max-*d.Min)*r.Float64()
	default:
		x = d.Mean
		if d.SD > 0 {
			x += d.SD * r.NormFloat64()
		}
	}
	if d.Min != nil && x < *d.Min {
		x = *d.Min
	}
	if d.Max != nil && x > *d.Max {
		x = *d.Max
	}
	if d.Round {
		x = math.Round(x)
	}
	return x
}

// weights is a cumulative weight table for weighted choice.
type weights []float64

func newWeights(n int, w func(i int) float64) weights {
	cum := make(weights, n)
	s := 0.0
	for i := range n {
		x := w(i)
		if x == 0 {
			x = 1
		}
		s += x
		cum[i] = s
	}
	return cum
}

// pick returns an index drawn by weight. Cost: O(log n).
func (c weights) pick(r *rand.Rand) int {
	u := r.Float64() * c[len(c)-1]
	// The first bound above u; the last index if none before it is.
	return sort.Search(len(c)-1, func(i int) bool { return c[i] > u })
}

// pickDistinct appends k distinct indexes drawn by weight without
// replacement. Cost: O(k n).
func (c weights) pickDistinct(r *rand.Rand, k int, dst []int) []int {
	start := len(dst)
	for len(dst)-start < k {
		total := 0.0
		for i := range c {
			if !slices.Contains(dst[start:], i) {
				total += c.weight(i)
			}
		}
		u := r.Float64() * total
		for i := range c {
			if slices.Contains(dst[start:], i) {
				continue
			}
			u -= c.weight(i)
			if u < 0 || i == len(c)-1 {
				dst = append(dst, i)
				break
			}
		}
	}
	return dst
}

func (c weights) weight(i int) float64 {
	if i == 0 {
		return c[0]
	}
	return c[i] - c[i-1]
}

// genAttr is an Attribute ready to sample.
type genAttr struct {
	name string
	Attribute
	w weights
}

// Generator draws tickets from a Population. Ticket i's players depend only
// on the seed and i, so any ticket can be drawn again (the simulator does,
// to read a matched player's attributes and latency without keeping them).
// A Generator is not safe for concurrent use.
type Generator struct {
	pop     Population
	seed    uint64
	attrs   []genAttr
	parties weights
	sizes   []int
	locs    weights
	lat     LatencyModel
	pcg     rand.PCG
	rng     *rand.Rand
	ids     []int
}

// NewGenerator validates p and returns a generator seeded with seed.
func NewGenerator(p Population, seed uint64) (*Generator, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return newGenerator(p, seed), nil
}

// newGenerator returns a generator of p, which must be valid.
func newGenerator(p Population, seed uint64) *Generator {
	g := &Generator{pop: p, seed: seed, lat: p.Latency}
	g.rng = rand.New(&g.pcg)
	for _, name := range slices.Sorted(maps.Keys(p.Attributes)) {
		a := p.Attributes[name]
		ga := genAttr{name: name, Attribute: a}
		if len(a.Values) > 0 {
			ga.w = newWeights(len(a.Values), func(i int) float64 { return a.Values[i].Weight })
		}
		g.attrs = append(g.attrs, ga)
	}
	if len(p.Parties) == 0 {
		g.sizes = []int{1}
		g.parties = weights{1}
	} else {
		for _, pt := range p.Parties {
			g.sizes = append(g.sizes, pt.Size)
		}
		g.parties = newWeights(len(p.Parties), func(i int) float64 { return p.Parties[i].Weight })
	}
	if len(p.Locations) > 0 {
		g.locs = newWeights(len(p.Locations), func(i int) float64 { return p.Locations[i].Weight })
	}
	if g.lat.Near == (Normal{}) {
		g.lat.Near = DefaultLatency.Near
	}
	if g.lat.Far == (Normal{}) {
		g.lat.Far = DefaultLatency.Far
	}
	return g
}

// Population returns the generator's population.
func (g *Generator) Population() Population { return g.pop }

// seedTicket positions the generator's source at ticket i's own stream.
func (g *Generator) seedTicket(i uint64) {
	g.pcg.Seed(g.seed^0x9e3779b97f4a7c15, i*0xbf58476d1ce4e5b9+0x94d049bb133111eb)
}

// TicketID returns the id the generator gives ticket i: "t" and i.
func TicketID(i uint64) string { return "t" + strconv.FormatUint(i, 10) }

// PlayerID returns the id of player p of ticket i: "p<i>-<p>".
func PlayerID(i uint64, p int) string {
	return "p" + strconv.FormatUint(i, 10) + "-" + strconv.Itoa(p)
}

// ParsePlayerID returns the ticket number and player index of an id made by
// PlayerID.
func ParsePlayerID(id string) (i uint64, p int, ok bool) {
	rest, found := strings.CutPrefix(id, "p")
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(rest, "-")
	if !found {
		return 0, 0, false
	}
	i, err1 := strconv.ParseUint(a, 10, 64)
	p, err2 := strconv.Atoi(b)
	return i, p, err1 == nil && err2 == nil
}

// Players returns the players of ticket i.
func (g *Generator) Players(i uint64) []ticket.Player {
	players, _ := g.playersAndHome(i)
	return players
}

// playersAndHome returns ticket i's players and the index of their home
// location in the population's Locations (-1 when it has none).
func (g *Generator) playersAndHome(i uint64) ([]ticket.Player, int) {
	g.seedTicket(i)
	r := g.rng
	n := g.sizes[g.parties.pick(r)]
	players := make([]ticket.Player, n)
	home := -1
	if g.locs != nil {
		home = g.locs.pick(r)
	}
	for p := range players {
		players[p].PlayerID = PlayerID(i, p)
		if home >= 0 {
			players[p].LatencyInMs = g.latencies(r, home)
		}
	}
	for k := range g.attrs {
		a := &g.attrs[k]
		var shared ticket.AttributeValue
		for p := range players {
			if a.Missing > 0 && r.Float64() < a.Missing {
				continue
			}
			var v ticket.AttributeValue
			if a.Shared && p > 0 && shared.Kind() != ticket.KindNone {
				v = shared
			} else {
				v = g.value(r, a)
				shared = v
			}
			if players[p].PlayerAttributes == nil {
				players[p].PlayerAttributes = make(map[string]ticket.AttributeValue, len(g.attrs))
			}
			players[p].PlayerAttributes[a.name] = v
		}
	}
	return players, home
}

func (g *Generator) latencies(r *rand.Rand, home int) map[string]int {
	m := make(map[string]int, len(g.pop.Locations))
	for j, l := range g.pop.Locations {
		m[l.Name] = g.latency(r, j, home)
	}
	return m
}

// latency draws a player's latency to location j from the near model when
// j is the home location and from the far one otherwise.
func (g *Generator) latency(r *rand.Rand, j, home int) int {
	n := g.lat.Far
	if j == home {
		n = g.lat.Near
	}
	return max(int(math.Round(n.Mean+n.SD*r.NormFloat64())), 1)
}

// Latency returns player p of ticket i's latency to location, drawing only
// the latencies again; ok is false for an unknown location or player.
func (g *Generator) Latency(i uint64, p int, location string) (ms int, ok bool) {
	if g.locs == nil {
		return 0, false
	}
	g.seedTicket(i)
	r := g.rng
	n := g.sizes[g.parties.pick(r)]
	if p < 0 || p >= n {
		return 0, false
	}
	home := g.locs.pick(r)
	for q := 0; q <= p; q++ {
		for j, l := range g.pop.Locations {
			ms := g.latency(r, j, home)
			if q == p && l.Name == location {
				return ms, true
			}
		}
	}
	return 0, false
}

func (g *Generator) value(r *rand.Rand, a *genAttr) ticket.AttributeValue {
	switch a.Type {
	case TypeNumber:
		if a.w != nil {
			return ticket.Number(a.Values[a.w.pick(r)].Num)
		}
		return ticket.Number(a.Sample(r))
	case TypeString:
		return ticket.String(a.Values[a.w.pick(r)].Value)
	case TypeStringList:
		g.ids = a.w.pickDistinct(r, g.count(r, a), g.ids[:0])
		items := make([]string, len(g.ids))
		for j, x := range g.ids {
			items[j] = a.Values[x].Value
		}
		return ticket.StringList(items...)
	case TypeStringMap:
		g.ids = a.w.pickDistinct(r, g.count(r, a), g.ids[:0])
		m := make(map[string]float64, len(g.ids))
		for _, x := range g.ids {
			m[a.Values[x].Value] = a.Sample(r)
		}
		return ticket.StringNumberMap(m)
	}
	panic(fmt.Sprintf("bench: attribute %s has type %q", a.name, a.Type))
}

func (g *Generator) count(r *rand.Rand, a *genAttr) int {
	lo, hi := a.items()
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// ArrivalClock generates arrival times from an Arrivals process with its
// own seeded source. Times are offsets from the start of the virtual clock,
// whose hour of day (for the daily curve) is given by the start time.
type ArrivalClock struct {
	a     Arrivals
	start time.Time
	r     *rand.Rand
	t     float64 // seconds since start
	max   float64 // the highest rate, per second
	amp   float64
}

// NewArrivalClock returns the arrival times of a (which must be valid) for
// a clock that starts at start, seeded with seed.
func NewArrivalClock(a Arrivals, start time.Time, seed uint64) *ArrivalClock {
	c := &ArrivalClock{a: a, start: start, r: rand.New(rand.NewPCG(seed, 0x617272697661)), amp: a.amplitude()}
	c.max = a.RatePerMinute / 60 * (1 + c.amp)
	return c
}

// amplitude is the relative amplitude of the daily cosine: (r-1)/(r+1) for
// peak-to-trough ratio r, so that the peak is r times the trough.
func (a Arrivals) amplitude() float64 {
	if a.Process != ProcessDaily {
		return 0
	}
	r := a.PeakToTrough
	if r == 0 {
		r = DefaultPeakTrough
	}
	return (r - 1) / (r + 1)
}

func (a Arrivals) peakHour() float64 {
	if a.PeakHour == nil {
		return DefaultPeakHour
	}
	return *a.PeakHour
}

// RateAt returns the arrival rate in tickets per minute at time t.
func (a Arrivals) RateAt(t time.Time) float64 {
	amp := a.amplitude()
	if amp == 0 {
		return a.RatePerMinute
	}
	h := float64(t.UTC().Hour()) + float64(t.UTC().Minute())/60 + float64(t.UTC().Second())/3600
	return a.RatePerMinute * (1 + amp*math.Cos(2*math.Pi*(h-a.peakHour())/24))
}

// Next returns the time of the next arrival, as an offset from the start.
// The daily curve is sampled by thinning: candidate arrivals at the peak
// rate are kept with probability rate(t)/peak.
func (c *ArrivalClock) Next() time.Duration {
	for {
		c.t += c.r.ExpFloat64() / c.max
		if c.amp == 0 {
			break
		}
		at := c.start.Add(time.Duration(c.t * float64(time.Second)))
		if c.r.Float64()*c.max*60 <= c.a.RateAt(at) {
			break
		}
	}
	return time.Duration(c.t * float64(time.Second))
}
