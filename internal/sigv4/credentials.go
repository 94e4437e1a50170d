package sigv4

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Credentials maps access key ids to secret access keys.
type Credentials map[string]string

// The keys a profile of a credentials file may hold.
const (
	keyAccessKeyID     = "aws_access_key_id"
	keySecretAccessKey = "aws_secret_access_key"
)

// ignoredKeys may appear in a profile and are not used: a session token is
// checked by AWS's token service, not by the signature, and region and
// output belong to the client.
var ignoredKeys = map[string]bool{
	"aws_session_token": true,
	"region":            true,
	"output":            true,
}

// maxLine is the longest line ParseCredentials reads.
const maxLine = 64 << 10

// ParseCredentials reads a credentials file in the AWS shared-credentials
// INI format: [profile] sections, each with aws_access_key_id and
// aws_secret_access_key as "key = value" lines. aws_session_token, region
// and output may appear and are ignored; any other key is refused. Lines
// whose first non-blank character is # or ; are comments; blank lines are
// skipped. Every profile contributes one key pair.
//
// An error names the line and the problem: a line that is neither a section
// nor a key, a key outside a section, an unknown or repeated key, an empty
// value, a repeated profile name, a profile missing its id or secret (at the
// profile's header line), or an access key id that two profiles give
// different secrets. A file with no key pair at all is an error too.
func ParseCredentials(r io.Reader) (Credentials, error) {
	creds := Credentials{}
	idLine := map[string]int{} // access key id -> line it was first given on

	// The profile being read.
	var (
		inProfile     bool
		name          string
		headerLine    int
		id, secret    string
		idAt          int
		seenKeys      map[string]bool
		profilesNamed = map[string]int{}
	)
	finish := func() error {
		if !inProfile {
			return nil
		}
		switch {
		case id == "" && secret == "":
			return fmt.Errorf("line %d: profile [%s] has no %s and no %s", headerLine, name, keyAccessKeyID, keySecretAccessKey)
		case id == "":
			return fmt.Errorf("line %d: profile [%s] has no %s", headerLine, name, keyAccessKeyID)
		case secret == "":
			return fmt.Errorf("line %d: profile [%s] has no %s", headerLine, name, keySecretAccessKey)
		}
		if old, ok := creds[id]; ok && old != secret {
			return fmt.Errorf("line %d: access key id %q is given a different secret than on line %d", idAt, id, idLine[id])
		}
		if _, ok := creds[id]; !ok {
			idLine[id] = idAt
		}
		creds[id] = secret
		return nil
	}

	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF") // a byte-order mark
		}
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			if err := finish(); err != nil {
				return nil, err
			}
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("line %d: section header %q has no closing ]", n, line)
			}
			pname := strings.TrimSpace(line[1 : len(line)-1])
			if pname == "" {
				return nil, fmt.Errorf("line %d: section header has no profile name", n)
			}
			if first, ok := profilesNamed[pname]; ok {
				return nil, fmt.Errorf("line %d: profile [%s] was already given on line %d", n, pname, first)
			}
			profilesNamed[pname] = n
			inProfile, name, headerLine = true, pname, n
			id, secret, idAt = "", "", 0
			seenKeys = map[string]bool{}
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: %q is neither a [profile] header nor a key = value line", n, line)
		}
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		if key == "" {
			return nil, fmt.Errorf("line %d: a value with no key", n)
		}
		if !inProfile {
			return nil, fmt.Errorf("line %d: key %s is outside a [profile] section", n, key)
		}
		if key != keyAccessKeyID && key != keySecretAccessKey && !ignoredKeys[key] {
			return nil, fmt.Errorf("line %d: unknown key %s in profile [%s] (allowed: %s, %s, aws_session_token, region, output)", n, key, name, keyAccessKeyID, keySecretAccessKey)
		}
		if seenKeys[key] {
			return nil, fmt.Errorf("line %d: key %s is given twice in profile [%s]", n, key, name)
		}
		seenKeys[key] = true
		if value == "" {
			return nil, fmt.Errorf("line %d: key %s has an empty value", n, key)
		}
		switch key {
		case keyAccessKeyID:
			if strings.ContainsAny(value, "/ \t") {
				return nil, fmt.Errorf("line %d: access key id %q contains a slash or a space", n, value)
			}
			id, idAt = value, n
		case keySecretAccessKey:
			secret = value
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: line longer than %d bytes", n+1, maxLine)
		}
		return nil, fmt.Errorf("reading credentials after line %d: %w", n, err)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	if len(creds) == 0 {
		return nil, errors.New("no key pairs: the credentials file has no [profile] section with aws_access_key_id and aws_secret_access_key")
	}
	return creds, nil
}
