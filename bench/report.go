package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Report is the outcome of a simulation. Every figure except those in Cost
// depends only on the options and the seed: the same seed gives the same
// report apart from Cost.
type Report struct {
	RuleSet        string  `json:"ruleset"`
	Configuration  string  `json:"configuration"`
	Seed           uint64  `json:"seed"`
	VirtualSeconds float64 `json:"virtual_seconds"` // of arrivals
	DrainSeconds   float64 `json:"drain_seconds"`   // after the arrivals, until every ticket ended

	// Tickets and Players count what the simulated players submitted; the
	// other ticket counts are how those tickets ended. Backfill tickets the
	// engine opens are counted under Backfill.
	Tickets         int     `json:"tickets"`
	Players         int     `json:"players"`
	Matched         int     `json:"matched"`
	TimedOut        int     `json:"timed_out"`
	Cancelled       int     `json:"cancelled"`
	Failed          int     `json:"failed"`
	Unresolved      int     `json:"unresolved"`
	MatchedFraction float64 `json:"matched_fraction"`

	// Matches counts new matches (games); MatchesBySize by players.
	Matches       int         `json:"matches"`
	MatchesBySize map[int]int `json:"matches_by_size"`
	// Wait is the virtual time from a matched ticket's StartTime to the
	// creation of the match it completed in, in seconds.
	// It is all zero when no ticket matched (the text report says n/a).
	Wait       Quantiles   `json:"wait_seconds"`
	Quality    Quality     `json:"quality"`
	Acceptance Acceptance  `json:"acceptance"`
	Backfill   Backfill    `json:"backfill"`
	Rules      []RuleCount `json:"rules"`

	// Steps is the number of engine steps; PeakWaiting the most tickets
	// waiting (QUEUED, SEARCHING or REQUIRES_ACCEPTANCE) after a step.
	Steps       int `json:"steps"`
	PeakWaiting int `json:"peak_waiting"`

	Breakdown

	Cost
}

// Breakdown holds the report's distributions and breakdowns, which the
// text report summarises and WriteHTML charts. Like the rest of the report
// apart from Cost, they depend only on the options and the seed.
type Breakdown struct {
	// WaitHistogram counts the matched tickets by Wait.
	WaitHistogram Histogram `json:"wait_histogram"`
	// Timeline is the run over virtual time: arrivals, matches and waiting
	// tickets per interval, from the first instant to the end of the drain.
	Timeline Timeline `json:"timeline"`
	// ByLocation breaks the tickets down by their players' home location
	// (in the population's order, then "none" for tickets without latency
	// data); Group.Matches counts the new matches placed at the location.
	ByLocation []Group `json:"by_location"`
	// ByPartySize breaks the tickets down by their number of players, in
	// increasing order.
	ByPartySize []Group `json:"by_party_size"`
	// SkillAttribute is the attribute of BySkill: the first number
	// attribute the rules read (or the balanced attribute), in declaration
	// order; empty when there is none.
	SkillAttribute string `json:"skill_attribute,omitempty"`
	// BySkill breaks the tickets down by the average SkillAttribute of
	// their players (the rule set's default standing in for a player
	// without a value) into bands: the quartiles of that average over
	// skillSample tickets drawn from the population with a fixed seed, so
	// that each band holds about a quarter of the tickets whatever the
	// distribution. Equal quartiles merge (a constant attribute has one
	// band).
	BySkill []Group `json:"by_skill_band"`
	// Expansion counts the new matches by the phase of the rule set's
	// expansion schedule they were made in; see ExpansionPhase.
	Expansion []ExpansionPhase `json:"expansion_phases"`
	// Endings counts the submitted tickets that ended without a match, by
	// status and StatusReason, in order of status then reason.
	Endings []Ending `json:"endings"`
}

// Histogram counts non-negative values in bins of equal width from 0:
// Counts[i] counts the values v with i*Width <= v < (i+1)*Width, and the
// last bin also every larger value. The width is a round number (1, 2, 2.5
// or 5 times a power of ten) chosen so that the largest value falls in at
// most maxBins bins. An empty sample has no bins.
type Histogram struct {
	Width  float64 `json:"width"`
	Counts []int   `json:"counts"`
}

// Total returns the number of values counted.
func (h Histogram) Total() int {
	n := 0
	for _, c := range h.Counts {
		n += c
	}
	return n
}

// Timeline samples a run over virtual time in intervals of StepSeconds
// (one minute, doubled as often as needed to keep at most maxPoints
// points).
type Timeline struct {
	StepSeconds float64     `json:"step_seconds"`
	Points      []TimePoint `json:"points"`
}

// TimePoint is one interval of a Timeline.
type TimePoint struct {
	// Seconds is the start of the interval, in virtual seconds since
	// Options.Start.
	Seconds float64 `json:"seconds"`
	// Arrived counts the tickets submitted in the interval; Matches the
	// new matches completed in it.
	Arrived int `json:"arrived"`
	Matches int `json:"matches"`
	// Waiting is the most tickets waiting after any step of the interval.
	Waiting int `json:"waiting"`
}

// Group is how the submitted tickets of one kind (one home location, one
// party size, one skill band) ended, and how long the matched ones waited.
type Group struct {
	Name      string `json:"name"`
	Tickets   int    `json:"tickets"`
	Matched   int    `json:"matched"`
	TimedOut  int    `json:"timed_out"`
	Cancelled int    `json:"cancelled"`
	// Failed counts the tickets whose placement failed, and those the run
	// left unresolved.
	Failed int `json:"failed"`
	// Wait summarises the waits of the group's matched tickets; nil when
	// none matched.
	Wait *Quantiles `json:"wait_seconds"`
	// Matches is, for ByLocation only, the number of new matches placed at
	// the location.
	Matches int `json:"matches,omitempty"`
}

// MatchedFraction returns Matched/Tickets, or false when the group has no
// tickets.
func (g Group) MatchedFraction() (float64, bool) {
	if g.Tickets == 0 {
		return 0, false
	}
	return float64(g.Matched) / float64(g.Tickets), true
}

// ExpansionPhase counts the new matches made in one phase of the rule
// set's expansion schedule (ruleset.RuleSet.Phases): phase 0 holds the
// values before any expansion, and each later phase begins at the
// waitTimeSeconds of an expansion step. The engine's events do not say
// which values a match was formed with, so the report derives it as the
// engine chooses them (D12): the phase in force at the match's creation
// for the age of its newest ticket, or of its oldest with
// expansionAgeSelection "oldest". Backfill matches are not counted.
type ExpansionPhase struct {
	Phase       int     `json:"phase"`
	FromSeconds float64 `json:"from_seconds"`
	Matches     int     `json:"matches"`
}

// Ending counts the submitted tickets that ended one way without a match:
// a status (TIMED_OUT, CANCELLED or FAILED) and a StatusReason such as
// REQUEST_TIMEOUT or ACCEPTANCE_REJECTED.
type Ending struct {
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Tickets int    `json:"tickets"`
}

// Cost holds the figures that depend on the machine: wall time and heap.
type Cost struct {
	// StepSeconds is the wall time of one Engine.Step.
	StepSeconds StepQuantiles `json:"step_seconds"`
	// EngineSeconds is the wall time spent inside engine calls (steps,
	// submissions, answers, placements, leave reports).
	EngineSeconds float64 `json:"engine_seconds"`
	// WallSeconds is the whole simulation's wall time, generation and
	// bookkeeping included.
	WallSeconds float64 `json:"wall_seconds"`
	// MatchesPerSecond is matches (new and backfill) per second of
	// EngineSeconds.
	MatchesPerSecond float64 `json:"matches_per_second"`
	// HeapBytesPerTicket is the growth of runtime.MemStats.HeapInuse
	// (after a forced GC) from before the first arrival to the largest
	// waiting pool, divided by the tickets waiting then. It includes every
	// ticket the engine holds, the simulator's small bookkeeping, and the
	// heap's fragmentation. It is 0, not measured, when fewer than 50
	// tickets ever waited at once.
	HeapBytesPerTicket float64 `json:"heap_bytes_per_ticket"`
}

// Quantiles summarise a sample.
type Quantiles struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// StepQuantiles summarise step times in seconds.
type StepQuantiles struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Quality measures the matches made.
type Quality struct {
	// TeamSpread is, for each number attribute a rule (or the balanced
	// algorithm) reads, the spread of the teams' average value in a match:
	// the highest team average minus the lowest. Empty for one-team rule
	// sets.
	TeamSpread []Spread `json:"team_spread"`
	// WorstLatencyMs is, per match with a location, the highest latency of
	// any of its players to that location.
	WorstLatencyMs *Spread `json:"worst_latency_ms,omitempty"`
}

// Spread summarises one quality figure over the matches, with its
// distribution.
type Spread struct {
	Attribute string    `json:"attribute,omitempty"`
	Mean      float64   `json:"mean"`
	P90       float64   `json:"p90"`
	Max       float64   `json:"max"`
	Histogram Histogram `json:"histogram"`
}

// Acceptance counts the matches that required acceptance and how they
// ended.
type Acceptance struct {
	Proposed int `json:"proposed"`
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
	TimedOut int `json:"timed_out"`
}

// Backfill counts players leaving and the backfill the engine did.
type Backfill struct {
	LeavesReported int `json:"leaves_reported"`
	LeavesRefused  int `json:"leaves_refused"` // the engine no longer knew the game session
	Tickets        int `json:"tickets"`
	Matches        int `json:"matches"`
	PlayersAdded   int `json:"players_added"`
	TimedOut       int `json:"timed_out"`
	Cancelled      int `json:"cancelled"`
	// GamesEnded counts the game sessions the simulator ended
	// (Behavior.GameSeconds) while the run lasted.
	GamesEnded int `json:"games_ended"`
}

// RuleCount is one rule's evaluation counts on candidate matches, from
// Engine.RuleMetrics. Each time the engine tries a set of tickets as a
// match (a match attempt), it evaluates the rules in order and stops at the
// first that fails, so a rule listed later is evaluated only on the
// candidates every earlier rule passed. Failed includes Errors: the
// evaluations that could not be completed (an expression that failed at
// run time, say), which count as failures rather than matches.
type RuleCount struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Passed int    `json:"passed"`
	Failed int    `json:"failed"`
	Errors int    `json:"errors"`
	// LastError is the message of the last evaluation error, if any.
	LastError string `json:"last_error,omitempty"`
}

// quantiles summarises xs (sorting it).
func quantiles(xs []float64) Quantiles {
	if len(xs) == 0 {
		return Quantiles{}
	}
	slices.Sort(xs)
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return Quantiles{Mean: sum / float64(len(xs)), P50: rank(xs, 0.50), P90: rank(xs, 0.90), P99: rank(xs, 0.99), Max: xs[len(xs)-1]}
}

// rank is the nearest-rank quantile of sorted xs.
func rank(xs []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[min(max(i, 0), len(xs)-1)]
}

func spread(name string, xs []float64) Spread {
	q := quantiles(xs)
	return Spread{Attribute: name, Mean: q.Mean, P90: q.P90, Max: q.Max, Histogram: histogram(xs)}
}

// maxBins bounds the bins of a Histogram.
const maxBins = 30

// histogram counts xs (non-negative) in round-width bins; see Histogram.
func histogram(xs []float64) Histogram {
	if len(xs) == 0 {
		return Histogram{Counts: []int{}}
	}
	hi := 0.0
	for _, x := range xs {
		hi = max(hi, x)
	}
	w := roundWidth(hi / maxBins)
	n := min(int(hi/w)+1, maxBins)
	h := Histogram{Width: w, Counts: make([]int, n)}
	for _, x := range xs {
		i := min(max(int(x/w), 0), n-1)
		h.Counts[i]++
	}
	return h
}

// roundWidth returns the smallest of 1, 2, 2.5 and 5 times a power of ten
// that is at least x (and at least 1e-3).
func roundWidth(x float64) float64 {
	if !(x > 1e-3) {
		return 1e-3
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if w := m * p; w >= x*(1-1e-12) {
			return w
		}
	}
	return 10 * p
}

// JSON returns the report as indented JSON.
func (r *Report) JSON() []byte {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// WriteText writes the report as aligned, readable text: the ticket
// counts, waits (with their histogram and timeline as one-line bar
// charts), the breakdowns by location, party size and skill band, the
// expansion phases and endings, match quality, acceptance, backfill, rule
// counts (with a line on what they count, and a warning when rules failed
// with errors) and the engine's cost. A figure with nothing to measure
// (a wait when no ticket matched) reads n/a.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "rule set %s, configuration %s, seed %d: %s of arrivals, then %s until every ticket ended (virtual time)\n\n",
		r.RuleSet, r.Configuration, r.Seed, dur(r.VirtualSeconds), dur(r.DrainSeconds))
	pct := func(n int) string {
		if r.Tickets == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f%%", 100*float64(n)/float64(r.Tickets))
	}
	var t table
	t.row("tickets", commas(r.Tickets), commas(r.Players)+" players")
	t.row("  matched", commas(r.Matched), pct(r.Matched))
	t.row("  timed out", commas(r.TimedOut), pct(r.TimedOut))
	t.row("  cancelled", commas(r.Cancelled), pct(r.Cancelled))
	if r.Failed > 0 {
		t.row("  failed", commas(r.Failed), pct(r.Failed))
	}
	if r.Unresolved > 0 {
		t.row("  unresolved", commas(r.Unresolved), pct(r.Unresolved))
	}
	t.row("matches", commas(r.Matches), "")
	sizes := make([]int, 0, len(r.MatchesBySize))
	for s := range r.MatchesBySize { // order does not matter: the sizes are sorted next
		sizes = append(sizes, s)
	}
	slices.Sort(sizes)
	for _, s := range sizes {
		t.row(fmt.Sprintf("  of %d players", s), commas(r.MatchesBySize[s]), "")
	}
	t.write(&b)

	fmt.Fprintln(&b)
	t = table{}
	t.row("wait (s)", "p50", "p90", "p99", "max", "mean")
	if r.Matched == 0 {
		t.row("", "n/a", "n/a", "n/a", "n/a", "n/a")
	} else {
		t.row("", f1(r.Wait.P50), f1(r.Wait.P90), f1(r.Wait.P99), f1(r.Wait.Max), f1(r.Wait.Mean))
	}
	t.write(&b)
	if h := r.WaitHistogram; len(h.Counts) > 0 {
		fmt.Fprintf(&b, "  histogram, %s s bins from 0 to %s s: %s\n", num(h.Width), num(h.Width*float64(len(h.Counts))), spark(h.Counts))
	}
	if tl := r.Timeline; len(tl.Points) > 0 {
		pts, step := textTimeline(tl)
		waiting, matches := make([]int, len(pts)), make([]int, len(pts))
		peakW, peakM := 0, 0
		for i, p := range pts {
			waiting[i], matches[i] = p.Waiting, p.Matches
			peakW, peakM = max(peakW, p.Waiting), max(peakM, p.Matches)
		}
		fmt.Fprintf(&b, "  over time, %s a mark: waiting %s (peak %s), new matches %s (peak %s)\n",
			minutes(step), spark(waiting), commas(peakW), spark(matches), commas(peakM))
	}

	r.writeGroups(&b)

	if len(r.Expansion) > 1 {
		fmt.Fprintln(&b)
		if r.Matches == 0 {
			b.WriteString("expansion phase of new matches: n/a (no matches)\n")
		} else {
			var parts []string
			for _, e := range r.Expansion {
				parts = append(parts, fmt.Sprintf("%d (from %s s) %.1f%%", e.Phase, num(e.FromSeconds), 100*float64(e.Matches)/float64(r.Matches)))
			}
			b.WriteString("expansion phase of new matches: " + strings.Join(parts, ", ") + "\n")
		}
	}
	if len(r.Endings) > 0 {
		var parts []string
		for _, e := range r.Endings {
			parts = append(parts, fmt.Sprintf("%s %s (%s)", commas(e.Tickets), e.Status, e.Reason))
		}
		fmt.Fprintf(&b, "ended without a match: %s\n", strings.Join(parts, ", "))
	}

	fmt.Fprintln(&b)
	if len(r.Quality.TeamSpread) > 0 || r.Quality.WorstLatencyMs != nil {
		t = table{}
		t.row("match quality", "mean", "p90", "max")
		for _, s := range r.Quality.TeamSpread {
			t.row("  "+s.Attribute+": spread of team averages", f1(s.Mean), f1(s.P90), f1(s.Max))
		}
		if l := r.Quality.WorstLatencyMs; l != nil {
			t.row("  worst latency at match location (ms)", f1(l.Mean), f1(l.P90), f1(l.Max))
		}
		t.write(&b)
	} else if r.Matches == 0 {
		b.WriteString("match quality: n/a (no matches)\n")
	} else {
		b.WriteString("match quality: n/a (one team, and no match location)\n")
	}
	if a := r.Acceptance; a.Proposed > 0 {
		fmt.Fprintf(&b, "\nacceptance: %s matches proposed; %s accepted, %s rejected, %s timed out\n",
			commas(a.Proposed), commas(a.Accepted), commas(a.Rejected), commas(a.TimedOut))
	}
	if f := r.Backfill; f.LeavesReported+f.LeavesRefused+f.Tickets > 0 {
		fmt.Fprintf(&b, "\nbackfill: %s players left (%s reports refused); %s backfill tickets, %s matched adding %s players, %s timed out, %s cancelled; %s games ended\n",
			commas(f.LeavesReported), commas(f.LeavesRefused), commas(f.Tickets), commas(f.Matches), commas(f.PlayersAdded), commas(f.TimedOut), commas(f.Cancelled), commas(f.GamesEnded))
	}
	if len(r.Rules) > 0 {
		r.writeRules(&b)
	}
	fmt.Fprintln(&b)
	t = table{}
	t.row("engine", fmt.Sprintf("%s steps: p50 %s, p99 %s, max %s", commas(r.Steps), secs(r.StepSeconds.P50), secs(r.StepSeconds.P99), secs(r.StepSeconds.Max)))
	t.row("", fmt.Sprintf("%s inside the engine: %s matches a second", secs(r.EngineSeconds), commas(int(math.Round(r.MatchesPerSecond)))))
	heap := fmt.Sprintf("%s of heap per waiting ticket (at the peak of %s waiting)", bytesStr(r.HeapBytesPerTicket), commas(r.PeakWaiting))
	switch {
	case r.HeapBytesPerTicket == 0:
		heap = fmt.Sprintf("heap per waiting ticket: n/a (it is measured from %d tickets waiting at once; at most %s did)", minHeapSample, commas(r.PeakWaiting))
	case r.PeakWaiting < 10000:
		heap += "; below 10,000 the heap's fixed overhead dominates: see matchforge bench"
	}
	t.row("", heap)
	t.row("wall time", secs(r.WallSeconds))
	t.left = 2
	t.write(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeGroups writes the breakdowns by location, party size and skill band
// as one table.
func (r *Report) writeGroups(b *strings.Builder) {
	if len(r.ByLocation)+len(r.ByPartySize)+len(r.BySkill) == 0 {
		return
	}
	fmt.Fprintln(b)
	var t table
	t.row("tickets by", "tickets", "matched", "wait p50", "wait p90", "matches there")
	section := func(title string, gs []Group, there bool) {
		if len(gs) == 0 {
			return
		}
		t.row(title, "", "", "", "", "")
		for _, g := range gs {
			matched, p50, p90 := "n/a", "n/a", "n/a"
			if f, ok := g.MatchedFraction(); ok {
				matched = fmt.Sprintf("%.2f%%", 100*f)
			}
			if g.Wait != nil {
				p50, p90 = f1(g.Wait.P50)+" s", f1(g.Wait.P90)+" s"
			}
			m := ""
			if there {
				m = commas(g.Matches)
			}
			t.row("  "+g.Name, commas(g.Tickets), matched, p50, p90, m)
		}
	}
	section("home location", r.ByLocation, true)
	sizes := make([]Group, len(r.ByPartySize))
	for i, g := range r.ByPartySize {
		g.Name += " player"
		if g.Name != "1 player" {
			g.Name += "s"
		}
		sizes[i] = g
	}
	section("party size", sizes, false)
	section("skill band ("+r.SkillAttribute+")", r.BySkill, false)
	t.write(b)
}

// ruleErrors is the number of rule evaluations that failed with an error.
func (r *Report) ruleErrors() int {
	n := 0
	for _, rc := range r.Rules {
		n += rc.Errors
	}
	return n
}

// writeRules writes the rule counts, what they count, and a warning when
// evaluations failed with errors.
func (r *Report) writeRules(b *strings.Builder) {
	fmt.Fprintln(b)
	var t table
	t.row("rule", "type", "passed", "failed", "errors", "pass rate")
	evaluations := 0
	for _, rc := range r.Rules {
		rate := "n/a"
		if n := rc.Passed + rc.Failed; n > 0 {
			rate = fmt.Sprintf("%.1f%%", 100*float64(rc.Passed)/float64(n))
		}
		t.row("  "+rc.Name, rc.Type, commas(rc.Passed), commas(rc.Failed), commas(rc.Errors), rate)
		evaluations += rc.Passed + rc.Failed
	}
	t.left = 2
	t.write(b)
	perMatch := "n/a"
	if r.Matches+r.Backfill.Matches > 0 {
		perMatch = commas(int(math.Round(float64(evaluations) / float64(r.Matches+r.Backfill.Matches))))
	}
	fmt.Fprintf(b, "  (rule counts are evaluations on candidate matches: each match attempt checks the rules in order and\n"+
		"  stops at the first that fails, so a later rule is evaluated less often; errors count among the failures;\n"+
		"  %s evaluations per match)\n", perMatch)
	if errs := r.ruleErrors(); errs > 0 {
		var worst RuleCount
		for _, rc := range r.Rules {
			if rc.Errors > worst.Errors {
				worst = rc
			}
		}
		fmt.Fprintf(b, "warning: %s rule evaluations failed with an error and counted as failures, not matches; %s: %s\n",
			commas(errs), worst.Name, worst.LastError)
	}
}

// sparkLevels are the bars of spark, lowest first.
var sparkLevels = []rune("▁▂▃▄▅▆▇█")

// spark draws counts as a one-line bar chart: the lowest bar for 0, the
// highest for the largest count.
func spark(counts []int) string {
	top := 0
	for _, c := range counts {
		top = max(top, c)
	}
	out := make([]rune, len(counts))
	for i, c := range counts {
		lvl := 0
		if c > 0 && top > 0 {
			lvl = max(1, int(math.Round(float64(c)/float64(top)*float64(len(sparkLevels)-1))))
		}
		out[i] = sparkLevels[lvl]
	}
	return string(out)
}

// minutes formats a timeline interval: "1 min", "8 min".
func minutes(seconds float64) string {
	if m := seconds / 60; m == math.Trunc(m) {
		return fmt.Sprintf("%d min", int(m))
	}
	return dur(seconds)
}

// maxMarks bounds the marks of the text timeline.
const maxMarks = 60

// textTimeline merges a timeline's points so that at most maxMarks remain
// (waiting by its peak, matches by their sum), returning them with their
// interval in seconds.
func textTimeline(tl Timeline) ([]TimePoint, float64) {
	pts, step := tl.Points, tl.StepSeconds
	for len(pts) > maxMarks {
		c := Timeline{StepSeconds: step, Points: slices.Clone(pts)}
		c.halve()
		pts, step = c.Points, c.StepSeconds
	}
	return pts, step
}

// table aligns rows of cells: the first left columns to the left, the
// rest to the right.
type table struct {
	rows [][]string
	left int // columns aligned left; 0 means 1
}

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(b *strings.Builder) {
	left := max(t.left, 1)
	var width []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range t.rows {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i > 0 {
				line.WriteString("   ")
			}
			if i < left {
				line.WriteString(c + pad)
			} else {
				line.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}

func f1(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

// commas formats n with thousands separators.
func commas(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// secs formats seconds of wall time with a fitting unit.
func secs(s float64) string {
	switch {
	case s == 0:
		return "0"
	case s < 1e-3:
		return fmt.Sprintf("%.1f µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.2f ms", s*1e3)
	}
	return fmt.Sprintf("%.2f s", s)
}

func dur(s float64) string {
	return time.Duration(math.Round(s) * float64(time.Second)).String()
}

func bytesStr(b float64) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case b >= 10*1024:
		return fmt.Sprintf("%.1f KiB", b/1024)
	}
	return fmt.Sprintf("%.0f B", b)
}
