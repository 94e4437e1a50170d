package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/matchforge/matchforge/cluster"
	"github.com/matchforge/matchforge/server"
)

// clusterFlags are the flags of serve that make it a node of a matchforge
// cluster on NATS JetStream.
type clusterFlags struct {
	cluster                   *bool
	nats, node                *string
	natsListen, clusterListen *string
	peers, colocate           *string
	shards, replicas          *int
	leaseTTL                  *time.Duration
}

// clusterUsage is the part of serve's first usage line naming the cluster
// flags.
const clusterUsage = "[--cluster] [--node NAME] [--nats-listen ADDR] [--cluster-listen ADDR] [--peers A,B,C] [--nats URL] [--shards N] [--replicas N] [--lease-ttl D] [--colocate GROUPS]"

// clusterHelp are serve's usage lines about the cluster flags.
var clusterHelp = []string{
	"With --cluster (needs --data-dir) serve is a node of a matchforge cluster on NATS JetStream: it embeds a NATS server",
	"(JetStream files in DIR/nats) whose routes join the --peers; with --nats URL it joins an existing NATS deployment",
	"with JetStream instead. Every node serves the whole API and GET /events (every shard's events); the configurations",
	"are spread over --shards shards, each stepped by one node, and a node that stops hands its shards to the others.",
	"Every node of a cluster must use the same --shards, --colocate, --seed, --region, --account and --event-matchmaker-data.",
	"Without --peers (and --cluster-listen) the embedded server runs alone, unclustered, with one replica.",
}

func addClusterFlags(fs *cmdFlags) clusterFlags {
	return clusterFlags{
		cluster:       fs.Bool("cluster", false, "run as a node of a matchforge cluster, embedding a NATS server with JetStream (needs --data-dir)"),
		node:          fs.String("node", "", "with --cluster or --nats: the node's `NAME`, unique in the cluster, also the embedded NATS server's name (default: the host name, dots made dashes)"),
		natsListen:    fs.String("nats-listen", "127.0.0.1:4222", "with --cluster: client address `ADDR` of the embedded NATS server (host:port; port 0 picks a free one)"),
		clusterListen: fs.String("cluster-listen", "127.0.0.1:6222", "with --cluster: NATS route address `ADDR` the other nodes connect to (used with --peers, or when given)"),
		peers:         fs.String("peers", "", "with --cluster: the other nodes' --cluster-listen addresses, comma separated (`A,B,C`; may include this node's own)"),
		nats:          fs.String("nats", "", "join the NATS deployment (with JetStream) at `URL` instead of embedding one (exclusive with --cluster)"),
		shards:        fs.Int("shards", cluster.DefaultShards, fmt.Sprintf("with --cluster or --nats: how many ticket shards the configurations are spread over (`N`, 1 to %d)", cluster.MaxShards)),
		replicas:      fs.Int("replicas", 0, fmt.Sprintf("with --cluster or --nats: how many NATS servers keep each stream and bucket (`N`: 1, 3 or 5; 0 means %d when the NATS cluster has that many servers, else 1)", cluster.DefaultReplicas)),
		leaseTTL:      fs.durationVar("lease-ttl", cluster.DefaultLeaseTTL, false, fmt.Sprintf("with --cluster or --nats: how long a dead node's shards wait before another takes them (`D`, at least %v)", cluster.MinLeaseTTL)),
		colocate:      fs.String("colocate", "", "with --cluster or --nats: `GROUPS` of configuration names kept in one shard, so a player is in one of their tickets at most: \"a,b;c,d\""),
	}
}

// clusterPlan is what the flags ask of a cluster node.
type clusterPlan struct {
	mode     string // "--cluster" or "--nats"
	embedded bool
	natsURL  string             // with --nats
	nats     cluster.NATSConfig // with --cluster
	node     cluster.Config
	peers    []string
}

// clusterSettings checks the cluster flags against each other and the
// rest of serve's, and returns the plan of the node, or nil when serve
// runs on its own (neither --cluster nor --nats). Its errors are usage
// errors naming the flag.
func clusterSettings(fs *cmdFlags, a *serveArgs) (*clusterPlan, error) {
	c := a.cluster
	given := fs.given
	clusterOnly := []string{"nats-listen", "cluster-listen", "peers"}
	nodeFlags := []string{"node", "shards", "replicas", "lease-ttl", "colocate"}
	switch {
	case *c.cluster && given("nats"):
		return nil, errors.New("--cluster and --nats are exclusive: --cluster embeds a NATS server, --nats joins an existing one")
	case !*c.cluster && !given("nats"):
		for _, f := range clusterOnly {
			if given(f) {
				return nil, fmt.Errorf("--%s needs --cluster", f)
			}
		}
		for _, f := range nodeFlags {
			if given(f) {
				return nil, fmt.Errorf("--%s needs --cluster or --nats", f)
			}
		}
		return nil, nil
	}
	p := &clusterPlan{mode: "--cluster", embedded: *c.cluster}
	if !p.embedded {
		p.mode = "--nats"
		p.natsURL = strings.TrimSpace(*c.nats)
		if p.natsURL == "" {
			return nil, errors.New("--nats is empty; give the URL of a NATS server, such as nats://127.0.0.1:4222")
		}
		for _, f := range clusterOnly {
			if given(f) {
				return nil, fmt.Errorf("--%s needs --cluster: with --nats the NATS deployment is configured outside matchforge", f)
			}
		}
		if given("data-dir") {
			return nil, errors.New("--data-dir is not used with --nats: the state is kept in the NATS deployment's JetStream; leave it out")
		}
	}
	// Flags of a server keeping its own state, which a cluster node
	// does not.
	for _, f := range []struct{ name, why string }{
		{"snapshot-every", "the cluster snapshots its shards into JetStream itself"},
		{"keep-log", "the cluster keeps its log in JetStream"},
		{"webhook-queue", "a cluster node delivers no webhooks; read GET /events"},
	} {
		if given(f.name) {
			return nil, fmt.Errorf("--%s does not apply with %s: %s", f.name, p.mode, f.why)
		}
	}

	name := *c.node
	if !given("node") {
		h, err := os.Hostname()
		if err != nil || h == "" {
			return nil, fmt.Errorf("the host name is unknown (%v); give --node NAME", err)
		}
		name = strings.ReplaceAll(h, ".", "-")
	}
	if err := cluster.CheckName(name); err != nil {
		return nil, fmt.Errorf("--node %v", err)
	}
	if n := *c.shards; n < 1 || n > cluster.MaxShards {
		return nil, fmt.Errorf("--shards is %d; it must be from 1 to %d", n, cluster.MaxShards)
	}
	switch *c.replicas {
	case 0, 1, 3, 5:
	default:
		return nil, fmt.Errorf("--replicas is %d; it must be 1, 3 or 5 (or 0, meaning %d, or 1 when NATS is not clustered)", *c.replicas, cluster.DefaultReplicas)
	}
	if *c.leaseTTL < cluster.MinLeaseTTL {
		return nil, fmt.Errorf("--lease-ttl is %v; it must be at least %v", *c.leaseTTL, cluster.MinLeaseTTL)
	}
	colocate, err := parseColocate(*c.colocate)
	if err != nil {
		return nil, err
	}
	p.node = cluster.Config{
		Name: name, Shards: *c.shards, Replicas: *c.replicas, LeaseTTL: *c.leaseTTL, Colocate: colocate,
		Tick: *a.tick,
	}
	p.node.Service.Region, p.node.Service.Account = *a.region, *a.account
	p.node.Service.EventMatchmakerData = *a.matchmakerData
	// 0 lets the cluster choose (or keep the one its first node stored).
	p.node.Service.Engine.Seed = *a.seed

	if p.embedded {
		if *a.dataDir == "" {
			return nil, errors.New("--cluster needs --data-dir: the embedded NATS server keeps JetStream's files in DIR/nats")
		}
		for _, f := range []struct{ name, addr string }{{"nats-listen", *c.natsListen}, {"cluster-listen", *c.clusterListen}} {
			if _, _, err := net.SplitHostPort(f.addr); err != nil {
				return nil, fmt.Errorf("--%s %q is not host:port (%v)", f.name, f.addr, err)
			}
		}
		peers, err := parsePeers(*c.peers)
		if err != nil {
			return nil, err
		}
		p.peers = peers
		p.nats = cluster.NATSConfig{Name: name, Listen: *c.natsListen, Dir: filepath.Join(*a.dataDir, "nats")}
		others := 0
		for _, peer := range peers {
			if peer != *c.clusterListen {
				others++
			}
		}
		if len(peers) > 0 || given("cluster-listen") {
			p.nats.ClusterListen, p.nats.Peers = *c.clusterListen, peers
		}
		if *c.replicas > others+1 {
			return nil, fmt.Errorf("--replicas %d needs at least %d NATS servers, but --peers names %d besides this node's; give --replicas 1 or more --peers", *c.replicas, *c.replicas, others)
		}
		if *c.replicas == 0 && p.nats.ClusterListen != "" {
			// The size of the cluster is known here, while the cluster
			// package would guess it from the servers the connection has
			// discovered so far, which may be none yet.
			p.node.Replicas = 1
			if others+1 >= cluster.DefaultReplicas {
				p.node.Replicas = cluster.DefaultReplicas
			}
		}
		if err := p.nats.Validate(); err != nil {
			return nil, err
		}
	}
	if err := p.node.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// parsePeers reads --peers: host:port addresses separated by commas.
func parsePeers(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []string
	for i, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("--peers %q: address %d is empty; give host:port addresses separated by commas", s, i+1)
		}
		if _, _, err := net.SplitHostPort(p); err != nil {
			return nil, fmt.Errorf("--peers %q: %q is not host:port (%v)", s, p, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// parseColocate reads --colocate: groups of configuration names separated
// by ';', the names of a group by ','.
func parseColocate(s string) ([][]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out [][]string
	seen := map[string]int{}
	for i, g := range strings.Split(s, ";") {
		if strings.TrimSpace(g) == "" {
			return nil, fmt.Errorf("--colocate %q: group %d is empty; give groups of configuration names separated by ';', the names of a group by ',', such as \"a,b;c,d\"", s, i+1)
		}
		var group []string
		for _, n := range strings.Split(g, ",") {
			n = strings.TrimSpace(n)
			if n == "" {
				return nil, fmt.Errorf("--colocate %q: group %d (%q) has an empty name; separate the names of a group by single commas", s, i+1, strings.TrimSpace(g))
			}
			if j, ok := seen[n]; ok {
				return nil, fmt.Errorf("--colocate %q: %q is in groups %d and %d; a configuration is in one group at most", s, n, j+1, i+1)
			}
			seen[n] = i
			group = append(group, n)
		}
		out = append(out, group)
	}
	return out, nil
}

// redactURLs hides the passwords and tokens of a NATS URL list, for logs.
func redactURLs(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil || u.User == nil {
			continue
		}
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "REDACTED")
		} else {
			u.User = url.User("REDACTED") // a token
		}
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}

// The backoff of the event consumer of a cluster node.
const (
	// eventsRestartMin and eventsRestartMax bound the wait before the event
	// consumer is restarted after an error.
	eventsRestartMin = 100 * time.Millisecond
	eventsRestartMax = 5 * time.Second
)

// serveCluster runs serve as a cluster node: it starts the embedded NATS
// server (--cluster) or connects to NATS (--nats), joins the cluster, and
// serves the API through the node until ctx ends. Then it stops in order:
// the HTTP server, the node (which hands its shards over), the connection,
// and the embedded NATS server.
func serveCluster(ctx context.Context, p *clusterPlan, cfg server.Config, a *serveArgs, logger *slog.Logger, stdin io.Reader, fail func(string, ...any) int) int {
	p.node.Logger = logger
	cfg.Service = p.node.Service // the Setup checks make ARNs as the shards do
	cfg.SnapshotEvery = 0

	natsURL, shown := p.natsURL, redactURLs(p.natsURL)
	var ns *natsserver.Server
	if p.embedded {
		// A NATS server whose port is taken would only say so when its
		// ready timeout passes: try the addresses first.
		for _, f := range []struct{ name, addr string }{{"nats-listen", p.nats.Listen}, {"cluster-listen", p.nats.ClusterListen}} {
			if err := checkListen(f.addr); err != nil {
				return fail("--%s %s: %v", f.name, f.addr, err)
			}
		}
		var err error
		if ns, err = cluster.StartNATS(p.nats); err != nil {
			return fail("--cluster: the embedded NATS server: %v", err)
		}
		defer func() {
			ns.Shutdown()
			ns.WaitForShutdown()
			logger.Info("NATS server stopped", "node", p.node.Name)
		}()
		natsURL = ns.ClientURL()
		shown = natsURL
	}
	nlog := logger.With("node", p.node.Name, "nats", shown)
	nc, err := nats.Connect(natsURL,
		nats.Name("matchforge "+p.node.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				nlog.Warn("disconnected from NATS; reconnecting", "error", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { nlog.Info("reconnected to NATS") }),
	)
	if err != nil {
		return fail("%s %s: connecting to NATS: %v", p.mode, shown, err)
	}
	defer nc.Close()

	nlog.Info("joining the cluster", "shards", p.node.Shards, "peers", strings.Join(p.peers, ","))
	node, err := cluster.Open(ctx, nc, p.node)
	if err != nil {
		if ctx.Err() != nil {
			nlog.Info("stopped before joining the cluster", "error", err)
			return 0
		}
		return fail("joining the cluster: %v", err)
	}
	defer func() {
		node.Close()
		nlog.Info("left the cluster")
	}()

	cfg.Backend = node
	srv, err := server.New(cfg)
	if err != nil {
		return fail("%v", err)
	}
	// Setup creates, through the cluster, what is missing and keeps what
	// the cluster already has, so every node may be given it.
	if err := applySetup(srv, *a.setup, stdin, logger); err != nil {
		return fail("%v", err)
	}

	// GET /events on every node serves every shard's events.
	cctx, stopEvents := context.WithCancel(context.Background())
	eventsDone := make(chan struct{})
	go func() {
		defer close(eventsDone)
		consumeEvents(cctx, node, srv, *a.history, nlog)
	}()
	defer func() {
		stopEvents()
		<-eventsDone
	}()

	ln, err := net.Listen("tcp", *a.listen)
	if err != nil {
		return fail("%v", err)
	}
	signatures := signaturesNote(cfg)
	seed := "the cluster's"
	if s := p.node.Service.Engine.Seed; s != 0 {
		seed = fmt.Sprint(s)
	}
	state := "in NATS JetStream"
	if p.embedded {
		state = "in NATS JetStream, files in " + p.nats.Dir
	}
	logger.Info("matchforge serve", "endpoint", "http://"+ln.Addr().String(), "node", p.node.Name, "nats", shown,
		"shards", node.Shards(), "peers", strings.Join(p.peers, ","), "state", state,
		"signatures", signatures, "seed", seed, "setup", *a.setup)
	if err := srv.Serve(ctx, ln); err != nil {
		return fail("%v", err)
	}
	return 0
}

// checkListen reports whether addr (host:port) can be listened on now;
// "" and port 0 can.
func checkListen(addr string) error {
	if _, port, _ := net.SplitHostPort(addr); addr == "" || port == "0" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return ln.Close()
}

// consumeEvents feeds srv's GET /events with the events of every shard
// of the cluster until ctx ends, from the last history's worth at start,
// and restarts the consumer after a short backoff when it fails, from the
// message after the last one it saw, so nothing is skipped.
func consumeEvents(ctx context.Context, node *cluster.Node, srv *server.Server, history int, log *slog.Logger) {
	wait := eventsRestartMin
	// Start with the last history's worth of events (each message holds at
	// least one), so that GET /events clients resume with Last-Event-ID
	// across a restart of this node; then resume after the last message
	// seen, so a restarted consumer leaves no gap. PublishEvents drops the
	// ids it holds already.
	var from uint64
	for from == 0 {
		tail, err := node.EventsTail(ctx)
		if err == nil {
			from = uint64(max(int64(tail)-int64(history)+1, 1))
			break
		}
		log.Warn("reading the cluster's event stream failed; retrying", "error", err, "in", wait)
		if !backoff(ctx, &wait) {
			return
		}
	}
	for {
		started := time.Now()
		err := node.ConsumeEvents(ctx, from, func(e cluster.Event) error {
			srv.PublishEvents([]server.PublishedEvent{{ID: e.ID, Configuration: e.Configuration, JSON: e.JSON}})
			from = e.Seq + 1
			return nil
		})
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > eventsRestartMax {
			wait = eventsRestartMin
		}
		log.Warn("the cluster's event stream consumer stopped; restarting", "error", err, "in", wait)
		if !backoff(ctx, &wait) {
			return
		}
	}
}

// backoff waits *wait, unless ctx ends first (false), and doubles *wait up
// to eventsRestartMax.
func backoff(ctx context.Context, wait *time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(*wait):
	}
	*wait = min(2**wait, eventsRestartMax)
	return true
}
