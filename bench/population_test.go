package bench

import (
	"errors"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/ruleset"
)

// valid returns a population that passes Validate, for tests to break.
func valid() Population {
	return Population{
		Arrivals: Arrivals{RatePerMinute: 60},
		Parties:  []Party{{Size: 1, Weight: 3}, {Size: 2}},
		Attributes: map[string]Attribute{
			"skill": {Type: TypeNumber, NumberDist: NumberDist{Mean: 100, SD: 10}},
			"map":   {Type: TypeString, Values: []Choice{Str("dust", 2), Str("nuke", 1)}, Shared: true},
			"modes": {Type: TypeStringList, Values: []Choice{Str("a", 1), Str("b", 1)}, MaxItems: I(2)},
			"prefs": {Type: TypeStringMap, Values: []Choice{Str("x", 1), Str("y", 1)}, NumberDist: NumberDist{Dist: DistUniform, Min: F(0), Max: F(1)}},
		},
		Locations: []Location{{Name: "us-east-1"}, {Name: "eu-west-1", Weight: 2}},
	}
}

func TestValidate(t *testing.T) {
	if err := (&Population{Arrivals: Arrivals{RatePerMinute: 1}}).Validate(); err != nil {
		t.Fatalf("minimal population: %v", err)
	}
	p := valid()
	if err := p.Validate(); err != nil {
		t.Fatalf("valid population: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(p *Population)
		field string
		want  string // a fragment of the problem, naming the limit
	}{
		{"no rate", func(p *Population) { p.Arrivals.RatePerMinute = 0 }, "arrivals.ratePerMinute", "more than 0"},
		{"rate too high", func(p *Population) { p.Arrivals.RatePerMinute = 2e7 }, "arrivals.ratePerMinute", "limit is 10000000"},
		{"unknown process", func(p *Population) { p.Arrivals.Process = "bursty" }, "arrivals.process", `"poisson" or "daily"`},
		{"peak hour", func(p *Population) { p.Arrivals.PeakHour = F(24) }, "arrivals.peakHour", "less than 24"},
		{"peak to trough", func(p *Population) { p.Arrivals.PeakToTrough = 0.5 }, "arrivals.peakToTrough", "1 to 1000"},
		{"party size", func(p *Population) { p.Parties[0].Size = 11 }, "parties[0].size", "1 to 10"},
		{"party twice", func(p *Population) { p.Parties[1].Size = 1 }, "parties[1].size", "listed twice"},
		{"party weight", func(p *Population) { p.Parties[1].Weight = -1 }, "parties[1].weight", "positive"},
		{"no type", func(p *Population) { p.Attributes["x"] = Attribute{} }, "attributes.x.type", "missing"},
		{"bad type", func(p *Population) { p.Attributes["x"] = Attribute{Type: "int"} }, "attributes.x.type", `"number"`},
		{"negative sd", func(p *Population) {
			p.Attributes["skill"] = Attribute{Type: TypeNumber, NumberDist: NumberDist{SD: -1}}
		}, "attributes.skill.sd", "at least 0"},
		{"bad dist", func(p *Population) {
			p.Attributes["skill"] = Attribute{Type: TypeNumber, NumberDist: NumberDist{Dist: "cauchy"}}
		}, "attributes.skill.dist", `"lognormal"`},
		{"pareto scale", func(p *Population) {
			p.Attributes["skill"] = Attribute{Type: TypeNumber, NumberDist: NumberDist{Dist: DistPareto, Shape: 2}}
		}, "attributes.skill.scale", "more than 0"},
		{"pareto shape", func(p *Population) {
			p.Attributes["skill"] = Attribute{Type: TypeNumber, NumberDist: NumberDist{Dist: DistPareto, Scale: 1}}
		}, "attributes.skill.shape", "more than 0"},
		{"lognormal sigma", func(p *Population) {
			p.Attributes["skill"] = Attribute{Type: TypeNumber, NumberDist: NumberDist{Dist: DistLogNormal, Sigma: -2}}
		}, "attributes.skill.sigma", "at least 0"},
		{"uniform bounds", func(p *Population) {
			p.Attributes["skill"] = Attribute{Type: TypeNumber, NumberDist: NumberDist{Dist: DistUniform, Min: F(1)}}
		}, "attributes.skill", "give both bounds"},
		{"min over max", func(p *Population) {
			p.Attributes["skill"] = Attribute{Type: TypeNumber, NumberDist: NumberDist{Min: F(2), Max: F(1)}}
		}, "attributes.skill.min", "at most max"},
		{"string number value", func(p *Population) {
			p.Attributes["map"] = Attribute{Type: TypeString, Values: []Choice{Num(1, 1)}}
		}, "attributes.map.values[0].value", "must be strings"},
		{"number string value", func(p *Population) {
			p.Attributes["skill"] = Attribute{Type: TypeNumber, Values: []Choice{Str("high", 1)}}
		}, "attributes.skill.values[0].value", "must be numbers"},
		{"string without values", func(p *Population) { p.Attributes["map"] = Attribute{Type: TypeString} }, "attributes.map.values", "at least one value"},
		{"long string", func(p *Population) {
			p.Attributes["map"] = Attribute{Type: TypeString, Values: []Choice{Str(strings.Repeat("m", 101), 1)}}
		}, "attributes.map.values[0].value", "limit is 100"},
		{"list too long", func(p *Population) {
			p.Attributes["modes"] = Attribute{Type: TypeStringList, Values: []Choice{Str("a", 1)}, MaxItems: I(2)}
		}, "attributes.modes.maxItems", "without replacement"},
		{"list bounds", func(p *Population) {
			p.Attributes["modes"] = Attribute{Type: TypeStringList, Values: []Choice{Str("a", 1), Str("b", 1)}, MinItems: I(2), MaxItems: I(1)}
		}, "attributes.modes.maxItems", "less than minItems"},
		{"missing rate", func(p *Population) {
			p.Attributes["skill"] = Attribute{Type: TypeNumber, Missing: 1.5}
		}, "attributes.skill.missing", "0 to 1"},
		{"too many attributes", func(p *Population) {
			for i := range 8 {
				p.Attributes[string(rune('a'+i))] = Attribute{Type: TypeNumber}
			}
		}, "attributes", "at most 10"},
		{"location name", func(p *Population) { p.Locations[0].Name = "" }, "locations[0].name", "empty"},
		{"location twice", func(p *Population) { p.Locations[1].Name = "us-east-1" }, "locations[1].name", "listed twice"},
		{"latency sd", func(p *Population) { p.Latency.Far.SD = -5 }, "latency.far.sd", "0 to 100000"},
		{"reject rate", func(p *Population) { p.Behavior.RejectRate = 2 }, "behavior.rejectRate", "probability"},
		{"rates sum", func(p *Population) { p.Behavior.RejectRate, p.Behavior.IgnoreRate = 0.6, 0.6 }, "behavior.ignoreRate", "at most 1"},
		{"delay dist", func(p *Population) { p.Behavior.AcceptDelaySeconds.Dist = "gamma" }, "behavior.acceptDelaySeconds.dist", `"uniform"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.edit(&p)
			err := p.Validate()
			if !errors.Is(err, ErrInvalidPopulation) {
				t.Fatalf("Validate() = %v; want an error wrapping ErrInvalidPopulation", err)
			}
			var pe *PopulationError
			if !errors.As(err, &pe) {
				t.Fatalf("Validate() = %T; want *PopulationError", err)
			}
			for _, fe := range pe.Problems {
				if fe.Field == tt.field && strings.Contains(fe.Problem, tt.want) {
					return
				}
			}
			t.Errorf("Validate() = %v; want a problem with %s containing %q", err, tt.field, tt.want)
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	p := valid()
	p.Arrivals.RatePerMinute = -1
	p.Parties[0].Size = 0
	p.Locations[0].Name = ""
	err := p.Validate()
	var pe *PopulationError
	if !errors.As(err, &pe) || len(pe.Problems) != 3 {
		t.Fatalf("Validate() = %v; want three problems", err)
	}
}

func TestDecodePopulation(t *testing.T) {
	p := valid()
	back, err := DecodePopulation(strings.NewReader(string(p.JSON())))
	if err != nil {
		t.Fatalf("DecodePopulation(JSON()) = %v", err)
	}
	if string(back.JSON()) != string(p.JSON()) {
		t.Errorf("round trip changed the population:\n%s\nwant\n%s", back.JSON(), p.JSON())
	}
	for _, tt := range []struct{ name, in, want string }{
		{"unknown field", `{"arrivals": {"ratePerMinute": 1}, "parites": []}`, `unknown field "parites"`},
		{"unknown choice field", `{"arrivals": {"ratePerMinute": 1}, "attributes": {"m": {"type": "string", "values": [{"value": "a", "wieght": 2}]}}}`, "wieght"},
		{"choice without value", `{"arrivals": {"ratePerMinute": 1}, "attributes": {"m": {"type": "string", "values": [{"weight": 2}]}}}`, `needs a "value"`},
		{"invalid", `{"arrivals": {"ratePerMinute": 0}}`, "arrivals.ratePerMinute"},
		{"two values", `{"arrivals": {"ratePerMinute": 1}} {}`, "more than one"},
		{"not json", `arrivals`, "invalid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodePopulation(strings.NewReader(tt.in))
			if !errors.Is(err, ErrInvalidPopulation) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodePopulation = %v; want an ErrInvalidPopulation mentioning %q", err, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	rs := ruleset.MustLoad([]byte(`{"ruleLanguageVersion": "1.0",
		"playerAttributes": [{"name": "skill", "type": "number"}, {"name": "map", "type": "string", "default": "dust"}],
		"teams": [{"name": "a", "minPlayers": 2, "maxPlayers": 2}],
		"rules": [{"name": "fast", "type": "latency", "maxLatency": 50}]}`))
	p := Population{Arrivals: Arrivals{RatePerMinute: 1}, Attributes: map[string]Attribute{
		"map": {Type: TypeNumber},
	}}
	err := p.Check(rs)
	for _, want := range []string{
		"attributes.skill: is missing; the rule set declares it without a default",
		`attributes.map.type: is "number", but the rule set declares map as "string"`,
		"locations: is empty, but the rule set has a latency rule",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check() = %v; want %q", err, want)
		}
	}
	p = Population{Arrivals: Arrivals{RatePerMinute: 1}, Locations: []Location{{Name: "x"}}, Attributes: map[string]Attribute{
		"skill": {Type: TypeNumber, Missing: 0.1},
	}}
	if err := p.Check(rs); err == nil || !strings.Contains(err.Error(), "attributes.skill.missing") {
		t.Errorf("Check() = %v; want a problem with attributes.skill.missing", err)
	}
}

func TestShippedPopulationsValid(t *testing.T) {
	names := ExamplePopulations()
	if len(names) != 12 {
		t.Errorf("ExamplePopulations() = %v; want the 11 published examples and the tutorial", names)
	}
	for _, n := range names {
		if _, err := ExamplePopulation(n); err != nil {
			t.Errorf("ExamplePopulation(%s): %v", n, err)
		}
	}
	d := DefaultPopulation()
	if err := d.Check(loadDefault()); err != nil {
		t.Errorf("the default population does not fit the default rule set: %v", err)
	}
}
