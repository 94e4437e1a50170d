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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
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
	if o.Rate < 0 || o.Connections < 0 || o.Duration < 0 {
		return Result{}, errors.New("loadgen: Rate, Connections and Duration must not be negative")
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
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        o.Connections,
		MaxIdleConnsPerHost: o.Connections,
		MaxConnsPerHost:     o.Connections,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	url := o.Endpoint + "/"

	ctx, cancel := context.WithTimeout(ctx, o.Duration+30*time.Second)
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
					if !at.Before(end) {
						break
					}
				}
				if ctx.Err() != nil {
					break
				}
				n := next.Add(1)
				body = appendRequest(body[:0], o, n, rng)
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/x-amz-json-1.1")
				req.Header.Set("X-Amz-Target", "GameLift.StartMatchmaking")
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("HTTP %s", resp.Status)
					}
				}
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
