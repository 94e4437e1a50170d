package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/matchforge/matchforge/bench"
	"github.com/matchforge/matchforge/ruleset"
)

// simulateArgs are the flags of simulate.
type simulateArgs struct {
	rsFile, cfgFile, popFile *string
	rate                     *float64
	duration, tick           *time.Duration
	seed                     *uint64
	format                   *string
	printPop                 *bool
	htmlFile, ticketsFile    *string
}

func simulateFlags() (*cmdFlags, *simulateArgs) {
	fs := newFlagSet("simulate",
		"usage: matchforge simulate [--ruleset FILE] [--config FILE] [--population FILE] [--rate N] [--duration D] [--tick D] [--seed N] [--format text|json] [--html FILE] [--tickets FILE] [--print-population]",
		"Simulates matchmaking traffic on a virtual clock and reports matches, waits, match quality and the engine's cost; --html also writes the report as a page of charts, --tickets one JSON line per ticket.",
		"Durations are Go durations (90s, 1h30m) or numbers of seconds (30, 1.5). - as the FILE of --ruleset, --config or --population reads standard input.",
		"Exit status: 0 when the simulation ran; 1 for a file that cannot be read (missing, say), is not valid or cannot be written, or a simulation that failed or was interrupted; 2 for a usage error.")
	a := &simulateArgs{
		rsFile:      fs.String("ruleset", "", "rule-set `FILE` (default: the embedded ranked 5v5 rule set)"),
		cfgFile:     fs.String("config", "", "configuration `FILE`: a CreateMatchmakingConfiguration request body (default: STANDALONE, no acceptance, a timeout of 120 s or a minute past the last expansion)"),
		popFile:     fs.String("population", "", "population `FILE` (default: the embedded population for the default rule set, one derived from the rule set otherwise)"),
		rate:        fs.Float64("rate", 0, fmt.Sprintf("arrival rate, `N` tickets per minute, more than 0 and at most %d, replacing the population's (default: the population's)", bench.MaxRatePerMinute)),
		duration:    fs.durationVar("duration", time.Hour, false, "virtual time `D` during which tickets arrive (then every ticket runs to its end)"),
		tick:        fs.durationVar("tick", time.Second, false, "virtual time `D` between engine steps"),
		seed:        fs.Uint64("seed", 1, "seed `N` of the arrivals, the players, their behaviour and the engine"),
		format:      fs.String("format", "text", "report format: text or json"),
		printPop:    fs.Bool("print-population", false, "print the population as JSON (to tune it and pass it back with --population) and exit"),
		htmlFile:    fs.String("html", "", "also write the report to `FILE` as one self-contained HTML page of charts (inline SVG: no network, no scripts)"),
		ticketsFile: fs.String("tickets", "", "also write one JSON line per submitted ticket to `FILE`, when it ends: arrival, end, status, reason, wait, match, location, party size, attributes"),
	}
	return fs, a
}

// runSimulate implements "matchforge simulate [--ruleset FILE] [--config
// FILE] [--population FILE] [--rate N] [--duration D] [--tick D] [--seed N]
// [--format text|json] [--html FILE] [--tickets FILE] [--print-population]".
// With no flags it simulates the embedded ranked 5v5 rule set for a virtual
// hour. While it runs, a progress bar fitted to the terminal's width redraws
// one line of standard error when that is a terminal, and is erased at the
// end. --html writes the report as a page of charts (bench.Report.WriteHTML)
// and --tickets the tickets as JSON Lines (bench.TicketRecord); both files
// are created before the simulation starts, so that a path that cannot be
// written fails at once, and removed again if the simulation fails.
//
// Exit status: 0 when the simulation ran; 1 for a file that cannot be read
// (a missing file, as in every command) or is not valid, or cannot be
// written, the message naming the file and the problem, or a simulation
// that failed or was interrupted; 2 for a usage error, such as --rate 0 or a
// duration out of range.
func runSimulate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, a := simulateFlags()
	if status, ok := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	switch {
	case fs.NArg() > 0:
		return fs.usageError(stderr, "unexpected argument %q; give files with --ruleset, --config and --population", fs.Arg(0))
	case *a.format != "text" && *a.format != "json":
		return fs.usageError(stderr, "--format is %q; it must be text or json", *a.format)
	case fs.given("rate") && !(*a.rate > 0 && *a.rate <= bench.MaxRatePerMinute):
		return fs.usageError(stderr, "--rate is %v; it must be more than 0 and at most %d tickets per minute", *a.rate, bench.MaxRatePerMinute)
	}
	for _, f := range []struct {
		flag string
		file *string
	}{{"html", a.htmlFile}, {"tickets", a.ticketsFile}} {
		switch {
		case fs.given(f.flag) && *f.file == "":
			return fs.usageError(stderr, "--%s is empty; give the name of the file to write", f.flag)
		case *f.file == "-":
			return fs.usageError(stderr, "--%s is -; give the name of a file: standard output carries the report", f.flag)
		}
	}
	if *a.htmlFile != "" && *a.htmlFile == *a.ticketsFile {
		return fs.usageError(stderr, "--html and --tickets name the same file %s; give each its own", *a.htmlFile)
	}
	fail := func(file string, err error) int {
		fmt.Fprintf(stderr, "matchforge simulate: %s: %v\n", file, err)
		return 1
	}

	opts := bench.Options{Duration: *a.duration, Tick: *a.tick, Seed: *a.seed}
	var rs *ruleset.RuleSet
	if *a.rsFile != "" {
		var err error
		if rs, opts.RuleSet, err = readRuleSet(*a.rsFile, stdin); err != nil {
			return fail(*a.rsFile, err)
		}
	} else {
		rs = ruleset.MustLoad([]byte(bench.DefaultRuleSet()))
	}
	if *a.cfgFile != "" {
		var err error
		if opts.Config, err = readConfig(*a.cfgFile, stdin); err != nil {
			return fail(*a.cfgFile, err)
		}
	} else if *a.rsFile == "" {
		opts.Config = bench.DefaultConfig()
	}
	var pop bench.Population
	switch {
	case *a.popFile != "":
		var err error
		if pop, err = readPopulation(*a.popFile, stdin, rs); err != nil {
			return fail(*a.popFile, err)
		}
	case *a.rsFile == "":
		pop = bench.DefaultPopulation()
	default:
		pop = bench.DerivePopulation(rs)
	}
	if fs.given("rate") {
		pop.Arrivals.RatePerMinute = *a.rate
	}
	opts.Population = &pop
	if *a.printPop {
		stdout.Write(pop.JSON())
		return 0
	}

	// The output files, created now so that one that cannot be written
	// fails before the simulation.
	var outs []*outFile
	defer func() {
		for _, o := range outs {
			o.discard() // after a failure; a no-op for the files finished
		}
	}()
	var htmlOut, ticketsOut *outFile
	for _, o := range []struct {
		name string
		out  **outFile
	}{{*a.htmlFile, &htmlOut}, {*a.ticketsFile, &ticketsOut}} {
		if o.name == "" {
			continue
		}
		f, err := createOutput(o.name)
		if err != nil {
			return fail(o.name, err)
		}
		*o.out = f
		outs = append(outs, f)
	}
	if ticketsOut != nil {
		opts.Tickets = ticketsOut
	}

	var bar *progressBar
	if tty := isTerminal(stderr); tty != nil {
		bar = &progressBar{line: newStatusLine(tty)}
		opts.Progress = bar.update
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r, err := bench.Simulate(ctx, opts)
	if bar != nil {
		bar.clear() // before any message
	}
	if err != nil {
		switch msg := err.Error(); {
		case errors.Is(err, context.Canceled):
			fmt.Fprintln(stderr, "matchforge simulate: interrupted")
		case ticketsOut != nil && ticketsOut.err != nil:
			return fail(ticketsOut.name, ticketsOut.err)
		case strings.HasPrefix(msg, "configuration: ") && *a.cfgFile != "":
			return fail(*a.cfgFile, err)
		default:
			fmt.Fprintf(stderr, "matchforge simulate: %v\n", err)
		}
		return 1
	}
	if htmlOut != nil {
		if err := r.WriteHTML(htmlOut); err != nil && htmlOut.err == nil {
			fmt.Fprintf(stderr, "matchforge simulate: %v\n", err)
			return 1
		}
	}
	for _, o := range outs {
		if err := o.finish(); err != nil {
			return fail(o.name, err)
		}
	}
	if *a.format == "json" {
		_, err = stdout.Write(r.JSON())
	} else {
		err = r.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "matchforge simulate: %v\n", err)
		return 1
	}
	return 0
}

// outFile is a file the command writes, buffered. It keeps its first error,
// worded like readInput's (without the file's name, which the caller
// prints), so that a failed write is reported against the file.
type outFile struct {
	name    string
	f       *os.File
	w       *bufio.Writer
	err     error
	done    bool
	regular bool // only a regular file is removed after a failure, never a device such as /dev/stdout
}

// createOutput creates (or truncates) the file name for writing.
func createOutput(name string) (*outFile, error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("cannot create the file: %w", unwrapPath(err))
	}
	o := &outFile{name: name, f: f, w: bufio.NewWriterSize(f, 64<<10)}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		o.regular = true
	}
	return o, nil
}

// Write writes p to the buffer, failing from the first error on.
func (o *outFile) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err != nil {
		o.err = fmt.Errorf("cannot write the file: %w", unwrapPath(err))
	}
	return n, o.err
}

// finish flushes and closes the file, returning the first error.
func (o *outFile) finish() error {
	if o.done {
		return o.err
	}
	o.done = true
	if err := o.w.Flush(); err != nil && o.err == nil {
		o.err = fmt.Errorf("cannot write the file: %w", unwrapPath(err))
	}
	if err := o.f.Close(); err != nil && o.err == nil {
		o.err = fmt.Errorf("cannot write the file: %w", unwrapPath(err))
	}
	if o.err != nil {
		o.remove()
	}
	return o.err
}

// discard closes and removes a file the command did not finish, after a
// failure.
func (o *outFile) discard() {
	if o.done {
		return
	}
	o.done = true
	o.f.Close()
	o.remove()
}

// remove removes the file if it is a regular one.
func (o *outFile) remove() {
	if o.regular {
		os.Remove(o.name)
	}
}
