//go:build !amd64 || purego

package vec

// Without assembly the Go loops of WinoWeights and WinoWeightsAdjoint do
// every kernel.
func winoWeightsAsm[T Float](u []T, step int, w []T, n int) int  { return 0 }
func winoWeightsAdjAsm[T Float](dw, du []T, step int, n int) int { return 0 }

// Without assembly the Go loops of WinoInputRows, WinoInputAdjointRows,
// WinoOutputAdjointRows and WinoOutputRows do every tile.
func winoInputRowsAsm[T Float](v []T, vstep int, buf, strip []T, wps, tw, th int) bool {
	return false
}

func winoInputAdjRowsAsm[T Float](buf, dv []T, vstep int, strip []T, wps, tw, th int) bool {
	return false
}

func winoOutputAdjRowsAsm[T Float](dm []T, mstep int, buf []T, wps, tw, th int) bool {
	return false
}

func winoOutputRowsAsm[T Float](dst, m []T, mstep int, bias T, tw, th int) bool { return false }

func padRowsAsm[T Float](dst []T, dstride int, src []T, w, h int) bool { return false }
