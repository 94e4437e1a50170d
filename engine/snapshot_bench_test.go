package engine_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/matchforge/matchforge/bench"
	"github.com/matchforge/matchforge/engine"
)

// snapBenchEngine returns an engine holding n tickets of the default
// ranked 5v5 rule set that wait in its pool (held back from matching, see
// bench.Workload.WaitingInputs), searched and settled into the pool's
// trees by two steps, and its configuration.
func snapBenchEngine(b *testing.B, n int) (*engine.Engine, engine.Config) {
	b.Helper()
	w, err := bench.NewWorkload(bench.DefaultRuleSet(), nil, 1)
	if err != nil {
		b.Fatal(err)
	}
	cfg := engine.Config{Seed: w.Seed, TicketRetention: time.Nanosecond} // as w.NewEngine
	e, err := w.NewEngine()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := w.Submit(e, w.Start, w.WaitingInputs(0, n)); err != nil {
		b.Fatal(err)
	}
	e.Step(w.Start)
	e.Step(w.Start)
	if got := e.Pending(); got < n*99/100 {
		b.Fatalf("%d tickets wait, want about %d", got, n)
	}
	return e, cfg
}

// BenchmarkSnapshot writes the snapshot of an engine with 100,000 waiting
// tickets of the default ranked 5v5 rule set.
func BenchmarkSnapshot(b *testing.B) {
	const n = 100_000
	b.Run(fmt.Sprintf("tickets=100k/ruleset=%s", bench.DefaultName), func(b *testing.B) {
		e, _ := snapBenchEngine(b, n)
		var buf bytes.Buffer
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			buf.Reset()
			if err := e.Snapshot(&buf); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len()), "bytes")
		b.ReportMetric(float64(buf.Len())/n, "bytes/ticket")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/ticket")
	})
}

// BenchmarkRestore restores that snapshot.
func BenchmarkRestore(b *testing.B) {
	const n = 100_000
	b.Run(fmt.Sprintf("tickets=100k/ruleset=%s", bench.DefaultName), func(b *testing.B) {
		e, cfg := snapBenchEngine(b, n)
		var buf bytes.Buffer
		if err := e.Snapshot(&buf); err != nil {
			b.Fatal(err)
		}
		snap := buf.Bytes()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			r, err := engine.Restore(bytes.NewReader(snap), cfg)
			if err != nil {
				b.Fatal(err)
			}
			if r.Pending() != e.Pending() {
				b.Fatalf("restored %d waiting tickets, want %d", r.Pending(), e.Pending())
			}
		}
		b.ReportMetric(float64(len(snap)), "bytes")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/ticket")
	})
}
