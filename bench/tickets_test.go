package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// eventfulOptions is a short run that ends tickets every way the simulator
// can: matches, acceptances rejected and ignored (so cancelled with both
// reasons), request time-outs, with parties of one to three players from
// four home locations.
func eventfulOptions() Options {
	cfg := DefaultConfig()
	cfg.AcceptanceRequired, cfg.AcceptanceTimeoutSeconds = true, 10
	cfg.RequestTimeoutSeconds = 45
	pop := DefaultPopulation()
	pop.Arrivals.RatePerMinute = 300
	pop.Parties = []Party{{Size: 1, Weight: 6}, {Size: 2, Weight: 3}, {Size: 3, Weight: 1}}
	pop.Behavior = Behavior{RejectRate: 0.03, IgnoreRate: 0.02, AcceptDelaySeconds: NumberDist{Mean: 2, SD: 1}}
	return Options{Config: cfg, Population: &pop, Duration: 3 * time.Minute, Seed: 3}
}

// eventful is the report of eventfulOptions, simulated once for the tests
// that only read it.
var eventful struct {
	once sync.Once
	r    *Report
	err  error
}

func eventfulReport(t *testing.T) *Report {
	t.Helper()
	eventful.once.Do(func() { eventful.r, eventful.err = Simulate(context.Background(), eventfulOptions()) })
	if eventful.err != nil {
		t.Fatal(eventful.err)
	}
	return eventful.r
}

// simulateRecords runs opts with a ticket export and returns the report
// and the records, each line decoded strictly into a TicketRecord.
func simulateRecords(t *testing.T, opts Options) (*Report, []TicketRecord, []byte) {
	t.Helper()
	var buf bytes.Buffer
	opts.Tickets = &buf
	r, err := Simulate(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var recs []TicketRecord
	for i, line := range bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n")) {
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var rec TicketRecord
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("line %d is not a TicketRecord: %v\n%s", i+1, err, line)
		}
		recs = append(recs, rec)
	}
	return r, recs, buf.Bytes()
}

// TestTicketRecords checks the export: one record per submitted ticket,
// statuses and reasons that sum to the report's counts, and fields that
// agree with the report and the population.
func TestTicketRecords(t *testing.T) {
	t.Parallel()
	opts := eventfulOptions()
	r, recs, raw := simulateRecords(t, opts)
	if len(recs) != r.Tickets {
		t.Fatalf("%d records for %d tickets", len(recs), r.Tickets)
	}
	if withoutCost(t, r) != withoutCost(t, eventfulReport(t)) {
		t.Errorf("exporting the tickets changed the report")
	}
	seen := map[string]bool{}
	statuses := map[string]int{}
	endings := map[Ending]int{}
	locations := map[string]int{}
	sizes := map[int]int{}
	matchPlayers := map[string]int{}
	waitSum := 0.0
	for _, rec := range recs {
		if seen[rec.TicketID] {
			t.Fatalf("ticket %s has two records", rec.TicketID)
		}
		seen[rec.TicketID] = true
		statuses[rec.Status]++
		locations[rec.Location]++
		sizes[rec.PartySize]++
		if rec.End.Before(rec.Arrival) || rec.WaitSeconds < 0 || rec.PartySize != len(rec.Players) {
			t.Errorf("record %+v: ends before it arrives, waits less than 0 or miscounts its players", rec)
		}
		for _, p := range rec.Players {
			if _, ok := p.Attributes["skill"].(float64); !ok {
				t.Errorf("record %s: player %s has no number skill: %v", rec.TicketID, p.PlayerID, p.Attributes)
			}
		}
		switch rec.Status {
		case string(ticket.StatusCompleted):
			waitSum += rec.WaitSeconds
			matchPlayers[rec.MatchID] += rec.PartySize
			if rec.MatchID == "" || rec.StatusReason != "" || rec.MatchLocation == "" {
				t.Errorf("completed record %+v: want a match id and location, and no reason", rec)
			}
			for _, p := range rec.Players {
				if p.Team != "red" && p.Team != "blue" {
					t.Errorf("completed record %s: player %s on team %q", rec.TicketID, p.PlayerID, p.Team)
				}
			}
		default:
			endings[Ending{Status: rec.Status, Reason: rec.StatusReason}]++
			if rec.MatchID != "" || rec.StatusReason == "" {
				t.Errorf("record %+v: an ended ticket has no match and gives its reason", rec)
			}
			if got := rec.End.Sub(rec.Arrival).Seconds(); got != rec.WaitSeconds {
				t.Errorf("record %s: waits %v s, but ends %v s after it arrived", rec.TicketID, rec.WaitSeconds, got)
			}
		}
	}
	for i := range uint64(r.Tickets) {
		if !seen[TicketID(i)] {
			t.Errorf("ticket %s has no record", TicketID(i))
		}
	}
	want := map[string]int{"COMPLETED": r.Matched, "TIMED_OUT": r.TimedOut, "CANCELLED": r.Cancelled, "FAILED": r.Failed}
	for st, n := range want { // order does not matter: each status is compared on its own
		if statuses[st] != n {
			t.Errorf("%d %s records; the report counts %d", statuses[st], st, n)
		}
	}
	if r.TimedOut == 0 || r.Cancelled == 0 || r.Matched == 0 {
		t.Errorf("the run ended too few ways: %+v", statuses)
	}
	for _, e := range r.Endings {
		if endings[Ending{Status: e.Status, Reason: e.Reason}] != e.Tickets {
			t.Errorf("ending %s %s: %d records, the report counts %d", e.Status, e.Reason, endings[Ending{Status: e.Status, Reason: e.Reason}], e.Tickets)
		}
	}
	for _, reason := range []string{ticket.ReasonRequestTimeout, ticket.ReasonAcceptanceRejected, ticket.ReasonAcceptanceTimeout} {
		found := false
		for e := range endings { // order does not matter: looking for one key
			found = found || e.Reason == reason
		}
		if !found {
			t.Errorf("no ticket ended with %s: %v", reason, endings)
		}
	}
	if mean := waitSum / float64(r.Matched); fmt.Sprintf("%.6f", mean) != fmt.Sprintf("%.6f", r.Wait.Mean) {
		t.Errorf("the records' mean wait is %v; the report's %v", mean, r.Wait.Mean)
	}
	for _, g := range r.ByLocation {
		if locations[g.Name] != g.Tickets {
			t.Errorf("location %s: %d records, the report counts %d", g.Name, locations[g.Name], g.Tickets)
		}
	}
	for _, g := range r.ByPartySize {
		var size int
		fmt.Sscan(g.Name, &size)
		if sizes[size] != g.Tickets {
			t.Errorf("party size %s: %d records, the report counts %d", g.Name, sizes[size], g.Tickets)
		}
	}
	// Each match holds ten players: the rule set's two teams of five.
	for id, n := range matchPlayers { // order does not matter: each match is checked on its own
		if n != 10 {
			t.Errorf("match %s holds %d players of the records; want 10", id, n)
		}
	}
	if len(matchPlayers) != r.Matches {
		t.Errorf("%d matches in the records; the report counts %d", len(matchPlayers), r.Matches)
	}
	// The same seed writes the same bytes.
	_, _, again := simulateRecords(t, opts)
	if !bytes.Equal(raw, again) {
		t.Errorf("two runs with the same seed wrote different records")
	}
}

// TestTicketRecordHome checks that a record's location is the home location
// the generator drew: the one its players have the near latency to.
func TestTicketRecordHome(t *testing.T) {
	pop := DefaultPopulation()
	pop.Latency = LatencyModel{Near: Normal{Mean: 10}, Far: Normal{Mean: 500}}
	g, err := NewGenerator(pop, 5)
	if err != nil {
		t.Fatal(err)
	}
	homes := map[string]bool{}
	for i := range uint64(200) {
		home := g.Home(i)
		homes[home] = true
		for _, p := range g.Players(i) {
			for loc, ms := range p.LatencyInMs { // order does not matter: each location is checked on its own
				if (loc == home) != (ms == 10) {
					t.Fatalf("ticket %d: home %s, but player %s has %d ms to %s", i, home, p.PlayerID, ms, loc)
				}
			}
		}
	}
	if len(homes) != len(pop.Locations) {
		t.Errorf("200 tickets drew homes %v; want each of the %d locations", homes, len(pop.Locations))
	}
	none := Population{Arrivals: Arrivals{RatePerMinute: 1}}
	if g, _ := NewGenerator(none, 1); g.Home(0) != "" {
		t.Errorf("a population without locations gave home %q", g.Home(0))
	}
}

// TestReasonsAsTheEngineSays checks the reasons the simulator derives for
// tickets the engine has already forgotten: with a retention long enough
// that the engine still describes every ended ticket, the report is the
// same.
func TestReasonsAsTheEngineSays(t *testing.T) {
	t.Parallel()
	opts := eventfulOptions()
	a, err := Simulate(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Engine.TicketRetention = 24 * time.Hour
	b, err := Simulate(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Endings, b.Endings) {
		t.Errorf("endings with the tickets forgotten %v; with them retained %v", a.Endings, b.Endings)
	}
	if len(a.Endings) < 3 {
		t.Errorf("endings %v; want time-outs and both kinds of failed acceptance", a.Endings)
	}
}

// failingWriter fails every write after the first n bytes.
type failingWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

func TestTicketRecordsWriteError(t *testing.T) {
	opts := eventfulOptions()
	opts.Tickets = &failingWriter{n: 2000}
	_, err := Simulate(context.Background(), opts)
	if !errors.Is(err, errDiskFull) || !strings.Contains(err.Error(), "ticket records") {
		t.Errorf("Simulate = %v; want the write error, naming the ticket records", err)
	}
	// Buffered, as the documentation advises, the records are the same.
	var plain, buffered bytes.Buffer
	opts.Tickets = &plain
	if _, err := Simulate(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(&buffered)
	opts.Tickets = w
	if _, err := Simulate(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if !bytes.Equal(plain.Bytes(), buffered.Bytes()) || plain.Len() == 0 {
		t.Errorf("buffered records differ from plain ones")
	}
}

// TestUnresolvedRecords checks that tickets still waiting when a run stops
// are recorded with the status they had. A valid configuration times every
// ticket out within the drain, so the test stops a run by hand.
func TestUnresolvedRecords(t *testing.T) {
	var buf bytes.Buffer
	s, err := newSim(Options{Tickets: &buf, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	at := s.opts.Start
	for i := range uint64(4) {
		if err := s.submit(at, i); err != nil {
			t.Fatal(err)
		}
	}
	now := at.Add(time.Second)
	s.handle(s.e.Step(now))
	s.unresolved(now)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d records for 4 waiting tickets:\n%s", len(lines), buf.String())
	}
	for _, line := range lines {
		var rec TicketRecord
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Status != string(ticket.StatusSearching) || !rec.End.Equal(now) || rec.WaitSeconds != 1 || len(rec.Players) != 1 {
			t.Errorf("record %+v: want SEARCHING, ending when the run stopped, one second after it arrived", rec)
		}
	}
	if g := s.b.bySize[1]; g.tickets != 4 || g.failed != 4 {
		t.Errorf("solo tickets: %+v; want 4 tickets, 4 counted as failed or unresolved", g)
	}
}

// TestExpansionPhases checks the derivation of each match's expansion
// phase: a rule set whose distance rule no two players pass before its
// expansion at 5 s makes every match in phase 1, and one whose players all
// have the same skill makes every match in phase 0.
func TestExpansionPhases(t *testing.T) {
	t.Parallel()
	rs := `{"ruleLanguageVersion": "1.0", "playerAttributes": [{"name": "skill", "type": "number"}],
	  "teams": [{"name": "a", "minPlayers": 1, "maxPlayers": 1}, {"name": "b", "minPlayers": 1, "maxPlayers": 1}],
	  "rules": [{"name": "Close", "type": "distance", "measurements": ["teams[a].players.attributes[skill]"],
	    "referenceValue": "teams[b].players.attributes[skill]", "maxDistance": 0}],
	  "expansions": [{"target": "rules[Close].maxDistance", "steps": [{"waitTimeSeconds": 5, "value": 1000}]}]}`
	if _, err := ruleset.Load([]byte(rs)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		skill NumberDist
		phase int
	}{
		{"expansion needed", NumberDist{Dist: DistUniform, Min: F(0), Max: F(100)}, 1},
		{"expansion not needed", NumberDist{Mean: 50}, 0},
	} {
		pop := Population{Arrivals: Arrivals{RatePerMinute: 60}, Attributes: map[string]Attribute{
			"skill": {Type: TypeNumber, NumberDist: tt.skill},
		}}
		r, recs, _ := simulateRecords(t, Options{RuleSet: rs, Population: &pop, Duration: 2 * time.Minute, Seed: 2})
		if len(r.Expansion) != 2 || r.Expansion[1].FromSeconds != 5 || r.Matches == 0 {
			t.Fatalf("%s: expansion phases %+v, %d matches; want phases from 0 s and 5 s, and matches", tt.name, r.Expansion, r.Matches)
		}
		// From the records: a match's newest ticket's age at its creation
		// is the least wait of its tickets.
		newest := map[string]float64{}
		for _, rec := range recs {
			if rec.Status == string(ticket.StatusCompleted) {
				if w, ok := newest[rec.MatchID]; !ok || rec.WaitSeconds < w {
					newest[rec.MatchID] = rec.WaitSeconds
				}
			}
		}
		late := 0
		for _, w := range newest { // order does not matter: counting
			if w >= 5 {
				late++
			}
		}
		if late != r.Expansion[1].Matches || r.Expansion[0].Matches+r.Expansion[1].Matches != r.Matches {
			t.Errorf("%s: %d matches came after 5 s by the records; the report's phases %+v", tt.name, late, r.Expansion)
		}
		if tt.phase == 1 && r.Expansion[0].Matches != 0 {
			t.Errorf("%s: %d matches in phase 0, where no two players pass", tt.name, r.Expansion[0].Matches)
		}
		if tt.phase == 0 && r.Expansion[1].Matches == r.Matches {
			t.Errorf("%s: every match waited for the expansion: %+v", tt.name, r.Expansion)
		}
	}
}
