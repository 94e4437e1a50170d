package ruleset

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The lenient JSON reader of D1: standard JSON plus // and /* */ comments and
// trailing commas in objects and arrays. It keeps object members in order,
// records duplicate keys instead of dropping them, and never panics.

type kind uint8

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kArray
	kObject
)

func (k kind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "an array", "an object"}[k]
}

type jmember struct {
	key string
	val *node
}

type node struct {
	kind    kind
	b       bool
	num     float64
	str     string // string value, or the literal text of a number
	items   []*node
	members []jmember
}

// get returns the first member named key.
func (n *node) get(key string) *node {
	for _, m := range n.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

type jsonReader struct {
	src  string
	pos  int
	line int
	col0 int // offset of the current line's first byte
	dups []Error
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 64

type syntaxError struct{ msg string }

func (r *jsonReader) fail(format string, args ...any) {
	col := utf8.RuneCountInString(r.src[r.col0:min(r.pos, len(r.src))]) + 1
	panic(syntaxError{fmt.Sprintf("line %d, column %d: %s", r.line, col, fmt.Sprintf(format, args...))})
}

// readJSON parses src. It returns the root node and the duplicate keys found
// (each as an Error with its path), or a syntax error message.
func readJSON(src string) (root *node, dups []Error, errMsg string) {
	r := &jsonReader{src: src, line: 1}
	defer func() {
		if e := recover(); e != nil {
			se, ok := e.(syntaxError)
			if !ok {
				panic(e)
			}
			root, dups, errMsg = nil, nil, se.msg
		}
	}()
	r.skip()
	if r.pos >= len(r.src) {
		r.fail("the body is empty; a rule set is a JSON object")
	}
	root = r.value("", 0)
	r.skip()
	if r.pos < len(r.src) {
		r.fail("unexpected %s after the end of the rule set", r.describe())
	}
	return root, r.dups, ""
}

func (r *jsonReader) describe() string {
	if r.pos >= len(r.src) {
		return "end of input"
	}
	c, _ := utf8.DecodeRuneInString(r.src[r.pos:])
	return strconv.QuoteRune(c)
}

// skip passes over white space and comments.
func (r *jsonReader) skip() {
	for r.pos < len(r.src) {
		c := r.src[r.pos]
		switch {
		case c == '\n':
			r.pos++
			r.line++
			r.col0 = r.pos
		case c == ' ' || c == '\t' || c == '\r':
			r.pos++
		case c == '/' && r.pos+1 < len(r.src) && r.src[r.pos+1] == '/':
			for r.pos < len(r.src) && r.src[r.pos] != '\n' {
				r.pos++
			}
		case c == '/' && r.pos+1 < len(r.src) && r.src[r.pos+1] == '*':
			end := strings.Index(r.src[r.pos+2:], "*/")
			if end < 0 {
				r.fail("a /* comment is never closed")
			}
			body := r.src[r.pos : r.pos+2+end+2]
			for i := 0; i < len(body); i++ {
				if body[i] == '\n' {
					r.line++
					r.col0 = r.pos + i + 1
				}
			}
			r.pos += len(body)
		default:
			return
		}
	}
}

func (r *jsonReader) value(path string, depth int) *node {
	if depth > maxDepth {
		r.fail("nesting is deeper than %d levels", maxDepth)
	}
	r.skip()
	if r.pos >= len(r.src) {
		r.fail("unexpected end of input; a value is missing")
	}
	switch c := r.src[r.pos]; {
	case c == '{':
		return r.object(path, depth)
	case c == '[':
		return r.array(path, depth)
	case c == '"':
		return &node{kind: kString, str: r.string()}
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	case strings.HasPrefix(r.src[r.pos:], "true"):
		r.pos += 4
		return &node{kind: kBool, b: true}
	case strings.HasPrefix(r.src[r.pos:], "false"):
		r.pos += 5
		return &node{kind: kBool}
	case strings.HasPrefix(r.src[r.pos:], "null"):
		r.pos += 4
		return &node{kind: kNull}
	default:
		r.fail("unexpected %s; expected a value", r.describe())
	}
	return nil
}

func (r *jsonReader) object(path string, depth int) *node {
	n := &node{kind: kObject}
	r.pos++ // {
	seen := map[string]bool{}
	for {
		r.skip()
		if r.pos >= len(r.src) {
			r.fail("an object is never closed; expected '}'")
		}
		if r.src[r.pos] == '}' {
			r.pos++
			return n
		}
		if r.src[r.pos] != '"' {
			r.fail("unexpected %s; expected a quoted property name or '}'", r.describe())
		}
		key := r.string()
		r.skip()
		if r.pos >= len(r.src) || r.src[r.pos] != ':' {
			r.fail("expected ':' after property name %q", key)
		}
		r.pos++
		child := joinPath(path, key)
		v := r.value(child, depth+1)
		if seen[key] {
			r.dups = append(r.dups, Error{Path: child, Message: fmt.Sprintf("property %q appears more than once in the same object; give it once", key)})
		}
		seen[key] = true
		n.members = append(n.members, jmember{key, v})
		r.skip()
		if r.pos >= len(r.src) {
			r.fail("an object is never closed; expected ',' or '}'")
		}
		switch r.src[r.pos] {
		case ',':
			r.pos++
		case '}':
		default:
			r.fail("unexpected %s; expected ',' or '}'", r.describe())
		}
	}
}

func (r *jsonReader) array(path string, depth int) *node {
	n := &node{kind: kArray}
	r.pos++ // [
	for {
		r.skip()
		if r.pos >= len(r.src) {
			r.fail("an array is never closed; expected ']'")
		}
		if r.src[r.pos] == ']' {
			r.pos++
			return n
		}
		n.items = append(n.items, r.value(fmt.Sprintf("%s[%d]", path, len(n.items)), depth+1))
		r.skip()
		if r.pos >= len(r.src) {
			r.fail("an array is never closed; expected ',' or ']'")
		}
		switch r.src[r.pos] {
		case ',':
			r.pos++
		case ']':
		default:
			r.fail("unexpected %s; expected ',' or ']'", r.describe())
		}
	}
}

func (r *jsonReader) string() string {
	r.pos++ // opening quote
	var b strings.Builder
	start := r.pos
	for {
		if r.pos >= len(r.src) {
			r.fail("a string is never closed")
		}
		c := r.src[r.pos]
		switch {
		case c == '"':
			b.WriteString(r.src[start:r.pos])
			r.pos++
			return b.String()
		case c == '\\':
			b.WriteString(r.src[start:r.pos])
			r.pos++
			if r.pos >= len(r.src) {
				r.fail("a string is never closed")
			}
			switch e := r.src[r.pos]; e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				b.WriteRune(r.unicodeEscape())
				start = r.pos
				continue
			default:
				r.fail("unknown escape \\%c in a string", e)
			}
			r.pos++
			start = r.pos
		case c < 0x20:
			if c == '\n' {
				r.fail("a string runs past the end of the line; close it with '\"'")
			}
			r.fail("a control character (0x%02x) inside a string must be escaped", c)
		default:
			r.pos++
		}
	}
}

func (r *jsonReader) hex4() rune {
	if r.pos+4 > len(r.src) {
		r.fail("\\u must be followed by four hex digits")
	}
	v, err := strconv.ParseUint(r.src[r.pos:r.pos+4], 16, 32)
	if err != nil {
		r.fail("\\u must be followed by four hex digits")
	}
	r.pos += 4
	return rune(v)
}

func (r *jsonReader) unicodeEscape() rune {
	r.pos++ // the 'u'
	c := r.hex4()
	if utf16.IsSurrogate(c) && strings.HasPrefix(r.src[r.pos:], `\u`) {
		save := r.pos
		r.pos += 2
		c2 := r.hex4()
		if d := utf16.DecodeRune(c, c2); d != utf8.RuneError {
			return d
		}
		r.pos = save
	}
	return c
}

func (r *jsonReader) number() *node {
	start := r.pos
	if r.src[r.pos] == '-' {
		r.pos++
	}
	digits := func() int {
		s := r.pos
		for r.pos < len(r.src) && r.src[r.pos] >= '0' && r.src[r.pos] <= '9' {
			r.pos++
		}
		return r.pos - s
	}
	if digits() == 0 {
		r.fail("a number needs digits")
	}
	if r.pos < len(r.src) && r.src[r.pos] == '.' {
		r.pos++
		if digits() == 0 {
			r.fail("a number needs digits after '.'")
		}
	}
	if r.pos < len(r.src) && (r.src[r.pos] == 'e' || r.src[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.src) && (r.src[r.pos] == '+' || r.src[r.pos] == '-') {
			r.pos++
		}
		if digits() == 0 {
			r.fail("a number needs digits in its exponent")
		}
	}
	text := r.src[start:r.pos]
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		r.fail("the number %s is out of range", text)
	}
	return &node{kind: kNumber, num: f, str: text}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// StandardJSON reads body with the leniency of D1 (// and /* */ comments,
// trailing commas in objects and arrays) and returns it as strict JSON
// (RFC 8259) that encoding/json and other standard readers accept. It is the
// package's own reader, so a body reads the same here as in Parse: other
// packages need no comment stripper of their own.
//
// The output is compact (no white space between tokens); pass it to
// json.Indent for a readable form. Object members keep their order, and a
// key repeated inside one object is kept each time (Validate reports it;
// encoding/json keeps the last). Numbers keep the text they were written
// with, except that a number JSON does not allow, such as 007, is written in
// its shortest form (7). Strings are written with JSON escapes; bytes that
// are not UTF-8 become U+FFFD. Unlike Parse, StandardJSON does not enforce
// MaxBodyLength. A body that is not JSON even by the lenient reading yields
// an *ErrorList wrapping ErrSyntax, with the line and column of the problem.
func StandardJSON(body []byte) ([]byte, error) {
	root, _, msg := readJSON(string(body))
	if msg != "" {
		return nil, &ErrorList{syntax: true, Errors: []Error{{Message: msg}}}
	}
	return appendJSON(make([]byte, 0, len(body)), root), nil
}

// appendJSON appends n to dst as strict JSON.
func appendJSON(dst []byte, n *node) []byte {
	switch n.kind {
	case kNull:
		return append(dst, "null"...)
	case kBool:
		return strconv.AppendBool(dst, n.b)
	case kNumber:
		if strictNumber(n.str) {
			return append(dst, n.str...)
		}
		return strconv.AppendFloat(dst, n.num, 'g', -1, 64)
	case kString:
		return appendJSONString(dst, n.str)
	case kArray:
		dst = append(dst, '[')
		for i, it := range n.items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, it)
		}
		return append(dst, ']')
	}
	dst = append(dst, '{')
	for i, m := range n.members {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, m.key)
		dst = append(dst, ':')
		dst = appendJSON(dst, m.val)
	}
	return append(dst, '}')
}

// strictNumber reports whether text, which the lenient reader accepted as a
// number, is also a JSON number: the reader allows leading zeros (007),
// which JSON does not.
func strictNumber(text string) bool {
	s := strings.TrimPrefix(text, "-")
	return len(s) < 2 || s[0] != '0' || s[1] < '0' || s[1] > '9'
}

// appendJSONString appends s to dst as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
		i++
	}
	return append(dst, '"')
}
