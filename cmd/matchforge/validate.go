package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

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

func validateFlags() (*cmdFlags, *bool) {
	fs := newFlagSet("validate",
		"usage: matchforge validate [--json] FILE...",
		"Checks FlexMatch rule-set files; - reads standard input. Every file is checked, even after one that fails.",
		"Exit status: 0 when every file is valid; 1 when any file cannot be read (missing, say) or is invalid; 2 for a usage error.")
	return fs, fs.Bool("json", false, "print one JSON object per file")
}

// runValidate implements "matchforge validate [--json] FILE...". Problems
// of the rule sets go to standard output, one line per problem (or one
// JSON object per file with --json); files that cannot be read are
// reported on standard error.
//
// Exit status: 0 when every file is valid; 1 when any file cannot be read
// (a missing file, as in every command) or is invalid; 2 for a usage error.
func runValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, asJSON := validateFlags()
	if status, ok := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	if fs.NArg() == 0 {
		return fs.usageError(stderr, "give at least one rule-set file, or - for standard input")
	}
	status := 0
	enc := json.NewEncoder(stdout)
	for _, file := range fs.Args() {
		body, err := readInput(file, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "matchforge validate: %s: %v\n", file, err)
			status = 1
			continue
		}
		rs, err := ruleset.Load(body)
		if err != nil && !errors.Is(err, ruleset.ErrInvalid) && !errors.Is(err, ruleset.ErrSyntax) {
			fmt.Fprintf(stderr, "matchforge validate: %s: %v\n", file, err)
			status = 1
			continue
		}
		if err != nil {
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
				return 1
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
