package gamelift

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/matchforge/matchforge/engine"
)

// Error is an operation's error in the GameLift JSON 1.1 shape:
// {"__type": "InvalidRequestException", "message": "..."}. Its message
// names the field, the problem and the limit (D25).
type Error struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// Unwrap returns the sentinel of the error's exception, so that
// errors.Is(err, gamelift.ErrNotFound) works.
func (e *Error) Unwrap() error {
	for _, s := range exceptions {
		if s.Error() == e.Type {
			return s
		}
	}
	return nil
}

// Sentinels, one per GameLift exception the operations raise; each is
// named after its exception.
var (
	ErrInvalidRequest = errors.New("InvalidRequestException")
	ErrNotFound       = errors.New("NotFoundException")
	ErrLimitExceeded  = errors.New("LimitExceededException")
	ErrInternal       = errors.New("InternalServiceException")
)

var exceptions = []error{ErrInvalidRequest, ErrNotFound, ErrLimitExceeded, ErrInternal}

// ToError converts an error into the GameLift error shape: an *Error as it
// is, an engine error by its kind, anything else as InternalServiceException.
func ToError(err error) *Error {
	var ge *Error
	if errors.As(err, &ge) {
		return ge
	}
	var ee *engine.Error
	if errors.As(err, &ee) {
		t := ErrInvalidRequest
		if errors.Is(ee.Kind, engine.ErrNotFound) {
			t = ErrNotFound
		}
		return &Error{Type: t.Error(), Message: ee.Message}
	}
	return &Error{Type: ErrInternal.Error(), Message: err.Error()}
}

// toError is ToError that keeps nil (and returns the error interface).
func toError(err error) error {
	if err == nil {
		return nil
	}
	return ToError(err)
}

func newError(kind error, format string, args ...any) *Error {
	return &Error{Type: kind.Error(), Message: fmt.Sprintf(format, args...)}
}

func invalidf(format string, args ...any) *Error {
	return newError(ErrInvalidRequest, format, args...)
}

func notFoundf(format string, args ...any) *Error { return newError(ErrNotFound, format, args...) }

func limitExceededf(format string, args ...any) *Error {
	return newError(ErrLimitExceeded, format, args...)
}

// jsonProblem says in plain words why data is not valid JSON, with the
// line and column where the reader stopped (for a single line, only the
// column), and without the Go decoder's wording. err is the error a
// standard-library JSON reader returned for data.
func jsonProblem(data []byte, err error) string {
	var syn *json.SyntaxError
	if !errors.As(err, &syn) {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return "is not valid JSON: it ends before the value is complete"
		}
		return "is not valid JSON"
	}
	off := int(syn.Offset)
	if off > len(data) {
		off = len(data)
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	if off > 0 {
		col-- // Offset counts the offending byte
	}
	where := fmt.Sprintf("line %d, column %d", line, col)
	if !bytes.Contains(data, []byte{'\n'}) {
		where = fmt.Sprintf("column %d", col)
	}
	if strings.Contains(syn.Error(), "unexpected end") {
		return fmt.Sprintf("is not valid JSON: it ends at %s before the value is complete", where)
	}
	if off > 0 {
		return fmt.Sprintf("is not valid JSON: unexpected %q at %s", data[off-1], where)
	}
	return fmt.Sprintf("is not valid JSON at %s", where)
}
