package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/matchforge/matchforge/bench"
	"github.com/matchforge/matchforge/gamelift"
)

func TestMetricsFollowTheTraffic(t *testing.T) {
	reader := metric.NewManualReader()
	s, c := newTestServer(t, Config{MeterProvider: metric.NewMeterProvider(metric.WithReader(reader))}, "")
	h := s.Handler()
	for i := range 4 {
		body := fmt.Sprintf(`{"ConfigurationName":"duel","Players":[{"PlayerId":"p%d"}]}`, i)
		if w := post(h, "StartMatchmaking", "application/x-amz-json-1.1", body); w.Code != 200 {
			t.Fatal(w.Body)
		}
	}
	post(h, "StartMatchmaking", "application/x-amz-json-1.1", `{"ConfigurationName":"nope","Players":[{"PlayerId":"x"}]}`)
	post(h, "StartMatchmaking", "application/x-amz-json-1.1", `{"ConfigurationName":"lobby","Players":[{"PlayerId":"w"}]}`)
	c.advance(3 * time.Second)
	s.Step()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	find := func(name string) metricdata.Aggregation {
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				if m.Name == name {
					return m.Data
				}
			}
		}
		t.Fatalf("no metric %s", name)
		return nil
	}
	requests := find("matchforge.http.requests").(metricdata.Sum[int64])
	byOutcome := map[string]int64{}
	for _, p := range requests.DataPoints {
		op, _ := p.Attributes.Value("operation")
		out, _ := p.Attributes.Value("outcome")
		byOutcome[op.AsString()+" "+out.AsString()] += p.Value
	}
	if byOutcome["StartMatchmaking ok"] != 5 || byOutcome["StartMatchmaking NotFoundException"] != 1 {
		t.Errorf("requests by operation and outcome: %v", byOutcome)
	}
	if lat := find("matchforge.http.request.duration").(metricdata.Histogram[float64]); len(lat.DataPoints) != 2 {
		t.Errorf("latency has %d series, want 2 (ok and NotFoundException)", len(lat.DataPoints))
	}
	matches := find("matchforge.matches").(metricdata.Sum[int64])
	if len(matches.DataPoints) != 1 || matches.DataPoints[0].Value != 2 {
		t.Errorf("matches %+v, want 2 for duel", matches.DataPoints)
	}
	ttm := find("matchforge.time_to_match").(metricdata.Histogram[float64])
	if len(ttm.DataPoints) != 1 || ttm.DataPoints[0].Count != 4 || ttm.DataPoints[0].Sum != 12 {
		t.Errorf("time to match %+v, want 4 tickets of 3 s", ttm.DataPoints)
	}
	if steps := find("matchforge.step.duration").(metricdata.Histogram[float64]); steps.DataPoints[0].Count != 1 {
		t.Errorf("step duration count %d, want 1", steps.DataPoints[0].Count)
	}
	tickets := find("matchforge.tickets").(metricdata.Gauge[int64])
	got := map[string]int64{}
	for _, p := range tickets.DataPoints {
		cfg, _ := p.Attributes.Value("configuration")
		st, _ := p.Attributes.Value("status")
		if p.Value > 0 {
			got[cfg.AsString()+" "+st.AsString()] = p.Value
		}
	}
	if fmt.Sprint(got) != "map[duel COMPLETED:4 lobby SEARCHING:1]" {
		t.Errorf("tickets by configuration and status: %v", got)
	}
	waiting := find("matchforge.tickets.waiting").(metricdata.Gauge[int64])
	for _, p := range waiting.DataPoints {
		if cfg, _ := p.Attributes.Value("configuration"); cfg == attribute.StringValue("lobby") && p.Value != 1 {
			t.Errorf("lobby waiting %d, want 1", p.Value)
		}
	}
}

func TestHealthReadinessAndCleanStop(t *testing.T) {
	s, _ := newTestServer(t, Config{}, "")
	get := func(h http.Handler, path string) (int, string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w.Code, w.Body.String()
	}
	if code, _ := get(s.Handler(), "/healthz"); code != 200 {
		t.Errorf("healthz before Serve: %d", code)
	}
	if code, body := get(s.Handler(), "/readyz"); code != 503 || !strings.Contains(body, "not ready") {
		t.Errorf("readyz before Serve: %d %s", code, body)
	}
	if code, _ := get(s.Handler(), "/metrics"); code != 404 {
		t.Errorf("metrics without Config.Metrics: %d, want 404", code)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	waitFor(t, "readyz 200", func() bool {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	// An open event stream does not hold the stop up.
	resp, err := http.Get(url + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	mustDo(t, s, gamelift.OpStartMatchmaking, map[string]any{"ConfigurationName": "lobby", "Players": []any{map[string]any{"PlayerId": "last"}}})
	s.Step()
	if err := s.Serve(ctx, ln); err != ErrServed {
		t.Errorf("a second Serve: %v, want ErrServed", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return within 10s")
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("the event stream did not end cleanly: %v", err)
	}
	if !strings.Contains(string(rest), `"type":"MatchmakingSearching"`) {
		t.Errorf("the event published before the stop was not streamed: %q", rest)
	}
	if code, _ := get(s.Handler(), "/readyz"); code != 503 {
		t.Errorf("readyz after the stop: %d", code)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("the listener still accepts after the stop")
	}
}

func TestSetup(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	good := `{
  "RuleSets": [
    {"Name": "duel", "RuleSetBody": {"ruleLanguageVersion": "1.0", "teams": [{"name": "a", "minPlayers": 1, "maxPlayers": 1}, {"name": "b", "minPlayers": 1, "maxPlayers": 1}]}},
    {"Name": "duel-string", "RuleSetBody": "{\"ruleLanguageVersion\":\"1.0\",\"teams\":[{\"name\":\"a\",\"minPlayers\":1,\"maxPlayers\":1}]}"}
  ],
  "Configurations": [
    {"Name": "duel", "RuleSetName": "duel", "RequestTimeoutSeconds": 30, "AcceptanceRequired": false}
  ]
}`
	res, err := s.Setup([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"RuleSets[0] duel", "RuleSets[1] duel-string", "Configurations[0] duel"}; !slices.Equal(res.Created, want) || len(res.Kept) != 0 {
		t.Errorf("Setup did %+v; want %v created", res, want)
	}
	out := string(mustDo(t, s, gamelift.OpDescribeMatchmakingConfigurations, map[string]any{}))
	if !strings.Contains(out, `"Name":"duel"`) || !strings.Contains(out, `"RequestTimeoutSeconds":30`) {
		t.Errorf("after setup: %s", out)
	}
	rs := string(mustDo(t, s, gamelift.OpDescribeMatchmakingRuleSets, map[string]any{}))
	if !strings.Contains(rs, `"RuleSetName":"duel-string"`) || !strings.Contains(rs, `minPlayers`) {
		t.Errorf("rule sets after setup: %s", rs)
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"syntax", "{\n  \"RuleSets\": [,]\n}", "line 2, column"},
		{"unknown member", `{"Rulesets": []}`, `unknown member "Rulesets"`},
		{"empty", `{}`, "no RuleSets and no Configurations"},
		{"bad rule set", `{"RuleSets": [{"Name": "x", "RuleSetBody": {"teams": []}}]}`, "RuleSets[0]: InvalidRequestException"},
		{"bad configuration", `{"Configurations": [{"Name": "y", "RuleSetName": "missing", "RequestTimeoutSeconds": 30, "AcceptanceRequired": false}]}`, "Configurations[0]: NotFoundException"},
		{"entry not an object", `{"RuleSets": [3]}`, "RuleSets[0]: must be an object"},
	} {
		_, err := s.Setup([]byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want it to mention %q", tc.name, err, tc.want)
		}
	}

	// Again, with one entry more and a bad one at the end: nothing is
	// created, not even the new rule set before the bad entry.
	bad := strings.Replace(good, `"RuleSets": [`, `"RuleSets": [
    {"Name": "extra", "RuleSetBody": {"ruleLanguageVersion": "1.0", "teams": [{"name": "a", "minPlayers": 1, "maxPlayers": 1}]}},`, 1)
	bad = strings.Replace(bad, `"Configurations": [`, `"Configurations": [
    {"Name": "broken", "RuleSetName": "missing", "RequestTimeoutSeconds": 30, "AcceptanceRequired": false},`, 1)
	if _, err := s.Setup([]byte(bad)); err == nil || !strings.Contains(err.Error(), "Configurations[0]") || !strings.Contains(err.Error(), "nothing was created") {
		t.Errorf("a setup with a bad configuration: %v", err)
	}
	if rs := string(mustDo(t, s, gamelift.OpDescribeMatchmakingRuleSets, map[string]any{})); strings.Contains(rs, `"extra"`) {
		t.Errorf("the failed setup created rule set extra: %s", rs)
	}
	// The same document again (a restart, or a start cut short in its
	// setup) keeps what exists and creates only what is missing.
	missing := strings.Replace(good, `"Configurations": [`, `"Configurations": [
    {"Name": "duel-2", "RuleSetName": "duel", "RequestTimeoutSeconds": 30, "AcceptanceRequired": false},`, 1)
	res, err = s.Setup([]byte(missing))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Created, []string{"Configurations[0] duel-2"}) || len(res.Kept) != 3 {
		t.Errorf("Setup again did %+v; want duel-2 created and 3 kept", res)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Tick: -1}, "Tick"},
		{Config{MaxBodyBytes: MaxMaxBodyBytes + 1}, "MaxBodyBytes"},
		{Config{EventHistory: -1}, "EventHistory"},
		{Config{DrainTimeout: -time.Second}, "DrainTimeout"},
		{Config{Credentials: map[string]string{"AKID": ""}}, "Credentials"},
		{Config{Webhooks: WebhookOptions{QueueSize: -1}}, "QueueSize"},
		{Config{Webhooks: WebhookOptions{MinBackoff: time.Second, MaxBackoff: time.Millisecond}}, "MinBackoff"},
	} {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want it to name %s", tc.cfg, err, tc.want)
		}
		if _, err := New(tc.cfg); err == nil {
			t.Errorf("New accepted %+v", tc.cfg)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("the zero Config: %v", err)
	}
}

// The default setup document sets up the default rule set and
// configuration, which the load benchmarks and matchforge load use.
func TestSetupDefault(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Setup(bench.DefaultSetup())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"RuleSets[0] " + bench.DefaultName, "Configurations[0] " + bench.DefaultName}
	if !slices.Equal(res.Created, want) {
		t.Errorf("created %v; want %v", res.Created, want)
	}
}
