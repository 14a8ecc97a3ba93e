package functional_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

type vars = []*autograd.Var[float64]

// input kinds for gradCase: how a random N(0, 1) tensor is turned into an
// input of the function under test.
const (
	normal   = iota // as drawn
	positive        // |x| + 0.5, for Log, Sqrt and a fractional Pow
	wide            // 10·x: logits far apart, softmax close to one-hot
)

type gradCase struct {
	name   string
	f      func(x vars) *autograd.Var[float64]
	shapes [][]int
	kind   int
}

func shapes(s ...[]int) [][]int { return s }

// gradCases lists every composite and wrapper of the package on several
// shapes, including size-1 dimensions, broadcasting and batch 1.
func gradCases() []gradCase {
	labels4 := []int{2, 0, 4, 4}
	var cases []gradCase
	add := func(name string, kind int, f func(x vars) *autograd.Var[float64], s ...[]int) {
		cases = append(cases, gradCase{name: name, f: f, shapes: s, kind: kind})
	}

	// Softmax and LogSoftmax on every axis of 2-d and 3-d inputs, on a row
	// vector (batch 1), a single class (C = 1) and a 1-d input.
	for _, sm := range []struct {
		name string
		f    func(*autograd.Var[float64], int) *autograd.Var[float64]
	}{{"Softmax", functional.Softmax[float64]}, {"LogSoftmax", functional.LogSoftmax[float64]}} {
		for _, c := range []struct {
			shape []int
			axis  int
		}{
			{[]int{3, 4}, 0}, {[]int{3, 4}, 1}, {[]int{3, 4}, -1},
			{[]int{2, 3, 4}, 0}, {[]int{2, 3, 4}, 1}, {[]int{2, 3, 4}, 2}, {[]int{2, 3, 4}, -1},
			{[]int{1, 5}, 1}, {[]int{1, 5}, 0}, {[]int{4, 1}, 1}, {[]int{5}, 0},
		} {
			axis := c.axis
			for _, kind := range []int{normal, wide} {
				add(fmt.Sprintf("%s/%v/axis%d/kind%d", sm.name, c.shape, axis, kind), kind,
					func(x vars) *autograd.Var[float64] { return sm.f(x[0], axis) }, c.shape)
			}
		}
	}
	add("LogSumExp/3x4/axis1", normal, func(x vars) *autograd.Var[float64] { return functional.LogSumExp(x[0], 1) }, []int{3, 4})
	add("LogSumExp/3x4/axis0", wide, func(x vars) *autograd.Var[float64] { return functional.LogSumExp(x[0], 0) }, []int{3, 4})
	add("LogSumExp/2x3x4/axis-2", normal, func(x vars) *autograd.Var[float64] { return functional.LogSumExp(x[0], -2) }, []int{2, 3, 4})
	add("LogSumExpKeepDims/2x3x4/axis1", normal, func(x vars) *autograd.Var[float64] { return functional.LogSumExpKeepDims(x[0], 1) }, []int{2, 3, 4})
	add("LogSumExpKeepDims/4x1/axis1", normal, func(x vars) *autograd.Var[float64] { return functional.LogSumExpKeepDims(x[0], 1) }, []int{4, 1})

	// CrossEntropy, batch 1 and C = 1 included.
	add("CrossEntropy/4x5", normal, func(x vars) *autograd.Var[float64] { return functional.CrossEntropy(x[0], labels4) }, []int{4, 5})
	add("CrossEntropy/4x5/wide", wide, func(x vars) *autograd.Var[float64] { return functional.CrossEntropy(x[0], labels4) }, []int{4, 5})
	add("CrossEntropy/batch1", normal, func(x vars) *autograd.Var[float64] { return functional.CrossEntropy(x[0], []int{1}) }, []int{1, 3})
	add("CrossEntropy/C1", normal, func(x vars) *autograd.Var[float64] { return functional.CrossEntropy(x[0], []int{0, 0, 0}) }, []int{3, 1})
	add("CrossEntropy/batch1C1", normal, func(x vars) *autograd.Var[float64] { return functional.CrossEntropy(x[0], []int{0}) }, []int{1, 1})

	// Linear: with and without bias, a 3-d input (the stacked fast path of
	// MatMul), batch 1 and a single output.
	linear := func(x vars) *autograd.Var[float64] { return functional.Linear(x[0], x[1], x[2]) }
	linearNoBias := func(x vars) *autograd.Var[float64] { return functional.Linear(x[0], x[1], nil) }
	add("Linear/4x3", normal, linear, []int{4, 3}, []int{2, 3}, []int{2})
	add("Linear/4x3/nobias", normal, linearNoBias, []int{4, 3}, []int{2, 3})
	add("Linear/2x4x3", normal, linear, []int{2, 4, 3}, []int{5, 3}, []int{5})
	add("Linear/2x4x3/nobias", normal, linearNoBias, []int{2, 4, 3}, []int{5, 3})
	add("Linear/batch1", normal, linear, []int{1, 3}, []int{2, 3}, []int{2})
	add("Linear/out1", normal, linear, []int{4, 3}, []int{1, 3}, []int{1})
	add("Linear/in1", normal, linearNoBias, []int{4, 1}, []int{3, 1})

	// Matrix products.
	add("MatMul/3x4·4x2", normal, func(x vars) *autograd.Var[float64] { return functional.MatMul(x[0], x[1]) }, []int{3, 4}, []int{4, 2})
	add("MatMul/batched", normal, func(x vars) *autograd.Var[float64] { return functional.MatMul(x[0], x[1]) }, []int{2, 3, 4}, []int{1, 4, 2})
	add("MatMul/stack·matrix", normal, func(x vars) *autograd.Var[float64] { return functional.MatMul(x[0], x[1]) }, []int{2, 3, 4}, []int{4, 2})
	for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
		ta, tb := tr[0], tr[1]
		sa, sb := []int{3, 4}, []int{4, 2}
		if ta {
			sa = []int{4, 3}
		}
		if tb {
			sb = []int{2, 4}
		}
		add(fmt.Sprintf("MatMulT/%t,%t", ta, tb), normal,
			func(x vars) *autograd.Var[float64] { return functional.MatMulT(x[0], ta, x[1], tb) }, sa, sb)
		add(fmt.Sprintf("MatMulT/stacked/%t,%t", ta, tb), normal,
			func(x vars) *autograd.Var[float64] { return functional.MatMulT(x[0], ta, x[1], tb) }, append([]int{2}, sa...), sb)
	}

	// Shapes.
	add("Transpose/2x3", normal, func(x vars) *autograd.Var[float64] { return functional.Transpose(x[0], 0, 1) }, []int{2, 3})
	add("Transpose/2x3x4/0,2", normal, func(x vars) *autograd.Var[float64] { return functional.Transpose(x[0], 0, 2) }, []int{2, 3, 4})
	add("Transpose/2x3x4/-1,-2", normal, func(x vars) *autograd.Var[float64] { return functional.Transpose(x[0], -1, -2) }, []int{2, 3, 4})
	add("Permute/2x3x4", normal, func(x vars) *autograd.Var[float64] { return functional.Permute(x[0], 2, 0, 1) }, []int{2, 3, 4})
	add("Reshape/2x3x4", normal, func(x vars) *autograd.Var[float64] { return functional.Reshape(x[0], 4, -1) }, []int{2, 3, 4})
	add("Gather/3x4", normal, func(x vars) *autograd.Var[float64] { return functional.Gather(x[0], []int{3, 0, 3}) }, []int{3, 4})

	// Reductions.
	add("Sum/all", normal, func(x vars) *autograd.Var[float64] { return functional.Sum(x[0]) }, []int{2, 3, 4})
	add("Sum/0,2", normal, func(x vars) *autograd.Var[float64] { return functional.Sum(x[0], 0, 2) }, []int{2, 3, 4})
	add("SumKeepDims/1", normal, func(x vars) *autograd.Var[float64] { return functional.SumKeepDims(x[0], 1) }, []int{2, 3, 4})
	add("Mean/all", normal, func(x vars) *autograd.Var[float64] { return functional.Mean(x[0]) }, []int{3, 4})
	add("Mean/1", normal, func(x vars) *autograd.Var[float64] { return functional.Mean(x[0], 1) }, []int{3, 4})
	add("MeanKeepDims/0,2", normal, func(x vars) *autograd.Var[float64] { return functional.MeanKeepDims(x[0], 0, 2) }, []int{2, 3, 4})
	add("MeanKeepDims/-1", normal, func(x vars) *autograd.Var[float64] { return functional.MeanKeepDims(x[0], -1) }, []int{1, 5})
	add("MeanKeepDims/all", normal, func(x vars) *autograd.Var[float64] { return functional.MeanKeepDims(x[0]) }, []int{2, 3})
	add("Max/1", normal, func(x vars) *autograd.Var[float64] { return functional.Max(x[0], 1) }, []int{3, 4})
	add("MaxKeepDims/0", normal, func(x vars) *autograd.Var[float64] { return functional.MaxKeepDims(x[0], 0) }, []int{2, 3, 4})

	// Arithmetic, with broadcasting.
	add("Add/broadcast", normal, func(x vars) *autograd.Var[float64] { return functional.Add(x[0], x[1]) }, []int{3, 4}, []int{4})
	add("Sub/broadcast", normal, func(x vars) *autograd.Var[float64] { return functional.Sub(x[0], x[1]) }, []int{3, 1}, []int{1, 4})
	add("Mul/broadcast", normal, func(x vars) *autograd.Var[float64] { return functional.Mul(x[0], x[1]) }, []int{2, 3, 4}, []int{3, 1})
	add("Div/broadcast", positive, func(x vars) *autograd.Var[float64] { return functional.Div(x[0], x[1]) }, []int{3, 4}, []int{3, 1})
	add("Mul/same", normal, func(x vars) *autograd.Var[float64] { return functional.Mul(x[0], x[0]) }, []int{3, 4})
	add("Neg", normal, func(x vars) *autograd.Var[float64] { return functional.Neg(x[0]) }, []int{3, 4})
	add("Scale", normal, func(x vars) *autograd.Var[float64] { return functional.Scale(x[0], -2.5) }, []int{3, 4})
	add("AddScalar", normal, func(x vars) *autograd.Var[float64] { return functional.AddScalar(x[0], 3) }, []int{3, 4})

	// Element-wise functions.
	add("Exp", normal, func(x vars) *autograd.Var[float64] { return functional.Exp(x[0]) }, []int{3, 4})
	add("Log", positive, func(x vars) *autograd.Var[float64] { return functional.Log(x[0]) }, []int{3, 4})
	add("Sqrt", positive, func(x vars) *autograd.Var[float64] { return functional.Sqrt(x[0]) }, []int{3, 4})
	add("Pow/1.5", positive, func(x vars) *autograd.Var[float64] { return functional.Pow(x[0], 1.5) }, []int{3, 4})
	add("Pow/3", normal, func(x vars) *autograd.Var[float64] { return functional.Pow(x[0], 3) }, []int{3, 4})
	add("ReLU", normal, func(x vars) *autograd.Var[float64] { return functional.ReLU(x[0]) }, []int{3, 4})
	add("LeakyReLU", normal, func(x vars) *autograd.Var[float64] { return functional.LeakyReLU(x[0], 0.01) }, []int{3, 4})
	add("ELU", normal, func(x vars) *autograd.Var[float64] { return functional.ELU(x[0], 1.3) }, []int{3, 4})
	add("Tanh", normal, func(x vars) *autograd.Var[float64] { return functional.Tanh(x[0]) }, []int{3, 4})
	add("Sigmoid", normal, func(x vars) *autograd.Var[float64] { return functional.Sigmoid(x[0]) }, []int{3, 4})

	// A composite used the way a model uses it: an MLP head and its loss.
	add("Linear+ReLU+Linear+CrossEntropy", normal, func(x vars) *autograd.Var[float64] {
		h := functional.ReLU(functional.Linear(x[0], x[1], x[2]))
		return functional.CrossEntropy(functional.Linear(h, x[3], x[4]), []int{1, 0, 2})
	}, []int{3, 4}, []int{5, 4}, []int{5}, []int{3, 5}, []int{3})
	return cases
}

// TestGradCheck checks every composite and wrapper against central finite
// differences in float64.
func TestGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, c := range gradCases() {
		t.Run(c.name, func(t *testing.T) {
			inputs := make([]*tensor.Tensor[float64], len(c.shapes))
			for i, s := range c.shapes {
				x := tensor.RandN[float64](rng, s...)
				switch c.kind {
				case positive:
					x = tensor.Map(x, func(v float64) float64 { return math.Abs(v) + 0.5 })
				case wide:
					x.ScaleInPlace(10)
				}
				inputs[i] = x
			}
			if err := gradtest.Check(c.f, inputs, nil); err != nil {
				t.Error(err)
			}
		})
	}
}

// softmaxRows computes softmax over the rows of an n×c matrix by hand, stably.
func softmaxRows(x []float64, n, c int) (p []float64, logZ []float64) {
	p = make([]float64, n*c)
	logZ = make([]float64, n)
	for i := range n {
		row := x[i*c : (i+1)*c]
		m := slices.Max(row)
		s := 0.0
		for _, v := range row {
			s += math.Exp(v - m)
		}
		for j, v := range row {
			p[i*c+j] = math.Exp(v-m) / s
		}
		logZ[i] = m + math.Log(s)
	}
	return p, logZ
}

// TestCrossEntropyByHand compares the loss with −(1/n) Σ log softmax(xᵢ)[yᵢ]
// and the logits' gradient with (softmax(x) − onehot(y))/n, both computed by
// hand, for moderate and ±1e4 logits, batch 1 and a single class.
func TestCrossEntropyByHand(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for _, c := range []struct {
		name   string
		x      *tensor.Tensor[float64]
		labels []int
	}{
		{"random", tensor.RandN[float64](rng, 5, 4), []int{0, 3, 3, 1, 2}},
		{"wide", tensor.Scale(tensor.RandN[float64](rng, 3, 6), 30), []int{5, 0, 2}},
		{"big", tensor.FromSlice([]float64{1e4, -1e4, 0, 1e4, 1e4, -1e4, -1e4, 0, 1e4}, 3, 3), []int{1, 0, 0}},
		{"batch1", tensor.RandN[float64](rng, 1, 7), []int{6}},
		{"C1", tensor.RandN[float64](rng, 4, 1), []int{0, 0, 0, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, k := c.x.Dim(0), c.x.Dim(1)
			p, logZ := softmaxRows(c.x.Data(), n, k)
			wantLoss := 0.0
			wantGrad := make([]float64, n*k)
			for i, y := range c.labels {
				wantLoss -= (c.x.At(i, y) - logZ[i]) / float64(n)
				for j := range k {
					g := p[i*k+j]
					if j == y {
						g--
					}
					wantGrad[i*k+j] = g / float64(n)
				}
			}

			tape := autograd.NewTape[float64]()
			x := tape.Param(c.x)
			loss := functional.CrossEntropy(x, c.labels)
			if len(loss.Shape()) != 0 {
				t.Fatalf("loss has shape %v, want a scalar ()", loss.Shape())
			}
			tape.Backward(loss)
			approx := cmpopts.EquateApprox(1e-12, 1e-14)
			if d := cmp.Diff(wantLoss, loss.Value().Item(), approx); d != "" {
				t.Errorf("loss (-by hand +CrossEntropy):\n%s", d)
			}
			if d := cmp.Diff(wantGrad, gradData(x), approx); d != "" {
				t.Errorf("gradient (-(softmax − onehot)/n +CrossEntropy):\n%s", d)
			}
			if !isFinite(gradData(x)) || math.IsInf(loss.Value().Item(), 0) {
				t.Errorf("loss %v, gradient %v: not finite", loss.Value().Item(), gradData(x))
			}
		})
	}
}

func isFinite(s []float64) bool {
	for _, v := range s {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// TestSoftmaxSumsToOne checks that softmax is a probability distribution
// along its axis, also for logits of ±1e4 whose exponentials overflow.
func TestSoftmaxSumsToOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	big := tensor.FromSlice([]float64{1e4, -1e4, 0, 1e4, 1e4, -1e4, -1e4, -1e4 + 1, -1e4 + 2}, 3, 3)
	for _, c := range []struct {
		name string
		x    *tensor.Tensor[float64]
		axis int
	}{
		{"random/axis1", tensor.RandN[float64](rng, 4, 5), 1},
		{"random/axis0", tensor.RandN[float64](rng, 4, 5), 0},
		{"3d/axis1", tensor.RandN[float64](rng, 2, 3, 4), 1},
		{"3d/axis-1", tensor.RandN[float64](rng, 2, 3, 4), -1},
		{"big/axis1", big, 1},
		{"big/axis0", big, 0},
		{"C1", tensor.RandN[float64](rng, 3, 1), 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			y := functional.Softmax(autograd.NewConst(c.x), c.axis).Value()
			if !slices.Equal(y.Shape(), c.x.Shape()) {
				t.Fatalf("shape %v, want %v", y.Shape(), c.x.Shape())
			}
			for _, v := range y.Data() {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("probability %v outside [0, 1]: %v", v, y)
				}
			}
			// Softmax is exp(x − logsumexp(x)): the log-sum-exp is rounded
			// to a few ulps of the largest logit, and exp turns that absolute
			// error into a relative one, so the sums are 1 to within
			// ε·max|x| (about 2e-12 for logits of ±1e4), not to within ε.
			tol := 16 * 0x1p-52 * max(1, maxAbs(c.x.Data()))
			sums := tensor.Sum(y, false, c.axis)
			ones := tensor.Ones[float64](sums.Shape()...)
			if d := cmp.Diff(ones.Data(), sums.Data(), cmpopts.EquateApprox(0, tol)); d != "" {
				t.Errorf("sums along axis %d (-want +got):\n%s", c.axis, d)
			}
		})
	}
}

// linearByHand computes x·Wᵀ + b one 2-d slice of x at a time with
// tensor.MatMulT, adding the bias with a loop, and the gradients for the
// upstream gradient dy: dX = dY·W, dW = Σ dYᵀ·X over the slices, db = Σ dY.
func linearByHand(x, w, b, dy *tensor.Tensor[float64]) (y, dx, dw, db *tensor.Tensor[float64]) {
	in, out := w.Dim(1), w.Dim(0)
	rows := x.Size() / in
	ys := append(slices.Clone(x.Shape()[:x.NDim()-1]), out)
	y, dx = tensor.New[float64](ys...), tensor.New[float64](x.Shape()...)
	dw, db = tensor.New[float64](out, in), tensor.New[float64](out)
	m := x.Dim(-2) // rows per 2-d slice
	for s := 0; s < rows/m; s++ {
		xs := tensor.FromSlice(x.Data()[s*m*in:(s+1)*m*in], m, in)
		gs := tensor.FromSlice(dy.Data()[s*m*out:(s+1)*m*out], m, out)
		copy(y.Data()[s*m*out:], tensor.MatMulT(xs, false, w, true).Data())
		copy(dx.Data()[s*m*in:], tensor.MatMulT(gs, false, w, false).Data())
		dw.AddInPlace(tensor.MatMulT(gs, true, xs, false))
	}
	for r := range rows {
		for j := range out {
			if b != nil {
				y.Data()[r*out+j] += b.Data()[j]
			}
			db.Data()[j] += dy.Data()[r*out+j]
		}
	}
	return y, dx, dw, db
}

// TestLinearByHand compares Linear's value and gradients with x·Wᵀ + b
// computed slice by slice, for 2-d and 3-d inputs, with and without bias.
func TestLinearByHand(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	approx := cmpopts.EquateApprox(1e-12, 1e-13)
	for _, c := range []struct {
		name    string
		x       []int
		in, out int
		bias    bool
	}{
		{"2d", []int{4, 3}, 3, 2, true},
		{"2d/nobias", []int{4, 3}, 3, 2, false},
		{"3d", []int{2, 4, 3}, 3, 5, true},
		{"3d/nobias", []int{3, 2, 3}, 3, 4, false},
		{"batch1", []int{1, 6}, 6, 3, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := tensor.RandN[float64](rng, c.x...)
			w := tensor.RandN[float64](rng, c.out, c.in)
			b := tensor.RandN[float64](rng, c.out)
			tape := autograd.NewTape[float64]()
			xv, wv := tape.Param(x), autograd.NewParam(w)
			var bv *autograd.Var[float64]
			if c.bias {
				bv = autograd.NewParam(b)
			} else {
				b = nil
			}
			y := functional.Linear(xv, wv, bv)
			dy := tensor.RandN[float64](rng, y.Shape()...)
			wantY, wantDX, wantDW, wantDB := linearByHand(x, w, b, dy)
			if !slices.Equal(y.Shape(), wantY.Shape()) {
				t.Fatalf("shape %v, want %v", y.Shape(), wantY.Shape())
			}
			if d := cmp.Diff(wantY.Data(), y.Value().Data(), approx); d != "" {
				t.Errorf("value (-by hand +Linear):\n%s", d)
			}
			tape.BackwardWithGrad(y, dy)
			if d := cmp.Diff(wantDX.Data(), gradData(xv), approx); d != "" {
				t.Errorf("dX (-dY·W +Linear):\n%s", d)
			}
			if d := cmp.Diff(wantDW.Data(), gradData(wv), approx); d != "" {
				t.Errorf("dW (-Σ dYᵀ·X +Linear):\n%s", d)
			}
			if c.bias {
				if d := cmp.Diff(wantDB.Data(), gradData(bv), approx); d != "" {
					t.Errorf("db (-Σ dY +Linear):\n%s", d)
				}
			}
		})
	}
}

// gradData returns the data of v's gradient, or nil if no backward pass
// reached v (which then shows up as a difference rather than a crash).
func gradData(v *autograd.Var[float64]) []float64 {
	if v.Grad() == nil {
		return nil
	}
	return v.Grad().Data()
}

// TestLinearInference checks that Linear off a tape, or on a tape but with
// nothing requiring a gradient, records nothing on a tape and still computes
// x·Wᵀ + b.
func TestLinearInference(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	x := tensor.RandN[float64](rng, 3, 4)
	w := tensor.RandN[float64](rng, 2, 4)
	b := tensor.RandN[float64](rng, 2)
	want, _, _, _ := linearByHand(x, w, b, tensor.New[float64](3, 2))
	approx := cmpopts.EquateApprox(1e-12, 1e-13)

	// No tape at all, although the parameters want gradients: the output is
	// pending, holding its history until it meets a tape.
	wp, bp := autograd.NewParam(w), autograd.NewParam(b)
	y := functional.Linear(autograd.NewConst(x), wp, bp)
	if y.Tape() != nil || !y.RequiresGrad() || y.IsLeaf() {
		t.Errorf("Linear off a tape: tape %v, requiresGrad %t, leaf %t; want nil, true, false", y.Tape(), y.RequiresGrad(), y.IsLeaf())
	}
	if d := cmp.Diff(want.Data(), y.Value().Data(), approx); d != "" {
		t.Errorf("value off a tape (-by hand +Linear):\n%s", d)
	}

	// On a tape, with nothing that requires a gradient.
	tape := autograd.NewTape[float64]()
	y = functional.Linear(tape.Input(x), autograd.NewConst(w), autograd.NewConst(b))
	if tape.Len() != 0 || y.RequiresGrad() {
		t.Errorf("Linear of constants recorded %d nodes, requiresGrad %t; want 0, false", tape.Len(), y.RequiresGrad())
	}
	if d := cmp.Diff(want.Data(), y.Value().Data(), approx); d != "" {
		t.Errorf("value of constants on a tape (-by hand +Linear):\n%s", d)
	}

	// The same with parameters is recorded: MatMul and Add.
	y = functional.Linear(tape.Input(x), wp, bp)
	if tape.Len() != 2 || !y.RequiresGrad() {
		t.Errorf("Linear of parameters recorded %d nodes, requiresGrad %t; want 2, true", tape.Len(), y.RequiresGrad())
	}
	if wp.Grad() != nil || bp.Grad() != nil {
		t.Errorf("parameters got gradients without a backward pass")
	}
}

// TestShapeWrappers pins the values and shapes of Transpose and the KeepDims
// reductions, which the gradient checks do not look at.
func TestShapeWrappers(t *testing.T) {
	m := tensor.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	mt := functional.Transpose(autograd.NewConst(m), 0, 1).Value()
	if want := []float64{1, 4, 2, 5, 3, 6}; !slices.Equal(mt.Shape(), []int{3, 2}) || !slices.Equal(mt.Data(), want) {
		t.Errorf("Transpose(m, 0, 1) = %v of shape %v, want %v of shape [3 2]", mt.Data(), mt.Shape(), want)
	}
	x := tensor.Arange[float64](0, 24, 1).Reshape(2, 3, 4)
	xt := functional.Transpose(autograd.NewConst(x), -1, 0).Value()
	if !slices.Equal(xt.Shape(), []int{4, 3, 2}) || xt.At(3, 1, 0) != x.At(0, 1, 3) || xt.At(2, 0, 1) != x.At(1, 0, 2) {
		t.Errorf("Transpose(x, -1, 0): shape %v, [3 1 0] = %v, [2 0 1] = %v; want [4 3 2], %v, %v",
			xt.Shape(), xt.At(3, 1, 0), xt.At(2, 0, 1), x.At(0, 1, 3), x.At(1, 0, 2))
	}

	xv := autograd.NewConst(x)
	for _, c := range []struct {
		name  string
		got   *tensor.Tensor[float64]
		shape []int
		data  []float64
	}{
		{"MeanKeepDims(0, 2)", functional.MeanKeepDims(xv, 0, 2).Value(), []int{1, 3, 1}, []float64{7.5, 11.5, 15.5}},
		{"MeanKeepDims(-1)", functional.MeanKeepDims(xv, -1).Value(), []int{2, 3, 1}, []float64{1.5, 5.5, 9.5, 13.5, 17.5, 21.5}},
		{"MeanKeepDims()", functional.MeanKeepDims(xv).Value(), []int{1, 1, 1}, []float64{11.5}},
		{"Mean(1)", functional.Mean(xv, 1).Value(), []int{2, 4}, []float64{4, 5, 6, 7, 16, 17, 18, 19}},
		{"SumKeepDims(1)", functional.SumKeepDims(xv, 1).Value(), []int{2, 1, 4}, []float64{12, 15, 18, 21, 48, 51, 54, 57}},
		{"Sum()", functional.Sum(xv).Value(), []int{}, []float64{276}},
		{"MaxKeepDims(1)", functional.MaxKeepDims(xv, 1).Value(), []int{2, 1, 4}, []float64{8, 9, 10, 11, 20, 21, 22, 23}},
		{"Max(0)", functional.Max(xv, 0).Value(), []int{3, 4}, []float64{12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}},
		{"LogSumExpKeepDims(2)", functional.LogSumExpKeepDims(autograd.NewConst(tensor.Full(math.Log(0.25), 2, 1, 4)), 2).Value(), []int{2, 1, 1}, []float64{0, 0}},
	} {
		if !slices.Equal(c.got.Shape(), c.shape) {
			t.Errorf("%s: shape %v, want %v", c.name, c.got.Shape(), c.shape)
			continue
		}
		if d := cmp.Diff(c.data, c.got.Data(), cmpopts.EquateApprox(1e-14, 1e-15)); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}
}

// TestCrossEntropyPanics checks the documented panics: logits of fewer
// than 2 dimensions, too few labels, a label out of range.
func TestCrossEntropyPanics(t *testing.T) {
	for _, c := range []struct {
		name   string
		shape  []int
		labels []int
		want   string
	}{
		{"1d", []int{3}, []int{0}, "functional: CrossEntropy needs logits of shape N×C or N×C×d₁×…, got [3]"},
		{"3d", []int{2, 3, 2}, []int{0, 0}, "ops: NLLLoss: 2 targets for 4 elements of N×d₁×… (input of shape [2 3 2])"},
		{"labels", []int{2, 3}, []int{0}, "1 indices for 2 rows"},
		{"range", []int{2, 3}, []int{0, 3}, "index 3 of row 1 is out of range"},
		{"negative", []int{2, 3}, []int{-1, 0}, "index -1 of row 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			testutil.MustPanic(t, func() {
				functional.CrossEntropy(autograd.NewConst(tensor.New[float64](c.shape...)), c.labels)
			}, c.want)
		})
	}
}
