package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/matchforge/matchforge/internal/strictjson"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Population describes the traffic a simulation or benchmark generates: when
// tickets arrive, how many players each holds, the players' attributes and
// latencies, and how the players behave once matched. Its JSON form is
// documented in the package documentation; DecodePopulation reads it and
// Validate checks it. The zero value is not valid: Arrivals.RatePerMinute is
// required.
type Population struct {
	// Description is free text for the reader of the file.
	Description string `json:"description,omitempty"`
	// Arrivals is the arrival process of tickets.
	Arrivals Arrivals `json:"arrivals"`
	// Parties gives the weight of each party size (players per ticket).
	// Empty means every ticket holds one player.
	Parties []Party `json:"parties,omitempty"`
	// Attributes generates each named player attribute. Attributes the rule
	// set declares but the population leaves out are omitted from requests,
	// so the rule set's default applies. Generation visits attributes in
	// name order, so the map's order never matters.
	Attributes map[string]Attribute `json:"attributes,omitempty"`
	// Locations are the players' home locations with their weights. Empty
	// means requests carry no latency data.
	Locations []Location `json:"locations,omitempty"`
	// Latency is the latency model: a player's home location is near, the
	// others far. Zero fields take DefaultLatency's values.
	Latency LatencyModel `json:"latency,omitzero"`
	// Behavior is how players answer proposed matches and leave games.
	Behavior Behavior `json:"behavior,omitzero"`
}

// Arrival processes.
const (
	// ProcessPoisson is a steady Poisson process at RatePerMinute.
	ProcessPoisson = "poisson"
	// ProcessDaily is a Poisson process whose rate follows a daily curve: a
	// cosine over 24 hours whose mean is RatePerMinute, highest at PeakHour
	// and PeakToTrough times higher than at the trough twelve hours later.
	ProcessDaily = "daily"
)

// Arrivals is the arrival process of tickets. Hours of the daily curve are
// hours of the virtual clock in UTC (the simulator's clock starts at
// midnight unless told otherwise).
type Arrivals struct {
	// Process is "poisson" (the default when empty) or "daily".
	Process string `json:"process,omitempty"`
	// RatePerMinute is the mean number of tickets per minute (0 < rate <=
	// MaxRatePerMinute).
	RatePerMinute float64 `json:"ratePerMinute"`
	// PeakHour is the hour of day (0 <= h < 24, UTC) of the daily curve's
	// peak. Default 20 when omitted.
	PeakHour *float64 `json:"peakHour,omitempty"`
	// PeakToTrough is the ratio of the daily curve's highest rate to its
	// lowest (1 to 1000; 1 is a steady rate). Default 4.
	PeakToTrough float64 `json:"peakToTrough,omitempty"`
}

// Limits of a Population.
const (
	MaxRatePerMinute  = 10_000_000
	MaxLocations      = 100
	MaxPeakToTrough   = 1000
	DefaultPeakHour   = 20
	DefaultPeakTrough = 4
)

// Party is one party size and its weight.
type Party struct {
	// Size is the number of players in the ticket, 1 to
	// ticket.MaxPlayersPerTicket (10).
	Size int `json:"size"`
	// Weight is the relative frequency; 0 or omitted counts as 1.
	Weight float64 `json:"weight,omitempty"`
}

// Attribute types, as rule sets declare them.
const (
	TypeNumber     = "number"
	TypeString     = "string"
	TypeStringList = "string_list"
	TypeStringMap  = "string_number_map"
)

// Number distributions.
const (
	DistNormal    = "normal"    // mean, sd
	DistLogNormal = "lognormal" // mu, sigma: the logarithm is normal(mu, sigma)
	DistPareto    = "pareto"    // scale (the minimum x_m), shape (alpha)
	DistUniform   = "uniform"   // min, max
)

// NumberDist is a distribution of numbers. The zero value is the constant 0:
// the default distribution is normal, and a normal distribution with sd 0 is
// its mean.
type NumberDist struct {
	// Dist is "normal" (the default when empty), "lognormal", "pareto" or
	// "uniform".
	Dist string `json:"dist,omitempty"`
	// Mean and SD parameterize the normal distribution.
	Mean float64 `json:"mean,omitempty"`
	SD   float64 `json:"sd,omitempty"`
	// Mu and Sigma parameterize the lognormal distribution: exp(N(mu, sigma)),
	// whose mean is exp(mu + sigma^2/2).
	Mu    float64 `json:"mu,omitempty"`
	Sigma float64 `json:"sigma,omitempty"`
	// Scale (x_m > 0) and Shape (alpha > 0) parameterize the Pareto
	// distribution, whose values are at least Scale and whose mean is
	// alpha*x_m/(alpha-1) for alpha > 1.
	Scale float64 `json:"scale,omitempty"`
	Shape float64 `json:"shape,omitempty"`
	// Min and Max bound the uniform distribution, and clamp the values of
	// the others when set.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Round rounds each value to the nearest integer (after clamping).
	Round bool `json:"round,omitempty"`
}

// Choice is one weighted value. Its JSON value is a string, or a number for
// number attributes: {"value": "medic", "weight": 2} or {"value": 1}.
type Choice struct {
	Value string
	// Num is the value of a number attribute's choice; IsNum is true then.
	Num   float64
	IsNum bool
	// Weight is the relative frequency; 0 or omitted counts as 1.
	Weight float64
}

// Attribute generates one player attribute.
type Attribute struct {
	// Type is "number", "string", "string_list" or "string_number_map", as
	// the rule set declares the attribute.
	Type string `json:"type"`
	// NumberDist gives number values, and the values of a
	// string_number_map's keys. A number attribute with Values draws from
	// them instead.
	NumberDist
	// Values are the weighted choices: a string's values, a string_list's
	// items, a string_number_map's keys, or a number's values (numbers).
	Values []Choice `json:"values,omitempty"`
	// MinItems and MaxItems bound how many distinct items a string_list (or
	// keys a string_number_map) holds; the count is uniform between them and
	// items are drawn by weight without replacement. When omitted, MinItems
	// is 1 (0 if MaxItems is 0) and MaxItems is MinItems.
	MinItems *int `json:"minItems,omitempty"`
	MaxItems *int `json:"maxItems,omitempty"`
	// Missing is the probability (0 to 1) that a player leaves the attribute
	// out of its request, so the rule set's default applies.
	Missing float64 `json:"missing,omitempty"`
	// Shared gives every player of a party the same value (drawn once per
	// ticket), as string batch attributes need.
	Shared bool `json:"shared,omitempty"`
}

// Location is a home location and its weight.
type Location struct {
	// Name is the location's name, such as "us-east-1".
	Name string `json:"name"`
	// Weight is the relative share of players at home there; 0 or omitted
	// counts as 1.
	Weight float64 `json:"weight,omitempty"`
}

// Normal is a normal distribution's mean and standard deviation, in
// milliseconds for latencies.
type Normal struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
}

// LatencyModel gives each player's latency to each location: to its home
// location Near, to every other location Far; each value is rounded and
// clamped to at least 1 ms. Players of a party share their home location.
type LatencyModel struct {
	Near Normal `json:"near,omitzero"`
	Far  Normal `json:"far,omitzero"`
}

// DefaultLatency is the latency model used for zero fields.
var DefaultLatency = LatencyModel{Near: Normal{Mean: 40, SD: 15}, Far: Normal{Mean: 150, SD: 40}}

// Behavior is how simulated players behave. The zero value accepts every
// match at once and never leaves a game.
type Behavior struct {
	// RejectRate is the probability (0 to 1) that a player rejects a match
	// that requires acceptance.
	RejectRate float64 `json:"rejectRate,omitempty"`
	// IgnoreRate is the probability (0 to 1) that a player never answers,
	// so the acceptance times out. RejectRate + IgnoreRate <= 1; the rest
	// accept.
	IgnoreRate float64 `json:"ignoreRate,omitempty"`
	// AcceptDelaySeconds is how long a player takes to answer (negative
	// draws count as 0).
	AcceptDelaySeconds NumberDist `json:"acceptDelaySeconds,omitzero"`
	// LeaveRate is the probability (0 to 1) that a matched player leaves
	// the game early, reported with Engine.ReportPlayersLeft so that a
	// configuration with automatic backfill refills the slot.
	LeaveRate float64 `json:"leaveRate,omitempty"`
	// LeaveAfterSeconds is how long after the match a leaving player
	// leaves (negative draws count as 0).
	LeaveAfterSeconds NumberDist `json:"leaveAfterSeconds,omitzero"`
	// GameSeconds is how long a game runs: that long after its match the
	// simulator ends its game session with Engine.EndGameSession, which
	// stops its backfill. Zero means DefaultGameSeconds (negative draws
	// count as 0).
	GameSeconds NumberDist `json:"gameSeconds,omitzero"`
}

// DefaultGameSeconds is the length of a game when Behavior.GameSeconds is
// zero: about half an hour.
var DefaultGameSeconds = NumberDist{Mean: 1800, SD: 600}

// ErrInvalidPopulation is wrapped by every error of Validate and
// DecodePopulation.
var ErrInvalidPopulation = errors.New("invalid population")

// FieldError is one problem with one field of a Population, named by its
// JSON path. Line and Column place it in the JSON it was read from (from 1,
// columns counting characters); they are 0 for a problem of a Population
// built in Go, or one that has no place.
type FieldError struct {
	Field   string // such as attributes.skill.sd; "" for the document as a whole
	Problem string // what is wrong and what the limit is
	Line    int
	Column  int
}

// Error returns "line L, column C: field: problem", leaving out the parts
// that are not known.
func (e FieldError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Column)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// MaxListedProblems is the most problems a PopulationError's message lists
// one by one; beyond it the message says how many more there are.
const MaxListedProblems = 20

// PopulationError lists every problem Validate, Check or DecodePopulation
// found. It wraps ErrInvalidPopulation.
type PopulationError struct {
	Problems []FieldError
	// Unfit is true for the problems of Check: the population is valid on
	// its own but does not fit the rule set.
	Unfit bool
}

// Error names what is wrong and lists the problems: after a colon when
// there is one, one per line (indented by two spaces) when there are more.
func (e *PopulationError) Error() string {
	subject := "invalid population"
	if e.Unfit {
		subject = "the population does not fit the rule set"
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strictjson.List(subject, lines, MaxListedProblems)
}

// Unwrap returns ErrInvalidPopulation.
func (e *PopulationError) Unwrap() error { return ErrInvalidPopulation }

type problems []FieldError

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &PopulationError{Problems: p}
}

func (p problems) unfit() error {
	if len(p) == 0 {
		return nil
	}
	return &PopulationError{Problems: p, Unfit: true}
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Validate checks every field and reports every problem, each naming the
// field by its JSON path, the problem and the limit. It returns a
// *PopulationError or nil.
func (p *Population) Validate() error {
	var ps problems
	a := p.Arrivals
	switch a.Process {
	case "", ProcessPoisson, ProcessDaily:
	default:
		ps.add("arrivals.process", "is %q; it must be %q or %q", a.Process, ProcessPoisson, ProcessDaily)
	}
	switch {
	case !finite(a.RatePerMinute) || a.RatePerMinute <= 0:
		ps.add("arrivals.ratePerMinute", "is %v; it must be more than 0 tickets per minute", a.RatePerMinute)
	case a.RatePerMinute > MaxRatePerMinute:
		ps.add("arrivals.ratePerMinute", "is %v; the limit is %d tickets per minute", a.RatePerMinute, MaxRatePerMinute)
	}
	if h := a.PeakHour; h != nil && (!finite(*h) || *h < 0 || *h >= 24) {
		ps.add("arrivals.peakHour", "is %v; it must be at least 0 and less than 24", *h)
	}
	if !finite(a.PeakToTrough) || a.PeakToTrough != 0 && (a.PeakToTrough < 1 || a.PeakToTrough > MaxPeakToTrough) {
		ps.add("arrivals.peakToTrough", "is %v; it must be 1 to %d (or omitted for %d)", a.PeakToTrough, MaxPeakToTrough, DefaultPeakTrough)
	}
	seen := map[int]bool{}
	for i, pt := range p.Parties {
		f := fmt.Sprintf("parties[%d]", i)
		if pt.Size < 1 || pt.Size > ticket.MaxPlayersPerTicket {
			ps.add(f+".size", "is %d; it must be 1 to %d players", pt.Size, ticket.MaxPlayersPerTicket)
		}
		if seen[pt.Size] {
			ps.add(f+".size", "%d is listed twice; give each size once", pt.Size)
		}
		seen[pt.Size] = true
		checkWeight(&ps, f+".weight", pt.Weight)
	}
	if len(p.Attributes) > ticket.MaxAttributesPerPlayer {
		ps.add("attributes", "has %d attributes; a player carries at most %d", len(p.Attributes), ticket.MaxAttributesPerPlayer)
	}
	for _, name := range slices.Sorted(maps.Keys(p.Attributes)) {
		checkAttribute(&ps, "attributes."+name, name, p.Attributes[name])
	}
	if len(p.Locations) > MaxLocations {
		ps.add("locations", "has %d locations; the limit is %d", len(p.Locations), MaxLocations)
	}
	locs := map[string]bool{}
	for i, l := range p.Locations {
		f := fmt.Sprintf("locations[%d]", i)
		switch {
		case l.Name == "":
			ps.add(f+".name", "is empty; give a location name such as us-east-1")
		case len(l.Name) > ticket.MaxStringLength:
			ps.add(f+".name", "is %d characters long; the limit is %d", len(l.Name), ticket.MaxStringLength)
		case locs[l.Name]:
			ps.add(f+".name", "%q is listed twice; give each location once", l.Name)
		}
		locs[l.Name] = true
		checkWeight(&ps, f+".weight", l.Weight)
	}
	for _, n := range []struct {
		f string
		v Normal
	}{{"latency.near", p.Latency.Near}, {"latency.far", p.Latency.Far}} {
		if !finite(n.v.Mean) || n.v.Mean < 0 || n.v.Mean > 100000 {
			ps.add(n.f+".mean", "is %v ms; it must be 0 to 100000", n.v.Mean)
		}
		if !finite(n.v.SD) || n.v.SD < 0 || n.v.SD > 100000 {
			ps.add(n.f+".sd", "is %v ms; it must be 0 to 100000", n.v.SD)
		}
	}
	b := p.Behavior
	checkRate(&ps, "behavior.rejectRate", b.RejectRate)
	checkRate(&ps, "behavior.ignoreRate", b.IgnoreRate)
	if b.RejectRate+b.IgnoreRate > 1 {
		ps.add("behavior.ignoreRate", "is %v and rejectRate %v; together they must be at most 1", b.IgnoreRate, b.RejectRate)
	}
	checkRate(&ps, "behavior.leaveRate", b.LeaveRate)
	checkDist(&ps, "behavior.acceptDelaySeconds", b.AcceptDelaySeconds)
	checkDist(&ps, "behavior.leaveAfterSeconds", b.LeaveAfterSeconds)
	checkDist(&ps, "behavior.gameSeconds", b.GameSeconds)
	return ps.err()
}

func checkWeight(ps *problems, f string, w float64) {
	if !finite(w) || w < 0 {
		ps.add(f, "is %v; it must be positive (0 or omitted counts as 1)", w)
	}
}

func checkRate(ps *problems, f string, r float64) {
	if !finite(r) || r < 0 || r > 1 {
		ps.add(f, "is %v; it must be a probability from 0 to 1", r)
	}
}

func checkDist(ps *problems, f string, d NumberDist) {
	for _, x := range []struct {
		name string
		v    float64
	}{{"mean", d.Mean}, {"sd", d.SD}, {"mu", d.Mu}, {"sigma", d.Sigma}, {"scale", d.Scale}, {"shape", d.Shape}} {
		if !finite(x.v) {
			ps.add(f+"."+x.name, "is %v; it must be a finite number", x.v)
		}
	}
	if d.Min != nil && !finite(*d.Min) {
		ps.add(f+".min", "is %v; it must be a finite number", *d.Min)
	}
	if d.Max != nil && !finite(*d.Max) {
		ps.add(f+".max", "is %v; it must be a finite number", *d.Max)
	}
	if d.Min != nil && d.Max != nil && *d.Min > *d.Max {
		ps.add(f+".min", "is %v, more than max %v; min must be at most max", *d.Min, *d.Max)
	}
	switch d.Dist {
	case "", DistNormal:
		if d.SD < 0 {
			ps.add(f+".sd", "is %v; a standard deviation must be at least 0", d.SD)
		}
	case DistLogNormal:
		if d.Sigma < 0 {
			ps.add(f+".sigma", "is %v; it must be at least 0", d.Sigma)
		}
		if d.Mu > 700 {
			ps.add(f+".mu", "is %v; the limit is 700 (exp(mu) must be a finite number)", d.Mu)
		}
	case DistPareto:
		if d.Scale <= 0 {
			ps.add(f+".scale", "is %v; a Pareto scale (the minimum value) must be more than 0", d.Scale)
		}
		if d.Shape <= 0 {
			ps.add(f+".shape", "is %v; a Pareto shape (alpha) must be more than 0", d.Shape)
		}
	case DistUniform:
		if d.Min == nil || d.Max == nil {
			ps.add(f, "is uniform without min and max; give both bounds")
		}
	default:
		ps.add(f+".dist", "is %q; it must be %q, %q, %q or %q", d.Dist, DistNormal, DistLogNormal, DistPareto, DistUniform)
	}
}

func checkAttribute(ps *problems, f, name string, a Attribute) {
	if name == "" {
		ps.add(f, "has an empty name; give the attribute's name as the rule set declares it")
	}
	if len(name) > ticket.MaxAttributeNameLength {
		ps.add(f, "has a name of %d characters; the limit is %d", len(name), ticket.MaxAttributeNameLength)
	}
	checkRate(ps, f+".missing", a.Missing)
	checkDist(ps, f, a.NumberDist)
	for i, c := range a.Values {
		cf := fmt.Sprintf("%s.values[%d]", f, i)
		checkWeight(ps, cf+".weight", c.Weight)
		switch {
		case a.Type == TypeNumber && !c.IsNum:
			ps.add(cf+".value", "is the string %q; a number attribute's values must be numbers", c.Value)
		case a.Type == TypeNumber && !finite(c.Num):
			ps.add(cf+".value", "is %v; it must be a finite number", c.Num)
		case a.Type != TypeNumber && c.IsNum:
			ps.add(cf+".value", "is the number %v; a %s attribute's values must be strings", c.Num, a.Type)
		case a.Type != TypeNumber && c.Value == "":
			ps.add(cf+".value", "is empty; a string must be 1 to %d characters", ticket.MaxStringLength)
		case a.Type != TypeNumber && len(c.Value) > ticket.MaxStringLength:
			ps.add(cf+".value", "is %d characters long; the limit is %d", len(c.Value), ticket.MaxStringLength)
		}
	}
	lo, hi := a.items()
	switch a.Type {
	case TypeNumber:
		if len(a.Values) > 0 && a.Dist != "" {
			ps.add(f+".dist", "is %q, but values are given too; give either a distribution or weighted values", a.Dist)
		}
	case TypeString:
		if len(a.Values) == 0 {
			ps.add(f+".values", "is empty; a string attribute needs at least one value")
		}
	case TypeStringList, TypeStringMap:
		limit := ticket.MaxListItems
		if a.Type == TypeStringMap {
			limit = ticket.MaxMapEntries
		}
		switch {
		case len(a.Values) == 0:
			ps.add(f+".values", "is empty; a %s attribute needs at least one item to draw", a.Type)
		case lo < 0:
			ps.add(f+".minItems", "is %d; it must be at least 0", lo)
		case hi < lo:
			ps.add(f+".maxItems", "is %d, less than minItems %d", hi, lo)
		case hi > len(a.Values):
			ps.add(f+".maxItems", "is %d, but only %d distinct values are given; items are drawn without replacement", hi, len(a.Values))
		case hi > limit:
			ps.add(f+".maxItems", "is %d; a %s holds at most %d", hi, a.Type, limit)
		}
	case "":
		ps.add(f+".type", "is missing; give %q, %q, %q or %q", TypeNumber, TypeString, TypeStringList, TypeStringMap)
	default:
		ps.add(f+".type", "is %q; it must be %q, %q, %q or %q", a.Type, TypeNumber, TypeString, TypeStringList, TypeStringMap)
	}
}

// items returns the bounds of a list's or map's item count.
func (a *Attribute) items() (lo, hi int) {
	switch {
	case a.MinItems != nil:
		lo = *a.MinItems
	case a.MaxItems != nil && *a.MaxItems == 0:
		lo = 0
	default:
		lo = 1
	}
	hi = lo
	if a.MaxItems != nil {
		hi = *a.MaxItems
	}
	return lo, hi
}

// Check reports the problems of using p with rule set rs: an attribute the
// rule set does not declare (a misspelt name would otherwise leave every
// player with the default), an attribute whose type differs from the
// declared one, or a declared attribute without a default that p does not
// generate (no ticket could ever match). It returns a *PopulationError
// with Unfit set, or nil; call Validate first.
func (p *Population) Check(rs *ruleset.RuleSet) error {
	return p.check(rs).unfit()
}

func (p *Population) check(rs *ruleset.RuleSet) problems {
	var ps problems
	declared := map[string]ticket.Attr{}
	var names []string // in declaration order
	for _, a := range rs.Schema().Attrs() {
		declared[a.Name] = a
		names = append(names, a.Name)
		if _, ok := p.Attributes[a.Name]; !ok && a.Default == nil {
			ps.add("attributes."+a.Name, "is missing; the rule set declares it without a default, so no ticket could match")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.Attributes)) {
		a := p.Attributes[name]
		d, ok := declared[name]
		switch {
		case !ok && len(names) == 0:
			ps.add("attributes."+name, "the rule set declares no player attributes; remove it")
		case !ok:
			ps.add("attributes."+name, "the rule set declares no attribute %q%s; it declares %s", name, strictjson.DidYouMean(name, names), strings.Join(names, ", "))
		case d.Kind.RuleSetType() != a.Type:
			ps.add("attributes."+name+".type", "is %q, but the rule set declares %s as %q", a.Type, name, d.Kind.RuleSetType())
		}
		if ok && d.Default == nil && a.Missing > 0 {
			ps.add("attributes."+name+".missing", "is %v, but the rule set declares %s without a default, so those tickets could never match", a.Missing, name)
		}
	}
	if rs.HasLatencyRule() && len(p.Locations) == 0 {
		ps.add("locations", "is empty, but the rule set has a latency rule, so no ticket could match")
	}
	return ps
}

// DecodePopulation reads a Population from JSON and validates it. It is
// strict: an unknown field, a field given twice, or a value of the wrong
// kind is an error, so that a misspelt field is not silently ignored. Every
// problem, those of Validate included, is a FieldError with its line,
// column and JSON path, in a *PopulationError; errors carry no Go type
// names.
func DecodePopulation(r io.Reader) (Population, error) { return decodePopulation(r, nil) }

// DecodePopulationFor is DecodePopulation followed by Check against rs,
// whose problems then also carry their line and column.
func DecodePopulationFor(r io.Reader, rs *ruleset.RuleSet) (Population, error) {
	return decodePopulation(r, rs)
}

func decodePopulation(r io.Reader, rs *ruleset.RuleSet) (Population, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return Population{}, fmt.Errorf("%w: cannot read it: %v", ErrInvalidPopulation, err)
	}
	p, c, ps := decodeStrict(b)
	if len(ps) > 0 {
		return Population{}, ps.err()
	}
	if err := p.Validate(); err != nil {
		pe := err.(*PopulationError)
		locate(c, pe.Problems)
		return Population{}, pe
	}
	if rs != nil {
		if ps := p.check(rs); len(ps) > 0 {
			locate(c, ps)
			return Population{}, ps.unfit()
		}
	}
	return p, nil
}

// LoadPopulation reads and validates a Population file.
func LoadPopulation(path string) (Population, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Population{}, err
	}
	return DecodePopulation(bytes.NewReader(b))
}

// JSON returns p as indented JSON, the form DecodePopulation reads.
func (p *Population) JSON() []byte {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		panic(err) // every field marshals
	}
	return append(b, '\n')
}

// MarshalJSON encodes a choice as {"value": ..., "weight": ...}.
func (c Choice) MarshalJSON() ([]byte, error) {
	var b []byte
	b = append(b, `{"value":`...)
	if c.IsNum {
		v, err := json.Marshal(c.Num)
		if err != nil {
			return nil, err
		}
		b = append(b, v...)
	} else {
		v, err := json.Marshal(c.Value) // JSON escapes, not Go's (strconv.Quote writes \x7f)
		if err != nil {
			return nil, err
		}
		b = append(b, v...)
	}
	if c.Weight != 0 {
		b = append(b, `,"weight":`...)
		b = strconv.AppendFloat(b, c.Weight, 'g', -1, 64)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON decodes {"value": "s" | n, "weight": w}.
func (c *Choice) UnmarshalJSON(b []byte) error {
	var raw struct {
		Value  json.RawMessage `json:"value"`
		Weight float64         `json:"weight"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	*c = Choice{Weight: raw.Weight}
	v := bytes.TrimSpace(raw.Value)
	switch {
	case len(v) == 0:
		return errors.New(`a choice needs a "value"`)
	case v[0] == '"':
		return json.Unmarshal(v, &c.Value)
	default:
		c.IsNum = true
		if err := json.Unmarshal(v, &c.Num); err != nil {
			return fmt.Errorf("choice value %s is neither a string nor a number", v)
		}
	}
	return nil
}

// Str returns a string choice.
func Str(value string, weight float64) Choice { return Choice{Value: value, Weight: weight} }

// Num returns a number choice.
func Num(value, weight float64) Choice { return Choice{Num: value, IsNum: true, Weight: weight} }

// F returns a pointer to f, for NumberDist.Min and Max.
func F(f float64) *float64 { return &f }

// I returns a pointer to i, for Attribute.MinItems and MaxItems.
func I(i int) *int { return &i }
