package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// A two-layer bidirectional LSTM over a batch-first batch of 3 sequences of
// 5 steps, from zero initial states, and its parameters' PyTorch names.
func ExampleLSTM() {
	rng := rand.New(rand.NewPCG(1, 2))
	lstm := nn.NewLSTM[float32](4, 8, rng, nn.RNNNumLayers(2), nn.RNNBidirectional(true), nn.RNNBatchFirst(true))
	tape := autograd.NewTape[float32]()
	x := tape.Input(tensor.RandN[float32](rng, 3, 5, 4))
	out, hn, cn := lstm.ForwardStates(x, nil, nil)
	fmt.Println("output", out.Shape(), "h_n", hn.Shape(), "c_n", cn.Shape())
	for _, p := range nn.NamedParams[float32](lstm)[4:8] {
		fmt.Println(p.Name, p.Var.Shape())
	}
	// Output:
	// output [3 5 16] h_n [4 3 8] c_n [4 3 8]
	// weight_ih_l0_reverse [32 4]
	// weight_hh_l0_reverse [32 8]
	// bias_ih_l0_reverse [32]
	// bias_hh_l0_reverse [32]
}
