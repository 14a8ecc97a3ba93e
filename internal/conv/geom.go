package conv

// Geom is the geometry of a 2-d convolution over an N×C×H×W input with
// Cout×(C/Groups)×KH×KW weights. Its user fills it in and checks it; the
// kernels trust it.
type Geom struct {
	N, C, H, W     int // input
	KH, KW         int // kernel
	SH, SW         int // stride
	PH, PW         int // zero padding
	DH, DW         int // dilation
	HOut, WOut     int // output plane
	Cout, Groups   int
	Rows, Cols, KG int // im2col matrix: Rows = C·KH·KW, Cols = N·HOut·WOut; KG rows per group
}

// Plane returns the number of output positions per sample.
func (g *Geom) Plane() int { return g.HOut * g.WOut }

// validRange returns the output positions o ∈ [lo, hi) of an axis of out
// outputs whose input position o·stride − pad + offset falls inside [0, n).
func validRange(n, out, stride, pad, offset int) (lo, hi int) {
	// o·stride ≥ pad − offset  and  o·stride ≤ n − 1 + pad − offset
	lo = ceilDiv(pad-offset, stride)
	hi = floorDiv(n-1+pad-offset, stride) + 1
	return min(max(lo, 0), out), min(max(hi, 0), out)
}

func ceilDiv(a, b int) int { return -floorDiv(-a, b) }
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
