package gamelift_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/gamelift"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const duelBody = `{"ruleLanguageVersion": "1.0",
 "playerAttributes": [{"name": "skill", "type": "number", "default": 10}],
 "teams": [{"name": "red", "minPlayers": 1, "maxPlayers": 1}, {"name": "blue", "minPlayers": 1, "maxPlayers": 1}]}`

// call dispatches op with body (any value, encoded as JSON; a string or
// []byte is sent as it is) and returns the output encoded as JSON.
func call(t *testing.T, e *gamelift.Service, at time.Duration, op string, body any) ([]byte, error) {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	out, err := e.Dispatch(t0.Add(at), op, raw)
	if err != nil {
		if out != nil {
			t.Errorf("%s: Dispatch returned both output %v and error %v", op, out, err)
		}
		return nil, err
	}
	b, merr := json.Marshal(out)
	if merr != nil {
		t.Fatalf("%s: output does not encode: %v", op, merr)
	}
	return b, nil
}

func mustCall(t *testing.T, e *gamelift.Service, at time.Duration, op string, body any) []byte {
	t.Helper()
	out, err := call(t, e, at, op, body)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return out
}

func newEngine(t *testing.T) *gamelift.Service {
	t.Helper()
	e, err := gamelift.NewService(gamelift.Options{Engine: engine.Config{Seed: 7}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// apiModel is the part of the GameLift API model the tests read.
type apiModel struct {
	Operations map[string]struct {
		Input  struct{ Shape string } `json:"input"`
		Output struct{ Shape string } `json:"output"`
	} `json:"operations"`
	Shapes map[string]struct {
		Type     string                            `json:"type"`
		Required []string                          `json:"required"`
		Members  map[string]struct{ Shape string } `json:"members"`
		Member   struct{ Shape string }            `json:"member"`
		Value    struct{ Shape string }            `json:"value"`
	} `json:"shapes"`
}

func loadModel(t *testing.T) *apiModel {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "flexmatch", "api", "gamelift-flexmatch-2015-10-01.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("API model not available: %v", err)
	}
	var m apiModel
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// conform checks that v, decoded JSON, has the members of shape and only
// those (recursively), and every required member.
func (m *apiModel) conform(t *testing.T, path string, v any, shape string) {
	t.Helper()
	s, ok := m.Shapes[shape]
	if !ok {
		t.Fatalf("%s: shape %s is not in the model", path, shape)
	}
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: want an object (%s), got %T", path, shape, v)
			return
		}
		for name, val := range obj {
			mem, ok := s.Members[name]
			if !ok {
				t.Errorf("%s: member %q is not a member of %s (members: %v)", path, name, shape, slices.Sorted(maps.Keys(s.Members)))
				continue
			}
			m.conform(t, path+"."+name, val, mem.Shape)
		}
		for _, r := range s.Required {
			if _, ok := obj[r]; !ok {
				t.Errorf("%s: required member %q of %s is missing", path, r, shape)
			}
		}
	case "list":
		list, ok := v.([]any)
		if !ok {
			t.Errorf("%s: want a list (%s), got %T", path, shape, v)
			return
		}
		for i, item := range list {
			m.conform(t, path+"["+strconv.Itoa(i)+"]", item, s.Member.Shape)
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: want an object (%s), got %T", path, shape, v)
			return
		}
		for k, val := range obj {
			m.conform(t, path+"."+k, val, s.Value.Shape)
		}
	case "string":
		if _, ok := v.(string); !ok {
			t.Errorf("%s: want a string (%s), got %T", path, shape, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			t.Errorf("%s: want a boolean (%s), got %T", path, shape, v)
		}
	case "integer", "double", "long", "float", "timestamp":
		if _, ok := v.(float64); !ok {
			t.Errorf("%s: want a number (%s), got %T", path, shape, v)
		}
	}
}

// world sets up an engine holding a rule set, a STANDALONE configuration, a
// WITH_QUEUE one, a completed match, a placing match and tickets waiting:
// enough state for every operation to have something to act on.
func world(t *testing.T) *gamelift.Service {
	t.Helper()
	e := newEngine(t)
	mustCall(t, e, 0, "CreateMatchmakingRuleSet", map[string]any{"Name": "duel", "RuleSetBody": duelBody, "Tags": []map[string]string{{"Key": "k", "Value": "v"}}})
	mustCall(t, e, 0, "CreateMatchmakingConfiguration", map[string]any{
		"Name": "duel", "RuleSetName": "duel", "RequestTimeoutSeconds": 60, "AcceptanceRequired": false,
		"Description": "1v1", "CustomEventData": "cev", "NotificationTarget": "arn:aws:sns:us-east-1:000000000000:topic",
		"Tags": []map[string]string{{"Key": "k", "Value": "v"}}})
	mustCall(t, e, 0, "CreateMatchmakingConfiguration", map[string]any{
		"Name": "hosted", "RuleSetName": "duel", "RequestTimeoutSeconds": 60, "AcceptanceRequired": true,
		"AcceptanceTimeoutSeconds": 30, "FlexMatchMode": "WITH_QUEUE", "BackfillMode": "MANUAL",
		"GameSessionQueueArns":  []string{"arn:aws:gamelift:local:000000000000:gamesessionqueue/q"},
		"AdditionalPlayerCount": 0, "GameSessionData": "data",
		"GameProperties": []map[string]string{{"Key": "mode", "Value": "ranked"}}})
	start := func(at time.Duration, cfg, id, player string) {
		mustCall(t, e, at, "StartMatchmaking", map[string]any{"TicketId": id, "ConfigurationName": cfg,
			"Players": []map[string]any{{"PlayerId": player, "PlayerAttributes": map[string]any{"skill": map[string]any{"N": 12}}, "LatencyInMs": map[string]int{"us-east-1": 30}}}})
	}
	start(time.Second, "duel", "done-1", "p1")
	start(time.Second, "duel", "done-2", "p2")
	start(time.Second, "hosted", "acc-1", "p3")
	start(time.Second, "hosted", "acc-2", "p4")
	e.Step(t0.Add(time.Second))
	start(2*time.Second, "duel", "wait-1", "p5")
	start(2*time.Second, "hosted", "queued-1", "p6")
	return e
}

func TestDispatchOutputsMatchTheAPIModel(t *testing.T) {
	m := loadModel(t)
	e := world(t)
	ops := []struct {
		op   string
		body any
	}{
		{"ValidateMatchmakingRuleSet", map[string]any{"RuleSetBody": duelBody}},
		{"CreateMatchmakingRuleSet", map[string]any{"Name": "other", "RuleSetBody": duelBody}},
		{"DescribeMatchmakingRuleSets", map[string]any{}},
		{"DescribeMatchmakingRuleSets", map[string]any{"Names": []string{"duel"}, "Limit": 1}},
		{"CreateMatchmakingConfiguration", map[string]any{"Name": "other", "RuleSetName": "other", "RequestTimeoutSeconds": 5, "AcceptanceRequired": false}},
		{"UpdateMatchmakingConfiguration", map[string]any{"Name": "other", "Description": "d"}},
		{"DescribeMatchmakingConfigurations", map[string]any{}},
		{"DescribeMatchmakingConfigurations", map[string]any{"Limit": 1}},
		{"StartMatchmaking", map[string]any{"ConfigurationName": "duel", "Players": []map[string]any{{"PlayerId": "p9", "PlayerAttributes": map[string]any{"skill": map[string]any{"N": 1}}}}}},
		{"StartMatchBackfill", map[string]any{"ConfigurationName": "duel", "Players": []map[string]any{{"PlayerId": "p1", "Team": "red"}}}},
		{"DescribeMatchmaking", map[string]any{"TicketIds": []string{"done-1", "done-2", "acc-1", "wait-1", "queued-1"}}},
		{"AcceptMatch", map[string]any{"TicketId": "acc-1", "PlayerIds": []string{"p3"}, "AcceptanceType": "ACCEPT"}},
		{"StopMatchmaking", map[string]any{"TicketId": "wait-1"}},
		{"DeleteMatchmakingConfiguration", map[string]any{"Name": "other"}},
		{"DeleteMatchmakingRuleSet", map[string]any{"Name": "other"}},
	}
	seen := map[string]bool{}
	for _, c := range ops {
		out := mustCall(t, e, 3*time.Second, c.op, c.body)
		var v any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatal(err)
		}
		mo, ok := m.Operations[c.op]
		if !ok {
			t.Fatalf("%s is not in the API model", c.op)
		}
		m.conform(t, c.op, v, mo.Output.Shape)
		seen[c.op] = true
	}
	for op := range m.Operations {
		if !seen[op] {
			t.Errorf("operation %s of the model is not exercised", op)
		}
	}
	// The tickets described above cover every member of MatchmakingTicket
	// that a STANDALONE or WITH_QUEUE ticket can carry before placement;
	// a completed WITH_QUEUE ticket adds GameSessionConnectionInfo.
	e2 := world(t)
	mustCall(t, e2, 3*time.Second, "AcceptMatch", map[string]any{"TicketId": "acc-1", "PlayerIds": []string{"p3"}, "AcceptanceType": "ACCEPT"})
	mustCall(t, e2, 3*time.Second, "AcceptMatch", map[string]any{"TicketId": "acc-2", "PlayerIds": []string{"p4"}, "AcceptanceType": "ACCEPT"})
	matchID := ""
	for _, ev := range e2.Events() {
		if ev.Detail.MatchID != "" {
			matchID = ev.Detail.MatchID
		}
	}
	mustCall(t, e2, 4*time.Second, "CompletePlacement", map[string]any{"MatchId": matchID, "GameSessionArn": "arn:aws:gamelift:local::gamesession/f/gs", "IpAddress": "10.0.0.1", "DnsName": "gs.example", "Port": 7777})
	out := mustCall(t, e2, 5*time.Second, "DescribeMatchmaking", map[string]any{"TicketIds": []string{"acc-1"}})
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	m.conform(t, "DescribeMatchmaking", v, "DescribeMatchmakingOutput")
	tk := v["TicketList"].([]any)[0].(map[string]any)
	if _, ok := tk["GameSessionConnectionInfo"]; !ok || tk["Status"] != "COMPLETED" {
		t.Errorf("a completed WITH_QUEUE ticket should carry GameSessionConnectionInfo: %v", tk)
	}
}

func TestDispatchLibraryOperations(t *testing.T) {
	e := world(t)
	mustCall(t, e, 2*time.Second, "AcceptMatch", map[string]any{"TicketId": "acc-1", "PlayerIds": []string{"p3"}, "AcceptanceType": "ACCEPT"})
	mustCall(t, e, 2*time.Second, "AcceptMatch", map[string]any{"TicketId": "acc-2", "PlayerIds": []string{"p4"}, "AcceptanceType": "ACCEPT"})
	var matchID string
	for _, ev := range e.Events() {
		matchID = ev.Detail.MatchID
	}
	if out := mustCall(t, e, 3*time.Second, "FailPlacement", map[string]any{"MatchId": matchID, "Reason": "NO_CAPACITY"}); string(out) != "{}" {
		t.Errorf("FailPlacement output = %s, want {}", out)
	}
	// ReportPlayersLeft on the STANDALONE match of a and b: the game
	// session is named by its match id.
	var doneMatch string
	e3 := newEngine(t)
	mustCall(t, e3, 0, "CreateMatchmakingRuleSet", map[string]any{"Name": "duel", "RuleSetBody": duelBody})
	mustCall(t, e3, 0, "CreateMatchmakingConfiguration", map[string]any{"Name": "duel", "RuleSetName": "duel", "RequestTimeoutSeconds": 60, "AcceptanceRequired": false})
	mustCall(t, e3, 0, "StartMatchmaking", map[string]any{"ConfigurationName": "duel", "Players": []map[string]any{{"PlayerId": "a"}}})
	mustCall(t, e3, 0, "StartMatchmaking", map[string]any{"ConfigurationName": "duel", "Players": []map[string]any{{"PlayerId": "b"}}})
	for _, ev := range e3.Step(t0) {
		if ev.Detail.MatchID != "" {
			doneMatch = ev.Detail.MatchID
		}
	}
	if out := mustCall(t, e3, time.Second, "ReportPlayersLeft", map[string]any{"GameSessionArn": doneMatch, "PlayerIds": []string{"a"}}); string(out) != "{}" {
		t.Errorf("ReportPlayersLeft output = %s, want {}", out)
	}
}

func TestDispatchErrorShape(t *testing.T) {
	e := newEngine(t)
	_, err := call(t, e, 0, "StopMatchmaking", map[string]any{"TicketId": "nope"})
	var ge *gamelift.Error
	if !errors.As(err, &ge) {
		t.Fatalf("err = %T %v, want *gamelift.Error", err, err)
	}
	if ge.Type != "NotFoundException" || !strings.Contains(ge.Message, "nope") {
		t.Errorf("error = %+v", ge)
	}
	b, _ := json.Marshal(ge)
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 || m["__type"] != "NotFoundException" || m["message"] != ge.Message {
		t.Errorf("JSON form = %s, want {\"__type\", \"message\"}", b)
	}
	if got := ge.Error(); got != "NotFoundException: "+ge.Message {
		t.Errorf("Error() = %q", got)
	}
	if gamelift.ToError(errors.New("boom")).Type != "InternalServiceException" {
		t.Error("ToError of a plain error should be InternalServiceException")
	}
	if gamelift.ToError(ge) != ge {
		t.Error("ToError of an *Error should return it")
	}
}

func TestDispatchUnknownOperation(t *testing.T) {
	e := newEngine(t)
	out, err := e.Dispatch(t0, "CreateGameSession", []byte(`{}`))
	if out != nil || !errors.Is(err, gamelift.ErrUnknownOperation) {
		t.Fatalf("Dispatch = %v, %v; want ErrUnknownOperation", out, err)
	}
	var ge *gamelift.Error
	if errors.As(err, &ge) {
		t.Error("an unknown operation is not a GameLift error")
	}
	if !strings.Contains(err.Error(), "CreateGameSession") || !strings.Contains(err.Error(), "StartMatchmaking") {
		t.Errorf("message should name the operation and list the known ones: %v", err)
	}
}

func TestOperations(t *testing.T) {
	ops := gamelift.Operations()
	if !sort.StringsAreSorted(ops) {
		t.Errorf("Operations() not sorted: %v", ops)
	}
	m := loadModel(t)
	for op := range m.Operations {
		if !slices.Contains(ops, op) {
			t.Errorf("model operation %s missing from Operations()", op)
		}
	}
	for _, op := range []string{"CompletePlacement", "FailPlacement", "ReportPlayersLeft"} {
		if !slices.Contains(ops, op) {
			t.Errorf("library operation %s missing from Operations()", op)
		}
	}
}

// validInputs holds a valid input for every operation (against world).
var validInputs = map[string]map[string]any{
	"AcceptMatch":                       {"TicketId": "acc-1", "PlayerIds": []string{"p3"}, "AcceptanceType": "ACCEPT"},
	"CreateMatchmakingConfiguration":    {"Name": "new", "RuleSetName": "duel", "RequestTimeoutSeconds": 5, "AcceptanceRequired": false},
	"CreateMatchmakingRuleSet":          {"Name": "new", "RuleSetBody": duelBody},
	"DeleteMatchmakingConfiguration":    {"Name": "duel"},
	"DeleteMatchmakingRuleSet":          {"Name": "duel"},
	"DescribeMatchmaking":               {"TicketIds": []string{"wait-1"}},
	"DescribeMatchmakingConfigurations": {"Limit": 1},
	"DescribeMatchmakingRuleSets":       {"Limit": 1},
	"StartMatchBackfill":                {"ConfigurationName": "duel", "Players": []map[string]any{{"PlayerId": "p1", "Team": "red"}}},
	"StartMatchmaking":                  {"ConfigurationName": "duel", "Players": []map[string]any{{"PlayerId": "p9"}}},
	"StopMatchmaking":                   {"TicketId": "wait-1"},
	"UpdateMatchmakingConfiguration":    {"Name": "duel", "Description": "x"},
	"ValidateMatchmakingRuleSet":        {"RuleSetBody": duelBody},
	"CompletePlacement":                 {"MatchId": "m", "GameSessionArn": "arn:aws:gamelift:local::gamesession/f/g"},
	"FailPlacement":                     {"MatchId": "m"},
	"ReportPlayersLeft":                 {"GameSessionArn": "arn:aws:gamelift:local::gamesession/f/g", "PlayerIds": []string{"p1"}},
}

func wantInvalid(t *testing.T, err error, contains ...string) {
	t.Helper()
	var ge *gamelift.Error
	if !errors.As(err, &ge) {
		t.Fatalf("err = %v, want an InvalidRequestException", err)
	}
	if ge.Type != "InvalidRequestException" {
		t.Errorf("type = %s (%s), want InvalidRequestException", ge.Type, ge.Message)
	}
	for _, c := range contains {
		if !strings.Contains(ge.Message, c) {
			t.Errorf("message %q should contain %q", ge.Message, c)
		}
	}
}

func TestDispatchRequiredMembers(t *testing.T) {
	m := loadModel(t)
	for op, mo := range m.Operations {
		for _, req := range m.Shapes[mo.Input.Shape].Required {
			t.Run(op+"/"+req, func(t *testing.T) {
				e := world(t)
				in := maps.Clone(validInputs[op])
				delete(in, req)
				_, err := call(t, e, 3*time.Second, op, in)
				wantInvalid(t, err, req, op, "required")
				in[req] = nil
				_, err = call(t, e, 3*time.Second, op, in)
				wantInvalid(t, err, req, "required")
			})
		}
	}
	for _, c := range []struct{ op, member string }{
		{"CompletePlacement", "MatchId"}, {"CompletePlacement", "GameSessionArn"}, {"FailPlacement", "MatchId"},
		{"ReportPlayersLeft", "GameSessionArn"}, {"ReportPlayersLeft", "PlayerIds"},
	} {
		e := world(t)
		in := maps.Clone(validInputs[c.op])
		delete(in, c.member)
		_, err := call(t, e, 3*time.Second, c.op, in)
		wantInvalid(t, err, c.member, "required")
	}
}

func TestDispatchUnknownMembers(t *testing.T) {
	for op, valid := range validInputs {
		t.Run(op, func(t *testing.T) {
			e := world(t)
			in := maps.Clone(valid)
			in["Bogus"] = 1
			_, err := call(t, e, 3*time.Second, op, in)
			wantInvalid(t, err, `no member "Bogus"`, op)
		})
	}
	// Member names are case-sensitive, as in the API model.
	e := world(t)
	_, err := call(t, e, 3*time.Second, "StopMatchmaking", `{"TicketId": "wait-1", "ticketid": "x"}`)
	wantInvalid(t, err, `no member "ticketid"`)
	_, err = call(t, e, 3*time.Second, "StartMatchmaking", `{"ConfigurationName": "duel", "Players": [{"playerId": "p9"}]}`)
	wantInvalid(t, err, `Players[0]`, `no member "playerId"`)
	_, err = call(t, e, 3*time.Second, "StartMatchmaking", `{"ConfigurationName": "duel", "Players": [{"PlayerId": "p9", "PlayerAttributes": {"skill": {"n": 1}}}]}`)
	wantInvalid(t, err, `Players[0].PlayerAttributes.skill`, `no member "n"`)
}

func TestDispatchWrongTypes(t *testing.T) {
	tests := []struct {
		op, body string
		want     []string
	}{
		{"StartMatchmaking", `[]`, []string{"must be a JSON object, not a JSON array"}},
		{"StartMatchmaking", `"x"`, []string{"must be a JSON object, not a JSON string"}},
		{"StartMatchmaking", `{"ConfigurationName": 1, "Players": []}`, []string{"ConfigurationName", "must be a string, not a JSON number"}},
		{"StartMatchmaking", `{"ConfigurationName": "duel", "Players": {}}`, []string{"Players", "must be a list, not a JSON object"}},
		{"StartMatchmaking", `{"ConfigurationName": "duel", "Players": [{"PlayerId": "p", "PlayerAttributes": {"skill": {"N": "1"}}}]}`, []string{"Players[0].PlayerAttributes.skill.N", "must be a number, not a JSON string"}},
		{"StartMatchmaking", `{"ConfigurationName": "duel", "Players": [{"PlayerId": "p", "PlayerAttributes": {"skill": {"SL": [1]}}}]}`, []string{"Players[0].PlayerAttributes.skill.SL[0]", "must be a string"}},
		{"StartMatchmaking", `{"ConfigurationName": "duel", "Players": [{"PlayerId": "p", "LatencyInMs": {"us-east-1": 1.5}}]}`, []string{"Players[0].LatencyInMs.us-east-1", "must be an integer"}},
		{"CreateMatchmakingConfiguration", `{"Name": "c", "RuleSetName": "duel", "RequestTimeoutSeconds": 10, "AcceptanceRequired": "yes"}`, []string{"AcceptanceRequired", "must be a boolean, not a JSON string"}},
		{"CreateMatchmakingConfiguration", `{"Name": "c", "RuleSetName": "duel", "RequestTimeoutSeconds": 1e400, "AcceptanceRequired": false}`, []string{"RequestTimeoutSeconds", "must be an integer"}},
		{"UpdateMatchmakingConfiguration", `{"Name": "duel", "GameProperties": [{"Key": 1, "Value": "v"}]}`, []string{"GameProperties[0].Key", "must be a string"}},
		{"AcceptMatch", `{"TicketId": "acc-1", "PlayerIds": "p3", "AcceptanceType": "ACCEPT"}`, []string{"PlayerIds", "must be a list"}},
		{"DescribeMatchmakingRuleSets", `{"Limit": true}`, []string{"Limit", "must be an integer, not a JSON boolean"}},
		{"DescribeMatchmakingRuleSets", `{"Limit": 0}`, []string{"Limit is 0", "1 to 10"}},
		{"DescribeMatchmakingConfigurations", `{"Limit": -1}`, []string{"Limit is -1"}},
		{"ValidateMatchmakingRuleSet", `{"RuleSetBody": {"teams": []}}`, []string{"RuleSetBody", "must be a string, not a JSON object"}},
		{"CompletePlacement", `{"MatchId": "m", "GameSessionArn": "a", "Port": "1"}`, []string{"Port", "must be an integer"}},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			e := world(t)
			_, err := call(t, e, 3*time.Second, tt.op, tt.body)
			wantInvalid(t, err, tt.want...)
		})
	}
	// An empty body is an empty object.
	e := world(t)
	if _, err := call(t, e, 3*time.Second, "DescribeMatchmakingRuleSets", ""); err != nil {
		t.Errorf("empty body: %v", err)
	}
	if _, err := call(t, e, 3*time.Second, "DescribeMatchmakingRuleSets", "null"); err != nil {
		t.Errorf("null body: %v", err)
	}
}

func TestDispatchRuleSetBodyLimit(t *testing.T) {
	e := newEngine(t)
	// 65535 characters is the API's limit for RuleSetBody.
	long := duelBody + strings.Repeat(" ", 65536-len(duelBody))
	_, err := call(t, e, 0, "ValidateMatchmakingRuleSet", map[string]any{"RuleSetBody": long})
	if err == nil {
		t.Fatal("a RuleSetBody of 65536 characters was accepted")
	}
	wantInvalid(t, err, "RuleSetBody", "65535")
}

// snapshot describes everything a client can see of the engine.
func snapshot(t *testing.T, e *gamelift.Service) string {
	t.Helper()
	var b strings.Builder
	for _, c := range []struct {
		op   string
		body any
	}{
		{"DescribeMatchmakingRuleSets", map[string]any{}},
		{"DescribeMatchmakingConfigurations", map[string]any{}},
		{"DescribeMatchmaking", map[string]any{"TicketIds": []string{"done-1", "done-2", "acc-1", "acc-2", "wait-1", "queued-1"}}},
		{"DescribeMatchmaking", map[string]any{"TicketIds": []string{"t-new", "new"}}},
	} {
		b.Write(mustCall(t, e, 3*time.Second, c.op, c.body))
		b.WriteByte('\n')
	}
	return b.String()
}

// badRequests are rejected requests of every operation against world.
var badRequests = []struct {
	op, body string
}{
	{"StartMatchmaking", `{"TicketId": "t-new", "ConfigurationName": "duel", "Players": [{"PlayerId": "p9", "PlayerAttributes": {"skill": {"S": "high"}}}]}`},
	{"StartMatchmaking", `{"ConfigurationName": "duel", "Players": [{"PlayerId": "p9", "PlayerAttributes": {"skill": {"S": "high"}}}]}`},
	{"StartMatchmaking", `{"TicketId": "t-new", "ConfigurationName": "duel", "Players": [{"PlayerId": "p5"}, {"PlayerId": "p5"}]}`},
	{"StartMatchmaking", `{"TicketId": "wait-1", "ConfigurationName": "duel", "Players": [{"PlayerId": "p9"}]}`},
	{"StartMatchmaking", `{"TicketId": "t-new", "ConfigurationName": "nope", "Players": [{"PlayerId": "p5"}]}`},
	{"StartMatchmaking", `{"TicketId": "t-new", "ConfigurationName": "duel", "Players": [{"PlayerId": "p5", "Bogus": 1}]}`},
	{"StartMatchBackfill", `{"TicketId": "t-new", "ConfigurationName": "duel", "Players": [{"PlayerId": "p1", "Team": "green"}]}`},
	{"StartMatchBackfill", `{"ConfigurationName": "duel", "Players": [{"PlayerId": "p1", "Team": "red", "PlayerAttributes": {"skill": {"S": "x"}}}]}`},
	{"StopMatchmaking", `{"TicketId": "done-1"}`},
	{"StopMatchmaking", `{"TicketId": "nope"}`},
	{"AcceptMatch", `{"TicketId": "acc-1", "PlayerIds": ["p3", "p4"], "AcceptanceType": "ACCEPT"}`},
	{"AcceptMatch", `{"TicketId": "wait-1", "PlayerIds": ["p5"], "AcceptanceType": "ACCEPT"}`},
	{"AcceptMatch", `{"TicketId": "acc-1", "PlayerIds": ["p3"], "AcceptanceType": "MAYBE"}`},
	{"DescribeMatchmaking", `{"TicketIds": []}`},
	{"CreateMatchmakingRuleSet", `{"Name": "new", "RuleSetBody": "{}"}`},
	{"CreateMatchmakingRuleSet", `{"Name": "duel", "RuleSetBody": "{}"}`},
	{"DeleteMatchmakingRuleSet", `{"Name": "duel"}`},
	{"CreateMatchmakingConfiguration", `{"Name": "new", "RuleSetName": "duel", "RequestTimeoutSeconds": 0, "AcceptanceRequired": false}`},
	{"CreateMatchmakingConfiguration", `{"Name": "duel", "RuleSetName": "duel", "RequestTimeoutSeconds": 5, "AcceptanceRequired": false}`},
	{"UpdateMatchmakingConfiguration", `{"Name": "duel", "Description": "changed", "RequestTimeoutSeconds": 43201}`},
	{"UpdateMatchmakingConfiguration", `{"Name": "duel", "Description": "changed", "RuleSetName": "nope"}`},
	{"UpdateMatchmakingConfiguration", `{"Name": "hosted", "Description": "changed", "FlexMatchMode": "STANDALONE"}`},
	{"DeleteMatchmakingConfiguration", `{"Name": "duel"}`},
	{"DescribeMatchmakingConfigurations", `{"Limit": 11}`},
	{"DescribeMatchmakingRuleSets", `{"Names": ["nope"]}`},
	{"CompletePlacement", `{"MatchId": "nope", "GameSessionArn": "arn:aws:gamelift:local::gamesession/f/g"}`},
	{"FailPlacement", `{"MatchId": "nope"}`},
	{"ReportPlayersLeft", `{"GameSessionArn": "nope", "PlayerIds": ["p1"]}`},
	{"ValidateMatchmakingRuleSet", `{"RuleSetBody": "{"}`},
}

// TestRejectedRequestsChangeNothing checks D25: after any rejected request
// the engine looks the same to every Describe, has queued no event, and
// behaves exactly as an engine that never saw the request (same events,
// same generated ids, in the steps that follow).
func TestRejectedRequestsChangeNothing(t *testing.T) {
	for _, bad := range badRequests {
		t.Run(bad.op, func(t *testing.T) {
			if !checkRejectedChangesNothing(t, bad.op, []byte(bad.body)) {
				t.Fatalf("%s %s: want an error", bad.op, bad.body)
			}
		})
	}
}

// checkRejectedChangesNothing sends op with body to a world and, when the
// request is rejected, checks D25: the world looks the same to every
// Describe, has queued no event, and goes on exactly as a control world
// that never saw the request (same events, same generated ids). It reports
// whether the request was rejected.
func checkRejectedChangesNothing(t *testing.T, op string, body []byte) (rejected bool) {
	t.Helper()
	control, e := world(t), world(t)
	control.Events()
	e.Events()
	before := snapshot(t, e)
	if _, err := e.Dispatch(t0.Add(3*time.Second), op, body); err == nil {
		return false
	}
	if evs := e.Events(); len(evs) != 0 {
		t.Errorf("%s: a rejected request queued %d events", op, len(evs))
	}
	if after := snapshot(t, e); after != before {
		t.Errorf("%s: state changed:\nbefore %s\nafter  %s", op, before, after)
	}
	// Both engines go on the same way.
	for _, en := range []*gamelift.Service{control, e} {
		mustCall(t, en, 4*time.Second, "StartMatchmaking", map[string]any{"ConfigurationName": "duel", "Players": []map[string]any{{"PlayerId": "late"}}})
	}
	diverged := ""
	for s := 4; s <= 8 && diverged == ""; s++ {
		a, b := control.Step(t0.Add(time.Duration(s)*time.Second)), e.Step(t0.Add(time.Duration(s)*time.Second))
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			diverged = fmt.Sprintf("at step %d: %d events against %d; first ids %s and %s", s, len(a), len(b), firstID(a), firstID(b))
		}
	}
	if diverged != "" {
		t.Errorf("%s: after the rejected request the engine diverges from a control %s", op, diverged)
	}
	return true
}

func firstID(evs []gamelift.Event) string {
	if len(evs) == 0 {
		return "(none)"
	}
	return evs[0].ID
}

// TestUpdateKeepsOmittedMembers checks that UpdateMatchmakingConfiguration keeps
// every member that the request leaves out.
func TestUpdateKeepsOmittedMembers(t *testing.T) {
	e := world(t)
	before := mustCall(t, e, 3*time.Second, "DescribeMatchmakingConfigurations", map[string]any{"Names": []string{"hosted"}})
	mustCall(t, e, 3*time.Second, "UpdateMatchmakingConfiguration", map[string]any{"Name": "hosted"})
	after := mustCall(t, e, 3*time.Second, "DescribeMatchmakingConfigurations", map[string]any{"Names": []string{"hosted"}})
	if !reflect.DeepEqual(before, after) {
		t.Errorf("an update with only Name changed the configuration:\n%s\n%s", before, after)
	}
}

// Malformed bodies are described in plain words, with the member's path or
// the column where the JSON breaks, never with the Go decoder's wording.
func TestDispatchMalformedBodiesInPlainWords(t *testing.T) {
	e := newEngine(t)
	for _, tc := range []struct {
		name, op, body string
		want           []string
	}{
		{"syntax", "StopMatchmaking", `{"TicketId": nul}`, []string{"StopMatchmaking input is not valid JSON", "column 17"}},
		{"unfinished", "StopMatchmaking", `{"TicketId": "a"`, []string{"StopMatchmaking input is not valid JSON", "ends"}},
		{"number too large", "StartMatchmaking", `{"ConfigurationName": "c", "Players": [{"PlayerId": "a", "PlayerAttributes": {"skill": {"N": 1e999}}}]}`,
			[]string{"Players[0].PlayerAttributes.skill.N", "1e999", "largest number"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := call(t, e, 0, tc.op, tc.body)
			wantInvalid(t, err, tc.want...)
			for _, internal := range []string{"Go struct", "json:", "invalid character", "literal", "unmarshal"} {
				if err != nil && strings.Contains(err.Error(), internal) {
					t.Errorf("%v carries the Go decoder's wording %q", err, internal)
				}
			}
		})
	}
}
