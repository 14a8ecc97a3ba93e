package gradtest_test

import (
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// cubeBackward says how diffCube's BackwardVar computes dx = 3x²·dy.
type cubeBackward int

const (
	cubeRight      cubeBackward = iota // through Mul and Scale of x and dy: every order is right
	cubeWrongCoef                      // through square, whose derivative has the wrong coefficient
	cubeConstX                         // with 3x² wrapped as a constant: the path through x is cut
	cubeConstDy                        // with dy wrapped as a constant: the path through g is cut
	cubeFirstOrder                     // 2x²·dy: not what Backward returns
	cubeBroadcast                      // 3x²·dy broadcast to a larger shape, not summed back
)

// diffCube is x³, a user's op with a differentiable backward:
//
//	y  = x³
//	dx = 3x² ⊙ dy
//
// its BackwardVar computed as how says, right or with one of the mistakes
// GradGradCheck must catch.
type diffCube struct {
	x   *tensor.Tensor[float64]
	how cubeBackward
}

func (*diffCube) Name() string { return "diffCube" }

func (op *diffCube) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	op.x = in[0]
	return tensor.Mul(tensor.Mul(op.x, op.x), op.x)
}

func (op *diffCube) Backward(dy *tensor.Tensor[float64], _ []bool) []*tensor.Tensor[float64] {
	return []*tensor.Tensor[float64]{tensor.Mul(dy, tensor.Scale(tensor.Mul(op.x, op.x), 3))}
}

func (op *diffCube) Saved() []*tensor.Tensor[float64] { return []*tensor.Tensor[float64]{op.x} }

func (op *diffCube) BackwardVar(in []*autograd.Var[float64], _, dy *autograd.Var[float64], _ []bool) []*autograd.Var[float64] {
	x := in[0]
	var dx *autograd.Var[float64]
	switch op.how {
	case cubeRight:
		dx = functional.Mul(dy, functional.Scale(functional.Mul(x, x), 3))
	case cubeWrongCoef:
		dx = functional.Mul(dy, functional.Scale(autograd.Apply[float64](&square{}, x), 3))
	case cubeConstX:
		dx = functional.Mul(dy, autograd.NewConst(tensor.Scale(tensor.Mul(x.Value(), x.Value()), 3)))
	case cubeConstDy:
		dx = functional.Mul(autograd.NewConst(dy.Value()), functional.Scale(functional.Mul(x, x), 3))
	case cubeFirstOrder:
		dx = functional.Mul(dy, functional.Scale(functional.Mul(x, x), 2))
	case cubeBroadcast:
		dx = functional.Mul(dy, functional.Scale(functional.Mul(x, x), 3))
		dx = autograd.Apply[float64](&expandRows{}, dx)
	}
	return []*autograd.Var[float64]{dx}
}

func cubeWith(how cubeBackward) func([]*autograd.Var[float64]) *autograd.Var[float64] {
	return func(x []*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Apply[float64](&diffCube{how: how}, x[0])
	}
}

// square is x², with the wrong derivative 3x (its coefficient should be 2):
// diffCube's cubeWrongCoef gets its first-order values right through it,
// but not its second-order ones.
type square struct{ x *tensor.Tensor[float64] }

func (*square) Name() string { return "square" }
func (op *square) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	op.x = in[0]
	return tensor.Mul(op.x, op.x)
}
func (op *square) Backward(dy *tensor.Tensor[float64], _ []bool) []*tensor.Tensor[float64] {
	return []*tensor.Tensor[float64]{tensor.Mul(dy, tensor.Scale(op.x, 3))}
}
func (op *square) Saved() []*tensor.Tensor[float64] { return []*tensor.Tensor[float64]{op.x} }

// expandRows stacks two copies of its input: a gradient of the wrong shape
// for diffCube's cubeBroadcast.
type expandRows struct{}

func (*expandRows) Name() string { return "expandRows" }
func (*expandRows) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	return tensor.Add(tensor.New[float64](append([]int{2}, in[0].Shape()...)...), in[0])
}
func (*expandRows) Backward(dy *tensor.Tensor[float64], _ []bool) []*tensor.Tensor[float64] {
	return []*tensor.Tensor[float64]{tensor.SumTo(dy, dy.Shape()[1:]...)}
}
func (*expandRows) Saved() []*tensor.Tensor[float64] { return nil }

// cubeInput is a 2×2 input away from 0, where the second derivative 6x
// is large enough to miss.
func cubeInput() []*tensor.Tensor[float64] {
	return []*tensor.Tensor[float64]{tensor.FromSlice([]float64{0.5, -1.5, 2, 3}, 2, 2)}
}

// mustFail fails t unless err is an error containing every one of want.
func mustFail(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("GradGradCheck passed; want an error containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}

func TestGradGradCheckAcceptsARightBackwardVar(t *testing.T) {
	in := cubeInput()
	if err := gradtest.GradGradCheck(cubeWith(cubeRight), in, nil); err != nil {
		t.Fatal(err)
	}
	if in[0].Data()[3] != 3 {
		t.Error("GradGradCheck modified its input")
	}
	// A composition with a second input, through a broadcasting product:
	// f(x, w) = x³ ⊙ w with w of shape 2 (one per column).
	w := tensor.FromSlice([]float64{0.7, -1.2})
	err := gradtest.GradGradCheck(func(x []*autograd.Var[float64]) *autograd.Var[float64] {
		return functional.Mul(cubeWith(cubeRight)(x[:1]), x[1])
	}, append(cubeInput(), w), nil)
	if err != nil {
		t.Fatal(err)
	}
}

// The backward's derivative has the wrong coefficient (9x instead of 6x)
// though its values are right: the second-order gradient with respect to
// x differs everywhere, by half of 6x·g·v.
func TestGradGradCheckRejectsAWrongCoefficient(t *testing.T) {
	err := gradtest.GradGradCheck(cubeWith(cubeWrongCoef), cubeInput(), nil)
	mustFail(t, err, "gradtest: input 0 (shape [2 2])", "4 of 4 second-order gradient elements differ", "worst at index")
	if strings.Contains(err.Error(), "output gradient") || strings.Contains(err.Error(), "(Backward) differ") {
		t.Errorf("error %q blames the wrong part", err)
	}
}

// 3x² taken as a constant cuts the path from F back to x: the analytic
// second-order gradient with respect to x is 0, the numeric one 6x·g·v.
func TestGradGradCheckRejectsAConstantThatCutsTheGraph(t *testing.T) {
	err := gradtest.GradGradCheck(cubeWith(cubeConstX), cubeInput(), nil)
	mustFail(t, err, "gradtest: input 0 (shape [2 2])", "4 of 4 second-order gradient elements differ", "analytic 0,")
}

// dy taken as a constant cuts the path from F back to g: the second-order
// gradient with respect to g (reported as the input after the last) is 0
// instead of 3x²·v.
func TestGradGradCheckRejectsAConstantOutputGradient(t *testing.T) {
	err := gradtest.GradGradCheck(cubeWith(cubeConstDy), cubeInput(), nil)
	mustFail(t, err, "gradtest: input 1 (shape [2 2])",
		"4 of 4 second-order gradient (with respect to the output gradient) elements differ", "analytic 0,")
}

// A BackwardVar whose values are not Backward's fails before any second
// order is computed.
func TestGradGradCheckRejectsAFirstOrderMismatch(t *testing.T) {
	err := gradtest.GradGradCheck(cubeWith(cubeFirstOrder), cubeInput(), nil)
	mustFail(t, err, "gradtest: input 0: the recorded backward pass (BackwardVar) and the first-order one (Backward) differ",
		"at index [0 0]")
}

// An op without BackwardVar cannot be differentiated twice: the error is
// Grad's panic, naming the op.
func TestGradGradCheckRejectsAnOpWithoutBackwardVar(t *testing.T) {
	err := gradtest.GradGradCheck(cubeOf(false, false), cubeInput(), nil)
	mustFail(t, err, "gradtest: autograd: Grad with CreateGraph reached op cube (node 0)", "no differentiable backward")
}

// A BackwardVar gradient not of its input's shape is refused, naming the
// op and both shapes.
func TestGradGradCheckRejectsABroadcastGradient(t *testing.T) {
	err := gradtest.GradGradCheck(cubeWith(cubeBroadcast), cubeInput(), nil)
	mustFail(t, err, "gradtest: autograd: op diffCube: BackwardVar returned a gradient of shape [2 2 2] for input 0 of shape [2 2]")
}

func TestGradGradCheckNeedsARecordedOutput(t *testing.T) {
	err := gradtest.GradGradCheck(func([]*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.NewConst(tensor.FromSlice([]float64{1}))
	}, cubeInput(), nil)
	mustFail(t, err, "gradtest: the output of f was not recorded on the tape")
}

// The tolerances apply to the second order too: at x = 0.01 the wrong
// coefficient costs 3x·g·v, about 0.03·|g·v|, within Atol 1 but not the
// default 1e-6.
func TestGradGradCheckTolerancesAreOptions(t *testing.T) {
	x := []*tensor.Tensor[float64]{tensor.FromSlice([]float64{0.01})}
	f := cubeWith(cubeWrongCoef)
	if err := gradtest.GradGradCheck(f, x, &gradtest.Options{Atol: 1}); err != nil {
		t.Errorf("with Atol 1: %v", err)
	}
	mustFail(t, gradtest.GradGradCheck(f, x, nil), "second-order gradient elements differ")
}
