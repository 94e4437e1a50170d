package gamelift

import (
	"encoding/json"
	"slices"

	"github.com/matchforge/matchforge/engine"
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

// MatchmakerDataOf renders a game session's state as its matchmaker data
// document. The document is the caller's: the engine keeps none of it.
func (r Renderer) MatchmakerDataOf(s *engine.GameSession) *MatchmakerData {
	r.fill()
	mode := s.Config.Backfill.String()
	d := &MatchmakerData{MatchID: s.MatchID, MatchmakingConfigurationArn: r.arn(kindConfiguration, s.Config.Name), AutoBackfillMode: &mode}
	if s.AutoBackfillTicket != "" {
		id := s.AutoBackfillTicket
		d.AutoBackfillTicketID = &id
	}
	teams := s.Teams()
	d.Teams = make([]MatchmakerTeam, len(teams))
	for i, t := range teams {
		players := make([]MatchmakerPlayer, len(t.Players))
		for j, p := range t.Players {
			attrs := map[string]MatchmakerAttribute{}
			p.Attributes(func(a ticket.Attr, v ticket.AttributeValue) {
				x := v.Interface()
				if l, ok := x.([]string); ok {
					x = slices.Clone(l) // the document is the caller's
				}
				attrs[a.Name] = MatchmakerAttribute{AttributeType: a.Kind.MatchmakerType(), ValueAttribute: x}
			})
			players[j] = MatchmakerPlayer{PlayerID: p.ID, Attributes: attrs}
		}
		d.Teams[i] = MatchmakerTeam{Name: t.Name, Players: players}
	}
	return d
}
