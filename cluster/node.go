package cluster

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/matchforge/matchforge/gamelift"
)

// ErrClosed is returned by a closed node's operations.
var ErrClosed = errors.New("cluster: node closed")

// Node is one member of a matchforge cluster: a stateless front end for
// every operation (Do), and the owner of some shards, whose logs it writes
// and whose engines it steps. A Node is safe for concurrent use.
type Node struct {
	cfg    Config
	nc     *nats.Conn
	js     jetstream.JetStream
	ops    jetstream.Stream
	events jetstream.Stream
	leases jetstream.KeyValue
	nodes  jetstream.KeyValue
	snaps  jetstream.ObjectStore
	seed   uint64
	total  int // shards with the catalog: cfg.Shards+1
	log    *slog.Logger
	epoch  string // this incarnation, so that a restarted node's leases differ

	scratchMu sync.Mutex
	scratch   *gamelift.Service // for ValidateMatchmakingRuleSet

	mu     sync.Mutex
	owned  map[int]*shard // shards held or being loaded
	free   map[int]int    // balance rounds a shard has been seen without a lease
	closed bool

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	stats nodeStats
}

// nodeStats count the batches and records the node appended to shard logs.
type nodeStats struct {
	batches, records atomic.Int64
}

// names of the node's subjects, streams and buckets.
func (n *Node) opsSubject(s int) string      { return n.cfg.Prefix + ".ops." + strconv.Itoa(s) }
func (n *Node) eventSubject(s int) string    { return n.cfg.Prefix + ".events." + strconv.Itoa(s) }
func (n *Node) reqSubject(s int) string      { return n.cfg.Prefix + ".req." + strconv.Itoa(s) }
func (n *Node) leaseKey(s int) string        { return "shard-" + strconv.Itoa(s) }
func (n *Node) snapPrefix(s int) string      { return "shard-" + strconv.Itoa(s) + "-" }
func (n *Node) bucket(what string) string    { return n.cfg.Prefix + "_" + what }
func (n *Node) stream(what string) string    { return strings.ToUpper(n.cfg.Prefix) + "_" + what }
func (n *Node) leaseValue() []byte           { return []byte(n.cfg.Name + "|" + n.epoch) }
func (n *Node) tryTimeout() time.Duration    { return max(n.cfg.LeaseTTL, time.Second) }
func (n *Node) appendTimeout() time.Duration { return max(2*n.cfg.LeaseTTL, 2*time.Second) }
func (n *Node) balanceEvery() time.Duration  { return n.cfg.LeaseTTL / 4 }

// Open joins the cluster through nc: it creates the streams, buckets and
// object store if they do not exist, checks the cluster's stored shard
// count and seed against cfg (the first node stores them), and starts
// taking its share of the shards. Close leaves the cluster.
func Open(ctx context.Context, nc *nats.Conn, cfg Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("cluster: JetStream: %w", err)
	}
	n := &Node{cfg: cfg, nc: nc, js: js, total: cfg.Shards + 1, log: cfg.Logger.With("node", cfg.Name),
		owned: map[int]*shard{}, free: map[int]int{}}
	var b [8]byte
	rand.Read(b[:])
	n.epoch = strconv.FormatUint(binary.LittleEndian.Uint64(b[:]), 36)
	if n.cfg.Replicas == 0 {
		n.cfg.Replicas = DefaultReplicas
		if nc.ConnectedClusterName() == "" { // a server of its own
			n.cfg.Replicas = 1
		}
	}
	// A JetStream cluster that is still electing its leader leaves requests
	// unanswered: each try is bounded, and they go on until ctx ends.
	for {
		tctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
		err = n.setup(tctx)
		cancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil || isConfigError(err) {
			return nil, err
		}
		n.log.Debug("JetStream is not ready; retrying", "error", err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(200 * time.Millisecond):
		}
	}
	n.scratch, err = gamelift.NewService(n.serviceOptions(0))
	if err != nil {
		return nil, err
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	n.wg.Add(1)
	go n.balanceLoop()
	return n, nil
}

// setup creates (or finds) what the cluster keeps in JetStream.
func (n *Node) setup(ctx context.Context) error {
	r := n.cfg.Replicas
	var err error
	dup := max(5*n.cfg.SnapshotInterval, 2*time.Minute)
	if n.ops, err = n.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: n.stream("OPS"), Subjects: []string{n.cfg.Prefix + ".ops.*"}, Replicas: r,
		Storage: jetstream.FileStorage, Duplicates: dup, AllowDirect: true,
	}); err != nil {
		return fmt.Errorf("cluster: the operations stream: %w", err)
	}
	if n.events, err = n.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: n.stream("EVENTS"), Subjects: []string{n.cfg.Prefix + ".events.*"}, Replicas: r,
		Storage: jetstream.FileStorage, Duplicates: dup, MaxAge: 24 * time.Hour,
	}); err != nil {
		return fmt.Errorf("cluster: the events stream: %w", err)
	}
	if n.leases, err = n.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: n.bucket("leases"), TTL: n.cfg.LeaseTTL, Replicas: r, Storage: jetstream.FileStorage,
	}); err != nil {
		return fmt.Errorf("cluster: the leases bucket: %w", err)
	}
	if n.nodes, err = n.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: n.bucket("nodes"), TTL: n.cfg.LeaseTTL, Replicas: r, Storage: jetstream.FileStorage,
	}); err != nil {
		return fmt.Errorf("cluster: the nodes bucket: %w", err)
	}
	if n.snaps, err = n.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: n.bucket("snapshots"), Replicas: r, Storage: jetstream.FileStorage,
	}); err != nil {
		return fmt.Errorf("cluster: the snapshots store: %w", err)
	}
	meta, err := n.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: n.bucket("meta"), Replicas: r, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return fmt.Errorf("cluster: the meta bucket: %w", err)
	}
	seed := n.cfg.Service.Engine.Seed
	for seed == 0 {
		var b [8]byte
		rand.Read(b[:])
		seed = binary.LittleEndian.Uint64(b[:])
	}
	type settings struct {
		Shards   int        `json:"shards"`
		Seed     uint64     `json:"seed"`
		Colocate [][]string `json:"colocate"`
	}
	want, _ := json.Marshal(settings{n.cfg.Shards, seed, n.cfg.Colocate})
	if _, err := meta.Create(ctx, "cluster", want); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("cluster: storing the cluster's settings: %w", err)
	}
	e, err := meta.Get(ctx, "cluster")
	if err != nil {
		return fmt.Errorf("cluster: reading the cluster's settings: %w", err)
	}
	var got settings
	if err := json.Unmarshal(e.Value(), &got); err != nil {
		return fmt.Errorf("cluster: the stored settings %q: %v", e.Value(), err)
	}
	shards := got.Shards
	n.seed = got.Seed
	colocate, _ := json.Marshal(got.Colocate)
	if shards != n.cfg.Shards {
		return fmt.Errorf("%w: Config.Shards is %d but the cluster was made with %d; every node must use the same", errSettings, n.cfg.Shards, shards)
	}
	if mine, _ := json.Marshal(n.cfg.Colocate); string(colocate) != string(mine) {
		return fmt.Errorf("%w: Config.Colocate is %s but the cluster was made with %s; every node must use the same", errSettings, mine, colocate)
	}
	if s := n.cfg.Service.Engine.Seed; s != 0 && s != n.seed {
		return fmt.Errorf("%w: Config.Service.Engine.Seed is %d but the cluster was made with %d", errSettings, s, n.seed)
	}
	return nil
}

// errSettings marks a node whose settings disagree with the cluster's.
var errSettings = errors.New("cluster: settings differ from the cluster's")

func isConfigError(err error) bool { return errors.Is(err, errSettings) }

// serviceOptions are shard s's service options: the cluster's seed mixed
// with the shard's number, so that ids differ between shards.
func (n *Node) serviceOptions(s int) gamelift.Options {
	o := n.cfg.Service
	o.Engine.Seed = n.seed ^ uint64(s+1)*0x9e3779b97f4a7c15
	return o
}

// Name returns the node's name.
func (n *Node) Name() string { return n.cfg.Name }

// Shards returns how many ticket shards the cluster has.
func (n *Node) Shards() int { return n.cfg.Shards }

// Owned returns the shards this node serves now (0 is the catalog), sorted.
func (n *Node) Owned() []int {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []int
	for i := 0; i < n.total; i++ {
		if s := n.owned[i]; s != nil && s.live.Load() {
			out = append(out, i)
		}
	}
	return out
}

// Close hands this node's shards over and leaves the cluster: each shard
// stops taking requests, finishes its batch, publishes its events, is
// snapshotted when it can be, and its lease is released so that another
// node takes it at once. It does not close nc.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.mu.Unlock()
	n.cancel()
	n.wg.Wait()
	var wg sync.WaitGroup
	for _, s := range n.ownedShards() {
		wg.Add(1)
		go func() { defer wg.Done(); n.release(s) }()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n.nodes.Delete(ctx, n.cfg.Name)
	return nil
}

// ownedShards returns the shards held or being loaded.
func (n *Node) ownedShards() []*shard {
	n.mu.Lock()
	defer n.mu.Unlock()
	all := make([]*shard, 0, len(n.owned))
	for _, s := range n.owned {
		all = append(all, s)
	}
	return all
}

// halt stops the node as a crash would, for tests: nothing is handed over,
// and its leases expire by themselves. The caller closes the connection.
func (n *Node) halt() {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	n.cancel()
	for _, s := range n.ownedShards() {
		s.abort()
	}
	n.wg.Wait()
}

// balanceLoop renews the node's leases and membership, and takes and hands
// over shards so that each goes to the live node that rendezvous hashing
// gives it.
func (n *Node) balanceLoop() {
	defer n.wg.Done()
	t := time.NewTicker(n.balanceEvery())
	defer t.Stop()
	for {
		n.balance()
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (n *Node) balance() {
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.LeaseTTL/2)
	defer cancel()
	if _, err := n.nodes.Put(ctx, n.cfg.Name, []byte(n.epoch)); err != nil {
		n.log.Debug("heartbeat failed", "error", err)
	}
	n.mu.Lock()
	held := make(map[int]*shard, len(n.owned))
	for i, s := range n.owned {
		held[i] = s
	}
	n.mu.Unlock()
	for _, s := range held {
		n.renew(ctx, s)
	}
	live, err := n.nodes.Keys(ctx)
	if err != nil || len(live) == 0 {
		live = []string{n.cfg.Name}
	}
	for i := 0; i < n.total; i++ {
		want := rendezvous(live, i)
		if s := held[i]; s != nil {
			if want != n.cfg.Name && s.live.Load() {
				go n.release(s)
			}
			continue
		}
		_, err := n.leases.Get(ctx, n.leaseKey(i))
		if err == nil {
			n.mu.Lock()
			delete(n.free, i)
			n.mu.Unlock()
			continue
		}
		if !errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		n.mu.Lock()
		n.free[i]++
		take := want == n.cfg.Name || n.free[i] > 2
		n.mu.Unlock()
		if take {
			n.acquire(i)
		}
	}
}

// rendezvous returns the node with the highest hash of (node, shard).
func rendezvous(nodes []string, s int) string {
	var best string
	var bestH uint64
	for _, name := range nodes {
		h := fnv.New64a()
		h.Write([]byte(name))
		h.Write([]byte{0, byte(s), byte(s >> 8)})
		v := h.Sum64()
		v ^= v >> 33
		v *= 0xff51afd7ed558ccd
		v ^= v >> 33
		if best == "" || v > bestH {
			best, bestH = name, v
		}
	}
	return best
}

// renew extends s's lease. A lease that has changed hands, or could not be
// renewed for most of its time to live, stops the shard at once: another
// node may own it already, and the log's fence refuses our writes anyway.
func (n *Node) renew(ctx context.Context, s *shard) {
	rev, err := n.leases.Update(ctx, n.leaseKey(s.n), n.leaseValue(), s.rev.Load())
	if err == nil {
		s.rev.Store(rev)
		s.renewed.Store(time.Now().UnixNano())
		return
	}
	lost := errors.Is(err, jetstream.ErrKeyNotFound) || isWrongLast(err) ||
		time.Since(time.Unix(0, s.renewed.Load())) > n.cfg.LeaseTTL*3/4
	if lost {
		n.log.Warn("lost the lease of a shard", "shard", s.n, "error", err)
		s.abort()
		n.forget(s)
	}
}

func isWrongLast(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
	}
	return errors.Is(err, jetstream.ErrKeyExists)
}

func (n *Node) forget(s *shard) {
	n.mu.Lock()
	if n.owned[s.n] == s {
		delete(n.owned, s.n)
	}
	n.mu.Unlock()
}

// acquire takes shard i's lease with compare-and-swap and, in the
// background, loads the shard and starts serving it.
func (n *Node) acquire(i int) {
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.LeaseTTL/2)
	rev, err := n.leases.Create(ctx, n.leaseKey(i), n.leaseValue())
	cancel()
	if err != nil {
		return
	}
	s := newShard(n, i)
	s.rev.Store(rev)
	s.renewed.Store(time.Now().UnixNano())
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		n.deleteLease(i, rev)
		return
	}
	n.owned[i] = s
	delete(n.free, i)
	n.mu.Unlock()
	s.begin()
}

// release stops serving s and gives its lease back, for a handover or
// Close: the shard finishes its batch and its events, and is snapshotted,
// before the lease goes.
func (n *Node) release(s *shard) {
	s.stop(true)
	n.forget(s)
	n.deleteLease(s.n, s.rev.Load())
	n.log.Info("handed over a shard", "shard", s.n)
}

func (n *Node) deleteLease(i int, rev uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.LeaseTTL)
	defer cancel()
	n.leases.Delete(ctx, n.leaseKey(i), jetstream.LastRevision(rev))
}

// local returns shard i if this node serves it now.
func (n *Node) local(i int) *shard {
	n.mu.Lock()
	defer n.mu.Unlock()
	if s := n.owned[i]; s != nil && s.live.Load() {
		return s
	}
	return nil
}
