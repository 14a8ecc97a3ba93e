package functional_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// Second-order gradients through every batch norm a user reaches: the
// fused op, the composed one, F.batch_norm's form in training and in
// evaluation mode, and the nn modules, each with and without γ and β.

// bnModuleFn returns f applying the module bn to x[0], with γ and β (when
// the module has them) replaced by the checked inputs, so that the check
// differentiates with respect to them too.
func bnModuleFn(bn *nn.BatchNorm[float64]) func(x vars) *autograd.Var[float64] {
	return func(x vars) *autograd.Var[float64] {
		if bn.Weight != nil {
			bn.Weight, bn.Bias = x[1], x[2]
		}
		return bn.Forward(x[0])
	}
}

// evalModule is a module in evaluation mode whose running statistics are
// far from their initial 0 and 1.
func evalModule(bn *nn.BatchNorm[float64], rng *rand.Rand) *nn.BatchNorm[float64] {
	copy(bn.RunningMean.Data(), tensor.RandN[float64](rng, bn.Channels).Data())
	copy(bn.RunningVar.Data(), tensor.RandU[float64](rng, 0.5, 2, bn.Channels).Data())
	bn.SetTraining(false)
	return bn
}

// The analytic second-order gradients (the recorded backward pass
// differentiated again) agree with central differences of the first-order
// ones, for every batch norm path and every combination of γ and β.
func TestBatchNormGradGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 31))
	fns := bnPaths(rng)
	for _, fn := range fns {
		for _, a := range bnAffines {
			for _, shape := range [][]int{{5, 3}, {3, 2, 4}, {2, 3, 2, 3}} {
				t.Run(fmt.Sprintf("%s/%s/%v", fn.name, a.name, shape), func(t *testing.T) {
					f := fn.f(shape)
					check := func(x vars) *autograd.Var[float64] {
						xv, g, b := bnArgs(x, a.gamma, a.beta)
						return f(xv, g, b)
					}
					if err := gradtest.GradGradCheck(check, bnInputs(rng, shape, a.gamma, a.beta), nil); err != nil {
						t.Error(err)
					}
				})
			}
		}
	}

	modules := []struct {
		name  string
		bn    *nn.BatchNorm[float64]
		shape []int
	}{
		{"BatchNorm2d/training", nn.NewBatchNorm2d[float64](3), []int{2, 3, 2, 3}},
		{"BatchNorm2d/training/composed", func() *nn.BatchNorm[float64] {
			bn := nn.NewBatchNorm2d[float64](3)
			bn.Composed = true
			return bn
		}(), []int{2, 3, 2, 3}},
		{"BatchNorm2d/eval", evalModule(nn.NewBatchNorm2d[float64](3), rng), []int{2, 3, 2, 3}},
		{"BatchNorm2d/eval/noaffine", evalModule(nn.NewBatchNorm2d[float64](3, nn.BatchNormAffine(false)), rng), []int{2, 3, 2, 3}},
		{"BatchNorm2d/eval/untracked", func() *nn.BatchNorm[float64] {
			bn := nn.NewBatchNorm2d[float64](3, nn.BatchNormTrackRunningStats(false))
			bn.SetTraining(false)
			return bn
		}(), []int{2, 3, 2, 3}},
		{"BatchNorm1d/training/2d", nn.NewBatchNorm1d[float64](4), []int{5, 4}},
		{"BatchNorm1d/training/3d", nn.NewBatchNorm1d[float64](2), []int{3, 2, 4}},
		{"BatchNorm1d/training/noaffine", nn.NewBatchNorm1d[float64](4, nn.BatchNormAffine(false)), []int{5, 4}},
		{"BatchNorm1d/eval", evalModule(nn.NewBatchNorm1d[float64](4), rng), []int{5, 4}},
	}
	for _, m := range modules {
		t.Run("nn."+m.name, func(t *testing.T) {
			affine := m.bn.Weight != nil
			if err := gradtest.GradGradCheck(bnModuleFn(m.bn), bnInputs(rng, m.shape, affine, affine), nil); err != nil {
				t.Error(err)
			}
		})
	}
}

// Batch norm's backward pass is recorded with ops that are themselves
// differentiable, so a third differentiation works too: GradGradCheck of
// the map (x, γ, β) ↦ ∂⟨g, y⟩/∂x, itself computed with CreateGraph,
// checks the third-order gradients of the fused op.
func TestBatchNormThirdOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 35))
	for _, shape := range [][]int{{4, 2}, {2, 2, 3}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			g := tensor.RandN[float64](rng, shape...)
			dx := func(x vars) *autograd.Var[float64] {
				y, _, _ := functional.BatchNorm(x[0], x[1], x[2], 1e-3)
				return x[0].Tape().Grad([]*autograd.Var[float64]{y}, x[:1], autograd.GradOptions[float64]{
					GradOutputs: []*autograd.Var[float64]{autograd.NewConst(g)}, CreateGraph: true})[0]
			}
			if err := gradtest.GradGradCheck(dx, bnInputs(rng, shape, true, true), nil); err != nil {
				t.Error(err)
			}
		})
	}
}

// bnSecond is what bnSecondOrder computes: the output, the first-order
// gradients of ⟨g, y⟩ (gw and gb nil without γ or β), the penalty P and its
// gradients.
type bnSecond[T tensor.Float] struct {
	y, gx, gw, gb *tensor.Tensor[T]
	p             T
	px, pw, pb    *tensor.Tensor[T]
}

// bnSecondOrder runs y = norm(x, w, b) (w and b may be nil), takes the
// first-order gradients (gx, gw, gb) of ⟨g, y⟩ with CreateGraph, and
// differentiates
//
//	P = ‖gx‖² + ⟨v, gw⟩
//
// (‖∂L/∂x‖², a gradient penalty, plus a Hessian–vector product's term in
// γ) with respect to x, w and b.
func bnSecondOrder[T tensor.Float](norm func(x, w, b *autograd.Var[T]) *autograd.Var[T], x, w, b, g, v *tensor.Tensor[T]) bnSecond[T] {
	tape := autograd.NewTape[T]()
	xv := tape.Param(x.Clone())
	ins := []*autograd.Var[T]{xv}
	var wv, bv *autograd.Var[T]
	if w != nil {
		wv = tape.Param(w.Clone())
		ins = append(ins, wv)
	}
	if b != nil {
		bv = tape.Param(b.Clone())
		ins = append(ins, bv)
	}
	y := norm(xv, wv, bv)
	first := tape.Grad([]*autograd.Var[T]{y}, ins, autograd.GradOptions[T]{
		GradOutputs: []*autograd.Var[T]{autograd.NewConst(g)}, CreateGraph: true, MaterializeGrads: true})
	gx := first[0]
	p := functional.Sum(functional.Mul(gx, gx))
	r := bnSecond[T]{y: y.Value(), gx: gx.Value()}
	if w != nil {
		r.gw = first[1].Value()
		p = functional.Add(p, functional.Sum(functional.Mul(first[1], autograd.NewConst(v))))
	}
	if b != nil {
		r.gb = first[len(first)-1].Value()
	}
	second := tape.Grad([]*autograd.Var[T]{p}, ins, autograd.GradOptions[T]{MaterializeGrads: true})
	r.p, r.px = p.Value().Data()[0], second[0].Value()
	if w != nil {
		r.pw = second[1].Value()
	}
	if b != nil {
		r.pb = second[len(second)-1].Value()
	}
	return r
}

// The fused batch norm's second-order gradients — of ‖∂L/∂x‖² + ⟨v, ∂L/∂γ⟩
// with respect to x, γ and β — equal the composed one's, which the tape
// derives from the primitives' own double backward, to 1e-10 relative, on
// random shapes, with and without γ and β.
func TestBatchNormFusedSecondOrderMatchesComposed(t *testing.T) {
	rng := rand.New(rand.NewPCG(32, 32))
	norms := map[bool]func(x, w, b *autograd.Var[float64]) *autograd.Var[float64]{
		false: func(x, w, b *autograd.Var[float64]) *autograd.Var[float64] {
			y, _, _ := functional.BatchNorm(x, w, b, 1e-5)
			return y
		},
		true: func(x, w, b *autograd.Var[float64]) *autograd.Var[float64] {
			y, _, _ := functional.BatchNormComposed(x, w, b, 1e-5)
			return y
		},
	}
	for trial := range 16 {
		// At least three values per channel: with two, x̂ = ±1 whatever x
		// is, and the penalty's gradient is rounding noise.
		shape := []int{3 + rng.IntN(5), 1 + rng.IntN(4)}
		if trial%2 == 1 {
			shape = append(shape, 1+rng.IntN(4), 1+rng.IntN(4))
		}
		a := bnAffines[trial%len(bnAffines)]
		c := shape[1]
		x := tensor.Add(tensor.Scale(tensor.RandN[float64](rng, shape...), 3), tensor.Scalar(-2.0))
		var w, b *tensor.Tensor[float64]
		if a.gamma {
			w = tensor.RandN[float64](rng, c)
		}
		if a.beta {
			b = tensor.RandN[float64](rng, c)
		}
		g, v := tensor.RandN[float64](rng, shape...), tensor.RandN[float64](rng, c)
		fused := bnSecondOrder(norms[false], x, w, b, g, v)
		composed := bnSecondOrder(norms[true], x, w, b, g, v)
		name := fmt.Sprintf("%v %s", shape, a.name)
		for _, r := range []struct {
			what      string
			got, want *tensor.Tensor[float64]
		}{
			{"y", fused.y, composed.y}, {"∂L/∂x", fused.gx, composed.gx},
			{"∂L/∂γ", fused.gw, composed.gw}, {"∂L/∂β", fused.gb, composed.gb},
			{"∂P/∂x", fused.px, composed.px}, {"∂P/∂γ", fused.pw, composed.pw}, {"∂P/∂β", fused.pb, composed.pb},
		} {
			if (r.got == nil) != (r.want == nil) {
				t.Fatalf("%s %s: fused %v, composed %v", name, r.what, r.got != nil, r.want != nil)
			}
			if r.got == nil {
				continue
			}
			if !tensor.SameShape(r.got, r.want) {
				t.Fatalf("%s %s: shapes %v and %v", name, r.what, r.got.Shape(), r.want.Shape())
			}
			scale := 1.0
			for _, e := range r.want.Data() {
				scale = max(scale, math.Abs(e))
			}
			if d := tensor.MaxAbsDiff(r.got, r.want); d > 1e-10*scale {
				t.Errorf("%s %s: fused and composed differ by %.3g (largest value %.3g)", name, r.what, d, scale)
			}
		}
		if d := math.Abs(fused.p - composed.p); d > 1e-10*max(1, math.Abs(composed.p)) {
			t.Errorf("%s P: fused %v, composed %v", name, fused.p, composed.p)
		}
		// The penalty is not trivially zero: ∂P/∂x carries the terms
		// through x̂ and σ that a constant x̂ would drop.
		if tensor.MaxAbsDiff(fused.px, tensor.New[float64](shape...)) < 1e-6 {
			t.Errorf("%s: ∂P/∂x is zero", name)
		}
	}
}

// penaltyPre is Linear(in → out) → BatchNorm1d(out), with the linear
// map's weight w and bias c and the module's γ and β given: the
// pre-activations of penaltyNet.
func penaltyPre[T tensor.Float](x, w, c, gamma, beta *autograd.Var[T]) *autograd.Var[T] {
	bn := nn.NewBatchNorm1d[T](gamma.Shape()[0])
	bn.Weight, bn.Bias = gamma, beta
	return bn.Forward(functional.Linear(x, w, c))
}

// penaltyNet is Linear(in → out) → BatchNorm1d(out) → ReLU.
func penaltyNet[T tensor.Float](x, w, c, gamma, beta *autograd.Var[T]) *autograd.Var[T] {
	return functional.ReLU(penaltyPre(x, w, c, gamma, beta))
}

// gradientPenalty returns P = ‖∂⟨g, net(x)⟩/∂x‖² for penaltyNet, built on
// x's tape with CreateGraph so that P can be differentiated with respect to
// every parameter.
func gradientPenalty[T tensor.Float](in []*autograd.Var[T], g *tensor.Tensor[T]) (p, out, gx *autograd.Var[T]) {
	x := in[0]
	if x.Tape() == nil {
		// gradtest.Check's finite differences evaluate the penalty on
		// constants, off any tape: the gradient with respect to x still
		// needs one.
		x = autograd.NewTape[T]().Param(x.Value())
	}
	out = penaltyNet(x, in[1], in[2], in[3], in[4])
	gx = x.Tape().Grad([]*autograd.Var[T]{out}, []*autograd.Var[T]{x}, autograd.GradOptions[T]{
		GradOutputs: []*autograd.Var[T]{autograd.NewConst(g)}, CreateGraph: true})[0]
	return functional.Sum(functional.Mul(gx, gx)), out, gx
}

// A gradient penalty through a small network with batch norm: the
// gradient of ‖∂out/∂x‖² with respect to x, the linear map's weight and
// bias and batch norm's γ and β agrees with central differences of the
// penalty itself (each evaluation a first-order pass with CreateGraph).
func TestBatchNormGradientPenaltyGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(34, 34))
	const n, fin, fout = 6, 3, 4
	g := tensor.RandN[float64](rng, n, fout)
	inputs := []*tensor.Tensor[float64]{
		tensor.RandN[float64](rng, n, fin),
		tensor.Scale(tensor.RandN[float64](rng, fout, fin), 0.5),
		tensor.Scale(tensor.RandN[float64](rng, fout), 0.1),
		tensor.RandU[float64](rng, 0.5, 1.5, fout),
		tensor.Scale(tensor.RandN[float64](rng, fout), 0.5),
	}
	penalty := func(in vars) *autograd.Var[float64] {
		p, _, _ := gradientPenalty(in, g)
		return p
	}
	// The finite differences cross no ReLU kink: every pre-activation is
	// far from 0 compared with the step.
	vs := make(vars, len(inputs))
	for i, in := range inputs {
		vs[i] = autograd.NewConst(in)
	}
	pre := penaltyPre(vs[0], vs[1], vs[2], vs[3], vs[4]).Value()
	for i, e := range pre.Data() {
		if math.Abs(e) < 1e-3 {
			t.Fatalf("pre-activation %d is %g, too close to ReLU's kink for the check", i, e)
		}
	}
	if err := gradtest.Check(penalty, inputs, nil); err != nil {
		t.Error(err)
	}
}

// The PyTorch reference numbers for batch norm's second-order gradients
// come from F.batch_norm differentiated twice with torch.autograd.grad and
// create_graph=True, in float64 and in float32; regenerate them with
//
//	/usr/bin/python3 functional/testdata/gen_torch_bn_gradgrad.py
//
// The tests only read the JSON: they never need Python.
const (
	bnGradGradPath  = "testdata/torch_bn_gradgrad.json"
	bnGradGradRegen = "/usr/bin/python3 functional/testdata/gen_torch_bn_gradgrad.py"
)

// bnGradGradFile is the layout of torch_bn_gradgrad.json.
type bnGradGradFile struct {
	reftest.Header
	DTypes  []string         `json:"dtypes"`
	Eps     float64          `json:"eps"`
	BN      []bnGradGradCase `json:"bn"`
	Penalty []penaltyCase    `json:"penalty"`
}

// bnGradGradCase is F.batch_norm on one input: W, B and the running
// statistics are null where not given.
type bnGradGradCase struct {
	Name        string          `json:"name"`
	Shape       []int           `json:"shape"`
	Weight      bool            `json:"weight"`
	Bias        bool            `json:"bias"`
	Training    bool            `json:"training"`
	X           []reftest.Float `json:"x"`
	W           []reftest.Float `json:"w"`
	B           []reftest.Float `json:"b"`
	RunningMean []reftest.Float `json:"running_mean"`
	RunningVar  []reftest.Float `json:"running_var"`
	Upstream    []reftest.Float `json:"upstream"`
	V           []reftest.Float `json:"v"`
	Float64     bnGradGradRes   `json:"float64"`
	Float32     bnGradGradRes   `json:"float32"`
}

// bnGradGradRes is what PyTorch computed in one dtype.
type bnGradGradRes struct {
	Output       []reftest.Float `json:"output"`
	GradX        []reftest.Float `json:"grad_x"`
	GradW        []reftest.Float `json:"grad_w"`
	GradB        []reftest.Float `json:"grad_b"`
	Penalty      reftest.Float   `json:"penalty"`
	PenaltyGradX []reftest.Float `json:"penalty_grad_x"`
	PenaltyGradW []reftest.Float `json:"penalty_grad_w"`
	PenaltyGradB []reftest.Float `json:"penalty_grad_b"`
}

// penaltyCase is the gradient penalty of Linear → BatchNorm1d → ReLU.
type penaltyCase struct {
	Name        string          `json:"name"`
	N           int             `json:"n"`
	InFeatures  int             `json:"in_features"`
	OutFeatures int             `json:"out_features"`
	X           []reftest.Float `json:"x"`
	Weight      []reftest.Float `json:"weight"`
	Bias        []reftest.Float `json:"bias"`
	Gamma       []reftest.Float `json:"gamma"`
	Beta        []reftest.Float `json:"beta"`
	Upstream    []reftest.Float `json:"upstream"`
	Float64     penaltyRes      `json:"float64"`
	Float32     penaltyRes      `json:"float32"`
}

type penaltyRes struct {
	Output       []reftest.Float   `json:"output"`
	GradX        []reftest.Float   `json:"grad_x"`
	Penalty      reftest.Float     `json:"penalty"`
	PenaltyGrads [][]reftest.Float `json:"penalty_grads"` // x, weight, bias, γ, β
}

func loadBNGradGrad(t *testing.T) bnGradGradFile {
	var f bnGradGradFile
	reftest.Load(t, bnGradGradPath, bnGradGradRegen, &f)
	if len(f.BN) == 0 || len(f.Penalty) == 0 {
		t.Fatalf("%s: no cases (regenerate with %s)", bnGradGradPath, bnGradGradRegen)
	}
	unique := reftest.Unique(t, bnGradGradPath)
	for _, c := range f.BN {
		unique(c.Name)
	}
	for _, c := range f.Penalty {
		unique(c.Name)
	}
	return f
}

// refTensor is a reference array as a tensor of the given shape in T, or
// nil for a null array.
func refTensor[T tensor.Float](s []reftest.Float, shape ...int) *tensor.Tensor[T] {
	if s == nil {
		return nil
	}
	return tensor.FromSlice(reftest.Floats[T](s), shape...)
}

// checkRef compares got with PyTorch's want: each element within
// tol·(|want| + m/10), m the largest |want| of the array and at least
// floor.
func checkRef[T tensor.Float](t *testing.T, name, what string, got *tensor.Tensor[T], want []reftest.Float, tol, floor float64) {
	t.Helper()
	if got == nil || want == nil {
		if (got == nil) != (want == nil) {
			t.Errorf("%s: %s: tapegrad gives %v, torch %v", name, what, got != nil, want != nil)
		}
		return
	}
	if d := closeTo(got.Data(), want, nil, tol, floor, false); d != "" {
		t.Errorf("%s: %s %s", name, what, d)
	}
}

func checkBNGradGrad[T tensor.Float](t *testing.T, eps T, c bnGradGradCase, want bnGradGradRes, tol float64) {
	t.Helper()
	ch := c.Shape[1]
	rm, rv := refTensor[T](c.RunningMean, ch), refTensor[T](c.RunningVar, ch)
	norm := func(x, w, b *autograd.Var[T]) *autograd.Var[T] {
		return functional.BatchNormFull(x, rm, rv, w, b, c.Training, 0.1, eps)
	}
	r := bnSecondOrder(norm, refTensor[T](c.X, c.Shape...), refTensor[T](c.W, ch), refTensor[T](c.B, ch),
		refTensor[T](c.Upstream, c.Shape...), refTensor[T](c.V, ch))
	name := fmt.Sprintf("%s %T", c.Name, eps)
	checkRef(t, name, "y", r.y, want.Output, tol, 1)
	checkRef(t, name, "∂L/∂x", r.gx, want.GradX, tol, 1)
	checkRef(t, name, "∂L/∂γ", r.gw, want.GradW, tol, 1)
	checkRef(t, name, "∂L/∂β", r.gb, want.GradB, tol, 1)
	checkRef(t, name, "P", tensor.FromSlice([]T{r.p}), []reftest.Float{want.Penalty}, tol, 1)
	checkRef(t, name, "∂P/∂x", r.px, want.PenaltyGradX, tol, 1)
	checkRef(t, name, "∂P/∂γ", r.pw, want.PenaltyGradW, tol, 1)
	checkRef(t, name, "∂P/∂β", r.pb, want.PenaltyGradB, tol, 1)
}

func checkPenalty[T tensor.Float](t *testing.T, c penaltyCase, want penaltyRes, tol float64) {
	t.Helper()
	tape := autograd.NewTape[T]()
	in := []*autograd.Var[T]{
		tape.Param(refTensor[T](c.X, c.N, c.InFeatures)),
		tape.Param(refTensor[T](c.Weight, c.OutFeatures, c.InFeatures)),
		tape.Param(refTensor[T](c.Bias, c.OutFeatures)),
		tape.Param(refTensor[T](c.Gamma, c.OutFeatures)),
		tape.Param(refTensor[T](c.Beta, c.OutFeatures)),
	}
	p, out, gx := gradientPenalty(in, refTensor[T](c.Upstream, c.N, c.OutFeatures))
	// β reaches P only through ReLU's mask, whose derivative is zero: the
	// tape has no path from it (MaterializeGrads gives the zeros torch
	// computes).
	grads := tape.Grad([]*autograd.Var[T]{p}, in, autograd.GradOptions[T]{MaterializeGrads: true})
	name := fmt.Sprintf("%s %T", c.Name, T(0))
	checkRef(t, name, "output", out.Value(), want.Output, tol, 1)
	checkRef(t, name, "∂L/∂x", gx.Value(), want.GradX, tol, 1)
	checkRef(t, name, "P", p.Value(), []reftest.Float{want.Penalty}, tol, 1)
	if len(want.PenaltyGrads) != len(in) {
		t.Fatalf("%s: %d penalty gradients in the file, want %d", name, len(want.PenaltyGrads), len(in))
	}
	// The linear map's bias does not change P (batch norm subtracts it
	// again): its true gradient is 0, and both sides give rounding noise
	// on the scale of the other gradients.
	floor := 1.0
	for _, g := range want.PenaltyGrads {
		for _, v := range g {
			floor = max(floor, math.Abs(float64(v)))
		}
	}
	for i, what := range []string{"x", "weight", "bias", "γ", "β"} {
		checkRef(t, name, "∂P/∂"+what, grads[i].Value(), want.PenaltyGrads[i], tol, floor)
	}
}

// Batch norm's second-order gradients, and a gradient penalty through a
// network with batch norm, match PyTorch's: the output, the first-order
// gradients, the penalty and its gradients, in float64 to 1e-10 and in
// float32 to 1e-5 (relative, see checkRef).
func TestBatchNormSecondOrderMatchesTorch(t *testing.T) {
	f := loadBNGradGrad(t)
	for _, c := range f.BN {
		t.Run(c.Name, func(t *testing.T) {
			checkBNGradGrad(t, f.Eps, c, c.Float64, 1e-10)
			checkBNGradGrad(t, float32(f.Eps), c, c.Float32, 1e-5)
		})
	}
	for _, c := range f.Penalty {
		t.Run(c.Name, func(t *testing.T) {
			checkPenalty[float64](t, c, c.Float64, 1e-10)
			checkPenalty[float32](t, c, c.Float32, 1e-5)
		})
	}
}
