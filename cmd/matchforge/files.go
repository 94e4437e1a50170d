package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/matchforge/matchforge/bench"
	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/ruleset"
)

// readInput reads a file, or standard input for "-". Its errors say why the
// file cannot be read without repeating its name, which the caller prints:
// every command then reports a missing file the same way and exits 1.
func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("cannot read standard input: %w", unwrapPath(err))
		}
		return b, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read the file: %w", unwrapPath(err))
	}
	return b, nil
}

// unwrapPath drops the operation and the path of a *fs.PathError: "no such
// file or directory" rather than "open x.json: no such file or directory".
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, syscall.EISDIR) {
			return errors.New("it is a directory")
		}
		return pe.Err
	}
	return err
}

// readRuleSet reads and compiles a rule-set file, returning it with its
// body.
func readRuleSet(file string, stdin io.Reader) (*ruleset.RuleSet, string, error) {
	body, err := readInput(file, stdin)
	if err != nil {
		return nil, "", err
	}
	rs, err := ruleset.Load(body)
	if err != nil {
		return nil, "", fmt.Errorf("invalid rule set: %s", problemList(err))
	}
	return rs, string(body), nil
}

// readPopulation reads a population file and checks that it fits rs. The
// errors of bench.DecodePopulationFor say what is wrong (an invalid
// population, or one that does not fit the rule set) and list each problem
// with its line, column and JSON path, one per line when there are
// several; the caller adds the file's name once, in front.
func readPopulation(file string, stdin io.Reader, rs *ruleset.RuleSet) (bench.Population, error) {
	b, err := readInput(file, stdin)
	if err != nil {
		return bench.Population{}, err
	}
	return bench.DecodePopulationFor(bytes.NewReader(b), rs)
}

// readConfig reads a configuration file: the JSON request body of
// GameLift's CreateMatchmakingConfiguration.
func readConfig(file string, stdin io.Reader) (gamelift.CreateMatchmakingConfigurationInput, error) {
	var cfg gamelift.CreateMatchmakingConfigurationInput
	b, err := readInput(file, stdin)
	if err != nil {
		return cfg, err
	}
	if err := decodeJSONFile(b, &cfg, "a CreateMatchmakingConfiguration request body"); err != nil {
		return cfg, fmt.Errorf("not a CreateMatchmakingConfiguration request body: %w", err)
	}
	return cfg, nil
}

// problemList joins a rule set's validation problems.
func problemList(err error) string {
	var parts []string
	for _, p := range ruleset.Problems(err) {
		parts = append(parts, p.Error())
	}
	if len(parts) == 0 {
		return err.Error()
	}
	return strings.Join(parts, "; ")
}
