package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// The kinds of record in a shard's log.
const (
	recOp      byte = 1 // an accepted operation: name, JSON input, request id
	recStep    byte = 2 // a step of the engine
	recCatalog byte = 3 // a catalog operation, copied from the catalog shard's batch Cat
	recFence   byte = 4 // a new owner took the shard (Op names it); changes nothing
)

// record is one entry of a shard's log. A batch of them is one message of
// the operations stream: the owner's group commit.
type record struct {
	Kind  byte
	Time  time.Time // the operation's or step's time (UTC, no monotonic reading)
	Op    string
	Input []byte
	Req   string // the request id, for deduplicating retries
	Cat   uint64 // recCatalog: the stream sequence of the catalog batch it came from
}

const batchMagic = "mfb1"

var errBatch = errors.New("cluster: damaged batch")

// encodeBatch writes recs as one message: the magic, a count, and each
// record's fields, lengths as uvarints.
func encodeBatch(recs []record) []byte {
	n := len(batchMagic) + binary.MaxVarintLen64
	for i := range recs {
		n += 1 + 3*binary.MaxVarintLen64 + len(recs[i].Op) + len(recs[i].Input) + len(recs[i].Req) + binary.MaxVarintLen64
	}
	b := make([]byte, 0, n)
	b = append(b, batchMagic...)
	b = binary.AppendUvarint(b, uint64(len(recs)))
	for i := range recs {
		r := &recs[i]
		b = append(b, r.Kind)
		b = binary.AppendVarint(b, r.Time.UnixNano())
		b = appendBytes(b, []byte(r.Op))
		b = appendBytes(b, r.Input)
		b = appendBytes(b, []byte(r.Req))
		b = binary.AppendUvarint(b, r.Cat)
	}
	return b
}

func appendBytes(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decodeBatch reads a message encodeBatch wrote.
func decodeBatch(b []byte) ([]record, error) {
	if len(b) < len(batchMagic) || string(b[:len(batchMagic)]) != batchMagic {
		return nil, fmt.Errorf("%w: no %q header", errBatch, batchMagic)
	}
	d := decoder{b: b[len(batchMagic):]}
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.err = fmt.Errorf("%w: %d records in %d bytes", errBatch, n, len(d.b))
	}
	recs := make([]record, 0, min(n, 1<<16))
	for i := uint64(0); i < n && d.err == nil; i++ {
		var r record
		r.Kind = d.byte()
		r.Time = time.Unix(0, d.varint()).UTC()
		r.Op = string(d.bytes())
		r.Input = d.bytes()
		r.Req = string(d.bytes())
		r.Cat = d.uvarint()
		if r.Kind < recOp || r.Kind > recFence {
			d.fail("record kind")
		}
		recs = append(recs, r)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d bytes after the last record", errBatch, len(d.b))
	}
	return recs, d.err
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: bad %s", errBatch, what)
	}
	d.b = nil
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("length")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("time")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail("kind")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("field length")
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}
