package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/matchforge/matchforge/ticket"
)

// Config configures an Engine. The zero value is valid and means the
// defaults documented on each field.
type Config struct {
	// Seed seeds the random source behind generated ids (tickets, matches,
	// player sessions) and random batching (D21). The same seed and the
	// same inputs give the same events.
	Seed uint64
	// TicketRetention is how long a ticket stays describable after it ends.
	// Default 1 hour.
	TicketRetention time.Duration
	// SearchBudget bounds the candidates examined when building one match
	// around one anchor. Default 256.
	SearchBudget int
	// NoStaging makes new tickets enter the pool's trees at once instead of
	// waiting in sorted arrays for up to two steps (see pool.Options). It
	// changes the cost of a step, never its outcome; tests use it to check
	// exactly that.
	NoStaging bool
}

// Validate checks the configuration and reports the first problem.
func (c Config) Validate() error {
	switch {
	case c.TicketRetention < 0:
		return fmt.Errorf("engine: Config.TicketRetention is %v; it must not be negative", c.TicketRetention)
	case c.SearchBudget < 0:
		return fmt.Errorf("engine: Config.SearchBudget is %d; it must not be negative", c.SearchBudget)
	}
	return nil
}

func (c *Config) fill() {
	if c.TicketRetention == 0 {
		c.TicketRetention = defaultRetention
	}
	if c.SearchBudget == 0 {
		c.SearchBudget = defaultBudget
	}
}

// Engine is the deterministic matchmaking core: configurations, tickets,
// matches, game sessions and the events their changes produce. Time is an
// input: every operation that changes state or depends on time takes now,
// and Step(now) does the periodic work. Nothing in the engine reads the
// clock, sleeps or starts goroutines.
//
// An Engine is not safe for concurrent use; wrap it in a Runner to share it
// between goroutines.
type Engine struct {
	cfg       Config
	rng       *rand.Rand
	pcg       *rand.PCG // rng's source, kept so that Snapshot can save its state
	locs      *ticket.Locations
	configs   map[string]*config
	order     []*config // the configurations by name, the order Step visits them in
	tickets   map[string]*tk
	players   map[string]*tk // player id -> its latest matchmaking ticket; an ended one stays until purged
	matches   map[string]*match
	sessions  map[string]*match // game session (ARN, or match id in STANDALONE) -> match
	backfills map[string]*tk    // game session -> its latest backfill ticket
	lifetimes *minHeap[*match]  // live game sessions by the end of their lifetime
	peaks     [5]int            // the most entries each map held since it was last rebuilt (shrink)
	out       []Event
	seq       uint64      // events produced
	refs      []TicketRef // the current chunk events take ticket lists from
	retired   []*tk       // terminal tickets in order of end time
	idBuf     [16]byte
	arrivals  uint64 // ticket arrival counter
	// stepFrom is arrivals when the running Step began: a ticket that
	// arrived since (an automatic backfill ticket opened by a match of an
	// earlier configuration in the same Step) is searched from the next
	// Step, as one of a configuration visited earlier is.
	stepFrom uint64
	epoch    uint32 // match-building counter (see nextEpoch)
}

// New returns an empty engine.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.fill()
	pcg := rand.NewPCG(cfg.Seed, 0x6d61746368666f72)
	return &Engine{
		cfg:       cfg,
		rng:       rand.New(pcg),
		pcg:       pcg,
		locs:      ticket.NewLocations(),
		configs:   map[string]*config{},
		tickets:   map[string]*tk{},
		players:   map[string]*tk{},
		matches:   map[string]*match{},
		sessions:  map[string]*match{},
		backfills: map[string]*tk{},
		lifetimes: newMinHeap(lifetimeLess, func(m *match) *int32 { return &m.lifePos }),
	}, nil
}

// RuleMetrics returns, for each rule of a configuration's rule set (indexed
// like its Rules), how many evaluations on candidate matches it passed and
// failed since the configuration was added or its rule set last changed,
// and how many of the failures were errors (RuleCount.Errors).
func (e *Engine) RuleMetrics(configuration string) ([]RuleCount, error) {
	c, err := e.configuration(configuration)
	if err != nil {
		return nil, err
	}
	out := make([]RuleCount, len(c.rs.Rules()))
	if len(c.ruleTotals) == 2*len(out) {
		for i := range out {
			out[i] = RuleCount{Passed: int(c.ruleTotals[2*i]), Failed: int(c.ruleTotals[2*i+1])}
		}
	}
	if len(c.ruleErrors) == len(out) {
		for i, re := range c.ruleErrors {
			out[i].Errors, out[i].LastError = int(re.n), re.last
		}
	}
	return out, nil
}

// Locations returns the table the engine interns latency locations in.
func (e *Engine) Locations() *ticket.Locations { return e.locs }

// newID returns a version-4 UUID from the seeded source (D21).
func (e *Engine) newID() string {
	binary.LittleEndian.PutUint64(e.idBuf[:8], e.rng.Uint64())
	binary.LittleEndian.PutUint64(e.idBuf[8:], e.rng.Uint64())
	u := uuid.UUID(e.idBuf)
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	return u.String()
}

// sortedConfigs returns the configurations in name order. The caller must
// not modify the slice.
func (e *Engine) sortedConfigs() []*config { return e.order }

// setOrder rebuilds the name order of the configurations.
func (e *Engine) setOrder() {
	e.order = e.order[:0]
	for _, c := range e.configs { // sorted below: order does not matter
		e.order = append(e.order, c)
	}
	slices.SortFunc(e.order, func(a, b *config) int { return strings.Compare(a.info.Name, b.info.Name) })
}

// nextEpoch starts a new match build: tickets it marks carry its number.
// The counter is 32 bits to keep tickets small; when it runs out, every
// ticket's marks are cleared and it starts again.
func (e *Engine) nextEpoch() uint32 {
	if e.epoch == math.MaxUint32 {
		for _, t := range e.tickets { // clears every ticket: order does not matter
			t.mark, t.seen = 0, 0
		}
		e.epoch = 0
	}
	e.epoch++
	return e.epoch
}

// nextMark starts a new large-match sweep of c, like nextEpoch.
func (e *Engine) nextMark(c *config) uint32 {
	ls := c.large
	if ls.marks == math.MaxUint32 {
		for _, t := range e.tickets { // clears c's tickets: order does not matter
			if t.cfg == c {
				t.used = 0
			}
		}
		ls.marks = 0
	}
	return ls.marks + 1
}
