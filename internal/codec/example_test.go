package codec_test

import (
	"fmt"

	"github.com/matchforge/matchforge/internal/codec"
)

// Values appended in order are read back in the same order; a bad input
// leaves the error in Err and zero values, to be checked once.
func Example() {
	b := codec.AppendS(nil, "east")
	b = codec.AppendI(b, -42)
	b = codec.AppendF(b, 1.5)
	b = codec.AppendStrs(b, []string{"a", "b"})

	d := codec.Dec{B: b}
	fmt.Println(d.S(), d.I(), d.F(), d.Strs(), d.Err)

	short := codec.Dec{B: b[:3]}
	fmt.Println(short.S() == "", short.I(), short.Err)
	// Output:
	// east -42 1.5 [a b] <nil>
	// true 0 at byte 1: length 4 is out of range
}
