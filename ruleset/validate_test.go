package ruleset_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// The validation suite. testdata/invalid holds rule sets that break the
// rule-set language, each beside a .want file listing the problems Validate
// must report, one per line:
//
//	<json path>: <message substring>
//
// The path is compared exactly with Error.Path (empty for problems with the
// body as a whole, so those lines start with ": "); the rest must be a
// substring of Error.Message. Validate must report exactly as many problems
// as there are lines. Files named syntax-* are not JSON even by the lenient
// reading of D1 and must fail Parse with ErrSyntax; the others must parse
// and fail Validate with ErrInvalid.
//
// testdata/valid holds rule sets that must compile; vtValidCases below says
// what each compiles to.

const (
	vtInvalidDir  = "testdata/invalid"
	vtValidDir    = "testdata/valid"
	vtExamplesDir = "../../shared/flexmatch/examples"
)

// vtWant is one line of a .want file.
type vtWant struct {
	path, msg string
}

func vtReadWant(t *testing.T, file string) []vtWant {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("every invalid rule set needs a .want file: %v", err)
	}
	var out []vtWant
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		k := strings.Index(line, ": ")
		if k < 0 || strings.TrimSpace(line[k+2:]) == "" {
			t.Fatalf("%s:%d: %q is not <json path>: <message substring>", file, i+1, line)
		}
		out = append(out, vtWant{line[:k], line[k+2:]})
	}
	return out
}

func (w vtWant) matches(e ruleset.Error) bool {
	return e.Path == w.path && strings.Contains(e.Message, w.msg)
}

// vtMatch pairs every wanted line with a distinct reported problem
// (a bipartite matching, so overlapping substrings cannot mislead it) and
// returns the wanted lines and problems left over.
func vtMatch(want []vtWant, got []ruleset.Error) (missing []vtWant, extra []ruleset.Error) {
	owner := make([]int, len(got)) // got index -> want index, or -1
	for i := range owner {
		owner[i] = -1
	}
	var try func(w int, seen []bool) bool
	try = func(w int, seen []bool) bool {
		for g := range got {
			if seen[g] || !want[w].matches(got[g]) {
				continue
			}
			seen[g] = true
			if owner[g] < 0 || try(owner[g], seen) {
				owner[g] = w
				return true
			}
		}
		return false
	}
	matched := make([]bool, len(want))
	for w := range want {
		matched[w] = try(w, make([]bool, len(got)))
	}
	for w, ok := range matched {
		if !ok {
			missing = append(missing, want[w])
		}
	}
	for g, w := range owner {
		if w < 0 {
			extra = append(extra, got[g])
		}
	}
	return missing, extra
}

func vtLines(errs []ruleset.Error) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n\t%s: %s", e.Path, e.Message)
	}
	return b.String()
}

// vtCheckOrder asserts the problems are sorted by path, with rules[2]
// before rules[10].
func vtCheckOrder(t *testing.T, errs []ruleset.Error) {
	t.Helper()
	for i := 1; i < len(errs); i++ {
		if vtComparePaths(errs[i-1].Path, errs[i].Path) > 0 {
			t.Errorf("problems are not ordered by path: %q comes before %q%s", errs[i-1].Path, errs[i].Path, vtLines(errs))
		}
	}
}

var vtPathNumber = regexp.MustCompile(`\d+`)

// vtComparePaths compares JSON paths, taking runs of digits as numbers.
func vtComparePaths(a, b string) int {
	pad := func(s string) string {
		return vtPathNumber.ReplaceAllStringFunc(s, func(d string) string { return fmt.Sprintf("%012s", d) })
	}
	return strings.Compare(pad(a), pad(b))
}

func TestValidateInvalidRuleSets(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(vtInvalidDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 40 {
		t.Fatalf("found %d invalid rule sets in %s; the suite needs at least 40", len(files), vtInvalidDir)
	}
	wants, _ := filepath.Glob(filepath.Join(vtInvalidDir, "*.want"))
	for _, w := range wants {
		if _, err := os.Stat(strings.TrimSuffix(w, ".want") + ".json"); err != nil {
			t.Errorf("%s has no rule set beside it", w)
		}
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want := vtReadWant(t, strings.TrimSuffix(file, ".json")+".want")
			doc, err := ruleset.Parse(body)
			syntax := strings.HasPrefix(name, "syntax-")
			switch {
			case syntax && err == nil:
				t.Fatalf("Parse accepted a body that is not JSON")
			case syntax:
				if !errors.Is(err, ruleset.ErrSyntax) || errors.Is(err, ruleset.ErrInvalid) {
					t.Errorf("Parse error does not wrap ErrSyntax alone: %v", err)
				}
			case err != nil:
				t.Fatalf("Parse: %v", err)
			default:
				err = doc.Validate()
				if err == nil {
					t.Fatalf("Validate accepted the rule set")
				}
				if !errors.Is(err, ruleset.ErrInvalid) || errors.Is(err, ruleset.ErrSyntax) {
					t.Errorf("Validate error does not wrap ErrInvalid alone: %v", err)
				}
				// Compile and Load report the same problems.
				if rs, cerr := ruleset.Compile(doc); rs != nil || cerr == nil || cerr.Error() != err.Error() {
					t.Errorf("Compile = %v, %v; want nil and the Validate error", rs, cerr)
				}
			}
			if rs, lerr := ruleset.Load(body); rs != nil || lerr == nil || lerr.Error() != err.Error() {
				t.Errorf("Load = %v, %v; want nil and the same error", rs, lerr)
			}
			var list *ruleset.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, not *ruleset.ErrorList", err)
			}
			got := ruleset.Problems(err)
			if len(got) != len(want) {
				t.Errorf("got %d problems, want %d:%s", len(got), len(want), vtLines(got))
			}
			missing, extra := vtMatch(want, got)
			for _, m := range missing {
				t.Errorf("no problem matches %s: %s", m.path, m.msg)
			}
			for _, e := range extra {
				t.Errorf("unexpected problem %s: %s", e.Path, e.Message)
			}
			vtCheckOrder(t, got)
			for _, e := range got {
				if strings.TrimSpace(e.Message) == "" {
					t.Errorf("problem at %q has no message", e.Path)
				}
				if e.Path != "" && strings.HasPrefix(e.Message, e.Path) {
					t.Errorf("message repeats the path: %s: %s", e.Path, e.Message)
				}
				if s := e.Error(); e.Path != "" && s != e.Path+": "+e.Message {
					t.Errorf("Error() = %q", s)
				}
			}
		})
	}
}

// TestValidateReportsEveryProblem checks D6: a rule set with five unrelated
// problems gets five errors, each at its own path, ordered by path (rules[2]
// before rules[10]).
func TestValidateReportsEveryProblem(t *testing.T) {
	var rules []string
	for i := range 11 {
		rules = append(rules, fmt.Sprintf(`{"name": "R%d", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": %d}`, i, i))
	}
	rules[2] = `{"name": "R2", "type": "comparison", "measurements": "flatten(teams[*].players.attributes[skill])", "operation": "<"}`
	rules[10] = `{"name": "R10", "type": "distance", "measurements": "avg(teams[*].players.attributes[skill])", "referenceValue": 0}`
	body := `{
	  "expansions": [{"target": "rules[R1].maxDistance", "steps": [{"waitTimeSeconds": 10, "value": 5}, {"waitTimeSeconds": 10, "value": 6}]}],
	  "rules": [` + strings.Join(rules, ",\n") + `],
	  "teams": [{"name": "red", "minPlayers": 5, "maxPlayers": 4}, {"name": "blue", "minPlayers": 1, "maxPlayers": 4}],
	  "algorithm": {"strategy": "exhaustiveSearch", "batchingPreference": "fastestRegion"},
	  "playerAttributes": [{"name": "skill", "type": "number"}],
	  "ruleLanguageVersion": "1.0"
	}`
	_, err := ruleset.Load([]byte(body))
	if !errors.Is(err, ruleset.ErrInvalid) {
		t.Fatalf("Load: %v, want ErrInvalid", err)
	}
	got := ruleset.Problems(err)
	want := []ruleset.Error{
		{Path: "algorithm.batchingPreference", Message: "only the balanced strategy"},
		{Path: "expansions[0].steps[1].waitTimeSeconds", Message: "wait times must increase"},
		{Path: "rules[2].operation", Message: "without a referenceValue"},
		{Path: "rules[10]", Message: "has neither maxDistance nor minDistance"},
		{Path: "teams[0].minPlayers", Message: "more than maxPlayers"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:%s", len(got), len(want), vtLines(got))
	}
	for i, w := range want {
		if got[i].Path != w.Path || !strings.Contains(got[i].Message, w.Message) {
			t.Errorf("problem %d = %s: %s; want %s: ...%s...", i, got[i].Path, got[i].Message, w.Path, w.Message)
		}
	}
	vtCheckOrder(t, got)
	if lines := strings.Split(err.Error(), "\n"); len(lines) != len(want) {
		t.Errorf("Error() has %d lines, want one per problem:\n%s", len(lines), err)
	}
}

// TestProblemsOfOtherErrors covers the helper for errors that are not lists.
func TestProblemsOfOtherErrors(t *testing.T) {
	if p := ruleset.Problems(nil); p != nil {
		t.Errorf("Problems(nil) = %v", p)
	}
	p := ruleset.Problems(errors.New("boom"))
	if len(p) != 1 || p[0].Path != "" || p[0].Message != "boom" {
		t.Errorf("Problems(boom) = %v", p)
	}
	if _, err := ruleset.Compile(&ruleset.Document{}); !errors.Is(err, ruleset.ErrSyntax) {
		t.Errorf("Compile(empty Document) = %v, want ErrSyntax", err)
	}
	if _, err := ruleset.Compile(nil); !errors.Is(err, ruleset.ErrSyntax) {
		t.Errorf("Compile(nil) = %v, want ErrSyntax", err)
	}
}

// ---------------------------------------------------------------- valid rule sets

// vtPhase is what rs.At(at) must return.
type vtPhase struct {
	at         time.Duration
	index      int
	start      time.Duration
	teams      []ruleset.TeamSize // nil: not checked
	maxPlayers int                // 0: not checked
	minPlayers int                // 0: not checked
	maxDist    map[int]float64    // rule index -> effective maxDistance
	maxLat     map[int]float64    // rule index -> effective maxLatency
}

type vtValid struct {
	class      ruleset.Class
	name       string
	teams      []string // generated team names in order
	maxPlayers int
	rules      []string // "Name:type", with a trailing "*" when InCompound
	attrs      []string // "name:type"
	expansions int      // steps in all
	last       time.Duration
	algorithm  *ruleset.Algorithm // nil: not checked
	phases     int                // len(Phases())
	at         []vtPhase
	check      func(t *testing.T, rs *ruleset.RuleSet)
}

func TestValidRuleSets(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(vtValidDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no valid rule sets in %s", vtValidDir)
	}
	seen := map[string]bool{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			body, rs := vtCompileFile(t, file)
			if rs.Body() != string(body) {
				t.Errorf("Body() is not the body compiled")
			}
			w, ok := vtValidCases[name]
			if !ok {
				t.Fatalf("vtValidCases has no expectations for %s", name)
			}
			vtCheckCompiled(t, rs, w)
		})
	}
	for name := range vtValidCases {
		if !seen[name] {
			t.Errorf("vtValidCases names %s, which is not in %s", name, vtValidDir)
		}
	}
}

// vtCompileFile reads a rule-set file that must be valid, checks that it
// parses, validates and compiles, and returns its body and rule set.
func vtCompileFile(t *testing.T, file string) ([]byte, *ruleset.RuleSet) {
	t.Helper()
	body, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ruleset.Parse(body)
	if err != nil {
		t.Fatalf("Parse:%s", vtLines(ruleset.Problems(err)))
	}
	if err := doc.Validate(); err != nil {
		t.Fatalf("Validate:%s", vtLines(ruleset.Problems(err)))
	}
	rs, err := ruleset.Compile(doc)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return body, rs
}

func vtCheckCompiled(t *testing.T, rs *ruleset.RuleSet, w vtValid) {
	t.Helper()
	if rs.Class() != w.class {
		t.Errorf("Class = %v, want %v", rs.Class(), w.class)
	}
	if rs.Name() != w.name {
		t.Errorf("Name = %q, want %q", rs.Name(), w.name)
	}
	var teams []string
	for i, tm := range rs.Teams() {
		teams = append(teams, tm.Name)
		if j, ok := rs.TeamIndex(tm.Name); !ok || j != i {
			t.Errorf("TeamIndex(%q) = %d, %v; want %d", tm.Name, j, ok, i)
		}
		if tm.Copy == 0 && tm.Name != tm.Base || tm.Copy > 0 && tm.Name != tm.Base+"_"+strconv.Itoa(tm.Copy) {
			t.Errorf("team %d: Name %q, Base %q, Copy %d do not agree (D2)", i, tm.Name, tm.Base, tm.Copy)
		}
	}
	if !slices.Equal(teams, w.teams) {
		t.Errorf("Teams = %q, want %q", teams, w.teams)
	}
	if rs.MaxPlayers() != w.maxPlayers {
		t.Errorf("MaxPlayers = %d, want %d", rs.MaxPlayers(), w.maxPlayers)
	}
	var rules []string
	for _, r := range rs.Rules() {
		s := r.Name + ":" + r.Type
		if r.InCompound {
			s += "*"
		}
		rules = append(rules, s)
	}
	if !slices.Equal(rules, w.rules) {
		t.Errorf("Rules = %q, want %q", rules, w.rules)
	}
	var attrs []string
	for _, a := range rs.Schema().Attrs() {
		attrs = append(attrs, a.Name+":"+a.Kind.RuleSetType())
	}
	if !slices.Equal(attrs, w.attrs) {
		t.Errorf("attributes = %q, want %q", attrs, w.attrs)
	}
	if rs.ExpansionSteps() != w.expansions {
		t.Errorf("ExpansionSteps = %d, want %d", rs.ExpansionSteps(), w.expansions)
	}
	if rs.LastExpansion() != w.last {
		t.Errorf("LastExpansion = %v, want %v", rs.LastExpansion(), w.last)
	}
	if w.algorithm != nil {
		got := rs.Algorithm()
		if got.Strategy != w.algorithm.Strategy || got.BatchingPreference != w.algorithm.BatchingPreference ||
			!slices.Equal(got.SortByAttributes, w.algorithm.SortByAttributes) || got.BalancedAttribute != w.algorithm.BalancedAttribute ||
			got.BackfillPriority != w.algorithm.BackfillPriority || got.ExpansionAgeSelection != w.algorithm.ExpansionAgeSelection {
			t.Errorf("Algorithm = %+v, want %+v", got, *w.algorithm)
		}
	}
	phases := rs.Phases()
	if len(phases) != w.phases {
		t.Errorf("%d phases, want %d", len(phases), w.phases)
	}
	for i := range phases {
		if phases[i].Index() != i {
			t.Errorf("Phases()[%d].Index() = %d", i, phases[i].Index())
		}
		if i == 0 && phases[i].Start() != 0 || i > 0 && phases[i].Start() <= phases[i-1].Start() {
			t.Errorf("phase %d starts at %v, after %v", i, phases[i].Start(), phases[max(i-1, 0)].Start())
		}
	}
	if len(phases) > 0 && rs.At(0).Index() != 0 {
		t.Errorf("At(0) is phase %d", rs.At(0).Index())
	}
	if len(phases) > 0 && rs.At(-time.Second).Index() != 0 {
		t.Errorf("At(-1s) is phase %d, want 0", rs.At(-time.Second).Index())
	}
	if len(phases) > 0 && rs.At(time.Hour*24).Index() != len(phases)-1 {
		t.Errorf("At(24h) is phase %d, want the last", rs.At(time.Hour*24).Index())
	}
	for _, p := range w.at {
		v := rs.At(p.at)
		if v.Index() != p.index || v.Start() != p.start {
			t.Errorf("At(%v) = phase %d from %v; want phase %d from %v", p.at, v.Index(), v.Start(), p.index, p.start)
		}
		if p.teams != nil {
			var got []ruleset.TeamSize
			for i := range rs.Teams() {
				got = append(got, v.Team(i))
			}
			if !slices.Equal(got, p.teams) {
				t.Errorf("At(%v) teams = %v, want %v", p.at, got, p.teams)
			}
		}
		if p.maxPlayers != 0 && v.MaxPlayers() != p.maxPlayers {
			t.Errorf("At(%v).MaxPlayers = %d, want %d", p.at, v.MaxPlayers(), p.maxPlayers)
		}
		if p.minPlayers != 0 && v.MinPlayers() != p.minPlayers {
			t.Errorf("At(%v).MinPlayers = %d, want %d", p.at, v.MinPlayers(), p.minPlayers)
		}
		for r, want := range p.maxDist {
			if got, ok := v.MaxDistance(r); !ok || got != want {
				t.Errorf("At(%v).MaxDistance(%d) = %v, %v; want %v", p.at, r, got, ok, want)
			}
		}
		for r, want := range p.maxLat {
			if got, ok := v.MaxLatency(r); !ok || got != want {
				t.Errorf("At(%v).MaxLatency(%d) = %v, %v; want %v", p.at, r, got, ok, want)
			}
		}
	}
	if w.check != nil {
		w.check(t, rs)
	}
}

// ---------------------------------------------------------------- evaluation helpers

// vPlayer builds a player for the evaluation checks of valid rule sets.
func vPlayer(id string, attrs map[string]ticket.AttributeValue, latency map[string]int) ticket.Player {
	return ticket.Player{PlayerID: id, PlayerAttributes: attrs, LatencyInMs: latency}
}

// vEval places one single-player ticket per entry of teams (a team index)
// and evaluates the candidate in Final mode after waiting wait.
func vEval(t *testing.T, rs *ruleset.RuleSet, wait time.Duration, players []ticket.Player, teams []int) (bool, []int8) {
	t.Helper()
	locs := ticket.NewLocations()
	ev := rs.NewEvaluator(locs)
	var c ruleset.Candidate
	for i, p := range players {
		c.Add(evResolve(t, rs, locs, p), teams[i])
	}
	ok := ev.Evaluate(&c, rs.At(wait), ruleset.Final)
	if err := ev.Err(); err != nil {
		t.Errorf("evaluation error: %v", err)
	}
	return ok, slices.Clone(ev.Results())
}

func vNum(x float64) ticket.AttributeValue            { return ticket.Number(x) }
func vStr(s string) ticket.AttributeValue             { return ticket.String(s) }
func vList(s ...string) ticket.AttributeValue         { return ticket.StringList(s...) }
func vMap(m map[string]float64) ticket.AttributeValue { return ticket.StringNumberMap(m) }

// ts is shorthand for a team's effective sizes.
func ts(min, max int) ruleset.TeamSize { return ruleset.TeamSize{Min: min, Max: max} }

func tsN(n int, size ruleset.TeamSize) []ruleset.TeamSize {
	out := make([]ruleset.TeamSize, n)
	for i := range out {
		out[i] = size
	}
	return out
}

var vtValidCases = map[string]vtValid{
	"comparison-duel": {
		class: ruleset.Small, name: "duel", teams: []string{"left", "right"}, maxPlayers: 2,
		rules: []string{"SameMode:comparison", "OtherRegions:comparison", "Duelists:comparison", "RatedUp:comparison",
			"LeftNotWorse:comparison", "RegionOne:comparison"},
		attrs:      []string{"rating:number", "mode:string", "region:string", "wantsDuel:number"},
		expansions: 2, last: 30 * time.Second, phases: 3,
		at: []vtPhase{
			{at: 9999 * time.Millisecond, index: 0, start: 0},
			{at: 10 * time.Second, index: 1, start: 10 * time.Second},
			{at: 29999 * time.Millisecond, index: 1, start: 10 * time.Second},
			{at: 30 * time.Second, index: 2, start: 30 * time.Second},
		},
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			if rs.Rules()[0].Description != "every player asked for the same mode" {
				t.Errorf("Description = %q", rs.Rules()[0].Description)
			}
			left := vPlayer("l", map[string]ticket.AttributeValue{"rating": vNum(1000), "region": vStr("eu")}, nil)
			right := vPlayer("r", map[string]ticket.AttributeValue{"rating": vNum(700), "region": vStr("us")}, nil)
			// RatedUp's referenceValue drops from 800 to 600 at 10 s.
			if ok, res := vEval(t, rs, 9999*time.Millisecond, []ticket.Player{left, right}, []int{0, 1}); ok || res[3] != ruleset.Failed {
				t.Errorf("before 10 s: ok = %v, results %v; want RatedUp to fail", ok, res)
			}
			if ok, res := vEval(t, rs, 10*time.Second, []ticket.Player{left, right}, []int{0, 1}); !ok {
				t.Errorf("at 10 s: results %v; want a pass", res)
			}
			// RegionOne compares the string attribute with the string "1" (D1
			// reads it as a number only where a number is expected).
			left.PlayerAttributes["region"] = vStr("1")
			if ok, res := vEval(t, rs, 10*time.Second, []ticket.Player{left, right}, []int{0, 1}); ok || res[5] != ruleset.Failed {
				t.Errorf("region \"1\": ok = %v, results %v; want RegionOne to fail", ok, res)
			}
			// Without a referenceValue, != means all different.
			right.PlayerAttributes["region"] = vStr("1")
			left.PlayerAttributes["region"] = vStr("eu")
			if ok, res := vEval(t, rs, 10*time.Second, []ticket.Player{left, right}, []int{0, 1}); !ok {
				t.Errorf("different regions: results %v; want a pass", res)
			}
			right.PlayerAttributes["region"] = vStr("eu")
			if ok, res := vEval(t, rs, 10*time.Second, []ticket.Player{left, right}, []int{0, 1}); ok || res[1] != ruleset.Failed {
				t.Errorf("same region: ok = %v, results %v; want OtherRegions to fail", ok, res)
			}
		},
	},
	"distance-skill": {
		class: ruleset.Small, name: "distance", teams: []string{"red", "blue"}, maxPlayers: 10,
		rules:      []string{"FairTeams:distance", "NotTooEasy:distance", "Band:distance"},
		attrs:      []string{"skill:number"},
		expansions: 6, last: 20 * time.Second, phases: 5,
		at: []vtPhase{
			{at: 0, index: 0, start: 0, teams: []ruleset.TeamSize{ts(3, 5), ts(3, 5)}, maxPlayers: 10, minPlayers: 6, maxDist: map[int]float64{0: 5, 2: 30}},
			{at: 4999 * time.Millisecond, index: 0, start: 0, maxDist: map[int]float64{0: 5}},
			{at: 5 * time.Second, index: 1, start: 5 * time.Second, teams: []ruleset.TeamSize{ts(3, 5), ts(3, 5)}, maxDist: map[int]float64{0: 10}},
			{at: 10 * time.Second, index: 2, start: 10 * time.Second, teams: []ruleset.TeamSize{ts(2, 5), ts(2, 5)}, minPlayers: 4, maxDist: map[int]float64{0: 10}},
			{at: 15 * time.Second, index: 3, start: 15 * time.Second, maxDist: map[int]float64{0: 20, 2: 30}},
			{at: 20 * time.Second, index: 4, start: 20 * time.Second, teams: []ruleset.TeamSize{ts(1, 5), ts(1, 5)}, minPlayers: 2, maxPlayers: 10, maxDist: map[int]float64{0: 20}},
		},
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			if _, ok := rs.At(0).MaxDistance(1); ok {
				t.Errorf("NotTooEasy has no maxDistance, but MaxDistance reports one")
			}
			p := func(id string, skill float64) ticket.Player {
				return vPlayer(id, map[string]ticket.AttributeValue{"skill": vNum(skill)}, nil)
			}
			// Team averages 20 and 30 around 25: 5 from the mean passes.
			players := []ticket.Player{p("a", 20), p("b", 30)}
			if ok, res := vEval(t, rs, 0, players, []int{0, 1}); !ok {
				t.Errorf("averages 20 and 30: results %v; want a pass", res)
			}
			// Averages 10 and 30: 10 from the mean fails until 5 s.
			players = []ticket.Player{p("a", 10), p("b", 30)}
			if ok, res := vEval(t, rs, 4999*time.Millisecond, players, []int{0, 1}); ok || res[0] != ruleset.Failed {
				t.Errorf("before 5 s: ok = %v, results %v; want FairTeams to fail", ok, res)
			}
			if ok, res := vEval(t, rs, 5*time.Second, players, []int{0, 1}); !ok {
				t.Errorf("at 5 s: results %v; want a pass", res)
			}
			// minDistance: the best player must be at least 10 from 0, until 10 s.
			players = []ticket.Player{p("a", 5), p("b", 6)}
			if ok, res := vEval(t, rs, 9999*time.Millisecond, players, []int{0, 1}); ok || res[1] != ruleset.Failed {
				t.Errorf("skill 6 before 10 s: ok = %v, results %v; want NotTooEasy to fail", ok, res)
			}
			if ok, res := vEval(t, rs, 10*time.Second, players, []int{0, 1}); !ok {
				t.Errorf("skill 6 at 10 s: results %v; want a pass", res)
			}
		},
	},
	"collection-squads": {
		class: ruleset.Small, name: "squads", teams: []string{"squad_1", "squad_2", "squad_3", "squad_4"}, maxPlayers: 16,
		rules: []string{"SharedMode:collection", "FewMedics:collection", "NoAvoided:collection", "SquadTwoModes:collection",
			"CommonRoles:collection", "NoSevens:collection"},
		attrs:      []string{"modes:string_list", "roles:string_list", "avoid:string_list"},
		expansions: 3, last: 30 * time.Second, phases: 4,
		at: []vtPhase{
			{at: 9999 * time.Millisecond, index: 0, start: 0, teams: tsN(4, ts(2, 4)), minPlayers: 8, maxPlayers: 16},
			{at: 29999 * time.Millisecond, index: 2, start: 20 * time.Second, teams: tsN(4, ts(2, 4))},
			{at: 30 * time.Second, index: 3, start: 30 * time.Second, teams: tsN(4, ts(1, 4)), minPlayers: 4},
		},
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			a := vPlayer("a", map[string]ticket.AttributeValue{"avoid": vList("b")}, nil)
			b := vPlayer("b", nil, nil)
			c := vPlayer("c", map[string]ticket.AttributeValue{"modes": vList("tdm", "koth")}, nil)
			if ok, res := vEval(t, rs, 0, []ticket.Player{b, c}, []int{0, 1}); !ok {
				t.Errorf("b and c: results %v; want a pass", res)
			}
			if ok, res := vEval(t, rs, 0, []ticket.Player{a, b}, []int{0, 1}); ok || res[2] != ruleset.Failed {
				t.Errorf("a avoids b: ok = %v, results %v; want NoAvoided to fail", ok, res)
			}
			// No mode in common: fails until minCount drops to 0 at 20 s.
			d := vPlayer("d", map[string]ticket.AttributeValue{"modes": vList("ctf")}, nil)
			if ok, res := vEval(t, rs, 19*time.Second, []ticket.Player{c, d}, []int{0, 2}); ok || res[0] != ruleset.Failed {
				t.Errorf("no shared mode: ok = %v, results %v; want SharedMode to fail", ok, res)
			}
			if ok, res := vEval(t, rs, 20*time.Second, []ticket.Player{c, d}, []int{0, 2}); !ok {
				t.Errorf("no shared mode at 20 s: results %v; want a pass", res)
			}
			// NoSevens counts lists holding the string "7" (D1 reads it as a
			// number only where a number is expected).
			e := vPlayer("e", map[string]ticket.AttributeValue{"roles": vList("7")}, nil)
			if ok, res := vEval(t, rs, 0, []ticket.Player{b, e}, []int{0, 1}); ok || res[5] != ruleset.Failed {
				t.Errorf("a role \"7\": ok = %v, results %v; want NoSevens to fail", ok, res)
			}
		},
	},
	"latency-regions": {
		class: ruleset.Small, name: "latency", teams: []string{"solo"}, maxPlayers: 8,
		rules:      []string{"Playable:latency", "Even:latency", "NearFifty:latency", "NearFastest:latency", "Steady:latency"},
		expansions: 3, last: 20 * time.Second, phases: 4,
		at: []vtPhase{
			{at: 9999 * time.Millisecond, index: 0, start: 0, maxLat: map[int]float64{0: 120, 2: 200}, maxDist: map[int]float64{1: 40, 2: 60, 3: 80, 4: 70}},
			{at: 10 * time.Second, index: 1, start: 10 * time.Second, maxLat: map[int]float64{0: 150}, maxDist: map[int]float64{1: 40}},
			{at: 15 * time.Second, index: 2, start: 15 * time.Second, maxLat: map[int]float64{0: 150}, maxDist: map[int]float64{1: 100}},
			{at: 20 * time.Second, index: 3, start: 20 * time.Second, maxLat: map[int]float64{0: 250, 2: 200}},
		},
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			if !rs.HasLatencyRule() {
				t.Errorf("HasLatencyRule = false")
			}
			if _, ok := rs.At(0).MaxLatency(1); ok {
				t.Errorf("Even has no maxLatency, but MaxLatency reports one")
			}
			p := func(id string, ms int) ticket.Player { return vPlayer(id, nil, map[string]int{"us-east-1": ms}) }
			if ok, res := vEval(t, rs, 0, []ticket.Player{p("a", 40), p("b", 60)}, []int{0, 0}); !ok {
				t.Errorf("40 and 60 ms: results %v; want a pass", res)
			}
			if ok, _ := vEval(t, rs, 0, []ticket.Player{p("a", 40), p("b", 130)}, []int{0, 0}); ok {
				t.Errorf("130 ms passed a 120 ms maxLatency")
			}
		},
	},
	"batch-sorted": {
		class: ruleset.Small, name: "batches", teams: []string{"attackers", "defenders"}, maxPlayers: 12,
		rules:      []string{"SameLeague:batchDistance", "SameMap:batchDistance", "CloseSkill:batchDistance"},
		attrs:      []string{"league:number", "map:string", "skill:number"},
		expansions: 3, last: 10 * time.Second, phases: 3,
		algorithm: &ruleset.Algorithm{Strategy: "exhaustiveSearch", BatchingPreference: "sorted", SortByAttributes: []string{"league", "map"},
			BackfillPriority: "high", ExpansionAgeSelection: "oldest"},
		at: []vtPhase{
			{at: 4999 * time.Millisecond, index: 0, start: 0, maxDist: map[int]float64{0: 1, 2: 10}},
			{at: 5 * time.Second, index: 1, start: 5 * time.Second, maxDist: map[int]float64{0: 1, 2: 20}},
			{at: 10 * time.Second, index: 2, start: 10 * time.Second, maxDist: map[int]float64{0: 2, 2: 40}},
		},
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			if got := rs.SortByAttributes(); !slices.Equal(got, []int{0, 1}) {
				t.Errorf("SortByAttributes = %v, want [0 1]", got)
			}
			if rs.BalancedAttribute() != -1 {
				t.Errorf("BalancedAttribute = %d, want -1", rs.BalancedAttribute())
			}
			p := func(id, m string, skill float64) ticket.Player {
				return vPlayer(id, map[string]ticket.AttributeValue{"map": vStr(m), "skill": vNum(skill)}, nil)
			}
			if ok, res := vEval(t, rs, 0, []ticket.Player{p("a", "harbor", 50), p("b", "harbor", 60)}, []int{0, 1}); !ok {
				t.Errorf("same map, skills 10 apart: results %v; want a pass", res)
			}
			if ok, res := vEval(t, rs, 0, []ticket.Player{p("a", "harbor", 50), p("b", "canyon", 50)}, []int{0, 1}); ok || res[1] != ruleset.Failed {
				t.Errorf("different maps: ok = %v, results %v; want SameMap to fail", ok, res)
			}
		},
	},
	"sort-maps": {
		class: ruleset.Small, name: "sorts", teams: []string{"red", "blue"}, maxPlayers: 6,
		rules:  []string{"FavouriteMap:absoluteSort", "Experience:distanceSort", "LeastHatedMap:distanceSort", "ByTitle:absoluteSort"},
		attrs:  []string{"experience:number", "mapPreference:string_number_map", "title:string"},
		phases: 1,
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			if !rs.HasSortRules() {
				t.Errorf("HasSortRules = false")
			}
			// Sort rules never fail a candidate.
			if ok, res := vEval(t, rs, 0, []ticket.Player{vPlayer("a", nil, nil), vPlayer("b", nil, nil)}, []int{0, 1}); !ok {
				t.Errorf("results %v; sort rules must not fail a candidate", res)
			}
		},
	},
	"compound-logic": {
		class: ruleset.Small, name: "compound", teams: []string{"red", "blue"}, maxPlayers: 10,
		rules: []string{"SameMap:comparison*", "SameMode:comparison*", "CloseSkill:distance*", "CloseLeague:distance*",
			"Casuals:comparison*", "EvenTeams:comparison*", "Agree:compound*", "OneKind:compound", "Either:compound"},
		attrs:      []string{"skill:number", "league:number", "map:string", "mode:string", "casual:number"},
		expansions: 2, last: 20 * time.Second, phases: 3,
		at: []vtPhase{
			{at: 9999 * time.Millisecond, index: 0, start: 0, maxDist: map[int]float64{2: 10, 3: 2}},
			{at: 10 * time.Second, index: 1, start: 10 * time.Second, maxDist: map[int]float64{2: 20, 3: 2}},
			{at: 20 * time.Second, index: 2, start: 20 * time.Second, maxDist: map[int]float64{2: 40}},
		},
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			p := func(id, m string, casual float64) ticket.Player {
				return vPlayer(id, map[string]ticket.AttributeValue{"map": vStr(m), "casual": vNum(casual)}, nil)
			}
			if ok, res := vEval(t, rs, 0, []ticket.Player{p("a", "harbor", 1), p("b", "harbor", 1)}, []int{0, 1}); !ok {
				t.Errorf("casual players on one map: results %v; want a pass", res)
			}
			// xor(Casuals, not(CloseSkill), and(SameMap, not(SameMode))): all false.
			if ok, res := vEval(t, rs, 0, []ticket.Player{p("a", "harbor", 0), p("b", "harbor", 0)}, []int{0, 1}); ok || res[7] != ruleset.Failed {
				t.Errorf("no casuals: ok = %v, results %v; want OneKind to fail", ok, res)
			}
			// SameMap fails, but it counts only through the compounds (D3):
			// close skill and league satisfy Agree.
			if ok, res := vEval(t, rs, 0, []ticket.Player{p("a", "harbor", 1), p("b", "canyon", 1)}, []int{0, 1}); !ok {
				t.Errorf("different maps, close skill: results %v; want a pass (D3)", res)
			}
		},
	},
	"expression-extension": {
		class: ruleset.Small, name: "extension", teams: []string{"red", "blue"}, maxPlayers: 6,
		rules:      []string{"CloseTeams:expression", "Sized:expression", "Lat:expression", "Helpers:expression"},
		attrs:      []string{"skill:number", "roles:string_list"},
		expansions: 3, last: 10 * time.Second, phases: 4,
		at: []vtPhase{
			{at: 4999 * time.Millisecond, index: 0, start: 0},
			{at: 5 * time.Second, index: 1, start: 5 * time.Second},
			{at: 7 * time.Second, index: 2, start: 7 * time.Second},
			{at: 10 * time.Second, index: 3, start: 10 * time.Second},
		},
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			p := func(id string, skill float64) ticket.Player {
				return vPlayer(id, map[string]ticket.AttributeValue{"skill": vNum(skill)}, map[string]int{"eu-west-1": 30})
			}
			players := []ticket.Player{p("a", 10), p("b", 30)}
			// gap is 10 until 5 s, then 25 (an expanded parameter).
			if ok, res := vEval(t, rs, 4999*time.Millisecond, players, []int{0, 1}); ok || res[0] != ruleset.Failed {
				t.Errorf("before 5 s: ok = %v, results %v; want CloseTeams to fail", ok, res)
			}
			if ok, res := vEval(t, rs, 5*time.Second, players, []int{0, 1}); !ok {
				t.Errorf("at 5 s: results %v; want a pass", res)
			}
			players = []ticket.Player{p("a", 10), p("b", 100)}
			if ok, _ := vEval(t, rs, 9999*time.Millisecond, players, []int{0, 1}); ok {
				t.Errorf("a gap of 90 passed before 10 s")
			}
			if ok, res := vEval(t, rs, 10*time.Second, players, []int{0, 1}); !ok {
				t.Errorf("at 10 s: results %v; want a pass", res)
			}
		},
	},
	"large-balanced": {
		class: ruleset.Large, name: "large", teams: []string{"north", "south"}, maxPlayers: 100,
		rules:      []string{"SameMode:batchDistance", "Bracket:batchDistance", "Playable:latency"},
		attrs:      []string{"skill:number", "mode:string"},
		expansions: 4, last: 40 * time.Second, phases: 4,
		algorithm: &ruleset.Algorithm{Strategy: "balanced", BatchingPreference: "fastestRegion", BalancedAttribute: "skill",
			BackfillPriority: "low", ExpansionAgeSelection: "newest"},
		at: []vtPhase{
			{at: 19999 * time.Millisecond, index: 0, start: 0, teams: []ruleset.TeamSize{ts(40, 50), ts(40, 50)}, minPlayers: 80, maxPlayers: 100,
				maxDist: map[int]float64{1: 300}, maxLat: map[int]float64{2: 150}},
			{at: 20 * time.Second, index: 1, start: 20 * time.Second, teams: []ruleset.TeamSize{ts(30, 50), ts(30, 50)}, minPlayers: 60,
				maxDist: map[int]float64{1: 600}, maxLat: map[int]float64{2: 150}},
			{at: 30 * time.Second, index: 2, start: 30 * time.Second, teams: []ruleset.TeamSize{ts(30, 50), ts(30, 50)}, maxLat: map[int]float64{2: 200}},
			{at: 40 * time.Second, index: 3, start: 40 * time.Second, teams: []ruleset.TeamSize{ts(20, 50), ts(20, 50)}, minPlayers: 40, maxPlayers: 100},
		},
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			if rs.BalancedAttribute() != 0 {
				t.Errorf("BalancedAttribute = %d, want 0", rs.BalancedAttribute())
			}
		},
	},
	"lenient-json": {
		class: ruleset.Small, name: "lenient \"json\"\t\U0001F3AE \u00e9\uFFFDA\b\f\n\r/", teams: []string{"red_1", "red_2"}, maxPlayers: 8,
		rules:      []string{"FairTeams:distance", "Shared:collection"},
		attrs:      []string{"skill:number", "modes:string_list"},
		expansions: 2, last: 7500 * time.Millisecond, phases: 3,
		at: []vtPhase{
			{at: 4999 * time.Millisecond, index: 0, start: 0, teams: []ruleset.TeamSize{ts(2, 4), ts(2, 4)}, maxDist: map[int]float64{0: 10}},
			{at: 5 * time.Second, index: 1, start: 5 * time.Second, maxDist: map[int]float64{0: 20}},
			{at: 7499 * time.Millisecond, index: 1, start: 5 * time.Second},
			{at: 7500 * time.Millisecond, index: 2, start: 7500 * time.Millisecond, maxDist: map[int]float64{0: 20}},
		},
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			if d := rs.Schema().Attrs()[0].Default; d == nil || d.N() != 10 {
				t.Errorf("skill default = %v, want the number 10", d)
			}
			// Team averages of 25 against referenceValue " 1.25e+1 ": 12.5 away.
			p := func(id string) ticket.Player {
				return vPlayer(id, map[string]ticket.AttributeValue{"skill": vNum(25)}, nil)
			}
			players := []ticket.Player{p("a"), p("b")}
			for _, c := range []struct {
				at   time.Duration
				want bool
			}{{0, false}, {5 * time.Second, true}, {7500 * time.Millisecond, false}} {
				if ok, res := vEval(t, rs, c.at, players, []int{0, 1}); ok != c.want {
					t.Errorf("at %v: ok = %v, want %v (results %v)", c.at, ok, c.want, res)
				}
			}
		},
	},
	"attribute-defaults": {
		class: ruleset.Small, teams: []string{"everyone"}, maxPlayers: 10, phases: 1,
		attrs: []string{"skill:number", "mode:string", "characters:string_list", "maps:string_number_map",
			"emptyList:string_list", "emptyMap:string_number_map", "character:number"},
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			a := rs.Schema().Attrs()
			want := []ticket.AttributeValue{vNum(12.5), vStr("turn-based"), vList("peasant", "knight", "peasant"),
				vMap(map[string]float64{"harbor": 100, "canyon": -5}), vList(), vMap(map[string]float64{})}
			for i, w := range want {
				if a[i].Default == nil || !a[i].Default.Equal(w) {
					t.Errorf("%s default = %#v, want %#v", a[i].Name, a[i].Default, w)
				}
			}
			if a[6].Default != nil {
				t.Errorf("character has a default: %#v", a[6].Default)
			}
			r := evResolve(t, rs, ticket.NewLocations(), vPlayer("p", nil, nil))
			if r.Missing() != 6 {
				t.Errorf("Missing = %d, want 6 (character has no default)", r.Missing())
			}
			if v, ok := r.Value(0, 1); !ok || v.S() != "turn-based" {
				t.Errorf("mode = %#v, %v; want the default", v, ok)
			}
		},
	},
	"minimal": {
		class: ruleset.Small, teams: []string{"cowboys"}, maxPlayers: 8, phases: 1,
		algorithm: &ruleset.Algorithm{Strategy: "exhaustiveSearch", BatchingPreference: "random", BackfillPriority: "normal", ExpansionAgeSelection: "newest"},
		at:        []vtPhase{{at: time.Hour, index: 0, start: 0, teams: []ruleset.TeamSize{ts(4, 8)}, minPlayers: 4, maxPlayers: 8}},
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			if rs.HasLatencyRule() || rs.HasSortRules() {
				t.Errorf("a rule set without rules has latency or sort rules")
			}
			if ok, res := vEval(t, rs, 0, nil, nil); !ok {
				t.Errorf("empty candidate: results %v; want a pass", res)
			}
		},
	},
	"quantity-teams": {
		class: ruleset.Small, name: "quantities", teams: []string{"trio_1", "trio_2", "trio_3", "boss", "pair_1", "pair_2"}, maxPlayers: 14,
		rules:      []string{"TriosEven:distance", "SecondTrioStrong:comparison", "BossSkill:comparison"},
		attrs:      []string{"skill:number"},
		expansions: 4, last: 20 * time.Second, phases: 3,
		at: []vtPhase{
			{at: 9999 * time.Millisecond, index: 0, start: 0,
				teams: []ruleset.TeamSize{ts(2, 3), ts(2, 3), ts(2, 3), ts(1, 1), ts(2, 2), ts(2, 2)}, minPlayers: 11, maxPlayers: 14},
			{at: 10 * time.Second, index: 1, start: 10 * time.Second,
				teams: []ruleset.TeamSize{ts(1, 3), ts(1, 3), ts(1, 3), ts(1, 1), ts(2, 2), ts(2, 3)}, minPlayers: 8, maxPlayers: 15},
			{at: 20 * time.Second, index: 2, start: 20 * time.Second,
				teams: []ruleset.TeamSize{ts(1, 3), ts(1, 3), ts(1, 3), ts(0, 1), ts(2, 2), ts(2, 4)}, minPlayers: 7, maxPlayers: 16},
		},
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			for i, tm := range rs.Teams() {
				wantCopy := map[string]int{"trio_1": 1, "trio_2": 2, "trio_3": 3, "boss": 0, "pair_1": 1, "pair_2": 2}[tm.Name]
				if tm.Copy != wantCopy {
					t.Errorf("team %d %s: Copy = %d, want %d", i, tm.Name, tm.Copy, wantCopy)
				}
			}
			p := func(id string, skill float64) ticket.Player {
				return vPlayer(id, map[string]ticket.AttributeValue{"skill": vNum(skill)}, nil)
			}
			// The boss (team 3) must be at least as skilled as everyone on
			// the trio and pair teams.
			players := []ticket.Player{p("a", 10), p("b", 5), p("c", 5), p("boss", 20), p("d", 15)}
			if ok, res := vEval(t, rs, 0, players, []int{0, 1, 2, 3, 4}); !ok {
				t.Errorf("results %v; want a pass", res)
			}
			players[4] = p("d", 25)
			if ok, res := vEval(t, rs, 0, players, []int{0, 1, 2, 3, 4}); ok || res[2] != ruleset.Failed {
				t.Errorf("stronger pair player: ok = %v, results %v; want BossSkill to fail", ok, res)
			}
		},
	},
	"balanced-small": {
		class: ruleset.Small, name: "balanced small", teams: []string{"red", "blue"}, maxPlayers: 40,
		rules: []string{"SameMap:comparison*", "Shared:collection*", "Close:distance*", "Any:compound", "Fast:latency",
			"NearSkill:distanceSort"},
		attrs:  []string{"skill:number", "map:string", "modes:string_list"},
		phases: 1,
		algorithm: &ruleset.Algorithm{Strategy: "balanced", BatchingPreference: "largestPopulation", BalancedAttribute: "skill",
			BackfillPriority: "normal", ExpansionAgeSelection: "newest"},
	},
}

// ---------------------------------------------------------------- published examples

// vtExample is what examples/INDEX.md says a published example compiles to.
type vtExample struct {
	class      ruleset.Class
	teams      []string
	maxPlayers int
	check      func(t *testing.T, rs *ruleset.RuleSet)
}

var vtExamples = map[string]vtExample{
	"ex01-aliens-vs-cowboys.json": {class: ruleset.Small, teams: []string{"cowboys", "aliens"}, maxPlayers: 16,
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			// FairTeamSkill: maxDistance 10, then 50 at 5 s and 100 at 15 s.
			r := evRuleIndex(t, rs, "FairTeamSkill")
			for _, c := range []struct {
				at   time.Duration
				want float64
			}{{4999 * time.Millisecond, 10}, {5 * time.Second, 50}, {14999 * time.Millisecond, 50}, {15 * time.Second, 100}} {
				if got, ok := rs.At(c.at).MaxDistance(r); !ok || got != c.want {
					t.Errorf("At(%v).MaxDistance(FairTeamSkill) = %v, %v; want %v", c.at, got, ok, c.want)
				}
			}
		}},
	"ex02-players-vs-monster.json": {class: ruleset.Small, teams: []string{"players", "monster"}, maxPlayers: 6,
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			for _, c := range []struct {
				at   time.Duration
				want int
			}{{29999 * time.Millisecond, 5}, {30 * time.Second, 4}, {60 * time.Second, 3}} {
				if got := rs.At(c.at).Team(0).Min; got != c.want {
					t.Errorf("At(%v): players minPlayers = %d, want %d", c.at, got, c.want)
				}
			}
		}},
	"ex03-three-team-game.json": {class: ruleset.Small, teams: []string{"trio_1", "trio_2", "trio_3"}, maxPlayers: 15,
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			if !rs.HasLatencyRule() {
				t.Errorf("HasLatencyRule = false; FastConnection is a latency rule")
			}
		}},
	"ex04-multi-map-game.json":       {class: ruleset.Small, teams: []string{"red", "blue"}, maxPlayers: 6},
	"ex05-preferred-characters.json": {class: ruleset.Small, teams: []string{"red"}, maxPlayers: 5},
	"ex06-compare-attributes.json":   {class: ruleset.Small, teams: []string{"player_1", "player_2"}, maxPlayers: 2},
	"ex07-free-for-all-large.json": {class: ruleset.Large, teams: []string{"Marauders"}, maxPlayers: 200,
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			if got := rs.At(10 * time.Second).Team(0).Min; got != 150 {
				t.Errorf("Marauders minPlayers at 10 s = %d, want 150", got)
			}
			if got, _ := rs.At(12 * time.Second).MaxLatency(evRuleIndex(t, rs, "low-latency")); got != 200 {
				t.Errorf("maxLatency at 12 s = %v, want 200", got)
			}
			if got := rs.At(15 * time.Second).Team(0).Min; got != 100 {
				t.Errorf("Marauders minPlayers at 15 s = %d, want 100", got)
			}
		}},
	"ex08-monster-hunters.json": {class: ruleset.Large, maxPlayers: 155,
		teams: []string{"Monsters", "Hunters_1", "Hunters_2", "Hunters_3", "Hunters_4", "Hunters_5", "Hunters_6", "Hunters_7", "Hunters_8", "Hunters_9", "Hunters_10"},
		check: func(t *testing.T, rs *ruleset.RuleSet) {
			// The expansion on the base name applies to all ten hunter teams (D2).
			want := append([]ruleset.TeamSize{ts(5, 5)}, tsN(10, ts(10, 15))...)
			v := rs.At(15 * time.Second)
			for i := range want {
				if v.Team(i) != want[i] {
					t.Errorf("team %d at 15 s = %v, want %v", i, v.Team(i), want[i])
				}
			}
			if got := rs.At(20 * time.Second).MinPlayers(); got != 5+10*8 {
				t.Errorf("MinPlayers at 20 s = %d, want 85", got)
			}
		}},
	"ex09-large-batch-distance.json":    {class: ruleset.Large, teams: []string{"red", "blue"}, maxPlayers: 200},
	"ex10-compound.json":                {class: ruleset.Small, teams: []string{"red", "blue"}, maxPlayers: 40},
	"ex11-player-block-list.json":       {class: ruleset.Small, teams: []string{"red", "blue"}, maxPlayers: 10},
	"tutorial-minimal-single-team.json": {class: ruleset.Small, teams: []string{"cowboys"}, maxPlayers: 8},
}

func TestPublishedExamples(t *testing.T) {
	if _, err := os.Stat(vtExamplesDir); err != nil {
		t.Skipf("the published examples folder %s does not exist (%v); nothing to check", vtExamplesDir, err)
	}
	files, err := filepath.Glob(filepath.Join(vtExamplesDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("%s holds no rule sets", vtExamplesDir)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			_, rs := vtCompileFile(t, file)
			w, ok := vtExamples[name]
			if !ok {
				t.Fatalf("INDEX.md describes no example %s; add its expectations to vtExamples", name)
			}
			if rs.Class() != w.class {
				t.Errorf("Class = %v, want %v", rs.Class(), w.class)
			}
			var teams []string
			for _, tm := range rs.Teams() {
				teams = append(teams, tm.Name)
			}
			if !slices.Equal(teams, w.teams) {
				t.Errorf("Teams = %q, want %q (%d teams)", teams, w.teams, len(w.teams))
			}
			if rs.MaxPlayers() != w.maxPlayers {
				t.Errorf("MaxPlayers = %d, want %d", rs.MaxPlayers(), w.maxPlayers)
			}
			if w.check != nil {
				w.check(t, rs)
			}
		})
	}
}
