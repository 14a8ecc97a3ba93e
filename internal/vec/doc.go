// Package vec holds element-wise loops that profiles of training steps put
// near the top: Adam's update and SGD's, the binary arithmetic under
// tensor's broadcasting (Binary, BinaryVS, BinarySV), batch norm's
// passes (the row loops: sums of rows in float64, normalization, the
// input's gradient, from x̂ or from x), the leaves of tensor's pairwise
// sums (SumQuad), layer, RMS and group norm's rows, and Winograd F(2×2,
// 3×3)'s transforms: the weights' (WinoWeights, WinoWeightsAdjoint, across
// 8 or 4 kernels) and one channel plane's tiles (WinoInputRows,
// WinoInputAdjointRows, WinoOutputRows, WinoOutputAdjointRows, 4 tiles of a
// row to a vector, float32), with PadRows to copy a plane into their padded
// buffer. On amd64 with AVX they run as assembly over AVX vectors
// (256-bit; 128-bit for SumQuad's float32 partial sums), generated with avo
// by the command in asm/; elsewhere, and under
// the purego build tag, as plain Go.
//
// Both versions compute the same bits. Every operation is rounded on its
// own, in the order the doc comments give: the Go loops convert each
// product explicitly, which the Go specification says keeps the compiler
// from fusing it with the following sum into one FMA, and the assembly uses
// separate multiply and add instructions. A square root in float32 is
// correctly rounded either way. The float32 element-wise functions of
// elem.go (Sigmoid32, Tanh32, GELU32, SiLU32, their derivatives, and the
// softmax rows' ExpSum32 and ExpScale32) compute in float64 lanes with
// AVX2 and FMA, or AVX-512F, fusing where their Go twins call math.FMA:
// the same bits again.
package vec

//go:generate go run -C asm . -out ../vec_amd64.s -stubs ../stubs_amd64.go -pkg vec
