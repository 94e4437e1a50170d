package pool_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/matchforge/matchforge/pool"
	"pgregory.net/rapid"
)

// copyEntry returns a copy of e's fields the caller fills, out of any pool.
func copyEntry(e *pool.Entry[int]) *pool.Entry[int] {
	return &pool.Entry[int]{ID: e.ID, Start: e.Start, Nums: slices.Clone(e.Nums), Strs: slices.Clone(e.Strs),
		Lat: slices.Clone(e.Lat), GroupKey: e.GroupKey, Groups: slices.Clone(e.Groups), Item: e.Item}
}

// restoredTwins saves both pools of tw and restores each into a new pool
// of the other kind: the staging pool's state into one without staging,
// and the other way round.
func restoredTwins(t *rapid.T, tw *twins, opts pool.Options) *twins {
	nt := newTwins(opts)
	nt.in, nt.out, nt.items = slices.Clone(tw.in), slices.Clone(tw.out), tw.items
	for item, e := range tw.ons {
		nt.ons[item] = copyEntry(e)
	}
	for item, e := range tw.offs {
		nt.offs[item] = copyEntry(e)
	}
	restore := func(into *pool.Pool[int], byItem map[int]*pool.Entry[int], from *pool.Pool[int]) {
		saved, st := from.Saved(nil)
		for i := range saved {
			saved[i].Entry = byItem[saved[i].Entry.Item]
		}
		if err := into.Restore(st, saved); err != nil {
			t.Fatalf("Restore: %v", err)
		}
	}
	restore(nt.on, nt.ons, tw.off)
	restore(nt.off, nt.offs, tw.on)
	return nt
}

// TestSavedRestore is metamorphic: a pool restored from what Saved
// records, at any point (in the middle of a stage period too), answers
// every query as the saved pool does, after every later operation. Each
// pool is restored into one of the other kind (staging on and off).
func TestSavedRestore(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		opts := pool.Options{
			Numbers: rapid.IntRange(0, 2).Draw(t, "numbers"),
			Strings: rapid.IntRange(0, 2).Draw(t, "strings"),
			Latency: rapid.Bool().Draw(t, "latency"),
			Grouped: rapid.Bool().Draw(t, "grouped"),
		}
		tws := []*twins{newTwins(opts)}
		r := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 1))
		steps := rapid.IntRange(1, 40).Draw(t, "steps")
		for step := range steps {
			if rapid.IntRange(0, 5).Draw(t, "snapshot") == 0 {
				tws = append(tws, restoredTwins(t, tws[len(tws)-1], opts))
			}
			ref := tws[0]
			var did string
			switch op := rapid.IntRange(0, 11).Draw(t, "op"); {
			case op < 4 || len(ref.in) == 0:
				stage := rapid.Bool().Draw(t, "stage")
				if len(ref.out) > 0 && rapid.IntRange(0, 3).Draw(t, "reuse") == 0 {
					i := rapid.SampledFrom(ref.out).Draw(t, "which")
					for _, tw := range tws {
						tw.add(nil, i, stage)
					}
					did = fmt.Sprintf("re-add %d (stage %v)", i, stage)
				} else {
					e := genEntry(t, opts, ref.items+1)
					for _, tw := range tws {
						tw.items++
						tw.add(copyEntry(e), 0, stage)
					}
					did = fmt.Sprintf("add %d (stage %v)", ref.items, stage)
				}
			case op == 4:
				n := rapid.IntRange(1, 200).Draw(t, "batch")
				for range n {
					e := randEntry(r, opts, ref.items+1)
					for _, tw := range tws {
						tw.items++
						tw.add(copyEntry(e), 0, true)
					}
				}
				did = fmt.Sprintf("stage a batch of %d", n)
			case op < 7:
				for _, tw := range tws {
					tw.on.Settle()
					tw.off.Settle()
				}
				did = "settle"
			case op < 10:
				i := rapid.SampledFrom(ref.in).Draw(t, "victim")
				for _, tw := range tws {
					tw.remove(i)
				}
				did = fmt.Sprintf("remove %d", i)
			default:
				keep := make([]bool, len(ref.in))
				for k := range keep {
					keep[k] = r.IntN(4) == 0
				}
				victims := slices.Clone(ref.in)
				for _, tw := range tws {
					for k, i := range victims {
						if !keep[k] {
							tw.remove(i)
						}
					}
				}
				did = "remove most"
			}
			if step < steps-1 && rapid.IntRange(0, 2).Draw(t, "query") == 0 {
				continue
			}
			q := drawProbe(t, opts, ref)
			if !slices.Contains(ref.in, q.after) {
				// An entry out of the pool keeps the sequence number of its
				// last stay as a pivot, which a copy cannot have; the engine
				// only ever scans from entries in the pool.
				q.after = 0
			}
			want := transcript(ref.on, ref.ons, q)
			for k, tw := range tws {
				for _, p := range []struct {
					name   string
					pool   *pool.Pool[int]
					byItem map[int]*pool.Entry[int]
				}{{"staging", tw.on, tw.ons}, {"no staging", tw.off, tw.offs}} {
					got := transcript(p.pool, p.byItem, q)
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("step %d (%s), restored %d times, %s: %s\nwant %s", step, did, k, p.name, got[i], want[i])
						}
					}
				}
			}
		}
		if len(tws) > 1 && tws[0].on.Len() != tws[len(tws)-1].off.Len() {
			t.Fatalf("Len differs")
		}
	})
}

func TestRestoreRefuses(t *testing.T) {
	opts := pool.Options{Numbers: 1}
	p := pool.New[int](opts)
	e := &pool.Entry[int]{ID: "a", Nums: []float64{1}, Item: 1}
	p.Insert(e)
	saved, st := p.Saved(nil)
	if err := p.Restore(st, nil); err == nil {
		t.Fatal("Restore into a pool that is not empty succeeded")
	}
	q := pool.New[int](opts)
	saved[0].Entry = &pool.Entry[int]{ID: "a", Nums: []float64{1}, Item: 1}
	saved[0].Seq = st.Seq + 1
	if err := q.Restore(st, saved); err == nil {
		t.Fatal("Restore of an entry numbered after the pool succeeded")
	}
	q = pool.New[int](opts)
	saved[0].Seq, saved[0].Phase = st.Seq, pool.Carried
	if err := q.Restore(pool.SavedState{Seq: st.Seq, Period: 0}, saved); err == nil {
		t.Fatal("Restore of an entry carried from after the stage period succeeded")
	}
}
