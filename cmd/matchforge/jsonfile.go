package main

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/matchforge/matchforge/bench"
)

// A jsonError is a problem at one place of a JSON file.
type jsonError struct {
	Line, Column int    // from 1; Column counts characters
	Path         string // the JSON path of the value, "" for the document
	Msg          string
}

func (e *jsonError) Error() string {
	s := fmt.Sprintf("line %d, column %d: ", e.Line, e.Column)
	if e.Path != "" {
		s += e.Path + ": "
	}
	return s + e.Msg
}

// decodeJSONFile decodes the JSON document b into v, which must be a
// pointer, refusing what encoding/json would refuse with
// DisallowUnknownFields and a second document after the first. Its errors
// are *jsonError: a position, the JSON path of the value, the problem in
// JSON's terms (a field's name, "a whole number", "a string") and the limit,
// never a Go type. what names the document for an empty file ("a
// configuration").
func decodeJSONFile(b []byte, v any, what string) error {
	root, err := parseJSON(b)
	if err != nil {
		return err
	}
	if root == nil {
		return &jsonError{Line: 1, Column: 1, Msg: "the file is empty; it must hold " + what + " as a JSON object"}
	}
	if err := checkJSON(b, root, reflect.TypeOf(v).Elem()); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		// checkJSON saw every problem Decode can find; this is a guard.
		return &jsonError{Line: 1, Column: 1, Msg: strings.TrimPrefix(err.Error(), "json: ")}
	}
	return nil
}

// A jsonNode is one value of a parsed document: its kind ('{', '[', '"',
// 'n' for numbers, 't' for booleans, '0' for null), its bytes b[start:end],
// and for objects and arrays its members.
type jsonNode struct {
	kind       byte
	start, end int
	path       string
	keys       []jsonKey   // objects
	elems      []*jsonNode // arrays; objects' values, in keys' order
}

type jsonKey struct {
	name  string
	start int
}

// parseJSON parses the one JSON value of b; nil when b holds only white
// space.
func parseJSON(b []byte) (*jsonNode, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	p := &jsonParser{b: b, dec: dec}
	if p.skip(0) == len(b) {
		return nil, nil
	}
	// Unmarshal checks the syntax of all of b first, and its errors give
	// the offset just past the offending byte, where those of the
	// decoder's Token are less regular.
	var raw json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		var se *json.SyntaxError
		if !errors.As(err, &se) {
			return nil, p.errorAt(0, "", "not valid JSON: "+strings.TrimPrefix(err.Error(), "json: "))
		}
		off := max(0, int(se.Offset)-1)
		switch msg := se.Error(); {
		case int(se.Offset) >= len(b) && strings.Contains(msg, "end of JSON input"):
			return nil, p.errorAt(len(b), "", "the file ends inside a JSON value")
		case strings.HasSuffix(msg, "after top-level value"):
			return nil, p.errorAt(off, "", "more text follows the JSON value; the file must hold exactly one")
		default:
			return nil, p.errorAt(off, "", "not valid JSON: "+msg)
		}
	}
	return p.value("")
}

type jsonParser struct {
	b   []byte
	dec *json.Decoder
}

// skip returns the offset of the first byte at or after i that is not
// white space or a separator the decoder has yet to consume.
func (p *jsonParser) skip(i int) int {
	for i < len(p.b) && strings.IndexByte(" \t\r\n:,", p.b[i]) >= 0 {
		i++
	}
	return i
}

func (p *jsonParser) errorAt(offset int, path, msg string) *jsonError {
	line, col := position(p.b, offset)
	return &jsonError{Line: line, Column: col, Path: path, Msg: msg}
}

// syntaxError turns an error of the decoder into a *jsonError. The
// decoder reads only what json.Unmarshal has checked, so this is a guard.
func (p *jsonParser) syntaxError(err error, path string) error {
	return p.errorAt(int(p.dec.InputOffset()), path, "not valid JSON: "+strings.TrimPrefix(err.Error(), "json: "))
}

// value reads the value at path, whose first token the decoder is about to
// read.
func (p *jsonParser) value(path string) (*jsonNode, error) {
	start := p.skip(int(p.dec.InputOffset()))
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntaxError(err, path)
	}
	n := &jsonNode{start: start, path: path}
	switch t := tok.(type) {
	case json.Delim:
		n.kind = byte(t)
		if t == '{' {
			for p.dec.More() {
				keyStart := p.skip(int(p.dec.InputOffset()))
				k, err := p.dec.Token()
				if err != nil {
					return nil, p.syntaxError(err, path)
				}
				name, _ := k.(string)
				child, err := p.value(joinPath(path, name))
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, jsonKey{name, keyStart})
				n.elems = append(n.elems, child)
			}
		} else {
			for i := 0; p.dec.More(); i++ {
				child, err := p.value(fmt.Sprintf("%s[%d]", path, i))
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, child)
			}
		}
		if _, err := p.dec.Token(); err != nil {
			return nil, p.syntaxError(err, path)
		}
	case string:
		n.kind = '"'
	case json.Number:
		n.kind = 'n'
	case bool:
		n.kind = 't'
	case nil:
		n.kind = '0'
	}
	n.end = int(p.dec.InputOffset())
	return n, nil
}

// joinPath appends member name to path: a.b, or a["odd key"] for a name
// that is not a plain identifier.
func joinPath(path, name string) string {
	plain := name != ""
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			plain = false
		}
	}
	switch {
	case !plain:
		return path + "[" + strconv.Quote(name) + "]"
	case path == "":
		return name
	}
	return path + "." + name
}

// position returns the line and column, from 1, of byte offset off of b.
func position(b []byte, off int) (line, col int) {
	off = min(off, len(b))
	before := b[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = 1 + utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	return line, col
}

// knownFields gives the members of types whose UnmarshalJSON reads an
// object, so that an unknown one is reported like any other.
var knownFields = map[reflect.Type][]string{
	reflect.TypeFor[bench.Choice](): {"value", "weight"},
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// checkJSON reports the first value of n that encoding/json cannot decode
// into a t: an unknown member, a value of the wrong kind, a number out of
// range.
func checkJSON(b []byte, n *jsonNode, t reflect.Type) error {
	p := &jsonParser{b: b}
	wrong := func(want string) error {
		return p.errorAt(n.start, n.path, fmt.Sprintf("is %s; it must be %s", describe(b, n), want))
	}
	if n.kind == '0' {
		return nil // null leaves the Go value as it is
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		if fields, ok := knownFields[t]; ok && n.kind == '{' {
			for i, k := range n.keys {
				if !slices.Contains(fields, k.name) {
					return unknownField(p, n, i, fields)
				}
			}
		}
		u := reflect.New(t).Interface().(json.Unmarshaler)
		if err := u.UnmarshalJSON(b[n.start:n.end]); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				// Inside the value: name the member, not the Go field.
				path := n.path
				if te.Field != "" {
					path = joinPath(path, te.Field)
				}
				return p.errorAt(n.start, path, fmt.Sprintf("is a JSON %s; it must be %s", te.Value, wantOf(te.Type)))
			}
			return p.errorAt(n.start, n.path, strings.TrimPrefix(err.Error(), "json: "))
		}
		return nil
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		if n.kind != '"' {
			return wrong("a string")
		}
		var s string
		json.Unmarshal(b[n.start:n.end], &s)
		if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return p.errorAt(n.start, n.path, err.Error())
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Interface:
		return nil
	case reflect.Struct:
		if n.kind != '{' {
			return wrong("an object")
		}
		fields := structFields(t)
		names := make([]string, 0, len(fields))
		for _, f := range fields {
			names = append(names, f.name)
		}
		for i, k := range n.keys {
			f, ok := matchField(fields, k.name)
			if !ok {
				return unknownField(p, n, i, names)
			}
			if err := checkJSON(b, n.elems[i], f.typ); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.kind != '{' {
			return wrong("an object")
		}
		for _, e := range n.elems {
			if err := checkJSON(b, e, t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && n.kind == '"' {
			return nil // base64, which Decode checks
		}
		if n.kind != '[' {
			return wrong("an array")
		}
		if t.Kind() == reflect.Array && len(n.elems) > t.Len() {
			return wrong(fmt.Sprintf("an array of at most %d values", t.Len()))
		}
		for _, e := range n.elems {
			if err := checkJSON(b, e, t.Elem()); err != nil {
				return err
			}
		}
	case reflect.String:
		if n.kind != '"' {
			return wrong(wantOf(t))
		}
	case reflect.Bool:
		if n.kind != 't' {
			return wrong(wantOf(t))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if _, err := strconv.ParseInt(string(b[n.start:n.end]), 10, t.Bits()); n.kind != 'n' || err != nil {
			return wrong(wantOf(t))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if _, err := strconv.ParseUint(string(b[n.start:n.end]), 10, t.Bits()); n.kind != 'n' || err != nil {
			return wrong(wantOf(t))
		}
	case reflect.Float32, reflect.Float64:
		if n.kind != 'n' {
			return wrong(wantOf(t))
		}
		if _, err := strconv.ParseFloat(string(b[n.start:n.end]), t.Bits()); err != nil {
			limit := math.MaxFloat64
			if t.Kind() == reflect.Float32 {
				limit = math.MaxFloat32
			}
			return wrong(fmt.Sprintf("a number from %.2g to %.2g", -limit, limit))
		}
	}
	return nil
}

// wantOf says in JSON's terms what a value decoded into a t must be, with
// the limits of numbers.
func wantOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fmt.Sprintf("a whole number from %d to %d", int64(-1)<<(t.Bits()-1), int64(1)<<(t.Bits()-1)-1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return fmt.Sprintf("a whole number from 0 to %d", uint64(1)<<t.Bits()-1)
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "a JSON value"
}

// describe names the kind of JSON value n, with the value itself when it
// is short.
func describe(b []byte, n *jsonNode) string {
	text := string(b[n.start:n.end])
	short := utf8.RuneCountInString(text) <= 24
	switch n.kind {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		if short {
			return "the string " + text
		}
		return "a string"
	case 'n':
		if short {
			return text
		}
		return "a number"
	case 't':
		return text
	}
	return "null"
}

func unknownField(p *jsonParser, n *jsonNode, i int, accepted []string) error {
	k := n.keys[i]
	return p.errorAt(k.start, joinPath(n.path, k.name),
		"unknown field; the accepted fields are "+strings.Join(accepted, ", "))
}

type jsonField struct {
	name string
	typ  reflect.Type
}

// structFields returns the members encoding/json decodes into a struct of
// type t, in order, following its rules for tags, unexported fields and
// embedded structs (without its tie-breaking among embedded fields of the
// same name, which the types read here do not have).
func structFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			out = append(out, structFields(ft)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name, f.Type})
	}
	return out
}

// matchField finds the field of a member as encoding/json does: the exact
// name, else one that differs only in case.
func matchField(fields []jsonField, name string) (jsonField, bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.name, name) {
			return f, true
		}
	}
	return jsonField{}, false
}
