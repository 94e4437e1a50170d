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

// matchmakerData builds the document for a completed match: every team of
// the rule set in order, each with its players.
func (e *Engine) matchmakerData(m *match) *MatchmakerData {
	c := m.cfg
	rs := c.rs.compiled
	d := &MatchmakerData{MatchID: m.id, MatchmakingConfigurationArn: c.api.ConfigurationArn}
	d.Teams = make([]MatchmakerTeam, len(rs.Teams()))
	for i, t := range rs.Teams() {
		d.Teams[i] = MatchmakerTeam{Name: t.Name, Players: []MatchmakerPlayer{}}
	}
	for _, t := range m.tickets {
		for p := range t.r.Players() {
			d.Teams[t.teams[p]].Players = append(d.Teams[t.teams[p]].Players, playerData(rs.Schema(), t.r, p))
		}
	}
	if c.api.BackfillMode != "" {
		mode := c.api.BackfillMode
		d.AutoBackfillMode = &mode
	}
	return d
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
