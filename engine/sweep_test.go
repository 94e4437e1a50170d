package engine

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// sweepFair is the default rule set without its batchDistance rule: the
// sweep sorts by the first number attribute instead.
const sweepFair = `{"ruleLanguageVersion": "1.0",
  "playerAttributes": [{"name": "skill", "type": "number", "default": 1500}],
  "teams": [{"name": "red", "minPlayers": 5, "maxPlayers": 5}, {"name": "blue", "minPlayers": 5, "maxPlayers": 5}],
  "rules": [{"name": "FairTeams", "type": "distance", "measurements": ["avg(teams[*].players.attributes[skill])"],
    "referenceValue": "avg(flatten(teams[*].players.attributes[skill]))", "maxDistance": 20},
    {"name": "LowLatency", "type": "latency", "maxLatency": 80}]}`

func sweepRanked(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join("..", "bench", "defaults", "ranked5v5.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Which rule sets the sweep takes: fixed team sizes and a number to sort
// by, no sort rules.
func TestSweepPlan(t *testing.T) {
	for _, c := range []struct {
		name, body string
		ok         bool
		batch      bool
	}{
		{"ranked", sweepRanked(t), true, true},
		{"fair", sweepFair, true, false},
		{"team sizes that vary", `{"ruleLanguageVersion": "1.0", "playerAttributes": [{"name": "skill", "type": "number"}],
			"teams": [{"name": "a", "minPlayers": 1, "maxPlayers": 2}, {"name": "b", "minPlayers": 1, "maxPlayers": 2}], "rules": []}`, false, false},
		{"no number", `{"ruleLanguageVersion": "1.0", "playerAttributes": [{"name": "mode", "type": "string"}],
			"teams": [{"name": "a", "minPlayers": 1, "maxPlayers": 1}, {"name": "b", "minPlayers": 1, "maxPlayers": 1}], "rules": []}`, false, false},
		{"sort rule", `{"ruleLanguageVersion": "1.0", "playerAttributes": [{"name": "skill", "type": "number"}],
			"teams": [{"name": "a", "minPlayers": 1, "maxPlayers": 1}, {"name": "b", "minPlayers": 1, "maxPlayers": 1}],
			"rules": [{"name": "s", "type": "absoluteSort", "sortDirection": "ascending", "sortAttribute": "skill"}]}`, false, false},
	} {
		p := newPlan(ruleset.MustLoad([]byte(c.body)))
		if p.sweep.ok != c.ok || (c.ok && (p.sweep.batch >= 0) != c.batch) {
			t.Errorf("%s: sweep plan %+v; want ok %v, by the batch rule %v", c.name, p.sweep, c.ok, c.batch)
		}
	}
}

// sweepPlayers makes n tickets of the default population's shape: skills
// around 1500, a home location among four with a low latency and high
// ones elsewhere, one in ten a party of two and one in twenty of three.
func sweepPlayers(l *lgEnv, rng *rand.Rand, n int) [][]ticket.Player {
	locs := []string{"us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"}
	var out [][]ticket.Player
	for range n {
		size := 1
		switch r := rng.IntN(20); {
		case r < 2:
			size = 2
		case r < 3:
			size = 3
		}
		home := rng.IntN(len(locs))
		base := 1500 + rng.NormFloat64()*300
		var party []ticket.Player
		for range size {
			lat := map[string]int{}
			for i, loc := range locs {
				lat[loc] = 120 + rng.IntN(80)
				if i == home {
					lat[loc] = 10 + rng.IntN(60)
				}
			}
			party = append(party, l.player(map[string]ticket.AttributeValue{"skill": ticket.Number(base + rng.NormFloat64()*20)}, lat))
		}
		out = append(out, party)
	}
	return out
}

// A bulk load into an empty pool is swept: every match passes the oracle
// (lgEnv.step checks each, D7), no ticket is in two, nearly all tickets
// match in the one step, and what the sweep leaves waits, settled until
// its next expansion step (the rotation tries it meanwhile), in the pool.
func TestSweepMatchesABulkLoad(t *testing.T) {
	for _, c := range []struct{ name, body string }{{"ranked", sweepRanked(t)}, {"fair", sweepFair}} {
		t.Run(c.name, func(t *testing.T) {
			l := newLgEnvSeed(t, c.body, Configuration{RequestTimeout: time.Hour}, 3)
			rng := rand.New(rand.NewPCG(3, 9))
			parties := sweepPlayers(l, rng, 3000)
			ids := l.submit(l.t0, parties...)
			cfg := l.e.configs[l.cfg]
			if !cfg.plan.sweep.ok {
				t.Fatal("the rule set is not sweepable")
			}
			ms := l.step(time.Second)
			in := map[string]bool{}
			for _, m := range ms {
				for _, id := range m.tickets {
					if in[id] {
						t.Fatalf("ticket %s in two matches", id)
					}
					in[id] = true
				}
			}
			if frac := float64(len(in)) / float64(len(ids)); frac < 0.95 {
				t.Fatalf("the sweep matched %.1f%% of %d tickets in the step; want at least 95%%", 100*frac, len(ids))
			}
			left := 0
			for _, id := range ids {
				if in[id] {
					continue
				}
				left++
				x := l.e.tickets[id]
				expands := len(l.rules.Phases()) > 1 // else there is no expansion step to wake it
				if !x.matchable() || x.dirtyIn != inNone || (x.wakeAt != 0) != expands {
					t.Fatalf("ticket %s left by the sweep: matchable %v, dirty %v, wake at %d; want it waiting, settled", id, x.matchable(), x.dirtyIn != inNone, x.wakeAt)
				}
			}
			if cfg.pool.Len() != left {
				t.Fatalf("the pool holds %d tickets; the sweep left %d", cfg.pool.Len(), left)
			}
			t.Logf("%d tickets: %d matches in one step, %d left", len(ids), len(ms), left)
		})
	}
}

// The sweep is deterministic: the same inputs and seed give the same
// events.
func TestSweepIsDeterministic(t *testing.T) {
	run := func() string {
		l := newLgEnvSeed(t, sweepRanked(t), Configuration{RequestTimeout: time.Hour}, 5)
		l.submit(l.t0, sweepPlayers(l, rand.New(rand.NewPCG(5, 1)), 800)...)
		out := ""
		for _, m := range l.step(time.Second) {
			out += fmt.Sprintln(m.tickets, m.teams, m.location)
		}
		return out
	}
	if a, b := run(), run(); a != b {
		t.Fatal("two runs of the same sweep differ")
	}
}

// sortSweep orders as the comparison it replaces: location, then value,
// then arrival order for equal ones, over negative, zero and repeated
// values.
func TestSortSweep(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		n := rng.IntN(300)
		if round%10 == 0 {
			n = rng.IntN(5000)
		}
		items := make([]sweepItem, n)
		for i := range items {
			v := float64(rng.IntN(40)-20) * 12.5
			switch rng.IntN(6) {
			case 0:
				v = rng.NormFloat64() * 1e6
			case 1:
				// Values that differ only in the low bytes the radix
				// passes leave to the insertion pass.
				v = math.Float64frombits(math.Float64bits(1500) + uint64(rng.IntN(1<<20)))
			case 2:
				v = -math.Float64frombits(math.Float64bits(1500) + uint64(rng.IntN(1<<20)))
			}
			items[i] = sweepItem{key: v, loc: int32(rng.IntN(3) * 300), t: &tk{seq: uint64(i)}}
		}
		want := slices.Clone(items)
		slices.SortStableFunc(want, func(a, b sweepItem) int {
			if a.loc != b.loc {
				return int(a.loc - b.loc)
			}
			return cmp.Compare(a.key, b.key)
		})
		got := sortSweep(items, make([]sweepItem, n))
		for i := range want {
			if got[i].t != want[i].t {
				t.Fatalf("round %d: position %d holds ticket %d (%v at %d); want %d (%v at %d)", round, i, got[i].t.seq, got[i].key, got[i].loc, want[i].t.seq, want[i].key, want[i].loc)
			}
		}
	}
}
