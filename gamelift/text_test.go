package gamelift_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/matchforge/matchforge/gamelift"
)

// project returns the text projection of the JSON lines, failing the test
// on an error.
func project(t *testing.T, lines ...string) string {
	t.Helper()
	var out strings.Builder
	if err := gamelift.ProjectText(strings.NewReader(strings.Join(lines, "\n")+"\n"), &out, time.Time{}); err != nil {
		t.Fatalf("ProjectText: %v", err)
	}
	return out.String()
}

const (
	configArn = "arn:aws:gamelift:local:000000000000:matchmakingconfiguration/duel"
	matchA    = "3c99c8bd-93a1-454f-987d-837313104af7"
	matchB    = "187d8373-1310-4af7-84bb-d8f52f820e69"
	ticketX   = "84bbd8f5-2f82-4e69-a066-f18309cde3bb"
	sessionP  = "psess-2066f183-09cd-43bb-85d6-e25b79740880"
	sessionQ  = "psess-2a7d0dac-0d60-4654-98a1-788348b9bdbd"
)

// event returns a replay line of an event of the duel configuration at
// second at, with the given detail.
func event(at int, detail string) string {
	return fmt.Sprintf(`{"at":%d,"event":{"version":"0","id":"b799f9d9-d4cf-4e25-a6b0-1fe444b57480","detail-type":"GameLift Matchmaking Event","source":"matchforge","account":"000000000000","time":"2026-01-01T00:00:%02d.000Z","region":"local","resources":[%q],"detail":%s}}`,
		at, at, configArn, detail)
}

// players returns the members of a detail for tickets and gameSessionInfo
// alike: tickets is the JSON array of tickets and players the JSON array
// of all their players.
func tickets(tickets, players string) string {
	return `"tickets":` + tickets + `,"gameSessionInfo":{"players":` + players + `}`
}

func TestProjectTextOutputs(t *testing.T) {
	tests := []struct{ name, line, want string }{
		{"start", `{"at":1,"op":"StartMatchmaking","output":{"MatchmakingTicket":{"TicketId":"t1","ConfigurationName":"duel","ConfigurationArn":"` + configArn + `","Status":"QUEUED","StartTime":1767225601.000,"Players":[{"PlayerId":"alice","PlayerAttributes":{"skill":{"N":10.5},"mode":{"S":"tdm"},"maps":{"SL":["a","b c"]},"w":{"SDM":{"y":2,"x":1}}},"LatencyInMs":{"us-east-1":20,"eu-west-1":40}},{"PlayerId":"bob"}],"EstimatedWaitTime":3}}}`,
			`1 StartMatchmaking -> ticket t1 QUEUED config=duel start=1 wait=3s players=(alice{maps=["a","b c"] mode="tdm" skill=10.5 w={"x":1,"y":2} eu-west-1=40ms us-east-1=20ms} bob)`},
		{"backfill", `{"at":2.5,"op":"StartMatchBackfill","output":{"MatchmakingTicket":{"TicketId":"` + ticketX + `","ConfigurationName":"duel","ConfigurationArn":"` + configArn + `","Status":"QUEUED","StartTime":1767225602.500,"Players":[{"PlayerId":"alice","Team":"red"}]}}}`,
			`2.5 StartMatchBackfill -> ticket T1 QUEUED config=duel start=2.5 players=(alice:red)`},
		{"other configuration ARN", `{"at":1,"op":"StartMatchmaking","output":{"MatchmakingTicket":{"TicketId":"t1","ConfigurationName":"duel","ConfigurationArn":"arn:x","Status":"QUEUED","StartTime":1767225601.000,"Players":[{"PlayerId":"alice"}]}}}`,
			`1 StartMatchmaking -> ticket t1 QUEUED config=duel arn=arn:x start=1 players=(alice)`},
		{"describe", `{"at":11,"op":"DescribeMatchmaking","output":{"TicketList":[` +
			`{"TicketId":"t1","ConfigurationName":"duel","ConfigurationArn":"` + configArn + `","Status":"COMPLETED","StartTime":1767225601.000,"EndTime":1767225610.000,"Players":[{"PlayerId":"alice","Team":"red"}],"GameSessionConnectionInfo":{"GameSessionArn":"arn:gs/1","IpAddress":"10.0.0.1","DnsName":"gs.example.com","Port":7777,"MatchedPlayerSessions":[{"PlayerId":"alice","PlayerSessionId":"` + sessionP + `"}]}},` +
			`{"TicketId":"t2","ConfigurationName":"duel","ConfigurationArn":"` + configArn + `","Status":"TIMED_OUT","StatusReason":"REQUEST_TIMEOUT","StatusMessage":"Removed from matchmaking due to timing out.","StartTime":1767225601.000,"EndTime":1767225631.000,"Players":[{"PlayerId":"bob"}]}]}}`,
			`11 DescribeMatchmaking -> 2 tickets: t1 COMPLETED config=duel start=1 end=10 players=(alice:red) conn=(session=arn:gs/1 ip=10.0.0.1 dns=gs.example.com port=7777 alice/S1) | t2 TIMED_OUT reason=REQUEST_TIMEOUT message="Removed from matchmaking due to timing out." config=duel start=1 end=31 players=(bob)`},
		{"describe none", `{"at":1,"op":"DescribeMatchmaking","output":{"TicketList":[]}}`,
			`1 DescribeMatchmaking -> 0 tickets`},
		{"error", `{"at":2,"op":"DescribeMatchmaking","error":{"__type":"InvalidRequestException","message":"TicketIds[1] \"bad id\" may contain only letters"}}`,
			`2 DescribeMatchmaking -> error InvalidRequestException: TicketIds[1] "bad id" may contain only letters`},
		{"error on two lines", `{"at":2,"op":"CreateMatchmakingRuleSet","error":{"__type":"InvalidRequestException","message":"one\ntwo"}}`,
			`2 CreateMatchmakingRuleSet -> error InvalidRequestException: "one\ntwo"`},
		{"error naming a match", `{"at":12,"op":"CompletePlacement","error":{"__type":"InvalidRequestException","message":"match ` + matchA + ` is not waiting for placement"}}`,
			`12 CompletePlacement -> error InvalidRequestException: match U1 is not waiting for placement`},
		{"empty", `{"at":3,"op":"StopMatchmaking","output":{}}`, `3 StopMatchmaking -> ok`},
		{"valid", `{"at":0,"op":"ValidateMatchmakingRuleSet","output":{"Valid":true}}`, `0 ValidateMatchmakingRuleSet -> valid`},
		{"rule set", `{"at":0,"op":"CreateMatchmakingRuleSet","output":{"RuleSet":{"RuleSetName":"sk","RuleSetArn":"arn:aws:gamelift:local:000000000000:matchmakingruleset/sk","RuleSetBody":"{\"ruleLanguageVersion\":\"1.0\",\"playerAttributes\":[{\"name\":\"skill\",\"type\":\"number\"}],\"teams\":[{\"name\":\"red\",\"minPlayers\":1,\"maxPlayers\":2},{\"name\":\"p\",\"minPlayers\":1,\"maxPlayers\":1,\"quantity\":2}],\"rules\":[{\"name\":\"Close\",\"type\":\"distance\",\"measurements\":[\"flatten(teams[*].players.attributes[skill])\"],\"referenceValue\":\"avg(flatten(teams[*].players.attributes[skill]))\",\"maxDistance\":5}]}","CreationTime":1767225600.000}}}`,
			`0 CreateMatchmakingRuleSet -> rule set sk created=0 teams=red:1-2,p_1:1-1,p_2:1-1 rules=Close:distance body=sha256:`},
		{"rule set that does not load", `{"at":0,"op":"CreateMatchmakingRuleSet","output":{"RuleSet":{"RuleSetName":"x","RuleSetArn":"arn:aws:gamelift:local:000000000000:matchmakingruleset/x","RuleSetBody":"{","CreationTime":1767225600.000}}}`,
			`0 CreateMatchmakingRuleSet -> rule set x created=0 invalid=`},
		{"describe rule sets", `{"at":3,"op":"DescribeMatchmakingRuleSets","output":{"RuleSets":[{"RuleSetName":"a","RuleSetArn":"arn:y","RuleSetBody":"{\"ruleLanguageVersion\":\"1.0\",\"teams\":[{\"name\":\"t\",\"minPlayers\":2,\"maxPlayers\":2}]}","CreationTime":1767225601.000}],"NextToken":"p1"}}`,
			`3 DescribeMatchmakingRuleSets -> 1 rule set: a created=1 teams=t:2-2 rules=- body=sha256:`},
		{"configuration", `{"at":0,"op":"CreateMatchmakingConfiguration","output":{"Configuration":{"Name":"duel","ConfigurationArn":"` + configArn + `","Description":"ranked duel","GameSessionQueueArns":["arn:q/1","arn:q/2"],"RequestTimeoutSeconds":60,"AcceptanceTimeoutSeconds":20,"AcceptanceRequired":true,"RuleSetName":"sk","RuleSetArn":"arn:aws:gamelift:local:000000000000:matchmakingruleset/sk","NotificationTarget":"arn:sns","AdditionalPlayerCount":2,"CustomEventData":"season-1","CreationTime":1767225600.000,"GameProperties":[{"Key":"mode","Value":"ranked"}],"GameSessionData":"map=dunes","BackfillMode":"AUTOMATIC","FlexMatchMode":"WITH_QUEUE"}}}`,
			`0 CreateMatchmakingConfiguration -> configuration duel ruleset=sk mode=WITH_QUEUE timeout=60s acceptance=required(20s) backfill=AUTOMATIC additionalPlayers=2 created=0 description="ranked duel" custom="season-1" queues=arn:q/1,arn:q/2 notify=arn:sns properties=(mode="ranked") sessionData="map=dunes"`},
		{"describe configurations", `{"at":4,"op":"DescribeMatchmakingConfigurations","output":{"Configurations":[{"Name":"a","ConfigurationArn":"arn:c/a","RequestTimeoutSeconds":30,"AcceptanceRequired":false,"RuleSetName":"r","RuleSetArn":"arn:r/r","AdditionalPlayerCount":0,"CreationTime":1767225600.000,"BackfillMode":"MANUAL","FlexMatchMode":"STANDALONE"},{"Name":"b","ConfigurationArn":"arn:c/b","RequestTimeoutSeconds":30,"AcceptanceRequired":false,"RuleSetName":"r","RuleSetArn":"arn:r/r","AdditionalPlayerCount":0,"CreationTime":1767225600.000,"BackfillMode":"MANUAL","FlexMatchMode":"STANDALONE"}],"NextToken":"p1"}}`,
			`4 DescribeMatchmakingConfigurations -> 2 configurations: a ruleset=r mode=STANDALONE timeout=30s acceptance=not-required backfill=MANUAL created=0 arn=arn:c/a ruleSetArn=arn:r/r | b ruleset=r mode=STANDALONE timeout=30s acceptance=not-required backfill=MANUAL created=0 arn=arn:c/b ruleSetArn=arn:r/r; next=p1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.TrimSuffix(project(t, tt.line), "\n")
			// A rule set's digest and a load error are checked by prefix.
			if strings.HasSuffix(tt.want, "sha256:") || strings.HasSuffix(tt.want, "invalid=") {
				if !strings.HasPrefix(got, tt.want) {
					t.Errorf("got  %s\nwant %s...", got, tt.want)
				}
				return
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestProjectTextEvents(t *testing.T) {
	alice := `{"ticketId":"t1","startTime":"2026-01-01T00:00:01.000Z","players":[{"playerId":"alice"}]}`
	bob := `{"ticketId":"t2","startTime":"2026-01-01T00:00:02.000Z","players":[{"playerId":"bob","team":"blue"}]}`
	searching := event(1, `{"type":"MatchmakingSearching",`+tickets(`[`+alice+`]`, `[{"playerId":"alice"}]`)+`,"estimatedWaitMillis":"NOT_AVAILABLE"}`)
	tests := []struct {
		name  string
		lines []string
		want  string // the projection of the last line
	}{
		{"searching", []string{searching}, `1 event MatchmakingSearching config=duel t1@1(alice) wait=NOT_AVAILABLE`},
		{"searching with an estimate", []string{event(3, `{"type":"MatchmakingSearching",`+tickets(`[`+alice+`]`, `[{"playerId":"alice"}]`)+`,"estimatedWaitMillis":4}`)},
			`3 event MatchmakingSearching config=duel t1@1(alice) wait=4s`},
		{"start shown once", []string{searching, event(2, `{"type":"MatchmakingCancelled",`+tickets(`[`+alice+`]`, `[{"playerId":"alice"}]`)+`,"reason":"Cancelled","message":"Cancelled by request.","customEventData":"season-1"}`)},
			`2 event MatchmakingCancelled config=duel t1(alice) reason=Cancelled message="Cancelled by request." custom="season-1"`},
		{"start shown again when it changes", []string{searching, event(2, `{"type":"MatchmakingTimedOut",`+tickets(`[{"ticketId":"t1","startTime":"2026-01-01T00:00:01.500Z","players":[{"playerId":"alice"}]}]`, `[{"playerId":"alice"}]`)+`}`)},
			`2 event MatchmakingTimedOut config=duel t1@1.5(alice)`},
		{"one player named like the ticket", []string{
			`{"at":1,"op":"StartMatchmaking","output":{"MatchmakingTicket":{"TicketId":"a001","ConfigurationName":"duel","ConfigurationArn":"` + configArn + `","Status":"QUEUED","StartTime":1767225601.000,"Players":[{"PlayerId":"a001"}]}}}`,
			event(1, `{"type":"MatchmakingSearching",`+tickets(`[{"ticketId":"a001","startTime":"2026-01-01T00:00:01.000Z","players":[{"playerId":"a001"}]}]`, `[{"playerId":"a001"}]`)+`,"estimatedWaitMillis":"NOT_AVAILABLE"}`)},
			`1 event MatchmakingSearching config=duel a001 wait=NOT_AVAILABLE`},
		{"potential match", []string{event(2, `{"type":"PotentialMatchCreated",`+
			tickets(`[{"ticketId":"t1","startTime":"2026-01-01T00:00:01.000Z","players":[{"playerId":"alice","team":"red"}]},`+bob+`]`, `[{"playerId":"alice","team":"red"},{"playerId":"bob","team":"blue"}]`)+
			`,"acceptanceTimeout":30,"acceptanceRequired":true,"ruleEvaluationMetrics":[{"ruleName":"CloseSkill","passedCount":3,"failedCount":1},{"ruleName":"SameMode","passedCount":2,"failedCount":0}],"matchId":"`+matchA+`","location":"us-east-1","balanceSpread":0.00999999999999801}`)},
			`2 event PotentialMatchCreated config=duel match=M1 location=us-east-1 acceptance=required(30s) t1@1(alice:red) t2@2(bob:blue) spread=0.01 rules=CloseSkill:3/1,SameMode:2/0`},
		{"no acceptance", []string{event(2, `{"type":"PotentialMatchCreated",`+tickets(`[`+bob+`]`, `[{"playerId":"bob","team":"blue"}]`)+`,"acceptanceRequired":false,"matchId":"m-1"}`)},
			`2 event PotentialMatchCreated config=duel match=m-1 acceptance=not-required t2@2(bob:blue)`},
		{"answers", []string{event(3, `{"type":"AcceptMatch",`+
			tickets(`[{"ticketId":"t1","startTime":"2026-01-01T00:00:01.000Z","players":[{"playerId":"alice","team":"red","accepted":true},{"playerId":"amy","team":"red","accepted":false},{"playerId":"ann","team":"red"}]}]`, `[{"playerId":"alice","team":"red","accepted":true},{"playerId":"amy","team":"red","accepted":false},{"playerId":"ann","team":"red"}]`)+
			`,"matchId":"`+matchA+`"}`)},
			`3 event AcceptMatch config=duel match=M1 t1@1(alice:red/accepted amy:red/rejected ann:red)`},
		{"acceptance completed", []string{event(4, `{"type":"AcceptMatchCompleted",`+tickets(`[`+bob+`]`, `[{"playerId":"bob","team":"blue"}]`)+`,"acceptance":"TimedOut","matchId":"`+matchA+`"}`)},
			`4 event AcceptMatchCompleted config=duel match=M1 acceptance=TimedOut t2@2(bob:blue)`},
		{"succeeded", []string{event(10, `{"type":"MatchmakingSucceeded",`+
			tickets(`[{"ticketId":"t1","startTime":"2026-01-01T00:00:01.000Z","players":[{"playerId":"alice","team":"red","playerSessionId":"`+sessionP+`"}]},{"ticketId":"t2","startTime":"2026-01-01T00:00:02.000Z","players":[{"playerId":"bob","team":"blue","playerSessionId":"`+sessionQ+`"}]}]`,
				`[{"playerId":"alice","team":"red","playerSessionId":"`+sessionP+`"},{"playerId":"bob","team":"blue","playerSessionId":"`+sessionQ+`"}],"gameSessionArn":"arn:gs/1","ipAddress":"10.0.0.1","dnsName":"gs.example.com","port":7777`)+
			`,"matchId":"`+matchA+`","balanceSpread":2,"matchmakerData":{"matchId":"`+matchA+`","matchmakingConfigurationArn":"`+configArn+`","teams":[{"name":"red","players":[{"playerId":"alice","attributes":{"skill":{"attributeType":"DOUBLE","valueAttribute":10},"mode":{"attributeType":"STRING","valueAttribute":"tdm"}}}]},{"name":"blue","players":[{"playerId":"bob","attributes":{"maps":{"attributeType":"STRING_LIST","valueAttribute":["a","b"]},"w":{"attributeType":"STRING_DOUBLE_MAP","valueAttribute":{"y":1,"x":2}}}}]},{"name":"green","players":[]}],"autoBackfillTicketId":"`+ticketX+`","autoBackfillMode":"AUTOMATIC"}}`)},
			`10 event MatchmakingSucceeded config=duel match=M1 t1@1(alice:red/S1) t2@2(bob:blue/S2) spread=2 session=arn:gs/1 ip=10.0.0.1 dns=gs.example.com port=7777 data=[red: alice{mode="tdm" skill=10} | blue: bob{maps=["a","b"] w={"x":2,"y":1}} | green: -] autobackfill=AUTOMATIC autobackfillTicket=T1`},
		{"what does not follow is shown", []string{strings.NewReplacer(
			`"time":"2026-01-01T00:00:05.000Z"`, `"time":"2026-01-01T00:00:06.000Z"`,
			`"region":"local"`, `"region":"eu-west-1"`,
		).Replace(event(5, `{"type":"MatchmakingSucceeded",`+
			tickets(`[`+bob+`]`, `[{"playerId":"bob","team":"red"}]`)+
			`,"matchId":"`+matchB+`","matchmakerData":{"matchId":"`+matchA+`","matchmakingConfigurationArn":"arn:other","teams":[{"name":"blue","players":[{"playerId":"bob","attributes":{"skill":{"attributeType":"STRING","valueAttribute":10}}}]}],"autoBackfillTicketId":null,"autoBackfillMode":"MANUAL"}}`))},
			`5 event MatchmakingSucceeded resources=(` + configArn + `) match=M1 t2@2(bob:blue) gameSessionPlayers=(bob:red) data=[blue: bob{skill=STRING:10}] autobackfill=MANUAL data.match=M2 data.config=arn:other time=6 region=eu-west-1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := strings.Split(strings.TrimSuffix(project(t, tt.lines...), "\n"), "\n")
			if got := out[len(out)-1]; got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestProjectTextRenamesIDs checks that generated ids get short names in
// order of first appearance, by kind, wherever they appear; that replays
// differing only in those ids project alike; and that a ticket moving to
// another match shows.
func TestProjectTextRenamesIDs(t *testing.T) {
	scenario := func(m1, m2, tk, s1 string, swap bool) []string {
		a, b := m1, m2
		if swap {
			a, b = m2, m1
		}
		one := func(at int, typ, ticket, match, extra string) string {
			return event(at, `{"type":"`+typ+`",`+tickets(`[{"ticketId":"`+ticket+`","startTime":"2026-01-01T00:00:01.000Z","players":[{"playerId":"p-`+ticket[:2]+`"}]}]`, `[{"playerId":"p-`+ticket[:2]+`"}]`)+`,"matchId":"`+match+`"`+extra+`}`)
		}
		return []string{
			one(1, "PotentialMatchCreated", "t1", m2, `,"acceptanceRequired":false`),
			one(1, "PotentialMatchCreated", tk, m1, `,"acceptanceRequired":false`),
			one(2, "MatchmakingSucceeded", "t1", b, ``),
			one(2, "MatchmakingSucceeded", tk, a, `,"message":"match `+m1+` for ticket `+tk+`; session `+s1+`"`),
		}
	}
	const (
		m1 = "11111111-1111-4111-8111-111111111111"
		m2 = "22222222-2222-4222-8222-222222222222"
		tk = "33333333-3333-4333-8333-333333333333"
		s1 = "psess-44444444-4444-4444-8444-444444444444"
	)
	got := project(t, scenario(m1, m2, tk, s1, false)...)
	want := `1 event PotentialMatchCreated config=duel match=M1 acceptance=not-required t1@1(p-t1)
1 event PotentialMatchCreated config=duel match=M2 acceptance=not-required T1@1(p-33)
2 event MatchmakingSucceeded config=duel match=M1 t1(p-t1)
2 event MatchmakingSucceeded config=duel match=M2 T1(p-33) message="match M2 for ticket T1; session S1"
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Other ids drawn from another seed: the same text.
	other := project(t, scenario(
		"aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb",
		"cccccccc-cccc-4ccc-8ccc-cccccccccccc", "psess-dddddddd-dddd-4ddd-8ddd-dddddddddddd", false)...)
	if strings.ReplaceAll(other, "p-cc", "p-33") != got {
		t.Errorf("renumbered ids should not change the text:\n%s\nwant\n%s", other, got)
	}
	// The tickets succeed in each other's matches: that shows.
	if swapped := project(t, scenario(m1, m2, tk, s1, true)...); swapped == got {
		t.Error("a ticket succeeding in another match should change the text")
	}
	// A session id of a player is S, wherever it is first seen.
	if got := project(t, `{"at":1,"op":"StopMatchmaking","error":{"__type":"InvalidRequestException","message":"`+s1+` and `+m1+` and `+s1+`"}}`); got != "1 StopMatchmaking -> error InvalidRequestException: S1 and U1 and S1\n" {
		t.Errorf("got %q", got)
	}
	// Ids that only look close to generated ones stay as they are.
	if got := project(t, `{"at":1,"op":"StopMatchmaking","error":{"__type":"NotFoundException","message":"ticket \"M1\" or 1111-2222 or 11111111-1111-4111-8111-11111111111"}}`); !strings.Contains(got, `"M1" or 1111-2222 or 11111111-1111-4111-8111-11111111111`) {
		t.Errorf("got %q", got)
	}
}

func TestProjectTextErrors(t *testing.T) {
	good := `{"at":0,"op":"StopMatchmaking","output":{}}`
	tests := []struct{ name, line, want string }{
		{"not JSON", `{"at":`, "line 2"},
		{"unknown member", `{"at":1,"op":"StopMatchmaking","output":{},"extra":1}`, `unknown field "extra"`},
		{"unknown member of an event", event(1, `{"type":"MatchmakingSearching","tickets":[],"gameSessionInfo":{"players":[]},"novel":true}`), `unknown field "novel"`},
		{"unknown member of an output", `{"at":1,"op":"StopMatchmaking","output":{"Novel":1}}`, `StopMatchmaking output`},
		{"output and error", `{"at":1,"op":"StopMatchmaking","output":{},"error":{"__type":"X","message":"y"}}`, "both"},
		{"event and op", `{"at":1,"op":"StopMatchmaking","event":{}}`, "an event line"},
		{"no at", `{"op":"StopMatchmaking","output":{}}`, `no "at"`},
		{"two values", `{"at":1,"op":"StopMatchmaking","output":{}} {}`, "text follows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := gamelift.ProjectText(strings.NewReader(good+"\n"+tt.line+"\n"), &out, time.Time{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "line 2") {
				t.Errorf("err = %v, want one naming line 2 and containing %q", err, tt.want)
			}
		})
	}
}

// TestProjectTextStreaming checks that the projection does not depend on
// how its input is cut: a byte at a time, or without a final newline.
func TestProjectTextStreaming(t *testing.T) {
	out := runScenario(t, filepath.Join("testdata", "scenarios", "accept-all.jsonl"))
	whole := project(t, strings.TrimSuffix(string(out), "\n"))
	var oneByte, noNewline, blank bytes.Buffer
	if err := gamelift.ProjectText(iotest.OneByteReader(bytes.NewReader(out)), &oneByte, gamelift.DefaultStart); err != nil {
		t.Fatal(err)
	}
	if err := gamelift.ProjectText(bytes.NewReader(bytes.TrimSuffix(out, []byte("\n"))), &noNewline, gamelift.DefaultStart); err != nil {
		t.Fatal(err)
	}
	if err := gamelift.ProjectText(bytes.NewReader(bytes.ReplaceAll(out, []byte("\n"), []byte("\n\n"))), &blank, gamelift.DefaultStart); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]string{"one byte at a time": oneByte.String(), "no final newline": noNewline.String(), "blank lines": blank.String()} {
		if got != whole {
			t.Errorf("%s: the projection differs\n%s", name, firstDiff([]byte(got), []byte(whole)))
		}
	}
	// Times are from the given second 0.
	var later bytes.Buffer
	if err := gamelift.ProjectText(bytes.NewReader(out), &later, gamelift.DefaultStart.Add(-10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(later.String(), "start=11 players=(alice)") || !strings.Contains(later.String(), "wait=NOT_AVAILABLE time=11\n") {
		t.Errorf("with second 0 ten seconds earlier, times should be 10 s later:\n%s", later.String())
	}
}

// TestReplayFormatText checks that Replay with FormatText writes the
// projection of what it writes with FormatJSON, and that FormatJSON is the
// default.
func TestReplayFormatText(t *testing.T) {
	path := filepath.Join("testdata", "scenarios", "backfill-automatic.jsonl")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	steps, err := gamelift.ReadScenario(f)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)
	run := func(format string) []byte {
		var buf bytes.Buffer
		if err := gamelift.Replay(steps, &buf, gamelift.ReplayOptions{Start: start, Format: format}); err != nil {
			t.Fatalf("Replay with format %q: %v", format, err)
		}
		return buf.Bytes()
	}
	def, js, text := run(""), run(gamelift.FormatJSON), run(gamelift.FormatText)
	if !bytes.Equal(def, js) {
		t.Error(`format "" and "json" should write the same`)
	}
	var want bytes.Buffer
	if err := gamelift.ProjectText(bytes.NewReader(js), &want, start); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(text, want.Bytes()) {
		t.Errorf("FormatText differs from ProjectText of the JSON\n%s", firstDiff(text, want.Bytes()))
	}
	if !bytes.Contains(text, []byte("1 StartMatchmaking -> ticket ticket-a QUEUED config=auto start=1 ")) {
		t.Errorf("times should count from ReplayOptions.Start:\n%s", text)
	}
}

// TestProjectTextShowsEveryField changes each value of the JSON output of
// several scenarios, one at a time, and checks that the text projection
// changes too: nothing in the record is left out of the golden files
// except the event ids, and the generated ids' exact values.
func TestProjectTextShowsEveryField(t *testing.T) {
	names := []string{"accept-all", "reject", "acceptance-timeout", "backfill-automatic", "backfill-manual",
		"placement-complete", "placement-failed", "describe-matchmaking", "manage-configurations", "party",
		"latency-location", "rule-compound", "rule-collection", "bad-requests-tickets"}
	if testing.Short() {
		names = names[:4]
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			out := runScenario(t, filepath.Join("testdata", "scenarios", name+".jsonl"))
			lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			projectPrefix := func(prefix []string) (string, error) {
				var b strings.Builder
				err := gamelift.ProjectText(strings.NewReader(strings.Join(prefix, "\n")+"\n"), &b, gamelift.DefaultStart)
				return b.String(), err
			}
			base, err := projectPrefix(lines)
			if err != nil {
				t.Fatal(err)
			}
			baseLines := strings.SplitAfter(base, "\n")
			for i, line := range lines {
				var v any
				dec := json.NewDecoder(strings.NewReader(line))
				dec.UseNumber()
				if err := dec.Decode(&v); err != nil {
					t.Fatal(err)
				}
				for _, path := range leaves(v, "") {
					if path == ".event.id" {
						continue
					}
					changed, ok := mutate(v, path)
					if !ok {
						continue
					}
					b, err := json.Marshal(changed)
					if err != nil {
						t.Fatal(err)
					}
					prefix := append(slices.Clone(lines[:i]), string(b))
					got, err := projectPrefix(prefix)
					if err != nil {
						t.Fatalf("line %d with %s changed: %v", i+1, path, err)
					}
					if got == strings.Join(baseLines[:i+1], "") {
						t.Errorf("line %d: changing %s does not change the text:\n%s", i+1, path, baseLines[i])
					}
				}
			}
		})
	}
}

// leaves returns the paths of the scalar values in v, such as
// .event.detail.tickets[0].ticketId.
func leaves(v any, path string) []string {
	switch x := v.(type) {
	case map[string]any:
		var out []string
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range x {
				if !yield(k) {
					return
				}
			}
		}) {
			out = append(out, leaves(x[k], path+"."+k)...)
		}
		return out
	case []any:
		var out []string
		for i, e := range x {
			out = append(out, leaves(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	return []string{path}
}

// mutate returns a deep copy of v with the value at path changed: a number
// plus one, a boolean negated, a time a second later, a string with "x"
// appended, null made a string.
func mutate(v any, path string) (any, bool) {
	cp := deepCopy(v)
	parent, key, idx := locate(cp, path)
	get := func() any {
		if key != "" {
			return parent.(map[string]any)[key]
		}
		return parent.([]any)[idx]
	}
	set := func(n any) {
		if key != "" {
			parent.(map[string]any)[key] = n
		} else {
			parent.([]any)[idx] = n
		}
	}
	switch x := get().(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return nil, false
		}
		set(json.Number(strconv.FormatFloat(f+1, 'f', -1, 64)))
	case bool:
		set(!x)
	case string:
		if x == "NOT_AVAILABLE" { // the other form of estimatedWaitMillis
			set(json.Number("0"))
		} else if tm, err := time.Parse(time.RFC3339Nano, x); err == nil {
			set(tm.Add(time.Second).UTC().Format("2006-01-02T15:04:05.000Z"))
		} else {
			set(x + "x")
		}
	case nil:
		set("x")
	default:
		return nil, false
	}
	return cp, true
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// locate returns the container of the value at path and its key (for an
// object) or index (for an array).
func locate(v any, path string) (parent any, key string, idx int) {
	for path != "" {
		parent = v
		if path[0] == '.' {
			end := strings.IndexAny(path[1:], ".[")
			if end < 0 {
				end = len(path) - 1
			}
			key, idx = path[1:1+end], -1
			path = path[1+end:]
			v = v.(map[string]any)[key]
		} else {
			end := strings.IndexByte(path, ']')
			idx, _ = strconv.Atoi(path[1:end])
			key = ""
			path = path[end+1:]
			v = v.([]any)[idx]
		}
	}
	return parent, key, idx
}

// ProjectText turns the JSON Lines of a replay into one line of text per
// output and event, with the fields that matter and generated ids renamed.
func ExampleProjectText() {
	scenario := `# two players meet in a 1v1
{"at": 0, "op": "CreateMatchmakingRuleSet", "input": {"Name": "duel", "RuleSetBody": "{\"ruleLanguageVersion\": \"1.0\", \"teams\": [{\"name\": \"red\", \"minPlayers\": 1, \"maxPlayers\": 1}, {\"name\": \"blue\", \"minPlayers\": 1, \"maxPlayers\": 1}]}"}}
{"at": 0, "op": "CreateMatchmakingConfiguration", "input": {"Name": "duel", "RuleSetName": "duel", "RequestTimeoutSeconds": 30, "AcceptanceRequired": false}}
{"at": 1, "op": "StartMatchmaking", "input": {"TicketId": "t1", "ConfigurationName": "duel", "Players": [{"PlayerId": "alice"}]}}
{"at": 2, "op": "StartMatchmaking", "input": {"ConfigurationName": "duel", "Players": [{"PlayerId": "bob", "LatencyInMs": {"us-east-1": 20}}]}}
{"at": 3, "op": "DescribeMatchmaking", "input": {"TicketIds": ["t1", "nope!"]}}
`
	steps, err := gamelift.ReadScenario(strings.NewReader(scenario))
	if err != nil {
		fmt.Println(err)
		return
	}
	var record bytes.Buffer
	if err := gamelift.Replay(steps, &record, gamelift.ReplayOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	if err := gamelift.ProjectText(&record, os.Stdout, gamelift.DefaultStart); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 0 CreateMatchmakingRuleSet -> rule set duel created=0 teams=red:1-1,blue:1-1 rules=- body=sha256:70d8284f
	// 0 CreateMatchmakingConfiguration -> configuration duel ruleset=duel mode=STANDALONE timeout=30s acceptance=not-required backfill=MANUAL created=0
	// 1 StartMatchmaking -> ticket t1 QUEUED config=duel start=1 players=(alice)
	// 1 event MatchmakingSearching config=duel t1(alice) wait=NOT_AVAILABLE
	// 2 StartMatchmaking -> ticket T1 QUEUED config=duel start=2 players=(bob{us-east-1=20ms})
	// 2 event MatchmakingSearching config=duel T1(bob) wait=NOT_AVAILABLE
	// 2 event PotentialMatchCreated config=duel match=M1 acceptance=not-required t1(alice:red) T1(bob:blue)
	// 2 event MatchmakingSucceeded config=duel match=M1 t1(alice:red) T1(bob:blue) data=[red: alice | blue: bob] autobackfill=MANUAL
	// 3 DescribeMatchmaking -> error InvalidRequestException: TicketIds[1] "nope!" may contain only letters, digits, '-' and '.'
}
