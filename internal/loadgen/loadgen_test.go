package loadgen

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeServer answers StartMatchmaking requests, checking each is the
// awsJson1_1 request the generator means to send.
type fakeServer struct {
	n       atomic.Int64
	mu      sync.Mutex
	players map[string]bool
	bad     atomic.Value
	status  int
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var in struct {
		ConfigurationName string
		Players           []struct {
			PlayerID         string `json:"PlayerId"`
			PlayerAttributes map[string]map[string]float64
			LatencyInMs      map[string]int
		}
	}
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/":
		f.bad.CompareAndSwap(nil, "route "+r.Method+" "+r.URL.Path)
	case r.Header.Get("X-Amz-Target") != "GameLift.StartMatchmaking" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1":
		f.bad.CompareAndSwap(nil, "headers "+r.Header.Get("X-Amz-Target"))
	case json.Unmarshal(body, &in) != nil || in.ConfigurationName != "cfg" || len(in.Players) != 1 || len(in.Players[0].LatencyInMs) != 1:
		f.bad.CompareAndSwap(nil, "body "+string(body))
	default:
		f.mu.Lock()
		if f.players[in.Players[0].PlayerID] {
			f.bad.CompareAndSwap(nil, "player id repeated: "+in.Players[0].PlayerID)
		}
		f.players[in.Players[0].PlayerID] = true
		f.mu.Unlock()
	}
	f.n.Add(1)
	if f.status != 0 {
		w.WriteHeader(f.status)
	}
	io.WriteString(w, `{"MatchmakingTicket":{}}`)
}

func TestClosedLoopSendsExactlyRequests(t *testing.T) {
	f := &fakeServer{players: map[string]bool{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	res, err := Run(context.Background(), Options{Endpoint: srv.URL, Configuration: "cfg", Requests: 500, Connections: 8, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if bad, _ := f.bad.Load().(string); bad != "" {
		t.Fatalf("the server saw a bad request: %s", bad)
	}
	if res.Requests != 500 || res.Errors != 0 || f.n.Load() != 500 {
		t.Errorf("%v; the server saw %d", res, f.n.Load())
	}
	if !(res.P50 > 0 && res.P50 <= res.P90 && res.P90 <= res.P99 && res.P99 <= res.Max) || res.PerSecond <= 0 {
		t.Errorf("percentiles out of order: %v", res)
	}
}

func TestOpenLoopKeepsTheRate(t *testing.T) {
	f := &fakeServer{players: map[string]bool{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	res, err := Run(context.Background(), Options{Endpoint: srv.URL, Configuration: "cfg", Rate: 400, Duration: 500 * time.Millisecond, Connections: 4})
	if err != nil {
		t.Fatal(err)
	}
	// 400/s for half a second is 200 requests, scheduled, not more.
	if res.Requests != 200 || res.Errors != 0 {
		t.Errorf("%v, want 200 requests", res)
	}
}

func TestErrorsAreCountedAndReported(t *testing.T) {
	f := &fakeServer{players: map[string]bool{}, status: http.StatusBadRequest}
	srv := httptest.NewServer(f)
	defer srv.Close()
	res, err := Run(context.Background(), Options{Endpoint: srv.URL, Configuration: "cfg", Requests: 20, Connections: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 20 || res.Requests != 0 || !strings.Contains(res.FirstError, "400") {
		t.Errorf("%+v, want 20 errors naming HTTP 400", res)
	}
}

func TestOptionsAreChecked(t *testing.T) {
	for _, o := range []Options{
		{Configuration: "c"},
		{Endpoint: "http://127.0.0.1:1"},
		{Endpoint: "https://127.0.0.1:1", Configuration: "c"},
		{Endpoint: "http://127.0.0.1:1", Configuration: "c", Rate: -1},
		{Endpoint: "http://127.0.0.1:1", Configuration: "c", Rate: 10, Requests: 5},
	} {
		if _, err := Run(context.Background(), o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
