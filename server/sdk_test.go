package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/gamelift"
	"github.com/aws/aws-sdk-go-v2/service/gamelift/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/matchforge/matchforge/server"
)

// These tests drive a real server on a loopback listener with the AWS SDK
// for Go v2 gamelift client (v1.55.0, which speaks Smithy RPC v2 CBOR).

// sdkTestTimeout bounds each test.
const sdkTestTimeout = 30 * time.Second

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// sdkEpoch is the fake clock's start: a millisecond fraction, so that
// timestamps are checked to the millisecond.
var sdkEpoch = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

// startServer builds a server from cfg, serves it on 127.0.0.1:0 until the
// test ends (checking that Serve returns nil), and returns it with its
// address.
func startServer(t *testing.T, cfg server.Config) (*server.Server, string) {
	t.Helper()
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve returned %v, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return within 10s of its context being cancelled")
		}
	})
	return srv, ln.Addr().String()
}

// sdkClient returns a gamelift client for the server at addr.
func sdkClient(addr, keyID, secret string) *gamelift.Client {
	return gamelift.New(gamelift.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + addr),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		Retryer:      aws.NopRetryer{},
	})
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), sdkTestTimeout)
	t.Cleanup(cancel)
	return ctx
}

// sseEvent is one message of GET /events.
type sseEvent struct {
	id   string
	data []byte
	// The fields of the event's JSON the tests look at.
	JSON struct {
		ID     string `json:"id"`
		Detail struct {
			Type    string `json:"type"`
			MatchID string `json:"matchId"`
			Tickets []struct {
				TicketID string `json:"ticketId"`
				Players  []struct {
					PlayerID string `json:"playerId"`
					Team     string `json:"team"`
				} `json:"players"`
			} `json:"tickets"`
		} `json:"detail"`
	}
}

// openEvents opens GET /events and returns a channel of its messages. It
// returns once the stream has started (the server's "retry:" line has
// been read), so every event published afterwards is on the channel. The
// stream is closed when the test ends.
func openEvents(t *testing.T, ctx context.Context, addr string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET /events: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		resp.Body.Close()
		t.Fatalf("GET /events: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("GET /events Content-Type %q, want text/event-stream", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "retry:") {
		cancel()
		resp.Body.Close()
		t.Fatalf("GET /events: first line %q (%v), want retry:", sc.Text(), sc.Err())
	}
	ch := make(chan sseEvent, 1024)
	done := make(chan struct{})
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
	go func() {
		defer close(done)
		defer close(ch)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.data != nil {
					if err := json.Unmarshal(ev.data, &ev.JSON); err != nil {
						t.Errorf("event %q: data is not JSON: %v: %s", ev.id, err, ev.data)
					}
					select {
					case ch <- ev:
					case <-ctx.Done():
						return
					}
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = []byte(strings.TrimPrefix(line, "data: "))
			case strings.HasPrefix(line, ":"), strings.HasPrefix(line, "retry:"):
			case strings.HasPrefix(line, "event: "):
				t.Errorf("unexpected SSE line %q", line)
			}
		}
	}()
	return ch
}

// nextEvents reads events from ch until one of type last has arrived, and
// returns them all.
func nextEvents(t *testing.T, ch <-chan sseEvent, last string) []sseEvent {
	t.Helper()
	var out []sseEvent
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("the event stream ended; got %d events, none %s", len(out), last)
			}
			out = append(out, ev)
			if ev.JSON.Detail.Type == last {
				return out
			}
		case <-timeout:
			t.Fatalf("no %s event within 10s; got %v", last, eventTypes(out))
		}
	}
}

func eventTypes(evs []sseEvent) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.JSON.Detail.Type)
	}
	return out
}

// skillRuleSet is two teams of one or two players, skills within 10, with
// attributes of every kind.
const skillRuleSet = `{
  "name": "sdk-duel",
  "ruleLanguageVersion": "1.0",
  "playerAttributes": [
    {"name": "skill", "type": "number", "default": 10},
    {"name": "mode", "type": "string", "default": "ranked"},
    {"name": "maps", "type": "string_list", "default": ["harbor"]},
    {"name": "votes", "type": "string_number_map", "default": {"harbor": 1}}],
  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 2},
            {"name": "blue", "minPlayers": 1, "maxPlayers": 2}],
  "rules": [
    {"name": "CloseSkill", "type": "distance",
     "measurements": ["max(flatten(teams[*].players.attributes[skill]))"],
     "referenceValue": "min(flatten(teams[*].players.attributes[skill]))",
     "maxDistance": 10},
    {"name": "SameMode", "type": "comparison", "operation": "=",
     "measurements": ["flatten(teams[*].players.attributes[mode])"]}]
}`

// player returns a player with attributes of kinds N, S, SL and SDM, and
// latencies.
func player(id string, skill float64) types.Player {
	return types.Player{
		PlayerId: aws.String(id),
		PlayerAttributes: map[string]types.AttributeValue{
			"skill": {N: aws.Float64(skill)},
			"mode":  {S: aws.String("ranked")},
			"maps":  {SL: []string{"harbor", "dunes"}},
			"votes": {SDM: map[string]float64{"harbor": 3, "dunes": 1.5}},
		},
		LatencyInMs: map[string]int32{"us-east-1": 40, "eu-west-1": 95},
	}
}

func describeTicket(t *testing.T, ctx context.Context, c *gamelift.Client, id string) types.MatchmakingTicket {
	t.Helper()
	out, err := c.DescribeMatchmaking(ctx, &gamelift.DescribeMatchmakingInput{TicketIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeMatchmaking %s: %v", id, err)
	}
	if len(out.TicketList) != 1 || aws.ToString(out.TicketList[0].TicketId) != id {
		t.Fatalf("DescribeMatchmaking %s: %d tickets, want it alone", id, len(out.TicketList))
	}
	return out.TicketList[0]
}

// apiError asserts err is the SDK's typed exception *E and that its message
// contains every one of want, and returns it.
func wantTyped[E interface {
	*T
	smithy.APIError
}, T any](t *testing.T, what string, err error, code string, want ...string) E {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %s", what, code)
	}
	var e E
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %T %v, want *types.%s", what, err, err, code)
	}
	if e.ErrorCode() != code {
		t.Errorf("%s: ErrorCode %q, want %q", what, e.ErrorCode(), code)
	}
	for _, w := range want {
		if !strings.Contains(e.ErrorMessage(), w) {
			t.Errorf("%s: message %q does not contain %q", what, e.ErrorMessage(), w)
		}
	}
	return e
}

func TestSDKLifecycle(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	clock := newFakeClock(sdkEpoch)
	srv, addr := startServer(t, server.Config{Tick: time.Hour, Clock: clock.Now})
	c := sdkClient(addr, "AKID", "SECRET")
	events := openEvents(t, ctx, addr)

	// Rule sets.
	v, err := c.ValidateMatchmakingRuleSet(ctx, &gamelift.ValidateMatchmakingRuleSetInput{RuleSetBody: aws.String(skillRuleSet)})
	if err != nil {
		t.Fatalf("ValidateMatchmakingRuleSet (valid): %v", err)
	}
	if !aws.ToBool(v.Valid) {
		t.Errorf("ValidateMatchmakingRuleSet (valid): Valid %v, want true", v.Valid)
	}
	bad := strings.Replace(skillRuleSet, `"maxPlayers": 2}`, `"maxPlayers": "two"}`, 1)
	_, err = c.ValidateMatchmakingRuleSet(ctx, &gamelift.ValidateMatchmakingRuleSetInput{RuleSetBody: aws.String(bad)})
	wantTyped[*types.InvalidRequestException](t, "ValidateMatchmakingRuleSet (invalid)", err, "InvalidRequestException", "RuleSetBody", "maxPlayers")

	rs, err := c.CreateMatchmakingRuleSet(ctx, &gamelift.CreateMatchmakingRuleSetInput{
		Name: aws.String("duel"), RuleSetBody: aws.String(skillRuleSet),
	})
	if err != nil {
		t.Fatalf("CreateMatchmakingRuleSet: %v", err)
	}
	if r := rs.RuleSet; r == nil || aws.ToString(r.RuleSetName) != "duel" || aws.ToString(r.RuleSetBody) != skillRuleSet ||
		!strings.HasSuffix(aws.ToString(r.RuleSetArn), ":matchmakingruleset/duel") || r.CreationTime == nil || !r.CreationTime.Equal(sdkEpoch) {
		t.Errorf("CreateMatchmakingRuleSet: %+v", r)
	}
	drs, err := c.DescribeMatchmakingRuleSets(ctx, &gamelift.DescribeMatchmakingRuleSetsInput{Names: []string{"duel"}})
	if err != nil {
		t.Fatalf("DescribeMatchmakingRuleSets: %v", err)
	}
	if len(drs.RuleSets) != 1 || aws.ToString(drs.RuleSets[0].RuleSetName) != "duel" || aws.ToString(drs.RuleSets[0].RuleSetBody) != skillRuleSet {
		t.Fatalf("DescribeMatchmakingRuleSets: %+v", drs.RuleSets)
	}
	ruleSetArn := aws.ToString(drs.RuleSets[0].RuleSetArn)

	// Configurations.
	created := clock.Advance(1500 * time.Millisecond)
	cc, err := c.CreateMatchmakingConfiguration(ctx, &gamelift.CreateMatchmakingConfigurationInput{
		Name: aws.String("duel-cfg"), RuleSetName: aws.String("duel"),
		RequestTimeoutSeconds: aws.Int32(60), AcceptanceRequired: aws.Bool(true), AcceptanceTimeoutSeconds: aws.Int32(20),
		FlexMatchMode: types.FlexMatchModeStandalone, Description: aws.String("first"),
	})
	if err != nil {
		t.Fatalf("CreateMatchmakingConfiguration: %v", err)
	}
	if cfg := cc.Configuration; cfg == nil || aws.ToString(cfg.Name) != "duel-cfg" || aws.ToString(cfg.RuleSetArn) != ruleSetArn {
		t.Errorf("CreateMatchmakingConfiguration: %+v", cfg)
	}
	dc, err := c.DescribeMatchmakingConfigurations(ctx, &gamelift.DescribeMatchmakingConfigurationsInput{Names: []string{"duel-cfg"}})
	if err != nil {
		t.Fatalf("DescribeMatchmakingConfigurations: %v", err)
	}
	if len(dc.Configurations) != 1 {
		t.Fatalf("DescribeMatchmakingConfigurations: %d configurations, want 1", len(dc.Configurations))
	}
	cfg := dc.Configurations[0]
	if cfg.CreationTime == nil || !cfg.CreationTime.Equal(created) {
		t.Errorf("CreationTime %v, want the fake clock's %v", cfg.CreationTime, created)
	}
	if aws.ToInt32(cfg.RequestTimeoutSeconds) != 60 || !aws.ToBool(cfg.AcceptanceRequired) || aws.ToInt32(cfg.AcceptanceTimeoutSeconds) != 20 ||
		cfg.FlexMatchMode != types.FlexMatchModeStandalone || cfg.BackfillMode != types.BackfillModeManual ||
		aws.ToString(cfg.RuleSetName) != "duel" || aws.ToString(cfg.Description) != "first" ||
		!strings.HasSuffix(aws.ToString(cfg.ConfigurationArn), ":matchmakingconfiguration/duel-cfg") {
		t.Errorf("DescribeMatchmakingConfigurations: RequestTimeout %d AcceptanceRequired %v AcceptanceTimeout %d mode %s backfill %s rule set %q description %q ARN %q",
			aws.ToInt32(cfg.RequestTimeoutSeconds), aws.ToBool(cfg.AcceptanceRequired), aws.ToInt32(cfg.AcceptanceTimeoutSeconds),
			cfg.FlexMatchMode, cfg.BackfillMode, aws.ToString(cfg.RuleSetName), aws.ToString(cfg.Description), aws.ToString(cfg.ConfigurationArn))
	}
	uc, err := c.UpdateMatchmakingConfiguration(ctx, &gamelift.UpdateMatchmakingConfigurationInput{
		Name: aws.String("duel-cfg"), Description: aws.String("second"), RequestTimeoutSeconds: aws.Int32(90),
	})
	if err != nil {
		t.Fatalf("UpdateMatchmakingConfiguration: %v", err)
	}
	if u := uc.Configuration; u == nil || aws.ToString(u.Description) != "second" || aws.ToInt32(u.RequestTimeoutSeconds) != 90 ||
		!aws.ToBool(u.AcceptanceRequired) || aws.ToInt32(u.AcceptanceTimeoutSeconds) != 20 || u.CreationTime == nil || !u.CreationTime.Equal(created) {
		t.Errorf("UpdateMatchmakingConfiguration: %+v", u)
	}
	dc, err = c.DescribeMatchmakingConfigurations(ctx, &gamelift.DescribeMatchmakingConfigurationsInput{Names: []string{"duel-cfg"}})
	if err != nil || len(dc.Configurations) != 1 || aws.ToInt32(dc.Configurations[0].RequestTimeoutSeconds) != 90 || aws.ToString(dc.Configurations[0].Description) != "second" {
		t.Errorf("DescribeMatchmakingConfigurations after the update: %v %+v", err, dc)
	}

	// Matchmaking.
	started := clock.Advance(2*time.Second + 7*time.Millisecond)
	sa, err := c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
		ConfigurationName: aws.String("duel-cfg"), TicketId: aws.String("ticket-a"), Players: []types.Player{player("alice", 20)},
	})
	if err != nil {
		t.Fatalf("StartMatchmaking ticket-a: %v", err)
	}
	if tk := sa.MatchmakingTicket; tk == nil || aws.ToString(tk.TicketId) != "ticket-a" || tk.Status != types.MatchmakingConfigurationStatusQueued ||
		tk.StartTime == nil || !tk.StartTime.Equal(started) {
		t.Errorf("StartMatchmaking ticket-a: %+v", tk)
	}
	if _, err := c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
		ConfigurationName: aws.String("duel-cfg"), TicketId: aws.String("ticket-b"), Players: []types.Player{player("bob", 25)},
	}); err != nil {
		t.Fatalf("StartMatchmaking ticket-b: %v", err)
	}
	for _, id := range []string{"ticket-a", "ticket-b"} {
		tk := describeTicket(t, ctx, c, id)
		if tk.Status != types.MatchmakingConfigurationStatusQueued && tk.Status != types.MatchmakingConfigurationStatusSearching {
			t.Errorf("%s before the step: status %s, want QUEUED or SEARCHING", id, tk.Status)
		}
		if tk.StartTime == nil || !tk.StartTime.Equal(started) {
			t.Errorf("%s: StartTime %v, want %v (the fake clock, to the millisecond)", id, tk.StartTime, started)
		}
		if aws.ToString(tk.ConfigurationName) != "duel-cfg" || !strings.HasSuffix(aws.ToString(tk.ConfigurationArn), ":matchmakingconfiguration/duel-cfg") {
			t.Errorf("%s: configuration %q %q", id, aws.ToString(tk.ConfigurationName), aws.ToString(tk.ConfigurationArn))
		}
	}
	// The attributes made the round trip through the server.
	tkA := describeTicket(t, ctx, c, "ticket-a")
	if len(tkA.Players) != 1 {
		t.Fatalf("ticket-a has %d players, want 1", len(tkA.Players))
	}
	pa := tkA.Players[0]
	at := pa.PlayerAttributes
	if aws.ToString(pa.PlayerId) != "alice" || aws.ToFloat64(at["skill"].N) != 20 || aws.ToString(at["mode"].S) != "ranked" ||
		strings.Join(at["maps"].SL, ",") != "harbor,dunes" || at["votes"].SDM["harbor"] != 3 || at["votes"].SDM["dunes"] != 1.5 ||
		pa.LatencyInMs["us-east-1"] != 40 || pa.LatencyInMs["eu-west-1"] != 95 {
		t.Errorf("ticket-a's player as described: %+v", pa)
	}

	clock.Advance(time.Second)
	srv.Step()
	evs := nextEvents(t, events, "PotentialMatchCreated")
	matchID := evs[len(evs)-1].JSON.Detail.MatchID
	if matchID == "" {
		t.Fatalf("PotentialMatchCreated has no matchId")
	}
	teams := map[string]string{}
	for _, id := range []string{"ticket-a", "ticket-b"} {
		tk := describeTicket(t, ctx, c, id)
		if tk.Status != types.MatchmakingConfigurationStatusRequiresAcceptance {
			t.Fatalf("%s after the step: status %s (%s), want REQUIRES_ACCEPTANCE", id, tk.Status, aws.ToString(tk.StatusMessage))
		}
		for _, p := range tk.Players {
			teams[aws.ToString(p.PlayerId)] = aws.ToString(p.Team)
		}
	}
	if (teams["alice"] != "red" || teams["bob"] != "blue") && (teams["alice"] != "blue" || teams["bob"] != "red") {
		t.Errorf("teams %v, want alice and bob on red and blue", teams)
	}

	// A ticket that is stopped before it is matched.
	if _, err := c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
		ConfigurationName: aws.String("duel-cfg"), TicketId: aws.String("ticket-c"), Players: []types.Player{player("carol", 22)},
	}); err != nil {
		t.Fatalf("StartMatchmaking ticket-c: %v", err)
	}
	if _, err := c.StopMatchmaking(ctx, &gamelift.StopMatchmakingInput{TicketId: aws.String("ticket-c")}); err != nil {
		t.Fatalf("StopMatchmaking ticket-c: %v", err)
	}
	if tk := describeTicket(t, ctx, c, "ticket-c"); tk.Status != types.MatchmakingConfigurationStatusCancelled || tk.EndTime == nil {
		t.Errorf("ticket-c after StopMatchmaking: status %s EndTime %v, want CANCELLED with an end time", tk.Status, tk.EndTime)
	}

	accepted := clock.Advance(3 * time.Second)
	for _, p := range []struct{ ticket, player string }{{"ticket-a", "alice"}, {"ticket-b", "bob"}} {
		if _, err := c.AcceptMatch(ctx, &gamelift.AcceptMatchInput{
			TicketId: aws.String(p.ticket), PlayerIds: []string{p.player}, AcceptanceType: types.AcceptanceTypeAccept,
		}); err != nil {
			t.Fatalf("AcceptMatch %s: %v", p.ticket, err)
		}
	}
	clock.Advance(time.Second)
	srv.Step()
	evs = nextEvents(t, events, "MatchmakingSucceeded")
	if got := evs[len(evs)-1].JSON.Detail.MatchID; got != matchID {
		t.Errorf("MatchmakingSucceeded matchId %q, want %q", got, matchID)
	}
	for _, id := range []string{"ticket-a", "ticket-b"} {
		tk := describeTicket(t, ctx, c, id)
		if tk.Status != types.MatchmakingConfigurationStatusCompleted {
			t.Fatalf("%s after acceptance: status %s, want COMPLETED", id, tk.Status)
		}
		if tk.EndTime == nil || !tk.EndTime.Equal(accepted) {
			t.Errorf("%s: EndTime %v, want %v (the last AcceptMatch)", id, tk.EndTime, accepted)
		}
		// STANDALONE mode places no game session: the ticket has no
		// connection info (D14, and GameLift's standalone behaviour); the
		// game is known by its match id.
		if tk.GameSessionConnectionInfo != nil {
			t.Errorf("%s: STANDALONE ticket has GameSessionConnectionInfo %+v", id, tk.GameSessionConnectionInfo)
		}
	}

	// Backfill the game, known by its match id in STANDALONE mode.
	var backfillPlayers []types.Player
	for _, p := range []struct {
		id    string
		skill float64
	}{{"alice", 20}, {"bob", 25}} {
		pl := player(p.id, p.skill)
		pl.Team = aws.String(teams[p.id])
		pl.LatencyInMs = nil
		backfillPlayers = append(backfillPlayers, pl)
	}
	bf, err := c.StartMatchBackfill(ctx, &gamelift.StartMatchBackfillInput{
		ConfigurationName: aws.String("duel-cfg"), TicketId: aws.String("bf-1"),
		GameSessionArn: aws.String(matchID), Players: backfillPlayers,
	})
	if err != nil {
		t.Fatalf("StartMatchBackfill: %v", err)
	}
	if tk := bf.MatchmakingTicket; tk == nil || aws.ToString(tk.TicketId) != "bf-1" || tk.Status != types.MatchmakingConfigurationStatusQueued || len(tk.Players) != 2 {
		t.Errorf("StartMatchBackfill: %+v", tk)
	}
	// A second backfill request for the same game replaces the first (D22).
	if _, err := c.StartMatchBackfill(ctx, &gamelift.StartMatchBackfillInput{
		ConfigurationName: aws.String("duel-cfg"), TicketId: aws.String("bf-2"),
		GameSessionArn: aws.String(matchID), Players: backfillPlayers,
	}); err != nil {
		t.Fatalf("StartMatchBackfill bf-2: %v", err)
	}
	if tk := describeTicket(t, ctx, c, "bf-1"); tk.Status != types.MatchmakingConfigurationStatusCancelled || aws.ToString(tk.StatusReason) != "REPLACED_BY_NEW_BACKFILL" {
		t.Errorf("bf-1 after bf-2: status %s reason %q, want CANCELLED REPLACED_BY_NEW_BACKFILL", tk.Status, aws.ToString(tk.StatusReason))
	}

	// Clean up: a configuration with an active (backfill) ticket cannot go.
	_, err = c.DeleteMatchmakingConfiguration(ctx, &gamelift.DeleteMatchmakingConfigurationInput{Name: aws.String("duel-cfg")})
	wantTyped[*types.InvalidRequestException](t, "DeleteMatchmakingConfiguration with an active ticket", err, "InvalidRequestException", "duel-cfg", "active ticket")
	if _, err := c.StopMatchmaking(ctx, &gamelift.StopMatchmakingInput{TicketId: aws.String("bf-2")}); err != nil {
		t.Fatalf("StopMatchmaking bf-2: %v", err)
	}
	_, err = c.DeleteMatchmakingRuleSet(ctx, &gamelift.DeleteMatchmakingRuleSetInput{Name: aws.String("duel")})
	wantTyped[*types.InvalidRequestException](t, "DeleteMatchmakingRuleSet in use", err, "InvalidRequestException", "duel-cfg")
	if _, err := c.DeleteMatchmakingConfiguration(ctx, &gamelift.DeleteMatchmakingConfigurationInput{Name: aws.String("duel-cfg")}); err != nil {
		t.Fatalf("DeleteMatchmakingConfiguration: %v", err)
	}
	dc, err = c.DescribeMatchmakingConfigurations(ctx, &gamelift.DescribeMatchmakingConfigurationsInput{})
	if err != nil || len(dc.Configurations) != 0 {
		t.Errorf("DescribeMatchmakingConfigurations after the delete: %v, %d configurations", err, len(dc.Configurations))
	}
	_, err = c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{ConfigurationName: aws.String("duel-cfg"), Players: []types.Player{player("dan", 1)}})
	wantTyped[*types.NotFoundException](t, "StartMatchmaking on a deleted configuration", err, "NotFoundException", "duel-cfg")
	if _, err := c.DeleteMatchmakingRuleSet(ctx, &gamelift.DeleteMatchmakingRuleSetInput{Name: aws.String("duel")}); err != nil {
		t.Fatalf("DeleteMatchmakingRuleSet: %v", err)
	}
	_, err = c.DescribeMatchmakingRuleSets(ctx, &gamelift.DescribeMatchmakingRuleSetsInput{Names: []string{"duel"}})
	wantTyped[*types.NotFoundException](t, "DescribeMatchmakingRuleSets of a deleted rule set", err, "NotFoundException", "duel")
	_, err = c.DeleteMatchmakingConfiguration(ctx, &gamelift.DeleteMatchmakingConfigurationInput{Name: aws.String("duel-cfg")})
	wantTyped[*types.NotFoundException](t, "DeleteMatchmakingConfiguration twice", err, "NotFoundException", "duel-cfg")
}

// setupDuel creates rule set "duel" and configuration name (no acceptance)
// with client c.
func setupDuel(t *testing.T, ctx context.Context, c *gamelift.Client, name string) {
	t.Helper()
	if _, err := c.CreateMatchmakingRuleSet(ctx, &gamelift.CreateMatchmakingRuleSetInput{
		Name: aws.String("duel"), RuleSetBody: aws.String(skillRuleSet),
	}); err != nil {
		t.Fatalf("CreateMatchmakingRuleSet: %v", err)
	}
	if _, err := c.CreateMatchmakingConfiguration(ctx, &gamelift.CreateMatchmakingConfigurationInput{
		Name: aws.String(name), RuleSetName: aws.String("duel"),
		RequestTimeoutSeconds: aws.Int32(60), AcceptanceRequired: aws.Bool(false),
	}); err != nil {
		t.Fatalf("CreateMatchmakingConfiguration %s: %v", name, err)
	}
}

func TestSDKErrorsAreTyped(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	clock := newFakeClock(sdkEpoch)
	cfg := server.Config{Tick: time.Hour, Clock: clock.Now}
	cfg.Service.MaxConfigurations = 1
	_, addr := startServer(t, cfg)
	c := sdkClient(addr, "AKID", "SECRET")
	setupDuel(t, ctx, c, "one")

	configsBefore, err := c.DescribeMatchmakingConfigurations(ctx, &gamelift.DescribeMatchmakingConfigurationsInput{})
	if err != nil || len(configsBefore.Configurations) != 1 {
		t.Fatalf("DescribeMatchmakingConfigurations: %v %+v", err, configsBefore)
	}

	// InvalidRequestException, naming the field.
	_, err = c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
		ConfigurationName: aws.String("one"), TicketId: aws.String("no-players"), Players: []types.Player{},
	})
	wantTyped[*types.InvalidRequestException](t, "StartMatchmaking with no players", err, "InvalidRequestException", "Players")

	badAttr := player("alice", 10)
	badAttr.PlayerAttributes["skill"] = types.AttributeValue{S: aws.String("high")} // skill is a number
	_, err = c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
		ConfigurationName: aws.String("one"), TicketId: aws.String("bad-attr"), Players: []types.Player{badAttr},
	})
	wantTyped[*types.InvalidRequestException](t, "StartMatchmaking with a string skill", err, "InvalidRequestException", "skill")

	twoKinds := player("alice", 10)
	twoKinds.PlayerAttributes["mode"] = types.AttributeValue{S: aws.String("ranked"), N: aws.Float64(1)}
	_, err = c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
		ConfigurationName: aws.String("one"), TicketId: aws.String("two-kinds"), Players: []types.Player{twoKinds},
	})
	wantTyped[*types.InvalidRequestException](t, "StartMatchmaking with an attribute of two kinds", err, "InvalidRequestException", "mode")

	_, err = c.DescribeMatchmaking(ctx, &gamelift.DescribeMatchmakingInput{TicketIds: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}})
	wantTyped[*types.InvalidRequestException](t, "DescribeMatchmaking of 11 tickets", err, "InvalidRequestException", "TicketIds", "10")

	// A good ticket, then requests about it that are refused.
	good, err := c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
		ConfigurationName: aws.String("one"), TicketId: aws.String("good"), Players: []types.Player{player("alice", 10)},
	})
	if err != nil {
		t.Fatalf("StartMatchmaking good: %v", err)
	}
	_, err = c.AcceptMatch(ctx, &gamelift.AcceptMatchInput{TicketId: aws.String("good"), PlayerIds: []string{"alice"}, AcceptanceType: types.AcceptanceTypeAccept})
	wantTyped[*types.InvalidRequestException](t, "AcceptMatch of a QUEUED ticket", err, "InvalidRequestException", "good")
	_, err = c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
		ConfigurationName: aws.String("one"), TicketId: aws.String("good"), Players: []types.Player{player("bob", 12)},
	})
	wantTyped[*types.InvalidRequestException](t, "StartMatchmaking with a ticket id in use", err, "InvalidRequestException", "good")
	_, err = c.UpdateMatchmakingConfiguration(ctx, &gamelift.UpdateMatchmakingConfigurationInput{Name: aws.String("one"), RequestTimeoutSeconds: aws.Int32(0)})
	wantTyped[*types.InvalidRequestException](t, "UpdateMatchmakingConfiguration with RequestTimeoutSeconds 0", err, "InvalidRequestException", "RequestTimeoutSeconds")

	// NotFoundException.
	_, err = c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
		ConfigurationName: aws.String("nope"), TicketId: aws.String("lost"), Players: []types.Player{player("carol", 10)},
	})
	wantTyped[*types.NotFoundException](t, "StartMatchmaking on an unknown configuration", err, "NotFoundException", "nope")
	_, err = c.UpdateMatchmakingConfiguration(ctx, &gamelift.UpdateMatchmakingConfigurationInput{Name: aws.String("nope"), Description: aws.String("x")})
	wantTyped[*types.NotFoundException](t, "UpdateMatchmakingConfiguration of an unknown configuration", err, "NotFoundException", "nope")
	// LimitExceededException.
	_, err = c.CreateMatchmakingConfiguration(ctx, &gamelift.CreateMatchmakingConfigurationInput{
		Name: aws.String("two"), RuleSetName: aws.String("duel"), RequestTimeoutSeconds: aws.Int32(60), AcceptanceRequired: aws.Bool(false),
	})
	wantTyped[*types.LimitExceededException](t, "CreateMatchmakingConfiguration past MaxConfigurations", err, "LimitExceededException", "limit is 1")

	// Nothing changed: no refused ticket exists, the good ticket is as it
	// was, and the configurations are the same.
	out, err := c.DescribeMatchmaking(ctx, &gamelift.DescribeMatchmakingInput{TicketIds: []string{"no-players", "bad-attr", "two-kinds", "lost", "good"}})
	if err != nil {
		t.Fatalf("DescribeMatchmaking: %v", err)
	}
	if len(out.TicketList) != 1 || aws.ToString(out.TicketList[0].TicketId) != "good" {
		t.Fatalf("DescribeMatchmaking: %d tickets, want only good", len(out.TicketList))
	}
	gt := out.TicketList[0]
	if gt.Status != types.MatchmakingConfigurationStatusQueued || len(gt.Players) != 1 || aws.ToString(gt.Players[0].PlayerId) != "alice" ||
		!gt.StartTime.Equal(*good.MatchmakingTicket.StartTime) {
		t.Errorf("ticket good changed: status %s players %+v start %v", gt.Status, gt.Players, gt.StartTime)
	}
	configsAfter, err := c.DescribeMatchmakingConfigurations(ctx, &gamelift.DescribeMatchmakingConfigurationsInput{})
	if err != nil {
		t.Fatalf("DescribeMatchmakingConfigurations: %v", err)
	}
	if len(configsAfter.Configurations) != 1 {
		t.Fatalf("%d configurations after the refused requests, want 1", len(configsAfter.Configurations))
	}
	b, a := configsBefore.Configurations[0], configsAfter.Configurations[0]
	if aws.ToString(a.Name) != "one" || aws.ToInt32(a.RequestTimeoutSeconds) != aws.ToInt32(b.RequestTimeoutSeconds) ||
		aws.ToString(a.Description) != aws.ToString(b.Description) || !a.CreationTime.Equal(*b.CreationTime) {
		t.Errorf("configuration changed by refused requests: before %+v after %+v", b, a)
	}
}

func TestSDKSignatures(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	// The real clock: the SDK signs with the time of day, and the server
	// refuses signatures too far from its clock.
	_, addr := startServer(t, server.Config{Tick: time.Hour, Credentials: map[string]string{"AKIDGOOD": "secret"}})
	good := sdkClient(addr, "AKIDGOOD", "secret")
	setupDuel(t, ctx, good, "signed")

	start := func(c *gamelift.Client, id string) error {
		_, err := c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
			ConfigurationName: aws.String("signed"), TicketId: aws.String(id), Players: []types.Player{player("p-"+id, 10)},
		})
		return err
	}
	if err := start(good, "by-good"); err != nil {
		t.Fatalf("StartMatchmaking with the right key: %v", err)
	}

	for _, tc := range []struct {
		name, keyID, secret, ticket, code string
	}{
		{"wrong secret", "AKIDGOOD", "not-the-secret", "by-wrong-secret", "InvalidSignatureException"},
		{"unknown key", "AKIDWHO", "secret", "by-unknown-key", "UnrecognizedClientException"},
	} {
		err := start(sdkClient(addr, tc.keyID, tc.secret), tc.ticket)
		var ae smithy.APIError
		if !errors.As(err, &ae) {
			t.Errorf("%s: error %T %v, want a smithy.APIError", tc.name, err, err)
			continue
		}
		if ae.ErrorCode() != tc.code {
			t.Errorf("%s: ErrorCode %q (%s), want %q", tc.name, ae.ErrorCode(), ae.ErrorMessage(), tc.code)
		}
		if ae.ErrorMessage() == "" {
			t.Errorf("%s: the error has no message", tc.name)
		}
		var re *smithyhttp.ResponseError
		if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusForbidden {
			t.Errorf("%s: HTTP status of %v, want 403", tc.name, err)
		}
	}

	out, err := good.DescribeMatchmaking(ctx, &gamelift.DescribeMatchmakingInput{TicketIds: []string{"by-wrong-secret", "by-unknown-key", "by-good"}})
	if err != nil {
		t.Fatalf("DescribeMatchmaking: %v", err)
	}
	if len(out.TicketList) != 1 || aws.ToString(out.TicketList[0].TicketId) != "by-good" {
		var ids []string
		for _, tk := range out.TicketList {
			ids = append(ids, aws.ToString(tk.TicketId))
		}
		t.Errorf("tickets %v, want only by-good: a refused request created a ticket", ids)
	}
}

func TestSDKEventsOverSSE(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	clock := newFakeClock(sdkEpoch)
	srv, addr := startServer(t, server.Config{Tick: time.Hour, Clock: clock.Now})
	c := sdkClient(addr, "AKID", "SECRET")
	events := openEvents(t, ctx, addr)
	setupDuel(t, ctx, c, "sse")

	for _, p := range []struct {
		ticket, player string
	}{{"sse-a", "ann"}, {"sse-b", "ben"}} {
		if _, err := c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
			ConfigurationName: aws.String("sse"), TicketId: aws.String(p.ticket), Players: []types.Player{player(p.player, 10)},
		}); err != nil {
			t.Fatalf("StartMatchmaking %s: %v", p.ticket, err)
		}
	}
	clock.Advance(time.Second)
	srv.Step()
	evs := nextEvents(t, events, "MatchmakingSucceeded")

	if _, err := c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
		ConfigurationName: aws.String("sse"), TicketId: aws.String("sse-c"), Players: []types.Player{player("cat", 10)},
	}); err != nil {
		t.Fatalf("StartMatchmaking sse-c: %v", err)
	}
	if _, err := c.StopMatchmaking(ctx, &gamelift.StopMatchmakingInput{TicketId: aws.String("sse-c")}); err != nil {
		t.Fatalf("StopMatchmaking sse-c: %v", err)
	}
	evs = append(evs, nextEvents(t, events, "MatchmakingCancelled")...)

	seen := map[string]bool{}
	searching := map[string]bool{}
	for i, ev := range evs {
		if ev.id == "" || ev.id != ev.JSON.ID {
			t.Errorf("event %d (%s): SSE id %q, JSON id %q; want them equal and set", i, ev.JSON.Detail.Type, ev.id, ev.JSON.ID)
		}
		if seen[ev.id] {
			t.Errorf("event id %q appears twice", ev.id)
		}
		seen[ev.id] = true
		if ev.JSON.Detail.Type == "MatchmakingSearching" {
			for _, tk := range ev.JSON.Detail.Tickets {
				searching[tk.TicketID] = true
			}
		}
	}
	if !searching["sse-a"] || !searching["sse-b"] {
		t.Errorf("MatchmakingSearching events name tickets %v, want sse-a and sse-b; events %v", searching, eventTypes(evs))
	}
	var succeeded, cancelled *sseEvent
	for i := range evs {
		switch evs[i].JSON.Detail.Type {
		case "MatchmakingSucceeded":
			succeeded = &evs[i]
		case "MatchmakingCancelled":
			cancelled = &evs[i]
		}
	}
	var matched []string
	for _, tk := range succeeded.JSON.Detail.Tickets {
		matched = append(matched, tk.TicketID)
	}
	if strings.Join(matched, ",") != "sse-a,sse-b" && strings.Join(matched, ",") != "sse-b,sse-a" || succeeded.JSON.Detail.MatchID == "" {
		t.Errorf("MatchmakingSucceeded: tickets %v matchId %q", matched, succeeded.JSON.Detail.MatchID)
	}
	if len(cancelled.JSON.Detail.Tickets) != 1 || cancelled.JSON.Detail.Tickets[0].TicketID != "sse-c" {
		t.Errorf("MatchmakingCancelled: %s", cancelled.data)
	}
	// The searching events come before the success.
	if eventTypes(evs)[0] != "MatchmakingSearching" {
		t.Errorf("event types %v, want MatchmakingSearching first", eventTypes(evs))
	}
}

// postJSON calls an operation over awsJson1_1 (POST / with X-Amz-Target),
// for this library's operations the SDK does not have, and returns the
// status and body.
func postJSON(t *testing.T, ctx context.Context, addr, op, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "GameLift."+op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: reading the answer: %v", op, err)
	}
	return resp.StatusCode, string(b)
}

// TestSDKPlacedMatchBackfill follows a WITH_QUEUE match through placement
// (CompletePlacement, this library's operation, over awsJson1_1) and
// backfills it by the GameSessionArn the SDK reads from the tickets'
// GameSessionConnectionInfo.
func TestSDKPlacedMatchBackfill(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	clock := newFakeClock(sdkEpoch)
	srv, addr := startServer(t, server.Config{Tick: time.Hour, Clock: clock.Now})
	c := sdkClient(addr, "AKID", "SECRET")
	events := openEvents(t, ctx, addr)
	if _, err := c.CreateMatchmakingRuleSet(ctx, &gamelift.CreateMatchmakingRuleSetInput{
		Name: aws.String("duel"), RuleSetBody: aws.String(skillRuleSet),
	}); err != nil {
		t.Fatalf("CreateMatchmakingRuleSet: %v", err)
	}
	const queue = "arn:aws:gamelift:us-east-1:000000000000:gamesessionqueue/sdk"
	if _, err := c.CreateMatchmakingConfiguration(ctx, &gamelift.CreateMatchmakingConfigurationInput{
		Name: aws.String("placed"), RuleSetName: aws.String("duel"), RequestTimeoutSeconds: aws.Int32(60),
		AcceptanceRequired: aws.Bool(false), FlexMatchMode: types.FlexMatchModeWithQueue, GameSessionQueueArns: []string{queue},
	}); err != nil {
		t.Fatalf("CreateMatchmakingConfiguration: %v", err)
	}
	for _, p := range []struct{ ticket, player string }{{"q-a", "amy"}, {"q-b", "bea"}} {
		if _, err := c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
			ConfigurationName: aws.String("placed"), TicketId: aws.String(p.ticket), Players: []types.Player{player(p.player, 10)},
		}); err != nil {
			t.Fatalf("StartMatchmaking %s: %v", p.ticket, err)
		}
	}
	clock.Advance(time.Second)
	srv.Step()
	evs := nextEvents(t, events, "PotentialMatchCreated")
	matchID := evs[len(evs)-1].JSON.Detail.MatchID
	teams := map[string]string{}
	for _, id := range []string{"q-a", "q-b"} {
		tk := describeTicket(t, ctx, c, id)
		if tk.Status != types.MatchmakingConfigurationStatusPlacing {
			t.Fatalf("%s: status %s, want PLACING", id, tk.Status)
		}
		for _, p := range tk.Players {
			teams[aws.ToString(p.PlayerId)] = aws.ToString(p.Team)
		}
	}

	const session = "arn:aws:gamelift:us-east-1::gamesession/fleet-1/gs-1"
	placed := clock.Advance(2 * time.Second)
	status, body := postJSON(t, ctx, addr, "CompletePlacement",
		`{"MatchId":"`+matchID+`","GameSessionArn":"`+session+`","IpAddress":"10.0.0.7","Port":7777}`)
	if status != http.StatusOK {
		t.Fatalf("CompletePlacement: %d %s", status, body)
	}
	var arn string
	for _, id := range []string{"q-a", "q-b"} {
		tk := describeTicket(t, ctx, c, id)
		if tk.Status != types.MatchmakingConfigurationStatusCompleted || tk.EndTime == nil || !tk.EndTime.Equal(placed) {
			t.Errorf("%s after CompletePlacement: status %s EndTime %v, want COMPLETED at %v", id, tk.Status, tk.EndTime, placed)
		}
		ci := tk.GameSessionConnectionInfo
		if ci == nil {
			t.Fatalf("%s: COMPLETED WITH_QUEUE ticket has no GameSessionConnectionInfo", id)
		}
		arn = aws.ToString(ci.GameSessionArn)
		if arn != session || aws.ToString(ci.IpAddress) != "10.0.0.7" || aws.ToInt32(ci.Port) != 7777 {
			t.Errorf("%s: connection info %q %q %d", id, arn, aws.ToString(ci.IpAddress), aws.ToInt32(ci.Port))
		}
		if len(ci.MatchedPlayerSessions) != 1 || !strings.HasPrefix(aws.ToString(ci.MatchedPlayerSessions[0].PlayerSessionId), "psess-") ||
			aws.ToString(ci.MatchedPlayerSessions[0].PlayerId) != aws.ToString(tk.Players[0].PlayerId) {
			t.Errorf("%s: MatchedPlayerSessions %+v", id, ci.MatchedPlayerSessions)
		}
	}

	// Backfill the game session by the ARN the tickets carry; a new player
	// joins it.
	var existing []types.Player
	for _, id := range []string{"amy", "bea"} {
		p := player(id, 10)
		p.Team, p.LatencyInMs = aws.String(teams[id]), nil
		existing = append(existing, p)
	}
	bf, err := c.StartMatchBackfill(ctx, &gamelift.StartMatchBackfillInput{
		ConfigurationName: aws.String("placed"), TicketId: aws.String("q-bf"), GameSessionArn: aws.String(arn), Players: existing,
	})
	if err != nil {
		t.Fatalf("StartMatchBackfill: %v", err)
	}
	if tk := bf.MatchmakingTicket; tk == nil || aws.ToString(tk.TicketId) != "q-bf" || tk.Status != types.MatchmakingConfigurationStatusQueued {
		t.Fatalf("StartMatchBackfill: %+v", tk)
	}
	if _, err := c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
		ConfigurationName: aws.String("placed"), TicketId: aws.String("q-c"), Players: []types.Player{player("cy", 12)},
	}); err != nil {
		t.Fatalf("StartMatchmaking q-c: %v", err)
	}
	clock.Advance(time.Second)
	srv.Step()
	nextEvents(t, events, "MatchmakingSucceeded")
	for _, id := range []string{"q-bf", "q-c"} {
		tk := describeTicket(t, ctx, c, id)
		if tk.Status != types.MatchmakingConfigurationStatusCompleted {
			t.Errorf("%s after the backfill step: status %s (%s), want COMPLETED", id, tk.Status, aws.ToString(tk.StatusMessage))
			continue
		}
		if id == "q-bf" {
			continue // its players are in the game already: no new player sessions
		}
		ci := tk.GameSessionConnectionInfo
		if ci == nil || aws.ToString(ci.GameSessionArn) != session || len(ci.MatchedPlayerSessions) != 1 ||
			aws.ToString(ci.MatchedPlayerSessions[0].PlayerId) != "cy" {
			t.Errorf("%s: connection info %+v, want game session %s with a player session for cy", id, ci, session)
		}
	}
}
