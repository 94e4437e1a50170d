package gamelift_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/gamelift"
)

// FuzzDispatch sends any operation name and body to a world holding every
// kind of state. Dispatch must never panic, and a request it rejects must
// change nothing (D25): the same Describe answers, no event, and the same
// events and ids afterwards as a world that never saw it.
//
//	go test ./gamelift -run '^$' -fuzz FuzzDispatch -fuzztime 10m
func FuzzDispatch(f *testing.F) {
	for _, bad := range badRequests {
		f.Add(bad.op, []byte(bad.body))
	}
	for _, seed := range []struct{ op, body string }{
		{"StartMatchmaking", `{"ConfigurationName": "duel", "Players": [{"PlayerId": "p9", "PlayerAttributes": {"skill": {"N": 1e999}}}]}`},
		{"StartMatchmaking", `{"ConfigurationName": "hosted", "Players": [{"PlayerId": "p9", "LatencyInMs": {"us-east-1": 10}}]}`},
		{"StartMatchBackfill", `{"ConfigurationName": "duel", "GameSessionArn": "x", "Players": [{"PlayerId": "p1", "Team": "red"}]}`},
		{"AcceptMatch", `{"TicketId": "acc-1", "PlayerIds": ["p3"], "AcceptanceType": "ACCEPT"}`},
		{"CompletePlacement", `{"MatchId": "m", "GameSessionArn": "arn:aws:gamelift:local::gamesession/f/g", "IpAddress": "::1", "DnsName": "a.b", "Port": 1}`},
		{"UpdateMatchmakingConfiguration", `{"Name": "hosted", "AcceptanceTimeoutSeconds": 0}`},
		{"DescribeMatchmaking", `{"TicketIds": ["done-1", "done-1"]}`},
		{"Frobnicate", `{}`},
		{"StopMatchmaking", `nul`},
		{"StopMatchmaking", `[]`},
	} {
		f.Add(seed.op, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		checkRejectedChangesNothing(t, op, body)
	})
}

// FuzzReadScenario reads any text as a scenario. ReadScenario must never
// panic; what it accepts has known operations in time order, and a short
// accepted scenario replays to JSON Lines without panicking.
//
//	go test ./gamelift -run '^$' -fuzz FuzzReadScenario -fuzztime 10m
func FuzzReadScenario(f *testing.F) {
	for _, path := range []string{"accept-all", "placement-failed", "backfill-manual", "bad-requests-placement"} {
		if b, err := os.ReadFile(filepath.Join("testdata", "scenarios", path+".jsonl")); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"{\"at\":0,\"op\":\"DescribeMatchmakingRuleSets\"}\n",
		"{\"at\":1e999,\"op\":\"x\"}\n",
		"{\"at\":-1}\n",
		"# comment\n\n{\"at\":0,\"op\":\"StartMatchmaking\",\"input\":{\"TicketId\":\"$match:a\"}}\n",
		"[1,2]\nnull\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		steps, err := gamelift.ReadScenario(bytes.NewReader(data))
		if err != nil {
			if strings.Contains(err.Error(), "Go struct") || strings.Contains(err.Error(), "invalid character") {
				t.Errorf("the error carries the Go decoder's wording: %v", err)
			}
			return
		}
		last := 0.0
		for i, s := range steps {
			if s.At < last || s.At != s.At {
				t.Fatalf("step %d at %v after %v: ReadScenario accepted lines out of time order", i, s.At, last)
			}
			last = s.At
		}
		if last > 60 || len(steps) > 50 {
			return // long replays are the scenario tests' business
		}
		var out bytes.Buffer
		if err := gamelift.Replay(steps, &out, gamelift.ReplayOptions{Until: 120}); err == nil && out.Len() > 0 {
			checkJSONLines(t, out.Bytes())
		}
	})
}
