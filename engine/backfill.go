package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// StartMatchBackfill submits a backfill ticket for a running game: Players
// lists every player now in the game session, each with its Team (a team
// name of the rule set, generated names included; D22). A new request for a
// game session replaces its active backfill ticket, which is cancelled with
// reason REPLACED_BY_NEW_BACKFILL. The ticket matches with at least one new
// ticket, its players keep their teams, and only open slots are filled
// (D23).
func (e *Engine) StartMatchBackfill(now time.Time, in StartMatchBackfillInput) (ticket.Ticket, error) {
	c, err := e.configuration("ConfigurationName", in.ConfigurationName)
	if err != nil {
		return ticket.Ticket{}, err
	}
	if err := ticket.ValidatePlayers(in.Players, ticket.PlayerRules{MaxPlayers: ticket.MaxPlayersPerBackfill, RequireTeam: true}); err != nil {
		return ticket.Ticket{}, fromValidation(err)
	}
	if in.GameSessionArn != "" {
		if n := len(in.GameSessionArn); n > 256 || !queuePattern.MatchString(in.GameSessionArn) {
			return ticket.Ticket{}, invalid("GameSessionArn %q must be 1 to 256 characters of letters, digits, ':', '/' and '-'", in.GameSessionArn)
		}
	}
	rs := c.rs.compiled
	teams := make([]int, len(in.Players))
	for i, p := range in.Players {
		ti, ok := rs.TeamIndex(p.Team)
		if !ok {
			names := make([]string, len(rs.Teams()))
			for j, t := range rs.Teams() {
				names[j] = t.Name
			}
			return ticket.Ticket{}, invalid("Players[%d].Team %q is not a team of rule set %s; the teams are %s", i, p.Team, c.rs.api.RuleSetName, strings.Join(names, ", "))
		}
		teams[i] = ti
	}
	if ti, n, most, over := overfullTeam(rs, teams); over {
		return ticket.Ticket{}, invalid("Players puts %d players on team %s, whose maxPlayers is %d", n, rs.Teams()[ti].Name, most)
	}
	// Every check comes before anything changes, the random source and the
	// location table included (D25): the id is made last.
	if err := e.freeTicketID(in.TicketID); err != nil {
		return ticket.Ticket{}, err
	}
	r, err := e.resolve(rs.Schema(), in.Players)
	if err != nil {
		return ticket.Ticket{}, fromValidation(err)
	}
	t := e.newBackfill(c, now, e.ticketID(in.TicketID), r, teams, in.GameSessionArn, false)
	return t.viewAs(e, in.Players), nil
}

// overfullTeam returns the first team to which teams (a team index per
// player) gives more players than any expansion step lets it hold, with
// its player count and the most it can hold; over is false when every team
// fits.
func overfullTeam(rs *ruleset.RuleSet, teams []int) (team, n, most int, over bool) {
	perTeam := make([]int, len(rs.Teams()))
	for _, ti := range teams {
		perTeam[ti]++
	}
	for ti, n := range perTeam {
		most := 0
		for _, ph := range rs.Phases() {
			most = max(most, ph.Team(ti).Max)
		}
		if n > most {
			return ti, n, most, true
		}
	}
	return 0, 0, 0, false
}

// newBackfill records a backfill ticket, replacing the session's active one.
func (e *Engine) newBackfill(c *config, now time.Time, id string, r *ticket.Resolved, teams []int, session string, auto bool) *tk {
	var old *tk
	if session != "" {
		old = e.activeBackfill(session)
	}
	t := &tk{id: id, cfg: c, r: r, teams: teams}
	t.backfill = &backfillInfo{session: session, auto: auto, players: map[string]bool{}}
	for p := range r.Players() {
		t.backfill.players[r.PlayerID(p)] = true
	}
	e.register(now, t)
	if session != "" {
		e.backfills[session] = t
	}
	if old != nil {
		e.cancel(now, []*tk{old}, cancelCause{ticket.ReasonReplacedByNewBackfill,
			fmt.Sprintf("Replaced by the newer backfill ticket %s for the same game session.", t.id)})
	}
	return t
}

// activeBackfill returns the session's backfill ticket if it is not
// terminal.
func (e *Engine) activeBackfill(session string) *tk {
	t, ok := e.backfills[session]
	if !ok || t.status().Terminal() {
		return nil
	}
	return t
}

// backfillTeams returns the teams a backfill ticket's players keep when the
// ticket returns to the search; nil for other tickets.
func backfillTeams(t *tk) []int {
	if t.backfill == nil {
		return nil
	}
	return t.teams
}

// sessionData returns the matchmaker data a backfill match extends: the
// players of the backfill request (every player now in the game, on its
// team), under the game session's match id and backfill mode when the
// engine made or knows the session, and the session's match (nil when the
// session is unknown). The document names no automatic backfill ticket:
// the session's only active backfill ticket is this match's, which is
// completing (afterComplete may open the next one).
func (e *Engine) sessionData(m *match) (*MatchmakerData, *match) {
	bf := m.backfill
	rs := m.cfg.rs.compiled
	d := newMatchmakerData(m)
	var s *match
	if key := bf.backfill.session; key != "" {
		if known, ok := e.sessions[key]; ok {
			if old := e.doc(known); old != nil {
				s = known
				d.MatchID, d.MatchmakingConfigurationArn = old.MatchID, old.MatchmakingConfigurationArn
				d.AutoBackfillMode = old.AutoBackfillMode
			}
		}
	}
	for p := range bf.r.Players() {
		if slices.Contains(bf.backfill.gone, bf.r.PlayerID(p)) {
			continue // left while the request was open
		}
		d.addPlayer(rs.Teams()[bf.teams[p]].Name, playerData(rs.Schema(), bf.r, p))
	}
	return d, s
}

// addPlayer appends a player to the named team, adding the team if the
// document lacks it (a session made under an earlier rule set).
func (d *MatchmakerData) addPlayer(team string, p MatchmakerPlayer) {
	for i := range d.Teams {
		if d.Teams[i].Name == team {
			d.Teams[i].Players = append(d.Teams[i].Players, p)
			return
		}
	}
	d.Teams = append(d.Teams, MatchmakerTeam{Name: team, Players: []MatchmakerPlayer{p}})
}

// completeBackfill finishes a backfill match: the backfill ticket and the
// new tickets complete together, and the game session's matchmaker data
// gains the new players.
func (e *Engine) completeBackfill(now time.Time, m *match) {
	c := m.cfg
	rs := c.rs.compiled
	data, session := e.sessionData(m)
	if session != nil && session.conn != nil {
		m.conn = session.conn
	}
	m.state = msCompleted
	for _, t := range m.tickets {
		if t == m.backfill {
			continue
		}
		for p := range t.r.Players() {
			data.addPlayer(rs.Teams()[t.teams[p]].Name, playerData(rs.Schema(), t.r, p))
		}
		e.openPlayerSessions(t, m.conn)
	}
	for _, t := range m.tickets {
		e.end(now, t, ticket.StatusCompleted, "", "")
	}
	key := m.backfill.backfill.session
	if key == "" {
		key = m.id
	}
	if session == nil {
		session = m
	}
	session.data = data // the request's players and the new ones (SPEC 11, 13)
	if session != m {
		session.merged = append(session.merged, m)
		session.latency = nil // rebuilt with the new players when next needed
	}
	session.session = key
	e.sessions[key] = session
	m.data = data
	e.afterComplete(now, session) // first, so that the event names its ticket
	e.emitSucceeded(c, now, m, session)
}

// afterComplete opens an automatic backfill ticket for a session that has
// open slots, when its configuration says AUTOMATIC and the session's
// automatic backfill has not been stopped (D24).
func (e *Engine) afterComplete(now time.Time, s *match) {
	c := s.cfg
	if c.api.BackfillMode != BackfillAuto || s.autoOff || e.doc(s) == nil {
		return
	}
	if e.activeBackfill(s.session) != nil {
		return
	}
	rs := c.rs.compiled
	capacity := rs.MaxPlayers()
	if c.api.FlexMatchMode == ModeWithQueue {
		capacity -= c.api.AdditionalPlayerCount
	}
	var players []ticket.Player
	var teams []int
	for _, team := range s.data.Teams {
		ti, ok := rs.TeamIndex(team.Name)
		if !ok && len(team.Players) > 0 {
			return // the configuration's rule set no longer has this team
		}
		for _, p := range team.Players {
			players = append(players, e.sessionPlayer(s, p))
			teams = append(teams, ti)
		}
	}
	if len(players) >= capacity || len(players) == 0 {
		return
	}
	r, err := rs.Schema().Resolve(players, e.locs)
	if err != nil {
		return // the session's players no longer fit the rule set
	}
	t := e.newBackfill(c, now, e.ticketID(""), r, teams, s.session, true)
	s.data.AutoBackfillTicketID = &t.id
}

// sessionPlayer rebuilds a session player for a backfill request: its
// attributes, and its latency to the session's location only (the API asks
// for the latency of the session's Region).
func (e *Engine) sessionPlayer(s *match, p MatchmakerPlayer) ticket.Player {
	pl := ticket.Player{PlayerID: p.PlayerID, PlayerAttributes: map[string]ticket.AttributeValue{}}
	for name, a := range p.Attributes {
		switch v := a.ValueAttribute.(type) {
		case string:
			pl.PlayerAttributes[name] = ticket.String(v)
		case float64:
			pl.PlayerAttributes[name] = ticket.Number(v)
		case []string:
			pl.PlayerAttributes[name] = ticket.StringList(v...)
		case map[string]float64:
			pl.PlayerAttributes[name] = ticket.StringNumberMap(v)
		}
	}
	if ms, ok := e.sessionLatency(s)[p.PlayerID]; ok && s.location != "" {
		pl.LatencyInMs = map[string]int{s.location: ms}
	}
	return pl
}

// keepSession reports whether a completed match's game session must stay
// known after its tickets are forgotten: while automatic backfill may still
// need it.
func (m *match) keepSession() bool {
	return m.cfg.api.BackfillMode == BackfillAuto && !m.autoOff
}

// ReportPlayersLeft tells the engine that players left a game session
// (identified by its GameSessionArn, or by match id in STANDALONE mode).
// They leave the session's matchmaker data, and with automatic backfill the
// engine opens (or renews) a backfill ticket to refill their slots. This
// goes beyond FlexMatch, which never refills slots that players leave.
//
// When the last players leave, the game is over: automatic backfill stops
// and the engine forgets the session once its match's tickets are
// forgotten (TicketRetention). Reporting that is how a long-running engine
// with AUTOMATIC backfill stops holding finished games; stopping the
// session's automatic backfill ticket does the same (D24).
func (e *Engine) ReportPlayersLeft(now time.Time, session string, playerIDs []string) error {
	if session == "" {
		return invalid("GameSessionArn is required; give the game session (or, in STANDALONE mode, the match id)")
	}
	s, ok := e.sessions[session]
	if !ok || e.doc(s) == nil {
		return notFound("game session %q is not one this engine matched", session)
	}
	if len(playerIDs) == 0 {
		return invalid("PlayerIds is required; give the ids of the players who left")
	}
	for i, pid := range playerIDs {
		if !s.data.hasPlayer(pid) {
			return invalid("PlayerIds[%d] %q is not in game session %s", i, pid, session)
		}
	}
	for ti := range s.data.Teams {
		s.data.Teams[ti].Players = slices.DeleteFunc(s.data.Teams[ti].Players, func(p MatchmakerPlayer) bool {
			return slices.Contains(playerIDs, p.PlayerID)
		})
	}
	if old := e.activeBackfill(session); old != nil && old.backfill.auto {
		// Its players list is stale now; a new one replaces it (ending it
		// takes it out of the session's data).
		e.cancel(now, []*tk{old}, cancelCause{ticket.ReasonReplacedByNewBackfill, "Replaced because players left the game session."})
	} else if old != nil {
		// A request from the game server still lists them; they stay out
		// of the data its match writes.
		old.backfill.gone = append(old.backfill.gone, playerIDs...)
	}
	if s.data.empty() {
		// Everyone left: the game is over. Automatic backfill stops, and
		// the session is forgotten with its match (at once if the match's
		// tickets already are).
		s.autoOff = true
		if e.matches[s.id] != s {
			delete(e.sessions, session)
		}
		return nil
	}
	e.afterComplete(now, s)
	return nil
}
