package ops_test

import (
	"math"
	"math/rand/v2"
)

// avoiding returns an input generator of N(0, scale²) values moved at
// least 0.1 away from each kink (kinks at least 0.4 apart), so that central
// differences do not straddle one.
func avoiding(scale float64, kinks ...float64) func(shapes ...[]int) func(*rand.Rand) []t64 {
	return func(shapes ...[]int) func(*rand.Rand) []t64 {
		return gen(func(r *rand.Rand, sh ...int) t64 {
			x := randn(r, sh...)
			for i, v := range x.Data() {
				v *= scale
				for _, k := range kinks {
					if d := v - k; math.Abs(d) < 0.1 {
						v = k + math.Copysign(0.1+math.Abs(d), d)
					}
				}
				x.Data()[i] = v
			}
			return x
		}, shapes...)
	}
}
