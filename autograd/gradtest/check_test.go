package gradtest_test

import (
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// cube is x³ with a correct or a deliberately wrong backward.
type cube struct {
	x     *tensor.Tensor[float64]
	wrong bool // use 2x² instead of 3x²
	inPl  bool // modify the input in Forward
}

func (*cube) Name() string { return "cube" }
func (op *cube) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	op.x = in[0]
	y := tensor.Mul(tensor.Mul(op.x, op.x), op.x)
	if op.inPl {
		in[0].Data()[0] += 1
	}
	return y
}
func (op *cube) Backward(dy *tensor.Tensor[float64], _ []bool) []*tensor.Tensor[float64] {
	c := 3.0
	if op.wrong {
		c = 2
	}
	return []*tensor.Tensor[float64]{tensor.Mul(dy, tensor.Scale(tensor.Mul(op.x, op.x), c))}
}
func (op *cube) Saved() []*tensor.Tensor[float64] { return []*tensor.Tensor[float64]{op.x} }

func cubeOf(wrong, inPlace bool) func([]*autograd.Var[float64]) *autograd.Var[float64] {
	return func(x []*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Apply[float64](&cube{wrong: wrong, inPl: inPlace}, x[0])
	}
}

func TestCheckAcceptsACorrectBackward(t *testing.T) {
	x := tensor.FromSlice([]float64{0.5, -1.5, 2, 3}, 2, 2)
	if err := gradtest.Check(cubeOf(false, false), []*tensor.Tensor[float64]{x}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestCheckRejectsAWrongBackward(t *testing.T) {
	x := tensor.FromSlice([]float64{0.5, -1.5, 2, 3}, 2, 2)
	err := gradtest.Check(cubeOf(true, false), []*tensor.Tensor[float64]{x}, nil)
	if err == nil {
		t.Fatal("a wrong gradient passed")
	}
	// The worst element is x=3 at index [1 1]: the error names it.
	for _, want := range []string{"input 0 (shape [2 2])", "4 of 4", "index [1 1]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if x.Data()[3] != 3 {
		t.Error("Check modified its input")
	}
}

func TestCheckCatchesAnOpThatModifiesItsInput(t *testing.T) {
	x := tensor.FromSlice([]float64{0.5, 1})
	err := gradtest.Check(cubeOf(false, true), []*tensor.Tensor[float64]{x}, nil)
	if err == nil || !strings.Contains(err.Error(), "modified input 0") {
		t.Fatalf("err = %v, want one about a modified input", err)
	}
}

func TestCheckNeedsARecordedOutput(t *testing.T) {
	x := tensor.FromSlice([]float64{1})
	err := gradtest.Check(func([]*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.NewConst(tensor.FromSlice([]float64{1}))
	}, []*tensor.Tensor[float64]{x}, nil)
	if err == nil || !strings.Contains(err.Error(), "not recorded") {
		t.Fatalf("err = %v, want one about an unrecorded output", err)
	}
}

func TestCheckTolerancesAreOptions(t *testing.T) {
	// 2x² against 3x² at x=0.01 differs by 1e-4: within Atol 1e-3, not 1e-6.
	x := tensor.FromSlice([]float64{0.01})
	f := cubeOf(true, false)
	if err := gradtest.Check(f, []*tensor.Tensor[float64]{x}, &gradtest.Options{Atol: 1e-3}); err != nil {
		t.Errorf("with Atol 1e-3: %v", err)
	}
	if err := gradtest.Check(f, []*tensor.Tensor[float64]{x}, nil); err == nil {
		t.Error("with the default Atol a 1e-4 error passed")
	}
}
