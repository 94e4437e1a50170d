package ruleset

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors. Every error this package returns wraps one of them.
var (
	// ErrSyntax: the body is not JSON, even by the lenient reading of D1.
	ErrSyntax = errors.New("rule set is not valid JSON")
	// ErrInvalid: the body is JSON but breaks a rule of the rule-set language.
	ErrInvalid = errors.New("invalid rule set")
	// ErrEvaluation: a rule could not be evaluated (an expression rule failed
	// at run time or exceeded its budget, or a Go rule panicked).
	ErrEvaluation = errors.New("rule evaluation failed")
	// ErrRuleType: Options declare a Go rule type badly (a name taken by a
	// built-in or another registered type, a missing Compile, a malformed
	// property declaration). It is a mistake in the program, not in the
	// rule set.
	ErrRuleType = errors.New("invalid rule type")
)

// EvaluationError is a rule that could not be evaluated on a candidate: an
// expression rule that failed at run time or exceeded its budget, or a Go
// rule that panicked. The rule counts as failed. It wraps ErrEvaluation.
type EvaluationError struct {
	// Rule is the index in RuleSet.Rules of the top-level rule whose
	// evaluation failed (a compound rule when the failure was in one of its
	// parts).
	Rule int
	// Name names the rule that failed, and Problem says why.
	Name, Problem string
}

func (e *EvaluationError) Error() string {
	return fmt.Sprintf("%v: rule %s: %s", ErrEvaluation, e.Name, e.Problem)
}

// Unwrap returns ErrEvaluation.
func (e *EvaluationError) Unwrap() error { return ErrEvaluation }

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

// MaxListedProblems is the most problems Lines and Summary list one by one.
// Beyond it they say how many more there are, so that a body with hundreds of
// problems (say, a generated one) still gives a message a person can read;
// the first problems, in path order, are usually the ones to fix first.
const MaxListedProblems = 20

// Lines returns the problems one per line, each as Error.Error formats it
// ("rules[2].operation: is ..."), in the list's order. When there are more
// than MaxListedProblems, the first MaxListedProblems lines are followed by
// one that says how many were left out: "... and 5 more problems".
func (l *ErrorList) Lines() []string {
	if l == nil || len(l.Errors) == 0 {
		return nil
	}
	shown := min(len(l.Errors), MaxListedProblems)
	out := make([]string, 0, shown+1)
	for _, e := range l.Errors[:shown] {
		out = append(out, e.Error())
	}
	if rest := len(l.Errors) - shown; rest > 0 {
		out = append(out, fmt.Sprintf("... and %d more %s", rest, plural(rest, "problem")))
	}
	return out
}

// Summary returns the problems on one line after subject, a phrase that
// says what is invalid. With one problem it reads
//
//	<subject>: <problem>
//
// and with several they are counted and numbered:
//
//	<subject> (3 problems): (1) <problem> (2) <problem> (3) <problem>
//
// Beyond MaxListedProblems, only the first MaxListedProblems are numbered,
// followed by " ... and <n> more". Up to that bound the text is exactly the
// one the engine has always given for an invalid RuleSetBody
// (Summary("RuleSetBody is not a valid rule set")), so existing messages do
// not change. An empty list gives subject alone.
func (l *ErrorList) Summary(subject string) string {
	if l == nil || len(l.Errors) == 0 {
		return subject
	}
	if len(l.Errors) == 1 {
		return subject + ": " + l.Errors[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d problems):", subject, len(l.Errors))
	shown := min(len(l.Errors), MaxListedProblems)
	for i, e := range l.Errors[:shown] {
		b.WriteString(" (")
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(") ")
		b.WriteString(e.Error())
	}
	if rest := len(l.Errors) - shown; rest > 0 {
		fmt.Fprintf(&b, " ... and %d more", rest)
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
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
