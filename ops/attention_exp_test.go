package ops

import (
	"math"
	"testing"
)

// TestAttnExp checks attnExp against math.Exp (within 1 ulp of e^x) over
// the softmax's range: within 3·2⁻⁵² relative from −708 to 0 (2.2 on
// 2²¹ points), exact at 0, and
// math.Exp's own values below −708 and at NaN, −Inf and x > 0.
func TestAttnExp(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 1<<20; i++ {
		for _, x := range []float64{-708 * float64(i) / (1 << 20), -float64(i) / (1 << 16)} {
			got, want := attnExp(x), math.Exp(x)
			worst = max(worst, math.Abs(got-want)/want)
		}
	}
	if worst > 3*0x1p-52 {
		t.Errorf("attnExp differs from math.Exp by %g relative (%.2f·2⁻⁵²), want at most 3·2⁻⁵²", worst, worst/0x1p-52)
	}
	for _, x := range []float64{0, -708.5, -745.2, -1e300, math.Inf(-1), math.NaN(), 1e-300, 3} {
		got, want := attnExp(x), math.Exp(x)
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("attnExp(%v) = %v, want %v", x, got, want)
		}
	}
}
