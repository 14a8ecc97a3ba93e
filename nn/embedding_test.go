package nn_test

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestEmbeddingInit checks PyTorch's default initialization: N(0, 1)
// weights (mean and standard deviation of 20000 draws within 4 standard
// errors), and the padding row zero, a negative padding_idx counting from
// the end.
func TestEmbeddingInit(t *testing.T) {
	e := nn.NewEmbedding[float64](2000, 10, functional.EmbeddingOptions{PaddingIdx: functional.PaddingIdx(-3)}, rand.New(rand.NewPCG(1, 2)))
	if got := e.Weight.Shape(); !slices.Equal(got, []int{2000, 10}) {
		t.Fatalf("weight shape %v, want [2000 10]", got)
	}
	w := e.Weight.Value().Data()
	for j, v := range w[1997*10 : 1998*10] {
		if v != 0 {
			t.Fatalf("padding row 1997 (padding_idx −3) has %v at %d, want zeros", v, j)
		}
	}
	var s, s2 float64
	for _, v := range w {
		s += v
		s2 += v * v
	}
	n := float64(len(w))
	mean, std := s/n, math.Sqrt(s2/n-(s/n)*(s/n))
	if math.Abs(mean) > 4/math.Sqrt(n) || math.Abs(std-1) > 4/math.Sqrt(2*n) {
		t.Errorf("weights have mean %.4f and std %.4f, want N(0, 1)", mean, std)
	}
	if e.Weight.Grad() != nil || !e.Weight.RequiresGrad() {
		t.Errorf("weight is not a fresh parameter")
	}
}

// TestEmbeddingModule checks that Forward (indices as numbers) and Lookup
// agree, the state_dict name, a strict checkpoint round trip, and that the
// padding row gets no gradient.
func TestEmbeddingModule(t *testing.T) {
	e := nn.NewEmbedding[float64](4, 3, functional.EmbeddingOptions{PaddingIdx: functional.PaddingIdx(0)}, rand.New(rand.NewPCG(3, 4)))
	named := nn.NamedParams[float64](e)
	if len(named) != 1 || named[0].Name != "weight" || named[0].Var != e.Weight {
		t.Fatalf("NamedParams = %v, want [weight]", named)
	}
	tape := autograd.NewTape[float64]()
	y := e.Forward(tape.Input(tensor.FromSlice([]float64{2, 0, 2, 3}, 2, 2)))
	if !slices.Equal(y.Shape(), []int{2, 2, 3}) {
		t.Fatalf("output shape %v, want [2 2 3]", y.Shape())
	}
	w := e.Weight.Value().Data()
	want := slices.Concat(w[6:9], w[0:3], w[6:9], w[9:12])
	if got := y.Value().Data(); !slices.Equal(got, want) {
		t.Fatalf("Forward = %v, want %v", got, want)
	}
	if got := e.Lookup([]int{2, 0, 2, 3}, []int{2, 2}).Value().Data(); !slices.Equal(got, want) {
		t.Errorf("Lookup = %v, want %v", got, want)
	}
	tape.Backward(functional.Sum(y))
	if got, want := e.Weight.Grad().Data(), []float64{0, 0, 0, 0, 0, 0, 2, 2, 2, 1, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("weight gradient %v, want %v", got, want)
	}
	path := filepath.Join(t.TempDir(), "embedding.safetensors")
	if err := nn.Save[float64](path, e); err != nil {
		t.Fatal(err)
	}
	f := nn.NewEmbedding[float64](4, 3, functional.EmbeddingOptions{}, rand.New(rand.NewPCG(5, 6)))
	if err := nn.Load[float64](path, f); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Weight.Value().Data(), w) {
		t.Errorf("loaded weight %v, want %v", f.Weight.Value().Data(), w)
	}
	if err := nn.Load[float64](path, nn.NewEmbedding[float64](5, 3, functional.EmbeddingOptions{}, rand.New(rand.NewPCG(5, 6)))); err == nil {
		t.Errorf("loading a 4×3 weight into a 5×3 table succeeded")
	}
}

func TestEmbeddingModulePanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	testutil.MustPanic(t, func() { nn.NewEmbedding[float64](0, 3, functional.EmbeddingOptions{}, rng) },
		"nn: NewEmbedding(0, 3): num_embeddings and embedding_dim must be positive")
	testutil.MustPanic(t, func() {
		nn.NewEmbedding[float64](3, 2, functional.EmbeddingOptions{PaddingIdx: functional.PaddingIdx(3)}, rng)
	}, "nn: NewEmbedding(3, 2): padding_idx 3 is out of range")
	e := nn.NewEmbedding[float64](3, 2, functional.EmbeddingOptions{}, rng)
	testutil.MustPanic(t, func() { e.Forward(autograd.NewConst(tensor.FromSlice([]float64{1, 0.5}, 2))) },
		"nn: Embedding(3, 2): input value 0.5 at 1 is not an integer index (input of shape [2])")
	testutil.MustPanic(t, func() { e.Forward(autograd.NewConst(tensor.FromSlice([]float64{-1}, 1))) },
		"ops: Embedding: index -1 (position 0) is out of range for 3 embeddings")
}

// TestEmbeddingBagModule checks the state_dict name, the padding row's
// zero initialization, and Forward on a B×L input against Bags.
func TestEmbeddingBagModule(t *testing.T) {
	e := nn.NewEmbeddingBag[float64](4, 2, functional.EmbeddingBagOptions{Mode: "sum", PaddingIdx: functional.PaddingIdx(3)}, rand.New(rand.NewPCG(3, 4)))
	named := nn.NamedParams[float64](e)
	if len(named) != 1 || named[0].Name != "weight" || named[0].Var != e.Weight {
		t.Fatalf("NamedParams = %v, want [weight]", named)
	}
	w := e.Weight.Value().Data()
	if w[6] != 0 || w[7] != 0 || w[0] == 0 {
		t.Fatalf("weight %v: want row 3 zero, the others drawn", w)
	}
	y := e.Forward(autograd.NewConst(tensor.FromSlice([]float64{0, 2, 3, 1, 1, 0}, 2, 3))).Value().Data()
	want := []float64{w[0] + w[4], w[1] + w[5], 2*w[2] + w[0], 2*w[3] + w[1]}
	if testutil.MaxAbsDiff(y, want) > 1e-15 {
		t.Errorf("Forward = %v, want %v", y, want)
	}
	if got := e.Bags([]int{0, 2, 3, 1, 1, 0}, []int{6}, []int{0, 3}, nil).Value().Data(); testutil.MaxAbsDiff(got, want) > 1e-15 {
		t.Errorf("Bags = %v, want %v", got, want)
	}
}

// TestEmbeddingForwardOnInputTape checks that Embedding's and
// EmbeddingBag's Forward compute on the tape of the Var holding the
// indices: recorded there at once, their outputs in its reused buffers,
// where a lookup in the parameter alone (Lookup, Bags) is pending, on no
// tape, until it meets one. Values and gradients are the same.
func TestEmbeddingForwardOnInputTape(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	index, shape := []int{1, 4, 4, 0, 2, 4}, []int{2, 3}
	idx := tensor.FromSlice([]float64{1, 4, 4, 0, 2, 4}, shape...)
	emb := nn.NewEmbedding[float64](5, 3, functional.EmbeddingOptions{}, rng)
	bag := nn.NewEmbeddingBag[float64](5, 3, functional.EmbeddingBagOptions{Mode: "sum"}, rng)
	for _, c := range []struct {
		name   string
		m      nn.Module[float64]
		weight *autograd.Var[float64]
		byInts func() *autograd.Var[float64]
	}{
		{"Embedding", emb, emb.Weight, func() *autograd.Var[float64] { return emb.Lookup(index, shape) }},
		{"EmbeddingBag", bag, bag.Weight, func() *autograd.Var[float64] { return bag.Bags(index, shape, nil, nil) }},
	} {
		tape := autograd.NewTape[float64]()
		tape.ReuseBuffers(true)
		y := c.m.Forward(tape.Input(idx))
		if y.Tape() != tape || tape.Len() == 0 {
			t.Fatalf("%s: output on tape %p with %d nodes recorded, want tape %p", c.name, y.Tape(), tape.Len(), tape)
		}
		g := tensor.New[float64](y.Shape()...)
		for i := range g.Data() {
			g.Data()[i] = float64(i%5) - 1.5
		}
		c.weight.ZeroGrad()
		tape.BackwardWithGrad(y, g)
		got := c.weight.Grad().Clone()

		c.weight.ZeroGrad()
		z := c.byInts()
		if z.Tape() != nil {
			t.Fatalf("%s: a lookup by ints is on tape %p, want pending", c.name, z.Tape())
		}
		autograd.NewTape[float64]().BackwardWithGrad(z, g)
		if d := testutil.MaxAbsDiff(y.Value().Data(), z.Value().Data()); d != 0 {
			t.Errorf("%s: outputs differ by %g", c.name, d)
		}
		if d := testutil.MaxAbsDiff(got.Data(), c.weight.Grad().Data()); d != 0 || len(got.Data()) != 15 {
			t.Errorf("%s: weight gradients differ by %g (%d values)", c.name, d, len(got.Data()))
		}
	}
}
