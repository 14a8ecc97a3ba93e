package tensor

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

func TestBroadcastShapes(t *testing.T) {
	for _, tc := range []struct {
		a, b, want []int // want nil: incompatible
	}{
		{[]int{}, []int{}, []int{}},
		{[]int{}, []int{3}, []int{3}},
		{[]int{2, 3}, []int{}, []int{2, 3}},
		{[]int{2, 3}, []int{3}, []int{2, 3}},
		{[]int{2, 1}, []int{1, 3}, []int{2, 3}},
		{[]int{4, 1, 3}, []int{5, 1}, []int{4, 5, 3}},
		{[]int{1}, []int{7, 1, 1}, []int{7, 1, 1}},
		{[]int{8, 1, 6, 1}, []int{7, 1, 5}, []int{8, 7, 6, 5}},
		{[]int{0, 3}, []int{1, 3}, []int{0, 3}},
		{[]int{1}, []int{0}, []int{0}},
		{[]int{2, 0}, []int{2, 1}, []int{2, 0}},
		{[]int{3}, []int{4}, nil},
		{[]int{2, 3}, []int{3, 2}, nil},
		{[]int{2, 1}, []int{8, 4, 3}, nil},
		{[]int{0}, []int{2}, nil},
	} {
		for _, swap := range []bool{false, true} {
			a, b := tc.a, tc.b
			if swap {
				a, b = b, a
			}
			got, err := BroadcastShapes(a, b)
			if (err == nil) != (tc.want != nil) || (err == nil && !EqualShapes(got, tc.want)) {
				t.Errorf("BroadcastShapes(%v, %v) = %v, %v; want %v", a, b, got, err, tc.want)
			}
		}
	}
	testutil.MustPanic(t, func() {
		Add(New[float32](3), New[float32](4))
	}, "shapes [3] and [4] cannot be broadcast together")
}

// refBinary computes a op b by broadcasting coordinates one output element at
// a time: the reference the kernels are checked against.
func refBinary[T Float](op func(x, y T) T, a, b *Tensor[T]) *Tensor[T] {
	shape, err := BroadcastShapes(a.Shape(), b.Shape())
	if err != nil {
		panic("refBinary: incompatible shapes")
	}
	out := New[T](shape...)
	for o := range out.Data() {
		idx := unravel(o, shape)
		out.Data()[o] = op(a.At(pick(idx, a.Shape())...), b.At(pick(idx, b.Shape())...))
	}
	return out
}

// pick maps an output index to the index of an operand of the given shape:
// its trailing coordinates, with 0 where the operand has size 1.
func pick(idx, shape []int) []int {
	sub := make([]int, len(shape))
	lead := len(idx) - len(shape)
	for i, d := range shape {
		if d != 1 {
			sub[i] = idx[lead+i]
		}
	}
	return sub
}

// randomPair returns an output shape of rank 0..4 and two operand shapes that
// broadcast to it: each drops some leading axes and sets some axes to 1.
func randomPair(rng *rand.Rand) (out, a, b []int) {
	sizes := []int{1, 2, 3, 4, 5, 7}
	out = make([]int, rng.IntN(5))
	for i := range out {
		out[i] = sizes[rng.IntN(len(sizes))]
		if rng.IntN(25) == 0 {
			out[i] = 0
		}
	}
	derive := func() []int {
		s := append([]int(nil), out[rng.IntN(len(out)+1):]...)
		for i := range s {
			if rng.IntN(3) == 0 {
				s[i] = 1
			}
		}
		return s
	}
	return out, derive(), derive()
}

var binaryOps = []struct {
	name    string
	f32     func(a, b *Tensor[float32]) *Tensor[float32]
	f64     func(a, b *Tensor[float64]) *Tensor[float64]
	in32    func(t, src *Tensor[float32])
	in64    func(t, src *Tensor[float64])
	r32     func(x, y float32) float32
	r64     func(x, y float64) float64
	divisor bool // keep b away from 0
}{
	{"Add", Add[float32], Add[float64], (*Tensor[float32]).AddInPlace, (*Tensor[float64]).AddInPlace,
		func(x, y float32) float32 { return x + y }, func(x, y float64) float64 { return x + y }, false},
	{"Sub", Sub[float32], Sub[float64], (*Tensor[float32]).SubInPlace, (*Tensor[float64]).SubInPlace,
		func(x, y float32) float32 { return x - y }, func(x, y float64) float64 { return x - y }, false},
	{"Mul", Mul[float32], Mul[float64], (*Tensor[float32]).MulInPlace, (*Tensor[float64]).MulInPlace,
		func(x, y float32) float32 { return x * y }, func(x, y float64) float64 { return x * y }, false},
	{"Div", Div[float32], Div[float64], (*Tensor[float32]).DivInPlace, (*Tensor[float64]).DivInPlace,
		func(x, y float32) float32 { return x / y }, func(x, y float64) float64 { return x / y }, true},
}

func TestBinaryOpsAgainstReference(t *testing.T) {
	rng := newRNG(1)
	for trial := range 200 {
		out, as, bs := randomPair(rng)
		if rng.IntN(2) == 0 {
			as, bs = bs, as
		}
		for _, op := range binaryOps {
			name := fmt.Sprintf("%s/%v,%v", op.name, as, bs)
			a32, b32 := RandN[float32](rng, as...), RandU[float32](rng, 0.5, 2, bs...)
			a64, b64 := RandN[float64](rng, as...), RandU[float64](rng, 0.5, 2, bs...)
			if !op.divisor && trial%2 == 0 {
				b32.ScaleInPlace(-1)
				b64.ScaleInPlace(-1)
			}
			// The kernels compute each element with the same single operation
			// as the reference, so the results are bit-identical.
			want32, want64 := refBinary(op.r32, a32, b32), refBinary(op.r64, a64, b64)
			checkSame(t, name+"/float32", op.f32(a32, b32), want32, want32.Shape())
			checkSame(t, name+"/float64", op.f64(a64, b64), want64, want64.Shape())

			// In place: b broadcasts to the full output shape.
			x32, x64 := RandN[float32](rng, out...), RandN[float64](rng, out...)
			want32, want64 = refBinary(op.r32, x32, b32), refBinary(op.r64, x64, b64)
			op.in32(x32, b32)
			op.in64(x64, b64)
			checkSame(t, name+"/InPlace/float32", x32, want32, out)
			checkSame(t, name+"/InPlace/float64", x64, want64, out)
		}
	}
}

func checkSame[T Float](t *testing.T, name string, got, want *Tensor[T], shape []int) {
	t.Helper()
	if !EqualShapes(got.Shape(), shape) {
		t.Errorf("%s: shape %v, want %v", name, got.Shape(), shape)
		return
	}
	if diff := cmp.Diff(want.Data(), got.Data(), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func TestInPlaceAliasAndPanics(t *testing.T) {
	x := FromSlice([]float64{1, 2, 3, 4}, 2, 2)
	x.MulInPlace(x)
	if !cmp.Equal(x.Data(), []float64{1, 4, 9, 16}) {
		t.Errorf("x.MulInPlace(x) = %v, want squares", x.Data())
	}
	x.SubInPlace(x)
	if !cmp.Equal(x.Data(), []float64{0, 0, 0, 0}) {
		t.Errorf("x.SubInPlace(x) = %v, want zeros", x.Data())
	}
	// src may broadcast to t, never t to src.
	testutil.MustPanic(t, func() {
		New[float32](3).AddInPlace(New[float32](2, 3))
	}, "shapes [2 3] and [3] cannot be broadcast")
	testutil.MustPanic(t, func() { New[float32](2, 3).DivInPlace(New[float32](2)) }, "cannot be broadcast")
}

func TestBroadcastTo(t *testing.T) {
	rng := newRNG(2)
	for range 50 {
		out, a, _ := randomPair(rng)
		x := RandN[float64](rng, a...)
		want := refBinary(func(x, _ float64) float64 { return x }, x, New[float64](out...))
		checkSame(t, fmt.Sprintf("BroadcastTo(%v, %v)", a, out), BroadcastTo(x, out...), want, out)
	}
	x := FromSlice([]float32{1, 2, 3}, 3, 1)
	if got := BroadcastTo(x, 2, 3, 2).Data(); !cmp.Equal(got, []float32{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}) {
		t.Errorf("BroadcastTo((3,1) → (2,3,2)) = %v", got)
	}
	testutil.MustPanic(t, func() { BroadcastTo(x, 3) }, "shapes [3 1] and [3] cannot be broadcast")
	testutil.MustPanic(t, func() { BroadcastTo(x, 2, 2) }, "shapes [3 1] and [2 2] cannot be broadcast")
}

func TestSumTo(t *testing.T) {
	x := FromSlice([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 3, 2)
	for _, tc := range []struct {
		shape []int
		want  []float64
	}{
		{[]int{3, 2}, []float64{8, 10, 12, 14, 16, 18}},    // leading axis
		{[]int{2}, []float64{36, 42}},                      // two leading axes
		{[]int{2, 1, 2}, []float64{9, 12, 27, 30}},         // size-1 axis
		{[]int{3, 1}, []float64{18, 26, 34}},               // leading and size-1
		{[]int{1, 1, 1}, []float64{78}},                    // everything, kept
		{[]int{}, []float64{78}},                           // everything, to a scalar
		{[]int{1, 3, 2}, []float64{8, 10, 12, 14, 16, 18}}, // size-1 where x has 2
	} {
		got := SumTo(x, tc.shape...)
		if !EqualShapes(got.Shape(), tc.shape) || !cmp.Equal(got.Data(), tc.want) {
			t.Errorf("SumTo(%v) = %v %v, want %v %v", tc.shape, got.Shape(), got.Data(), tc.shape, tc.want)
		}
	}
	if got := SumTo(x, 2, 3, 2); got != x {
		t.Error("SumTo to the same shape did not return t itself")
	}
	y := New[float32](1, 4)
	if got := SumTo(y, 4); !EqualShapes(got.Shape(), []int{4}) {
		t.Errorf("SumTo((1,4) → (4)) shape %v", got.Shape())
	}
	if got := SumTo(New[float32](0, 3), 1, 3); !cmp.Equal(got.Data(), []float32{0, 0, 0}) {
		t.Errorf("SumTo of an empty axis = %v, want zeros", got.Data())
	}
	testutil.MustPanic(t, func() { SumTo(x, 3) }, "cannot sum shape [2 3 2] down to [3]")
	testutil.MustPanic(t, func() { SumTo(x, 4, 2, 3, 2) }, "cannot sum shape [2 3 2] down to [4 2 3 2]")
	testutil.MustPanic(t, func() { SumTo(New[float32](4), 1, 4) }, "cannot sum shape [4] down to [1 4]")
}

// SumTo is the adjoint of broadcasting: ⟨BroadcastTo(a), g⟩ = ⟨a, SumTo(g)⟩.
func TestSumToIsAdjointOfBroadcast(t *testing.T) {
	rng := newRNG(3)
	for range 100 {
		out, a, _ := randomPair(rng)
		x, g := RandN[float64](rng, a...), RandN[float64](rng, out...)
		lhs, rhs := Dot(BroadcastTo(x, out...), g), Dot(x, SumTo(g, a...))
		if !cmp.Equal(lhs, rhs, cmpopts.EquateApprox(1e-12, 1e-12)) {
			t.Errorf("shapes %v → %v: ⟨Bx, g⟩ = %v, ⟨x, SumTo g⟩ = %v", a, out, lhs, rhs)
		}
	}
}

// TestBroadcastChecksMatchBroadcastShapes: BroadcastsTo and CheckBroadcast
// say what BroadcastShapes says, on every pair of shapes of up to three
// axes of sizes 0 to 3.
func TestBroadcastChecksMatchBroadcastShapes(t *testing.T) {
	var shapes [][]int
	var gen func(prefix []int)
	gen = func(prefix []int) {
		shapes = append(shapes, slices.Clone(prefix))
		if len(prefix) == 3 {
			return
		}
		for d := range 4 {
			gen(append(prefix, d))
		}
	}
	gen(nil)
	for _, a := range shapes {
		for _, b := range shapes {
			out, err := BroadcastShapes(a, b)
			if got, want := BroadcastsTo(a, b), err == nil && EqualShapes(out, b); got != want {
				t.Fatalf("BroadcastsTo(%v, %v) = %v, want %v", a, b, got, want)
			}
			if got := CheckBroadcast(a, b); (got == nil) != (err == nil) || (got != nil && got.Error() != err.Error()) {
				t.Fatalf("CheckBroadcast(%v, %v) = %v, want %v", a, b, got, err)
			}
		}
	}
}

// TestShapeAppendersMatch checks CheckReshape and AppendReducedShape, which
// build nothing or into the caller's storage, against ReshapeShape and
// ReducedShape on every shape of up to three axes of sizes 0–3.
func TestShapeAppendersMatch(t *testing.T) {
	var shapes [][]int
	var gen func(prefix []int, sizes int)
	gen = func(prefix []int, sizes int) {
		shapes = append(shapes, slices.Clone(prefix))
		if len(prefix) == 3 {
			return
		}
		for d := range sizes {
			gen(append(prefix, d-1), sizes) // -1 … sizes-2
		}
	}
	gen(nil, 5)
	for _, from := range shapes {
		if slices.Contains(from, -1) {
			continue
		}
		for _, to := range shapes {
			_, err := ReshapeShape(from, to)
			if got := CheckReshape(from, to); (got == nil) != (err == nil) || (got != nil && got.Error() != err.Error()) {
				t.Fatalf("CheckReshape(%v, %v) = %v, want %v", from, to, got, err)
			}
		}
		axesSets := [][]int{nil, {0}, {-1}, {0, -1}, {1, 0}}
		for _, axes := range axesSets {
			if _, err := CheckAxes(axes, len(from)); err != nil {
				continue
			}
			for _, keep := range []bool{false, true} {
				want := ReducedShape(from, keep, axes...)
				got := AppendReducedShape([]int{7}, from, keep, axes...)
				if !slices.Equal(got, append([]int{7}, want...)) {
					t.Fatalf("AppendReducedShape([7], %v, %v, %v) = %v, want [7] then %v", from, keep, axes, got, want)
				}
			}
		}
	}
}
