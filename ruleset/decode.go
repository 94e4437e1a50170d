package ruleset

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// decoder walks the JSON tree, reading typed values and recording a problem
// (with its JSON path) for every value of the wrong shape. It never stops at
// the first problem (D6).
type decoder struct {
	errs []Error
}

func (d *decoder) errorf(path, format string, args ...any) {
	d.errs = append(d.errs, Error{Path: path, Message: fmt.Sprintf(format, args...)})
}

// object checks that n is an object whose keys are all in allowed, and
// reports each unknown key. what names the object in messages.
func (d *decoder) object(n *node, path, what string, allowed []string) bool {
	if n == nil {
		return false
	}
	if n.kind != kObject {
		d.errorf(path, "must be an object (%s), but it is %s", what, n.kind)
		return false
	}
	for _, m := range n.members {
		if !slices.Contains(allowed, m.key) {
			d.errorf(joinPath(path, m.key), "is not a property of %s; the properties are %s", what, strings.Join(allowed, ", "))
		}
	}
	return true
}

// str reads a string.
func (d *decoder) str(n *node, path string) (string, bool) {
	if n == nil {
		return "", false
	}
	if n.kind != kString {
		d.errorf(path, "must be a string, but it is %s", n.kind)
		return "", false
	}
	return n.str, true
}

// requiredStr reads a string that must be present and non-empty.
func (d *decoder) requiredStr(obj *node, path, key, what string) (string, bool) {
	n := obj.get(key)
	p := joinPath(path, key)
	if n == nil {
		d.errorf(p, "is missing; %s", what)
		return "", false
	}
	s, ok := d.str(n, p)
	if ok && strings.TrimSpace(s) == "" {
		d.errorf(p, "is empty; %s", what)
		return "", false
	}
	return s, ok
}

// number reads a number; a string holding a number is accepted (D1).
func (d *decoder) number(n *node, path string) (float64, bool) {
	if n == nil {
		return 0, false
	}
	switch n.kind {
	case kNumber:
		return n.num, true
	case kString:
		if f, ok := parseNumber(n.str); ok {
			return f, true
		}
		d.errorf(path, "must be a number, but it is the string %q", n.str)
	default:
		d.errorf(path, "must be a number, but it is %s", n.kind)
	}
	return 0, false
}

// parseNumber reads a finite number written as a string, surrounding white
// space allowed (D1).
func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

// optNumber reads an optional number member; ok is false when absent or bad.
func (d *decoder) optNumber(obj *node, path, key string) (float64, bool) {
	n := obj.get(key)
	if n == nil {
		return 0, false
	}
	return d.number(n, joinPath(path, key))
}

// plainNumber formats f in decimal notation when that stays short (up to
// 21 digits), as a person would write it: 1000000000000 rather than 1e+12.
func plainNumber(f float64) string {
	if math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// integer reads a whole number within [lo, hi].
func (d *decoder) integer(n *node, path string, lo, hi int) (int, bool) {
	f, ok := d.number(n, path)
	if !ok {
		return 0, false
	}
	if f != math.Trunc(f) {
		d.errorf(path, "is %s; it must be a whole number from %d to %d", plainNumber(f), lo, hi)
		return 0, false
	}
	if f < float64(lo) || f > float64(hi) {
		d.errorf(path, "is %s; it must be a whole number from %d to %d", plainNumber(f), lo, hi)
		return 0, false
	}
	return int(f), true
}

// stringOrList reads a string or an array of strings (measurements, D1).
func (d *decoder) stringOrList(n *node, path string) ([]string, bool) {
	switch n.kind {
	case kString:
		return []string{n.str}, true
	case kArray:
		out := make([]string, 0, len(n.items))
		ok := true
		for i, it := range n.items {
			s, good := d.str(it, fmt.Sprintf("%s[%d]", path, i))
			ok = ok && good
			out = append(out, s)
		}
		return out, ok
	}
	d.errorf(path, "must be a string or an array of strings, but it is %s", n.kind)
	return nil, false
}

// sortErrors orders problems by path for stable output, keeping the order
// of problems that share a path.
func sortErrors(errs []Error) {
	sort.SliceStable(errs, func(i, j int) bool { return pathLess(errs[i].Path, errs[j].Path) })
}

// pathLess orders JSON paths so that rules[2] comes before rules[10].
func pathLess(a, b string) bool {
	for a != "" && b != "" {
		ai, bi := numPrefix(a), numPrefix(b)
		if ai >= 0 && bi >= 0 {
			na, _ := strconv.Atoi(a[:ai])
			nb, _ := strconv.Atoi(b[:bi])
			if na != nb {
				return na < nb
			}
			a, b = a[ai:], b[bi:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func numPrefix(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return -1
	}
	return i
}
