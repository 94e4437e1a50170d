package main

import (
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/matchforge/matchforge/cluster"
	"github.com/matchforge/matchforge/internal/fixtures"
)

// TestServeClusterFlagErrors checks that serve refuses, as usage errors
// naming the flag and before it starts anything, the cluster flags given
// without a mode, with the wrong mode, or with bad values, and the flags
// of a server keeping its own state given with a mode.
func TestServeClusterFlagErrors(t *testing.T) {
	dir := t.TempDir()
	nats := "nats://127.0.0.1:1"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--cluster", "--nats", nats, "--data-dir", dir}, "--cluster and --nats are exclusive"},
		{[]string{"--peers", "127.0.0.1:6222"}, "--peers needs --cluster"},
		{[]string{"--nats-listen", "127.0.0.1:4222"}, "--nats-listen needs --cluster"},
		{[]string{"--cluster-listen", "127.0.0.1:6222"}, "--cluster-listen needs --cluster"},
		{[]string{"--node", "a"}, "--node needs --cluster or --nats"},
		{[]string{"--shards", "4"}, "--shards needs --cluster or --nats"},
		{[]string{"--replicas", "1"}, "--replicas needs --cluster or --nats"},
		{[]string{"--lease-ttl", "1s"}, "--lease-ttl needs --cluster or --nats"},
		{[]string{"--colocate", "a,b"}, "--colocate needs --cluster or --nats"},
		{[]string{"--cluster", "--node", "a"}, "--cluster needs --data-dir"},
		{[]string{"--nats", ""}, "--nats is empty"},
		{[]string{"--nats", nats, "--data-dir", dir}, "--data-dir is not used with --nats"},
		{[]string{"--nats", nats, "--peers", "127.0.0.1:6222"}, "--peers needs --cluster: with --nats"},
		{[]string{"--nats", nats, "--nats-listen", "127.0.0.1:0"}, "--nats-listen needs --cluster: with --nats"},
		{[]string{"--cluster", "--data-dir", dir, "--snapshot-every", "5"}, "--snapshot-every does not apply with --cluster"},
		{[]string{"--nats", nats, "--keep-log"}, "--keep-log does not apply with --nats"},
		{[]string{"--nats", nats, "--webhook-queue", "5"}, "--webhook-queue does not apply with --nats"},
		{[]string{"--nats", nats, "--node", ""}, "--node is empty"},
		{[]string{"--nats", nats, "--node", "a.b"}, `--node "a.b" has '.'`},
		{[]string{"--nats", nats, "--node", "a b"}, `--node "a b" has ' '`},
		{[]string{"--nats", nats, "--shards", "0"}, "--shards is 0; it must be from 1 to 1024"},
		{[]string{"--nats", nats, "--shards", "5000"}, "--shards is 5000"},
		{[]string{"--nats", nats, "--replicas", "2"}, "--replicas is 2; it must be 1, 3 or 5"},
		{[]string{"--nats", nats, "--lease-ttl", "100ms"}, "--lease-ttl is 100ms; it must be at least 500ms"},
		{[]string{"--nats", nats, "--lease-ttl", "0"}, "--lease-ttl"},
		{[]string{"--nats", nats, "--colocate", "a,b;;c"}, `--colocate "a,b;;c": group 2 is empty`},
		{[]string{"--nats", nats, "--colocate", "a,,b"}, `--colocate "a,,b": group 1 ("a,,b") has an empty name`},
		{[]string{"--nats", nats, "--colocate", "a,b;b,c"}, `--colocate "a,b;b,c": "b" is in groups 1 and 2`},
		{[]string{"--nats", nats, "--colocate", "a;"}, `--colocate "a;": group 2 is empty`},
		{[]string{"--cluster", "--data-dir", dir, "--peers", "127.0.0.1:1,,127.0.0.1:2"}, `--peers "127.0.0.1:1,,127.0.0.1:2": address 2 is empty`},
		{[]string{"--cluster", "--data-dir", dir, "--peers", "nohost"}, `--peers "nohost": "nohost" is not host:port`},
		{[]string{"--cluster", "--data-dir", dir, "--nats-listen", "4222"}, `--nats-listen "4222" is not host:port`},
		{[]string{"--cluster", "--data-dir", dir, "--cluster-listen", "x"}, `--cluster-listen "x" is not host:port`},
		{[]string{"--cluster", "--data-dir", dir, "--replicas", "3"}, "--replicas 3 needs at least 3 NATS servers, but --peers names 0 besides this node's"},
		{[]string{"--cluster", "--data-dir", dir, "--replicas", "3", "--cluster-listen", "127.0.0.1:6001",
			"--peers", "127.0.0.1:6001,127.0.0.1:6002"}, "--replicas 3 needs at least 3 NATS servers, but --peers names 1 besides"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, "", append([]string{"serve", "--listen", "127.0.0.1:0"}, tc.args...)...)
			if code != 2 || out != "" {
				t.Errorf("exit %d, stdout %q; want 2 and nothing on stdout", code, out)
			}
			first, _, _ := strings.Cut(errOut, "\n")
			if !strings.HasPrefix(first, "matchforge serve: ") || !strings.Contains(first, tc.want) || !strings.Contains(errOut, "\nusage: matchforge serve ") {
				t.Errorf("stderr should be a message with %q and the usage:\n%s", tc.want, errOut)
			}
			if strings.Contains(errOut, "joining the cluster") || strings.Contains(errOut, "endpoint=") {
				t.Errorf("serve started despite the usage error:\n%s", errOut)
			}
		})
	}
}

// TestClusterSettings checks the node and NATS configurations the flags
// make.
func TestClusterSettings(t *testing.T) {
	plan := func(t *testing.T, args ...string) *clusterPlan {
		t.Helper()
		fs, a := serveFlags()
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		p, err := clusterSettings(fs, a)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		return p
	}
	if p := plan(t); p != nil {
		t.Errorf("no cluster flags: plan %+v, want none", p)
	}

	dir := t.TempDir()
	p := plan(t, "--cluster", "--data-dir", dir, "--node", "n1", "--nats-listen", "127.0.0.1:0",
		"--cluster-listen", "127.0.0.1:6001", "--peers", "127.0.0.1:6001, 127.0.0.1:6002,127.0.0.1:6003",
		"--shards", "16", "--replicas", "3", "--lease-ttl", "1s", "--colocate", "a, b;c",
		"--seed", "5", "--region", "eu-west-1", "--account", "123456789012", "--event-matchmaker-data", "--tick", "20ms")
	if !p.embedded || p.mode != "--cluster" {
		t.Errorf("--cluster: plan %+v is not embedded", p)
	}
	wantNATS := cluster.NATSConfig{Name: "n1", Listen: "127.0.0.1:0", ClusterListen: "127.0.0.1:6001",
		Peers: []string{"127.0.0.1:6001", "127.0.0.1:6002", "127.0.0.1:6003"}, Dir: filepath.Join(dir, "nats")}
	if !reflect.DeepEqual(p.nats, wantNATS) {
		t.Errorf("NATS config\n%+v, want\n%+v", p.nats, wantNATS)
	}
	n := p.node
	if n.Name != "n1" || n.Shards != 16 || n.Replicas != 3 || n.LeaseTTL != time.Second || n.Tick != 20*time.Millisecond ||
		!reflect.DeepEqual(n.Colocate, [][]string{{"a", "b"}, {"c"}}) {
		t.Errorf("node config %+v", n)
	}
	if s := n.Service; s.Engine.Seed != 5 || s.Region != "eu-west-1" || s.Account != "123456789012" || !s.EventMatchmakerData {
		t.Errorf("service options %+v are not the flags'", s)
	}

	// Alone, the embedded server is unclustered, unless --cluster-listen
	// is given; the defaults are the cluster package's.
	p = plan(t, "--cluster", "--data-dir", dir, "--node", "n1")
	if p.nats.ClusterListen != "" || p.nats.Peers != nil || p.nats.Listen != "127.0.0.1:4222" {
		t.Errorf("--cluster alone: NATS config %+v, want unclustered on 127.0.0.1:4222", p.nats)
	}
	if n := p.node; n.Shards != cluster.DefaultShards || n.Replicas != 0 || n.LeaseTTL != cluster.DefaultLeaseTTL || n.Colocate != nil || n.Service.Engine.Seed != 0 {
		t.Errorf("--cluster alone: node config %+v, want the defaults and the cluster's seed", n)
	}
	p = plan(t, "--cluster", "--data-dir", dir, "--node", "n1", "--cluster-listen", "127.0.0.1:6001")
	if p.nats.ClusterListen != "127.0.0.1:6001" {
		t.Errorf("--cluster-listen given: NATS config %+v, want it clustered", p.nats)
	}

	// --replicas 0 is 3 in a cluster of 3 servers or more, else 1.
	for peers, want := range map[string]int{
		"127.0.0.1:6001,127.0.0.1:6002,127.0.0.1:6003": 3,
		"127.0.0.1:6002,127.0.0.1:6003":                3, // not counting itself
		"127.0.0.1:6001,127.0.0.1:6002":                1,
	} {
		p = plan(t, "--cluster", "--data-dir", dir, "--node", "n1", "--cluster-listen", "127.0.0.1:6001", "--peers", peers)
		if p.node.Replicas != want {
			t.Errorf("--peers %s: replicas %d, want %d", peers, p.node.Replicas, want)
		}
	}

	// --nats: no embedded server; the node's name defaults to the host's.
	p = plan(t, "--nats", "nats://127.0.0.1:4222")
	if p.embedded || p.natsURL != "nats://127.0.0.1:4222" || p.node.Name == "" || strings.Contains(p.node.Name, ".") {
		t.Errorf("--nats: plan %+v", p)
	}
}

func TestRedactURLs(t *testing.T) {
	for in, want := range map[string]string{
		"nats://127.0.0.1:4222":                       "nats://127.0.0.1:4222",
		"nats://u:secret@h:4222,nats://tok@h2:4222":   "nats://u:REDACTED@h:4222,nats://REDACTED@h2:4222",
		"tls://u:p@a:1, nats://b:2":                   "tls://u:REDACTED@a:1, nats://b:2",
		"nats://only-host-no-port":                    "nats://only-host-no-port",
		"nats://user:pa%20ss@[::1]:4222/":             "nats://user:REDACTED@[::1]:4222/",
		"nats://a:1,nats://user:very-secret-1@b:4222": "nats://a:1,nats://user:REDACTED@b:4222",
	} {
		got := redactURLs(in)
		if got != want || strings.Contains(got, "secret") {
			t.Errorf("redactURLs(%q) = %q, want %q", in, got, want)
		}
	}
}

// matchDuel creates the duel rule set and configuration name on the
// server at endpoint, starts two compatible tickets there, and returns
// their ids once both are COMPLETED, with the MatchmakingSucceeded event
// GET /events delivered.
func matchDuel(t *testing.T, endpoint, name string) []string {
	t.Helper()
	events := watchEvents(t, endpoint, name)
	var out map[string]any
	body, _ := json.Marshal(map[string]string{"Name": name, "RuleSetBody": fixtures.Duel})
	mustCallAPI(t, endpoint, "CreateMatchmakingRuleSet", string(body), &out)
	mustCallAPI(t, endpoint, "CreateMatchmakingConfiguration", fmt.Sprintf(
		`{"Name": %q, "RuleSetName": %q, "RequestTimeoutSeconds": 60, "AcceptanceRequired": false, "FlexMatchMode": "STANDALONE"}`, name, name), &out)
	var ids []string
	for i, skill := range []int{10, 14} {
		var st struct{ MatchmakingTicket ticketJSON }
		mustCallAPI(t, endpoint, "StartMatchmaking", fmt.Sprintf(
			`{"ConfigurationName": %q, "Players": [{"PlayerId": "%s-player-%d", "PlayerAttributes": {"skill": {"N": %d}}}]}`, name, name, i, skill), &st)
		if tk := st.MatchmakingTicket; tk.TicketID == "" || tk.Status != "QUEUED" {
			t.Fatalf("StartMatchmaking: %+v", tk)
		}
		ids = append(ids, st.MatchmakingTicket.TicketID)
	}
	waitStatus(t, endpoint, "COMPLETED", ids...)
	ev := waitEvent(t, events, "MatchmakingSucceeded")
	var got []string
	for _, tk := range ev.Detail.Tickets {
		got = append(got, tk.TicketID)
	}
	if strings.Join(got, ",") != strings.Join(ids, ",") && strings.Join(got, ",") != ids[1]+","+ids[0] {
		t.Errorf("MatchmakingSucceeded has tickets %v, want %v", got, ids)
	}
	return ids
}

// TestServeClusterEmbedded runs serve --cluster as a node alone, with its
// embedded NATS server on loopback: the setup file goes through the
// cluster, two tickets match and GET /events delivers the match; after a
// stop, a restart on the same --data-dir still has the configurations and
// the tickets, kept in JetStream's files.
func TestServeClusterEmbedded(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--cluster", "--node", "n1", "--data-dir", dir, "--nats-listen", "127.0.0.1:0",
		"--shards", "2", "--lease-ttl", "1s", "--tick", "20ms", "--setup", filepath.Join("testdata", "serve", "setup.json")}
	p := startServe(t, args...)
	for _, want := range []string{`msg="matchforge serve"`, "node=n1", "nats=nats://127.0.0.1:", "shards=2", "setup applied", "created=3"} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("the start log lacks %q:\n%s", want, p.stderr.String())
		}
	}
	p.waitReady()
	var configs struct{ Configurations []struct{ Name string } }
	mustCallAPI(t, p.endpoint, "DescribeMatchmakingConfigurations", "{}", &configs)
	if len(configs.Configurations) != 2 {
		t.Errorf("the setup file's configurations are not there: %+v", configs)
	}
	ids := matchDuel(t, p.endpoint, "fixture-duel")
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0; stderr:\n%s", code, p.stderr.String())
	}
	for _, want := range []string{"msg=stopped", `msg="left the cluster"`, `msg="NATS server stopped"`} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("the stop log lacks %q:\n%s", want, p.stderr.String())
		}
	}

	p = startServe(t, args...)
	if !strings.Contains(p.stderr.String(), "created=0 kept=3") {
		t.Errorf("the restart should keep the setup file's entries:\n%s", p.stderr.String())
	}
	waitStatus(t, p.endpoint, "COMPLETED", ids...)
	mustCallAPI(t, p.endpoint, "DescribeMatchmakingConfigurations", "{}", &configs)
	if len(configs.Configurations) != 3 {
		t.Errorf("after the restart the configurations are %+v, want the setup file's and fixture-duel", configs)
	}
	if code := p.stop(syscall.SIGINT); code != 0 {
		t.Errorf("exit %d after SIGINT, want 0", code)
	}
}

// TestServeClusterNATS runs two serve --nats nodes on one NATS server the
// test embeds: both serve the whole API and every shard's events, and
// when one stops the other takes its shards.
func TestServeClusterNATS(t *testing.T) {
	ns, err := cluster.StartNATS(cluster.NATSConfig{Name: "test", Listen: "127.0.0.1:0", Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	args := func(node string) []string {
		return []string{"--nats", ns.ClientURL(), "--node", node, "--shards", "4", "--lease-ttl", "1s", "--tick", "20ms"}
	}
	a := startServe(t, args("a")...)
	b := startServe(t, args("b")...)
	if !strings.Contains(a.stderr.String(), "nats="+ns.ClientURL()) {
		t.Errorf("the start log does not name the NATS URL %s:\n%s", ns.ClientURL(), a.stderr.String())
	}
	// Made on a, watched on b too.
	events := watchEvents(t, b.endpoint, "duel-b")
	ids := matchDuel(t, a.endpoint, "duel-a")
	waitStatus(t, b.endpoint, "COMPLETED", ids...)
	idsB := matchDuel(t, b.endpoint, "duel-b")
	waitEvent(t, events, "MatchmakingSucceeded")

	if code := a.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("a: exit %d after SIGTERM, want 0", code)
	}
	// b serves every shard now.
	waitStatus(t, b.endpoint, "COMPLETED", append(ids, idsB...)...)
	if code := b.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("b: exit %d after SIGTERM, want 0", code)
	}
}

// TestServeClusterStartErrors checks that a node that cannot start its
// NATS server or reach NATS exits 1 at once, naming the flag.
func TestServeClusterStartErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed.Close() // nothing listens there now
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--cluster", "--node", "x", "--data-dir", t.TempDir(), "--nats-listen", ln.Addr().String()}, "--nats-listen " + ln.Addr().String() + ": "},
		{[]string{"--cluster", "--node", "x", "--data-dir", t.TempDir(), "--nats-listen", "127.0.0.1:0", "--cluster-listen", ln.Addr().String()}, "--cluster-listen " + ln.Addr().String() + ": "},
		{[]string{"--nats", "nats://" + closed.Addr().String(), "--node", "x"}, "--nats nats://" + closed.Addr().String() + ": connecting to NATS: "},
	} {
		start := time.Now()
		code, stderr := runServeToExit(t, tc.args...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, want 1 and a message naming %q:\n%s", tc.args, code, tc.want, stderr)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%q: took %v to fail", tc.args, d)
		}
	}
}
