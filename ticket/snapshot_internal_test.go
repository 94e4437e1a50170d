package ticket

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"pgregory.net/rapid"
)

// TestResolvedBinaryRoundTrip resolves random parties (every attribute
// kind, defaults, missing values, undeclared attributes, teams,
// latencies) and checks that AppendBinary then DecodeResolved gives a
// Resolved equal in every field, and that every prefix of the encoding is
// refused.
func TestResolvedBinaryRoundTrip(t *testing.T) {
	def := Number(7)
	schema, err := NewSchema([]Attr{
		{Name: "skill", Kind: KindNumber, Default: &def},
		{Name: "level", Kind: KindNumber},
		{Name: "mode", Kind: KindString},
		{Name: "tags", Kind: KindList},
		{Name: "maps", Kind: KindMap},
	})
	if err != nil {
		t.Fatal(err)
	}
	sb, _ := schema.AppendBinary(nil)
	s2, rest, err := DecodeSchema(sb)
	if err != nil || len(rest) != 0 || !reflect.DeepEqual(s2, schema) {
		t.Fatalf("schema round trip: %v, %d left, equal %v", err, len(rest), reflect.DeepEqual(s2, schema))
	}
	rapid.Check(t, func(t *rapid.T) {
		locs := NewLocations()
		n := rapid.IntRange(1, 4).Draw(t, "players")
		players := make([]Player, n)
		for p := range players {
			pl := Player{PlayerID: fmt.Sprintf("p%d", p), PlayerAttributes: map[string]AttributeValue{}}
			if rapid.Bool().Draw(t, "skill") {
				pl.PlayerAttributes["skill"] = Number(rapid.Float64Range(-5, 5).Draw(t, "v"))
			}
			if rapid.Bool().Draw(t, "level") {
				pl.PlayerAttributes["level"] = Number(float64(rapid.IntRange(0, 9).Draw(t, "level")))
			}
			if rapid.Bool().Draw(t, "mode") {
				pl.PlayerAttributes["mode"] = String(rapid.SampledFrom([]string{"a", "b"}).Draw(t, "mode"))
			}
			if rapid.Bool().Draw(t, "tags") {
				pl.PlayerAttributes["tags"] = StringList(rapid.SliceOf(rapid.SampledFrom([]string{"x", "y", "z"})).Draw(t, "tags")...)
			}
			if rapid.Bool().Draw(t, "maps") {
				pl.PlayerAttributes["maps"] = StringNumberMap(map[string]float64{"k": rapid.Float64().Draw(t, "mv")})
			}
			if rapid.Bool().Draw(t, "extra") {
				pl.PlayerAttributes["extra"] = StringList("q")
			}
			if rapid.Bool().Draw(t, "team") {
				pl.Team = "red"
			}
			if rapid.Bool().Draw(t, "latency") {
				pl.LatencyInMs = map[string]int{}
				for _, loc := range []string{"east", "west", "north"} {
					if rapid.Bool().Draw(t, loc) {
						pl.LatencyInMs[loc] = rapid.IntRange(1, 300).Draw(t, "ms")
					}
				}
			}
			players[p] = pl
		}
		r, err := schema.Resolve(players, locs)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := r.AppendBinary([]byte("head"))
		got, rest, err := DecodeResolved(schema, append(b[4:], "tail"...))
		if err != nil {
			t.Fatalf("DecodeResolved: %v", err)
		}
		if string(rest) != "tail" {
			t.Fatalf("DecodeResolved left %q, want the tail", rest)
		}
		if !reflect.DeepEqual(got, r) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", got, r)
		}
		enc := b[4:]
		for k := range len(enc) {
			if _, _, err := DecodeResolved(schema, enc[:k]); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("a prefix of %d of %d bytes: %v, want ErrCorrupt", k, len(enc), err)
			}
		}
	})
}

// TestLocationsBinaryRoundTrip checks that a decoded table hands out the
// same ids as the encoded one, released ids included.
func TestLocationsBinaryRoundTrip(t *testing.T) {
	l := NewLocations()
	for _, name := range []string{"a", "b", "c", "d"} {
		l.Retain(l.ID(name))
	}
	l.Release(1)
	l.Release(3)
	l.ID("never retained")
	b, _ := l.AppendBinary(nil)
	got, rest, err := DecodeLocations(b)
	if err != nil || len(rest) != 0 {
		t.Fatalf("DecodeLocations: %v, %d left", err, len(rest))
	}
	if !reflect.DeepEqual(got, l) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, l)
	}
	for _, name := range []string{"e", "f", "g"} {
		if a, b := l.ID(name), got.ID(name); a != b {
			t.Fatalf("ID(%q) = %d after decoding, %d before", name, b, a)
		}
	}
	for k := range len(b) {
		if _, _, err := DecodeLocations(b[:k]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("a prefix of %d bytes: %v, want ErrCorrupt", k, err)
		}
	}
}
