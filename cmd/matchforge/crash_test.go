package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/oplog"
	"github.com/matchforge/matchforge/server"
)

// The crash test runs the real "matchforge serve --data-dir" as a child
// process, drives a seeded load of operations at it over HTTP, kills it
// with SIGKILL at random moments, restarts it, and checks what durability
// promises: every acknowledged ticket exists in the status it had or a
// later legal one; no ticket is in two matches and no match is formed
// twice; an event seen before a crash is never seen again with another
// content, and none the log implies is missing; and the final state equals
// that of a replay of the whole log, from its first record, without a
// crash or a snapshot.
const (
	crashKills     = 5
	crashMinOps    = 2000
	crashWorkers   = 4
	crashTestLimit = 60 * time.Second
	crashSeed      = 7
)

// crashLoad is the load generator's view of the server.
type crashLoad struct {
	t        *testing.T
	endpoint atomic.Pointer[string]
	rng      *rand.Rand // guarded by mu
	mu       sync.Mutex
	next     int
	acked    map[string]string // ticket -> the last status the server said it had
	stopped  map[string]bool   // tickets StopMatchmaking succeeded on
	pending  map[string][]string
	sessions []sessionInfo
	ops      atomic.Int64
	failures atomic.Int64 // requests that met a dead server

	evMu   sync.Mutex
	events []string          // event ids in the order first seen
	byID   map[string]string // event id -> JSON
}

type sessionInfo struct {
	match   string
	players [][2]string // player id, team
}

func (c *crashLoad) call(op, body string) (int, []byte, error) {
	req, _ := http.NewRequest(http.MethodPost, *c.endpoint.Load()+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "GameLift."+op)
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, err = bufio.NewReader(resp.Body).WriteTo(&b)
	return resp.StatusCode, []byte(b.String()), err
}

// work sends operations until stop is closed.
func (c *crashLoad) work(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		c.mu.Lock()
		x := c.rng.IntN(100)
		var op, body, tid string
		switch {
		case x < 55 || len(c.acked) == 0:
			c.next++
			cfg := "duel"
			if c.next%3 == 0 {
				cfg = "accept"
			}
			tid = fmt.Sprintf("c%d", c.next)
			op = gamelift.OpStartMatchmaking
			body = fmt.Sprintf(`{"ConfigurationName":%q,"TicketId":%q,"Players":[{"PlayerId":"pl-%d","PlayerAttributes":{"skill":{"N":%d}}}]}`, cfg, tid, c.next, 50+c.rng.IntN(100))
		case x < 63:
			tid = fmt.Sprintf("c%d", 1+c.rng.IntN(c.next))
			op, body = gamelift.OpStopMatchmaking, fmt.Sprintf(`{"TicketId":%q}`, tid)
		case x < 83 && len(c.pending) > 0:
			keys := slices.Sorted(maps.Keys(c.pending))
			tid = keys[c.rng.IntN(len(keys))]
			answer := "ACCEPT"
			if c.rng.IntN(5) == 0 {
				answer = "REJECT"
			}
			ps, _ := json.Marshal(c.pending[tid])
			delete(c.pending, tid)
			op, body = gamelift.OpAcceptMatch, fmt.Sprintf(`{"TicketId":%q,"PlayerIds":%s,"AcceptanceType":%q}`, tid, ps, answer)
		case x < 93 && len(c.sessions) > 0:
			s := c.sessions[c.rng.IntN(len(c.sessions))]
			var players []string
			for _, p := range s.players {
				players = append(players, fmt.Sprintf(`{"PlayerId":%q,"Team":%q,"PlayerAttributes":{"skill":{"N":100}}}`, p[0], p[1]))
			}
			op, body = gamelift.OpStartMatchBackfill, fmt.Sprintf(`{"ConfigurationName":"duel","GameSessionArn":%q,"Players":[%s]}`, s.match, strings.Join(players, ","))
		default:
			var ids []string
			for range 5 {
				ids = append(ids, fmt.Sprintf("%q", fmt.Sprintf("c%d", 1+c.rng.IntN(c.next))))
			}
			op, body = gamelift.OpDescribeMatchmaking, `{"TicketIds":[`+strings.Join(ids, ",")+`]}`
		}
		c.mu.Unlock()

		status, out, err := c.call(op, body)
		if err != nil {
			c.failures.Add(1)
			time.Sleep(5 * time.Millisecond) // the server is down: wait for the restart
			continue
		}
		c.ops.Add(1)
		if status != http.StatusOK {
			continue
		}
		c.mu.Lock()
		switch op {
		case gamelift.OpStartMatchmaking:
			c.acked[tid] = "QUEUED"
		case gamelift.OpStopMatchmaking:
			c.stopped[tid] = true
		case gamelift.OpDescribeMatchmaking:
			var d struct {
				TicketList []struct{ TicketId, Status string }
			}
			json.Unmarshal(out, &d)
			for _, tk := range d.TicketList {
				if _, ok := c.acked[tk.TicketId]; ok {
					c.acked[tk.TicketId] = tk.Status
				}
			}
		}
		c.mu.Unlock()
	}
}

// watch reads GET /events, resuming with Last-Event-ID across restarts,
// until stop is closed and the stream ends.
func (c *crashLoad) watch(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	last := ""
	for {
		select {
		case <-stop:
			return
		default:
		}
		req, _ := http.NewRequest(http.MethodGet, *c.endpoint.Load()+"/events", nil)
		if last != "" {
			req.Header.Set("Last-Event-ID", last)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if resp.StatusCode != http.StatusOK {
			var b strings.Builder
			bufio.NewReader(resp.Body).WriteTo(&b)
			resp.Body.Close()
			c.t.Errorf("GET /events with Last-Event-ID %s: %d %s", last, resp.StatusCode, b.String())
			return
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		// An event counts only once the blank line that ends it has come
		// (as the SSE rules have it): a kill can cut the stream in the
		// middle of a line, and the scanner returns that fragment at EOF.
		id, data := "", ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				id = line[4:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case line == "":
				if id != "" && data != "" {
					c.sawEvent(id, data)
					last = id
				}
				id, data = "", ""
			}
		}
		resp.Body.Close()
	}
}

// sawEvent records an event and learns from it what the load needs: the
// players who must answer, the game sessions to backfill.
func (c *crashLoad) sawEvent(id, data string) {
	c.evMu.Lock()
	if prev, ok := c.byID[id]; ok {
		if prev != data {
			c.t.Errorf("event %s came again with another content:\nfirst %s\nlater %s", id, prev, data)
		}
		c.evMu.Unlock()
		return
	}
	c.byID[id] = data
	c.events = append(c.events, id)
	c.evMu.Unlock()
	var ev gamelift.Event
	json.Unmarshal([]byte(data), &ev)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch ev.Detail.Type {
	case "PotentialMatchCreated":
		if ev.Detail.AcceptanceRequired != nil && *ev.Detail.AcceptanceRequired {
			for _, tk := range ev.Detail.Tickets {
				var ps []string
				for _, p := range tk.Players {
					ps = append(ps, p.PlayerID)
				}
				c.pending[tk.TicketID] = ps
			}
		}
	case "MatchmakingSucceeded":
		if ev.ConfigurationName() == "duel" && len(c.sessions) < 50 {
			s := sessionInfo{match: ev.Detail.MatchID}
			for _, p := range ev.Detail.GameSessionInfo.Players {
				s.players = append(s.players, [2]string{p.PlayerID, p.Team})
			}
			c.sessions = append(c.sessions, s)
		}
	}
}

func TestServeSurvivesSIGKILL(t *testing.T) {
	deadline := time.Now().Add(crashTestLimit)
	dir := t.TempDir()
	args := []string{"--data-dir", dir, "--keep-log", "--snapshot-every", "400", "--tick", "20ms", "--event-history", "1000000",
		"--setup", filepath.Join("testdata", "serve", "crash-setup.json"), "--seed", fmt.Sprint(crashSeed)}
	c := &crashLoad{t: t, rng: rand.New(rand.NewPCG(11, 12)), acked: map[string]string{}, stopped: map[string]bool{},
		pending: map[string][]string{}, byID: map[string]string{}}
	p := startServe(t, args...)
	c.endpoint.Store(&p.endpoint)
	p.waitReady()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range crashWorkers {
		wg.Add(1)
		go func() { defer wg.Done(); c.work(stop) }()
	}
	watchStop, watchDone := make(chan struct{}), make(chan struct{})
	go c.watch(watchStop, watchDone)

	kill := rand.New(rand.NewPCG(13, 14))
	kills := 0
	for kills < crashKills || c.ops.Load() < crashMinOps {
		if time.Now().After(deadline) {
			close(stop)
			wg.Wait()
			t.Fatalf("after %v: %d kills, %d operations", crashTestLimit, kills, c.ops.Load())
		}
		time.Sleep(time.Duration(150+kill.IntN(450)) * time.Millisecond)
		if kills < crashKills {
			p.cmd.Process.Kill()
			<-p.done
			kills++
			p = startServe(t, args...)
			c.endpoint.Store(&p.endpoint)
		}
	}
	close(stop)
	wg.Wait()
	time.Sleep(300 * time.Millisecond) // let the steps settle what the last operations started
	close(watchStop)
	if code := p.stop(os.Interrupt); code != 0 {
		t.Fatalf("the last serve exited %d", code)
	}
	select {
	case <-watchDone:
	case <-time.After(10 * time.Second):
		t.Fatal("the event reader did not end after the stop")
	}

	// The state the crashes left, restored as a start would (the last
	// snapshot and the records after it), and the state of a replay of the
	// whole log from record 1, with no snapshot.
	crashed := openServer(t, dir)
	all := t.TempDir()
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*"))
	for _, f := range segs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(all, strings.TrimSuffix(filepath.Base(f), ".done")), b, 0o644)
	}
	reference := openServer(t, all)
	if !reference.Restored() || !crashed.Restored() {
		t.Fatal("a server did not restore")
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []string
	for i := 1; i <= c.next; i++ {
		ids = append(ids, fmt.Sprintf("c%d", i))
	}
	got, want := describe(t, crashed, ids), describe(t, reference, ids)
	if len(got) != len(want) {
		t.Fatalf("the crashed server describes %d tickets, the replay %d", len(got), len(want))
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("ticket %s after the crashes: %s\nreplayed from the first record: %s", id, got[id], w)
		}
	}
	checked := 0
	terminal := map[string]bool{"COMPLETED": true, "CANCELLED": true, "TIMED_OUT": true, "FAILED": true}
	for id, status := range c.acked {
		final, ok := got[id]
		if !ok {
			t.Errorf("acknowledged ticket %s is gone", id)
			continue
		}
		var tk struct{ Status string }
		json.Unmarshal([]byte(final), &tk)
		switch {
		case terminal[status] && tk.Status != status:
			t.Errorf("ticket %s was %s and is now %s", id, status, tk.Status)
		case c.stopped[id] && tk.Status != "CANCELLED":
			t.Errorf("ticket %s was stopped and is %s", id, tk.Status)
		}
		checked++
	}

	// Events: those seen over the stream, across the restarts, are the
	// replay's, in order, none missing.
	ref := eventHistory(reference)
	if len(c.events) != len(ref) {
		t.Errorf("the stream delivered %d distinct events, the replay of the log has %d", len(c.events), len(ref))
	}
	for i := range min(len(c.events), len(ref)) {
		if c.byID[c.events[i]] != ref[i] {
			t.Fatalf("event %d seen over the stream differs from the replay's %s", i, firstDifference(c.byID[c.events[i]], ref[i]))
		}
	}
	// No match formed twice, no ticket in two matches.
	matches, succeeded := map[string]int{}, map[string]string{}
	for _, data := range ref {
		var ev gamelift.Event
		json.Unmarshal([]byte(data), &ev)
		switch ev.Detail.Type {
		case "PotentialMatchCreated":
			matches[ev.Detail.MatchID]++
			if matches[ev.Detail.MatchID] > 1 {
				t.Errorf("match %s was formed twice", ev.Detail.MatchID)
			}
		case "MatchmakingSucceeded":
			for _, tk := range ev.Detail.Tickets {
				if !strings.HasPrefix(tk.TicketID, "c") {
					continue // a backfill ticket lists the session's players again
				}
				if prev, ok := succeeded[tk.TicketID]; ok && prev != ev.Detail.MatchID {
					t.Errorf("ticket %s is in matches %s and %s", tk.TicketID, prev, ev.Detail.MatchID)
				}
				succeeded[tk.TicketID] = ev.Detail.MatchID
			}
		}
	}
	if len(succeeded) == 0 || len(c.sessions) == 0 {
		t.Error("no match succeeded: the load did not exercise matching")
	}
	t.Logf("%d operations (%d met a dead server), %d kills, %d acknowledged tickets checked, %d events, %d matches",
		c.ops.Load(), c.failures.Load(), kills, checked, len(ref), len(matches))
}

// openServer restores a server from the log in dir, in this process,
// without serving (so nothing steps).
func openServer(t *testing.T, dir string) *server.Server {
	t.Helper()
	lg, err := oplog.Open(dir, oplog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lg.Close() })
	s, err := server.New(server.Config{Log: lg, EventHistory: server.MaxEventHistory, Service: gamelift.Options{Engine: engine.Config{Seed: crashSeed}}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// describe returns each ticket's DescribeMatchmaking JSON, by id.
func describe(t *testing.T, s *server.Server, ids []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for i := 0; i < len(ids); i += 10 {
		in, _ := json.Marshal(map[string]any{"TicketIds": ids[i:min(len(ids), i+10)]})
		b, err := s.Do(gamelift.OpDescribeMatchmaking, in)
		if err != nil {
			t.Fatal(err)
		}
		var d struct{ TicketList []json.RawMessage }
		json.Unmarshal(b, &d)
		for _, raw := range d.TicketList {
			var tk struct{ TicketId string }
			json.Unmarshal(raw, &tk)
			out[tk.TicketId] = string(raw)
		}
	}
	return out
}

// eventHistory returns the JSON of every event a server holds, in order,
// read over its handler's GET /events from the first.
func eventHistory(s *server.Server) []string {
	return s.History()
}

func TestServeDataDirKeepsItsIdentity(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, "--data-dir", dir, "--seed", "5", "--region", "eu-north-1", "--setup", filepath.Join("testdata", "serve", "setup.json"))
	p.waitReady()
	if code := p.stop(os.Interrupt); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var id struct {
		Seed   uint64
		Region string
	}
	if b, err := os.ReadFile(filepath.Join(dir, "IDENTITY")); err != nil || json.Unmarshal(b, &id) != nil || id.Seed != 5 || id.Region != "eu-north-1" {
		t.Fatalf("IDENTITY: %+v (%v)", id, err)
	}
	for _, tc := range []struct{ flag, value, want string }{
		{"--seed", "6", "made with 5"},
		{"--region", "us-west-2", "made with eu-north-1"},
		{"--event-matchmaker-data", "true", "made with false"},
	} {
		code, stderr := runServeToExit(t, "--data-dir", dir, tc.flag+"="+tc.value)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s=%s on the same data directory: exit %d, %s", tc.flag, tc.value, code, stderr)
		}
	}
	// Without the flags the directory's identity is used, the state is
	// restored, and the setup file creates nothing again.
	p = startServe(t, "--data-dir", dir, "--setup", filepath.Join("testdata", "serve", "setup.json"))
	p.waitReady()
	var out struct {
		Configurations []struct{ Name, ConfigurationArn string }
	}
	mustCallAPI(t, p.endpoint, "DescribeMatchmakingConfigurations", "{}", &out)
	if len(out.Configurations) != 2 || !strings.Contains(out.Configurations[0].ConfigurationArn, ":eu-north-1:") {
		t.Errorf("after the restart: %+v", out.Configurations)
	}
	if code := p.stop(os.Interrupt); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if log := p.stderr.String(); !strings.Contains(log, "setup applied") || !strings.Contains(log, "created=0") || !strings.Contains(log, "seed=5") {
		t.Errorf("the restart's log does not say the setup created nothing and seed 5 was kept:\n%s", log)
	}
	// State without its identity file is refused, not replayed with a
	// new seed.
	os.Remove(filepath.Join(dir, "IDENTITY"))
	if code, stderr := runServeToExit(t, "--data-dir", dir); code != 1 || !strings.Contains(stderr, "no IDENTITY file") {
		t.Errorf("a data directory without IDENTITY: exit %d, %s", code, stderr)
	}
}

// firstDifference shows where two renderings part, with some context.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("at byte %d:\nstream: ...%s\nreplay: ...%s", i, a[from:min(len(a), i+200)], b[from:min(len(b), i+200)])
}
