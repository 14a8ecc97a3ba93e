package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The norm kernels below are layer, RMS and group norm's passes over one
// row of float32 values (package vec's norm.go), or over the row converted
// to float64 into a scratch row. The reductions take n a multiple of 16
// and keep 16 partial sums in float64, value i going to partial i mod 16
// (four vectors of four); they store the partials and the caller adds them
// up. The element-wise passes take n a multiple of 8. Values are converted
// to float64 and every operation is rounded on its own, in the order of the
// Go loops; a product and the sum it goes into are fused (FMA, one
// rounding) where the Go loops call math.FMA. All but lnSumStorePS need
// FMA (the AVX2 level).

// normKernels emits every norm kernel.
func normKernels() {
	lnSumStore()
	lnSumSqDev64()
	for _, form := range []string{"", "Scale", "Affine"} {
		lnNorm64(form)
	}
	lnNormScalar64()
	for _, withG := range []bool{true, false} {
		for _, cols := range []bool{true, false} {
			lnGradSumsX(withG, cols)
		}
		lnGradX(withG)
	}
	lnGradScalarX()
	lnSumDotDev()
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

// lnGradSumsX: h = (x[i] − mu)·is and ĝ = dy[i]·g[i] (dy[i] without g; g
// in float64) in float64; p[i mod 16] += ĝ; p[16 + i mod 16] += ĝ·h
// (fused); with cols also sb[i] += dy[i] and sbh[i] += dy[i]·h (fused).
func lnGradSumsX(withG, cols bool) {
	name, gh := "lnGradSumsX", "dy⊙gam"
	args := "n int, dy *float32, gam *float64, x *float32, mu, is float64, p *[32]float64"
	if !withG {
		name, gh = name+"NoG", "dy"
		args = "n int, dy, x *float32, mu, is float64, p *[32]float64"
	}
	also := ""
	if cols {
		name += "Cols"
		args += ", sb, sbh *float64"
		also = ", and adds dy to sb and dy⊙h to sbh"
	}
	name += "PS"
	TEXT(name, NOSPLIT, "func("+args+") (sg, sgh float64)")
	Doc(fmt.Sprintf("%s sums n values of %s, a multiple of 16, into p[:16] and of %s⊙h into p[16:], 16 partial sums each in float64, h = (x − mu)·is%s, and returns the two sums of the partials; see NormGradSumsX.", name, gh, gh, also))
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	dy := Load(Param("dy"), GP64())
	var g, sb, sbh Register
	if withG {
		g = Load(Param("gam"), GP64()) // not "g": the Go assembler reserves it
	}
	x := Load(Param("x"), GP64())
	p := Load(Param("p"), GP64())
	if cols {
		sb = Load(Param("sb"), GP64())
		sbh = Load(Param("sbh"), GP64())
	}
	mu, is := bcstParam("mu"), bcstParam("is")
	sg, sgh := zeros(4), zeros(4)
	loop(name, n, 16, func(off Register) {
		for k := range 4 {
			d, h := YMM(), YMM()
			VCVTPS2PD(at(x, off, 16*k), h)
			VSUBPD(mu, h, h)
			VMULPD(is, h, h)
			VCVTPS2PD(at(dy, off, 16*k), d)
			t := d
			if withG {
				t = YMM()
				VMULPD(at64(g, off, 32*k), d, t)
			}
			VADDPD(t, sg[k], sg[k])
			VFMADD231PD(h, t, sgh[k]) // sgh += t·h
			if cols {
				// sb and sbh hold float64s: byte offset 2·off.
				c := Mem{Base: sb, Index: off, Scale: 2, Disp: 32 * k}
				ch := Mem{Base: sbh, Index: off, Scale: 2, Disp: 32 * k}
				u, w := YMM(), YMM()
				VADDPD(c, d, u)
				VMOVUPD(u, c)
				VMOVUPD(ch, w)
				VFMADD231PD(h, d, w) // sbh += dy·h
				VMOVUPD(w, ch)
			}
		}
	})
	storeCols(sg, p)
	for k := range 4 {
		VMOVUPD(sgh[k], Mem{Base: p, Disp: 128 + 32*k})
	}
	Store(addAcc(sg), ReturnIndex(0))
	Store(addAcc(sgh), ReturnIndex(1))
	VZEROUPPER()
	RET()
}

// lnGradX: ĝ = dy·g (dy without g; g in float64);
// dx = float32((ĝ·a + c) − (x − mu)·e), both fused.
func lnGradX(withG bool) {
	name, gh := "lnGradXPS", "dy⊙gam"
	args := "n int, dx, dy *float32, gam *float64, x *float32, mu, a, c, e float64"
	if !withG {
		name, gh = "lnGradXNoGPS", "dy"
		args = "n int, dx, dy, x *float32, mu, a, c, e float64"
	}
	TEXT(name, NOSPLIT, "func("+args+")")
	Doc(fmt.Sprintf("%s writes (%s·a + c) − (x − mu)·e of n values, a multiple of 8, each step fused, rounded to float32, into dx; see NormGradRowX.", name, gh))
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	dx := Load(Param("dx"), GP64())
	dy := Load(Param("dy"), GP64())
	var g Register
	if withG {
		g = Load(Param("gam"), GP64()) // not "g": the Go assembler reserves it
	}
	x := Load(Param("x"), GP64())
	mu, a, c, e := bcstParam("mu"), bcstParam("a"), bcstParam("c"), bcstParam("e")
	loop(name, n, 8, func(off Register) {
		for k := range 2 {
			t, u, o := YMM(), YMM(), XMM()
			VCVTPS2PD(at(dy, off, 16*k), t)
			if withG {
				VMULPD(at64(g, off, 32*k), t, t)
			}
			VFMADD213PD(c, a, t) // t = ĝ·a + c
			VCVTPS2PD(at(x, off, 16*k), u)
			VSUBPD(mu, u, u)
			VFNMADD231PD(e, u, t) // t −= u·e
			VCVTPD2PSY(t, o)
			VMOVUPS(o, at(dx, off, 16*k))
		}
	})
	VZEROUPPER()
	RET()
}

// lnGradScalarX: dx = float32(k2·(x − mu) + (k1·dy + k3)), in float64,
// both fused.
func lnGradScalarX() {
	const name = "lnGradScalarXPS"
	TEXT(name, NOSPLIT, "func(n int, dx, dy, x *float32, mu, k1, k2, k3 float64)")
	Doc(name + " writes k2·(x − mu) + (k1·dy + k3) of n values, a multiple of 8, each step fused, rounded to float32, into dx; see NormGradRowScalarX.")
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	dx := Load(Param("dx"), GP64())
	dy := Load(Param("dy"), GP64())
	x := Load(Param("x"), GP64())
	mu, k1, k2, k3 := bcstParam("mu"), bcstParam("k1"), bcstParam("k2"), bcstParam("k3")
	loop(name, n, 8, func(off Register) {
		for k := range 2 {
			t, u, o := YMM(), YMM(), XMM()
			VCVTPS2PD(at(dy, off, 16*k), t)
			VFMADD213PD(k3, k1, t) // t = k1·dy + k3
			VCVTPS2PD(at(x, off, 16*k), u)
			VSUBPD(mu, u, u)
			VFMADD231PD(k2, u, t) // t += k2·u
			VCVTPD2PSY(t, o)
			VMOVUPS(o, at(dx, off, 16*k))
		}
	})
	VZEROUPPER()
	RET()
}

// at64 addresses the float64 of a scratch row at the value whose float32
// byte offset is off.
func at64(p, off Register, disp int) Mem { return Mem{Base: p, Index: off, Scale: 2, Disp: disp} }

// lnSumStore: s[i] = float64(x[i]); p[i mod 16] += s[i].
func lnSumStore() {
	const name = "lnSumStorePS"
	TEXT(name, NOSPLIT, "func(n int, x *float32, s *float64, p *[16]float64) float64")
	Doc(name + " converts n values of x, a multiple of 16, to float64 into s and sums them into 16 partial sums p, and returns the sum of the partials; see RowSumTo.")
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	x := Load(Param("x"), GP64())
	sp := Load(Param("s"), GP64())
	p := Load(Param("p"), GP64())
	acc := zeros(4)
	loop(name, n, 16, func(off Register) {
		for k := range 4 {
			t := YMM()
			VCVTPS2PD(at(x, off, 16*k), t)
			VMOVUPD(t, at64(sp, off, 32*k))
			VADDPD(t, acc[k], acc[k])
		}
	})
	storeCols(acc, p)
	Store(addAcc(acc), ReturnIndex(0))
	VZEROUPPER()
	RET()
}

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

// lnNorm64: h = (s − mu)·is in float64; y = float32(h), with form Scale
// y = float32(h·g), with Affine y = float32(h·g + b) (fused), g and b in
// float64.
func lnNorm64(form string) {
	name := "lnNorm" + form + "PD"
	sig := "func(n int, y *float32, s *float64, mu, is float64)"
	also := "h"
	switch form {
	case "Scale":
		sig = "func(n int, y *float32, s *float64, mu, is float64, gam *float64)"
		also = "h·gam"
	case "Affine":
		sig = "func(n int, y *float32, s *float64, mu, is float64, gam, b *float64)"
		also = "h·gam + b (fused)"
	}
	TEXT(name, NOSPLIT, sig)
	Doc(fmt.Sprintf("%s writes %s of n values, a multiple of 8, rounded to float32, into y, h = (s − mu)·is; see NormRow64.", name, also))
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	y := Load(Param("y"), GP64())
	sp := Load(Param("s"), GP64())
	var g, b Register
	if form != "" {
		g = Load(Param("gam"), GP64()) // not "g": the Go assembler reserves it
	}
	if form == "Affine" {
		b = Load(Param("b"), GP64())
	}
	mu, is := bcstParam("mu"), bcstParam("is")
	loop(name, n, 8, func(off Register) {
		for k := range 2 {
			t, hv := YMM(), XMM()
			VMOVUPD(at64(sp, off, 32*k), t)
			VSUBPD(mu, t, t)
			VMULPD(is, t, t)
			switch form {
			case "Scale":
				VMULPD(at64(g, off, 32*k), t, t)
			case "Affine":
				gv := YMM()
				VMOVUPD(at64(g, off, 32*k), gv)
				VFMADD213PD(at64(b, off, 32*k), gv, t) // t = h·g + b
			}
			VCVTPD2PSY(t, hv)
			VMOVUPS(hv, at(y, off, 16*k))
		}
	})
	VZEROUPPER()
	RET()
}

// lnNormScalar64: y = float32((s − mu)·a + b) (fused), in float64, with
// one a (γ/σ) and b for the whole run.
func lnNormScalar64() {
	const name = "lnNormScalarPD"
	TEXT(name, NOSPLIT, "func(n int, y *float32, s *float64, mu, a, b float64)")
	Doc(name + " writes (s − mu)·a + b (fused) of n values, a multiple of 8, rounded to float32, into y; see NormRowScalar64.")
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	y := Load(Param("y"), GP64())
	sp := Load(Param("s"), GP64())
	mu, a, b := bcstParam("mu"), bcstParam("a"), bcstParam("b")
	loop(name, n, 8, func(off Register) {
		for k := range 2 {
			t, hv := YMM(), XMM()
			VMOVUPD(at64(sp, off, 32*k), t)
			VSUBPD(mu, t, t)
			VFMADD213PD(b, a, t) // t = (s − mu)·a + b
			VCVTPD2PSY(t, hv)
			VMOVUPS(hv, at(y, off, 16*k))
		}
	})
	VZEROUPPER()
	RET()
}

// lnSumDotDev: p[i mod 16] += dy[i]; p[16 + i mod 16] += dy[i]·(x[i] − mu)
// (fused), in float64.
func lnSumDotDev() {
	const name = "lnSumDotDevPS"
	TEXT(name, NOSPLIT, "func(n int, dy, x *float32, mu float64, p *[32]float64) (sd, sdd float64)")
	Doc(name + " sums n values of dy, a multiple of 16, into p[:16] and of dy·(x − mu) into p[16:], 16 partial sums each in float64, and returns the two sums of the partials; see RowSumDotDev.")
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	dy := Load(Param("dy"), GP64())
	x := Load(Param("x"), GP64())
	p := Load(Param("p"), GP64())
	mu := bcstParam("mu")
	sd, sdd := zeros(4), zeros(4)
	loop(name, n, 16, func(off Register) {
		for k := range 4 {
			d, u := YMM(), YMM()
			VCVTPS2PD(at(x, off, 16*k), u)
			VSUBPD(mu, u, u)
			VCVTPS2PD(at(dy, off, 16*k), d)
			VADDPD(d, sd[k], sd[k])
			VFMADD231PD(u, d, sdd[k]) // sdd += dy·(x − mu)
		}
	})
	storeCols(sd, p)
	for k := range 4 {
		VMOVUPD(sdd[k], Mem{Base: p, Disp: 128 + 32*k})
	}
	Store(addAcc(sd), ReturnIndex(0))
	Store(addAcc(sdd), ReturnIndex(1))
	VZEROUPPER()
	RET()
}
