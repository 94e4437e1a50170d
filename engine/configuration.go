package engine

import (
	"fmt"
	"time"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Mode is a configuration's FlexMatchMode (D14).
type Mode uint8

// The two modes. Standalone, the zero value, is the default.
const (
	// Standalone: a match completes as soon as it is made (and accepted);
	// the embedding application starts the game itself.
	Standalone Mode = iota
	// WithQueue: a match waits in PLACING until the application reports the
	// game session's placement (CompletePlacement or FailPlacement).
	WithQueue
)

// String returns the GameLift name of the mode.
func (m Mode) String() string {
	if m == WithQueue {
		return "WITH_QUEUE"
	}
	return "STANDALONE"
}

// BackfillMode says whether the engine backfills completed matches itself
// (D24).
type BackfillMode uint8

// The two backfill modes. Manual, the zero value, is the default.
const (
	// BackfillManual: only StartMatchBackfill requests backfill.
	BackfillManual BackfillMode = iota
	// BackfillAutomatic: a match that completes with open slots gets a
	// backfill ticket from the engine.
	BackfillAutomatic
)

// String returns the GameLift name of the backfill mode.
func (m BackfillMode) String() string {
	if m == BackfillAutomatic {
		return "AUTOMATIC"
	}
	return "MANUAL"
}

// Placement timeouts (Configuration.PlacementTimeout). The default is the
// default TimeoutInSeconds of a GameLift game session queue.
const (
	DefaultPlacementTimeout = 10 * time.Minute
	MaxPlacementTimeout     = 24 * time.Hour
)

// Game session lifetimes (Configuration.GameSessionLifetime). A game that
// never reports its end still stops holding memory after a day.
const (
	DefaultGameSessionLifetime = 24 * time.Hour
	MaxGameSessionLifetime     = 30 * 24 * time.Hour
)

// gameSessionLifetime is c's game session lifetime, the default applied.
func (c *Configuration) gameSessionLifetime() time.Duration {
	if c.GameSessionLifetime == 0 {
		return DefaultGameSessionLifetime
	}
	return c.GameSessionLifetime
}

// placementTimeout is c's placement timeout, the default applied.
func (c *Configuration) placementTimeout() time.Duration {
	if c.PlacementTimeout == 0 {
		return DefaultPlacementTimeout
	}
	return c.PlacementTimeout
}

// Configuration is a matchmaking configuration: a rule set and the
// settings of the ticket lifecycle around it. Configurations are values:
// AddConfiguration and UpdateConfiguration copy them, and events point to
// the version in force when they happened.
type Configuration struct {
	// Name identifies the configuration in requests and events.
	Name string
	// RuleSet is the compiled rule set the configuration matches with.
	RuleSet *ruleset.RuleSet
	// RuleSetName is what messages call the rule set (optional).
	RuleSetName string
	// RequestTimeout is how long a ticket may search before it times out
	// (D16). It must be positive and no shorter than the rule set's last
	// expansion step (D5).
	RequestTimeout time.Duration
	// AcceptanceRequired makes every proposed match wait for its players'
	// answers, up to AcceptanceTimeout (which must then be positive) (D15).
	AcceptanceRequired bool
	AcceptanceTimeout  time.Duration
	// AdditionalPlayerCount is how many slots a WITH_QUEUE match keeps open
	// for players the game adds itself.
	AdditionalPlayerCount int
	// Mode is STANDALONE (the default) or WITH_QUEUE (D14).
	Mode Mode
	// Backfill is MANUAL (the default) or AUTOMATIC (D24).
	Backfill BackfillMode
	// PlacementTimeout is how long a WITH_QUEUE match waits in PLACING for
	// CompletePlacement or FailPlacement (D14); then its tickets fail with
	// StatusReason PLACEMENT_TIMEOUT and a MatchmakingFailed event. Zero
	// means DefaultPlacementTimeout; at most MaxPlacementTimeout.
	PlacementTimeout time.Duration
	// GameSessionLifetime is how long a game session the engine made lives
	// before it ends by itself, as EndGameSession ends it: its backfill
	// stops and the engine forgets it. Zero means
	// DefaultGameSessionLifetime; at most MaxGameSessionLifetime.
	GameSessionLifetime time.Duration
	// CustomEventData is copied into every event of the configuration.
	CustomEventData string
}

// Validate checks the configuration and reports the first problem.
func (c *Configuration) Validate() error {
	switch {
	case c.Name == "":
		return invalid("Configuration.Name is required")
	case c.RuleSet == nil:
		return invalid("Configuration.RuleSet is required")
	case c.RequestTimeout <= 0:
		return invalid("Configuration.RequestTimeout is %v; it must be positive", c.RequestTimeout)
	case c.AcceptanceRequired && c.AcceptanceTimeout <= 0:
		return invalid("Configuration.AcceptanceTimeout is %v; it must be positive when AcceptanceRequired is true", c.AcceptanceTimeout)
	case c.AdditionalPlayerCount < 0 || c.AdditionalPlayerCount > ruleset.MaxMatchPlayers-1:
		return invalid("Configuration.AdditionalPlayerCount is %d; it must be 0 to %d", c.AdditionalPlayerCount, ruleset.MaxMatchPlayers-1)
	case c.Mode > WithQueue:
		return invalid("Configuration.Mode is %d; it must be Standalone or WithQueue", c.Mode)
	case c.PlacementTimeout < 0 || c.PlacementTimeout > MaxPlacementTimeout:
		return invalid("Configuration.PlacementTimeout is %v; it must be from 0 (the default, %v) to %v", c.PlacementTimeout, DefaultPlacementTimeout, MaxPlacementTimeout)
	case c.GameSessionLifetime < 0 || c.GameSessionLifetime > MaxGameSessionLifetime:
		return invalid("Configuration.GameSessionLifetime is %v; it must be from 0 (the default, %v) to %v", c.GameSessionLifetime, DefaultGameSessionLifetime, MaxGameSessionLifetime)
	case c.Backfill > BackfillAutomatic:
		return invalid("Configuration.Backfill is %d; it must be BackfillManual or BackfillAutomatic", c.Backfill)
	case c.RuleSet.LastExpansion() > c.RequestTimeout:
		return invalid("Configuration.RequestTimeout is %v, but the rule set has an expansion step at %v; the last expansion step must come within the request timeout (D5)",
			c.RequestTimeout, c.RuleSet.LastExpansion())
	case c.Mode == WithQueue && c.AdditionalPlayerCount >= c.RuleSet.MaxPlayers():
		return invalid("Configuration.AdditionalPlayerCount is %d, but the rule set holds at most %d players; leave room for at least one",
			c.AdditionalPlayerCount, c.RuleSet.MaxPlayers())
	}
	return nil
}

// ruleSetLabel is how messages name the configuration's rule set: "rule
// set NAME", by RuleSetName or the body's name property, or "the rule set
// of configuration NAME".
func (c *Configuration) ruleSetLabel() string {
	switch {
	case c.RuleSetName != "":
		return "rule set " + c.RuleSetName
	case c.RuleSet.Name() != "":
		return "rule set " + c.RuleSet.Name()
	}
	return "the rule set of configuration " + c.Name
}

// AddConfiguration adds a configuration. Its name must be new.
func (e *Engine) AddConfiguration(now time.Time, cfg Configuration) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if _, dup := e.configs[cfg.Name]; dup {
		return invalid("a configuration named %q already exists", cfg.Name)
	}
	c := &config{
		dirty:     newAnchorQueue(),
		deadlines: newDeadlineQueue(),
		wakeups:   newMinHeap(wakeupLess, func(t *tk) *int32 { return &t.wakePos }),
		accepting: newMinHeap(acceptLess, func(m *match) *int32 { return &m.acceptPos }),
		placing:   newMinHeap(acceptLess, func(m *match) *int32 { return &m.placePos }),
	}
	info := cfg
	c.info = &info
	e.bindRuleSet(c, nil)
	e.configs[cfg.Name] = c
	e.setOrder()
	return nil
}

// Configuration returns a configuration's current settings.
func (e *Engine) Configuration(name string) (Configuration, bool) {
	c, ok := e.configs[name]
	if !ok {
		return Configuration{}, false
	}
	return *c.info, true
}

// UpdateConfiguration replaces the settings of the configuration named
// cfg.Name. The change applies to matches made after it. A new rule set
// (another *ruleset.RuleSet) re-resolves the tickets waiting for a match,
// and is refused while tickets of the configuration are in matches waiting
// for acceptance or placement, which were built on the old one.
func (e *Engine) UpdateConfiguration(now time.Time, cfg Configuration) error {
	c, err := e.configuration(cfg.Name)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if n := c.counts[statusIndex(ticket.StatusRequiresAcceptance)] + c.counts[statusIndex(ticket.StatusPlacing)]; cfg.RuleSet != c.rs && n > 0 {
		return invalid("configuration %q has %d tickets in matches waiting for acceptance or placement; RuleSetName can change once they finish", cfg.Name, n)
	}
	old := c.info
	info := cfg
	c.info = &info
	if cfg.RuleSet != c.rs {
		e.bindRuleSet(c, old)
	}
	return nil
}

// RemoveConfiguration removes a configuration that has no active tickets,
// and turns automatic backfill off for its game sessions, which stay
// known until their tickets are forgotten.
func (e *Engine) RemoveConfiguration(now time.Time, name string) error {
	c, err := e.configuration(name)
	if err != nil {
		return err
	}
	if n := c.activeTickets(); n > 0 {
		return invalid("configuration %q has %d active %s; stop them or wait for them to end before deleting it", name, n, plural(n, "ticket", "tickets"))
	}
	delete(e.configs, name)
	e.setOrder()
	// A backfill ticket opened later (ReportPlayersLeft) would belong to a
	// configuration no Step visits and stay QUEUED for ever (D24).
	for _, m := range e.sessions { // sets a flag on each: order does not matter
		if m.cfg == c {
			m.autoOff = true
		}
	}
	return nil
}

// bindRuleSet (re)binds c to c.info's rule set and rebuilds its pool
// (old is the configuration before an update, nil for a new one). Every
// ticket waiting for a match (QUEUED or SEARCHING, in the pool or not) is
// resolved again against the new rule set, and a backfill ticket's teams
// are found again by name. A ticket that no longer fits (an attribute of
// another type, a team the new rule set lacks) stays until its request
// timeout, its StatusReason saying why. Callers make sure no ticket of c is
// in a match (REQUIRES_ACCEPTANCE or PLACING): those were built on the old
// rule set.
func (e *Engine) bindRuleSet(c *config, old *Configuration) {
	var waiting []*tk
	if old != nil {
		// The anchor order depends on the rule set (backfillPriority):
		// empty the queue before the order changes.
		c.dirty.clear()
		c.deadlines.each(func(t *tk) { waiting = append(waiting, t) })
	}
	c.rs = c.info.RuleSet
	c.plan = newPlan(c.rs)
	oldPool := c.pool
	c.pool = pool.New[*tk](c.plan.options(e.cfg.NoStaging))
	c.ev = c.rs.NewEvaluator(e.locs)
	c.ruleTotals, c.ruleErrors = nil, nil
	c.large = nil // the large-match bookkeeping of the old rule set
	c.backfillsIn = 0
	for _, t := range waiting {
		if t.ent.In() {
			oldPool.Remove(&t.ent)
		}
		if t.wakeAt != 0 {
			c.wakeups.Remove(t)
			t.wakeAt = 0
		}
		e.reresolve(t, old.RuleSet, c.info)
		if t.searching() {
			e.admit(c, t)
			e.markDirty(c, t)
		}
	}
}

// reresolve resolves a waiting ticket's players against the rule set of
// the configuration's new settings.
func (e *Engine) reresolve(t *tk, oldRS *ruleset.RuleSet, info *Configuration) {
	rs := info.RuleSet
	if t.metrics != nil {
		// Counts carry over to the new rule set's rule of the same name;
		// the old rule set's other rules are gone from the events.
		metrics := make([]uint32, 2*len(rs.Rules()))
		for i, nr := range rs.Rules() {
			for j, or := range oldRS.Rules() {
				if or.Name == nr.Name {
					metrics[2*i], metrics[2*i+1] = t.metrics[2*j], t.metrics[2*j+1]
				}
			}
		}
		t.metrics = metrics
	}
	if t.blocked {
		t.blocked = false
		t.note("", "")
	}
	block := func(why string) {
		t.blocked = true
		t.note(ticket.ReasonMissingAttribute, "The configuration's rule set changed to "+info.ruleSetLabel()+", which this ticket does not fit ("+why+"); it can never match.")
	}
	if t.backfill != nil && t.teams != nil {
		teams := make([]int, len(t.teams))
		for p, ti := range t.teams {
			name := oldRS.Teams()[ti].Name
			nt, ok := rs.TeamIndex(name)
			if !ok {
				block(fmt.Sprintf("it has no team %s", name))
				return
			}
			teams[p] = nt
		}
		if ti, _, most, over := overfullTeam(rs, teams); over {
			block(fmt.Sprintf("team %s holds at most %d players", rs.Teams()[ti].Name, most))
			return
		}
		t.teams = teams
	}
	r, err := rs.Schema().Resolve(playersOf(t.r, e.locs), e.locs)
	if err != nil {
		block(err.Error()) // t.r stays: its players are still described
		return
	}
	r.Locations(e.locs.Retain)
	t.r.Locations(e.locs.Release)
	t.r = r
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// activeTickets counts the tickets that are not terminal.
func (c *config) activeTickets() int { return c.counts[0] + c.counts[1] + c.counts[2] + c.counts[3] }

// configuration looks a configuration up by name.
func (e *Engine) configuration(name string) (*config, error) {
	c, ok := e.configs[name]
	if !ok {
		return nil, notFound("configuration %q does not exist", name)
	}
	return c, nil
}
