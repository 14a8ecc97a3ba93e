// Package course is the command-line layer the example trainers share
// (the course's three, and the models beyond it such as resnet): the flags with the course's defaults and their validation, the
// data sets, and the exit codes. The training itself — the step, the loop
// with its evaluations, metrics, plots, checkpoints and Ctrl-C handling —
// is package train's Fit.
//
// Every flag is checked before any data is loaded or any step is taken: a
// bad value (a learning rate that is not a positive finite number, a batch
// larger than the training set, an output directory that cannot be
// written) ends the trainer with a one-line error and exit status 2, as
// package flag does; -h prints the flags and exits 0; Ctrl-C saves a
// checkpoint and exits 0. The recipe — every flag but -steps, -out,
// -resume, -data and -mirror — is recorded in the checkpoint, and resuming
// with another recipe is refused.
//
// -distributed trains data-parallel over the ranks of an MPI job (package
// distributed), as in
//
//	mpirun -np 2 go run -tags mpi ./examples/convnet -distributed
//
// with -batch examples per rank; only rank 0 writes. -sync-bn computes
// batch norm's statistics over all the ranks' batches.
package course
