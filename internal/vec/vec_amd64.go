//go:build amd64 && !purego

package vec

import "github.com/tapegrad/tapegrad/internal/isa"

// hasAVX reports whether the CPU and the OS support the generated loops
// and TAPEGRAD_ISA allows them (package internal/isa).
var hasAVX = isa.AVX

// lanes returns the values of T in a 256-bit vector.
func lanes[T Float]() int {
	var z T
	if any(z) == any(float32(0)) {
		return 8
	}
	return 4
}

// adamAsm runs the assembly Adam over the whole vectors at the start of x
// and returns how many values it did: none without AVX.
func adamAsm[T Float](x, g, m, v []T, k *[7]T) int {
	n := len(x) - len(x)%lanes[T]()
	if !hasAVX || n == 0 {
		return 0
	}
	_, _, _ = g[n-1], m[n-1], v[n-1]
	switch x := any(x).(type) {
	case []float32:
		adamPS(n, &x[0], &any(g).([]float32)[0], &any(m).([]float32)[0], &any(v).([]float32)[0], any(k).(*[7]float32))
	case []float64:
		adamPD(n, &x[0], &any(g).([]float64)[0], &any(m).([]float64)[0], &any(v).([]float64)[0], any(k).(*[7]float64))
	}
	return n
}

// addScaledAsm is adamAsm for AddScaled.
func addScaledAsm[T Float](x []T, alpha T, d []T) int {
	n := len(x) - len(x)%lanes[T]()
	if !hasAVX || n == 0 {
		return 0
	}
	_ = d[n-1]
	switch x := any(x).(type) {
	case []float32:
		addScaledPS(n, float32(alpha), &any(d).([]float32)[0], &x[0])
	case []float64:
		addScaledPD(n, float64(alpha), &any(d).([]float64)[0], &x[0])
	}
	return n
}

// The row loops' assembly takes float32 matrices only. Narrow matrices
// (at most colMajorMax columns: contiguous runs seen as rows of 16) go
// through the column-block kernels, which keep a block's columns in
// registers down all the rows, in blocks of rowsBlock columns; wider ones
// through the
// row-major kernels (suffix R), which walk memory in order, 8 columns at a
// time. Each returns the columns it did, the Go loops doing the rest.
// Callers have checked the layout and that rows ≥ 1.
const rowsBlock, rowsBlockR, colMajorMax = 16, 8, 16

// p32 returns the address of s[0] as a *float32; T must be float32 (and s
// not empty). A pointer goes into an interface without an allocation, which
// a slice does not.
func p32[T Float](s []T) *float32 { return any(&s[0]).(*float32) }

// isF32 reports whether the row kernels can take T: float32 with AVX.
func isF32[T Float]() bool {
	var z T
	_, ok := any(z).(float32)
	return ok && hasAVX
}

// asmCols returns the columns of width the kernels do, and whether the
// column-block kernels (blk columns at a time) do them.
func asmCols(width, blk int) (int, bool) {
	if width <= colMajorMax {
		return width - width%blk, true
	}
	return width - width%rowsBlockR, false
}

func sumDotRowsAsm[T Float](sa, sab []float64, a, b []T, rows, stride int) int {
	w, cm := asmCols(len(sa), rowsBlock)
	if !isF32[T]() || w == 0 {
		return 0
	}
	if cm {
		sumDotRowsPS(&sa[0], &sab[0], p32(a), p32(b), w, rows, stride)
	} else {
		sumDotRowsRPS(&sa[0], &sab[0], p32(a), p32(b), w, rows, stride)
	}
	return w
}

// The binary loops' assembly, by Op.
var (
	binVVPS = [...]func(n int, d, a, b *float32){binVVAddPS, binVVSubPS, binVVMulPS, binVVDivPS}
	binVVPD = [...]func(n int, d, a, b *float64){binVVAddPD, binVVSubPD, binVVMulPD, binVVDivPD}
	binVSPS = [...]func(n int, d, a *float32, s float32){binVSAddPS, binVSSubPS, binVSMulPS, binVSDivPS}
	binVSPD = [...]func(n int, d, a *float64, s float64){binVSAddPD, binVSSubPD, binVSMulPD, binVSDivPD}
	binSVPS = [...]func(n int, d, b *float32, s float32){binSVAddPS, binSVSubPS, binSVMulPS, binSVDivPS}
	binSVPD = [...]func(n int, d, b *float64, s float64){binSVAddPD, binSVSubPD, binSVMulPD, binSVDivPD}
)

// binaryAsm runs the assembly Binary over the whole vectors at the start of
// d and returns how many values it did: none without AVX. The callers have
// checked the lengths.
func binaryAsm[T Float](op Op, d, a, b []T) int {
	n := len(d) - len(d)%lanes[T]()
	if !hasAVX || n == 0 || int(op) >= len(binVVPS) {
		return 0
	}
	switch d := any(&d[0]).(type) {
	case *float32:
		binVVPS[op](n, d, any(&a[0]).(*float32), any(&b[0]).(*float32))
	case *float64:
		binVVPD[op](n, d, any(&a[0]).(*float64), any(&b[0]).(*float64))
	}
	return n
}

// binaryVSAsm is binaryAsm for BinaryVS.
func binaryVSAsm[T Float](op Op, d, a []T, s T) int {
	n := len(d) - len(d)%lanes[T]()
	if !hasAVX || n == 0 || int(op) >= len(binVSPS) {
		return 0
	}
	switch d := any(&d[0]).(type) {
	case *float32:
		binVSPS[op](n, d, any(&a[0]).(*float32), float32(s))
	case *float64:
		binVSPD[op](n, d, any(&a[0]).(*float64), float64(s))
	}
	return n
}

// binarySVAsm is binaryAsm for BinarySV.
func binarySVAsm[T Float](op Op, d []T, s T, b []T) int {
	n := len(d) - len(d)%lanes[T]()
	if !hasAVX || n == 0 || int(op) >= len(binSVPS) {
		return 0
	}
	switch d := any(&d[0]).(type) {
	case *float32:
		binSVPS[op](n, d, any(&b[0]).(*float32), float32(s))
	case *float64:
		binSVPD[op](n, d, any(&b[0]).(*float64), float64(s))
	}
	return n
}
