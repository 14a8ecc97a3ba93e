package functional_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/tensor"
)

// The loss functions against PyTorch: values and gradients, in float64 and
// float32, from functional/testdata/torch_losses.json; regenerate it with
//
//	/usr/bin/python3 functional/testdata/gen_torch_losses.py
const lossesPath = "testdata/torch_losses.json"

type lossFile struct {
	reftest.Header
	Seed  int        `json:"seed"`
	Cases []lossCase `json:"cases"`
}

type lossCase struct {
	Name        string            `json:"name"`
	Loss        string            `json:"loss"`
	Shape       []int             `json:"shape"`
	Input       []reftest.Float   `json:"input"`
	TargetShape []int             `json:"target_shape"`
	Target      []reftest.Float   `json:"target"`
	Labels      []int             `json:"labels"`
	TargetGrad  bool              `json:"target_grad"`
	Options     lossOpts          `json:"options"`
	OutputShape []int             `json:"output_shape"`
	Upstream    []reftest.Float   `json:"upstream"`
	Directions  [][]reftest.Float `json:"directions"` // v, for the second order; nil for the edge cases
	F64         lossResult        `json:"f64"`
	F32         lossResult        `json:"f32"`
}

type lossOpts struct {
	Reduction      *string   `json:"reduction"`
	Weight         any       `json:"weight"` // a list, or a list of lists
	PosWeight      []float64 `json:"pos_weight"`
	IgnoreIndex    *int      `json:"ignore_index"`
	LabelSmoothing *float64  `json:"label_smoothing"`
	Beta           *float64  `json:"beta"`
	Delta          *float64  `json:"delta"`
	LogTarget      *bool     `json:"log_target"`
}

type lossResult struct {
	Output     []reftest.Float `json:"output"`
	GradInput  []reftest.Float `json:"grad_input"`
	GradTarget []reftest.Float `json:"grad_target"`
	// Second is H = ∂⟨v, F⟩/∂(input, target) for the first-order
	// gradients F recorded with create_graph.
	Second [][]reftest.Float `json:"second"`
}

// weightTensor reads a weight option: [a, b, …] of shape [n], or
// [[a], [b], …] of shape [n, 1].
func weightTensor[T tensor.Float](w any) *tensor.Tensor[T] {
	var data []T
	shape := []int{0}
	for _, e := range w.([]any) {
		switch e := e.(type) {
		case float64:
			data = append(data, T(e))
		case []any:
			data = append(data, T(e[0].(float64)))
			shape = []int{0, 1}
		}
	}
	shape[0] = len(data)
	return tensor.FromSlice(data, shape...)
}

func (o lossOpts) build(t *testing.T, wantT string) []functional.LossOption {
	var opts []functional.LossOption
	if o.Reduction != nil {
		r := map[string]functional.Reduction{"mean": functional.ReductionMean, "sum": functional.ReductionSum,
			"none": functional.ReductionNone, "batchmean": functional.ReductionBatchMean}
		red, ok := r[*o.Reduction]
		if !ok {
			t.Fatalf("unknown reduction %q", *o.Reduction)
		}
		opts = append(opts, functional.LossReduction(red))
	}
	if o.IgnoreIndex != nil {
		opts = append(opts, functional.LossIgnoreIndex(*o.IgnoreIndex))
	}
	if o.LabelSmoothing != nil {
		opts = append(opts, functional.LossLabelSmoothing(*o.LabelSmoothing))
	}
	if o.Beta != nil {
		opts = append(opts, functional.LossBeta(*o.Beta))
	}
	if o.Delta != nil {
		opts = append(opts, functional.LossDelta(*o.Delta))
	}
	if o.LogTarget != nil {
		opts = append(opts, functional.LossLogTarget(*o.LogTarget))
	}
	return opts
}

// typedOpts adds the options whose tensors have the element type T.
func typedOpts[T tensor.Float](t *testing.T, o lossOpts) []functional.LossOption {
	opts := o.build(t, "")
	if o.Weight != nil {
		opts = append(opts, functional.LossWeight(weightTensor[T](o.Weight)))
	}
	if o.PosWeight != nil {
		opts = append(opts, functional.LossPosWeight(tensor.FromSlice(reftest.Floats[T](toRef(o.PosWeight)), len(o.PosWeight))))
	}
	return opts
}

func toRef(s []float64) []reftest.Float {
	out := make([]reftest.Float, len(s))
	for i, v := range s {
		out[i] = reftest.Float(v)
	}
	return out
}

// runLoss applies c's loss in T and returns the output and the gradients
// of input and target (nil for class targets) for c's upstream gradient.
func runLoss[T tensor.Float](t *testing.T, c lossCase) (out, gx, gt *tensor.Tensor[T]) {
	tape := autograd.NewTape[T]()
	x, tv, y := applyLoss[T](t, tape, c)
	tape.BackwardWithGrad(y, tensor.FromSlice(reftest.Floats[T](c.Upstream), c.OutputShape...))
	if tv != nil {
		gt = tv.Grad()
	}
	return y.Value(), x.Grad(), gt
}

// applyLoss records c's loss on tape with the input (and a float target)
// as parameters.
func applyLoss[T tensor.Float](t *testing.T, tape *autograd.Tape[T], c lossCase) (x, tv, y *autograd.Var[T]) {
	x = tape.Param(tensor.FromSlice(reftest.Floats[T](c.Input), c.Shape...))
	if c.Target != nil {
		if c.TargetGrad {
			tv = tape.Param(tensor.FromSlice(reftest.Floats[T](c.Target), c.TargetShape...))
		} else {
			tv = tape.Input(tensor.FromSlice(reftest.Floats[T](c.Target), c.TargetShape...))
		}
	}
	opts := typedOpts[T](t, c.Options)
	switch c.Loss {
	case "mse":
		y = functional.MSELoss(x, tv, opts...)
	case "l1":
		y = functional.L1Loss(x, tv, opts...)
	case "smooth_l1":
		y = functional.SmoothL1Loss(x, tv, opts...)
	case "huber":
		y = functional.HuberLoss(x, tv, opts...)
	case "bce":
		y = functional.BCELoss(x, tv, opts...)
	case "bce_logits":
		y = functional.BCEWithLogitsLoss(x, tv, opts...)
	case "nll":
		y = functional.NLLLoss(x, c.Labels, opts...)
	case "cross_entropy":
		y = functional.CrossEntropy(x, c.Labels, opts...)
	case "cross_entropy_probs":
		y = functional.CrossEntropyProbs(x, tv, opts...)
	case "kl_div":
		y = functional.KLDivLoss(x, tv, opts...)
	default:
		t.Fatalf("unknown loss %q", c.Loss)
	}
	if !tensor.EqualShapes(y.Shape(), c.OutputShape) {
		t.Fatalf("output shape %v, want %v", y.Shape(), c.OutputShape)
	}
	return x, tv, y
}

// secondOrder returns H = ∂⟨v, F⟩/∂(input, target) for F the gradients of
// ⟨upstream, y⟩ recorded with CreateGraph, as the script computes it.
func secondOrder[T tensor.Float](t *testing.T, c lossCase) []*tensor.Tensor[T] {
	tape := autograd.NewTape[T]()
	x, tv, y := applyLoss[T](t, tape, c)
	wrt := []*autograd.Var[T]{x}
	if c.TargetGrad {
		wrt = append(wrt, tv)
	}
	g := tape.Input(tensor.FromSlice(reftest.Floats[T](c.Upstream), c.OutputShape...))
	first := tape.Grad([]*autograd.Var[T]{y}, wrt, autograd.GradOptions[T]{GradOutputs: []*autograd.Var[T]{g}, CreateGraph: true})
	var psi *autograd.Var[T]
	for i, f := range first {
		v := autograd.NewConst(tensor.FromSlice(reftest.Floats[T](c.Directions[i]), f.Shape()...))
		term := functional.Sum(functional.Mul(v, f))
		if psi == nil {
			psi = term
		} else {
			psi = functional.Add(psi, term)
		}
	}
	var out []*tensor.Tensor[T]
	if !psi.RequiresGrad() {
		for _, w := range wrt {
			out = append(out, tensor.New[T](w.Shape()...))
		}
		return out
	}
	for _, h := range tape.Grad([]*autograd.Var[T]{psi}, wrt, autograd.GradOptions[T]{MaterializeGrads: true}) {
		out = append(out, h.Value())
	}
	return out
}

// lossClose compares got with PyTorch's want at relative tolerance tol
// (an absolute floor of tol times the largest finite |want|): NaN and ±Inf
// must match exactly.
func lossClose[T tensor.Float](got *tensor.Tensor[T], want []reftest.Float, tol float64) string {
	return lossCloseFloor(got, want, tol, 1e-3)
}

// lossCloseFloor is lossClose with an absolute floor of tol·floor times the
// largest |want|.
func lossCloseFloor[T tensor.Float](got *tensor.Tensor[T], want []reftest.Float, tol, floor float64) string {
	if got == nil {
		return "no gradient"
	}
	if got.Size() != len(want) {
		return fmt.Sprintf("%d values, want %d", got.Size(), len(want))
	}
	scale := 0.0
	for _, w := range want {
		if !math.IsInf(float64(w), 0) && !math.IsNaN(float64(w)) {
			scale = max(scale, math.Abs(float64(w)))
		}
	}
	for i, g := range got.Data() {
		gv, wv := float64(g), float64(want[i])
		switch {
		case math.IsNaN(wv) || math.IsInf(wv, 0):
			if !(math.IsNaN(wv) && math.IsNaN(gv)) && gv != wv {
				return fmt.Sprintf("at %d: %v, want %v", i, gv, wv)
			}
		case math.Abs(gv-wv) > tol*math.Max(math.Abs(wv), scale*floor)+tol*1e-3:
			return fmt.Sprintf("at %d: %.17g, want %.17g", i, gv, wv)
		}
	}
	return ""
}

func checkLoss[T tensor.Float](t *testing.T, c lossCase, want lossResult, tol float64) {
	out, gx, gt := runLoss[T](t, c)
	if msg := lossClose(out, want.Output, tol); msg != "" {
		t.Errorf("output: %s", msg)
	}
	if msg := lossClose(gx, want.GradInput, tol); msg != "" {
		t.Errorf("input gradient: %s", msg)
	}
	if c.TargetGrad {
		if msg := lossClose(gt, want.GradTarget, tol); msg != "" {
			t.Errorf("target gradient: %s", msg)
		}
	}
	if c.Directions == nil {
		return
	}
	h := secondOrder[T](t, c)
	if len(h) != len(want.Second) {
		t.Fatalf("%d second-order gradients, want %d", len(h), len(want.Second))
	}
	for i := range h {
		// Relative to the largest value, as the ops' second-order
		// references (ops/reference_gradgrad_test.go): the two double
		// backward passes round differently where terms cancel.
		if msg := lossCloseFloor(h[i], want.Second[i], tol, 1); msg != "" {
			t.Errorf("second-order gradient %d: %s", i, msg)
		}
	}
}

func loadLosses(t *testing.T) lossFile {
	t.Helper()
	var f lossFile
	reftest.Load(t, lossesPath, "/usr/bin/python3 functional/testdata/gen_torch_losses.py", &f)
	unique := reftest.Unique(t, lossesPath)
	count := map[string]int{}
	for _, c := range f.Cases {
		unique(c.Name)
		count[c.Loss]++
	}
	for _, l := range []string{"mse", "l1", "smooth_l1", "huber", "bce", "bce_logits", "nll", "cross_entropy", "cross_entropy_probs", "kl_div"} {
		if count[l] < 2 {
			t.Fatalf("%s: %d cases of %s, want at least 2", lossesPath, count[l], l)
		}
	}
	return f
}

// TestLossesMatchTorch pins every loss, option and edge case to PyTorch
// 1.13's values, gradients and (but at the edges) second-order gradients:
// float64 to 1e-10 relative, float32 to 1e-5.
func TestLossesMatchTorch(t *testing.T) {
	f := loadLosses(t)
	for _, c := range f.Cases {
		t.Run(c.Name+"/float64", func(t *testing.T) { checkLoss[float64](t, c, c.F64, 1e-10) })
		t.Run(c.Name+"/float32", func(t *testing.T) { checkLoss[float32](t, c, c.F32, 1e-5) })
	}
}
