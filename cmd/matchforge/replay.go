package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/matchforge/matchforge/gamelift"
)

// runReplay implements "matchforge replay [--seed N] [--tick SECONDS]
// [--start RFC3339] [--until SECONDS] [--format json|text] [FILE|-]". The
// output is the full JSON Lines record by default and its text projection
// (gamelift.ProjectText, the golden files' form) with --format text. Exit
// status: 0 when the scenario ran (errors returned to operations are
// output, not failures), 1 for an unreadable or malformed scenario, 2 for a
// usage error.
func runReplay(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("replay", stderr,
		"usage: matchforge replay [--seed N] [--tick SECONDS] [--start RFC3339] [--until SECONDS] [--format json|text] [FILE|-]",
		"Runs a JSON Lines scenario of {\"at\", \"op\", \"input\"} on a virtual clock and prints outputs and events:",
		"as JSON Lines of the full outputs and FlexMatch events (--format json, the default), or one line of text",
		"each with the fields that matter and generated ids renamed M1, T1, S1 (--format text, the golden files' form).")
	seed := fs.Uint64("seed", 1, "seed for ids and random batching")
	tick := fs.Float64("tick", 1, "seconds between engine steps")
	start := fs.String("start", gamelift.DefaultStart.Format(time.RFC3339), "time of second 0 (RFC 3339)")
	until := fs.Float64("until", 43200, "stop stepping this many seconds after second 0 once the scenario is done")
	format := fs.String("format", gamelift.FormatJSON, "output format: json (full outputs and events) or text (one line each)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return 2
	}
	t0, err := time.Parse(time.RFC3339, *start)
	if err != nil {
		fmt.Fprintf(stderr, "matchforge replay: --start %q is not an RFC 3339 time: %v\n", *start, err)
		return 2
	}
	if !(*tick > 0) || math.IsInf(*tick, 0) {
		fmt.Fprintf(stderr, "matchforge replay: --tick is %v; it must be a positive number of seconds\n", *tick)
		return 2
	}
	if !(*until >= 0) {
		fmt.Fprintf(stderr, "matchforge replay: --until is %v; it must not be negative\n", *until)
		return 2
	}
	if *format != gamelift.FormatJSON && *format != gamelift.FormatText {
		fmt.Fprintf(stderr, "matchforge replay: --format is %q; it must be json or text\n", *format)
		return 2
	}
	name := "-"
	if fs.NArg() == 1 {
		name = fs.Arg(0)
	}
	var in io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "matchforge replay: %v\n", err)
			return 1
		}
		defer f.Close()
		in = f
	}
	steps, err := gamelift.ReadScenario(in)
	if err != nil {
		fmt.Fprintf(stderr, "matchforge replay: %s: %v\n", name, err)
		return 1
	}
	if *until == 0 {
		// ReplayOptions takes 0 to mean the default; --until 0 means: do
		// not step past second 0 once the lines are done.
		*until = math.SmallestNonzeroFloat64
	}
	opts := gamelift.ReplayOptions{Seed: *seed, Tick: *tick, Start: t0, Until: *until, Format: *format}
	if err := gamelift.Replay(steps, stdout, opts); err != nil {
		var se *gamelift.ScenarioError
		if errors.As(err, &se) {
			fmt.Fprintf(stderr, "matchforge replay: %s: %v\n", name, err)
			return 1
		}
		fmt.Fprintf(stderr, "matchforge replay: %v\n", err)
		return 1
	}
	return 0
}
