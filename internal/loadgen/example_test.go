package loadgen_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/matchforge/matchforge/internal/loadgen"
)

// A closed-loop run of a fixed number of requests against a stand-in
// server.
func ExampleRun() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "{}")
	}))
	defer srv.Close()
	res, err := loadgen.Run(context.Background(), loadgen.Options{Endpoint: srv.URL, Configuration: "ranked5v5", Requests: 100, Connections: 4})
	fmt.Println(res.Requests, res.Errors, err)
	// Output: 100 0 <nil>
}
