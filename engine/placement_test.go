package engine_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ticket"
)

// A WITH_QUEUE match waits in PLACING for at most PlacementTimeout. A report
// that comes after the deadline, before any step has noticed it, is refused
// and changes nothing; the next step fails the tickets with
// PLACEMENT_TIMEOUT in one MatchmakingFailed event.
func TestPlacementTimeout(t *testing.T) {
	e := mustEngine(t, engine.Config{Seed: 1})
	cfg := engine.Configuration{Name: "q", RuleSet: duel, RequestTimeout: time.Minute, Mode: engine.WithQueue, PlacementTimeout: 30 * time.Second}
	if err := e.AddConfiguration(t0, cfg); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		if _, err := e.StartMatchmaking(t0, engine.MatchmakingRequest{TicketID: id, Configuration: "q", Players: []ticket.Player{player(id, 10)}}); err != nil {
			t.Fatal(err)
		}
	}
	var matchID string
	for _, ev := range e.Step(t0) {
		if ev.Kind == engine.EventPotentialMatchCreated {
			matchID = ev.Match.ID
		}
	}
	if matchID == "" {
		t.Fatal("no match was proposed")
	}
	if evs := e.Step(t0.Add(29 * time.Second)); len(evs) != 0 {
		t.Errorf("before the deadline the step emitted %v", evs)
	}
	if err := e.StopMatchmaking(t0.Add(29*time.Second), "a"); !errors.Is(err, engine.ErrInvalid) {
		t.Errorf("StopMatchmaking of a PLACING ticket = %v; want ErrInvalid (FlexMatch refuses it)", err)
	}
	late := t0.Add(31 * time.Second)
	err := e.CompletePlacement(late, matchID, engine.Placement{GameSession: "gs-1", IPAddress: "10.0.0.1", Port: 7777})
	if !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), "placement deadline") {
		t.Fatalf("CompletePlacement after the deadline = %v; want ErrInvalid naming the placement deadline", err)
	}
	if err := e.FailPlacement(late, matchID, "X"); !errors.Is(err, engine.ErrInvalid) {
		t.Fatalf("FailPlacement after the deadline = %v; want ErrInvalid", err)
	}
	if evs := e.Events(); len(evs) != 0 {
		t.Errorf("refused reports emitted %v", evs)
	}
	if tk, _ := e.Ticket("a"); tk.Status != ticket.StatusPlacing {
		t.Errorf("after refused reports ticket a is %s; want still PLACING", tk.Status)
	}
	evs := e.Step(late)
	if len(evs) != 1 || evs[0].Kind != engine.EventFailed || len(evs[0].Tickets) != 2 || evs[0].Outcome.Reason != "TIMED_OUT" {
		t.Fatalf("the step after the deadline emitted %v; want one MatchmakingFailed for both tickets, reason TIMED_OUT", evs)
	}
	for _, id := range []string{"a", "b"} {
		tk, _ := e.Ticket(id)
		if tk.Status != ticket.StatusFailed || tk.StatusReason != ticket.ReasonPlacementTimeout || !strings.Contains(tk.StatusMessage, "30 seconds") {
			t.Errorf("ticket %s: %s %s %q; want FAILED PLACEMENT_TIMEOUT naming 30 seconds", id, tk.Status, tk.StatusReason, tk.StatusMessage)
		}
	}
	// The players are free again.
	if _, err := e.StartMatchmaking(late, engine.MatchmakingRequest{TicketID: "a2", Configuration: "q", Players: []ticket.Player{player("a", 10)}}); err != nil {
		t.Errorf("a new ticket for a freed player: %v", err)
	}
}

func TestPlacementTimeoutLimits(t *testing.T) {
	for _, d := range []time.Duration{-time.Second, engine.MaxPlacementTimeout + time.Second} {
		cfg := engine.Configuration{Name: "q", RuleSet: duel, RequestTimeout: time.Minute, Mode: engine.WithQueue, PlacementTimeout: d}
		if err := cfg.Validate(); !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), "PlacementTimeout") {
			t.Errorf("PlacementTimeout %v: Validate = %v; want ErrInvalid naming PlacementTimeout", d, err)
		}
	}
}
