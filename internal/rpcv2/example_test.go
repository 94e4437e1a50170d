package rpcv2_test

import (
	"fmt"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/matchforge/matchforge/internal/rpcv2"
)

// A request as the SDK sends it becomes the JSON the service reads, and
// the service's JSON answer becomes the CBOR the SDK reads.
func Example() {
	request := cbor.Encode(cbor.Map{
		"ConfigurationName": cbor.String("duel"),
		"Players": cbor.List{cbor.Map{
			"PlayerId":         cbor.String("p1"),
			"PlayerAttributes": cbor.Map{"skill": cbor.Map{"N": cbor.Float64(23)}},
			"LatencyInMs":      cbor.Map{"eu-west-1": cbor.Uint(40)},
		}},
	})
	js, err := rpcv2.RequestToJSON(request)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(js))

	body, err := rpcv2.ResponseFromJSON([]byte(`{"MatchmakingTicket":{"TicketId":"t1","StartTime":1700000000.5,"EstimatedWaitTime":30}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	v, _ := cbor.Decode(body)
	tk := v.(cbor.Map)["MatchmakingTicket"].(cbor.Map)
	start := tk["StartTime"].(*cbor.Tag)
	fmt.Printf("StartTime: tag %d, %T %v\n", start.ID, start.Value, start.Value)
	fmt.Printf("EstimatedWaitTime: %T %v\n", tk["EstimatedWaitTime"], tk["EstimatedWaitTime"])

	_, err = rpcv2.RequestToJSON(cbor.Encode(cbor.Map{"Players": cbor.List{cbor.Map{"PlayerAttributes": &cbor.Tag{ID: 2, Value: cbor.Slice{1}}}}}))
	fmt.Println(err)
	// Output:
	// {"ConfigurationName":"duel","Players":[{"LatencyInMs":{"eu-west-1":40},"PlayerAttributes":{"skill":{"N":23}},"PlayerId":"p1"}]}
	// StartTime: tag 1, cbor.Float64 1.7000000005e+09
	// EstimatedWaitTime: cbor.Uint 30
	// rpcv2: Players[0].PlayerAttributes: tag 2 is not supported (only tag 1, epoch time)
}
