package mnist

// Formats of the errors the package returns. Read prefixes them with
// "mnist: ", Load with "mnist: " and the file's path.
const (
	errHeader    = "truncated IDX header: %w"
	errMagic     = "bad magic number 0x%08x: want 0x000008nn, an IDX file of unsigned bytes with nn dimensions"
	errNumDims   = "IDX header with %d dimensions, want 1 to %d"
	errTooLarge  = "IDX dimensions %v need more than %d bytes; refusing to read them"
	errTruncated = "truncated data: dimensions %v need %d bytes, found %d"
	errData      = "reading data: %w"
	errTrailing  = "data continues after the %d bytes that dimensions %v describe"
	errGzip      = "gzip: %w"
	errMissing   = "neither %s nor %s.gz in %s"
	errImageDims = "image dimensions %v, want [n 28 28]"
	errLabelDims = "label dimensions %v, want [n]"
	errEmpty     = "no examples"
	errCounts    = "%d images in %s but %d labels in %s"
	errLabel     = "label %d of example %d, want 0 to 9"
)
