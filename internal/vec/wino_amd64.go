//go:build amd64 && !purego

package vec

// winoWeightsAsm runs the assembly WinoWeights over the first kernels, a
// multiple of the lanes, and returns how many it did: none without AVX.
// The caller has checked the lengths.
func winoWeightsAsm[T Float](u []T, step int, w []T, n int) int {
	n -= n % lanes[T]()
	if !hasAVX || n == 0 {
		return 0
	}
	_, _ = u[15*step+n-1], w[9*n-1]
	switch u := any(u).(type) {
	case []float32:
		winoWeightsPS(n, &u[0], step, &any(w).([]float32)[0])
	case []float64:
		winoWeightsPD(n, &u[0], step, &any(w).([]float64)[0])
	}
	return n
}

// winoWeightsAdjAsm is winoWeightsAsm for WinoWeightsAdjoint.
func winoWeightsAdjAsm[T Float](dw, du []T, step int, n int) int {
	n -= n % lanes[T]()
	if !hasAVX || n == 0 {
		return 0
	}
	_, _ = du[15*step+n-1], dw[9*n-1]
	switch dw := any(dw).(type) {
	case []float32:
		winoWeightsAdjPS(n, &dw[0], &any(du).([]float32)[0], step)
	case []float64:
		winoWeightsAdjPD(n, &dw[0], &any(du).([]float64)[0], step)
	}
	return n
}

// winoInputRowsAsm runs the assembly WinoInputRows, float32 only, and
// reports whether it did: not without AVX. The caller has checked the
// lengths.
func winoInputRowsAsm[T Float](v []T, vstep int, buf, strip []T, wps, tw, th int) bool {
	v32, ok := any(v).([]float32)
	if !hasAVX || !ok {
		return false
	}
	winoInputRowsPS(&v32[0], vstep, &any(buf).([]float32)[0], &any(strip).([]float32)[0], wps, tw, th)
	return true
}

// winoInputAdjRowsAsm is winoInputRowsAsm for WinoInputAdjointRows.
func winoInputAdjRowsAsm[T Float](buf, dv []T, vstep int, strip []T, wps, tw, th int) bool {
	b32, ok := any(buf).([]float32)
	if !hasAVX || !ok {
		return false
	}
	// The last rows, whose tail loaded as a whole vector of 4 tiles
	// would run past the plane's tiles of a run: those with fewer than
	// 4 − tw mod 4 tiles, ⌈(4 − tw mod 4)/tw⌉ rows, after them.
	last := min((4-tw%4+tw-1)/tw, th)
	winoInputAdjRowsPS(&b32[0], &any(dv).([]float32)[0], vstep, &any(strip).([]float32)[0], wps, tw, th, last)
	return true
}

// winoOutputAdjRowsAsm is winoInputRowsAsm for WinoOutputAdjointRows.
func winoOutputAdjRowsAsm[T Float](dm []T, mstep int, buf []T, wps, tw, th int) bool {
	m32, ok := any(dm).([]float32)
	if !hasAVX || !ok {
		return false
	}
	winoOutputAdjRowsPS(&m32[0], mstep, &any(buf).([]float32)[0], wps, tw, th)
	return true
}

// winoOutputRowsAsm is winoInputRowsAsm for WinoOutputRows.
func winoOutputRowsAsm[T Float](dst, m []T, mstep int, bias T, tw, th int) bool {
	d32, ok := any(dst).([]float32)
	if !hasAVX || !ok {
		return false
	}
	// The last rows, whose tail loaded as a whole vector of 4 tiles
	// would run past the plane's tiles of a run (see winoInputAdjRowsAsm).
	last := min((4-tw%4+tw-1)/tw, th)
	winoOutputRowsPS(&d32[0], &any(m).([]float32)[0], mstep, float32(bias), tw, th, last)
	return true
}

// padRowsAsm is winoInputRowsAsm for PadRows.
func padRowsAsm[T Float](dst []T, dstride int, src []T, w, h int) bool {
	d32, ok := any(dst).([]float32)
	if !hasAVX || !ok {
		return false
	}
	// The last rows, whose tail loaded as a whole vector would run past
	// the end of src: those with fewer than 8 − w mod 8 values, ⌈(8 − w
	// mod 8)/w⌉ rows, after them.
	last := 0
	if r := w % 8; r > 0 {
		last = min((8-r+w-1)/w, h)
	}
	padRowsPS(&d32[0], dstride, &any(src).([]float32)[0], w, h, last)
	return true
}
