package ops_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers of the tensor plumbing come from PyTorch's
// torch.cat, torch.stack, torch.split, torch.chunk, basic indexing,
// torch.narrow, F.pad, squeeze, unsqueeze, flatten and unflatten, values
// and gradients in float64 and in float32; regenerate them with
//
//	/usr/bin/python3 ops/testdata/gen_torch_plumbing.py
//
// The tests only read the JSON: they never need Python.
const (
	plumbingRefPath = "testdata/torch_plumbing.json"
	plumbingRegen   = "/usr/bin/python3 ops/testdata/gen_torch_plumbing.py"
	// The functions only copy and add 4-decimal numbers (a fold of a pad
	// adds a few), so float64 is exact up to the sums' rounding and
	// float32 within a few ulps.
	plumbingRtol64 = 1e-12
	plumbingRtol32 = 1e-6
)

// plumbingRef is the layout of torch_plumbing.json.
type plumbingRef struct {
	reftest.Header
	DTypes []string       `json:"dtypes"`
	Cases  []plumbingCase `json:"cases"`
}

// plumbingCase is one torch function with its arguments (under torch's
// names) applied to its inputs, the upstream gradient of each output, and
// what PyTorch computed in each dtype.
type plumbingCase struct {
	Name     string           `json:"name"`
	Fn       string           `json:"fn"`
	Args     plumbingArgs     `json:"args"`
	Inputs   []plumbingTensor `json:"inputs"`
	Upstream []plumbingTensor `json:"upstream"`
	Float64  plumbingResults  `json:"float64"`
	Float32  plumbingResults  `json:"float32"`
}

// plumbingArgs are the arguments a case may give, under torch's names.
// A range is [start, stop, step], stop null for Python's omitted stop.
type plumbingArgs struct {
	Dim       int       `json:"dim"`
	SplitSize int       `json:"split_size"`
	Sizes     []int     `json:"sizes"`
	Chunks    int       `json:"chunks"`
	Ranges    [][3]*int `json:"ranges"`
	Start     int       `json:"start"`
	Length    int       `json:"length"`
	Pads      []int     `json:"pads"`
	Mode      string    `json:"mode"`
	Value     float64   `json:"value"`
	Dims      []int     `json:"dims"`
	StartDim  int       `json:"start_dim"`
	EndDim    int       `json:"end_dim"`
}

type plumbingTensor struct {
	Shape []int           `json:"shape"`
	Data  []reftest.Float `json:"data"`
}

type plumbingResults struct {
	Outputs []plumbingTensor  `json:"outputs"`
	Grads   [][]reftest.Float `json:"grads"`
}

func (p plumbingTensor) value() t64 {
	x := tensor.New[float64](p.Shape...)
	copy(x.Data(), reftest.Floats[float64](p.Data))
	return x
}

// plumbingFunc returns what a case computes: the functional function that
// matches the torch one, with the case's arguments.
func plumbingFunc[T tensor.Float](t *testing.T, c plumbingCase) func(xs []*autograd.Var[T]) []*autograd.Var[T] {
	t.Helper()
	a := c.Args
	one := func(f func(x *autograd.Var[T]) *autograd.Var[T]) func([]*autograd.Var[T]) []*autograd.Var[T] {
		return func(xs []*autograd.Var[T]) []*autograd.Var[T] { return []*autograd.Var[T]{f(xs[0])} }
	}
	switch c.Fn {
	case "cat":
		return func(xs []*autograd.Var[T]) []*autograd.Var[T] {
			return []*autograd.Var[T]{functional.Concat(xs, a.Dim)}
		}
	case "stack":
		return func(xs []*autograd.Var[T]) []*autograd.Var[T] {
			return []*autograd.Var[T]{functional.Stack(xs, a.Dim)}
		}
	case "split":
		return func(xs []*autograd.Var[T]) []*autograd.Var[T] { return functional.Split(xs[0], a.SplitSize, a.Dim) }
	case "split_sizes":
		return func(xs []*autograd.Var[T]) []*autograd.Var[T] { return functional.SplitSizes(xs[0], a.Sizes, a.Dim) }
	case "chunk":
		return func(xs []*autograd.Var[T]) []*autograd.Var[T] { return functional.Chunk(xs[0], a.Chunks, a.Dim) }
	case "slice":
		rs := make([]functional.Range, len(a.Ranges))
		for i, r := range a.Ranges {
			rs[i] = functional.Range{Start: *r[0], Stop: functional.End, Step: *r[2]}
			if r[1] != nil {
				rs[i].Stop = *r[1]
			}
		}
		return one(func(x *autograd.Var[T]) *autograd.Var[T] { return functional.Slice(x, rs...) })
	case "narrow":
		return one(func(x *autograd.Var[T]) *autograd.Var[T] { return functional.Narrow(x, a.Dim, a.Start, a.Length) })
	case "pad":
		var mode functional.PadMode
		if err := mode.UnmarshalText([]byte(a.Mode)); err != nil {
			t.Fatalf("case %s: %v", c.Name, err)
		}
		return one(func(x *autograd.Var[T]) *autograd.Var[T] { return functional.Pad(x, a.Pads, mode, T(a.Value)) })
	case "squeeze":
		return one(func(x *autograd.Var[T]) *autograd.Var[T] { return functional.Squeeze(x, a.Dims...) })
	case "unsqueeze":
		return one(func(x *autograd.Var[T]) *autograd.Var[T] { return functional.Unsqueeze(x, a.Dim) })
	case "flatten":
		return one(func(x *autograd.Var[T]) *autograd.Var[T] { return functional.Flatten(x, a.StartDim, a.EndDim) })
	case "unflatten":
		return one(func(x *autograd.Var[T]) *autograd.Var[T] { return functional.Unflatten(x, a.Dim, a.Sizes...) })
	}
	t.Fatalf("%s: case %q: unknown function %q", plumbingRefPath, c.Name, c.Fn)
	return nil
}

// loadPlumbingRef reads and sanity-checks the reference file, and that it
// still covers the edges it was written for.
func loadPlumbingRef(t *testing.T) plumbingRef {
	t.Helper()
	var ref plumbingRef
	reftest.Load(t, plumbingRefPath, plumbingRegen, &ref)
	if !slices.Equal(ref.DTypes, []string{"float64", "float32"}) {
		t.Fatalf("%s: dtypes %v, want [float64 float32]", plumbingRefPath, ref.DTypes)
	}
	unique := reftest.Unique(t, plumbingRefPath)
	fns := map[string]int{}
	for _, c := range ref.Cases {
		unique(c.Name)
		fns[c.Fn]++
		for _, r := range []plumbingResults{c.Float64, c.Float32} {
			if len(r.Outputs) != len(c.Upstream) || len(r.Grads) != len(c.Inputs) {
				t.Fatalf("%s: case %q: %d outputs for %d upstream gradients, %d gradients for %d inputs",
					plumbingRefPath, c.Name, len(r.Outputs), len(c.Upstream), len(r.Grads), len(c.Inputs))
			}
		}
	}
	for _, fn := range []string{"cat", "stack", "split", "split_sizes", "chunk", "slice", "narrow", "pad", "squeeze", "unsqueeze", "flatten", "unflatten"} {
		if fns[fn] == 0 {
			t.Errorf("%s: no case of %s", plumbingRefPath, fn)
		}
	}
	return ref
}

// TestPlumbingReference runs every case through package functional and
// compares the outputs and the inputs' gradients with PyTorch's, in
// float64 and in float32.
func TestPlumbingReference(t *testing.T) {
	ref := loadPlumbingRef(t)
	for _, c := range ref.Cases {
		t.Run(c.Name+"/float64", func(t *testing.T) {
			testPlumbingReference(t, c, plumbingFunc[float64](t, c), c.Float64, plumbingRtol64)
		})
		t.Run(c.Name+"/float32", func(t *testing.T) {
			testPlumbingReference(t, c, plumbingFunc[float32](t, c), c.Float32, plumbingRtol32)
		})
	}
}

func testPlumbingReference[T tensor.Float](t *testing.T, c plumbingCase, f func([]*autograd.Var[T]) []*autograd.Var[T], want plumbingResults, rtol float64) {
	tape := autograd.NewTape[T]()
	xs := make([]*autograd.Var[T], len(c.Inputs))
	for i, x := range c.Inputs {
		xs[i] = tape.Param(convert[T](x.value()))
	}
	ys := f(xs)
	if len(ys) != len(want.Outputs) {
		t.Fatalf("%d outputs, want %d (PyTorch)", len(ys), len(want.Outputs))
	}
	seeds := make([]*autograd.Var[T], len(ys))
	for i, y := range ys {
		plumbingCompare(t, fmt.Sprintf("output %d", i), y.Value(), want.Outputs[i].Shape, want.Outputs[i].Data, rtol)
		seeds[i] = autograd.NewConst(convert[T](c.Upstream[i].value()))
	}
	gs := tape.Grad(ys, xs, autograd.GradOptions[T]{GradOutputs: seeds, MaterializeGrads: true})
	for i, g := range gs {
		plumbingCompare(t, fmt.Sprintf("gradient of input %d", i), g.Value(), c.Inputs[i].Shape, want.Grads[i], rtol)
	}
}

// plumbingCompare fails t unless got has the shape and, within rtol
// relative to the larger of |want| and 1, the values of want.
func plumbingCompare[T tensor.Float](t *testing.T, what string, got *tensor.Tensor[T], shape []int, want []reftest.Float, rtol float64) {
	t.Helper()
	if !tensor.EqualShapes(got.Shape(), shape) {
		t.Errorf("%s: shape %v, want %v (PyTorch)", what, got.Shape(), shape)
		return
	}
	for i, w := range reftest.Floats[float64](want) {
		if g := float64(got.Data()[i]); !(math.Abs(g-w) <= rtol*max(math.Abs(w), 1)) {
			t.Errorf("%s: at flat index %d: got %.12g, want %.12g (PyTorch)", what, i, g, w)
			return
		}
	}
}

// TestPadModeText checks that PadMode reads and writes PyTorch's names,
// and refuses others.
func TestPadModeText(t *testing.T) {
	for m, name := range map[ops.PadMode]string{ops.PadConstant: "constant", ops.PadReflect: "reflect", ops.PadReplicate: "replicate"} {
		b, err := m.MarshalText()
		if err != nil || string(b) != name || m.String() != name {
			t.Errorf("%d: MarshalText %q, %v; String %q; want %q", int(m), b, err, m.String(), name)
		}
		var back ops.PadMode
		if err := back.UnmarshalText([]byte(name)); err != nil || back != m {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", name, back, err, m)
		}
	}
	var m ops.PadMode
	if err := m.UnmarshalText([]byte("circular")); err == nil {
		t.Error(`UnmarshalText("circular") succeeded`)
	}
	if _, err := ops.PadMode(7).MarshalText(); err == nil || ops.PadMode(7).String() != "PadMode(7)" {
		t.Errorf("PadMode(7): MarshalText error %v, String %q", err, ops.PadMode(7).String())
	}
}
