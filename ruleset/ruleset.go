package ruleset

import (
	"sort"
	"time"

	"github.com/matchforge/matchforge/ticket"
)

// Limits of the rule-set language. FlexMatch documents only the body length
// and the match size; the others are generous bounds of this library (SPEC.md
// section 18, point 37).
const (
	MaxBodyLength       = 65535 // characters in a rule-set body
	MaxMatchPlayers     = 200   // sum of maxPlayers x quantity
	MaxSmallPlayers     = 40    // the largest small match
	MaxRules            = 100   // rules in one rule set
	MaxExpansions       = 100   // expansions in one rule set
	MaxSteps            = 100   // steps in one expansion
	MaxExpressionLength = 1000  // characters in one property expression
	MaxExtensionNodes   = 200   // AST nodes in one expression rule
	MaxParameters       = 16    // parameters of one expression rule
	MaxWaitSeconds      = 43200 // the largest waitTimeSeconds (the longest request timeout)
)

// Class is the size class of a rule set (D4).
type Class uint8

// The two size classes.
const (
	Small Class = iota + 1 // at most 40 players: every rule type
	Large                  // 41 to 200 players: balanced strategy, batchDistance and latency rules
)

func (c Class) String() string {
	switch c {
	case Small:
		return "small"
	case Large:
		return "large"
	}
	return "unknown"
}

// Rule types. TypeExpression is this library's extension; the rest are the
// eight FlexMatch rule types.
const (
	TypeAbsoluteSort  = "absoluteSort"
	TypeBatchDistance = "batchDistance"
	TypeCollection    = "collection"
	TypeComparison    = "comparison"
	TypeCompound      = "compound"
	TypeDistance      = "distance"
	TypeDistanceSort  = "distanceSort"
	TypeLatency       = "latency"
	TypeExpression    = "expression"
)

// Algorithm strategies and batching preferences.
const (
	StrategyExhaustive       = "exhaustiveSearch"
	StrategyBalanced         = "balanced"
	BatchRandom              = "random"
	BatchSorted              = "sorted"
	BatchLargestPopulation   = "largestPopulation"
	BatchFastestRegion       = "fastestRegion"
	PriorityNormal           = "normal"
	PriorityHigh             = "high"
	PriorityLow              = "low"
	ExpansionAgeNewest       = "newest"
	ExpansionAgeOldest       = "oldest"
	distanceReferenceMin     = "min"
	distanceReferenceAverage = "avg"
	distanceReferenceNumber  = "number" // rule.distRef when distanceReference is a number
)

// Algorithm is a rule set's algorithm block with defaults filled in.
type Algorithm struct {
	Strategy              string
	BatchingPreference    string
	SortByAttributes      []string
	BalancedAttribute     string
	BackfillPriority      string
	ExpansionAgeSelection string
}

// Team is one team of a match. A definition with quantity n > 1 yields teams
// named <name>_1 ... <name>_n (D2).
type Team struct {
	Name string // the team's name in matches and events
	Base string // the name of its definition
	// Copy is the 1-based copy number for a definition with quantity > 1,
	// and 0 otherwise.
	Copy       int
	MinPlayers int // before expansions
	MaxPlayers int // before expansions
}

// RuleSet is a compiled rule set. It is immutable and safe for concurrent
// use; evaluation goes through an Evaluator, which is not.
type RuleSet struct {
	name       string
	body       string
	class      Class
	size       int
	schema     *ticket.Schema
	teams      []Team
	teamIdx    map[string]int
	algo       Algorithm
	info       []Rule
	rules      []rule
	nodes      []pnode
	phases     []Values
	top        []int // rules evaluated directly: not sort rules, not in compounds
	sorts      []int // sort rules in order
	batches    []int // batchDistance rules
	latency    []int // latency rules
	balanced   int   // schema index of balancedAttribute, or -1
	sortBy     []int // schema indexes of sortByAttributes
	steps      int   // expansion steps in all
	expansions int   // expansions with at least one valid step
	lastWait   float64
}

// Name returns the rule set's optional name property.
func (rs *RuleSet) Name() string { return rs.name }

// Body returns the rule-set body it was compiled from.
func (rs *RuleSet) Body() string { return rs.body }

// Class returns small or large (D4).
func (rs *RuleSet) Class() Class { return rs.class }

// MaxPlayers returns the sum of every team's maxPlayers before expansions.
func (rs *RuleSet) MaxPlayers() int { return rs.size }

// Schema returns the declared player attributes as a ticket.Schema.
func (rs *RuleSet) Schema() *ticket.Schema { return rs.schema }

// Teams returns the generated teams in order. The caller must not modify it.
func (rs *RuleSet) Teams() []Team { return rs.teams }

// TeamIndex returns the index of the team with the given generated name.
func (rs *RuleSet) TeamIndex(name string) (int, bool) {
	i, ok := rs.teamIdx[name]
	return i, ok
}

// Algorithm returns the algorithm settings with defaults filled in.
func (rs *RuleSet) Algorithm() Algorithm { return rs.algo }

// Rules returns every rule in order. The caller must not modify it.
func (rs *RuleSet) Rules() []Rule { return rs.info }

// MaxTeamSize returns the largest maxPlayers any single team reaches over
// all expansion phases: the most players one team can ever hold. It is at
// least every team's maxPlayers before expansions.
func (rs *RuleSet) MaxTeamSize() int {
	n := 0
	for i := range rs.phases {
		for _, t := range rs.phases[i].teams {
			n = max(n, t.Max)
		}
	}
	return n
}

// Expansions returns the number of expansions (entries of the expansions
// array), each with one or more steps.
func (rs *RuleSet) Expansions() int { return rs.expansions }

// ExpansionSteps returns the number of expansion steps in all.
func (rs *RuleSet) ExpansionSteps() int { return rs.steps }

// LastExpansion returns the wait time of the last expansion step (0 when
// there are none). A configuration's RequestTimeoutSeconds must be at least
// this (D5).
func (rs *RuleSet) LastExpansion() time.Duration {
	return time.Duration(rs.lastWait * float64(time.Second))
}

// HasLatencyRule reports whether the rule set has a latency rule, in which
// case a ticket without latency data can never match (D11).
func (rs *RuleSet) HasLatencyRule() bool { return len(rs.latency) > 0 }

// BalancedAttribute returns the schema index of the balanced attribute, or
// -1 when the strategy is not balanced.
func (rs *RuleSet) BalancedAttribute() int { return rs.balanced }

// SortByAttributes returns the schema indexes of algorithm.sortByAttributes.
func (rs *RuleSet) SortByAttributes() []int { return rs.sortBy }

// At returns the effective values (team sizes and rule properties) after
// waiting wait: the latest expansion step whose waitTimeSeconds has passed
// applies (D12). Cost: a binary search over the expansion steps.
func (rs *RuleSet) At(wait time.Duration) *Values {
	s := wait.Seconds()
	i := sort.Search(len(rs.phases), func(i int) bool { return rs.phases[i].wait > s })
	if i == 0 { // a negative wait: no step has started
		i = 1
	}
	return &rs.phases[i-1]
}

// Phases returns every distinct set of effective values in order of the wait
// time at which it starts; the first starts at 0.
func (rs *RuleSet) Phases() []Values { return rs.phases }

// TeamSize is a team's effective minimum and maximum.
type TeamSize struct{ Min, Max int }

// ruleVals are a rule's expandable properties at one phase.
type ruleVals struct {
	maxDistance, minDistance float64
	maxLatency               float64
	minCount, maxCount       float64
	ref                      float64 // a numeric referenceValue
	has                      uint8
	params                   []float64
}

const (
	hasMaxDistance uint8 = 1 << iota
	hasMinDistance
	hasMaxLatency
	hasMinCount
	hasMaxCount
	hasRef
)

// Values are the effective team sizes and rule properties of one phase of
// the expansion schedule.
type Values struct {
	wait  float64
	index int
	teams []TeamSize
	rules []ruleVals
	size  int
	min   int
}

// Start returns when this phase begins.
func (v *Values) Start() time.Duration { return time.Duration(v.wait * float64(time.Second)) }

// Index returns the phase number (0 for the values before any expansion).
func (v *Values) Index() int { return v.index }

// Team returns team t's effective minimum and maximum players.
func (v *Values) Team(t int) TeamSize { return v.teams[t] }

// MaxPlayers returns the sum of the effective maxPlayers of all teams.
func (v *Values) MaxPlayers() int { return v.size }

// MinPlayers returns the sum of the effective minPlayers of all teams.
func (v *Values) MinPlayers() int { return v.min }

// MaxDistance returns rule r's effective maxDistance and whether it is set.
func (v *Values) MaxDistance(r int) (float64, bool) {
	rv := &v.rules[r]
	return rv.maxDistance, rv.has&hasMaxDistance != 0
}

// MaxLatency returns rule r's effective maxLatency and whether it is set.
func (v *Values) MaxLatency(r int) (float64, bool) {
	rv := &v.rules[r]
	return rv.maxLatency, rv.has&hasMaxLatency != 0
}
