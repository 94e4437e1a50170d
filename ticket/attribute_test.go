package ticket_test

import (
	"encoding/json"
	"errors"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/ticket"
)

func TestKindNames(t *testing.T) {
	tests := []struct {
		kind                        ticket.Kind
		member, ruleSet, matchmaker string
	}{
		{ticket.KindNone, "none", "none", "NONE"},
		{ticket.KindString, "S", "string", "STRING"},
		{ticket.KindNumber, "N", "number", "DOUBLE"},
		{ticket.KindList, "SL", "string_list", "STRING_LIST"},
		{ticket.KindMap, "SDM", "string_number_map", "STRING_DOUBLE_MAP"},
	}
	for _, tc := range tests {
		if got := tc.kind.String(); got != tc.member {
			t.Errorf("Kind(%d).String() = %q, want %q", tc.kind, got, tc.member)
		}
		if got := tc.kind.RuleSetType(); got != tc.ruleSet {
			t.Errorf("Kind(%d).RuleSetType() = %q, want %q", tc.kind, got, tc.ruleSet)
		}
		if got := tc.kind.MatchmakerType(); got != tc.matchmaker {
			t.Errorf("Kind(%d).MatchmakerType() = %q, want %q", tc.kind, got, tc.matchmaker)
		}
		if tc.kind != ticket.KindNone {
			if got := ticket.KindOfRuleSetType(tc.ruleSet); got != tc.kind {
				t.Errorf("KindOfRuleSetType(%q) = %v, want %v", tc.ruleSet, got, tc.kind)
			}
		}
	}
	for _, name := range []string{"", "none", "String", "double", "list"} {
		if got := ticket.KindOfRuleSetType(name); got != ticket.KindNone {
			t.Errorf("KindOfRuleSetType(%q) = %v, want KindNone", name, got)
		}
	}
}

func TestAttributeConstructorsAndAccessors(t *testing.T) {
	s := ticket.String("gold")
	if s.Kind() != ticket.KindString || s.S() != "gold" || s.N() != 0 || s.SL() != nil || s.SDM() != nil {
		t.Errorf("String(gold) = kind %v S %q N %v SL %v SDM %v", s.Kind(), s.S(), s.N(), s.SL(), s.SDM())
	}
	n := ticket.Number(23.5)
	if n.Kind() != ticket.KindNumber || n.N() != 23.5 || n.S() != "" || n.SL() != nil || n.SDM() != nil {
		t.Errorf("Number(23.5) = kind %v S %q N %v SL %v SDM %v", n.Kind(), n.S(), n.N(), n.SL(), n.SDM())
	}

	items := []string{"b", "a", "b"}
	l := ticket.StringList(items...)
	if l.Kind() != ticket.KindList || !reflect.DeepEqual(l.SL(), []string{"b", "a", "b"}) || l.S() != "" || l.N() != 0 || l.SDM() != nil {
		t.Errorf("StringList(b, a, b) = kind %v SL %v", l.Kind(), l.SL())
	}
	items[0] = "changed"
	if l.SL()[0] != "b" {
		t.Errorf("StringList did not copy its argument: SL()[0] = %q after the caller changed it", l.SL()[0])
	}
	empty := ticket.StringList()
	if empty.Kind() != ticket.KindList || len(empty.SL()) != 0 {
		t.Errorf("StringList() = kind %v SL %v", empty.Kind(), empty.SL())
	}

	src := map[string]float64{"z": 1, "a": -2, "m": 0.5}
	m := ticket.StringNumberMap(src)
	wantEntries := []ticket.MapEntry{{Key: "a", Value: -2}, {Key: "m", Value: 0.5}, {Key: "z", Value: 1}}
	if m.Kind() != ticket.KindMap || !reflect.DeepEqual(m.SDM(), wantEntries) || m.SL() != nil {
		t.Errorf("StringNumberMap = kind %v SDM %v, want sorted %v", m.Kind(), m.SDM(), wantEntries)
	}
	src["a"] = 99
	if m.SDM()[0].Value != -2 {
		t.Errorf("StringNumberMap kept a reference to the caller's map")
	}

	var zero ticket.AttributeValue
	if zero.Kind() != ticket.KindNone {
		t.Errorf("zero AttributeValue has kind %v, want KindNone", zero.Kind())
	}
}

func TestAttributeEqual(t *testing.T) {
	values := []ticket.AttributeValue{
		{},
		ticket.String("a"),
		ticket.String("b"),
		ticket.String(""),
		ticket.Number(0),
		ticket.Number(1),
		ticket.Number(-1.5),
		ticket.StringList("a"),
		ticket.StringList("a", "b"),
		ticket.StringList("b", "a"),
		ticket.StringList("a", "a"),
		ticket.StringList(),
		ticket.StringNumberMap(map[string]float64{"a": 1}),
		ticket.StringNumberMap(map[string]float64{"a": 2}),
		ticket.StringNumberMap(map[string]float64{"b": 1}),
		ticket.StringNumberMap(map[string]float64{"a": 1, "b": 1}),
		ticket.StringNumberMap(nil),
	}
	for i, v := range values {
		for j, w := range values {
			if got := v.Equal(w); got != (i == j) {
				t.Errorf("%#v.Equal(%#v) = %v, want %v", v, w, got, i == j)
			}
		}
	}
	// Equal compares contents, not identity or construction order.
	if !ticket.StringList("x", "y").Equal(ticket.StringList([]string{"x", "y"}...)) {
		t.Error("equal lists built separately are not Equal")
	}
	m1 := ticket.StringNumberMap(map[string]float64{"a": 1, "b": 2, "c": 3, "d": 4})
	m2 := ticket.StringNumberMap(map[string]float64{"d": 4, "c": 3, "b": 2, "a": 1})
	if !m1.Equal(m2) {
		t.Error("equal maps are not Equal")
	}
	if !ticket.Number(0).Equal(ticket.Number(math.Copysign(0, -1))) {
		t.Error("0 and -0 are not Equal")
	}
	if ticket.Number(math.NaN()).Equal(ticket.Number(math.NaN())) {
		t.Error("NaN is Equal to NaN")
	}
}

func TestAttributeInterface(t *testing.T) {
	tests := []struct {
		v    ticket.AttributeValue
		want any
	}{
		{ticket.String("x"), "x"},
		{ticket.Number(2.5), 2.5},
		{ticket.StringList("a", "b"), []string{"a", "b"}},
		{ticket.StringList(), []string{}},
		{ticket.StringNumberMap(map[string]float64{"a": 1, "b": 2}), map[string]float64{"a": 1, "b": 2}},
		{ticket.StringNumberMap(nil), map[string]float64{}},
		{ticket.AttributeValue{}, nil},
	}
	for _, tc := range tests {
		got := tc.v.Interface()
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%#v.Interface() = %#v (%T), want %#v (%T)", tc.v, got, got, tc.want, tc.want)
		}
	}
	// The list of an empty SL is an empty, non-nil slice so that it
	// encodes as [] in the matchmaker data.
	b, err := json.Marshal(ticket.StringList().Interface())
	if err != nil || string(b) != "[]" {
		t.Errorf("json of StringList().Interface() = %s, %v; want []", b, err)
	}
}

// TestAttributeJSON checks the byte-exact GameLift AttributeValue shape of
// every kind in both directions.
func TestAttributeJSON(t *testing.T) {
	tests := []struct {
		name string
		v    ticket.AttributeValue
		json string
	}{
		{"S", ticket.String("bronze"), `{"S":"bronze"}`},
		{"S escaped", ticket.String(`a"b\c`), `{"S":"a\"b\\c"}`},
		{"S multibyte", ticket.String("日本"), `{"S":"日本"}`},
		{"N integer", ticket.Number(42), `{"N":42}`},
		{"N fraction", ticket.Number(23.5), `{"N":23.5}`},
		{"N negative", ticket.Number(-0.25), `{"N":-0.25}`},
		{"N zero", ticket.Number(0), `{"N":0}`},
		{"N million", ticket.Number(1234567), `{"N":1234567}`},
		{"N hundred million", ticket.Number(1e8), `{"N":100000000}`},
		{"N small", ticket.Number(0.000001), `{"N":0.000001}`},
		{"N tiny", ticket.Number(1e-7), `{"N":1e-7}`},
		{"N huge", ticket.Number(1e21), `{"N":1e+21}`},
		{"N max", ticket.Number(math.MaxFloat64), `{"N":1.7976931348623157e+308}`},
		{"SL", ticket.StringList("mage", "healer"), `{"SL":["mage","healer"]}`},
		{"SL empty", ticket.StringList(), `{"SL":[]}`},
		{"SDM", ticket.StringNumberMap(map[string]float64{"mage": 1, "healer": 0.5}), `{"SDM":{"healer":0.5,"mage":1}}`},
		{"SDM large values", ticket.StringNumberMap(map[string]float64{"a": 2500000, "b": -1e-7}), `{"SDM":{"a":2500000,"b":-1e-7}}`},
		{"SDM empty", ticket.StringNumberMap(nil), `{"SDM":{}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if string(b) != tc.json {
				t.Errorf("Marshal = %s, want %s", b, tc.json)
			}
			var got ticket.AttributeValue
			if err := json.Unmarshal([]byte(tc.json), &got); err != nil {
				t.Fatalf("Unmarshal(%s): %v", tc.json, err)
			}
			if !got.Equal(tc.v) {
				t.Errorf("Unmarshal(%s) = %#v, want %#v", tc.json, got, tc.v)
			}
			if got.Kind() != tc.v.Kind() {
				t.Errorf("Unmarshal(%s) kind = %v, want %v", tc.json, got.Kind(), tc.v.Kind())
			}
			if tc.v.GoString() != tc.json {
				t.Errorf("GoString = %s, want %s", tc.v.GoString(), tc.json)
			}
		})
	}
}

func TestAttributeJSONDecodeForms(t *testing.T) {
	// Whitespace, key order and a map in any order decode to the same value.
	tests := []struct {
		in   string
		want ticket.AttributeValue
	}{
		{` { "S" : "x" } `, ticket.String("x")},
		{`{"N":1e2}`, ticket.Number(100)},
		{`{"N":-0}`, ticket.Number(0)},
		{`{"SL":["b","a","b"]}`, ticket.StringList("b", "a", "b")},
		{`{"SDM":{"z":1,"a":2}}`, ticket.StringNumberMap(map[string]float64{"a": 2, "z": 1})},
		// A null member counts as absent.
		{`{"S":"x","N":null}`, ticket.String("x")},
	}
	for _, tc := range tests {
		var got ticket.AttributeValue
		if err := json.Unmarshal([]byte(tc.in), &got); err != nil {
			t.Errorf("Unmarshal(%s): %v", tc.in, err)
			continue
		}
		if !got.Equal(tc.want) {
			t.Errorf("Unmarshal(%s) = %#v, want %#v", tc.in, got, tc.want)
		}
	}

	// Repeated SL items survive decoding (they are dropped by Resolve, not here).
	var l ticket.AttributeValue
	if err := json.Unmarshal([]byte(`{"SL":["a","a"]}`), &l); err != nil || !reflect.DeepEqual(l.SL(), []string{"a", "a"}) {
		t.Errorf("SL with a repeat decoded to %v, %v", l.SL(), err)
	}

	// Malformed JSON and members of the wrong JSON type are decode errors.
	for _, in := range []string{
		``, `{`, `"S"`, `[]`, `42`, `{"S":1}`, `{"N":"1"}`, `{"SL":"a"}`, `{"SL":[1]}`,
		`{"SDM":[]}`, `{"SDM":{"a":"1"}}`, `{"N":1e400}`,
	} {
		var v ticket.AttributeValue
		if err := json.Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("Unmarshal(%s) = %#v, want an error", in, v)
		}
	}
}

// TestAttributeJSONInvalidMembers checks that a value with no member or with
// several members decodes without error to an invalid value, and that
// ValidatePlayers reports it by field path.
func TestAttributeJSONInvalidMembers(t *testing.T) {
	tests := []struct {
		in      string
		problem string
	}{
		{`{}`, "sets no value; exactly one of S, N, SL and SDM is required"},
		{`{"X":"y"}`, "sets no value; exactly one of S, N, SL and SDM is required"},
		{`{"S":null}`, "sets no value; exactly one of S, N, SL and SDM is required"},
		{`null`, "sets no value; exactly one of S, N, SL and SDM is required"},
		{`{"S":"a","N":1}`, "sets S and N; exactly one of S, N, SL and SDM is allowed"},
		{`{"SL":["a"],"SDM":{"a":1}}`, "sets SL and SDM; exactly one of S, N, SL and SDM is allowed"},
		{`{"S":"a","N":1,"SL":[],"SDM":{}}`, "sets S and N and SL and SDM; exactly one of S, N, SL and SDM is allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			doc := `[{"PlayerId":"p1","PlayerAttributes":{"skill":` + tc.in + `}}]`
			var players []ticket.Player
			if err := json.Unmarshal([]byte(doc), &players); err != nil {
				t.Fatalf("Unmarshal(%s): %v", doc, err)
			}
			v := players[0].PlayerAttributes["skill"]
			if v.Kind() != ticket.KindNone {
				t.Fatalf("decoded kind %v, want KindNone", v.Kind())
			}
			err := ticket.ValidatePlayers(players, ticket.PlayerRules{})
			want := []ticket.FieldError{{Field: "Players[0].PlayerAttributes.skill", Problem: tc.problem}}
			var ve *ticket.ValidationError
			if !errors.As(err, &ve) || !reflect.DeepEqual(ve.Problems, want) {
				t.Fatalf("ValidatePlayers = %v, want %v", err, want)
			}
			if err := ticket.CheckValue("v", v); err == nil || err.Error() != "v: "+tc.problem {
				t.Errorf("CheckValue = %v, want %q", err, "v: "+tc.problem)
			}
			// An invalid value encodes as an empty union.
			if b, err := json.Marshal(v); err != nil || string(b) != "{}" {
				t.Errorf("Marshal of the invalid value = %s, %v; want {}", b, err)
			}
		})
	}
}

func TestAttributeJSONRefusesNonFinite(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		for _, v := range []ticket.AttributeValue{
			ticket.Number(f),
			ticket.StringNumberMap(map[string]float64{"a": 1, "b": f}),
		} {
			if b, err := v.MarshalJSON(); err == nil {
				t.Errorf("%v.MarshalJSON() = %s, want an error", v.Kind(), b)
			}
			if b, err := json.Marshal(v); err == nil {
				t.Errorf("json.Marshal(%v with %v) = %s, want an error", v.Kind(), f, b)
			}
			p := []ticket.Player{{PlayerID: "p", PlayerAttributes: map[string]ticket.AttributeValue{"x": v}}}
			if b, err := json.Marshal(p); err == nil {
				t.Errorf("json.Marshal(players with %v) = %s, want an error", f, b)
			}
		}
	}
}

func TestAttributeJSONMapKeysSorted(t *testing.T) {
	m := map[string]float64{}
	for _, k := range []string{"k9", "k1", "k5", "a", "K", "k10", "é", "0"} {
		m[k] = 1
	}
	want := `{"SDM":{"0":1,"K":1,"a":1,"k1":1,"k10":1,"k5":1,"k9":1,"é":1}}`
	// Map iteration order is random; encode many times.
	for range 50 {
		b, err := json.Marshal(ticket.StringNumberMap(m))
		if err != nil || string(b) != want {
			t.Fatalf("Marshal = %s, %v; want %s", b, err, want)
		}
	}
	var v ticket.AttributeValue
	if err := json.Unmarshal([]byte(`{"SDM":{"k9":1,"0":1,"é":1,"k1":1,"K":1,"k5":1,"a":1,"k10":1}}`), &v); err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(v); string(b) != want {
		t.Errorf("re-encoded map = %s, want %s", b, want)
	}
}

// TestPlayerJSON checks the GameLift Player shape: PlayerId always,
// PlayerAttributes, Team and LatencyInMs only when set.
func TestPlayerJSON(t *testing.T) {
	tests := []struct {
		name string
		p    ticket.Player
		json string
	}{
		{"bare", ticket.Player{PlayerID: "p1"}, `{"PlayerId":"p1"}`},
		{"full", ticket.Player{
			PlayerID: "p1",
			PlayerAttributes: map[string]ticket.AttributeValue{
				"skill": ticket.Number(23),
				"role":  ticket.String("mage"),
				"modes": ticket.StringList("ffa", "duel"),
				"char":  ticket.StringNumberMap(map[string]float64{"mage": 10, "elf": 3}),
			},
			Team:        "red",
			LatencyInMs: map[string]int{"us-west-2": 80, "us-east-1": 20},
		}, `{"PlayerId":"p1","PlayerAttributes":{"char":{"SDM":{"elf":3,"mage":10}},"modes":{"SL":["ffa","duel"]},"role":{"S":"mage"},"skill":{"N":23}},"Team":"red","LatencyInMs":{"us-east-1":20,"us-west-2":80}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.json {
				t.Errorf("Marshal =\n%s\nwant\n%s", b, tc.json)
			}
			var got ticket.Player
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if !playersEqual([]ticket.Player{got}, []ticket.Player{tc.p}) {
				t.Errorf("round trip = %+v, want %+v", got, tc.p)
			}
		})
	}
}

// playersEqual compares players with AttributeValue.Equal. A nil and an
// empty map are the same request (both encode to nothing), as maps.Equal
// has it.
func playersEqual(a, b []ticket.Player) bool {
	return slices.EqualFunc(a, b, func(x, y ticket.Player) bool {
		return x.PlayerID == y.PlayerID && x.Team == y.Team &&
			maps.Equal(x.LatencyInMs, y.LatencyInMs) &&
			maps.EqualFunc(x.PlayerAttributes, y.PlayerAttributes, ticket.AttributeValue.Equal)
	})
}

func TestAttributeGoString(t *testing.T) {
	v := ticket.StringList("a")
	if got := strings.TrimSpace(v.GoString()); got != `{"SL":["a"]}` {
		t.Errorf("GoString = %s", got)
	}
}
