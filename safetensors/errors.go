package safetensors

// Panic messages. A panic means the program misused the Writer; everything
// that comes from a file is reported as an error instead.
const (
	errEmptyName    = "safetensors: tensor name is empty"
	errReservedName = "safetensors: tensor name %q is reserved for the metadata"
	errDupName      = "safetensors: tensor %q added twice"
	errBadUTF8      = "safetensors: %s %q is not valid UTF-8"
	errNegativeDim  = "safetensors: tensor %q: negative dimension in shape %v"
	errShapeTooBig  = "safetensors: tensor %q: shape %v holds more elements than an int can count"
	errShapeData    = "safetensors: tensor %q: shape %v needs %d elements, data has %d"
)
