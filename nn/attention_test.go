package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

func mhaRNG() *rand.Rand { return rand.New(rand.NewPCG(20, 26)) }

// withParams returns a copy of m whose parameters are ps, in NamedParams
// order, so that a gradient check differentiates them.
func withParams(m *MultiheadAttention[float64], ps []*autograd.Var[float64]) *MultiheadAttention[float64] {
	c := *m
	out := *m.OutProj
	c.OutProj = &out
	for i, p := range NamedParams[float64](m) {
		switch p.Name {
		case "in_proj_weight":
			c.InProjWeight = ps[i]
		case "q_proj_weight":
			c.QProjWeight = ps[i]
		case "k_proj_weight":
			c.KProjWeight = ps[i]
		case "v_proj_weight":
			c.VProjWeight = ps[i]
		case "in_proj_bias":
			c.InProjBias = ps[i]
		case "bias_k":
			c.BiasK = ps[i]
		case "bias_v":
			c.BiasV = ps[i]
		case "out_proj.weight":
			out.Weight = ps[i]
		case "out_proj.bias":
			out.Bias = ps[i]
		default:
			panic("unknown parameter " + p.Name)
		}
	}
	return &c
}

// TestMultiheadAttentionGradGrad: the first and second derivatives of
// cross-attention with kdim ≠ vdim ≠ E, a float attn_mask and a key
// padding mask, with respect to query, key, value, the mask and every
// parameter, agree with finite differences (through the recorded backward
// pass, as gradgradcheck), for the output and for the weights; also with
// add_bias_kv and add_zero_attn.
func TestMultiheadAttentionGradGrad(t *testing.T) {
	rng := mhaRNG()
	const e, h, l, s, n = 4, 2, 2, 3, 2
	for _, extra := range []bool{false, true} {
		m := NewMultiheadAttention[float64](e, h, rng, MHAKDim(3), MHAVDim(5), MHABatchFirst(true),
			MHAAddBiasKV(extra), MHAAddZeroAttn(extra))
		params := Params[float64](m)
		if want := 6 + 2*btoi(extra); len(params) != want {
			t.Fatalf("%d parameters, want %d", len(params), want)
		}
		inputs := []*tensor.Tensor[float64]{tensor.RandN[float64](rng, n, l, e), tensor.RandN[float64](rng, n, s, 3),
			tensor.RandN[float64](rng, n, s, 5), tensor.RandN[float64](rng, l, s)}
		for _, p := range params {
			inputs = append(inputs, tensor.RandN[float64](rng, p.Shape()...))
		}
		kpm := []bool{false, false, true, false, true, false}
		for _, weightsOut := range []bool{false, true} {
			f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
				c := withParams(m, x[4:])
				out, w := c.Attend(x[0], x[1], x[2], AttnMask(x[3]), KeyPaddingMask(kpm), NeedWeights(weightsOut),
					AverageAttnWeights(false))
				if weightsOut {
					return w
				}
				return out
			}
			if err := gradtest.Check(f, inputs, nil); err != nil {
				t.Errorf("extra positions %v, weights %v: %v", extra, weightsOut, err)
			}
			if err := gradtest.GradGradCheck(f, inputs, nil); err != nil {
				t.Errorf("extra positions %v, weights %v: %v", extra, weightsOut, err)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestTransformerEncoderLayerGradGrad: a pre-norm GELU encoder layer with
// a causal mask and padding has the first and second derivatives of
// finite differences with respect to its input and parameters.
func TestTransformerEncoderLayerGradGrad(t *testing.T) {
	rng := mhaRNG()
	for _, normFirst := range []bool{false, true} {
		l := NewTransformerEncoderLayer[float64](4, 2, rng, EncoderDimFeedforward(5), EncoderDropout(0),
			EncoderActivation("gelu"), EncoderNormFirst(normFirst))
		named := NamedParams[float64](l)
		inputs := []*tensor.Tensor[float64]{tensor.RandN[float64](rng, 3, 2, 4)}
		for _, p := range named {
			inputs = append(inputs, tensor.RandN[float64](rng, p.Var.Shape()...))
		}
		f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
			c := l.clone()
			p := x[1:]
			c.SelfAttn.InProjWeight, c.SelfAttn.InProjBias, c.SelfAttn.OutProj.Weight, c.SelfAttn.OutProj.Bias = p[0], p[1], p[2], p[3]
			c.Linear1.Weight, c.Linear1.Bias, c.Linear2.Weight, c.Linear2.Bias = p[4], p[5], p[6], p[7]
			c.Norm1.Weight, c.Norm1.Bias, c.Norm2.Weight, c.Norm2.Bias = p[8], p[9], p[10], p[11]
			return c.ForwardMasked(x[0], CausalMask(), KeyPaddingMask([]bool{false, false, true, false, true, false}))
		}
		if err := gradtest.Check(f, inputs, nil); err != nil {
			t.Errorf("norm_first %v: %v", normFirst, err)
		}
		if err := gradtest.GradGradCheck(f, inputs, nil); err != nil {
			t.Errorf("norm_first %v: %v", normFirst, err)
		}
	}
}

// TestMultiheadAttentionInit: PyTorch's initialization — in_proj_weight
// (or q_, k_, v_proj_weight) Xavier-uniform, out_proj.weight U(±1/√E),
// both biases zero — and the parameters' shapes and names.
func TestMultiheadAttentionInit(t *testing.T) {
	const e, h = 64, 4
	m := NewMultiheadAttention[float64](e, h, mhaRNG())
	checkUniform := func(name string, w *tensor.Tensor[float64], bound float64) {
		t.Helper()
		var sum, sq, maxAbs float64
		for _, v := range w.Data() {
			sum += v
			sq += v * v
			maxAbs = max(maxAbs, math.Abs(v))
		}
		k := float64(w.Size())
		// U(±b) has mean 0 and variance b²/3; with these sizes (≥ 4096
		// draws) the sample moments lie well within these bounds, and a
		// wrong bound (a gain, a swapped fan) lies well outside.
		if maxAbs > bound || maxAbs < 0.98*bound {
			t.Errorf("%s: max |w| = %v, want just below %v", name, maxAbs, bound)
		}
		if v := sq / k; math.Abs(v/(bound*bound/3)-1) > 0.06 || math.Abs(sum/k) > 0.05*bound {
			t.Errorf("%s: mean %v, variance %v, want 0 and %v", name, sum/k, v, bound*bound/3)
		}
	}
	checkUniform("in_proj_weight", m.InProjWeight.Value(), math.Sqrt(6.0/(e+3*e)))
	checkUniform("out_proj.weight", m.OutProj.Weight.Value(), 1/math.Sqrt(e))
	for name, b := range map[string]*autograd.Var[float64]{"in_proj_bias": m.InProjBias, "out_proj.bias": m.OutProj.Bias} {
		if slices.ContainsFunc(b.Value().Data(), func(v float64) bool { return v != 0 }) {
			t.Errorf("%s is not zero", name)
		}
	}
	sep := NewMultiheadAttention[float64](e, h, mhaRNG(), MHAKDim(32), MHAVDim(96), MHABias(false))
	checkUniform("q_proj_weight", sep.QProjWeight.Value(), math.Sqrt(6.0/(e+e)))
	checkUniform("k_proj_weight", sep.KProjWeight.Value(), math.Sqrt(6.0/(e+32)))
	checkUniform("v_proj_weight", sep.VProjWeight.Value(), math.Sqrt(6.0/(e+96)))
	var got []string
	for _, p := range NamedParams[float64](sep) {
		got = append(got, fmt.Sprint(p.Name, p.Var.Shape()))
	}
	want := []string{"q_proj_weight[64 64]", "k_proj_weight[64 32]", "v_proj_weight[64 96]", "out_proj.weight[64 64]"}
	if !slices.Equal(got, want) {
		t.Errorf("parameters %v, want %v", got, want)
	}
	kv := NewMultiheadAttention[float64](e, h, mhaRNG(), MHAAddBiasKV(true))
	var sq float64
	for _, v := range append(slices.Clone(kv.BiasK.Value().Data()), kv.BiasV.Value().Data()...) {
		sq += v * v
	}
	// Xavier-normal on 1×1×E: fans E and E, std 1/√E, so Σ over 2E
	// draws of v² is about 2.
	if sq < 1.2 || sq > 2.8 {
		t.Errorf("bias_k and bias_v: Σ v² = %v, want about 2", sq)
	}
	got = got[:0]
	for _, p := range NamedParams[float64](kv) {
		got = append(got, p.Name)
	}
	if want := []string{"in_proj_weight", "in_proj_bias", "bias_k", "bias_v", "out_proj.weight", "out_proj.bias"}; !slices.Equal(got, want) {
		t.Errorf("parameters %v, want %v", got, want)
	}
}

// TestTransformerEncoderClonesLayer: the encoder's layers start as equal
// copies of the layer it was given (PyTorch's deepcopy), each with its own
// parameters, and the given layer is not one of them.
func TestTransformerEncoderClonesLayer(t *testing.T) {
	l := NewTransformerEncoderLayer[float32](8, 2, mhaRNG(), EncoderDimFeedforward(16))
	enc := NewTransformerEncoder(l, 2, NewLayerNorm[float32]([]int{8}))
	template := NamedParams[float32](l)
	p0 := NamedParams[float32](enc.Layers[0])
	p1 := NamedParams[float32](enc.Layers[1])
	if len(p0) != len(template) || len(p1) != len(template) || len(template) != 12 {
		t.Fatalf("%d, %d and %d parameters, want 12 each", len(template), len(p0), len(p1))
	}
	for i := range template {
		a, b, c := template[i].Var, p0[i].Var, p1[i].Var
		if a == b || b == c || a.Value() == b.Value() || b.Value() == c.Value() {
			t.Errorf("%s is shared between layers", template[i].Name)
		}
		if !slices.Equal(a.Value().Data(), b.Value().Data()) || !slices.Equal(b.Value().Data(), c.Value().Data()) {
			t.Errorf("%s differs between the layers", template[i].Name)
		}
	}
	p0[0].Var.Value().Data()[0] += 1
	if p1[0].Var.Value().Data()[0] == p0[0].Var.Value().Data()[0] {
		t.Errorf("changing layers.0's %s changed layers.1's", p0[0].Name)
	}
	var names []string
	for _, p := range NamedParams[float32](enc) {
		names = append(names, p.Name)
	}
	if names[0] != "layers.0.self_attn.in_proj_weight" || names[12] != "layers.1.self_attn.in_proj_weight" ||
		names[len(names)-1] != "norm.bias" || len(names) != 26 {
		t.Errorf("state_dict keys %v", names)
	}
}

// TestTransformerEncoderCheckpoint: an encoder saved with Save loads
// strictly into a fresh one with other weights and then computes the same
// output; a checkpoint of an encoder with one layer less is refused.
func TestTransformerEncoderCheckpoint(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "enc.safetensors")
	mk := func(seed uint64, layers int) *TransformerEncoder[float32] {
		rng := rand.New(rand.NewPCG(seed, 1))
		l := NewTransformerEncoderLayer[float32](8, 2, rng, EncoderDimFeedforward(16), EncoderNormFirst(true),
			EncoderBatchFirst(true), EncoderActivation("gelu"))
		return NewTransformerEncoder(l, layers, NewLayerNorm[float32]([]int{8}))
	}
	a, b := mk(1, 2), mk(2, 2)
	SetTraining[float32](a, false)
	SetTraining[float32](b, false)
	if err := Save[float32](path, a); err != nil {
		t.Fatal(err)
	}
	x := autograd.NewConst(tensor.RandN[float32](mhaRNG(), 2, 5, 8))
	before := b.ForwardMasked(x, CausalMask()).Value().Clone()
	if err := Load[float32](path, b); err != nil {
		t.Fatal(err)
	}
	ya, yb := a.ForwardMasked(x, CausalMask()).Value(), b.ForwardMasked(x, CausalMask()).Value()
	if !slices.Equal(ya.Data(), yb.Data()) || slices.Equal(before.Data(), yb.Data()) {
		t.Errorf("the loaded encoder does not compute the saved one's output")
	}
	if err := Load[float32](path, mk(3, 1)); err == nil {
		t.Errorf("a 2-layer checkpoint loaded into a 1-layer encoder")
	}
}

// TestMultiheadAttentionModes: in training mode dropout zeroes attention
// weights and rescales the rest by 1/(1−p), drawing from the module's
// source (the same seed gives the same weights); in evaluation mode the
// output equals that of a module without dropout.
func TestMultiheadAttentionModes(t *testing.T) {
	x := autograd.NewConst(tensor.RandN[float64](mhaRNG(), 6, 3, 8))
	mk := func(p float64) *MultiheadAttention[float64] {
		return NewMultiheadAttention[float64](8, 2, rand.New(rand.NewPCG(7, 7)), MHADropout(p))
	}
	plain, drop, drop2 := mk(0), mk(0.5), mk(0.5)
	_, w0 := plain.Attend(x, x, x, AverageAttnWeights(false))
	_, w1 := drop.Attend(x, x, x, AverageAttnWeights(false))
	_, w2 := drop2.Attend(x, x, x, AverageAttnWeights(false))
	if !slices.Equal(w1.Value().Data(), w2.Value().Data()) {
		t.Errorf("the same seed gave different dropout masks")
	}
	zeros := 0
	for i, v := range w1.Value().Data() {
		switch ref := w0.Value().Data()[i]; {
		case v == 0:
			zeros++
		case math.Abs(v-2*ref) > 1e-15:
			t.Fatalf("weight %d is %v, want 0 or 2·%v", i, v, ref)
		}
	}
	if n := w1.Value().Size(); zeros < n/4 || zeros > 3*n/4 {
		t.Errorf("%d of %d weights dropped with p = 0.5", zeros, n)
	}
	SetTraining[float64](drop, false)
	y0, _ := plain.Attend(x, x, x)
	y1, _ := drop.Attend(x, x, x)
	if !slices.Equal(y0.Value().Data(), y1.Value().Data()) {
		t.Errorf("evaluation mode still drops")
	}
	// Forward needs no weights and so runs the fused attention op, Attend
	// the composition that returns them: the same values up to rounding.
	if y := drop.Forward(x); testutil.MaxAbsDiff(y.Value().Data(), y1.Value().Data()) > 1e-14 {
		t.Errorf("Forward(x) is not Attend(x, x, x): they differ by %g", testutil.MaxAbsDiff(y.Value().Data(), y1.Value().Data()))
	}
}

// TestCausalMask: CausalMask() gives the output and gradients of the float
// mask GenerateSquareSubsequentMask, bit for bit, and for L ≠ S forbids
// the upper triangle aligned at the top left.
func TestCausalMask(t *testing.T) {
	m := NewMultiheadAttention[float64](6, 3, mhaRNG(), MHABatchFirst(true))
	x := tensor.RandN[float64](mhaRNG(), 2, 5, 6)
	run := func(opt AttentionOption) ([]float64, []float64) {
		ZeroGrad[float64](m)
		tape := autograd.NewTape[float64]()
		xv := tape.Param(x.Clone())
		y, _ := m.Attend(xv, xv, xv, opt, NeedWeights(false))
		tape.Backward(functional.Sum(functional.Square(y)))
		return y.Value().Data(), xv.Grad().Data()
	}
	y1, g1 := run(CausalMask())
	y2, g2 := run(AttnMask(autograd.NewConst(GenerateSquareSubsequentMask[float64](5))))
	if !slices.Equal(y1, y2) || !slices.Equal(g1, g2) {
		t.Errorf("CausalMask differs from GenerateSquareSubsequentMask: %v", testutil.MaxAbsDiff(y1, y2))
	}
	want := []float64{0, math.Inf(-1), math.Inf(-1), 0, 0, math.Inf(-1)}
	if got := causalMask[float64](2, 3).Data(); !slices.Equal(got, want) {
		t.Errorf("causalMask(2, 3) = %v, want %v", got, want)
	}
	// Key and value 3 positions long for a query of 2: query 0 sees key 0
	// only, so its output is key 0's value through out_proj.
	q := autograd.NewConst(tensor.RandN[float64](mhaRNG(), 1, 2, 6))
	kv := autograd.NewConst(tensor.RandN[float64](mhaRNG(), 1, 3, 6))
	_, w := m.Attend(q, kv, kv, CausalMask())
	if got := w.Value().Data(); got[0] != 1 || got[1] != 0 || got[2] != 0 || got[5] != 0 {
		t.Errorf("causal weights for L = 2, S = 3: %v", got)
	}
}

// TestMultiheadAttentionFullyMasked: a query whose every key is padding
// gets NaN, as in PyTorch, and the other batch entries are unaffected.
func TestMultiheadAttentionFullyMasked(t *testing.T) {
	m := NewMultiheadAttention[float64](4, 2, mhaRNG())
	x := autograd.NewConst(tensor.RandN[float64](mhaRNG(), 3, 2, 4))
	y, _ := m.Attend(x, x, x, KeyPaddingMask([]bool{true, true, true, false, true, false}))
	yref, _ := m.Attend(x, x, x, KeyPaddingMask([]bool{false, false, false, false, true, false}))
	d, r := y.Value().Data(), yref.Value().Data()
	for i := range d {
		if b := (i / 4) % 2; b == 0 && !math.IsNaN(d[i]) || b == 1 && d[i] != r[i] {
			t.Fatalf("output %v, want NaN for batch entry 0 and %v for entry 1", d, r)
		}
	}
}

func TestMultiheadAttentionPanics(t *testing.T) {
	rng := mhaRNG()
	testutil.MustPanic(t, func() { NewMultiheadAttention[float32](6, 4, rng) }, "NewMultiheadAttention(6, 4)", "divide")
	testutil.MustPanic(t, func() { NewMultiheadAttention[float32](6, 2, rng, MHAKDim(0)) }, "kdim 0")
	testutil.MustPanic(t, func() { NewMultiheadAttention[float32](6, 2, rng, MHADropout(1.5)) }, "dropout 1.5")
	m := NewMultiheadAttention[float32](6, 2, rng)
	v := func(shape ...int) *autograd.Var[float32] { return autograd.NewConst(tensor.New[float32](shape...)) }
	x := v(3, 2, 6)
	testutil.MustPanic(t, func() { m.Attend(x, v(4, 6), v(4, 6)) }, "[3 2 6], [4 6], [4 6]", "all 2-d")
	testutil.MustPanic(t, func() { m.Attend(x, v(4, 3, 6), v(4, 3, 6)) }, "batch_first false", "do not fit")
	testutil.MustPanic(t, func() { m.Attend(x, v(4, 2, 6), v(5, 2, 6)) }, "[4 2 6], [5 2 6]")
	testutil.MustPanic(t, func() { m.Attend(v(3, 2, 5), x, x) }, "embed_dim 6")
	testutil.MustPanic(t, func() { m.Attend(x, x, x, KeyPaddingMask(make([]bool, 3))) }, "3 values", "[2 3]")
	testutil.MustPanic(t, func() { m.Attend(v(3, 6), v(3, 6), v(3, 6), KeyPaddingMask(make([]bool, 6))) }, "want shape [3]")
	testutil.MustPanic(t, func() { m.Attend(x, x, x, AttnMask(v(3, 4))) }, "attn_mask of shape [3 4]", "[4 3 3]")
	testutil.MustPanic(t, func() { m.Attend(x, x, x, AttnMaskBool(make([]bool, 9), 3, 4)) }, "boolean attn_mask")
	testutil.MustPanic(t, func() { m.Attend(x, x, x, AttnMask(v(3, 3)), AttnMaskBool(make([]bool, 9), 3, 3)) }, "both given")
	f64 := autograd.NewConst(tensor.New[float64](3, 3))
	testutil.MustPanic(t, func() { m.Attend(x, x, x, AttnMask(f64)) }, "float64", "float32")
	testutil.MustPanic(t, func() { m.Attend(x, x, x, KeyPaddingMaskFloat(v(3, 2))) }, "float key_padding_mask of shape [3 2]", "[2 3]")
	testutil.MustPanic(t, func() { m.Attend(x, x, x, KeyPaddingMaskFloat(v(2, 3)), KeyPaddingMask(make([]bool, 6))) },
		"KeyPaddingMask and KeyPaddingMaskFloat")
	testutil.MustPanic(t, func() { m.Attend(x, x, x, KeyPaddingMaskFloat(autograd.NewConst(tensor.New[float64](2, 3)))) },
		"a float mask is a *autograd.Var[float64]")
	testutil.MustPanic(t, func() { NewTransformerEncoderLayer[float32](6, 2, rng, EncoderActivation("tanh")) }, `"tanh"`)
	testutil.MustPanic(t, func() { NewTransformerEncoderLayer[float32](6, 2, rng, EncoderDimFeedforward(0)) }, "dim_feedforward 0")
	testutil.MustPanic(t, func() { NewTransformerEncoderLayer[float32](6, 2, rng, EncoderDropout(-1)) }, "dropout -1")
	l := NewTransformerEncoderLayer[float32](6, 2, rng)
	testutil.MustPanic(t, func() { l.ForwardMasked(x, NeedWeights(true)) }, "TransformerEncoderLayer", "Attend only")
	testutil.MustPanic(t, func() { NewTransformerEncoder(l, 0, nil) }, "num_layers 0")
	testutil.MustPanic(t, func() { NewTransformerEncoder[float32](nil, 2, nil) }, "not nil")
	testutil.MustPanic(t, func() { NewTransformerEncoder(l, 1, nil).ForwardMasked(x, AverageAttnWeights(false)) },
		"TransformerEncoder:")
}

// TestTransformerEncoderLayerModes: with dropout 0.5 an encoder layer in
// training mode drops (two calls differ, and differ from evaluation), and
// in evaluation mode it computes what the same weights without dropout
// compute.
func TestTransformerEncoderLayerModes(t *testing.T) {
	l := NewTransformerEncoderLayer[float64](8, 2, mhaRNG(), EncoderDimFeedforward(16), EncoderDropout(0.5))
	plain := l.clone()
	for _, d := range []*Dropout[float64]{plain.Dropout, plain.Dropout1, plain.Dropout2} {
		d.P = 0
	}
	plain.SelfAttn.Dropout = 0
	x := autograd.NewConst(tensor.RandN[float64](mhaRNG(), 5, 2, 8))
	want := plain.Forward(x).Value().Data()
	a, b := l.Forward(x).Value().Clone().Data(), l.Forward(x).Value().Data()
	if slices.Equal(a, b) || slices.Equal(a, want) {
		t.Errorf("training mode does not drop")
	}
	SetTraining[float64](l, false)
	if got := l.Forward(x).Value().Data(); !slices.Equal(got, want) {
		t.Errorf("evaluation mode differs from the layer without dropout by %g", testutil.MaxAbsDiff(got, want))
	}
}

// TestTransformerEncoderNoGradReuse: under no-grad on a tape that reuses
// its buffers (inference), pass after pass gives the bits of the pass on
// constants, and a training pass on the same tape after Reset still gets
// gradients.
func TestTransformerEncoderNoGradReuse(t *testing.T) {
	l := NewTransformerEncoderLayer[float32](8, 2, mhaRNG(), EncoderDimFeedforward(16), EncoderDropout(0),
		EncoderBatchFirst(true), EncoderNormFirst(true), EncoderActivation("gelu"))
	enc := NewTransformerEncoder(l, 2, NewLayerNorm[float32]([]int{8}))
	x := tensor.RandN[float32](mhaRNG(), 2, 5, 8)
	kpm := []bool{false, false, false, true, true, false, false, false, false, false}
	want := enc.ForwardMasked(autograd.NewConst(x), CausalMask(), KeyPaddingMask(kpm)).Value().Clone()
	tape := autograd.NewTape[float32]()
	tape.ReuseBuffers(true)
	tape.SetGradEnabled(false)
	for i := range 3 {
		tape.Reset()
		y := enc.ForwardMasked(tape.Input(x), CausalMask(), KeyPaddingMask(kpm))
		if !slices.Equal(y.Value().Data(), want.Data()) {
			t.Fatalf("pass %d differs from the pass on constants by %g", i, testutil.MaxAbsDiff(y.Value().Data(), want.Data()))
		}
	}
	tape.SetGradEnabled(true)
	tape.Reset()
	y := enc.ForwardMasked(tape.Input(x), CausalMask(), KeyPaddingMask(kpm))
	tape.Backward(functional.Sum(y))
	for _, p := range NamedParams[float32](enc) {
		if p.Var.Grad() == nil {
			t.Errorf("%s has no gradient", p.Name)
		}
	}
}
