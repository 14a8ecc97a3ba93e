package ops_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/conv"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// The second-order reference numbers come from PyTorch: for every op of
// package ops (and the composites functional.Softmax and
// functional.CrossEntropy), with inputs xᵢ, an output gradient g and
// directions vᵢ,
//
//	F = torch.autograd.grad(f(x), x, g, create_graph=True)
//	H = torch.autograd.grad(Σᵢ ⟨vᵢ, Fᵢ⟩, x + [g])
//
// and, for some cases, the third order ∂(Σᵢ ⟨wᵢ, Hᵢ⟩)/∂x, computed in
// float64 and in float32; regenerate them with
//
//	/usr/bin/python3 ops/testdata/gen_torch_gradgrad.py
//
// The tests only read the JSON: they never need Python.
const (
	gradGradRefPath  = "testdata/torch_gradgrad.json"
	gradGradRegen    = "/usr/bin/python3 ops/testdata/gen_torch_gradgrad.py"
	gradGradRtol64   = 1e-10
	gradGradRtol32   = 1e-5
	gradGradMinScale = 1e-3 // the smallest magnitude a comparison's tolerance is relative to
)

// gradGradRef is the layout of torch_gradgrad.json.
type gradGradRef struct {
	reftest.Header
	DTypes []string       `json:"dtypes"`
	Cases  []gradGradCase `json:"cases"`
}

// gradGradCase is one op applied to its inputs. Op is the name of an op of
// package ops (its Name) or of a composite of package functional (Softmax,
// CrossEntropy); Params are its settings, an object of its exported fields
// by their Go names, missing fields being zero (PyTorch's defaults).
// AtInputs and AtOutput are null, or, for a case too large to store whole,
// the flat positions of each input and of the output at which the results
// are stored. W holds the directions of the third order, for the cases
// that have one. Edge marks inputs at kinks, ties or infinities, where
// central differences do not apply; Exact asks for every value exactly
// (signs of zeros included) and for torch's constants to be constants;
// NaNIsZero lists, for each H, the positions where torch's is NaN and
// tapegrad deliberately gives 0 (Std at σ = 0, ELU's linear branch under
// an infinite g).
type gradGradCase struct {
	Name      string           `json:"name"`
	Op        string           `json:"op"`
	Params    json.RawMessage  `json:"params"`
	Inputs    []gradGradTensor `json:"inputs"`
	G         gradGradTensor   `json:"g"`
	V         []gradGradTensor `json:"v"`
	W         []gradGradTensor `json:"w"`
	Edge      bool             `json:"edge"`
	Exact     bool             `json:"exact"`
	NaNIsZero [][]int          `json:"nan_is_zero"`
	AtInputs  [][]int          `json:"at_inputs"`
	AtOutput  []int            `json:"at_output"`
	Float64   gradGradResults  `json:"float64"`
	Float32   gradGradResults  `json:"float32"`
}

// gradGradTensor is an input, g or a direction: its values, or the
// integer pattern that gives them (see gradGradPattern).
type gradGradTensor struct {
	Shape   []int           `json:"shape"`
	Data    []reftest.Float `json:"data"`
	Pattern *struct {
		Seed uint64  `json:"seed"`
		Div  float64 `json:"div"`
	} `json:"pattern"`
}

// gradGradResults is what PyTorch computed in one dtype: y, F (one per
// input), H (one per input, then the one with respect to g) and, for a
// case with directions W, the third order ∂(Σᵢ ⟨wᵢ, Hᵢ⟩)/∂xₖ (one per
// input). For an Exact case, Graph says which Fᵢ and which Hᵢ of the
// inputs require a gradient in torch (are not constants).
type gradGradResults struct {
	Output gradGradValues   `json:"output"`
	First  []gradGradValues `json:"first"`
	Second []gradGradValues `json:"second"`
	Third  []gradGradValues `json:"third"`
	Graph  *struct {
		First  []bool `json:"first"`
		Second []bool `json:"second"`
	} `json:"graph"`
}

// gradGradValues is a result: every value, or those at a case's sampled
// positions with the sum and the sum of magnitudes of the whole tensor.
type gradGradValues struct {
	Data   []reftest.Float `json:"data"`
	Sum    *reftest.Float  `json:"sum"`
	AbsSum *reftest.Float  `json:"abs_sum"`
}

// gradGradPattern is the script's pattern: k/div for the integer
// k = ((i·2654435761 + seed·40503) mod 2³²) >> 7 mod 20001 − 10000 of the
// flat index i, exact in both languages.
func gradGradPattern(shape []int, seed uint64, div float64) t64 {
	x := tensor.New[float64](shape...)
	for i := range x.Data() {
		s := (uint64(i)*2654435761 + seed*40503) % (1 << 32)
		k := int64((s>>7)%20001) - 10000
		x.Data()[i] = float64(k) / div
	}
	return x
}

// value returns the tensor in float64.
func (g gradGradTensor) value() t64 {
	if g.Pattern != nil {
		return gradGradPattern(g.Shape, g.Pattern.Seed, g.Pattern.Div)
	}
	x := tensor.New[float64](g.Shape...)
	copy(x.Data(), reftest.Floats[float64](g.Data))
	return x
}

// sampled reports whether the case stores its results at sampled positions.
func (c gradGradCase) sampled() bool { return c.AtOutput != nil }

// at returns the positions at which result k of H is stored (k = len(inputs)
// is the one with respect to g), or nil for every position.
func (c gradGradCase) at(k int) []int {
	switch {
	case !c.sampled():
		return nil
	case k < len(c.AtInputs):
		return c.AtInputs[k]
	}
	return c.AtOutput
}

// loadGradGradRef reads and sanity-checks the reference file: every result
// has as many values as its tensor (or its sampled positions), a sampled
// case has its sums, and the Winograd case is one tapegrad's Conv2d does
// take Winograd for.
func loadGradGradRef(t *testing.T) gradGradRef {
	t.Helper()
	var ref gradGradRef
	reftest.Load(t, gradGradRefPath, gradGradRegen, &ref)
	if !slices.Equal(ref.DTypes, []string{"float64", "float32"}) {
		t.Fatalf("%s: dtypes %v, want [float64 float32]", gradGradRefPath, ref.DTypes)
	}
	if len(ref.Cases) < 100 {
		t.Fatalf("%s: %d cases, want at least 100", gradGradRefPath, len(ref.Cases))
	}
	unique := reftest.Unique(t, gradGradRefPath)
	winograd := false
	for _, c := range ref.Cases {
		unique(c.Name)
		bad := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("%s: case %q: %s", gradGradRefPath, c.Name, fmt.Sprintf(format, args...))
		}
		if len(c.V) != len(c.Inputs) || (c.sampled() && len(c.AtInputs) != len(c.Inputs)) || (c.W != nil && len(c.W) != len(c.Inputs)) {
			bad("%d inputs, %d directions, %d third-order directions, %d sampled inputs", len(c.Inputs), len(c.V), len(c.W), len(c.AtInputs))
		}
		sizes := []int{}
		for i, x := range append(append([]gradGradTensor{}, c.Inputs...), c.G) {
			if x.Pattern == nil && len(x.Data) != tensor.NumElems(x.Shape) {
				bad("tensor %d of shape %v has %d values", i, x.Shape, len(x.Data))
			}
			if i < len(c.Inputs) && (!slices.Equal(c.V[i].Shape, x.Shape) || (c.W != nil && !slices.Equal(c.W[i].Shape, x.Shape))) {
				bad("the directions of input %d have a shape other than its %v", i, x.Shape)
			}
			n := tensor.NumElems(x.Shape)
			if a := c.at(i); a != nil {
				n = len(a)
			}
			sizes = append(sizes, n)
		}
		for _, r := range []gradGradResults{c.Float64, c.Float32} {
			if len(r.First) != len(c.Inputs) || len(r.Second) != len(c.Inputs)+1 || (c.W != nil) != (len(r.Third) == len(c.Inputs)) {
				bad("%d first-order, %d second-order and %d third-order results for %d inputs", len(r.First), len(r.Second), len(r.Third), len(c.Inputs))
			}
			if c.NaNIsZero != nil && len(c.NaNIsZero) != len(r.Second) {
				bad("%d lists of NaNs that are zeros, want %d", len(c.NaNIsZero), len(r.Second))
			}
			if c.Exact && (r.Graph == nil || len(r.Graph.First) != len(c.Inputs) || len(r.Graph.Second) != len(c.Inputs)) {
				bad("an exact case without the graph of each input")
			}
			check := func(what string, v gradGradValues, n int) {
				if len(v.Data) != n || c.sampled() != (v.Sum != nil && v.AbsSum != nil) {
					bad("%s: %d values, want %d; sums %v", what, len(v.Data), n, v.Sum != nil)
				}
			}
			check("output", r.Output, sizes[len(c.Inputs)])
			for i := range c.Inputs {
				check(fmt.Sprintf("F %d", i), r.First[i], sizes[i])
			}
			for i := range r.Second {
				check(fmt.Sprintf("H %d", i), r.Second[i], sizes[i])
			}
			for i := range r.Third {
				check(fmt.Sprintf("third order %d", i), r.Third[i], sizes[i])
			}
		}
		if c.Op == "Conv2d" && c.sampled() {
			var p struct {
				Stride, Padding, Dilation [2]int
				Groups                    int
			}
			gradGradDecode(t, c, &p)
			x, w := c.Inputs[0].Shape, c.Inputs[1].Shape
			g := conv.Geom{N: x[0], C: x[1], H: x[2], W: x[3], Cout: w[0], KH: w[2], KW: w[3],
				SH: p.Stride[0], SW: p.Stride[1], PH: p.Padding[0], PW: p.Padding[1],
				DH: p.Dilation[0], DW: p.Dilation[1], Groups: p.Groups}
			g.HOut = (g.H+2*g.PH-g.DH*(g.KH-1)-1)/g.SH + 1
			g.WOut = (g.W+2*g.PW-g.DW*(g.KW-1)-1)/g.SW + 1
			if !conv.WinogradApplies(&g) || !conv.WinogradFaster(&g) {
				bad("ops.Conv2d with ConvAuto does not take Winograd for %+v", g)
			}
			winograd = true
		}
	}
	if !winograd {
		t.Errorf("%s: no convolution that takes Winograd", gradGradRefPath)
	}
	return ref
}

// gradGradDecode decodes a case's params into v, strictly: a setting v
// does not have fails the test.
func gradGradDecode(t *testing.T, c gradGradCase, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(c.Params))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: case %q: params %s for %s: %v", gradGradRefPath, c.Name, c.Params, c.Op, err)
	}
}

// gradGradOpTypes maps the name of every op of the op table to its type,
// so that the test makes each case's op from its name and settings alone
// and covers every op of the table without a list of its own.
func gradGradOpTypes[T tensor.Float]() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for _, e := range opTable[T]() {
		m[e.name] = reflect.TypeOf(e.new()).Elem()
	}
	return m
}

// gradGradFunc returns the function of x that a case's op computes, as the
// script's torch function does: a fresh op of the case's type and settings
// applied to x, or the composite. It skips the test for an op that is not
// in the op table: one that the reference file has a case for but this
// build lacks.
func gradGradFunc[T tensor.Float](t *testing.T, c gradGradCase, types map[string]reflect.Type) func(x []*autograd.Var[T]) *autograd.Var[T] {
	t.Helper()
	switch c.Op {
	case "Softmax":
		var p struct{ Axis int }
		gradGradDecode(t, c, &p)
		return func(x []*autograd.Var[T]) *autograd.Var[T] { return functional.Softmax(x[0], p.Axis) }
	case "CrossEntropy":
		var p struct{ Index []int }
		gradGradDecode(t, c, &p)
		return func(x []*autograd.Var[T]) *autograd.Var[T] { return functional.CrossEntropy(x[0], p.Index) }
	}
	typ, ok := types[c.Op]
	if !ok {
		t.Skipf("%s: case %q: op %s is not in this build's op table", gradGradRefPath, c.Name, c.Op)
	}
	proto := reflect.New(typ)
	gradGradDecode(t, c, proto.Interface())
	if _, ok := proto.Interface().(autograd.Op[T]); !ok {
		t.Fatalf("%s: case %q: %v is not an autograd.Op", gradGradRefPath, c.Name, typ)
	}
	return func(x []*autograd.Var[T]) *autograd.Var[T] {
		op := reflect.New(typ)
		op.Elem().Set(proto.Elem()) // the settings; nothing else is set before Forward
		return autograd.Apply(op.Interface().(autograd.Op[T]), x...)
	}
}

// gradGradCompare fails t unless got matches the reference want at the
// positions at (every position when nil), each value within
// rtol·(|want| + s), where s is the largest finite magnitude among the
// reference values (at least gradGradMinScale); a NaN or an infinity must
// be the same, and with exact every value must be, signs of zeros
// included. For a sampled result, the sum over the whole tensor must also
// be within rtol of the sum of magnitudes.
func gradGradCompare[T tensor.Float](t *testing.T, what string, got *tensor.Tensor[T], want gradGradValues, at []int, rtol float64, exact bool) {
	t.Helper()
	w := reftest.Floats[float64](want.Data)
	g := make([]float64, len(w))
	if at == nil && got.Size() != len(w) {
		t.Errorf("%s: %d values (shape %v), want %d", what, got.Size(), got.Shape(), len(w))
		return
	}
	for i := range w {
		j := i
		if at != nil {
			j = at[i]
		}
		g[i] = float64(got.Data()[j])
	}
	s := gradGradMinScale
	for _, v := range w {
		if !math.IsInf(v, 0) && !math.IsNaN(v) {
			s = max(s, math.Abs(v))
		}
	}
	for i, v := range w {
		tol := rtol * (math.Abs(v) + s)
		ok, how := math.Abs(g[i]-v) <= tol, fmt.Sprintf("tolerance %.3g", tol)
		if exact || math.IsInf(v, 0) || math.IsNaN(v) {
			ok = (g[i] == v && math.Signbit(g[i]) == math.Signbit(v)) || (math.IsNaN(g[i]) && math.IsNaN(v))
			how = "exactly"
		}
		if !ok {
			j := i
			if at != nil {
				j = at[i]
			}
			t.Errorf("%s: at flat index %d: got %.12g, want %.12g (PyTorch; %s)", what, j, g[i], v, how)
			return
		}
	}
	if want.Sum != nil {
		sum := 0.0
		for _, v := range got.Data() {
			sum += float64(v)
		}
		if ws, wa := float64(*want.Sum), float64(*want.AbsSum); !(math.Abs(sum-ws) <= rtol*(wa+gradGradMinScale)) {
			t.Errorf("%s: sum of all %d values %.12g, want %.12g (PyTorch)", what, got.Size(), sum, ws)
		}
	}
}

// gradGradInputs returns a case's inputs, g and directions in T.
func gradGradInputs[T tensor.Float](c gradGradCase) (xs []*tensor.Tensor[T], g *tensor.Tensor[T], vs []*tensor.Tensor[T]) {
	return gradGradTensors[T](c.Inputs), convert[T](c.G.value()), gradGradTensors[T](c.V)
}

// gradGradTensors returns the values of ts in T.
func gradGradTensors[T tensor.Float](ts []gradGradTensor) []*tensor.Tensor[T] {
	out := make([]*tensor.Tensor[T], len(ts))
	for i, x := range ts {
		out[i] = convert[T](x.value())
	}
	return out
}

// TestGradGradReference runs every case's double backward through
// Tape.Grad with CreateGraph and compares y, F and H with PyTorch's, in
// float64 and in float32.
func TestGradGradReference(t *testing.T) {
	runGradGradCases(t, testGradGradReference[float64], testGradGradReference[float32])
}

// gradGradTest tests one case in T against PyTorch's results want in T,
// with f the case's function.
type gradGradTest[T tensor.Float] func(t *testing.T, c gradGradCase, f func([]*autograd.Var[T]) *autograd.Var[T], want gradGradResults, rtol float64)

// runGradGradCases runs every case of the reference file through test64
// in float64 and test32 in float32, each a subtest.
func runGradGradCases(t *testing.T, test64 gradGradTest[float64], test32 gradGradTest[float32]) {
	ref := loadGradGradRef(t)
	types64, types32 := gradGradOpTypes[float64](), gradGradOpTypes[float32]()
	for _, c := range ref.Cases {
		t.Run(c.Name+"/float64", func(t *testing.T) {
			test64(t, c, gradGradFunc[float64](t, c, types64), c.Float64, gradGradRtol64)
		})
		t.Run(c.Name+"/float32", func(t *testing.T) {
			test32(t, c, gradGradFunc[float32](t, c, types32), c.Float32, gradGradRtol32)
		})
	}
}

func testGradGradReference[T tensor.Float](t *testing.T, c gradGradCase, f func([]*autograd.Var[T]) *autograd.Var[T], want gradGradResults, rtol float64) {
	x, g, v := gradGradInputs[T](c)
	tape := autograd.NewTape[T]()
	xs := make([]*autograd.Var[T], len(x))
	for i := range x {
		xs[i] = tape.Param(x[i])
	}
	y := f(xs)
	gradGradCompare(t, "output", y.Value(), want.Output, c.AtOutput, rtol, c.Exact)
	gv := tape.Param(g)
	var fs []*autograd.Var[T]
	if msg, panicked := testutil.PanicMessage(func() {
		fs = tape.Grad([]*autograd.Var[T]{y}, xs, autograd.GradOptions[T]{
			GradOutputs: []*autograd.Var[T]{gv}, CreateGraph: true, MaterializeGrads: true})
	}); panicked {
		t.Fatalf("Grad with CreateGraph: %s", msg)
	}
	for i, fi := range fs {
		gradGradCompare(t, fmt.Sprintf("F (first order) of input %d", i), fi.Value(), want.First[i], c.at(i), rtol, c.Exact)
	}
	third := c.W != nil
	hs := gradGradNext(tape, fs, v, append(slices.Clone(xs), gv), third)
	for k, h := range hs {
		what := fmt.Sprintf("H (second order) with respect to input %d", k)
		if k == len(xs) {
			what = "H (second order) with respect to g"
		}
		w := want.Second[k]
		if c.NaNIsZero != nil {
			w = gradGradNaNToZero(w, c.NaNIsZero[k])
		}
		gradGradCompare(t, what, h.Value(), w, c.at(k), rtol, c.Exact)
	}
	if c.Exact {
		for i := range xs {
			if fs[i].RequiresGrad() != want.Graph.First[i] || hs[i].RequiresGrad() != want.Graph.Second[i] {
				t.Errorf("input %d: F and H require a gradient: %v and %v; in torch %v and %v",
					i, fs[i].RequiresGrad(), hs[i].RequiresGrad(), want.Graph.First[i], want.Graph.Second[i])
			}
		}
	}
	if !third {
		return
	}
	for k, h := range gradGradNext(tape, hs[:len(xs)], gradGradTensors[T](c.W), xs, false) {
		gradGradCompare(t, fmt.Sprintf("third order with respect to input %d", k), h.Value(), want.Third[k], c.at(k), rtol, c.Exact)
	}
}

// gradGradNext returns ∂(Σᵢ ⟨seedsᵢ, outsᵢ⟩)/∂wrt through Tape.Grad,
// recorded when create is set, leaving out the outsᵢ that require no
// gradient (constants): zeros when none does.
func gradGradNext[T tensor.Float](tape *autograd.Tape[T], outs []*autograd.Var[T], seeds []*tensor.Tensor[T], wrt []*autograd.Var[T], create bool) []*autograd.Var[T] {
	var os, ss []*autograd.Var[T]
	for i, o := range outs {
		if o.RequiresGrad() {
			os, ss = append(os, o), append(ss, autograd.NewConst(seeds[i]))
		}
	}
	if len(os) == 0 {
		zs := make([]*autograd.Var[T], len(wrt))
		for i, x := range wrt {
			zs[i] = autograd.NewConst(tensor.New[T](x.Shape()...))
		}
		return zs
	}
	return tape.Grad(os, wrt, autograd.GradOptions[T]{GradOutputs: ss, CreateGraph: create, MaterializeGrads: true})
}

// gradGradNaNToZero returns v with 0 for its NaNs at the positions at.
func gradGradNaNToZero(v gradGradValues, at []int) gradGradValues {
	v.Data = slices.Clone(v.Data)
	for _, i := range at {
		if math.IsNaN(float64(v.Data[i])) {
			v.Data[i] = 0
		}
	}
	return v
}

// TestGradGradReferenceFirstOrder checks y and F of every case through
// the ordinary first-order pass (Grad without CreateGraph, each op's
// Backward) against PyTorch's, in float64 and in float32.
func TestGradGradReferenceFirstOrder(t *testing.T) {
	runGradGradCases(t, testGradGradFirstOrder[float64], testGradGradFirstOrder[float32])
}

func testGradGradFirstOrder[T tensor.Float](t *testing.T, c gradGradCase, f func([]*autograd.Var[T]) *autograd.Var[T], want gradGradResults, rtol float64) {
	x, g, _ := gradGradInputs[T](c)
	y, fs := gradGradFirst(f, x, g)
	gradGradCompare(t, "output", y, want.Output, c.AtOutput, rtol, c.Exact)
	for i, fi := range fs {
		gradGradCompare(t, fmt.Sprintf("F (first order) of input %d", i), fi, want.First[i], c.at(i), rtol, c.Exact)
	}
}

// gradGradFirst returns f(x) and F(x, g) = ∂⟨g, f(x)⟩/∂x from a
// first-order pass on a fresh tape.
func gradGradFirst[T tensor.Float](f func(x []*autograd.Var[T]) *autograd.Var[T], x []*tensor.Tensor[T], g *tensor.Tensor[T]) (*tensor.Tensor[T], []*tensor.Tensor[T]) {
	tape := autograd.NewTape[T]()
	xs := make([]*autograd.Var[T], len(x))
	for i := range x {
		xs[i] = tape.Param(x[i])
	}
	y := f(xs)
	gs := tape.Grad([]*autograd.Var[T]{y}, xs, autograd.GradOptions[T]{
		GradOutputs: []*autograd.Var[T]{autograd.NewConst(g)}, MaterializeGrads: true})
	fs := make([]*tensor.Tensor[T], len(gs))
	for i, gi := range gs {
		fs[i] = gi.Value()
	}
	return y.Value(), fs
}

// TestGradGradReferenceNumeric checks PyTorch's second-order numbers
// independently of tapegrad's differentiable backward: H against central
// differences of ψ(x, g) = Σᵢ ⟨vᵢ, Fᵢ(x, g)⟩, where F comes from
// first-order passes (each op's Backward), in float64. It checks the
// reference file and the first-order pass together; at most
// gradGradNumericMax positions of each tensor, evenly spread, the last
// among them.
func TestGradGradReferenceNumeric(t *testing.T) {
	ref := loadGradGradRef(t)
	types := gradGradOpTypes[float64]()
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) { testGradGradNumeric(t, c, gradGradFunc[float64](t, c, types)) })
	}
}

const gradGradNumericMax = 32

func testGradGradNumeric(t *testing.T, c gradGradCase, f fn64) {
	if c.Edge {
		t.Skip("an edge case (kinks, ties or infinities): compared with PyTorch only")
	}
	x, g, v := gradGradInputs[float64](c)
	psi := func(k, j int, d float64) float64 {
		xk := make([]t64, len(x))
		for i := range x {
			xk[i] = x[i].Clone()
		}
		gk := g.Clone()
		if k < len(x) {
			xk[k].Data()[j] += d
		} else {
			gk.Data()[j] += d
		}
		_, fs := gradGradFirst(f, xk, gk)
		s := 0.0
		for i := range fs {
			s += tensor.Dot(fs[i], v[i])
		}
		return s
	}
	// The convolution, the only sampled case, is linear in each input
	// separately, so a larger step loses nothing to curvature and less to
	// rounding.
	h := 1e-6
	if c.sampled() {
		h = 1e-3
	}
	for k := 0; k <= len(x); k++ {
		want := reftest.Floats[float64](c.Float64.Second[k].Data)
		at := c.at(k)
		n := len(want)
		step := max(1, (n+gradGradNumericMax-1)/gradGradNumericMax)
		for i := 0; i < n; i += step {
			if i+step >= n {
				i = n - 1 // the last position too
			}
			j := i
			if at != nil {
				j = at[i]
			}
			num := (psi(k, j, h) - psi(k, j, -h)) / (2 * h)
			if !(math.Abs(num-want[i]) <= 1e-6+1e-5*math.Abs(want[i])) {
				wrt := fmt.Sprintf("input %d", k)
				if k == len(x) {
					wrt = "g"
				}
				t.Errorf("∂ψ/∂(%s) at flat index %d: PyTorch %.10g, central differences of tapegrad's first-order pass %.10g", wrt, j, want[i], num)
			}
		}
	}
}

// TestGradGradReferenceCoversOps fails when an op of the op table has no
// second-order reference case, so that a new op comes with PyTorch's
// numbers for its double backward.
func TestGradGradReferenceCoversOps(t *testing.T) {
	ref := loadGradGradRef(t)
	cases := map[string]int{}
	for _, c := range ref.Cases {
		cases[c.Op]++
	}
	seen := map[string]bool{}
	for _, e := range opTable[float64]() {
		if !seen[e.name] && cases[e.name] == 0 {
			t.Errorf("op %s has no case in %s; add one to ops/testdata/gen_torch_gradgrad.py", e.name, gradGradRefPath)
		}
		seen[e.name] = true
	}
	for _, name := range []string{"Softmax", "CrossEntropy"} {
		if cases[name] == 0 {
			t.Errorf("the composite %s has no case in %s", name, gradGradRefPath)
		}
	}
	if len(seen) < 30 {
		t.Errorf("the op table names %d ops; want the 36 of package ops at least", len(seen))
	}
	// The kinds of case beyond the plain second order, and the ops each
	// must keep covering.
	kinds := map[string]bool{}
	for _, c := range ref.Cases {
		kinds[c.Op+" third order"] = kinds[c.Op+" third order"] || c.W != nil
		kinds[c.Op+" edge"] = kinds[c.Op+" edge"] || c.Edge
		kinds[c.Op+" exact"] = kinds[c.Op+" exact"] || c.Exact
	}
	for kind, ops := range map[string][]string{
		"third order": {"Tanh", "Sigmoid", "Exp", "Log", "Sqrt", "ELU", "Pow", "Std", "LogSumExp", "LogSoftmax", "CrossEntropy"},
		"edge":        {"ReLU", "LeakyReLU", "ELU", "Pow", "Max", "Amax", "Amin", "Std"},
		"exact":       {"Pow"},
	} {
		for _, op := range ops {
			if !kinds[op+" "+kind] {
				t.Errorf("%s: no %s case of %s", gradGradRefPath, kind, op)
			}
		}
	}
}
