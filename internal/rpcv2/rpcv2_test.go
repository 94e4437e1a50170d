package rpcv2_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/matchforge/matchforge/internal/rpcv2"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wrap puts one encoded item under the key "a" of a one-entry map.
func wrap(item string) string { return "a1 61 61 " + item }

func TestRequestToJSONKinds(t *testing.T) {
	cases := []struct {
		name, hex, want string
	}{
		{"empty body", "", `{}`},
		{"empty map", "a0", `{}`},
		{"uint small", wrap("17"), `{"a":23}`},
		{"uint 1 byte", wrap("18 64"), `{"a":100}`},
		{"uint max", wrap("1b ffffffffffffffff"), `{"a":18446744073709551615}`},
		{"negint", wrap("38 63"), `{"a":-100}`},
		{"negint min int64", wrap("3b 7fffffffffffffff"), `{"a":-9223372036854775808}`},
		{"negint beyond int64", wrap("3b 8000000000000000"), `{"a":-9223372036854775809}`},
		{"negint min", wrap("3b ffffffffffffffff"), `{"a":-18446744073709551616}`},
		{"float16", wrap("f9 3e00"), `{"a":1.5}`},
		{"float16 subnormal", wrap("f9 0001"), `{"a":5.9604645e-8}`},
		{"float32", wrap("fa 3dcccccd"), `{"a":0.1}`},
		{"float64", wrap("fb 3fb999999999999a"), `{"a":0.1}`},
		{"float64 whole", wrap("fb 4014000000000000"), `{"a":5}`},
		{"float64 large", wrap("fb 4415af1d78b58c40"), `{"a":100000000000000000000}`},
		{"float64 larger", wrap("fb 444b1ae4d6e2ef50"), `{"a":1e+21}`},
		{"float64 huge", wrap("fb 7e37e43c8800759c"), `{"a":1e+300}`},
		{"float64 tiny", wrap("fb 3eb0c6f7a0b5ed8d"), `{"a":0.000001}`},
		{"float64 tinier", wrap("fb 3e7ad7f29abcaf48"), `{"a":1e-7}`},
		{"float64 negative zero", wrap("fb 8000000000000000"), `{"a":-0}`},
		{"text", wrap("63 616263"), `{"a":"abc"}`},
		{"text escapes", wrap(`62 220a`), `{"a":"\"\n"}`},
		{"text unicode", wrap("63 e282ac"), `{"a":"€"}`},
		{"text indefinite", wrap("7f 61 61 62 6263 ff"), `{"a":"abc"}`},
		{"bytes", wrap("43 010203"), `{"a":"AQID"}`},
		{"bytes indefinite", wrap("5f 41 01 42 0203 ff"), `{"a":"AQID"}`},
		{"bytes empty", wrap("40"), `{"a":""}`},
		{"true", wrap("f5"), `{"a":true}`},
		{"false", wrap("f4"), `{"a":false}`},
		{"null", wrap("f6"), `{"a":null}`},
		{"undefined", wrap("f7"), `{"a":null}`},
		{"epoch int", wrap("c1 1a 6553f100"), `{"a":1700000000}`},
		{"epoch float", wrap("c1 fb 41d954fc40075c29"), `{"a":1700000000.115}`},
		{"array", wrap("83 01 62 6869 f5"), `{"a":[1,"hi",true]}`},
		{"array indefinite", wrap("9f 01 02 ff"), `{"a":[1,2]}`},
		{"array empty", wrap("80"), `{"a":[]}`},
		{"map indefinite", "bf 61 62 01 61 61 02 ff", `{"a":2,"b":1}`},
		{"map key indefinite", "a1 7f 61 61 61 62 ff 01", `{"ab":1}`},
		{"nested", "a1 67 506c6179657273 81 a1 68 506c617965724964 62 7031", `{"Players":[{"PlayerId":"p1"}]}`},
		{"keys sorted", "a3 61 63 01 61 61 02 61 62 03", `{"a":2,"b":3,"c":1}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rpcv2.RequestToJSON(unhex(t, tc.hex))
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if !json.Valid(got) {
				t.Errorf("invalid JSON %s", got)
			}
		})
	}
}

func TestRequestToJSONErrors(t *testing.T) {
	cases := []struct {
		name, hex, path, msg string
	}{
		{"top-level array", "80", "", "must be a map"},
		{"top-level uint", "01", "", "must be a map"},
		{"non-string key", "a1 01 02", "", "key of entry 0 is a unsigned integer"},
		{"non-string key nested", "a1 67 506c6179657273 82 a0 a1 f5 01", "Players[1]", "key of entry 0"},
		{"byte string key", "a2 61 61 01 41 62 02", "", "key of entry 1 is a byte string"},
		{"duplicate key", "a2 61 61 01 61 61 02", "", `key "a" appears twice`},
		{"trailing bytes", "a0 00", "", "1 bytes follow"},
		{"map longer than body", "a2 61 61 01", "", "longer than"},
		{"truncated map", "a2 61 61 01 61 62", "b", "ends in the middle"},
		{"truncated string", wrap("65 6162"), "a", "ends in the middle"},
		{"truncated head", wrap("19 01"), "a", "ends in the middle"},
		{"truncated float", wrap("fb 0000"), "a", "ends in the middle"},
		{"truncated indefinite", wrap("9f 01"), "a[1]", "ends in the middle"},
		{"truncated indefinite string", wrap("7f 61 61"), "a", "ends in the middle"},
		{"huge array length", wrap("9b ffffffffffffffff"), "a", "longer than"},
		{"huge map length", wrap("bb 7fffffffffffffff"), "a", "longer than"},
		{"NaN", wrap("fb 7ff8000000000000"), "a", "NaN"},
		{"NaN16", wrap("f9 7e00"), "a", "NaN"},
		{"infinity", wrap("fa 7f800000"), "a", "infinity"},
		{"minus infinity", wrap("f9 fc00"), "a", "infinity"},
		{"NaN in list", "a1 67 506c6179657273 82 01 fb 7ff8000000000000", "Players[1]", "NaN"},
		{"tag 0", wrap("c0 74 323031332d30332d32315432303a30343a30305a"), "a", "tag 0 is not supported"},
		{"tag 2 bignum", wrap("c2 41 01"), "a", "tag 2 is not supported"},
		{"tag 1 of text", wrap("c1 61 61"), "a", "must hold a number"},
		{"tag 1 of tag", wrap("c1 c1 01"), "a", "must hold a number"},
		{"simple value", wrap("e0"), "a", "simple value 0"},
		{"simple value 1 byte", wrap("f8 20"), "a", "simple value 32"},
		{"stray break", wrap("ff"), "a", "unexpected break"},
		{"break after key", "bf 61 61 ff", "a", "no value"},
		{"reserved minor", wrap("1c"), "a", "reserved"},
		{"indefinite uint", wrap("1f"), "a", "reserved"},
		{"invalid utf8", wrap("62 c328"), "a", "UTF-8"},
		{"invalid utf8 key", "a1 61 ff 01", "", "UTF-8"},
		{"chunk of wrong kind", wrap("7f 41 61 ff"), "a", "chunk"},
		{"nested indefinite chunk", wrap("7f 7f ff ff"), "a", "chunk"},
		{"odd key in path", "a1 63 612e62 fb 7ff8000000000000", `["a.b"]`, "NaN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rpcv2.RequestToJSON(unhex(t, tc.hex))
			var de *rpcv2.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %s, %v; want a *DecodeError", got, err)
			}
			if de.Path != tc.path || !strings.Contains(de.Msg, tc.msg) {
				t.Errorf("error Path %q Msg %q; want Path %q, Msg containing %q", de.Path, de.Msg, tc.path, tc.msg)
			}
		})
	}
}

// nestedLists is a map holding levels lists nested in one another.
func nestedLists(levels int) []byte {
	b := []byte{0xa1, 0x61, 'a'}
	b = append(b, bytes.Repeat([]byte{0x81}, levels-1)...)
	return append(b, 0x80)
}

func TestRequestToJSONDepth(t *testing.T) {
	// The map is level 1, so MaxDepth-1 lists reach MaxDepth exactly.
	ok := nestedLists(rpcv2.MaxDepth - 1)
	if js, err := rpcv2.RequestToJSON(ok); err != nil || !json.Valid(js) {
		t.Fatalf("depth %d: %v", rpcv2.MaxDepth, err)
	}
	deep := nestedLists(rpcv2.MaxDepth)
	_, err := rpcv2.RequestToJSON(deep)
	var de *rpcv2.DecodeError
	if !errors.As(err, &de) || !strings.Contains(de.Msg, "deeper than") {
		t.Fatalf("depth %d: got %v", rpcv2.MaxDepth+1, err)
	}
	if want := "a" + strings.Repeat("[0]", rpcv2.MaxDepth-1); de.Path != want {
		t.Errorf("Path %q, want %q", de.Path, want)
	}
}

func TestRequestToJSONHugeNesting(t *testing.T) {
	for _, lead := range []byte{0x81, 0x9f, 0xa1} { // definite list, indefinite list, map (keyless)
		body := append([]byte{0xa1, 0x61, 'a'}, bytes.Repeat([]byte{lead}, 1<<20)...)
		start := time.Now()
		_, err := rpcv2.RequestToJSON(body)
		if err == nil {
			t.Fatalf("lead 0x%02x: no error", lead)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("lead 0x%02x: took %v", lead, d)
		}
	}
	// A wide body is fine: a list of 1 MiB of small items.
	wide := append([]byte{0xa1, 0x61, 'a', 0x9f}, bytes.Repeat([]byte{0x01}, 1<<20)...)
	wide = append(wide, 0xff)
	js, err := rpcv2.RequestToJSON(wide)
	if err != nil || !json.Valid(js) {
		t.Fatalf("wide body: %v", err)
	}
}

// The request side carries what the SDK serializer writes: its own
// timestamps (tag 1 around float64 milliseconds) and doubles.
func TestRequestToJSONFromSmithyEncode(t *testing.T) {
	body := cbor.Encode(cbor.Map{
		"When":  &cbor.Tag{ID: 1, Value: cbor.Float64(float64(time.UnixMilli(1700000000123).UnixMilli()) / 1000)},
		"N":     cbor.Float64(5),
		"Count": cbor.NegInt(3),
		"List":  cbor.List{cbor.String("x"), &cbor.Nil{}},
	})
	got, err := rpcv2.RequestToJSON(body)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Count":-3,"List":["x",null],"N":5,"When":1700000000.123}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestResponseFromJSONRoundTrip(t *testing.T) {
	js := `{"MatchmakingTicket":{"StartTime":1700000000.123,"EndTime":1700000005,"EstimatedWaitTime":7,
		"Players":[{"PlayerAttributes":{"a":{"N":5},"b":{"N":-0.5},"c":{"SDM":{"x":1,"y":2.5}},"d":{"S":"s"}},
		"LatencyInMs":{"r":-3}}],"Big":18446744073709551615,"Neg":-18446744073709551616,"Frac":0.5,"Exp":1e3,
		"Null":null,"T":true,"Txt":"\u20ac"},"CreationTime":-5}`
	b, err := rpcv2.ResponseFromJSON([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	v, err := cbor.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	top := v.(cbor.Map)
	tk := top["MatchmakingTicket"].(cbor.Map)
	check := func(name string, got, want cbor.Value) {
		t.Helper()
		if !equal(got, want) {
			t.Errorf("%s: got %#v, want %#v", name, got, want)
		}
	}
	start := tk["StartTime"].(*cbor.Tag)
	if f, ok := start.Value.(cbor.Float64); !ok || start.ID != 1 || math.Abs(float64(f)-1700000000.123) > 1e-6 {
		t.Errorf("StartTime %#v", start)
	}
	if got, _ := cbor.AsTime(start); !got.Equal(time.UnixMilli(1700000000123)) {
		t.Errorf("StartTime reads as %v", got)
	}
	check("EndTime", tk["EndTime"], &cbor.Tag{ID: 1, Value: cbor.Uint(1700000005)})
	check("CreationTime", top["CreationTime"], &cbor.Tag{ID: 1, Value: cbor.NegInt(5)})
	check("EstimatedWaitTime", tk["EstimatedWaitTime"], cbor.Uint(7))
	p := tk["Players"].(cbor.List)[0].(cbor.Map)
	attrs := p["PlayerAttributes"].(cbor.Map)
	check("a.N", attrs["a"].(cbor.Map)["N"], cbor.Float64(5))
	check("b.N", attrs["b"].(cbor.Map)["N"], cbor.Float64(-0.5))
	check("c.SDM", attrs["c"].(cbor.Map)["SDM"], cbor.Map{"x": cbor.Float64(1), "y": cbor.Float64(2.5)})
	check("d.S", attrs["d"].(cbor.Map)["S"], cbor.String("s"))
	check("LatencyInMs", p["LatencyInMs"], cbor.Map{"r": cbor.NegInt(3)})
	check("Big", tk["Big"], cbor.Uint(math.MaxUint64))
	check("Neg", tk["Neg"], cbor.NegInt(0))
	check("Frac", tk["Frac"], cbor.Float64(0.5))
	check("Exp", tk["Exp"], cbor.Uint(1000))
	check("Null", tk["Null"], &cbor.Nil{})
	check("T", tk["T"], cbor.Bool(true))
	check("Txt", tk["Txt"], cbor.String("€"))

	// And back: the CBOR reads as the same JSON values, with the
	// timestamps as numbers.
	back, err := rpcv2.RequestToJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	json.Unmarshal(back, &g)
	json.Unmarshal([]byte(js), &w)
	gs, _ := json.Marshal(g)
	ws, _ := json.Marshal(w)
	if string(gs) != string(ws) {
		t.Errorf("round trip\n got %s\nwant %s", gs, ws)
	}
}

func equal(a, b cbor.Value) bool {
	return bytes.Equal(cbor.Encode(a), cbor.Encode(b)) || (len(cbor.Encode(a)) == len(cbor.Encode(b)) && sameMap(a, b))
}

// sameMap compares maps, whose encoding order is not fixed.
func sameMap(a, b cbor.Value) bool {
	am, ok1 := a.(cbor.Map)
	bm, ok2 := b.(cbor.Map)
	if !ok1 || !ok2 || len(am) != len(bm) {
		return false
	}
	for k, v := range am {
		if w, ok := bm[k]; !ok || !equal(v, w) {
			return false
		}
	}
	return true
}

func TestResponseFromJSONErrors(t *testing.T) {
	for _, js := range []string{``, `[]`, `null`, `1`, `{"a":1} {}`, `{"a":}`, `{"a":1e400}`, `{"N":1e400}`,
		`{"a":18446744073709551616}`, `{"a":-18446744073709551617}`, `{"StartTime":1e30}`} {
		if b, err := rpcv2.ResponseFromJSON([]byte(js)); err == nil {
			t.Errorf("%s: got % x, want an error", js, b)
		}
	}
}

func TestErrorBody(t *testing.T) {
	v, err := cbor.Decode(rpcv2.ErrorBody("NotFoundException", "no such ticket"))
	if err != nil {
		t.Fatal(err)
	}
	want := cbor.Map{"__type": cbor.String("NotFoundException"), "message": cbor.String("no such ticket"), "Message": cbor.String("no such ticket")}
	if !equal(v, want) {
		t.Errorf("got %#v", v)
	}
}

func FuzzRequestToJSON(f *testing.F) {
	for _, s := range []string{
		"", "a0", wrap("17"), wrap("3b ffffffffffffffff"), wrap("f9 3e00"), wrap("fb 7ff8000000000000"),
		wrap("c1 fb 41d954fc40075c29"), wrap("c2 41 01"), wrap("9f 01 02 ff"), "bf 61 62 01 61 61 02 ff",
		"a1 7f 61 61 61 62 ff 01", wrap("5f 41 01 42 0203 ff"), wrap("7f 61 61 62 6263 ff"),
		"a1 67 506c6179657273 81 a1 68 506c617965724964 62 7031", "a2 61 61 01 61 61 02", "a1 01 02", "a0 00",
		wrap("9b ffffffffffffffff"), wrap("62 c328"),
	} {
		f.Add(unhex(f, s))
	}
	f.Add(nestedLists(rpcv2.MaxDepth))
	f.Add(cbor.Encode(cbor.Map{"Players": cbor.List{cbor.Map{"PlayerAttributes": cbor.Map{"s": cbor.Map{"SDM": cbor.Map{"x": cbor.Float64(1.5)}}}}}}))
	f.Fuzz(func(t *testing.T, body []byte) {
		js, err := rpcv2.RequestToJSON(body)
		if err != nil {
			var de *rpcv2.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError", err)
			}
			return
		}
		if !json.Valid(js) {
			t.Fatalf("invalid JSON %q", js)
		}
		if js[0] != '{' {
			t.Fatalf("not an object: %q", js)
		}
	})
}
