package main

import (
	"fmt"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The float32 norm kernels below are layer, RMS and group norm's passes
// over one float32 row in float32 arithmetic (package vec's norm32.go):
// every operation is rounded to float32 on its own, in the order of the Go
// loops, a product fused into the sum it feeds (VFMADD…PS, which the Go
// loops emulate exactly, fma32), so that the Go loops give the same bits.
// The statistics' sums (ln32SumShiftPS, ln32SumSqDevPS) are float64 as
// norm.go's; the backward's row sums (ln32GradSums) add their terms in
// float32 partials over chunks of 64 values (16 partials of 4 values) and
// each chunk's partials into 16 float64 partials in p.

// norm32Kernels emits every float32 norm kernel.
func norm32Kernels() {
	ln32SumSqDev()
	ln32SumShift(false)
	ln32SumShift(true)
	for _, z := range []bool{false, true} {
		for _, beta := range []bool{false, true} {
			ln32Norm(beta, z)
		}
		for _, withG := range []bool{true, false} {
			ln32GradX(withG, z)
		}
		gn32Norm(z)
		gn32GradX(z)
	}
	for _, withG := range []bool{true, false} {
		for _, cols := range []bool{true, false} {
			ln32GradSums(withG, cols)
			ln32GradSumsZ(withG, cols)
		}
	}
	flush32To64()
}

// bcst32Z broadcasts the float32 parameter name to a new ZMM vector.
func bcst32Z(name string) VecVirtual {
	v := ZMM()
	p, _ := Param(name).Resolve()
	VBROADCASTSS(p.Addr, v)
	return v
}

// width32 describes the element-wise kernels' vectors: with z, one ZMM
// register of 16 float32 values a step of 16 (AVX-512F), the kernel's name
// suffixed Z; without, two YMM registers of 8.
type width32 struct{ z bool }

func (w width32) vec() VecVirtual {
	if w.z {
		return ZMM()
	}
	return YMM()
}

// parts returns the byte offsets of a step's vectors.
func (w width32) parts() []int {
	if w.z {
		return []int{0}
	}
	return []int{0, 32}
}

func (w width32) bcst(name string) VecVirtual {
	if w.z {
		return bcst32Z(name)
	}
	return bcst32(name)
}

func (w width32) name(n string) string {
	if w.z {
		return n + "Z"
	}
	return n
}

// about is the end of an element-wise kernel's doc comment: the AVX-512
// form's relation to the AVX2 one.
func (w width32) about(n string) string {
	if w.z {
		return " With AVX-512F, the same bits as " + n + "."
	}
	return ""
}

// zerosZ returns k zeroed ZMM vectors.
func zerosZ(k int) []VecVirtual {
	v := make([]VecVirtual, k)
	for i := range v {
		v[i] = ZMM()
		VPXORQ(v[i], v[i], v[i])
	}
	return v
}

// addAccZ returns the sum of the 16 float64 partials in the ZMM vectors
// lo (partials 0–7) and hi (8–15), added as addAcc adds them.
func addAccZ(lo, hi VecVirtual) VecVirtual {
	acc := make([]VecVirtual, 4)
	for j, z := range []VecVirtual{lo, hi} {
		acc[2*j], acc[2*j+1] = YMM(), YMM()
		VEXTRACTF64X4(U8(0), z, acc[2*j])
		VEXTRACTF64X4(U8(1), z, acc[2*j+1])
	}
	return addAcc(acc)
}

// bcst32 broadcasts the float32 parameter name to a new vector.
func bcst32(name string) VecVirtual {
	v := YMM()
	p, _ := Param(name).Resolve()
	VBROADCASTSS(p.Addr, v)
	return v
}

// ln32SumSqDev: d = float64(x[i]) − mu; p[i mod 16] += d·d (fused).
func ln32SumSqDev() {
	const name = "ln32SumSqDevPS"
	TEXT(name, NOSPLIT, "func(n int, x *float32, mu float64, p *[16]float64) float64")
	Doc(name + " sums the squares of n values of x less mu, a multiple of 16, in float64, into 16 partial sums p, and returns the sum of the partials; see RowSumSqDev32.")
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	x := Load(Param("x"), GP64())
	p := Load(Param("p"), GP64())
	mu := bcstParam("mu")
	acc := zeros(4)
	loop(name, n, 16, func(off Register) {
		for k := range 4 {
			t := YMM()
			VCVTPS2PD(at(x, off, 16*k), t)
			VSUBPD(mu, t, t)
			VFMADD231PD(t, t, acc[k]) // acc += t·t
		}
	})
	storeCols(acc, p)
	Store(addAcc(acc), ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// ln32SumShift: d = float64(x[i]) − k; p[i mod 16] += d; p[16 + i mod 16]
// += d·d (fused). With z (AVX-512F), eight float64 partials a vector
// rather than four: the same 16 partials taking the same values in the
// same order, so the same bits with half the instructions.
func ln32SumShift(z bool) {
	w := width32{z}
	name := w.name("ln32SumShiftPS")
	TEXT(name, NOSPLIT, "func(n int, x *float32, k float64, p *[32]float64) (s1, s2 float64)")
	if z {
		Doc(name + " is ln32SumShiftPS with AVX-512F: the same partial sums, the same bits.")
	} else {
		Doc(name + " sums n values of x less k, a multiple of 16, in float64, into p[:16] and their squares into p[16:], 16 partial sums each, and returns the two sums of the partials; see RowSumShift32.")
	}
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	x := Load(Param("x"), GP64())
	p := Load(Param("p"), GP64())
	// nv vectors of float64 partials a sum, 128/nv bytes each.
	nv, k, zero := 4, VecVirtual(nil), zeros
	if z {
		nv, k, zero = 2, ZMM(), zerosZ
		kp, _ := Param("k").Resolve()
		VBROADCASTSD(kp.Addr, k)
	} else {
		k = bcstParam("k")
	}
	s1, s2 := zero(nv), zero(nv)
	loop(name, n, 16, func(off Register) {
		for j := range nv {
			t := w.vec()
			VCVTPS2PD(at(x, off, 64/nv*j), t)
			VSUBPD(k, t, t)
			VADDPD(t, s1[j], s1[j])
			VFMADD231PD(t, t, s2[j]) // s2 += t·t
		}
	})
	for i, s := range [][]VecVirtual{s1, s2} {
		for j := range nv {
			VMOVUPD(s[j], Mem{Base: p, Disp: 128*i + 128/nv*j})
		}
	}
	// The sums of the partials from the registers (reading p back would
	// wait for the stores).
	for i, s := range [][]VecVirtual{s1, s2} {
		if z {
			Store(addAccZ(s[0], s[1]), ReturnIndex(i))
		} else {
			Store(addAcc(s), ReturnIndex(i))
		}
	}
	VZEROUPPER()
	RET()
}

// ln32H emits h = (x − m)·r + c, the product fused into the sum, for the
// vector of values at off+disp, into a new vector of m's width.
func ln32H(x, off Register, disp int, m, r, c VecVirtual) VecVirtual {
	var h VecVirtual = YMM()
	if m.Size() == 64 {
		h = ZMM()
	}
	VMOVUPS(at(x, off, disp), h)
	VSUBPS(m, h, h)
	VFMADD213PS(c, r, h) // h = (x − m)·r + c
	return h
}

// ln32Norm: h = (x − m)·r + c (fused); y = h·γ + β (fused), or h·γ.
func ln32Norm(beta, z bool) {
	w := width32{z}
	name := "ln32NormScalePS"
	sig := "func(n int, y, x *float32, m, r, c float32, gam *float32)"
	also := "h·gam"
	if beta {
		name = "ln32NormAffinePS"
		sig = "func(n int, y, x *float32, m, r, c float32, gam, b *float32)"
		also = "h·gam + b (fused)"
	}
	base := name
	name = w.name(name)
	TEXT(name, NOSPLIT, sig)
	Doc(fmt.Sprintf("%s writes %s of n values, a multiple of 16, into y, h = (x − m)·r + c, in float32, products fused into the sums; see NormRow32.%s", name, also, w.about(base)))
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	y := Load(Param("y"), GP64())
	x := Load(Param("x"), GP64())
	g := Load(Param("gam"), GP64()) // not "g": the Go assembler reserves it
	var b Register
	if beta {
		b = Load(Param("b"), GP64())
	}
	m, r, c := w.bcst("m"), w.bcst("r"), w.bcst("c")
	loop(name, n, 16, func(off Register) {
		for _, d := range w.parts() {
			h := ln32H(x, off, d, m, r, c)
			if beta {
				gv := w.vec()
				VMOVUPS(at(g, off, d), gv)
				VFMADD213PS(at(b, off, d), gv, h) // h·γ + β
			} else {
				VMULPS(at(g, off, d), h, h)
			}
			VMOVUPS(h, at(y, off, d))
		}
	})
	VZEROUPPER()
	RET()
}

// gradSumsArgs are the registers of a row-sums kernel's arguments; g, sb
// and sbh are nil where the kernel lacks them.
type gradSumsArgs struct{ n, dy, g, x, p, sb, sbh Register }

// gradSumsHead emits the prologue of a row-sums kernel (ln32GradSums or,
// with z, its AVX-512 form): its name, the text, the doc comment doc
// returns for the name, and the loads of the arguments.
func gradSumsHead(withG, cols, z bool, doc func(name string) string) (name string, a gradSumsArgs) {
	name = "ln32GradSums"
	args := "n int, dy, gam, x *float32, m, r, c float32, p *[32]float64"
	if !withG {
		name += "NoG"
		args = "n int, dy, x *float32, m, r, c float32, p *[32]float64"
	}
	if cols {
		name += "Cols"
		args += ", sb, sbh *float32"
	}
	name += "PS"
	if z {
		name += "Z"
	}
	TEXT(name, NOSPLIT, "func("+args+") (sg, sgh float64)")
	Doc(doc(name))
	Pragma("noescape")
	a.n = Load(Param("n"), GP64())
	a.dy = Load(Param("dy"), GP64())
	if withG {
		a.g = Load(Param("gam"), GP64())
	}
	a.x = Load(Param("x"), GP64())
	a.p = Load(Param("p"), GP64())
	if cols {
		a.sb = Load(Param("sb"), GP64())
		a.sbh = Load(Param("sbh"), GP64())
	}
	return name, a
}

// gradSumsStep emits one vector's step of a row-sums kernel, at off+disp:
// h = (x − m)·r + c (fused), ĝ = dy·γ (dy without γ), qg += ĝ, qh += ĝ·h
// (fused), and, with sb, sb += dy and sbh += dy·h (fused).
func gradSumsStep(w width32, a gradSumsArgs, off Register, disp int, m, r, c, qg, qh VecVirtual) {
	h := ln32H(a.x, off, disp, m, r, c)
	d := w.vec()
	VMOVUPS(at(a.dy, off, disp), d)
	t := d
	if a.g != nil {
		t = w.vec()
		VMULPS(at(a.g, off, disp), d, t)
	}
	VADDPS(t, qg, qg)
	VFMADD231PS(h, t, qh) // qh += ĝ·h
	if a.sb != nil {
		u, v := w.vec(), w.vec()
		VADDPS(at(a.sb, off, disp), d, u)
		VMOVUPS(u, at(a.sb, off, disp))
		VMOVUPS(at(a.sbh, off, disp), v)
		VFMADD231PS(h, d, v) // sbh += dy·h
		VMOVUPS(v, at(a.sbh, off, disp))
	}
}

// ln32GradSums: h = (x − m)·r + c (fused) and ĝ = dy·γ (dy without γ) in
// float32; over each chunk of 64 values, float32 partials q[i mod 16] += ĝ
// and q'[i mod 16] += ĝ·h (fused), added at the chunk's end into p[:16]
// and p[16:] in float64; with cols also sb[i] += dy and sbh[i] += dy·h
// (fused) in float32.
func ln32GradSums(withG, cols bool) {
	gh := "dy⊙gam"
	if !withG {
		gh = "dy"
	}
	also := ""
	if cols {
		also = ", and adds dy to sb and dy⊙h to sbh"
	}
	name, a := gradSumsHead(withG, cols, false, func(name string) string {
		return fmt.Sprintf("%s sums n values of %s, a multiple of 64, into p[:16] and of %s⊙h into p[16:], h = (x − m)·r + c, in float32 partials over chunks of 64 values added into 16 float64 partial sums each%s, and returns the two sums of the partials; see NormGradSums32.", name, gh, gh, also)
	})
	n, p := a.n, a.p
	m, r, c := bcst32("m"), bcst32("r"), bcst32("c")
	loop(name, n, 64, func(off Register) {
		qg, qh := zeros(2), zeros(2) // lanes 0–7 and 8–15 of the chunk's partials
		for s := range 4 {
			for k := range 2 {
				gradSumsStep(width32{}, a, off, 64*s+32*k, m, r, c, qg[k], qh[k])
			}
		}
		// The chunk's float32 partials into the float64 ones: vector k of
		// q holds partials 8k to 8k+7, p's vector j partials 4j to 4j+3.
		for i, q := range [][]VecVirtual{qg, qh} {
			for k := range 2 {
				lo, hi, xh := YMM(), YMM(), XMM()
				VCVTPS2PD(q[k].AsX(), lo)
				VEXTRACTF128(U8(1), q[k], xh)
				VCVTPS2PD(xh, hi)
				a, b := Mem{Base: p, Disp: 128*i + 64*k}, Mem{Base: p, Disp: 128*i + 64*k + 32}
				VADDPD(a, lo, lo)
				VMOVUPD(lo, a)
				VADDPD(b, hi, hi)
				VMOVUPD(hi, b)
			}
		}
	})
	for i := range 2 {
		acc := make([]VecVirtual, 4)
		for j := range acc {
			acc[j] = YMM()
			VMOVUPD(Mem{Base: p, Disp: 128*i + 32*j}, acc[j])
		}
		Store(addAcc(acc), ReturnIndex(i))
	}
	VZEROUPPER()
	RET()
}

// ln32GradSumsZ is ln32GradSums on ZMM registers (AVX-512F): a chunk's 16
// float32 partials in one vector, the 16 float64 ones in two, kept in
// registers from the first chunk to the last; the same partials taking the
// same values in the same order, so the same bits.
func ln32GradSumsZ(withG, cols bool) {
	name, a := gradSumsHead(withG, cols, true, func(name string) string {
		return name + " is " + strings.TrimSuffix(name, "Z") + " with AVX-512F: the same partial sums, the same bits."
	})
	n, p := a.n, a.p
	m, r, c := bcst32Z("m"), bcst32Z("r"), bcst32Z("c")
	// pg and ph: the float64 partials 0–7 and 8–15 of the two sums.
	pg, ph := []VecVirtual{ZMM(), ZMM()}, []VecVirtual{ZMM(), ZMM()}
	for j := range 2 {
		VMOVUPD(Mem{Base: p, Disp: 64 * j}, pg[j])
		VMOVUPD(Mem{Base: p, Disp: 128 + 64*j}, ph[j])
	}
	loop(name, n, 64, func(off Register) {
		q := zerosZ(2) // the chunk's float32 partials of ĝ and of ĝ·h
		for s := range 4 {
			gradSumsStep(width32{z: true}, a, off, 64*s, m, r, c, q[0], q[1])
		}
		for i, acc := range [][]VecVirtual{pg, ph} {
			lo, hi, yh := ZMM(), ZMM(), YMM()
			VCVTPS2PD(q[i].AsY(), lo)
			VEXTRACTF64X4(U8(1), q[i], yh) // lanes 8–15: the upper 256 bits
			VCVTPS2PD(yh, hi)
			VADDPD(lo, acc[0], acc[0])
			VADDPD(hi, acc[1], acc[1])
		}
	})
	for j := range 2 {
		VMOVUPD(pg[j], Mem{Base: p, Disp: 64 * j})
		VMOVUPD(ph[j], Mem{Base: p, Disp: 128 + 64*j})
	}
	Store(addAccZ(pg[0], pg[1]), ReturnIndex(0))
	Store(addAccZ(ph[0], ph[1]), ReturnIndex(1))
	VZEROUPPER()
	RET()
}

// ln32GradX: ĝ = dy·γ (dy without γ); dx = ĝ·a + (k − (x − m)·e), both
// fused.
func ln32GradX(withG, z bool) {
	w := width32{z}
	name, gh := "ln32GradXPS", "dy⊙gam"
	args := "n int, dx, dy, gam, x *float32, m, a, e, k float32"
	if !withG {
		name, gh = "ln32GradXNoGPS", "dy"
		args = "n int, dx, dy, x *float32, m, a, e, k float32"
	}
	base := name
	name = w.name(name)
	TEXT(name, NOSPLIT, "func("+args+")")
	Doc(fmt.Sprintf("%s writes %s·a + (k − (x − m)·e) of n values, a multiple of 16, in float32, both fused, into dx; see NormGradRow32.%s", name, gh, w.about(base)))
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	dx := Load(Param("dx"), GP64())
	dy := Load(Param("dy"), GP64())
	var g Register
	if withG {
		g = Load(Param("gam"), GP64())
	}
	x := Load(Param("x"), GP64())
	m, a, e, kk := w.bcst("m"), w.bcst("a"), w.bcst("e"), w.bcst("k")
	loop(name, n, 16, func(off Register) {
		for _, d := range w.parts() {
			t, u := w.vec(), w.vec()
			VMOVUPS(at(x, off, d), u)
			VSUBPS(m, u, u)
			VFNMADD213PS(kk, e, u) // u = k − (x − m)·e
			VMOVUPS(at(dy, off, d), t)
			if withG {
				VMULPS(at(g, off, d), t, t)
			}
			VFMADD213PS(u, a, t) // t = ĝ·a + u
			VMOVUPS(t, at(dx, off, d))
		}
	})
	VZEROUPPER()
	RET()
}

// gn32Norm: y = (x − m)·a + b, the product fused into the sum.
func gn32Norm(z bool) {
	w := width32{z}
	name := w.name("gn32NormPS")
	TEXT(name, NOSPLIT, "func(n int, y, x *float32, m, a, b float32)")
	Doc(name + " writes (x − m)·a + b (fused) of n values, a multiple of 16, in float32, into y; see ScaleShift32." + w.about("gn32NormPS"))
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	y := Load(Param("y"), GP64())
	x := Load(Param("x"), GP64())
	m, a, b := w.bcst("m"), w.bcst("a"), w.bcst("b")
	loop(name, n, 16, func(off Register) {
		for _, d := range w.parts() {
			t := w.vec()
			VMOVUPS(at(x, off, d), t)
			VSUBPS(m, t, t)
			VFMADD213PS(b, a, t) // t = (x − m)·a + b
			VMOVUPS(t, at(y, off, d))
		}
	})
	VZEROUPPER()
	RET()
}

// gn32GradX: dx = k1·dy + ((x − m)·k2 + k3), both fused.
func gn32GradX(z bool) {
	w := width32{z}
	name := w.name("gn32GradXPS")
	TEXT(name, NOSPLIT, "func(n int, dx, dy, x *float32, m, k1, k2, k3 float32)")
	Doc(name + " writes k1·dy + ((x − m)·k2 + k3) of n values, a multiple of 16, in float32, both fused, into dx; see GradShift32." + w.about("gn32GradXPS"))
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	dx := Load(Param("dx"), GP64())
	dy := Load(Param("dy"), GP64())
	x := Load(Param("x"), GP64())
	m, k1, k2, k3 := w.bcst("m"), w.bcst("k1"), w.bcst("k2"), w.bcst("k3")
	loop(name, n, 16, func(off Register) {
		for _, d := range w.parts() {
			u := w.vec()
			VMOVUPS(at(x, off, d), u)
			VSUBPS(m, u, u)
			VFMADD213PS(k3, k2, u)             // u = (x − m)·k2 + k3
			VFMADD231PS(at(dy, off, d), k1, u) // u += k1·dy
			VMOVUPS(u, at(dx, off, d))
		}
	})
	VZEROUPPER()
	RET()
}

// flush32To64: d[i] += float64(s[i]); s[i] = 0.
func flush32To64() {
	const name = "flush32To64PS"
	TEXT(name, NOSPLIT, "func(n int, d *float64, s *float32)")
	Doc(name + " adds n values of s, a multiple of 8, converted to float64, to d and zeroes them; see Flush32To64.")
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	d := Load(Param("d"), GP64())
	sp := Load(Param("s"), GP64())
	z := zeros(1)[0]
	loop(name, n, 8, func(off Register) {
		for k := range 2 {
			t := YMM()
			VCVTPS2PD(at(sp, off, 16*k), t)
			VADDPD(at64(d, off, 32*k), t, t)
			VMOVUPD(t, at64(d, off, 32*k))
		}
		VMOVUPS(z, at(sp, off, 0))
	})
	VZEROUPPER()
	RET()
}
