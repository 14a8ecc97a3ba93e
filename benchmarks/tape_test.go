package benchmarks

import (
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/tapebench"
)

// BenchmarkW5TapeOverhead is workload W5: 1000 scalar-sized ops recorded on
// a reused tape and back-propagated (package tapebench). With one-element
// tensors the arithmetic is negligible, so ns/node is what recording and
// walking one node costs.
func BenchmarkW5TapeOverhead(b *testing.B) { benchTapeOverhead(b, false) }

// BenchmarkW5TapeOverheadAnomaly is W5 with anomaly detection on: every
// output and gradient is scanned for NaN and ±Inf. Compared with
// BenchmarkW5TapeOverhead it shows what detection costs when on; the cost
// when off was measured across the change that introduced it (no
// measurable difference, see its commit message).
func BenchmarkW5TapeOverheadAnomaly(b *testing.B) { benchTapeOverhead(b, true) }

func benchTapeOverhead(b *testing.B, anomaly bool) {
	w := tapebench.NewWorkload(anomaly)
	b.ReportAllocs()
	for b.Loop() {
		w.Step()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*tapebench.Nodes), "ns/node")
}
