package nn_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers of batch norm's options come from PyTorch, in
// float64 and in float32; regenerate them with
//
//	/usr/bin/python3 nn/testdata/gen_torch_batchnorm_options.py
//
// The tests only read the JSON: they never need Python.
const (
	bnoPath  = "testdata/torch_batchnorm_options.json"
	bnoRegen = "/usr/bin/python3 nn/testdata/gen_torch_batchnorm_options.py"
)

// bnoFile is the layout of torch_batchnorm_options.json.
type bnoFile struct {
	reftest.Header
	Modules    []bnoModule     `json:"modules"`
	Functional []bnoFunctional `json:"functional"`
}

// bnoModule is an nn.BatchNorm1d or nn.BatchNorm2d built with the given
// options, run for three training steps and one evaluation step, in float64
// and in float32 from the same inputs.
type bnoModule struct {
	Name              string      `json:"name"`
	Module            string      `json:"module"` // "BatchNorm1d" or "BatchNorm2d"
	Channels          int         `json:"channels"`
	Eps               float64     `json:"eps"`
	DefaultEps        bool        `json:"default_eps"`
	Momentum          *float64    `json:"momentum"` // nil for None
	TrackRunningStats bool        `json:"track_running_stats"`
	Affine            bool        `json:"affine"`
	Weight            []float64   `json:"weight"` // nil without affine
	Bias              []float64   `json:"bias"`
	Shapes            [][]int     `json:"shapes"`     // of the training steps
	EvalShape         []int       `json:"eval_shape"` // of the evaluation step
	Inputs            [][]float64 `json:"inputs"`     // one per step, evaluation last
	Upstreams         [][]float64 `json:"upstreams"`
	Float64           bnoRun      `json:"float64"`
	Float32           bnoRun      `json:"float32"`
}

// bnoRun is what PyTorch computed for a module case in one dtype.
type bnoRun struct {
	Steps     []bnoStep   `json:"steps"`
	Eval      bnoStep     `json:"eval"`
	StateDict []bnoTensor `json:"state_dict"` // after the training steps
}

// bnoStep is one forward and backward pass; the parameter gradients are nil
// without affine, the running statistics nil without tracking.
type bnoStep struct {
	Output            []float64 `json:"output"`
	GradInput         []float64 `json:"grad_input"`
	GradWeight        []float64 `json:"grad_weight"`
	GradBias          []float64 `json:"grad_bias"`
	RunningMean       []float64 `json:"running_mean"`
	RunningVar        []float64 `json:"running_var"`
	NumBatchesTracked *int      `json:"num_batches_tracked"`
}

// bnoTensor is one entry of a state_dict, in order.
type bnoTensor struct {
	Name   string    `json:"name"`
	DType  string    `json:"dtype"` // "float64", "float32" or "int64"
	Shape  []int     `json:"shape"`
	Values []float64 `json:"values"`
}

// bnoFunctional is F.batch_norm(x, running_mean, running_var, weight, bias,
// training, momentum, eps), nil standing for None.
type bnoFunctional struct {
	Name        string        `json:"name"`
	Shape       []int         `json:"shape"`
	Training    bool          `json:"training"`
	Momentum    float64       `json:"momentum"`
	Eps         float64       `json:"eps"`
	Input       []float64     `json:"input"`
	Upstream    []float64     `json:"upstream"`
	RunningMean []float64     `json:"running_mean"` // before the call
	RunningVar  []float64     `json:"running_var"`
	Weight      []float64     `json:"weight"`
	Bias        []float64     `json:"bias"`
	Float64     bnoFuncResult `json:"float64"`
	Float32     bnoFuncResult `json:"float32"`
}

// bnoFuncResult is F.batch_norm's output, the gradients of what was given,
// and the running statistics after the call.
type bnoFuncResult struct {
	Output      []float64 `json:"output"`
	GradInput   []float64 `json:"grad_input"`
	GradWeight  []float64 `json:"grad_weight"`
	GradBias    []float64 `json:"grad_bias"`
	RunningMean []float64 `json:"running_mean"`
	RunningVar  []float64 `json:"running_var"`
}

func (r bnoRun) all() []bnoStep { return append(slices.Clone(r.Steps), r.Eval) }

// loadBNOptions reads and sanity-checks the reference file, so that a
// truncated or hand-edited file fails loudly instead of testing less: every
// combination of kind, momentum, tracking and affine must be there, with
// consistent lengths.
func loadBNOptions(t *testing.T) bnoFile {
	t.Helper()
	var ref bnoFile
	reftest.Load(t, bnoPath, bnoRegen, &ref)
	combos := map[string]bool{}
	for _, c := range ref.Modules {
		mom := "None"
		if c.Momentum != nil {
			mom = fmt.Sprint(*c.Momentum)
		}
		kind := fmt.Sprintf("%s/%d-d", c.Module, len(c.Shapes[0]))
		combos[fmt.Sprintf("%s momentum=%s track=%t affine=%t", kind, mom, c.TrackRunningStats, c.Affine)] = true
		if len(c.Shapes) != 3 || len(c.Inputs) != 4 || len(c.Upstreams) != 4 {
			t.Fatalf("%s: case %q: %d training shapes, %d inputs, %d upstreams; want 3, 4, 4", bnoPath, c.Name, len(c.Shapes), len(c.Inputs), len(c.Upstreams))
		}
		if c.Affine != (c.Weight != nil) || c.Affine != (c.Bias != nil) {
			t.Fatalf("%s: case %q: affine %t with weight %v and bias %v", bnoPath, c.Name, c.Affine, c.Weight, c.Bias)
		}
		shapes := append(slices.Clone(c.Shapes), c.EvalShape)
		for _, run := range []bnoRun{c.Float64, c.Float32} {
			if len(run.Steps) != 3 {
				t.Fatalf("%s: case %q: %d training steps, want 3", bnoPath, c.Name, len(run.Steps))
			}
			for i, s := range run.all() {
				n := tensor.NumElems(shapes[i])
				if len(c.Inputs[i]) != n || len(c.Upstreams[i]) != n || len(s.Output) != n || len(s.GradInput) != n {
					t.Fatalf("%s: case %q, step %d: shape %v with %d inputs, %d upstream, %d outputs, %d input gradients",
						bnoPath, c.Name, i+1, shapes[i], len(c.Inputs[i]), len(c.Upstreams[i]), len(s.Output), len(s.GradInput))
				}
				if allOnes(c.Upstreams[i]) {
					t.Fatalf("%s: case %q, step %d: the upstream gradient is all ones", bnoPath, c.Name, i+1)
				}
				if (s.GradWeight != nil) != c.Affine || (s.RunningMean != nil) != c.TrackRunningStats || (s.NumBatchesTracked != nil) != c.TrackRunningStats {
					t.Fatalf("%s: case %q, step %d: parameter gradients or running statistics do not fit affine %t, track %t", bnoPath, c.Name, i+1, c.Affine, c.TrackRunningStats)
				}
			}
		}
	}
	if want := 3 * 3 * 2 * 2; len(combos) != want || len(ref.Modules) != want {
		t.Fatalf("%s: %d module cases covering %d combinations, want %d", bnoPath, len(ref.Modules), len(combos), want)
	}
	var train, eval bool
	for _, c := range ref.Functional {
		n := tensor.NumElems(c.Shape)
		if len(c.Shape) < 2 || len(c.Input) != n || len(c.Upstream) != n || len(c.Float64.Output) != n || len(c.Float32.GradInput) != n {
			t.Fatalf("%s: functional case %q: inconsistent lengths for shape %v", bnoPath, c.Name, c.Shape)
		}
		train, eval = train || c.Training, eval || !c.Training
	}
	if !train || !eval {
		t.Fatalf("%s: functional cases cover training %t and evaluation %t, want both", bnoPath, train, eval)
	}
	return ref
}

// bnoOptions translates a case's constructor arguments into options: only
// those that differ from PyTorch's defaults, so that the defaults are
// tested too.
func bnoOptions(c bnoModule) []nn.BatchNormOption {
	var opts []nn.BatchNormOption
	if !c.DefaultEps {
		opts = append(opts, nn.BatchNormEps(c.Eps))
	}
	switch {
	case c.Momentum == nil:
		opts = append(opts, nn.BatchNormCumulativeAverage())
	case *c.Momentum != 0.1:
		opts = append(opts, nn.BatchNormMomentum(*c.Momentum))
	}
	if !c.Affine {
		opts = append(opts, nn.BatchNormAffine(false))
	}
	if !c.TrackRunningStats {
		opts = append(opts, nn.BatchNormTrackRunningStats(false))
	}
	return opts
}

// newBNO builds the case's module in precision T with PyTorch's weight and
// bias.
func newBNO[T tensor.Float](t *testing.T, c bnoModule, composed bool) *nn.BatchNorm[T] {
	t.Helper()
	var bn *nn.BatchNorm[T]
	switch c.Module {
	case "BatchNorm1d":
		bn = nn.NewBatchNorm1d[T](c.Channels, bnoOptions(c)...)
	case "BatchNorm2d":
		bn = nn.NewBatchNorm2d[T](c.Channels, bnoOptions(c)...)
	default:
		t.Fatalf("case %q: unknown module %q", c.Name, c.Module)
	}
	bn.Composed = composed
	if c.Affine {
		copy(bn.Weight.Value().Data(), testutil.Convert[T, float64](c.Weight))
		copy(bn.Bias.Value().Data(), testutil.Convert[T, float64](c.Bias))
	}
	return bn
}

// bnoStateKeys lists a module's state under PyTorch's names, with dtype and
// shape, in state_dict order.
func bnoStateKeys[T tensor.Float](m nn.Module[T]) []string {
	dtype := "float64"
	if _, ok := any(T(0)).(float32); ok {
		dtype = "float32"
	}
	var keys []string
	for _, p := range nn.NamedParams(m) {
		keys = append(keys, fmt.Sprintf("%s %s %v", p.Name, dtype, p.Var.Shape()))
	}
	for _, b := range nn.NamedBuffers(m) {
		d := dtype
		if b.Int {
			d = "int64"
		}
		keys = append(keys, fmt.Sprintf("%s %s %v", b.Name, d, b.Value.Shape()))
	}
	return keys
}

func torchStateKeys(sd []bnoTensor) []string {
	var keys []string
	for _, e := range sd {
		keys = append(keys, fmt.Sprintf("%s %s %v", e.Name, e.DType, e.Shape))
	}
	return keys
}

// bnoStep runs one step on bn and compares it with PyTorch's.
func bnoRunStep[T tensor.Float](t *testing.T, where string, bn *nn.BatchNorm[T], shape []int, input, up []float64, want bnoStep, opt cmp.Option) {
	t.Helper()
	nn.ZeroGrad[T](bn)
	tape := autograd.NewTape[T]()
	x := tape.Param(tensor.FromSlice(testutil.Convert[T, float64](input), shape...))
	y := bn.Forward(x)
	tape.BackwardWithGrad(y, tensor.FromSlice(testutil.Convert[T, float64](up), shape...))
	for _, q := range []struct {
		name      string
		want, got []float64
	}{
		{"y", want.Output, bnoData(y.Value())},
		{"dx", want.GradInput, bnoGrad(x)},
		{"dγ (weight.grad)", want.GradWeight, bnoGrad(bn.Weight)},
		{"dβ (bias.grad)", want.GradBias, bnoGrad(bn.Bias)},
		{"running_mean", want.RunningMean, bnoData(bn.RunningMean)},
		{"running_var", want.RunningVar, bnoData(bn.RunningVar)},
	} {
		if (q.want == nil) != (q.got == nil) {
			t.Errorf("%s: %s is %v, PyTorch's is %v", where, q.name, q.got, q.want)
			continue
		}
		if d := cmp.Diff(q.want, q.got, opt); d != "" {
			t.Errorf("%s: %s differs from PyTorch's (-torch +tapegrad):\n%s", where, q.name, d)
		}
	}
	if (want.NumBatchesTracked == nil) != (bn.NumBatchesTracked == nil) {
		t.Errorf("%s: num_batches_tracked %v, PyTorch's %v", where, bn.NumBatchesTracked, want.NumBatchesTracked)
	} else if want.NumBatchesTracked != nil && bn.NumBatchesTracked.Item() != T(*want.NumBatchesTracked) {
		t.Errorf("%s: num_batches_tracked %v, PyTorch's %d", where, bn.NumBatchesTracked.Item(), *want.NumBatchesTracked)
	}
}

// writeTorchState writes PyTorch's state_dict as a safetensors file, the way
// torch's own save_file lays it out (num_batches_tracked as I64).
func writeTorchState[T tensor.Float](t *testing.T, path string, sd []bnoTensor) {
	t.Helper()
	w := safetensors.NewWriter()
	for _, e := range sd {
		if e.DType == "int64" {
			ints := make([]int64, len(e.Values))
			for i, v := range e.Values {
				ints[i] = int64(v)
			}
			w.AddInt64(e.Name, e.Shape, ints)
			continue
		}
		safetensors.Add(w, e.Name, tensor.FromSlice(testutil.Convert[T, float64](e.Values), e.Shape...))
	}
	if err := w.WriteFile(path); err != nil {
		t.Fatal(err)
	}
}

// runBNOCase checks one module case in precision T, fused or composed:
//   - the module's state has exactly PyTorch's state_dict keys, in order,
//     with their dtypes and shapes;
//   - three training steps and an evaluation step give PyTorch's outputs,
//     gradients, running statistics and num_batches_tracked;
//   - after training, nn.Save writes PyTorch's state_dict (names, dtypes,
//     values), and PyTorch's state_dict, written as a safetensors file,
//     loads strictly into a fresh module, which then gives PyTorch's
//     evaluation output.
func runBNOCase[T tensor.Float](t *testing.T, c bnoModule, run bnoRun, composed bool, opt cmp.Option) {
	bn := newBNO[T](t, c, composed)
	if d := cmp.Diff(torchStateKeys(run.StateDict), bnoStateKeys[T](bn)); d != "" {
		t.Errorf("state keys differ from PyTorch's state_dict (-torch +tapegrad):\n%s", d)
	}
	for i, s := range run.Steps {
		bnoRunStep(t, fmt.Sprintf("training step %d", i+1), bn, c.Shapes[i], c.Inputs[i], c.Upstreams[i], s, opt)
	}

	dir := t.TempDir()
	saved := filepath.Join(dir, "tapegrad.safetensors")
	if err := nn.Save[T](saved, bn); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.OpenFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range run.StateDict {
		names = append(names, e.Name)
		dtype, shape, ok := f.Info(e.Name)
		if !ok {
			t.Errorf("nn.Save wrote no %q", e.Name)
			continue
		}
		if want := map[string]safetensors.DType{"float64": safetensors.F64, "float32": safetensors.F32, "int64": safetensors.I64}[e.DType]; dtype != want || !slices.Equal(shape, e.Shape) {
			t.Errorf("nn.Save wrote %q as %s %v, PyTorch's is %s %v", e.Name, dtype, shape, e.DType, e.Shape)
		}
	}
	if got := f.Names(); !cmp.Equal(names, got, cmpopts.SortSlices(func(a, b string) bool { return a < b }), cmpopts.EquateEmpty()) {
		t.Errorf("nn.Save wrote %v, PyTorch's state_dict has %v", got, names)
	}
	f.Close()

	torchFile := filepath.Join(dir, "torch.safetensors")
	writeTorchState[T](t, torchFile, run.StateDict)
	loaded := newBNO[T](t, c, composed)
	if c.Affine { // the weights must come from the file
		loaded.Weight.Value().Fill(7)
		loaded.Bias.Value().Fill(7)
	}
	if err := nn.Load[T](torchFile, loaded); err != nil {
		t.Fatalf("PyTorch's state_dict does not load: %v", err)
	}
	nn.SetTraining[T](loaded, false)
	bnoRunStep(t, "evaluation after loading PyTorch's state_dict", loaded, c.EvalShape, c.Inputs[3], c.Upstreams[3], run.Eval, opt)

	nn.SetTraining[T](bn, false)
	bnoRunStep(t, "evaluation", bn, c.EvalShape, c.Inputs[3], c.Upstreams[3], run.Eval, opt)
}

// TestBatchNormOptionsTorchReference pins nn.BatchNorm1d (N×C and N×C×L) and
// nn.BatchNorm2d, fused and composed, with momentum 0.1, None
// (BatchNormCumulativeAverage) and 0, with and without running statistics
// and the affine map, to PyTorch's numbers, in float64 to 1e-10 and in
// float32 to 1e-5 (against torch's float32 results), and their checkpoints
// to PyTorch's state_dict; see runBNOCase.
func TestBatchNormOptionsTorchReference(t *testing.T) {
	ref := loadBNOptions(t)
	t.Logf("%d module cases from PyTorch %s", len(ref.Modules), ref.TorchVersion)
	for _, c := range ref.Modules {
		for _, composed := range []bool{false, true} {
			mode := "fused"
			if composed {
				mode = "composed"
			}
			t.Run(c.Name+"/float64/"+mode, func(t *testing.T) {
				runBNOCase[float64](t, c, c.Float64, composed, cmpopts.EquateApprox(1e-10, 1e-12))
			})
			t.Run(c.Name+"/float32/"+mode, func(t *testing.T) {
				runBNOCase[float32](t, c, c.Float32, composed, cmpopts.EquateApprox(1e-5, 1e-5))
			})
		}
	}
}

// runBNOFunctional runs a functional case in precision T with f, which is
// functional.BatchNormFull or an equivalent, and compares with PyTorch's.
func runBNOFunctional[T tensor.Float](t *testing.T, c bnoFunctional, want bnoFuncResult, opt cmp.Option,
	f func(x *autograd.Var[T], rm, rv *tensor.Tensor[T], w, b *autograd.Var[T], training bool, momentum, eps T) *autograd.Var[T]) {
	t.Helper()
	ch := c.Shape[1]
	tape := autograd.NewTape[T]()
	x := tape.Param(tensor.FromSlice(testutil.Convert[T, float64](c.Input), c.Shape...))
	vec := func(v []float64) *tensor.Tensor[T] {
		if v == nil {
			return nil
		}
		return tensor.FromSlice(testutil.Convert[T, float64](v), ch)
	}
	param := func(v []float64) *autograd.Var[T] {
		if v == nil {
			return nil
		}
		return tape.Param(vec(v))
	}
	rm, rv, w, b := vec(c.RunningMean), vec(c.RunningVar), param(c.Weight), param(c.Bias)
	y := f(x, rm, rv, w, b, c.Training, T(c.Momentum), T(c.Eps))
	tape.BackwardWithGrad(y, tensor.FromSlice(testutil.Convert[T, float64](c.Upstream), c.Shape...))
	for _, q := range []struct {
		name      string
		want, got []float64
	}{
		{"y", want.Output, bnoData(y.Value())},
		{"dx", want.GradInput, bnoGrad(x)},
		{"dγ (weight.grad)", want.GradWeight, bnoGrad(w)},
		{"dβ (bias.grad)", want.GradBias, bnoGrad(b)},
		{"running_mean", want.RunningMean, bnoData(rm)},
		{"running_var", want.RunningVar, bnoData(rv)},
	} {
		if (q.want == nil) != (q.got == nil) {
			t.Errorf("%s is %v, PyTorch's is %v", q.name, q.got, q.want)
			continue
		}
		if d := cmp.Diff(q.want, q.got, opt); d != "" {
			t.Errorf("%s differs from PyTorch's (-torch +tapegrad):\n%s", q.name, d)
		}
	}
}

// composedFull is F.batch_norm in training mode built from
// functional.BatchNormComposed and functional.UpdateRunningStats, so that the
// composed batch norm with γ or β nil is pinned to PyTorch too.
func composedFull[T tensor.Float](x *autograd.Var[T], rm, rv *tensor.Tensor[T], w, b *autograd.Var[T], training bool, momentum, eps T) *autograd.Var[T] {
	y, mean, variance := functional.BatchNormComposed(x, w, b, eps)
	functional.UpdateRunningStats(rm, rv, mean, variance, tensor.NumElems(x.Shape())/x.Shape()[1], float64(momentum))
	return y
}

// TestBatchNormFullTorchReference pins functional.BatchNormFull to
// F.batch_norm with running statistics given or not, in training and
// evaluation mode, with weight or bias None, in float64 and float32; the
// training cases also through BatchNormComposed and UpdateRunningStats.
func TestBatchNormFullTorchReference(t *testing.T) {
	ref := loadBNOptions(t)
	for _, c := range ref.Functional {
		t.Run(c.Name+"/float64", func(t *testing.T) {
			runBNOFunctional(t, c, c.Float64, cmpopts.EquateApprox(1e-10, 1e-12), functional.BatchNormFull[float64])
			if c.Training {
				runBNOFunctional(t, c, c.Float64, cmpopts.EquateApprox(1e-10, 1e-12), composedFull[float64])
			}
		})
		t.Run(c.Name+"/float32", func(t *testing.T) {
			runBNOFunctional(t, c, c.Float32, cmpopts.EquateApprox(1e-5, 1e-5), functional.BatchNormFull[float32])
			if c.Training {
				runBNOFunctional(t, c, c.Float32, cmpopts.EquateApprox(1e-5, 1e-5), composedFull[float32])
			}
		})
	}
}

// A checkpoint loads only into a module with the same options: between
// affine and not, tracking and not, nn.Load fails and names the first
// tensor that is missing or unexpected.
func TestBatchNormOptionsCheckpointStrict(t *testing.T) {
	dir := t.TempDir()
	type combo struct{ affine, track bool }
	combos := []combo{{true, true}, {false, true}, {true, false}, {false, false}}
	build := func(c combo) *nn.BatchNorm[float32] {
		return nn.NewBatchNorm2d[float32](3, nn.BatchNormAffine(c.affine), nn.BatchNormTrackRunningStats(c.track))
	}
	for _, from := range combos {
		path := filepath.Join(dir, fmt.Sprintf("affine%t_track%t", from.affine, from.track))
		if err := nn.Save[float32](path, build(from)); err != nil {
			t.Fatal(err)
		}
		for _, to := range combos {
			err := nn.Load[float32](path, build(to))
			var want string
			switch {
			case from == to:
			case to.affine && !from.affine:
				want = `tensor "weight" is missing`
			case to.track && !from.track:
				want = `tensor "running_mean" is missing`
			case from.affine && !to.affine:
				want = `unexpected tensor "bias"` // the first in sorted order
			default:
				want = `unexpected tensor "num_batches_tracked"`
			}
			if want == "" {
				if err != nil {
					t.Errorf("%+v into %+v: %v", from, to, err)
				}
				continue
			}
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%+v into %+v: error %v, want one containing %q", from, to, err, want)
			}
		}
	}
}

// bnoData returns v's elements as float64, or nil for a missing tensor.
func bnoData[T tensor.Float](v *tensor.Tensor[T]) []float64 {
	if v == nil {
		return nil
	}
	return testutil.Convert[float64, T](v.Data())
}

// bnoGrad returns v's gradient as float64: nil for a missing Var, empty
// for one that no gradient reached.
func bnoGrad[T tensor.Float](v *autograd.Var[T]) []float64 {
	if v == nil {
		return nil
	}
	if v.Grad() == nil {
		return []float64{}
	}
	return bnoData(v.Grad())
}
