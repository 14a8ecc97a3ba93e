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
}
