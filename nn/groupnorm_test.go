package nn_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// The module cases of functional/testdata/torch_groupnorm.json (made by
// functional/testdata/gen_torch_groupnorm.py).
const gnModulesPath = "../functional/testdata/torch_groupnorm.json"

type gnmStep struct {
	Output            []float64 `json:"output"`
	GradInput         []float64 `json:"grad_input"`
	GradWeight        []float64 `json:"grad_weight"`
	GradBias          []float64 `json:"grad_bias"`
	RunningMean       []float64 `json:"running_mean"`
	RunningVar        []float64 `json:"running_var"`
	NumBatchesTracked *int      `json:"num_batches_tracked"`
}

type gnmCase struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Kwargs struct {
		NumGroups   int      `json:"num_groups"`
		NumChannels int      `json:"num_channels"`
		NumFeatures int      `json:"num_features"`
		Eps         *float64 `json:"eps"`
		Momentum    *float64 `json:"momentum"`
		Affine      *bool    `json:"affine"`
		Track       *bool    `json:"track_running_stats"`
	} `json:"kwargs"`
	Steps []struct {
		X     []float64 `json:"x"`
		G     []float64 `json:"g"`
		Shape []int     `json:"shape"`
	} `json:"steps"`
	Weight    []float64 `json:"weight"`
	Bias      []float64 `json:"bias"`
	Float64   []gnmStep `json:"float64"`
	Float32   []gnmStep `json:"float32"`
	StateKeys []string  `json:"state_keys"`
}

func loadGNModules(t *testing.T) []gnmCase {
	var f struct {
		reftest.Header
		GroupNorm    json.RawMessage `json:"group_norm"`
		InstanceNorm json.RawMessage `json:"instance_norm"`
		Modules      []gnmCase       `json:"modules"`
	}
	reftest.Load(t, gnModulesPath, "/usr/bin/python3 functional/testdata/gen_torch_groupnorm.py", &f)
	if len(f.Modules) == 0 {
		t.Fatal("no module cases")
	}
	return f.Modules
}

// gnmModule builds the case's module, with the case's γ and β.
func gnmModule[T tensor.Float](c gnmCase, composed bool) (nn.Module[T], *autograd.Var[T], *autograd.Var[T]) {
	var opts []nn.NormOption
	k := c.Kwargs
	if k.Eps != nil {
		opts = append(opts, nn.NormEps(*k.Eps))
	}
	if k.Affine != nil {
		opts = append(opts, nn.NormAffine(*k.Affine))
	}
	if k.Momentum != nil {
		opts = append(opts, nn.NormMomentum(*k.Momentum))
	}
	if k.Track != nil {
		opts = append(opts, nn.NormTrackRunningStats(*k.Track))
	}
	var m nn.Module[T]
	var w, b *autograd.Var[T]
	if c.Kind == "GroupNorm" {
		gn := nn.NewGroupNorm[T](k.NumGroups, k.NumChannels, opts...)
		gn.Composed = composed
		m, w, b = gn, gn.Weight, gn.Bias
	} else {
		in := nn.NewInstanceNorm2d[T](k.NumFeatures, opts...)
		m, w, b = in, in.Weight, in.Bias
	}
	if w != nil {
		copy(w.Value().Data(), testutil.Convert[T, float64](c.Weight))
		copy(b.Value().Data(), testutil.Convert[T, float64](c.Bias))
	}
	return m, w, b
}

func gnmData[T tensor.Float](v *tensor.Tensor[T]) []float64 {
	if v == nil {
		return nil
	}
	return testutil.Convert[float64, T](v.Data())
}

func gnmGrad[T tensor.Float](v *autograd.Var[T]) []float64 {
	if v == nil {
		return nil
	}
	return gnmData(v.Grad())
}

func runGNModule[T tensor.Float](t *testing.T, c gnmCase, want []gnmStep, composed bool, opt cmp.Option) {
	m, w, b := gnmModule[T](c, composed)
	var keys []string
	for _, p := range nn.NamedParams(m) {
		keys = append(keys, p.Name)
	}
	for _, bf := range nn.NamedBuffers(m) {
		keys = append(keys, bf.Name)
	}
	if d := cmp.Diff(c.StateKeys, keys, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("state keys differ from PyTorch's state_dict (-torch +tapegrad):\n%s", d)
	}
	in, _ := m.(*nn.InstanceNorm[T])
	for i, s := range c.Steps {
		nn.SetTraining(m, i < len(c.Steps)-1)
		nn.ZeroGrad(m)
		tape := autograd.NewTape[T]()
		x := tape.Param(tensor.FromSlice(testutil.Convert[T, float64](s.X), s.Shape...))
		y := m.Forward(x)
		tape.BackwardWithGrad(y, tensor.FromSlice(testutil.Convert[T, float64](s.G), s.Shape...))
		got := gnmStep{Output: gnmData(y.Value()), GradInput: gnmGrad(x), GradWeight: gnmGrad(w), GradBias: gnmGrad(b)}
		if in != nil && in.RunningMean != nil {
			got.RunningMean, got.RunningVar = gnmData(in.RunningMean), gnmData(in.RunningVar)
			n := int(in.NumBatchesTracked.Item())
			got.NumBatchesTracked = &n
		}
		if d := cmp.Diff(want[i], got, opt); d != "" {
			t.Errorf("step %d differs from PyTorch's (-torch +tapegrad):\n%s", i, d)
		}
	}
	// The state, saved, loads strictly into a fresh module.
	path := filepath.Join(t.TempDir(), "state")
	if err := nn.Save(path, m); err != nil {
		t.Fatal(err)
	}
	fresh, _, _ := gnmModule[T](c, composed)
	if err := nn.Load(path, fresh); err != nil {
		t.Errorf("loading the saved state: %v", err)
	}
	if d := cmp.Diff(nn.NamedBuffers(m), nn.NamedBuffers(fresh), cmp.Comparer(func(a, b *tensor.Tensor[T]) bool { return tensor.AllClose(a, b, 0, 0) })); d != "" {
		t.Errorf("loaded buffers differ:\n%s", d)
	}
}

// TestGroupNormModulesTorchReference pins nn.GroupNorm (fused and
// composed) and nn.InstanceNorm2d, with their options, to PyTorch's modules:
// state_dict names, then two training steps and one evaluation step
// (output, gradients, running statistics), in float64 and float32; and
// checks that a saved state loads strictly.
func TestGroupNormModulesTorchReference(t *testing.T) {
	for _, c := range loadGNModules(t) {
		for _, composed := range []bool{false, true} {
			if composed && c.Kind != "GroupNorm" {
				continue
			}
			name := fmt.Sprintf("%s/composed=%v", c.Name, composed)
			t.Run(name+"/float64", func(t *testing.T) {
				runGNModule[float64](t, c, c.Float64, composed, cmpopts.EquateApprox(1e-10, 1e-12))
			})
			t.Run(name+"/float32", func(t *testing.T) {
				runGNModule[float32](t, c, c.Float32, composed, cmpopts.EquateApprox(2e-5, 2e-5))
			})
		}
	}
}

// TestGroupNormModuleDefaults pins PyTorch's defaults and initialization.
func TestGroupNormModuleDefaults(t *testing.T) {
	gn := nn.NewGroupNorm[float64](2, 4)
	if gn.Eps != 1e-5 || gn.Weight == nil || gn.Composed {
		t.Fatalf("NewGroupNorm(2, 4) = %+v, want eps 1e-5 and affine", gn)
	}
	if d := cmp.Diff([]float64{1, 1, 1, 1}, gn.Weight.Value().Data()); d != "" {
		t.Errorf("weight init:\n%s", d)
	}
	if d := cmp.Diff([]float64{0, 0, 0, 0}, gn.Bias.Value().Data()); d != "" {
		t.Errorf("bias init:\n%s", d)
	}
	in := nn.NewInstanceNorm2d[float64](3)
	if in.Eps != 1e-5 || in.Momentum != 0.1 || in.Weight != nil || in.RunningMean != nil {
		t.Errorf("NewInstanceNorm2d(3) = %+v, want eps 1e-5, momentum 0.1, no affine, no running stats", in)
	}
	tr := nn.NewInstanceNorm2d[float64](3, nn.NormTrackRunningStats(true), nn.NormAffine(true))
	if d := cmp.Diff([]float64{0, 0, 0, 1, 1, 1, 0}, append(append(tr.RunningMean.Data()[:3:3], tr.RunningVar.Data()...), tr.NumBatchesTracked.Data()...)); d != "" {
		t.Errorf("running statistics init:\n%s", d)
	}
}

func TestGroupNormModulePanics(t *testing.T) {
	testutil.MustPanic(t, func() { nn.NewGroupNorm[float64](3, 4) }, "nn: GroupNorm: num_channels 4 must be divisible by num_groups 3")
	testutil.MustPanic(t, func() { nn.NewGroupNorm[float64](0, 4) }, "nn: GroupNorm: num_channels 4 must be divisible by num_groups 0")
	testutil.MustPanic(t, func() { nn.NewGroupNorm[float64](2, 4, nn.NormMomentum(0.2)) }, "nn: GroupNorm takes no momentum nor track_running_stats")
	testutil.MustPanic(t, func() { nn.NewGroupNorm[float64](2, 4).Forward(autograd.NewConst(tensor.New[float64](2, 6))) },
		"nn: GroupNorm expects an input of shape N×4×…, got [2 6]")
	testutil.MustPanic(t, func() { nn.NewInstanceNorm2d[float64](0) }, "nn: InstanceNorm2d needs a positive number of features, got 0")
	testutil.MustPanic(t, func() { nn.NewInstanceNorm2d[float64](3).Forward(autograd.NewConst(tensor.New[float64](2, 3, 4))) },
		"nn: InstanceNorm2d expects a C×H×W (unbatched) or N×C×H×W input with C = 3, got shape [2 3 4]")
	testutil.MustPanic(t, func() { nn.NewInstanceNorm2d[float64](3).Forward(autograd.NewConst(tensor.New[float64](3, 4))) },
		"nn: InstanceNorm2d expects a C×H×W (unbatched) or N×C×H×W input with C = 3, got shape [3 4]")
	testutil.MustPanic(t, func() {
		nn.NewInstanceNorm2d[float64](3).Forward(autograd.NewConst(tensor.New[float64](1, 2, 3, 4, 4)))
	},
		"nn: InstanceNorm2d expects a C×H×W (unbatched) or N×C×H×W input with C = 3, got shape [1 2 3 4 4]")
}
