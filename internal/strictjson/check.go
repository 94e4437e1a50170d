package strictjson

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Problem is one thing wrong with a document: where (a byte offset, its line
// and column from 1, and the JSON path of the value, "" for the document)
// and what, in JSON's terms.
type Problem struct {
	Offset       int
	Line, Column int
	Path         string
	Msg          string
}

// Error returns "line L, column C: path: message".
func (p Problem) Error() string {
	s := fmt.Sprintf("line %d, column %d: ", p.Line, p.Column)
	if p.Path != "" {
		s += p.Path + ": "
	}
	return s + p.Msg
}

// List words a list of problems for a message: subject alone when there are
// none, "subject: problem" for one (the problem alone without a subject),
// and for more "subject, N problems:" with the first limit of them one per
// line, indented by two spaces, and a count of the rest.
func List(subject string, problems []string, limit int) string {
	switch len(problems) {
	case 0:
		return subject
	case 1:
		if subject == "" {
			return problems[0]
		}
		return subject + ": " + problems[0]
	}
	var b strings.Builder
	if subject != "" {
		b.WriteString(subject + ", ")
	}
	fmt.Fprintf(&b, "%d problems:", len(problems))
	shown := min(len(problems), limit)
	for _, p := range problems[:shown] {
		b.WriteString("\n  " + p)
	}
	if rest := len(problems) - shown; rest > 0 {
		fmt.Fprintf(&b, "\n  ... and %d more", rest)
	}
	return b.String()
}

// Checker compares a parsed document with a Go type as encoding/json would
// decode it, collecting every problem, and records where the value of each
// JSON path is (At), so that problems found later on the decoded value can
// be placed too.
type Checker struct {
	B        []byte
	Problems []Problem
	At       map[string]int // JSON path -> offset of its value
	// Join appends a member name to a path; nil means JoinPath.
	Join func(path, name string) string
	// Custom checks the values of the types it names (types with their own
	// UnmarshalJSON, say) instead of the rules by kind.
	Custom map[reflect.Type]func(c *Checker, n *Node, path string)
}

// NewChecker returns a Checker of document b.
func NewChecker(b []byte) *Checker { return &Checker{B: b, At: map[string]int{}} }

// Add records a problem at offset off.
func (c *Checker) Add(off int, path, format string, args ...any) {
	line, col := Position(c.B, off)
	c.Problems = append(c.Problems, Problem{Offset: off, Line: line, Column: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Wrong records that n, at path, is not what it must be (want).
func (c *Checker) Wrong(n *Node, path, want string) {
	c.Add(n.Start, path, "is %s; it must be %s", c.Describe(n), want)
}

// Describe names the JSON value of n for a message, with the value itself
// when it is short.
func (c *Checker) Describe(n *Node) string {
	text := string(c.B[n.Start:n.End])
	short := utf8.RuneCountInString(text) <= 24
	switch n.Kind {
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

func (c *Checker) join(path, name string) string {
	if c.Join != nil {
		return c.Join(path, name)
	}
	return JoinPath(path, name)
}

// JoinPath appends member name to path: a.b, or a["odd key"] for a name
// that is not a plain identifier.
func JoinPath(path, name string) string {
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

// Check compares n, at path, with type t. null is accepted anywhere (it
// leaves a Go value as it is, as with encoding/json) unless a Custom check
// says otherwise. Member names must match exactly: a name that encoding/json
// would match only ignoring case is refused, with the right spelling.
func (c *Checker) Check(n *Node, t reflect.Type, path string) {
	c.At[path] = n.Start
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if f, ok := c.Custom[t]; ok {
		f(c, n, path)
		return
	}
	if n.Kind == 'n' {
		return
	}
	switch t.Kind() {
	case reflect.Interface:
	case reflect.Struct:
		if n.Kind != '{' {
			c.Wrong(n, path, "an object")
			return
		}
		fields := StructFields(t)
		names := make([]string, len(fields))
		for i, f := range fields {
			names[i] = f.Name
		}
		c.Members(n, path, names, func(i int, name, fp string) {
			k := slices.IndexFunc(fields, func(f Field) bool { return f.Name == name })
			c.Check(n.Elems[i], fields[k].Type, fp)
		})
	case reflect.Map:
		if n.Kind != '{' {
			c.Wrong(n, path, "an object")
			return
		}
		c.Members(n, path, nil, func(i int, _, fp string) { c.Check(n.Elems[i], t.Elem(), fp) })
	case reflect.Slice, reflect.Array:
		if n.Kind != '[' {
			c.Wrong(n, path, "an array")
			return
		}
		if t.Kind() == reflect.Array && len(n.Elems) > t.Len() {
			c.Wrong(n, path, fmt.Sprintf("an array of at most %d values", t.Len()))
			return
		}
		for i, e := range n.Elems {
			c.Check(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.String:
		if n.Kind != '"' {
			c.Wrong(n, path, "a string")
		}
	case reflect.Bool:
		if n.Kind != 't' {
			c.Wrong(n, path, "true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c.Whole(n, path, t.Bits(), true)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		c.Whole(n, path, t.Bits(), false)
	case reflect.Float32, reflect.Float64:
		c.Float(n, path, t.Bits())
	default:
		// The types read with this package hold nothing else; a field of
		// another kind must be taught here.
		panic(fmt.Sprintf("strictjson: cannot check a %s", t))
	}
}

// Members checks the names of an object's members: each once, and, when
// known is not nil, each one of known. Each member that passes goes to
// visit with its index, name and path.
func (c *Checker) Members(n *Node, path string, known []string, visit func(i int, name, path string)) {
	seen := make(map[string]bool, len(n.Keys))
	for i, k := range n.Keys {
		fp := c.join(path, k.Name)
		switch {
		case seen[k.Name]:
			c.Add(k.Start, fp, "is given twice; give each member once")
		case known != nil && !slices.Contains(known, k.Name):
			c.Add(k.Start, fp, "unknown field%s; the accepted fields are %s", DidYouMean(k.Name, known), strings.Join(known, ", "))
		default:
			seen[k.Name] = true
			visit(i, k.Name, fp)
		}
	}
}

// Whole checks a whole number that fits a signed (or unsigned) integer of
// the given bits.
func (c *Checker) Whole(n *Node, path string, bits int, signed bool) {
	rng := fmt.Sprintf("a whole number from %d to %d", int64(-1)<<(bits-1), int64(1)<<(bits-1)-1)
	if !signed {
		rng = fmt.Sprintf("a whole number from 0 to %d", uint64(1)<<bits-1)
	}
	if n.Kind != '0' {
		c.Wrong(n, path, "a whole number")
		return
	}
	text := string(c.B[n.Start:n.End])
	var err error
	if signed {
		_, err = strconv.ParseInt(text, 10, bits)
	} else {
		_, err = strconv.ParseUint(text, 10, bits)
	}
	switch {
	case err == nil:
	case strings.ContainsAny(text, ".eE"):
		c.Wrong(n, path, "a whole number, written without a fraction or an exponent")
	default:
		c.Wrong(n, path, rng)
	}
}

// Float checks a number that fits a float of the given bits.
func (c *Checker) Float(n *Node, path string, bits int) {
	if n.Kind != '0' {
		c.Wrong(n, path, "a number")
		return
	}
	if _, err := strconv.ParseFloat(string(c.B[n.Start:n.End]), bits); err != nil {
		limit := "1.8e308"
		if bits == 32 {
			limit = fmt.Sprintf("%.2g", math.MaxFloat32)
		}
		c.Wrong(n, path, "a number from -"+limit+" to "+limit)
	}
}

// Field is a member encoding/json decodes into a struct.
type Field struct {
	Name string
	Type reflect.Type
}

// StructFields returns the members of struct type t in order, following
// encoding/json's rules for tags, unexported fields and embedded structs
// (without its tie-breaking among embedded fields of the same name, which
// the types read here do not have).
func StructFields(t reflect.Type) []Field {
	var out []Field
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, StructFields(f.Type)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, Field{name, f.Type})
	}
	return out
}

// DidYouMean suggests the known name closest to name: one that differs only
// in case, or by at most two edits, as ` (did you mean "x"?)`. It returns ""
// when none is close.
func DidYouMean(name string, known []string) string {
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

// Locate returns the place of the value at path, or when the document has
// no such value (a required member left out) of the nearest enclosing value
// it has. ok is false when not even the document was checked.
func (c *Checker) Locate(path string) (line, col int, ok bool) {
	for ; ; path = parent(path) {
		if off, found := c.At[path]; found {
			line, col = Position(c.B, off)
			return line, col, true
		}
		if path == "" {
			return 0, 0, false
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

// Decode reads the one JSON value of b into v (a pointer): it parses b,
// checks it against v's type with c's settings, and only when nothing is
// wrong decodes it with encoding/json. empty says what the document must
// hold, for the message when b holds only white space ("a population").
// It returns every problem, each with its place.
func (c *Checker) Decode(v any, empty string) []Problem {
	root, serr := Parse(c.B)
	switch {
	case serr != nil:
		c.Add(serr.Offset, "", "%s", serr.Msg)
		return c.Problems
	case root == nil:
		c.Add(0, "", "the input is empty; it must hold %s as a JSON object", empty)
		return c.Problems
	}
	c.Check(root, reflect.TypeOf(v).Elem(), "")
	if len(c.Problems) > 0 {
		return c.Problems
	}
	if err := json.Unmarshal(c.B, v); err != nil {
		// The checks accept only what encoding/json decodes; this is a
		// guard, worded without Go's terms.
		c.Add(0, "", "cannot be decoded, although its shape was checked: a fault of this reader; please report it with the input")
	}
	return c.Problems
}
