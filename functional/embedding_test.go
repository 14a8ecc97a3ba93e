package functional_test

import (
	"math"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers for Embedding come from PyTorch's F.embedding, run
// in float64 and in float32; regenerate them with
//
//	/usr/bin/python3 functional/testdata/gen_torch_embedding.py
//
// The tests only read the JSON: they never need Python.
const (
	embeddingRefPath = "testdata/torch_embedding.json"
	embeddingRegen   = "/usr/bin/python3 functional/testdata/gen_torch_embedding.py"
)

// embeddingRef is the layout of torch_embedding.json.
type embeddingRef struct {
	reftest.Header
	Cases []embeddingCase `json:"cases"`
	Bags  []bagCase       `json:"bags"`
}

// bagCase is one F.embedding_bag call.
type bagCase struct {
	Name        string          `json:"name"`
	Index       []int           `json:"index"`
	IndexShape  []int           `json:"index_shape"`
	Offsets     []int           `json:"offsets"`
	Weight      embeddingTensor `json:"weight"`
	Upstream    []reftest.Float `json:"upstream"`
	PSW         []reftest.Float `json:"per_sample_weights"`
	Mode        string          `json:"mode"`
	PaddingIdx  *int            `json:"padding_idx"`
	MaxNorm     *float64        `json:"max_norm"`
	NormType    reftest.Float   `json:"norm_type"`
	Freq        bool            `json:"scale_grad_by_freq"`
	IncludeLast bool            `json:"include_last_offset"`
	OutputShape []int           `json:"output_shape"`
	Float64     bagResult       `json:"float64"`
	Float32     bagResult       `json:"float32"`
}

type bagResult struct {
	embeddingResult
	PSWGrad []reftest.Float `json:"psw_grad"`
}

// embeddingCase is one F.embedding call: its indices, weight, upstream
// gradient and options, and what torch computed in each dtype.
type embeddingCase struct {
	Name        string          `json:"name"`
	Index       []int           `json:"index"`
	IndexShape  []int           `json:"index_shape"`
	Weight      embeddingTensor `json:"weight"`
	Upstream    []reftest.Float `json:"upstream"`
	PaddingIdx  *int            `json:"padding_idx"`
	MaxNorm     *float64        `json:"max_norm"`
	NormType    reftest.Float   `json:"norm_type"`
	Freq        bool            `json:"scale_grad_by_freq"`
	OutputShape []int           `json:"output_shape"`
	Float64     embeddingResult `json:"float64"`
	Float32     embeddingResult `json:"float32"`
}

type embeddingTensor struct {
	Shape []int           `json:"shape"`
	Data  []reftest.Float `json:"data"`
}

// embeddingResult is torch's output, the weight's gradient and the weight
// after the call (renormalized in place by max_norm).
type embeddingResult struct {
	Output      []reftest.Float `json:"output"`
	Grad        []reftest.Float `json:"grad"`
	WeightAfter []reftest.Float `json:"weight_after"`
}

func (c embeddingCase) options() functional.EmbeddingOptions {
	o := functional.EmbeddingOptions{PaddingIdx: c.PaddingIdx, NormType: float64(c.NormType), ScaleGradByFreq: c.Freq}
	if c.MaxNorm != nil {
		o.MaxNorm = *c.MaxNorm
	}
	return o
}

// TestEmbeddingReference pins functional.Embedding's output, the weight's
// gradient and max_norm's in-place renormalization to PyTorch's in both
// dtypes: repeated indices, indices of rank 0 to 3 and empty, padding_idx
// (negative too), scale_grad_by_freq, and max_norm with p = 2, 1, 3 and ∞.
func TestEmbeddingReference(t *testing.T) {
	var ref embeddingRef
	reftest.Load(t, embeddingRefPath, embeddingRegen, &ref)
	unique := reftest.Unique(t, embeddingRefPath)
	var renormed, padded, scaled int
	for _, c := range ref.Cases {
		unique(c.Name)
		if c.MaxNorm != nil && !slices.Equal(c.Weight.Data, c.Float64.WeightAfter) && *c.MaxNorm < 100 {
			renormed++
		}
		if c.PaddingIdx != nil && slices.Contains(c.Index, (*c.PaddingIdx+c.Weight.Shape[0])%c.Weight.Shape[0]) {
			padded++
		}
		if c.Freq {
			scaled++
		}
		t.Run(c.Name+"/float64", func(t *testing.T) { testEmbeddingReference[float64](t, c, c.Float64, 1e-10) })
		t.Run(c.Name+"/float32", func(t *testing.T) { testEmbeddingReference[float32](t, c, c.Float32, 1e-5) })
	}
	// The file must keep the cases that test something.
	if renormed < 3 || padded < 3 || scaled < 2 {
		t.Errorf("%s: %d cases renormalize, %d look up their padding row, %d scale by frequency; want at least 3, 3, 2",
			embeddingRefPath, renormed, padded, scaled)
	}
}

func testEmbeddingReference[T tensor.Float](t *testing.T, c embeddingCase, want embeddingResult, rtol float64) {
	tape := autograd.NewTape[T]()
	w := tape.Param(tensor.FromSlice(reftest.Floats[T](c.Weight.Data), c.Weight.Shape...))
	y := functional.Embedding(c.Index, c.IndexShape, w, c.options())
	if !slices.Equal(y.Shape(), c.OutputShape) {
		t.Fatalf("output shape %v, want %v", y.Shape(), c.OutputShape)
	}
	tape.BackwardWithGrad(y, tensor.FromSlice(reftest.Floats[T](c.Upstream), c.OutputShape...))
	embeddingCompare(t, "output", y.Value().Data(), want.Output, rtol)
	embeddingCompare(t, "weight gradient", w.Grad().Data(), want.Grad, rtol)
	embeddingCompare(t, "weight after the call", w.Value().Data(), want.WeightAfter, rtol)
}

func embeddingCompare[T tensor.Float](t *testing.T, what string, got []T, want []reftest.Float, rtol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i, g := range got {
		w := float64(want[i])
		if d := math.Abs(float64(g) - w); d > rtol*max(1, math.Abs(w)) {
			t.Errorf("%s at %d: got %.10g, want %.10g (PyTorch)", what, i, g, w)
		}
	}
}

// TestEmbeddingBagReference pins functional.EmbeddingBag's output, the
// weight's and per_sample_weights' gradients and max_norm's renormalization
// to PyTorch's F.embedding_bag in both dtypes, for every mode, 2-d inputs
// and offsets (empty bags, include_last_offset), padding_idx,
// scale_grad_by_freq and max_norm.
func TestEmbeddingBagReference(t *testing.T) {
	var ref embeddingRef
	reftest.Load(t, embeddingRefPath, embeddingRegen, &ref)
	unique := reftest.Unique(t, embeddingRefPath)
	modes := map[string]int{}
	for _, c := range ref.Bags {
		unique(c.Name)
		modes[c.Mode]++
		t.Run(c.Name+"/float64", func(t *testing.T) { testEmbeddingBagReference[float64](t, c, c.Float64, 1e-10) })
		t.Run(c.Name+"/float32", func(t *testing.T) { testEmbeddingBagReference[float32](t, c, c.Float32, 1e-5) })
	}
	if modes["sum"] < 3 || modes["mean"] < 3 || modes["max"] < 3 {
		t.Errorf("%s: bags per mode %v, want at least 3 of each", embeddingRefPath, modes)
	}
}

func testEmbeddingBagReference[T tensor.Float](t *testing.T, c bagCase, want bagResult, rtol float64) {
	tape := autograd.NewTape[T]()
	w := tape.Param(tensor.FromSlice(reftest.Floats[T](c.Weight.Data), c.Weight.Shape...))
	var psw *autograd.Var[T]
	if c.PSW != nil {
		psw = tape.Param(tensor.FromSlice(reftest.Floats[T](c.PSW), c.IndexShape...))
	}
	o := functional.EmbeddingBagOptions{Mode: c.Mode, PaddingIdx: c.PaddingIdx, NormType: float64(c.NormType),
		ScaleGradByFreq: c.Freq, IncludeLastOffset: c.IncludeLast}
	if c.MaxNorm != nil {
		o.MaxNorm = *c.MaxNorm
	}
	y := functional.EmbeddingBag(c.Index, c.IndexShape, c.Offsets, w, psw, o)
	if !slices.Equal(y.Shape(), c.OutputShape) {
		t.Fatalf("output shape %v, want %v", y.Shape(), c.OutputShape)
	}
	tape.BackwardWithGrad(y, tensor.FromSlice(reftest.Floats[T](c.Upstream), c.OutputShape...))
	embeddingCompare(t, "output", y.Value().Data(), want.Output, rtol)
	embeddingCompare(t, "weight gradient", w.Grad().Data(), want.Grad, rtol)
	embeddingCompare(t, "weight after the call", w.Value().Data(), want.WeightAfter, rtol)
	if psw != nil {
		embeddingCompare(t, "per_sample_weights gradient", psw.Grad().Data(), want.PSWGrad, rtol)
	}
}

// TestEmbeddingBagGradGrad checks EmbeddingBag's gradients and second-order
// gradients against central differences in each mode, with
// per_sample_weights in mode sum.
func TestEmbeddingBagGradGrad(t *testing.T) {
	w := tensor.FromSlice([]float64{0.3, -1.2, 0.7, 2.1, -0.4, 0.9, 1.5, -0.8, 0.1, -2.2, 1.1, 0.6}, 4, 3)
	psw := tensor.FromSlice([]float64{0.5, -1.5, 2, 0.7, 1.3}, 5)
	for _, mode := range []string{"sum", "mean", "max"} {
		f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
			var p *autograd.Var[float64]
			if len(x) > 1 {
				p = x[1]
			}
			y := functional.EmbeddingBag([]int{3, 0, 3, 1, 2}, []int{5}, []int{0, 2, 2}, x[0], p, functional.EmbeddingBagOptions{Mode: mode})
			return functional.Mul(y, y) // not linear, so that the second order is not 0
		}
		in := []*tensor.Tensor[float64]{w}
		if mode == "sum" {
			in = append(in, psw)
		}
		if err := gradtest.Check(f, in, nil); err != nil {
			t.Errorf("%s: %v", mode, err)
		}
		if err := gradtest.GradGradCheck(f, in, nil); err != nil {
			t.Errorf("%s: %v", mode, err)
		}
	}
}

// TestEmbeddingBagScaleGradByFreq pins scale_grad_by_freq in a bag: each
// row's gradient divided by its own number of occurrences, as
// F.embedding's (PyTorch 1.13's embedding_bag gives [1, 1.5, 1/3] here,
// dividing by another index's count; see gen_torch_embedding.py).
func TestEmbeddingBagScaleGradByFreq(t *testing.T) {
	tape := autograd.NewTape[float64]()
	w := tape.Param(tensor.New[float64](3, 1))
	y := functional.EmbeddingBag([]int{1, 0, 1, 2, 1, 0}, []int{2, 3}, nil, w, nil,
		functional.EmbeddingBagOptions{Mode: "sum", ScaleGradByFreq: true})
	tape.Backward(functional.Sum(y))
	if got, want := w.Grad().Data(), []float64{1, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("weight gradient %v, want %v", got, want)
	}
}

func TestEmbeddingBagPanics(t *testing.T) {
	w := autograd.NewParam(tensor.New[float64](3, 2))
	o := functional.EmbeddingBagOptions{}
	testutil.MustPanic(t, func() {
		functional.EmbeddingBag([]int{0}, []int{1}, []int{0}, w, nil, functional.EmbeddingBagOptions{Mode: "min"})
	},
		`functional: EmbeddingBag: mode "min" is not one of sum, mean, max`)
	testutil.MustPanic(t, func() { functional.EmbeddingBag([]int{0, 1}, []int{1, 2}, []int{0}, w, nil, o) },
		"functional: EmbeddingBag: a 2-d input (shape [1 2]) takes no offsets, got [0]")
	testutil.MustPanic(t, func() { functional.EmbeddingBag([]int{0, 1}, []int{2}, []int{1}, w, nil, o) },
		"functional: EmbeddingBag: offsets [1] must start at 0")
	testutil.MustPanic(t, func() { functional.EmbeddingBag([]int{0, 1}, []int{2}, []int{0, 3}, w, nil, o) },
		"functional: EmbeddingBag: offsets [0 3] must start at 0 and not decrease, and not exceed the 2 indices")
	testutil.MustPanic(t, func() {
		functional.EmbeddingBag([]int{0, 1}, []int{2}, []int{0}, w, autograd.NewConst(tensor.New[float64](2)), o)
	}, "functional: EmbeddingBag: per_sample_weights need mode sum, got mean")
	testutil.MustPanic(t, func() {
		functional.EmbeddingBag([]int{0, 1}, []int{2}, []int{0}, w, autograd.NewConst(tensor.New[float64](3)), functional.EmbeddingBagOptions{Mode: "sum"})
	}, "functional: EmbeddingBag: per_sample_weights of shape [3], want the input's shape [2]")
	testutil.MustPanic(t, func() { functional.EmbeddingBag([]int{0, 1, 2}, []int{3, 1, 1}, nil, w, nil, o) },
		"functional: EmbeddingBag: input of shape [3 1 1], want 1-d (with offsets) or 2-d (B×L)")
}

// TestEmbeddingGradCheck checks the plain lookup's gradient against central
// differences, through functional.Embedding.
func TestEmbeddingGradCheck(t *testing.T) {
	w := tensor.FromSlice([]float64{0.3, -1.2, 0.7, 2.1, -0.4, 0.9, 1.5, -0.8}, 4, 2)
	f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
		return functional.Embedding([]int{3, 0, 3, 1}, []int{2, 2}, x[0], functional.EmbeddingOptions{})
	}
	if err := gradtest.Check(f, []*tensor.Tensor[float64]{w}, nil); err != nil {
		t.Error(err)
	}
}

// TestEmbeddingScaleGradByFreqGradGrad pins the second order with
// scale_grad_by_freq, where tapegrad departs from PyTorch 1.13 (whose
// double backward drops the 1/count): dw[k] = Σ g[p]/count(k), so
// ∂⟨v, dw⟩/∂g[p] = v[k]/count(k) exactly.
func TestEmbeddingScaleGradByFreqGradGrad(t *testing.T) {
	tape := autograd.NewTape[float64]()
	w := tape.Param(tensor.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 3, 2))
	g := tape.Param(tensor.FromSlice([]float64{1, 1, 1, 1, 1, 1}, 3, 2))
	y := functional.Embedding([]int{0, 0, 1}, []int{3}, w, functional.EmbeddingOptions{ScaleGradByFreq: true})
	dw := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{w},
		autograd.GradOptions[float64]{GradOutputs: []*autograd.Var[float64]{g}, CreateGraph: true})[0]
	if got, want := dw.Value().Data(), []float64{1, 1, 1, 1, 0, 0}; !slices.Equal(got, want) {
		t.Fatalf("dw = %v, want %v", got, want)
	}
	v := tensor.FromSlice([]float64{1, 10, 100, 1000, 7, 7}, 3, 2)
	psi := functional.Sum(functional.Mul(dw, autograd.NewConst(v)))
	h := tape.Grad([]*autograd.Var[float64]{psi}, []*autograd.Var[float64]{g}, autograd.GradOptions[float64]{})[0]
	if got, want := h.Value().Data(), []float64{0.5, 5, 0.5, 5, 100, 1000}; !slices.Equal(got, want) {
		t.Errorf("∂⟨v, dw⟩/∂g = %v, want %v", got, want)
	}
}

// TestEmbeddingRenormNoGrad checks that max_norm changes the weight's value
// in place, records nothing of its own, and touches only looked-up rows.
func TestEmbeddingRenormNoGrad(t *testing.T) {
	tape := autograd.NewTape[float64]()
	w := tape.Param(tensor.FromSlice([]float64{3, 4, 6, 8, 0.3, 0.4}, 3, 2))
	y := functional.Embedding([]int{0, 0, 2}, []int{3}, w, functional.EmbeddingOptions{MaxNorm: 1})
	if tape.Len() != 1 {
		t.Errorf("the tape holds %d nodes, want 1 (the lookup; the renormalization is not recorded)", tape.Len())
	}
	s := 1 / (5 + 1e-7)
	want := []float64{3 * s, 4 * s, 6, 8, 0.3, 0.4}
	if got := w.Value().Data(); testutil.MaxAbsDiff(got, want) > 1e-15 {
		t.Errorf("weight after = %v, want %v", got, want)
	}
	if got := y.Value().Data(); testutil.MaxAbsDiff(got, []float64{3 * s, 4 * s, 3 * s, 4 * s, 0.3, 0.4}) > 1e-15 {
		t.Errorf("output = %v", got)
	}
}

func TestEmbeddingPanics(t *testing.T) {
	w := autograd.NewParam(tensor.New[float64](3, 2))
	testutil.MustPanic(t, func() {
		functional.Embedding([]int{0}, []int{1}, autograd.NewParam(tensor.New[float64](3)), functional.EmbeddingOptions{})
	}, "functional: Embedding: weight of shape [3], want a 2-d")
	testutil.MustPanic(t, func() {
		functional.Embedding([]int{0}, []int{1}, w, functional.EmbeddingOptions{PaddingIdx: functional.PaddingIdx(-4)})
	}, "functional: Embedding: padding_idx -4 is out of range for 3 embeddings")
	testutil.MustPanic(t, func() {
		functional.Embedding([]int{0}, []int{1}, w, functional.EmbeddingOptions{MaxNorm: -1})
	}, "functional: Embedding: max_norm -1 and norm_type 0 must not be negative")
	testutil.MustPanic(t, func() {
		functional.Embedding([]int{0, 3}, []int{2}, w, functional.EmbeddingOptions{MaxNorm: 1})
	}, "functional: Embedding: index 3 (position 1) is out of range for 3 embeddings")
	testutil.MustPanic(t, func() {
		functional.Embedding([]int{0, 3}, []int{2}, w, functional.EmbeddingOptions{})
	}, "ops: Embedding: index 3 (position 1) is out of range for 3 embeddings")
	testutil.MustPanic(t, func() {
		functional.Embedding([]int{0, 1}, []int{3}, w, functional.EmbeddingOptions{})
	}, "ops: Embedding: 2 indices for an index of shape [3]")
}
