package ruleset

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/matchforge/matchforge/ticket"
)

// Go rule types: a studio's own rule types, implemented in Go and registered
// with the compiler through Options (not through global state, so two rule
// sets in one program may know different types). A rule of such a type is
// written like any other:
//
//	{"name": "Roles", "type": "roleQueue", "attribute": "role",
//	 "roles": ["tank", "healer"], "minPerTeam": 1}
//
// The compiler checks its properties against the type's declaration and
// reports every problem with its JSON path (D6), resolves the attributes it
// reads, makes its expandable numbers expansion targets (D5), and hands the
// values to the type's Compile. The evaluator runs the compiled rule in the
// same loop as the built-in rules, through a read-only view of the
// candidate (Match).

// Options are the settings of CompileWith and LoadWith. The zero value
// compiles what Compile and Load compile: the FlexMatch rule types and the
// expression rule.
type Options struct {
	// RuleTypes are rule types implemented in Go. A rule selects one by
	// giving its Name as "type". Names must differ from the built-in types
	// and from each other.
	RuleTypes []RuleType
}

// RuleType declares a rule type implemented in Go: its name, the JSON
// properties its rules take, and how to compile a rule from their values.
// A RuleType and what its Compile returns are shared by every rule set and
// Evaluator it is used by; see GoRule for the evaluation contract.
type RuleType struct {
	// Name is the value of a rule's "type" that selects this type.
	Name string
	// Properties are the properties a rule of this type may have besides
	// name, type and description, which every rule has. Any other property
	// is a validation error.
	Properties []Property
	// Compile builds one rule from its property values, which the compiler
	// has already checked against Properties: Compile is called only when
	// every property present has its declared kind, every required one is
	// present, and every attribute property names a declared attribute of
	// an allowed type. Compile checks what only the type knows and returns
	// an error for each problem it finds: a *PropertyError (PropertyErrorf)
	// for a problem with one property value, located by its path relative to
	// the rule ("roles[1]"), several joined with errors.Join, or any other
	// error for the rule as a whole. A panic in Compile is reported as a
	// problem of the rule too. Compile runs once per rule and compilation,
	// never during matching.
	Compile func(p *Params) (GoRule, error)
}

// PropertyKind is the JSON type of a Go rule type's property.
type PropertyKind uint8

// The kinds of property.
const (
	// PropNumber is a number; a string that holds one is accepted (D1).
	PropNumber PropertyKind = iota + 1
	// PropString is a string.
	PropString
	// PropStrings is an array of strings.
	PropStrings
	// PropBool is true or false.
	PropBool
	// PropAttribute is a string naming a declared player attribute, of one
	// of the Property's AttributeKinds. The rule reads that attribute
	// (Rule.Attributes lists it).
	PropAttribute
	// PropObject is any JSON object, handed to Compile as strict JSON for
	// it to decode and check itself.
	PropObject
)

// String describes the kind as messages do ("an array of strings").
func (k PropertyKind) String() string {
	switch k {
	case PropNumber:
		return "a number"
	case PropString:
		return "a string"
	case PropStrings:
		return "an array of strings"
	case PropBool:
		return "true or false"
	case PropAttribute:
		return "the name of a declared attribute"
	case PropObject:
		return "an object"
	}
	return "unknown"
}

// Property declares one JSON property of a Go rule type.
type Property struct {
	Name     string
	Kind     PropertyKind
	Required bool
	// Expandable makes a number property an expansion target
	// (rules[<rule>].<property>, D5). Evaluation reads its effective value
	// at the current expansion phase with Match.Param.
	Expandable bool
	// Integer requires a number property (and every expansion value of it)
	// to be a whole number.
	Integer bool
	// Min and Max, when set, are inclusive limits of a number property,
	// checked on the value and on every expansion value.
	Min, Max Bound
	// AttributeKinds are the attribute types an attribute property may name;
	// empty means any type.
	AttributeKinds []ticket.Kind
}

// GoRule is a compiled rule of a Go rule type. The evaluator calls Evaluate
// in the same loop as the built-in rules, on partial candidates (mode
// Partial) and on complete ones (Final); in Structural mode Go rules are
// skipped. The result is recorded in Evaluator.Results like any rule's, so
// it counts in ruleEvaluationMetrics (D18), and a Go rule may be named by a
// compound statement (D3).
//
// The contract:
//
//   - Evaluate is pure and deterministic: the same candidate and values give
//     the same answer. It reads nothing but m and what Compile stored: no
//     clock, no randomness, no global or package state. It must not modify
//     what it stored: one GoRule serves every Evaluator of the rule set,
//     and Evaluators may run on different goroutines; Match.Ints gives
//     scratch storage owned by the Evaluator.
//   - It runs on the goroutine that owns the Evaluator (the engine's single
//     matching goroutine), and must not keep m or anything read through it
//     after returning.
//   - It is on the hot path: it should not allocate (the package's
//     allocation guards hold for Go rules that follow this), and should cost
//     about what a built-in rule does: a pass over the players.
//   - In Final mode it says whether the complete candidate satisfies the
//     rule. In Partial mode it returns false only when no players added to
//     the candidate could make it pass (the candidate is abandoned); when in
//     doubt, it returns true. The final check decides (D7).
//   - A panic is recovered by the Evaluator: the rule counts as failed, and
//     Evaluator.Err reports the panic, wrapping ErrEvaluation. The engine
//     never crashes on it.
type GoRule interface {
	Evaluate(m *Match, mode Mode) bool
}

// RuleFunc adapts a function to GoRule.
type RuleFunc func(m *Match, mode Mode) bool

// Evaluate calls f(m, mode).
func (f RuleFunc) Evaluate(m *Match, mode Mode) bool { return f(m, mode) }

// PropertyError is a problem a rule type's Compile finds in one property
// value. Property is the value's path relative to the rule: a property name
// ("roles"), a path into it ("roles[1]", "weights.tank"), or "" for the
// rule as a whole. The compiler reports it at the full JSON path
// (rules[3].roles[1]).
type PropertyError struct {
	Property string
	Message  string
}

// Error returns "property: message", or the message alone for the rule
// as a whole.
func (e *PropertyError) Error() string {
	if e.Property == "" {
		return e.Message
	}
	return e.Property + ": " + e.Message
}

// PropertyErrorf returns a *PropertyError for property with a formatted
// message, which should say what is wrong and what is allowed.
func PropertyErrorf(property, format string, args ...any) error {
	return &PropertyError{Property: property, Message: fmt.Sprintf(format, args...)}
}

// Attribute is a declared player attribute resolved for a Go rule, by
// Params.Attribute or Params.ReadAttribute: it reads the attribute's value
// by slot, with no lookup by name. It belongs to the rule set it was
// resolved in.
type Attribute struct {
	name   string
	schema *ticket.Schema
	index  int // in the schema
	kind   ticket.Kind
	slot   int
}

// Name returns the attribute's declared name.
func (a Attribute) Name() string { return a.name }

// Kind returns the attribute's declared type (the zero Kind for an
// Attribute that was never resolved).
func (a Attribute) Kind() ticket.Kind { return a.kind }

// Param is the handle of an expandable number property (Params.Param), for
// reading its effective value with Match.Param.
type Param struct{ slot int }

// propVal is one property's decoded value.
type propVal struct {
	set   bool
	num   float64
	str   string
	strs  []string
	b     bool
	raw   []byte
	attr  Attribute
	param int // expandable numbers: index in ruleVals.params; -1 otherwise
}

// Params are one rule's property values, for its type's Compile. Asking
// for a property the type does not declare, or with the wrong accessor for
// its kind, is a bug in the rule type: it panics, and the compiler reports
// the panic as a problem of the rule.
type Params struct {
	c     *compiler
	typ   *RuleType
	name  string
	path  string
	vals  []propVal
	reads attrMask
}

// RuleName returns the name of the rule being compiled.
func (p *Params) RuleName() string { return p.name }

// Path returns the rule's JSON path, such as rules[3].
func (p *Params) Path() string { return p.path }

// Teams returns the rule set's teams, with their sizes before expansions.
// The caller must not modify it.
func (p *Params) Teams() []Team { return p.c.rs.teams }

func (p *Params) get(prop string, kind PropertyKind) *propVal {
	for i := range p.typ.Properties {
		if d := &p.typ.Properties[i]; d.Name == prop {
			if d.Kind != kind {
				panic(fmt.Sprintf("ruleset: property %q of rule type %s is %s, not %s", prop, p.typ.Name, d.Kind, kind))
			}
			return &p.vals[i]
		}
	}
	panic(fmt.Sprintf("ruleset: rule type %s declares no property %q", p.typ.Name, prop))
}

// Has reports whether the rule gives the property.
func (p *Params) Has(prop string) bool {
	for i := range p.typ.Properties {
		if p.typ.Properties[i].Name == prop {
			return p.vals[i].set
		}
	}
	panic(fmt.Sprintf("ruleset: rule type %s declares no property %q", p.typ.Name, prop))
}

// Number returns a number property's value before expansions (0 when
// absent).
func (p *Params) Number(prop string) float64 { return p.get(prop, PropNumber).num }

// String returns a string property's value ("" when absent).
func (p *Params) String(prop string) string { return p.get(prop, PropString).str }

// Strings returns a string-list property's value (nil when absent).
func (p *Params) Strings(prop string) []string { return p.get(prop, PropStrings).strs }

// Bool returns a boolean property's value (false when absent).
func (p *Params) Bool(prop string) bool { return p.get(prop, PropBool).b }

// Object returns an object property's value as strict JSON (nil when
// absent), for encoding/json.
func (p *Params) Object(prop string) []byte { return p.get(prop, PropObject).raw }

// Attribute returns the attribute an attribute property names (the zero
// Attribute when absent).
func (p *Params) Attribute(prop string) Attribute { return p.get(prop, PropAttribute).attr }

// Param returns the handle of an expandable number property, for reading
// its effective value during evaluation with Match.Param. When the rule
// does not give the property, the value is 0 and expansions cannot target
// it.
func (p *Params) Param(prop string) Param {
	v := p.get(prop, PropNumber)
	if v.param < 0 {
		panic(fmt.Sprintf("ruleset: property %q of rule type %s is not expandable", prop, p.typ.Name))
	}
	return Param{v.param}
}

// ReadAttribute resolves a declared attribute the rule reads by a name the
// rule type knows (rather than one a property gives), checking that it is
// declared with one of kinds (any type when kinds is empty). The rule then
// reads it (Rule.Attributes lists it). The error, a *PropertyError for the
// rule as a whole, is meant to be returned by Compile.
func (p *Params) ReadAttribute(name string, kinds ...ticket.Kind) (Attribute, error) {
	a, found := p.c.goAttribute(name)
	switch {
	case !found:
		return Attribute{}, &PropertyError{Message: fmt.Sprintf("rule type %s reads attribute %q, which is not declared in playerAttributes; declare it", p.typ.Name, name)}
	case len(kinds) > 0 && !slices.Contains(kinds, a.kind):
		return Attribute{}, &PropertyError{Message: fmt.Sprintf("rule type %s reads attribute %q as %s attribute, but it is declared a %s", p.typ.Name, name, kindList(kinds), a.kind.RuleSetType())}
	}
	p.reads |= 1 << uint(a.index)
	return a, nil
}

// goAttribute resolves a declared attribute by name.
func (c *compiler) goAttribute(name string) (Attribute, bool) {
	i, found := c.schema.Lookup(name)
	if !found {
		return Attribute{}, false
	}
	k, slot := c.schema.Slot(i)
	return Attribute{name: name, schema: c.schema, index: i, kind: k, slot: slot}, true
}

// kindList names attribute types for messages: "a string or a string_list".
func kindList(kinds []ticket.Kind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = "a " + k.RuleSetType()
	}
	return strings.Join(names, " or ")
}

// goRuleType is a registered rule type as the compiler keeps it.
type goRuleType struct {
	*RuleType
	keys []string // the properties a rule may have, for messages
}

// goRuleState is what a compiled rule of a Go rule type keeps.
type goRuleState struct {
	typ  *goRuleType
	rule GoRule
	vals []propVal // for expansion targets
}

var reservedProperties = []string{"name", "type", "description"}

// Validate checks the options: every rule type has a name that no built-in
// type or other registered type has (compared without case, so that
// "Comparison" cannot pass for a built-in type in a designer's eyes), a
// Compile function, and well-formed property declarations. The error wraps
// ErrRuleType and names each problem by its Go path
// (RuleTypes[1].Properties[0].Kind).
func (o Options) Validate() error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrRuleType, path, fmt.Sprintf(format, args...)))
	}
	for i := range o.RuleTypes {
		rt := &o.RuleTypes[i]
		path := fmt.Sprintf("RuleTypes[%d]", i)
		switch {
		case rt.Name == "":
			bad(path+".Name", "is empty; give the name rules select the type by")
		case strings.TrimSpace(rt.Name) != rt.Name:
			bad(path+".Name", "%q starts or ends with white space", rt.Name)
		}
		if b := slices.IndexFunc(ruleTypes, func(s string) bool { return strings.EqualFold(s, rt.Name) }); b >= 0 && rt.Name != "" {
			bad(path+".Name", "%q is the built-in rule type %s; choose another name", rt.Name, ruleTypes[b])
		}
		if j := slices.IndexFunc(o.RuleTypes[:i], func(o RuleType) bool { return strings.EqualFold(o.Name, rt.Name) }); j >= 0 && rt.Name != "" {
			bad(path+".Name", "%q is already the name of RuleTypes[%d]; rule type names must be unique", rt.Name, j)
		}
		if rt.Compile == nil {
			bad(path+".Compile", "is nil; a rule type needs a Compile function")
		}
		for k := range rt.Properties {
			pr := &rt.Properties[k]
			pp := fmt.Sprintf("%s.Properties[%d]", path, k)
			switch {
			case pr.Name == "":
				bad(pp+".Name", "is empty")
			case slices.Contains(reservedProperties, pr.Name):
				bad(pp+".Name", "is %q, which every rule has; choose another name", pr.Name)
			case slices.ContainsFunc(rt.Properties[:k], func(o Property) bool { return o.Name == pr.Name }):
				bad(pp+".Name", "%q is declared twice", pr.Name)
			}
			if pr.Kind < PropNumber || pr.Kind > PropObject {
				bad(pp+".Kind", "is %d, which is not a PropertyKind; use PropNumber, PropString, PropStrings, PropBool, PropAttribute or PropObject", pr.Kind)
			}
			if pr.Kind != PropNumber && (pr.Expandable || pr.Integer || pr.Min.Set || pr.Max.Set) {
				bad(pp, "sets Expandable, Integer, Min or Max, which apply only to PropNumber properties")
			}
			if pr.Min.Set && pr.Max.Set && pr.Min.Value > pr.Max.Value {
				bad(pp+".Min", "is %v, more than Max (%v)", pr.Min.Value, pr.Max.Value)
			}
			if pr.Kind != PropAttribute && len(pr.AttributeKinds) > 0 {
				bad(pp+".AttributeKinds", "applies only to PropAttribute properties")
			}
			for _, k := range pr.AttributeKinds {
				if k < ticket.KindString || k > ticket.KindMap {
					bad(pp+".AttributeKinds", "holds %d, which is not an attribute type", k)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// register indexes the validated options' rule types.
func (c *compiler) register(o Options) {
	for i := range o.RuleTypes {
		// A copy, so that a caller changing its slice afterwards changes
		// nothing here.
		rt := o.RuleTypes[i]
		rt.Properties = slices.Clone(rt.Properties)
		for k := range rt.Properties {
			rt.Properties[k].AttributeKinds = slices.Clone(rt.Properties[k].AttributeKinds)
		}
		keys := slices.Clone(reservedProperties)
		for _, p := range rt.Properties {
			keys = append(keys, p.Name)
		}
		if c.types == nil {
			c.types = map[string]*goRuleType{}
		}
		c.types[rt.Name] = &goRuleType{RuleType: &rt, keys: keys}
	}
}

// typeNames lists the rule types a rule may give: the built-in ones, then
// the registered ones in registration order.
func (c *compiler) typeNames() string {
	names := slices.Clone(ruleTypes)
	for i := range c.opts.RuleTypes {
		names = append(names, c.opts.RuleTypes[i].Name)
	}
	return strings.Join(names, ", ")
}

// goRule reads a rule of a Go rule type: its properties, then the type's
// Compile.
func (c *compiler) goRule(n *node, path string, gt *goRuleType, r *rule, rv *ruleVals) {
	c.object(n, path, aRule(gt.Name), gt.keys)
	if d := n.get("description"); d != nil {
		c.str(d, path+".description")
	}
	errs := len(c.errs)
	p := &Params{c: c, typ: gt.RuleType, name: r.name, path: path, vals: make([]propVal, len(gt.Properties))}
	for i := range gt.Properties {
		c.goProperty(n, path, &gt.Properties[i], &p.vals[i], rv, p)
	}
	st := &goRuleState{typ: gt, vals: p.vals}
	r.gorule = st
	if len(c.errs) > errs {
		return // Compile sees only values of the declared shape
	}
	rule, err := c.callCompile(gt, p)
	r.reads = p.reads
	if err != nil {
		c.compileProblems(path, err)
		return
	}
	if rule == nil {
		c.errorf(path, "rule type %s compiled no rule (its Compile returned nil and no error)", gt.Name)
		return
	}
	st.rule = rule
}

// callCompile runs the rule type's Compile, turning a panic into an error.
func (c *compiler) callCompile(gt *goRuleType, p *Params) (rule GoRule, err error) {
	defer func() {
		if e := recover(); e != nil {
			rule, err = nil, fmt.Errorf("rule type %s failed to compile the rule: panic: %v", gt.Name, e)
		}
	}()
	return gt.Compile(p)
}

// compileProblems reports the problems in a Compile error: each
// *PropertyError at its property's path, other errors at the rule's.
func (c *compiler) compileProblems(path string, err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if e != nil {
				c.compileProblems(path, e)
			}
		}
		return
	}
	var pe *PropertyError
	if errors.As(err, &pe) {
		p := path
		switch {
		case pe.Property == "":
		case strings.HasPrefix(pe.Property, "["):
			p += pe.Property
		default:
			p += "." + pe.Property
		}
		c.errorf(p, "%s", pe.Message)
		return
	}
	c.errorf(path, "%s", err.Error())
}

// goProperty reads one declared property into v.
func (c *compiler) goProperty(n *node, path string, d *Property, v *propVal, rv *ruleVals, p *Params) {
	v.param = -1
	if d.Kind == PropNumber && d.Expandable {
		v.param = len(rv.params)
		rv.params = append(rv.params, 0)
	}
	pn := n.get(d.Name)
	pp := joinPath(path, d.Name)
	if pn == nil {
		if d.Required {
			c.errorf(pp, "is missing; %s needs it: %s", aRule(p.typ.Name), d.Kind)
		}
		return
	}
	wrong := func() { c.errorf(pp, "must be %s, but it is %s", d.Kind, pn.kind) }
	switch d.Kind {
	case PropNumber:
		x, ok := c.number(pn, pp)
		if !ok || !c.checkNumber(pp, x, d) {
			return
		}
		v.num = x
		if v.param >= 0 {
			rv.params[v.param] = x
		}
	case PropString:
		if pn.kind != kString {
			wrong()
			return
		}
		v.str = pn.str
	case PropStrings:
		if pn.kind != kArray {
			wrong()
			return
		}
		v.strs = make([]string, 0, len(pn.items))
		for i, it := range pn.items {
			if it.kind != kString {
				c.errorf(fmt.Sprintf("%s[%d]", pp, i), "must be a string, but it is %s", it.kind)
				continue
			}
			v.strs = append(v.strs, it.str)
		}
		if len(v.strs) < len(pn.items) {
			return
		}
	case PropBool:
		if pn.kind != kBool {
			wrong()
			return
		}
		v.b = pn.b
	case PropAttribute:
		if pn.kind != kString {
			wrong()
			return
		}
		a, found := c.goAttribute(pn.str)
		switch {
		case !found:
			c.errorf(pp, "names %q, which is not declared in playerAttributes", pn.str)
			return
		case len(d.AttributeKinds) > 0 && !slices.Contains(d.AttributeKinds, a.kind):
			c.errorf(pp, "names %q, a %s attribute; %s of %s needs %s attribute", pn.str, a.kind.RuleSetType(), d.Name, aRule(p.typ.Name), kindList(d.AttributeKinds))
			return
		}
		v.attr = a
		p.reads |= 1 << uint(a.index)
	case PropObject:
		if pn.kind != kObject {
			wrong()
			return
		}
		v.raw = appendJSON(nil, pn)
	}
	v.set = true
}

// checkNumber checks a number property's value (or an expansion value of
// it) against the declaration's Integer, Min and Max.
func (c *compiler) checkNumber(path string, x float64, d *Property) bool {
	switch {
	case d.Integer && x != math.Trunc(x):
		c.errorf(path, "is %v; it must be a whole number", x)
	case d.Min.Set && x < d.Min.Value:
		c.errorf(path, "is %v; it must be at least %v", x, d.Min.Value)
	case d.Max.Set && x > d.Max.Value:
		c.errorf(path, "is %v; it must be at most %v", x, d.Max.Value)
	default:
		return true
	}
	return false
}

// goExpansion resolves the expansion target rules[<rule>].<prop> of a Go
// rule (D5): a declared expandable number property the rule sets.
func (c *compiler) goExpansion(path, s string, ri int, prop string, t *expTarget) bool {
	st := c.rs.rules[ri].gorule
	var names []string
	found := -1
	for i := range st.typ.Properties {
		if d := &st.typ.Properties[i]; d.Expandable {
			names = append(names, d.Name)
			if d.Name == prop {
				found = i
			}
		}
	}
	switch {
	case found < 0 && len(names) == 0:
		c.errorf(path, "%q targets %s, which has no property an expansion can change", s, aRule(st.typ.Name))
		return false
	case found < 0:
		c.errorf(path, "%q targets %s, which a %s rule cannot expand; it can expand %s", s, prop, st.typ.Name, strings.Join(names, ", "))
		return false
	case !st.vals[found].set:
		c.errorf(path, "%q targets %s, which rule %s does not set; give the rule a value to expand", s, prop, c.rs.rules[ri].name)
		return false
	}
	d, slot := &st.typ.Properties[found], st.vals[found].param
	t.apply = func(v *Values, x float64) { v.rules[ri].params[slot] = x }
	t.check = func(path string, x float64) bool { return c.checkNumber(path, x, d) }
	return true
}
