package sigv4_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/matchforge/matchforge/internal/sigv4"
)

const (
	testKeyID  = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testRegion = "us-west-2"
)

// signTime is when the test requests are signed; the verifiers' clock
// reads it unless a test moves it.
var signTime = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

var testCreds = aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}

// harness is a server that verifies every request it gets with v and
// hands the result to the test, so that requests are verified as the
// server sees them after net/http has parsed them.
type harness struct {
	t      *testing.T
	srv    *httptest.Server
	v      *sigv4.Verifier
	result chan error
}

func newHarness(t *testing.T) *harness {
	h := &harness{
		t: t,
		v: &sigv4.Verifier{
			Credentials: sigv4.Credentials{testKeyID: testSecret, "AKIDOTHER": "other secret"},
			Service:     "gamelift",
			Now:         func() time.Time { return signTime },
		},
		result: make(chan error, 1),
	}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			h.result <- err
			return
		}
		h.result <- h.v.Verify(r, body)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// do sends req and returns what Verify said of it.
func (h *harness) do(req *http.Request) error {
	h.t.Helper()
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("sending the request: %v", err)
	}
	resp.Body.Close()
	return <-h.result
}

// request builds an unsigned request to the harness's server.
func (h *harness) request(method, pathAndQuery string, body []byte, header map[string]string) *http.Request {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+pathAndQuery, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return req
}

// jsonRequest is StartMatchmaking in the AWS JSON 1.1 protocol.
func (h *harness) jsonRequest() (*http.Request, []byte) {
	body := []byte(`{"ConfigurationName":"ranked","Players":[{"PlayerId":"p1","PlayerAttributes":{"skill":{"N":1500}}}]}`)
	return h.request(http.MethodPost, "/", body, map[string]string{
		"X-Amz-Target": "GameLift.StartMatchmaking",
		"Content-Type": "application/x-amz-json-1.1",
	}), body
}

// cborRequest is StartMatchmaking in the Smithy RPC v2 CBOR protocol.
func (h *harness) cborRequest() (*http.Request, []byte) {
	body := []byte{0xbf, 0x71, 'C', 'o', 'n', 'f', 'i', 'g', 'u', 'r', 'a', 't', 'i', 'o', 'n', 'N', 'a', 'm', 'e', 0x66, 'r', 'a', 'n', 'k', 'e', 'd', 0x00, 0xff, 0x80, 0x0d, 0x0a, 0xff}
	return h.request(http.MethodPost, "/service/GameLift/operation/StartMatchmaking", body, map[string]string{
		"Content-Type":    "application/cbor",
		"Accept":          "application/cbor",
		"Smithy-Protocol": "rpc-v2-cbor",
	}), body
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// sign signs req with the AWS SDK's signer.
func sign(t *testing.T, req *http.Request, body []byte, creds aws.Credentials, service string, at time.Time) {
	t.Helper()
	payload := hashHex(body)
	if h := req.Header.Get("X-Amz-Content-Sha256"); h != "" {
		payload = h
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payload, service, testRegion, at); err != nil {
		t.Fatal(err)
	}
}

// setBody replaces req's body after signing.
func setBody(req *http.Request, body []byte) {
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = nil
}

// wantCode fails unless err is an *sigv4.Error with code and a message
// containing every one of parts.
func wantCode(t *testing.T, err error, code string, parts ...string) {
	t.Helper()
	var e *sigv4.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want a *sigv4.Error with code %s", err, err, code)
	}
	if e.Code != code {
		t.Fatalf("got code %s (%s), want %s", e.Code, e.Message, code)
	}
	for _, p := range parts {
		if !strings.Contains(e.Message, p) {
			t.Errorf("message %q does not contain %q", e.Message, p)
		}
	}
	if e.HTTPStatus() != http.StatusForbidden {
		t.Errorf("HTTPStatus %d, want 403", e.HTTPStatus())
	}
	if e.Error() != e.Code+": "+e.Message {
		t.Errorf("Error() = %q", e.Error())
	}
}

func TestVerifyAcceptsSDKSignatures(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		name  string
		build func() (*http.Request, []byte)
		creds aws.Credentials
	}{
		{"json protocol", h.jsonRequest, testCreds},
		{"cbor protocol", h.cborRequest, testCreds},
		{"query with spaces and reserved characters", func() (*http.Request, []byte) {
			q := url.Values{
				"name":   {"two  spaces and+plus"},
				"Z":      {"last"},
				"a-b":    {"a/b", "a-b", "ä ö"},
				"chars":  {"!*'();:@&=+$,/?#[]%~._-"},
				"empty":  {""},
				"üñí©∅d": {"x"},
			}
			body := []byte(`{}`)
			return h.request(http.MethodPost, "/?"+q.Encode(), body, map[string]string{"X-Amz-Target": "GameLift.DescribeMatchmaking"}), body
		}, testCreds},
		{"path that needs escaping", func() (*http.Request, []byte) {
			body := []byte{1, 2, 3}
			return h.request(http.MethodPost, "/service/Game%20Lift/operation/A~b_c.d%2Fe", body, nil), body
		}, testCreds},
		{"session token", h.jsonRequest, aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: "FQoGZXIvYXdzE//token=="}},
		{"empty body GET", func() (*http.Request, []byte) {
			return h.request(http.MethodGet, "", nil, nil), nil
		}, testCreds},
		{"header with spaces and several values", func() (*http.Request, []byte) {
			req, body := h.jsonRequest()
			req.Header.Set("X-Custom", "  a   b  c ")
			req.Header.Add("X-Custom", "second\tvalue")
			return req, body
		}, testCreds},
		{"unsigned payload", func() (*http.Request, []byte) {
			req, body := h.jsonRequest()
			req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			return req, body
		}, testCreds},
		{"declared payload hash", func() (*http.Request, []byte) {
			req, body := h.cborRequest()
			req.Header.Set("X-Amz-Content-Sha256", hashHex(body))
			return req, body
		}, testCreds},
		{"declared payload hash in upper case", func() (*http.Request, []byte) {
			req, body := h.cborRequest()
			req.Header.Set("X-Amz-Content-Sha256", strings.ToUpper(hashHex(body)))
			return req, body
		}, testCreds},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, body := tc.build()
			sign(t, req, body, tc.creds, "gamelift", signTime)
			if err := h.do(req); err != nil {
				t.Fatalf("refused: %v\nheaders %v", err, req.Header)
			}
		})
	}
}

func TestVerifyQueryInAnotherEncoding(t *testing.T) {
	// The same query written differently (+ for a space, lower-case
	// escapes, another order) has the same canonical form.
	h := newHarness(t)
	body := []byte(`{}`)
	req := h.request(http.MethodPost, "/?b=x%20y&a=%2Fz", body, nil)
	sign(t, req, body, testCreds, "gamelift", signTime)
	if req.URL.RawQuery != "a=%2Fz&b=x%20y" {
		t.Fatalf("the signer wrote the query as %q", req.URL.RawQuery)
	}
	req.URL.RawQuery = "b=x+y&a=%2fz"
	if err := h.do(req); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyPrefersXAmzDate(t *testing.T) {
	// An unsigned Date header of another day does not matter beside
	// X-Amz-Date.
	h := newHarness(t)
	req, body := h.jsonRequest()
	sign(t, req, body, testCreds, "gamelift", signTime)
	req.Header.Set("Date", "Mon, 02 Jan 2006 15:04:05 GMT")
	if err := h.do(req); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyAnyServiceWhenUnset(t *testing.T) {
	h := newHarness(t)
	h.v.Service = ""
	req, body := h.jsonRequest()
	sign(t, req, body, testCreds, "someservice", signTime)
	if err := h.do(req); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyUnsignedPayloadIgnoresBody(t *testing.T) {
	h := newHarness(t)
	req, body := h.jsonRequest()
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	sign(t, req, body, testCreds, "gamelift", signTime)
	other := bytes.ToUpper(body) // same length: content-length is signed
	setBody(req, other)
	if err := h.do(req); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRefusesMutations(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cbor   bool
		before func(h *harness, req *http.Request)              // before signing
		after  func(h *harness, req *http.Request, body []byte) // after signing
		code   string
		parts  []string
	}{
		{name: "changed body, same length", after: func(h *harness, req *http.Request, body []byte) {
			setBody(req, bytes.Replace(body, []byte("ranked"), []byte("casual"), 1))
		}, code: "InvalidSignatureException"},
		{name: "changed cbor body", cbor: true, after: func(h *harness, req *http.Request, body []byte) {
			b := bytes.Clone(body)
			b[len(b)-1] ^= 1
			setBody(req, b)
		}, code: "InvalidSignatureException"},
		{name: "longer body", after: func(h *harness, req *http.Request, body []byte) {
			setBody(req, append(bytes.Clone(body), ' '))
		}, code: "InvalidSignatureException"},
		{name: "changed signed header", after: func(h *harness, req *http.Request, body []byte) {
			req.Header.Set("X-Amz-Target", "GameLift.StopMatchmaking")
		}, code: "InvalidSignatureException", parts: []string{testKeyID}},
		{name: "changed content type", cbor: true, after: func(h *harness, req *http.Request, body []byte) {
			req.Header.Set("Content-Type", "application/json")
		}, code: "InvalidSignatureException"},
		{name: "missing signed header", after: func(h *harness, req *http.Request, body []byte) {
			req.Header.Del("X-Amz-Target")
		}, code: "InvalidSignatureException"},
		{name: "missing session token", before: func(h *harness, req *http.Request) {
			req.Header.Set("X-Amz-Security-Token", "token")
		}, after: func(h *harness, req *http.Request, body []byte) {
			req.Header.Del("X-Amz-Security-Token")
		}, code: "InvalidSignatureException"},
		{name: "changed path", cbor: true, after: func(h *harness, req *http.Request, body []byte) {
			req.URL.Path = "/service/GameLift/operation/StopMatchmaking"
		}, code: "InvalidSignatureException"},
		{name: "added query", after: func(h *harness, req *http.Request, body []byte) {
			req.URL.RawQuery = "x=1"
		}, code: "InvalidSignatureException"},
		{name: "changed method", after: func(h *harness, req *http.Request, body []byte) {
			req.Method = http.MethodPut
		}, code: "InvalidSignatureException"},
		{name: "changed host", after: func(h *harness, req *http.Request, body []byte) {
			req.Host = "gamelift.us-west-2.amazonaws.com"
		}, code: "InvalidSignatureException"},
		{name: "changed date, same day", after: func(h *harness, req *http.Request, body []byte) {
			req.Header.Set("X-Amz-Date", signTime.Add(time.Second).Format("20060102T150405Z"))
		}, code: "InvalidSignatureException"},
		{name: "unknown key id", after: func(h *harness, req *http.Request, body []byte) {
			delete(h.v.Credentials, testKeyID)
		}, code: "UnrecognizedClientException", parts: []string{testKeyID}},
		{name: "wrong secret", after: func(h *harness, req *http.Request, body []byte) {
			h.v.Credentials[testKeyID] = "not the secret"
		}, code: "InvalidSignatureException"},
		{name: "missing authorization", after: func(h *harness, req *http.Request, body []byte) {
			req.Header.Del("Authorization")
		}, code: "MissingAuthenticationTokenException"},
		{name: "presigned query", after: func(h *harness, req *http.Request, body []byte) {
			req.Header.Del("Authorization")
			req.URL.RawQuery = "X-Amz-Signature=00"
		}, code: "IncompleteSignatureException", parts: []string{"presigned"}},
		{name: "missing date", after: func(h *harness, req *http.Request, body []byte) {
			req.Header.Del("X-Amz-Date")
		}, code: "IncompleteSignatureException", parts: []string{"X-Amz-Date", "Date"}},
		{name: "malformed date", after: func(h *harness, req *http.Request, body []byte) {
			req.Header.Set("X-Amz-Date", "2025-03-14T15:09:26Z")
		}, code: "IncompleteSignatureException", parts: []string{"X-Amz-Date"}},
		{name: "malformed Date header", after: func(h *harness, req *http.Request, body []byte) {
			req.Header.Del("X-Amz-Date")
			req.Header.Set("Date", "yesterday")
		}, code: "IncompleteSignatureException", parts: []string{"Date"}},
		{name: "date of another day than the scope", after: func(h *harness, req *http.Request, body []byte) {
			req.Header.Set("X-Amz-Date", signTime.Add(10*time.Hour).Format("20060102T150405Z"))
		}, code: "IncompleteSignatureException", parts: []string{"20250314", "20250315T010926Z"}},
		{name: "expired", after: func(h *harness, req *http.Request, body []byte) {
			h.v.Now = func() time.Time { return signTime.Add(15*time.Minute + time.Second) }
		}, code: "InvalidSignatureException", parts: []string{"Signature expired", "20250314T150926Z", "20250314T152427Z", "15m0s"}},
		{name: "not yet current", after: func(h *harness, req *http.Request, body []byte) {
			h.v.Now = func() time.Time { return signTime.Add(-15*time.Minute - time.Second) }
		}, code: "InvalidSignatureException", parts: []string{"Signature not yet current", "20250314T150926Z", "20250314T145425Z", "15m0s"}},
		{name: "expired under a smaller MaxSkew", after: func(h *harness, req *http.Request, body []byte) {
			h.v.MaxSkew = time.Minute
			h.v.Now = func() time.Time { return signTime.Add(61 * time.Second) }
		}, code: "InvalidSignatureException", parts: []string{"Signature expired", "1m0s"}},
		{name: "content sha256 not the body's", before: func(h *harness, req *http.Request) {
			req.Header.Set("X-Amz-Content-Sha256", hashHex([]byte("another body")))
		}, code: "InvalidSignatureException", parts: []string{"X-Amz-Content-Sha256", hashHex([]byte("another body"))}},
		{name: "content sha256 garbage", before: func(h *harness, req *http.Request) {
			req.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
		}, code: "InvalidSignatureException", parts: []string{"X-Amz-Content-Sha256"}},
		{name: "wrong service", before: func(h *harness, req *http.Request) {
			req.Header.Set("X-Test-Service", "s3") // read by the signing step below
		}, code: "IncompleteSignatureException", parts: []string{`"s3"`, `"gamelift"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			build := h.jsonRequest
			if tc.cbor {
				build = h.cborRequest
			}
			req, body := build()
			if tc.before != nil {
				tc.before(h, req)
			}
			service := "gamelift"
			if s := req.Header.Get("X-Test-Service"); s != "" {
				service = s
			}
			sign(t, req, body, testCreds, service, signTime)
			// The request as signed is accepted (except the ones whose
			// mutation is the signing itself), so it is the mutation that is
			// refused.
			if tc.before == nil {
				if err := h.do(req.Clone(context.Background())); err != nil {
					t.Fatalf("the unmutated request is refused: %v", err)
				}
				setBody(req, body)
			}
			if tc.after != nil {
				tc.after(h, req, body)
			}
			wantCode(t, h.do(req), tc.code, tc.parts...)
		})
	}
}

func TestVerifySkewBoundary(t *testing.T) {
	h := newHarness(t)
	for _, d := range []time.Duration{-15 * time.Minute, 0, 15 * time.Minute} {
		h.v.Now = func() time.Time { return signTime.Add(d) }
		req, body := h.jsonRequest()
		sign(t, req, body, testCreds, "gamelift", signTime)
		if err := h.do(req); err != nil {
			t.Errorf("clock %v from the request time: %v", d, err)
		}
	}
}

// authRE splits an Authorization header the SDK wrote.
var authRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$`)

func TestVerifyRefusesMalformedAuthorization(t *testing.T) {
	h := newHarness(t)
	req, body := h.jsonRequest()
	sign(t, req, body, testCreds, "gamelift", signTime)
	m := authRE.FindStringSubmatch(req.Header.Get("Authorization"))
	if m == nil {
		t.Fatalf("unexpected Authorization header %q", req.Header.Get("Authorization"))
	}
	cred, signed, sig := m[1], m[2], m[3]
	if !strings.Contains(signed, "host") || !strings.Contains(signed, "x-amz-target") {
		t.Fatalf("the SDK signed %q", signed)
	}
	noHost := strings.Replace(signed, "host;", "", 1)
	scope := strings.TrimPrefix(cred, testKeyID+"/")
	const alg = "AWS4-HMAC-SHA256 "
	for _, tc := range []struct {
		name, header string
		parts        []string
	}{
		{"other scheme", "Bearer abc", []string{"AWS4-HMAC-SHA256"}},
		{"SigV4a", "AWS4-ECDSA-P256-SHA256 Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + sig, []string{"AWS4-HMAC-SHA256"}},
		{"algorithm only", "AWS4-HMAC-SHA256", []string{"AWS4-HMAC-SHA256"}},
		{"no components", alg, []string{"nothing after AWS4-HMAC-SHA256"}},
		{"empty component", alg + "Credential=" + cred + ",, SignedHeaders=" + signed + ", Signature=" + sig, []string{`component ""`}},
		{"no Signature", alg + "Credential=" + cred + ", SignedHeaders=" + signed, []string{"missing Signature"}},
		{"no SignedHeaders", alg + "Credential=" + cred + ", Signature=" + sig, []string{"missing SignedHeaders"}},
		{"no Credential", alg + "SignedHeaders=" + signed + ", Signature=" + sig, []string{"missing Credential"}},
		{"component without =", alg + "Credential=" + cred + ", SignedHeaders, Signature=" + sig, []string{`"SignedHeaders"`}},
		{"unknown component", alg + "Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + sig + ", Extra=1", []string{`"Extra"`}},
		{"repeated component", alg + "Credential=" + cred + ", Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + sig, []string{"Credential is given twice"}},
		{"scope of four parts", alg + "Credential=" + testKeyID + "/20250314/us-west-2/aws4_request, SignedHeaders=" + signed + ", Signature=" + sig, []string{"access-key-id/yyyymmdd/region/service/aws4_request"}},
		{"scope of six parts", alg + "Credential=" + cred + "/x, SignedHeaders=" + signed + ", Signature=" + sig, []string{"access-key-id/yyyymmdd/region/service/aws4_request"}},
		{"empty key id", alg + "Credential=/" + scope + ", SignedHeaders=" + signed + ", Signature=" + sig, []string{"empty access key id"}},
		{"bad scope date", alg + "Credential=" + testKeyID + "/2025-03-14/us-west-2/gamelift/aws4_request, SignedHeaders=" + signed + ", Signature=" + sig, []string{`date "2025-03-14"`}},
		{"impossible scope date", alg + "Credential=" + testKeyID + "/20251399/us-west-2/gamelift/aws4_request, SignedHeaders=" + signed + ", Signature=" + sig, []string{`date "20251399"`}},
		{"empty region", alg + "Credential=" + testKeyID + "/20250314//gamelift/aws4_request, SignedHeaders=" + signed + ", Signature=" + sig, []string{"empty region"}},
		{"empty service", alg + "Credential=" + testKeyID + "/20250314/us-west-2//aws4_request, SignedHeaders=" + signed + ", Signature=" + sig, []string{"empty service"}},
		{"bad terminator", alg + "Credential=" + testKeyID + "/20250314/us-west-2/gamelift/aws5_request, SignedHeaders=" + signed + ", Signature=" + sig, []string{"aws5_request"}},
		{"scope of another day", alg + "Credential=" + testKeyID + "/20250313/us-west-2/gamelift/aws4_request, SignedHeaders=" + signed + ", Signature=" + sig, []string{"20250313", "20250314T150926Z"}},
		{"host not signed", alg + "Credential=" + cred + ", SignedHeaders=" + noHost + ", Signature=" + sig, []string{"host"}},
		{"empty SignedHeaders", alg + "Credential=" + cred + ", SignedHeaders=, Signature=" + sig, []string{"SignedHeaders is empty"}},
		{"upper-case SignedHeaders", alg + "Credential=" + cred + ", SignedHeaders=" + strings.ToUpper(signed) + ", Signature=" + sig, []string{"invalid header name"}},
		{"unsorted SignedHeaders", alg + "Credential=" + cred + ", SignedHeaders=x-amz-date;host, Signature=" + sig, []string{"not sorted"}},
		{"repeated signed header", alg + "Credential=" + cred + ", SignedHeaders=host;host, Signature=" + sig, []string{"not sorted"}},
		{"empty header name", alg + "Credential=" + cred + ", SignedHeaders=host;;x-amz-date, Signature=" + sig, []string{"invalid header name"}},
		{"short signature", alg + "Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + sig[:63], []string{"64 hexadecimal digits"}},
		{"non-hex signature", alg + "Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + strings.Repeat("g", 64), []string{"not hexadecimal"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := req.Clone(context.Background())
			setBody(r, body)
			r.Header.Set("Authorization", tc.header)
			wantCode(t, h.do(r), "IncompleteSignatureException", tc.parts...)
		})
	}
	t.Run("two authorization headers", func(t *testing.T) {
		r := req.Clone(context.Background())
		setBody(r, body)
		r.Header.Add("Authorization", r.Header.Get("Authorization"))
		wantCode(t, h.do(r), "IncompleteSignatureException", "2 Authorization headers")
	})
	t.Run("upper-case signature is the same signature", func(t *testing.T) {
		r := req.Clone(context.Background())
		setBody(r, body)
		r.Header.Set("Authorization", alg+"Credential="+cred+", SignedHeaders="+signed+", Signature="+strings.ToUpper(sig))
		if err := h.do(r); err != nil {
			t.Fatal(err)
		}
	})
}

func TestVerifyDoesNotServeAChangedSecretFromTheCache(t *testing.T) {
	h := newHarness(t)
	req, body := h.jsonRequest()
	sign(t, req, body, testCreds, "gamelift", signTime)
	if err := h.do(req.Clone(context.Background())); err != nil {
		t.Fatal(err)
	}
	h.v.Credentials[testKeyID] = "rotated"
	setBody(req, body)
	wantCode(t, h.do(req), "InvalidSignatureException")
}

func TestVerifyConcurrently(t *testing.T) {
	v := &sigv4.Verifier{
		Credentials: sigv4.Credentials{testKeyID: testSecret},
		Service:     "gamelift",
		Now:         func() time.Time { return signTime },
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				body := []byte(`{"ConfigurationName":"ranked"}`)
				req := httptest.NewRequest(http.MethodPost, "http://gamelift.local/", bytes.NewReader(body))
				req.Header.Set("X-Amz-Target", "GameLift.StartMatchmaking")
				region := []string{"us-west-2", "eu-west-1"}[(g+i)%2]
				if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, req, hashHex(body), "gamelift", region, signTime); err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					body = []byte(`{"ConfigurationName":"casual"}`)
					wantCode(t, v.Verify(req, body), "InvalidSignatureException")
				} else if err := v.Verify(req, body); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

func TestVerifyZeroVerifierRefusesEverything(t *testing.T) {
	var v sigv4.Verifier
	body := []byte(`{}`)
	req := httptest.NewRequest(http.MethodPost, "http://gamelift.local/", bytes.NewReader(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, req, hashHex(body), "gamelift", testRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
	wantCode(t, v.Verify(req, body), "UnrecognizedClientException", testKeyID)
}
