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
