package server

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/matchforge/matchforge/bench"
	"github.com/matchforge/matchforge/engine"
	"github.com/matchforge/matchforge/internal/loadgen"
	"github.com/matchforge/matchforge/oplog"
)

// startDefault starts a server with the default ranked 5v5 rule set and
// configuration on 127.0.0.1 and returns its URL; it stops at cleanup.
func startDefault(tb testing.TB, cfg Config) (*Server, string) {
	tb.Helper()
	cfg.Service.Engine = engine.Config{Seed: 1}
	srv, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := srv.Setup(bench.DefaultSetup()); err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("Serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			tb.Error("Serve did not return within 30s of cancellation")
		}
	})
	return srv, "http://" + ln.Addr().String()
}

// BenchmarkServeStartMatchmakingJSON sends b.N StartMatchmaking requests
// over awsJson1_1 on loopback, 64 in flight, from this process to a server
// in this process stepping the default rule set every 100ms; it reports
// requests a second and the latency percentiles. memory is the server
// without a log; durable logs and syncs every change before answering it
// (a FileLog in a temporary directory), so one run shows what durability
// costs.
func BenchmarkServeStartMatchmakingJSON(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchStart(b, Config{}) })
	b.Run("durable", func(b *testing.B) {
		lg, err := oplog.Open(b.TempDir(), oplog.Options{})
		if err != nil {
			b.Fatal(err)
		}
		benchStart(b, Config{Log: lg})
	})
}

func benchStart(b *testing.B, cfg Config) {
	_, url := startDefault(b, cfg)
	b.ResetTimer()
	res, err := loadgen.Run(context.Background(), loadgen.Options{Endpoint: url, Configuration: bench.DefaultName, Requests: b.N, Connections: 64, Seed: 7})
	b.StopTimer()
	if err != nil || res.Errors > 0 {
		b.Fatalf("%v; %d errors, the first: %s", err, res.Errors, res.FirstError)
	}
	b.ReportMetric(res.PerSecond, "req/s")
	b.ReportMetric(float64(res.P50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(res.P99.Microseconds())/1000, "p99-ms")
}
