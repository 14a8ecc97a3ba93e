package train

import (
	"bytes"
	"testing"
)

// TestProgressRateIsSmoothed: steps that alternate between 1 ms and 50 ms
// for 200 images give per-step rates of 200,000 and 4,000 images/s; the
// rate shown stays near the true mean, 400/0.051 ≈ 7,843 images/s.
func TestProgressRateIsSmoothed(t *testing.T) {
	p := newProgress(&bytes.Buffer{}, 100, 0, 0)
	lo, hi := 1e18, 0.0
	for i := range 100 {
		sec := 0.001
		if i%2 == 1 {
			sec = 0.05
		}
		p.step(i+1, 1, 200, sec)
		if i >= 40 {
			lo, hi = min(lo, p.rate()), max(hi, p.rate())
		}
	}
	mean := 400 / 0.051
	if lo < 0.8*mean || hi > 1.25*mean {
		t.Errorf("rate ranged over [%.0f, %.0f] images/s, want within 20%% of %.0f", lo, hi, mean)
	}
}
