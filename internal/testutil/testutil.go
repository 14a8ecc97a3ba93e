// Package testutil holds the helpers that tapegrad's tests share: checking
// that a call panics with the message it should, and comparing and
// converting slices of numbers. It is imported only by _test.go files, of
// every package including tensor and the kernels below it, so it imports
// nothing of tapegrad's.
package testutil

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// Float is the element type of the slices the helpers take: float32 or
// float64, as tensor.Float, which testutil cannot import (tensor's own
// tests use testutil).
type Float interface {
	~float32 | ~float64
}

// PanicMessage calls f and returns what it panicked with, formatted by
// fmt.Sprint, and whether it panicked. A test that pins a whole message
// compares msg with it; one that checks part of it calls MustPanic.
func PanicMessage(f func()) (msg string, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, panicked = fmt.Sprint(r), true
		}
	}()
	f()
	return "", false
}

// MustPanic fails t unless f panics with a message that contains every one
// of want. A panic test must say what it expects, so MustPanic stops the
// test at once when want is empty or holds an empty string. A missing panic
// or a wrong message is reported with t.Errorf, and the test goes on; a test
// whose later steps make no sense without the panic checks t.Failed.
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
	msg, panicked := PanicMessage(f)
	if !panicked {
		t.Errorf("no panic; want one containing %q", want)
		return
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("panic %q does not contain %q", msg, w)
		}
	}
}

// MaxAbsDiff returns the largest |a[i] − b[i]| over two slices of equal
// length, or NaN if any difference is NaN. It panics if the lengths differ.
// For tensors, tensor.MaxAbsDiff does the same and checks the shapes.
func MaxAbsDiff[T Float](a, b []T) float64 {
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

// Convert returns a new slice holding s's values converted to To, as the
// tests do to run one set of float64 reference numbers in both precisions.
func Convert[To, From Float](s []From) []To {
	r := make([]To, len(s))
	for i, v := range s {
		r[i] = To(v)
	}
	return r
}
