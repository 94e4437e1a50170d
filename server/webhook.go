package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/matchforge/matchforge/gamelift"
)

// snsEnvelope is an event as SNS delivers it to an HTTP subscriber: a
// Notification whose Message is the event's JSON. TopicArn is the
// configuration's ARN (there is no SNS topic); the signature fields of SNS
// are left out, since no AWS key signs these messages.
type snsEnvelope struct {
	Type      string `json:"Type"`
	MessageID string `json:"MessageId"`
	TopicArn  string `json:"TopicArn"`
	Subject   string `json:"Subject,omitempty"`
	Message   string `json:"Message"`
	Timestamp string `json:"Timestamp"`
}

// hookItem is one event waiting for delivery.
type hookItem struct {
	config string // the configuration whose events it is
	url    string
	id     string
	topc   string
	body   []byte
	rec    uint64 // the log record whose events it is (0 without a log)
}

// hookQueue holds one configuration's undelivered events, in order.
type hookQueue struct {
	config  string
	mu      sync.Mutex
	items   []hookItem
	wake    chan struct{} // capacity 1
	started bool
}

// webhooks delivers events to NotificationTarget URLs: one queue and one
// goroutine per configuration, so each configuration's events arrive in
// order while a slow receiver holds up only its own.
type webhooks struct {
	opts WebhookOptions
	log  *slog.Logger
	tel  *telemetry

	mu       sync.Mutex // guards queues, running and draining
	queues   map[string]*hookQueue
	running  bool
	draining bool // drain began: no queue starts (wg.Add must not race wg.Wait)
	wg       sync.WaitGroup
	soft     chan struct{} // closed at drain: stop once the queue is empty
	hard     chan struct{} // closed at the drain deadline: stop now
}

func newWebhooks(opts WebhookOptions, log *slog.Logger, tel *telemetry) *webhooks {
	return &webhooks{opts: opts, log: log, tel: tel, queues: map[string]*hookQueue{}, soft: make(chan struct{}), hard: make(chan struct{})}
}

// enqueue queues ev for the configuration's URL. It never blocks: when the
// queue is full the event is dropped, counted and logged.
func (h *webhooks) enqueue(config, url string, ev *gamelift.Event, data []byte, rec uint64) {
	body, err := json.Marshal(snsEnvelope{
		Type: "Notification", MessageID: ev.ID, TopicArn: ev.Resources[0], Message: string(data),
		Timestamp: ev.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
	})
	if err != nil {
		return
	}
	h.add(hookItem{config: config, url: url, id: ev.ID, topc: ev.Resources[0], body: body, rec: rec})
}

// add queues it for its configuration's receiver, or drops it when the
// queue is full.
func (h *webhooks) add(it hookItem) {
	config := it.config
	h.mu.Lock()
	q := h.queues[config]
	if q == nil {
		q = &hookQueue{config: config, wake: make(chan struct{}, 1)}
		h.queues[config] = q
	}
	if h.running && !q.started {
		h.startQueue(q)
	}
	h.mu.Unlock()

	q.mu.Lock()
	full := len(q.items) >= h.opts.QueueSize
	if !full {
		q.items = append(q.items, it)
	}
	q.mu.Unlock()
	if full {
		h.tel.dropped("webhook", 1)
		h.log.Warn("webhook queue full: event dropped", "configuration", config, "url", it.url, "event", it.id, "queueSize", h.opts.QueueSize)
		return
	}
	h.tel.pendingAdd(1)
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// undelivered returns the events of records up to seq that are not
// delivered yet (the one being posted included), by configuration name,
// each configuration's in order. A snapshot after record seq keeps them,
// since the replay after it re-sends only the events of later records.
func (h *webhooks) undelivered(seq uint64) []hookItem {
	h.mu.Lock()
	names := slices.Sorted(maps.Keys(h.queues))
	qs := make([]*hookQueue, len(names))
	for i, n := range names {
		qs[i] = h.queues[n]
	}
	h.mu.Unlock()
	var out []hookItem
	for _, q := range qs {
		q.mu.Lock()
		for _, it := range q.items {
			if it.rec <= seq {
				out = append(out, it)
			}
		}
		q.mu.Unlock()
	}
	return out
}

// start starts delivery for the queues that exist and those to come.
func (h *webhooks) start() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.running = true
	for _, q := range h.queues { // each queue is independent: order does not matter
		h.startQueue(q)
	}
}

// startQueue starts q's goroutine, unless draining has begun (its events
// then stay queued and are counted as undelivered). Callers hold h.mu.
func (h *webhooks) startQueue(q *hookQueue) {
	if h.draining {
		return
	}
	q.started = true
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		h.deliver(q)
	}()
}

// drain lets the queues empty until ctx ends, then stops them, and returns
// how many events were left undelivered.
func (h *webhooks) drain(ctx context.Context) int {
	h.mu.Lock()
	h.draining = true
	h.mu.Unlock()
	close(h.soft)
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		close(h.hard)
		<-done
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	left := 0
	for _, q := range h.queues { // a sum: order does not matter
		q.mu.Lock()
		left += len(q.items)
		if len(q.items) > 0 {
			h.log.Warn("webhook events undelivered at stop", "configuration", q.config, "events", len(q.items))
		}
		q.mu.Unlock()
	}
	return left
}

// deliver posts q's events in order, retrying each until it is accepted.
func (h *webhooks) deliver(q *hookQueue) {
	for {
		q.mu.Lock()
		if len(q.items) == 0 {
			q.items = nil // let a burst's backing array go
			q.mu.Unlock()
			select {
			case <-q.wake:
				continue
			case <-h.soft:
				return
			case <-h.hard:
				return
			}
		}
		it := q.items[0]
		q.mu.Unlock()
		if !h.post(q.config, it) {
			return
		}
		q.mu.Lock()
		q.items[0] = hookItem{}
		q.items = q.items[1:]
		q.mu.Unlock()
		h.tel.pendingAdd(-1)
		h.tel.delivered("webhook", 1)
	}
}

// post delivers one event, retrying with backoff while the receiver fails.
// It returns false when the server stops first.
func (h *webhooks) post(config string, it hookItem) bool {
	backoff := h.opts.MinBackoff
	for attempt := 1; ; attempt++ {
		err := h.send(it)
		if err == nil {
			return true
		}
		if attempt == 1 || attempt%10 == 0 {
			h.log.Warn("webhook delivery failed; retrying", "configuration", config, "url", it.url, "event", it.id, "attempt", attempt, "error", err)
		}
		h.tel.retried()
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-time.After(wait):
		case <-h.hard:
			return false
		}
		backoff = min(2*backoff, h.opts.MaxBackoff)
	}
}

func (h *webhooks) send(it hookItem) error {
	ctx, cancel := context.WithTimeout(context.Background(), h.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, it.url, bytes.NewReader(it.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("x-amz-sns-message-type", "Notification")
	req.Header.Set("x-amz-sns-message-id", it.id)
	req.Header.Set("x-amz-sns-topic-arn", it.topc)
	resp, err := h.opts.Client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return nil
}
