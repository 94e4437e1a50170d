package main

import (
	"github.com/matchforge/matchforge/internal/strictjson"
)

// maxListedFileProblems is the most problems of one file a message lists.
const maxListedFileProblems = 20

// A jsonError lists the problems of a JSON file, each with its line,
// column and JSON path (internal/strictjson).
type jsonError struct {
	Problems []strictjson.Problem
}

// Error gives the one problem, or a count and the problems one per line.
func (e *jsonError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strictjson.List("", lines, maxListedFileProblems)
}

// decodeJSONFile decodes the JSON document b into v, which must be a
// pointer, strictly: an unknown member, a member given twice or in the
// wrong case, a value of the wrong kind or out of range, a second document
// after the first are all refused, each with its place, in JSON's terms
// and never a Go type. what names what the document must hold, for an
// empty file ("a configuration").
func decodeJSONFile(b []byte, v any, what string) error {
	if ps := strictjson.NewChecker(b).Decode(v, what); len(ps) > 0 {
		return &jsonError{Problems: ps}
	}
	return nil
}
