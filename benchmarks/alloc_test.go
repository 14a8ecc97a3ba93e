package benchmarks

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/bnbench"
	"github.com/tapegrad/tapegrad/benchmarks/convbench"
	"github.com/tapegrad/tapegrad/benchmarks/mlpbench"
)

// steadyBytes runs step twice to fill the tape's arena and the optimizer's
// state, then returns the bytes and allocations of the step that allocates
// least among three more. A step can still grow a buffer that only a late
// goroutine uses (a GEMM worker's packing space the first time the
// scheduler hands it a job, which depends on the load), once: that is not
// what a steady-state step costs, and counting it made the test depend on
// the machine's load.
func steadyBytes(step func()) (bytes, allocs uint64) {
	step()
	step()
	bytes, allocs = ^uint64(0), ^uint64(0)
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		step()
		runtime.ReadMemStats(&after)
		if b := after.TotalAlloc - before.TotalAlloc; b < bytes {
			bytes, allocs = b, after.Mallocs-before.Mallocs
		}
	}
	return bytes, allocs
}

// A training step on a tape that reuses its buffers allocates (nearly)
// nothing once the first steps have filled the arena: what is left is
// bookkeeping — Vars, nodes, op structs, shapes — not tensor storage.
func TestSteadyStateStepsBarelyAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("a ConvNet step takes a few hundred milliseconds")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	mlp := mlpbench.NewNet(rng, mlpbench.W1Hidden, mlpbench.Batch)
	conv := convbench.NewNet(rng, 8)
	// W3's small fused row, whose peak memory is mostly what its
	// steps leave for the collector.
	bn := bnbench.NewWorkload[float32](rng, 200, 100)
	for _, c := range []struct {
		name     string
		step     func()
		maxBytes uint64
		data     uint64 // the bytes of activations and gradients one step computes
	}{
		{"W1", func() { mlp.TrainStep() }, 64 << 10, 4 << 20},
		{"W2 (batch 8)", func() { conv.TrainStep() }, 4 << 20, 100 << 20},
		// The tape reuses its nodes' slabs and the arena its tensor
		// headers; what is left is the op struct, Backward's slice of
		// gradients and the step's Vars.
		{"W3/fused/200x100", func() { bn.Step(bnbench.Fused) }, 512, 320_000},
	} {
		bytes, allocs := steadyBytes(c.step)
		t.Logf("%s: %d bytes in %d allocations per steady-state step", c.name, bytes, allocs)
		if bytes > c.maxBytes {
			t.Errorf("%s: a steady-state step allocates %d bytes, want at most %d (its tensors alone are ~%d)", c.name, bytes, c.maxBytes, c.data)
		}
	}
}
