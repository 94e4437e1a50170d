package bench

import (
	"slices"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// ruleInfo is a rule as the generator reads it: the compiled rule set's
// description of it (ruleset.Rule) and its index in rs.Rules().
type ruleInfo struct {
	ruleset.Rule
	index int
}

// analysis describes how a rule set's rules use its attributes.
type analysis struct {
	rs    *ruleset.RuleSet
	rules []ruleInfo
}

func analyze(rs *ruleset.RuleSet) *analysis {
	a := &analysis{rs: rs}
	for i, r := range rs.Rules() {
		a.rules = append(a.rules, ruleInfo{Rule: r, index: i})
	}
	return a
}

// refString returns the referenceValue when it is a string literal, or "".
func (r *ruleInfo) refString() string {
	if r.Reference.Kind != ruleset.StringReference {
		return ""
	}
	return r.Reference.Text
}

// refExpression reports whether the referenceValue is an expression.
func (r *ruleInfo) refExpression() bool { return r.Reference.Kind == ruleset.ExpressionReference }

// measures reports whether the rule's measurements read attribute name.
func (r *ruleInfo) measures(name string) bool { return slices.Contains(r.Measured, name) }

// refReads reports whether the rule's reference expression reads attribute
// name.
func (r *ruleInfo) refReads(name string) bool {
	return r.refExpression() && slices.Contains(r.Reference.Attributes, name)
}

// uses reports whether the rule reads attribute name anywhere.
func (r *ruleInfo) uses(name string) bool { return slices.Contains(r.Attributes, name) }

// numberAttributesRead returns the number attributes any rule reads, and
// the balanced attribute, in declaration order: the attributes whose team
// spread the report measures.
func (a *analysis) numberAttributesRead() []string {
	var out []string
	bal := a.rs.BalancedAttribute()
	for i, at := range a.rs.Schema().Attrs() {
		if at.Kind != ticket.KindNumber {
			continue
		}
		used := i == bal
		for k := range a.rules {
			used = used || a.rules[k].uses(at.Name)
		}
		if used {
			out = append(out, at.Name)
		}
	}
	return out
}
