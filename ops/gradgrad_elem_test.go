package ops_test

// Second- and third-order gradients of the element-wise, shape and
// matrix-product ops (their BackwardVar), beyond the op table's
// GradGradCheck: PyTorch's numbers in both dtypes, the edges (Pow at ±0,
// ELU at x = ±800, ReLU's mask with infinite seeds) and third order.

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers of the second-order gradients come from
// torch.autograd.grad with create_graph=True in float64 and in float32;
// regenerate them with
//
//	/usr/bin/python3 ops/testdata/gen_torch_gradgrad_elem.py
//
// The tests only read the JSON: they never need Python.
const gradGradElemRefPath = "testdata/torch_gradgrad_elem.json"

// The tolerances, relative with an absolute floor, against PyTorch's
// numbers: a few ulps of each dtype for the different orders of the same
// products, and the 12 significant digits of the file's float64 numbers.
const (
	gradGradElemTol64 = 1e-10
	gradGradElemTol32 = 1e-5
)

// gradGradElemRef is the layout of torch_gradgrad_elem.json.
type gradGradElemRef struct {
	reftest.Header
	Cases []gradGradElemCase `json:"cases"`
}

// gradGradElemCase is one function of one or two inputs (op, with its
// setting: param is LeakyReLU's slope, ELU's alpha or Pow's exponent), the
// upstream gradient g of its output, a seed v per input for the second
// pass, and what PyTorch computed in each dtype.
type gradGradElemCase struct {
	Name        string             `json:"name"`
	Op          string             `json:"op"`
	Param       *float64           `json:"param"`
	Shape       []int              `json:"shape"`
	Axes        []int              `json:"axes"`
	TransA      bool               `json:"trans_a"`
	TransB      bool               `json:"trans_b"`
	InputShapes [][]int            `json:"input_shapes"`
	Inputs      [][]float64        `json:"inputs"`
	OutputShape []int              `json:"output_shape"`
	Upstream    []float64          `json:"upstream"`
	Seeds       [][]float64        `json:"seeds"`
	Float64     gradGradElemResult `json:"float64"`
	Float32     gradGradElemResult `json:"float32"`
}

// gradGradElemResult is y = f(x), the first-order gradients
// Fᵢ = ∂⟨g, y⟩/∂xᵢ, and the gradients of ψ = Σᵢ ⟨vᵢ, Fᵢ⟩ with respect to
// every input and to g.
type gradGradElemResult struct {
	Output           []float64   `json:"output"`
	Grads            [][]float64 `json:"grads"`
	GradGrads        [][]float64 `json:"gradgrads"`
	GradGradUpstream []float64   `json:"gradgrad_upstream"`
}

// loadGradGradElemRef reads the reference file and checks that every
// case's numbers fit its shapes, and that every op of the task is there.
func loadGradGradElemRef(t *testing.T) gradGradElemRef {
	t.Helper()
	var ref gradGradElemRef
	reftest.Load(t, gradGradElemRefPath, "/usr/bin/python3 ops/testdata/gen_torch_gradgrad_elem.py", &ref)
	unique := reftest.Unique(t, gradGradElemRefPath)
	covered := map[string]bool{}
	for _, c := range ref.Cases {
		unique(c.Name)
		covered[c.Op] = true
		n := len(c.InputShapes)
		ny := tensor.NumElems(c.OutputShape)
		ok := len(c.Inputs) == n && len(c.Seeds) == n && len(c.Upstream) == ny
		for _, r := range []gradGradElemResult{c.Float64, c.Float32} {
			ok = ok && len(r.Output) == ny && len(r.Grads) == n && len(r.GradGrads) == n && len(r.GradGradUpstream) == ny
			for i := 0; ok && i < n; i++ {
				m := tensor.NumElems(c.InputShapes[i])
				ok = len(c.Inputs[i]) == m && len(c.Seeds[i]) == m && len(r.Grads[i]) == m && len(r.GradGrads[i]) == m
			}
		}
		if !ok {
			t.Fatalf("%s: case %q: the numbers do not fit the shapes %v → %v", gradGradElemRefPath, c.Name, c.InputShapes, c.OutputShape)
		}
		if isAllOnes(c.Upstream) {
			t.Fatalf("%s: case %q: the upstream gradient is all ones", gradGradElemRefPath, c.Name)
		}
	}
	for _, op := range []string{"relu", "leaky_relu", "elu", "tanh", "sigmoid", "exp", "log", "sqrt", "pow", "reshape", "permute", "matmul"} {
		if !covered[op] {
			t.Errorf("%s: no case of %s", gradGradElemRefPath, op)
		}
	}
	return ref
}

// gradGradElemOp returns the op of a reference case, in T.
func gradGradElemOp[T tensor.Float](t *testing.T, c gradGradElemCase) autograd.Op[T] {
	t.Helper()
	param := func() T {
		if c.Param == nil {
			t.Fatalf("case %q: %s needs a param", c.Name, c.Op)
		}
		return T(*c.Param)
	}
	switch c.Op {
	case "relu":
		return &ops.ReLU[T]{}
	case "leaky_relu":
		return &ops.LeakyReLU[T]{Slope: param()}
	case "elu":
		return &ops.ELU[T]{Alpha: param()}
	case "tanh":
		return &ops.Tanh[T]{}
	case "sigmoid":
		return &ops.Sigmoid[T]{}
	case "exp":
		return &ops.Exp[T]{}
	case "log":
		return &ops.Log[T]{}
	case "sqrt":
		return &ops.Sqrt[T]{}
	case "pow":
		return &ops.Pow[T]{P: param()}
	case "reshape":
		return &ops.Reshape[T]{Shape: c.Shape}
	case "permute":
		return &ops.Permute[T]{Axes: c.Axes}
	case "matmul":
		return &ops.MatMul[T]{TransA: c.TransA, TransB: c.TransB}
	}
	t.Fatalf("case %q: unknown op %q", c.Name, c.Op)
	return nil
}

// runGradGradElem computes, in T, what the reference file holds for c: y,
// the first-order gradients F through Grad with CreateGraph (every op's
// BackwardVar), and the gradients of ψ = Σᵢ ⟨vᵢ, Fᵢ⟩ with respect to every
// input and to the upstream gradient, all as float64.
func runGradGradElem[T tensor.Float](t *testing.T, c gradGradElemCase) (y t64, fs, second []t64, secondG t64) {
	tape := autograd.NewTape[T]()
	xs := make([]*autograd.Var[T], len(c.Inputs))
	for i, x := range c.Inputs {
		xs[i] = tape.Param(refTensor[T](x, c.InputShapes[i]))
	}
	yv := autograd.Apply(gradGradElemOp[T](t, c), xs...)
	if !slices.Equal(yv.Shape(), c.OutputShape) {
		t.Fatalf("output of shape %v, PyTorch's is %v", yv.Shape(), c.OutputShape)
	}
	g := tape.Param(refTensor[T](c.Upstream, c.OutputShape))
	first := tape.Grad([]*autograd.Var[T]{yv}, xs, autograd.GradOptions[T]{
		GradOutputs: []*autograd.Var[T]{g}, CreateGraph: true, MaterializeGrads: true})
	var outs, seeds []*autograd.Var[T]
	for i, f := range first {
		fs = append(fs, asFloat64(f.Value()))
		if f.RequiresGrad() {
			outs = append(outs, f)
			seeds = append(seeds, autograd.NewConst(refTensor[T](c.Seeds[i], c.InputShapes[i])))
		}
	}
	wrt := append(slices.Clone(xs), g)
	for _, w := range wrt {
		second = append(second, tensor.New[float64](w.Shape()...))
	}
	if len(outs) > 0 {
		for i, h := range tape.Grad(outs, wrt, autograd.GradOptions[T]{GradOutputs: seeds, MaterializeGrads: true}) {
			second[i] = asFloat64(h.Value())
		}
	}
	return asFloat64(yv.Value()), fs, second[:len(xs)], second[len(xs)]
}

// TestGradGradElemMatchesPyTorch runs every case in float64 and in float32
// and compares the output, the first-order gradients computed by the
// recorded backward pass, and the second-order gradients with PyTorch's in
// the same dtype.
func TestGradGradElemMatchesPyTorch(t *testing.T) {
	ref := loadGradGradElemRef(t)
	for _, dt := range []struct {
		name string
		tol  float64
		run  func(*testing.T, gradGradElemCase) (t64, []t64, []t64, t64)
		want func(gradGradElemCase) gradGradElemResult
	}{
		{"float64", gradGradElemTol64, runGradGradElem[float64], func(c gradGradElemCase) gradGradElemResult { return c.Float64 }},
		{"float32", gradGradElemTol32, runGradGradElem[float32], func(c gradGradElemCase) gradGradElemResult { return c.Float32 }},
	} {
		var worst refWorst
		for _, c := range ref.Cases {
			t.Run(dt.name+"/"+c.Name, func(t *testing.T) {
				want := dt.want(c)
				y, fs, second, secondG := dt.run(t, c)
				worst.value = max(worst.value, compareRef(t, "output", y, c.OutputShape, want.Output, dt.tol))
				for i := range fs {
					worst.grad = max(worst.grad, compareRef(t, fmt.Sprintf("F%d = ∂⟨g, y⟩/∂x%d", i, i), fs[i], c.InputShapes[i], want.Grads[i], dt.tol))
					worst.grad = max(worst.grad, compareRef(t, fmt.Sprintf("∂ψ/∂x%d", i), second[i], c.InputShapes[i], want.GradGrads[i], dt.tol))
				}
				worst.grad = max(worst.grad, compareRef(t, "∂ψ/∂g", secondG, c.OutputShape, want.GradGradUpstream, dt.tol))
			})
		}
		t.Logf("%s: %d cases from PyTorch %s; largest |tapegrad − torch|: %.3g in values, %.3g in gradients of both orders",
			dt.name, len(ref.Cases), ref.TorchVersion, worst.value, worst.grad)
	}
}

// powDerivatives returns xᴾ and its first three derivatives at x through
// Grad with CreateGraph, each seeded with 1; nil past a derivative that
// no longer depends on x (a zero that cannot be differentiated again).
func powDerivatives[T tensor.Float](p, x T) []*T {
	tape := autograd.NewTape[T]()
	xv := tape.Param(tensor.FromSlice([]T{x}, 1))
	d := autograd.Apply[T](&ops.Pow[T]{P: p}, xv)
	out := []*T{&d.Value().Data()[0]}
	for range 3 {
		if !d.RequiresGrad() {
			out = append(out, nil)
			continue
		}
		d = tape.Grad([]*autograd.Var[T]{d}, []*autograd.Var[T]{xv}, autograd.GradOptions[T]{CreateGraph: true, MaterializeGrads: true})[0]
		out = append(out, &d.Value().Data()[0])
	}
	return out
}

// TestPowHigherOrderAtZero pins xᴾ and its derivatives up to the third at
// x = +0 and −0, signs of zeros and infinities included, to what
// torch.autograd.grad(create_graph=True) gives in float64 and float32
// (PyTorch 1.13): P·xᴾ⁻¹ with a Pow at every order, 0 for P = 0.
func TestPowHigherOrderAtZero(t *testing.T) {
	inf, nz := math.Inf(1), math.Copysign(0, -1)
	none := math.NaN() // torch: no gradient (the derivative before is a constant)
	for _, c := range []struct {
		p, x float64
		want [4]float64 // y, dy/dx, d²y/dx², d³y/dx³
	}{
		{2, 0, [4]float64{0, 0, 2, 0}},
		{2, nz, [4]float64{0, nz, 2, 0}},
		{3, 0, [4]float64{0, 0, 0, 6}},
		{3, nz, [4]float64{nz, 0, nz, 6}},
		{0.5, 0, [4]float64{0, inf, -inf, inf}},
		{0.5, nz, [4]float64{nz, -inf, -inf, inf}},
		{1, 0, [4]float64{0, 1, 0, none}},
		{0, 0, [4]float64{1, 0, none, none}},
		{-1, nz, [4]float64{-inf, -inf, -inf, -inf}},
	} {
		for _, dt := range []struct {
			name string
			run  func(p, x float64) []*float64
		}{
			{"float64", func(p, x float64) []*float64 { return powDerivatives(p, x) }},
			{"float32", func(p, x float64) []*float64 {
				var out []*float64
				for _, d := range powDerivatives(float32(p), float32(x)) {
					if d == nil {
						out = append(out, nil)
						continue
					}
					v := float64(*d)
					out = append(out, &v)
				}
				return out
			}},
		} {
			got := dt.run(c.p, c.x)
			for k, w := range c.want {
				switch {
				case math.IsNaN(w) && got[k] != nil:
					t.Errorf("%s: P = %v at x = %v: derivative %d is %v, want none (it is a constant)", dt.name, c.p, c.x, k, *got[k])
				case math.IsNaN(w):
				case got[k] == nil:
					t.Errorf("%s: P = %v at x = %v: derivative %d is missing, want %v", dt.name, c.p, c.x, k, w)
				case *got[k] != w || math.Signbit(*got[k]) != math.Signbit(w):
					t.Errorf("%s: P = %v at x = %v: derivative %d is %v, want %v", dt.name, c.p, c.x, k, *got[k], w)
				}
			}
		}
	}
}

// TestELUGradGradLargeInput checks that ELU's recorded backward pass takes
// no eˣ of a large positive x: at x = 800, where e⁸⁰⁰ overflows, the second
// derivative is exactly 0 (not the NaN of 0·Inf), and at x = −800 it is
// α·e⁻⁸⁰⁰·dy = 0 too.
func TestELUGradGradLargeInput(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec([]float64{800, -800, -0.5}))
	y := autograd.Apply[float64](&ops.ELU[float64]{Alpha: 1.5}, x)
	g := tape.Param(vec([]float64{2, 3, 4}))
	dx := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{g}, CreateGraph: true})[0]
	assertTensor(t, "dx", dx.Value(), []int{3}, []float64{2, 0, 4 * 1.5 * math.Exp(-0.5)}, 1e-15)
	h := tape.Grad([]*autograd.Var[float64]{dx}, []*autograd.Var[float64]{x, g}, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{autograd.NewConst(tensor.Ones[float64](3))}})
	assertFinite(t, "d²/dx²", h[0].Value().Data())
	assertExactZero(t, "d²/dx² at ±800", h[0].Value().Data()[:2])
	assertTensor(t, "d²/dx² at −0.5", h[0].Value(), []int{3}, []float64{0, 0, 4 * 1.5 * math.Exp(-0.5)}, 1e-15)
	assertTensor(t, "d²/dx dg", h[1].Value(), []int{3}, []float64{1, 0, 1.5 * math.Exp(-0.5)}, 1e-15)
}

// TestPiecewiseGradVarInfiniteSeed checks that ReLU, LeakyReLU and ELU's
// recorded backward passes give the first-order pass's gradient when the
// upstream gradient holds ±Inf and NaN: an infinity off ReLU's branch gives
// an exact 0, not NaN, as torch's threshold_backward.
func TestPiecewiseGradVarInfiniteSeed(t *testing.T) {
	inf := math.Inf(1)
	x := vec([]float64{-1, 2, -3, 4, -5, 6})
	seed := vec([]float64{inf, inf, -inf, math.NaN(), math.NaN(), 1})
	for _, c := range []struct {
		name string
		mk   func() autograd.Op[float64]
		want []float64
	}{
		{"ReLU", func() autograd.Op[float64] { return &ops.ReLU[float64]{} }, []float64{0, inf, 0, math.NaN(), 0, 1}},
		{"LeakyReLU", func() autograd.Op[float64] { return &ops.LeakyReLU[float64]{Slope: 0.5} }, []float64{inf, inf, -inf, math.NaN(), math.NaN(), 1}},
		{"ELU", func() autograd.Op[float64] { return &ops.ELU[float64]{Alpha: 1} }, []float64{inf, inf, -inf, math.NaN(), math.NaN(), 1}},
	} {
		for _, create := range []bool{false, true} {
			tape := autograd.NewTape[float64]()
			xv := tape.Param(x.Clone())
			y := autograd.Apply(c.mk(), xv)
			got := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{xv}, autograd.GradOptions[float64]{
				GradOutputs: []*autograd.Var[float64]{tape.Param(seed.Clone())}, CreateGraph: create})[0].Value().Data()
			for i, w := range c.want {
				if !same(got[i], w) {
					t.Errorf("%s (CreateGraph %v): element %d of the gradient is %v, want %v", c.name, create, i, got[i], w)
				}
			}
		}
	}
}

// TestReLUGradVarSavesMask checks that the tape counts the mask the
// recorded backward pass of ReLU keeps, a byte per element, beside ReLU's
// output.
func TestReLUGradVarSavesMask(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec([]float64{-1, 2, -3, 4, -5, 6}, 2, 3))
	y := autograd.Apply[float64](&ops.ReLU[float64]{}, x)
	before := tape.SavedBytes()
	tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{tape.Param(tensor.Ones[float64](2, 3))}, CreateGraph: true})
	if before != 6*8 {
		t.Errorf("ReLU keeps %d bytes, want its output's 48", before)
	}
	if got := tape.SavedBytes() - before; got != 6 {
		t.Errorf("the recorded backward pass keeps %d bytes, want 6 (the mask)", got)
	}
}

// TestThirdOrder checks third-order gradients: GradGradCheck of
// f(x) = ∂⟨w, u(x)³⟩/∂x, itself a gradient taken with CreateGraph, for
// element-wise ops u and for a product u(a, b) = a·b.
func TestThirdOrder(t *testing.T) {
	r := rng(17)
	cube := func(y *autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Apply[float64](&ops.Pow[float64]{P: 3}, y)
	}
	// gradOf returns ∂⟨w, y⟩/∂x₀, recorded, for a fixed random w.
	gradOf := func(y *autograd.Var[float64], x *autograd.Var[float64]) *autograd.Var[float64] {
		w := autograd.NewConst(randn(rng(5), y.Shape()...))
		return y.Tape().Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{
			GradOutputs: []*autograd.Var[float64]{w}, CreateGraph: true})[0]
	}
	for _, c := range []struct {
		name string
		mk   func() autograd.Op[float64]
		x    t64
	}{
		{"Tanh", func() autograd.Op[float64] { return &ops.Tanh[float64]{} }, randn(r, 2, 3)},
		{"Sigmoid", func() autograd.Op[float64] { return &ops.Sigmoid[float64]{} }, randn(r, 2, 3)},
		{"Exp", func() autograd.Op[float64] { return &ops.Exp[float64]{} }, randn(r, 2, 3)},
		{"Log", func() autograd.Op[float64] { return &ops.Log[float64]{} }, randPos(r, 0.5, 2, 4)},
		{"Sqrt", func() autograd.Op[float64] { return &ops.Sqrt[float64]{} }, randPos(r, 0.5, 2, 4)},
		{"ELU", func() autograd.Op[float64] { return &ops.ELU[float64]{Alpha: 0.7} }, randAway(r, 0.1, 2, 3)},
		{"Pow-1.5", func() autograd.Op[float64] { return &ops.Pow[float64]{P: -1.5} }, randPos(r, 0.5, 2, 4)},
	} {
		f := func(x vars64) *autograd.Var[float64] { return gradOf(cube(autograd.Apply(c.mk(), x[0])), x[0]) }
		if err := gradtest.GradGradCheck(f, []t64{c.x}, nil); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	for _, c := range []struct {
		a, b   []int
		ta, tb bool
	}{
		{[]int{2, 3}, []int{3, 4}, false, false},
		{[]int{3, 2}, []int{2, 4, 3}, true, true},
		{[]int{3}, []int{2, 3, 2}, false, false},
	} {
		f := func(x vars64) *autograd.Var[float64] {
			y := autograd.Apply[float64](&ops.MatMul[float64]{TransA: c.ta, TransB: c.tb}, x[0], x[1])
			return gradOf(cube(y), x[0])
		}
		if err := gradtest.GradGradCheck(f, []t64{randn(r, c.a...), randn(r, c.b...)}, nil); err != nil {
			t.Errorf("MatMul %s, ta=%v, tb=%v: %v", shapeName(c.a, c.b), c.ta, c.tb, err)
		}
	}
}
