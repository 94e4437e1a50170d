package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/gamelift"
)

// configFields are the members of a CreateMatchmakingConfiguration request
// body, as the API spells them.
const configFields = "Name, Description, GameSessionQueueArns, RequestTimeoutSeconds, AcceptanceTimeoutSeconds, AcceptanceRequired, " +
	"RuleSetName, NotificationTarget, AdditionalPlayerCount, CustomEventData, GameProperties, GameSessionData, BackfillMode, FlexMatchMode, Tags"

func TestDecodeJSONFileConfig(t *testing.T) {
	for _, tt := range []struct {
		name, body, want string
	}{
		{"unknown field", `{"Name": "x", "Timeout": 5}`,
			"line 1, column 15: Timeout: unknown field; the accepted fields are " + configFields},
		{"unknown field, second line", "{\"Name\": \"x\",\n  \"Acceptance\": true}",
			"line 2, column 3: Acceptance: unknown field; the accepted fields are " + configFields},
		{"unknown nested field", `{"GameProperties": [{"Key": "a", "Value": "b"}, {"Key": "a", "Valu": "b"}]}`,
			`line 1, column 62: GameProperties[1].Valu: unknown field (did you mean "Value"?); the accepted fields are Key, Value`},
		{"odd key", `{"my field": 1}`,
			`line 1, column 2: ["my field"]: unknown field; the accepted fields are ` + configFields},
		{"string for a number", "{\"Name\": \"x\",\n\t\"RequestTimeoutSeconds\": \"ninety\"}",
			`line 2, column 27: RequestTimeoutSeconds: is the string "ninety"; it must be a whole number`},
		{"fraction for an integer", `{"RequestTimeoutSeconds": 1.5}`,
			"line 1, column 27: RequestTimeoutSeconds: is 1.5; it must be a whole number, written without a fraction or an exponent"},
		{"integer overflow", `{"AdditionalPlayerCount": 99999999999999999999}`,
			"line 1, column 27: AdditionalPlayerCount: is 99999999999999999999; it must be a whole number from -9223372036854775808 to 9223372036854775807"},
		{"string for a boolean", `{"AcceptanceRequired": "yes"}`,
			`line 1, column 24: AcceptanceRequired: is the string "yes"; it must be true or false`},
		{"object for an array", `{"GameProperties": {"Key": "a"}}`,
			"line 1, column 20: GameProperties: is an object; it must be an array"},
		{"number in an array", `{"GameSessionQueueArns": ["a", 7]}`,
			"line 1, column 32: GameSessionQueueArns[1]: is 7; it must be a string"},
		{"not an object", `["Name"]`, "line 1, column 1: is an array; it must be an object"},
		{"syntax", `{"Name": "x",}`,
			"line 1, column 14: a comma must not follow the last member of an object"},
		{"syntax after characters of two bytes", "{\"Description\": \"é à\",\n \"Name\": tru}",
			`line 2, column 10: found the bare word "tru" where a value was expected; a string must be in double quotes, and the only bare words are true, false and null`},
		{"truncated", "{\"Name\": \"x\"\n", "line 2, column 1: the input ends inside an object that opens at line 1, column 1"},
		{"two values", `{"Name": "x"} {}`, "line 1, column 15: more text follows the JSON value ('{'); the input must hold exactly one value"},
		{"empty", " \n", "line 1, column 1: the input is empty; it must hold a configuration as a JSON object"},
		{"wrong case", `{"name": "x"}`,
			`line 1, column 2: name: unknown field (did you mean "Name"?); the accepted fields are ` + configFields},
		{"several problems", `{"Name": 1, "Name": "x", "AcceptanceRequired": 0}`,
			"3 problems:\n  line 1, column 10: Name: is 1; it must be a string\n  line 1, column 13: Name: is given twice; give each member once\n" +
				"  line 1, column 48: AcceptanceRequired: is 0; it must be true or false"},
	} {
		var cfg gamelift.CreateMatchmakingConfigurationInput
		err := decodeJSONFile([]byte(tt.body), &cfg, "a configuration")
		var je *jsonError
		if !errors.As(err, &je) || err.Error() != tt.want {
			t.Errorf("%s:\n got %v\nwant %s", tt.name, err, tt.want)
		}
	}
}

func TestDecodeJSONFileValid(t *testing.T) {
	var cfg gamelift.CreateMatchmakingConfigurationInput
	body := `{"Name": "ranked", "RequestTimeoutSeconds": 90, "AcceptanceRequired": true, "Description": null,
		"GameProperties": [{"Key": "mode", "Value": "ranked"}]}`
	if err := decodeJSONFile([]byte(body), &cfg, "a configuration"); err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "ranked" || cfg.RequestTimeoutSeconds != 90 || !cfg.AcceptanceRequired ||
		len(cfg.GameProperties) != 1 || cfg.GameProperties[0].Value != "ranked" {
		t.Errorf("decoded %+v", cfg)
	}
}

// TestFileErrorsNoGoInternals checks the messages of the commands for bad
// configuration and population files.
func TestFileErrorsNoGoInternals(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		flag, body string
	}{
		{"--config", `{"Name": "x", "Timeout": 5}`},
		{"--config", `{"Name": 5}`},
		{"--config", `{"Name": "x", "GameProperties": [{"Key": 1}]}`},
		{"--config", `{"Name": "x"`},
		{"--population", `{"arrivals": {"ratePerMinute": "fast"}}`},
		{"--population", `{"arrivals": {"ratePerMinute": 60}, "parties": [{"size": 1.5}]}`},
		{"--population", `{"arrivals": {"ratePerMinute": 60}, "attributes": {"skill": {"values": [{"value": "x", "weight": "w"}]}}}`},
		{"--population", `{"arrivals": {"ratePerMinute": 60}, "unknown": 1}`},
	} {
		file := writeFile(t, dir, "file.txt", tt.body)
		code, _, errOut := runCLI(t, "", "simulate", tt.flag, file, "--duration", "1m")
		if code != 1 || !strings.HasPrefix(errOut, "matchforge simulate: "+file+": ") || !strings.Contains(errOut, "line 1, column ") {
			t.Errorf("%s %s: exit %d, %q; want 1 and a message naming the file and the position", tt.flag, tt.body, code, errOut)
		}
		for _, internal := range []string{"json:", "Go struct", "Go value", "gamelift.", "bench.", "float64", "int64", "struct field"} {
			if strings.Contains(errOut, internal) {
				t.Errorf("%s %s: the message %q contains %q", tt.flag, tt.body, errOut, internal)
			}
		}
	}
}
