package ops_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

type convCase struct {
	x, w                      []int // N×C×H×W and Cout×C/G×kh×kw
	stride, padding, dilation [2]int
	groups                    int
	bias                      bool
}

func (c convCase) String() string {
	return fmt.Sprintf("x%v w%v s%v p%v d%v g%d bias=%t", c.x, c.w, c.stride, c.padding, c.dilation, c.groups, c.bias)
}

func (c convCase) op() *ops.Conv2d[float64] {
	return &ops.Conv2d[float64]{Stride: c.stride, Padding: c.padding, Dilation: c.dilation, Groups: c.groups}
}

// The shapes that catch the classic convolution bugs.
var convCases = []convCase{
	{x: []int{2, 3, 5, 5}, w: []int{4, 3, 3, 3}, bias: true},                                                                     // plain 3×3
	{x: []int{1, 2, 7, 7}, w: []int{3, 2, 3, 3}, stride: [2]int{2, 2}, padding: [2]int{1, 1}},                                    // batch 1, stride 2 on an odd size, padding
	{x: []int{2, 2, 6, 6}, w: []int{2, 2, 3, 3}, stride: [2]int{2, 2}, bias: true},                                               // stride that does not divide: last row dropped
	{x: []int{1, 1, 7, 8}, w: []int{2, 1, 3, 3}, dilation: [2]int{2, 2}, padding: [2]int{2, 1}},                                  // dilation 2
	{x: []int{2, 4, 5, 5}, w: []int{6, 2, 3, 3}, groups: 2, padding: [2]int{1, 1}, bias: true},                                   // groups 2
	{x: []int{2, 3, 5, 4}, w: []int{3, 1, 3, 3}, groups: 3, padding: [2]int{1, 1}},                                               // depthwise
	{x: []int{3, 4, 3, 5}, w: []int{2, 4, 1, 1}, bias: true},                                                                     // 1×1
	{x: []int{2, 2, 6, 5}, w: []int{3, 2, 2, 3}, stride: [2]int{1, 2}, padding: [2]int{0, 1}},                                    // non-square input, kernel, stride
	{x: []int{1, 3, 4, 4}, w: []int{2, 3, 4, 4}, bias: true},                                                                     // kernel = whole image
	{x: []int{2, 2, 5, 6}, w: []int{4, 1, 2, 2}, stride: [2]int{3, 2}, padding: [2]int{1, 1}, dilation: [2]int{2, 1}, groups: 2}, // everything at once
}

func TestConv2dGradCheck(t *testing.T) {
	r := rng(100)
	for _, c := range convCases {
		inputs := []t64{randn(r, c.x...), randn(r, c.w...)}
		if c.bias {
			inputs = append(inputs, randn(r, c.w[0]))
		}
		checkGrad(t, c.String(), func(x vars64) *autograd.Var[float64] {
			return autograd.Apply[float64](c.op(), x...)
		}, inputs...)
	}
}

// naiveConv is the definition, one output at a time.
func naiveConv(c convCase, x, w, b t64) t64 {
	one := func(v int) int { return max(v, 1) }
	sh, sw, dh, dw, g := one(c.stride[0]), one(c.stride[1]), one(c.dilation[0]), one(c.dilation[1]), one(c.groups)
	n, cin, h, wd := c.x[0], c.x[1], c.x[2], c.x[3]
	cout, cg, kh, kw := c.w[0], c.w[1], c.w[2], c.w[3]
	hout := (h+2*c.padding[0]-dh*(kh-1)-1)/sh + 1
	wout := (wd+2*c.padding[1]-dw*(kw-1)-1)/sw + 1
	y := tensor.New[float64](n, cout, hout, wout)
	for s := range n {
		for co := range cout {
			grp := co / (cout / g)
			for oy := range hout {
				for ox := range wout {
					sum := 0.0
					if b != nil {
						sum = b.At(co)
					}
					for ci := range cg {
						for ky := range kh {
							for kx := range kw {
								iy, ix := oy*sh-c.padding[0]+ky*dh, ox*sw-c.padding[1]+kx*dw
								if iy >= 0 && iy < h && ix >= 0 && ix < wd {
									sum += x.At(s, grp*(cin/g)+ci, iy, ix) * w.At(co, ci, ky, kx)
								}
							}
						}
					}
					y.Set(sum, s, co, oy, ox)
				}
			}
		}
	}
	return y
}

func TestConv2dMatchesTheDefinition(t *testing.T) {
	r := rng(101)
	for _, c := range convCases {
		x, w := randn(r, c.x...), randn(r, c.w...)
		in := []t64{x, w}
		var b t64
		if c.bias {
			b = randn(r, c.w[0])
			in = append(in, b)
		}
		got := forward[float64](c.op(), in...)
		assertLike(t, c.String(), got, naiveConv(c, x, w, b), 1e-12)
	}
}

func TestConv2dPanics(t *testing.T) {
	conv := func(x, w []int, groups int, b ...int) func() {
		return func() {
			in := []t64{tensor.New[float64](x...), tensor.New[float64](w...)}
			if b != nil {
				in = append(in, tensor.New[float64](b...))
			}
			forward[float64](&ops.Conv2d[float64]{Groups: groups}, in...)
		}
	}
	testutil.MustPanic(t, conv([]int{3, 5, 5}, []int{2, 3, 3, 3}, 1), "input and weights must be 4-d")
	testutil.MustPanic(t, conv([]int{1, 3, 5, 5}, []int{2, 2, 3, 3}, 1), "weights must have 3 input channels")
	testutil.MustPanic(t, conv([]int{1, 3, 5, 5}, []int{2, 1, 3, 3}, 2), "groups must divide")
	testutil.MustPanic(t, conv([]int{1, 1, 2, 2}, []int{1, 1, 3, 3}, 1), "larger than the padded input")
	testutil.MustPanic(t, conv([]int{1, 1, 5, 5}, []int{2, 1, 3, 3}, 1, 3), "ops: Conv2d: bias of shape [3], want [2]")
}

// The op keeps the input and the weights, not the im2col matrix.
func TestConv2dSaved(t *testing.T) {
	r := rng(102)
	got := savedBytes(&ops.Conv2d[float64]{Padding: [2]int{1, 1}}, randn(r, 2, 3, 8, 8), randn(r, 4, 3, 3, 3), randn(r, 4))
	if want := (2*3*8*8 + 4*3*3*3) * 8; got != want {
		t.Errorf("SavedBytes = %d, want %d", got, want)
	}
}

func TestConv2dFloat32(t *testing.T) {
	r := rand.New(rand.NewPCG(103, 103))
	x, w, b := tensor.RandN[float64](r, 4, 8, 9, 9), tensor.RandN[float64](r, 16, 8, 3, 3), tensor.RandN[float64](r, 16)
	op := func() ops.Conv2d[float64] { return ops.Conv2d[float64]{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}} }
	o64 := op()
	y64 := forward[float64](&o64, x, w, b)
	y32 := forward[float32](&ops.Conv2d[float32]{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, to32(x), to32(w), to32(b))
	assert32(t, "Conv2d float32", y32, y64)
}

// With an arena the op keeps the forward's im2col matrix and the backward
// uses it instead of unfolding again: same gradients, and the kept matrix is
// counted among the saved bytes.
func TestConv2dKeepsColsWithAnArena(t *testing.T) {
	r := rng(104)
	x, w, b := randn(r, 2, 3, 6, 5), randn(r, 4, 3, 3, 3), randn(r, 4)
	seed := randn(r, 2, 4, 6, 5)
	mk := func() *ops.Conv2d[float64] { return &ops.Conv2d[float64]{Padding: [2]int{1, 1}} }
	_, plain := backward(t, mk(), seed, x, w, b)
	kept := mk()
	kept.UseArena(tensor.NewArena[float64]())
	_, withArena := backward(t, kept, seed, x, w, b)
	for i := range plain {
		if !tensor.AllClose(plain[i], withArena[i], 0, 0) {
			t.Errorf("gradient %d differs with the arena by %g", i, tensor.MaxAbsDiff(plain[i], withArena[i]))
		}
	}
	if got, want := len(kept.Saved()), 3; got != want {
		t.Errorf("Saved lists %d tensors with an arena, want %d (x, w, cols)", got, want)
	}
}
