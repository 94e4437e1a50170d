package cluster

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

func TestBatchRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 123, time.UTC)
	recs := []record{
		{Kind: recOp, Time: at, Op: "StartMatchmaking", Input: []byte(`{"a":1}`), Req: "r1"},
		{Kind: recStep, Time: at.Add(time.Millisecond), Input: []byte{}},
		{Kind: recCatalog, Time: at, Op: "CreateMatchmakingRuleSet", Input: []byte(`{}`), Cat: 99},
		{Kind: recFence, Time: at, Op: "node|e", Input: []byte{}},
	}
	got, err := decodeBatch(encodeBatch(recs))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, recs)
	}
	evs := []pubEvent{{ID: "e1", Configuration: "c", JSON: []byte(`{"x":1}`)}, {ID: "e2", JSON: []byte{}}}
	gotEv, err := decodeEvents(encodeEvents(evs))
	if err != nil || len(gotEv) != 2 || gotEv[0].ID != "e1" || gotEv[0].Configuration != "c" || !bytes.Equal(gotEv[0].JSON, evs[0].JSON) || gotEv[1].ID != "e2" {
		t.Fatalf("events round trip: %+v, %v", gotEv, err)
	}
	for _, bad := range [][]byte{nil, []byte("mfb"), []byte("mfb1\x05"), append(encodeBatch(recs), 0), []byte("mfb1\x01\x09")} {
		if _, err := decodeBatch(bad); err == nil {
			t.Errorf("decodeBatch(%q) succeeded", bad)
		}
	}
}

// FuzzDecodeBatch: the decoders never panic, and what they accept
// encodes to bytes that decode to the same records (varints may have been
// written longer than needed, so the bytes themselves may differ).
func FuzzDecodeBatch(f *testing.F) {
	f.Add(encodeBatch([]record{{Kind: recOp, Time: time.Unix(1, 2), Op: "A", Input: []byte("{}"), Req: "r"}}))
	f.Add(encodeEvents([]pubEvent{{ID: "e", Configuration: "c", JSON: []byte("{}")}}))
	f.Add([]byte("mfb1\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if recs, err := decodeBatch(b); err == nil {
			again, err := decodeBatch(encodeBatch(recs))
			if err != nil || !reflect.DeepEqual(again, recs) {
				t.Fatalf("decoded %q to %+v; its encoding decodes to %+v, %v", b, recs, again, err)
			}
		}
		if evs, err := decodeEvents(b); err == nil {
			again, err := decodeEvents(encodeEvents(evs))
			if err != nil || !reflect.DeepEqual(again, evs) {
				t.Fatalf("decoded %q to %+v; its encoding decodes to %+v, %v", b, evs, again, err)
			}
		}
	})
}
