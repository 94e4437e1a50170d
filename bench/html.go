package bench

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
)

// The ids of the charts of WriteHTML's page, one <figure> each, in page
// order. Each figure has a data-points attribute: the number of values it
// plots (bins, intervals, groups, phases, endings or rules), 0 when it has
// nothing to plot, in which case it says why in a <p class="empty">.
const (
	ChartWaits       = "chart-waits"       // histogram of matched tickets' waits
	ChartTimeline    = "chart-timeline"    // waiting tickets, arrivals and new matches over time
	ChartByLocation  = "chart-by-location" // outcomes and waits by home location
	ChartByPartySize = "chart-by-party"    // outcomes and waits by party size
	ChartBySkill     = "chart-by-skill"    // outcomes and waits by skill band
	ChartExpansion   = "chart-expansion"   // new matches by expansion phase
	ChartEndings     = "chart-endings"     // tickets that ended without a match, by status and reason
	ChartQuality     = "chart-quality"     // histograms of team spread and worst latency
	ChartRules       = "chart-rules"       // rule evaluations passed, failed and in error
)

// ChartIDs returns the ids of the page's charts in page order.
func ChartIDs() []string {
	return []string{ChartWaits, ChartTimeline, ChartByLocation, ChartByPartySize, ChartBySkill, ChartExpansion, ChartEndings, ChartQuality, ChartRules}
}

// WriteHTML writes the report as one self-contained HTML page: a summary,
// one chart per breakdown (inline SVG, see ChartIDs), and the text report.
// The page loads nothing and runs no script; hovering a bar shows its
// figures through SVG <title> elements. It is generated with html/template,
// so every name from the rule set or population is escaped.
func (r *Report) WriteHTML(w io.Writer) error {
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		return err
	}
	p := htmlPage{
		Title:   fmt.Sprintf("matchforge simulation: %s, configuration %s, seed %d", r.RuleSet, r.Configuration, r.Seed),
		Sub:     fmt.Sprintf("%s of arrivals, then %s until every ticket ended (virtual time)", dur(r.VirtualSeconds), dur(r.DrainSeconds)),
		Facts:   r.facts(),
		Warning: r.ruleWarning(),
		Text:    text.String(),
	}
	p.Figures = []figure{
		r.waitFigure(), r.timelineFigure(),
		r.groupFigure(ChartByLocation, "By home location", "Tickets by their players' home location: how they ended, and how long the matched ones waited. Matches there counts the new matches placed at the location.", r.ByLocation, true, "n/a: the population has no locations"),
		r.groupFigure(ChartByPartySize, "By party size", "Tickets by their number of players: how they ended, and how long the matched ones waited.", partyGroups(r.ByPartySize), false, "n/a: no tickets"),
		r.groupFigure(ChartBySkill, r.skillTitle(), "Tickets by the average "+r.SkillAttribute+" of their players, in bands at the quartiles of the population's: how they ended, and how long the matched ones waited.", r.BySkill, false, "n/a: the rules read no number attribute"),
		r.expansionFigure(), r.endingsFigure(), r.qualityFigure(), r.rulesFigure(),
	}
	return pageTemplate.Execute(w, p)
}

// htmlPage is what the page template shows.
type htmlPage struct {
	Title, Sub string
	Facts      []fact
	Warning    string
	Figures    []figure
	Text       string
}

type fact struct{ Name, Value string }

// figure is one chart: a <figure> with its id, title, note and panels (one
// SVG each).
type figure struct {
	ID, Title, Note string
	Points          int
	Empty           string // why there is nothing to plot
	Panels          []panel
}

// panel is one SVG drawing; its coordinates are preformatted strings.
type panel struct {
	Title  string
	W, H   int
	Label  string // the SVG's accessible name
	Rects  []rect
	Lines  []line
	Polys  []poly
	Texts  []text
	Legend []legend
}

type rect struct{ X, Y, W, H, Class, Tip string }
type line struct{ X1, Y1, X2, Y2, Class string }
type poly struct{ Points, Class, Tip string }
type text struct{ X, Y, Anchor, Class, Text, Rotate string }
type legend struct{ Class, Name string }

// Drawing sizes, in SVG user units (the SVG scales to the page's width).
const (
	chartW     = 900
	plotLeft   = 64
	plotRight  = 16
	plotTop    = 14
	plotBottom = 46
	rowH       = 24
	labelW     = 170
	noteW      = 250
)

func px(x float64) string { return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64) }

// axisTicks returns round tick values from 0 to at least hi.
func axisTicks(hi float64) []float64 {
	if hi <= 0 {
		hi = 1
	}
	step := roundWidth(hi / 4)
	var ticks []float64
	for v := 0.0; ; v += step {
		ticks = append(ticks, v)
		if v >= hi*(1-1e-9) {
			return ticks
		}
	}
}

// short formats an axis value: 1500, 12k, 3.4M, 0.25.
func short(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}

// series is one named run of values of a vertical chart.
type series struct {
	Name, Class string
	Values      []float64
	Line        bool // drawn as a line rather than bars
}

// vchart draws series over labelled x positions: bars (stacked when there
// are several bar series) and lines, with a y axis of round ticks.
func vchart(title, xTitle, yTitle string, labels []string, tips []string, ss []series) panel {
	const h = 240
	p := panel{Title: title, W: chartW, H: h, Label: title}
	pw, ph := float64(chartW-plotLeft-plotRight), float64(h-plotTop-plotBottom)
	n := len(labels)
	hi := 0.0
	for i := range n {
		stack := 0.0
		for _, s := range ss {
			if s.Line {
				hi = max(hi, s.Values[i])
			} else {
				stack += s.Values[i]
			}
		}
		hi = max(hi, stack)
	}
	ticks := axisTicks(hi)
	top := ticks[len(ticks)-1]
	y := func(v float64) float64 { return plotTop + ph - v/top*ph }
	for _, t := range ticks {
		p.Lines = append(p.Lines, line{px(plotLeft), px(y(t)), px(plotLeft + pw), px(y(t)), "grid"})
		p.Texts = append(p.Texts, text{X: px(plotLeft - 6), Y: px(y(t) + 4), Anchor: "end", Class: "tick", Text: short(t)})
	}
	slot := pw / float64(max(n, 1))
	every := max(1, int(math.Ceil(float64(n)/12)))
	for i, l := range labels {
		if i%every == 0 {
			p.Texts = append(p.Texts, text{X: px(plotLeft + slot*(float64(i)+0.5)), Y: px(plotTop + ph + 16), Anchor: "middle", Class: "tick", Text: l})
		}
	}
	for i := range n {
		base := 0.0
		for _, s := range ss {
			if s.Line {
				continue
			}
			v := s.Values[i]
			tip := fmt.Sprintf("%s: %s %s", labels[i], commasF(v), strings.ToLower(s.Name))
			if tips != nil {
				tip = tips[i]
			}
			bw := max(slot*0.8, 1)
			p.Rects = append(p.Rects, rect{px(plotLeft + slot*float64(i) + (slot-bw)/2), px(y(base + v)), px(bw), px(y(base) - y(base+v)), s.Class, tip})
			base += v
		}
	}
	for _, s := range ss {
		if !s.Line {
			continue
		}
		var pts []string
		for i, v := range s.Values {
			pts = append(pts, px(plotLeft+slot*(float64(i)+0.5))+","+px(y(v)))
		}
		p.Polys = append(p.Polys, poly{Points: strings.Join(pts, " "), Class: "line " + s.Class, Tip: s.Name})
	}
	p.Lines = append(p.Lines, line{px(plotLeft), px(plotTop + ph), px(plotLeft + pw), px(plotTop + ph), "axis"})
	p.Texts = append(p.Texts,
		text{X: px(plotLeft + pw/2), Y: px(h - 8), Anchor: "middle", Class: "axis-title", Text: xTitle},
		text{X: "14", Y: px(plotTop + ph/2), Anchor: "middle", Class: "axis-title", Text: yTitle, Rotate: "rotate(-90 14 " + px(plotTop+ph/2) + ")"})
	if len(ss) > 1 {
		for _, s := range ss {
			p.Legend = append(p.Legend, legend{Class: s.Class, Name: s.Name})
		}
	}
	return p
}

// hrow is one row of a horizontal chart: its label, stacked segments and a
// note at the right.
type hrow struct {
	Label string
	Segs  []float64
	Tip   string
	Note  string
}

// hchart draws rows of stacked horizontal bars; overlay draws the segments
// from 0 each, the later over the earlier (for p50 over p90).
func hchart(title, xTitle string, rows []hrow, names, classes []string, overlay bool) panel {
	h := plotTop + len(rows)*rowH + 40
	p := panel{Title: title, W: chartW, H: h, Label: title}
	pw := float64(chartW - labelW - noteW)
	hi := 0.0
	for _, r := range rows {
		sum := 0.0
		for _, v := range r.Segs {
			sum += v
			hi = max(hi, v)
		}
		if !overlay {
			hi = max(hi, sum)
		}
	}
	ticks := axisTicks(hi)
	top := ticks[len(ticks)-1]
	x := func(v float64) float64 { return labelW + v/top*pw }
	bottom := float64(plotTop + len(rows)*rowH)
	for _, t := range ticks {
		p.Lines = append(p.Lines, line{px(x(t)), px(plotTop), px(x(t)), px(bottom), "grid"})
		p.Texts = append(p.Texts, text{X: px(x(t)), Y: px(bottom + 14), Anchor: "middle", Class: "tick", Text: short(t)})
	}
	for i, r := range rows {
		yy := float64(plotTop + i*rowH)
		p.Texts = append(p.Texts, text{X: px(labelW - 8), Y: px(yy + rowH/2 + 4), Anchor: "end", Class: "label", Text: r.Label})
		base := 0.0
		for k, v := range r.Segs {
			if overlay {
				base = 0
			}
			if v > 0 {
				tip := r.Tip
				if tip == "" {
					tip = fmt.Sprintf("%s: %s %s", r.Label, commasF(v), names[k])
				}
				p.Rects = append(p.Rects, rect{px(x(base)), px(yy + 4), px(x(base+v) - x(base)), px(rowH - 8), classes[k], tip})
			}
			base += v
		}
		p.Texts = append(p.Texts, text{X: px(chartW - noteW + 10), Y: px(yy + rowH/2 + 4), Anchor: "start", Class: "note", Text: r.Note})
	}
	p.Lines = append(p.Lines, line{px(labelW), px(plotTop), px(labelW), px(bottom), "axis"})
	p.Texts = append(p.Texts, text{X: px(labelW + pw/2), Y: px(bottom + 32), Anchor: "middle", Class: "axis-title", Text: xTitle})
	for k, n := range names {
		p.Legend = append(p.Legend, legend{Class: classes[k], Name: n})
	}
	return p
}

// commasF formats a count, or a value with one decimal.
func commasF(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return commas(int(v))
	}
	return f1(v)
}

func (r *Report) facts() []fact {
	pct := func(n int) string {
		if r.Tickets == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f%%", 100*float64(n)/float64(r.Tickets))
	}
	wait := func(v float64) string {
		if r.Matched == 0 {
			return "n/a"
		}
		return f1(v) + " s"
	}
	fs := []fact{
		{"tickets", commas(r.Tickets)},
		{"players", commas(r.Players)},
		{"matched", pct(r.Matched)},
		{"timed out", pct(r.TimedOut)},
		{"cancelled", pct(r.Cancelled)},
		{"matches", commas(r.Matches)},
		{"wait p50", wait(r.Wait.P50)},
		{"wait p90", wait(r.Wait.P90)},
		{"wait p99", wait(r.Wait.P99)},
		{"peak waiting", commas(r.PeakWaiting)},
	}
	if r.Acceptance.Proposed > 0 {
		fs = append(fs, fact{"acceptance", fmt.Sprintf("%s of %s accepted", commas(r.Acceptance.Accepted), commas(r.Acceptance.Proposed))})
	}
	if r.Backfill.Matches > 0 {
		fs = append(fs, fact{"backfill matches", commas(r.Backfill.Matches)})
	}
	return fs
}

func (r *Report) ruleWarning() string {
	errs := r.ruleErrors()
	if errs == 0 {
		return ""
	}
	return fmt.Sprintf("%s rule evaluations failed with an error and counted as failures, not matches: see the rule evaluations below.", commas(errs))
}

func (r *Report) waitFigure() figure {
	f := figure{ID: ChartWaits, Title: "Wait of matched tickets",
		Note: "From a ticket's arrival to the creation of the match it completed in."}
	h := r.WaitHistogram
	if r.Matched == 0 || len(h.Counts) == 0 {
		f.Empty = "n/a: no ticket matched"
		return f
	}
	f.Note += fmt.Sprintf(" %s tickets matched: p50 %s s, p90 %s s, p99 %s s, longest %s s.", commas(r.Matched), f1(r.Wait.P50), f1(r.Wait.P90), f1(r.Wait.P99), f1(r.Wait.Max))
	labels, tips, vals := histogramSeries(h, "s", "tickets")
	f.Points = len(h.Counts)
	f.Panels = []panel{vchart("", "wait (s), bins of "+num(h.Width)+" s", "tickets", labels, tips, []series{{Name: "tickets", Class: "s0", Values: vals}})}
	return f
}

// histogramSeries returns a histogram's bin labels (their lower edges),
// tooltips and counts.
func histogramSeries(h Histogram, unit, what string) (labels, tips []string, vals []float64) {
	for i, c := range h.Counts {
		lo := num(round4(float64(i) * h.Width))
		labels = append(labels, lo)
		hi := num(round4(float64(i+1) * h.Width))
		if i == len(h.Counts)-1 {
			tips = append(tips, fmt.Sprintf("%s %s and more: %s %s", lo, unit, commas(c), what))
		} else {
			tips = append(tips, fmt.Sprintf("%s to %s %s: %s %s", lo, hi, unit, commas(c), what))
		}
		vals = append(vals, float64(c))
	}
	return labels, tips, vals
}

func (r *Report) timelineFigure() figure {
	tl := r.Timeline
	f := figure{ID: ChartTimeline, Title: "Over time",
		Note: fmt.Sprintf("Virtual time from the first instant to the end of the drain, in intervals of %s: the most tickets waiting after any engine step of the interval; the tickets that arrived and the new matches completed in it.", minutes(tl.StepSeconds))}
	if len(tl.Points) == 0 {
		f.Empty = "n/a: the run took no step"
		return f
	}
	var labels []string
	waiting, arrived, matches := make([]float64, len(tl.Points)), make([]float64, len(tl.Points)), make([]float64, len(tl.Points))
	for i, pt := range tl.Points {
		labels = append(labels, minutes(pt.Seconds))
		waiting[i], arrived[i], matches[i] = float64(pt.Waiting), float64(pt.Arrived), float64(pt.Matches)
	}
	f.Points = len(tl.Points)
	f.Panels = []panel{
		vchart("Waiting tickets", "virtual time", "tickets", labels, nil, []series{{Name: "waiting", Class: "s0", Values: waiting, Line: true}}),
		vchart("Arrivals and new matches per interval", "virtual time", "per "+minutes(tl.StepSeconds), labels, nil, []series{
			{Name: "tickets arrived", Class: "s3", Values: arrived, Line: true},
			{Name: "new matches", Class: "s1", Values: matches, Line: true},
		}),
	}
	return f
}

// partyGroups names party sizes for a chart: "1 player", "2 players".
func partyGroups(gs []Group) []Group {
	out := make([]Group, len(gs))
	for i, g := range gs {
		if g.Name == "1" {
			g.Name += " player"
		} else {
			g.Name += " players"
		}
		out[i] = g
	}
	return out
}

func (r *Report) skillTitle() string {
	if r.SkillAttribute == "" {
		return "By skill band"
	}
	return "By skill band (" + r.SkillAttribute + ")"
}

// groupFigure charts a breakdown: the outcomes of each group's tickets,
// and the waits of its matched ones.
func (r *Report) groupFigure(id, title, note string, gs []Group, there bool, empty string) figure {
	f := figure{ID: id, Title: title, Note: note}
	if len(gs) == 0 {
		f.Empty = empty
		return f
	}
	var outcomes, waits []hrow
	for _, g := range gs {
		matched := "n/a"
		if fr, ok := g.MatchedFraction(); ok {
			matched = fmt.Sprintf("%.1f%% matched", 100*fr)
		}
		if there {
			matched += "; " + commas(g.Matches) + " matches"
		}
		outcomes = append(outcomes, hrow{Label: g.Name, Segs: []float64{float64(g.Matched), float64(g.TimedOut), float64(g.Cancelled), float64(g.Failed)},
			Tip:  fmt.Sprintf("%s: %s tickets; %s matched, %s timed out, %s cancelled, %s failed or unresolved", g.Name, commas(g.Tickets), commas(g.Matched), commas(g.TimedOut), commas(g.Cancelled), commas(g.Failed)),
			Note: matched})
		w := hrow{Label: g.Name, Segs: []float64{0, 0}, Note: "n/a: none matched"}
		if g.Wait != nil {
			w.Segs = []float64{g.Wait.P90, g.Wait.P50}
			w.Tip = fmt.Sprintf("%s: wait p50 %s s, p90 %s s, mean %s s", g.Name, f1(g.Wait.P50), f1(g.Wait.P90), f1(g.Wait.Mean))
			w.Note = fmt.Sprintf("p50 %s s, p90 %s s", f1(g.Wait.P50), f1(g.Wait.P90))
		}
		waits = append(waits, w)
	}
	f.Points = len(gs)
	f.Panels = []panel{
		hchart("How the tickets ended", "tickets", outcomes, []string{"matched", "timed out", "cancelled", "failed or unresolved"}, []string{"s0", "s1", "s2", "s3"}, false),
		hchart("Wait of the matched tickets", "wait (s)", waits, []string{"p90", "p50"}, []string{"s4", "s0"}, true),
	}
	return f
}

func (r *Report) expansionFigure() figure {
	f := figure{ID: ChartExpansion, Title: "Expansion phase of each new match",
		Note: "The phase of the rule set's expansion schedule in force when the match was made, for the age of its newest ticket (its oldest with expansionAgeSelection oldest), as the engine applies it; phase 0 is before any expansion."}
	if r.Matches == 0 || len(r.Expansion) == 0 {
		f.Empty = "n/a: no new match"
		return f
	}
	var labels, tips []string
	var vals []float64
	for _, e := range r.Expansion {
		labels = append(labels, fmt.Sprintf("%d (%s s)", e.Phase, num(e.FromSeconds)))
		tips = append(tips, fmt.Sprintf("phase %d, from %s s: %s matches (%.1f%%)", e.Phase, num(e.FromSeconds), commas(e.Matches), 100*float64(e.Matches)/float64(r.Matches)))
		vals = append(vals, float64(e.Matches))
	}
	f.Points = len(r.Expansion)
	f.Panels = []panel{vchart("", "phase (begins at a wait of)", "matches", labels, tips, []series{{Name: "matches", Class: "s0", Values: vals}})}
	return f
}

func (r *Report) endingsFigure() figure {
	f := figure{ID: ChartEndings, Title: "Tickets that ended without a match",
		Note: "Time-outs, cancellations and failures of the submitted tickets, by status and StatusReason."}
	if len(r.Endings) == 0 {
		f.Empty = "none: every ticket that ended was matched"
		return f
	}
	var rows []hrow
	for _, e := range r.Endings {
		share := ""
		if r.Tickets > 0 {
			share = fmt.Sprintf("%.2f%% of the tickets", 100*float64(e.Tickets)/float64(r.Tickets))
		}
		class := 0
		switch e.Status {
		case "TIMED_OUT":
			class = 1
		case "CANCELLED":
			class = 2
		default:
			class = 3
		}
		segs := make([]float64, 3)
		segs[class-1] = float64(e.Tickets)
		rows = append(rows, hrow{Label: e.Reason, Segs: segs, Note: share,
			Tip: fmt.Sprintf("%s (%s): %s tickets", e.Status, e.Reason, commas(e.Tickets))})
	}
	f.Points = len(r.Endings)
	f.Panels = []panel{hchart("", "tickets", rows, []string{"timed out", "cancelled", "failed"}, []string{"s1", "s2", "s3"}, false)}
	return f
}

func (r *Report) qualityFigure() figure {
	f := figure{ID: ChartQuality, Title: "Match quality",
		Note: "For each new match: the spread of its teams' averages of each number attribute the rules read (highest team average minus lowest), and the highest latency of any of its players to the match's location."}
	for _, s := range r.Quality.TeamSpread {
		if len(s.Histogram.Counts) == 0 {
			continue
		}
		labels, tips, vals := histogramSeries(s.Histogram, "", "matches")
		f.Points += len(vals)
		f.Panels = append(f.Panels, vchart(fmt.Sprintf("Spread of team averages of %s (mean %s, p90 %s)", s.Attribute, f1(s.Mean), f1(s.P90)),
			s.Attribute+" spread, bins of "+num(s.Histogram.Width), "matches", labels, tips, []series{{Name: "matches", Class: "s0", Values: vals}}))
	}
	if l := r.Quality.WorstLatencyMs; l != nil && len(l.Histogram.Counts) > 0 {
		labels, tips, vals := histogramSeries(l.Histogram, "ms", "matches")
		f.Points += len(vals)
		f.Panels = append(f.Panels, vchart(fmt.Sprintf("Worst latency at the match location (mean %s ms, p90 %s ms)", f1(l.Mean), f1(l.P90)),
			"latency (ms), bins of "+num(l.Histogram.Width)+" ms", "matches", labels, tips, []series{{Name: "matches", Class: "s1", Values: vals}}))
	}
	if f.Points == 0 {
		f.Empty = "n/a: no new match, or nothing to measure (one team, and no match location)"
	}
	return f
}

func (r *Report) rulesFigure() figure {
	f := figure{ID: ChartRules, Title: "Rule evaluations",
		Note: "Evaluations of each rule on candidate matches. Each match attempt checks the rules in order and stops at the first that fails, so a later rule is evaluated less often. Errors are evaluations that could not be completed; they count as failures, not matches."}
	var rows []hrow
	evaluated := 0
	for _, rc := range r.Rules {
		n := rc.Passed + rc.Failed
		evaluated += n
		note := "not evaluated"
		if n > 0 {
			note = fmt.Sprintf("%.1f%% passed", 100*float64(rc.Passed)/float64(n))
		}
		if rc.Errors > 0 {
			note += fmt.Sprintf(", %s errors", commas(rc.Errors))
		}
		tip := fmt.Sprintf("%s (%s): %s passed, %s failed, %s of them errors", rc.Name, rc.Type, commas(rc.Passed), commas(rc.Failed), commas(rc.Errors))
		if rc.LastError != "" {
			tip += "; last error: " + rc.LastError
		}
		rows = append(rows, hrow{Label: rc.Name, Segs: []float64{float64(rc.Passed), float64(rc.Failed - rc.Errors), float64(rc.Errors)}, Tip: tip, Note: note})
	}
	if evaluated == 0 {
		f.Empty = "n/a: no rule was evaluated"
		if len(r.Rules) == 0 {
			f.Empty = "n/a: the rule set has no rules"
		}
		return f
	}
	if m := r.Matches + r.Backfill.Matches; m > 0 {
		f.Note += fmt.Sprintf(" %s evaluations per match.", commas(int(math.Round(float64(evaluated)/float64(m)))))
	}
	f.Points = len(rows)
	f.Panels = []panel{hchart("", "evaluations", rows, []string{"passed", "failed", "errors"}, []string{"s0", "s3", "s2"}, false)}
	return f
}

// pageTemplate is the page. Its style sheet is part of the template, so
// that html/template leaves it as written; every value is escaped.
var pageTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{{.Title}}</title>
<style>
body { margin: 0; background: #f6f7f9; color: #1d2430; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { background: #1d2430; color: #fff; padding: 20px 32px; }
header h1 { margin: 0; font-size: 22px; font-weight: 600; }
header p { margin: 4px 0 0; color: #c5cbd6; }
main { max-width: 1000px; margin: 0 auto; padding: 16px 24px 48px; }
section, figure { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; margin: 16px 0; padding: 16px 20px; }
h2 { margin: 0 0 4px; font-size: 18px; }
h3 { margin: 12px 0 0; font-size: 14px; font-weight: 600; color: #3a4556; }
figcaption p { margin: 0; color: #5a6678; font-size: 13px; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px 16px; margin: 8px 0 0; }
.facts div { border-left: 3px solid #4e79a7; padding-left: 8px; }
.facts dt { color: #5a6678; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.facts dd { margin: 0; font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
.warning { background: #fff4e5; border-color: #f0b35a; color: #7a4a00; }
.empty { color: #5a6678; font-style: italic; margin: 8px 0 0; }
svg { display: block; width: 100%; height: auto; margin-top: 4px; }
svg text { font-size: 12px; fill: #3a4556; }
svg .tick { fill: #6b7587; font-size: 11px; }
svg .note { fill: #5a6678; }
svg .axis-title { fill: #5a6678; font-size: 12px; }
svg .grid { stroke: #e8ebf0; stroke-width: 1; }
svg .axis { stroke: #9aa3b2; stroke-width: 1; }
svg .line { fill: none; stroke-width: 2; }
.s0 { fill: #4e79a7; } .line.s0 { stroke: #4e79a7; }
.s1 { fill: #f28e2b; } .line.s1 { stroke: #f28e2b; }
.s2 { fill: #e15759; } .line.s2 { stroke: #e15759; }
.s3 { fill: #9aa3b2; } .line.s3 { stroke: #9aa3b2; }
.s4 { fill: #a9c4e2; } .line.s4 { stroke: #a9c4e2; }
svg rect:hover { opacity: .8; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 6px 0 0; padding: 0; list-style: none; font-size: 12px; color: #3a4556; }
.legend li::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 6px; vertical-align: -1px; border-radius: 2px; background: currentColor; }
.legend .s0 { color: #4e79a7; } .legend .s1 { color: #f28e2b; } .legend .s2 { color: #e15759; } .legend .s3 { color: #9aa3b2; } .legend .s4 { color: #a9c4e2; }
.legend span { color: #3a4556; }
details pre { overflow-x: auto; font-size: 12px; line-height: 1.35; background: #f6f7f9; padding: 12px; border-radius: 6px; }
summary { cursor: pointer; font-weight: 600; }
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p>{{.Sub}}</p>
</header>
<main>
<section id="summary">
<h2>Summary</h2>
<dl class="facts">{{range .Facts}}
<div><dt>{{.Name}}</dt><dd>{{.Value}}</dd></div>{{end}}
</dl>
</section>
{{- if .Warning}}
<section id="warning" class="warning"><h2>Warning</h2><p>{{.Warning}}</p></section>
{{- end}}
{{- range .Figures}}
<figure id="{{.ID}}" class="chart" data-points="{{.Points}}">
<figcaption><h2>{{.Title}}</h2><p>{{.Note}}</p></figcaption>
{{- if .Empty}}
<p class="empty">{{.Empty}}</p>
{{- end}}
{{- range .Panels}}
<div class="panel">
{{- if .Title}}
<h3>{{.Title}}</h3>
{{- end}}
<svg viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Label}}">
{{- range .Lines}}
<line x1="{{.X1}}" y1="{{.Y1}}" x2="{{.X2}}" y2="{{.Y2}}" class="{{.Class}}"/>
{{- end}}
{{- range .Rects}}
<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" class="{{.Class}}"><title>{{.Tip}}</title></rect>
{{- end}}
{{- range .Polys}}
<polyline points="{{.Points}}" class="{{.Class}}"><title>{{.Tip}}</title></polyline>
{{- end}}
{{- range .Texts}}
<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}" class="{{.Class}}"{{if .Rotate}} transform="{{.Rotate}}"{{end}}>{{.Text}}</text>
{{- end}}
</svg>
{{- if .Legend}}
<ul class="legend">{{range .Legend}}<li class="{{.Class}}"><span>{{.Name}}</span></li>{{end}}</ul>
{{- end}}
</div>
{{- end}}
</figure>
{{- end}}
<section id="text-report">
<details>
<summary>The text report</summary>
<pre>{{.Text}}</pre>
</details>
</section>
</main>
</body>
</html>
`))
