package ruleset_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/ruleset"
)

// feProblems returns n problems: rules[0].name, rules[1].name, ...; the
// first has no path when bodyWide is set.
func feProblems(n int, bodyWide bool) *ruleset.ErrorList {
	l := &ruleset.ErrorList{}
	for i := range n {
		e := ruleset.Error{Path: fmt.Sprintf("rules[%d].name", i), Message: fmt.Sprintf("problem %d", i+1)}
		if i == 0 && bodyWide {
			e.Path = ""
		}
		l.Errors = append(l.Errors, e)
	}
	return l
}

// feEngineSummary is the engine's formatting of an invalid RuleSetBody as it
// was before Summary existed (engine/engine.go, compileBody), kept here so
// that Summary is checked against it.
func feEngineSummary(problems []ruleset.Error) string {
	var b strings.Builder
	if len(problems) == 1 {
		b.WriteString("RuleSetBody is not a valid rule set: ")
		b.WriteString(problems[0].Error())
	} else {
		fmt.Fprintf(&b, "RuleSetBody is not a valid rule set (%d problems):", len(problems))
		for i, p := range problems {
			fmt.Fprintf(&b, " (%d) %s", i+1, p.Error())
		}
	}
	return b.String()
}

const feSubject = "RuleSetBody is not a valid rule set"

// Up to MaxListedProblems, Summary gives exactly the engine's text.
func TestSummaryKeepsTheEngineText(t *testing.T) {
	for n := 1; n <= ruleset.MaxListedProblems; n++ {
		for _, bodyWide := range []bool{false, true} {
			l := feProblems(n, bodyWide)
			if got, want := l.Summary(feSubject), feEngineSummary(l.Errors); got != want {
				t.Errorf("%d problems: Summary =\n%s\nwant\n%s", n, got, want)
			}
		}
	}
}

func TestSummary(t *testing.T) {
	for _, tc := range []struct {
		n        int
		bodyWide bool
		want     string
	}{
		{0, false, "bad"},
		{1, false, "bad: rules[0].name: problem 1"},
		{1, true, "bad: problem 1"},
		{2, false, "bad (2 problems): (1) rules[0].name: problem 1 (2) rules[1].name: problem 2"},
		{3, true, "bad (3 problems): (1) problem 1 (2) rules[1].name: problem 2 (3) rules[2].name: problem 3"},
	} {
		if got := feProblems(tc.n, tc.bodyWide).Summary("bad"); got != tc.want {
			t.Errorf("%d problems: Summary = %q, want %q", tc.n, got, tc.want)
		}
	}
	var nilList *ruleset.ErrorList
	if got := nilList.Summary("bad"); got != "bad" {
		t.Errorf("nil list: Summary = %q, want the subject alone", got)
	}
}

func TestSummaryBound(t *testing.T) {
	max := ruleset.MaxListedProblems
	for _, n := range []int{max + 1, max + 5, 3 * max} {
		got := feProblems(n, false).Summary("bad")
		prefix := fmt.Sprintf("bad (%d problems): (1) rules[0].name: problem 1 ", n)
		last := fmt.Sprintf(" (%d) rules[%d].name: problem %d ... and %d more", max, max-1, max, n-max)
		if !strings.HasPrefix(got, prefix) || !strings.HasSuffix(got, last) {
			t.Errorf("%d problems: Summary =\n%s\nwant it to start %q and end %q", n, got, prefix, last)
		}
		if strings.Contains(got, fmt.Sprintf("(%d)", max+1)) {
			t.Errorf("%d problems: Summary numbers more than %d: %s", n, max, got)
		}
	}
}

func TestLines(t *testing.T) {
	max := ruleset.MaxListedProblems
	if got := feProblems(0, false).Lines(); got != nil {
		t.Errorf("no problems: Lines = %q, want nil", got)
	}
	got := feProblems(2, true).Lines()
	if want := []string{"problem 1", "rules[1].name: problem 2"}; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Lines = %q, want %q", got, want)
	}
	if got := feProblems(max, false).Lines(); len(got) != max || got[max-1] != fmt.Sprintf("rules[%d].name: problem %d", max-1, max) {
		t.Errorf("%d problems: Lines = %q", max, got)
	}
	for n, tail := range map[int]string{max + 1: "... and 1 more problem", max + 7: "... and 7 more problems"} {
		got := feProblems(n, false).Lines()
		if len(got) != max+1 || got[max] != tail || got[max-1] != fmt.Sprintf("rules[%d].name: problem %d", max-1, max) {
			t.Errorf("%d problems: Lines = %q; want %d problems and %q", n, got, max, tail)
		}
	}
}

// Summary on the problems of a real rule set.
func TestSummaryOfALoad(t *testing.T) {
	_, err := ruleset.Load([]byte(`{"ruleLanguageVersion": "2.0", "teams": []}`))
	l := &ruleset.ErrorList{Errors: ruleset.Problems(err)}
	want := `RuleSetBody is not a valid rule set (2 problems): (1) ruleLanguageVersion: is "2.0"; the only version is "1.0" (2) teams: is empty; a rule set needs at least one team`
	if got := l.Summary(feSubject); got != want {
		t.Errorf("Summary =\n%s\nwant\n%s", got, want)
	}
}
