package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/gamelift"
)

// runCLI runs the command line with args and stdin and returns the exit
// status and both outputs.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const (
	validBody = `{
  // comments are allowed (D1)
  "ruleLanguageVersion": "1.0",
  "playerAttributes": [{"name": "skill", "type": "number", "default": 10}],
  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 2}, {"name": "blue", "minPlayers": 1, "maxPlayers": 2}],
  "rules": [
    {"name": "Close", "type": "distance", "measurements": ["max(flatten(teams[*].players.attributes[skill]))"],
     "referenceValue": "min(flatten(teams[*].players.attributes[skill]))", "maxDistance": 10},
    {"name": "Even", "type": "comparison", "measurements": ["count(teams[*].players)"], "operation": "="}
  ],
  "expansions": [
    {"target": "rules[Close].maxDistance", "steps": [{"waitTimeSeconds": 5, "value": 20}, {"waitTimeSeconds": 10, "value": 40}]},
    {"target": "teams[red].maxPlayers", "steps": [{"waitTimeSeconds": 8, "value": 3}]}
  ],
}`
	largeBody = `{"ruleLanguageVersion": "1.0",
  "playerAttributes": [{"name": "skill", "type": "number", "default": 10}],
  "algorithm": {"strategy": "balanced", "balancedAttribute": "skill"},
  "teams": [{"name": "side", "minPlayers": 20, "maxPlayers": 25, "quantity": 2}]}`
	invalidBody = `{"ruleLanguageVersion": "2.0",
  "teams": [{"name": "red", "minPlayers": 3, "maxPlayers": 2}]}`
)

func TestValidateValidFiles(t *testing.T) {
	dir := t.TempDir()
	small := writeFile(t, dir, "small.json", validBody)
	large := writeFile(t, dir, "large.json", largeBody)
	code, out, errOut := runCLI(t, "", "validate", small, large)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	want := small + ": valid (small, 2 teams, 2 rules, 2 expansions)\n" +
		large + ": valid (large, 2 teams, 0 rules, 0 expansions)\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
}

func TestValidateInvalidFile(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.json", invalidBody)
	good := writeFile(t, dir, "good.json", validBody)
	code, out, errOut := runCLI(t, "", "validate", bad, good)
	if code != 1 {
		t.Errorf("exit %d, want 1 (stderr %q)", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want two problem lines and one valid line, got:\n%s", out)
	}
	// Each problem is FILE: PATH: MESSAGE.
	for _, l := range lines[:2] {
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(bad) + `: [a-zA-Z]+[^ ]*: .+`).MatchString(l) {
			t.Errorf("problem line %q is not FILE: PATH: MESSAGE", l)
		}
	}
	if !strings.Contains(out, bad+": ruleLanguageVersion: ") || !strings.Contains(out, bad+": teams[0].minPlayers: ") {
		t.Errorf("want a line per problem, naming its path:\n%s", out)
	}
	if lines[2] != good+": valid (small, 2 teams, 2 rules, 2 expansions)" {
		t.Errorf("last line %q", lines[2])
	}
}

func TestValidateSyntaxError(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "syntax.json", `{"ruleLanguageVersion": "1.0", "teams": [}`)
	code, out, _ := runCLI(t, "", "validate", bad)
	if code != 1 || !strings.HasPrefix(out, bad+": ") || !strings.Contains(out, "line 1") {
		t.Errorf("exit %d, stdout %q: want exit 1 and a message with the position", code, out)
	}
}

func TestValidateJSON(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", validBody)
	bad := writeFile(t, dir, "bad.json", invalidBody)
	syntax := writeFile(t, dir, "syntax.json", `{`)
	code, out, errOut := runCLI(t, "", "validate", "--json", good, bad, syntax)
	if code != 1 {
		t.Errorf("exit %d, want 1 (stderr %q)", code, errOut)
	}
	type result struct {
		File   string  `json:"file"`
		Valid  bool    `json:"valid"`
		Class  *string `json:"class"`
		Errors []struct {
			Path    string `json:"path"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var got []result
	for dec.More() {
		var r result
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("stdout is not JSON objects: %v\n%s", err, out)
		}
		got = append(got, r)
	}
	if len(got) != 3 {
		t.Fatalf("want 3 objects, got %d:\n%s", len(got), out)
	}
	if g := got[0]; g.File != good || !g.Valid || g.Class == nil || *g.Class != "small" || g.Errors == nil || len(g.Errors) != 0 {
		t.Errorf("valid file: %+v", g)
	}
	if g := got[1]; g.File != bad || g.Valid || len(g.Errors) != 2 || g.Errors[0].Path == "" || g.Errors[0].Message == "" {
		t.Errorf("invalid file: %+v", g)
	}
	if g := got[2]; g.File != syntax || g.Valid || g.Class != nil || len(g.Errors) == 0 {
		t.Errorf("syntax error: %+v", g)
	}
	// Every object has exactly the four members, errors always a list.
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if len(m) != 4 || m["errors"] == nil || string(m["errors"])[0] != '[' {
			t.Errorf("object %s: want members file, valid, class, errors (a list)", line)
		}
	}
}

func TestValidateStdin(t *testing.T) {
	code, out, _ := runCLI(t, validBody, "validate", "-")
	if code != 0 || out != "-: valid (small, 2 teams, 2 rules, 2 expansions)\n" {
		t.Errorf("exit %d, stdout %q", code, out)
	}
	code, out, _ = runCLI(t, invalidBody, "validate", "--json", "-")
	if code != 1 || !strings.Contains(out, `"file":"-"`) || !strings.Contains(out, `"valid":false`) {
		t.Errorf("exit %d, stdout %q", code, out)
	}
}

func TestValidateUsageAndUnreadable(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", validBody)
	bad := writeFile(t, dir, "bad.json", invalidBody)
	missing := filepath.Join(dir, "missing.json")
	tests := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"no files", []string{"validate"}, 2, "usage: matchforge validate"},
		{"unknown flag", []string{"validate", "--yaml", good}, 2, "flag provided but not defined"},
		{"unreadable", []string{"validate", missing}, 1, missing + ": cannot read the file: no such file or directory"},
		{"unreadable and valid", []string{"validate", good, missing}, 1, "missing.json"},
		{"unreadable and invalid", []string{"validate", bad, missing}, 1, "missing.json"},
		{"a directory", []string{"validate", dir}, 1, dir + ": cannot read the file: it is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, "", tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if !strings.Contains(errOut, tt.err) {
				t.Errorf("stderr %q should contain %q", errOut, tt.err)
			}
		})
	}
	// The valid file is still reported when another is unreadable.
	_, out, _ := runCLI(t, "", "validate", good, missing)
	if !strings.Contains(out, good+": valid") {
		t.Errorf("stdout %q should report the readable file", out)
	}
}

const scenario = `# a duel
{"at": 0, "op": "CreateMatchmakingRuleSet", "input": {"Name": "duel", "RuleSetBody": "{\"ruleLanguageVersion\": \"1.0\", \"teams\": [{\"name\": \"red\", \"minPlayers\": 1, \"maxPlayers\": 1}, {\"name\": \"blue\", \"minPlayers\": 1, \"maxPlayers\": 1}]}"}}
{"at": 0, "op": "CreateMatchmakingConfiguration", "input": {"Name": "duel", "RuleSetName": "duel", "RequestTimeoutSeconds": 100, "AcceptanceRequired": false}}
{"at": 1, "op": "StartMatchmaking", "input": {"ConfigurationName": "duel", "Players": [{"PlayerId": "alice"}]}}
{"at": 2, "op": "StopMatchmaking", "input": {"TicketId": "nope"}}
`

type replayLine struct {
	At     json.Number     `json:"at"`
	Op     string          `json:"op"`
	Output json.RawMessage `json:"output"`
	Error  *struct {
		Type string `json:"__type"`
	} `json:"error"`
	Event *struct {
		ID     string `json:"id"`
		Time   string `json:"time"`
		Detail struct {
			Type    string `json:"type"`
			Tickets []struct {
				TicketID string `json:"ticketId"`
			} `json:"tickets"`
		} `json:"detail"`
	} `json:"event"`
}

func parseReplay(t *testing.T, out string) []replayLine {
	t.Helper()
	var lines []replayLine
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r replayLine
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("output line %q is not JSON: %v", l, err)
		}
		lines = append(lines, r)
	}
	return lines
}

func TestReplay(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "duel.jsonl", scenario)
	code, out, errOut := runCLI(t, "", "replay", file)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := parseReplay(t, out)
	var ops, events []string
	for _, l := range lines {
		if l.Event != nil {
			events = append(events, string(l.At)+" "+l.Event.Detail.Type)
		} else {
			ops = append(ops, string(l.At)+" "+l.Op)
		}
	}
	if strings.Join(ops, ",") != "0 CreateMatchmakingRuleSet,0 CreateMatchmakingConfiguration,1 StartMatchmaking,2 StopMatchmaking" {
		t.Errorf("ops: %v", ops)
	}
	// The ticket searches from 1 and times out at 101; the replay then stops.
	if strings.Join(events, ",") != "1 MatchmakingSearching,101 MatchmakingTimedOut" {
		t.Errorf("events: %v", events)
	}
	for _, l := range lines {
		if l.Op == "StopMatchmaking" && (l.Error == nil || l.Error.Type != "NotFoundException" || l.Output != nil) {
			t.Errorf("StopMatchmaking of an unknown ticket should give an error line: %+v", l)
		}
	}
	// - reads the scenario from standard input.
	code, out2, _ := runCLI(t, scenario, "replay", "-")
	if code != 0 || out2 != out {
		t.Errorf("replay - : exit %d, output differs from the file's", code)
	}
	code, out3, _ := runCLI(t, scenario, "replay")
	if code != 0 || out3 != out {
		t.Errorf("replay without a file: exit %d, output differs", code)
	}
}

func TestReplayFlags(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "duel.jsonl", scenario)
	_, base, _ := runCLI(t, "", "replay", file)
	ticketID := func(out string) string {
		for _, l := range parseReplay(t, out) {
			if l.Event != nil {
				return l.Event.Detail.Tickets[0].TicketID
			}
		}
		return ""
	}
	t.Run("seed", func(t *testing.T) {
		_, same, _ := runCLI(t, "", "replay", "--seed", "1", file)
		if same != base {
			t.Error("--seed 1 is the default; output should not change")
		}
		code, other, _ := runCLI(t, "", "replay", "--seed", "2", file)
		if code != 0 || ticketID(other) == ticketID(base) || ticketID(other) == "" {
			t.Errorf("--seed 2 should change generated ticket ids: %q and %q", ticketID(base), ticketID(other))
		}
	})
	t.Run("start", func(t *testing.T) {
		code, out, _ := runCLI(t, "", "replay", "--start", "2030-05-01T12:00:00Z", file)
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		lines := parseReplay(t, out)
		if got := lines[2].Output; !bytes.Contains(got, []byte(`"StartTime":1903867201.000`)) {
			t.Errorf("ticket StartTime should be 2030-05-01T12:00:01Z: %s", got)
		}
		for _, l := range lines {
			if l.Event != nil && l.Event.Detail.Type == "MatchmakingSearching" && l.Event.Time != "2030-05-01T12:00:01.000Z" {
				t.Errorf("event time %s, want 2030-05-01T12:00:01.000Z", l.Event.Time)
			}
		}
		if !strings.Contains(base, `"time":"2026-01-01T00:00:01.000Z"`) {
			t.Error("default start should be 2026-01-01T00:00:00Z")
		}
	})
	t.Run("tick", func(t *testing.T) {
		code, out, _ := runCLI(t, "", "replay", "--tick", "7", file)
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		// Steps fall on multiples of 7: the ticket searches from 7 and
		// times out at the first step after 101, 105.
		var events []string
		for _, l := range parseReplay(t, out) {
			if l.Event != nil {
				events = append(events, string(l.At)+" "+l.Event.Detail.Type)
			}
		}
		if strings.Join(events, ",") != "7 MatchmakingSearching,105 MatchmakingTimedOut" {
			t.Errorf("events with --tick 7: %v", events)
		}
	})
	t.Run("format", func(t *testing.T) {
		_, js, _ := runCLI(t, "", "replay", "--format", "json", file)
		if js != base {
			t.Error("--format json is the default; output should not change")
		}
		code, text, errOut := runCLI(t, "", "replay", "--format", "text", file)
		if code != 0 || errOut != "" {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		// The text is the projection of the JSON, line for line; the
		// ticket the engine named is T1 and times count from second 0.
		var want strings.Builder
		if err := gamelift.ProjectText(strings.NewReader(base), &want, gamelift.DefaultStart); err != nil {
			t.Fatal(err)
		}
		if text != want.String() {
			t.Errorf("--format text:\n%s\nwant the projection of the JSON:\n%s", text, want.String())
		}
		for _, line := range []string{
			"1 StartMatchmaking -> ticket T1 QUEUED config=duel start=1 players=(alice)",
			"2 StopMatchmaking -> error NotFoundException: ticket \"nope\" does not exist",
			"101 event MatchmakingTimedOut config=duel T1(alice) reason=TimedOut",
		} {
			if !strings.Contains(text, line) {
				t.Errorf("--format text should contain %q:\n%s", line, text)
			}
		}
		if n := strings.Count(text, "\n"); n != strings.Count(base, "\n") {
			t.Errorf("--format text has %d lines, the JSON %d", n, strings.Count(base, "\n"))
		}
		_, later, _ := runCLI(t, "", "replay", "--format", "text", "--start", "2030-05-01T12:00:00Z", file)
		if later != text {
			t.Errorf("--start should not change the text, whose times count from second 0:\n%s", later)
		}
	})
	t.Run("until", func(t *testing.T) {
		code, out, _ := runCLI(t, "", "replay", "--until", "50", file)
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		if strings.Contains(out, "MatchmakingTimedOut") {
			t.Errorf("--until 50 should stop stepping before the timeout at 101:\n%s", out)
		}
	})
}

func TestReplayErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.jsonl", scenario)
	decreasing := writeFile(t, dir, "decreasing.jsonl", "# c\n{\"at\": 5, \"op\": \"DescribeMatchmakingRuleSets\"}\n{\"at\": 4, \"op\": \"DescribeMatchmakingRuleSets\"}\n")
	unknownOp := writeFile(t, dir, "unknown.jsonl", "{\"at\": 0, \"op\": \"DescribeMatchmakingRuleSets\"}\n\n{\"at\": 1, \"op\": \"Frobnicate\"}\n")
	badJSON := writeFile(t, dir, "bad.jsonl", "{\"at\": 0, \"op\":\n")
	badRef := writeFile(t, dir, "ref.jsonl", "# c\n# d\n{\"at\": 0, \"op\": \"FailPlacement\", \"input\": {\"MatchId\": \"$match:t1\"}}\n")
	tests := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"decreasing at", []string{"replay", decreasing}, 1, "decreasing.jsonl: line 3: "},
		{"unknown op", []string{"replay", unknownOp}, 1, "unknown.jsonl: line 3: unknown op \"Frobnicate\""},
		{"bad JSON", []string{"replay", badJSON}, 1, "bad.jsonl: line 1: "},
		{"bad reference", []string{"replay", badRef}, 1, "ref.jsonl: line 3: "},
		{"missing file", []string{"replay", filepath.Join(dir, "missing.jsonl")}, 1, "missing.jsonl"},
		{"two files", []string{"replay", good, good}, 2, "usage: matchforge replay"},
		{"unknown flag", []string{"replay", "--speed", "2", good}, 2, "flag provided but not defined"},
		{"bad seed", []string{"replay", "--seed", "-1", good}, 2, "invalid value"},
		{"zero tick", []string{"replay", "--tick", "0", good}, 2, "--tick"},
		{"negative tick", []string{"replay", "--tick", "-1", good}, 2, "--tick"},
		{"bad start", []string{"replay", "--start", "yesterday", good}, 2, "--start"},
		{"negative until", []string{"replay", "--until", "-3", good}, 2, "until"},
		{"bad format", []string{"replay", "--format", "yaml", good}, 2, "--format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, "", tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, errOut)
			}
			if !strings.Contains(errOut, tt.err) {
				t.Errorf("stderr %q should contain %q", errOut, tt.err)
			}
		})
	}
	// Malformed standard input is named "-".
	code, _, errOut := runCLI(t, "{\"at\": 0, \"op\": \"Nope\"}\n", "replay", "-")
	if code != 1 || !strings.Contains(errOut, "-: line 1: ") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestHelpAndUnknownCommand(t *testing.T) {
	for _, arg := range []string{"help", "-h", "--help"} {
		code, out, errOut := runCLI(t, "", arg)
		if code != 0 || errOut != "" || !strings.Contains(out, "usage: matchforge <command>") ||
			!strings.Contains(out, "validate") || !strings.Contains(out, "replay") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", arg, code, out, errOut)
		}
	}
	code, out, errOut := runCLI(t, "")
	if code != 2 || out != "" || !strings.Contains(errOut, "usage: matchforge <command>") {
		t.Errorf("no arguments: exit %d, stdout %q, stderr %q; want 2 and the usage on stderr", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", "frobnicate")
	if code != 2 || out != "" || !strings.Contains(errOut, `unknown command "frobnicate"`) || !strings.Contains(errOut, "usage:") {
		t.Errorf("unknown command: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
