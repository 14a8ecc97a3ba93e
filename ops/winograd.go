package ops

import (
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/tensor"
)

// This file holds Conv2d's Winograd path: the minimal filtering algorithm
// F(2×2, 3×3) of Lavin and Gray (2015), with its backward passes derived as
// adjoints (docs/backprop.md §9). With the matrices
//
//	     ⎡1  0 −1  0⎤        ⎡1    0    0⎤
//	Bᵀ = ⎢0  1  1  0⎥    G = ⎢½    ½    ½⎥    Aᵀ = ⎡1  1  1  0⎤
//	     ⎢0 −1  1  0⎥        ⎢½   −½    ½⎥         ⎣0  1 −1 −1⎦
//	     ⎣0  1  0 −1⎦        ⎣0    0    1⎦
//
// a 2×2 block of outputs of a 3×3 cross-correlation of the 4×4 input tile d
// with the kernel g is
//
//	y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A
//
// 16 multiplications instead of 36. Summed over input channels, each of the
// 16 positions ξ of the 4×4 element-wise product is a matrix product: with
// U_ξ = (G g Gᵀ)_ξ as a Cout×Cin matrix and V_ξ = (Bᵀ d B)_ξ as a Cin×T
// matrix, one column per tile,
//
//	M_ξ = U_ξ·V_ξ                          Cout×T, 16 GEMMs
//	Y tile = Aᵀ M A                        2×2 per output channel and tile
//
// Tiles are laid out as the output: tile t = (s·th + ty)·tw + tx of sample
// s covers outputs (2ty…2ty+1, 2tx…2tx+1) and reads the input rows
// 2ty − pH … 2ty − pH + 3 and columns likewise, zero outside the image, so
// neighbouring tiles overlap by 2. th = ⌈Hout/2⌉ and tw = ⌈Wout/2⌉; a tile
// past an odd edge computes outputs that are cropped. U, V and M are stored
// ξ-major, 16 row-major matrices one after the other (with small gaps, see
// winoTiles), so that every GEMM reads and writes whole matrices.
//
// The backward pass is the adjoint of each step, in reverse:
//
//	dM_ξ = (A dYtile Aᵀ)_ξ                 dY tile zero where cropped
//	dU_ξ = dM_ξ·V_ξᵀ                       Cout×Cin, 16 GEMMs
//	dV_ξ = U_ξᵀ·dM_ξ                       Cin×T, 16 GEMMs
//	dW   = Gᵀ dU G                         3×3 per channel pair
//	dX  += B dV Bᵀ                         scattered over the tile, cropped to the image
//
// Every transform runs in parallel over output planes, channel planes or
// channel pairs, each written by one goroutine in a fixed order, so results
// do not depend on GOMAXPROCS.

// winoTiles is the tiling of a convolution's output into 2×2 blocks and the
// layout of the 16 matrices of each transform.
type winoTiles struct {
	th, tw int // tiles per plane, ⌈Hout/2⌉ and ⌈Wout/2⌉
	plane  int // tiles per sample, th·tw
	t      int // tiles in all, N·th·tw

	// The strides from one position ξ to the next in U and dU (Cout×Cin
	// matrices), V and dV (Cin×T) and M and dM (Cout×T): each matrix's size
	// and a gap of winoGap values.
	ustep, vstep, mstep int
}

// winoGap separates the 16 matrices of a transform so that their strides
// are not a power of two: the transforms write one value to each of the 16
// at a time, and at a stride of 2ᵏ bytes those writes all compete for the
// same few sets of the cache.
const winoGap = 32

func newWinoTiles(g *convGeom) winoTiles {
	th, tw := (g.hout+1)/2, (g.wout+1)/2
	t := g.n * th * tw
	return winoTiles{
		th: th, tw: tw, plane: th * tw, t: t,
		ustep: g.cout*g.c + winoGap, vstep: g.c*t + winoGap, mstep: g.cout*t + winoGap,
	}
}

// winogradApplies reports whether F(2×2, 3×3) computes the convolution of
// geometry g: a 3×3 kernel, stride 1, dilation 1, one group and padding of
// at most 2.
func winogradApplies(g *convGeom) bool {
	return g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 &&
		g.groups == 1 && g.ph <= 2 && g.pw <= 2
}

// winogradFaster reports whether Winograd F(2×2, 3×3) beats im2col on a
// convolution of geometry g to which it applies: when both channel counts
// are at least 64 and there are at least 128 tiles.
//
// The GEMMs save 20 of every 36 multiplications, Cin·Cout·T·40 flops in
// all. The tile transforms cost about 16·(Cin + Cout)·T memory-bound
// operations, which the saving pays for only with enough channels on both
// sides, and the weight transforms about 16·Cin·Cout, which it pays for only
// over enough tiles T; small T also makes the 16 GEMMs thin. Measured with
// BenchmarkConv2dAlgorithm on the ConvNet's layers at batch 32 (float32,
// forward + backward without an arena, ms, im2col → Winograd):
// 3x32x32-64 15 → 35, 64x16x16-128 38 → 34, 128x8x8-256 31 → 24,
// 256x8x8-256 67 → 52, 256x4x4-512 37 → 32, 512x4x4-512 70 → 66 and
// 512x2x2-512 (32 tiles) 24 → 36.
func winogradFaster(g *convGeom) bool {
	return g.c >= 64 && g.cout >= 64 && g.n*((g.hout+1)/2)*((g.wout+1)/2) >= 128
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

// winoForward computes the convolution of x with w of geometry g, adding
// the bias b unless it is nil. It returns y and the transformed weights U
// and input V, 16 matrices each, laid out as winoTiles says.
func (op *Conv2d[T]) winoForward(x, w *tensor.Tensor[T], b []T, g *convGeom) (y, u, v *tensor.Tensor[T]) {
	tg := newWinoTiles(g)
	u = op.ar.NewUninit(16 * tg.ustep)
	winoWeights(u.Data(), w.Data(), g.cout, g.c, tg.ustep)
	v = op.ar.NewUninit(16 * tg.vstep)
	winoInput(v.Data(), x.Data(), g, &tg)
	m := op.ar.NewUninit(16 * tg.mstep).Data()
	ud, vd := u.Data(), v.Data()
	for xi := range 16 {
		tensor.Gemm(false, false, g.cout, tg.t, g.c,
			1, ud[xi*tg.ustep:], g.c,
			vd[xi*tg.vstep:], tg.t,
			0, m[xi*tg.mstep:], tg.t)
	}
	y = op.ar.NewUninit(g.n, g.cout, g.hout, g.wout)
	winoOutput(y.Data(), m, b, g, &tg)
	return y, u, v
}

// winoBackward returns dX and dW (each nil unless asked for) of the
// convolution whose forward kept x and w, for the output gradient dy. It
// uses the forward's U and V when the op kept them and computes them again
// otherwise.
func (op *Conv2d[T]) winoBackward(dy *tensor.Tensor[T], needX, needW bool) (dx, dw *tensor.Tensor[T]) {
	if !needX && !needW {
		return nil, nil
	}
	g := &op.geom
	tg := newWinoTiles(g)
	dm := op.ar.NewUninit(16 * tg.mstep).Data()
	winoOutputAdjoint(dm, dy.Data(), g, &tg)
	if needW {
		v := op.v
		if v == nil {
			v = op.ar.NewUninit(16 * tg.vstep)
			winoInput(v.Data(), op.x.Data(), g, &tg)
		}
		du := op.ar.NewUninit(16 * tg.ustep).Data()
		vd := v.Data()
		for xi := range 16 {
			tensor.Gemm(false, true, g.cout, g.c, tg.t,
				1, dm[xi*tg.mstep:], tg.t,
				vd[xi*tg.vstep:], tg.t,
				0, du[xi*tg.ustep:], g.c)
		}
		dw = op.ar.NewUninit(op.w.Shape()...)
		winoWeightsAdjoint(dw.Data(), du, g.cout, g.c, tg.ustep)
	}
	if needX {
		u := op.u
		if u == nil {
			u = op.ar.NewUninit(16 * tg.ustep)
			winoWeights(u.Data(), op.w.Data(), g.cout, g.c, tg.ustep)
		}
		dv := op.ar.NewUninit(16 * tg.vstep).Data()
		ud := u.Data()
		for xi := range 16 {
			tensor.Gemm(true, false, g.c, tg.t, g.cout,
				1, ud[xi*tg.ustep:], g.c,
				dm[xi*tg.mstep:], tg.t,
				0, dv[xi*tg.vstep:], tg.t)
		}
		dx = op.ar.NewUninit(op.x.Shape()...)
		winoInputAdjoint(dx.Data(), dv, g, &tg)
	}
	return dx, dw
}

// winoWeights writes U = G g Gᵀ for every kernel g of the Cout×Cin×3×3
// weights w into u: u[ξ·step + o·Cin + c] is position ξ of the transform of
// w[o, c]. Channel pairs are transformed in parallel.
func winoWeights[T tensor.Float](u, w []T, cout, cin, step int) {
	pairs := cout * cin
	parallel.Chunks(pairs, max(parallel.Grain/16, 1), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			k := w[9*p : 9*p+9]
			// g Gᵀ: each row (a, b, c) becomes (a, (a+b+c)/2, (a−b+c)/2, c).
			var r [12]T
			for i := range 3 {
				a, b, c := k[3*i], k[3*i+1], k[3*i+2]
				s := (a + c) / 2
				r[4*i], r[4*i+1], r[4*i+2], r[4*i+3] = a, s+b/2, s-b/2, c
			}
			// G (g Gᵀ): the same on each column.
			for j := range 4 {
				a, b, c := r[j], r[4+j], r[8+j]
				s := (a + c) / 2
				u[j*step+p] = a
				u[(4+j)*step+p] = s + b/2
				u[(8+j)*step+p] = s - b/2
				u[(12+j)*step+p] = c
			}
		}
	})
}

// winoWeightsAdjoint writes dW = Gᵀ dU G, the adjoint of winoWeights, into
// dw (Cout×Cin×3×3) from du, laid out as winoWeights's u.
func winoWeightsAdjoint[T tensor.Float](dw, du []T, cout, cin, step int) {
	pairs := cout * cin
	parallel.Chunks(pairs, max(parallel.Grain/16, 1), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			// dU G: each row x becomes Gᵀx = (x0 + (x1+x2)/2, (x1−x2)/2, (x1+x2)/2 + x3).
			var r [12]T
			for i := range 4 {
				x0, x1, x2, x3 := du[4*i*step+p], du[(4*i+1)*step+p], du[(4*i+2)*step+p], du[(4*i+3)*step+p]
				s := (x1 + x2) / 2
				r[3*i], r[3*i+1], r[3*i+2] = x0+s, (x1-x2)/2, s+x3
			}
			// Gᵀ (dU G): the same on each column.
			k := dw[9*p : 9*p+9]
			for j := range 3 {
				x0, x1, x2, x3 := r[j], r[3+j], r[6+j], r[9+j]
				s := (x1 + x2) / 2
				k[j], k[3+j], k[6+j] = x0+s, (x1-x2)/2, s+x3
			}
		}
	})
}
