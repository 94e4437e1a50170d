package gamelift_test

// The API shape of tickets: MatchmakingTicket and its timestamps.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/ticket"
)

func intPtr(n int) *int { return &n }

// TestTicketJSON checks the byte-exact MatchmakingTicket shape with
// timestamps as epoch seconds with a millisecond fraction (D21).
func TestTicketJSON(t *testing.T) {
	tk := gamelift.MatchmakingTicket{
		TicketID:          "t-1.a",
		ConfigurationName: "cfg",
		ConfigurationArn:  "arn:aws:gamelift:us-east-1:000000000000:matchmakingconfiguration/cfg",
		Status:            ticket.StatusCompleted,
		StatusReason:      "",
		StatusMessage:     "",
		StartTime:         gamelift.Time{time.UnixMilli(1469498468057).UTC()},
		EndTime:           gamelift.Time{time.Unix(1469498470, 0).UTC()},
		Players: []ticket.Player{{
			PlayerID:         "p1",
			PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(23), "modes": ticket.StringList("ffa")},
			Team:             "red",
			LatencyInMs:      map[string]int{"us-east-1": 20},
		}, {PlayerID: "p2", Team: "blue"}},
		GameSessionConnectionInfo: &ticket.GameSessionConnectionInfo{
			GameSessionArn: "arn:aws:gamelift:us-east-1::gamesession/fleet-1/gs-1",
			IPAddress:      "10.0.0.1",
			DNSName:        "ec2-10-0-0-1.compute-1.amazonaws.com",
			Port:           7777,
			MatchedPlayerSessions: []ticket.MatchedPlayerSession{
				{PlayerID: "p1", PlayerSessionID: "psess-1"},
				{PlayerID: "p2", PlayerSessionID: "psess-2"},
			},
		},
		EstimatedWaitTime: intPtr(0),
	}
	want := `{"TicketId":"t-1.a","ConfigurationName":"cfg",` +
		`"ConfigurationArn":"arn:aws:gamelift:us-east-1:000000000000:matchmakingconfiguration/cfg",` +
		`"Status":"COMPLETED","StartTime":1469498468.057,"EndTime":1469498470.000,` +
		`"Players":[{"PlayerId":"p1","PlayerAttributes":{"modes":{"SL":["ffa"]},"skill":{"N":23}},"Team":"red","LatencyInMs":{"us-east-1":20}},` +
		`{"PlayerId":"p2","Team":"blue"}],` +
		`"GameSessionConnectionInfo":{"GameSessionArn":"arn:aws:gamelift:us-east-1::gamesession/fleet-1/gs-1",` +
		`"IpAddress":"10.0.0.1","DnsName":"ec2-10-0-0-1.compute-1.amazonaws.com","Port":7777,` +
		`"MatchedPlayerSessions":[{"PlayerId":"p1","PlayerSessionId":"psess-1"},{"PlayerId":"p2","PlayerSessionId":"psess-2"}]},` +
		`"EstimatedWaitTime":0}`
	b, err := json.Marshal(tk)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
	var got gamelift.MatchmakingTicket
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	assertTicketEqual(t, got, tk)
	if got.StartTime.Location() != time.UTC || got.EndTime.Location() != time.UTC {
		t.Errorf("decoded times are not UTC: %v, %v", got.StartTime.Location(), got.EndTime.Location())
	}

	// A pointer encodes the same.
	if b2, err := json.Marshal(&tk); err != nil || string(b2) != want {
		t.Errorf("Marshal(&ticket) = %s, %v", b2, err)
	}
	checkModelMembers(t, b)
}

// checkModelMembers checks that an encoded ticket uses only the members of
// the GameLift API model's MatchmakingTicket, Player, AttributeValue,
// GameSessionConnectionInfo and MatchedPlayerSession structures.
func checkModelMembers(t *testing.T, b []byte) {
	t.Helper()
	members := func(names ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	ticketMembers := members("TicketId", "ConfigurationName", "ConfigurationArn", "Status", "StatusReason",
		"StatusMessage", "StartTime", "EndTime", "Players", "GameSessionConnectionInfo", "EstimatedWaitTime")
	playerMembers := members("PlayerId", "PlayerAttributes", "Team", "LatencyInMs")
	valueMembers := members("S", "N", "SL", "SDM")
	connMembers := members("GameSessionArn", "IpAddress", "DnsName", "Port", "MatchedPlayerSessions")
	sessionMembers := members("PlayerId", "PlayerSessionId")
	check := func(what string, obj map[string]any, allowed map[string]bool) {
		for k := range obj {
			if !allowed[k] {
				t.Errorf("%s has member %q, which the API model does not define", what, k)
			}
		}
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	check("MatchmakingTicket", doc, ticketMembers)
	players, _ := doc["Players"].([]any)
	for _, p := range players {
		pm := p.(map[string]any)
		check("Player", pm, playerMembers)
		attrs, _ := pm["PlayerAttributes"].(map[string]any)
		for _, v := range attrs {
			vm := v.(map[string]any)
			check("AttributeValue", vm, valueMembers)
			if len(vm) != 1 {
				t.Errorf("AttributeValue %v does not carry exactly one member", vm)
			}
		}
	}
	if c, ok := doc["GameSessionConnectionInfo"].(map[string]any); ok {
		check("GameSessionConnectionInfo", c, connMembers)
		sessions, _ := c["MatchedPlayerSessions"].([]any)
		for _, s := range sessions {
			check("MatchedPlayerSession", s.(map[string]any), sessionMembers)
		}
	}
}

func assertTicketEqual(t *testing.T, got, want gamelift.MatchmakingTicket) {
	t.Helper()
	if got.TicketID != want.TicketID || got.ConfigurationName != want.ConfigurationName ||
		got.ConfigurationArn != want.ConfigurationArn || got.Status != want.Status ||
		got.StatusReason != want.StatusReason || got.StatusMessage != want.StatusMessage {
		t.Errorf("scalar fields differ:\n got %+v\nwant %+v", got, want)
	}
	if !got.StartTime.Equal(want.StartTime.Time) || !got.EndTime.Equal(want.EndTime.Time) {
		t.Errorf("times = %v, %v; want %v, %v", got.StartTime, got.EndTime, want.StartTime, want.EndTime)
	}
	if got.StartTime.IsZero() != want.StartTime.IsZero() || got.EndTime.IsZero() != want.EndTime.IsZero() {
		t.Errorf("zero times differ")
	}
	if !sameAttrPlayers(got.Players, want.Players) {
		t.Errorf("players = %+v, want %+v", got.Players, want.Players)
	}
	if !reflect.DeepEqual(got.GameSessionConnectionInfo, want.GameSessionConnectionInfo) {
		t.Errorf("connection info = %+v, want %+v", got.GameSessionConnectionInfo, want.GameSessionConnectionInfo)
	}
	if !reflect.DeepEqual(got.EstimatedWaitTime, want.EstimatedWaitTime) {
		t.Errorf("EstimatedWaitTime = %v, want %v", got.EstimatedWaitTime, want.EstimatedWaitTime)
	}
}

func TestTicketJSONOmitsOptionalFields(t *testing.T) {
	tests := []struct {
		tk   gamelift.MatchmakingTicket
		want string
	}{
		{gamelift.MatchmakingTicket{}, `{}`},
		{gamelift.MatchmakingTicket{TicketID: "t1", ConfigurationName: "c", Status: ticket.StatusQueued,
			StartTime: gamelift.Time{time.UnixMilli(1700000000001)}, Players: []ticket.Player{{PlayerID: "p"}}},
			`{"TicketId":"t1","ConfigurationName":"c","Status":"QUEUED","StartTime":1700000000.001,"Players":[{"PlayerId":"p"}]}`},
		{gamelift.MatchmakingTicket{TicketID: "t1", Status: ticket.StatusCancelled,
			StatusReason: ticket.ReasonCancelledByRequest, StatusMessage: "Cancelled by request.",
			StartTime: gamelift.Time{time.Unix(1700000000, 0)}, EndTime: gamelift.Time{time.Unix(1700000060, 500_000_000)}, EstimatedWaitTime: intPtr(42)},
			`{"TicketId":"t1","Status":"CANCELLED","StatusReason":"CANCELLED_BY_REQUEST","StatusMessage":"Cancelled by request.",` +
				`"StartTime":1700000000.000,"EndTime":1700000060.500,"EstimatedWaitTime":42}`},
		// STANDALONE: only player sessions in the connection info.
		{gamelift.MatchmakingTicket{TicketID: "t1", GameSessionConnectionInfo: &ticket.GameSessionConnectionInfo{
			MatchedPlayerSessions: []ticket.MatchedPlayerSession{{PlayerID: "p", PlayerSessionID: "psess-x"}},
		}}, `{"TicketId":"t1","GameSessionConnectionInfo":{"MatchedPlayerSessions":[{"PlayerId":"p","PlayerSessionId":"psess-x"}]}}`},
		{gamelift.MatchmakingTicket{TicketID: "t1", GameSessionConnectionInfo: &ticket.GameSessionConnectionInfo{}},
			`{"TicketId":"t1","GameSessionConnectionInfo":{}}`},
	}
	for _, tc := range tests {
		b, err := json.Marshal(tc.tk)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("Marshal =\n%s\nwant\n%s", b, tc.want)
		}
		var got gamelift.MatchmakingTicket
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		assertTicketEqual(t, got, tc.tk)
		checkModelMembers(t, b)
	}
}

// TestTicketJSONDecode decodes a DescribeMatchmaking-style ticket written
// the way the GameLift API writes it.
func TestTicketJSONDecode(t *testing.T) {
	in := `{
		"TicketId": "ticket-1",
		"ConfigurationName": "SampleConfiguration",
		"ConfigurationArn": "arn:aws:gamelift:us-west-2:111122223333:matchmakingconfiguration/SampleConfiguration",
		"Status": "SEARCHING",
		"StartTime": 1469498468.057,
		"Players": [
			{"PlayerId": "player-1", "PlayerAttributes": {"skill": {"N": 23}, "gameMode": {"S": "deathmatch"}},
			 "LatencyInMs": {"us-west-2": 60}}
		],
		"EstimatedWaitTime": 35
	}`
	var tk gamelift.MatchmakingTicket
	if err := json.Unmarshal([]byte(in), &tk); err != nil {
		t.Fatal(err)
	}
	want := gamelift.MatchmakingTicket{
		TicketID:          "ticket-1",
		ConfigurationName: "SampleConfiguration",
		ConfigurationArn:  "arn:aws:gamelift:us-west-2:111122223333:matchmakingconfiguration/SampleConfiguration",
		Status:            ticket.StatusSearching,
		StartTime:         gamelift.Time{time.Date(2016, 7, 26, 2, 1, 8, 57_000_000, time.UTC)},
		Players: []ticket.Player{{
			PlayerID:         "player-1",
			PlayerAttributes: map[string]ticket.AttributeValue{"skill": ticket.Number(23), "gameMode": ticket.String("deathmatch")},
			LatencyInMs:      map[string]int{"us-west-2": 60},
		}},
		EstimatedWaitTime: intPtr(35),
	}
	assertTicketEqual(t, tk, want)
	if !tk.EndTime.IsZero() {
		t.Errorf("EndTime = %v, want zero", tk.EndTime)
	}

	for _, bad := range []string{
		`{"StartTime":"soon"}`,
		`{"StartTime":true}`,
		`{"EndTime":{}}`,
		`{"Players":[{"PlayerId":1}]}`,
		`{"Players":[{"PlayerId":"p","PlayerAttributes":{"a":{"N":"x"}}}]}`,
		`[]`,
	} {
		var tk gamelift.MatchmakingTicket
		if err := json.Unmarshal([]byte(bad), &tk); err == nil {
			t.Errorf("Unmarshal(%s) = %+v, want an error", bad, tk)
		}
	}
}

func TestEpochSeconds(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.UnixMilli(1469498468057), "1469498468.057"},
		{time.Unix(1469498468, 0), "1469498468.000"},
		{time.Unix(1469498468, 0).In(time.FixedZone("X", 5*3600)), "1469498468.000"},
		{time.Unix(1469498468, 999_999_999), "1469498468.999"}, // truncated, not rounded
		{time.Unix(1469498468, 1_000_000), "1469498468.001"},
		{time.Unix(1469498468, 10_000_000), "1469498468.010"},
		{time.Unix(1469498468, 100_000_000), "1469498468.100"},
		{time.Unix(0, 0), "0.000"},
		{time.UnixMilli(5), "0.005"},
		{time.UnixMilli(999), "0.999"},
		{time.UnixMilli(1000), "1.000"},
		// Before 1970.
		{time.UnixMilli(-1), "-0.001"},
		{time.UnixMilli(-500), "-0.500"},
		{time.UnixMilli(-999), "-0.999"},
		{time.UnixMilli(-1000), "-1.000"},
		{time.UnixMilli(-1500), "-1.500"},
		{time.UnixMilli(-1001), "-1.001"},
		{time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC), "-14182940.000"},
		{time.Date(1969, 7, 20, 20, 17, 40, 250_000_000, time.UTC), "-14182939.750"},
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), "-2208988800.000"},
	}
	for _, tc := range tests {
		got := gamelift.EpochSeconds(tc.t)
		if string(got) != tc.want {
			t.Errorf("EpochSeconds(%v) = %s, want %s", tc.t, got, tc.want)
		}
		back, err := gamelift.FromEpochSeconds(got)
		if err != nil {
			t.Errorf("FromEpochSeconds(%s): %v", got, err)
			continue
		}
		if back.UnixMilli() != tc.t.UnixMilli() {
			t.Errorf("FromEpochSeconds(%s) = %d ms, want %d ms", got, back.UnixMilli(), tc.t.UnixMilli())
		}
		if back.Location() != time.UTC {
			t.Errorf("FromEpochSeconds(%s) is in %v, want UTC", got, back.Location())
		}
	}

	// Every millisecond round-trips, far into the past and the future.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		ms := rng.Int64N(2e13) - 1e13 // about ±317 years
		got, err := gamelift.FromEpochSeconds(gamelift.EpochSeconds(time.UnixMilli(ms)))
		if err != nil || got.UnixMilli() != ms {
			t.Fatalf("round trip of %d ms = %d ms, %v (via %s)", ms, got.UnixMilli(), err, gamelift.EpochSeconds(time.UnixMilli(ms)))
		}
	}
}

func TestFromEpochSeconds(t *testing.T) {
	tests := []struct {
		in string
		ms int64
	}{
		{"1469498468.057", 1469498468057},
		{"1469498468", 1469498468000},
		{"1469498468.5", 1469498468500},
		{"1.469498468057e9", 1469498468057},
		{"0", 0},
		{"-0.001", -1},
		{"-1.5", -1500},
		{"-14182940", -14182940000},
		{"1700000000.0009", 1700000000001}, // sub-millisecond: nearest millisecond
	}
	for _, tc := range tests {
		got, err := gamelift.FromEpochSeconds(json.Number(tc.in))
		if err != nil {
			t.Errorf("FromEpochSeconds(%s): %v", tc.in, err)
			continue
		}
		if got.UnixMilli() != tc.ms {
			t.Errorf("FromEpochSeconds(%s) = %d ms, want %d", tc.in, got.UnixMilli(), tc.ms)
		}
	}
	for _, bad := range []string{"", "x", "1.2.3", "1e999"} {
		if got, err := gamelift.FromEpochSeconds(json.Number(bad)); err == nil {
			t.Errorf("FromEpochSeconds(%q) = %v, want an error", bad, got)
		}
	}
}

// TestTicketJSONDeterministic makes sure that tickets with many players encode
// deterministically (map members sorted), so that responses can be compared
// byte for byte.
func TestTicketJSONDeterministic(t *testing.T) {
	var players []ticket.Player
	for i := range 10 {
		players = append(players, ticket.Player{
			PlayerID:         string(rune('a' + i)),
			PlayerAttributes: numberAttrs(10),
			LatencyInMs:      map[string]int{"z": 1, "y": 2, "x": 3, "w": 4},
		})
	}
	tk := gamelift.MatchmakingTicket{TicketID: "t", Players: players, StartTime: gamelift.Time{time.UnixMilli(1)}}
	first, err := json.Marshal(tk)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		b, _ := json.Marshal(tk)
		if string(b) != string(first) {
			t.Fatal("ticket JSON differs between runs")
		}
	}
	var doc struct {
		Players []struct {
			PlayerAttributes json.RawMessage
		}
	}
	if err := json.Unmarshal(first, &doc); err != nil {
		t.Fatal(err)
	}
	keys := jsonKeys(t, doc.Players[0].PlayerAttributes)
	if !sort.StringsAreSorted(keys) || len(keys) != 10 {
		t.Errorf("attribute keys %v not sorted", keys)
	}
}

// sameAttrPlayers compares players with AttributeValue.Equal.
func sameAttrPlayers(a, b []ticket.Player) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.PlayerID != y.PlayerID || x.Team != y.Team || !reflect.DeepEqual(x.LatencyInMs, y.LatencyInMs) || len(x.PlayerAttributes) != len(y.PlayerAttributes) {
			return false
		}
		for k, v := range x.PlayerAttributes {
			if w, ok := y.PlayerAttributes[k]; !ok || !v.Equal(w) {
				return false
			}
		}
	}
	return true
}

// numberAttrs returns n number attributes a0..a(n-1).
func numberAttrs(n int) map[string]ticket.AttributeValue {
	m := map[string]ticket.AttributeValue{}
	for i := range n {
		m[fmt.Sprintf("a%d", i)] = ticket.Number(float64(i))
	}
	return m
}

// jsonKeys returns the member names of a JSON object in document order.
func jsonKeys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}
