package strictjson

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNesting bounds how deeply Parse nests objects and arrays: the inputs
// read here nest a few levels, and the bound keeps a hostile input from
// exhausting the stack.
const MaxNesting = 100

// Node is one parsed JSON value: its Kind ('{', '[', '"', '0' for a
// number, 't' for true or false, 'n' for null), its bytes b[Start:End], and
// for objects and arrays its members.
type Node struct {
	Kind       byte
	Start, End int
	Keys       []Key   // an object's member names, in order
	Elems      []*Node // an array's elements, or an object's values in Keys' order
}

// Key is an object member's name and the offset of its opening quote.
type Key struct {
	Name  string
	Start int
}

// SyntaxError is a problem of JSON syntax at byte Offset, said in JSON's
// terms: what was expected and what was found.
type SyntaxError struct {
	Offset int
	Msg    string
}

// jsonParser is a recursive-descent parser of RFC 8259 JSON that accepts
// what encoding/json accepts, except bytes that are not UTF-8 text inside
// strings, and says what it expected and what it found.
type jsonParser struct {
	b     []byte
	i     int
	depth int
}

// Parse parses the single JSON value of b. It returns nil and no error when
// b holds only white space.
func Parse(b []byte) (*Node, *SyntaxError) {
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

func (p *jsonParser) fail(off int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
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
	l, c := Position(p.b, off)
	return fmt.Sprintf("line %d, column %d", l, c)
}

func (p *jsonParser) value() (*Node, *SyntaxError) {
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
		return &Node{Kind: '"', Start: start, End: p.i}, nil
	case c == '-' || c >= '0' && c <= '9':
		if err := p.number(); err != nil {
			return nil, err
		}
		return &Node{Kind: '0', Start: start, End: p.i}, nil
	}
	// A bare word: true, false, null, or a mistake such as an unquoted
	// string.
	for p.i < len(p.b) && (isLetter(p.b[p.i]) || p.b[p.i] >= '0' && p.b[p.i] <= '9') {
		p.i++
	}
	switch w := string(p.b[start:p.i]); w {
	case "true", "false":
		return &Node{Kind: 't', Start: start, End: p.i}, nil
	case "null":
		return &Node{Kind: 'n', Start: start, End: p.i}, nil
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
func (p *jsonParser) container(open byte) (*Node, *SyntaxError) {
	n := &Node{Kind: open, Start: p.i}
	what, close := "an object", byte('}')
	if open == '[' {
		what, close = "an array", ']'
	}
	p.depth++
	if p.depth > MaxNesting {
		return nil, p.fail(p.i, "objects and arrays are nested more than %d levels deep", MaxNesting)
	}
	p.i++
	p.space()
	if p.i < len(p.b) && p.b[p.i] == close {
		p.i++
		n.End, p.depth = p.i, p.depth-1
		return n, nil
	}
	for {
		p.space()
		if p.i >= len(p.b) {
			return nil, p.fail(p.i, "the input ends inside %s that opens at %s", what, p.at(n.Start))
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
			n.Keys = append(n.Keys, Key{Name: name, Start: keyStart})
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.Elems = append(n.Elems, v)
		p.space()
		switch {
		case p.i >= len(p.b):
			return nil, p.fail(p.i, "the input ends inside %s that opens at %s", what, p.at(n.Start))
		case p.b[p.i] == ',':
			p.i++
		case p.b[p.i] == close:
			p.i++
			n.End, p.depth = p.i, p.depth-1
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
func (p *jsonParser) str() (string, *SyntaxError) {
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
func (p *jsonParser) escape() (rune, *SyntaxError) {
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
func (p *jsonParser) number() *SyntaxError {
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

// Position returns the line and column, from 1, of byte offset off of b;
// columns count characters.
func Position(b []byte, off int) (line, col int) {
	off = min(max(off, 0), len(b))
	before := b[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = 1 + utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	return line, col
}
