package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

func names[T tensor.Float](ps []Param[T]) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%s%v", p.Name, p.Var.Shape())
	}
	return out
}

func TestMLPNamesAreStateDictKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	m := NewMLP[float32](MLPConfig[float32]{Inputs: 3072, Hidden: []int{100, 50}, Classes: 10}, rng)
	want := []string{"0.weight[100 3072]", "0.bias[100]", "2.weight[50 100]", "2.bias[50]", "4.weight[10 50]", "4.bias[10]"}
	if diff := cmp.Diff(want, names(NamedParams[float32](m))); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if got := len(Params[float32](m)); got != 6 {
		t.Errorf("Params: %d, want 6", got)
	}
}

func TestNestedNamesJoinWithDots(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	inner := NewSequential[float64](NewLinear[float64](4, 3, false, rng), Tanh[float64]{})
	m := NewSequential[float64](Flatten[float64]{}, inner, NewLinear[float64](3, 2, true, rng))
	want := []string{"1.0.weight[3 4]", "2.weight[2 3]", "2.bias[2]"}
	if diff := cmp.Diff(want, names(NamedParams[float64](m))); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}

// PyTorch's default initialization: U(±1/√fan_in) for weights and biases,
// whose variance is bound²/3.
func TestLinearInitializationMatchesPyTorch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	l := NewLinear[float64](400, 300, true, rng)
	bound := 1 / math.Sqrt(400)
	for name, v := range map[string]*tensor.Tensor[float64]{"weight": l.Weight.Value(), "bias": l.Bias.Value()} {
		var ss float64
		for _, x := range v.Data() {
			if math.Abs(x) > bound {
				t.Fatalf("%s value %v outside ±%v", name, x, bound)
			}
			ss += x * x
		}
		variance := ss / float64(v.Size())
		if want := bound * bound / 3; math.Abs(variance-want) > 0.1*want {
			t.Errorf("%s variance %.4g, want ≈ %.4g", name, variance, want)
		}
	}
}

func TestLinearForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	l := NewLinear[float64](3, 2, true, rng)
	x := tensor.RandN[float64](rng, 5, 3)
	y := l.Forward(autograd.NewConst(x)).Value()
	want := tensor.Add(tensor.MatMulT(x, false, l.Weight.Value(), true), l.Bias.Value())
	if d := tensor.MaxAbsDiff(y, want); d > 1e-15 {
		t.Errorf("Linear differs from x·Wᵀ+b by %g", d)
	}
	testutil.MustPanic(t, func() { l.Forward(autograd.NewConst(tensor.New[float64](5, 4))) },
		"nn: Linear(3→2): input of shape [5 4], want …×3")
}

func TestDropout(t *testing.T) {
	const p = 0.3
	x := tensor.Full(2.0, 100, 100)
	d := NewDropout[float64](p, rand.New(rand.NewPCG(5, 5)))
	tape := autograd.NewTape[float64]()
	xv := tape.Param(x)
	y := d.Forward(xv)
	zeros := 0
	for _, v := range y.Value().Data() {
		switch v {
		case 0:
			zeros++
		case 2 / (1 - p):
		default:
			t.Fatalf("output %v is neither 0 nor 2/(1−p)", v)
		}
	}
	if frac := float64(zeros) / float64(x.Size()); math.Abs(frac-p) > 0.02 {
		t.Errorf("dropped fraction %.3f, want ≈ %.2f", frac, p)
	}
	// The gradient goes through the same mask.
	tape.Backward(functional.Sum(y))
	for i, g := range xv.Grad().Data() {
		if want := y.Value().Data()[i] / 2; g != want {
			t.Fatalf("gradient %d is %v, want %v", i, g, want)
		}
	}
	// The same seed gives the same mask.
	y2 := NewDropout[float64](p, rand.New(rand.NewPCG(5, 5))).Forward(autograd.NewConst(x))
	if !tensor.AllClose(y.Value(), y2.Value(), 0, 0) {
		t.Error("the same seed gave a different mask")
	}
	// Evaluation mode passes the input through.
	m := NewSequential[float64](d)
	SetTraining[float64](m, false)
	if in := autograd.NewConst(x); m.Forward(in) != in {
		t.Error("Dropout in evaluation mode changed its input")
	}
	SetTraining[float64](m, true)
	if in := autograd.NewConst(x); m.Forward(in) == in {
		t.Error("Dropout back in training mode passed its input through")
	}
}

func TestZeroGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	m := NewMLP[float64](MLPConfig[float64]{Inputs: 3, Hidden: []int{4}, Classes: 2, Activation: func() Module[float64] { return NewELU[float64]() }}, rng)
	tape := autograd.NewTape[float64]()
	tape.Backward(functional.CrossEntropy(m.Forward(tape.Input(tensor.RandN[float64](rng, 5, 3))), []int{0, 1, 1, 0, 1}))
	for _, p := range NamedParams[float64](m) {
		if p.Var.Grad() == nil {
			t.Fatalf("%s has no gradient after backward", p.Name)
		}
	}
	ZeroGrad[float64](m)
	for _, p := range NamedParams[float64](m) {
		if p.Var.Grad() != nil {
			t.Errorf("%s kept its gradient after ZeroGrad", p.Name)
		}
	}
}
