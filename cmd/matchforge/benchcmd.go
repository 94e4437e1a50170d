package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/matchforge/matchforge/bench"
	"github.com/matchforge/matchforge/ruleset"
)

// maxBenchPool bounds --pool: a pool of ten million needs about 20 GiB.
const maxBenchPool = 10_000_000

// benchArgs are the flags of bench.
type benchArgs struct {
	rsFile, popFile, pools, format *string
	seed                           *uint64
}

func benchFlags() (*cmdFlags, *benchArgs) {
	fs := newFlagSet("bench",
		"usage: matchforge bench [--ruleset FILE] [--population FILE] [--pool 1000,10000,100000] [--seed N] [--format text|json]",
		"Measures, for each pool size: submitting the pool, a bulk step over it, and a steady step with the pool waiting and pool/100 new tickets.",
		"- as a FILE reads standard input.",
		"Exit status: 0 when every size was measured; 1 for a file that cannot be read (missing, say) or is not valid, or a failed measurement; 2 for a usage error.")
	a := &benchArgs{
		rsFile:  fs.String("ruleset", "", "rule-set `FILE` (default: the embedded ranked 5v5 rule set)"),
		popFile: fs.String("population", "", "population `FILE` (default: the embedded population for the default rule set, one derived from the rule set otherwise)"),
		pools:   fs.String("pool", "1000,10000,100000", fmt.Sprintf("comma-separated pool `sizes` from 1 to %d; k and m multiply by a thousand and a million", maxBenchPool)),
		seed:    fs.Uint64("seed", 1, "seed `N` of the generated tickets and the engine"),
		format:  fs.String("format", "text", "output format: text or json"),
	}
	return fs, a
}

// runBench implements "matchforge bench [--ruleset FILE] [--population
// FILE] [--pool 1000,10000,100000] [--seed N] [--format text|json]": for
// each pool size, the time to submit the pool, the time of a step that
// forms every match it can and the tickets it matched, and the time of a
// steady step with a full pool and a trickle of new tickets. It takes no
// duration. While it measures, standard error shows the pool being measured
// on one line when it is a terminal.
//
// Exit status: 0 when every size was measured; 1 for a file that cannot be
// read (a missing file, as in every command) or is not valid, or a failed
// measurement; 2 for a usage error.
func runBench(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, a := benchFlags()
	if status, ok := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	if fs.NArg() > 0 {
		return fs.usageError(stderr, "unexpected argument %q; give files with --ruleset and --population", fs.Arg(0))
	}
	if *a.format != "text" && *a.format != "json" {
		return fs.usageError(stderr, "--format is %q; it must be text or json", *a.format)
	}
	sizes, err := parsePools(*a.pools)
	if err != nil {
		return fs.usageError(stderr, "--pool: %v", err)
	}
	fail := func(file string, err error) int {
		fmt.Fprintf(stderr, "matchforge bench: %s: %v\n", file, err)
		return 1
	}
	body, popName := "", "default"
	var rs *ruleset.RuleSet
	if *a.rsFile != "" {
		if rs, body, err = readRuleSet(*a.rsFile, stdin); err != nil {
			return fail(*a.rsFile, err)
		}
		popName = "derived from the rule set"
	}
	var pop *bench.Population
	if *a.popFile != "" {
		if rs == nil {
			rs = ruleset.MustLoad([]byte(bench.DefaultRuleSet()))
		}
		p, err := readPopulation(*a.popFile, stdin, rs)
		if err != nil {
			return fail(*a.popFile, err)
		}
		pop, popName = &p, *a.popFile
	}
	w, err := bench.NewWorkload(body, pop, *a.seed)
	if err != nil {
		fmt.Fprintf(stderr, "matchforge bench: %v\n", err)
		return 1
	}
	var status *statusLine
	if tty := isTerminal(stderr); tty != nil {
		status = newStatusLine(tty)
	}
	var results []bench.PoolMeasurement
	for _, n := range sizes {
		if status != nil {
			status.draw(fmt.Sprintf("measuring a pool of %d tickets...", n))
		}
		m, err := w.Measure(n)
		if status != nil {
			status.clear()
		}
		if err != nil {
			fmt.Fprintf(stderr, "matchforge bench: pool %d: %v\n", n, err)
			return 1
		}
		results = append(results, m)
	}
	if *a.format == "json" {
		b, _ := json.MarshalIndent(results, "", "  ")
		stdout.Write(append(b, '\n'))
		return 0
	}
	name := w.RuleSet.Name()
	if name == "" {
		name = *a.rsFile
	}
	fmt.Fprintf(stdout, "rule set %s, population %s, seed %d, %d CPUs (GOMAXPROCS %d); the engine runs on one\n\n",
		name, popName, *a.seed, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	writeBenchTable(stdout, results)
	fmt.Fprintf(stdout, "\nbulk: one step over the fresh pool, forming every match it can.\n")
	fmt.Fprintf(stdout, "steady: median of %d steps, each with the pool waiting (held back: %s) and pool/100 new tickets.\n", bench.SteadySteps, w.Hold())
	fmt.Fprintf(stdout, "heap: HeapInuse growth per waiting ticket, after a forced GC.\n")
	return 0
}

// parsePools reads "1000,10k,1m".
func parsePools(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(strings.ToLower(f))
		mul := 1
		switch {
		case strings.HasSuffix(f, "k"):
			mul, f = 1000, strings.TrimSuffix(f, "k")
		case strings.HasSuffix(f, "m"):
			mul, f = 1_000_000, strings.TrimSuffix(f, "m")
		}
		n, err := strconv.Atoi(strings.ReplaceAll(f, "_", ""))
		if err != nil || n < 1 || n*mul > maxBenchPool {
			return nil, fmt.Errorf("%q is not a pool size; give whole numbers from 1 to %d separated by commas, such as 1000,10k,100k", f, maxBenchPool)
		}
		out = append(out, n*mul)
	}
	return out, nil
}

func writeBenchTable(w io.Writer, results []bench.PoolMeasurement) {
	rows := [][]string{{"pool", "submit", "tickets/s", "bulk step", "matched", "", "steady step", "new", "waiting", "heap/ticket"}}
	for _, m := range results {
		pct := ""
		if m.Pool > 0 {
			pct = fmt.Sprintf("%.1f%%", 100*float64(m.BulkMatchedTickets)/float64(m.Pool))
		}
		rows = append(rows, []string{
			thousands(m.Pool), duration(m.SubmitSeconds), thousands(int(m.SubmitPerSecond)),
			duration(m.BulkStepSeconds), thousands(m.BulkMatchedTickets), pct,
			duration(m.SteadyStepSeconds), thousands(m.SteadyNew), thousands(m.SteadyPool),
			fmt.Sprintf("%.0f B", m.HeapBytesPerTicket),
		})
	}
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			line.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)) + c)
		}
		fmt.Fprintln(w, strings.TrimRight(line.String(), " "))
	}
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func duration(s float64) string {
	switch {
	case s < 1e-3:
		return fmt.Sprintf("%.1f µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.2f ms", s*1e3)
	}
	return fmt.Sprintf("%.2f s", s)
}
