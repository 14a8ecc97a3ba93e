package gemm

// Panic messages.
const (
	errSize   = "gemm: negative size m=%d n=%d k=%d"
	errStride = "gemm: %s=%d is less than the %d columns it steps over"
	errShort  = "gemm: len(%s)=%d is too short for %d×%d with row stride %d"
)

// Panic messages of Batch (task scale).
const (
	errBatch      = "gemm: Batch: negative count %d or stride (strideA=%d strideB=%d strideC=%d)"
	errBatchShort = "gemm: Batch: len(%s)=%d is too short for the last product, which starts at %d"
)
