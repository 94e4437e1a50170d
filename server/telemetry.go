package server

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/matchforge/matchforge/gamelift"
)

// meterName is the instrumentation scope of the server's metrics.
const meterName = "github.com/matchforge/matchforge/server"

// telemetry is the adapter between the server and the OpenTelemetry
// metrics API: the engine knows nothing of it, and the server reports
// what it sees (requests, steps, events) here. Safe for concurrent use.
type telemetry struct {
	requests    metric.Int64Counter
	latency     metric.Float64Histogram
	stepTime    metric.Float64Histogram
	timeToMatch metric.Float64Histogram
	matches     metric.Int64Counter
	delivered_  metric.Int64Counter
	dropped_    metric.Int64Counter
	retries     metric.Int64Counter

	pending atomic.Int64 // webhook events queued

	attrs sync.Map // string key -> metric.MeasurementOption, cached attribute sets
}

func newTelemetry(mp metric.MeterProvider, s *Server) (*telemetry, error) {
	if mp == nil {
		mp = noop.NewMeterProvider()
	}
	m := mp.Meter(meterName)
	t := &telemetry{}
	var err error
	seconds := metric.WithExplicitBucketBoundaries(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
	if t.requests, err = m.Int64Counter("matchforge.http.requests", metric.WithDescription("API requests, by operation and outcome (ok or the exception name)")); err != nil {
		return nil, err
	}
	if t.latency, err = m.Float64Histogram("matchforge.http.request.duration", metric.WithUnit("s"), metric.WithDescription("API request latency, by operation and outcome"), seconds); err != nil {
		return nil, err
	}
	if t.stepTime, err = m.Float64Histogram("matchforge.step.duration", metric.WithUnit("s"), metric.WithDescription("time the engine takes for one step"), seconds); err != nil {
		return nil, err
	}
	if t.timeToMatch, err = m.Float64Histogram("matchforge.time_to_match", metric.WithUnit("s"), metric.WithDescription("time from a ticket's start to its MatchmakingSucceeded event, by configuration"),
		metric.WithExplicitBucketBoundaries(0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600)); err != nil {
		return nil, err
	}
	if t.matches, err = m.Int64Counter("matchforge.matches", metric.WithDescription("matches formed (PotentialMatchCreated events), by configuration")); err != nil {
		return nil, err
	}
	if t.delivered_, err = m.Int64Counter("matchforge.events.delivered", metric.WithDescription("events delivered, by sink (sse, webhook)")); err != nil {
		return nil, err
	}
	if t.dropped_, err = m.Int64Counter("matchforge.events.dropped", metric.WithDescription("events dropped, by sink: a full webhook queue, or an SSE stream that fell behind the history")); err != nil {
		return nil, err
	}
	if t.retries, err = m.Int64Counter("matchforge.webhook.retries", metric.WithDescription("webhook delivery attempts that failed and will be retried")); err != nil {
		return nil, err
	}
	tickets, err := m.Int64ObservableGauge("matchforge.tickets", metric.WithDescription("tickets held, by configuration and status"))
	if err != nil {
		return nil, err
	}
	waiting, err := m.Int64ObservableGauge("matchforge.tickets.waiting", metric.WithDescription("tickets QUEUED or SEARCHING, by configuration"))
	if err != nil {
		return nil, err
	}
	pending, err := m.Int64ObservableGauge("matchforge.events.pending", metric.WithDescription("events waiting for delivery, by sink: queued for webhooks, or not yet written to the open SSE streams"))
	if err != nil {
		return nil, err
	}
	_, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for name, byStatus := range s.counts() { // observations: order does not matter
			cfg := attribute.String("configuration", name)
			for st, n := range byStatus { // observations: order does not matter
				o.ObserveInt64(tickets, int64(n), metric.WithAttributes(cfg, attribute.String("status", st)))
			}
			o.ObserveInt64(waiting, int64(byStatus["QUEUED"]+byStatus["SEARCHING"]), metric.WithAttributes(cfg))
		}
		o.ObserveInt64(pending, t.pending.Load(), metric.WithAttributes(attribute.String("sink", "webhook")))
		o.ObserveInt64(pending, s.streamBacklog(), metric.WithAttributes(attribute.String("sink", "sse")))
		return nil
	}, tickets, waiting, pending)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// set returns the cached attribute option for key, made by mk once.
func (t *telemetry) set(key string, mk func() attribute.Set) metric.MeasurementOption {
	if v, ok := t.attrs.Load(key); ok {
		return v.(metric.MeasurementOption)
	}
	opt := metric.WithAttributeSet(mk())
	t.attrs.Store(key, opt)
	return opt
}

// request records one API request. op is a known operation name or
// "unknown"; outcome is "ok" or an exception name, so both are bounded.
func (t *telemetry) request(op, outcome string, took time.Duration) {
	opt := t.set("r\x00"+op+"\x00"+outcome, func() attribute.Set {
		return attribute.NewSet(attribute.String("operation", op), attribute.String("outcome", outcome))
	})
	ctx := context.Background()
	t.requests.Add(ctx, 1, opt)
	t.latency.Record(ctx, took.Seconds(), opt)
}

func (t *telemetry) stepped(took time.Duration) {
	t.stepTime.Record(context.Background(), took.Seconds())
}

func (t *telemetry) configSet(name string) metric.MeasurementOption {
	return t.set("c\x00"+name, func() attribute.Set { return attribute.NewSet(attribute.String("configuration", name)) })
}

// event records what an event says about matching.
func (t *telemetry) event(ev *gamelift.Event) {
	switch ev.Detail.Type {
	case "PotentialMatchCreated":
		t.matches.Add(context.Background(), 1, t.configSet(ev.ConfigurationName()))
	case "MatchmakingSucceeded":
		opt := t.configSet(ev.ConfigurationName())
		for _, tk := range ev.Detail.Tickets {
			t.timeToMatch.Record(context.Background(), ev.Time.Time.Sub(tk.StartTime.Time).Seconds(), opt)
		}
	}
}

func (t *telemetry) sinkSet(sink string) metric.MeasurementOption {
	return t.set("s\x00"+sink, func() attribute.Set { return attribute.NewSet(attribute.String("sink", sink)) })
}

func (t *telemetry) delivered(sink string, n int) {
	if n > 0 {
		t.delivered_.Add(context.Background(), int64(n), t.sinkSet(sink))
	}
}

func (t *telemetry) dropped(sink string, n int) {
	t.dropped_.Add(context.Background(), int64(n), t.sinkSet(sink))
}

func (t *telemetry) retried() { t.retries.Add(context.Background(), 1) }

func (t *telemetry) pendingAdd(n int64) { t.pending.Add(n) }
