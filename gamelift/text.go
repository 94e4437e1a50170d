package gamelift

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// Formats of Replay's output (ReplayOptions.Format).
const (
	// FormatJSON is the full record: JSON Lines of outputs, errors and
	// FlexMatch events, as described on Replay.
	FormatJSON = "json"
	// FormatText is the text projection of that record, as ProjectText
	// writes it.
	FormatText = "text"
)

// ProjectText reads the JSON Lines that Replay writes (FormatJSON) and
// writes their text projection to w: one line for each line of input, in
// the same order, holding the fields that matter for review and none of
// the noise. start is the time of second 0 of the replay (the zero time
// means DefaultStart); every time is written as seconds from it. The
// projection is a function of its input alone, so it is as deterministic
// as the replay.
//
// Every line starts with the line's at. An operation's line is
//
//	AT OP -> SUMMARY
//	AT OP -> error EXCEPTION: MESSAGE
//
// where SUMMARY is "ok" for an empty output, "valid" for
// ValidateMatchmakingRuleSet, "ticket TICKET" for StartMatchmaking and
// StartMatchBackfill, "N tickets: TICKET | TICKET ..." for
// DescribeMatchmaking, "configuration CONFIG" and "rule set RULESET" for
// the create and update operations, and "N configurations: ..." and "N rule
// sets: ..." (with "; next=TOKEN" when there is a next page) for the
// describe operations ("0 tickets" and so on for an empty list). The output
// of an operation the projection does not know is written as compact JSON
// after "output". A TICKET is
//
//	ID STATUS [reason=CODE] [message="..."] config=NAME start=S [end=S] [wait=Ns]
//	    players=(PLAYER ...) [conn=(session=ARN ip=IP dns=NAME port=N PLAYER/SESSION ...)]
//
// with each PLAYER as ID[:TEAM]{ATTRIBUTE=VALUE ... LOCATION=Nms ...}. A
// CONFIG is its name, rule set, FlexMatch mode, request timeout,
// acceptance, backfill mode and creation time, then the optional fields
// that are set; a RULESET is its name, creation time, teams
// (NAME:MIN-MAX), rules (NAME:TYPE), or invalid="..." for a body that does
// not load, and the first 8 hex digits of the SHA-256 of its body.
//
// An event's line is
//
//	AT event TYPE config=NAME [match=M] [location=L] [acceptance=...] TICKET ... [FIELD=VALUE ...]
//
// where each TICKET is ID(PLAYER ...), or the player alone for a ticket of
// one player whose id is the ticket's; ID@S gives the ticket's start time
// where it was not shown before (as the start of an earlier output or
// event) or has changed. An event's PLAYER is ID[:TEAM][/accepted or
// /rejected][/SESSION]. The fields that follow are those the event
// carries: wait (estimatedWaitMillis, in seconds as FlexMatch sends it),
// reason, message, spread (balanceSpread, 6 significant digits), rules
// (NAME:PASSED/FAILED each), session, ip, dns and port (gameSessionInfo),
// data (the matchmaker data's teams and players with their attributes,
// [TEAM: PLAYER{...} ... | TEAM: ...]), autobackfill and autobackfillTicket,
// and custom (customEventData). Fields that should follow from the others
// are written only when they do not: the event's time (when it is not the
// line's at), the envelope's version, detail-type, source, account and
// region (when not this package's), resources (when not the one
// configuration ARN), gameSessionInfo.players (when not the tickets'
// players in order) and the matchmaker data's match id and configuration
// ARN. Event ids are left out.
//
// Generated ids are renamed in order of first appearance: match ids M1,
// M2, ..., ticket ids T1, ..., player session ids S1, ..., and any other
// UUID U1, .... A generated id is a UUID (and a player session id is
// "psess-" and a UUID); it is renamed wherever it appears, messages
// included, so two replays that differ only in the ids drawn from the seed
// project alike, while a ticket that joins another match shows. Scenarios
// should not name their own tickets or players like the short names.
//
// Strings are written bare when they hold no space or separator and quoted
// (Go syntax) otherwise; string attribute values and messages are always
// quoted, except an error's message, which ends its line. A JSON member
// the projection does not know is an error, so that nothing in the record
// goes unseen.
func ProjectText(jsonLines io.Reader, w io.Writer, start time.Time) error {
	tw := newTextWriter(w, start)
	if _, err := io.Copy(tw, jsonLines); err != nil {
		return err
	}
	return tw.Close()
}

// textWriter is an io.Writer that takes Replay's JSON Lines and writes the
// text projection of each complete line to the underlying writer.
type textWriter struct {
	p       projector
	w       *bufio.Writer
	pending []byte
	err     error
}

func newTextWriter(w io.Writer, start time.Time) *textWriter {
	if start.IsZero() {
		start = DefaultStart
	}
	return &textWriter{
		p: projector{start: start, names: map[string]string{}, counts: map[byte]int{}, starts: map[string]time.Time{}},
		w: bufio.NewWriter(w),
	}
}

// Write projects every complete line of b, keeping a partial line for the
// next call.
func (t *textWriter) Write(b []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	t.pending = append(t.pending, b...)
	off := 0
	for {
		i := bytes.IndexByte(t.pending[off:], '\n')
		if i < 0 {
			break
		}
		if err := t.line(t.pending[off : off+i]); err != nil {
			t.err = err
			return 0, err
		}
		off += i + 1
	}
	t.pending = t.pending[:copy(t.pending, t.pending[off:])]
	return len(b), nil
}

// Close projects a last line without a newline and flushes.
func (t *textWriter) Close() error {
	if t.err != nil {
		return t.err
	}
	if len(t.pending) > 0 {
		if err := t.line(t.pending); err != nil {
			t.err = err
			return err
		}
		t.pending = t.pending[:0]
	}
	return t.w.Flush()
}

func (t *textWriter) line(b []byte) error {
	t.p.line++
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	s, err := t.p.project(b)
	if err != nil {
		return fmt.Errorf("gamelift: projecting line %d of the replay as text: %w", t.p.line, err)
	}
	t.w.WriteString(s)
	return t.w.WriteByte('\n')
}

// projector holds what the projection of a line depends on from the lines
// before it: the short names given so far and the start times shown.
type projector struct {
	start  time.Time
	line   int
	names  map[string]string    // generated id -> short name
	counts map[byte]int         // short names given, by letter
	starts map[string]time.Time // ticket id -> start time last shown
}

// record is one line of Replay's JSON output.
type record struct {
	At     json.Number     `json:"at"`
	Op     string          `json:"op"`
	Output json.RawMessage `json:"output"`
	Error  *Error          `json:"error"`
	Event  json.RawMessage `json:"event"`
}

// decodeStrict decodes b into v and fails on a member v has no field for.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("text follows the JSON value")
	}
	return nil
}

func (p *projector) project(line []byte) (string, error) {
	var r record
	if err := decodeStrict(line, &r); err != nil {
		return "", err
	}
	if r.At == "" {
		return "", errors.New(`the line has no "at"`)
	}
	if r.Event != nil {
		if r.Op != "" || r.Output != nil || r.Error != nil {
			return "", errors.New("an event line has op, output or error")
		}
		return p.event(r.At, r.Event)
	}
	var b lineBuilder
	b.WriteString(string(r.At))
	b.WriteByte(' ')
	b.WriteString(r.Op)
	b.WriteString(" ->")
	switch {
	case r.Error != nil && r.Output != nil:
		return "", errors.New("the line has both output and error")
	case r.Error != nil:
		fmt.Fprintf(&b, " error %s: %s", r.Error.Type, lineEnd(p.text(r.Error.Message)))
		return b.String(), nil
	case r.Output == nil:
		b.WriteString(" (no output)")
		return b.String(), nil
	}
	if err := p.output(&b, r.Op, r.Output); err != nil {
		return "", fmt.Errorf("%s output: %w", r.Op, err)
	}
	return b.String(), nil
}

// output writes the summary of an operation's output.
func (p *projector) output(b *lineBuilder, op string, raw json.RawMessage) error {
	switch op {
	case OpStartMatchmaking, OpStartMatchBackfill:
		var out TicketOutput
		if err := decodeStrict(raw, &out); err != nil {
			return err
		}
		b.WriteString(" ticket ")
		p.ticket(b, &out.MatchmakingTicket)
	case OpDescribeMatchmaking:
		var out DescribeMatchmakingOutput
		if err := decodeStrict(raw, &out); err != nil {
			return err
		}
		b.WriteString(" " + count(len(out.TicketList), "ticket", "tickets"))
		for i := range out.TicketList {
			if i > 0 {
				b.WriteString(" |")
			}
			b.WriteByte(' ')
			p.ticket(b, &out.TicketList[i])
		}
	case OpCreateMatchmakingConfiguration, OpUpdateMatchmakingConfiguration:
		var out ConfigurationOutput
		if err := decodeStrict(raw, &out); err != nil {
			return err
		}
		b.WriteString(" configuration ")
		p.configuration(b, &out.Configuration)
	case OpDescribeMatchmakingConfigurations:
		var out DescribeMatchmakingConfigurationsOutput
		if err := decodeStrict(raw, &out); err != nil {
			return err
		}
		b.WriteString(" " + count(len(out.Configurations), "configuration", "configurations"))
		for i := range out.Configurations {
			if i > 0 {
				b.WriteString(" |")
			}
			b.WriteByte(' ')
			p.configuration(b, &out.Configurations[i])
		}
		if out.NextToken != "" {
			b.WriteString("; next=" + value(out.NextToken))
		}
	case OpCreateMatchmakingRuleSet:
		var out RuleSetOutput
		if err := decodeStrict(raw, &out); err != nil {
			return err
		}
		b.WriteString(" rule set ")
		p.ruleSet(b, &out.RuleSet)
	case OpDescribeMatchmakingRuleSets:
		var out DescribeMatchmakingRuleSetsOutput
		if err := decodeStrict(raw, &out); err != nil {
			return err
		}
		b.WriteString(" " + count(len(out.RuleSets), "rule set", "rule sets"))
		for i := range out.RuleSets {
			if i > 0 {
				b.WriteString(" |")
			}
			b.WriteByte(' ')
			p.ruleSet(b, &out.RuleSets[i])
		}
		if out.NextToken != "" {
			b.WriteString("; next=" + value(out.NextToken))
		}
	case OpValidateMatchmakingRuleSet:
		var out ValidateMatchmakingRuleSetOutput
		if err := decodeStrict(raw, &out); err != nil {
			return err
		}
		if out.Valid {
			b.WriteString(" valid")
		} else {
			b.WriteString(" not valid")
		}
	case OpAcceptMatch, OpStopMatchmaking, OpDeleteMatchmakingConfiguration, OpDeleteMatchmakingRuleSet,
		OpCompletePlacement, OpFailPlacement, OpReportPlayersLeft, OpEndGameSession:
		var out Empty
		if err := decodeStrict(raw, &out); err != nil {
			return err
		}
		b.WriteString(" ok")
	default: // an operation of which the projection knows no output shape
		var c bytes.Buffer
		if err := json.Compact(&c, raw); err != nil {
			return err
		}
		b.WriteString(" output ")
		b.Write(c.Bytes())
	}
	return nil
}

// count returns "1 ONE:", "N MANY:", or "0 MANY" for an empty list.
func count(n int, one, many string) string {
	switch n {
	case 0:
		return "0 " + many
	case 1:
		return "1 " + one + ":"
	}
	return strconv.Itoa(n) + " " + many + ":"
}

// ticket writes a MatchmakingTicket of an output.
func (p *projector) ticket(b *lineBuilder, t *MatchmakingTicket) {
	b.WriteString(p.ticketID(t.TicketID))
	b.WriteByte(' ')
	b.WriteString(value(string(t.Status)))
	b.field("reason", value(t.StatusReason))
	if t.StatusMessage != "" {
		b.field("message", strconv.Quote(p.text(t.StatusMessage)))
	}
	b.field("config", value(t.ConfigurationName))
	if t.ConfigurationArn != "" && !strings.HasSuffix(t.ConfigurationArn, ":"+kindConfiguration+"/"+t.ConfigurationName) {
		b.field("arn", value(t.ConfigurationArn))
	}
	if !t.StartTime.IsZero() {
		b.field("start", p.rel(t.StartTime.Time))
		p.starts[t.TicketID] = t.StartTime.Time
	}
	if !t.EndTime.IsZero() {
		b.field("end", p.rel(t.EndTime.Time))
	}
	if t.EstimatedWaitTime != nil {
		b.field("wait", strconv.Itoa(*t.EstimatedWaitTime)+"s")
	}
	b.WriteString(" players=(")
	for i := range t.Players {
		if i > 0 {
			b.WriteByte(' ')
		}
		p.requestPlayer(b, &t.Players[i])
	}
	b.WriteByte(')')
	if c := t.GameSessionConnectionInfo; c != nil {
		var parts []string
		if c.GameSessionArn != "" {
			parts = append(parts, "session="+value(p.text(c.GameSessionArn)))
		}
		if c.IPAddress != "" {
			parts = append(parts, "ip="+value(c.IPAddress))
		}
		if c.DNSName != "" {
			parts = append(parts, "dns="+value(c.DNSName))
		}
		if c.Port != 0 {
			parts = append(parts, "port="+strconv.Itoa(c.Port))
		}
		for _, s := range c.MatchedPlayerSessions {
			parts = append(parts, token(s.PlayerID)+"/"+p.id('S', s.PlayerSessionID))
		}
		b.field("conn", "("+strings.Join(parts, " ")+")")
	}
}

// requestPlayer writes a player as requests and tickets carry it:
// ID[:TEAM]{ATTRIBUTE=VALUE ... LOCATION=Nms ...}.
func (p *projector) requestPlayer(b *lineBuilder, pl *ticket.Player) {
	b.WriteString(token(pl.PlayerID))
	if pl.Team != "" {
		b.WriteString(":" + token(pl.Team))
	}
	if len(pl.PlayerAttributes) == 0 && len(pl.LatencyInMs) == 0 {
		return
	}
	var parts []string
	for _, name := range sortedKeys(pl.PlayerAttributes) {
		v := pl.PlayerAttributes[name]
		s := "?" // not one member of the union
		if v.Kind() != ticket.KindNone {
			s = goValue(v.Interface())
		}
		parts = append(parts, token(name)+"="+s)
	}
	for _, loc := range sortedKeys(pl.LatencyInMs) {
		parts = append(parts, token(loc)+"="+strconv.Itoa(pl.LatencyInMs[loc])+"ms")
	}
	b.WriteString("{" + strings.Join(parts, " ") + "}")
}

// configuration writes a MatchmakingConfiguration.
func (p *projector) configuration(b *lineBuilder, c *MatchmakingConfiguration) {
	b.WriteString(value(c.Name))
	b.field("ruleset", value(c.RuleSetName))
	b.field("mode", value(c.FlexMatchMode))
	b.field("timeout", strconv.Itoa(c.RequestTimeoutSeconds)+"s")
	acc := "not-required"
	if c.AcceptanceRequired {
		acc = "required"
	}
	if c.AcceptanceTimeoutSeconds != 0 {
		acc += "(" + strconv.Itoa(c.AcceptanceTimeoutSeconds) + "s)"
	}
	b.field("acceptance", acc)
	b.field("backfill", value(c.BackfillMode))
	if c.AdditionalPlayerCount != 0 {
		b.field("additionalPlayers", strconv.Itoa(c.AdditionalPlayerCount))
	}
	if !c.CreationTime.IsZero() {
		b.field("created", p.rel(c.CreationTime.Time))
	}
	if c.Description != "" {
		b.field("description", strconv.Quote(c.Description))
	}
	if c.CustomEventData != "" {
		b.field("custom", strconv.Quote(c.CustomEventData))
	}
	if len(c.GameSessionQueueArns) > 0 {
		qs := make([]string, len(c.GameSessionQueueArns))
		for i, q := range c.GameSessionQueueArns {
			qs[i] = value(q)
		}
		b.field("queues", strings.Join(qs, ","))
	}
	if c.NotificationTarget != "" {
		b.field("notify", value(c.NotificationTarget))
	}
	if len(c.GameProperties) > 0 {
		ps := make([]string, len(c.GameProperties))
		for i, gp := range c.GameProperties {
			ps[i] = token(gp.Key) + "=" + strconv.Quote(gp.Value)
		}
		b.field("properties", "("+strings.Join(ps, " ")+")")
	}
	if c.GameSessionData != "" {
		b.field("sessionData", strconv.Quote(c.GameSessionData))
	}
	if !strings.HasSuffix(c.ConfigurationArn, ":"+kindConfiguration+"/"+c.Name) {
		b.field("arn", value(c.ConfigurationArn))
	}
	if !strings.HasSuffix(c.RuleSetArn, ":"+kindRuleSet+"/"+c.RuleSetName) {
		b.field("ruleSetArn", value(c.RuleSetArn))
	}
}

// ruleSet writes a MatchmakingRuleSet: the key fields of its body, and a
// digest that changes with any change to the body.
func (p *projector) ruleSet(b *lineBuilder, rs *MatchmakingRuleSet) {
	b.WriteString(value(rs.RuleSetName))
	if !rs.CreationTime.IsZero() {
		b.field("created", p.rel(rs.CreationTime.Time))
	}
	teams, rules, err := ruleSetSummary(rs.RuleSetBody)
	if err != nil {
		b.field("invalid", strconv.Quote(err.Error()))
	} else {
		b.field("teams", strings.Join(teams, ","))
		if len(rules) == 0 {
			rules = []string{"-"}
		}
		b.field("rules", strings.Join(rules, ","))
	}
	sum := sha256.Sum256([]byte(rs.RuleSetBody))
	b.field("body", "sha256:"+hex.EncodeToString(sum[:4]))
	if !strings.HasSuffix(rs.RuleSetArn, ":"+kindRuleSet+"/"+rs.RuleSetName) {
		b.field("arn", value(rs.RuleSetArn))
	}
}

// ruleSetSummary lists a rule set's teams (NAME:MIN-MAX, copies of a
// definition with a quantity included) and rules (NAME:TYPE). A body the
// service accepted may use rule types implemented in Go that this
// package's reader does not know; such a body is read as plain JSON.
func ruleSetSummary(body string) (teams, rules []string, err error) {
	if compiled, err := ruleset.Load([]byte(body)); err == nil {
		for _, t := range compiled.Teams() {
			teams = append(teams, fmt.Sprintf("%s:%d-%d", token(t.Name), t.MinPlayers, t.MaxPlayers))
		}
		for _, r := range compiled.Rules() {
			rules = append(rules, token(r.Name)+":"+token(r.Type))
		}
		return teams, rules, nil
	}
	std, err := ruleset.StandardJSON([]byte(body))
	if err != nil {
		return nil, nil, err
	}
	var doc struct {
		Teams []struct {
			Name                 string
			MinPlayers           json.Number
			MaxPlayers, Quantity json.Number
		}
		Rules []struct{ Name, Type string }
	}
	if err := json.Unmarshal(std, &doc); err != nil {
		return nil, nil, err
	}
	for _, t := range doc.Teams {
		q, _ := t.Quantity.Int64()
		if q <= 1 {
			teams = append(teams, fmt.Sprintf("%s:%s-%s", token(t.Name), t.MinPlayers, t.MaxPlayers))
			continue
		}
		for i := 1; i <= int(q); i++ {
			teams = append(teams, fmt.Sprintf("%s_%d:%s-%s", token(t.Name), i, t.MinPlayers, t.MaxPlayers))
		}
	}
	for _, r := range doc.Rules {
		rules = append(rules, token(r.Name)+":"+token(r.Type))
	}
	return teams, rules, nil
}

// event writes an event's line.
func (p *projector) event(at json.Number, raw json.RawMessage) (string, error) {
	var ev Event
	if err := decodeStrict(raw, &ev); err != nil {
		return "", fmt.Errorf("event: %w", err)
	}
	d := &ev.Detail
	var b lineBuilder
	b.WriteString(string(at))
	b.WriteString(" event ")
	b.WriteString(value(d.Type))
	configArn := "arn:aws:gamelift:" + ev.Region + ":" + ev.Account + ":" + kindConfiguration + "/"
	if len(ev.Resources) == 1 && strings.HasPrefix(ev.Resources[0], configArn) {
		b.field("config", value(strings.TrimPrefix(ev.Resources[0], configArn)))
	} else {
		rs := make([]string, len(ev.Resources))
		for i, r := range ev.Resources {
			rs[i] = value(r)
		}
		b.field("resources", "("+strings.Join(rs, " ")+")")
	}
	if d.MatchID != "" {
		b.field("match", p.id('M', d.MatchID))
	}
	b.field("location", value(d.Location))
	switch {
	case d.AcceptanceRequired != nil && *d.AcceptanceRequired:
		b.field("acceptance", "required("+strconv.Itoa(d.AcceptanceTimeout)+"s)")
	case d.AcceptanceRequired != nil:
		acc := "not-required"
		if d.AcceptanceTimeout != 0 {
			acc += "(" + strconv.Itoa(d.AcceptanceTimeout) + "s)"
		}
		b.field("acceptance", acc)
	case d.AcceptanceTimeout != 0:
		b.field("acceptanceTimeout", strconv.Itoa(d.AcceptanceTimeout)+"s")
	}
	b.field("acceptance", value(d.Acceptance))
	var players []EventPlayer
	for i := range d.Tickets {
		b.WriteByte(' ')
		p.eventTicket(&b, &d.Tickets[i])
		players = append(players, d.Tickets[i].Players...)
	}
	if w := d.EstimatedWaitMillis; w != nil {
		if w.Available {
			b.field("wait", strconv.Itoa(w.Seconds)+"s")
		} else {
			b.field("wait", "NOT_AVAILABLE")
		}
	}
	b.field("reason", value(d.Reason))
	if d.Message != "" {
		b.field("message", strconv.Quote(p.text(d.Message)))
	}
	if d.BalanceSpread != nil {
		b.field("spread", strconv.FormatFloat(*d.BalanceSpread, 'g', 6, 64))
	}
	if len(d.RuleEvaluationMetrics) > 0 {
		ms := make([]string, len(d.RuleEvaluationMetrics))
		for i, m := range d.RuleEvaluationMetrics {
			ms[i] = fmt.Sprintf("%s:%d/%d", token(m.RuleName), m.PassedCount, m.FailedCount)
		}
		b.field("rules", strings.Join(ms, ","))
	}
	g := &d.GameSessionInfo
	if g.GameSessionArn != "" {
		b.field("session", value(p.text(g.GameSessionArn)))
	}
	b.field("ip", value(g.IPAddress))
	b.field("dns", value(g.DNSName))
	if g.Port != 0 {
		b.field("port", strconv.Itoa(g.Port))
	}
	if !slices.EqualFunc(g.Players, players, samePlayer) {
		ps := make([]string, len(g.Players))
		for i := range g.Players {
			ps[i] = p.eventPlayer(&g.Players[i])
		}
		b.field("gameSessionPlayers", "("+strings.Join(ps, " ")+")")
	}
	if md := d.MatchmakerData; md != nil {
		p.matchmakerData(&b, md, d.MatchID, ev.Resources)
	}
	if d.CustomEventData != "" {
		b.field("custom", strconv.Quote(d.CustomEventData))
	}
	if t := p.rel(ev.Time.Time); !sameSeconds(t, string(at)) {
		b.field("time", t)
	}
	if ev.Version != "0" {
		b.field("version", value(ev.Version))
	}
	if ev.DetailType != DetailType {
		b.field("detailType", value(ev.DetailType))
	}
	if ev.Source != defaultSource {
		b.field("source", value(ev.Source))
	}
	if ev.Account != defaultAccount {
		b.field("account", value(ev.Account))
	}
	if ev.Region != defaultRegion {
		b.field("region", value(ev.Region))
	}
	return b.String(), nil
}

func samePlayer(a, b EventPlayer) bool {
	return a.PlayerID == b.PlayerID && a.Team == b.Team && a.PlayerSessionID == b.PlayerSessionID &&
		(a.Accepted == nil) == (b.Accepted == nil) && (a.Accepted == nil || *a.Accepted == *b.Accepted)
}

// sameSeconds reports whether two decimal numbers of seconds are equal to
// the millisecond.
func sameSeconds(a, b string) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && math.Round(x*1000) == math.Round(y*1000)
}

// eventTicket writes ID[@START](PLAYER ...), or the player alone for a
// ticket of one player named like the ticket.
func (p *projector) eventTicket(b *lineBuilder, t *EventTicket) {
	id := p.ticketID(t.TicketID)
	last, shown := p.starts[t.TicketID]
	if !shown || !last.Equal(t.StartTime.Time) {
		id += "@" + p.rel(t.StartTime.Time)
		p.starts[t.TicketID] = t.StartTime.Time
	} else if len(t.Players) == 1 && t.Players[0].PlayerID == t.TicketID {
		b.WriteString(p.eventPlayer(&t.Players[0]))
		return
	}
	b.WriteString(id + "(")
	for i := range t.Players {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.eventPlayer(&t.Players[i]))
	}
	b.WriteByte(')')
}

// eventPlayer returns ID[:TEAM][/accepted|/rejected][/SESSION].
func (p *projector) eventPlayer(pl *EventPlayer) string {
	s := token(pl.PlayerID)
	if pl.Team != "" {
		s += ":" + token(pl.Team)
	}
	if pl.Accepted != nil {
		if *pl.Accepted {
			s += "/accepted"
		} else {
			s += "/rejected"
		}
	}
	if pl.PlayerSessionID != "" {
		s += "/" + token(p.id('S', pl.PlayerSessionID))
	}
	return s
}

// matchmakerData writes data=[TEAM: PLAYER{...} ... | ...], then the
// automatic backfill fields, and the document's match id and configuration
// when they are not the event's.
func (p *projector) matchmakerData(b *lineBuilder, md *MatchmakerData, matchID string, resources []string) {
	teams := make([]string, len(md.Teams))
	for i, t := range md.Teams {
		ps := make([]string, len(t.Players))
		for j, pl := range t.Players {
			ps[j] = token(pl.PlayerID)
			if len(pl.Attributes) > 0 {
				as := make([]string, 0, len(pl.Attributes))
				for _, name := range sortedKeys(pl.Attributes) {
					as = append(as, token(name)+"="+matchmakerValue(pl.Attributes[name]))
				}
				ps[j] += "{" + strings.Join(as, " ") + "}"
			}
		}
		if len(ps) == 0 {
			ps = []string{"-"}
		}
		teams[i] = token(t.Name) + ": " + strings.Join(ps, " ")
	}
	b.field("data", "["+strings.Join(teams, " | ")+"]")
	if md.AutoBackfillMode == nil {
		b.field("autobackfill", "null")
	} else {
		b.field("autobackfill", value(*md.AutoBackfillMode))
	}
	if md.AutoBackfillTicketID != nil {
		b.field("autobackfillTicket", p.ticketID(*md.AutoBackfillTicketID))
	}
	if md.MatchID != matchID {
		b.field("data.match", p.id('M', md.MatchID))
	}
	if len(resources) != 1 || md.MatchmakingConfigurationArn != resources[0] {
		b.field("data.config", value(md.MatchmakingConfigurationArn))
	}
}

// matchmakerValue writes an attribute of the matchmaker data, with its
// attributeType in front when that is not the type of its value.
func matchmakerValue(a MatchmakerAttribute) string {
	s := goValue(a.ValueAttribute)
	want := ""
	switch a.ValueAttribute.(type) {
	case string:
		want = ticket.KindString.MatchmakerType()
	case float64:
		want = ticket.KindNumber.MatchmakerType()
	case []any:
		want = ticket.KindList.MatchmakerType()
	case map[string]any:
		want = ticket.KindMap.MatchmakerType()
	}
	if a.AttributeType != want {
		s = value(a.AttributeType) + ":" + s
	}
	return s
}

// goValue writes an attribute value: a number bare, a string quoted, a
// list as ["a","b"] and a map as {"a":1,"b":2} with sorted keys.
func goValue(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case float64:
		return number(x)
	case []string:
		qs := make([]string, len(x))
		for i, s := range x {
			qs[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(qs, ",") + "]"
	case []any:
		qs := make([]string, len(x))
		for i, s := range x {
			qs[i] = goValue(s)
		}
		return "[" + strings.Join(qs, ",") + "]"
	case map[string]float64:
		qs := make([]string, 0, len(x))
		for _, k := range sortedKeys(x) {
			qs = append(qs, strconv.Quote(k)+":"+number(x[k]))
		}
		return "{" + strings.Join(qs, ",") + "}"
	case map[string]any:
		qs := make([]string, 0, len(x))
		for _, k := range sortedKeys(x) {
			qs = append(qs, strconv.Quote(k)+":"+goValue(x[k]))
		}
		return "{" + strings.Join(qs, ",") + "}"
	case nil:
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func number(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// rel returns t as seconds from second 0.
func (p *projector) rel(t time.Time) string {
	return strconv.FormatFloat(t.Sub(p.start).Seconds(), 'f', -1, 64)
}

// generatedID matches the ids the engine makes: a version-4 UUID, or
// "psess-" and one for a player session.
var generatedID = regexp.MustCompile(`(?:psess-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// id returns the short name of a generated id, giving it one with letter
// kind if it has none yet; any other id is returned as it is.
func (p *projector) id(kind byte, s string) string {
	if loc := generatedID.FindStringIndex(s); loc == nil || loc[0] != 0 || loc[1] != len(s) {
		return s
	}
	return p.name(kind, s)
}

func (p *projector) name(kind byte, s string) string {
	if n, ok := p.names[s]; ok {
		return n
	}
	if strings.HasPrefix(s, "psess-") {
		kind = 'S'
	}
	p.counts[kind]++
	n := string(kind) + strconv.Itoa(p.counts[kind])
	p.names[s] = n
	return n
}

// ticketID returns a ticket id for a line: renamed if generated, quoted if
// it needs to be.
func (p *projector) ticketID(s string) string { return token(p.id('T', s)) }

// text renames the generated ids inside free text such as a message.
func (p *projector) text(s string) string {
	return generatedID.ReplaceAllStringFunc(s, func(id string) string { return p.name('U', id) })
}

// token returns s bare when it is made only of letters, digits and ._-
// (as ids and team names usually are), and quoted otherwise, so that it
// cannot be confused with the separators around it.
func token(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-')) {
			return strconv.Quote(s)
		}
	}
	return s
}

// value returns s bare when it holds no space, quote or separator of the
// line (so ARNs and codes stay bare), and quoted otherwise.
func value(s string) string {
	if s == "" {
		return ""
	}
	if strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`"'()[]{}|,;=\`, r)
	}) {
		return strconv.Quote(s)
	}
	return s
}

// lineEnd returns a message that ends a line: as it is unless it holds a
// control character such as a newline, and quoted then.
func lineEnd(s string) string {
	if strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(s)
	}
	return s
}

// lineBuilder builds one line of the projection.
type lineBuilder struct{ strings.Builder }

// field appends " key=val", or nothing when val is empty.
func (b *lineBuilder) field(key, val string) {
	if val == "" {
		return
	}
	b.WriteByte(' ')
	b.WriteString(key)
	b.WriteByte('=')
	b.WriteString(val)
}
