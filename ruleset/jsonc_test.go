package ruleset_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/matchforge/matchforge/ruleset"
)

func TestStandardJSON(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain", `{"a": 1, "b": [true, false, null]}`, `{"a":1,"b":[true,false,null]}`},
		{"line comments", "{\n// a comment\n\"a\": 1 // after a value\n}", `{"a":1}`},
		{"block comments", `{/* one */ "a": /* two
			lines */ 1}`, `{"a":1}`},
		{"trailing commas", `{"a": [1, 2,], "b": {"c": 3,},}`, `{"a":[1,2],"b":{"c":3}}`},
		{"trailing comma before a comment", "[1, // last\n]", `[1]`},
		{"comment markers inside strings", `{"url": "http://x/*y*/", "c": "// not a comment"}`,
			`{"url":"http://x/*y*/","c":"// not a comment"}`},
		{"commas before brackets inside strings", `{"s": "a,]", "t": "b, }", "u": ",]},"}`,
			`{"s":"a,]","t":"b, }","u":",]},"}`},
		{"escaped quote before a comment marker", `{"s": "say \"//\" /*", "n": 1,}`,
			`{"s":"say \"//\" /*","n":1}`},
		{"escapes are rewritten", `["\/", "\u00e9", "\ud83c\udfae", "tab\there", "\u0001", "\\"]`,
			"[\"/\",\"é\",\"🎮\",\"tab\\there\",\"\\u0001\",\"\\\\\"]"},
		{"a lone surrogate becomes U+FFFD", `["\ud800"]`, `["` + "\ufffd" + `"]`},
		{"numbers keep their text", `[1.50, -0, 2e10, 1E-3, 0.25]`, `[1.50,-0,2e10,1E-3,0.25]`},
		{"leading zeros are not JSON", `[007, -01.5]`, `[7,-1.5]`},
		{"duplicate keys are kept", `{"a": 1, "a": 2}`, `{"a":1,"a":2}`},
		{"a scalar body", ` "x" `, `"x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ruleset.StandardJSON([]byte(tc.in))
			if err != nil {
				t.Fatalf("StandardJSON: %v", err)
			}
			if string(got) != tc.want {
				t.Errorf("StandardJSON =\n%s\nwant\n%s", got, tc.want)
			}
			if !json.Valid(got) {
				t.Errorf("the output is not valid JSON: %s", got)
			}
			again, err := ruleset.StandardJSON(got)
			if err != nil || !bytes.Equal(again, got) {
				t.Errorf("StandardJSON is not idempotent: %s, then %s (%v)", got, again, err)
			}
		})
	}
}

func TestStandardJSONInvalidUTF8(t *testing.T) {
	got, err := ruleset.StandardJSON([]byte("[\"a\xffb\"]"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "[\"a\ufffdb\"]"; string(got) != want || !json.Valid(got) {
		t.Errorf("StandardJSON = %s, want %s", got, want)
	}
}

func TestStandardJSONSyntaxErrors(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a": 1} x`, `[1 2]`, `{"a" 1}`, `/* never closed`, `{"a": tru}`} {
		out, err := ruleset.StandardJSON([]byte(in))
		var list *ruleset.ErrorList
		if !errors.Is(err, ruleset.ErrSyntax) || !errors.As(err, &list) || len(list.Errors) != 1 || out != nil {
			t.Errorf("StandardJSON(%q) = %q, %v; want an *ErrorList wrapping ErrSyntax", in, out, err)
		}
	}
}

// Every published example and valid test rule set reads through
// StandardJSON into encoding/json with the same values the lenient reader
// sees, and still compiles.
func TestStandardJSONRuleSets(t *testing.T) {
	var files []string
	for _, dir := range []string{vtValidDir, vtExamplesDir} {
		f, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		files = append(files, f...)
	}
	if len(files) < 10 {
		t.Skipf("only %d rule sets found", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			out, err := ruleset.StandardJSON(body)
			if err != nil {
				t.Fatalf("StandardJSON: %v", err)
			}
			var v any
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatalf("encoding/json cannot read the output: %v\n%s", err, out)
			}
			before, err := ruleset.Load(body)
			if err != nil {
				t.Fatalf("Load(original): %v", err)
			}
			after, err := ruleset.Load(out)
			if err != nil {
				t.Fatalf("Load(StandardJSON): %v", err)
			}
			if !reflect.DeepEqual(before.Rules(), after.Rules()) || !reflect.DeepEqual(before.Teams(), after.Teams()) ||
				!reflect.DeepEqual(before.Phases(), after.Phases()) {
				t.Errorf("the strict form compiles to a different rule set")
			}
		})
	}
}

func FuzzStandardJSON(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2,], /* c */ "b": "//"}`, `[007]`, `"\ud800"`, "[\"\xff\"]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := ruleset.StandardJSON(body)
		if err != nil {
			if !errors.Is(err, ruleset.ErrSyntax) {
				t.Fatalf("error does not wrap ErrSyntax: %v", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("StandardJSON(%q) = %q, which is not JSON", body, out)
		}
		again, err := ruleset.StandardJSON(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q then %q (%v)", out, again, err)
		}
	})
}
