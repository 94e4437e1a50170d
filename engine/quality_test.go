package engine

// Match quality: pools where a perfect assignment exists by construction
// (N groups of tickets, each of which is a valid match on its own), shuffled
// into the engine. A good matcher finds (nearly) all of them: at least 99%
// of the tickets must be matched within three steps. Every match the engine
// proposes is also checked by the oracle, and every group is checked by the
// oracle before it is submitted, so the perfect assignment is real.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/matchforge/matchforge/internal/oracle"
	"github.com/matchforge/matchforge/ticket"
)

// qualityFiveVsFive is a ranked 5v5: tickets batched by skill, teams whose
// average skill is within 10 of the match's.
const qualityFiveVsFive = `{
  "name": "ranked 5v5",
  "ruleLanguageVersion": "1.0",
  "playerAttributes": [{"name": "skill", "type": "number", "default": 1000}],
  "teams": [{"name": "red", "minPlayers": 5, "maxPlayers": 5},
            {"name": "blue", "minPlayers": 5, "maxPlayers": 5}],
  "rules": [
    {"name": "SkillBatch", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 100},
    {"name": "FairTeams", "type": "distance",
     "measurements": ["avg(teams[*].players.attributes[skill])"],
     "referenceValue": "avg(flatten(teams[*].players.attributes[skill]))", "maxDistance": 10}],
  "expansions": [{"target": "rules[SkillBatch].maxDistance", "steps": [{"waitTimeSeconds": 30, "value": 200}]}]
}`

// qGroup is one planned match: its tickets and each ticket's team.
type qGroup struct {
	tickets [][]ticket.Player
	teams   []string
}

// qParties splits n players into party sizes: each next party is solo
// (40%), a pair (40%) or a trio (20%), as far as the players go. Parties
// make the team split a packing problem.
func qParties(rng *rand.Rand, n int) []int {
	var out []int
	for n > 0 {
		size := 1
		if r := rng.IntN(10); r >= 4 {
			size = min(n, 2+r/8) // 2 (r = 4..7) or 3 (r = 8, 9)
		}
		out = append(out, size)
		n -= size
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// qMirror builds a group of two teams of size players each: the first
// team's skills are drawn from [base, base+spread], the second's mirror
// them within ±3, so the team averages differ by at most 3.
func qMirror(rng *rand.Rand, g int, names [2]string, size int, base, spread float64) qGroup {
	var grp qGroup
	skills := make([]float64, size)
	for i := range skills {
		skills[i] = math.Round(base + rng.Float64()*spread)
	}
	for ti, team := range names {
		own := make([]float64, size)
		for i, s := range skills {
			own[i] = s
			if ti == 1 {
				own[i] = s + float64(rng.IntN(7)-3)
			}
		}
		rng.Shuffle(size, func(i, j int) { own[i], own[j] = own[j], own[i] })
		k := 0
		for _, n := range qParties(rng, size) {
			var party []ticket.Player
			for range n {
				party = append(party, ticket.Player{
					PlayerID:         fmt.Sprintf("g%d-%s-%d", g, team, k),
					PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(own[k])},
				})
				k++
			}
			grp.tickets = append(grp.tickets, party)
			grp.teams = append(grp.teams, team)
		}
	}
	return grp
}

// runQuality submits the groups' tickets in shuffled order, steps three
// times, and returns how many tickets were matched.
func runQuality(t *testing.T, body string, groups []qGroup, seed uint64) (matched, total int) {
	t.Helper()
	l := newLgEnvSeed(t, body, Configuration{RequestTimeout: 300 * time.Second}, seed)
	// The perfect assignment exists: every group is a valid match.
	for g, grp := range groups {
		var ots []oracle.Ticket
		teamOf := map[string]string{}
		for i, party := range grp.tickets {
			ots = append(ots, oracle.Ticket{ID: fmt.Sprint(i), Start: l.t0, Players: party})
			for _, p := range party {
				teamOf[p.PlayerID] = grp.teams[i]
			}
		}
		if err := oracle.Check(l.rs, l.t0, ots, teamOf, "", 0); err != nil {
			t.Fatalf("group %d is not a valid match, so the test proves nothing: %v", g, err)
		}
	}
	var all [][]ticket.Player
	for _, grp := range groups {
		all = append(all, grp.tickets...)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for i, players := range all {
		l.submit(l.t0.Add(time.Duration(i)*time.Millisecond), players)
	}
	// Every match l.step returns passed the oracle and succeeded.
	last := time.Duration(len(all)) * time.Millisecond
	for step := 1; step <= 3; step++ {
		for _, m := range l.step(last + time.Duration(step)*time.Second) {
			matched += len(m.tickets)
		}
	}
	return matched, len(all)
}

func reportQuality(t *testing.T, name string, matched, total int) {
	t.Helper()
	pct := 100 * float64(matched) / float64(total)
	t.Logf("%s: %d of %d tickets matched within three steps (%.1f%%)", name, matched, total, pct)
	if matched*100 < total*99 {
		t.Errorf("%s: %.1f%% of the tickets matched within three steps; want at least 99%% (a perfect assignment exists)", name, pct)
	}
}

func TestMatchQuality(t *testing.T) {
	t.Run("5v5 batchDistance and fair teams", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 5))
		var groups []qGroup
		for g := range 100 {
			// Each group's skills span at most 86 (80, and the mirror's
			// ±3) and groups lie 200 apart, so SkillBatch (100) keeps them
			// apart: the engine must find every group's split into two
			// fair teams of exactly 5 out of parties of 1 to 3, from
			// tickets submitted in random order.
			groups = append(groups, qMirror(rng, g, [2]string{"red", "blue"}, 5, 1000+200*float64(g), 80))
		}
		matched, total := runQuality(t, qualityFiveVsFive, groups, 1)
		reportQuality(t, "5v5", matched, total)
	})
	t.Run("example 1 aliens vs cowboys", func(t *testing.T) {
		path := filepath.Join("..", "..", "shared", "flexmatch", "examples", "ex01-aliens-vs-cowboys.json")
		body, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			t.Skipf("example rule set %s is missing", path)
		}
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 1))
		var groups []qGroup
		for g := range 50 {
			// 4v4 to 8v8 with equal sizes; each team's average within 3 of
			// the other's, so within 10 of the match's (FairTeamSkill).
			size := 4 + rng.IntN(5)
			base := rng.Float64() * 60
			groups = append(groups, qMirror(rng, g, [2]string{"cowboys", "aliens"}, size, base, 40))
		}
		matched, total := runQuality(t, string(body), groups, 1)
		reportQuality(t, "example 1", matched, total)
	})
}
