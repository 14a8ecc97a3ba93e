package conv

import (
	"github.com/tapegrad/tapegrad/internal/gemm"
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"
	"github.com/tapegrad/tapegrad/tensor"
)

// This file holds the kernels of Conv2d's Winograd path: the minimal filtering algorithm
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
// WinoTiles), so that every GEMM reads and writes whole matrices.
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

// WinoTiles is the tiling of a convolution's output into 2×2 blocks and the
// layout of the 16 matrices of each transform.
type WinoTiles struct {
	TH, TW int // tiles per plane, ⌈HOut/2⌉ and ⌈WOut/2⌉
	Plane  int // tiles per sample, TH·TW
	Count  int // tiles in all, N·TH·TW, the T of the formulas

	// The strides from one position ξ to the next in U and dU (Cout×Cin
	// matrices), V and dV (Cin×T) and M and dM (Cout×T): each matrix's size
	// and a gap of winoGap values.
	UStep, VStep, MStep int
}

// winoGap separates the 16 matrices of a transform so that their strides
// are not a power of two: the transforms write one value to each of the 16
// at a time, and at a stride of 2ᵏ bytes those writes all compete for the
// same few sets of the cache.
const winoGap = 32

// NewWinoTiles returns the tiling of the output of geometry g.
func NewWinoTiles(g *Geom) WinoTiles {
	th, tw := (g.HOut+1)/2, (g.WOut+1)/2
	t := g.N * th * tw
	return WinoTiles{
		TH: th, TW: tw, Plane: th * tw, Count: t,
		UStep: g.Cout*g.C + winoGap, VStep: g.C*t + winoGap, MStep: g.Cout*t + winoGap,
	}
}

// WinogradApplies reports whether F(2×2, 3×3) computes the convolution of
// geometry g: a 3×3 kernel, stride 1, dilation 1, one group and padding of
// at most 2.
func WinogradApplies(g *Geom) bool {
	return g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 &&
		g.Groups == 1 && g.PH <= 2 && g.PW <= 2
}

// WinogradFaster reports whether Winograd F(2×2, 3×3) beats im2col on a
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
func WinogradFaster(g *Geom) bool {
	return g.C >= 64 && g.Cout >= 64 && g.N*((g.HOut+1)/2)*((g.WOut+1)/2) >= 128
}

// WinoProduct writes M_ξ = U_ξ·V_ξ for the 16 positions ξ into m, from u
// and v (laid out as WinoTiles says): 16 GEMMs, handed whole to the
// goroutines (gemm.Batch) rather than each cut into tasks in turn, with the
// bits of the 16 computed one after another.
func WinoProduct[T tensor.Float](m, u, v []T, g *Geom, tg *WinoTiles) {
	gemm.Batch(16, false, false, g.Cout, tg.Count, g.C,
		1, u, g.C, tg.UStep,
		v, tg.Count, tg.VStep,
		0, m, tg.Count, tg.MStep)
}

// WinoWeightsGrad writes dU_ξ = dM_ξ·V_ξᵀ for the 16 positions ξ into du:
// 16 GEMMs, handed whole to the goroutines (gemm.Batch).
func WinoWeightsGrad[T tensor.Float](du, dm, v []T, g *Geom, tg *WinoTiles) {
	gemm.Batch(16, false, true, g.Cout, g.C, tg.Count,
		1, dm, tg.Count, tg.MStep,
		v, tg.Count, tg.VStep,
		0, du, g.C, tg.UStep)
}

// WinoInputGrad writes dV_ξ = U_ξᵀ·dM_ξ for the 16 positions ξ into dv:
// 16 GEMMs, handed whole to the goroutines (gemm.Batch).
func WinoInputGrad[T tensor.Float](dv, u, dm []T, g *Geom, tg *WinoTiles) {
	gemm.Batch(16, true, false, g.C, tg.Count, g.Cout,
		1, u, g.C, tg.UStep,
		dm, tg.Count, tg.MStep,
		0, dv, tg.Count, tg.VStep)
}

// WinoWeights writes U = G g Gᵀ for every kernel g of the Cout×Cin×3×3
// weights w into u: u[ξ·step + o·Cin + c] is position ξ of the transform of
// w[o, c]. Channel pairs are transformed in parallel, each chunk by
// vec.WinoWeights (vectors across consecutive pairs): each row (a, b, c)
// of g becomes (a, (a+c)/2 + b/2, (a+c)/2 − b/2, c), then each column of
// g Gᵀ likewise.
func WinoWeights[T tensor.Float](u, w []T, cout, cin, step int) {
	pairs := cout * cin
	parallel.Chunks(pairs, max(parallel.Grain/16, 1), func(lo, hi int) {
		vec.WinoWeights(u[lo:], step, w[9*lo:9*hi])
	})
}

// WinoWeightsAdjoint writes dW = Gᵀ dU G, the adjoint of WinoWeights, into
// dw (Cout×Cin×3×3) from du, laid out as WinoWeights's u: by
// vec.WinoWeightsAdjoint, each row x of dU becoming
// (x0 + (x1+x2)/2, (x1−x2)/2, (x1+x2)/2 + x3), then each column of dU G
// likewise.
func WinoWeightsAdjoint[T tensor.Float](dw, du []T, cout, cin, step int) {
	pairs := cout * cin
	parallel.Chunks(pairs, max(parallel.Grain/16, 1), func(lo, hi int) {
		vec.WinoWeightsAdjoint(dw[9*lo:9*hi], du[lo:], step)
	})
}
