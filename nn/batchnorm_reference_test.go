package nn_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// The batch norm reference numbers come from PyTorch in float64; regenerate
// them with
//
//	/usr/bin/python3 nn/testdata/gen_torch_batchnorm.py
//
// The tests only read the JSON: they never need Python.
const bnRefPath = "testdata/torch_batchnorm.json"

// bnRefFile is the layout of torch_batchnorm.json.
type bnRefFile struct {
	reftest.Header
	DType      string            `json:"dtype"`
	Modules    []bnRefModule     `json:"modules"`
	Functional []bnRefFunctional `json:"functional"`
}

// bnRefModule is an nn.BatchNorm1d or nn.BatchNorm2d with the given eps,
// momentum, γ and β, run for three training steps and one evaluation step.
type bnRefModule struct {
	Name     string      `json:"name"`
	Module   string      `json:"module"` // "BatchNorm1d" or "BatchNorm2d"
	Channels int         `json:"channels"`
	Eps      float64     `json:"eps"`
	Momentum float64     `json:"momentum"`
	Weight   []float64   `json:"weight"`
	Bias     []float64   `json:"bias"`
	Steps    []bnRefStep `json:"steps"`
	Eval     bnRefStep   `json:"eval"`
}

// bnRefStep is one forward and backward pass: the input, the upstream
// gradient, what PyTorch computed, and the running statistics after it.
type bnRefStep struct {
	Shape             []int     `json:"shape"`
	Input             []float64 `json:"input"`
	Upstream          []float64 `json:"upstream"`
	Output            []float64 `json:"output"`
	GradInput         []float64 `json:"grad_input"`
	GradWeight        []float64 `json:"grad_weight"`
	GradBias          []float64 `json:"grad_bias"`
	RunningMean       []float64 `json:"running_mean"`
	RunningVar        []float64 `json:"running_var"`
	NumBatchesTracked int       `json:"num_batches_tracked"`
}

// bnRefFunctional is F.batch_norm(x, None, None, weight, bias,
// training=True, eps=eps) with its gradients, and the batch mean and biased
// batch variance.
type bnRefFunctional struct {
	Name       string    `json:"name"`
	Eps        float64   `json:"eps"`
	Shape      []int     `json:"shape"`
	Input      []float64 `json:"input"`
	Weight     []float64 `json:"weight"`
	Bias       []float64 `json:"bias"`
	Upstream   []float64 `json:"upstream"`
	Output     []float64 `json:"output"`
	BatchMean  []float64 `json:"batch_mean"`
	BatchVar   []float64 `json:"batch_var"`
	GradInput  []float64 `json:"grad_input"`
	GradWeight []float64 `json:"grad_weight"`
	GradBias   []float64 `json:"grad_bias"`
}

// loadBNReference reads and sanity-checks the reference file, so that a
// truncated or hand-edited file fails loudly instead of testing less.
func loadBNReference(t *testing.T) bnRefFile {
	t.Helper()
	var ref bnRefFile
	reftest.Load(t, bnRefPath, "/usr/bin/python3 nn/testdata/gen_torch_batchnorm.py", &ref)
	if ref.DType != "float64" {
		t.Fatalf("%s: dtype %q, want float64", bnRefPath, ref.DType)
	}
	unique := reftest.Unique(t, bnRefPath)
	var rank2, rank3, rank4, batch1, custom bool
	for _, c := range ref.Modules {
		unique(c.Name)
		if c.Module != "BatchNorm1d" && c.Module != "BatchNorm2d" {
			t.Fatalf("%s: case %q: unknown module %q", bnRefPath, c.Name, c.Module)
		}
		if c.Channels <= 0 || len(c.Weight) != c.Channels || len(c.Bias) != c.Channels {
			t.Fatalf("%s: case %q: %d channels, %d weights, %d biases", bnRefPath, c.Name, c.Channels, len(c.Weight), len(c.Bias))
		}
		if len(c.Steps) != 3 {
			t.Fatalf("%s: case %q: %d training steps, want 3", bnRefPath, c.Name, len(c.Steps))
		}
		if c.Eps != 1e-5 && c.Momentum != 0.1 {
			custom = true
		}
		if slices.Equal(c.Weight, ones(c.Channels)) || slices.Equal(c.Bias, make([]float64, c.Channels)) {
			t.Fatalf("%s: case %q: γ or β is the default, which would not test them", bnRefPath, c.Name)
		}
		for i, s := range append(slices.Clone(c.Steps), c.Eval) {
			where := fmt.Sprintf("%s: case %q, step %d", bnRefPath, c.Name, i+1)
			checkBNStep(t, where, c.Channels, s)
			wantN := min(i+1, len(c.Steps)) // evaluation does not count
			if s.NumBatchesTracked != wantN {
				t.Fatalf("%s: num_batches_tracked %d, want %d", where, s.NumBatchesTracked, wantN)
			}
			switch len(s.Shape) {
			case 2:
				rank2 = rank2 || c.Module == "BatchNorm1d"
			case 3:
				rank3 = rank3 || c.Module == "BatchNorm1d"
			case 4:
				rank4 = rank4 || c.Module == "BatchNorm2d"
				batch1 = batch1 || (c.Module == "BatchNorm2d" && s.Shape[0] == 1 && i < len(c.Steps))
			}
		}
	}
	if !rank2 || !rank3 || !rank4 || !batch1 || !custom {
		t.Errorf("%s: cases must cover BatchNorm1d on N×C (%t) and N×C×L (%t), BatchNorm2d (%t) with batch 1 in training (%t), and non-default eps and momentum (%t)",
			bnRefPath, rank2, rank3, rank4, batch1, custom)
	}
	for _, c := range ref.Functional {
		unique(c.Name)
		n := tensor.NumElems(c.Shape)
		if len(c.Shape) < 2 || len(c.Input) != n || len(c.Upstream) != n || len(c.Output) != n || len(c.GradInput) != n {
			t.Fatalf("%s: case %q: shape %v with %d inputs, %d upstream, %d outputs, %d input gradients",
				bnRefPath, c.Name, c.Shape, len(c.Input), len(c.Upstream), len(c.Output), len(c.GradInput))
		}
		ch := c.Shape[1]
		for _, v := range [][]float64{c.Weight, c.Bias, c.BatchMean, c.BatchVar, c.GradWeight, c.GradBias} {
			if len(v) != ch {
				t.Fatalf("%s: case %q: a per-channel vector of length %d, want %d", bnRefPath, c.Name, len(v), ch)
			}
		}
		if allOnes(c.Upstream) {
			t.Fatalf("%s: case %q: the upstream gradient is all ones", bnRefPath, c.Name)
		}
	}
	if len(ref.Functional) == 0 {
		t.Errorf("%s: no functional cases", bnRefPath)
	}
	return ref
}

func checkBNStep(t *testing.T, where string, c int, s bnRefStep) {
	t.Helper()
	n := tensor.NumElems(s.Shape)
	if len(s.Shape) < 2 || s.Shape[1] != c || len(s.Input) != n || len(s.Upstream) != n ||
		len(s.Output) != n || len(s.GradInput) != n {
		t.Fatalf("%s: shape %v (want %d channels) with %d inputs, %d upstream, %d outputs, %d input gradients",
			where, s.Shape, c, len(s.Input), len(s.Upstream), len(s.Output), len(s.GradInput))
	}
	for _, v := range [][]float64{s.GradWeight, s.GradBias, s.RunningMean, s.RunningVar} {
		if len(v) != c {
			t.Fatalf("%s: a per-channel vector of length %d, want %d", where, len(v), c)
		}
	}
	if allOnes(s.Upstream) {
		t.Fatalf("%s: the upstream gradient is all ones", where)
	}
}

func ones(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

func allOnes(s []float64) bool { return slices.Equal(s, ones(len(s))) }

// bnResult is what one step of tapegrad computed, widened to float64.
type bnResult struct {
	Output, GradInput, GradWeight, GradBias []float64
	RunningMean, RunningVar                 []float64
	NumBatchesTracked                       float64
}

func newBNModule[T tensor.Float](t *testing.T, c bnRefModule, composed bool) *nn.BatchNorm[T] {
	t.Helper()
	var bn *nn.BatchNorm[T]
	switch c.Module {
	case "BatchNorm1d":
		bn = nn.NewBatchNorm1d[T](c.Channels)
	case "BatchNorm2d":
		bn = nn.NewBatchNorm2d[T](c.Channels)
	default:
		t.Fatalf("case %q: unknown module %q", c.Name, c.Module)
	}
	bn.Eps, bn.Momentum, bn.Composed = T(c.Eps), T(c.Momentum), composed
	copy(bn.Weight.Value().Data(), testutil.Convert[T, float64](c.Weight))
	copy(bn.Bias.Value().Data(), testutil.Convert[T, float64](c.Bias))
	return bn
}

// runBNModule runs the case's three training steps and its evaluation step
// on a fresh module in precision T, each on its own tape with the input as a
// differentiable leaf, seeding the backward pass with the case's upstream
// gradient and zeroing the parameters' gradients before every step. It reads
// the parameters' gradients and the running statistics through
// nn.NamedParams and nn.NamedBuffers, under PyTorch's names.
func runBNModule[T tensor.Float](t *testing.T, c bnRefModule, composed bool) (steps []bnResult, eval bnResult) {
	t.Helper()
	bn := newBNModule[T](t, c, composed)
	params := map[string]*autograd.Var[T]{}
	for _, p := range nn.NamedParams[T](bn) {
		params[p.Name] = p.Var
	}
	buffers := map[string]*tensor.Tensor[T]{}
	for _, b := range nn.NamedBuffers[T](bn) {
		buffers[b.Name] = b.Value
	}
	for _, name := range []string{"weight", "bias"} {
		if params[name] == nil {
			t.Fatalf("no parameter %q among %v", name, params)
		}
	}
	for _, name := range []string{"running_mean", "running_var", "num_batches_tracked"} {
		if buffers[name] == nil {
			t.Fatalf("no buffer %q among %v", name, buffers)
		}
	}
	run := func(where string, s bnRefStep) bnResult {
		nn.ZeroGrad[T](bn)
		tape := autograd.NewTape[T]()
		x := tape.Param(tensor.FromSlice(testutil.Convert[T, float64](s.Input), s.Shape...))
		y := bn.Forward(x)
		if !slices.Equal(y.Shape(), s.Shape) {
			t.Fatalf("%s: output shape %v, want %v", where, y.Shape(), s.Shape)
		}
		tape.BackwardWithGrad(y, tensor.FromSlice(testutil.Convert[T, float64](s.Upstream), s.Shape...))
		var missing []string
		for _, v := range []struct {
			name string
			v    *autograd.Var[T]
		}{{"x", x}, {"weight", params["weight"]}, {"bias", params["bias"]}} {
			if v.v.Grad() == nil {
				missing = append(missing, v.name)
			}
		}
		if missing != nil {
			t.Fatalf("%s: the backward pass left no gradient on %v (PyTorch's gradients: weight %v, bias %v)",
				where, missing, s.GradWeight, s.GradBias)
		}
		return bnResult{
			Output:            testutil.Convert[float64, T](y.Value().Data()),
			GradInput:         testutil.Convert[float64, T](x.Grad().Data()),
			GradWeight:        testutil.Convert[float64, T](params["weight"].Grad().Data()),
			GradBias:          testutil.Convert[float64, T](params["bias"].Grad().Data()),
			RunningMean:       testutil.Convert[float64, T](buffers["running_mean"].Data()),
			RunningVar:        testutil.Convert[float64, T](buffers["running_var"].Data()),
			NumBatchesTracked: float64(buffers["num_batches_tracked"].Data()[0]),
		}
	}
	for i, s := range c.Steps {
		steps = append(steps, run(fmt.Sprintf("training step %d", i+1), s))
	}
	nn.SetTraining[T](bn, false)
	eval = run("evaluation", c.Eval)
	return steps, eval
}

// bnWorst tracks the largest |tapegrad − torch| by kind of number.
type bnWorst struct{ values, grads, stats float64 }

func bnMaxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range min(len(a), len(b)) {
		m = max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// compareBNStep reports every quantity of got that differs from want beyond
// opt, and records the largest differences in w.
func compareBNStep(t *testing.T, where string, want bnRefStep, got bnResult, opt cmp.Option, w *bnWorst) {
	t.Helper()
	for _, q := range []struct {
		name      string
		want, got []float64
		worst     *float64
	}{
		{"y", want.Output, got.Output, &w.values},
		{"dx", want.GradInput, got.GradInput, &w.grads},
		{"dγ (weight.grad)", want.GradWeight, got.GradWeight, &w.grads},
		{"dβ (bias.grad)", want.GradBias, got.GradBias, &w.grads},
		{"running_mean", want.RunningMean, got.RunningMean, &w.stats},
		{"running_var", want.RunningVar, got.RunningVar, &w.stats},
	} {
		if d := cmp.Diff(q.want, q.got, opt); d != "" {
			t.Errorf("%s: %s differs from PyTorch's (-torch +tapegrad):\n%s", where, q.name, d)
		}
		*q.worst = max(*q.worst, bnMaxAbsDiff(q.want, q.got))
	}
	if got.NumBatchesTracked != float64(want.NumBatchesTracked) {
		t.Errorf("%s: num_batches_tracked %v, PyTorch's is %d", where, got.NumBatchesTracked, want.NumBatchesTracked)
	}
}

// TestBatchNormTorchReference pins nn.BatchNorm1d and nn.BatchNorm2d, fused
// and composed, to PyTorch's float64 numbers: over three training steps the
// output, the gradients of the input, γ and β, and the running statistics
// and batch count after each step; then, in evaluation mode, the output and
// its gradients, with the running statistics left alone.
func TestBatchNormTorchReference(t *testing.T) {
	ref := loadBNReference(t)
	t.Logf("%d module and %d functional cases from PyTorch %s", len(ref.Modules), len(ref.Functional), ref.TorchVersion)
	approx := cmpopts.EquateApprox(1e-10, 1e-10)
	var w bnWorst
	for _, c := range ref.Modules {
		for _, composed := range []bool{false, true} {
			mode := "fused"
			if composed {
				mode = "composed"
			}
			t.Run(c.Name+"/"+mode, func(t *testing.T) {
				steps, eval := runBNModule[float64](t, c, composed)
				for i, s := range c.Steps {
					compareBNStep(t, fmt.Sprintf("training step %d", i+1), s, steps[i], approx, &w)
				}
				compareBNStep(t, "evaluation", c.Eval, eval, approx, &w)
			})
		}
	}
	t.Logf("largest |tapegrad − torch|: %.3g in values, %.3g in gradients, %.3g in running statistics", w.values, w.grads, w.stats)
}

// TestBatchNormTorchReferenceFloat32 runs the module cases in float32, fused
// and composed: they match PyTorch's float64 numbers to float32 precision.
func TestBatchNormTorchReferenceFloat32(t *testing.T) {
	ref := loadBNReference(t)
	approx := cmpopts.EquateApprox(1e-5, 1e-5)
	var w bnWorst
	for _, c := range ref.Modules {
		for _, composed := range []bool{false, true} {
			mode := "fused"
			if composed {
				mode = "composed"
			}
			t.Run(c.Name+"/"+mode, func(t *testing.T) {
				steps, eval := runBNModule[float32](t, c, composed)
				for i, s := range c.Steps {
					compareBNStep(t, fmt.Sprintf("float32 training step %d", i+1), s, steps[i], approx, &w)
				}
				compareBNStep(t, "float32 evaluation", c.Eval, eval, approx, &w)
			})
		}
	}
	t.Logf("float32: largest |tapegrad − torch|: %.3g in values, %.3g in gradients, %.3g in running statistics", w.values, w.grads, w.stats)
}

// TestBatchNormFunctionalTorchReference pins functional.BatchNorm and
// functional.BatchNormComposed to F.batch_norm(x, None, None, γ, β,
// training=True, eps): output, the batch mean and biased variance they
// return, and the gradients of x, γ and β.
func TestBatchNormFunctionalTorchReference(t *testing.T) {
	ref := loadBNReference(t)
	approx := cmpopts.EquateApprox(1e-10, 1e-10)
	fns := []struct {
		name string
		fn   func(x, gamma, beta *autograd.Var[float64], eps float64) (*autograd.Var[float64], *tensor.Tensor[float64], *tensor.Tensor[float64])
	}{
		{"BatchNorm", functional.BatchNorm[float64]},
		{"BatchNormComposed", functional.BatchNormComposed[float64]},
	}
	var w bnWorst
	for _, c := range ref.Functional {
		for _, f := range fns {
			t.Run(c.Name+"/"+f.name, func(t *testing.T) {
				ch := c.Shape[1]
				tape := autograd.NewTape[float64]()
				x := tape.Param(tensor.FromSlice(slices.Clone(c.Input), c.Shape...))
				gamma := tape.Param(tensor.FromSlice(slices.Clone(c.Weight), ch))
				beta := tape.Param(tensor.FromSlice(slices.Clone(c.Bias), ch))
				y, mean, variance := f.fn(x, gamma, beta, c.Eps)
				tape.BackwardWithGrad(y, tensor.FromSlice(slices.Clone(c.Upstream), c.Shape...))
				for _, v := range []*autograd.Var[float64]{x, gamma, beta} {
					if v.Grad() == nil {
						t.Fatalf("the backward pass left no gradient on %v", v)
					}
				}
				for _, q := range []struct {
					name      string
					want, got []float64
					worst     *float64
				}{
					{"y", c.Output, y.Value().Data(), &w.values},
					{"batch mean", c.BatchMean, mean.Data(), &w.stats},
					{"batch variance", c.BatchVar, variance.Data(), &w.stats},
					{"dx", c.GradInput, x.Grad().Data(), &w.grads},
					{"dγ", c.GradWeight, gamma.Grad().Data(), &w.grads},
					{"dβ", c.GradBias, beta.Grad().Data(), &w.grads},
				} {
					if d := cmp.Diff(q.want, q.got, approx); d != "" {
						t.Errorf("%s differs from PyTorch's (-torch +tapegrad):\n%s", q.name, d)
					}
					*q.worst = max(*q.worst, bnMaxAbsDiff(q.want, q.got))
				}
			})
		}
	}
	t.Logf("largest |tapegrad − torch|: %.3g in values, %.3g in gradients, %.3g in batch statistics", w.values, w.grads, w.stats)
}
