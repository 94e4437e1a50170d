package ruleset_test

import (
	"fmt"
	"testing"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Allocation guards: once an evaluator is warm, evaluating a candidate does
// not allocate (doc.go, "Evaluation does not allocate once the evaluator is
// warm, except for expression rules").

// allocEx01 is example 1's 8v8 candidate: skills spread so that
// FairTeamSkill measures something (cowboys 10..45, aliens 12..47; team
// averages 27.5 and 29.5, match average 28.5) and both rules pass.
func allocEx01(t testing.TB, rs *ruleset.RuleSet, locs *ticket.Locations) *ruleset.Candidate {
	var c ruleset.Candidate
	for i := range 8 {
		c.Add(evResolve(t, rs, locs, evS(fmt.Sprintf("c%d", i), float64(10+5*i))), 0)
		c.Add(evResolve(t, rs, locs, evS(fmt.Sprintf("a%d", i), float64(12+5*i))), 1)
	}
	return &c
}

// allocEx03 is example 3's 3x5 candidate with latency: three teams of five,
// each a party of two plus three singles. The first party holds a medic, so
// with the union party aggregation both its members count: 2 medics <= 5.
// Player i (1..15) reports us-east-1 20+i (at most 35), us-west-2 40+i%7
// (at most 46) and eu-west-1 90+i (over maxLatency 50): us-east-1 has the
// lowest worst case. Team skill averages 9.8, 10.6, 11.4; match 10.6.
func allocEx03(t testing.TB, rs *ruleset.RuleSet, locs *ticket.Locations) *ruleset.Candidate {
	var c ruleset.Candidate
	id := 0
	player := func(skill float64, character ...string) ticket.Player {
		id++
		p := evP(fmt.Sprintf("p%d", id), "skill", skill, "lat", map[string]int{
			"us-east-1": 20 + id, "us-west-2": 40 + id%7, "eu-west-1": 90 + id,
		})
		if len(character) > 0 {
			p.PlayerAttributes["character"] = ticket.StringList(character...)
		}
		return p
	}
	for team := range 3 {
		first := []string{"tank"}
		if team == 0 {
			first = []string{"medic", "tank"}
		}
		c.Add(evResolve(t, rs, locs, player(10+float64(team), first...), player(12)), team)
		for k := range 3 {
			c.Add(evResolve(t, rs, locs, player(8+float64(k+team), "peasant")), team)
		}
	}
	return &c
}

// allocCheck asserts that evaluating c allocates nothing once warm, and
// that the evaluation passes (so every rule ran).
func allocCheck(t *testing.T, rs *ruleset.RuleSet, ev *ruleset.Evaluator, c *ruleset.Candidate, mode ruleset.Mode, wantPass bool) {
	t.Helper()
	v := rs.At(0)
	if got := ev.Evaluate(c, v, mode); got != wantPass {
		t.Fatalf("Evaluate = %v, want %v: %s", got, wantPass, evResults(rs, ev))
	}
	allocs := testing.AllocsPerRun(100, func() { ev.Evaluate(c, v, mode) })
	if allocs != 0 {
		t.Errorf("%v allocations per evaluation, want 0", allocs)
	}
}

var allocModes = []struct {
	name string
	mode ruleset.Mode
}{{"Final", ruleset.Final}, {"Partial", ruleset.Partial}, {"Structural", ruleset.Structural}}

// allocCand builds a candidate for rs with its tickets' locations in locs.
type allocCand = func(t testing.TB, rs *ruleset.RuleSet, locs *ticket.Locations) *ruleset.Candidate

// allocEachMode runs allocCheck on cand's candidate in every mode, as a
// subtest per mode. The evaluation must pass in Structural mode, and in the
// others when pass is true. after, when not nil, runs after each check.
func allocEachMode(t *testing.T, rs *ruleset.RuleSet, cand allocCand, pass bool,
	after func(t *testing.T, ev *ruleset.Evaluator, locs *ticket.Locations, mode ruleset.Mode)) {
	locs := ticket.NewLocations()
	c := cand(t, rs, locs)
	ev := rs.NewEvaluator(locs)
	for _, m := range allocModes {
		t.Run(m.name, func(t *testing.T) {
			allocCheck(t, rs, ev, c, m.mode, pass || m.mode == ruleset.Structural)
			if after != nil {
				after(t, ev, locs, m.mode)
			}
		})
	}
}

func TestAllocsExample1(t *testing.T) {
	allocEachMode(t, evExample(t, "ex01"), allocEx01, true, nil)
}

func TestAllocsExample3(t *testing.T) {
	allocEachMode(t, evExample(t, "ex03"), allocEx03, true, func(t *testing.T, ev *ruleset.Evaluator, locs *ticket.Locations, mode ruleset.Mode) {
		// The location is chosen in Final mode; the other modes only
		// check that one exists.
		if l := ev.Location(); mode == ruleset.Final && (l < 0 || locs.Name(l) != "us-east-1") {
			t.Errorf("Location = %d, want us-east-1", l)
		} else if mode != ruleset.Final && l >= 0 {
			t.Errorf("Location = %s in a non-Final mode, want none", locs.Name(l))
		}
	})
}

// TestAllocsOtherRuleTypes extends the guard to the collection, compound,
// batchDistance and two-latency-rule paths and to a failing candidate.
func TestAllocsOtherRuleTypes(t *testing.T) {
	type setup struct {
		name string
		rs   func(t *testing.T) *ruleset.RuleSet
		cand allocCand
		pass bool
	}
	cands := func(tks ...evT) allocCand {
		return func(t testing.TB, rs *ruleset.RuleSet, locs *ticket.Locations) *ruleset.Candidate {
			return evCand(t, rs, locs, tks...)
		}
	}
	ex4 := func(team, id string, modes ...string) evT {
		return evTk(team, evP(id, "gameMode", modes, "acceptableMaps", []string{"m1", "m2"}))
	}
	// e and f: a party on the default experience and mapPreference.
	ef := evTk("blue", evP("e", "gameMode", []string{"dm", "coop"}, "acceptableMaps", []string{"m1"}),
		evP("f", "gameMode", []string{"dm"}, "acceptableMaps", []string{"m2", "m1"}))
	for _, s := range []setup{
		{"ex04 intersections", func(t *testing.T) *ruleset.RuleSet { return evExample(t, "ex04") },
			cands(ex4("red", "a", "coop", "dm"), ex4("red", "b", "dm"), ex4("red", "c", "dm", "ctf"),
				ex4("blue", "d", "dm"), ef), true},
		{"ex05 set_intersection", func(t *testing.T) *ruleset.RuleSet { return evExample(t, "ex05") },
			cands(evTk("red", evOpp("p1", "elf", "elf", "orc", "ogre")), evTk("red", evOpp("p2", "orc", "orc", "elf", "ogre")),
				evTk("red", evOpp("p3", "ogre", "ogre", "elf", "orc"), evOpp("p4", "elf", "elf", "orc", "ogre"))), true},
		{"ex11 block list", func(t *testing.T) *ruleset.RuleSet { return evExample(t, "ex11") },
			cands(evTk("red", evP("r1", "BlockList", []string{"x", "y"})), evTk("red", evP("r2")), evTk("blue", evP("b1", "BlockList", []string{"r1"}))), false},
		{"ex10 compound", func(t *testing.T) *ruleset.RuleSet { return evExample(t, "ex10") },
			cands(evX10("red", "a", 3, 50, "m1", "dm"), evX10("blue", "b", 5, 58, "m2", "dm"), evX10("blue", "c", 4, 52, "m1", "ctf")), true},
		{"batch and two latency rules", func(t *testing.T) *ruleset.RuleSet {
			return evLoad(t, `[{"name": "B", "type": "batchDistance", "batchAttribute": "mode"},
				{"name": "N", "type": "batchDistance", "batchAttribute": "skill", "maxDistance": 5},
				{"name": "Fast", "type": "latency", "maxLatency": 100},
				{"name": "Even", "type": "latency", "maxDistance": 50, "distanceReference": "avg"}]`, "")
		}, cands(evL("red", "a", evEast, 30, evWest, 80), evL("blue", "b", evEast, 60, evWest, 75),
			evTk("trio_1", evPL("c", evEast, 40, evWest, 90), evPL("d", evEast, 50))), true},
	} {
		t.Run(s.name, func(t *testing.T) { allocEachMode(t, s.rs(t), s.cand, s.pass, nil) })
	}
}
