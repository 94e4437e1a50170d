package strictjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse accepts exactly what encoding/json accepts,
// apart from what it refuses on purpose (bytes that are not UTF-8, a byte
// order mark, nesting beyond MaxNesting), that a node's bytes are the value
// it stands for, and that a refusal's place lies within the input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2.5e3, "x\u00e9"], "b": {"c": null, "d": true}}`, `[`, `{"a" 1}`, `nul`, `"\q"`, `01`, "\"\t\"", ` `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		root, serr := Parse(b)
		if serr != nil && (serr.Offset < 0 || serr.Offset > len(b)) {
			t.Fatalf("a refusal at offset %d of %d bytes", serr.Offset, len(b))
		}
		if utf8.Valid(b) && !bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("\uFEFF")) &&
			(serr == nil || !strings.Contains(serr.Msg, "nested more than")) {
			if ok := serr == nil && root != nil; ok != json.Valid(b) {
				t.Fatalf("Parse says valid=%v (%v), encoding/json %v: %q", ok, serr, json.Valid(b), b)
			}
		}
		if root != nil && !json.Valid(b[root.Start:root.End]) {
			t.Fatalf("the root's bytes %q are not a JSON value", b[root.Start:root.End])
		}
	})
}

type inner struct {
	Key   string `json:"Key"`
	Value int8   `json:"Value"`
}

type doc struct {
	Name   string           `json:"Name"`
	Count  int              `json:"Count"`
	Ratio  float32          `json:"Ratio"`
	Flag   bool             `json:"Flag"`
	Items  []inner          `json:"Items"`
	Extra  map[string]uint8 `json:"Extra"`
	Free   any              `json:"Free"`
	hidden int
}

// Every problem of a document is reported, each with its place and path,
// in JSON's terms.
func TestCheckerProblems(t *testing.T) {
	body := "{\"Name\": 5, \"count\": 1,\n \"Ratio\": 1e39, \"Flag\": \"yes\", \"Items\": [{\"Key\": \"a\", \"Value\": 300}, {\"Kee\": \"b\"}],\n" +
		" \"Extra\": {\"x\": -1, \"my key\": 1.5}, \"Free\": {\"anything\": [1]}, \"Name\": \"again\"}"
	c := NewChecker([]byte(body))
	var d doc
	got := c.Decode(&d, "a document")
	want := []string{
		`line 1, column 10: Name: is 5; it must be a string`,
		`line 1, column 13: count: unknown field (did you mean "Count"?); the accepted fields are Name, Count, Ratio, Flag, Items, Extra, Free`,
		`line 2, column 11: Ratio: is 1e39; it must be a number from -3.4e+38 to 3.4e+38`,
		`line 2, column 25: Flag: is the string "yes"; it must be true or false`,
		`line 2, column 64: Items[0].Value: is 300; it must be a whole number from -128 to 127`,
		`line 2, column 71: Items[1].Kee: unknown field (did you mean "Key"?); the accepted fields are Key, Value`,
		`line 3, column 17: Extra.x: is -1; it must be a whole number from 0 to 255`,
		`line 3, column 31: Extra["my key"]: is 1.5; it must be a whole number, written without a fraction or an exponent`,
		`line 3, column 64: Name: is given twice; give each member once`,
	}
	var lines []string
	for _, p := range got {
		lines = append(lines, p.Error())
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if d.Name != "" {
		t.Errorf("a document with problems was decoded: %+v", d)
	}
}

// A document without problems decodes as encoding/json decodes it, and
// Locate places its values and the enclosing value of a missing one.
func TestCheckerDecodesAndLocates(t *testing.T) {
	body := "{\"Name\": \"ok\",\n  \"Items\": [{\"Key\": \"a\", \"Value\": -3}], \"Free\": null}"
	c := NewChecker([]byte(body))
	var d doc
	if ps := c.Decode(&d, "a document"); len(ps) != 0 {
		t.Fatal(ps)
	}
	if d.Name != "ok" || len(d.Items) != 1 || d.Items[0].Value != -3 {
		t.Errorf("decoded %+v", d)
	}
	for _, tt := range []struct {
		path      string
		line, col int
	}{{"Items[0].Value", 2, 35}, {"Items[0].Missing", 2, 13}, {"Count", 1, 1}} {
		if l, col, ok := c.Locate(tt.path); !ok || l != tt.line || col != tt.col {
			t.Errorf("Locate(%s) = %d, %d, %v; want %d, %d", tt.path, l, col, ok, tt.line, tt.col)
		}
	}
}

// Syntax errors say what was expected and what was found, where.
func TestParseErrors(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{`{"a": tru}`, `line 1, column 7: found the bare word "tru" where a value was expected; a string must be in double quotes, and the only bare words are true, false and null`},
		{"{\"a\": 1,\n}", `line 2, column 1: a comma must not follow the last member of an object`},
		{`[1 2]`, `line 1, column 4: expected ',' or ']' after the element of an array, found '2'`},
		{`{"a": 1} x`, `line 1, column 10: more text follows the JSON value ('x'); the input must hold exactly one value`},
		{strings.Repeat("[", MaxNesting+1), `line 1, column 101: objects and arrays are nested more than 100 levels deep`},
		{" ", `line 1, column 1: the input is empty; it must hold a document as a JSON object`},
	} {
		c := NewChecker([]byte(tt.body))
		var d doc
		ps := c.Decode(&d, "a document")
		if len(ps) != 1 || ps[0].Error() != tt.want {
			t.Errorf("%q:\n got %v\nwant %s", tt.body, ps, tt.want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	known := []string{"ratePerMinute", "peakHour"}
	for _, tt := range []struct{ name, want string }{
		{"peakhour", ` (did you mean "peakHour"?)`}, {"ratePerMinut", ` (did you mean "ratePerMinute"?)`}, {"zz", ""}, {"x", ""},
	} {
		if got := DidYouMean(tt.name, known); got != tt.want {
			t.Errorf("DidYouMean(%q) = %q; want %q", tt.name, got, tt.want)
		}
	}
}

// Columns count characters, not bytes; an offset past the end is the end.
func TestPosition(t *testing.T) {
	b := []byte("ab\ncdé\nf")
	for _, tt := range []struct{ off, line, col int }{
		{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {5, 2, 3}, {7, 2, 4}, {8, 3, 1}, {9, 3, 2}, {99, 3, 2},
	} {
		if l, c := Position(b, tt.off); l != tt.line || c != tt.col {
			t.Errorf("Position(%d) = %d:%d, want %d:%d", tt.off, l, c, tt.line, tt.col)
		}
	}
}

func TestList(t *testing.T) {
	for _, tt := range []struct {
		subject  string
		n, limit int
		want     string
	}{
		{"bad", 0, 5, "bad"},
		{"bad", 1, 5, "bad: p0"},
		{"", 1, 5, "p0"},
		{"bad", 2, 5, "bad, 2 problems:\n  p0\n  p1"},
		{"", 3, 2, "3 problems:\n  p0\n  p1\n  ... and 1 more"},
	} {
		var ps []string
		for i := range tt.n {
			ps = append(ps, fmt.Sprintf("p%d", i))
		}
		if got := List(tt.subject, ps, tt.limit); got != tt.want {
			t.Errorf("List(%q, %d problems, %d) = %q; want %q", tt.subject, tt.n, tt.limit, got, tt.want)
		}
	}
}
