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
				at := func(s []T, r, j int) float64 { return float64(s[r*stride+j]) }

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
		{func() {
			SumDotRows(make([]float64, 4), make([]float64, 4), make([]float32, 10), make([]float32, 12), 3, 4)
		}, "vec: SumDotRows of 3 rows of 4 at stride 4 over 10 values"},
		{func() {
			SumDotRows(make([]float64, 4), make([]float64, 4), make([]float32, 12), make([]float32, 12), 2, 3)
		}, "vec: SumDotRows of 2 rows of 4 at stride 3 over 12 values"},
		{func() {
			SumDotRows(make([]float64, 4), make([]float64, 3), make([]float32, 12), make([]float32, 12), 1, 4)
		}, "vec: SumDotRows with column vectors of lengths [3], want 4"},
	} {
		testutil.MustPanic(t, c.f, c.want)
	}
}
