package vec

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// testRowsFromXMatch checks the loops that recompute x̂ from x against the
// loops of rows.go run on the x̂ NormalizeRows writes, bit for bit, over the
// widths that take the column-block and the row-major kernels and the Go
// loops' remainders.
func testRowsFromXMatch[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, width := range []int{1, 7, 8, 9, 15, 16, 17, 24, 33, 100} {
		for _, rows := range []int{1, 2, 5} {
			for _, pad := range []int{0, 3} {
				stride := width + pad
				n := (rows-1)*stride + width
				s := randSlices[T](rng, n, 2)
				x, dy := s[0], s[1]
				cols := func() []float64 {
					v := make([]float64, width)
					for j := range v {
						v[j] = rng.NormFloat64()
					}
					return v
				}
				mu, is, k1, k2, k3 := cols(), cols(), cols(), cols(), cols()
				g, b := randSlices[T](rng, width, 1)[0], randSlices[T](rng, width, 1)[0]

				h, wy, y := make([]T, n), make([]T, n), make([]T, n)
				NormalizeAffineRows(h, wy, x, mu, is, g, b, rows, stride)
				AffineRows(y, x, mu, is, g, b, rows, stride)
				checkT(t, "AffineRows", width, rows, y, wy)

				sa, sab := cols(), cols()
				wa, wab := append([]float64(nil), sa...), append([]float64(nil), sab...)
				SumDotRows(wa, wab, dy, h, rows, stride)
				SumDotNormRows(sa, sab, dy, x, mu, is, rows, stride)
				checkF64(t, "SumDotNormRows sa", width, rows, sa, wa)
				checkF64(t, "SumDotNormRows sab", width, rows, sab, wab)

				dx, wdx := make([]T, n), make([]T, n)
				BatchNormGradRows(wdx, dy, h, k1, k2, k3, rows, stride)
				BatchNormGradNormRows(dx, dy, x, mu, is, k1, k2, k3, rows, stride)
				checkT(t, "BatchNormGradNormRows", width, rows, dx, wdx)
			}
		}
	}
}

func TestRowsFromXMatch(t *testing.T) {
	t.Run("float32", testRowsFromXMatch[float32])
	t.Run("float64", testRowsFromXMatch[float64])
}

func TestRowsFromXPanics(t *testing.T) {
	c4 := func() []float64 { return make([]float64, 4) }
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() {
			AffineRows(make([]float32, 8), make([]float32, 8), c4(), c4(), make([]float32, 3), make([]float32, 4), 2, 4)
		},
			"vec: AffineRows with column vectors of lengths [4 3 4], want 4"},
		{func() { SumDotNormRows(c4(), c4(), make([]float32, 8), make([]float32, 7), c4(), c4(), 2, 4) },
			"vec: SumDotNormRows of 2 rows of 4 at stride 4 over 7 values"},
		{func() {
			BatchNormGradNormRows(make([]float32, 8), make([]float32, 8), make([]float32, 8), c4(), c4(), c4(), c4(), make([]float64, 5), 2, 4)
		}, "vec: BatchNormGradNormRows with column vectors of lengths [4 4 4 5], want 4"},
	} {
		testutil.MustPanic(t, c.f, c.want)
	}
}
