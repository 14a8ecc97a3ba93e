package normbench

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/bnbench"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestDumpAccuracy writes, when NORMBENCH_DUMP names a directory, the
// float32 inputs of W6's layer and group norm cases and of W3's batch norm
// shapes but the largest (x drawn as the benchmarks draw it, and x·3 + 5
// for activations away from 0) and what the fused ops compute from them,
// for accuracy.py to compare with PyTorch's float32 results, both against
// PyTorch's float64 results on the same inputs:
//
//	/usr/bin/python3 benchmarks/normbench/accuracy.py
//
// Without NORMBENCH_DUMP it is skipped.
func TestDumpAccuracy(t *testing.T) {
	dir := os.Getenv("NORMBENCH_DUMP")
	if dir == "" {
		t.Skip("NORMBENCH_DUMP not set")
	}
	for _, shift := range []float32{0, 5} {
		for _, c := range Cases[:3] {
			in := NewInputs[float32](rand.New(rand.NewPCG(1, 2)), c)
			shiftBy(in.X, shift)
			r := FromInputs(c, in).Step(Fused)
			dumpCase(t, filepath.Join(dir, fmt.Sprintf("%s-%s-shift%g", c.Layer, ShapeName(c.Shape), shift)),
				map[string]any{"layer": c.Layer.String(), "shape": c.Shape, "groups": c.Groups, "eps": Eps},
				map[string]*tensor.Tensor[float32]{
					"x": in.X, "g": in.G, "weight": in.Weight, "bias": in.Bias,
					"y": r.Y, "dx": r.DX, "dweight": r.DWeight, "dbias": r.DBias,
				})
		}
		for _, shape := range bnbench.Shapes {
			if shape[0] == 1024 {
				continue // W3's largest: 4M values a file, and no shape the others do not have
			}
			w := bnbench.NewWorkload[float32](rand.New(rand.NewPCG(1, 2)), shape...)
			x, g, gamma, beta := w.Inputs()
			shiftBy(x, shift)
			r := w.Step(bnbench.Fused)
			dumpCase(t, filepath.Join(dir, fmt.Sprintf("batchnorm-%s-shift%g", bnbench.ShapeName(shape), shift)),
				map[string]any{"layer": "batchnorm", "shape": shape, "eps": bnbench.Eps},
				map[string]*tensor.Tensor[float32]{
					"x": x, "g": g, "weight": gamma, "bias": beta,
					"y": r.Y, "dx": r.DX, "dweight": r.DGamma, "dbias": r.DBeta,
				})
		}
	}
}

// shiftBy sets x to x·3 + shift unless shift is 0.
func shiftBy(x *tensor.Tensor[float32], shift float32) {
	if shift == 0 {
		return
	}
	d := x.Data()
	for i := range d {
		d[i] = 3*d[i] + shift
	}
}

// dumpCase writes meta as meta.json and each tensor as name.bin into the
// directory sub, which it makes.
func dumpCase(t *testing.T, sub string, meta map[string]any, files map[string]*tensor.Tensor[float32]) {
	t.Helper()
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, v := range files {
		if err := writeF32(filepath.Join(sub, name+".bin"), v.Data()); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := json.Marshal(meta)
	if err := os.WriteFile(filepath.Join(sub, "meta.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeF32 writes v to path as little-endian float32s.
func writeF32(path string, v []float32) error {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return os.WriteFile(path, b, 0o644)
}
