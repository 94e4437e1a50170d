package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/internal/strictjson"
)

// SetupFile is what Setup reads: rule sets and configurations to create,
// each written as the request body of its create operation
// (CreateMatchmakingRuleSet, CreateMatchmakingConfiguration), so a studio
// keeps its matchmaker in version control. As a convenience, a rule set's
// RuleSetBody may be the rule set itself, a JSON object, rather than a
// string holding it.
type SetupFile struct {
	RuleSets       []json.RawMessage `json:"RuleSets"`
	Configurations []json.RawMessage `json:"Configurations"`
}

// SetupResult says what Setup did: the entries it created and the ones it
// kept because a rule set or configuration of that name already existed,
// each as "RuleSets[0] name" or "Configurations[1] name".
type SetupResult struct {
	Created, Kept []string
}

// setupEntry is one create request of a SetupFile.
type setupEntry struct {
	op, where, name string
	body            []byte
}

// Setup makes the rule sets, then the configurations, of a SetupFile
// document exist. An entry whose name exists already is kept as it is (a
// restart with --data-dir, or a start interrupted in the middle of its
// setup, creates only what is missing; change existing ones through the
// API). The whole document is first tried on a copy of the current state:
// at the first problem Setup returns an error naming the entry
// (RuleSets[1], Configurations[0]) and the operation's error, and creates
// nothing.
func (s *Server) Setup(data []byte) (SetupResult, error) {
	entries, err := parseSetup(data)
	if err != nil {
		return SetupResult{}, err
	}
	var res SetupResult
	var todo []setupEntry
	var buf bytes.Buffer
	s.mu.Lock()
	for _, e := range entries {
		if setupExists(s.svc, e) {
			res.Kept = append(res.Kept, e.where+" "+e.name)
		} else {
			todo = append(todo, e)
		}
	}
	now := s.now()
	if len(todo) > 0 {
		err = s.svc.Snapshot(&buf)
	}
	s.mu.Unlock()
	if err != nil {
		return SetupResult{}, fmt.Errorf("setup: %w", err)
	}
	if len(todo) == 0 {
		return res, nil // a restart: everything is there
	}
	// Try what is missing on a copy of the state first, so a bad entry
	// leaves nothing half made.
	scratch, err := gamelift.RestoreService(&buf, s.cfg.Service)
	if err != nil {
		return SetupResult{}, fmt.Errorf("setup: %w", err)
	}
	for _, e := range todo {
		if _, err := scratch.Dispatch(now, e.op, e.body); err != nil {
			return SetupResult{}, fmt.Errorf("setup: %s: %w (nothing was created)", e.where, err)
		}
	}
	for _, e := range todo {
		if _, err := s.Do(e.op, e.body); err != nil {
			return res, fmt.Errorf("setup: %s: %w", e.where, err)
		}
		res.Created = append(res.Created, e.where+" "+e.name)
	}
	return res, nil
}

func setupExists(svc *gamelift.Service, e setupEntry) bool {
	if e.op == gamelift.OpCreateMatchmakingRuleSet {
		_, ok := svc.RuleSet(e.name)
		return ok
	}
	_, ok := svc.Engine().Configuration(e.name)
	return ok
}

// parseSetup checks a SetupFile document's shape and returns its create
// requests in order.
func parseSetup(data []byte) ([]setupEntry, error) {
	root, serr := strictjson.Parse(data)
	if serr != nil {
		line, col := strictjson.Position(data, serr.Offset)
		return nil, fmt.Errorf("setup: line %d, column %d: %s", line, col, serr.Msg)
	}
	const shape = `the document is {"RuleSets": [...], "Configurations": [...]}`
	if root == nil || root.Kind != '{' {
		return nil, fmt.Errorf("setup: %s", shape)
	}
	known := []string{"RuleSets", "Configurations"}
	for _, k := range root.Keys { // exact names, as the API's members
		if !slices.Contains(known, k.Name) {
			line, col := strictjson.Position(data, k.Start)
			return nil, fmt.Errorf("setup: line %d, column %d: unknown member %q%s; %s", line, col, k.Name, strictjson.DidYouMean(k.Name, known), shape)
		}
	}
	var f SetupFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("setup: %v; %s", err, shape)
	}
	if len(f.RuleSets)+len(f.Configurations) == 0 {
		return nil, fmt.Errorf("setup: the document has no RuleSets and no Configurations")
	}
	var out []setupEntry
	for i, raw := range f.RuleSets {
		where := fmt.Sprintf("RuleSets[%d]", i)
		body, err := inlineRuleSetBody(raw)
		if err != nil {
			return nil, fmt.Errorf("setup: %s: %v", where, err)
		}
		out = append(out, setupEntry{op: gamelift.OpCreateMatchmakingRuleSet, where: where, name: entryName(raw), body: body})
	}
	for i, raw := range f.Configurations {
		out = append(out, setupEntry{op: gamelift.OpCreateMatchmakingConfiguration, where: fmt.Sprintf("Configurations[%d]", i), name: entryName(raw), body: raw})
	}
	return out, nil
}

// entryName is an entry's Name member, or "" (the create operation then
// says what is wrong).
func entryName(raw json.RawMessage) string {
	var v struct{ Name string }
	json.Unmarshal(raw, &v)
	return v.Name
}

// inlineRuleSetBody turns a RuleSetBody given as an object into the string
// the API takes, and leaves every other entry as it is.
func inlineRuleSetBody(raw json.RawMessage) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("must be an object, the input of CreateMatchmakingRuleSet: %v", err)
	}
	b, ok := m["RuleSetBody"]
	if !ok || len(bytes.TrimSpace(b)) == 0 || bytes.TrimSpace(b)[0] != '{' {
		return raw, nil
	}
	str, err := json.Marshal(string(b))
	if err != nil {
		return nil, err
	}
	m["RuleSetBody"] = str
	return json.Marshal(m)
}
