package functional_test

// Second- and third-order gradients of the softmax family's composites:
// GradGradCheck of Softmax and CrossEntropy, a third-order check of
// LogSumExp, and the exact Hessian of the softmax cross-entropy.

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// needBackwardVar skips the test, naming the op, unless every op given
// implements autograd.DifferentiableOp: the checks below go through ops of
// other families (Exp, Reshape), whose differentiable backward passes land
// separately.
func needBackwardVar(t *testing.T, opList ...autograd.Op[float64]) {
	t.Helper()
	for _, op := range opList {
		if _, ok := op.(autograd.DifferentiableOp[float64]); !ok {
			t.Skipf("%s has no BackwardVar yet", op.Name())
		}
	}
}

// TestSoftmaxGradGradCheck: Softmax, Exp(LogSoftmax(x)), along each axis
// of a 3×4 input and the middle axis of a 2×3×2 one.
func TestSoftmaxGradGradCheck(t *testing.T) {
	needBackwardVar(t, &ops.Exp[float64]{})
	r := rand.New(rand.NewPCG(17, 1))
	for _, c := range []struct {
		shape []int
		axis  int
	}{{[]int{3, 4}, 1}, {[]int{3, 4}, 0}, {[]int{2, 3, 2}, -2}} {
		f := func(x []*autograd.Var[float64]) *autograd.Var[float64] { return functional.Softmax(x[0], c.axis) }
		if err := gradtest.GradGradCheck(f, []*tensor.Tensor[float64]{tensor.RandN[float64](r, c.shape...)}, nil); err != nil {
			t.Errorf("Softmax %v axis %d: %v", c.shape, c.axis, err)
		}
	}
}

// TestCrossEntropyGradGradCheck: CrossEntropy, Neg(Mean(Gather(LogSoftmax))),
// for a batch of 4 with 3 classes (a label repeated) and a batch of 1.
func TestCrossEntropyGradGradCheck(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 1))
	for _, labels := range [][]int{{2, 0, 2, 1}, {1}} {
		f := func(x []*autograd.Var[float64]) *autograd.Var[float64] { return functional.CrossEntropy(x[0], labels) }
		x := tensor.RandN[float64](r, len(labels), 3)
		if err := gradtest.GradGradCheck(f, []*tensor.Tensor[float64]{x}, nil); err != nil {
			t.Errorf("CrossEntropy labels %v: %v", labels, err)
		}
	}
}

// TestLogSumExpThirdOrder checks LogSumExp's third derivatives: GradGradCheck
// of its gradient ∂⟨g, LogSumExp(x)⟩/∂x for a fixed g, itself recorded with
// CreateGraph, along either axis, with and without the axis kept.
func TestLogSumExpThirdOrder(t *testing.T) {
	needBackwardVar(t, &ops.Exp[float64]{}, &ops.Reshape[float64]{})
	r := rand.New(rand.NewPCG(19, 1))
	for _, c := range []struct {
		axis int
		keep bool
	}{{1, false}, {0, true}} {
		x := tensor.RandN[float64](r, 3, 4)
		lse := functional.LogSumExp[float64]
		if c.keep {
			lse = functional.LogSumExpKeepDims[float64]
		}
		g := tensor.RandN[float64](r, tensor.ReducedShape(x.Shape(), c.keep, c.axis)...)
		grad := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
			y := lse(x[0], c.axis)
			return x[0].Tape().Grad([]*autograd.Var[float64]{y}, x, autograd.GradOptions[float64]{
				GradOutputs: []*autograd.Var[float64]{autograd.NewConst(g)}, CreateGraph: true})[0]
		}
		if err := gradtest.GradGradCheck(grad, []*tensor.Tensor[float64]{x}, nil); err != nil {
			t.Errorf("LogSumExp axis %d keep %v: %v", c.axis, c.keep, err)
		}
	}
}

// TestCrossEntropyHessian computes the whole Hessian of the mean softmax
// cross-entropy with respect to the logits with two Grad calls — the
// gradient recorded with CreateGraph, then differentiated once per row of
// the identity — and checks it against the closed form: block-diagonal
// over the samples, each block (diag(pᵢ) − pᵢpᵢᵀ)/N with pᵢ the softmax of
// row i, independent of the labels, to 1e-12.
func TestCrossEntropyHessian(t *testing.T) {
	const n, c = 3, 4
	r := rand.New(rand.NewPCG(20, 1))
	logits := tensor.RandN[float64](r, n, c)
	logits.Data()[5] += 8 // one confident row
	labels := []int{1, 3, 3}

	p := make([]float64, n*c)
	for i := range n {
		row := logits.Data()[i*c : (i+1)*c]
		m := math.Inf(-1)
		for _, v := range row {
			m = max(m, v)
		}
		s := 0.0
		for _, v := range row {
			s += math.Exp(v - m)
		}
		for a, v := range row {
			p[i*c+a] = math.Exp(v-m) / s
		}
	}

	tape := autograd.NewTape[float64]()
	x := tape.Param(logits.Clone())
	loss := functional.CrossEntropy(x, labels)
	grad := tape.Grad([]*autograd.Var[float64]{loss}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{CreateGraph: true})[0]
	if !grad.RequiresGrad() {
		t.Fatal("the gradient recorded with CreateGraph does not require a gradient")
	}
	worst := 0.0
	for i := range n {
		for a := range c {
			e := tensor.New[float64](n, c)
			e.Data()[i*c+a] = 1
			row := tape.Grad([]*autograd.Var[float64]{grad}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{
				GradOutputs: []*autograd.Var[float64]{autograd.NewConst(e)}})[0].Value().Data()
			for k := range n {
				for b := range c {
					want := 0.0
					if k == i {
						want = -p[i*c+a] * p[i*c+b]
						if a == b {
							want += p[i*c+a]
						}
						want /= n
					}
					got := row[k*c+b]
					if d := math.Abs(got - want); !(d <= 1e-12) {
						t.Errorf("H[(%d,%d),(%d,%d)] = %.17g, want %.17g", i, a, k, b, got, want)
					} else {
						worst = max(worst, d)
					}
				}
			}
		}
	}
	t.Logf("largest |H − (diag(p) − ppᵀ)/N| = %.3g", worst)
}
