package cluster

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matchforge/matchforge/gamelift"
)

// BenchmarkClusterStartMatchmaking measures StartMatchmaking through the
// cluster's front ends: 64 concurrent clients spread over the nodes, each
// request routed to its configuration's shard owner (over NATS when that
// is another node), applied, appended to the shard's replicated log in a
// batch with whatever else waits, and answered. nodes=3 is three nodes on
// a three-server JetStream cluster with three replicas; nodes=1 one node on
// one server. It reports operations a second and records per log batch.
func BenchmarkClusterStartMatchmaking(b *testing.B) {
	for _, k := range []int{1, 3} {
		b.Run("nodes="+strconv.Itoa(k), func(b *testing.B) {
			ns := startNATS(b, k)
			var nodes []*Node
			for i := range k {
				cfg := testConfig("bench" + strconv.Itoa(i))
				cfg.Shards = 8
				cfg.Tick = 100 * time.Millisecond
				nodes = append(nodes, openNode(b, connect(b, ns[i]), cfg))
			}
			defer func() {
				for _, n := range nodes {
					n.Close()
				}
			}()
			waitFor(b, 30*time.Second, "the shards settled where rendezvous hashing puts them", func() bool {
				for i := 0; i <= nodes[0].Shards(); i++ {
					if ownerName(nodes, i) != rendezvousOwner(nodes, i) {
						return false
					}
				}
				return true
			})
			configs := make([]string, 16)
			for i := range configs {
				configs[i] = fmt.Sprintf("q%d", i)
			}
			setupDuel(b, nodes[0], configs...)
			var next atomic.Int64
			var batches0, records0 int64
			for _, n := range nodes {
				batches0 += n.stats.batches.Load()
				records0 += n.stats.records.Load()
			}
			b.SetParallelism(32)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1)
					n := nodes[int(i)%len(nodes)]
					id := "t" + strconv.FormatInt(i, 10)
					if err := tryDo(n, gamelift.OpStartMatchmaking, startTicket(id, configs[int(i/7)%len(configs)], float64(i%1000), "p"+id), nil, id); err != nil {
						b.Error(err)
						return
					}
				}
			})
			elapsed := time.Since(start)
			b.StopTimer()
			var batches, records int64
			for _, n := range nodes {
				batches += n.stats.batches.Load()
				records += n.stats.records.Load()
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
			if batches > batches0 {
				b.ReportMetric(float64(records-records0)/float64(batches-batches0), "records/batch")
			}
		})
	}
}
