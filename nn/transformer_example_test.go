package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// Self-attention over a batch of 2 sequences of 5 positions, batch first,
// with the last position of the second sequence as padding: the output has
// the query's shape and the weights, averaged over the heads, are N×L×S.
func ExampleMultiheadAttention_Attend() {
	rng := rand.New(rand.NewPCG(1, 2))
	mha := nn.NewMultiheadAttention[float32](16, 4, rng, nn.MHABatchFirst(true))
	x := autograd.NewConst(tensor.RandN[float32](rng, 2, 5, 16))
	pad := []bool{false, false, false, false, false, false, false, false, false, true}
	out, w := mha.Attend(x, x, x, nn.KeyPaddingMask(pad))
	fmt.Println(out.Shape(), w.Shape())
	fmt.Printf("weight of the padding: %v\n", w.Value().Data()[len(pad)*5-1])
	// Output:
	// [2 5 16] [2 5 5]
	// weight of the padding: 0
}

// A 2-layer pre-norm encoder with a final LayerNorm, as
// nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64,
// activation="gelu", batch_first=True, norm_first=True), 2,
// norm=nn.LayerNorm(32)), run with a causal mask; its state_dict keys are
// PyTorch's.
func ExampleNewTransformerEncoder() {
	rng := rand.New(rand.NewPCG(1, 2))
	layer := nn.NewTransformerEncoderLayer[float32](32, 4, rng, nn.EncoderDimFeedforward(64),
		nn.EncoderActivation("gelu"), nn.EncoderBatchFirst(true), nn.EncoderNormFirst(true))
	enc := nn.NewTransformerEncoder(layer, 2, nn.NewLayerNorm[float32]([]int{32}))
	y := enc.ForwardMasked(autograd.NewConst(tensor.RandN[float32](rng, 3, 10, 32)), nn.CausalMask())
	params := nn.NamedParams[float32](enc)
	fmt.Println(y.Shape(), len(params))
	fmt.Println(params[0].Name)
	fmt.Println(params[len(params)-1].Name)
	// Output:
	// [3 10 32] 26
	// layers.0.self_attn.in_proj_weight
	// norm.bias
}
