package sigv4

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// scopedRequest is a request whose Authorization header passes every check
// but the signature itself, with the credential scope in region on day.
func scopedRequest(region string, day time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://gamelift.local/", nil)
	r.Header.Set("X-Amz-Date", day.Format(amzDateLayout))
	r.Header.Set("Authorization", fmt.Sprintf("AWS4-HMAC-SHA256 Credential=AKID/%s/%s/gamelift/aws4_request, SignedHeaders=host;x-amz-date, Signature=%s",
		day.Format(scopeDateLayout), region, strings.Repeat("0", 64)))
	return r
}

func TestSigningKeyCacheStaysBounded(t *testing.T) {
	day := time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)
	now := day
	v := &Verifier{Credentials: Credentials{"AKID": "secret"}, Now: func() time.Time { return now }}
	for i := range 3 * maxCachedKeys {
		err := v.Verify(scopedRequest(fmt.Sprintf("region-%d", i), day), nil)
		if e, ok := err.(*Error); !ok || e.Code != codeInvalidSignature {
			t.Fatalf("request %d: got %v, want %s", i, err, codeInvalidSignature)
		}
		if n := v.cachedKeys(); n < 1 || n > maxCachedKeys {
			t.Fatalf("after %d requests the cache holds %d keys (bound %d)", i+1, n, maxCachedKeys)
		}
	}
	// A key that is asked for again is answered from the cache.
	v.keys = nil
	for range 10 {
		_ = v.Verify(scopedRequest("us-west-2", day), nil)
	}
	if n := v.cachedKeys(); n != 1 {
		t.Errorf("one scope asked for ten times: %d keys cached, want 1", n)
	}
	// Days go by: the cache does not grow with them past its bound.
	for d := range 2 * maxCachedKeys {
		now = day.AddDate(0, 0, d)
		_ = v.Verify(scopedRequest("us-west-2", now), nil)
		if n := v.cachedKeys(); n > maxCachedKeys {
			t.Fatalf("day %d: %d keys cached", d, n)
		}
	}
}

func TestDeriveKey(t *testing.T) {
	// The signing key of the example in AWS's SigV4 documentation
	// ("Examples of how to derive a signing key").
	got := fmt.Sprintf("%x", deriveKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam"))
	const want = "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestCanonicalPieces(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  a   b  ", "a b"},
		{"a\t b", "a\t b"},
		{"", ""},
		{"x", "x"},
	} {
		if got := collapseSpaces(tc.in); got != tc.want {
			t.Errorf("collapseSpaces(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got, want := uriEncode("a b/c~-_.é+%", true), "a%20b/c~-_.%C3%A9%2B%25"; got != want {
		t.Errorf("uriEncode = %q, want %q", got, want)
	}
	if got, want := uriEncode("a/b", false), "a%2Fb"; got != want {
		t.Errorf("uriEncode = %q, want %q", got, want)
	}
}

func TestVerifyAWSTestSuiteVanilla(t *testing.T) {
	// The get-vanilla case of AWS's SigV4 test suite, checked without the
	// SDK.
	r := httptest.NewRequest(http.MethodGet, "http://example.amazonaws.com/", nil)
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	v := &Verifier{
		Credentials: Credentials{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
		Now:         func() time.Time { return time.Date(2015, 8, 30, 12, 40, 0, 0, time.UTC) },
	}
	if err := v.Verify(r, nil); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyAWSTestSuiteDateHeader(t *testing.T) {
	// The get-vanilla case of the 2011 edition of AWS's SigV4 test suite,
	// which dates the request with a Date header instead of X-Amz-Date.
	r := httptest.NewRequest(http.MethodGet, "http://host.foo.com/", nil)
	r.Header.Set("Date", "Mon, 09 Sep 2011 23:36:00 GMT")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/host/aws4_request, SignedHeaders=date;host, Signature=b27ccfbfa7df52a200ff74193ca6e32d4b48b8856fab7ebf1c595d0670a7e470")
	v := &Verifier{
		Credentials: Credentials{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
		Now:         func() time.Time { return time.Date(2011, 9, 9, 23, 40, 0, 0, time.UTC) },
	}
	if err := v.Verify(r, nil); err != nil {
		t.Fatal(err)
	}
}
