package vec

// BiasAffineReLU sets
//
//	d[i] = max((a[i] + b)·s + t, 0)
//
// over len(d) values (a as long at least): a convolution's bias, batch norm
// in evaluation mode as an affine map and a ReLU in one pass, each
// operation rounded on its own, as the three passes round them. The
// maximum is ReLU's: it keeps NaNs and turns −0 into +0. d and a may be the
// same slice.
func BiasAffineReLU[T Float](d, a []T, b, s, t T) {
	a = a[:len(d)]
	i := biasAffineReLUAsm(d, a, b, s, t)
	switch d := any(d[i:]).(type) {
	case []float32:
		biasAffineReLU32(d, any(a[i:]).([]float32), float32(b), float32(s), float32(t))
	case []float64:
		biasAffineReLU64(d, any(a[i:]).([]float64), float64(b), float64(s), float64(t))
	}
}

// biasAffineReLU32 and biasAffineReLU64 are BiasAffineReLU's Go loops,
// non-generic as relu32 and relu64 are. The conversion of the product
// keeps it from fusing with the sum.
func biasAffineReLU32(d, a []float32, b, s, t float32) {
	a = a[:len(d)]
	for i, v := range a {
		v = float32((v+b)*s) + t
		if v <= 0 {
			v = 0
		}
		d[i] = v
	}
}

func biasAffineReLU64(d, a []float64, b, s, t float64) {
	a = a[:len(d)]
	for i, v := range a {
		v = float64((v+b)*s) + t
		if v <= 0 {
			v = 0
		}
		d[i] = v
	}
}
