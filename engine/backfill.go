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
func (e *Engine) StartMatchBackfill(now time.Time, in BackfillRequest) (ticket.Ticket, error) {
	c, err := e.configuration(in.Configuration)
	if err != nil {
		return ticket.Ticket{}, err
	}
	if err := ticket.ValidatePlayers(in.Players, ticket.PlayerRules{MaxPlayers: ticket.MaxPlayersPerBackfill, RequireTeam: true}); err != nil {
		return ticket.Ticket{}, fromValidation(err)
	}
	rs := c.rs
	teams := make([]int, len(in.Players))
	for i, p := range in.Players {
		ti, ok := rs.TeamIndex(p.Team)
		if !ok {
			names := make([]string, len(rs.Teams()))
			for j, t := range rs.Teams() {
				names[j] = t.Name
			}
			return ticket.Ticket{}, invalid("Players[%d].Team %q is not a team of %s; the teams are %s", i, p.Team, c.info.ruleSetLabel(), strings.Join(names, ", "))
		}
		teams[i] = ti
	}
	if ti, n, most, over := overfullTeam(rs, teams); over {
		return ticket.Ticket{}, invalid("Players puts %d players on team %s, whose maxPlayers is %d", n, rs.Teams()[ti].Name, most)
	}
	if s, ok := e.sessions[in.GameSession]; ok && s.ended {
		return ticket.Ticket{}, invalid("game session %s has ended; it takes no backfill", in.GameSession)
	}
	if err := e.checkBackfillPlayers(c, in); err != nil {
		return ticket.Ticket{}, err
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
	t := e.newBackfill(c, now, e.ticketID(in.TicketID), r, teams, in.GameSession, false)
	return t.viewAs(e, in.Players), nil
}

// checkBackfillPlayers refuses backfill players who cannot be in the game
// session: a player whose matchmaking ticket is in a proposed match
// (REQUIRES_ACCEPTANCE) or PLACING, who would be in two live matches (a
// player of the game who merely searches for the next one, QUEUED or
// SEARCHING, is allowed), and,
// for a game session the engine knows, a player its matchmaker data does
// not list. A WITH_QUEUE configuration's AdditionalPlayerCount slots are
// the game's own to fill, so up to that many players unknown to the
// matchmaker data are allowed there.
func (e *Engine) checkBackfillPlayers(c *config, in BackfillRequest) error {
	for i, p := range in.Players {
		if o, ok := e.players[p.PlayerID]; ok && (o.status() == ticket.StatusRequiresAcceptance || o.status() == ticket.StatusPlacing) {
			return invalid("Players[%d].PlayerId %q is in matchmaking ticket %s, which is %s; a backfill request lists only players already in game session %s",
				i, p.PlayerID, o.id, o.status(), in.GameSession)
		}
	}
	gs, known := e.GameSession(in.GameSession)
	if !known {
		return nil // a game session made outside the engine: nothing to check against
	}
	free := 0
	if c.info.Mode == WithQueue {
		free = c.info.AdditionalPlayerCount
	}
	strangers := 0
	for i, p := range in.Players {
		if gs.HasPlayer(p.PlayerID) {
			continue
		}
		if strangers++; strangers > free {
			if free == 0 {
				return invalid("Players[%d].PlayerId %q is not a player of game session %s, whose matchmaker data lists %d players; list only the session's players, and report those who left with ReportPlayersLeft",
					i, p.PlayerID, in.GameSession, gs.Players())
			}
			return invalid("Players[%d].PlayerId %q is not a player of game session %s, whose matchmaker data lists %d players, and the configuration's AdditionalPlayerCount leaves the game only %d slots of its own to fill",
				i, p.PlayerID, in.GameSession, gs.Players(), free)
		}
	}
	return nil
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
	t := &tk{cfg: c, r: r, teams: teams}
	t.TicketInfo = TicketInfo{id: id, players: r, isBackfill: true}
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

// sessionData returns the state of the game session a backfill match
// extends: the players of the backfill request (every player now in the
// game, on its team) under the game session's match id and configuration
// when the engine made or knows the session, and the session's match (nil
// when the session is unknown). It names no automatic backfill ticket: the
// session's only active backfill ticket is this match's, which is
// completing (afterComplete may open the next one).
func (e *Engine) sessionData(m *match) (*GameSession, *match) {
	bf := m.backfill
	rs := m.cfg.rs
	d := &GameSession{MatchID: m.ID, Config: m.cfg.info, teams: emptyTeams(m.cfg.info)}
	var s *match
	if key := bf.backfill.session; key != "" {
		if known, ok := e.sessions[key]; ok && known.data != nil {
			s = known
			d.MatchID, d.Config = known.data.MatchID, known.data.Config
		}
	}
	for p := range bf.r.Players() {
		if slices.Contains(bf.backfill.gone, bf.r.PlayerID(p)) {
			continue // left while the request was open
		}
		d.add(rs.Teams()[bf.teams[p]].Name, SessionPlayer{ID: bf.r.PlayerID(p), r: bf.r, p: p})
	}
	return d, s
}

// completeBackfill finishes a backfill match: the backfill ticket and the
// new tickets complete together, and the game session gains the new
// players.
func (e *Engine) completeBackfill(now time.Time, m *match) {
	c := m.cfg
	rs := c.rs
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
			data.add(rs.Teams()[t.teams[p]].Name, SessionPlayer{ID: t.r.PlayerID(p), r: t.r, p: p})
		}
		e.openPlayerSessions(t, m.conn)
	}
	key := m.backfill.backfill.session
	if key == "" {
		key = m.ID
	}
	if session == nil {
		session = m
	}
	data.ID = key
	session.data = data // the request's players and the new ones (SPEC 11, 13)
	if session != m {
		session.merged = append(session.merged, m)
		session.latency = nil // rebuilt with the new players when next needed
	}
	session.session = key
	if e.sessions[key] != session {
		e.startLifetime(now, session) // a backfill match that became a game session of its own
	}
	e.sessions[key] = session
	m.data = data
	e.succeed(now, c, m, session)
}

// afterComplete opens an automatic backfill ticket for a session that has
// open slots, when its configuration says AUTOMATIC and the session's
// automatic backfill has not been stopped (D24).
func (e *Engine) afterComplete(now time.Time, s *match) {
	c := s.cfg
	if c.info.Backfill != BackfillAutomatic || s.autoOff || s.data == nil {
		return
	}
	if e.activeBackfill(s.session) != nil {
		return
	}
	rs := c.rs
	capacity := rs.MaxPlayers()
	if c.info.Mode == WithQueue {
		capacity -= c.info.AdditionalPlayerCount
	}
	var players []ticket.Player
	var teams []int
	for _, team := range s.data.Teams() {
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
	s.data = s.data.withAutoBackfill(t.id)
}

// sessionPlayer rebuilds a session player for a backfill request: its
// attributes, and its latency to the session's location only (the API asks
// for the latency of the session's Region).
func (e *Engine) sessionPlayer(s *match, p SessionPlayer) ticket.Player {
	pl := p.player()
	if ms, ok := e.sessionLatency(s)[p.ID]; ok && s.Location != "" {
		pl.LatencyInMs = map[string]int{s.Location: ms}
	}
	return pl
}

// keepSession reports whether a completed match's game session must stay
// known after its tickets are forgotten: while automatic backfill may still
// need it.
func (m *match) keepSession() bool {
	return m.cfg.info.Backfill == BackfillAutomatic && !m.autoOff
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
	if !ok || s.data == nil {
		return notFound("game session %q is not one this engine matched", session)
	}
	if s.ended {
		return invalid("game session %s has ended; players can no longer leave it", session)
	}
	if len(playerIDs) == 0 {
		return invalid("PlayerIds is required; give the ids of the players who left")
	}
	for i, pid := range playerIDs {
		if !s.data.HasPlayer(pid) {
			return invalid("PlayerIds[%d] %q is not in game session %s", i, pid, session)
		}
	}
	s.data = s.data.without(playerIDs)
	if old := e.activeBackfill(session); old != nil && old.backfill.auto {
		// Its players list is stale now; a new one replaces it (ending it
		// takes it out of the session's data).
		e.cancel(now, []*tk{old}, cancelCause{ticket.ReasonReplacedByNewBackfill, "Replaced because players left the game session."})
	} else if old != nil {
		// A request from the game server still lists them; they stay out
		// of the data its match writes.
		old.backfill.gone = append(old.backfill.gone, playerIDs...)
	}
	if s.data.Players() == 0 {
		// Everyone left: the game is over. Automatic backfill stops, and
		// the session is forgotten with its match (at once if the match's
		// tickets already are).
		s.autoOff = true
		if e.matches[s.ID] != s {
			delete(e.sessions, session)
			e.letGo(s)
		}
		return nil
	}
	e.afterComplete(now, s)
	return nil
}

// EndGameSession tells the engine that a game session is over (identified
// by its GameSessionArn, or by match id in STANDALONE mode). Its backfill
// ticket, if one is active, is cancelled (StatusReason
// GAME_SESSION_ENDED), automatic backfill stops, and the engine forgets the
// session with its match's tickets (TicketRetention). A later
// StartMatchBackfill or ReportPlayersLeft for it is refused while the engine
// remembers it. Sessions also end by themselves when their configuration's
// GameSessionLifetime passes.
func (e *Engine) EndGameSession(now time.Time, session string) error {
	if session == "" {
		return invalid("GameSessionArn is required; give the game session (or, in STANDALONE mode, the match id)")
	}
	s, ok := e.sessions[session]
	if !ok || s.data == nil {
		return notFound("game session %q is not one this engine matched", session)
	}
	if s.ended {
		return invalid("game session %s has already ended", session)
	}
	e.endSession(now, s, "The game session ended.")
	return nil
}

// endSession ends game session s: its active backfill ticket is
// cancelled, automatic backfill stops, and s is forgotten with its match.
func (e *Engine) endSession(now time.Time, s *match, why string) {
	s.ended, s.autoOff = true, true
	e.lifetimes.Remove(s)
	if t := e.activeBackfill(s.session); t != nil {
		e.cancel(now, []*tk{t}, cancelCause{ticket.ReasonGameSessionEnded, why})
	}
	if e.matches[s.ID] != s {
		delete(e.sessions, s.session)
		e.letGo(s)
	}
}

// startLifetime starts game session s's lifetime (GameSessionLifetime).
func (e *Engine) startLifetime(now time.Time, s *match) {
	s.lifeEnd = now.Add(s.cfg.info.gameSessionLifetime())
	e.lifetimes.Push(s)
}

func lifetimeLess(a, b *match) bool {
	if !a.lifeEnd.Equal(b.lifeEnd) {
		return a.lifeEnd.Before(b.lifeEnd)
	}
	return a.ID < b.ID
}
