package gamelift_test

import (
	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// teamSkillCap is a rule type implemented in Go that the golden scenarios
// register (testdata/scenarios/go-rule-skill-cap.jsonl): no team's total of
// a number attribute may exceed cap, counting negative values as 0.
//
//	{"name": "Cap", "type": "teamSkillCap", "attribute": "skill", "cap": 100}
//
// cap is expandable (rules[Cap].cap). Totals only grow as players join, so
// a partial candidate fails as soon as one team is over the cap.
var teamSkillCap = ruleset.RuleType{
	Name: "teamSkillCap",
	Properties: []ruleset.Property{
		{Name: "attribute", Kind: ruleset.PropAttribute, Required: true, AttributeKinds: []ticket.Kind{ticket.KindNumber}},
		{Name: "cap", Kind: ruleset.PropNumber, Required: true, Expandable: true, Min: ruleset.Bound{Value: 0, Set: true}},
	},
	Compile: func(p *ruleset.Params) (ruleset.GoRule, error) {
		return &skillCap{attr: p.Attribute("attribute"), cap: p.Param("cap")}, nil
	},
}

type skillCap struct {
	attr ruleset.Attribute
	cap  ruleset.Param
}

func (r *skillCap) Evaluate(m *ruleset.Match, mode ruleset.Mode) bool {
	limit := m.Param(r.cap)
	for t := range m.Teams() {
		sum := 0.0
		for i := range m.Players(t) {
			sum += max(0, m.Player(t, i).Num(r.attr))
		}
		if sum > limit {
			return false
		}
	}
	return true
}

// scenarioOptions are the options every golden scenario replays with.
func scenarioOptions() gamelift.ReplayOptions {
	return gamelift.ReplayOptions{Service: gamelift.Options{RuleSet: ruleset.Options{RuleTypes: []ruleset.RuleType{teamSkillCap}}}}
}
