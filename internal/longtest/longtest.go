// Package longtest is the switch for the project's long tests: property
// tests with many more cases, million-ticket runs and soak tests. They are
// off by default, so "go test ./..." stays quick for a newcomer, and
// .ci/run turns them on by setting MATCHFORGE_LONG_TESTS=1.
package longtest

import (
	"flag"
	"os"
	"strconv"
	"testing"
)

// Env is the environment variable that turns the long tests on when set to
// a non-empty value other than 0.
const Env = "MATCHFORGE_LONG_TESTS"

// RapidChecks is the number of cases each rapid property test runs when the
// long tests are on (rapid's own default is 100).
const RapidChecks = 1000

// Enabled reports whether the long tests are on.
func Enabled() bool {
	v := os.Getenv(Env)
	return v != "" && v != "0"
}

// Skip skips t unless the long tests are on, saying how to turn them on.
func Skip(t testing.TB) {
	t.Helper()
	if !Enabled() {
		t.Skipf("a long test: set %s=1 to run it (.ci/run does)", Env)
	}
}

// Main is a TestMain for packages with rapid property tests: when the long
// tests are on and -rapid.checks was not given, every rapid test of the
// package runs RapidChecks cases. It then runs the tests and exits.
func Main(m *testing.M) {
	flag.Parse()
	if Enabled() {
		given := false
		flag.Visit(func(f *flag.Flag) { given = given || f.Name == "rapid.checks" })
		if f := flag.Lookup("rapid.checks"); f != nil && !given {
			if err := f.Value.Set(strconv.Itoa(RapidChecks)); err != nil {
				panic(err)
			}
		}
	}
	os.Exit(m.Run())
}
