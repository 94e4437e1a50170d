package ticket_test

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/ticket"
)

// rep returns s repeated n times.
func rep(s string, n int) string { return strings.Repeat(s, n) }

// numbered returns n distinct strings prefix0, prefix1, ...
func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// mkPlayers returns n valid players p0..p(n-1), each on team "red" when team
// is set.
func mkPlayers(n int, team bool) []ticket.Player {
	ps := make([]ticket.Player, n)
	for i := range ps {
		ps[i].PlayerID = fmt.Sprintf("p%d", i)
		if team {
			ps[i].Team = "red"
		}
	}
	return ps
}

// withAttr returns valid players p0..p(n-1) where player at carries
// attribute name with value v.
func withAttr(n, at int, name string, v ticket.AttributeValue) []ticket.Player {
	ps := mkPlayers(n, false)
	ps[at].PlayerAttributes = map[string]ticket.AttributeValue{name: v}
	return ps
}

// nAttrs returns a map of n number attributes a0..a(n-1).
func nAttrs(n int) map[string]ticket.AttributeValue {
	m := make(map[string]ticket.AttributeValue, n)
	for i := range n {
		m[fmt.Sprintf("a%d", i)] = ticket.Number(float64(i))
	}
	return m
}

// nMap returns a string-number map of n entries k0..k(n-1).
func nMap(n int) map[string]float64 {
	m := make(map[string]float64, n)
	for i := range n {
		m[fmt.Sprintf("k%d", i)] = float64(i)
	}
	return m
}

func with(ps []ticket.Player, f func(ps []ticket.Player)) []ticket.Player {
	f(ps)
	return ps
}

// pastInt32 returns 2^31, which only a 64-bit int can hold.
func pastInt32() int {
	var n int64 = math.MaxInt32 + 1
	return int(n)
}

var backfill = ticket.PlayerRules{MaxPlayers: ticket.MaxPlayersPerBackfill, RequireTeam: true}

// TestValidatePlayersLimits exercises every ticket and player limit of
// SPEC.md section 8 at the limit (no problems) and one past it (exactly the
// listed problems, by field path and text; each text names the limit).
func TestValidatePlayersLimits(t *testing.T) {
	type problem = ticket.FieldError
	tests := []struct {
		name    string
		players []ticket.Player
		rules   ticket.PlayerRules
		want    []problem // nil: valid
	}{
		// Players per ticket.
		{"1 player", mkPlayers(1, false), ticket.PlayerRules{}, nil},
		{"10 players", mkPlayers(10, false), ticket.PlayerRules{}, nil},
		{"11 players", mkPlayers(11, false), ticket.PlayerRules{},
			[]problem{{"Players", "has 11 players; the limit is 10"}}},
		{"10 players explicit limit", mkPlayers(10, false), ticket.PlayerRules{MaxPlayers: ticket.MaxPlayersPerTicket}, nil},
		{"11 players explicit limit", mkPlayers(11, false), ticket.PlayerRules{MaxPlayers: ticket.MaxPlayersPerTicket},
			[]problem{{"Players", "has 11 players; the limit is 10"}}},
		{"199 players backfill", mkPlayers(199, true), backfill, nil},
		{"200 players backfill", mkPlayers(200, true), backfill,
			[]problem{{"Players", "has 200 players; the limit is 199"}}},
		{"199 players without backfill rules", mkPlayers(199, true), ticket.PlayerRules{},
			[]problem{{"Players", "has 199 players; the limit is 10"}}},
		{"nil player list", nil, ticket.PlayerRules{},
			[]problem{{"Players", "is empty; at least 1 player is required"}}},
		{"empty player list", []ticket.Player{}, backfill,
			[]problem{{"Players", "is empty; at least 1 player is required"}}},

		// Attributes per player.
		{"10 attributes", with(mkPlayers(1, false), func(ps []ticket.Player) { ps[0].PlayerAttributes = nAttrs(10) }), ticket.PlayerRules{}, nil},
		{"11 attributes", with(mkPlayers(2, false), func(ps []ticket.Player) { ps[1].PlayerAttributes = nAttrs(11) }), ticket.PlayerRules{},
			[]problem{{"Players[1].PlayerAttributes", "has 11 attributes; the limit is 10"}}},
		{"no attributes", with(mkPlayers(1, false), func(ps []ticket.Player) {
			ps[0].PlayerAttributes = map[string]ticket.AttributeValue{}
		}), ticket.PlayerRules{}, nil},

		// Attribute names.
		{"attribute name 1", withAttr(1, 0, "s", ticket.Number(1)), ticket.PlayerRules{}, nil},
		{"attribute name 1024", withAttr(1, 0, rep("n", 1024), ticket.Number(1)), ticket.PlayerRules{}, nil},
		{"attribute name 1024 multibyte", withAttr(1, 0, rep("名", 1024), ticket.Number(1)), ticket.PlayerRules{}, nil},
		{"attribute name 1025", withAttr(1, 0, rep("n", 1025), ticket.Number(1)), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes", "has an attribute name of 1025 characters; names must be 1 to 1024 characters"}}},
		{"attribute name 1025 multibyte", withAttr(1, 0, rep("名", 1025), ticket.Number(1)), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes", "has an attribute name of 1025 characters; names must be 1 to 1024 characters"}}},
		{"attribute name empty", withAttr(2, 1, "", ticket.Number(1)), ticket.PlayerRules{},
			[]problem{{"Players[1].PlayerAttributes", "has an attribute name of 0 characters; names must be 1 to 1024 characters"}}},

		// S.
		{"S 1", withAttr(4, 3, "skill", ticket.String("a")), ticket.PlayerRules{}, nil},
		{"S 100", withAttr(4, 3, "skill", ticket.String(rep("a", 100))), ticket.PlayerRules{}, nil},
		{"S 101", withAttr(4, 3, "skill", ticket.String(rep("a", 101))), ticket.PlayerRules{},
			[]problem{{"Players[3].PlayerAttributes.skill.S", "is 101 characters long; the limit is 100"}}},
		// 100 characters of 3 bytes each is 300 bytes and still valid.
		{"S 100 multibyte", withAttr(4, 3, "skill", ticket.String(rep("日", 100))), ticket.PlayerRules{}, nil},
		{"S 100 mixed widths", withAttr(1, 0, "skill", ticket.String(rep("é", 50)+rep("😀", 50))), ticket.PlayerRules{}, nil},
		{"S 101 multibyte", withAttr(4, 3, "skill", ticket.String(rep("日", 101))), ticket.PlayerRules{},
			[]problem{{"Players[3].PlayerAttributes.skill.S", "is 101 characters long; the limit is 100"}}},
		{"S empty", withAttr(1, 0, "skill", ticket.String("")), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes.skill.S", "is empty; it must have 1 to 100 characters"}}},

		// SL.
		{"SL empty list", withAttr(1, 0, "tags", ticket.StringList()), ticket.PlayerRules{}, nil},
		{"SL 100 items", withAttr(1, 0, "tags", ticket.StringList(numbered("t", 100)...)), ticket.PlayerRules{}, nil},
		{"SL 101 items", withAttr(1, 0, "tags", ticket.StringList(numbered("t", 101)...)), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes.tags.SL", "has 101 items; the limit is 100"}}},
		// Repeats count as items in the request (FlexMatch ignores them only when matching).
		{"SL 101 items with repeats", withAttr(1, 0, "tags", ticket.StringList(strings.Split(rep("x,", 100)+"x", ",")...)), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes.tags.SL", "has 101 items; the limit is 100"}}},
		{"SL item 100", withAttr(2, 1, "tags", ticket.StringList("a", "b", "c", "d", rep("é", 100))), ticket.PlayerRules{}, nil},
		{"SL item 101", withAttr(2, 1, "tags", ticket.StringList("a", "b", "c", "d", rep("é", 101))), ticket.PlayerRules{},
			[]problem{{"Players[1].PlayerAttributes.tags.SL[4]", "is 101 characters long; the limit is 100"}}},
		{"SL item empty", withAttr(2, 1, "tags", ticket.StringList("a", "")), ticket.PlayerRules{},
			[]problem{{"Players[1].PlayerAttributes.tags.SL[1]", "is empty; it must have 1 to 100 characters"}}},

		// SDM.
		{"SDM empty", withAttr(1, 0, "m", ticket.StringNumberMap(nil)), ticket.PlayerRules{}, nil},
		{"SDM 10 entries", withAttr(1, 0, "m", ticket.StringNumberMap(nMap(10))), ticket.PlayerRules{}, nil},
		{"SDM 11 entries", withAttr(1, 0, "m", ticket.StringNumberMap(nMap(11))), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes.m.SDM", "has 11 entries; the limit is 10"}}},
		{"SDM key 1", withAttr(1, 0, "m", ticket.StringNumberMap(map[string]float64{"k": 1})), ticket.PlayerRules{}, nil},
		{"SDM key 100", withAttr(1, 0, "m", ticket.StringNumberMap(map[string]float64{rep("ü", 100): 1})), ticket.PlayerRules{}, nil},
		{"SDM key 101", withAttr(1, 0, "m", ticket.StringNumberMap(map[string]float64{rep("ü", 101): 1, "ok": 2})), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes.m.SDM", "has a key of 101 characters; keys must be 1 to 100 characters"}}},
		{"SDM key empty", withAttr(1, 0, "m", ticket.StringNumberMap(map[string]float64{"": 1})), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes.m.SDM", "has a key of 0 characters; keys must be 1 to 100 characters"}}},
		{"SDM value NaN", withAttr(1, 0, "m", ticket.StringNumberMap(map[string]float64{"a": 1, "b": math.NaN()})), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes.m.SDM.b", "is NaN; numbers must be finite and at most 1e+100 in magnitude"}}},
		{"SDM value -Inf", withAttr(1, 0, "m", ticket.StringNumberMap(map[string]float64{"a": math.Inf(-1)})), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes.m.SDM.a", "is -Inf; numbers must be finite and at most 1e+100 in magnitude"}}},
		{"SDM value max", withAttr(1, 0, "m", ticket.StringNumberMap(map[string]float64{"a": -ticket.MaxNumber})), ticket.PlayerRules{}, nil},
		{"SDM value past max", withAttr(1, 0, "m", ticket.StringNumberMap(map[string]float64{"a": -math.MaxFloat64})), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes.m.SDM.a", "is -1.7976931348623157e+308; numbers must be finite and at most 1e+100 in magnitude"}}},

		// N.
		{"N max", withAttr(1, 0, "skill", ticket.Number(ticket.MaxNumber)), ticket.PlayerRules{}, nil},
		{"N past max (sums of such values overflow)", withAttr(1, 0, "skill", ticket.Number(math.MaxFloat64)), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes.skill.N", "is 1.7976931348623157e+308; numbers must be finite and at most 1e+100 in magnitude"}}},
		{"N smallest", withAttr(1, 0, "skill", ticket.Number(-math.SmallestNonzeroFloat64)), ticket.PlayerRules{}, nil},
		{"N NaN", withAttr(1, 0, "skill", ticket.Number(math.NaN())), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes.skill.N", "is NaN; numbers must be finite and at most 1e+100 in magnitude"}}},
		{"N +Inf", withAttr(1, 0, "skill", ticket.Number(math.Inf(1))), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes.skill.N", "is +Inf; numbers must be finite and at most 1e+100 in magnitude"}}},
		{"N -Inf", withAttr(1, 0, "skill", ticket.Number(math.Inf(-1))), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes.skill.N", "is -Inf; numbers must be finite and at most 1e+100 in magnitude"}}},

		// A value with no member set.
		{"zero value", withAttr(1, 0, "skill", ticket.AttributeValue{}), ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerAttributes.skill", "sets no value; exactly one of S, N, SL and SDM is required"}}},

		// PlayerId.
		{"PlayerId 1", []ticket.Player{{PlayerID: "x"}}, ticket.PlayerRules{}, nil},
		{"PlayerId 1024", []ticket.Player{{PlayerID: rep("x", 1024)}}, ticket.PlayerRules{}, nil},
		{"PlayerId 1024 multibyte", []ticket.Player{{PlayerID: rep("ß", 1024)}}, ticket.PlayerRules{}, nil},
		{"PlayerId 1025", []ticket.Player{{PlayerID: "a"}, {PlayerID: rep("x", 1025)}}, ticket.PlayerRules{},
			[]problem{{"Players[1].PlayerId", "is 1025 characters long; the limit is 1024"}}},
		{"PlayerId empty", []ticket.Player{{PlayerID: ""}}, ticket.PlayerRules{},
			[]problem{{"Players[0].PlayerId", "is empty; it must have 1 to 1024 characters"}}},

		// Team.
		{"Team 1", []ticket.Player{{PlayerID: "a", Team: "r"}}, backfill, nil},
		{"Team 1024", []ticket.Player{{PlayerID: "a", Team: rep("r", 1024)}}, backfill, nil},
		{"Team 1024 multibyte", []ticket.Player{{PlayerID: "a", Team: rep("ř", 1024)}}, backfill, nil},
		{"Team 1025", []ticket.Player{{PlayerID: "a", Team: rep("r", 1025)}}, backfill,
			[]problem{{"Players[0].Team", "is 1025 characters long; the limit is 1024"}}},
		{"Team 1025 on a new-match ticket", []ticket.Player{{PlayerID: "a", Team: rep("r", 1025)}}, ticket.PlayerRules{},
			[]problem{{"Players[0].Team", "is 1025 characters long; the limit is 1024"}}},
		{"Team optional for new matches", mkPlayers(3, false), ticket.PlayerRules{}, nil},
		{"Team required for backfill", with(mkPlayers(3, true), func(ps []ticket.Player) { ps[2].Team = "" }), backfill,
			[]problem{{"Players[2].Team", "is missing; every player of a backfill request must name its team"}}},
		{"Team required without a player limit", mkPlayers(1, false), ticket.PlayerRules{RequireTeam: true},
			[]problem{{"Players[0].Team", "is missing; every player of a backfill request must name its team"}}},

		// LatencyInMs.
		{"latency 1", with(mkPlayers(1, false), func(ps []ticket.Player) { ps[0].LatencyInMs = map[string]int{"us-east-1": 1} }), ticket.PlayerRules{}, nil},
		{"latency 0", with(mkPlayers(1, false), func(ps []ticket.Player) { ps[0].LatencyInMs = map[string]int{"us-east-1": 0} }), ticket.PlayerRules{},
			[]problem{{"Players[0].LatencyInMs.us-east-1", "is 0; latencies must be whole milliseconds of at least 1"}}},
		{"latency negative", with(mkPlayers(2, false), func(ps []ticket.Player) {
			ps[1].LatencyInMs = map[string]int{"eu-west-1": 40, "us-east-1": -5}
		}), ticket.PlayerRules{},
			[]problem{{"Players[1].LatencyInMs.us-east-1", "is -5; latencies must be whole milliseconds of at least 1"}}},
		{"latency max int32", with(mkPlayers(1, false), func(ps []ticket.Player) { ps[0].LatencyInMs = map[string]int{"us-east-1": math.MaxInt32} }), ticket.PlayerRules{}, nil},
		{"latency past int32", with(mkPlayers(1, false), func(ps []ticket.Player) { ps[0].LatencyInMs = map[string]int{"us-east-1": pastInt32()} }), ticket.PlayerRules{},
			[]problem{{"Players[0].LatencyInMs.us-east-1", "is 2147483648; the limit is 2147483647 (a 32-bit integer)"}}},
		{"latency key 1", with(mkPlayers(1, false), func(ps []ticket.Player) { ps[0].LatencyInMs = map[string]int{"x": 10} }), ticket.PlayerRules{}, nil},
		{"latency key empty", with(mkPlayers(1, false), func(ps []ticket.Player) { ps[0].LatencyInMs = map[string]int{"": 10, "x": 10} }), ticket.PlayerRules{},
			[]problem{{"Players[0].LatencyInMs", "has an empty location name; names must have at least 1 character"}}},
		{"latency empty map", with(mkPlayers(1, false), func(ps []ticket.Player) { ps[0].LatencyInMs = map[string]int{} }), ticket.PlayerRules{}, nil},

		// Duplicate player ids.
		{"distinct ids", []ticket.Player{{PlayerID: "a"}, {PlayerID: "A"}, {PlayerID: "a "}}, ticket.PlayerRules{}, nil},
		{"duplicate id", []ticket.Player{{PlayerID: "p1"}, {PlayerID: "p2"}, {PlayerID: "p1"}}, ticket.PlayerRules{},
			[]problem{{"Players[2].PlayerId", `"p1" repeats Players[0]; each player may appear once`}}},
		{"duplicate id thrice", []ticket.Player{{PlayerID: "p1"}, {PlayerID: "p1"}, {PlayerID: "p1"}}, ticket.PlayerRules{},
			[]problem{
				{"Players[1].PlayerId", `"p1" repeats Players[0]; each player may appear once`},
				{"Players[2].PlayerId", `"p1" repeats Players[0]; each player may appear once`},
			}},
		// Empty ids are reported as empty, not as repeats of each other.
		{"two empty ids", []ticket.Player{{}, {}}, ticket.PlayerRules{},
			[]problem{
				{"Players[0].PlayerId", "is empty; it must have 1 to 1024 characters"},
				{"Players[1].PlayerId", "is empty; it must have 1 to 1024 characters"},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "latency past int32" && strconv.IntSize == 32 {
				t.Skip("int cannot hold 2^31")
			}
			err := ticket.ValidatePlayers(tc.players, tc.rules)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("ValidatePlayers = %v, want nil", err)
				}
				return
			}
			var ve *ticket.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("ValidatePlayers = %v (%T), want a *ValidationError", err, err)
			}
			if !errors.Is(err, ticket.ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false")
			}
			if !reflect.DeepEqual(ve.Problems, tc.want) {
				t.Errorf("problems:\n got %q\nwant %q", ve.Problems, tc.want)
			}
		})
	}
}

// TestValidatePlayersLimitNamed checks that each past-the-limit problem
// mentions the number of the limit it breaks.
func TestValidatePlayersLimitNamed(t *testing.T) {
	tests := []struct {
		players []ticket.Player
		rules   ticket.PlayerRules
		limit   int
	}{
		{mkPlayers(ticket.MaxPlayersPerTicket+1, false), ticket.PlayerRules{}, ticket.MaxPlayersPerTicket},
		{mkPlayers(ticket.MaxPlayersPerBackfill+1, true), backfill, ticket.MaxPlayersPerBackfill},
		{with(mkPlayers(1, false), func(ps []ticket.Player) { ps[0].PlayerAttributes = nAttrs(ticket.MaxAttributesPerPlayer + 1) }), ticket.PlayerRules{}, ticket.MaxAttributesPerPlayer},
		{withAttr(1, 0, rep("n", ticket.MaxAttributeNameLength+1), ticket.Number(1)), ticket.PlayerRules{}, ticket.MaxAttributeNameLength},
		{withAttr(1, 0, "s", ticket.String(rep("a", ticket.MaxStringLength+1))), ticket.PlayerRules{}, ticket.MaxStringLength},
		{withAttr(1, 0, "l", ticket.StringList(numbered("x", ticket.MaxListItems+1)...)), ticket.PlayerRules{}, ticket.MaxListItems},
		{withAttr(1, 0, "l", ticket.StringList(rep("a", ticket.MaxStringLength+1))), ticket.PlayerRules{}, ticket.MaxStringLength},
		{withAttr(1, 0, "m", ticket.StringNumberMap(nMap(ticket.MaxMapEntries+1))), ticket.PlayerRules{}, ticket.MaxMapEntries},
		{withAttr(1, 0, "m", ticket.StringNumberMap(map[string]float64{rep("k", ticket.MaxStringLength+1): 1})), ticket.PlayerRules{}, ticket.MaxStringLength},
		{[]ticket.Player{{PlayerID: rep("p", ticket.MaxPlayerIDLength+1)}}, ticket.PlayerRules{}, ticket.MaxPlayerIDLength},
		{[]ticket.Player{{PlayerID: "p", Team: rep("t", ticket.MaxTeamLength+1)}}, ticket.PlayerRules{}, ticket.MaxTeamLength},
		{[]ticket.Player{{PlayerID: "p", LatencyInMs: map[string]int{"x": 0}}}, ticket.PlayerRules{}, 1},
	}
	for i, tc := range tests {
		err := ticket.ValidatePlayers(tc.players, tc.rules)
		var ve *ticket.ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 1 {
			t.Errorf("case %d: ValidatePlayers = %v, want one problem", i, err)
			continue
		}
		if !strings.Contains(ve.Problems[0].Problem, fmt.Sprint(tc.limit)) {
			t.Errorf("case %d: problem %q does not name the limit %d", i, ve.Problems[0].Problem, tc.limit)
		}
	}
}

func TestLimitConstants(t *testing.T) {
	got := []int{
		ticket.MaxPlayersPerTicket, ticket.MaxPlayersPerBackfill, ticket.MaxAttributesPerPlayer,
		ticket.MaxAttributeNameLength, ticket.MaxStringLength, ticket.MaxListItems, ticket.MaxMapEntries,
		ticket.MaxPlayerIDLength, ticket.MaxTeamLength, ticket.MaxTicketIDLength,
	}
	want := []int{10, 199, 10, 1024, 100, 100, 10, 1024, 1024, 128}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("limits = %v, want %v (SPEC.md section 8)", got, want)
	}
}

// TestValidatePlayersAllProblems checks that every problem of a request is
// reported at once, in player order and, within a player, in a fixed order.
func TestValidatePlayersAllProblems(t *testing.T) {
	players := []ticket.Player{
		{
			PlayerID: "",
			PlayerAttributes: map[string]ticket.AttributeValue{
				"skill": ticket.String(rep("s", 101)),
				"tags":  ticket.StringList("ok", "", rep("t", 101)),
				"bad":   {},
			},
			LatencyInMs: map[string]int{"us-west-2": 0, "us-east-1": 30},
		},
		{PlayerID: "p1", Team: rep("x", 1025)},
		{PlayerID: "p1", PlayerAttributes: map[string]ticket.AttributeValue{"n": ticket.Number(math.Inf(1))}},
	}
	players = append(players, mkPlayers(9, false)[1:]...) // p1..p8: p1 repeats again
	err := ticket.ValidatePlayers(players, ticket.PlayerRules{RequireTeam: true})
	want := []ticket.FieldError{
		{Field: "Players", Problem: "has 11 players; the limit is 10"},
		{Field: "Players[0].PlayerId", Problem: "is empty; it must have 1 to 1024 characters"},
		{Field: "Players[0].Team", Problem: "is missing; every player of a backfill request must name its team"},
		{Field: "Players[0].PlayerAttributes.bad", Problem: "sets no value; exactly one of S, N, SL and SDM is required"},
		{Field: "Players[0].PlayerAttributes.skill.S", Problem: "is 101 characters long; the limit is 100"},
		{Field: "Players[0].PlayerAttributes.tags.SL[1]", Problem: "is empty; it must have 1 to 100 characters"},
		{Field: "Players[0].PlayerAttributes.tags.SL[2]", Problem: "is 101 characters long; the limit is 100"},
		{Field: "Players[0].LatencyInMs.us-west-2", Problem: "is 0; latencies must be whole milliseconds of at least 1"},
		{Field: "Players[1].Team", Problem: "is 1025 characters long; the limit is 1024"},
		{Field: "Players[2].Team", Problem: "is missing; every player of a backfill request must name its team"},
		{Field: "Players[2].PlayerAttributes.n.N", Problem: "is +Inf; numbers must be finite and at most 1e+100 in magnitude"},
		{Field: "Players[2].PlayerId", Problem: `"p1" repeats Players[1]; each player may appear once`},
	}
	for i := 3; i < 11; i++ {
		want = append(want, ticket.FieldError{Field: fmt.Sprintf("Players[%d].Team", i), Problem: "is missing; every player of a backfill request must name its team"})
		if i == 3 {
			want = append(want, ticket.FieldError{Field: "Players[3].PlayerId", Problem: `"p1" repeats Players[1]; each player may appear once`})
		}
	}
	var ve *ticket.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("ValidatePlayers = %v, want a *ValidationError", err)
	}
	// The first MaxListedProblems are listed; the rest are counted.
	if len(want) != ticket.MaxListedProblems+1 || ve.Omitted != 1 || !strings.HasSuffix(err.Error(), "; and 1 more problem") {
		t.Errorf("Omitted = %d, message ends %q; want the 21st problem counted as 1 more", ve.Omitted, err.Error()[max(0, len(err.Error())-40):])
	}
	want = want[:ticket.MaxListedProblems]
	if len(ve.Problems) != len(want) {
		t.Errorf("%d problems, want %d", len(ve.Problems), len(want))
	}
	for i := range max(len(ve.Problems), len(want)) {
		var g, w ticket.FieldError
		if i < len(ve.Problems) {
			g = ve.Problems[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("problem %d:\n got %q\nwant %q", i, g, w)
		}
	}
	if !errors.Is(err, ticket.ErrInvalid) {
		t.Error("errors.Is(err, ErrInvalid) = false")
	}

	// Validation is deterministic despite map iteration order.
	for range 20 {
		again := ticket.ValidatePlayers(players, ticket.PlayerRules{RequireTeam: true})
		if again.Error() != err.Error() {
			t.Fatalf("second run differs:\n%v\n%v", again, err)
		}
	}
}

func TestValidationErrorText(t *testing.T) {
	err := ticket.ValidatePlayers([]ticket.Player{
		{PlayerID: "a", PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.String(rep("x", 120))}},
		{PlayerID: "a"},
	}, ticket.PlayerRules{})
	want := `Players[0].PlayerAttributes.skill.S: is 120 characters long; the limit is 100; ` +
		`Players[1].PlayerId: "a" repeats Players[0]; each player may appear once`
	if err == nil || err.Error() != want {
		t.Errorf("Error() =\n%v\nwant\n%s", err, want)
	}
	fe := ticket.FieldError{Field: "Players[0].Team", Problem: "is missing"}
	if fe.Error() != "Players[0].Team: is missing" {
		t.Errorf("FieldError.Error() = %q", fe.Error())
	}
	ve := &ticket.ValidationError{Problems: []ticket.FieldError{fe}}
	if ve.Error() != "Players[0].Team: is missing" || !errors.Is(ve, ticket.ErrInvalid) || errors.Unwrap(ve) != ticket.ErrInvalid {
		t.Errorf("ValidationError = %q, Unwrap %v", ve.Error(), errors.Unwrap(ve))
	}
	// Wrapped further, it is still recognised.
	wrapped := fmt.Errorf("StartMatchmaking: %w", err)
	var got *ticket.ValidationError
	if !errors.Is(wrapped, ticket.ErrInvalid) || !errors.As(wrapped, &got) || len(got.Problems) != 2 {
		t.Errorf("wrapped error lost its identity: %v", wrapped)
	}
}

func TestValidatePlayersDoesNotModify(t *testing.T) {
	players := []ticket.Player{{
		PlayerID:         "a",
		PlayerAttributes: map[string]ticket.AttributeValue{"l": ticket.StringList("b", "a", "b")},
		LatencyInMs:      map[string]int{"x": 5},
	}}
	if err := ticket.ValidatePlayers(players, ticket.PlayerRules{}); err != nil {
		t.Fatal(err)
	}
	if got := players[0].PlayerAttributes["l"].SL(); !reflect.DeepEqual(got, []string{"b", "a", "b"}) {
		t.Errorf("SL after validation = %v", got)
	}
}

func TestCheckValue(t *testing.T) {
	if err := ticket.CheckValue("x", ticket.String("ok")); err != nil {
		t.Errorf("CheckValue(valid) = %v", err)
	}
	err := ticket.CheckValue("rules[0].referenceValue", ticket.StringList("a", rep("b", 101)))
	var ve *ticket.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Field != "rules[0].referenceValue.SL[1]" {
		t.Errorf("CheckValue = %v", err)
	}
}

func TestValidateTicketID(t *testing.T) {
	tests := []struct {
		id   string
		want []ticket.FieldError
	}{
		{"", nil}, // the engine makes one
		{"a", nil},
		{"abc.DEF-123", nil},
		{"2f5f3a5e-5b1e-4c55-9e6a-0d5c1c9b2a10", nil},
		{"...---", nil},
		{rep("a", 128), nil},
		{rep("a", 129), []ticket.FieldError{{Field: "TicketId", Problem: "is 129 characters long; the limit is 128"}}},
		{rep("a", 200), []ticket.FieldError{{Field: "TicketId", Problem: "is 200 characters long; the limit is 128"}}},
		{"a_b", []ticket.FieldError{{Field: "TicketId", Problem: `"a_b" may contain only letters, digits, '-' and '.'`}}},
		{"a b", []ticket.FieldError{{Field: "TicketId", Problem: `"a b" may contain only letters, digits, '-' and '.'`}}},
		{"a/b", []ticket.FieldError{{Field: "TicketId", Problem: `"a/b" may contain only letters, digits, '-' and '.'`}}},
		{"ticket\n", []ticket.FieldError{{Field: "TicketId", Problem: `"ticket\n" may contain only letters, digits, '-' and '.'`}}},
		{"é", []ticket.FieldError{{Field: "TicketId", Problem: `"é" may contain only letters, digits, '-' and '.'`}}},
		// The ASCII neighbours of the allowed ranges.
		{"@", []ticket.FieldError{{Field: "TicketId", Problem: `"@" may contain only letters, digits, '-' and '.'`}}},
		{"[", []ticket.FieldError{{Field: "TicketId", Problem: `"[" may contain only letters, digits, '-' and '.'`}}},
		{"`", []ticket.FieldError{{Field: "TicketId", Problem: "\"`\" may contain only letters, digits, '-' and '.'"}}},
		{"{", []ticket.FieldError{{Field: "TicketId", Problem: `"{" may contain only letters, digits, '-' and '.'`}}},
		{":", []ticket.FieldError{{Field: "TicketId", Problem: `":" may contain only letters, digits, '-' and '.'`}}},
		{"a,b", []ticket.FieldError{{Field: "TicketId", Problem: `"a,b" may contain only letters, digits, '-' and '.'`}}},
		{"azAZ09", nil},
		{"٣", []ticket.FieldError{{Field: "TicketId", Problem: `"٣" may contain only letters, digits, '-' and '.'`}}},
		{rep("_", 129), []ticket.FieldError{
			{Field: "TicketId", Problem: "is 129 characters long; the limit is 128"},
			{Field: "TicketId", Problem: `"` + rep("_", 129) + `" may contain only letters, digits, '-' and '.'`},
		}},
	}
	for _, tc := range tests {
		err := ticket.ValidateTicketID("TicketId", tc.id)
		if tc.want == nil {
			if err != nil {
				t.Errorf("ValidateTicketID(%q) = %v, want nil", tc.id, err)
			}
			continue
		}
		var ve *ticket.ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, ticket.ErrInvalid) {
			t.Errorf("ValidateTicketID(%q) = %v, want a *ValidationError wrapping ErrInvalid", tc.id, err)
			continue
		}
		if !reflect.DeepEqual(ve.Problems, tc.want) {
			t.Errorf("ValidateTicketID(%q):\n got %q\nwant %q", tc.id, ve.Problems, tc.want)
		}
	}
	// The field name is the caller's.
	err := ticket.ValidateTicketID("TicketIds[3]", "a b")
	var ve *ticket.ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].Field != "TicketIds[3]" {
		t.Errorf("field = %v", err)
	}
}

// Ten thousand bad players give a short message: the first problems and a
// count of the rest, not a megabyte of text.
func TestValidatePlayersBoundsItsMessage(t *testing.T) {
	players := make([]ticket.Player, 10000)
	for i := range players {
		players[i] = ticket.Player{PlayerID: fmt.Sprintf("p%d", i), PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.String("")}}
	}
	err := ticket.ValidatePlayers(players, ticket.PlayerRules{})
	var ve *ticket.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != ticket.MaxListedProblems || ve.Omitted != 10001-ticket.MaxListedProblems {
		t.Fatalf("ValidatePlayers: %d problems listed, %d omitted; want %d and %d", len(ve.Problems), ve.Omitted, ticket.MaxListedProblems, 10001-ticket.MaxListedProblems)
	}
	if n := len(err.Error()); n > 4096 || !strings.Contains(err.Error(), "and 9981 more problems") {
		t.Errorf("message is %d bytes (%.80q...); want under 4 KiB ending with the count", n, err.Error())
	}
}

func TestValidatePlayersLatencyLimits(t *testing.T) {
	many := map[string]int{}
	for i := range ticket.MaxLatencyLocations + 1 {
		many[fmt.Sprintf("loc-%02d", i)] = 10
	}
	long := map[string]int{strings.Repeat("l", ticket.MaxLocationLength+1): 10}
	for _, tc := range []struct {
		name string
		lat  map[string]int
		want string
	}{
		{"too many locations", many, "Players[0].LatencyInMs: has 65 locations; the limit is 64"},
		{"long location name", long, "Players[0].LatencyInMs: has a location name of 129 characters; the limit is 128"},
	} {
		err := ticket.ValidatePlayers([]ticket.Player{{PlayerID: "p", LatencyInMs: tc.lat}}, ticket.PlayerRules{})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v; want %q", tc.name, err, tc.want)
		}
	}
	ok := map[string]int{}
	for i := range ticket.MaxLatencyLocations {
		ok[fmt.Sprintf("loc-%02d", i)] = 10
	}
	ok[strings.Repeat("l", ticket.MaxLocationLength)] = 5
	delete(ok, "loc-00")
	if err := ticket.ValidatePlayers([]ticket.Player{{PlayerID: "p", LatencyInMs: ok}}, ticket.PlayerRules{}); err != nil {
		t.Errorf("64 locations, one of 128 characters: %v", err)
	}
}
