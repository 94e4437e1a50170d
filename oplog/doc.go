// Package oplog keeps a state's operation log and snapshots, so that the
// state survives a restart: matchforge serve --data-dir appends every
// operation that changed the engine, and every step, with its time, before
// it answers the caller, and takes a snapshot of the engine now and then.
// On start it restores the latest snapshot and replays the records after
// it; the engine being deterministic, that gives back the state, and the
// events, exactly.
//
// Log is the abstraction: Append queues records and Wait makes them durable,
// so that many callers share one sync (group commit); Checkpoint stores a
// snapshot and lets the records it covers go; Load replays. FileLog is the
// single-node implementation, with the standard library only:
//
//   - Segment files seg-<first record>.log of records, each a 4-byte length,
//     a 4-byte CRC-32C and the payload (sequence number, kind, time in Unix
//     nanoseconds, operation name, JSON input). A new segment starts past
//     Options.SegmentBytes and at each checkpoint.
//   - Snapshot files snap-<record>.snap, written to a temporary name,
//     synced, renamed and the directory synced, then older snapshots and the
//     segments they cover removed.
//   - The first record of each write (one group commit) is marked, so Load
//     can tell a torn write from damage. A crash cuts only the last write:
//     damage in the last segment that no later write's intact first record
//     follows (a cut-short record, zeros, garbage) is that torn write,
//     dropped with a log line, and the segment truncated before it. Damage
//     anywhere else (a bad length or checksum with a later write after it,
//     damage in an earlier segment, a gap in the sequence, a damaged
//     snapshot) stops Load with a *CorruptError that names the file and the
//     offset: records are never skipped silently.
//
// A record is durable when Wait returns: written and synced with fsync. The
// cluster puts the same interface on a replicated stream.
package oplog
