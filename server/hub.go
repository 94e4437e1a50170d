package server

import (
	"sync"
)

// record is one event as the server delivers it: its JSON (the envelope
// and detail of replay) and what delivery filters and resumes on.
type record struct {
	pos    uint64 // 1, 2, 3, ... in delivery order
	id     string // the event's id, sent as the SSE id
	config string // the configuration's name
	data   []byte // the event's JSON
	rec    uint64 // the number of the record (change) that caused it
}

// hub keeps the most recent events in a ring and wakes the readers waiting
// for more. Its methods are safe for concurrent use.
type hub struct {
	mu     sync.Mutex
	ring   []record // capacity cap; ring[(pos-1) % cap] holds pos
	cap    int
	first  uint64 // oldest position held; first == next when empty
	next   uint64 // position of the next event
	ids    map[string]uint64
	notify chan struct{} // closed and replaced when events arrive
}

func newHub(capacity int) *hub {
	return &hub{cap: capacity, first: 1, next: 1, ids: make(map[string]uint64), notify: make(chan struct{})}
}

// add appends events in order, evicting the oldest past the capacity. It
// costs O(len(recs)).
func (h *hub) add(recs []record) {
	if len(recs) == 0 {
		return
	}
	h.mu.Lock()
	for _, r := range recs {
		h.appendLocked(r)
	}
	h.wakeLocked()
	h.mu.Unlock()
}

// addNew appends, in order, the events whose ids the history does not hold
// (counting those of recs before them), and returns those it appended, in
// recs' memory. The check and the append are one step, so concurrent calls
// never both append an id. It costs O(len(recs)).
func (h *hub) addNew(recs []record) []record {
	h.mu.Lock()
	defer h.mu.Unlock()
	added := recs[:0]
	for _, r := range recs {
		if _, held := h.ids[r.id]; held {
			continue
		}
		h.appendLocked(r)
		added = append(added, r)
	}
	if len(added) > 0 {
		h.wakeLocked()
	}
	return added
}

// appendLocked gives r the next position and stores it, evicting the
// oldest event past the capacity. Callers hold h.mu.
func (h *hub) appendLocked(r record) {
	r.pos = h.next
	h.next++
	i := int((r.pos - 1) % uint64(h.cap))
	if len(h.ring) < h.cap {
		h.ring = append(h.ring, r)
	} else {
		delete(h.ids, h.ring[i].id)
		h.ring[i] = r
		h.first++
	}
	h.ids[r.id] = r.pos
}

// wakeLocked wakes the readers waiting for events. Callers hold h.mu.
func (h *hub) wakeLocked() {
	close(h.notify)
	h.notify = make(chan struct{})
}

// position returns the position of the event with id, if the history
// still holds it.
func (h *hub) position(id string) (uint64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.ids[id]
	return p, ok
}

// end returns the position the next event will have.
func (h *hub) end() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.next
}

// firstPos returns the position of the oldest event held.
func (h *hub) firstPos() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.first
}

// oldest returns the id of the oldest event held and how many are held.
func (h *hub) oldest() (string, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.first == h.next {
		return "", 0
	}
	return h.ring[int((h.first-1)%uint64(h.cap))].id, int(h.next - h.first)
}

// read appends to dst up to max events from position from on. lost is
// true when from is older than the oldest event held (they were evicted).
// When there is nothing to read, wait is closed once something arrives.
func (h *hub) read(from uint64, max int, dst []record) (out []record, lost bool, wait <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if from < h.first {
		return dst, true, nil
	}
	for p := from; p < h.next && len(dst) < max; p++ {
		dst = append(dst, h.ring[int((p-1)%uint64(h.cap))])
	}
	return dst, false, h.notify
}
