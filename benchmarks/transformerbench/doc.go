// Package transformerbench is workload W9 of WORKLOADS.md, one training
// step of a small character-level language model, as code that both the
// testing.B benchmark of package benchmarks and the compare command run.
//
// The model (CharLM, charmodel.CharLM of internal/charmodel) embeds each of Context characters from a vocabulary of
// Vocab (a token embedding plus a learned position embedding), runs them
// through a TransformerEncoder of Layers pre-norm layers (DModel features,
// Heads heads, a GELU feed-forward block of FFN, no dropout, causal
// attention) with a final LayerNorm, and maps each position to Vocab
// logits. A Net trains it in float32 with AdamW at lr 3e-4 (PyTorch's other
// defaults) through a train.Classifier, on one fixed random batch: Batch
// sequences of Context+1 characters, each position predicting the next.
// TrainStep is forward, mean cross-entropy over every position, backward
// and the update:
//
//	net := transformerbench.NewNet(rand.New(rand.NewPCG(1, 2)), transformerbench.Batch)
//	loss := net.TrainStep()
//
// Model, X and Labels are exported so that the same weights and batch can
// be handed to PyTorch (nn.Save writes a checkpoint its twin loads; see
// benchmarks/pytorch/workloads.py) and the losses compared.
package transformerbench
