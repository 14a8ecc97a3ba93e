// Package train trains models: the training step written once, an
// evaluation helper, and Fit, a training loop with the features of PyTorch
// Lightning's Trainer.fit and Keras's Model.fit — periodic evaluation,
// learning-rate schedules, a metrics CSV and plots, atomic checkpoints that
// resume bit for bit, cancellation that saves, and callbacks.
//
// A Classifier holds an nn.Module, its optimizer and a tape that every step
// resets and whose buffers it reuses. Its Step is the training step:
//
//	reset the tape, zero the gradients,
//	L = CrossEntropy(Model(x), labels)     forward, on the tape
//	backward from L, Optimizer.Step()
//
// returning L. The example trainers, Fit and the benchmarks of the
// training step (W1, W1b, W2) all run this one Step. Predict runs the model
// with recording off (autograd.Tape.SetGradEnabled, PyTorch's
// torch.no_grad()); Evaluate gives the loss and accuracy over a whole
// data set.
//
// Fit trains any Model — a Classifier, or a model with a training step of
// its own — on a data.Dataset:
//
//	opt, _ := train.NewOptimizer("adam", nn.Params[float32](model), 1e-3)
//	hist, err := train.Fit[float32](ctx, train.NewClassifier[float32](model, opt), trainSet, testSet, train.Options{
//		Steps: 5000, EvalEvery: 500, Dir: "out",
//		Data: data.LoaderConfig{BatchSize: 32, Shuffle: true, Seed: 1, Normalize: &norm},
//	})
//
// Every EvalEvery steps Fit evaluates on the whole validation set, logs a
// line, writes metrics.csv (step, train_loss, train_accuracy, test_loss,
// test_accuracy, seconds; the train columns are means over the steps since
// the previous evaluation) and a checkpoint into Dir; at the end it also
// draws loss.png and accuracy.png.
//
// A checkpoint is two files, each written atomically:
// checkpoint.safetensors, the model's state_dict under PyTorch's names,
// which PyTorch's load_state_dict(strict=True) accepts for the equivalent
// module, with the loop's state (step, curve, recipe) in its metadata; and
// checkpoint.optim.safetensors, the optimizer's state (momentum buffers,
// Adam's moments and step counts). Resuming (Options.Resume) needs both,
// the same data and the same Options but Steps; it refuses a checkpoint of
// another run (another Name, batch size, seed, or Recipe entry such as the
// learning rate) and a pair of files saved at different steps. Resumed, a
// run continues bit for bit: the same batches, weights and curve as a run
// that never stopped.
//
// A training loss that becomes NaN or infinite stops Fit at once with an
// error naming the step, before anything more is written: the last
// checkpoint and metrics stay those of the last good evaluation. When the
// context is cancelled, Fit saves a checkpoint of the steps done and
// returns the context's error. Callbacks (Options.AfterStep, AfterEval)
// see every step and evaluation and may stop training early with ErrStop.
//
// The same seed gives the same numbers: the model's initial weights (drawn
// by the caller), the shuffling and therefore every loss and accuracy
// depend only on it, whatever GOMAXPROCS is.
package train
