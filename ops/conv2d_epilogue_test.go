package ops_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// epilogueCase is a convolution for TestConv2dEpilogue.
type epilogueCase struct {
	name        string
	x, w        []int
	stride, pad [2]int
	groups      int
	algo        ops.ConvAlgorithm
}

var epilogueCases = []epilogueCase{
	{"im2col 3x9x9-5 pad 1", []int{2, 3, 9, 9}, []int{5, 3, 3, 3}, [2]int{}, [2]int{1, 1}, 0, ops.ConvIm2col},
	{"im2col stride 2 groups 2", []int{2, 4, 7, 8}, []int{6, 2, 3, 2}, [2]int{2, 1}, [2]int{1, 0}, 2, ops.ConvAuto},
	{"winograd odd plane 5x7", []int{2, 3, 5, 7}, []int{4, 3, 3, 3}, [2]int{}, [2]int{1, 1}, 0, ops.ConvWinograd},
	{"winograd even plane, pad 2", []int{1, 2, 6, 6}, []int{3, 2, 3, 3}, [2]int{}, [2]int{2, 2}, 0, ops.ConvWinograd},
	{"auto: winograd 64x16x16-64", []int{2, 64, 16, 16}, []int{64, 64, 3, 3}, [2]int{}, [2]int{1, 1}, 0, ops.ConvAuto},
	// Shallow, on a plane of 256 or more: sample by sample where the op
	// keeps no im2col matrix (conv.ForwardBySamples).
	{"im2col by samples 3x20x24-70", []int{3, 3, 20, 24}, []int{70, 3, 3, 3}, [2]int{}, [2]int{1, 1}, 0, ops.ConvAuto},
}

// TestConv2dEpilogue: Conv2d with an Epilogue, after ForwardOnly(true),
// gives bit for bit what Conv2d, ChannelAffine and ReLU give one after the
// other — with and without a bias, the affine map and the ReLU, through
// im2col (for the batch and sample by sample) and Winograd (odd and even
// planes), on the heap and from an
// arena, in float64 and float32, NaNs in the input included.
func TestConv2dEpilogue(t *testing.T) {
	testConv2dEpilogue[float64](t)
	testConv2dEpilogue[float32](t)
}

func testConv2dEpilogue[T tensor.Float](t *testing.T) {
	r := rand.New(rand.NewPCG(17, 3))
	for _, c := range epilogueCases {
		x := tensor.RandN[T](r, c.x...)
		x.Data()[5] = T(math.NaN())
		w := tensor.RandN[T](r, c.w...)
		b := tensor.RandN[T](r, c.w[0])
		s, sh := tensor.RandN[T](r, c.w[0]), tensor.RandN[T](r, c.w[0])
		newOp := func() *ops.Conv2d[T] {
			return &ops.Conv2d[T]{Stride: c.stride, Padding: c.pad, Groups: c.groups, Algorithm: c.algo}
		}
		for _, bias := range []bool{false, true} {
			in := []*tensor.Tensor[T]{x, w}
			if bias {
				in = append(in, b)
			}
			// The reference keeps its im2col matrix in an arena for a
			// backward pass: the batch's im2col path, never sample by
			// sample.
			ref := newOp()
			ref.UseArena(tensor.NewArena[T]())
			conv := ref.Forward(in).Clone()
			affine := (&ops.ChannelAffine[T]{}).Forward([]*tensor.Tensor[T]{conv, s, sh})
			for _, e := range []struct {
				name   string
				affine bool
				relu   bool
				want   *tensor.Tensor[T]
			}{
				{"affine", true, false, affine},
				{"affine+relu", true, true, (&ops.ReLU[T]{}).Forward([]*tensor.Tensor[T]{affine})},
				{"relu", false, true, (&ops.ReLU[T]{}).Forward([]*tensor.Tensor[T]{conv})},
				{"none", false, false, conv},
			} {
				for _, ar := range []*tensor.Arena[T]{nil, tensor.NewArena[T]()} {
					op := newOp()
					op.Epilogue = &ops.ConvEpilogue[T]{ReLU: e.relu}
					if e.affine {
						op.Epilogue.Scale, op.Epilogue.Shift = s, sh
					}
					op.ForwardOnly(true)
					if ar != nil {
						op.UseArena(ar)
					}
					got := op.Forward(in)
					name := fmt.Sprintf("%T %s bias %v %s arena %v", T(0), c.name, bias, e.name, ar != nil)
					if !tensor.EqualShapes(got.Shape(), e.want.Shape()) {
						t.Fatalf("%s: shape %v, want %v", name, got.Shape(), e.want.Shape())
					}
					if i := firstBitDiff(got.Data(), e.want.Data()); i >= 0 {
						t.Errorf("%s: element %d is %v, want %v", name, i, got.Data()[i], e.want.Data()[i])
					}
					nan := 0
					for _, v := range got.Data() {
						if v != v {
							nan++
						}
					}
					if nan == 0 {
						t.Errorf("%s: the input's NaN reached no output", name)
					}
				}
			}
		}
	}
}

// firstBitDiff returns the first index at which a and b differ in their
// bits (NaNs of the same bits agree), or −1.
func firstBitDiff[T tensor.Float](a, b []T) int {
	for i := range a {
		if !sameBits(a[i], b[i]) {
			return i
		}
	}
	return -1
}

func sameBits[T tensor.Float](a, b T) bool {
	switch a := any(a).(type) {
	case float32:
		return math.Float32bits(a) == math.Float32bits(any(b).(float32))
	default:
		return math.Float64bits(a.(float64)) == math.Float64bits(any(b).(float64))
	}
}

// TestConv2dEpiloguePanics: an epilogue needs ForwardOnly(true) and a
// scale and a shift of shape Cout, both or neither; a forward-only Conv2d
// has no Backward nor BackwardVar.
func TestConv2dEpiloguePanics(t *testing.T) {
	x, w := tensor.Ones[float64](1, 2, 4, 4), tensor.Ones[float64](3, 2, 3, 3)
	in := []*tensor.Tensor[float64]{x, w}
	op := &ops.Conv2d[float64]{Epilogue: &ops.ConvEpilogue[float64]{ReLU: true}}
	testutil.MustPanic(t, func() { op.Forward(in) },
		"ops: Conv2d: an Epilogue has no backward pass: apply the op where nothing records it, after ForwardOnly(true)")
	testutil.MustPanic(t, func() {
		autograd.Apply[float64](op, autograd.NewParam(x), autograd.NewParam(w))
	}, "ops: Conv2d: an Epilogue has no backward pass")
	op.ForwardOnly(true)
	op.Epilogue.Scale = tensor.Ones[float64](3)
	testutil.MustPanic(t, func() { op.Forward(in) },
		"ops: Conv2d: epilogue scale of shape [3] and shift of shape []: want both nil or both [3]")
	op.Epilogue.Shift = tensor.Ones[float64](2)
	testutil.MustPanic(t, func() { op.Forward(in) },
		"ops: Conv2d: epilogue scale of shape [3] and shift of shape [2]: want both nil or both [3]")
	op.Epilogue.Shift = tensor.Ones[float64](3)
	y := op.Forward(in)
	if got := y.Data()[0]; got != 2*3*3+1 { // 2 channels × 3×3 ones, ·1 + 1
		t.Errorf("output %v, want 19", got)
	}
	dy := tensor.Ones[float64](y.Shape()...)
	testutil.MustPanic(t, func() { op.Backward(dy, []bool{true, true}) },
		"ops: Conv2d: Backward after a forward-only pass (ForwardOnly)")
	dv := autograd.NewConst(dy)
	testutil.MustPanic(t, func() {
		op.BackwardVar([]*autograd.Var[float64]{autograd.NewConst(x), autograd.NewConst(w)}, dv, dv, []bool{true, true})
	}, "ops: Conv2d: BackwardVar after a forward-only pass")
}
