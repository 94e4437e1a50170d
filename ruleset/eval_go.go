package ruleset

import (
	"fmt"

	"github.com/matchforge/matchforge/ticket"
)

// Match is the read-only view of a candidate match that a Go rule
// evaluates: its teams with their effective sizes at the current expansion
// phase, and each team's players with their attribute values. Every method
// reads the evaluator's buffers in place and allocates nothing. A Match is
// valid only during the GoRule.Evaluate call it is passed to.
//
// Teams are indexed like RuleSet.Teams, players by their order on the team
// (the order their tickets joined the candidate).
type Match struct {
	e  *Evaluator
	ri int
}

// Teams returns the number of teams (including empty ones).
func (m *Match) Teams() int { return len(m.e.teams) }

// Team returns team t's definition: its name, its definition's name and
// its sizes before expansions.
func (m *Match) Team(t int) Team { return m.e.rs.teams[t] }

// TeamName returns team t's name (a generated name for a copy, D2).
func (m *Match) TeamName(t int) string { return m.e.rs.teams[t].Name }

// TeamSize returns team t's effective minimum and maximum players at the
// current expansion phase.
func (m *Match) TeamSize(t int) TeamSize { return m.e.cur.teams[t] }

// Players returns the number of players on team t.
func (m *Match) Players(t int) int { return len(m.e.teams[t]) }

// Player returns the i-th player of team t.
func (m *Match) Player(t, i int) Player { return Player{m.e.teams[t][i]} }

// Param returns the effective value of an expandable property at the
// current expansion phase (D5, D12).
func (m *Match) Param(p Param) float64 { return m.e.cur.rules[m.ri].params[p.slot] }

// Ints returns n zeroed ints of scratch storage that the Evaluator owns, so
// that a rule can count without allocating (storage grows only when a rule
// asks for more than ever before). Each call returns the same storage,
// valid until Evaluate returns.
func (m *Match) Ints(n int) []int {
	e := m.e
	if cap(e.goInts) < n {
		e.goInts = make([]int, n)
	}
	s := e.goInts[:n]
	clear(s)
	return s
}

// Player is one player of a candidate, as a Go rule sees it. Attribute
// values are the player's own (not its party's aggregate, D9), the
// attribute's default when the player supplied none. A player missing a
// declared attribute that has no default reads as the zero value; its
// ticket can never match anyway (D20).
type Player struct{ m member }

// ID returns the player's id.
func (p Player) ID() string { return p.m.r.PlayerID(int(p.m.p)) }

// Has reports whether the player has a value for a (supplied, or the
// default).
func (p Player) Has(a Attribute) bool {
	p.check(a, a.kind)
	return p.m.r.Supplied(int(p.m.p), a.index) || p.m.r.Schema().Attrs()[a.index].Default != nil
}

// Num returns the player's value of number attribute a.
func (p Player) Num(a Attribute) float64 {
	p.check(a, ticket.KindNumber)
	return p.m.r.Num(int(p.m.p), a.slot)
}

// Str returns the player's value of string attribute a.
func (p Player) Str(a Attribute) string {
	p.check(a, ticket.KindString)
	return p.m.r.Str(int(p.m.p), a.slot)
}

// List returns the player's value of string_list attribute a as a sorted
// set without repeats. The caller must not modify it.
func (p Player) List(a Attribute) []string {
	p.check(a, ticket.KindList)
	return p.m.r.List(int(p.m.p), a.slot)
}

// Map returns the player's value of string_number_map attribute a, sorted
// by key. The caller must not modify it.
func (p Player) Map(a Attribute) []ticket.MapEntry {
	p.check(a, ticket.KindMap)
	return p.m.r.Map(int(p.m.p), a.slot)
}

// check panics (a bug in the rule type, which the evaluator recovers and
// reports) when a is not an attribute of kind k of the player's schema (the
// schema its rule set resolves tickets against).
func (p Player) check(a Attribute, k ticket.Kind) {
	if a.kind != k || a.schema != p.m.r.Schema() {
		panic(badAttribute{a, k})
	}
}

type badAttribute struct {
	a    Attribute
	want ticket.Kind
}

func (b badAttribute) String() string {
	switch {
	case b.a.kind == ticket.KindNone:
		return "read an Attribute that was never resolved (use Params.Attribute or Params.ReadAttribute)"
	case b.a.kind == b.want:
		return fmt.Sprintf("read attribute %q of another rule set's schema", b.a.name)
	}
	return fmt.Sprintf("read %s attribute %q as a %s", b.a.kind.RuleSetType(), b.a.name, b.want.RuleSetType())
}

// goRule evaluates a rule of a Go rule type. A panic fails the rule and is
// reported by Err.
func (e *Evaluator) goRule(ri int, r *rule, mode Mode) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			e.fail(r.name, fmt.Sprintf("rule type %s panicked: %v", r.typ, p))
			ok = false
		}
	}()
	e.match.ri = ri
	return r.gorule.rule.Evaluate(&e.match, mode)
}
