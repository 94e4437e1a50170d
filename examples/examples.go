package examples

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// files holds every example's JSON files, by directory.
//
//go:embed */*.json
var files embed.FS

// The file names of an example, inside its directory.
const (
	ruleSetFile    = "ruleset.json"
	populationFile = "population.json"
	configFile     = "config.json"
)

// ErrUnknownExample is wrapped by the error Read returns for a name that is
// not one of Names.
var ErrUnknownExample = errors.New("unknown example")

// Example is one example's three files, as they are stored.
type Example struct {
	// Name is the example's directory name, such as "three-teams".
	Name string
	// RuleSet is the rule-set body, in the FlexMatch rule-set language (it
	// loads with ruleset.Load).
	RuleSet []byte
	// Population is the simulated traffic, in the form
	// bench.DecodePopulation reads.
	Population []byte
	// Config is a CreateMatchmakingConfiguration request body (it decodes
	// into gamelift.CreateMatchmakingConfigurationInput); its Name and
	// RuleSetName are the example's name.
	Config []byte
}

// Names returns the names of the examples, sorted.
func Names() []string {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		panic("examples: reading the embedded files: " + err.Error()) // the embedded root always reads
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names
}

// Read returns the example called name, one of Names. An unknown name gives
// an error that wraps ErrUnknownExample and lists the known names.
func Read(name string) (Example, error) {
	names := Names()
	if !slices.Contains(names, name) {
		return Example{}, fmt.Errorf("%w %q; the examples are %s", ErrUnknownExample, name, strings.Join(names, ", "))
	}
	ex := Example{Name: name}
	for _, f := range []struct {
		file string
		dst  *[]byte
	}{{ruleSetFile, &ex.RuleSet}, {populationFile, &ex.Population}, {configFile, &ex.Config}} {
		b, err := files.ReadFile(path.Join(name, f.file))
		if err != nil {
			return Example{}, fmt.Errorf("examples: %s: %w", name, err)
		}
		*f.dst = b
	}
	return ex, nil
}
