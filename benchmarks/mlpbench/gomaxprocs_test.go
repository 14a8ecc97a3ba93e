package mlpbench_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/mlpbench"
	"github.com/tapegrad/tapegrad/nn"
)

// TestTrainStepDoesNotDependOnGOMAXPROCS trains the MLP of benchmark W1
// (3072→100→10, batch 200) for three steps with 1, 2 and 4 goroutines
// allowed: its products are large enough to be split among goroutines, and
// so is the SGD update of its first weight (307200 values, above
// 2·parallel.Grain), yet the losses and every parameter must be the same
// bits.
func TestTrainStepDoesNotDependOnGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	run := func(procs int) (losses []float32, params [][]float32) {
		runtime.GOMAXPROCS(procs)
		net := mlpbench.NewNetIn(rand.New(rand.NewPCG(3, 4)), mlpbench.Inputs, mlpbench.W1Hidden, mlpbench.Batch)
		for range 3 {
			losses = append(losses, net.TrainStep())
		}
		for _, p := range nn.Params[float32](net.Model) {
			params = append(params, append([]float32(nil), p.Value().Data()...))
		}
		return losses, params
	}
	wantLoss, wantParams := run(1)
	for _, procs := range []int{2, 4} {
		loss, params := run(procs)
		for i := range loss {
			if math.Float32bits(loss[i]) != math.Float32bits(wantLoss[i]) {
				t.Errorf("GOMAXPROCS=%d: loss of step %d is %v, with 1 it is %v", procs, i+1, loss[i], wantLoss[i])
			}
		}
		for i, p := range params {
			for j, v := range p {
				if math.Float32bits(v) != math.Float32bits(wantParams[i][j]) {
					t.Fatalf("GOMAXPROCS=%d: parameter %d, value %d is %v, with 1 it is %v", procs, i, j, v, wantParams[i][j])
				}
			}
		}
	}
}
