package rpcv2

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Member names whose values the GameLift model types as timestamps.
var timestampMembers = map[string]bool{"CreationTime": true, "StartTime": true, "EndTime": true}

// ResponseFromJSON converts the JSON of an operation's output, as
// json.Marshal of the service's output structs writes it, into the CBOR
// body the SDK reads.
//
// The JSON carries no types, so the shape comes from member names, after
// the GameLift model:
//
//   - a number under CreationTime, StartTime or EndTime is a timestamp,
//     written as tag 1 around an integer when it is whole and a float64
//     when it has a fraction (see the package documentation for how the
//     float is chosen so the SDK reads the same millisecond);
//   - a number under N (AttributeValue.N), and every number anywhere
//     inside SDM (a map of string to double), is a double, written as a
//     float64 even when whole;
//   - any other whole number is an integer, written as a CBOR integer
//     (the SDK refuses a float for an integer member), and any other
//     number with a fraction a float64.
//
// Objects become maps, arrays lists, strings text strings, and true,
// false and null themselves. Numbers are read with json.Decoder's
// UseNumber, so none loses precision on the way. The JSON must be one
// object; anything else, trailing data, and an integer beyond the CBOR
// range (-2^64 to 2^64-1) are errors.
func ResponseFromJSON(js []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("rpcv2: output JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("rpcv2: output JSON: data after the top-level value")
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("rpcv2: output JSON: the output must be an object, not %s", jsonKind(v))
	}
	cv, err := fromJSON(v, "", false)
	if err != nil {
		return nil, err
	}
	return cbor.Encode(cv), nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	}
	return "an object"
}

// fromJSON converts v, the value of the member named member; double is
// set inside an SDM member, where every number is a double.
func fromJSON(v any, member string, double bool) (cbor.Value, error) {
	switch v := v.(type) {
	case map[string]any:
		m := make(cbor.Map, len(v))
		for k, e := range v {
			cv, err := fromJSON(e, k, double || member == "SDM")
			if err != nil {
				return nil, err
			}
			m[k] = cv
		}
		return m, nil
	case []any:
		l := make(cbor.List, len(v))
		for i, e := range v {
			cv, err := fromJSON(e, member, double)
			if err != nil {
				return nil, err
			}
			l[i] = cv
		}
		return l, nil
	case string:
		return cbor.String(v), nil
	case bool:
		return cbor.Bool(v), nil
	case nil:
		return &cbor.Nil{}, nil
	case json.Number:
		switch {
		case double || member == "N":
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				return nil, fmt.Errorf("rpcv2: output JSON: %s: double %s: %w", member, v, err)
			}
			return cbor.Float64(f), nil
		case timestampMembers[member]:
			t, err := timestamp(string(v))
			if err != nil {
				return nil, fmt.Errorf("rpcv2: output JSON: %s: timestamp %s: %w", member, v, err)
			}
			return &cbor.Tag{ID: 1, Value: t}, nil
		default:
			n, err := number(string(v))
			if err != nil {
				return nil, fmt.Errorf("rpcv2: output JSON: %s: %s: %w", member, v, err)
			}
			return n, nil
		}
	}
	return nil, fmt.Errorf("rpcv2: output JSON: unexpected %T", v)
}

// number converts a JSON number to a CBOR integer when its value is whole
// and to a float64 otherwise.
func number(s string) (cbor.Value, error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return intValue(i), nil
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return cbor.Uint(u), nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, errors.New("not a number")
	}
	if !r.IsInt() {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, err
		}
		return cbor.Float64(f), nil
	}
	n := r.Num()
	abs := new(big.Int).Abs(n)
	switch {
	case n.Sign() >= 0 && abs.BitLen() <= 64:
		return cbor.Uint(abs.Uint64()), nil
	case n.Sign() < 0 && abs.BitLen() <= 64:
		return cbor.NegInt(abs.Uint64()), nil
	case n.Sign() < 0 && abs.Cmp(twoTo64) == 0:
		return cbor.NegInt(0), nil // the decoder's spelling of -2^64
	}
	return nil, errors.New("integer out of the CBOR range")
}

var twoTo64 = new(big.Int).Lsh(big.NewInt(1), 64)

func intValue(i int64) cbor.Value {
	if i < 0 {
		return cbor.NegInt(uint64(-(i + 1)) + 1)
	}
	return cbor.Uint(uint64(i))
}

// timestamp converts epoch seconds to the content of tag 1: an integer
// when whole, else the float64 nearest the value whose millisecond, as
// the SDK derives it (int64(f*1e3), truncating), is the decimal's own.
func timestamp(s string) (cbor.Value, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, errors.New("not a number")
	}
	if r.IsInt() {
		if !r.Num().IsInt64() {
			return nil, errors.New("out of range")
		}
		return intValue(r.Num().Int64()), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, err
	}
	if math.Abs(f) >= 1<<53/1000 {
		return cbor.Float64(f), nil // milliseconds no longer fit a float64 exactly
	}
	// The millisecond the decimal names, truncated toward zero as the SDK
	// truncates.
	scaled := new(big.Rat).Mul(r, big.NewRat(1000, 1))
	ms := new(big.Int).Quo(scaled.Num(), scaled.Denom()).Int64()
	g := f
	for range 8 {
		got := int64(g * 1e3)
		if got == ms {
			return cbor.Float64(g), nil
		}
		if got < ms {
			g = math.Nextafter(g, math.Inf(1))
		} else {
			g = math.Nextafter(g, math.Inf(-1))
		}
	}
	return cbor.Float64(f), nil
}

// ErrorBody encodes the body of an error response: a map whose "__type"
// is typ, the exception's name (say "InvalidRequestException"; a full
// shape ID such as "com.amazonaws.gamelift#InvalidRequestException" works
// as well, since the SDK matches the part after '#'), and whose message
// is written twice: under "message", which the SDK's generic error
// reader takes for the message of an error it does not model, and under
// "Message", the member of GameLift's modelled exceptions that their
// ErrorMessage returns. Send it with an HTTP status of 400 or above and
// the Smithy-Protocol: rpc-v2-cbor header.
func ErrorBody(typ, message string) []byte {
	return cbor.Encode(cbor.Map{
		"__type":  cbor.String(typ),
		"message": cbor.String(message),
		"Message": cbor.String(message),
	})
}
