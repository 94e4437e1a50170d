package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/matchforge/matchforge/bench"
	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/internal/loadgen"
	"github.com/matchforge/matchforge/oplog"
	"github.com/matchforge/matchforge/server"
)

// loadArgs are the flags of load.
type loadArgs struct {
	endpoint, config *string
	dataDir          *string
	rate, conns      *int
	duration         *time.Duration
	seed             *uint64
}

func loadFlags() (*cmdFlags, *loadArgs) {
	fs := newFlagSet("load",
		"usage: matchforge load [--endpoint URL] [--data-dir DIR] [--configuration NAME] [--rate N] [--connections N] [--duration D] [--seed N]",
		"Sends StartMatchmaking requests over awsJson1_1 and reports throughput and latency percentiles.",
		"Without --endpoint it starts a server in this process on 127.0.0.1 with the default ranked 5v5 rule set and",
		"configuration, stepped every 100ms, and loads that; --data-dir makes that server durable in DIR (which must not hold a state).",
		"--rate 0 sends as fast as the server answers (closed loop);",
		"--rate N schedules N requests a second and measures each latency from its scheduled time (open loop).",
		"Exit status: 0 when the run completed with no errors; 1 when any request failed; 2 for a usage error.")
	a := &loadArgs{
		endpoint: fs.String("endpoint", "", "server `URL`, such as http://127.0.0.1:9080 (default: a server in this process)"),
		config:   fs.String("configuration", bench.DefaultName, "matchmaking configuration `NAME` the tickets go to"),
		dataDir:  fs.String("data-dir", "", "without --endpoint: the `DIR`ectory of the in-process server's log, to measure durability's cost"),
		rate:     fs.Int("rate", 0, "requests a second `N` (0: as fast as possible)"),
		conns:    fs.Int("connections", 64, "requests in flight at most (`N`)"),
		duration: fs.durationVar("duration", 5*time.Second, false, "how long to send (`D`)"),
		seed:     fs.Uint64("seed", 1, "seed `N` of player ids, skills and locations"),
	}
	return fs, a
}

// runLoad implements "matchforge load".
func runLoad(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs, a := loadFlags()
	if status, ok := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	if fs.NArg() > 0 {
		return fs.usageError(stderr, "load takes no arguments, got %q", fs.Args())
	}
	if *a.rate < 0 || *a.conns < 1 {
		return fs.usageError(stderr, "--rate must be 0 or more and --connections 1 or more")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	endpoint := *a.endpoint
	if endpoint == "" {
		url, stop, err := startLocalServer(ctx, *a.dataDir)
		if err != nil {
			fmt.Fprintf(stderr, "matchforge load: %v\n", err)
			return 1
		}
		defer stop()
		endpoint = url
	}
	var regions []string
	for _, l := range bench.DefaultLocations {
		regions = append(regions, l.Name)
	}
	res, err := loadgen.Run(ctx, loadgen.Options{Endpoint: endpoint, Configuration: *a.config, Rate: *a.rate,
		Duration: *a.duration, Connections: *a.conns, Seed: *a.seed, Regions: regions})
	if err != nil {
		fmt.Fprintf(stderr, "matchforge load: %v\n", err)
		return 1
	}
	mode := "closed loop"
	if *a.rate > 0 {
		mode = fmt.Sprintf("open loop at %d/s", *a.rate)
	}
	fmt.Fprintf(stdout, "%s, %d connections, %s: %s\n", endpoint, *a.conns, mode, res)
	if res.Errors > 0 {
		fmt.Fprintf(stderr, "matchforge load: %d requests failed; the first: %s\n", res.Errors, res.FirstError)
		return 1
	}
	return 0
}

// startLocalServer starts a server on 127.0.0.1 with the default rule set
// and configuration, and returns its URL and a function that stops it.
func startLocalServer(ctx context.Context, dataDir string) (string, func(), error) {
	cfg := server.Config{Service: gamelift.Options{Engine: engine.Config{Seed: 1}}}
	if dataDir != "" {
		lg, err := oplog.Open(dataDir, oplog.Options{})
		if err != nil {
			return "", nil, err
		}
		cfg.Log = lg
	}
	srv, err := server.New(cfg)
	if err != nil {
		return "", nil, err
	}
	if srv.Restored() {
		return "", nil, fmt.Errorf("--data-dir %s already holds a state; give an empty directory", dataDir)
	}
	if _, err := srv.Setup(bench.DefaultSetup()); err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ctx, ln) }()
	return "http://" + ln.Addr().String(), func() { cancel(); <-done }, nil
}
