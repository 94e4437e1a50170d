package strictjson_test

import (
	"fmt"

	"github.com/matchforge/matchforge/internal/strictjson"
)

func ExampleChecker_Decode() {
	var cfg struct {
		Name    string `json:"Name"`
		Timeout int    `json:"Timeout"`
	}
	body := "{\"Name\": \"ranked\",\n \"timeout\": 90.5}"
	for _, p := range strictjson.NewChecker([]byte(body)).Decode(&cfg, "a configuration") {
		fmt.Println(p)
	}
	// Output:
	// line 2, column 2: timeout: unknown field (did you mean "Timeout"?); the accepted fields are Name, Timeout
}
