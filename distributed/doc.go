// Package distributed trains data-parallel across processes and machines,
// in the spirit of PyTorch's torch.distributed and DistributedDataParallel.
//
// A Comm is a group of ranks with the few collectives training needs:
// all-reduce (sum) of float32 and float64 buffers, blocking or started
// without waiting (a Request to test or wait for), broadcast, and a
// barrier. Every rank starts the same collectives in the same order. Two
// implement it:
//
//   - MPI, the job's MPI_COMM_WORLD, through thin cgo bindings to Open MPI
//     (or any MPI), built only with -tags mpi. Without the tag the package
//     is pure Go, Init returns an error, and the default build needs no cgo
//     and no MPI.
//   - Local, ranks that are goroutines of one process, for tests.
//
// On a Comm, DDP wraps an nn.Module: it broadcasts rank 0's parameters and
// buffers at the start and averages the gradients over the ranks after
// every backward pass, in buckets whose all-reduces the parameters' hooks
// start during the backward pass, as soon as the bucket's gradients are
// complete, so that communication overlaps the computation of the earlier
// layers' gradients; Sync waits for them. train.Classifier.AfterBackward = ddp.Sync
// plugs it into the training step, and data.Shard gives every rank its own
// part of every epoch. Batch norm keeps per-process statistics by default,
// as in PyTorch; DDPOptions.SyncBatchNorm (SyncBatchNorm) computes them over
// the global batch instead.
//
// With batch b on each of R ranks, the averaged gradient is the gradient of
// the mean loss over the global batch of R·b (exactly, up to rounding, for
// a model without batch norm or with SyncBatchNorm), so R ranks with batch b
// follow the path of one process with batch R·b on the same examples: the
// package's tests check it for the MLP and a small ConvNet.
//
// # MPI
//
// Init calls MPI_Init_thread asking for MPI_THREAD_SERIALIZED on a
// goroutine locked to its OS thread, which MPI_Finalize runs on too; the
// collectives run on the calling goroutine, one at a time under a mutex,
// so any goroutine may call them; DDP calls them all from the goroutine
// running the backward pass, which keeps their order the same on every
// rank. A non-blocking all-reduce (MPI_Iallreduce) moves its data only
// while the process is in an MPI call: MPI_Test, MPI_Wait or another
// collective. It sets
// MPI_ERRORS_RETURN on MPI_COMM_WORLD, so a failing call returns an *Error
// holding MPI_Error_string's text rather than aborting.
//
// A rank that dies (killed, out of memory, a panic) cannot be reported as
// an error to the others: Open MPI's mpirun notices the process's end,
// kills the other ranks of the job and exits non-zero with a message such
// as "mpirun noticed that process rank 1 with PID … exited on signal 9
// (Killed)". A rank that finds an error it cannot go on from calls
// MPI.Abort, which ends the whole job the same way. No rank waits forever
// in a collective for a dead peer (TestMPIKilledRank checks it).
//
// Running:
//
//	mpirun -np 2 go run -tags mpi ./examples/mlp -distributed
//	mpirun -np 2 --host a,b go run -tags mpi ./examples/convnet -distributed
//
// As root, Open MPI wants --allow-run-as-root (or the environment variables
// OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1); with more
// ranks than cores, --oversubscribe. Building needs Open MPI's headers and
// library (Debian: openmpi-bin libopenmpi-dev; pkg-config ompi).
package distributed
