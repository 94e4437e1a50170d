package gamelift

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"slices"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/ruleset"
)

// ErrSnapshot is wrapped by every error of RestoreService about the
// snapshot itself (damaged, truncated, of a newer version); errors of the
// engine's part wrap engine.ErrSnapshot too.
var ErrSnapshot = errors.New("gamelift: snapshot")

// Service snapshot format: the magic, a version, the length and CRC-32C of
// the service's records (JSON), the records, then the engine's snapshot.
const (
	serviceMagic   = "MFSVCSNP"
	serviceVersion = 1
)

// serviceState is the part of a Service beyond its engine: the API
// records of rule sets and configurations.
type serviceState struct {
	RuleSets       []ruleSetState       `json:"ruleSets"`
	Configurations []configurationState `json:"configurations"`
}

type ruleSetState struct {
	API  MatchmakingRuleSet `json:"api"`
	Tags []Tag              `json:"tags,omitempty"`
}

type configurationState struct {
	API  MatchmakingConfiguration `json:"api"`
	Tags []Tag                    `json:"tags,omitempty"`
}

// Snapshot writes the whole state of the service: its rule sets and
// configurations as API resources, and its engine's snapshot (see
// engine.Engine.Snapshot, whose conditions apply), length-prefixed.
// RestoreService reads it back and nothing after it, so a caller may
// append its own state. The bytes depend only on the state.
func (s *Service) Snapshot(w io.Writer) error {
	var st serviceState
	for _, name := range slices.Sorted(maps.Keys(s.ruleSets)) {
		r := s.ruleSets[name]
		st.RuleSets = append(st.RuleSets, ruleSetState{API: r.api, Tags: r.tags})
	}
	for _, name := range slices.Sorted(maps.Keys(s.configs)) {
		c := s.configs[name]
		st.Configurations = append(st.Configurations, configurationState{API: c.api, Tags: c.tags})
	}
	js, err := json.Marshal(st)
	if err != nil {
		return err
	}
	var head [len(serviceMagic) + 16]byte
	copy(head[:], serviceMagic)
	binary.LittleEndian.PutUint32(head[len(serviceMagic):], serviceVersion)
	binary.LittleEndian.PutUint64(head[len(serviceMagic)+4:], uint64(len(js)))
	binary.LittleEndian.PutUint32(head[len(serviceMagic)+12:], crc32.Checksum(js, crc32.MakeTable(crc32.Castagnoli)))
	if _, err := w.Write(head[:]); err != nil {
		return err
	}
	if _, err := w.Write(js); err != nil {
		return err
	}
	// The engine's part, length-prefixed, so that a caller may write more
	// after the service's snapshot.
	var eng bytes.Buffer
	if err := s.e.Snapshot(&eng); err != nil {
		return err
	}
	if _, err := w.Write(binary.LittleEndian.AppendUint64(nil, uint64(eng.Len()))); err != nil {
		return err
	}
	_, err = w.Write(eng.Bytes())
	return err
}

// RestoreService reads a snapshot written by Service.Snapshot and returns
// the service it describes, with opts (which must read the rule sets the
// snapshot holds: the same Go rule types). A damaged, truncated or
// newer-version snapshot is refused with an error wrapping ErrSnapshot, and
// nothing is half-loaded.
func RestoreService(r io.Reader, opts Options) (*Service, error) {
	s, err := NewService(opts)
	if err != nil {
		return nil, err
	}
	var head [len(serviceMagic) + 16]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("%w: the header is truncated: %v", ErrSnapshot, err)
	}
	if string(head[:len(serviceMagic)]) != serviceMagic {
		return nil, fmt.Errorf("%w: not a service snapshot (its header is wrong)", ErrSnapshot)
	}
	if v := binary.LittleEndian.Uint32(head[len(serviceMagic):]); v != serviceVersion {
		return nil, fmt.Errorf("%w: version %d; this build reads version %d", ErrSnapshot, v, serviceVersion)
	}
	n := binary.LittleEndian.Uint64(head[len(serviceMagic)+4:])
	if n > 1<<30 {
		return nil, fmt.Errorf("%w: the records claim %d bytes", ErrSnapshot, n)
	}
	js := make([]byte, n)
	if _, err := io.ReadFull(r, js); err != nil {
		return nil, fmt.Errorf("%w: the records are truncated: %v", ErrSnapshot, err)
	}
	if crc32.Checksum(js, crc32.MakeTable(crc32.Castagnoli)) != binary.LittleEndian.Uint32(head[len(serviceMagic)+12:]) {
		return nil, fmt.Errorf("%w: the records' checksum does not match", ErrSnapshot)
	}
	var st serviceState
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("%w: the records do not decode: %v", ErrSnapshot, err)
	}
	byBody := map[string]*ruleset.RuleSet{}
	for _, rs := range st.RuleSets {
		compiled, err := s.compileBody(rs.API.RuleSetBody)
		if err != nil {
			return nil, fmt.Errorf("%w: rule set %q no longer compiles: %v", ErrSnapshot, rs.API.RuleSetName, err)
		}
		if prev, ok := byBody[rs.API.RuleSetBody]; ok {
			compiled = prev // one compiled rule set per body, as the engine shares it
		}
		byBody[rs.API.RuleSetBody] = compiled
		s.ruleSets[rs.API.RuleSetName] = &ruleSetRec{api: rs.API, compiled: compiled, tags: rs.Tags}
	}
	var lenBuf [8]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		return nil, fmt.Errorf("%w: the engine's part is missing: %v", ErrSnapshot, err)
	}
	engLen := binary.LittleEndian.Uint64(lenBuf[:])
	if engLen > 1<<40 {
		return nil, fmt.Errorf("%w: the engine's part claims %d bytes", ErrSnapshot, engLen)
	}
	e, err := engine.RestoreWith(io.LimitReader(r, int64(engLen)), opts.Engine, func(body string) (*ruleset.RuleSet, error) {
		if rs, ok := byBody[body]; ok {
			return rs, nil
		}
		return s.compileBody(body)
	})
	if err != nil {
		return nil, err
	}
	s.e = e
	for _, c := range st.Configurations {
		rec, ok := s.ruleSets[c.API.RuleSetName]
		if !ok {
			return nil, fmt.Errorf("%w: configuration %q names rule set %q, which the snapshot lacks", ErrSnapshot, c.API.Name, c.API.RuleSetName)
		}
		if _, ok := e.Configuration(c.API.Name); !ok {
			return nil, fmt.Errorf("%w: configuration %q is missing from the engine's part", ErrSnapshot, c.API.Name)
		}
		rec.users++
		s.configs[c.API.Name] = &configRec{api: c.API, tags: c.Tags, rs: rec}
	}
	return s, nil
}
