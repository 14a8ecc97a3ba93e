// Package benchmarks holds the workloads of WORKLOADS.md as testing.B
// benchmarks, so that tapegrad's speed is measured the same way every time
// and can be compared with benchstat:
//
//	go test -run '^$' -bench . -count 10 ./benchmarks > new.txt
//	benchstat old.txt new.txt
//
// Benchmarks report meaningful units through b.ReportMetric (images/s,
// GFLOP/s, ns per tape node, bytes kept for backward). Timings are never
// asserted.
//
// The workloads themselves live in small packages that the benchmarks and
// the commands share: mlpbench (W1, W1b), convbench (W2, W2e and the
// ConvNet's convolutions), bnbench (W3), gemmbench (W4), tapebench (W5) and
// hvpbench (W10, a Hessian–vector product of W1's loss), and trainbench:
// W1, W1s and W2 as the example trainers take them, train.Fit drawing
// from a data.Loader, timed alone (BenchmarkW1Trainer, …) and against the
// workloads' steps (BenchmarkTrainerGap).
// Two commands put them side by side:
//
//	go run ./benchmarks/cmd/compare    // every workload against PyTorch and NumPy
//	go run ./benchmarks/cmd/bncompare  // W3 and W6: composed against fused normalization layers
//
// compare drives benchmarks/pytorch/workloads.py, the same workloads written
// for PyTorch (NumPy for W4), when a Python with torch is installed; without
// one it prints tapegrad's column alone. benchmarks/README.md explains how to
// read its table and holds the latest one.
package benchmarks
