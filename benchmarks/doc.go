// Package benchmarks holds the workloads of WORKLOADS.md as testing.B
// benchmarks, so that tapegrad's speed is measured the same way every time
// and can be compared with benchstat:
//
//	go test -run '^$' -bench . -count 10 ./benchmarks > new.txt
//	benchstat old.txt new.txt
//
// Benchmarks report meaningful units through b.ReportMetric (ns per tape
// node, GFLOP/s, bytes kept for backward). Timings are never asserted.
package benchmarks
