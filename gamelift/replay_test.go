package gamelift_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/gamelift"
)

// rewrite regenerates the golden files: go test ./gamelift -run TestScenarios -rewrite
var rewrite = flag.Bool("rewrite", false, "rewrite the golden files of testdata/scenarios")

// jsonGolden writes the full JSON output of each scenario beside its golden
// file, as <name>.golden.json (ignored by git), for whoever wants to read or
// diff the whole record: go test ./gamelift -run TestScenarios -json-golden
var jsonGolden = flag.Bool("json-golden", false, "also write each scenario's full JSON output to testdata/scenarios/<name>.golden.json")

// runScenario replays a scenario file with the default options (and the
// Go rule type of gorule_test.go registered) and returns the JSON output.
// A panic in the engine fails the test instead of the binary.
var tickDirective = regexp.MustCompile(`(?m)^# tick: ([0-9.]+)\s*$`)

func runScenario(t *testing.T, path string) (out []byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	steps, err := gamelift.ReadScenario(f)
	if err != nil {
		t.Fatalf("ReadScenario: %v", err)
	}
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Replay panicked: %v", r)
		}
	}()
	opts := scenarioOptions()
	// A scenario may step at another interval than 1 s, with a comment line
	// "# tick: SECONDS".
	if data, err := os.ReadFile(path); err == nil {
		if m := tickDirective.FindSubmatch(data); m != nil {
			if opts.Tick, err = strconv.ParseFloat(string(m[1]), 64); err != nil {
				t.Fatalf("%s: bad tick directive: %v", path, err)
			}
		}
	}
	var buf bytes.Buffer
	if err := gamelift.Replay(steps, &buf, opts); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	return buf.Bytes()
}

func scenarioFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scenarios in testdata/scenarios")
	}
	return files
}

// checkJSONLines checks that out is JSON Lines of objects, each line ending
// in a newline.
func checkJSONLines(t *testing.T, out []byte) {
	t.Helper()
	if len(out) == 0 || out[len(out)-1] != '\n' {
		t.Fatal("the JSON output is empty or does not end in a newline")
	}
	for i, line := range bytes.Split(out[:len(out)-1], []byte("\n")) {
		if len(line) == 0 || line[0] != '{' || !json.Valid(line) {
			t.Fatalf("line %d of the JSON output is not a JSON object: %.200s", i+1, line)
		}
	}
}

// TestScenarios runs every testdata/scenarios/*.jsonl through ReadScenario
// and Replay with the default options, twice: the two JSON outputs must be
// the same bytes (D21) and valid JSON Lines. The text projection of the
// output (ProjectText) must equal the .golden file beside the scenario.
// Run with -rewrite to regenerate the golden files, then review the diff
// like code; add -json-golden to also write the full JSON.
func TestScenarios(t *testing.T) {
	for _, path := range scenarioFiles(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".jsonl")
		t.Run(name, func(t *testing.T) {
			out := runScenario(t, path)
			if again := runScenario(t, path); !bytes.Equal(out, again) {
				t.Fatalf("two replays differ\n%s", firstDiff(again, out))
			}
			checkJSONLines(t, out)
			var text bytes.Buffer
			if err := gamelift.ProjectText(bytes.NewReader(out), &text, gamelift.DefaultStart); err != nil {
				t.Fatalf("ProjectText: %v", err)
			}
			got := text.Bytes()
			golden := strings.TrimSuffix(path, ".jsonl") + ".golden"
			if *jsonGolden {
				if err := os.WriteFile(golden+".json", out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if *rewrite {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -rewrite to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -rewrite to update it, then review the diff)\n%s", golden, firstDiff(got, want))
			}
		})
	}
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want []byte) string {
	g := strings.Split(string(got), "\n")
	w := strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return "(same lines)"
}

// TestScenarioComments checks that every scenario starts with # lines that
// say what it shows and what to check.
func TestScenarioComments(t *testing.T) {
	for _, path := range scenarioFiles(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("# ")) || !bytes.Contains(b, []byte("Check")) {
			t.Errorf("%s: must start with # comment lines that say what it shows and what to check", path)
		}
	}
}

func TestReadScenarioErrors(t *testing.T) {
	tests := []struct {
		name, input string
		line        int
		msg         string
	}{
		{"decreasing at", "# c\n{\"at\":2,\"op\":\"DescribeMatchmakingRuleSets\"}\n\n{\"at\":1,\"op\":\"DescribeMatchmakingRuleSets\"}\n", 4, "before the previous line"},
		{"unknown op", "{\"at\":0,\"op\":\"StartMatchmaking\",\"input\":{}}\n{\"at\":1,\"op\":\"Frobnicate\"}\n", 2, `unknown op "Frobnicate"`},
		{"missing op", "{\"at\":0}\n", 1, `the line has no op`},
		{"bad JSON", "{\"at\":0,\"op\":\"StopMatchmaking\",\"input\":{\"TicketId\":}}\n", 1, "the line is not valid JSON: unexpected '}' at column 52"},
		{"unfinished JSON", "{\"at\":0,\"op\":\"StopMatchmaking\"\n", 1, "the line is not valid JSON: it ends before the value is complete"},
		{"not an object", "[1,2]\n", 1, "the line is a JSON array; it must be an object of at, op and input"},
		{"null", "null\n", 1, "the line is null"},
		{"unknown member", "{\"at\":0,\"op\":\"StopMatchmaking\",\"when\":3}\n", 1, `the line has a member "when"; a line has only at, op and input`},
		{"at as string", "{\"at\":\"1\",\"op\":\"StopMatchmaking\"}\n", 1, "at is a JSON string; it must be a number of seconds from 0"},
		{"at too large for a number", "{\"at\":1e999,\"op\":\"StopMatchmaking\"}\n", 1, "at is 1e999, beyond the largest number"},
		{"op as number", "{\"at\":0,\"op\":7}\n", 1, "op is a JSON number"},
		{"negative at", "{\"at\":-1,\"op\":\"StopMatchmaking\"}\n", 1, "at is -1"},
		{"trailing text", "{\"at\":0,\"op\":\"StopMatchmaking\"} {}\n", 1, "text follows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gamelift.ReadScenario(strings.NewReader(tt.input))
			var se *gamelift.ScenarioError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *ScenarioError", err)
			}
			if se.Line != tt.line {
				t.Errorf("Line = %d, want %d (%v)", se.Line, tt.line, err)
			}
			if !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("Msg = %q, want it to contain %q", se.Msg, tt.msg)
			}
			for _, internal := range []string{"Go struct", "json:", "invalid character", "literal", "unmarshal"} {
				if strings.Contains(se.Msg, internal) {
					t.Errorf("Msg = %q carries the Go decoder's wording %q", se.Msg, internal)
				}
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("line %d: ", tt.line)) {
				t.Errorf("Error() = %q, want it to start with the line number", err.Error())
			}
		})
	}
}

func TestReadScenarioSkipsCommentsAndBlankLines(t *testing.T) {
	steps, err := gamelift.ReadScenario(strings.NewReader("# one\n\n   \n  # two\n{\"at\":0,\"op\":\"DescribeMatchmakingRuleSets\"}\n{\"at\":0,\"op\":\"DescribeMatchmakingConfigurations\",\"input\":{}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[0].Op != "DescribeMatchmakingRuleSets" || steps[1].Op != "DescribeMatchmakingConfigurations" {
		t.Fatalf("steps = %+v", steps)
	}
}

func TestReplayReferenceErrors(t *testing.T) {
	// $match:TICKET before any event put TICKET in a match is a scenario
	// error naming the line.
	steps, err := gamelift.ReadScenario(strings.NewReader("# c\n{\"at\":0,\"op\":\"FailPlacement\",\"input\":{\"MatchId\":\"$match:t1\"}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err = gamelift.Replay(steps, &buf, gamelift.ReplayOptions{})
	var se *gamelift.ScenarioError
	if !errors.As(err, &se) || se.Line != 2 || !strings.Contains(se.Msg, "$match:t1") {
		t.Fatalf("err = %v, want a *ScenarioError for line 2 naming $match:t1", err)
	}
}

func TestReplayOptionsValidate(t *testing.T) {
	for _, o := range []gamelift.ReplayOptions{{Tick: -1}, {Until: -5}, {Format: "xml"}} {
		if err := gamelift.Replay(nil, &bytes.Buffer{}, o); err == nil {
			t.Errorf("Replay with %+v: want an error", o)
		}
	}
}

func TestReplayOptions(t *testing.T) {
	const scenario = `{"at":0,"op":"CreateMatchmakingRuleSet","input":{"Name":"solo","RuleSetBody":"{\"ruleLanguageVersion\":\"1.0\",\"teams\":[{\"name\":\"a\",\"minPlayers\":2,\"maxPlayers\":2}]}"}}
{"at":0,"op":"CreateMatchmakingConfiguration","input":{"Name":"solo","RuleSetName":"solo","RequestTimeoutSeconds":100,"AcceptanceRequired":false}}
{"at":1,"op":"StartMatchmaking","input":{"ConfigurationName":"solo","Players":[{"PlayerId":"p1"}]}}
`
	run := func(o gamelift.ReplayOptions) string {
		t.Helper()
		steps, err := gamelift.ReadScenario(strings.NewReader(scenario))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := gamelift.Replay(steps, &buf, o); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	base := run(gamelift.ReplayOptions{})
	if !strings.Contains(base, `"at":101,"event"`) || !strings.Contains(base, "MatchmakingTimedOut") {
		t.Fatalf("default replay should step until the ticket times out at 101:\n%s", base)
	}
	if got := run(gamelift.ReplayOptions{Seed: 1}); got != base {
		t.Error("Seed 1 is the default seed; the output should not change")
	}
	if got := run(gamelift.ReplayOptions{Seed: 2}); got == base {
		t.Error("another seed should give other generated ids")
	}
	if got := run(gamelift.ReplayOptions{Until: 50}); strings.Contains(got, "MatchmakingTimedOut") {
		t.Errorf("Until 50 should stop stepping before the timeout at 101:\n%s", got)
	}
	if got := run(gamelift.ReplayOptions{Tick: 7}); !strings.Contains(got, `"at":105,"event"`) {
		t.Errorf("with Tick 7 the timeout should be seen at the step at 105:\n%s", got)
	}
}

// A scenario cannot ask for a run without end: a line or an until past
// MaxReplaySeconds, and too many ticks, are refused before anything runs.
func TestReplayRefusesRunsWithoutEnd(t *testing.T) {
	steps, err := gamelift.ReadScenario(strings.NewReader("{\"at\":0,\"op\":\"DescribeMatchmakingRuleSets\"}\n{\"at\":1e12,\"op\":\"DescribeMatchmakingRuleSets\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = gamelift.Replay(steps, &out, gamelift.ReplayOptions{})
	var se *gamelift.ScenarioError
	if !errors.As(err, &se) || se.Line != 2 || !strings.Contains(se.Msg, "at is 1e+12; the limit is 1e+08 seconds") {
		t.Errorf("a line at 1e12: %v; want a ScenarioError for line 2 naming the limit", err)
	}
	steps2, _ := gamelift.ReadScenario(strings.NewReader("{\"at\":5e7,\"op\":\"DescribeMatchmakingRuleSets\"}\n"))
	if err := gamelift.Replay(steps2, &out, gamelift.ReplayOptions{}); !errors.As(err, &se) || se.Line != 1 || !strings.Contains(se.Msg, "the limit is 10000000 ticks") {
		t.Errorf("a line 5e7 ticks away: %v; want a ScenarioError for line 1 naming the tick limit", err)
	}
	if out.Len() != 0 {
		t.Errorf("a refused scenario wrote %d bytes", out.Len())
	}
	for _, tc := range []struct {
		opts gamelift.ReplayOptions
		want string
	}{
		{gamelift.ReplayOptions{Until: 2e8}, "the limit is 1e+08"},
		{gamelift.ReplayOptions{Until: 1e6, Tick: 0.01}, "the limit is 10000000"},
	} {
		if err := gamelift.Replay(steps[:1], &out, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v; want %q", tc.opts, err, tc.want)
		}
	}
}
