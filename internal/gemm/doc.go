// Package gemm is tapegrad's general matrix product, C = alpha·op(A)·op(B)
// + beta·C on row-major float32 and float64 matrices: the kernel behind
// tensor.Gemm.
//
// It is built the way Goto's and BLIS's are (see driver.go): the operands
// are copied ("packed") in cache-sized blocks into slivers that a
// register-tiled micro-kernel reads in order, and the micro-kernel keeps an
// mr×nr tile of C in registers for a whole block of the inner dimension.
// The tile's columns lie along the vector registers, so C is written with
// plain vector stores, and a step of the kernel loads nr/lanes vectors of B
// and broadcasts mr values of A. Packing reads transposed operands where
// they lie, so A·Bᵀ and Aᵀ·B cost what A·B does.
//
// The kernels, their tiles and blockings (kc steps deep, blocks of mc rows
// and nc columns), chosen by measurement on a Zen 4 (AVX-512) machine:
//
//	variant  type     tile    kc   mc    nc   instructions
//	avx512   float32  12×32   256  1536  1024 AVX-512F FMA, 24 zmm accumulators
//	avx512   float64  12×16   256  1536  256  AVX-512F FMA, 24 zmm accumulators
//	avx2     float32   6×16   512  1536  512  AVX2 FMA, 12 ymm accumulators
//	avx2     float64   6×8    256  1536  256  AVX2 FMA, 12 ymm accumulators
//	go       both      4×4    256   512  256  pure Go
//
// Each assembly variant has kernels for half tiles too (mr×nr/2, mr/2×nr,
// mr/2×nr/2), for a last row or column of tiles no more than half full, and
// avx512 for quarter-width tiles (mr×nr/4 and mr/2×nr/4, in ymm registers:
// 512-bit instructions cost two 256-bit ones on Zen 4), for a last column
// no more than a quarter full; other edge tiles are computed whole into a
// buffer and the part inside C copied out. The assembly, micro-kernels, 8×8 and 4×4 transposes for
// packing, and the axpy and dot of thin products, is generated with avo by
// the command in asm/, a module of its own (go generate runs it). The
// variant is chosen at run time from package internal/isa (the CPU's
// extensions, capped by the TAPEGRAD_ISA environment variable): AVX-512F,
// else AVX2 and FMA, else pure Go, which is also the only one on other
// architectures and with the purego build tag.
//
// Products too small to pay for packing (m·n·k ≤ 512) run as plain loops,
// and products with one or two rows or columns of C as dot products and
// axpys over the operands where they lie.
//
// Work is split among up to GOMAXPROCS goroutines — the caller and the
// crew of helpers that outlive calls, which package internal/parallel
// keeps (parallel.Offer) — as tasks of a partition fixed by the shape; no
// element of C depends on which goroutine computes it, so results are the
// same bits for every GOMAXPROCS. In a product whose rows or columns make
// one block, as every linear layer's do, a task packs the sliver it
// computes with, and each goroutine (up to two, or more while it stays
// cheap) packs the other operand's block for itself: a block packed by
// one core and read by another cost more than packing it twice. Jobs and their buffers
// are kept for the next call: in a loop, products allocate nothing once the
// largest has run.
package gemm

//go:generate go run -C asm . -out ../kernel_amd64.s -stubs ../kernel_amd64.go -pkg gemm
