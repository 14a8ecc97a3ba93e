package functional_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestConv2dBatchNormEval: under no-grad, on a tape that reuses buffers
// and on one that does not, Conv2dBatchNormEval gives bit for bit what
// Conv2d, BatchNormFull in evaluation mode and ReLU give one after the
// other, with and without γ, β, the conv's bias and the ReLU, in float64
// and float32. Where the ops are recorded it is those three ops: the same
// values, and gradients for x, w, b, γ and β equal to theirs.
func TestConv2dBatchNormEval(t *testing.T) {
	testConv2dBatchNormEval[float64](t)
	testConv2dBatchNormEval[float32](t)
}

func testConv2dBatchNormEval[T tensor.Float](t *testing.T) {
	r := rand.New(rand.NewPCG(4, 9))
	x := tensor.RandN[T](r, 2, 3, 6, 5)
	w := tensor.RandN[T](r, 4, 3, 3, 3)
	b := tensor.RandN[T](r, 4)
	mean := tensor.RandN[T](r, 4)
	variance := tensor.RandU[T](r, 0.5, 2, 4)
	gamma, beta := tensor.RandN[T](r, 4), tensor.RandN[T](r, 4)
	o := functional.Conv2dOptions{Padding: [2]int{1, 1}}
	const eps = 1e-3
	separate := func(x, w, b, g, be *autograd.Var[T], relu bool) *autograd.Var[T] {
		y := functional.BatchNormFull(functional.Conv2d(x, w, b, o), mean, variance, g, be, false, 0, eps)
		if relu {
			y = functional.ReLU(y)
		}
		return y
	}
	param := func(v *tensor.Tensor[T], on bool) *autograd.Var[T] {
		if !on {
			return nil
		}
		return autograd.NewParam(v)
	}
	for _, affine := range []bool{false, true} {
		for _, bias := range []bool{false, true} {
			for _, relu := range []bool{false, true} {
				wv, bv := autograd.NewParam(w), param(b, bias)
				gv, bev := param(gamma, affine), param(beta, affine)
				want := separate(autograd.NewConst(x), wv, bv, gv, bev, relu).Value()
				for _, reuse := range []bool{false, true} {
					tape := autograd.NewTape[T]()
					tape.ReuseBuffers(reuse)
					tape.SetGradEnabled(false)
					got := functional.Conv2dBatchNormEval(tape.Input(x), wv, bv, o, mean, variance, gv, bev, eps, relu).Value()
					if i := firstDiff(got.Data(), want.Data()); i >= 0 {
						t.Errorf("%T affine %v bias %v relu %v reuse %v: element %d is %v, want %v",
							T(0), affine, bias, relu, reuse, i, got.Data()[i], want.Data()[i])
					}
				}
				// Recorded: the three ops, with their gradients.
				grads := func(f func(x, w, b, g, be *autograd.Var[T], relu bool) *autograd.Var[T]) (*tensor.Tensor[T], []*tensor.Tensor[T]) {
					tape := autograd.NewTape[T]()
					xs := tape.Param(x.Clone())
					ps := []*autograd.Var[T]{xs, tape.Param(w.Clone())}
					var bp, gp, bep *autograd.Var[T]
					if bias {
						bp = tape.Param(b.Clone())
						ps = append(ps, bp)
					}
					if affine {
						gp, bep = tape.Param(gamma.Clone()), tape.Param(beta.Clone())
						ps = append(ps, gp, bep)
					}
					y := f(xs, ps[1], bp, gp, bep, relu)
					tape.Backward(functional.Sum(functional.Mul(y, y)))
					gs := make([]*tensor.Tensor[T], len(ps))
					for i, p := range ps {
						gs[i] = p.Grad()
					}
					return y.Value(), gs
				}
				fused := func(x, w, b, g, be *autograd.Var[T], relu bool) *autograd.Var[T] {
					return functional.Conv2dBatchNormEval(x, w, b, o, mean, variance, g, be, eps, relu)
				}
				y1, g1 := grads(separate)
				y2, g2 := grads(fused)
				if i := firstDiff(y2.Data(), y1.Data()); i >= 0 {
					t.Errorf("%T recorded, affine %v bias %v relu %v: element %d is %v, want %v", T(0), affine, bias, relu, i, y2.Data()[i], y1.Data()[i])
				}
				for k := range g1 {
					if g2[k] == nil {
						t.Fatalf("%T recorded: no gradient for input %d", T(0), k)
					}
					if i := firstDiff(g2[k].Data(), g1[k].Data()); i >= 0 {
						t.Errorf("%T recorded, affine %v bias %v relu %v: gradient %d element %d is %v, want %v",
							T(0), affine, bias, relu, k, i, g2[k].Data()[i], g1[k].Data()[i])
					}
				}
			}
		}
	}
}

// firstDiff returns the first index at which a and b differ in their bits,
// or −1.
func firstDiff[T tensor.Float](a, b []T) int {
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return i
		}
	}
	return -1
}
