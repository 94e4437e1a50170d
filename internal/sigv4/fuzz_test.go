package sigv4

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func FuzzVerify(f *testing.F) {
	const sig = "0000000000000000000000000000000000000000000000000000000000000000"
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20250314/us-west-2/gamelift/aws4_request, SignedHeaders=content-length;host;x-amz-date, Signature="+sig, "20250314T150926Z", "", "", "/", "a=1&b=x+y", []byte("{}"))
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20250314/us-west-2/gamelift/aws4_request,SignedHeaders=host;x-amz-date,Signature="+sig, "", "Fri, 14 Mar 2025 15:09:26 GMT", "UNSIGNED-PAYLOAD", "/service/GameLift/operation/StartMatchmaking", "", []byte{0xbf, 0xff})
	f.Add("AWS4-HMAC-SHA256 Credential=///, SignedHeaders=;, Signature=zz", "x", "y", "zz", "%zz", "%zz=%", []byte(nil))
	f.Add("", "", "", "", "", "X-Amz-Signature=1", []byte(nil))
	f.Add("AWS4-HMAC-SHA256 ,,,=,=", "99999999T999999Z", "", "", "//a b", "&&=&", []byte("x"))
	codes := map[string]bool{
		codeMissingAuthenticationToken: true,
		codeIncompleteSignature:        true,
		codeUnrecognizedClient:         true,
		codeInvalidSignature:           true,
	}
	now := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	v := &Verifier{Credentials: Credentials{"AKID": "secret"}, Service: "gamelift", Now: func() time.Time { return now }}
	f.Fuzz(func(t *testing.T, auth, amzDate, date, contentSHA, path, query string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "http://gamelift.local/", bytes.NewReader(body))
		r.URL.Path, r.URL.RawPath, r.URL.RawQuery = path, "", query
		// Set the headers directly: the fuzzer's strings need not be valid
		// header values, and a server may still pass odd ones on.
		for name, value := range map[string]string{"Authorization": auth, "X-Amz-Date": amzDate, "Date": date, "X-Amz-Content-Sha256": contentSHA} {
			if value != "" {
				r.Header[name] = []string{value}
			}
		}
		err := v.Verify(r, body)
		if err == nil {
			t.Fatalf("accepted a request with a made-up signature: %q", auth)
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is a %T, not an *Error", err, err)
		}
		if !codes[e.Code] || e.Message == "" {
			t.Fatalf("unexpected error %+v", e)
		}
	})
}
