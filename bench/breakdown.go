package bench

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// skillSample is how many tickets, drawn from the population with a fixed
// seed, place the skill bands (Breakdown.BySkill).
const skillSample = 2000

// skillSeed seeds the draw of the skill sample, apart from Options.Seed so
// that every seed of a population has the same bands.
const skillSeed = 0x736b696c6c

// maxPoints bounds the points of a Timeline.
const maxPoints = 240

// groupKey places a ticket in the breakdowns: the indexes of its home
// location, party size and skill band.
type groupKey struct{ loc, size, band uint8 }

// tally counts how the tickets of one group ended.
type tally struct {
	tickets, matched, timedOut, cancelled, failed int
}

// ending keys Breakdown.Endings.
type ending struct{ status, reason string }

// breakdowns accumulates a simulation's Breakdown. Its memory is bounded
// by the population and the rule set (a few counters per location, party
// size, skill band, expansion phase, ending and timeline point), apart from
// keys, which grows by three bytes per matched ticket alongside sim.waits.
type breakdowns struct {
	locs      []string
	locIndex  map[string]int
	byLoc     []tally // per location, then one for tickets without one
	matchesAt []int   // new matches placed at each location
	bySize    [ticket.MaxPlayersPerTicket + 1]tally
	attr      string // the skill attribute, or ""
	def       *ticket.AttributeValue
	edges     []float64 // the skill bands' lower edges after the first
	byBand    []tally   // per band, then one for tickets without a value
	keys      []groupKey
	phases    []int
	endings   map[ending]int
	timeline  Timeline
}

func newBreakdowns(rs *ruleset.RuleSet, pop Population, defaultOf func(string) (ticket.AttributeValue, bool)) *breakdowns {
	b := &breakdowns{
		locIndex: map[string]int{},
		phases:   make([]int, len(rs.Phases())),
		endings:  map[ending]int{},
		timeline: Timeline{StepSeconds: 60},
	}
	for i, l := range pop.Locations {
		b.locs = append(b.locs, l.Name)
		b.locIndex[l.Name] = i
	}
	b.byLoc = make([]tally, len(b.locs)+1)
	b.matchesAt = make([]int, len(b.locs))
	if attrs := analyze(rs).numberAttributesRead(); len(attrs) > 0 {
		b.attr = attrs[0]
		if v, ok := defaultOf(b.attr); ok {
			b.def = &v
		}
		b.edges = skillEdges(newGenerator(pop, skillSeed), b)
	}
	b.byBand = make([]tally, len(b.edges)+2)
	return b
}

// skillEdges places the skill bands at the quartiles of the skill of
// skillSample tickets drawn by g, dropping repeated edges and any edge no
// value lies below (which would leave its lower band empty).
func skillEdges(g *Generator, b *breakdowns) []float64 {
	var vals []float64
	for i := range uint64(skillSample) {
		if v, ok := b.skill(g.Players(i)); ok {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return nil
	}
	slices.Sort(vals)
	var edges []float64
	for _, q := range []float64{0.25, 0.50, 0.75} {
		e := round4(rank(vals, q))
		if e > vals[0] && (len(edges) == 0 || e > edges[len(edges)-1]) {
			edges = append(edges, e)
		}
	}
	return edges
}

// skill returns the average skill attribute of a ticket's players, the
// rule set's default standing in for a missing value; false when no
// player has one.
func (b *breakdowns) skill(players []ticket.Player) (float64, bool) {
	sum, n := 0.0, 0
	for i := range players {
		v, ok := players[i].PlayerAttributes[b.attr]
		if !ok && b.def != nil {
			v, ok = *b.def, true
		}
		if ok && v.Kind() == ticket.KindNumber {
			sum += v.N()
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// key places ticket i, whose players are given and whose home location
// has index home (-1 for none).
func (b *breakdowns) key(home int, players []ticket.Player) groupKey {
	k := groupKey{loc: uint8(len(b.locs)), size: uint8(min(len(players), ticket.MaxPlayersPerTicket))}
	if home >= 0 && home < len(b.locs) {
		k.loc = uint8(home)
	}
	k.band = uint8(len(b.edges) + 1) // no value
	if b.attr != "" {
		if v, ok := b.skill(players); ok {
			band := 0
			for band < len(b.edges) && v >= b.edges[band] {
				band++
			}
			k.band = uint8(band)
		}
	}
	return k
}

// each calls f with the tally of each of k's groups.
func (b *breakdowns) each(k groupKey, f func(*tally)) {
	f(&b.byLoc[k.loc])
	f(&b.bySize[k.size])
	f(&b.byBand[k.band])
}

// point returns the timeline's point for virtual time elapsed, halving the
// resolution as often as needed to stay within maxPoints.
func (b *breakdowns) point(elapsed time.Duration) *TimePoint {
	tl := &b.timeline
	i := int(elapsed.Seconds() / tl.StepSeconds)
	for i >= maxPoints {
		tl.halve()
		i = int(elapsed.Seconds() / tl.StepSeconds)
	}
	for len(tl.Points) <= i {
		tl.Points = append(tl.Points, TimePoint{Seconds: float64(len(tl.Points)) * tl.StepSeconds})
	}
	return &tl.Points[max(i, 0)]
}

// halve merges each pair of points into one of twice the interval.
func (tl *Timeline) halve() {
	tl.StepSeconds *= 2
	n := (len(tl.Points) + 1) / 2
	for j := range n {
		p := tl.Points[2*j]
		if 2*j+1 < len(tl.Points) {
			q := tl.Points[2*j+1]
			p.Arrived += q.Arrived
			p.Matches += q.Matches
			p.Waiting = max(p.Waiting, q.Waiting)
		}
		p.Seconds = float64(j) * tl.StepSeconds
		tl.Points[j] = p
	}
	tl.Points = tl.Points[:n]
}

// finish fills r's Breakdown from the counts and the matched tickets'
// waits (indexed like b.keys).
func (b *breakdowns) finish(r *Report, rs *ruleset.RuleSet, waits []float64) {
	r.WaitHistogram = histogram(slices.Clone(waits))
	r.Timeline = b.timeline
	// Each dimension's waits by group, from the keys kept beside them.
	groupWaits := func(n int, of func(groupKey) uint8) [][]float64 {
		out := make([][]float64, n)
		for i, k := range b.keys {
			g := of(k)
			out[g] = append(out[g], waits[i])
		}
		return out
	}
	group := func(name string, t tally, ws []float64) Group {
		g := Group{Name: name, Tickets: t.tickets, Matched: t.matched, TimedOut: t.timedOut, Cancelled: t.cancelled, Failed: t.failed}
		if len(ws) > 0 {
			q := quantiles(ws)
			g.Wait = &q
		}
		return g
	}
	lw := groupWaits(len(b.byLoc), func(k groupKey) uint8 { return k.loc })
	for i, t := range b.byLoc {
		if i == len(b.locs) {
			if t.tickets > 0 {
				r.ByLocation = append(r.ByLocation, group("none", t, lw[i]))
			}
			continue
		}
		g := group(b.locs[i], t, lw[i])
		g.Matches = b.matchesAt[i]
		r.ByLocation = append(r.ByLocation, g)
	}
	sw := groupWaits(len(b.bySize), func(k groupKey) uint8 { return k.size })
	for size, t := range b.bySize {
		if t.tickets > 0 {
			r.ByPartySize = append(r.ByPartySize, group(strconv.Itoa(size), t, sw[size]))
		}
	}
	if b.attr != "" {
		r.SkillAttribute = b.attr
		bw := groupWaits(len(b.byBand), func(k groupKey) uint8 { return k.band })
		for i, t := range b.byBand {
			if i == len(b.edges)+1 && t.tickets == 0 {
				continue // every ticket had a value
			}
			r.BySkill = append(r.BySkill, group(bandName(b.edges, i), t, bw[i]))
		}
	}
	for i, v := range rs.Phases() {
		r.Expansion = append(r.Expansion, ExpansionPhase{Phase: i, FromSeconds: v.Start().Seconds(), Matches: b.phases[i]})
	}
	for _, e := range slices.SortedFunc(maps.Keys(b.endings), func(x, y ending) int {
		if x.status != y.status {
			return strings.Compare(x.status, y.status)
		}
		return strings.Compare(x.reason, y.reason)
	}) {
		r.Endings = append(r.Endings, Ending{Status: e.status, Reason: e.reason, Tickets: b.endings[e]})
	}
}

// bandName names skill band i of the bands with the given edges.
func bandName(edges []float64, i int) string {
	switch {
	case i == len(edges)+1:
		return "no value"
	case len(edges) == 0:
		return "all"
	case i == 0:
		return "below " + num(edges[0])
	case i == len(edges):
		return num(edges[i-1]) + " and above"
	}
	return num(edges[i-1]) + " to " + num(edges[i])
}

// num formats a number exactly, without an exponent (skill edges are
// rounded to four significant digits first, so this stays short).
func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// round4 rounds x to four significant digits.
func round4(x float64) float64 {
	y, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 4, 64), 64)
	return y
}
