//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import "os"

// ttyColumns returns 0: on this system the width of a terminal is COLUMNS
// or defaultWidth.
func ttyColumns(*os.File) int { return 0 }
