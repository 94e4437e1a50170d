package bench

import (
	"reflect"

	"github.com/matchforge/matchforge/internal/strictjson"
)

// This file is the strict reader of population JSON. encoding/json reports
// problems in Go's terms, stops at the first one and ignores a field given
// twice; the reader here (internal/strictjson) keeps the place of every
// value and compares the document with the Population type, so that every
// problem is reported with its line, column and JSON path, in the file's
// terms: a field's name, "a whole number", "a string". Only a document that
// passes goes to encoding/json.

var choiceType = reflect.TypeFor[Choice]()

// newChecker returns a checker for population document b: paths spelt as
// Validate spells them, and weighted choices checked as Choice reads them.
func newChecker(b []byte) *strictjson.Checker {
	c := strictjson.NewChecker(b)
	c.Join = join
	c.Custom = map[reflect.Type]func(*strictjson.Checker, *strictjson.Node, string){choiceType: checkChoice}
	return c
}

// join appends a member name to a path, as Validate spells paths.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// choice checks a weighted choice: {"value": "s" or n, "weight": w}.
func checkChoice(c *strictjson.Checker, n *strictjson.Node, path string) {
	if n.Kind == 'n' {
		c.Add(n.Start, path, `is null; a choice needs a "value"`)
		return
	}
	if n.Kind != '{' {
		c.Wrong(n, path, `an object such as {"value": "x", "weight": 2}`)
		return
	}
	hasValue := false
	c.Members(n, path, []string{"value", "weight"}, func(i int, name, fp string) {
		e := n.Elems[i]
		c.At[fp] = e.Start
		if name == "weight" {
			if e.Kind != 'n' {
				c.Float(e, fp, 64)
			}
			return
		}
		hasValue = true
		switch e.Kind {
		case '"':
		case '0':
			c.Float(e, fp, 64)
		default:
			c.Wrong(e, fp, "a string or a number")
		}
	})
	if !hasValue {
		c.Add(n.Start, path, `a choice needs a "value"`)
	}
}

// locate gives problems found on the decoded population (by Validate or
// Check) the place of their field in the document: the field's value, or
// when the field is not in the document (a required one left out) the
// nearest enclosing value that is.
func locate(c *strictjson.Checker, ps []FieldError) {
	for i := range ps {
		if ps[i].Line > 0 {
			continue
		}
		if line, col, ok := c.Locate(ps[i].Field); ok {
			ps[i].Line, ps[i].Column = line, col
		}
	}
}

// decodeStrict reads a population from b: it parses b, checks its shape
// against the Population type, decodes it, and returns the checker (for
// locate) and every problem found, each with its place.
func decodeStrict(b []byte) (Population, *strictjson.Checker, problems) {
	c := newChecker(b)
	var p Population
	if found := c.Decode(&p, "a population"); len(found) > 0 {
		ps := make(problems, len(found))
		for i, f := range found {
			ps[i] = FieldError{Field: f.Path, Problem: f.Msg, Line: f.Line, Column: f.Column}
		}
		return Population{}, c, ps
	}
	return p, c, nil
}
