package ops_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers for IndexSelect, IndexAdd, GatherAxis, ScatterAdd,
// Where, MaskedFill and Cumsum come from PyTorch's index_select, index_add,
// gather, scatter_add, where, masked_fill and cumsum, run in float64 and in
// float32; regenerate them with
//
//	/usr/bin/python3 ops/testdata/gen_torch_index.py
//
// The tests only read the JSON: they never need Python.
const (
	indexRefPath  = "testdata/torch_index.json"
	indexRegen    = "/usr/bin/python3 ops/testdata/gen_torch_index.py"
	indexRtol64   = 1e-10
	indexRtol32   = 1e-5
	indexMinScale = 1e-3 // the smallest magnitude a comparison's tolerance is relative to
)

// indexRef is the layout of torch_index.json.
type indexRef struct {
	reftest.Header
	Cases []indexCase `json:"cases"`
}

// indexCase is one torch call. Op names the tapegrad op and Params its
// exported fields by their Go names; Value is MaskedFill's fill value (it
// may be NaN or infinite, which Params could not hold). Inputs and
// Upstream are the float64 values; the float32 run used their float32
// roundings.
type indexCase struct {
	Name        string          `json:"name"`
	Function    string          `json:"function"`
	Op          string          `json:"op"`
	Params      json.RawMessage `json:"params"`
	Value       *reftest.Float  `json:"value"`
	Inputs      []indexTensor   `json:"inputs"`
	Upstream    indexTensor     `json:"upstream"`
	OutputShape []int           `json:"output_shape"`
	Float64     indexResult     `json:"float64"`
	Float32     indexResult     `json:"float32"`
}

type indexTensor struct {
	Shape []int           `json:"shape"`
	Data  []reftest.Float `json:"data"`
}

// indexResult is what PyTorch computed in one dtype: the output and each
// input's gradient for the upstream gradient.
type indexResult struct {
	Output []reftest.Float   `json:"output"`
	Grads  [][]reftest.Float `json:"grads"`
}

func (x indexTensor) tensor() t64 {
	return tensor.FromSlice(reftest.Floats[float64](x.Data), x.Shape...)
}

// loadIndexRef reads and sanity-checks the reference file, and fails if it
// lost the cases of an op or the edges the tests rely on.
func loadIndexRef(t *testing.T) indexRef {
	t.Helper()
	var ref indexRef
	reftest.Load(t, indexRefPath, indexRegen, &ref)
	unique := reftest.Unique(t, indexRefPath)
	ops := map[string]int{}
	for _, c := range ref.Cases {
		unique(c.Name)
		ops[c.Op]++
		for i, x := range append(slices.Clone(c.Inputs), c.Upstream) {
			if len(x.Data) != tensor.NumElems(x.Shape) {
				t.Fatalf("%s: case %q: tensor %d of shape %v has %d values", indexRefPath, c.Name, i, x.Shape, len(x.Data))
			}
		}
		for _, r := range []indexResult{c.Float64, c.Float32} {
			if len(r.Output) != tensor.NumElems(c.OutputShape) || len(r.Grads) != len(c.Inputs) {
				t.Fatalf("%s: case %q: %d output values for shape %v, %d gradients for %d inputs",
					indexRefPath, c.Name, len(r.Output), c.OutputShape, len(r.Grads), len(c.Inputs))
			}
		}
	}
	for _, op := range []string{"IndexSelect", "IndexAdd", "GatherAxis", "ScatterAdd", "Where", "MaskedFill", "Cumsum"} {
		if ops[op] < 4 {
			t.Errorf("%s: %d cases of %s, want at least 4", indexRefPath, ops[op], op)
		}
	}
	return ref
}

// newIndexOp builds a case's op from its name and settings, strictly.
func newIndexOp[T tensor.Float](t *testing.T, c indexCase) autograd.Op[T] {
	t.Helper()
	var op autograd.Op[T]
	switch c.Op {
	case "IndexSelect":
		op = &ops.IndexSelect[T]{}
	case "IndexAdd":
		op = &ops.IndexAdd[T]{}
	case "GatherAxis":
		op = &ops.GatherAxis[T]{}
	case "ScatterAdd":
		op = &ops.ScatterAdd[T]{}
	case "Where":
		op = &ops.Where[T]{}
	case "MaskedFill":
		op = &ops.MaskedFill[T]{}
	case "Cumsum":
		op = &ops.Cumsum[T]{}
	default:
		t.Fatalf("%s: case %q: unknown op %q", indexRefPath, c.Name, c.Op)
	}
	dec := json.NewDecoder(bytes.NewReader(c.Params))
	dec.DisallowUnknownFields()
	if err := dec.Decode(op); err != nil {
		t.Fatalf("%s: case %q: params %s for %s: %v", indexRefPath, c.Name, c.Params, c.Op, err)
	}
	if mf, ok := op.(*ops.MaskedFill[T]); ok {
		if c.Value == nil {
			t.Fatalf("%s: case %q: MaskedFill without a value", indexRefPath, c.Name)
		}
		mf.Value = T(*c.Value)
	}
	return op
}

// TestIndexReference runs every case's op forward and backward and
// compares the output's shape and values and every gradient with
// PyTorch's, in float64 and in float32.
func TestIndexReference(t *testing.T) {
	ref := loadIndexRef(t)
	for _, c := range ref.Cases {
		t.Run(c.Name+"/float64", func(t *testing.T) { testIndexReference[float64](t, c, c.Float64, indexRtol64) })
		t.Run(c.Name+"/float32", func(t *testing.T) { testIndexReference[float32](t, c, c.Float32, indexRtol32) })
	}
}

func testIndexReference[T tensor.Float](t *testing.T, c indexCase, want indexResult, rtol float64) {
	tape := autograd.NewTape[T]()
	xs := make([]*autograd.Var[T], len(c.Inputs))
	for i, x := range c.Inputs {
		xs[i] = tape.Param(convert[T](x.tensor()))
	}
	y := autograd.Apply(newIndexOp[T](t, c), xs...)
	if !slices.Equal(y.Shape(), c.OutputShape) {
		t.Fatalf("output of shape %v, PyTorch's %v", y.Shape(), c.OutputShape)
	}
	// Selections are exact: where a PyTorch gradient is exactly 0 (the
	// unchosen side, even for an infinite or NaN upstream gradient), so
	// must tapegrad's be.
	exactZeros := c.Op == "Where" || c.Op == "MaskedFill"
	// Cumsum's sums run in float64, as PyTorch's, in the same order: each
	// value is compared relative to itself, not to the largest, so that a
	// sum that cancels (1e8 + 1 + … − 1e8) must come out as PyTorch's.
	local := c.Op == "Cumsum"
	indexCompare(t, "output", y.Value(), want.Output, rtol, false, local)
	tape.BackwardWithGrad(y, convert[T](c.Upstream.tensor()))
	for i, x := range xs {
		g := x.Grad()
		if g == nil {
			g = tensor.New[T](x.Shape()...)
		}
		if !slices.Equal(g.Shape(), x.Shape()) {
			t.Errorf("gradient of input %d has shape %v, the input %v", i, g.Shape(), x.Shape())
			continue
		}
		indexCompare(t, fmt.Sprintf("gradient of input %d", i), g, want.Grads[i], rtol, exactZeros, local)
	}
}

// indexCompare fails t unless got matches want: NaN where PyTorch has NaN,
// the same infinity, and elsewhere within rtol·(|want| + s), s the largest
// finite magnitude among want (at least indexMinScale), or indexMinScale
// alone when local; with exactZeros, a 0 of PyTorch's must be exactly 0.
func indexCompare[T tensor.Float](t *testing.T, what string, got *tensor.Tensor[T], want []reftest.Float, rtol float64, exactZeros, local bool) {
	t.Helper()
	w := reftest.Floats[float64](want)
	if got.Size() != len(w) {
		t.Errorf("%s: %d values, want %d", what, got.Size(), len(w))
		return
	}
	s := indexMinScale
	for _, v := range w {
		if !local && !math.IsInf(v, 0) && !math.IsNaN(v) {
			s = max(s, math.Abs(v))
		}
	}
	for i, v := range w {
		g := float64(got.Data()[i])
		var ok bool
		switch {
		case math.IsNaN(v):
			ok = math.IsNaN(g)
		case math.IsInf(v, 0) || (exactZeros && v == 0):
			ok = g == v
		default:
			ok = math.Abs(g-v) <= rtol*(math.Abs(v)+s)
		}
		if !ok {
			t.Errorf("%s: at flat index %d: got %.12g, want %.12g (PyTorch)", what, i, g, v)
			return
		}
	}
}
