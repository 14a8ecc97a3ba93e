package tensor

import (
	"math"
	"testing"
)

// ArgMaxSlice follows ArgMax's rules on a plain slice: the first of equal
// maxima, the first NaN over any number, and 0 for an empty slice; it
// agrees with ArgMaxFlat on a tensor of the same values.
func TestArgMaxSlice(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		x    []float64
		want int
	}{
		{nil, 0},
		{[]float64{3}, 0},
		{[]float64{1, 5, 2, 5}, 1},
		{[]float64{-inf, -1, -inf}, 1},
		{[]float64{1, inf, nan, 2, nan}, 2},
		{[]float64{nan, 7}, 0},
	} {
		if got := ArgMaxSlice(c.x); got != c.want {
			t.Errorf("ArgMaxSlice(%v) = %d, want %d", c.x, got, c.want)
		}
		if len(c.x) > 0 {
			if got := ArgMaxFlat(FromSlice(c.x)); got != c.want {
				t.Errorf("ArgMaxFlat(%v) = %d, want %d", c.x, got, c.want)
			}
		}
	}
}
