package ruleset

import (
	"slices"
	"strings"

	"github.com/matchforge/matchforge/ticket"
)

// Rule describes one rule of a compiled rule set: its type and properties
// as the compiler read them, and what it reads of a candidate, so that
// callers (workload generators, reports, tools) never read the body again.
// The slices belong to the rule set; the caller must not modify them.
type Rule struct {
	Name        string
	Type        string // one of the Type constants, or a registered Go rule type's name
	Description string
	// InCompound is true for a rule referenced by a compound rule; it is
	// evaluated only through that compound (D3).
	InCompound bool
	// Go is true for a rule of a Go rule type registered through Options.
	Go bool

	// Attributes are the declared attributes the rule reads anywhere, in
	// declaration order (the order of playerAttributes): those its
	// measurements and referenceValue read, its batchAttribute or
	// sortAttribute, the attributes an expression rule names, and those a Go
	// rule resolves. A compound rule reads what the rules its statement
	// names read. A latency rule reads none: latency is not an attribute.
	Attributes []string
	// Measured are the declared attributes the measurements read, in
	// declaration order; for a compound rule, those of the rules it names.
	// It is empty for rule types without measurements.
	Measured []string
	// Measurements are the measurements property's expressions as written
	// (one for a bare string, D1).
	Measurements []string
	// Teams are the team selectors of the measurements, each as written and
	// once, in order of first appearance: a definition name (which means all
	// of its copies, D2), a generated name such as red_2, or "*" for every
	// team. teams[red, blue] gives both names. A compound rule lists those of
	// the rules it names.
	Teams []string
	// Reference is the referenceValue.
	Reference Reference
	// Operation is the operation as written (comparison and collection
	// rules), or "".
	Operation string
	// Batch is true for a batchDistance rule, which decides which tickets
	// may share a batch; BatchAttribute names the attribute it batches on.
	Batch          bool
	BatchAttribute string
	// Sort is true for an absoluteSort or distanceSort rule, which orders
	// candidates and never passes or fails; SortAttribute names the
	// attribute it sorts on.
	Sort          bool
	SortAttribute string
	// The rule's bounds before expansions (Values gives them at a phase):
	// minCount and maxCount of a collection rule, maxDistance of a distance,
	// batchDistance or latency rule, minDistance of a distance rule, and
	// maxLatency of a latency rule.
	MinCount, MaxCount       Bound
	MaxDistance, MinDistance Bound
	MaxLatency               Bound
	// Referenced are the rules a compound rule's statement names, once
	// each, in order of first appearance.
	Referenced []string
}

// ReferenceKind says what a rule's referenceValue is (SPEC.md section 2.7).
type ReferenceKind uint8

// The kinds of referenceValue.
const (
	NoReference         ReferenceKind = iota // the rule has none
	NumberReference                          // a number, or a string holding one (D1); an expansion target
	StringReference                          // a string literal such as "medic"
	ExpressionReference                      // a property expression
)

// String names the kind: none, number, string or expression.
func (k ReferenceKind) String() string {
	switch k {
	case NoReference:
		return "none"
	case NumberReference:
		return "number"
	case StringReference:
		return "string"
	case ExpressionReference:
		return "expression"
	}
	return "unknown"
}

// Reference is a rule's referenceValue.
type Reference struct {
	Kind ReferenceKind
	// Number is a NumberReference's value before expansions.
	Number float64
	// Text is a StringReference's literal, or an ExpressionReference's
	// expression as written. A string holding a number that a rule compares
	// with strings is a StringReference ("1").
	Text string
	// Attributes are the declared attributes an ExpressionReference reads,
	// in declaration order.
	Attributes []string
	// Teams are an ExpressionReference's team selectors, as in Rule.Teams.
	Teams []string
}

// Bound is an optional number: Value means something only when Set.
type Bound struct {
	Value float64
	Set   bool
}

// attrMask is a set of schema indexes; a schema holds at most 64 attributes
// (ticket.MaxSchemaAttributes).
type attrMask uint64

func (c *compiler) attrNames(m attrMask) []string {
	var out []string
	for i, a := range c.schema.Attrs() {
		if m&(1<<uint(i)) != 0 {
			out = append(out, a.Name)
		}
	}
	return out
}

// exprReads walks the program rooted at root (every function takes one
// argument, so it is a chain) and adds the attributes its paths read to
// reads and their team selectors to teams.
func (c *compiler) exprReads(root int, reads *attrMask, teams []string) []string {
	for i := root; i >= 0; {
		n := &c.rs.nodes[i]
		switch n.op {
		case opPath:
			if n.field == fieldAttribute {
				if ai, ok := c.schemaIndex(n.kind, n.slot); ok {
					*reads |= 1 << uint(ai)
				}
			}
			teams = appendSelector(teams, n.str)
			i = -1
		case opAgg, opFlatten, opSetIntersection:
			i = n.arg
		default:
			i = -1
		}
	}
	return teams
}

// schemaIndex returns the index of the attribute in the given slot.
func (c *compiler) schemaIndex(kind ticket.Kind, slot int) (int, bool) {
	for i := range c.schema.Attrs() {
		if k, s := c.schema.Slot(i); k == kind && s == slot {
			return i, true
		}
	}
	return -1, false
}

// appendSelector adds the names of a teams[...] selector to teams, each
// once.
func appendSelector(teams []string, sel string) []string {
	for _, name := range strings.Split(sel, ",") {
		if name = strings.TrimSpace(name); name != "" && !slices.Contains(teams, name) {
			teams = append(teams, name)
		}
	}
	return teams
}

// describe builds the public description of rule r, read from its node n
// and its base values rv. Rules referenced by a compound are described
// before it (D3), so a compound gathers their reads.
func (c *compiler) describe(n *node, r *rule, rv *ruleVals) (d Rule, reads, measured attrMask) {
	d = Rule{Name: r.name, Type: r.typ, Description: descriptionOf(n), Go: r.gorule != nil}
	if r.failed {
		return d, 0, 0
	}
	for _, m := range r.meas {
		d.Teams = c.exprReads(m, &measured, d.Teams)
	}
	if mn := n.get("measurements"); mn != nil {
		switch mn.kind {
		case kString:
			d.Measurements = []string{mn.str}
		case kArray:
			for _, it := range mn.items {
				d.Measurements = append(d.Measurements, it.str)
			}
		}
	}
	reads = measured | r.reads
	switch r.refKind {
	case refNum:
		d.Reference = Reference{Kind: NumberReference, Number: rv.ref}
	case refStr:
		d.Reference = Reference{Kind: StringReference, Text: r.refStr}
	case refExpr:
		var refReads attrMask
		d.Reference = Reference{Kind: ExpressionReference, Text: n.get("referenceValue").str}
		d.Reference.Teams = c.exprReads(r.ref, &refReads, nil)
		d.Reference.Attributes = c.attrNames(refReads)
		reads |= refReads
	}
	if on := n.get("operation"); on != nil && on.kind == kString {
		d.Operation = on.str
	}
	attrName := func() string {
		if r.attr < 0 {
			return ""
		}
		reads |= 1 << uint(r.attr)
		return c.schema.Attrs()[r.attr].Name
	}
	switch r.typ {
	case TypeBatchDistance:
		d.Batch, d.BatchAttribute = true, attrName()
	case TypeAbsoluteSort, TypeDistanceSort:
		d.Sort, d.SortAttribute = true, attrName()
	case TypeCompound:
		for _, ri := range r.refs {
			ref := &c.rs.info[ri]
			d.Referenced = append(d.Referenced, ref.Name)
			reads |= c.reads[ri]
			measured |= c.measured[ri]
			for _, t := range ref.Teams {
				if !slices.Contains(d.Teams, t) {
					d.Teams = append(d.Teams, t)
				}
			}
		}
	}
	bound := func(x float64, bit uint8) Bound { return Bound{x, rv.has&bit != 0} }
	d.MinCount, d.MaxCount = bound(rv.minCount, hasMinCount), bound(rv.maxCount, hasMaxCount)
	d.MaxDistance, d.MinDistance = bound(rv.maxDistance, hasMaxDistance), bound(rv.minDistance, hasMinDistance)
	d.MaxLatency = bound(rv.maxLatency, hasMaxLatency)
	d.Attributes, d.Measured = c.attrNames(reads), c.attrNames(measured)
	return d, reads, measured
}
