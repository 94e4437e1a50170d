package ticket_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/matchforge/matchforge/ticket"
)

func ptr(v ticket.AttributeValue) *ticket.AttributeValue { return &v }

func mustSchema(t testing.TB, attrs ...ticket.Attr) *ticket.Schema {
	t.Helper()
	s, err := ticket.NewSchema(attrs)
	if err != nil {
		t.Fatalf("NewSchema: %v", err)
	}
	return s
}

func mustResolve(t testing.TB, s *ticket.Schema, players []ticket.Player, locs *ticket.Locations) *ticket.Resolved {
	t.Helper()
	if err := ticket.ValidatePlayers(players, ticket.PlayerRules{}); err != nil {
		t.Fatalf("ValidatePlayers: %v", err)
	}
	r, err := s.Resolve(players, locs)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return r
}

func TestNewSchemaErrors(t *testing.T) {
	many := make([]ticket.Attr, ticket.MaxSchemaAttributes+1)
	for i := range many {
		many[i] = ticket.Attr{Name: fmt.Sprintf("a%d", i), Kind: ticket.KindNumber}
	}
	tests := []struct {
		name  string
		attrs []ticket.Attr
		want  string
	}{
		{"duplicate", []ticket.Attr{
			{Name: "skill", Kind: ticket.KindNumber},
			{Name: "role", Kind: ticket.KindString},
			{Name: "skill", Kind: ticket.KindString},
		}, `invalid request: attribute "skill" declared twice`},
		{"kind none", []ticket.Attr{{Name: "x", Kind: ticket.KindNone}}, `invalid request: attribute "x" has no type`},
		{"kind unknown", []ticket.Attr{{Name: "x", Kind: ticket.KindMap + 1}}, `invalid request: attribute "x" has no type`},
		{"kind 255", []ticket.Attr{{Name: "x", Kind: 255}}, `invalid request: attribute "x" has no type`},
		{"default of wrong kind", []ticket.Attr{{Name: "skill", Kind: ticket.KindNumber, Default: ptr(ticket.String("10"))}},
			`invalid request: attribute "skill" is number but its default is string`},
		{"list default for a map", []ticket.Attr{{Name: "m", Kind: ticket.KindMap, Default: ptr(ticket.StringList("a"))}},
			`invalid request: attribute "m" is string_number_map but its default is string_list`},
		{"empty default", []ticket.Attr{{Name: "s", Kind: ticket.KindString, Default: ptr(ticket.AttributeValue{})}},
			`invalid request: attribute "s" is string but its default is none`},
		{"too many", many, "invalid request: 65 attributes declared; the limit is 64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ticket.NewSchema(tc.attrs)
			if err == nil {
				t.Fatalf("NewSchema = %v, want an error", s)
			}
			if s != nil {
				t.Errorf("NewSchema returned a schema with its error")
			}
			if !errors.Is(err, ticket.ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error = %q, want %q", err, tc.want)
			}
		})
	}
	// Exactly the limit is fine, and so is no attribute at all.
	if _, err := ticket.NewSchema(many[:ticket.MaxSchemaAttributes]); err != nil {
		t.Errorf("NewSchema(64 attributes) = %v", err)
	}
	if s, err := ticket.NewSchema(nil); err != nil || len(s.Attrs()) != 0 {
		t.Errorf("NewSchema(nil) = %v, %v", s, err)
	}
}

func TestSchemaSlots(t *testing.T) {
	attrs := []ticket.Attr{
		{Name: "skill", Kind: ticket.KindNumber},
		{Name: "role", Kind: ticket.KindString},
		{Name: "modes", Kind: ticket.KindList},
		{Name: "level", Kind: ticket.KindNumber},
		{Name: "chars", Kind: ticket.KindMap},
		{Name: "maps", Kind: ticket.KindList},
		{Name: "region", Kind: ticket.KindString},
		{Name: "elo", Kind: ticket.KindNumber},
	}
	s := mustSchema(t, attrs...)
	attrs[0].Name = "changed" // NewSchema keeps its own copy
	want := []struct {
		kind ticket.Kind
		slot int
	}{
		{ticket.KindNumber, 0}, {ticket.KindString, 0}, {ticket.KindList, 0}, {ticket.KindNumber, 1},
		{ticket.KindMap, 0}, {ticket.KindList, 1}, {ticket.KindString, 1}, {ticket.KindNumber, 2},
	}
	for i, w := range want {
		k, slot := s.Slot(i)
		if k != w.kind || slot != w.slot {
			t.Errorf("Slot(%d) = %v, %d; want %v, %d", i, k, slot, w.kind, w.slot)
		}
	}
	for k, n := range map[ticket.Kind]int{ticket.KindNumber: 3, ticket.KindString: 2, ticket.KindList: 2, ticket.KindMap: 1, ticket.KindNone: 0} {
		if got := s.Slots(k); got != n {
			t.Errorf("Slots(%v) = %d, want %d", k, got, n)
		}
	}
	if i, ok := s.Lookup("maps"); !ok || i != 5 {
		t.Errorf("Lookup(maps) = %d, %v", i, ok)
	}
	if _, ok := s.Lookup("nope"); ok {
		t.Error("Lookup(nope) found something")
	}
	if got := s.Attrs(); len(got) != 8 || got[0].Name != "skill" || got[7].Name != "elo" {
		t.Errorf("Attrs = %+v", got)
	}
}

// TestResolveValues resolves players with every kind and reads each value
// back by slot.
func TestResolveValues(t *testing.T) {
	s := mustSchema(t,
		ticket.Attr{Name: "skill", Kind: ticket.KindNumber},
		ticket.Attr{Name: "role", Kind: ticket.KindString},
		ticket.Attr{Name: "modes", Kind: ticket.KindList},
		ticket.Attr{Name: "chars", Kind: ticket.KindMap},
		ticket.Attr{Name: "level", Kind: ticket.KindNumber, Default: ptr(ticket.Number(5))},
		ticket.Attr{Name: "region", Kind: ticket.KindString, Default: ptr(ticket.String("any"))},
		ticket.Attr{Name: "maps", Kind: ticket.KindList, Default: ptr(ticket.StringList("z", "a"))},
		ticket.Attr{Name: "weights", Kind: ticket.KindMap, Default: ptr(ticket.StringNumberMap(map[string]float64{"w": 1}))},
	)
	players := []ticket.Player{
		{
			PlayerID: "p0",
			PlayerAttributes: map[string]ticket.AttributeValue{
				"skill": ticket.Number(10),
				"role":  ticket.String("mage"),
				"modes": ticket.StringList("ffa", "duel", "ffa", "ctf", "duel"),
				"chars": ticket.StringNumberMap(map[string]float64{"elf": 2, "dwarf": 1}),
				"level": ticket.Number(7),
				"extra": ticket.String("carried"),
			},
			Team: "red",
		},
		{
			PlayerID: "p1",
			PlayerAttributes: map[string]ticket.AttributeValue{
				"skill": ticket.Number(30),
				"role":  ticket.String("tank"),
				"modes": ticket.StringList("duel"),
				"chars": ticket.StringNumberMap(nil),
			},
		},
	}
	r := mustResolve(t, s, players, ticket.NewLocations())

	if r.Players() != 2 || r.PlayerID(0) != "p0" || r.PlayerID(1) != "p1" || r.Schema() != s {
		t.Errorf("Players %d, ids %q %q", r.Players(), r.PlayerID(0), r.PlayerID(1))
	}
	if r.Team(0) != "red" || r.Team(1) != "" {
		t.Errorf("Team = %q, %q", r.Team(0), r.Team(1))
	}
	if r.Missing() != -1 {
		t.Errorf("Missing = %d, want -1", r.Missing())
	}

	// Number slots: skill 0, level 1.
	if r.Num(0, 0) != 10 || r.Num(1, 0) != 30 || r.Num(0, 1) != 7 || r.Num(1, 1) != 5 {
		t.Errorf("Num = %v %v %v %v", r.Num(0, 0), r.Num(1, 0), r.Num(0, 1), r.Num(1, 1))
	}
	// String slots: role 0, region 1.
	if r.Str(0, 0) != "mage" || r.Str(1, 0) != "tank" || r.Str(0, 1) != "any" || r.Str(1, 1) != "any" {
		t.Errorf("Str = %q %q %q %q", r.Str(0, 0), r.Str(1, 0), r.Str(0, 1), r.Str(1, 1))
	}
	// List slots: modes 0, maps 1. List is a sorted set.
	if got := r.List(0, 0); !reflect.DeepEqual(got, []string{"ctf", "duel", "ffa"}) {
		t.Errorf("List(0, 0) = %q, want [ctf duel ffa]", got)
	}
	if got := r.List(1, 0); !reflect.DeepEqual(got, []string{"duel"}) {
		t.Errorf("List(1, 0) = %q", got)
	}
	if got := r.List(0, 1); !reflect.DeepEqual(got, []string{"a", "z"}) {
		t.Errorf("List(0, 1) (default) = %q, want [a z]", got)
	}
	// Map slots: chars 0, weights 1.
	if got := r.Map(0, 0); !reflect.DeepEqual(got, []ticket.MapEntry{{Key: "dwarf", Value: 1}, {Key: "elf", Value: 2}}) {
		t.Errorf("Map(0, 0) = %v", got)
	}
	if got := r.Map(1, 0); len(got) != 0 {
		t.Errorf("Map(1, 0) = %v, want empty", got)
	}
	if got := r.Map(1, 1); !reflect.DeepEqual(got, []ticket.MapEntry{{Key: "w", Value: 1}}) {
		t.Errorf("Map(1, 1) (default) = %v", got)
	}

	// Supplied and Value: defaults are applied but not supplied.
	supplied := [2][8]bool{
		{true, true, true, true, true, false, false, false},
		{true, true, true, true, false, false, false, false},
	}
	for p := range 2 {
		for i := range 8 {
			if got := r.Supplied(p, i); got != supplied[p][i] {
				t.Errorf("Supplied(%d, %d) = %v, want %v", p, i, got, supplied[p][i])
			}
			v, ok := r.Value(p, i)
			if !ok {
				t.Errorf("Value(%d, %d) missing", p, i)
			}
			if !supplied[p][i] && !v.Equal(*s.Attrs()[i].Default) {
				t.Errorf("Value(%d, %d) = %#v, want the default %#v", p, i, v, *s.Attrs()[i].Default)
			}
		}
	}
	if v, _ := r.Value(0, 2); !v.Equal(ticket.StringList("ffa", "duel", "ctf")) {
		t.Errorf("Value(0, modes) = %#v, want the first-occurrence order without repeats", v)
	}
	if v, _ := r.Value(1, 4); !v.Equal(ticket.Number(5)) {
		t.Errorf("Value(1, level) = %#v", v)
	}
}

// TestResolveMissing checks D20: a declared attribute without a default that
// a player lacks is not an error, but Missing names it.
func TestResolveMissing(t *testing.T) {
	s := mustSchema(t,
		ticket.Attr{Name: "a", Kind: ticket.KindNumber, Default: ptr(ticket.Number(0))},
		ticket.Attr{Name: "skill", Kind: ticket.KindNumber},
		ticket.Attr{Name: "role", Kind: ticket.KindString},
		ticket.Attr{Name: "tags", Kind: ticket.KindList},
	)
	full := map[string]ticket.AttributeValue{"skill": ticket.Number(1), "role": ticket.String("r"), "tags": ticket.StringList("t")}
	without := func(names ...string) map[string]ticket.AttributeValue {
		m := map[string]ticket.AttributeValue{}
		for k, v := range full {
			m[k] = v
		}
		for _, n := range names {
			delete(m, n)
		}
		return m
	}
	tests := []struct {
		name    string
		players []ticket.Player
		want    int
	}{
		{"none missing", []ticket.Player{{PlayerID: "x", PlayerAttributes: without()}}, -1},
		{"defaulted is not missing", []ticket.Player{{PlayerID: "x", PlayerAttributes: without("a")}}, -1},
		{"skill missing", []ticket.Player{{PlayerID: "x", PlayerAttributes: without("skill")}}, 1},
		{"no attributes at all", []ticket.Player{{PlayerID: "x"}}, 1},
		{"second player lacks tags", []ticket.Player{
			{PlayerID: "x", PlayerAttributes: without()},
			{PlayerID: "y", PlayerAttributes: without("tags")},
		}, 3},
		// The first declared attribute that some player lacks, whichever
		// player lacks it.
		{"first declared wins", []ticket.Player{
			{PlayerID: "x", PlayerAttributes: without("tags")},
			{PlayerID: "y", PlayerAttributes: without("skill")},
		}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustResolve(t, s, tc.players, ticket.NewLocations())
			if got := r.Missing(); got != tc.want {
				t.Errorf("Missing = %d, want %d", got, tc.want)
			}
			if tc.want >= 0 {
				for p := range tc.players {
					if _, has := tc.players[p].PlayerAttributes[s.Attrs()[tc.want].Name]; !has {
						if v, ok := r.Value(p, tc.want); ok {
							t.Errorf("Value(%d, missing) = %#v, true", p, v)
						}
						if r.Supplied(p, tc.want) {
							t.Errorf("Supplied(%d, missing) = true", p)
						}
					}
				}
			}
		})
	}
}

func TestResolveWrongKind(t *testing.T) {
	s := mustSchema(t,
		ticket.Attr{Name: "skill", Kind: ticket.KindNumber},
		ticket.Attr{Name: "tags", Kind: ticket.KindList},
	)
	tests := []struct {
		players []ticket.Player
		field   string
		problem string
	}{
		{[]ticket.Player{
			{PlayerID: "a", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(1)}},
			{PlayerID: "b", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.String("high")}},
		}, "Players[1].PlayerAttributes.skill", "is S, but the rule set declares skill as number (N)"},
		{[]ticket.Player{
			{PlayerID: "a", PlayerAttributes: map[string]ticket.AttributeValue{"tags": ticket.StringNumberMap(map[string]float64{"x": 1})}},
		}, "Players[0].PlayerAttributes.tags", "is SDM, but the rule set declares tags as string_list (SL)"},
		{[]ticket.Player{
			{PlayerID: "a", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.StringList("1")}},
		}, "Players[0].PlayerAttributes.skill", "is SL, but the rule set declares skill as number (N)"},
	}
	for _, tc := range tests {
		r, err := s.Resolve(tc.players, ticket.NewLocations())
		if r != nil {
			t.Errorf("Resolve returned a value with its error")
		}
		var re *ticket.ResolveError
		if !errors.As(err, &re) {
			t.Fatalf("Resolve = %v (%T), want a *ResolveError", err, err)
		}
		if re.Field != tc.field || re.Problem != tc.problem {
			t.Errorf("ResolveError = %q / %q, want %q / %q", re.Field, re.Problem, tc.field, tc.problem)
		}
		if err.Error() != tc.field+": "+tc.problem {
			t.Errorf("Error() = %q", err)
		}
		if !errors.Is(err, ticket.ErrInvalid) {
			t.Errorf("%v does not wrap ErrInvalid", err)
		}
	}
	// An undeclared attribute may have any kind.
	if _, err := s.Resolve([]ticket.Player{{PlayerID: "a", PlayerAttributes: map[string]ticket.AttributeValue{
		"skill": ticket.Number(1), "tags": ticket.StringList(), "other": ticket.String("x"),
	}}}, ticket.NewLocations()); err != nil {
		t.Errorf("Resolve with an undeclared attribute = %v", err)
	}
}

// TestResolveListRepeats checks that repeats after the first occurrence are
// ignored: List is a sorted set, and the echoed attributes keep the
// first-occurrence order without repeats.
func TestResolveListRepeats(t *testing.T) {
	s := mustSchema(t, ticket.Attr{Name: "tags", Kind: ticket.KindList})
	tests := []struct {
		in, set, echo []string
	}{
		{[]string{"b", "a", "b", "c", "a"}, []string{"a", "b", "c"}, []string{"b", "a", "c"}},
		{[]string{"a", "a", "a"}, []string{"a"}, []string{"a"}},
		{[]string{"a", "b", "c"}, []string{"a", "b", "c"}, []string{"a", "b", "c"}},
		{[]string{"c", "b", "a"}, []string{"a", "b", "c"}, []string{"c", "b", "a"}},
		{[]string{"a", "b", "b"}, []string{"a", "b"}, []string{"a", "b"}},
		{[]string{}, []string{}, []string{}},
	}
	for _, tc := range tests {
		in := append([]string(nil), tc.in...)
		players := []ticket.Player{{PlayerID: "p", PlayerAttributes: map[string]ticket.AttributeValue{
			"tags":  ticket.StringList(in...),
			"other": ticket.StringList(in...), // undeclared: echoed the same way
		}}}
		r := mustResolve(t, s, players, ticket.NewLocations())
		if got := r.List(0, 0); !reflect.DeepEqual(got, tc.set) {
			t.Errorf("%q: List = %q, want %q", tc.in, got, tc.set)
		}
		attrs := r.PlayerAttributes(0)
		for _, name := range []string{"tags", "other"} {
			if got := attrs[name]; !got.Equal(ticket.StringList(tc.echo...)) {
				t.Errorf("%q: PlayerAttributes()[%s] = %#v, want %q", tc.in, name, got, tc.echo)
			}
		}
		if v, _ := r.Value(0, 0); !v.Equal(ticket.StringList(tc.echo...)) {
			t.Errorf("%q: Value = %#v, want %q", tc.in, v, tc.echo)
		}
		if got := r.ListUnion(0); !reflect.DeepEqual(got, tc.set) {
			t.Errorf("%q: ListUnion of a single player = %q, want %q", tc.in, got, tc.set)
		}
		if got := r.ListIntersection(0); !reflect.DeepEqual(got, tc.set) {
			t.Errorf("%q: ListIntersection of a single player = %q, want %q", tc.in, got, tc.set)
		}
		// The request is untouched.
		if got := players[0].PlayerAttributes["tags"].SL(); !reflect.DeepEqual(got, tc.in) {
			t.Errorf("%q: Resolve changed the request to %q", tc.in, got)
		}
	}
}

func TestResolvePartyAggregates(t *testing.T) {
	s := mustSchema(t,
		ticket.Attr{Name: "skill", Kind: ticket.KindNumber},
		ticket.Attr{Name: "level", Kind: ticket.KindNumber, Default: ptr(ticket.Number(4))},
		ticket.Attr{Name: "modes", Kind: ticket.KindList},
		ticket.Attr{Name: "maps", Kind: ticket.KindList, Default: ptr(ticket.StringList("x"))},
	)
	players := []ticket.Player{
		{PlayerID: "a", PlayerAttributes: map[string]ticket.AttributeValue{
			"skill": ticket.Number(10), "modes": ticket.StringList("ffa", "duel", "ctf"),
			"maps": ticket.StringList("y", "x"),
		}},
		{PlayerID: "b", PlayerAttributes: map[string]ticket.AttributeValue{
			"skill": ticket.Number(40), "level": ticket.Number(1), "modes": ticket.StringList("duel", "ctf", "koth", "duel"),
		}},
		{PlayerID: "c", PlayerAttributes: map[string]ticket.AttributeValue{
			"skill": ticket.Number(-5), "level": ticket.Number(10), "modes": ticket.StringList("ctf", "duel", "race"),
		}},
	}
	r := mustResolve(t, s, players, ticket.NewLocations())
	if got, want := r.NumAgg(0), (ticket.NumAgg{Min: -5, Max: 40, Avg: 15}); got != want {
		t.Errorf("NumAgg(skill) = %+v, want %+v", got, want)
	}
	if got, want := r.NumAgg(1), (ticket.NumAgg{Min: 1, Max: 10, Avg: 5}); got != want {
		t.Errorf("NumAgg(level) = %+v, want %+v (default 4 included)", got, want)
	}
	if got, want := r.ListUnion(0), []string{"ctf", "duel", "ffa", "koth", "race"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ListUnion(modes) = %q, want %q", got, want)
	}
	if got, want := r.ListIntersection(0), []string{"ctf", "duel"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ListIntersection(modes) = %q, want %q", got, want)
	}
	if got, want := r.ListUnion(1), []string{"x", "y"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ListUnion(maps) = %q, want %q", got, want)
	}
	if got, want := r.ListIntersection(1), []string{"x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ListIntersection(maps) = %q, want %q", got, want)
	}
	// Aggregates do not disturb the members' own sets.
	if got := r.List(0, 0); !reflect.DeepEqual(got, []string{"ctf", "duel", "ffa"}) {
		t.Errorf("List(0, modes) = %q after aggregation", got)
	}

	// Disjoint lists intersect to an empty (non-nil is not required) set.
	r2 := mustResolve(t, s, []ticket.Player{
		{PlayerID: "a", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(1), "modes": ticket.StringList("a")}},
		{PlayerID: "b", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(1), "modes": ticket.StringList("b")}},
	}, ticket.NewLocations())
	if got := r2.ListIntersection(0); len(got) != 0 {
		t.Errorf("ListIntersection of disjoint lists = %q", got)
	}
	if got := r2.ListUnion(0); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("ListUnion of disjoint lists = %q", got)
	}

	// A single player's aggregates are its own values.
	r3 := mustResolve(t, s, players[1:2], ticket.NewLocations())
	if got, want := r3.NumAgg(0), (ticket.NumAgg{Min: 40, Max: 40, Avg: 40}); got != want {
		t.Errorf("single-player NumAgg = %+v, want %+v", got, want)
	}
}

func TestResolveLatency(t *testing.T) {
	s := mustSchema(t)
	locs := ticket.NewLocations()
	east := locs.ID("us-east-1") // 0
	west := locs.ID("us-west-2") // 1
	players := []ticket.Player{
		{PlayerID: "a", LatencyInMs: map[string]int{"us-west-2": 80, "us-east-1": 20, "eu-west-1": 100}},
		{PlayerID: "b", LatencyInMs: map[string]int{"us-east-1": 60, "us-west-2": 30}},
		{PlayerID: "c", LatencyInMs: map[string]int{"us-west-2": 41, "us-east-1": 10, "ap-south-1": 5}},
	}
	r := mustResolve(t, s, players, locs)
	eu, ok := locs.Lookup("eu-west-1")
	if !ok {
		t.Fatal("eu-west-1 was not interned")
	}
	ap, _ := locs.Lookup("ap-south-1")
	if locs.Len() != 4 {
		t.Errorf("Len = %d, want 4", locs.Len())
	}

	// Latencies are sorted by location id.
	for p := range players {
		l := latenciesOf(r, p)
		if len(l) != len(players[p].LatencyInMs) {
			t.Errorf("Latencies(%d) = %v", p, l)
		}
		for i := range l {
			if i > 0 && l[i-1].Loc >= l[i].Loc {
				t.Errorf("Latencies(%d) not sorted by id: %v", p, l)
			}
			if int(l[i].Ms) != players[p].LatencyInMs[locs.Name(l[i].Loc)] {
				t.Errorf("Latencies(%d)[%d] = %v", p, i, l[i])
			}
		}
	}
	if got, want := latenciesOf(r, 0), []ticket.Latency{{Loc: east, Ms: 20}, {Loc: west, Ms: 80}, {Loc: eu, Ms: 100}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Latencies(0) = %v, want %v", got, want)
	}
	if got, want := latenciesOf(r, 2), []ticket.Latency{{Loc: east, Ms: 10}, {Loc: west, Ms: 41}, {Loc: ap, Ms: 5}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Latencies(2) = %v, want %v", got, want)
	}

	// Only locations every member reports.
	want := []ticket.LatencyAgg{
		{Loc: east, Min: 10, Max: 60, Avg: 30},
		{Loc: west, Min: 30, Max: 80, Avg: 151.0 / 3},
	}
	if got := r.PartyLatency(); !reflect.DeepEqual(got, want) {
		t.Errorf("PartyLatency = %+v, want %+v", got, want)
	}
	for _, w := range want {
		if got, ok := r.PartyLatencyAt(w.Loc); !ok || got != w {
			t.Errorf("PartyLatencyAt(%d) = %+v, %v; want %+v", w.Loc, got, ok, w)
		}
	}
	for _, loc := range []int32{eu, ap, 99, -1} {
		if got, ok := r.PartyLatencyAt(loc); ok || got != (ticket.LatencyAgg{}) {
			t.Errorf("PartyLatencyAt(%d) = %+v, %v; want none", loc, got, ok)
		}
	}
	if !r.HasLatency() {
		t.Error("HasLatency = false")
	}

	// LatencyMap rebuilds the request.
	for p := range players {
		if got := r.LatencyMap(p, locs); !reflect.DeepEqual(got, players[p].LatencyInMs) {
			t.Errorf("LatencyMap(%d) = %v, want %v", p, got, players[p].LatencyInMs)
		}
	}

	// A member without latency data: no party latency, HasLatency false.
	players = append(players, ticket.Player{PlayerID: "d"})
	r = mustResolve(t, s, players, locs)
	if got := r.PartyLatency(); len(got) != 0 {
		t.Errorf("PartyLatency with a silent member = %+v", got)
	}
	if _, ok := r.PartyLatencyAt(east); ok {
		t.Error("PartyLatencyAt with a silent member found a location")
	}
	if r.HasLatency() {
		t.Error("HasLatency with a silent member = true")
	}
	if latenciesOf(r, 3) != nil || r.LatencyMap(3, locs) != nil {
		t.Errorf("silent member: Latencies %v, LatencyMap %v", latenciesOf(r, 3), r.LatencyMap(3, locs))
	}

	// Nobody reports latency.
	r = mustResolve(t, s, []ticket.Player{{PlayerID: "a"}, {PlayerID: "b"}}, locs)
	if r.HasLatency() || latenciesOf(r, 0) != nil || r.PartyLatency() != nil || r.LatencyMap(1, locs) != nil {
		t.Error("ticket without latency data reports some")
	}

	// One player: the aggregate is the player's own latency.
	r = mustResolve(t, s, players[:1], locs)
	if got, _ := r.PartyLatencyAt(eu); got != (ticket.LatencyAgg{Loc: eu, Min: 100, Max: 100, Avg: 100}) {
		t.Errorf("single-player PartyLatencyAt = %+v", got)
	}
}

// TestLocationsDeterministic checks that interning gives the same ids for the
// same inputs, whatever the map iteration order.
func TestLocationsDeterministic(t *testing.T) {
	s := mustSchema(t)
	names := []string{"us-west-2", "eu-central-1", "ap-south-1", "us-east-1", "sa-east-1", "ap-northeast-1", "eu-west-1", "ca-central-1"}
	lat := map[string]int{}
	for i, n := range names {
		lat[n] = 10 + i
	}
	players := []ticket.Player{
		{PlayerID: "a", LatencyInMs: lat},
		{PlayerID: "b", LatencyInMs: map[string]int{"me-south-1": 3, "af-south-1": 4, "us-east-1": 5}},
	}
	var first []string
	for run := range 50 {
		locs := ticket.NewLocations()
		mustResolve(t, s, players, locs)
		var got []string
		for id := range int32(locs.Len()) {
			got = append(got, locs.Name(id))
		}
		if run == 0 {
			first = got
			continue
		}
		if !reflect.DeepEqual(got, first) {
			t.Fatalf("run %d interned %q, run 0 interned %q", run, got, first)
		}
	}
	// Within a player, names are interned in name order; across players, in
	// the order they are first seen.
	want := []string{"ap-northeast-1", "ap-south-1", "ca-central-1", "eu-central-1", "eu-west-1", "sa-east-1", "us-east-1", "us-west-2", "af-south-1", "me-south-1"}
	if !reflect.DeepEqual(first, want) {
		t.Errorf("interned %q, want %q", first, want)
	}
}

func TestLocations(t *testing.T) {
	l := ticket.NewLocations()
	if l.Len() != 0 {
		t.Errorf("Len = %d", l.Len())
	}
	if _, ok := l.Lookup("x"); ok {
		t.Error("Lookup on an empty table found x")
	}
	if l.ID("x") != 0 || l.ID("y") != 1 || l.ID("x") != 0 || l.Len() != 2 {
		t.Error("ids are not handed out in first-seen order")
	}
	if id, ok := l.Lookup("y"); !ok || id != 1 {
		t.Errorf("Lookup(y) = %d, %v", id, ok)
	}
	if l.Name(0) != "x" || l.Name(1) != "y" {
		t.Errorf("Name = %q, %q", l.Name(0), l.Name(1))
	}
	if _, ok := l.Lookup("z"); ok || l.Len() != 2 {
		t.Error("Lookup added a name")
	}
}

// TestResolveEchoesRequest checks that PlayerAttributes and LatencyMap give
// back what the request said, undeclared attributes included and defaults
// excluded.
func TestResolveEchoesRequest(t *testing.T) {
	s := mustSchema(t,
		ticket.Attr{Name: "skill", Kind: ticket.KindNumber},
		ticket.Attr{Name: "role", Kind: ticket.KindString, Default: ptr(ticket.String("any"))},
		ticket.Attr{Name: "chars", Kind: ticket.KindMap},
	)
	players := []ticket.Player{
		{
			PlayerID: "a",
			PlayerAttributes: map[string]ticket.AttributeValue{
				"skill":  ticket.Number(3),
				"chars":  ticket.StringNumberMap(map[string]float64{"b": 2, "a": 1}),
				"guild":  ticket.String("owls"),
				"badges": ticket.StringNumberMap(map[string]float64{"gold": 1}),
				"misc":   ticket.Number(-1),
			},
			LatencyInMs: map[string]int{"x": 1, "y": 2},
		},
		{PlayerID: "b", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(4), "chars": ticket.StringNumberMap(nil), "role": ticket.String("tank")}},
		{PlayerID: "c"},
	}
	locs := ticket.NewLocations()
	r := mustResolve(t, s, players, locs)
	for p := range players {
		got := r.PlayerAttributes(p)
		want := players[p].PlayerAttributes
		if len(got) != len(want) {
			t.Errorf("PlayerAttributes(%d) has %d entries, want %d: %v", p, len(got), len(want), got)
		}
		for k, v := range want {
			if !got[k].Equal(v) {
				t.Errorf("PlayerAttributes(%d)[%s] = %#v, want %#v", p, k, got[k], v)
			}
		}
		if !reflect.DeepEqual(r.LatencyMap(p, locs), players[p].LatencyInMs) {
			t.Errorf("LatencyMap(%d) = %v, want %v", p, r.LatencyMap(p, locs), players[p].LatencyInMs)
		}
	}
	if r.PlayerAttributes(2) != nil {
		t.Errorf("PlayerAttributes of a player without attributes = %v, want nil", r.PlayerAttributes(2))
	}
	if _, has := r.PlayerAttributes(0)["role"]; has {
		t.Error("PlayerAttributes echoes a default the player did not supply")
	}
}

func TestResolveNoPlayers(t *testing.T) {
	s := mustSchema(t,
		ticket.Attr{Name: "skill", Kind: ticket.KindNumber},
		ticket.Attr{Name: "tags", Kind: ticket.KindList},
	)
	// ValidatePlayers rejects an empty ticket; Resolve must still not panic.
	r, err := s.Resolve(nil, ticket.NewLocations())
	if err != nil || r.Players() != 0 || r.HasLatency() || r.Missing() != -1 {
		t.Errorf("Resolve(nil) = %v, %v", r, err)
	}
}

var (
	sinkF   float64
	sinkAgg ticket.NumAgg
	sinkL   []string
	sinkLat ticket.LatencyAgg
	sinkOK  bool
)

// TestResolvedAllocs checks that the matching loop's readers allocate nothing.
func TestResolvedAllocs(t *testing.T) {
	s := mustSchema(t,
		ticket.Attr{Name: "skill", Kind: ticket.KindNumber},
		ticket.Attr{Name: "tags", Kind: ticket.KindList},
	)
	locs := ticket.NewLocations()
	var players []ticket.Player
	for i := range 5 {
		players = append(players, ticket.Player{
			PlayerID:         fmt.Sprint("p", i),
			PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(float64(i)), "tags": ticket.StringList("b", "a")},
			LatencyInMs:      map[string]int{"us-east-1": 10 + i, "us-west-2": 50, "eu-west-1": 5},
		})
	}
	r := mustResolve(t, s, players, locs)
	west, _ := locs.Lookup("us-west-2")
	checks := map[string]func(){
		"Num":    func() { sinkF = r.Num(3, 0) },
		"NumAgg": func() { sinkAgg = r.NumAgg(0) },
		"List":   func() { sinkL = r.List(2, 0) },
		"PartyLatencyAt": func() {
			sinkLat, sinkOK = r.PartyLatencyAt(west)
			sinkLat, sinkOK = r.PartyLatencyAt(99)
		},
		"other party readers": func() {
			sinkL = r.ListUnion(0)
			sinkL = r.ListIntersection(0)
			sinkOK = r.Supplied(1, 1)
			_, sinkOK = r.PlayerLatencyAt(4, west)
			r.PlayerLatencies(4, func(l ticket.Latency) { sinkF = float64(l.Ms) })
		},
	}
	for name, f := range checks {
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s allocates %v times per call", name, n)
		}
	}
}

// latenciesOf collects player p's latencies (nil when it has none).
func latenciesOf(r *ticket.Resolved, p int) []ticket.Latency {
	var out []ticket.Latency
	r.PlayerLatencies(p, func(l ticket.Latency) { out = append(out, l) })
	return out
}

// A one-player ticket of a few numbers and latencies resolves in one
// allocation (its numbers and latencies share the Resolved's), and one
// with more of either resolves alike, in three.
func TestResolveSoloAllocations(t *testing.T) {
	attrs := []ticket.Attr{{Name: "a", Kind: ticket.KindNumber}, {Name: "b", Kind: ticket.KindNumber}, {Name: "c", Kind: ticket.KindNumber}}
	names := []string{"l0", "l1", "l2", "l3", "l4"}
	for _, c := range []struct {
		nums, lats int
		allocs     float64
		decoded    float64 // DecodeResolved: the same, and the id
	}{{1, 4, 1, 2}, {2, 4, 1, 2}, {2, 0, 1, 2}, {0, 3, 1, 2}, {3, 4, 3, 4},
		// The decoder meets the latencies' count after the Resolved is made:
		// a single player's numbers take its room, and five latencies their
		// own.
		{1, 5, 3, 3}} {
		s := mustSchema(t, attrs[:c.nums]...)
		locs := ticket.NewLocations()
		p := ticket.Player{PlayerID: "p", PlayerAttributes: map[string]ticket.AttributeValue{}, LatencyInMs: map[string]int{}}
		for i := range c.nums {
			p.PlayerAttributes[attrs[i].Name] = ticket.Number(float64(10 + i))
		}
		for i := range c.lats {
			p.LatencyInMs[names[i]] = 20 + i
			locs.ID(names[i])
		}
		players := []ticket.Player{p}
		r := mustResolve(t, s, players, locs)
		for i := range c.nums {
			if v := r.Num(0, i); v != float64(10+i) {
				t.Errorf("%d numbers, %d latencies: number %d is %v; want %d", c.nums, c.lats, i, v, 10+i)
			}
		}
		if got := len(r.PartyLatency()); got != c.lats {
			t.Errorf("%d numbers, %d latencies: %d party latencies", c.nums, c.lats, got)
		}
		for i := range c.lats {
			id, _ := locs.Lookup(names[i])
			if l, ok := r.PartyLatencyAt(id); !ok || l.Min != int32(20+i) || l.Max != int32(20+i) || l.Avg != float64(20+i) {
				t.Errorf("%d numbers, %d latencies: latency at %s is %+v, %v; want %d", c.nums, c.lats, names[i], l, ok, 20+i)
			}
		}
		if n := testing.AllocsPerRun(100, func() { _, _ = s.Resolve(players, locs) }); n != c.allocs {
			t.Errorf("%d numbers, %d latencies: Resolve allocates %v times; want %v", c.nums, c.lats, n, c.allocs)
		}
		// A snapshot's copy takes the same shape.
		enc, _ := r.AppendBinary(nil)
		back, _, err := ticket.DecodeResolved(s, enc)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := back.AppendBinary(nil); !bytes.Equal(again, enc) {
			t.Errorf("%d numbers, %d latencies: the decoded copy encodes differently", c.nums, c.lats)
		}
		if n := testing.AllocsPerRun(100, func() { _, _, _ = ticket.DecodeResolved(s, enc) }); n != c.decoded {
			t.Errorf("%d numbers, %d latencies: DecodeResolved allocates %v times; want %v", c.nums, c.lats, n, c.decoded)
		}
	}
}
