package nn_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// These tests and nn/testdata/torch_zoo.py move a checkpoint of one model
// that uses every module of issues 18 and 19 with state or options, the
// "zoo", each way between tapegrad and PyTorch, and compare outputs in both
// modes, every parameter's gradient and the buffers after a training step
// with PyTorch's, committed in testdata; TestZooModuleStateDicts checks
// every variant of those modules alone against the state_dict PyTorch gives
// it (keys in order, shapes, dtypes, deterministic initial values).
// Regenerate the files after a deliberate change, from the repository root,
// with
//
//	go test ./nn -run TestZooTapegradCheckpointGolden -update
//	/usr/bin/python3 nn/testdata/torch_zoo.py

const (
	zooBatch = 4
	zooSeed  = 20261202 // the tapegrad zoo's rng: PCG(seed, seed)

	// zooTol is the tolerance of every float32 value against PyTorch's,
	// relative to the largest magnitude of the tensor compared, or absolute
	// below 1. The outputs are O(1) (every branch ends in a norm), the
	// gradients up to ~15; the two sides sum in different orders, so they
	// differ by a few float32 roundings, which the normalizations on the way
	// amplify by their 1/σ: the largest differences seen are ~1e-6
	// relative. A wrong index, option or gradient formula shifts values by
	// 1e-2 or more.
	zooTol = 1e-5
)

// zoo is the model of torch_zoo.py's Zoo, with the same submodule names:
//
//	image N×3×8×8 → pad → conv → bn → act → inorm → drop → gnorm
//	  → down (stride 2, groups 2) → up (transposed: stride 2, output
//	  padding, groups 2, dilation 2) → amax (5×3) → ln (over 6×5×3)
//	  → near (nearest ×2) → aavg (3×3) → bilin (bilinear ×2, align_corners)
//	  → flat → fc → rms                                        N×16
//	tokens N×5 → emb (padding_idx 0) → flat → tok              N×16
//	bags N×3 → bag (mean)                                      N×16
//	sum → unflat (N×4×4) → ln2 (over 4, no bias) → flat → head N×5
//
// Forward takes the image; the token inputs of the next Forward are the
// fields tokens and bags (index values held as float32 constants).
type zoo struct {
	pad    *nn.ReflectionPad2d[float32]
	conv   *nn.Conv2d[float32]
	bn     *nn.BatchNorm[float32]
	act    *nn.PReLU[float32]
	inorm  *nn.InstanceNorm[float32]
	drop   *nn.Dropout2d[float32]
	gnorm  *nn.GroupNorm[float32]
	down   *nn.Conv2d[float32]
	up     *nn.ConvTranspose2d[float32]
	amax   *nn.AdaptiveMaxPool2d[float32]
	ln     *nn.LayerNorm[float32]
	near   *nn.Upsample[float32]
	aavg   *nn.AdaptiveAvgPool2d[float32]
	bilin  *nn.Upsample[float32]
	flat   nn.Flatten[float32]
	fc     *nn.Linear[float32]
	rms    *nn.RMSNorm[float32]
	emb    *nn.Embedding[float32]
	tok    *nn.Linear[float32]
	bag    *nn.EmbeddingBag[float32]
	unflat *nn.Unflatten[float32]
	ln2    *nn.LayerNorm[float32]
	head   *nn.Linear[float32]

	tokens, bags *autograd.Var[float32]
}

// newZoo builds the zoo with PyTorch's default initialization, drawn from
// rng.
func newZoo(rng *rand.Rand) *zoo {
	bilinear := nn.NewUpsample[float32](2, functional.InterpBilinear)
	bilinear.AlignCorners = true
	return &zoo{
		pad:   nn.NewReflectionPad2d[float32](1),
		conv:  nn.NewConv2d[float32](3, 8, [2]int{3, 3}, functional.Conv2dOptions{}, true, rng),
		bn:    nn.NewBatchNorm2d[float32](8),
		act:   nn.NewPReLU[float32](8, 0.25),
		inorm: nn.NewInstanceNorm2d[float32](8, nn.NormAffine(true), nn.NormTrackRunningStats(true)),
		drop:  nn.NewDropout2d[float32](0.25, rng),
		gnorm: nn.NewGroupNorm[float32](2, 8),
		down: nn.NewConv2d[float32](8, 8, [2]int{3, 3},
			functional.Conv2dOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, Groups: 2}, true, rng),
		up: nn.NewConvTranspose2d[float32](8, 6, [2]int{3, 3}, functional.ConvTranspose2dOptions{
			Stride: [2]int{2, 2}, Padding: [2]int{2, 2}, OutputPadding: [2]int{1, 1}, Dilation: [2]int{2, 2}, Groups: 2}, true, rng),
		amax:   nn.NewAdaptiveMaxPool2d[float32](5, 3),
		ln:     nn.NewLayerNorm[float32]([]int{6, 5, 3}),
		near:   nn.NewUpsample[float32](2, functional.InterpNearest),
		aavg:   nn.NewAdaptiveAvgPool2d[float32](3, 3),
		bilin:  bilinear,
		fc:     nn.NewLinear[float32](216, 16, true, rng),
		rms:    nn.NewRMSNorm[float32]([]int{16}),
		emb:    nn.NewEmbedding[float32](10, 4, functional.EmbeddingOptions{PaddingIdx: functional.PaddingIdx(0)}, rng),
		tok:    nn.NewLinear[float32](20, 16, true, rng),
		bag:    nn.NewEmbeddingBag[float32](12, 16, functional.EmbeddingBagOptions{Mode: "mean"}, rng),
		unflat: nn.NewUnflatten[float32](1, 4, 4),
		ln2:    nn.NewLayerNorm[float32]([]int{4}, nn.LayerNormBias(false)),
		head:   nn.NewLinear[float32](16, 5, true, rng),
	}
}

func (z *zoo) Forward(x *autograd.Var[float32]) *autograd.Var[float32] {
	h := z.act.Forward(z.bn.Forward(z.conv.Forward(z.pad.Forward(x))))
	h = z.gnorm.Forward(z.drop.Forward(z.inorm.Forward(h)))
	h = z.ln.Forward(z.amax.Forward(z.up.Forward(z.down.Forward(h))))
	h = z.aavg.Forward(z.near.Forward(h))
	h = z.rms.Forward(z.fc.Forward(z.flat.Forward(z.bilin.Forward(h))))
	t := z.tok.Forward(z.flat.Forward(z.emb.Forward(z.tokens)))
	s := functional.Add(functional.Add(h, t), z.bag.Forward(z.bags))
	return z.head.Forward(z.flat.Forward(z.ln2.Forward(z.unflat.Forward(s))))
}

func (z *zoo) State() nn.State[float32] {
	return nn.State[float32]{Children: []nn.Child[float32]{
		{Name: "pad", Module: z.pad}, {Name: "conv", Module: z.conv}, {Name: "bn", Module: z.bn},
		{Name: "act", Module: z.act}, {Name: "inorm", Module: z.inorm}, {Name: "drop", Module: z.drop},
		{Name: "gnorm", Module: z.gnorm}, {Name: "down", Module: z.down}, {Name: "up", Module: z.up},
		{Name: "amax", Module: z.amax}, {Name: "ln", Module: z.ln}, {Name: "near", Module: z.near},
		{Name: "aavg", Module: z.aavg}, {Name: "bilin", Module: z.bilin}, {Name: "flat", Module: z.flat},
		{Name: "fc", Module: z.fc}, {Name: "rms", Module: z.rms}, {Name: "emb", Module: z.emb},
		{Name: "tok", Module: z.tok}, {Name: "bag", Module: z.bag}, {Name: "unflat", Module: z.unflat},
		{Name: "ln2", Module: z.ln2}, {Name: "head", Module: z.head},
	}}
}

// zooInputs draws an image batch and the two token batches, as
// torch_zoo.py's inputs does (from another generator).
func zooInputs(rng *rand.Rand) (x, tokens, bags *tensor.Tensor[float32]) {
	x = tensor.RandN[float32](rng, zooBatch, 3, 8, 8)
	tokens, bags = tensor.New[float32](zooBatch, 5), tensor.New[float32](zooBatch, 3)
	for i := range tokens.Data() {
		if i%5 != 0 { // the padding index 0 in every sample
			tokens.Data()[i] = float32(rng.IntN(10))
		}
	}
	for i := range bags.Data() {
		bags.Data()[i] = float32(rng.IntN(12))
	}
	return x, tokens, bags
}

// tapegradZoo is the model of testdata/tapegrad_zoo.safetensors: newZoo
// from zooSeed, its constant-initialized parameters (the norms' γ and β,
// PReLU's slopes) drawn at random as torch_zoo.py does for its own, and
// three training-mode forwards (dropout on) that move the running
// statistics.
func tapegradZoo() *zoo {
	rng := rand.New(rand.NewPCG(zooSeed, zooSeed))
	z := newZoo(rng)
	for _, p := range nn.NamedParams[float32](z) {
		v := p.Var.Value()
		switch p.Name {
		case "bn.weight", "inorm.weight", "gnorm.weight", "ln.weight", "ln2.weight", "rms.weight":
			nn.Uniform(v, 0.5, 1.5, rng)
		case "bn.bias", "inorm.bias", "gnorm.bias", "ln.bias":
			nn.Uniform(v, -0.5, 0.5, rng)
		case "act.weight":
			nn.Uniform(v, 0.05, 0.5, rng)
		}
	}
	for range 3 {
		x, tokens, bags := zooInputs(rng)
		z.tokens, z.bags = autograd.NewConst(tokens), autograd.NewConst(bags)
		z.Forward(autograd.NewConst(x))
	}
	return z
}

// zooRef reads a reference file of torch_zoo.py: its tensors (the I64
// index tensors as float32) and its state_dict key list.
func zooRef(t *testing.T, path string) (map[string]*tensor.Tensor[float32], []string) {
	t.Helper()
	f, err := safetensors.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := make(map[string]*tensor.Tensor[float32])
	for _, name := range f.Names() {
		dtype, _, _ := f.Info(name)
		if dtype != safetensors.I64 {
			if out[name], err = safetensors.Read[float32](f, name); err != nil {
				t.Fatal(err)
			}
			continue
		}
		shape, ints, err := f.ReadInt64(name)
		if err != nil {
			t.Fatal(err)
		}
		v := tensor.New[float32](shape...)
		for i, n := range ints {
			v.Data()[i] = float32(n)
		}
		out[name] = v
	}
	var keys []string
	if err := json.Unmarshal([]byte(f.Metadata()["state_dict_keys"]), &keys); err != nil {
		t.Fatalf("%s: state_dict_keys: %v", path, err)
	}
	return out, keys
}

// zooNames returns the state_dict names of z's parameters and buffers.
func zooNames(z *zoo) []string {
	var names []string
	for _, p := range nn.NamedParams[float32](z) {
		names = append(names, p.Name)
	}
	for _, b := range nn.NamedBuffers[float32](z) {
		names = append(names, b.Name)
	}
	return names
}

// zooClose fails unless got has want's shape and is within zooTol of it
// (relative to want's largest magnitude when that exceeds 1), and returns
// the largest difference.
func zooClose(t *testing.T, what string, got, want *tensor.Tensor[float32]) float64 {
	t.Helper()
	if want == nil {
		t.Errorf("%s: no PyTorch reference", what)
		return math.Inf(1)
	}
	if !tensor.SameShape(got, want) {
		t.Errorf("%s: shape %v, PyTorch's is %v", what, got.Shape(), want.Shape())
		return math.Inf(1)
	}
	d, limit := tensor.MaxAbsDiff(got, want), zooTol*max(1, maxAbs32(want.Data()))
	if !(d <= limit) {
		i := worstIndex(got.Data(), want.Data())
		t.Errorf("%s differs from PyTorch's by %.3g > %.3g (at flat index %d: tapegrad %v, torch %v)",
			what, d, limit, i, got.Data()[i], want.Data()[i])
	}
	return d
}

// checkZoo runs z on the inputs of the reference ref as torch_zoo.py's
// reference does, and compares: the eval-mode output; in training mode with
// the Dropout2d in eval mode, the output, the gradient of sum(output·g) for
// every parameter, and every buffer after that forward. Every parameter
// and buffer must have its reference (the key sets are checked separately).
func checkZoo(t *testing.T, z *zoo, ref map[string]*tensor.Tensor[float32]) {
	t.Helper()
	z.tokens, z.bags = autograd.NewConst(ref["tokens"]), autograd.NewConst(ref["bags"])
	var worst diffStats
	nn.SetTraining[float32](z, false)
	worst.add("output_eval", zooClose(t, "eval output", z.Forward(autograd.NewConst(ref["input"])).Value(), ref["output_eval"]))

	nn.SetTraining[float32](z, true)
	z.drop.SetTraining(false)
	nn.ZeroGrad[float32](z)
	tape := autograd.NewTape[float32]()
	y := z.Forward(tape.Input(ref["input"]))
	worst.add("output_train", zooClose(t, "training output", y.Value(), ref["output_train"]))
	tape.BackwardWithGrad(y, ref["g"])
	for _, p := range nn.NamedParams[float32](z) {
		if p.Var.Grad() == nil {
			t.Errorf("%s has no gradient", p.Name)
			continue
		}
		worst.add("grad."+p.Name, zooClose(t, "gradient of "+p.Name, p.Var.Grad(), ref["grad."+p.Name]))
	}
	for _, b := range nn.NamedBuffers[float32](z) {
		worst.add("after."+b.Name, zooClose(t, b.Name+" after the training forward", b.Value, ref["after."+b.Name]))
	}
	t.Logf("largest difference from PyTorch: %v", &worst)
}

// checkZooKeys fails unless the zoo's parameter and buffer names are the
// keys of the PyTorch twin's state_dict, as a set (the orders differ: a
// state_dict lists each module's parameters then buffers).
func checkZooKeys(t *testing.T, z *zoo, torchKeys []string) {
	t.Helper()
	got, want := zooNames(z), slices.Clone(torchKeys)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("state_dict names\n%q\nPyTorch's\n%q", got, want)
	}
	if len(want) != 31 {
		t.Errorf("PyTorch's state_dict has %d keys, want the 31 of torch_zoo.py's Zoo", len(want))
	}
}

// A state_dict PyTorch wrote for its twin of the zoo, with torch's default
// initialization and moved running statistics, loads strictly into the
// tapegrad zoo, which then reproduces PyTorch's outputs, gradients and
// buffers.
func TestZooPyTorchCheckpoint(t *testing.T) {
	z := newZoo(rand.New(rand.NewPCG(1, 1)))
	if err := nn.Load[float32]("testdata/torch_zoo.safetensors", z); err != nil {
		t.Fatal(err)
	}
	ref, keys := zooRef(t, "testdata/torch_zoo_io.safetensors")
	checkZooKeys(t, z, keys)
	if n := z.bn.NumBatchesTracked.Item(); n != 3 {
		t.Errorf("bn.num_batches_tracked = %v after loading, want 3", n)
	}
	if n := z.inorm.NumBatchesTracked.Item(); n != 3 {
		t.Errorf("inorm.num_batches_tracked = %v after loading, want 3", n)
	}
	// Saved again, the loaded state is PyTorch's, tensor for tensor: the
	// same values, shapes and dtypes (I64 for the counts).
	path := filepath.Join(t.TempDir(), "again.safetensors")
	if err := nn.Save[float32](path, z); err != nil {
		t.Fatal(err)
	}
	sameTensors(t, path, "testdata/torch_zoo.safetensors")
	checkZoo(t, z, ref)
}

// sameTensors fails unless the safetensors files a and b hold the same
// names with the same dtypes, shapes and values, exactly, but for the
// float32 tensors named in rounded, whose values may differ by zooULPs
// units in the last place.
func sameTensors(t *testing.T, a, b string, rounded ...string) {
	t.Helper()
	fa, err := safetensors.OpenFile(a)
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Close()
	fb, err := safetensors.OpenFile(b)
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	na, nb := fa.Names(), fb.Names()
	slices.Sort(na)
	slices.Sort(nb)
	if !slices.Equal(na, nb) {
		t.Fatalf("%s holds %q, %s holds %q", a, na, b, nb)
	}
	for _, name := range na {
		da, sa, _ := fa.Info(name)
		db, sb, _ := fb.Info(name)
		if da != db || !slices.Equal(sa, sb) {
			t.Errorf("%s: %s %v against %s %v", name, da, sa, db, sb)
			continue
		}
		if da == safetensors.I64 {
			_, ia, errA := fa.ReadInt64(name)
			_, ib, errB := fb.ReadInt64(name)
			if errA != nil || errB != nil || !slices.Equal(ia, ib) {
				t.Errorf("%s: %v against %v (%v, %v)", name, ia, ib, errA, errB)
			}
			continue
		}
		va, errA := safetensors.Read[float32](fa, name)
		vb, errB := safetensors.Read[float32](fb, name)
		if errA != nil || errB != nil {
			t.Errorf("%s: %v, %v", name, errA, errB)
			continue
		}
		ulps := 0
		if slices.Contains(rounded, name) {
			ulps = zooULPs
		}
		for i, x := range va.Data() {
			y := vb.Data()[i]
			// One unit in the last place of y: the gap above |y|.
			ulp := math.Nextafter32(abs32(y), float32(math.Inf(1))) - abs32(y)
			if !(math.Abs(float64(x)-float64(y)) <= float64(ulps)*float64(ulp)) {
				t.Errorf("%s[%d] = %v in %s, %v in %s", name, i, x, a, y, b)
				break
			}
		}
	}
}

// PyTorch loaded testdata/tapegrad_zoo.safetensors into its twin with
// load_state_dict(strict=True) and recorded its results in
// tapegrad_zoo_ref.safetensors; the zoo that wrote the checkpoint gives the
// same, and the checkpoint loads back into a fresh zoo that gives them too.
func TestZooTapegradCheckpointInPyTorch(t *testing.T) {
	ref, keys := zooRef(t, "testdata/tapegrad_zoo_ref.safetensors")
	z := tapegradZoo()
	checkZooKeys(t, z, keys)
	if n := z.bn.NumBatchesTracked.Item(); n != 3 {
		t.Errorf("bn.num_batches_tracked = %v after three training forwards, want 3", n)
	}
	checkZoo(t, z, ref)

	fresh := newZoo(rand.New(rand.NewPCG(1, 1)))
	if err := nn.Load[float32]("testdata/tapegrad_zoo.safetensors", fresh); err != nil {
		t.Fatal(err)
	}
	checkZoo(t, fresh, ref)
}

// The checkpoint tapegrad writes for the zoo is the committed
// testdata/tapegrad_zoo.safetensors, so the file that torch_zoo.py loaded
// into PyTorch is what Save produces today: the same tensors, dtypes and
// shapes, every value exactly, but for the running statistics that the
// three training forwards computed. Those are sums whose order follows the
// SIMD width the kernels use (TAPEGRAD_ISA, the purego tag), so on another
// machine they may differ from the committed ones in their last bits; they
// must agree to zooULPs units in the last place. Where the file was made
// (AVX2 or AVX-512) the two are byte for byte the same, which the test logs.
// With -update the file is rewritten (then rerun torch_zoo.py).
func TestZooTapegradCheckpointGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zoo.safetensors")
	if err := nn.Save[float32](path, tapegradZoo()); err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/tapegrad_zoo.safetensors"
	got := fileBytes(t, path)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if bytes.Equal(got, fileBytes(t, golden)) {
		t.Logf("%s is byte for byte what tapegrad writes", golden)
		return
	}
	sameTensors(t, path, golden, "bn.running_mean", "bn.running_var", "inorm.running_mean", "inorm.running_var")
	if !t.Failed() {
		t.Logf("%s differs from what tapegrad writes in the last bits of running statistics only", golden)
	}
}

func abs32(x float32) float32 { return float32(math.Abs(float64(x))) }

// zooULPs is how many units in the last place a running statistic that
// tapegradZoo computes may differ by between instruction sets.
const zooULPs = 8

// zooStateDicts is the layout of testdata/torch_zoo_state_dicts.json.
type zooStateDicts struct {
	reftest.Header
	Cases []struct {
		Name  string `json:"name"`
		State []struct {
			Key   string          `json:"key"`
			Shape []int           `json:"shape"`
			DType string          `json:"dtype"`
			Init  []reftest.Float `json:"init"` // nil where torch's init is random
		} `json:"state"`
	} `json:"cases"`
}

// zooModules builds, under the names of torch_zoo.py's MODULES, the
// tapegrad module equal to each PyTorch one.
func zooModules() map[string]func() nn.Module[float32] {
	rng := rand.New(rand.NewPCG(5, 5))
	pad := functional.PaddingIdx
	return map[string]func() nn.Module[float32]{
		"LayerNorm([3 4])": func() nn.Module[float32] { return nn.NewLayerNorm[float32]([]int{3, 4}) },
		"LayerNorm([3 4], elementwise_affine=False)": func() nn.Module[float32] {
			return nn.NewLayerNorm[float32]([]int{3, 4}, nn.LayerNormElementwiseAffine(false))
		},
		"LayerNorm([5], bias=False)": func() nn.Module[float32] { return nn.NewLayerNorm[float32]([]int{5}, nn.LayerNormBias(false)) },
		"RMSNorm([2 3])":             func() nn.Module[float32] { return nn.NewRMSNorm[float32]([]int{2, 3}) },
		"RMSNorm([5], elementwise_affine=False)": func() nn.Module[float32] {
			return nn.NewRMSNorm[float32]([]int{5}, nn.RMSNormElementwiseAffine(false))
		},
		"GroupNorm(2, 6)":               func() nn.Module[float32] { return nn.NewGroupNorm[float32](2, 6) },
		"GroupNorm(2, 6, affine=False)": func() nn.Module[float32] { return nn.NewGroupNorm[float32](2, 6, nn.NormAffine(false)) },
		"InstanceNorm2d(4)":             func() nn.Module[float32] { return nn.NewInstanceNorm2d[float32](4) },
		"InstanceNorm2d(4, affine=True)": func() nn.Module[float32] {
			return nn.NewInstanceNorm2d[float32](4, nn.NormAffine(true))
		},
		"InstanceNorm2d(4, track_running_stats=True)": func() nn.Module[float32] {
			return nn.NewInstanceNorm2d[float32](4, nn.NormTrackRunningStats(true))
		},
		"InstanceNorm2d(4, affine=True, track_running_stats=True)": func() nn.Module[float32] {
			return nn.NewInstanceNorm2d[float32](4, nn.NormAffine(true), nn.NormTrackRunningStats(true))
		},
		"BatchNorm2d(4)":               func() nn.Module[float32] { return nn.NewBatchNorm2d[float32](4) },
		"BatchNorm2d(4, affine=False)": func() nn.Module[float32] { return nn.NewBatchNorm2d[float32](4, nn.BatchNormAffine(false)) },
		"BatchNorm1d(3, track_running_stats=False)": func() nn.Module[float32] {
			return nn.NewBatchNorm1d[float32](3, nn.BatchNormTrackRunningStats(false))
		},
		"Embedding(7, 3)": func() nn.Module[float32] {
			return nn.NewEmbedding[float32](7, 3, functional.EmbeddingOptions{}, rng)
		},
		"Embedding(7, 3, padding_idx=-2, max_norm=1)": func() nn.Module[float32] {
			return nn.NewEmbedding[float32](7, 3, functional.EmbeddingOptions{PaddingIdx: pad(-2), MaxNorm: 1}, rng)
		},
		"EmbeddingBag(7, 3, mode=max)": func() nn.Module[float32] {
			return nn.NewEmbeddingBag[float32](7, 3, functional.EmbeddingBagOptions{Mode: "max"}, rng)
		},
		"EmbeddingBag(7, 3, padding_idx=0)": func() nn.Module[float32] {
			return nn.NewEmbeddingBag[float32](7, 3, functional.EmbeddingBagOptions{PaddingIdx: pad(0)}, rng)
		},
		"ConvTranspose2d(4, 6, (2 3), groups=2)": func() nn.Module[float32] {
			return nn.NewConvTranspose2d[float32](4, 6, [2]int{2, 3}, functional.ConvTranspose2dOptions{Groups: 2}, true, rng)
		},
		"ConvTranspose2d(4, 6, 3, bias=False)": func() nn.Module[float32] {
			return nn.NewConvTranspose2d[float32](4, 6, [2]int{3, 3}, functional.ConvTranspose2dOptions{}, false, rng)
		},
		"Conv2d(4, 6, (3 2), groups=2, bias=False)": func() nn.Module[float32] {
			return nn.NewConv2d[float32](4, 6, [2]int{3, 2}, functional.Conv2dOptions{Groups: 2}, false, rng)
		},
		"Linear(3, 2, bias=False)": func() nn.Module[float32] { return nn.NewLinear[float32](3, 2, false, rng) },
		"PReLU()":                  func() nn.Module[float32] { return nn.NewPReLU[float32](1, 0.25) },
		"PReLU(5, init=0.1)":       func() nn.Module[float32] { return nn.NewPReLU[float32](5, 0.1) },
		"ReflectionPad2d(1)":       func() nn.Module[float32] { return nn.NewReflectionPad2d[float32](1) },
		"ReplicationPad2d(1)":      func() nn.Module[float32] { return nn.NewReplicationPad2d[float32](1) },
		"ZeroPad2d(1)":             func() nn.Module[float32] { return nn.NewZeroPad2d[float32](1) },
		"ConstantPad1d(1, 2)":      func() nn.Module[float32] { return nn.NewConstantPad1d[float32]([]int{1}, 2) },
		"Dropout2d()":              func() nn.Module[float32] { return nn.NewDropout2d[float32](0.5, rng) },
		"AdaptiveAvgPool2d(2)":     func() nn.Module[float32] { return nn.NewAdaptiveAvgPool2d[float32](2, 2) },
		"AdaptiveMaxPool2d(2)":     func() nn.Module[float32] { return nn.NewAdaptiveMaxPool2d[float32](2, 2) },
		"Upsample(scale_factor=2)": func() nn.Module[float32] { return nn.NewUpsample[float32](2, functional.InterpNearest) },
		"Flatten()":                func() nn.Module[float32] { return nn.Flatten[float32]{} },
		"Unflatten(1, (2 2))":      func() nn.Module[float32] { return nn.NewUnflatten[float32](1, 2, 2) },
		"GELU()":                   func() nn.Module[float32] { return nn.NewGELU[float32]() },
		"SiLU()":                   func() nn.Module[float32] { return nn.SiLU[float32]{} },
		"Mish()":                   func() nn.Module[float32] { return nn.Mish[float32]{} },
		"Softplus()":               func() nn.Module[float32] { return nn.NewSoftplus[float32]() },
		"Hardtanh()":               func() nn.Module[float32] { return nn.NewHardtanh[float32]() },
		"ReLU6()":                  func() nn.Module[float32] { return nn.ReLU6[float32]{} },
		"Hardswish()":              func() nn.Module[float32] { return nn.Hardswish[float32]{} },
		"Hardsigmoid()":            func() nn.Module[float32] { return nn.Hardsigmoid[float32]{} },
		"Softsign()":               func() nn.Module[float32] { return nn.Softsign[float32]{} },
		"LogSigmoid()":             func() nn.Module[float32] { return nn.LogSigmoid[float32]{} },
	}
}

// Every variant of the new modules (and of the glue ones) has the
// state_dict of its PyTorch counterpart: the same keys in the same order,
// shapes, dtypes (I64 counts), and the same values where torch initializes
// deterministically.
func TestZooModuleStateDicts(t *testing.T) {
	const path = "testdata/torch_zoo_state_dicts.json"
	var ref zooStateDicts
	reftest.Load(t, path, "/usr/bin/python3 nn/testdata/torch_zoo.py", &ref)
	build := zooModules()
	unique := reftest.Unique(t, path)
	for _, c := range ref.Cases {
		unique(c.Name)
		newModule, ok := build[c.Name]
		if !ok {
			t.Errorf("%s: no tapegrad module for %q", path, c.Name)
			continue
		}
		delete(build, c.Name)
		m := newModule()
		type entry struct {
			name  string
			value *tensor.Tensor[float32]
			dtype string
		}
		var got []entry
		for _, p := range nn.NamedParams(m) {
			got = append(got, entry{p.Name, p.Var.Value(), "float32"})
		}
		for _, b := range nn.NamedBuffers(m) {
			dtype := "float32"
			if b.Int {
				dtype = "int64"
			}
			got = append(got, entry{b.Name, b.Value, dtype})
		}
		var gotKeys, wantKeys []string
		for _, e := range got {
			gotKeys = append(gotKeys, e.name)
		}
		for _, e := range c.State {
			wantKeys = append(wantKeys, e.Key)
		}
		if !slices.Equal(gotKeys, wantKeys) {
			t.Errorf("%s: state %q, PyTorch's %q", c.Name, gotKeys, wantKeys)
			continue
		}
		for i, w := range c.State {
			g := got[i]
			if !slices.Equal(g.value.Shape(), w.Shape) || g.dtype != w.DType {
				t.Errorf("%s: %s is %s %v, PyTorch's %s %v", c.Name, w.Key, g.dtype, g.value.Shape(), w.DType, w.Shape)
				continue
			}
			if w.Init == nil {
				continue
			}
			want := make([]float32, len(w.Init))
			for j, v := range w.Init {
				want[j] = float32(v)
			}
			if !slices.Equal(g.value.Data(), want) {
				t.Errorf("%s: %s starts as %v, PyTorch's as %v", c.Name, w.Key, g.value.Data(), want)
			}
		}
	}
	for name := range build {
		t.Errorf("%s has no case %q", path, name)
	}
}
