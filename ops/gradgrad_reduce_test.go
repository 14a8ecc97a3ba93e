package ops_test

// Second-order gradients of the reductions, LogSumExp, LogSoftmax and
// Gather (their BackwardVar) beyond PyTorch's numbers
// (reference_gradgrad_test.go): any order for the selections (Max, Min,
// Gather and Scatter), the edges where the differentiable backward must
// give Backward's exact zeros, and Var and Std in float32 far from 0.

import (
	"math"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// gradOf returns ∂⟨seed, y⟩/∂wrt through Grad, recording the pass when
// create is set.
func gradOf(y, seed *autograd.Var[float64], create bool, wrt ...*autograd.Var[float64]) []*autograd.Var[float64] {
	return y.Tape().Grad([]*autograd.Var[float64]{y}, wrt, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{seed}, CreateGraph: create, MaterializeGrads: true})
}

// TestSelectionsAnyOrder differentiates Max's and Gather's backward passes
// to the fourth order: each is linear in its upstream gradient, Scatter
// and Gather in turn (Max.BackwardVar scatters, Scatter's backward
// gathers, Gather's scatters), with exact values at every order and zero
// derivatives with respect to x.
func TestSelectionsAnyOrder(t *testing.T) {
	x0 := vec([]float64{
		0.5, 2, -1, 0,
		3, -2, 1, 0.25,
		-4, -3, -0.5, -1,
	}, 3, 4)
	for _, c := range []struct {
		name string
		op   func() autograd.Op[float64]
		idx  []int // the column each row selects
	}{
		{"Max", func() autograd.Op[float64] { return &ops.Max[float64]{Axis: 1} }, []int{1, 0, 2}},
		{"Min", func() autograd.Op[float64] { return &ops.Min[float64]{Axis: -1} }, []int{2, 1, 0}},
		{"Gather", func() autograd.Op[float64] { return &ops.Gather[float64]{Index: []int{3, 3, 0}} }, []int{3, 3, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tape := autograd.NewTape[float64]()
			x := tape.Param(x0.Clone())
			g := tape.Param(vec([]float64{1.5, -2, 3}))
			u := tape.Param(vec([]float64{
				1, 2, 3, 4,
				5, 6, 7, 8,
				9, 10, 11, 12,
			}, 3, 4))
			w := tape.Param(vec([]float64{-1, 0.5, 2}))
			z := vec([]float64{
				0.1, 0.2, 0.3, 0.4,
				0.5, 0.6, 0.7, 0.8,
				0.9, 1.0, 1.1, 1.2,
			}, 3, 4)
			scatter := func(s []float64) []float64 {
				out := make([]float64, 12)
				for i, k := range c.idx {
					out[4*i+k] = s[i]
				}
				return out
			}
			gather := func(s []float64) []float64 {
				out := make([]float64, 3)
				for i, k := range c.idx {
					out[i] = s[4*i+k]
				}
				return out
			}
			y := autograd.Apply(c.op(), x)
			// First order: F = scatter(g), recorded.
			a := gradOf(y, g, true, x)[0]
			assertTensor(t, "∂⟨g, y⟩/∂x", a.Value(), []int{3, 4}, scatter(g.Value().Data()), 0)
			// Second order, with a seed u that requires a gradient: ∂⟨u, F⟩/∂g = gather(u), and 0 for x.
			b := gradOf(a, u, true, g, x)
			assertTensor(t, "∂⟨u, F⟩/∂g", b[0].Value(), []int{3}, gather(u.Value().Data()), 0)
			assertExactZero(t, "∂⟨u, F⟩/∂x", b[1].Value().Data())
			// Third order: ∂⟨w, gather(u)⟩/∂u = scatter(w).
			cu := gradOf(b[0], w, true, u)[0]
			assertTensor(t, "third order", cu.Value(), []int{3, 4}, scatter(w.Value().Data()), 0)
			// Fourth order: ∂⟨z, scatter(w)⟩/∂w = gather(z).
			d := gradOf(cu, autograd.NewConst(z), false, w)[0]
			assertTensor(t, "fourth order", d.Value(), []int{3}, gather(z.Data()), 0)
		})
	}
}

// TestGradGradEdgesMatchBackward: where Backward gives exact zeros that the
// plain formula would not — LogSumExp's all −Inf rows, Std's σ = 0, the
// elements that are not maxima for Amax with NaNTies under an infinite
// upstream gradient — BackwardVar gives the same values (exact zeros, NaN
// and infinities where Backward has them, the rest to rounding), and the
// second-order pass stays free of NaN there: the other slices get exactly
// what they get alone.
func TestGradGradEdgesMatchBackward(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		name      string
		op        func() autograd.Op[float64]
		x, g      t64
		alone     []int // the elements of x (a row) computed alone as well, or nil
		aloneRows []int // the output elements of that row
	}{
		{"LogSumExp all −Inf row", func() autograd.Op[float64] { return &ops.LogSumExp[float64]{Axis: 1} },
			vec([]float64{-inf, -inf, -inf, 0.5, -1, 2}, 2, 3), vec([]float64{1.5, -0.5}), []int{3, 4, 5}, []int{1}},
		{"LogSumExp all −Inf column", func() autograd.Op[float64] { return &ops.LogSumExp[float64]{Axis: 0, KeepDims: true} },
			vec([]float64{-inf, 0.5, -inf, -1}, 2, 2), vec([]float64{2, -3}, 1, 2), nil, nil},
		{"Std σ = 0", func() autograd.Op[float64] { return &ops.Std[float64]{Axes: []int{1}, Correction: 1} },
			vec([]float64{0.1, 0.1, 0.1, 1, 2, 4}, 2, 3), vec([]float64{-2, 0.5}), []int{3, 4, 5}, []int{1}},
		{"Amax NaNTies, infinite upstream", func() autograd.Op[float64] { return &ops.Amax[float64]{NaNTies: true} },
			vec([]float64{1, math.NaN(), 3, math.NaN()}, 2, 2), tensor.Scalar(inf), nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			tape := autograd.NewTape[float64]()
			x := tape.Param(c.x.Clone())
			g := tape.Param(c.g.Clone())
			y := autograd.Apply(c.op(), x)
			got := gradOf(y, g, true, x)[0]
			want := gradOf(y, autograd.NewConst(c.g), false, x)[0]
			if !slices.EqualFunc(got.Value().Data(), want.Value().Data(), closeValue) {
				t.Errorf("BackwardVar gives %v, Backward %v", got.Value().Data(), want.Value().Data())
			}
			v := tensor.FromSlice([]float64{0.3, -0.7, 1.1, 0.2, -0.4, 0.9}[:c.x.Size()], c.x.Shape()...)
			h := gradOf(got, autograd.NewConst(v), false, x, g)
			if c.alone == nil {
				for _, hh := range h {
					if slices.ContainsFunc(hh.Value().Data(), math.IsNaN) && !slices.ContainsFunc(c.x.Data(), math.IsNaN) {
						t.Errorf("second order has NaN: %v", hh.Value().Data())
					}
				}
				return
			}
			// Elsewhere than the slice alone, exactly 0; on it, what it gets alone.
			ta := autograd.NewTape[float64]()
			pick := func(s []float64, at []int) []float64 {
				out := make([]float64, len(at))
				for i, k := range at {
					out[i] = s[k]
				}
				return out
			}
			xa := ta.Param(vec(pick(c.x.Data(), c.alone), 1, len(c.alone)))
			ga := ta.Param(vec(pick(c.g.Data(), c.aloneRows), 1))
			ya := autograd.Apply(c.op(), xa)
			fa := gradOf(ya, ga, true, xa)[0]
			ha := gradOf(fa, autograd.NewConst(vec(pick(v.Data(), c.alone), 1, len(c.alone))), false, xa, ga)
			for i, s := range []struct {
				got, alone []float64
				at         []int
			}{{h[0].Value().Data(), ha[0].Value().Data(), c.alone}, {h[1].Value().Data(), ha[1].Value().Data(), c.aloneRows}} {
				for k, gv := range s.got {
					j := slices.Index(s.at, k)
					switch {
					case j < 0 && gv != 0:
						t.Errorf("second order %d: element %d is %v, want 0", i, k, gv)
					case j >= 0 && !sameValue(gv, s.alone[j]):
						t.Errorf("second order %d: element %d is %v, alone %v", i, k, gv, s.alone[j])
					}
				}
			}
		})
	}
}

// closeValue reports whether a and b are both 0, both NaN, the same
// infinity or within 1e-14 of each other relatively: the same number up to
// the rounding of a different order of operations.
func closeValue(a, b float64) bool {
	return sameValue(a, b) || math.Abs(a-b) <= 1e-14*max(math.Abs(a), math.Abs(b))
}

// sameValue reports whether a equals b, NaN equal to NaN (and −0 to 0).
func sameValue(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// TestVarStdBackwardVarFloat32Offset: for float32 inputs far from 0 (1000
// plus N(0, 1)), the differentiable backward passes of Var and Std agree
// with Backward, which refines the mean in float64, to 1e-6 of the largest
// gradient: BackwardVar centers the input twice. Centered once, with the
// mean rounded to float32, they differ by about 3e-5.
func TestVarStdBackwardVarFloat32Offset(t *testing.T) {
	x64 := randn(rng(73), 3, 8)
	for i := range x64.Data() {
		x64.Data()[i] += 1000
	}
	for _, c := range []struct {
		name string
		op   func() autograd.Op[float32]
	}{
		{"Var", func() autograd.Op[float32] { return &ops.Var[float32]{Axes: []int{1}, Correction: 1} }},
		{"Std", func() autograd.Op[float32] { return &ops.Std[float32]{Axes: []int{1}} }},
		{"Var all axes", func() autograd.Op[float32] { return &ops.Var[float32]{Correction: 1} }},
	} {
		tape := autograd.NewTape[float32]()
		x := tape.Param(to32(x64))
		y := autograd.Apply(c.op(), x)
		g := autograd.NewConst(tensor.Ones[float32](y.Shape()...))
		grad := func(create bool) []float32 {
			return tape.Grad([]*autograd.Var[float32]{y}, []*autograd.Var[float32]{x}, autograd.GradOptions[float32]{
				GradOutputs: []*autograd.Var[float32]{g}, CreateGraph: create})[0].Value().Data()
		}
		got, want := grad(true), grad(false)
		scale := 0.0
		for _, w := range want {
			scale = max(scale, math.Abs(float64(w)))
		}
		for i, w := range want {
			if d := math.Abs(float64(got[i] - w)); !(d <= 1e-6*scale) {
				t.Errorf("%s: element %d: BackwardVar gives %v, Backward %v", c.name, i, got[i], w)
			}
		}
	}
}
