package ruleset

import (
	"github.com/matchforge/matchforge/ticket"
)

// maxExtCache bounds the per-ticket player maps an expression rule keeps.
const maxExtCache = 4096

// expression runs an expression rule on the bucketed candidate. Player
// values are the players' own (not party aggregates); a run-time error or a
// budget overrun fails the rule and is reported by Err.
func (e *Evaluator) expression(ri int, r *rule, rv *ruleVals) bool {
	st := &e.ext[ri]
	if len(st.cache) > maxExtCache {
		clear(st.cache)
	}
	teams := make([]any, 0, len(e.rs.teams))
	var players []any
	for t := range e.teams {
		name := e.rs.teams[t].Name
		tp := make([]any, 0, len(e.teams[t]))
		for _, m := range e.teams[t] {
			pm := e.playerMap(st, m)
			pm["team"] = name
			tp = append(tp, pm)
		}
		players = append(players, tp...)
		teams = append(teams, map[string]any{"name": name, "players": tp, "size": len(tp)})
	}
	st.env["teams"], st.env["players"] = teams, players
	for i, p := range r.ext.params {
		st.env[p] = rv.params[i]
	}
	st.steps = extSteps{limit: e.extLimit}
	out, err := st.vm.Run(r.ext.program, st.env)
	if err != nil {
		e.fail(r.name, oneLine(err.Error()))
		return false
	}
	b, _ := out.(bool)
	return b
}

// fail records the first evaluation failure of the current evaluation; the
// top-level rule it belongs to is filled in by Evaluate.
func (e *Evaluator) fail(name, problem string) {
	if e.err == nil {
		e.err = &EvaluationError{Rule: -1, Name: name, Problem: problem}
	}
}

func (e *Evaluator) playerMap(st *extState, m member) map[string]any {
	maps, ok := st.cache[m.r]
	if !ok {
		maps = make([]map[string]any, m.r.Players())
		st.cache[m.r] = maps
	}
	if pm := maps[m.p]; pm != nil {
		return pm
	}
	p := int(m.p)
	pm := map[string]any{"id": m.r.PlayerID(p), "team": ""}
	lat := map[string]any{}
	m.r.PlayerLatencies(p, func(l ticket.Latency) { lat[e.locName(l.Loc)] = float64(l.Ms) })
	pm["latency"] = lat
	s := e.rs.schema
	for i, a := range s.Attrs() {
		v, ok := m.r.Value(p, i)
		if !ok {
			continue
		}
		switch a.Kind {
		case ticket.KindNumber:
			pm[a.Name] = v.N()
		case ticket.KindString:
			pm[a.Name] = v.S()
		case ticket.KindList:
			l := make([]any, len(v.SL()))
			for j, x := range v.SL() {
				l[j] = x
			}
			pm[a.Name] = l
		case ticket.KindMap:
			mm := map[string]any{}
			for _, en := range v.SDM() {
				mm[en.Key] = en.Value
			}
			pm[a.Name] = mm
		}
	}
	maps[m.p] = pm
	return pm
}
