package testutil

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of reporting them.
type recorder struct {
	testing.TB
	errs   []string
	fatal  bool
	helper int
}

func (r *recorder) Helper() { r.helper++ }
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, format)
}
func (r *recorder) Fatal(args ...any) {
	r.fatal = true
	panic(recorderStop{})
}

type recorderStop struct{}

func run(f func(tb testing.TB)) (r *recorder) {
	r = &recorder{}
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(recorderStop); !ok {
				panic(p)
			}
		}
	}()
	f(r)
	return r
}

func TestMustPanic(t *testing.T) {
	for _, c := range []struct {
		name      string
		f         func()
		want      []string
		errs      int
		fatal     bool
		errPrefix string
	}{
		{"matches", func() { panic("ops: MatMul: shapes [2 3] and [4]") }, []string{"MatMul", "[2 3]"}, 0, false, ""},
		{"wrong text", func() { panic("ops: Add") }, []string{"MatMul"}, 1, false, "panic %q does not contain"},
		{"no panic", func() {}, []string{"MatMul"}, 1, false, "no panic"},
		{"no expectation", func() { panic("x") }, nil, 0, true, ""},
		{"empty expectation", func() { panic("x") }, []string{""}, 0, true, ""},
	} {
		r := run(func(tb testing.TB) { MustPanic(tb, c.f, c.want...) })
		if len(r.errs) != c.errs || r.fatal != c.fatal {
			t.Errorf("%s: %d errors (%q), fatal %v; want %d errors, fatal %v", c.name, len(r.errs), r.errs, r.fatal, c.errs, c.fatal)
			continue
		}
		if c.errs > 0 && !strings.HasPrefix(r.errs[0], c.errPrefix) {
			t.Errorf("%s: error %q, want one starting %q", c.name, r.errs[0], c.errPrefix)
		}
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
	r := run(func(tb testing.TB) {
		MustPanic(tb, func() { MaxAbsDiff([]float64{1}, []float64{1, 2}) }, "lengths 1 and 2")
	})
	if len(r.errs) != 0 {
		t.Errorf("MaxAbsDiff of unequal lengths: %q", r.errs)
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
