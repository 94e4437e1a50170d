package gamelift_test

// The engine's state-machine test: rapid drives an Engine with random
// operations (four rule sets of different kinds, a large one included, in
// configurations STANDALONE and WITH_QUEUE, with and without acceptance;
// tickets with random parties, attributes (some missing, rarely of the
// wrong type), latencies and reused player ids; stops, answers, placements,
// descriptions, invalid requests, and steps on a clock advancing by random
// amounts, so acceptance deadlines, request timeouts, expansions and ticket
// retention all come due) and, after every operation, checks named
// invariants against a model built only from the operations' results and
// the events:
//
//	(a) no ticket and no player is in two live matches at once, and no
//	    player is in two active tickets (D17);
//	(b) tickets are conserved: every accepted ticket can be described until
//	    its retention ends, and is then active or terminal;
//	(c) every proposed match satisfies its rule set, per the brute-force
//	    oracle (oracle_test.go);
//	(d) statuses move only along legal transitions (SPEC 10.2, D14-D17), and
//	    deadlines are kept (D15, D16);
//	(e) exactly one event per status change: the status derived from the
//	    events (StatusAfter) equals the engine's after every operation;
//	(f) replaying the operations on a fresh engine with the same seed gives
//	    byte-identical events;
//	(g) a rejected request changes nothing (D25): the tickets, counts,
//	    configurations and rule sets are unchanged, no event is emitted,
//	    and replaying the operations without the rejected ones gives the
//	    same events.
//
// Backfill (D22-D24, SPEC.md section 11) adds StartMatchBackfill requests
// for the game sessions of completed matches (with their current players
// and teams; sometimes for unknown sessions or none, sometimes invalid),
// ReportPlayersLeft, configurations with BackfillMode AUTOMATIC and rule
// sets with backfillPriority high and low. The model tracks every game
// session's players across backfills and departures, and checks:
//
//	(h) a candidate match holds at most one backfill ticket, and a game
//	    session at most one active backfill ticket: a new request replaces
//	    the old one, which is cancelled (REPLACED_BY_NEW_BACKFILL, D22);
//	(i) a backfill match keeps every existing player on the team of the
//	    backfill request and adds at least one new ticket (D23), and skips
//	    placement: it completes in the operation that proposes or accepts it;
//	(j) no player is in a game session twice: a backfill match adds no
//	    player the session (or the backfill request) already holds, and the
//	    session's matchmaker data lists exactly the players the model
//	    derives from its matches, backfills and departures;
//	(k) automatic backfill (D24): after a match or a backfill completes, or
//	    players leave, a session of an AUTOMATIC configuration with open
//	    slots has an active backfill ticket, and an engine-opened ticket
//	    lists the session's current players with their teams (and latency
//	    at the session's location only); a session is forgotten only when
//	    automatic backfill cannot need it;
//	(l) large matches (and every strategy-balanced match) report the spread
//	    of their teams' averages of the balanced attribute; team minimums
//	    and maximums, batchDistance and latency rules are the oracle's (c),
//	    for backfill matches too (existing players evaluated as players on
//	    their own teams, not as a party).
//
// Along the way it also checks the event envelopes and ids (D18), the
// status reasons (D19) and the teams completed tickets report. A failure
// prints the invariant and the operation log (shrunk by rapid), each
// operation with the events it caused.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/internal/fixtures"
	"github.com/matchforge/matchforge/internal/oracle"
	"github.com/matchforge/matchforge/ticket"
	"pgregory.net/rapid"
)

// smRuleSets are the fixed rule sets the state machine uses; together they
// cover every rule type and expression form the oracle supports, the
// large-match algorithm (horde), and backfillPriority high (skill), low
// (lobby) and normal (trios, horde).
var smRuleSets = []struct{ name, body string }{
	{"skill", `{
	  "name": "two teams of 2-3 in one mode, close in skill, fair and equal",
	  "ruleLanguageVersion": "1.0",
	  "playerAttributes": [
	    {"name": "skill", "type": "number", "default": 50},
	    {"name": "mode", "type": "string"}],
	  "algorithm": {"backfillPriority": "high"},
	  "teams": [{"name": "red", "minPlayers": 2, "maxPlayers": 3},
	            {"name": "blue", "minPlayers": 2, "maxPlayers": 3}],
	  "rules": [
	    {"name": "SameMode", "type": "batchDistance", "batchAttribute": "mode"},
	    {"name": "SkillBand", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 15},
	    {"name": "FairTeams", "type": "distance", "partyAggregation": "avg",
	     "measurements": ["avg(teams[*].players.attributes[skill])"],
	     "referenceValue": "avg(flatten(teams[*].players.attributes[skill]))", "maxDistance": 5},
	    {"name": "EqualSize", "type": "comparison", "operation": "=",
	     "measurements": ["count(teams[red].players)"], "referenceValue": "count(teams[blue].players)"}],
	  "expansions": [
	    {"target": "rules[SkillBand].maxDistance", "steps": [{"waitTimeSeconds": 5, "value": 30}, {"waitTimeSeconds": 12, "value": "60"}]},
	    {"target": "rules[FairTeams].maxDistance", "steps": [{"waitTimeSeconds": 8, "value": 15}]},
	    {"target": "teams[red, blue].minPlayers", "steps": [{"waitTimeSeconds": 10, "value": 1}]}]
	}`},
	{"trios", `{
	  "ruleLanguageVersion": "1.0",
	  "playerAttributes": [
	    {"name": "skill", "type": "number", "default": 50},
	    {"name": "character", "type": "string_list", "default": ["peasant"]},
	    {"name": "region", "type": "string", "default": "any"}],
	  "algorithm": {"batchingPreference": "sorted", "sortByAttributes": ["skill"]},
	  "teams": [{"name": "trio", "minPlayers": 2, "maxPlayers": 3, "quantity": 3}],
	  "rules": [
	    {"name": "FastConnection", "type": "latency", "maxLatency": 60},
	    {"name": "FewMedics", "type": "collection", "operation": "contains",
	     "measurements": ["flatten(teams[*].players.attributes[character])"], "referenceValue": "medic", "maxCount": 2},
	    {"name": "SameRegion", "type": "comparison", "operation": "=",
	     "measurements": ["flatten(teams[*].players.attributes[region])"]},
	    {"name": "CloseSizes", "type": "distance",
	     "measurements": ["max(count(teams[trio].players))"], "referenceValue": "min(count(teams[*].players))", "maxDistance": 1},
	    {"name": "SkillOrder", "type": "distanceSort", "sortDirection": "ascending", "sortAttribute": "skill"}],
	  "expansions": [
	    {"target": "rules[FastConnection].maxLatency", "steps": [{"waitTimeSeconds": 6, "value": 120}, {"waitTimeSeconds": 15, "value": 250}]},
	    {"target": "teams[trio].minPlayers", "steps": [{"waitTimeSeconds": 10, "value": 1}]}]
	}`},
	{"lobby", `{
	  "ruleLanguageVersion": "1.0",
	  "playerAttributes": [
	    {"name": "skill", "type": "number", "default": 50},
	    {"name": "league", "type": "number", "default": 1},
	    {"name": "map", "type": "string", "default": "docks"},
	    {"name": "modes", "type": "string_list", "default": ["dm"]},
	    {"name": "blocked", "type": "string_list", "default": []},
	    {"name": "hero", "type": "string"}],
	  "algorithm": {"expansionAgeSelection": "oldest", "backfillPriority": "low"},
	  "teams": [{"name": "a", "minPlayers": 1, "maxPlayers": 2}, {"name": "b", "minPlayers": 1, "maxPlayers": 2}],
	  "rules": [
	    {"name": "SameMap", "type": "comparison", "operation": "=", "measurements": "flatten(teams[*].players.attributes[map])"},
	    {"name": "SharedMode", "type": "collection", "operation": "intersection",
	     "measurements": ["flatten(teams[*].players.attributes[modes])"], "minCount": 1},
	    {"name": "CloseSkill", "type": "distance", "measurements": ["max(flatten(teams[*].players.attributes[skill]))"],
	     "referenceValue": "min(flatten(teams[*].players.attributes[skill]))", "maxDistance": 10},
	    {"name": "CloseLeague", "type": "distance", "partyAggregation": "max",
	     "measurements": ["max(flatten(teams[*].players.attributes[league]))"],
	     "referenceValue": "min(flatten(teams[*].players.attributes[league]))", "maxDistance": 1},
	    {"name": "NoBlocked", "type": "collection", "operation": "reference_intersection_count",
	     "measurements": ["flatten(teams[*].players.attributes[blocked])"],
	     "referenceValue": "flatten(teams[*].players[playerId])", "maxCount": 0},
	    {"name": "ProLobby", "type": "comparison", "operation": ">=", "referenceValue": 4,
	     "measurements": ["flatten(teams[*].players.attributes[league])"]},
	    {"name": "DistinctHeroes", "type": "comparison", "operation": "!=",
	     "measurements": ["flatten(teams[*].players.attributes[hero])"]},
	    {"name": "LowAverageLeague", "type": "comparison", "operation": "<=", "referenceValue": 4,
	     "measurements": ["avg(flatten(teams[*].players.attributes[league]))"]},
	    {"name": "Either", "type": "compound", "statement": "or(and(SameMap, SharedMode), and(CloseSkill, CloseLeague))"},
	    {"name": "Safe", "type": "compound", "statement": "and(NoBlocked, not(ProLobby))"}],
	  "expansions": [
	    {"target": "rules[CloseSkill].maxDistance", "steps": [{"waitTimeSeconds": 7, "value": 30}]}]
	}`},
	{"horde", fixtures.Horde},
}

// smBalanced is the balanced attribute of the rule sets with strategy
// balanced, whose matches report balanceSpread (l).
var smBalanced = map[string]string{"horde": "skill"}

// Value domains of the generated attributes, kept small so matches form.
var (
	smNumbers = map[string][]float64{
		"skill":  {40, 45, 50, 55, 60, 65, 70},
		"league": {1, 2, 3, 4, 5},
	}
	smStrings = map[string][]string{
		"mode": {"ctf", "dm"}, "region": {"eu", "us"}, "map": {"docks", "ruins"},
		"hero": {"ana", "bo", "cy", "di", "ed", "fy"},
	}
	smLists = map[string][]string{
		"character": {"medic", "tank", "dps", "peasant"},
		"modes":     {"dm", "ctf", "koth"},
		"blocked":   {"p0", "p1", "p2", "p3", "p4", "p5"},
	}
	smLocations = []string{"us-east-1", "eu-west-1"}
	smPlayerIDs = func() []string {
		ids := make([]string, smPlayers)
		for i := range ids {
			ids[i] = fmt.Sprintf("p%d", i)
		}
		return ids
	}()
	smT0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
)

const (
	smPlayers   = 36 // player ids p0..p35, reused across tickets (D17)
	smRetention = 45 * time.Second
	smQueueArn  = "arn:aws:gamelift:local:000000000000:gamesessionqueue/main"
)

// ---------------------------------------------------------------------------
// Operations.

type smKind string

const (
	opRuleSet  smKind = "CreateMatchmakingRuleSet"
	opConfig   smKind = "CreateMatchmakingConfiguration"
	opStart    smKind = "StartMatchmaking"
	opStop     smKind = "StopMatchmaking"
	opAccept   smKind = "AcceptMatch"
	opComplete smKind = "CompletePlacement"
	opFail     smKind = "FailPlacement"
	opDescribe smKind = "DescribeMatchmaking"
	opStep     smKind = "Step"
	opBackfill smKind = "StartMatchBackfill"
	opLeft     smKind = "ReportPlayersLeft"
)

// smOp is one recorded operation: what was called, when, and with what.
type smOp struct {
	At       time.Duration // since smT0
	Kind     smKind
	RuleSet  gamelift.CreateMatchmakingRuleSetInput
	Config   gamelift.CreateMatchmakingConfigurationInput
	Start    gamelift.StartMatchmakingInput
	ID       string // StopMatchmaking
	Accept   gamelift.AcceptMatchInput
	Complete gamelift.CompletePlacementInput
	Fail     gamelift.FailPlacementInput
	IDs      []string // DescribeMatchmaking; ReportPlayersLeft's players
	Backfill gamelift.StartMatchBackfillInput
	Session  string // ReportPlayersLeft

	Err    string // the error the engine returned, if any
	Result string // a short summary of the result, for the log
}

type smResult struct {
	ticket  gamelift.MatchmakingTicket
	tickets []gamelift.MatchmakingTicket
	err     error
	events  []gamelift.Event
}

func (o *smOp) apply(e *gamelift.Service) smResult {
	now := smT0.Add(o.At)
	var r smResult
	switch o.Kind {
	case opRuleSet:
		_, r.err = e.CreateMatchmakingRuleSet(now, o.RuleSet)
	case opConfig:
		_, r.err = e.CreateMatchmakingConfiguration(now, o.Config)
	case opStart:
		r.ticket, r.err = e.StartMatchmaking(now, o.Start)
	case opStop:
		r.err = e.StopMatchmaking(now, o.ID)
	case opAccept:
		r.err = e.AcceptMatch(now, o.Accept)
	case opComplete:
		r.err = e.CompletePlacement(now, o.Complete)
	case opFail:
		r.err = e.FailPlacement(now, o.Fail)
	case opDescribe:
		r.tickets, r.err = e.DescribeMatchmaking(o.IDs)
	case opBackfill:
		r.ticket, r.err = e.StartMatchBackfill(now, o.Backfill)
	case opLeft:
		r.err = e.ReportPlayersLeft(now, o.Session, o.IDs)
	case opStep:
		r.events = e.Step(now)
		return r
	}
	r.events = e.Events()
	return r
}

func (o *smOp) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "+%7.3fs %s", o.At.Seconds(), o.Kind)
	switch o.Kind {
	case opRuleSet:
		fmt.Fprintf(&b, " %s (%d bytes)", o.RuleSet.Name, len(o.RuleSet.RuleSetBody))
	case opConfig:
		c := o.Config
		fmt.Fprintf(&b, " %s rs=%s mode=%s accept=%v/%ds timeout=%ds additional=%d queues=%d backfill=%s",
			c.Name, c.RuleSetName, c.FlexMatchMode, c.AcceptanceRequired, c.AcceptanceTimeoutSeconds,
			c.RequestTimeoutSeconds, c.AdditionalPlayerCount, len(c.GameSessionQueueArns), c.BackfillMode)
	case opStart, opBackfill:
		players := o.Start.Players
		if o.Kind == opStart {
			fmt.Fprintf(&b, " cfg=%s id=%q players=", o.Start.ConfigurationName, o.Start.TicketID)
		} else {
			players = o.Backfill.Players
			fmt.Fprintf(&b, " cfg=%s id=%q session=%q players=", o.Backfill.ConfigurationName, o.Backfill.TicketID, o.Backfill.GameSessionArn)
		}
		for i, p := range players {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(p.PlayerID)
			if p.Team != "" {
				b.WriteString("@" + p.Team)
			}
			names := make([]string, 0, len(p.PlayerAttributes))
			for n := range p.PlayerAttributes {
				names = append(names, n)
			}
			sort.Strings(names)
			var attrs []string
			for _, n := range names {
				v, _ := json.Marshal(p.PlayerAttributes[n])
				attrs = append(attrs, n+"="+string(v))
			}
			lat, _ := json.Marshal(p.LatencyInMs)
			fmt.Fprintf(&b, "{%s lat=%s}", strings.Join(attrs, " "), lat)
		}
	case opStop:
		fmt.Fprintf(&b, " %q", o.ID)
	case opAccept:
		fmt.Fprintf(&b, " %s %v %s", o.Accept.TicketID, o.Accept.PlayerIDs, o.Accept.AcceptanceType)
	case opComplete:
		fmt.Fprintf(&b, " match=%s arn=%q", o.Complete.MatchID, o.Complete.GameSessionArn)
	case opFail:
		fmt.Fprintf(&b, " match=%s reason=%q", o.Fail.MatchID, o.Fail.Reason)
	case opDescribe:
		fmt.Fprintf(&b, " %v", o.IDs)
	case opLeft:
		fmt.Fprintf(&b, " session=%q players=%v", o.Session, o.IDs)
	}
	if o.Err != "" {
		fmt.Fprintf(&b, "  => error: %s", o.Err)
	} else if o.Result != "" {
		fmt.Fprintf(&b, "  => %s", o.Result)
	}
	return b.String()
}

// smRun replays operations on a fresh engine and returns its events as JSON
// lines; skipRejected leaves out the operations that were rejected.
func smRun(cfg gamelift.Options, ops []smOp, skipRejected bool) ([]byte, error) {
	e, err := gamelift.NewService(cfg)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	for i := range ops {
		if skipRejected && ops[i].Err != "" {
			continue
		}
		for _, ev := range ops[i].apply(e).events {
			b, err := json.Marshal(ev)
			if err != nil {
				return nil, err
			}
			out.Write(b)
			out.WriteByte('\n')
		}
	}
	return out.Bytes(), nil
}

// ---------------------------------------------------------------------------
// The model.

type smConfig struct {
	name, arn  string
	rs         *oracle.RuleSet
	withQueue  bool
	acceptance bool
	timeout    time.Duration
	accTimeout time.Duration
	additional int
	auto       bool // BackfillMode AUTOMATIC
	capacity   int  // players a game session holds: the teams' maxPlayers, less additional in WITH_QUEUE
}

type smTicket struct {
	id        string
	cfg       *smConfig
	start     time.Time
	players   []ticket.Player
	status    ticket.Status // derived from the events
	end       time.Time     // time of the event that ended it
	match     *smMatch      // the live match holding it
	teams     []string      // its players' teams in the last match proposed
	lastMatch string        // the last match it was proposed in
	bf        *smBackfill   // set for backfill tickets
	createdOp int           // the operation that created it
	wantConn  bool          // completed with player sessions (a placed game)
}

// smBackfill is what the model knows of a backfill ticket.
type smBackfill struct {
	session string     // the GameSessionArn it names ("" for none)
	sess    *smSession // the model's session it was requested for, nil when unknown
	auto    bool       // opened by the engine (D24)
	teams   []string   // the team of each player, as requested
	gone    []string   // players reported left while the request was open
}

// smSession is a game session: a completed match and what backfills and
// departures did to it.
type smSession struct {
	key      string // GameSessionArn, or the match id in STANDALONE mode
	cfg      *smConfig
	location string
	placed   bool        // placed by CompletePlacement (player sessions exist)
	opened   bool        // opened by a backfill match (the engine did not know the session)
	players  []smSeat    // current players, in arrival order
	origin   []*smTicket // the tickets of the match the engine keeps the session by
	autoOff  bool        // its automatic backfill ticket was stopped
	expect   bool        // must have an active backfill ticket after this operation (k)
}

// smSeat is a player in a game session.
type smSeat struct {
	id, team string
	p        ticket.Player // as requested, for backfill requests
}

type smMatch struct {
	id        string
	cfg       *smConfig
	created   time.Time
	tickets   []*smTicket // as proposed; a ticket cancelled out of it has match nil
	accepting bool        // waiting for acceptance
	placing   bool        // waiting for placement
	placeFrom time.Time   // when it began waiting for placement
	backfill  *smTicket   // its backfill ticket, if any
	location  string
}

// smStats sums what the runs exercised, to show that the test is not
// vacuous.
type smStats struct {
	runs, ops, rejected, oracle int
	byKind, rejectedByKind      map[smKind]int
	events                      map[string]int
	matches                     map[string]int // by rule set
	statuses                    map[ticket.Status]int

	// Backfill: requests accepted, backfill matches (of the large rule set),
	// automatic backfill tickets, departures reported, game sessions.
	bfRequests, bfMatches, bfLarge, autoTickets, departures, games int
}

type smState struct {
	cfg      gamelift.Options
	e        *gamelift.Service
	now      time.Time
	lastStep time.Time
	stepped  bool
	ops      []smOp
	events   bytes.Buffer

	ruleSets   map[string]*oracle.RuleSet
	configs    []*smConfig
	byName     map[string]*smConfig
	tickets    map[string]*smTicket
	order      []*smTicket
	matches    map[string]*smMatch // live matches
	seen       map[string]bool     // every match id ever proposed
	eventIDs   map[string]bool     // every event id
	sessions   []string            // game session ARNs given to CompletePlacement
	nextID     int
	nextPlayer int
	stats      *smStats

	games     map[string]*smSession // game sessions the engine keeps, by key
	bfMatches map[string]bool       // every backfill match id
	nextGhost int
}

func (s *smState) fail(t *rapid.T, inv, format string, args ...any) {
	t.Helper()
	var b strings.Builder
	for i := range s.ops {
		fmt.Fprintf(&b, "  #%-3d %s\n", i, s.ops[i].String())
	}
	t.Fatalf("invariant (%s) violated: %s\nseed %d; operation log:\n%s", inv, fmt.Sprintf(format, args...), s.cfg.Engine.Seed, b.String())
}

// snapshot is everything a rejected request must leave unchanged (D25).
func (s *smState) snapshot() string {
	var b strings.Builder
	for _, tk := range s.order {
		if v, ok := s.e.Ticket(tk.id); ok {
			j, _ := json.Marshal(v)
			b.Write(j)
		} else {
			b.WriteString("forgotten " + tk.id)
		}
		b.WriteByte('\n')
	}
	counts, _ := json.Marshal(s.e.Engine().Counts())
	fmt.Fprintf(&b, "counts %s pending %d\n", counts, s.e.Engine().Pending())
	for _, g := range s.sortedGames() {
		d, ok := s.e.MatchmakerData(g.key)
		j, _ := json.Marshal(d)
		fmt.Fprintf(&b, "game %s %v %s\n", g.key, ok, j)
	}
	for token := ""; ; {
		cs, next, err := s.e.DescribeMatchmakingConfigurations(nil, "", 10, token)
		if err != nil {
			fmt.Fprintf(&b, "configurations: %v\n", err)
			break
		}
		j, _ := json.Marshal(cs)
		b.Write(j)
		if token = next; token == "" {
			break
		}
	}
	for token := ""; ; {
		rs, next, err := s.e.DescribeMatchmakingRuleSets(nil, 10, token)
		if err != nil {
			fmt.Fprintf(&b, "rule sets: %v\n", err)
			break
		}
		for _, r := range rs {
			b.WriteString(" " + r.RuleSetName)
		}
		if token = next; token == "" {
			break
		}
	}
	return b.String()
}

// do applies op to the engine, records it, and checks (g) when the engine
// rejects it. The caller registers what the operation created, then calls
// absorb with the events.
func (s *smState) do(t *rapid.T, op smOp) smResult {
	t.Helper()
	op.At = s.now.Sub(smT0)
	var before string
	if op.Kind != opStep {
		before = s.snapshot()
	}
	res := op.apply(s.e)
	if res.err != nil {
		op.Err = res.err.Error()
	}
	s.ops = append(s.ops, op)
	s.stats.ops++
	s.stats.byKind[op.Kind]++
	if op.Kind == opStep {
		s.lastStep, s.stepped = s.now, true
	}
	if res.err == nil {
		return res
	}
	s.stats.rejected++
	s.stats.rejectedByKind[op.Kind]++
	var apiErr *gamelift.Error
	if !errors.As(res.err, &apiErr) || !(errors.Is(res.err, gamelift.ErrInvalidRequest) || errors.Is(res.err, gamelift.ErrNotFound) || errors.Is(res.err, gamelift.ErrLimitExceeded)) {
		s.fail(t, "g", "%s returned %v, which is not an *gamelift.Error of a GameLift exception", op.Kind, res.err)
	}
	if len(res.events) > 0 {
		s.absorb(t, res.events)
		s.fail(t, "g", "the rejected %s emitted %d events", op.Kind, len(res.events))
	}
	if after := s.snapshot(); after != before {
		s.fail(t, "g", "the rejected %s changed the engine:\nbefore:\n%s\nafter:\n%s", op.Kind, before, after)
	}
	return res
}

func (s *smState) note(result string) { s.ops[len(s.ops)-1].Result = result }

// smShort shortens a generated id for the log.
func smShort(id string) string {
	if len(id) == 36 {
		return id[:8]
	}
	return id
}

// smReasons are the StatusReason codes each terminal status allows (D19).
var smReasons = map[ticket.Status][]string{
	ticket.StatusCompleted: {""},
	ticket.StatusCancelled: {ticket.ReasonDuplicatePlayer, ticket.ReasonAcceptanceRejected, ticket.ReasonAcceptanceTimeout, ticket.ReasonCancelledByRequest,
		ticket.ReasonReplacedByNewBackfill},
	ticket.StatusTimedOut: {ticket.ReasonRequestTimeout},
	ticket.StatusFailed:   {ticket.ReasonPlacementFailed, ticket.ReasonPlacementTimeout},
}

// legal reports whether a ticket may move from one status to another (SPEC
// 10.2, D14-D17) in a configuration with or without a queue and acceptance.
// A backfill match skips placement (its game session exists): its tickets
// move as in a configuration without a queue.
func smLegal(from, to ticket.Status, withQueue, acceptance bool) bool {
	switch from {
	case ticket.StatusQueued:
		return to == ticket.StatusSearching || to == ticket.StatusCancelled || to == ticket.StatusTimedOut
	case ticket.StatusSearching:
		switch to {
		case ticket.StatusRequiresAcceptance:
			return acceptance
		case ticket.StatusPlacing:
			return withQueue && !acceptance
		case ticket.StatusCompleted:
			return !withQueue && !acceptance
		case ticket.StatusCancelled, ticket.StatusTimedOut:
			return true
		}
	case ticket.StatusRequiresAcceptance:
		switch to {
		case ticket.StatusSearching, ticket.StatusCancelled:
			return true
		case ticket.StatusPlacing:
			return withQueue
		case ticket.StatusCompleted:
			return !withQueue
		}
	case ticket.StatusPlacing:
		return to == ticket.StatusCompleted || to == ticket.StatusFailed
	}
	return false
}

// absorb checks and applies a batch of events to the model.
func (s *smState) absorb(t *rapid.T, evs []gamelift.Event) {
	t.Helper()
	if len(evs) > 0 && len(s.ops) > 0 {
		var b strings.Builder
		for i := range evs {
			d := &evs[i].Detail
			b.WriteString(" " + d.Type)
			if d.Acceptance != "" {
				b.WriteString("/" + d.Acceptance)
			}
			b.WriteString("[")
			for j, et := range d.Tickets {
				if j > 0 {
					b.WriteString(" ")
				}
				b.WriteString(smShort(et.TicketID))
			}
			if d.MatchID != "" {
				b.WriteString(" m=" + smShort(d.MatchID))
			}
			b.WriteString("]")
		}
		op := &s.ops[len(s.ops)-1]
		op.Result = strings.TrimSpace(op.Result + " events:" + b.String())
	}
	for i := range evs {
		s.event(t, &evs[i])
	}
	for _, m := range s.sortedMatches() {
		if !m.accepting && !m.placing {
			if m.backfill != nil {
				s.fail(t, "i", "backfill match %s was proposed or accepted but did not succeed in the same operation (its game session exists: no placement)", m.id)
			}
			s.fail(t, "e", "match %s was proposed without acceptance in STANDALONE mode but did not succeed in the same operation", m.id)
		}
	}
	s.adoptAuto(t)
}

func (s *smState) sortedMatches() []*smMatch {
	return slices.SortedFunc(maps.Values(s.matches), func(a, b *smMatch) int { return strings.Compare(a.id, b.id) })
}

func (s *smState) event(t *rapid.T, ev *gamelift.Event) {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		s.fail(t, "f", "event does not encode: %v", err)
	}
	s.events.Write(b)
	s.events.WriteByte('\n')
	d := &ev.Detail
	s.stats.events[d.Type]++
	if ev.Version != "0" || ev.DetailType != gamelift.DetailType || ev.Source != "matchforge" || ev.Account != "000000000000" || ev.Region != "local" {
		s.fail(t, "e", "%s event envelope %q %q %q %q %q; want the defaults (D18)", d.Type, ev.Version, ev.DetailType, ev.Source, ev.Account, ev.Region)
	}
	if ev.ID == "" || s.eventIDs[ev.ID] {
		s.fail(t, "e", "%s event id %q is empty or repeats an earlier event's", d.Type, ev.ID)
	}
	s.eventIDs[ev.ID] = true
	if !ev.Time.Equal(s.now) {
		s.fail(t, "e", "%s event at %v, during an operation at %v", d.Type, ev.Time.Time, s.now)
	}
	if len(d.Tickets) == 0 {
		s.fail(t, "e", "%s event lists no tickets", d.Type)
	}
	var ts []*smTicket
	for _, et := range d.Tickets {
		tk := s.tickets[et.TicketID]
		if tk == nil {
			s.fail(t, "e", "%s event names ticket %s, which no StartMatchmaking or StartMatchBackfill created, nor the automatic backfill of a game session", d.Type, et.TicketID)
		}
		if len(et.Players) != len(tk.players) {
			s.fail(t, "e", "%s event lists %d players of ticket %s, which has %d", d.Type, len(et.Players), tk.id, len(tk.players))
		}
		for i, p := range et.Players {
			if p.PlayerID != tk.players[i].PlayerID {
				s.fail(t, "e", "%s event lists player %s of ticket %s where the request has %s", d.Type, p.PlayerID, tk.id, tk.players[i].PlayerID)
			}
		}
		if slices.Contains(ts, tk) {
			s.fail(t, "e", "%s event lists ticket %s twice", d.Type, tk.id)
		}
		ts = append(ts, tk)
	}
	cfg := ts[0].cfg
	for _, tk := range ts {
		if tk.cfg != cfg {
			s.fail(t, "e", "%s event mixes tickets of configurations %s and %s", d.Type, cfg.name, tk.cfg.name)
		}
	}
	if len(ev.Resources) != 1 || ev.Resources[0] != cfg.arn {
		s.fail(t, "e", "%s event resources %v; want [%s]", d.Type, ev.Resources, cfg.arn)
	}
	now := ev.Time.Time
	m := s.matches[d.MatchID]
	switch d.Type {
	case gamelift.EventPotentialMatchCreated:
		s.proposed(t, ev, ts)
	case gamelift.EventAcceptMatch:
		if m == nil || !m.accepting || !sameTickets(m.tickets, ts) {
			s.fail(t, "e", "AcceptMatch event for match %s, which is not waiting for acceptance with these tickets", d.MatchID)
		}
	case gamelift.EventAcceptMatchCompleted:
		if m == nil || !m.accepting || !sameTickets(m.tickets, ts) {
			s.fail(t, "e", "AcceptMatchCompleted event for match %s, which is not waiting for acceptance with these tickets", d.MatchID)
		}
		m.accepting = false
		switch d.Acceptance {
		case gamelift.AcceptanceAccepted:
			m.placing = cfg.withQueue && m.backfill == nil
			m.placeFrom = now
		case gamelift.AcceptanceTimedOut:
			if now.Before(m.created.Add(cfg.accTimeout)) {
				s.fail(t, "d", "match %s timed out its acceptance at %v, before its deadline %v (D15)", m.id, now, m.created.Add(cfg.accTimeout))
			}
			s.drop(m)
		case gamelift.AcceptanceRejected:
			s.drop(m)
		default:
			s.fail(t, "e", "AcceptMatchCompleted with acceptance %q", d.Acceptance)
		}
	case gamelift.EventMatchmakingSucceeded:
		if m == nil || m.accepting || !sameTickets(m.tickets, ts) {
			s.fail(t, "e", "MatchmakingSucceeded for match %s, which is not a proceeding match with these tickets", d.MatchID)
		}
		// Player sessions: every player of a placed match; in a backfill
		// match, the new players of a placed game session only.
		var game *smSession
		if m.backfill != nil {
			game = s.games[m.backfill.bf.sessionKey(m.id)]
		}
		for i, et := range d.Tickets {
			want := cfg.withQueue
			if m.backfill != nil {
				want = ts[i] != m.backfill && game != nil && game.placed
			}
			ts[i].wantConn = want
			for j, p := range et.Players {
				if p.Team != ts[i].teams[j] {
					s.fail(t, "e", "MatchmakingSucceeded puts player %s on %q; PotentialMatchCreated put it on %q", p.PlayerID, p.Team, ts[i].teams[j])
				}
				if want && p.PlayerSessionID == "" {
					s.fail(t, "e", "MatchmakingSucceeded of a placed match gives player %s no player session", p.PlayerID)
				}
				if !want && m.backfill != nil && p.PlayerSessionID != "" {
					s.fail(t, "i", "MatchmakingSucceeded of backfill match %s gives player %s a player session %s; only new players of a placed game get one", m.id, p.PlayerID, p.PlayerSessionID)
				}
			}
		}
		s.completeGame(t, m, ts, d)
		s.drop(m)
	case gamelift.EventMatchmakingFailed:
		if m == nil || !m.placing || !sameTickets(m.tickets, ts) {
			s.fail(t, "e", "MatchmakingFailed for match %s, which is not placing with these tickets", d.MatchID)
		}
		if d.Reason == "TIMED_OUT" && now.Before(s.placeDeadline(m)) {
			s.fail(t, "d", "match %s timed out its placement at %v, before its deadline %v", m.id, now, s.placeDeadline(m))
		}
		s.drop(m)
	case gamelift.EventMatchmakingCancelled:
		for _, tk := range ts {
			switch {
			case d.MatchID == "" && tk.match != nil:
				s.fail(t, "e", "MatchmakingCancelled for ticket %s without the id of its match %s", tk.id, tk.match.id)
			case d.MatchID != "" && tk.lastMatch != d.MatchID:
				s.fail(t, "e", "MatchmakingCancelled for ticket %s names match %s; the ticket was last in %q", tk.id, d.MatchID, tk.lastMatch)
			}
			tk.match = nil // events about the match still list it

		}
	case gamelift.EventMatchmakingTimedOut:
		for _, tk := range ts {
			if tk.match != nil {
				s.fail(t, "d", "ticket %s timed out while in match %s (D16)", tk.id, tk.match.id)
			}
			if now.Before(tk.start.Add(tk.cfg.timeout)) {
				s.fail(t, "d", "ticket %s timed out at %v, before its deadline %v (D16)", tk.id, now, tk.start.Add(tk.cfg.timeout))
			}
		}
	case gamelift.EventMatchmakingSearching:
		for _, tk := range ts {
			if tk.match != nil {
				s.fail(t, "e", "MatchmakingSearching for ticket %s, which is in live match %s", tk.id, tk.match.id)
			}
		}
	default:
		s.fail(t, "e", "unknown event type %q", d.Type)
	}
	withQueue := cfg.withQueue && !s.bfMatches[d.MatchID] // a backfill match skips placement
	to := statusAfter(ev, withQueue)
	if to == "" {
		return
	}
	for _, tk := range ts {
		if !smLegal(tk.status, to, withQueue, cfg.acceptance) {
			s.fail(t, "d", "%s event moves ticket %s (configuration %s, withQueue %v, acceptance %v) from %s to %s",
				d.Type, tk.id, cfg.name, cfg.withQueue, cfg.acceptance, tk.status, to)
		}
		tk.status = to
		s.stats.statuses[to]++
		if to.Terminal() {
			tk.end = now
		}
	}
}

func sameTickets(a, b []*smTicket) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func (s *smState) drop(m *smMatch) {
	for _, tk := range m.tickets {
		if tk.match == m {
			tk.match = nil
		}
	}
	delete(s.matches, m.id)
}

// proposed checks a PotentialMatchCreated event: (a) its tickets and
// players are in no other live match, (c) the oracle accepts it, its
// tickets were all searching, (h) it holds at most one backfill ticket,
// (i) whose players keep their requested teams, with at least one new
// ticket, (j) none of whose players is already in the game, and (l) a
// balanced match reports its spread.
func (s *smState) proposed(t *rapid.T, ev *gamelift.Event, ts []*smTicket) {
	t.Helper()
	d := &ev.Detail
	cfg := ts[0].cfg
	if d.MatchID == "" || s.seen[d.MatchID] {
		s.fail(t, "e", "PotentialMatchCreated with match id %q, which is empty or was used before", d.MatchID)
	}
	s.seen[d.MatchID] = true
	if d.AcceptanceRequired == nil || *d.AcceptanceRequired != cfg.acceptance {
		s.fail(t, "e", "PotentialMatchCreated for %s says acceptanceRequired %v; the configuration says %v", cfg.name, d.AcceptanceRequired, cfg.acceptance)
	}
	// A backfill ticket's players are already in their game: they may also
	// be in new tickets, in live matches of their own.
	live := map[string]string{}
	for _, m := range s.matches {
		for _, tk := range m.tickets {
			if tk.match != m || tk.bf != nil {
				continue
			}
			for _, p := range tk.players {
				live[p.PlayerID] = m.id
			}
		}
	}
	var bf *smTicket
	for _, tk := range ts {
		if tk.bf == nil {
			continue
		}
		if bf != nil {
			s.fail(t, "h", "match %s holds backfill tickets %s and %s; a match holds at most one (D23)", d.MatchID, bf.id, tk.id)
		}
		bf = tk
	}
	var game *smSession
	if bf != nil {
		if len(ts) < 2 {
			s.fail(t, "i", "backfill match %s adds no new ticket to backfill ticket %s (D23)", d.MatchID, bf.id)
		}
		if g := s.games[bf.bf.session]; bf.bf.session != "" && g != nil && g == bf.bf.sess {
			game = g
		}
	}
	teamOf := map[string]string{}
	var ots []oracle.Ticket
	for i, tk := range ts {
		if tk.match != nil {
			s.fail(t, "a", "ticket %s is proposed in match %s while in live match %s", tk.id, d.MatchID, tk.match.id)
		}
		if tk.status != ticket.StatusSearching {
			s.fail(t, "d", "ticket %s is proposed in match %s while %s", tk.id, d.MatchID, tk.status)
		}
		for j, p := range tk.players {
			team := d.Tickets[i].Players[j].Team
			if tk.bf != nil {
				if team != tk.bf.teams[j] {
					s.fail(t, "i", "backfill match %s puts existing player %s on %q; backfill ticket %s has it on %q (D23)", d.MatchID, p.PlayerID, team, tk.id, tk.bf.teams[j])
				}
			} else {
				if other, ok := live[p.PlayerID]; ok {
					s.fail(t, "a", "player %s is proposed in match %s while in live match %s", p.PlayerID, d.MatchID, other)
				}
				if bf != nil && slices.ContainsFunc(bf.players, func(q ticket.Player) bool { return q.PlayerID == p.PlayerID }) {
					s.fail(t, "j", "backfill match %s adds player %s (ticket %s), who is already in the game as a player of backfill ticket %s", d.MatchID, p.PlayerID, tk.id, bf.id)
				}
				if game != nil && game.seat(p.PlayerID) >= 0 {
					s.fail(t, "j", "backfill match %s adds player %s (ticket %s) to game session %s, which already holds it", d.MatchID, p.PlayerID, tk.id, game.key)
				}
			}
			teamOf[p.PlayerID] = team
		}
		if tk.bf != nil {
			// Existing players sit on their own teams: each goes to the
			// oracle as a player, not as one party (D23).
			for j, p := range tk.players {
				ots = append(ots, oracle.Ticket{ID: fmt.Sprintf("%s#%d", tk.id, j), Start: tk.start, Players: []ticket.Player{p}})
			}
			continue
		}
		ots = append(ots, oracle.Ticket{ID: tk.id, Start: tk.start, Players: tk.players})
	}
	additional := 0
	if cfg.withQueue {
		additional = cfg.additional
	}
	if err := oracle.Check(cfg.rs, ev.Time.Time, ots, teamOf, d.Location, additional); err != nil {
		j, _ := json.MarshalIndent(d, "", " ")
		s.fail(t, "c", "match %s of configuration %s breaks its rule set: %v\nevent detail: %s", d.MatchID, cfg.name, err, j)
	}
	if attr, ok := smBalanced[cfg.rs.Label]; ok {
		s.checkSpread(t, d, ts, attr)
	}
	s.stats.oracle++
	s.stats.matches[cfg.rs.Label]++
	m := &smMatch{id: d.MatchID, cfg: cfg, created: ev.Time.Time, tickets: slices.Clone(ts),
		accepting: cfg.acceptance, placing: cfg.withQueue && !cfg.acceptance && bf == nil, placeFrom: ev.Time.Time, backfill: bf, location: d.Location}
	if bf != nil {
		s.bfMatches[m.id] = true
		s.stats.bfMatches++
		if cfg.rs.Label == "horde" {
			s.stats.bfLarge++
		}
	}
	s.matches[m.id] = m
	for i, tk := range ts {
		tk.match, tk.lastMatch = m, m.id
		tk.teams = tk.teams[:0]
		for _, p := range d.Tickets[i].Players {
			tk.teams = append(tk.teams, p.Team)
		}
	}
}

// checkSpread checks (l): a match of a rule set with strategy balanced
// reports balanceSpread, the largest minus the smallest of its teams'
// average attr (over teams with players).
func (s *smState) checkSpread(t *rapid.T, d *gamelift.EventDetail, ts []*smTicket, attr string) {
	t.Helper()
	if d.BalanceSpread == nil {
		s.fail(t, "l", "match %s of a balanced rule set reports no balanceSpread", d.MatchID)
	}
	def := math.NaN()
	if d, ok := ts[0].cfg.rs.NumberDefault(attr); ok {
		def = d
	}
	sum, n := map[string]float64{}, map[string]int{}
	for i, tk := range ts {
		for j, p := range tk.players {
			v := def
			if a, ok := p.PlayerAttributes[attr]; ok {
				v = a.N()
			}
			team := d.Tickets[i].Players[j].Team
			sum[team] += v
			n[team]++
		}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for team := range sum {
		avg := sum[team] / float64(n[team])
		lo, hi = min(lo, avg), max(hi, avg)
	}
	if math.Abs((hi-lo)-*d.BalanceSpread) > 1e-6 {
		s.fail(t, "l", "match %s reports balanceSpread %v; its teams' averages of %s spread %v", d.MatchID, *d.BalanceSpread, attr, hi-lo)
	}
}

// sessionKey is the game session a backfill match of this ticket completes
// into: the GameSessionArn it names, else the backfill match itself.
func (b *smBackfill) sessionKey(matchID string) string {
	if b.session != "" {
		return b.session
	}
	return matchID
}

// seat returns the index of a player in the session, or -1.
func (g *smSession) seat(id string) int {
	return slices.IndexFunc(g.players, func(x smSeat) bool { return x.id == id })
}

func (s *smState) sortedGames() []*smSession {
	return slices.SortedFunc(maps.Values(s.games), func(a, b *smSession) int { return strings.Compare(a.key, b.key) })
}

// activeBackfill returns the model's active backfill ticket for a game
// session, if any.
func (s *smState) activeBackfill(key string) *smTicket {
	for _, tk := range s.order {
		if tk.bf != nil && tk.bf.session == key && tk.status.Active() {
			return tk
		}
	}
	return nil
}

// completeGame records a completed match in the model's game sessions: a
// new match opens one (keyed by the match id in STANDALONE mode, by the
// GameSessionArn of its placement otherwise); a backfill match adds its new
// players to the session it names, or opens one from the backfill ticket's
// players when the engine does not know that session (j).
func (s *smState) completeGame(t *rapid.T, m *smMatch, ts []*smTicket, d *gamelift.EventDetail) {
	t.Helper()
	if m.backfill == nil {
		key := m.id
		if m.cfg.withQueue {
			key = d.GameSessionInfo.GameSessionArn
		}
		if key == "" {
			s.fail(t, "e", "MatchmakingSucceeded of placed match %s names no game session", m.id)
		}
		if s.games[key] != nil {
			s.fail(t, "j", "match %s completed into game session %s, which already holds a match", m.id, key)
		}
		g := &smSession{key: key, cfg: m.cfg, location: m.location, placed: m.cfg.withQueue, origin: slices.Clone(ts), expect: true}
		for _, tk := range ts {
			for j, p := range tk.players {
				g.players = append(g.players, smSeat{id: p.PlayerID, team: tk.teams[j], p: p})
			}
		}
		s.games[key] = g
		s.stats.games++
		return
	}
	bf := m.backfill
	key := bf.bf.sessionKey(m.id)
	g := s.games[key]
	if g == nil {
		// The engine does not know this session (any more): the backfill
		// match becomes it.
		g = &smSession{key: key, cfg: bf.cfg, location: m.location, origin: slices.Clone(ts), opened: true}
		s.games[key] = g
		s.stats.games++
	}
	// Either way the session now holds the backfill request's players,
	// which are every player the game reported (a WITH_QUEUE game's own
	// AdditionalPlayerCount players included, and not a player the request
	// left out; SPEC 11), less those reported gone while the request was
	// open, and then the new ones.
	g.players = nil
	for j, p := range bf.players {
		if slices.Contains(bf.bf.gone, p.PlayerID) {
			continue // left while the request was open
		}
		g.players = append(g.players, smSeat{id: p.PlayerID, team: bf.bf.teams[j], p: p})
	}
	for _, tk := range ts {
		if tk == bf {
			continue
		}
		for j, p := range tk.players {
			if g.seat(p.PlayerID) >= 0 {
				s.fail(t, "j", "backfill match %s adds player %s to game session %s, which already holds it", m.id, p.PlayerID, key)
			}
			g.players = append(g.players, smSeat{id: p.PlayerID, team: tk.teams[j], p: p})
		}
	}
	g.expect = true
}

// adoptAuto registers the automatic backfill tickets the engine opened in
// the last operation, found in the game sessions' matchmaker data, and
// checks (k) that each lists the session's current players with their
// teams, and latency at the session's location only.
func (s *smState) adoptAuto(t *rapid.T) {
	t.Helper()
	for _, g := range s.sortedGames() {
		if !g.cfg.auto {
			continue
		}
		d, ok := s.e.MatchmakerData(g.key)
		if !ok || d.AutoBackfillTicketID == nil {
			continue
		}
		id := *d.AutoBackfillTicketID
		if tk := s.tickets[id]; tk != nil {
			if tk.bf == nil || !tk.bf.auto || tk.bf.session != g.key {
				s.fail(t, "k", "the matchmaker data of game session %s names autoBackfillTicketId %s, which is not an automatic backfill ticket of that session", g.key, id)
			}
			continue
		}
		v, ok := s.e.Ticket(id)
		if !ok {
			s.fail(t, "k", "the matchmaker data of game session %s names autoBackfillTicketId %s, which the engine does not know", g.key, id)
		}
		if v.Status != ticket.StatusQueued || !v.StartTime.Equal(s.now) || v.ConfigurationName != g.cfg.name {
			s.fail(t, "k", "automatic backfill ticket %s of game session %s is %s, started %v, configuration %s; want a new QUEUED ticket of %s started %v",
				id, g.key, v.Status, v.StartTime, v.ConfigurationName, g.cfg.name, s.now)
		}
		var got, want []string
		teams := make([]string, len(v.Players))
		for i, p := range v.Players {
			got = append(got, p.PlayerID+"@"+p.Team)
			teams[i] = p.Team
			k := g.seat(p.PlayerID)
			if k < 0 {
				continue
			}
			var wantLat map[string]int
			if ms, ok := g.players[k].p.LatencyInMs[g.location]; ok && g.location != "" {
				wantLat = map[string]int{g.location: ms}
			}
			if len(p.LatencyInMs) != len(wantLat) || len(wantLat) > 0 && p.LatencyInMs[g.location] != wantLat[g.location] {
				s.fail(t, "k", "automatic backfill ticket %s gives player %s latency %v; the game session (opened by a backfill: %v) is at %q, where the player reported %v (SPEC 11: latency for the session's location only)",
					id, p.PlayerID, p.LatencyInMs, g.opened, g.location, wantLat)
			}
		}
		for _, seat := range g.players {
			want = append(want, seat.id+"@"+seat.team)
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			s.fail(t, "k", "automatic backfill ticket %s of game session %s lists %v; the session holds %v", id, g.key, got, want)
		}
		tk := &smTicket{id: id, cfg: g.cfg, start: v.StartTime.Time, players: v.Players, status: ticket.StatusQueued, createdOp: len(s.ops),
			bf: &smBackfill{session: g.key, sess: g, auto: true, teams: teams}}
		s.tickets[id] = tk
		s.order = append(s.order, tk)
		s.stats.autoTickets++
		s.stats.statuses[ticket.StatusQueued]++
	}
}

// check runs after every operation.
func (s *smState) check(t *rapid.T) {
	t.Helper()
	visible := 0
	active := map[string]string{}
	justStepped := len(s.ops) > 0 && s.ops[len(s.ops)-1].Kind == opStep
	for _, tk := range s.order {
		v, ok := s.e.Ticket(tk.id)
		if !ok {
			switch {
			case !tk.status.Terminal():
				s.fail(t, "b", "ticket %s (%s by its events) can no longer be described", tk.id, tk.status)
			case !s.stepped || tk.end.Add(s.cfg.Engine.TicketRetention).After(s.lastStep):
				s.fail(t, "b", "ticket %s ended at %v and was forgotten before its retention of %v ended", tk.id, tk.end, s.cfg.Engine.TicketRetention)
			}
			continue
		}
		visible++
		if !v.Status.Valid() {
			s.fail(t, "b", "ticket %s has status %q", tk.id, v.Status)
		}
		if v.Status != tk.status {
			s.fail(t, "e", "ticket %s is %s, but its events say %s (a status change without its event, or an event without its change)", tk.id, v.Status, tk.status)
		}
		if want, ok := smReasons[tk.status]; ok && !slices.Contains(want, v.StatusReason) {
			s.fail(t, "d", "ticket %s is %s with StatusReason %q; want one of %q (D19)", tk.id, tk.status, v.StatusReason, want)
		}
		if v.StatusReason == ticket.ReasonReplacedByNewBackfill && tk.bf == nil {
			s.fail(t, "h", "ticket %s, which is not a backfill ticket, is %s with reason %s", tk.id, tk.status, v.StatusReason)
		}
		if tk.status == ticket.StatusCompleted {
			for i, p := range v.Players {
				if p.Team != tk.teams[i] {
					s.fail(t, "b", "completed ticket %s shows player %s on %q; its match put it on %q", tk.id, p.PlayerID, p.Team, tk.teams[i])
				}
			}
			if tk.wantConn && (v.GameSessionConnectionInfo == nil || len(v.GameSessionConnectionInfo.MatchedPlayerSessions) != len(tk.players)) {
				s.fail(t, "b", "completed ticket %s of a placed game session has connection info %+v; want a player session per player", tk.id, v.GameSessionConnectionInfo)
			}
			if !tk.wantConn && v.GameSessionConnectionInfo != nil {
				s.fail(t, "b", "completed ticket %s has connection info %+v; its game was not placed, or it is a backfill ticket", tk.id, v.GameSessionConnectionInfo)
			}
		}
		if tk.status.Terminal() {
			if !v.EndTime.Equal(tk.end) {
				s.fail(t, "b", "ticket %s has EndTime %v; its terminal event came at %v", tk.id, v.EndTime, tk.end)
			}
			if s.stepped && !tk.end.Add(s.cfg.Engine.TicketRetention).After(s.lastStep) {
				s.fail(t, "b", "ticket %s ended at %v and is still kept after a step at %v, past its retention of %v", tk.id, tk.end, s.lastStep, s.cfg.Engine.TicketRetention)
			}
		} else {
			if !v.EndTime.IsZero() {
				s.fail(t, "b", "active ticket %s has EndTime %v", tk.id, v.EndTime)
			}
			for _, p := range tk.players {
				if tk.bf != nil {
					break // a backfill ticket's players are in their game already
				}
				if other, dup := active[p.PlayerID]; dup {
					s.fail(t, "a", "player %s is in active tickets %s and %s (D17)", p.PlayerID, other, tk.id)
				}
				active[p.PlayerID] = tk.id
			}
		}
		if len(v.Players) != len(tk.players) {
			s.fail(t, "b", "ticket %s has %d players; the request had %d", tk.id, len(v.Players), len(tk.players))
		}
		for i := range v.Players {
			if v.Players[i].PlayerID != tk.players[i].PlayerID {
				s.fail(t, "b", "ticket %s lists player %s where the request had %s", tk.id, v.Players[i].PlayerID, tk.players[i].PlayerID)
			}
		}
		if justStepped {
			switch tk.status {
			case ticket.StatusQueued:
				if tk.createdOp == len(s.ops) {
					break // an automatic backfill ticket the step opened
				}
				s.fail(t, "d", "ticket %s is still QUEUED after a step", tk.id)
			case ticket.StatusSearching:
				if !s.now.Before(tk.start.Add(tk.cfg.timeout)) {
					s.fail(t, "d", "ticket %s is still SEARCHING after a step at %v, past its request deadline %v (D16)", tk.id, s.now, tk.start.Add(tk.cfg.timeout))
				}
			}
		}
	}
	total := 0
	for _, n := range s.e.Engine().Counts() {
		total += n
	}
	if total != visible {
		s.fail(t, "b", "Counts() sums to %d tickets; %d of the accepted tickets can be described", total, visible)
	}
	tickets, players := map[*smTicket]string{}, map[string]string{}
	for _, m := range s.sortedMatches() {
		for _, tk := range m.tickets {
			if tk.match != m {
				continue // cancelled out of the match, which ends with this operation
			}
			if other, dup := tickets[tk]; dup {
				s.fail(t, "a", "ticket %s is in live matches %s and %s", tk.id, other, m.id)
			}
			tickets[tk] = m.id
			for _, p := range tk.players {
				if tk.bf != nil {
					break
				}
				if other, dup := players[p.PlayerID]; dup && other != m.id {
					s.fail(t, "a", "player %s is in live matches %s and %s", p.PlayerID, other, m.id)
				}
				players[p.PlayerID] = m.id
			}
			want := ticket.StatusPlacing
			if m.accepting {
				want = ticket.StatusRequiresAcceptance
			}
			if tk.status != want {
				s.fail(t, "d", "ticket %s of live match %s is %s; want %s", tk.id, m.id, tk.status, want)
			}
		}
		if m.placing && justStepped && !s.now.Before(s.placeDeadline(m)) {
			s.fail(t, "d", "match %s still waits for placement after a step at %v, past its deadline %v", m.id, s.now, s.placeDeadline(m))
		}
		if m.accepting && justStepped && !s.now.Before(m.created.Add(m.cfg.accTimeout)) {
			s.fail(t, "d", "match %s still waits for acceptance after a step at %v, past its deadline %v (D15)", m.id, s.now, m.created.Add(m.cfg.accTimeout))
		}
	}
	s.checkGames(t)
}

// checkGames checks the game sessions after every operation: (h) at most
// one active backfill ticket per session; (j) the session's matchmaker
// data lists exactly the model's players on their teams; (k) a session
// that just completed a match or lost players, in an AUTOMATIC
// configuration with open slots, has an active backfill ticket, and a
// session is forgotten only when no automatic backfill can need it (and
// its match's tickets are forgotten).
func (s *smState) checkGames(t *rapid.T) {
	t.Helper()
	active := map[string]string{}
	for _, tk := range s.order {
		if tk.bf == nil || tk.bf.session == "" || !tk.status.Active() {
			continue
		}
		if other, dup := active[tk.bf.session]; dup {
			s.fail(t, "h", "game session %s has two active backfill tickets, %s and %s (D22)", tk.bf.session, other, tk.id)
		}
		active[tk.bf.session] = tk.id
	}
	for _, g := range s.sortedGames() {
		d, ok := s.e.MatchmakerData(g.key)
		if !ok {
			if g.cfg.auto && !g.autoOff {
				s.fail(t, "k", "game session %s of AUTOMATIC configuration %s was forgotten while automatic backfill may need it", g.key, g.cfg.name)
			}
			for _, tk := range g.origin {
				if s.tickets[tk.id] != tk {
					continue // forgotten, and its id since reused by a new ticket
				}
				if _, ok := s.e.Ticket(tk.id); ok {
					s.fail(t, "k", "game session %s was forgotten while ticket %s of its match is still retained", g.key, tk.id)
				}
			}
			delete(s.games, g.key)
			continue
		}
		var got, want []string
		for _, team := range d.Teams {
			for _, p := range team.Players {
				got = append(got, p.PlayerID+"@"+team.Name)
			}
		}
		for _, seat := range g.players {
			want = append(want, seat.id+"@"+seat.team)
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			s.fail(t, "j", "the matchmaker data of game session %s lists %v; its matches, backfills and departures give %v", g.key, got, want)
		}
		if g.expect {
			g.expect = false
			if g.cfg.auto && !g.autoOff && len(g.players) > 0 && len(g.players) < g.cfg.capacity && active[g.key] == "" {
				s.fail(t, "k", "game session %s of AUTOMATIC configuration %s has %d of %d players and no active backfill ticket (D24)", g.key, g.cfg.name, len(g.players), g.cfg.capacity)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Actions.

func newSMState(t *rapid.T, stats *smStats) *smState {
	s := &smState{
		cfg: gamelift.Options{Engine: engine.Config{
			Seed:            rapid.Uint64().Draw(t, "seed"),
			TicketRetention: smRetention,
		}, PlacementTimeout: smPlacementTimeout(t)},
		now: smT0, ruleSets: map[string]*oracle.RuleSet{}, byName: map[string]*smConfig{},
		tickets: map[string]*smTicket{}, matches: map[string]*smMatch{}, seen: map[string]bool{}, eventIDs: map[string]bool{},
		stats: stats, games: map[string]*smSession{}, bfMatches: map[string]bool{},
	}
	var err error
	if s.e, err = gamelift.NewService(s.cfg); err != nil {
		t.Fatalf("New: %v", err)
	}
	for _, r := range smRuleSets {
		rs, err := oracle.Parse(r.body)
		if err != nil {
			t.Fatalf("oracle cannot read rule set %s: %v", r.name, err)
		}
		rs.Label = r.name
		s.do(t, smOp{Kind: opRuleSet, RuleSet: gamelift.CreateMatchmakingRuleSetInput{Name: r.name, RuleSetBody: r.body}})
		if e := s.ops[len(s.ops)-1].Err; e != "" {
			t.Fatalf("rule set %s: %s", r.name, e)
		}
		s.ruleSets[r.name] = rs
	}
	for _, r := range smRuleSets {
		s.addConfig(t, r.name)
	}
	return s
}

// addConfig creates a valid configuration for rule set rsName with random
// settings.
func (s *smState) addConfig(t *rapid.T, rsName string) {
	in := gamelift.CreateMatchmakingConfigurationInput{
		Name:                  fmt.Sprintf("%s-%d", rsName, len(s.configs)),
		RuleSetName:           rsName,
		RequestTimeoutSeconds: rapid.IntRange(16, 90).Draw(t, "requestTimeout"),
		AcceptanceRequired:    rapid.Bool().Draw(t, "acceptance"),
	}
	if in.AcceptanceRequired {
		in.AcceptanceTimeoutSeconds = rapid.IntRange(2, 15).Draw(t, "acceptanceTimeout")
	}
	if rapid.Bool().Draw(t, "withQueue") {
		in.FlexMatchMode = gamelift.ModeWithQueue
		in.GameSessionQueueArns = []string{smQueueArn}
		if smChance(t, "additional", 25) {
			in.AdditionalPlayerCount = 1
		}
	} else if rapid.Bool().Draw(t, "explicitStandalone") {
		in.FlexMatchMode = gamelift.ModeStandalone
	}
	switch rapid.IntRange(0, 4).Draw(t, "backfillMode") {
	case 1, 2:
		in.BackfillMode = gamelift.BackfillAuto
	case 3:
		in.BackfillMode = gamelift.BackfillManual
	}
	s.do(t, smOp{Kind: opConfig, Config: in})
	if e := s.ops[len(s.ops)-1].Err; e != "" {
		s.fail(t, "g", "a valid configuration was rejected: %s", e)
	}
	c := &smConfig{
		name: in.Name, arn: "arn:aws:gamelift:local:000000000000:matchmakingconfiguration/" + in.Name,
		rs: s.ruleSets[rsName], withQueue: in.FlexMatchMode == gamelift.ModeWithQueue, acceptance: in.AcceptanceRequired,
		timeout:    time.Duration(in.RequestTimeoutSeconds) * time.Second,
		accTimeout: time.Duration(in.AcceptanceTimeoutSeconds) * time.Second,
		additional: in.AdditionalPlayerCount,
		auto:       in.BackfillMode == gamelift.BackfillAuto,
	}
	c.capacity = c.rs.MaxPlayers()
	if c.withQueue {
		c.capacity -= c.additional
	}
	s.configs = append(s.configs, c)
	s.byName[c.name] = c
}

// Config creates a configuration, or tries an invalid one (D25).
func (s *smState) Config(t *rapid.T) {
	names := []string{"skill", "trios", "lobby", "horde"}
	rsName := rapid.SampledFrom(names).Draw(t, "ruleSet")
	if !smChance(t, "configNow", 40) {
		return
	}
	kind := rapid.IntRange(0, 7).Draw(t, "configKind")
	if kind == 0 && len(s.configs) < 6 {
		s.addConfig(t, rsName)
		return
	}
	in := gamelift.CreateMatchmakingConfigurationInput{Name: "bad", RuleSetName: rsName, RequestTimeoutSeconds: 30}
	switch kind {
	case 0, 1:
		in.Name = s.configs[0].name // a duplicate name
	case 2:
		in.RequestTimeoutSeconds = 3 // before the last expansion (D5)
	case 3:
		in.FlexMatchMode = gamelift.ModeWithQueue // without queues
	case 4:
		in.AcceptanceRequired = true // without a timeout
	case 5:
		in.RuleSetName = "nope"
	case 6:
		in.Name = "bad name!"
	case 7:
		s.do(t, smOp{Kind: opRuleSet, RuleSet: gamelift.CreateMatchmakingRuleSetInput{
			Name: rapid.SampledFrom([]string{"bad", "skill"}).Draw(t, "ruleSetName"), RuleSetBody: `{"ruleLanguageVersion": "1.0", "teams": []}`}})
		return
	}
	s.do(t, smOp{Kind: opConfig, Config: in})
}

// smChance reports true with roughly pct percent probability. rapid draws
// small numbers and the bounds of a range more often than the rest, so the
// outcome is taken from the middle of the range (and shrinks to false).
func smChance(t *rapid.T, label string, pct int) bool {
	v := rapid.IntRange(0, 399).Draw(t, label)
	return v >= 100 && v < 100+3*pct
}

// genPlayer makes a player for a rule set: attributes from small domains,
// some missing (D20) and rarely one of the wrong type (rejected).
func (s *smState) genPlayer(t *rapid.T, rs *oracle.RuleSet, id string) ticket.Player {
	p := ticket.Player{PlayerID: id, PlayerAttributes: map[string]ticket.AttributeValue{}}
	for _, a := range rs.Attributes() {
		n := a.Name
		if smChance(t, "missing", 5) {
			continue // the default applies, or the ticket never matches (D20)
		}
		if smChance(t, "wrongType", 1) { // rejected
			p.PlayerAttributes[n] = ticket.StringList("wrong", "type")
			if a.Type == "string_list" {
				p.PlayerAttributes[n] = ticket.Number(1)
			}
			continue
		}
		switch a.Type {
		case "number":
			p.PlayerAttributes[n] = ticket.Number(rapid.SampledFrom(smNumbers[n]).Draw(t, n))
		case "string":
			p.PlayerAttributes[n] = ticket.String(rapid.SampledFrom(smStrings[n]).Draw(t, n))
		case "string_list":
			items := rapid.SliceOfNDistinct(rapid.SampledFrom(smLists[n]), 0, 2, rapid.ID[string]).Draw(t, n)
			p.PlayerAttributes[n] = ticket.StringList(items...)
		}
	}
	if !smChance(t, "noLatency", 5) {
		p.LatencyInMs = map[string]int{}
		for _, loc := range smLocations {
			if !smChance(t, "unreported", 20) {
				p.LatencyInMs[loc] = rapid.IntRange(10, 150).Draw(t, "ms")
			}
		}
	}
	return p
}

// Start submits one to four tickets of one player.
func (s *smState) Start(t *rapid.T) {
	for range rapid.IntRange(1, 4).Draw(t, "tickets") {
		s.start(t, 1)
	}
}

// StartParty submits one or two parties of 2 or 3 players.
func (s *smState) StartParty(t *rapid.T) {
	for range rapid.IntRange(1, 2).Draw(t, "parties") {
		s.start(t, rapid.IntRange(2, 3).Draw(t, "partySize"))
	}
}

func (s *smState) start(t *rapid.T, n int) {
	s.now = s.now.Add(time.Duration(rapid.IntRange(0, 400).Draw(t, "jitterMs")) * time.Millisecond)
	cfg := rapid.SampledFrom(s.configs).Draw(t, "config")
	in := gamelift.StartMatchmakingInput{ConfigurationName: cfg.name}
	switch {
	case smChance(t, "unknownConfig", 2):
		in.ConfigurationName = "nope"
	case smChance(t, "noPlayers", 1):
		n = 0
	case smChance(t, "elevenPlayers", 1):
		n = 11
	case smChance(t, "byArn", 5):
		in.ConfigurationName = cfg.arn // an ARN works as well as a name
	}
	// Players are mostly new (ids cycle through smPlayers), sometimes one of
	// an active ticket (D17), rarely twice in one request (rejected).
	ids := make([]string, n)
	for i := range ids {
		active := s.activePlayers()
		if len(active) > 0 && smChance(t, "reusePlayer", 8) {
			ids[i] = rapid.SampledFrom(active).Draw(t, "reusedPlayer")
		} else {
			ids[i] = smPlayerIDs[s.nextPlayer%smPlayers]
			s.nextPlayer++
		}
	}
	if n > 1 && smChance(t, "repeatPlayer", 3) {
		ids[1] = ids[0]
	}
	for _, id := range ids {
		in.Players = append(in.Players, s.genPlayer(t, cfg.rs, id))
	}
	switch {
	case smChance(t, "badTicketId", 3):
		in.TicketID = "not a valid id"
		if len(s.order) > 0 && rapid.Bool().Draw(t, "reuseId") {
			in.TicketID = rapid.SampledFrom(s.order).Draw(t, "reusedTicket").id
		}
	case smChance(t, "ownTicketId", 30):
		in.TicketID = fmt.Sprintf("t-%d", s.nextID)
		s.nextID++
	}
	res := s.do(t, smOp{Kind: opStart, Start: in})
	if res.err == nil {
		v := res.ticket
		if v.Status != ticket.StatusQueued || !v.StartTime.Equal(s.now) || (in.TicketID != "" && v.TicketID != in.TicketID) {
			s.fail(t, "b", "StartMatchmaking returned ticket %s %s started %v; want a new QUEUED ticket started %v", v.TicketID, v.Status, v.StartTime, s.now)
		}
		s.reuseID(t, "StartMatchmaking", v.TicketID)
		s.note("ticket " + smShort(v.TicketID))
		players := make([]ticket.Player, len(in.Players))
		copy(players, in.Players)
		tk := &smTicket{id: v.TicketID, cfg: s.byName[v.ConfigurationName], start: s.now, players: players, status: ticket.StatusQueued}
		if tk.cfg == nil {
			s.fail(t, "b", "ticket %s names configuration %q", v.TicketID, v.ConfigurationName)
		}
		s.tickets[tk.id] = tk
		s.order = append(s.order, tk)
		s.stats.statuses[ticket.StatusQueued]++
	}
	s.absorb(t, res.events)
}

// activePlayers lists the players of active tickets, in ticket order.
// reuseID checks that op gave a new ticket the id of no ticket still
// retained (an id is free again once its ticket is forgotten), and drops
// the forgotten ticket of that id from the model.
func (s *smState) reuseID(t *rapid.T, op, id string) {
	old := s.tickets[id]
	if old == nil {
		return
	}
	if !old.status.Terminal() || old.end.Add(s.cfg.Engine.TicketRetention).After(s.lastStep) {
		s.fail(t, "b", "%s reused the id of ticket %s, which is %s and still retained", op, old.id, old.status)
	}
	s.order = slices.DeleteFunc(s.order, func(x *smTicket) bool { return x == old })
}

func (s *smState) activePlayers() []string {
	var out []string
	for _, tk := range s.order {
		if tk.status.Active() && tk.bf == nil {
			for _, p := range tk.players {
				out = append(out, p.PlayerID)
			}
		}
	}
	return out
}

// pickTicket draws a known ticket, preferring those in one of the given
// statuses.
func (s *smState) pickTicket(t *rapid.T, prefer ...ticket.Status) *smTicket {
	var pool []*smTicket
	for _, tk := range s.order {
		if slices.Contains(prefer, tk.status) {
			pool = append(pool, tk)
		}
	}
	if len(pool) == 0 || smChance(t, "anyTicket", 10) {
		pool = s.order
	}
	if len(pool) == 0 {
		return nil
	}
	return rapid.SampledFrom(pool).Draw(t, "ticket")
}

// Stop cancels a ticket: allowed while QUEUED, SEARCHING or
// REQUIRES_ACCEPTANCE, rejected otherwise (D25).
func (s *smState) Stop(t *rapid.T) {
	tk := s.pickTicket(t, ticket.StatusQueued, ticket.StatusSearching, ticket.StatusRequiresAcceptance)
	id := "unknown-ticket"
	if tk != nil && !smChance(t, "unknownStop", 5) {
		id = tk.id
	}
	res := s.do(t, smOp{Kind: opStop, ID: id})
	s.absorb(t, res.events)
	if tk == nil || id != tk.id {
		if res.err == nil {
			s.fail(t, "g", "StopMatchmaking of an unknown ticket succeeded")
		}
		return
	}
	if v, ok := s.e.Ticket(tk.id); ok && res.err == nil && v.Status != ticket.StatusCancelled {
		s.fail(t, "d", "StopMatchmaking succeeded but ticket %s is %s", tk.id, v.Status)
	}
	if res.err == nil && tk.bf != nil && tk.bf.auto {
		// Stopping an automatic backfill ticket turns automatic backfill
		// off for its game session (D24).
		if g := s.games[tk.bf.session]; g != nil {
			g.autoOff = true
		}
	}
}

// Accept answers for some players of a ticket, mostly one that waits for
// acceptance.
func (s *smState) Accept(t *rapid.T) {
	tk := s.pickTicket(t, ticket.StatusRequiresAcceptance)
	if tk == nil || tk.status != ticket.StatusRequiresAcceptance && !smChance(t, "acceptAnyway", 10) {
		return
	}
	status := tk.status
	ids := make([]string, len(tk.players))
	for i, p := range tk.players {
		ids[i] = p.PlayerID
	}
	in := gamelift.AcceptMatchInput{TicketID: tk.id, AcceptanceType: gamelift.Accept}
	switch {
	case smChance(t, "reject", 15):
		in.AcceptanceType = gamelift.Reject
		in.PlayerIDs = rapid.SliceOfNDistinct(rapid.SampledFrom(ids), 1, len(ids), rapid.ID[string]).Draw(t, "who")
	case smChance(t, "maybe", 3):
		in.AcceptanceType = "MAYBE"
		in.PlayerIDs = ids
	case smChance(t, "stranger", 3):
		in.PlayerIDs = []string{"stranger"}
	case smChance(t, "somePlayers", 30):
		in.PlayerIDs = rapid.SliceOfNDistinct(rapid.SampledFrom(ids), 1, len(ids), rapid.ID[string]).Draw(t, "who")
	default:
		in.PlayerIDs = ids
	}
	late := tk.match != nil && tk.match.accepting && !s.now.Before(tk.match.created.Add(tk.match.cfg.accTimeout))
	res := s.do(t, smOp{Kind: opAccept, Accept: in})
	s.absorb(t, res.events)
	if late && res.err == nil {
		s.fail(t, "d", "AcceptMatch on ticket %s at %v was honoured, past its match's acceptance deadline %v: deadlines are judged at the time of the call", tk.id, s.now, tk.match.created.Add(tk.match.cfg.accTimeout))
	}
	if status != ticket.StatusRequiresAcceptance && res.err == nil {
		s.fail(t, "d", "AcceptMatch on ticket %s in %s succeeded; only REQUIRES_ACCEPTANCE takes answers (D25)", tk.id, status)
	}
}

// Placement reports a WITH_QUEUE match's placement as complete or failed.
func (s *smState) Placement(t *rapid.T) {
	var placing []*smMatch
	for _, m := range s.sortedMatches() {
		if m.placing {
			placing = append(placing, m)
		}
	}
	if len(placing) == 0 && !smChance(t, "placeAnyway", 10) {
		return
	}
	id := "unknown-match"
	var m *smMatch
	if len(placing) > 0 && !smChance(t, "unknownMatch", 5) {
		m = rapid.SampledFrom(placing).Draw(t, "match")
		id = m.id
	} else if len(s.seen) > 0 && rapid.Bool().Draw(t, "oldMatch") {
		ids := make([]string, 0, len(s.seen))
		for k := range s.seen {
			ids = append(ids, k)
		}
		sort.Strings(ids)
		id = rapid.SampledFrom(ids).Draw(t, "oldMatchId")
		m = s.matches[id]
	}
	var res smResult
	if !smChance(t, "placementFailed", 30) {
		arn := fmt.Sprintf("arn:aws:gamelift:local::gamesession/main/gs-%d", len(s.sessions))
		games := s.sortedGames()
		used := false
		switch {
		case smChance(t, "badArn", 4):
			arn = "not an arn!"
		case smChance(t, "usedArn", 5) && len(games) > 0:
			// A game session the engine keeps (placed, STANDALONE or
			// opened by a backfill): its id is taken.
			arn = rapid.SampledFrom(games).Draw(t, "usedArnValue").key
			used = true
		}
		res = s.do(t, smOp{Kind: opComplete, Complete: gamelift.CompletePlacementInput{MatchID: id, GameSessionArn: arn, IPAddress: "10.0.0.1", Port: 7777}})
		if res.err == nil {
			s.sessions = append(s.sessions, arn)
		}
		if res.err == nil && used {
			s.absorb(t, res.events)
			s.fail(t, "j", "CompletePlacement of match %s into game session %s, which holds another match, succeeded", id, arn)
		}
	} else {
		res = s.do(t, smOp{Kind: opFail, Fail: gamelift.FailPlacementInput{MatchID: id, Reason: "NO_CAPACITY"}})
	}
	s.absorb(t, res.events)
	if res.err == nil && m != nil && m.placing && !s.now.Before(s.placeDeadline(m)) {
		s.fail(t, "d", "a placement report for match %s at %v succeeded, past its placement deadline %v: deadlines are judged at the time of the call", id, s.now, s.placeDeadline(m))
	}
	if res.err == nil && (m == nil || !m.placing) {
		s.fail(t, "d", "a placement report for match %s, which is not placing, succeeded", id)
	}
}

// Backfill submits a StartMatchBackfill request: mostly for a game session
// the engine keeps, listing its current players with their teams and their
// latency at the session's location only (SPEC 11); sometimes for a
// session the engine does not know, or for none; sometimes bad (missing or
// unknown Team, 200 players, a repeated player, an unknown configuration,
// a bad ARN), which must be rejected (D25). A request for a session with
// an active backfill ticket replaces it (D22).
func (s *smState) Backfill(t *rapid.T) {
	s.now = s.now.Add(time.Duration(rapid.IntRange(0, 400).Draw(t, "jitterMs")) * time.Millisecond)
	games := s.sortedGames()
	var g *smSession
	var cfg *smConfig
	var in gamelift.StartMatchBackfillInput
	if len(games) > 0 && !smChance(t, "ghostSession", 15) {
		g = rapid.SampledFrom(games).Draw(t, "game")
		cfg = g.cfg
		in.GameSessionArn = g.key
		for _, seat := range g.players {
			p := seat.p
			p.Team = seat.team
			p.LatencyInMs = nil
			if ms, ok := seat.p.LatencyInMs[g.location]; ok && g.location != "" {
				p.LatencyInMs = map[string]int{g.location: ms}
			}
			in.Players = append(in.Players, p)
		}
	} else {
		cfg = rapid.SampledFrom(s.configs).Draw(t, "config")
		s.nextGhost++
		in.GameSessionArn = fmt.Sprintf("arn:aws:gamelift:local::gamesession/main/ghost-%d", s.nextGhost)
		for range rapid.IntRange(1, 3).Draw(t, "ghostPlayers") {
			id := smPlayerIDs[s.nextPlayer%smPlayers]
			s.nextPlayer++
			p := s.genPlayer(t, cfg.rs, id)
			p.Team = rapid.SampledFrom(cfg.rs.TeamNames()).Draw(t, "ghostTeam")
			in.Players = append(in.Players, p)
		}
	}
	in.ConfigurationName = cfg.name
	valid := g != nil && len(in.Players) > 0 // a faithful request: must be accepted
	bad := ""                                // a bad request: must be rejected
	switch n := len(in.Players); {
	case smChance(t, "bfUnknownConfig", 2):
		in.ConfigurationName, bad = "nope", "unknown configuration"
	case n > 0 && smChance(t, "bfNoTeam", 2):
		in.Players[rapid.IntRange(0, n-1).Draw(t, "who")].Team, bad = "", "a player without Team"
	case n > 0 && smChance(t, "bfUnknownTeam", 2):
		in.Players[rapid.IntRange(0, n-1).Draw(t, "who")].Team, bad = "green", "an unknown Team"
	case smChance(t, "bf200", 1):
		for i := n; i < 200; i++ {
			in.Players = append(in.Players, ticket.Player{PlayerID: fmt.Sprintf("x%d", i), Team: cfg.rs.TeamNames()[i%len(cfg.rs.TeamNames())]})
		}
		bad = "200 players"
	case n > 1 && smChance(t, "bfRepeatPlayer", 2):
		in.Players[1].PlayerID, bad = in.Players[0].PlayerID, "a repeated player"
	case g != nil && n > 0 && smChance(t, "bfStranger", 3):
		// A player the game session's matchmaker data does not list.
		in.Players[rapid.IntRange(0, n-1).Draw(t, "who")].PlayerID = fmt.Sprintf("stranger-%d", s.nextID)
		s.nextID++
		if !cfg.withQueue || cfg.additional == 0 {
			bad = "a player who is not in the game session"
		} else {
			valid = false // within the game's own AdditionalPlayerCount slots, unless others already are
		}
	case smChance(t, "bfBadArn", 2):
		in.GameSessionArn, bad = "not an arn!", "a bad GameSessionArn"
	case smChance(t, "bfNoSession", 8):
		in.GameSessionArn = "" // the backfill match becomes a game session of its own
	case smChance(t, "bfByArn", 5):
		in.ConfigurationName = cfg.arn
	case g != nil && smChance(t, "bfOtherConfig", 10):
		var same []*smConfig
		for _, c := range s.configs {
			if c.rs == cfg.rs {
				same = append(same, c)
			}
		}
		cfg = rapid.SampledFrom(same).Draw(t, "otherConfig")
		in.ConfigurationName = cfg.name
	}
	switch {
	case smChance(t, "bfOwnTicketId", 20):
		in.TicketID = fmt.Sprintf("t-%d", s.nextID)
		s.nextID++
	case len(s.order) > 0 && smChance(t, "bfReusedTicketId", 3):
		in.TicketID = rapid.SampledFrom(s.order).Draw(t, "reusedTicket").id
		valid = false // in use, unless forgotten
	}
	if busy := s.inLiveMatch(in.Players); busy != "" && bad == "" {
		bad = busy
	}
	if bad != "" {
		valid = false
	}
	var prev *smTicket
	if in.GameSessionArn != "" {
		prev = s.activeBackfill(in.GameSessionArn)
	}
	res := s.do(t, smOp{Kind: opBackfill, Backfill: in})
	if bad != "" && res.err == nil {
		s.fail(t, "g", "StartMatchBackfill with %s was accepted", bad)
	}
	if valid && res.err != nil {
		s.fail(t, "g", "StartMatchBackfill for game session %s with its %d current players was rejected: %v", in.GameSessionArn, len(in.Players), res.err)
	}
	if res.err == nil {
		v := res.ticket
		if v.Status != ticket.StatusQueued || !v.StartTime.Equal(s.now) || (in.TicketID != "" && v.TicketID != in.TicketID) || v.ConfigurationName != cfg.name {
			s.fail(t, "b", "StartMatchBackfill returned ticket %s %s of %s started %v; want a new QUEUED ticket of %s started %v", v.TicketID, v.Status, v.ConfigurationName, v.StartTime, cfg.name, s.now)
		}
		s.reuseID(t, "StartMatchBackfill", v.TicketID)
		s.note("backfill ticket " + smShort(v.TicketID))
		teams := make([]string, len(in.Players))
		for i, p := range in.Players {
			teams[i] = p.Team
		}
		bf := &smBackfill{session: in.GameSessionArn, teams: teams}
		if g != nil && in.GameSessionArn == g.key {
			bf.sess = g
		}
		tk := &smTicket{id: v.TicketID, cfg: cfg, start: s.now, players: slices.Clone(in.Players), status: ticket.StatusQueued,
			createdOp: len(s.ops), bf: bf}
		s.tickets[tk.id] = tk
		s.order = append(s.order, tk)
		s.stats.statuses[ticket.StatusQueued]++
		s.stats.bfRequests++
	}
	s.absorb(t, res.events)
	if res.err == nil && prev != nil {
		s.checkReplaced(t, "h", prev, "backfill ticket %s of game session %s after a new request for the session", in.GameSessionArn)
	}
}

// checkReplaced checks that backfill ticket old ended CANCELLED with reason
// REPLACED_BY_NEW_BACKFILL (D22); what describes the situation.
func (s *smState) checkReplaced(t *rapid.T, inv string, old *smTicket, what, session string) {
	t.Helper()
	v, _ := s.e.Ticket(old.id)
	if old.status != ticket.StatusCancelled || v.StatusReason != ticket.ReasonReplacedByNewBackfill {
		s.fail(t, inv, "%s is %s (%s); want CANCELLED, %s (D22)", fmt.Sprintf(what, old.id, session), old.status, v.StatusReason, ticket.ReasonReplacedByNewBackfill)
	}
}

// Leave reports that players left a game session (ReportPlayersLeft): one
// to three of its players, sometimes with a stranger, none, or an unknown
// session (rejected). With automatic backfill, the session's automatic
// backfill ticket is replaced by one listing the players who stay.
func (s *smState) Leave(t *rapid.T) {
	var games []*smSession
	for _, g := range s.sortedGames() {
		if len(g.players) > 0 {
			games = append(games, g)
		}
	}
	session, ids, bad := "unknown-session", []string{"p0"}, "an unknown game session"
	var g *smSession
	if len(games) > 0 && !smChance(t, "leaveUnknownSession", 5) {
		g = rapid.SampledFrom(games).Draw(t, "leaveGame")
		seats := make([]string, len(g.players))
		for i, seat := range g.players {
			seats[i] = seat.id
		}
		session, bad = g.key, ""
		ids = rapid.SliceOfNDistinct(rapid.SampledFrom(seats), 1, min(3, len(seats)), rapid.ID[string]).Draw(t, "leavers")
		switch {
		case smChance(t, "leaveStranger", 4):
			ids, bad = append(ids, "stranger"), "a player not in the session"
		case smChance(t, "leaveNobody", 2):
			ids, bad = nil, "no players"
		case smChance(t, "leaveNoSession", 2):
			session, bad = "", "no game session"
		}
	} else if !smChance(t, "leaveAnyway", 10) {
		return
	}
	var prevAuto, prevManual *smTicket
	if g != nil {
		if tk := s.activeBackfill(g.key); tk != nil && tk.bf.auto {
			prevAuto = tk
		} else {
			prevManual = tk
		}
	}
	res := s.do(t, smOp{Kind: opLeft, Session: session, IDs: ids})
	if bad != "" && res.err == nil {
		s.fail(t, "g", "ReportPlayersLeft with %s succeeded", bad)
	}
	if bad == "" && res.err != nil {
		s.fail(t, "g", "ReportPlayersLeft of players %v of game session %s was rejected: %v", ids, session, res.err)
	}
	if res.err == nil {
		g.players = slices.DeleteFunc(g.players, func(x smSeat) bool { return slices.Contains(ids, x.id) })
		if prevManual != nil {
			prevManual.bf.gone = append(prevManual.bf.gone, ids...)
		}
		if len(g.players) == 0 {
			g.autoOff = true // everyone left: the game is over
		}
		g.expect = true
		s.stats.departures++
	}
	s.absorb(t, res.events)
	if res.err == nil && prevAuto != nil {
		s.checkReplaced(t, "k", prevAuto, "automatic backfill ticket %s of game session %s after players left", g.key)
	}
}

// Describe asks for up to 10 tickets, known and unknown, and compares the
// answer with Ticket (b).
func (s *smState) Describe(t *rapid.T) {
	n := rapid.IntRange(1, 10).Draw(t, "describeCount")
	switch {
	case smChance(t, "describeNone", 3):
		n = 0
	case smChance(t, "describeEleven", 3):
		n = 11
	}
	var ids []string
	for range n {
		if len(s.order) > 0 && !smChance(t, "unknownId", 15) {
			ids = append(ids, rapid.SampledFrom(s.order).Draw(t, "describeTicket").id)
		} else {
			ids = append(ids, "unknown-ticket")
		}
	}
	res := s.do(t, smOp{Kind: opDescribe, IDs: ids})
	s.absorb(t, res.events)
	if (n == 0 || n > 10) != (res.err != nil) {
		s.fail(t, "b", "DescribeMatchmaking of %d ids returned error %v", n, res.err)
	}
	if res.err != nil {
		return
	}
	want := []gamelift.MatchmakingTicket{}
	for _, id := range ids {
		if v, ok := s.e.Ticket(id); ok {
			want = append(want, v)
		}
	}
	got, _ := json.Marshal(append([]gamelift.MatchmakingTicket{}, res.tickets...))
	exp, _ := json.Marshal(want)
	if !bytes.Equal(got, exp) {
		s.fail(t, "b", "DescribeMatchmaking(%v) = %s; Ticket gives %s", ids, got, exp)
	}
}

// Step advances the clock by a random amount (none, a little, past some
// expansions, past deadlines) and steps the engine.
func (s *smState) Step(t *rapid.T) {
	var d time.Duration
	switch {
	case smChance(t, "longStep", 12):
		d = time.Duration(rapid.IntRange(15000, 70000).Draw(t, "stepMs")) * time.Millisecond
	case smChance(t, "mediumStep", 40):
		d = time.Duration(rapid.IntRange(3000, 12000).Draw(t, "stepMs")) * time.Millisecond
	case !smChance(t, "sameTimeStep", 15):
		d = time.Duration(rapid.IntRange(100, 3000).Draw(t, "stepMs")) * time.Millisecond
	}
	s.now = s.now.Add(d)
	res := s.do(t, smOp{Kind: opStep})
	s.absorb(t, res.events)
}

// replay checks (f) and (g) at the end of a run.
func (s *smState) replay(t *rapid.T) {
	for _, skip := range []bool{false, true} {
		got, err := smRun(s.cfg, s.ops, skip)
		if err != nil {
			t.Fatalf("replay: %v", err)
		}
		if bytes.Equal(got, s.events.Bytes()) {
			continue
		}
		a, b := strings.Split(s.events.String(), "\n"), strings.Split(string(got), "\n")
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		first, second := "(none)", "(none)"
		if i < len(a) {
			first = a[i]
		}
		if i < len(b) {
			second = b[i]
		}
		if skip {
			s.fail(t, "g", "replaying without the %d rejected operations gives different events (D25: a rejected request changes nothing, its random source included); first difference, event %d:\noriginal: %s\nreplay:   %s",
				s.stats.rejected, i, first, second)
		}
		s.fail(t, "f", "replaying the operations with the same seed gives different events; first difference, event %d:\noriginal: %s\nreplay:   %s", i, first, second)
	}
}

// smActions are the actions a run draws from, with repeats for weight.
// Step comes first: rapid shrinks a choice toward the first entry.
var smActions = []string{
	"Step", "Step", "Step", "Start", "Start", "Start", "StartParty", "StartParty",
	"Accept", "Accept", "Accept", "Stop", "Placement", "Placement", "Describe", "Config",
	"Backfill", "Backfill", "Leave",
}

func TestEngineStateMachine(t *testing.T) {
	stats := &smStats{events: map[string]int{}, matches: map[string]int{}, statuses: map[ticket.Status]int{},
		byKind: map[smKind]int{}, rejectedByKind: map[smKind]int{}}
	rapid.Check(t, func(rt *rapid.T) {
		s := newSMState(rt, stats)
		stats.runs++
		actions := map[string]func(*rapid.T){
			"Start": s.Start, "StartParty": s.StartParty, "Stop": s.Stop, "Accept": s.Accept,
			"Placement": s.Placement, "Describe": s.Describe, "Step": s.Step, "Config": s.Config,
			"Backfill": s.Backfill, "Leave": s.Leave,
		}
		// Like rt.Repeat, with longer runs: tickets need several steps to
		// meet, wait for acceptance, be placed, time out and be forgotten.
		s.check(rt)
		for range rapid.IntRange(0, 160).Draw(rt, "actions") {
			actions[rapid.SampledFrom(smActions).Draw(rt, "action")](rt)
			s.check(rt)
		}
		s.replay(rt)
	})
	t.Logf("%d runs, %d operations (%d rejected), %d matches checked by the oracle %v", stats.runs, stats.ops, stats.rejected, stats.oracle, stats.matches)
	if stats.runs >= 100 && !t.Failed() {
		// Not vacuous: matches of every rule set reached the oracle.
		for _, r := range smRuleSets {
			if stats.matches[r.name] == 0 {
				t.Errorf("no match of rule set %s reached the oracle in %d runs", r.name, stats.runs)
			}
		}
		if stats.oracle < stats.runs/4 {
			t.Errorf("only %d matches reached the oracle in %d runs", stats.oracle, stats.runs)
		}
		// Not vacuous for backfill either.
		for what, n := range map[string]int{"backfill match": stats.bfMatches, "backfill match of the large rule set": stats.bfLarge,
			"automatic backfill ticket": stats.autoTickets, "departure": stats.departures} {
			if n == 0 {
				t.Errorf("no %s in %d runs", what, stats.runs)
			}
		}
	}
	t.Logf("backfill: %d requests accepted, %d backfill matches (%d large), %d automatic backfill tickets, %d departures, %d game sessions",
		stats.bfRequests, stats.bfMatches, stats.bfLarge, stats.autoTickets, stats.departures, stats.games)
	t.Logf("operations %v, rejected %v", stats.byKind, stats.rejectedByKind)
	t.Logf("events %v", stats.events)
	t.Logf("statuses entered %v", stats.statuses)
}

// TestDuplicatePlayersOfOneMatch is the state machine's shortest failure
// kept as a regression test: a new ticket names players of two tickets that
// wait for acceptance in the same match. Each older ticket must end once,
// with one MatchmakingCancelled event and reason DUPLICATE_PLAYER (D17),
// whether or not its players had accepted, and the engine's counts must
// stay right once the tickets are forgotten.
func TestDuplicatePlayersOfOneMatch(t *testing.T) {
	for _, accepted := range []bool{false, true} {
		t.Run(fmt.Sprintf("accepted=%v", accepted), func(t *testing.T) {
			e, err := gamelift.NewService(gamelift.Options{Engine: engine.Config{Seed: 1, TicketRetention: time.Minute}})
			if err != nil {
				t.Fatal(err)
			}
			t0 := smT0
			body := `{"ruleLanguageVersion": "1.0", "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1}, {"name": "blue", "minPlayers": 1, "maxPlayers": 1}]}`
			if _, err := e.CreateMatchmakingRuleSet(t0, gamelift.CreateMatchmakingRuleSetInput{Name: "duel", RuleSetBody: body}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.CreateMatchmakingConfiguration(t0, gamelift.CreateMatchmakingConfigurationInput{
				Name: "duel", RuleSetName: "duel", RequestTimeoutSeconds: 60, AcceptanceRequired: true, AcceptanceTimeoutSeconds: 30,
			}); err != nil {
				t.Fatal(err)
			}
			start := func(id string, players ...string) {
				t.Helper()
				in := gamelift.StartMatchmakingInput{TicketID: id, ConfigurationName: "duel"}
				for _, p := range players {
					in.Players = append(in.Players, ticket.Player{PlayerID: p})
				}
				if _, err := e.StartMatchmaking(t0, in); err != nil {
					t.Fatal(err)
				}
			}
			start("a", "p1")
			start("b", "p2")
			e.Step(t0.Add(time.Second))
			if v, _ := e.Ticket("b"); v.Status != ticket.StatusRequiresAcceptance {
				t.Fatalf("b is %s; want a proposed match", v.Status)
			}
			if accepted {
				if err := e.AcceptMatch(t0.Add(time.Second), gamelift.AcceptMatchInput{TicketID: "b", PlayerIDs: []string{"p2"}, AcceptanceType: gamelift.Accept}); err != nil {
					t.Fatal(err)
				}
				e.Events()
			}
			start("c", "p1", "p2")
			cancelled := map[string]int{}
			for _, ev := range e.Events() {
				if ev.Detail.Type == gamelift.EventMatchmakingSearching {
					t.Errorf("MatchmakingSearching for %v: a ticket whose player moved to a new ticket must not search again", ev.Detail.Tickets[0].TicketID)
				}
				if ev.Detail.Type == gamelift.EventMatchmakingCancelled {
					for _, et := range ev.Detail.Tickets {
						cancelled[et.TicketID]++
					}
				}
			}
			for _, id := range []string{"a", "b"} {
				if cancelled[id] != 1 {
					t.Errorf("ticket %s: %d MatchmakingCancelled events; want 1", id, cancelled[id])
				}
				if v, _ := e.Ticket(id); v.Status != ticket.StatusCancelled || v.StatusReason != ticket.ReasonDuplicatePlayer {
					t.Errorf("ticket %s is %s (%s); want CANCELLED (DUPLICATE_PLAYER)", id, v.Status, v.StatusReason)
				}
			}
			e.Step(t0.Add(2 * time.Minute)) // past the retention of a and b
			total := 0
			for _, n := range e.Engine().Counts() {
				total += n
			}
			if _, ok := e.Ticket("c"); !ok || total != 1 {
				t.Errorf("Counts() sums to %d after a and b are forgotten; want 1 (ticket c)", total)
			}
		})
	}
}

// smPairs is a small rule set for the backfill regression tests: two teams
// of one or two players, within 100 ms.
const smPairs = `{"ruleLanguageVersion": "1.0",
  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 2}, {"name": "blue", "minPlayers": 1, "maxPlayers": 2}],
  "rules": [{"name": "Near", "type": "latency", "maxLatency": 100}]}`

func smPairsEngine(t *testing.T, mode string) *gamelift.Service {
	t.Helper()
	e, err := gamelift.NewService(gamelift.Options{Engine: engine.Config{Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateMatchmakingRuleSet(smT0, gamelift.CreateMatchmakingRuleSetInput{Name: "pairs", RuleSetBody: smPairs}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateMatchmakingConfiguration(smT0, gamelift.CreateMatchmakingConfigurationInput{
		Name: "pairs", RuleSetName: "pairs", RequestTimeoutSeconds: 60, BackfillMode: mode}); err != nil {
		t.Fatal(err)
	}
	return e
}

func smPairsPlayer(id, team string, ms int) ticket.Player {
	return ticket.Player{PlayerID: id, Team: team, LatencyInMs: map[string]int{"us-east-1": ms}}
}

// smSessionPlayers lists a game session's players as id@team, sorted.
func smSessionPlayers(t *testing.T, e *gamelift.Service, session string) []string {
	t.Helper()
	d, ok := e.MatchmakerData(session)
	if !ok {
		t.Fatalf("no matchmaker data for game session %s", session)
	}
	var out []string
	for _, team := range d.Teams {
		for _, p := range team.Players {
			out = append(out, p.PlayerID+"@"+team.Name)
		}
	}
	sort.Strings(out)
	return out
}

// TestBackfillAfterDepartureKeepsLeaversOut is a state-machine failure kept
// as a regression test (invariants j and k): a player reported as gone
// (ReportPlayersLeft) while a manual backfill request that lists it waits
// must not come back into the game session's matchmaker data, nor into the
// automatic backfill ticket opened afterwards, when that request matches.
func TestBackfillAfterDepartureKeepsLeaversOut(t *testing.T) {
	e := smPairsEngine(t, gamelift.BackfillAuto)
	for _, id := range []string{"p1", "p2"} {
		if _, err := e.StartMatchmaking(smT0, gamelift.StartMatchmakingInput{TicketID: "t-" + id, ConfigurationName: "pairs",
			Players: []ticket.Player{smPairsPlayer(id, "", 20)}}); err != nil {
			t.Fatal(err)
		}
	}
	session := "" // STANDALONE: the match id names the game session
	for _, ev := range e.Step(smT0.Add(time.Second)) {
		if ev.Detail.Type == gamelift.EventMatchmakingSucceeded {
			session = ev.Detail.MatchID
		}
	}
	v, _ := e.Ticket("t-p1")
	if v.Status != ticket.StatusCompleted || session == "" {
		t.Fatalf("p1's ticket is %s; want a completed match", v.Status)
	}
	teams := map[string]string{}
	for _, id := range []string{"t-p1", "t-p2"} {
		v, _ := e.Ticket(id)
		teams[v.Players[0].PlayerID] = v.Players[0].Team
	}
	at := smT0.Add(2 * time.Second)
	if _, err := e.StartMatchBackfill(at, gamelift.StartMatchBackfillInput{ConfigurationName: "pairs", GameSessionArn: session,
		Players: []ticket.Player{smPairsPlayer("p1", teams["p1"], 20), smPairsPlayer("p2", teams["p2"], 20)}}); err != nil {
		t.Fatal(err)
	}
	if err := e.ReportPlayersLeft(at, session, []string{"p1"}); err != nil {
		t.Fatal(err)
	}
	if got := smSessionPlayers(t, e, session); !slices.Equal(got, []string{"p2@" + teams["p2"]}) {
		t.Fatalf("after p1 left, the game lists %v", got)
	}
	if _, err := e.StartMatchmaking(at, gamelift.StartMatchmakingInput{TicketID: "t-p3", ConfigurationName: "pairs",
		Players: []ticket.Player{smPairsPlayer("p3", "", 20)}}); err != nil {
		t.Fatal(err)
	}
	e.Step(smT0.Add(3 * time.Second))
	v, _ = e.Ticket("t-p3")
	if v.Status != ticket.StatusCompleted {
		t.Fatalf("p3's ticket is %s; want it in the backfill match", v.Status)
	}
	got := smSessionPlayers(t, e, session)
	if slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "p1@") }) {
		t.Errorf("after the backfill, the game lists %v: p1, who left after the backfill request, is back", got)
	}
	d, _ := e.MatchmakerData(session)
	if d.AutoBackfillTicketID != nil {
		bf, _ := e.Ticket(*d.AutoBackfillTicketID)
		for _, p := range bf.Players {
			if p.PlayerID == "p1" {
				t.Errorf("the automatic backfill ticket opened after the backfill lists p1, who left: its slot is not refilled")
			}
		}
	}
}

// TestAutomaticBackfillOfOpenedSessionKeepsLatency is a state-machine
// failure kept as a regression test (invariant k): a backfill for a game
// session the engine does not know opens that session; the automatic
// backfill ticket the engine then opens must give the request's players
// their latency at the session's location (SPEC 11), or, with a latency
// rule, it can never match.
func TestAutomaticBackfillOfOpenedSessionKeepsLatency(t *testing.T) {
	e := smPairsEngine(t, gamelift.BackfillAuto)
	session := "arn:aws:gamelift:local::gamesession/main/opened"
	if _, err := e.StartMatchBackfill(smT0, gamelift.StartMatchBackfillInput{ConfigurationName: "pairs", GameSessionArn: session,
		Players: []ticket.Player{smPairsPlayer("p1", "red", 20)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.StartMatchmaking(smT0, gamelift.StartMatchmakingInput{TicketID: "t-p2", ConfigurationName: "pairs",
		Players: []ticket.Player{smPairsPlayer("p2", "", 30)}}); err != nil {
		t.Fatal(err)
	}
	e.Step(smT0.Add(time.Second))
	if v, _ := e.Ticket("t-p2"); v.Status != ticket.StatusCompleted {
		t.Fatalf("p2's ticket is %s; want it in the backfill match", v.Status)
	}
	d, ok := e.MatchmakerData(session)
	if !ok || d.AutoBackfillTicketID == nil {
		t.Fatalf("no automatic backfill ticket for the game with 2 of 4 players: %+v", d)
	}
	auto, _ := e.Ticket(*d.AutoBackfillTicketID)
	want := map[string]int{"p1": 20, "p2": 30}
	for _, p := range auto.Players {
		if ms, ok := p.LatencyInMs["us-east-1"]; !ok || ms != want[p.PlayerID] || len(p.LatencyInMs) != 1 {
			t.Errorf("automatic backfill ticket: player %s has latency %v; want us-east-1: %d", p.PlayerID, p.LatencyInMs, want[p.PlayerID])
		}
	}
	if _, err := e.StartMatchmaking(smT0.Add(time.Second), gamelift.StartMatchmakingInput{TicketID: "t-p3", ConfigurationName: "pairs",
		Players: []ticket.Player{smPairsPlayer("p3", "", 25)}}); err != nil {
		t.Fatal(err)
	}
	e.Step(smT0.Add(2 * time.Second))
	if v, _ := e.Ticket("t-p3"); v.Status != ticket.StatusCompleted {
		t.Errorf("p3's ticket is %s (%s); the automatic backfill ticket should have taken it", v.Status, v.StatusReason)
	}
}

// TestAutomaticBackfillKeepsTheGamesOwnPlayers is a state-machine failure
// kept as a regression test (invariant k): a WITH_QUEUE game with
// AdditionalPlayerCount slots of its own sends a backfill request listing a
// player of its own in place of one who is gone. Once that request
// matches, the game holds the request's players and the new one (SPEC 11),
// and the automatic backfill ticket then opened lists exactly those, the
// game's own player with the latency its request reported.
func TestAutomaticBackfillKeepsTheGamesOwnPlayers(t *testing.T) {
	e, err := gamelift.NewService(gamelift.Options{Engine: engine.Config{Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	// Teams of up to three: six players, of which the game fills one.
	body := strings.ReplaceAll(smPairs, `"maxPlayers": 2`, `"maxPlayers": 3`)
	if _, err := e.CreateMatchmakingRuleSet(smT0, gamelift.CreateMatchmakingRuleSetInput{Name: "pairs", RuleSetBody: body}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateMatchmakingConfiguration(smT0, gamelift.CreateMatchmakingConfigurationInput{
		Name: "pairs", RuleSetName: "pairs", RequestTimeoutSeconds: 60, BackfillMode: gamelift.BackfillAuto,
		FlexMatchMode: gamelift.ModeWithQueue, AdditionalPlayerCount: 1,
		GameSessionQueueArns: []string{"arn:aws:gamelift:local::gamesessionqueue/main"}}); err != nil {
		t.Fatal(err)
	}
	start := func(at time.Time, id string, ms int) {
		t.Helper()
		if _, err := e.StartMatchmaking(at, gamelift.StartMatchmakingInput{TicketID: "t-" + id, ConfigurationName: "pairs",
			Players: []ticket.Player{smPairsPlayer(id, "", ms)}}); err != nil {
			t.Fatal(err)
		}
	}
	start(smT0, "p1", 20)
	start(smT0, "p2", 30)
	match := ""
	for _, ev := range e.Step(smT0.Add(time.Second)) {
		if ev.Detail.Type == gamelift.EventPotentialMatchCreated {
			match = ev.Detail.MatchID
		}
	}
	if match == "" {
		t.Fatal("p1 and p2 did not match")
	}
	session := "arn:aws:gamelift:local::gamesession/main/gs-1"
	if err := e.CompletePlacement(smT0.Add(2*time.Second), gamelift.CompletePlacementInput{MatchID: match, GameSessionArn: session}); err != nil {
		t.Fatal(err)
	}
	teams := map[string]string{}
	for _, p := range strings.Fields(strings.Join(smSessionPlayers(t, e, session), " ")) {
		id, team, _ := strings.Cut(p, "@")
		teams[id] = team
	}
	// p2 is gone; the game's own player "own" sits on p2's team.
	at := smT0.Add(3 * time.Second)
	if _, err := e.StartMatchBackfill(at, gamelift.StartMatchBackfillInput{ConfigurationName: "pairs", GameSessionArn: session,
		Players: []ticket.Player{smPairsPlayer("p1", teams["p1"], 20), smPairsPlayer("own", teams["p2"], 40)}}); err != nil {
		t.Fatal(err)
	}
	start(at, "p3", 25)
	e.Step(smT0.Add(4 * time.Second))
	if v, _ := e.Ticket("t-p3"); v.Status != ticket.StatusCompleted {
		t.Fatalf("p3's ticket is %s (%s); want it in the backfill match", v.Status, v.StatusReason)
	}
	got := smSessionPlayers(t, e, session)
	var ids []string
	for _, p := range got {
		id, _, _ := strings.Cut(p, "@")
		ids = append(ids, id)
	}
	if !slices.Equal(ids, []string{"own", "p1", "p3"}) {
		t.Fatalf("after the backfill the game lists %v; want own, p1 and p3 (the request's players and the new one)", got)
	}
	d, _ := e.MatchmakerData(session)
	if d.AutoBackfillTicketID == nil {
		t.Fatal("no automatic backfill ticket for the game with 3 of 5 players")
	}
	auto, _ := e.Ticket(*d.AutoBackfillTicketID)
	want := map[string]int{"p1": 20, "own": 40, "p3": 25}
	if len(auto.Players) != len(want) {
		t.Errorf("automatic backfill ticket lists %d players; want %d", len(auto.Players), len(want))
	}
	for _, p := range auto.Players {
		if ms, ok := p.LatencyInMs["us-east-1"]; !ok || ms != want[p.PlayerID] || len(p.LatencyInMs) != 1 {
			t.Errorf("automatic backfill ticket: player %s has latency %v; want us-east-1: %d", p.PlayerID, p.LatencyInMs, want[p.PlayerID])
		}
	}
}

// TestAutomaticBackfillAfterRejoinUsesCurrentLatency is a state-machine
// failure kept as a regression test (invariant k): a player who left a game
// session and came back through a backfill with a new ticket that reports
// no latency at the session's location must not get, in the next automatic
// backfill ticket, the latency its earlier ticket reported there.
func TestAutomaticBackfillAfterRejoinUsesCurrentLatency(t *testing.T) {
	e := newFreeEngine(t, engine.Config{Seed: 1}, 2, 60)
	start := func(at time.Time, id string, lat map[string]int) {
		t.Helper()
		if _, err := e.StartMatchmaking(at, gamelift.StartMatchmakingInput{TicketID: "t-" + id + at.Format("05"), ConfigurationName: "free",
			Players: []ticket.Player{{PlayerID: id, LatencyInMs: lat}}}); err != nil {
			t.Fatal(err)
		}
	}
	start(smT0, "p1", map[string]int{"us-east-1": 20})
	start(smT0, "p2", map[string]int{"us-east-1": 30})
	session, location := "", ""
	for _, ev := range e.Step(smT0.Add(time.Second)) {
		if ev.Detail.Type == gamelift.EventPotentialMatchCreated {
			session, location = ev.Detail.MatchID, ev.Detail.Location
		}
	}
	if session == "" {
		t.Fatal("p1 and p2 did not match")
	}
	at := smT0.Add(2 * time.Second)
	if err := e.ReportPlayersLeft(at, session, []string{"p1"}); err != nil {
		t.Fatal(err)
	}
	start(at, "p1", map[string]int{"eu-west-1": 50}) // back, from elsewhere
	e.Step(smT0.Add(3 * time.Second))
	if got := smSessionPlayers(t, e, session); len(got) != 2 {
		t.Fatalf("p1 did not rejoin through the automatic backfill: the game lists %v", got)
	}
	d, _ := e.MatchmakerData(session)
	if d.AutoBackfillTicketID == nil {
		t.Fatalf("no automatic backfill ticket for the game with 2 of 4 players")
	}
	auto, _ := e.Ticket(*d.AutoBackfillTicketID)
	for _, p := range auto.Players {
		if p.PlayerID == "p1" && len(p.LatencyInMs) > 0 {
			t.Errorf("automatic backfill ticket gives p1 latency %v at the game's location %q; its current ticket reported none there (only eu-west-1: 50)", p.LatencyInMs, location)
		}
	}
}

// TestAutomaticBackfillIDClearedWhenReplaced is a state-machine failure kept
// as a regression test (invariant k): once a manual backfill request
// replaces a session's automatic backfill ticket (D24), the session's
// matchmaker data must stop naming the cancelled ticket, whose id may later
// be forgotten and reused by an unrelated ticket.
func TestAutomaticBackfillIDClearedWhenReplaced(t *testing.T) {
	e := newFreeEngine(t, engine.Config{Seed: 1}, 2, 60)
	for _, id := range []string{"p1", "p2"} {
		if _, err := e.StartMatchmaking(smT0, gamelift.StartMatchmakingInput{ConfigurationName: "free",
			Players: []ticket.Player{{PlayerID: id}}}); err != nil {
			t.Fatal(err)
		}
	}
	session := ""
	for _, ev := range e.Step(smT0.Add(time.Second)) {
		if ev.Detail.Type == gamelift.EventMatchmakingSucceeded {
			session = ev.Detail.MatchID
		}
	}
	d, ok := e.MatchmakerData(session)
	if !ok || d.AutoBackfillTicketID == nil {
		t.Fatalf("no automatic backfill ticket for the game with 2 of 4 players: %+v", d)
	}
	auto := *d.AutoBackfillTicketID
	var players []ticket.Player
	for _, team := range d.Teams {
		for _, p := range team.Players {
			players = append(players, ticket.Player{PlayerID: p.PlayerID, Team: team.Name})
		}
	}
	at := smT0.Add(2 * time.Second)
	if _, err := e.StartMatchBackfill(at, gamelift.StartMatchBackfillInput{ConfigurationName: "free", GameSessionArn: session, Players: players}); err != nil {
		t.Fatal(err)
	}
	if v, _ := e.Ticket(auto); v.Status != ticket.StatusCancelled || v.StatusReason != ticket.ReasonReplacedByNewBackfill {
		t.Fatalf("automatic backfill ticket %s is %s (%s); want CANCELLED, %s", auto, v.Status, v.StatusReason, ticket.ReasonReplacedByNewBackfill)
	}
	if d, _ := e.MatchmakerData(session); d.AutoBackfillTicketID != nil {
		t.Errorf("after the manual request replaced it, the matchmaker data still names automatic backfill ticket %s", *d.AutoBackfillTicketID)
	}
}

// TestEmptiedSessionIsForgotten checks that a game session whose players
// have all left stops automatic backfill and is forgotten once its match's
// tickets are, while one with players left is kept for automatic backfill.
func TestEmptiedSessionIsForgotten(t *testing.T) {
	e := newFreeEngine(t, engine.Config{Seed: 1, TicketRetention: time.Minute}, 1, 10)
	game := func(at time.Time, a, b string) string {
		t.Helper()
		for _, id := range []string{a, b} {
			if _, err := e.StartMatchmaking(at, gamelift.StartMatchmakingInput{ConfigurationName: "free", Players: []ticket.Player{{PlayerID: id}}}); err != nil {
				t.Fatal(err)
			}
		}
		for _, ev := range e.Step(at) {
			if ev.Detail.Type == gamelift.EventMatchmakingSucceeded {
				return ev.Detail.MatchID
			}
		}
		t.Fatalf("%s and %s did not match", a, b)
		return ""
	}
	over, on, late := game(smT0, "p1", "p2"), game(smT0, "p3", "p4"), game(smT0, "p5", "p6")
	at := smT0.Add(time.Second)
	if err := e.ReportPlayersLeft(at, over, []string{"p1", "p2"}); err != nil {
		t.Fatal(err)
	}
	if err := e.ReportPlayersLeft(at, on, []string{"p3"}); err != nil {
		t.Fatal(err)
	}
	d, ok := e.MatchmakerData(over)
	if !ok || d.AutoBackfillTicketID != nil {
		t.Fatalf("the emptied session: data %+v (known %v); want it known, with no automatic backfill ticket", d, ok)
	}
	if d, ok := e.MatchmakerData(on); !ok || d.AutoBackfillTicketID == nil {
		t.Fatalf("the session with a player left: data %+v (known %v); want an automatic backfill ticket", d, ok)
	}
	// Every ticket ends within RequestTimeoutSeconds; a step after the
	// retention forgets them, and the emptied session with them.
	later := smT0.Add(10*time.Second + 2*time.Minute)
	e.Step(later)
	if _, ok := e.MatchmakerData(over); ok {
		t.Error("the emptied session is still known after its match's tickets were forgotten")
	}
	if _, ok := e.MatchmakerData(on); !ok {
		t.Error("the session with a player left was forgotten; automatic backfill may still need it")
	}
	if err := e.ReportPlayersLeft(later, over, []string{"p1"}); !errors.Is(err, gamelift.ErrNotFound) {
		t.Errorf("ReportPlayersLeft on the forgotten session = %v; want gamelift.ErrNotFound", err)
	}
	// A session emptied after its match's tickets were forgotten goes at
	// once.
	if err := e.ReportPlayersLeft(later, late, []string{"p5", "p6"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.MatchmakerData(late); ok {
		t.Error("a session emptied after its match's tickets were forgotten is still known")
	}
}

// newFreeEngine returns an engine with configuration "free" (AUTOMATIC
// backfill, the given request timeout) on rule set "free": teams red and
// blue of 1 to max players and no rules.
func newFreeEngine(t *testing.T, cfg engine.Config, max, timeout int) *gamelift.Service {
	t.Helper()
	e, err := gamelift.NewService(gamelift.Options{Engine: cfg})
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"ruleLanguageVersion": "1.0",
	  "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": %d}, {"name": "blue", "minPlayers": 1, "maxPlayers": %d}]}`, max, max)
	if _, err := e.CreateMatchmakingRuleSet(smT0, gamelift.CreateMatchmakingRuleSetInput{Name: "free", RuleSetBody: body}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateMatchmakingConfiguration(smT0, gamelift.CreateMatchmakingConfigurationInput{
		Name: "free", RuleSetName: "free", RequestTimeoutSeconds: timeout, BackfillMode: gamelift.BackfillAuto}); err != nil {
		t.Fatal(err)
	}
	return e
}

// smPlacementTimeout draws the service's placement timeout: mostly a few
// seconds, so that runs reach it, sometimes the default.
func smPlacementTimeout(t *rapid.T) time.Duration {
	if smChance(t, "defaultPlacementTimeout", 20) {
		return 0
	}
	return time.Duration(rapid.IntRange(1, 30).Draw(t, "placementTimeoutSeconds")) * time.Second
}

// placeDeadline is when placing match m times out.
func (s *smState) placeDeadline(m *smMatch) time.Time {
	d := s.cfg.PlacementTimeout
	if d == 0 {
		d = engine.DefaultPlacementTimeout
	}
	return m.placeFrom.Add(d)
}

// inLiveMatch names the first of players whose matchmaking ticket is in a
// proposed match or PLACING, or returns "": a backfill request may not list
// such a player, who would be in two live matches.
func (s *smState) inLiveMatch(players []ticket.Player) string {
	for _, p := range players {
		for _, tk := range s.order {
			if tk.bf != nil || (tk.status != ticket.StatusRequiresAcceptance && tk.status != ticket.StatusPlacing) {
				continue
			}
			for _, q := range tk.players {
				if q.PlayerID == p.PlayerID {
					return fmt.Sprintf("player %s, whose ticket %s is %s", p.PlayerID, tk.id, tk.status)
				}
			}
		}
	}
	return ""
}
