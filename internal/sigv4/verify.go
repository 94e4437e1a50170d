package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	algorithm       = "AWS4-HMAC-SHA256"
	scopeTerminator = "aws4_request"
	amzDateLayout   = "20060102T150405Z"
	scopeDateLayout = "20060102"
	unsignedPayload = "UNSIGNED-PAYLOAD"

	// defaultMaxSkew is the skew a zero Verifier.MaxSkew means: how far
	// AWS lets a request's time be from its own clock.
	defaultMaxSkew = 15 * time.Minute

	// maxCachedKeys bounds the signing-key cache. A key is valid for one
	// day, one region and one service, so a server sees few distinct ones
	// per access key; past the bound the cache starts over.
	maxCachedKeys = 256
)

// Verifier checks SigV4 Authorization headers against Credentials.
//
// A Verifier is safe for concurrent use by several goroutines once its
// fields are set; the fields must not change while Verify may run, and a
// Verifier must not be copied after its first use (it holds a mutex and a
// cache of signing keys).
type Verifier struct {
	// Credentials are the key pairs accepted.
	Credentials Credentials
	// Service is the signing name the credential scope must carry ("gamelift"
	// for the server); "" accepts any.
	Service string
	// MaxSkew is how far the request time may be from Now, either way;
	// 0 means 15 minutes, what AWS allows.
	MaxSkew time.Duration
	// Now is the server's clock; nil means time.Now.
	Now func() time.Time

	mu   sync.Mutex
	keys map[cacheKey]cachedKey
}

// cacheKey names one signing key.
type cacheKey struct {
	accessKeyID, date, region, service string
}

// cachedKey is a derived signing key and the secret it was derived from, so
// that a changed secret is never answered from the cache.
type cachedKey struct {
	secret string
	key    []byte
}

// authorization is a parsed Authorization header.
type authorization struct {
	accessKeyID, date, region, service string
	signedHeaders                      []string
	signature                          []byte
}

// Verify checks r's signature. body is the full request body, already read
// by the caller; Verify does not read r.Body. It returns nil when the
// signature is good, and otherwise an *Error.
func (v *Verifier) Verify(r *http.Request, body []byte) error {
	if err := v.verify(r, body); err != nil {
		return err
	}
	return nil
}

func (v *Verifier) verify(r *http.Request, body []byte) *Error {
	headers := r.Header.Values("Authorization")
	if len(headers) == 0 {
		if r.URL != nil && r.URL.Query().Has("X-Amz-Signature") {
			return refuse(codeIncompleteSignature, "query-string (presigned URL) signatures are not supported; sign the Authorization header")
		}
		return refuse(codeMissingAuthenticationToken, "the request is not signed: it has no Authorization header")
	}
	if len(headers) > 1 {
		return refuse(codeIncompleteSignature, "the request has %d Authorization headers; it must have one", len(headers))
	}
	auth, err := parseAuthorization(headers[0])
	if err != nil {
		return err
	}
	if !slices.Contains(auth.signedHeaders, "host") {
		return refuse(codeIncompleteSignature, "SignedHeaders must include host (it is %q)", strings.Join(auth.signedHeaders, ";"))
	}
	if v.Service != "" && auth.service != v.Service {
		return refuse(codeIncompleteSignature, "the credential scope names service %q; this endpoint signs as %q", auth.service, v.Service)
	}

	reqTime, amzDate, err := requestTime(r)
	if err != nil {
		return err
	}
	if d := reqTime.Format(scopeDateLayout); d != auth.date {
		return refuse(codeIncompleteSignature, "the credential scope date %s is not the date of the request time %s", auth.date, amzDate)
	}

	secret, ok := v.Credentials[auth.accessKeyID]
	if !ok {
		return refuse(codeUnrecognizedClient, "access key id %q is not among this server's credentials", auth.accessKeyID)
	}

	if err := v.checkSkew(reqTime); err != nil {
		return err
	}

	payloadHash, err := payloadHash(r, body)
	if err != nil {
		return err
	}

	canonical := canonicalRequest(r, auth.signedHeaders, payloadHash)
	scope := auth.date + "/" + auth.region + "/" + auth.service + "/" + scopeTerminator
	sum := sha256.Sum256([]byte(canonical))
	stringToSign := algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])

	key := v.signingKey(cacheKey{auth.accessKeyID, auth.date, auth.region, auth.service}, secret)
	want := hmacSHA256(key, stringToSign)
	if !hmac.Equal(want, auth.signature) {
		return refuse(codeInvalidSignature, "the request signature does not match the one computed from the request and the secret of access key id %q; check the secret and the signing method", auth.accessKeyID)
	}
	return nil
}

// parseAuthorization splits an Authorization header of the form
// "AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request,
// SignedHeaders=a;b, Signature=hex".
func parseAuthorization(h string) (authorization, *Error) {
	var a authorization
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if alg != algorithm {
		return a, refuse(codeIncompleteSignature, "the Authorization header must start with %s followed by a space", algorithm)
	}
	if strings.TrimSpace(rest) == "" {
		return a, refuse(codeIncompleteSignature, "the Authorization header has nothing after %s; it needs Credential, SignedHeaders and Signature", algorithm)
	}
	var credential, signedHeaders, signature string
	var haveCred, haveSigned, haveSig bool
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return a, refuse(codeIncompleteSignature, "Authorization header component %q is not of the form Name=value", part)
		}
		var seen *bool
		switch name {
		case "Credential":
			credential, seen = value, &haveCred
		case "SignedHeaders":
			signedHeaders, seen = value, &haveSigned
		case "Signature":
			signature, seen = value, &haveSig
		default:
			return a, refuse(codeIncompleteSignature, "unknown Authorization header component %q (expected Credential, SignedHeaders and Signature)", name)
		}
		if *seen {
			return a, refuse(codeIncompleteSignature, "Authorization header component %s is given twice", name)
		}
		*seen = true
	}
	var missing []string
	for _, c := range []struct {
		name string
		ok   bool
	}{{"Credential", haveCred}, {"SignedHeaders", haveSigned}, {"Signature", haveSig}} {
		if !c.ok {
			missing = append(missing, c.name)
		}
	}
	if len(missing) > 0 {
		return a, refuse(codeIncompleteSignature, "the Authorization header is missing %s", strings.Join(missing, " and "))
	}

	scope := strings.Split(credential, "/")
	if len(scope) != 5 {
		return a, refuse(codeIncompleteSignature, "Credential %q must be access-key-id/yyyymmdd/region/service/%s", credential, scopeTerminator)
	}
	a.accessKeyID, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
	switch {
	case a.accessKeyID == "":
		return a, refuse(codeIncompleteSignature, "Credential %q has an empty access key id", credential)
	case !isScopeDate(a.date):
		return a, refuse(codeIncompleteSignature, "Credential %q has date %q; it must be yyyymmdd", credential, a.date)
	case a.region == "":
		return a, refuse(codeIncompleteSignature, "Credential %q has an empty region", credential)
	case a.service == "":
		return a, refuse(codeIncompleteSignature, "Credential %q has an empty service", credential)
	case scope[4] != scopeTerminator:
		return a, refuse(codeIncompleteSignature, "Credential %q must end in /%s, not /%s", credential, scopeTerminator, scope[4])
	}

	if signedHeaders == "" {
		return a, refuse(codeIncompleteSignature, "SignedHeaders is empty")
	}
	a.signedHeaders = strings.Split(signedHeaders, ";")
	for i, name := range a.signedHeaders {
		if !isLowerToken(name) {
			return a, refuse(codeIncompleteSignature, "SignedHeaders %q has an invalid header name %q (names are lower-case and separated by ;)", signedHeaders, name)
		}
		if i > 0 && a.signedHeaders[i-1] >= name {
			return a, refuse(codeIncompleteSignature, "SignedHeaders %q is not sorted without repetition", signedHeaders)
		}
	}

	if len(signature) != sha256.Size*2 {
		return a, refuse(codeIncompleteSignature, "Signature must be %d hexadecimal digits, not %d characters", sha256.Size*2, len(signature))
	}
	sig, err := hex.DecodeString(signature)
	if err != nil {
		return a, refuse(codeIncompleteSignature, "Signature is not hexadecimal")
	}
	a.signature = sig
	return a, nil
}

// isScopeDate reports whether s is a valid yyyymmdd date.
func isScopeDate(s string) bool {
	if len(s) != 8 {
		return false
	}
	_, err := time.Parse(scopeDateLayout, s)
	return err == nil
}

// isLowerToken reports whether s is a non-empty HTTP header name without
// upper-case letters.
func isLowerToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// requestTime reads the time the request was signed at, from X-Amz-Date or
// else Date, and returns it with its form in the string to sign.
func requestTime(r *http.Request) (time.Time, string, *Error) {
	if s := r.Header.Get("X-Amz-Date"); s != "" {
		t, err := time.Parse(amzDateLayout, s)
		if err != nil {
			return time.Time{}, "", refuse(codeIncompleteSignature, "X-Amz-Date %q is not of the form yyyymmddThhmmssZ", s)
		}
		return t, s, nil
	}
	if s := r.Header.Get("Date"); s != "" {
		t, err := http.ParseTime(s)
		if err != nil {
			return time.Time{}, "", refuse(codeIncompleteSignature, "Date header %q is not an HTTP date", s)
		}
		t = t.UTC()
		return t, t.Format(amzDateLayout), nil
	}
	return time.Time{}, "", refuse(codeIncompleteSignature, "the request has neither an X-Amz-Date nor a Date header")
}

// checkSkew refuses a request time further than MaxSkew from Now.
func (v *Verifier) checkSkew(t time.Time) *Error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = defaultMaxSkew
	}
	n := now().UTC()
	switch {
	case t.Before(n.Add(-skew)):
		return refuse(codeInvalidSignature, "Signature expired: the request time %s is earlier than %s (the server time %s less the allowed skew %s)",
			t.Format(amzDateLayout), n.Add(-skew).Format(amzDateLayout), n.Format(amzDateLayout), skew)
	case t.After(n.Add(skew)):
		return refuse(codeInvalidSignature, "Signature not yet current: the request time %s is later than %s (the server time %s plus the allowed skew %s)",
			t.Format(amzDateLayout), n.Add(skew).Format(amzDateLayout), n.Format(amzDateLayout), skew)
	}
	return nil
}

// payloadHash is the hash the canonical request ends with: the
// X-Amz-Content-Sha256 header when it is there (after checking it against
// the body, unless it is UNSIGNED-PAYLOAD), else the body's SHA-256.
func payloadHash(r *http.Request, body []byte) (string, *Error) {
	sum := sha256.Sum256(body)
	computed := hex.EncodeToString(sum[:])
	values := r.Header.Values("X-Amz-Content-Sha256")
	if len(values) == 0 {
		return computed, nil
	}
	declared := strings.TrimSpace(values[0])
	if len(values) > 1 {
		return "", refuse(codeInvalidSignature, "the request has %d X-Amz-Content-Sha256 headers; it may have one", len(values))
	}
	if declared == unsignedPayload {
		return declared, nil
	}
	if !strings.EqualFold(declared, computed) {
		return "", refuse(codeInvalidSignature, "the X-Amz-Content-Sha256 header %q does not match the SHA-256 of the body, %s", declared, computed)
	}
	return declared, nil
}

// canonicalRequest builds the SigV4 canonical request of r for the given
// signed headers.
func canonicalRequest(r *http.Request, signedHeaders []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL))
	b.WriteByte('\n')
	for _, name := range signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalURI is the path as sent, URI-encoded once more: SigV4 encodes
// each path segment twice for every service but S3, and the path as sent is
// the first encoding. An empty path is "/".
func canonicalURI(u *url.URL) string {
	p := ""
	if u != nil {
		p = u.EscapedPath()
	}
	if p == "" {
		return "/"
	}
	return uriEncode(p, true)
}

// canonicalQuery is the query string with each name and value decoded, then
// URI-encoded with the RFC 3986 unreserved set, the pairs sorted by encoded
// name then encoded value and joined with &.
func canonicalQuery(u *url.URL) string {
	if u == nil || u.RawQuery == "" {
		return ""
	}
	type pair struct{ name, value string }
	var pairs []pair
	for piece := range strings.SplitSeq(u.RawQuery, "&") {
		if piece == "" {
			continue
		}
		name, value, _ := strings.Cut(piece, "=")
		pairs = append(pairs, pair{uriEncode(queryUnescape(name), false), uriEncode(queryUnescape(value), false)})
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// queryUnescape decodes a query component as a client does (+ is a space);
// a malformed escape is kept as it is, and the signature then fails to
// match.
func queryUnescape(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// uriEncode percent-encodes every byte of s outside the RFC 3986 unreserved
// set (A-Z a-z 0-9 - . _ ~), with upper-case hex digits; keepSlash leaves
// '/' as it is.
func uriEncode(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', keepSlash && c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// canonicalHeaderValue is the value of the header name (lower-case) in the
// canonical headers: each value trimmed with its runs of spaces collapsed to
// one, the values joined with ",". Go keeps Host in r.Host and may keep
// Content-Length only in r.ContentLength, so those are read there.
func canonicalHeaderValue(r *http.Request, name string) string {
	switch name {
	case "host":
		host := r.Host
		if host == "" && r.URL != nil {
			host = r.URL.Host
		}
		return collapseSpaces(host)
	case "content-length":
		if _, ok := r.Header["Content-Length"]; !ok {
			if r.ContentLength >= 0 {
				return strconv.FormatInt(r.ContentLength, 10)
			}
			return ""
		}
	}
	values := r.Header.Values(name)
	if len(values) == 1 {
		return collapseSpaces(values[0])
	}
	cleaned := make([]string, len(values))
	for i, value := range values {
		cleaned[i] = collapseSpaces(value)
	}
	return strings.Join(cleaned, ",")
}

// collapseSpaces trims s and replaces each run of spaces inside it with one
// space.
func collapseSpaces(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// signingKey returns the signing key of k, from the cache or derived from
// secret and stored in it.
func (v *Verifier) signingKey(k cacheKey, secret string) []byte {
	v.mu.Lock()
	c, ok := v.keys[k]
	v.mu.Unlock()
	if ok && c.secret == secret {
		return c.key
	}
	key := deriveKey(secret, k.date, k.region, k.service)
	v.mu.Lock()
	if v.keys == nil || len(v.keys) >= maxCachedKeys {
		v.keys = make(map[cacheKey]cachedKey)
	}
	v.keys[k] = cachedKey{secret: secret, key: key}
	v.mu.Unlock()
	return key
}

// cachedKeys is the number of signing keys in the cache.
func (v *Verifier) cachedKeys() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.keys)
}

// deriveKey is the SigV4 signing key chain.
func deriveKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeTerminator)
}

// hmacSHA256 is HMAC-SHA256 of data under key.
func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
