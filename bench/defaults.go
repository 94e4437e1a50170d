package bench

import (
	"bytes"
	"embed"
	"encoding/json"
	"path"
	"sort"
	"strings"

	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/ruleset"
)

var (
	//go:embed defaults/ranked5v5.json
	defaultRuleSet string
	//go:embed defaults/ranked5v5-population.json
	defaultPopulation []byte
	//go:embed populations/*.json
	populationFiles embed.FS
)

// DefaultRuleSet returns the body of the embedded default rule set: ranked
// 5v5 with a skill batchDistance rule (100, expanding to 200 at 10 s and
// 400 at 30 s), a team-average fairness distance rule (20), and a latency
// rule (80 ms, expanding to 120 ms at 15 s and 200 ms at 40 s).
func DefaultRuleSet() string { return defaultRuleSet }

// DefaultName is the name of the default rule set and configuration.
const DefaultName = "ranked5v5"

// DefaultPopulation returns the embedded default population: 3000 solo
// tickets a minute, skill ~ N(1500, 300), at home in one of four locations
// with near latency ~ N(35, 15) ms and far latency ~ N(160, 40) ms.
func DefaultPopulation() Population {
	p, err := DecodePopulation(bytes.NewReader(defaultPopulation))
	if err != nil {
		panic("bench: the embedded default population is invalid: " + err.Error())
	}
	return p
}

// DefaultConfig returns the configuration the default simulation uses:
// STANDALONE, no acceptance, a 120-second request timeout.
func DefaultConfig() gamelift.CreateMatchmakingConfigurationInput {
	return gamelift.CreateMatchmakingConfigurationInput{Name: DefaultName, RuleSetName: DefaultName, RequestTimeoutSeconds: 120}
}

// DefaultSetup returns a setup document (the RuleSets and Configurations
// that matchforge serve --setup and server.Server.Setup read) holding the
// default rule set and configuration.
func DefaultSetup() []byte {
	doc := struct {
		RuleSets       []gamelift.CreateMatchmakingRuleSetInput
		Configurations []gamelift.CreateMatchmakingConfigurationInput
	}{
		[]gamelift.CreateMatchmakingRuleSetInput{{Name: DefaultName, RuleSetBody: DefaultRuleSet()}},
		[]gamelift.CreateMatchmakingConfigurationInput{DefaultConfig()},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic("bench: the default setup does not encode: " + err.Error())
	}
	return b
}

// traffic returns the population a simulation or workload of rs generates,
// with its generator: pop, or when pop is nil the default population for
// the default rule set and DerivePopulation(rs) for any other; rate, when
// positive, replaces its arrival rate. It returns the problems of
// Validate, then those of Check against rs.
func traffic(rs *ruleset.RuleSet, isDefault bool, pop *Population, rate float64, seed uint64) (Population, *Generator, error) {
	var p Population
	switch {
	case pop != nil:
		p = *pop
	case isDefault:
		p = DefaultPopulation()
	default:
		p = DerivePopulation(rs)
	}
	if rate > 0 {
		p.Arrivals.RatePerMinute = rate
	}
	if err := p.Validate(); err != nil {
		return Population{}, nil, err
	}
	if err := p.Check(rs); err != nil {
		return Population{}, nil, err
	}
	return p, newGenerator(p, seed), nil
}

// loadDefault compiles the default rule set.
func loadDefault() *ruleset.RuleSet { return ruleset.MustLoad([]byte(defaultRuleSet)) }

// ExamplePopulations returns the names of the shipped populations for the
// published FlexMatch example rule sets (the example's file name without
// .json, such as "ex01-aliens-vs-cowboys"), in order.
func ExamplePopulations() []string {
	entries, _ := populationFiles.ReadDir("populations")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(out)
	return out
}

// ExamplePopulation returns the shipped population for a published example
// rule set, by the name ExamplePopulations lists.
func ExamplePopulation(name string) (Population, error) {
	b, err := populationFiles.ReadFile(path.Join("populations", name+".json"))
	if err != nil {
		return Population{}, err
	}
	return DecodePopulation(bytes.NewReader(b))
}
