package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/matchforge/matchforge/bench"
)

var progressCases = []struct {
	name string
	pr   bench.Progress
	pct  string
}{
	{"start", bench.Progress{Duration: time.Hour}, "0%"},
	{"middle", bench.Progress{Elapsed: 30 * time.Minute, Duration: time.Hour, Tickets: 123456, Matched: 120000}, "50%"},
	{"draining", bench.Progress{Elapsed: 61 * time.Minute, Duration: time.Hour, Draining: true, Waiting: 4321, Tickets: 9_999_999, Matched: 9_999_000}, "100%"},
	{"long", bench.Progress{Elapsed: 1234567 * time.Hour, Duration: 2469134 * time.Hour, Tickets: 1 << 40, Matched: 1 << 39}, "50%"},
}

func TestRenderProgressFits(t *testing.T) {
	for _, width := range []int{40, 80, 200} {
		for _, tt := range progressCases {
			line := renderProgress(tt.pr, width)
			if n := utf8.RuneCountInString(line); n > width-1 {
				t.Errorf("width %d, %s: %d columns, more than %d: %q", width, tt.name, n, width-1, line)
			}
			if !strings.Contains(line, tt.pct) {
				t.Errorf("width %d, %s: %q lacks %s", width, tt.name, line, tt.pct)
			}
			if strings.ContainsAny(line, "\r\n\x1b") {
				t.Errorf("width %d, %s: %q holds control characters", width, tt.name, line)
			}
			if !strings.HasPrefix(line, "[") {
				t.Errorf("width %d, %s: %q has no bar", width, tt.name, line)
			}
		}
	}
	// A wide terminal shows everything, a full bar of 30.
	line := renderProgress(progressCases[1].pr, 200)
	if line != "[===============               ]  50%  30m0s of 1h0m0s, 123456 tickets, 120000 matched" {
		t.Errorf("width 200: %q", line)
	}
	// The bar keeps its size as the numbers grow.
	bars := map[int]bool{}
	for _, tickets := range []int{9, 99_999, 99_999_999} {
		pr := progressCases[1].pr
		pr.Tickets, pr.Matched = tickets, tickets
		bars[strings.Index(renderProgress(pr, 80), "]")] = true
	}
	if len(bars) != 1 {
		t.Errorf("at width 80 the bar ends at %v as the counts grow; want one place", bars)
	}
	// At 40 columns the counts go first.
	if line := renderProgress(progressCases[1].pr, 40); strings.Contains(line, "tickets") || !strings.Contains(line, "30m0s of 1h0m0s") {
		t.Errorf("width 40: %q; want the bar, the percentage and the time", line)
	}
}

func TestRenderProgressNarrow(t *testing.T) {
	for width := 0; width < 40; width++ {
		for _, tt := range progressCases {
			line := renderProgress(tt.pr, width)
			if n := utf8.RuneCountInString(line); n > max(0, width-1) {
				t.Errorf("width %d, %s: %q is %d columns", width, tt.name, line, n)
			}
			if width > len(tt.pct) && !strings.Contains(line, tt.pct) {
				t.Errorf("width %d, %s: %q lacks %s", width, tt.name, line, tt.pct)
			}
		}
	}
}

func TestStatusLine(t *testing.T) {
	var b bytes.Buffer
	l := &statusLine{w: &b, width: func() int { return 20 }}
	l.clear()
	if b.Len() != 0 {
		t.Errorf("clear before any draw wrote %q", b.String())
	}
	l.draw("measuring a pool of 1000000 tickets...")
	if got := b.String(); got != "\rmeasuring a pool of\x1b[K" {
		t.Errorf("draw wrote %q; want a return, 19 columns and an erase to the end of the line", got)
	}
	b.Reset()
	l.clear()
	if got := b.String(); got != "\r\x1b[2K" {
		t.Errorf("clear wrote %q; want a return and an erase of the line", got)
	}
	b.Reset()
	l.clear()
	if b.Len() != 0 {
		t.Errorf("a second clear wrote %q", b.String())
	}

	// The progress bar draws through a status line of the terminal's width.
	b.Reset()
	p := &progressBar{line: &statusLine{w: &b, width: func() int { return 40 }}}
	p.update(progressCases[1].pr)
	p.update(progressCases[2].pr) // within 100 ms: not drawn
	drawn := b.String()
	if !strings.HasPrefix(drawn, "\r") || !strings.HasSuffix(drawn, "\x1b[K") || strings.Count(drawn, "\r") != 1 ||
		utf8.RuneCountInString(strings.TrimSuffix(drawn[1:], "\x1b[K")) > 39 || !strings.Contains(drawn, "50%") {
		t.Errorf("progress at width 40 drew %q", drawn)
	}
	p.clear()
	if got := strings.TrimPrefix(b.String(), drawn); got != "\r\x1b[2K" {
		t.Errorf("the bar's clear wrote %q", got)
	}
}

func TestTerminalWidth(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "not-a-terminal"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) != nil || isTerminal(&bytes.Buffer{}) != nil {
		t.Error("a regular file and a buffer are not terminals")
	}
	t.Setenv("COLUMNS", "132")
	if w := terminalWidth(f); w != 132 {
		t.Errorf("COLUMNS=132: width %d", w)
	}
	for _, bad := range []string{"", "0", "-5", "wide"} {
		t.Setenv("COLUMNS", bad)
		if w := terminalWidth(f); w != defaultWidth {
			t.Errorf("COLUMNS=%q and a file that is no terminal: width %d, want %d", bad, w, defaultWidth)
		}
	}
}
