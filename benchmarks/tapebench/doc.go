// Package tapebench is workload W5 of WORKLOADS.md, the tape's overhead per
// recorded op, as code that the compare command runs: a chain of Nodes
// scalar-sized (one-element, float64) ops recorded on a reused tape and
// back-propagated. With one-element tensors the arithmetic is negligible,
// so the time of a Step divided by Nodes is what recording and walking one
// node costs.
//
// The chain is the one BenchmarkW5TapeOverhead in package benchmarks
// records: y = x·w, then alternately y + w and y·c, then Σy.
package tapebench
