package hvpbench

import (
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/derivative"
	"github.com/tapegrad/tapegrad/benchmarks/mlpbench"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// Workload is W10: the Hessian–vector product of an MLP's loss on one
// fixed batch. It is used by one goroutine at a time.
type Workload struct {
	Net    *mlpbench.Net             // the MLP and its batch; its optimizer is not used
	Params []*autograd.Var[float32]  // nn.Params(Net.Model), the θ of the product
	V      []*tensor.Tensor[float32] // v, one tensor of each parameter's shape, drawn from N(0, 1)

	tape *autograd.Tape[float32]
	loss float32
	hv   []*autograd.Var[float32]
}

// New builds the MLP Inputs→hidden…→Classes and its batch of n images as
// mlpbench.NewNet does from rng (so that the same source gives W1's
// weights and batch), then draws v, parameter by parameter in nn.Params
// order. It panics as NewNet does.
func New(rng *rand.Rand, hidden []int, n int) *Workload {
	return NewIn(rng, mlpbench.Inputs, hidden, n)
}

// NewIn is New for an MLP with the given number of inputs
// (mlpbench.NewNetIn).
func NewIn(rng *rand.Rand, inputs int, hidden []int, n int) *Workload {
	net := mlpbench.NewNetIn(rng, inputs, hidden, n)
	w := &Workload{Net: net, Params: nn.Params[float32](net.Model), tape: autograd.NewTape[float32]()}
	for _, p := range w.Params {
		w.V = append(w.V, tensor.RandN[float32](rng, p.Shape()...))
	}
	w.tape.ReuseBuffers(true)
	return w
}

// Step computes Hv = ∇²L(θ) v on the reset tape: the forward pass and the
// loss, g = ∂L/∂θ with the backward pass recorded (CreateGraph), then the
// gradient of ⟨g, v⟩ = Σᵢ Σ gᵢ ⊙ vᵢ with respect to θ, by
// derivative.HVPAt (the second pass seeds each gᵢ with vᵢ). The parameters'
// Grad fields are not touched.
func (w *Workload) Step() {
	t := w.tape
	t.Reset()
	out := w.Net.Model.Forward(t.Input(w.Net.X))
	loss := functional.CrossEntropy(out, w.Net.Labels)
	w.hv = derivative.HVPAt(t, loss, w.Params, w.V, nil)
	w.loss = loss.Value().Item()
}

// Loss returns the loss L(θ) of the last Step; 0 before the first.
func (w *Workload) Loss() float32 { return w.loss }

// HV returns the last Step's Hv, one tensor per parameter in nn.Params
// order, of the parameter's shape; nil before the first Step. The tensors
// belong to the tape and are valid until the next Step: clone them to keep
// them.
func (w *Workload) HV() []*tensor.Tensor[float32] {
	if w.hv == nil {
		return nil
	}
	out := make([]*tensor.Tensor[float32], len(w.hv))
	for i, h := range w.hv {
		out[i] = h.Value()
	}
	return out
}
