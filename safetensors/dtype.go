package safetensors

import "github.com/tapegrad/tapegrad/tensor"

// DType names the element type of a stored tensor, as spelled in the header.
//
// Open recognizes every byte-sized dtype of the format (BOOL, U8, I8,
// F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, C64, F64,
// I64, U64) so that it can validate a file's layout, but only F32, F64 and
// I64 tensors can be read and written.
type DType string

// The dtypes this package reads and writes.
const (
	F32 DType = "F32" // float32, little-endian IEEE 754
	F64 DType = "F64" // float64, little-endian IEEE 754
	I64 DType = "I64" // int64, little-endian two's complement
)

// dtypeSizes maps every dtype Open accepts to the bytes one element takes.
// The sub-byte dtypes of recent versions of the format (F4, F6_E2M3,
// F6_E3M2) are not listed: Open rejects them.
var dtypeSizes = map[DType]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, F32: 4,
	"C64": 8, F64: 8, I64: 8, "U64": 8,
}

// Size returns the number of bytes one element of d takes, or 0 if d is not a
// dtype Open recognizes.
func (d DType) Size() int { return dtypeSizes[d] }

// dtypeOf returns the dtype that stores T: F32 for float32, F64 for float64.
func dtypeOf[T tensor.Float]() DType {
	var z T
	if _, ok := any(z).(float32); ok {
		return F32
	}
	return F64
}

// elemCount returns the number of elements of a tensor of the given shape,
// and false if the product of its non-zero dimensions does not fit in an int
// (such a shape is refused even when a zero dimension makes it empty, so
// that no code computing strides over it can overflow). Negative dimensions
// must have been rejected before.
func elemCount(shape []int) (int, bool) {
	n, empty := 1, false
	for _, d := range shape {
		if d == 0 {
			empty = true
			continue
		}
		if n > maxInt/d {
			return 0, false
		}
		n *= d
	}
	if empty {
		return 0, true
	}
	return n, true
}

const maxInt = int(^uint(0) >> 1)
