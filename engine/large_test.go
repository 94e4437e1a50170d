package engine

// Large matches (41 to 200 players, SPEC.md section 7, D4, D13) and the
// balanced strategy: the published examples 7, 8 and 9 form matches of the
// sizes their documentation describes on generated pools, before and after
// their expansions; example 8's fill order is exactly the documented one;
// a small rule set with strategy balanced (example 10) evaluates all its
// rules and also balances its teams; and backfill on a large rule set goes
// first and fills open slots from new tickets. Every match the engine
// proposes is checked by the independent oracle of oracle_test.go (team
// sizes at the expansion clock, batchDistance, latency and every other rule),
// and its team sizes against what the documentation says.

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/internal/fixtures"
	"github.com/matchforge/matchforge/internal/oracle"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// lgExample reads a published example rule set.
func lgExample(t testing.TB, file string) string {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "flexmatch", "examples", file)
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skipf("example rule set %s is missing", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lgEnv is an engine with one configuration of one rule set, and what the
// test submitted to it.
type lgEnv struct {
	t      *testing.T
	e      *Engine
	rs     *oracle.RuleSet
	rules  *ruleset.RuleSet
	cfg    string
	t0     time.Time
	starts map[string]oracle.Ticket // every ticket submitted, by id
	next   int                      // next generated player number
}

// lgMatch is a proposed match as its PotentialMatchCreated event describes it.
type lgMatch struct {
	id       string
	at       time.Time
	location string
	tickets  []string
	teams    map[string][]string // team name -> player ids
	players  int
	spread   *float64
	backfill string // the backfill ticket's id, if any
}

func (m lgMatch) size(team string) int { return len(m.teams[team]) }

func newLgEnv(t *testing.T, body string, in Configuration) *lgEnv {
	t.Helper()
	return newLgEnvSeed(t, body, in, 4)
}

// newLgEnvSeed is newLgEnv with an engine seeded with seed.
func newLgEnvSeed(t *testing.T, body string, in Configuration, seed uint64) *lgEnv {
	t.Helper()
	rs, err := oracle.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	l := &lgEnv{t: t, e: e, rs: rs, rules: ruleset.MustLoad([]byte(body)), cfg: "large", t0: lgT0, starts: map[string]oracle.Ticket{}}
	in.Name, in.RuleSet, in.RuleSetName = l.cfg, l.rules, "large"
	if in.RequestTimeout == 0 {
		in.RequestTimeout = 120 * time.Second
	}
	if err := e.AddConfiguration(l.t0, in); err != nil {
		t.Fatal(err)
	}
	return l
}

// lgT0 is the time the large-match tests start at.
var lgT0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// player makes a fresh player with the given attributes and latencies.
func (l *lgEnv) player(attrs map[string]ticket.AttributeValue, lat map[string]int) ticket.Player {
	l.next++
	return ticket.Player{PlayerID: fmt.Sprintf("p%04d", l.next), PlayerAttributes: attrs, LatencyInMs: lat}
}

// submit starts one ticket per party at time at.
func (l *lgEnv) submit(at time.Time, parties ...[]ticket.Player) []string {
	l.t.Helper()
	var ids []string
	for _, players := range parties {
		tk, err := l.e.StartMatchmaking(at, MatchmakingRequest{Configuration: l.cfg, Players: players})
		if err != nil {
			l.t.Fatalf("StartMatchmaking: %v", err)
		}
		l.starts[tk.TicketID] = oracle.Ticket{ID: tk.TicketID, Start: at, Players: players}
		ids = append(ids, tk.TicketID)
	}
	return ids
}

// solos submits each player as a ticket of its own.
func (l *lgEnv) solos(at time.Time, players []ticket.Player) []string {
	parties := make([][]ticket.Player, len(players))
	for i, p := range players {
		parties[i] = []ticket.Player{p}
	}
	return l.submit(at, parties...)
}

func (l *lgEnv) backfill(at time.Time, in BackfillRequest) string {
	l.t.Helper()
	in.Configuration = l.cfg
	tk, err := l.e.StartMatchBackfill(at, in)
	if err != nil {
		l.t.Fatalf("StartMatchBackfill: %v", err)
	}
	l.starts[tk.TicketID] = oracle.Ticket{ID: tk.TicketID, Start: at, Players: in.Players}
	return tk.TicketID
}

// step steps the engine at t0+d and returns the matches it proposed, each
// checked by the oracle at the step's time; every match must also succeed
// in the same step (STANDALONE, no acceptance).
func (l *lgEnv) step(d time.Duration) []lgMatch {
	l.t.Helper()
	at := l.t0.Add(d)
	var out []lgMatch
	succeeded := map[string]bool{}
	for _, ev := range l.e.Step(at) {
		switch ev.Kind {
		case EventSucceeded:
			succeeded[ev.Match.ID] = true
		case EventPotentialMatchCreated:
			mm := ev.Match
			m := lgMatch{id: mm.ID, at: at, location: mm.Location, teams: map[string][]string{}}
			if mm.Balanced {
				spread := mm.BalanceSpread
				m.spread = &spread
			}
			var ots []oracle.Ticket
			teamOf := map[string]string{}
			teams := ev.Config.RuleSet.Teams()
			for _, et := range ev.Tickets {
				ot, ok := l.starts[et.ID()]
				if !ok {
					l.t.Fatalf("match %s names ticket %s, which the test did not submit", mm.ID, et.ID())
				}
				if et.Players() != len(ot.Players) {
					l.t.Fatalf("match %s lists %d players of ticket %s, which has %d", mm.ID, et.Players(), et.ID(), len(ot.Players))
				}
				ots = append(ots, lgOracleTickets(ot)...)
				m.tickets = append(m.tickets, et.ID())
				for p := range et.Players() {
					team := teams[et.Team(p)].Name
					teamOf[et.PlayerID(p)] = team
					m.teams[team] = append(m.teams[team], et.PlayerID(p))
					m.players++
				}
				if ot.Players[0].Team != "" {
					m.backfill = et.ID()
				}
			}
			if err := oracle.Check(l.rs, at, ots, teamOf, mm.Location, 0); err != nil {
				l.t.Fatalf("match %s (%d players) breaks the rule set at +%v: %v", mm.ID, m.players, d, err)
			}
			out = append(out, m)
		}
	}
	for _, m := range out {
		if !succeeded[m.id] {
			l.t.Errorf("match %s was proposed but did not succeed in the same step", m.id)
		}
	}
	return out
}

// lgOracleTickets is how a ticket goes to the oracle: a backfill ticket's
// players (each with its Team) sit on their own teams and are not a party,
// so each is a ticket of its own (D23: rules are evaluated on the existing
// plus the new players).
func lgOracleTickets(ot oracle.Ticket) []oracle.Ticket {
	if len(ot.Players) == 0 || ot.Players[0].Team == "" {
		return []oracle.Ticket{ot}
	}
	out := make([]oracle.Ticket, len(ot.Players))
	for i, p := range ot.Players {
		out[i] = oracle.Ticket{ID: fmt.Sprintf("%s#%d", ot.ID, i), Start: ot.Start, Players: []ticket.Player{p}}
	}
	return out
}

// quietUntil steps at each of quiet, where no match may form, then at at,
// and returns the matches formed there.
func (l *lgEnv) quietUntil(t *testing.T, quiet []time.Duration, at time.Duration) []lgMatch {
	t.Helper()
	for _, d := range quiet {
		if ms := l.step(d); len(ms) > 0 {
			t.Fatalf("at +%v, before +%v, matches of %v players formed", d, at, lgSizes(ms))
		}
	}
	return l.step(at)
}

// status returns a ticket's status.
func (l *lgEnv) status(id string) ticket.Status {
	v, ok := l.e.Ticket(id)
	if !ok {
		l.t.Fatalf("ticket %s is unknown", id)
	}
	return v.Status
}

func lgSizes(ms []lgMatch) []int {
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = m.players
	}
	return out
}

func num(v float64) ticket.AttributeValue { return ticket.Number(v) }
func str(v string) ticket.AttributeValue  { return ticket.String(v) }
func lgLat(ms ...int) map[string]int      { return lgLatAt([]string{"us-east-1", "eu-west-1"}, ms...) }
func lgLatAt(locs []string, ms ...int) map[string]int {
	out := map[string]int{}
	for i, m := range ms {
		out[locs[i]] = m
	}
	return out
}

// ---------------------------------------------------------------------------
// Example 7: one team Marauders of 175 to 200 players; latency 150 ms (200
// at 12 s); minimum 150 at 10 s and 100 at 15 s.

func TestLargeExample7FreeForAll(t *testing.T) {
	body := lgExample(t, "ex07-free-for-all-large.json")
	pool := func(l *lgEnv, rng *rand.Rand, n, slow int) []ticket.Player {
		var ps []ticket.Player
		for i := range n {
			ms := 20 + rng.IntN(130) // 20..149: acceptable at 150 ms
			if i < slow {
				ms = 160 + rng.IntN(40) // 160..199: acceptable only at 200 ms
			}
			ps = append(ps, l.player(map[string]ticket.AttributeValue{"skill": num(math.Round(1500 + 200*rng.NormFloat64()))}, lgLat(ms, 150+rng.IntN(100))))
		}
		return ps
	}
	check := func(t *testing.T, m lgMatch, lo, hi int) {
		t.Helper()
		if m.players < lo || m.players > hi || m.size("Marauders") != m.players {
			t.Errorf("match of %d players (Marauders %d); want %d to %d on Marauders", m.players, m.size("Marauders"), lo, hi)
		}
		lgCheckSpread(t, m)
	}
	t.Run("full matches before any expansion", func(t *testing.T) {
		l := newLgEnv(t, body, Configuration{})
		rng := rand.New(rand.NewPCG(7, 1))
		l.solos(l.t0, pool(l, rng, 450, 0))
		ms := l.step(time.Second)
		// 450 players: two matches of 200 (D13: fill to maxPlayers when
		// the pool can), 50 left, too few for 175.
		if got := lgSizes(ms); !slices.Equal(got, []int{200, 200}) {
			t.Fatalf("matches of %v players; want [200 200]", got)
		}
		for _, m := range ms {
			check(t, m, 200, 200)
		}
		t.Logf("ex07: 450 players -> matches of %v at +1s", lgSizes(ms))
	})
	t.Run("190 players match at once", func(t *testing.T) {
		l := newLgEnv(t, body, Configuration{})
		l.solos(l.t0, pool(l, rand.New(rand.NewPCG(7, 2)), 190, 0))
		ms := l.step(time.Second)
		if got := lgSizes(ms); !slices.Equal(got, []int{190}) {
			t.Fatalf("matches of %v players; want [190]", got)
		}
		check(t, ms[0], 175, 200)
	})
	for _, w := range []struct {
		players int
		seed    uint64
		quiet   []time.Duration
		at      time.Duration
		min     int // the minimum in force at at
	}{
		{160, 3, []time.Duration{time.Second, 5 * time.Second, 9900 * time.Millisecond}, 10 * time.Second, 150},
		{120, 4, []time.Duration{time.Second, 10 * time.Second, 12 * time.Second, 14900 * time.Millisecond}, 15 * time.Second, 100},
	} {
		t.Run(fmt.Sprintf("%d players wait for the %v step", w.players, w.at), func(t *testing.T) {
			l := newLgEnv(t, body, Configuration{})
			l.solos(l.t0, pool(l, rand.New(rand.NewPCG(7, w.seed)), w.players, 0))
			ms := l.quietUntil(t, w.quiet, w.at)
			if got := lgSizes(ms); !slices.Equal(got, []int{w.players}) {
				t.Fatalf("at +%v (minimum %d): matches of %v players; want [%d]", w.at, w.min, got, w.players)
			}
			check(t, ms[0], w.min, 200)
		})
	}
	t.Run("slow players join when latency relaxes at 12 s", func(t *testing.T) {
		l := newLgEnv(t, body, Configuration{})
		// 170 players within 150 ms and 10 at 160-199 ms: too few for 175
		// before 10 s; at 12 s (minimum 150, latency 200) all 180 fit.
		l.solos(l.t0, pool(l, rand.New(rand.NewPCG(7, 5)), 180, 10))
		if ms := l.step(time.Second); len(ms) > 0 {
			t.Fatalf("at +1s a match of %v players formed; 170 players are acceptable, fewer than 175", lgSizes(ms))
		}
		ms := l.step(12 * time.Second)
		if got := lgSizes(ms); !slices.Equal(got, []int{180}) {
			t.Fatalf("at +12s (minimum 150, latency 200): matches of %v players; want [180]", got)
		}
		check(t, ms[0], 150, 200)
	})
}

// ---------------------------------------------------------------------------
// Example 8: Monsters exactly 5 and ten Hunters teams of 12 to 15 (155 at
// most); Hunters' minimum 10 at 15 s and 8 at 20 s; fastestRegion.

var lgHunters = func() []string {
	out := make([]string, 10)
	for i := range out {
		out[i] = fmt.Sprintf("Hunters_%d", i+1)
	}
	return out
}()

func lgEx8Pool(l *lgEnv, rng *rand.Rand, n int) []ticket.Player {
	var ps []ticket.Player
	for range n {
		attrs := map[string]ticket.AttributeValue{"monster-kills": num(float64(rng.IntN(40)))}
		if rng.IntN(10) == 0 {
			attrs = nil // the default, 5
		}
		ps = append(ps, l.player(attrs, lgLat(30+rng.IntN(70), 110+rng.IntN(39))))
	}
	return ps
}

// lgCheckEx8 checks a match's teams: Monsters exactly 5, every Hunters
// team between lo and hi, and the hunters within one of each other (the
// fill order fills equal teams round-robin).
func lgCheckEx8(t *testing.T, m lgMatch, lo, hi int) {
	t.Helper()
	if m.size("Monsters") != 5 {
		t.Errorf("match %s: Monsters has %d players; want 5", m.id, m.size("Monsters"))
	}
	sizes := make([]int, len(lgHunters))
	for i, h := range lgHunters {
		sizes[i] = m.size(h)
		if sizes[i] < lo || sizes[i] > hi {
			t.Errorf("match %s: %s has %d players; want %d to %d", m.id, h, sizes[i], lo, hi)
		}
	}
	if slices.Max(sizes)-slices.Min(sizes) > 1 {
		t.Errorf("match %s: hunter teams of %v players; the fill order keeps them within one of each other", m.id, sizes)
	}
	if n := 1 + len(lgHunters); len(m.teams) != n {
		t.Errorf("match %s has %d teams; want %d", m.id, len(m.teams), n)
	}
	lgCheckSpread(t, m)
}

// lgCheckSpread checks that a match of a rule set with strategy balanced
// reports its balanceSpread.
func lgCheckSpread(t *testing.T, m lgMatch) {
	t.Helper()
	if m.spread == nil {
		t.Errorf("match %s reports no balanceSpread", m.id)
	}
}

func TestLargeExample8MonsterHunters(t *testing.T) {
	body := lgExample(t, "ex08-monster-hunters.json")
	t.Run("full matches of 155", func(t *testing.T) {
		l := newLgEnv(t, body, Configuration{})
		l.solos(l.t0, lgEx8Pool(l, rand.New(rand.NewPCG(8, 1)), 320))
		ms := l.step(time.Second)
		if got := lgSizes(ms); !slices.Equal(got, []int{155, 155}) {
			t.Fatalf("matches of %v players from a pool of 320; want [155 155]", got)
		}
		for _, m := range ms {
			lgCheckEx8(t, m, 15, 15)
			if m.location != "us-east-1" {
				t.Errorf("match %s went to %q; every player is fastest at us-east-1", m.id, m.location)
			}
		}
		t.Logf("ex08: 320 players -> matches of %v at +1s, spreads %.3f %.3f", lgSizes(ms), *ms[0].spread, *ms[1].spread)
	})
	for _, w := range []struct {
		players int
		seed    uint64
		quiet   []time.Duration
		at      time.Duration
		min     int // the hunters' minimum in force at at
		lo, hi  int // the hunter team sizes the match must have
	}{
		{110, 2, []time.Duration{time.Second, 10 * time.Second, 14900 * time.Millisecond}, 15 * time.Second, 10, 10, 15},
		{90, 3, []time.Duration{time.Second, 15 * time.Second, 19900 * time.Millisecond}, 20 * time.Second, 8, 8, 9},
	} {
		t.Run(fmt.Sprintf("%d players wait for hunters' minimum %d at %v", w.players, w.min, w.at), func(t *testing.T) {
			l := newLgEnv(t, body, Configuration{})
			l.solos(l.t0, lgEx8Pool(l, rand.New(rand.NewPCG(8, w.seed)), w.players))
			ms := l.quietUntil(t, w.quiet, w.at)
			if got := lgSizes(ms); !slices.Equal(got, []int{w.players}) {
				t.Fatalf("at +%v (hunters %d to 15): matches of %v players; want [%d]", w.at, w.min, got, w.players)
			}
			lgCheckEx8(t, ms[0], w.lo, w.hi)
		})
	}
}

// ---------------------------------------------------------------------------
// The documented fill order (SPEC.md section 7, D13), on fillOrder itself.

// lgPrefixCounts places n solo players with fillOrder and returns, for each
// prefix length asked, the players each team (by name) holds among the
// first k placed.
func lgPrefixCounts(t *testing.T, body string, wait time.Duration, n int, prefixes []int) (map[int]map[string]int, []unit) {
	t.Helper()
	rs, err := ruleset.Load([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	units := make([]unit, n)
	for i := range units {
		units[i] = unit{n: 1, team: -1}
	}
	counts, ok := fillOrder(units, rs.At(wait), len(rs.Teams()))
	if !ok {
		t.Fatalf("fillOrder failed for %d players", n)
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	if total != n {
		t.Fatalf("fillOrder counts %v sum to %d; want %d", counts, total, n)
	}
	out := map[int]map[string]int{}
	for _, k := range prefixes {
		m := map[string]int{}
		for _, tm := range rs.Teams() {
			m[tm.Name] = 0
		}
		for _, u := range units[:k] {
			m[rs.Teams()[u.team].Name]++
		}
		out[k] = m
	}
	return out, units
}

func TestLargeFillOrderExample8(t *testing.T) {
	body := lgExample(t, "ex08-monster-hunters.json")
	got, units := lgPrefixCounts(t, body, 0, 155, []int{100, 111, 122, 125, 155})
	want := func(monsters, hunters int) map[string]int {
		m := map[string]int{"Monsters": monsters}
		for _, h := range lgHunters {
			m[h] = hunters
		}
		return m
	}
	// SPEC.md section 7: "100 players 10 each to hunters; next 22 spread 2
	// each across the 11 teams; next 3 to Monsters; final 30 round-robin to
	// hunters (155)".
	for _, c := range []struct {
		k    int
		want map[string]int
		what string
	}{
		{100, want(0, 10), "the first 100 players: 10 to each hunter team"},
		{111, want(1, 11), "the next 11: one to each of the 11 teams"},
		{122, want(2, 12), "the next 22: two to each of the 11 teams"},
		{125, want(5, 12), "the next 3: to Monsters"},
		{155, want(5, 15), "the final 30: round-robin to the hunters"},
	} {
		if !maps.Equal(got[c.k], c.want) {
			t.Errorf("after %d players (%s): %v; want %v", c.k, c.what, lgFmt(got[c.k]), lgFmt(c.want))
		}
	}
	// Round-robin: each block of ten among the first 100 and the last 30
	// gives every hunter team exactly one player, and each block of eleven
	// in 101-122 one to every team.
	rs := ruleset.MustLoad([]byte(body))
	for _, blk := range [][2]int{{0, 10}, {10, 20}, {90, 100}, {100, 111}, {111, 122}, {125, 135}, {135, 145}, {145, 155}} {
		seen := map[string]int{}
		for _, u := range units[blk[0]:blk[1]] {
			seen[rs.Teams()[u.team].Name]++
		}
		for name, n := range seen {
			if n != 1 {
				t.Errorf("players %d-%d: team %s got %d of them; want one each (round-robin)", blk[0]+1, blk[1], name, n)
			}
		}
	}
}

func TestLargeFillOrderThreeTeams(t *testing.T) {
	// SPEC.md section 7's worked example: Red/Blue max 10 min 5, Green max
	// 3 min 2; 23 players: 5/5 to Red/Blue, then 2 to Green, then 4/4 to
	// Red/Blue, then one each.
	body := `{"ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 1}],
	  "algorithm": {"strategy": "balanced", "balancedAttribute": "skill"},
	  "teams": [{"name": "Red", "minPlayers": 5, "maxPlayers": 10},
	            {"name": "Blue", "minPlayers": 5, "maxPlayers": 10},
	            {"name": "Green", "minPlayers": 2, "maxPlayers": 3}]}`
	got, _ := lgPrefixCounts(t, body, 0, 23, []int{10, 12, 20, 23})
	for _, c := range []struct {
		k                int
		red, blue, green int
	}{{10, 5, 5, 0}, {12, 5, 5, 2}, {20, 9, 9, 2}, {23, 10, 10, 3}} {
		want := map[string]int{"Red": c.red, "Blue": c.blue, "Green": c.green}
		if !maps.Equal(got[c.k], want) {
			t.Errorf("after %d players: %v; want %v", c.k, lgFmt(got[c.k]), lgFmt(want))
		}
	}
}

func lgFmt(m map[string]int) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s:%d ", k, m[k])
	}
	return strings.TrimSpace(b.String())
}

// ---------------------------------------------------------------------------
// Example 9: red and blue exactly 100 each; batchDistance on league (2),
// skill (10, then 20 at 10 s and 40 at 20 s), map and mode.

func lgEx9Player(l *lgEnv, league, skill float64, mp, mode string) ticket.Player {
	return l.player(map[string]ticket.AttributeValue{"league": num(league), "skill": num(skill), "map": str(mp), "mode": str(mode)}, nil)
}

func lgCheckEx9(t *testing.T, m lgMatch) {
	t.Helper()
	if m.size("red") != 100 || m.size("blue") != 100 || m.players != 200 {
		t.Errorf("match %s: red %d, blue %d; want 100v100", m.id, m.size("red"), m.size("blue"))
	}
	lgCheckSpread(t, m)
}

func TestLargeExample9BatchDistance(t *testing.T) {
	body := lgExample(t, "ex09-large-batch-distance.json")
	t.Run("mixed pool through every expansion", func(t *testing.T) {
		l := newLgEnv(t, body, Configuration{})
		rng := rand.New(rand.NewPCG(9, 1))
		var ps []ticket.Player
		for range 6000 {
			ps = append(ps, lgEx9Player(l, float64(1+rng.IntN(5)), float64(rng.IntN(60)),
				[]string{"docks", "ruins"}[rng.IntN(2)], []string{"ctf", "dm"}[rng.IntN(2)]))
		}
		l.solos(l.t0, ps)
		total := 0
		var per []string
		for _, d := range []time.Duration{time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 20 * time.Second, 25 * time.Second} {
			ms := l.step(d)
			for _, m := range ms {
				lgCheckEx9(t, m)
			}
			total += len(ms)
			per = append(per, fmt.Sprintf("+%v:%d", d, len(ms)))
		}
		t.Logf("ex09: 6000 players -> matches per step %v (%d players matched)", per, 200*total)
		if total < 10 {
			t.Errorf("only %d matches of 100v100 from 6000 players; the test proves little", total)
		}
	})
	// 200 players with skills spread evenly over 0..spread-1: no skill
	// window before the expansion holds 200 of them, the one after holds
	// all, so the single match forms exactly at the expansion.
	for _, w := range []struct {
		name   string
		spread int
		quiet  []time.Duration
		at     time.Duration
	}{
		{"skill window 20 at 10 s", 19, []time.Duration{time.Second, 9900 * time.Millisecond}, 10 * time.Second},
		{"skill window 40 at 20 s", 39, []time.Duration{time.Second, 10 * time.Second, 19900 * time.Millisecond}, 20 * time.Second},
	} {
		t.Run(w.name, func(t *testing.T) {
			l := newLgEnv(t, body, Configuration{})
			var ps []ticket.Player
			for i := range 200 {
				ps = append(ps, lgEx9Player(l, 3, float64(i%w.spread), "docks", "ctf"))
			}
			l.solos(l.t0, ps)
			ms := l.quietUntil(t, w.quiet, w.at)
			if len(ms) != 1 {
				t.Fatalf("at +%v: %d matches; want 1", w.at, len(ms))
			}
			lgCheckEx9(t, ms[0])
		})
	}
	t.Run("league, map and mode never relax", func(t *testing.T) {
		l := newLgEnv(t, body, Configuration{})
		var ps []ticket.Player
		// 300 players of one skill, 75 in each of leagues 1 to 4: one match
		// of leagues within 2 (1-3 or 2-4) at most.
		for i := range 300 {
			ps = append(ps, lgEx9Player(l, float64(1+i%4), 50, "docks", "ctf"))
		}
		// 200 players of one league and skill split between two maps, and
		// 200 split between two modes: no match.
		for i := range 200 {
			ps = append(ps, lgEx9Player(l, 1, 500, []string{"docks", "ruins"}[i%2], "ctf"))
			ps = append(ps, lgEx9Player(l, 1, 900, "docks", []string{"ctf", "dm"}[i%2]))
		}
		l.solos(l.t0, ps)
		var all []lgMatch
		for _, d := range []time.Duration{time.Second, 10 * time.Second, 20 * time.Second, 30 * time.Second} {
			all = append(all, l.step(d)...)
		}
		if len(all) != 1 {
			t.Fatalf("%d matches; want exactly one (leagues within 2 from the 300; none across maps or modes)", len(all))
		}
		lgCheckEx9(t, all[0])
	})
	t.Run("parties", func(t *testing.T) {
		l := newLgEnv(t, body, Configuration{})
		rng := rand.New(rand.NewPCG(9, 5))
		var parties [][]ticket.Player
		for range 900 {
			n := 1 + rng.IntN(3)
			league, skill := float64(1+rng.IntN(3)), float64(rng.IntN(20))
			var party []ticket.Player
			for range n {
				party = append(party, lgEx9Player(l, league, skill, "docks", "ctf"))
			}
			parties = append(parties, party)
		}
		l.submit(l.t0, parties...)
		total := 0
		for _, d := range []time.Duration{time.Second, 10 * time.Second, 20 * time.Second} {
			ms := l.step(d)
			for _, m := range ms {
				lgCheckEx9(t, m)
			}
			total += len(ms)
		}
		t.Logf("ex09 with parties of 1-3: %d matches from 900 parties", total)
		if total == 0 {
			t.Error("no match from 900 parties of one map and mode")
		}
	})
}

// ---------------------------------------------------------------------------
// Example 10: a small rule set (40 players) with strategy balanced: every
// rule is evaluated (compound included), and teams are also balanced.

func TestBalancedSmallExample10(t *testing.T) {
	body := lgExample(t, "ex10-compound.json")
	player := func(l *lgEnv, league, skill float64, mp, mode string) ticket.Player {
		return lgEx9Player(l, league, skill, mp, mode)
	}
	t.Run("rules hold the pool back", func(t *testing.T) {
		l := newLgEnv(t, body, Configuration{})
		// 40 players, 10 of each map and mode pair: no pair reaches 20
		// players; skills 0, 25, 50, 75, 100 and leagues 1 or 5 keep
		// and(SimilarSkill, SimilarLeague) under 20 players even at 40.
		var ps []ticket.Player
		for i := range 40 {
			ps = append(ps, player(l, []float64{1, 5}[i%2], float64(25*(i%5)),
				[]string{"docks", "ruins"}[(i/10)%2], []string{"ctf", "dm"}[i/20]))
		}
		l.solos(l.t0, ps)
		for _, d := range []time.Duration{time.Second, 11 * time.Second, 21 * time.Second} {
			if ms := l.step(d); len(ms) > 0 {
				t.Fatalf("at +%v a match of %d players formed, though no 20 players pass the compound rule", d, ms[0].players)
			}
		}
		// Ten more players of docks/ctf: 20 agree on map and mode.
		var more []ticket.Player
		for i := range 10 {
			more = append(more, player(l, 3, float64(10*i), "docks", "ctf"))
		}
		l.solos(l.t0.Add(22*time.Second), more)
		ms := l.step(23 * time.Second)
		if len(ms) != 1 || ms[0].players != 20 {
			t.Fatalf("matches of %v players; want one of 20 (docks/ctf)", lgSizes(ms))
		}
		lgCheckBalanced(t, l, ms[0], "skill")
	})
	t.Run("balanced teams on a mixed pool", func(t *testing.T) {
		l := newLgEnv(t, body, Configuration{})
		rng := rand.New(rand.NewPCG(10, 1))
		var ps []ticket.Player
		for range 400 {
			ps = append(ps, player(l, float64(1+rng.IntN(5)), float64(rng.IntN(100)),
				[]string{"docks", "ruins"}[rng.IntN(2)], []string{"ctf", "dm", "koth"}[rng.IntN(3)]))
		}
		l.solos(l.t0, ps)
		var all []lgMatch
		for _, d := range []time.Duration{time.Second, 10 * time.Second, 20 * time.Second} {
			all = append(all, l.step(d)...)
		}
		if len(all) < 5 {
			t.Fatalf("only %d matches from 400 players", len(all))
		}
		var spreads []float64
		for _, m := range all {
			spreads = append(spreads, lgCheckBalanced(t, l, m, "skill"))
		}
		t.Logf("ex10: %d matches of %v players, balance spreads %.2f", len(all), lgSizes(all), spreads)
	})
}

// lgCheckBalanced checks a balanced match's reported balanceSpread: present,
// equal to the spread of the teams' average attr, and no worse than a snake
// draft of the same players into the same team sizes. It returns the
// spread.
func lgCheckBalanced(t *testing.T, l *lgEnv, m lgMatch, attr string) float64 {
	t.Helper()
	if m.spread == nil {
		t.Errorf("match %s (strategy balanced) reports no balanceSpread", m.id)
		return math.NaN()
	}
	value := map[string]float64{}
	for _, id := range m.tickets {
		for _, p := range l.starts[id].Players {
			v := math.NaN()
			if def, ok := l.rs.NumberDefault(attr); ok {
				v = def
			}
			if a, ok := p.PlayerAttributes[attr]; ok {
				v = a.N()
			}
			value[p.PlayerID] = v
		}
	}
	names := slices.Sorted(maps.Keys(m.teams))
	var units []unit
	var sizes []int
	lo, hi := math.Inf(1), math.Inf(-1)
	for ti, name := range names {
		sum := 0.0
		for _, id := range m.teams[name] {
			sum += value[id]
			units = append(units, unit{n: 1, sum: value[id], team: ti})
		}
		avg := sum / float64(len(m.teams[name]))
		lo, hi = min(lo, avg), max(hi, avg)
		sizes = append(sizes, len(m.teams[name]))
	}
	if math.Abs((hi-lo)-*m.spread) > 1e-6 {
		t.Errorf("match %s reports balanceSpread %.6f; its teams' averages of %s spread %.6f", m.id, *m.spread, attr, hi-lo)
	}
	snakeDraft(units, sizes)
	if s := spreadOf(units, len(sizes)); *m.spread > s+0.01 {
		t.Errorf("match %s: balanceSpread %.4f is worse than a snake draft's %.4f", m.id, *m.spread, s)
	}
	return *m.spread
}

// ---------------------------------------------------------------------------
// Backfill on a large rule set: open slots of an example 8 game fill from
// new tickets, before new matches take them (SPEC.md section 18.6).

func TestLargeBackfillExample8(t *testing.T) {
	body := lgExample(t, "ex08-monster-hunters.json")
	for _, c := range []struct {
		name   string
		mode   BackfillMode
		waited bool // the backfill ticket waits a step before new tickets come
	}{
		{"manual, with new tickets", BackfillManual, false},
		{"manual, waiting for new tickets", BackfillManual, true},
		{"automatic, after players left", BackfillAutomatic, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLgEnv(t, body, Configuration{Backfill: c.mode})
			rng := rand.New(rand.NewPCG(8, 8))
			l.solos(l.t0, lgEx8Pool(l, rng, 155))
			ms := l.step(time.Second)
			if len(ms) != 1 || ms[0].players != 155 {
				t.Fatalf("matches of %v players; want one of 155", lgSizes(ms))
			}
			game := ms[0]
			session := game.id // STANDALONE: the match id names the game session
			// One hunter each of Hunters_1 .. Hunters_5 leaves.
			var left []string
			for _, h := range lgHunters[:5] {
				left = append(left, game.teams[h][0])
			}
			at := l.t0.Add(2 * time.Second)
			if err := l.e.ReportPlayersLeft(at, session, left); err != nil {
				t.Fatal(err)
			}
			l.e.Events()
			teamOf := map[string]string{}
			for team, ids := range game.teams {
				for _, id := range ids {
					if !slices.Contains(left, id) {
						teamOf[id] = team
					}
				}
			}
			var bf string
			if c.mode == BackfillAutomatic {
				d, ok := l.e.GameSession(session)
				if !ok || d.AutoBackfillTicket == "" {
					t.Fatalf("no automatic backfill ticket after 5 players left: %+v", d)
				}
				bf = d.AutoBackfillTicket
				v, _ := l.e.Ticket(bf)
				if len(v.Players) != 150 {
					t.Fatalf("the automatic backfill ticket lists %d players; want the 150 who stayed", len(v.Players))
				}
				for _, p := range v.Players {
					if teamOf[p.PlayerID] != p.Team {
						t.Fatalf("the automatic backfill ticket puts %s on %q; the game has it on %q", p.PlayerID, p.Team, teamOf[p.PlayerID])
					}
				}
				l.starts[bf] = oracle.Ticket{ID: bf, Start: at, Players: v.Players}
			} else {
				// The request lists every player still in the game with its
				// team, and latency only for the game's location.
				var players []ticket.Player
				for _, id := range game.tickets {
					for _, p := range l.starts[id].Players {
						if team, ok := teamOf[p.PlayerID]; ok {
							p.Team = team
							p.LatencyInMs = map[string]int{game.location: p.LatencyInMs[game.location]}
							players = append(players, p)
						}
					}
				}
				bf = l.backfill(at, BackfillRequest{GameSession: session, Players: players})
			}
			fresh := 155 // enough for a new match of 155 if they went first
			if c.waited {
				if ms := l.step(3 * time.Second); len(ms) > 0 {
					t.Fatalf("a backfill match formed with no new tickets: %v players", lgSizes(ms))
				}
			}
			l.solos(l.t0.Add(3*time.Second), lgEx8Pool(l, rng, fresh))
			ms = l.step(4 * time.Second)
			var bm *lgMatch
			var others []int
			for i := range ms {
				if ms[i].backfill == bf {
					bm = &ms[i]
				} else {
					others = append(others, ms[i].players)
				}
			}
			if bm == nil {
				t.Fatalf("the backfill ticket did not match (matches of %v players); large-match backfill goes first", lgSizes(ms))
			}
			if bm.players != 155 || len(bm.tickets) != 6 {
				t.Errorf("the backfill match holds %d players in %d tickets; want 155: the 150 players and 5 new tickets", bm.players, len(bm.tickets))
			}
			for id, team := range teamOf {
				if !slices.Contains(bm.teams[team], id) {
					t.Errorf("existing player %s is not on its team %s in the backfill match", id, team)
				}
			}
			lgCheckEx8(t, *bm, 15, 15)
			if !slices.Equal(others, []int{150}) {
				t.Errorf("besides the backfill, matches of %v players; want one of the 150 new players left", others)
			}
			if s := l.status(bf); s != ticket.StatusCompleted {
				t.Errorf("backfill ticket %s; want COMPLETED", s)
			}
			d, _ := l.e.GameSession(session)
			n := 0
			for _, team := range d.Teams() {
				n += len(team.Players)
				if want := map[bool]int{true: 5, false: 15}[team.Name == "Monsters"]; len(team.Players) != want {
					t.Errorf("the game's matchmaker data has %d players on %s; want %d", len(team.Players), team.Name, want)
				}
			}
			if n != 155 {
				t.Errorf("the game's matchmaker data lists %d players; want 155", n)
			}
			if d.AutoBackfillTicket != "" {
				t.Errorf("the full game still has automatic backfill ticket %s", d.AutoBackfillTicket)
			}
		})
	}
}

// TestLargeBackfillExistingPlayersAreNotAParty: a backfill ticket's players
// sit on different teams; they are the game's players, not a party, and
// every rule is evaluated over them and the new players one by one (D23).
// Here the game's skills are 40 and 60 (they met once the Band had widened
// to 30); new players of skill 40 may join only when the Band is 30 again
// (at 10 s): before, the match's skills would span 20 > 15. Read as a
// party, the game's players would all count as their average, 50, and the
// new players would fit at once.
func TestLargeBackfillExistingPlayersAreNotAParty(t *testing.T) {
	l := newLgEnv(t, fixtures.Horde, Configuration{}) // Band (skill) 15, 30 at 10 s
	at := func(skill float64, team string) ticket.Player {
		p := l.player(map[string]ticket.AttributeValue{"skill": num(skill), "mode": str("dm")}, map[string]int{"us-east-1": 20})
		p.Team = team
		return p
	}
	game := []ticket.Player{at(40, "horde"), at(40, "horde"), at(60, "alliance"), at(60, "alliance"), at(50, "scout")}
	bf := l.backfill(l.t0, BackfillRequest{Players: game})
	var fresh []ticket.Player
	for range 2 {
		p := at(40, "")
		fresh = append(fresh, p)
	}
	l.solos(l.t0, fresh)
	for _, d := range []time.Duration{time.Second, 5 * time.Second, 9 * time.Second} {
		if ms := l.step(d); len(ms) > 0 { // the oracle (per player) fails it first
			t.Fatalf("at +%v a backfill match of %d players formed", d, ms[0].players)
		}
	}
	ms := l.step(10 * time.Second)
	if len(ms) != 1 || ms[0].backfill != bf || ms[0].players != 7 {
		t.Fatalf("at +10s (Band 30): matches of %v players; want the backfill match of 7", lgSizes(ms))
	}
}
