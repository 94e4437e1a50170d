package engine

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
// Along the way it also checks the event envelopes and ids (D18), the
// status reasons (D19) and the teams completed tickets report. A failure
// prints the invariant and the operation log (shrunk by rapid), each
// operation with the events it caused.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/ticket"
	"pgregory.net/rapid"
)

// smRuleSets are the fixed rule sets the state machine uses; together they
// cover every rule type and expression form the oracle supports, and the
// large-match algorithm (horde).
var smRuleSets = []struct{ name, body string }{
	{"skill", `{
	  "name": "two teams of 2-3 in one mode, close in skill, fair and equal",
	  "ruleLanguageVersion": "1.0",
	  "playerAttributes": [
	    {"name": "skill", "type": "number", "default": 50},
	    {"name": "mode", "type": "string"}],
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
	  "algorithm": {"expansionAgeSelection": "oldest"},
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
	{"horde", `{
	  "name": "a large match (43 players at most): balanced teams, batched by mode and skill, on latency",
	  "ruleLanguageVersion": "1.0",
	  "playerAttributes": [
	    {"name": "skill", "type": "number", "default": 50},
	    {"name": "mode", "type": "string", "default": "dm"}],
	  "algorithm": {"strategy": "balanced", "balancedAttribute": "skill", "batchingPreference": "largestPopulation"},
	  "teams": [{"name": "horde", "minPlayers": 3, "maxPlayers": 21},
	            {"name": "alliance", "minPlayers": 3, "maxPlayers": 21},
	            {"name": "scout", "minPlayers": 1, "maxPlayers": 1}],
	  "rules": [
	    {"name": "Region", "type": "latency", "maxLatency": 80},
	    {"name": "SameMode", "type": "batchDistance", "batchAttribute": "mode"},
	    {"name": "Band", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 15}],
	  "expansions": [
	    {"target": "teams[horde,alliance].minPlayers", "steps": [{"waitTimeSeconds": 8, "value": 1}]},
	    {"target": "rules[Region].maxLatency", "steps": [{"waitTimeSeconds": 5, "value": 150}]},
	    {"target": "rules[Band].maxDistance", "steps": [{"waitTimeSeconds": 10, "value": 30}]}]
	}`},
}

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
)

// smOp is one recorded operation: what was called, when, and with what.
type smOp struct {
	At       time.Duration // since smT0
	Kind     smKind
	RuleSet  CreateMatchmakingRuleSetInput
	Config   CreateMatchmakingConfigurationInput
	Start    StartMatchmakingInput
	ID       string // StopMatchmaking
	Accept   AcceptMatchInput
	Complete CompletePlacementInput
	Fail     FailPlacementInput
	IDs      []string // DescribeMatchmaking

	Err    string // the error the engine returned, if any
	Result string // a short summary of the result, for the log
}

type smResult struct {
	ticket  ticket.Ticket
	tickets []ticket.Ticket
	err     error
	events  []Event
}

func (o *smOp) apply(e *Engine) smResult {
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
		fmt.Fprintf(&b, " %s rs=%s mode=%s accept=%v/%ds timeout=%ds additional=%d queues=%d",
			c.Name, c.RuleSetName, c.FlexMatchMode, c.AcceptanceRequired, c.AcceptanceTimeoutSeconds,
			c.RequestTimeoutSeconds, c.AdditionalPlayerCount, len(c.GameSessionQueueArns))
	case opStart:
		fmt.Fprintf(&b, " cfg=%s id=%q players=", o.Start.ConfigurationName, o.Start.TicketID)
		for i, p := range o.Start.Players {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(p.PlayerID)
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
func smRun(cfg Config, ops []smOp, skipRejected bool) ([]byte, error) {
	e, err := New(cfg)
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
	rs         *oracleRuleSet
	withQueue  bool
	acceptance bool
	timeout    time.Duration
	accTimeout time.Duration
	additional int
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
}

type smMatch struct {
	id        string
	cfg       *smConfig
	created   time.Time
	tickets   []*smTicket // as proposed; a ticket cancelled out of it has match nil
	accepting bool        // waiting for acceptance
	placing   bool        // waiting for placement
}

// smStats sums what the runs exercised, to show that the test is not
// vacuous.
type smStats struct {
	runs, ops, rejected, oracle int
	byKind, rejectedByKind      map[smKind]int
	events                      map[string]int
	matches                     map[string]int // by rule set
	statuses                    map[ticket.Status]int
}

type smState struct {
	cfg      Config
	e        *Engine
	now      time.Time
	lastStep time.Time
	stepped  bool
	ops      []smOp
	events   bytes.Buffer

	ruleSets   map[string]*oracleRuleSet
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
}

func (s *smState) fail(t *rapid.T, inv, format string, args ...any) {
	t.Helper()
	var b strings.Builder
	for i := range s.ops {
		fmt.Fprintf(&b, "  #%-3d %s\n", i, s.ops[i].String())
	}
	t.Fatalf("invariant (%s) violated: %s\nseed %d; operation log:\n%s", inv, fmt.Sprintf(format, args...), s.cfg.Seed, b.String())
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
	counts, _ := json.Marshal(s.e.Counts())
	fmt.Fprintf(&b, "counts %s pending %d\n", counts, s.e.Pending())
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
	var apiErr *APIError
	if !errors.As(res.err, &apiErr) || !(errors.Is(res.err, ErrInvalidRequest) || errors.Is(res.err, ErrNotFound) || errors.Is(res.err, ErrLimitExceeded)) {
		s.fail(t, "g", "%s returned %v, which is not an *APIError of a GameLift exception", op.Kind, res.err)
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
	ticket.StatusCancelled: {ticket.ReasonDuplicatePlayer, ticket.ReasonAcceptanceRejected, ticket.ReasonAcceptanceTimeout, ticket.ReasonCancelledByRequest},
	ticket.StatusTimedOut:  {ticket.ReasonRequestTimeout},
	ticket.StatusFailed:    {ticket.ReasonPlacementFailed},
}

// legal reports whether a ticket of cfg may move from one status to another
// (SPEC 10.2, D14-D17).
func smLegal(from, to ticket.Status, cfg *smConfig) bool {
	switch from {
	case ticket.StatusQueued:
		return to == ticket.StatusSearching || to == ticket.StatusCancelled || to == ticket.StatusTimedOut
	case ticket.StatusSearching:
		switch to {
		case ticket.StatusRequiresAcceptance:
			return cfg.acceptance
		case ticket.StatusPlacing:
			return cfg.withQueue && !cfg.acceptance
		case ticket.StatusCompleted:
			return !cfg.withQueue && !cfg.acceptance
		case ticket.StatusCancelled, ticket.StatusTimedOut:
			return true
		}
	case ticket.StatusRequiresAcceptance:
		switch to {
		case ticket.StatusSearching, ticket.StatusCancelled:
			return true
		case ticket.StatusPlacing:
			return cfg.withQueue
		case ticket.StatusCompleted:
			return !cfg.withQueue
		}
	case ticket.StatusPlacing:
		return to == ticket.StatusCompleted || to == ticket.StatusFailed
	}
	return false
}

// absorb checks and applies a batch of events to the model.
func (s *smState) absorb(t *rapid.T, evs []Event) {
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
			s.fail(t, "e", "match %s was proposed without acceptance in STANDALONE mode but did not succeed in the same operation", m.id)
		}
	}
}

func (s *smState) sortedMatches() []*smMatch {
	out := make([]*smMatch, 0, len(s.matches))
	for _, m := range s.matches {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (s *smState) event(t *rapid.T, ev *Event) {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		s.fail(t, "f", "event does not encode: %v", err)
	}
	s.events.Write(b)
	s.events.WriteByte('\n')
	d := &ev.Detail
	s.stats.events[d.Type]++
	if ev.Version != "0" || ev.DetailType != DetailType || ev.Source != "matchforge" || ev.Account != "000000000000" || ev.Region != "local" {
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
			s.fail(t, "e", "%s event names ticket %s, which no StartMatchmaking created", d.Type, et.TicketID)
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
	case EventPotentialMatchCreated:
		s.proposed(t, ev, ts)
	case EventAcceptMatch:
		if m == nil || !m.accepting || !sameTickets(m.tickets, ts) {
			s.fail(t, "e", "AcceptMatch event for match %s, which is not waiting for acceptance with these tickets", d.MatchID)
		}
	case EventAcceptMatchCompleted:
		if m == nil || !m.accepting || !sameTickets(m.tickets, ts) {
			s.fail(t, "e", "AcceptMatchCompleted event for match %s, which is not waiting for acceptance with these tickets", d.MatchID)
		}
		m.accepting = false
		switch d.Acceptance {
		case AcceptanceAccepted:
			m.placing = cfg.withQueue
		case AcceptanceTimedOut:
			if now.Before(m.created.Add(cfg.accTimeout)) {
				s.fail(t, "d", "match %s timed out its acceptance at %v, before its deadline %v (D15)", m.id, now, m.created.Add(cfg.accTimeout))
			}
			s.drop(m)
		case AcceptanceRejected:
			s.drop(m)
		default:
			s.fail(t, "e", "AcceptMatchCompleted with acceptance %q", d.Acceptance)
		}
	case EventMatchmakingSucceeded:
		if m == nil || m.accepting || !sameTickets(m.tickets, ts) {
			s.fail(t, "e", "MatchmakingSucceeded for match %s, which is not a proceeding match with these tickets", d.MatchID)
		}
		for i, et := range d.Tickets {
			for j, p := range et.Players {
				if p.Team != ts[i].teams[j] {
					s.fail(t, "e", "MatchmakingSucceeded puts player %s on %q; PotentialMatchCreated put it on %q", p.PlayerID, p.Team, ts[i].teams[j])
				}
				if cfg.withQueue && p.PlayerSessionID == "" {
					s.fail(t, "e", "MatchmakingSucceeded of a placed match gives player %s no player session", p.PlayerID)
				}
			}
		}
		s.drop(m)
	case EventMatchmakingFailed:
		if m == nil || !m.placing || !sameTickets(m.tickets, ts) {
			s.fail(t, "e", "MatchmakingFailed for match %s, which is not placing with these tickets", d.MatchID)
		}
		s.drop(m)
	case EventMatchmakingCancelled:
		for _, tk := range ts {
			switch {
			case d.MatchID == "" && tk.match != nil:
				s.fail(t, "e", "MatchmakingCancelled for ticket %s without the id of its match %s", tk.id, tk.match.id)
			case d.MatchID != "" && tk.lastMatch != d.MatchID:
				s.fail(t, "e", "MatchmakingCancelled for ticket %s names match %s; the ticket was last in %q", tk.id, d.MatchID, tk.lastMatch)
			}
			tk.match = nil // events about the match still list it

		}
	case EventMatchmakingTimedOut:
		for _, tk := range ts {
			if tk.match != nil {
				s.fail(t, "d", "ticket %s timed out while in match %s (D16)", tk.id, tk.match.id)
			}
			if now.Before(tk.start.Add(tk.cfg.timeout)) {
				s.fail(t, "d", "ticket %s timed out at %v, before its deadline %v (D16)", tk.id, now, tk.start.Add(tk.cfg.timeout))
			}
		}
	case EventMatchmakingSearching:
		for _, tk := range ts {
			if tk.match != nil {
				s.fail(t, "e", "MatchmakingSearching for ticket %s, which is in live match %s", tk.id, tk.match.id)
			}
		}
	default:
		s.fail(t, "e", "unknown event type %q", d.Type)
	}
	to := StatusAfter(ev, cfg.withQueue)
	if to == "" {
		return
	}
	for _, tk := range ts {
		if !smLegal(tk.status, to, cfg) {
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
// players are in no other live match, (c) the oracle accepts it, and its
// tickets were all searching.
func (s *smState) proposed(t *rapid.T, ev *Event, ts []*smTicket) {
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
	live := map[string]string{}
	for _, m := range s.matches {
		for _, tk := range m.tickets {
			if tk.match != m {
				continue
			}
			for _, p := range tk.players {
				live[p.PlayerID] = m.id
			}
		}
	}
	teamOf := map[string]string{}
	var ots []oracleTicket
	for i, tk := range ts {
		if tk.match != nil {
			s.fail(t, "a", "ticket %s is proposed in match %s while in live match %s", tk.id, d.MatchID, tk.match.id)
		}
		if tk.status != ticket.StatusSearching {
			s.fail(t, "d", "ticket %s is proposed in match %s while %s", tk.id, d.MatchID, tk.status)
		}
		for j, p := range tk.players {
			if other, ok := live[p.PlayerID]; ok {
				s.fail(t, "a", "player %s is proposed in match %s while in live match %s", p.PlayerID, d.MatchID, other)
			}
			teamOf[p.PlayerID] = d.Tickets[i].Players[j].Team
		}
		ots = append(ots, oracleTicket{ID: tk.id, Start: tk.start, Players: tk.players})
	}
	additional := 0
	if cfg.withQueue {
		additional = cfg.additional
	}
	if err := oracleCheck(cfg.rs, ev.Time.Time, ots, teamOf, d.Location, additional); err != nil {
		j, _ := json.MarshalIndent(d, "", " ")
		s.fail(t, "c", "match %s of configuration %s breaks its rule set: %v\nevent detail: %s", d.MatchID, cfg.name, err, j)
	}
	s.stats.oracle++
	s.stats.matches[cfg.rs.name()]++
	m := &smMatch{id: d.MatchID, cfg: cfg, created: ev.Time.Time, tickets: slices.Clone(ts),
		accepting: cfg.acceptance, placing: cfg.withQueue && !cfg.acceptance}
	s.matches[m.id] = m
	for i, tk := range ts {
		tk.match, tk.lastMatch = m, m.id
		tk.teams = tk.teams[:0]
		for _, p := range d.Tickets[i].Players {
			tk.teams = append(tk.teams, p.Team)
		}
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
			case !s.stepped || tk.end.Add(s.cfg.TicketRetention).After(s.lastStep):
				s.fail(t, "b", "ticket %s ended at %v and was forgotten before its retention of %v ended", tk.id, tk.end, s.cfg.TicketRetention)
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
		if tk.status == ticket.StatusCompleted {
			for i, p := range v.Players {
				if p.Team != tk.teams[i] {
					s.fail(t, "b", "completed ticket %s shows player %s on %q; its match put it on %q", tk.id, p.PlayerID, p.Team, tk.teams[i])
				}
			}
			if tk.cfg.withQueue && (v.GameSessionConnectionInfo == nil || len(v.GameSessionConnectionInfo.MatchedPlayerSessions) != len(tk.players)) {
				s.fail(t, "b", "completed ticket %s of a WITH_QUEUE configuration has connection info %+v; want a player session per player", tk.id, v.GameSessionConnectionInfo)
			}
		}
		if tk.status.Terminal() {
			if !v.EndTime.Equal(tk.end) {
				s.fail(t, "b", "ticket %s has EndTime %v; its terminal event came at %v", tk.id, v.EndTime, tk.end)
			}
			if s.stepped && !tk.end.Add(s.cfg.TicketRetention).After(s.lastStep) {
				s.fail(t, "b", "ticket %s ended at %v and is still kept after a step at %v, past its retention of %v", tk.id, tk.end, s.lastStep, s.cfg.TicketRetention)
			}
		} else {
			if !v.EndTime.IsZero() {
				s.fail(t, "b", "active ticket %s has EndTime %v", tk.id, v.EndTime)
			}
			for _, p := range tk.players {
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
				s.fail(t, "d", "ticket %s is still QUEUED after a step", tk.id)
			case ticket.StatusSearching:
				if !s.now.Before(tk.start.Add(tk.cfg.timeout)) {
					s.fail(t, "d", "ticket %s is still SEARCHING after a step at %v, past its request deadline %v (D16)", tk.id, s.now, tk.start.Add(tk.cfg.timeout))
				}
			}
		}
	}
	total := 0
	for _, n := range s.e.Counts() {
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
		if m.accepting && justStepped && !s.now.Before(m.created.Add(m.cfg.accTimeout)) {
			s.fail(t, "d", "match %s still waits for acceptance after a step at %v, past its deadline %v (D15)", m.id, s.now, m.created.Add(m.cfg.accTimeout))
		}
	}
}

// ---------------------------------------------------------------------------
// Actions.

func (rs *oracleRuleSet) name() string { return rs.label }

func newSMState(t *rapid.T, stats *smStats) *smState {
	s := &smState{
		cfg: Config{
			Seed:            rapid.Uint64().Draw(t, "seed"),
			TicketRetention: smRetention,
		},
		now: smT0, ruleSets: map[string]*oracleRuleSet{}, byName: map[string]*smConfig{},
		tickets: map[string]*smTicket{}, matches: map[string]*smMatch{}, seen: map[string]bool{}, eventIDs: map[string]bool{},
		stats: stats,
	}
	var err error
	if s.e, err = New(s.cfg); err != nil {
		t.Fatalf("New: %v", err)
	}
	for _, r := range smRuleSets {
		rs, err := parseOracleRuleSet(r.body)
		if err != nil {
			t.Fatalf("oracle cannot read rule set %s: %v", r.name, err)
		}
		rs.label = r.name
		s.do(t, smOp{Kind: opRuleSet, RuleSet: CreateMatchmakingRuleSetInput{Name: r.name, RuleSetBody: r.body}})
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
	in := CreateMatchmakingConfigurationInput{
		Name:                  fmt.Sprintf("%s-%d", rsName, len(s.configs)),
		RuleSetName:           rsName,
		RequestTimeoutSeconds: rapid.IntRange(16, 90).Draw(t, "requestTimeout"),
		AcceptanceRequired:    rapid.Bool().Draw(t, "acceptance"),
	}
	if in.AcceptanceRequired {
		in.AcceptanceTimeoutSeconds = rapid.IntRange(2, 15).Draw(t, "acceptanceTimeout")
	}
	if rapid.Bool().Draw(t, "withQueue") {
		in.FlexMatchMode = ModeWithQueue
		in.GameSessionQueueArns = []string{smQueueArn}
		if smChance(t, "additional", 25) {
			in.AdditionalPlayerCount = 1
		}
	} else if rapid.Bool().Draw(t, "explicitStandalone") {
		in.FlexMatchMode = ModeStandalone
	}
	s.do(t, smOp{Kind: opConfig, Config: in})
	if e := s.ops[len(s.ops)-1].Err; e != "" {
		s.fail(t, "g", "a valid configuration was rejected: %s", e)
	}
	c := &smConfig{
		name: in.Name, arn: "arn:aws:gamelift:local:000000000000:matchmakingconfiguration/" + in.Name,
		rs: s.ruleSets[rsName], withQueue: in.FlexMatchMode == ModeWithQueue, acceptance: in.AcceptanceRequired,
		timeout:    time.Duration(in.RequestTimeoutSeconds) * time.Second,
		accTimeout: time.Duration(in.AcceptanceTimeoutSeconds) * time.Second,
		additional: in.AdditionalPlayerCount,
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
	in := CreateMatchmakingConfigurationInput{Name: "bad", RuleSetName: rsName, RequestTimeoutSeconds: 30}
	switch kind {
	case 0, 1:
		in.Name = s.configs[0].name // a duplicate name
	case 2:
		in.RequestTimeoutSeconds = 3 // before the last expansion (D5)
	case 3:
		in.FlexMatchMode = ModeWithQueue // without queues
	case 4:
		in.AcceptanceRequired = true // without a timeout
	case 5:
		in.RuleSetName = "nope"
	case 6:
		in.Name = "bad name!"
	case 7:
		s.do(t, smOp{Kind: opRuleSet, RuleSet: CreateMatchmakingRuleSetInput{
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
func (s *smState) genPlayer(t *rapid.T, rs *oracleRuleSet, id string) ticket.Player {
	p := ticket.Player{PlayerID: id, PlayerAttributes: map[string]ticket.AttributeValue{}}
	names := make([]string, 0, len(rs.attrs))
	for n := range rs.attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if smChance(t, "missing", 5) {
			continue // the default applies, or the ticket never matches (D20)
		}
		if smChance(t, "wrongType", 1) { // rejected
			p.PlayerAttributes[n] = ticket.StringList("wrong", "type")
			if rs.attrs[n].typ == "string_list" {
				p.PlayerAttributes[n] = ticket.Number(1)
			}
			continue
		}
		switch rs.attrs[n].typ {
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
	in := StartMatchmakingInput{ConfigurationName: cfg.name}
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
		if old := s.tickets[v.TicketID]; old != nil {
			// An id is free again once its ticket is forgotten.
			if !old.status.Terminal() || old.end.Add(s.cfg.TicketRetention).After(s.lastStep) {
				s.fail(t, "b", "StartMatchmaking reused the id of ticket %s, which is %s and still retained", old.id, old.status)
			}
			s.order = slices.DeleteFunc(s.order, func(x *smTicket) bool { return x == old })
		}
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
func (s *smState) activePlayers() []string {
	var out []string
	for _, tk := range s.order {
		if tk.status.Active() {
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
	in := AcceptMatchInput{TicketID: tk.id, AcceptanceType: Accept}
	switch {
	case smChance(t, "reject", 15):
		in.AcceptanceType = Reject
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
	res := s.do(t, smOp{Kind: opAccept, Accept: in})
	s.absorb(t, res.events)
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
		switch {
		case smChance(t, "badArn", 4):
			arn = "not an arn!"
		case smChance(t, "usedArn", 5) && len(s.sessions) > 0:
			arn = rapid.SampledFrom(s.sessions).Draw(t, "usedArnValue")
		}
		res = s.do(t, smOp{Kind: opComplete, Complete: CompletePlacementInput{MatchID: id, GameSessionArn: arn, IPAddress: "10.0.0.1", Port: 7777}})
		if res.err == nil {
			s.sessions = append(s.sessions, arn)
		}
	} else {
		res = s.do(t, smOp{Kind: opFail, Fail: FailPlacementInput{MatchID: id, Reason: "NO_CAPACITY"}})
	}
	s.absorb(t, res.events)
	if res.err == nil && (m == nil || !m.placing) {
		s.fail(t, "d", "a placement report for match %s, which is not placing, succeeded", id)
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
	want := []ticket.Ticket{}
	for _, id := range ids {
		if v, ok := s.e.Ticket(id); ok {
			want = append(want, v)
		}
	}
	got, _ := json.Marshal(append([]ticket.Ticket{}, res.tickets...))
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
	}
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
			e, err := New(Config{Seed: 1, TicketRetention: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			t0 := smT0
			body := `{"ruleLanguageVersion": "1.0", "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1}, {"name": "blue", "minPlayers": 1, "maxPlayers": 1}]}`
			if _, err := e.CreateMatchmakingRuleSet(t0, CreateMatchmakingRuleSetInput{Name: "duel", RuleSetBody: body}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.CreateMatchmakingConfiguration(t0, CreateMatchmakingConfigurationInput{
				Name: "duel", RuleSetName: "duel", RequestTimeoutSeconds: 60, AcceptanceRequired: true, AcceptanceTimeoutSeconds: 30,
			}); err != nil {
				t.Fatal(err)
			}
			start := func(id string, players ...string) {
				t.Helper()
				in := StartMatchmakingInput{TicketID: id, ConfigurationName: "duel"}
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
				if err := e.AcceptMatch(t0.Add(time.Second), AcceptMatchInput{TicketID: "b", PlayerIDs: []string{"p2"}, AcceptanceType: Accept}); err != nil {
					t.Fatal(err)
				}
				e.Events()
			}
			start("c", "p1", "p2")
			cancelled := map[string]int{}
			for _, ev := range e.Events() {
				if ev.Detail.Type == EventMatchmakingSearching {
					t.Errorf("MatchmakingSearching for %v: a ticket whose player moved to a new ticket must not search again", ev.Detail.Tickets[0].TicketID)
				}
				if ev.Detail.Type == EventMatchmakingCancelled {
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
			for _, n := range e.Counts() {
				total += n
			}
			if _, ok := e.Ticket("c"); !ok || total != 1 {
				t.Errorf("Counts() sums to %d after a and b are forgotten; want 1 (ticket c)", total)
			}
		})
	}
}
