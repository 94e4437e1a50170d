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
	"sync"
	"time"

	"github.com/matchforge/matchforge/internal/strictjson"
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

// ReadOnly reports whether op never changes the service: the Describe
// operations and ValidateMatchmakingRuleSet. A log of the service's changes
// need not record them.
func ReadOnly(op string) bool {
	switch op {
	case OpDescribeMatchmaking, OpDescribeMatchmakingConfigurations, OpDescribeMatchmakingRuleSets, OpValidateMatchmakingRuleSet:
		return true
	}
	return false
}

// Dispatch decodes body as the input of op, calls the service at now, and
// returns the output value (ready for json.Marshal) or an *Error. It returns
// ErrUnknownOperation for an operation it does not know. Every error leaves
// the service unchanged (D25). It is Decode followed by Execute.
func (s *Service) Dispatch(now time.Time, op string, body []byte) (any, error) {
	req, err := Decode(op, body)
	if err != nil {
		return nil, err
	}
	return s.Execute(now, req)
}

// Request is an operation with its decoded input, ready to Execute. It
// holds no reference to a service.
type Request struct {
	op   string
	call func(s *Service, now time.Time) (any, error)
}

// Op returns the request's operation name.
func (r *Request) Op() string { return r.op }

// Execute runs a decoded request on the service at now and returns its
// output value or an *Error. Every error leaves the service unchanged.
func (s *Service) Execute(now time.Time, r *Request) (any, error) {
	out, err := r.call(s, now)
	if err != nil {
		return nil, toError(err)
	}
	return out, nil
}

// Decode reads body as the input of op: its JSON syntax, its required
// members, and its shape against the input type (member names are exact,
// values have the type the API model gives them), reporting the first
// problem as an *Error with the member's path. It needs no service, so a
// server decodes requests concurrently and executes them one at a time. It
// returns ErrUnknownOperation for an operation it does not know.
func Decode(op string, body []byte) (*Request, error) {
	req, ok := required[op]
	if !ok {
		return nil, fmt.Errorf("%w %q; the operations are %s", ErrUnknownOperation, op, strings.Join(Operations(), ", "))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	root, err := parseInput(op, body)
	if err != nil {
		return nil, err
	}
	if err := checkRequired(op, body, root, req); err != nil {
		return nil, err
	}
	bind := func(call func(s *Service, now time.Time) (any, error)) (*Request, error) {
		return &Request{op: op, call: call}, nil
	}
	switch op {
	case OpStartMatchmaking:
		return prepare(op, body, root, func(in StartMatchmakingInput, s *Service, now time.Time) (any, error) {
			t, err := s.StartMatchmaking(now, in)
			return TicketOutput{t}, err
		})
	case OpStartMatchBackfill:
		return prepare(op, body, root, func(in StartMatchBackfillInput, s *Service, now time.Time) (any, error) {
			t, err := s.StartMatchBackfill(now, in)
			return TicketOutput{t}, err
		})
	case OpDescribeMatchmaking:
		return prepare(op, body, root, func(in DescribeMatchmakingInput, s *Service, _ time.Time) (any, error) {
			list, err := s.DescribeMatchmaking(in.TicketIDs)
			return DescribeMatchmakingOutput{list}, err
		})
	case OpStopMatchmaking:
		return prepare(op, body, root, func(in StopMatchmakingInput, s *Service, now time.Time) (any, error) {
			return Empty{}, s.StopMatchmaking(now, in.TicketID)
		})
	case OpAcceptMatch:
		return prepare(op, body, root, func(in AcceptMatchInput, s *Service, now time.Time) (any, error) {
			return Empty{}, s.AcceptMatch(now, in)
		})
	case OpValidateMatchmakingRuleSet:
		return prepare(op, body, root, func(in ValidateMatchmakingRuleSetInput, s *Service, _ time.Time) (any, error) {
			return ValidateMatchmakingRuleSetOutput{true}, s.ValidateMatchmakingRuleSet(in.RuleSetBody)
		})
	case OpCreateMatchmakingRuleSet:
		return prepare(op, body, root, func(in CreateMatchmakingRuleSetInput, s *Service, now time.Time) (any, error) {
			rs, err := s.CreateMatchmakingRuleSet(now, in)
			return RuleSetOutput{rs}, err
		})
	case OpDescribeMatchmakingRuleSets:
		return prepare(op, body, root, func(in DescribeMatchmakingRuleSetsInput, s *Service, _ time.Time) (any, error) {
			limit, err := checkLimit(in.Limit)
			if err != nil {
				return nil, err
			}
			list, next, err := s.DescribeMatchmakingRuleSets(in.Names, limit, in.NextToken)
			return DescribeMatchmakingRuleSetsOutput{list, next}, err
		})
	case OpDeleteMatchmakingRuleSet:
		return prepare(op, body, root, func(in NameInput, s *Service, now time.Time) (any, error) {
			return Empty{}, s.DeleteMatchmakingRuleSet(now, in.Name)
		})
	case OpCreateMatchmakingConfiguration:
		return prepare(op, body, root, func(in CreateMatchmakingConfigurationInput, s *Service, now time.Time) (any, error) {
			c, err := s.CreateMatchmakingConfiguration(now, in)
			return ConfigurationOutput{c}, err
		})
	case OpUpdateMatchmakingConfiguration:
		return prepare(op, body, root, func(in UpdateMatchmakingConfigurationInput, s *Service, now time.Time) (any, error) {
			c, err := s.UpdateMatchmakingConfiguration(now, in)
			return ConfigurationOutput{c}, err
		})
	case OpDescribeMatchmakingConfigurations:
		return prepare(op, body, root, func(in DescribeMatchmakingConfigurationsInput, s *Service, _ time.Time) (any, error) {
			limit, err := checkLimit(in.Limit)
			if err != nil {
				return nil, err
			}
			list, next, err := s.DescribeMatchmakingConfigurations(in.Names, in.RuleSetName, limit, in.NextToken)
			return DescribeMatchmakingConfigurationsOutput{list, next}, err
		})
	case OpDeleteMatchmakingConfiguration:
		return prepare(op, body, root, func(in NameInput, s *Service, now time.Time) (any, error) {
			return Empty{}, s.DeleteMatchmakingConfiguration(now, in.Name)
		})
	case OpCompletePlacement:
		return prepare(op, body, root, func(in CompletePlacementInput, s *Service, now time.Time) (any, error) {
			return Empty{}, s.CompletePlacement(now, in)
		})
	case OpFailPlacement:
		return prepare(op, body, root, func(in FailPlacementInput, s *Service, now time.Time) (any, error) {
			return Empty{}, s.FailPlacement(now, in)
		})
	case OpReportPlayersLeft:
		return prepare(op, body, root, func(in ReportPlayersLeftInput, s *Service, now time.Time) (any, error) {
			return Empty{}, s.ReportPlayersLeft(now, in.GameSessionArn, in.PlayerIDs)
		})
	case OpEndGameSession:
		return prepare(op, body, root, func(in EndGameSessionInput, s *Service, now time.Time) (any, error) {
			return Empty{}, s.EndGameSession(now, in.GameSessionArn)
		})
	}
	return bind(func(*Service, time.Time) (any, error) { return nil, fmt.Errorf("%w %q", ErrUnknownOperation, op) })
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

// prepare decodes body (parsed as root) as the input of op and binds f to
// it.
func prepare[In any](op string, body []byte, root *strictjson.Node, f func(in In, s *Service, now time.Time) (any, error)) (*Request, error) {
	var in In
	if err := decode(op, body, root, &in); err != nil {
		return nil, err
	}
	return &Request{op: op, call: func(s *Service, now time.Time) (any, error) { return f(in, s, now) }}, nil
}

// parseInput parses body once for the checks that follow. A body that is
// not JSON gets the standard reader's account of where it stops; one that
// only this stricter parser refuses (text that is not UTF-8, nesting deeper
// than strictjson.MaxNesting) gets the parser's.
func parseInput(op string, body []byte) (*strictjson.Node, error) {
	root, serr := strictjson.Parse(body)
	if serr == nil {
		return root, nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, invalidf("the %s input %s", op, jsonProblem(body, err))
	}
	line, col := strictjson.Position(body, serr.Offset)
	return nil, invalidf("the %s input is not accepted at line %d, column %d: %s", op, line, col, serr.Msg)
}

// checkRequired reports a body that is not an object, and a required
// member that is missing or null.
func checkRequired(op string, body []byte, root *strictjson.Node, req []string) error {
	if root.Kind != '{' && root.Kind != 'n' {
		return invalidf("the %s input must be a JSON object, not a JSON %s", op, nodeKind(body, root))
	}
	for _, name := range req {
		i := slices.IndexFunc(root.Keys, func(k strictjson.Key) bool { return k.Name == name })
		if i < 0 || root.Elems[i].Kind == 'n' {
			return invalidf("%s is required in the %s input", name, op)
		}
	}
	return nil
}

// decode reads body into dst. Before decoding it checks the body's shape
// against dst's type, so that an unknown member (member names are
// case-sensitive, as in the API model) or a value of the wrong JSON type is
// reported with its full path, such as Players[0].PlayerAttributes.skill.N.
func decode(op string, body []byte, root *strictjson.Node, dst any) error {
	if err := checkShape(op, "", body, root, reflect.TypeOf(dst).Elem()); err != nil {
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

var (
	attributeValueType = reflect.TypeFor[ticket.AttributeValue]()
	attributeShapeType = reflect.TypeFor[attributeValueShape]()
)

// attributeValueShape is the JSON shape of the AttributeValue union.
type attributeValueShape struct {
	S   string             `json:"S"`
	N   float64            `json:"N"`
	SL  []string           `json:"SL"`
	SDM map[string]float64 `json:"SDM"`
}

// checkShape walks n, the parsed value at path, against t: objects must
// have only the members of t (exact names), and every value must have the
// JSON type t expects (an integer for Go integers). null is accepted
// anywhere (it means absent). It reads the parse tree, so it costs
// O(size of the body).
func checkShape(op, path string, body []byte, n *strictjson.Node, t reflect.Type) error {
	if n.Kind == 'n' {
		return nil
	}
	if t == attributeValueType {
		t = attributeShapeType
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	wrong := func(want string) error {
		if path == "" {
			return invalidf("the %s input must be %s, not a JSON %s", op, want, nodeKind(body, n))
		}
		return invalidf("%s in the %s input must be %s, not a JSON %s", path, op, want, nodeKind(body, n))
	}
	text := func() string { return string(body[n.Start:n.End]) }
	switch t.Kind() {
	case reflect.String:
		if n.Kind != '"' {
			return wrong("a string")
		}
	case reflect.Bool:
		if n.Kind != 't' {
			return wrong("a boolean")
		}
	case reflect.Float32, reflect.Float64:
		if n.Kind != '0' {
			return wrong("a number")
		}
		if _, err := strconv.ParseFloat(text(), 64); err != nil {
			return invalidf("%s in the %s input is %s, beyond the largest number a value can hold (about 1.8e308)", path, op, text())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.Kind != '0' {
			return wrong("an integer")
		}
		if _, err := strconv.ParseInt(text(), 10, 64); err != nil {
			return invalidf("%s in the %s input must be an integer, not %s", path, op, text())
		}
	case reflect.Slice:
		if n.Kind != '[' {
			return wrong("a list")
		}
		for i, item := range n.Elems {
			if err := checkShape(op, path+"["+strconv.Itoa(i)+"]", body, item, t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != '{' {
			return wrong("an object")
		}
		for i, k := range n.Keys {
			if err := checkShape(op, joinPath(path, k.Name), body, n.Elems[i], t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Struct:
		if n.Kind != '{' {
			return wrong("an object")
		}
		fields := structFields(t)
		for i, k := range n.Keys {
			ft, ok := fields[k.Name]
			if !ok {
				if path == "" {
					return invalidf("the %s input has no member %q", op, k.Name)
				}
				return invalidf("%s in the %s input has no member %q", path, op, k.Name)
			}
			if err := checkShape(op, joinPath(path, k.Name), body, n.Elems[i], ft); err != nil {
				return err
			}
		}
	}
	return nil
}

// nodeKind names the JSON type of n as the messages do.
func nodeKind(body []byte, n *strictjson.Node) string {
	return jsonKind(body[n.Start:n.End])
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// fieldCache holds structFields' answers: reflect.Type -> map.
var fieldCache sync.Map

// structFields maps the JSON member names of t's fields to their types.
func structFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := fieldsOf(t)
	fieldCache.Store(t, m)
	return m
}

// fieldsOf is structFields without the cache.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
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
