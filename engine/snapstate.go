package engine

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ruleset"
	"github.com/matchforge/matchforge/ticket"
)

// The snapshot payload: the engine's state as tables of the objects it
// holds, each object once, pointers written as indexes into the tables.
//
//	scalars        event sequence, arrivals, epoch, map peaks, the PCG state
//	locations      ticket.Locations, ids and holder counts as they are
//	rule sets      their bodies, compiled again on restore
//	schemas        each a rule set's, or written out (a ticket resolved
//	               against a rule set that no configuration uses any more)
//	configurations every version some configuration or game session points to
//	resolved       every ticket.Resolved a ticket or game session holds
//	configs        every configuration object, current or removed
//	tickets        every ticket some map, queue, pool, match or session
//	               holds, forgotten ones included, in arrival order
//	matches        every match some map, heap, ticket or session holds
//	config state   counts, metrics, waits, large-match state, and the
//	               queues, heaps and pool, in their exact order
//	engine maps    tickets, players, matches, sessions, backfills,
//	               lifetimes heap, retired list
//
// Map contents are written in sorted order (by key, or by table index), so
// the same state always gives the same bytes. The builder keeps nothing
// between steps but scratch (reset for every anchor) and the evaluator
// nothing but caches, so neither is saved.

// snapTables indexes the objects a snapshot writes.
type snapTables struct {
	tickets  []*tk
	tix      map[*tk]int
	matches  []*match
	mix      map[*match]int
	configs  []*config
	cix      map[*config]int
	infos    []*Configuration
	iix      map[*Configuration]int
	rsets    []*ruleset.RuleSet
	rix      map[*ruleset.RuleSet]int
	schemas  []*ticket.Schema
	six      map[*ticket.Schema]int
	resolved []*ticket.Resolved
	vix      map[*ticket.Resolved]int

	pools  [][]pool.SavedEntry[*tk]
	states []pool.SavedState
}

// collect finds every object the state holds, in an order that depends
// on the state only.
func (e *Engine) collect() *snapTables {
	t := &snapTables{
		vix: make(map[*ticket.Resolved]int, len(e.tickets)),
		mix: map[*match]int{}, cix: map[*config]int{}, iix: map[*Configuration]int{},
		rix: map[*ruleset.RuleSet]int{}, six: map[*ticket.Schema]int{},
	}
	t.tix = make(map[*tk]int, len(e.tickets))
	var tq []*tk
	var mq []*match
	addT := func(x *tk) {
		if x == nil {
			return
		}
		if _, ok := t.tix[x]; !ok {
			t.tix[x] = len(t.tickets)
			t.tickets = append(t.tickets, x)
			tq = append(tq, x)
		}
	}
	addM := func(m *match) {
		if m == nil {
			return
		}
		if _, ok := t.mix[m]; !ok {
			t.mix[m] = len(t.matches)
			t.matches = append(t.matches, m)
			mq = append(mq, m)
		}
	}
	addC := func(c *config) {
		if _, ok := t.cix[c]; !ok {
			t.cix[c] = len(t.configs)
			t.configs = append(t.configs, c)
		}
	}
	for _, c := range e.order {
		addC(c)
	}
	// The roots, in orders the state fixes: every active ticket is in a
	// queue, a pool or a match of a heap; every ended one is retired.
	for _, c := range e.order {
		saved, st := c.pool.Saved(nil)
		t.pools = append(t.pools, saved)
		t.states = append(t.states, st)
		for _, se := range saved {
			addT(se.Entry.Item)
		}
		for _, x := range c.queued {
			addT(x)
		}
		for i := range c.deadlines.fifos {
			f := &c.deadlines.fifos[i]
			for _, en := range f.q[f.head:] {
				addT(en.t)
			}
		}
		c.deadlines.tree.Each(addT)
		for i := range c.dirty.fifo {
			f := &c.dirty.fifo[i]
			for _, en := range f.q[f.head:] {
				addT(en.t)
			}
		}
		c.dirty.tree.Each(addT)
		c.wakeups.Each(addT)
		c.accepting.Each(addM)
		c.placing.Each(addM)
	}
	for _, x := range e.retired {
		addT(x)
	}
	for _, k := range slices.Sorted(maps.Keys(e.matches)) {
		addM(e.matches[k])
	}
	for _, k := range slices.Sorted(maps.Keys(e.sessions)) {
		addM(e.sessions[k])
	}
	e.lifetimes.Each(addM)
	// Tickets the maps hold that no root reached (none, by the above), in
	// arrival order.
	var rest []*tk
	for _, m := range []map[string]*tk{e.tickets, e.players, e.backfills} {
		for _, x := range m { // sorted below: order does not matter
			if _, ok := t.tix[x]; !ok && !slices.Contains(rest, x) {
				rest = append(rest, x)
			}
		}
	}
	slices.SortFunc(rest, func(a, b *tk) int { return cmp.Compare(a.seq, b.seq) })
	for _, x := range rest {
		addT(x)
	}
	for len(tq) > 0 || len(mq) > 0 {
		for len(tq) > 0 {
			x := tq[0]
			tq = tq[1:]
			addC(x.cfg)
			addM(x.match)
		}
		for len(mq) > 0 {
			m := mq[0]
			mq = mq[1:]
			addC(m.cfg)
			for _, x := range m.tickets {
				addT(x)
			}
			addT(m.backfill)
			for _, o := range m.merged {
				addM(o)
			}
			if m.data != nil && m.data.from != nil {
				addM(m.data.from)
			}
		}
	}
	for _, c := range t.configs[len(t.pools):] { // removed configurations
		saved, st := c.pool.Saved(nil)
		t.pools = append(t.pools, saved)
		t.states = append(t.states, st)
	}
	addInfo := func(ci *Configuration) {
		if _, ok := t.iix[ci]; !ok {
			t.iix[ci] = len(t.infos)
			t.infos = append(t.infos, ci)
		}
	}
	for _, c := range t.configs {
		addInfo(c.info)
	}
	for _, m := range t.matches {
		if m.data != nil {
			addInfo(m.data.Config)
		}
	}
	for _, ci := range t.infos {
		if _, ok := t.rix[ci.RuleSet]; !ok {
			t.rix[ci.RuleSet] = len(t.rsets)
			t.rsets = append(t.rsets, ci.RuleSet)
		}
	}
	addR := func(r *ticket.Resolved) {
		if _, ok := t.vix[r]; !ok {
			t.vix[r] = len(t.resolved)
			t.resolved = append(t.resolved, r)
		}
	}
	for _, x := range t.tickets {
		addR(x.players)
		addR(x.r)
	}
	for _, m := range t.matches {
		if m.data != nil && m.data.from == nil {
			for _, team := range m.data.teams {
				for _, p := range team.Players {
					addR(p.r)
				}
			}
		}
	}
	for _, rs := range t.rsets {
		if _, ok := t.six[rs.Schema()]; !ok {
			t.six[rs.Schema()] = len(t.schemas)
			t.schemas = append(t.schemas, rs.Schema())
		}
	}
	for _, r := range t.resolved {
		if _, ok := t.six[r.Schema()]; !ok {
			t.six[r.Schema()] = len(t.schemas)
			t.schemas = append(t.schemas, r.Schema())
		}
	}
	return t
}

// appendState appends the payload to b.
func (e *Engine) appendState(b []byte) ([]byte, error) {
	t := e.collect()
	w := &enc{b: b}
	w.u(e.seq)
	w.u(e.arrivals)
	w.u(uint64(e.epoch))
	for _, p := range e.peaks {
		w.n(p)
	}
	rng, err := e.pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	w.b = append(w.b, rng...) // fixed size: 20 bytes
	w.b, _ = e.locs.AppendBinary(w.b)

	w.n(len(t.rsets))
	for _, rs := range t.rsets {
		w.s(rs.Body())
	}
	byRS := map[*ticket.Schema]int{}
	for i, rs := range t.rsets {
		if _, ok := byRS[rs.Schema()]; !ok {
			byRS[rs.Schema()] = i
		}
	}
	w.n(len(t.schemas))
	for _, s := range t.schemas {
		if i, ok := byRS[s]; ok {
			w.byte1(0)
			w.n(i)
			continue
		}
		w.byte1(1)
		w.b, _ = s.AppendBinary(w.b)
	}
	w.n(len(t.infos))
	for _, ci := range t.infos {
		w.s(ci.Name)
		w.n(t.rix[ci.RuleSet])
		w.s(ci.RuleSetName)
		w.dur(ci.RequestTimeout)
		w.bool(ci.AcceptanceRequired)
		w.dur(ci.AcceptanceTimeout)
		w.i(int64(ci.AdditionalPlayerCount))
		w.byte1(uint8(ci.Mode))
		w.byte1(uint8(ci.Backfill))
		w.dur(ci.PlacementTimeout)
		w.dur(ci.GameSessionLifetime)
		w.s(ci.CustomEventData)
	}
	w.n(len(t.resolved))
	for _, r := range t.resolved {
		w.n(t.six[r.Schema()])
		w.b, _ = r.AppendBinary(w.b)
	}
	w.n(len(t.configs))
	w.n(len(t.tickets))
	w.n(len(t.matches))
	for _, c := range t.configs {
		w.n(t.iix[c.info])
		w.bool(e.configs[c.info.Name] == c)
	}
	for _, x := range t.tickets {
		e.appendTicket(w, t, x)
	}
	for _, m := range t.matches {
		appendMatch(w, t, m)
	}
	for i, c := range t.configs {
		appendConfig(w, t, c, t.pools[i], t.states[i])
	}

	// e.tickets and e.players: which tickets and which of their players
	// the maps point to, written with each ticket (appendTicket); checked
	// here against the maps' sizes.
	if tn, pn := t.inMaps(e); tn != len(e.tickets) || pn != len(e.players) {
		return nil, fmt.Errorf("engine: Snapshot found %d of %d tickets and %d of %d players in the tables; the state is inconsistent", tn, len(e.tickets), pn, len(e.players))
	}
	mx := make([]int, 0, len(e.matches))
	for _, m := range e.matches { // sorted below: order does not matter
		mx = append(mx, t.mix[m])
	}
	slices.Sort(mx)
	w.n(len(mx))
	for _, i := range mx {
		w.n(i)
	}
	w.n(len(e.sessions))
	for _, k := range slices.Sorted(maps.Keys(e.sessions)) {
		w.s(k)
		w.n(t.mix[e.sessions[k]])
	}
	w.n(len(e.backfills))
	for _, k := range slices.Sorted(maps.Keys(e.backfills)) {
		w.s(k)
		w.n(t.tix[e.backfills[k]])
	}
	appendMatchHeap(w, t, e.lifetimes)
	w.n(len(e.retired))
	for _, x := range e.retired {
		w.n(t.tix[x])
	}
	return w.b, nil
}

// inMaps counts the tickets and player entries of e.tickets and e.players
// that appendTicket writes.
func (t *snapTables) inMaps(e *Engine) (tickets, players int) {
	for _, x := range t.tickets {
		if e.tickets[x.id] == x {
			tickets++
		}
		for p := range x.players.Players() {
			if e.players[x.players.PlayerID(p)] == x {
				players++
			}
		}
	}
	return tickets, players
}

func appendTicketHeap(w *enc, t *snapTables, h *minHeap[*tk]) {
	w.n(len(h.items))
	for _, x := range h.items {
		w.n(t.tix[x])
	}
}

func appendMatchHeap(w *enc, t *snapTables, h *minHeap[*match]) {
	w.n(len(h.items))
	for _, m := range h.items {
		w.n(t.mix[m])
	}
}

func appendFIFO(w *enc, t *snapTables, f *tkFIFO) {
	live := f.q[f.head:]
	w.n(len(live))
	for _, en := range live {
		w.n(t.tix[en.t])
		w.u(uint64(en.gen))
	}
}

func appendAnswers(w *enc, as []Answer) {
	if as == nil {
		w.u(0)
		return
	}
	w.n(len(as) + 1)
	for _, a := range as {
		w.i(int64(a))
	}
}

func appendConn(w *enc, c *ticket.GameSessionConnectionInfo) {
	if c == nil {
		w.bool(false)
		return
	}
	w.bool(true)
	w.s(c.GameSessionArn)
	w.s(c.IPAddress)
	w.s(c.DNSName)
	w.i(int64(c.Port))
	if c.MatchedPlayerSessions == nil {
		w.u(0)
		return
	}
	w.n(len(c.MatchedPlayerSessions) + 1)
	for _, s := range c.MatchedPlayerSessions {
		w.s(s.PlayerID)
		w.s(s.PlayerSessionID)
	}
}

func (e *Engine) appendTicket(w *enc, t *snapTables, x *tk) {
	w.s(x.id)
	w.i(x.start)
	w.n(t.vix[x.players])
	w.bool(x.isBackfill)
	w.u(x.seq)
	w.n(t.cix[x.cfg])
	w.rel(x.end, x.start)
	w.i(x.deadline - x.start)
	w.n(t.vix[x.r])
	if x.match == nil {
		w.ref(-1)
	} else {
		w.ref(t.mix[x.match])
	}
	w.ints(x.teams)
	if o := x.out; o == nil {
		w.bool(false)
	} else {
		w.bool(true)
		appendAnswers(w, o.accept)
		w.strs(o.sessions)
		appendConn(w, o.conn)
		w.s(o.reason)
		w.s(o.message)
	}
	if x.metrics == nil {
		w.u(0)
	} else {
		w.n(len(x.metrics) + 1)
		for _, v := range x.metrics {
			w.u(uint64(v))
		}
	}
	if bf := x.backfill; bf == nil {
		w.bool(false)
	} else {
		w.bool(true)
		w.s(bf.session)
		w.bool(bf.auto)
		w.strs(bf.gone)
	}
	w.rel(x.wakeAt, x.start)
	w.u(uint64(x.mark))
	w.u(uint64(x.seen))
	w.u(uint64(x.used))
	w.u(uint64(x.dirtyGen))
	w.u(uint64(x.dlGen))
	w.byte1(x.st)
	w.bool(x.blocked)
	w.byte1(x.dirtyIn)
	w.byte1(x.dlIn)
	w.byte1(x.class)
	en := &x.ent
	w.bool(en.Item != nil)
	if en.Nums == nil {
		w.u(0)
	} else {
		w.n(len(en.Nums) + 1)
		for _, v := range en.Nums {
			w.f(v)
		}
	}
	w.strs(en.Strs)
	if en.Lat == nil {
		w.u(0)
	} else {
		w.n(len(en.Lat) + 1)
		for _, l := range en.Lat {
			w.i(int64(l.Loc))
			w.i(int64(l.Ms))
		}
	}
	w.f(en.GroupKey)
	if en.Groups == nil {
		w.u(0)
	} else {
		w.n(len(en.Groups) + 1)
		for _, g := range en.Groups {
			w.i(int64(g))
		}
	}
	w.bool(e.tickets[x.id] == x)
	var mine [4]int
	ps := mine[:0]
	for p := range x.players.Players() {
		if e.players[x.players.PlayerID(p)] == x {
			ps = append(ps, p)
		}
	}
	w.n(len(ps))
	for _, p := range ps {
		w.n(p)
	}
}

// refTicket returns the ticket of m that info describes (m's events list
// m's tickets).
func refTicket(m *match, info *TicketInfo) *tk {
	for _, x := range m.tickets {
		if &x.TicketInfo == info {
			return x
		}
	}
	return nil
}

func appendMatch(w *enc, t *snapTables, m *match) {
	w.s(m.ID)
	w.time(m.Created)
	w.s(m.Location)
	w.f(m.BalanceSpread)
	w.bool(m.Balanced)
	w.n(t.cix[m.cfg])
	w.n(len(m.tickets))
	for _, x := range m.tickets {
		w.n(t.tix[x])
	}
	if m.backfill == nil {
		w.ref(-1)
	} else {
		w.ref(t.tix[m.backfill])
	}
	w.byte1(uint8(m.state))
	w.time(m.deadline)
	w.s(m.session)
	appendConn(w, m.conn)
	if d := m.data; d == nil {
		w.bool(false)
	} else {
		w.bool(true)
		w.s(d.ID)
		w.s(d.MatchID)
		w.n(t.iix[d.Config])
		w.s(d.AutoBackfillTicket)
		if d.from == nil {
			w.ref(-1)
		} else {
			w.ref(t.mix[d.from])
		}
		if d.teams == nil {
			w.u(0)
		} else {
			w.n(len(d.teams) + 1)
			for _, team := range d.teams {
				w.s(team.Name)
				if team.Players == nil {
					w.u(0)
					continue
				}
				w.n(len(team.Players) + 1)
				for _, p := range team.Players {
					w.s(p.ID)
					w.n(t.vix[p.r])
					w.n(p.p)
				}
			}
		}
	}
	w.bool(m.autoOff)
	if m.latency == nil {
		w.bool(false)
	} else {
		w.bool(true)
		w.n(len(m.latency))
		for _, k := range slices.Sorted(maps.Keys(m.latency)) {
			w.s(k)
			w.i(int64(m.latency[k]))
		}
	}
	w.n(len(m.merged))
	for _, o := range m.merged {
		w.n(t.mix[o])
	}
	w.n(m.forgotten)
	if m.refs == nil {
		w.bool(false)
	} else {
		w.bool(true)
		w.n(len(m.refs))
		for _, r := range m.refs {
			w.n(t.tix[refTicket(m, r.TicketInfo)])
			w.ints(r.Teams)
			if r.more == nil {
				w.bool(false)
				continue
			}
			w.bool(true)
			w.strs(r.more.sessions)
			appendAnswers(w, r.more.answers)
		}
	}
	w.bool(m.refsPlaced)
	w.i(int64(m.loc))
	w.time(m.lifeEnd)
	w.bool(m.ended)
}

func appendConfig(w *enc, t *snapTables, c *config, saved []pool.SavedEntry[*tk], st pool.SavedState) {
	for _, n := range c.counts {
		w.n(n)
	}
	w.n(c.backfillsIn)
	if ls := c.large; ls == nil {
		w.bool(false)
	} else {
		w.bool(true)
		w.i(ls.wake)
		w.u(uint64(ls.marks))
	}
	if c.ruleTotals == nil {
		w.u(0)
	} else {
		w.n(len(c.ruleTotals) + 1)
		for _, v := range c.ruleTotals {
			w.u(v)
		}
	}
	if c.ruleErrors == nil {
		w.u(0)
	} else {
		w.n(len(c.ruleErrors) + 1)
		for _, re := range c.ruleErrors {
			w.u(re.n)
			w.s(re.last)
		}
	}
	w.n(c.nwaits)
	for _, v := range c.waits[:min(c.nwaits, waitSamples)] {
		w.f(v)
	}
	w.n(len(c.queued))
	for _, x := range c.queued {
		w.n(t.tix[x])
	}
	for i := range c.dirty.fifo {
		appendFIFO(w, t, &c.dirty.fifo[i])
	}
	appendTicketHeap(w, t, c.dirty.tree)
	w.n(len(c.deadlines.fifos))
	for i := range c.deadlines.fifos {
		w.i(c.deadlines.fifos[i].timeout)
		appendFIFO(w, t, &c.deadlines.fifos[i].tkFIFO)
	}
	appendTicketHeap(w, t, c.deadlines.tree)
	appendTicketHeap(w, t, c.wakeups)
	appendMatchHeap(w, t, c.accepting)
	appendMatchHeap(w, t, c.placing)
	w.u(st.Seq)
	w.u(st.Period)
	w.n(st.Locations)
	w.n(st.Groups)
	w.n(len(saved))
	last := uint64(0)
	for _, se := range saved {
		w.n(t.tix[se.Entry.Item])
		w.u(se.Seq - last)
		last = se.Seq
		w.byte1(uint8(se.Phase))
	}
	appendRotation(w, t, &c.rot)
}

// appendRotation writes a configuration's place in its rotation (version
// 2). A ticket that has left the pool since it was seen there is written as
// none: the rotation skips it either way.
func appendRotation(w *enc, t *snapTables, r *rotation) {
	ref := func(x *tk, seq uint64) {
		if i, ok := t.tix[x]; ok && r.valid(x, seq) {
			w.ref(i)
		} else {
			w.ref(-1)
		}
	}
	w.bool(r.after.set)
	if r.after.set {
		w.i(r.after.start)
		w.s(r.after.id)
	}
	ref(r.cur, r.seq)
	w.u(r.seq)
	w.n(len(r.cands))
	for _, c := range r.cands {
		ref(c.t, c.seq)
		w.u(c.seq)
	}
	w.n(len(r.path))
	for _, f := range r.path {
		w.i(int64(f.i))
		w.i(int64(f.team))
	}
	w.n(r.spent)
	w.n(r.pass)
	w.bool(r.cut)
}

// decodeState builds an engine from a checked payload.
func decodeState(payload []byte, version uint16, cfg Config, load func(body string) (*ruleset.RuleSet, error)) (e *Engine, err error) {
	defer func() {
		// The checksum keeps out damage; a panic here means a payload that
		// is well formed but does not describe a state this engine makes.
		if r := recover(); r != nil {
			e, err = nil, snapErr("inconsistent state: %v", r)
		}
	}()
	e, err = New(cfg)
	if err != nil {
		return nil, err
	}
	d := newDec(payload)
	e.seq = d.U()
	e.arrivals = d.U()
	e.epoch = d.uint32v()
	for i := range e.peaks {
		e.peaks[i] = d.n(1 << 40)
	}
	var pcg rand.PCG
	if len(d.rest()) < 20 {
		d.Fail("truncated random source")
	} else if err := pcg.UnmarshalBinary(d.B[d.Off : d.Off+20]); err != nil {
		d.Fail("random source: %v", err)
	} else {
		d.Off += 20
	}
	*e.pcg = pcg
	locs, rest, lerr := ticket.DecodeLocations(d.rest())
	d.resume(rest, lerr)
	if d.Err != nil {
		return nil, d.Err
	}
	e.locs = locs

	rsets := make([]*ruleset.RuleSet, d.count())
	for i := range rsets {
		body := d.S()
		if d.Err != nil {
			return nil, d.Err
		}
		rs, err := load(body)
		if err != nil {
			return nil, snapErr("rule set %d does not compile: %v", i, err)
		}
		rsets[i] = rs
	}
	schemas := make([]*ticket.Schema, d.count())
	for i := range schemas {
		switch d.Byte() {
		case 0:
			if k := d.n(len(rsets) - 1); d.Err == nil {
				schemas[i] = rsets[k].Schema()
			}
		case 1:
			s, rest, err := ticket.DecodeSchema(d.rest())
			d.resume(rest, err)
			schemas[i] = s
		default:
			d.Fail("schema kind")
		}
	}
	infos := make([]*Configuration, d.count())
	for i := range infos {
		ci := &Configuration{Name: d.S()}
		if k := d.n(len(rsets) - 1); d.Err == nil {
			ci.RuleSet = rsets[k]
		}
		ci.RuleSetName = d.S()
		ci.RequestTimeout = d.dur()
		ci.AcceptanceRequired = d.bool()
		ci.AcceptanceTimeout = d.dur()
		ci.AdditionalPlayerCount = int(d.I())
		ci.Mode = Mode(d.Byte())
		ci.Backfill = BackfillMode(d.Byte())
		ci.PlacementTimeout = d.dur()
		ci.GameSessionLifetime = d.dur()
		ci.CustomEventData = d.S()
		if d.Err == nil {
			if err := ci.Validate(); err != nil {
				d.Fail("configuration %s: %v", ci.Name, err)
			}
		}
		infos[i] = ci
	}
	resolved := make([]*ticket.Resolved, d.count())
	for i := range resolved {
		k := d.n(len(schemas) - 1)
		if d.Err != nil {
			return nil, d.Err
		}
		r, rest, err := ticket.DecodeResolved(schemas[k], d.rest())
		d.resume(rest, err)
		resolved[i] = r
	}
	if d.Err != nil {
		return nil, d.Err
	}
	configs := make([]*config, d.count())
	tickets := make([]*tk, d.count())
	matches := make([]*match, d.count())
	for i := range tickets {
		tickets[i] = &tk{}
	}
	for i := range matches {
		matches[i] = &match{}
	}
	current := make([]bool, len(configs))
	for i := range configs {
		k := d.n(len(infos) - 1)
		current[i] = d.bool()
		if d.Err != nil {
			return nil, d.Err
		}
		c := &config{
			info:      infos[k],
			dirty:     newAnchorQueue(),
			deadlines: newDeadlineQueue(),
			wakeups:   newMinHeap(wakeupLess, func(t *tk) *int32 { return &t.wakePos }),
			accepting: newMinHeap(acceptLess, func(m *match) *int32 { return &m.acceptPos }),
			placing:   newMinHeap(acceptLess, func(m *match) *int32 { return &m.placePos }),
		}
		c.rs = c.info.RuleSet
		c.plan = newPlan(c.rs)
		c.pool = pool.New[*tk](c.plan.options(e.cfg.NoStaging))
		c.ev = c.rs.NewEvaluator(e.locs)
		configs[i] = c
		if current[i] {
			if _, dup := e.configs[c.info.Name]; dup {
				d.Fail("configuration %q twice", c.info.Name)
			}
			e.configs[c.info.Name] = c
		}
	}
	e.setOrder()
	e.tickets = make(map[string]*tk, len(tickets))
	e.players = make(map[string]*tk, len(tickets))
	s := &snapDec{e: e, d: d, version: version, tickets: tickets, matches: matches, configs: configs, infos: infos, resolved: resolved}
	for _, x := range tickets {
		s.ticket(x)
	}
	for _, m := range matches {
		s.match(m)
	}
	for _, c := range configs {
		s.config(c)
	}
	if d.Err != nil {
		return nil, d.Err
	}
	for range d.count() {
		m := s.m()
		if _, dup := e.matches[m.ID]; dup && d.Err == nil {
			d.Fail("match %s twice", m.ID)
		}
		e.matches[m.ID] = m
	}
	for range d.count() {
		k := d.S()
		e.sessions[k] = s.m()
	}
	for range d.count() {
		k := d.S()
		e.backfills[k] = s.tk()
	}
	s.matchHeap(e.lifetimes)
	e.retired = make([]*tk, d.count())
	for i := range e.retired {
		e.retired[i] = s.tk()
	}
	if d.Err == nil && d.Off != len(d.B) {
		d.Fail("%d bytes left over", len(d.B)-d.Off)
	}
	if d.Err != nil {
		return nil, d.Err
	}
	return e, nil
}

// snapDec decodes the objects of the tables.
type snapDec struct {
	e        *Engine
	d        *dec
	version  uint16
	tickets  []*tk
	matches  []*match
	configs  []*config
	infos    []*Configuration
	resolved []*ticket.Resolved
}

// The objects by index; a bad index fails the decoder and gives a zero
// object, so that decoding goes on harmlessly to the error.
func (s *snapDec) tk() *tk {
	if i := s.d.n(len(s.tickets) - 1); s.d.Err == nil {
		return s.tickets[i]
	}
	return &tk{}
}

func (s *snapDec) tkRef() *tk {
	if i := s.d.ref(len(s.tickets)); i >= 0 && s.d.Err == nil {
		return s.tickets[i]
	}
	return nil
}

func (s *snapDec) m() *match {
	if i := s.d.n(len(s.matches) - 1); s.d.Err == nil {
		return s.matches[i]
	}
	return &match{}
}

func (s *snapDec) mRef() *match {
	if i := s.d.ref(len(s.matches)); i >= 0 && s.d.Err == nil {
		return s.matches[i]
	}
	return nil
}

func (s *snapDec) cfg() *config {
	if i := s.d.n(len(s.configs) - 1); s.d.Err == nil {
		return s.configs[i]
	}
	return &config{}
}

func (s *snapDec) res() *ticket.Resolved {
	if i := s.d.n(len(s.resolved) - 1); s.d.Err == nil {
		return s.resolved[i]
	}
	return nil
}

func (s *snapDec) answers() []Answer {
	d := s.d
	k := d.count()
	if k == 0 || d.Err != nil {
		return nil
	}
	out := make([]Answer, k-1)
	for i := range out {
		v := d.I()
		if v < -1 || v > 1 {
			d.Fail("answer %d", v)
		}
		out[i] = Answer(v)
	}
	return out
}

func (s *snapDec) conn() *ticket.GameSessionConnectionInfo {
	d := s.d
	if !d.bool() {
		return nil
	}
	c := &ticket.GameSessionConnectionInfo{GameSessionArn: d.S(), IPAddress: d.S(), DNSName: d.S(), Port: int(d.I())}
	if k := d.count(); k > 0 {
		c.MatchedPlayerSessions = make([]ticket.MatchedPlayerSession, k-1)
		for i := range c.MatchedPlayerSessions {
			c.MatchedPlayerSessions[i] = ticket.MatchedPlayerSession{PlayerID: d.S(), PlayerSessionID: d.S()}
		}
	}
	return c
}

func (s *snapDec) ticket(x *tk) {
	d := s.d
	x.id = d.S()
	x.start = d.I()
	x.players = s.res()
	x.isBackfill = d.bool()
	x.seq = d.U()
	if x.seq > s.e.arrivals && d.Err == nil {
		// A queued ticket would wait for arrivals that never came (Step
		// searches only tickets that arrived before it began).
		d.Fail("ticket %s has arrival number %d, above the engine's count of %d arrivals", x.id, x.seq, s.e.arrivals)
	}
	x.cfg = s.cfg()
	x.end = d.rel(x.start)
	x.deadline = x.start + d.I()
	x.r = s.res()
	x.match = s.mRef()
	x.teams = d.ints()
	if d.bool() {
		x.out = &outcome{accept: s.answers(), sessions: d.Strs(), conn: s.conn(), reason: d.S(), message: d.S()}
	}
	if k := d.count(); k > 0 {
		x.metrics = make([]uint32, k-1)
		for i := range x.metrics {
			x.metrics[i] = d.uint32v()
		}
	}
	if d.bool() {
		bf := &backfillInfo{session: d.S(), auto: d.bool(), gone: d.Strs(), players: map[string]bool{}}
		if x.players != nil {
			for p := range x.players.Players() {
				bf.players[x.players.PlayerID(p)] = true
			}
		}
		x.backfill = bf
	}
	x.wakeAt = d.rel(x.start)
	x.mark = d.uint32v()
	x.seen = d.uint32v()
	x.used = d.uint32v()
	x.dirtyGen = d.uint32v()
	x.dlGen = d.uint32v()
	x.st = d.Byte()
	x.blocked = d.bool()
	x.dirtyIn = d.Byte()
	x.dlIn = d.Byte()
	x.class = d.Byte()
	if x.st > uint8(len(ticket.Statuses)) || x.dirtyIn > inTree || x.dlIn > inTree || x.class > 1 {
		d.Fail("ticket %s: status %d, queue places %d and %d, class %d", x.id, x.st, x.dirtyIn, x.dlIn, x.class)
	}
	if d.Err == nil && (x.players == nil || x.r == nil || x.players.Players() != x.r.Players() ||
		x.teams != nil && len(x.teams) != x.r.Players()) {
		d.Fail("ticket %s: players do not agree", x.id)
	}
	en := &x.ent
	en.Start = x.start
	if d.bool() {
		en.ID, en.Item = x.id, x
	}
	if k := d.count(); k > 0 {
		en.Nums = x.numBuf[:0]
		for range k - 1 {
			en.Nums = append(en.Nums, d.F())
		}
	}
	en.Strs = d.Strs()
	if k := d.count(); k > 0 {
		en.Lat = make([]ticket.Latency, k-1)
		for i := range en.Lat {
			en.Lat[i] = ticket.Latency{Loc: d.Int32(), Ms: d.Int32()}
		}
	}
	en.GroupKey = d.F()
	if k := d.count(); k > 0 {
		en.Groups = x.grpBuf[:0]
		for range k - 1 {
			en.Groups = append(en.Groups, d.Int32())
		}
	}
	e := s.e
	if d.bool() {
		if _, dup := e.tickets[x.id]; dup && d.Err == nil {
			d.Fail("ticket %s twice", x.id)
		}
		e.tickets[x.id] = x
	} else {
		x.forgotten = true // purged, held by a match that is not (purgeable)
	}
	for range d.count() {
		if p := d.n(x.players.Players() - 1); d.Err == nil {
			e.players[x.players.PlayerID(p)] = x
		}
	}
}

func (s *snapDec) match(m *match) {
	d := s.d
	m.ID = d.S()
	m.Created = d.time()
	m.Location = d.S()
	m.BalanceSpread = d.F()
	m.Balanced = d.bool()
	m.cfg = s.cfg()
	m.tickets = make([]*tk, d.count())
	for i := range m.tickets {
		m.tickets[i] = s.tk()
	}
	m.backfill = s.tkRef()
	m.state = matchState(d.Byte())
	m.deadline = d.time()
	m.session = d.S()
	m.conn = s.conn()
	if d.bool() {
		g := &GameSession{ID: d.S(), MatchID: d.S()}
		if i := d.n(len(s.infos) - 1); d.Err == nil {
			g.Config = s.infos[i]
		}
		g.AutoBackfillTicket = d.S()
		g.from = s.mRef()
		if k := d.count(); k > 0 {
			g.teams = make([]SessionTeam, k-1)
			for i := range g.teams {
				g.teams[i].Name = d.S()
				if n := d.count(); n > 0 {
					g.teams[i].Players = make([]SessionPlayer, n-1)
					for j := range g.teams[i].Players {
						p := SessionPlayer{ID: d.S(), r: s.res()}
						p.p = d.n(1 << 20)
						if d.Err == nil && p.p >= p.r.Players() {
							d.Fail("session player %s out of range", p.ID)
						}
						g.teams[i].Players[j] = p
					}
				}
			}
		}
		m.data = g
	}
	m.autoOff = d.bool()
	if d.bool() {
		k := d.count()
		m.latency = make(map[string]int, k)
		for range k {
			key := d.S()
			m.latency[key] = int(d.I())
		}
	}
	if k := d.count(); k > 0 {
		m.merged = make([]*match, k)
		for i := range m.merged {
			m.merged[i] = s.m()
		}
	}
	m.forgotten = d.n(len(m.tickets))
	if d.bool() {
		m.refs = make([]TicketRef, d.count())
		for i := range m.refs {
			r := TicketRef{TicketInfo: &s.tk().TicketInfo, Teams: d.ints()}
			if d.bool() {
				r.more = &refMore{sessions: d.Strs(), answers: s.answers()}
			}
			m.refs[i] = r
		}
	}
	m.refsPlaced = d.bool()
	m.loc = d.Int32()
	m.lifeEnd = d.time()
	m.ended = d.bool()
	if m.state > msDropped || m.loc < -1 {
		d.Fail("match %s: state %d, location %d", m.ID, m.state, m.loc)
	}
}

func (s *snapDec) fifo(f *tkFIFO) {
	d := s.d
	f.q = make([]tkEntry, d.count())
	for i := range f.q {
		f.q[i] = tkEntry{t: s.tk(), gen: d.uint32v()}
	}
}

func (s *snapDec) ticketHeap(h *minHeap[*tk]) {
	k := s.d.count()
	h.items = make([]*tk, 0, k)
	for range k {
		place(s.d, h, s.tk())
	}
}

func (s *snapDec) matchHeap(h *minHeap[*match]) {
	k := s.d.count()
	h.items = make([]*match, 0, k)
	for range k {
		place(s.d, h, s.m())
	}
}

// place appends x to a heap's items as they were saved, in order.
func place[T any](d *dec, h *minHeap[T], x T) {
	if *h.pos(x) != 0 {
		d.Fail("an item is twice in a heap")
		return
	}
	h.items = append(h.items, x)
	*h.pos(x) = int32(len(h.items))
}

func (s *snapDec) config(c *config) {
	d := s.d
	for i := range c.counts {
		c.counts[i] = d.n(1 << 40)
	}
	c.backfillsIn = d.n(1 << 40)
	if d.bool() {
		c.large = &largeState{wake: d.I(), marks: d.uint32v()}
	}
	if k := d.count(); k > 0 {
		c.ruleTotals = make([]uint64, k-1)
		for i := range c.ruleTotals {
			c.ruleTotals[i] = d.U()
		}
	}
	if k := d.count(); k > 0 {
		c.ruleErrors = make([]ruleErrors, k-1)
		for i := range c.ruleErrors {
			c.ruleErrors[i] = ruleErrors{n: d.U(), last: d.S()}
		}
	}
	c.nwaits = d.n(1 << 62)
	for i := range min(c.nwaits, waitSamples) {
		c.waits[i] = d.F()
	}
	c.queued = make([]*tk, d.count())
	for i := range c.queued {
		c.queued[i] = s.tk()
	}
	if len(c.queued) == 0 {
		c.queued = nil
	}
	for i := range c.dirty.fifo {
		s.fifo(&c.dirty.fifo[i])
	}
	s.ticketHeap(c.dirty.tree)
	c.deadlines.fifos = make([]deadlineFIFO, d.count())
	for i := range c.deadlines.fifos {
		c.deadlines.fifos[i].timeout = d.I()
		s.fifo(&c.deadlines.fifos[i].tkFIFO)
	}
	s.ticketHeap(c.deadlines.tree)
	s.ticketHeap(c.wakeups)
	s.matchHeap(c.accepting)
	s.matchHeap(c.placing)
	st := pool.SavedState{Seq: d.U(), Period: d.U(), Locations: d.n(1 << 20), Groups: d.n(1 << 24)}
	saved := make([]pool.SavedEntry[*tk], d.count())
	last := uint64(0)
	for i := range saved {
		x := s.tk()
		last += d.U()
		saved[i] = pool.SavedEntry[*tk]{Entry: &x.ent, Seq: last, Phase: pool.Phase(d.Byte())}
		if d.Err == nil && (x.cfg != c || x.ent.Item != x) {
			d.Fail("ticket %s is in the pool of another configuration, or has no entry", x.id)
		}
	}
	if d.Err != nil {
		return
	}
	if err := c.pool.Restore(st, saved); err != nil {
		d.Fail("configuration %s: %v", c.info.Name, err)
	}
	if s.version >= 2 {
		s.rotation(c)
	}
}

// rotation reads what appendRotation wrote.
func (s *snapDec) rotation(c *config) {
	d, r := s.d, &c.rot
	if d.bool() {
		r.after = rotPos{start: d.I(), id: d.S(), set: true}
	}
	r.cur = s.tkRef()
	r.seq = d.U()
	r.cands = make([]rotCand, d.n(rotationWindow))
	for i := range r.cands {
		r.cands[i] = rotCand{t: s.tkRef(), seq: d.U()}
	}
	r.path = make([]rotFrame, d.n(rotationWindow+1))
	teams := int64(len(c.rs.Teams()))
	for k := range r.path {
		i, team := d.I(), d.I()
		lo := int64(0)
		if k == 0 {
			lo = -1
		}
		if d.Err == nil && (i < lo || i >= int64(len(r.cands)) || (k == 0) != (i == -1) || team < lo || team >= teams) {
			d.Fail("configuration %s: rotation frame %d (%d, %d) out of range", c.info.Name, k, i, team)
		}
		r.path[k] = rotFrame{int32(i), int32(team)}
	}
	r.spent = d.n(1 << 62)
	r.pass = d.n(rotationGrowth)
	r.cut = d.bool()
	if d.Err == nil && r.cur != nil && (len(r.path) == 0 || r.cur.cfg != c) {
		d.Fail("configuration %s: rotation anchor %s without a search or of another configuration", c.info.Name, r.cur.id)
	}
}
