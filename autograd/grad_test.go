package autograd_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// The tests of Tape.Grad use the arithmetic ops of package functional, which
// have a differentiable backward (BackwardVar), and the small ops below.

// identOp is the identity, with the behaviour of its backward chosen by the
// test: panic when called (it must not be), a nil (zero) gradient, or a
// BackwardVar that breaks the contract.
type identOp struct {
	backward string // "", "panic", "nil", "wrongShape", "tooMany"
}

func (*identOp) Name() string { return "ident" }
func (*identOp) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	return in[0].Clone()
}
func (*identOp) Saved() []*tensor.Tensor[float64] { return nil }

func (op *identOp) Backward(dy *tensor.Tensor[float64], _ []bool) []*tensor.Tensor[float64] {
	switch op.backward {
	case "panic":
		panic("ident: Backward called")
	case "nil":
		return []*tensor.Tensor[float64]{nil}
	}
	return []*tensor.Tensor[float64]{dy}
}

func (op *identOp) BackwardVar(_ []*autograd.Var[float64], _, dy *autograd.Var[float64], _ []bool) []*autograd.Var[float64] {
	switch op.backward {
	case "panic":
		panic("ident: BackwardVar called")
	case "nil":
		return []*autograd.Var[float64]{nil}
	case "wrongShape":
		return []*autograd.Var[float64]{autograd.NewConst(tensor.New[float64](7))}
	case "tooMany":
		return []*autograd.Var[float64]{dy, dy}
	}
	return []*autograd.Var[float64]{dy}
}

func ident(x *autograd.Var[float64], backward string) *autograd.Var[float64] {
	return autograd.Apply[float64](&identOp{backward: backward}, x)
}

// total sums every element into a scalar with SumToSize, whose backward is
// differentiable.
func total(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.SumToSize(x) }

func values(v *autograd.Var[float64]) []float64 {
	if v == nil {
		return nil
	}
	return v.Value().Data()
}

// close reports whether got and want agree to rtol relative to want (and
// 1e-300 absolute, so that exact zeros compare).
func close(got, want []float64, rtol float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !(math.Abs(got[i]-want[i]) <= rtol*math.Abs(want[i])+1e-300) {
			return false
		}
	}
	return true
}

func checkGrad(t *testing.T, what string, got *autograd.Var[float64], want []float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nil, want %v", what, want)
		return
	}
	if !close(values(got), want, 1e-12) {
		t.Errorf("%s = %v, want %v", what, values(got), want)
	}
}

// both runs f without and with CreateGraph: the first-order pass (Backward)
// and the recorded one (BackwardVar) must give the same numbers.
func both(t *testing.T, f func(t *testing.T, create bool)) {
	t.Run("first-order", func(t *testing.T) { f(t, false) })
	t.Run("CreateGraph", func(t *testing.T) { f(t, true) })
}

// With y = Σ x³ written as Σ (x⊙x)⊙x and h = x⊙x: ∂y/∂x = 3x² along every
// path (the one through h included), ∂y/∂h = x. An intermediate input does
// not stop the pass when a leaf below it is also an input, and with h alone
// the pass stops at h.
func TestGradLeafAndIntermediateInputs(t *testing.T) {
	both(t, func(t *testing.T, create bool) {
		tape := autograd.NewTape[float64]()
		x := tape.Param(vec(1, -2, 3))
		h := functional.Mul(x, x)
		y := total(functional.Mul(h, x))
		o := autograd.GradOptions[float64]{CreateGraph: create}
		g := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x, h}, o)
		checkGrad(t, "∂y/∂x", g[0], []float64{3, 12, 27})
		checkGrad(t, "∂y/∂h", g[1], []float64{1, -2, 3})
		if g[0].RequiresGrad() != create {
			t.Errorf("∂y/∂x requires a gradient: %t, want %t", g[0].RequiresGrad(), create)
		}
		g = tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{h}, o)
		checkGrad(t, "∂y/∂h alone", g[0], []float64{1, -2, 3})

		// A parameter off the tape, and a Tape.Input that requires none.
		w := autograd.NewParam(vec(0.5, 2))
		a := tape.Input(vec(3, -4))
		loss := total(functional.Mul(functional.Mul(a, w), w)) // Σ a⊙w²
		g = tape.Grad([]*autograd.Var[float64]{loss}, []*autograd.Var[float64]{w}, o)
		checkGrad(t, "∂loss/∂w", g[0], []float64{3, -16})
		// An output that is itself an input gets its seed: ∂x/∂x = 1.
		s := tape.Param(vec(4))
		g = tape.Grad([]*autograd.Var[float64]{s}, []*autograd.Var[float64]{s}, o)
		checkGrad(t, "∂s/∂s", g[0], []float64{1})
	})
}

// Seeds weight the outputs: with y₁ = x⊙x, y₂ = 3x and a scalar y₃ = Σ x,
// Grad of L = ⟨g₁, y₁⟩ + ⟨g₂, y₂⟩ + y₃ is 2x⊙g₁ + 3g₂ + 1. The seeds are
// not modified.
func TestGradSeveralOutputsAndSeeds(t *testing.T) {
	both(t, func(t *testing.T, create bool) {
		tape := autograd.NewTape[float64]()
		x := tape.Param(vec(1, -2))
		y1, y2, y3 := functional.Mul(x, x), functional.Scale(x, 3), total(x)
		g1, g2 := vec(10, 20), vec(-1, 0.5)
		g := tape.Grad([]*autograd.Var[float64]{y1, y2, y3}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{
			GradOutputs: []*autograd.Var[float64]{autograd.NewConst(g1), autograd.NewConst(g2), nil},
			CreateGraph: create,
		})
		checkGrad(t, "∂L/∂x", g[0], []float64{2*10 - 3 + 1, -4*20 + 1.5 + 1})
		if diff := cmp.Diff([]float64{10, 20, -1, 0.5}, append(g1.Data(), g2.Data()...)); diff != "" {
			t.Errorf("seeds modified (-want +got):\n%s", diff)
		}
		// An output computed from another output: y₄ = y₁⊙x.
		y4 := functional.Mul(y1, x)
		g = tape.Grad([]*autograd.Var[float64]{y1, y4}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{
			GradOutputs: []*autograd.Var[float64]{autograd.NewConst(vec(1, 1)), autograd.NewConst(vec(2, 2))},
			CreateGraph: create,
		})
		checkGrad(t, "∂(Σy₁ + 2Σx³)/∂x", g[0], []float64{2 + 6, -4 + 24})
	})
}

// A seed that requires a gradient: with CreateGraph the result is linear in
// it and can be differentiated with respect to it (the double-backward
// trick behind Jacobian–vector products); without, the result is a constant.
func TestGradSeedThatRequiresGrad(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec(1, -2, 3))
	y := functional.Mul(functional.Mul(x, x), x) // x³, J = diag(3x²)
	d := tape.Param(vec(0, 0, 0))                // a dummy seed
	g := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{d}, CreateGraph: true})
	checkGrad(t, "Jᵀd", g[0], []float64{0, 0, 0})
	if !g[0].RequiresGrad() {
		t.Fatal("Jᵀd requires no gradient")
	}
	u := vec(1, 10, 100)
	ju := tape.Grad(g, []*autograd.Var[float64]{d}, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{autograd.NewConst(u)}})
	checkGrad(t, "J·u", ju[0], []float64{3, 120, 2700})

	// With a nonzero seed e, ∂⟨Jᵀe, u⟩/∂x = diag(6x⊙e)·u.
	e := tape.Param(vec(1, 2, -1))
	g = tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{e}, CreateGraph: true})
	hx := tape.Grad(g, []*autograd.Var[float64]{x, e}, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{autograd.NewConst(u)}})
	checkGrad(t, "∂⟨Jᵀe, u⟩/∂x", hx[0], []float64{6, -240, -1800})
	checkGrad(t, "∂⟨Jᵀe, u⟩/∂e", hx[1], []float64{3, 120, 2700})

	g = tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{e}})
	if g[0].RequiresGrad() {
		t.Error("without CreateGraph the result requires a gradient")
	}
	checkGrad(t, "Jᵀe", g[0], []float64{3, 24, -27})
}

// An output computed from parameters alone is pending: Grad records its
// history on the tape first, as Backward does.
func TestGradPendingOutput(t *testing.T) {
	both(t, func(t *testing.T, create bool) {
		tape := autograd.NewTape[float64]()
		w := autograd.NewParam(vec(2, -3))
		y := total(functional.Mul(w, w))
		if y.Tape() != nil {
			t.Fatal("the output is not pending")
		}
		g := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{w}, autograd.GradOptions[float64]{CreateGraph: create})
		checkGrad(t, "∂Σw²/∂w", g[0], []float64{4, -6})
		if y.Tape() != tape || tape.Len() < 2 {
			t.Errorf("after Grad the output lives on %p (tape %p) with %d nodes recorded", y.Tape(), tape, tape.Len())
		}
		if create {
			h := tape.Grad(g, []*autograd.Var[float64]{w}, autograd.GradOptions[float64]{
				GradOutputs: []*autograd.Var[float64]{autograd.NewConst(vec(1, 1))}})
			checkGrad(t, "diag(H)", h[0], []float64{2, 2})
		}
	})
}

// An input given twice gets its gradient at both places.
func TestGradDuplicatedInputs(t *testing.T) {
	both(t, func(t *testing.T, create bool) {
		tape := autograd.NewTape[float64]()
		x := tape.Param(vec(1, 2))
		h := functional.Mul(x, x)
		y := total(functional.Add(h, x))
		g := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x, h, x, h}, autograd.GradOptions[float64]{CreateGraph: create})
		for k, want := range [][]float64{{3, 5}, {1, 1}, {3, 5}, {1, 1}} {
			checkGrad(t, "gradient "+string(rune('0'+k)), g[k], want)
		}
	})
}

// An input the outputs do not depend on panics, gives nil with AllowUnused
// and zeros with MaterializeGrads. An input that a path reaches, through an
// op that returns no gradient for it (a zero), gets zeros in every case.
func TestGradUnusedInputs(t *testing.T) {
	both(t, func(t *testing.T, create bool) {
		tape := autograd.NewTape[float64]()
		x := tape.Param(vec(1, 2))
		z := tape.Param(vec(5, 6, 7))
		w := autograd.NewParam(vec(8))
		y := total(functional.Mul(x, x))
		in := []*autograd.Var[float64]{x, z, w}
		testutil.MustPanic(t, func() {
			tape.Grad([]*autograd.Var[float64]{y}, in, autograd.GradOptions[float64]{CreateGraph: create})
		}, "autograd: Grad: input 1 is not used by the outputs' computation (set AllowUnused to get nil, or MaterializeGrads for zeros)")

		g := tape.Grad([]*autograd.Var[float64]{y}, in, autograd.GradOptions[float64]{CreateGraph: create, AllowUnused: true})
		checkGrad(t, "∂y/∂x", g[0], []float64{2, 4})
		if g[1] != nil || g[2] != nil {
			t.Errorf("AllowUnused: %v and %v, want nil", g[1], g[2])
		}
		g = tape.Grad([]*autograd.Var[float64]{y}, in, autograd.GradOptions[float64]{CreateGraph: create, MaterializeGrads: true})
		checkGrad(t, "materialized ∂y/∂z", g[1], []float64{0, 0, 0})
		checkGrad(t, "materialized ∂y/∂w", g[2], []float64{0})

		// Reached through an op whose backward returns nil: used, zero.
		y2 := total(ident(z, "nil"))
		g = tape.Grad([]*autograd.Var[float64]{y2}, []*autograd.Var[float64]{z}, autograd.GradOptions[float64]{CreateGraph: create})
		checkGrad(t, "zero gradient through a nil", g[0], []float64{0, 0, 0})
	})
}

// Grad returns gradients and accumulates none: no Var's Grad changes, be it
// a leaf that already has one, a leaf that has none, or a retained
// intermediate.
func TestGradLeavesVarGradAlone(t *testing.T) {
	both(t, func(t *testing.T, create bool) {
		tape := autograd.NewTape[float64]()
		x := tape.Param(vec(1, 2))
		w := autograd.NewParam(vec(3, 4))
		h := functional.Mul(x, w)
		h.RetainGrad()
		y := total(functional.Mul(h, h))
		tape.Backward(total(x)) // x.Grad() = (1, 1)
		tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x, w, h}, autograd.GradOptions[float64]{CreateGraph: create})
		if diff := cmp.Diff([]float64{1, 1}, grad(t, x)); diff != "" {
			t.Errorf("x.Grad() changed (-want +got):\n%s", diff)
		}
		if w.Grad() != nil || h.Grad() != nil || y.Grad() != nil {
			t.Errorf("Grad set gradients: w %v, h %v, y %v", w.Grad(), h.Grad(), y.Grad())
		}
	})
}

// On a tape that reuses buffers, Grad's results are right until Reset; a
// later Backward on the same tape works, and the next step, after Reset,
// gives the same numbers again.
func TestGradReuseBuffers(t *testing.T) {
	both(t, func(t *testing.T, create bool) {
		w := autograd.NewParam(vec(1, -2, 0.5))
		tape := autograd.NewTape[float64]()
		tape.ReuseBuffers(true)
		for step := range 3 {
			tape.Reset()
			w.ZeroGrad()
			a := tape.Input(vec(2, 3, 4))
			loss := total(functional.Mul(functional.Mul(a, w), w)) // Σ a⊙w², ∇ = 2a⊙w
			g := tape.Grad([]*autograd.Var[float64]{loss}, []*autograd.Var[float64]{w}, autograd.GradOptions[float64]{CreateGraph: create})
			checkGrad(t, "∇", g[0], []float64{4, -12, 4})
			if create {
				// Backward of ⟨∇, 1⟩ = Σ 2a⊙w: w.Grad() = 2a.
				tape.Backward(total(g[0]))
				if diff := cmp.Diff([]float64{4, 6, 8}, grad(t, w)); diff != "" {
					t.Errorf("step %d: Backward of the gradient (-want +got):\n%s", step, diff)
				}
				continue
			}
			tape.Backward(loss)
			if diff := cmp.Diff([]float64{4, -12, 4}, grad(t, w)); diff != "" {
				t.Errorf("step %d: Backward after Grad (-want +got):\n%s", step, diff)
			}
		}
	})
}

// With recording off (torch.no_grad), CreateGraph records nothing: the
// results hold the right numbers and require no gradient.
func TestGradCreateGraphWithRecordingOff(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec(1, -2))
	y := total(functional.Mul(functional.Mul(x, x), x))
	n := tape.Len()
	was := tape.SetGradEnabled(false)
	g := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{CreateGraph: true})
	tape.SetGradEnabled(was)
	checkGrad(t, "3x²", g[0], []float64{3, 12})
	if g[0].RequiresGrad() || tape.Len() != n {
		t.Errorf("recording off: result requires a gradient %t, tape grew from %d to %d nodes", g[0].RequiresGrad(), n, tape.Len())
	}
	g = tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{CreateGraph: true})
	if !g[0].RequiresGrad() || tape.Len() == n {
		t.Errorf("recording on: result requires a gradient %t, tape has %d nodes (%d before)", g[0].RequiresGrad(), tape.Len(), n)
	}
}

// Anomaly detection: on a stopped tape Grad computes nothing; a non-finite
// gradient found by Grad stops the tape, names the op, and Grad returns nil
// for every input, as does a non-finite value computed inside a recorded
// backward pass even when the gradient it leads to is finite.
func TestGradAnomaly(t *testing.T) {
	t.Run("stopped tape", func(t *testing.T) {
		tape := autograd.NewTape[float64]()
		tape.SetDetectAnomaly(true)
		x := tape.Param(vec(0, 1))
		y := total(functional.Div(x, x)) // 0/0
		if tape.Err() == nil {
			t.Fatal("no anomaly")
		}
		g := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{})
		if len(g) != 1 || g[0] != nil {
			t.Errorf("Grad on a stopped tape returned %v", g)
		}
	})
	both(t, func(t *testing.T, create bool) {
		tape := autograd.NewTape[float64]()
		tape.SetDetectAnomaly(true)
		x := tape.Param(vec(1e-200, 4))
		// Σ 1/x is finite; its gradient −1/x² overflows to −Inf at 1e-200:
		// in Div's Backward, or, with CreateGraph, in the Mul of its
		// recorded backward, −(dy/x)·y, the first non-finite value.
		y := total(functional.Div(autograd.NewConst(vec(1, 1)), x))
		if tape.Err() != nil {
			t.Fatalf("forward reported %v", tape.Err())
		}
		n := tape.Len()
		g := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{CreateGraph: create})
		if g[0] != nil {
			t.Errorf("Grad stopped by an anomaly returned %v", values(g[0]))
		}
		a := anomaly(t, tape.Err())
		want := autograd.AnomalyError{Op: "Div", Node: 0, Phase: "backward", Input: 1, InputShapes: [][]int{{2}, {2}}}
		if create {
			want = autograd.AnomalyError{Op: "Mul", Node: n + 1, Phase: "forward", Input: -1, InputShapes: [][]int{{2}, {2}}}
		}
		if diff := cmp.Diff(want, *a); diff != "" {
			t.Errorf("anomaly (-want +got):\n%s", diff)
		}
	})
	t.Run("inside BackwardVar", func(t *testing.T) {
		tape := autograd.NewTape[float64]()
		tape.SetDetectAnomaly(true)
		x := tape.Param(vec(2))
		// infOp's recorded backward divides by zero on the way to a finite
		// gradient.
		y := autograd.Apply[float64](&infOp{}, x)
		g := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{CreateGraph: true})
		if g[0] != nil {
			t.Errorf("Grad stopped by an anomaly returned %v", values(g[0]))
		}
		a := anomaly(t, tape.Err())
		if a.Op != "Div" || a.Phase != "forward" {
			t.Errorf("anomaly %v, want Div in forward", a)
		}
	})
}

// infOp is the identity; its recorded backward computes dy + x/(x/0),
// which is dy, through an infinite x/0 (recorded, since x requires a
// gradient).
type infOp struct{}

func (infOp) Name() string { return "inf" }
func (infOp) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	return in[0].Clone()
}
func (infOp) Saved() []*tensor.Tensor[float64] { return nil }
func (infOp) Backward(dy *tensor.Tensor[float64], _ []bool) []*tensor.Tensor[float64] {
	return []*tensor.Tensor[float64]{dy}
}
func (infOp) BackwardVar(in []*autograd.Var[float64], _, dy *autograd.Var[float64], _ []bool) []*autograd.Var[float64] {
	inf := functional.Div(in[0], functional.Scale(in[0], 0))
	return []*autograd.Var[float64]{functional.Add(dy, functional.Div(in[0], inf))}
}

// Hooks of intermediate Vars run in Grad as in Backward: they see the
// gradient and their replacement propagates (with CreateGraph, as a
// constant). A leaf's hooks do not run: they belong to the accumulation into
// its Grad, which Grad does not do.
func TestGradHooks(t *testing.T) {
	both(t, func(t *testing.T, create bool) {
		tape := autograd.NewTape[float64]()
		x := tape.Param(vec(1, 2))
		h := functional.Mul(x, autograd.NewConst(vec(3, 4)))
		var seenH []float64
		h.RegisterHook(func(g *tensor.Tensor[float64]) *tensor.Tensor[float64] {
			seenH = append([]float64(nil), g.Data()...)
			return tensor.Scale(g, 10)
		})
		leafHook := false
		x.RegisterHook(func(g *tensor.Tensor[float64]) *tensor.Tensor[float64] {
			leafHook = true
			return nil
		})
		y := total(functional.Mul(h, h)) // ∂y/∂h = 2h = (6, 16)
		g := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x, h}, autograd.GradOptions[float64]{CreateGraph: create})
		if diff := cmp.Diff([]float64{6, 16}, seenH); diff != "" {
			t.Errorf("h's hook saw (-want +got):\n%s", diff)
		}
		checkGrad(t, "∂y/∂h (replaced)", g[1], []float64{60, 160})
		checkGrad(t, "∂y/∂x (through the replacement)", g[0], []float64{180, 640})
		if leafHook {
			t.Error("the leaf's hook ran")
		}
		if create && g[0].RequiresGrad() {
			t.Error("the graph was not cut at the replaced gradient")
		}
	})
}

// The pass visits only the nodes between the outputs and the inputs: an op
// on a branch that leads to no input, one that no output depends on, and
// one below an intermediate input are never asked for their backward.
func TestGradVisitsOnlyNodesBetweenOutputsAndInputs(t *testing.T) {
	both(t, func(t *testing.T, create bool) {
		tape := autograd.NewTape[float64]()
		x := tape.Param(vec(1, 2))
		p := tape.Param(vec(3, 4))
		side := ident(p, "panic")                 // reached by the gradient, leads to no input
		_ = total(ident(x, "panic"))              // leads to x, but no output uses it
		h := functional.Mul(ident(x, "panic"), x) // below the intermediate input h
		y := total(functional.Add(functional.Mul(h, x), side))
		g := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{h}, autograd.GradOptions[float64]{CreateGraph: create})
		checkGrad(t, "∂y/∂h", g[0], []float64{1, 2})
		y2 := total(functional.Add(functional.Mul(x, x), side))
		g = tape.Grad([]*autograd.Var[float64]{y2}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{CreateGraph: create})
		checkGrad(t, "∂y₂/∂x", g[0], []float64{2, 4})
	})
}

func TestGradPanics(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec(1, 2))
	y := total(functional.Mul(x, x))
	v := functional.Mul(x, x)
	ys, xs := []*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}
	none := autograd.GradOptions[float64]{}
	other := autograd.NewTape[float64]()
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"no outputs", func() { tape.Grad(nil, xs, none) }, "autograd: Grad needs at least one output and one input"},
		{"no inputs", func() { tape.Grad(ys, nil, none) }, "autograd: Grad needs at least one output and one input"},
		{"seed count", func() {
			tape.Grad(ys, xs, autograd.GradOptions[float64]{GradOutputs: []*autograd.Var[float64]{nil, nil}})
		}, "autograd: Grad: 2 GradOutputs for 1 outputs"},
		{"output without gradient", func() {
			tape.Grad([]*autograd.Var[float64]{y, tape.Input(vec(1))}, xs, none)
		}, "autograd: Grad: output 1 does not require a gradient (no input of its computation does)"},
		{"output of another tape", func() {
			tape.Grad([]*autograd.Var[float64]{total(other.Param(vec(1)))}, xs, none)
		}, "autograd: Grad: output 0 is not on this tape"},
		{"output of no tape", func() {
			tape.Grad([]*autograd.Var[float64]{autograd.NewParam(vec(1))}, xs, none)
		}, "autograd: Grad: output 0 is not on this tape"},
		{"input without gradient", func() {
			tape.Grad(ys, []*autograd.Var[float64]{x, autograd.NewConst(vec(1))}, none)
		}, "autograd: Grad: input 1 does not require a gradient"},
		{"input of another tape", func() {
			tape.Grad(ys, []*autograd.Var[float64]{other.Param(vec(1))}, none)
		}, "autograd: Grad: input 0 lives on another tape"},
		{"output of several elements", func() { tape.Grad([]*autograd.Var[float64]{y, v}, xs, none) },
			"autograd: Grad: output 1 has shape [2]; give its gradient in GradOutputs (only one-element outputs are seeded with 1)"},
		{"seed shape", func() {
			tape.Grad([]*autograd.Var[float64]{v}, xs, autograd.GradOptions[float64]{
				GradOutputs: []*autograd.Var[float64]{autograd.NewConst(vec(1, 2, 3))}})
		}, "autograd: Grad: GradOutputs[0] has shape [3] for an output of shape [2]"},
		{"no BackwardVar", func() {
			tape.Grad([]*autograd.Var[float64]{sum(mul(x, x))}, xs, autograd.GradOptions[float64]{CreateGraph: true})
		}, "autograd: Grad with CreateGraph reached op sum (node "},
		{"BackwardVar shape", func() {
			tape.Grad([]*autograd.Var[float64]{total(ident(x, "wrongShape"))}, xs, autograd.GradOptions[float64]{CreateGraph: true})
		}, "autograd: op ident: BackwardVar returned a gradient of shape [7] for input 0 of shape [2] (it must sum broadcast gradients itself)"},
		{"BackwardVar count", func() {
			tape.Grad([]*autograd.Var[float64]{total(ident(x, "tooMany"))}, xs, autograd.GradOptions[float64]{CreateGraph: true})
		}, "autograd: op ident: BackwardVar returned 2 gradients for 1 inputs"},
		{"Backward shape", func() {
			tape.Grad([]*autograd.Var[float64]{total(autograd.Apply[float64](&badOp{}, x))}, xs, none)
		}, "autograd: op badOp returned a gradient of shape [7] for input 0 of shape [2]"},
		{"Backward count", func() {
			tape.Grad([]*autograd.Var[float64]{total(autograd.Apply[float64](&badOp{tooMany: true}, x))}, xs, none)
		}, "autograd: op badOp returned 2 gradients for 1 inputs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { testutil.MustPanic(t, c.f, c.want) })
	}

	stale := tape.Param(vec(1))
	staleY := total(functional.Mul(stale, stale))
	tape.Reset()
	fresh := tape.Param(vec(1))
	freshY := total(functional.Mul(fresh, fresh))
	testutil.MustPanic(t, func() { tape.Grad([]*autograd.Var[float64]{staleY}, []*autograd.Var[float64]{fresh}, none) },
		"autograd: Grad uses a Var recorded before its tape was Reset")
	testutil.MustPanic(t, func() { tape.Grad([]*autograd.Var[float64]{freshY}, []*autograd.Var[float64]{stale}, none) },
		"autograd: Grad uses a Var recorded before its tape was Reset")
}

// Derivatives of scalar functions to the third order, against closed forms:
// f = x³·y written with Mul only, and f = 1/x with Div.
func TestGradHigherOrderClosedForms(t *testing.T) {
	const x0, y0 = 1.7, -0.6
	tape := autograd.NewTape[float64]()
	x, y := tape.Param(vec(x0)), tape.Param(vec(y0))
	f := functional.Mul(functional.Mul(functional.Mul(x, x), x), y)
	d := func(out, wrt *autograd.Var[float64], create bool) *autograd.Var[float64] {
		return tape.Grad([]*autograd.Var[float64]{out}, []*autograd.Var[float64]{wrt}, autograd.GradOptions[float64]{
			CreateGraph: create, MaterializeGrads: true})[0]
	}
	fx := d(f, x, true)
	fy := d(f, y, true)
	fxx := d(fx, x, true)
	fxy := d(fx, y, true)
	fxxx := d(fxx, x, true)
	fxxy := d(fxx, y, true)
	fxyy := d(fxy, y, true)
	for _, c := range []struct {
		name string
		got  *autograd.Var[float64]
		want float64
	}{
		{"∂f/∂x = 3x²y", fx, 3 * x0 * x0 * y0},
		{"∂f/∂y = x³", fy, x0 * x0 * x0},
		{"∂²f/∂x² = 6xy", fxx, 6 * x0 * y0},
		{"∂²f/∂x∂y = 3x²", fxy, 3 * x0 * x0},
		{"∂³f/∂x³ = 6y", fxxx, 6 * y0},
		{"∂³f/∂x²∂y = 6x", fxxy, 6 * x0},
		{"∂³f/∂x∂y² = 0", fxyy, 0},
		{"∂⁴f/∂x⁴ = 0", d(fxxx, x, false), 0},
		{"∂⁴f/∂x³∂y = 6", d(fxxx, y, false), 6},
	} {
		checkGrad(t, c.name, c.got, []float64{c.want})
	}

	// 1/x: −1/x², 2/x³, −6/x⁴, 24/x⁵.
	r := functional.Div(autograd.NewConst(vec(1)), x)
	want := []float64{-1 / (x0 * x0), 2 / (x0 * x0 * x0), -6 / math.Pow(x0, 4), 24 / math.Pow(x0, 5)}
	for k, w := range want {
		r = d(r, x, true)
		checkGrad(t, "derivative of 1/x of order "+string(rune('1'+k)), r, []float64{w})
	}

	// Backward on a recorded gradient accumulates the second derivative
	// into the leaf: d/dx (3x²y) = 6xy.
	tape.Backward(fx)
	if !close(grad(t, x), []float64{6 * x0 * y0}, 1e-12) || !close(grad(t, y), []float64{3 * x0 * x0}, 1e-12) {
		t.Errorf("Backward of ∂f/∂x: x.Grad() %v, y.Grad() %v, want %v and %v", x.Grad(), y.Grad(), 6*x0*y0, 3*x0*x0)
	}

	// Element-wise: the Hessian of Σ x³ is diag(6x), so H·v = 6x⊙v.
	xv := tape.Param(vec(1, -2, 0.5))
	g := d(total(functional.Mul(functional.Mul(xv, xv), xv)), xv, true)
	hv := tape.Grad([]*autograd.Var[float64]{g}, []*autograd.Var[float64]{xv}, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{autograd.NewConst(vec(3, 1, -2))}})
	checkGrad(t, "H·v", hv[0], []float64{18, -12, -6})
}
