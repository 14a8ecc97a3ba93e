// Package safetensors reads and writes checkpoints in the safetensors format,
// the format of Hugging Face's safetensors library, which PyTorch users
// exchange weights in.
//
// # The format
//
// A file is three parts:
//
//	8 bytes    N, the header length, a little-endian uint64
//	N bytes    the header: a UTF-8 JSON object
//	the rest   the data buffer: every tensor's elements, little-endian, row-major
//
// The header maps each tensor's name to its dtype, its shape and the byte
// range [begin, end) its data occupies in the data buffer:
//
//	{"__metadata__":{"epoch":"3"},
//	 "fc.weight":{"dtype":"F32","shape":[10,784],"data_offsets":[0,31360]}, …}
//
// The optional "__metadata__" entry maps strings to strings and is free-form.
// Writers pad the header with spaces to a multiple of 8 bytes so that the
// data buffer starts aligned.
//
// # Dtypes
//
// Tensors of dtype F32 and F64 are read into and written from
// tensor.Tensor[float32] and tensor.Tensor[float64] (Read, Add); I64 tensors,
// such as batch norm's num_batches_tracked counter, are plain []int64
// (File.ReadInt64, Writer.AddInt64). Read converts nothing: reading an F64
// tensor as float32 is an error. Open accepts the other byte-sized dtypes of
// the format (F16, BF16, I32, U8, BOOL, …) so that it can validate and list
// files that hold them, but their data cannot be read.
//
// # Validation
//
// Open validates the whole header before it returns, so that reading a
// tensor afterwards cannot go out of bounds. It refuses, with an error that
// starts with "safetensors:", says what it expected and what it found, and
// names the tensor involved:
//
//   - a file shorter than 8 bytes; a header length beyond the end of the file
//     or above 100 MB (the reference implementation's limit);
//   - a header that is not UTF-8, does not start with '{', is not a JSON
//     object, or has anything but spaces after it;
//   - a key given twice, in the header, in a tensor's entry or in the
//     metadata; an unknown or missing key in a tensor's entry; metadata that
//     is not an object of strings;
//   - an unknown dtype; a dimension or offset that is not a non-negative
//     integer; a shape whose element count overflows;
//   - data_offsets whose begin is after their end, whose end is past the data
//     buffer, or whose length is not what the dtype and shape need;
//   - tensors whose ranges overlap, or a byte of the data buffer that belongs
//     to no tensor.
//
// Corrupt input never makes the package panic, and Open never allocates in
// proportion to a length the file claims: the header length is checked
// against the file size before the header is read, and a tensor's element
// count against the data buffer before the tensor is allocated.
//
// # Writing
//
// A Writer writes tensors in the order they were added, with a compact
// header in that order ("__metadata__" first, its keys sorted) padded with
// spaces to a multiple of 8 bytes. Output is deterministic: opening a file
// this package wrote and adding its tensors back in Names order writes the
// same bytes again. This is also the reference writer's layout, so a file it
// wrote comes back byte for byte too, as long as its metadata has at most one
// key (the reference writer does not sort them).
// Writer.WriteFile replaces its target atomically: it never leaves a
// half-written file behind.
//
// The Writer panics, with a message that starts with "safetensors:", on
// programming errors only: an empty, reserved ("__metadata__") or repeated
// tensor name, or a shape that does not match the data.
package safetensors
