package main

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/benchmarks/convbench"
	"github.com/tapegrad/tapegrad/benchmarks/mlpbench"
	"github.com/tapegrad/tapegrad/benchmarks/normbench"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

func ids(s []spec) []string {
	var out []string
	for _, x := range s {
		out = append(out, x.id)
	}
	return out
}

func TestSpecs(t *testing.T) {
	all := specs()
	want := []string{"W1", "W1b", "W2", "W2e",
		"W3/composed/200x100", "W3/composed/128x1024", "W3/composed/1024x4096", "W3/composed/32x64x32x32",
		"W3/fused/200x100", "W3/fused/128x1024", "W3/fused/1024x4096", "W3/fused/32x64x32x32",
		"W4/float32/1024x1024x1024", "W4/float32/200x3072x100", "W4/float32/2048x576x64", "W4/float32/256x4608x512",
		"W4/float64/1024x1024x1024", "W4/float64/200x3072x100", "W4/float64/2048x576x64", "W4/float64/256x4608x512",
		"W5",
		"W6/composed/layernorm/32x128x256", "W6/composed/layernorm/4096x1024", "W6/composed/groupnorm/32x256x16x16",
		"W6/composed/rmsnorm/4096x1024",
		"W6/fused/layernorm/32x128x256", "W6/fused/layernorm/4096x1024", "W6/fused/groupnorm/32x256x16x16",
		"W6/fused/rmsnorm/4096x1024",
		"W6/convtranspose2d/32x128x16x16-64c-k4s2p1",
		"W7/composed", "W7/fused", // attention (issue 20)
		"W8",
		"W9",
		"W10"} // W8, W9: issue 20
	if got := ids(all); !slices.Equal(got, want) {
		t.Errorf("specs %v, want %v", got, want)
	}
	for _, s := range all {
		if (s.flops > 0) != (s.group == "W4") || (s.ref == refNumPy) != (s.group == "W4") {
			t.Errorf("%s: flops %v, reference %s", s.id, s.flops, s.ref)
		}
		if (s.check != checkNone) != slices.Contains([]string{"W1", "W1b", "W2", "W2e", "W8", "W9", "W10"}, s.id) {
			t.Errorf("%s: check %d", s.id, s.check)
		}
	}
}

func TestSelectSpecs(t *testing.T) {
	all := specs()
	for _, c := range []struct {
		only string
		want []string
	}{
		{"w1", []string{"W1"}},
		{"W5, W1", []string{"W1", "W5"}},
		{"W4/float64/200x3072x100,W3/fused/200x100", []string{"W3/fused/200x100", "W4/float64/200x3072x100"}},
		{"W4/FLOAT32", []string{"W4/float32/1024x1024x1024", "W4/float32/200x3072x100", "W4/float32/2048x576x64", "W4/float32/256x4608x512"}},
		{"W2e", []string{"W2e"}},
		{"w10,W1", []string{"W1", "W10"}},
		{"W6/fused/rmsnorm,W6/convtranspose2d", []string{"W6/fused/rmsnorm/4096x1024", "W6/convtranspose2d/32x128x16x16-64c-k4s2p1"}},
		{"W6/composed/layernorm", []string{"W6/composed/layernorm/32x128x256", "W6/composed/layernorm/4096x1024"}},
	} {
		got, err := selectSpecs(all, c.only)
		if err != nil || !slices.Equal(ids(got), c.want) {
			t.Errorf("-only %q: %v, %v; want %v", c.only, ids(got), err, c.want)
		}
	}
	if got, err := selectSpecs(all, ""); err != nil || len(got) != len(all) {
		t.Errorf("-only \"\": %d specs, %v", len(got), err)
	}
	if got, _ := selectSpecs(all, "W3"); len(got) != 8 {
		t.Errorf("-only W3: %d specs, want 8", len(got))
	}
	if got, _ := selectSpecs(all, "w6"); len(got) != 9 {
		t.Errorf("-only w6: %d specs, want 9", len(got))
	}
	for _, bad := range []string{"W99", "W4/float", "W3/fused/1x1", "W1,,W2"} {
		if _, err := selectSpecs(all, bad); err == nil {
			t.Errorf("-only %q: no error", bad)
		}
	}
}

// TestConvBatchIsNetBatch checks that convBatch draws the batch
// convbench.NewNet draws: the cross-entropy of the net's own training step
// equals that of its model on convBatch's batch, at batch 2 to stay fast.
func TestConvBatchIsNetBatch(t *testing.T) {
	const n = 2
	net := convbench.NewNet(rand.New(rand.NewPCG(seed[0], seed[1])), n)
	x, labels := convBatch(seed, n)
	want := functional.CrossEntropy(net.Model.Forward(autograd.NewConst(x)), labels).Value().Item()
	if got := net.TrainStep(); got != want {
		t.Errorf("TrainStep's loss %v, the model's on convBatch's batch %v: not the same batch", got, want)
	}
}

// TestWriteShared checks the files the reference reads: the checkpoint
// loads strictly into a fresh MLP and gives back the weights, and the batch
// file holds x and the labels.
func TestWriteShared(t *testing.T) {
	dir := t.TempDir()
	net := mlpbench.NewNet(rand.New(rand.NewPCG(1, 2)), mlpbench.W1Hidden, 3)
	files, err := writeShared(dir, "W1", net.Model, net.X, net.Labels)
	if err != nil {
		t.Fatal(err)
	}
	other := mlpbench.NewNet(rand.New(rand.NewPCG(3, 4)), mlpbench.W1Hidden, 1)
	if err := nn.Load(files["model"], other.Model); err != nil {
		t.Fatal(err)
	}
	a, b := nn.NamedParams[float32](net.Model), nn.NamedParams[float32](other.Model)
	for i := range a {
		if d := tensor.MaxAbsDiff(a[i].Var.Value(), b[i].Var.Value()); d != 0 {
			t.Errorf("%s differs by %g after loading", a[i].Name, d)
		}
	}
	f, err := safetensors.OpenFile(files["batch"])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	x, err := safetensors.Read[float32](f, "x")
	if err != nil {
		t.Fatal(err)
	}
	if d := tensor.MaxAbsDiff(x, net.X); !tensor.SameShape(x, net.X) || d != 0 {
		t.Errorf("x: shape %v, differs by %g", x.Shape(), d)
	}
	shape, labels, err := f.ReadInt64("labels")
	if err != nil {
		t.Fatal(err)
	}
	got := make([]int, len(labels))
	for i, l := range labels {
		got[i] = int(l)
	}
	if !slices.Equal(shape, []int{3}) || !slices.Equal(got, net.Labels) {
		t.Errorf("labels %v of shape %v, want %v", got, shape, net.Labels)
	}
}

// TestRelativeError pins relativeError: ‖got − want‖ / ‖want‖ over all the
// tensors as one vector, and its errors.
func TestRelativeError(t *testing.T) {
	want := []*tensor.Tensor[float32]{tensor.FromSlice([]float32{3, 0}, 2), tensor.FromSlice([]float32{4}, 1, 1)}
	got := []*tensor.Tensor[float32]{tensor.FromSlice([]float32{3, 1}, 2), tensor.FromSlice([]float32{4}, 1, 1)}
	if e, err := relativeError(got, want); err != nil || e != 0.2 {
		t.Errorf("relativeError = %v, %v; want 1/5", e, err)
	}
	zero := []*tensor.Tensor[float32]{tensor.New[float32](2), tensor.New[float32](1, 1)}
	for _, c := range []struct {
		got, want []*tensor.Tensor[float32]
		err       string
	}{
		{got[:1], want, "1 tensors, want 2"},
		{[]*tensor.Tensor[float32]{got[0], tensor.New[float32](1)}, want, "tensor 1 has shape [1], want [1 1]"},
		{got, zero, "the reference's result is zero"},
	} {
		if _, err := relativeError(c.got, c.want); err == nil || err.Error() != c.err {
			t.Errorf("error %v, want %q", err, c.err)
		}
	}
}

// TestDiffValues pins diffValues and the tolerance of valueDiff.ok: the
// largest absolute difference, the reference's largest magnitude, and a
// tolerance relative to it above 1, absolute below.
func TestDiffValues(t *testing.T) {
	got := tensor.FromSlice([]float32{1, -250, 3}, 3)
	want := tensor.FromSlice([]float32{1, -250.02, 3.001}, 3)
	d, err := diffValues("dx", got, want)
	if err != nil || d.Name != "dx" || math.Abs(d.MaxAbs-0.02) > 1e-5 || math.Abs(d.RefMax-250.02) > 1e-4 || !d.ok() {
		t.Errorf("diffValues = %+v, %v; want dx, 0.02, 250.02, ok", d, err)
	}
	for _, c := range []struct {
		d  valueDiff
		ok bool
	}{
		{valueDiff{MaxAbs: 1e-4, RefMax: 0.5}, true},
		{valueDiff{MaxAbs: 1.1e-4, RefMax: 0.5}, false},
		{valueDiff{MaxAbs: 1e-2, RefMax: 100}, true},
		{valueDiff{MaxAbs: 1.1e-2, RefMax: 100}, false},
		{valueDiff{MaxAbs: math.NaN(), RefMax: 1}, false},
	} {
		if c.d.ok() != c.ok {
			t.Errorf("%+v: ok %v, want %v", c.d, c.d.ok(), c.ok)
		}
	}
	if _, err := diffValues("y", got, tensor.New[float32](1, 3)); err == nil || err.Error() != "y has shape [3] in tapegrad, [1 3] in the reference" {
		t.Errorf("shapes differ: %v", err)
	}
}

// TestNormInputsRoundTrip checks the file W6 writes for the reference:
// the inputs under their names, and no bias for RMSNorm.
func TestNormInputsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []normbench.Case{
		{Layer: normbench.LayerNorm, Shape: []int{2, 3}},
		{Layer: normbench.RMSNorm, Shape: []int{2, 3}},
	} {
		in := normbench.NewInputs[float32](rand.New(rand.NewPCG(1, 2)), c)
		path := filepath.Join(dir, c.Layer.String()+".safetensors")
		if err := writeNormInputs(path, in); err != nil {
			t.Fatal(err)
		}
		back, err := readNamedOptional(path, normInputNames)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []*tensor.Tensor[float32]{in.X, in.G, in.Weight, in.Bias} {
			switch {
			case want == nil && back[i] != nil:
				t.Errorf("%s: %s written, want none", c.Name(), normInputNames[i])
			case want != nil && (back[i] == nil || tensor.MaxAbsDiff(want, back[i]) != 0):
				t.Errorf("%s: %s does not round-trip", c.Name(), normInputNames[i])
			}
		}
	}
}
