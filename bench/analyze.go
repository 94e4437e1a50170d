package bench

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// ruleInfo is what the generator needs to know of one rule: the compiled
// rule set does not expose which attributes a rule's expressions read, so
// the body is read again here.
type ruleInfo struct {
	index        int // in rs.Rules()
	name, typ    string
	measurements []string
	refExpr      string // referenceValue when it is an expression
	refStr       string // referenceValue when it is a literal string
	refNum       *float64
	operation    string
	batchAttr    string
	sortAttr     string
	minCount     *float64
}

// analysis describes how a rule set's rules use its attributes.
type analysis struct {
	rs    *ruleset.RuleSet
	rules []ruleInfo
}

var (
	attrRef = regexp.MustCompile(`attributes\[([^\]]+)\]`)
	teamRef = regexp.MustCompile(`teams\[([^\]]+)\]`)
)

// analyze reads the rule set's body again (leniently: comments and trailing
// commas removed) for the parts of the rules the compiled form keeps to
// itself. A body the compiler accepted always reads; anything unexpected
// only makes the analysis poorer.
func analyze(rs *ruleset.RuleSet) *analysis {
	a := &analysis{rs: rs}
	var doc struct {
		Rules []map[string]json.RawMessage `json:"rules"`
	}
	_ = json.Unmarshal([]byte(stripJSONC(rs.Body())), &doc)
	for i, raw := range doc.Rules {
		r := ruleInfo{index: -1}
		r.name = rawString(raw["name"])
		r.typ = rawString(raw["type"])
		for j, info := range rs.Rules() {
			if info.Name == r.name {
				r.index = j
				break
			}
		}
		if r.index < 0 && i < len(rs.Rules()) {
			r.index = i
		}
		switch m := raw["measurements"]; {
		case len(m) > 0 && m[0] == '[':
			_ = json.Unmarshal(m, &r.measurements)
		case len(m) > 0:
			r.measurements = []string{rawString(m)}
		}
		if ref := raw["referenceValue"]; len(ref) > 0 {
			if ref[0] == '"' {
				s := rawString(ref)
				if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
					r.refNum = &f
				} else if strings.ContainsAny(s, "([") {
					r.refExpr = s
				} else {
					r.refStr = s
				}
			} else if f, err := strconv.ParseFloat(string(ref), 64); err == nil {
				r.refNum = &f
			}
		}
		r.operation = rawString(raw["operation"])
		r.batchAttr = rawString(raw["batchAttribute"])
		r.sortAttr = rawString(raw["sortAttribute"])
		r.minCount = rawNumber(raw["minCount"])
		a.rules = append(a.rules, r)
	}
	return a
}

func rawString(m json.RawMessage) string {
	var s string
	_ = json.Unmarshal(m, &s)
	return s
}

func rawNumber(m json.RawMessage) *float64 {
	if len(m) == 0 {
		return nil
	}
	var f float64
	if json.Unmarshal(m, &f) == nil {
		return &f
	}
	if s := rawString(m); s != "" {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return &f
		}
	}
	return nil
}

// reads reports whether expression text reads attribute name.
func reads(text, name string) bool {
	for _, m := range attrRef.FindAllStringSubmatch(text, -1) {
		if strings.TrimSpace(m[1]) == name {
			return true
		}
	}
	return false
}

func (r *ruleInfo) measures(name string) bool {
	for _, m := range r.measurements {
		if reads(m, name) {
			return true
		}
	}
	return false
}

// uses reports whether the rule reads attribute name anywhere.
func (r *ruleInfo) uses(name string) bool {
	return r.measures(name) || reads(r.refExpr, name) || r.batchAttr == name || r.sortAttr == name
}

// teams returns the team names (or "*") the rule's measurements select.
func (r *ruleInfo) teams() []string {
	var out []string
	for _, m := range r.measurements {
		for _, t := range teamRef.FindAllStringSubmatch(m, -1) {
			out = append(out, strings.TrimSpace(t[1]))
		}
	}
	return out
}

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

// stripJSONC removes // and /* */ comments outside strings, then commas
// that come right before a closing bracket: the leniency rule sets allow
// (D1).
func stripJSONC(s string) string {
	return scanJSON(scanJSON(s, true), false)
}

// scanJSON copies s, outside strings dropping comments (comments true) or
// trailing commas (comments false).
func scanJSON(s string, comments bool) string {
	var b strings.Builder
	b.Grow(len(s))
	inStr := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inStr {
			b.WriteByte(c)
			switch c {
			case '\\':
				if i+1 < len(s) {
					i++
					b.WriteByte(s[i])
				}
			case '"':
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
			b.WriteByte(c)
		case comments && c == '/' && i+1 < len(s) && s[i+1] == '/':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			if i < len(s) {
				b.WriteByte('\n')
			}
		case comments && c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				i = len(s)
			} else {
				i += end + 3
			}
			b.WriteByte(' ')
		case !comments && c == ',':
			j := i + 1
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r') {
				j++
			}
			if j < len(s) && (s[j] == '}' || s[j] == ']') {
				continue // a trailing comma
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
