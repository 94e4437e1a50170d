package cluster

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/matchforge/matchforge/gamelift"
)

// catalogOps run on the catalog shard, 0, alone. (Creating, updating and
// deleting a configuration involve its ticket shard too; Do routes them
// first.)
var catalogOps = map[string]bool{
	gamelift.OpCreateMatchmakingRuleSet:          true,
	gamelift.OpDeleteMatchmakingRuleSet:          true,
	gamelift.OpDescribeMatchmakingRuleSets:       true,
	gamelift.OpDescribeMatchmakingConfigurations: true,
}

// Do runs one GameLift operation on the cluster and returns its JSON
// output or its error, as gamelift.Service.Dispatch would on one machine;
// it implements server.Backend. requestID makes retries safe: a mutating
// operation the shard has already applied with the same id and operation
// name is answered from the log, not applied again ("" makes one up for
// this call's own retries).
//
// Routing: ValidateMatchmakingRuleSet runs here; rule sets and
// configurations on the catalog shard; StartMatchmaking and
// StartMatchBackfill on their configuration's shard; DescribeMatchmaking
// on every ticket shard, merged; the other ticket and game-session
// operations on every ticket shard, answered by the one that knows the
// ticket or session. While a shard changes owner, Do retries until ctx
// ends (or Config.RequestTimeout when ctx has no deadline).
func (n *Node) Do(ctx context.Context, op string, input []byte, requestID string) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, n.cfg.RequestTimeout)
		defer cancel()
	}
	if requestID == "" {
		requestID = uuid.NewString()
	}
	switch {
	case op == gamelift.OpValidateMatchmakingRuleSet:
		n.scratchMu.Lock()
		defer n.scratchMu.Unlock()
		out, err := n.scratch.Dispatch(time.Now(), op, input)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	case op == gamelift.OpDeleteMatchmakingConfiguration:
		return n.deleteConfiguration(ctx, input, requestID)
	case op == gamelift.OpCreateMatchmakingConfiguration || op == gamelift.OpUpdateMatchmakingConfiguration:
		return n.changeConfiguration(ctx, op, input, requestID)
	case catalogOps[op]:
		return n.call(ctx, 0, op, input, requestID, 0)
	case op == gamelift.OpStartMatchmaking || op == gamelift.OpStartMatchBackfill:
		return n.start(ctx, op, input, requestID)
	case op == gamelift.OpDescribeMatchmaking:
		return n.describe(ctx, input, requestID)
	}
	if _, err := gamelift.Decode(op, input); err != nil {
		return nil, err
	}
	return n.anyShard(ctx, op, input, requestID)
}

// ShardOf returns the ticket shard of a configuration (by name or ARN):
// its colocation group's first name's hash, or its own.
func (n *Node) ShardOf(configuration string) int {
	name := configuration
	if strings.HasPrefix(name, "arn:") {
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
	}
	for _, g := range n.cfg.Colocate {
		for _, m := range g {
			if m == name {
				name = g[0]
			}
		}
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return 1 + int(h.Sum32()%uint32(n.cfg.Shards))
}

// start runs StartMatchmaking or StartMatchBackfill on the configuration's
// shard. A shard that does not know the configuration may not have applied
// the catalog's latest batch yet: it is asked again to wait for that batch.
func (n *Node) start(ctx context.Context, op string, input []byte, req string) ([]byte, error) {
	var in struct{ ConfigurationName string }
	if _, err := gamelift.Decode(op, input); err != nil {
		return nil, err
	}
	json.Unmarshal(input, &in)
	i := n.ShardOf(in.ConfigurationName)
	out, err := n.call(ctx, i, op, input, req, 0)
	if !isNotFound(err) {
		return out, err
	}
	tail, terr := n.catalogTail(ctx)
	if terr != nil || tail == 0 {
		return out, err
	}
	return n.call(ctx, i, op, input, req, tail)
}

func isNotFound(err error) bool {
	var e *gamelift.Error
	return errors.As(err, &e) && e.Type == "NotFoundException"
}

// catalogTail is the sequence of the catalog shard's last batch.
func (n *Node) catalogTail(ctx context.Context) (uint64, error) {
	m, err := n.ops.GetLastMsgForSubject(ctx, n.opsSubject(0))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return m.Sequence, nil
}

// changeConfiguration creates or updates a configuration on the catalog,
// then waits until the configuration's ticket shard has applied the change,
// so that whoever is told of it can use it at once, through any node.
func (n *Node) changeConfiguration(ctx context.Context, op string, input []byte, req string) ([]byte, error) {
	rep, err := n.callReply(ctx, 0, op, input, req, 0)
	if err != nil {
		return nil, err
	}
	out, err, _ := decodeReply(rep)
	if err != nil {
		return nil, err
	}
	var in struct{ Name string }
	json.Unmarshal(input, &in)
	seq := uint64(0)
	if rep[0] == repOKAt {
		seq = binary.BigEndian.Uint64(rep[1:9])
	} else if seq, err = n.catalogTail(ctx); err != nil { // answered from the retry cache
		return nil, err
	}
	if _, err := n.call(ctx, n.ShardOf(in.Name), opSync, nil, "", seq); err != nil {
		return nil, err
	}
	return out, nil
}

// deleteConfiguration deletes on the configuration's ticket shard first,
// which refuses while it holds active tickets, then on the catalog.
func (n *Node) deleteConfiguration(ctx context.Context, input []byte, req string) ([]byte, error) {
	if _, err := gamelift.Decode(gamelift.OpDeleteMatchmakingConfiguration, input); err != nil {
		return nil, err
	}
	var in struct{ Name string }
	json.Unmarshal(input, &in)
	if _, err := n.call(ctx, n.ShardOf(in.Name), gamelift.OpDeleteMatchmakingConfiguration, input, req, 0); err != nil && !isNotFound(err) {
		return nil, err
	}
	return n.call(ctx, 0, gamelift.OpDeleteMatchmakingConfiguration, input, req, 0)
}

// describe asks every ticket shard and merges their tickets in the order
// asked.
func (n *Node) describe(ctx context.Context, input []byte, req string) ([]byte, error) {
	var in gamelift.DescribeMatchmakingInput
	if _, err := gamelift.Decode(gamelift.OpDescribeMatchmaking, input); err != nil {
		return nil, err
	}
	json.Unmarshal(input, &in)
	outs, errs := n.everyShard(ctx, gamelift.OpDescribeMatchmaking, input, req)
	found := map[string]gamelift.MatchmakingTicket{}
	for i, out := range outs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		var o gamelift.DescribeMatchmakingOutput
		if err := json.Unmarshal(out, &o); err != nil {
			return nil, fmt.Errorf("cluster: shard %d's DescribeMatchmaking output: %w", i+1, err)
		}
		for _, t := range o.TicketList {
			found[t.TicketID] = t
		}
	}
	res := gamelift.DescribeMatchmakingOutput{TicketList: []gamelift.MatchmakingTicket{}}
	seen := map[string]bool{}
	for _, id := range in.TicketIDs {
		if t, ok := found[id]; ok && !seen[id] {
			res.TicketList = append(res.TicketList, t)
			seen[id] = true
		}
	}
	return json.Marshal(res)
}

// anyShard runs op on every ticket shard and answers with the one that knew
// its ticket, match or game session; NotFound when none did.
func (n *Node) anyShard(ctx context.Context, op string, input []byte, req string) ([]byte, error) {
	outs, errs := n.everyShard(ctx, op, input, req)
	var notFound error
	for i := range outs {
		switch {
		case errs[i] == nil:
			return outs[i], nil
		case isNotFound(errs[i]):
			notFound = errs[i]
		default:
			return nil, errs[i]
		}
	}
	return nil, notFound
}

func (n *Node) everyShard(ctx context.Context, op string, input []byte, req string) ([][]byte, []error) {
	outs := make([][]byte, n.cfg.Shards)
	errs := make([]error, n.cfg.Shards)
	var wg sync.WaitGroup
	for i := range n.cfg.Shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = n.call(ctx, i+1, op, input, req, 0)
		}()
	}
	wg.Wait()
	return outs, errs
}

// call runs one operation on shard i's owner, here or over NATS, retrying
// while the shard has no owner or is changing owner.
func (n *Node) call(ctx context.Context, i int, op string, input []byte, req string, minCat uint64) ([]byte, error) {
	rep, err := n.callReply(ctx, i, op, input, req, minCat)
	if err != nil {
		return nil, err
	}
	out, err, _ := decodeReply(rep)
	return out, err
}

// callReply is call, returning the shard's encoded reply.
func (n *Node) callReply(ctx context.Context, i int, op string, input []byte, req string, minCat uint64) ([]byte, error) {
	msg := encodeBatch([]record{{Kind: recOp, Op: op, Input: input, Req: req, Cat: minCat}})
	backoff := 5 * time.Millisecond
	why := "no node owns it yet"
	for {
		if n.ctx.Err() != nil {
			return nil, ErrClosed
		}
		rep, err := n.try(ctx, i, op, input, req, minCat, msg)
		if err == nil {
			_, rerr, retry := decodeReply(rep)
			if !retry {
				return rep, nil
			}
			why = rerr.Error()
		} else {
			why = err.Error()
		}
		select {
		case <-n.ctx.Done():
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, &gamelift.Error{Type: "InternalServiceException",
				Message: "shard " + strconv.Itoa(i) + " did not answer before the request's deadline (" + why + "); retry the request"}
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

var errNoOwner = errors.New("cluster: the shard has no live owner")

// try makes one attempt: the local shard's writer if this node owns it,
// otherwise a request to whichever node subscribes for it.
func (n *Node) try(ctx context.Context, i int, op string, input []byte, req string, minCat uint64, msg []byte) ([]byte, error) {
	if s := n.local(i); s != nil {
		ch := make(chan []byte, 1)
		if !s.submit(&call{op: op, input: input, req: req, minCat: minCat, done: func(b []byte) { ch <- b }}) {
			return nil, errNoOwner
		}
		select {
		case b := <-ch:
			return b, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	tctx, cancel := context.WithTimeout(ctx, n.tryTimeout())
	defer cancel()
	m, err := n.nc.RequestWithContext(tctx, n.reqSubject(i), msg)
	if err != nil {
		if errors.Is(err, nats.ErrNoResponders) {
			return nil, errNoOwner
		}
		return nil, err
	}
	return m.Data, nil
}

// Event is one event from the cluster's event stream.
type Event struct {
	Seq           uint64 // the sequence of its message in the event stream
	ID            string
	Configuration string
	Shard         int
	JSON          []byte
}

// ConsumeEvents calls fn with every event of every shard whose message is
// at stream sequence from or later (Event.Seq; 0 means only events
// published from now on), in the stream's order (each shard's events in
// the order its engine made them), until ctx ends or fn returns an error.
// To resume after an error without a gap, call it again from the last
// Seq seen plus one. Each message of the stream holds one log batch's
// events, and each batch is on the stream once (see the package doc,
// Events), so the events a new owner replays after a failover are not
// seen twice.
func (n *Node) ConsumeEvents(ctx context.Context, from uint64, fn func(Event) error) error {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{n.cfg.Prefix + ".events.*"}}
	if from == 0 {
		cfg.DeliverPolicy = jetstream.DeliverNewPolicy
	} else {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = from
	}
	cons, err := n.js.OrderedConsumer(ctx, n.events.CachedInfo().Config.Name, cfg)
	if err != nil {
		return fmt.Errorf("cluster: consuming events: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("cluster: consuming events: %w", err)
	}
	defer it.Stop()
	go func() { <-ctx.Done(); it.Stop() }()
	prefix := n.cfg.Prefix + ".events."
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("cluster: consuming events: %w", err)
		}
		md, err := m.Metadata()
		if err != nil {
			continue
		}
		evs, err := decodeEvents(m.Data())
		if err != nil {
			n.log.Error("a damaged events message", "seq", md.Sequence.Stream, "error", err)
			continue
		}
		shard, _ := strconv.Atoi(strings.TrimPrefix(m.Subject(), prefix))
		for _, e := range evs {
			if err := fn(Event{Seq: md.Sequence.Stream, ID: e.ID, Configuration: e.Configuration, Shard: shard, JSON: e.JSON}); err != nil {
				return err
			}
		}
	}
}

// EventsTail returns the stream sequence of the last events message (0
// when there is none): ConsumeEvents from EventsTail()-k+1 replays at least
// the last k events.
func (n *Node) EventsTail(ctx context.Context) (uint64, error) {
	info, err := n.events.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("cluster: the events stream: %w", err)
	}
	return info.State.LastSeq, nil
}
