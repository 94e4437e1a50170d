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

// Setup creates the rule sets, then the configurations, of a SetupFile
// document, in order. It stops at the first problem, with an error naming
// the entry (RuleSets[1], Configurations[0]) and the operation's error;
// what was created before it stays.
func (s *Server) Setup(data []byte) error {
	root, serr := strictjson.Parse(data)
	if serr != nil {
		line, col := strictjson.Position(data, serr.Offset)
		return fmt.Errorf("setup: line %d, column %d: %s", line, col, serr.Msg)
	}
	const shape = `the document is {"RuleSets": [...], "Configurations": [...]}`
	if root == nil || root.Kind != '{' {
		return fmt.Errorf("setup: %s", shape)
	}
	known := []string{"RuleSets", "Configurations"}
	for _, k := range root.Keys { // exact names, as the API's members
		if !slices.Contains(known, k.Name) {
			line, col := strictjson.Position(data, k.Start)
			return fmt.Errorf("setup: line %d, column %d: unknown member %q%s; %s", line, col, k.Name, strictjson.DidYouMean(k.Name, known), shape)
		}
	}
	var f SetupFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("setup: %v; %s", err, shape)
	}
	if len(f.RuleSets)+len(f.Configurations) == 0 {
		return fmt.Errorf("setup: the document has no RuleSets and no Configurations")
	}
	for i, raw := range f.RuleSets {
		body, err := inlineRuleSetBody(raw)
		if err != nil {
			return fmt.Errorf("setup: RuleSets[%d]: %v", i, err)
		}
		if _, err := s.Do(gamelift.OpCreateMatchmakingRuleSet, body); err != nil {
			return fmt.Errorf("setup: RuleSets[%d]: %w", i, err)
		}
	}
	for i, raw := range f.Configurations {
		if _, err := s.Do(gamelift.OpCreateMatchmakingConfiguration, raw); err != nil {
			return fmt.Errorf("setup: Configurations[%d]: %w", i, err)
		}
	}
	return nil
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
