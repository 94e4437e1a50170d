package sigv4

import (
	"maps"
	"strings"
	"testing"
)

func TestParseCredentials(t *testing.T) {
	const file = `# matchforge serve --credentials
; two clients

[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secret/default+key
region = us-west-2

[matchmaker]
  AWS_ACCESS_KEY_ID=AKIDMATCHMAKER
aws_secret_access_key=  another secret
aws_session_token = token-ignored
output = json
`
	got, err := ParseCredentials(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := Credentials{"AKIDDEFAULT": "secret/default+key", "AKIDMATCHMAKER": "another secret"}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestParseCredentialsSameKeyTwice(t *testing.T) {
	// Two profiles may name the same key pair.
	got, err := ParseCredentials(strings.NewReader("[a]\naws_access_key_id=K\naws_secret_access_key=S\n[b]\naws_secret_access_key=S\naws_access_key_id=K\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, Credentials{"K": "S"}) {
		t.Errorf("got %v", got)
	}
}

func TestParseCredentialsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
	}{
		{"empty", "", "no key pairs"},
		{"only comments", "# nothing\n; here\n\n", "no key pairs"},
		{"key outside section", "# comment\naws_access_key_id = K\n", "line 2: key aws_access_key_id is outside a [profile] section"},
		{"missing id", "[default]\naws_secret_access_key = S\n", "line 1: profile [default] has no aws_access_key_id"},
		{"missing secret", "[a]\naws_access_key_id=A\naws_secret_access_key=SA\n\n[b]\naws_access_key_id = K\n[c]\n", "line 5: profile [b] has no aws_secret_access_key"},
		{"missing both", "[a]\naws_access_key_id=A\naws_secret_access_key=SA\n[empty]\n", "line 4: profile [empty] has no aws_access_key_id and no aws_secret_access_key"},
		{"different secrets", "[a]\naws_access_key_id=K\naws_secret_access_key=S1\n[b]\naws_access_key_id=K\naws_secret_access_key=S2\n", `line 5: access key id "K" is given a different secret than on line 2`},
		{"unknown key", "[a]\naws_access_key_id=K\naws_secret_acess_key=S\n", "line 3: unknown key aws_secret_acess_key in profile [a]"},
		{"repeated key", "[a]\naws_access_key_id=K\naws_access_key_id=L\n", "line 3: key aws_access_key_id is given twice in profile [a]"},
		{"empty value", "[a]\naws_access_key_id=\n", "line 2: key aws_access_key_id has an empty value"},
		{"no equals", "[a]\naws_access_key_id K\n", `line 2: "aws_access_key_id K" is neither a [profile] header nor a key = value line`},
		{"no key", "[a]\n= value\n", "line 2: a value with no key"},
		{"unclosed section", "\n[a\n", "line 2: section header \"[a\" has no closing ]"},
		{"unnamed section", "[ ]\n", "line 1: section header has no profile name"},
		{"repeated profile", "[a]\naws_access_key_id=K\naws_secret_access_key=S\n[a]\n", "line 4: profile [a] was already given on line 1"},
		{"slash in id", "[a]\naws_access_key_id=K/1\n", `line 2: access key id "K/1" contains a slash or a space`},
		{"long line", "[a]\naws_access_key_id=" + strings.Repeat("k", maxLine) + "\n", "line 2: line longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCredentials(strings.NewReader(tc.file))
			if err == nil {
				t.Fatalf("no error, got %v", got)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
			if got != nil {
				t.Errorf("credentials %v returned with the error", got)
			}
		})
	}
}

func FuzzParseCredentials(f *testing.F) {
	f.Add("[default]\naws_access_key_id = K\naws_secret_access_key = S\n")
	f.Add("# c\n[a]\naws_access_key_id=K\naws_secret_access_key=S\naws_session_token=T\n[b]\naws_access_key_id=K\naws_secret_access_key=S2\n")
	f.Add("key=value\n")
	f.Add("\uFEFF[x]\r\naws_access_key_id=K\r\naws_secret_access_key=S\r\n")
	f.Fuzz(func(t *testing.T, file string) {
		creds, err := ParseCredentials(strings.NewReader(file))
		if err != nil {
			if creds != nil {
				t.Fatalf("credentials %v returned with error %v", creds, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "line ") && !strings.HasPrefix(msg, "no key pairs") {
				t.Fatalf("error %q names no line", msg)
			}
			return
		}
		if len(creds) == 0 {
			t.Fatal("no error and no credentials")
		}
		for id, secret := range creds {
			if id == "" || secret == "" || strings.ContainsAny(id, "/ \t") {
				t.Fatalf("bad pair %q=%q", id, secret)
			}
		}
	})
}
