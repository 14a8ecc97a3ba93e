package nn_test

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

var update = flag.Bool("update", false, "rewrite the golden checkpoints under testdata/")

// interopMLP is the network the PyTorch interop files hold:
// nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 3)).
func interopMLP(seed uint64) *nn.Sequential[float32] {
	rng := rand.New(rand.NewPCG(seed, seed))
	return nn.NewMLP[float32](nn.MLPConfig[float32]{Inputs: 6, Hidden: []int{5}, Classes: 3, BatchNorm: true}, rng)
}

func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Save → Load → Save gives identical bytes, and Load restores every value.
func TestSaveLoadSaveIsIdentical(t *testing.T) {
	dir := t.TempDir()
	a := interopMLP(1)
	a.Forward(autograd.NewConst(tensor.RandN[float32](rand.New(rand.NewPCG(9, 9)), 8, 6))) // move the running statistics
	first := filepath.Join(dir, "a.safetensors")
	if err := nn.Save[float32](first, a); err != nil {
		t.Fatal(err)
	}
	b := interopMLP(2)
	if err := nn.Load[float32](first, b); err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(dir, "b.safetensors")
	if err := nn.Save[float32](second, b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fileBytes(t, first), fileBytes(t, second)) {
		t.Fatal("save → load → save changed the bytes")
	}
	for i, p := range nn.NamedParams[float32](b) {
		if !tensor.AllClose(p.Var.Value(), nn.NamedParams[float32](a)[i].Var.Value(), 0, 0) {
			t.Errorf("%s differs after Load", p.Name)
		}
	}
	bufs := nn.NamedBuffers[float32](b)
	if got := bufs[len(bufs)-1]; got.Name != "1.num_batches_tracked" || got.Value.Item() != 1 {
		t.Errorf("last buffer %s = %v, want 1.num_batches_tracked = 1", got.Name, got.Value)
	}
}

func TestLoadErrorsNameTheTensor(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, add func(w *safetensors.Writer)) string {
		w := safetensors.NewWriter()
		add(w)
		path := filepath.Join(dir, name)
		if err := w.WriteFile(path); err != nil {
			t.Fatal(err)
		}
		return path
	}
	full := func(w *safetensors.Writer) { nn.WriteState[float32](w, "", interopMLP(3)) }
	small := nn.NewLinear[float32](6, 5, true, rand.New(rand.NewPCG(4, 4)))
	cases := []struct {
		name string
		path string
		want string
	}{
		{"missing", write("missing.st", func(w *safetensors.Writer) { nn.WriteState[float32](w, "", small) }), `tensor "0.weight" is missing`},
		{"unexpected", write("extra.st", func(w *safetensors.Writer) {
			full(w)
			safetensors.Add(w, "5.weight", tensor.New[float32](2))
		}), `unexpected tensor "5.weight"`},
		{"shape", write("shape.st", func(w *safetensors.Writer) {
			nn.WriteState[float32](w, "", nn.NewMLP[float32](nn.MLPConfig[float32]{Inputs: 7, Hidden: []int{5}, Classes: 3, BatchNorm: true}, rand.New(rand.NewPCG(5, 5))))
		}), `tensor "0.weight" has shape [5 7] in the checkpoint, the module's is [5 6]`},
		{"dtype", write("dtype.st", func(w *safetensors.Writer) {
			nn.WriteState[float64](w, "", nn.NewMLP[float64](nn.MLPConfig[float64]{Inputs: 6, Hidden: []int{5}, Classes: 3, BatchNorm: true}, rand.New(rand.NewPCG(5, 5))))
		}), `"0.weight"`},
		{"int buffer as float", write("intbuf.st", func(w *safetensors.Writer) {
			m := interopMLP(3)
			for _, p := range nn.NamedParams[float32](m) {
				safetensors.Add(w, p.Name, p.Var.Value())
			}
			for _, b := range nn.NamedBuffers[float32](m) {
				safetensors.Add(w, b.Name, b.Value)
			}
		}), `tensor "1.num_batches_tracked" has dtype F32 in the checkpoint, want I64`},
		{"not a file", filepath.Join(dir, "nowhere.st"), "nowhere.st"},
	}
	for _, c := range cases {
		err := nn.Load[float32](c.path, interopMLP(6))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one containing %q", c.name, err, c.want)
		}
	}

	// A truncated checkpoint is an error, not a panic.
	good := write("good.st", full)
	data := fileBytes(t, good)
	for _, n := range []int{0, 7, 8, 100, len(data) - 1} {
		cut := filepath.Join(dir, "cut.st")
		if err := os.WriteFile(cut, data[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if err := nn.Load[float32](cut, interopMLP(6)); err == nil {
			t.Errorf("a checkpoint cut to %d of %d bytes loaded", n, len(data))
		}
	}
}

// Training resumed from a checkpoint of the model and the optimizer after 5
// steps ends with exactly the parameters and buffers of 10 straight steps.
func TestResumeIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	xs := make([]*tensor.Tensor[float32], 10)
	labels := make([][]int, 10)
	for i := range xs {
		xs[i] = tensor.RandN[float32](rng, 16, 6)
		labels[i] = make([]int, 16)
		for j := range labels[i] {
			labels[i][j] = rng.IntN(3)
		}
	}
	train := func(m *nn.Sequential[float32], opt optim.Optimizer[float32], from, to int) {
		tape := autograd.NewTape[float32]()
		for i := from; i < to; i++ {
			tape.Reset()
			opt.ZeroGrad()
			tape.Backward(functional.CrossEntropy(m.Forward(tape.Input(xs[i])), labels[i]))
			opt.Step()
		}
	}
	adam := func(m *nn.Sequential[float32]) optim.Optimizer[float32] {
		return optim.NewAdamW(nn.Params[float32](m), optim.LR(1e-2))
	}

	straight := interopMLP(8)
	train(straight, adam(straight), 0, 10)

	first := interopMLP(8)
	opt := adam(first)
	train(first, opt, 0, 5)
	dir := t.TempDir()
	model, state := filepath.Join(dir, "model.safetensors"), filepath.Join(dir, "optim.safetensors")
	if err := nn.Save[float32](model, first); err != nil {
		t.Fatal(err)
	}
	if err := optim.Save(state, opt); err != nil {
		t.Fatal(err)
	}
	resumed := interopMLP(99) // different initial weights: everything must come from the files
	opt = adam(resumed)
	if err := nn.Load[float32](model, resumed); err != nil {
		t.Fatal(err)
	}
	if err := optim.Load(state, opt); err != nil {
		t.Fatal(err)
	}
	train(resumed, opt, 5, 10)

	for i, p := range nn.NamedParams[float32](straight) {
		if got := nn.NamedParams[float32](resumed)[i].Var.Value(); !tensor.AllClose(got, p.Var.Value(), 0, 0) {
			t.Errorf("%s: resumed differs from straight by %g", p.Name, tensor.MaxAbsDiff(got, p.Var.Value()))
		}
	}
	for i, b := range nn.NamedBuffers[float32](straight) {
		if got := nn.NamedBuffers[float32](resumed)[i].Value; !tensor.AllClose(got, b.Value, 0, 0) {
			t.Errorf("%s: resumed differs from straight", b.Name)
		}
	}
}
