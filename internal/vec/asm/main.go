// Command asm generates the amd64 loops of package vec with avo.
//
// Run it through go generate in internal/vec; it lives in a module of its
// own so that tapegrad's go.mod does not depend on avo:
//
//	go run -C asm . -out ../vec_amd64.s -stubs ../stubs_amd64.go -pkg vec
//
// Every loop works on whole 256-bit vectors (8 float32s or 4 float64s)
// with AVX alone, and the caller does the last n mod lanes values in Go.
// Each computes exactly what the pure-Go loop of package vec computes, in
// the same order, with one rounding per operation: a multiply and an add
// stay two instructions, never one FMA.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func main() {
	ConstraintExpr("amd64,!purego")
	for _, f64 := range []bool{false, true} {
		adam(f64)
		addScaled(f64)
	}
	Generate()
}

// elem describes one element type's instructions.
type elem struct {
	t, sfx string // Go type, name suffix
	size   int    // bytes
	// bcst, mov, mul, add, div and sqrt take Go assembler operand order:
	// sources first, destination last (div(s, t, d): d = t / s).
	bcst, mov, mul, add, div, sqrt func(...Op)
}

func elemOf(f64 bool) elem {
	if f64 {
		return elem{"float64", "PD", 8, VBROADCASTSD, VMOVUPD, VMULPD, VADDPD, VDIVPD, VSQRTPD}
	}
	return elem{"float32", "PS", 4, VBROADCASTSS, VMOVUPS, VMULPS, VADDPS, VDIVPS, VSQRTPS}
}

// adam emits adamPS/adamPD, Adam's update of n values (a multiple of the
// lanes), with c = β₁, 1−β₁, β₂, 1−β₂, −step, 1/√(1−β₂ᵗ), ε:
//
//	m = m·β₁ + (1−β₁)·g
//	v = v·β₂ + ((1−β₂)·g)·g
//	x = x + (−step·m) / (√v·(1/√(1−β₂ᵗ)) + ε)
func adam(f64 bool) {
	e := elemOf(f64)
	name := "adam" + e.sfx
	TEXT(name, NOSPLIT, fmt.Sprintf("func(n int, x, grad, m, v *%s, c *[7]%s)", e.t, e.t))
	Doc(name + " applies Adam's update to n values, a multiple of the vector's lanes; see Adam.")
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	x := Load(Param("x"), GP64())
	g := Load(Param("grad"), GP64()) // not "g": the Go assembler reserves it
	m := Load(Param("m"), GP64())
	v := Load(Param("v"), GP64())
	cp := Load(Param("c"), GP64())
	var c [7]VecVirtual
	for i := range c {
		c[i] = YMM()
		e.bcst(Mem{Base: cp, Disp: i * e.size}, c[i])
	}
	b1, c1, b2, c2, negStep, invSq, eps := c[0], c[1], c[2], c[3], c[4], c[5], c[6]
	lanes := 32 / e.size
	Label(name + "_loop")
	CMPQ(n, U8(lanes))
	JL(LabelRef(name + "_done"))
	gv, mv, vv, t, s, xv := YMM(), YMM(), YMM(), YMM(), YMM(), YMM()
	e.mov(Mem{Base: g}, gv)
	// m = m·β₁ + (1−β₁)·g
	e.mov(Mem{Base: m}, mv)
	e.mul(b1, mv, mv)
	e.mul(c1, gv, t)
	e.add(t, mv, mv)
	e.mov(mv, Mem{Base: m})
	// v = v·β₂ + ((1−β₂)·g)·g
	e.mov(Mem{Base: v}, vv)
	e.mul(b2, vv, vv)
	e.mul(c2, gv, t)
	e.mul(gv, t, t)
	e.add(t, vv, vv)
	e.mov(vv, Mem{Base: v})
	// s = √v·(1/√(1−β₂ᵗ)) + ε
	e.sqrt(vv, s)
	e.mul(invSq, s, s)
	e.add(eps, s, s)
	// x = x + (−step·m)/s
	e.mul(negStep, mv, t)
	e.div(s, t, t) // t = t / s
	e.mov(Mem{Base: x}, xv)
	e.add(t, xv, xv)
	e.mov(xv, Mem{Base: x})
	for _, p := range []Register{x, g, m, v} {
		ADDQ(U8(32), p)
	}
	SUBQ(U8(lanes), n)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// addScaled emits addScaledPS/addScaledPD: x = x + alpha·d over n values, a
// multiple of the lanes, the product rounded before the sum.
func addScaled(f64 bool) {
	e := elemOf(f64)
	name := "addScaled" + e.sfx
	TEXT(name, NOSPLIT, fmt.Sprintf("func(n int, alpha %s, d, x *%s)", e.t, e.t))
	Doc(name + " adds alpha·d to x, n values, a multiple of the vector's lanes; see AddScaled.")
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	d := Load(Param("d"), GP64())
	x := Load(Param("x"), GP64())
	a := YMM()
	p, _ := Param("alpha").Resolve()
	e.bcst(p.Addr, a)
	lanes := 32 / e.size
	const unroll = 2
	Label(name + "_loop")
	CMPQ(n, U8(unroll*lanes))
	JL(LabelRef(name + "_one"))
	for u := range unroll {
		t, xv := YMM(), YMM()
		e.mul(Mem{Base: d, Disp: 32 * u}, a, t)
		e.mov(Mem{Base: x, Disp: 32 * u}, xv)
		e.add(t, xv, xv)
		e.mov(xv, Mem{Base: x, Disp: 32 * u})
	}
	ADDQ(U8(unroll*32), d)
	ADDQ(U8(unroll*32), x)
	SUBQ(U8(unroll*lanes), n)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_one")
	CMPQ(n, U8(lanes))
	JL(LabelRef(name + "_done"))
	t, xv := YMM(), YMM()
	e.mul(Mem{Base: d}, a, t)
	e.mov(Mem{Base: x}, xv)
	e.add(t, xv, xv)
	e.mov(xv, Mem{Base: x})
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
