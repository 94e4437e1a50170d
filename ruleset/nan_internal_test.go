package ruleset

import (
	"math"
	"testing"
)

// A NaN never passes a comparison: values are bounded at the API, so none
// should arise, but if one did it must fail every rule it meets.
func TestNaNNeverPasses(t *testing.T) {
	nan := math.NaN()
	for _, op := range []cmpOp{cmpEq, cmpNe, cmpLt, cmpLe, cmpGt, cmpGe} {
		if compareAll(op, []float64{nan}, []float64{5}) || compareAll(op, []float64{5}, []float64{nan}) {
			t.Errorf("op %d: a comparison with NaN passed", op)
		}
	}
	if allEqualOrDistinct([]float64{1, nan}, false) || allEqualOrDistinct([]float64{nan, nan}, true) {
		t.Error("NaN counted as equal to or different from other values")
	}
}
