package gamelift_test

// Table tests of the engine's operations: every API operation's successes
// and errors, the ticket lifecycle around them (D14-D25), and the shapes of
// events and matchmaker data against the published samples. Every rejected
// request goes through fixture.reject, which checks that the engine is
// unchanged afterwards (D25); TestRejectedRequestsChangeNothing also checks
// that its random source did not move, against a twin engine that never
// received the request.

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/internal/fixtures"
	"github.com/matchforge/matchforge/ticket"
)

var svcT0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

const queueArn = "arn:aws:gamelift:local:000000000000:gamesessionqueue/main"

// svcDuelBody: one player per team, skills within 10 of each other. skill has
// no default (D20); mode has one.
var svcDuelBody = fixtures.Duel

// pingBody: a duel with a latency rule (D11).
const pingBody = `{
  "ruleLanguageVersion": "1.0",
  "playerAttributes": [{"name": "skill", "type": "number", "default": 1}],
  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1},
            {"name": "blue", "minPlayers": 1, "maxPlayers": 1}],
  "rules": [{"name": "FastConnection", "type": "latency", "maxLatency": 100}]
}`

// slowBody expands CloseSkill after 30 seconds (D5).
const slowBody = `{
  "ruleLanguageVersion": "1.0",
  "playerAttributes": [{"name": "skill", "type": "number"}],
  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1},
            {"name": "blue", "minPlayers": 1, "maxPlayers": 1}],
  "rules": [{"name": "CloseSkill", "type": "distance",
    "measurements": ["max(flatten(teams[*].players.attributes[skill]))"],
    "referenceValue": "min(flatten(teams[*].players.attributes[skill]))",
    "maxDistance": 10}],
  "expansions": [{"target": "rules[CloseSkill].maxDistance",
    "steps": [{"waitTimeSeconds": 30, "value": 1000}]}]
}`

func mustEngine(t testing.TB, cfg gamelift.Options) *gamelift.Service {
	t.Helper()
	e, err := gamelift.NewService(cfg)
	if err != nil {
		t.Fatalf("gamelift.NewService(%+v): %v", cfg, err)
	}
	return e
}

func player(id string, skill float64) ticket.Player {
	return ticket.Player{PlayerID: id, PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(skill)}}
}

func types(evs []gamelift.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Detail.Type
	}
	return out
}

func ofType(evs []gamelift.Event, typ string) []gamelift.Event {
	var out []gamelift.Event
	for _, ev := range evs {
		if ev.Detail.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

func eventTicketIDs(ev gamelift.Event) []string {
	var out []string
	for _, t := range ev.Detail.Tickets {
		out = append(out, t.TicketID)
	}
	return out
}

// wantAPIError checks err's kind (errors.Is), its type and that its message
// holds every one of want.
func wantAPIError(t testing.TB, err error, kind error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v mentioning %q", kind, want)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %q is not %v", err, kind)
	}
	var api *gamelift.Error
	if !errors.As(err, &api) {
		t.Fatalf("error %q is %T, not *gamelift.Error", err, err)
	}
	if api.Type != kind.Error() {
		t.Errorf("Exception() = %q, want %q", api.Type, kind.Error())
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

// fixture is an engine with rule sets, configurations and tickets in every
// status, built the same way every time (the seed is fixed).
type fixture struct {
	t       testing.TB
	e       *gamelift.Service
	now     time.Time
	tickets map[string]string // label -> ticket id
	ids     []string          // every ticket id, in creation order
	matches map[string]string // ticket label -> match id
	events  []gamelift.Event  // every event so far
}

func newFixture(t testing.TB, cfg gamelift.Options) *fixture {
	t.Helper()
	f := &fixture{t: t, e: mustEngine(t, cfg), now: svcT0, tickets: map[string]string{}, matches: map[string]string{}}
	f.ruleSet("duel", svcDuelBody)
	f.ruleSet("ping", pingBody)
	f.config(gamelift.CreateMatchmakingConfigurationInput{Name: "solo", RuleSetName: "duel", RequestTimeoutSeconds: 60, CustomEventData: "foo"})
	f.config(gamelift.CreateMatchmakingConfigurationInput{Name: "accept", RuleSetName: "duel", RequestTimeoutSeconds: 120,
		AcceptanceRequired: true, AcceptanceTimeoutSeconds: 30})
	f.config(gamelift.CreateMatchmakingConfigurationInput{Name: "queue", RuleSetName: "duel", RequestTimeoutSeconds: 60,
		FlexMatchMode: gamelift.ModeWithQueue, GameSessionQueueArns: []string{queueArn}, CustomEventData: "foo"})
	f.config(gamelift.CreateMatchmakingConfigurationInput{Name: "short", RuleSetName: "duel", RequestTimeoutSeconds: 1})
	f.config(gamelift.CreateMatchmakingConfigurationInput{Name: "latency", RuleSetName: "ping", RequestTimeoutSeconds: 60})

	f.start("completed-1", "solo", player("p-c1", 10))
	f.start("completed-2", "solo", player("p-c2", 12))
	f.start("accept-1", "accept", player("p-a1", 10))
	f.start("accept-2", "accept", player("p-a2", 12))
	f.start("placing-1", "queue", player("p-q1", 10))
	f.start("placing-2", "queue", player("p-q2", 12))
	f.start("failed-1", "queue", player("p-f1", 300))
	f.start("failed-2", "queue", player("p-f2", 305))
	f.start("searching", "solo", player("p-s", 500))
	f.start("missing", "solo", ticket.Player{PlayerID: "p-m"})
	f.start("stopped", "solo", player("p-x", 900))
	f.start("timedout", "short", player("p-t", 1))
	f.step(time.Second)
	if err := f.e.StopMatchmaking(f.now, f.tickets["stopped"]); err != nil {
		t.Fatalf("StopMatchmaking: %v", err)
	}
	if err := f.e.FailPlacement(f.now, gamelift.FailPlacementInput{MatchID: f.matches["failed-1"]}); err != nil {
		t.Fatalf("FailPlacement: %v", err)
	}
	f.drain()
	f.start("queued", "solo", player("p-qd", 700))
	f.drain()
	want := map[string]ticket.Status{
		"completed-1": ticket.StatusCompleted, "accept-1": ticket.StatusRequiresAcceptance,
		"placing-1": ticket.StatusPlacing, "failed-1": ticket.StatusFailed, "searching": ticket.StatusSearching,
		"missing": ticket.StatusSearching, "stopped": ticket.StatusCancelled, "timedout": ticket.StatusTimedOut,
		"queued": ticket.StatusQueued,
	}
	for label, s := range want {
		if got := f.status(label); got.Status != s {
			t.Fatalf("fixture: ticket %s is %s (%s), want %s", label, got.Status, got.StatusMessage, s)
		}
	}
	return f
}

func (f *fixture) ruleSet(name, body string) {
	f.t.Helper()
	if _, err := f.e.CreateMatchmakingRuleSet(f.now, gamelift.CreateMatchmakingRuleSetInput{Name: name, RuleSetBody: body}); err != nil {
		f.t.Fatalf("CreateMatchmakingRuleSet %s: %v", name, err)
	}
}

func (f *fixture) config(in gamelift.CreateMatchmakingConfigurationInput) gamelift.MatchmakingConfiguration {
	f.t.Helper()
	c, err := f.e.CreateMatchmakingConfiguration(f.now, in)
	if err != nil {
		f.t.Fatalf("CreateMatchmakingConfiguration %s: %v", in.Name, err)
	}
	return c
}

// start submits a ticket without a TicketId and records it under label.
func (f *fixture) start(label, cfg string, players ...ticket.Player) gamelift.MatchmakingTicket {
	f.t.Helper()
	tk, err := f.e.StartMatchmaking(f.now, gamelift.StartMatchmakingInput{ConfigurationName: cfg, Players: players})
	if err != nil {
		f.t.Fatalf("StartMatchmaking %s: %v", label, err)
	}
	f.tickets[label] = tk.TicketID
	f.ids = append(f.ids, tk.TicketID)
	return tk
}

// step advances the clock by d, steps and returns the step's events.
func (f *fixture) step(d time.Duration) []gamelift.Event {
	f.now = f.now.Add(d)
	evs := f.e.Step(f.now)
	f.record(evs)
	return evs
}

// drain collects the events operations queued.
func (f *fixture) drain() []gamelift.Event {
	evs := f.e.Events()
	f.record(evs)
	return evs
}

func (f *fixture) record(evs []gamelift.Event) {
	f.events = append(f.events, evs...)
	for _, ev := range evs {
		if ev.Detail.Type != gamelift.EventPotentialMatchCreated {
			continue
		}
		for _, tk := range ev.Detail.Tickets {
			for label, id := range f.tickets {
				if id == tk.TicketID {
					f.matches[label] = ev.Detail.MatchID
				}
			}
		}
	}
}

func (f *fixture) status(label string) gamelift.MatchmakingTicket {
	f.t.Helper()
	id, ok := f.tickets[label]
	if !ok {
		id = label
	}
	tk, ok := f.e.Ticket(id)
	if !ok {
		f.t.Fatalf("ticket %s (%s) is not describable", label, id)
	}
	return tk
}

// snapshot renders everything the engine exposes: rule sets,
// configurations, every known ticket, counts, matchmaker data of every known
// match and the interned locations.
func (f *fixture) snapshot() string {
	f.t.Helper()
	var b strings.Builder
	put := func(label string, v any) {
		j, err := json.Marshal(v)
		if err != nil {
			f.t.Fatalf("snapshot %s: %v", label, err)
		}
		fmt.Fprintf(&b, "%s: %s\n", label, j)
	}
	for token := ""; ; {
		rs, next, err := f.e.DescribeMatchmakingRuleSets(nil, 10, token)
		if err != nil {
			f.t.Fatalf("snapshot: %v", err)
		}
		put("rule sets", rs)
		if token = next; token == "" {
			break
		}
	}
	for token := ""; ; {
		cs, next, err := f.e.DescribeMatchmakingConfigurations(nil, "", 10, token)
		if err != nil {
			f.t.Fatalf("snapshot: %v", err)
		}
		put("configurations", cs)
		if token = next; token == "" {
			break
		}
	}
	for i := 0; i < len(f.ids); i += 10 {
		ts, err := f.e.DescribeMatchmaking(f.ids[i:min(i+10, len(f.ids))])
		if err != nil {
			f.t.Fatalf("snapshot: %v", err)
		}
		put("tickets", ts)
	}
	put("counts", f.e.Engine().Counts())
	put("pending", f.e.Engine().Pending())
	for _, label := range slices.Sorted(maps.Keys(f.matches)) {
		d, ok := f.e.MatchmakerData(f.matches[label])
		put("matchmaker data "+label, map[string]any{"ok": ok, "data": d})
	}
	locs := f.e.Engine().Locations()
	names := make([]string, locs.Len())
	for i := range names {
		names[i] = locs.Name(int32(i))
	}
	put("locations", names)
	return b.String()
}

// reject runs do, which must fail with kind and a message holding want,
// and checks that it changed nothing the engine exposes and queued no
// event (D25).
func (f *fixture) reject(do func() error, kind error, want ...string) error {
	f.t.Helper()
	f.drain()
	before := f.snapshot()
	err := do()
	wantAPIError(f.t, err, kind, want...)
	if evs := f.e.Events(); len(evs) > 0 {
		f.t.Errorf("rejected request queued events %v", types(evs))
	}
	if after := f.snapshot(); after != before {
		f.t.Errorf("rejected request changed the engine (D25):\n%s", diffLines(before, after))
	}
	return err
}

func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	shown := 0
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y && shown < 6 {
			fmt.Fprintf(&out, "before: %.400s\nafter:  %.400s\n", x, y)
			shown++
		}
	}
	return out.String()
}

// probe exercises the random source and the matcher: a new rule set and
// configuration, two tickets without ids, two steps. Its output must be the
// same on two engines in the same state.
func (f *fixture) probe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "queued events: %d\n", len(f.e.Events()))
	_, err := f.e.CreateMatchmakingRuleSet(f.now, gamelift.CreateMatchmakingRuleSetInput{Name: "zz-probe", RuleSetBody: svcDuelBody})
	fmt.Fprintf(&b, "rule set: %v\n", err)
	_, err = f.e.CreateMatchmakingConfiguration(f.now, gamelift.CreateMatchmakingConfigurationInput{Name: "zz-probe", RuleSetName: "duel", RequestTimeoutSeconds: 60})
	fmt.Fprintf(&b, "configuration: %v\n", err)
	for i := range 2 {
		tk, err := f.e.StartMatchmaking(f.now, gamelift.StartMatchmakingInput{ConfigurationName: "zz-probe", Players: []ticket.Player{player(fmt.Sprint("probe-", i), 1)}})
		fmt.Fprintf(&b, "ticket %s: %v\n", tk.TicketID, err)
	}
	for i := range 2 {
		f.now = f.now.Add(time.Second)
		for _, ev := range f.e.Step(f.now) {
			j, _ := json.Marshal(ev)
			fmt.Fprintf(&b, "step %d: %s\n", i, j)
		}
	}
	return b.String()
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  gamelift.Options
		want string // "" for valid
	}{
		{"zero", gamelift.Options{}, ""},
		{"all set", gamelift.Options{Engine: engine.Config{Seed: 7, TicketRetention: time.Minute, SearchBudget: 1}, Source: "game", Account: "123456789012", Region: "eu-west-1", MaxRuleSets: 1, MaxConfigurations: 1}, ""},
		{"short account", gamelift.Options{Account: "12345"}, "Account"},
		{"letters in account", gamelift.Options{Account: "12345678901a"}, "Account"},
		{"region with colon", gamelift.Options{Region: "us:east"}, "Region"},
		{"region with slash", gamelift.Options{Region: "us/east"}, "Region"},
		{"region with space", gamelift.Options{Region: "us east"}, "Region"},
		{"negative retention", gamelift.Options{Engine: engine.Config{TicketRetention: -time.Second}}, "TicketRetention"},
		{"negative rule sets", gamelift.Options{MaxRuleSets: -1}, "MaxRuleSets"},
		{"negative configurations", gamelift.Options{MaxConfigurations: -1}, "MaxConfigurations"},
		{"negative budget", gamelift.Options{Engine: engine.Config{SearchBudget: -1}}, "SearchBudget"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			_, newErr := gamelift.NewService(tt.cfg)
			if tt.want == "" {
				if err != nil || newErr != nil {
					t.Fatalf("Validate() = %v, New: %v; want both nil", err, newErr)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error naming %s", err, tt.want)
			}
			if newErr == nil || newErr.Error() != err.Error() {
				t.Errorf("New() error = %v, want %v", newErr, err)
			}
		})
	}
}

func TestNewAppliesDefaults(t *testing.T) {
	e := mustEngine(t, gamelift.Options{})
	rs, err := e.CreateMatchmakingRuleSet(svcT0, gamelift.CreateMatchmakingRuleSetInput{Name: "duel", RuleSetBody: svcDuelBody})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:gamelift:local:000000000000:matchmakingruleset/duel"; rs.RuleSetArn != want {
		t.Errorf("RuleSetArn = %q, want %q", rs.RuleSetArn, want)
	}
	c, err := e.CreateMatchmakingConfiguration(svcT0, gamelift.CreateMatchmakingConfigurationInput{Name: "c", RuleSetName: "duel", RequestTimeoutSeconds: 10})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:gamelift:local:000000000000:matchmakingconfiguration/c"; c.ConfigurationArn != want {
		t.Errorf("ConfigurationArn = %q, want %q", c.ConfigurationArn, want)
	}
	tk, err := e.StartMatchmaking(svcT0, gamelift.StartMatchmakingInput{ConfigurationName: "c", Players: []ticket.Player{player("p", 1)}})
	if err != nil {
		t.Fatal(err)
	}
	evs := e.Step(svcT0)
	if len(evs) != 1 {
		t.Fatalf("Step gave %v, want one MatchmakingSearching", types(evs))
	}
	ev := evs[0]
	if ev.Source != "matchforge" || ev.Account != "000000000000" || ev.Region != "local" || ev.Version != "0" ||
		ev.DetailType != "GameLift Matchmaking Event" || !slices.Equal(ev.Resources, []string{c.ConfigurationArn}) {
		t.Errorf("envelope = %+v, want the defaults", ev)
	}

	// Default retention: one hour.
	if err := e.StopMatchmaking(svcT0, tk.TicketID); err != nil {
		t.Fatal(err)
	}
	e.Step(svcT0.Add(time.Hour - time.Millisecond))
	if _, ok := e.Ticket(tk.TicketID); !ok {
		t.Error("ticket forgotten before the default retention of one hour")
	}
	e.Step(svcT0.Add(time.Hour))
	if _, ok := e.Ticket(tk.TicketID); ok {
		t.Error("ticket still describable after the default retention of one hour")
	}

	// Default limits: 1000 rule sets.
	for i := 1; i < 1000; i++ {
		if _, err := e.CreateMatchmakingRuleSet(svcT0, gamelift.CreateMatchmakingRuleSetInput{Name: fmt.Sprint("rs-", i), RuleSetBody: pingBody}); err != nil {
			t.Fatalf("rule set %d: %v", i, err)
		}
	}
	_, err = e.CreateMatchmakingRuleSet(svcT0, gamelift.CreateMatchmakingRuleSetInput{Name: "one-too-many", RuleSetBody: pingBody})
	wantAPIError(t, err, gamelift.ErrLimitExceeded, "1000")

	// A custom envelope.
	e = mustEngine(t, gamelift.Options{Source: "game", Account: "123456789012", Region: "eu-west-1"})
	rs, _ = e.CreateMatchmakingRuleSet(svcT0, gamelift.CreateMatchmakingRuleSetInput{Name: "duel", RuleSetBody: svcDuelBody})
	if want := "arn:aws:gamelift:eu-west-1:123456789012:matchmakingruleset/duel"; rs.RuleSetArn != want {
		t.Errorf("RuleSetArn = %q, want %q", rs.RuleSetArn, want)
	}
}

func TestCreateMatchmakingRuleSet(t *testing.T) {
	long := strings.Repeat("n", 128)
	tags201 := make([]gamelift.Tag, 201)
	for i := range tags201 {
		tags201[i] = gamelift.Tag{Key: fmt.Sprint("k", i)}
	}
	tests := []struct {
		name string
		in   gamelift.CreateMatchmakingRuleSetInput
		kind error // nil for success
		want []string
	}{
		{"valid", gamelift.CreateMatchmakingRuleSetInput{Name: "new-rules.v2", RuleSetBody: svcDuelBody}, nil, nil},
		{"name of 128", gamelift.CreateMatchmakingRuleSetInput{Name: long, RuleSetBody: svcDuelBody}, nil, nil},
		{"tags", gamelift.CreateMatchmakingRuleSetInput{Name: "tagged", RuleSetBody: svcDuelBody, Tags: []gamelift.Tag{{Key: "team", Value: "core"}}}, nil, nil},
		{"comments and trailing commas (D1)", gamelift.CreateMatchmakingRuleSetInput{Name: "lenient", RuleSetBody: `{
			// a comment
			"ruleLanguageVersion": "1.0", "teams": [{"name": "t", "minPlayers": 1, "maxPlayers": 2},],}`}, nil, nil},
		{"no name", gamelift.CreateMatchmakingRuleSetInput{RuleSetBody: svcDuelBody}, gamelift.ErrInvalidRequest, []string{"Name", "required", "128"}},
		{"name of 129", gamelift.CreateMatchmakingRuleSetInput{Name: long + "n", RuleSetBody: svcDuelBody}, gamelift.ErrInvalidRequest, []string{"Name", "129", "128"}},
		{"name with space", gamelift.CreateMatchmakingRuleSetInput{Name: "two words", RuleSetBody: svcDuelBody}, gamelift.ErrInvalidRequest, []string{"Name", "two words", "letters, digits"}},
		{"name with underscore", gamelift.CreateMatchmakingRuleSetInput{Name: "a_b", RuleSetBody: svcDuelBody}, gamelift.ErrInvalidRequest, []string{"Name", "a_b"}},
		{"name is an ARN", gamelift.CreateMatchmakingRuleSetInput{Name: "arn:aws:gamelift:local:000000000000:matchmakingruleset/x", RuleSetBody: svcDuelBody}, gamelift.ErrInvalidRequest, []string{"Name"}},
		{"duplicate", gamelift.CreateMatchmakingRuleSetInput{Name: "duel", RuleSetBody: svcDuelBody}, gamelift.ErrInvalidRequest, []string{"duel", "already exists"}},
		{"empty body", gamelift.CreateMatchmakingRuleSetInput{Name: "x"}, gamelift.ErrInvalidRequest, []string{"RuleSetBody", "required"}},
		{"not JSON", gamelift.CreateMatchmakingRuleSetInput{Name: "x", RuleSetBody: "{"}, gamelift.ErrInvalidRequest, []string{"RuleSetBody"}},
		{"every problem listed (D6)", gamelift.CreateMatchmakingRuleSetInput{Name: "x", RuleSetBody: `{
			"ruleLanguageVersion": "2.0",
			"teams": [{"name": "t", "minPlayers": 3, "maxPlayers": 2}],
			"rules": [{"name": "r", "type": "comparison", "operation": "~", "measurements": ["count(teams[t].players)"], "referenceValue": 1}]}`},
			gamelift.ErrInvalidRequest, []string{"RuleSetBody", "ruleLanguageVersion", "teams[0]", "rules[0].operation"}},
		{"too many tags", gamelift.CreateMatchmakingRuleSetInput{Name: "x", RuleSetBody: svcDuelBody, Tags: tags201}, gamelift.ErrInvalidRequest, []string{"Tags", "201", "200"}},
		{"empty tag key", gamelift.CreateMatchmakingRuleSetInput{Name: "x", RuleSetBody: svcDuelBody, Tags: []gamelift.Tag{{Value: "v"}}}, gamelift.ErrInvalidRequest, []string{"Tags[0].Key", "128"}},
		{"long tag value", gamelift.CreateMatchmakingRuleSetInput{Name: "x", RuleSetBody: svcDuelBody, Tags: []gamelift.Tag{{Key: "k", Value: strings.Repeat("v", 257)}}}, gamelift.ErrInvalidRequest, []string{"Tags[0].Value", "256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, gamelift.Options{Engine: engine.Config{Seed: 1}})
			if tt.kind != nil {
				f.reject(func() error {
					_, err := f.e.CreateMatchmakingRuleSet(f.now, tt.in)
					return err
				}, tt.kind, tt.want...)
				return
			}
			got, err := f.e.CreateMatchmakingRuleSet(f.now, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			want := gamelift.MatchmakingRuleSet{RuleSetName: tt.in.Name, RuleSetBody: tt.in.RuleSetBody, CreationTime: gamelift.Time{Time: f.now},
				RuleSetArn: "arn:aws:gamelift:local:000000000000:matchmakingruleset/" + tt.in.Name}
			if got != want {
				t.Errorf("CreateMatchmakingRuleSet = %+v, want %+v", got, want)
			}
			listed, _, err := f.e.DescribeMatchmakingRuleSets([]string{tt.in.Name}, 0, "")
			if err != nil || len(listed) != 1 || listed[0] != want {
				t.Errorf("DescribeMatchmakingRuleSets = %+v, %v; want %+v", listed, err, want)
			}
			if err := f.e.ValidateMatchmakingRuleSet(tt.in.RuleSetBody); err != nil {
				t.Errorf("ValidateMatchmakingRuleSet: %v", err)
			}
		})
	}
}

func TestValidateMatchmakingRuleSet(t *testing.T) {
	e := mustEngine(t, gamelift.Options{})
	if err := e.ValidateMatchmakingRuleSet(svcDuelBody); err != nil {
		t.Errorf("valid body: %v", err)
	}
	wantAPIError(t, e.ValidateMatchmakingRuleSet(""), gamelift.ErrInvalidRequest, "RuleSetBody")
	wantAPIError(t, e.ValidateMatchmakingRuleSet(`{"teams": []}`), gamelift.ErrInvalidRequest, "ruleLanguageVersion", "teams")
	if rs, _, _ := e.DescribeMatchmakingRuleSets(nil, 0, ""); len(rs) != 0 {
		t.Errorf("ValidateMatchmakingRuleSet registered %v", rs)
	}
}

func TestRuleSetLimit(t *testing.T) {
	f := newFixture(t, gamelift.Options{MaxRuleSets: 3})
	f.ruleSet("third", svcDuelBody)
	f.reject(func() error {
		_, err := f.e.CreateMatchmakingRuleSet(f.now, gamelift.CreateMatchmakingRuleSetInput{Name: "fourth", RuleSetBody: svcDuelBody})
		return err
	}, gamelift.ErrLimitExceeded, "3 rule sets", "limit is 3")
	if err := f.e.DeleteMatchmakingRuleSet(svcT0, "third"); err != nil {
		t.Fatal(err)
	}
	f.ruleSet("fourth", svcDuelBody) // room again
}

func TestDescribeMatchmakingRuleSets(t *testing.T) {
	e := mustEngine(t, gamelift.Options{})
	var all []string
	for i := 24; i >= 0; i-- { // created out of order: listed in name order
		name := fmt.Sprintf("rs-%02d", i)
		all = append(all, name)
		if _, err := e.CreateMatchmakingRuleSet(svcT0, gamelift.CreateMatchmakingRuleSetInput{Name: name, RuleSetBody: pingBody}); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(all)
	names := func(rs []gamelift.MatchmakingRuleSet) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.RuleSetName)
		}
		return out
	}
	pages := func(limit int, refs []string) [][]string {
		var out [][]string
		token := ""
		for range 100 {
			rs, next, err := e.DescribeMatchmakingRuleSets(refs, limit, token)
			if err != nil {
				t.Fatalf("limit %d token %q: %v", limit, token, err)
			}
			out = append(out, names(rs))
			if token = next; token == "" {
				return out
			}
		}
		t.Fatal("pagination does not end")
		return nil
	}
	if got, want := pages(10, nil), [][]string{all[:10], all[10:20], all[20:]}; !equalPages(got, want) {
		t.Errorf("limit 10: %v, want %v", got, want)
	}
	if got, want := pages(0, nil), [][]string{all[:10], all[10:20], all[20:]}; !equalPages(got, want) {
		t.Errorf("limit 0 (default 10): %v, want %v", got, want)
	}
	if got, want := pages(5, nil), [][]string{all[:5], all[5:10], all[10:15], all[15:20], all[20:]}; !equalPages(got, want) {
		t.Errorf("limit 5: %v, want %v", got, want)
	}
	refs := []string{"rs-07", "arn:aws:gamelift:local:000000000000:matchmakingruleset/rs-03", "rs-11"}
	if got, want := pages(2, refs), [][]string{{"rs-07", "rs-03"}, {"rs-11"}}; !equalPages(got, want) {
		t.Errorf("named, limit 2: %v, want %v", got, want)
	}

	errCases := []struct {
		name   string
		refs   []string
		limit  int
		token  string
		kind   error
		substr []string
	}{
		{"limit 11", nil, 11, "", gamelift.ErrInvalidRequest, []string{"Limit", "11", "1 to 10"}},
		{"negative limit", nil, -1, "", gamelift.ErrInvalidRequest, []string{"Limit", "-1"}},
		{"11 names", slices.Repeat([]string{"rs-01"}, 11), 0, "", gamelift.ErrInvalidRequest, []string{"Names", "11", "10"}},
		{"unknown name", []string{"rs-01", "nope"}, 0, "", gamelift.ErrNotFound, []string{"nope"}},
		{"bad name", []string{"bad name"}, 0, "", gamelift.ErrInvalidRequest, []string{"Names[0]", "bad name"}},
		{"configuration ARN", []string{"arn:aws:gamelift:local:000000000000:matchmakingconfiguration/rs-01"}, 0, "", gamelift.ErrInvalidRequest, []string{"Names[0]", "ARN"}},
		{"foreign token", nil, 0, "abc", gamelift.ErrInvalidRequest, []string{"NextToken", "abc"}},
		{"token past the end", nil, 0, "p26", gamelift.ErrInvalidRequest, []string{"NextToken"}},
		{"negative token", nil, 0, "p-1", gamelift.ErrInvalidRequest, []string{"NextToken"}},
	}
	for _, tt := range errCases {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.DescribeMatchmakingRuleSets(tt.refs, tt.limit, tt.token)
			wantAPIError(t, err, tt.kind, tt.substr...)
		})
	}
}

func equalPages(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

func TestDeleteMatchmakingRuleSet(t *testing.T) {
	f := newFixture(t, gamelift.Options{})
	f.ruleSet("spare", svcDuelBody)
	f.ruleSet("spare2", svcDuelBody)
	if err := f.e.DeleteMatchmakingRuleSet(svcT0, "spare"); err != nil {
		t.Fatal(err)
	}
	if err := f.e.DeleteMatchmakingRuleSet(svcT0, "arn:aws:gamelift:local:000000000000:matchmakingruleset/spare2"); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.e.DescribeMatchmakingRuleSets([]string{"spare"}, 0, "")
	wantAPIError(t, err, gamelift.ErrNotFound, "spare")
	f.reject(func() error { return f.e.DeleteMatchmakingRuleSet(svcT0, "spare") }, gamelift.ErrNotFound, "spare")
	f.reject(func() error { return f.e.DeleteMatchmakingRuleSet(svcT0, "") }, gamelift.ErrInvalidRequest, "Name", "required")
	f.reject(func() error { return f.e.DeleteMatchmakingRuleSet(svcT0, "bad name") }, gamelift.ErrInvalidRequest, "Name", "bad name")
	f.reject(func() error { return f.e.DeleteMatchmakingRuleSet(svcT0, strings.Repeat("x", 257)) }, gamelift.ErrInvalidRequest, "Name", "257", "256")
	// In use by four configurations: refused, naming them.
	f.reject(func() error { return f.e.DeleteMatchmakingRuleSet(svcT0, "duel") }, gamelift.ErrInvalidRequest, "duel", "accept", "queue", "short", "solo")

	// Once no configuration uses it, it can go: ping's only user is deleted,
	// and after an update moves a configuration away.
	if err := f.e.DeleteMatchmakingConfiguration(svcT0, "latency"); err != nil {
		t.Fatal(err)
	}
	if err := f.e.DeleteMatchmakingRuleSet(svcT0, "ping"); err != nil {
		t.Errorf("delete a rule set whose configuration was deleted: %v", err)
	}
	f.ruleSet("other", svcDuelBody)
	f.config(gamelift.CreateMatchmakingConfigurationInput{Name: "mover", RuleSetName: "other", RequestTimeoutSeconds: 10})
	f.reject(func() error { return f.e.DeleteMatchmakingRuleSet(svcT0, "other") }, gamelift.ErrInvalidRequest, "other", "mover")
	if _, err := f.e.UpdateMatchmakingConfiguration(svcT0, gamelift.UpdateMatchmakingConfigurationInput{Name: "mover", RuleSetName: gamelift.Ptr("duel")}); err != nil {
		t.Fatal(err)
	}
	if err := f.e.DeleteMatchmakingRuleSet(svcT0, "other"); err != nil {
		t.Errorf("delete a rule set a configuration moved away from: %v", err)
	}
}

func validConfig() gamelift.CreateMatchmakingConfigurationInput {
	return gamelift.CreateMatchmakingConfigurationInput{Name: "new", RuleSetName: "duel", RequestTimeoutSeconds: 60}
}

func TestCreateMatchmakingConfigurationLimits(t *testing.T) {
	props := func(n, key, value int) []gamelift.GameProperty {
		out := make([]gamelift.GameProperty, n)
		for i := range out {
			out[i] = gamelift.GameProperty{Key: fmt.Sprintf("%0*d", key, i), Value: strings.Repeat("v", value)}
		}
		return out
	}
	type mod func(*gamelift.CreateMatchmakingConfigurationInput)
	tests := []struct {
		name string
		mod  mod
		kind error // nil: accepted
		want []string
	}{
		{"minimal", func(*gamelift.CreateMatchmakingConfigurationInput) {}, nil, nil},
		{"RequestTimeoutSeconds 1", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.RequestTimeoutSeconds = 1 }, nil, nil},
		{"RequestTimeoutSeconds 43200", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.RequestTimeoutSeconds = 43200 }, nil, nil},
		{"RequestTimeoutSeconds 0", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.RequestTimeoutSeconds = 0 },
			gamelift.ErrInvalidRequest, []string{"RequestTimeoutSeconds", "is 0", "1 to 43200"}},
		{"RequestTimeoutSeconds 43201", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.RequestTimeoutSeconds = 43201 },
			gamelift.ErrInvalidRequest, []string{"RequestTimeoutSeconds", "43201", "1 to 43200"}},
		{"acceptance without timeout", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.AcceptanceRequired = true },
			gamelift.ErrInvalidRequest, []string{"AcceptanceTimeoutSeconds", "required", "AcceptanceRequired", "1 to 600"}},
		{"acceptance 1", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.AcceptanceRequired, in.AcceptanceTimeoutSeconds = true, 1
		}, nil, nil},
		{"acceptance 600", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.AcceptanceRequired, in.AcceptanceTimeoutSeconds = true, 600
		}, nil, nil},
		{"acceptance 601", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.AcceptanceRequired, in.AcceptanceTimeoutSeconds = true, 601
		}, gamelift.ErrInvalidRequest, []string{"AcceptanceTimeoutSeconds", "601", "1 to 600"}},
		{"acceptance timeout without acceptance 601", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.AcceptanceTimeoutSeconds = 601 },
			gamelift.ErrInvalidRequest, []string{"AcceptanceTimeoutSeconds", "601", "1 to 600"}},
		{"negative acceptance timeout", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.AcceptanceTimeoutSeconds = -1 },
			gamelift.ErrInvalidRequest, []string{"AcceptanceTimeoutSeconds", "-1"}},
		{"negative AdditionalPlayerCount", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.AdditionalPlayerCount = -1 },
			gamelift.ErrInvalidRequest, []string{"AdditionalPlayerCount", "-1", "0 to 199"}},
		{"huge AdditionalPlayerCount in STANDALONE", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.AdditionalPlayerCount = math.MaxInt64 },
			gamelift.ErrInvalidRequest, []string{"AdditionalPlayerCount", "9223372036854775807", "0 to 199"}},
		{"CustomEventData 256", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.CustomEventData = strings.Repeat("é", 256) }, nil, nil},
		{"CustomEventData 257", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.CustomEventData = strings.Repeat("c", 257) },
			gamelift.ErrInvalidRequest, []string{"CustomEventData", "257", "256"}},
		{"Description 1024", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.Description = strings.Repeat("d", 1024) }, nil, nil},
		{"Description 1025", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.Description = strings.Repeat("d", 1025) },
			gamelift.ErrInvalidRequest, []string{"Description", "1025", "1024"}},
		{"GameSessionData 4096", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.GameSessionData = strings.Repeat("g", 4096) }, nil, nil},
		{"GameSessionData 4097", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.GameSessionData = strings.Repeat("g", 4097) },
			gamelift.ErrInvalidRequest, []string{"GameSessionData", "4097", "4096"}},
		{"GameProperties at every limit", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.GameProperties = props(16, 32, 96) }, nil, nil},
		{"17 GameProperties", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.GameProperties = props(17, 2, 1) },
			gamelift.ErrInvalidRequest, []string{"GameProperties", "17", "16"}},
		{"GameProperties key 33", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.GameProperties = props(2, 33, 1) },
			gamelift.ErrInvalidRequest, []string{"GameProperties[0].Key", "33", "32"}},
		{"GameProperties value 97", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.GameProperties = props(2, 2, 97) },
			gamelift.ErrInvalidRequest, []string{"GameProperties[0].Value", "97", "96"}},
		{"SNS topic", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.NotificationTarget = "arn:aws:sns:us-west-2:111122223333:My_Topic-1"
		}, nil, nil},
		{"FIFO SNS topic", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.NotificationTarget = "arn:aws:sns:us-west-2:111122223333:events.fifo"
		}, nil, nil},
		{"NotificationTarget with a dot", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.NotificationTarget = "arn:aws:sns:us-west-2:111122223333:my.topic"
		}, gamelift.ErrInvalidRequest, []string{"NotificationTarget", "my.topic", "300"}},
		{"NotificationTarget with a space", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.NotificationTarget = "my topic" },
			gamelift.ErrInvalidRequest, []string{"NotificationTarget", "my topic"}},
		{"http webhook", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.NotificationTarget = "http://127.0.0.1:8080/flexmatch/events"
		}, nil, nil},
		{"https webhook", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.NotificationTarget = "https://hooks.example.com/mm"
		}, nil, nil},
		{"webhook without a host", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.NotificationTarget = "http:///events" },
			gamelift.ErrInvalidRequest, []string{"NotificationTarget", "http:// or https:// URL"}},
		{"webhook with credentials", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.NotificationTarget = "https://user:pw@example.com/"
		},
			gamelift.ErrInvalidRequest, []string{"NotificationTarget"}},
		{"ftp target", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.NotificationTarget = "ftp://example.com/x" },
			gamelift.ErrInvalidRequest, []string{"NotificationTarget"}},
		{"NotificationTarget 301", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.NotificationTarget = strings.Repeat("a", 301)
		},
			gamelift.ErrInvalidRequest, []string{"NotificationTarget", "300"}},
		{"explicit STANDALONE", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.FlexMatchMode = gamelift.ModeStandalone }, nil, nil},
		{"unknown FlexMatchMode", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.FlexMatchMode = "standalone" },
			gamelift.ErrInvalidRequest, []string{"FlexMatchMode", `"standalone"`, "STANDALONE or WITH_QUEUE"}},
		{"AUTOMATIC backfill", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.BackfillMode = gamelift.BackfillAuto }, nil, nil},
		{"unknown BackfillMode", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.BackfillMode = "SOMETIMES" },
			gamelift.ErrInvalidRequest, []string{"BackfillMode", "SOMETIMES", "AUTOMATIC or MANUAL"}},
		{"STANDALONE with queues", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.GameSessionQueueArns = []string{queueArn} },
			gamelift.ErrInvalidRequest, []string{"GameSessionQueueArns", "STANDALONE"}},
		{"WITH_QUEUE with a queue", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.FlexMatchMode, in.GameSessionQueueArns = gamelift.ModeWithQueue, []string{queueArn}
		}, nil, nil},
		{"WITH_QUEUE without queues", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.FlexMatchMode = gamelift.ModeWithQueue },
			gamelift.ErrInvalidRequest, []string{"GameSessionQueueArns", "required", "WITH_QUEUE"}},
		{"WITH_QUEUE with a bad queue", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.FlexMatchMode, in.GameSessionQueueArns = gamelift.ModeWithQueue, []string{queueArn, "bad queue!"}
		}, gamelift.ErrInvalidRequest, []string{"GameSessionQueueArns[1]", "bad queue!", "512"}},
		{"WITH_QUEUE with a queue of 513", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.FlexMatchMode, in.GameSessionQueueArns = gamelift.ModeWithQueue, []string{strings.Repeat("q", 513)}
		}, gamelift.ErrInvalidRequest, []string{"GameSessionQueueArns[0]", "512"}},
		{"WITH_QUEUE AdditionalPlayerCount leaving one slot", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.FlexMatchMode, in.GameSessionQueueArns, in.AdditionalPlayerCount = gamelift.ModeWithQueue, []string{queueArn}, 1
		}, nil, nil},
		{"WITH_QUEUE AdditionalPlayerCount filling the match", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.FlexMatchMode, in.GameSessionQueueArns, in.AdditionalPlayerCount = gamelift.ModeWithQueue, []string{queueArn}, 2
		}, gamelift.ErrInvalidRequest, []string{"AdditionalPlayerCount", "2", "at most 2 players"}},
		{"last expansion at the timeout (D5)", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.RuleSetName, in.RequestTimeoutSeconds = "slow", 30
		}, nil, nil},
		{"last expansion beyond the timeout (D5)", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.RuleSetName, in.RequestTimeoutSeconds = "slow", 29
		}, gamelift.ErrInvalidRequest, []string{"RequestTimeoutSeconds", "29", "slow", "30 seconds", "within the request timeout"}},
		{"rule set by ARN", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.RuleSetName = "arn:aws:gamelift:local:000000000000:matchmakingruleset/duel"
		}, nil, nil},
		{"no rule set", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.RuleSetName = "" },
			gamelift.ErrInvalidRequest, []string{"RuleSetName", "required"}},
		{"unknown rule set", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.RuleSetName = "nope" },
			gamelift.ErrNotFound, []string{"rule set", "nope"}},
		{"rule set given as a configuration ARN", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.RuleSetName = "arn:aws:gamelift:local:000000000000:matchmakingconfiguration/duel"
		}, gamelift.ErrInvalidRequest, []string{"RuleSetName", "ARN"}},
		{"no name", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.Name = "" },
			gamelift.ErrInvalidRequest, []string{"Name", "required"}},
		{"bad name", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.Name = "new/one" },
			gamelift.ErrInvalidRequest, []string{"Name", "new/one"}},
		{"name of 129", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.Name = strings.Repeat("c", 129) },
			gamelift.ErrInvalidRequest, []string{"Name", "129", "128"}},
		{"duplicate name", func(in *gamelift.CreateMatchmakingConfigurationInput) { in.Name = "solo" },
			gamelift.ErrInvalidRequest, []string{"solo", "already exists"}},
		{"bad tag", func(in *gamelift.CreateMatchmakingConfigurationInput) {
			in.Tags = []gamelift.Tag{{Key: strings.Repeat("k", 129)}}
		},
			gamelift.ErrInvalidRequest, []string{"Tags[0].Key", "128"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, gamelift.Options{})
			f.ruleSet("slow", slowBody)
			in := validConfig()
			tt.mod(&in)
			if tt.kind != nil {
				f.reject(func() error {
					_, err := f.e.CreateMatchmakingConfiguration(f.now, in)
					return err
				}, tt.kind, tt.want...)
				return
			}
			got := f.config(in)
			checkCreated(t, f, in, got)
		})
	}
}

// checkCreated compares a created configuration with its input.
func checkCreated(t *testing.T, f *fixture, in gamelift.CreateMatchmakingConfigurationInput, got gamelift.MatchmakingConfiguration) {
	t.Helper()
	rsName := in.RuleSetName[strings.LastIndex(in.RuleSetName, "/")+1:]
	want := gamelift.MatchmakingConfiguration{
		Name: in.Name, ConfigurationArn: "arn:aws:gamelift:local:000000000000:matchmakingconfiguration/" + in.Name,
		Description: in.Description, GameSessionQueueArns: in.GameSessionQueueArns,
		RequestTimeoutSeconds: in.RequestTimeoutSeconds, AcceptanceTimeoutSeconds: in.AcceptanceTimeoutSeconds,
		AcceptanceRequired: in.AcceptanceRequired, RuleSetName: rsName,
		RuleSetArn:         "arn:aws:gamelift:local:000000000000:matchmakingruleset/" + rsName,
		NotificationTarget: in.NotificationTarget, AdditionalPlayerCount: in.AdditionalPlayerCount,
		CustomEventData: in.CustomEventData, CreationTime: gamelift.Time{Time: f.now}, GameProperties: in.GameProperties,
		GameSessionData: in.GameSessionData, BackfillMode: cmpOr(in.BackfillMode, gamelift.BackfillManual),
		FlexMatchMode: cmpOr(in.FlexMatchMode, gamelift.ModeStandalone),
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Errorf("created\n %s\nwant\n %s", gj, wj)
	}
	listed, _, err := f.e.DescribeMatchmakingConfigurations([]string{in.Name}, "", 0, "")
	if lj, _ := json.Marshal(listed); err != nil || string(lj) != "["+string(wj)+"]" {
		t.Errorf("described %s, %v; want [%s]", lj, err, wj)
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func TestConfigurationLimit(t *testing.T) {
	f := newFixture(t, gamelift.Options{MaxConfigurations: 5})
	f.reject(func() error {
		_, err := f.e.CreateMatchmakingConfiguration(f.now, validConfig())
		return err
	}, gamelift.ErrLimitExceeded, "5 configurations", "limit is 5")
	if err := f.e.DeleteMatchmakingConfiguration(svcT0, "latency"); err != nil {
		t.Fatal(err)
	}
	f.config(validConfig())
}

func TestDescribeMatchmakingConfigurations(t *testing.T) {
	f := newFixture(t, gamelift.Options{})
	names := func(cs []gamelift.MatchmakingConfiguration) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	all, next, err := f.e.DescribeMatchmakingConfigurations(nil, "", 0, "")
	if want := []string{"accept", "latency", "queue", "short", "solo"}; err != nil || next != "" || !slices.Equal(names(all), want) {
		t.Errorf("all = %v, %q, %v; want %v", names(all), next, err, want)
	}
	var paged [][]string
	for token := ""; ; {
		cs, next, err := f.e.DescribeMatchmakingConfigurations(nil, "", 2, token)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, names(cs))
		if token = next; token == "" {
			break
		}
	}
	if want := [][]string{{"accept", "latency"}, {"queue", "short"}, {"solo"}}; !equalPages(paged, want) {
		t.Errorf("pages of 2 = %v, want %v", paged, want)
	}
	got, _, err := f.e.DescribeMatchmakingConfigurations([]string{"solo", "nope", "arn:aws:gamelift:local:000000000000:matchmakingconfiguration/queue"}, "", 0, "")
	if want := []string{"solo", "queue"}; err != nil || !slices.Equal(names(got), want) {
		t.Errorf("named = %v, %v; want %v (unknown names left out, ARNs resolved)", names(got), err, want)
	}
	got, _, err = f.e.DescribeMatchmakingConfigurations(nil, "ping", 0, "")
	if want := []string{"latency"}; err != nil || !slices.Equal(names(got), want) {
		t.Errorf("by rule set = %v, %v; want %v", names(got), err, want)
	}
	got, _, err = f.e.DescribeMatchmakingConfigurations(nil, "arn:aws:gamelift:local:000000000000:matchmakingruleset/duel", 0, "")
	if want := []string{"accept", "queue", "short", "solo"}; err != nil || !slices.Equal(names(got), want) {
		t.Errorf("by rule set ARN = %v, %v; want %v", names(got), err, want)
	}
	for _, tc := range []struct {
		names       []string
		rs          string
		limit       int
		token, want string
	}{
		{nil, "", 11, "", "Limit"},
		{nil, "", -1, "", "Limit"},
		{[]string{"bad name"}, "", 0, "", "Names[0]"},
		{nil, "bad rs!", 0, "", "RuleSetName"},
		{nil, "", 0, "zzz", "NextToken"},
	} {
		_, _, err := f.e.DescribeMatchmakingConfigurations(tc.names, tc.rs, tc.limit, tc.token)
		wantAPIError(t, err, gamelift.ErrInvalidRequest, tc.want)
	}
}

func TestUpdateMatchmakingConfiguration(t *testing.T) {
	f := newFixture(t, gamelift.Options{})
	f.ruleSet("slow", slowBody)
	up := func(in gamelift.UpdateMatchmakingConfigurationInput) gamelift.MatchmakingConfiguration {
		t.Helper()
		c, err := f.e.UpdateMatchmakingConfiguration(svcT0, in)
		if err != nil {
			t.Fatalf("UpdateMatchmakingConfiguration: %v", err)
		}
		return c
	}
	before, _, _ := f.e.DescribeMatchmakingConfigurations([]string{"solo"}, "", 0, "")
	c := up(gamelift.UpdateMatchmakingConfigurationInput{Name: "solo"}) // nothing changes
	if bj, cj := mustJSON(t, before[0]), mustJSON(t, c); bj != cj {
		t.Errorf("empty update changed %s to %s", bj, cj)
	}
	c = up(gamelift.UpdateMatchmakingConfigurationInput{
		Name:                     "arn:aws:gamelift:local:000000000000:matchmakingconfiguration/solo",
		Description:              gamelift.Ptr("updated"),
		RequestTimeoutSeconds:    gamelift.Ptr(90),
		AcceptanceRequired:       gamelift.Ptr(true),
		AcceptanceTimeoutSeconds: gamelift.Ptr(20),
		CustomEventData:          gamelift.Ptr("bar"),
		GameProperties:           &[]gamelift.GameProperty{{Key: "k", Value: "v"}},
		GameSessionData:          gamelift.Ptr("data"),
		NotificationTarget:       gamelift.Ptr("arn:aws:sns:local:000000000000:topic"),
		BackfillMode:             gamelift.Ptr(gamelift.BackfillAuto),
		FlexMatchMode:            gamelift.Ptr(gamelift.ModeWithQueue),
		GameSessionQueueArns:     &[]string{queueArn},
		AdditionalPlayerCount:    gamelift.Ptr(1),
		RuleSetName:              gamelift.Ptr("slow"),
	})
	want := before[0]
	want.Description, want.RequestTimeoutSeconds, want.AcceptanceRequired, want.AcceptanceTimeoutSeconds = "updated", 90, true, 20
	want.CustomEventData, want.GameProperties, want.GameSessionData = "bar", []gamelift.GameProperty{{Key: "k", Value: "v"}}, "data"
	want.NotificationTarget, want.BackfillMode, want.FlexMatchMode = "arn:aws:sns:local:000000000000:topic", gamelift.BackfillAuto, gamelift.ModeWithQueue
	want.GameSessionQueueArns, want.AdditionalPlayerCount = []string{queueArn}, 1
	want.RuleSetName, want.RuleSetArn = "slow", "arn:aws:gamelift:local:000000000000:matchmakingruleset/slow"
	if cj, wj := mustJSON(t, c), mustJSON(t, want); cj != wj {
		t.Errorf("updated to\n %s\nwant\n %s", cj, wj)
	}
	// The rule set moved: duel is still used by others, slow now by solo.
	f.reject(func() error { return f.e.DeleteMatchmakingRuleSet(svcT0, "slow") }, gamelift.ErrInvalidRequest, "slow", "solo")

	type mod = gamelift.UpdateMatchmakingConfigurationInput
	bad := []struct {
		name string
		in   mod
		kind error
		want []string
	}{
		{"unknown", mod{Name: "nope", Description: gamelift.Ptr("x")}, gamelift.ErrNotFound, []string{"nope"}},
		{"no name", mod{}, gamelift.ErrInvalidRequest, []string{"Name", "required"}},
		{"bad name", mod{Name: "bad name"}, gamelift.ErrInvalidRequest, []string{"Name", "bad name"}},
		{"timeout 0 with a valid change", mod{Name: "accept", Description: gamelift.Ptr("x"), RequestTimeoutSeconds: gamelift.Ptr(0)},
			gamelift.ErrInvalidRequest, []string{"RequestTimeoutSeconds", "1 to 43200"}},
		{"acceptance 601", mod{Name: "accept", AcceptanceTimeoutSeconds: gamelift.Ptr(601)},
			gamelift.ErrInvalidRequest, []string{"AcceptanceTimeoutSeconds", "601", "600"}},
		{"acceptance without timeout", mod{Name: "short", AcceptanceRequired: gamelift.Ptr(true)},
			gamelift.ErrInvalidRequest, []string{"AcceptanceTimeoutSeconds", "required"}},
		{"WITH_QUEUE without queues", mod{Name: "short", FlexMatchMode: gamelift.Ptr(gamelift.ModeWithQueue)},
			gamelift.ErrInvalidRequest, []string{"GameSessionQueueArns", "WITH_QUEUE"}},
		{"STANDALONE keeping queues", mod{Name: "queue", FlexMatchMode: gamelift.Ptr(gamelift.ModeStandalone)},
			gamelift.ErrInvalidRequest, []string{"GameSessionQueueArns", "STANDALONE"}},
		{"unknown mode", mod{Name: "short", FlexMatchMode: gamelift.Ptr("NEVER")},
			gamelift.ErrInvalidRequest, []string{"FlexMatchMode", "NEVER"}},
		{"long description", mod{Name: "short", Description: gamelift.Ptr(strings.Repeat("d", 1025))},
			gamelift.ErrInvalidRequest, []string{"Description", "1024"}},
		{"unknown rule set", mod{Name: "short", RuleSetName: gamelift.Ptr("nope")}, gamelift.ErrNotFound, []string{"nope"}},
		{"bad rule set name", mod{Name: "short", RuleSetName: gamelift.Ptr("")}, gamelift.ErrInvalidRequest, []string{"RuleSetName"}},
		{"rule set expanding beyond the timeout (D5)", mod{Name: "short", RuleSetName: gamelift.Ptr("slow")},
			gamelift.ErrInvalidRequest, []string{"RequestTimeoutSeconds", "1", "slow", "30"}},
		{"timeout below the last expansion (D5)", mod{Name: "solo", RequestTimeoutSeconds: gamelift.Ptr(29)},
			gamelift.ErrInvalidRequest, []string{"RequestTimeoutSeconds", "29", "30"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			f.t = t
			f.reject(func() error {
				_, err := f.e.UpdateMatchmakingConfiguration(svcT0, tt.in)
				return err
			}, tt.kind, tt.want...)
		})
	}
	f.t = t
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestUpdateRuleSetReresolvesTickets changes a configuration's rule set
// while tickets wait: QUEUED and SEARCHING tickets (those that could not
// match under the old rule set included) are resolved against the new one.
func TestUpdateRuleSetReresolvesTickets(t *testing.T) {
	const defaulted = `{
	  "ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 50},
	                       {"name": "rank", "type": "number", "default": 1},
	                       {"name": "mode", "type": "string", "default": "x"}],
	  "teams": [{"name": "all", "minPlayers": 3, "maxPlayers": 3}],
	  "rules": [
	    {"name": "A", "type": "comparison", "operation": ">=", "measurements": ["min(flatten(teams[*].players.attributes[rank]))"], "referenceValue": 0},
	    {"name": "B", "type": "comparison", "operation": ">=", "measurements": ["min(flatten(teams[*].players.attributes[skill]))"], "referenceValue": 0},
	    {"name": "C", "type": "comparison", "operation": "=", "measurements": ["flatten(teams[*].players.attributes[mode])"]}]
	}`
	f := newFixture(t, gamelift.Options{})
	f.ruleSet("defaulted", defaulted)
	f.config(gamelift.CreateMatchmakingConfigurationInput{Name: "moving", RuleSetName: "duel", RequestTimeoutSeconds: 60})
	f.start("far", "moving", player("m-far", 1000))              // SEARCHING: nobody within 10
	f.start("bare", "moving", ticket.Player{PlayerID: "m-bare"}) // SEARCHING, MISSING_ATTRIBUTE (D20)
	f.step(time.Second)
	if tk := f.status("bare"); tk.StatusReason != ticket.ReasonMissingAttribute {
		t.Fatalf("bare: %s %q, want MISSING_ATTRIBUTE", tk.Status, tk.StatusReason)
	}
	f.start("late", "moving", player("m-late", 2000)) // QUEUED at the update
	if _, err := f.e.UpdateMatchmakingConfiguration(svcT0, gamelift.UpdateMatchmakingConfigurationInput{Name: "moving", RuleSetName: gamelift.Ptr("defaulted")}); err != nil {
		t.Fatal(err)
	}
	evs := f.step(time.Second)
	succeeded := ofType(evs, gamelift.EventMatchmakingSucceeded)
	if len(succeeded) != 1 {
		t.Fatalf("after the update Step gave %v, want the three waiting tickets matched", types(evs))
	}
	got := eventTicketIDs(succeeded[0])
	want := []string{f.tickets["far"], f.tickets["bare"], f.tickets["late"]}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("matched %v, want %v", got, want)
	}
	for _, label := range []string{"far", "bare", "late"} {
		tk := f.status(label)
		if tk.Status != ticket.StatusCompleted || tk.StatusReason != "" {
			t.Errorf("%s: %s %q, want COMPLETED without a reason", label, tk.Status, tk.StatusReason)
		}
		if tk.Players[0].Team != "all" {
			t.Errorf("%s: team %q, want all", label, tk.Players[0].Team)
		}
	}
	data, ok := f.e.MatchmakerData(succeeded[0].Detail.MatchID)
	if !ok || len(data.Teams) != 1 || len(data.Teams[0].Players) != 3 {
		t.Fatalf("matchmaker data %+v, %v", data, ok)
	}
	for _, p := range data.Teams[0].Players {
		if len(p.Attributes) != 3 {
			t.Errorf("player %s has attributes %v, want skill, rank and mode of the new rule set", p.PlayerID, p.Attributes)
		}
	}
	if pm := ofType(evs, gamelift.EventPotentialMatchCreated); len(pm) != 1 || len(pm[0].Detail.RuleEvaluationMetrics) != 3 {
		t.Errorf("PotentialMatchCreated %+v, want one carrying the three rules of the new rule set", pm)
	}
}

// TestUpdateRuleSetIncompatibleTickets moves waiting tickets to a rule set
// that declares their attribute with another type, and one with more
// rules: the tickets stay describable, say why they cannot match, and time
// out normally.
func TestUpdateRuleSetIncompatibleTickets(t *testing.T) {
	const stringSkill = `{
	  "ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "string", "default": "gold"}],
	  "teams": [{"name": "all", "minPlayers": 2, "maxPlayers": 2}],
	  "rules": [
	    {"name": "A", "type": "comparison", "operation": "=", "measurements": ["flatten(teams[*].players.attributes[skill])"]},
	    {"name": "B", "type": "comparison", "operation": "=", "measurements": ["flatten(teams[*].players.attributes[skill])"]},
	    {"name": "C", "type": "comparison", "operation": "=", "measurements": ["flatten(teams[*].players.attributes[skill])"]}]
	}`
	f := newFixture(t, gamelift.Options{})
	f.ruleSet("string-skill", stringSkill)
	f.config(gamelift.CreateMatchmakingConfigurationInput{Name: "moving", RuleSetName: "duel", RequestTimeoutSeconds: 10})
	f.start("a", "moving", player("m-a", 1))
	f.start("b", "moving", player("m-b", 500))
	f.step(time.Second) // evaluated under duel: one rule's metrics
	f.start("c", "moving", player("m-c", 2))
	if _, err := f.e.UpdateMatchmakingConfiguration(svcT0, gamelift.UpdateMatchmakingConfigurationInput{Name: "moving", RuleSetName: gamelift.Ptr("string-skill")}); err != nil {
		t.Fatal(err)
	}
	evs := f.step(time.Second)
	if n := len(ofType(evs, gamelift.EventPotentialMatchCreated)); n != 0 {
		t.Fatalf("tickets whose skill is a number matched under a rule set declaring it a string: %v", types(evs))
	}
	for _, label := range []string{"a", "b", "c"} {
		tk := f.status(label)
		if tk.Status != ticket.StatusSearching || tk.StatusReason == "" || !strings.Contains(tk.StatusMessage, "skill") {
			t.Errorf("%s: %s %q %q, want SEARCHING with a reason naming skill", label, tk.Status, tk.StatusReason, tk.StatusMessage)
		}
	}
	if _, err := f.e.DescribeMatchmaking([]string{f.tickets["a"], f.tickets["b"], f.tickets["c"]}); err != nil {
		t.Fatal(err)
	}
	evs = f.step(10 * time.Second)
	timedOut := ofType(evs, gamelift.EventMatchmakingTimedOut)
	if len(timedOut) != 3 {
		t.Fatalf("after the request timeout Step gave %v, want three MatchmakingTimedOut", types(evs))
	}
	for _, ev := range timedOut {
		if n := len(ev.Detail.RuleEvaluationMetrics); n != 3 {
			t.Errorf("MatchmakingTimedOut lists %d rules, want the 3 of the current rule set", n)
		}
	}
	// A ticket submitted now is checked against the new rule set.
	f.reject(func() error {
		_, err := f.e.StartMatchmaking(f.now, gamelift.StartMatchmakingInput{ConfigurationName: "moving", Players: []ticket.Player{player("m-d", 1)}})
		return err
	}, gamelift.ErrInvalidRequest, "Players[0].PlayerAttributes.skill")
}

// TestUpdateRuleSetDuringAcceptance refuses to change the rule set while a
// match made under the current one is still in progress.
func TestUpdateRuleSetDuringAcceptance(t *testing.T) {
	f := newFixture(t, gamelift.Options{})
	f.ruleSet("other", svcDuelBody)
	for _, name := range []string{"accept", "queue"} {
		f.reject(func() error {
			_, err := f.e.UpdateMatchmakingConfiguration(svcT0, gamelift.UpdateMatchmakingConfigurationInput{Name: name, RuleSetName: gamelift.Ptr("other")})
			return err
		}, gamelift.ErrInvalidRequest, name, "RuleSetName")
		// Other fields may change.
		if _, err := f.e.UpdateMatchmakingConfiguration(svcT0, gamelift.UpdateMatchmakingConfigurationInput{Name: name, Description: gamelift.Ptr("x")}); err != nil {
			t.Errorf("update of %s's description: %v", name, err)
		}
	}
	if err := f.e.StopMatchmaking(f.now, f.tickets["accept-1"]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.UpdateMatchmakingConfiguration(svcT0, gamelift.UpdateMatchmakingConfigurationInput{Name: "accept", RuleSetName: gamelift.Ptr("other")}); err != nil {
		t.Errorf("update once the acceptance ended: %v", err)
	}
}

func TestDeleteMatchmakingConfiguration(t *testing.T) {
	f := newFixture(t, gamelift.Options{})
	f.reject(func() error { return f.e.DeleteMatchmakingConfiguration(svcT0, "solo") }, gamelift.ErrInvalidRequest, "solo", "3 active tickets")
	f.reject(func() error { return f.e.DeleteMatchmakingConfiguration(svcT0, "accept") }, gamelift.ErrInvalidRequest, "accept", "2 active tickets")
	f.reject(func() error { return f.e.DeleteMatchmakingConfiguration(svcT0, "queue") }, gamelift.ErrInvalidRequest, "queue", "2 active tickets")
	f.reject(func() error { return f.e.DeleteMatchmakingConfiguration(svcT0, "nope") }, gamelift.ErrNotFound, "nope")
	f.reject(func() error { return f.e.DeleteMatchmakingConfiguration(svcT0, "") }, gamelift.ErrInvalidRequest, "Name")
	f.reject(func() error {
		return f.e.DeleteMatchmakingConfiguration(svcT0, "arn:aws:gamelift:local:000000000000:matchmakingruleset/short")
	}, gamelift.ErrInvalidRequest, "Name", "ARN")
	// Only terminal tickets: deletable, by ARN; its retained tickets stay
	// describable.
	if err := f.e.DeleteMatchmakingConfiguration(svcT0, "arn:aws:gamelift:local:000000000000:matchmakingconfiguration/short"); err != nil {
		t.Fatal(err)
	}
	if tk := f.status("timedout"); tk.Status != ticket.StatusTimedOut || tk.ConfigurationName != "short" {
		t.Errorf("retained ticket of a deleted configuration: %+v", tk)
	}
	_, err := f.e.StartMatchmaking(f.now, gamelift.StartMatchmakingInput{ConfigurationName: "short", Players: []ticket.Player{player("z", 1)}})
	wantAPIError(t, err, gamelift.ErrNotFound, "short")
	for _, label := range []string{"searching", "missing", "queued"} {
		if err := f.e.StopMatchmaking(f.now, f.tickets[label]); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.e.DeleteMatchmakingConfiguration(svcT0, "solo"); err != nil {
		t.Errorf("delete once every ticket ended: %v", err)
	}
	f.step(time.Second) // a step over the remaining configurations
}

// TestDeleteConfigurationStopsAutomaticBackfill: once a configuration is
// deleted, a player leaving one of its game sessions opens no backfill
// ticket (it would sit QUEUED in a configuration nothing steps).
func TestDeleteConfigurationStopsAutomaticBackfill(t *testing.T) {
	const pairs = `{"ruleLanguageVersion": "1.0",
	  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 2}, {"name": "blue", "minPlayers": 1, "maxPlayers": 2}]}`
	f := newFixture(t, gamelift.Options{})
	f.ruleSet("pairs", pairs)
	f.config(gamelift.CreateMatchmakingConfigurationInput{Name: "auto", RuleSetName: "pairs", RequestTimeoutSeconds: 5, BackfillMode: gamelift.BackfillAuto})
	f.start("x", "auto", ticket.Player{PlayerID: "px"})
	f.start("y", "auto", ticket.Player{PlayerID: "py"})
	f.step(time.Second)
	mid := f.matches["x"]
	d, ok := f.e.MatchmakerData(mid)
	if !ok || d.AutoBackfillTicketID == nil {
		t.Fatalf("no automatic backfill ticket after a match with open slots: %+v", d)
	}
	f.reject(func() error { return f.e.DeleteMatchmakingConfiguration(svcT0, "auto") }, gamelift.ErrInvalidRequest, "1 active ticket;")
	f.step(5 * time.Second) // the backfill ticket times out
	if tk := f.status(*d.AutoBackfillTicketID); tk.Status != ticket.StatusTimedOut {
		t.Fatalf("backfill ticket %s, want TIMED_OUT", tk.Status)
	}
	if err := f.e.DeleteMatchmakingConfiguration(svcT0, "auto"); err != nil {
		t.Fatal(err)
	}
	if err := f.e.ReportPlayersLeft(f.now, mid, []string{"px"}); err != nil {
		t.Fatal(err)
	}
	if now, _ := f.e.MatchmakerData(mid); now.AutoBackfillTicketID != nil && *now.AutoBackfillTicketID != *d.AutoBackfillTicketID {
		tk, _ := f.e.Ticket(*now.AutoBackfillTicketID)
		t.Errorf("a backfill ticket was opened for a deleted configuration: %s %s", tk.TicketID, tk.Status)
	}
}

func TestStartMatchmaking(t *testing.T) {
	f := newFixture(t, gamelift.Options{Engine: engine.Config{Seed: 42}})
	tk, err := f.e.StartMatchmaking(f.now, gamelift.StartMatchmakingInput{
		TicketID: "my-ticket.1", ConfigurationName: "arn:aws:gamelift:local:000000000000:matchmakingconfiguration/solo",
		Players: []ticket.Player{
			{PlayerID: "x1", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(3), "extra": ticket.String("kept")},
				LatencyInMs: map[string]int{"us-east-1": 20}},
			{PlayerID: "x2", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(4), "mode": ticket.String("casual")}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tk.TicketID != "my-ticket.1" || tk.Status != ticket.StatusQueued || tk.ConfigurationName != "solo" ||
		tk.ConfigurationArn != "arn:aws:gamelift:local:000000000000:matchmakingconfiguration/solo" ||
		!tk.StartTime.Equal(f.now) || !tk.EndTime.IsZero() || tk.EstimatedWaitTime != nil || tk.GameSessionConnectionInfo != nil {
		t.Errorf("StartMatchmaking returned %+v", tk)
	}
	if len(tk.Players) != 2 || tk.Players[0].PlayerAttributes["extra"].S() != "kept" || tk.Players[0].LatencyInMs["us-east-1"] != 20 ||
		tk.Players[1].PlayerAttributes["mode"].S() != "casual" {
		t.Errorf("players not echoed: %+v", tk.Players)
	}
	if d, err := f.e.DescribeMatchmaking([]string{"my-ticket.1"}); err != nil || len(d) != 1 || mustJSON(t, d[0]) != mustJSON(t, tk) {
		t.Errorf("DescribeMatchmaking = %+v, %v; want %+v", d, err, tk)
	}
	evs := f.step(time.Second)
	var searching []string
	for _, ev := range ofType(evs, gamelift.EventMatchmakingSearching) {
		searching = append(searching, eventTicketIDs(ev)...)
	}
	if want := []string{f.tickets["queued"], "my-ticket.1"}; len(evs) != 2 || !slices.Equal(searching, want) {
		t.Errorf("Step gave %v for %v, want MatchmakingSearching for %v, in arrival order", types(evs), searching, want)
	}
	if got := f.status("my-ticket.1"); got.Status != ticket.StatusSearching {
		t.Errorf("after a step: %s, want SEARCHING", got.Status)
	}

	// Generated ids: UUIDs from the seeded source, the same for the same
	// seed and inputs (D21).
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	g := newFixture(t, gamelift.Options{Engine: engine.Config{Seed: 42}})
	g2 := newFixture(t, gamelift.Options{Engine: engine.Config{Seed: 42}})
	h := newFixture(t, gamelift.Options{Engine: engine.Config{Seed: 43}})
	for _, label := range slices.Sorted(maps.Keys(g.tickets)) {
		if !uuid.MatchString(g.tickets[label]) {
			t.Errorf("generated ticket id %q is not a version-4 UUID", g.tickets[label])
		}
		if g.tickets[label] != f.tickets[label] {
			t.Errorf("ticket %s: id %s with seed 42, then %s with seed 42 again", label, f.tickets[label], g.tickets[label])
		}
		if g.tickets[label] == h.tickets[label] {
			t.Errorf("ticket %s: id %s with seeds 42 and 43", label, g.tickets[label])
		}
	}
	if a, b := mustJSON(t, g.events), mustJSON(t, g2.events); a != b {
		t.Error("the same seed and inputs gave different events")
	}
	if a, b := mustJSON(t, g.events), mustJSON(t, h.events); a == b {
		t.Error("different seeds gave the same events")
	}
}

func TestStartMatchmakingErrors(t *testing.T) {
	many := make([]ticket.Player, 11)
	for i := range many {
		many[i] = player(fmt.Sprint("many-", i), 1)
	}
	tests := []struct {
		name string
		in   gamelift.StartMatchmakingInput
		kind error
		want []string
	}{
		{"no configuration", gamelift.StartMatchmakingInput{Players: []ticket.Player{player("n", 1)}},
			gamelift.ErrInvalidRequest, []string{"ConfigurationName", "required"}},
		{"unknown configuration", gamelift.StartMatchmakingInput{ConfigurationName: "nope", Players: []ticket.Player{player("n", 1)}},
			gamelift.ErrNotFound, []string{"configuration", "nope"}},
		{"rule set ARN as configuration", gamelift.StartMatchmakingInput{ConfigurationName: "arn:aws:gamelift:local:000000000000:matchmakingruleset/duel",
			Players: []ticket.Player{player("n", 1)}}, gamelift.ErrInvalidRequest, []string{"ConfigurationName"}},
		{"no players", gamelift.StartMatchmakingInput{ConfigurationName: "solo"}, gamelift.ErrInvalidRequest, []string{"Players", "at least 1"}},
		{"11 players", gamelift.StartMatchmakingInput{ConfigurationName: "solo", Players: many}, gamelift.ErrInvalidRequest, []string{"Players", "11", "10"}},
		{"empty player id", gamelift.StartMatchmakingInput{ConfigurationName: "solo", Players: []ticket.Player{player("", 1)}},
			gamelift.ErrInvalidRequest, []string{"Players[0].PlayerId", "empty", "1024"}},
		{"repeated player", gamelift.StartMatchmakingInput{ConfigurationName: "solo", Players: []ticket.Player{player("n", 1), player("n", 2)}},
			gamelift.ErrInvalidRequest, []string{"Players[1].PlayerId", "Players[0]"}},
		{"every problem listed", gamelift.StartMatchmakingInput{ConfigurationName: "solo", Players: []ticket.Player{
			{PlayerID: "n", PlayerAttributes: map[string]ticket.AttributeValue{"mode": ticket.String(strings.Repeat("m", 101))}},
			{PlayerID: "o", LatencyInMs: map[string]int{"us-east-1": 0}},
		}}, gamelift.ErrInvalidRequest, []string{"Players[0].PlayerAttributes.mode.S", "101", "100", "Players[1].LatencyInMs.us-east-1", "at least 1"}},
		{"wrong attribute type", gamelift.StartMatchmakingInput{ConfigurationName: "solo", Players: []ticket.Player{
			player("n", 1),
			{PlayerID: "o", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.String("high")}, LatencyInMs: map[string]int{"new-location": 5}},
		}}, gamelift.ErrInvalidRequest, []string{"Players[1].PlayerAttributes.skill", "S", "number"}},
		{"wrong attribute type after a new location", gamelift.StartMatchmakingInput{ConfigurationName: "solo", Players: []ticket.Player{
			{PlayerID: "n", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(1)}, LatencyInMs: map[string]int{"brand-new": 5}},
			{PlayerID: "o", PlayerAttributes: map[string]ticket.AttributeValue{"mode": ticket.Number(1)}},
		}}, gamelift.ErrInvalidRequest, []string{"Players[1].PlayerAttributes.mode", "string"}},
		{"bad ticket id", gamelift.StartMatchmakingInput{TicketID: "my ticket", ConfigurationName: "solo", Players: []ticket.Player{player("n", 1)}},
			gamelift.ErrInvalidRequest, []string{"TicketId", "my ticket", "letters, digits"}},
		{"ticket id of 129", gamelift.StartMatchmakingInput{TicketID: strings.Repeat("t", 129), ConfigurationName: "solo", Players: []ticket.Player{player("n", 1)}},
			gamelift.ErrInvalidRequest, []string{"TicketId", "129", "128"}},
		{"ticket id in use", gamelift.StartMatchmakingInput{TicketID: "<searching>", ConfigurationName: "solo", Players: []ticket.Player{player("n", 1)}},
			gamelift.ErrInvalidRequest, []string{"TicketId", "already in use"}},
		{"ticket id of a finished ticket", gamelift.StartMatchmakingInput{TicketID: "<timedout>", ConfigurationName: "solo", Players: []ticket.Player{player("n", 1)}},
			gamelift.ErrInvalidRequest, []string{"TicketId", "already in use"}},
		{"player of a PLACING ticket (D17)", gamelift.StartMatchmakingInput{ConfigurationName: "solo", Players: []ticket.Player{player("p-s", 1), player("p-q2", 1)}},
			gamelift.ErrInvalidRequest, []string{"Players[1].PlayerId", "p-q2", "PLACING", "<placing-2>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, gamelift.Options{})
			in := tt.in
			in.TicketID = f.expand(in.TicketID)
			want := slices.Clone(tt.want)
			for i := range want {
				want[i] = f.expand(want[i])
			}
			f.reject(func() error {
				_, err := f.e.StartMatchmaking(f.now, in)
				return err
			}, tt.kind, want...)
			// The searching ticket whose player the PLACING case also named
			// is not cancelled.
			if s := f.status("searching").Status; s != ticket.StatusSearching {
				t.Errorf("searching ticket is %s after the rejected request", s)
			}
		})
	}
}

// expand replaces <label> with the ticket id of label.
func (f *fixture) expand(s string) string {
	for label, id := range f.tickets {
		s = strings.ReplaceAll(s, "<"+label+">", id)
	}
	return s
}

// TestDuplicatePlayer covers D17: a new ticket naming a player of an older
// active ticket cancels the older one.
func TestDuplicatePlayer(t *testing.T) {
	for _, label := range []string{"queued", "searching", "missing"} {
		t.Run(label, func(t *testing.T) {
			f := newFixture(t, gamelift.Options{})
			old := f.status(label)
			pid := old.Players[0].PlayerID
			nt := f.start("new", "latency", ticket.Player{PlayerID: "fresh", LatencyInMs: map[string]int{"a": 1}}, ticket.Player{PlayerID: pid, LatencyInMs: map[string]int{"a": 1}})
			evs := f.drain()
			if len(evs) != 1 || evs[0].Detail.Type != gamelift.EventMatchmakingCancelled || !slices.Equal(eventTicketIDs(evs[0]), []string{old.TicketID}) {
				t.Fatalf("events %v, want one MatchmakingCancelled for the older ticket", types(evs))
			}
			d := evs[0].Detail
			if d.Reason != "Cancelled" || !strings.Contains(d.Message, "duplicate player") || !strings.Contains(d.Message, nt.TicketID) {
				t.Errorf("event reason %q message %q", d.Reason, d.Message)
			}
			got := f.status(label)
			if got.Status != ticket.StatusCancelled || got.StatusReason != ticket.ReasonDuplicatePlayer ||
				!strings.Contains(got.StatusMessage, "duplicate player") || !got.EndTime.Equal(f.now) {
				t.Errorf("older ticket: %s %q %q end %v", got.Status, got.StatusReason, got.StatusMessage, got.EndTime)
			}
			if got := f.status("new"); got.Status != ticket.StatusQueued {
				t.Errorf("new ticket: %s", got.Status)
			}
			// The player now belongs to the new ticket: a third ticket
			// cancels the new one, not the old.
			f.start("third", "solo", player(pid, 1))
			evs = f.drain()
			if len(evs) != 1 || !slices.Equal(eventTicketIDs(evs[0]), []string{nt.TicketID}) {
				t.Errorf("third ticket cancelled %v, want only the new ticket", evs)
			}
		})
	}

	t.Run("REQUIRES_ACCEPTANCE", func(t *testing.T) {
		for _, partnerAccepted := range []bool{false, true} {
			t.Run(fmt.Sprint("partner accepted ", partnerAccepted), func(t *testing.T) {
				f := newFixture(t, gamelift.Options{})
				if partnerAccepted {
					if err := f.e.AcceptMatch(f.now, gamelift.AcceptMatchInput{TicketID: f.tickets["accept-2"], PlayerIDs: []string{"p-a2"}, AcceptanceType: gamelift.Accept}); err != nil {
						t.Fatal(err)
					}
					f.drain()
				}
				f.start("new", "solo", player("p-a1", 10))
				evs := f.drain()
				// The duplicate counts as the older ticket's rejection: the
				// acceptance ends first, then one event per state change.
				want := []string{gamelift.EventAcceptMatchCompleted, gamelift.EventMatchmakingCancelled}
				if partnerAccepted {
					want = []string{gamelift.EventAcceptMatchCompleted, gamelift.EventMatchmakingCancelled, gamelift.EventMatchmakingSearching}
				}
				if !slices.Equal(types(evs), want) {
					t.Fatalf("events %v, want %v", types(evs), want)
				}
				if got := evs[0].Detail.Acceptance; got != gamelift.AcceptanceRejected {
					t.Errorf("acceptance %q, want Rejected", got)
				}
				if got := f.status("accept-1"); got.Status != ticket.StatusCancelled || got.StatusReason != ticket.ReasonDuplicatePlayer {
					t.Errorf("older ticket %s %q, want CANCELLED DUPLICATE_PLAYER", got.Status, got.StatusReason)
				}
				partner := f.status("accept-2")
				if partnerAccepted {
					if partner.Status != ticket.StatusSearching || partner.StatusReason != "" || partner.Players[0].Team != "" {
						t.Errorf("fully accepted partner %s %q team %q, want SEARCHING without a team (D15)", partner.Status, partner.StatusReason, partner.Players[0].Team)
					}
				} else if partner.Status != ticket.StatusCancelled || partner.StatusReason != ticket.ReasonAcceptanceRejected {
					t.Errorf("silent partner %s %q, want CANCELLED ACCEPTANCE_REJECTED (D15)", partner.Status, partner.StatusReason)
				}
			})
		}
	})
}

// TestBlockedTickets covers D20 and D11: tickets that are accepted but can
// never match say why, and time out.
func TestBlockedTickets(t *testing.T) {
	f := newFixture(t, gamelift.Options{})
	tk := f.status("missing")
	if tk.StatusReason != ticket.ReasonMissingAttribute || !strings.Contains(tk.StatusMessage, `"skill"`) {
		t.Errorf("missing attribute: %q %q, want MISSING_ATTRIBUTE naming skill", tk.StatusReason, tk.StatusMessage)
	}
	f.start("no-latency-1", "latency", ticket.Player{PlayerID: "l1"})
	f.start("no-latency-2", "latency", ticket.Player{PlayerID: "l2"})
	f.start("with-latency", "latency", ticket.Player{PlayerID: "l3", LatencyInMs: map[string]int{"us-east-1": 10}})
	if got := f.status("no-latency-1"); got.StatusReason != "" {
		t.Errorf("a QUEUED ticket already has reason %q", got.StatusReason)
	}
	evs := f.step(time.Second)
	if n := len(ofType(evs, gamelift.EventPotentialMatchCreated)); n != 0 {
		t.Errorf("tickets without latency matched (D11): %v", types(evs))
	}
	for _, label := range []string{"no-latency-1", "no-latency-2"} {
		got := f.status(label)
		if got.Status != ticket.StatusSearching || got.StatusReason != ticket.ReasonMissingAttribute || !strings.Contains(got.StatusMessage, "LatencyInMs") {
			t.Errorf("%s: %s %q %q, want SEARCHING MISSING_ATTRIBUTE naming LatencyInMs", label, got.Status, got.StatusReason, got.StatusMessage)
		}
	}
	if got := f.status("with-latency"); got.StatusReason != "" {
		t.Errorf("ticket with latency: reason %q", got.StatusReason)
	}
	f.step(60 * time.Second)
	for _, label := range []string{"missing", "no-latency-1", "no-latency-2"} {
		got := f.status(label)
		if got.Status != ticket.StatusTimedOut || got.StatusReason != ticket.ReasonRequestTimeout {
			t.Errorf("%s: %s %q, want TIMED_OUT REQUEST_TIMEOUT", label, got.Status, got.StatusReason)
		}
	}
}

func TestDescribeMatchmaking(t *testing.T) {
	f := newFixture(t, gamelift.Options{})
	ids := []string{f.tickets["queued"], "unknown-1", f.tickets["completed-1"], f.tickets["timedout"], "unknown-2",
		f.tickets["searching"], f.tickets["placing-1"], f.tickets["failed-2"], f.tickets["accept-2"], f.tickets["stopped"]}
	got, err := f.e.DescribeMatchmaking(ids)
	if err != nil {
		t.Fatal(err)
	}
	var gotIDs []string
	for _, tk := range got {
		gotIDs = append(gotIDs, tk.TicketID)
	}
	want := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return strings.HasPrefix(id, "unknown") })
	if !slices.Equal(gotIDs, want) {
		t.Errorf("described %v, want %v (asked order, unknown ids left out)", gotIDs, want)
	}
	if got, err := f.e.DescribeMatchmaking([]string{"unknown"}); err != nil || len(got) != 0 {
		t.Errorf("unknown only: %v, %v; want none", got, err)
	}
	for _, tc := range []struct {
		ids  []string
		want []string
	}{
		{nil, []string{"TicketIds", "required", "1 to 10"}},
		{append(slices.Clone(ids), "eleventh"), []string{"TicketIds", "11", "10"}},
		{[]string{"ok", "bad id"}, []string{"TicketIds[1]", "bad id"}},
		{[]string{strings.Repeat("x", 129)}, []string{"TicketIds[0]", "129", "128"}},
	} {
		f.reject(func() error {
			_, err := f.e.DescribeMatchmaking(tc.ids)
			return err
		}, gamelift.ErrInvalidRequest, tc.want...)
	}
}

func TestStopMatchmaking(t *testing.T) {
	for _, label := range []string{"queued", "searching", "missing"} {
		t.Run(label, func(t *testing.T) {
			f := newFixture(t, gamelift.Options{})
			f.now = f.now.Add(time.Millisecond)
			if err := f.e.StopMatchmaking(f.now, f.tickets[label]); err != nil {
				t.Fatal(err)
			}
			evs := f.drain()
			if len(evs) != 1 || evs[0].Detail.Type != gamelift.EventMatchmakingCancelled || !slices.Equal(eventTicketIDs(evs[0]), []string{f.tickets[label]}) {
				t.Fatalf("events %v, want one MatchmakingCancelled", types(evs))
			}
			d := evs[0].Detail
			if d.Reason != "Cancelled" || d.Message != "Cancelled by request." || d.MatchID != "" || d.CustomEventData != "foo" {
				t.Errorf("detail %+v", d)
			}
			got := f.status(label)
			if got.Status != ticket.StatusCancelled || got.StatusReason != ticket.ReasonCancelledByRequest ||
				got.StatusMessage != "Cancelled by request." || !got.EndTime.Equal(f.now) || got.EstimatedWaitTime != nil {
				t.Errorf("ticket %+v", got)
			}
			// Its players are free again.
			f.start("again", "solo", got.Players...)
			if evs := f.drain(); len(evs) != 0 {
				t.Errorf("a new ticket for the stopped ticket's players caused %v", types(evs))
			}
			f.reject(func() error { return f.e.StopMatchmaking(f.now, f.tickets[label]) }, gamelift.ErrInvalidRequest, "CANCELLED")
		})
	}
	t.Run("REQUIRES_ACCEPTANCE", func(t *testing.T) {
		f := newFixture(t, gamelift.Options{})
		if err := f.e.StopMatchmaking(f.now, f.tickets["accept-2"]); err != nil {
			t.Fatal(err)
		}
		// The stop counts as its players' rejection: the acceptance ends
		// first, then the match's cancelled tickets share one event (D15, D18).
		evs := f.drain()
		if want := []string{gamelift.EventAcceptMatchCompleted, gamelift.EventMatchmakingCancelled}; !slices.Equal(types(evs), want) {
			t.Fatalf("events %v, want %v", types(evs), want)
		}
		if evs[0].Detail.MatchID != f.matches["accept-2"] || evs[0].Detail.Acceptance != gamelift.AcceptanceRejected ||
			evs[1].Detail.MatchID != f.matches["accept-2"] || len(evs[1].Detail.Tickets) != 2 || evs[1].Detail.Message != "Cancelled by request." {
			t.Errorf("events %+v", evs)
		}
		if got := f.status("accept-2"); got.StatusReason != ticket.ReasonCancelledByRequest {
			t.Errorf("stopped ticket reason %q", got.StatusReason)
		}
		if got := f.status("accept-1"); got.Status != ticket.StatusCancelled || got.StatusReason != ticket.ReasonAcceptanceRejected {
			t.Errorf("partner %s %q, want CANCELLED ACCEPTANCE_REJECTED", got.Status, got.StatusReason)
		}
	})
	f := newFixture(t, gamelift.Options{})
	for label, want := range map[string]string{
		"placing-1": "PLACING", "completed-1": "COMPLETED", "failed-1": "FAILED", "stopped": "CANCELLED", "timedout": "TIMED_OUT",
	} {
		f.reject(func() error { return f.e.StopMatchmaking(f.now, f.tickets[label]) }, gamelift.ErrInvalidRequest, f.tickets[label], want, "cannot be cancelled")
	}
	f.reject(func() error { return f.e.StopMatchmaking(f.now, "unknown") }, gamelift.ErrNotFound, "unknown")
	f.reject(func() error { return f.e.StopMatchmaking(f.now, "") }, gamelift.ErrInvalidRequest, "TicketId", "required")
	f.reject(func() error { return f.e.StopMatchmaking(f.now, "bad id") }, gamelift.ErrInvalidRequest, "TicketId", "bad id")
}

func accept(f *fixture, label string, typ string, players ...string) error {
	return f.e.AcceptMatch(f.now, gamelift.AcceptMatchInput{TicketID: f.tickets[label], PlayerIDs: players, AcceptanceType: typ})
}

// mustAccept records the players' answers, which must be taken.
func (f *fixture) mustAccept(label string, typ string, players ...string) {
	f.t.Helper()
	if err := accept(f, label, typ, players...); err != nil {
		f.t.Fatal(err)
	}
}

func TestAcceptMatchErrors(t *testing.T) {
	f := newFixture(t, gamelift.Options{})
	f.mustAccept("accept-1", gamelift.Accept, "p-a1")
	f.drain()
	tests := []struct {
		name string
		in   gamelift.AcceptMatchInput
		kind error
		want []string
	}{
		{"no ticket", gamelift.AcceptMatchInput{PlayerIDs: []string{"p-a2"}, AcceptanceType: gamelift.Accept}, gamelift.ErrInvalidRequest, []string{"TicketId", "required"}},
		{"bad ticket id", gamelift.AcceptMatchInput{TicketID: "a b", PlayerIDs: []string{"p-a2"}, AcceptanceType: gamelift.Accept}, gamelift.ErrInvalidRequest, []string{"TicketId", "a b"}},
		{"unknown ticket", gamelift.AcceptMatchInput{TicketID: "nope", PlayerIDs: []string{"p-a2"}, AcceptanceType: gamelift.Accept}, gamelift.ErrNotFound, []string{"nope"}},
		{"bad type", gamelift.AcceptMatchInput{TicketID: "<accept-2>", PlayerIDs: []string{"p-a2"}, AcceptanceType: "accept"}, gamelift.ErrInvalidRequest, []string{"AcceptanceType", `"accept"`, "ACCEPT or REJECT"}},
		{"no players", gamelift.AcceptMatchInput{TicketID: "<accept-2>", AcceptanceType: gamelift.Accept}, gamelift.ErrInvalidRequest, []string{"PlayerIds", "required"}},
		{"empty player id", gamelift.AcceptMatchInput{TicketID: "<accept-2>", PlayerIDs: []string{"p-a2", ""}, AcceptanceType: gamelift.Accept}, gamelift.ErrInvalidRequest, []string{"PlayerIds[1]", "1 to 1024"}},
		{"foreign player after a valid one", gamelift.AcceptMatchInput{TicketID: "<accept-2>", PlayerIDs: []string{"p-a2", "p-a1"}, AcceptanceType: gamelift.Accept},
			gamelift.ErrInvalidRequest, []string{"PlayerIds[1]", "p-a1", "not a player of ticket <accept-2>"}},
		{"changed answer", gamelift.AcceptMatchInput{TicketID: "<accept-1>", PlayerIDs: []string{"p-a1"}, AcceptanceType: gamelift.Reject},
			gamelift.ErrInvalidRequest, []string{"PlayerIds[0]", "p-a1", "already answered"}},
		{"SEARCHING ticket", gamelift.AcceptMatchInput{TicketID: "<searching>", PlayerIDs: []string{"p-s"}, AcceptanceType: gamelift.Accept},
			gamelift.ErrInvalidRequest, []string{"<searching>", "SEARCHING", "REQUIRES_ACCEPTANCE"}},
		{"QUEUED ticket", gamelift.AcceptMatchInput{TicketID: "<queued>", PlayerIDs: []string{"p-qd"}, AcceptanceType: gamelift.Reject},
			gamelift.ErrInvalidRequest, []string{"QUEUED", "REQUIRES_ACCEPTANCE"}},
		{"PLACING ticket", gamelift.AcceptMatchInput{TicketID: "<placing-1>", PlayerIDs: []string{"p-q1"}, AcceptanceType: gamelift.Accept},
			gamelift.ErrInvalidRequest, []string{"PLACING", "REQUIRES_ACCEPTANCE"}},
		{"COMPLETED ticket", gamelift.AcceptMatchInput{TicketID: "<completed-1>", PlayerIDs: []string{"p-c1"}, AcceptanceType: gamelift.Accept},
			gamelift.ErrInvalidRequest, []string{"COMPLETED", "REQUIRES_ACCEPTANCE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.t = t
			in := tt.in
			in.TicketID = f.expand(in.TicketID)
			want := slices.Clone(tt.want)
			for i := range want {
				want[i] = f.expand(want[i])
			}
			f.reject(func() error { return f.e.AcceptMatch(f.now, in) }, tt.kind, want...)
		})
	}
	f.t = t
}

func TestAcceptMatch(t *testing.T) {
	t.Run("all accept, STANDALONE", func(t *testing.T) {
		f := newFixture(t, gamelift.Options{})
		f.mustAccept("accept-1", gamelift.Accept, "p-a1")
		evs := f.drain()
		if !slices.Equal(types(evs), []string{gamelift.EventAcceptMatch}) {
			t.Fatalf("first answer: %v", types(evs))
		}
		for _, p := range evs[0].Detail.GameSessionInfo.Players {
			switch {
			case p.PlayerID == "p-a1" && (p.Accepted == nil || !*p.Accepted):
				t.Errorf("AcceptMatch player %+v, want accepted true", p)
			case p.PlayerID == "p-a2" && p.Accepted != nil:
				t.Errorf("silent player %+v, want accepted absent", p)
			}
		}
		if got := f.status("accept-1"); got.Status != ticket.StatusRequiresAcceptance {
			t.Errorf("after one answer: %s", got.Status)
		}
		// Answering again with the same answer changes nothing.
		f.drain()
		before := f.snapshot()
		if err := accept(f, "accept-1", gamelift.Accept, "p-a1"); err != nil {
			t.Errorf("repeating an answer: %v", err)
		}
		if evs := f.drain(); len(evs) != 0 || f.snapshot() != before {
			t.Errorf("repeating an answer caused %v", types(evs))
		}
		f.now = f.now.Add(2 * time.Second)
		f.mustAccept("accept-2", gamelift.Accept, "p-a2")
		evs = f.drain()
		if want := []string{gamelift.EventAcceptMatch, gamelift.EventAcceptMatchCompleted, gamelift.EventMatchmakingSucceeded}; !slices.Equal(types(evs), want) {
			t.Fatalf("last answer: %v, want %v", types(evs), want)
		}
		if evs[1].Detail.Acceptance != gamelift.AcceptanceAccepted {
			t.Errorf("acceptance %q", evs[1].Detail.Acceptance)
		}
		for _, label := range []string{"accept-1", "accept-2"} {
			got := f.status(label)
			if got.Status != ticket.StatusCompleted || !got.EndTime.Equal(f.now) || got.Players[0].Team == "" {
				t.Errorf("%s: %+v, want COMPLETED with a team", label, got)
			}
		}
		// After completion, answers are refused.
		f.reject(func() error { return accept(f, "accept-1", gamelift.Accept, "p-a1") }, gamelift.ErrInvalidRequest, "COMPLETED")
	})

	t.Run("all accept, WITH_QUEUE", func(t *testing.T) {
		f := newFixture(t, gamelift.Options{})
		f.config(gamelift.CreateMatchmakingConfigurationInput{Name: "qa", RuleSetName: "duel", RequestTimeoutSeconds: 60,
			AcceptanceRequired: true, AcceptanceTimeoutSeconds: 10, FlexMatchMode: gamelift.ModeWithQueue, GameSessionQueueArns: []string{queueArn}})
		f.start("z", "qa", player("qa-z", 1))
		f.start("w", "qa", player("qa-w", 2))
		evs := f.step(time.Second)
		if n := len(ofType(evs, gamelift.EventPotentialMatchCreated)); n != 1 {
			t.Fatalf("Step gave %v, want one potential match of z and w", types(evs))
		}
		f.mustAccept("z", gamelift.Accept, "qa-z")
		f.mustAccept("w", gamelift.Accept, "qa-w")
		evs = f.drain()
		if want := []string{gamelift.EventAcceptMatch, gamelift.EventAcceptMatch, gamelift.EventAcceptMatchCompleted}; !slices.Equal(types(evs), want) {
			t.Fatalf("events %v, want %v", types(evs), want)
		}
		if got := statusAfter(&evs[2], true); got != ticket.StatusPlacing {
			t.Errorf("StatusAfter(AcceptMatchCompleted) = %q, want PLACING", got)
		}
		for _, label := range []string{"z", "w"} {
			if got := f.status(label); got.Status != ticket.StatusPlacing || !got.EndTime.IsZero() {
				t.Errorf("%s: %s, want PLACING", label, got.Status)
			}
		}
		// The acceptance deadline no longer applies.
		evs = f.step(time.Minute)
		if got := f.status("z"); got.Status != ticket.StatusPlacing {
			t.Errorf("after the acceptance deadline: %s %v", got.Status, types(evs))
		}
	})

	t.Run("reject", func(t *testing.T) {
		f := newFixture(t, gamelift.Options{})
		f.ruleSet("quad", quadBody)
		f.config(gamelift.CreateMatchmakingConfigurationInput{Name: "quad", RuleSetName: "quad", RequestTimeoutSeconds: 60,
			AcceptanceRequired: true, AcceptanceTimeoutSeconds: 10})
		f.start("r", "quad", player("r1", 1), player("r2", 1))
		f.start("s", "quad", player("s1", 1))
		f.start("u", "quad", player("u1", 1))
		evs := f.step(time.Second)
		if n := len(ofType(evs, gamelift.EventPotentialMatchCreated)); n != 1 {
			t.Fatalf("Step gave %v, want one potential match", types(evs))
		}
		f.mustAccept("s", gamelift.Accept, "s1")
		f.mustAccept("r", gamelift.Accept, "r1") // r2 stays silent
		f.drain()
		f.mustAccept("u", gamelift.Reject, "u1")
		evs = f.drain()
		want := []string{gamelift.EventAcceptMatch, gamelift.EventAcceptMatchCompleted, gamelift.EventMatchmakingCancelled, gamelift.EventMatchmakingSearching}
		if !slices.Equal(types(evs), want) {
			t.Fatalf("events %v, want %v", types(evs), want)
		}
		var rejected *bool
		for _, tk := range evs[0].Detail.Tickets {
			if tk.TicketID == f.tickets["u"] {
				rejected = tk.Players[0].Accepted
			}
		}
		if rejected == nil || *rejected {
			t.Errorf("AcceptMatch shows the rejecting player as %v, want accepted false", rejected)
		}
		if evs[1].Detail.Acceptance != gamelift.AcceptanceRejected {
			t.Errorf("acceptance %q, want Rejected", evs[1].Detail.Acceptance)
		}
		cancelled := eventTicketIDs(evs[2])
		sort.Strings(cancelled)
		wantCancelled := []string{f.tickets["r"], f.tickets["u"]}
		sort.Strings(wantCancelled)
		if !slices.Equal(cancelled, wantCancelled) {
			t.Errorf("cancelled %v, want the rejecting and the partly silent ticket %v", cancelled, wantCancelled)
		}
		if got := eventTicketIDs(evs[3]); !slices.Equal(got, []string{f.tickets["s"]}) {
			t.Errorf("searching again %v, want the fully accepted ticket", got)
		}
		for label, reason := range map[string]string{"u": ticket.ReasonAcceptanceRejected, "r": ticket.ReasonAcceptanceRejected} {
			if got := f.status(label); got.Status != ticket.StatusCancelled || got.StatusReason != reason {
				t.Errorf("%s: %s %q, want CANCELLED %s", label, got.Status, got.StatusReason, reason)
			}
		}
		if got := f.status("s"); got.Status != ticket.StatusSearching || got.Players[0].Team != "" || !got.EndTime.IsZero() {
			t.Errorf("s: %+v, want SEARCHING without a team", got)
		}
		f.reject(func() error { return accept(f, "s", gamelift.Accept, "s1") }, gamelift.ErrInvalidRequest, "SEARCHING")
	})

	t.Run("timeout", func(t *testing.T) {
		f := newFixture(t, gamelift.Options{})
		f.mustAccept("accept-1", gamelift.Accept, "p-a1")
		f.drain()
		evs := f.step(29 * time.Second) // the match was made at svcT0+1s with 30 seconds to answer
		if len(ofType(evs, gamelift.EventAcceptMatchCompleted)) != 0 {
			t.Fatalf("acceptance ended early: %v", types(evs))
		}
		evs = f.step(time.Second)
		var acc []gamelift.Event
		for _, ev := range evs {
			if ev.Resources[0] == "arn:aws:gamelift:local:000000000000:matchmakingconfiguration/accept" {
				acc = append(acc, ev)
			}
		}
		want := []string{gamelift.EventAcceptMatchCompleted, gamelift.EventMatchmakingCancelled, gamelift.EventMatchmakingSearching}
		if !slices.Equal(types(acc), want) {
			t.Fatalf("events %v, want %v", types(acc), want)
		}
		if acc[0].Detail.Acceptance != gamelift.AcceptanceTimedOut {
			t.Errorf("acceptance %q, want TimedOut", acc[0].Detail.Acceptance)
		}
		if got := f.status("accept-2"); got.Status != ticket.StatusCancelled || got.StatusReason != ticket.ReasonAcceptanceTimeout {
			t.Errorf("silent ticket %s %q, want CANCELLED ACCEPTANCE_TIMEOUT", got.Status, got.StatusReason)
		}
		if got := f.status("accept-1"); got.Status != ticket.StatusSearching {
			t.Errorf("accepted ticket %s, want SEARCHING", got.Status)
		}
		f.reject(func() error { return accept(f, "accept-2", gamelift.Accept, "p-a2") }, gamelift.ErrInvalidRequest, "CANCELLED")
	})
}

// quadBody: one team of four, for acceptance with parties.
const quadBody = `{
  "ruleLanguageVersion": "1.0",
  "playerAttributes": [{"name": "skill", "type": "number"}],
  "teams": [{"name": "four", "minPlayers": 4, "maxPlayers": 4}]
}`

func TestPlacement(t *testing.T) {
	f := newFixture(t, gamelift.Options{})
	mid := f.matches["placing-1"]
	if mid == "" || f.matches["placing-2"] != mid {
		t.Fatalf("placing tickets are in matches %q and %q", mid, f.matches["placing-2"])
	}
	for _, label := range []string{"placing-1", "placing-2"} {
		if got := f.status(label); got.Status != ticket.StatusPlacing || got.GameSessionConnectionInfo != nil || got.Players[0].Team == "" {
			t.Errorf("%s: %+v, want PLACING with a team", label, got)
		}
	}
	const arn = "arn:aws:gamelift:local::gamesession/fleet-1/gs-1"
	bad := []struct {
		in   gamelift.CompletePlacementInput
		kind error
		want []string
	}{
		{gamelift.CompletePlacementInput{GameSessionArn: arn}, gamelift.ErrInvalidRequest, []string{"MatchId", "required"}},
		{gamelift.CompletePlacementInput{MatchID: "nope", GameSessionArn: arn}, gamelift.ErrNotFound, []string{"nope"}},
		{gamelift.CompletePlacementInput{MatchID: f.matches["completed-1"], GameSessionArn: arn}, gamelift.ErrInvalidRequest, []string{f.matches["completed-1"], "PLACING"}},
		{gamelift.CompletePlacementInput{MatchID: f.matches["accept-1"], GameSessionArn: arn}, gamelift.ErrInvalidRequest, []string{"PLACING"}},
		{gamelift.CompletePlacementInput{MatchID: f.matches["failed-1"], GameSessionArn: arn}, gamelift.ErrInvalidRequest, []string{"PLACING"}},
		{gamelift.CompletePlacementInput{MatchID: mid}, gamelift.ErrInvalidRequest, []string{"GameSessionArn", "512"}},
		{gamelift.CompletePlacementInput{MatchID: mid, GameSessionArn: "bad arn"}, gamelift.ErrInvalidRequest, []string{"GameSessionArn", "bad arn"}},
		{gamelift.CompletePlacementInput{MatchID: mid, GameSessionArn: arn, IPAddress: "example.com"}, gamelift.ErrInvalidRequest, []string{"IpAddress", "example.com"}},
		{gamelift.CompletePlacementInput{MatchID: mid, GameSessionArn: arn, Port: 70000}, gamelift.ErrInvalidRequest, []string{"Port", "70000", "65535"}},
		{gamelift.CompletePlacementInput{MatchID: mid, GameSessionArn: arn, Port: -1}, gamelift.ErrInvalidRequest, []string{"Port", "-1"}},
		{gamelift.CompletePlacementInput{MatchID: mid, GameSessionArn: f.matches["completed-1"]}, gamelift.ErrInvalidRequest, []string{"GameSessionArn", "already belongs"}},
	}
	for _, tc := range bad {
		f.reject(func() error { return f.e.CompletePlacement(f.now, tc.in) }, tc.kind, tc.want...)
	}
	f.reject(func() error { return f.e.FailPlacement(f.now, gamelift.FailPlacementInput{}) }, gamelift.ErrInvalidRequest, "MatchId")
	f.reject(func() error { return f.e.FailPlacement(f.now, gamelift.FailPlacementInput{MatchID: "nope"}) }, gamelift.ErrNotFound, "nope")
	f.reject(func() error {
		return f.e.FailPlacement(f.now, gamelift.FailPlacementInput{MatchID: f.matches["completed-1"]})
	}, gamelift.ErrInvalidRequest, "PLACING")

	f.now = f.now.Add(3 * time.Second)
	in := gamelift.CompletePlacementInput{MatchID: mid, GameSessionArn: arn, IPAddress: "10.0.0.7", DNSName: "gs-1.example.com", Port: 7777}
	if err := f.e.CompletePlacement(f.now, in); err != nil {
		t.Fatal(err)
	}
	evs := f.drain()
	if len(evs) != 1 || evs[0].Detail.Type != gamelift.EventMatchmakingSucceeded {
		t.Fatalf("events %v, want MatchmakingSucceeded", types(evs))
	}
	gs := evs[0].Detail.GameSessionInfo
	if gs.GameSessionArn != arn || gs.IPAddress != "10.0.0.7" || gs.DNSName != "gs-1.example.com" || gs.Port != 7777 || len(gs.Players) != 2 {
		t.Errorf("gameSessionInfo %+v", gs)
	}
	sessions := map[string]string{}
	for _, p := range gs.Players {
		if !strings.HasPrefix(p.PlayerSessionID, "psess-") || p.Team == "" {
			t.Errorf("event player %+v, want a psess- id and a team", p)
		}
		sessions[p.PlayerID] = p.PlayerSessionID
	}
	for _, label := range []string{"placing-1", "placing-2"} {
		got := f.status(label)
		ci := got.GameSessionConnectionInfo
		if got.Status != ticket.StatusCompleted || !got.EndTime.Equal(f.now) || ci == nil {
			t.Fatalf("%s: %+v, want COMPLETED with connection info", label, got)
		}
		if ci.GameSessionArn != arn || ci.IPAddress != "10.0.0.7" || ci.DNSName != "gs-1.example.com" || ci.Port != 7777 ||
			len(ci.MatchedPlayerSessions) != 1 || ci.MatchedPlayerSessions[0].PlayerID != got.Players[0].PlayerID ||
			ci.MatchedPlayerSessions[0].PlayerSessionID != sessions[got.Players[0].PlayerID] {
			t.Errorf("%s: connection info %+v, want the session and the player's psess- id from the event", label, ci)
		}
	}
	for _, id := range []string{mid, arn} {
		if d, ok := f.e.MatchmakerData(id); !ok || d.MatchID != mid {
			t.Errorf("MatchmakerData(%s) = %+v, %v", id, d, ok)
		}
	}
	f.reject(func() error { return f.e.CompletePlacement(f.now, in) }, gamelift.ErrInvalidRequest, "PLACING")

	// FailPlacement: the other queue match, made fresh.
	f.start("g1", "queue", player("g1", 700))
	f.start("g2", "queue", player("g2", 701))
	f.step(time.Second)
	if err := f.e.FailPlacement(f.now, gamelift.FailPlacementInput{MatchID: f.matches["g1"], Reason: "FLEET_FULL"}); err != nil {
		t.Fatal(err)
	}
	evs = f.drain()
	if len(evs) != 1 || evs[0].Detail.Type != gamelift.EventMatchmakingFailed || evs[0].Detail.Reason != "FLEET_FULL" ||
		evs[0].Detail.MatchID != f.matches["g1"] || !strings.Contains(evs[0].Detail.Message, "FLEET_FULL") || len(evs[0].Detail.Tickets) != 2 {
		t.Fatalf("events %+v, want one MatchmakingFailed for both tickets", evs)
	}
	for _, label := range []string{"g1", "g2"} {
		if got := f.status(label); got.Status != ticket.StatusFailed || got.StatusReason != ticket.ReasonPlacementFailed || !got.EndTime.Equal(f.now) {
			t.Errorf("%s: %s %q", label, got.Status, got.StatusReason)
		}
	}
	if got := f.status("failed-1"); got.Status != ticket.StatusFailed || got.StatusReason != ticket.ReasonPlacementFailed ||
		!strings.Contains(got.StatusMessage, "UNEXPECTED_ERROR") {
		t.Errorf("failed without a reason: %s %q %q, want UNEXPECTED_ERROR in the message", got.Status, got.StatusReason, got.StatusMessage)
	}
	// Players of failed tickets may search again.
	f.start("g1-again", "solo", player("g1", 700))
	if evs := f.drain(); len(evs) != 0 {
		t.Errorf("new ticket for a failed ticket's player caused %v", types(evs))
	}
}

// By default events do not carry the matchmaker data (it costs a map per
// player); MatchmakerData returns it all the same.
func TestEventMatchmakerDataIsOptIn(t *testing.T) {
	f := newFixture(t, gamelift.Options{})
	evs := ofType(f.events, gamelift.EventMatchmakingSucceeded)
	if len(evs) != 1 {
		t.Fatalf("fixture events: %v", types(f.events))
	}
	if evs[0].Detail.MatchmakerData != nil {
		t.Errorf("MatchmakingSucceeded carries matchmaker data without Config.EventMatchmakerData")
	}
	if d, ok := f.e.MatchmakerData(evs[0].Detail.MatchID); !ok || d.MatchID != evs[0].Detail.MatchID || len(d.Teams) == 0 {
		t.Errorf("MatchmakerData(%s) = %+v, %v; want the document", evs[0].Detail.MatchID, d, ok)
	}
}

func TestStandaloneCompletion(t *testing.T) {
	f := newFixture(t, gamelift.Options{EventMatchmakerData: true})
	evs := ofType(f.events, gamelift.EventMatchmakingSucceeded)
	if len(evs) != 1 {
		t.Fatalf("fixture events: %v", types(f.events))
	}
	d := evs[0].Detail
	if d.GameSessionInfo.GameSessionArn != "" || d.GameSessionInfo.IPAddress != "" || d.MatchmakerData == nil || d.CustomEventData != "foo" {
		t.Errorf("STANDALONE MatchmakingSucceeded %+v, want no game session and the matchmaker data", d)
	}
	for _, p := range d.GameSessionInfo.Players {
		if p.PlayerSessionID != "" || p.Team == "" {
			t.Errorf("STANDALONE player %+v, want a team and no player session", p)
		}
	}
	for _, label := range []string{"completed-1", "completed-2"} {
		got := f.status(label)
		if got.Status != ticket.StatusCompleted || got.StatusReason != "" || got.EstimatedWaitTime != nil {
			t.Errorf("%s: %+v", label, got)
		}
	}
	teams := []string{f.status("completed-1").Players[0].Team, f.status("completed-2").Players[0].Team}
	sort.Strings(teams)
	if !slices.Equal(teams, []string{"blue", "red"}) {
		t.Errorf("teams %v, want one player on each", teams)
	}
}

func TestEstimatedWaitTime(t *testing.T) {
	e := mustEngine(t, gamelift.Options{})
	if _, err := e.CreateMatchmakingRuleSet(svcT0, gamelift.CreateMatchmakingRuleSetInput{Name: "duel", RuleSetBody: svcDuelBody}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateMatchmakingConfiguration(svcT0, gamelift.CreateMatchmakingConfigurationInput{Name: "c", RuleSetName: "duel", RequestTimeoutSeconds: 600}); err != nil {
		t.Fatal(err)
	}
	start := func(now time.Time, id string, skill float64) gamelift.MatchmakingTicket {
		t.Helper()
		tk, err := e.StartMatchmaking(now, gamelift.StartMatchmakingInput{ConfigurationName: "c", Players: []ticket.Player{player(id, skill)}})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	now := svcT0
	var waits []time.Duration
	for i := range 4 {
		// A match of two tickets that waited different times: two samples.
		a := start(now, fmt.Sprint("a", i), 100*float64(i))
		now = now.Add(time.Duration(i+1) * 1300 * time.Millisecond)
		b := start(now, fmt.Sprint("b", i), 100*float64(i))
		now = now.Add(time.Duration(i+2) * time.Second)
		if evs := e.Step(now); len(ofType(evs, gamelift.EventMatchmakingSucceeded)) != 1 {
			t.Fatalf("match %d: %v", i, types(evs))
		}
		waits = append(waits, now.Sub(a.StartTime.Time), now.Sub(b.StartTime.Time))

		// A lonely ticket: its MatchmakingSearching event and its view
		// carry the estimate.
		lonely := start(now, fmt.Sprint("lonely", i), 1e6*float64(i+1))
		if lonely.EstimatedWaitTime != nil {
			// QUEUED tickets carry it too, when there is one.
			if len(waits) < 5 {
				t.Errorf("QUEUED ticket has an estimate of %d after %d samples", *lonely.EstimatedWaitTime, len(waits))
			}
		}
		evs := ofType(e.Step(now), gamelift.EventMatchmakingSearching)
		tk, _ := e.Ticket(lonely.TicketID)
		if len(evs) != 1 {
			t.Fatalf("MatchmakingSearching events %v, want one", evs)
		}
		w := evs[0].Detail.EstimatedWaitMillis
		if len(waits) < 5 {
			if tk.EstimatedWaitTime != nil {
				t.Errorf("after %d samples EstimatedWaitTime = %d, want absent", len(waits), *tk.EstimatedWaitTime)
			}
			if w == nil || w.Available || mustJSON(t, w) != `"NOT_AVAILABLE"` {
				t.Errorf("after %d samples estimatedWaitMillis = %+v, want NOT_AVAILABLE", len(waits), w)
			}
			continue
		}
		var sum float64
		for _, d := range waits {
			sum += d.Seconds()
		}
		want := int(sum/float64(len(waits)) + 0.5)
		if tk.EstimatedWaitTime == nil || *tk.EstimatedWaitTime != want {
			t.Errorf("after %d samples %v EstimatedWaitTime = %v, want %d", len(waits), waits, tk.EstimatedWaitTime, want)
		}
		if lonely.EstimatedWaitTime == nil || *lonely.EstimatedWaitTime != want {
			t.Errorf("QUEUED ticket's EstimatedWaitTime = %v, want %d", lonely.EstimatedWaitTime, want)
		}
		if w == nil || !w.Available || w.Seconds != want || mustJSON(t, w) != fmt.Sprint(want) {
			t.Errorf("after %d samples estimatedWaitMillis = %+v, want %d seconds", len(waits), w, want)
		}
		// Terminal tickets carry no estimate.
		if err := e.StopMatchmaking(now, lonely.TicketID); err != nil {
			t.Fatal(err)
		}
		if tk, _ := e.Ticket(lonely.TicketID); tk.EstimatedWaitTime != nil {
			t.Errorf("cancelled ticket has EstimatedWaitTime %d", *tk.EstimatedWaitTime)
		}
	}
}

func TestTicketRetention(t *testing.T) {
	f := newFixture(t, gamelift.Options{Engine: engine.Config{TicketRetention: 10 * time.Minute}})
	ended := f.now // stopped, timed out, completed, failed: all ended at svcT0+1s
	counts := f.e.Engine().Counts()
	if counts[ticket.StatusCancelled] != 1 || counts[ticket.StatusCompleted] != 2 || counts[ticket.StatusFailed] != 2 || counts[ticket.StatusTimedOut] != 1 {
		t.Fatalf("counts %v", counts)
	}
	// Meanwhile the acceptance (30 s) and the solo tickets (60 s) run out:
	// they end later and stay.
	f.step(10*time.Minute - time.Millisecond)
	for _, label := range []string{"stopped", "timedout", "completed-1", "failed-2"} {
		f.status(label) // still describable
	}
	f.now = ended.Add(10 * time.Minute)
	f.e.Step(f.now)
	got, err := f.e.DescribeMatchmaking([]string{f.tickets["stopped"], f.tickets["timedout"], f.tickets["completed-1"], f.tickets["failed-2"], f.tickets["accept-1"]})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].TicketID != f.tickets["accept-1"] {
		t.Errorf("after the retention DescribeMatchmaking gave %d tickets, want only the one that ended later", len(got))
	}
	// The match placing since 1 s reaches its placement timeout (the
	// default, 10 minutes) at the same step: its two tickets fail.
	want := map[ticket.Status]int{ticket.StatusFailed: 2, ticket.StatusCancelled: 2, ticket.StatusTimedOut: 3}
	for _, st := range ticket.Statuses {
		if got := f.e.Engine().Counts()[st]; got != want[st] {
			t.Errorf("after the retention Counts()[%s] = %d, want %d", st, got, want[st])
		}
	}
	if _, ok := f.e.MatchmakerData(f.matches["completed-1"]); ok {
		t.Error("matchmaker data of a forgotten STANDALONE match (MANUAL backfill) is still kept")
	}
	// A forgotten ticket's id may be reused.
	if _, err := f.e.StartMatchmaking(f.now, gamelift.StartMatchmakingInput{TicketID: f.tickets["stopped"], ConfigurationName: "solo", Players: []ticket.Player{player("reuse", 1)}}); err != nil {
		t.Errorf("reusing a forgotten ticket id: %v", err)
	}
}

// typedBody declares one attribute of each type, with defaults.
const typedBody = `{
  "name": "typed",
  "ruleLanguageVersion": "1.0",
  "playerAttributes": [
    {"name": "skill", "type": "number", "default": 10},
    {"name": "mode", "type": "string", "default": "ranked"},
    {"name": "heroes", "type": "string_list", "default": ["knight"]},
    {"name": "skills", "type": "string_number_map", "default": {"Body": 1}}],
  "teams": [{"name": "attacker", "minPlayers": 1, "maxPlayers": 1},
            {"name": "defender", "minPlayers": 1, "maxPlayers": 1}]
}`

func TestMatchmakerData(t *testing.T) {
	f := newFixture(t, gamelift.Options{EventMatchmakerData: true})
	f.ruleSet("typed", typedBody)
	cfg := f.config(gamelift.CreateMatchmakingConfigurationInput{Name: "typed", RuleSetName: "typed", RequestTimeoutSeconds: 60,
		FlexMatchMode: gamelift.ModeWithQueue, GameSessionQueueArns: []string{queueArn}})
	f.start("x", "typed", ticket.Player{PlayerID: "4444dddd", PlayerAttributes: map[string]ticket.AttributeValue{
		"skill": ticket.Number(12.5), "mode": ticket.String("casual"), "heroes": ticket.StringList("mage", "rogue"),
		"skills": ticket.StringNumberMap(map[string]float64{"Body": 10, "Mind": 12}), "unused": ticket.String("not declared")}})
	f.start("y", "typed", ticket.Player{PlayerID: "3333cccc"})
	f.step(time.Second)
	mid := f.matches["x"]
	if _, ok := f.e.MatchmakerData(mid); ok {
		t.Error("matchmaker data of a PLACING match, want none until it completes")
	}
	if err := f.e.CompletePlacement(f.now, gamelift.CompletePlacementInput{MatchID: mid, GameSessionArn: "arn:gs/1"}); err != nil {
		t.Fatal(err)
	}
	evs := f.drain()
	d, ok := f.e.MatchmakerData("arn:gs/1")
	if !ok {
		t.Fatal("no matchmaker data by game session ARN")
	}
	if evs[0].Detail.MatchmakerData == nil || mustJSON(t, evs[0].Detail.MatchmakerData) != mustJSON(t, d) {
		t.Errorf("MatchmakingSucceeded carries %+v, want %+v", evs[0].Detail.MatchmakerData, d)
	}
	if d.MatchID != mid || d.MatchmakingConfigurationArn != cfg.ConfigurationArn || len(d.Teams) != 2 ||
		d.Teams[0].Name != "attacker" || d.Teams[1].Name != "defender" {
		t.Fatalf("matchmaker data %+v", d)
	}
	if d.AutoBackfillTicketID != nil || d.AutoBackfillMode == nil || *d.AutoBackfillMode != gamelift.BackfillManual {
		t.Errorf("autoBackfillTicketId %v autoBackfillMode %v, want null and MANUAL", d.AutoBackfillTicketID, d.AutoBackfillMode)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(d.String()), &doc); err != nil {
		t.Fatal(err)
	}
	wantAttrs := map[string]map[string]any{
		"4444dddd": {
			"skill":  map[string]any{"attributeType": "DOUBLE", "valueAttribute": 12.5},
			"mode":   map[string]any{"attributeType": "STRING", "valueAttribute": "casual"},
			"heroes": map[string]any{"attributeType": "STRING_LIST", "valueAttribute": []any{"mage", "rogue"}},
			"skills": map[string]any{"attributeType": "STRING_DOUBLE_MAP", "valueAttribute": map[string]any{"Body": 10.0, "Mind": 12.0}},
		},
		"3333cccc": { // defaults (SPEC 13)
			"skill":  map[string]any{"attributeType": "DOUBLE", "valueAttribute": 10.0},
			"mode":   map[string]any{"attributeType": "STRING", "valueAttribute": "ranked"},
			"heroes": map[string]any{"attributeType": "STRING_LIST", "valueAttribute": []any{"knight"}},
			"skills": map[string]any{"attributeType": "STRING_DOUBLE_MAP", "valueAttribute": map[string]any{"Body": 1.0}},
		},
	}
	seen := 0
	for _, team := range doc["teams"].([]any) {
		players := team.(map[string]any)["players"].([]any)
		if len(players) != 1 {
			t.Errorf("team %v has %d players, want 1", team.(map[string]any)["name"], len(players))
		}
		for _, p := range players {
			pm := p.(map[string]any)
			id := pm["playerId"].(string)
			if mustJSON(t, pm["attributes"]) != mustJSON(t, wantAttrs[id]) {
				t.Errorf("player %s attributes\n %s\nwant\n %s", id, mustJSON(t, pm["attributes"]), mustJSON(t, wantAttrs[id]))
			}
			seen++
		}
	}
	if seen != 2 {
		t.Errorf("matchmaker data lists %d players, want 2", seen)
	}
	// Every member name of the published sample appears in ours.
	sample := readSample(t, "matchmaker-data.json")
	if missing := missingMembers(sample, doc, ""); len(missing) > 0 {
		t.Errorf("matchmaker data lacks the sample's members %v", missing)
	}
	for _, k := range slices.Sorted(maps.Keys(doc)) {
		if _, ok := sample[k]; !ok && k != "autoBackfillTicketId" && k != "autoBackfillMode" {
			t.Errorf("matchmaker data has member %q, which neither the sample nor the SDK model has", k)
		}
	}
}

// TestMatchmakerDataIsASnapshot: matchmaker data that left the engine, in an
// event or from MatchmakerData, does not change when the game session's
// document changes later (here: a player leaves), and changing it does not
// reach the engine. Otherwise a Runner's subscribers would read documents
// the engine goroutine is writing.
func TestMatchmakerDataIsASnapshot(t *testing.T) {
	const pairs = `{
	  "ruleLanguageVersion": "1.0",
	  "playerAttributes": [{"name": "skill", "type": "number", "default": 1},
	                       {"name": "heroes", "type": "string_list", "default": ["knight"]}],
	  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 2},
	            {"name": "blue", "minPlayers": 1, "maxPlayers": 2}]
	}`
	f := newFixture(t, gamelift.Options{})
	f.ruleSet("pairs", pairs)
	f.config(gamelift.CreateMatchmakingConfigurationInput{Name: "auto", RuleSetName: "pairs", RequestTimeoutSeconds: 60, BackfillMode: gamelift.BackfillAuto})
	f.start("x", "auto", ticket.Player{PlayerID: "px"})
	f.start("y", "auto", ticket.Player{PlayerID: "py"})
	evs := ofType(f.step(time.Second), gamelift.EventMatchmakingSucceeded)
	if len(evs) != 1 {
		t.Fatalf("no match: %v", types(f.events))
	}
	mid := f.matches["x"]
	eventJSON := mustJSON(t, evs[0].Detail.MatchmakerData)
	got, ok := f.e.MatchmakerData(mid)
	if !ok {
		t.Fatal("no matchmaker data")
	}
	gotJSON := mustJSON(t, got)
	// The caller changes its copy: the engine's document stays.
	got.Teams[0].Players[0].Attributes["heroes"].ValueAttribute.([]string)[0] = "changed"
	got.Teams[0].Players = nil
	if again, _ := f.e.MatchmakerData(mid); mustJSON(t, again) != gotJSON {
		t.Errorf("changing the returned document changed the engine's:\n %s\nwas\n %s", mustJSON(t, again), gotJSON)
	}
	got, _ = f.e.MatchmakerData(mid)
	if err := f.e.ReportPlayersLeft(f.now, mid, []string{"px"}); err != nil {
		t.Fatal(err)
	}
	f.drain()
	if mustJSON(t, got) != gotJSON {
		t.Errorf("a document MatchmakerData returned changed when a player left:\n %s\nwas\n %s", mustJSON(t, got), gotJSON)
	}
	if now, _ := f.e.MatchmakerData(mid); strings.Contains(mustJSON(t, now), `"px"`) {
		t.Errorf("after px left, the session's document still lists it: %s", mustJSON(t, now))
	}
	if now := mustJSON(t, evs[0].Detail.MatchmakerData); now != eventJSON {
		t.Errorf("the MatchmakingSucceeded event's matchmakerData changed when a player left (events must carry a copy):\n %s\nwas\n %s", now, eventJSON)
	}
}

const samplesDir = "../../shared/flexmatch/events"

func readSample(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir, name))
	if err != nil {
		t.Skipf("published samples not available: %v", err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// missingMembers lists the object member names of want (recursively, the
// first element of each array standing for all) that got lacks. The names
// inside "attributes" are data: each of ours is compared with the sample's
// first. valueAttribute's shape depends on the attribute's type.
func missingMembers(want, got any, path string) []string {
	var out []string
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{path + " (not an object)"}
		}
		for _, k := range slices.Sorted(maps.Keys(w)) {
			gv, ok := g[k]
			switch {
			case !ok:
				out = append(out, path+"."+k)
			case k == "valueAttribute":
			case k == "attributes":
				attrs, _ := gv.(map[string]any)
				for _, name := range slices.Sorted(maps.Keys(attrs)) {
					out = append(out, missingMembers(firstValue(w[k]), attrs[name], path+".attributes."+name)...)
				}
			default:
				out = append(out, missingMembers(w[k], gv, path+"."+k)...)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{path + " (not an array)"}
		}
		if len(w) > 0 {
			for i := range g {
				out = append(out, missingMembers(w[0], g[i], fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return out
}

// firstValue returns the value of an object's first member (in name order),
// standing for all of its values.
func firstValue(v any) any {
	m, _ := v.(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		return m[k]
	}
	return nil
}

// TestEventShapes compares each event type's JSON with the published
// FlexMatch sample: the envelope and detail carry every member the sample
// has (where it applies), and detail adds only FlexMatch's documented
// members (SPEC 12.3, 12.4) and this library's extensions.
func TestEventShapes(t *testing.T) {
	f := newFixture(t, gamelift.Options{})
	// More events: an AcceptMatch with a rejection, the acceptance
	// completing, a success with a game session, an acceptance timing out.
	f.mustAccept("accept-2", gamelift.Reject, "p-a2")
	f.drain()
	if err := f.e.CompletePlacement(f.now, gamelift.CompletePlacementInput{MatchID: f.matches["placing-1"], GameSessionArn: "arn:gs/1", IPAddress: "10.0.0.1", Port: 7777}); err != nil {
		t.Fatal(err)
	}
	f.drain()
	f.start("again", "accept", player("p-acc-again", 1))
	f.start("again2", "accept", player("p-acc-again2", 2))
	f.step(time.Second)
	f.step(30 * time.Second)

	common := []string{"type", "tickets", "gameSessionInfo", "customEventData"}
	documented := map[string][]string{
		gamelift.EventMatchmakingSearching:  {"estimatedWaitMillis"},
		gamelift.EventPotentialMatchCreated: {"acceptanceTimeout", "acceptanceRequired", "ruleEvaluationMetrics", "matchId"},
		gamelift.EventAcceptMatch:           {"matchId"},
		gamelift.EventAcceptMatchCompleted:  {"acceptance", "matchId"},
		gamelift.EventMatchmakingSucceeded:  {"matchId"},
		gamelift.EventMatchmakingTimedOut:   {"ruleEvaluationMetrics", "reason", "message", "matchId"},
		gamelift.EventMatchmakingCancelled:  {"ruleEvaluationMetrics", "reason", "message", "matchId"},
		gamelift.EventMatchmakingFailed:     {"ruleEvaluationMetrics", "reason", "message", "matchId"},
	}
	extensions := []string{"location", "balanceSpread", "matchmakerData"}
	samples := map[string]string{
		gamelift.EventMatchmakingSearching:  "matchmaking-searching.json",
		gamelift.EventPotentialMatchCreated: "potential-match-created.json",
		gamelift.EventAcceptMatch:           "accept-match.json",
		gamelift.EventAcceptMatchCompleted:  "accept-match-completed.json",
		gamelift.EventMatchmakingSucceeded:  "matchmaking-succeeded.json",
		gamelift.EventMatchmakingTimedOut:   "matchmaking-timed-out.json",
		gamelift.EventMatchmakingCancelled:  "matchmaking-cancelled.json",
		gamelift.EventMatchmakingFailed:     "matchmaking-failed.json",
	}
	for _, typ := range slices.Sorted(maps.Keys(samples)) {
		t.Run(typ, func(t *testing.T) {
			sample := readSample(t, samples[typ])
			sd := sample["detail"].(map[string]any)
			allowed := map[string]bool{}
			for _, k := range slices.Concat(common, documented[typ], extensions, slices.Collect(maps.Keys(sd))) {
				allowed[k] = true
			}
			evs := ofType(f.events, typ)
			if len(evs) == 0 {
				t.Fatalf("the fixture produced no %s event", typ)
			}
			for _, ev := range evs {
				var m map[string]any
				if err := json.Unmarshal([]byte(mustJSON(t, ev)), &m); err != nil {
					t.Fatal(err)
				}
				if missing := missingMembers(withoutKey(sample, "detail"), withoutKey(m, "detail"), ""); len(missing) > 0 {
					t.Errorf("envelope lacks %v", missing)
				}
				d := m["detail"].(map[string]any)
				for _, k := range slices.Sorted(maps.Keys(d)) {
					if !allowed[k] {
						t.Errorf("detail has member %q, which is neither FlexMatch's nor a documented extension", k)
					}
				}
				for _, k := range slices.Sorted(maps.Keys(sd)) {
					if k == "acceptanceTimeout" && d["acceptanceRequired"] == false {
						continue // no acceptance, no timeout
					}
					if _, ok := d[k]; !ok {
						t.Errorf("detail lacks the sample's member %q", k)
					}
				}
				if missing := playerMembers(typ, sd, d); len(missing) > 0 {
					t.Errorf("%s lacks %v", typ, missing)
				}
			}
		})
	}
}

func withoutKey(m map[string]any, key string) map[string]any {
	out := maps.Clone(m)
	delete(out, key)
	return out
}

// playerMembers compares the tickets and gameSessionInfo of a sample's
// detail and ours, where each member applies: team once a match exists,
// playerSessionId and the game session's address when there is a game
// session, accepted in AcceptMatch for the player who answered.
func playerMembers(typ string, sample, ours map[string]any) []string {
	var out []string
	sgs, _ := sample["gameSessionInfo"].(map[string]any)
	ogs, _ := ours["gameSessionInfo"].(map[string]any)
	session := ogs["gameSessionArn"] != nil
	for _, k := range slices.Sorted(maps.Keys(sgs)) {
		if _, ok := ogs[k]; !ok && k != "players" && session {
			out = append(out, "gameSessionInfo."+k)
		}
	}
	var sPlayers, oPlayers []any
	for _, tk := range sample["tickets"].([]any) {
		sPlayers = append(sPlayers, tk.(map[string]any)["players"].([]any)...)
	}
	for _, tk := range ours["tickets"].([]any) {
		m := tk.(map[string]any)
		for _, k := range []string{"ticketId", "startTime", "players"} {
			if _, ok := m[k]; !ok {
				out = append(out, "tickets[]."+k)
			}
		}
		oPlayers = append(oPlayers, m["players"].([]any)...)
	}
	sPlayers = append(sPlayers, sgs["players"].([]any)...)
	if len(ogs["players"].([]any)) != len(oPlayers) {
		out = append(out, "gameSessionInfo.players (not every ticket's player)")
	}
	oPlayers = append(oPlayers, ogs["players"].([]any)...)
	want := map[string]bool{}
	for _, p := range sPlayers {
		for k := range p.(map[string]any) {
			want[k] = true
		}
	}
	matched := typ != gamelift.EventMatchmakingSearching && typ != gamelift.EventMatchmakingTimedOut && typ != gamelift.EventMatchmakingCancelled
	answered := false
	for _, p := range oPlayers {
		m := p.(map[string]any)
		if _, ok := m["accepted"]; ok {
			answered = true
		}
		for _, k := range slices.Sorted(maps.Keys(want)) {
			if k == "accepted" || k == "team" && !matched || k == "playerSessionId" && !session {
				continue
			}
			if _, ok := m[k]; !ok {
				out = append(out, "player."+k)
			}
		}
	}
	if want["accepted"] && !answered {
		out = append(out, "player.accepted (on the player who answered)")
	}
	return out
}

// TestRejectedRequestsChangeNothing sends a rejected request to one of two
// engines built alike, then drives both the same way: they must agree on
// everything, events and generated ids included (D25, D21).
func TestServiceRejectedRequestsChangeNothing(t *testing.T) {
	start := func(in gamelift.StartMatchmakingInput) func(f *fixture) error {
		return func(f *fixture) error {
			in.TicketID = f.expand(in.TicketID)
			_, err := f.e.StartMatchmaking(f.now, in)
			return err
		}
	}
	backfill := func(in gamelift.StartMatchBackfillInput) func(f *fixture) error {
		return func(f *fixture) error {
			_, err := f.e.StartMatchBackfill(f.now, in)
			return err
		}
	}
	newLoc := map[string]int{"zz-new": 3}
	reqs := []struct {
		name  string
		cfg   gamelift.Options
		setup func(f *fixture)
		do    func(f *fixture) error
		kind  error
	}{
		{"CreateMatchmakingRuleSet invalid body", gamelift.Options{}, nil, func(f *fixture) error {
			_, err := f.e.CreateMatchmakingRuleSet(f.now, gamelift.CreateMatchmakingRuleSetInput{Name: "x", RuleSetBody: "{}"})
			return err
		}, gamelift.ErrInvalidRequest},
		{"CreateMatchmakingRuleSet over the limit", gamelift.Options{MaxRuleSets: 2}, nil, func(f *fixture) error {
			_, err := f.e.CreateMatchmakingRuleSet(f.now, gamelift.CreateMatchmakingRuleSetInput{Name: "x", RuleSetBody: svcDuelBody})
			return err
		}, gamelift.ErrLimitExceeded},
		{"DeleteMatchmakingRuleSet in use", gamelift.Options{}, nil, func(f *fixture) error { return f.e.DeleteMatchmakingRuleSet(svcT0, "duel") }, gamelift.ErrInvalidRequest},
		{"CreateMatchmakingConfiguration D5", gamelift.Options{}, func(f *fixture) { f.ruleSet("slow", slowBody) }, func(f *fixture) error {
			_, err := f.e.CreateMatchmakingConfiguration(f.now, gamelift.CreateMatchmakingConfigurationInput{Name: "x", RuleSetName: "slow", RequestTimeoutSeconds: 5})
			return err
		}, gamelift.ErrInvalidRequest},
		{"CreateMatchmakingConfiguration over the limit", gamelift.Options{MaxConfigurations: 5}, nil, func(f *fixture) error {
			_, err := f.e.CreateMatchmakingConfiguration(f.now, validConfig())
			return err
		}, gamelift.ErrLimitExceeded},
		{"UpdateMatchmakingConfiguration invalid", gamelift.Options{}, nil, func(f *fixture) error {
			_, err := f.e.UpdateMatchmakingConfiguration(svcT0, gamelift.UpdateMatchmakingConfigurationInput{Name: "solo", Description: gamelift.Ptr("x"),
				RuleSetName: gamelift.Ptr("ping"), RequestTimeoutSeconds: gamelift.Ptr(0)})
			return err
		}, gamelift.ErrInvalidRequest},
		{"DeleteMatchmakingConfiguration with tickets", gamelift.Options{}, nil, func(f *fixture) error { return f.e.DeleteMatchmakingConfiguration(svcT0, "solo") }, gamelift.ErrInvalidRequest},
		{"StartMatchmaking invalid player, no ticket id", gamelift.Options{}, nil, start(gamelift.StartMatchmakingInput{ConfigurationName: "solo",
			Players: []ticket.Player{{PlayerID: ""}}}), gamelift.ErrInvalidRequest},
		{"StartMatchmaking wrong type, no ticket id", gamelift.Options{}, nil, start(gamelift.StartMatchmakingInput{ConfigurationName: "solo",
			Players: []ticket.Player{{PlayerID: "n", LatencyInMs: newLoc, PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.String("x")}}}}), gamelift.ErrInvalidRequest},
		{"StartMatchmaking PLACING player, no ticket id", gamelift.Options{}, nil, start(gamelift.StartMatchmakingInput{ConfigurationName: "solo",
			Players: []ticket.Player{{PlayerID: "p-s", LatencyInMs: newLoc}, player("p-q1", 1)}}), gamelift.ErrInvalidRequest},
		{"StartMatchmaking duplicate ticket id", gamelift.Options{}, nil, start(gamelift.StartMatchmakingInput{TicketID: "<queued>", ConfigurationName: "solo",
			Players: []ticket.Player{player("p-s", 1)}}), gamelift.ErrInvalidRequest},
		{"StartMatchmaking unknown configuration", gamelift.Options{}, nil, start(gamelift.StartMatchmakingInput{ConfigurationName: "nope",
			Players: []ticket.Player{player("p-s", 1)}}), gamelift.ErrNotFound},
		{"StartMatchBackfill unknown team, no ticket id", gamelift.Options{}, nil, backfill(gamelift.StartMatchBackfillInput{ConfigurationName: "solo",
			Players: []ticket.Player{{PlayerID: "b", Team: "green", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(1)}}}}), gamelift.ErrInvalidRequest},
		{"StartMatchBackfill wrong type, no ticket id", gamelift.Options{}, nil, backfill(gamelift.StartMatchBackfillInput{ConfigurationName: "solo",
			Players: []ticket.Player{{PlayerID: "b", Team: "red", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.String("x")}}}}), gamelift.ErrInvalidRequest},
		{"StopMatchmaking PLACING", gamelift.Options{}, nil, func(f *fixture) error { return f.e.StopMatchmaking(f.now, f.tickets["placing-1"]) }, gamelift.ErrInvalidRequest},
		{"StopMatchmaking finished", gamelift.Options{}, nil, func(f *fixture) error { return f.e.StopMatchmaking(f.now, f.tickets["completed-1"]) }, gamelift.ErrInvalidRequest},
		{"AcceptMatch valid then foreign player", gamelift.Options{}, nil, func(f *fixture) error {
			return f.e.AcceptMatch(f.now, gamelift.AcceptMatchInput{TicketID: f.tickets["accept-1"], PlayerIDs: []string{"p-a1", "p-a2"}, AcceptanceType: gamelift.Accept})
		}, gamelift.ErrInvalidRequest},
		{"AcceptMatch not awaiting acceptance", gamelift.Options{}, nil, func(f *fixture) error {
			return f.e.AcceptMatch(f.now, gamelift.AcceptMatchInput{TicketID: f.tickets["searching"], PlayerIDs: []string{"p-s"}, AcceptanceType: gamelift.Reject})
		}, gamelift.ErrInvalidRequest},
		{"CompletePlacement bad port", gamelift.Options{}, nil, func(f *fixture) error {
			return f.e.CompletePlacement(f.now, gamelift.CompletePlacementInput{MatchID: f.matches["placing-1"], GameSessionArn: "arn:gs/1", Port: 1 << 20})
		}, gamelift.ErrInvalidRequest},
		{"FailPlacement STANDALONE match", gamelift.Options{}, nil, func(f *fixture) error {
			return f.e.FailPlacement(f.now, gamelift.FailPlacementInput{MatchID: f.matches["completed-1"]})
		}, gamelift.ErrInvalidRequest},
		{"ReportPlayersLeft unknown session", gamelift.Options{}, nil, func(f *fixture) error {
			return f.e.ReportPlayersLeft(f.now, "nope", []string{"p-c1"})
		}, gamelift.ErrNotFound},
		{"ReportPlayersLeft unknown player", gamelift.Options{}, nil, func(f *fixture) error {
			return f.e.ReportPlayersLeft(f.now, f.matches["completed-1"], []string{"p-c1", "stranger"})
		}, gamelift.ErrInvalidRequest},
	}
	for _, r := range reqs {
		t.Run(r.name, func(t *testing.T) {
			a, b := newFixture(t, r.cfg), newFixture(t, r.cfg) // a gets the request, b never does
			if r.setup != nil {
				r.setup(a)
				r.setup(b)
			}
			a.reject(func() error { return r.do(a) }, r.kind)
			if pa, pb := a.probe(), b.probe(); pa != pb {
				t.Errorf("after the rejected request the engine behaves differently (D25):\n%s", diffLines(pb, pa))
			}
		})
	}
}
