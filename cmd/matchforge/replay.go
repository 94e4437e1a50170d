package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/matchforge/matchforge/gamelift"
)

// replayArgs are the flags of replay.
type replayArgs struct {
	seed          *uint64
	tick, until   *time.Duration
	start, format *string
}

func replayFlags() (*cmdFlags, *replayArgs) {
	fs := newFlagSet("replay",
		"usage: matchforge replay [--seed N] [--tick D] [--start RFC3339] [--until D] [--format json|text] [FILE|-]",
		"Runs a JSON Lines scenario of {\"at\", \"op\", \"input\"} on a virtual clock and prints outputs and events:",
		"as JSON Lines of the full outputs and FlexMatch events (--format json, the default), or one line of text",
		"each with the fields that matter and generated ids renamed M1, T1, S1 (--format text, the golden files' form).",
		"The scenario is FILE, or standard input without FILE or with -.",
		"Durations are Go durations (90s, 1h30m) or numbers of seconds (30, 1.5).",
		"Exit status: 0 when the scenario ran (errors returned to operations are output, not failures); 1 for a scenario that cannot be read (missing, say) or is malformed; 2 for a usage error.")
	a := &replayArgs{
		seed:   fs.Uint64("seed", 1, "seed `N` of ids and random batching"),
		tick:   fs.durationVar("tick", time.Second, false, "virtual time `D` between engine steps"),
		start:  fs.String("start", gamelift.DefaultStart.Format(time.RFC3339), "time of second 0, an `RFC3339` time"),
		until:  fs.durationVar("until", 12*time.Hour, true, "once the scenario is done, stop stepping `D` after second 0 (0: at once)"),
		format: fs.String("format", gamelift.FormatJSON, "output format: json (full outputs and events) or text (one line each)"),
	}
	return fs, a
}

// runReplay implements "matchforge replay [--seed N] [--tick D] [--start
// RFC3339] [--until D] [--format json|text] [FILE|-]". The output is the
// full JSON Lines record by default and its text projection
// (gamelift.ProjectText, the golden files' form) with --format text.
//
// Exit status: 0 when the scenario ran (errors returned to operations are
// output, not failures); 1 for a scenario that cannot be read (a missing
// file, as in every command) or is malformed; 2 for a usage error.
func runReplay(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, a := replayFlags()
	if status, ok := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	if fs.NArg() > 1 {
		return fs.usageError(stderr, "give one scenario, not %d", fs.NArg())
	}
	t0, err := time.Parse(time.RFC3339, *a.start)
	if err != nil {
		return fs.usageError(stderr, "--start %q is not an RFC 3339 time such as 2026-01-01T00:00:00Z", *a.start)
	}
	if *a.format != gamelift.FormatJSON && *a.format != gamelift.FormatText {
		return fs.usageError(stderr, "--format is %q; it must be json or text", *a.format)
	}
	name := "-"
	if fs.NArg() == 1 {
		name = fs.Arg(0)
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "matchforge replay: %s: %v\n", name, err)
		return 1
	}
	body, err := readInput(name, stdin)
	if err != nil {
		return fail(err)
	}
	steps, err := gamelift.ReadScenario(bytes.NewReader(body))
	if err != nil {
		return fail(err)
	}
	until := a.until.Seconds()
	if until == 0 {
		// ReplayOptions takes 0 to mean the default; --until 0 means: do
		// not step past second 0 once the lines are done.
		until = math.SmallestNonzeroFloat64
	}
	opts := gamelift.ReplayOptions{Seed: *a.seed, Tick: a.tick.Seconds(), Start: t0, Until: until, Format: *a.format}
	if err := gamelift.Replay(steps, stdout, opts); err != nil {
		var se *gamelift.ScenarioError
		if errors.As(err, &se) {
			return fail(err)
		}
		fmt.Fprintf(stderr, "matchforge replay: %s\n", strings.TrimPrefix(err.Error(), "replay: "))
		return 1
	}
	return 0
}
