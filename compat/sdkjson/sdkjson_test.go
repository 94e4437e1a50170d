package sdkjson_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
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

	mfgamelift "github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/server"
)

// testTimeout bounds each test: everything runs on loopback against a
// server stepped by hand, so a second is plenty and a minute means a hang.
const testTimeout = 30 * time.Second

// clock is a fake clock the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// request is what the recorder keeps of one request.
type request struct {
	Method, Path, Target, ContentType string
}

// recorder wraps a handler and records every request it passes on.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	reqs []request
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, request{r.Method, r.URL.Path, r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type")})
	rec.mu.Unlock()
	rec.next.ServeHTTP(w, r) // w as given: GET /events needs its Flusher
}

func (rec *recorder) requests() []request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]request(nil), rec.reqs...)
}

// fixture is a matchforge server on 127.0.0.1 behind a recorder, and a
// v1.50.1 gamelift client pointed at it.
type fixture struct {
	srv    *server.Server
	clock  *clock
	rec    *recorder
	url    string
	client *gamelift.Client
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clk := &clock{now: time.Date(2026, 3, 14, 15, 9, 26, 535_897_932, time.UTC)}
	srv, err := server.New(server.Config{
		Clock: clk.Now,
		// The test steps the engine with srv.Step; nothing else does (the
		// server is served by the test's own http.Server, not Serve).
		Tick: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{next: srv.Handler()}
	hs := &http.Server{Handler: rec, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	url := "http://" + ln.Addr().String()
	client := gamelift.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "SECRET", ""),
		BaseEndpoint: aws.String(url),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   &http.Client{Timeout: 10 * time.Second},
	})
	return &fixture{srv: srv, clock: clk, rec: rec, url: url, client: client}
}

// ctx returns a context that ends with the test, or at testTimeout.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// ruleSet is a 1v1 with a skill attribute, a distance rule on it, and
// attributes of the other kinds the tickets send.
const ruleSet = `{
	"ruleLanguageVersion": "1.0",
	"playerAttributes": [
		{"name": "skill", "type": "number", "default": 10},
		{"name": "name", "type": "string", "default": "anon"},
		{"name": "modes", "type": "string_list", "default": ["duel"]},
		{"name": "lag", "type": "string_number_map", "default": {"eu": 50}}
	],
	"teams": [
		{"name": "red", "minPlayers": 1, "maxPlayers": 1},
		{"name": "blue", "minPlayers": 1, "maxPlayers": 1}
	],
	"rules": [{
		"name": "fair",
		"type": "distance",
		"measurements": ["avg(teams[red].players.attributes[skill])"],
		"referenceValue": "avg(teams[blue].players.attributes[skill])",
		"maxDistance": 10
	}]
}`

func player(id string, skill float64) types.Player {
	return types.Player{
		PlayerId: aws.String(id),
		PlayerAttributes: map[string]types.AttributeValue{
			"skill": {N: aws.Float64(skill)},
			"name":  {S: aws.String(id)},
			"modes": {SL: []string{"duel", "ffa"}},
			"lag":   {SDM: map[string]float64{"eu": 12, "us": 30.5}},
		},
		LatencyInMs: map[string]int32{"us-east-1": 20, "eu-west-1": 85},
	}
}

// events reads GET /events from when it is called, and sends each event.
func (f *fixture) events(t *testing.T, ctx context.Context) <-chan mfgamelift.Event {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		t.Fatalf("GET /events: %s", resp.Status)
	}
	ch := make(chan mfgamelift.Event, 64)
	go func() {
		defer resp.Body.Close()
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev mfgamelift.Event
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				continue // the "retry" preamble and "lost" messages
			}
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// waitEvent returns the first event of the given type.
func waitEvent(t *testing.T, ctx context.Context, ch <-chan mfgamelift.Event, typ string) mfgamelift.Event {
	t.Helper()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("the event stream ended before a %s event", typ)
			}
			if ev.Detail.Type == typ {
				return ev
			}
		case <-ctx.Done():
			t.Fatalf("no %s event: %v", typ, ctx.Err())
		}
	}
}

func describeOne(t *testing.T, ctx context.Context, c *gamelift.Client, id string) types.MatchmakingTicket {
	t.Helper()
	out, err := c.DescribeMatchmaking(ctx, &gamelift.DescribeMatchmakingInput{TicketIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeMatchmaking %s: %v", id, err)
	}
	if len(out.TicketList) != 1 {
		t.Fatalf("DescribeMatchmaking %s: %d tickets, want 1", id, len(out.TicketList))
	}
	return out.TicketList[0]
}

// TestJSONProtocolLifecycle drives a WITH_QUEUE 1v1 from rule set to
// backfill through the v1.50.1 client, and checks that every API request
// it made was awsJson1_1.
func TestJSONProtocolLifecycle(t *testing.T) {
	ctx := testContext(t)
	f := newFixture(t)
	c := f.client
	start := f.clock.Now()

	rs, err := c.CreateMatchmakingRuleSet(ctx, &gamelift.CreateMatchmakingRuleSetInput{
		Name: aws.String("duel"), RuleSetBody: aws.String(ruleSet),
	})
	if err != nil {
		t.Fatalf("CreateMatchmakingRuleSet: %v", err)
	}
	if aws.ToString(rs.RuleSet.RuleSetName) != "duel" || !strings.HasSuffix(aws.ToString(rs.RuleSet.RuleSetArn), ":matchmakingruleset/duel") {
		t.Errorf("rule set %q %q", aws.ToString(rs.RuleSet.RuleSetName), aws.ToString(rs.RuleSet.RuleSetArn))
	}

	queue := "arn:aws:gamelift:us-east-1:000000000000:gamesessionqueue/main"
	cfg, err := c.CreateMatchmakingConfiguration(ctx, &gamelift.CreateMatchmakingConfigurationInput{
		Name:                  aws.String("duel"),
		RuleSetName:           aws.String("duel"),
		RequestTimeoutSeconds: aws.Int32(60),
		AcceptanceRequired:    aws.Bool(false),
		FlexMatchMode:         types.FlexMatchModeWithQueue,
		GameSessionQueueArns:  []string{queue},
		BackfillMode:          types.BackfillModeManual,
	})
	if err != nil {
		t.Fatalf("CreateMatchmakingConfiguration: %v", err)
	}
	if aws.ToString(cfg.Configuration.Name) != "duel" || cfg.Configuration.FlexMatchMode != types.FlexMatchModeWithQueue {
		t.Errorf("configuration %q %q", aws.ToString(cfg.Configuration.Name), cfg.Configuration.FlexMatchMode)
	}

	f.clock.Advance(2 * time.Second)
	desc, err := c.DescribeMatchmakingConfigurations(ctx, &gamelift.DescribeMatchmakingConfigurationsInput{Names: []string{"duel"}})
	if err != nil {
		t.Fatalf("DescribeMatchmakingConfigurations: %v", err)
	}
	if len(desc.Configurations) != 1 {
		t.Fatalf("%d configurations, want 1", len(desc.Configurations))
	}
	dc := desc.Configurations[0]
	if dc.CreationTime == nil || dc.CreationTime.Sub(start).Abs() > time.Millisecond {
		t.Errorf("CreationTime %v, want %v to the millisecond", dc.CreationTime, start)
	}
	if aws.ToBool(dc.AcceptanceRequired) || aws.ToInt32(dc.RequestTimeoutSeconds) != 60 || aws.ToString(dc.RuleSetName) != "duel" ||
		len(dc.GameSessionQueueArns) != 1 || dc.GameSessionQueueArns[0] != queue || dc.BackfillMode != types.BackfillModeManual {
		t.Errorf("described configuration %+v", dc)
	}

	// The event stream, from now on: PotentialMatchCreated names the
	// match id that CompletePlacement needs.
	evCtx, stopEvents := context.WithCancel(ctx)
	defer stopEvents()
	evs := f.events(t, evCtx)

	startAt := f.clock.Now()
	for _, p := range []struct {
		ticket, player string
		skill          float64
	}{{"t-alice", "alice", 20}, {"t-bob", "bob", 24}} {
		out, err := c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
			ConfigurationName: aws.String("duel"),
			TicketId:          aws.String(p.ticket),
			Players:           []types.Player{player(p.player, p.skill)},
		})
		if err != nil {
			t.Fatalf("StartMatchmaking %s: %v", p.ticket, err)
		}
		tk := out.MatchmakingTicket
		if aws.ToString(tk.TicketId) != p.ticket || tk.Status != types.MatchmakingConfigurationStatusQueued {
			t.Errorf("StartMatchmaking %s: ticket %q status %q", p.ticket, aws.ToString(tk.TicketId), tk.Status)
		}
	}

	tk := describeOne(t, ctx, c, "t-alice")
	if tk.Status != types.MatchmakingConfigurationStatusQueued {
		t.Errorf("t-alice status %q, want QUEUED", tk.Status)
	}
	if want := startAt.Truncate(time.Millisecond); tk.StartTime == nil || !tk.StartTime.Equal(want) {
		t.Errorf("StartTime %v, want %v", tk.StartTime, want)
	}
	if aws.ToString(tk.ConfigurationName) != "duel" || len(tk.Players) != 1 {
		t.Fatalf("t-alice: configuration %q, %d players", aws.ToString(tk.ConfigurationName), len(tk.Players))
	}
	pa := tk.Players[0].PlayerAttributes
	if aws.ToFloat64(pa["skill"].N) != 20 || aws.ToString(pa["name"].S) != "alice" ||
		strings.Join(pa["modes"].SL, ",") != "duel,ffa" || pa["lag"].SDM["us"] != 30.5 || pa["lag"].SDM["eu"] != 12 {
		t.Errorf("t-alice attributes %+v", pa)
	}
	if lat := tk.Players[0].LatencyInMs; lat["us-east-1"] != 20 || lat["eu-west-1"] != 85 {
		t.Errorf("t-alice LatencyInMs %v", lat)
	}

	// The match: its game session is placed, as the game session queue
	// would report it (CompletePlacement is matchforge's, not the SDK's).
	f.clock.Advance(time.Second)
	f.srv.Step()
	pm := waitEvent(t, ctx, evs, "PotentialMatchCreated")
	if pm.Detail.MatchID == "" {
		t.Fatalf("PotentialMatchCreated has no matchId: %+v", pm.Detail)
	}
	if tk := describeOne(t, ctx, c, "t-bob"); tk.Status != types.MatchmakingConfigurationStatusPlacing {
		t.Errorf("t-bob status %q after the step, want PLACING", tk.Status)
	}
	session := "arn:aws:gamelift:us-east-1::gamesession/fleet-1/gs-1"
	placement, _ := json.Marshal(map[string]any{"MatchId": pm.Detail.MatchID, "GameSessionArn": session, "IpAddress": "127.0.0.1", "Port": 7777})
	if _, err := f.srv.Do("CompletePlacement", placement); err != nil {
		t.Fatalf("CompletePlacement: %v", err)
	}

	done := describeOne(t, ctx, c, "t-alice")
	if done.Status != types.MatchmakingConfigurationStatusCompleted {
		t.Fatalf("t-alice status %q (%s), want COMPLETED", done.Status, aws.ToString(done.StatusMessage))
	}
	if done.EndTime == nil || done.EndTime.Before(*done.StartTime) {
		t.Errorf("EndTime %v, StartTime %v", done.EndTime, done.StartTime)
	}
	info := done.GameSessionConnectionInfo
	if info == nil {
		t.Fatal("no GameSessionConnectionInfo on the completed ticket")
	}
	if aws.ToString(info.GameSessionArn) != session || aws.ToString(info.IpAddress) != "127.0.0.1" || aws.ToInt32(info.Port) != 7777 {
		t.Errorf("connection info %q %q %d", aws.ToString(info.GameSessionArn), aws.ToString(info.IpAddress), aws.ToInt32(info.Port))
	}
	if len(info.MatchedPlayerSessions) != 1 || aws.ToString(info.MatchedPlayerSessions[0].PlayerId) != "alice" ||
		!strings.HasPrefix(aws.ToString(info.MatchedPlayerSessions[0].PlayerSessionId), "psess-") {
		t.Errorf("MatchedPlayerSessions %+v", info.MatchedPlayerSessions)
	}
	team := map[string]string{}
	for _, id := range []string{"t-alice", "t-bob"} {
		tk := describeOne(t, ctx, c, id)
		if len(tk.Players) == 1 {
			team[aws.ToString(tk.Players[0].PlayerId)] = aws.ToString(tk.Players[0].Team)
		}
	}
	if len(team) != 2 || team["alice"] == team["bob"] || (team["alice"] != "red" && team["alice"] != "blue") {
		t.Errorf("teams %v, want alice and bob on red and blue", team)
	}

	// A third ticket, stopped.
	if _, err := c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
		ConfigurationName: aws.String("duel"), TicketId: aws.String("t-carol"), Players: []types.Player{player("carol", 22)},
	}); err != nil {
		t.Fatalf("StartMatchmaking t-carol: %v", err)
	}
	if _, err := c.StopMatchmaking(ctx, &gamelift.StopMatchmakingInput{TicketId: aws.String("t-carol")}); err != nil {
		t.Fatalf("StopMatchmaking: %v", err)
	}
	if tk := describeOne(t, ctx, c, "t-carol"); tk.Status != types.MatchmakingConfigurationStatusCancelled {
		t.Errorf("t-carol status %q, want CANCELLED", tk.Status)
	}

	// Backfill the game session with the players it has.
	var in []types.Player
	for _, id := range []string{"alice", "bob"} {
		p := player(id, map[string]float64{"alice": 20, "bob": 24}[id])
		p.Team = aws.String(team[id])
		p.LatencyInMs = nil
		in = append(in, p)
	}
	bf, err := c.StartMatchBackfill(ctx, &gamelift.StartMatchBackfillInput{
		ConfigurationName: aws.String("duel"),
		GameSessionArn:    info.GameSessionArn,
		TicketId:          aws.String("bf-1"),
		Players:           in,
	})
	if err != nil {
		t.Fatalf("StartMatchBackfill: %v", err)
	}
	if bt := bf.MatchmakingTicket; bt == nil || aws.ToString(bt.TicketId) != "bf-1" || bt.Status != types.MatchmakingConfigurationStatusQueued {
		t.Errorf("backfill ticket %+v", bt)
	}
	stopEvents()

	// Every API request was awsJson1_1.
	var api int
	for _, r := range f.rec.requests() {
		if r.Method == http.MethodGet && r.Path == "/events" {
			continue
		}
		api++
		if r.Method != http.MethodPost || r.Path != "/" || !strings.HasPrefix(r.Target, "GameLift.") || r.ContentType != "application/x-amz-json-1.1" {
			t.Errorf("request %s %s X-Amz-Target %q Content-Type %q, want awsJson1_1: POST / X-Amz-Target GameLift.<Op> application/x-amz-json-1.1", r.Method, r.Path, r.Target, r.ContentType)
		}
	}
	seen := map[string]bool{}
	for _, r := range f.rec.requests() {
		seen[r.Target] = true
	}
	for _, op := range []string{"CreateMatchmakingRuleSet", "CreateMatchmakingConfiguration", "DescribeMatchmakingConfigurations",
		"StartMatchmaking", "DescribeMatchmaking", "StopMatchmaking", "StartMatchBackfill"} {
		if !seen["GameLift."+op] {
			t.Errorf("no request with X-Amz-Target GameLift.%s; targets seen: %v", op, seen)
		}
	}
	t.Logf("%d API requests, e.g. %+v", api, f.rec.requests()[0])
}

// TestJSONProtocolErrorsAreTyped checks that the server's JSON errors come
// back through the v1.50.1 client as the modelled exception types, with
// the server's message.
func TestJSONProtocolErrorsAreTyped(t *testing.T) {
	ctx := testContext(t)
	f := newFixture(t)
	c := f.client
	if _, err := c.CreateMatchmakingRuleSet(ctx, &gamelift.CreateMatchmakingRuleSetInput{Name: aws.String("duel"), RuleSetBody: aws.String(ruleSet)}); err != nil {
		t.Fatalf("CreateMatchmakingRuleSet: %v", err)
	}
	if _, err := c.CreateMatchmakingConfiguration(ctx, &gamelift.CreateMatchmakingConfigurationInput{
		Name: aws.String("duel"), RuleSetName: aws.String("duel"), RequestTimeoutSeconds: aws.Int32(60), AcceptanceRequired: aws.Bool(false),
	}); err != nil {
		t.Fatalf("CreateMatchmakingConfiguration: %v", err)
	}

	t.Run("InvalidRequestException", func(t *testing.T) {
		// A skill of the wrong kind: the rule set declares it a number.
		_, err := c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
			ConfigurationName: aws.String("duel"),
			Players: []types.Player{{PlayerId: aws.String("p1"), PlayerAttributes: map[string]types.AttributeValue{
				"skill": {S: aws.String("high")},
			}}},
		})
		var e *types.InvalidRequestException
		if !errors.As(err, &e) {
			t.Fatalf("error %T %v, want *types.InvalidRequestException", err, err)
		}
		if msg := e.ErrorMessage(); !strings.Contains(msg, "skill") {
			t.Errorf("ErrorMessage %q does not name the attribute skill", msg)
		}
		t.Logf("InvalidRequestException: %s", e.ErrorMessage())
	})
	t.Run("InvalidRequestException/out of range", func(t *testing.T) {
		_, err := c.CreateMatchmakingConfiguration(ctx, &gamelift.CreateMatchmakingConfigurationInput{
			Name: aws.String("other"), RuleSetName: aws.String("duel"), RequestTimeoutSeconds: aws.Int32(0), AcceptanceRequired: aws.Bool(false),
		})
		var e *types.InvalidRequestException
		if !errors.As(err, &e) {
			t.Fatalf("error %T %v, want *types.InvalidRequestException", err, err)
		}
		if msg := e.ErrorMessage(); !strings.Contains(msg, "RequestTimeoutSeconds") {
			t.Errorf("ErrorMessage %q does not name RequestTimeoutSeconds", msg)
		}
		t.Logf("InvalidRequestException: %s", e.ErrorMessage())
	})
	t.Run("NotFoundException", func(t *testing.T) {
		_, err := c.StopMatchmaking(ctx, &gamelift.StopMatchmakingInput{TicketId: aws.String("t-nowhere")})
		var e *types.NotFoundException
		if !errors.As(err, &e) {
			t.Fatalf("error %T %v, want *types.NotFoundException", err, err)
		}
		if msg := e.ErrorMessage(); !strings.Contains(msg, "t-nowhere") {
			t.Errorf("ErrorMessage %q does not name the ticket t-nowhere", msg)
		}
		t.Logf("NotFoundException: %s", e.ErrorMessage())
	})
	t.Run("NotFoundException/configuration", func(t *testing.T) {
		_, err := c.StartMatchmaking(ctx, &gamelift.StartMatchmakingInput{
			ConfigurationName: aws.String("nowhere"), Players: []types.Player{{PlayerId: aws.String("p1")}},
		})
		var e *types.NotFoundException
		if !errors.As(err, &e) {
			t.Fatalf("error %T %v, want *types.NotFoundException", err, err)
		}
		if msg := e.ErrorMessage(); !strings.Contains(msg, "nowhere") {
			t.Errorf("ErrorMessage %q does not name the configuration", msg)
		}
		t.Logf("NotFoundException: %s", e.ErrorMessage())
	})
	for _, r := range f.rec.requests() {
		if r.Path != "/" || !strings.HasPrefix(r.Target, "GameLift.") || r.ContentType != "application/x-amz-json-1.1" {
			t.Errorf("request %+v is not awsJson1_1", r)
		}
	}
}
