package gamelift

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/matchforge/matchforge/engine"
)

// ReplayOptions configure Replay. The zero value means the defaults.
type ReplayOptions struct {
	// Seed seeds the engine (ids and random batching). Default 1.
	Seed uint64
	// Tick is the step interval in seconds. Default 1.
	Tick float64
	// Start is the time of second 0. Default 2026-01-01T00:00:00Z.
	Start time.Time
	// Until bounds how long, in seconds from second 0, stepping continues
	// after the last line while tickets are still pending. Default 43200.
	Until float64
	// Service configures the service; its Engine.Seed is replaced by Seed,
	// and EventMatchmakerData is always on.
	Service Options
	// Format is what Replay writes: FormatJSON (the default, also for "")
	// or FormatText, which is ProjectText of the JSON with Start as
	// second 0.
	Format string
}

// Limits of a replay: every line's at and until at most MaxReplaySeconds
// (about three years, far from where a time.Duration overflows), and at
// most MaxReplaySteps ticks to either, so that a scenario cannot ask for a
// run without end.
const (
	MaxReplaySeconds = 1e8
	MaxReplaySteps   = 10_000_000
)

// DefaultStart is the default time of second 0 of a replay.
var DefaultStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Validate reports options out of range.
func (o ReplayOptions) Validate() error {
	switch {
	case o.Tick < 0 || math.IsNaN(o.Tick) || math.IsInf(o.Tick, 0):
		return fmt.Errorf("replay: tick is %v; it must be a positive number of seconds", o.Tick)
	case o.Until < 0 || math.IsNaN(o.Until):
		return fmt.Errorf("replay: until is %v; it must not be negative", o.Until)
	case o.Format != "" && o.Format != FormatJSON && o.Format != FormatText:
		return fmt.Errorf("replay: format is %q; it must be %q or %q", o.Format, FormatJSON, FormatText)
	}
	return o.Service.Validate()
}

// ScenarioError reports a malformed scenario line.
type ScenarioError struct {
	Line int
	Msg  string
}

func (e *ScenarioError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Step is one line of a scenario: at seconds from second 0, call op with
// input.
type Step struct {
	At    float64         `json:"at"`
	Op    string          `json:"op"`
	Input json.RawMessage `json:"input"`
	line  int
}

// ReadScenario reads a scenario: JSON Lines of {"at", "op", "input"}. Blank
// lines and lines starting with # are skipped. at must not decrease and op
// must be an operation Dispatch knows; a violation is a *ScenarioError
// naming the line.
//
// Match ids, and the ids of the backfill tickets the engine opens itself,
// are made by the engine, so a scenario cannot know them in advance; inside
// input, these JSON strings stand for them, from the events so far:
//
//	"$match:TICKET"         the match that last took ticket TICKET (for
//	                        CompletePlacement, FailPlacement, and a
//	                        STANDALONE game session given by its match id)
//	"$backfill:TICKET"      the backfill ticket of that match
//	"$autobackfill:TICKET"  the automatic backfill ticket the game session
//	                        named when that match succeeded (D24)
func ReadScenario(r io.Reader) ([]Step, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var steps []Step
	last := 0.0
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		s, problem := parseStep(line)
		if problem != "" {
			return nil, &ScenarioError{n, problem}
		}
		if _, ok := required[s.Op]; !ok {
			return nil, &ScenarioError{n, fmt.Sprintf("unknown op %q", s.Op)}
		}
		if s.At < 0 || math.IsNaN(s.At) || math.IsInf(s.At, 0) {
			return nil, &ScenarioError{n, fmt.Sprintf("at is %v; it must be a number of seconds from 0", s.At)}
		}
		if s.At < last {
			return nil, &ScenarioError{n, fmt.Sprintf("at is %v, before the previous line's %v; lines must be in time order", s.At, last)}
		}
		if len(s.Input) > 0 && !json.Valid(s.Input) {
			return nil, &ScenarioError{n, "input is not valid JSON"}
		}
		last = s.At
		s.line = n
		steps = append(steps, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the scenario: %w", err)
	}
	return steps, nil
}

type lineOutput struct {
	At     json.Number `json:"at"`
	Op     string      `json:"op"`
	Output any         `json:"output,omitempty"`
	Error  *Error      `json:"error,omitempty"`
}

type eventOutput struct {
	At    json.Number `json:"at"`
	Event *Event      `json:"event"`
}

func seconds(f float64) json.Number { return json.Number(strconv.FormatFloat(f, 'f', -1, 64)) }

// Replay runs a scenario on a virtual clock and writes JSON Lines to w: for
// each line its output or error, then the events it caused, and the events
// of each step. With Format FormatText it writes the text projection of
// those lines instead (see ProjectText). The clock visits every line's at and every multiple of
// Tick, in order; at a line it applies the line, at a tick it steps the
// engine, and at equal times lines come first. After the last line it keeps
// stepping until no ticket is QUEUED, SEARCHING or REQUIRES_ACCEPTANCE, or
// Until seconds have passed. The same scenario and options give the same
// bytes.
func Replay(steps []Step, w io.Writer, opts ReplayOptions) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Tick == 0 {
		opts.Tick = 1
	}
	if opts.Until == 0 {
		opts.Until = 43200
	}
	if opts.Start.IsZero() {
		opts.Start = DefaultStart
	}
	switch {
	case opts.Until > MaxReplaySeconds:
		return fmt.Errorf("replay: until is %v seconds; the limit is %v", opts.Until, float64(MaxReplaySeconds))
	case opts.Until/opts.Tick > MaxReplaySteps:
		return fmt.Errorf("replay: until %v seconds at a tick of %v seconds is %.0f steps; the limit is %d: lengthen the tick or shorten until",
			opts.Until, opts.Tick, opts.Until/opts.Tick, MaxReplaySteps)
	}
	for _, s := range steps {
		switch {
		case s.At > MaxReplaySeconds:
			return &ScenarioError{s.line, fmt.Sprintf("at is %v; the limit is %v seconds", s.At, float64(MaxReplaySeconds))}
		case s.At/opts.Tick > MaxReplaySteps:
			return &ScenarioError{s.line, fmt.Sprintf("at is %v, %.0f ticks of %v seconds away; the limit is %d ticks: lengthen the tick", s.At, s.At/opts.Tick, opts.Tick, MaxReplaySteps)}
		}
	}
	sopts := opts.Service
	sopts.Engine.Seed = opts.Seed
	sopts.EventMatchmakerData = true // replays show the match results in full
	svc, err := NewService(sopts)
	if err != nil {
		return err
	}
	sink := w
	var tw *textWriter
	if opts.Format == FormatText {
		tw = newTextWriter(w, opts.Start)
		sink = tw
	}
	bw := bufio.NewWriter(sink)
	finish := func() error {
		if err := bw.Flush(); err != nil {
			return err
		}
		if tw != nil {
			return tw.Close()
		}
		return nil
	}
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	at := func(s float64) time.Time {
		return opts.Start.Add(time.Duration(math.Round(s * float64(time.Second))))
	}
	refs := matchRefs{}
	r := svc.Renderer()
	writeEvents := func(t float64, evs []engine.Event) error {
		for i := range evs {
			refs.record(&evs[i])
			out := r.Render(&evs[i])
			if err := enc.Encode(eventOutput{seconds(t), &out}); err != nil {
				return err
			}
		}
		return nil
	}
	i, k := 0, 0
	for {
		tick := float64(k) * opts.Tick
		if i < len(steps) && steps[i].At <= tick {
			s := steps[i]
			input, err := refs.substitute(s.Input)
			if err != nil {
				finish()
				return &ScenarioError{s.line, err.Error()}
			}
			out, err := svc.Dispatch(at(s.At), s.Op, input)
			lo := lineOutput{At: seconds(s.At), Op: s.Op}
			if err != nil {
				var ge *Error
				if !errors.As(err, &ge) {
					finish()
					return &ScenarioError{s.line, err.Error()}
				}
				lo.Error = ge
			} else {
				lo.Output = out
			}
			if err := enc.Encode(lo); err != nil {
				return err
			}
			if err := writeEvents(s.At, svc.Engine().Events()); err != nil {
				return err
			}
			i++
			continue
		}
		if i >= len(steps) && (svc.Engine().Pending() == 0 || tick > opts.Until) {
			break
		}
		if err := writeEvents(tick, svc.Engine().Step(at(tick))); err != nil {
			return err
		}
		k++
	}
	return finish()
}

// matchRefs remembers, per ticket id, what the events last said of the
// match that took it, for the references of scenario inputs (see
// ReadScenario).
type matchRefs map[string]matchRef

type matchRef struct {
	match, backfill, auto string
}

var refPattern = regexp.MustCompile(`"\$(match|backfill|autobackfill):([^"\\]*)"`)

func (r matchRefs) record(ev *engine.Event) {
	switch ev.Kind {
	case engine.EventPotentialMatchCreated:
		ref := matchRef{match: ev.Match.ID}
		for _, t := range ev.Tickets {
			if t.Backfill() {
				ref.backfill = t.ID()
			}
		}
		for _, t := range ev.Tickets {
			r[t.ID()] = ref
		}
	case engine.EventSucceeded:
		if ev.Session == nil {
			return
		}
		for _, t := range ev.Tickets {
			ref := r[t.ID()]
			ref.auto = ev.Session.AutoBackfillTicket
			r[t.ID()] = ref
		}
	}
}

// substitute replaces every reference in input by the id it stands for.
func (r matchRefs) substitute(input json.RawMessage) (json.RawMessage, error) {
	if !bytes.Contains(input, []byte(`"$`)) {
		return input, nil
	}
	var missing error
	out := refPattern.ReplaceAllFunc(input, func(b []byte) []byte {
		m := refPattern.FindSubmatch(b)
		kind, t := string(m[1]), string(m[2])
		ref, ok := r[t]
		id := ref.match
		switch kind {
		case "backfill":
			id = ref.backfill
		case "autobackfill":
			id = ref.auto
		}
		if !ok || id == "" {
			if missing == nil {
				missing = fmt.Errorf("input refers to $%s:%s, but the events so far name no such id for ticket %s", kind, t, t)
			}
			return b
		}
		return strconv.AppendQuote(nil, id)
	})
	if missing != nil {
		return nil, missing
	}
	return out, nil
}

// stepMembers are the members of a scenario line, in the order messages
// list them.
var stepMembers = []string{"at", "op", "input"}

// parseStep reads one scenario line, or says in plain words what is wrong
// with it: where it is not JSON, a member it should not have, a member of
// the wrong JSON type.
func parseStep(line []byte) (Step, string) {
	var s Step
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&raw); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return s, fmt.Sprintf("the line is a JSON %s; it must be an object of at, op and input", jsonKind(line))
		}
		return s, "the line " + jsonProblem(line, err)
	}
	if dec.InputOffset() != int64(len(line)) {
		return s, "text follows the line's JSON object; give one object per line"
	}
	if raw == nil {
		return s, "the line is null; it must be an object of at, op and input"
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if !slices.Contains(stepMembers, k) {
			return s, fmt.Sprintf("the line has a member %q; a line has only at, op and input", k)
		}
	}
	if v, ok := raw["at"]; ok {
		if k := jsonKind(v); k != "number" {
			return s, fmt.Sprintf("at is a JSON %s; it must be a number of seconds from 0", k)
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return s, fmt.Sprintf("at is %s, beyond the largest number a value can hold", v)
		}
		s.At = f
	}
	if v, ok := raw["op"]; ok {
		if k := jsonKind(v); k != "string" {
			return s, fmt.Sprintf("op is a JSON %s; it must be the name of an operation, such as \"StartMatchmaking\"", k)
		}
		if err := json.Unmarshal(v, &s.Op); err != nil {
			return s, "op " + jsonProblem(v, err)
		}
	} else {
		return s, "the line has no op; name an operation, such as \"StartMatchmaking\""
	}
	s.Input = raw["input"]
	return s, ""
}
