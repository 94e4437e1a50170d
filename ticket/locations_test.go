package ticket_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/matchforge/matchforge/ticket"
)

// A name leaves the table with its last holder, and its id is handed out
// again; names never retained stay.
func TestLocationsReleaseAndReuse(t *testing.T) {
	l := ticket.NewLocations()
	a, b := l.ID("us-east-1"), l.ID("eu-west-1")
	l.Retain(a)
	l.Retain(a)
	l.Retain(b)
	l.Release(a)
	if id, ok := l.Lookup("us-east-1"); !ok || id != a {
		t.Fatalf("us-east-1 left with a holder still: %d %v", id, ok)
	}
	l.Release(a)
	if _, ok := l.Lookup("us-east-1"); ok || l.Name(a) != "" || l.Count() != 1 {
		t.Fatalf("us-east-1 stayed after its last holder: name %q, count %d", l.Name(a), l.Count())
	}
	l.Release(a) // no holder: nothing happens
	if c := l.ID("ap-south-1"); c != a || l.Name(c) != "ap-south-1" {
		t.Fatalf("the released id was not handed out again: got %d (%q), want %d", c, l.Name(c), a)
	}
	if l.Len() != 2 || l.Count() != 2 {
		t.Fatalf("Len %d, Count %d; want 2 and 2", l.Len(), l.Count())
	}
	never := l.ID("sa-east-1")
	if _, ok := l.Lookup("sa-east-1"); !ok || l.Name(never) != "sa-east-1" {
		t.Fatal("a name never retained left the table")
	}
}

// A resolved ticket's Locations lists each location of each player, once
// per player that reports it, and counting holders with it gives every
// name back.
func TestResolvedLocations(t *testing.T) {
	s := mustSchema(t)
	locs := ticket.NewLocations()
	solo := mustResolve(t, s, []ticket.Player{{PlayerID: "a", LatencyInMs: map[string]int{"x": 10, "y": 20}}}, locs)
	party := mustResolve(t, s, []ticket.Player{
		{PlayerID: "b", LatencyInMs: map[string]int{"x": 10, "z": 30}},
		{PlayerID: "c", LatencyInMs: map[string]int{"x": 15, "w": 40}},
	}, locs)
	names := func(r *ticket.Resolved) []string {
		var out []string
		r.Locations(func(id int32) { out = append(out, locs.Name(id)) })
		slices.Sort(out)
		return out
	}
	if got := fmt.Sprint(names(solo)); got != "[x y]" {
		t.Errorf("solo: %s; want [x y]", got)
	}
	if got := fmt.Sprint(names(party)); got != "[w x x z]" {
		t.Errorf("party: %s; want [w x x z]", got)
	}
	for _, r := range []*ticket.Resolved{solo, party} {
		r.Locations(locs.Retain)
	}
	for _, r := range []*ticket.Resolved{party, solo} {
		r.Locations(locs.Release)
	}
	if locs.Count() != 0 {
		t.Errorf("%d names left after every holder released them; want 0", locs.Count())
	}
}
