package gamelift

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/matchforge/matchforge/ticket"
)

// Operation names: the FlexMatch operations of the GameLift API, and this
// library's two placement reports for WITH_QUEUE configurations (D14).
const (
	OpAcceptMatch                       = "AcceptMatch"
	OpCreateMatchmakingConfiguration    = "CreateMatchmakingConfiguration"
	OpCreateMatchmakingRuleSet          = "CreateMatchmakingRuleSet"
	OpDeleteMatchmakingConfiguration    = "DeleteMatchmakingConfiguration"
	OpDeleteMatchmakingRuleSet          = "DeleteMatchmakingRuleSet"
	OpDescribeMatchmaking               = "DescribeMatchmaking"
	OpDescribeMatchmakingConfigurations = "DescribeMatchmakingConfigurations"
	OpDescribeMatchmakingRuleSets       = "DescribeMatchmakingRuleSets"
	OpStartMatchBackfill                = "StartMatchBackfill"
	OpStartMatchmaking                  = "StartMatchmaking"
	OpStopMatchmaking                   = "StopMatchmaking"
	OpUpdateMatchmakingConfiguration    = "UpdateMatchmakingConfiguration"
	OpValidateMatchmakingRuleSet        = "ValidateMatchmakingRuleSet"
	OpCompletePlacement                 = "CompletePlacement"
	OpFailPlacement                     = "FailPlacement"
	// OpReportPlayersLeft reports players who left a game session, so that
	// automatic backfill can refill their slots (beyond FlexMatch).
	OpReportPlayersLeft = "ReportPlayersLeft"
	// OpEndGameSession reports that a game session is over: its backfill
	// stops and the engine forgets it (beyond FlexMatch).
	OpEndGameSession = "EndGameSession"
)

// ErrUnknownOperation is returned (not as an *Error) for an operation name
// this package does not know.
var ErrUnknownOperation = errors.New("gamelift: unknown operation")

// required lists each operation's required input members (from the API
// model; CompletePlacement and FailPlacement are this library's).
var required = map[string][]string{
	OpAcceptMatch:                       {"TicketId", "PlayerIds", "AcceptanceType"},
	OpCreateMatchmakingConfiguration:    {"Name", "RequestTimeoutSeconds", "AcceptanceRequired", "RuleSetName"},
	OpCreateMatchmakingRuleSet:          {"Name", "RuleSetBody"},
	OpDeleteMatchmakingConfiguration:    {"Name"},
	OpDeleteMatchmakingRuleSet:          {"Name"},
	OpDescribeMatchmaking:               {"TicketIds"},
	OpStartMatchBackfill:                {"ConfigurationName", "Players"},
	OpStartMatchmaking:                  {"ConfigurationName", "Players"},
	OpStopMatchmaking:                   {"TicketId"},
	OpUpdateMatchmakingConfiguration:    {"Name"},
	OpValidateMatchmakingRuleSet:        {"RuleSetBody"},
	OpCompletePlacement:                 {"MatchId", "GameSessionArn"},
	OpFailPlacement:                     {"MatchId"},
	OpReportPlayersLeft:                 {"GameSessionArn", "PlayerIds"},
	OpEndGameSession:                    {"GameSessionArn"},
	OpDescribeMatchmakingRuleSets:       nil,
	OpDescribeMatchmakingConfigurations: nil,
}

// Operations returns every operation name Dispatch knows, sorted.
func Operations() []string {
	return slices.Sorted(maps.Keys(required))
}

// Dispatch decodes body as the input of op, calls the service at now, and
// returns the output value (ready for json.Marshal) or an *Error. It returns
// ErrUnknownOperation for an operation it does not know. Every error leaves
// the service unchanged (D25).
func (s *Service) Dispatch(now time.Time, op string, body []byte) (any, error) {
	req, ok := required[op]
	if !ok {
		return nil, fmt.Errorf("%w %q; the operations are %s", ErrUnknownOperation, op, strings.Join(Operations(), ", "))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := checkRequired(op, body, req); err != nil {
		return nil, err
	}
	switch op {
	case OpStartMatchmaking:
		return run(op, body, func(in StartMatchmakingInput) (any, error) {
			t, err := s.StartMatchmaking(now, in)
			return TicketOutput{t}, err
		})
	case OpStartMatchBackfill:
		return run(op, body, func(in StartMatchBackfillInput) (any, error) {
			t, err := s.StartMatchBackfill(now, in)
			return TicketOutput{t}, err
		})
	case OpDescribeMatchmaking:
		return run(op, body, func(in DescribeMatchmakingInput) (any, error) {
			list, err := s.DescribeMatchmaking(in.TicketIDs)
			return DescribeMatchmakingOutput{list}, err
		})
	case OpStopMatchmaking:
		return run(op, body, func(in StopMatchmakingInput) (any, error) {
			return Empty{}, s.StopMatchmaking(now, in.TicketID)
		})
	case OpAcceptMatch:
		return run(op, body, func(in AcceptMatchInput) (any, error) {
			return Empty{}, s.AcceptMatch(now, in)
		})
	case OpValidateMatchmakingRuleSet:
		return run(op, body, func(in ValidateMatchmakingRuleSetInput) (any, error) {
			return ValidateMatchmakingRuleSetOutput{true}, s.ValidateMatchmakingRuleSet(in.RuleSetBody)
		})
	case OpCreateMatchmakingRuleSet:
		return run(op, body, func(in CreateMatchmakingRuleSetInput) (any, error) {
			rs, err := s.CreateMatchmakingRuleSet(now, in)
			return RuleSetOutput{rs}, err
		})
	case OpDescribeMatchmakingRuleSets:
		return run(op, body, func(in DescribeMatchmakingRuleSetsInput) (any, error) {
			limit, err := checkLimit(in.Limit)
			if err != nil {
				return nil, err
			}
			list, next, err := s.DescribeMatchmakingRuleSets(in.Names, limit, in.NextToken)
			return DescribeMatchmakingRuleSetsOutput{list, next}, err
		})
	case OpDeleteMatchmakingRuleSet:
		return run(op, body, func(in NameInput) (any, error) {
			return Empty{}, s.DeleteMatchmakingRuleSet(now, in.Name)
		})
	case OpCreateMatchmakingConfiguration:
		return run(op, body, func(in CreateMatchmakingConfigurationInput) (any, error) {
			c, err := s.CreateMatchmakingConfiguration(now, in)
			return ConfigurationOutput{c}, err
		})
	case OpUpdateMatchmakingConfiguration:
		return run(op, body, func(in UpdateMatchmakingConfigurationInput) (any, error) {
			c, err := s.UpdateMatchmakingConfiguration(now, in)
			return ConfigurationOutput{c}, err
		})
	case OpDescribeMatchmakingConfigurations:
		return run(op, body, func(in DescribeMatchmakingConfigurationsInput) (any, error) {
			limit, err := checkLimit(in.Limit)
			if err != nil {
				return nil, err
			}
			list, next, err := s.DescribeMatchmakingConfigurations(in.Names, in.RuleSetName, limit, in.NextToken)
			return DescribeMatchmakingConfigurationsOutput{list, next}, err
		})
	case OpDeleteMatchmakingConfiguration:
		return run(op, body, func(in NameInput) (any, error) {
			return Empty{}, s.DeleteMatchmakingConfiguration(now, in.Name)
		})
	case OpCompletePlacement:
		return run(op, body, func(in CompletePlacementInput) (any, error) {
			return Empty{}, s.CompletePlacement(now, in)
		})
	case OpFailPlacement:
		return run(op, body, func(in FailPlacementInput) (any, error) {
			return Empty{}, s.FailPlacement(now, in)
		})
	case OpReportPlayersLeft:
		return run(op, body, func(in ReportPlayersLeftInput) (any, error) {
			return Empty{}, s.ReportPlayersLeft(now, in.GameSessionArn, in.PlayerIDs)
		})
	case OpEndGameSession:
		return run(op, body, func(in EndGameSessionInput) (any, error) {
			return Empty{}, s.EndGameSession(now, in.GameSessionArn)
		})
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownOperation, op)
}

// checkLimit rejects a Limit given as less than 1 (the API's minimum); the
// engine takes 0 to mean the default.
func checkLimit(limit *int) (int, error) {
	if limit == nil {
		return 0, nil
	}
	if *limit < 1 {
		return 0, invalidf("Limit is %d; it must be 1 to 10", *limit)
	}
	return *limit, nil
}

// run decodes body as the input of op and calls f with it. An error of f
// becomes an *Error (ToError), and no output goes with it.
func run[In any](op string, body []byte, f func(in In) (any, error)) (any, error) {
	var in In
	if err := decode(op, body, &in); err != nil {
		return nil, err
	}
	out, err := f(in)
	if err != nil {
		return nil, toError(err)
	}
	return out, nil
}

// checkRequired reports a required member that is missing or null.
func checkRequired(op string, body []byte, req []string) error {
	if k := jsonKind(body); k != "object" && k != "null" {
		return invalidf("the %s input must be a JSON object, not a JSON %s", op, k)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return invalidf("the %s input %s", op, jsonProblem(body, err))
	}
	for _, name := range req {
		v, ok := raw[name]
		if !ok || string(v) == "null" {
			return invalidf("%s is required in the %s input", name, op)
		}
	}
	return nil
}

// decode reads body into dst. Before decoding it checks the body's shape
// against dst's type, so that an unknown member (member names are
// case-sensitive, as in the API model) or a value of the wrong JSON type is
// reported with its full path, such as Players[0].PlayerAttributes.skill.N.
func decode(op string, body []byte, dst any) error {
	if err := checkShape(op, "", body, reflect.TypeOf(dst).Elem()); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return invalidf("the %s input %s", op, decodeProblem(body, err))
	}
	return nil
}

// decodeProblem says why a body whose shape checkShape accepted still
// failed to decode, in plain words: the member's path and the problem,
// never the Go types.
func decodeProblem(body []byte, err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("has %s at %s, which does not fit there", te.Value, te.Field)
		}
		return fmt.Sprintf("has %s where it cannot be", te.Value)
	}
	return jsonProblem(body, err)
}

var attributeValueType = reflect.TypeFor[ticket.AttributeValue]()

// attributeValueShape is the JSON shape of the AttributeValue union.
type attributeValueShape struct {
	S   string             `json:"S"`
	N   float64            `json:"N"`
	SL  []string           `json:"SL"`
	SDM map[string]float64 `json:"SDM"`
}

// checkShape walks raw against t: objects must have only the members of t
// (exact names), and every value must have the JSON type t expects (an
// integer for Go integers). null is accepted anywhere (it means absent).
func checkShape(op, path string, raw json.RawMessage, t reflect.Type) error {
	kind := jsonKind(raw)
	if kind == "null" {
		return nil
	}
	if t == attributeValueType {
		t = reflect.TypeFor[attributeValueShape]()
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	wrong := func(want string) error {
		if path == "" {
			return invalidf("the %s input must be %s, not a JSON %s", op, want, kind)
		}
		return invalidf("%s in the %s input must be %s, not a JSON %s", path, op, want, kind)
	}
	switch t.Kind() {
	case reflect.String:
		if kind != "string" {
			return wrong("a string")
		}
	case reflect.Bool:
		if kind != "boolean" {
			return wrong("a boolean")
		}
	case reflect.Float32, reflect.Float64:
		if kind != "number" {
			return wrong("a number")
		}
		if _, err := strconv.ParseFloat(string(bytes.TrimSpace(raw)), 64); err != nil {
			return invalidf("%s in the %s input is %s, beyond the largest number a value can hold (about 1.8e308)", path, op, bytes.TrimSpace(raw))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if kind != "number" {
			return wrong("an integer")
		}
		if _, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64); err != nil {
			return invalidf("%s in the %s input must be an integer, not %s", path, op, bytes.TrimSpace(raw))
		}
	case reflect.Slice:
		if kind != "array" {
			return wrong("a list")
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return invalidf("%s in the %s input is malformed: %s", path, op, strings.TrimPrefix(err.Error(), "json: "))
		}
		for i, item := range items {
			if err := checkShape(op, fmt.Sprintf("%s[%d]", path, i), item, t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Map:
		if kind != "object" {
			return wrong("an object")
		}
		members, err := objectMembers(raw)
		if err != nil {
			return invalidf("%s in the %s input is malformed: %s", path, op, err)
		}
		for _, m := range members {
			if err := checkShape(op, joinPath(path, m.name), m.value, t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Struct:
		if kind != "object" {
			return wrong("an object")
		}
		members, err := objectMembers(raw)
		if err != nil {
			return invalidf("the %s input is malformed: %s", op, err)
		}
		fields := structFields(t)
		for _, m := range members {
			ft, ok := fields[m.name]
			if !ok {
				if path == "" {
					return invalidf("the %s input has no member %q", op, m.name)
				}
				return invalidf("%s in the %s input has no member %q", path, op, m.name)
			}
			if err := checkShape(op, joinPath(path, m.name), m.value, ft); err != nil {
				return err
			}
		}
	}
	return nil
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// structFields maps the JSON member names of t's fields to their types.
func structFields(t reflect.Type) map[string]reflect.Type {
	out := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

type member struct {
	name  string
	value json.RawMessage
}

// objectMembers returns an object's members in document order.
func objectMembers(raw json.RawMessage) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, member{tok.(string), v})
	}
	return out, nil
}

// jsonKind names the JSON type of a value by its first character.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "empty value"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
