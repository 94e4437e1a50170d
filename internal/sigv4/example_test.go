package sigv4_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/matchforge/matchforge/internal/sigv4"
)

func Example() {
	creds, err := sigv4.ParseCredentials(strings.NewReader(`
[default]
aws_access_key_id = AKIDEXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	signedAt := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	v := &sigv4.Verifier{
		Credentials: creds,
		Service:     "gamelift",
		Now:         func() time.Time { return signedAt.Add(time.Minute) },
	}

	// A client signs StartMatchmaking the way the AWS SDKs do.
	body := []byte(`{"ConfigurationName":"ranked"}`)
	req := httptest.NewRequest(http.MethodPost, "http://localhost:8080/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "GameLift.StartMatchmaking")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	sum := sha256.Sum256(body)
	err = v4.NewSigner().SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
		req, hex.EncodeToString(sum[:]), "gamelift", "us-west-2", signedAt)
	if err != nil {
		fmt.Println(err)
		return
	}

	fmt.Println("signed request:", v.Verify(req, body))

	// The same signature on another body is refused.
	err = v.Verify(req, []byte(`{"ConfigurationName":"casual"}`))
	var e *sigv4.Error
	if errors.As(err, &e) {
		fmt.Println("changed body:", e.HTTPStatus(), e.Code)
	}

	// So is a request without a signature.
	req.Header.Del("Authorization")
	err = v.Verify(req, body)
	if errors.As(err, &e) {
		fmt.Println("unsigned request:", e.HTTPStatus(), e.Code)
	}
	// Output:
	// signed request: <nil>
	// changed body: 403 InvalidSignatureException
	// unsigned request: 403 MissingAuthenticationTokenException
}
