package bench

import (
	"slices"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// ruleInfo is what the generator needs to know of one rule, read from the
// compiled rule set's description of it (ruleset.Rule).
type ruleInfo struct {
	index        int // in rs.Rules()
	name, typ    string
	measurements []string
	refExpr      string   // referenceValue when it is an expression
	refAttrs     []string // the attributes that expression reads
	refStr       string   // referenceValue when it is a literal string
	refNum       *float64
	operation    string
	batchAttr    string
	sortAttr     string
	minCount     *float64
	measured     []string // the attributes the measurements read
	attrs        []string // every attribute the rule reads
	teamSel      []string // the team selectors of the measurements ("*" for all)
}

// analysis describes how a rule set's rules use its attributes.
type analysis struct {
	rs    *ruleset.RuleSet
	rules []ruleInfo
}

func analyze(rs *ruleset.RuleSet) *analysis {
	a := &analysis{rs: rs}
	for i, r := range rs.Rules() {
		ri := ruleInfo{
			index: i, name: r.Name, typ: r.Type, measurements: r.Measurements,
			operation: r.Operation, batchAttr: r.BatchAttribute, sortAttr: r.SortAttribute,
			measured: r.Measured, attrs: r.Attributes, teamSel: r.Teams,
		}
		switch ref := r.Reference; ref.Kind {
		case ruleset.NumberReference:
			n := ref.Number
			ri.refNum = &n
		case ruleset.StringReference:
			ri.refStr = ref.Text
		case ruleset.ExpressionReference:
			ri.refExpr, ri.refAttrs = ref.Text, ref.Attributes
		}
		if r.MinCount.Set {
			n := r.MinCount.Value
			ri.minCount = &n
		}
		a.rules = append(a.rules, ri)
	}
	return a
}

// measures reports whether the rule's measurements read attribute name.
func (r *ruleInfo) measures(name string) bool { return slices.Contains(r.measured, name) }

// refReads reports whether the rule's reference expression reads attribute
// name.
func (r *ruleInfo) refReads(name string) bool { return slices.Contains(r.refAttrs, name) }

// uses reports whether the rule reads attribute name anywhere.
func (r *ruleInfo) uses(name string) bool { return slices.Contains(r.attrs, name) }

// teams returns the team names (or "*") the rule's measurements select.
func (r *ruleInfo) teams() []string { return r.teamSel }

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
