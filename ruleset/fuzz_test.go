package ruleset_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// FuzzLoad feeds rule-set bodies through Parse, Validate and Compile, which
// must never panic and must report problems in the documented shape. A body
// that compiles is then evaluated: an empty candidate and a one-ticket
// candidate, in every mode, at every phase of its expansion schedule.
//
//	go test ./ruleset -run '^$' -fuzz FuzzLoad -fuzztime 60s
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{vtInvalidDir, vtValidDir, vtExamplesDir} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, file := range files {
			body, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(body)
		}
	}
	f.Add([]byte(`{"ruleLanguageVersion": "1.0", "teams": [{"name": "a", "minPlayers": 1, "maxPlayers": 1}]}`))
	f.Add([]byte(``))
	f.Add([]byte(`null`))

	f.Fuzz(func(t *testing.T, body []byte) {
		doc, err := ruleset.Parse(body)
		if err != nil {
			if !errors.Is(err, ruleset.ErrSyntax) {
				t.Fatalf("Parse error does not wrap ErrSyntax: %v", err)
			}
			if doc != nil {
				t.Fatalf("Parse returned a document with an error")
			}
			return
		}
		verr := doc.Validate()
		rs, cerr := ruleset.Compile(doc)
		if (verr == nil) != (cerr == nil) {
			t.Fatalf("Validate = %v but Compile = %v", verr, cerr)
		}
		if cerr != nil {
			if !errors.Is(cerr, ruleset.ErrInvalid) {
				t.Fatalf("Compile error does not wrap ErrInvalid: %v", cerr)
			}
			problems := ruleset.Problems(cerr)
			if len(problems) == 0 {
				t.Fatalf("Compile failed without a problem")
			}
			for i, p := range problems {
				if p.Message == "" {
					t.Fatalf("problem at %q has no message", p.Path)
				}
				if i > 0 && vtComparePaths(problems[i-1].Path, p.Path) > 0 {
					t.Fatalf("problems are not ordered by path: %q before %q", problems[i-1].Path, p.Path)
				}
			}
			return
		}
		fuzzEvaluate(t, rs)
	})
}

// fuzzEvaluate evaluates rs on an empty candidate and on one ticket placed
// on the first and on the last team, in every mode and phase.
func fuzzEvaluate(t *testing.T, rs *ruleset.RuleSet) {
	if len(rs.Teams()) == 0 || len(rs.Phases()) == 0 {
		t.Fatalf("a compiled rule set has %d teams and %d phases", len(rs.Teams()), len(rs.Phases()))
	}
	locs := ticket.NewLocations()
	ev := rs.NewEvaluator(locs)
	modes := []ruleset.Mode{ruleset.Final, ruleset.Partial, ruleset.Structural}

	// One player with every declared attribute, one relying on defaults.
	full := ticket.Player{PlayerID: "p1", PlayerAttributes: map[string]ticket.AttributeValue{},
		LatencyInMs: map[string]int{"us-east-1": 40, "eu-west-1": 90}}
	for _, a := range rs.Schema().Attrs() {
		switch a.Kind {
		case ticket.KindNumber:
			full.PlayerAttributes[a.Name] = ticket.Number(7)
		case ticket.KindString:
			full.PlayerAttributes[a.Name] = ticket.String("x")
		case ticket.KindList:
			full.PlayerAttributes[a.Name] = ticket.StringList("x", "p1")
		case ticket.KindMap:
			full.PlayerAttributes[a.Name] = ticket.StringNumberMap(map[string]float64{"x": 1, "y": 2})
		}
	}
	bare := ticket.Player{PlayerID: "p2"}
	var tickets []*ticket.Resolved
	for _, p := range []ticket.Player{full, bare} {
		r, err := rs.Schema().Resolve([]ticket.Player{p}, locs)
		if err != nil {
			t.Fatalf("Resolve(%s): %v", p.PlayerID, err)
		}
		tickets = append(tickets, r)
	}
	party, err := rs.Schema().Resolve([]ticket.Player{full, bare}, locs)
	if err != nil {
		t.Fatalf("Resolve(party): %v", err)
	}
	tickets = append(tickets, party)

	for pi := range rs.Phases() {
		v := &rs.Phases()[pi]
		if got := rs.At(v.Start()); got.Index() != v.Index() {
			t.Fatalf("At(%v) = phase %d, want %d", v.Start(), got.Index(), v.Index())
		}
		for _, mode := range modes {
			var c ruleset.Candidate
			ev.Evaluate(&c, v, mode)
			_ = ev.Results()
			for _, tk := range tickets {
				for _, team := range []int{0, len(rs.Teams()) - 1} {
					c.Reset()
					c.Add(tk, team)
					ev.Evaluate(&c, v, mode)
					if len(ev.Results()) != len(rs.Rules()) {
						t.Fatalf("%d results for %d rules", len(ev.Results()), len(rs.Rules()))
					}
				}
			}
		}
	}
}
