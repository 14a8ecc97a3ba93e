//go:build race

package gemm

// raceEnabled: the race detector allocates in sync calls.
const raceEnabled = true
