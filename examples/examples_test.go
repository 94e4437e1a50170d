package examples_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/bench"
	"github.com/matchforge/matchforge/examples"
	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/ruleset"
)

// simulated is the virtual time of arrivals in each example's simulation:
// the --duration of the commands in README.md.
const simulated = 5 * time.Minute

// floors are the least fraction of its tickets each example must match in
// a simulation of five virtual minutes with seed 1. Each is a few points
// under what that simulation gives (in the comment), so that the test fails
// when an example stops working, not when the engine's choices shift a
// little. TestFloorsCoverEveryExample keeps the table in step with the
// directories.
var floors = map[string]float64{
	"aliens-vs-cowboys":    0.88, // 0.9218: rejected matches cancel the rejecting players' tickets
	"block-list":           0.95, // 0.9992
	"compared-attributes":  0.95, // 0.9960
	"compound-rules":       0.95, // 0.9991
	"large-batch-distance": 0.80, // 0.8738: the last minute's crowd is split into many batches too small for 120 players
	"large-free-for-all":   0.95, // 0.9920
	"monster-hunters":      0.95, // 0.9937
	"multiple-maps":        0.93, // 0.9850: a few players never answer the acceptance prompt
	"players-vs-monster":   0.93, // 0.9848
	"preferred-characters": 0.95, // 1.0000
	"single-team":          0.95, // 1.0000
	"three-teams":          0.95, // 0.9949
}

// loaded is one example's files, decoded and checked.
type loaded struct {
	rs  *ruleset.RuleSet
	pop bench.Population
	cfg gamelift.CreateMatchmakingConfigurationInput
}

// load reads, decodes and checks every file of the example called name,
// failing t on the first problem.
func load(t *testing.T, name string) loaded {
	t.Helper()
	ex, err := examples.Read(name)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Name != name {
		t.Fatalf("Read(%q).Name = %q", name, ex.Name)
	}

	doc, err := ruleset.Parse(ex.RuleSet)
	if err != nil {
		t.Fatalf("ruleset.json does not parse: %v", err)
	}
	if err := doc.Validate(); err != nil {
		t.Fatalf("ruleset.json is not valid: %v", err)
	}
	rs, err := ruleset.Load(ex.RuleSet)
	if err != nil {
		t.Fatalf("ruleset.json does not load: %v", err)
	}
	if rs.Name() == "" {
		t.Error("the rule set has no name")
	}
	if !json.Valid(ex.RuleSet) {
		t.Error("ruleset.json is not strict JSON (comments or trailing commas); keep the examples plain JSON")
	}

	pop, err := bench.DecodePopulation(bytes.NewReader(ex.Population))
	if err != nil {
		t.Fatalf("population.json: %v", err)
	}
	if err := pop.Validate(); err != nil {
		t.Fatalf("population.json: %v", err)
	}
	if err := pop.Check(rs); err != nil {
		t.Fatalf("population.json against ruleset.json: %v", err)
	}
	if pop.Description == "" {
		t.Error("population.json has no description")
	}
	for _, attr := range slices.Sorted(maps.Keys(pop.Attributes)) {
		if _, ok := rs.Schema().Lookup(attr); !ok {
			t.Errorf("population.json generates attribute %q, which ruleset.json does not declare in playerAttributes", attr)
		}
	}
	if r := pop.Arrivals.RatePerMinute; r < 60 || r > 3000 {
		t.Errorf("population.json arrives at %v tickets a minute; keep examples between 60 and 3000", r)
	}

	var cfg gamelift.CreateMatchmakingConfigurationInput
	dec := json.NewDecoder(bytes.NewReader(ex.Config))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("config.json is not a CreateMatchmakingConfiguration request body: %v", err)
	}
	if dec.More() {
		t.Fatal("config.json holds more than one JSON value")
	}
	if cfg.Name != name || cfg.RuleSetName != name {
		t.Errorf("config.json names configuration %q and rule set %q; both should be the example's name %q", cfg.Name, cfg.RuleSetName, name)
	}
	if _, err := gamelift.NewConfiguration(cfg, rs); err != nil {
		t.Fatalf("config.json is refused: %v", err)
	}
	return loaded{rs: rs, pop: pop, cfg: cfg}
}

// TestExamples checks every example's files and simulates each for a few
// virtual minutes.
func TestExamples(t *testing.T) {
	for _, name := range examples.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			floor, ok := floors[name]
			if !ok {
				t.Fatalf("no floor for %q in the table", name)
			}
			l := load(t, name)
			r, err := bench.Simulate(context.Background(), bench.Options{
				RuleSet:    string(ruleSetBody(t, name)),
				Config:     l.cfg,
				Population: &l.pop,
				Duration:   simulated,
				Seed:       1,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d tickets, %d matched (%.4f), %d timed out, %d cancelled, %d matches",
				r.Tickets, r.Matched, r.MatchedFraction, r.TimedOut, r.Cancelled, r.Matches)
			checkReport(t, l, r, floor)
		})
	}
}

// checkReport checks what every simulation of an example must show, and
// what its configuration and rule set promise.
func checkReport(t *testing.T, l loaded, r *bench.Report, floor float64) {
	t.Helper()
	if r.Tickets < 100 {
		t.Errorf("only %d tickets arrived; the test should see a real crowd", r.Tickets)
	}
	if got := r.Matched + r.TimedOut + r.Cancelled + r.Failed; got != r.Tickets || r.Unresolved != 0 {
		t.Errorf("tickets did not all end: %d tickets, %d matched + %d timed out + %d cancelled + %d failed, %d unresolved",
			r.Tickets, r.Matched, r.TimedOut, r.Cancelled, r.Failed, r.Unresolved)
	}
	if r.Failed != 0 {
		t.Errorf("%d tickets failed", r.Failed)
	}
	if r.MatchedFraction < floor {
		t.Errorf("matched %.4f of the tickets (%d of %d); the floor is %.2f", r.MatchedFraction, r.Matched, r.Tickets, floor)
	}
	if r.Matches == 0 {
		t.Fatal("no match was made")
	}
	large := false
	for _, size := range slices.Sorted(maps.Keys(r.MatchesBySize)) {
		if size < 1 || size > l.rs.MaxPlayers() {
			t.Errorf("%d matches of %d players; the rule set holds 1 to %d", r.MatchesBySize[size], size, l.rs.MaxPlayers())
		}
		large = large || size > ruleset.MaxSmallPlayers
	}
	if isLarge := l.rs.Class() == ruleset.Large; isLarge != large {
		t.Errorf("rule set class %v, but matches of more than %d players: %v", l.rs.Class(), ruleset.MaxSmallPlayers, large)
	}
	if l.cfg.AcceptanceRequired {
		if r.Acceptance.Proposed == 0 || r.Acceptance.Accepted == 0 {
			t.Errorf("acceptance is required, but %d matches were proposed and %d accepted", r.Acceptance.Proposed, r.Acceptance.Accepted)
		}
	} else if r.Acceptance.Proposed != 0 {
		t.Errorf("acceptance is not required, yet %d matches were proposed for acceptance", r.Acceptance.Proposed)
	}
	if l.cfg.BackfillMode == gamelift.BackfillAuto {
		if r.Backfill.Tickets == 0 || r.Backfill.Matches == 0 || r.Backfill.PlayersAdded == 0 {
			t.Errorf("backfill is automatic, but %d backfill tickets made %d matches adding %d players",
				r.Backfill.Tickets, r.Backfill.Matches, r.Backfill.PlayersAdded)
		}
	}
	if l.rs.HasLatencyRule() && r.Quality.WorstLatencyMs == nil {
		t.Error("the rule set has a latency rule, but no match has a location")
	}
}

// ruleSetBody returns the stored rule-set body of the example called name.
func ruleSetBody(t *testing.T, name string) []byte {
	t.Helper()
	ex, err := examples.Read(name)
	if err != nil {
		t.Fatal(err)
	}
	return ex.RuleSet
}

// TestFloorsCoverEveryExample keeps the table of floors and the
// directories in step, and checks there are twelve examples.
func TestFloorsCoverEveryExample(t *testing.T) {
	names := examples.Names()
	if want := slices.Sorted(maps.Keys(floors)); !slices.Equal(names, want) {
		t.Errorf("Names() = %v; the table of floors has %v", names, want)
	}
	if len(names) != 12 {
		t.Errorf("%d examples; want 12", len(names))
	}
}

// TestDirectories checks that every directory holds exactly the three
// files and that nothing in them names a path of the machine they were
// written on.
func TestDirectories(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "testdata" {
			dirs = append(dirs, e.Name())
		}
	}
	if !slices.Equal(dirs, examples.Names()) {
		t.Errorf("directories %v, but Names() = %v", dirs, examples.Names())
	}
	for _, dir := range dirs {
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range files {
			got = append(got, f.Name())
			b, err := os.ReadFile(dir + "/" + f.Name())
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"/home/", "/tmp/", "/Users/", `C:\`} {
				if strings.Contains(string(b), bad) {
					t.Errorf("%s/%s mentions %q, a path of some machine", dir, f.Name(), bad)
				}
			}
		}
		if want := []string{"config.json", "population.json", "ruleset.json"}; !slices.Equal(got, want) {
			t.Errorf("%s holds %v; want %v", dir, got, want)
		}
	}
}

// TestReadmeListsEveryExample checks that README.md has a row for every
// example, with the command that simulates it.
func TestReadmeListsEveryExample(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, name := range examples.Names() {
		cmd := "go run ./cmd/matchforge simulate --ruleset examples/" + name + "/ruleset.json --population examples/" +
			name + "/population.json --config examples/" + name + "/config.json"
		if !strings.Contains(readme, cmd) {
			t.Errorf("README.md does not give the command %q", cmd)
		}
	}
}

// TestReadUnknown checks the error for a name that is not an example.
func TestReadUnknown(t *testing.T) {
	for _, name := range []string{"", "chess", "three-teams/ruleset.json", "../bench", "."} {
		_, err := examples.Read(name)
		if !errors.Is(err, examples.ErrUnknownExample) {
			t.Errorf("Read(%q) = %v; want an error wrapping ErrUnknownExample", name, err)
			continue
		}
		for _, known := range examples.Names() {
			if !strings.Contains(err.Error(), known) {
				t.Errorf("Read(%q) = %v; the error should list %q", name, err, known)
			}
		}
	}
}
