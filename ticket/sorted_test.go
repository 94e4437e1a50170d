package ticket

import (
	"reflect"
	"slices"
	"testing"
)

func TestUnionIntersectSorted(t *testing.T) {
	tests := []struct {
		a, b, union, inter []string
	}{
		{nil, nil, []string{}, nil},
		{[]string{"a"}, nil, []string{"a"}, nil},
		{nil, []string{"a"}, []string{"a"}, nil},
		{[]string{"a", "c", "e"}, []string{"b", "d"}, []string{"a", "b", "c", "d", "e"}, nil},
		{[]string{"a", "b", "c"}, []string{"b", "c", "d"}, []string{"a", "b", "c", "d"}, []string{"b", "c"}},
		{[]string{"a", "b"}, []string{"a", "b"}, []string{"a", "b"}, []string{"a", "b"}},
		{[]string{"x"}, []string{"a", "b", "x", "z"}, []string{"a", "b", "x", "z"}, []string{"x"}},
		{[]string{"", "a"}, []string{""}, []string{"", "a"}, []string{""}},
	}
	for _, tc := range tests {
		a, b := slices.Clone(tc.a), slices.Clone(tc.b)
		if got := unionSorted(a, b); !reflect.DeepEqual(got, tc.union) {
			t.Errorf("UnionSorted(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.union)
		}
		if got := unionSorted(b, a); !reflect.DeepEqual(got, tc.union) {
			t.Errorf("UnionSorted(%q, %q) = %q, want %q", tc.b, tc.a, got, tc.union)
		}
		if got := intersectSorted(nil, a, b); !reflect.DeepEqual(got, tc.inter) {
			t.Errorf("IntersectSorted(nil, %q, %q) = %q, want %q", tc.a, tc.b, got, tc.inter)
		}
		// dst may alias a.
		if got := intersectSorted(a[:0], a, b); !equalOrEmpty(got, tc.inter) {
			t.Errorf("IntersectSorted(a[:0], %q, %q) = %q, want %q", tc.a, tc.b, got, tc.inter)
		}
		if !reflect.DeepEqual(b, tc.b) {
			t.Errorf("b changed to %q", b)
		}
		// dst keeps what it held.
		if got := intersectSorted([]string{"keep"}, tc.a, tc.b); !reflect.DeepEqual(got, append([]string{"keep"}, tc.inter...)) {
			t.Errorf("IntersectSorted with a prefix = %q", got)
		}
	}
	// UnionSorted returns a new slice.
	a := []string{"a", "b"}
	u := unionSorted(a, nil)
	u[0] = "z"
	if a[0] != "a" {
		t.Error("unionSorted aliases its input")
	}
}

func equalOrEmpty(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}
