package tensor

// Panic messages shared by several functions of the package.
const (
	errNegativeDim   = "tensor: negative dimension in shape %v"
	errShapeData     = "tensor: shape %v needs %d elements, data has %d"
	errIndexRank     = "tensor: index %v has %d coordinates, tensor has shape %v"
	errIndexRange    = "tensor: index %v out of range for shape %v"
	errAxis          = "tensor: axis %d out of range for a %d-d tensor"
	errDupAxis       = "tensor: axis %d given twice"
	errBroadcast     = "tensor: shapes %v and %v cannot be broadcast together"
	errSumTo         = "tensor: cannot sum shape %v down to %v: %v does not broadcast to %v"
	errSameShape     = "tensor: %s needs equal shapes, got %v and %v"
	errNotScalar     = "tensor: Item of a tensor of shape %v: it has %d elements, not 1"
	errMatMulRank    = "tensor: MatMul needs operands with at least 2 dimensions, got %v and %v"
	errEmptyAxis     = "tensor: %s over axis %d of size 0 in shape %v"
	errArangeStep    = "tensor: Arange with step 0"
	errUniformBounds = "tensor: RandU needs lo < hi, got [%v, %v)"
	errEmptyReduce   = "tensor: %s of a tensor with no elements (shape %v)"
)

// Messages and causes of the shape-inference functions (ReshapeShape,
// MatMulShape, BroadcastShapes, CheckAxis, CheckAxes): each error's whole
// message, then the cause alone, its ShapeError.Reason.
const (
	errReshapeWhat     = "tensor: cannot reshape %v (%d elements) into %v: %s"
	errReshapeTwoInfer = "at most one dimension may be -1"
	errReshapeNegDim   = "negative dimension %d"
	errReshapeFromNeg  = "negative dimension in shape %v"
	errReshapeCount    = "element counts %d and %d differ"
	errReshapeMultiple = "%d is not a multiple of %d"
	errReshapeZero     = "-1 is ambiguous beside a dimension of size 0"
	errReshapeZeroN    = "%v holds 0 elements whatever -1 is"
	errMatMulWhat      = "tensor: MatMul of %v and %v%s: %s"
	errMatMul0d        = "both operands need at least 1 dimension"
	errMatMulK         = "inner dimensions %d and %d differ"
	errMatMulBatch     = "batch dimensions %v and %v do not broadcast"
	errBroadcastWhy    = "sizes %d and %d at axis %d differ and neither is 1"
	errAxisWhy         = "axis %d out of range for a %d-d tensor"
	errDupAxisWhy      = "axis %d given twice"
	errPermutationWhy  = "%v is not a permutation of the axes of a %d-d tensor"
)
