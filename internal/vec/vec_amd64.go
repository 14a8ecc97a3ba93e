//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// hasAVX reports whether the CPU and the OS support the generated loops.
var hasAVX = cpu.X86.HasAVX

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

// The row loops' assembly takes float32 matrices only, in blocks of
// rowsBlock (reductions) or rowsBlockElem (element-wise passes) columns;
// each returns the columns it did, the Go loops doing the rest. Callers
// have checked the layout and that rows ≥ 1.
const rowsBlock, rowsBlockElem = 16, 8

// f32 returns x as a []float32 when T is float32 and AVX is there.
func f32[T Float](x []T) ([]float32, bool) {
	if !hasAVX {
		return nil, false
	}
	v, ok := any(x).([]float32)
	return v, ok
}

func sumRowsAsm[T Float](acc []float64, x []T, rows, stride int) int {
	xs, ok := f32(x)
	w := len(acc) - len(acc)%rowsBlock
	if !ok || w == 0 {
		return 0
	}
	sumRowsPS(&acc[0], &xs[0], w, rows, stride)
	return w
}

func sumSqDevRowsAsm[T Float](acc []float64, x []T, mu []float64, rows, stride int) int {
	xs, ok := f32(x)
	w := len(acc) - len(acc)%rowsBlock
	if !ok || w == 0 {
		return 0
	}
	sumSqDevRowsPS(&acc[0], &xs[0], &mu[0], w, rows, stride)
	return w
}

func sumDotRowsAsm[T Float](sa, sab []float64, a, b []T, rows, stride int) int {
	as, ok := f32(a)
	w := len(sa) - len(sa)%rowsBlock
	if !ok || w == 0 {
		return 0
	}
	sumDotRowsPS(&sa[0], &sab[0], &as[0], &any(b).([]float32)[0], w, rows, stride)
	return w
}

func normRowsAsm[T Float](h, x []T, mu, is []float64, rows, stride int) int {
	xs, ok := f32(x)
	w := len(mu) - len(mu)%rowsBlockElem
	if !ok || w == 0 {
		return 0
	}
	normRowsPS(&any(h).([]float32)[0], &xs[0], &mu[0], &is[0], w, rows, stride)
	return w
}

func normAffineRowsAsm[T Float](h, y, x []T, mu, is []float64, g, b []T, rows, stride int) int {
	xs, ok := f32(x)
	w := len(mu) - len(mu)%rowsBlockElem
	if !ok || w == 0 {
		return 0
	}
	normAffineRowsPS(&any(h).([]float32)[0], &any(y).([]float32)[0], &xs[0], &mu[0], &is[0],
		&any(g).([]float32)[0], &any(b).([]float32)[0], w, rows, stride)
	return w
}

func gradRowsAsm[T Float](dx, dy, h []T, k1, k2, k3 []float64, rows, stride int) int {
	dys, ok := f32(dy)
	w := len(k1) - len(k1)%rowsBlockElem
	if !ok || w == 0 {
		return 0
	}
	gradRowsPS(&any(dx).([]float32)[0], &dys[0], &any(h).([]float32)[0], &k1[0], &k2[0], &k3[0], w, rows, stride)
	return w
}
