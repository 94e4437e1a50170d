package bench

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Options configure a simulation. The zero value simulates the default
// rule set and population for an hour of virtual time with seed 0.
type Options struct {
	// RuleSet is the rule-set body. Empty means DefaultRuleSet.
	RuleSet string
	// Config is the configuration to create. Zero fields take defaults:
	// Name "sim" (DefaultName for the default rule set), RuleSetName the
	// same as Name, RequestTimeoutSeconds DefaultTimeout of the rule set.
	// With FlexMatchMode WITH_QUEUE the simulator reports every placement
	// complete as soon as the match is ready.
	Config gamelift.CreateMatchmakingConfigurationInput
	// Population is the traffic. Nil means DefaultPopulation for the
	// default rule set and DerivePopulation(rule set) otherwise.
	Population *Population
	// Rate, when positive, replaces the population's arrival rate (tickets
	// per minute).
	Rate float64
	// Duration is how long tickets arrive, in virtual time. Default 1h.
	// After it the simulator keeps stepping until every ticket has ended.
	Duration time.Duration
	// Tick is the virtual time between engine steps. Default 1s.
	Tick time.Duration
	// Seed seeds the arrivals, the players, their behaviour and (unless
	// Engine.Seed is set) the engine.
	Seed uint64
	// Start is the virtual time of the first instant; its hour of day
	// places the daily arrival curve. Default 2026-01-01T00:00:00Z.
	Start time.Time
	// Engine configures the engine. Zero fields take the engine's defaults,
	// except Seed (default: Seed) and TicketRetention (default: two Ticks,
	// so that a ticket is still described when the events that report its
	// end are handled, and is forgotten soon after, not counting as heap of
	// the waiting ones). A shorter retention leaves the StatusReason of
	// some ended tickets empty in the report and the ticket records.
	Engine engine.Config
	// Progress, if set, is called after every step with the virtual time
	// simulated so far.
	Progress func(Progress)
	// Tickets, if set, receives one TicketRecord per submitted ticket, as
	// a line of JSON, when the ticket ends (and, for the tickets the run
	// leaves unresolved, when it stops). Simulate returns the first write
	// error. Wrap a file in a bufio.Writer: each record is one Write.
	Tickets io.Writer
}

// Progress reports how far a simulation has come.
type Progress struct {
	Elapsed  time.Duration // virtual time since Start
	Duration time.Duration // the arrival period
	Draining bool          // arrivals are over; waiting for tickets to end
	Tickets  int
	Matched  int
	Waiting  int
}

// DefaultStart is the default Options.Start.
var DefaultStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// minHeapSample is the fewest waiting tickets the heap per ticket is
// measured from (Cost.HeapBytesPerTicket); below it the figure is 0.
const minHeapSample = 50

// maxDrain bounds the virtual time spent after the arrivals: longer than
// the longest request timeout plus the longest acceptance timeout.
const maxDrain = 12*time.Hour + 30*time.Minute

// action is a scheduled player action.
type action struct {
	at     time.Time
	seq    uint64
	leave  bool
	end    bool   // end the game session in match
	ticket string // answer: the ticket
	match  string // answer: the match answered; leave: the game session
	player string
	accept bool
}

type actionQueue []*action

func (q actionQueue) Len() int { return len(q) }
func (q actionQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q actionQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *actionQueue) Push(x any)   { *q = append(*q, x.(*action)) }
func (q *actionQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// sim is one simulation's state.
type sim struct {
	opts         Options
	rs           *ruleset.RuleSet
	e            *engine.Engine
	cfg          string
	withQueue    bool
	gen          *Generator
	pop          Population
	quality      []string
	rng          *rand.Rand // player behaviour
	games        *rand.Rand // game lengths, apart so that they leave rng's draws as they were
	actions      actionQueue
	seq          uint64
	created      map[string]time.Time // match id -> PotentialMatchCreated time
	proposed     map[string]string    // ticket id -> the match it was asked to accept
	placing      []string             // match ids to report placed
	r            *Report
	waits        []float64
	spreads      [][]float64
	latency      []float64
	stepTimes    []float64
	engineDur    time.Duration
	end          time.Time
	backfillSeen map[string]bool
	teamSums     map[teamAttr][2]float64 // measure's scratch: sum and count per team and attribute
	drawn        map[uint64]drawnTicket  // the tickets of one event, drawn again
	b            *breakdowns
	tickets      *json.Encoder // Options.Tickets, or nil
	writeErr     error
}

// teamAttr keys measure's sums: a team and an index of sim.quality.
type teamAttr struct {
	team int
	attr int
}

// defaultOf returns the rule set's default for a declared attribute.
func (s *sim) defaultOf(name string) (ticket.AttributeValue, bool) {
	i, ok := s.rs.Schema().Lookup(name)
	if !ok || s.rs.Schema().Attrs()[i].Default == nil {
		return ticket.AttributeValue{}, false
	}
	return *s.rs.Schema().Attrs()[i].Default, true
}

// Simulate runs a simulation and returns its report. It stops early with
// ctx's error when ctx is cancelled. Errors name what was wrong: the rule
// set, the configuration, the population, or a ticket the engine refused.
func Simulate(ctx context.Context, opts Options) (*Report, error) {
	wallStart := time.Now()
	s, err := newSim(opts)
	if err != nil {
		return nil, err
	}
	if err := s.run(ctx); err != nil {
		return nil, err
	}
	s.finish()
	s.r.WallSeconds = time.Since(wallStart).Seconds()
	return s.r, nil
}

func newSim(opts Options) (*sim, error) {
	isDefault := opts.RuleSet == ""
	if isDefault {
		opts.RuleSet = DefaultRuleSet()
	}
	rs, err := ruleset.Load([]byte(opts.RuleSet))
	if err != nil {
		var b strings.Builder
		for i, p := range ruleset.Problems(err) {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(p.Error())
		}
		return nil, fmt.Errorf("rule set: %s", b.String())
	}
	if opts.Duration == 0 {
		opts.Duration = time.Hour
	}
	if opts.Tick == 0 {
		opts.Tick = time.Second
	}
	if opts.Duration < 0 || opts.Tick < 0 {
		return nil, errors.New("bench: Options.Duration and Tick must not be negative")
	}
	if opts.Start.IsZero() {
		opts.Start = DefaultStart
	}
	pop, gen, err := traffic(rs, isDefault, opts.Population, opts.Rate, opts.Seed)
	if err != nil {
		return nil, err
	}
	cfg := opts.Config
	if cfg.Name == "" {
		cfg.Name = "sim"
		if isDefault {
			cfg.Name = DefaultName
		}
	}
	if cfg.RuleSetName == "" || strings.HasPrefix(cfg.RuleSetName, "arn:") {
		cfg.RuleSetName = cfg.Name
	}
	if cfg.RequestTimeoutSeconds == 0 {
		cfg.RequestTimeoutSeconds = DefaultTimeout(rs)
	}
	ecfg := opts.Engine
	if ecfg.Seed == 0 {
		ecfg.Seed = opts.Seed
	}
	if ecfg.TicketRetention == 0 {
		// A player may answer at the very time of a step, after it; the
		// next step reports the end, and a retention of two ticks keeps
		// the ticket described until then.
		ecfg.TicketRetention = 2 * opts.Tick
	}
	e, err := engine.New(ecfg)
	if err != nil {
		return nil, err
	}
	ec, err := gamelift.NewConfiguration(cfg, rs)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	if err := e.AddConfiguration(opts.Start, ec); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	s := &sim{
		opts: opts, rs: rs, e: e, cfg: cfg.Name, gen: gen, pop: pop, teamSums: map[teamAttr][2]float64{},
		withQueue:    ec.Mode == engine.WithQueue,
		quality:      analyze(rs).numberAttributesRead(),
		rng:          rand.New(rand.NewPCG(opts.Seed, 0x706c61796572)),
		games:        rand.New(rand.NewPCG(opts.Seed, 0x67616d6573)),
		created:      map[string]time.Time{},
		proposed:     map[string]string{},
		backfillSeen: map[string]bool{},
		drawn:        map[uint64]drawnTicket{},
		end:          opts.Start.Add(opts.Duration),
		tickets:      newTicketEncoder(opts),
	}
	s.b = newBreakdowns(rs, pop, s.defaultOf)
	if len(rs.Teams()) < 2 {
		s.quality = nil
	}
	s.spreads = make([][]float64, len(s.quality))
	name := rs.Name()
	if name == "" {
		name = cfg.RuleSetName
	}
	s.r = &Report{
		RuleSet: name, Configuration: cfg.Name, Seed: opts.Seed,
		VirtualSeconds: opts.Duration.Seconds(), MatchesBySize: map[int]int{},
	}
	return s, nil
}

func (s *sim) run(ctx context.Context) error {
	arrivals := NewArrivalClock(s.pop.Arrivals, s.opts.Start, s.opts.Seed)
	nextArrival := s.opts.Start.Add(arrivals.Next())
	var next uint64 // the next ticket's number
	baseHeap := heapInUse()
	sampled := 0
	for now := s.opts.Start.Add(s.opts.Tick); ; now = now.Add(s.opts.Tick) {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Arrivals and player actions up to now, in time order.
		for {
			arrive := !nextArrival.After(now) && !nextArrival.After(s.end)
			act := len(s.actions) > 0 && !s.actions[0].at.After(now)
			if act && (!arrive || s.actions[0].at.Before(nextArrival)) {
				s.perform(heap.Pop(&s.actions).(*action))
				continue
			}
			if !arrive {
				break
			}
			if err := s.submit(nextArrival, next); err != nil {
				return err
			}
			next++
			nextArrival = s.opts.Start.Add(arrivals.Next())
		}
		t0 := time.Now()
		events := s.e.Step(now)
		d := time.Since(t0)
		s.engineDur += d
		s.stepTimes = append(s.stepTimes, d.Seconds())
		s.r.Steps++
		s.handle(events)
		for len(s.placing) > 0 {
			s.place(now)
		}
		if s.writeErr != nil {
			return fmt.Errorf("bench: writing the ticket records: %w", s.writeErr)
		}
		waiting := s.e.Pending()
		s.r.PeakWaiting = max(s.r.PeakWaiting, waiting)
		if p := s.b.point(now.Sub(s.opts.Start)); waiting > p.Waiting {
			p.Waiting = waiting
		}
		if waiting >= minHeapSample && float64(waiting) > 1.25*float64(sampled) {
			s.r.HeapBytesPerTicket = float64(int64(heapInUse())-int64(baseHeap)-s.ownBytes()) / float64(waiting)
			sampled = waiting
		}
		draining := !now.Before(s.end)
		if s.opts.Progress != nil {
			s.opts.Progress(Progress{Elapsed: now.Sub(s.opts.Start), Duration: s.opts.Duration, Draining: draining, Tickets: s.r.Tickets, Matched: s.r.Matched, Waiting: waiting})
		}
		if draining && (waiting == 0 || now.Sub(s.end) >= maxDrain) {
			s.r.DrainSeconds = now.Sub(s.end).Seconds()
			s.r.Unresolved = waiting
			if waiting > 0 {
				s.unresolved(now)
				if s.writeErr != nil {
					return fmt.Errorf("bench: writing the ticket records: %w", s.writeErr)
				}
			}
			return nil
		}
	}
}

// ownBytes is the heap the simulator's own samples take, which grow with
// the tickets that ended rather than with those waiting.
func (s *sim) ownBytes() int64 {
	n := cap(s.waits) + cap(s.stepTimes) + cap(s.latency)
	for _, sp := range s.spreads {
		n += cap(sp)
	}
	return int64(n)*8 + int64(cap(s.b.keys))*3
}

// submit sends ticket i at time at.
func (s *sim) submit(at time.Time, i uint64) error {
	players, home := s.gen.playersAndHome(i)
	t0 := time.Now()
	_, err := s.e.StartMatchmaking(at, engine.MatchmakingRequest{TicketID: TicketID(i), Configuration: s.cfg, Players: players})
	s.engineDur += time.Since(t0)
	if err != nil {
		return fmt.Errorf("ticket %s: the engine refused StartMatchmaking: %w", TicketID(i), err)
	}
	s.r.Tickets++
	s.r.Players += len(players)
	s.b.each(s.b.key(home, players), func(g *tally) { g.tickets++ })
	s.b.point(at.Sub(s.opts.Start)).Arrived++
	return nil
}

func (s *sim) schedule(a *action) {
	s.seq++
	a.seq = s.seq
	heap.Push(&s.actions, a)
}

// perform carries out a player action.
func (s *sim) perform(a *action) {
	t0 := time.Now()
	defer func() { s.engineDur += time.Since(t0) }()
	if a.end {
		if s.e.EndGameSession(a.at, a.match) == nil {
			s.r.Backfill.GamesEnded++
		}
		return
	}
	if a.leave {
		if err := s.e.ReportPlayersLeft(a.at, a.match, []string{a.player}); err != nil {
			s.r.Backfill.LeavesRefused++
			return
		}
		s.r.Backfill.LeavesReported++
		return
	}
	if s.proposed[a.ticket] != a.match {
		return // the match this answer was for has ended
	}
	answer := engine.Accepted
	if !a.accept {
		answer = engine.Rejected
	}
	// An error means the match ended before this answer (another player
	// rejected it); the player's answer no longer matters.
	_ = s.e.AcceptMatch(a.at, a.ticket, []string{a.player}, answer)
}

// place reports the pending WITH_QUEUE placements complete.
func (s *sim) place(now time.Time) {
	pending := s.placing
	s.placing = nil
	t0 := time.Now()
	for _, id := range pending {
		_ = s.e.CompletePlacement(now, id, engine.Placement{
			GameSession: "arn:aws:gamelift:local::gamesession/fleet-1/" + id,
			IPAddress:   "10.0.0.1", Port: 7777,
		})
	}
	events := s.e.Events()
	s.engineDur += time.Since(t0)
	s.handle(events)
}

// mine reports whether a ticket id is one the simulator submitted (the
// engine's own backfill tickets have UUIDs, which never start with "t").
func mine(id string) bool { return strings.HasPrefix(id, "t") }

func (s *sim) handle(events []engine.Event) {
	for i := range events {
		ev := &events[i]
		switch ev.Kind {
		case engine.EventPotentialMatchCreated:
			s.created[ev.Match.ID] = ev.Time
			if !ev.Config.AcceptanceRequired {
				if s.withQueue {
					s.placing = append(s.placing, ev.Match.ID)
				}
				continue
			}
			s.r.Acceptance.Proposed++
			s.answer(ev)
		case engine.EventAcceptMatchCompleted:
			switch ev.Acceptance {
			case engine.AcceptanceAccepted:
				s.r.Acceptance.Accepted++
				if s.withQueue {
					s.placing = append(s.placing, ev.Match.ID)
				}
			case engine.AcceptanceRejected:
				s.r.Acceptance.Rejected++
			case engine.AcceptanceTimedOut:
				s.r.Acceptance.TimedOut++
			}
			if ev.Acceptance != engine.AcceptanceAccepted {
				delete(s.created, ev.Match.ID)
			}
			for _, t := range ev.Tickets {
				delete(s.proposed, t.ID())
			}
		case engine.EventSucceeded:
			s.succeeded(ev)
		case engine.EventTimedOut, engine.EventCancelled, engine.EventFailed:
			for k := range ev.Tickets {
				delete(s.proposed, ev.Tickets[k].ID())
				s.ended(ev, &ev.Tickets[k])
			}
		case engine.EventSearching:
			for _, t := range ev.Tickets {
				if !mine(t.ID()) && !s.seenBackfill(t.ID()) {
					s.r.Backfill.Tickets++
				}
			}
		}
	}
}

// seenBackfill reports whether a backfill ticket was counted already; a
// backfill ticket searches again after a failed acceptance.
func (s *sim) seenBackfill(id string) bool {
	if s.backfillSeen[id] {
		return true
	}
	s.backfillSeen[id] = true
	return false
}

// ended counts a ticket that ended without a match, in the report, its
// breakdowns and the ticket records.
func (s *sim) ended(ev *engine.Event, t *engine.TicketRef) {
	id := t.ID()
	if !mine(id) {
		delete(s.backfillSeen, id)
		switch ev.Kind {
		case engine.EventTimedOut:
			s.r.Backfill.TimedOut++
		case engine.EventCancelled:
			s.r.Backfill.Cancelled++
		}
		return
	}
	var status ticket.Status
	var count func(*tally)
	switch ev.Kind {
	case engine.EventTimedOut:
		s.r.TimedOut++
		status, count = ticket.StatusTimedOut, func(g *tally) { g.timedOut++ }
	case engine.EventCancelled:
		s.r.Cancelled++
		status, count = ticket.StatusCancelled, func(g *tally) { g.cancelled++ }
	default:
		s.r.Failed++
		status, count = ticket.StatusFailed, func(g *tally) { g.failed++ }
	}
	reason := s.reason(id)
	s.b.endings[ending{string(status), reason}]++
	i, _ := ticketNumber(id)
	players, home := s.gen.playersAndHome(i)
	s.b.each(s.b.key(home, players), count)
	s.record(id, t.Start(), ev.Time, players, home, string(status), reason, ev.Time.Sub(t.Start()).Seconds(), nil, nil)
}

// reason returns the StatusReason of a ticket that ended without a match:
// the engine still describes it when the events that report its end are
// handled (the default TicketRetention is two ticks).
func (s *sim) reason(id string) string {
	t, _ := s.e.Ticket(id)
	return t.StatusReason
}

// answer schedules each asked player's answer to a proposed match.
func (s *sim) answer(ev *engine.Event) {
	b := s.pop.Behavior
	for _, t := range ev.Tickets {
		if !mine(t.ID()) {
			continue // a backfill ticket's players are not asked (D15)
		}
		s.proposed[t.ID()] = ev.Match.ID
		for p := range t.Players() {
			u := s.rng.Float64()
			if u < b.IgnoreRate {
				continue
			}
			delay := max(0, b.AcceptDelaySeconds.Sample(s.rng))
			s.schedule(&action{
				at:     ev.Time.Add(time.Duration(delay * float64(time.Second))),
				ticket: t.ID(), match: ev.Match.ID, player: t.PlayerID(p),
				accept: u >= b.IgnoreRate+b.RejectRate,
			})
		}
	}
}

func (s *sim) succeeded(ev *engine.Event) {
	m := ev.Match
	created, ok := s.created[m.ID]
	if !ok {
		created = ev.Time
	}
	delete(s.created, m.ID)
	clear(s.drawn)
	backfill := false
	players, all := 0, 0
	for k := range ev.Tickets {
		t := &ev.Tickets[k]
		delete(s.proposed, t.ID())
		all += t.Players()
		if !mine(t.ID()) {
			backfill = true
			delete(s.backfillSeen, t.ID())
			continue
		}
		s.r.Matched++
		wait := created.Sub(t.Start()).Seconds()
		s.waits = append(s.waits, wait)
		players += t.Players()
		i, _ := ticketNumber(t.ID())
		drawn, home := s.draw(i)
		key := s.b.key(home, drawn)
		s.b.keys = append(s.b.keys, key)
		s.b.each(key, func(g *tally) { g.matched++ })
		s.record(t.ID(), t.Start(), ev.Time, drawn, home, string(ticket.StatusCompleted), "", wait, m, t)
	}
	if backfill {
		s.r.Backfill.Matches++
		s.r.Backfill.PlayersAdded += players
	} else {
		s.r.Matches++
		s.r.MatchesBySize[all]++
		s.measure(ev)
		s.b.point(ev.Time.Sub(s.opts.Start)).Matches++
		s.b.phases[s.phase(ev, created)]++
		if l, ok := s.b.locIndex[m.Location]; ok {
			s.b.matchesAt[l]++
		}
	}
	session := m.ID
	if ev.Session != nil {
		session = ev.Session.ID
	}
	if !backfill {
		s.endGame(ev.Time, session)
	}
	if rate := s.pop.Behavior.LeaveRate; rate > 0 {
		for _, t := range ev.Tickets {
			if !mine(t.ID()) {
				continue
			}
			for p := range t.Players() {
				if s.rng.Float64() >= rate {
					continue
				}
				after := max(0, s.pop.Behavior.LeaveAfterSeconds.Sample(s.rng))
				at := ev.Time.Add(time.Duration(after * float64(time.Second)))
				if at.After(s.end) {
					continue // no one leaves after the arrivals stop, so the run ends
				}
				s.schedule(&action{at: at, leave: true, match: session, player: t.PlayerID(p)})
			}
		}
	}
}

// endGame schedules the end of the game session of a new match, unless it
// would come after the arrivals stop (the run then ends with the tickets).
func (s *sim) endGame(matched time.Time, session string) {
	d := s.pop.Behavior.GameSeconds
	if d == (NumberDist{}) {
		d = DefaultGameSeconds
	}
	at := matched.Add(time.Duration(max(0, d.Sample(s.games)) * float64(time.Second)))
	if !at.After(s.end) {
		s.schedule(&action{at: at, end: true, match: session})
	}
}

// measure records the quality of a new match: the spread of team averages
// of each number attribute the rules read, and the worst latency at the
// match location. The players' values come from the generator, which makes
// the same players again from their ticket number (the engine's events
// leave the matchmaker data out unless asked, to stay cheap).
func (s *sim) measure(ev *engine.Event) {
	loc := ev.Match.Location
	if len(s.quality) == 0 && (loc == "" || len(s.pop.Locations) == 0) {
		return
	}
	clear(s.teamSums)
	worst, found := 0, false
	for _, t := range ev.Tickets {
		for p := range t.Players() {
			s.measurePlayer(t.PlayerID(p), t.Team(p), loc, &worst, &found)
		}
	}
	for k := range s.quality {
		lo, hi, n := math.Inf(1), math.Inf(-1), 0
		for key, acc := range s.teamSums { // min and max do not depend on the order
			if key.attr == k && acc[1] > 0 {
				avg := acc[0] / acc[1]
				lo, hi, n = min(lo, avg), max(hi, avg), n+1
			}
		}
		if n >= 2 {
			s.spreads[k] = append(s.spreads[k], hi-lo)
		}
	}
	if found {
		s.latency = append(s.latency, float64(worst))
	}
}

// draw returns ticket i's players and home location, drawn again from the
// generator once per event (s.drawn is cleared for each).
func (s *sim) draw(i uint64) ([]ticket.Player, int) {
	d, ok := s.drawn[i]
	if !ok {
		d.players, d.home = s.gen.playersAndHome(i)
		s.drawn[i] = d
	}
	return d.players, d.home
}

// drawnTicket is a ticket's players and home location, drawn again.
type drawnTicket struct {
	players []ticket.Player
	home    int
}

// phase returns the expansion phase a new match was made in (see
// ExpansionPhase): the phase in force at its creation for the age of its
// newest ticket, or of its oldest with expansionAgeSelection "oldest".
func (s *sim) phase(ev *engine.Event, created time.Time) int {
	var newest, oldest time.Time
	for k := range ev.Tickets {
		st := ev.Tickets[k].Start()
		if k == 0 || st.After(newest) {
			newest = st
		}
		if k == 0 || st.Before(oldest) {
			oldest = st
		}
	}
	ref := newest
	if s.rs.Algorithm().ExpansionAgeSelection == ruleset.ExpansionAgeOldest {
		ref = oldest
	}
	return min(s.rs.At(created.Sub(ref)).Index(), len(s.b.phases)-1)
}

// measurePlayer adds one player of a new match to measure's sums: its
// values of the quality attributes, to its team's, and its latency at the
// match location, to the worst so far.
func (s *sim) measurePlayer(id string, team int, loc string, worst *int, found *bool) {
	i, pi, ok := ParsePlayerID(id)
	if !ok {
		return
	}
	players, _ := s.draw(i)
	if pi < 0 || pi >= len(players) {
		return
	}
	pl := &players[pi]
	if ms, ok := pl.LatencyInMs[loc]; ok {
		*worst, *found = max(*worst, ms), true
	}
	for k, name := range s.quality {
		v, ok := pl.PlayerAttributes[name]
		if !ok {
			v, ok = s.defaultOf(name)
		}
		if ok && v.Kind() == ticket.KindNumber {
			key := teamAttr{team, k}
			acc := s.teamSums[key]
			s.teamSums[key] = [2]float64{acc[0] + v.N(), acc[1] + 1}
		}
	}
}

func (s *sim) finish() {
	r := s.r
	s.b.finish(r, s.rs, s.waits) // first: quantiles sorts s.waits, which b.keys parallels
	if r.Tickets > 0 {
		r.MatchedFraction = float64(r.Matched) / float64(r.Tickets)
	}
	r.Wait = quantiles(s.waits)
	for k, name := range s.quality {
		if len(s.spreads[k]) > 0 {
			r.Quality.TeamSpread = append(r.Quality.TeamSpread, spread(name, s.spreads[k]))
		}
	}
	if len(s.latency) > 0 {
		l := spread("", s.latency)
		r.Quality.WorstLatencyMs = &l
	}
	metrics, _ := s.e.RuleMetrics(s.cfg)
	for i, r0 := range s.rs.Rules() {
		rc := RuleCount{Name: r0.Name, Type: r0.Type}
		if i < len(metrics) {
			rc.Passed, rc.Failed = metrics[i].Passed, metrics[i].Failed
			rc.Errors, rc.LastError = metrics[i].Errors, metrics[i].LastError
		}
		r.Rules = append(r.Rules, rc)
	}
	st := quantiles(s.stepTimes)
	r.StepSeconds = StepQuantiles{P50: st.P50, P99: st.P99, Max: st.Max}
	r.EngineSeconds = s.engineDur.Seconds()
	if r.EngineSeconds > 0 {
		r.MatchesPerSecond = float64(r.Matches+r.Backfill.Matches) / r.EngineSeconds
	}
}
