package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/oplog"
)

// Defaults and limits of Config.
const (
	// DefaultTick is how often the server steps the engine.
	DefaultTick = 100 * time.Millisecond
	// DefaultMaxBodyBytes bounds a request body: a rule-set body of the
	// API's 65,535 characters fits many times over.
	DefaultMaxBodyBytes = 1 << 20
	// MaxMaxBodyBytes is the largest MaxBodyBytes accepted.
	MaxMaxBodyBytes = 64 << 20
	// DefaultEventHistory is how many recent events the server keeps for
	// GET /events clients resuming with Last-Event-ID.
	DefaultEventHistory = 100_000
	// MaxEventHistory is the largest EventHistory accepted.
	MaxEventHistory = 10_000_000
	// DefaultDrainTimeout is how long Serve keeps delivering webhook events
	// after it was told to stop.
	DefaultDrainTimeout = 5 * time.Second
)

// Config configures a Server. The zero value is valid and means the
// defaults documented on each field.
type Config struct {
	// Service configures the GameLift service the server runs, and its
	// engine. Its Engine.Seed makes ticket ids and event ids; give each
	// server process its own seed (matchforge serve draws one at start
	// unless --seed is given).
	Service gamelift.Options
	// Tick is how often the engine steps. Default DefaultTick.
	Tick time.Duration
	// Clock returns the current time. Default time.Now.
	Clock func() time.Time
	// Credentials maps AWS access key ids to their secret keys. When it is
	// nil, every request is accepted whatever its credentials (local
	// development). When it is set, every API request must carry a valid
	// Signature Version 4 made with one of these keys.
	Credentials map[string]string
	// MaxBodyBytes bounds a request body (413 past it). Default
	// DefaultMaxBodyBytes, at most MaxMaxBodyBytes.
	MaxBodyBytes int64
	// EventHistory is how many recent events GET /events can resume from.
	// Default DefaultEventHistory, at most MaxEventHistory.
	EventHistory int
	// Webhooks configures delivery to NotificationTarget URLs.
	Webhooks WebhookOptions
	// DrainTimeout is how long Serve keeps delivering queued webhook
	// events after its context is cancelled. Default DefaultDrainTimeout.
	DrainTimeout time.Duration
	// Logger receives the server's structured logs. Default: discard.
	Logger *slog.Logger
	// MeterProvider receives the server's metrics (see the package doc).
	// Default: none are recorded.
	MeterProvider metric.MeterProvider
	// Log makes the server durable: every change (an operation that
	// changed the state, or a step) is appended with its time and made
	// durable before it is answered or its events are published; the
	// state is snapshotted into it now and then; and New restores the
	// state from it (the latest snapshot, then the records after it).
	// Serve takes a last snapshot and closes it when it returns. Nil: the
	// state is in memory only.
	Log oplog.Log
	// SnapshotEvery and SnapshotInterval say when the server snapshots its
	// state into Log: after that many records, or that long after the last
	// snapshot if anything changed. Defaults 100,000 and 5 minutes.
	SnapshotEvery    int
	SnapshotInterval time.Duration
	// Metrics serves GET /metrics, typically the Prometheus exporter's
	// handler over the registry MeterProvider exports to. Nil: /metrics
	// answers 404.
	Metrics http.Handler
	// Backend, when set, runs every operation in place of the server's own
	// service: API requests (after their body, signature and protocol are
	// checked and decoded), Do, DoContext and Setup go to it, Serve does
	// not step an engine, and GET /events serves the events given to
	// PublishEvents. It is how a cluster node serves the API: its Backend
	// forwards each operation to the node owning it. The server then
	// delivers no webhooks (in a cluster, read GET /events or the event
	// stream), and the ticket gauges (matchforge.tickets, .tickets.waiting)
	// report nothing. Log must be nil with it: the state is the
	// backend's to keep. Nil: the server runs its own service.
	Backend Backend
}

// WebhookOptions configure event delivery to NotificationTarget URLs. The
// zero value means the defaults.
type WebhookOptions struct {
	// QueueSize bounds the events waiting for delivery, per
	// configuration; an event that finds its queue full is dropped and
	// counted (a log line and the matchforge.events.dropped metric).
	// Default 10,000, at most 10,000,000.
	QueueSize int
	// Timeout bounds one delivery attempt. Default 5s.
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between attempts to deliver
	// an event, which doubles from MinBackoff to MaxBackoff while the
	// receiver fails. Defaults 100ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// Client sends the requests. Default: an http.Client with Timeout.
	Client *http.Client
}

// Validate reports the first problem of c.
func (c Config) Validate() error {
	switch {
	case c.Tick < 0:
		return fmt.Errorf("server: Config.Tick is %v; it must not be negative", c.Tick)
	case c.MaxBodyBytes < 0 || c.MaxBodyBytes > MaxMaxBodyBytes:
		return fmt.Errorf("server: Config.MaxBodyBytes is %d; it must be from 0 (the default, %d) to %d", c.MaxBodyBytes, DefaultMaxBodyBytes, MaxMaxBodyBytes)
	case c.EventHistory < 0 || c.EventHistory > MaxEventHistory:
		return fmt.Errorf("server: Config.EventHistory is %d; it must be from 0 (the default, %d) to %d", c.EventHistory, DefaultEventHistory, MaxEventHistory)
	case c.SnapshotEvery < 0 || c.SnapshotInterval < 0:
		return fmt.Errorf("server: Config.SnapshotEvery and SnapshotInterval must not be negative")
	case c.DrainTimeout < 0:
		return fmt.Errorf("server: Config.DrainTimeout is %v; it must not be negative", c.DrainTimeout)
	case c.Backend != nil && c.Log != nil:
		return errors.New("server: Config.Backend and Config.Log are both set; a server with a Backend keeps no state of its own to log, so leave Log nil")
	}
	for id, secret := range c.Credentials { // the first bad pair found: any is a problem
		if id == "" || secret == "" {
			return errors.New("server: Config.Credentials has an empty access key id or secret")
		}
	}
	if err := c.Webhooks.Validate(); err != nil {
		return err
	}
	return c.Service.Validate()
}

// Validate reports the first problem of o.
func (o WebhookOptions) Validate() error {
	switch {
	case o.QueueSize < 0 || o.QueueSize > 10_000_000:
		return fmt.Errorf("server: WebhookOptions.QueueSize is %d; it must be from 0 (the default, 10000) to 10000000", o.QueueSize)
	case o.Timeout < 0, o.MinBackoff < 0, o.MaxBackoff < 0:
		return errors.New("server: WebhookOptions durations must not be negative")
	case o.MaxBackoff != 0 && o.MinBackoff > o.MaxBackoff:
		return fmt.Errorf("server: WebhookOptions.MinBackoff %v is longer than MaxBackoff %v", o.MinBackoff, o.MaxBackoff)
	}
	return nil
}

func (c *Config) fill() {
	if c.Tick == 0 {
		c.Tick = DefaultTick
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.EventHistory == 0 {
		c.EventHistory = DefaultEventHistory
	}
	if c.SnapshotEvery == 0 {
		c.SnapshotEvery = 100_000
	}
	if c.SnapshotInterval == 0 {
		c.SnapshotInterval = 5 * time.Minute
	}
	if c.DrainTimeout == 0 {
		c.DrainTimeout = DefaultDrainTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	w := &c.Webhooks
	if w.QueueSize == 0 {
		w.QueueSize = 10_000
	}
	if w.Timeout == 0 {
		w.Timeout = 5 * time.Second
	}
	if w.MinBackoff == 0 {
		w.MinBackoff = 100 * time.Millisecond
	}
	if w.MaxBackoff == 0 {
		w.MaxBackoff = 30 * time.Second
	}
	if w.MinBackoff > w.MaxBackoff {
		w.MaxBackoff = w.MinBackoff
	}
	if w.Client == nil {
		w.Client = &http.Client{Timeout: w.Timeout}
	}
}
