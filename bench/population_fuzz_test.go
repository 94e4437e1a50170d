package bench

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/matchforge/matchforge/ruleset"
)

// FuzzDecodePopulation feeds the population reader arbitrary bytes. It
// must never panic; what it refuses wraps ErrInvalidPopulation; what it
// accepts is valid, reads back the same from its own JSON, passes or fails
// Check against the default rule set without panicking, and generates
// players.
func FuzzDecodePopulation(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("populations", "*.json"))
	seeds = append(seeds, filepath.Join("defaults", "ranked5v5-population.json"))
	for _, path := range seeds {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"arrivals": {"ratePerMinute": 1e308}}`))
	f.Add([]byte(`{"attributes": {"skill": {"type": "number", "dist": "pareto", "scale": 1e-300, "shape": 1e-300}}}`))
	f.Add([]byte(`{"parties": [{"size": 1, "weight": 1e308}, {"size": 2, "weight": 1e308}]}`))
	rs := ruleset.MustLoad([]byte(DefaultRuleSet()))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePopulation(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrInvalidPopulation) {
				t.Fatalf("a refusal that does not wrap ErrInvalidPopulation: %v", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted, yet Validate says: %v", err)
		}
		again, err := DecodePopulation(bytes.NewReader(p.JSON()))
		if err != nil {
			t.Fatalf("its own JSON is refused: %v\n%s", err, p.JSON())
		}
		if !bytes.Equal(again.JSON(), p.JSON()) {
			t.Fatalf("its own JSON reads back differently:\n%s\n%s", p.JSON(), again.JSON())
		}
		_ = p.Check(rs)
		g, err := NewGenerator(p, 1)
		if err != nil {
			t.Fatalf("a valid population makes no generator: %v", err)
		}
		for i := range uint64(20) {
			for _, pl := range g.Players(i) {
				if pl.PlayerID == "" {
					t.Fatalf("ticket %d: a player without an id", i)
				}
			}
		}
	})
}
