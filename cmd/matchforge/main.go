// Command matchforge runs the matchforge engine from the command line:
//
//	matchforge simulate [flags]            simulate traffic against a rule set and report
//	matchforge bench [flags]               measure a rule set's cost at several pool sizes
//	matchforge validate [--json] FILE...   check rule-set files
//	matchforge replay [flags] [FILE|-]     run a scenario on a virtual clock
//	matchforge serve [flags]               serve the GameLift FlexMatch API over HTTP
//	matchforge load [flags]                load a server with StartMatchmaking and report
//	matchforge help [COMMAND]              print the usage of matchforge or of a command
//	matchforge version                     print the version of matchforge and of Go
//
// Every command follows the same conventions:
//
//   - "-h" and "--help" print the command's usage to standard output and
//     exit 0, as does "matchforge help COMMAND". "matchforge --version" is
//     "matchforge version".
//   - The first line of a command's usage names every flag it takes.
//   - A duration flag takes a Go duration ("90s", "1h30m") or a bare number
//     of seconds ("30", "1.5"); one that is negative, zero where zero makes
//     no sense, or longer than a time.Duration holds (about 292 years) is a
//     usage error naming the flag and the limit.
//   - A message about a file names the file and, for a JSON file, the line,
//     the column and the JSON path of the problem.
//
// Exit status, in every command: 0 when the command did its work; 1 when a
// file cannot be read (missing, a directory, unreadable) or is not valid, or
// when the work failed (validate: any file is invalid); 2 for a usage
// error, after a message and the usage on standard error. "matchforge" with
// no arguments is a usage error.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// A command is one of matchforge's commands.
type command struct {
	name    string
	summary string
	// flags returns a fresh flag set of the command, as run parses it; help
	// and the tests read its usage.
	flags func() *cmdFlags
	run   func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"validate", "check FlexMatch rule-set files and report every problem", func() *cmdFlags { f, _ := validateFlags(); return f }, runValidate},
		{"replay", "run a scenario of GameLift operations on a virtual clock", func() *cmdFlags { f, _ := replayFlags(); return f }, runReplay},
		{"simulate", "simulate matchmaking traffic on a virtual clock and report", func() *cmdFlags { f, _ := simulateFlags(); return f }, runSimulate},
		{"serve", "serve the GameLift FlexMatch API over HTTP for the AWS SDKs and CLI", func() *cmdFlags { f, _ := serveFlags(); return f }, runServe},
		{"load", "send StartMatchmaking load to a server and report throughput and latency", func() *cmdFlags { f, _ := loadFlags(); return f }, runLoad},
		{"bench", "measure the engine's cost on pools of tickets for a rule set", func() *cmdFlags { f, _ := benchFlags(); return f }, runBench},
		{"help", "print the usage of matchforge or of a command", helpFlags, runHelp},
		{"version", "print the version of matchforge and of Go", versionFlags, runVersion},
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches to a command and returns the process exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		name = "help"
	case "-version", "--version":
		name = "version"
	}
	if c, ok := lookup(name); ok {
		return c.run(args[1:], stdin, stdout, stderr)
	}
	fmt.Fprintf(stderr, "matchforge: unknown command %q\n\n", name)
	usage(stderr)
	return 2
}

// usage writes matchforge's usage: the commands and the conventions they
// share.
func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: matchforge <command> [flags] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "matchforge help <command>" or "matchforge <command> -h" for a command's flags.`)
	fmt.Fprintln(w, `Durations are Go durations ("90s", "1h30m") or numbers of seconds ("30", "1.5").`)
	fmt.Fprintln(w, exitStatus)
}

// exitStatus is the line of every usage that states the exit statuses.
const exitStatus = "Exit status: 0 on success, 1 when a file cannot be read or is not valid or the work failed, 2 for a usage error."

// cmdFlags is the flag set of a command with its usage: the usage lines
// (the first of which names every flag), the flags' defaults and the exit
// statuses.
type cmdFlags struct {
	*flag.FlagSet
	lines []string
	// setErr is the error of the last Set of one of our flag.Values, whose
	// message is better than the one the flag package makes of it.
	setErr error
}

// newFlagSet returns the flag set of command name with the given usage
// lines; the first must name every flag, and the last says what the exit
// statuses mean (exitStatus, or the command's own).
func newFlagSet(name string, usage ...string) *cmdFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &cmdFlags{FlagSet: fs, lines: usage}
}

// printUsage writes the usage: its lines, then the flags and their
// defaults.
func (c *cmdFlags) printUsage(w io.Writer) {
	for i, l := range c.lines {
		if i == len(c.lines)-1 && c.hasFlags() {
			fmt.Fprintln(w, "\nflags:")
			c.SetOutput(w)
			c.PrintDefaults()
			c.SetOutput(io.Discard)
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, l)
	}
}

func (c *cmdFlags) hasFlags() bool {
	n := 0
	c.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parse parses args. It returns ok when the command should go on; else
// status is the exit status: 0 after printing the usage to stdout for -h or
// --help, 2 after printing the problem and the usage to stderr.
func (c *cmdFlags) parse(args []string, stdout, stderr io.Writer) (status int, ok bool) {
	c.setErr = nil
	err := c.Parse(args)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		c.printUsage(stdout)
		return 0, false
	case c.setErr != nil:
		err = c.setErr
	}
	return c.usageError(stderr, "%v", err), false
}

// usageError prints "matchforge NAME: message" and the usage to stderr
// and returns 2, the exit status of a usage error.
func (c *cmdFlags) usageError(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "matchforge %s: %s\n\n", c.Name(), fmt.Sprintf(format, a...))
	c.printUsage(stderr)
	return 2
}

// given reports whether the flag name was set on the command line.
func (c *cmdFlags) given(name string) bool {
	set := false
	c.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func helpFlags() *cmdFlags {
	return newFlagSet("help",
		"usage: matchforge help [COMMAND]",
		"Prints the usage of matchforge, or of COMMAND, to standard output.",
		"Exit status: 0, or 2 for an unknown command or a usage error.")
}

// runHelp implements "matchforge help [COMMAND]": the usage of matchforge,
// or of COMMAND, on standard output. Exit status: 0, or 2 for an unknown
// command or more than one argument.
func runHelp(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := helpFlags()
	if status, ok := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	switch fs.NArg() {
	case 0:
		usage(stdout)
		return 0
	case 1:
	default:
		return fs.usageError(stderr, "give at most one command, not %s", strings.Join(fs.Args(), " "))
	}
	c, ok := lookup(fs.Arg(0))
	if !ok {
		var b bytes.Buffer
		usage(&b)
		fmt.Fprintf(stderr, "matchforge help: unknown command %q\n\n%s", fs.Arg(0), b.String())
		return 2
	}
	c.flags().printUsage(stdout)
	return 0
}
