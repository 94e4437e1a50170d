// Package loadgen drives StartMatchmaking requests at a matchforge server
// over awsJson1_1 on loopback and measures throughput and latency. It is
// what "matchforge load" and the server's load benchmark run.
//
// Two modes: closed loop (Rate 0: Connections workers send as fast as the
// server answers, which measures throughput) and open loop (Rate > 0:
// requests are scheduled at fixed intervals and each latency is measured
// from the request's scheduled time, so a slow server cannot hide its
// queueing by slowing the generator down).
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a run. The zero value of each field means its default.
type Options struct {
	// Endpoint is the server's base URL, such as http://127.0.0.1:9080.
	Endpoint string
	// Configuration names the matchmaking configuration the tickets go
	// to. Its rule set should read a number attribute "skill"; each player
	// has one, drawn from N(1500, 300) as in the default population, and a
	// latency to one of Regions.
	Configuration string
	// Rate is requests a second (open loop); 0 sends as fast as possible
	// (closed loop).
	Rate int
	// Duration is how long to send. Default 5s.
	Duration time.Duration
	// Requests, when positive, stops the run after that many requests
	// (closed loop only), whatever Duration says.
	Requests int
	// Connections is how many requests may be in flight. Default 64.
	Connections int
	// Seed seeds player ids, skills and regions.
	Seed uint64
	// Regions are the latency locations players report. Default
	// us-east-1, us-west-2, eu-west-1, ap-northeast-1.
	Regions []string
}

// Result is what a run measured.
type Result struct {
	Requests int           // answered requests
	Errors   int           // answers other than 200, and transport errors
	Elapsed  time.Duration // from the first request sent to the last answer
	// PerSecond is Requests / Elapsed.
	PerSecond float64
	// Latency percentiles over answered requests (from the scheduled time
	// in open loop).
	P50, P90, P99, Max time.Duration
	// FirstError is the first error seen, if any.
	FirstError string
}

func (r Result) String() string {
	return fmt.Sprintf("%d requests in %v: %.0f/s, %d errors; latency p50 %v p90 %v p99 %v max %v",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.PerSecond, r.Errors,
		r.P50.Round(time.Microsecond), r.P90.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
}

// Run sends StartMatchmaking requests as o says until Duration has passed
// or ctx ends, and reports what it measured.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Endpoint == "" || o.Configuration == "" {
		return Result{}, errors.New("loadgen: Endpoint and Configuration are required")
	}
	if o.Rate < 0 || o.Connections < 0 || o.Duration < 0 || o.Requests < 0 {
		return Result{}, errors.New("loadgen: Rate, Connections, Duration and Requests must not be negative")
	}
	if o.Requests > 0 && o.Rate > 0 {
		return Result{}, errors.New("loadgen: Requests is for the closed loop (Rate 0)")
	}
	if o.Duration == 0 {
		o.Duration = 5 * time.Second
	}
	if o.Connections == 0 {
		o.Connections = 64
	}
	if len(o.Regions) == 0 {
		o.Regions = []string{"us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"}
	}
	host, err := hostOf(o.Endpoint)
	if err != nil {
		return Result{}, err
	}

	limit := o.Duration + 30*time.Second
	if o.Requests > 0 {
		limit = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var (
		next     atomic.Uint64
		errs     atomic.Int64
		firstErr atomic.Value
		mu       sync.Mutex
		lats     []time.Duration
	)
	start := time.Now()
	end := start.Add(o.Duration)
	// sched hands out the scheduled send times in open loop.
	var sched chan time.Time
	if o.Rate > 0 {
		sched = make(chan time.Time, o.Connections)
		go func() {
			defer close(sched)
			interval := time.Second / time.Duration(o.Rate)
			for i := 0; ; i++ {
				at := start.Add(time.Duration(i) * interval)
				if !at.Before(end) {
					return
				}
				if d := time.Until(at); d > 0 {
					time.Sleep(d)
				}
				select {
				case sched <- at:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	var wg sync.WaitGroup
	for w := 0; w < o.Connections; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(o.Seed, uint64(w)))
			c := &conn{}
			defer c.close()
			var mine []time.Duration
			body := make([]byte, 0, 256)
			for {
				var at time.Time
				if sched != nil {
					var ok bool
					if at, ok = <-sched; !ok {
						break
					}
				} else {
					at = time.Now()
					if o.Requests == 0 && !at.Before(end) {
						break
					}
				}
				if ctx.Err() != nil {
					break
				}
				n := next.Add(1)
				if o.Requests > 0 && n > uint64(o.Requests) {
					break
				}
				body = appendRequest(body[:0], o, n, rng)
				err := c.do(ctx, host, body)
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				mine = append(mine, time.Since(at))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	r := Result{Requests: len(lats), Errors: int(errs.Load()), Elapsed: elapsed}
	if s, ok := firstErr.Load().(string); ok {
		r.FirstError = s
	}
	if elapsed > 0 {
		r.PerSecond = float64(r.Requests) / elapsed.Seconds()
	}
	if len(lats) > 0 {
		slices.Sort(lats)
		at := func(q float64) time.Duration { return lats[min(len(lats)-1, int(q*float64(len(lats))))] }
		r.P50, r.P90, r.P99, r.Max = at(0.50), at(0.90), at(0.99), lats[len(lats)-1]
	}
	return r, ctx.Err()
}

// appendRequest appends the JSON of ticket n's StartMatchmaking input.
func appendRequest(b []byte, o Options, n uint64, rng *rand.Rand) []byte {
	b = append(b, `{"ConfigurationName":`...)
	b = strconv.AppendQuote(b, o.Configuration)
	b = append(b, `,"Players":[{"PlayerId":"p`...)
	b = strconv.AppendUint(b, o.Seed, 36)
	b = append(b, '-')
	b = strconv.AppendUint(b, n, 36)
	b = append(b, `","PlayerAttributes":{"skill":{"N":`...)
	b = strconv.AppendInt(b, int64(1500+rng.NormFloat64()*300), 10)
	b = append(b, `}},"LatencyInMs":{`...)
	b = strconv.AppendQuote(b, o.Regions[rng.IntN(len(o.Regions))])
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(20+rng.IntN(60)), 10)
	b = append(b, `}}]}`...)
	return b
}

// hostOf returns the host:port of an http:// endpoint.
func hostOf(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return "", fmt.Errorf("loadgen: Endpoint %q must be an http:// URL with a host", endpoint)
	}
	if u.Port() == "" {
		return u.Host + ":80", nil
	}
	return u.Host, nil
}

// conn is one keep-alive HTTP/1.1 connection that sends StartMatchmaking
// requests and reads their answers, with none of net/http's client
// machinery (a connection pool, a goroutine per connection, header maps),
// so that the generator spends its CPU on requests rather than on itself
// and leaves the machine to the server it measures. It understands only
// answers with a Content-Length, which is what the server sends.
type conn struct {
	c   net.Conn
	r   *bufio.Reader
	req []byte
}

func (c *conn) close() {
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}

// do sends one request and reads its answer; an answer other than 200 is
// an error. A failed connection is closed and redialled on the next call.
func (c *conn) do(ctx context.Context, host string, body []byte) error {
	if c.c == nil {
		d := net.Dialer{Timeout: 5 * time.Second}
		nc, err := d.DialContext(ctx, "tcp", host)
		if err != nil {
			return err
		}
		c.c, c.r = nc, bufio.NewReaderSize(nc, 16<<10)
	}
	c.c.SetDeadline(time.Now().Add(30 * time.Second))
	c.req = append(c.req[:0], "POST / HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, host...)
	c.req = append(c.req, "\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: GameLift.StartMatchmaking\r\nContent-Length: "...)
	c.req = strconv.AppendInt(c.req, int64(len(body)), 10)
	c.req = append(c.req, "\r\n\r\n"...)
	c.req = append(c.req, body...)
	if _, err := c.c.Write(c.req); err != nil {
		c.close()
		return err
	}
	status, err := c.readAnswer()
	if err != nil {
		c.close()
		return err
	}
	if status != 200 {
		return fmt.Errorf("HTTP %d", status)
	}
	return nil
}

// readAnswer reads one answer's status line, headers and body.
func (c *conn) readAnswer() (int, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	// HTTP/1.1 200 OK
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, fmt.Errorf("not an HTTP answer: %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	length := -1
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		if name, value, ok := bytes.Cut(h, []byte(":")); ok && bytes.EqualFold(name, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil {
				return 0, fmt.Errorf("bad Content-Length %q", value)
			}
		}
	}
	if length < 0 {
		return 0, errors.New("the answer has no Content-Length")
	}
	if _, err := c.r.Discard(length); err != nil {
		return 0, err
	}
	return status, nil
}
