package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// awsCLITimeout bounds one aws command.
const awsCLITimeout = 60 * time.Second

// awsCLI runs the AWS CLI against one matchforge serve.
type awsCLI struct {
	t        *testing.T
	path     string
	major    string // "1" or "2"
	endpoint string
	env      []string
}

// newAWSCLI finds aws on PATH. When it is missing the test fails if
// MATCHFORGE_AWSCLI_TEST is 1 (as .ci/run sets it) and is skipped
// otherwise.
func newAWSCLI(t *testing.T) *awsCLI {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err != nil {
		const msg = "awscli is required: .ci/run installs it (Debian package awscli)"
		if os.Getenv("MATCHFORGE_AWSCLI_TEST") == "1" {
			t.Fatalf("%s; aws is not on PATH: %v", msg, err)
		}
		t.Skipf("%s; aws is not on PATH, set MATCHFORGE_AWSCLI_TEST=1 to make this a failure", msg)
	}
	// Only what the CLI needs to sign: no profile, no instance metadata,
	// no pager, nothing of the environment's own AWS configuration.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	env = append(env, "AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
	c := &awsCLI{t: t, path: path, env: env}
	ctx, cancel := context.WithTimeout(context.Background(), awsCLITimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--version")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("aws --version: %v: %s", err, out)
	}
	m := regexp.MustCompile(`aws-cli/([0-9]+)\.`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("aws --version printed no version: %s", out)
	}
	c.major = string(m[1])
	t.Logf("%s: %s", path, bytes.TrimSpace(out))
	return c
}

// run runs "aws gamelift args..." against the endpoint and returns the
// exit status, stdout and stderr.
func (c *awsCLI) run(args ...string) (int, string, string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), awsCLITimeout)
	defer cancel()
	full := append([]string{"gamelift"}, args...)
	full = append(full, "--endpoint-url", c.endpoint, "--region", "us-east-1", "--output", "json")
	if c.major != "1" { // version 1 has no pager, and no flag to turn it off
		full = append(full, "--no-cli-pager")
	}
	cmd := exec.CommandContext(ctx, c.path, full...)
	cmd.Env = c.env
	cmd.WaitDelay = 2 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		c.t.Fatalf("aws %q did not finish within %v; stderr:\n%s", args, awsCLITimeout, stderr.String())
	}
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			c.t.Fatalf("aws %q: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return code, stdout.String(), stderr.String()
}

// ok runs an aws command that must succeed and decodes its JSON output
// into out.
func (c *awsCLI) ok(out any, args ...string) {
	c.t.Helper()
	code, stdout, stderr := c.run(args...)
	if code != 0 {
		c.t.Fatalf("aws %q: exit %d; stderr:\n%s", args, code, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), out); err != nil {
		c.t.Fatalf("aws %q: output is not JSON: %v\n%s", args, err, stdout)
	}
}

// describe returns the tickets of ids, by describe-matchmaking.
func (c *awsCLI) describe(ids ...string) []ticketJSON {
	c.t.Helper()
	var out struct{ TicketList []ticketJSON }
	c.ok(&out, append([]string{"describe-matchmaking", "--ticket-ids"}, ids...)...)
	return out.TicketList
}

// waitStatus polls describe-matchmaking until every ticket of ids has
// status want, for up to 30s (each aws command starts a Python
// interpreter: a poll takes about a second).
func (c *awsCLI) waitStatus(want string, ids ...string) []ticketJSON {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		tickets := c.describe(ids...)
		n := 0
		for _, tk := range tickets {
			if tk.Status == want {
				n++
			}
		}
		if n == len(ids) && len(tickets) == len(ids) {
			return tickets
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("tickets %v are not all %s after 30s: %+v", ids, want, tickets)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sseEvent is the part of a FlexMatch event the test reads.
type sseEvent struct {
	Detail struct {
		Type    string
		MatchID string `json:"matchId"`
		Tickets []struct {
			TicketID string `json:"ticketId"`
		}
	}
}

// watchEvents streams GET /events of one configuration and sends each
// event on the channel until the test ends.
func watchEvents(t *testing.T, endpoint, configuration string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/events?configuration="+configuration, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req) // a stream: bounded by ctx, not a timeout
	if err != nil {
		t.Fatalf("GET /events: %v", err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		resp.Body.Close()
		t.Fatalf("GET /events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ch := make(chan sseEvent, 100)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev sseEvent
			if json.Unmarshal([]byte(data), &ev) == nil {
				select {
				case ch <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return ch
}

// waitEvent returns the first event of type typ on ch, within 10s.
func waitEvent(t *testing.T, ch <-chan sseEvent, typ string) sseEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-ch:
			if ev.Detail.Type == typ {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event within 10s", typ)
		}
	}
}

// TestAWSCLI drives matchforge serve with the real AWS CLI: rule set and
// configuration, tickets started, described and stopped, a match and its
// backfill, and an error the CLI reports as the service's exception.
func TestAWSCLI(t *testing.T) {
	aws := newAWSCLI(t)
	p := startServe(t, "--tick", "50ms", "--region", "us-east-1", "--account", "123456789012")
	aws.endpoint = p.endpoint
	const arn = "arn:aws:gamelift:us-east-1:123456789012:"

	ruleSetFile, err := filepath.Abs(filepath.Join("testdata", "serve", "ruleset.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rs struct {
		RuleSet struct{ RuleSetName, RuleSetArn, RuleSetBody string }
	}
	aws.ok(&rs, "create-matchmaking-rule-set", "--name", "teams-cli", "--rule-set-body", "file://"+ruleSetFile)
	body, err := os.ReadFile(ruleSetFile)
	if err != nil {
		t.Fatal(err)
	}
	if rs.RuleSet.RuleSetName != "teams-cli" || rs.RuleSet.RuleSetArn != arn+"matchmakingruleset/teams-cli" || rs.RuleSet.RuleSetBody != string(body) {
		t.Errorf("create-matchmaking-rule-set: %+v", rs.RuleSet)
	}

	var cfg struct {
		Configuration struct {
			Name, ConfigurationArn, RuleSetName, RuleSetArn, FlexMatchMode, BackfillMode string
			RequestTimeoutSeconds                                                        int
			AcceptanceRequired                                                           *bool
		}
	}
	aws.ok(&cfg, "create-matchmaking-configuration", "--name", "teams-cli", "--rule-set-name", "teams-cli",
		"--request-timeout-seconds", "60", "--no-acceptance-required", "--flex-match-mode", "STANDALONE")
	if c := cfg.Configuration; c.Name != "teams-cli" || c.ConfigurationArn != arn+"matchmakingconfiguration/teams-cli" ||
		c.RuleSetName != "teams-cli" || c.RuleSetArn != rs.RuleSet.RuleSetArn || c.FlexMatchMode != "STANDALONE" ||
		c.BackfillMode != "MANUAL" || c.RequestTimeoutSeconds != 60 || c.AcceptanceRequired == nil || *c.AcceptanceRequired {
		t.Errorf("create-matchmaking-configuration: %+v", c)
	}

	type started struct{ MatchmakingTicket ticketJSON }

	// A ticket alone (a team has no one else) waits; stop-matchmaking
	// cancels it.
	var lone started
	aws.ok(&lone, "start-matchmaking", "--cli-input-json",
		`{"ConfigurationName": "teams-cli", "Players": [{"PlayerId": "lone", "PlayerAttributes": {"skill": {"N": 5}}}]}`)
	if tk := lone.MatchmakingTicket; tk.TicketID == "" || tk.Status != "QUEUED" || tk.ConfigurationName != "teams-cli" || len(tk.Players) != 1 || tk.Players[0].PlayerID != "lone" {
		t.Fatalf("start-matchmaking: %+v", tk)
	}
	if tks := aws.describe(lone.MatchmakingTicket.TicketID); len(tks) != 1 || !slices.Contains([]string{"QUEUED", "SEARCHING"}, tks[0].Status) {
		t.Errorf("describe-matchmaking of a lone ticket: %+v; want it QUEUED or SEARCHING", tks)
	}
	code, stdout, stderr := aws.run("stop-matchmaking", "--ticket-id", lone.MatchmakingTicket.TicketID)
	if code != 0 || strings.TrimSpace(stdout) != "{}" && strings.TrimSpace(stdout) != "" {
		t.Fatalf("stop-matchmaking: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	aws.waitStatus("CANCELLED", lone.MatchmakingTicket.TicketID)

	// Two players make a match; the match's game session (its match id in
	// STANDALONE mode) takes a backfill, which a third player fills.
	events := watchEvents(t, p.endpoint, "teams-cli")
	var a, b started
	aws.ok(&a, "start-matchmaking", "--configuration-name", "teams-cli", "--players", "PlayerId=alice,PlayerAttributes={skill={N=10}}")
	aws.ok(&b, "start-matchmaking", "--configuration-name", "teams-cli", "--players", `[{"PlayerId": "bob", "PlayerAttributes": {"skill": {"N": 12}}}]`)
	for _, s := range []started{a, b} {
		if s.MatchmakingTicket.TicketID == "" || s.MatchmakingTicket.Status != "QUEUED" {
			t.Fatalf("start-matchmaking: %+v", s.MatchmakingTicket)
		}
	}
	matched := aws.waitStatus("COMPLETED", a.MatchmakingTicket.TicketID, b.MatchmakingTicket.TicketID)
	var backfillArgs []string
	for _, tk := range matched {
		if len(tk.Players) != 1 || tk.Players[0].Team == "" {
			t.Fatalf("completed ticket without a team: %+v", tk)
		}
		backfillArgs = append(backfillArgs, "PlayerId="+tk.Players[0].PlayerID+",Team="+tk.Players[0].Team)
	}
	succeeded := waitEvent(t, events, "MatchmakingSucceeded")
	if succeeded.Detail.MatchID == "" || len(succeeded.Detail.Tickets) != 2 {
		t.Fatalf("MatchmakingSucceeded event: %+v", succeeded)
	}

	var bf started
	aws.ok(&bf, append([]string{"start-match-backfill", "--configuration-name", "teams-cli",
		"--game-session-arn", succeeded.Detail.MatchID, "--players"}, backfillArgs...)...)
	if tk := bf.MatchmakingTicket; tk.TicketID == "" || tk.Status != "QUEUED" || len(tk.Players) != 2 {
		t.Fatalf("start-match-backfill: %+v", tk)
	}
	var c started
	aws.ok(&c, "start-matchmaking", "--configuration-name", "teams-cli", "--players", "PlayerId=carol")
	done := aws.waitStatus("COMPLETED", bf.MatchmakingTicket.TicketID, c.MatchmakingTicket.TicketID)
	for _, tk := range done {
		if tk.TicketID == c.MatchmakingTicket.TicketID && (len(tk.Players) != 1 || tk.Players[0].Team != "red" && tk.Players[0].Team != "blue") {
			t.Errorf("carol's ticket did not join a team of the backfilled game: %+v", tk)
		}
	}

	// The service's exceptions reach the CLI as themselves: exit 254 (CLI
	// version 2) or 255 (version 1) and the exception's name.
	for _, args := range [][]string{
		{"start-matchmaking", "--configuration-name", "nope", "--players", "PlayerId=dave"},
		{"describe-matchmaking-rule-sets", "--names", "nope"},
	} {
		code, _, stderr := aws.run(args...)
		if code != 254 && code != 255 || !strings.Contains(stderr, "NotFoundException") || !strings.Contains(stderr, `"nope"`) {
			t.Errorf("aws %q: exit %d, stderr %q; want 254 or 255 and NotFoundException naming \"nope\"", args, code, stderr)
		}
	}
	var none struct{ Configurations []json.RawMessage }
	aws.ok(&none, "describe-matchmaking-configurations", "--names", "nope")
	if none.Configurations == nil || len(none.Configurations) != 0 {
		t.Errorf("describe-matchmaking-configurations --names nope: %+v; want an empty list", none)
	}

	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
}
