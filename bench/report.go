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
	Wait       Quantiles   `json:"wait_seconds"`
	Quality    Quality     `json:"quality"`
	Acceptance Acceptance  `json:"acceptance"`
	Backfill   Backfill    `json:"backfill"`
	Rules      []RuleCount `json:"rules"`

	// Steps is the number of engine steps; PeakWaiting the most tickets
	// waiting (QUEUED, SEARCHING or REQUIRES_ACCEPTANCE) after a step.
	Steps       int `json:"steps"`
	PeakWaiting int `json:"peak_waiting"`

	Cost
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
	// heap's fragmentation.
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

// Spread summarises one quality figure over the matches.
type Spread struct {
	Attribute string  `json:"attribute,omitempty"`
	Mean      float64 `json:"mean"`
	P90       float64 `json:"p90"`
	Max       float64 `json:"max"`
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
// Engine.RuleMetrics.
type RuleCount struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Passed int    `json:"passed"`
	Failed int    `json:"failed"`
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
	return Spread{Attribute: name, Mean: q.Mean, P90: q.P90, Max: q.Max}
}

// JSON returns the report as indented JSON.
func (r *Report) JSON() []byte {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// WriteText writes the report as aligned, readable text.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "rule set %s, configuration %s, seed %d: %s of arrivals, then %s until every ticket ended (virtual time)\n\n",
		r.RuleSet, r.Configuration, r.Seed, dur(r.VirtualSeconds), dur(r.DrainSeconds))
	pct := func(n int) string {
		if r.Tickets == 0 {
			return ""
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
	for s := range r.MatchesBySize {
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
	t.row("", f1(r.Wait.P50), f1(r.Wait.P90), f1(r.Wait.P99), f1(r.Wait.Max), f1(r.Wait.Mean))
	t.write(&b)

	if len(r.Quality.TeamSpread) > 0 || r.Quality.WorstLatencyMs != nil {
		fmt.Fprintln(&b)
		t = table{}
		t.row("match quality", "mean", "p90", "max")
		for _, s := range r.Quality.TeamSpread {
			t.row("  "+s.Attribute+": spread of team averages", f1(s.Mean), f1(s.P90), f1(s.Max))
		}
		if l := r.Quality.WorstLatencyMs; l != nil {
			t.row("  worst latency at match location (ms)", f1(l.Mean), f1(l.P90), f1(l.Max))
		}
		t.write(&b)
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
		fmt.Fprintln(&b)
		t = table{}
		t.row("rule", "type", "passed", "failed")
		for _, rc := range r.Rules {
			t.row("  "+rc.Name, rc.Type, commas(rc.Passed), commas(rc.Failed))
		}
		t.left = 2
		t.write(&b)
	}
	fmt.Fprintln(&b)
	t = table{}
	t.row("engine", fmt.Sprintf("%s steps: p50 %s, p99 %s, max %s", commas(r.Steps), secs(r.StepSeconds.P50), secs(r.StepSeconds.P99), secs(r.StepSeconds.Max)))
	t.row("", fmt.Sprintf("%s inside the engine: %s matches a second", secs(r.EngineSeconds), commas(int(math.Round(r.MatchesPerSecond)))))
	heap := fmt.Sprintf("%s of heap per waiting ticket (at the peak of %s waiting)", bytesStr(r.HeapBytesPerTicket), commas(r.PeakWaiting))
	if r.PeakWaiting < 10000 {
		heap += "; below 10,000 the heap's fixed overhead dominates: see matchforge bench"
	}
	t.row("", heap)
	t.row("wall time", secs(r.WallSeconds))
	t.left = 2
	t.write(&b)
	_, err := io.WriteString(w, b.String())
	return err
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
