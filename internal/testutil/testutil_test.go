package testutil

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestMustPanic(t *testing.T) {
	for _, c := range []struct {
		name      string
		f         func()
		want      []string
		errs      int
		fatal     string
		errPrefix string
	}{
		{"matches", func() { panic("ops: MatMul: shapes [2 3] and [4]") }, []string{"MatMul", "[2 3]"}, 0, "", ""},
		{"wrong text", func() { panic("ops: Add") }, []string{"MatMul"}, 1, "", `panic "ops: Add" does not contain "MatMul"`},
		{"one of two missing", func() { panic("ops: Add") }, []string{"Add", "MatMul"}, 1, "", `panic "ops: Add" does not contain "MatMul"`},
		{"no panic", func() {}, []string{"MatMul"}, 1, "", `no panic; want one containing ["MatMul"]`},
		{"no expectation", func() { panic("x") }, nil, 0, "testutil.MustPanic: no expected message given", ""},
		{"empty expectation", func() { panic("x") }, []string{"x", ""}, 0, "testutil.MustPanic: an expected message is empty", ""},
	} {
		r := Record(func(tb testing.TB) { MustPanic(tb, c.f, c.want...) })
		if len(r.Errors) != c.errs || !strings.HasPrefix(r.FatalMessage, c.fatal) || (c.fatal == "") != (r.FatalMessage == "") {
			t.Errorf("%s: errors %q, fatal %q; want %d errors, fatal %q", c.name, r.Errors, r.FatalMessage, c.errs, c.fatal)
			continue
		}
		if r.Failed() != (c.errs > 0 || c.fatal != "") {
			t.Errorf("%s: Failed() = %v", c.name, r.Failed())
		}
		if c.errs > 0 && r.Errors[0] != c.errPrefix {
			t.Errorf("%s: error %q, want %q", c.name, r.Errors[0], c.errPrefix)
		}
	}
}

func TestRecordStopsAtFatal(t *testing.T) {
	reached := false
	r := Record(func(tb testing.TB) {
		tb.Errorf("first %d", 1)
		tb.Fatalf("stop %s", "here")
		reached = true
	})
	if reached || r.FatalMessage != "stop here" || !slices.Equal(r.Errors, []string{"first 1"}) || !r.Failed() {
		t.Errorf("Record: reached %v, fatal %q, errors %q, failed %v", reached, r.FatalMessage, r.Errors, r.Failed())
	}
	if r := Record(func(tb testing.TB) { tb.Helper(); tb.Logf("fine") }); r.Failed() || r.FatalMessage != "" || len(r.Errors) != 0 {
		t.Errorf("Record of a passing function: %+v", r)
	}
}

func TestPanicMessage(t *testing.T) {
	if msg, ok := PanicMessage(func() { panic("ops: Add: shapes [2] and [3]") }); !ok || msg != "ops: Add: shapes [2] and [3]" {
		t.Errorf("PanicMessage of a string panic = %q, %v", msg, ok)
	}
	if msg, ok := PanicMessage(func() { panic(fmt.Errorf("wrapped %d", 7)) }); !ok || msg != "wrapped 7" {
		t.Errorf("PanicMessage of an error panic = %q, %v", msg, ok)
	}
	if msg, ok := PanicMessage(func() {}); ok || msg != "" {
		t.Errorf("PanicMessage without a panic = %q, %v; want \"\", false", msg, ok)
	}
}

func TestMaxAbsDiff(t *testing.T) {
	if got := MaxAbsDiff([]float64{1, -2, 3}, []float64{1.5, -2, 1}); got != 2 {
		t.Errorf("MaxAbsDiff = %v, want 2", got)
	}
	if got := MaxAbsDiff([]float32{1, 2}, []float32{1, float32(math.NaN())}); !math.IsNaN(got) {
		t.Errorf("MaxAbsDiff with a NaN = %v, want NaN", got)
	}
	if got := MaxAbsDiff[float64](nil, nil); got != 0 {
		t.Errorf("MaxAbsDiff of empty slices = %v, want 0", got)
	}
	MustPanic(t, func() { MaxAbsDiff([]float64{1}, []float64{1, 2}) }, "testutil: MaxAbsDiff of slices of lengths 1 and 2")
}

func TestConvert(t *testing.T) {
	got := Convert[float32]([]float64{1.5, 0.1, -2})
	if want := []float32{1.5, 0.1, -2}; !slices.Equal(got, want) {
		t.Errorf("Convert[float32] = %v, want %v", got, want)
	}
	if back := Convert[float64](got); back[1] != float64(float32(0.1)) || back[0] != 1.5 {
		t.Errorf("Convert[float64] = %v, want [1.5 %v -2]", back, float64(float32(0.1)))
	}
	if got := Convert[float64]([]float32(nil)); got == nil || len(got) != 0 {
		t.Errorf("Convert of nil = %#v, want an empty slice", got)
	}
}
