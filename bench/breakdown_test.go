package bench

import (
	"bytes"
	"context"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/ruleset"
)

// TestBreakdownsAddUp checks that every breakdown of a run accounts for
// the report's counts.
func TestBreakdownsAddUp(t *testing.T) {
	t.Parallel()
	r := eventfulReport(t)
	if n := r.WaitHistogram.Total(); n != r.Matched {
		t.Errorf("the wait histogram counts %d tickets; %d matched", n, r.Matched)
	}
	if w := r.WaitHistogram.Width; float64(len(r.WaitHistogram.Counts))*w <= r.Wait.Max-w || len(r.WaitHistogram.Counts) > maxBins {
		t.Errorf("wait histogram of %d bins of %v s for waits up to %v s", len(r.WaitHistogram.Counts), w, r.Wait.Max)
	}
	arrived, matches, peak := 0, 0, 0
	for i, p := range r.Timeline.Points {
		arrived, matches, peak = arrived+p.Arrived, matches+p.Matches, max(peak, p.Waiting)
		if p.Seconds != float64(i)*r.Timeline.StepSeconds {
			t.Errorf("timeline point %d starts at %v s; want %v", i, p.Seconds, float64(i)*r.Timeline.StepSeconds)
		}
	}
	if arrived != r.Tickets || matches != r.Matches || peak != r.PeakWaiting {
		t.Errorf("timeline: %d arrived, %d matches, peak %d waiting; the report counts %d, %d, %d", arrived, matches, peak, r.Tickets, r.Matches, r.PeakWaiting)
	}
	if r.Timeline.StepSeconds != 60 || len(r.Timeline.Points) < 3 {
		t.Errorf("timeline of %d points of %v s for a run of 3 min and its drain", len(r.Timeline.Points), r.Timeline.StepSeconds)
	}
	for _, dim := range []struct {
		name   string
		groups []Group
	}{{"location", r.ByLocation}, {"party size", r.ByPartySize}, {"skill band", r.BySkill}} {
		var sum Group
		for _, g := range dim.groups {
			sum.Tickets += g.Tickets
			sum.Matched += g.Matched
			sum.TimedOut += g.TimedOut
			sum.Cancelled += g.Cancelled
			sum.Failed += g.Failed
			sum.Matches += g.Matches
			if (g.Wait == nil) != (g.Matched == 0) || g.Wait != nil && g.Wait.P50 > g.Wait.P90 {
				t.Errorf("%s %s: %d matched, wait %+v", dim.name, g.Name, g.Matched, g.Wait)
			}
		}
		if sum.Tickets != r.Tickets || sum.Matched != r.Matched || sum.TimedOut != r.TimedOut || sum.Cancelled != r.Cancelled || sum.Failed != r.Failed+r.Unresolved {
			t.Errorf("by %s: %+v; the report counts %d tickets, %d matched, %d timed out, %d cancelled", dim.name, sum, r.Tickets, r.Matched, r.TimedOut, r.Cancelled)
		}
		if dim.name == "location" && sum.Matches != r.Matches {
			t.Errorf("matches by location add up to %d; %d matches, each with a location", sum.Matches, r.Matches)
		}
	}
	if names := groupNames(r.ByLocation); !slices.Equal(names, []string{"us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"}) {
		t.Errorf("locations %v; want the population's, in its order", names)
	}
	if names := groupNames(r.ByPartySize); !slices.Equal(names, []string{"1", "2", "3"}) {
		t.Errorf("party sizes %v", names)
	}
	// The bands are the quartiles of the population's skill: a quarter of
	// the tickets each, give or take.
	if r.SkillAttribute != "skill" || len(r.BySkill) != 4 {
		t.Fatalf("skill bands of %q: %v", r.SkillAttribute, groupNames(r.BySkill))
	}
	for _, g := range r.BySkill {
		if f := float64(g.Tickets) / float64(r.Tickets); f < 0.18 || f > 0.32 {
			t.Errorf("skill band %s holds %.0f%% of the tickets; want about 25%%", g.Name, 100*f)
		}
	}
	if !strings.HasPrefix(r.BySkill[0].Name, "below ") || !strings.HasSuffix(r.BySkill[3].Name, " and above") {
		t.Errorf("skill bands %v", groupNames(r.BySkill))
	}
	phases := ruleset.MustLoad([]byte(DefaultRuleSet())).Phases()
	sum := 0
	for i, e := range r.Expansion {
		sum += e.Matches
		if e.Phase != i || e.FromSeconds != phases[i].Start().Seconds() {
			t.Errorf("expansion phase %d: %+v; want phase %d from %v s", i, e, i, phases[i].Start().Seconds())
		}
	}
	if len(r.Expansion) != len(phases) || sum != r.Matches {
		t.Errorf("expansion phases %+v for %d phases; they count %d matches of %d", r.Expansion, len(phases), sum, r.Matches)
	}
	ended := 0
	for _, e := range r.Endings {
		ended += e.Tickets
	}
	if ended != r.TimedOut+r.Cancelled+r.Failed {
		t.Errorf("endings count %d tickets; %d ended without a match", ended, r.TimedOut+r.Cancelled+r.Failed)
	}
	for _, s := range append(slices.Clone(r.Quality.TeamSpread), *r.Quality.WorstLatencyMs) {
		if s.Histogram.Total() != r.Matches {
			t.Errorf("quality %q: the histogram counts %d matches of %d", s.Attribute, s.Histogram.Total(), r.Matches)
		}
	}
}

func groupNames(gs []Group) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Name)
	}
	return out
}

func TestHistogram(t *testing.T) {
	for _, tt := range []struct {
		xs     []float64
		width  float64
		counts []int
	}{
		{nil, 0, []int{}},
		{[]float64{0}, 0.001, []int{1}},
		{[]float64{0, 1, 2, 3, 29.9, 30}, 1, append(append([]int{1, 1, 1, 1}, make([]int, 25)...), 2)},
		{[]float64{0.5, 59, 120}, 5, append(append([]int{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, make([]int, 12)...), 1)},
		{[]float64{7, 7000}, 250, append(append([]int{1}, make([]int, 27)...), 1)},
	} {
		h := histogram(slices.Clone(tt.xs))
		if h.Width != tt.width || !slices.Equal(h.Counts, tt.counts) {
			t.Errorf("histogram(%v) = %v %v; want %v %v", tt.xs, h.Width, h.Counts, tt.width, tt.counts)
		}
		if h.Total() != len(tt.xs) {
			t.Errorf("histogram(%v) counts %d values", tt.xs, h.Total())
		}
	}
	for x, want := range map[float64]float64{0.9: 1, 1: 1, 1.1: 2, 2.2: 2.5, 3: 5, 7: 10, 40: 50, 0: 0.001} { // order does not matter: each case is checked on its own
		if got := roundWidth(x); got != want {
			t.Errorf("roundWidth(%v) = %v; want %v", x, got, want)
		}
	}
}

// TestTimelineBounded checks that a long run's timeline halves its
// resolution to stay within maxPoints, keeping its sums and peaks.
func TestTimelineBounded(t *testing.T) {
	var b breakdowns
	b.timeline.StepSeconds = 60
	arrived, peak := 0, 0
	for s := 0; s < 24*3600; s += 10 {
		p := b.point(time.Duration(s) * time.Second)
		p.Arrived++
		w := (s / 60) % 500
		p.Waiting = max(p.Waiting, w)
		arrived, peak = arrived+1, max(peak, w)
	}
	tl := b.timeline
	if len(tl.Points) > maxPoints || tl.StepSeconds != 480 {
		t.Fatalf("a day in %d points of %v s; want at most %d, of 8 minutes", len(tl.Points), tl.StepSeconds, maxPoints)
	}
	got, gotPeak := 0, 0
	for _, p := range tl.Points {
		got, gotPeak = got+p.Arrived, max(gotPeak, p.Waiting)
	}
	if got != arrived || gotPeak != peak {
		t.Errorf("after halving: %d arrived, peak %d; want %d and %d", got, gotPeak, arrived, peak)
	}
}

func TestSkillBands(t *testing.T) {
	rs := ruleset.MustLoad([]byte(`{"ruleLanguageVersion": "1.0", "playerAttributes": [{"name": "level", "type": "number", "default": 3}],
	  "teams": [{"name": "a", "minPlayers": 2, "maxPlayers": 2}],
	  "rules": [{"name": "Near", "type": "batchDistance", "batchAttribute": "level", "maxDistance": 1}]}`))
	for _, tt := range []struct {
		name  string
		attr  *Attribute
		bands []string
	}{
		{"the default for everyone", nil, []string{"all"}},
		{"a constant", &Attribute{Type: TypeNumber, NumberDist: NumberDist{Mean: 7}}, []string{"all"}},
		{"uniform from 0 to 100", &Attribute{Type: TypeNumber, NumberDist: NumberDist{Dist: DistUniform, Min: F(0), Max: F(100), Round: true}}, nil},
		{"mostly one level", &Attribute{Type: TypeNumber, Values: []Choice{Num(1, 1), Num(2, 8), Num(3, 1)}},
			[]string{"below 2", "2 and above"}},
	} {
		pop := Population{Arrivals: Arrivals{RatePerMinute: 1}}
		if tt.attr != nil {
			pop.Attributes = map[string]Attribute{"level": *tt.attr}
		}
		s, err := newSim(Options{RuleSet: rs.Body(), Population: &pop})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for i := range len(s.b.edges) + 1 {
			names = append(names, bandName(s.b.edges, i))
		}
		if tt.bands == nil {
			// Quartiles of a sample: near 25, 50 and 75.
			if len(s.b.edges) != 3 || math.Abs(s.b.edges[0]-25) > 3 || math.Abs(s.b.edges[1]-50) > 3 || math.Abs(s.b.edges[2]-75) > 3 {
				t.Errorf("%s: bands %v; want edges near 25, 50 and 75", tt.name, names)
			}
			continue
		}
		if !slices.Equal(names, tt.bands) {
			t.Errorf("%s: bands %v; want %v", tt.name, names, tt.bands)
		}
	}
}

// TestTextBreakdowns checks the text report's short forms of the
// breakdowns and its note on rule counts.
func TestTextBreakdowns(t *testing.T) {
	t.Parallel()
	r := eventfulReport(t)
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"histogram, 2 s bins from 0 to ", "over time, 1 min a mark: waiting ", "new matches ",
		"tickets by", "home location\n", "  us-east-1 ", "party size\n", "  2 players ", "skill band (skill)\n", "  below ",
		"expansion phase of new matches: 0 (from 0 s) ", "4 (from 40 s) ",
		"ended without a match: ", "TIMED_OUT (REQUEST_TIMEOUT)", "CANCELLED (ACCEPTANCE_REJECTED)", "CANCELLED (ACCEPTANCE_TIMEOUT)",
		"rule counts are evaluations on candidate matches", "evaluations per match", "pass rate",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"NaN", "Inf", "warning:"} {
		if strings.Contains(out, bad) {
			t.Errorf("text report holds %q:\n%s", bad, out)
		}
	}
}

// TestTextNothingMatched checks that a run without a match says n/a where
// there is nothing to measure, rather than 0 or NaN.
func TestTextNothingMatched(t *testing.T) {
	t.Parallel()
	pop := DefaultPopulation()
	pop.Arrivals.RatePerMinute = 2 // never ten players within the timeout
	r, err := Simulate(context.Background(), Options{Population: &pop, Duration: 2 * time.Minute, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Matched != 0 || r.Tickets == 0 {
		t.Fatalf("%d of %d tickets matched; the test wants none of some", r.Matched, r.Tickets)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`(?m)^wait \(s\)  .*\n\s+n/a\s+n/a\s+n/a\s+n/a\s+n/a$`, `match quality: n/a \(no matches\)`, `expansion phase of new matches: n/a \(no matches\)`,
		`(?m)^  1 player\s+4\s+0\.00%\s+n/a\s+n/a$`, `n/a evaluations per match\)`, `heap per waiting ticket: n/a`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("text report lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "NaN") || strings.Contains(out, "0.0   0.0") {
		t.Errorf("text report shows NaN or zeros for what it could not measure:\n%s", out)
	}
}

// TestTextRuleErrors checks that rule evaluation errors are reported, with
// a warning, rather than showing as a silent "no match".
func TestTextRuleErrors(t *testing.T) {
	t.Parallel()
	rs := `{"ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 10}],
	  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1}, {"name": "blue", "minPlayers": 1, "maxPlayers": 1}],
	  "rules": [{"name": "Sixth", "type": "expression", "expression": "players[5].skill > 0"}]}`
	pop := Population{Arrivals: Arrivals{RatePerMinute: 30}}
	r, err := Simulate(context.Background(), Options{RuleSet: rs, Population: &pop, Duration: time.Minute, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rules) != 1 || r.Rules[0].Errors == 0 || r.Rules[0].LastError == "" {
		t.Fatalf("rules %+v; want errors counted with the last one's message", r.Rules)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "warning: ") || !strings.Contains(b.String(), "rule evaluations failed with an error") || !strings.Contains(b.String(), "Sixth: "+r.Rules[0].LastError) {
		t.Errorf("text report lacks the warning:\n%s", b.String())
	}
}
