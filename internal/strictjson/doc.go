// Package strictjson reads the JSON files people write by hand (the
// simulator's populations, the command line's configuration files)
// strictly, and says what is wrong in the file's terms.
//
// encoding/json reports problems in Go's terms ("Go struct field
// Arrivals.ratePerMinute of type float64", "invalid character 'o' in
// literal null"), stops at the first one, matches member names ignoring
// case and takes the last of a member given twice. Parse keeps the place of
// every value and says what it expected and what it found; a Checker then
// compares the document with the Go type it is for and collects every
// problem with its line, column and JSON path: an unknown member (with the
// accepted ones, and the likely one meant), a member given twice or in the
// wrong case, a value of the wrong kind, a number out of range. Only a
// document without problems goes on to encoding/json.
package strictjson
