package engine

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error an operation returns is an *Error wrapping
// one of them; test with errors.Is.
var (
	// ErrInvalid: the request is malformed or does not fit the state it
	// names (a ticket that is not waiting for acceptance, a team the rule
	// set lacks). The gamelift package reports it as
	// InvalidRequestException.
	ErrInvalid = errors.New("invalid request")
	// ErrNotFound: the configuration, ticket, match or game session named
	// does not exist. The gamelift package reports it as NotFoundException.
	ErrNotFound = errors.New("not found")
	// ErrSnapshot: Restore refused a snapshot: not one, corrupt (checksum
	// mismatch), truncated, of a newer format version, or inconsistent. The
	// error wraps it with what is wrong; nothing was loaded.
	ErrSnapshot = errors.New("snapshot refused")
)

// Error is an operation's error: its kind (one of the sentinels) and a
// message that names the field or resource, the problem and the limit
// (D25). Fields are named as the GameLift API spells them (TicketId,
// Players[2].PlayerAttributes.skill), so the same message reads right to a
// Go caller and to a client of the GameLift API.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

func invalid(format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &Error{Kind: ErrNotFound, Message: fmt.Sprintf(format, args...)}
}
