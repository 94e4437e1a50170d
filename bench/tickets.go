package bench

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ticket"
)

// TicketRecord is one submitted ticket as Options.Tickets receives it: one
// JSON object per line (JSON Lines), written when the ticket ends, for
// people who chart a simulation in their own tools. Records come in the
// order the tickets end; the same options and seed give the same records.
type TicketRecord struct {
	// TicketID is the ticket's id, "t" and its number (TicketID).
	TicketID string `json:"ticket_id"`
	// Arrival is the virtual time the ticket was submitted; End the time it
	// ended (for a ticket the run left unresolved, the time the run
	// stopped).
	Arrival time.Time `json:"arrival"`
	End     time.Time `json:"end"`
	// Status is how the ticket ended: COMPLETED, TIMED_OUT, CANCELLED or
	// FAILED, or the status it still had when the run stopped (counted as
	// Report.Unresolved).
	Status string `json:"status"`
	// StatusReason is the reason of a ticket that ended without a match,
	// such as REQUEST_TIMEOUT or ACCEPTANCE_REJECTED.
	StatusReason string `json:"status_reason,omitempty"`
	// WaitSeconds is, for a matched ticket, the wait Report.Wait counts:
	// from Arrival to the creation of the match it completed in; for any
	// other, the time from Arrival to End.
	WaitSeconds float64 `json:"wait_seconds"`
	// MatchID is the match a COMPLETED ticket completed in; MatchLocation
	// the location the match was placed at, if the rule set chooses one.
	MatchID       string `json:"match_id,omitempty"`
	MatchLocation string `json:"match_location,omitempty"`
	// Location is the players' home location, as the population's
	// generator drew it; empty when the population has no locations.
	Location string `json:"location,omitempty"`
	// PartySize is the number of players in the ticket.
	PartySize int `json:"party_size"`
	// Players are the ticket's players with their attributes as generated.
	Players []PlayerRecord `json:"players"`
}

// PlayerRecord is one player of a TicketRecord.
type PlayerRecord struct {
	PlayerID string `json:"player_id"`
	// Team is the team a matched player was placed on.
	Team string `json:"team,omitempty"`
	// Attributes are the player's attributes as the generator drew them,
	// as plain JSON: a number, a string, an array of strings, or an object
	// of numbers. An attribute the player left out (Attribute.Missing) is
	// absent, though the rule set's default applied to it.
	Attributes map[string]any `json:"attributes,omitempty"`
}

// home returns the index of ticket i's home location in the population's
// Locations, or -1 when it has none. It repeats the first draws of Players,
// which picks the party size and then the home location from the ticket's
// own stream.
func (g *Generator) home(i uint64) int {
	if g.locs == nil {
		return -1
	}
	g.seedTicket(i)
	g.parties.pick(g.rng)
	return g.locs.pick(g.rng)
}

// Home returns ticket i's home location, the one its players are near;
// empty when the population has no locations.
func (g *Generator) Home(i uint64) string {
	if h := g.home(i); h >= 0 {
		return g.pop.Locations[h].Name
	}
	return ""
}

// ticketNumber returns the number of a ticket id made by TicketID.
func ticketNumber(id string) (uint64, bool) {
	rest, ok := strings.CutPrefix(id, "t")
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseUint(rest, 10, 64)
	return i, err == nil
}

// record writes a ticket's record when Options.Tickets is set; m is the
// match of a COMPLETED ticket. The first write error stops the writing;
// run returns it after the step.
func (s *sim) record(id string, start, end time.Time, players []ticket.Player, home int, status, reason string, wait float64, m *engine.Match, t *engine.TicketRef) {
	if s.tickets == nil || s.writeErr != nil {
		return
	}
	rec := TicketRecord{
		TicketID: id, Arrival: start.UTC(), End: end.UTC(), Status: status, StatusReason: reason,
		WaitSeconds: wait, PartySize: len(players), Players: playerRecords(players),
	}
	if home >= 0 {
		rec.Location = s.pop.Locations[home].Name
	}
	if m != nil {
		rec.MatchID, rec.MatchLocation = m.ID, m.Location
	}
	if t != nil {
		teams := s.rs.Teams()
		for p := range min(len(players), t.Players()) {
			if team := t.Team(p); team >= 0 && team < len(teams) {
				rec.Players[p].Team = teams[team].Name
			}
		}
	}
	s.writeErr = s.tickets.Encode(&rec)
}

// playerRecords returns the records of a ticket's generated players.
func playerRecords(players []ticket.Player) []PlayerRecord {
	out := make([]PlayerRecord, len(players))
	for p := range players {
		out[p].PlayerID = players[p].PlayerID
		if len(players[p].PlayerAttributes) == 0 {
			continue
		}
		attrs := make(map[string]any, len(players[p].PlayerAttributes))
		// order does not matter: this fills a map, which encoding/json writes in key order
		for name, v := range players[p].PlayerAttributes {
			attrs[name] = v.Interface()
		}
		out[p].Attributes = attrs
	}
	return out
}

// unresolved counts in the breakdowns, and records, the tickets still
// waiting when the run stopped (Report.Unresolved). It looks each
// submitted ticket up, a pass over them all, so it runs only when some are
// left.
func (s *sim) unresolved(now time.Time) {
	for i := range uint64(s.r.Tickets) {
		t, ok := s.e.Ticket(TicketID(i))
		if !ok || t.Status.Terminal() {
			continue
		}
		players, home := s.gen.playersAndHome(i)
		s.b.each(s.b.key(home, players), func(g *tally) { g.failed++ })
		s.record(t.TicketID, t.StartTime, now, players, home, string(t.Status), "", now.Sub(t.StartTime).Seconds(), nil, nil)
	}
}

// newTicketEncoder returns the JSON Lines encoder of Options.Tickets.
func newTicketEncoder(opts Options) *json.Encoder {
	if opts.Tickets == nil {
		return nil
	}
	enc := json.NewEncoder(opts.Tickets)
	enc.SetEscapeHTML(false)
	return enc
}
