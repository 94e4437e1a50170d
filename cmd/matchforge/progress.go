package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/matchforge/matchforge/bench"
)

// defaultWidth is the width of a terminal whose width cannot be found.
const defaultWidth = 80

// isTerminal returns w as a file when it is a terminal (a character
// device), and nil otherwise.
func isTerminal(w io.Writer) *os.File {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return f
}

// terminalWidth returns the number of columns of terminal f: COLUMNS when
// it is set to a positive number (as for ls), else what the terminal
// reports, else defaultWidth.
func terminalWidth(f *os.File) int {
	if n, err := strconv.Atoi(strings.TrimSpace(os.Getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	if n := ttyColumns(f); n > 0 {
		return n
	}
	return defaultWidth
}

// statusLine redraws one line of a terminal: each draw returns to the start
// of the line and writes at most width-1 columns, so that the line never
// wraps, and clear erases it.
type statusLine struct {
	w     io.Writer
	width func() int
	drew  bool
}

// newStatusLine returns the status line of terminal f.
func newStatusLine(f *os.File) *statusLine {
	return &statusLine{w: f, width: func() int { return terminalWidth(f) }}
}

// draw replaces the line with s, cut to fit.
func (l *statusLine) draw(s string) {
	fmt.Fprint(l.w, "\r"+fit(s, l.width()-1)+"\x1b[K")
	l.drew = true
}

// clear erases the line if anything was drawn on it, leaving the cursor at
// its start.
func (l *statusLine) clear() {
	if l.drew {
		fmt.Fprint(l.w, clearLine)
		l.drew = false
	}
}

// clearLine returns to the start of the line and erases all of it.
const clearLine = "\r\x1b[2K"

// fit cuts s to at most n runes (none for n < 1).
func fit(s string, n int) string {
	if n < 1 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// progressBar draws a simulation's progress on a status line, at most ten
// times a second.
type progressBar struct {
	line *statusLine
	last time.Time
}

func (p *progressBar) update(pr bench.Progress) {
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond {
		p.last = now
		p.line.draw(renderProgress(pr, p.line.width()))
	}
}

// clear erases the bar.
func (p *progressBar) clear() { p.line.clear() }

// Bounds of the bar itself, in columns between its brackets.
const (
	maxBar = 30
	minBar = 10
)

// renderProgress returns the progress line for a terminal width columns
// wide: a bar, the percentage done and what is happening, in at most
// width-1 columns. The bar takes a quarter of the width, from minBar to
// maxBar columns, so that it keeps its size while the numbers grow. As the
// width shrinks the counts go first, then the time, then the bar; the
// percentage stays while there is room for it.
func renderProgress(pr bench.Progress, width int) string {
	frac := 1.0
	if pr.Duration > 0 {
		frac = min(1, max(0, float64(pr.Elapsed)/float64(pr.Duration)))
	}
	pct := fmt.Sprintf("%3.0f%%", 100*frac)
	state := fmt.Sprintf("%v of %v", pr.Elapsed.Truncate(time.Second), pr.Duration)
	if pr.Draining {
		state = fmt.Sprintf("arrivals over; %d tickets still waiting", pr.Waiting)
	}
	texts := []string{
		fmt.Sprintf("%s  %s, %d tickets, %d matched", pct, state, pr.Tickets, pr.Matched),
		pct + "  " + state,
		pct,
	}
	room := width - 1
	n := min(maxBar, max(minBar, width/4))
	done := int(frac * float64(n))
	bar := "[" + strings.Repeat("=", done) + strings.Repeat(" ", n-done) + "] "
	for _, text := range texts {
		if line := bar + text; utf8.RuneCountInString(line) <= room {
			return line
		}
	}
	for _, text := range texts {
		if utf8.RuneCountInString(text) <= room {
			return text
		}
	}
	return fit(strings.TrimSpace(pct), room)
}
