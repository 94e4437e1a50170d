package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

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
