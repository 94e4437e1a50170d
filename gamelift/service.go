package gamelift

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Options configure a Service. The zero value is valid and means the
// defaults documented on each field.
type Options struct {
	// Engine configures the engine behind the service. Its Seed also seeds
	// the event ids (D21).
	Engine engine.Config
	// Source, Account and Region fill the event envelope and the ARNs
	// (D18). Defaults: "matchforge", "000000000000", "local".
	Source  string
	Account string
	Region  string
	// MaxRuleSets and MaxConfigurations bound how many may exist at once
	// (LimitExceededException past them). Default 1000 each.
	MaxRuleSets       int
	MaxConfigurations int
	// EventMatchmakerData makes MatchmakingSucceeded events carry the game
	// session's matchmaker data (an extension of the FlexMatch event); off
	// by default. MatchmakerData returns the document either way.
	EventMatchmakerData bool
	// RuleSet says how rule-set bodies are read: the rule types implemented
	// in Go that they may use (see ruleset.RuleType).
	RuleSet ruleset.Options
	// PlacementTimeout is every WITH_QUEUE configuration's
	// engine.Configuration.PlacementTimeout: how long a match waits in
	// PLACING for CompletePlacement or FailPlacement before its tickets
	// fail. The GameLift API has no such field (a game session queue has its
	// own TimeoutInSeconds). Zero means engine.DefaultPlacementTimeout.
	PlacementTimeout time.Duration
	// GameSessionLifetime is every configuration's
	// engine.Configuration.GameSessionLifetime: how long a game session
	// lives before it ends by itself (EndGameSession ends it sooner). Zero
	// means engine.DefaultGameSessionLifetime.
	GameSessionLifetime time.Duration
}

const (
	defaultSource   = "matchforge"
	defaultAccount  = "000000000000"
	defaultRegion   = "local"
	defaultMaxItems = 1000
)

// Validate checks the options and reports the first problem.
func (o Options) Validate() error {
	switch {
	case o.Account != "" && !isDigits(o.Account, 12):
		return fmt.Errorf("gamelift: Options.Account %q must be 12 digits", o.Account)
	case strings.ContainsAny(o.Region, ": /"):
		return fmt.Errorf("gamelift: Options.Region %q must not contain ':', '/' or spaces", o.Region)
	case o.MaxRuleSets < 0, o.MaxConfigurations < 0:
		return errors.New("gamelift: Options.MaxRuleSets and MaxConfigurations must not be negative")
	case o.GameSessionLifetime < 0 || o.GameSessionLifetime > engine.MaxGameSessionLifetime:
		return fmt.Errorf("gamelift: Options.GameSessionLifetime is %v; it must be from 0 (the default, %v) to %v", o.GameSessionLifetime, engine.DefaultGameSessionLifetime, engine.MaxGameSessionLifetime)
	case o.PlacementTimeout < 0 || o.PlacementTimeout > engine.MaxPlacementTimeout:
		return fmt.Errorf("gamelift: Options.PlacementTimeout is %v; it must be from 0 (the default, %v) to %v", o.PlacementTimeout, engine.DefaultPlacementTimeout, engine.MaxPlacementTimeout)
	}
	if err := o.RuleSet.Validate(); err != nil {
		return fmt.Errorf("gamelift: Options.RuleSet: %w", err)
	}
	return o.Engine.Validate()
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Service is the GameLift FlexMatch service around an engine: rule sets and
// configurations as API resources (names, ARNs, tags, creation times,
// pagination, the API's limits), the API's request and response shapes and
// errors, and the FlexMatch rendering of events. Every operation takes the
// API's input and returns its output or an *Error; a rejected request
// changes nothing (D25).
//
// A Service is not safe for concurrent use.
type Service struct {
	e        *engine.Engine
	opts     Options
	r        Renderer
	ruleSets map[string]*ruleSetRec
	configs  map[string]*configRec
}

// ruleSetRec is a registered rule set.
type ruleSetRec struct {
	api      MatchmakingRuleSet
	compiled *ruleset.RuleSet
	tags     []Tag
	users    int // configurations using it
}

// configRec is a configuration's API record; the engine holds its
// matching settings.
type configRec struct {
	api  MatchmakingConfiguration
	tags []Tag
	rs   *ruleSetRec
}

// NewService returns a service with no rule sets or configurations.
func NewService(opts Options) (*Service, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.MaxRuleSets == 0 {
		opts.MaxRuleSets = defaultMaxItems
	}
	if opts.MaxConfigurations == 0 {
		opts.MaxConfigurations = defaultMaxItems
	}
	e, err := engine.New(opts.Engine)
	if err != nil {
		return nil, err
	}
	r := Renderer{Seed: opts.Engine.Seed, Source: opts.Source, Account: opts.Account, Region: opts.Region, MatchmakerData: opts.EventMatchmakerData}
	r.fill()
	return &Service{e: e, opts: opts, r: r, ruleSets: map[string]*ruleSetRec{}, configs: map[string]*configRec{}}, nil
}

// NotificationTarget returns the NotificationTarget of the configuration
// named name, or "" when it has none or does not exist.
func (s *Service) NotificationTarget(name string) string {
	if c, ok := s.configs[name]; ok {
		return c.api.NotificationTarget
	}
	return ""
}

// validTarget reports whether target is an SNS topic ARN (the API's
// pattern) or, when it names the http or https scheme, a webhook URL.
func validTarget(target string) bool {
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		return WebhookURL(target) != ""
	}
	return snsPattern.MatchString(target)
}

// WebhookTargets returns the configurations whose NotificationTarget is a
// webhook URL (see WebhookURL), by name, with their URLs.
func (s *Service) WebhookTargets() map[string]string {
	out := map[string]string{}
	for name, c := range s.configs { // a copy: order does not matter
		if u := WebhookURL(c.api.NotificationTarget); u != "" {
			out[name] = u
		}
	}
	return out
}

// WebhookURL returns target when it is an absolute http:// or https:// URL
// with a host, which matchforge serve delivers events to (an extension of
// FlexMatch, whose targets are SNS topics), and "" otherwise.
func WebhookURL(target string) string {
	if !strings.HasPrefix(target, "http://") && !strings.HasPrefix(target, "https://") {
		return ""
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || u.User != nil {
		return ""
	}
	return target
}

// Engine returns the engine behind the service. Calling its operations
// directly bypasses the service's records: use it for reads (Ticket,
// GameSession, Counts) and for Step.
func (s *Service) Engine() *engine.Engine { return s.e }

// Renderer returns the renderer of the service's events.
func (s *Service) Renderer() Renderer { return s.r }

// Step steps the engine and returns the events since the last Step or
// Events call, rendered.
func (s *Service) Step(now time.Time) []Event { return s.render(s.e.Step(now)) }

// Events returns the events the operations caused since the last Step or
// Events call, rendered.
func (s *Service) Events() []Event { return s.render(s.e.Events()) }

func (s *Service) render(evs []engine.Event) []Event {
	if len(evs) == 0 {
		return nil
	}
	out := make([]Event, len(evs))
	for i := range evs {
		out[i] = s.r.Render(&evs[i])
	}
	return out
}

// Resource kinds in ARNs.
const (
	kindConfiguration = "matchmakingconfiguration"
	kindRuleSet       = "matchmakingruleset"
)

// checkName validates a resource name given on create: at most 128
// characters of letters, digits, '-' and '.'.
func checkName(field, name string) error {
	switch {
	case name == "":
		return invalidf("%s is required; give 1 to 128 letters, digits, '-' or '.'", field)
	case utf8.RuneCountInString(name) > 128:
		return invalidf("%s is %d characters long; the limit is 128", field, utf8.RuneCountInString(name))
	case !ticket.IDChars(name): // names take the characters of ticket ids
		return invalidf("%s %q may contain only letters, digits, '-' and '.'", field, name)
	}
	return nil
}

// resolveName turns a name or ARN reference into a name.
func resolveName(field, ref, kind string) (string, error) {
	if ref == "" {
		return "", invalidf("%s is required", field)
	}
	if utf8.RuneCountInString(ref) > 256 {
		return "", invalidf("%s is %d characters long; the limit is 256", field, utf8.RuneCountInString(ref))
	}
	if strings.HasPrefix(ref, "arn:") {
		i := strings.LastIndex(ref, ":"+kind+"/")
		if i < 0 {
			return "", invalidf("%s %q is not a %s ARN", field, ref, kind)
		}
		ref = ref[i+len(kind)+2:]
	}
	if !ticket.IDChars(ref) {
		return "", invalidf("%s %q may contain only letters, digits, '-' and '.'", field, ref)
	}
	return ref, nil
}

func checkTags(tags []Tag) error {
	if len(tags) > 200 {
		return invalidf("Tags has %d tags; the limit is 200", len(tags))
	}
	for i, t := range tags {
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 {
			return invalidf("Tags[%d].Key is %d characters long; it must be 1 to 128", i, n)
		}
		if n := utf8.RuneCountInString(t.Value); n > 256 {
			return invalidf("Tags[%d].Value is %d characters long; the limit is 256", i, n)
		}
	}
	return nil
}

// checkTicketID checks a ticket id given to look a ticket up.
func checkTicketID(field, id string) error { return toError(engine.CheckTicketID(field, id)) }

// ValidateMatchmakingRuleSet checks a rule-set body. A valid body gives nil;
// an invalid one gives an InvalidRequestException whose message lists every
// problem with its JSON path (D6).
func (s *Service) ValidateMatchmakingRuleSet(body string) error {
	_, err := s.compileBody(body)
	return err
}

func (s *Service) compileBody(body string) (*ruleset.RuleSet, error) {
	if body == "" {
		return nil, invalidf("RuleSetBody is required; give the rule set as a JSON string")
	}
	rs, err := ruleset.LoadWith([]byte(body), s.opts.RuleSet)
	if err != nil {
		const subject = "RuleSetBody is not a valid rule set"
		var list *ruleset.ErrorList
		if errors.As(err, &list) {
			return nil, invalidf("%s", list.Summary(subject))
		}
		return nil, invalidf("%s: %s", subject, err)
	}
	return rs, nil
}

// CreateMatchmakingRuleSet validates and registers a rule set. Rule sets are
// immutable; names are unique.
func (s *Service) CreateMatchmakingRuleSet(now time.Time, in CreateMatchmakingRuleSetInput) (MatchmakingRuleSet, error) {
	if err := checkName("Name", in.Name); err != nil {
		return MatchmakingRuleSet{}, err
	}
	if err := checkTags(in.Tags); err != nil {
		return MatchmakingRuleSet{}, err
	}
	if _, dup := s.ruleSets[in.Name]; dup {
		return MatchmakingRuleSet{}, invalidf("a rule set named %q already exists; rule sets are immutable, so create one with a new name", in.Name)
	}
	if len(s.ruleSets) >= s.opts.MaxRuleSets {
		return MatchmakingRuleSet{}, limitExceededf("the limit is %d rule sets, and that many exist; delete one first", s.opts.MaxRuleSets)
	}
	rs, err := s.compileBody(in.RuleSetBody)
	if err != nil {
		return MatchmakingRuleSet{}, err
	}
	rec := &ruleSetRec{
		api: MatchmakingRuleSet{
			RuleSetName: in.Name, RuleSetArn: s.r.arn(kindRuleSet, in.Name),
			RuleSetBody: in.RuleSetBody, CreationTime: Time{now.UTC()},
		},
		compiled: rs,
		tags:     slices.Clone(in.Tags),
	}
	s.ruleSets[in.Name] = rec
	return rec.api, nil
}

// RuleSet returns the compiled form of a registered rule set.
func (s *Service) RuleSet(name string) (*ruleset.RuleSet, bool) {
	rec, ok := s.ruleSets[name]
	if !ok {
		return nil, false
	}
	return rec.compiled, true
}

// DescribeMatchmakingRuleSets returns the named rule sets (names or ARNs; an
// unknown one is NotFoundException), or all of them in name order when names
// is empty, limit at a time (1 to 10; 0 means 10) from nextToken on. The
// returned token is empty when there are no more.
func (s *Service) DescribeMatchmakingRuleSets(names []string, limit int, nextToken string) ([]MatchmakingRuleSet, string, error) {
	if len(names) > 10 {
		return nil, "", invalidf("Names has %d entries; the limit is 10", len(names))
	}
	if limit < 0 || limit > 10 {
		return nil, "", invalidf("Limit is %d; it must be 1 to 10", limit)
	}
	var list []string
	if len(names) == 0 {
		list = slices.Sorted(maps.Keys(s.ruleSets))
	} else {
		for i, ref := range names {
			rec, err := s.ruleSet(fmt.Sprintf("Names[%d]", i), ref)
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
		out = append(out, s.ruleSets[n].api)
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
			return nil, "", invalidf("NextToken %q is not a token this engine issued", token)
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
func (s *Service) DeleteMatchmakingRuleSet(now time.Time, ref string) error {
	rec, err := s.ruleSet("Name", ref)
	if err != nil {
		return err
	}
	if rec.users > 0 {
		var users []string
		for _, n := range slices.Sorted(maps.Keys(s.configs)) {
			if s.configs[n].rs == rec {
				users = append(users, n)
			}
		}
		return invalidf("rule set %q is used by configuration %s; delete or update those first", rec.api.RuleSetName, strings.Join(users, ", "))
	}
	delete(s.ruleSets, rec.api.RuleSetName)
	return nil
}

// ruleSet resolves a rule-set reference (name or ARN) given in field.
func (s *Service) ruleSet(field, ref string) (*ruleSetRec, error) {
	name, err := resolveName(field, ref, kindRuleSet)
	if err != nil {
		return nil, err
	}
	rec, ok := s.ruleSets[name]
	if !ok {
		return nil, notFoundf("rule set %q does not exist", ref)
	}
	return rec, nil
}

// configuration resolves a configuration reference (name or ARN) given in
// field.
func (s *Service) configuration(field, ref string) (*configRec, error) {
	name, err := resolveName(field, ref, kindConfiguration)
	if err != nil {
		return nil, err
	}
	c, ok := s.configs[name]
	if !ok {
		return nil, notFoundf("configuration %q does not exist", ref)
	}
	return c, nil
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
		return invalidf("RequestTimeoutSeconds is %d; it must be 1 to 43200", c.RequestTimeoutSeconds)
	case c.AcceptanceRequired && c.AcceptanceTimeoutSeconds == 0:
		return invalidf("AcceptanceTimeoutSeconds is required when AcceptanceRequired is true; give 1 to 600 seconds")
	case c.AcceptanceTimeoutSeconds < 0 || c.AcceptanceTimeoutSeconds > 600:
		return invalidf("AcceptanceTimeoutSeconds is %d; it must be 1 to 600", c.AcceptanceTimeoutSeconds)
	case c.AdditionalPlayerCount < 0 || c.AdditionalPlayerCount > ruleset.MaxMatchPlayers-1:
		return invalidf("AdditionalPlayerCount is %d; it must be 0 to %d", c.AdditionalPlayerCount, ruleset.MaxMatchPlayers-1)
	case utf8.RuneCountInString(c.CustomEventData) > 256:
		return invalidf("CustomEventData is %d characters long; the limit is 256", utf8.RuneCountInString(c.CustomEventData))
	case utf8.RuneCountInString(c.Description) > 1024:
		return invalidf("Description is %d characters long; the limit is 1024", utf8.RuneCountInString(c.Description))
	case utf8.RuneCountInString(c.GameSessionData) > 4096:
		return invalidf("GameSessionData is %d characters long; the limit is 4096", utf8.RuneCountInString(c.GameSessionData))
	case utf8.RuneCountInString(c.NotificationTarget) > 300 || !validTarget(c.NotificationTarget):
		return invalidf("NotificationTarget %q must be an SNS topic ARN, or an http:// or https:// URL (matchforge serve posts events to it), of at most 300 characters", c.NotificationTarget)
	case len(c.GameProperties) > 16:
		return invalidf("GameProperties has %d entries; the limit is 16", len(c.GameProperties))
	case c.FlexMatchMode != ModeStandalone && c.FlexMatchMode != ModeWithQueue:
		return invalidf("FlexMatchMode is %q; it must be STANDALONE or WITH_QUEUE", c.FlexMatchMode)
	case c.BackfillMode != BackfillAuto && c.BackfillMode != BackfillManual:
		return invalidf("BackfillMode is %q; it must be AUTOMATIC or MANUAL", c.BackfillMode)
	case c.FlexMatchMode == ModeStandalone && len(c.GameSessionQueueArns) > 0:
		return invalidf("GameSessionQueueArns must not be set when FlexMatchMode is STANDALONE")
	case c.FlexMatchMode == ModeWithQueue && len(c.GameSessionQueueArns) == 0:
		return invalidf("GameSessionQueueArns is required when FlexMatchMode is WITH_QUEUE; give at least one game session queue ARN")
	}
	for i, p := range c.GameProperties {
		if n := utf8.RuneCountInString(p.Key); n > 32 {
			return invalidf("GameProperties[%d].Key is %d characters long; the limit is 32", i, n)
		}
		if n := utf8.RuneCountInString(p.Value); n > 96 {
			return invalidf("GameProperties[%d].Value is %d characters long; the limit is 96", i, n)
		}
	}
	for i, q := range c.GameSessionQueueArns {
		if n := utf8.RuneCountInString(q); n < 1 || n > 512 || !queuePattern.MatchString(q) {
			return invalidf("GameSessionQueueArns[%d] %q must be 1 to 512 characters of letters, digits, ':', '/' and '-'", i, q)
		}
	}
	if last := rs.LastExpansion(); last > time.Duration(c.RequestTimeoutSeconds)*time.Second {
		return invalidf("RequestTimeoutSeconds is %d, but rule set %s has an expansion step at %v seconds; the last expansion step must come within the request timeout",
			c.RequestTimeoutSeconds, c.RuleSetName, last.Seconds())
	}
	if c.AdditionalPlayerCount >= rs.MaxPlayers() && c.FlexMatchMode == ModeWithQueue {
		return invalidf("AdditionalPlayerCount is %d, but rule set %s holds at most %d players; leave room for at least one", c.AdditionalPlayerCount, c.RuleSetName, rs.MaxPlayers())
	}
	return nil
}

// NewConfiguration checks a CreateMatchmakingConfiguration input for rule
// set rs against the API's limits, as CreateMatchmakingConfiguration does,
// and returns the engine's form of it. It is how a program that drives an
// engine directly (the simulator) takes configurations written as request
// bodies.
func NewConfiguration(in CreateMatchmakingConfigurationInput, rs *ruleset.RuleSet) (engine.Configuration, error) {
	var r Renderer
	r.fill()
	_, ec, err := r.newConfiguration(time.Time{}, in, MatchmakingRuleSet{RuleSetName: in.RuleSetName}, rs)
	return ec, err
}

// newConfiguration builds a configuration's API record from a create
// input, with its defaults, checks it, and returns it with the engine's
// form.
func (r Renderer) newConfiguration(now time.Time, in CreateMatchmakingConfigurationInput, rsAPI MatchmakingRuleSet, rs *ruleset.RuleSet) (MatchmakingConfiguration, engine.Configuration, error) {
	api := MatchmakingConfiguration{
		Name: in.Name, ConfigurationArn: r.arn(kindConfiguration, in.Name),
		Description: in.Description, GameSessionQueueArns: slices.Clone(in.GameSessionQueueArns),
		RequestTimeoutSeconds: in.RequestTimeoutSeconds, AcceptanceTimeoutSeconds: in.AcceptanceTimeoutSeconds,
		AcceptanceRequired: in.AcceptanceRequired, RuleSetName: rsAPI.RuleSetName, RuleSetArn: rsAPI.RuleSetArn,
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
	if err := checkConfig(&api, rs); err != nil {
		return MatchmakingConfiguration{}, engine.Configuration{}, err
	}
	return api, engineConfig(&api, rs), nil
}

// engineConfig is the engine's form of a configuration.
func engineConfig(c *MatchmakingConfiguration, rs *ruleset.RuleSet) engine.Configuration {
	ec := engine.Configuration{
		Name: c.Name, RuleSet: rs, RuleSetName: c.RuleSetName,
		RequestTimeout:        time.Duration(c.RequestTimeoutSeconds) * time.Second,
		AcceptanceRequired:    c.AcceptanceRequired,
		AcceptanceTimeout:     time.Duration(c.AcceptanceTimeoutSeconds) * time.Second,
		AdditionalPlayerCount: c.AdditionalPlayerCount,
		CustomEventData:       c.CustomEventData,
	}
	if c.FlexMatchMode == ModeWithQueue {
		ec.Mode = engine.WithQueue
	}
	if c.BackfillMode == BackfillAuto {
		ec.Backfill = engine.BackfillAutomatic
	}
	return ec
}

// CreateMatchmakingConfiguration creates a configuration bound to a
// registered rule set.
func (s *Service) CreateMatchmakingConfiguration(now time.Time, in CreateMatchmakingConfigurationInput) (MatchmakingConfiguration, error) {
	if err := checkName("Name", in.Name); err != nil {
		return MatchmakingConfiguration{}, err
	}
	if err := checkTags(in.Tags); err != nil {
		return MatchmakingConfiguration{}, err
	}
	if _, dup := s.configs[in.Name]; dup {
		return MatchmakingConfiguration{}, invalidf("a configuration named %q already exists", in.Name)
	}
	if len(s.configs) >= s.opts.MaxConfigurations {
		return MatchmakingConfiguration{}, limitExceededf("the limit is %d configurations, and that many exist; delete one first", s.opts.MaxConfigurations)
	}
	rec, err := s.ruleSet("RuleSetName", in.RuleSetName)
	if err != nil {
		return MatchmakingConfiguration{}, err
	}
	api, ec, err := s.r.newConfiguration(now, in, rec.api, rec.compiled)
	if err != nil {
		return MatchmakingConfiguration{}, err
	}
	ec.PlacementTimeout, ec.GameSessionLifetime = s.opts.PlacementTimeout, s.opts.GameSessionLifetime
	if err := s.e.AddConfiguration(now, ec); err != nil {
		return MatchmakingConfiguration{}, toError(err)
	}
	rec.users++
	s.configs[in.Name] = &configRec{api: api, tags: slices.Clone(in.Tags), rs: rec}
	return api, nil
}

// DescribeMatchmakingConfigurations returns the named configurations (names
// or ARNs; unknown ones are left out), or those using ruleSetName, or all,
// in name order, limit at a time (0 means 10).
func (s *Service) DescribeMatchmakingConfigurations(names []string, ruleSetName string, limit int, nextToken string) ([]MatchmakingConfiguration, string, error) {
	if limit < 0 || limit > 10 {
		return nil, "", invalidf("Limit is %d; it must be 1 to 10", limit)
	}
	var list []string
	switch {
	case len(names) > 0:
		for i, ref := range names {
			n, err := resolveName(fmt.Sprintf("Names[%d]", i), ref, kindConfiguration)
			if err != nil {
				return nil, "", err
			}
			if _, ok := s.configs[n]; ok {
				list = append(list, n)
			}
		}
	default:
		var rsName string
		if ruleSetName != "" {
			var err error
			if rsName, err = resolveName("RuleSetName", ruleSetName, kindRuleSet); err != nil {
				return nil, "", err
			}
		}
		for _, n := range slices.Sorted(maps.Keys(s.configs)) {
			if rsName == "" || s.configs[n].api.RuleSetName == rsName {
				list = append(list, n)
			}
		}
	}
	page, next, err := paginate(list, limit, nextToken)
	if err != nil {
		return nil, "", err
	}
	out := make([]MatchmakingConfiguration, 0, len(page))
	for _, n := range page {
		out = append(out, s.configs[n].api)
	}
	return out, next, nil
}

// UpdateMatchmakingConfiguration changes the given fields. The change
// applies to matches made after it; a new rule set re-resolves the tickets
// waiting for a match, and is refused while tickets of the configuration are
// in matches waiting for acceptance or placement.
func (s *Service) UpdateMatchmakingConfiguration(now time.Time, in UpdateMatchmakingConfigurationInput) (MatchmakingConfiguration, error) {
	c, err := s.configuration("Name", in.Name)
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
		if rec, err = s.ruleSet("RuleSetName", *in.RuleSetName); err != nil {
			return MatchmakingConfiguration{}, err
		}
		api.RuleSetName, api.RuleSetArn = rec.api.RuleSetName, rec.api.RuleSetArn
	}
	if err := checkConfig(&api, rec.compiled); err != nil {
		return MatchmakingConfiguration{}, err
	}
	ec := engineConfig(&api, rec.compiled)
	ec.PlacementTimeout, ec.GameSessionLifetime = s.opts.PlacementTimeout, s.opts.GameSessionLifetime
	if err := s.e.UpdateConfiguration(now, ec); err != nil {
		return MatchmakingConfiguration{}, toError(err)
	}
	if rec != c.rs {
		c.rs.users--
		rec.users++
		c.rs = rec
	}
	c.api = api
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
func (s *Service) DeleteMatchmakingConfiguration(now time.Time, ref string) error {
	c, err := s.configuration("Name", ref)
	if err != nil {
		return err
	}
	if err := s.e.RemoveConfiguration(now, c.api.Name); err != nil {
		return toError(err)
	}
	c.rs.users--
	delete(s.configs, c.api.Name)
	return nil
}

// ticketOf renders a ticket in the API shape.
func (s *Service) ticketOf(t ticket.Ticket) MatchmakingTicket {
	return MatchmakingTicket{
		TicketID: t.TicketID, ConfigurationName: t.ConfigurationName,
		ConfigurationArn: s.r.arn(kindConfiguration, t.ConfigurationName), Status: t.Status,
		StatusReason: t.StatusReason, StatusMessage: t.StatusMessage,
		StartTime: Time{t.StartTime}, EndTime: Time{t.EndTime},
		Players: t.Players, GameSessionConnectionInfo: t.GameSessionConnectionInfo,
		EstimatedWaitTime: t.EstimatedWaitTime,
	}
}

// StartMatchmaking submits a matchmaking ticket (see
// engine.Engine.StartMatchmaking).
func (s *Service) StartMatchmaking(now time.Time, in StartMatchmakingInput) (MatchmakingTicket, error) {
	c, err := s.configuration("ConfigurationName", in.ConfigurationName)
	if err != nil {
		return MatchmakingTicket{}, err
	}
	t, err := s.e.StartMatchmaking(now, engine.MatchmakingRequest{TicketID: in.TicketID, Configuration: c.api.Name, Players: in.Players})
	if err != nil {
		return MatchmakingTicket{}, toError(err)
	}
	return s.ticketOf(t), nil
}

// StartMatchBackfill submits a backfill ticket (see
// engine.Engine.StartMatchBackfill).
func (s *Service) StartMatchBackfill(now time.Time, in StartMatchBackfillInput) (MatchmakingTicket, error) {
	c, err := s.configuration("ConfigurationName", in.ConfigurationName)
	if err != nil {
		return MatchmakingTicket{}, err
	}
	if in.GameSessionArn != "" {
		if n := len(in.GameSessionArn); n > 256 || !queuePattern.MatchString(in.GameSessionArn) {
			return MatchmakingTicket{}, invalidf("GameSessionArn %q must be 1 to 256 characters of letters, digits, ':', '/' and '-'", in.GameSessionArn)
		}
	}
	t, err := s.e.StartMatchBackfill(now, engine.BackfillRequest{TicketID: in.TicketID, Configuration: c.api.Name, GameSession: in.GameSessionArn, Players: in.Players})
	if err != nil {
		return MatchmakingTicket{}, toError(err)
	}
	return s.ticketOf(t), nil
}

// DescribeMatchmaking returns the tickets with the given ids, in the order
// asked; unknown ids are left out (D25). At most 10 ids.
func (s *Service) DescribeMatchmaking(ids []string) ([]MatchmakingTicket, error) {
	if len(ids) == 0 {
		return nil, invalidf("TicketIds is required; give 1 to 10 ticket ids")
	}
	if len(ids) > 10 {
		return nil, invalidf("TicketIds has %d ids; the limit is 10", len(ids))
	}
	for i, id := range ids {
		if err := checkTicketID(fmt.Sprintf("TicketIds[%d]", i), id); err != nil {
			return nil, err
		}
	}
	out := make([]MatchmakingTicket, 0, len(ids))
	for _, t := range s.e.Tickets(ids) {
		out = append(out, s.ticketOf(t))
	}
	return out, nil
}

// Ticket returns one ticket in the API shape, if the engine still holds it.
func (s *Service) Ticket(id string) (MatchmakingTicket, bool) {
	t, ok := s.e.Ticket(id)
	if !ok {
		return MatchmakingTicket{}, false
	}
	return s.ticketOf(t), true
}

// StopMatchmaking cancels a ticket (see engine.Engine.StopMatchmaking).
func (s *Service) StopMatchmaking(now time.Time, id string) error {
	if id == "" {
		return invalidf("TicketId is required")
	}
	if err := checkTicketID("TicketId", id); err != nil {
		return err
	}
	return toError(s.e.StopMatchmaking(now, id))
}

// AcceptMatch records players' answers to a proposed match (see
// engine.Engine.AcceptMatch).
func (s *Service) AcceptMatch(now time.Time, in AcceptMatchInput) error {
	if in.TicketID == "" {
		return invalidf("TicketId is required")
	}
	if err := checkTicketID("TicketId", in.TicketID); err != nil {
		return err
	}
	var answer engine.Answer
	switch in.AcceptanceType {
	case Accept:
		answer = engine.Accepted
	case Reject:
		answer = engine.Rejected
	default:
		return invalidf("AcceptanceType is %q; it must be ACCEPT or REJECT", in.AcceptanceType)
	}
	if len(in.PlayerIDs) == 0 {
		return invalidf("PlayerIds is required; give the ids of the players who answer")
	}
	for i, pid := range in.PlayerIDs {
		if n := utf8.RuneCountInString(pid); n < 1 || n > 1024 {
			return invalidf("PlayerIds[%d] is %d characters long; it must be 1 to 1024", i, n)
		}
	}
	return toError(s.e.AcceptMatch(now, in.TicketID, in.PlayerIDs, answer))
}

// CompletePlacement reports that a WITH_QUEUE match's game session is
// ready (see engine.Engine.CompletePlacement).
func (s *Service) CompletePlacement(now time.Time, in CompletePlacementInput) error {
	if in.MatchID == "" {
		return invalidf("MatchId is required")
	}
	if n := utf8.RuneCountInString(in.GameSessionArn); n < 1 || n > 512 || !queuePattern.MatchString(in.GameSessionArn) {
		return invalidf("GameSessionArn %q must be 1 to 512 characters of letters, digits, ':', '/' and '-'", in.GameSessionArn)
	}
	return toError(s.e.CompletePlacement(now, in.MatchID, engine.Placement{GameSession: in.GameSessionArn, IPAddress: in.IPAddress, DNSName: in.DNSName, Port: in.Port}))
}

// FailPlacement reports that a WITH_QUEUE match's game session could not be
// placed (see engine.Engine.FailPlacement).
func (s *Service) FailPlacement(now time.Time, in FailPlacementInput) error {
	if in.MatchID == "" {
		return invalidf("MatchId is required")
	}
	return toError(s.e.FailPlacement(now, in.MatchID, in.Reason))
}

// ReportPlayersLeft reports players who left a game session (see
// engine.Engine.ReportPlayersLeft).
func (s *Service) ReportPlayersLeft(now time.Time, session string, playerIDs []string) error {
	return toError(s.e.ReportPlayersLeft(now, session, playerIDs))
}

// EndGameSession reports that a game session is over (see
// engine.Engine.EndGameSession).
func (s *Service) EndGameSession(now time.Time, session string) error {
	return toError(s.e.EndGameSession(now, session))
}

// MatchmakerData returns the matchmaker data of a completed match, by match
// id or game session ARN: the document a game server receives. It is the
// caller's; later backfills and departures do not change it.
func (s *Service) MatchmakerData(id string) (*MatchmakerData, bool) {
	gs, ok := s.e.GameSession(id)
	if !ok {
		return nil, false
	}
	return s.r.MatchmakerDataOf(gs), true
}
