package rpcv2_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/gamelift"
	"github.com/aws/aws-sdk-go-v2/service/gamelift/types"
	"github.com/aws/smithy-go"

	"github.com/matchforge/matchforge/internal/rpcv2"
)

// fakeServer is an httptest server on 127.0.0.1 whose handler turns the
// CBOR request into JSON with RequestToJSON, hands the JSON to check, and
// answers with whatever respond returns.
type exchange struct {
	t       *testing.T
	op      string
	json    []byte
	header  http.Header
	status  int
	respond []byte // CBOR body to send
}

func newServer(t *testing.T, ex *exchange) *gamelift.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read request: %v", err)
		}
		ex.header = r.Header.Clone()
		if r.Method != http.MethodPost || r.URL.Path != "/service/GameLift/operation/"+ex.op {
			t.Errorf("request %s %s, want POST /service/GameLift/operation/%s", r.Method, r.URL.Path, ex.op)
		}
		js, err := rpcv2.RequestToJSON(body)
		if err != nil {
			t.Errorf("RequestToJSON: %v", err)
		}
		ex.json = js
		w.Header().Set("Content-Type", "application/cbor")
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		w.WriteHeader(ex.status)
		w.Write(ex.respond)
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   srv.Client(),
	}
	return gamelift.NewFromConfig(cfg)
}

func respond(t *testing.T, js string) []byte {
	t.Helper()
	b, err := rpcv2.ResponseFromJSON([]byte(js))
	if err != nil {
		t.Fatalf("ResponseFromJSON: %v", err)
	}
	return b
}

// sameJSON compares two JSON texts by value.
func sameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want JSON: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("request JSON\n got %s\nwant %s", got, want)
	}
}

func TestSDKStartMatchmaking(t *testing.T) {
	start := time.UnixMilli(1700000000123).UTC()
	ex := &exchange{t: t, op: "StartMatchmaking", status: 200}
	ex.respond = respond(t, `{"MatchmakingTicket":{
		"TicketId":"t-1","ConfigurationName":"cfg","Status":"QUEUED",
		"StartTime":1700000000.123,"EstimatedWaitTime":42,
		"Players":[{"PlayerId":"p1","Team":"red",
			"PlayerAttributes":{"skill":{"N":5},"ratio":{"N":0.25},"name":{"S":"ann"},
				"modes":{"SL":["duel","ffa"]},"lag":{"SDM":{"eu":12,"us":30.5}}},
			"LatencyInMs":{"eu-west-1":20,"us-east-1":85}}]}}`)
	client := newServer(t, ex)

	out, err := client.StartMatchmaking(context.Background(), &gamelift.StartMatchmakingInput{
		ConfigurationName: aws.String("cfg"),
		TicketId:          aws.String("t-1"),
		Players: []types.Player{{
			PlayerId: aws.String("p1"),
			Team:     aws.String("red"),
			PlayerAttributes: map[string]types.AttributeValue{
				"skill": {N: aws.Float64(5)},
				"ratio": {N: aws.Float64(0.25)},
				"name":  {S: aws.String("ann")},
				"modes": {SL: []string{"duel", "ffa"}},
				"lag":   {SDM: map[string]float64{"eu": 12, "us": 30.5}},
			},
			LatencyInMs: map[string]int32{"eu-west-1": 20, "us-east-1": 85},
		}},
	})
	if err != nil {
		t.Fatalf("StartMatchmaking: %v", err)
	}

	if got := ex.header.Get("Content-Type"); got != "application/cbor" {
		t.Errorf("Content-Type %q, want application/cbor", got)
	}
	if got := ex.header.Get("Smithy-Protocol"); got != "rpc-v2-cbor" {
		t.Errorf("Smithy-Protocol %q, want rpc-v2-cbor", got)
	}
	sameJSON(t, ex.json, `{"ConfigurationName":"cfg","TicketId":"t-1","Players":[{"PlayerId":"p1","Team":"red",
		"PlayerAttributes":{"skill":{"N":5},"ratio":{"N":0.25},"name":{"S":"ann"},
			"modes":{"SL":["duel","ffa"]},"lag":{"SDM":{"eu":12,"us":30.5}}},
		"LatencyInMs":{"eu-west-1":20,"us-east-1":85}}]}`)

	tk := out.MatchmakingTicket
	if tk == nil {
		t.Fatal("no ticket in the output")
	}
	if aws.ToString(tk.TicketId) != "t-1" || aws.ToString(tk.ConfigurationName) != "cfg" || tk.Status != types.MatchmakingConfigurationStatusQueued {
		t.Errorf("ticket %q %q %q", aws.ToString(tk.TicketId), aws.ToString(tk.ConfigurationName), tk.Status)
	}
	if tk.StartTime == nil || !tk.StartTime.Equal(start) {
		t.Errorf("StartTime %v, want %v", tk.StartTime, start)
	}
	if tk.EstimatedWaitTime == nil || *tk.EstimatedWaitTime != 42 {
		t.Errorf("EstimatedWaitTime %v, want 42", tk.EstimatedWaitTime)
	}
	if len(tk.Players) != 1 {
		t.Fatalf("%d players, want 1", len(tk.Players))
	}
	p := tk.Players[0]
	attrs := p.PlayerAttributes
	if n := attrs["skill"].N; n == nil || *n != 5.0 {
		t.Errorf("skill.N %v, want 5.0", n)
	}
	if n := attrs["ratio"].N; n == nil || *n != 0.25 {
		t.Errorf("ratio.N %v, want 0.25", n)
	}
	if s := attrs["name"].S; aws.ToString(s) != "ann" {
		t.Errorf("name.S %v", s)
	}
	if sl := attrs["modes"].SL; !reflect.DeepEqual(sl, []string{"duel", "ffa"}) {
		t.Errorf("modes.SL %v", sl)
	}
	if sdm := attrs["lag"].SDM; !reflect.DeepEqual(sdm, map[string]float64{"eu": 12, "us": 30.5}) {
		t.Errorf("lag.SDM %v", sdm)
	}
	if !reflect.DeepEqual(p.LatencyInMs, map[string]int32{"eu-west-1": 20, "us-east-1": 85}) {
		t.Errorf("LatencyInMs %v", p.LatencyInMs)
	}
	if aws.ToString(p.Team) != "red" {
		t.Errorf("Team %v", p.Team)
	}
}

func TestSDKDescribeMatchmakingConfigurations(t *testing.T) {
	ex := &exchange{t: t, op: "DescribeMatchmakingConfigurations", status: 200}
	ex.respond = respond(t, `{"Configurations":[
		{"Name":"cfg","CreationTime":1700000000,"RequestTimeoutSeconds":120,"AcceptanceRequired":false,
		 "AdditionalPlayerCount":0,"FlexMatchMode":"STANDALONE","RuleSetName":"rs"},
		{"Name":"cfg2","CreationTime":1700000001.5,"RequestTimeoutSeconds":30,"AcceptanceRequired":true,"AcceptanceTimeoutSeconds":10},
		{"Name":"old","CreationTime":17000000.001}],
		"NextToken":"n"}`)
	client := newServer(t, ex)

	out, err := client.DescribeMatchmakingConfigurations(context.Background(), &gamelift.DescribeMatchmakingConfigurationsInput{
		Names: []string{"cfg", "cfg2"},
		Limit: aws.Int32(10),
	})
	if err != nil {
		t.Fatalf("DescribeMatchmakingConfigurations: %v", err)
	}
	sameJSON(t, ex.json, `{"Names":["cfg","cfg2"],"Limit":10}`)
	if len(out.Configurations) != 3 {
		t.Fatalf("%d configurations, want 3", len(out.Configurations))
	}
	c := out.Configurations[0]
	if aws.ToString(c.Name) != "cfg" || aws.ToString(c.RuleSetName) != "rs" || c.FlexMatchMode != types.FlexMatchModeStandalone {
		t.Errorf("configuration %q %q %q", aws.ToString(c.Name), aws.ToString(c.RuleSetName), c.FlexMatchMode)
	}
	if c.CreationTime == nil || !c.CreationTime.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("CreationTime %v", c.CreationTime)
	}
	if aws.ToInt32(c.RequestTimeoutSeconds) != 120 || c.AcceptanceRequired == nil || *c.AcceptanceRequired || c.AdditionalPlayerCount == nil || *c.AdditionalPlayerCount != 0 {
		t.Errorf("RequestTimeoutSeconds %v AcceptanceRequired %v AdditionalPlayerCount %v", c.RequestTimeoutSeconds, c.AcceptanceRequired, c.AdditionalPlayerCount)
	}
	c2 := out.Configurations[1]
	if c2.CreationTime == nil || !c2.CreationTime.Equal(time.UnixMilli(1700000001500)) {
		t.Errorf("CreationTime %v", c2.CreationTime)
	}
	if aws.ToInt32(c2.RequestTimeoutSeconds) != 30 || aws.ToInt32(c2.AcceptanceTimeoutSeconds) != 10 || !aws.ToBool(c2.AcceptanceRequired) {
		t.Errorf("second configuration %+v", c2)
	}
	// The nearest float64 to 17000000.001 would read as .000 here.
	if c3 := out.Configurations[2]; c3.CreationTime == nil || !c3.CreationTime.Equal(time.UnixMilli(17000000001)) {
		t.Errorf("CreationTime %v, want %v", c3.CreationTime, time.UnixMilli(17000000001))
	}
	if aws.ToString(out.NextToken) != "n" {
		t.Errorf("NextToken %v", out.NextToken)
	}
}

func TestSDKErrors(t *testing.T) {
	cases := []struct {
		typ, msg string
		status   int
		target   func(error) (string, bool)
	}{
		{"InvalidRequestException", "Players[0].PlayerId is missing", 400, func(err error) (string, bool) {
			var e *types.InvalidRequestException
			if errors.As(err, &e) {
				return e.ErrorMessage(), true
			}
			return "", false
		}},
		{"NotFoundException", "no ticket t-9", 400, func(err error) (string, bool) {
			var e *types.NotFoundException
			if errors.As(err, &e) {
				return e.ErrorMessage(), true
			}
			return "", false
		}},
		{"LimitExceededException", "too many tickets", 400, func(err error) (string, bool) {
			var e *types.LimitExceededException
			if errors.As(err, &e) {
				return e.ErrorMessage(), true
			}
			return "", false
		}},
		// A full shape ID selects the same exception.
		{"com.amazonaws.gamelift#InvalidRequestException", "shape id", 400, func(err error) (string, bool) {
			var e *types.InvalidRequestException
			if errors.As(err, &e) {
				return e.ErrorMessage(), true
			}
			return "", false
		}},
		{"InternalServiceException", "boom", 500, func(err error) (string, bool) {
			var e *types.InternalServiceException
			if errors.As(err, &e) {
				return e.ErrorMessage(), true
			}
			return "", false
		}},
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			// CreateMatchmakingConfiguration models all of these exceptions.
			ex := &exchange{t: t, op: "CreateMatchmakingConfiguration", status: tc.status, respond: rpcv2.ErrorBody(tc.typ, tc.msg)}
			client := newServer(t, ex)
			_, err := client.CreateMatchmakingConfiguration(context.Background(), &gamelift.CreateMatchmakingConfigurationInput{
				Name: aws.String("cfg"), RequestTimeoutSeconds: aws.Int32(60), AcceptanceRequired: aws.Bool(false), RuleSetName: aws.String("rs"),
			})
			if err == nil {
				t.Fatal("no error")
			}
			msg, ok := tc.target(err)
			if !ok {
				t.Fatalf("error %T %v is not the %s", err, err, tc.typ)
			}
			if msg != tc.msg {
				t.Errorf("ErrorMessage %q, want %q", msg, tc.msg)
			}
		})
	}
}

// An error the operation does not model still carries its code and
// message, which the SDK reads from "__type" and "message".
func TestSDKUnmodelledError(t *testing.T) {
	ex := &exchange{t: t, op: "DescribeMatchmaking", status: 400, respond: rpcv2.ErrorBody("NotFoundException", "no ticket t-9")}
	client := newServer(t, ex)
	_, err := client.DescribeMatchmaking(context.Background(), &gamelift.DescribeMatchmakingInput{TicketIds: []string{"t-9"}})
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Fatalf("error %T %v is no smithy.APIError", err, err)
	}
	if api.ErrorCode() != "NotFoundException" || api.ErrorMessage() != "no ticket t-9" {
		t.Errorf("code %q message %q", api.ErrorCode(), api.ErrorMessage())
	}
}
