package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/tensor"
)

// ConvAlgorithm selects how Conv2d computes a convolution. Every algorithm
// computes the same convolution and its gradients; they differ in speed,
// memory and rounding.
type ConvAlgorithm int

const (
	// ConvAuto, the zero value, uses Winograd F(2×2, 3×3) where it applies
	// and is the faster of the two on this package's GEMM — where the input
	// and output channels are both at least 64 and the output holds at least
	// 128 tiles of 2×2, N·⌈Hout/2⌉·⌈Wout/2⌉ — and im2col elsewhere. In the
	// course's ConvNet at batch 32 that is every convolution but the first
	// (3 input channels) and the last two (2×2 planes, 32 tiles).
	ConvAuto ConvAlgorithm = iota
	// ConvIm2col unfolds the input with im2col and computes the product with
	// one GEMM per group (docs/backprop.md §8). It applies to every setting.
	ConvIm2col
	// ConvWinograd computes the convolution and both gradients through the
	// minimal filtering algorithm F(2×2, 3×3) (docs/backprop.md §9): 16 GEMMs
	// between tile transforms in each pass, 2.25 times fewer multiplications
	// than im2col. It applies to 3×3 kernels with stride 1, dilation 1, one
	// group and padding 0, 1 or 2; Conv2d panics if it is asked for
	// elsewhere.
	ConvWinograd
)

// Conv2d is the 2-d convolution (cross-correlation, as in PyTorch) of an
// N×C×H×W input with Cout×(C/Groups)×kh×kw weights and an optional bias of
// shape Cout, through im2col and the GEMM entry point (docs/backprop.md §8)
// or, for 3×3 kernels with stride 1, through Winograd's F(2×2, 3×3) and 16
// GEMMs per pass (§9), as Algorithm says.
// Stride, Padding and Dilation are per spatial axis (H, W); a zero Stride or
// Dilation means 1 and a zero Groups means 1, PyTorch's defaults. The output
// is N×Cout×Hout×Wout with
//
//	Hout = ⌊(H + 2·pH − dH·(kh − 1) − 1)/sH⌋ + 1        (Wout likewise)
//
// so strides that do not divide the padded size drop the last rows. With
// cols the (C·kh·kw)×(N·Hout·Wout) im2col matrix of the input and each
// group's slice of W as a matrix Wg of Cout/Groups rows,
//
//	Yg  = Wg·colsg + b                     (Cout/G)×(N·Hout·Wout)
//	dWg = dYg·colsgᵀ                       (Cout/G)×(C/G·kh·kw)
//	dx  = col2im(Wgᵀ·dYg for every g)      N×C×H×W
//	db  = Σ dY over N, Hout, Wout          Cout
//
// The op keeps the input and the weights, not cols: the backward unfolds the
// input again rather than hold a matrix kh·kw times its size — except on a
// tape that reuses buffers, whose arena holds the forward's cols until Reset
// anyway, so the op keeps it and the backward skips the second unfolding.
// Unfolding and folding run in parallel over the batch.
//
// The Winograd path keeps the input and the weights too, and on a tape that
// reuses buffers also its transforms of both, U (16×Cout×C) and V
// (16×C×T for T output tiles of 2×2), for the backward.
//
// It panics if the input is not 4-d, the weights are not 4-d with C/Groups
// input channels, Groups does not divide C and Cout, the bias is not of
// shape Cout, a setting is out of range, the output would be empty, or
// Algorithm is ConvWinograd where Winograd does not apply.
type Conv2d[T tensor.Float] struct {
	arena[T]
	Stride, Padding, Dilation [2]int
	Groups                    int
	Algorithm                 ConvAlgorithm

	x, w *tensor.Tensor[T]
	cols *tensor.Tensor[T] // the forward's im2col matrix, kept when the op has an arena
	u, v *tensor.Tensor[T] // the forward's Winograd transforms, kept when the op has an arena
	wino bool              // whether the forward went through Winograd
	bias bool
	geom convGeom
}

func (*Conv2d[T]) Name() string { return "Conv2d" }

// geometry checks the shapes and settings and returns the convolution's
// geometry.
func (op *Conv2d[T]) geometry(x, w *tensor.Tensor[T]) convGeom {
	xs, ws := x.Shape(), w.Shape()
	bad := func(why string) {
		panic(fmt.Sprintf(errConv, xs, ws, op.Stride, op.Padding, op.Dilation, op.Groups, why))
	}
	if len(xs) != 4 || len(ws) != 4 {
		bad("input and weights must be 4-d")
	}
	one := func(v int) int {
		if v == 0 {
			return 1
		}
		return v
	}
	g := convGeom{
		n: xs[0], c: xs[1], h: xs[2], w: xs[3],
		cout: ws[0], kh: ws[2], kw: ws[3],
		sh: one(op.Stride[0]), sw: one(op.Stride[1]),
		ph: op.Padding[0], pw: op.Padding[1],
		dh: one(op.Dilation[0]), dw: one(op.Dilation[1]),
		groups: one(op.Groups),
	}
	switch {
	case g.sh < 0 || g.sw < 0 || g.dh < 0 || g.dw < 0 || g.ph < 0 || g.pw < 0 || g.groups < 0:
		bad("negative setting")
	case g.c%g.groups != 0 || g.cout%g.groups != 0:
		bad("groups must divide the input and output channels")
	case ws[1] != g.c/g.groups:
		bad(fmt.Sprintf("weights must have %d input channels", g.c/g.groups))
	case g.kh < 1 || g.kw < 1:
		bad("empty kernel")
	}
	g.hout = (g.h+2*g.ph-g.dh*(g.kh-1)-1)/g.sh + 1
	g.wout = (g.w+2*g.pw-g.dw*(g.kw-1)-1)/g.sw + 1
	if g.h+2*g.ph-g.dh*(g.kh-1)-1 < 0 || g.w+2*g.pw-g.dw*(g.kw-1)-1 < 0 {
		bad("the dilated kernel is larger than the padded input")
	}
	g.rows, g.cols, g.kg = g.c*g.kh*g.kw, g.n*g.plane(), g.c/g.groups*g.kh*g.kw
	return g
}

// winograd reports whether the op computes the convolution of geometry g
// through Winograd F(2×2, 3×3), and panics if Algorithm asks for it where
// it does not apply or is not one of the ConvAlgorithm constants.
func (op *Conv2d[T]) winograd(g *convGeom) bool {
	bad := func(why string) {
		panic(fmt.Sprintf(errConv, []int{g.n, g.c, g.h, g.w}, []int{g.cout, g.c / g.groups, g.kh, g.kw},
			op.Stride, op.Padding, op.Dilation, op.Groups, why))
	}
	switch op.Algorithm {
	case ConvAuto:
		return winogradApplies(g) && winogradFaster(g)
	case ConvIm2col:
		return false
	case ConvWinograd:
		if !winogradApplies(g) {
			bad("Winograd F(2×2, 3×3) needs a 3×3 kernel, stride 1, dilation 1, one group and padding 0, 1 or 2")
		}
		return true
	}
	bad(fmt.Sprintf("unknown algorithm %d", op.Algorithm))
	return false
}

func (op *Conv2d[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	if len(in) != 2 && len(in) != 3 {
		panic(fmt.Sprintf(errArity, "Conv2d", 2, len(in)))
	}
	x, w := in[0], in[1]
	g := op.geometry(x, w)
	var b []T
	if len(in) == 3 {
		if !tensor.EqualShapes(in[2].Shape(), []int{g.cout}) {
			panic(fmt.Sprintf(errConvBias, in[2].Shape(), g.cout, x.Shape(), w.Shape()))
		}
		b = in[2].Data()
	}
	op.x, op.w, op.bias, op.geom = x, w, b != nil, g
	op.cols, op.u, op.v = nil, nil, nil // from an earlier Forward of the same op
	op.wino = op.winograd(&g)
	if op.wino {
		y, u, v := op.winoForward(x, w, b, &g)
		if op.ar != nil {
			// As with cols below: the arena holds U and V until Reset.
			op.u, op.v = u, v
		}
		return y
	}

	colsT := op.ar.New(g.rows * g.cols)
	cols := im2col(colsT.Data(), x.Data(), &g)
	if op.ar != nil {
		// The arena holds this buffer until the tape is reset whatever the
		// op does, so backward may as well use it rather than unfold the
		// input again.
		op.cols = colsT
	}
	yp := op.ar.NewUninit(g.cout * g.cols).Data() // Cout×(N·L): the GEMM's natural layout
	cg := g.cout / g.groups
	for gi := range g.groups {
		tensor.Gemm(false, false, cg, g.cols, g.kg,
			1, w.Data()[gi*cg*g.kg:], g.kg,
			cols[gi*g.kg*g.cols:], g.cols,
			0, yp[gi*cg*g.cols:], g.cols)
	}
	// Reorder Cout×N×L into N×Cout×L, adding the bias on the way.
	y := op.ar.NewUninit(g.n, g.cout, g.hout, g.wout)
	l := g.plane()
	parallel.Chunks(g.n, max(parallel.Grain/(g.cout*l), 1), func(lo, hi int) {
		for s := lo; s < hi; s++ {
			for co := range g.cout {
				dst := y.Data()[(s*g.cout+co)*l : (s*g.cout+co+1)*l]
				copy(dst, yp[co*g.cols+s*l:])
				if b != nil {
					for i := range dst {
						dst[i] += b[co]
					}
				}
			}
		}
	})
	return y
}

func (op *Conv2d[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	if op.wino {
		return op.winoGrads(dy, needs)
	}
	g := op.geom
	l, cg := g.plane(), g.cout/g.groups
	grads := make([]*tensor.Tensor[T], 2, 3)
	if op.bias {
		grads = grads[:3]
		if needs[2] {
			grads[2] = op.biasGrad(dy)
		}
	}
	if !needs[0] && !needs[1] {
		return grads
	}
	// dY as Cout×(N·L), the layout of the forward product.
	dyp := op.ar.NewUninit(g.cout * g.cols).Data()
	parallel.Chunks(g.n, max(parallel.Grain/(g.cout*l), 1), func(lo, hi int) {
		for s := lo; s < hi; s++ {
			for co := range g.cout {
				copy(dyp[co*g.cols+s*l:co*g.cols+(s+1)*l], dy.Data()[(s*g.cout+co)*l:])
			}
		}
	})
	if needs[1] {
		var cols []T
		if op.cols != nil {
			cols = op.cols.Data()
		} else {
			cols = im2col(op.ar.New(g.rows*g.cols).Data(), op.x.Data(), &g)
		}
		dw := op.ar.NewUninit(op.w.Shape()...)
		for gi := range g.groups {
			tensor.Gemm(false, true, cg, g.kg, g.cols,
				1, dyp[gi*cg*g.cols:], g.cols,
				cols[gi*g.kg*g.cols:], g.cols,
				0, dw.Data()[gi*cg*g.kg:], g.kg)
		}
		grads[1] = dw
	}
	if needs[0] {
		dcols := op.ar.NewUninit(g.rows * g.cols).Data()
		for gi := range g.groups {
			tensor.Gemm(true, false, g.kg, g.cols, cg,
				1, op.w.Data()[gi*cg*g.kg:], g.kg,
				dyp[gi*cg*g.cols:], g.cols,
				0, dcols[gi*g.kg*g.cols:], g.cols)
		}
		dx := op.ar.New(op.x.Shape()...)
		col2im(dx.Data(), dcols, &g)
		grads[0] = dx
	}
	return grads
}

// biasGrad returns db, the sum of the N×Cout×Hout×Wout gradient dy over
// every axis but Cout, for both paths. Output channels are summed in
// parallel.
func (op *Conv2d[T]) biasGrad(dy *tensor.Tensor[T]) *tensor.Tensor[T] {
	g := &op.geom
	l := g.plane()
	db := op.ar.NewUninit(g.cout)
	parallel.Chunks(g.cout, max(parallel.Grain/g.cols, 1), func(lo, hi int) {
		for co := lo; co < hi; co++ {
			var sum T
			for s := range g.n {
				sum += tensor.SumSlice(dy.Data()[(s*g.cout+co)*l : (s*g.cout+co+1)*l])
			}
			db.Data()[co] = sum
		}
	})
	return db
}

func (op *Conv2d[T]) Saved() []*tensor.Tensor[T] {
	if op.u != nil {
		return []*tensor.Tensor[T]{op.x, op.w, op.u, op.v}
	}
	if op.cols != nil {
		return []*tensor.Tensor[T]{op.x, op.w, op.cols}
	}
	return []*tensor.Tensor[T]{op.x, op.w}
}
