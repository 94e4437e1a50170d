// Package codec is the varint encoding the snapshot formats of ticket and
// engine share: unsigned and signed varints, length-prefixed strings,
// float64 bits, and string slices that keep nil apart from empty. Append
// functions write; Dec reads with a sticky error, so a decoder reads on and
// checks once, and each package turns a problem into its own error kind.
package codec
