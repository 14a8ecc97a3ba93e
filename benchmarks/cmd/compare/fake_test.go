package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/hvpbench"
	"github.com/tapegrad/tapegrad/benchmarks/mlpbench"
	"github.com/tapegrad/tapegrad/benchmarks/normbench"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// The tests run the command against a stand-in for workloads.py, so that
// they need no Python: the test binary itself, started as the "python"
// interpreter with fakeEnv set, speaks workloads.py's protocol. Its mode
// (fakeEnv's value) says what it pretends to be:
//
//	ok         PyTorch and NumPy on OpenBLAS
//	refblas    the same on the reference BLAS
//	numpy      NumPy alone: torch does not import
//	die        exits when asked to set up a workload
//	skew       as ok, but W6's y is off by 1e-2 and its dx by 1e-3
//
// Every step of every workload takes fakeStepNs, except W1 and W10, which
// the stand-in really runs in tapegrad from the weights, batch (and v) the
// command wrote for the reference, so that its losses, and W10's Hv, which
// it writes where workloads.py would, must equal the command's own. At
// setup W6 too is run in tapegrad, from the inputs the command wrote, and
// its outputs written where workloads.py writes them, so that they equal
// the command's own; its saved bytes are tapegrad's (fused or composed, as
// the row), and W3's are fakeSavedBytes.
const (
	fakeEnv        = "TAPEGRAD_COMPARE_FAKE_REFERENCE"
	fakeStepNs     = 1_000_000
	fakeSavedBytes = 4242
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeEnv); mode != "" {
		os.Exit(fakeServe(mode, os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// fakeInfo is what the stand-in reports in each mode.
func fakeInfo(mode string) refInfo {
	i := refInfo{
		Python: "fake-python", PythonVersion: "3.0-fake", Torch: "9.9-fake", TorchThreads: 2, NumPy: "8.8-fake",
		BLAS: blasInfo{Kind: "OpenBLAS", Libraries: []string{"/fake/libopenblas.so"}, Config: "OpenBLAS fake", Threads: 2},
	}
	switch mode {
	case "refblas":
		i.BLAS = blasInfo{Kind: "reference", Libraries: []string{"/fake/blas/libblas.so.3"}}
	case "numpy":
		i.Torch, i.TorchError, i.TorchThreads = "", "ModuleNotFoundError: No module named 'torch'", 0
	}
	return i
}

func fakeServe(mode string, in io.Reader, out io.Writer) int {
	enc := json.NewEncoder(out)
	sc := bufio.NewScanner(in)
	var w1 *mlpbench.Net
	var w10 *hvpbench.Workload
	var files map[string]string
	for sc.Scan() {
		var cmd struct {
			Op       string            `json:"op"`
			Workload string            `json:"workload"`
			Files    map[string]string `json:"files"`
			Lead     int               `json:"lead"`
			N        int               `json:"n"`
			Check    bool              `json:"check"`
		}
		if err := json.Unmarshal(sc.Bytes(), &cmd); err != nil {
			enc.Encode(map[string]string{"error": err.Error()})
			continue
		}
		switch cmd.Op {
		case "info":
			enc.Encode(fakeInfo(mode))
		case "setup":
			if mode == "die" {
				os.Stderr.WriteString("fake: dying as asked\n")
				return 3
			}
			w1, w10 = nil, nil
			var err error
			var saved *int64
			switch {
			case cmd.Workload == "W1":
				w1, err = loadW1(cmd.Files)
			case cmd.Workload == "W10":
				w10, err = loadW10(cmd.Files)
			case strings.HasPrefix(cmd.Workload, "W3/"):
				saved = ptr[int64](fakeSavedBytes)
			case strings.HasPrefix(cmd.Workload, "W6/"):
				var n int64
				n, err = fakeNorm(cmd.Workload, cmd.Files, mode == "skew")
				saved = &n
			}
			if err != nil {
				enc.Encode(map[string]string{"error": err.Error()})
				continue
			}
			files = cmd.Files
			enc.Encode(map[string]any{"ok": true, "saved_bytes": saved})
		case "steps":
			var loss float32
			for range cmd.Lead + cmd.N {
				switch {
				case w1 != nil:
					loss = w1.TrainStep()
				case w10 != nil:
					w10.Step()
					loss = w10.Loss()
				}
			}
			reply := map[string]any{"ns": fakeStepNs * cmd.N, "check": nil}
			if cmd.Check && (w1 != nil || w10 != nil) {
				reply["check"] = float64(loss)
			}
			if cmd.Check && w10 != nil {
				if err := writeHV(files["hv"], w10); err != nil {
					enc.Encode(map[string]string{"error": err.Error()})
					continue
				}
			}
			enc.Encode(reply)
		case "finish":
			enc.Encode(map[string]int64{"peak_bytes": 12345})
		case "quit":
			return 0
		default:
			enc.Encode(map[string]string{"error": "unknown op " + cmd.Op})
		}
	}
	return 0
}

// fakeNorm runs a W6 row in tapegrad, as workloads.py runs it in PyTorch:
// on the inputs the command wrote, one step, whose outputs it writes to
// files["out"] (y off by 1e-2 and dx by 1e-3 if skew). It returns the bytes
// the step kept.
func fakeNorm(id string, files map[string]string, skew bool) (int64, error) {
	var c normbench.Case
	v, found := normbench.Fused, false
	for _, cand := range append(slices.Clone(normbench.Cases), normbench.Deconv) {
		for _, variant := range []normbench.Variant{normbench.Composed, normbench.Fused} {
			if id == "W6/"+variant.String()+"/"+cand.Name() || cand.Layer == normbench.ConvTranspose2d && variant == normbench.Fused && id == "W6/"+cand.Name() {
				c, v, found = cand, variant, true
			}
		}
	}
	if !found {
		return 0, fmt.Errorf("fake: unknown workload %q", id)
	}
	in, err := readNamedOptional(files["inputs"], normInputNames)
	if err != nil {
		return 0, err
	}
	r := normbench.FromInputs(c, normbench.Inputs[float32]{X: in[0], G: in[1], Weight: in[2], Bias: in[3]}).Step(v)
	sw := safetensors.NewWriter()
	for _, n := range r.Named() {
		t := n.Tensor
		switch {
		case skew && n.Name == "y":
			t = tensor.AddScalar(t, 1e-2)
		case skew && n.Name == "dx":
			t = tensor.AddScalar(t, 1e-3)
		}
		safetensors.Add(sw, n.Name, t)
	}
	return int64(r.SavedBytes), sw.WriteFile(files["out"])
}

// readNamedOptional reads the float32 tensors of a safetensors file by
// name, nil for a name the file does not have.
func readNamedOptional(path string, names []string) ([]*tensor.Tensor[float32], error) {
	f, err := safetensors.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := make([]*tensor.Tensor[float32], len(names))
	for i, name := range names {
		if !slices.Contains(f.Names(), name) {
			continue
		}
		if out[i], err = safetensors.Read[float32](f, name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// loadW1 builds W1 from the files the command wrote, as workloads.py does:
// a fresh MLP loaded strictly from the checkpoint, and the batch.
func loadW1(files map[string]string) (*mlpbench.Net, error) {
	net := mlpbench.NewNet(rand.New(rand.NewPCG(99, 99)), mlpbench.W1Hidden, 1) // other weights and batch
	if err := nn.Load(files["model"], net.Model); err != nil {
		return nil, err
	}
	f, err := safetensors.OpenFile(files["batch"])
	if err != nil {
		return nil, err
	}
	defer f.Close()
	x, err := safetensors.Read[float32](f, "x")
	if err != nil {
		return nil, err
	}
	_, labels, err := f.ReadInt64("labels")
	if err != nil {
		return nil, err
	}
	net.X, net.Labels = x, make([]int, len(labels))
	for i, l := range labels {
		net.Labels[i] = int(l)
	}
	return net, nil
}

// loadW10 builds W10 from the files the command wrote, as workloads.py
// does: W1's net loaded from them, and v.
func loadW10(files map[string]string) (*hvpbench.Workload, error) {
	net, err := loadW1(files)
	if err != nil {
		return nil, err
	}
	w := hvpbench.New(rand.New(rand.NewPCG(99, 99)), mlpbench.W1Hidden, 1) // other weights, batch and v
	w.Net, w.Params = net, nn.Params[float32](net.Model)
	if w.V, err = readNamed(files["v"], paramNames(net.Model)); err != nil {
		return nil, err
	}
	return w, nil
}

// writeHV writes the workload's Hv under the parameters' names, as
// workloads.py does.
func writeHV(path string, w *hvpbench.Workload) error {
	sw := safetensors.NewWriter()
	for i, name := range paramNames(w.Net.Model) {
		safetensors.Add(sw, name, w.HV()[i])
	}
	return sw.WriteFile(path)
}

// fakeArgs returns the flags that run the command against the stand-in in
// the given mode, with few and short repetitions.
func fakeArgs(t *testing.T, mode string, more ...string) []string {
	t.Helper()
	t.Setenv(fakeEnv, mode)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"-python", exe, "-script", "main.go", "-reps", "2", "-block", "1ms"}, more...)
}

// TestFakeInfoRoundTrips checks that the stand-in's info decodes as
// workloads.py's does.
func TestFakeInfoRoundTrips(t *testing.T) {
	b, err := json.Marshal(fakeInfo("ok"))
	if err != nil {
		t.Fatal(err)
	}
	var i refInfo
	if err := json.Unmarshal(b, &i); err != nil || i.Torch != "9.9-fake" || i.BLAS.Kind != "OpenBLAS" {
		t.Errorf("decoded %+v, %v", i, err)
	}
}
