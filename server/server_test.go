package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/oplog"
	"github.com/matchforge/matchforge/ticket"
)

// clock is a settable clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var epoch = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// oneVsOne is a rule set of two teams of one.
const oneVsOne = `{"ruleLanguageVersion":"1.0","playerAttributes":[{"name":"skill","type":"number","default":10}],` +
	`"teams":[{"name":"red","minPlayers":1,"maxPlayers":1},{"name":"blue","minPlayers":1,"maxPlayers":1}]}`

// lobbyRules needs 40 players: a handful of tickets wait and never match.
const lobbyRules = `{"ruleLanguageVersion":"1.0",` +
	`"teams":[{"name":"red","minPlayers":20,"maxPlayers":20},{"name":"blue","minPlayers":20,"maxPlayers":20}]}`

// newTestServer returns a server on a fake clock that steps only when the
// test calls Step, with a 1v1 rule set and configuration "duel" whose
// NotificationTarget is target, and configuration "lobby" where a few
// tickets never match.
func newTestServer(t testing.TB, cfg Config, target string) (*Server, *clock) {
	t.Helper()
	c := &clock{t: epoch}
	cfg.Clock = c.now
	cfg.Tick = time.Hour
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	setupDuelAndLobby(t, s, target)
	return s, c
}

// setupDuelAndLobby creates the test configurations: duel (1v1, 60s, its
// events to target when that is a URL) and lobby (600s).
func setupDuelAndLobby(t testing.TB, s *Server, target string) {
	t.Helper()
	mustDo(t, s, gamelift.OpCreateMatchmakingRuleSet, map[string]any{"Name": "duel", "RuleSetBody": oneVsOne})
	mustDo(t, s, gamelift.OpCreateMatchmakingConfiguration, map[string]any{
		"Name": "duel", "RuleSetName": "duel", "RequestTimeoutSeconds": 60, "AcceptanceRequired": false, "NotificationTarget": target})
	mustDo(t, s, gamelift.OpCreateMatchmakingRuleSet, map[string]any{"Name": "lobby", "RuleSetBody": lobbyRules})
	mustDo(t, s, gamelift.OpCreateMatchmakingConfiguration, map[string]any{
		"Name": "lobby", "RuleSetName": "lobby", "RequestTimeoutSeconds": 600, "AcceptanceRequired": false})
}

func mustDo(t testing.TB, s *Server, op string, in any) []byte {
	t.Helper()
	b, _ := json.Marshal(in)
	out, err := s.Do(op, b)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return out
}

// serve serves s on 127.0.0.1 until the test ends and returns its URL.
func serve(t *testing.T, s *Server) string {
	t.Helper()
	url, stop := startServing(t, s)
	t.Cleanup(stop)
	return url
}

// startServing serves s on 127.0.0.1 and returns its URL and a function
// that stops Serve and waits for it, failing the test if Serve fails or
// does not return within 20s.
func startServing(t *testing.T, s *Server) (string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	return "http://" + ln.Addr().String(), func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("Serve did not return within 20s of cancellation")
		}
	}
}

// post sends a raw awsJson1_1 request to the handler.
func post(h http.Handler, op, contentType, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	if op != "" {
		r.Header.Set("X-Amz-Target", "GameLift."+op)
	}
	r.Header.Set("Content-Type", contentType)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func errorOf(t *testing.T, w *httptest.ResponseRecorder) gamelift.Error {
	t.Helper()
	var e gamelift.Error
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Type == "" {
		t.Fatalf("answer %d %q is not a GameLift error: %v", w.Code, w.Body.String(), err)
	}
	return e
}

// state is what DescribeMatchmakingConfigurations and the events say: what
// a refused request must not change.
func state(t testing.TB, s *Server) string {
	t.Helper()
	out := mustDo(t, s, gamelift.OpDescribeMatchmakingConfigurations, map[string]any{})
	oldest, n := s.hub.oldest()
	return fmt.Sprintf("%s %d %s %v", out, n, oldest, s.svc.Engine().Counts())
}

func TestBadRequestsGetGameLiftErrorsAndChangeNothing(t *testing.T) {
	s, _ := newTestServer(t, Config{MaxBodyBytes: 4096}, "")
	h := s.Handler()
	before := state(t, s)
	const js = "application/x-amz-json-1.1"
	start := `{"ConfigurationName":"duel","Players":[{"PlayerId":"p1"}]}`
	cases := []struct {
		name, op, ct, body string
		status             int
		typ                string
		words              []string
	}{
		{"malformed JSON", "StartMatchmaking", js, `{"ConfigurationName":`, 400, "InvalidRequestException", []string{"not valid JSON"}},
		{"not an object", "StartMatchmaking", js, `[1,2]`, 400, "InvalidRequestException", []string{"must be a JSON object"}},
		{"unknown member", "StartMatchmaking", js, `{"ConfigurationName":"duel","Players":[{"PlayerId":"p1"}],"Colour":1}`, 400, "InvalidRequestException", []string{`"Colour"`}},
		{"wrong type", "StartMatchmaking", js, `{"ConfigurationName":"duel","Players":[{"PlayerId":7}]}`, 400, "InvalidRequestException", []string{"Players[0].PlayerId", "a string"}},
		{"missing required", "StartMatchmaking", js, `{"Players":[{"PlayerId":"p1"}]}`, 400, "InvalidRequestException", []string{"ConfigurationName is required"}},
		{"unknown configuration", "StartMatchmaking", js, `{"ConfigurationName":"nope","Players":[{"PlayerId":"p1"}]}`, 400, "NotFoundException", []string{"nope"}},
		{"unknown operation", "LaunchRocket", js, start, 400, "UnknownOperationException", []string{"GameLift.LaunchRocket", "StartMatchmaking"}},
		{"no target", "", js, start, 400, "UnknownOperationException", []string{"X-Amz-Target"}},
		{"wrong content type", "StartMatchmaking", "text/plain", start, 415, "UnsupportedMediaTypeException", []string{"text/plain", "application/x-amz-json-1.1"}},
		{"oversized body", "StartMatchmaking", js, `{"ConfigurationName":"duel","Players":[{"PlayerId":"` + strings.Repeat("x", 5000) + `"}]}`, 413, "RequestEntityTooLargeException", []string{"4096 bytes"}},
		{"deep nesting", "StartMatchmaking", js, strings.Repeat("[", 1000) + strings.Repeat("]", 1000), 400, "InvalidRequestException", []string{"StartMatchmaking"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := post(h, tc.op, tc.ct, tc.body)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			e := errorOf(t, w)
			if e.Type != tc.typ {
				t.Errorf("__type %q, want %q (%s)", e.Type, tc.typ, e.Message)
			}
			if w.Header().Get("X-Amzn-Errortype") != tc.typ {
				t.Errorf("X-Amzn-ErrorType %q, want %q", w.Header().Get("X-Amzn-Errortype"), tc.typ)
			}
			for _, word := range tc.words {
				if !strings.Contains(e.Message, word) {
					t.Errorf("message %q does not mention %q", e.Message, word)
				}
			}
		})
	}
	t.Run("GET on the API", func(t *testing.T) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		if w.Code != 405 || errorOf(t, w).Type != "MethodNotAllowedException" || w.Header().Get("Allow") != "POST" {
			t.Errorf("GET /: %d %s", w.Code, w.Body)
		}
	})
	t.Run("unknown route", func(t *testing.T) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v2/tickets", strings.NewReader("{}")))
		if w.Code != 404 || errorOf(t, w).Type != "UnknownOperationException" {
			t.Errorf("POST /v2/tickets: %d %s", w.Code, w.Body)
		}
	})
	t.Run("CBOR errors", func(t *testing.T) {
		for _, tc := range []struct {
			path, ct string
			body     []byte
			status   int
			typ      string
		}{
			{"/service/GameLift/operation/StartMatchmaking", "application/cbor", []byte{0xbf, 0x61}, 400, "SerializationException"},
			{"/service/GameLift/operation/StartMatchmaking", "application/json", []byte("{}"), 415, "UnsupportedMediaTypeException"},
			{"/service/GameLift/operation/Nope", "application/cbor", []byte{0xa0}, 400, "UnknownOperationException"},
			{"/service/GameLift/operation/StartMatchmaking", "application/cbor", []byte{0xa0}, 400, "InvalidRequestException"},
		} {
			r := httptest.NewRequest(http.MethodPost, tc.path, bytes.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.ct)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.status || w.Header().Get("Smithy-Protocol") != "rpc-v2-cbor" || w.Header().Get("X-Amzn-Errortype") != tc.typ {
				t.Errorf("%s %x: %d %q %q, want %d %s", tc.path, tc.body, w.Code, w.Header().Get("Smithy-Protocol"), w.Header().Get("X-Amzn-Errortype"), tc.status, tc.typ)
			}
		}
	})
	if after := state(t, s); after != before {
		t.Errorf("refused requests changed the state:\nbefore %s\nafter  %s", before, after)
	}
	// A good request still works after all that.
	if w := post(h, "StartMatchmaking", js, start); w.Code != 200 || !strings.Contains(w.Body.String(), `"Status":"QUEUED"`) {
		t.Errorf("StartMatchmaking after the refusals: %d %s", w.Code, w.Body)
	}
}

// FuzzHandler sends arbitrary bodies to every operation over both
// protocols: the server never panics, never answers 5xx, and every answer
// is either an output or a GameLift error.
func FuzzHandler(f *testing.F) {
	f.Add("StartMatchmaking", []byte(`{"ConfigurationName":"duel","Players":[{"PlayerId":"p1","PlayerAttributes":{"skill":{"N":5}}}]}`), false)
	f.Add("AcceptMatch", []byte(`{"TicketId":"t","PlayerIds":["p"],"AcceptanceType":"ACCEPT"}`), false)
	f.Add("StartMatchBackfill", []byte(`{"ConfigurationName":"duel","GameSessionArn":"g","Players":[{"PlayerId":"p","Team":"red"}]}`), false)
	f.Add("CreateMatchmakingRuleSet", []byte(`{"Name":"x","RuleSetBody":"{}"}`), false)
	f.Add("StartMatchmaking", []byte{0xa2, 0x61, 'a', 0x01, 0x61, 'b', 0x80}, true)
	f.Add("DescribeMatchmaking", []byte{0xa1, 0x69, 'T', 'i', 'c', 'k', 'e', 't', 'I', 'd', 's', 0x81, 0x61, 't'}, true)
	s, _ := newTestServer(f, Config{}, "")
	h := s.Handler()
	ops := gamelift.Operations()
	f.Fuzz(func(t *testing.T, op string, body []byte, cbor bool) {
		if len(op) > 0 && op[0] < 32 { // pick a known operation from the first byte
			op = ops[int(op[0])%len(ops)]
		}
		var r *http.Request
		if cbor {
			r = httptest.NewRequest(http.MethodPost, "/service/GameLift/operation/"+url.PathEscape(op), bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/cbor")
		} else {
			r = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/x-amz-json-1.1")
			r.Header.Set("X-Amz-Target", "GameLift."+op)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d %s", op, body, w.Code, w.Body)
		}
		if w.Code != 200 && w.Header().Get("X-Amzn-Errortype") == "" {
			t.Fatalf("%s %q: %d without an error type", op, body, w.Code)
		}
		if !cbor && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %q: the answer is not JSON: %q", op, body, w.Body)
		}
	})
}

// sseEvent is one event read from a GET /events stream.
type sseEvent struct{ id, event, data string }

// readSSE reads events from r until it has n or the stream ends.
func readSSE(t *testing.T, r *bufio.Reader, n int) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	for len(out) < n {
		line, err := r.ReadString('\n')
		if err != nil {
			return out
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if cur.data != "" || cur.event != "" {
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			cur.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			cur.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			cur.data = line[6:]
		}
	}
	return out
}

func openSSE(t *testing.T, url, lastID string) (*http.Response, *bufio.Reader) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp, bufio.NewReader(resp.Body)
}

func TestEventsResumeFromLastEventID(t *testing.T) {
	s, _ := newTestServer(t, Config{EventHistory: 8}, "")
	url := serve(t, s)
	resp, r := openSSE(t, url+"/events", "")
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	for i := range 4 {
		mustDo(t, s, gamelift.OpStartMatchmaking, map[string]any{"ConfigurationName": "lobby", "TicketId": fmt.Sprintf("t%d", i), "Players": []any{map[string]any{"PlayerId": fmt.Sprintf("p%d", i)}}})
	}
	s.Step() // tickets start SEARCHING, with an event each, at the next step
	first := readSSE(t, r, 4)
	if len(first) != 4 {
		t.Fatalf("got %d events, want 4", len(first))
	}
	for i, ev := range first {
		var e gamelift.Event
		if err := json.Unmarshal([]byte(ev.data), &e); err != nil {
			t.Fatal(err)
		}
		if e.ID != ev.id || e.Detail.Type != "MatchmakingSearching" || e.Detail.Tickets[0].TicketID != fmt.Sprintf("t%d", i) {
			t.Errorf("event %d: id %q, JSON %s", i, ev.id, ev.data)
		}
	}
	// Resume after the second: the third and fourth come again, identical.
	_, r2 := openSSE(t, url+"/events", first[1].id)
	again := readSSE(t, r2, 2)
	if len(again) != 2 || again[0] != first[2] || again[1] != first[3] {
		t.Errorf("resumed after %s: %v, want %v", first[1].id, again, first[2:])
	}
	// The configuration filter.
	_, r3 := openSSE(t, url+"/events?configuration=duel", first[0].id)
	_, r4 := openSSE(t, url+"/events?configuration=lobby", first[0].id)
	if got := readSSE(t, r4, 3); len(got) != 3 {
		t.Errorf("filtered on lobby: %d events, want 3", len(got))
	}
	// Push the first events out of the history (8): resuming from them is
	// refused, saying so.
	for i := 4; i < 12; i++ {
		mustDo(t, s, gamelift.OpStartMatchmaking, map[string]any{"ConfigurationName": "lobby", "Players": []any{map[string]any{"PlayerId": fmt.Sprintf("p%d", i)}}})
	}
	s.Step()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/events", nil)
	req.Header.Set("Last-Event-ID", first[0].id)
	gone, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(gone.Body)
	gone.Body.Close()
	if gone.StatusCode != http.StatusGone || !strings.Contains(string(body), "EventHistoryExceededException") || !strings.Contains(string(body), "keeps the last 8") {
		t.Errorf("resume from an evicted id: %d %s", gone.StatusCode, body)
	}
	// The live stream gets the 8 later events; the one filtered on another
	// configuration gets none of the 12 (its next line is a heartbeat only,
	// 15 s away, so only check that it has nothing buffered now).
	if r3.Buffered() != 0 {
		t.Errorf("the stream filtered on another configuration has data: %d bytes", r3.Buffered())
	}
	if got := readSSE(t, r, 8); len(got) != 8 {
		t.Errorf("the live stream got %d of the 8 later events", len(got))
	}
}

func TestEventsStreamThatFallsBehindIsToldSo(t *testing.T) {
	s, _ := newTestServer(t, Config{EventHistory: 4}, "")
	url := serve(t, s)
	_, r := openSSE(t, url+"/events", "")
	// Wait for the stream to start (the retry line and the empty line).
	if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, "retry:") {
		t.Fatalf("first line %q", line)
	}
	// Publish more than the history holds at once: a reader that has not
	// read them yet finds its place evicted. Publication of one batch is
	// atomic for the hub, so stepping many events in one go is enough.
	s.mu.Lock()
	for i := range 10 {
		s.svc.StartMatchmaking(epoch, gamelift.StartMatchmakingInput{ConfigurationName: "lobby", Players: playersN(i)})
	}
	evs := s.svc.Engine().Step(epoch)
	seq, _ := s.record(oplog.Record{Kind: oplog.KindStep, Time: epoch})
	s.queue(seq, evs)
	s.mu.Unlock()
	s.settle(seq)
	got := readSSE(t, r, 20)
	if len(got) != 1 || got[0].event != "lost" || !strings.Contains(got[0].data, "4 events") {
		t.Errorf("a stream past the history got %v, want one event: lost", got)
	}
}

func playersN(i int) []ticket.Player {
	return []ticket.Player{{PlayerID: fmt.Sprintf("q%d", i)}}
}
