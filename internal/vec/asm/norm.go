package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The norm kernel below is layer, RMS and group norm's sum of squared
// deviations over a float64 row (package vec's RowSumSqDev64), the one
// float64 pass with assembly: it takes n a multiple of 16 and keeps 16
// partial sums (four vectors of four), value i going to partial i mod 16,
// each square fused into its partial (FMA, the AVX2 level); it stores the
// partials and returns their sum added as package vec's addPartials adds
// them. The helpers serve the float32 kernels of norm32.go too.

// normKernels emits the float64 norm kernel.
func normKernels() {
	lnSumSqDev64()
}

// addAcc returns the sum of the 16 partials in the four vectors acc (acc[k]
// holding partials 4k to 4k+3) in lane 0 of an XMM register, added in the
// order of package vec's addPartials: p[k] + p[k+8], then the same with 4,
// 2 and 1.
func addAcc(acc []VecVirtual) VecVirtual {
	a, b := YMM(), YMM()
	VADDPD(acc[2], acc[0], a) // p[k] + p[k+8], k < 4
	VADDPD(acc[3], acc[1], b) // p[k] + p[k+8], 4 ≤ k < 8
	VADDPD(b, a, a)           // then + p[k+4]
	hi, lo := XMM(), XMM()
	VEXTRACTF128(U8(1), a, hi)
	VADDPD(hi, a.AsX(), lo) // then + p[k+2]
	t := XMM()
	VUNPCKHPD(lo, lo, t)
	VADDSD(t, lo, lo) // then + p[1]
	return lo
}

// bcstParam broadcasts the float64 parameter name to a new vector.
func bcstParam(name string) VecVirtual {
	v := YMM()
	p, _ := Param(name).Resolve()
	VBROADCASTSD(p.Addr, v)
	return v
}

// zeros returns k zeroed vectors.
func zeros(k int) []VecVirtual {
	v := make([]VecVirtual, k)
	for i := range v {
		v[i] = YMM()
		VXORPD(v[i], v[i], v[i])
	}
	return v
}

// loop emits a loop over n values, step at a time: body gets the byte
// offset of the step's first value in the float32 rows.
func loop(name string, n Register, step int, body func(off Register)) {
	off := GP64()
	XORQ(off, off)
	SHLQ(U8(2), n)
	Label(name + "_loop")
	CMPQ(off, n)
	JAE(LabelRef(name + "_done"))
	body(off)
	if 4*step > 127 { // an imm8 is sign-extended
		ADDQ(U32(4*step), off)
	} else {
		ADDQ(U8(4*step), off)
	}
	JMP(LabelRef(name + "_loop"))
	Label(name + "_done")
}

// at64 addresses the float64 of a scratch row at the value whose float32
// byte offset is off.
func at64(p, off Register, disp int) Mem { return Mem{Base: p, Index: off, Scale: 2, Disp: disp} }

// lnSumSqDev64: d = s[i] − mu; p[i mod 16] += d·d (fused), s in float64.
func lnSumSqDev64() {
	const name = "lnSumSqDevPD"
	TEXT(name, NOSPLIT, "func(n int, s *float64, mu float64, p *[16]float64) float64")
	Doc(name + " sums the squares of n values of s less mu, a multiple of 16, into 16 partial sums p, and returns the sum of the partials; see RowSumSqDev64.")
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	sp := Load(Param("s"), GP64())
	p := Load(Param("p"), GP64())
	mu := bcstParam("mu")
	acc := zeros(4)
	loop(name, n, 16, func(off Register) {
		for k := range 4 {
			t := YMM()
			VMOVUPD(at64(sp, off, 32*k), t)
			VSUBPD(mu, t, t)
			VFMADD231PD(t, t, acc[k]) // acc += t·t
		}
	})
	storeCols(acc, p)
	Store(addAcc(acc), ReturnIndex(0))
	VZEROUPPER()
	RET()
}
