package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Config configures an Engine. The zero value is valid and means the
// defaults documented on each field.
type Config struct {
	// Seed seeds the random source behind generated ids (tickets, matches,
	// events, player sessions) and random batching (D21). The same seed and
	// the same inputs give byte-identical events.
	Seed uint64
	// Source, Account and Region fill the event envelope and ARNs (D18).
	// Defaults: "matchforge", "000000000000", "local".
	Source  string
	Account string
	Region  string
	// TicketRetention is how long a ticket stays describable after it ends.
	// Default 1 hour.
	TicketRetention time.Duration
	// MaxRuleSets and MaxConfigurations bound how many may exist at once
	// (LimitExceededException past them). Default 1000 each.
	MaxRuleSets       int
	MaxConfigurations int
	// SearchBudget bounds the candidates examined when building one match
	// around one anchor. Default 256.
	SearchBudget int
	// EventMatchmakerData makes MatchmakingSucceeded events carry the game
	// session's matchmaker data (an extension of the FlexMatch event). It is
	// off by default because it costs a map per player; MatchmakerData
	// returns the document either way. Replays turn it on.
	EventMatchmakerData bool
}

const (
	defaultSource    = "matchforge"
	defaultAccount   = "000000000000"
	defaultRegion    = "local"
	defaultRetention = time.Hour
	defaultMaxItems  = 1000
	defaultBudget    = 256
)

var accountPattern = regexp.MustCompile(`^[0-9]{12}$`)

// Validate checks the configuration and reports the first problem.
func (c Config) Validate() error {
	switch {
	case c.Account != "" && !accountPattern.MatchString(c.Account):
		return fmt.Errorf("engine: Config.Account %q must be 12 digits", c.Account)
	case strings.ContainsAny(c.Region, ": /"):
		return fmt.Errorf("engine: Config.Region %q must not contain ':', '/' or spaces", c.Region)
	case c.TicketRetention < 0:
		return fmt.Errorf("engine: Config.TicketRetention is %v; it must not be negative", c.TicketRetention)
	case c.MaxRuleSets < 0, c.MaxConfigurations < 0:
		return errors.New("engine: Config.MaxRuleSets and MaxConfigurations must not be negative")
	case c.SearchBudget < 0:
		return fmt.Errorf("engine: Config.SearchBudget is %d; it must not be negative", c.SearchBudget)
	}
	return nil
}

func (c *Config) fill() {
	if c.Source == "" {
		c.Source = defaultSource
	}
	if c.Account == "" {
		c.Account = defaultAccount
	}
	if c.Region == "" {
		c.Region = defaultRegion
	}
	if c.TicketRetention == 0 {
		c.TicketRetention = defaultRetention
	}
	if c.MaxRuleSets == 0 {
		c.MaxRuleSets = defaultMaxItems
	}
	if c.MaxConfigurations == 0 {
		c.MaxConfigurations = defaultMaxItems
	}
	if c.SearchBudget == 0 {
		c.SearchBudget = defaultBudget
	}
}

// Engine is the deterministic matchmaking core: rule sets, configurations,
// tickets, matches and the events their changes produce. Time is an input:
// every operation takes now, and Step(now) does the periodic work. Nothing
// in the engine reads the clock, sleeps or starts goroutines.
//
// An Engine is not safe for concurrent use; wrap it in a Runner to share it
// between goroutines.
type Engine struct {
	cfg       Config
	rng       *rand.Rand
	locs      *ticket.Locations
	ruleSets  map[string]*ruleSetRec
	configs   map[string]*config
	tickets   map[string]*tk
	players   map[string]*tk // player id -> its latest matchmaking ticket; an ended one stays until purged
	shown     shownMatch     // the last match proposed, as its event showed it
	matches   map[string]*match
	sessions  map[string]*match // game session (ARN, or match id in STANDALONE) -> match
	backfills map[string]*tk    // game session -> its latest backfill ticket
	out       []Event
	retired   []*tk // terminal tickets in order of end time
	now       time.Time
	idBuf     [16]byte
	seq       uint64 // ticket arrival counter
	epoch     uint32 // match-building counter (see nextEpoch)
}

// New returns an empty engine.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.fill()
	return &Engine{
		cfg:       cfg,
		rng:       rand.New(rand.NewPCG(cfg.Seed, 0x6d61746368666f72)),
		locs:      ticket.NewLocations(),
		ruleSets:  map[string]*ruleSetRec{},
		configs:   map[string]*config{},
		tickets:   map[string]*tk{},
		players:   map[string]*tk{},
		matches:   map[string]*match{},
		sessions:  map[string]*match{},
		backfills: map[string]*tk{},
	}, nil
}

// RuleMetrics returns, for each rule of a configuration's rule set, how many
// evaluations on candidate matches it passed and failed since the
// configuration was created or its rule set last changed.
func (e *Engine) RuleMetrics(configuration string) ([]RuleMetric, error) {
	c, err := e.configuration("ConfigurationName", configuration)
	if err != nil {
		return nil, err
	}
	rules := c.rs.compiled.Rules()
	out := make([]RuleMetric, len(rules))
	for i, r := range rules {
		out[i].RuleName = r.Name
		if len(c.ruleTotals) == 2*len(rules) {
			out[i].PassedCount, out[i].FailedCount = int(c.ruleTotals[2*i]), int(c.ruleTotals[2*i+1])
		}
	}
	return out, nil
}

// Locations returns the table the engine interns latency locations in.
func (e *Engine) Locations() *ticket.Locations { return e.locs }

// newID returns a version-4 UUID from the seeded source (D21).
func (e *Engine) newID() string {
	binary.LittleEndian.PutUint64(e.idBuf[:8], e.rng.Uint64())
	binary.LittleEndian.PutUint64(e.idBuf[8:], e.rng.Uint64())
	u := uuid.UUID(e.idBuf)
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	return u.String()
}

func (e *Engine) arn(kind, name string) string {
	return "arn:aws:gamelift:" + e.cfg.Region + ":" + e.cfg.Account + ":" + kind + "/" + name
}

// ruleSetRec is a registered rule set.
type ruleSetRec struct {
	api      MatchmakingRuleSet
	compiled *ruleset.RuleSet
	tags     []Tag
	users    int // configurations using it
}

// checkName validates a resource name given on create: at most 128
// characters of letters, digits, '-' and '.'.
func checkName(field, name string) error {
	switch {
	case name == "":
		return invalid("%s is required; give 1 to 128 letters, digits, '-' or '.'", field)
	case utf8.RuneCountInString(name) > 128:
		return invalid("%s is %d characters long; the limit is 128", field, utf8.RuneCountInString(name))
	case !ticket.IDChars(name): // names take the characters of ticket ids
		return invalid("%s %q may contain only letters, digits, '-' and '.'", field, name)
	}
	return nil
}

// resolveName turns a name or ARN reference into a name.
func resolveName(field, ref, kind string) (string, error) {
	if ref == "" {
		return "", invalid("%s is required", field)
	}
	if utf8.RuneCountInString(ref) > 256 {
		return "", invalid("%s is %d characters long; the limit is 256", field, utf8.RuneCountInString(ref))
	}
	if strings.HasPrefix(ref, "arn:") {
		i := strings.LastIndex(ref, ":"+kind+"/")
		if i < 0 {
			return "", invalid("%s %q is not a %s ARN", field, ref, kind)
		}
		ref = ref[i+len(kind)+2:]
	}
	if !ticket.IDChars(ref) {
		return "", invalid("%s %q may contain only letters, digits, '-' and '.'", field, ref)
	}
	return ref, nil
}

func checkTags(tags []Tag) error {
	if len(tags) > 200 {
		return invalid("Tags has %d tags; the limit is 200", len(tags))
	}
	for i, t := range tags {
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 {
			return invalid("Tags[%d].Key is %d characters long; it must be 1 to 128", i, n)
		}
		if n := utf8.RuneCountInString(t.Value); n > 256 {
			return invalid("Tags[%d].Value is %d characters long; the limit is 256", i, n)
		}
	}
	return nil
}

// ValidateMatchmakingRuleSet checks a rule-set body. A valid body gives nil;
// an invalid one gives an InvalidRequestException whose message lists every
// problem with its JSON path (D6).
func (e *Engine) ValidateMatchmakingRuleSet(body string) error {
	_, err := compileBody(body)
	return err
}

func compileBody(body string) (*ruleset.RuleSet, error) {
	if body == "" {
		return nil, invalid("RuleSetBody is required; give the rule set as a JSON string")
	}
	rs, err := ruleset.Load([]byte(body))
	if err != nil {
		problems := ruleset.Problems(err)
		var b strings.Builder
		if len(problems) == 1 {
			b.WriteString("RuleSetBody is not a valid rule set: ")
			b.WriteString(problems[0].Error())
		} else {
			fmt.Fprintf(&b, "RuleSetBody is not a valid rule set (%d problems):", len(problems))
			for i, p := range problems {
				fmt.Fprintf(&b, " (%d) %s", i+1, p.Error())
			}
		}
		return nil, invalid("%s", b.String())
	}
	return rs, nil
}

// CreateMatchmakingRuleSet validates and registers a rule set. Rule sets are
// immutable; names are unique.
func (e *Engine) CreateMatchmakingRuleSet(now time.Time, in CreateMatchmakingRuleSetInput) (MatchmakingRuleSet, error) {
	if err := checkName("Name", in.Name); err != nil {
		return MatchmakingRuleSet{}, err
	}
	if err := checkTags(in.Tags); err != nil {
		return MatchmakingRuleSet{}, err
	}
	if _, dup := e.ruleSets[in.Name]; dup {
		return MatchmakingRuleSet{}, invalid("a rule set named %q already exists; rule sets are immutable, so create one with a new name", in.Name)
	}
	if len(e.ruleSets) >= e.cfg.MaxRuleSets {
		return MatchmakingRuleSet{}, limitExceeded("there are already %d rule sets; the limit is %d", len(e.ruleSets), e.cfg.MaxRuleSets)
	}
	rs, err := compileBody(in.RuleSetBody)
	if err != nil {
		return MatchmakingRuleSet{}, err
	}
	rec := &ruleSetRec{
		api: MatchmakingRuleSet{
			RuleSetName: in.Name, RuleSetArn: e.arn("matchmakingruleset", in.Name),
			RuleSetBody: in.RuleSetBody, CreationTime: Time{now.UTC()},
		},
		compiled: rs,
		tags:     slices.Clone(in.Tags),
	}
	e.ruleSets[in.Name] = rec
	return rec.api, nil
}

// RuleSet returns the compiled form of a registered rule set.
func (e *Engine) RuleSet(name string) (*ruleset.RuleSet, bool) {
	rec, ok := e.ruleSets[name]
	if !ok {
		return nil, false
	}
	return rec.compiled, true
}

// DescribeMatchmakingRuleSets returns the named rule sets (names or ARNs; an
// unknown one is NotFoundException), or all of them in name order when names
// is empty, limit at a time (1 to 10; 0 means 10) from nextToken on. The
// returned token is empty when there are no more.
func (e *Engine) DescribeMatchmakingRuleSets(names []string, limit int, nextToken string) ([]MatchmakingRuleSet, string, error) {
	if len(names) > 10 {
		return nil, "", invalid("Names has %d entries; the limit is 10", len(names))
	}
	if limit < 0 || limit > 10 {
		return nil, "", invalid("Limit is %d; it must be 1 to 10", limit)
	}
	var list []string
	if len(names) == 0 {
		list = slices.Sorted(maps.Keys(e.ruleSets))
	} else {
		for i, ref := range names {
			rec, err := e.ruleSet(fmt.Sprintf("Names[%d]", i), ref)
			if err != nil {
				return nil, "", err
			}
			list = append(list, rec.api.RuleSetName)
		}
	}
	page, next, err := paginate(list, limit, nextToken)
	if err != nil {
		return nil, "", err
	}
	out := make([]MatchmakingRuleSet, 0, len(page))
	for _, n := range page {
		out = append(out, e.ruleSets[n].api)
	}
	return out, next, nil
}

// paginate returns one page of names; tokens are the next name's position.
func paginate(list []string, limit int, token string) ([]string, string, error) {
	if limit == 0 {
		limit = 10
	}
	start := 0
	if token != "" {
		n, err := fmt.Sscanf(token, "p%d", &start)
		if err != nil || n != 1 || start < 0 || start > len(list) {
			return nil, "", invalid("NextToken %q is not a token this engine issued", token)
		}
	}
	end := min(start+limit, len(list))
	next := ""
	if end < len(list) {
		next = fmt.Sprintf("p%d", end)
	}
	return list[start:end], next, nil
}

// DeleteMatchmakingRuleSet removes a rule set that no configuration uses.
func (e *Engine) DeleteMatchmakingRuleSet(ref string) error {
	rec, err := e.ruleSet("Name", ref)
	if err != nil {
		return err
	}
	if rec.users > 0 {
		var users []string
		for _, c := range e.sortedConfigs() {
			if c.rs == rec {
				users = append(users, c.api.Name)
			}
		}
		return invalid("rule set %q is used by configuration %s; delete or update those first", rec.api.RuleSetName, strings.Join(users, ", "))
	}
	delete(e.ruleSets, rec.api.RuleSetName)
	return nil
}

// ruleSet resolves a rule-set reference (name or ARN) given in field.
func (e *Engine) ruleSet(field, ref string) (*ruleSetRec, error) {
	name, err := resolveName(field, ref, "matchmakingruleset")
	if err != nil {
		return nil, err
	}
	rec, ok := e.ruleSets[name]
	if !ok {
		return nil, notFound("rule set %q does not exist", ref)
	}
	return rec, nil
}

func (e *Engine) sortedConfigs() []*config {
	out := make([]*config, 0, len(e.configs))
	for _, c := range e.configs {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *config) int { return strings.Compare(a.api.Name, b.api.Name) })
	return out
}

// nextEpoch starts a new match build: tickets it marks carry its number.
// The counter is 32 bits to keep tickets small; when it runs out, every
// ticket's marks are cleared and it starts again.
func (e *Engine) nextEpoch() uint32 {
	if e.epoch == math.MaxUint32 {
		for _, t := range e.tickets {
			t.mark, t.seen = 0, 0
		}
		e.epoch = 0
	}
	e.epoch++
	return e.epoch
}

// nextMark starts a new large-match sweep of c, like nextEpoch.
func (e *Engine) nextMark(c *config) uint32 {
	ls := c.large
	if ls.marks == math.MaxUint32 {
		for _, t := range e.tickets {
			if t.cfg == c {
				t.used = 0
			}
		}
		ls.marks = 0
	}
	return ls.marks + 1
}
