package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

func testRowsMatchGo[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, width := range []int{1, 7, 8, 9, 15, 16, 17, 24, 33, 100} {
		for _, rows := range []int{1, 2, 5} {
			for _, pad := range []int{0, 3} {
				stride := width + pad
				n := (rows-1)*stride + width
				s := randSlices[T](rng, n, 4)
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
				at := func(s []T, r, j int) float64 { return float64(s[r*stride+j]) }

				acc := cols()
				want := append([]float64(nil), acc...)
				SumRows(acc, x, rows, stride)
				for j := range width {
					for r := range rows {
						want[j] += at(x, r, j)
					}
				}
				checkF64(t, "SumRows", width, rows, acc, want)

				acc = append([]float64(nil), want...)
				SumSqDevRows(acc, x, mu, rows, stride)
				for j := range width {
					for r := range rows {
						d := at(x, r, j) - mu[j]
						want[j] += d * d
					}
				}
				checkF64(t, "SumSqDevRows", width, rows, acc, want)

				sa, sab := cols(), cols()
				wa, wab := append([]float64(nil), sa...), append([]float64(nil), sab...)
				SumDotRows(sa, sab, dy, x, rows, stride)
				for j := range width {
					for r := range rows {
						wa[j] += at(dy, r, j)
						wab[j] += at(dy, r, j) * at(x, r, j)
					}
				}
				checkF64(t, "SumDotRows sa", width, rows, sa, wa)
				checkF64(t, "SumDotRows sab", width, rows, sab, wab)

				h, y, dx := make([]T, n), make([]T, n), make([]T, n)
				wh, wy, wdx := make([]T, n), make([]T, n), make([]T, n)
				for j := range width {
					for r := range rows {
						i := r*stride + j
						wh[i] = T((at(x, r, j) - mu[j]) * is[j])
						wy[i] = T(g[j]*wh[i]) + b[j]
						wdx[i] = T(float64(k1[j]*at(dy, r, j)) + float64(k2[j]*float64(wh[i])) + k3[j])
					}
				}
				NormalizeRows(h, x, mu, is, rows, stride)
				checkT(t, "NormalizeRows", width, rows, h, wh)
				clear(h)
				NormalizeAffineRows(h, y, x, mu, is, g, b, rows, stride)
				checkT(t, "NormalizeAffineRows h", width, rows, h, wh)
				checkT(t, "NormalizeAffineRows y", width, rows, y, wy)
				BatchNormGradRows(dx, dy, wh, k1, k2, k3, rows, stride)
				checkT(t, "BatchNormGradRows", width, rows, dx, wdx)
			}
		}
	}
}

func checkF64(t *testing.T, name string, width, rows int, got, want []float64) {
	t.Helper()
	for j := range got {
		if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
			t.Fatalf("%s width %d rows %d: column %d = %v, want %v", name, width, rows, j, got[j], want[j])
		}
	}
}

func checkT[T Float](t *testing.T, name string, width, rows int, got, want []T) {
	t.Helper()
	if i := sameBits(got, want); i >= 0 {
		t.Fatalf("%s width %d rows %d: [%d] = %v, want %v", name, width, rows, i, got[i], want[i])
	}
}

func TestRowsMatchGo(t *testing.T) {
	t.Run("float32", testRowsMatchGo[float32])
	t.Run("float64", testRowsMatchGo[float64])
}

func TestRowsPanics(t *testing.T) {
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { SumRows(make([]float64, 4), make([]float32, 10), 3, 4) }, "vec: SumRows of 3 rows of 4 at stride 4 over 10 values"},
		{func() { SumRows(make([]float64, 4), make([]float32, 10), 2, 3) }, "vec: SumRows of 2 rows of 4 at stride 3 over 10 values"},
		{func() { SumSqDevRows(make([]float64, 4), make([]float32, 10), make([]float64, 3), 1, 4) }, "vec: SumSqDevRows with column vectors of lengths [3], want 4"},
		{func() {
			BatchNormGradRows(make([]float32, 8), make([]float32, 7), make([]float32, 8), make([]float64, 4), make([]float64, 4), make([]float64, 4), 2, 4)
		}, "vec: BatchNormGradRows of 2 rows of 4 at stride 4 over 7 values"},
	} {
		testutil.MustPanic(t, c.f, c.want)
	}
}
