package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/bench"
)

const examples = "../../../shared/flexmatch/examples"

func example(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(examples, name+".json")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("published example %s not found: %v", name, err)
	}
	return p
}

func TestSimulateDefault(t *testing.T) {
	code, out, errOut := runCLI(t, "", "simulate", "--duration", "3m")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"rule set ranked5v5", "tickets", "matched", "wait (s)", "p99", "SimilarSkill", "FairTeams", "LowLatency",
		"spread of team averages", "worst latency at match location", "steps: p50", "heap per waiting ticket", "wall time"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if errOut != "" {
		t.Errorf("standard error is not a terminal, so it should stay empty; got %q", errOut)
	}
}

// costKeys are the JSON keys that depend on the machine.
var costKeys = []string{"step_seconds", "engine_seconds", "wall_seconds", "matches_per_second", "heap_bytes_per_ticket"}

func TestSimulateJSONReproducible(t *testing.T) {
	var reports []map[string]any
	for range 2 {
		code, out, errOut := runCLI(t, "", "simulate", "--duration", "2m", "--rate", "1200", "--seed", "9", "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		for _, k := range []string{"tickets", "matched", "timed_out", "cancelled", "matches", "wait_seconds", "step_seconds", "matches_per_second", "heap_bytes_per_ticket", "rules"} {
			if _, ok := m[k]; !ok {
				t.Errorf("JSON lacks %q", k)
			}
		}
		for _, k := range costKeys {
			delete(m, k)
		}
		reports = append(reports, m)
	}
	a, _ := json.Marshal(reports[0])
	b, _ := json.Marshal(reports[1])
	if !bytes.Equal(a, b) {
		t.Errorf("two runs with --seed 9 differ:\n%s\n%s", a, b)
	}
	if n := reports[0]["tickets"].(float64); n < 2000 || n > 2800 {
		t.Errorf("--rate 1200 for 2m gave %v tickets; want about 2400", n)
	}
}

func TestSimulateExample(t *testing.T) {
	rs := example(t, "ex01-aliens-vs-cowboys")
	pop := writeFile(t, t.TempDir(), "pop.json", string(mustPopulation(t, "ex01-aliens-vs-cowboys").JSON()))
	code, out, errOut := runCLI(t, "", "simulate", "--ruleset", rs, "--population", pop, "--duration", "2m", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r bench.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.RuleSet != "aliens_vs_cowboys" || r.MatchedFraction < 0.9 {
		t.Errorf("rule set %s matched %.2f; want aliens_vs_cowboys matching most tickets", r.RuleSet, r.MatchedFraction)
	}
	// Without --population the population is derived from the rule set.
	code, out, errOut = runCLI(t, "", "simulate", "--ruleset", rs, "--duration", "1m")
	if code != 0 || !strings.Contains(out, "rule set aliens_vs_cowboys") {
		t.Errorf("exit %d: %s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", "simulate", "--ruleset", rs, "--print-population")
	if code != 0 {
		t.Fatalf("--print-population: exit %d", code)
	}
	if _, err := bench.DecodePopulation(strings.NewReader(out)); err != nil {
		t.Errorf("--print-population printed an invalid population: %v\n%s", err, out)
	}
}

func mustPopulation(t *testing.T, name string) *bench.Population {
	t.Helper()
	p, err := bench.ExamplePopulation(name)
	if err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestSimulateConfig(t *testing.T) {
	cfg := writeFile(t, t.TempDir(), "config.json", `{"Name": "ranked", "RequestTimeoutSeconds": 90, "AcceptanceRequired": true, "AcceptanceTimeoutSeconds": 10}`)
	pop := bench.DefaultPopulation()
	pop.Arrivals.RatePerMinute = 600
	pop.Behavior = bench.Behavior{RejectRate: 0.05, AcceptDelaySeconds: bench.NumberDist{Mean: 2}}
	popFile := writeFile(t, t.TempDir(), "pop.json", string(pop.JSON()))
	code, out, errOut := runCLI(t, "", "simulate", "--config", cfg, "--population", popFile, "--duration", "2m", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r bench.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Configuration != "ranked" || r.Acceptance.Proposed == 0 || r.Acceptance.Rejected == 0 || r.Cancelled == 0 {
		t.Errorf("configuration %s, acceptance %+v, cancelled %d; want acceptance with rejections", r.Configuration, r.Acceptance, r.Cancelled)
	}
}

func TestSimulateErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	badRS := writeFile(t, t.TempDir(), "bad-ruleset.json", `{"ruleLanguageVersion": "1.0", "teams": [{"name": "a", "minPlayers": 3, "maxPlayers": 2}]}`)
	badPop := writeFile(t, t.TempDir(), "bad-pop.json", `{"arrivals": {"ratePerMinute": -5}}`)
	otherPop := writeFile(t, t.TempDir(), "other-pop.json", `{"arrivals": {"ratePerMinute": 60}, "attributes": {"skill": {"type": "string", "values": [{"value": "x"}]}}, "locations": [{"name": "x"}]}`)
	badCfgJSON := writeFile(t, t.TempDir(), "bad-config.json", `{"Name": "x", "Timeout": 5}`)
	badCfg := writeFile(t, t.TempDir(), "refused-config.json", `{"Name": "x", "RequestTimeoutSeconds": 60, "AcceptanceRequired": true}`)
	for _, tt := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"unknown flag", []string{"--speed", "2"}, 2, []string{"flag provided but not defined"}},
		{"argument", []string{"file.json"}, 2, []string{`unexpected argument "file.json"`}},
		{"format", []string{"--format", "yaml"}, 2, []string{"--format", "text or json"}},
		{"rate", []string{"--rate", "-1"}, 2, []string{"--rate"}},
		{"duration", []string{"--duration", "0s"}, 2, []string{`--duration "0s": zero; it must be more than 0`}},
		{"duration syntax", []string{"--duration", "an hour"}, 2, []string{`--duration "an hour": not a duration`}},
		{"rate zero", []string{"--rate", "0"}, 2, []string{"--rate is 0", "more than 0"}},
		{"rate NaN", []string{"--rate", "NaN"}, 2, []string{"--rate is NaN"}},
		{"rate too high", []string{"--rate", "2e7"}, 2, []string{"--rate is 2e+07", "at most 10000000"}},
		{"tick", []string{"--tick", "-1s"}, 2, []string{"--tick"}},
		{"missing rule set", []string{"--ruleset", missing}, 1, []string{missing, "no such file"}},
		{"invalid rule set", []string{"--ruleset", badRS}, 1, []string{badRS, "invalid rule set", "minPlayers"}},
		{"invalid population", []string{"--population", badPop}, 1, []string{badPop, "arrivals.ratePerMinute"}},
		{"population for another rule set", []string{"--population", otherPop}, 1, []string{otherPop, "attributes.skill.type"}},
		{"missing population", []string{"--population", missing}, 1, []string{missing}},
		{"config JSON", []string{"--config", badCfgJSON}, 1, []string{badCfgJSON + ": ", "line 1, column 15: Timeout: unknown field; the accepted fields are Name, Description,"}},
		{"config refused", []string{"--config", badCfg, "--duration", "1m"}, 1, []string{badCfg, "AcceptanceTimeoutSeconds is required"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, "", append([]string{"simulate"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d; want %d (%s)", code, tt.code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("standard error lacks %q: %s", w, errOut)
				}
			}
		})
	}
}

func TestBench(t *testing.T) {
	code, out, errOut := runCLI(t, "", "bench", "--pool", "500,1k", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res []map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("output is not a JSON array: %v\n%s", err, out)
	}
	if len(res) != 2 || res[0]["pool"].(float64) != 500 || res[1]["pool"].(float64) != 1000 {
		t.Fatalf("results = %v; want pools 500 and 1000", res)
	}
	for _, k := range []string{"pool", "submit_seconds", "bulk_step_seconds", "bulk_matched_tickets", "steady_step_seconds"} {
		if _, ok := res[1][k]; !ok {
			t.Errorf("result lacks %q", k)
		}
	}
	if res[1]["bulk_matched_tickets"].(float64) < 500 {
		t.Errorf("bulk step matched %v of 1000 tickets", res[1]["bulk_matched_tickets"])
	}

	code, out, errOut = runCLI(t, "", "bench", "--pool", "300")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"rule set ranked5v5", "pool", "submit", "bulk step", "steady step", "300", "held back: latency"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestBenchRuleSetAndPopulation(t *testing.T) {
	rs := example(t, "ex06-compare-attributes")
	code, out, errOut := runCLI(t, "", "bench", "--ruleset", rs, "--pool", "400")
	if code != 0 || !strings.Contains(out, "derived from the rule set") {
		t.Errorf("exit %d: %s%s", code, out, errOut)
	}
	pop := writeFile(t, t.TempDir(), "pop.json", string(mustPopulation(t, "ex06-compare-attributes").JSON()))
	code, out, errOut = runCLI(t, "", "bench", "--ruleset", rs, "--population", pop, "--pool", "400", "--format", "json")
	if code != 0 || !strings.Contains(out, `"bulk_matched_tickets"`) {
		t.Errorf("exit %d: %s%s", code, out, errOut)
	}
}

func TestBenchErrors(t *testing.T) {
	badPop := writeFile(t, t.TempDir(), "pop.json", `{"arrivals": {}}`)
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"pool", []string{"--pool", "10,abc"}, 2, `"abc" is not a pool size`},
		{"pool zero", []string{"--pool", "0"}, 2, "is not a pool size"},
		{"pool too big", []string{"--pool", "20m"}, 2, "10000000"},
		{"format", []string{"--format", "csv"}, 2, "text or json"},
		{"argument", []string{"x"}, 2, "unexpected argument"},
		{"missing rule set", []string{"--ruleset", "no-such-file.json"}, 1, "no-such-file.json"},
		{"bad population", []string{"--population", badPop}, 1, "arrivals.ratePerMinute"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, "", append([]string{"bench"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, %q; want exit %d mentioning %q", code, errOut, tt.code, tt.want)
			}
		})
	}
}

func TestParsePools(t *testing.T) {
	got, err := parsePools("1000, 10k,1m,1_000")
	if err != nil || len(got) != 4 || got[0] != 1000 || got[1] != 10000 || got[2] != 1000000 || got[3] != 1000 {
		t.Errorf("parsePools = %v, %v", got, err)
	}
}

// TestSimulatePopulationMessages checks the messages for population files
// (issue 14): the file named once, then each problem with its line, column
// and JSON path, one per line when there are several; a misspelt attribute
// is refused with the declared ones.
func TestSimulatePopulationMessages(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, body, want string
	}{
		{"misspelt attribute", `{"arrivals": {"ratePerMinute": 60},
  "attributes": {"skil": {"type": "number", "mean": 1500, "sd": 300}},
  "locations": [{"name": "us-east-1"}]}`,
			`the population does not fit the rule set: line 2, column 26: attributes.skil: the rule set declares no attribute "skil" (did you mean "skill"?); it declares skill` + "\n"},
		{"several problems", `{"arrivals": {"ratePerMinute": 0},
  "parties": [{"size": 11}]}`,
			"invalid population, 2 problems:\n" +
				"  line 1, column 32: arrivals.ratePerMinute: is 0; it must be more than 0 tickets per minute\n" +
				"  line 2, column 24: parties[0].size: is 11; it must be 1 to 10 players\n"},
		{"syntax", `{"arrivals": {"ratePerMinute": nul}}`,
			`invalid population: line 1, column 32: found the bare word "nul" where a value was expected; a string must be in double quotes, and the only bare words are true, false and null` + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, dir, "pop.json", tt.body)
			code, _, errOut := runCLI(t, "", "simulate", "--population", file, "--duration", "1m")
			if want := "matchforge simulate: " + file + ": " + tt.want; code != 1 || errOut != want {
				t.Errorf("exit %d, standard error\n%s\nwant exit 1 and\n%s", code, errOut, want)
			}
			if n := strings.Count(errOut, file); n != 1 {
				t.Errorf("the message names the file %d times; want once", n)
			}
		})
	}
}
