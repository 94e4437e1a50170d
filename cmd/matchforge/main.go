// Command matchforge runs the matchforge engine from the command line:
//
//	matchforge simulate [flags]            simulate traffic against a rule set and report
//	matchforge bench [flags]               measure a rule set's cost at several pool sizes
//	matchforge validate [--json] FILE...   check rule-set files
//	matchforge replay [flags] [FILE|-]     run a scenario on a virtual clock
//
// Run "matchforge help" for every command.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

type command struct {
	name    string
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"validate", "check FlexMatch rule-set files and report every problem", runValidate},
		{"replay", "run a scenario of GameLift operations on a virtual clock", runReplay},
		{"simulate", "simulate matchmaking traffic on a virtual clock and report", runSimulate},
		{"bench", "measure the engine's cost on pools of tickets for a rule set", runBench},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches to a command and returns the process exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdin, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "matchforge: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: matchforge <command> [flags] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "matchforge <command> -h" for a command's flags.`)
}

// newFlagSet returns the flag set of command name. It reports to stderr,
// and its usage message is the lines of usage followed by the flags.
// Parse returns an error after printing the message (or the usage for -h);
// the command then exits with status 2.
func newFlagSet(name string, stderr io.Writer, usage ...string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		for _, l := range usage {
			fmt.Fprintln(stderr, l)
		}
		fs.PrintDefaults()
	}
	return fs
}
