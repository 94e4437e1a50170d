package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

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
//
// With Config.Backend there is no local state to copy, so Setup asks the
// backend which entries exist (DescribeMatchmakingRuleSets and
// DescribeMatchmakingConfigurations by name), checks every missing one
// before it creates any (each rule set's body by the backend's
// ValidateMatchmakingRuleSet; then the whole of each create, rule sets and
// configurations, on an empty local service of Config.Service, given the
// backend's copies of the existing rule sets the configurations use), and
// then creates the missing ones through the backend, rule sets first. A
// check that fails creates nothing, as above. A create the backend refuses
// because someone else made the entry meanwhile (every node of a cluster
// may run the same setup at once) counts the entry as kept; any other
// refusal (a limit) stops Setup with the error naming the entry, what it
// created before stays, and running Setup again creates the rest.
func (s *Server) Setup(data []byte) (SetupResult, error) {
	entries, err := parseSetup(data)
	if err != nil {
		return SetupResult{}, err
	}
	if s.cfg.Backend != nil {
		return s.setupBackend(entries)
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

// setupBackend is Setup with a Backend.
func (s *Server) setupBackend(entries []setupEntry) (SetupResult, error) {
	ctx := context.Background()
	var res SetupResult
	var todo []setupEntry
	for _, e := range entries {
		ok, err := s.backendHas(ctx, e)
		if err != nil {
			return SetupResult{}, fmt.Errorf("setup: %s: finding out whether it exists: %w (nothing was created)", e.where, err)
		}
		if ok {
			res.Kept = append(res.Kept, e.where+" "+e.name)
		} else {
			todo = append(todo, e)
		}
	}
	if len(todo) == 0 {
		return res, nil
	}
	// The bodies of the missing rule sets, by the backend's rules.
	for _, e := range todo {
		if e.op != gamelift.OpCreateMatchmakingRuleSet {
			continue
		}
		var in struct{ RuleSetBody json.RawMessage }
		json.Unmarshal(e.body, &in) // a malformed entry: the dry run below says why
		if len(in.RuleSetBody) == 0 || in.RuleSetBody[0] != '"' {
			continue
		}
		body, _ := json.Marshal(map[string]json.RawMessage{"RuleSetBody": in.RuleSetBody})
		if _, err := s.DoContext(ctx, gamelift.OpValidateMatchmakingRuleSet, body, ""); err != nil {
			return SetupResult{}, fmt.Errorf("setup: %s: %w (nothing was created)", e.where, err)
		}
	}
	// Everything else, on an empty service that has only what the missing
	// entries need.
	scratch, err := gamelift.NewService(s.cfg.Service)
	if err != nil {
		return SetupResult{}, fmt.Errorf("setup: %w", err)
	}
	now := s.cfg.Clock()
	for _, e := range todo {
		if e.op == gamelift.OpCreateMatchmakingConfiguration {
			if err := s.copyRuleSet(ctx, scratch, now, e); err != nil {
				return SetupResult{}, fmt.Errorf("setup: %s: %w (nothing was created)", e.where, err)
			}
		}
		if _, err := scratch.Dispatch(now, e.op, e.body); err != nil {
			return SetupResult{}, fmt.Errorf("setup: %s: %w (nothing was created)", e.where, err)
		}
	}
	for _, e := range todo {
		if _, err := s.Do(e.op, e.body); err != nil {
			// Other nodes of a cluster run the same setup at the same
			// time: an entry one of them made meanwhile is kept.
			if ok, herr := s.backendHas(ctx, e); herr == nil && ok {
				res.Kept = append(res.Kept, e.where+" "+e.name)
				continue
			}
			return res, fmt.Errorf("setup: %s: %w", e.where, err)
		}
		res.Created = append(res.Created, e.where+" "+e.name)
	}
	return res, nil
}

// backendHas asks the backend whether e's rule set or configuration
// exists. An entry whose name the backend refuses to look up (empty, or
// not a valid name) counts as missing: creating it says what is wrong.
func (s *Server) backendHas(ctx context.Context, e setupEntry) (bool, error) {
	if e.name == "" {
		return false, nil
	}
	in, _ := json.Marshal(map[string][]string{"Names": {e.name}})
	op := gamelift.OpDescribeMatchmakingConfigurations
	if e.op == gamelift.OpCreateMatchmakingRuleSet {
		op = gamelift.OpDescribeMatchmakingRuleSets
	}
	out, err := s.DoContext(ctx, op, in, "")
	if err != nil {
		if errors.Is(err, gamelift.ErrNotFound) || errors.Is(err, gamelift.ErrInvalidRequest) {
			return false, nil
		}
		return false, err
	}
	var list struct {
		RuleSets       []struct{ RuleSetName string }
		Configurations []struct{ Name string }
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return false, fmt.Errorf("%s answered %q: %v", op, out, err)
	}
	for _, r := range list.RuleSets {
		if r.RuleSetName == e.name {
			return true, nil
		}
	}
	for _, c := range list.Configurations {
		if c.Name == e.name {
			return true, nil
		}
	}
	return false, nil
}

// copyRuleSet puts into scratch, when it does not have it yet, the
// backend's rule set that configuration entry e names, so that e can be
// checked there. A rule set the backend does not have is left out:
// creating e on scratch then says so.
func (s *Server) copyRuleSet(ctx context.Context, scratch *gamelift.Service, now time.Time, e setupEntry) error {
	var in struct{ RuleSetName string }
	if json.Unmarshal(e.body, &in) != nil || in.RuleSetName == "" {
		return nil // creating e says what is wrong
	}
	ref, _ := json.Marshal(map[string][]string{"Names": {in.RuleSetName}})
	if _, err := scratch.Dispatch(now, gamelift.OpDescribeMatchmakingRuleSets, ref); err == nil {
		return nil // one of the missing entries, checked already
	}
	out, err := s.DoContext(ctx, gamelift.OpDescribeMatchmakingRuleSets, ref, "")
	if errors.Is(err, gamelift.ErrNotFound) || errors.Is(err, gamelift.ErrInvalidRequest) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading its rule set %q: %w", in.RuleSetName, err)
	}
	var list gamelift.DescribeMatchmakingRuleSetsOutput
	if err := json.Unmarshal(out, &list); err != nil || len(list.RuleSets) == 0 {
		return nil
	}
	rs := list.RuleSets[0]
	body, _ := json.Marshal(gamelift.CreateMatchmakingRuleSetInput{Name: rs.RuleSetName, RuleSetBody: rs.RuleSetBody})
	if _, err := scratch.Dispatch(now, gamelift.OpCreateMatchmakingRuleSet, body); err != nil {
		return fmt.Errorf("its rule set %q, as the backend has it, does not load here: %w", rs.RuleSetName, err)
	}
	return nil
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
