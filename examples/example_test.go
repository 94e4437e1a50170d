package examples_test

import (
	"errors"
	"fmt"

	"github.com/matchforge/matchforge/examples"
	"github.com/matchforge/matchforge/ruleset"
)

// Read an example and load its rule set; an unknown name gives
// ErrUnknownExample.
func ExampleRead() {
	ex, err := examples.Read("three-teams")
	if err != nil {
		fmt.Println(err)
		return
	}
	rs, err := ruleset.Load(ex.RuleSet)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("rule set:", rs.Name())
	for _, team := range rs.Teams() {
		fmt.Printf("team %s: %d to %d players\n", team.Name, team.MinPlayers, team.MaxPlayers)
	}

	_, err = examples.Read("chess")
	fmt.Println(errors.Is(err, examples.ErrUnknownExample))
	// Output:
	// rule set: triple_threat
	// team squad_1: 2 to 4 players
	// team squad_2: 2 to 4 players
	// team squad_3: 2 to 4 players
	// true
}

// The examples, one directory each.
func ExampleNames() {
	for _, name := range examples.Names() {
		fmt.Println(name)
	}
	// Output:
	// aliens-vs-cowboys
	// block-list
	// compared-attributes
	// compound-rules
	// large-batch-distance
	// large-free-for-all
	// monster-hunters
	// multiple-maps
	// players-vs-monster
	// preferred-characters
	// single-team
	// three-teams
}
