package tapebench_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/tapebench"
)

// TestStep checks dL/dw against the chain evaluated here in plain float64
// together with its derivative with respect to w (forward mode), with and
// without anomaly detection, twice, so that gradients are seen not to add
// up across Steps.
func TestStep(t *testing.T) {
	const w, c = 0.5, 1.0001
	y, dy := w, 1.0 // value and derivative with respect to w
	for i := 1; i < tapebench.Nodes-1; i++ {
		if i%2 == 0 {
			y, dy = y*c, dy*c
		} else {
			y, dy = y+w, dy+1
		}
	}
	for _, anomaly := range []bool{false, true} {
		wl := tapebench.NewWorkload(anomaly)
		for range 2 {
			if g := wl.Step(); math.Abs(g-dy) > 1e-9*dy {
				t.Errorf("anomaly %v: dL/dw = %v, want %v", anomaly, g, dy)
			}
		}
	}
}
