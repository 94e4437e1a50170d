package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// findBoto3 returns a python3 on PATH that can import boto3. When there is
// none the test fails if MATCHFORGE_BOTO3_TEST is 1 (as .ci/run sets it)
// and is skipped otherwise.
func findBoto3(t *testing.T) string {
	t.Helper()
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		py := filepath.Join(dir, "python3")
		if _, err := os.Stat(py); err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := exec.CommandContext(ctx, py, "-c", "import boto3").Run()
		cancel()
		if err == nil {
			return py
		}
	}
	const msg = "boto3 is required: .ci/run installs it (Debian package python3-boto3)"
	if os.Getenv("MATCHFORGE_BOTO3_TEST") == "1" {
		t.Fatalf("%s; no python3 on PATH imports boto3", msg)
	}
	t.Skipf("%s; no python3 on PATH imports boto3, set MATCHFORGE_BOTO3_TEST=1 to make this a failure", msg)
	return ""
}

// TestBoto3 drives serve with boto3, which speaks awsJson1_1 like the AWS
// CLI: typed results, timestamps as datetimes, and a typed exception.
func TestBoto3(t *testing.T) {
	py := findBoto3(t)
	p := startServe(t, "--tick", "50ms", "--setup", filepath.Join("testdata", "serve", "setup.json"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", "serve", "boto3_client.py"), p.endpoint)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("boto3 client: %v\n%s", err, stderr)
	}
	var seen struct {
		Configurations []string
		Started, Final []string
		StartTimeType  string
		Teams          []string
		Error, Message string
	}
	if err := json.Unmarshal(out, &seen); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	got := fmt.Sprintf("%v %v %v %s %v %s", seen.Configurations, seen.Started, seen.Final, seen.StartTimeType, seen.Teams, seen.Error)
	want := "[duel-manual duel-standalone] [QUEUED QUEUED] [COMPLETED COMPLETED] datetime [blue red] NotFoundException"
	if got != want {
		t.Errorf("boto3 saw %s\nwant        %s", got, want)
	}
	if !strings.Contains(seen.Message, "nope") {
		t.Errorf("the NotFoundException message %q does not name the configuration", seen.Message)
	}
}
