package ticket

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Kind says which member of the AttributeValue union is set.
type Kind uint8

// The four members of the GameLift AttributeValue union, and KindNone for a
// value with no member set (which is never valid).
const (
	KindNone   Kind = iota
	KindString      // S: a string of 1 to 100 characters
	KindNumber      // N: a double
	KindList        // SL: a list of up to 100 strings
	KindMap         // SDM: a map of up to 10 string keys to doubles
)

// kindName is a kind's names: the GameLift union member, the rule-set
// attribute type and the matchmaker data's attributeType.
type kindName struct{ member, ruleSet, matchmaker string }

var kindNames = [...]kindName{
	KindNone:   {"none", "none", "NONE"},
	KindString: {"S", "string", "STRING"},
	KindNumber: {"N", "number", "DOUBLE"},
	KindList:   {"SL", "string_list", "STRING_LIST"},
	KindMap:    {"SDM", "string_number_map", "STRING_DOUBLE_MAP"},
}

// name returns k's names; an unknown kind has those of KindNone.
func (k Kind) name() kindName {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return kindNames[KindNone]
}

// String returns the GameLift member name of the kind ("S", "N", "SL", "SDM").
func (k Kind) String() string { return k.name().member }

// RuleSetType returns the rule-set attribute type that declares this kind:
// "string", "number", "string_list" or "string_number_map".
func (k Kind) RuleSetType() string { return k.name().ruleSet }

// MatchmakerType returns the attributeType name the matchmaker data document
// uses for this kind: STRING, DOUBLE, STRING_LIST or STRING_DOUBLE_MAP.
func (k Kind) MatchmakerType() string { return k.name().matchmaker }

// KindOfRuleSetType maps a rule-set attribute type name to its Kind. It
// returns KindNone for an unknown name.
func KindOfRuleSetType(name string) Kind {
	for k := KindString; k <= KindMap; k++ {
		if kindNames[k].ruleSet == name {
			return k
		}
	}
	return KindNone
}

// MapEntry is one key of a string-to-number map attribute.
type MapEntry struct {
	Key   string
	Value float64
}

// AttributeValue is a player attribute: exactly one of a string (S), a number
// (N), a string list (SL) or a string-to-number map (SDM). Build one with
// String, Number, StringList or StringNumberMap. Its JSON form is the GameLift
// union, for example {"N": 42} or {"SL": ["a", "b"]}.
//
// A map value keeps its entries sorted by key, so that equal maps compare and
// encode identically.
type AttributeValue struct {
	kind Kind
	// members records which union members a decoded value carried when it
	// did not carry exactly one; ValidatePlayers reports it by field path.
	members []string
	s       string
	n       float64
	sl      []string
	sdm     []MapEntry
}

// String returns a string attribute value (S).
func String(s string) AttributeValue { return AttributeValue{kind: KindString, s: s} }

// Number returns a number attribute value (N).
func Number(n float64) AttributeValue { return AttributeValue{kind: KindNumber, n: n} }

// StringList returns a string-list attribute value (SL). The slice is copied.
func StringList(items ...string) AttributeValue {
	return AttributeValue{kind: KindList, sl: append(make([]string, 0, len(items)), items...)}
}

// StringNumberMap returns a string-to-number map attribute value (SDM).
func StringNumberMap(m map[string]float64) AttributeValue {
	entries := make([]MapEntry, 0, len(m))
	for k, v := range m { // sorted below: order does not matter
		entries = append(entries, MapEntry{k, v})
	}
	slices.SortFunc(entries, func(a, b MapEntry) int { return strings.Compare(a.Key, b.Key) })
	return AttributeValue{kind: KindMap, sdm: entries}
}

// Kind returns which member is set.
func (v AttributeValue) Kind() Kind { return v.kind }

// S returns the string member ("" unless Kind is KindString).
func (v AttributeValue) S() string { return v.s }

// N returns the number member (0 unless Kind is KindNumber).
func (v AttributeValue) N() float64 { return v.n }

// SL returns the string-list member as given (nil unless Kind is KindList).
// The caller must not modify it.
func (v AttributeValue) SL() []string { return v.sl }

// SDM returns the map member as entries sorted by key (nil unless Kind is
// KindMap). The caller must not modify it.
func (v AttributeValue) SDM() []MapEntry { return v.sdm }

// Equal reports whether two values have the same kind and contents.
func (v AttributeValue) Equal(w AttributeValue) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case KindString:
		return v.s == w.s
	case KindNumber:
		return v.n == w.n
	case KindList:
		return slices.Equal(v.sl, w.sl)
	case KindMap:
		return slices.Equal(v.sdm, w.sdm)
	}
	return true
}

// Interface returns the value as plain Go data: string, float64, []string or
// map[string]float64. It is the valueAttribute of the matchmaker data.
func (v AttributeValue) Interface() any {
	switch v.kind {
	case KindString:
		return v.s
	case KindNumber:
		return v.n
	case KindList:
		if v.sl == nil {
			return []string{}
		}
		return v.sl
	case KindMap:
		m := make(map[string]float64, len(v.sdm))
		for _, e := range v.sdm {
			m[e.Key] = e.Value
		}
		return m
	}
	return nil
}

// GoString formats the value in its JSON form, for test failures.
func (v AttributeValue) GoString() string {
	b, _ := v.MarshalJSON()
	return string(b)
}

// MarshalJSON encodes the GameLift union with the one member that is set.
func (v AttributeValue) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	switch v.kind {
	case KindString:
		buf.WriteString(`{"S":`)
		b, _ := json.Marshal(v.s)
		buf.Write(b)
	case KindNumber:
		if math.IsNaN(v.n) || math.IsInf(v.n, 0) {
			return nil, fmt.Errorf("ticket: attribute N is %v, which JSON cannot carry", v.n)
		}
		buf.WriteString(`{"N":`)
		b, _ := json.Marshal(v.n) // encoding/json's number form: 1234567, not 1.234567e+06
		buf.Write(b)
	case KindList:
		buf.WriteString(`{"SL":`)
		if v.sl == nil {
			buf.WriteString("[]")
		} else {
			b, _ := json.Marshal(v.sl)
			buf.Write(b)
		}
	case KindMap:
		buf.WriteString(`{"SDM":{`)
		for i, e := range v.sdm {
			if i > 0 {
				buf.WriteByte(',')
			}
			k, _ := json.Marshal(e.Key)
			buf.Write(k)
			buf.WriteByte(':')
			b, err := json.Marshal(e.Value)
			if err != nil {
				return nil, fmt.Errorf("ticket: attribute SDM[%q] is %v, which JSON cannot carry", e.Key, e.Value)
			}
			buf.Write(b)
		}
		buf.WriteByte('}')
	default:
		buf.WriteString("{")
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON decodes the GameLift union. A value that does not carry
// exactly one of S, N, SL and SDM decodes to an invalid value (Kind
// KindNone) that ValidatePlayers reports with its field path; the limits of
// each member are checked there too.
func (v *AttributeValue) UnmarshalJSON(data []byte) error {
	var raw struct {
		S   *string             `json:"S"`
		N   *float64            `json:"N"`
		SL  *[]string           `json:"SL"`
		SDM *map[string]float64 `json:"SDM"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	var out AttributeValue
	var members []string
	if raw.S != nil {
		members = append(members, "S")
		out = String(*raw.S)
	}
	if raw.N != nil {
		members = append(members, "N")
		out = Number(*raw.N)
	}
	if raw.SL != nil {
		members = append(members, "SL")
		out = StringList(*raw.SL...)
	}
	if raw.SDM != nil {
		members = append(members, "SDM")
		out = StringNumberMap(*raw.SDM)
	}
	if len(members) != 1 {
		out = AttributeValue{members: members}
	}
	*v = out
	return nil
}
