package engine_test

import (
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/internal/fixtures"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

const duelBody = fixtures.Duel

var duel = ruleset.MustLoad([]byte(duelBody))

func mustEngine(t testing.TB, cfg engine.Config) *engine.Engine {
	t.Helper()
	e, err := engine.New(cfg)
	if err != nil {
		t.Fatalf("engine.New(%+v): %v", cfg, err)
	}
	return e
}

func player(id string, skill float64) ticket.Player {
	return ticket.Player{PlayerID: id, PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(skill)}}
}

// eventTicketIDs lists the ids of an event's tickets.
func eventTicketIDs(ev engine.Event) []string {
	var out []string
	for _, t := range ev.Tickets {
		out = append(out, t.ID())
	}
	return out
}
