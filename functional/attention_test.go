package functional_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The PyTorch reference numbers of scaled dot-product attention live with
// the op's (ops/testdata); regenerate them with
//
//	/usr/bin/python3 ops/testdata/gen_torch_attention.py
const (
	attnRef   = "../ops/testdata/torch_attention.json"
	attnRegen = "/usr/bin/python3 ops/testdata/gen_torch_attention.py"
)

func loadAttn(t *testing.T) []reftest.AttentionCase {
	t.Helper()
	var ref struct {
		reftest.Header
		DTypes []string                `json:"dtypes"`
		Cases  []reftest.AttentionCase `json:"cases"`
	}
	reftest.Load(t, attnRef, attnRegen, &ref)
	unique := reftest.Unique(t, attnRef)
	kinds := map[string]bool{}
	for _, c := range ref.Cases {
		unique(c.Name)
		kinds["float mask"] = kinds["float mask"] || c.Mask != nil
		kinds["bool mask"] = kinds["bool mask"] || c.BoolMask != nil
		kinds["causal"] = kinds["causal"] || c.IsCausal
		kinds["L≠S"] = kinds["L≠S"] || c.QShape[len(c.QShape)-2] != c.KShape[len(c.KShape)-2]
		kinds["Ev≠E"] = kinds["Ev≠E"] || c.VShape[len(c.VShape)-1] != c.QShape[len(c.QShape)-1]
		kinds["heads"] = kinds["heads"] || len(c.QShape) == 4
		kinds["scale"] = kinds["scale"] || c.Scale != 0
	}
	for _, k := range []string{"float mask", "bool mask", "causal", "L≠S", "Ev≠E", "heads", "scale"} {
		if !kinds[k] {
			t.Errorf("%s: no case with %s", attnRef, k)
		}
	}
	return ref.Cases
}

// attnFunc is the fused function or its composed twin.
type attnFunc[T tensor.Float] func(q, k, v *autograd.Var[T], opt functional.SDPAOptions[T]) *autograd.Var[T]

// runAttnCase runs c in T through f on a tape and returns y and the
// gradients of q, k, v and the float mask (nil without one).
func runAttnCase[T tensor.Float](c reftest.AttentionCase, f attnFunc[T]) (y, dq, dk, dv, dm []T) {
	tape := autograd.NewTape[T]()
	q := tape.Param(tensor.FromSlice(reftest.Floats[T](c.Q), c.QShape...))
	k := tape.Param(tensor.FromSlice(reftest.Floats[T](c.K), c.KShape...))
	v := tape.Param(tensor.FromSlice(reftest.Floats[T](c.V), c.VShape...))
	opt := functional.SDPAOptions[T]{IsCausal: c.IsCausal, Scale: c.Scale, BoolMask: c.BoolMask, BoolMaskShape: c.BoolMaskShape}
	var m *autograd.Var[T]
	if c.Mask != nil {
		m = tape.Param(tensor.FromSlice(reftest.Floats[T](c.Mask), c.MaskShape...))
		opt.AttnMask = m
	}
	out := f(q, k, v, opt)
	tape.BackwardWithGrad(out, tensor.FromSlice(reftest.Floats[T](c.G), out.Shape()...))
	y, dq, dk, dv = out.Value().Data(), q.Grad().Data(), k.Grad().Data(), v.Grad().Data()
	if m != nil {
		dm = m.Grad().Data()
	}
	return y, dq, dk, dv, dm
}

// compareNaN fails t unless got matches want within rtol·(|want| + s), s
// the largest finite |want| (at least 1e-3), with NaNs at the same places.
func compareNaN[T tensor.Float](t *testing.T, what string, got []T, want []reftest.Float, rtol float64) {
	t.Helper()
	w := reftest.Floats[float64](want)
	if len(got) != len(w) {
		t.Fatalf("%s: %d values, PyTorch has %d", what, len(got), len(w))
	}
	s := 1e-3
	for _, x := range w {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			s = max(s, math.Abs(x))
		}
	}
	for i, x := range w {
		g := float64(got[i])
		if math.IsNaN(x) || math.IsNaN(g) {
			if math.IsNaN(x) != math.IsNaN(g) {
				t.Errorf("%s[%d] = %v, PyTorch's is %v", what, i, g, x)
			}
			continue
		}
		if math.Abs(g-x) > rtol*(math.Abs(x)+s) {
			t.Errorf("%s[%d] = %v, PyTorch's is %v", what, i, g, x)
		}
	}
}

// TestScaledDotProductAttentionReference pins the fused and the composed
// attention to PyTorch's values and gradients in float64 and float32.
func TestScaledDotProductAttentionReference(t *testing.T) {
	for _, c := range loadAttn(t) {
		for _, composed := range []bool{false, true} {
			name := c.Name
			if composed {
				name += "/composed"
			}
			t.Run(name+"/float64", func(t *testing.T) {
				f := attnFunc[float64](functional.ScaledDotProductAttention[float64])
				if composed {
					f = functional.ScaledDotProductAttentionComposed[float64]
				}
				checkAttnCase(t, c, c.Float64, f, 1e-10)
			})
			t.Run(name+"/float32", func(t *testing.T) {
				f := attnFunc[float32](functional.ScaledDotProductAttention[float32])
				if composed {
					f = functional.ScaledDotProductAttentionComposed[float32]
				}
				checkAttnCase(t, c, c.Float32, f, 2e-5)
			})
		}
	}
}

func checkAttnCase[T tensor.Float](t *testing.T, c reftest.AttentionCase, want reftest.AttentionResult, f attnFunc[T], tol float64) {
	y, dq, dk, dv, dm := runAttnCase(c, f)
	compareNaN(t, "y", y, want.Y, tol)
	compareNaN(t, "dq", dq, want.DQ, tol)
	compareNaN(t, "dk", dk, want.DK, tol)
	compareNaN(t, "dv", dv, want.DV, tol)
	if (dm == nil) != (want.DMask == nil) {
		t.Fatalf("mask gradient %v, PyTorch's %v", dm != nil, want.DMask != nil)
	}
	if dm != nil {
		compareNaN(t, "dmask", dm, want.DMask, tol)
	}
}

// attnInputs draws q, k, v (and, with mask, a float mask of shape mask)
// on tape as parameters.
func attnInputs(tape *autograd.Tape[float64], r *rand.Rand, q, k, v, mask []int) []*autograd.Var[float64] {
	vs := []*autograd.Var[float64]{
		tape.Param(tensor.RandN[float64](r, q...)),
		tape.Param(tensor.RandN[float64](r, k...)),
		tape.Param(tensor.RandN[float64](r, v...)),
	}
	if mask != nil {
		vs = append(vs, tape.Param(tensor.RandN[float64](r, mask...)))
	}
	return vs
}

// TestSDPAFusedMatchesComposed checks the fused op against its composition
// from primitives, values and every gradient, for every option, dropout
// included (the two drop the same weights given sources in the same
// state).
func TestSDPAFusedMatchesComposed(t *testing.T) {
	for _, c := range []struct {
		name       string
		q, k, v, m []int
		causal     bool
		scale, p   float64
		boolMask   bool
	}{
		{name: "plain", q: []int{2, 3, 5, 4}, k: []int{2, 3, 7, 4}, v: []int{2, 3, 7, 6}},
		{name: "mask_full", q: []int{2, 2, 5, 4}, k: []int{2, 2, 6, 4}, v: []int{2, 2, 6, 3}, m: []int{2, 2, 5, 6}},
		{name: "mask_HxLxS", q: []int{3, 2, 5, 4}, k: []int{3, 2, 6, 4}, v: []int{3, 2, 6, 3}, m: []int{2, 5, 6}},
		{name: "bool_mask", q: []int{2, 2, 4, 3}, k: []int{2, 2, 5, 3}, v: []int{2, 2, 5, 3}, m: []int{2, 1, 1, 5}, boolMask: true},
		{name: "causal", q: []int{2, 2, 6, 4}, k: []int{2, 2, 6, 4}, v: []int{2, 2, 6, 4}, causal: true},
		{name: "causal_L>S_scale", q: []int{3, 7, 4}, k: []int{3, 4, 4}, v: []int{3, 4, 2}, causal: true, scale: 0.3},
		{name: "dropout", q: []int{2, 2, 5, 4}, k: []int{2, 2, 6, 4}, v: []int{2, 2, 6, 3}, m: []int{5, 6}, p: 0.25},
		{name: "dropout_causal", q: []int{2, 3, 8, 4}, k: []int{2, 3, 8, 4}, v: []int{2, 3, 8, 4}, causal: true, p: 0.6},
		// Causal products run by blocks of 128 queries (keys) beyond 128.
		{name: "causal_blocks_L=S=300", q: []int{1, 300, 3}, k: []int{1, 300, 3}, v: []int{1, 300, 2}, causal: true},
		{name: "causal_blocks_L100_S300", q: []int{1, 2, 100, 3}, k: []int{1, 2, 300, 3}, v: []int{1, 2, 300, 2}, causal: true},
		{name: "causal_blocks_L300_S140", q: []int{2, 300, 2}, k: []int{2, 140, 2}, v: []int{2, 140, 3}, causal: true, scale: 0.2},
		{name: "causal_blocks_dropout", q: []int{1, 260, 2}, k: []int{1, 260, 2}, v: []int{1, 260, 2}, causal: true, p: 0.2},
		{name: "mask_L40_S70", q: []int{2, 40, 4}, k: []int{2, 70, 4}, v: []int{2, 70, 3}, m: []int{2, 40, 70}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want [][]float64
			for i, f := range []attnFunc[float64]{functional.ScaledDotProductAttention[float64], functional.ScaledDotProductAttentionComposed[float64]} {
				tape := autograd.NewTape[float64]()
				r := rand.New(rand.NewPCG(7, 8))
				in := attnInputs(tape, r, c.q, c.k, c.v, c.m)
				opt := functional.SDPAOptions[float64]{IsCausal: c.causal, Scale: c.scale, DropoutP: c.p, Rng: rand.New(rand.NewPCG(1, 2))}
				if c.m != nil && c.boolMask {
					opt.BoolMaskShape = c.m
					opt.BoolMask = make([]bool, tensor.NumElems(c.m))
					for j := range opt.BoolMask {
						opt.BoolMask[j] = j%5 != 3
					}
					in = in[:3]
				} else if c.m != nil {
					opt.AttnMask = in[3]
				}
				y := f(in[0], in[1], in[2], opt)
				g := tensor.RandN[float64](r, y.Shape()...)
				tape.BackwardWithGrad(y, g)
				got := [][]float64{y.Value().Data()}
				for _, x := range in {
					got = append(got, x.Grad().Data())
				}
				if i == 0 {
					want = got
					continue
				}
				for j, name := range []string{"y", "dq", "dk", "dv", "dmask"}[:len(got)] {
					if d := testutil.MaxAbsDiff(got[j], want[j]); !(d <= 1e-13) {
						t.Errorf("%s: composed and fused differ by %g", name, d)
					}
				}
			}
		})
	}
}

// TestSDPABoolMask checks the meaning of a boolean mask (true = attend):
// it gives the additive mask 0/−Inf, and a key masked for every query has
// no effect on the output and gets no gradient.
func TestSDPABoolMask(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tape := autograd.NewTape[float64]()
	in := attnInputs(tape, r, []int{2, 3, 4}, []int{2, 5, 4}, []int{2, 5, 3}, nil)
	allow := []bool{true, false, true, true, false} // keys 1 and 4 masked
	y := functional.ScaledDotProductAttention(in[0], in[1], in[2], functional.SDPAOptions[float64]{BoolMask: allow, BoolMaskShape: []int{5}})
	add := tensor.New[float64](5)
	add.Data()[1], add.Data()[4] = math.Inf(-1), math.Inf(-1)
	y2 := functional.ScaledDotProductAttention(in[0], in[1], in[2], functional.SDPAOptions[float64]{AttnMask: autograd.NewConst(add)})
	if d := testutil.MaxAbsDiff(y.Value().Data(), y2.Value().Data()); d != 0 {
		t.Errorf("boolean and additive masks differ by %g", d)
	}
	// Without keys 1 and 4 at all.
	keep := []int{0, 2, 3}
	y3 := functional.ScaledDotProductAttention(in[0], functional.IndexSelect(in[1], 1, keep), functional.IndexSelect(in[2], 1, keep),
		functional.SDPAOptions[float64]{})
	if d := testutil.MaxAbsDiff(y.Value().Data(), y3.Value().Data()); d > 1e-15 {
		t.Errorf("masking keys 1 and 4 differs from leaving them out by %g", d)
	}
	tape.Backward(functional.Sum(y))
	for _, x := range []*autograd.Var[float64]{in[1], in[2]} {
		for b := range 2 {
			for _, j := range []int{1, 4} {
				row := x.Grad().Data()[(b*5+j)*x.Shape()[2]:][:x.Shape()[2]]
				for _, g := range row {
					if g != 0 {
						t.Fatalf("masked key %d of batch %d has gradient %v", j, b, row)
					}
				}
			}
		}
	}
}

// TestSDPAFullyMaskedRow checks PyTorch's NaN for a query that may attend
// to no key: its output row is NaN, the other rows are not.
func TestSDPAFullyMaskedRow(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	tape := autograd.NewTape[float64]()
	in := attnInputs(tape, r, []int{3, 4}, []int{4, 4}, []int{4, 2}, nil)
	allow := make([]bool, 12)
	for i := range allow {
		allow[i] = i/4 != 1 // query 1 attends to nothing
	}
	y := functional.ScaledDotProductAttention(in[0], in[1], in[2], functional.SDPAOptions[float64]{BoolMask: allow, BoolMaskShape: []int{3, 4}})
	for i, x := range y.Value().Data() {
		if math.IsNaN(x) != (i/2 == 1) {
			t.Errorf("y[%d] = %v: want NaN exactly in row 1", i, x)
		}
	}
}

// TestSDPADropout checks the dropout mask: the fraction dropped, that the
// same seed gives the same output and another seed another one, that
// DropoutP 0 and 1 are no dropout and all dropped, and that the gradient
// follows the mask (a gradient check with the mask fixed by the seed).
func TestSDPADropout(t *testing.T) {
	for _, p := range []float64{0.1, 0.5, 0.9} {
		z := ops.AttentionDropoutMask[float64]([2]uint64{11, 12}, p, 64, 32, 32)
		kept := 0
		for _, x := range z.Data() {
			switch x {
			case 0:
			case 1 / (1 - p):
				kept++
			default:
				t.Fatalf("p = %v: mask value %v, want 0 or %v", p, x, 1/(1-p))
			}
		}
		// 65536 Bernoulli draws: the kept fraction is within 5 standard
		// deviations (at most 0.01) of 1 − p for this seed.
		n := float64(z.Size())
		if frac, sd := float64(kept)/n, math.Sqrt(p*(1-p)/n); math.Abs(frac-(1-p)) > 5*sd {
			t.Errorf("p = %v: kept %.4f of the weights, want %.4f ± %.4f", p, frac, 1-p, 5*sd)
		}
	}
	r := rand.New(rand.NewPCG(9, 10))
	x := []*tensor.Tensor[float64]{tensor.RandN[float64](r, 2, 2, 6, 4), tensor.RandN[float64](r, 2, 2, 6, 4), tensor.RandN[float64](r, 2, 2, 6, 4)}
	run := func(p float64, seed uint64) []float64 {
		c := make([]*autograd.Var[float64], 3)
		for i, t := range x {
			c[i] = autograd.NewConst(t)
		}
		return functional.ScaledDotProductAttention(c[0], c[1], c[2], functional.SDPAOptions[float64]{DropoutP: p, Rng: rand.New(rand.NewPCG(seed, 0))}).Value().Data()
	}
	if d := testutil.MaxAbsDiff(run(0.3, 1), run(0.3, 1)); d != 0 {
		t.Errorf("the same seed gives outputs that differ by %g", d)
	}
	if d := testutil.MaxAbsDiff(run(0.3, 1), run(0.3, 2)); d == 0 {
		t.Error("two seeds give the same output")
	}
	if d := testutil.MaxAbsDiff(run(0, 1), run(0, 2)); d != 0 {
		t.Errorf("DropoutP 0 depends on the seed: %g", d)
	}
	for i, v := range run(1, 1) {
		if v != 0 {
			t.Fatalf("DropoutP 1: y[%d] = %v, want 0", i, v)
		}
	}
	f := func(in []*autograd.Var[float64]) *autograd.Var[float64] {
		return functional.ScaledDotProductAttention(in[0], in[1], in[2], functional.SDPAOptions[float64]{DropoutP: 0.4, IsCausal: true, Rng: rand.New(rand.NewPCG(3, 3))})
	}
	small := []*tensor.Tensor[float64]{tensor.RandN[float64](r, 2, 5, 3), tensor.RandN[float64](r, 2, 5, 3), tensor.RandN[float64](r, 2, 5, 2)}
	if err := gradtest.Check(f, small, nil); err != nil {
		t.Error(err)
	}
	if err := gradtest.GradGradCheck(f, small, nil); err != nil {
		t.Error(err)
	}
}

// TestSDPASavedBytes pins what the fused op keeps — q, k, v and 16 bytes
// per query — and checks that the composed function keeps more.
func TestSDPASavedBytes(t *testing.T) {
	const n, h, l, e = 2, 3, 16, 8
	bytes := func(f attnFunc[float32]) int {
		tape := autograd.NewTape[float32]()
		r := rand.New(rand.NewPCG(1, 1))
		var in []*autograd.Var[float32]
		for range 3 {
			in = append(in, tape.Param(tensor.RandN[float32](r, n, h, l, e)))
		}
		f(in[0], in[1], in[2], functional.SDPAOptions[float32]{IsCausal: true})
		return tape.SavedBytes()
	}
	fused, composed := bytes(functional.ScaledDotProductAttention[float32]), bytes(functional.ScaledDotProductAttentionComposed[float32])
	if want := 3*4*n*h*l*e + 16*n*h*l; fused != want {
		t.Errorf("fused attention keeps %d bytes, want %d (q, k, v and two float64 per query)", fused, want)
	}
	if attn := 4 * n * h * l * l; composed < fused+attn {
		t.Errorf("composed attention keeps %d bytes, want at least the fused op's %d plus an attention matrix's %d", composed, fused, attn)
	}
	t.Logf("bytes kept: fused %d, composed %d", fused, composed)
}

// TestSDPAPanics checks the options refused.
func TestSDPAPanics(t *testing.T) {
	c := func(shape ...int) *autograd.Var[float64] { return autograd.NewConst(tensor.New[float64](shape...)) }
	q, k, v := c(2, 3, 4), c(2, 5, 4), c(2, 5, 2)
	for _, f := range []struct {
		name string
		fn   attnFunc[float64]
	}{{"ScaledDotProductAttention", functional.ScaledDotProductAttention[float64]}, {"ScaledDotProductAttentionComposed", functional.ScaledDotProductAttentionComposed[float64]}} {
		testutil.MustPanic(t, func() {
			f.fn(q, k, v, functional.SDPAOptions[float64]{AttnMask: c(3, 5), BoolMask: make([]bool, 15), BoolMaskShape: []int{3, 5}})
		}, "functional: "+f.name+":", "give one attn_mask")
		testutil.MustPanic(t, func() {
			f.fn(q, k, v, functional.SDPAOptions[float64]{BoolMask: make([]bool, 14), BoolMaskShape: []int{3, 5}})
		}, "functional: "+f.name+":", "14 BoolMask values for BoolMaskShape [3 5]")
		testutil.MustPanic(t, func() {
			f.fn(q, k, v, functional.SDPAOptions[float64]{BoolMask: make([]bool, 15), BoolMaskShape: []int{3, 5}, IsCausal: true})
		}, "functional: "+f.name+":", "with IsCausal")
		testutil.MustPanic(t, func() {
			f.fn(q, k, v, functional.SDPAOptions[float64]{AttnMask: c(3, 5), IsCausal: true})
		}, "functional: "+f.name+":", "with IsCausal")
	}
	testutil.MustPanic(t, func() {
		functional.ScaledDotProductAttentionComposed(q, c(2, 5, 3), v, functional.SDPAOptions[float64]{})
	}, "functional: ScaledDotProductAttentionComposed:", "[2 3 4]", "[2 5 3]")
	testutil.MustPanic(t, func() {
		functional.ScaledDotProductAttentionComposed(q, k, v, functional.SDPAOptions[float64]{DropoutP: 1.5})
	}, "functional: ScaledDotProductAttentionComposed: DropoutP 1.5")
	testutil.MustPanic(t, func() {
		functional.ScaledDotProductAttention(q, k, v, functional.SDPAOptions[float64]{DropoutP: -0.5})
	}, "ops: ScaledDotProductAttention: DropoutP -0.5")
	testutil.MustPanic(t, func() {
		functional.ScaledDotProductAttention(q, k, v, functional.SDPAOptions[float64]{AttnMask: c(3, 4)})
	}, "ops: ScaledDotProductAttention: attn_mask of shape [3 4] does not broadcast", fmt.Sprint([]int{2, 3, 5}))
}
