package ticket_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/matchforge/matchforge/ticket"
)

// FuzzAttributeValueJSON decodes arbitrary bytes as an AttributeValue and as
// a []Player. Nothing may panic; whatever decodes and passes validation must
// encode, decode to an Equal value, and encode again to the same bytes.
// Valid players must also resolve (or fail with a *ResolveError) and echo
// their request.
func FuzzAttributeValueJSON(f *testing.F) {
	for _, seed := range []string{
		`{"S":"bronze"}`,
		`{"N":42}`,
		`{"N":-1.5e-7}`,
		`{"N":1e21}`,
		`{"SL":["a","b","a"]}`,
		`{"SL":[]}`,
		`{"SDM":{"b":2,"a":1.5}}`,
		`{"SDM":{}}`,
		`{}`,
		`null`,
		`{"S":"a","N":1}`,
		`{"s":"lower"}`,
		`{"S":"\u00e9\ud83d\ude00"}`,
		`{"S":"\xff"}`,
		`[{"PlayerId":"p1","PlayerAttributes":{"skill":{"N":23},"tags":{"SL":["x","x"]}},"LatencyInMs":{"us-east-1":20}}]`,
		`[{"PlayerId":"p1","Team":"red"},{"PlayerId":"p2","Team":"blue","LatencyInMs":{"a":1,"b":2}}]`,
		`[{"PlayerId":"p1","PlayerAttributes":{"skill":{"S":"x"},"m":{"SDM":{"k":1}},"role":{"SL":["a"]}}}]`,
		`[{"PlayerId":"p1","PlayerAttributes":{"skill":{}}}]`,
		`[{"PlayerId":"p1","LatencyInMs":{"x":2147483648}}]`,
		`[{"PlayerId":"0","LatencyInMs":{},"PlayerAttributes":{}}]`,
		`[{"playerid":"p","playerattributes":{"tags":{"sl":["b","a","b"]}}}]`,
		`[]`,
		`[null]`,
	} {
		f.Add([]byte(seed))
	}
	schema, err := ticket.NewSchema([]ticket.Attr{
		{Name: "skill", Kind: ticket.KindNumber},
		{Name: "role", Kind: ticket.KindString},
		{Name: "tags", Kind: ticket.KindList},
		{Name: "m", Kind: ticket.KindMap},
	})
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		var v ticket.AttributeValue
		if json.Unmarshal(data, &v) == nil {
			_ = v.Interface()
			_ = v.GoString()
			if ticket.CheckValue("v", v) == nil {
				b, err := json.Marshal(v)
				if err != nil {
					t.Fatalf("valid value %#v does not encode: %v", v, err)
				}
				var w ticket.AttributeValue
				if err := json.Unmarshal(b, &w); err != nil {
					t.Fatalf("re-decoding %s: %v", b, err)
				}
				if !w.Equal(v) || w.Kind() != v.Kind() {
					t.Fatalf("round trip changed the value: %#v -> %s -> %#v", v, b, w)
				}
				if ticket.CheckValue("v", w) != nil {
					t.Fatalf("round trip made %s invalid", b)
				}
				b2, err := json.Marshal(w)
				if err != nil || !bytes.Equal(b, b2) {
					t.Fatalf("encoding is not stable: %s then %s (%v)", b, b2, err)
				}
			}
		}

		var players []ticket.Player
		if json.Unmarshal(data, &players) != nil {
			return
		}
		rules := ticket.PlayerRules{MaxPlayers: ticket.MaxPlayersPerBackfill}
		if err := ticket.ValidatePlayers(players, rules); err != nil {
			var ve *ticket.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 || !errors.Is(err, ticket.ErrInvalid) {
				t.Fatalf("ValidatePlayers returned %v (%T)", err, err)
			}
			return
		}
		b, err := json.Marshal(players)
		if err != nil {
			t.Fatalf("valid players do not encode: %v", err)
		}
		var again []ticket.Player
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("re-decoding %s: %v", b, err)
		}
		if !playersEqual(again, players) {
			t.Fatalf("round trip changed the players:\n%s", b)
		}
		if err := ticket.ValidatePlayers(again, rules); err != nil {
			t.Fatalf("round trip made the players invalid: %v", err)
		}
		if b2, err := json.Marshal(again); err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("encoding is not stable:\n%s\n%s", b, b2)
		}

		locs := ticket.NewLocations()
		r, err := schema.Resolve(players, locs)
		if err != nil {
			var re *ticket.ResolveError
			if !errors.As(err, &re) {
				t.Fatalf("Resolve returned %v (%T)", err, err)
			}
			return
		}
		for p, pl := range players {
			got := r.PlayerAttributes(p)
			if len(got) != len(pl.PlayerAttributes) {
				t.Fatalf("player %d echoes %d attributes, supplied %d", p, len(got), len(pl.PlayerAttributes))
			}
			for name, want := range pl.PlayerAttributes {
				if want.Kind() == ticket.KindList {
					want = ticket.StringList(firstOccurrences(want.SL())...)
				}
				if !got[name].Equal(want) {
					t.Fatalf("player %d attribute %s echoes %#v, want %#v", p, name, got[name], want)
				}
			}
			lat := r.LatencyMap(p, locs)
			if len(lat) != len(pl.LatencyInMs) {
				t.Fatalf("player %d echoes latency %v, supplied %v", p, lat, pl.LatencyInMs)
			}
			for k, ms := range pl.LatencyInMs {
				if lat[k] != ms {
					t.Fatalf("player %d echoes latency %v, supplied %v", p, lat, pl.LatencyInMs)
				}
			}
		}
		for _, agg := range r.PartyLatency() {
			if agg.Min < 1 || agg.Min > agg.Max || agg.Avg < float64(agg.Min) || agg.Avg > float64(agg.Max) {
				t.Fatalf("party latency %+v is inconsistent", agg)
			}
		}
		for s := range schema.Slots(ticket.KindList) {
			u, in := r.ListUnion(s), r.ListIntersection(s)
			if !slices.IsSorted(u) || !slices.IsSorted(in) {
				t.Fatalf("party lists not sorted: %q %q", u, in)
			}
		}
	})
}

// firstOccurrences returns items without repeats, in first-occurrence order.
func firstOccurrences(items []string) []string {
	out := []string{}
	for _, s := range items {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
