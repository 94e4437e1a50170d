package codec

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var b []byte
	b = AppendU(b, math.MaxUint64)
	b = AppendI(b, math.MinInt64)
	b = AppendS(b, "")
	b = AppendS(b, "héllo")
	b = AppendF(b, math.Inf(-1))
	b = AppendStrs(b, nil)
	b = AppendStrs(b, []string{})
	b = AppendStrs(b, []string{"x", ""})
	b = AppendI(b, math.MaxInt32)
	b = append(b, 7)
	d := Dec{B: b}
	if v := d.U(); v != math.MaxUint64 {
		t.Errorf("U: %d", v)
	}
	if v := d.I(); v != math.MinInt64 {
		t.Errorf("I: %d", v)
	}
	if a, c := d.S(), d.S(); a != "" || c != "héllo" {
		t.Errorf("S: %q %q", a, c)
	}
	if v := d.F(); !math.IsInf(v, -1) {
		t.Errorf("F: %v", v)
	}
	if a, c, e := d.Strs(), d.Strs(), d.Strs(); a != nil || c == nil || len(c) != 0 || !slices.Equal(e, []string{"x", ""}) {
		t.Errorf("Strs: %#v %#v %#v", a, c, e)
	}
	if v := d.Int32(); v != math.MaxInt32 {
		t.Errorf("Int32: %d", v)
	}
	if v := d.Byte(); v != 7 || d.Err != nil || d.Off != len(b) {
		t.Errorf("Byte: %d, err %v, at %d of %d", v, d.Err, d.Off, len(b))
	}
}

func TestErrorsAreSticky(t *testing.T) {
	kind := errors.New("mine")
	d := Dec{B: AppendI(nil, math.MaxInt32+1), Wrap: func(msg string) error { return errors.Join(kind, errors.New(msg)) }}
	if v := d.Int32(); v != 0 || !errors.Is(d.Err, kind) {
		t.Fatalf("Int32 of a value past 32 bits: %d, %v", v, d.Err)
	}
	first := d.Err
	if d.Byte() != 0 || d.S() != "" || d.F() != 0 || d.Strs() != nil || d.Err != first {
		t.Errorf("reads after the first error changed something: %v", d.Err)
	}
	for name, read := range map[string]func(*Dec){
		"U":     func(d *Dec) { d.U() },
		"I":     func(d *Dec) { d.I() },
		"S":     func(d *Dec) { d.S() },
		"F":     func(d *Dec) { d.F() },
		"Byte":  func(d *Dec) { d.Byte() },
		"Count": func(d *Dec) { d.Count(1 << 20) },
	} {
		d := Dec{}
		read(&d)
		if d.Err == nil {
			t.Errorf("%s of no input: no error", name)
		}
	}
	long := Dec{B: AppendU(nil, 5)} // a length longer than the input
	if long.Count(100) != 0 || long.Err == nil {
		t.Errorf("Count past the input: %v", long.Err)
	}
}

// FuzzDec reads arbitrary input with every reader: never a panic, and
// never an offset past the input.
func FuzzDec(f *testing.F) {
	f.Add(AppendStrs(AppendS(nil, "seed"), []string{"a"}))
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := Dec{B: b}
		for d.Err == nil && d.Off < len(b) {
			switch b[d.Off] % 6 {
			case 0:
				d.U()
			case 1:
				d.I()
			case 2:
				d.S()
			case 3:
				d.F()
			case 4:
				d.Strs()
			case 5:
				d.Int32()
			}
			if d.Off > len(b) {
				t.Fatalf("offset %d past %d bytes", d.Off, len(b))
			}
		}
	})
}
