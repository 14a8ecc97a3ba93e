package nn_test

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// The whole ConvNet against the same net in PyTorch, one training step on
// one batch, in float32.
//
// TestConvNetMatchesPyTorch needs PyTorch (it skips without it): it saves a
// freshly initialized nn.NewConvNet and a batch to a temporary directory,
// runs testdata/convnet_torch.py on them, which loads the checkpoint into
// the equivalent torch.nn.Sequential with load_state_dict(strict=True) and
// runs the step there, and compares everything: logits, loss, all 34
// parameter gradients and all 24 buffers after the step.
//
// TestConvNetTorchSummary runs in every test pass, without Python: it
// reproduces testdata/convnet_torch_summary.json, a compact record of the
// same step that the same script wrote for the same seeds (logits, loss,
// and for every gradient and buffer its sum, its sum of squares and its
// first and last 8 values). It relies on NewConvNet and the batch being
// deterministic for a seed, which they are (math/rand/v2's PCG). Regenerate
// the summary, after a deliberate change to the initialization, the seeds or
// the net, from the repository root with
//
//	go test ./nn -run TestConvNetMatchesPyTorch -args -write-summary
//
// (PyTorch required; /usr/bin/python3 is tried first, then python3). That
// writes the checkpoint and the batch, runs convnet_torch.py with
// --summary, and then compares as usual.
var writeSummary = flag.Bool("write-summary", false,
	"have TestConvNetMatchesPyTorch rewrite testdata/convnet_torch_summary.json (needs PyTorch)")

const (
	convNetModelSeed = 20240615 // NewConvNet's rng: PCG(seed, seed)
	convNetBatchSeed = 20240616 // the batch's rng: PCG(seed, seed)
	convNetBatchSize = 4
	convNetScript    = "testdata/convnet_torch.py"
	convNetSummary   = "testdata/convnet_torch_summary.json"

	// convNetTol is the tolerance of every float32 number of the step
	// against PyTorch's, absolute. The two sides run the same arithmetic in
	// different orders (PyTorch's convolution kernels against im2col and
	// gonum's GEMM, with K up to 512·9 = 4608 terms per sum); rounding
	// differences of ~1e-7 relative in the first layers grow by the time
	// they pass through eight batch norms, whose batches hold as few as
	// 4·2·2 = 16 values per channel. The largest differences seen are a
	// few 1e-6 (see the test's log); 1e-4 leaves room for other BLAS
	// builds and thread counts, while a wrong index, stride, padding or
	// gradient formula anywhere shifts values by 1e-2 or more.
	convNetTol = 1e-4
)

// convNetCase is the fixed network and batch both tests use.
type convNetCase struct {
	net    *nn.Sequential[float32]
	x      *tensor.Tensor[float32]
	labels []int
}

// newConvNetCase builds nn.NewConvNet[float32](3, 10, …) and a batch of
// convNetBatchSize standard-normal 3×32×32 images with random labels, both
// from their fixed seeds.
func newConvNetCase() convNetCase {
	net := nn.NewConvNet[float32](3, 10, rand.New(rand.NewPCG(convNetModelSeed, convNetModelSeed)))
	r := rand.New(rand.NewPCG(convNetBatchSeed, convNetBatchSeed))
	x := tensor.RandN[float32](r, convNetBatchSize, 3, 32, 32)
	labels := make([]int, convNetBatchSize)
	for i := range labels {
		labels[i] = r.IntN(10)
	}
	return convNetCase{net: net, x: x, labels: labels}
}

// step runs one training-mode forward pass, the mean cross-entropy loss and
// the backward pass, leaving the gradients on the parameters and the updated
// running statistics in the buffers.
func (c convNetCase) step() (logits *tensor.Tensor[float32], loss float32) {
	nn.SetTraining[float32](c.net, true)
	nn.ZeroGrad[float32](c.net)
	tape := autograd.NewTape[float32]()
	y := c.net.Forward(tape.Input(c.x))
	l := functional.CrossEntropy(y, c.labels)
	tape.Backward(l)
	return y.Value(), l.Value().Item()
}

// torchPython returns a Python interpreter that imports torch, trying
// /usr/bin/python3 first (the python3 first on PATH may lack it), or "".
func torchPython() string {
	for _, name := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import torch").Run() == nil {
			return path
		}
	}
	return ""
}

// diffStats accumulates the largest absolute difference of a group of
// tensors and where it occurred.
type diffStats struct {
	worst float64
	where string
}

func (d *diffStats) add(where string, diff float64) {
	if diff > d.worst || d.where == "" {
		d.worst, d.where = diff, where
	}
}

func (d *diffStats) String() string { return fmt.Sprintf("%.3g (%s)", d.worst, d.where) }

// compareTorch fails unless got has want's shape and every element is
// within convNetTol of it, and returns the largest difference.
func compareTorch(t *testing.T, what string, got, want *tensor.Tensor[float32]) float64 {
	t.Helper()
	if !tensor.EqualShapes(got.Shape(), want.Shape()) {
		t.Errorf("%s: shape %v, PyTorch's is %v", what, got.Shape(), want.Shape())
		return math.Inf(1)
	}
	d := tensor.MaxAbsDiff(got, want)
	if !(d <= convNetTol) {
		i := worstIndex(got.Data(), want.Data())
		t.Errorf("%s differs from PyTorch's by %.3g > %g (at flat index %d: tapegrad %v, torch %v; largest |torch| %.3g)",
			what, d, convNetTol, i, got.Data()[i], want.Data()[i], maxAbs32(want.Data()))
	}
	return d
}

func worstIndex(a, b []float32) int {
	at, m := 0, -1.0
	for i := range a {
		if d := math.Abs(float64(a[i]) - float64(b[i])); d > m || math.IsNaN(d) {
			at, m = i, d
		}
	}
	return at
}

func maxAbs32(s []float32) float64 {
	m := 0.0
	for _, v := range s {
		m = max(m, math.Abs(float64(v)))
	}
	return m
}

// TestConvNetMatchesPyTorch runs one training step of the ConvNet in
// tapegrad and, from the same checkpoint and batch, in PyTorch, and compares
// the logits, the loss, every parameter's gradient and every buffer after
// the step. See the top of this file.
func TestConvNetMatchesPyTorch(t *testing.T) {
	py := torchPython()
	if py == "" {
		if *writeSummary {
			t.Fatal("-write-summary needs a python3 that imports torch")
		}
		t.Skip("no python3 with torch; TestConvNetTorchSummary checks the committed summary instead")
	}
	c := newConvNetCase()
	dir := t.TempDir()
	if err := nn.Save[float32](filepath.Join(dir, "convnet.safetensors"), c.net); err != nil {
		t.Fatal(err)
	}
	w := safetensors.NewWriter()
	safetensors.Add(w, "x", c.x)
	labels := make([]int64, len(c.labels))
	for i, l := range c.labels {
		labels[i] = int64(l)
	}
	w.AddInt64("labels", []int{len(labels)}, labels)
	if err := w.WriteFile(filepath.Join(dir, "batch.safetensors")); err != nil {
		t.Fatal(err)
	}

	args := []string{convNetScript, dir}
	if *writeSummary {
		abs, err := filepath.Abs(convNetSummary)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, "--summary", abs)
	}
	out, err := exec.Command(py, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", py, strings.Join(args, " "), err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))

	logits, loss := c.step()
	torch := readTorchOut(t, filepath.Join(dir, "torch_out.safetensors"))

	var dLogits, dGrads, dBuffers diffStats
	seen := map[string]bool{"logits": true, "loss": true}
	zero := zeroGrads(c.net)
	dLogits.add("logits", compareTorch(t, "logits", logits, torch.float(t, "logits")))
	dLogits.add("loss", compareTorch(t, "loss", tensor.FromSlice([]float32{loss}), torch.float(t, "loss").Reshape(1)))
	for _, p := range nn.NamedParams[float32](c.net) {
		name := "grad." + p.Name
		seen[name] = true
		if p.Var.Grad() == nil {
			t.Errorf("%s: tapegrad computed no gradient", p.Name)
			continue
		}
		want := torch.float(t, name)
		dGrads.add(p.Name, compareTorch(t, "gradient of "+p.Name, p.Var.Grad(), want))
		if g, w := maxAbs32(p.Var.Grad().Data()), maxAbs32(want.Data()); zero[p.Name] && max(g, w) > noiseBound {
			t.Errorf("gradient of %s: largest |value| %.3g in tapegrad, %.3g in PyTorch, want at most %g: it is zero in exact arithmetic",
				p.Name, g, w, noiseBound)
		}
	}
	for _, b := range nn.NamedBuffers[float32](c.net) {
		seen[b.Name] = true
		if b.Int {
			want := torch.i64(t, b.Name)
			if len(want) != 1 || float64(want[0]) != float64(b.Value.Item()) || want[0] != 1 {
				t.Errorf("%s = %v, PyTorch's is %v (want 1 after one step)", b.Name, b.Value.Item(), want)
			}
			continue
		}
		dBuffers.add(b.Name, compareTorch(t, b.Name, b.Value, torch.float(t, b.Name)))
	}
	for _, name := range torch.names() {
		if !seen[name] {
			t.Errorf("torch_out.safetensors holds %q, which tapegrad has no counterpart for", name)
		}
	}
	t.Logf("largest |tapegrad − torch| (float32, batch of %d): logits and loss %v; gradients %v; running statistics %v",
		convNetBatchSize, &dLogits, &dGrads, &dBuffers)
}

// torchOut is torch_out.safetensors, read whole.
type torchOut struct {
	f32  map[string]*tensor.Tensor[float32]
	ints map[string][]int64
}

func readTorchOut(t *testing.T, path string) torchOut {
	t.Helper()
	f, err := safetensors.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := torchOut{f32: map[string]*tensor.Tensor[float32]{}, ints: map[string][]int64{}}
	for _, name := range f.Names() {
		dtype, _, _ := f.Info(name)
		switch dtype {
		case safetensors.F32:
			if out.f32[name], err = safetensors.Read[float32](f, name); err != nil {
				t.Fatal(err)
			}
		case safetensors.I64:
			if _, out.ints[name], err = f.ReadInt64(name); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("%s: tensor %q has dtype %s, want F32 or I64", path, name, dtype)
		}
	}
	return out
}

func (o torchOut) float(t *testing.T, name string) *tensor.Tensor[float32] {
	t.Helper()
	v, ok := o.f32[name]
	if !ok {
		t.Fatalf("torch_out.safetensors has no F32 tensor %q", name)
	}
	return v
}

func (o torchOut) i64(t *testing.T, name string) []int64 {
	t.Helper()
	v, ok := o.ints[name]
	if !ok {
		t.Fatalf("torch_out.safetensors has no I64 tensor %q", name)
	}
	return v
}

func (o torchOut) names() []string {
	var s []string
	for n := range o.f32 {
		s = append(s, n)
	}
	for n := range o.ints {
		s = append(s, n)
	}
	slices.Sort(s)
	return s
}

// convNetSummaryFile is the layout of convnet_torch_summary.json.
type convNetSummaryFile struct {
	Generator    string             `json:"generator"`
	Regenerate   string             `json:"regenerate"`
	TorchVersion string             `json:"torch_version"`
	DType        string             `json:"dtype"`
	Batch        convNetSummaryIn   `json:"batch"`
	InitSums     map[string]float64 `json:"init_sums"`
	Logits       []float64          `json:"logits"`
	Loss         float64            `json:"loss"`
	Grads        []tensorSummary    `json:"grads"`
	Buffers      []tensorSummary    `json:"buffers"`
}

// convNetSummaryIn records the batch the summary was made from.
type convNetSummaryIn struct {
	Shape  []int   `json:"shape"`
	XSum   float64 `json:"x_sum"`
	XSumSq float64 `json:"x_sum_sq"`
	Labels []int   `json:"labels"`
}

// tensorSummary is a tensor's sum and sum of squares (in float64) and its
// first and last 8 values in row-major order.
type tensorSummary struct {
	Name  string    `json:"name"`
	Shape []int     `json:"shape"`
	Sum   float64   `json:"sum"`
	SumSq float64   `json:"sum_sq"`
	First []float64 `json:"first"`
	Last  []float64 `json:"last"`
}

// sums returns Σv, Σv² and Σ|v| in float64.
func sums(s []float32) (sum, sumSq, sumAbs float64) {
	for _, v := range s {
		f := float64(v)
		sum, sumSq, sumAbs = sum+f, sumSq+f*f, sumAbs+math.Abs(f)
	}
	return sum, sumSq, sumAbs
}

// checkSummary fails unless the tensor v (named what) reproduces s: its
// shape exactly, its first and last 8 values to convNetTol, and its sum and
// sum of squares to the relative tolerance rtol. The sum's tolerance is
// relative to Σ|v|, not to the sum, which may cancel to almost nothing:
// Σ|v| is the scale of the rounding differences it can collect. It returns
// the largest difference of a value and the relative differences of the
// sums (the sum's relative to Σ|v|).
//
// A tensor that is zero in exact arithmetic (noise) holds only rounding
// noise on both sides, whose sums agree in nothing; for it, the test checks
// instead that every value on both sides is below noiseBound.
func checkSummary(t *testing.T, what string, v *tensor.Tensor[float32], s tensorSummary, rtol float64, noise bool) (worst, relSum, relSumSq float64) {
	t.Helper()
	if !slices.Equal(v.Shape(), s.Shape) {
		t.Errorf("%s: shape %v, the summary's is %v", what, v.Shape(), s.Shape)
		return math.Inf(1), math.Inf(1), math.Inf(1)
	}
	d := v.Data()
	if len(s.First) != min(8, len(d)) || len(s.Last) != min(8, len(d)) {
		t.Fatalf("%s: the summary has %d first and %d last values, want %d", what, len(s.First), len(s.Last), min(8, len(d)))
	}
	if noise {
		if m := maxAbs32(d); m > noiseBound {
			t.Errorf("%s: largest |value| %.3g, want at most %g: it is zero in exact arithmetic", what, m, noiseBound)
		}
		if m := max(maxAbs64(s.First), maxAbs64(s.Last), math.Sqrt(s.SumSq)); m > noiseBound {
			t.Errorf("%s: PyTorch's values reach %.3g, want at most %g: it is zero in exact arithmetic", what, m, noiseBound)
		}
	}
	for i, want := range s.First {
		worst = max(worst, checkValue(t, fmt.Sprintf("%s[%d]", what, i), d[i], want))
	}
	for i, want := range s.Last {
		k := len(d) - len(s.Last) + i
		worst = max(worst, checkValue(t, fmt.Sprintf("%s[%d]", what, k), d[k], want))
	}
	if noise {
		return worst, 0, 0
	}
	sum, sumSq, sumAbs := sums(d)
	relSum, relSumSq = math.Abs(sum-s.Sum)/sumAbs, math.Abs(sumSq-s.SumSq)/s.SumSq
	if !(relSum <= rtol) {
		t.Errorf("%s: sum %.8g, PyTorch's %.8g (tolerance %.3g = %g·Σ|v|)", what, sum, s.Sum, rtol*sumAbs, rtol)
	}
	if !(relSumSq <= rtol) {
		t.Errorf("%s: sum of squares %.8g, PyTorch's %.8g (relative tolerance %g)", what, sumSq, s.SumSq, rtol)
	}
	return worst, relSum, relSumSq
}

func maxAbs64(s []float64) float64 {
	m := 0.0
	for _, v := range s {
		m = max(m, math.Abs(v))
	}
	return m
}

// noiseBound bounds the gradients that are zero in exact arithmetic: those
// of the biases of the convolutions that batch norm follows (batch norm
// subtracts the channel's mean, so its input gradient sums to zero over
// every channel, and that sum is the bias's gradient). Both sides hold
// rounding noise there, up to a few 1e-7; every other gradient has an rms
// of at least 7e-3.
const noiseBound = 1e-5

// zeroGrads returns the names of the parameters whose gradient is zero in
// exact arithmetic: the bias of every Conv2d that a BatchNorm follows.
func zeroGrads(net *nn.Sequential[float32]) map[string]bool {
	zero := map[string]bool{}
	for i, l := range net.Layers[:len(net.Layers)-1] {
		conv, ok := l.(*nn.Conv2d[float32])
		if _, bn := net.Layers[i+1].(*nn.BatchNorm[float32]); ok && bn && conv.Bias != nil {
			zero[fmt.Sprintf("%d.bias", i)] = true
		}
	}
	return zero
}

func checkValue(t *testing.T, what string, got float32, want float64) float64 {
	t.Helper()
	d := math.Abs(float64(got) - want)
	if !(d <= convNetTol) {
		t.Errorf("%s = %.8g, PyTorch's %.8g (difference %.3g > %g)", what, got, want, d, convNetTol)
	}
	return d
}

// TestConvNetTorchSummary reproduces the committed summary of PyTorch's step
// (see the top of this file) without Python.
func TestConvNetTorchSummary(t *testing.T) {
	var sum convNetSummaryFile
	reftest.Load(t, convNetSummary, "go test ./nn -run TestConvNetMatchesPyTorch -args -write-summary", &sum)
	if sum.DType != "float32" {
		t.Fatalf("%s: dtype %q, want float32", convNetSummary, sum.DType)
	}

	c := newConvNetCase()
	params := nn.NamedParams[float32](c.net)
	buffers := nn.NamedBuffers[float32](c.net)
	if len(sum.Grads) != len(params) || len(sum.Buffers) != len(buffers) || len(sum.InitSums) != len(params) {
		t.Fatalf("%s: %d gradients, %d buffers and %d initial sums; the ConvNet has %d parameters and %d buffers",
			convNetSummary, len(sum.Grads), len(sum.Buffers), len(sum.InitSums), len(params), len(buffers))
	}

	// The inputs first: if the batch or the initialization drifted, every
	// number below would differ, and this says why.
	stale := "; if that is deliberate, regenerate the summary with go test ./nn -run TestConvNetMatchesPyTorch -args -write-summary"
	xSum, xSumSq, xAbs := sums(c.x.Data())
	if !slices.Equal(c.x.Shape(), sum.Batch.Shape) || !slices.Equal(c.labels, sum.Batch.Labels) ||
		math.Abs(xSum-sum.Batch.XSum) > 1e-9*xAbs || math.Abs(xSumSq-sum.Batch.XSumSq) > 1e-9*xSumSq {
		t.Fatalf("the batch for seed %d is not the summary's: shape %v, labels %v, Σx %.10g, Σx² %.10g; summary %v, %v, %.10g, %.10g%s",
			convNetBatchSeed, c.x.Shape(), c.labels, xSum, xSumSq, sum.Batch.Shape, sum.Batch.Labels, sum.Batch.XSum, sum.Batch.XSumSq, stale)
	}
	for _, p := range params {
		want, ok := sum.InitSums[p.Name]
		s, _, abs := sums(p.Var.Value().Data())
		if !ok || math.Abs(s-want) > 1e-9*abs {
			t.Fatalf("NewConvNet's initial %s for seed %d sums to %.10g, the summary's to %.10g (present: %t)%s",
				p.Name, convNetModelSeed, s, want, ok, stale)
		}
	}

	logits, loss := c.step()
	var worst diffStats
	if len(sum.Logits) != logits.Size() {
		t.Fatalf("%s: %d logits, want %d", convNetSummary, len(sum.Logits), logits.Size())
	}
	for i, want := range sum.Logits {
		worst.add("logits", checkValue(t, fmt.Sprintf("logits[%d]", i), logits.Data()[i], want))
	}
	worst.add("loss", checkValue(t, "loss", loss, sum.Loss))
	var worstGrad, worstBuf, worstSum, worstSumSq diffStats
	const rtol = 1e-4
	zero := zeroGrads(c.net)
	if len(zero) != 8 {
		t.Fatalf("%d conv biases followed by batch norm, want 8: %v", len(zero), zero)
	}
	for i, p := range params {
		s := sum.Grads[i]
		if s.Name != p.Name {
			t.Fatalf("%s: gradient %d is %q, want %q", convNetSummary, i, s.Name, p.Name)
		}
		if p.Var.Grad() == nil {
			t.Errorf("%s: tapegrad computed no gradient", p.Name)
			continue
		}
		w, rs, rss := checkSummary(t, "gradient of "+p.Name, p.Var.Grad(), s, rtol, zero[p.Name])
		worstGrad.add(p.Name, w)
		worstSum.add(p.Name, rs)
		worstSumSq.add(p.Name, rss)
	}
	for i, b := range buffers {
		s := sum.Buffers[i]
		if s.Name != b.Name {
			t.Fatalf("%s: buffer %d is %q, want %q", convNetSummary, i, s.Name, b.Name)
		}
		w, rs, rss := checkSummary(t, b.Name, b.Value, s, rtol, false)
		worstBuf.add(b.Name, w)
		worstSum.add(b.Name, rs)
		worstSumSq.add(b.Name, rss)
	}
	t.Logf("largest |tapegrad − torch %s| over the summary's values: logits and loss %v; gradients %v; buffers %v",
		sum.TorchVersion, &worst, &worstGrad, &worstBuf)
	t.Logf("largest relative differences of the sums: Σv %v (relative to Σ|v|), Σv² %v", &worstSum, &worstSumSq)
}
