package main

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxDuration is the longest time.Duration, about 292 years.
const maxDuration = time.Duration(math.MaxInt64)

// durationValue is the flag.Value of every duration flag of every command.
// It takes a Go duration ("90s", "1h30m", "250ms") or a bare number of
// seconds ("30", "1.5"), and refuses a negative value, zero unless
// allowZero, and a value longer than maxDuration.
type durationValue struct {
	fs        *cmdFlags
	name      string
	d         *time.Duration
	allowZero bool
}

// durationVar defines the duration flag name with its default and usage.
// Zero is refused unless allowZero.
func (c *cmdFlags) durationVar(name string, value time.Duration, allowZero bool, usage string) *time.Duration {
	d := new(time.Duration)
	*d = value
	c.Var(&durationValue{fs: c, name: name, d: d, allowZero: allowZero}, name, usage)
	return d
}

func (v *durationValue) String() string {
	if v == nil || v.d == nil {
		return ""
	}
	return v.d.String()
}

// goDuration matches the syntax of time.ParseDuration.
var goDuration = regexp.MustCompile(`^[-+]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+$`)

func (v *durationValue) Set(s string) error {
	d, err := parseDuration(s, v.allowZero)
	if err != nil {
		err = fmt.Errorf("--%s %q: %v", v.name, s, err)
		v.fs.setErr = err
		return err
	}
	*v.d = d
	return nil
}

// parseDuration reads a Go duration or a number of seconds. Its errors say
// what is wrong and what is accepted.
func parseDuration(s string, allowZero bool) (time.Duration, error) {
	t := strings.TrimSpace(s)
	var d time.Duration
	negative := false
	if f, err := strconv.ParseFloat(t, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		switch {
		case math.IsNaN(f) || math.IsInf(f, 0) && err == nil:
			return 0, errors.New("not a duration; give one such as 90s, 1h30m, or a number of seconds such as 30")
		case f < 0:
			negative = true
		case f*1e9 >= math.MaxInt64:
			return 0, fmt.Errorf("too long; the limit is %v (%d seconds)", maxDuration, int64(maxDuration/time.Second))
		case f > 0 && math.Round(f*1e9) == 0:
			return 0, errors.New("shorter than a nanosecond, the resolution of a duration")
		default:
			d = time.Duration(math.Round(f * 1e9))
		}
	} else {
		var perr error
		d, perr = time.ParseDuration(t)
		switch {
		case perr != nil && goDuration.MatchString(t) && !strings.HasPrefix(t, "-"):
			return 0, fmt.Errorf("too long; the limit is %v (%d seconds)", maxDuration, int64(maxDuration/time.Second))
		case perr != nil && goDuration.MatchString(t):
			negative = true
		case perr != nil:
			return 0, errors.New("not a duration; give one such as 90s, 1h30m, or a number of seconds such as 30")
		}
		negative = negative || d < 0
	}
	switch {
	case negative && allowZero:
		return 0, errors.New("negative; it must be 0 or more")
	case negative:
		return 0, errors.New("negative; it must be more than 0")
	case d == 0 && !allowZero:
		return 0, errors.New("zero; it must be more than 0, such as 1s")
	}
	return d, nil
}
