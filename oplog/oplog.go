package oplog

import (
	"errors"
	"io"
	"time"
)

// Kind says what a record records.
type Kind uint8

// The kinds of record.
const (
	// KindOp is an accepted operation: its name and its JSON input.
	KindOp Kind = 1
	// KindStep is a step of the engine.
	KindStep Kind = 2
)

func (k Kind) String() string {
	switch k {
	case KindOp:
		return "op"
	case KindStep:
		return "step"
	}
	return "kind(" + string(rune('0'+k)) + ")"
}

// Record is one entry of the log: an operation that changed the state, or
// a step, with the time it ran at. Replaying the records in order, each at
// its time, on the state they followed gives the same state and the same
// events: the engine is deterministic.
type Record struct {
	Kind Kind
	Time time.Time
	// Op is the operation's name and Input its JSON body (KindOp).
	Op    string
	Input []byte
}

// MaxRecordBytes bounds one encoded record (the server bounds request
// bodies well below it).
const MaxRecordBytes = 64 << 20

// ErrClosed is returned by a Log's methods after Close.
var ErrClosed = errors.New("oplog: closed")

// A Log keeps the records of a state and its snapshots, so that the state
// survives a restart. Records get sequence numbers 1, 2, 3, ... in the order
// they are appended; a snapshot records the state after a given sequence
// number, and the records up to it may then be dropped.
//
// The file implementation (Open) is the single-node one; the cluster puts
// the same interface on a replicated stream. Implementations are safe for
// concurrent use.
type Log interface {
	// Append queues records in order and returns the sequence number of
	// the last. They are durable once Wait(seq) returns nil; Append itself
	// does not wait, so a caller may append while holding a lock and wait
	// after releasing it, and many appends share one sync (group commit).
	Append(recs ...Record) (seq uint64, err error)
	// Wait returns once every record up to seq is durable, or the error
	// that kept it from being so.
	Wait(seq uint64) error
	// Checkpoint stores snapshot as the state after record seq, durably,
	// and may then drop the records up to seq. seq must not be older than
	// the last checkpoint.
	Checkpoint(seq uint64, snapshot []byte) error
	// Load reads the log from the start: restore is called with the latest
	// snapshot and its sequence number, if there is one, then replay with
	// each later record in order. It must be called before the first
	// Append. An error of restore or replay stops it and is returned.
	Load(restore func(seq uint64, snapshot io.Reader) error, replay func(seq uint64, r Record) error) error
	// Close releases the log. Records appended and not yet waited for may
	// not be durable.
	Close() error
}
