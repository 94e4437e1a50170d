package engine

import (
	"errors"
	"fmt"
)

// Sentinel errors, one per GameLift exception an operation can raise. Every
// error an operation returns wraps one of them; test with errors.Is. The
// gamelift package maps them to {"__type": "<ExceptionName>"}.
var (
	ErrInvalidRequest = errors.New("InvalidRequestException")
	ErrNotFound       = errors.New("NotFoundException")
	ErrLimitExceeded  = errors.New("LimitExceededException")
	ErrInternal       = errors.New("InternalServiceException")
)

// APIError is an operation's error: which exception (Kind, one of the
// sentinels) and a message that names the field or resource, the problem
// and the limit (D25).
type APIError struct {
	Kind    error
	Message string
}

func (e *APIError) Error() string { return e.Message }

// Unwrap returns Kind.
func (e *APIError) Unwrap() error { return e.Kind }

// Exception returns the GameLift exception name, such as
// "InvalidRequestException".
func (e *APIError) Exception() string { return e.Kind.Error() }

func invalid(format string, args ...any) error {
	return &APIError{Kind: ErrInvalidRequest, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &APIError{Kind: ErrNotFound, Message: fmt.Sprintf(format, args...)}
}

func limitExceeded(format string, args ...any) error {
	return &APIError{Kind: ErrLimitExceeded, Message: fmt.Sprintf(format, args...)}
}
