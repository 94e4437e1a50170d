package engine_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
	"pgregory.net/rapid"
)

// snapRuleSets are the rule sets of the snapshot tests: a 1v1 skill
// distance rule with an expansion, a 2v2 comparison rule with parties, a
// banded latency rule set (the pool's group index), a string batch key
// with sorted batching, and a large rule set (the balanced sweep).
var snapRuleSets = map[string]string{
	"duel": `{"name": "duel", "ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 10}],
	  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1}, {"name": "blue", "minPlayers": 1, "maxPlayers": 1}],
	  "rules": [{"name": "CloseSkill", "type": "distance",
	    "measurements": ["max(flatten(teams[*].players.attributes[skill]))"],
	    "referenceValue": "min(flatten(teams[*].players.attributes[skill]))", "maxDistance": 10}],
	  "expansions": [{"target": "rules[CloseSkill].maxDistance", "steps": [{"waitTimeSeconds": 3, "value": 40}]}]}`,
	"pairs": `{"name": "pairs", "ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 10}, {"name": "mode", "type": "string", "default": "dm"}],
	  "teams": [{"name": "red", "minPlayers": 2, "maxPlayers": 2}, {"name": "blue", "minPlayers": 2, "maxPlayers": 2}],
	  "rules": [{"name": "SameMode", "type": "comparison", "measurements": ["flatten(teams[*].players.attributes[mode])"], "operation": "="},
	    {"name": "Fair", "type": "distance", "measurements": ["avg(teams[*].players.attributes[skill])"],
	     "referenceValue": "avg(flatten(teams[*].players.attributes[skill]))", "maxDistance": 15}],
	  "expansions": [{"target": "teams[red,blue].minPlayers", "steps": [{"waitTimeSeconds": 4, "value": 1}]}]}`,
	"ping": `{"name": "ping", "ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 50}],
	  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 2}, {"name": "blue", "minPlayers": 1, "maxPlayers": 2}],
	  "rules": [{"name": "Band", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 10},
	    {"name": "Ping", "type": "latency", "maxLatency": 60}],
	  "expansions": [{"target": "rules[Band].maxDistance", "steps": [{"waitTimeSeconds": 2, "value": 30}]},
	    {"target": "rules[Ping].maxLatency", "steps": [{"waitTimeSeconds": 3, "value": 150}]}]}`,
	"sorted": stagingRuleSets["sorted"],
	"large":  stagingRuleSets["large"],
}

var snapNames = []string{"duel", "pairs", "ping", "sorted", "large"}

// alienRuleSet has the teams of every rule set above but declares skill a
// string: an update to it leaves the waiting tickets unable to resolve
// (blocked, still resolved against the old rule set's schema).
const alienRuleSet = `{"name": "alien", "ruleLanguageVersion": "1.0",
  "playerAttributes": [{"name": "skill", "type": "string", "default": "x"}],
  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 2}, {"name": "blue", "minPlayers": 1, "maxPlayers": 2}],
  "rules": [{"name": "Same", "type": "comparison", "measurements": ["flatten(teams[*].players.attributes[skill])"], "operation": "="}]}`

// snapConfig is one configuration of a generated set.
type snapConfig struct {
	name, body string
	cfg        engine.Configuration
}

func drawConfigs(t *rapid.T) []snapConfig {
	var out []snapConfig
	for _, kind := range snapNames {
		if !rapid.Bool().Draw(t, "use-"+kind) && kind != "duel" {
			continue
		}
		rs := ruleset.MustLoad([]byte(snapRuleSets[kind]))
		c := engine.Configuration{
			Name:                kind,
			RuleSet:             rs,
			RequestTimeout:      time.Duration(rapid.IntRange(8, 30).Draw(t, "timeout")) * time.Second,
			AcceptanceRequired:  rapid.Bool().Draw(t, "acceptance"),
			AcceptanceTimeout:   time.Duration(rapid.IntRange(1, 6).Draw(t, "acceptTimeout")) * time.Second,
			PlacementTimeout:    time.Duration(rapid.IntRange(2, 20).Draw(t, "placeTimeout")) * time.Second,
			GameSessionLifetime: time.Duration(rapid.IntRange(5, 60).Draw(t, "lifetime")) * time.Second,
			CustomEventData:     "data-" + kind,
		}
		if rapid.Bool().Draw(t, "withQueue") {
			c.Mode = engine.WithQueue
		}
		if rapid.Bool().Draw(t, "auto") {
			c.Backfill = engine.BackfillAutomatic
		}
		out = append(out, snapConfig{name: kind, body: snapRuleSets[kind], cfg: c})
	}
	return out
}

// snapOp is one generated operation. Its fields are raw draws; the driver
// resolves them against what it has seen (ticket ids, matches, sessions),
// which is the same on every run.
type snapOp struct {
	kind    int
	dt      time.Duration
	pick    int
	pick2   int
	flag    bool
	players []ticket.Player
}

const (
	opStart = iota
	opStop
	opAccept
	opPlace
	opBackfill
	opLeft
	opEnd
	opStep
	opUpdate
	opRemove
	opKinds
)

func drawOps(t *rapid.T, n int) []snapOp {
	ops := make([]snapOp, n)
	for i := range ops {
		op := snapOp{
			dt:    time.Duration(rapid.IntRange(0, 1500).Draw(t, "dt")) * time.Millisecond,
			pick:  rapid.IntRange(0, 1<<20).Draw(t, "pick"),
			pick2: rapid.IntRange(0, 1<<20).Draw(t, "pick2"),
			flag:  rapid.Bool().Draw(t, "flag"),
		}
		// Arrivals and steps most, answers and placements often, the rest
		// now and then.
		switch r := rapid.IntRange(0, 99).Draw(t, "op"); {
		case r < 40:
			op.kind = opStart
		case r < 65:
			op.kind = opStep
			if rapid.IntRange(0, 5).Draw(t, "jump") == 0 {
				op.dt = time.Duration(rapid.IntRange(3, 30).Draw(t, "jumpSeconds")) * time.Second
			}
		case r < 75:
			op.kind = opAccept
		case r < 83:
			op.kind = opPlace
		default:
			op.kind = rapid.SampledFrom([]int{opStop, opBackfill, opLeft, opEnd, opUpdate, opRemove}).Draw(t, "rare")
		}
		if op.kind == opStart {
			for j := range rapid.IntRange(1, 2).Draw(t, "party") {
				p := ticket.Player{
					PlayerID: fmt.Sprintf("p%d", rapid.IntRange(0, 2*n).Draw(t, "player")),
					PlayerAttributes: map[string]ticket.AttributeValue{
						"skill": ticket.Number(float64(rapid.IntRange(0, 40).Draw(t, "skill"))),
					},
					LatencyInMs: map[string]int{"east": rapid.IntRange(10, 120).Draw(t, "east")},
				}
				if rapid.IntRange(0, 15).Draw(t, "noLatency") == 0 {
					p.LatencyInMs = nil // blocked where a latency rule needs it
				} else if rapid.Bool().Draw(t, "west") {
					p.LatencyInMs["west"] = rapid.IntRange(10, 120).Draw(t, "westMs")
				}
				if p.LatencyInMs != nil && rapid.IntRange(0, 5).Draw(t, "rare") == 0 {
					// A location few tickets name: it leaves the table and
					// its id is handed out again.
					p.LatencyInMs[fmt.Sprintf("rare%d", rapid.IntRange(0, 3).Draw(t, "rareLoc"))] = rapid.IntRange(10, 50).Draw(t, "rareMs")
				}
				if rapid.Bool().Draw(t, "mode") {
					p.PlayerAttributes["mode"] = ticket.String("ctf")
				}
				if j == 1 {
					p.PlayerID += "b"
				}
				op.players = append(op.players, p)
			}
		}
		ops[i] = op
	}
	return ops
}

// snapDriver runs operations on an engine and logs everything observable.
type snapDriver struct {
	t        *rapid.T
	e        *engine.Engine
	ecfg     engine.Config
	configs  []snapConfig
	now      time.Time
	tickets  []string
	matches  []string
	sessions []string
	seen     map[string]bool
	log      []string // per operation: its result, events and reads
	arns     int
	render   gamelift.Renderer
	focus    int // the configuration three arrivals in four go to, or -1
}

func newSnapDriver(t *rapid.T, ecfg engine.Config, configs []snapConfig, focus int) *snapDriver {
	e, err := engine.New(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	d := &snapDriver{t: t, e: e, ecfg: ecfg, configs: configs, now: t0, seen: map[string]bool{}, render: gamelift.Renderer{MatchmakerData: true}, focus: focus}
	for _, c := range configs {
		if err := e.AddConfiguration(t0, c.cfg); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func (d *snapDriver) note(kind, id string) {
	if id == "" || d.seen[kind+id] {
		return
	}
	d.seen[kind+id] = true
	switch kind {
	case "t":
		d.tickets = append(d.tickets, id)
	case "m":
		d.matches = append(d.matches, id)
	case "s":
		d.sessions = append(d.sessions, id)
	}
}

// pickOf picks one of xs by k, half the time among the newest four (the
// ones most likely to be waiting for what the operation does).
func pickOf(xs []string, k int) string {
	if len(xs) == 0 {
		return "none"
	}
	if k%2 == 0 && len(xs) > 4 {
		return xs[len(xs)-1-(k/2)%4]
	}
	return xs[k%len(xs)]
}

// eventText renders an event completely: its one-line form and its
// FlexMatch JSON with the matchmaker data.
func (d *snapDriver) eventText(ev *engine.Event) string {
	j, err := json.Marshal(d.render.Render(ev))
	if err != nil {
		d.t.Fatal(err)
	}
	return ev.String() + " " + string(j)
}

func (d *snapDriver) run(op snapOp) {
	var b strings.Builder
	e := d.e
	d.now = d.now.Add(op.dt)
	var err error
	switch op.kind {
	case opStart:
		cfg := d.configs[op.pick%len(d.configs)].name
		if d.focus >= 0 && op.pick2%4 != 0 {
			cfg = d.configs[d.focus].name
		}
		var tk ticket.Ticket
		tk, err = e.StartMatchmaking(d.now, engine.MatchmakingRequest{Configuration: cfg, Players: op.players})
		d.note("t", tk.TicketID)
	case opStop:
		err = e.StopMatchmaking(d.now, pickOf(d.tickets, op.pick))
	case opAccept:
		id := pickOf(d.tickets, op.pick)
		var ids []string
		if tk, ok := e.Ticket(id); ok {
			for i, p := range tk.Players {
				if i == 0 || op.pick2%2 == 0 {
					ids = append(ids, p.PlayerID)
				}
			}
		}
		answer := engine.Accepted
		if op.flag && op.pick2%3 == 0 {
			answer = engine.Rejected
		}
		err = e.AcceptMatch(d.now, id, ids, answer)
	case opPlace:
		id := pickOf(d.matches, op.pick)
		if op.flag || op.pick2%4 != 0 {
			d.arns++
			err = e.CompletePlacement(d.now, id, engine.Placement{GameSession: fmt.Sprintf("arn:gs/%d", d.arns), IPAddress: "10.0.0.1", Port: 7000 + d.arns})
		} else {
			err = e.FailPlacement(d.now, id, "NO_CAPACITY")
		}
	case opBackfill:
		cfg := d.configs[op.pick2%len(d.configs)]
		session := pickOf(d.sessions, op.pick)
		var players []ticket.Player
		if gs, ok := e.GameSession(session); ok {
			cfg = d.configFor(gs.Config.Name)
			for _, team := range gs.Teams() {
				for _, p := range team.Players {
					pl := ticket.Player{PlayerID: p.ID, Team: team.Name, PlayerAttributes: map[string]ticket.AttributeValue{}}
					p.Attributes(func(a ticket.Attr, v ticket.AttributeValue) { pl.PlayerAttributes[a.Name] = v })
					pl.LatencyInMs = map[string]int{"east": 30}
					players = append(players, pl)
				}
			}
			if op.flag && len(players) > 1 {
				players = players[:len(players)-1] // a player left without being reported
			}
		} else {
			session = ""
			players = []ticket.Player{{PlayerID: fmt.Sprintf("bf%d", op.pick2), Team: "red",
				PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(20)}, LatencyInMs: map[string]int{"east": 20}}}
		}
		var tk ticket.Ticket
		tk, err = e.StartMatchBackfill(d.now, engine.BackfillRequest{Configuration: cfg.name, GameSession: session, Players: players})
		d.note("t", tk.TicketID)
	case opLeft:
		session := pickOf(d.sessions, op.pick)
		var ids []string
		if gs, ok := e.GameSession(session); ok {
			for _, team := range gs.Teams() {
				for _, p := range team.Players {
					if len(ids) == 0 || op.pick2%3 == 0 {
						ids = append(ids, p.ID)
					}
				}
			}
		}
		err = e.ReportPlayersLeft(d.now, session, ids)
	case opEnd:
		err = e.EndGameSession(d.now, pickOf(d.sessions, op.pick))
	case opStep:
		d.record(&b, e.Step(d.now))
	case opRemove:
		// Removing needs every ticket ended; the ended ones keep the
		// removed configuration until they are forgotten. It comes back
		// at once, as a new configuration of the same name.
		sc := d.configs[op.pick%len(d.configs)]
		if err = e.RemoveConfiguration(d.now, sc.name); err == nil {
			c := sc.cfg
			c.RuleSet = ruleset.MustLoad([]byte(sc.body))
			if err = e.AddConfiguration(d.now, c); err == nil {
				fmt.Fprintf(&b, "removed and added %s\n", sc.name)
			}
		}
	case opUpdate:
		sc := d.configFor(d.configs[op.pick%len(d.configs)].name)
		cur, _ := e.Configuration(sc.name)
		switch {
		case op.flag:
			// The same rule set, as the engine holds it, other settings.
			cur.AcceptanceRequired = !cur.AcceptanceRequired
		case op.pick2%3 == 0 && sc.name != "large":
			cur.RuleSet = ruleset.MustLoad([]byte(alienRuleSet))
		default:
			cur.RuleSet = ruleset.MustLoad([]byte(sc.body)) // a new rule set: the pool is rebuilt
		}
		cur.CustomEventData = fmt.Sprintf("v%d", op.pick2)
		err = e.UpdateConfiguration(d.now, cur)
	}
	fmt.Fprintf(&b, "op %d at %s: err=%v\n", op.kind, d.now.Format(time.RFC3339Nano), err)
	d.record(&b, e.Events())
	d.reads(&b)
	d.log = append(d.log, b.String())
}

func (d *snapDriver) configFor(name string) snapConfig {
	for _, c := range d.configs {
		if c.name == name {
			return c
		}
	}
	d.t.Fatalf("no configuration %s", name)
	return snapConfig{}
}

func (d *snapDriver) record(b *strings.Builder, evs []engine.Event) {
	for i := range evs {
		ev := &evs[i]
		b.WriteString(d.eventText(ev))
		b.WriteByte('\n')
		for _, r := range ev.Tickets {
			d.note("t", r.ID())
		}
		if ev.Match != nil {
			d.note("m", ev.Match.ID)
		}
		if ev.Session != nil {
			d.note("s", ev.Session.ID)
		}
	}
}

// reads logs every read the engine answers.
func (d *snapDriver) reads(b *strings.Builder) {
	e := d.e
	for _, id := range d.tickets {
		tk, ok := e.Ticket(id)
		j, err := json.Marshal(tk)
		if err != nil {
			d.t.Fatal(err)
		}
		fmt.Fprintf(b, "ticket %s %v %s\n", id, ok, j)
	}
	j, _ := json.Marshal(e.Tickets(d.tickets))
	fmt.Fprintf(b, "tickets %s\n", j)
	for _, id := range append(slices.Clone(d.sessions), d.matches...) {
		if gs, ok := e.GameSession(id); ok {
			fmt.Fprintf(b, "session %s: %s %s %s players=%d config=%s %s\n", id, gs.ID, gs.MatchID, gs.AutoBackfillTicket, gs.Players(), gs.Config.Name,
				d.render.MatchmakerDataOf(gs))
		} else {
			fmt.Fprintf(b, "session %s: none\n", id)
		}
	}
	counts := e.Counts()
	for _, s := range ticket.Statuses {
		fmt.Fprintf(b, "%s=%d ", s, counts[s])
	}
	fmt.Fprintf(b, "pending=%d\n", e.Pending())
	for _, c := range d.configs {
		rm, err := e.RuleMetrics(c.name)
		fmt.Fprintf(b, "metrics %s %v %v\n", c.name, rm, err)
	}
}

// snapshotRestore snapshots d's engine and continues on the restored one,
// checking that a second snapshot gives the same bytes. With keep, it
// continues on the original instead (Snapshot must not change it); with
// flipStaging, it restores with Config.NoStaging the other way (which
// changes no outcome, though the pools' phases, and so the bytes, differ).
func (d *snapDriver) snapshotRestore(keep, flipStaging bool) {
	var buf bytes.Buffer
	if err := d.e.Snapshot(&buf); err != nil {
		d.t.Fatalf("Snapshot: %v", err)
	}
	first := slices.Clone(buf.Bytes())
	cfg := d.ecfg
	if flipStaging {
		cfg.NoStaging = !cfg.NoStaging // never changes an outcome
	}
	r, err := engine.Restore(&buf, cfg)
	if err != nil {
		d.t.Fatalf("Restore: %v", err)
	}
	var again bytes.Buffer
	if err := r.Snapshot(&again); err != nil {
		d.t.Fatalf("Snapshot of the restored engine: %v", err)
	}
	if !flipStaging && !bytes.Equal(first, again.Bytes()) {
		d.t.Fatalf("Snapshot, Restore, Snapshot gives other bytes (%d, then %d)", len(first), again.Len())
	}
	if !keep {
		d.e, d.ecfg = r, cfg
	}
}

func drawEngineConfig(t *rapid.T) engine.Config {
	return engine.Config{
		Seed:            rapid.Uint64().Draw(t, "seed"),
		TicketRetention: time.Duration(rapid.IntRange(3, 40).Draw(t, "retention")) * time.Second,
		SearchBudget:    rapid.SampledFrom([]int{0, 1, 2, 5, 16}).Draw(t, "budget"),
		NoStaging:       rapid.Bool().Draw(t, "noStaging"),
	}
}

// checkSnapshots runs ops straight through, then again snapshotting and
// restoring before the operations at the given indexes, and requires the
// same log, operation by operation.
func checkSnapshots(t *rapid.T, seen map[string]int, at func(n int) map[int]bool) {
	ecfg := drawEngineConfig(t)
	configs := drawConfigs(t)
	// Most cases send most arrivals to one configuration, so that even
	// the large one (which needs six players at first) forms matches
	// often enough for every coverage mark to be met in 100 cases.
	focus := rapid.IntRange(-1, len(configs)-1).Draw(t, "focus")
	ops := drawOps(t, rapid.IntRange(1, 150).Draw(t, "ops"))
	points := at(len(ops))
	keep := rapid.Bool().Draw(t, "keepOriginal")
	flip := rapid.IntRange(0, 3).Draw(t, "flipStaging") == 0
	a := newSnapDriver(t, ecfg, configs, focus)
	for _, op := range ops {
		a.run(op)
	}
	countCoverage(seen, a.log)
	b := newSnapDriver(t, ecfg, configs, focus)
	for i, op := range ops {
		if points[i] {
			b.snapshotRestore(keep && i%2 == 0, flip && i%2 == 1)
		}
		b.run(op)
		if a.log[i] != b.log[i] {
			t.Fatalf("operation %d (kind %d) differs after a snapshot at %v:\nstraight:\n%s\nrestored:\n%s", i, op.kind, points, a.log[i], b.log[i])
		}
	}
	if points[len(ops)] {
		b.snapshotRestore(false, false)
	}
}

// snapCoverage names what the snapshot tests must see happen at least once
// over their cases, so that they cannot pass by comparing nothing.
var snapCoverage = map[string]string{
	"acceptance":       "AcceptMatchCompleted",
	"rejection":        "acceptance=Rejected",
	"accept timeout":   "acceptance=TimedOut",
	"placement":        "placement=arn",
	"placement failed": "MatchmakingFailed",
	"timeout":          "MatchmakingTimedOut",
	"cancel":           "MatchmakingCancelled",
	"auto backfill":    "autobackfill=",
	"large match":      "MatchmakingSucceeded large",
	"ping match":       "MatchmakingSucceeded ping",
	"pairs match":      "MatchmakingSucceeded pairs",
	"sorted match":     "MatchmakingSucceeded sorted",
	"backfill ticket":  "REPLACED_BY_NEW_BACKFILL",
	"session ended":    "GAME_SESSION_ENDED",
	"purged":           " false {", // a ticket read after its retention
	"blocked":          "can never match",
	"alien rule set":   "which this ticket does not fit",
	"removed":          "removed and added",
}

func countCoverage(seen map[string]int, log []string) {
	all := strings.Join(log, "")
	for name, s := range snapCoverage {
		if strings.Contains(all, s) {
			seen[name]++
		}
	}
}

// coverageRounds bounds how many rounds of cases the snapshot tests run
// to meet every coverage mark: the rarest marks (a large match, an alien
// rule set) show in two to five cases of 100, so one round can miss one
// now and then; eight rounds miss one with a chance of about e^-16.
const coverageRounds = 8

// checkCovered runs prop in rounds of rapid cases (each round a new random
// seed) until every snapCoverage mark has shown, at most coverageRounds
// rounds, and fails naming the marks no case showed.
func checkCovered(t *testing.T, prop func(t *rapid.T, seen map[string]int)) {
	t.Helper()
	seen := map[string]int{}
	missing := func() []string {
		var out []string
		for name := range snapCoverage {
			if seen[name] == 0 {
				out = append(out, name)
			}
		}
		slices.Sort(out)
		return out
	}
	for round := 1; ; round++ {
		rapid.Check(t, func(t *rapid.T) { prop(t, seen) })
		if t.Failed() {
			return
		}
		m := missing()
		if len(m) == 0 {
			t.Logf("cases showing each, in %d round(s): %v", round, seen)
			return
		}
		if round == coverageRounds {
			t.Fatalf("in %d rounds no case showed %s: the test compares nothing there", round, strings.Join(m, ", "))
		}
	}
}

// TestSnapshotRestoreOnce is metamorphic: an engine restored from a
// snapshot taken between any two operations continues exactly as the
// original: the same events, byte for byte, and the same reads.
func TestSnapshotRestoreOnce(t *testing.T) {
	checkCovered(t, func(t *rapid.T, seen map[string]int) {
		checkSnapshots(t, seen, func(n int) map[int]bool {
			return map[int]bool{rapid.IntRange(0, n).Draw(t, "at"): true}
		})
	})
}

// TestSnapshotRestoreOften snapshots and restores at several points of the
// same run.
func TestSnapshotRestoreOften(t *testing.T) {
	checkCovered(t, func(t *rapid.T, seen map[string]int) {
		checkSnapshots(t, seen, func(n int) map[int]bool {
			out := map[int]bool{}
			for range rapid.IntRange(2, 8).Draw(t, "points") {
				out[rapid.IntRange(0, n).Draw(t, "at")] = true
			}
			return out
		})
	})
}

// smallSnapshot returns the snapshot of an engine with a few tickets in
// several states.
func smallSnapshot(t testing.TB) []byte {
	e := mustEngine(t, engine.Config{Seed: 7})
	rs := ruleset.MustLoad([]byte(snapRuleSets["duel"]))
	if err := e.AddConfiguration(t0, engine.Configuration{Name: "duel", RuleSet: rs, RequestTimeout: 10 * time.Second, AcceptanceRequired: true, AcceptanceTimeout: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	for i, skill := range []float64{10, 12, 50} {
		if _, err := e.StartMatchmaking(t0, engine.MatchmakingRequest{Configuration: "duel", Players: []ticket.Player{player(fmt.Sprintf("p%d", i), skill)}}); err != nil {
			t.Fatal(err)
		}
	}
	e.Step(t0.Add(time.Second))
	var buf bytes.Buffer
	if err := e.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSnapshotRefusesDamage(t *testing.T) {
	snap := smallSnapshot(t)
	if _, err := engine.Restore(bytes.NewReader(snap), engine.Config{}); err != nil {
		t.Fatalf("the intact snapshot: %v", err)
	}
	refused := func(what string, b []byte, want string) {
		t.Helper()
		e, err := engine.Restore(bytes.NewReader(b), engine.Config{})
		if err == nil || e != nil {
			t.Fatalf("%s: Restore = %v, %v; want an error", what, e, err)
		}
		if !errors.Is(err, engine.ErrSnapshot) {
			t.Fatalf("%s: %v does not wrap ErrSnapshot", what, err)
		}
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %q does not say %q", what, err, want)
		}
	}
	for i := range snap {
		b := slices.Clone(snap)
		b[i] ^= 0x20
		want := "checksum mismatch"
		switch {
		case i < 6:
			want = "not a matchforge snapshot"
		case i < 8:
			want = "version" // newer, or 0
		case i < 16:
			want = "" // the length: truncated or too long
		}
		refused(fmt.Sprintf("byte %d flipped", i), b, want)
	}
	for n := range len(snap) {
		refused(fmt.Sprintf("prefix of %d bytes", n), snap[:n], fmt.Sprintf("truncated at byte %d", n))
	}
	b := slices.Clone(snap)
	b[6] = engine.SnapshotVersion + 1
	refused("version bumped", b, fmt.Sprintf("version %d is newer than this engine reads (%d)", engine.SnapshotVersion+1, engine.SnapshotVersion))
	refused("extra bytes", append(slices.Clone(snap), 0), "after the end")
}

func TestSnapshotRoundTripBytes(t *testing.T) {
	snap := smallSnapshot(t)
	e, err := engine.Restore(bytes.NewReader(snap), engine.Config{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := e.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), snap) {
		t.Fatalf("Snapshot, Restore, Snapshot: %d bytes, then %d other bytes", len(snap), buf.Len())
	}
}

func TestSnapshotRefusesPendingEvents(t *testing.T) {
	e := mustEngine(t, engine.Config{Seed: 1})
	if err := e.AddConfiguration(t0, engine.Configuration{Name: "duel", RuleSet: duel, RequestTimeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	tk, err := e.StartMatchmaking(t0, engine.MatchmakingRequest{Configuration: "duel", Players: []ticket.Player{player("a", 1)}})
	if err != nil {
		t.Fatal(err)
	}
	e.Step(t0)
	if err := e.StopMatchmaking(t0, tk.TicketID); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := e.Snapshot(&buf); !errors.Is(err, engine.ErrInvalid) || buf.Len() != 0 {
		t.Fatalf("Snapshot with an undrained event: %v, %d bytes written; want ErrInvalid and nothing", err, buf.Len())
	}
	if evs := e.Events(); len(evs) != 1 {
		t.Fatalf("Snapshot took the events: %d left", len(evs))
	}
	if err := e.Snapshot(&buf); err != nil {
		t.Fatalf("Snapshot after Events: %v", err)
	}
}

// skillCap is a rule type implemented in Go: no team's total skill may
// exceed cap.
var skillCapType = ruleset.RuleType{
	Name: "teamSkillCap",
	Properties: []ruleset.Property{
		{Name: "attribute", Kind: ruleset.PropAttribute, Required: true, AttributeKinds: []ticket.Kind{ticket.KindNumber}},
		{Name: "cap", Kind: ruleset.PropNumber, Required: true, Expandable: true, Min: ruleset.Bound{Value: 0, Set: true}},
	},
	Compile: func(p *ruleset.Params) (ruleset.GoRule, error) {
		return &skillCap{attr: p.Attribute("attribute"), cap: p.Param("cap")}, nil
	},
}

type skillCap struct {
	attr ruleset.Attribute
	cap  ruleset.Param
}

func (r *skillCap) Evaluate(m *ruleset.Match, mode ruleset.Mode) bool {
	for t := range m.Teams() {
		sum := 0.0
		for i := range m.Players(t) {
			sum += m.Player(t, i).Num(r.attr)
		}
		if sum > m.Param(r.cap) {
			return false
		}
	}
	return true
}

// TestRestoreWithGoRules restores an engine whose rule set needs a Go rule
// type: Restore cannot compile it and refuses; RestoreWith compiles it
// with the type, and the restored engine goes on as the original.
func TestRestoreWithGoRules(t *testing.T) {
	opts := ruleset.Options{RuleTypes: []ruleset.RuleType{skillCapType}}
	body := `{"name": "capped", "ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 10}],
	  "teams": [{"name": "red", "minPlayers": 2, "maxPlayers": 2}, {"name": "blue", "minPlayers": 2, "maxPlayers": 2}],
	  "rules": [{"name": "Cap", "type": "teamSkillCap", "attribute": "skill", "cap": 30}],
	  "expansions": [{"target": "rules[Cap].cap", "steps": [{"waitTimeSeconds": 5, "value": 200}]}]}`
	rs, err := ruleset.LoadWith([]byte(body), opts)
	if err != nil {
		t.Fatal(err)
	}
	e := mustEngine(t, engine.Config{Seed: 3})
	if err := e.AddConfiguration(t0, engine.Configuration{Name: "capped", RuleSet: rs, RequestTimeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	for i, skill := range []float64{10, 20, 30, 40, 5, 50, 60, 15} {
		if _, err := e.StartMatchmaking(t0, engine.MatchmakingRequest{Configuration: "capped", Players: []ticket.Player{player(fmt.Sprintf("p%d", i), skill)}}); err != nil {
			t.Fatal(err)
		}
	}
	e.Step(t0.Add(time.Second))
	var buf bytes.Buffer
	if err := e.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Restore(bytes.NewReader(buf.Bytes()), engine.Config{Seed: 3}); !errors.Is(err, engine.ErrSnapshot) || !strings.Contains(err.Error(), "does not compile") {
		t.Fatalf("Restore without the Go rule type: %v; want ErrSnapshot saying the rule set does not compile", err)
	}
	loads := 0
	r, err := engine.RestoreWith(bytes.NewReader(buf.Bytes()), engine.Config{Seed: 3}, func(body string) (*ruleset.RuleSet, error) {
		loads++
		return ruleset.LoadWith([]byte(body), opts)
	})
	if err != nil {
		t.Fatalf("RestoreWith: %v", err)
	}
	if loads != 1 {
		t.Errorf("RestoreWith compiled %d rule sets, want 1", loads)
	}
	text := func(e *engine.Engine) string {
		var b strings.Builder
		for _, at := range []time.Duration{2, 6, 7} {
			for _, ev := range e.Step(t0.Add(at * time.Second)) {
				b.WriteString(ev.String() + "\n")
			}
		}
		return b.String()
	}
	want, got := text(e), text(r)
	if want != got || !strings.Contains(want, "PotentialMatchCreated") {
		t.Fatalf("after RestoreWith:\n%s\nwant:\n%s", got, want)
	}
}

// TestRestoreInconsistentPayload damages each byte of a snapshot's payload
// and writes a checksum that fits: the framing cannot tell, so the decoder
// must. Restore either reads a state (the byte was a value, such as a
// skill) or refuses with ErrSnapshot; it never panics or fails otherwise.
func TestRestoreInconsistentPayload(t *testing.T) {
	snap := smallSnapshot(t)
	refused := 0
	for i := 16; i < len(snap)-4; i++ {
		for _, flip := range []byte{0x01, 0x80, 0xff} {
			b := slices.Clone(snap)
			b[i] ^= flip
			binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], crc32.MakeTable(crc32.Castagnoli)))
			_, err := engine.Restore(bytes.NewReader(b), engine.Config{})
			if err != nil && !errors.Is(err, engine.ErrSnapshot) {
				t.Fatalf("byte %d ^ %#x: %v does not wrap ErrSnapshot", i, flip, err)
			}
			if err != nil {
				refused++
			}
		}
	}
	if refused == 0 {
		t.Fatal("no damaged payload was refused")
	}
	t.Logf("%d of %d damaged payloads refused", refused, 3*(len(snap)-20))
}

// TestSnapshotThroughRunner snapshots an engine a Runner owns, inside
// Runner.Do: the Runner hands out every event as it happens, so none waits.
func TestSnapshotThroughRunner(t *testing.T) {
	e := mustEngine(t, engine.Config{Seed: 5})
	if err := e.AddConfiguration(t0, engine.Configuration{Name: "duel", RuleSet: duel, RequestTimeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	r, err := engine.NewRunner(e, engine.RunnerOptions{Clock: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.StartMatchmaking(engine.MatchmakingRequest{TicketID: "a", Configuration: "duel", Players: []ticket.Player{player("a", 1)}}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Do(func(e *engine.Engine, now time.Time) error { return e.Snapshot(&buf) }); err != nil {
		t.Fatalf("Snapshot in Runner.Do: %v", err)
	}
	restored, err := engine.Restore(&buf, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if tk, ok := restored.Ticket("a"); !ok || tk.Status != ticket.StatusQueued {
		t.Fatalf("restored ticket a: %+v, %v; want QUEUED", tk, ok)
	}
}

// A version 1 snapshot (written by the engine before the rotation, issue 9)
// still restores: its rotation starts empty, and it goes on matching. The
// file holds a duel configuration with ann (skill 20) and cat (90)
// waiting, after one step.
func TestRestoreVersion1(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "snapshot-v1.snap"))
	if err != nil {
		t.Fatal(err)
	}
	if data[6] != 1 {
		t.Fatalf("testdata/snapshot-v1.snap is version %d, want 1", data[6])
	}
	e, err := engine.Restore(bytes.NewReader(data), engine.Config{})
	if err != nil {
		t.Fatalf("version 1 refused: %v", err)
	}
	for _, id := range []string{"t-ann", "t-cat"} {
		if info, ok := e.Ticket(id); !ok || info.Status != ticket.StatusSearching {
			t.Fatalf("%s: %v %+v, want SEARCHING", id, ok, info)
		}
	}
	now := time.Date(2030, 1, 1, 12, 0, 2, 0, time.UTC)
	if _, err := e.StartMatchmaking(now, engine.MatchmakingRequest{TicketID: "t-bob", Configuration: "duel",
		Players: []ticket.Player{{PlayerID: "bob", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(25)}}}}); err != nil {
		t.Fatal(err)
	}
	var matched []string
	for _, ev := range e.Step(now.Add(time.Second)) {
		if ev.Kind == engine.EventSucceeded {
			for _, r := range ev.Tickets {
				matched = append(matched, r.ID())
			}
		}
	}
	slices.Sort(matched)
	if !slices.Equal(matched, []string{"t-ann", "t-bob"}) {
		t.Fatalf("matched %v after restoring version 1, want [t-ann t-bob]", matched)
	}
	var again bytes.Buffer
	if err := e.Snapshot(&again); err != nil || again.Bytes()[6] != engine.SnapshotVersion {
		t.Fatalf("snapshot after a version 1 restore: %v, version %d", err, again.Bytes()[6])
	}
}
