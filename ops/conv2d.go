package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/conv"
	"github.com/tapegrad/tapegrad/tensor"
)

// ConvAlgorithm selects how Conv2d computes a convolution. Every algorithm
// computes the same convolution and its gradients; they differ in speed,
// memory and rounding.
type ConvAlgorithm int

const (
	// ConvAuto, the zero value, uses Winograd F(2×2, 3×3) where it applies
	// (to the convolution trimmed of its dead taps, if any)
	// and is the faster of the two on this package's GEMM — where the input
	// and output channels are both at least 64 and the output holds at least
	// 128 tiles of 2×2, N·⌈Hout/2⌉·⌈Wout/2⌉ — and im2col elsewhere. In the
	// course's ConvNet at batch 32 that is every convolution but the first
	// (3 input channels) and the last two (2×2 planes, 32 tiles).
	ConvAuto ConvAlgorithm = iota
	// ConvIm2col unfolds the input with im2col and computes the product with
	// one GEMM per group (docs/backprop.md §8) — or, with one group and
	// output planes of 256 or more, one per sample, into its output planes.
	// It applies to every setting.
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
// so strides that do not divide the padded size drop the last rows.
//
// Kernel taps that read only padding for every output position — all but
// the centre of a 3×3 kernel with padding 1 on a 1×1 plane — are dropped
// before the algorithm is chosen (conv.TrimTaps): the op computes the same
// convolution with a copy of the live taps, kh'×kw', and the padding moved
// to match, so that K is C·kh'·kw' rather than C·kh·kw, and dW is the
// trimmed kernel's gradient with zeros at the dead taps. Only the rounding
// differs, by the products with zeros left out. ConvWinograd, asked for
// explicitly, computes the untrimmed convolution as asked.
//
// With cols the (C·kh·kw)×(N·Hout·Wout) im2col matrix of the input and each
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
// For inference, an Epilogue applies batch norm in evaluation mode and a
// ReLU to each output plane as it is written (ConvEpilogue), after
// ForwardOnly(true) only: Backward and BackwardVar panic after a
// forward-only Forward, which keeps nothing for them. A forward-only
// Forward gives its scratch back to the arena before it returns, computes
// a shallow convolution on large planes (a first layer's) sample by sample
// where the im2col path applies, and Winograd in blocks of output
// channels, with the same bits.
//
// Its backward is differentiable whichever the algorithm: BackwardVar
// computes dx as ConvTranspose2d(dy, w), with the output padding that
// restores H×W, dw as Conv2dWeightGrad(x, dy) and db with Sum, three ops
// whose own backward passes are written with each other, so gradients of
// any order follow.
//
// It panics if the input is not 4-d, the weights are not 4-d with C/Groups
// input channels, Groups does not divide C and Cout, the bias is not of
// shape Cout, a setting is out of range, the output would be empty, or
// Algorithm is ConvWinograd where Winograd does not apply.
type Conv2d[T tensor.Float] struct {
	arena[T]
	forwardOnly
	Stride, Padding, Dilation [2]int
	Groups                    int
	Algorithm                 ConvAlgorithm
	// Epilogue, if not nil, is applied to the output as it is written: an
	// evaluation-mode batch norm and a ReLU fused into the convolution, for
	// a forward-only application only (see ConvEpilogue).
	Epilogue *ConvEpilogue[T]

	x, w *tensor.Tensor[T]
	cols *tensor.Tensor[T] // the forward's im2col matrix, kept when the op has an arena
	u, v *tensor.Tensor[T] // the forward's Winograd transforms, kept when the op has an arena
	wino bool              // whether the forward went through Winograd
	bias bool
	geom conv.Geom
	// kg and kw are the geometry and the weights the kernels compute with:
	// geom and w, or, where kernel taps read only padding, the convolution
	// trimmed to the live taps, whose top-left one is tap0 (conv2d_trim.go).
	// wt is kw when the op keeps the trimmed weights for Backward.
	kg     conv.Geom
	kw, wt *tensor.Tensor[T]
	tap0   [2]int
	// outSize, when not zero, is the output plane Hout×Wout, set by the
	// backward passes of ConvTranspose2d and Conv2dWeightGrad: the
	// formula's, or fewer rows or columns where their output padding is a
	// stride or more, which only a dilation larger than the stride allows
	// (so never where Winograd, at stride and dilation 1, applies).
	outSize [2]int
}

func (*Conv2d[T]) Name() string { return "Conv2d" }

// geometry checks the shapes and settings and returns the convolution's
// geometry: with the output size of the formula above, or outSize where the
// op was made by a backward pass of this package with one.
func (op *Conv2d[T]) geometry(x, w *tensor.Tensor[T]) conv.Geom {
	xs, ws := x.Shape(), w.Shape()
	bad := func(why string) {
		panic(fmt.Sprintf(errConv, xs, ws, op.Stride, op.Padding, op.Dilation, op.Groups, why))
	}
	g := convGeom(xs, ws, op.Stride, op.Padding, op.Dilation, op.Groups, bad)
	if op.outSize != [2]int{} {
		cropConvGeom(&g, op.outSize, bad)
	}
	return g
}

// convGeom checks the N×C×H×W input shape xs, the Cout×(C/groups)×kh×kw
// weight shape ws and the settings of a convolution, with PyTorch's
// defaults for zeros (stride, dilation and groups 1), and returns its
// geometry with the output size of Conv2d's formula. It calls bad, which
// must panic, with the reason for a shape or setting it refuses. Conv2d,
// ConvTranspose2d and Conv2dWeightGrad share it.
func convGeom(xs, ws []int, stride, padding, dilation [2]int, groups int, bad func(why string)) conv.Geom {
	if len(xs) != 4 || len(ws) != 4 {
		bad("input and weights must be 4-d")
	}
	one := func(v int) int {
		if v == 0 {
			return 1
		}
		return v
	}
	g := conv.Geom{
		N: xs[0], C: xs[1], H: xs[2], W: xs[3],
		Cout: ws[0], KH: ws[2], KW: ws[3],
		SH: one(stride[0]), SW: one(stride[1]),
		PH: padding[0], PW: padding[1],
		DH: one(dilation[0]), DW: one(dilation[1]),
		Groups: one(groups),
	}
	switch {
	case g.SH < 0 || g.SW < 0 || g.DH < 0 || g.DW < 0 || g.PH < 0 || g.PW < 0 || g.Groups < 0:
		bad("negative setting")
	case g.C%g.Groups != 0 || g.Cout%g.Groups != 0:
		bad("groups must divide the input and output channels")
	case ws[1] != g.C/g.Groups:
		bad(fmt.Sprintf("weights must have %d input channels", g.C/g.Groups))
	case g.KH < 1 || g.KW < 1:
		bad("empty kernel")
	}
	g.HOut = (g.H+2*g.PH-g.DH*(g.KH-1)-1)/g.SH + 1
	g.WOut = (g.W+2*g.PW-g.DW*(g.KW-1)-1)/g.SW + 1
	if g.H+2*g.PH-g.DH*(g.KH-1)-1 < 0 || g.W+2*g.PW-g.DW*(g.KW-1)-1 < 0 {
		bad("the dilated kernel is larger than the padded input")
	}
	g.Rows, g.Cols, g.KG = g.C*g.KH*g.KW, g.N*g.Plane(), g.C/g.Groups*g.KH*g.KW
	return g
}

// cropConvGeom sets the output plane of g to out, HOut×WOut, which must be
// one that a transposed convolution of g's settings maps back to g's input
// size: the formula's, or fewer by what an output padding below
// max(stride, dilation) allows (see outputPadding). The convolution then
// computes only the first out[0] rows and out[1] columns of its output. It
// calls bad, which must panic, otherwise.
func cropConvGeom(g *conv.Geom, out [2]int, bad func(why string)) {
	full := [2]int{g.HOut, g.WOut}
	g.HOut, g.WOut = out[0], out[1]
	op := outputPadding(g)
	for i, lim := range [2]int{max(g.SH, g.DH), max(g.SW, g.DW)} {
		if out[i] < 1 || out[i] > full[i] || op[i] >= lim {
			bad(fmt.Sprintf("an output plane of %v does not map back to the input's with an output padding below max(stride, dilation); the convolution gives %v", out, full))
		}
	}
	g.Cols = g.N * g.Plane()
}

// outputPadding returns the output_padding with which ConvTranspose2d of
// g's settings maps g's output plane back to g's input plane: what the
// formula of ConvTranspose2d's output size leaves over,
//
//	op = H − ((Hout − 1)·sH − 2·pH + dH·(kh − 1) + 1)        (W likewise)
//
// which for g's own formula is the remainder the floor of Conv2d's output
// size drops, below the stride.
func outputPadding(g *conv.Geom) [2]int {
	return [2]int{
		g.H - ((g.HOut-1)*g.SH - 2*g.PH + g.DH*(g.KH-1) + 1),
		g.W - ((g.WOut-1)*g.SW - 2*g.PW + g.DW*(g.KW-1) + 1),
	}
}

// winograd reports whether the op computes the convolution of geometry g
// through Winograd F(2×2, 3×3), and panics if Algorithm asks for it where
// it does not apply or is not one of the ConvAlgorithm constants.
func (op *Conv2d[T]) winograd(g *conv.Geom) bool {
	bad := func(why string) {
		panic(fmt.Sprintf(errConv, []int{g.N, g.C, g.H, g.W}, []int{g.Cout, g.C / g.Groups, g.KH, g.KW},
			op.Stride, op.Padding, op.Dilation, op.Groups, why))
	}
	switch op.Algorithm {
	case ConvAuto:
		return conv.WinogradApplies(g) && conv.WinogradFaster(g)
	case ConvIm2col:
		return false
	case ConvWinograd:
		if !conv.WinogradApplies(g) {
			bad("Winograd F(2×2, 3×3) needs a 3×3 kernel, stride 1, dilation 1, one group and padding 0, 1 or 2")
		}
		return true
	}
	bad(fmt.Sprintf("unknown algorithm %d", op.Algorithm))
	return false
}

func (op *Conv2d[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	mark := op.ar.Mark()
	y := op.forward(in)
	op.releaseScratch(mark, y)
	return y
}

func (op *Conv2d[T]) forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	if len(in) != 2 && len(in) != 3 {
		panic(fmt.Sprintf(errArity, "Conv2d", 2, len(in)))
	}
	x, w := in[0], in[1]
	g := op.geometry(x, w)
	var b []T
	if len(in) == 3 {
		if !tensor.EqualShapes(in[2].Shape(), []int{g.Cout}) {
			panic(fmt.Sprintf(errConvBias, in[2].Shape(), g.Cout, x.Shape(), w.Shape()))
		}
		b = in[2].Data()
	}
	epi := op.epilogue(&g)
	op.x, op.w, op.bias, op.geom = x, w, b != nil, g
	op.cols, op.u, op.v = nil, nil, nil // from an earlier Forward of the same op
	op.wino = op.winograd(&g)
	if op.trim(&g, w) {
		// The algorithm is ConvAuto's or ConvIm2col's choice for the
		// trimmed convolution.
		g, w = op.kg, op.kw
		op.wino = op.Algorithm == ConvAuto && g.PH >= 0 && g.PW >= 0 &&
			conv.WinogradApplies(&g) && conv.WinogradFaster(&g)
	}
	if op.wino {
		if y := op.winoForwardOnly(x, w, b, epi, &g); y != nil {
			return y
		}
		y, u, v := op.winoForward(x, w, b, epi, &g)
		if op.ar != nil && !op.forwardOnly.on {
			// As with cols below: the arena holds U and V until Reset.
			op.u, op.v = u, v
		}
		return y
	}

	if y := op.pointwiseForward(x, w, b, epi, &g); y != nil {
		return y
	}
	if y := op.forwardBySamples(x, w, b, epi, &g); y != nil {
		return y
	}
	colsT := op.ar.New(g.Rows * g.Cols)
	cols := conv.Im2col(colsT.Data(), x.Data(), &g)
	if op.ar != nil && !op.forwardOnly.on {
		// The arena holds this buffer until the tape is reset whatever the
		// op does, so backward may as well use it rather than unfold the
		// input again.
		op.cols = colsT
	}
	y := op.ar.NewUninit(epiShape(&g, epi)...)
	if g.Groups == 1 && g.Plane() >= productPlane {
		// One GEMM per sample, straight into its planes.
		conv.ProductNCHW(y.Data(), w.Data(), cols, b, epi, &g)
		return y
	}
	yp := op.ar.NewUninit(g.Cout * g.Cols).Data() // Cout×(N·L): the GEMM's natural layout
	conv.Product(yp, w.Data(), cols, &g)
	conv.ToNCHWEpilogue(y.Data(), yp, b, epi, &g)
	return y
}

// productPlane is the output plane (HOut·WOut) from which Conv2d's im2col
// path computes one GEMM per sample into the output (conv.ProductNCHW)
// rather than one GEMM for the batch and a reordering into N×Cout×HOut×WOut.
const productPlane = 256

func (op *Conv2d[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	op.check("Conv2d", "Backward")
	if op.wino {
		return op.winoGrads(dy, needs)
	}
	g := &op.kg
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
	if conv.Pointwise(g) {
		// The forward was one GEMM (pointwiseForward: an op with a
		// pooling epilogue, which alone it refuses, has no Backward).
		op.pointwiseBackward(dy, needs, grads)
		return grads
	}
	// dY as Cout×(N·L), the layout of the forward product.
	dyp := op.ar.NewUninit(g.Cout * g.Cols).Data()
	conv.FromNCHW(dyp, dy.Data(), g)
	if needs[1] {
		var cols []T
		if op.cols != nil {
			cols = op.cols.Data()
		} else {
			cols = conv.Im2col(op.ar.New(g.Rows*g.Cols).Data(), op.x.Data(), g)
		}
		dw := op.ar.NewUninit(g.Cout, g.C/g.Groups, g.KH, g.KW)
		conv.WeightGrad(dw.Data(), dyp, cols, g)
		grads[1] = op.weightGrad(dw)
	}
	if needs[0] {
		dcols := op.ar.NewUninit(g.Rows * g.Cols).Data()
		conv.ColsGrad(dcols, op.kernelWeights().Data(), dyp, g)
		dx := op.ar.New(op.x.Shape()...)
		conv.Col2im(dx.Data(), dcols, g)
		grads[0] = dx
	}
	return grads
}

// biasGrad returns db, the sum of the N×Cout×Hout×Wout gradient dy over
// every axis but Cout, for both paths.
func (op *Conv2d[T]) biasGrad(dy *tensor.Tensor[T]) *tensor.Tensor[T] {
	db := op.ar.NewUninit(op.geom.Cout)
	conv.BiasGrad(db.Data(), dy.Data(), &op.geom)
	return db
}

// winoGrads is Conv2d's Backward through Winograd: dX and dW from
// winoBackward, db the sum of dY over the batch and the output plane.
func (op *Conv2d[T]) winoGrads(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	grads := make([]*tensor.Tensor[T], 2, 3)
	grads[0], grads[1] = op.winoBackward(dy, needs[0], needs[1])
	if op.bias {
		grads = grads[:3]
		if needs[2] {
			grads[2] = op.biasGrad(dy)
		}
	}
	return grads
}

// winoForward computes the convolution of x with w of geometry g through
// Winograd F(2×2, 3×3) (internal/conv/winograd.go), adding the bias b
// unless it is nil:
//
//	U_ξ = (G w Gᵀ)_ξ, V_ξ = (Bᵀ x B)_ξ    16 matrices each, Cout×C and C×T
//	M_ξ = U_ξ·V_ξ                         Cout×T, 16 GEMMs
//	Y   = Aᵀ M A + b                      N×Cout×Hout×Wout
//
// It returns y and the transformed weights U and input V. The epilogue e,
// if not nil, is applied to each output plane as it is written.
func (op *Conv2d[T]) winoForward(x, w *tensor.Tensor[T], b []T, e *conv.Epilogue[T], g *conv.Geom) (y, u, v *tensor.Tensor[T]) {
	tg := conv.NewWinoTiles(g)
	u = op.ar.NewUninit(16 * tg.UStep)
	conv.WinoWeights(u.Data(), w.Data(), g.Cout, g.C, tg.UStep)
	v = op.ar.NewUninit(16 * tg.VStep)
	conv.WinoInput(v.Data(), x.Data(), g, &tg)
	m := op.ar.NewUninit(16 * tg.MStep).Data()
	conv.WinoProduct(m, u.Data(), v.Data(), g, &tg)
	y = op.ar.NewUninit(epiShape(g, e)...)
	conv.WinoOutputEpilogue(y.Data(), m, b, e, g, &tg)
	return y, u, v
}

// winoBackward returns dX and dW (each nil unless asked for) of the
// convolution whose forward kept x and w, for the output gradient dy, as
// the adjoints of winoForward's steps:
//
//	dM_ξ = (A dY Aᵀ)_ξ                    dY zero where cropped
//	dU_ξ = dM_ξ·V_ξᵀ,  dW = Gᵀ dU G       16 GEMMs, then Cout×C×3×3
//	dV_ξ = U_ξᵀ·dM_ξ,  dX = B dV Bᵀ       16 GEMMs, then summed over tiles
//
// It uses the forward's U and V when the op kept them and computes them
// again otherwise.
func (op *Conv2d[T]) winoBackward(dy *tensor.Tensor[T], needX, needW bool) (dx, dw *tensor.Tensor[T]) {
	if !needX && !needW {
		return nil, nil
	}
	g := &op.kg
	tg := conv.NewWinoTiles(g)
	dm := op.ar.NewUninit(16 * tg.MStep).Data()
	conv.WinoOutputAdjoint(dm, dy.Data(), g, &tg)
	var du, v *tensor.Tensor[T]
	if needW {
		v = op.v
		if v == nil {
			v = op.ar.NewUninit(16 * tg.VStep)
			conv.WinoInput(v.Data(), op.x.Data(), g, &tg)
		}
		du = op.ar.NewUninit(16 * tg.UStep)
		conv.WinoWeightsGrad(du.Data(), dm, v.Data(), g, &tg)
		dw = op.ar.NewUninit(g.Cout, g.C, 3, 3)
		conv.WinoWeightsAdjoint(dw.Data(), du.Data(), g.Cout, g.C, tg.UStep)
		dw = op.weightGrad(dw)
	}
	if needX {
		u := op.u
		if u == nil {
			// dU is spent: U takes its storage when there is one.
			u = du
			if u == nil {
				u = op.ar.NewUninit(16 * tg.UStep)
			}
			conv.WinoWeights(u.Data(), op.kernelWeights().Data(), g.Cout, g.C, tg.UStep)
		}
		// So is V, unless the op keeps it: dV takes its storage.
		var dv []T
		if v != nil && v != op.v {
			dv = v.Data()
		} else {
			dv = op.ar.NewUninit(16 * tg.VStep).Data()
		}
		conv.WinoInputGrad(dv, u.Data(), dm, g, &tg)
		dx = op.ar.NewUninit(op.x.Shape()...)
		conv.WinoInputAdjoint(dx.Data(), dv, g, &tg)
	}
	return dx, dw
}

// BackwardVar is Backward with ops, whichever algorithm the forward took:
// dx = ConvTranspose2d(dy, w) with the output padding that restores x's
// plane, dw = Conv2dWeightGrad(x, dy), db = Σ dy over N, Hout, Wout.
func (op *Conv2d[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	op.check("Conv2d", "BackwardVar")
	g := &op.geom
	grads := make([]*v[T], len(in))
	if needs[0] {
		grads[0] = autograd.Apply[T](transposeOp[T](g), dy, in[1])
	}
	if needs[1] {
		grads[1] = autograd.Apply[T](weightGradOp[T](g, in[1].Shape()), in[0], dy)
	}
	if len(in) == 3 && needs[2] {
		grads[2] = vSum(dy, false, 0, 2, 3)
	}
	return grads
}

func (op *Conv2d[T]) Saved() []*tensor.Tensor[T] {
	s := []*tensor.Tensor[T]{op.x, op.w}
	switch {
	case op.u != nil:
		s = append(s, op.u, op.v)
	case op.cols != nil:
		s = append(s, op.cols)
	}
	if op.wt != nil {
		s = append(s, op.wt)
	}
	return s
}
