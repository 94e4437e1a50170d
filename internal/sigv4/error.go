package sigv4

import (
	"fmt"
	"net/http"
)

// The exception names an *Error's Code takes, as the AWS JSON APIs spell
// them.
const (
	// codeMissingAuthenticationToken: the request carries no signature.
	codeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	// codeIncompleteSignature: the signature, its credential scope or the
	// date it needs is malformed or missing a part.
	codeIncompleteSignature = "IncompleteSignatureException"
	// codeUnrecognizedClient: the access key id is not among the
	// credentials.
	codeUnrecognizedClient = "UnrecognizedClientException"
	// codeInvalidSignature: the signature does not match the request, the
	// request time is too far from the server's clock, or the declared
	// payload hash does not match the body.
	codeInvalidSignature = "InvalidSignatureException"
)

// Error is a refused signature. Code is the AWS exception name, one of
// MissingAuthenticationTokenException (no signature at all),
// IncompleteSignatureException (a malformed Authorization header,
// credential scope or date, or a scope for another service),
// UnrecognizedClientException (an unknown access key id) and
// InvalidSignatureException (a signature that does not match, a request
// time too far from the server's clock, or an X-Amz-Content-Sha256 that is
// not the body's hash). Message says, for a person, what was wrong.
type Error struct {
	Code    string
	Message string
}

// Error returns the code and the message, as "Code: Message".
func (e *Error) Error() string {
	return e.Code + ": " + e.Message
}

// HTTPStatus is the status to answer e with: 403 Forbidden for every code.
// That is what AWS returns for signature failures; the AWS JSON APIs
// document some of these exceptions as 400-class client errors in general,
// and the server maps them all to 403 through this method.
func (e *Error) HTTPStatus() int {
	return http.StatusForbidden
}

// refuse builds an *Error with a formatted message.
func refuse(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
