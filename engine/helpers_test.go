package engine_test

import (
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// duelBody: one player per team, skills within 10 of each other. skill has
// no default (D20); mode has one.
const duelBody = `{
  "name": "duel",
  "ruleLanguageVersion": "1.0",
  "playerAttributes": [
    {"name": "skill", "type": "number"},
    {"name": "mode", "type": "string", "default": "ranked"}],
  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1},
            {"name": "blue", "minPlayers": 1, "maxPlayers": 1}],
  "rules": [{"name": "CloseSkill", "type": "distance",
    "measurements": ["max(flatten(teams[*].players.attributes[skill]))"],
    "referenceValue": "min(flatten(teams[*].players.attributes[skill]))",
    "maxDistance": 10}]
}`

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
