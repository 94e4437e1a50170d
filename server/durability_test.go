package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/oplog"
)

// durableServer opens the log in dir and a server on it, on clock c.
func durableServer(t *testing.T, dir string, c *clock, cfg Config) (*Server, *oplog.FileLog) {
	t.Helper()
	lg, err := oplog.Open(dir, oplog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Log, cfg.Clock, cfg.Tick = lg, c.now, time.Hour
	s, err := New(cfg)
	if err != nil {
		lg.Close()
		t.Fatal(err)
	}
	return s, lg
}

// history returns the ids and JSON of the events the server holds.
func history(s *Server) []string {
	var out []string
	for _, r := range s.hubSnapshot() {
		out = append(out, r.id+" "+string(r.data))
	}
	return out
}

// script drives a server through operations with the clock moving: tickets
// in two configurations, steps, a stop, an acceptance.
func script(t *testing.T, s *Server, c *clock, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		c.advance(700 * time.Millisecond)
		cfg := "duel"
		if i%3 == 0 {
			cfg = "lobby"
		}
		mustDo(t, s, gamelift.OpStartMatchmaking, map[string]any{"ConfigurationName": cfg, "TicketId": fmt.Sprintf("t%d", i),
			"Players": []any{map[string]any{"PlayerId": fmt.Sprintf("p%d", i), "PlayerAttributes": map[string]any{"skill": map[string]any{"N": i % 7}}}}})
		if i%4 == 1 {
			s.Step()
		}
		if i%9 == 5 {
			s.Do(gamelift.OpStopMatchmaking, []byte(fmt.Sprintf(`{"TicketId":"t%d"}`, i)))
		}
	}
}

func describeAll(t *testing.T, s *Server, n int) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < n; i += 10 {
		var ids []string
		for j := i; j < min(n, i+10); j++ {
			ids = append(ids, fmt.Sprintf("t%d", j))
		}
		b.Write(mustDo(t, s, gamelift.OpDescribeMatchmaking, map[string]any{"TicketIds": ids}))
	}
	return b.String()
}

func TestDurableServerResumesExactly(t *testing.T) {
	for _, snapEvery := range []int{1 << 30, 7} { // replay only; and snapshots every 7 records
		t.Run(fmt.Sprintf("snapshot-every-%d", snapEvery), func(t *testing.T) {
			dir := t.TempDir()
			cfg := Config{SnapshotEvery: snapEvery}
			// The reference runs straight through, in memory.
			refClock := &clock{t: epoch}
			ref, _ := newTestServer(t, Config{}, "")
			ref.cfg.Clock = refClock.now
			// The durable one stops after 20 tickets, as if killed, and starts again.
			c := &clock{t: epoch}
			s, lg := durableServer(t, dir, c, cfg)
			if s.Restored() {
				t.Fatal("a new data directory reads as restored")
			}
			setupDuelAndLobby(t, s, "")
			script(t, ref, refClock, 0, 20)
			script(t, s, c, 0, 20)
			before := describeAll(t, s, 20)
			lg.Close() // every acknowledged record is durable; nothing else is done at a crash

			s2, lg2 := durableServer(t, dir, c, cfg)
			defer lg2.Close()
			if !s2.Restored() {
				t.Fatal("the restarted server does not say it restored")
			}
			if after := describeAll(t, s2, 20); after != before {
				t.Fatalf("DescribeMatchmaking after the restart differs:\nbefore %s\nafter  %s", before, after)
			}
			// It continues exactly as the reference does.
			script(t, ref, refClock, 20, 40)
			script(t, s2, c, 20, 40)
			if got, want := describeAll(t, s2, 40), describeAll(t, ref, 40); got != want {
				t.Fatalf("after 20 more tickets the restarted server differs from the reference:\ngot  %s\nwant %s", got, want)
			}
			// Its history ends with the same events as the reference's.
			got, want := history(s2), history(ref)
			if len(got) == 0 || len(got) > len(want) {
				t.Fatalf("%d events in the restarted history, %d in the reference", len(got), len(want))
			}
			tail := want[len(want)-len(got):]
			for i := range got {
				if got[i] != tail[i] {
					t.Fatalf("event %d of the restarted history:\n%s\nwant\n%s", i, got[i], tail[i])
				}
			}
		})
	}
}

func TestTimeoutsPassWhileTheServerIsDown(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: epoch}
	s, lg := durableServer(t, dir, c, Config{})
	setupDuelAndLobby(t, s, "")
	mustDo(t, s, gamelift.OpStartMatchmaking, map[string]any{"ConfigurationName": "lobby", "TicketId": "waiter", "Players": []any{map[string]any{"PlayerId": "w"}}})
	s.Step()
	lg.Close()
	c.advance(11 * time.Minute) // past the lobby's 600 s timeout, while down
	s2, lg2 := durableServer(t, dir, c, Config{})
	defer lg2.Close()
	var out gamelift.DescribeMatchmakingOutput
	json.Unmarshal(mustDo(t, s2, gamelift.OpDescribeMatchmaking, map[string]any{"TicketIds": []string{"waiter"}}), &out)
	if out.TicketList[0].Status != "SEARCHING" {
		t.Fatalf("before the first step: %s", out.TicketList[0].Status)
	}
	s2.Step()
	json.Unmarshal(mustDo(t, s2, gamelift.OpDescribeMatchmaking, map[string]any{"TicketIds": []string{"waiter"}}), &out)
	if out.TicketList[0].Status != "TIMED_OUT" {
		t.Errorf("after the first step past the timeout: %s, want TIMED_OUT", out.TicketList[0].Status)
	}
}

// brokenLog accepts appends and fails to make them durable.
type brokenLog struct{ appended int }

func (b *brokenLog) Append(recs ...oplog.Record) (uint64, error) {
	b.appended += len(recs)
	return uint64(b.appended), nil
}
func (b *brokenLog) Wait(uint64) error               { return errors.New("disk full") }
func (b *brokenLog) Checkpoint(uint64, []byte) error { return errors.New("disk full") }
func (b *brokenLog) Close() error                    { return nil }
func (b *brokenLog) Load(func(uint64, io.Reader) error, func(uint64, oplog.Record) error) error {
	return nil
}

func TestAFailedLogStopsChanges(t *testing.T) {
	s, err := New(Config{Log: &brokenLog{}})
	if err != nil {
		t.Fatal(err)
	}
	s.ready.Store(true)
	_, err = s.Do(gamelift.OpCreateMatchmakingRuleSet, []byte(`{"Name":"duel","RuleSetBody":`+jsonString(oneVsOne)+`}`))
	var ge *gamelift.Error
	if !errors.As(err, &ge) || ge.Type != "InternalServiceException" || !strings.Contains(ge.Message, "disk full") {
		t.Fatalf("a change the log cannot keep: %v", err)
	}
	if s.ready.Load() {
		t.Error("still ready after the log failed")
	}
	if _, err := s.Do(gamelift.OpCreateMatchmakingRuleSet, []byte(`{"Name":"other","RuleSetBody":`+jsonString(oneVsOne)+`}`)); err == nil || !strings.Contains(err.Error(), "refuses changes") {
		t.Errorf("a later change: %v", err)
	}
	if _, err := s.Do(gamelift.OpDescribeMatchmakingRuleSets, []byte(`{}`)); err != nil {
		t.Errorf("a read after the failure: %v", err)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// A change the log will not take (here: it is closed) is refused, not
// acknowledged, and no event of it is published.
func TestAChangeTheLogRefusesIsNotAcknowledged(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: epoch}
	s, lg := durableServer(t, dir, c, Config{})
	setupDuelAndLobby(t, s, "")
	before := len(s.History())
	lg.Close()
	out, err := s.Do(gamelift.OpStartMatchmaking, []byte(`{"ConfigurationName":"duel","TicketId":"ghost","Players":[{"PlayerId":"g"}]}`))
	var ge *gamelift.Error
	if !errors.As(err, &ge) || ge.Type != "InternalServiceException" {
		t.Fatalf("a change the log refused was answered %s, %v", out, err)
	}
	s.Step()
	if after := len(s.History()); after != before {
		t.Errorf("%d events published after the log refused changes", after-before)
	}
	s2, lg2 := durableServer(t, dir, c, Config{})
	defer lg2.Close()
	var d gamelift.DescribeMatchmakingOutput
	json.Unmarshal(mustDo(t, s2, gamelift.OpDescribeMatchmaking, map[string]any{"TicketIds": []string{"ghost"}}), &d)
	if len(d.TicketList) != 0 {
		t.Errorf("the refused ticket exists after a restart: %+v", d.TicketList)
	}
}

// A restart never gives the engine a time earlier than the log's last,
// whether it replays records or restores a snapshot with none after it.
func TestTimeDoesNotRunBackAcrossARestart(t *testing.T) {
	for _, snapshot := range []bool{false, true} {
		t.Run(fmt.Sprintf("snapshot-%v", snapshot), func(t *testing.T) {
			dir := t.TempDir()
			c := &clock{t: epoch.Add(time.Hour)}
			s, lg := durableServer(t, dir, c, Config{})
			setupDuelAndLobby(t, s, "")
			s.Step()
			if snapshot {
				if err := s.checkpoint(true); err != nil {
					t.Fatal(err)
				}
			}
			lg.Close()
			back := &clock{t: epoch} // the clock stepped back an hour
			s2, lg2 := durableServer(t, dir, back, Config{})
			defer lg2.Close()
			if s2.dur.replayed != 0 && snapshot || s2.dur.replayed == 0 && !snapshot {
				t.Fatalf("%d records replayed", s2.dur.replayed)
			}
			var out gamelift.TicketOutput
			json.Unmarshal(mustDo(t, s2, gamelift.OpStartMatchmaking, map[string]any{"ConfigurationName": "duel", "TicketId": "late", "Players": []any{map[string]any{"PlayerId": "l"}}}), &out)
			if out.MatchmakingTicket.StartTime.Before(epoch.Add(time.Hour)) {
				t.Errorf("StartTime %v is before the log's last time %v", out.MatchmakingTicket.StartTime, epoch.Add(time.Hour))
			}
		})
	}
}

// TestUndeliveredWebhookEventsSurviveASnapshot: events queued for a
// receiver that is down when a snapshot is taken are in the snapshot, so a
// crash after it loses none of them: the restarted server delivers every
// event, in order, the covered ones first.
func TestUndeliveredWebhookEventsSurviveASnapshot(t *testing.T) {
	var mu sync.Mutex
	var got []string
	up := make(chan struct{})
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-up:
		default:
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		mu.Lock()
		got = append(got, r.Header.Get("x-amz-sns-message-id"))
		mu.Unlock()
	}))
	defer recv.Close()

	dir := t.TempDir()
	c := &clock{t: epoch}
	s, lg := durableServer(t, dir, c, Config{SnapshotEvery: 1 << 30})
	setupDuelAndLobby(t, s, recv.URL)
	run := func(s *Server, from, to int) {
		for i := from; i < to; i++ {
			c.advance(300 * time.Millisecond)
			mustDo(t, s, gamelift.OpStartMatchmaking, map[string]any{"ConfigurationName": "duel", "TicketId": fmt.Sprintf("t%d", i),
				"Players": []any{map[string]any{"PlayerId": fmt.Sprintf("p%d", i), "PlayerAttributes": map[string]any{"skill": map[string]any{"N": 10}}}}})
			s.Step()
		}
	}
	run(s, 0, 6)
	if err := s.checkpoint(true); err != nil {
		t.Fatal(err)
	}
	run(s, 6, 10) // after the snapshot: replayed from the log
	var want []string
	for _, r := range s.hubSnapshot() {
		want = append(want, r.id)
	}
	if len(want) < 10 {
		t.Fatalf("only %d events", len(want))
	}
	lg.Close() // a crash: the queue was never delivered

	s2, lg2 := durableServer(t, dir, c, Config{SnapshotEvery: 1 << 30, DrainTimeout: 5 * time.Second})
	defer lg2.Close()
	var queued []string
	for _, h := range s2.hooks.undelivered(^uint64(0)) {
		queued = append(queued, h.id)
	}
	if !slices.Equal(queued, want) {
		t.Fatalf("after the restart the webhook queue holds %d events:\n%v\nwant the %d of the first run, in order:\n%v", len(queued), queued, len(want), want)
	}
	close(up)
	_, stop := startServing(t, s2)
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("the receiver got %v\nwant %v", got, want)
	}
}

// TestDoAfterStopIsRefused: once Serve is stopping, an in-process Do that
// would change the state is refused with ErrStopped, and one in progress
// when Serve stops finds its record durable, never a closed log.
func TestDoAfterStopIsRefused(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: epoch}
	s, lg := durableServer(t, dir, c, Config{})
	defer lg.Close()
	setupDuelAndLobby(t, s, "")
	_, stop := startServing(t, s)
	// Changes from another goroutine while the server stops: each is
	// either done (durable) or refused with ErrStopped, never met by a
	// closed log.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			_, err := s.Do(gamelift.OpStartMatchmaking, []byte(fmt.Sprintf(`{"ConfigurationName":"lobby","TicketId":"late%d","Players":[{"PlayerId":"l%d"}]}`, i, i)))
			if errors.Is(err, ErrStopped) {
				return
			}
			if err != nil {
				t.Errorf("Do while stopping: %v", err)
				return
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	stop()
	wg.Wait()
	if s.dur.failed != nil {
		t.Errorf("the log failed: %v", s.dur.failed)
	}
	if _, err := s.Do(gamelift.OpDescribeMatchmaking, []byte(`{"TicketIds":["late0"]}`)); err != nil {
		t.Errorf("a read after the stop: %v", err)
	}
}

// TestServerSnapshotPart: the server's part of a snapshot (time, event
// history, undelivered webhook events) reads back as written, and every
// truncation or flipped byte of it is refused with gamelift.ErrSnapshot.
func TestServerSnapshotPart(t *testing.T) {
	svc, err := gamelift.NewService(gamelift.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var base bytes.Buffer
	if err := svc.Snapshot(&base); err != nil {
		t.Fatal(err)
	}
	events := []record{{rec: 3, id: "e1", config: "duel", data: []byte(`{"a":1}`)}, {rec: 4, id: "e2", config: "lobby", data: []byte(`{}`)}}
	hooks := []hookItem{{rec: 4, config: "duel", url: "http://127.0.0.1:1/", id: "e1", topc: "arn:x", body: []byte("body")}}
	last := epoch.Add(90 * time.Minute)
	whole := bytes.Clone(base.Bytes())
	var part bytes.Buffer
	writeExtras(&part, events, hooks, last)
	whole = append(whole, part.Bytes()...)

	_, gotEvents, gotHooks, gotLast, err := readSnapshot(bytes.NewReader(whole), gamelift.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !gotLast.Equal(last) || !reflect.DeepEqual(gotEvents, events) || !reflect.DeepEqual(gotHooks, hooks) {
		t.Fatalf("read back %v %+v %+v", gotLast, gotEvents, gotHooks)
	}
	for cut := base.Len(); cut < len(whole); cut++ {
		if _, _, _, _, err := readSnapshot(bytes.NewReader(whole[:cut]), gamelift.Options{}); !errors.Is(err, gamelift.ErrSnapshot) {
			t.Fatalf("cut at byte %d of %d: %v", cut, len(whole), err)
		}
	}
	for i := base.Len(); i < len(whole); i++ {
		bad := bytes.Clone(whole)
		bad[i] ^= 0x10
		if _, _, _, _, err := readSnapshot(bytes.NewReader(bad), gamelift.Options{}); !errors.Is(err, gamelift.ErrSnapshot) {
			t.Fatalf("byte %d flipped: %v", i, err)
		}
	}
}
