package rpcv2

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// scan walks the structure of one CBOR request body without building
// anything, so that the limits this package promises hold before the body
// reaches the smithy decoder. The smithy decoder reports no position for
// its errors, ignores bytes after the first item, and takes a definite
// length past the range of int as zero items; scan closes each of those
// gaps. It checks, with the path of the offending item:
//
//   - that the top-level item is a map and that nothing follows it;
//   - that no item is cut short, counting a definite length of a list or
//     map that the remaining bytes could not hold as cut short;
//   - that every map key is a text string and no map repeats a key;
//   - that lists and maps nest at most MaxDepth deep;
//   - that every text string is valid UTF-8;
//   - that the only tag is 1 (epoch time), directly around a number;
//   - that each simple value is false, true, null, undefined or a float.
//
// It keeps its own stack instead of recursing, so a deep body costs no
// Go stack, and stops at the first problem.
func scan(p []byte) error {
	s := scanner{p: p}
	return s.run()
}

type frame struct {
	isMap     bool
	indef     bool
	n         uint64 // declared count: items of a list, entries of a map
	i         uint64 // items (list) or entries (map) finished so far
	expectKey bool   // map only: the next item is a key
	key       string // map only: the key of the entry being read
	keys      map[string]struct{}
}

type scanner struct {
	p     []byte
	off   int
	stack []frame
}

func (s *scanner) path() string {
	var b strings.Builder
	for _, f := range s.stack {
		if !f.isMap {
			b.WriteString("[")
			b.WriteString(strconv.FormatUint(f.i, 10))
			b.WriteString("]")
			continue
		}
		if f.expectKey {
			break
		}
		appendKey(&b, f.key)
	}
	return b.String()
}

// appendKey writes ".key", or `["key"]` when the key would not read back
// as one plain segment of a path.
func appendKey(b *strings.Builder, key string) {
	plain := key != ""
	for _, r := range key {
		if r == '.' || r == '[' || r == ']' || r == '"' || r < ' ' {
			plain = false
			break
		}
	}
	if !plain {
		b.WriteString("[")
		b.WriteString(strconv.Quote(key))
		b.WriteString("]")
		return
	}
	if b.Len() > 0 {
		b.WriteString(".")
	}
	b.WriteString(key)
}

func (s *scanner) errorf(format string, args ...any) error {
	return &DecodeError{Path: s.path(), Msg: fmt.Sprintf(format, args...)}
}

var kindNames = [...]string{"unsigned integer", "negative integer", "byte string", "text string", "array", "map", "tag", "simple value or float"}

func (s *scanner) truncated() error {
	return s.errorf("body ends in the middle of an item (at byte %d of %d)", s.off, len(s.p))
}

// head reads the head at s.off and returns its major type, its minor
// value and its argument; indefinite is reported as minor 31 with
// argument 0.
func (s *scanner) head() (major, minor byte, arg uint64, err error) {
	if s.off >= len(s.p) {
		return 0, 0, 0, s.truncated()
	}
	b := s.p[s.off]
	major, minor = b>>5, b&0x1f
	switch {
	case minor < 24:
		s.off++
		return major, minor, uint64(minor), nil
	case minor <= 27:
		n := 1 << (minor - 24)
		if len(s.p)-s.off-1 < n {
			return 0, 0, 0, s.truncated()
		}
		q := s.p[s.off+1 : s.off+1+n]
		switch n {
		case 1:
			arg = uint64(q[0])
		case 2:
			arg = uint64(binary.BigEndian.Uint16(q))
		case 4:
			arg = uint64(binary.BigEndian.Uint32(q))
		default:
			arg = binary.BigEndian.Uint64(q)
		}
		s.off += 1 + n
		return major, minor, arg, nil
	case minor == 31 && major >= 2 && major <= 5, minor == 31 && major == 7:
		s.off++
		return major, minor, 0, nil
	default:
		return 0, 0, 0, s.errorf("malformed item head 0x%02x (reserved additional information %d)", b, minor)
	}
}

// str reads the body of a byte or text string whose head has been read.
// It returns the string's content only when keep is set.
func (s *scanner) str(major, minor byte, n uint64, keep bool) (string, error) {
	if minor != 31 {
		if uint64(len(s.p)-s.off) < n {
			return "", s.truncated()
		}
		c := s.p[s.off : s.off+int(n)]
		s.off += int(n)
		if major == 3 && !utf8.Valid(c) {
			return "", s.errorf("text string is not valid UTF-8")
		}
		if keep {
			return string(c), nil
		}
		return "", nil
	}
	var b strings.Builder
	for {
		if s.off >= len(s.p) {
			return "", s.truncated()
		}
		if s.p[s.off] == 0xff {
			s.off++
			return b.String(), nil
		}
		cm, cmin, cn, err := s.head()
		if err != nil {
			return "", err
		}
		if cm != major || cmin == 31 {
			return "", s.errorf("a chunk of an indefinite-length %s must be a definite-length %s", kindNames[major], kindNames[major])
		}
		c, err := s.str(cm, cmin, cn, keep)
		if err != nil {
			return "", err
		}
		if keep {
			b.WriteString(c)
		}
	}
}

func (s *scanner) run() error {
	if len(s.p) == 0 {
		return nil
	}
	if s.p[0]>>5 != 5 {
		return s.errorf("the request must be a map, not a %s", kindNames[s.p[0]>>5])
	}
	for {
		if err := s.item(); err != nil {
			return err
		}
		// Close every container that the item just read completed.
		for len(s.stack) > 0 {
			f := &s.stack[len(s.stack)-1]
			if f.indef || f.i < f.n || (f.isMap && !f.expectKey) {
				break
			}
			s.pop()
		}
		if len(s.stack) == 0 {
			if s.off != len(s.p) {
				return s.errorf("%d bytes follow the request's map", len(s.p)-s.off)
			}
			return nil
		}
	}
}

// pop removes the top frame and counts it as one finished item of its
// parent.
func (s *scanner) pop() {
	s.stack = s.stack[:len(s.stack)-1]
	s.done()
}

// done counts one finished item (a value, not a key) in the top frame.
func (s *scanner) done() {
	if len(s.stack) == 0 {
		return
	}
	f := &s.stack[len(s.stack)-1]
	f.i++
	if f.isMap {
		f.expectKey = true
	}
}

// item reads one step: a key, a scalar, the head of a container, or the
// break that ends an indefinite-length container.
func (s *scanner) item() error {
	if len(s.stack) > 0 {
		f := &s.stack[len(s.stack)-1]
		if s.off < len(s.p) && s.p[s.off] == 0xff && f.indef {
			if f.isMap && !f.expectKey {
				return s.errorf("map ends after a key with no value")
			}
			s.off++
			s.pop()
			return nil
		}
		if f.isMap && f.expectKey {
			return s.mapKey(f)
		}
	}
	major, minor, arg, err := s.head()
	if err != nil {
		return err
	}
	switch major {
	case 0, 1:
		s.done()
	case 2, 3:
		if _, err := s.str(major, minor, arg, false); err != nil {
			return err
		}
		s.done()
	case 4, 5:
		if len(s.stack) >= MaxDepth {
			return s.errorf("arrays and maps nest deeper than %d levels", MaxDepth)
		}
		min := uint64(1)
		if major == 5 {
			min = 2
		}
		if minor != 31 && arg > uint64(len(s.p)-s.off)/min {
			return s.errorf("%s of %d items is longer than the %d bytes left", kindNames[major], arg, len(s.p)-s.off)
		}
		s.stack = append(s.stack, frame{isMap: major == 5, indef: minor == 31, n: arg, expectKey: major == 5})
	case 6:
		if arg != 1 {
			return s.errorf("tag %d is not supported (only tag 1, epoch time)", arg)
		}
		if s.off >= len(s.p) {
			return s.truncated()
		}
		b := s.p[s.off]
		if m := b >> 5; m > 1 && !(m == 7 && b&0x1f >= 25 && b&0x1f <= 27) {
			return s.errorf("tag 1 (epoch time) must hold a number, not a %s", kindNames[m])
		}
		// The number itself is read as the next item.
	case 7:
		switch {
		case minor >= 20 && minor <= 23, minor >= 25 && minor <= 27:
			s.done()
		case minor == 31:
			return s.errorf("unexpected break outside an indefinite-length item")
		default:
			return s.errorf("simple value %d is not supported", arg)
		}
	}
	return nil
}

func (s *scanner) mapKey(f *frame) error {
	if s.off >= len(s.p) {
		return s.truncated()
	}
	if m := s.p[s.off] >> 5; m != 3 {
		return s.errorf("key of entry %d is a %s, not a text string", f.i, kindNames[m])
	}
	_, minor, arg, err := s.head()
	if err != nil {
		return err
	}
	key, err := s.str(3, minor, arg, true)
	if err != nil {
		return err
	}
	if f.keys == nil {
		f.keys = map[string]struct{}{}
	}
	if _, dup := f.keys[key]; dup {
		return s.errorf("key %q appears twice", key)
	}
	f.keys[key] = struct{}{}
	f.key = key
	f.expectKey = false
	return nil
}
