package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// sumQuad emits sumQuadPS/sumQuadPD, the leaves of SumQuad: four rows of n
// values (n a multiple of 4), row r at r·stride elements of x, each summed
// into its four partial sums s[4r+k] += x[r·stride+i+k], i = 0, 4, 8, … in
// order. Each row's four partial sums are one vector (4 float32 in an XMM
// register, 4 float64 in a YMM one), and the four rows' vectors are four
// independent chains of additions.
func sumQuad(f64 bool) {
	e := elemOf(f64)
	name := "sumQuad" + e.sfx
	TEXT(name, NOSPLIT, fmt.Sprintf("func(s *[16]%s, x *%s, stride, n int)", e.t, e.t))
	Doc(name + " adds four rows of n values of x, n a multiple of 4, into their four partial sums each; see SumQuad.")
	Pragma("noescape")
	sp := Load(Param("s"), GP64())
	x := Load(Param("x"), GP64())
	stride := Load(Param("stride"), GP64())
	n := Load(Param("n"), GP64())
	if f64 {
		SHLQ(U8(3), stride)
	} else {
		SHLQ(U8(2), stride)
	}
	vsize := 4 * e.size // bytes of one row's partial sums
	vreg := func() VecVirtual {
		if f64 {
			return YMM()
		}
		return XMM()
	}
	var acc [4]VecVirtual
	for r := range acc {
		acc[r] = vreg()
		e.mov(Mem{Base: sp, Disp: r * vsize}, acc[r])
	}
	// Row pointers: x, x+stride, x+2·stride, x+3·stride.
	rows := [4]Register{x, GP64(), GP64(), GP64()}
	for r := 1; r < 4; r++ {
		MOVQ(rows[r-1], rows[r])
		ADDQ(stride, rows[r])
	}
	Label(name + "_loop")
	CMPQ(n, U8(4))
	JL(LabelRef(name + "_done"))
	for r := range acc {
		e.add(Mem{Base: rows[r]}, acc[r], acc[r])
	}
	for r := range rows {
		ADDQ(U8(vsize), rows[r])
	}
	SUBQ(U8(4), n)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_done")
	for r := range acc {
		e.mov(acc[r], Mem{Base: sp, Disp: r * vsize})
	}
	VZEROUPPER()
	RET()
}

// bnKernels emits the loops batch norm's passes and the reductions of
// package tensor added for issue 21.
func bnKernels() {
	for _, f64 := range []bool{false, true} {
		sumQuad(f64)
	}
	shiftKernels()
	shiftSqKernel()
}

// rowMajorLoop2 is rowMajorLoop taking rows two at a time: body gets the
// pointers of rows r and r+1 (one row for the last of an odd count) and
// loads each per-column piece once for both, which halves the column
// loads and the accumulators' round trips to memory. A column still takes
// its rows in order, so the results are those of rowMajorLoop.
func rowMajorLoop2(name, sig, doc string, blk int, f32, col []string, body func(rows [][]Register, o Register, cols []Register)) {
	TEXT(name, NOSPLIT, sig)
	Doc(doc)
	Pragma("noescape")
	width := Load(Param("width"), GP64())
	SHLQ(U8(2), width)
	r := Load(Param("rows"), GP64())
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(2), stride)
	rp := make([]Register, len(f32))
	rq := make([]Register, len(f32))
	for i, p := range f32 {
		rp[i] = Load(Param(p), GP64())
		rq[i] = GP64()
	}
	cp := make([]Register, len(col))
	for i, p := range col {
		cp[i] = Load(Param(p), GP64())
	}
	o := GP64()
	Label(name + "_pairs")
	CMPQ(r, U8(2))
	JL(LabelRef(name + "_single"))
	for i := range rp {
		MOVQ(rp[i], rq[i])
		ADDQ(stride, rq[i])
	}
	XORQ(o, o)
	Label(name + "_cols2")
	CMPQ(o, width)
	JAE(LabelRef(name + "_next2"))
	body([][]Register{rp, rq}, o, cp)
	ADDQ(U8(blk*16), o)
	JMP(LabelRef(name + "_cols2"))
	Label(name + "_next2")
	for i := range rp {
		LEAQ(Mem{Base: rq[i], Index: stride, Scale: 1}, rp[i])
	}
	SUBQ(U8(2), r)
	JMP(LabelRef(name + "_pairs"))
	Label(name + "_single")
	CMPQ(r, U8(0))
	JE(LabelRef(name + "_done"))
	XORQ(o, o)
	Label(name + "_cols1")
	CMPQ(o, width)
	JAE(LabelRef(name + "_done"))
	body([][]Register{rp}, o, cp)
	ADDQ(U8(blk*16), o)
	JMP(LabelRef(name + "_cols1"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// shiftKernels emits the loops of batch norm's passes in float32 (bnshift.go
// of package vec): the element-wise ones, scaleShiftRowsPS and
// gradShiftRowsPS, walking rows outer two at a time, 8 columns at a time,
// each column vector's piece loaded once for both rows, all their column
// vectors float32; and the reduction sumDotShiftRows, column-block (PS) and
// two rows at a time (RPS), which adds dy and dy·(x − m) to float64 sums,
// x − m taken in float32. Every operation is rounded on its own (no FMA).
func shiftKernels() {
	const rowsArgs = "width, rows, stride int"
	// y = (x − m)·a + b
	rowMajorLoop2("scaleShiftRowsPS", "func(y, x, m, a, b *float32, "+rowsArgs+")",
		"scaleShiftRowsPS writes (x − m)·a + b into y, in float32, two rows at a time; see ScaleShiftRows.", 2,
		[]string{"y", "x"}, []string{"m", "a", "b"},
		func(rows [][]Register, o Register, c []Register) {
			m, a, b := YMM(), YMM(), YMM()
			VMOVUPS(c32(c[0], o, 0), m)
			VMOVUPS(c32(c[1], o, 0), a)
			VMOVUPS(c32(c[2], o, 0), b)
			for _, r := range rows {
				t := YMM()
				VMOVUPS(c32(r[1], o, 0), t)
				VSUBPS(m, t, t)
				VMULPS(a, t, t)
				VADDPS(b, t, t)
				VMOVUPS(t, c32(r[0], o, 0))
			}
		})
	// dx = (k1·dy + k2·(x − m)) + k3
	rowMajorLoop2("gradShiftRowsPS", "func(dx, dy, x, m, k1, k2, k3 *float32, "+rowsArgs+")",
		"gradShiftRowsPS writes k1·dy + k2·(x − m) + k3 into dx, in float32, two rows at a time; see GradShiftRows.", 2,
		[]string{"dx", "dy", "x"}, []string{"m", "k1", "k2", "k3"},
		func(rows [][]Register, o Register, c []Register) {
			m, k1, k2, k3 := YMM(), YMM(), YMM(), YMM()
			VMOVUPS(c32(c[0], o, 0), m)
			VMOVUPS(c32(c[1], o, 0), k1)
			VMOVUPS(c32(c[2], o, 0), k2)
			VMOVUPS(c32(c[3], o, 0), k3)
			for _, r := range rows {
				t, u := YMM(), YMM()
				VMOVUPS(c32(r[2], o, 0), t)
				VSUBPS(m, t, t)
				VMULPS(k2, t, t)
				VMOVUPS(c32(r[1], o, 0), u)
				VMULPS(k1, u, u)
				VADDPS(t, u, u)
				VADDPS(k3, u, u)
				VMOVUPS(u, c32(r[0], o, 0))
			}
		})
	// sa += dy; sab += dy·(x − m)
	{
		const cblk = 4
		var sa, sab []VecVirtual
		var cols []Register
		rowsLoop("sumDotShiftRowsPS", "func(sa, sab *float64, dy, x, m *float32, "+rowsArgs+")",
			"sumDotShiftRowsPS adds every row of dy to sa and of dy⊙(x − m) to sab, in float64, x − m in float32; see SumDotShiftRows.", cblk,
			[]string{"dy", "x"}, []string{"sa", "sab", "m"}, []bool{true, true, false},
			func(c []Register) {
				sa, sab = loadCols(c[0], cblk), loadCols(c[1], cblk)
				cols = c
			},
			func(r []Register, off Register) {
				for k := range cblk {
					u, d, t := YMM(), XMM(), YMM()
					VCVTPS2PD(at(r[0], off, 16*k), u)
					VADDPD(u, sa[k], sa[k])
					VMOVUPS(at(r[1], off, 16*k), d)
					VSUBPS(Mem{Base: cols[2], Disp: 16 * k}, d, d)
					VCVTPS2PD(d, t)
					VMULPD(u, t, t)
					VADDPD(t, sab[k], sab[k])
				}
			},
			func(c []Register) { storeCols(sa, c[0]); storeCols(sab, c[1]) })
	}
	const blk = 2
	rowMajorLoop2("sumDotShiftRowsRPS", "func(sa, sab *float64, dy, x, m *float32, "+rowsArgs+")",
		"sumDotShiftRowsRPS is sumDotShiftRowsPS walking rows outer, two at a time; see SumDotShiftRows.", blk,
		[]string{"dy", "x"}, []string{"sa", "sab", "m"},
		func(rows [][]Register, o Register, c []Register) {
			for k := range blk {
				a, ab, m := YMM(), YMM(), XMM()
				VMOVUPD(c64(c[0], o, k), a)
				VMOVUPD(c64(c[1], o, k), ab)
				VMOVUPS(c32(c[2], o, k), m)
				for _, r := range rows {
					u, d, t := YMM(), XMM(), YMM()
					VCVTPS2PD(c32(r[0], o, k), u)
					VADDPD(u, a, a)
					VMOVUPS(c32(r[1], o, k), d)
					VSUBPS(m, d, d)
					VCVTPS2PD(d, t)
					VMULPD(u, t, t)
					VADDPD(t, ab, ab)
				}
				VMOVUPD(a, c64(c[0], o, k))
				VMOVUPD(ab, c64(c[1], o, k))
			}
		})
}

// shiftSqKernel emits the forward pass's reduction of batch norm in
// float32 (bnshift.go of package vec), sumShiftSqRowsPS: s1 += Σ (x − k)
// and s2 += Σ (x − k)² over rows × width values of x at stride, width a
// multiple of 8. The rows are taken in groups of 8 (the last group
// shorter); a group's columns go 32, then 16, then 8 at a time down the
// group's rows, the partial sums of each 8 columns in a register, which
// are then added into the float64 sums in memory. (The backward pass's
// reduction, sumDotShiftRows, adds in float64 throughout: its sums feed a
// difference that can cancel to a small fraction of its terms, as with
// two values a channel, where float32 partial sums lose more than PyTorch
// does.)
func shiftSqKernel() {
	const name = "sumShiftSqRowsPS"
	TEXT(name, NOSPLIT, "func(s1, s2 *float64, x, k *float32, width, rows, stride int)")
	Doc(name + " adds every row of x less k to s1 and its square to s2, in groups of 8 rows in float32, then in float64; see SumShiftSqRows.")
	Pragma("noescape")
	width := Load(Param("width"), GP64())
	SHLQ(U8(2), width)
	rows := Load(Param("rows"), GP64())
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(2), stride)
	x := Load(Param("x"), GP64())
	sums := []Register{Load(Param("s1"), GP64()), Load(Param("s2"), GP64())}
	kp := Load(Param("k"), GP64())
	o, g, cnt, q := GP64(), GP64(), GP64(), GP64()
	Label(name + "_groups")
	CMPQ(rows, U8(0))
	JLE(LabelRef(name + "_done"))
	MOVQ(U32(8), g)
	CMPQ(rows, g)
	CMOVQLT(rows, g)
	XORQ(o, o)
	// step does nb pieces of 8 columns of the group if that many are left,
	// and jumps to next otherwise.
	step := func(nb int, label, next string) {
		Label(name + label)
		MOVQ(width, cnt)
		SUBQ(o, cnt)
		CMPQ(cnt, U32(32*nb))
		JL(LabelRef(name + next))
		k := make([]VecVirtual, nb)
		p := [2][]VecVirtual{make([]VecVirtual, nb), make([]VecVirtual, nb)}
		for j := range nb {
			k[j] = YMM()
			VMOVUPS(c32(kp, o, 2*j), k[j])
		}
		for i := range p {
			for j := range nb {
				p[i][j] = YMM()
				VXORPS(p[i][j], p[i][j], p[i][j])
			}
		}
		MOVQ(x, q)
		MOVQ(g, cnt)
		Label(name + label + "_rows")
		for j := range nb { // p1 += x − k; p2 += (x − k)²
			d := YMM()
			VMOVUPS(c32(q, o, 2*j), d)
			VSUBPS(k[j], d, d)
			VADDPS(d, p[0][j], p[0][j])
			VMULPS(d, d, d)
			VADDPS(d, p[1][j], p[1][j])
		}
		ADDQ(stride, q)
		DECQ(cnt)
		JNZ(LabelRef(name + label + "_rows"))
		for i := range p {
			for j := range nb {
				lo, hi := YMM(), YMM()
				VCVTPS2PD(p[i][j].AsX(), lo)
				VEXTRACTF128(U8(1), p[i][j], hi.AsX())
				VCVTPS2PD(hi.AsX(), hi)
				VADDPD(c64(sums[i], o, 2*j), lo, lo)
				VADDPD(c64(sums[i], o, 2*j+1), hi, hi)
				VMOVUPD(lo, c64(sums[i], o, 2*j))
				VMOVUPD(hi, c64(sums[i], o, 2*j+1))
			}
		}
		ADDQ(U32(32*nb), o)
	}
	step(4, "_c32", "_c16")
	JMP(LabelRef(name + "_c32"))
	step(2, "_c16", "_c8")
	step(1, "_c8", "_next")
	Label(name + "_next")
	LEAQ(Mem{Base: x, Index: stride, Scale: 8}, x)
	SUBQ(g, rows)
	JMP(LabelRef(name + "_groups"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
