package distributed

// Error and panic message formats.
const (
	errInitTwice      = "distributed: MPI is already initialized by someone else"
	errThreadLevel    = "distributed: MPI provides thread level %d; need MPI_THREAD_SERIALIZED"
	errFinalized      = "distributed: %s after Finalize"
	errRoot           = "distributed: broadcast root %d: want a rank in [0, %d)"
	errNoMPI          = "distributed: tapegrad was built without MPI: build with -tags mpi (and Open MPI's libopenmpi-dev installed)"
	errLocalSize      = "distributed: NewLocal(%d): want at least 1 rank"
	errLocalMismatch  = "distributed: Local: %s called with %d elements on rank %d and %d on rank %d"
	errLocalOrder     = "distributed: Local: collective %d is %s of %s on rank %d but %s of %s on rank %d: the ranks call collectives in different orders"
	errBucketBytes    = "distributed: NewDDP: bucket size %d bytes: want at least 1"
	errDDPTwice       = "distributed: DDP: parameter %s has a second gradient before Sync: call Sync after every backward pass"
	errSyncBNChannels = "distributed: SyncBatchNorm: input %v: want %s with %d channels"
	errSyncBNOne      = "distributed: SyncBatchNorm: input %v: a channel has only %d value over all ranks; need more than 1 in training"
)
