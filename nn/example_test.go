package nn_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// An MLP is the Sequential a PyTorch user would write, with the same
// parameter names; an optimizer trains it on a tape that is reset every
// step.
func ExampleNewMLP() {
	rng := rand.New(rand.NewPCG(1, 2))
	m := nn.NewMLP[float32](nn.MLPConfig[float32]{Inputs: 4, Hidden: []int{8}, Classes: 3, BatchNorm: true}, rng)
	for _, p := range nn.NamedParams[float32](m) {
		fmt.Println(p.Name, p.Var.Shape())
	}

	x := tensor.RandN[float32](rng, 32, 4)
	labels := make([]int, 32)
	for i := range labels {
		if x.At(i, 0) > 0 {
			labels[i] = 1 + i%2
		}
	}
	opt := optim.NewAdam(nn.Params[float32](m), optim.LR(0.05))
	tape := autograd.NewTape[float32]()
	var first, last float32
	for step := range 30 {
		tape.Reset()
		opt.ZeroGrad()
		loss := functional.CrossEntropy(m.Forward(tape.Input(x)), labels)
		tape.Backward(loss)
		opt.Step()
		if step == 0 {
			first = loss.Value().Item()
		}
		last = loss.Value().Item()
	}
	fmt.Println("loss went down:", last < first/2)
	// Output:
	// 0.weight [8 4]
	// 0.bias [8]
	// 1.weight [8]
	// 1.bias [8]
	// 3.weight [3 8]
	// 3.bias [3]
	// loss went down: true
}

// Save writes a checkpoint that PyTorch's load_state_dict(strict=True)
// accepts for the same network; Load reads it back strictly.
func ExampleSave() {
	dir, _ := os.MkdirTemp("", "tapegrad-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	a := nn.NewLinear[float32](3, 2, true, rand.New(rand.NewPCG(1, 1)))
	if err := nn.Save[float32](path, a); err != nil {
		fmt.Println(err)
		return
	}
	b := nn.NewLinear[float32](3, 2, true, rand.New(rand.NewPCG(2, 2)))
	if err := nn.Load[float32](path, b); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("same weights:", tensor.AllClose(a.Weight.Value(), b.Weight.Value(), 0, 0))
	err := nn.Load[float32](path, nn.NewLinear[float32](4, 2, true, rand.New(rand.NewPCG(3, 3))))
	fmt.Println(err != nil)
	// Output:
	// same weights: true
	// true
}
