package main

import (
	"bytes"
	"context"
	"encoding/json"
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

// runSimulate implements "matchforge simulate [--ruleset FILE] [--config
// FILE] [--population FILE] [--rate N] [--duration D] [--tick D] [--seed N]
// [--format text|json] [--print-population]". With no flags it simulates the
// embedded ranked 5v5 rule set for a virtual hour. While it runs, a
// progress bar fitted to the terminal's width redraws one line of standard
// error when that is a terminal, and is erased at the end. Exit status: 0 when the
// simulation ran, 1 for a file that cannot be read or is not valid (the
// message names the file and the problem) or a simulation that failed, 2
// for a usage error.
func runSimulate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("simulate", stderr,
		"usage: matchforge simulate [--ruleset FILE] [--config FILE] [--population FILE] [--rate N] [--duration D] [--seed N] [--format text|json]",
		"Simulates matchmaking traffic on a virtual clock and reports matches, waits, match quality and the engine's cost.")
	rsFile := fs.String("ruleset", "", "rule-set `FILE` (default: the embedded ranked 5v5 rule set)")
	cfgFile := fs.String("config", "", "configuration `FILE`: a CreateMatchmakingConfiguration request body (default: STANDALONE, no acceptance, a timeout of 120 s or a minute past the last expansion)")
	popFile := fs.String("population", "", "population `FILE` (default: the embedded population for the default rule set, one derived from the rule set otherwise)")
	rate := fs.Float64("rate", 0, "arrival rate in tickets per minute, replacing the population's")
	duration := fs.Duration("duration", time.Hour, "virtual time during which tickets arrive (then every ticket runs to its end)")
	tick := fs.Duration("tick", time.Second, "virtual time between engine steps")
	seed := fs.Uint64("seed", 1, "seed of the arrivals, the players, their behaviour and the engine")
	format := fs.String("format", "text", "report format: text or json")
	printPop := fs.Bool("print-population", false, "print the population as JSON (to tune it and pass it back with --population) and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "matchforge simulate: "+format+"\n", a...)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected argument %q; give files with --ruleset, --config and --population", fs.Arg(0))
	case *format != "text" && *format != "json":
		return usageErr("--format is %q; it must be text or json", *format)
	case *rate < 0 || *rate > bench.MaxRatePerMinute:
		return usageErr("--rate is %v; it must be more than 0 and at most %d tickets per minute", *rate, bench.MaxRatePerMinute)
	case *duration <= 0:
		return usageErr("--duration is %v; it must be positive, such as 1h or 30m", *duration)
	case *tick <= 0:
		return usageErr("--tick is %v; it must be positive, such as 1s", *tick)
	}
	fail := func(file string, err error) int {
		fmt.Fprintf(stderr, "matchforge simulate: %s: %v\n", file, err)
		return 1
	}

	opts := bench.Options{Duration: *duration, Tick: *tick, Seed: *seed}
	var rs *ruleset.RuleSet
	if *rsFile != "" {
		var err error
		if rs, opts.RuleSet, err = readRuleSet(*rsFile, stdin); err != nil {
			return fail(*rsFile, err)
		}
	} else {
		rs = ruleset.MustLoad([]byte(bench.DefaultRuleSet()))
	}
	if *cfgFile != "" {
		b, err := readInput(*cfgFile, stdin)
		if err != nil {
			return fail(*cfgFile, err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&opts.Config); err != nil {
			return fail(*cfgFile, fmt.Errorf("not a CreateMatchmakingConfiguration request body: %v", err))
		}
	} else if *rsFile == "" {
		opts.Config = bench.DefaultConfig()
	}
	var pop bench.Population
	switch {
	case *popFile != "":
		var err error
		if pop, err = readPopulation(*popFile, stdin, rs); err != nil {
			return fail(*popFile, err)
		}
	case *rsFile == "":
		pop = bench.DefaultPopulation()
	default:
		pop = bench.DerivePopulation(rs)
	}
	if *rate > 0 {
		pop.Arrivals.RatePerMinute = *rate
	}
	opts.Population = &pop
	if *printPop {
		stdout.Write(pop.JSON())
		return 0
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
		case strings.HasPrefix(msg, "configuration: ") && *cfgFile != "":
			return fail(*cfgFile, err)
		default:
			fmt.Fprintf(stderr, "matchforge simulate: %v\n", err)
		}
		return 1
	}
	if *format == "json" {
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

// readRuleSet reads and compiles a rule-set file, returning it with its
// body.
func readRuleSet(file string, stdin io.Reader) (*ruleset.RuleSet, string, error) {
	body, err := readInput(file, stdin)
	if err != nil {
		return nil, "", err
	}
	rs, err := ruleset.Load(body)
	if err != nil {
		return nil, "", fmt.Errorf("invalid rule set: %s", problemList(err))
	}
	return rs, string(body), nil
}

// readPopulation reads a population file and checks that it fits rs.
func readPopulation(file string, stdin io.Reader, rs *ruleset.RuleSet) (bench.Population, error) {
	b, err := readInput(file, stdin)
	if err != nil {
		return bench.Population{}, err
	}
	pop, err := bench.DecodePopulation(bytes.NewReader(b))
	if err != nil {
		return bench.Population{}, err
	}
	if err := pop.Check(rs); err != nil {
		return bench.Population{}, fmt.Errorf("does not fit the rule set: %w", err)
	}
	return pop, nil
}

// problemList joins a rule set's validation problems.
func problemList(err error) string {
	var parts []string
	for _, p := range ruleset.Problems(err) {
		parts = append(parts, p.Error())
	}
	if len(parts) == 0 {
		return err.Error()
	}
	return strings.Join(parts, "; ")
}
