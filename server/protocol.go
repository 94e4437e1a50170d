package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/internal/rpcv2"
	"github.com/matchforge/matchforge/internal/sigv4"
)

// The two wire protocols of the GameLift API.
const (
	// jsonContentType is awsJson1_1's content type.
	jsonContentType = "application/x-amz-json-1.1"
	// cborContentType is Smithy RPC v2 CBOR's content type.
	cborContentType = "application/cbor"
	// targetPrefix prefixes the X-Amz-Target of awsJson1_1 requests.
	targetPrefix = "GameLift."
	// invocationIDHeader carries the AWS SDKs' and CLI's id of one call,
	// the same on each of its retries. Header.Get finds it in any case.
	invocationIDHeader = "Amz-Sdk-Invocation-Id"
)

// Exceptions of the protocol layer, beside the service's own.
const (
	excUnknownOperation = "UnknownOperationException"
	excSerialization    = "SerializationException"
	excMediaType        = "UnsupportedMediaTypeException"
	excTooLarge         = "RequestEntityTooLargeException"
	excMethod           = "MethodNotAllowedException"
	excInternal         = "InternalServiceException"
)

// apiError is an error the server answers with, in either protocol.
type apiError struct {
	status int
	typ    string
	msg    string
}

// wire is one protocol's way of writing answers.
type wire struct {
	contentType string
	encode      func(jsonOut []byte) ([]byte, error)
	errorBody   func(typ, msg string) []byte
	header      func(h http.Header)
}

var jsonWire = wire{
	contentType: jsonContentType,
	encode:      func(b []byte) ([]byte, error) { return b, nil },
	errorBody: func(typ, msg string) []byte {
		b, _ := json.Marshal(gamelift.Error{Type: typ, Message: msg})
		return b
	},
	header: func(http.Header) {},
}

var cborWire = wire{
	contentType: cborContentType,
	encode:      rpcv2.ResponseFromJSON,
	errorBody:   rpcv2.ErrorBody,
	header:      func(h http.Header) { h.Set("Smithy-Protocol", "rpc-v2-cbor") },
}

// knownOps holds the operation names the service dispatches.
var knownOps = func() map[string]bool {
	m := map[string]bool{}
	for _, op := range gamelift.Operations() {
		m[op] = true
	}
	return m
}()

// serveJSON serves awsJson1_1: POST / with X-Amz-Target GameLift.<Op>.
func (s *Server) serveJSON(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		s.answerError(w, jsonWire, "unknown", time.Now(), &apiError{http.StatusNotFound, excUnknownOperation,
			fmt.Sprintf("no route %s %s; the API is POST / (awsJson1_1, X-Amz-Target: GameLift.<Operation>) or POST /service/GameLift/operation/<Operation> (rpc-v2-cbor)", r.Method, r.URL.Path)})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, targetPrefix)
	if !ok || !knownOps[op] {
		op = "unknown"
	}
	s.serveAPI(w, r, jsonWire, op, func() *apiError {
		if !ok || !knownOps[op] {
			return &apiError{http.StatusBadRequest, excUnknownOperation, fmt.Sprintf(
				"X-Amz-Target %q names no operation; it must be GameLift.<Operation>, one of %s", target, strings.Join(gamelift.Operations(), ", "))}
		}
		return checkMediaType(r, jsonContentType, "application/json")
	}, func(body []byte) ([]byte, *apiError) { return body, nil })
}

// serveCBOR serves Smithy RPC v2 CBOR: POST
// /service/GameLift/operation/<Op> with an application/cbor body.
func (s *Server) serveCBOR(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("op")
	op := name
	if !knownOps[op] {
		op = "unknown"
	}
	s.serveAPI(w, r, cborWire, op, func() *apiError {
		if !knownOps[name] {
			return &apiError{http.StatusBadRequest, excUnknownOperation, fmt.Sprintf(
				"operation %q is unknown; the operations are %s", name, strings.Join(gamelift.Operations(), ", "))}
		}
		return checkMediaType(r, cborContentType)
	}, func(body []byte) ([]byte, *apiError) {
		js, err := rpcv2.RequestToJSON(body)
		if err != nil {
			return nil, &apiError{http.StatusBadRequest, excSerialization, "the request body is not valid CBOR for this API: " + err.Error()}
		}
		return js, nil
	})
}

// checkMediaType refuses a request whose Content-Type is none of want.
func checkMediaType(r *http.Request, want ...string) *apiError {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && slices.Contains(want, mt) {
		return nil
	}
	return &apiError{http.StatusUnsupportedMediaType, excMediaType, fmt.Sprintf("Content-Type %q is not accepted here; send %s", ct, strings.Join(want, " or "))}
}

// serveAPI runs the steps every API request shares: method, route check,
// body within the limit, signature, decoding, the operation, and the
// answer. Nothing changes in the service unless the operation runs.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, wr wire, op string, check func() *apiError, decode func([]byte) ([]byte, *apiError)) {
	start := time.Now()
	s.inflight.Add(1)
	defer s.inflight.Add(-1)
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic serving a request", "operation", op, "panic", fmt.Sprint(p))
			s.answerError(w, wr, op, start, &apiError{http.StatusInternalServerError, excInternal, "the server failed on this request; it has been logged"})
		}
	}()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.answerError(w, wr, op, start, &apiError{http.StatusMethodNotAllowed, excMethod, fmt.Sprintf("method %s is not allowed; the API takes POST", r.Method)})
		return
	}
	if e := check(); e != nil {
		s.answerError(w, wr, op, start, e)
		return
	}
	body, e := s.readBody(w, r)
	if e != nil {
		s.answerError(w, wr, op, start, e)
		return
	}
	if s.verifier != nil {
		if err := s.verifier.Verify(r, body); err != nil {
			var se *sigv4.Error
			if errors.As(err, &se) {
				s.answerError(w, wr, op, start, &apiError{se.HTTPStatus(), se.Code, se.Message})
			} else {
				s.answerError(w, wr, op, start, &apiError{http.StatusForbidden, "InvalidSignatureException", err.Error()})
			}
			return
		}
	}
	js, e := decode(body)
	if e != nil {
		s.answerError(w, wr, op, start, e)
		return
	}
	out, err := s.DoContext(r.Context(), op, js, r.Header.Get(invocationIDHeader))
	if err != nil {
		ge := gamelift.ToError(err)
		status := http.StatusBadRequest
		if ge.Type == excInternal {
			status = http.StatusInternalServerError
		}
		s.answerError(w, wr, op, start, &apiError{status, ge.Type, ge.Message})
		return
	}
	enc, err := wr.encode(out)
	if err != nil {
		s.log.Error("output not encoded", "operation", op, "error", err)
		s.answerError(w, wr, op, start, &apiError{http.StatusInternalServerError, excInternal, "the output could not be encoded: " + err.Error()})
		return
	}
	h := w.Header()
	h.Set("Content-Type", wr.contentType)
	h.Set("Content-Length", strconv.Itoa(len(enc)))
	h.Set("X-Amzn-Requestid", uuid.NewString())
	wr.header(h)
	w.Write(enc)
	s.tel.request(op, "ok", time.Since(start))
}

// readBody reads the body up to the limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	limit := s.cfg.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, tooLarge(r.ContentLength, limit)
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, &apiError{http.StatusBadRequest, excSerialization, "the request body could not be read: " + err.Error()}
	}
	if n > limit {
		return nil, tooLarge(n, limit)
	}
	return buf.Bytes(), nil
}

func tooLarge(n, limit int64) *apiError {
	return &apiError{http.StatusRequestEntityTooLarge, excTooLarge, fmt.Sprintf("the request body has %d bytes or more; the limit is %d bytes", n, limit)}
}

// answerError writes e in the protocol's error shape.
func (s *Server) answerError(w http.ResponseWriter, wr wire, op string, start time.Time, e *apiError) {
	body := wr.errorBody(e.typ, e.msg)
	h := w.Header()
	h.Set("Content-Type", wr.contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amzn-Errortype", e.typ)
	h.Set("X-Amzn-Requestid", uuid.NewString())
	wr.header(h)
	w.WriteHeader(e.status)
	w.Write(body)
	s.tel.request(op, e.typ, time.Since(start))
	if e.status >= 500 {
		s.log.Error("request failed", "operation", op, "status", e.status, "error", e.typ, "message", e.msg)
	} else {
		s.log.Debug("request refused", "operation", op, "status", e.status, "error", e.typ, "message", e.msg)
	}
}

// writeJSONError writes a GameLift-shaped JSON error outside the API
// routes (GET /events).
func writeJSONError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(jsonWire.errorBody(typ, msg))
}

// verifier checks request signatures.
type verifier interface {
	Verify(r *http.Request, body []byte) error
}

func newVerifier(creds map[string]string, clock func() time.Time) verifier {
	return &sigv4.Verifier{Credentials: sigv4.Credentials(creds), Service: "gamelift", Now: clock}
}
