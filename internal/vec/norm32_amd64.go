//go:build amd64 && !purego

package vec

import "math"

// The float32 norm loops' assembly needs AVX2 (the statistics' sums fuse
// with FMA); each returns the values it did, whole steps of 16 (of 64 for
// the backward's row sums; 8 for Flush32To64), the Go loops doing the
// rest, and the reductions also the sums of their partials.

// count32 returns the values of an n-value row the assembly does in steps
// of step, none without AVX2.
func count32(n, step int) int {
	if !hasAVX2 {
		return 0
	}
	return n - n%step
}

func rowSumSqDev32Asm(x []float32, mu float64, p *[normLanes]float64) (int, float64) {
	n := count32(len(x), normLanes)
	if n == 0 {
		return 0, 0
	}
	return n, ln32SumSqDevPS(n, &x[0], mu, p)
}

func rowSumShift32Asm(x []float32, k float64, p *[2 * normLanes]float64) (int, float64, float64) {
	n := count32(len(x), normLanes)
	if n == 0 {
		return 0, 0, 0
	}
	s1, s2 := sumShift32(n, &x[0], k, p)
	return n, s1, s2
}

// sumShift32 is ln32SumShiftPS, or its AVX-512 form, which gives the same
// bits.
func sumShift32(n int, x *float32, k float64, p *[2 * normLanes]float64) (s1, s2 float64) {
	if hasAVX512 {
		return ln32SumShiftPSZ(n, x, k, p)
	}
	return ln32SumShiftPS(n, x, k, p)
}

func scaleShift32Asm(y, x []float32, m, a, b float32) int {
	n := count32(len(x), 16)
	if n > 0 {
		scaleShift32(n, &y[0], &x[0], m, a, b)
	}
	return n
}

func normRow32Asm(y, x []float32, m, r, c float32, g, b []float32) int {
	n := count32(len(x), 16)
	if n > 0 {
		var pb *float32
		if b != nil {
			pb = &b[0]
		}
		normRow32(n, &y[0], &x[0], m, r, c, &g[0], pb)
	}
	return n
}

func normGradSums32Asm(dy, g, x []float32, m, r, c float32, p *[2 * normLanes]float64, sb, sbh []float32) (done int, sg, sgh float64) {
	n := count32(len(dy), ln32Chunk)
	if n == 0 {
		return 0, 0, 0
	}
	var pg, psb, psbh *float32
	if g != nil {
		pg = &g[0]
	}
	if sb != nil {
		psb, psbh = &sb[0], &sbh[0]
	}
	sg, sgh = gradSums32(n, &dy[0], pg, &x[0], m, r, c, p, psb, psbh)
	return n, sg, sgh
}

func normGradRow32Asm(dx, dy, g, x []float32, m, a, e, k float32) int {
	n := count32(len(dx), 16)
	if n > 0 {
		var pg *float32
		if g != nil {
			pg = &g[0]
		}
		gradRow32(n, &dx[0], &dy[0], pg, &x[0], m, a, e, k)
	}
	return n
}

func gradShift32Asm(dx, dy, x []float32, m, k1, k2, k3 float32) int {
	n := count32(len(dx), 16)
	if n > 0 {
		gradShiftX32(n, &dx[0], &dy[0], &x[0], m, k1, k2, k3)
	}
	return n
}

func flush32To64Asm(d []float64, s []float32) int {
	n := count32(len(s), 8)
	if n > 0 {
		flush32To64PS(n, &d[0], &s[0])
	}
	return n
}

// rowFast32 reports whether an n-value row goes to the assembly alone: a
// positive multiple of step, with AVX2.
func rowFast32(n, step int) bool { return n > 0 && n%step == 0 && hasAVX2 }

// normForwardRow32Asm is NormForwardRow32's assembly path.
func normForwardRow32Asm(y, x, g, b []float32, eps float64, rms bool) (mu, is float64) {
	mu, is = rowStats32Asm(x, eps, rms)
	n := len(x)
	m, r, c := Factors32(mu, is)
	var pg, pb *float32
	if g != nil {
		pg = &g[0]
	}
	if b != nil {
		pb = &b[0]
	}
	normRow32(n, &y[0], &x[0], m, r, c, pg, pb)
	return mu, is
}

// normForwardRows32Asm is NormForwardRows32's assembly path, the
// kernels called directly row after row.
func normForwardRows32Asm(y, x, g, b []float32, d, rows int, stats []float64, ns int, eps float64, rms bool) {
	var pg, pb *float32
	if g != nil {
		pg = &g[0]
	}
	if b != nil {
		pb = &b[0]
	}
	for i := range rows {
		px, py := &x[i*d], &y[i*d]
		mu, is := rowStats32Asm(x[i*d:][:d], eps, rms)
		if !rms {
			stats[2*i] = mu
		}
		stats[ns*i+ns-1] = is
		m, r, c := Factors32(mu, is)
		normRow32(d, py, px, m, r, c, pg, pb)
	}
}

// normBackwardRows32Asm is NormBackwardRows32's assembly path, the
// kernels called directly row after row.
func normBackwardRows32Asm(dx, dy, g, x []float32, d, rows int, stats []float64, ns int, rms bool, sb, sbh []float32, cb, cbh []float64, flush int) {
	var pg, psb, psbh *float32
	if g != nil {
		pg = &g[0]
	}
	if sb != nil {
		psb, psbh = &sb[0], &sbh[0]
	}
	for i := range rows {
		mu, is := 0.0, stats[ns*i+ns-1]
		if !rms {
			mu = stats[2*i]
		}
		m, r, c := Factors32(mu, is)
		pdy, px := &dy[i*d], &x[i*d]
		var p [2 * normLanes]float64
		sg, sgh := gradSums32(d, pdy, pg, px, m, r, c, &p, psb, psbh)
		if dx != nil {
			e, k := gradFactors32(sg, sgh, mu, is, m, d, rms)
			gradRow32(d, &dx[i*d], pdy, pg, px, m, r, e, k)
		}
		if psb != nil && (i%flush == flush-1 || i == rows-1) {
			flush32To64PS(d, &cb[0], psb)
			flush32To64PS(d, &cbh[0], psbh)
		}
	}
}

// normBackwardRow32Asm is NormBackwardRow32's assembly path.
func normBackwardRow32Asm(dx, dy, g, x []float32, mu, is float64, sb, sbh []float32, rms bool) {
	m, r, c := Factors32(mu, is)
	var p [2 * normLanes]float64
	_, sg, sgh := normGradSums32Asm(dy, g, x, m, r, c, &p, sb, sbh)
	if dx == nil {
		return
	}
	e, k := gradFactors32(sg, sgh, mu, is, m, len(dy), rms)
	normGradRow32Asm(dx, dy, g, x, m, r, e, k)
}

// scaleShiftRuns32Asm, sumsRuns32Asm and gradShiftRuns32Asm are the Runs32
// functions' assembly paths, the kernels called directly run after run.
func scaleShiftRuns32Asm(y, x []float32, m float32, a, b []float32, in int) {
	for k := range a {
		scaleShift32(in, &y[k*in], &x[k*in], m, a[k], b[k])
	}
}

func sumsRuns32Asm(sd, sdh []float64, dy, x []float32, m, r, c float32, in int) {
	for k := range sd {
		var p [2 * normLanes]float64
		sd[k], sdh[k] = gradSums32(in, &dy[k*in], nil, &x[k*in], m, r, c, &p, nil, nil)
	}
}

func gradShiftRuns32Asm(dx, dy, x []float32, m float32, k1 []float32, k2, k3 float32, in int) {
	for k, a := range k1 {
		gradShiftX32(in, &dx[k*in], &dy[k*in], &x[k*in], m, a, k2, k3)
	}
}

// rowStats32Asm returns NormForwardRow32's μ and r for a row the assembly
// takes whole.
func rowStats32Asm(x []float32, eps float64, rms bool) (mu, is float64) {
	n := len(x)
	var v float64
	if rms {
		var p [normLanes]float64
		v = ln32SumSqDevPS(n, &x[0], 0, &p) / float64(n)
	} else {
		var p [2 * normLanes]float64
		k := float64(x[0])
		s1, s2 := sumShift32(n, &x[0], k, &p)
		mu, v = moments(k, s1, s2, n)
	}
	return mu, 1 / math.Sqrt(v+eps)
}

// The AVX-512 forms of the kernels below compute the same bits as the AVX2
// ones (the same partial sums, taking the same values in the same order):
// the wrappers pick them when TAPEGRAD_ISA allows AVX-512.

func scaleShift32(n int, y, x *float32, m, a, b float32) {
	if hasAVX512 {
		gn32NormPSZ(n, y, x, m, a, b)
		return
	}
	gn32NormPS(n, y, x, m, a, b)
}

func gradShiftX32(n int, dx, dy, x *float32, m, k1, k2, k3 float32) {
	if hasAVX512 {
		gn32GradXPSZ(n, dx, dy, x, m, k1, k2, k3)
		return
	}
	gn32GradXPS(n, dx, dy, x, m, k1, k2, k3)
}

// gradSums32 is the row-sums kernel for the arguments given: without γ
// if g is nil, without the column sums if sb is nil.
func gradSums32(n int, dy, g, x *float32, m, r, c float32, p *[2 * normLanes]float64, sb, sbh *float32) (float64, float64) {
	switch {
	case g == nil && sb == nil && hasAVX512:
		return ln32GradSumsNoGPSZ(n, dy, x, m, r, c, p)
	case g == nil && sb == nil:
		return ln32GradSumsNoGPS(n, dy, x, m, r, c, p)
	case g == nil && hasAVX512:
		return ln32GradSumsNoGColsPSZ(n, dy, x, m, r, c, p, sb, sbh)
	case g == nil:
		return ln32GradSumsNoGColsPS(n, dy, x, m, r, c, p, sb, sbh)
	case sb == nil && hasAVX512:
		return ln32GradSumsPSZ(n, dy, g, x, m, r, c, p)
	case sb == nil:
		return ln32GradSumsPS(n, dy, g, x, m, r, c, p)
	case hasAVX512:
		return ln32GradSumsColsPSZ(n, dy, g, x, m, r, c, p, sb, sbh)
	default:
		return ln32GradSumsColsPS(n, dy, g, x, m, r, c, p, sb, sbh)
	}
}

// normRow32 writes y = x̂·γ + β, x̂ = (x − m)·r + c, without β if b is
// nil, and x̂ alone if g is nil too.
func normRow32(n int, y, x *float32, m, r, c float32, g, b *float32) {
	switch {
	case g == nil:
		scaleShift32(n, y, x, m, r, c)
	case b == nil && hasAVX512:
		ln32NormScalePSZ(n, y, x, m, r, c, g)
	case b == nil:
		ln32NormScalePS(n, y, x, m, r, c, g)
	case hasAVX512:
		ln32NormAffinePSZ(n, y, x, m, r, c, g, b)
	default:
		ln32NormAffinePS(n, y, x, m, r, c, g, b)
	}
}

// gradRow32 is the input gradient's kernel, without γ if g is nil.
func gradRow32(n int, dx, dy, g, x *float32, m, a, e, k float32) {
	switch {
	case g == nil && hasAVX512:
		ln32GradXNoGPSZ(n, dx, dy, x, m, a, e, k)
	case g == nil:
		ln32GradXNoGPS(n, dx, dy, x, m, a, e, k)
	case hasAVX512:
		ln32GradXPSZ(n, dx, dy, g, x, m, a, e, k)
	default:
		ln32GradXPS(n, dx, dy, g, x, m, a, e, k)
	}
}
