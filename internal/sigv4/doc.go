// Package sigv4 verifies AWS Signature Version 4 on incoming HTTP requests,
// so that `matchforge serve --credentials FILE` can accept requests signed
// by the AWS SDKs and the AWS CLI and refuse every other one.
//
// ParseCredentials reads the key pairs from a file in the AWS
// shared-credentials format. A Verifier holds them and checks the
// Authorization header of each request: it rebuilds the canonical request
// from the method, path, query, signed headers and body, derives the signing
// key from the secret and the credential scope, and compares the signature
// with the one the client sent. A refused request gets an *Error whose Code
// is the exception name the AWS JSON APIs use, so the server can answer the
// way AWS would and the SDKs report it as they would report AWS's answer.
//
// Only the header form of SigV4 (AWS4-HMAC-SHA256 in the Authorization
// header) is accepted; presigned URLs (X-Amz-Signature in the query) and
// chunked streaming payloads are refused.
//
// The package uses the standard library only.
package sigv4
