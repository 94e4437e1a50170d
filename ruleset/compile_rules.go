package ruleset

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/matchforge/matchforge/ticket"
)

func (c *compiler) ruleList(n *node) {
	if n == nil {
		return
	}
	if n.kind != kArray {
		c.errorf("rules", "must be an array of rules, but it is %s", n.kind)
		return
	}
	if len(n.items) > MaxRules {
		c.errorf("rules", "has %d rules; the limit is %d", len(n.items), MaxRules)
		return
	}
	for i, rn := range n.items {
		path := fmt.Sprintf("rules[%d]", i)
		r, rv, ok := c.oneRule(rn, path)
		if !ok {
			// Keep a placeholder so indexes stay aligned with the document;
			// the rule set is invalid anyway.
			r = rule{name: r.name, typ: r.typ, failed: true}
		}
		if r.name != "" {
			if _, dup := c.ruleIdx[r.name]; dup {
				c.errorf(path+".name", "%q is already the name of %s; rule names must be unique", r.name, c.rulePaths[c.ruleIdx[r.name]])
			} else {
				c.ruleIdx[r.name] = len(c.rs.rules)
			}
		}
		c.rs.rules = append(c.rs.rules, r)
		c.base.rules = append(c.base.rules, rv)
		c.rulePaths = append(c.rulePaths, path)
		info, reads, measured := c.describe(rn, &r, &rv)
		c.rs.info = append(c.rs.info, info)
		c.reads = append(c.reads, reads)
		c.measured = append(c.measured, measured)
	}
	for i := range c.rs.rules {
		c.rs.info[i].InCompound = c.rs.rules[i].inCompound
	}
}

func descriptionOf(n *node) string {
	if n == nil || n.kind != kObject {
		return ""
	}
	if d := n.get("description"); d != nil && d.kind == kString {
		return d.str
	}
	return ""
}

func (c *compiler) oneRule(n *node, path string) (r rule, rv ruleVals, ok bool) {
	if n == nil || n.kind != kObject {
		c.errorf(path, "must be an object (a rule), but it is %s", kindOf(n))
		return r, rv, false
	}
	r.ref = -1
	r.attr = -1
	name, nok := c.requiredStr(n, path, "name", "each rule needs a unique name")
	r.name = name
	if nok && strings.ContainsAny(name, "(),") {
		c.errorf(path+".name", "%q contains ( ) or a comma, which compound statements cannot name", name)
	} else if nok && strings.TrimSpace(name) != name {
		c.errorf(path+".name", "%q starts or ends with white space, which compound statements and expansion targets cannot name", name)
	}
	typ, tok := c.requiredStr(n, path, "type", "give one of "+c.typeNames())
	if !tok {
		return r, rv, false
	}
	if gt := c.types[typ]; gt != nil {
		r.typ = typ
		errs := len(c.errs)
		c.goRule(n, path, gt, &r, &rv)
		return r, rv, len(c.errs) == errs && nok
	}
	keys, known := ruleKeys[typ]
	if !known {
		c.errorf(path+".type", "is %q; the rule types are %s", typ, c.typeNames())
		return r, rv, false
	}
	r.typ = typ
	allowed := append([]string{"name", "type", "description"}, keys...)
	c.object(n, path, aRule(typ), allowed)
	if d := n.get("description"); d != nil {
		c.str(d, path+".description")
	}
	errs := len(c.errs)
	r.numAgg, r.listAgg = aggAvg, aggUnion
	if slices.Contains(keys, "partyAggregation") {
		r.numAgg, r.listAgg = c.partyAggregation(n, path, typ)
	}
	switch typ {
	case TypeComparison:
		c.comparison(n, path, &r, &rv)
	case TypeDistance:
		c.distance(n, path, &r, &rv)
	case TypeCollection:
		c.collection(n, path, &r, &rv)
	case TypeBatchDistance:
		c.batchDistance(n, path, &r, &rv)
	case TypeLatency:
		c.latencyRule(n, path, &r, &rv)
	case TypeAbsoluteSort, TypeDistanceSort:
		c.sortRule(n, path, &r)
	case TypeCompound:
		c.compound(n, path, &r)
	case TypeExpression:
		c.expressionRule(n, path, &r, &rv)
	}
	return r, rv, len(c.errs) == errs && nok
}

// aRule names a rule type with its article: "a comparison rule", "an
// expression rule".
func aRule(typ string) string {
	if typ != "" && strings.ContainsRune("aeiouAEIOU", rune(typ[0])) {
		return "an " + typ + " rule"
	}
	return "a " + typ + " rule"
}

func kindOf(n *node) string {
	if n == nil {
		return "missing"
	}
	return n.kind.String()
}

func (c *compiler) partyAggregation(n *node, path, typ string) (num, list partyAgg) {
	num, list = aggAvg, aggUnion
	an := n.get("partyAggregation")
	if an == nil {
		return
	}
	s, ok := c.str(an, path+".partyAggregation")
	if !ok {
		return
	}
	if typ == TypeCollection {
		switch s {
		case "union":
		case "intersection":
			list = aggIntersection
		default:
			c.errorf(path+".partyAggregation", "is %q; a collection rule aggregates parties by union or intersection", s)
		}
		return
	}
	switch s {
	case "avg":
	case "min":
		num = aggMin
	case "max":
		num = aggMax
	default:
		c.errorf(path+".partyAggregation", "is %q; %s aggregates parties by min, max or avg", s, aRule(typ))
	}
	return
}

// measurements compiles the measurements property: one expression or an
// array of expressions. It returns the type of each expression that
// compiled, with its JSON path.
func (c *compiler) measurements(n *node, path string, r *rule) (types []vtype, paths []string) {
	mn := n.get("measurements")
	if mn == nil {
		c.errorf(path+".measurements", "is missing; a %s rule needs a property expression to measure", r.typ)
		return nil, nil
	}
	list, ok := c.stringOrList(mn, path+".measurements")
	if !ok {
		return nil, nil
	}
	if len(list) == 0 {
		c.errorf(path+".measurements", "is empty; give a property expression to measure")
		return nil, nil
	}
	for i, src := range list {
		p := path + ".measurements"
		if mn.kind == kArray {
			p = fmt.Sprintf("%s[%d]", p, i)
		}
		root, t, ok := c.expression(src, p, r)
		if ok {
			r.meas = append(r.meas, root)
			types = append(types, t)
			paths = append(paths, p)
		}
	}
	return types, paths
}

// expression compiles one property expression and records whether it uses
// count().
func (c *compiler) expression(src, path string, r *rule) (int, vtype, bool) {
	if n := utf8.RuneCountInString(src); n > MaxExpressionLength {
		c.errorf(path, "is %d characters long; the limit is %d", n, MaxExpressionLength)
		return -1, vtype{}, false
	}
	root, err := c.compileExpr(src, r.numAgg, r.listAgg, &c.rs.nodes)
	if err != nil {
		c.errorf(path, "%q: %v", src, err)
		return -1, vtype{}, false
	}
	nd := c.rs.nodes[root]
	if nd.count {
		r.usesCount = true
	}
	return root, nd.typ, true
}

// reference compiles referenceValue: a number, a string literal, or a
// property expression (SPEC.md section 2.7). An expression-looking string
// that does not parse is reported rather than taken as a literal.
func (c *compiler) reference(n *node, path string, r *rule, rv *ruleVals) (vtype, bool) {
	rn := n.get("referenceValue")
	if rn == nil {
		return vtype{}, false
	}
	p := path + ".referenceValue"
	switch rn.kind {
	case kNumber:
		r.refKind, rv.ref = refNum, rn.num
		rv.has |= hasRef
		return vtype{0, leafNum}, true
	case kString:
		if f, ok := parseNumber(rn.str); ok {
			r.refKind, rv.ref = refNum, f
			rv.has |= hasRef
			return vtype{0, leafNum}, true
		}
		if looksLikeExpression(strings.TrimSpace(rn.str)) {
			root, t, ok := c.expression(rn.str, p, r)
			if !ok {
				return vtype{}, false
			}
			r.refKind, r.ref = refExpr, root
			return t, true
		}
		r.refKind, r.refStr = refStr, rn.str
		return vtype{0, leafStr}, true
	}
	c.errorf(p, "must be a number, a string or a property expression, but it is %s", rn.kind)
	return vtype{}, false
}

// stringReference turns a referenceValue written as a string that holds a
// number ("1") back into that string, for rules that compare strings: D1
// reads such strings as numbers only where a number is expected.
func (c *compiler) stringReference(n *node, r *rule, rv *ruleVals, rt vtype) vtype {
	if rn := n.get("referenceValue"); rn != nil && rn.kind == kString && r.refKind == refNum {
		r.refKind, r.refStr = refStr, rn.str
		rv.ref, rv.has = 0, rv.has&^hasRef
		return vtype{0, leafStr}
	}
	return rt
}

func looksLikeExpression(s string) bool {
	return strings.ContainsAny(s, "[()") || strings.HasPrefix(s, "teams") || strings.HasPrefix(s, "team[")
}

func (c *compiler) operation(n *node, path string, allowed []string) string {
	on := n.get("operation")
	if on == nil {
		c.errorf(path+".operation", "is missing; give one of %s", strings.Join(allowed, ", "))
		return ""
	}
	s, ok := c.str(on, path+".operation")
	if !ok {
		return ""
	}
	if !slices.Contains(allowed, s) {
		c.errorf(path+".operation", "is %q; it must be one of %s", s, strings.Join(allowed, ", "))
		return ""
	}
	return s
}

func (c *compiler) comparison(n *node, path string, r *rule, rv *ruleVals) {
	types, paths := c.measurements(n, path, r)
	op := c.operation(n, path, []string{"=", "!=", "<", "<=", ">", ">="})
	r.op = cmpOps[op]
	rt, hasRef := c.reference(n, path, r, rv)
	if hasRef && rt.leaf == leafNum && len(types) > 0 && !slices.ContainsFunc(types, func(t vtype) bool { return t.leaf != leafStr }) {
		rt = c.stringReference(n, r, rv, rt)
	}
	var opBad, refBad bool // report each once, whatever the number of measurements
	for i, t := range types {
		if t.leaf != leafNum && t.leaf != leafStr {
			c.errorf(paths[i], "measures %s; a comparison needs numbers or strings", t)
			continue
		}
		if t.leaf == leafStr && r.op >= cmpLt && !opBad {
			c.errorf(path+".operation", "is %q, but the measurement is %s; strings can only be compared with = and !=", op, t)
			opBad = true
		}
		if hasRef && rt.leaf != t.leaf && (rt.leaf == leafNum || rt.leaf == leafStr) && !refBad {
			c.errorf(path+".referenceValue", "is %s, but the measurement is %s; compare like with like", rt, t)
			refBad = true
		}
	}
	if n.get("referenceValue") == nil && op != "" && r.op != cmpEq && r.op != cmpNe {
		c.errorf(path+".operation", "is %q without a referenceValue; without one only = (all equal) and != (all different) apply", op)
	}
	if hasRef && rt.leaf != leafNum && rt.leaf != leafStr && r.refKind == refExpr {
		c.errorf(path+".referenceValue", "is %s; a comparison needs numbers or strings", rt)
	}
}

func (c *compiler) distance(n *node, path string, r *rule, rv *ruleVals) {
	types, paths := c.measurements(n, path, r)
	for i, t := range types {
		if t.leaf != leafNum {
			c.errorf(paths[i], "measures %s; a distance rule needs numbers", t)
		}
	}
	rt, hasRef := c.reference(n, path, r, rv)
	switch {
	case !hasRef && n.get("referenceValue") == nil:
		c.errorf(path+".referenceValue", "is missing; a distance rule measures the distance to a reference value")
	case hasRef && rt.leaf != leafNum:
		c.errorf(path+".referenceValue", "is %s; a distance rule needs a number", rt)
	}
	c.bound(n, path, "maxDistance", &rv.maxDistance, &rv.has, hasMaxDistance)
	c.bound(n, path, "minDistance", &rv.minDistance, &rv.has, hasMinDistance)
	if rv.has&hasMaxDistance != 0 && rv.has&hasMinDistance != 0 && rv.minDistance > rv.maxDistance {
		c.errorf(path+".minDistance", "is %v, more than maxDistance (%v); no distance could satisfy both", rv.minDistance, rv.maxDistance)
	}
	if rv.has&(hasMaxDistance|hasMinDistance) == 0 && n.get("maxDistance") == nil && n.get("minDistance") == nil {
		c.errorf(path, "has neither maxDistance nor minDistance; give at least one")
	}
}

// bound reads an optional non-negative number property into dst.
func (c *compiler) bound(n *node, path, key string, dst *float64, has *uint8, bit uint8) {
	f, ok := c.optNumber(n, path, key)
	if !ok {
		return
	}
	if f < 0 {
		c.errorf(path+"."+key, "is %v; it cannot be negative", f)
		return
	}
	*dst = f
	*has |= bit
}

func (c *compiler) count(n *node, path, key string, dst *float64, has *uint8, bit uint8) {
	cn := n.get(key)
	if cn == nil {
		return
	}
	v, ok := c.integer(cn, path+"."+key, 0, math.MaxInt32)
	if ok {
		*dst = float64(v)
		*has |= bit
	}
}

func (c *compiler) collection(n *node, path string, r *rule, rv *ruleVals) {
	types, paths := c.measurements(n, path, r)
	op := c.operation(n, path, []string{"intersection", "contains", "reference_intersection_count"})
	r.coll = map[string]collOp{"intersection": collIntersection, "contains": collContains, "reference_intersection_count": collRefIntersection}[op]
	for i, t := range types {
		if t.leaf != leafStr || t.depth < 1 {
			c.errorf(paths[i], "measures %s; a collection rule needs string lists", t)
		}
	}
	rt, hasRef := c.reference(n, path, r, rv)
	if hasRef && rt.leaf == leafNum && (r.coll == collContains || r.coll == collRefIntersection) {
		rt = c.stringReference(n, r, rv, rt)
	}
	switch r.coll {
	case collIntersection:
		if hasRef || n.get("referenceValue") != nil {
			c.errorf(path+".referenceValue", "is not used by the intersection operation; remove it")
		}
	case collContains:
		if !hasRef && n.get("referenceValue") == nil {
			c.errorf(path+".referenceValue", "is missing; contains counts the lists that hold this value")
		} else if hasRef && (rt.leaf != leafStr || rt.depth != 0) {
			c.errorf(path+".referenceValue", "is %s; contains needs one string", rt)
		}
	case collRefIntersection:
		if !hasRef && n.get("referenceValue") == nil {
			c.errorf(path+".referenceValue", "is missing; reference_intersection_count compares each list with this reference list")
		} else if hasRef && rt.leaf != leafStr {
			c.errorf(path+".referenceValue", "is %s; reference_intersection_count needs strings", rt)
		}
	}
	c.count(n, path, "minCount", &rv.minCount, &rv.has, hasMinCount)
	c.count(n, path, "maxCount", &rv.maxCount, &rv.has, hasMaxCount)
	if n.get("minCount") == nil && n.get("maxCount") == nil {
		c.errorf(path, "has neither minCount nor maxCount; give at least one bound on the count")
	}
	if rv.has&hasMinCount != 0 && rv.has&hasMaxCount != 0 && rv.minCount > rv.maxCount {
		c.errorf(path+".minCount", "is %v, more than maxCount (%v)", rv.minCount, rv.maxCount)
	}
	c.collectionDeferral(r)
}

// collectionDeferral decides which bounds may be checked while a match is
// still being filled: only a bound that, once broken, stays broken as more
// players join.
func (c *compiler) collectionDeferral(r *rule) {
	measGrow := growGrows
	for _, m := range r.meas {
		if c.rs.nodes[m].grow != growGrows {
			measGrow = growUnknown
		}
	}
	refGrow := growConst
	if r.refKind == refExpr {
		refGrow = c.rs.nodes[r.ref].grow
	}
	inc, dec := false, false // direction of the counted quantity
	switch r.coll {
	case collContains:
		inc = measGrow == growGrows
	case collIntersection:
		dec = measGrow == growGrows
	case collRefIntersection:
		if measGrow == growGrows {
			switch refGrow {
			case growConst:
				inc, dec = true, true // per-list counts are fixed; more lists only add checks
			case growGrows:
				inc = true
			case growShrinks:
				dec = true
			}
		}
	}
	r.deferMax = !inc
	r.deferMin = !dec
}

func (c *compiler) attribute(n *node, path, key, what string, kinds ...ticket.Kind) (int, ticket.Kind, bool) {
	name, ok := c.requiredStr(n, path, key, "name the attribute "+what)
	if !ok {
		return -1, 0, false
	}
	i, found := c.schema.Lookup(name)
	if !found {
		c.errorf(path+"."+key, "names %q, which is not declared in playerAttributes", name)
		return -1, 0, false
	}
	k := c.schema.Attrs()[i].Kind
	if !slices.Contains(kinds, k) {
		names := make([]string, len(kinds))
		for j, k := range kinds {
			names[j] = k.RuleSetType()
		}
		c.errorf(path+"."+key, "names %q, a %s attribute; %s needs a %s attribute", name, k.RuleSetType(), what, strings.Join(names, " or "))
		return -1, 0, false
	}
	return i, k, true
}

func (c *compiler) batchDistance(n *node, path string, r *rule, rv *ruleVals) {
	i, k, ok := c.attribute(n, path, "batchAttribute", "to batch on", ticket.KindNumber, ticket.KindString)
	if ok {
		r.attr, r.kind = i, k
		_, r.slot = c.schema.Slot(i)
	}
	c.bound(n, path, "maxDistance", &rv.maxDistance, &rv.has, hasMaxDistance)
}

func (c *compiler) latencyRule(n *node, path string, r *rule, rv *ruleVals) {
	if f, ok := c.optNumber(n, path, "maxLatency"); ok {
		if f <= 0 {
			c.errorf(path+".maxLatency", "is %v; it must be more than 0 milliseconds", f)
		} else {
			rv.maxLatency = f
			rv.has |= hasMaxLatency
		}
	}
	c.bound(n, path, "maxDistance", &rv.maxDistance, &rv.has, hasMaxDistance)
	if dn := n.get("distanceReference"); dn != nil {
		p := path + ".distanceReference"
		switch dn.kind {
		case kNumber:
			r.distRef, r.distRefNum = distanceReferenceNumber, dn.num
		case kString:
			switch s := strings.TrimSpace(dn.str); s {
			case distanceReferenceMin, distanceReferenceAverage:
				r.distRef = s
			default:
				if f, ok := parseNumber(s); ok {
					r.distRef, r.distRefNum = distanceReferenceNumber, f
				} else {
					c.errorf(p, "is %q; it must be min, avg or a number of milliseconds", dn.str)
				}
			}
		default:
			c.errorf(p, "must be min, avg or a number of milliseconds, but it is %s", dn.kind)
		}
		if n.get("maxDistance") == nil {
			c.errorf(p, "is used only with maxDistance; add maxDistance or remove it")
		}
	}
	if n.get("maxDistance") != nil && r.distRef == "" {
		r.distRef = distanceReferenceMin
	}
	if n.get("maxLatency") == nil && n.get("maxDistance") == nil {
		c.errorf(path, "has neither maxLatency nor maxDistance; give at least one")
	}
}

func (c *compiler) sortRule(n *node, path string, r *rule) {
	dir := ""
	if dn := n.get("sortDirection"); dn == nil {
		c.errorf(path+".sortDirection", "is missing; give ascending or descending")
	} else if s, ok := c.str(dn, path+".sortDirection"); ok {
		dir = s
		if s != "ascending" && s != "descending" {
			c.errorf(path+".sortDirection", "is %q; it must be ascending or descending", s)
		}
	}
	r.desc = dir == "descending"
	kinds := []ticket.Kind{ticket.KindNumber, ticket.KindString, ticket.KindMap}
	if r.typ == TypeDistanceSort {
		kinds = []ticket.Kind{ticket.KindNumber, ticket.KindMap}
	}
	i, k, ok := c.attribute(n, path, "sortAttribute", "to sort on", kinds...)
	if ok {
		r.attr, r.kind = i, k
		_, r.slot = c.schema.Slot(i)
	}
	mk := n.get("mapKey")
	if mk != nil {
		if s, sok := c.str(mk, path+".mapKey"); sok {
			switch s {
			case "minValue":
				r.mapKey = mapMinValue
			case "maxValue":
				r.mapKey = mapMaxValue
			default:
				c.errorf(path+".mapKey", "is %q; it must be minValue or maxValue", s)
			}
		}
		if ok && k != ticket.KindMap {
			c.errorf(path+".mapKey", "applies only to string_number_map attributes; remove it")
		}
	} else if ok && k == ticket.KindMap {
		c.errorf(path+".mapKey", "is missing; sorting on a string_number_map needs minValue or maxValue to pick the anchor's key")
	}
}
