package benchmarks

import (
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// BenchmarkW5TapeOverhead is workload W5: 1000 scalar-sized ops recorded on a
// reused tape and back-propagated. With one-element tensors the arithmetic is
// negligible, so ns/node is what recording and walking one node costs.
func BenchmarkW5TapeOverhead(b *testing.B) { benchTapeOverhead(b, false) }

// BenchmarkW5TapeOverheadAnomaly is W5 with anomaly detection on: every
// output and gradient is scanned for NaN and ±Inf. Compared with
// BenchmarkW5TapeOverhead it shows what detection costs when on; the cost
// when off is the difference of BenchmarkW5TapeOverhead across the change
// that introduced it (see the closing note of that change).
func BenchmarkW5TapeOverheadAnomaly(b *testing.B) { benchTapeOverhead(b, true) }

func benchTapeOverhead(b *testing.B, anomaly bool) {
	const nodes = 1000
	w := autograd.NewParam(tensor.FromSlice([]float64{0.5}))
	c := autograd.NewConst(tensor.FromSlice([]float64{1.0001}))
	tape := autograd.NewTape[float64]()
	tape.SetDetectAnomaly(anomaly)
	b.ReportAllocs()
	for b.Loop() {
		tape.Reset()
		y := functional.Mul(tape.Input(tensor.FromSlice([]float64{1})), w)
		for i := 1; i < nodes-1; i++ {
			if i%2 == 0 {
				y = functional.Mul(y, c)
			} else {
				y = functional.Add(y, w)
			}
		}
		loss := functional.Sum(y)
		tape.Backward(loss)
		w.ZeroGrad()
		if tape.Len() != nodes {
			b.Fatalf("recorded %d nodes, want %d", tape.Len(), nodes)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*nodes), "ns/node")
}
