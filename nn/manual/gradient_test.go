package manual

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/tensor"
)

// The course's unit tests: for random sizes, every module's analytic
// gradients agree with central finite differences to a relative error below
// 1e-5, in float64.

const maxRelErr = 1e-5

// relError is the course's measure: max |a−n| / max(1e-8, |a|+|n|).
func relError(a, n *tensor.Tensor[float64]) float64 {
	e := 0.0
	for i, v := range a.Data() {
		w := n.Data()[i]
		e = max(e, math.Abs(v-w)/max(1e-8, math.Abs(v)+math.Abs(w)))
	}
	return e
}

// numericGrad returns the gradient of Σ g ⊙ f(x) with respect to x by
// central differences, perturbing x in place and restoring it. The outputs
// are subtracted before they are summed, Σ g ⊙ (f(x+h) − f(x−h)) / 2h, which
// keeps the rounding error of a large sum out of the difference.
func numericGrad(f func() *tensor.Tensor[float64], g, x *tensor.Tensor[float64]) *tensor.Tensor[float64] {
	const h = 1e-5
	grad := tensor.New[float64](x.Shape()...)
	for i := range x.Data() {
		old := x.Data()[i]
		x.Data()[i] = old + h
		plus := f().Clone()
		x.Data()[i] = old - h
		minus := f()
		x.Data()[i] = old
		grad.Data()[i] = tensor.Dot(g, tensor.Sub(plus, minus)) / (2 * h)
	}
	return grad
}

// numericLossGrad returns ∂f/∂x of a scalar loss by central differences.
func numericLossGrad(f func() float64, x *tensor.Tensor[float64]) *tensor.Tensor[float64] {
	return numericGrad(func() *tensor.Tensor[float64] { return tensor.Scalar(f()) }, tensor.Scalar(1.0), x)
}

// randomSizes draws the course's ranges: batch 1–20, features 1–100,
// classes 1–10.
func randomSizes(rng *rand.Rand) (batch, features, classes int) {
	return 1 + rng.IntN(20), 1 + rng.IntN(100), 1 + rng.IntN(10)
}

// awayFromZero returns N(0,1) values with |x| ≥ 0.1, so that no finite
// difference straddles the kink of ReLU or ELU.
func awayFromZero(rng *rand.Rand, shape ...int) *tensor.Tensor[float64] {
	return tensor.Map(tensor.RandN[float64](rng, shape...), func(v float64) float64 {
		if math.Abs(v) < 0.1 {
			return math.Copysign(0.1+math.Abs(v), v)
		}
		return v
	})
}

// checkModule compares dx from m.Backward with the numeric gradient of
// L = Σ g ⊙ m.Forward(x).
func checkModule(t *testing.T, name string, m Module[float64], x, g *tensor.Tensor[float64]) {
	t.Helper()
	m.Forward(x)
	dx := m.Backward(g)
	num := numericGrad(func() *tensor.Tensor[float64] { return m.Forward(x) }, g, x)
	if e := relError(dx, num); e > maxRelErr {
		t.Errorf("%s %v: dx relative error %.3g", name, x.Shape(), e)
	}
}

func TestLinearGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for range 10 {
		b, in, out := randomSizes(rng)
		l := NewLinear[float64](in, out, 1, rng)
		l.B = tensor.RandN[float64](rng, out)
		x := tensor.RandN[float64](rng, b, in)
		g := tensor.RandN[float64](rng, b, out)
		checkModule(t, "Linear", l, x, g)

		l.Forward(x)
		l.Backward(g)
		y := func() *tensor.Tensor[float64] { return l.Forward(x) }
		if e := relError(l.DW, numericGrad(y, g, l.W)); e > maxRelErr {
			t.Errorf("Linear %d→%d, batch %d: dW relative error %.3g", in, out, b, e)
		}
		if e := relError(l.DB, numericGrad(y, g, l.B)); e > maxRelErr {
			t.Errorf("Linear %d→%d, batch %d: db relative error %.3g", in, out, b, e)
		}
	}
}

func TestActivationGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for range 10 {
		b, d, _ := randomSizes(rng)
		x, g := awayFromZero(rng, b, d), tensor.RandN[float64](rng, b, d)
		checkModule(t, "ReLU", &ReLU[float64]{}, x, g)
		checkModule(t, "ELU", &ELU[float64]{Alpha: 1}, x, g)
		checkModule(t, "ELU(0.5)", &ELU[float64]{Alpha: 0.5}, x, g)
	}
}

func TestReLUGradientIsZeroAtZero(t *testing.T) {
	r := &ReLU[float64]{}
	r.Forward(tensor.FromSlice([]float64{-1, 0, 2}, 1, 3))
	dx := r.Backward(tensor.FromSlice([]float64{5, 6, 7}, 1, 3))
	if got := dx.Data(); got[0] != 0 || got[1] != 0 || got[2] != 7 {
		t.Errorf("dx = %v, want [0 0 7]", got)
	}
}

func TestSoftmaxGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for range 10 {
		b, _, c := randomSizes(rng)
		x, g := tensor.RandN[float64](rng, b, c), tensor.RandN[float64](rng, b, c)
		checkModule(t, "Softmax", &Softmax[float64]{}, x, g)
	}
}

// probabilities returns B×C rows of a softmax of random logits.
func probabilities(rng *rand.Rand, b, c int) *tensor.Tensor[float64] {
	return (&Softmax[float64]{}).Forward(tensor.RandN[float64](rng, b, c))
}

func randomLabels(rng *rand.Rand, b, c int) []int {
	labels := make([]int, b)
	for i := range labels {
		labels[i] = rng.IntN(c)
	}
	return labels
}

func TestCrossEntropyGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for range 10 {
		b, _, c := randomSizes(rng)
		p, labels := probabilities(rng, b, c), randomLabels(rng, b, c)
		ce := &CrossEntropy[float64]{}
		ce.Forward(p, labels)
		dp := ce.Backward()
		num := numericLossGrad(func() float64 { return (&CrossEntropy[float64]{}).Forward(p, labels) }, p)
		if e := relError(dp, num); e > maxRelErr {
			t.Errorf("CrossEntropy %d×%d: dp relative error %.3g", b, c, e)
		}
	}
}

// The combined gradient (p − onehot)/B equals the two backward passes
// chained, and both equal finite differences of the loss in the logits.
func TestSoftmaxCrossEntropyBothPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for range 10 {
		b, _, c := randomSizes(rng)
		x, labels := tensor.RandN[float64](rng, b, c), randomLabels(rng, b, c)
		sm, ce := &Softmax[float64]{}, &CrossEntropy[float64]{}
		p := sm.Forward(x)
		ce.Forward(p, labels)
		chained := sm.Backward(ce.Backward())
		combined := SoftmaxCrossEntropyGrad(p, labels)
		if d := tensor.MaxAbsDiff(chained, combined); d > 1e-12 {
			t.Errorf("%d×%d: chained and combined gradients differ by %.3g", b, c, d)
		}
		num := numericLossGrad(func() float64 {
			return (&CrossEntropy[float64]{}).Forward((&Softmax[float64]{}).Forward(x), labels)
		}, x)
		if e := relError(combined, num); e > maxRelErr {
			t.Errorf("%d×%d: combined gradient relative error %.3g", b, c, e)
		}
	}
}

func TestMLPGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, elu := range []bool{false, true} {
		b, in, c := randomSizes(rng)
		m := NewMLP[float64](Config{Inputs: in, Hidden: []int{1 + rng.IntN(30), 1 + rng.IntN(30)}, Classes: c, Std: 0.5, ELU: elu}, rng)
		x, labels := tensor.RandN[float64](rng, b, in), randomLabels(rng, b, c)
		m.Loss.Forward(m.Forward(x), labels)
		m.Backward(m.Loss.Backward())
		loss := func() float64 { return (&CrossEntropy[float64]{}).Forward(m.Forward(x), labels) }
		for i, l := range m.Linears() {
			dw, db := l.DW.Clone(), l.DB.Clone()
			if e := relError(dw, numericLossGrad(loss, l.W)); e > maxRelErr {
				t.Errorf("ELU=%t layer %d: dW relative error %.3g", elu, i, e)
			}
			if e := relError(db, numericLossGrad(loss, l.B)); e > maxRelErr {
				t.Errorf("ELU=%t layer %d: db relative error %.3g", elu, i, e)
			}
		}
	}
}
