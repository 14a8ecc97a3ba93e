package tensor

import "testing"

func TestArenaRecyclesBuffers(t *testing.T) {
	ar := NewArena[float32]()
	a := ar.New(2, 3)
	a.Fill(7)
	b := ar.Add(a, a) // 6 elements as well
	if ar.Bytes() != 2*6*4 {
		t.Fatalf("Bytes = %d, want %d", ar.Bytes(), 2*6*4)
	}
	ar.Recycle()
	c := ar.New(3, 2) // same length: a recycled buffer, zeroed
	if &c.Data()[0] != &b.Data()[0] && &c.Data()[0] != &a.Data()[0] {
		t.Error("New after Recycle did not reuse a buffer of the same length")
	}
	for _, v := range c.Data() {
		if v != 0 {
			t.Fatalf("recycled buffer not zeroed: %v", c.Data())
		}
	}
	d := ar.New(13) // longer than any free buffer: a new one
	if ar.Bytes() != (2*6+13)*4 {
		t.Errorf("Bytes = %d, want %d", ar.Bytes(), (2*6+13)*4)
	}
	_ = d
}

func TestNilArenaAllocatesFromTheHeap(t *testing.T) {
	var ar *Arena[float64]
	x := FromSlice([]float64{1, 2, 3})
	if got := ar.Add(x, x).Data(); got[2] != 6 {
		t.Errorf("nil arena Add = %v", got)
	}
	if got := ar.New(2); got.Size() != 2 || got.Data()[1] != 0 {
		t.Errorf("nil arena New = %v", got)
	}
}

// Every arena method computes what its package-level function does.
func TestArenaMethodsMatchFunctions(t *testing.T) {
	ar := NewArena[float64]()
	x := FromSlice([]float64{1, -2, 3, 4, -5, 6}, 2, 3)
	row := FromSlice([]float64{0.5, 1, 2})
	pairs := [][2]*Tensor[float64]{
		{ar.Sub(x, row), Sub(x, row)}, {ar.Mul(x, row), Mul(x, row)}, {ar.Div(x, row), Div(x, row)},
		{ar.Neg(x), Neg(x)}, {ar.AddScalar(x, 2), AddScalar(x, 2)}, {ar.Exp(x), Exp(x)}, {ar.Pow(x, 3), Pow(x, 3)},
		{ar.Tanh(x), Tanh(x)}, {ar.Sigmoid(x), Sigmoid(x)}, {ar.Sum(x, true, 1), Sum(x, true, 1)},
		{ar.Mean(x, false, 0), Mean(x, false, 0)}, {ar.Max(x, 1, false), Max(x, 1, false)},
		{ar.BroadcastTo(row, 2, 3), BroadcastTo(row, 2, 3)}, {ar.SumTo(x, 1, 3), SumTo(x, 1, 3)},
		{ar.Permute(x, 1, 0), Permute(x, 1, 0)}, {ar.MatMulT(x, false, x, true), MatMulT(x, false, x, true)},
		{ar.Clone(x), x}, {ar.Log(Map(x, func(v float64) float64 { return v * v })), Log(Mul(x, x))},
		{ar.Sqrt(Mul(x, x)), Map(x, func(v float64) float64 { return max(v, -v) })},
	}
	for i, p := range pairs {
		if !AllClose(p[0], p[1], 1e-15, 0) {
			t.Errorf("pair %d: arena %v, function %v", i, p[0], p[1])
		}
	}
}

func TestArenaRecyclesIndices(t *testing.T) {
	ar := NewArena[float32]()
	a := ar.Indices(6)
	ar.New(2) // tensors and indices are counted apart
	if len(a) != 6 || ar.Bytes() != 6*4+2*4 {
		t.Fatalf("len %d, Bytes = %d, want 6 and %d", len(a), ar.Bytes(), 6*4+2*4)
	}
	if b := ar.Indices(6); &b[0] == &a[0] {
		t.Fatal("Indices handed out the same storage twice before a Recycle")
	}
	ar.Recycle()
	c, d := ar.Indices(6), ar.Indices(6)
	if (&c[0] != &a[0] && &d[0] != &a[0]) || ar.Bytes() != (12+2)*4 {
		t.Errorf("after Recycle: storage not reused or Bytes = %d, want %d", ar.Bytes(), (12+2)*4)
	}
	var nilArena *Arena[float64]
	if got := nilArena.Indices(3); len(got) != 3 {
		t.Errorf("nil arena Indices(3) has length %d", len(got))
	}
}
