package nn_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// These tests and nn/testdata/torch_interop.py move one checkpoint each way
// between tapegrad and PyTorch.

func readIO(t *testing.T, path string) map[string]*tensor.Tensor[float32] {
	t.Helper()
	f, err := safetensors.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := make(map[string]*tensor.Tensor[float32])
	for _, name := range f.Names() {
		if out[name], err = safetensors.Read[float32](f, name); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func closeTo(t *testing.T, what string, got, want *tensor.Tensor[float32]) {
	t.Helper()
	if !tensor.SameShape(got, want) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
	}
	if d := tensor.MaxAbsDiff(got, want); d > 1e-5 {
		t.Errorf("%s differs from PyTorch's by %.3g", what, d)
	}
}

// A state_dict PyTorch wrote loads strictly into the same network built by
// tapegrad, which then reproduces PyTorch's outputs in both modes and its
// running statistics.
func TestPyTorchCheckpointReproduces(t *testing.T) {
	m := interopMLP(0)
	if err := nn.Load[float32]("testdata/torch_mlp.safetensors", m); err != nil {
		t.Fatal(err)
	}
	io := readIO(t, "testdata/torch_mlp_io.safetensors")
	bn := m.Layers[1].(*nn.BatchNorm[float32])
	if bn.NumBatchesTracked.Item() != 7 {
		t.Errorf("num_batches_tracked = %v, want 7", bn.NumBatchesTracked.Item())
	}
	nn.SetTraining[float32](m, false)
	closeTo(t, "eval output", m.Forward(autograd.NewConst(io["input"])).Value(), io["output_eval"])
	nn.SetTraining[float32](m, true)
	closeTo(t, "training output", m.Forward(autograd.NewConst(io["input"])).Value(), io["output_train"])
	closeTo(t, "running mean", bn.RunningMean, io["running_mean_after_train"])
	closeTo(t, "running variance", bn.RunningVar, io["running_var_after_train"])
}

// The checkpoint tapegrad writes for the interop network is the committed
// testdata/tapegrad_mlp.safetensors, byte for byte, so the file that
// torch_interop.py loads into PyTorch is what Save produces today. With
// -update the files are rewritten.
func TestTapegradCheckpointGolden(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	m := interopMLP(11)
	m.Forward(autograd.NewConst(tensor.RandN[float32](rng, 16, 6))) // non-trivial running statistics
	x := tensor.RandN[float32](rng, 8, 6)
	nn.SetTraining[float32](m, false)
	y := m.Forward(autograd.NewConst(x)).Value()

	dir := t.TempDir()
	model, io := filepath.Join(dir, "model"), filepath.Join(dir, "io")
	if err := nn.Save[float32](model, m); err != nil {
		t.Fatal(err)
	}
	w := safetensors.NewWriter()
	safetensors.Add(w, "input", x)
	safetensors.Add(w, "output_eval", y)
	if err := w.WriteFile(io); err != nil {
		t.Fatal(err)
	}
	for src, golden := range map[string]string{model: "testdata/tapegrad_mlp.safetensors", io: "testdata/tapegrad_mlp_io.safetensors"} {
		got := fileBytes(t, src)
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if want := fileBytes(t, golden); !bytes.Equal(got, want) {
			t.Errorf("%s is not what tapegrad writes today; rerun with -update and then nn/testdata/torch_interop.py", golden)
		}
	}
}
