package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
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
	cluster                    clusterFlags
}

func serveFlags() (*cmdFlags, *serveArgs) {
	lines := []string{
		"usage: matchforge serve [--listen ADDR] [--setup FILE] [--data-dir DIR] [--snapshot-every N] [--keep-log] [--tick D] [--credentials FILE] [--seed N] [--region R] [--account ID] [--event-history N] [--webhook-queue N] [--max-body BYTES] [--drain-timeout D] [--event-matchmaker-data] [--log-format text|json] [--log-level LEVEL] " + clusterUsage,
		"Serves the GameLift FlexMatch API over HTTP until SIGINT or SIGTERM, for the AWS SDKs, CLI and boto3 unchanged:",
		"awsJson1_1 on POST / and Smithy RPC v2 CBOR on POST /service/GameLift/operation/<Operation>, on the same port;",
		"GET /events streams events (Server-Sent Events); GET /healthz, /readyz and /metrics (Prometheus) serve operations.",
		"--setup creates the rule sets and configurations of a file {\"RuleSets\": [...], \"Configurations\": [...]} at start.",
		"Without --credentials every request is accepted whatever its signature; with it, SigV4 is verified against the",
		"access keys of an AWS shared-credentials file ([profile] aws_access_key_id = ..., aws_secret_access_key = ...).",
		"With --data-dir every change is logged and synced before it is answered, and a restart resumes where the log ends;",
		"without it, state is held in memory only and a restart starts empty.",
	}
	lines = append(lines, clusterHelp...)
	lines = append(lines, "Exit status: 0 after a clean stop on a signal; 1 when a file cannot be read or is not valid, or the address cannot be used, or NATS cannot be reached or joined; 2 for a usage error.")
	fs := newFlagSet("serve", lines...)
	a := &serveArgs{
		listen:         fs.String("listen", "127.0.0.1:9080", "address `ADDR` to listen on (host:port; port 0 picks a free one)"),
		setup:          fs.String("setup", "", "`FILE` of rule sets and configurations to create at start (tried whole first, so a bad entry creates nothing; creates what does not exist yet, keeps what does)"),
		dataDir:        fs.String("data-dir", "", "`DIR`ectory of the operation log and snapshots: every change is durable before it is answered, and a restart resumes (default: in memory only); with --cluster, the embedded NATS server's JetStream files go in DIR/nats"),
		snapshotEvery:  fs.Int("snapshot-every", 100_000, "with --data-dir: snapshot the state every `N` records (and at least every 5 minutes when anything changed); not with --cluster or --nats"),
		keepLog:        fs.Bool("keep-log", false, "with --data-dir: keep the log segments snapshots cover (renamed *.log.done) instead of removing them; not with --cluster or --nats"),
		tick:           fs.durationVar("tick", server.DefaultTick, false, "time `D` between engine steps (with --cluster or --nats: between the steps of each shard a node owns)"),
		credentials:    fs.String("credentials", "", "AWS shared-credentials `FILE` whose keys sign requests (default: accept any)"),
		seed:           fs.Uint64("seed", 0, "seed `N` of ticket and event ids (0: a random seed, logged at start; with --cluster or --nats, the cluster's, chosen by its first node)"),
		region:         fs.String("region", "", "`R`egion in ARNs and events (default \"local\")"),
		account:        fs.String("account", "", "12-digit account `ID` in ARNs and events (default 000000000000)"),
		history:        fs.Int("event-history", server.DefaultEventHistory, "events kept for GET /events clients resuming with Last-Event-ID (`N`)"),
		webhookQueue:   fs.Int("webhook-queue", 10_000, "events waiting per configuration for its webhook (`N`); past it they are dropped and counted; not with --cluster or --nats (a node delivers no webhooks)"),
		maxBody:        fs.Int64("max-body", server.DefaultMaxBodyBytes, "largest request body in `BYTES`"),
		drain:          fs.durationVar("drain-timeout", server.DefaultDrainTimeout, false, "how long to keep delivering webhook events after a stop signal (`D`)"),
		matchmakerData: fs.Bool("event-matchmaker-data", false, "add the matchmaker data document to MatchmakingSucceeded events"),
		logFormat:      fs.String("log-format", "text", "log format: text or json"),
		logLevel:       fs.String("log-level", "info", "log `LEVEL`: debug, info, warn or error"),
	}
	a.cluster = addClusterFlags(fs)
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
	plan, err := clusterSettings(fs, a)
	if err != nil {
		return fs.usageError(stderr, "%v", err)
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
	if plan != nil {
		return serveCluster(ctx, plan, cfg, a, logger, stdin, fail)
	}
	state := "in memory only: a restart starts empty"
	if *a.dataDir != "" {
		lg, err := oplog.Open(*a.dataDir, oplog.Options{Logger: logger, KeepSegments: *a.keepLog})
		if err != nil {
			return fail("%v", err)
		}
		if err := dataDirIdentity(lg, &cfg.Service, fs.given); err != nil {
			lg.Close()
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
	// Setup creates what is missing, so a restart with --data-dir (or after
	// a start cut short in its setup) finishes it, and keeps what the state
	// already has.
	if err := applySetup(srv, *a.setup, stdin, logger); err != nil {
		if cfg.Log != nil {
			cfg.Log.Close()
		}
		return fail("%v", err)
	}
	ln, err := net.Listen("tcp", *a.listen)
	if err != nil {
		return fail("%v", err)
	}
	signatures := signaturesNote(cfg)
	logger.Info("matchforge serve", "endpoint", "http://"+ln.Addr().String(), "state", state,
		"signatures", signatures, "seed", cfg.Service.Engine.Seed, "setup", *a.setup)
	if err := srv.Serve(ctx, ln); err != nil {
		return fail("%v", err)
	}
	return 0
}

// identityFile holds, in a data directory, what its state was made with
// and a restart must keep: the seed of ticket and event ids (a replay of
// the log decides what the first run decided only with the same seed),
// and the region, account and EventMatchmakerData that shape ARNs and
// events.
const identityFile = "IDENTITY"

type identity struct {
	Seed                uint64 `json:"seed"`
	Region              string `json:"region"`
	Account             string `json:"account"`
	EventMatchmakerData bool   `json:"eventMatchmakerData"`
}

// dataDirIdentity settles opts against the identity of the state in lg's
// directory. A directory with an identity file gives its values, and a
// flag given with another value is an error; a directory with no state
// records opts (synced, under the log's lock). State with no identity file
// is an error: guessing a seed would replay the log into another state.
func dataDirIdentity(lg *oplog.FileLog, opts *gamelift.Options, given func(string) bool) error {
	want := identity{Seed: opts.Engine.Seed, Region: opts.Region, Account: opts.Account, EventMatchmakerData: opts.EventMatchmakerData}
	b, err := lg.ReadFile(identityFile)
	switch {
	case err == nil:
		var have identity
		if err := json.Unmarshal(b, &have); err != nil || have.Seed == 0 {
			return fmt.Errorf("%s: not an identity file (%v); it holds %q", filepath.Join(lg.Dir(), identityFile), err, b)
		}
		for _, c := range []struct {
			flag       string
			given, was string
		}{
			{"seed", strconv.FormatUint(want.Seed, 10), strconv.FormatUint(have.Seed, 10)},
			{"region", want.Region, have.Region},
			{"account", want.Account, have.Account},
			{"event-matchmaker-data", strconv.FormatBool(want.EventMatchmakerData), strconv.FormatBool(have.EventMatchmakerData)},
		} {
			if given(c.flag) && c.given != c.was {
				return fmt.Errorf("--%s %s, but the state in %s was made with %s; leave --%s out or give %s", c.flag, c.given, lg.Dir(), c.was, c.flag, c.was)
			}
		}
		opts.Engine.Seed, opts.Region, opts.Account, opts.EventMatchmakerData = have.Seed, have.Region, have.Account, have.EventMatchmakerData
		return nil
	case errors.Is(err, fs.ErrNotExist):
		empty, err := lg.Empty()
		if err != nil {
			return err
		}
		if !empty {
			return fmt.Errorf("%s holds a log but no %s file, so the seed its ids came from is unknown; restore the file, or start from an empty directory", lg.Dir(), identityFile)
		}
		b, _ := json.MarshalIndent(want, "", "  ")
		return lg.WriteFile(identityFile, append(b, '\n'))
	default:
		return err
	}
}

// applySetup runs the --setup file (if any) on srv and logs what it did;
// the error names the file.
func applySetup(srv *server.Server, path string, stdin io.Reader, logger *slog.Logger) error {
	if path == "" {
		return nil
	}
	body, err := readInput(path, stdin)
	if err == nil {
		var res server.SetupResult
		if res, err = srv.Setup(body); err == nil {
			logger.Info("setup applied", "setup", path, "created", len(res.Created), "kept", len(res.Kept))
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// signaturesNote says, for the start log line, how requests are checked.
func signaturesNote(cfg server.Config) string {
	if cfg.Credentials != nil {
		return fmt.Sprintf("SigV4 verified against %d access keys", len(cfg.Credentials))
	}
	return "any credentials are accepted (local development; give --credentials to verify SigV4)"
}
