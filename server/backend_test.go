package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdkgamelift "github.com/aws/aws-sdk-go-v2/service/gamelift"
	"github.com/aws/smithy-go/encoding/cbor"
	"go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/internal/rpcv2"
)

// backendCall is one call a fakeBackend saw.
type backendCall struct {
	op, input, requestID string
}

// fakeBackend records its calls and answers with answer, or, when answer
// is nil, with svc, a service of its own (standing in for the cluster).
type fakeBackend struct {
	mu     sync.Mutex
	calls  []backendCall
	answer func(op string, input []byte) ([]byte, error)
	svc    *gamelift.Service
}

func (b *fakeBackend) Do(ctx context.Context, op string, input []byte, requestID string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, backendCall{op, string(input), requestID})
	if b.answer != nil {
		return b.answer(op, input)
	}
	out, err := b.svc.Dispatch(epoch, op, input)
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// ops returns the operations the backend saw, in order.
func (b *fakeBackend) ops() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, c := range b.calls {
		out = append(out, c.op)
	}
	return out
}

func (b *fakeBackend) last() backendCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.calls) == 0 {
		return backendCall{}
	}
	return b.calls[len(b.calls)-1]
}

func newBackendServer(t testing.TB, cfg Config, b Backend) *Server {
	t.Helper()
	cfg.Backend = b
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBackendRunsTheAPIsOperations(t *testing.T) {
	const canned = `{"TicketList":[{"TicketId":"t1","Status":"SEARCHING"}]}`
	b := &fakeBackend{answer: func(op string, input []byte) ([]byte, error) {
		switch {
		case bytes.Contains(input, []byte("missing")):
			return nil, &gamelift.Error{Type: "NotFoundException", Message: "ticket missing does not exist"}
		case bytes.Contains(input, []byte("broken")):
			return nil, &gamelift.Error{Type: "InternalServiceException", Message: "the owner is unreachable"}
		case bytes.Contains(input, []byte("plain")):
			return nil, errors.New("not an API error")
		}
		return []byte(canned), nil
	}}
	s := newBackendServer(t, Config{}, b)
	h := s.Handler()

	// awsJson1_1, with the invocation id in lower case on the wire.
	url := serve(t, s)
	body := `{"TicketIds": ["t1"]}`
	req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "GameLift.DescribeMatchmaking")
	req.Header.Set("Content-Type", jsonContentType)
	req.Header["amz-sdk-invocation-id"] = []string{"inv-1"} // sent as written
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	got.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || got.String() != canned {
		t.Errorf("JSON answer %d %s, want 200 %s", resp.StatusCode, got.String(), canned)
	}
	if c := b.last(); c != (backendCall{gamelift.OpDescribeMatchmaking, body, "inv-1"}) {
		t.Errorf("the backend saw %+v", c)
	}

	// rpc-v2-cbor: the CBOR body reaches the backend as JSON, and its JSON
	// output comes back as CBOR.
	cborBody := append([]byte{0xa1, 0x69}, "TicketIds"...)
	cborBody = append(cborBody, 0x81, 0x62, 't', '1')
	r := httptest.NewRequest(http.MethodPost, "/service/GameLift/operation/DescribeMatchmaking", bytes.NewReader(cborBody))
	r.Header.Set("Content-Type", cborContentType)
	r.Header.Set("Amz-Sdk-Invocation-Id", "inv-2")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	want, _ := rpcv2.ResponseFromJSON([]byte(canned))
	gotV, gerr := cbor.Decode(w.Body.Bytes())
	wantV, _ := cbor.Decode(want)
	if w.Code != 200 || gerr != nil || !reflect.DeepEqual(gotV, wantV) {
		t.Errorf("CBOR answer %d %x (%v), want 200 %x", w.Code, w.Body.Bytes(), gerr, want)
	}
	if c := b.last(); c.op != gamelift.OpDescribeMatchmaking || c.input != `{"TicketIds":["t1"]}` || c.requestID != "inv-2" {
		t.Errorf("the backend saw %+v", c)
	}

	// The backend's errors, in both protocols.
	for _, tc := range []struct {
		ticket, typ string
		status      int
	}{
		{"missing", "NotFoundException", 400},
		{"broken", "InternalServiceException", 500},
		{"plain", "InternalServiceException", 500},
	} {
		w := post(h, gamelift.OpDescribeMatchmaking, jsonContentType, `{"TicketIds":["`+tc.ticket+`"]}`)
		if e := errorOf(t, w); w.Code != tc.status || e.Type != tc.typ {
			t.Errorf("%s over JSON: %d %+v, want %d %s", tc.ticket, w.Code, e, tc.status, tc.typ)
		}
		cb := append([]byte{0xa1, 0x69}, "TicketIds"...)
		cb = append(cb, 0x81, 0x60+byte(len(tc.ticket)))
		cb = append(cb, tc.ticket...)
		r := httptest.NewRequest(http.MethodPost, "/service/GameLift/operation/DescribeMatchmaking", bytes.NewReader(cb))
		r.Header.Set("Content-Type", cborContentType)
		w = httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.status || w.Header().Get("X-Amzn-Errortype") != tc.typ {
			t.Errorf("%s over CBOR: %d %s, want %d %s", tc.ticket, w.Code, w.Header().Get("X-Amzn-Errortype"), tc.status, tc.typ)
		}
	}
	if c := b.last(); c.requestID != "" {
		t.Errorf("a request without an invocation id reached the backend with %q", c.requestID)
	}

	// Refused before the backend: an unknown operation, a wrong content
	// type, a body over the limit, a missing signature. The backend sees
	// none of them.
	n := len(b.ops())
	for _, w := range []*httptest.ResponseRecorder{
		post(h, "Nope", jsonContentType, `{}`),
		post(h, gamelift.OpDescribeMatchmaking, "text/plain", `{}`),
		post(newBackendServer(t, Config{MaxBodyBytes: 16}, b).Handler(), gamelift.OpDescribeMatchmaking, jsonContentType, `{"TicketIds":["t1","t2","t3"]}`),
		post(newBackendServer(t, Config{Credentials: map[string]string{"AKID": "SECRET"}}, b).Handler(), gamelift.OpDescribeMatchmaking, jsonContentType, `{"TicketIds":["t1"]}`),
	} {
		if w.Code < 400 {
			t.Errorf("a bad request was answered %d %s", w.Code, w.Body)
		}
	}
	if _, err := s.Do("Nope", []byte(`{}`)); !errors.Is(err, gamelift.ErrUnknownOperation) {
		t.Errorf("Do of an unknown operation: %v", err)
	}
	if len(b.ops()) != n {
		t.Errorf("refused requests reached the backend: %v", b.ops()[n:])
	}

	// Do and DoContext go to the backend too.
	if out, err := s.Do(gamelift.OpDescribeMatchmaking, []byte(`{"TicketIds":["t1"]}`)); err != nil || string(out) != canned {
		t.Errorf("Do: %s, %v", out, err)
	}
	if c := b.last(); c.requestID != "" || c.op != gamelift.OpDescribeMatchmaking {
		t.Errorf("Do reached the backend as %+v", c)
	}
	if _, err := s.DoContext(context.Background(), gamelift.OpStopMatchmaking, []byte(`{"TicketId":"t1"}`), "inv-3"); err != nil {
		t.Fatal(err)
	}
	if c := b.last(); c != (backendCall{gamelift.OpStopMatchmaking, `{"TicketId":"t1"}`, "inv-3"}) {
		t.Errorf("DoContext reached the backend as %+v", c)
	}
}

// The AWS SDK sends an invocation id, the same on its retry of a call: a
// backend can recognise the retry.
func TestBackendSeesTheSDKsInvocationIDAcrossRetries(t *testing.T) {
	var attempts int
	b := &fakeBackend{answer: func(op string, _ []byte) ([]byte, error) {
		if attempts++; attempts == 1 {
			return nil, &gamelift.Error{Type: "InternalServiceException", Message: "the owner failed over; try again"}
		}
		return []byte(`{"TicketList":[]}`), nil
	}}
	s := newBackendServer(t, Config{}, b)
	url := serve(t, s)
	client := sdkgamelift.New(sdkgamelift.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := client.DescribeMatchmaking(ctx, &sdkgamelift.DescribeMatchmakingInput{TicketIds: []string{"t1"}}); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.calls) != 2 || b.calls[0].requestID == "" || b.calls[0].requestID != b.calls[1].requestID {
		t.Errorf("the backend saw %+v; want two attempts with one invocation id", b.calls)
	}
}

// Serve with a Backend steps nothing: two tickets that match at the first
// step of the server's own service stay queued, while /readyz says ready.
func TestBackendServeDoesNotStep(t *testing.T) {
	b := &fakeBackend{answer: func(string, []byte) ([]byte, error) { return []byte(`{}`), nil }}
	c := &clock{t: epoch}
	s := newBackendServer(t, Config{Tick: time.Millisecond, Clock: c.now}, b)
	s.Service(func(svc *gamelift.Service, now time.Time) {
		for _, in := range []struct {
			op   string
			body any
		}{
			{gamelift.OpCreateMatchmakingRuleSet, map[string]any{"Name": "duel", "RuleSetBody": oneVsOne}},
			{gamelift.OpCreateMatchmakingConfiguration, map[string]any{"Name": "duel", "RuleSetName": "duel", "RequestTimeoutSeconds": 60, "AcceptanceRequired": false}},
			{gamelift.OpStartMatchmaking, map[string]any{"ConfigurationName": "duel", "TicketId": "a", "Players": []any{map[string]any{"PlayerId": "pa"}}}},
			{gamelift.OpStartMatchmaking, map[string]any{"ConfigurationName": "duel", "TicketId": "b", "Players": []any{map[string]any{"PlayerId": "pb"}}}},
		} {
			body, _ := json.Marshal(in.body)
			if _, err := svc.Dispatch(now, in.op, body); err != nil {
				t.Fatal(err)
			}
		}
	})
	url := serve(t, s)
	waitFor(t, "/readyz to say ready", func() bool {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	for range 50 { // 50 ticks at least
		c.advance(time.Second)
		time.Sleep(time.Millisecond)
	}
	s.Step()
	s.Service(func(svc *gamelift.Service, _ time.Time) {
		if counts := svc.Engine().Counts(); counts["QUEUED"] != 2 {
			t.Errorf("the server's own engine was stepped: %v", counts)
		}
	})
	if h := s.History(); len(h) != 0 {
		t.Errorf("the server published its own events: %v", h)
	}
	if ops := b.ops(); len(ops) != 0 {
		t.Errorf("the backend got %v", ops)
	}
}

// event is the JSON of a published event of configuration config.
func event(id, config, typ string) PublishedEvent {
	js := fmt.Sprintf(`{
  "id": %q,
  "time": "2026-06-01T12:00:10.000Z",
  "resources": ["arn:aws:gamelift:us-east-1:123456789012:matchmakingconfiguration/%s"],
  "detail": {"type": %q, "tickets": [{"ticketId": "t", "startTime": "2026-06-01T12:00:00.000Z"}]}
}`, id, config, typ)
	return PublishedEvent{ID: id, Configuration: config, JSON: []byte(js)}
}

func TestPublishEventsReachGETEvents(t *testing.T) {
	reader := metric.NewManualReader()
	b := &fakeBackend{answer: func(string, []byte) ([]byte, error) { return []byte(`{}`), nil }}
	s := newBackendServer(t, Config{MeterProvider: metric.NewMeterProvider(metric.WithReader(reader))}, b)
	url := serve(t, s)
	_, all := openSSE(t, url+"/events", "")
	_, onlyB := openSSE(t, url+"/events?configuration=b", "")

	if n := s.PublishEvents([]PublishedEvent{
		event("e1", "a", "MatchmakingSearching"),
		event("e2", "b", "PotentialMatchCreated"),
		{ID: "", Configuration: "a", JSON: []byte(`{}`)},        // dropped: no id
		{ID: "bad", Configuration: "a", JSON: []byte(`{"id":`)}, // dropped: not JSON
		event("e3", "a", "MatchmakingSucceeded"),
	}); n != 3 {
		t.Errorf("PublishEvents appended %d, want 3", n)
	}
	ids := func(evs []sseEvent) []string {
		var out []string
		for _, e := range evs {
			var js struct{ ID string }
			if err := json.Unmarshal([]byte(e.data), &js); err != nil || js.ID != e.id {
				t.Errorf("event %q has data %q", e.id, e.data)
			}
			out = append(out, e.id)
		}
		return out
	}
	if got := ids(readSSE(t, all, 3)); !slices.Equal(got, []string{"e1", "e2", "e3"}) {
		t.Errorf("the stream got %v", got)
	}
	// A failover delivers e2 and e3 again, with e4 new: only e4 is sent.
	if n := s.PublishEvents([]PublishedEvent{event("e2", "b", "PotentialMatchCreated"), event("e3", "a", "MatchmakingSucceeded"), event("e4", "b", "MatchmakingSearching"), event("e4", "b", "MatchmakingSearching")}); n != 1 {
		t.Errorf("republishing appended %d, want 1", n)
	}
	if got := ids(readSSE(t, all, 1)); !slices.Equal(got, []string{"e4"}) {
		t.Errorf("after the republication the stream got %v", got)
	}
	if got := ids(readSSE(t, onlyB, 2)); !slices.Equal(got, []string{"e2", "e4"}) {
		t.Errorf("the stream of configuration b got %v", got)
	}
	_, resumed := openSSE(t, url+"/events", "e2")
	if got := ids(readSSE(t, resumed, 2)); !slices.Equal(got, []string{"e3", "e4"}) {
		t.Errorf("resumed after e2: %v", got)
	}
	if h := s.History(); len(h) != 4 || strings.Contains(h[0], "\n") {
		t.Errorf("history %q: want 4 events on one line each", h)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if n := sumOf(rm, "matchforge.matches", ""); n != 1 {
		t.Errorf("matchforge.matches is %d, want 1 (e2, counted once)", n)
	}
}

// Concurrent publishers of overlapping batches append each event once, and
// each publisher's batch in its order.
func TestPublishEventsConcurrently(t *testing.T) {
	s := newBackendServer(t, Config{}, &fakeBackend{})
	const publishers, events = 8, 200
	var wg sync.WaitGroup
	total := 0
	var mu sync.Mutex
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < events; i += 10 {
				var batch []PublishedEvent
				for j := i; j < i+10; j++ {
					batch = append(batch, event(fmt.Sprintf("e%03d", j), fmt.Sprintf("c%d", p%2), "MatchmakingSearching"))
				}
				n := s.PublishEvents(batch)
				mu.Lock()
				total += n
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	recs := s.hubSnapshot()
	if total != events || len(recs) != events {
		t.Fatalf("appended %d (%d held), want %d", total, len(recs), events)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if seen[r.id] {
			t.Fatalf("%s appended twice", r.id)
		}
		seen[r.id] = true
	}
}

// setupBackend is a fakeBackend over a service of its own that holds rule
// set duel.
func setupBackend(t *testing.T) *fakeBackend {
	t.Helper()
	svc, err := gamelift.NewService(gamelift.Options{})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"Name": "duel", "RuleSetBody": oneVsOne})
	if _, err := svc.Dispatch(epoch, gamelift.OpCreateMatchmakingRuleSet, body); err != nil {
		t.Fatal(err)
	}
	return &fakeBackend{svc: svc}
}

func creates(ops []string) []string {
	var out []string
	for _, op := range ops {
		if strings.HasPrefix(op, "Create") {
			out = append(out, op)
		}
	}
	return out
}

func TestSetupWithBackend(t *testing.T) {
	b := setupBackend(t)
	s := newBackendServer(t, Config{}, b)
	doc := `{
  "RuleSets": [
    {"Name": "duel", "RuleSetBody": {"ruleLanguageVersion": "1.0", "teams": [{"name": "a", "minPlayers": 1, "maxPlayers": 1}]}},
    {"Name": "trio", "RuleSetBody": {"ruleLanguageVersion": "1.0", "teams": [{"name": "a", "minPlayers": 3, "maxPlayers": 3}]}}
  ],
  "Configurations": [
    {"Name": "duel", "RuleSetName": "duel", "RequestTimeoutSeconds": 30, "AcceptanceRequired": false},
    {"Name": "trio", "RuleSetName": "trio", "RequestTimeoutSeconds": 30, "AcceptanceRequired": false}
  ]
}`
	res, err := s.Setup([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"RuleSets[1] trio", "Configurations[0] duel", "Configurations[1] trio"}; !slices.Equal(res.Created, want) || !slices.Equal(res.Kept, []string{"RuleSets[0] duel"}) {
		t.Errorf("Setup did %+v; want %v created and duel kept", res, want)
	}
	if got := creates(b.ops()); !slices.Equal(got, []string{gamelift.OpCreateMatchmakingRuleSet, gamelift.OpCreateMatchmakingConfiguration, gamelift.OpCreateMatchmakingConfiguration}) {
		t.Errorf("the backend got creates %v", got)
	}
	if !slices.Contains(b.ops(), gamelift.OpValidateMatchmakingRuleSet) {
		t.Errorf("the missing rule set was not validated by the backend: %v", b.ops())
	}
	if _, ok := b.svc.Engine().Configuration("trio"); !ok {
		t.Error("configuration trio is not in the backend")
	}
	// Nothing of it is in the server's own service.
	s.Service(func(svc *gamelift.Service, _ time.Time) {
		if _, ok := svc.RuleSet("trio"); ok {
			t.Error("the server's own service got rule set trio")
		}
	})

	// Again: everything exists, nothing is created.
	b.calls = nil
	res, err = s.Setup([]byte(doc))
	if err != nil || len(res.Created) != 0 || len(res.Kept) != 4 {
		t.Errorf("Setup again: %+v, %v", res, err)
	}
	if got := creates(b.ops()); len(got) != 0 {
		t.Errorf("Setup again created %v", got)
	}

	// A bad entry anywhere creates nothing, and the error names it.
	good := `{"Name": "solo", "RuleSetBody": {"ruleLanguageVersion": "1.0", "teams": [{"name": "a", "minPlayers": 1, "maxPlayers": 1}]}}`
	for _, tc := range []struct{ name, doc, want string }{
		{"bad rule set body", `{"RuleSets": [` + good + `, {"Name": "x", "RuleSetBody": {"teams": []}}]}`, "RuleSets[1]: InvalidRequestException"},
		{"bad rule set name", `{"RuleSets": [` + good + `, {"Name": "no spaces", "RuleSetBody": {"ruleLanguageVersion": "1.0", "teams": [{"name": "a", "minPlayers": 1, "maxPlayers": 1}]}}]}`, "RuleSets[1]: InvalidRequestException"},
		{"missing rule set", `{"RuleSets": [` + good + `], "Configurations": [{"Name": "y", "RuleSetName": "nope", "RequestTimeoutSeconds": 30, "AcceptanceRequired": false}]}`, "Configurations[0]: NotFoundException"},
		// Checked against the backend's copy of duel, which exists.
		{"bad configuration", `{"RuleSets": [` + good + `], "Configurations": [{"Name": "z", "RuleSetName": "duel", "RequestTimeoutSeconds": 30, "AcceptanceRequired": true}]}`, "Configurations[0]: InvalidRequestException: AcceptanceTimeoutSeconds"},
		{"bad configuration by ARN", `{"Configurations": [{"Name": "z", "RuleSetName": "arn:aws:gamelift:us-east-1:123456789012:matchmakingruleset/duel", "RequestTimeoutSeconds": 0, "AcceptanceRequired": false}]}`, "Configurations[0]: InvalidRequestException: RequestTimeoutSeconds"},
	} {
		b.calls = nil
		_, err := s.Setup([]byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "nothing was created") {
			t.Errorf("%s: %v, want it to mention %q and that nothing was created", tc.name, err, tc.want)
		}
		if got := creates(b.ops()); len(got) != 0 {
			t.Errorf("%s: the backend got %v", tc.name, got)
		}
	}
	if _, ok := b.svc.RuleSet("solo"); ok {
		t.Error("a failed setup created rule set solo")
	}

	// A backend that cannot answer: Setup says which entry it was asking about.
	down := newBackendServer(t, Config{}, &fakeBackend{answer: func(string, []byte) ([]byte, error) {
		return nil, &gamelift.Error{Type: "InternalServiceException", Message: "no owner"}
	}})
	if _, err := down.Setup([]byte(doc)); err == nil || !strings.Contains(err.Error(), "RuleSets[0]") || !strings.Contains(err.Error(), "no owner") {
		t.Errorf("Setup with a backend that is down: %v", err)
	}
}

func TestConfigBackendWithLogIsRefused(t *testing.T) {
	cfg := Config{Backend: &fakeBackend{}, Log: &brokenLog{}}
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "Backend") || !strings.Contains(err.Error(), "Log") {
		t.Errorf("Validate: %v, want it to name Backend and Log", err)
	}
	if _, err := New(cfg); err == nil {
		t.Error("New accepted a Backend with a Log")
	}
	if err := (Config{Backend: &fakeBackend{}}).Validate(); err != nil {
		t.Errorf("a Backend alone: %v", err)
	}
}

// racingBackend stands in for a cluster whose other nodes run the same
// setup at the same time: each create is made by "another node" just
// before this server's own create arrives, which is then refused.
type racingBackend struct{ *fakeBackend }

func (b racingBackend) Do(ctx context.Context, op string, input []byte, requestID string) ([]byte, error) {
	if op == gamelift.OpCreateMatchmakingRuleSet || op == gamelift.OpCreateMatchmakingConfiguration {
		b.fakeBackend.Do(ctx, op, input, "another node")
	}
	return b.fakeBackend.Do(ctx, op, input, requestID)
}

func TestSetupWithBackendRacingAnotherNode(t *testing.T) {
	b := setupBackend(t)
	s := newBackendServer(t, Config{}, racingBackend{b})
	doc := `{
  "RuleSets": [{"Name": "trio", "RuleSetBody": {"ruleLanguageVersion": "1.0", "teams": [{"name": "a", "minPlayers": 3, "maxPlayers": 3}]}}],
  "Configurations": [{"Name": "trio", "RuleSetName": "trio", "RequestTimeoutSeconds": 30, "AcceptanceRequired": false}]
}`
	res, err := s.Setup([]byte(doc))
	if err != nil {
		t.Fatalf("Setup while another node creates the same entries: %v", err)
	}
	if len(res.Created) != 0 || !slices.Equal(res.Kept, []string{"RuleSets[0] trio", "Configurations[0] trio"}) {
		t.Errorf("Setup did %+v; want both entries kept (made by the other node)", res)
	}
	if _, ok := b.svc.Engine().Configuration("trio"); !ok {
		t.Error("configuration trio is not in the backend")
	}
}
