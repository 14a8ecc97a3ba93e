package nn

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers for the modules' unbatched inputs and for
// nn.Upsample's 1-d interpolation come from PyTorch's modules; regenerate
// them with
//
//	/usr/bin/python3 nn/testdata/gen_torch_unbatched.py
const unbatchedRefPath = "testdata/torch_unbatched.json"

type unbatchedRef struct {
	reftest.Header
	Cases []unbatchedCase `json:"cases"`
}

// unbatchedCase is one torch.nn module, built from its constructor's
// arguments, with its parameters and buffers set by state_dict name, and
// the calls made to it.
type unbatchedCase struct {
	Name    string                     `json:"name"`
	Module  string                     `json:"module"`
	Args    unbatchedArgs              `json:"args"`
	Params  map[string][]reftest.Float `json:"params"`
	Buffers map[string][]reftest.Float `json:"buffers"`
	Calls   []unbatchedCall            `json:"calls"`
}

// unbatchedArgs are the constructor arguments of every module the file
// has, under PyTorch's names; each case sets its module's.
type unbatchedArgs struct {
	InChannels           int       `json:"in_channels"`
	OutChannels          int       `json:"out_channels"`
	KernelSize           [2]int    `json:"kernel_size"`
	Stride               [2]int    `json:"stride"`
	Padding              []int     `json:"padding"`
	Dilation             [2]int    `json:"dilation"`
	OutputPadding        [2]int    `json:"output_padding"`
	Groups               int       `json:"groups"`
	Bias                 bool      `json:"bias"`
	CeilMode             bool      `json:"ceil_mode"`
	ReturnIndices        bool      `json:"return_indices"`
	CountIncludePad      bool      `json:"count_include_pad"`
	DivisorOverride      *int      `json:"divisor_override"`
	OutputSize           [2]*int   `json:"output_size"`
	NumFeatures          int       `json:"num_features"`
	Eps                  float64   `json:"eps"`
	Momentum             float64   `json:"momentum"`
	Affine               bool      `json:"affine"`
	TrackRunningStats    bool      `json:"track_running_stats"`
	Size                 []int     `json:"size"`
	ScaleFactor          []float64 `json:"scale_factor"`
	ScalarScale          bool      `json:"scalar_scale"`
	Mode                 string    `json:"mode"`
	AlignCorners         *bool     `json:"align_corners"`
	RecomputeScaleFactor *bool     `json:"recompute_scale_factor"`
	Value                float64   `json:"value"`
}

// unbatchedCall is one call of the module, in training or evaluation mode,
// with y.backward(upstream), and what it gave in each dtype.
type unbatchedCall struct {
	Training    bool            `json:"training"`
	Shape       []int           `json:"shape"`
	Input       []reftest.Float `json:"input"`
	Upstream    []reftest.Float `json:"upstream"`
	OutputShape []int           `json:"output_shape"`
	Float64     unbatchedResult `json:"float64"`
	Float32     unbatchedResult `json:"float32"`
}

type unbatchedResult struct {
	Output     []reftest.Float            `json:"output"`
	GradInput  []reftest.Float            `json:"grad_input"`
	GradParams map[string][]reftest.Float `json:"grad_params"`
	Buffers    map[string][]reftest.Float `json:"buffers"`
	Indices    []int64                    `json:"indices"`
}

// pairOrRepeat returns a size or scale list of one entry as (v, 0), the
// Go spelling of a 3-d input's, and of two as they are.
func pairOrRepeat[E int | float64](v []E) [2]E {
	switch len(v) {
	case 0:
		return [2]E{}
	case 1:
		return [2]E{v[0], 0}
	}
	return [2]E{v[0], v[1]}
}

// newUnbatchedModule builds the module of case c.
func newUnbatchedModule[T tensor.Float](t *testing.T, c unbatchedCase) Module[T] {
	a := c.Args
	rng := rand.New(rand.NewPCG(1, 2))
	orZero := func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	switch c.Module {
	case "Conv2d":
		return NewConv2d[T](a.InChannels, a.OutChannels, a.KernelSize, functional.Conv2dOptions{Stride: a.Stride,
			Padding: [2]int(a.Padding), Dilation: a.Dilation, Groups: a.Groups}, a.Bias, rng)
	case "ConvTranspose2d":
		return NewConvTranspose2d[T](a.InChannels, a.OutChannels, a.KernelSize, functional.ConvTranspose2dOptions{
			Stride: a.Stride, Padding: [2]int(a.Padding), OutputPadding: a.OutputPadding, Dilation: a.Dilation,
			Groups: a.Groups}, a.Bias, rng)
	case "MaxPool2d":
		return &MaxPool2d[T]{Kernel: a.KernelSize, Stride: a.Stride, Padding: [2]int(a.Padding), Dilation: a.Dilation,
			CeilMode: a.CeilMode, ReturnIndices: a.ReturnIndices}
	case "AvgPool2d":
		return &AvgPool2d[T]{Kernel: a.KernelSize, Stride: a.Stride, Padding: [2]int(a.Padding), CeilMode: a.CeilMode,
			ExcludePad: !a.CountIncludePad, DivisorOverride: orZero(a.DivisorOverride)}
	case "AdaptiveAvgPool2d":
		return NewAdaptiveAvgPool2d[T](orZero(a.OutputSize[0]), orZero(a.OutputSize[1]))
	case "AdaptiveMaxPool2d":
		m := NewAdaptiveMaxPool2d[T](orZero(a.OutputSize[0]), orZero(a.OutputSize[1]))
		m.ReturnIndices = a.ReturnIndices
		return m
	case "InstanceNorm2d":
		return NewInstanceNorm2d[T](a.NumFeatures, NormEps(a.Eps), NormMomentum(a.Momentum), NormAffine(a.Affine),
			NormTrackRunningStats(a.TrackRunningStats))
	case "Upsample":
		var mode functional.InterpMode
		switch a.Mode {
		case "nearest":
			mode = functional.InterpNearest
		case "linear":
			mode = functional.InterpLinear
		case "bilinear":
			mode = functional.InterpBilinear
		default:
			t.Fatalf("case %q: unknown mode %q", c.Name, a.Mode)
		}
		var u *Upsample[T]
		if a.ScalarScale {
			u = NewUpsample[T](a.ScaleFactor[0], mode)
		} else {
			u = &Upsample[T]{InterpolateOptions: functional.InterpolateOptions{Size: pairOrRepeat(a.Size),
				ScaleFactor: pairOrRepeat(a.ScaleFactor), Mode: mode}}
		}
		u.AlignCorners = a.AlignCorners != nil && *a.AlignCorners
		u.RecomputeScaleFactor = a.RecomputeScaleFactor != nil && *a.RecomputeScaleFactor
		return u
	case "ConstantPad2d":
		return NewConstantPad2d[T](a.Padding, T(a.Value))
	case "ZeroPad2d":
		return NewZeroPad2d[T](a.Padding...)
	case "ReflectionPad2d":
		return NewReflectionPad2d[T](a.Padding...)
	case "ReplicationPad2d":
		return NewReplicationPad2d[T](a.Padding...)
	}
	t.Fatalf("case %q: unknown module %q", c.Name, c.Module)
	return nil
}

// TestUnbatchedMatchesPyTorch: every module PyTorch 1.13 lets take a C×H×W
// input (convolutions, pooling, adaptive pooling, instance norm with its
// running statistics, padding) gives PyTorch's output, input and
// parameter gradients, buffers and indices on one, in both dtypes; and
// nn.Upsample gives PyTorch's 1-d interpolation of N×C×L inputs (nearest,
// linear, align_corners, recompute_scale_factor, infinities).
func TestUnbatchedMatchesPyTorch(t *testing.T) {
	var ref unbatchedRef
	reftest.Load(t, unbatchedRefPath, "/usr/bin/python3 nn/testdata/gen_torch_unbatched.py", &ref)
	unique := reftest.Unique(t, unbatchedRefPath)
	covered := map[string]bool{}
	for _, c := range ref.Cases {
		unique(c.Name)
		for _, call := range c.Calls {
			covered[c.Module+" "+strings.Repeat("d", len(call.Shape))] = true
		}
		if c.Module == "Upsample" {
			covered["Upsample "+c.Args.Mode] = true
		}
		t.Run(c.Name, func(t *testing.T) {
			t.Run("float64", func(t *testing.T) {
				runUnbatchedCase[float64](t, c, func(r unbatchedCall) unbatchedResult { return r.Float64 }, 1e-10)
			})
			t.Run("float32", func(t *testing.T) {
				runUnbatchedCase[float32](t, c, func(r unbatchedCall) unbatchedResult { return r.Float32 }, 1e-5)
			})
		})
	}
	for _, want := range []string{"Conv2d ddd", "ConvTranspose2d ddd", "MaxPool2d ddd", "AvgPool2d ddd",
		"AdaptiveAvgPool2d ddd", "AdaptiveMaxPool2d ddd", "InstanceNorm2d ddd", "InstanceNorm2d dddd",
		"ConstantPad2d ddd", "ZeroPad2d ddd", "ReflectionPad2d ddd", "ReplicationPad2d ddd",
		"Upsample ddd", "Upsample dddd", "Upsample nearest", "Upsample linear"} {
		if !covered[want] {
			t.Errorf("%s: no case covers %s", unbatchedRefPath, want)
		}
	}
}

func runUnbatchedCase[T tensor.Float](t *testing.T, c unbatchedCase, result func(unbatchedCall) unbatchedResult, tol float64) {
	m := newUnbatchedModule[T](t, c)
	params, buffers := NamedParams(m), NamedBuffers(m)
	names := func(n int, name func(int) string) []string {
		var out []string
		for i := range n {
			out = append(out, name(i))
		}
		return out
	}
	if got, want := names(len(params), func(i int) string { return params[i].Name }), sortedKeys(c.Params); !slices.Equal(sortedClone(got), want) {
		t.Fatalf("parameters %v, PyTorch's state_dict has %v", got, want)
	}
	for _, p := range params {
		copy(p.Var.Value().Data(), reftest.Floats[T](c.Params[p.Name]))
	}
	for _, b := range buffers {
		if v, ok := c.Buffers[b.Name]; ok {
			copy(b.Value.Data(), reftest.Floats[T](v))
		}
	}
	compare := func(what string, got []T, want []reftest.Float) {
		t.Helper()
		g := make([]float64, len(got))
		for i, v := range got {
			g[i] = float64(v)
		}
		if d := cmp.Diff(reftest.Floats[float64](want), g, cmpopts.EquateApprox(tol, tol), cmpopts.EquateNaNs()); d != "" {
			t.Errorf("%s differs from PyTorch's (-torch +tapegrad):\n%s", what, d)
		}
	}
	for i, call := range c.Calls {
		want := result(call)
		SetTraining(m, call.Training)
		ZeroGrad(m)
		tape := autograd.NewTape[T]()
		x := tape.Param(tensor.FromSlice(reftest.Floats[T](call.Input), call.Shape...))
		y := m.Forward(x)
		if !slices.Equal(y.Shape(), call.OutputShape) {
			t.Fatalf("call %d: output shape %v, PyTorch's is %v", i, y.Shape(), call.OutputShape)
		}
		tape.BackwardWithGrad(y, tensor.FromSlice(reftest.Floats[T](call.Upstream), call.OutputShape...))
		compare("output", y.Value().Data(), want.Output)
		compare("input gradient", x.Grad().Data(), want.GradInput)
		for _, p := range params {
			compare(p.Name+" gradient", p.Var.Grad().Data(), want.GradParams[p.Name])
		}
		if got := names(len(buffers), func(i int) string { return buffers[i].Name }); !slices.Equal(sortedClone(got), sortedKeys(want.Buffers)) {
			t.Errorf("call %d: buffers %v, PyTorch's state_dict has %v", i, got, sortedKeys(want.Buffers))
		}
		for _, b := range buffers {
			compare(b.Name+" after the call", b.Value.Data(), want.Buffers[b.Name])
		}
		if ind, ok := m.(interface{ Indices() []int64 }); ok {
			if got := ind.Indices(); !slices.Equal(got, want.Indices) {
				t.Errorf("call %d: indices %v, PyTorch's %v", i, got, want.Indices)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedClone(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestUnbatchedShapes: an unbatched input gives the batched result for a
// batch of one without its batch axis, and ForwardWithIndices lays the
// indices out as the unbatched output.
func TestUnbatchedShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := tensor.New[float64](2, 5, 6)
	for i := range x.Data() {
		x.Data()[i] = rng.NormFloat64()
	}
	batch := tensor.FromSlice(slices.Clone(x.Data()), 1, 2, 5, 6)
	mp := NewMaxPool2d[float64](2, 0, 0)
	for _, m := range []Module[float64]{
		NewConv2d[float64](2, 3, [2]int{3, 3}, functional.Conv2dOptions{Padding: [2]int{1, 1}}, true, rng),
		NewConvTranspose2d[float64](2, 3, [2]int{2, 2}, functional.ConvTranspose2dOptions{Stride: [2]int{2, 2}}, true, rng),
		mp, NewAvgPool2d[float64](3, 1, 1), NewInstanceNorm2d[float64](2, NormAffine(true)),
		NewAdaptiveAvgPool2d[float64](3, 0), NewAdaptiveMaxPool2d[float64](0, 4),
	} {
		y1 := m.Forward(autograd.NewConst(x)).Value()
		yb := m.Forward(autograd.NewConst(batch)).Value()
		if !slices.Equal(yb.Shape()[1:], y1.Shape()) || yb.Shape()[0] != 1 || !slices.Equal(y1.Data(), yb.Data()) {
			t.Errorf("%T: unbatched %v %v, batched %v %v", m, y1.Shape(), y1.Data()[:3], yb.Shape(), yb.Data()[:3])
		}
	}
	y, idx := mp.ForwardWithIndices(autograd.NewConst(x))
	_, idxB := mp.ForwardWithIndices(autograd.NewConst(batch))
	if !slices.Equal(y.Shape(), []int{2, 2, 3}) || len(idx) != 12 || !slices.Equal(idx, idxB) {
		t.Errorf("MaxPool2d.ForwardWithIndices: shape %v, indices %v, batched %v", y.Shape(), idx, idxB)
	}
}

// TestUnbatchedPanics: a wrong rank panics naming the module and the
// shapes it takes.
func TestUnbatchedPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		m     Module[float64]
		shape []int
		want  string
	}{
		{NewConv2d[float64](2, 3, [2]int{3, 3}, functional.Conv2dOptions{}, true, rng), []int{5, 6},
			"nn: Conv2d: input of shape [5 6]: want C×H×W (unbatched) or N×C×H×W"},
		{NewConvTranspose2d[float64](2, 3, [2]int{3, 3}, functional.ConvTranspose2dOptions{}, true, rng), []int{1, 1, 2, 5, 6},
			"nn: ConvTranspose2d: input of shape [1 1 2 5 6]: want C×H×W (unbatched) or N×C×H×W"},
		{NewMaxPool2d[float64](2, 0, 0), []int{5, 6}, "nn: MaxPool2d: input of shape [5 6]: want C×H×W (unbatched) or N×C×H×W"},
		{&MaxPool2d[float64]{Kernel: [2]int{2, 2}, ReturnIndices: true}, []int{6},
			"nn: MaxPool2d: input of shape [6]: want C×H×W (unbatched) or N×C×H×W"},
		{NewAvgPool2d[float64](2, 0, 0), []int{1, 1, 1, 5, 6}, "nn: AvgPool2d: input of shape [1 1 1 5 6]: want C×H×W (unbatched) or N×C×H×W"},
		{NewAdaptiveAvgPool2d[float64](2, 2), []int{5, 6}, "ops: AdaptiveAvgPool2d needs a 3-d input C×H×W or a 4-d input N×C×H×W with H, W ≥ 1, got shape [5 6]"},
		{NewAdaptiveMaxPool2d[float64](2, 2), []int{1, 1, 2, 5, 6}, "ops: AdaptiveMaxPool2d needs a 3-d input C×H×W or a 4-d input N×C×H×W with H, W ≥ 1, got shape [1 1 2 5 6]"},
		{NewInstanceNorm2d[float64](2), []int{5, 6}, "nn: InstanceNorm2d expects a C×H×W (unbatched) or N×C×H×W input with C = 2, got shape [5 6]"},
		{NewInstanceNorm2d[float64](2), []int{3, 5, 6}, "nn: InstanceNorm2d expects a C×H×W (unbatched) or N×C×H×W input with C = 2, got shape [3 5 6]"},
		{NewUpsample[float64](2, functional.InterpNearest), []int{5, 6}, "nn: Upsample: input of shape [5 6]: want N×C×L (1-d) or N×C×H×W (2-d)"},
		{NewUpsample[float64](2, functional.InterpNearest), []int{1, 1, 2, 5, 6}, "nn: Upsample: input of shape [1 1 2 5 6]: want N×C×L (1-d) or N×C×H×W (2-d)"},
		{NewUpsample[float64](2, functional.InterpLinear), []int{1, 2, 5, 6}, "mode linear needs a 3-d input (bilinear is for 4-d)"},
		{NewUpsample[float64](2, functional.InterpBilinear), []int{2, 5, 6}, "mode bilinear needs a 4-d input (linear is for 3-d)"},
		{&Upsample[float64]{InterpolateOptions: functional.InterpolateOptions{ScaleFactor: [2]float64{2, 3}}}, []int{2, 5, 6},
			"a 3-d input takes one size or scale factor: the second entry must be 0 or the first's"},
		{&Upsample[float64]{InterpolateOptions: functional.InterpolateOptions{Size: [2]int{4, 0}, RecomputeScaleFactor: true}}, []int{2, 5, 6},
			"functional: Interpolate: input of shape [2 5 6], size [4 0], scale_factor [0 0]: recompute_scale_factor needs a scale factor and no size"},
		{&Upsample[float64]{InterpolateOptions: functional.InterpolateOptions{ScaleFactor: [2]float64{0.1, 0}, RecomputeScaleFactor: true}}, []int{2, 5, 6},
			"ops: Interpolate: input of shape [2 5 6], size [0 0], scale_factor [0.1 0], mode nearest, align_corners false: the output would have L = 0"},
	} {
		testutil.MustPanic(t, func() { c.m.Forward(autograd.NewConst(tensor.New[float64](c.shape...))) }, c.want)
	}
}
