package vec

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// The binary loops give, for every length, form and Op, the bits of Go's
// operators, in place too.
func testBinaryMatchesGo[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ops := map[Op]func(a, b T) T{
		OpAdd: func(a, b T) T { return a + b },
		OpSub: func(a, b T) T { return a - b },
		OpMul: func(a, b T) T { return a * b },
		OpDiv: func(a, b T) T { return a / b },
	}
	for _, n := range []int{0, 1, 3, 4, 7, 8, 9, 31, 32, 33, 65, 1000} {
		s := randSlices[T](r, n, 2)
		a, b := s[0], s[1]
		c := T(r.NormFloat64())
		for op, f := range ops {
			want, wantVS, wantSV := make([]T, n), make([]T, n), make([]T, n)
			for i := range n {
				want[i], wantVS[i], wantSV[i] = f(a[i], b[i]), f(a[i], c), f(c, b[i])
			}
			d := make([]T, n)
			Binary(op, d, a, b)
			checkT(t, "Binary", n, int(op), d, want)
			BinaryVS(op, d, a, c)
			checkT(t, "BinaryVS", n, int(op), d, wantVS)
			BinarySV(op, d, c, b)
			checkT(t, "BinarySV", n, int(op), d, wantSV)
			in := append([]T(nil), a...)
			Binary(op, in, in, b)
			checkT(t, "Binary in place", n, int(op), in, want)
			in = append(in[:0], b...)
			BinarySV(op, in, c, in)
			checkT(t, "BinarySV in place", n, int(op), in, wantSV)
		}
	}
}

func TestBinaryMatchesGo(t *testing.T) {
	t.Run("float32", testBinaryMatchesGo[float32])
	t.Run("float64", testBinaryMatchesGo[float64])
}

func TestBinaryPanics(t *testing.T) {
	testutil.MustPanic(t, func() { Binary(OpAdd, make([]float32, 4), make([]float32, 4), make([]float32, 3)) },
		"vec: Binary into 4 values from a shorter slice of 3")
}
