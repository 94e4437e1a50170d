package server

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/matchforge/matchforge/gamelift"
)

// Backend runs the API's operations in place of the server's own service:
// a cluster node that forwards each operation to the node owning it. Its
// Do is called from many goroutines at once (one per API request, and Do
// and Setup callers), so it must be safe for concurrent use.
type Backend interface {
	// Do runs op with its JSON input and returns its JSON output, or an
	// error: a *gamelift.Error for the API's errors (or an error wrapping
	// gamelift.ErrUnknownOperation). requestID is the client's invocation
	// id (the amz-sdk-invocation-id header, which the AWS SDKs and CLI keep
	// the same across their retries of one call), or "" when the client
	// sent none. ctx ends when the client goes away.
	Do(ctx context.Context, op string, input []byte, requestID string) ([]byte, error)
}

// PublishedEvent is an event made elsewhere (by the backend's engines),
// for PublishEvents.
type PublishedEvent struct {
	// ID is the event's id: the SSE id GET /events sends and a
	// Last-Event-ID resumes after. It must not be empty.
	ID string
	// Configuration is the name of the configuration the event is about,
	// which GET /events?configuration= filters on.
	Configuration string
	// JSON is the event as GET /events sends it: the FlexMatch envelope
	// and detail, as package gamelift renders events.
	JSON []byte
}

// PublishEvents appends events, in order, to the history GET /events
// serves, so this server's SSE clients receive them, filtered by
// configuration and resumable with Last-Event-ID as the server's own
// events are. It is how a server with a Backend serves the events of the
// backend's engines; on a server with its own service they join that
// service's events.
//
// An event whose ID the history already holds is dropped, as is an
// event repeated within evs: a cluster may deliver an event again after a
// failover, and a client must not see it twice. (An event so old that the
// history no longer holds it cannot be recognised and is appended again.)
// An event with an empty ID, or whose JSON is not valid JSON, is dropped
// and logged. The JSON is copied (compacted, so that it fits on one SSE
// data line), and evs may be reused once PublishEvents returns.
//
// PublishEvents returns how many events it appended. It is safe for
// concurrent use with itself and with the HTTP handlers: the events of one
// call are appended together, and it never waits for a GET /events reader
// (a reader that falls more than Config.EventHistory events behind is told
// so and its stream ends). It delivers no webhooks. It records the event
// metrics (matchforge.matches, matchforge.time_to_match) of the events it
// appends, so with every cluster node publishing every event, each node
// counts each match.
func (s *Server) PublishEvents(evs []PublishedEvent) int {
	recs := make([]record, 0, len(evs))
	for _, e := range evs {
		if e.ID == "" {
			s.log.Warn("published event without an id dropped", "configuration", e.Configuration)
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, e.JSON); err != nil {
			s.log.Warn("published event is not valid JSON: dropped", "id", e.ID, "configuration", e.Configuration, "error", err)
			continue
		}
		recs = append(recs, record{id: e.ID, config: e.Configuration, data: buf.Bytes()})
	}
	// pubMu keeps History and a concurrent local publication from seeing
	// half of the batch; the hub decides what is new in one step.
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	added := s.hub.addNew(recs)
	for i := range added {
		s.eventMetrics(added[i].data)
	}
	return len(added)
}

// eventMetrics records what a published event's JSON says about matching.
// It reads only what the metrics need; an event it cannot read is left
// out of them.
func (s *Server) eventMetrics(data []byte) {
	var ev gamelift.Event
	var head struct {
		Time      gamelift.ISOTime `json:"time"`
		Resources []string         `json:"resources"`
		Detail    struct {
			Type    string `json:"type"`
			Tickets []struct {
				StartTime gamelift.ISOTime `json:"startTime"`
			} `json:"tickets"`
		} `json:"detail"`
	}
	if json.Unmarshal(data, &head) != nil || head.Time.IsZero() {
		return
	}
	switch head.Detail.Type {
	case gamelift.EventPotentialMatchCreated, gamelift.EventMatchmakingSucceeded:
	default:
		return
	}
	ev.Time, ev.Resources, ev.Detail.Type = head.Time, head.Resources, head.Detail.Type
	for _, tk := range head.Detail.Tickets {
		ev.Detail.Tickets = append(ev.Detail.Tickets, gamelift.EventTicket{StartTime: tk.StartTime})
	}
	s.tel.event(&ev)
}
