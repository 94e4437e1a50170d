package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/matchforge/matchforge/gamelift"
)

// receiver is a webhook endpoint that fails the first fails requests and
// records the SNS envelopes it accepts.
type receiver struct {
	mu       sync.Mutex
	fails    int
	attempts int
	got      []snsEnvelope
	headers  []http.Header
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.attempts++
	if rc.fails > 0 {
		rc.fails--
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	var env snsEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.got = append(rc.got, env)
	rc.headers = append(rc.headers, r.Header.Clone())
}

func (rc *receiver) accepted() []snsEnvelope {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]snsEnvelope(nil), rc.got...)
}

// waitFor polls cond every 5ms for up to 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWebhookRetriesAndKeepsOrder(t *testing.T) {
	rc := &receiver{fails: 3}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	reader := metric.NewManualReader()
	s, _ := newTestServer(t, Config{
		Webhooks:      WebhookOptions{MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond},
		MeterProvider: metric.NewMeterProvider(metric.WithReader(reader)),
	}, hook.URL+"/flexmatch")
	serve(t, s)
	var ids []string
	for i := range 6 {
		mustDo(t, s, gamelift.OpStartMatchmaking, map[string]any{"ConfigurationName": "duel", "TicketId": fmt.Sprintf("t%d", i), "Players": []any{map[string]any{"PlayerId": fmt.Sprintf("p%d", i)}}})
	}
	s.Step() // 6 searching events, then 3 matches of 2 (PotentialMatchCreated, Succeeded)
	for _, rec := range s.hubSnapshot() {
		if rec.config == "duel" {
			ids = append(ids, rec.id)
		}
	}
	if len(ids) < 6 {
		t.Fatalf("only %d events for duel", len(ids))
	}
	waitFor(t, "every event delivered", func() bool { return len(rc.accepted()) == len(ids) })
	got := rc.accepted()
	for i, env := range got {
		if env.MessageID != ids[i] {
			t.Fatalf("delivery %d is %s, want %s: order lost", i, env.MessageID, ids[i])
		}
		var ev gamelift.Event
		if err := json.Unmarshal([]byte(env.Message), &ev); err != nil || ev.ID != env.MessageID {
			t.Fatalf("Message of %s is not its event: %v %q", env.MessageID, err, env.Message)
		}
		if env.Type != "Notification" || env.TopicArn != ev.Resources[0] || env.Timestamp == "" {
			t.Errorf("envelope %+v", env)
		}
		if h := rc.headers[i]; h.Get("X-Amz-Sns-Message-Type") != "Notification" || h.Get("X-Amz-Sns-Message-Id") != ids[i] {
			t.Errorf("headers %v", h)
		}
	}
	rc.mu.Lock()
	attempts := rc.attempts
	rc.mu.Unlock()
	if attempts != len(ids)+3 {
		t.Errorf("%d attempts for %d events and 3 failures", attempts, len(ids))
	}
	// The metrics saw the retries and the deliveries.
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if n := sumOf(rm, "matchforge.webhook.retries", ""); n != 3 {
		t.Errorf("matchforge.webhook.retries = %d, want 3", n)
	}
	if n := sumOf(rm, "matchforge.events.delivered", "webhook"); n != int64(len(ids)) {
		t.Errorf("matchforge.events.delivered{sink=webhook} = %d, want %d", n, len(ids))
	}
}

func TestWebhookQueueOverflowIsCounted(t *testing.T) {
	rc := &receiver{fails: 1 << 30} // down for the whole test
	hook := httptest.NewServer(rc)
	defer hook.Close()
	reader := metric.NewManualReader()
	s, _ := newTestServer(t, Config{
		Webhooks:      WebhookOptions{QueueSize: 3, MinBackoff: time.Hour, MaxBackoff: time.Hour},
		DrainTimeout:  50 * time.Millisecond,
		MeterProvider: metric.NewMeterProvider(metric.WithReader(reader)),
	}, hook.URL)
	serve(t, s)
	for i := range 5 {
		mustDo(t, s, gamelift.OpStartMatchmaking, map[string]any{"ConfigurationName": "duel", "Players": []any{map[string]any{"PlayerId": fmt.Sprintf("p%d", i)}}})
	}
	s.Step()
	n := 0
	for _, rec := range s.hubSnapshot() {
		if rec.config == "duel" {
			n++
		}
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if got := sumOf(rm, "matchforge.events.dropped", "webhook"); got != int64(n-3) {
		t.Errorf("dropped %d of %d events with a queue of 3, want %d", got, n, n-3)
	}
	if got := sumOf(rm, "matchforge.events.pending", "webhook"); got != 3 {
		t.Errorf("pending %d, want 3", got)
	}
	// Events still reach GET /events: the webhook's trouble is its own.
	if len(s.hubSnapshot()) < n {
		t.Error("the history lost events")
	}
}

// hubSnapshot returns the events the history holds.
func (s *Server) hubSnapshot() []record {
	recs, _, _ := s.hub.read(s.hub.first, 1<<30, nil)
	return recs
}

// sumOf sums the data points of the metric named name (with attribute
// sink = sink when sink is set) of an int64 sum or gauge.
func sumOf(rm metricdata.ResourceMetrics, name, sink string) int64 {
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			var points []metricdata.DataPoint[int64]
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				points = d.DataPoints
			case metricdata.Gauge[int64]:
				points = d.DataPoints
			}
			for _, p := range points {
				if v, ok := p.Attributes.Value("sink"); sink == "" || ok && v.AsString() == sink {
					n += p.Value
				}
			}
		}
	}
	return n
}
