package gamelift_test

import (
	"testing"

	"github.com/matchforge/matchforge/internal/longtest"
)

// TestMain runs every rapid property test with longtest.RapidChecks cases
// when the long tests are on (MATCHFORGE_LONG_TESTS=1, as .ci/run sets).
func TestMain(m *testing.M) { longtest.Main(m) }
