package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// winoKernels emits the weight transforms of Winograd F(2×2, 3×3) (package
// vec's WinoWeights and WinoWeightsAdjoint, wino.go there): winoWeightsPS
// and winoWeightsPD write U = G g Gᵀ of n 3×3 kernels, n a positive
// multiple of the lanes (8 float32s, 4 float64s), and winoWeightsAdjPS and
// winoWeightsAdjPD dW = Gᵀ dU G. A vector holds one tap of consecutive
// kernels, so every operation is the Go twin's on each kernel, in its
// order; halving is a product by ½, which is exact where x/2 is and rounds
// alike where it is not (subnormal x). The kernels' 9 taps, 9 values apart,
// become vectors by an 8×8 (4×4) transpose of rows loaded at each kernel's
// start, the last tap by scalar inserts; the adjoint transposes back the
// same way.
//
// It then emits the float32 tile transforms of one channel plane
// (WinoInputRows, WinoInputAdjointRows, WinoOutputAdjointRows,
// WinoOutputRows): along a row of tiles, 4 tiles to an XMM vector, the
// plane's even and odd columns deinterleaved by shuffles; down a strip's
// columns, whole YMM vectors of the padded row. AVX alone suffices for
// all of them.
func winoKernels() {
	for _, f64 := range []bool{false, true} {
		winoWeights(f64)
		winoWeightsAdj(f64)
	}
	winoMask = GLOBL("winoMask", RODATA|NOPTR)
	for i := range 8 {
		v := uint32(0)
		if i < 4 {
			v = 0xFFFFFFFF
		}
		DATA(4*i, U32(v))
	}
	winoInputRows()
	winoInputAdjRows()
	winoOutputAdjRows()
	winoOutputRows()
	padRows()
}

// winoPtrs loads the parameters shared by the kernels: n, the matrix
// pointer m (u or du), its step in elements turned into bytes s1 and 3·s1,
// the kernels' pointer k (w or dw), and the run pointers p[i] = m + 4i·s1,
// so that run ξ = 4i + j is at p[i] + j·s1.
func winoPtrs(e elem, mName, kName string) (n, k, s1, s3 Register, p [4]Register) {
	n = Load(Param("n"), GP64())
	m := Load(Param(mName), GP64())
	s1 = Load(Param("step"), GP64())
	k = Load(Param(kName), GP64())
	if e.size == 4 {
		SHLQ(U8(2), s1)
	} else {
		SHLQ(U8(3), s1)
	}
	s3 = GP64()
	LEAQ(Mem{Base: s1, Index: s1, Scale: 2}, s3)
	s4 := GP64()
	MOVQ(s1, s4)
	SHLQ(U8(2), s4)
	p[0] = m
	for i := 1; i < 4; i++ {
		p[i] = GP64()
		LEAQ(Mem{Base: p[i-1], Index: s4, Scale: 1}, p[i])
	}
	return
}

// winoRun returns the address of run ξ at the current kernels.
func winoRun(p [4]Register, s1, s3 Register, xi int) Mem {
	b := p[xi/4]
	switch xi % 4 {
	case 0:
		return Mem{Base: b}
	case 1:
		return Mem{Base: b, Index: s1, Scale: 1}
	case 2:
		return Mem{Base: b, Index: s1, Scale: 2}
	}
	return Mem{Base: b, Index: s3, Scale: 1}
}

// winoSub returns the vector instruction of a − b, in avo's order
// (sub(b, a, d): d = a − b).
func winoSub(e elem) func(...Op) {
	if e.size == 8 {
		return VSUBPD
	}
	return VSUBPS
}

// winoHalf returns the constant vector of halves of e's type.
func winoHalf(e elem) Mem {
	if e.size == 8 {
		return kc(0.5)
	}
	return kb(0x3F000000_3F000000)
}

// transpose8 transposes the 8×8 float32 matrix whose rows are r: row i of
// the result holds element i of every r.
func transpose8(r []VecVirtual) []VecVirtual {
	var t, s, o [8]VecVirtual
	for i := range 4 {
		t[2*i], t[2*i+1] = YMM(), YMM()
		VUNPCKLPS(r[2*i+1], r[2*i], t[2*i])   // a0 b0 a1 b1 | a4 b4 a5 b5
		VUNPCKHPS(r[2*i+1], r[2*i], t[2*i+1]) // a2 b2 a3 b3 | a6 b6 a7 b7
	}
	for h := range 2 {
		for i := range 2 {
			a, b := t[4*h+i], t[4*h+2+i]
			s[4*h+2*i], s[4*h+2*i+1] = YMM(), YMM()
			VSHUFPS(U8(0x44), b, a, s[4*h+2*i])   // a0 b0 c0 d0 | a4 b4 c4 d4
			VSHUFPS(U8(0xEE), b, a, s[4*h+2*i+1]) // a1 b1 c1 d1 | a5 b5 c5 d5
		}
	}
	for i := range 4 {
		o[i], o[4+i] = YMM(), YMM()
		VPERM2F128(U8(0x20), s[4+i], s[i], o[i])
		VPERM2F128(U8(0x31), s[4+i], s[i], o[4+i])
	}
	return o[:]
}

// transpose4 transposes the 4×4 float64 matrix whose rows are r.
func transpose4(r []VecVirtual) []VecVirtual {
	t := [4]VecVirtual{YMM(), YMM(), YMM(), YMM()}
	VUNPCKLPD(r[1], r[0], t[0]) // a0 b0 | a2 b2
	VUNPCKHPD(r[1], r[0], t[1]) // a1 b1 | a3 b3
	VUNPCKLPD(r[3], r[2], t[2]) // c0 d0 | c2 d2
	VUNPCKHPD(r[3], r[2], t[3]) // c1 d1 | c3 d3
	o := []VecVirtual{YMM(), YMM(), YMM(), YMM()}
	VPERM2F128(U8(0x20), t[2], t[0], o[0])
	VPERM2F128(U8(0x20), t[3], t[1], o[1])
	VPERM2F128(U8(0x31), t[2], t[0], o[2])
	VPERM2F128(U8(0x31), t[3], t[1], o[3])
	return o
}

// winoLoadTaps returns the 9 taps of the kernels at k as vectors, tap j of
// kernel q in lane q.
func winoLoadTaps(e elem, k Register) []VecVirtual {
	lanes := 32 / e.size
	kb := 9 * e.size // bytes per kernel
	var taps []VecVirtual
	if e.size == 4 {
		rows := make([]VecVirtual, 8)
		for q := range rows {
			rows[q] = YMM()
			VMOVUPS(Mem{Base: k, Disp: kb * q}, rows[q])
		}
		taps = transpose8(rows)
	} else {
		for h := range 2 {
			rows := make([]VecVirtual, 4)
			for q := range rows {
				rows[q] = YMM()
				VMOVUPD(Mem{Base: k, Disp: kb*q + 32*h}, rows[q])
			}
			taps = append(taps, transpose4(rows)...)
		}
	}
	// The last tap, lane by lane.
	t8, hi := YMM(), XMM()
	half := lanes / 2
	for q := range lanes {
		x := t8.AsX()
		if q >= half {
			x = hi
		}
		a := Mem{Base: k, Disp: kb*q + 8*e.size}
		switch {
		case q%half == 0 && e.size == 4:
			VMOVSS(a, x)
		case e.size == 4:
			VINSERTPS(U8((q%half)<<4), a, x, x)
		case q%half == 0:
			VMOVSD(a, x)
		default:
			VMOVHPD(a, x, x)
		}
	}
	VINSERTF128(U8(1), hi, t8, t8)
	return append(taps, t8)
}

// winoStoreTaps stores the 9 vectors of taps as kernels at k, the
// inverse of winoLoadTaps.
func winoStoreTaps(e elem, k Register, taps []VecVirtual) {
	lanes := 32 / e.size
	kb := 9 * e.size
	if e.size == 4 {
		for q, r := range transpose8(taps[:8]) {
			VMOVUPS(r, Mem{Base: k, Disp: kb * q})
		}
	} else {
		for h := range 2 {
			for q, r := range transpose4(taps[4*h : 4*h+4]) {
				VMOVUPD(r, Mem{Base: k, Disp: kb*q + 32*h})
			}
		}
	}
	t8, hi := taps[8], XMM()
	VEXTRACTF128(U8(1), t8, hi)
	half := lanes / 2
	for q := range lanes {
		x := t8.AsX()
		if q >= half {
			x = hi
		}
		a := Mem{Base: k, Disp: kb*q + 8*e.size}
		switch {
		case q%half == 0 && e.size == 4:
			VMOVSS(x, a)
		case e.size == 4:
			VEXTRACTPS(U8(q%half), x, a)
		case q%half == 0:
			VMOVSD(x, a)
		default:
			VMOVHPD(x, a)
		}
	}
}

// winoWeights emits winoWeightsPS/PD: U = G g Gᵀ, each row (a, b, c) of g
// becoming (a, (a+c)·½ + b·½, (a+c)·½ − b·½, c), then each column of g Gᵀ
// likewise.
func winoWeights(f64 bool) {
	e := elemOf(f64)
	name := "winoWeights" + e.sfx
	TEXT(name, NOSPLIT, "func(n int, u *"+e.t+", step int, w *"+e.t+")")
	Doc(name + " writes U = G g Gᵀ of n kernels of w, a positive multiple of the vector's lanes, to the 16 runs of u step apart; see WinoWeights.")
	Pragma("noescape")
	n, w, s1, s3, p := winoPtrs(e, "u", "w")
	sub, hm := winoSub(e), winoHalf(e)
	half := YMM()
	e.mov(hm, half)
	lanes := 32 / e.size
	Label(name + "_loop")
	k := winoLoadTaps(e, w)
	store := func(v VecVirtual, xi int) { e.mov(v, winoRun(p, s1, s3, xi)) }
	// row returns (a, (a+c)·½ + b·½, (a+c)·½ − b·½, c).
	row := func(a, b, c VecVirtual) [4]VecVirtual {
		s, h, r1, r2 := YMM(), YMM(), YMM(), YMM()
		e.add(c, a, s)
		e.mul(half, s, s)
		e.mul(half, b, h)
		e.add(h, s, r1)
		sub(h, s, r2)
		return [4]VecVirtual{a, r1, r2, c}
	}
	r0 := row(k[0], k[1], k[2])
	for j, v := range r0 {
		store(v, j)
	}
	r2 := row(k[6], k[7], k[8])
	for j, v := range r2 {
		store(v, 12+j)
	}
	var t [4]VecVirtual
	for j := range 4 {
		t[j] = YMM()
		e.add(r2[j], r0[j], t[j])
		e.mul(half, t[j], t[j])
	}
	r1 := row(k[3], k[4], k[5])
	for j := range 4 {
		h, a, b := YMM(), YMM(), YMM()
		e.mul(half, r1[j], h)
		e.add(h, t[j], a)
		sub(h, t[j], b)
		store(a, 4+j)
		store(b, 8+j)
	}
	ADDQ(U32(9*32), w)
	for _, r := range p {
		ADDQ(U8(32), r)
	}
	SUBQ(U8(lanes), n)
	JNZ(LabelRef(name + "_loop"))
	VZEROUPPER()
	RET()
}

// winoWeightsAdj emits winoWeightsAdjPS/PD: dW = Gᵀ dU G, each row x of dU
// becoming (x0 + (x1+x2)·½, (x1−x2)·½, (x1+x2)·½ + x3), then each column
// of dU G likewise.
func winoWeightsAdj(f64 bool) {
	e := elemOf(f64)
	name := "winoWeightsAdj" + e.sfx
	TEXT(name, NOSPLIT, "func(n int, dw *"+e.t+", du *"+e.t+", step int)")
	Doc(name + " writes dW = Gᵀ dU G of n kernels, a positive multiple of the vector's lanes, to dw from the 16 runs of du step apart; see WinoWeightsAdjoint.")
	Pragma("noescape")
	n, dw, s1, s3, p := winoPtrs(e, "du", "dw")
	sub, half := winoSub(e), winoHalf(e)
	lanes := 32 / e.size
	Label(name + "_loop")
	// adj returns (x0 + (x1+x2)·½, (x1−x2)·½, (x1+x2)·½ + x3).
	adj := func(x0, x1, x2, x3 Op) [3]VecVirtual {
		s, d, a, b := YMM(), YMM(), YMM(), YMM()
		e.add(x2, x1, s)
		e.mul(half, s, s)
		sub(x2, x1, d)
		e.mul(half, d, d)
		e.add(s, x0, a)
		e.add(x3, s, b)
		return [3]VecVirtual{a, d, b}
	}
	var r [12]VecVirtual
	for i := range 4 {
		var x [4]VecVirtual
		for j := range x {
			x[j] = YMM()
			e.mov(winoRun(p, s1, s3, 4*i+j), x[j])
		}
		c := adj(x[0], x[1], x[2], x[3])
		r[3*i], r[3*i+1], r[3*i+2] = c[0], c[1], c[2]
	}
	k := make([]VecVirtual, 9)
	for j := range 3 {
		c := adj(r[j], r[3+j], r[6+j], r[9+j])
		k[j], k[3+j], k[6+j] = c[0], c[1], c[2]
	}
	winoStoreTaps(e, dw, k)
	ADDQ(U32(9*32), dw)
	for _, r := range p {
		ADDQ(U8(32), r)
	}
	SUBQ(U8(lanes), n)
	JNZ(LabelRef(name + "_loop"))
	VZEROUPPER()
	RET()
}

// winoInputRows emits winoInputRowsPS, the tile transform of one float32
// channel plane of Winograd's input (vec.WinoInputRows): for each row of
// tiles, Bᵀ down the columns of the strip of 4 rows of buf the tiles
// share, into strip, Bᵀa = (a0−a2, a1+a2, a2−a1, a1−a3), over whole
// vectors of the row stride wps (a multiple of 8); then along each tile's
// row, 4 tiles to a vector: the even and odd columns of the strip,
// deinterleaved, are a0 and a1 of 4 tiles, and those two columns further
// a2 and a3. The last tw mod 4 tiles are stored under a mask.
func winoInputRows() {
	TEXT("winoInputRowsPS", NOSPLIT, "func(v *float32, vstep int, buf, strip *float32, wps, tw, th int)")
	Doc("winoInputRowsPS writes V = Bᵀ d B of the th×tw tiles of the padded plane buf, rows wps apart, to the 16 runs of v vstep apart; see WinoInputRows.")
	Pragma("noescape")
	pv, s1, s3, b, wb, w3, ty, _ := winoRowsArgs("v", "vstep", "buf", false)
	st := Load(Param("strip"), GP64())
	P, q, cnt := GP64(), GP64(), GP64()

	Label("winoInputRowsPS_row")
	// Bᵀ down the columns, over whole vectors of the stride.
	MOVQ(b, P)
	MOVQ(st, q)
	Load(Param("wps"), cnt)
	SHRQ(U8(3), cnt)
	Label("winoInputRowsPS_col")
	{
		d := [4]VecVirtual{YMM(), YMM(), YMM(), YMM()}
		VMOVUPS(Mem{Base: P}, d[0])
		VMOVUPS(Mem{Base: P, Index: wb, Scale: 1}, d[1])
		VMOVUPS(Mem{Base: P, Index: wb, Scale: 2}, d[2])
		VMOVUPS(Mem{Base: P, Index: w3, Scale: 1}, d[3])
		x := [4]VecVirtual{YMM(), YMM(), YMM(), YMM()}
		VSUBPS(d[2], d[0], x[0])
		VADDPS(d[2], d[1], x[1])
		VSUBPS(d[1], d[2], x[2])
		VSUBPS(d[3], d[1], x[3])
		VMOVUPS(x[0], Mem{Base: q})
		VMOVUPS(x[1], Mem{Base: q, Index: wb, Scale: 1})
		VMOVUPS(x[2], Mem{Base: q, Index: wb, Scale: 2})
		VMOVUPS(x[3], Mem{Base: q, Index: w3, Scale: 1})
	}
	ADDQ(U8(32), P)
	ADDQ(U8(32), q)
	DECQ(cnt)
	JNZ(LabelRef("winoInputRowsPS_col"))

	// Bᵀ along the tiles' rows, row i of the strip into runs 4i … 4i+3.
	// tiles computes 4 tiles from the strip at P and stores them with st.
	tiles := func(store func(x VecVirtual, m Mem)) {
		a, b, c, d := XMM(), XMM(), XMM(), XMM()
		VMOVUPS(Mem{Base: P}, a)
		VMOVUPS(Mem{Base: P, Disp: 16}, b)
		VMOVUPS(Mem{Base: P, Disp: 8}, c)
		VMOVUPS(Mem{Base: P, Disp: 24}, d)
		a0, a1, a2, a3 := XMM(), XMM(), XMM(), XMM()
		VSHUFPS(U8(0x88), b, a, a0) // columns 2t
		VSHUFPS(U8(0xDD), b, a, a1) // 2t + 1
		VSHUFPS(U8(0x88), d, c, a2) // 2t + 2
		VSHUFPS(U8(0xDD), d, c, a3) // 2t + 3
		x := [4]VecVirtual{XMM(), XMM(), XMM(), XMM()}
		VSUBPS(a2, a0, x[0])
		VADDPS(a2, a1, x[1])
		VSUBPS(a1, a2, x[2])
		VSUBPS(a3, a1, x[3])
		store(x[0], Mem{Base: q})
		store(x[1], Mem{Base: q, Index: s1, Scale: 1})
		store(x[2], Mem{Base: q, Index: s1, Scale: 2})
		store(x[3], Mem{Base: q, Index: s3, Scale: 1})
	}
	for i := range 4 {
		switch i {
		case 0:
			MOVQ(st, P)
			MOVQ(pv, q)
		case 1:
			LEAQ(Mem{Base: st, Index: wb, Scale: 1}, P)
			LEAQ(Mem{Base: pv, Index: s1, Scale: 4}, q)
		case 2:
			LEAQ(Mem{Base: st, Index: wb, Scale: 2}, P)
			LEAQ(Mem{Base: pv, Index: s1, Scale: 8}, q)
		case 3:
			LEAQ(Mem{Base: st, Index: w3, Scale: 1}, P)
			LEAQ(Mem{Base: pv, Index: s3, Scale: 4}, q)
		}
		lbl := fmt.Sprintf("winoInputRowsPS_i%d", i)
		Load(Param("tw"), cnt)
		SHRQ(U8(2), cnt)
		JZ(LabelRef(lbl + "_tail"))
		Label(lbl)
		tiles(func(x VecVirtual, m Mem) { VMOVUPS(x, m) })
		ADDQ(U8(32), P)
		ADDQ(U8(16), q)
		DECQ(cnt)
		JNZ(LabelRef(lbl))
		Label(lbl + "_tail")
		tailStores(tiles, cnt, ty, lbl)
	}
	Load(Param("tw"), cnt)
	LEAQ(Mem{Base: pv, Index: cnt, Scale: 4}, pv)
	LEAQ(Mem{Base: b, Index: wb, Scale: 2}, b)
	DECQ(ty)
	JNZ(LabelRef("winoInputRowsPS_row"))
	VZEROUPPER()
	RET()
}

// winoRowsArgs loads the arguments shared by the tile kernels: the runs'
// pointer and step in bytes s1 and 3·s1, the plane's pointer and row
// stride in bytes wb and 3·wb, the rows of tiles, and if withMask the
// mask of the first tw mod 4 lanes.
func winoRowsArgs(runs, step, plane string, withMask bool) (pv, s1, s3, b, wb, w3, ty Register, mask VecVirtual) {
	pv = Load(Param(runs), GP64())
	s1 = Load(Param(step), GP64())
	SHLQ(U8(2), s1)
	s3 = GP64()
	LEAQ(Mem{Base: s1, Index: s1, Scale: 2}, s3)
	b = Load(Param(plane), GP64())
	wb = Load(Param("wps"), GP64())
	SHLQ(U8(2), wb)
	w3 = GP64()
	LEAQ(Mem{Base: wb, Index: wb, Scale: 2}, w3)
	ty = Load(Param("th"), GP64())
	if !withMask {
		return
	}
	mask = XMM()
	r, tp := Load(Param("tw"), GP64()), GP64()
	ANDQ(U8(3), r)
	NEGQ(r)
	LEAQ(winoMask.Offset(16), tp)
	VMOVUPS(Mem{Base: tp, Index: r, Scale: 4}, mask)
	return
}

// winoMask is 4 lanes of ones then 4 of zeros: from 4 − r lanes in, the
// mask of the first r lanes of a vector of 4.
var winoMask Mem

// runBase sets q to the run of position 4i of the tiles at pv: runs 4i+j
// are then at q + j·s1.
func runBase(pv, s1, s3, q Register, i int) {
	switch i {
	case 0:
		MOVQ(pv, q)
	case 1:
		LEAQ(Mem{Base: pv, Index: s1, Scale: 4}, q)
	case 2:
		LEAQ(Mem{Base: pv, Index: s1, Scale: 8}, q)
	case 3:
		LEAQ(Mem{Base: pv, Index: s3, Scale: 4}, q)
	}
}

// rowOf returns the address of row k of 4 at p, rows wb apart.
func rowOf(p, wb, w3 Register, k int) Mem {
	switch k {
	case 0:
		return Mem{Base: p}
	case 1:
		return Mem{Base: p, Index: wb, Scale: 1}
	case 2:
		return Mem{Base: p, Index: wb, Scale: 2}
	}
	return Mem{Base: p, Index: w3, Scale: 1}
}

// runOf returns the address of run j of 4 at q, runs s1 apart.
func runOf(q, s1, s3 Register, j int) Mem { return rowOf(q, s1, s3, j) }

// winoInputAdjRows emits winoInputAdjRowsPS, the adjoint of
// winoInputRowsPS (vec.WinoInputAdjointRows): for each row of tiles, B
// along each tile's rows into strip, Ba = (a0, (a1−a2)+a3, (a1+a2)−a0,
// −a3), added up where neighbouring tiles overlap as the Go loop adds
// them — even column 2k is (0 + c₂(k−1)) + c₀(k) and odd column 2k+1 is
// (0 − a₃(k−1)) + c₁(k), tiles outside the row zero, which adds exact
// zeros — 4 tiles to a vector, the previous tiles' terms carried across
// in a register; then B down the strip's columns, added into the plane's
// 4 rows, over whole vectors of the stride.
func winoInputAdjRows() {
	TEXT("winoInputAdjRowsPS", NOSPLIT, "func(buf, dv *float32, vstep int, strip *float32, wps, tw, th, last int)")
	Doc("winoInputAdjRowsPS adds B dV Bᵀ of the th×tw tiles whose transforms are the 16 runs of dv vstep apart into the padded plane buf, rows wps apart; see WinoInputAdjointRows.")
	Pragma("noescape")
	pv, s1, s3, b, wb, w3, ty, mask := winoRowsArgs("dv", "vstep", "buf", true)
	st := Load(Param("strip"), GP64())
	P, q, cnt := GP64(), GP64(), GP64()
	zero := XMM()
	VXORPS(zero, zero, zero)

	Label("winoInputAdjRowsPS_row")
	for i := range 4 {
		// B along row i of the tiles, from runs 4i … 4i+3 into row i
		// of the strip.
		runBase(pv, s1, s3, q, i)
		if i == 0 {
			MOVQ(st, P)
		} else {
			LEAQ(rowOf(st, wb, w3, i), P)
		}
		c2p, a3p := XMM(), XMM() // c₂ and a₃ of the 4 tiles before
		VXORPS(c2p, c2p, c2p)
		VXORPS(a3p, a3p, a3p)
		block := func(load func(m Mem, x VecVirtual)) {
			a := [4]VecVirtual{XMM(), XMM(), XMM(), XMM()}
			for j := range a {
				load(runOf(q, s1, s3, j), a[j])
			}
			c0, c1, c2 := a[0], XMM(), XMM()
			VSUBPS(a[2], a[1], c1)
			VADDPS(a[3], c1, c1) // (a1−a2)+a3
			VADDPS(a[2], a[1], c2)
			VSUBPS(a[0], c2, c2) // (a1+a2)−a0
			e, o := XMM(), XMM()
			VPALIGNR(U8(12), c2p, c2, e)   // c₂(k−1)
			VPALIGNR(U8(12), a3p, a[3], o) // a₃(k−1)
			VADDPS(e, zero, e)             // 0 + c₂(k−1)
			VSUBPS(o, zero, o)             // 0 − a₃(k−1)
			VADDPS(c0, e, e)
			VADDPS(c1, o, o)
			lo, hi := XMM(), XMM()
			VUNPCKLPS(o, e, lo)
			VUNPCKHPS(o, e, hi)
			VMOVUPS(lo, Mem{Base: P})
			VMOVUPS(hi, Mem{Base: P, Disp: 16})
			VMOVAPS(c2, c2p)
			VMOVAPS(a[3], a3p)
		}
		lbl := fmt.Sprintf("winoInputAdjRowsPS_i%d", i)
		Load(Param("tw"), cnt)
		SHRQ(U8(2), cnt)
		JZ(LabelRef(lbl + "_tail"))
		Label(lbl)
		block(func(m Mem, x VecVirtual) { VMOVUPS(m, x) })
		ADDQ(U8(32), P)
		ADDQ(U8(16), q)
		DECQ(cnt)
		JNZ(LabelRef(lbl))
		Label(lbl + "_tail")
		// The last tw mod 4 tiles and the zeros past them: the row's
		// last two columns, 2·tw and 2·tw + 1, at least. A row with
		// enough tiles after it reads them and clears them; the last
		// rows, whose vector would run past the plane's tiles, load
		// under the mask (slower on AMD's cores).
		Load(Param("last"), cnt)
		CMPQ(ty, cnt)
		JLE(LabelRef(lbl + "_masked"))
		block(func(m Mem, x VecVirtual) { VANDPS(m, mask, x) })
		JMP(LabelRef(lbl + "_done"))
		Label(lbl + "_masked")
		block(func(m Mem, x VecVirtual) { VMASKMOVPS(m, mask, x) })
		Label(lbl + "_done")
	}
	// B down the columns, added into the plane.
	MOVQ(b, P)
	MOVQ(st, q)
	Load(Param("wps"), cnt)
	SHRQ(U8(3), cnt)
	Label("winoInputAdjRowsPS_col")
	{
		a := [4]VecVirtual{YMM(), YMM(), YMM(), YMM()}
		for k := range a {
			VMOVUPS(rowOf(q, wb, w3, k), a[k])
		}
		d := [4]VecVirtual{YMM(), YMM(), YMM(), YMM()}
		for k := range d {
			VMOVUPS(rowOf(P, wb, w3, k), d[k])
		}
		t := YMM()
		VADDPS(a[0], d[0], d[0]) // d0 + a0
		VSUBPS(a[2], a[1], t)
		VADDPS(a[3], t, t)
		VADDPS(t, d[1], d[1]) // d1 + ((a1−a2)+a3)
		VADDPS(a[2], a[1], t)
		VSUBPS(a[0], t, t)
		VADDPS(t, d[2], d[2]) // d2 + ((a1+a2)−a0)
		VSUBPS(a[3], d[3], d[3])
		for k := range d {
			VMOVUPS(d[k], rowOf(P, wb, w3, k))
		}
	}
	ADDQ(U8(32), P)
	ADDQ(U8(32), q)
	DECQ(cnt)
	JNZ(LabelRef("winoInputAdjRowsPS_col"))

	Load(Param("tw"), cnt)
	LEAQ(Mem{Base: pv, Index: cnt, Scale: 4}, pv)
	LEAQ(Mem{Base: b, Index: wb, Scale: 2}, b)
	DECQ(ty)
	JNZ(LabelRef("winoInputAdjRowsPS_row"))
	VZEROUPPER()
	RET()
}

// winoOutputAdjRows emits winoOutputAdjRowsPS (vec.WinoOutputAdjointRows):
// for each row of tiles, the tiles' two rows of the plane deinterleaved
// into even and odd columns, 4 tiles to a vector; column j of dY Aᵀ, (a,
// b) = (y₀, y₁) of column 2t, 2t + their sum, 2t minus 2t+1 or −(2t+1),
// and then A down it, (a, a+b, a−b, −b), into runs j, 4+j, 8+j, 12+j.
func winoOutputAdjRows() {
	TEXT("winoOutputAdjRowsPS", NOSPLIT, "func(dm *float32, mstep int, buf *float32, wps, tw, th int)")
	Doc("winoOutputAdjRowsPS writes A dY Aᵀ of the th×tw 2×2 tiles of the plane buf, rows wps apart, to the 16 runs of dm mstep apart; see WinoOutputAdjointRows.")
	Pragma("noescape")
	pv, s1, s3, b, wb, _, ty, _ := winoRowsArgs("dm", "mstep", "buf", false)
	P, q, cnt := GP64(), GP64(), GP64()
	sign := XMM()
	VMOVUPS(kb(0x80000000_80000000), sign)
	Label("winoOutputAdjRowsPS_row")
	MOVQ(b, P)
	MOVQ(pv, q)
	block := func(store func(x VecVirtual, m Mem)) {
		var e, o [2]VecVirtual
		for r := range 2 {
			x, y := XMM(), XMM()
			m := Mem{Base: P}
			if r == 1 {
				m = Mem{Base: P, Index: wb, Scale: 1}
			}
			VMOVUPS(m, x)
			VMOVUPS(m.Offset(16), y)
			e[r], o[r] = XMM(), XMM()
			VSHUFPS(U8(0x88), y, x, e[r]) // column 2t
			VSHUFPS(U8(0xDD), y, x, o[r]) // 2t + 1
		}
		for j := range 4 {
			var a, c VecVirtual // (a, b) of the Go loop
			switch j {
			case 0:
				a, c = e[0], e[1]
			case 1:
				a, c = XMM(), XMM()
				VADDPS(o[0], e[0], a)
				VADDPS(o[1], e[1], c)
			case 2:
				a, c = XMM(), XMM()
				VSUBPS(o[0], e[0], a)
				VSUBPS(o[1], e[1], c)
			case 3:
				a, c = XMM(), XMM()
				VXORPS(sign, o[0], a)
				VXORPS(sign, o[1], c)
			}
			s, d, n := XMM(), XMM(), XMM()
			VADDPS(c, a, s)
			VSUBPS(c, a, d)
			VXORPS(sign, c, n)
			// Runs j, 4+j, 8+j, 12+j: q + j·s1 + 4i·s1.
			if j == 0 {
				MOVQ(q, cnt)
			} else {
				LEAQ(runOf(q, s1, s3, j), cnt)
			}
			store(a, Mem{Base: cnt})
			store(s, Mem{Base: cnt, Index: s1, Scale: 4})
			store(d, Mem{Base: cnt, Index: s1, Scale: 8})
			store(n, Mem{Base: cnt, Index: s3, Scale: 4})
		}
	}
	// q walks run 0 along the row of tiles.
	tiles := GP64()
	Load(Param("tw"), tiles)
	SHRQ(U8(2), tiles)
	JZ(LabelRef("winoOutputAdjRowsPS_tail"))
	Label("winoOutputAdjRowsPS_blk")
	block(func(x VecVirtual, m Mem) { VMOVUPS(x, m) })
	ADDQ(U8(32), P)
	ADDQ(U8(16), q)
	DECQ(tiles)
	JNZ(LabelRef("winoOutputAdjRowsPS_blk"))
	Label("winoOutputAdjRowsPS_tail")
	tailStores(block, tiles, ty, "winoOutputAdjRowsPS")
	Load(Param("tw"), cnt)
	LEAQ(Mem{Base: pv, Index: cnt, Scale: 4}, pv)
	LEAQ(Mem{Base: b, Index: wb, Scale: 2}, b)
	DECQ(ty)
	JNZ(LabelRef("winoOutputAdjRowsPS_row"))
	RET()
}

// tailStores emits the last tw mod 4 tiles of a row, block computing and
// storing them: whole vectors when a row has 4 tiles or more, on every
// row but the last (ty = 1), which write into the next row's first tiles
// of each run before that row's own stores; otherwise only the first
// tw mod 4 lanes, by scalar and 64-bit stores (VMASKMOVPS stores are slow
// on AMD's cores). rem is a spare register.
func tailStores(block func(store func(x VecVirtual, m Mem)), rem, ty Register, lbl string) {
	Load(Param("tw"), rem)
	CMPQ(rem, U8(4))
	JL(LabelRef(lbl + "_part"))
	CMPQ(ty, U8(1))
	JE(LabelRef(lbl + "_part"))
	ANDQ(U8(3), rem)
	JNZ(LabelRef(lbl + "_whole"))
	JMP(LabelRef(lbl + "_done"))
	Label(lbl + "_part")
	ANDQ(U8(3), rem)
	JZ(LabelRef(lbl + "_done"))
	CMPQ(rem, U8(2))
	JL(LabelRef(lbl + "_one"))
	JE(LabelRef(lbl + "_two"))
	block(func(x VecVirtual, m Mem) {
		VMOVLPS(x, m)
		VEXTRACTPS(U8(2), x, m.Offset(8))
	})
	JMP(LabelRef(lbl + "_done"))
	Label(lbl + "_one")
	block(func(x VecVirtual, m Mem) { VMOVSS(x, m) })
	JMP(LabelRef(lbl + "_done"))
	Label(lbl + "_two")
	block(func(x VecVirtual, m Mem) { VMOVLPS(x, m) })
	JMP(LabelRef(lbl + "_done"))
	Label(lbl + "_whole")
	block(func(x VecVirtual, m Mem) { VMOVUPS(x, m) })
	Label(lbl + "_done")
}

// winoOutputRows emits winoOutputRowsPS (vec.WinoOutputRows): the output
// tiles Aᵀ M A + bias of one plane, 4 tiles of a row to a vector, Aᵀa =
// ((a0+a1)+a2, (a1−a2)−a3) along each tile's rows and then down its
// columns, the bias added last; each tile's two outputs of a row
// interleaved into the plane's row. The last tw mod 4 tiles of a row store
// their 2, 4 or 6 outputs a row.
func winoOutputRows() {
	TEXT("winoOutputRowsPS", NOSPLIT, "func(dst, m *float32, mstep int, bias float32, tw, th, last int)")
	Doc("winoOutputRowsPS writes Aᵀ M A + bias of the th×tw tiles whose M are the 16 runs of m mstep apart to the plane dst, 2·tw values a row; see WinoOutputRows.")
	Pragma("noescape")
	d := Load(Param("dst"), GP64())
	pv := Load(Param("m"), GP64())
	s1 := Load(Param("mstep"), GP64())
	SHLQ(U8(2), s1)
	s3 := GP64()
	LEAQ(Mem{Base: s1, Index: s1, Scale: 2}, s3)
	wb := Load(Param("tw"), GP64())
	SHLQ(U8(3), wb) // a row of the plane: 2·tw values
	ty := Load(Param("th"), GP64())
	bias := XMM()
	bp, _ := Param("bias").Resolve()
	VBROADCASTSS(bp.Addr, bias)
	q, P, cnt, r := GP64(), GP64(), GP64(), GP64()
	mask := XMM() // the first tw mod 4 lanes
	Load(Param("tw"), cnt)
	ANDQ(U8(3), cnt)
	NEGQ(cnt)
	LEAQ(winoMask.Offset(16), r)
	VMOVUPS(Mem{Base: r, Index: cnt, Scale: 4}, mask)

	// block computes 4 tiles from the runs at q and stores their outputs
	// at P (row 2ty) and P + wb (row 2ty + 1) with store(lo, hi, m),
	// lo and hi the first and last 4 values of a row's 8.
	block := func(load func(m Mem, x VecVirtual), store func(lo, hi VecVirtual, m Mem)) {
		var rr [4][2]VecVirtual
		for i := range 4 {
			var a [4]VecVirtual
			for j := range a {
				a[j] = XMM()
			}
			runBase(q, s1, s3, r, i)
			for j := range 4 {
				load(runOf(r, s1, s3, j), a[j])
			}
			r0, r1 := XMM(), XMM()
			VADDPS(a[1], a[0], r0)
			VADDPS(a[2], r0, r0) // (a0+a1)+a2
			VSUBPS(a[2], a[1], r1)
			VSUBPS(a[3], r1, r1) // (a1−a2)−a3
			rr[i] = [2]VecVirtual{r0, r1}
		}
		var o [2][2]VecVirtual // rows 0 and 1 of the tile, columns 0 and 1
		for j := range 2 {
			o[0][j], o[1][j] = XMM(), XMM()
			VADDPS(rr[1][j], rr[0][j], o[0][j])
			VADDPS(rr[2][j], o[0][j], o[0][j])
			VADDPS(bias, o[0][j], o[0][j]) // ((r0j+r1j)+r2j)+bias
			VSUBPS(rr[2][j], rr[1][j], o[1][j])
			VSUBPS(rr[3][j], o[1][j], o[1][j])
			VADDPS(bias, o[1][j], o[1][j]) // ((r1j−r2j)−r3j)+bias
		}
		for k := range 2 {
			lo, hi := XMM(), XMM()
			VUNPCKLPS(o[k][1], o[k][0], lo)
			VUNPCKHPS(o[k][1], o[k][0], hi)
			if k == 0 {
				store(lo, hi, Mem{Base: P})
			} else {
				store(lo, hi, Mem{Base: P, Index: wb, Scale: 1})
			}
		}
	}
	Label("winoOutputRowsPS_row")
	MOVQ(d, P)
	MOVQ(pv, q)
	Load(Param("tw"), cnt)
	SHRQ(U8(2), cnt)
	JZ(LabelRef("winoOutputRowsPS_tail"))
	Label("winoOutputRowsPS_blk")
	whole := func(m Mem, x VecVirtual) { VMOVUPS(m, x) }
	block(whole, func(lo, hi VecVirtual, m Mem) {
		VMOVUPS(lo, m)
		VMOVUPS(hi, m.Offset(16))
	})
	ADDQ(U8(32), P)
	ADDQ(U8(16), q)
	DECQ(cnt)
	JNZ(LabelRef("winoOutputRowsPS_blk"))
	Label("winoOutputRowsPS_tail")
	// The last tw mod 4 tiles: 2, 4 or 6 values a row. Their vectors
	// read the next row's first tiles, except on the last rows, whose
	// vectors would run past the plane's tiles of a run and load under
	// the mask (slower on AMD's cores).
	Load(Param("tw"), cnt)
	ANDQ(U8(3), cnt)
	JZ(LabelRef("winoOutputRowsPS_next"))
	masked := func(m Mem, x VecVirtual) { VMASKMOVPS(m, mask, x) }
	stores := []func(lo, hi VecVirtual, m Mem){
		func(lo, hi VecVirtual, m Mem) { VMOVLPS(lo, m) },
		func(lo, hi VecVirtual, m Mem) { VMOVUPS(lo, m) },
		func(lo, hi VecVirtual, m Mem) {
			VMOVUPS(lo, m)
			VMOVLPS(hi, m.Offset(16))
		},
	}
	for k, st := range stores {
		lbl := fmt.Sprintf("winoOutputRowsPS_tail%d", k+1)
		Label(lbl)
		if k < 2 {
			CMPQ(cnt, U8(k+1))
			JNE(LabelRef(fmt.Sprintf("winoOutputRowsPS_tail%d", k+2)))
		}
		Load(Param("last"), r)
		CMPQ(ty, r)
		JLE(LabelRef(lbl + "_masked"))
		block(whole, st)
		JMP(LabelRef("winoOutputRowsPS_next"))
		Label(lbl + "_masked")
		block(masked, st)
		JMP(LabelRef("winoOutputRowsPS_next"))
	}
	Label("winoOutputRowsPS_next")
	Load(Param("tw"), cnt)
	LEAQ(Mem{Base: pv, Index: cnt, Scale: 4}, pv)
	LEAQ(Mem{Base: d, Index: wb, Scale: 2}, d)
	DECQ(ty)
	JNZ(LabelRef("winoOutputRowsPS_row"))
	RET()
}

// padRows emits padRowsPS (vec.PadRows): h rows of w float32s copied from
// src, one after another, to rows of dst dstride apart, each row's last
// w mod 8 values as a whole vector with zeros past the row, stored whole;
// the last `last` rows load it under a mask, the others whole.
func padRows() {
	TEXT("padRowsPS", NOSPLIT, "func(dst *float32, dstride int, src *float32, w, h, last int)")
	Doc("padRowsPS copies h rows of w values from src to dst, rows dstride apart, writing zeros up to a multiple of 8 values a row; see PadRows.")
	Pragma("noescape")
	mt := GLOBL("padRowsMask", RODATA|NOPTR)
	for i := range 16 {
		v := uint32(0)
		if i < 8 {
			v = 0xFFFFFFFF
		}
		DATA(4*i, U32(v))
	}
	d := Load(Param("dst"), GP64())
	ds := Load(Param("dstride"), GP64())
	SHLQ(U8(2), ds)
	s := Load(Param("src"), GP64())
	h := Load(Param("h"), GP64())
	mask := YMM()
	{
		r, tp := Load(Param("w"), GP64()), GP64()
		ANDQ(U8(7), r)
		NEGQ(r)
		LEAQ(mt.Offset(32), tp)
		VMOVUPS(Mem{Base: tp, Index: r, Scale: 4}, mask)
	}
	q, cnt := GP64(), GP64()
	Label("padRowsPS_row")
	MOVQ(d, q)
	Load(Param("w"), cnt)
	SHRQ(U8(3), cnt)
	JZ(LabelRef("padRowsPS_tail"))
	Label("padRowsPS_blk")
	x := YMM()
	VMOVUPS(Mem{Base: s}, x)
	VMOVUPS(x, Mem{Base: q})
	ADDQ(U8(32), s)
	ADDQ(U8(32), q)
	DECQ(cnt)
	JNZ(LabelRef("padRowsPS_blk"))
	Label("padRowsPS_tail")
	Load(Param("w"), cnt)
	ANDQ(U8(7), cnt)
	JZ(LabelRef("padRowsPS_next"))
	// A row with enough rows after it reads their first values and
	// clears them; the last rows, whose vector would run past the
	// slice, load under the mask (slower on AMD's cores).
	y, lst := YMM(), GP64()
	Load(Param("last"), lst)
	CMPQ(h, lst)
	JLE(LabelRef("padRowsPS_last"))
	VANDPS(Mem{Base: s}, mask, y)
	JMP(LabelRef("padRowsPS_store"))
	Label("padRowsPS_last")
	VMASKMOVPS(Mem{Base: s}, mask, y)
	Label("padRowsPS_store")
	VMOVUPS(y, Mem{Base: q})
	LEAQ(Mem{Base: s, Index: cnt, Scale: 4}, s)
	Label("padRowsPS_next")
	ADDQ(ds, d)
	DECQ(h)
	JNZ(LabelRef("padRowsPS_row"))
	VZEROUPPER()
	RET()
}
