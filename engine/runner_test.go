package engine_test

// Runner tests; run them with -race. Producers call the Runner from several
// goroutines while Run steps on a short interval with an injected clock, and
// subscribers (some slow, one that stops reading) must each see every event
// exactly once, in engine order, counting those Drain returns after Run.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ticket"
)

// fakeClock advances by tick on every reading, so that each Step and each
// operation sees a later time than the one before.
type fakeClock struct {
	ns   atomic.Int64
	tick time.Duration
}

func (c *fakeClock) Now() time.Time { return t0.Add(time.Duration(c.ns.Add(int64(c.tick)))) }

// runnerEngine returns an engine with a duel rule set and two
// configurations: "solo" and "accept" (acceptance within 2 s).
func runnerEngine(t testing.TB) *engine.Engine {
	t.Helper()
	e := mustEngine(t, engine.Config{Seed: 9})
	for _, c := range []engine.Configuration{
		{Name: "solo", RuleSet: duel, RequestTimeout: 3 * time.Second},
		{Name: "accept", RuleSet: duel, RequestTimeout: 5 * time.Second, AcceptanceRequired: true, AcceptanceTimeout: time.Second},
	} {
		if err := e.AddConfiguration(t0, c); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// waitGoroutines waits for the number of goroutines to fall back to base.
func waitGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left behind (%d before):\n%s", runtime.NumGoroutine()-base, base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// reader consumes a subscription, sleeping delay per event and stopping
// after limit events (0: no limit); after Run, Drain gives the rest.
type reader struct {
	sub   *engine.Subscription
	delay time.Duration
	limit int
	got   []engine.Event
	done  chan struct{}
}

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

// all waits for the reader and returns what it received, then what Drain
// gives.
func (rd *reader) all(t *testing.T) []engine.Event {
	t.Helper()
	select {
	case <-rd.done:
	case <-time.After(5 * time.Second):
		t.Fatal("reader did not end: C was not closed")
	}
	return append(slices.Clone(rd.got), rd.sub.Drain()...)
}

func eventIDs(evs []engine.Event) []uint64 {
	out := make([]uint64, len(evs))
	for i, ev := range evs {
		out[i] = ev.Seq
	}
	return out
}

// produce runs a producer: tickets (reusing player ids, so D17 cancels some),
// stops, descriptions, answers and Do calls.
func produce(t *testing.T, r *engine.Runner, id int, n int, started chan<- string) {
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
			if k%10 == 0 && len(mine) > 1 { // an operation the Runner has no method for; its events are published
				_ = e.ReportPlayersLeft(now, "no-such-session", []string{"x"})
				_, _ = e.StartMatchBackfill(now, engine.BackfillRequest{Configuration: "solo",
					Players: []ticket.Player{{PlayerID: fmt.Sprintf("g%d-bf", id), Team: "red", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(1)}}}})
			}
			_ = e.Pending()
			return nil
		}); err != nil {
			t.Errorf("producer %d: Do: %v", id, err)
		}
		time.Sleep(time.Duration(rng.IntN(200)) * time.Microsecond)
	}
}

func TestRunnerDelivery(t *testing.T) {
	for _, stop := range []string{"Close", "cancel"} {
		t.Run(stop, func(t *testing.T) {
			base := runtime.NumGoroutine()
			e := runnerEngine(t)
			clock := &fakeClock{tick: 10 * time.Millisecond}
			r, err := engine.NewRunner(e, engine.RunnerOptions{Interval: time.Millisecond, Clock: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			readers := []*reader{
				startReader(r.Subscribe(), 0, 0),
				startReader(r.Subscribe(), 50*time.Microsecond, 0),
				startReader(r.Subscribe(), 300*time.Microsecond, 0),
				startReader(r.Subscribe(), 0, 25), // stops reading: Drain has the rest
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			runErr := make(chan error, 1)
			go func() { runErr <- r.Run(ctx) }()

			const producers, perProducer = 4, 40
			started := make(chan string, producers*perProducer)
			var wg sync.WaitGroup
			for i := range producers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					produce(t, r, i, perProducer, started)
				}()
			}
			time.Sleep(5 * time.Millisecond)
			late := startReader(r.Subscribe(), 0, 0) // subscribed mid-run: a suffix
			wg.Wait()
			time.Sleep(20 * time.Millisecond) // a few more steps: acceptances and requests time out
			if err := r.Run(ctx); !errors.Is(err, engine.ErrRunnerClosed) {
				t.Errorf("second Run while running = %v, want ErrRunnerClosed", err)
			}
			wantRunErr := error(nil)
			if stop == "Close" {
				r.Close()
			} else {
				cancel()
				wantRunErr = context.Canceled
			}
			select {
			case err := <-runErr:
				if err != wantRunErr {
					t.Errorf("Run returned %v, want %v", err, wantRunErr)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Run did not return")
			}
			close(started)

			ref := readers[0].all(t)
			if len(ref) < 100 {
				t.Fatalf("only %d events", len(ref))
			}
			seen := map[uint64]bool{}
			for i, ev := range ref {
				if seen[ev.Seq] {
					t.Fatalf("event %d twice", ev.Seq)
				}
				seen[ev.Seq] = true
				if i > 0 && ev.Time.Before(ref[i-1].Time) {
					t.Fatalf("event %d at %v after one at %v: out of engine order", i, ev.Time, ref[i-1].Time)
				}
			}
			for i, rd := range readers[1:] {
				if got := rd.all(t); !slices.Equal(eventIDs(got), eventIDs(ref)) {
					t.Errorf("subscriber %d saw %d events, the first %d; not the same sequence", i+1, len(got), len(ref))
				}
			}
			if got := late.all(t); len(got) == 0 || len(got) >= len(ref) || !slices.Equal(eventIDs(got), eventIDs(ref[len(ref)-len(got):])) {
				t.Errorf("late subscriber saw %d events of %d, want a proper suffix of the sequence", len(got), len(ref))
			}

			// No event lost: replaying every event's status change gives
			// each ticket's final status (the engine is ours again: Run
			// returned).
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
			for _, typ := range []engine.EventKind{engine.EventSearching, engine.EventPotentialMatchCreated, engine.EventSucceeded,
				engine.EventCancelled, engine.EventAcceptMatch, engine.EventAcceptMatchCompleted} {
				if kinds[typ] == 0 {
					t.Errorf("no %s event among %v: the workload should exercise it", typ, kinds)
				}
			}
			for _, ev := range ref {
				if ev.Time.Before(t0) || ev.Time.After(t0.Add(time.Duration(clock.ns.Load()))) {
					t.Errorf("event time %v is not from the injected clock", ev.Time)
					break
				}
			}

			// After Run: a new subscription is closed at once, and every
			// call refuses.
			if s := r.Subscribe(); s != nil {
				if _, open := <-s.C; open {
					t.Error("a subscription made after Run returned delivers")
				}
			}
			if _, err := r.StartMatchmaking(engine.MatchmakingRequest{Configuration: "solo", Players: []ticket.Player{player("after", 1)}}); !errors.Is(err, engine.ErrRunnerClosed) {
				t.Errorf("StartMatchmaking after Run = %v, want ErrRunnerClosed", err)
			}
			if err := r.Run(context.Background()); !errors.Is(err, engine.ErrRunnerClosed) {
				t.Errorf("Run after Run = %v, want ErrRunnerClosed", err)
			}
			r.Close() // harmless after Run
			waitGoroutines(t, base)
		})
	}
}

func TestRunnerLifecycle(t *testing.T) {
	newRunner := func(t *testing.T, interval time.Duration) (*engine.Runner, *fakeClock) {
		clock := &fakeClock{tick: time.Second}
		r, err := engine.NewRunner(runnerEngine(t), engine.RunnerOptions{Interval: interval, Clock: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		return r, clock
	}
	// stopTickets submits n tickets and stops them: n MatchmakingCancelled
	// events at once, no Step needed.
	stopTickets := func(t *testing.T, r *engine.Runner, prefix string, n int) []string {
		t.Helper()
		var ids []string
		for i := range n {
			tk, err := r.StartMatchmaking(engine.MatchmakingRequest{Configuration: "solo", Players: []ticket.Player{player(fmt.Sprint(prefix, i), 1e3*float64(i))}})
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
	ticketsOf := func(evs []engine.Event) []string {
		var out []string
		for _, ev := range evs {
			out = append(out, eventTicketIDs(ev)...)
		}
		return out
	}
	run := func(r *engine.Runner, ctx context.Context) chan error {
		ch := make(chan error, 1)
		go func() { ch <- r.Run(ctx) }()
		return ch
	}
	wait := func(t *testing.T, ch chan error) error {
		t.Helper()
		select {
		case err := <-ch:
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return")
			return nil
		}
	}

	t.Run("NewRunner", func(t *testing.T) {
		if _, err := engine.NewRunner(runnerEngine(t), engine.RunnerOptions{Interval: -time.Second}); err == nil {
			t.Error("negative interval accepted")
		}
		if err := (engine.RunnerOptions{Interval: -1}).Validate(); err == nil {
			t.Error("Validate accepted a negative interval")
		}
	})

	t.Run("subscribe before, during and after Run", func(t *testing.T) {
		base := runtime.NumGoroutine()
		r, _ := newRunner(t, time.Hour) // no steps: events come from operations
		before := r.Subscribe()
		first := stopTickets(t, r, "a", 3) // queued until Run forwards them
		if n := before.Pending(); n != 3 {
			t.Errorf("Pending() = %d before Run, want 3", n)
		}
		ch := run(r, context.Background())
		rdBefore := startReader(before, 0, 0)
		for before.Pending() > 0 { // forwarded: Run is running
			time.Sleep(time.Millisecond)
		}
		during := r.Subscribe()
		rdDuring := startReader(during, 0, 0)
		second := stopTickets(t, r, "b", 2)
		r.Close()
		if err := wait(t, ch); err != nil {
			t.Errorf("Run after Close = %v, want nil", err)
		}
		if got := ticketsOf(rdBefore.all(t)); !slices.Equal(got, slices.Concat(first, second)) {
			t.Errorf("subscribed before Run: %v, want %v", got, slices.Concat(first, second))
		}
		if got := ticketsOf(rdDuring.all(t)); !slices.Equal(got, second) {
			t.Errorf("subscribed during Run: %v, want %v", got, second)
		}
		after := r.Subscribe()
		if _, open := <-after.C; open {
			t.Error("a subscription made after Close delivers")
		}
		if evs := after.Drain(); len(evs) != 0 {
			t.Errorf("a subscription made after Close drains %d events", len(evs))
		}
		waitGoroutines(t, base)
	})

	t.Run("Close before Run", func(t *testing.T) {
		base := runtime.NumGoroutine()
		r, _ := newRunner(t, time.Millisecond)
		sub := r.Subscribe()
		stopTickets(t, r, "a", 2)
		r.Close()
		r.Close()
		if _, open := <-sub.C; open {
			t.Error("C delivers after Close without Run")
		}
		if n := len(sub.Drain()); n != 2 {
			t.Errorf("Drain after Close gives %d events, want 2", n)
		}
		if err := r.Run(context.Background()); !errors.Is(err, engine.ErrRunnerClosed) {
			t.Errorf("Run after Close = %v, want ErrRunnerClosed", err)
		}
		for name, call := range map[string]func() error{
			"Do": func() error { return r.Do(func(*engine.Engine, time.Time) error { return nil }) },
			"StartMatchmaking": func() error {
				_, err := r.StartMatchmaking(engine.MatchmakingRequest{Configuration: "solo"})
				return err
			},
			"StartMatchBackfill": func() error {
				_, err := r.StartMatchBackfill(engine.BackfillRequest{Configuration: "solo"})
				return err
			},
			"DescribeMatchmaking": func() error {
				_, err := r.Tickets([]string{"x"})
				return err
			},
			"StopMatchmaking": func() error { return r.StopMatchmaking("x") },
			"AcceptMatch":     func() error { return r.AcceptMatch("x", []string{"p"}, engine.Accepted) },
		} {
			if err := call(); !errors.Is(err, engine.ErrRunnerClosed) {
				t.Errorf("%s after Close = %v, want ErrRunnerClosed", name, err)
			}
		}
		waitGoroutines(t, base)
	})

	t.Run("context cancelled before Run", func(t *testing.T) {
		r, _ := newRunner(t, time.Millisecond)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := r.Run(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
		if err := r.Do(func(*engine.Engine, time.Time) error { return nil }); !errors.Is(err, engine.ErrRunnerClosed) {
			t.Errorf("Do after Run = %v, want ErrRunnerClosed", err)
		}
	})

	t.Run("Do returns fn's error and publishes", func(t *testing.T) {
		r, clock := newRunner(t, time.Hour)
		sub := r.Subscribe()
		ch := run(r, context.Background())
		sentinel := errors.New("mine")
		var seen time.Time
		err := r.Do(func(e *engine.Engine, now time.Time) error {
			seen = now
			tk, err := e.StartMatchmaking(now, engine.MatchmakingRequest{Configuration: "solo", Players: []ticket.Player{player("d", 1)}})
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
		if want := t0.Add(time.Duration(clock.ns.Load())); !seen.Equal(want) {
			t.Errorf("Do passed %v, want the injected clock's %v", seen, want)
		}
		select {
		case ev := <-sub.C:
			if ev.Kind != engine.EventCancelled || !ev.Time.Equal(seen) {
				t.Errorf("event %s at %v, want MatchmakingCancelled at %v", ev.Kind, ev.Time, seen)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Do's events were not delivered")
		}
		r.Close()
		wait(t, ch)
	})

	t.Run("Cancel", func(t *testing.T) {
		base := runtime.NumGoroutine()
		r, _ := newRunner(t, time.Hour)
		keep, gone, never := r.Subscribe(), r.Subscribe(), r.Subscribe()
		never.Cancel() // cancelled before Run: C closed at once
		if _, open := <-never.C; open {
			t.Error("a subscription cancelled before Run delivers")
		}
		ch := run(r, context.Background())
		rdKeep := startReader(keep, 0, 0)
		first := stopTickets(t, r, "a", 2)
		var got []engine.Event
		for range 2 {
			select {
			case ev := <-gone.C:
				got = append(got, ev)
			case <-time.After(5 * time.Second):
				t.Fatal("no event")
			}
		}
		gone.Cancel()
		gone.Cancel()
		second := stopTickets(t, r, "b", 2)
		for ev := range gone.C { // closed once its forwarder notices
			got = append(got, ev)
		}
		got = append(got, gone.Drain()...)
		if !slices.Equal(ticketsOf(got), first) {
			t.Errorf("cancelled subscription got %v, want only %v", ticketsOf(got), first)
		}
		r.Close()
		wait(t, ch)
		if all := ticketsOf(rdKeep.all(t)); !slices.Equal(all, slices.Concat(first, second)) {
			t.Errorf("other subscription got %v, want %v", all, slices.Concat(first, second))
		}
		never.Cancel()
		waitGoroutines(t, base)
	})

	t.Run("Drain while forwarding", func(t *testing.T) {
		r, _ := newRunner(t, time.Hour)
		probe := r.Subscribe()
		ch := run(r, context.Background())
		stopTickets(t, r, "probe", 1)
		<-probe.C // forwarded: Run is running
		probe.Cancel()
		sub := r.Subscribe()
		ids := stopTickets(t, r, "a", 5)
		time.Sleep(20 * time.Millisecond) // the forwarder offers the first event on C
		if n := sub.Pending(); n != 5 {
			t.Errorf("Pending() = %d, want 5", n)
		}
		drained := sub.Drain()
		var got []engine.Event
	recv:
		for {
			select {
			case ev := <-sub.C:
				got = append(got, ev)
			case <-time.After(50 * time.Millisecond):
				break recv
			}
		}
		r.Close()
		wait(t, ch)
		got = append(got, drained...)
		got = append(got, sub.Drain()...)
		if !slices.Equal(ticketsOf(got), ids) {
			t.Errorf("received and drained %v, want each of %v once, in order", ticketsOf(got), ids)
		}
	})

	t.Run("steps on the interval with the clock", func(t *testing.T) {
		r, _ := newRunner(t, time.Millisecond)
		sub := r.Subscribe()
		ch := run(r, context.Background())
		if _, err := r.StartMatchmaking(engine.MatchmakingRequest{Configuration: "solo", Players: []ticket.Player{player("x", 1)}}); err != nil {
			t.Fatal(err)
		}
		var types []engine.EventKind
		for len(types) < 2 {
			select {
			case ev := <-sub.C:
				types = append(types, ev.Kind)
			case <-time.After(5 * time.Second):
				t.Fatalf("no step: got %v", types)
			}
		}
		// The clock moves a second per reading, so the 3 s request
		// timeout passes after a few steps.
		if !slices.Equal(types, []engine.EventKind{engine.EventSearching, engine.EventTimedOut}) {
			t.Errorf("events %v, want Searching then TimedOut", types)
		}
		r.Close()
		wait(t, ch)
	})
}
