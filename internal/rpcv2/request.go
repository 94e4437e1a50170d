package rpcv2

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/smithy-go/encoding/cbor"
)

// MaxDepth is the deepest nesting of arrays and maps a request may have.
// The request's own top-level map is level 1, so a list of players inside
// it is level 2 and a player's attribute map level 4. GameLift's deepest
// input (StartMatchmaking: Players[i].PlayerAttributes[k].SDM) needs 5;
// 64 leaves room for any input while bounding the work and the stack that
// one body can demand. The smithy decoder has a bound of its own (128,
// counting tags too), which this one keeps well inside.
const MaxDepth = 64

// DecodeError is the error RequestToJSON returns for a body it cannot
// convert. Path locates the offending item the way the service's own
// messages do ("Players[0].PlayerAttributes.skill"); it is empty for the
// body as a whole. For a map key that is not a text string, Path names
// the map and Msg the entry.
type DecodeError struct {
	Path string
	Msg  string
}

// Error returns Msg prefixed by Path, or by "request body" when Path is
// empty.
func (e *DecodeError) Error() string {
	where := e.Path
	if where == "" {
		where = "request body"
	}
	return "rpcv2: " + where + ": " + e.Msg
}

// RequestToJSON converts a CBOR request body into the JSON of the same
// input, ready for the service's Dispatch.
//
// The top-level item must be a map; an empty body stands for the empty
// map and gives {}. Maps become objects (their keys must be text strings;
// the object's keys are sorted, since CBOR map order carries no meaning
// here), arrays arrays, text strings strings, byte strings base64
// (standard alphabet, padded) strings, true/false themselves, and null
// and undefined null. Integers of either sign become JSON integers in
// exact decimal, the whole CBOR range included (down to -2^64). Floats of
// any width become the shortest decimal that reads back as the same value
// at that width; NaN and the infinities are errors, since JSON has no way
// to write them. Tag 1 (epoch time, as the SDK sends a timestamp) becomes
// its number; any other tag is an error.
//
// Nesting deeper than MaxDepth, a truncated item, bytes after the map, a
// repeated key, invalid UTF-8 in a text string and any malformed head are
// errors too. Every error is a *DecodeError.
func RequestToJSON(body []byte) ([]byte, error) {
	if len(body) == 0 {
		return []byte("{}"), nil
	}
	if err := scan(body); err != nil {
		return nil, err
	}
	v, err := cbor.Decode(body)
	if err != nil {
		// scan accepts only what the decoder accepts; this is a guard.
		return nil, &DecodeError{Msg: err.Error()}
	}
	c := converter{out: make([]byte, 0, 2*len(body))}
	if err := c.value(v); err != nil {
		return nil, err
	}
	return c.out, nil
}

type converter struct {
	out  []byte
	path []string // segments: ".key", "[i]" or `["odd key"]`
}

func (c *converter) errorf(msg string) error {
	var b strings.Builder
	for _, s := range c.path {
		b.WriteString(s)
	}
	return &DecodeError{Path: strings.TrimPrefix(b.String(), "."), Msg: msg}
}

func keySegment(k string) string {
	var b strings.Builder
	appendKey(&b, k) // on an empty builder: no leading dot
	if s := b.String(); s[0] == '[' {
		return s
	}
	return "." + b.String()
}

func (c *converter) value(v cbor.Value) error {
	switch v := v.(type) {
	case cbor.Map:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		c.out = append(c.out, '{')
		for i, k := range keys {
			if i > 0 {
				c.out = append(c.out, ',')
			}
			c.out = appendString(c.out, k)
			c.out = append(c.out, ':')
			c.path = append(c.path, keySegment(k))
			if err := c.value(v[k]); err != nil {
				return err
			}
			c.path = c.path[:len(c.path)-1]
		}
		c.out = append(c.out, '}')
	case cbor.List:
		c.out = append(c.out, '[')
		for i, e := range v {
			if i > 0 {
				c.out = append(c.out, ',')
			}
			c.path = append(c.path, "["+strconv.Itoa(i)+"]")
			if err := c.value(e); err != nil {
				return err
			}
			c.path = c.path[:len(c.path)-1]
		}
		c.out = append(c.out, ']')
	case cbor.String:
		c.out = appendString(c.out, string(v))
	case cbor.Slice:
		c.out = append(c.out, '"')
		c.out = base64.StdEncoding.AppendEncode(c.out, v)
		c.out = append(c.out, '"')
	case cbor.Uint:
		c.out = strconv.AppendUint(c.out, uint64(v), 10)
	case cbor.NegInt:
		// NegInt(n) is -n, and NegInt(0) is -2^64 (the decoder's wraparound).
		if v == 0 {
			c.out = append(c.out, "-18446744073709551616"...)
		} else {
			c.out = append(c.out, '-')
			c.out = strconv.AppendUint(c.out, uint64(v), 10)
		}
	case cbor.Float32:
		return c.float(float64(v), 32)
	case cbor.Float64:
		return c.float(float64(v), 64)
	case cbor.Bool:
		c.out = strconv.AppendBool(c.out, bool(v))
	case *cbor.Nil, *cbor.Undefined:
		c.out = append(c.out, "null"...)
	case *cbor.Tag:
		if v.ID != 1 {
			return c.errorf("tag " + strconv.FormatUint(v.ID, 10) + " is not supported (only tag 1, epoch time)")
		}
		switch v.Value.(type) {
		case cbor.Uint, cbor.NegInt, cbor.Float32, cbor.Float64:
			return c.value(v.Value)
		}
		return c.errorf("tag 1 (epoch time) must hold a number")
	default:
		return c.errorf("unsupported CBOR item")
	}
	return nil
}

// float writes f in the shortest form that reads back as the same value
// of the given width, in the layout encoding/json uses for float64.
func (c *converter) float(f float64, bits int) error {
	if math.IsNaN(f) {
		return c.errorf("NaN cannot be carried in JSON")
	}
	if math.IsInf(f, 0) {
		return c.errorf("infinity cannot be carried in JSON")
	}
	c.out = appendFloat(c.out, f, bits)
	return nil
}

func appendFloat(b []byte, f float64, bits int) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// Shorten "1e-07" to "1e-7", as encoding/json does.
		if n := len(b) - start; n >= 4 && b[len(b)-4] == 'e' && b[len(b)-3] == '-' && b[len(b)-2] == '0' {
			b[len(b)-2] = b[len(b)-1]
			b = b[:len(b)-1]
		}
	}
	return b
}

// appendString writes s as a JSON string. s is valid UTF-8 (scan checked
// every text string), so json.Marshal changes nothing in it.
func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}
