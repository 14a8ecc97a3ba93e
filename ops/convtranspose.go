package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/conv"
	"github.com/tapegrad/tapegrad/tensor"
)

// ConvTranspose2d is the 2-d transposed convolution, as PyTorch's
// F.conv_transpose2d: the adjoint of Conv2d with respect to its input,
// which spreads every input value over a kernel-sized patch of the output.
// It takes an N×Cin×Hin×Win input, Cin×(Cout/Groups)×kh×kw weights (PyTorch's
// layout: input channels first) and an optional bias of shape Cout. Stride,
// Padding, OutputPadding and Dilation are per spatial axis (H, W); a zero
// Stride or Dilation means 1 and a zero Groups means 1, PyTorch's defaults.
// The output is N×Cout×Hout×Wout with
//
//	Hout = (Hin − 1)·sH − 2·pH + dH·(kh − 1) + opH + 1        (Wout likewise)
//
// where the output padding opH adds rows at the bottom that a Conv2d of the
// same settings would drop: it must be less than max(sH, dH). With conv
// the Conv2d of Stride, Padding, Dilation and Groups from an N×Cout×Hout×Wout
// input to an N×Cin×Hin×Win output, and convᵀ its adjoint,
//
//	y  = convᵀ(x; w) + b            Y = col2im(Wgᵀ·Xg for every group g)
//	dx = conv(dy; w)                N×Cin×Hin×Win, Conv2d's forward
//	dw = Conv2dWeightGrad(dy, x)    Cin×(Cout/G)×kh×kw
//	db = Σ dy over N, Hout, Wout    Cout
//
// so the forward is Conv2d's input gradient and the backward Conv2d's
// forward and weight gradient, through the same im2col, col2im and GEMM
// kernels. It keeps the input and the weights. Its backward is
// differentiable: BackwardVar applies Conv2d, Conv2dWeightGrad and Sum, and
// the three convolution ops' backward passes are written with each other,
// so gradients of any order follow.
//
// It panics if the input is not 4-d, the weights are not 4-d with Cin
// input channels, Groups does not divide Cin and Cout, the bias is not of
// shape Cout, a setting is negative, an output padding is not below
// max(stride, dilation), or the output would be empty.
type ConvTranspose2d[T tensor.Float] struct {
	arena[T]
	Stride, Padding, OutputPadding, Dilation [2]int
	Groups                                   int

	x, w *tensor.Tensor[T]
	bias bool
	// geom is that of the Conv2d whose input gradient this op computes: its
	// input plane H×W is this op's output plane and its output plane
	// HOut×WOut this op's input plane.
	geom conv.Geom
}

func (*ConvTranspose2d[T]) Name() string { return "ConvTranspose2d" }

// geometry checks the shapes and settings and returns the geometry of the
// convolution whose adjoint the op computes.
func (op *ConvTranspose2d[T]) geometry(x, w *tensor.Tensor[T]) conv.Geom {
	xs, ws := x.Shape(), w.Shape()
	bad := func(why string) {
		panic(fmt.Sprintf(errConvT, xs, ws, op.Stride, op.Padding, op.OutputPadding, op.Dilation, op.Groups, why))
	}
	if len(xs) != 4 || len(ws) != 4 {
		bad("input and weights must be 4-d")
	}
	groups := max(op.Groups, 1)
	switch {
	case op.Groups < 0:
		bad("negative setting")
	case ws[0] != xs[1]:
		bad(fmt.Sprintf("weights must have %d input channels first", xs[1]))
	}
	var out [2]int
	for i := range 2 {
		s, d, p, k := max(op.Stride[i], 1), max(op.Dilation[i], 1), op.Padding[i], ws[2+i]
		switch {
		case op.Stride[i] < 0 || op.Dilation[i] < 0 || p < 0 || op.OutputPadding[i] < 0:
			bad("negative setting")
		case op.OutputPadding[i] >= max(s, d):
			bad("output padding must be less than max(stride, dilation)")
		case k < 1:
			bad("empty kernel")
		}
		out[i] = (xs[2+i]-1)*s - 2*p + d*(k-1) + op.OutputPadding[i] + 1
	}
	if out[0] < 1 || out[1] < 1 {
		bad(fmt.Sprintf("the output would be %d×%d", out[0], out[1]))
	}
	// The convolution from the output back to the input: its input has
	// Cout = groups·ws[1] channels and its weights are ws as they stand.
	g := convGeom([]int{xs[0], groups * ws[1], out[0], out[1]}, ws, op.Stride, op.Padding, op.Dilation, op.Groups, bad)
	cropConvGeom(&g, [2]int{xs[2], xs[3]}, bad)
	return g
}

func (op *ConvTranspose2d[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	if len(in) != 2 && len(in) != 3 {
		panic(fmt.Sprintf(errArity, "ConvTranspose2d", 2, len(in)))
	}
	x, w := in[0], in[1]
	g := op.geometry(x, w)
	if len(in) == 3 && !tensor.EqualShapes(in[2].Shape(), []int{g.C}) {
		panic(fmt.Sprintf(errConvTBias, in[2].Shape(), g.C, x.Shape(), w.Shape()))
	}
	op.x, op.w, op.bias, op.geom = x, w, len(in) == 3, g
	// X as Cin×(N·Hin·Win), the layout of Conv2d's output, then Conv2d's
	// input gradient: dcols = Wgᵀ·Xg for every group, folded with col2im.
	xp := op.ar.NewUninit(g.Cout * g.Cols).Data()
	conv.FromNCHW(xp, x.Data(), &g)
	dcols := op.ar.NewUninit(g.Rows * g.Cols).Data()
	conv.ColsGrad(dcols, w.Data(), xp, &g)
	y := op.ar.New(g.N, g.C, g.H, g.W)
	conv.Col2im(y.Data(), dcols, &g)
	if op.bias {
		conv.AddBias(y.Data(), in[2].Data(), g.N, g.H*g.W)
	}
	return y
}

func (op *ConvTranspose2d[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	g := &op.geom
	grads := make([]*tensor.Tensor[T], 2, 3)
	if op.bias {
		grads = grads[:3]
		if needs[2] {
			grads[2] = op.ar.NewUninit(g.C)
			conv.BiasGrad(grads[2].Data(), dy.Data(), outputGeom(g))
		}
	}
	if !needs[0] && !needs[1] {
		return grads
	}
	// dy unfolded as the convolution's input.
	cols := conv.Im2col(op.ar.New(g.Rows*g.Cols).Data(), dy.Data(), g)
	if needs[0] {
		dxp := op.ar.NewUninit(g.Cout * g.Cols).Data()
		conv.Product(dxp, op.w.Data(), cols, g)
		dx := op.ar.NewUninit(op.x.Shape()...)
		conv.ToNCHW(dx.Data(), dxp, nil, g)
		grads[0] = dx
	}
	if needs[1] {
		xp := op.ar.NewUninit(g.Cout * g.Cols).Data()
		conv.FromNCHW(xp, op.x.Data(), g)
		dw := op.ar.NewUninit(op.w.Shape()...)
		conv.WeightGrad(dw.Data(), xp, cols, g)
		grads[1] = dw
	}
	return grads
}

// outputGeom is the geometry conv.BiasGrad reads for a sum over N and the
// plane of ConvTranspose2d's output, N×C×H×W in g's terms.
func outputGeom(g *conv.Geom) *conv.Geom {
	return &conv.Geom{N: g.N, Cout: g.C, HOut: g.H, WOut: g.W, Cols: g.N * g.H * g.W}
}

func (op *ConvTranspose2d[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x, op.w} }

// BackwardVar is Backward with ops: dx = Conv2d(dy, w), cropped to the
// input's plane where the output padding reaches a stride;
// dw = Conv2dWeightGrad(dy, x); db = Σ dy over N, Hout, Wout.
func (op *ConvTranspose2d[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	g := &op.geom
	grads := make([]*v[T], len(in))
	if needs[0] {
		grads[0] = autograd.Apply[T](convOp[T](g), dy, in[1])
	}
	if needs[1] {
		grads[1] = autograd.Apply[T](weightGradOp[T](g, in[1].Shape()), dy, in[0])
	}
	if len(in) == 3 && needs[2] {
		grads[2] = vSum(dy, false, 0, 2, 3)
	}
	return grads
}

// convOp returns the Conv2d of g's settings with g's output plane:
// ConvTranspose2d's adjoint, from its output back to its input.
func convOp[T tensor.Float](g *conv.Geom) *Conv2d[T] {
	return &Conv2d[T]{Stride: [2]int{g.SH, g.SW}, Padding: [2]int{g.PH, g.PW}, Dilation: [2]int{g.DH, g.DW},
		Groups: g.Groups, outSize: [2]int{g.HOut, g.WOut}}
}

// transposeOp returns the ConvTranspose2d from the output plane of g back
// to its input plane: Conv2d's input gradient.
func transposeOp[T tensor.Float](g *conv.Geom) *ConvTranspose2d[T] {
	return &ConvTranspose2d[T]{Stride: [2]int{g.SH, g.SW}, Padding: [2]int{g.PH, g.PW}, Dilation: [2]int{g.DH, g.DW},
		Groups: g.Groups, OutputPadding: outputPadding(g)}
}

// weightGradOp returns the Conv2dWeightGrad of g for weights of shape ws.
func weightGradOp[T tensor.Float](g *conv.Geom, ws []int) *Conv2dWeightGrad[T] {
	return &Conv2dWeightGrad[T]{WeightSize: [4]int(ws), Stride: [2]int{g.SH, g.SW}, Padding: [2]int{g.PH, g.PW},
		Dilation: [2]int{g.DH, g.DW}, Groups: g.Groups}
}

// Conv2dWeightGrad is the gradient of Conv2d with respect to its weights,
// as a function of the input x and the output gradient dy, as PyTorch's
// torch.nn.grad.conv2d_weight(input, weight_size, grad_output, stride,
// padding, dilation, groups): the correlation of x with dy. WeightSize is
// Cout×(C/Groups)×kh×kw; Stride, Padding, Dilation and Groups are
// Conv2d's, zeros meaning PyTorch's defaults. x is N×C×H×W and dy
// N×Cout×Hout×Wout, where Hout×Wout is Conv2d's output plane or, unlike
// PyTorch, one with fewer rows or columns that ConvTranspose2d of the same
// settings maps back to H×W with an output padding below max(stride,
// dilation): the convolution's outputs past Hout×Wout then take no part.
// That makes it the adjoint of every ConvTranspose2d. With cols the im2col
// matrix of x and dY as Cout×(N·Hout·Wout),
//
//	y   = dWg = dYg·colsgᵀ for every group g      Cout×(C/G)×kh×kw
//	dx  = ConvTranspose2d(dy, dŵ)                 N×C×H×W
//	ddy = Conv2d(x, dŵ)                           N×Cout×Hout×Wout
//
// where dŵ is the gradient of y: the op is bilinear in x and dy. It keeps
// both inputs. Its backward is differentiable: BackwardVar applies
// ConvTranspose2d and Conv2d.
//
// It panics if x or dy is not 4-d, WeightSize does not fit x and Groups,
// dy's batch or channels are not x's and WeightSize's, dy's plane is not
// one the convolution gives (as above), or a setting is out of range.
type Conv2dWeightGrad[T tensor.Float] struct {
	arena[T]
	WeightSize                [4]int
	Stride, Padding, Dilation [2]int
	Groups                    int

	x, dy *tensor.Tensor[T]
	geom  conv.Geom
}

func (*Conv2dWeightGrad[T]) Name() string { return "Conv2dWeightGrad" }

func (op *Conv2dWeightGrad[T]) geometry(x, dy *tensor.Tensor[T]) conv.Geom {
	xs, ds := x.Shape(), dy.Shape()
	bad := func(why string) {
		panic(fmt.Sprintf(errConvWGrad, xs, ds, op.WeightSize, op.Stride, op.Padding, op.Dilation, op.Groups, why))
	}
	g := convGeom(xs, op.WeightSize[:], op.Stride, op.Padding, op.Dilation, op.Groups, bad)
	if len(ds) != 4 || ds[0] != g.N || ds[1] != g.Cout {
		bad(fmt.Sprintf("the output gradient must be %d×%d×Hout×Wout", g.N, g.Cout))
	}
	cropConvGeom(&g, [2]int{ds[2], ds[3]}, bad)
	return g
}

func (op *Conv2dWeightGrad[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Conv2dWeightGrad", in, 2)
	x, dy := in[0], in[1]
	g := op.geometry(x, dy)
	op.x, op.dy, op.geom = x, dy, g
	cols := conv.Im2col(op.ar.New(g.Rows*g.Cols).Data(), x.Data(), &g)
	dyp := op.ar.NewUninit(g.Cout * g.Cols).Data()
	conv.FromNCHW(dyp, dy.Data(), &g)
	dw := op.ar.NewUninit(op.WeightSize[:]...)
	conv.WeightGrad(dw.Data(), dyp, cols, &g)
	return dw
}

func (op *Conv2dWeightGrad[T]) Backward(ddw *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	g := &op.geom
	grads := make([]*tensor.Tensor[T], 2)
	if needs[0] {
		dyp := op.ar.NewUninit(g.Cout * g.Cols).Data()
		conv.FromNCHW(dyp, op.dy.Data(), g)
		dcols := op.ar.NewUninit(g.Rows * g.Cols).Data()
		conv.ColsGrad(dcols, ddw.Data(), dyp, g)
		dx := op.ar.New(op.x.Shape()...)
		conv.Col2im(dx.Data(), dcols, g)
		grads[0] = dx
	}
	if needs[1] {
		cols := conv.Im2col(op.ar.New(g.Rows*g.Cols).Data(), op.x.Data(), g)
		p := op.ar.NewUninit(g.Cout * g.Cols).Data()
		conv.Product(p, ddw.Data(), cols, g)
		ddy := op.ar.NewUninit(op.dy.Shape()...)
		conv.ToNCHW(ddy.Data(), p, nil, g)
		grads[1] = ddy
	}
	return grads
}

func (op *Conv2dWeightGrad[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x, op.dy} }

// BackwardVar is Backward with ops: dx = ConvTranspose2d(dy, dŵ) with the
// output padding that restores x's plane, ddy = Conv2d(x, dŵ) cropped to
// dy's plane.
func (op *Conv2dWeightGrad[T]) BackwardVar(in []*v[T], _, ddw *v[T], needs []bool) []*v[T] {
	g := &op.geom
	grads := make([]*v[T], 2)
	if needs[0] {
		grads[0] = autograd.Apply[T](transposeOp[T](g), in[1], ddw)
	}
	if needs[1] {
		grads[1] = autograd.Apply[T](convOp[T](g), in[0], ddw)
	}
	return grads
}
