package engine

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
	"github.com/tidwall/btree"
)

// config is a matchmaking configuration and its ticket pool.
type config struct {
	api  MatchmakingConfiguration
	tags []Tag
	rs   *ruleSetRec
	plan *plan

	pool        *pool.Pool[*tk]
	ev          *ruleset.Evaluator
	queued      []*tk                 // QUEUED tickets, in arrival order
	dirty       *anchorQueue          // anchors to try at the next step
	deadlines   *deadlineQueue        // QUEUED and SEARCHING tickets by request deadline
	wakeups     *btree.BTreeG[wakeup] // settled anchors to retry when an expansion applies
	accepting   *btree.BTreeG[*match] // matches waiting for acceptance, by deadline
	counts      [8]int                // tickets per status (statusIndex), retained ones included
	b           *builder
	large       *largeState
	backfillsIn int                  // backfill tickets in the pool
	resources   []string             // the events' resources: the configuration's ARN, shared (events are read-only)
	ruleTotals  []uint64             // passed, failed per rule, over every evaluation
	waits       [waitSamples]float64 // recent waits, seconds, for EstimatedWaitTime
	nwaits      int
}

// waitSamples is how many recent waits EstimatedWaitTime averages; fewer
// than minWaitSamples gives no estimate.
const (
	waitSamples    = 50
	minWaitSamples = 5
)

type wakeup struct {
	at int64
	t  *tk
}

func wakeupLess(a, b wakeup) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.t.seq < b.t.seq
}

func acceptLess(a, b *match) bool {
	if !a.deadline.Equal(b.deadline) {
		return a.deadline.Before(b.deadline)
	}
	return a.id < b.id
}

// plan is how a configuration's pool is indexed for its rule set: which
// number and string keys entries carry, and where candidates come from.
type plan struct {
	rs        *ruleset.RuleSet
	numBatch  []int // batch rule index per number key (-1 for an attribute key)
	numAttr   []int // schema attribute index per number key (-1 for a batch key)
	strBatch  []int // batch rule index per string key
	latency   bool  // index latency by location
	sortedKey int   // number key of the first sortByAttributes entry, or -1
	// source is the number key candidates are searched by, nearest first
	// (always key 0), or -1. With grouped, it is indexed per location and
	// latency band instead of over the whole pool: bands are the distinct
	// latency bounds the expansion schedule reaches, ascending, and a
	// ticket joins the band of each location whose bound its latency meets.
	source  int
	grouped bool
	bands   []float64

	// minPlayers is the fewest players any expansion step lets a match
	// have.
	minPlayers int

	// The algorithm settings the hot paths read.
	byOldest bool   // expansionAgeSelection oldest
	sorted   bool   // batchingPreference sorted
	priority string // backfillPriority
}

func newPlan(rs *ruleset.RuleSet) *plan {
	algo := rs.Algorithm()
	p := &plan{rs: rs, sortedKey: -1, byOldest: algo.ExpansionAgeSelection == ruleset.ExpansionAgeOldest,
		sorted: algo.BatchingPreference == ruleset.BatchSorted, priority: algo.BackfillPriority}
	for _, br := range rs.BatchRules() {
		if br.String {
			p.strBatch = append(p.strBatch, br.Rule)
		} else {
			p.numBatch = append(p.numBatch, br.Rule)
			p.numAttr = append(p.numAttr, -1)
		}
	}
	addAttr := func(ai int) int {
		if k := slices.Index(p.numAttr, ai); k >= 0 {
			return k
		}
		p.numBatch = append(p.numBatch, -1)
		p.numAttr = append(p.numAttr, ai)
		return len(p.numAttr) - 1
	}
	if rs.Algorithm().BatchingPreference == ruleset.BatchSorted && len(rs.SortByAttributes()) > 0 {
		if first := rs.SortByAttributes()[0]; rs.Schema().Attrs()[first].Kind == ticket.KindNumber {
			p.sortedKey = addAttr(first)
		}
	}
	if b := rs.BalancedAttribute(); b >= 0 {
		addAttr(b)
	}
	p.source = -1
	if len(p.numBatch) > 0 && (p.numBatch[0] >= 0 || p.sortedKey == 0) {
		p.source = 0
	}
	p.minPlayers = math.MaxInt
	for _, ph := range rs.Phases() {
		p.minPlayers = min(p.minPlayers, ph.MinPlayers())
	}
	small := rs.Class() == ruleset.Small
	if small && rs.HasLatencyRule() && p.source >= 0 {
		for _, ph := range rs.Phases() {
			if ms, ok := rs.LatencyBound(&ph); ok && !slices.Contains(p.bands, ms) {
				p.bands = append(p.bands, ms)
			}
		}
		slices.Sort(p.bands)
		p.grouped = len(p.bands) > 0
	}
	// The latency index serves the large sweep, and small rule sets with
	// no better source.
	p.latency = rs.HasLatencyRule() && (!small || (p.source < 0 && len(p.strBatch) == 0))
	return p
}

// group is the id of a location's latency band in the group index.
func (p *plan) group(loc int32, band int) int32 { return loc*int32(len(p.bands)) + int32(band) }

func (p *plan) options() pool.Options {
	o := pool.Options{Strings: len(p.strBatch), Latency: p.latency, Grouped: p.grouped}
	if p.rs.Class() == ruleset.Large {
		o.Strings = 0 // the sweep sorts by them; it never looks a value up
	}
	if p.source >= 0 && !p.grouped {
		o.Numbers = 1 // the source key, key 0; the others are carried, not indexed
	}
	return o
}

// keys fills an entry's keys; ok is false when the ticket can never satisfy
// a string batch rule (its party disagrees on the value).
func (p *plan) keys(e *pool.Entry[*tk], r *ticket.Resolved) bool {
	e.Nums = slices.Grow(e.Nums[:0], len(p.numBatch))[:len(p.numBatch)]
	for k := range p.numBatch {
		if p.numBatch[k] >= 0 {
			e.Nums[k] = p.rs.BatchNumber(p.numBatch[k], r)
		} else {
			e.Nums[k] = p.rs.NumberAt(p.numAttr[k], r)
		}
	}
	ok := true
	e.Strs = slices.Grow(e.Strs[:0], len(p.strBatch))[:len(p.strBatch)]
	for k, ri := range p.strBatch {
		var good bool
		e.Strs[k], good = p.rs.BatchString(ri, r)
		ok = ok && good
	}
	if p.latency {
		agg := r.PartyLatency()
		e.Lat = slices.Grow(e.Lat[:0], len(agg))[:len(agg)]
		for i, a := range agg {
			e.Lat[i] = ticket.Latency{Loc: a.Loc, Ms: a.Min}
		}
	}
	e.Groups = e.Groups[:0]
	if p.grouped {
		e.GroupKey = e.Nums[p.source]
		for _, a := range r.PartyLatency() {
			if b, _ := slices.BinarySearch(p.bands, float64(a.Min)); b < len(p.bands) {
				e.Groups = append(e.Groups, p.group(a.Loc, b))
			}
		}
	}
	return ok
}

var (
	snsPattern   = regexp.MustCompile(`^[a-zA-Z0-9:_/-]*(\.fifo)?$`)
	queuePattern = regexp.MustCompile(`^[a-zA-Z0-9:/-]+$`)
)

// checkConfig validates a configuration's fields against the API limits and
// D5 (the rule set's last expansion within RequestTimeoutSeconds).
func checkConfig(c *MatchmakingConfiguration, rs *ruleset.RuleSet) error {
	switch {
	case c.RequestTimeoutSeconds < 1 || c.RequestTimeoutSeconds > 43200:
		return invalid("RequestTimeoutSeconds is %d; it must be 1 to 43200", c.RequestTimeoutSeconds)
	case c.AcceptanceRequired && c.AcceptanceTimeoutSeconds == 0:
		return invalid("AcceptanceTimeoutSeconds is required when AcceptanceRequired is true; give 1 to 600 seconds")
	case c.AcceptanceTimeoutSeconds < 0 || c.AcceptanceTimeoutSeconds > 600:
		return invalid("AcceptanceTimeoutSeconds is %d; it must be 1 to 600", c.AcceptanceTimeoutSeconds)
	case c.AdditionalPlayerCount < 0:
		return invalid("AdditionalPlayerCount is %d; it must not be negative", c.AdditionalPlayerCount)
	case utf8.RuneCountInString(c.CustomEventData) > 256:
		return invalid("CustomEventData is %d characters long; the limit is 256", utf8.RuneCountInString(c.CustomEventData))
	case utf8.RuneCountInString(c.Description) > 1024:
		return invalid("Description is %d characters long; the limit is 1024", utf8.RuneCountInString(c.Description))
	case utf8.RuneCountInString(c.GameSessionData) > 4096:
		return invalid("GameSessionData is %d characters long; the limit is 4096", utf8.RuneCountInString(c.GameSessionData))
	case utf8.RuneCountInString(c.NotificationTarget) > 300 || !snsPattern.MatchString(c.NotificationTarget):
		return invalid("NotificationTarget %q must be an SNS topic ARN of at most 300 characters", c.NotificationTarget)
	case len(c.GameProperties) > 16:
		return invalid("GameProperties has %d entries; the limit is 16", len(c.GameProperties))
	case c.FlexMatchMode != ModeStandalone && c.FlexMatchMode != ModeWithQueue:
		return invalid("FlexMatchMode is %q; it must be STANDALONE or WITH_QUEUE", c.FlexMatchMode)
	case c.BackfillMode != BackfillAuto && c.BackfillMode != BackfillManual:
		return invalid("BackfillMode is %q; it must be AUTOMATIC or MANUAL", c.BackfillMode)
	case c.FlexMatchMode == ModeStandalone && len(c.GameSessionQueueArns) > 0:
		return invalid("GameSessionQueueArns must not be set when FlexMatchMode is STANDALONE")
	case c.FlexMatchMode == ModeWithQueue && len(c.GameSessionQueueArns) == 0:
		return invalid("GameSessionQueueArns is required when FlexMatchMode is WITH_QUEUE; give at least one game session queue ARN")
	}
	for i, p := range c.GameProperties {
		if n := utf8.RuneCountInString(p.Key); n > 32 {
			return invalid("GameProperties[%d].Key is %d characters long; the limit is 32", i, n)
		}
		if n := utf8.RuneCountInString(p.Value); n > 96 {
			return invalid("GameProperties[%d].Value is %d characters long; the limit is 96", i, n)
		}
	}
	for i, q := range c.GameSessionQueueArns {
		if n := utf8.RuneCountInString(q); n < 1 || n > 512 || !queuePattern.MatchString(q) {
			return invalid("GameSessionQueueArns[%d] %q must be 1 to 512 characters of letters, digits, ':', '/' and '-'", i, q)
		}
	}
	if last := rs.LastExpansion(); last > time.Duration(c.RequestTimeoutSeconds)*time.Second {
		return invalid("RequestTimeoutSeconds is %d, but rule set %s has an expansion step at %v seconds; the last expansion step must come within the request timeout",
			c.RequestTimeoutSeconds, c.RuleSetName, last.Seconds())
	}
	if c.AdditionalPlayerCount >= rs.MaxPlayers() && c.FlexMatchMode == ModeWithQueue {
		return invalid("AdditionalPlayerCount is %d, but rule set %s holds at most %d players; leave room for at least one", c.AdditionalPlayerCount, c.RuleSetName, rs.MaxPlayers())
	}
	return nil
}

// CreateMatchmakingConfiguration creates a configuration bound to a
// registered rule set.
func (e *Engine) CreateMatchmakingConfiguration(now time.Time, in CreateMatchmakingConfigurationInput) (MatchmakingConfiguration, error) {
	if err := checkName("Name", in.Name); err != nil {
		return MatchmakingConfiguration{}, err
	}
	if err := checkTags(in.Tags); err != nil {
		return MatchmakingConfiguration{}, err
	}
	if _, dup := e.configs[in.Name]; dup {
		return MatchmakingConfiguration{}, invalid("a configuration named %q already exists", in.Name)
	}
	if len(e.configs) >= e.cfg.MaxConfigurations {
		return MatchmakingConfiguration{}, limitExceeded("there are already %d configurations; the limit is %d", len(e.configs), e.cfg.MaxConfigurations)
	}
	rec, err := e.ruleSet("RuleSetName", in.RuleSetName)
	if err != nil {
		return MatchmakingConfiguration{}, err
	}
	api := MatchmakingConfiguration{
		Name: in.Name, ConfigurationArn: e.arn("matchmakingconfiguration", in.Name),
		Description: in.Description, GameSessionQueueArns: slices.Clone(in.GameSessionQueueArns),
		RequestTimeoutSeconds: in.RequestTimeoutSeconds, AcceptanceTimeoutSeconds: in.AcceptanceTimeoutSeconds,
		AcceptanceRequired: in.AcceptanceRequired, RuleSetName: rec.api.RuleSetName, RuleSetArn: rec.api.RuleSetArn,
		NotificationTarget: in.NotificationTarget, AdditionalPlayerCount: in.AdditionalPlayerCount,
		CustomEventData: in.CustomEventData, CreationTime: Time{now.UTC()},
		GameProperties: slices.Clone(in.GameProperties), GameSessionData: in.GameSessionData,
		BackfillMode: in.BackfillMode, FlexMatchMode: in.FlexMatchMode,
	}
	if api.FlexMatchMode == "" {
		api.FlexMatchMode = ModeStandalone
	}
	if api.BackfillMode == "" {
		api.BackfillMode = BackfillManual
	}
	if err := checkConfig(&api, rec.compiled); err != nil {
		return MatchmakingConfiguration{}, err
	}
	c := &config{
		api:       api,
		tags:      slices.Clone(in.Tags),
		resources: []string{api.ConfigurationArn},
		dirty:     newAnchorQueue(),
		deadlines: newDeadlineQueue(),
		wakeups:   btree.NewBTreeGOptions(wakeupLess, btree.Options{NoLocks: true}),
		accepting: btree.NewBTreeGOptions(acceptLess, btree.Options{NoLocks: true}),
	}
	e.bindRuleSet(c, rec)
	e.configs[in.Name] = c
	return c.api, nil
}

// bindRuleSet (re)binds c to a rule set and rebuilds its pool. Every
// ticket waiting for a match (QUEUED or SEARCHING, in the pool or not) is
// resolved again against the new rule set, and a backfill ticket's teams are
// found again by name. A ticket that no longer fits (an attribute of another
// type, a team the new rule set lacks) stays until its request timeout, its
// StatusReason saying why. Callers make sure no ticket of c is in a match
// (REQUIRES_ACCEPTANCE or PLACING): those were built on the old rule set.
func (e *Engine) bindRuleSet(c *config, rec *ruleSetRec) {
	var waiting []*tk
	var oldRS *ruleset.RuleSet
	if c.rs != nil {
		oldRS = c.rs.compiled
		// The anchor order depends on the rule set (backfillPriority):
		// empty the queue before the order changes.
		c.dirty.clear()
		c.deadlines.each(func(t *tk) { waiting = append(waiting, t) })
		c.rs.users--
	}
	rec.users++
	c.rs = rec
	c.plan = newPlan(rec.compiled)
	old := c.pool
	c.pool = pool.New[*tk](c.plan.options())
	c.ev = rec.compiled.NewEvaluator(e.locs)
	c.ruleTotals = nil
	c.large = nil // the large-match bookkeeping of the old rule set
	c.backfillsIn = 0
	for _, t := range waiting {
		if t.ent.In() {
			old.Remove(&t.ent)
		}
		if t.wakeAt != 0 {
			c.wakeups.Delete(wakeup{t.wakeAt, t})
			t.wakeAt = 0
		}
		e.reresolve(t, oldRS, rec)
		if t.searching() {
			e.admit(c, t)
			e.markDirty(c, t)
		}
	}
}

// reresolve resolves a waiting ticket's players against a new rule set.
func (e *Engine) reresolve(t *tk, oldRS *ruleset.RuleSet, rec *ruleSetRec) {
	rs := rec.compiled
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
		t.note(ticket.ReasonMissingAttribute, "The configuration's rule set changed to "+rec.api.RuleSetName+", which this ticket does not fit ("+why+"); it can never match.")
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
	t.r = r
}

// DescribeMatchmakingConfigurations returns the named configurations (names
// or ARNs; unknown ones are left out), or those using ruleSetName, or all,
// in name order, limit at a time (0 means 10).
func (e *Engine) DescribeMatchmakingConfigurations(names []string, ruleSetName string, limit int, nextToken string) ([]MatchmakingConfiguration, string, error) {
	if limit < 0 || limit > 10 {
		return nil, "", invalid("Limit is %d; it must be 1 to 10", limit)
	}
	var list []string
	switch {
	case len(names) > 0:
		for i, ref := range names {
			n, err := resolveName(fmt.Sprintf("Names[%d]", i), ref, "matchmakingconfiguration")
			if err != nil {
				return nil, "", err
			}
			if _, ok := e.configs[n]; ok {
				list = append(list, n)
			}
		}
	default:
		var rsName string
		if ruleSetName != "" {
			var err error
			if rsName, err = resolveName("RuleSetName", ruleSetName, "matchmakingruleset"); err != nil {
				return nil, "", err
			}
		}
		for n, c := range e.configs {
			if rsName == "" || c.api.RuleSetName == rsName {
				list = append(list, n)
			}
		}
		sort.Strings(list)
	}
	page, next, err := paginate(list, limit, nextToken)
	if err != nil {
		return nil, "", err
	}
	out := make([]MatchmakingConfiguration, 0, len(page))
	for _, n := range page {
		out = append(out, e.configs[n].api)
	}
	return out, next, nil
}

// UpdateMatchmakingConfiguration changes the given fields. The change
// applies to matches made after it; a new rule set re-resolves the tickets
// waiting for a match, and is refused while tickets of the configuration are
// in matches waiting for acceptance or placement.
func (e *Engine) UpdateMatchmakingConfiguration(in UpdateMatchmakingConfigurationInput) (MatchmakingConfiguration, error) {
	c, err := e.configuration("Name", in.Name)
	if err != nil {
		return MatchmakingConfiguration{}, err
	}
	api := c.api
	setIf(&api.Description, in.Description)
	setIf(&api.GameSessionQueueArns, in.GameSessionQueueArns)
	setIf(&api.RequestTimeoutSeconds, in.RequestTimeoutSeconds)
	setIf(&api.AcceptanceTimeoutSeconds, in.AcceptanceTimeoutSeconds)
	setIf(&api.AcceptanceRequired, in.AcceptanceRequired)
	setIf(&api.NotificationTarget, in.NotificationTarget)
	setIf(&api.AdditionalPlayerCount, in.AdditionalPlayerCount)
	setIf(&api.CustomEventData, in.CustomEventData)
	setIf(&api.GameProperties, in.GameProperties)
	setIf(&api.GameSessionData, in.GameSessionData)
	setIf(&api.BackfillMode, in.BackfillMode)
	setIf(&api.FlexMatchMode, in.FlexMatchMode)
	// The configuration keeps its own copies, apart from the caller's and
	// from the ones already handed out.
	api.GameSessionQueueArns = slices.Clone(api.GameSessionQueueArns)
	api.GameProperties = slices.Clone(api.GameProperties)
	rec := c.rs
	if in.RuleSetName != nil {
		if rec, err = e.ruleSet("RuleSetName", *in.RuleSetName); err != nil {
			return MatchmakingConfiguration{}, err
		}
		api.RuleSetName, api.RuleSetArn = rec.api.RuleSetName, rec.api.RuleSetArn
		if n := c.counts[statusIndex(ticket.StatusRequiresAcceptance)] + c.counts[statusIndex(ticket.StatusPlacing)]; rec != c.rs && n > 0 {
			// Those matches were built on the current rule set's teams and
			// attributes, and finish on them.
			return MatchmakingConfiguration{}, invalid("configuration %q has %d tickets in matches waiting for acceptance or placement; RuleSetName can change once they finish", api.Name, n)
		}
	}
	if err := checkConfig(&api, rec.compiled); err != nil {
		return MatchmakingConfiguration{}, err
	}
	c.api = api
	if rec != c.rs {
		e.bindRuleSet(c, rec)
	}
	return c.api, nil
}

// setIf sets *dst to *src when src is not nil (an update's given field).
func setIf[T any](dst, src *T) {
	if src != nil {
		*dst = *src
	}
}

// DeleteMatchmakingConfiguration removes a configuration that has no active
// tickets, and turns automatic backfill off for its game sessions.
func (e *Engine) DeleteMatchmakingConfiguration(ref string) error {
	c, err := e.configuration("Name", ref)
	if err != nil {
		return err
	}
	if n := c.activeTickets(); n > 0 {
		return invalid("configuration %q has %d active %s; stop them or wait for them to end before deleting it", c.api.Name, n, plural(n, "ticket", "tickets"))
	}
	c.rs.users--
	delete(e.configs, c.api.Name)
	// Its game sessions stay describable, but automatic backfill ends with
	// it: a backfill ticket opened later (ReportPlayersLeft) would belong to
	// a configuration no Step visits and stay QUEUED for ever (D24).
	for _, m := range e.sessions { // sets a flag on each: order does not matter
		if m.cfg == c {
			m.autoOff = true
		}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// activeTickets counts the tickets that are not terminal.
func (c *config) activeTickets() int { return c.counts[0] + c.counts[1] + c.counts[2] + c.counts[3] }

// configuration resolves a configuration reference (name or ARN) given in
// field.
func (e *Engine) configuration(field, ref string) (*config, error) {
	name, err := resolveName(field, ref, "matchmakingconfiguration")
	if err != nil {
		return nil, err
	}
	c, ok := e.configs[name]
	if !ok {
		return nil, notFound("configuration %q does not exist", ref)
	}
	return c, nil
}
