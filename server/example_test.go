package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/server"
)

// A server set up from a file, answering the awsJson1_1 protocol on
// loopback as the AWS CLI, boto3 or an SDK would call it.
func Example() {
	srv, err := server.New(server.Config{})
	if err != nil {
		panic(err)
	}
	_, err = srv.Setup([]byte(`{
	  "RuleSets": [{"Name": "duel", "RuleSetBody": {"ruleLanguageVersion": "1.0",
	    "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1}, {"name": "blue", "minPlayers": 1, "maxPlayers": 1}]}}],
	  "Configurations": [{"Name": "duel", "RuleSetName": "duel", "RequestTimeoutSeconds": 60, "AcceptanceRequired": false}]
	}`))
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- srv.Serve(ctx, ln) }()

	call := func(op, body string) map[string]any {
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "GameLift."+op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	call("StartMatchmaking", `{"ConfigurationName": "duel", "TicketId": "t1", "Players": [{"PlayerId": "ana"}]}`)
	call("StartMatchmaking", `{"ConfigurationName": "duel", "TicketId": "t2", "Players": [{"PlayerId": "bo"}]}`)
	for range 100 { // the server steps every 100ms
		out := call("DescribeMatchmaking", `{"TicketIds": ["t1"]}`)
		t := out["TicketList"].([]any)[0].(map[string]any)
		if t["Status"] == "COMPLETED" {
			fmt.Println("t1:", t["Status"])
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Println(call("StopMatchmaking", `{}`)["__type"])

	stop()
	fmt.Println("Serve:", <-done)
	// Output:
	// t1: COMPLETED
	// InvalidRequestException
	// Serve: <nil>
}

// stubBackend stands in for a cluster: it knows one ticket.
type stubBackend struct{}

func (stubBackend) Do(_ context.Context, op string, input []byte, requestID string) ([]byte, error) {
	if op == gamelift.OpDescribeMatchmaking && strings.Contains(string(input), `"t1"`) {
		return []byte(`{"TicketList":[{"TicketId":"t1","Status":"SEARCHING"}]}`), nil
	}
	return nil, &gamelift.Error{Type: "NotFoundException", Message: "no such ticket"}
}

// A server whose operations run on a Backend (a cluster node's front end),
// and whose GET /events serves events published to it.
func ExampleServer_backend() {
	srv, err := server.New(server.Config{Backend: stubBackend{}})
	if err != nil {
		panic(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	call := func(body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "GameLift.DescribeMatchmaking")
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("Amz-Sdk-Invocation-Id", "3f1c0a52-0000-4000-8000-000000000001")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	fmt.Println(call(`{"TicketIds": ["t1"]}`))
	fmt.Println(call(`{"TicketIds": ["t2"]}`))

	// The backend's events, the second delivered twice (after a failover).
	ev := func(id string) server.PublishedEvent {
		return server.PublishedEvent{ID: id, Configuration: "duel", JSON: []byte(`{"id": "` + id + `", "detail": {"type": "MatchmakingSearching"}}`)}
	}
	fmt.Println(srv.PublishEvents([]server.PublishedEvent{ev("e1"), ev("e2")}))
	fmt.Println(srv.PublishEvents([]server.PublishedEvent{ev("e2"), ev("e3")}))
	for _, js := range srv.History() {
		fmt.Println(js)
	}
	// Output:
	// 200 {"TicketList":[{"TicketId":"t1","Status":"SEARCHING"}]}
	// 400 {"__type":"NotFoundException","message":"no such ticket"}
	// 2
	// 1
	// {"id":"e1","detail":{"type":"MatchmakingSearching"}}
	// {"id":"e2","detail":{"type":"MatchmakingSearching"}}
	// {"id":"e3","detail":{"type":"MatchmakingSearching"}}
}
