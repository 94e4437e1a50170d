package engine_test

// Runner tests. Each one runs inside a testing/synctest bubble: the Runner's
// ticker and its default clock (time.Now) are the bubble's fake clock, which
// moves only when every goroutine in the bubble is durably blocked. So the
// tests never sleep on the real clock and never poll: they wait with
// synctest.Wait or a channel operation. A wait for the Runner is bounded in
// fake time (recv), because Run's ticker would keep the fake clock moving
// forever; any other wait that cannot end makes the bubble report a
// deadlock, and so does a goroutine still blocked when the test function
// returns: one the Runner leaked. Run the tests with -race as well:
// producers call the Runner from several goroutines at the same fake
// instants, and those calls really run in parallel.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ticket"
)

// runnerEngine returns an engine with the duel rule set in two
// configurations added at now: "solo" (requests time out after 3 s) and
// "accept" (acceptance within 1 s, requests time out after 5 s).
func runnerEngine(t testing.TB, now time.Time) *engine.Engine {
	t.Helper()
	e := mustEngine(t, engine.Config{Seed: 9})
	for _, c := range []engine.Configuration{
		{Name: "solo", RuleSet: duel, RequestTimeout: 3 * time.Second},
		{Name: "accept", RuleSet: duel, RequestTimeout: 5 * time.Second, AcceptanceRequired: true, AcceptanceTimeout: time.Second},
	} {
		if err := e.AddConfiguration(now, c); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// newRunner wraps a fresh runnerEngine, its configurations added at the
// current (in a bubble, fake) time, in a Runner with opts.
func newRunner(t *testing.T, opts engine.RunnerOptions) (*engine.Runner, *engine.Engine) {
	t.Helper()
	e := runnerEngine(t, time.Now())
	r, err := engine.NewRunner(e, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r, e
}

// runAsync starts r.Run(ctx) in a goroutine and returns the channel its
// result arrives on.
func runAsync(r *engine.Runner, ctx context.Context) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- r.Run(ctx) }()
	return ch
}

// patience bounds, in fake time, every wait for the Runner to do something.
// Waits must be bounded: while Run's ticker runs, the bubble's clock can
// always move on to the next tick, so a wait that can never end is not a
// deadlock the bubble reports but an endless series of steps.
const patience = time.Minute

// recv receives from c, failing the test if nothing arrives and c stays
// open for patience of fake time.
func recv[T any](t *testing.T, c <-chan T, what string) (T, bool) {
	t.Helper()
	select {
	case v, ok := <-c:
		return v, ok
	case <-time.After(patience):
		t.Fatalf("waited %v of fake time for %s", patience, what)
		panic("unreachable")
	}
}

// closeAndWait closes r and returns what Run, which sends to ch, returned.
func closeAndWait(t *testing.T, r *engine.Runner, ch <-chan error) error {
	t.Helper()
	r.Close()
	err, _ := recv(t, ch, "Run to return after Close")
	return err
}

// inBubble runs f as the subtest name, inside a synctest bubble of its own.
func inBubble(t *testing.T, name string, f func(t *testing.T)) {
	t.Run(name, func(t *testing.T) { synctest.Test(t, f) })
}

// realClock reads the real clock from inside a bubble, where time.Now is
// the bubble's: a goroutine started outside the bubble answers each request
// with its own time.Now. Waiting for the answer does not block durably, so
// the fake clock stands still meanwhile.
type realClock struct {
	req  chan struct{}
	resp chan time.Time
}

// newRealClock starts the answering goroutine; call it outside the bubble.
// The goroutine ends when t's cleanup runs.
func newRealClock(t *testing.T) *realClock {
	c := &realClock{req: make(chan struct{}), resp: make(chan time.Time)}
	go func() {
		for range c.req {
			c.resp <- time.Now()
		}
	}()
	t.Cleanup(func() { close(c.req) })
	return c
}

// Now returns the real time.
func (c *realClock) Now() time.Time {
	c.req <- struct{}{}
	return <-c.resp
}

// reader consumes a subscription in a goroutine, sleeping delay (fake time)
// after each event and stopping after limit events (0: no limit). What it
// did not receive stays in the subscription for Drain.
type reader struct {
	sub   *engine.Subscription
	delay time.Duration
	limit int
	got   []engine.Event // owned by the goroutine until done is closed
	done  chan struct{}
}

// startReader starts a reader of sub.
func startReader(sub *engine.Subscription, delay time.Duration, limit int) *reader {
	rd := &reader{sub: sub, delay: delay, limit: limit, done: make(chan struct{})}
	go func() {
		defer close(rd.done)
		for ev := range sub.C {
			rd.got = append(rd.got, ev)
			if rd.delay > 0 {
				time.Sleep(rd.delay)
			}
			if rd.limit > 0 && len(rd.got) == rd.limit {
				return
			}
		}
	}()
	return rd
}

// all waits for the reader to end (C closed, or its limit reached) and
// returns what it received followed by what Drain gives. Call it once the
// subscription can deliver no more: after Run returned, or after Cancel.
func (rd *reader) all() []engine.Event {
	<-rd.done
	return append(slices.Clone(rd.got), rd.sub.Drain()...)
}

// seqs returns the events' sequence numbers.
func seqs(evs []engine.Event) []uint64 {
	out := make([]uint64, len(evs))
	for i, ev := range evs {
		out[i] = ev.Seq
	}
	return out
}

// ticketsOf lists the ticket ids of the events, in order.
func ticketsOf(evs []engine.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, eventTicketIDs(ev)...)
	}
	return out
}

// kindsOf lists the kinds of the events, in order.
func kindsOf(evs []engine.Event) []engine.EventKind {
	out := make([]engine.EventKind, len(evs))
	for i, ev := range evs {
		out[i] = ev.Kind
	}
	return out
}

// soloRequest asks for a "solo" match for one player.
func soloRequest(id string, skill float64) engine.MatchmakingRequest {
	return engine.MatchmakingRequest{Configuration: "solo", Players: []ticket.Player{player(id, skill)}}
}

// stopTickets submits n "solo" tickets and stops each at once: n
// MatchmakingCancelled events, published by the calls themselves (no Step
// needed). It returns the tickets' ids.
func stopTickets(t *testing.T, r *engine.Runner, prefix string, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		tk, err := r.StartMatchmaking(soloRequest(fmt.Sprint(prefix, i), 1e3*float64(i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.StopMatchmaking(tk.TicketID); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.TicketID)
	}
	return ids
}

// closedNow reports whether C is closed at this moment, without waiting: a
// receive succeeds at once and finds no value. Use it only when nothing
// else reads C and no event can be on offer (it would be consumed).
func closedNow(t *testing.T, c <-chan engine.Event) bool {
	t.Helper()
	select {
	case ev, open := <-c:
		if open {
			t.Errorf("C delivered %v where it should be closed", &ev)
		}
		return !open
	default:
		return false
	}
}

// produce is one producer's workload: n tickets in either configuration,
// reusing six player ids so that D17 cancels some; stops of its own
// tickets; answers (mostly acceptances) to the matches of its latest
// tickets; and Do calls, some of which make events the Runner has no
// method for. Between iterations it sleeps 0 to 4 pauses of fake time, so
// producers, the Runner's ticker and each other often wake at the same
// instant. Ticket ids go to started.
func produce(t *testing.T, r *engine.Runner, id, n int, pause time.Duration, started chan<- string) {
	rng := rand.New(rand.NewPCG(uint64(id), 7))
	var mine []string
	for k := range n {
		cfg := []string{"solo", "accept"}[rng.IntN(2)]
		tk, err := r.StartMatchmaking(engine.MatchmakingRequest{Configuration: cfg,
			Players: []ticket.Player{player(fmt.Sprintf("g%d-%d", id, rng.IntN(6)), float64(rng.IntN(30)))}})
		if err != nil {
			t.Errorf("producer %d: StartMatchmaking: %v", id, err)
			return
		}
		started <- tk.TicketID
		mine = append(mine, tk.TicketID)
		if rng.IntN(4) == 0 {
			err := r.StopMatchmaking(mine[rng.IntN(len(mine))])
			if err != nil && !errors.Is(err, engine.ErrInvalid) {
				t.Errorf("producer %d: StopMatchmaking: %v", id, err)
			}
		}
		ts, err := r.Tickets(mine[max(0, len(mine)-10):])
		if err != nil {
			t.Errorf("producer %d: Tickets: %v", id, err)
		}
		for _, d := range ts {
			if d.Status != ticket.StatusRequiresAcceptance {
				continue
			}
			answer := engine.Accepted
			if rng.IntN(5) == 0 {
				answer = engine.Rejected
			}
			err := r.AcceptMatch(d.TicketID, []string{d.Players[0].PlayerID}, answer)
			if err != nil && !errors.Is(err, engine.ErrInvalid) { // the acceptance may have ended meanwhile
				t.Errorf("producer %d: AcceptMatch: %v", id, err)
			}
		}
		if err := r.Do(func(e *engine.Engine, now time.Time) error {
			if k%10 == 0 && len(mine) > 1 { // operations the Runner has no method for; Do publishes their events
				_ = e.ReportPlayersLeft(now, "no-such-session", []string{"x"})
				_, _ = e.StartMatchBackfill(now, engine.BackfillRequest{Configuration: "solo",
					Players: []ticket.Player{{PlayerID: fmt.Sprintf("g%d-bf", id), Team: "red", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(1)}}}})
			}
			_ = e.Pending()
			return nil
		}); err != nil {
			t.Errorf("producer %d: Do: %v", id, err)
		}
		time.Sleep(time.Duration(rng.IntN(5)) * pause)
	}
}

// TestRunnerDelivery runs a mixed workload from several producers while Run
// steps the engine, then stops Run by Close or by cancelling its context,
// and checks the delivery contract: every subscription (fast, slow, far
// behind, one that stops reading) sees every event produced after it
// subscribed exactly once, in engine order, counting what Drain returns
// after Run; a late subscription sees a proper suffix; and the events
// account for every ticket's final status.
func TestRunnerDelivery(t *testing.T) {
	for _, stop := range []string{"Close", "cancel"} {
		inBubble(t, stop, func(t *testing.T) { testDelivery(t, stop == "Close") })
	}
}

func testDelivery(t *testing.T, byClose bool) {
	const interval = 10 * time.Millisecond
	start := time.Now()
	r, e := newRunner(t, engine.RunnerOptions{Interval: interval}) // the default clock: the bubble's
	readers := []*reader{
		startReader(r.Subscribe(), 0, 0),
		startReader(r.Subscribe(), time.Millisecond, 0),
		startReader(r.Subscribe(), 20*time.Millisecond, 0), // still far behind when Run stops
		startReader(r.Subscribe(), 0, 25),                  // stops reading: Drain has the rest
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	runErr := runAsync(r, ctx) // its ticker starts now: steps at start+k*interval

	const producers, perProducer = 4, 40
	started := make(chan string, producers*perProducer+2)
	var wg sync.WaitGroup
	for i := range producers {
		wg.Go(func() { produce(t, r, i, perProducer, interval, started) })
	}

	// Subscribe late, mid-production, between two tickets of our own: one
	// cancelled before Subscribe (an event the late subscription must not
	// see) and one submitted after it, which searches at the next step and
	// times out 3 s later (events it must see). Their skill matches no one.
	time.Sleep(30 * interval)
	early, err := r.StartMatchmaking(soloRequest("late-0", 500))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.StopMatchmaking(early.TicketID); err != nil {
		t.Fatal(err)
	}
	late := startReader(r.Subscribe(), 0, 0)
	next, err := r.StartMatchmaking(soloRequest("late-1", 500))
	if err != nil {
		t.Fatal(err)
	}
	started <- early.TicketID
	started <- next.TicketID

	produced := make(chan struct{})
	go func() { wg.Wait(); close(produced) }()
	recv(t, produced, "the producers")
	time.Sleep(10 * time.Second) // past every request timeout: all tickets end
	if err := r.Run(ctx); !errors.Is(err, engine.ErrRunnerClosed) {
		t.Errorf("second Run while running = %v, want ErrRunnerClosed", err)
	}
	stopAt := time.Now()
	wantRunErr := error(nil)
	if byClose {
		r.Close()
	} else {
		cancel()
		wantRunErr = context.Canceled
	}
	if err, _ := recv(t, runErr, "Run to return"); err != wantRunErr {
		t.Errorf("Run returned %v, want %v", err, wantRunErr)
	}
	if d := time.Since(stopAt); d != 0 {
		t.Errorf("Run took %v of fake time to return: it waited for a slow subscriber", d)
	}
	// Run returned, so the forwarders have ended and closed C: the
	// subscription that stopped reading is closed now, not eventually.
	<-readers[3].done
	if !closedNow(t, readers[3].sub.C) {
		t.Error("Run returned while a subscription's C was still open")
	}
	close(started)

	ref := readers[0].all()
	if len(ref) < 100 {
		t.Fatalf("only %d events", len(ref))
	}
	for i, ev := range ref { // subscribed before the first event: all of them
		if ev.Seq != uint64(i+1) {
			t.Fatalf("event %d is #%d: one lost, out of engine order or twice", i+1, ev.Seq)
		}
	}
	for i, rd := range readers[1:] {
		if got := rd.all(); !slices.Equal(seqs(got), seqs(ref)) {
			t.Errorf("subscriber %d saw %d events (received and drained); the first saw %d: not the same sequence", i+1, len(got), len(ref))
		}
	}
	got := late.all()
	if len(got) == 0 || len(got) >= len(ref) || !slices.Equal(seqs(got), seqs(ref[len(ref)-len(got):])) {
		t.Errorf("late subscriber saw %d events of %d, want a proper suffix of the sequence", len(got), len(ref))
	}
	lateTickets := ticketsOf(got)
	if slices.Contains(lateTickets, early.TicketID) {
		t.Errorf("late subscriber saw an event of %s, cancelled before it subscribed", early.TicketID)
	}
	if !slices.Contains(lateTickets, next.TicketID) {
		t.Errorf("late subscriber saw no event of %s, submitted after it subscribed", next.TicketID)
	}

	// Times come from the clock, the bubble's: within the run, never
	// decreasing, and a timeout (only Step finds those) exactly on a tick.
	for i, ev := range ref {
		if ev.Time.Before(start) || ev.Time.After(stopAt) || i > 0 && ev.Time.Before(ref[i-1].Time) {
			t.Fatalf("event %v: time not from the clock (run from %v to %v), or before its predecessor's", &ev, start, stopAt)
		}
		if ev.Kind == engine.EventTimedOut && ev.Time.Sub(start)%interval != 0 {
			t.Errorf("event %v: a step's event between ticks (every %v from %v)", &ev, interval, start)
		}
	}

	// No event lost: replaying every event's status change gives each
	// ticket's final status (the engine is ours again: Run returned).
	status := map[string]ticket.Status{}
	for id := range started {
		status[id] = ticket.StatusQueued
	}
	kinds := map[engine.EventKind]int{}
	for i := range ref {
		ev := &ref[i]
		kinds[ev.Kind]++
		if s := engine.StatusAfter(ev); s != "" {
			for _, id := range eventTicketIDs(*ev) {
				status[id] = s
			}
		}
	}
	for id, want := range status {
		tk, ok := e.Ticket(id)
		if !ok || tk.Status != want {
			t.Errorf("ticket %s is %s, but its events lead to %s", id, tk.Status, want)
		}
	}
	if n := e.Pending(); n != 0 {
		t.Errorf("%d tickets still active after every request timeout", n)
	}
	t.Logf("%d events: %v", len(ref), kinds)
	for _, k := range []engine.EventKind{engine.EventSearching, engine.EventPotentialMatchCreated, engine.EventSucceeded,
		engine.EventCancelled, engine.EventAcceptMatch, engine.EventAcceptMatchCompleted, engine.EventTimedOut} {
		if kinds[k] == 0 {
			t.Errorf("no %s event among %v: the workload should exercise it", k, kinds)
		}
	}

	// After Run: a new subscription is closed at once, and every call
	// refuses.
	if s := r.Subscribe(); !closedNow(t, s.C) {
		t.Error("a subscription made after Run returned is open")
	}
	if _, err := r.StartMatchmaking(soloRequest("after", 1)); !errors.Is(err, engine.ErrRunnerClosed) {
		t.Errorf("StartMatchmaking after Run = %v, want ErrRunnerClosed", err)
	}
	if err := r.Run(context.Background()); !errors.Is(err, engine.ErrRunnerClosed) {
		t.Errorf("Run after Run = %v, want ErrRunnerClosed", err)
	}
	r.Close() // harmless after Run
}

// TestRunnerCloseUnderLoad stops a Runner whose subscribers hold a backlog
// of 100,000 events: one never reads, one reads an event per millisecond
// (it would need 100 s to catch up). Close must not wait for them: Run
// returns at the instant of Close on the fake clock, within realBound of
// real time and allocating less than allocBound, both independent of the
// backlog; then C is closed and Drain returns the whole backlog in order.
func TestRunnerCloseUnderLoad(t *testing.T) {
	const (
		backlog    = 100_000
		batch      = 1_000                  // events per Do call
		realBound  = 100 * time.Millisecond // about 0.1 ms is usual, -race included; the margin is for a busy machine
		allocBound = 1 << 20                // bytes; a copy of the backlog would be about 10 MB
	)
	clock := newRealClock(t)
	synctest.Test(t, func(t *testing.T) {
		r, _ := newRunner(t, engine.RunnerOptions{Interval: time.Hour}) // no step: operations make every event
		stuck := r.Subscribe()
		slow := startReader(r.Subscribe(), time.Millisecond, 0)
		runErr := runAsync(r, t.Context())

		var ids []string
		for len(ids) < backlog {
			if err := r.Do(func(e *engine.Engine, now time.Time) error {
				for range batch {
					tk, err := e.StartMatchmaking(now, soloRequest(fmt.Sprint("load-", len(ids)), 0))
					if err != nil {
						return err
					}
					if err := e.StopMatchmaking(now, tk.TicketID); err != nil {
						return err
					}
					ids = append(ids, tk.TicketID)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait() // each forwarder offers an event; the slow reader took one and sleeps
		if n := stuck.Pending(); n != backlog {
			t.Fatalf("Pending() = %d, want the whole backlog of %d", n, backlog)
		}
		if n := slow.sub.Pending(); n != backlog-1 {
			t.Fatalf("slow subscriber's Pending() = %d, want %d", n, backlog-1)
		}

		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		closeAt, realAt := time.Now(), clock.Now()
		r.Close()
		err, _ := recv(t, runErr, "Run to return after Close")
		realTook, fakeTook := clock.Now().Sub(realAt), time.Since(closeAt)
		runtime.ReadMemStats(&after)
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("Close to Run's return with %d events queued twice: %v fake, %v real, %d bytes allocated", backlog, fakeTook, realTook, alloc)
		if err != nil {
			t.Errorf("Run after Close = %v, want nil", err)
		}
		if fakeTook != 0 {
			t.Errorf("Run returned %v of fake time after Close: it waited for a subscriber", fakeTook)
		}
		if realTook > realBound {
			t.Errorf("Run returned %v of real time after Close, want at most %v", realTook, realBound)
		}
		if alloc > allocBound {
			t.Errorf("Close and Run's return allocated %d bytes with %d events queued, want at most %d: work that grows with the backlog", alloc, backlog, allocBound)
		}

		if !closedNow(t, stuck.C) {
			t.Error("C of the subscription that never read is open after Run returned")
		}
		if got := stuck.Drain(); !slices.Equal(ticketsOf(got), ids) {
			t.Errorf("Drain returned %d events, want the backlog of %d in order", len(got), len(ids))
		}
		if got := slow.all(); !slices.Equal(ticketsOf(got), ids) {
			t.Errorf("slow subscriber received and drained %d events, want the backlog of %d in order", len(got), len(ids))
		}
	})
}

// TestRunnerLifecycle checks one rule of the Runner's contract per subtest:
// when subscriptions start and stop receiving, what Close, cancellation and
// Cancel do, Do's error and events, Drain while forwarding, and the steps'
// interval and clock.
func TestRunnerLifecycle(t *testing.T) {
	t.Run("NewRunner", func(t *testing.T) {
		if _, err := engine.NewRunner(runnerEngine(t, t0), engine.RunnerOptions{Interval: -time.Second}); err == nil {
			t.Error("negative interval accepted")
		}
		if err := (engine.RunnerOptions{Interval: -1}).Validate(); err == nil {
			t.Error("Validate accepted a negative interval")
		}
	})

	inBubble(t, "subscribe before, during and after Run", func(t *testing.T) {
		r, _ := newRunner(t, engine.RunnerOptions{Interval: time.Hour}) // no steps: events come from operations
		before := r.Subscribe()
		first := stopTickets(t, r, "a", 3) // queued until Run forwards them
		if n := before.Pending(); n != 3 {
			t.Errorf("Pending() = %d before Run, want 3", n)
		}
		ch := runAsync(r, t.Context())
		rdBefore := startReader(before, 0, 0)
		synctest.Wait() // Run forwarded the three and the reader took them
		if n := before.Pending(); n != 0 {
			t.Errorf("Pending() = %d once the reader is idle, want 0", n)
		}
		during := r.Subscribe()
		rdDuring := startReader(during, 0, 0)
		second := stopTickets(t, r, "b", 2)
		if err := closeAndWait(t, r, ch); err != nil {
			t.Errorf("Run after Close = %v, want nil", err)
		}
		if got := ticketsOf(rdBefore.all()); !slices.Equal(got, slices.Concat(first, second)) {
			t.Errorf("subscribed before Run: %v, want %v", got, slices.Concat(first, second))
		}
		if got := ticketsOf(rdDuring.all()); !slices.Equal(got, second) {
			t.Errorf("subscribed during Run: %v, want %v", got, second)
		}
		after := r.Subscribe()
		if !closedNow(t, after.C) {
			t.Error("a subscription made after Close is open")
		}
		if evs := after.Drain(); len(evs) != 0 {
			t.Errorf("a subscription made after Close drains %d events", len(evs))
		}
	})

	inBubble(t, "Close before Run", func(t *testing.T) {
		r, _ := newRunner(t, engine.RunnerOptions{Interval: time.Millisecond})
		sub := r.Subscribe()
		stopTickets(t, r, "a", 2)
		r.Close()
		r.Close()
		if !closedNow(t, sub.C) {
			t.Error("C is open after Close without Run")
		}
		if n := len(sub.Drain()); n != 2 {
			t.Errorf("Drain after Close gives %d events, want 2", n)
		}
		if err := r.Run(t.Context()); !errors.Is(err, engine.ErrRunnerClosed) {
			t.Errorf("Run after Close = %v, want ErrRunnerClosed", err)
		}
		for _, c := range []struct {
			name string
			call func() error
		}{
			{"Do", func() error { return r.Do(func(*engine.Engine, time.Time) error { return nil }) }},
			{"StartMatchmaking", func() error {
				_, err := r.StartMatchmaking(engine.MatchmakingRequest{Configuration: "solo"})
				return err
			}},
			{"StartMatchBackfill", func() error {
				_, err := r.StartMatchBackfill(engine.BackfillRequest{Configuration: "solo"})
				return err
			}},
			{"Tickets", func() error {
				_, err := r.Tickets([]string{"x"})
				return err
			}},
			{"StopMatchmaking", func() error { return r.StopMatchmaking("x") }},
			{"AcceptMatch", func() error { return r.AcceptMatch("x", []string{"p"}, engine.Accepted) }},
		} {
			if err := c.call(); !errors.Is(err, engine.ErrRunnerClosed) {
				t.Errorf("%s after Close = %v, want ErrRunnerClosed", c.name, err)
			}
		}
	})

	inBubble(t, "context cancelled before Run", func(t *testing.T) {
		r, _ := newRunner(t, engine.RunnerOptions{Interval: time.Millisecond})
		sub := r.Subscribe()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := r.Run(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
		if !closedNow(t, sub.C) {
			t.Error("C is open after Run returned")
		}
		if err := r.Do(func(*engine.Engine, time.Time) error { return nil }); !errors.Is(err, engine.ErrRunnerClosed) {
			t.Errorf("Do after Run = %v, want ErrRunnerClosed", err)
		}
	})

	inBubble(t, "Do returns fn's error and publishes", func(t *testing.T) {
		r, _ := newRunner(t, engine.RunnerOptions{Interval: time.Hour})
		sub := r.Subscribe()
		ch := runAsync(r, t.Context())
		time.Sleep(1234 * time.Millisecond) // so that now is not the bubble's start
		sentinel := errors.New("mine")
		var seen time.Time
		err := r.Do(func(e *engine.Engine, now time.Time) error {
			seen = now
			tk, err := e.StartMatchmaking(now, soloRequest("d", 1))
			if err != nil {
				return err
			}
			if err := e.StopMatchmaking(now, tk.TicketID); err != nil { // an event, published by Do
				return err
			}
			return sentinel
		})
		if !errors.Is(err, sentinel) {
			t.Errorf("Do = %v, want fn's error", err)
		}
		if now := time.Now(); !seen.Equal(now) {
			t.Errorf("Do passed %v, want the clock's %v", seen, now)
		}
		if ev, _ := recv(t, sub.C, "Do's event"); ev.Kind != engine.EventCancelled || !ev.Time.Equal(seen) {
			t.Errorf("event %s at %v, want MatchmakingCancelled at %v", ev.Kind, ev.Time, seen)
		}
		closeAndWait(t, r, ch)
	})

	inBubble(t, "Cancel", func(t *testing.T) {
		r, _ := newRunner(t, engine.RunnerOptions{Interval: time.Hour})
		keep, gone, never := r.Subscribe(), r.Subscribe(), r.Subscribe()
		never.Cancel() // cancelled before Run: C closed at once
		if !closedNow(t, never.C) {
			t.Error("a subscription cancelled before Run is open")
		}
		ch := runAsync(r, t.Context())
		rdKeep := startReader(keep, 0, 0)
		first := stopTickets(t, r, "a", 2)
		var got []engine.Event
		for range 2 {
			ev, _ := recv(t, gone.C, "an event")
			got = append(got, ev)
		}
		gone.Cancel()
		gone.Cancel()
		second := stopTickets(t, r, "b", 2)
		for { // closed once its forwarder notices
			ev, open := recv(t, gone.C, "C to close after Cancel")
			if !open {
				break
			}
			got = append(got, ev)
		}
		got = append(got, gone.Drain()...)
		if !slices.Equal(ticketsOf(got), first) {
			t.Errorf("cancelled subscription got %v, want only %v", ticketsOf(got), first)
		}
		closeAndWait(t, r, ch)
		if all := ticketsOf(rdKeep.all()); !slices.Equal(all, slices.Concat(first, second)) {
			t.Errorf("other subscription got %v, want %v", all, slices.Concat(first, second))
		}
		never.Cancel()
	})

	inBubble(t, "Drain while forwarding", func(t *testing.T) {
		r, _ := newRunner(t, engine.RunnerOptions{Interval: time.Hour})
		ch := runAsync(r, t.Context())
		sub := r.Subscribe()
		ids := stopTickets(t, r, "a", 5)
		synctest.Wait() // the forwarder offers the first event on C
		if n := sub.Pending(); n != 5 {
			t.Errorf("Pending() = %d, want 5 (the one on offer included)", n)
		}
		drained := sub.Drain()
		if got := ticketsOf(drained); !slices.Equal(got, ids[1:]) {
			t.Errorf("Drain while forwarding = %v, want all but the event on offer: %v", got, ids[1:])
		}
		if n := sub.Pending(); n != 1 {
			t.Errorf("Pending() = %d after Drain, want 1: the event on offer", n)
		}
		if ev, _ := recv(t, sub.C, "the event on offer"); !slices.Equal(eventTicketIDs(ev), ids[:1]) {
			t.Errorf("C delivered %v after Drain, want the event on offer, of %v", &ev, ids[:1])
		}
		synctest.Wait()
		if n := sub.Pending(); n != 0 {
			t.Errorf("Pending() = %d, want 0", n)
		}
		closeAndWait(t, r, ch)
		if !closedNow(t, sub.C) {
			t.Error("C delivers after Drain and Close: an event twice")
		}
		if evs := sub.Drain(); len(evs) != 0 {
			t.Errorf("Drain after Close = %d events, want none: they were received or drained", len(evs))
		}
	})

	inBubble(t, "steps on the default interval with the clock", func(t *testing.T) {
		const interval = 100 * time.Millisecond // the default
		start := time.Now()
		r, _ := newRunner(t, engine.RunnerOptions{})
		sub := r.Subscribe()
		ch := runAsync(r, t.Context())
		time.Sleep(250 * time.Millisecond) // between ticks
		tk, err := r.StartMatchmaking(soloRequest("x", 1))
		if err != nil {
			t.Fatal(err)
		}
		if !tk.StartTime.Equal(start.Add(250 * time.Millisecond)) {
			t.Errorf("ticket started at %v, want %v", tk.StartTime, start.Add(250*time.Millisecond))
		}
		var evs []engine.Event
		for range 2 {
			ev, _ := recv(t, sub.C, "a step's event")
			evs = append(evs, ev)
		}
		// The ticket searches from the next tick (300 ms) and times out at
		// the first tick at or after its 3 s timeout (3.3 s).
		if !slices.Equal(kindsOf(evs), []engine.EventKind{engine.EventSearching, engine.EventTimedOut}) {
			t.Errorf("events %v, want Searching then TimedOut", kindsOf(evs))
		}
		for i, want := range []time.Duration{3 * interval, 33 * interval} {
			if got := evs[i].Time.Sub(start); got != want {
				t.Errorf("%s at %v from the start, want %v", evs[i].Kind, got, want)
			}
		}
		closeAndWait(t, r, ch)
	})

	inBubble(t, "an injected clock", func(t *testing.T) {
		// The clock runs with the bubble's but reads as t0 at the start,
		// so its times cannot be mistaken for time.Now.
		start := time.Now()
		clock := func() time.Time { return t0.Add(time.Since(start)) }
		r, err := engine.NewRunner(runnerEngine(t, t0), engine.RunnerOptions{Interval: time.Second, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		sub := r.Subscribe()
		ch := runAsync(r, t.Context())
		time.Sleep(500 * time.Millisecond)
		var seen time.Time
		if err := r.Do(func(e *engine.Engine, now time.Time) error {
			seen = now
			_, err := e.StartMatchmaking(now, soloRequest("x", 1))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if want := t0.Add(500 * time.Millisecond); !seen.Equal(want) {
			t.Errorf("Do passed %v, want the injected clock's %v", seen, want)
		}
		if ev, _ := recv(t, sub.C, "a step's event"); ev.Kind != engine.EventSearching || !ev.Time.Equal(t0.Add(time.Second)) {
			t.Errorf("first step's event %s at %v, want Searching at the injected clock's %v", ev.Kind, ev.Time, t0.Add(time.Second))
		}
		closeAndWait(t, r, ch)
	})
}
