package ops_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// Gather, cross-entropy's one entry per row, is GatherAxis along dim 1
// with an n×1 index: the same values and gradients, and Scatter the same
// map as ScatterAdd into zeros.
func TestGatherIsGatherAxis(t *testing.T) {
	x := randn(rng(1), 4, 5)
	index := []int{3, 0, 4, 3}
	seed := randn(rng(2), 4)
	y1, g1 := backward(t, &ops.Gather[float64]{Index: index}, seed, x)
	y2, g2 := backward(t, &ops.GatherAxis[float64]{Dim: 1, Index: index, IndexShape: []int{4, 1}}, seed.Reshape(4, 1), x)
	assertTensor(t, "GatherAxis", y2, []int{4, 1}, y1.Data(), 0)
	assertLike(t, "GatherAxis's gradient", g2[0], g1[0], 0)

	s1 := forward[float64](&ops.Scatter[float64]{Index: index, C: 5}, seed)
	s2 := forward[float64](&ops.ScatterAdd[float64]{Dim: 1, Index: index, IndexShape: []int{4, 1}}, tensor.New[float64](4, 5), seed.Reshape(4, 1))
	assertLike(t, "ScatterAdd into zeros", s2, s1, 0)
}

// The ops keep their own copies of the indices and masks: a caller that
// reuses its buffers after the forward pass does not change the backward.
func TestIndexOpsCopyTheirIndices(t *testing.T) {
	x := randn(rng(3), 3, 4)
	for _, c := range []struct {
		name  string
		op    func(index []int, mask []bool) autograd.Op[float64]
		index []int
		mask  []bool
	}{
		{"IndexSelect", func(i []int, _ []bool) autograd.Op[float64] { return &ops.IndexSelect[float64]{Dim: 1, Index: i} }, []int{3, 1}, nil},
		{"GatherAxis", func(i []int, _ []bool) autograd.Op[float64] {
			return &ops.GatherAxis[float64]{Dim: 1, Index: i, IndexShape: []int{1, 2}}
		}, []int{3, 1}, nil},
		{"MaskedFill", func(_ []int, m []bool) autograd.Op[float64] {
			return &ops.MaskedFill[float64]{Mask: m, MaskShape: []int{4}, Value: 2}
		}, nil, []bool{true, false, false, true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, want := backward(t, c.op(append([]int(nil), c.index...), append([]bool(nil), c.mask...)), nil, x)
			tape := autograd.NewTape[float64]()
			xv := tape.Param(x.Clone())
			index, mask := append([]int(nil), c.index...), append([]bool(nil), c.mask...)
			y := autograd.Apply(c.op(index, mask), xv)
			for i := range index {
				index[i] = 0
			}
			for i := range mask {
				mask[i] = !mask[i]
			}
			tape.BackwardWithGrad(y, tensor.Ones[float64](y.Shape()...))
			assertLike(t, "gradient after the caller reused its buffers", xv.Grad(), want[0], 0)
		})
	}
}

// Where and MaskedFill give the unchosen side an exact 0, even where the
// output gradient is infinite or NaN, in the first-order pass and in the
// differentiable one (Grad with CreateGraph), as torch.where's backward.
func TestWhereExactZeros(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	dy := tensor.FromSlice([]float64{inf, nan, -inf, 2}, 4)
	cond := []bool{true, false, false, true}
	for _, createGraph := range []bool{false, true} {
		tape := autograd.NewTape[float64]()
		a := tape.Param(tensor.FromSlice([]float64{1, 2, 3, 4}, 4))
		b := tape.Param(tensor.FromSlice([]float64{5, 6, 7, 8}, 4))
		y := autograd.Apply(&ops.Where[float64]{Cond: cond, CondShape: []int{4}}, a, b)
		m := autograd.Apply(&ops.MaskedFill[float64]{Mask: cond, MaskShape: []int{4}, Value: -1}, a)
		gs := tape.Grad([]*autograd.Var[float64]{y, m}, []*autograd.Var[float64]{a, b},
			autograd.GradOptions[float64]{GradOutputs: []*autograd.Var[float64]{autograd.NewConst(dy), autograd.NewConst(dy)}, CreateGraph: createGraph})
		da, db := gs[0].Value().Data(), gs[1].Value().Data()
		// a gets dy where cond (from Where) and where ¬cond (from MaskedFill).
		if !(math.IsInf(da[0], 1) && math.IsNaN(da[1]) && math.IsInf(da[2], -1) && da[3] == 2) {
			t.Errorf("CreateGraph %v: da = %v, want [+Inf NaN -Inf 2]", createGraph, da)
		}
		assertExactZero(t, "db where the condition holds", []float64{db[0], db[3]})
		if !(math.IsNaN(db[1]) && math.IsInf(db[2], -1)) {
			t.Errorf("CreateGraph %v: db = %v, want [0 NaN -Inf 0]", createGraph, db)
		}
	}
	// MaskedFill alone: exactly 0 where filled.
	_, g := backward(t, &ops.MaskedFill[float64]{Mask: cond, MaskShape: []int{4}, Value: nan}, dy, tensor.Ones[float64](4))
	assertExactZero(t, "MaskedFill's gradient where filled", []float64{g[0].Data()[0], g[0].Data()[3]})
}

// Cumsum by hand: forward and reversed, along a middle axis, and its
// backward the other direction's sum of dy.
func TestCumsumByHand(t *testing.T) {
	x := vec([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 3, 2)
	y := forward[float64](&ops.Cumsum[float64]{Dim: 1}, x)
	assertTensor(t, "Cumsum", y, []int{2, 3, 2}, []float64{1, 2, 4, 6, 9, 12, 7, 8, 16, 18, 27, 30}, 0)
	y = forward[float64](&ops.Cumsum[float64]{Dim: -2, Reverse: true}, x)
	assertTensor(t, "reverse Cumsum", y, []int{2, 3, 2}, []float64{9, 12, 8, 10, 5, 6, 27, 30, 20, 22, 11, 12}, 0)
	_, g := backward(t, &ops.Cumsum[float64]{Dim: 0}, vec([]float64{1, 10, 100}, 3), vec([]float64{0, 0, 0}, 3))
	assertTensor(t, "Cumsum's gradient", g[0], []int{3}, []float64{111, 110, 100}, 0)
	y = forward[float64](&ops.Cumsum[float64]{Dim: -1}, tensor.Scalar(2.5))
	assertTensor(t, "Cumsum of a 0-d tensor", y, []int{}, []float64{2.5}, 0)
}

// Whole panic messages, for the cases the op table checks by fragments.
func TestIndexPanicMessages(t *testing.T) {
	x := tensor.New[float64](3, 4)
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { forward[float64](&ops.IndexSelect[float64]{Dim: 1, Index: []int{0, -1}}, x) },
			"ops: IndexSelect: index -1 (position 1) is out of range for dim 1 of size 4 (input of shape [3 4])"},
		{func() { forward[float64](&ops.IndexSelect[float64]{Index: []int{0, 0}}, tensor.Scalar(1.0)) },
			"ops: IndexSelect: a 0-d input (shape []) takes exactly one index, got 2"},
		{func() {
			forward[float64](&ops.IndexAdd[float64]{Dim: -1, Index: []int{0}}, x, tensor.New[float64](3, 2))
		},
			"ops: IndexAdd: source of shape [3 2] does not fit self of shape [3 4] with 1 indices along dim -1: want [3 1]"},
		{func() { forward[float64](&ops.GatherAxis[float64]{Dim: 1, Index: []int{0}, IndexShape: []int{1}}, x) },
			"ops: GatherAxis: index of shape [1] and input of shape [3 4] differ in rank"},
		{func() {
			forward[float64](&ops.ScatterAdd[float64]{Dim: 0, Index: []int{0, 0}, IndexShape: []int{1, 2}}, x, tensor.New[float64](1, 1))
		}, "ops: ScatterAdd: index of shape [1 2] must be no larger than src of shape [1 1] along every dim, and than self of shape [3 4] along every dim but dim 0"},
		{func() {
			forward[float64](&ops.ScatterAdd[float64]{Dim: 2, Index: []int{0}, IndexShape: []int{1, 1}}, x, x)
		}, "ops: ScatterAdd: dim 2 out of range for an input of shape [3 4]"},
		{func() { forward[float64](&ops.Where[float64]{Cond: []bool{true}, CondShape: []int{3}}, x, x) },
			"ops: Where: 1 mask values for a mask of shape [3]"},
		{func() { forward[float64](&ops.Where[float64]{Cond: []bool{true, true}, CondShape: []int{2}}, x, x) },
			"ops: Where: shapes [2], [3 4], [3 4] cannot be broadcast together: sizes 2 and 4 at axis -1 differ and neither is 1"},
		{func() { forward[float64](&ops.Cumsum[float64]{Dim: 1}, tensor.Scalar(1.0)) },
			"ops: Cumsum: dim 1 out of range for an input of shape []"},
	} {
		msg, panicked := testutil.PanicMessage(c.f)
		if !panicked || msg != c.want {
			t.Errorf("panic %q (panicked %v), want %q", msg, panicked, c.want)
		}
	}
}

// A nil IndexShape is the 0-d index, as an empty one.
func TestGatherAxisNilIndexShape(t *testing.T) {
	y := forward[float64](&ops.GatherAxis[float64]{Index: []int{2}}, vec([]float64{4, 5, 6}, 3))
	assertTensor(t, "GatherAxis with a nil IndexShape", y, []int{}, []float64{6}, 0)
	y = forward[float64](&ops.ScatterAdd[float64]{Index: []int{1}}, vec([]float64{4, 5, 6}, 3), tensor.Scalar(10.0))
	assertTensor(t, "ScatterAdd with a nil IndexShape", y, []int{3}, []float64{4, 15, 6}, 0)
}

// TestIndexThirdOrder checks third-order gradients: GradGradCheck of the
// recorded first-order backward pass of each op, which goes through the
// BackwardVar of the ops that backward pass applies (IndexAdd's,
// IndexSelect's, ScatterAdd's with its zero padding of a larger src,
// GatherAxis's, zeroWhere's, Cumsum's own).
func TestIndexThirdOrder(t *testing.T) {
	r := rng(401)
	for _, c := range []struct {
		name string
		mk   func() autograd.Op[float64]
		in   []t64
		wrt  []int
	}{
		{"IndexSelect", func() autograd.Op[float64] { return &ops.IndexSelect[float64]{Dim: -1, Index: []int{2, 0, 2}} },
			[]t64{randn(r, 2, 3)}, []int{0}},
		{"IndexAdd/self,source", func() autograd.Op[float64] { return &ops.IndexAdd[float64]{Dim: 0, Index: []int{1, 1}} },
			[]t64{randn(r, 3, 2), randn(r, 2, 2)}, []int{0, 1}},
		{"GatherAxis", func() autograd.Op[float64] {
			return &ops.GatherAxis[float64]{Dim: 0, Index: []int{2, 2, 0, 1}, IndexShape: []int{2, 2}}
		}, []t64{randn(r, 3, 3)}, []int{0}},
		{"ScatterAdd/self,src-larger", func() autograd.Op[float64] {
			return &ops.ScatterAdd[float64]{Dim: 1, Index: []int{0, 0, 2, 1}, IndexShape: []int{2, 2}}
		}, []t64{randn(r, 2, 3), randn(r, 3, 4)}, []int{0, 1}},
		{"Where/a,b", func() autograd.Op[float64] {
			return &ops.Where[float64]{Cond: []bool{true, false, false}, CondShape: []int{3}}
		}, []t64{randn(r, 2, 1), randn(r, 3)}, []int{0, 1}},
		{"MaskedFill", func() autograd.Op[float64] {
			return &ops.MaskedFill[float64]{Mask: []bool{false, true}, MaskShape: []int{2, 1}, Value: 3}
		}, []t64{randn(r, 3)}, []int{0}},
		{"Cumsum", func() autograd.Op[float64] { return &ops.Cumsum[float64]{Dim: 1, Reverse: true} },
			[]t64{randn(r, 2, 4)}, []int{0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := make([]*autograd.Var[float64], len(c.in))
			for i, x := range c.in {
				in[i] = autograd.NewConst(x)
			}
			y := autograd.Apply(c.mk(), in...)
			inputs := append(append([]t64(nil), c.in...), randn(r, y.Shape()...))
			if err := gradtest.GradGradCheck(firstOrder(c.mk, c.wrt...), inputs, nil); err != nil {
				t.Error(err)
			}
		})
	}
}
