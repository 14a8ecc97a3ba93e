//go:build !amd64 || purego

package vec

// Without assembly the element-wise kernels do nothing: the Go loops of
// elem.go do every value.

func sigmoidAsm(y, x []float32) (int, bool)           { return 0, false }
func siluAsm(y, x []float32) (int, bool)              { return 0, false }
func siluGradAsm(dx, dy, x []float32) (int, bool)     { return 0, false }
func tanhAsm(y, x []float32) (int, bool)              { return 0, false }
func geluAsm(y, x []float32) (int, bool)              { return 0, false }
func geluTanhAsm(y, x []float32) (int, bool)          { return 0, false }
func geluGradAsm(dx, dy, x []float32) (int, bool)     { return 0, false }
func geluTanhGradAsm(dx, dy, x []float32) (int, bool) { return 0, false }

func expSumAsm(x []float32, m float64, p *[4]float64) (int, bool) { return 0, false }
func expScaleAsm(y, x []float32, m, inv float64) (int, bool)      { return 0, false }
