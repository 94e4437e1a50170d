package ticket

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// API limits on tickets and players (SPEC.md section 8).
const (
	MaxPlayersPerTicket    = 10   // players in one StartMatchmaking request
	MaxPlayersPerBackfill  = 199  // players in one StartMatchBackfill request
	MaxAttributesPerPlayer = 10   // entries in Player.PlayerAttributes
	MaxAttributeNameLength = 1024 // attribute key length
	MaxStringLength        = 100  // S, each SL item, each SDM key
	MaxListItems           = 100  // items in SL
	MaxMapEntries          = 10   // entries in SDM
	MaxPlayerIDLength      = 1024 // PlayerId
	MaxTeamLength          = 1024 // Team
	MaxTicketIDLength      = 128  // TicketId
	// MaxNumber bounds the magnitude of a number attribute value (N, and
	// each SDM value). GameLift sets no bound; this one keeps every sum,
	// average and spread the rules compute over up to 200 players finite,
	// so an overflow can never make a rule pass.
	MaxNumber = 1e100
	// MaxLatencyLocations bounds the locations one player reports in
	// LatencyInMs, and MaxLocationLength each location's name. GameLift
	// sets neither; a player reports a latency per location of the game's
	// queue, and AWS location names are short. Without them a client could
	// make a match's cost grow with the square of its report.
	MaxLatencyLocations = 64
	MaxLocationLength   = 128
)

// ErrInvalid is the sentinel every validation error of this package wraps;
// test with errors.Is(err, ticket.ErrInvalid).
var ErrInvalid = errors.New("invalid request")

// FieldError is one problem with one field of a request.
type FieldError struct {
	// Field is the path of the field, such as Players[3].PlayerAttributes.skill.S.
	Field string
	// Problem says what is wrong and what the limit is.
	Problem string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Problem }

// ValidationError lists every problem found in a request. It wraps ErrInvalid.
type ValidationError struct {
	// Problems are the first MaxListedProblems problems found, in order.
	Problems []FieldError
	// Omitted counts the problems found beyond those.
	Omitted int
}

// MaxListedProblems bounds the problems a ValidationError lists, so that a
// request with thousands of bad players gets a short message: the first
// problems and a count of the rest.
const MaxListedProblems = 20

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems), len(e.Problems)+1)
	for i, p := range e.Problems {
		parts[i] = p.Error()
	}
	if e.Omitted > 0 {
		parts = append(parts, fmt.Sprintf("and %d more %s", e.Omitted, pluralProblems(e.Omitted)))
	}
	return strings.Join(parts, "; ")
}

func pluralProblems(n int) string {
	if n == 1 {
		return "problem"
	}
	return "problems"
}

// Unwrap returns ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// problems collects a request's problems: the first MaxListedProblems in
// full, the rest only counted.
type problems struct {
	list    []FieldError
	omitted int
}

func (p *problems) add(field, format string, args ...any) {
	if len(p.list) >= MaxListedProblems {
		p.omitted++
		return
	}
	p.list = append(p.list, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: p.list, Omitted: p.omitted}
}

// IDChars reports whether id holds only the characters a ticket id may
// have: ASCII letters, digits, '-' and '.'.
func IDChars(id string) bool {
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

// ValidateTicketID checks a caller-chosen ticket id: at most 128 characters of
// letters, digits, '-' and '.'. The empty id is valid (the engine makes one).
func ValidateTicketID(field, id string) error {
	var p problems
	if n := utf8.RuneCountInString(id); n > MaxTicketIDLength {
		p.add(field, "is %d characters long; the limit is %d", n, MaxTicketIDLength)
	}
	if !IDChars(id) {
		p.add(field, "%q may contain only letters, digits, '-' and '.'", id)
	}
	return p.err()
}

// PlayerRules selects the limits that ValidatePlayers applies.
type PlayerRules struct {
	// MaxPlayers is the most players allowed; zero means MaxPlayersPerTicket.
	MaxPlayers int
	// RequireTeam makes Team mandatory for every player (backfill requests).
	RequireTeam bool
}

// ValidatePlayers checks players against the GameLift API limits and returns
// a *ValidationError listing every problem, with field paths rooted at
// "Players". It does not modify players.
func ValidatePlayers(players []Player, rules PlayerRules) error {
	limit := rules.MaxPlayers
	if limit == 0 {
		limit = MaxPlayersPerTicket
	}
	if validPlayers(players, rules, limit) {
		return nil // the common case, checked without allocating
	}
	var p problems
	switch {
	case len(players) == 0:
		p.add("Players", "is empty; at least 1 player is required")
	case len(players) > limit:
		p.add("Players", "has %d players; the limit is %d", len(players), limit)
	}
	seen := make(map[string]int, len(players))
	for i := range players {
		checkPlayer(&p, fmt.Sprintf("Players[%d]", i), &players[i], rules)
		if id := players[i].PlayerID; id != "" {
			if j, dup := seen[id]; dup {
				p.add(fmt.Sprintf("Players[%d].PlayerId", i), "%q repeats Players[%d]; each player may appear once", id, j)
			} else {
				seen[id] = i
			}
		}
	}
	return p.err()
}

// validPlayers reports whether players break no limit: the same checks as
// the reporting path below, without building messages, sorting keys or
// allocating. When it says no, ValidatePlayers runs the reporting path.
func validPlayers(players []Player, rules PlayerRules, limit int) bool {
	if len(players) == 0 || len(players) > limit {
		return false
	}
	for i := range players {
		pl := &players[i]
		if n := utf8.RuneCountInString(pl.PlayerID); n < 1 || n > MaxPlayerIDLength {
			return false
		}
		if (rules.RequireTeam && pl.Team == "") || utf8.RuneCountInString(pl.Team) > MaxTeamLength {
			return false
		}
		if len(pl.PlayerAttributes) > MaxAttributesPerPlayer {
			return false
		}
		for name, v := range pl.PlayerAttributes { // asks whether all are valid: order does not matter
			if n := utf8.RuneCountInString(name); n < 1 || n > MaxAttributeNameLength || !validValue(v) {
				return false
			}
		}
		if len(pl.LatencyInMs) > MaxLatencyLocations {
			return false
		}
		for loc, ms := range pl.LatencyInMs { // asks whether all are valid: order does not matter
			if loc == "" || len(loc) > MaxLocationLength || ms < 1 || ms > math.MaxInt32 {
				return false
			}
		}
		for j := range i {
			if players[j].PlayerID == pl.PlayerID {
				return false
			}
		}
	}
	return true
}

func validString(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 1 && n <= MaxStringLength
}

// inRange reports whether f is a number a value may hold: not NaN and at
// most MaxNumber in magnitude.
func inRange(f float64) bool { return !math.IsNaN(f) && math.Abs(f) <= MaxNumber }

// validValue is checkValue's verdict without its messages.
func validValue(v AttributeValue) bool {
	switch v.kind {
	case KindString:
		return validString(v.s)
	case KindNumber:
		return inRange(v.n)
	case KindList:
		if len(v.sl) > MaxListItems {
			return false
		}
		for _, s := range v.sl {
			if !validString(s) {
				return false
			}
		}
		return true
	case KindMap:
		if len(v.sdm) > MaxMapEntries {
			return false
		}
		for _, e := range v.sdm {
			if !validString(e.Key) || !inRange(e.Value) {
				return false
			}
		}
		return true
	}
	return false
}

func checkPlayer(p *problems, path string, pl *Player, rules PlayerRules) {
	checkLen(p, path+".PlayerId", pl.PlayerID, 1, MaxPlayerIDLength)
	if rules.RequireTeam && pl.Team == "" {
		p.add(path+".Team", "is missing; every player of a backfill request must name its team")
	}
	if pl.Team != "" {
		checkLen(p, path+".Team", pl.Team, 1, MaxTeamLength)
	}
	if n := len(pl.PlayerAttributes); n > MaxAttributesPerPlayer {
		p.add(path+".PlayerAttributes", "has %d attributes; the limit is %d", n, MaxAttributesPerPlayer)
	}
	for _, name := range slices.Sorted(maps.Keys(pl.PlayerAttributes)) {
		if name == "" || utf8.RuneCountInString(name) > MaxAttributeNameLength {
			p.add(path+".PlayerAttributes", "has an attribute name of %d characters; names must be 1 to %d characters",
				utf8.RuneCountInString(name), MaxAttributeNameLength)
			continue
		}
		checkValue(p, path+".PlayerAttributes."+name, pl.PlayerAttributes[name])
	}
	if n := len(pl.LatencyInMs); n > MaxLatencyLocations {
		p.add(path+".LatencyInMs", "has %d locations; the limit is %d", n, MaxLatencyLocations)
		return
	}
	for _, loc := range slices.Sorted(maps.Keys(pl.LatencyInMs)) {
		if loc == "" {
			p.add(path+".LatencyInMs", "has an empty location name; names must have at least 1 character")
			continue
		}
		if n := utf8.RuneCountInString(loc); n > MaxLocationLength || len(loc) > MaxLocationLength {
			p.add(path+".LatencyInMs", "has a location name of %d characters; the limit is %d", n, MaxLocationLength)
			continue
		}
		switch ms := pl.LatencyInMs[loc]; {
		case ms < 1:
			p.add(path+".LatencyInMs."+loc, "is %d; latencies must be whole milliseconds of at least 1", ms)
		case ms > math.MaxInt32:
			p.add(path+".LatencyInMs."+loc, "is %d; the limit is %d (a 32-bit integer)", ms, math.MaxInt32)
		}
	}
}

// CheckValue validates one attribute value against the API limits and
// returns a *ValidationError naming field, or nil.
func CheckValue(field string, v AttributeValue) error {
	var p problems
	checkValue(&p, field, v)
	return p.err()
}

func checkValue(p *problems, path string, v AttributeValue) {
	switch v.kind {
	case KindNone:
		if len(v.members) > 1 {
			p.add(path, "sets %s; exactly one of S, N, SL and SDM is allowed", strings.Join(v.members, " and "))
		} else {
			p.add(path, "sets no value; exactly one of S, N, SL and SDM is required")
		}
	case KindString:
		checkLen(p, path+".S", v.s, 1, MaxStringLength)
	case KindNumber:
		if !inRange(v.n) {
			p.add(path+".N", "is %v; numbers must be finite and at most %g in magnitude", v.n, float64(MaxNumber))
		}
	case KindList:
		if len(v.sl) > MaxListItems {
			p.add(path+".SL", "has %d items; the limit is %d", len(v.sl), MaxListItems)
		}
		for i, s := range v.sl {
			checkLen(p, fmt.Sprintf("%s.SL[%d]", path, i), s, 1, MaxStringLength)
		}
	case KindMap:
		if len(v.sdm) > MaxMapEntries {
			p.add(path+".SDM", "has %d entries; the limit is %d", len(v.sdm), MaxMapEntries)
		}
		for _, e := range v.sdm {
			if n := utf8.RuneCountInString(e.Key); n == 0 || n > MaxStringLength {
				p.add(path+".SDM", "has a key of %d characters; keys must be 1 to %d characters", n, MaxStringLength)
			}
			if !inRange(e.Value) {
				p.add(path+".SDM."+e.Key, "is %v; numbers must be finite and at most %g in magnitude", e.Value, float64(MaxNumber))
			}
		}
	}
}

func checkLen(p *problems, field, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && min > 0:
		p.add(field, "is empty; it must have %d to %d characters", min, max)
	case n < min:
		p.add(field, "is %d characters long; the minimum is %d", n, min)
	case n > max:
		p.add(field, "is %d characters long; the limit is %d", n, max)
	}
}
