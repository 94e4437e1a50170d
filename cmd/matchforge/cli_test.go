package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestHelpPerCommand checks that -h, --help and "help COMMAND" print the
// command's usage, and only it, to standard output and exit 0.
func TestHelpPerCommand(t *testing.T) {
	for _, c := range commands() {
		first := c.flags().lines[0]
		if !strings.HasPrefix(first, "usage: matchforge "+c.name) {
			t.Errorf("%s: first usage line %q does not start with the command", c.name, first)
		}
		var outputs []string
		for _, args := range [][]string{{c.name, "-h"}, {c.name, "--help"}, {c.name, "-help"}, {"help", c.name}} {
			code, out, errOut := runCLI(t, "", args...)
			if code != 0 || errOut != "" {
				t.Errorf("%q: exit %d, stderr %q; want 0 and nothing on stderr", args, code, errOut)
			}
			if !strings.HasPrefix(out, first+"\n") || !strings.Contains(out, "\nExit status: ") {
				t.Errorf("%q: stdout should be the usage, from %q to the exit status:\n%s", args, first, out)
			}
			outputs = append(outputs, out)
		}
		for _, out := range outputs[1:] {
			if out != outputs[0] {
				t.Errorf("%s: the help outputs differ:\n%s\n---\n%s", c.name, outputs[0], out)
			}
		}
		// The usage lists each flag with its default.
		c.flags().VisitAll(func(f *flag.Flag) {
			if !strings.Contains(outputs[0], "\n  -"+f.Name) {
				t.Errorf("%s: help lacks the description of --%s", c.name, f.Name)
			}
		})
	}
}

// TestUsageLineNamesEveryFlag checks that the first usage line of every
// command names every flag its flag set defines, and no other.
func TestUsageLineNamesEveryFlag(t *testing.T) {
	named := regexp.MustCompile(`\[--([a-z-]+)[ \]]`)
	for _, c := range commands() {
		fs := c.flags()
		line := fs.lines[0]
		var inLine []string
		for _, m := range named.FindAllStringSubmatch(line, -1) {
			inLine = append(inLine, m[1])
		}
		var defined []string
		fs.VisitAll(func(f *flag.Flag) { defined = append(defined, f.Name) })
		for _, name := range defined {
			if !slices.Contains(inLine, name) {
				t.Errorf("%s: usage line %q does not name --%s", c.name, line, name)
			}
		}
		for _, name := range inLine {
			if fs.Lookup(name) == nil {
				t.Errorf("%s: usage line %q names --%s, which is not a flag", c.name, line, name)
			}
		}
	}
	// The commands that take flags do list them (a guard on the regexp).
	for name, want := range map[string]int{"simulate": 11, "bench": 5, "replay": 5, "validate": 1} {
		c, _ := lookup(name)
		n := 0
		c.flags().VisitAll(func(*flag.Flag) { n++ })
		if got := len(named.FindAllString(c.flags().lines[0], -1)); got != want || n != want {
			t.Errorf("%s: %d flags named in the usage line, %d defined; want %d", name, got, n, want)
		}
	}
}

// TestUsageErrors checks that a usage error of every command exits 2 with
// a message naming the command and the usage on standard error.
func TestUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"simulate", "--speed", "2"}, "matchforge simulate: flag provided but not defined: -speed"},
		{[]string{"simulate", "extra"}, `matchforge simulate: unexpected argument "extra"`},
		{[]string{"bench", "--speed", "2"}, "matchforge bench: flag provided but not defined: -speed"},
		{[]string{"bench", "--pool", "x"}, `matchforge bench: --pool: "x" is not a pool size`},
		{[]string{"validate", "--yaml"}, "matchforge validate: flag provided but not defined: -yaml"},
		{[]string{"validate"}, "matchforge validate: give at least one rule-set file"},
		{[]string{"replay", "--speed", "2"}, "matchforge replay: flag provided but not defined: -speed"},
		{[]string{"replay", "a", "b"}, "matchforge replay: give one scenario, not 2"},
		{[]string{"help", "a", "b"}, "matchforge help: give at most one command, not a b"},
		{[]string{"help", "--all"}, "matchforge help: flag provided but not defined: -all"},
		{[]string{"version", "now"}, `matchforge version: unexpected argument "now"`},
	} {
		code, out, errOut := runCLI(t, "", tt.args...)
		c, _ := lookup(tt.args[0])
		if code != 2 || out != "" {
			t.Errorf("%q: exit %d, stdout %q; want 2 and nothing on stdout", tt.args, code, out)
		}
		if !strings.HasPrefix(errOut, tt.msg) || !strings.Contains(errOut, "\n"+c.flags().lines[0]+"\n") {
			t.Errorf("%q: stderr should be %q and the usage:\n%s", tt.args, tt.msg, errOut)
		}
	}
}

func TestHelpCommand(t *testing.T) {
	code, out, errOut := runCLI(t, "", "help")
	if code != 0 || errOut != "" || !strings.HasPrefix(out, "usage: matchforge <command>") {
		t.Errorf("help: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, c := range commands() {
		if !strings.Contains(out, "\n  "+c.name+" ") {
			t.Errorf("help does not list %s:\n%s", c.name, out)
		}
	}
	code, out, errOut = runCLI(t, "", "help", "frobnicate")
	if code != 2 || out != "" || !strings.HasPrefix(errOut, `matchforge help: unknown command "frobnicate"`) || !strings.Contains(errOut, "usage: matchforge <command>") {
		t.Errorf("help of an unknown command: exit %d, stdout %q, stderr %q; want 2, the error and the usage on stderr", code, out, errOut)
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-version"} {
		code, out, errOut := runCLI(t, "", arg)
		if code != 0 || errOut != "" || !strings.HasPrefix(out, "matchforge ") || !strings.HasSuffix(out, "/"+runtime.GOARCH+")\n") ||
			strings.Count(out, "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want one line naming matchforge and the Go version", arg, code, out, errOut)
		}
	}
}

func TestVersionLine(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, tt := range []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "matchforge (devel) (" + runtime.Version() + " " + platform + ")"},
		{"module version", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "v1.4.0"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}}},
			"matchforge v1.4.0 (go1.26.1 " + platform + ")"},
		{"work tree", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abc"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}},
			"matchforge (devel) revision 0123abc, 2026-01-02T03:04:05Z, modified (go1.26.1 " + platform + ")"},
		{"clean work tree", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abc"}, {Key: "vcs.modified", Value: "false"}}},
			"matchforge (devel) revision 0123abc (go1.26.1 " + platform + ")"},
	} {
		if got := versionLine(tt.info); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tt := range []struct {
		in        string
		allowZero bool
		want      time.Duration
		err       string
	}{
		{"1s", false, time.Second, ""},
		{"1", false, time.Second, ""},
		{"1.5", false, 1500 * time.Millisecond, ""},
		{"0.1", false, 100 * time.Millisecond, ""},
		{"90m", false, 90 * time.Minute, ""},
		{"5400", false, 90 * time.Minute, ""},
		{"1h30m", false, 90 * time.Minute, ""},
		{"+2s", false, 2 * time.Second, ""},
		{"9223372036", false, 9223372036 * time.Second, ""},
		{"2562047h47m16.854775807s", false, maxDuration, ""},
		{"0", true, 0, ""},
		{"0s", true, 0, ""},
		{"0", false, 0, "zero; it must be more than 0"},
		{"0s", false, 0, "zero; it must be more than 0"},
		{"-1", false, 0, "negative; it must be more than 0"},
		{"-1s", true, 0, "negative; it must be 0 or more"},
		{"9223372037", false, 0, "too long; the limit is 2562047h47m16.854775807s (9223372036 seconds)"},
		{"1e30", false, 0, "too long; the limit is"},
		{"1e400", false, 0, "too long; the limit is"},
		{"2562048h", false, 0, "too long; the limit is"},
		{"1e-10", false, 0, "shorter than a nanosecond"},
		{"an hour", false, 0, "not a duration"},
		{"inf", false, 0, "not a duration"},
		{"NaN", false, 0, "not a duration"},
		{"1d", false, 0, "not a duration"},
		{"", false, 0, "not a duration"},
	} {
		got, err := parseDuration(tt.in, tt.allowZero)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("parseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("parseDuration(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.err)
		}
	}
}

// durationFlags returns the duration flags of every command, by command.
func durationFlags(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, c := range commands() {
		c.flags().VisitAll(func(f *flag.Flag) {
			if _, ok := f.Value.(*durationValue); ok {
				out[c.name] = append(out[c.name], f.Name)
				return
			}
			// A duration flag of another type (flag.Duration) would take
			// its own syntax.
			if g, ok := f.Value.(flag.Getter); ok {
				if _, ok := g.Get().(time.Duration); ok {
					t.Errorf("%s: --%s is a duration flag that is not a durationValue", c.name, f.Name)
				}
			}
		})
	}
	return out
}

// TestDurationFlags checks that every duration flag of every command takes
// both forms alike and refuses what is out of range, naming itself and the
// limit.
func TestDurationFlags(t *testing.T) {
	all := durationFlags(t)
	want := map[string][]string{"simulate": {"duration", "tick"}, "replay": {"tick", "until"}}
	for cmd, names := range want {
		if !slices.Equal(all[cmd], names) {
			t.Errorf("%s: duration flags %v, want %v", cmd, all[cmd], names)
		}
	}
	for cmd, names := range all {
		c, _ := lookup(cmd)
		for _, name := range names {
			values := map[string]time.Duration{}
			for _, v := range []string{"90s", "90", "1m30s", "90.0"} {
				fs := c.flags()
				if err := fs.Parse([]string{"--" + name, v}); err != nil {
					t.Fatalf("%s --%s %s: %v", cmd, name, v, err)
				}
				values[v] = *fs.Lookup(name).Value.(*durationValue).d
			}
			for v, d := range values {
				if d != 90*time.Second {
					t.Errorf("%s --%s %s gave %v, want 1m30s", cmd, name, v, d)
				}
			}
			for _, tt := range []struct{ value, msg string }{
				{"1e30", `--` + name + ` "1e30": too long; the limit is 2562047h47m16.854775807s`},
				{"3000000h", `--` + name + ` "3000000h": too long; the limit is 2562047h47m16.854775807s`},
				{"-5", `--` + name + ` "-5": negative`},
				{"soon", `--` + name + ` "soon": not a duration`},
			} {
				code, out, errOut := runCLI(t, "", cmd, "--"+name, tt.value)
				if code != 2 || out != "" || !strings.HasPrefix(errOut, "matchforge "+cmd+": "+tt.msg) {
					t.Errorf("%s --%s %s: exit %d, stderr %q; want 2 and %q", cmd, name, tt.value, code, errOut, tt.msg)
				}
			}
		}
	}
	// Zero is refused where it makes no sense, and is replay's --until 0.
	for _, args := range [][]string{{"simulate", "--duration", "0"}, {"simulate", "--tick", "0s"}, {"replay", "--tick", "0"}} {
		if code, _, errOut := runCLI(t, "", args...); code != 2 || !strings.Contains(errOut, "zero; it must be more than 0") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a refusal of zero", args, code, errOut)
		}
	}
	if code, _, errOut := runCLI(t, scenario, "replay", "--until", "0"); code != 0 {
		t.Errorf("replay --until 0: exit %d, %s", code, errOut)
	}
}

// TestDurationFormsRunAlike runs commands with a duration in each form.
func TestDurationFormsRunAlike(t *testing.T) {
	file := writeFile(t, t.TempDir(), "duel.jsonl", scenario)
	_, seconds, _ := runCLI(t, "", "replay", "--tick", "7", "--until", "50", file)
	code, goForm, errOut := runCLI(t, "", "replay", "--tick", "7s", "--until", "50s", file)
	if code != 0 || seconds != goForm || seconds == "" {
		t.Errorf("replay --tick 7 --until 50 and --tick 7s --until 50s differ (exit %d, %s)", code, errOut)
	}
	_, def, _ := runCLI(t, "", "replay", file)
	if def == seconds {
		t.Error("--tick 7 --until 50 should change the output")
	}
	// simulate's report depends on the duration: 1 and 1s, 120 and 2m are
	// the same.
	run := func(duration, tick string) string {
		code, out, errOut := runCLI(t, "", "simulate", "--duration", duration, "--tick", tick, "--rate", "600", "--format", "json")
		if code != 0 {
			t.Fatalf("simulate --duration %s --tick %s: exit %d, %s", duration, tick, code, errOut)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range costKeys {
			delete(m, k)
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	if a, b := run("120", "1"), run("2m", "1s"); a != b {
		t.Errorf("--duration 120 --tick 1 and --duration 2m --tick 1s differ:\n%s\n%s", a, b)
	}
}

// TestMissingFileSameStatus checks that every command that reads files
// exits 1 for a missing file, naming it without Go's operation.
func TestMissingFileSameStatus(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	for _, args := range [][]string{
		{"validate", missing},
		{"replay", missing},
		{"simulate", "--ruleset", missing},
		{"simulate", "--config", missing},
		{"simulate", "--population", missing},
		{"bench", "--ruleset", missing},
		{"bench", "--population", missing},
	} {
		code, out, errOut := runCLI(t, "", args...)
		want := "matchforge " + args[0] + ": " + missing + ": cannot read the file: no such file or directory\n"
		if code != 1 || out != "" || errOut != want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 1 and %q", args, code, out, errOut, want)
		}
	}
	// A directory is not a file, in every command alike.
	for _, args := range [][]string{{"validate", dir}, {"replay", dir}, {"simulate", "--config", dir}, {"bench", "--ruleset", dir}} {
		if code, _, errOut := runCLI(t, "", args...); code != 1 || !strings.Contains(errOut, dir+": cannot read the file: it is a directory") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// TestExitStatusDocumented checks that each command's usage states the
// status of a missing file.
func TestExitStatusDocumented(t *testing.T) {
	for _, name := range []string{"simulate", "bench", "validate", "replay"} {
		c, _ := lookup(name)
		lines := c.flags().lines
		last := lines[len(lines)-1]
		if !strings.HasPrefix(last, "Exit status: 0 ") || !regexp.MustCompile(`1 [^;]*cannot be read \(missing`).MatchString(last) ||
			!strings.Contains(last, "2 for a usage error") {
			t.Errorf("%s: exit status line %q should give 1 for a missing file and 2 for a usage error", name, last)
		}
	}
}

// TestSimulateRateGiven checks that --rate replaces the population's rate
// only when given.
func TestSimulateRateGiven(t *testing.T) {
	tickets := func(args ...string) string {
		code, out, errOut := runCLI(t, "", append([]string{"simulate", "--duration", "1m", "--format", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("%q: exit %d, %s", args, code, errOut)
		}
		return regexp.MustCompile(`"tickets": \d+`).FindString(out)
	}
	def, slow := tickets(), tickets("--rate", "60")
	if def == "" || def == slow {
		t.Errorf("--rate 60 should change the number of tickets: %s and %s", def, slow)
	}
	if got := tickets("--rate", "60"); got != slow {
		t.Errorf("two runs of --rate 60 differ: %s and %s", slow, got)
	}
}

// TestSimulateStderrNotTerminal checks that nothing is drawn when standard
// error is a regular file.
func TestSimulateStderrNotTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out strings.Builder
	if code := run([]string{"simulate", "--duration", "2m"}, strings.NewReader(""), &out, f); code != 0 {
		t.Fatalf("exit %d", code)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != 0 {
		t.Errorf("standard error, a regular file, got %d bytes; want none", fi.Size())
	}
}
