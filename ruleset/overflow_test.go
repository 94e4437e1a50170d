package ruleset_test

import (
	"math"
	"strings"
	"testing"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Values at the largest magnitude the API accepts (ticket.MaxNumber) keep
// every aggregate finite: teams whose averages differ by 5% of 1e100 fail a
// distance rule with maxDistance 10, as they must, however the sums are
// formed; equal teams pass.
func TestAggregatesAtTheValueLimitDoNotOverflow(t *testing.T) {
	rs := evLoad(t, `[{"name": "Close", "type": "distance",
	  "measurements": ["avg(teams[red,blue].players.attributes[skill])"],
	  "referenceValue": "avg(flatten(teams[red,blue].players.attributes[skill]))", "maxDistance": 10},
	 {"name": "Spread", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 1e101}]`, "")
	locs := ticket.NewLocations()
	ev := rs.NewEvaluator(locs)
	big := ticket.MaxNumber
	apart := evCand(t, rs, locs, evJoin(evN("red", "r", 4, big), evN("blue", "b", 4, -0.95*big))...)
	if ev.Evaluate(apart, rs.At(0), ruleset.Final) {
		t.Errorf("teams averaging %g and %g passed maxDistance 10", big, -0.95*big)
	}
	same := evCand(t, rs, locs, evJoin(evN("red", "r", 4, big), evN("blue", "b", 4, big))...)
	if !ev.Evaluate(same, rs.At(0), ruleset.Final) {
		t.Errorf("equal teams at %g failed: %v %v", big, evResults(rs, ev), ev.Err())
	}
}

// A value past the limit is refused where it enters, with the limit named.
func TestValuesPastTheLimitAreRefused(t *testing.T) {
	for _, f := range []float64{1.7e308, -1.7e308, math.Inf(1), 2 * ticket.MaxNumber} {
		err := ticket.CheckValue("skill", ticket.Number(f))
		if err == nil {
			t.Errorf("N %g accepted", f)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "skill.N") || !strings.Contains(msg, "1e+100") {
			t.Errorf("N %g: %v; want the field and the limit named", f, err)
		}
	}
	body := `{"ruleLanguageVersion": "1.0", "playerAttributes": [{"name": "skill", "type": "number", "default": 1e300}],
	  "teams": [{"name": "a", "minPlayers": 1, "maxPlayers": 2}]}`
	if _, err := ruleset.Load([]byte(body)); err == nil || !strings.Contains(err.Error(), "playerAttributes[0].default: is 1e+300") {
		t.Errorf("a default of 1e300: %v; want it refused at its path", err)
	}
}
