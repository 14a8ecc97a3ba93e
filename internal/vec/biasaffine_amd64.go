//go:build amd64 && !purego

package vec

// biasAffineReLUAsm runs BiasAffineReLU's assembly over the whole vectors
// at the start of d and returns how many values it did: none without AVX,
// and none in float64, which has no assembly.
func biasAffineReLUAsm[T Float](d, a []T, b, s, t T) int {
	n := len(d) - len(d)%8
	if !hasAVX || n == 0 || !isF32[T]() {
		return 0
	}
	biasAffineReLUPS(n, p32(d), p32(a), float32(b), float32(s), float32(t))
	return n
}
