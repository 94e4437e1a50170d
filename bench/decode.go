package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file is the strict reader of population JSON. encoding/json reports
// problems in Go's terms ("Go struct field Arrivals.ratePerMinute of type
// float64", "invalid character 'o' in literal null"), stops at the first
// one and ignores a field given twice. The reader here parses the document
// itself, keeping the place of every value, and compares it with the
// Population type, so that every problem is reported with its line, column
// and JSON path, in the file's terms: a field's name, "a whole number", "a
// string". Only a document that passes goes to encoding/json.

// maxNesting bounds how deeply the parser nests objects and arrays. A
// population nests five levels; the bound keeps a hostile input from
// exhausting the stack.
const maxNesting = 100

// jsonNode is one parsed JSON value: its kind ('{', '[', '"', '0' for a
// number, 't' for true or false, 'n' for null), its bytes b[start:end],
// and for objects and arrays its members.
type jsonNode struct {
	kind       byte
	start, end int
	keys       []jsonKey   // an object's member names, in order
	elems      []*jsonNode // an array's elements, or an object's values in keys' order
}

// jsonKey is an object member's name and the offset of its opening quote.
type jsonKey struct {
	name  string
	start int
}

// syntaxError is a problem of JSON syntax at byte offset off.
type syntaxError struct {
	off int
	msg string
}

// jsonParser is a recursive-descent parser of RFC 8259 JSON that accepts
// what encoding/json accepts, except bytes that are not UTF-8 text inside
// strings, and says what it expected and what it found.
type jsonParser struct {
	b     []byte
	i     int
	depth int
}

// parseJSON parses the single JSON value of b. It returns nil and no error
// when b holds only white space.
func parseJSON(b []byte) (*jsonNode, *syntaxError) {
	p := &jsonParser{b: b}
	p.space()
	if p.i == len(b) {
		return nil, nil
	}
	if bytes.HasPrefix(b[p.i:], []byte("\uFEFF")) {
		return nil, p.fail(p.i, "the input starts with a byte order mark; save it as UTF-8 without one")
	}
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(b) {
		return nil, p.fail(p.i, "more text follows the JSON value (%s); the input must hold exactly one value", p.found(p.i))
	}
	return n, nil
}

func (p *jsonParser) fail(off int, format string, args ...any) *syntaxError {
	return &syntaxError{off: off, msg: fmt.Sprintf(format, args...)}
}

// space skips white space.
func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// found describes the text at offset off for a message: a character in
// quotes, or the end of the input.
func (p *jsonParser) found(off int) string {
	if off >= len(p.b) {
		return "the end of the input"
	}
	r, size := utf8.DecodeRune(p.b[off:])
	switch {
	case r == utf8.RuneError && size == 1:
		return fmt.Sprintf("the byte 0x%02x, which is not UTF-8 text", p.b[off])
	case !unicode.IsPrint(r):
		return fmt.Sprintf("the character U+%04X", r)
	case r == '\'':
		return `"'"`
	}
	return "'" + string(r) + "'"
}

// at describes an offset as "line L, column C", for messages that point
// back to where an unclosed value began.
func (p *jsonParser) at(off int) string {
	l, c := position(p.b, off)
	return fmt.Sprintf("line %d, column %d", l, c)
}

func (p *jsonParser) value() (*jsonNode, *syntaxError) {
	p.space()
	if p.i >= len(p.b) {
		return nil, p.fail(p.i, "the input ends where a value was expected")
	}
	start := p.i
	switch c := p.b[p.i]; {
	case c == '{' || c == '[':
		return p.container(c)
	case c == '"':
		if _, err := p.str(); err != nil {
			return nil, err
		}
		return &jsonNode{kind: '"', start: start, end: p.i}, nil
	case c == '-' || c >= '0' && c <= '9':
		if err := p.number(); err != nil {
			return nil, err
		}
		return &jsonNode{kind: '0', start: start, end: p.i}, nil
	}
	// A bare word: true, false, null, or a mistake such as an unquoted
	// string.
	for p.i < len(p.b) && (isLetter(p.b[p.i]) || p.b[p.i] >= '0' && p.b[p.i] <= '9') {
		p.i++
	}
	switch w := string(p.b[start:p.i]); w {
	case "true", "false":
		return &jsonNode{kind: 't', start: start, end: p.i}, nil
	case "null":
		return &jsonNode{kind: 'n', start: start, end: p.i}, nil
	case "":
		return nil, p.fail(start, "found %s where a value was expected", p.found(start))
	default:
		if len(w) > 24 {
			w = w[:24] + "..."
		}
		return nil, p.fail(start, "found the bare word %q where a value was expected; a string must be in double quotes, and the only bare words are true, false and null", w)
	}
}

func isLetter(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// container parses an object or an array, whose opening bracket is at p.i.
func (p *jsonParser) container(open byte) (*jsonNode, *syntaxError) {
	n := &jsonNode{kind: open, start: p.i}
	what, close := "an object", byte('}')
	if open == '[' {
		what, close = "an array", ']'
	}
	p.depth++
	if p.depth > maxNesting {
		return nil, p.fail(p.i, "objects and arrays are nested more than %d levels deep", maxNesting)
	}
	p.i++
	p.space()
	if p.i < len(p.b) && p.b[p.i] == close {
		p.i++
		n.end, p.depth = p.i, p.depth-1
		return n, nil
	}
	for {
		p.space()
		if p.i >= len(p.b) {
			return nil, p.fail(p.i, "the input ends inside %s that opens at %s", what, p.at(n.start))
		}
		if p.b[p.i] == close {
			return nil, p.fail(p.i, "a comma must not follow the last %s of %s", element(open), what)
		}
		if open == '{' {
			if p.b[p.i] != '"' {
				return nil, p.fail(p.i, "expected a member name in double quotes, found %s", p.found(p.i))
			}
			keyStart := p.i
			name, err := p.str()
			if err != nil {
				return nil, err
			}
			p.space()
			if p.i >= len(p.b) || p.b[p.i] != ':' {
				return nil, p.fail(p.i, "expected ':' after the member name %q, found %s", name, p.found(p.i))
			}
			p.i++
			n.keys = append(n.keys, jsonKey{name: name, start: keyStart})
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, v)
		p.space()
		switch {
		case p.i >= len(p.b):
			return nil, p.fail(p.i, "the input ends inside %s that opens at %s", what, p.at(n.start))
		case p.b[p.i] == ',':
			p.i++
		case p.b[p.i] == close:
			p.i++
			n.end, p.depth = p.i, p.depth-1
			return n, nil
		default:
			return nil, p.fail(p.i, "expected ',' or '%c' after the %s of %s, found %s", close, element(open), what, p.found(p.i))
		}
	}
}

func element(open byte) string {
	if open == '{' {
		return "member"
	}
	return "element"
}

// str parses a string whose opening quote is at p.i and returns its value.
func (p *jsonParser) str() (string, *syntaxError) {
	start := p.i
	p.i++
	var out []byte
	plain := p.i // the start of the run of bytes copied as they are
	for {
		if p.i >= len(p.b) {
			return "", p.fail(start, "the string that starts here is not closed before the end of the input")
		}
		c := p.b[p.i]
		switch {
		case c == '"':
			out = append(out, p.b[plain:p.i]...)
			p.i++
			return string(out), nil
		case c == '\\':
			out = append(out, p.b[plain:p.i]...)
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			out = utf8.AppendRune(out, r)
			plain = p.i
		case c < 0x20:
			return "", p.fail(p.i, "a string must not hold a control character (U+%04X); write it as an escape such as \\n or \\t", c)
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError && size == 1 {
				return "", p.fail(p.i, "a string holds the byte 0x%02x, which is not UTF-8 text", c)
			}
			p.i += size
		}
	}
}

// escape parses the escape sequence at p.i, as encoding/json does: a lone
// UTF-16 surrogate becomes U+FFFD.
func (p *jsonParser) escape() (rune, *syntaxError) {
	start := p.i
	if p.i+1 >= len(p.b) {
		return 0, p.fail(start, "the input ends inside an escape sequence")
	}
	c := p.b[p.i+1]
	p.i += 2
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		r, ok := p.hex4()
		if !ok {
			return 0, p.fail(start, `a \u escape needs four hexadecimal digits, such as \u00e9`)
		}
		if r >= 0xD800 && r < 0xDC00 && p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
			save := p.i
			p.i += 2
			if lo, ok := p.hex4(); ok && lo >= 0xDC00 && lo < 0xE000 {
				return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), nil
			}
			p.i = save
		}
		if r >= 0xD800 && r < 0xE000 {
			return utf8.RuneError, nil
		}
		return r, nil
	}
	return 0, p.fail(start, `\%s is not a JSON escape; the escapes are \", \\, \/, \b, \f, \n, \r, \t and \uXXXX`, strings.Trim(p.found(start+1), "'"))
}

// hex4 reads four hexadecimal digits.
func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 16)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(v), true
}

// number parses a JSON number at p.i.
func (p *jsonParser) number() *syntaxError {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i >= len(p.b) || p.b[p.i] < '0' || p.b[p.i] > '9':
		return p.fail(start, "a number needs a digit after '-', found %s", p.found(p.i))
	case p.b[p.i] == '0':
		p.i++
		if p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			return p.fail(start, "a number must not start with 0 unless it is 0 or a fraction such as 0.5")
		}
	default:
		digits()
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return p.fail(start, "a number needs a digit after its decimal point, found %s", p.found(p.i))
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return p.fail(start, "a number needs a digit in its exponent, found %s", p.found(p.i))
		}
	}
	return nil
}

// position returns the line and column, from 1, of byte offset off of b;
// columns count characters.
func position(b []byte, off int) (line, col int) {
	off = min(max(off, 0), len(b))
	before := b[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = 1 + utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	return line, col
}

// shapeChecker compares a parsed document with a Go type as encoding/json
// would decode it, collecting every problem, and records where each JSON
// path's value is, for the problems Validate and Check find later.
type shapeChecker struct {
	b  []byte
	ps problems
	at map[string]int // JSON path -> offset of its value
}

var choiceType = reflect.TypeFor[Choice]()

func (c *shapeChecker) add(off int, path, format string, args ...any) {
	line, col := position(c.b, off)
	c.ps = append(c.ps, FieldError{Field: path, Problem: fmt.Sprintf(format, args...), Line: line, Column: col})
}

// describe names the JSON value of n for a message, with the value itself
// when it is short.
func (c *shapeChecker) describe(n *jsonNode) string {
	text := string(c.b[n.start:n.end])
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
	case '0':
		if short {
			return text
		}
		return "a number"
	case 't':
		return text
	}
	return "null"
}

func (c *shapeChecker) wrong(n *jsonNode, path, want string) {
	c.add(n.start, path, "is %s; it must be %s", c.describe(n), want)
}

// join appends a member name to a path, as Validate spells paths.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// check compares n, at path, with type t.
func (c *shapeChecker) check(n *jsonNode, t reflect.Type, path string) {
	c.at[path] = n.start
	if n.kind == 'n' {
		if t == choiceType {
			c.add(n.start, path, `is null; a choice needs a "value"`)
		}
		return // null leaves a field as it is, as with encoding/json
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == choiceType {
		c.choice(n, path)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.kind != '{' {
			c.wrong(n, path, "an object")
			return
		}
		fields := structFields(t)
		names := make([]string, len(fields))
		for i, f := range fields {
			names[i] = f.name
		}
		c.members(n, path, names, func(i int, name, fp string) {
			k := slices.IndexFunc(fields, func(f jsonField) bool { return f.name == name })
			c.check(n.elems[i], fields[k].typ, fp)
		})
	case reflect.Map:
		if n.kind != '{' {
			c.wrong(n, path, "an object")
			return
		}
		c.members(n, path, nil, func(i int, _, fp string) { c.check(n.elems[i], t.Elem(), fp) })
	case reflect.Slice:
		if n.kind != '[' {
			c.wrong(n, path, "an array")
			return
		}
		for i, e := range n.elems {
			c.check(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.String:
		if n.kind != '"' {
			c.wrong(n, path, "a string")
		}
	case reflect.Bool:
		if n.kind != 't' {
			c.wrong(n, path, "true or false")
		}
	case reflect.Int:
		c.whole(n, path)
	case reflect.Float64:
		c.float(n, path)
	default:
		// The Population types hold nothing else; a new field of another
		// kind must be taught here.
		panic(fmt.Sprintf("bench: the population reader cannot check a %s", t))
	}
}

// members checks the names of an object's members: each once, and, when
// known is not nil, each one of known. Each member that passes goes to
// visit with its index, name and path.
func (c *shapeChecker) members(n *jsonNode, path string, known []string, visit func(i int, name, path string)) {
	seen := make(map[string]bool, len(n.keys))
	for i, k := range n.keys {
		fp := join(path, k.name)
		switch {
		case seen[k.name]:
			c.add(k.start, fp, "is given twice; give each member once")
		case known != nil && !slices.Contains(known, k.name):
			c.add(k.start, fp, "unknown field%s; the accepted fields are %s", didYouMean(k.name, known), strings.Join(known, ", "))
		default:
			seen[k.name] = true
			visit(i, k.name, fp)
		}
	}
}

// choice checks a weighted choice: {"value": "s" or n, "weight": w}.
func (c *shapeChecker) choice(n *jsonNode, path string) {
	if n.kind != '{' {
		c.wrong(n, path, `an object such as {"value": "x", "weight": 2}`)
		return
	}
	hasValue := false
	c.members(n, path, []string{"value", "weight"}, func(i int, name, fp string) {
		e := n.elems[i]
		c.at[fp] = e.start
		if name == "weight" {
			if e.kind != 'n' {
				c.float(e, fp)
			}
			return
		}
		hasValue = true
		switch e.kind {
		case '"':
		case '0':
			c.float(e, fp)
		default:
			c.wrong(e, fp, "a string or a number")
		}
	})
	if !hasValue {
		c.add(n.start, path, `a choice needs a "value"`)
	}
}

// whole checks a whole number that fits an int.
func (c *shapeChecker) whole(n *jsonNode, path string) {
	if n.kind != '0' {
		c.wrong(n, path, "a whole number")
		return
	}
	text := string(c.b[n.start:n.end])
	if _, err := strconv.ParseInt(text, 10, 64); err != nil {
		if strings.ContainsAny(text, ".eE") {
			c.wrong(n, path, "a whole number, written without a fraction or an exponent")
			return
		}
		c.wrong(n, path, fmt.Sprintf("a whole number from %d to %d", int64(-1)<<63, int64(1<<63-1)))
	}
}

// float checks a number that fits a float64.
func (c *shapeChecker) float(n *jsonNode, path string) {
	if n.kind != '0' {
		c.wrong(n, path, "a number")
		return
	}
	if _, err := strconv.ParseFloat(string(c.b[n.start:n.end]), 64); err != nil {
		c.wrong(n, path, "a number from -1.8e308 to 1.8e308")
	}
}

// jsonField is a member encoding/json decodes into a struct.
type jsonField struct {
	name string
	typ  reflect.Type
}

// structFields returns the members of struct type t in order, following
// encoding/json's rules for tags, unexported fields and embedded structs
// (the Population types have no two fields of the same name).
func structFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, structFields(f.Type)...)
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

// didYouMean suggests the known name closest to name: one that differs only
// in case, or by at most two edits. It returns "" when none is close.
func didYouMean(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		d := editDistance(strings.ToLower(name), strings.ToLower(k))
		if d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" || bestD >= len(name) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// locate gives problems found on the decoded population (by Validate or
// Check) the place of their field in the document: the field's value, or
// when the field is not in the document (a required one left out) the
// nearest enclosing value that is.
func (c *shapeChecker) locate(ps []FieldError) {
	for i := range ps {
		if ps[i].Line > 0 {
			continue
		}
		for path := ps[i].Field; ; path = parent(path) {
			if off, ok := c.at[path]; ok {
				ps[i].Line, ps[i].Column = position(c.b, off)
				break
			}
			if path == "" {
				break
			}
		}
	}
}

// parent drops the last member or index of a path: a.b[2] -> a.b -> a -> "".
func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// decodeStrict reads a population from b: it parses b, checks its shape
// against the Population type, decodes it, and returns the checker (for
// locate) and every problem found, each with its place.
func decodeStrict(b []byte) (Population, *shapeChecker, problems) {
	c := &shapeChecker{b: b, at: map[string]int{}}
	root, serr := parseJSON(b)
	if serr != nil {
		c.add(serr.off, "", "%s", serr.msg)
		return Population{}, c, c.ps
	}
	if root == nil {
		c.add(0, "", "the input is empty; a population is a JSON object")
		return Population{}, c, c.ps
	}
	c.check(root, reflect.TypeFor[Population](), "")
	if len(c.ps) > 0 {
		return Population{}, c, c.ps
	}
	var p Population
	if err := json.Unmarshal(b, &p); err != nil {
		// The checks above accept only what encoding/json decodes; this is
		// a guard, worded without Go's terms.
		c.add(0, "", "cannot be decoded, although its shape was checked: a fault of this reader; please report it with the input")
		return Population{}, c, c.ps
	}
	return p, c, nil
}
