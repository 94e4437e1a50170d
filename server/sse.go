package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"time"
)

// heartbeat is how often an idle GET /events stream gets a comment line,
// so proxies and clients see it alive.
const heartbeat = 15 * time.Second

// sseBatch is how many events a stream writes between flushes at most.
const sseBatch = 512

// serveEvents streams events as Server-Sent Events: each event's JSON in
// "data:", its id in "id:". Query parameter "configuration" (repeatable)
// keeps only those configurations' events. A Last-Event-ID header (or
// query parameter lastEventId) resumes after that event; an id the history
// no longer holds is refused with 410 Gone, and a client that falls more
// than the history behind gets an "event: lost" message and the stream
// ends, so a gap is never silent.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeJSONError(w, http.StatusInternalServerError, "InternalServiceException", "the connection cannot stream")
		return
	}
	configs := r.URL.Query()["configuration"]
	from := s.hub.end()
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("lastEventId")
	}
	if last != "" {
		p, ok := s.hub.position(last)
		if !ok {
			oldest, n := s.hub.oldest()
			writeJSONError(w, http.StatusGone, "EventHistoryExceededException", fmt.Sprintf(
				"Last-Event-ID %q is not among the %d events the server still holds (it keeps the last %d; the oldest held is %q); resume without Last-Event-ID and read the tickets' state with DescribeMatchmaking",
				last, n, s.cfg.EventHistory, oldest))
			return
		}
		from = p + 1
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	fmt.Fprintf(bw, "retry: 1000\n\n")
	bw.Flush()
	flusher.Flush()

	cursor := new(atomic.Uint64)
	cursor.Store(from)
	s.streams.Store(cursor, struct{}{})
	defer s.streams.Delete(cursor)
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	var buf []record
	stopping := false
	for {
		var lost bool
		var wait <-chan struct{}
		buf, lost, wait = s.hub.read(from, sseBatch, buf[:0])
		if lost {
			msg, _ := json.Marshal(map[string]any{
				"message": fmt.Sprintf("this stream fell more than %d events behind and the ones it missed are gone; reconnect without Last-Event-ID and read the tickets' state with DescribeMatchmaking", s.cfg.EventHistory),
			})
			fmt.Fprintf(bw, "event: lost\ndata: %s\n\n", msg)
			bw.Flush()
			flusher.Flush()
			s.tel.dropped("sse", 1)
			return
		}
		if len(buf) > 0 {
			n := 0
			for i := range buf {
				rec := &buf[i]
				if len(configs) > 0 && !slices.Contains(configs, rec.config) {
					continue
				}
				bw.WriteString("id: ")
				bw.WriteString(rec.id)
				bw.WriteString("\ndata: ")
				bw.Write(rec.data)
				bw.WriteString("\n\n")
				n++
			}
			from = buf[len(buf)-1].pos + 1
			cursor.Store(from)
			if err := bw.Flush(); err != nil {
				return
			}
			flusher.Flush()
			s.tel.delivered("sse", n)
			continue
		}
		if stopping { // every event published before the stop is written
			return
		}
		select {
		case <-wait:
		case <-beat.C:
			bw.WriteString(": keep-alive\n\n")
			if bw.Flush() != nil {
				return
			}
			flusher.Flush()
		case <-r.Context().Done():
			return
		case <-s.stopping:
			stopping = true
		}
	}
}
