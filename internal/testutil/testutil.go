// Package testutil holds the helpers that tapegrad's tests share: checking
// that a call panics with the message it should, and comparing slices of
// numbers. It is imported only by _test.go files.
package testutil

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/tensor"
)

// MustPanic fails t unless f panics with a message that contains every one
// of want. A panic test must say what it expects, so MustPanic stops the
// test at once when want is empty or holds an empty string.
func MustPanic(t testing.TB, f func(), want ...string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("testutil.MustPanic: no expected message given; name the text the panic must contain")
	}
	for _, w := range want {
		if w == "" {
			t.Fatal("testutil.MustPanic: an expected message is empty; name the text the panic must contain")
		}
	}
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic; want one containing %q", want)
			return
		}
		msg := fmt.Sprint(r)
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("panic %q does not contain %q", msg, w)
			}
		}
	}()
	f()
}

// MaxAbsDiff returns the largest |a[i] − b[i]| over two slices of equal
// length, or NaN if any difference is NaN. It panics if the lengths differ.
// For tensors, tensor.MaxAbsDiff does the same and checks the shapes.
func MaxAbsDiff[T tensor.Float](a, b []T) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("testutil: MaxAbsDiff of slices of lengths %d and %d", len(a), len(b)))
	}
	m := 0.0
	for i, v := range a {
		d := math.Abs(float64(v) - float64(b[i]))
		if math.IsNaN(d) {
			return d
		}
		m = max(m, d)
	}
	return m
}
