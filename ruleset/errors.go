package ruleset

import (
	"errors"
	"strings"
)

// Sentinel errors. Every error this package returns wraps one of them.
var (
	// ErrSyntax: the body is not JSON, even by the lenient reading of D1.
	ErrSyntax = errors.New("rule set is not valid JSON")
	// ErrInvalid: the body is JSON but breaks a rule of the rule-set language.
	ErrInvalid = errors.New("invalid rule set")
	// ErrEvaluation: a rule could not be evaluated (an expression rule failed
	// at run time or exceeded its budget).
	ErrEvaluation = errors.New("rule evaluation failed")
)

// Error is one problem in a rule set, located by a JSON path such as
// rules[2].operation. Path is empty for a problem with the body as a whole.
type Error struct {
	Path    string
	Message string
}

func (e Error) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// ErrorList is every problem found in a rule set (D6). It wraps ErrSyntax
// when the body could not be read at all and ErrInvalid otherwise.
type ErrorList struct {
	Errors []Error
	syntax bool
}

func (l *ErrorList) Error() string {
	parts := make([]string, len(l.Errors))
	for i, e := range l.Errors {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap returns ErrSyntax or ErrInvalid.
func (l *ErrorList) Unwrap() error {
	if l.syntax {
		return ErrSyntax
	}
	return ErrInvalid
}

// Problems returns the list of problems in err when err is an *ErrorList,
// and a one-element list otherwise.
func Problems(err error) []Error {
	if err == nil {
		return nil
	}
	var l *ErrorList
	if errors.As(err, &l) {
		return l.Errors
	}
	return []Error{{Message: err.Error()}}
}
