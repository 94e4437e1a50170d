package bench

import (
	"fmt"
	"math"
	"time"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// DefaultLocations are the four locations of the default population, with
// the weights DerivePopulation gives them.
var DefaultLocations = []Location{
	{Name: "us-east-1", Weight: 4},
	{Name: "us-west-2", Weight: 3},
	{Name: "eu-west-1", Weight: 3},
	{Name: "ap-northeast-1", Weight: 2},
}

// DerivePopulation builds a population for rs from its declared attributes,
// teams and rules, so that any rule set can be simulated or benchmarked as
// it is. The aim is traffic under which most tickets match within the
// rule set's expansions, shaped the way each rule reads its attributes:
//
//   - a number that a batchDistance or distance rule reads is normal with a
//     standard deviation of the rule's first maxDistance (the tightest when
//     several rules read it), so that neighbours are close but not equal;
//     a window of 3 or less reads as a tier: whole numbers with a standard
//     deviation of half the window;
//   - a number compared with literal reference values takes those values,
//     weighted by the sizes of the teams the comparisons select; compared
//     for equality (all equal) it takes few values, for inequality (all
//     different) many; compared with another attribute (>=, >, <=, <) the
//     two are shifted apart by two standard deviations so the comparison
//     usually holds;
//   - a string that a batchDistance or equality rule reads has two values,
//     shared by a party; other strings have three;
//   - a string list that an intersection rule reads holds a common item
//     with high probability (weight 40 against 1 for two others); one counted by contains with maxCount holds the
//     literal rarely (with minCount often); reference_intersection_count
//     lists draw from a small common set; block lists (compared with player
//     ids) are mostly left to their default;
//   - a string_number_map has its default's keys and two more, values
//     uniform from 0 to 100;
//   - with a latency rule, players are at home in DefaultLocations, near
//     latency N(L/2, L/5) for the first maxLatency L and far latency beyond
//     the last;
//   - parties of 2 and 3 players appear when every team holds at least 4
//     players and no rule picks players for teams by literal values;
//   - the rate is 30 tickets a minute per player of a full match and per
//     bucket (location, and value of each string batch attribute), between
//     300 and 12000 a minute.
//
// The population is a starting point: write it out with Population.JSON,
// tune it, and pass it back with --population.
func DerivePopulation(rs *ruleset.RuleSet) Population {
	a := analyze(rs)
	p := Population{
		Description: fmt.Sprintf("derived by bench.DerivePopulation from rule set %q", rs.Name()),
		Attributes:  map[string]Attribute{},
	}
	buckets := 1.0
	literalTeams := false
	for _, at := range rs.Schema().Attrs() {
		attr, lit := deriveAttribute(a, at)
		literalTeams = literalTeams || lit
		p.Attributes[at.Name] = attr
		if attr.Shared && at.Kind == ticket.KindString {
			buckets *= float64(len(attr.Values))
		}
	}
	if rs.HasLatencyRule() {
		first, _ := rs.LatencyBound(&rs.Phases()[0])
		last, _ := rs.LatencyBound(&rs.Phases()[len(rs.Phases())-1])
		if math.IsInf(first, 1) || first <= 0 {
			first = 100
		}
		last = max(last, first)
		if math.IsInf(last, 1) {
			last = first
		}
		p.Locations = append([]Location(nil), DefaultLocations...)
		p.Latency = LatencyModel{
			Near: Normal{Mean: math.Round(first / 2), SD: math.Round(first / 5)},
			Far:  Normal{Mean: math.Round(last*1.5 + 20), SD: math.Round(last / 5)},
		}
		buckets *= float64(len(p.Locations))
	}
	minTeam := math.MaxInt
	for _, t := range rs.Teams() {
		minTeam = min(minTeam, t.MaxPlayers)
	}
	meanParty := 1.0
	if minTeam >= 4 && !literalTeams {
		p.Parties = []Party{{Size: 1, Weight: 80}, {Size: 2, Weight: 15}, {Size: 3, Weight: 5}}
		meanParty = 1.25
	}
	rate := 30 * float64(rs.MaxPlayers()) * buckets / meanParty
	p.Arrivals = Arrivals{Process: ProcessPoisson, RatePerMinute: math.Round(min(max(rate, 300), 12000))}
	return p
}

// deriveAttribute builds the generator of one declared attribute; lit
// reports a comparison that assigns players to teams by literal values.
func deriveAttribute(a *analysis, at ticket.Attr) (attr Attribute, lit bool) {
	switch at.Kind {
	case ticket.KindNumber:
		return deriveNumber(a, at)
	case ticket.KindString:
		return deriveString(a, at), false
	case ticket.KindList:
		return deriveList(a, at), false
	default:
		return deriveMap(at), false
	}
}

func deriveNumber(a *analysis, at ticket.Attr) (Attribute, bool) {
	name := at.Name
	attr := Attribute{Type: TypeNumber}
	sd := math.Inf(1)
	literals := map[float64]float64{} // literal reference value -> weight
	var litOrder []float64
	equal, different := false, false
	shift := 0.0
	first := &a.rs.Phases()[0]
	for k := range a.rules {
		r := &a.rules[k]
		if !r.uses(name) {
			continue
		}
		switch r.Type {
		case ruleset.TypeBatchDistance, ruleset.TypeDistance:
			if d, ok := first.MaxDistance(r.index); ok && d > 0 {
				sd = min(sd, d)
			}
		case ruleset.TypeComparison:
			switch {
			case r.Reference.Kind == ruleset.NumberReference && r.measures(name):
				w := a.teamWeight(r.Teams)
				if _, seen := literals[r.Reference.Number]; !seen {
					litOrder = append(litOrder, r.Reference.Number)
				}
				literals[r.Reference.Number] += w
			case r.Reference.Kind != ruleset.NumberReference && !r.refExpression() && r.Operation == "=":
				equal = true
			case r.Reference.Kind != ruleset.NumberReference && !r.refExpression() && r.Operation == "!=":
				different = true
			case r.refExpression():
				up := r.Operation == ">=" || r.Operation == ">"
				down := r.Operation == "<=" || r.Operation == "<"
				if r.measures(name) && up || r.refReads(name) && down {
					shift = 2
				}
				if r.measures(name) && down || r.refReads(name) && up {
					shift = -2
				}
			}
		}
	}
	if len(litOrder) > 0 {
		for _, v := range litOrder {
			attr.Values = append(attr.Values, Num(v, literals[v]))
		}
		return attr, true
	}
	if different {
		attr.Dist, attr.Min, attr.Max, attr.Round = DistUniform, F(1), F(1000), true
		return attr, false
	}
	if equal {
		attr.Values = []Choice{Num(1, 3), Num(2, 1)}
		return attr, false
	}
	if math.IsInf(sd, 1) {
		sd = 10
	}
	mean := 10 * sd
	if at.Default != nil && at.Default.N() >= 5*sd {
		mean = at.Default.N()
	}
	attr.Mean = round3(mean + shift*sd)
	attr.SD = round3(sd)
	if sd <= 3 {
		// A tight window of a few units reads like a league or a tier:
		// whole numbers, so that equal values are common.
		attr.Mean, attr.SD, attr.Round = math.Round(attr.Mean), math.Max(1, math.Round(sd/2)), true
	}
	return attr, false
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// teamWeight is the players the selected teams hold at most ("*" or no
// team: every team).
func (a *analysis) teamWeight(names []string) float64 {
	w := 0.0
	for _, n := range names {
		for _, t := range a.rs.Teams() {
			if n == "*" || t.Name == n || t.Base == n {
				w += float64(t.MaxPlayers)
			}
		}
	}
	if w == 0 {
		w = float64(a.rs.MaxPlayers())
	}
	return w
}

func deriveString(a *analysis, at ticket.Attr) Attribute {
	name := at.Name
	attr := Attribute{Type: TypeString}
	few, many := false, false
	for k := range a.rules {
		r := &a.rules[k]
		switch {
		case r.Type == ruleset.TypeBatchDistance && r.BatchAttribute == name:
			few = true
		case r.Type == ruleset.TypeComparison && r.measures(name) && r.Operation == "=":
			few = true
		case r.Type == ruleset.TypeComparison && r.measures(name) && r.Operation == "!=":
			many = true
		}
	}
	base := []string{name + "-a", name + "-b", name + "-c"}
	if at.Default != nil {
		base[0] = at.Default.S()
	}
	switch {
	case few:
		attr.Values = []Choice{Str(base[0], 3), Str(base[1], 1)}
		attr.Shared = true
	case many:
		for i := range 20 {
			attr.Values = append(attr.Values, Str(fmt.Sprintf("%s-%d", name, i+1), 1))
		}
	default:
		for _, v := range base {
			attr.Values = append(attr.Values, Str(v, 1))
		}
	}
	return attr
}

func deriveList(a *analysis, at ticket.Attr) Attribute {
	name := at.Name
	attr := Attribute{Type: TypeStringList}
	var defaults []string
	if at.Default != nil {
		defaults = at.Default.SL()
	}
	for k := range a.rules {
		r := &a.rules[k]
		if r.Type != ruleset.TypeCollection || !r.uses(name) {
			continue
		}
		switch r.Operation {
		case "intersection":
			common := name + "-1"
			if len(defaults) > 0 {
				common = defaults[0]
			}
			attr.Values = []Choice{Str(common, 40), Str(name+"-2", 1), Str(name+"-3", 1)}
			attr.MaxItems = I(2)
			return attr
		case "contains":
			if r.refString() == "" {
				continue
			}
			w := 1.0 // rare under maxCount
			if r.MinCount.Set && r.MinCount.Value > 0 {
				w = 12
			}
			attr.Values = []Choice{Str(r.refString(), w)}
			for _, d := range defaults {
				if d != r.refString() {
					attr.Values = append(attr.Values, Str(d, 4))
				}
			}
			for i := len(attr.Values); i < 4; i++ {
				attr.Values = append(attr.Values, Str(fmt.Sprintf("%s-%d", name, i), 4))
			}
			attr.MaxItems = I(2)
			return attr
		case "reference_intersection_count":
			if r.refReads(name) || r.measures(name) {
				if r.refExpression() && len(r.Reference.Attributes) == 0 && at.Default != nil {
					// A block list, compared with player ids: mostly empty,
					// otherwise names that are no player's.
					attr.Values = []Choice{Str("blocked-1", 1), Str("blocked-2", 1), Str("blocked-3", 1)}
					attr.MaxItems = I(2)
					attr.Missing = 0.8
					return attr
				}
				for i := range 4 {
					attr.Values = append(attr.Values, Str(fmt.Sprintf("character-%d", i+1), 1))
				}
				if r.measures(name) {
					attr.MaxItems = I(1)
				} else {
					attr.MinItems, attr.MaxItems = I(3), I(4)
				}
				return attr
			}
		}
	}
	for _, d := range defaults {
		attr.Values = append(attr.Values, Str(d, 4))
	}
	for i := len(attr.Values); i < 4; i++ {
		attr.Values = append(attr.Values, Str(fmt.Sprintf("%s-%d", name, i+1), 1))
	}
	attr.MaxItems = I(2)
	return attr
}

func deriveMap(at ticket.Attr) Attribute {
	attr := Attribute{Type: TypeStringMap}
	if at.Default != nil {
		for _, e := range at.Default.SDM() {
			attr.Values = append(attr.Values, Str(e.Key, 2))
		}
	}
	for i := range 2 {
		attr.Values = append(attr.Values, Str(fmt.Sprintf("%s-%d", at.Name, i+2), 1))
	}
	attr.Dist, attr.Min, attr.Max, attr.Round = DistUniform, F(0), F(100), true
	attr.MaxItems = I(min(3, len(attr.Values)))
	return attr
}

// DefaultTimeout is the request timeout the simulator gives a configuration
// that sets none: two minutes, or a minute past the rule set's last
// expansion.
func DefaultTimeout(rs *ruleset.RuleSet) int {
	return max(120, int(math.Ceil((rs.LastExpansion() + time.Minute).Seconds())))
}
