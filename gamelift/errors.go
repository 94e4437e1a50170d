package gamelift

import (
	"errors"
	"fmt"

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
