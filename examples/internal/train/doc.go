// Package train is the training loop the three example trainers share: the
// command-line flags with the course's defaults, the data sets, the loop with
// its progress bar and periodic evaluation on the whole test set, the curves
// (CSV and PNG plots), checkpoints to resume from, and Ctrl-C handling.
//
// A trainer supplies a Model — how to take one training step, evaluate a
// batch, and save and load its state — and Run does the rest. The same seed
// gives the same numbers: the model's initial weights, the shuffling and
// therefore every loss and accuracy depend only on it, and a run resumed from
// a checkpoint continues the curve it would have drawn without stopping.
package train
