package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// biasAffineReLU emits biasAffineReLUPS, the loop of BiasAffineReLU in
// float32: d = max((a + b)·s + t, 0) over n values (a multiple of 8), each
// operation rounded on its own, the maximum as ReLU's mask: a value is kept
// where it is not ≤ 0 (NaN included) and replaced by +0 elsewhere.
func biasAffineReLU() {
	name := "biasAffineReLUPS"
	TEXT(name, NOSPLIT, "func(n int, d, a *float32, b, s, t float32)")
	Doc(name + " sets d = max((a + b)·s + t, 0) over n values, a multiple of 8; see BiasAffineReLU.")
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	d := Load(Param("d"), GP64())
	a := Load(Param("a"), GP64())
	bv, sv, tv, zero := YMM(), YMM(), YMM(), YMM()
	for _, p := range []struct {
		name string
		v    VecVirtual
	}{{"b", bv}, {"s", sv}, {"t", tv}} {
		addr, _ := Param(p.name).Resolve()
		VBROADCASTSS(addr.Addr, p.v)
	}
	VXORPS(zero, zero, zero)
	step := func(unroll int, label string) {
		Label(name + label)
		CMPQ(n, U8(unroll*8))
		JL(LabelRef(name + label + "_end"))
		for u := range unroll {
			v, m := YMM(), YMM()
			VADDPS(Mem{Base: a, Disp: 32 * u}, bv, v)
			VMULPS(sv, v, v)
			VADDPS(tv, v, v)
			VCMPPS(U8(0x16), zero, v, m) // NLE_UQ: !(v <= 0), true for NaN
			VANDPS(v, m, v)
			VMOVUPS(v, Mem{Base: d, Disp: 32 * u})
		}
		ADDQ(U8(unroll*32), a)
		ADDQ(U8(unroll*32), d)
		SUBQ(U8(unroll*8), n)
		JMP(LabelRef(name + label))
		Label(name + label + "_end")
	}
	step(4, "_four")
	step(1, "_one")
	VZEROUPPER()
	RET()
}
