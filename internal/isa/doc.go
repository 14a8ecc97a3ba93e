// Package isa reports which x86 instruction-set extensions tapegrad's
// assembly kernels may use: those the CPU and the operating system support,
// capped by the TAPEGRAD_ISA environment variable.
//
// TAPEGRAD_ISA lets one machine measure and test the paths other machines
// take, the way GODEBUG settings switch run-time behaviour. It is read once,
// when the program starts, and names the widest extension allowed:
//
//	avx512   AVX-512F and everything below it (the default: no cap)
//	avx2     AVX2 with FMA, AVX: the path of CPUs without AVX-512
//	avx      AVX without AVX2 or FMA
//	none     no assembly: the pure-Go loops, as under the purego build tag
//
// A cap never enables what the CPU lacks. An unrecognized value is ignored
// with one warning on standard error, since a misspelt setting should not
// stop a training run. Package gemm chooses its micro-kernels from these
// flags, and package vec its loops.
package isa
