package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/matchforge/matchforge/gamelift"
	"github.com/matchforge/matchforge/internal/sigv4"
	"github.com/matchforge/matchforge/oplog"
	"github.com/matchforge/matchforge/server"
)

// serveArgs are the flags of serve.
type serveArgs struct {
	listen, setup, credentials *string
	dataDir                    *string
	snapshotEvery              *int
	keepLog                    *bool
	logFormat, logLevel        *string
	region, account            *string
	seed                       *uint64
	tick, drain                *time.Duration
	history, webhookQueue      *int
	maxBody                    *int64
	matchmakerData             *bool
}

func serveFlags() (*cmdFlags, *serveArgs) {
	fs := newFlagSet("serve",
		"usage: matchforge serve [--listen ADDR] [--setup FILE] [--data-dir DIR] [--snapshot-every N] [--keep-log] [--tick D] [--credentials FILE] [--seed N] [--region R] [--account ID] [--event-history N] [--webhook-queue N] [--max-body BYTES] [--drain-timeout D] [--event-matchmaker-data] [--log-format text|json] [--log-level LEVEL]",
		"Serves the GameLift FlexMatch API over HTTP until SIGINT or SIGTERM, for the AWS SDKs, CLI and boto3 unchanged:",
		"awsJson1_1 on POST / and Smithy RPC v2 CBOR on POST /service/GameLift/operation/<Operation>, on the same port;",
		"GET /events streams events (Server-Sent Events); GET /healthz, /readyz and /metrics (Prometheus) serve operations.",
		"--setup creates the rule sets and configurations of a file {\"RuleSets\": [...], \"Configurations\": [...]} at start.",
		"Without --credentials every request is accepted whatever its signature; with it, SigV4 is verified against the",
		"access keys of an AWS shared-credentials file ([profile] aws_access_key_id = ..., aws_secret_access_key = ...).",
		"With --data-dir every change is logged and synced before it is answered, and a restart resumes where the log ends;",
		"without it, state is held in memory only and a restart starts empty.",
		"Exit status: 0 after a clean stop on a signal; 1 when a file cannot be read or is not valid, or the address cannot be used; 2 for a usage error.")
	a := &serveArgs{
		listen:         fs.String("listen", "127.0.0.1:9080", "address `ADDR` to listen on (host:port; port 0 picks a free one)"),
		setup:          fs.String("setup", "", "`FILE` of rule sets and configurations to create at start (with --data-dir: only when it holds no state yet)"),
		dataDir:        fs.String("data-dir", "", "`DIR`ectory of the operation log and snapshots: every change is durable before it is answered, and a restart resumes (default: in memory only)"),
		snapshotEvery:  fs.Int("snapshot-every", 100_000, "with --data-dir: snapshot the state every `N` records (and at least every 5 minutes when anything changed)"),
		keepLog:        fs.Bool("keep-log", false, "with --data-dir: keep the log segments snapshots cover (renamed *.log.done) instead of removing them"),
		tick:           fs.durationVar("tick", server.DefaultTick, false, "time `D` between engine steps"),
		credentials:    fs.String("credentials", "", "AWS shared-credentials `FILE` whose keys sign requests (default: accept any)"),
		seed:           fs.Uint64("seed", 0, "seed `N` of ticket and event ids (0: a random seed, logged at start)"),
		region:         fs.String("region", "", "`R`egion in ARNs and events (default \"local\")"),
		account:        fs.String("account", "", "12-digit account `ID` in ARNs and events (default 000000000000)"),
		history:        fs.Int("event-history", server.DefaultEventHistory, "events kept for GET /events clients resuming with Last-Event-ID (`N`)"),
		webhookQueue:   fs.Int("webhook-queue", 10_000, "events waiting per configuration for its webhook (`N`); past it they are dropped and counted"),
		maxBody:        fs.Int64("max-body", server.DefaultMaxBodyBytes, "largest request body in `BYTES`"),
		drain:          fs.durationVar("drain-timeout", server.DefaultDrainTimeout, false, "how long to keep delivering webhook events after a stop signal (`D`)"),
		matchmakerData: fs.Bool("event-matchmaker-data", false, "add the matchmaker data document to MatchmakingSucceeded events"),
		logFormat:      fs.String("log-format", "text", "log format: text or json"),
		logLevel:       fs.String("log-level", "info", "log `LEVEL`: debug, info, warn or error"),
	}
	return fs, a
}

// runServe implements "matchforge serve". It blocks until SIGINT or
// SIGTERM, then stops cleanly and returns 0.
func runServe(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Catch the signals before anything is announced: a signal that comes
	// as soon as the endpoint is logged must stop the server cleanly, not
	// kill the process.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs, a := serveFlags()
	if status, ok := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	if fs.NArg() > 0 {
		return fs.usageError(stderr, "serve takes no arguments, got %q", fs.Args())
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*a.logLevel)); err != nil {
		return fs.usageError(stderr, "--log-level is %q; it must be debug, info, warn or error", *a.logLevel)
	}
	hopts := &slog.HandlerOptions{Level: level}
	var logger *slog.Logger
	switch *a.logFormat {
	case "text":
		logger = slog.New(slog.NewTextHandler(stderr, hopts))
	case "json":
		logger = slog.New(slog.NewJSONHandler(stderr, hopts))
	default:
		return fs.usageError(stderr, "--log-format is %q; it must be text or json", *a.logFormat)
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "matchforge serve: "+format+"\n", args...)
		return 1
	}

	seed := *a.seed
	if seed == 0 {
		var b [8]byte
		rand.Read(b[:])
		seed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	cfg := server.Config{
		Service: gamelift.Options{Region: *a.region, Account: *a.account, EventMatchmakerData: *a.matchmakerData},
		Tick:    *a.tick, EventHistory: *a.history, MaxBodyBytes: *a.maxBody, DrainTimeout: *a.drain,
		Webhooks: server.WebhookOptions{QueueSize: *a.webhookQueue}, SnapshotEvery: *a.snapshotEvery,
		Logger: logger,
	}
	cfg.Service.Engine.Seed = seed
	if *a.credentials != "" {
		body, err := readInput(*a.credentials, stdin)
		if err != nil {
			return fail("%s: %v", *a.credentials, err)
		}
		creds, err := sigv4.ParseCredentials(bytes.NewReader(body))
		if err != nil {
			return fail("%s: %v", *a.credentials, err)
		}
		cfg.Credentials = creds
	}
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return fail("metrics: %v", err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer mp.Shutdown(context.Background())
	cfg.MeterProvider = mp
	cfg.Metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	if err := cfg.Validate(); err != nil {
		return fs.usageError(stderr, "%v", err)
	}
	state := "in memory only: a restart starts empty"
	if *a.dataDir != "" {
		seed, err := dataDirSeed(*a.dataDir, cfg.Service.Engine.Seed, fs.given("seed"))
		if err != nil {
			return fail("%v", err)
		}
		cfg.Service.Engine.Seed = seed
		lg, err := oplog.Open(*a.dataDir, oplog.Options{Logger: logger, KeepSegments: *a.keepLog})
		if err != nil {
			return fail("%v", err)
		}
		cfg.Log = lg
		state = "durable in " + *a.dataDir + ": every change is synced before it is answered"
	}
	srv, err := server.New(cfg)
	if err != nil {
		if cfg.Log != nil {
			cfg.Log.Close()
		}
		return fail("%v", err)
	}
	if *a.setup != "" && srv.Restored() {
		logger.Info("setup skipped: the state was restored from --data-dir", "setup", *a.setup)
	} else if *a.setup != "" {
		body, err := readInput(*a.setup, stdin)
		if err != nil {
			return fail("%s: %v", *a.setup, err)
		}
		if err := srv.Setup(body); err != nil {
			return fail("%s: %v", *a.setup, err)
		}
	}
	ln, err := net.Listen("tcp", *a.listen)
	if err != nil {
		return fail("%v", err)
	}
	signatures := "any credentials are accepted (local development; give --credentials to verify SigV4)"
	if cfg.Credentials != nil {
		signatures = fmt.Sprintf("SigV4 verified against %d access keys", len(cfg.Credentials))
	}
	logger.Info("matchforge serve", "endpoint", "http://"+ln.Addr().String(), "state", state,
		"signatures", signatures, "seed", cfg.Service.Engine.Seed, "setup", *a.setup)
	if err := srv.Serve(ctx, ln); err != nil {
		return fail("%v", err)
	}
	return 0
}

// seedFile holds, in a data directory, the seed its state was made with:
// ids and events after a restart come from the same seed, so a replay of
// the log decides what the first run decided.
const seedFile = "SEED"

// dataDirSeed returns the seed of the state in dir: the one it was made
// with, or, for a new directory, seed, which it records. A --seed that
// disagrees with the directory's is an error.
func dataDirSeed(dir string, seed uint64, given bool) (uint64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	name := filepath.Join(dir, seedFile)
	b, err := os.ReadFile(name)
	switch {
	case err == nil:
		stored, perr := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if perr != nil {
			return 0, fmt.Errorf("%s: not a seed: %q", name, b)
		}
		if given && stored != seed {
			return 0, fmt.Errorf("--seed %d, but the state in %s was made with seed %d; leave --seed out or give %d", seed, dir, stored, stored)
		}
		return stored, nil
	case errors.Is(err, fs.ErrNotExist):
		tmp := name + ".tmp"
		if err := os.WriteFile(tmp, []byte(strconv.FormatUint(seed, 10)+"\n"), 0o644); err != nil {
			return 0, err
		}
		return seed, os.Rename(tmp, name)
	default:
		return 0, err
	}
}
