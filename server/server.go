package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/gamelift"
)

// ErrServed is returned by Serve when the server is already serving or
// has served.
var ErrServed = errors.New("server: Serve was already called")

// Server runs a gamelift.Service behind HTTP. See the package doc for the
// routes and the concurrency contract.
type Server struct {
	cfg Config
	log *slog.Logger

	// mu serialises the service: every operation and every step.
	mu  sync.Mutex
	svc *gamelift.Service
	// pubMu serialises publication, taken before mu is released (handOff),
	// so that events are published in the engine's order while the next
	// operation already runs.
	pubMu   sync.Mutex
	render  gamelift.Renderer
	targets atomic.Pointer[map[string]string] // webhook URL by configuration

	hub      *hub
	hooks    *webhooks
	tel      *telemetry
	verifier verifier
	mux      *http.ServeMux

	inflight atomic.Int64 // API requests in progress
	streams  sync.Map     // *atomic.Uint64 -> struct{}: each GET /events stream's next position
	served   atomic.Bool
	ready    atomic.Bool
	stopping chan struct{} // closed when Serve begins to stop
	stopOnce sync.Once
}

// New returns a server with no rule sets or configurations; Setup or the
// API's create operations add them.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.fill()
	svc, err := gamelift.NewService(cfg.Service)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, svc: svc, render: svc.Renderer(), hub: newHub(cfg.EventHistory), stopping: make(chan struct{})}
	s.targets.Store(&map[string]string{})
	if s.tel, err = newTelemetry(cfg.MeterProvider, s); err != nil {
		return nil, err
	}
	s.hooks = newWebhooks(cfg.Webhooks, s.log, s.tel)
	if cfg.Credentials != nil {
		s.verifier = newVerifier(cfg.Credentials, cfg.Clock)
	}
	s.routes()
	return s, nil
}

// Do runs one operation with its JSON input, as the API would, and returns
// its JSON output or a *gamelift.Error (or an error wrapping
// gamelift.ErrUnknownOperation). It is safe for concurrent use.
func (s *Server) Do(op string, input []byte) ([]byte, error) {
	return s.dispatch(op, input)
}

// dispatch decodes the input of op, then runs it on the service and
// encodes its output while holding the service's lock (the output may share
// memory with the service), then publishes the events it caused. Decoding
// needs no lock, so requests decode in parallel.
func (s *Server) dispatch(op string, body []byte) ([]byte, error) {
	req, err := gamelift.Decode(op, body)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	out, err := s.svc.Execute(s.cfg.Clock(), req)
	var enc []byte
	if err == nil {
		if configurationOps[op] {
			s.targets.Store(ptr(s.svc.WebhookTargets()))
		}
		enc, err = json.Marshal(out)
	}
	s.handOff(s.svc.Engine().Events())
	return enc, err
}

// configurationOps change configurations, and so maybe their webhooks.
var configurationOps = map[string]bool{
	gamelift.OpCreateMatchmakingConfiguration: true,
	gamelift.OpUpdateMatchmakingConfiguration: true,
	gamelift.OpDeleteMatchmakingConfiguration: true,
}

func ptr[T any](v T) *T { return &v }

// step steps the engine once and publishes the events.
func (s *Server) step() {
	s.mu.Lock()
	start := time.Now()
	evs := s.svc.Engine().Step(s.cfg.Clock())
	took := time.Since(start)
	s.handOff(evs)
	s.tel.stepped(took)
}

// handOff releases the service's lock and publishes evs, in the engine's
// order: it takes the publication lock before letting go of the service's,
// so the next operation runs on the engine while these events are rendered,
// and its events are published after them. Callers hold s.mu; it is
// released on return.
func (s *Server) handOff(evs []engine.Event) {
	if len(evs) == 0 {
		s.mu.Unlock()
		return
	}
	s.pubMu.Lock()
	s.mu.Unlock()
	defer s.pubMu.Unlock()
	s.publish(evs)
}

// publish renders events once and hands them to the history (GET /events),
// the webhook queues and the metrics. It never blocks on a consumer.
// Callers hold s.pubMu. Rendering reads only the events, which are
// immutable, and the renderer, a value.
func (s *Server) publish(evs []engine.Event) {
	targets := *s.targets.Load()
	recs := make([]record, 0, len(evs))
	for i := range evs {
		ev := s.render.Render(&evs[i])
		data, err := json.Marshal(&ev)
		if err != nil { // an event is plain data: this is a bug
			s.log.Error("event not encoded", "id", ev.ID, "error", err)
			continue
		}
		name := evs[i].Config.Name
		recs = append(recs, record{id: ev.ID, config: name, data: data})
		if url := targets[name]; url != "" {
			s.hooks.enqueue(name, url, &ev, data)
		}
		s.tel.event(&ev)
	}
	s.hub.add(recs)
}

// Handler returns the server's HTTP handler: the API on POST / and
// POST /service/GameLift/operation/{Operation}, and GET /events, /healthz,
// /readyz and /metrics. It is usable without Serve (the engine then steps
// only when Serve runs).
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/", s.serveJSON)
	s.mux.HandleFunc("/service/GameLift/operation/{op}", s.serveCBOR)
	s.mux.HandleFunc("GET /events", s.serveEvents)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !s.ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready: the server is not stepping the engine (starting or stopping)")
			return
		}
		fmt.Fprintln(w, "ready")
	})
	s.mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Metrics == nil {
			http.Error(w, "metrics are not configured", http.StatusNotFound)
			return
		}
		s.cfg.Metrics.ServeHTTP(w, r)
	})
}

// Serve accepts connections on ln and steps the engine every Tick until ctx
// is cancelled. It blocks. On cancellation it stops accepting requests,
// ends the GET /events streams, lets requests in progress and the step in
// progress finish, keeps delivering queued webhook events for up to
// DrainTimeout, and returns nil. It returns an error if ln fails, and
// ErrServed if called twice. It closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.served.Swap(true) {
		return ErrServed
	}
	hs := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.hooks.start()
	stepDone := make(chan struct{})
	stopSteps := make(chan struct{})
	go func() {
		defer close(stepDone)
		t := time.NewTicker(s.cfg.Tick)
		defer t.Stop()
		for {
			select {
			case <-stopSteps:
				return
			case <-t.C:
				s.step()
			}
		}
	}()
	s.ready.Store(true)
	s.log.Info("serving", "address", ln.Addr().String(), "tick", s.cfg.Tick, "signatures", s.verifier != nil)

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	// Stop in an order that loses nothing: no new connections and no more
	// steps; the requests in progress finish; then the event streams write
	// every event up to the last and end; then webhooks drain.
	s.ready.Store(false)
	shutCtx, cancel := context.WithTimeout(context.Background(), s.cfg.DrainTimeout)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- hs.Shutdown(shutCtx) }()
	close(stopSteps)
	<-stepDone
	s.waitRequests(shutCtx)
	s.stopOnce.Do(func() { close(s.stopping) })
	if serr := <-shut; serr != nil {
		s.log.Warn("connections still open at the drain timeout; closing them", "error", serr)
		hs.Close()
	}
	undelivered := s.hooks.drain(shutCtx)
	s.log.Info("stopped", "webhookEventsUndelivered", undelivered)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// waitRequests waits until no API request is in progress, or ctx ends. The
// listener is closed by then, so the count only falls; it is read twice
// 5ms apart, to let a request already read from a kept-alive connection
// start.
func (s *Server) waitRequests(ctx context.Context) {
	for idle := 0; idle < 2; {
		if s.inflight.Load() == 0 {
			idle++
		} else {
			idle = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Service runs fn with the service, holding the server's lock, and
// publishes the events fn caused. fn must not call Step or Events. Use it
// for reads the API has no operation for, such as a game session's
// matchmaker data.
func (s *Server) Service(fn func(svc *gamelift.Service, now time.Time)) {
	s.mu.Lock()
	fn(s.svc, s.cfg.Clock())
	s.targets.Store(ptr(s.svc.WebhookTargets()))
	s.handOff(s.svc.Engine().Events())
}

// Step steps the engine now, outside the Tick schedule, and publishes the
// events. Tests and tools use it with a fake Clock.
func (s *Server) Step() { s.step() }

// streamBacklog returns how many events the open GET /events streams
// have yet to write, summed.
func (s *Server) streamBacklog() int64 {
	end := s.hub.end()
	var n int64
	s.streams.Range(func(k, _ any) bool {
		if c := k.(*atomic.Uint64).Load(); c < end {
			n += int64(end - c)
		}
		return true
	})
	return n
}

// counts returns the tickets by configuration and status, for metrics.
func (s *Server) counts() map[string]map[string]int {
	s.mu.Lock()
	byConfig := s.svc.Engine().CountsByConfiguration()
	s.mu.Unlock()
	out := make(map[string]map[string]int, len(byConfig))
	for name, m := range byConfig { // copies: order does not matter
		mm := make(map[string]int, len(m))
		for st, n := range m {
			mm[string(st)] = n
		}
		out[name] = mm
	}
	return out
}
