package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The serve tests run matchforge as a child process, since serve stops on
// a signal to the process. The child is this test binary: TestMain runs
// main's run instead of the tests when runMainEnv is set, so the child is
// the command exactly as built, with the race detector when the tests have
// it.
const runMainEnv = "MATCHFORGE_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// Bounds of the serve tests: none of them waits longer.
const (
	serveStartTimeout = 10 * time.Second // until the endpoint line
	serveStopTimeout  = 10 * time.Second // from a signal to the exit
	serveExitTimeout  = 10 * time.Second // a run that should fail at start
)

// matchforgeCmd returns a command running "matchforge args..." in the
// package directory, bounded by ctx.
func matchforgeCmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// syncBuffer is a bytes.Buffer safe for one writer and many readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveProc is a running "matchforge serve".
type serveProc struct {
	t        *testing.T
	cmd      *exec.Cmd
	stderr   *syncBuffer
	endpoint string // http://127.0.0.1:PORT
	done     chan struct{}
	waitErr  error // set before done is closed
}

// endpointRE finds the endpoint in a text or a JSON log line.
var endpointRE = regexp.MustCompile(`"?endpoint"?[=:]"?(http://127\.0\.0\.1:[0-9]+)`)

// startServe starts "matchforge serve --listen 127.0.0.1:0 args..." and
// waits for the line that logs its endpoint. The process is killed at the
// end of the test if it still runs.
func startServe(t *testing.T, args ...string) *serveProc {
	t.Helper()
	cmd := matchforgeCmd(context.Background(), append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = pw
	p := &serveProc{t: t, cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		t.Fatal(err)
	}
	pw.Close()
	endpoint := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		sc.Buffer(nil, 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Text()
			p.stderr.Write([]byte(line + "\n"))
			if m := endpointRE.FindStringSubmatch(line); m != nil && !found {
				found = true
				endpoint <- m[1]
			}
		}
		io.Copy(p.stderr, pr)
		pr.Close()
	}()
	go func() {
		<-scanned // every line logged is in stderr before done
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			select {
			case <-p.done:
			case <-time.After(serveStopTimeout):
				t.Errorf("matchforge serve (pid %d) did not exit after SIGKILL", cmd.Process.Pid)
			}
		}
		if t.Failed() {
			t.Logf("matchforge serve stderr:\n%s", p.stderr.String())
		}
	})
	select {
	case p.endpoint = <-endpoint:
	case <-p.done:
		t.Fatalf("matchforge serve exited before logging its endpoint (%v); stderr:\n%s", p.waitErr, p.stderr.String())
	case <-time.After(serveStartTimeout):
		t.Fatalf("matchforge serve logged no endpoint within %v; stderr:\n%s", serveStartTimeout, p.stderr.String())
	}
	return p
}

// stop sends sig and returns the exit status, failing the test if the
// process does not exit within serveStopTimeout.
func (p *serveProc) stop(sig os.Signal) int {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-p.done:
	case <-time.After(serveStopTimeout):
		p.t.Fatalf("matchforge serve did not exit within %v of %v; stderr:\n%s", serveStopTimeout, sig, p.stderr.String())
	}
	return exitCode(p.t, p.waitErr)
}

// waitReady polls GET /readyz every 20ms, for up to serveStartTimeout,
// until it answers 200: the server then steps the engine and a signal
// stops it cleanly.
func (p *serveProc) waitReady() {
	p.t.Helper()
	deadline := time.Now().Add(serveStartTimeout)
	for {
		code, body := httpGet(p.t, p.endpoint+"/readyz")
		if code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("GET /readyz still answers %d %q after %v", code, body, serveStartTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("matchforge did not run: %v", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("matchforge was killed by %v", ws.Signal())
	}
	return ee.ExitCode()
}

// runServeToExit runs "matchforge serve args..." that should fail at
// start, and returns its exit status and stderr.
func runServeToExit(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), serveExitTimeout)
	defer cancel()
	cmd := matchforgeCmd(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("matchforge serve %q still ran after %v (it should have failed at start); stderr:\n%s", args, serveExitTimeout, stderr.String())
	}
	return exitCode(t, err), stderr.String()
}

// httpClient bounds every request of the tests.
var httpClient = &http.Client{Timeout: 5 * time.Second}

// apiAnswer is an awsJson1_1 answer.
type apiAnswer struct {
	status int
	body   []byte
}

// errorType is the __type of an error answer.
func (a apiAnswer) errorType() string {
	var e struct {
		Type string `json:"__type"`
	}
	json.Unmarshal(a.body, &e)
	return e.Type
}

// newAPIRequest builds an awsJson1_1 request of op.
func newAPIRequest(t *testing.T, endpoint, op, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "GameLift."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	return req
}

func doRequest(t *testing.T, req *http.Request) apiAnswer {
	t.Helper()
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return apiAnswer{resp.StatusCode, b}
}

// callAPI makes an unsigned awsJson1_1 call.
func callAPI(t *testing.T, endpoint, op, body string) apiAnswer {
	t.Helper()
	return doRequest(t, newAPIRequest(t, endpoint, op, body))
}

// mustCallAPI makes an unsigned call that must succeed and decodes its
// output into out.
func mustCallAPI(t *testing.T, endpoint, op, body string, out any) {
	t.Helper()
	a := callAPI(t, endpoint, op, body)
	if a.status != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d: %s", op, body, a.status, a.body)
	}
	if err := json.Unmarshal(a.body, out); err != nil {
		t.Fatalf("%s: output is not JSON: %v: %s", op, err, a.body)
	}
}

// signedCallAPI makes a SigV4-signed awsJson1_1 call, as the AWS SDKs do.
func signedCallAPI(t *testing.T, endpoint, op, body, keyID, secret string) apiAnswer {
	t.Helper()
	req := newAPIRequest(t, endpoint, op, body)
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "gamelift", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return doRequest(t, req)
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := httpClient.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// ticketJSON is the part of a MatchmakingTicket the tests read.
type ticketJSON struct {
	TicketID          string `json:"TicketId"`
	ConfigurationName string
	Status            string
	Players           []struct {
		PlayerID string `json:"PlayerId"`
		Team     string
	}
}

// waitStatus polls DescribeMatchmaking every 50ms, for up to 5s, until
// every ticket of ids has status want, and returns them.
func waitStatus(t *testing.T, endpoint, want string, ids ...string) []ticketJSON {
	t.Helper()
	in, _ := json.Marshal(map[string]any{"TicketIds": ids})
	deadline := time.Now().Add(5 * time.Second)
	var out struct{ TicketList []ticketJSON }
	for {
		mustCallAPI(t, endpoint, "DescribeMatchmaking", string(in), &out)
		n := 0
		for _, tk := range out.TicketList {
			if tk.Status == want {
				n++
			}
		}
		if n == len(ids) && len(out.TicketList) == len(ids) {
			return out.TicketList
		}
		if time.Now().After(deadline) {
			t.Fatalf("tickets %v are not all %s after 5s: %+v", ids, want, out.TicketList)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeStopsCleanlyOnSignal serves the setup file, matches two players
// over the API, reads the health, readiness and metrics endpoints, and
// stops the server with SIGTERM, then with SIGINT: each time it exits 0.
func TestServeStopsCleanlyOnSignal(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			p := startServe(t, "--setup", filepath.Join("testdata", "serve", "setup.json"), "--tick", "50ms")
			if code, body := httpGet(t, p.endpoint+"/healthz"); code != http.StatusOK {
				t.Errorf("GET /healthz: %d %q", code, body)
			}
			if code, body := httpGet(t, p.endpoint+"/readyz"); code != http.StatusOK {
				t.Errorf("GET /readyz: %d %q", code, body)
			}

			var configs struct {
				Configurations []struct {
					Name, RuleSetName, FlexMatchMode, ConfigurationArn string
				}
			}
			mustCallAPI(t, p.endpoint, "DescribeMatchmakingConfigurations", "{}", &configs)
			var names []string
			for _, c := range configs.Configurations {
				names = append(names, c.Name)
				if c.RuleSetName != "duel" || c.FlexMatchMode != "STANDALONE" || !strings.HasSuffix(c.ConfigurationArn, ":matchmakingconfiguration/"+c.Name) {
					t.Errorf("configuration %+v is not the setup file's", c)
				}
			}
			if got, want := strings.Join(names, ","), "duel-manual,duel-standalone"; got != want {
				t.Errorf("configurations %s, want the setup file's %s", got, want)
			}

			var ids []string
			for i, skill := range []int{10, 12} {
				var out struct{ MatchmakingTicket ticketJSON }
				mustCallAPI(t, p.endpoint, "StartMatchmaking", fmt.Sprintf(
					`{"ConfigurationName": "duel-standalone", "Players": [{"PlayerId": "player-%d", "PlayerAttributes": {"skill": {"N": %d}}}]}`, i, skill), &out)
				if tk := out.MatchmakingTicket; tk.TicketID == "" || tk.Status != "QUEUED" || tk.ConfigurationName != "duel-standalone" {
					t.Fatalf("StartMatchmaking: %+v", tk)
				}
				ids = append(ids, out.MatchmakingTicket.TicketID)
			}
			tickets := waitStatus(t, p.endpoint, "COMPLETED", ids...)
			teams := map[string]bool{}
			for _, tk := range tickets {
				if len(tk.Players) != 1 || tk.Players[0].Team == "" {
					t.Errorf("completed ticket %+v has no team", tk)
					continue
				}
				teams[tk.Players[0].Team] = true
			}
			if !teams["red"] || !teams["blue"] {
				t.Errorf("the two players are not on red and blue: %+v", tickets)
			}

			code, metrics := httpGet(t, p.endpoint+"/metrics")
			if code != http.StatusOK {
				t.Fatalf("GET /metrics: %d", code)
			}
			requests := regexp.MustCompile(`(?m)^matchforge_http_requests_total\{[^}]*operation="StartMatchmaking"[^}]*outcome="ok"[^}]*\} 2$`)
			if !requests.MatchString(metrics) {
				t.Errorf("/metrics has no matchforge_http_requests_total of 2 for StartMatchmaking ok:\n%s", grepLines(metrics, "matchforge_http_requests_total"))
			}
			completed := regexp.MustCompile(`(?m)^matchforge_tickets\{[^}]*configuration="duel-standalone"[^}]*status="COMPLETED"[^}]*\} 2$`)
			if !completed.MatchString(metrics) {
				t.Errorf("/metrics has no matchforge_tickets of 2 COMPLETED for duel-standalone:\n%s", grepLines(metrics, "matchforge_tickets"))
			}

			if code := p.stop(sig); code != 0 {
				t.Errorf("exit status %d after %v, want 0; stderr:\n%s", code, sig, p.stderr.String())
			}
			if !strings.Contains(p.stderr.String(), "msg=stopped") {
				t.Errorf("no \"stopped\" log line after %v:\n%s", sig, p.stderr.String())
			}
		})
	}
}

// grepLines returns the lines of s that start with prefix.
func grepLines(s, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// TestServeSetupErrors checks that serve refuses bad files and flags at
// start, before it listens: exit 1 for a file, 2 for a usage error.
func TestServeSetupErrors(t *testing.T) {
	dir := filepath.Join("testdata", "serve")
	t.Run("bad rule set", func(t *testing.T) {
		file := filepath.Join(dir, "bad-ruleset.json")
		code, stderr := runServeToExit(t, "--setup", file)
		if code != 1 {
			t.Errorf("exit %d, want 1; stderr:\n%s", code, stderr)
		}
		if !strings.Contains(stderr, file+": ") || !strings.Contains(stderr, "RuleSets[0]") || !strings.Contains(stderr, "minPlayers") {
			t.Errorf("stderr should name the file, RuleSets[0] and the problem (minPlayers):\n%s", stderr)
		}
		if strings.Contains(stderr, "endpoint=") {
			t.Errorf("serve listened despite the bad setup:\n%s", stderr)
		}
	})
	t.Run("bad configuration", func(t *testing.T) {
		file := filepath.Join(dir, "bad-configuration.json")
		code, stderr := runServeToExit(t, "--setup", file)
		if code != 1 || !strings.Contains(stderr, file+": ") || !strings.Contains(stderr, "Configurations[0]") || !strings.Contains(stderr, "NotFoundException") {
			t.Errorf("exit %d, want 1 and a message naming the file, Configurations[0] and NotFoundException:\n%s", code, stderr)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "missing.json")
		code, stderr := runServeToExit(t, "--setup", file)
		if code != 1 || !strings.Contains(stderr, file) {
			t.Errorf("exit %d, want 1 and a message naming %s:\n%s", code, file, stderr)
		}
	})
	t.Run("missing credentials", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "credentials")
		code, stderr := runServeToExit(t, "--credentials", file)
		if code != 1 || !strings.Contains(stderr, file) {
			t.Errorf("exit %d, want 1 and a message naming %s:\n%s", code, file, stderr)
		}
	})
	t.Run("malformed JSON", func(t *testing.T) {
		file := filepath.Join(dir, "malformed.json")
		code, stderr := runServeToExit(t, "--setup", file)
		if code != 1 || !strings.Contains(stderr, file+": ") || !strings.Contains(stderr, "line 4, column 19") {
			t.Errorf("exit %d, want 1 and a message naming the file and line 4, column 19:\n%s", code, stderr)
		}
	})
	t.Run("unknown member", func(t *testing.T) {
		file := writeFile(t, t.TempDir(), "setup.json", `{"RuleSet": []}`)
		code, stderr := runServeToExit(t, "--setup", file)
		if code != 1 || !strings.Contains(stderr, file+": ") || !strings.Contains(stderr, `"RuleSet"`) {
			t.Errorf("exit %d, want 1 and a message naming the file and the unknown member:\n%s", code, stderr)
		}
	})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"log format", []string{"--log-format", "xml"}, "--log-format"},
		{"log level", []string{"--log-level", "loud"}, "--log-level"},
		{"negative tick", []string{"--tick", "-1s"}, "tick"},
		{"argument", []string{"extra"}, "no arguments"},
		{"unknown flag", []string{"--port", "1"}, "port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := runServeToExit(t, tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "usage: matchforge serve") {
				t.Errorf("%q: exit %d, want 2, a message naming %s and the usage:\n%s", tc.args, code, tc.want, stderr)
			}
		})
	}
}

// TestServeLogFormatJSON checks that --log-format json logs JSON lines,
// the first with the endpoint.
func TestServeLogFormatJSON(t *testing.T) {
	p := startServe(t, "--log-format", "json", "--seed", "42")
	p.waitReady()
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
	lines := strings.Split(strings.TrimSpace(p.stderr.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("want the start and stop lines, got:\n%s", p.stderr.String())
	}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", i+1, err, l)
		}
		if _, ok := m["msg"].(string); !ok {
			t.Errorf("line %d has no msg: %s", i+1, l)
		}
		if _, ok := m["time"]; !ok {
			t.Errorf("line %d has no time: %s", i+1, l)
		}
		if i == 0 {
			if m["msg"] != "matchforge serve" || m["endpoint"] != p.endpoint || m["seed"] != float64(42) {
				t.Errorf("first line should log the endpoint %s and seed 42: %s", p.endpoint, l)
			}
		}
	}
}

// TestServeSignalRightAfterStart sends SIGTERM as soon as serve has
// logged its endpoint, as a supervisor stopping a just-started server
// would: serve must still stop cleanly and exit 0, not die of the signal.
func TestServeSignalRightAfterStart(t *testing.T) {
	for i := range 5 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			p := startServe(t, "--tick", "50ms")
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case <-p.done:
			case <-time.After(serveStopTimeout):
				t.Fatalf("matchforge serve did not exit within %v of SIGTERM", serveStopTimeout)
			}
			var ee *exec.ExitError
			if errors.As(p.waitErr, &ee) {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					t.Fatalf("SIGTERM right after the endpoint line killed matchforge serve (%v) instead of stopping it cleanly: "+
						"runServe logs the endpoint before it calls signal.NotifyContext", ws.Signal())
				}
			}
			if p.waitErr != nil {
				t.Fatalf("exit %v after SIGTERM, want 0", p.waitErr)
			}
		})
	}
}

// TestServeCredentials checks that with --credentials an unsigned request,
// and one signed with a wrong secret, is refused and changes nothing,
// while one signed with the file's key is served.
func TestServeCredentials(t *testing.T) {
	p := startServe(t, "--credentials", filepath.Join("testdata", "serve", "credentials"), "--tick", "50ms")
	if !strings.Contains(p.stderr.String(), "SigV4 verified against 1 access keys") {
		t.Errorf("the start line should say signatures are verified:\n%s", p.stderr.String())
	}
	body, err := os.ReadFile(filepath.Join("testdata", "serve", "ruleset.json"))
	if err != nil {
		t.Fatal(err)
	}
	create, _ := json.Marshal(map[string]string{"Name": "signed", "RuleSetBody": string(body)})

	a := callAPI(t, p.endpoint, "CreateMatchmakingRuleSet", string(create))
	if a.status < 400 || a.status > 499 || a.errorType() != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned request: HTTP %d %s; want 4xx MissingAuthenticationTokenException", a.status, a.body)
	}
	a = signedCallAPI(t, p.endpoint, "CreateMatchmakingRuleSet", string(create), "AKIDTEST", "not-the-secret")
	if a.status < 400 || a.status > 499 || a.errorType() != "InvalidSignatureException" {
		t.Errorf("request signed with a wrong secret: HTTP %d %s; want 4xx InvalidSignatureException", a.status, a.body)
	}
	a = signedCallAPI(t, p.endpoint, "CreateMatchmakingRuleSet", string(create), "AKIDOTHER", "secret")
	if a.status < 400 || a.status > 499 || a.errorType() != "UnrecognizedClientException" {
		t.Errorf("request signed with an unknown key: HTTP %d %s; want 4xx UnrecognizedClientException", a.status, a.body)
	}

	// Nothing was created: a signed read finds no rule set.
	a = signedCallAPI(t, p.endpoint, "DescribeMatchmakingRuleSets", "{}", "AKIDTEST", "secret")
	if a.status != http.StatusOK || strings.TrimSpace(string(a.body)) != `{"RuleSets":[]}` {
		t.Errorf("signed DescribeMatchmakingRuleSets: HTTP %d %s; want 200 and no rule sets", a.status, a.body)
	}
	// A request signed with the file's key is served.
	a = signedCallAPI(t, p.endpoint, "CreateMatchmakingRuleSet", string(create), "AKIDTEST", "secret")
	if a.status != http.StatusOK || !strings.Contains(string(a.body), `"RuleSetName":"signed"`) {
		t.Errorf("signed CreateMatchmakingRuleSet: HTTP %d %s", a.status, a.body)
	}
	// The health endpoints are not API requests: they need no signature.
	if code, body := httpGet(t, p.endpoint+"/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz: %d %q", code, body)
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
}

// TestLoadCommand runs matchforge load against its in-process server, in
// memory and with a data directory, for a moment each.
func TestLoadCommand(t *testing.T) {
	for _, dataDir := range []string{"", t.TempDir()} {
		args := []string{"load", "--duration", "300ms", "--rate", "500", "--connections", "4"}
		if dataDir != "" {
			args = append(args, "--data-dir", dataDir)
		}
		var out, errOut bytes.Buffer
		if code := run(args, strings.NewReader(""), &out, &errOut); code != 0 {
			t.Fatalf("%q: exit %d\n%s", args, code, errOut.String())
		}
		if !strings.Contains(out.String(), "open loop at 500/s") || !strings.Contains(out.String(), "127.0.0.1") {
			t.Errorf("%q printed %q", args, out.String())
		}
		if dataDir != "" {
			// A directory that holds a state is refused.
			errOut.Reset()
			if code := run(args, strings.NewReader(""), &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "already holds a state") {
				t.Errorf("load on a used data directory: exit %d, %s", code, errOut.String())
			}
		}
	}
}
