package bench_test

import (
	"fmt"

	"github.com/matchforge/matchforge/bench"
)

// The HTML report has one chart per breakdown, each a <figure> with a
// stable id, in this order.
func ExampleChartIDs() {
	for _, id := range bench.ChartIDs() {
		fmt.Println(id)
	}
	// Output:
	// chart-waits
	// chart-timeline
	// chart-by-location
	// chart-by-party
	// chart-by-skill
	// chart-expansion
	// chart-endings
	// chart-quality
	// chart-rules
}
