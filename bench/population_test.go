package bench

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/internal/strictjson"
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
	// Each refusal's whole message: the place, the JSON path, the problem
	// and the limit, in the file's terms.
	for _, tt := range []struct{ name, in, want string }{
		{"unknown field", `{"arrivals": {"ratePerMinute": 1}, "parites": []}`,
			`line 1, column 36: parites: unknown field (did you mean "parties"?); the accepted fields are description, arrivals, parties, attributes, locations, latency, behavior`},
		{"unknown field of an attribute", "{\"arrivals\": {\"ratePerMinute\": 1},\n \"attributes\": {\"skill\": {\"type\": \"number\",\n    \"mean2\": 5}}}",
			`line 3, column 5: attributes.skill.mean2: unknown field (did you mean "mean"?); the accepted fields are type, dist, mean, sd, mu, sigma, scale, shape, min, max, round, values, minItems, maxItems, missing, shared`},
		{"a field in the wrong case", `{"Arrivals": {"ratePerMinute": 1}}`,
			`line 1, column 2: Arrivals: unknown field (did you mean "arrivals"?); the accepted fields are description, arrivals, parties, attributes, locations, latency, behavior`},
		{"unknown choice field", `{"arrivals": {"ratePerMinute": 1}, "attributes": {"m": {"type": "string", "values": [{"value": "a", "wieght": 2}]}}}`,
			`line 1, column 101: attributes.m.values[0].wieght: unknown field (did you mean "weight"?); the accepted fields are value, weight`},
		{"choice without value", `{"arrivals": {"ratePerMinute": 1}, "attributes": {"m": {"type": "string", "values": [{"weight": 2}]}}}`,
			`line 1, column 86: attributes.m.values[0]: a choice needs a "value"`},
		{"choice of the wrong kind", `{"arrivals": {"ratePerMinute": 1}, "attributes": {"m": {"type": "string", "values": ["a"]}}}`,
			`line 1, column 86: attributes.m.values[0]: is the string "a"; it must be an object such as {"value": "x", "weight": 2}`},
		{"string for a number", `{"arrivals": {"ratePerMinute": "5"}}`,
			`line 1, column 32: arrivals.ratePerMinute: is the string "5"; it must be a number`},
		{"fraction for a whole number", `{"arrivals": {"ratePerMinute": 1}, "parties": [{"size": 1.5}]}`,
			`line 1, column 57: parties[0].size: is 1.5; it must be a whole number, written without a fraction or an exponent`},
		{"number out of range", `{"arrivals": {"ratePerMinute": 1e400}}`,
			`line 1, column 32: arrivals.ratePerMinute: is 1e400; it must be a number from -1.8e308 to 1.8e308`},
		{"a field twice", `{"arrivals": {"ratePerMinute": 1, "ratePerMinute": 2}}`,
			`line 1, column 35: arrivals.ratePerMinute: is given twice; give each member once`},
		{"object for an array", `{"arrivals": {"ratePerMinute": 1}, "locations": {}}`,
			`line 1, column 49: locations: is an object; it must be an array`},
		{"not an object", `[1]`, `line 1, column 1: is an array; it must be an object`},
		{"invalid", `{"arrivals": {"ratePerMinute": 0}}`,
			`line 1, column 32: arrivals.ratePerMinute: is 0; it must be more than 0 tickets per minute`},
		{"a missing field is placed at its parent", "{\n  \"arrivals\": {\"process\": \"daily\"}}",
			`line 2, column 15: arrivals.ratePerMinute: is 0; it must be more than 0 tickets per minute`},
		{"two values", `{"arrivals": {"ratePerMinute": 1}} {}`,
			`line 1, column 36: more text follows the JSON value ('{'); the input must hold exactly one value`},
		{"bare word", `arrivals`,
			`line 1, column 1: found the bare word "arrivals" where a value was expected; a string must be in double quotes, and the only bare words are true, false and null`},
		{"misspelt null", `{"description": nul}`,
			`line 1, column 17: found the bare word "nul" where a value was expected; a string must be in double quotes, and the only bare words are true, false and null`},
		{"literal cut short", `{"description": nol}`,
			`line 1, column 17: found the bare word "nol" where a value was expected; a string must be in double quotes, and the only bare words are true, false and null`},
		{"trailing comma", `{"arrivals": {"ratePerMinute": 1,}}`,
			`line 1, column 34: a comma must not follow the last member of an object`},
		{"missing comma", "{\"arrivals\": {\"ratePerMinute\": 1}\n \"parties\": []}",
			`line 2, column 2: expected ',' or '}' after the member of an object, found '"'`},
		{"unclosed", "{\"arrivals\": {\"ratePerMinute\": 1}",
			`line 1, column 34: the input ends inside an object that opens at line 1, column 1`},
		{"unclosed string", `{"description": "abc`,
			`line 1, column 17: the string that starts here is not closed before the end of the input`},
		{"control character", "{\"description\": \"a\tb\"}",
			`line 1, column 19: a string must not hold a control character (U+0009); write it as an escape such as \n or \t`},
		{"bad escape", `{"description": "a\qb"}`,
			`line 1, column 19: \q is not a JSON escape; the escapes are \", \\, \/, \b, \f, \n, \r, \t and \uXXXX`},
		{"leading zero", `{"arrivals": {"ratePerMinute": 01}}`,
			`line 1, column 32: a number must not start with 0 unless it is 0 or a fraction such as 0.5`},
		{"empty", " \n ", `line 1, column 1: the input is empty; it must hold a population as a JSON object`},
		{"not UTF-8", "{\"description\": \"\xff\"}",
			`line 1, column 18: a string holds the byte 0xff, which is not UTF-8 text`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodePopulation(strings.NewReader(tt.in))
			if !errors.Is(err, ErrInvalidPopulation) {
				t.Fatalf("DecodePopulation = %v; want an error wrapping ErrInvalidPopulation", err)
			}
			var pe *PopulationError
			if !errors.As(err, &pe) || len(pe.Problems) != 1 {
				t.Fatalf("DecodePopulation = %v; want a *PopulationError with one problem", err)
			}
			if got := pe.Problems[0].Error(); got != tt.want {
				t.Errorf("problem\n got %s\nwant %s", got, tt.want)
			}
			if got, want := err.Error(), "invalid population: "+tt.want; got != want {
				t.Errorf("message\n got %s\nwant %s", got, want)
			}
		})
	}
}

// TestDecodePopulationEveryProblem checks that the reader reports every
// problem of a document's shape, one per line, and a list longer than
// MaxListedProblems by its count.
func TestDecodePopulationEveryProblem(t *testing.T) {
	_, err := DecodePopulation(strings.NewReader(`{"arrivals": {"rate": 5},
 "parties": [{"size": "two"}],
 "locations": [{"name": 5}]}`))
	want := `invalid population, 3 problems:
  line 1, column 15: arrivals.rate: unknown field; the accepted fields are process, ratePerMinute, peakHour, peakToTrough
  line 2, column 23: parties[0].size: is the string "two"; it must be a whole number
  line 3, column 25: locations[0].name: is 5; it must be a string`
	if err == nil || err.Error() != want {
		t.Errorf("DecodePopulation =\n%v\nwant\n%s", err, want)
	}
	var many strings.Builder
	many.WriteString(`{"arrivals": {"ratePerMinute": 1}, "locations": [`)
	for i := range 25 {
		if i > 0 {
			many.WriteString(", ")
		}
		many.WriteString(`{"name": 1}`)
	}
	many.WriteString("]}")
	_, err = DecodePopulation(strings.NewReader(many.String()))
	lines := strings.Split(fmt.Sprint(err), "\n")
	if len(lines) != 1+MaxListedProblems+1 || lines[0] != "invalid population, 25 problems:" || lines[len(lines)-1] != "  ... and 5 more" {
		t.Errorf("25 problems: %d lines, first %q, last %q; want a heading, %d problems and \"... and 5 more\"", len(lines), lines[0], lines[len(lines)-1], MaxListedProblems)
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
		"the population does not fit the rule set, 3 problems:",
		"attributes.skill: is missing; the rule set declares it without a default",
		`attributes.map.type: is "number", but the rule set declares map as "string"`,
		"locations: is empty, but the rule set has a latency rule",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check() = %v; want %q", err, want)
		}
	}
	var pe *PopulationError
	if !errors.As(err, &pe) || !pe.Unfit || !errors.Is(err, ErrInvalidPopulation) {
		t.Errorf("Check() = %#v; want a *PopulationError with Unfit, wrapping ErrInvalidPopulation", err)
	}
	p = Population{Arrivals: Arrivals{RatePerMinute: 1}, Locations: []Location{{Name: "x"}}, Attributes: map[string]Attribute{
		"skill": {Type: TypeNumber, Missing: 0.1},
	}}
	if err := p.Check(rs); err == nil || !strings.Contains(err.Error(), "attributes.skill.missing") {
		t.Errorf("Check() = %v; want a problem with attributes.skill.missing", err)
	}
}

// TestCheckUndeclaredAttribute checks issue 14's case: a population that
// misspells an attribute is refused, naming the declared ones, rather than
// leaving every player with the default.
func TestCheckUndeclaredAttribute(t *testing.T) {
	rs := ruleset.MustLoad([]byte(`{"ruleLanguageVersion": "1.0",
		"playerAttributes": [{"name": "skill", "type": "number", "default": 10}, {"name": "map", "type": "string", "default": "dust"}],
		"teams": [{"name": "a", "minPlayers": 2, "maxPlayers": 2}]}`))
	p := Population{Arrivals: Arrivals{RatePerMinute: 1}, Attributes: map[string]Attribute{
		"skil": {Type: TypeNumber, NumberDist: NumberDist{Mean: 1500}},
	}}
	want := `the population does not fit the rule set: attributes.skil: the rule set declares no attribute "skil" (did you mean "skill"?); it declares skill, map`
	if err := p.Check(rs); err == nil || err.Error() != want {
		t.Errorf("Check() =\n%v\nwant\n%s", err, want)
	}
	// DecodePopulationFor places the problem in the document.
	_, err := DecodePopulationFor(strings.NewReader(`{"arrivals": {"ratePerMinute": 1},
  "attributes": {"skil": {"type": "number", "mean": 1500}}}`), rs)
	want = `the population does not fit the rule set: line 2, column 26: attributes.skil: the rule set declares no attribute "skil" (did you mean "skill"?); it declares skill, map`
	if err == nil || err.Error() != want {
		t.Errorf("DecodePopulationFor() =\n%v\nwant\n%s", err, want)
	}
	// A rule set without attributes says so.
	none := ruleset.MustLoad([]byte(`{"ruleLanguageVersion": "1.0", "teams": [{"name": "a", "minPlayers": 2, "maxPlayers": 2}]}`))
	if err := p.Check(none); err == nil || !strings.Contains(err.Error(), "attributes.skil: the rule set declares no player attributes") {
		t.Errorf("Check(no attributes) = %v", err)
	}
	// The right name passes.
	p.Attributes = map[string]Attribute{"skill": {Type: TypeNumber, NumberDist: NumberDist{Mean: 1500}}}
	if err := p.Check(rs); err != nil {
		t.Errorf("Check() = %v; want nil", err)
	}
}

func TestDidYouMean(t *testing.T) {
	known := []string{"ratePerMinute", "peakHour", "process"}
	for _, tt := range []struct{ name, want string }{
		{"peakhour", ` (did you mean "peakHour"?)`},
		{"proces", ` (did you mean "process"?)`},
		{"rate", ""},
		{"x", ""},
	} {
		if got := strictjson.DidYouMean(tt.name, known); got != tt.want {
			t.Errorf("DidYouMean(%q) = %q; want %q", tt.name, got, tt.want)
		}
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
