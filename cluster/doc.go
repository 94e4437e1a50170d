// Package cluster runs matchforge on a NATS JetStream cluster: many nodes
// share the configurations of one title, any node answers any request, and
// losing a node loses nothing that was acknowledged.
//
// We build no consensus of our own. JetStream keeps every stream, bucket
// and object replicated with Raft (Config.Replicas), and the engine's
// determinism makes the rest simple: a shard's state is whatever replaying
// its log gives, on any node.
//
// # Shards and their logs
//
// Configurations are spread over Config.Shards ticket shards by a hash of
// their name (Node.ShardOf); Config.Colocate keeps groups of them in one
// shard. Rule sets and configurations themselves live in the catalog,
// shard 0. Each shard has a log, the subject <prefix>.ops.<shard> of the
// stream <PREFIX>_OPS, whose messages are batches of records: an accepted
// operation with its time, JSON input and request id; a step of the engine
// with its time; a catalog operation copied from shard 0; a fence written
// by each new owner. A batch is one group commit: the owner applies every
// request waiting, then appends the batch and only then answers them, and
// reads in the batch are answered after it too, so nobody is told of state
// the log does not hold.
//
// # One writer per shard
//
// A shard is written by the node holding its lease, the key shard-<n> of
// the key-value bucket <prefix>_leases, whose entries live Config.LeaseTTL
// unless renewed (every LeaseTTL/4). A lease is taken with Create (which
// fails if the key exists) and renewed with Update on the revision held,
// so two nodes never both think they renewed it. A node that fails to renew
// for three quarters of the TTL stops writing. That alone could still let a
// slow, deposed owner write; the log's fence stops it: every batch is
// published expecting the sequence of the shard's last batch
// (Nats-Expected-Last-Subject-Sequence), and a new owner's first act is to
// append a fence record, so the old owner's next batch is refused and it
// stops.
//
// Nodes announce themselves in the bucket <prefix>_nodes (same TTL), and
// each shard belongs to the live node that rendezvous hashing of (node,
// shard) ranks first: when a node joins, the shards that now rank it first
// are handed over (the owner finishes its batch, publishes its events,
// snapshots the shard and deletes its lease; the new node takes it on its
// next round); when a node dies, its leases expire and the nodes that rank
// next take its shards.
//
// # Failover
//
// Taking a shard means restoring its latest snapshot from the object store
// <prefix>_snapshots (shard-<n>-<log sequence>) and replaying the log after
// it, fencing, and serving. Snapshots are taken every Config.SnapshotEvery
// records or SnapshotInterval, only once every event up to them is
// published, and the log before them is then purged (but for the last
// batch, which the fence needs, and shard 0's log, which ticket shards
// follow from wherever they are), unless Config.KeepLog.
//
// # Requests
//
// Node.Do is the front end (it implements server.Backend, so matchforge
// serve in cluster mode speaks the GameLift API on every node). It sends a
// request to the shard's owner as a NATS request on <prefix>.req.<shard>
// (or straight to the writer when the owner is itself), and retries with
// backoff while a shard has no owner or is changing owner. Every request
// carries an id (the client's amz-sdk-invocation-id through the server):
// an owner remembers the replies of the last 10,000 mutating requests, in
// its snapshots and rebuilt by replay, so a retry after a failover is
// answered, not applied twice. Mutating operations that fail change
// nothing and are not recorded.
//
// Routing: StartMatchmaking and StartMatchBackfill go to their
// configuration's shard. DescribeMatchmaking asks every ticket shard and
// merges the answers; StopMatchmaking, AcceptMatch and the game-session
// operations go to every ticket shard and the one that knows the ticket
// answers (a ticket's shard is not in its id). Catalog operations go to
// shard 0; ticket shards follow shard 0's log and copy each catalog record
// into their own log before applying it, so each shard's log alone decides
// its state. A created or updated configuration is answered only once its
// ticket shard has applied it, and a deleted one is deleted on its ticket
// shard first (which refuses while it has active tickets).
//
// Players are checked for duplicates (D17) within a shard only: two
// configurations that share players must be colocated for a player's newer
// ticket to cancel the older. We chose colocation over a global player
// index because the index would cost a compare-and-swap round trip to a
// replicated bucket for every player of every ticket, and most titles
// know which queues share players.
//
// # Events
//
// Each batch's events are published as one message on <prefix>.events.<n>
// of the stream <PREFIX>_EVENTS, one at a time, with the batch's log
// sequence in the Matchforge-Batch header, and expecting the subject's
// last message (the fencing of the log, applied to events). A publisher
// first reads which batch is last on the subject and skips the batches up
// to it, so a new owner replaying the log publishes only what the old one
// did not; when two owners race, or an answer is lost, the publisher reads
// the tail again before it retries. Each shard's events are therefore on
// the stream once each and in log order. This needs every batch an owner
// appends to reach its publisher: a stopping owner that cannot queue a
// batch's events stops before it appends another, takes no snapshot, and
// leaves them to the next owner. Event ids are the engine's.
// Node.ConsumeEvents reads them; matchforge serve feeds them to GET
// /events on every node.
//
// # Concurrency
//
// A Node is safe for concurrent use. Each shard it owns has one writer
// goroutine that alone touches its gamelift.Service, one goroutine
// publishing its events, and, for ticket shards, a consumer following the
// catalog; a balance goroutine renews leases and moves shards. The engine
// stays single-threaded and deterministic.
package cluster
