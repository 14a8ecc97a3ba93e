package tensor

import (
	"slices"
	"testing"
)

// A step that asks the arena for the same tensors as the last gets the same
// headers back, with their shape slices, and allocates nothing.
func TestArenaReusesHeaders(t *testing.T) {
	ar := NewArena[float32]()
	a, b := ar.NewUninit(2, 3), ar.New(4)
	aShape := a.Shape()
	ar.Recycle()
	a2, b2 := ar.NewUninit(2, 3), ar.New(4)
	if a2 != a || b2 != b {
		t.Fatalf("after Recycle got headers %p %p, want the last step's %p %p", a2, b2, a, b)
	}
	if &a2.Shape()[0] != &aShape[0] {
		t.Error("a header given the same shape got a new shape slice")
	}
	if b2.Size() != 4 || !slices.Equal(b2.Shape(), []int{4}) {
		t.Errorf("reused header has shape %v and %d elements, want [4] and 4", b2.Shape(), b2.Size())
	}
	ar.Recycle()
	if n := testing.AllocsPerRun(100, func() {
		ar.NewUninit(2, 3)
		ar.New(4)
		ar.Recycle()
	}); n != 0 {
		t.Errorf("a steady-state step allocates %v times, want 0", n)
	}
}

// A reused header asked for another shape gets a new shape slice: the one
// handed out before never changes.
func TestArenaHeaderShapeSlicesNeverChange(t *testing.T) {
	ar := NewArena[float64]()
	a := ar.NewUninit(2, 3)
	old := a.Shape()
	ar.Recycle()
	c := ar.NewUninit(3, 2)
	if c != a {
		t.Fatal("the header was not reused")
	}
	if !slices.Equal(old, []int{2, 3}) {
		t.Errorf("the old shape slice became %v, want [2 3]", old)
	}
	if !slices.Equal(c.Shape(), []int{3, 2}) {
		t.Errorf("shape %v, want [3 2]", c.Shape())
	}
	ar.Recycle()
	s := ar.NewUninit() // a scalar
	if s.NDim() != 0 || s.Size() != 1 || s.Shape() == nil {
		t.Errorf("scalar from a reused header: shape %#v, %d elements", s.Shape(), s.Size())
	}
}

// A tensor handed over by Exchange is the caller's for good: no later step
// hands its header out again. ExchangeTensor gives the arena the spare's
// header in its place.
func TestArenaExchangeGivesTheHeaderAway(t *testing.T) {
	ar := NewArena[float32]()
	g := ar.NewUninit(5)
	g.Fill(3)
	if !ar.Exchange(g, make([]float32, 5)) {
		t.Fatal("Exchange refused")
	}
	ar.Recycle()
	if h := ar.NewUninit(5); h == g {
		t.Fatal("a header handed over by Exchange was handed out again")
	}
	if g.Data()[0] != 3 {
		t.Errorf("the exchanged tensor's data changed: %v", g.Data())
	}

	ar = NewArena[float32]()
	g = ar.NewUninit(5)
	g.Fill(3)
	spare := New[float32](5)
	if ar.ExchangeTensor(g, spare) {
		// the arena holds spare now, whose buffer is what Recycle takes back
	} else {
		t.Fatal("ExchangeTensor refused")
	}
	ar.Recycle()
	h := ar.NewUninit(5)
	if h == g {
		t.Fatal("a header handed over by ExchangeTensor was handed out again")
	}
	if h != spare || &h.Data()[0] != &spare.Data()[0] {
		t.Error("ExchangeTensor's spare header or storage was not reused")
	}
	if g.Data()[0] != 3 {
		t.Errorf("the exchanged tensor's data changed: %v", g.Data())
	}
	if ar.ExchangeTensor(h, h) || ar.ExchangeTensor(h, nil) || ar.ExchangeTensor(h, New[float32](4)) {
		t.Error("ExchangeTensor took itself, nil or a spare of another length")
	}
}

// ReleaseExcept keeps what its slices start at and releases the rest.
func TestArenaReleaseExcept(t *testing.T) {
	ar := NewArena[float32]()
	m := ar.Mark()
	a, b, c := ar.NewUninit(8), ar.NewUninit(8), ar.NewUninit(8)
	ar.ReleaseExcept(m, ar.Mark(), [][]float32{a.Data()[:2], nil, c.Data()})
	if !ar.Lent(a, m) || ar.Lent(b, m) || !ar.Lent(c, m) {
		t.Errorf("lent after ReleaseExcept: a %t b %t c %t, want true false true", ar.Lent(a, m), ar.Lent(b, m), ar.Lent(c, m))
	}
	if d := ar.NewUninit(8); &d.Data()[0] != &b.Data()[0] {
		t.Error("the released buffer was not handed out again")
	}
}

// An element-wise op on operands of one shape, small enough to run on the
// calling goroutine, allocates nothing on a warm arena: no broadcast shape,
// no closure for parallel work.
func TestArenaSameShapeBinaryAllocatesNothing(t *testing.T) {
	ar := NewArena[float32]()
	a, b := Full[float32](2, 3, 4), Full[float32](5, 3, 4)
	step := func() {
		c := ar.Mul(a, b)
		c.AddInPlace(a)
		ar.Recycle()
	}
	step()
	if n := testing.AllocsPerRun(100, step); n != 0 {
		t.Errorf("allocates %v times, want 0", n)
	}
	c := ar.Mul(a, b)
	c.AddInPlace(a)
	for _, v := range c.Data() {
		if v != 12 {
			t.Fatalf("2·5 + 2 = %v, want 12", v)
		}
	}
}

// A broadcasting op small enough to stay on one goroutine allocates
// nothing in a steady-state step: its plan lives on the stack.
func TestSmallBroadcastAllocatesNothing(t *testing.T) {
	ar := NewArena[float32]()
	x, c := Ones[float32](4, 3, 5, 5), Full[float32](2, 1, 3, 1, 1)
	step := func() {
		ar.Mul(x, c)
		ar.Recycle()
	}
	step()
	if n := testing.AllocsPerRun(100, step); n != 0 {
		t.Errorf("x·c, 4×3×5×5 by 1×3×1×1, allocates %v times a step, want 0", n)
	}
	if y := ar.Mul(x, c); y.At(3, 2, 4, 4) != 2 || y.At(0, 0, 0, 0) != 2 {
		t.Errorf("x·c = %v at the corners, want 2", []float32{y.At(0, 0, 0, 0), y.At(3, 2, 4, 4)})
	}
}

// TestSmallReductionsAllocateNothing: a small step of reductions, reshapes
// and scalar ops on an arena — what a composed batch norm's forward and
// backward do — allocates nothing once its shapes have been seen.
func TestSmallReductionsAllocateNothing(t *testing.T) {
	ar := NewArena[float32]()
	x := Full[float32](2, 4, 3, 5, 5)
	var mean, grad *Tensor[float32]
	step := func() {
		s := ar.Sum(x, true, 0, 2, 3)                // 1×3×1×1
		mean = ar.Mean(x, false, -1, 0)              // 3×5
		r := ar.Reshape(ar.Scale(s, 0.5), 3, -1)     // 3×1
		grad = ar.SumTo(ar.AddScalar(x, 1), 3, 1, 1) // 3×1×1
		_ = ar.Sqrt(r)
		ar.Recycle()
	}
	step()
	if n := testing.AllocsPerRun(100, step); n != 0 {
		t.Errorf("the reductions allocate %v times a step, want 0", n)
	}
	if !EqualShapes(mean.Shape(), []int{3, 5}) || mean.At(2, 4) != 2 {
		t.Errorf("Mean over (-1, 0) = shape %v, [2 4] = %v; want [3 5] and 2", mean.Shape(), mean.At(2, 4))
	}
	if !EqualShapes(grad.Shape(), []int{3, 1, 1}) || grad.At(1, 0, 0) != 300 {
		t.Errorf("SumTo(x+1, 3×1×1) = shape %v, [1 0 0] = %v; want [3 1 1] and 300", grad.Shape(), grad.At(1, 0, 0))
	}
}

// TestArenaReshape: an arena's Reshape is a view like Tensor.Reshape, with
// a header that the next step gets again, and Tensor.Reshape's panics.
func TestArenaReshape(t *testing.T) {
	ar := NewArena[float64]()
	x := ar.New(2, 6)
	v := ar.Reshape(x, 3, -1)
	if !EqualShapes(v.Shape(), []int{3, 4}) || &v.Data()[0] != &x.Data()[0] {
		t.Fatalf("Reshape(2×6, 3, -1) = shape %v sharing data %v, want [3 4] sharing", v.Shape(), &v.Data()[0] == &x.Data()[0])
	}
	ar.Recycle()
	x2 := ar.New(2, 6)
	if v2 := ar.Reshape(x2, 3, 4); v2 != v || &v2.Data()[0] != &x2.Data()[0] {
		t.Errorf("after Recycle, Reshape handed out a new header (%v) or the old data", v2 != v)
	}
	if h := (*Arena[float64])(nil).Reshape(x, 12); !EqualShapes(h.Shape(), []int{12}) {
		t.Errorf("nil arena: Reshape(2×6, 12) has shape %v", h.Shape())
	}
	want := func() (msg any) {
		defer func() { msg = recover() }()
		x.Reshape(5, -1)
		return nil
	}()
	got := func() (msg any) {
		defer func() { msg = recover() }()
		ar.Reshape(x, 5, -1)
		return nil
	}()
	if want == nil || got != want {
		t.Errorf("Reshape(2×6, 5, -1) panics with %q, want %q", got, want)
	}
}
