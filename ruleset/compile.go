package ruleset

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/matchforge/matchforge/ticket"
)

// Document is a parsed rule-set body: JSON read leniently (D1) but not yet
// checked against the rule-set language. Validate checks it; Compile turns it
// into a RuleSet.
type Document struct {
	body string
	root *node
	dups []Error
}

// Parse reads a rule-set body. It fails only when the body is not JSON even
// by the lenient reading of D1 (comments and trailing commas allowed), or is
// longer than MaxBodyLength characters; the error is an *ErrorList wrapping
// ErrSyntax. Duplicate keys are kept and reported by Validate.
func Parse(body []byte) (*Document, error) {
	s := string(body)
	if n := utf8.RuneCountInString(s); n > MaxBodyLength {
		return nil, &ErrorList{syntax: true, Errors: []Error{{Message: fmt.Sprintf("the body is %d characters long; the limit is %d", n, MaxBodyLength)}}}
	}
	root, dups, msg := readJSON(s)
	if msg != "" {
		return nil, &ErrorList{syntax: true, Errors: []Error{{Message: msg}}}
	}
	return &Document{body: s, root: root, dups: dups}, nil
}

// Validate checks the document against every rule of the rule-set language
// and returns an *ErrorList with every problem, each with its JSON path, or
// nil when the rule set is valid.
func (d *Document) Validate() error {
	_, err := Compile(d)
	return err
}

// ValidateWith is Validate with options: rules may use the Go rule types o
// registers. Invalid options give an error wrapping ErrRuleType.
func (d *Document) ValidateWith(o Options) error {
	_, err := CompileWith(d, o)
	return err
}

// Load parses, validates and compiles a rule-set body.
func Load(body []byte) (*RuleSet, error) {
	return LoadWith(body, Options{})
}

// LoadWith is Load with options: rules may use the Go rule types o
// registers. Invalid options give an error wrapping ErrRuleType, before the
// body is read.
func LoadWith(body []byte, o Options) (*RuleSet, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	d, err := Parse(body)
	if err != nil {
		return nil, err
	}
	return CompileWith(d, o)
}

// MustLoad is Load for rule sets known to be valid, such as those embedded
// in a program; it panics on error.
func MustLoad(body []byte) *RuleSet {
	rs, err := Load(body)
	if err != nil {
		panic(err)
	}
	return rs
}

type cmpOp uint8

const (
	cmpEq cmpOp = iota + 1
	cmpNe
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

var cmpOps = map[string]cmpOp{"=": cmpEq, "!=": cmpNe, "<": cmpLt, "<=": cmpLe, ">": cmpGt, ">=": cmpGe}

type collOp uint8

const (
	collIntersection collOp = iota + 1
	collContains
	collRefIntersection
)

type refKind uint8

const (
	refNone refKind = iota
	refNum          // a number literal, in ruleVals.ref (expandable)
	refStr          // a string literal
	refExpr         // an expression program
)

type mapKey uint8

const (
	mapNone mapKey = iota
	mapMinValue
	mapMaxValue
)

type rule struct {
	name       string
	typ        string
	meas       []int // measurement program roots
	refKind    refKind
	ref        int
	refStr     string
	op         cmpOp
	coll       collOp
	deferMin   bool // minCount cannot be checked on a partial match
	deferMax   bool // maxCount cannot be checked on a partial match
	usesCount  bool
	numAgg     partyAgg
	listAgg    partyAgg
	attr       int // batchDistance and sort rules: schema index
	kind       ticket.Kind
	slot       int
	distRef    string // latency: min, avg or a number
	distRefNum float64
	desc       bool
	mapKey     mapKey
	stmt       *cnode
	refs       []int    // compound: the rules the statement names, once each
	reads      attrMask // attributes an expression rule names
	ext        *extRule
	gorule     *goRuleState
	inCompound bool
	failed     bool // a placeholder for a rule with problems
}

type compiler struct {
	decoder
	rs        *RuleSet
	schema    *ticket.Schema
	bases     map[string][]int // definition name -> generated team indexes
	ruleIdx   map[string]int
	base      Values
	rulePaths []string
	reads     []attrMask // per rule: every attribute it reads (Rule.Attributes)
	measured  []attrMask // per rule: the attributes its measurements read
	opts      Options
	types     map[string]*goRuleType // registered Go rule types by name
}

var (
	topKeys       = []string{"name", "ruleLanguageVersion", "playerAttributes", "algorithm", "teams", "rules", "expansions"}
	attrKeys      = []string{"name", "type", "default"}
	teamKeys      = []string{"name", "maxPlayers", "minPlayers", "quantity"}
	algorithmKeys = []string{"strategy", "batchingPreference", "sortByAttributes", "balancedAttribute", "backfillPriority", "expansionAgeSelection"}
	expansionKeys = []string{"target", "steps"}
	stepKeys      = []string{"waitTimeSeconds", "value"}
	ruleKeys      = map[string][]string{
		TypeAbsoluteSort:  {"sortDirection", "sortAttribute", "mapKey", "partyAggregation"},
		TypeDistanceSort:  {"sortDirection", "sortAttribute", "mapKey", "partyAggregation"},
		TypeBatchDistance: {"batchAttribute", "maxDistance", "partyAggregation"},
		TypeCollection:    {"measurements", "referenceValue", "operation", "minCount", "maxCount", "partyAggregation"},
		TypeComparison:    {"measurements", "referenceValue", "operation", "partyAggregation"},
		TypeCompound:      {"statement"},
		TypeDistance:      {"measurements", "referenceValue", "maxDistance", "minDistance", "partyAggregation"},
		TypeLatency:       {"maxLatency", "maxDistance", "distanceReference", "partyAggregation"},
		TypeExpression:    {"expression", "parameters", "partial"},
	}
	ruleTypes = []string{TypeAbsoluteSort, TypeBatchDistance, TypeCollection, TypeComparison, TypeCompound, TypeDistance, TypeDistanceSort, TypeLatency, TypeExpression}
)

// Compile validates d and builds its RuleSet, or returns an *ErrorList with
// every problem (D6).
func Compile(d *Document) (*RuleSet, error) {
	return CompileWith(d, Options{})
}

// CompileWith is Compile with options: rules may use the Go rule types o
// registers. Invalid options give an error wrapping ErrRuleType.
func CompileWith(d *Document, o Options) (*RuleSet, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if d == nil || d.root == nil {
		return nil, &ErrorList{syntax: true, Errors: []Error{{Message: "the document is empty; read a rule-set body with Parse"}}}
	}
	c := &compiler{
		rs:      &RuleSet{body: d.body, balanced: -1, teamIdx: map[string]int{}},
		bases:   map[string][]int{},
		ruleIdx: map[string]int{},
		opts:    o,
	}
	c.register(o)
	c.errs = append(c.errs, d.dups...)
	root := d.root
	if !c.object(root, "", "a rule set", topKeys) {
		if root != nil && root.kind != kObject {
			return nil, c.result()
		}
	}
	c.version(root)
	if n := root.get("name"); n != nil {
		c.rs.name, _ = c.str(n, "name")
	}
	c.attributes(root.get("playerAttributes"))
	c.teamDefs(root.get("teams"))
	c.algorithm(root.get("algorithm"))
	c.ruleList(root.get("rules"))
	c.expansions(root.get("expansions"))
	c.classRules()
	if len(c.errs) > 0 {
		return nil, c.result()
	}
	c.finish()
	return c.rs, nil
}

func (c *compiler) result() error {
	sortErrors(c.errs)
	return &ErrorList{Errors: c.errs}
}

func (c *compiler) version(root *node) {
	n := root.get("ruleLanguageVersion")
	if n == nil {
		c.errorf("ruleLanguageVersion", "is missing; every rule set must say \"ruleLanguageVersion\": \"1.0\"")
		return
	}
	v, ok := c.str(n, "ruleLanguageVersion")
	if !ok && n.kind == kNumber {
		return
	}
	if ok && v != "1.0" {
		c.errorf("ruleLanguageVersion", "is %q; the only version is \"1.0\"", v)
	}
}

func (c *compiler) attributes(n *node) {
	var attrs []ticket.Attr
	defer func() {
		s, err := ticket.NewSchema(attrs)
		if err != nil { // only on limits already reported
			s, _ = ticket.NewSchema(nil)
		}
		c.schema = s
		c.rs.schema = s
	}()
	if n == nil {
		return
	}
	if n.kind != kArray {
		c.errorf("playerAttributes", "must be an array of attribute declarations, but it is %s", n.kind)
		return
	}
	if len(n.items) > ticket.MaxSchemaAttributes {
		c.errorf("playerAttributes", "declares %d attributes; the limit is %d", len(n.items), ticket.MaxSchemaAttributes)
		return
	}
	seen := map[string]int{}
	for i, a := range n.items {
		path := fmt.Sprintf("playerAttributes[%d]", i)
		if !c.object(a, path, "an attribute declaration", attrKeys) {
			continue
		}
		name, ok := c.requiredStr(a, path, "name", "each attribute needs the name players send it under")
		if ok {
			if j, dup := seen[name]; dup {
				c.errorf(path+".name", "%q is already declared by playerAttributes[%d]; attribute names must be unique", name, j)
				ok = false
			} else {
				seen[name] = i
			}
		}
		typ, tok := c.requiredStr(a, path, "type", "give string, number, string_list or string_number_map")
		kind := ticket.KindOfRuleSetType(typ)
		if tok && kind == ticket.KindNone {
			c.errorf(path+".type", "is %q; the types are string, number, string_list and string_number_map", typ)
			tok = false
		}
		var def *ticket.AttributeValue
		if dn := a.get("default"); dn != nil && tok {
			def = c.defaultValue(dn, path+".default", kind)
		}
		if ok && tok {
			attrs = append(attrs, ticket.Attr{Name: name, Kind: kind, Default: def})
		}
	}
}

func (c *compiler) defaultValue(n *node, path string, kind ticket.Kind) *ticket.AttributeValue {
	bad := func() *ticket.AttributeValue {
		c.errorf(path, "is %s, but the attribute is a %s; give a default of that type", n.kind, kind.RuleSetType())
		return nil
	}
	var v ticket.AttributeValue
	switch kind {
	case ticket.KindNumber:
		if n.kind != kNumber && n.kind != kString {
			return bad()
		}
		f, ok := c.number(n, path)
		if !ok {
			return nil
		}
		v = ticket.Number(f)
	case ticket.KindString:
		if n.kind != kString {
			return bad()
		}
		v = ticket.String(n.str)
	case ticket.KindList:
		if n.kind != kArray {
			return bad()
		}
		items := make([]string, 0, len(n.items))
		for i, it := range n.items {
			s, ok := c.str(it, fmt.Sprintf("%s[%d]", path, i))
			if !ok {
				return nil
			}
			items = append(items, s)
		}
		v = ticket.StringList(items...)
	case ticket.KindMap:
		if n.kind != kObject {
			return bad()
		}
		m := map[string]float64{}
		for _, mem := range n.members {
			f, ok := c.number(mem.val, joinPath(path, mem.key))
			if !ok {
				return nil
			}
			m[mem.key] = f
		}
		v = ticket.StringNumberMap(m)
	}
	if err := ticket.CheckValue(path, v); err != nil {
		for _, p := range err.(*ticket.ValidationError).Problems {
			// ticket fields name the value's member (.S, .SL[i], .SDM);
			// report them at the JSON path of the default.
			sub, msg := strings.TrimPrefix(p.Field, path), p.Problem
			switch {
			case strings.HasPrefix(sub, ".SDM"):
				sub = sub[len(".SDM"):]
			case strings.HasPrefix(sub, ".SL"):
				sub = sub[len(".SL"):]
			case strings.HasPrefix(sub, ".S"):
				sub = sub[len(".S"):]
			case strings.HasPrefix(sub, ".N"):
				sub = sub[len(".N"):]
			}
			c.errorf(path+sub, "%s", msg)
		}
		return nil
	}
	return &v
}

// teamDefs reads the team definitions and generates the teams (D2).
func (c *compiler) teamDefs(n *node) {
	if n == nil {
		c.errorf("teams", "is missing; a rule set needs at least one team")
		return
	}
	if n.kind != kArray {
		c.errorf("teams", "must be an array of team definitions, but it is %s", n.kind)
		return
	}
	if len(n.items) == 0 {
		c.errorf("teams", "is empty; a rule set needs at least one team")
		return
	}
	defPath := map[string]string{}
	for i, t := range n.items {
		path := fmt.Sprintf("teams[%d]", i)
		if !c.object(t, path, "a team definition", teamKeys) {
			continue
		}
		name, ok := c.requiredStr(t, path, "name", "each team needs a name")
		if ok && strings.ContainsAny(name, "[],*") {
			c.errorf(path+".name", "%q contains one of [ ] , *, which property expressions cannot name", name)
			ok = false
		} else if ok && strings.TrimSpace(name) != name {
			c.errorf(path+".name", "%q starts or ends with white space, which property expressions and expansion targets cannot name", name)
			ok = false
		}
		if ok {
			if p, dup := defPath[name]; dup {
				c.errorf(path+".name", "%q is already the name of %s; team names must be unique", name, p)
				ok = false
			} else if ti, dup := c.rs.teamIdx[name]; dup {
				c.errorf(path+".name", "%q is already the name of a team that %s generates; rename one of them", name, defPath[c.rs.teams[ti].Base])
				ok = false
			}
		}
		maxP, okMax := c.teamSize(t, path, "maxPlayers")
		minP, okMin := c.teamSize(t, path, "minPlayers")
		if okMax && okMin && minP > maxP {
			c.errorf(path+".minPlayers", "is %d, more than maxPlayers (%d); minPlayers must not exceed maxPlayers", minP, maxP)
		}
		qty := 1
		if q := t.get("quantity"); q != nil {
			var qok bool
			if qty, qok = c.integer(q, path+".quantity", 1, MaxMatchPlayers); !qok {
				qty = 1
			}
		}
		if !ok {
			continue
		}
		defPath[name] = path
		for k := 1; k <= qty; k++ {
			tm := Team{Name: name, Base: name, MinPlayers: minP, MaxPlayers: maxP}
			if qty > 1 {
				tm.Name, tm.Copy = name+"_"+strconv.Itoa(k), k
			}
			if p, dup := defPath[tm.Name]; dup && qty > 1 {
				// teams[a_1] would mean both that definition and this copy (D2).
				c.errorf(path+".name", "generates team %q, which %s also names; rename one of them", tm.Name, p)
				continue
			}
			c.rs.teamIdx[tm.Name] = len(c.rs.teams)
			c.bases[name] = append(c.bases[name], len(c.rs.teams))
			c.rs.teams = append(c.rs.teams, tm)
			c.rs.size += maxP
		}
	}
	if c.rs.size > MaxMatchPlayers {
		c.errorf("teams", "hold up to %d players in all (maxPlayers x quantity summed); the limit is %d", c.rs.size, MaxMatchPlayers)
	}
	c.rs.class = Small
	if c.rs.size > MaxSmallPlayers {
		c.rs.class = Large
	}
	c.base.teams = make([]TeamSize, len(c.rs.teams))
	for i, t := range c.rs.teams {
		c.base.teams[i] = TeamSize{t.MinPlayers, t.MaxPlayers}
	}
}

func (c *compiler) teamSize(t *node, path, key string) (int, bool) {
	n := t.get(key)
	if n == nil {
		c.errorf(path+"."+key, "is missing; every team needs minPlayers and maxPlayers")
		return 0, false
	}
	lo := 0
	if key == "maxPlayers" {
		lo = 1 // a team must hold at least one player
	}
	return c.integer(n, path+"."+key, lo, MaxMatchPlayers)
}

func (c *compiler) algorithm(n *node) {
	a := Algorithm{Strategy: StrategyExhaustive, BackfillPriority: PriorityNormal, ExpansionAgeSelection: ExpansionAgeNewest}
	defer func() { c.rs.algo = a }()
	if n != nil && !c.object(n, "algorithm", "the algorithm block", algorithmKeys) {
		n = nil
	}
	enum := func(key string, allowed []string, dst *string) bool {
		if n == nil {
			return false
		}
		m := n.get(key)
		if m == nil {
			return false
		}
		s, ok := c.str(m, "algorithm."+key)
		if !ok {
			return false
		}
		if !slices.Contains(allowed, s) {
			c.errorf("algorithm."+key, "is %q; it must be one of %s", s, strings.Join(allowed, ", "))
			return false
		}
		*dst = s
		return true
	}
	var sortByGiven, balancedGiven bool // present, even if malformed
	enum("strategy", []string{StrategyExhaustive, StrategyBalanced}, &a.Strategy)
	enum("backfillPriority", []string{PriorityNormal, PriorityHigh, PriorityLow}, &a.BackfillPriority)
	enum("expansionAgeSelection", []string{ExpansionAgeNewest, ExpansionAgeOldest}, &a.ExpansionAgeSelection)
	balanced := a.Strategy == StrategyBalanced
	a.BatchingPreference = BatchRandom
	if balanced {
		a.BatchingPreference = BatchLargestPopulation
	}
	if enum("batchingPreference", []string{BatchRandom, BatchSorted, BatchLargestPopulation, BatchFastestRegion}, &a.BatchingPreference) {
		forBalanced := a.BatchingPreference == BatchLargestPopulation || a.BatchingPreference == BatchFastestRegion
		switch {
		case balanced && !forBalanced:
			c.errorf("algorithm.batchingPreference", "is %q, which only the exhaustiveSearch strategy uses; with balanced use largestPopulation or fastestRegion", a.BatchingPreference)
		case !balanced && forBalanced:
			c.errorf("algorithm.batchingPreference", "is %q, which only the balanced strategy uses; with exhaustiveSearch use random or sorted", a.BatchingPreference)
		}
	}
	if n != nil {
		if m := n.get("sortByAttributes"); m != nil {
			sortByGiven = true
			list, ok := c.stringOrList(m, "algorithm.sortByAttributes")
			if ok {
				for i, name := range list {
					p := fmt.Sprintf("algorithm.sortByAttributes[%d]", i)
					idx, found := c.schema.Lookup(name)
					switch {
					case !found:
						c.errorf(p, "names %q, which is not declared in playerAttributes", name)
					case c.schema.Attrs()[idx].Kind != ticket.KindNumber && c.schema.Attrs()[idx].Kind != ticket.KindString:
						c.errorf(p, "names %q, a %s; only number and string attributes can be sorted on", name, c.schema.Attrs()[idx].Kind.RuleSetType())
					case slices.Contains(c.rs.sortBy, idx):
						c.errorf(p, "names %q again; list each attribute once", name)
					default:
						c.rs.sortBy = append(c.rs.sortBy, idx)
					}
				}
				a.SortByAttributes = list
				if len(list) == 0 && a.BatchingPreference == BatchSorted {
					c.errorf("algorithm.sortByAttributes", "is empty; batchingPreference \"sorted\" needs the attributes to sort on")
				}
			}
			if a.BatchingPreference != BatchSorted {
				c.errorf("algorithm.sortByAttributes", "is used only when batchingPreference is \"sorted\"; remove it or set batchingPreference to sorted")
			}
		}
		if m := n.get("balancedAttribute"); m != nil {
			balancedGiven = true
			if s, ok := c.str(m, "algorithm.balancedAttribute"); ok {
				a.BalancedAttribute = s
				idx, found := c.schema.Lookup(s)
				switch {
				case !found:
					c.errorf("algorithm.balancedAttribute", "names %q, which is not declared in playerAttributes", s)
				case c.schema.Attrs()[idx].Kind != ticket.KindNumber:
					c.errorf("algorithm.balancedAttribute", "names %q, a %s; teams can only be balanced on a number attribute", s, c.schema.Attrs()[idx].Kind.RuleSetType())
				default:
					c.rs.balanced = idx
				}
			}
			if !balanced {
				c.errorf("algorithm.balancedAttribute", "is used only by the balanced strategy; set strategy to balanced or remove it")
			}
		}
	}
	if a.BatchingPreference == BatchSorted && !balanced && !sortByGiven {
		c.errorf("algorithm.sortByAttributes", "is missing; batchingPreference \"sorted\" needs the attributes to sort on")
	}
	if balanced && !balancedGiven {
		c.errorf("algorithm.balancedAttribute", "is missing; the balanced strategy needs a number attribute to balance teams on")
	}
}

// selectTeams resolves the inside of teams[...]: "*" or a list of names,
// each a generated team name or a definition name meaning all its copies.
func (c *compiler) selectTeams(sel string) (teams []int, multi bool, problem string) {
	sel = strings.TrimSpace(sel)
	if sel == "*" {
		for i := range c.rs.teams {
			teams = append(teams, i)
		}
		return teams, true, ""
	}
	names := strings.Split(sel, ",")
	for _, raw := range names {
		name := strings.TrimSpace(raw)
		if name == "" {
			return nil, false, "a team name is empty; write teams[name], teams[a,b] or teams[*]"
		}
		var idx []int
		if i, ok := c.rs.teamIdx[name]; ok {
			idx = []int{i}
		} else if b, ok := c.bases[name]; ok {
			idx = b
		} else {
			return nil, false, fmt.Sprintf("team %q is not defined; the teams are %s", name, c.teamNames())
		}
		for _, i := range idx {
			if slices.Contains(teams, i) {
				return nil, false, fmt.Sprintf("team %q is selected twice", c.rs.teams[i].Name)
			}
			teams = append(teams, i)
		}
	}
	return teams, len(teams) > 1 || len(names) > 1, ""
}

func (c *compiler) teamNames() string {
	var names []string
	for _, t := range c.rs.teams {
		if t.Copy <= 1 {
			names = append(names, t.Base)
		}
		if t.Copy > 0 {
			names = append(names, t.Name)
		}
	}
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}

func (c *compiler) finish() {
	rs := c.rs
	for i, r := range rs.rules {
		switch r.typ {
		case TypeAbsoluteSort, TypeDistanceSort:
			rs.sorts = append(rs.sorts, i)
			continue // sort rules order candidates; they never pass or fail
		case TypeBatchDistance:
			rs.batches = append(rs.batches, i)
		case TypeLatency:
			rs.latency = append(rs.latency, i)
		}
		if !r.inCompound {
			rs.top = append(rs.top, i)
		}
	}
}

// classRules enforces D4: large rule sets use the balanced strategy and only
// batchDistance rules and latency rules with maxLatency alone.
func (c *compiler) classRules() {
	if c.rs.class != Large {
		return
	}
	if c.rs.algo.Strategy != StrategyBalanced {
		c.errorf("algorithm.strategy", "must be \"balanced\": the teams hold up to %d players, and rule sets for more than %d players use the balanced strategy", c.rs.size, MaxSmallPlayers)
	}
	for i, r := range c.rs.rules {
		path := c.rulePaths[i]
		switch r.typ {
		case TypeBatchDistance:
		case TypeLatency:
			if r.distRef != "" {
				c.errorf(path, "is a latency rule with maxDistance; rule sets for more than %d players allow only maxLatency", MaxSmallPlayers)
			}
		default:
			c.errorf(path+".type", "is %s, which rule sets for more than %d players do not support; use batchDistance and latency (maxLatency) rules", r.typ, MaxSmallPlayers)
		}
	}
}

// expansions reads the expansion schedule and builds the phases (D5, D12).
func (c *compiler) expansions(n *node) {
	var targets []expTarget
	defer func() {
		waits := []float64{0}
		for _, t := range targets {
			for _, s := range t.steps {
				waits = append(waits, s.wait)
			}
		}
		sort.Float64s(waits)
		waits = slices.Compact(waits)
		reported := map[string]bool{} // each problem once, at the first phase it appears
		report := func(key, format string, args ...any) {
			if !reported[key] {
				reported[key] = true
				c.errorf("expansions", format, args...)
			}
		}
		for pi, w := range waits {
			v := c.cloneValues(&c.base)
			v.wait, v.index = w, pi
			for _, t := range targets {
				for _, s := range t.steps {
					if s.wait <= w {
						t.apply(&v, s.value)
					}
				}
			}
			v.size, v.min = 0, 0
			for ti, ts := range v.teams {
				// Check teams an expansion changed; the base sizes are
				// checked with the team definition.
				base, b := c.rs.teams[ti].Base, c.base.teams[ti]
				expanded := ts != b && b.Max > 0 && b.Min <= b.Max
				switch {
				case expanded && ts.Max == 0:
					report("max "+base, "at %v seconds make team %s's maxPlayers 0; a team must hold at least 1 player", w, c.rs.teams[ti].Name)
				case expanded && ts.Min > ts.Max:
					report("min "+base, "at %v seconds make team %s's minPlayers (%d) greater than its maxPlayers (%d); keep minPlayers at or below maxPlayers", w, c.rs.teams[ti].Name, ts.Min, ts.Max)
				}
				v.size += ts.Max
				v.min += ts.Min
			}
			limit := MaxSmallPlayers
			if c.rs.class == Large {
				limit = MaxMatchPlayers
			}
			if v.size > limit && c.rs.size <= limit {
				report("size", "at %v seconds raise the teams to %d players in all, beyond the %s-match limit of %d", w, v.size, c.rs.class, limit)
			}
			c.rs.phases = append(c.rs.phases, v)
		}
		c.rs.lastWait = waits[len(waits)-1]
	}()
	if c.base.rules == nil {
		c.base.rules = make([]ruleVals, len(c.rs.rules))
	}
	if n == nil {
		return
	}
	if n.kind != kArray {
		c.errorf("expansions", "must be an array of expansions, but it is %s", n.kind)
		return
	}
	if len(n.items) > MaxExpansions {
		c.errorf("expansions", "has %d expansions; the limit is %d", len(n.items), MaxExpansions)
		return
	}
	seen := map[string]string{}
	for i, e := range n.items {
		path := fmt.Sprintf("expansions[%d]", i)
		if !c.object(e, path, "an expansion", expansionKeys) {
			continue
		}
		tstr, ok := c.requiredStr(e, path, "target", "write rules[<rule>].<property> or teams[<team>].minPlayers")
		var t expTarget
		var intValues bool
		if ok {
			t, intValues, ok = c.expansionTarget(path+".target", tstr)
		}
		if ok {
			for _, k := range t.keys {
				if p, dup := seen[k]; dup {
					c.errorf(path+".target", "%q expands %s, which %s already expands; give each target one expansion with several steps", tstr, k, p)
					ok = false
					break
				}
			}
			for _, k := range t.keys {
				if _, dup := seen[k]; !dup {
					seen[k] = path
				}
			}
		}
		sn := e.get("steps")
		if sn == nil {
			c.errorf(path+".steps", "is missing; an expansion needs at least one step")
			continue
		}
		if sn.kind != kArray || len(sn.items) == 0 {
			c.errorf(path+".steps", "must be a non-empty array of {waitTimeSeconds, value} steps")
			continue
		}
		if len(sn.items) > MaxSteps {
			c.errorf(path+".steps", "has %d steps; the limit is %d", len(sn.items), MaxSteps)
			continue
		}
		last := -1.0
		for j, s := range sn.items {
			sp := fmt.Sprintf("%s.steps[%d]", path, j)
			if !c.object(s, sp, "an expansion step", stepKeys) {
				ok = false
				continue
			}
			wn, vn := s.get("waitTimeSeconds"), s.get("value")
			if wn == nil {
				c.errorf(sp+".waitTimeSeconds", "is missing; say after how many seconds of waiting the step applies")
			}
			if vn == nil {
				c.errorf(sp+".value", "is missing; say what value the step sets")
			}
			if wn == nil || vn == nil {
				ok = false
				continue
			}
			w, wok := c.number(wn, sp+".waitTimeSeconds")
			if wok && (w <= 0 || w > MaxWaitSeconds) {
				c.errorf(sp+".waitTimeSeconds", "is %v; it must be more than 0 and at most %d seconds", w, MaxWaitSeconds)
				wok = false
			}
			if wok && w <= last {
				c.errorf(sp+".waitTimeSeconds", "is %v, not after the previous step's %v; wait times must increase from step to step", w, last)
				wok = false
			}
			if wok {
				last = w
			}
			var x float64
			var vok bool
			if intValues {
				var xi int
				xi, vok = c.integer(vn, sp+".value", 0, MaxMatchPlayers)
				x = float64(xi)
			} else {
				x, vok = c.number(vn, sp+".value")
				switch {
				case vok && t.check != nil:
					vok = t.check(sp+".value", x)
				case vok && x <= 0 && t.positive:
					c.errorf(sp+".value", "is %v; this property must be more than 0", x)
					vok = false
				case vok && x < 0 && !t.signed:
					c.errorf(sp+".value", "is %v; this property cannot be negative", x)
					vok = false
				}
			}
			if wok && vok {
				t.steps = append(t.steps, expStep{w, x})
			} else {
				ok = false
			}
		}
		if ok {
			c.rs.steps += len(t.steps)
			c.rs.expansions++
			targets = append(targets, t)
		}
	}
}

func (c *compiler) cloneValues(v *Values) Values {
	out := Values{teams: slices.Clone(v.teams), rules: slices.Clone(v.rules)}
	for i := range out.rules {
		out.rules[i].params = slices.Clone(out.rules[i].params)
	}
	return out
}

// expStep is one step of an expansion.
type expStep struct{ wait, value float64 }

// expTarget is a resolved expansion target with its steps.
type expTarget struct {
	apply    func(v *Values, x float64)
	keys     []string // the properties it sets, to find targets expanded twice
	signed   bool     // values may be negative (referenceValue, expression parameters)
	positive bool     // values must be more than 0 (maxLatency)
	steps    []expStep
	// check, when set, checks each step's value in place of signed and
	// positive, reporting a problem at path (Go rule properties).
	check func(path string, x float64) bool
}

const targetForm = "write rules[<rule name>].<property> or teams[<team name>].minPlayers (or maxPlayers)"

// expansionTarget resolves an expansion target path (D5). intValues is true
// when the target takes whole numbers.
func (c *compiler) expansionTarget(path, s string) (t expTarget, intValues, ok bool) {
	s = strings.TrimSpace(s)
	if s == "algorithm" || strings.HasPrefix(s, "algorithm.") || strings.HasPrefix(s, "algorithm[") {
		c.errorf(path, "%q targets the algorithm block, which expansions cannot change; %s", s, targetForm)
		return t, false, false
	}
	open, close := strings.IndexByte(s, '['), strings.LastIndexByte(s, ']')
	if open < 0 || close < open || close+1 >= len(s) || s[close+1] != '.' {
		c.errorf(path, "%q is not a target path; %s", s, targetForm)
		return t, false, false
	}
	comp, inner, prop := s[:open], strings.TrimSpace(s[open+1:close]), s[close+2:]
	switch comp {
	case "teams", "team":
		if prop != "minPlayers" && prop != "maxPlayers" {
			c.errorf(path, "%q targets %s; a team expansion targets minPlayers or maxPlayers", s, prop)
			return t, false, false
		}
		if inner == "*" {
			c.errorf(path, "%q uses teams[*]; name the teams to expand", s)
			return t, false, false
		}
		teams, _, problem := c.selectTeams(inner)
		if problem != "" {
			c.errorf(path, "%s", problem)
			return t, false, false
		}
		for _, ti := range teams {
			t.keys = append(t.keys, fmt.Sprintf("team %s's %s", c.rs.teams[ti].Name, prop))
		}
		isMin := prop == "minPlayers"
		t.apply = func(v *Values, x float64) {
			for _, ti := range teams {
				if isMin {
					v.teams[ti].Min = int(x)
				} else {
					v.teams[ti].Max = int(x)
				}
			}
		}
		return t, true, true
	case "rules":
		ri, found := c.ruleIdx[inner]
		if !found {
			c.errorf(path, "%q names rule %q, which is not defined", s, inner)
			return t, false, false
		}
		r := &c.rs.rules[ri]
		if r.failed {
			return t, false, false // the rule's own problems are reported
		}
		t.keys = []string{fmt.Sprintf("rule %s's %s", r.name, prop)}
		if r.gorule != nil {
			return t, false, c.goExpansion(path, s, ri, prop, &t)
		}
		if r.typ == TypeExpression {
			pi := r.ext.param(prop)
			if pi < 0 {
				c.errorf(path, "%q names %q, which is not a parameter of expression rule %s; its parameters are %s", s, prop, inner, r.ext.paramList())
				return t, false, false
			}
			t.apply = func(v *Values, x float64) { v.rules[ri].params[pi] = x }
			t.signed = true
			return t, false, true
		}
		allowed := map[string][]string{
			TypeBatchDistance: {"maxDistance"},
			TypeCollection:    {"minCount", "maxCount"},
			TypeComparison:    {"referenceValue"},
			TypeDistance:      {"maxDistance", "minDistance", "referenceValue"},
			TypeLatency:       {"maxLatency", "maxDistance"},
		}[r.typ]
		if !slices.Contains(allowed, prop) {
			if len(allowed) == 0 {
				c.errorf(path, "%q targets %s, which has no property an expansion can change", s, aRule(r.typ))
			} else {
				c.errorf(path, "%q targets %s, which a %s rule cannot expand; it can expand %s", s, prop, r.typ, strings.Join(allowed, ", "))
			}
			return t, false, false
		}
		if prop == "referenceValue" && r.refKind != refNum {
			c.errorf(path, "%q targets the referenceValue of rule %s, which is not a number; only a number referenceValue can be expanded", s, inner)
			return t, false, false
		}
		if r.typ == TypeLatency && prop == "maxDistance" && r.distRef == "" {
			// Without maxDistance the rule has no distance check to relax,
			// and a large rule set allows maxLatency alone (D4).
			c.errorf(path, "%q targets the maxDistance of latency rule %s, which has none; give the rule a maxDistance to expand it", s, inner)
			return t, false, false
		}
		var bit uint8
		var field func(rv *ruleVals) *float64
		switch prop {
		case "maxDistance":
			bit, field = hasMaxDistance, func(rv *ruleVals) *float64 { return &rv.maxDistance }
		case "minDistance":
			bit, field = hasMinDistance, func(rv *ruleVals) *float64 { return &rv.minDistance }
		case "maxLatency":
			bit, field = hasMaxLatency, func(rv *ruleVals) *float64 { return &rv.maxLatency }
			t.positive = true
		case "minCount":
			bit, field = hasMinCount, func(rv *ruleVals) *float64 { return &rv.minCount }
			intValues = true
		case "maxCount":
			bit, field = hasMaxCount, func(rv *ruleVals) *float64 { return &rv.maxCount }
			intValues = true
		case "referenceValue":
			bit, field = hasRef, func(rv *ruleVals) *float64 { return &rv.ref }
			t.signed = true // a reference value may be any number
		}
		t.apply = func(v *Values, x float64) {
			rv := &v.rules[ri]
			*field(rv) = x
			rv.has |= bit
		}
		return t, intValues, true
	default:
		c.errorf(path, "%q is not a target path; %s", s, targetForm)
	}
	return t, false, false
}
