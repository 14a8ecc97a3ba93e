package tensor

// Panic messages shared by several functions of the package.
const (
	errNegativeDim   = "tensor: negative dimension in shape %v"
	errShapeData     = "tensor: shape %v needs %d elements, data has %d"
	errReshape       = "tensor: cannot reshape %v (%d elements) into %v"
	errReshapeInfer  = "tensor: reshape %v: at most one dimension may be -1"
	errIndexRank     = "tensor: index %v has %d coordinates, tensor has shape %v"
	errIndexRange    = "tensor: index %v out of range for shape %v"
	errAxis          = "tensor: axis %d out of range for a %d-d tensor"
	errDupAxis       = "tensor: axis %d given twice"
	errPermutation   = "tensor: %v is not a permutation of the axes of a %d-d tensor"
	errBroadcast     = "tensor: shapes %v and %v cannot be broadcast together"
	errSumTo         = "tensor: cannot sum shape %v down to %v: %v does not broadcast to %v"
	errSameShape     = "tensor: %s needs equal shapes, got %v and %v"
	errNotScalar     = "tensor: Item of a tensor of shape %v: it has %d elements, not 1"
	errMatMulRank    = "tensor: MatMul needs operands with at least 2 dimensions, got %v and %v"
	errMatMulInner   = "tensor: MatMul of %v and %v: inner dimensions %d and %d differ"
	errEmptyAxis     = "tensor: %s over axis %d of size 0 in shape %v"
	errArangeStep    = "tensor: Arange with step 0"
	errUniformBounds = "tensor: RandU needs lo < hi, got [%v, %v)"
	errEmptyReduce   = "tensor: %s of a tensor with no elements (shape %v)"
)
