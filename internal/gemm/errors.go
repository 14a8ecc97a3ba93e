package gemm

// Panic messages.
const (
	errSize   = "gemm: negative size m=%d n=%d k=%d"
	errStride = "gemm: %s=%d is less than the %d columns it steps over"
	errShort  = "gemm: len(%s)=%d is too short for %d×%d with row stride %d"
)
