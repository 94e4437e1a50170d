package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/matchforge/matchforge/gamelift"
)

// Defaults of Config.
const (
	DefaultShards           = 8
	DefaultReplicas         = 3
	DefaultLeaseTTL         = 2 * time.Second
	DefaultTick             = 100 * time.Millisecond
	DefaultRequestTimeout   = 30 * time.Second
	DefaultSnapshotEvery    = 20_000
	DefaultSnapshotInterval = 30 * time.Second
	DefaultPrefix           = "mf"
	// MinLeaseTTL is the shortest lease: JetStream expires keys on a timer,
	// and a lease must outlive a few renewals.
	MinLeaseTTL = 500 * time.Millisecond
	// MaxShards bounds Config.Shards.
	MaxShards = 1024
)

// Config configures a Node. The zero value is valid except for Name and
// means the defaults documented on each field. Every node of a cluster must
// use the same Shards, Colocate, Prefix and Service (the first node to start
// stores Shards and the seed, and the others check theirs against it).
type Config struct {
	// Name is the node's name, unique in the cluster: letters, digits, '-'
	// and '_', at most MaxNameBytes (see CheckName). Required.
	Name string
	// Shards is how many ticket shards the configurations are spread over.
	// The catalog (rule sets and configurations) is a shard of its own,
	// shard 0, beside them. Default DefaultShards; at most MaxShards.
	Shards int
	// Replicas is how many JetStream servers keep each stream, bucket and
	// object: 1, 3 or 5. Default DefaultReplicas, or 1 when the NATS server
	// the node is connected to is not part of a cluster.
	Replicas int
	// LeaseTTL is how long a shard's lease lives without renewal: the time
	// a dead owner's shards wait before another node takes them. Renewals
	// run every LeaseTTL/4. Default DefaultLeaseTTL; at least MinLeaseTTL.
	LeaseTTL time.Duration
	// Tick is how often an owner steps each of its shards. Default
	// DefaultTick.
	Tick time.Duration
	// RequestTimeout bounds an operation whose context has no deadline:
	// its retries while a shard changes owner. Default DefaultRequestTimeout.
	RequestTimeout time.Duration
	// SnapshotEvery and SnapshotInterval say when an owner snapshots a
	// shard: after this many records, or this long after the last snapshot
	// when anything was recorded since. The log before a snapshot is then
	// purged (unless KeepLog). Defaults DefaultSnapshotEvery and
	// DefaultSnapshotInterval.
	SnapshotEvery    int
	SnapshotInterval time.Duration
	// KeepLog keeps the records snapshots cover instead of purging them:
	// the whole history stays in the stream, for audits and for tests that
	// replay it from the first record.
	KeepLog bool
	// Colocate lists groups of configuration names kept in one shard, so
	// that a player in tickets of two of them is refused (DUPLICATE_PLAYER
	// is checked within a shard only). A configuration in no group goes to
	// the shard its name hashes to; a group goes to its first name's.
	Colocate [][]string
	// Service configures each shard's gamelift.Service. Its engine seed is
	// replaced by the cluster's (stored by the first node; chosen at random
	// when Service.Engine.Seed is 0), mixed with the shard's number.
	Service gamelift.Options
	// Prefix begins the names of the node's subjects, streams and buckets,
	// so that several clusters can share one NATS deployment. Default
	// DefaultPrefix; letters and digits only.
	Prefix string
	// Clock gives the wall time of steps. Default time.Now.
	Clock func() time.Time
	// Logger receives the node's log lines. Default: discard.
	Logger *slog.Logger
}

// Validate reports the first field that is not valid.
func (c Config) Validate() error {
	switch {
	case CheckName(c.Name) != nil:
		return fmt.Errorf("cluster: Config.Name %v", CheckName(c.Name))
	case c.Shards < 0 || c.Shards > MaxShards:
		return fmt.Errorf("cluster: Config.Shards is %d; it must be between 1 and %d (0 means %d)", c.Shards, MaxShards, DefaultShards)
	case c.Replicas != 0 && c.Replicas != 1 && c.Replicas != 3 && c.Replicas != 5:
		return fmt.Errorf("cluster: Config.Replicas is %d; it must be 1, 3 or 5", c.Replicas)
	case c.LeaseTTL != 0 && c.LeaseTTL < MinLeaseTTL:
		return fmt.Errorf("cluster: Config.LeaseTTL is %v; it must be at least %v", c.LeaseTTL, MinLeaseTTL)
	case c.Tick < 0 || c.RequestTimeout < 0 || c.SnapshotInterval < 0:
		return errors.New("cluster: Config.Tick, RequestTimeout and SnapshotInterval must not be negative")
	case c.SnapshotEvery < 0:
		return fmt.Errorf("cluster: Config.SnapshotEvery is %d; it must not be negative", c.SnapshotEvery)
	}
	for _, r := range c.Prefix {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return fmt.Errorf("cluster: Config.Prefix %q has %q; it may hold letters and digits only", c.Prefix, r)
		}
	}
	seen := map[string]int{}
	for i, g := range c.Colocate {
		if len(g) == 0 {
			return fmt.Errorf("cluster: Config.Colocate[%d] is empty", i)
		}
		for _, n := range g {
			if j, ok := seen[n]; ok {
				return fmt.Errorf("cluster: Config.Colocate names configuration %q in groups %d and %d; a configuration is in one group at most", n, j, i)
			}
			seen[n] = i
		}
	}
	return c.Service.Validate()
}

// MaxNameBytes bounds a node's name.
const MaxNameBytes = 128

// CheckName reports what is wrong with a node name, as a phrase that
// follows the name of the field or flag that gave it: "is empty; ...",
// "\"a.b\" has '.'; ...". A node name is a key of a JetStream bucket:
// letters, digits, '-' and '_', at most MaxNameBytes.
func CheckName(name string) error {
	if name == "" {
		return errors.New("is empty; each node needs a name unique in the cluster")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("%q has %q; a node name may hold letters, digits, '-' and '_' only", name, r)
		}
	}
	if len(name) > MaxNameBytes {
		return fmt.Errorf("is %d bytes long; the limit is %d", len(name), MaxNameBytes)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Shards == 0 {
		c.Shards = DefaultShards
	}
	if c.LeaseTTL == 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.Tick == 0 {
		c.Tick = DefaultTick
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.SnapshotEvery == 0 {
		c.SnapshotEvery = DefaultSnapshotEvery
	}
	if c.SnapshotInterval == 0 {
		c.SnapshotInterval = DefaultSnapshotInterval
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
