package engine

import (
	"slices"

	"github.com/matchforge/matchforge/ticket"
)

// GameSession is a game session the engine matched: the match that made
// it, its players by team (the matchmaker data a game server receives,
// SPEC.md section 13) and its automatic backfill. A GameSession never
// changes: when players join (a backfill match) or leave
// (ReportPlayersLeft), or the automatic backfill ticket changes, the engine
// makes a new one, so an event or a caller may keep the one it has.
type GameSession struct {
	// ID is the game session's id: its ARN in WITH_QUEUE mode, the match
	// id in STANDALONE mode.
	ID string
	// MatchID is the match that made the session.
	MatchID string
	// Config is the configuration as it was when that match was made.
	Config *Configuration
	// AutoBackfillTicket is the open automatic backfill ticket (D24), or "".
	AutoBackfillTicket string

	from  *match        // a fresh session's players are its match's, by ticket
	teams []SessionTeam // otherwise these
}

// SessionTeam is one team of a game session.
type SessionTeam struct {
	Name    string
	Players []SessionPlayer
}

// SessionPlayer is one player of a game session, with the attribute values
// of its ticket.
type SessionPlayer struct {
	ID string
	r  *ticket.Resolved
	p  int
}

// Attributes calls fn for each attribute the player's rule set declares
// and the player has a value for (its own or the default), in declaration
// order.
func (sp SessionPlayer) Attributes(fn func(a ticket.Attr, v ticket.AttributeValue)) {
	for i, a := range sp.r.Schema().Attrs() {
		if v, ok := sp.r.Value(sp.p, i); ok {
			fn(a, v)
		}
	}
}

// player rebuilds the player for a backfill request: its declared
// attributes (defaults included).
func (sp SessionPlayer) player() ticket.Player {
	pl := ticket.Player{PlayerID: sp.ID, PlayerAttributes: map[string]ticket.AttributeValue{}}
	sp.Attributes(func(a ticket.Attr, v ticket.AttributeValue) { pl.PlayerAttributes[a.Name] = v })
	return pl
}

// newSession is the state of the game session a fresh match m starts.
func newSession(m *match) *GameSession {
	return &GameSession{ID: m.session, MatchID: m.ID, Config: m.cfg.info, from: m}
}

// Teams returns the session's teams: every team of the rule set, in order,
// then any team a backfill request named that the rule set no longer has.
// The caller must not modify it.
func (s *GameSession) Teams() []SessionTeam {
	if s.from == nil {
		return s.teams
	}
	out := emptyTeams(s.Config)
	s.eachPlayer(func(team int, p SessionPlayer) { out[team].Players = append(out[team].Players, p) })
	return out
}

// eachPlayer calls fn for every player with its team index (into Teams),
// without building the teams.
func (s *GameSession) eachPlayer(fn func(team int, p SessionPlayer)) {
	if s.from == nil {
		for ti, team := range s.teams {
			for _, p := range team.Players {
				fn(ti, p)
			}
		}
		return
	}
	for _, t := range s.from.tickets {
		for p := range t.r.Players() {
			fn(t.teams[p], SessionPlayer{ID: t.r.PlayerID(p), r: t.r, p: p})
		}
	}
}

// emptyTeams returns every team of c's rule set, in order, without players.
func emptyTeams(c *Configuration) []SessionTeam {
	teams := c.RuleSet.Teams()
	out := make([]SessionTeam, len(teams))
	for i, t := range teams {
		out[i] = SessionTeam{Name: t.Name, Players: []SessionPlayer{}}
	}
	return out
}

// HasPlayer reports whether the session holds the player.
func (s *GameSession) HasPlayer(id string) bool {
	found := false
	s.eachPlayer(func(_ int, p SessionPlayer) { found = found || p.ID == id })
	return found
}

// Players returns how many players the session holds.
func (s *GameSession) Players() int {
	n := 0
	s.eachPlayer(func(int, SessionPlayer) { n++ })
	return n
}

// clone returns a copy of s with its own teams, for a change.
func (s *GameSession) clone() *GameSession {
	c := *s
	teams := s.Teams()
	c.from, c.teams = nil, make([]SessionTeam, len(teams))
	for i, t := range teams {
		c.teams[i] = SessionTeam{Name: t.Name, Players: slices.Clone(t.Players)}
	}
	return &c
}

// withAutoBackfill returns s naming id as its automatic backfill ticket.
func (s *GameSession) withAutoBackfill(id string) *GameSession {
	c := *s
	c.AutoBackfillTicket = id
	return &c
}

// without returns s without the given players.
func (s *GameSession) without(ids []string) *GameSession {
	c := s.clone()
	for i := range c.teams {
		c.teams[i].Players = slices.DeleteFunc(c.teams[i].Players, func(p SessionPlayer) bool {
			return slices.Contains(ids, p.ID)
		})
	}
	return c
}

// add appends a player to the named team, adding the team if the session
// lacks it (a session made under an earlier rule set). s must be a clone.
func (s *GameSession) add(team string, p SessionPlayer) {
	for i := range s.teams {
		if s.teams[i].Name == team {
			s.teams[i].Players = append(s.teams[i].Players, p)
			return
		}
	}
	s.teams = append(s.teams, SessionTeam{Name: team, Players: []SessionPlayer{p}})
}

// GameSession returns the current state of a game session the engine
// matched, by game session id (ARN) or match id.
func (e *Engine) GameSession(id string) (*GameSession, bool) {
	m, ok := e.sessions[id]
	if !ok {
		if m, ok = e.matches[id]; !ok {
			return nil, false
		}
	}
	return m.data, m.data != nil
}
