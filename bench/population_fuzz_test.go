package bench

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/ruleset"
)

// FuzzDecodePopulation feeds the population reader arbitrary bytes. It
// must never panic; what it refuses wraps ErrInvalidPopulation with a
// message free of Go's internals (no "Go struct field", "json:" or
// "literal" unless the input itself holds the words, which a message may
// quote) and never the reader's guard against its own faults; what it
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
	f.Add([]byte(`{"arrivals": {"ratePerMinute": nul}}`))
	f.Add([]byte(`{"arrivals": {"ratePerMinute": 1}, "attributes": {"skill": {"type": "number", "mean2": 1}}}`))
	f.Add([]byte(`{"description": "\ud83d\ude00 \ud800 \u00e9", "arrivals": {"ratePerMinute": 1}}`))
	rs := ruleset.MustLoad([]byte(DefaultRuleSet()))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePopulation(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrInvalidPopulation) {
				t.Fatalf("a refusal that does not wrap ErrInvalidPopulation: %v", err)
			}
			for _, internal := range []string{"Go struct field", "json:", "literal"} {
				if strings.Contains(err.Error(), internal) && !bytes.Contains(b, []byte(internal)) {
					t.Fatalf("a refusal that shows Go's internals (%q): %v", internal, err)
				}
			}
			if strings.Contains(err.Error(), "please report") {
				t.Fatalf("the reader accepted a shape that encoding/json refuses: %v\n%q", err, b)
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
