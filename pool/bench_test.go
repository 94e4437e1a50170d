package pool_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ticket"
)

var benchSizes = []struct {
	name string
	n    int
}{{"1k", 1_000}, {"10k", 10_000}, {"100k", 100_000}}

// benchPool fills a pool with n entries carrying a skill key, a mode key and
// latency to three of eight locations, as a configuration's pool would.
func benchPool(n int, r *rand.Rand) (*pool.Pool[int], []*pool.Entry[int]) {
	p := pool.New[int](pool.Options{Numbers: 1, Strings: 1, Latency: true})
	entries := make([]*pool.Entry[int], n)
	for i := range entries {
		entries[i] = benchEntry(i, r)
		p.Insert(entries[i])
	}
	return p, entries
}

var modes = []string{"ranked", "casual", "arena", "coop"}

func benchEntry(i int, r *rand.Rand) *pool.Entry[int] {
	first := int32(r.IntN(6))
	return &pool.Entry[int]{
		ID:    fmt.Sprintf("t%08d", i),
		Start: int64(i) * 1e6,
		Nums:  []float64{float64(r.IntN(3000))},
		Strs:  []string{modes[r.IntN(len(modes))]},
		Lat: []ticket.Latency{
			{Loc: first, Ms: int32(20 + r.IntN(200))},
			{Loc: first + 1, Ms: int32(20 + r.IntN(200))},
			{Loc: first + 2, Ms: int32(20 + r.IntN(200))},
		},
		Item: i,
	}
}

// BenchmarkInsertRemove measures one ticket leaving and one joining a full
// pool: every index updated twice.
func BenchmarkInsertRemove(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("entries="+size.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			p, entries := benchPool(size.n, r)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				e := entries[i%len(entries)]
				p.Remove(e)
				p.Insert(e)
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N), "ns/update")
		})
	}
}

// BenchmarkNearest measures taking the 32 entries closest to a skill value,
// as the engine does when it fills a match around an anchor.
func BenchmarkNearest(b *testing.B) {
	const want = 32
	for _, size := range benchSizes {
		b.Run("entries="+size.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			p, _ := benchPool(size.n, r)
			b.ReportAllocs()
			visited := 0
			for b.Loop() {
				n := 0
				p.Nearest(0, float64(r.IntN(3000)), 200, func(*pool.Entry[int], float64) bool {
					n++
					return n < want
				})
				visited += n
			}
			b.ReportMetric(float64(visited)/float64(b.N), "entries/op")
		})
	}
}
