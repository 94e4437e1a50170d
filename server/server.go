package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/oplog"
)

// ErrServed is returned by Serve when the server is already serving or
// has served.
var ErrServed = errors.New("server: Serve was already called")

// ErrStopped is returned by Do, on a server with a log, for a change asked
// for after Serve stopped and closed the log: it could not be made
// durable.
var ErrStopped = errors.New("server: stopped; changes are no longer taken")

// Server runs a gamelift.Service behind HTTP. See the package doc for the
// routes and the concurrency contract.
type Server struct {
	cfg Config
	log *slog.Logger

	// mu serialises the service: every operation and every step.
	mu  sync.Mutex
	svc *gamelift.Service
	// Events wait in pubq, in the engine's order, until the records that
	// caused them are durable; pubMu serialises their publication.
	qmu     sync.Mutex
	pubq    []pubBatch
	seq     uint64    // the last record's number (guarded by mu)
	last    time.Time // the time of the last operation or step (guarded by mu)
	pubMu   sync.Mutex
	render  gamelift.Renderer
	dur     *durability                       // nil without Config.Log
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
	s := &Server{cfg: cfg, log: cfg.Logger, hub: newHub(cfg.EventHistory), stopping: make(chan struct{})}
	s.targets.Store(&map[string]string{})
	var err error
	if s.tel, err = newTelemetry(cfg.MeterProvider, s); err != nil {
		return nil, err
	}
	s.hooks = newWebhooks(cfg.Webhooks, s.log, s.tel)
	// The service is made under s.mu: the metrics callbacks read it.
	s.mu.Lock()
	if cfg.Log != nil {
		err = s.recover()
	} else {
		s.svc, err = gamelift.NewService(cfg.Service)
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	s.render = s.svc.Renderer()
	if cfg.Credentials != nil {
		s.verifier = newVerifier(cfg.Credentials, cfg.Clock)
	}
	s.routes()
	return s, nil
}

// Do runs one operation with its JSON input, as the API would, and returns
// its JSON output or a *gamelift.Error (or an error wrapping
// gamelift.ErrUnknownOperation). It is DoContext with
// context.Background() and no request id. It is safe for concurrent use.
func (s *Server) Do(op string, input []byte) ([]byte, error) {
	return s.DoContext(context.Background(), op, input, "")
}

// DoContext runs one operation as Do does; the API's requests run through
// it. With Config.Backend it passes the operation to Backend.Do with ctx
// and requestID (the client's invocation id, or ""), after refusing an
// unknown operation itself; without one it runs the operation on the
// server's own service, which finishes it whatever ctx does, and
// requestID is unused. It is safe for concurrent use.
func (s *Server) DoContext(ctx context.Context, op string, input []byte, requestID string) ([]byte, error) {
	if s.cfg.Backend == nil {
		return s.dispatch(op, input)
	}
	if !knownOps[op] {
		return nil, fmt.Errorf("%w %q; the operations are %s", gamelift.ErrUnknownOperation, op, strings.Join(gamelift.Operations(), ", "))
	}
	return s.cfg.Backend.Do(ctx, op, input, requestID)
}

// dispatch decodes the input of op, then runs it on the service and
// encodes its output while holding the service's lock (the output may share
// memory with the service), records it, and publishes the events it caused
// once the record is durable. Decoding needs no lock, so requests decode in
// parallel, and a durable log syncs many requests at once.
func (s *Server) dispatch(op string, body []byte) ([]byte, error) {
	req, err := gamelift.Decode(op, body)
	if err != nil {
		return nil, err
	}
	seq, enc, err := s.execute(op, req, body)
	if werr := s.settle(seq); werr != nil {
		return nil, werr
	}
	return enc, err
}

// execute runs a decoded request under the service's lock: the operation,
// its output's encoding, its record, and the queueing of its events. A
// change the log refuses is answered as not durable, and its events are
// not queued: nothing of it is published or acknowledged.
func (s *Server) execute(op string, req *gamelift.Request, body []byte) (seq uint64, enc []byte, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(op); err != nil {
		return 0, nil, err
	}
	now := s.now()
	out, err := s.svc.Execute(now, req)
	if err == nil {
		if configurationOps[op] {
			s.targets.Store(ptr(s.svc.WebhookTargets()))
		}
		enc, err = json.Marshal(out)
		if !gamelift.ReadOnly(op) {
			var rerr error
			if seq, rerr = s.record(oplog.Record{Kind: oplog.KindOp, Time: now, Op: op, Input: body}); rerr != nil {
				return 0, nil, rerr
			}
		}
	}
	s.queue(seq, s.svc.Engine().Events())
	return seq, enc, err
}

// now returns the time of the next operation or step: the clock's wall
// time without its monotonic reading, and never earlier than the last one.
// The log keeps wall times, so a replay compares exactly the times the
// live server compared (a monotonic reading would decide deadlines by a
// clock the log does not have), and time never runs backwards for the
// engine when the wall clock is stepped back. Callers hold s.mu.
func (s *Server) now() time.Time {
	t := s.cfg.Clock().Round(0)
	if t.Before(s.last) {
		t = s.last
	}
	s.last = t
	return t
}

// configurationOps change configurations, and so maybe their webhooks.
var configurationOps = map[string]bool{
	gamelift.OpCreateMatchmakingConfiguration: true,
	gamelift.OpUpdateMatchmakingConfiguration: true,
	gamelift.OpDeleteMatchmakingConfiguration: true,
}

func ptr[T any](v T) *T { return &v }

// step steps the engine once, records it, and publishes its events once the
// record is durable. With a Backend there is no engine to step.
func (s *Server) step() {
	if s.cfg.Backend != nil {
		return
	}
	seq, took, ok := s.stepLocked()
	if !ok {
		return
	}
	s.tel.stepped(took)
	s.settle(seq)
	s.maybeCheckpoint()
}

// stepLocked is step's part under the service's lock. ok is false when the
// server refuses changes, or the log refused the step's record (its events
// are then not published).
func (s *Server) stepLocked() (seq uint64, took time.Duration, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writable("") != nil {
		return 0, 0, false
	}
	now := s.now()
	start := time.Now()
	evs := s.svc.Engine().Step(now)
	took = time.Since(start)
	seq, err := s.record(oplog.Record{Kind: oplog.KindStep, Time: now})
	if err != nil {
		return 0, 0, false
	}
	s.queue(seq, evs)
	return seq, took, true
}

// pubBatch is the events of one record, waiting for it to be durable.
type pubBatch struct {
	seq uint64
	evs []engine.Event
}

// record numbers a change of the state and, with a log, appends it; it
// returns the change's number, or the error that kept the log from taking
// it (the server then refuses changes: the engine holds one the log does
// not). Callers hold s.mu.
func (s *Server) record(r oplog.Record) (uint64, error) {
	if s.dur == nil {
		s.seq++
		return s.seq, nil
	}
	seq, err := s.dur.append(s, r)
	if err != nil {
		return 0, err
	}
	s.seq = seq
	return seq, nil
}

// queue puts the events of record seq in line for publication. Callers
// hold s.mu, so the line keeps the engine's order.
func (s *Server) queue(seq uint64, evs []engine.Event) {
	if len(evs) == 0 {
		return
	}
	if seq == 0 { // events of a change that is not recorded: with the last record
		seq = s.seq
	}
	s.qmu.Lock()
	s.pubq = append(s.pubq, pubBatch{seq, evs})
	s.qmu.Unlock()
}

// settle waits until record seq is durable, then publishes every queued
// batch up to it, in order. It returns an error when the record could not
// be made durable. Callers do not hold s.mu.
func (s *Server) settle(seq uint64) error {
	if seq != 0 && s.dur != nil {
		if err := s.dur.wait(s, seq); err != nil {
			return err
		}
	}
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	for {
		s.qmu.Lock()
		if len(s.pubq) == 0 || s.pubq[0].seq > max(seq, s.lastQueuedWithoutLog()) {
			s.qmu.Unlock()
			return nil
		}
		b := s.pubq[0]
		s.pubq[0] = pubBatch{}
		s.pubq = s.pubq[1:]
		s.qmu.Unlock()
		s.publish(b.seq, b.evs)
	}
}

// lastQueuedWithoutLog is, without a log, the newest batch's number (every
// batch is durable at once); with a log, 0. Callers hold s.qmu.
func (s *Server) lastQueuedWithoutLog() uint64 {
	if s.dur != nil || len(s.pubq) == 0 {
		return 0
	}
	return s.pubq[len(s.pubq)-1].seq
}

// publish renders events once and hands them to the history (GET /events),
// the webhook queues and the metrics. It never blocks on a consumer.
// Callers hold s.pubMu, or are alone (recovery). Rendering reads only the events, which are
// immutable, and the renderer, a value.
func (s *Server) publish(seq uint64, evs []engine.Event) {
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
		recs = append(recs, record{id: ev.ID, config: name, data: data, rec: seq})
		if url := targets[name]; url != "" {
			s.hooks.enqueue(name, url, &ev, data, seq)
		}
		s.tel.event(&ev)
	}
	s.hub.add(recs)
}

// Handler returns the server's HTTP handler: the API on POST / and
// POST /service/GameLift/operation/{Operation}, and GET /events, /healthz,
// /readyz and /metrics. It is usable without Serve (the engine then steps
// only when Serve runs; /readyz answers 503).
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
			if s.cfg.Backend != nil {
				fmt.Fprintln(w, "not ready: the server is not serving (starting or stopping)")
			} else {
				fmt.Fprintln(w, "not ready: the server is not stepping the engine (starting or stopping)")
			}
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
// ErrServed if called twice. It closes ln. With Config.Backend it steps
// nothing (the backend's engines step where they run) and is otherwise the
// same.
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
		if s.cfg.Backend != nil {
			<-stopSteps
			return
		}
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
	s.log.Info("serving", "address", ln.Addr().String(), "tick", s.cfg.Tick, "signatures", s.verifier != nil, "backend", s.cfg.Backend != nil)

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
	s.closeLog()
	// The webhooks get a deadline of their own: slow connections above
	// must not eat their time.
	hookCtx, cancelHooks := context.WithTimeout(context.Background(), s.cfg.DrainTimeout)
	defer cancelHooks()
	undelivered := s.hooks.drain(hookCtx)
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
// publishes the events fn caused. fn must not call Step or Events, and,
// with a log, must only read: a change made here is not recorded. Use it
// for reads the API has no operation for, such as a game session's
// matchmaker data. With Config.Backend, svc is the server's own service,
// which the API never reaches and which holds nothing unless fn puts it
// there; the events fn causes are dropped.
func (s *Server) Service(fn func(svc *gamelift.Service, now time.Time)) {
	func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		fn(s.svc, s.now())
		if s.cfg.Backend != nil {
			s.svc.Engine().Events() // nothing of the local service is published
			return
		}
		s.targets.Store(ptr(s.svc.WebhookTargets()))
		s.queue(0, s.svc.Engine().Events())
	}()
	s.settle(0)
}

// History returns the JSON of the events the server holds for GET /events
// clients, oldest first (at most Config.EventHistory).
func (s *Server) History() []string {
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	recs, _, _ := s.hub.read(s.hub.firstPos(), int(^uint(0)>>1), nil)
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.data)
	}
	return out
}

// Step steps the engine now, outside the Tick schedule, and publishes the
// events. Tests and tools use it with a fake Clock. With Config.Backend it
// does nothing.
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
	if s.svc == nil { // New is still making it
		s.mu.Unlock()
		return nil
	}
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
