package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
)

// logSoftmaxKernels emits the backward pass of a float32 log-softmax row:
// softmaxGradPD writes dx = float32(g − e^y·s) for n float32 values of g
// and y, a positive multiple of 4, in float64 lanes (y limited to ≥ −700,
// e^y as exp1, the product and the difference each rounded on its own),
// and reports whether some y is NaN.
func logSoftmaxKernels() {
	TEXT("softmaxGradPD", NOSPLIT, "func(n int, dx, gy, y *float32, s float64) bool")
	Doc("softmaxGradPD writes gy − e^y·s of n float32 values, a positive multiple of 4, computed in float64 and rounded to float32, to dx; it reports whether some y is NaN.")
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	dx := Load(Param("dx"), GP64())
	g := Load(Param("gy"), GP64())
	y := Load(Param("y"), GP64())
	sv := YMM()
	sp, _ := Param("s").Resolve()
	VBROADCASTSD(sp.Addr, sv)
	bad := YMM()
	VXORPD(bad, bad, bad)
	off := GP64()
	XORQ(off, off)
	SHLQ(U8(2), n)
	Label("softmaxGradPD_loop")
	d := YMM()
	VCVTPS2PD(Mem{Base: y, Index: off, Scale: 1}, d)
	t := YMM()
	VCMPPD(U8(3), d, d, t) // UNORD_Q: NaN
	VORPD(t, bad, bad)
	VMAXPD(kc(-expClamp), d, d)
	e := exp1(d)
	VMULPD(sv, e, e)
	gv := YMM()
	VCVTPS2PD(Mem{Base: g, Index: off, Scale: 1}, gv)
	VSUBPD(e, gv, gv)
	o := XMM()
	VCVTPD2PSY(gv, o)
	VMOVUPS(o, Mem{Base: dx, Index: off, Scale: 1})
	ADDQ(U8(16), off)
	CMPQ(off, n)
	JB(LabelRef("softmaxGradPD_loop"))
	VPTEST(bad, bad)
	r := GP8()
	SETNE(r)
	Store(r, ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// attnGradKernels emits the backward pass of a float32 softmax row of
// attention (ops.ScaledDotProductAttention's dS): for n float32 values, a
// positive multiple of 4, attnDotPD adds g·pt (exact in float64) into four
// partial sums, value j into p[j mod 4], and attnDSPD writes
// float32(pt·g − p·d) over g, the product p·d and the difference each
// rounded on its own.
func attnGradKernels() {
	TEXT("attnDotPD", NOSPLIT, "func(n int, gy, pt *float32, acc *[4]float64)")
	Doc("attnDotPD adds gy·pt of n float32 values, a positive multiple of 4, in float64 to the partial sums acc, value i to acc[i mod 4].")
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	gy := Load(Param("gy"), GP64())
	pt := Load(Param("pt"), GP64())
	ap := Load(Param("acc"), GP64())
	acc := YMM()
	VMOVUPD(Mem{Base: ap}, acc)
	off := GP64()
	XORQ(off, off)
	SHLQ(U8(2), n)
	Label("attnDotPD_loop")
	a, b := YMM(), YMM()
	VCVTPS2PD(Mem{Base: gy, Index: off, Scale: 1}, a)
	VCVTPS2PD(Mem{Base: pt, Index: off, Scale: 1}, b)
	VMULPD(b, a, a)
	VADDPD(a, acc, acc)
	ADDQ(U8(16), off)
	CMPQ(off, n)
	JB(LabelRef("attnDotPD_loop"))
	VMOVUPD(acc, Mem{Base: ap})
	VZEROUPPER()
	RET()

	TEXT("attnDSPD", NOSPLIT, "func(n int, gy, pt, p *float32, d float64)")
	Doc("attnDSPD writes pt·gy − p·d of n float32 values, a positive multiple of 4, computed in float64 and rounded to float32, over gy.")
	Pragma("noescape")
	n = Load(Param("n"), GP64())
	gy = Load(Param("gy"), GP64())
	pt = Load(Param("pt"), GP64())
	pp := Load(Param("p"), GP64())
	dv := YMM()
	dp, _ := Param("d").Resolve()
	VBROADCASTSD(dp.Addr, dv)
	off = GP64()
	XORQ(off, off)
	SHLQ(U8(2), n)
	Label("attnDSPD_loop")
	x, t, u := YMM(), YMM(), YMM()
	VCVTPS2PD(Mem{Base: gy, Index: off, Scale: 1}, x)
	VCVTPS2PD(Mem{Base: pt, Index: off, Scale: 1}, t)
	VMULPD(t, x, x) // pt·g, exact
	VCVTPS2PD(Mem{Base: pp, Index: off, Scale: 1}, u)
	VMULPD(dv, u, u) // p·d, rounded
	VSUBPD(u, x, x)
	o := XMM()
	VCVTPD2PSY(x, o)
	VMOVUPS(o, Mem{Base: gy, Index: off, Scale: 1})
	ADDQ(U8(16), off)
	CMPQ(off, n)
	JB(LabelRef("attnDSPD_loop"))
	VZEROUPPER()
	RET()
}
