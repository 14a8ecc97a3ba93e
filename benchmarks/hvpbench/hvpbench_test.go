package hvpbench_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/benchmarks/hvpbench"
	"github.com/tapegrad/tapegrad/benchmarks/mlpbench"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// small is a workload small enough for finite differences: 12→6→10 at
// batch 5.
func small() *hvpbench.Workload {
	return hvpbench.NewIn(rand.New(rand.NewPCG(3, 4)), 12, []int{6}, 5)
}

// grads returns ∂L/∂θ at the workload's current parameters, by an
// ordinary first-order pass, in float64.
func grads(w *hvpbench.Workload) [][]float64 {
	tape := autograd.NewTape[float32]()
	loss := functional.CrossEntropy(w.Net.Model.Forward(tape.Input(w.Net.X)), w.Net.Labels)
	var out [][]float64
	for _, g := range tape.Grad([]*autograd.Var[float32]{loss}, w.Params, autograd.GradOptions[float32]{}) {
		out = append(out, testutil.Convert[float64](g.Value().Data()))
	}
	return out
}

// shift adds s·v to every parameter.
func shift(w *hvpbench.Workload, s float32) {
	for i, p := range w.Params {
		d := p.Value().Data()
		for j, x := range w.V[i].Data() {
			d[j] += s * x
		}
	}
}

// dot returns Σᵢ ⟨aᵢ, bᵢ⟩ in float64.
func dot(a, b []*tensor.Tensor[float32]) float64 {
	var s float64
	for i := range a {
		for j, x := range a[i].Data() {
			s += float64(x) * float64(b[i].Data()[j])
		}
	}
	return s
}

func clone(ts []*tensor.Tensor[float32]) []*tensor.Tensor[float32] {
	out := make([]*tensor.Tensor[float32], len(ts))
	for i, t := range ts {
		out[i] = t.Clone()
	}
	return out
}

// TestStepMatchesFiniteDifferences compares Hv with central differences
// of the first-order gradient along v, (∇L(θ+εv) − ∇L(θ−εv)) / 2ε, and the
// loss with the model's cross-entropy. ε is small: at ε = 1e-2, ±εv already
// moves some hidden units of the ReLU MLP across their kink, where the
// gradient jumps, and the differences are off by 90%.
func TestStepMatchesFiniteDifferences(t *testing.T) {
	w := small()
	if w.HV() != nil || w.Loss() != 0 {
		t.Fatalf("before Step: HV %v, Loss %v", w.HV(), w.Loss())
	}
	w.Step()
	want := functional.CrossEntropy(w.Net.Model.Forward(autograd.NewConst(w.Net.X)), w.Net.Labels).Value().Item()
	if w.Loss() != want {
		t.Errorf("Loss() = %v, want the model's cross-entropy %v", w.Loss(), want)
	}
	hv := clone(w.HV())
	if len(hv) != len(w.Params) {
		t.Fatalf("HV has %d tensors for %d parameters", len(hv), len(w.Params))
	}
	const eps = 1e-3
	shift(w, eps)
	plus := grads(w)
	shift(w, -2*eps)
	minus := grads(w)
	shift(w, eps)
	var num, den float64
	for i, h := range hv {
		if !tensor.EqualShapes(h.Shape(), w.Params[i].Shape()) {
			t.Fatalf("Hv[%d] has shape %v, want %v", i, h.Shape(), w.Params[i].Shape())
		}
		for j, x := range h.Data() {
			fd := (plus[i][j] - minus[i][j]) / (2 * eps)
			num += (float64(x) - fd) * (float64(x) - fd)
			den += fd * fd
		}
	}
	if rel := math.Sqrt(num / den); !(rel < 1e-3) || den == 0 {
		t.Errorf("‖Hv − finite differences‖ / ‖finite differences‖ = %g (‖fd‖² %g), want < 1e-3", rel, den)
	}
}

// TestStepIsSymmetric checks that uᵀ(Hv) = vᵀ(Hu): the Hessian is
// symmetric, and the product's two passes (one recorded through
// BackwardVar, one through Backward) must agree on it.
func TestStepIsSymmetric(t *testing.T) {
	w := small()
	v := w.V
	w.Step()
	hv := clone(w.HV())
	rng := rand.New(rand.NewPCG(7, 8))
	u := make([]*tensor.Tensor[float32], len(v))
	for i := range v {
		u[i] = tensor.RandN[float32](rng, v[i].Shape()...)
	}
	w.V = u
	w.Step()
	hu := w.HV()
	a, b := dot(u, hv), dot(v, hu)
	if math.Abs(a-b) > 1e-5*math.Max(math.Abs(a), math.Abs(b)) || a == 0 {
		t.Errorf("uᵀHv = %g, vᵀHu = %g: not symmetric", a, b)
	}
}

// TestNewIsW1 checks that New draws W1's weights and batch: the same
// source gives mlpbench.NewNet's first training loss.
func TestNewIsW1(t *testing.T) {
	const n = 4
	w := hvpbench.New(rand.New(rand.NewPCG(1, 2)), mlpbench.W1Hidden, n)
	net := mlpbench.NewNet(rand.New(rand.NewPCG(1, 2)), mlpbench.W1Hidden, n)
	w.Step()
	if got, want := w.Loss(), net.TrainStep(); got != want {
		t.Errorf("Loss() = %v, W1's first loss %v", got, want)
	}
	for i, p := range w.Params {
		if !tensor.EqualShapes(w.V[i].Shape(), p.Shape()) {
			t.Errorf("v[%d] has shape %v, want %v", i, w.V[i].Shape(), p.Shape())
		}
	}
}
