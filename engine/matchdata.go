package engine

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/matchforge/matchforge/ticket"
)

// MatchmakerData is the match result a game server receives (SPEC.md
// section 13): the match id, the configuration, every player by team with
// the values of the rule set's declared attributes, and the automatic
// backfill settings.
type MatchmakerData struct {
	MatchID                     string           `json:"matchId"`
	MatchmakingConfigurationArn string           `json:"matchmakingConfigurationArn"`
	Teams                       []MatchmakerTeam `json:"teams"`
	AutoBackfillTicketID        *string          `json:"autoBackfillTicketId"`
	AutoBackfillMode            *string          `json:"autoBackfillMode"`
}

// MatchmakerTeam is one team of a match.
type MatchmakerTeam struct {
	Name    string             `json:"name"`
	Players []MatchmakerPlayer `json:"players"`
}

// MatchmakerPlayer is one player of a match.
type MatchmakerPlayer struct {
	PlayerID   string                         `json:"playerId"`
	Attributes map[string]MatchmakerAttribute `json:"attributes"`
}

// MatchmakerAttribute is one attribute value, typed as the server SDK
// expects (STRING, DOUBLE, STRING_LIST or STRING_DOUBLE_MAP).
type MatchmakerAttribute struct {
	AttributeType  string `json:"attributeType"`
	ValueAttribute any    `json:"valueAttribute"`
}

// String returns the document as the JSON string a game session carries.
func (d *MatchmakerData) String() string {
	b, _ := json.Marshal(d)
	return string(b)
}

// newMatchmakerData starts the document of match m: its id, its
// configuration and that configuration's backfill mode, and every team of
// the rule set in order, each without players.
func newMatchmakerData(m *match) *MatchmakerData {
	c := m.cfg
	teams := c.rs.compiled.Teams()
	mode := c.api.BackfillMode
	d := &MatchmakerData{MatchID: m.id, MatchmakingConfigurationArn: c.api.ConfigurationArn,
		Teams: make([]MatchmakerTeam, len(teams)), AutoBackfillMode: &mode}
	for i, t := range teams {
		d.Teams[i] = MatchmakerTeam{Name: t.Name, Players: []MatchmakerPlayer{}}
	}
	return d
}

// matchmakerData builds the document for a completed match: every team of
// the rule set in order, each with its players.
func (e *Engine) matchmakerData(m *match) *MatchmakerData {
	s := m.cfg.rs.compiled.Schema()
	d := newMatchmakerData(m)
	for _, t := range m.tickets {
		for p := range t.r.Players() {
			d.Teams[t.teams[p]].Players = append(d.Teams[t.teams[p]].Players, playerData(s, t.r, p))
		}
	}
	return d
}

// hasPlayer reports whether the document lists the player.
func (d *MatchmakerData) hasPlayer(id string) bool {
	for _, team := range d.Teams {
		for _, p := range team.Players {
			if p.PlayerID == id {
				return true
			}
		}
	}
	return false
}

// empty reports whether the document lists no player.
func (d *MatchmakerData) empty() bool {
	for _, team := range d.Teams {
		if len(team.Players) > 0 {
			return false
		}
	}
	return true
}

func playerData(s *ticket.Schema, r *ticket.Resolved, p int) MatchmakerPlayer {
	mp := MatchmakerPlayer{PlayerID: r.PlayerID(p), Attributes: map[string]MatchmakerAttribute{}}
	for i, a := range s.Attrs() {
		v, ok := r.Value(p, i)
		if !ok {
			continue
		}
		mp.Attributes[a.Name] = MatchmakerAttribute{AttributeType: a.Kind.MatchmakerType(), ValueAttribute: v.Interface()}
	}
	return mp
}

// MatchmakerData returns the matchmaker data of a completed match, by match
// id or game session ARN: a copy, which later backfills and departures do
// not change, and whose changes do not reach the engine.
func (e *Engine) MatchmakerData(id string) (*MatchmakerData, bool) {
	m, ok := e.sessions[id]
	if !ok {
		if m, ok = e.matches[id]; !ok {
			return nil, false
		}
	}
	d := e.doc(m)
	return d.clone(), d != nil
}

// doc returns the matchmaker data of a completed match's game session,
// building it the first time it is asked for: most sessions never need it,
// and building it costs a map per player.
func (e *Engine) doc(m *match) *MatchmakerData {
	if m.data == nil && m.state == msCompleted {
		m.data = e.matchmakerData(m)
	}
	return m.data
}

// clone returns a deep copy of d. The engine keeps updating a game
// session's document (backfills add players, departures remove them, the
// automatic backfill ticket comes and goes); whatever leaves the engine, in
// an event or from MatchmakerData, must be a copy, or it would change after
// the fact and race with the engine under a Runner.
func (d *MatchmakerData) clone() *MatchmakerData {
	if d == nil {
		return nil
	}
	c := *d
	if d.AutoBackfillTicketID != nil {
		c.AutoBackfillTicketID = Ptr(*d.AutoBackfillTicketID)
	}
	if d.AutoBackfillMode != nil {
		c.AutoBackfillMode = Ptr(*d.AutoBackfillMode)
	}
	c.Teams = make([]MatchmakerTeam, len(d.Teams))
	for i, t := range d.Teams {
		c.Teams[i] = MatchmakerTeam{Name: t.Name, Players: make([]MatchmakerPlayer, len(t.Players))}
		for j, p := range t.Players {
			attrs := make(map[string]MatchmakerAttribute, len(p.Attributes))
			for name, a := range p.Attributes {
				switch v := a.ValueAttribute.(type) {
				case []string:
					a.ValueAttribute = slices.Clone(v)
				case map[string]float64:
					a.ValueAttribute = maps.Clone(v)
				}
				attrs[name] = a
			}
			c.Teams[i].Players[j] = MatchmakerPlayer{PlayerID: p.PlayerID, Attributes: attrs}
		}
	}
	return &c
}
