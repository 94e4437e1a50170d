package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/matchforge/matchforge/ruleset"
)

// validateResult is the --json form of one file's result.
type validateResult struct {
	File   string         `json:"file"`
	Valid  bool           `json:"valid"`
	Class  *string        `json:"class"`
	Errors []problemEntry `json:"errors"`
}

type problemEntry struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// runValidate implements "matchforge validate [--json] FILE...". Exit status:
// 0 when every file is valid, 1 when any is invalid, 2 for a usage error or
// an unreadable file.
func runValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", stderr,
		"usage: matchforge validate [--json] FILE...",
		"Checks FlexMatch rule-set files; - reads standard input.")
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	status := 0
	enc := json.NewEncoder(stdout)
	for _, file := range fs.Args() {
		body, err := readInput(file, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "matchforge validate: %v\n", err)
			status = 2
			continue
		}
		rs, err := ruleset.Load(body)
		if err != nil && !errors.Is(err, ruleset.ErrInvalid) && !errors.Is(err, ruleset.ErrSyntax) {
			fmt.Fprintf(stderr, "matchforge validate: %s: %v\n", file, err)
			status = 2
			continue
		}
		if err != nil && status == 0 {
			status = 1
		}
		if *asJSON {
			res := validateResult{File: file, Valid: err == nil, Errors: []problemEntry{}}
			if rs != nil {
				class := rs.Class().String()
				res.Class = &class
			}
			for _, p := range ruleset.Problems(err) {
				res.Errors = append(res.Errors, problemEntry{p.Path, p.Message})
			}
			if e := enc.Encode(res); e != nil {
				fmt.Fprintf(stderr, "matchforge validate: %v\n", e)
				return 2
			}
			continue
		}
		if err == nil {
			fmt.Fprintf(stdout, "%s: valid (%s, %d teams, %d rules, %d expansions)\n",
				file, rs.Class(), len(rs.Teams()), len(rs.Rules()), rs.Expansions())
			continue
		}
		var list *ruleset.ErrorList
		if !errors.As(err, &list) {
			fmt.Fprintf(stdout, "%s: %v\n", file, err)
			continue
		}
		for _, line := range list.Lines() {
			fmt.Fprintf(stdout, "%s: %s\n", file, line)
		}
	}
	return status
}

// readInput reads a file, or standard input for "-".
func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
		return b, nil
	}
	return os.ReadFile(name)
}
