package pool_test

import (
	"fmt"

	"github.com/matchforge/matchforge/pool"
	"github.com/matchforge/matchforge/ticket"
)

// A pool of players indexed by skill (number key 0), game mode (string key
// 0) and latency per location. The engine fills the keys from its rule set;
// here they are written by hand.
func Example() {
	locs := ticket.NewLocations()
	east, west := locs.ID("us-east-1"), locs.ID("us-west-2")
	p := pool.New[string](pool.Options{Numbers: 1, Strings: 1, Latency: true})
	add := func(id string, start int64, skill float64, mode string, eastMs, westMs int32) {
		p.Insert(&pool.Entry[string]{
			ID: id, Start: start, Item: id,
			Nums: []float64{skill},
			Strs: []string{mode},
			Lat:  []ticket.Latency{{Loc: east, Ms: eastMs}, {Loc: west, Ms: westMs}},
		})
	}
	add("ana", 3, 1200, "ranked", 40, 90)
	add("bo", 1, 1350, "casual", 120, 30)
	add("cy", 2, 1180, "ranked", 60, 70)
	add("di", 4, 1260, "ranked", 35, 150)

	oldest, _ := p.Oldest()
	fmt.Println("oldest:", oldest.Item)

	fmt.Print("closest to 1210 within 100:")
	p.Nearest(0, 1210, 100, func(e *pool.Entry[string], d float64) bool {
		fmt.Printf(" %s(%g)", e.Item, d)
		return true
	})
	fmt.Println()

	fmt.Print("ranked:")
	p.Bucket(0, "ranked", func(e *pool.Entry[string]) bool {
		fmt.Print(" ", e.Item)
		return true
	})
	fmt.Println()

	fmt.Print("us-east-1 under 60ms:")
	p.Latency(east, 60, func(e *pool.Entry[string], ms float64) bool {
		fmt.Printf(" %s(%g)", e.Item, ms)
		return true
	})
	fmt.Println()

	fmt.Print("first two by age:")
	n := 0
	p.Ascend(nil, func(e *pool.Entry[string]) bool {
		fmt.Print(" ", e.Item)
		n++
		return n < 2
	})
	fmt.Println()

	fmt.Print("skill 1200 to 1300:")
	p.Range(0, 1200, 1300, func(e *pool.Entry[string]) bool {
		fmt.Print(" ", e.Item)
		return true
	})
	fmt.Println()

	// Output:
	// oldest: bo
	// closest to 1210 within 100: ana(10) cy(30) di(50)
	// ranked: ana cy di
	// us-east-1 under 60ms: di(35) ana(40) cy(60)
	// first two by age: bo cy
	// skill 1200 to 1300: ana di
}
