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
