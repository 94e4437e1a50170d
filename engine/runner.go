package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/matchforge/matchforge/ticket"
)

// RunnerOptions configure a Runner. The zero value means the defaults.
type RunnerOptions struct {
	// Interval is how often Run steps the engine. Default 100ms.
	Interval time.Duration
	// Clock returns the current time. Default time.Now.
	Clock func() time.Time
}

// Validate reports a negative interval.
func (o RunnerOptions) Validate() error {
	if o.Interval < 0 {
		return errors.New("engine: RunnerOptions.Interval must not be negative")
	}
	return nil
}

// ErrRunnerClosed is returned by Run after Close, and by calls made after
// Close.
var ErrRunnerClosed = errors.New("engine: runner closed")

// Runner is the concurrent shell around an Engine. It owns the engine: all
// access goes through the Runner, which serialises calls from any number of
// goroutines with a mutex, steps the engine on the real clock while Run is
// running, and delivers every event to every subscriber.
//
// Delivery contract:
//   - Events reach each subscription in the order the engine produced them.
//   - No event is dropped. Each subscription has its own unbounded queue; a
//     subscriber that falls behind makes its queue (and memory) grow but
//     never slows the engine or other subscribers. Subscription.Pending
//     reports the backlog.
//   - A subscription receives the events produced after Subscribe returns.
//   - When Run returns (Close or a cancelled context), each subscription's
//     channel is closed once its forwarding goroutine stops; events not yet
//     received stay in its queue and Subscription.Drain returns them. Run
//     returns only after every goroutine it started has ended.
//
// All methods are safe for concurrent use.
type Runner struct {
	mu      sync.Mutex // guards e and subs
	e       *Engine
	opts    RunnerOptions
	subs    map[*Subscription]struct{}
	running bool
	closed  bool
	stop    chan struct{}
	wg      sync.WaitGroup
}

// NewRunner wraps e. The caller must not use e directly afterwards.
func NewRunner(e *Engine, opts RunnerOptions) (*Runner, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Interval == 0 {
		opts.Interval = 100 * time.Millisecond
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &Runner{e: e, opts: opts, subs: map[*Subscription]struct{}{}, stop: make(chan struct{})}, nil
}

// Run steps the engine every Interval until ctx is cancelled or Close is
// called, and forwards events to subscribers meanwhile. It blocks; it
// returns nil after Close and ctx.Err() after cancellation. A Runner runs
// at most once.
func (r *Runner) Run(ctx context.Context) error {
	r.mu.Lock()
	if r.closed || r.running {
		r.mu.Unlock()
		return ErrRunnerClosed
	}
	r.running = true
	for s := range r.subs { // each subscription is independent: order does not matter
		r.startForwarding(s)
	}
	r.mu.Unlock()

	ticker := time.NewTicker(r.opts.Interval)
	defer ticker.Stop()
	var err error
loop:
	for {
		select {
		case <-ctx.Done():
			err = ctx.Err()
			break loop
		case <-r.stop:
			break loop
		case <-ticker.C:
			r.mu.Lock()
			if r.closed { // Close won the lock: no step after it
				r.mu.Unlock()
				break loop
			}
			events := r.e.Step(r.opts.Clock())
			r.publish(events)
			r.mu.Unlock()
		}
	}
	r.mu.Lock()
	r.closed = true
	for s := range r.subs { // each subscription is independent: order does not matter
		s.halt()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return err
}

// Close stops Run (or prevents it from starting). It does not wait; Run's
// return marks the end.
func (r *Runner) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		close(r.stop)
	}
	for s := range r.subs { // each subscription is independent: order does not matter
		s.end()
	}
}

// Do runs fn with the engine and the current time, holding the Runner's
// lock, then publishes the events fn caused. Use it for engine operations
// the Runner has no method for. fn must not call Step or Events: they hand
// the queued events to fn instead, and subscribers would never see them.
func (r *Runner) Do(fn func(e *Engine, now time.Time) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrRunnerClosed
	}
	err := fn(r.e, r.opts.Clock())
	r.publish(r.e.Events())
	return err
}

// StartMatchmaking submits a ticket (see Engine.StartMatchmaking).
func (r *Runner) StartMatchmaking(in MatchmakingRequest) (ticket.Ticket, error) {
	return doValue(r, func(e *Engine, now time.Time) (ticket.Ticket, error) { return e.StartMatchmaking(now, in) })
}

// StartMatchBackfill submits a backfill ticket (see Engine.StartMatchBackfill).
func (r *Runner) StartMatchBackfill(in BackfillRequest) (ticket.Ticket, error) {
	return doValue(r, func(e *Engine, now time.Time) (ticket.Ticket, error) { return e.StartMatchBackfill(now, in) })
}

// Tickets returns tickets (see Engine.Tickets).
func (r *Runner) Tickets(ids []string) ([]ticket.Ticket, error) {
	return doValue(r, func(e *Engine, _ time.Time) ([]ticket.Ticket, error) { return e.Tickets(ids), nil })
}

// doValue is Do for an operation that returns a value.
func doValue[T any](r *Runner, fn func(e *Engine, now time.Time) (T, error)) (T, error) {
	var out T
	err := r.Do(func(e *Engine, now time.Time) (err error) {
		out, err = fn(e, now)
		return err
	})
	return out, err
}

// StopMatchmaking cancels a ticket (see Engine.StopMatchmaking).
func (r *Runner) StopMatchmaking(id string) error {
	return r.Do(func(e *Engine, now time.Time) error { return e.StopMatchmaking(now, id) })
}

// AcceptMatch records answers to a proposed match (see Engine.AcceptMatch).
func (r *Runner) AcceptMatch(ticketID string, playerIDs []string, answer Answer) error {
	return r.Do(func(e *Engine, now time.Time) error { return e.AcceptMatch(now, ticketID, playerIDs, answer) })
}

// publish queues events for every subscription. Callers hold r.mu.
func (r *Runner) publish(events []Event) {
	if len(events) == 0 {
		return
	}
	for s := range r.subs { // each keeps the events in order in its own queue: order does not matter
		s.push(events)
	}
}

// Subscription receives events through C.
type Subscription struct {
	// C delivers events in order. It is closed when the Runner stops or
	// the subscription is cancelled.
	C <-chan Event

	c        chan Event
	r        *Runner
	mu       sync.Mutex
	queue    []Event
	inflight bool          // queue[0] is on offer on C
	wake     chan struct{} // signals new events, capacity 1
	done     chan struct{} // closed to stop forwarding
	halted   bool
	started  bool
}

// Subscribe returns a subscription to every event produced from now on.
func (r *Runner) Subscribe() *Subscription {
	c := make(chan Event)
	s := &Subscription{C: c, c: c, r: r, wake: make(chan struct{}, 1), done: make(chan struct{})}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subs[s] = struct{}{}
	if r.closed {
		s.end()
		return s
	}
	if r.running {
		r.startForwarding(s)
	}
	return s
}

// startForwarding starts s's forwarding goroutine, which closes C when it
// ends. Callers hold r.mu; started is guarded by r.mu.
func (r *Runner) startForwarding(s *Subscription) {
	if s.started {
		return
	}
	s.started = true
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(s.c)
		s.forward()
	}()
}

func (s *Subscription) push(events []Event) {
	s.mu.Lock()
	s.queue = append(s.queue, events...)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// forward moves queued events to C until halted. The event on offer stays
// at the head of the queue until a receiver takes it: a Drain meanwhile
// leaves the head alone, and if the subscription halts first the event is
// already where Drain finds it, so halting costs the same whatever the
// backlog.
func (s *Subscription) forward() {
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.mu.Unlock()
			select {
			case <-s.wake:
				continue
			case <-s.done:
				return
			}
		}
		ev := s.queue[0]
		s.inflight = true
		s.mu.Unlock()
		select {
		case s.c <- ev:
			s.mu.Lock()
			s.queue[0] = Event{} // still ev: only push and Drain change the queue meanwhile, and neither touches its head
			s.queue = s.queue[1:]
			s.inflight = false
			s.mu.Unlock()
		case <-s.done:
			s.mu.Lock()
			s.inflight = false
			s.mu.Unlock()
			return
		}
	}
}

func (s *Subscription) halt() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.halted {
		s.halted = true
		close(s.done)
	}
}

// Pending returns how many events wait to be received from C, the one on
// offer included.
func (s *Subscription) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Drain returns and forgets the events still queued. After the Runner has
// stopped (Run returned) or the subscription was cancelled and C closed,
// these are every event the subscription did not receive through C. While
// events are still being forwarded, the event on offer on C is not
// included: it is still delivered on C.
func (s *Subscription) Drain() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.queue
	if s.inflight {
		// The head is on offer: it stays, in a slice of capacity 1, so
		// that the next push reallocates rather than write into out.
		out, s.queue = s.queue[1:], s.queue[:1:1]
		return out
	}
	s.queue = nil
	return out
}

// Cancel ends the subscription: no more events are queued and C is closed
// once its forwarding goroutine notices.
func (s *Subscription) Cancel() {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if _, ok := s.r.subs[s]; !ok {
		return
	}
	delete(s.r.subs, s)
	s.end()
}

// end halts the subscription and closes C, here if no forwarding goroutine
// ever started (one that did closes C as it ends). Callers hold r.mu.
func (s *Subscription) end() {
	s.halt()
	if !s.started {
		s.started = true
		close(s.c)
	}
}
