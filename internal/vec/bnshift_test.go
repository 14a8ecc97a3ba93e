package vec

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// testShiftMatch checks the loops of bnshift.go against the formulas of
// their doc comments written out here, one value at a time, bit for bit,
// over widths that take SumShiftSqRows's 32-, 16- and 8-column steps,
// SumDotShiftRows's column-block and two-row kernels, the 8-column steps
// of the element-wise loops and the Go loops' remainders, with odd and
// even row counts, row counts that fill SumShiftSqRows's groups of 8 and
// leave a shorter last one, and strides wider than the rows.
func testShiftMatch[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, width := range []int{1, 7, 8, 9, 15, 16, 17, 24, 33, 56, 100} {
		for _, rows := range []int{1, 2, 5, 8, 9, 19} {
			for _, pad := range []int{0, 3} {
				stride := width + pad
				n := (rows-1)*stride + width
				s := randSlices[T](rng, n, 2)
				x, dy := s[0], s[1]
				for i := range x {
					x[i] = 3*x[i] + 5 // away from 0, as activations are
				}
				c := randSlices[T](rng, width, 6)
				m, a, b, k1, k2, k3 := c[0], c[1], c[2], c[3], c[4], c[5]
				for j := range m {
					m[j] += 5
				}

				y, wy := make([]T, n), make([]T, n)
				dx, wdx := make([]T, n), make([]T, n)
				sa, sab := make([]float64, width), make([]float64, width)
				for j := range sa {
					sa[j], sab[j] = rng.NormFloat64(), rng.NormFloat64()
				}
				wa, wab := append([]float64(nil), sa...), append([]float64(nil), sab...)
				for r := range rows {
					for j := range width {
						i := r*stride + j
						d := T(x[i] - m[j])
						wy[i] = T(d*a[j]) + b[j]
						wdx[i] = T(T(k1[j]*dy[i])+T(k2[j]*d)) + k3[j]
					}
				}
				for r := range rows {
					for j := range width {
						i := r*stride + j
						wa[j] += float64(dy[i])
						wab[j] += float64(float64(dy[i]) * float64(T(x[i]-m[j])))
					}
				}
				ScaleShiftRows(y, x, m, a, b, rows, stride)
				checkT(t, "ScaleShiftRows", width, rows, y, wy)
				GradShiftRows(dx, dy, x, m, k1, k2, k3, rows, stride)
				checkT(t, "GradShiftRows", width, rows, dx, wdx)
				SumDotShiftRows(sa, sab, dy, x, m, rows, stride)
				checkF64(t, "SumDotShiftRows sa", width, rows, sa, wa)
				checkF64(t, "SumDotShiftRows sab", width, rows, sab, wab)

				kk := make([]T, width)
				for j := range kk {
					kk[j] = T(5 + rng.NormFloat64())
				}
				s1, s2 := append([]float64(nil), sa...), append([]float64(nil), sab...)
				w1, w2 := append([]float64(nil), sa...), append([]float64(nil), sab...)
				for g := 0; g < rows; g += 8 {
					for j := range width {
						var p1, p2 T
						for r := g; r < min(g+8, rows); r++ {
							d := x[r*stride+j] - kk[j]
							p1 += d
							p2 += T(d * d)
						}
						w1[j] += float64(p1)
						w2[j] += float64(p2)
					}
				}
				SumShiftSqRows(s1, s2, x, kk, rows, stride)
				checkF64(t, "SumShiftSqRows s1", width, rows, s1, w1)
				checkF64(t, "SumShiftSqRows s2", width, rows, s2, w2)

				// With m = 0 the backward reduction is SumDotRows.
				clear(m)
				za, zab := make([]float64, width), make([]float64, width)
				wa, wab = make([]float64, width), make([]float64, width)
				SumDotShiftRows(za, zab, dy, x, m, rows, stride)
				SumDotRows(wa, wab, dy, x, rows, stride)
				checkF64(t, "SumDotShiftRows at m = 0, sa", width, rows, za, wa)
				checkF64(t, "SumDotShiftRows at m = 0, sab", width, rows, zab, wab)
			}
		}
	}
}

func TestShiftMatch(t *testing.T) {
	t.Run("float32", testShiftMatch[float32])
	t.Run("float64", testShiftMatch[float64])
}

func TestShiftPanics(t *testing.T) {
	f4 := func() []float32 { return make([]float32, 4) }
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { ScaleShiftRows(make([]float32, 8), make([]float32, 8), f4(), f4(), make([]float32, 3), 2, 4) },
			"vec: ScaleShiftRows with column vectors of lengths [4 3], want 4"},
		{func() {
			GradShiftRows(make([]float32, 8), make([]float32, 7), make([]float32, 8), f4(), f4(), f4(), f4(), 2, 4)
		}, "vec: GradShiftRows of 2 rows of 4 at stride 4 over 7 values"},
		{func() {
			SumDotShiftRows(make([]float64, 4), make([]float64, 4), make([]float32, 8), make([]float32, 8), make([]float32, 5), 2, 4)
		}, "vec: SumDotShiftRows with column vectors of lengths [4 5], want 4"},
		{func() {
			SumShiftSqRows(make([]float64, 4), make([]float64, 4), make([]float32, 8), make([]float32, 3), 2, 4)
		}, "vec: SumShiftSqRows with column vectors of lengths [4 3], want 4"},
	} {
		testutil.MustPanic(t, c.f, c.want)
	}
}
