package nn_test

import (
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestActivation2Defaults pins the constructors' PyTorch defaults.
func TestActivation2Defaults(t *testing.T) {
	if g := nn.NewGELU[float64](); g.Approximate != "none" {
		t.Errorf("NewGELU().Approximate = %q, want none", g.Approximate)
	}
	if s := nn.NewSoftplus[float64](); s.Beta != 1 || s.Threshold != 20 {
		t.Errorf("NewSoftplus() = beta %v, threshold %v; want 1, 20", s.Beta, s.Threshold)
	}
	if h := nn.NewHardtanh[float64](); h.MinVal != -1 || h.MaxVal != 1 {
		t.Errorf("NewHardtanh() = [%v, %v], want [-1, 1]", h.MinVal, h.MaxVal)
	}
	p := nn.NewPReLU[float32](3, 0.25)
	if sh := p.Weight.Shape(); len(sh) != 1 || sh[0] != 3 {
		t.Errorf("NewPReLU(3, 0.25).Weight has shape %v, want [3]", sh)
	}
	for _, w := range p.Weight.Value().Data() {
		if w != 0.25 {
			t.Errorf("NewPReLU(3, 0.25).Weight = %v, want 0.25 each", p.Weight.Value().Data())
			break
		}
	}
	if !p.Weight.RequiresGrad() {
		t.Error("PReLU's weight does not require a gradient")
	}
	testutil.MustPanic(t, func() { nn.NewPReLU[float64](0, 0.25) }, "nn: NewPReLU(0): num_parameters must be positive")
}

// TestPReLUStateDict checks PReLU's state_dict key inside a Sequential,
// as PyTorch's nn.Sequential(nn.Linear(2, 3), nn.PReLU(3)) names it, and
// that its weight learns: a gradient reaches it.
func TestPReLUStateDict(t *testing.T) {
	p := nn.NewPReLU[float64](3, 0.25)
	m := nn.NewSequential[float64](nn.ReLU6[float64]{}, p)
	named := nn.NamedParams[float64](m)
	if len(named) != 1 || named[0].Name != "1.weight" || named[0].Var != p.Weight {
		t.Fatalf("NamedParams = %v, want [1.weight]", named)
	}
	tape := autograd.NewTape[float64]()
	x := tape.Input(tensor.FromSlice([]float64{-1, 2, 7, -3, 0.5, -8}, 2, 3))
	y := m.Forward(x)
	want := []float64{0, 2, 6, 0, 0.5, 0}
	for i, v := range y.Value().Data() {
		if v != want[i] {
			t.Fatalf("ReLU6 then PReLU = %v, want %v", y.Value().Data(), want)
		}
	}
	tape.BackwardWithGrad(y, tensor.Ones[float64](2, 3))
	// Every ReLU6 output is ≥ 0, and PReLU's weight takes x·dy only from
	// elements ≤ 0: the zeros, so its gradient is 0 but present.
	if g := p.Weight.Grad(); g == nil || g.Data()[0] != 0 {
		t.Errorf("weight gradient %v, want zeros", g)
	}
}

// TestActivation2Modules runs each stateless module on one input and
// checks the value PyTorch's module gives (torch 1.13, float64).
func TestActivation2Modules(t *testing.T) {
	x := autograd.NewConst(tensor.FromSlice([]float64{-1, 0.5}))
	for _, c := range []struct {
		name string
		m    nn.Module[float64]
		want []float64
	}{
		{"GELU", nn.NewGELU[float64](), []float64{-0.15865525393145702, 0.34573123063700656}},
		{"GELU tanh", &nn.GELU[float64]{Approximate: "tanh"}, []float64{-0.15880800939172324, 0.34571400982514394}},
		{"SiLU", nn.SiLU[float64]{}, []float64{-0.2689414213699951, 0.3112296656009273}},
		{"Softplus", nn.NewSoftplus[float64](), []float64{0.31326168751822286, 0.9740769841801067}},
		{"Mish", nn.Mish[float64]{}, []float64{-0.30340146137410895, 0.3752452113048951}},
		{"Hardtanh", nn.NewHardtanh[float64](), []float64{-1, 0.5}},
		{"ReLU6", nn.ReLU6[float64]{}, []float64{0, 0.5}},
		{"Hardswish", nn.Hardswish[float64]{}, []float64{-0.3333333333333333, 0.2916666666666667}},
		{"Hardsigmoid", nn.Hardsigmoid[float64]{}, []float64{0.3333333333333333, 0.5833333333333334}},
		{"Softsign", nn.Softsign[float64]{}, []float64{-0.5, 0.3333333333333333}},
		{"LogSigmoid", nn.LogSigmoid[float64]{}, []float64{-1.3132616875182228, -0.4740769841801067}},
		{"PReLU", nn.NewPReLU[float64](1, 0.25), []float64{-0.25, 0.5}},
	} {
		y := c.m.Forward(x).Value().Data()
		for i := range y {
			if d := y[i] - c.want[i]; d > 1e-15 || d < -1e-15 {
				t.Errorf("%s = %v, want %v (PyTorch)", c.name, y, c.want)
				break
			}
		}
	}
}
