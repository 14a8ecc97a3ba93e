package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// winoValues returns n values of every magnitude, subnormals, zeros of
// both signs and the non-finite values among them, so that halving is
// inexact (subnormals) and sums overflow somewhere.
func winoValues[T Float](r *rand.Rand, n int) []T {
	special := []float64{0, math.Copysign(0, -1), 1e-45, -1e-45, 3e-45, 1e-310, -5e-324, 3e38, -3e38, 1.7e308, math.Inf(1), math.Inf(-1)}
	x := make([]T, n)
	for i := range x {
		switch r.IntN(8) {
		case 0:
			x[i] = T(special[r.IntN(len(special))])
		case 1:
			x[i] = T(math.Ldexp(r.Float64()*2-1, r.IntN(300)-150))
		default:
			x[i] = T(r.NormFloat64())
		}
	}
	return x
}

// testWinoWeights checks WinoWeights and WinoWeightsAdjoint against their
// Go twins, bit for bit, at every count of kernels up to 50 (every length
// mod 16) and a long run, with the kernels starting off any vector
// boundary, and that nothing outside the runs is written.
func testWinoWeights[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(9, 3))
	for _, n := range append(rangeInts(51), 1000, 1003) {
		for _, off := range []int{0, 1, 3} {
			step := n + 7
			w := winoValues[T](r, 9*n+off)[off:]
			const sentinel = 12345
			fill := func(n int) []T {
				s := make([]T, n)
				for i := range s {
					s[i] = sentinel
				}
				return s
			}
			got, want := fill(16*step + off)[off:], fill(16*step)
			WinoWeights(got, step, w)
			winoWeightsGo(want, step, w, n)
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("WinoWeights, %d kernels, offset %d: u[%d] = %v, want %v", n, off, i, got[i], want[i])
			}
			du := winoValues[T](r, 16*step+off)[off:]
			dw, dwant := fill(9*n + 2 + off)[off:], fill(9*n+2)
			WinoWeightsAdjoint(dw[:9*n], du, step)
			winoWeightsAdjGo(dwant, du, step, n)
			if i := sameBits(dw, dwant); i >= 0 {
				t.Fatalf("WinoWeightsAdjoint, %d kernels, offset %d: dw[%d] = %v, want %v", n, off, i, dw[i], dwant[i])
			}
		}
	}
}

func rangeInts(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestWinoWeights32(t *testing.T) { testWinoWeights[float32](t) }
func TestWinoWeights64(t *testing.T) { testWinoWeights[float64](t) }

// TestWinoWeightsValues checks the Go twins on one kernel against U and
// dW computed by hand: G g Gᵀ and Gᵀ dU G with exact arithmetic.
func TestWinoWeightsValues(t *testing.T) {
	g := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	u := make([]float64, 16)
	WinoWeights(u, 1, g)
	// g Gᵀ rows: (1, 3, 1, 3), (4, 7.5, 2.5, 6), (7, 12, 4, 9); then G on columns.
	want := []float64{1, 3, 1, 3, 6, 11.25, 3.75, 9, 2, 3.75, 1.25, 3, 7, 12, 4, 9}
	for i := range want {
		if u[i] != want[i] {
			t.Fatalf("WinoWeights: u = %v, want %v", u, want)
		}
	}
	du := make([]float64, 16)
	for i := range du {
		du[i] = float64(i + 1)
	}
	dw := make([]float64, 9)
	WinoWeightsAdjoint(dw, du, 1)
	// dU G rows (x0 + (x1+x2)/2, (x1−x2)/2, (x1+x2)/2 + x3):
	// (3.5, −0.5, 6.5), (11.5, −0.5, 14.5), (19.5, −0.5, 22.5), (27.5, −0.5, 30.5);
	// then Gᵀ on the columns.
	wantW := []float64{3.5 + 15.5, -0.5 - 0.5, 6.5 + 18.5, -4, 0, -4, 15.5 + 27.5, -0.5 - 0.5, 18.5 + 30.5}
	for i := range wantW {
		if dw[i] != wantW[i] {
			t.Fatalf("WinoWeightsAdjoint: dw = %v, want %v", dw, wantW)
		}
	}
}

// testWinoInputRows checks WinoInputRows against its Go twin, bit for
// bit, for every width from 1 to 20 tiles (every width mod 4 several
// times) and heights 1 to 5, with the plane's columns past the tiles'
// holding values the transform must ignore, and that nothing outside the
// tiles' runs is written.
func testWinoInputRows[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(4, 7))
	const sentinel = 777
	for tw := 1; tw <= 20; tw++ {
		for th := 1; th <= 5; th++ {
			wps := WinoInputStride(tw)
			buf := winoValues[T](r, (2*th+2)*wps+3)[3:] // off the vectors' alignment
			vstep := th*tw + 5
			fill := func() []T {
				v := make([]T, 16*vstep+8)
				for i := range v {
					v[i] = sentinel
				}
				return v
			}
			got, want := fill(), fill()
			WinoInputRows(got[1:], vstep, buf, make([]T, 4*wps), tw, th)
			winoInputRowsGo(want[1:], vstep, buf, make([]T, 4*wps), wps, tw, th)
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("%d×%d tiles: v[%d] = %v, want %v", th, tw, i-1, got[i], want[i])
			}
			for xi := range 16 {
				for k := th * tw; k < vstep; k++ {
					if want[1+xi*vstep+k] != sentinel {
						t.Fatalf("%d×%d tiles: run %d written at %d", th, tw, xi, k)
					}
				}
			}
		}
	}
}

func TestWinoInputRows32(t *testing.T) { testWinoInputRows[float32](t) }
func TestWinoInputRows64(t *testing.T) { testWinoInputRows[float64](t) }

// TestWinoInputRowsValues checks one tile against Bᵀ d B computed by hand.
func TestWinoInputRowsValues(t *testing.T) {
	wps := WinoInputStride(1)
	buf := make([]float64, 4*wps)
	for y := range 4 {
		for x := range 4 {
			buf[y*wps+x] = float64((y + 1) * (x*x + 1)) // rows (1, 2, 5, 10)·(y+1)
		}
	}
	v := make([]float64, 16)
	WinoInputRows(v, 1, buf, make([]float64, 4*wps), 1, 1)
	// Bᵀ down the columns of (y+1): (1−3, 2+3, 3−2, 2−4) = (−2, 5, 1, −2);
	// along the rows (1, 2, 5, 10): (1−5, 2+5, 5−2, 2−10) = (−4, 7, 3, −8).
	c, rw := []float64{-2, 5, 1, -2}, []float64{-4, 7, 3, -8}
	for i := range 4 {
		for j := range 4 {
			if want := c[i] * rw[j]; v[4*i+j] != want {
				t.Fatalf("v = %v, want %v at %d", v, want, 4*i+j)
			}
		}
	}
}

// testWinoAdjointRows checks WinoInputAdjointRows and
// WinoOutputAdjointRows against their Go twins, bit for bit, as
// testWinoInputRows does WinoInputRows: every width from 1 to 20 tiles,
// heights 1 to 5, the input adjoint adding into a plane that holds values
// already, and nothing written outside the plane (the input adjoint) or
// the tiles' runs (the output adjoint).
func testWinoAdjointRows[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	testWinoAdjointRowsOf(t, func(n int) []T { return winoValues[T](r, n) })
	// Zeros of both signs, many: where the order of the sums decides the
	// sign of a zero.
	testWinoAdjointRowsOf(t, func(n int) []T {
		x := make([]T, n)
		for i := range x {
			x[i] = []T{0, T(math.Copysign(0, -1)), 1, -1}[r.IntN(4)]
		}
		return x
	})
	testWinoAdjointRowsOf(t, func(n int) []T {
		x := make([]T, n)
		for i := range x {
			x[i] = T(math.Copysign(0, float64(r.IntN(2))-0.5))
		}
		return x
	})
}

func testWinoAdjointRowsOf[T Float](t *testing.T, values func(n int) []T) {
	const sentinel = 777
	for tw := 1; tw <= 20; tw++ {
		for th := 1; th <= 5; th++ {
			wps := WinoInputStride(tw)
			vstep := th*tw + 5
			dv := values(16*vstep + 1)[1:]
			buf := values((2*th+2)*wps + 9)
			got, want := append([]T(nil), buf...), append([]T(nil), buf...)
			WinoInputAdjointRows(got[1:(2*th+2)*wps+1], dv, vstep, values(4*wps), tw, th)
			winoInputAdjRowsGo(want[1:(2*th+2)*wps+1], dv, vstep, make([]T, 4*wps), wps, tw, th)
			// Columns past the tiles' 2·tw + 2 may differ (see
			// WinoInputAdjointRows); the plane's rows and what lies
			// around them may not.
			for r := range 2*th + 2 {
				for x := 2*tw + 2; x < wps; x++ {
					got[1+r*wps+x] = want[1+r*wps+x]
				}
			}
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("WinoInputAdjointRows, %d×%d tiles: buf[%d] = %v, want %v", th, tw, i-1, got[i], want[i])
			}

			plane := values(2*th*wps + 3)[3:]
			fill := func() []T {
				m := make([]T, 16*vstep+8)
				for i := range m {
					m[i] = sentinel
				}
				return m
			}
			dm, dmWant := fill(), fill()
			WinoOutputAdjointRows(dm[1:], vstep, plane, tw, th)
			winoOutputAdjRowsGo(dmWant[1:], vstep, plane, wps, tw, th)
			if i := sameBits(dm, dmWant); i >= 0 {
				t.Fatalf("WinoOutputAdjointRows, %d×%d tiles: dm[%d] = %v, want %v", th, tw, i-1, dm[i], dmWant[i])
			}
			for xi := range 16 {
				for k := th * tw; k < vstep; k++ {
					if dmWant[1+xi*vstep+k] != sentinel {
						t.Fatalf("%d×%d tiles: run %d written at %d", th, tw, xi, k)
					}
				}
			}
		}
	}
}

func TestWinoAdjointRows32(t *testing.T) { testWinoAdjointRows[float32](t) }
func TestWinoAdjointRows64(t *testing.T) { testWinoAdjointRows[float64](t) }

// testWinoOutputRows checks WinoOutputRows against its Go twin, bit for
// bit, for every width from 1 to 20 tiles and heights 1 to 5, and that
// nothing past the plane is written.
func testWinoOutputRows[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(6, 9))
	const sentinel = 777
	for tw := 1; tw <= 20; tw++ {
		for th := 1; th <= 5; th++ {
			mstep := th*tw + 3
			m := winoValues[T](r, 16*mstep+1)[1:]
			bias := winoValues[T](r, 1)[0]
			fill := func() []T {
				d := make([]T, 4*th*tw+9)
				for i := range d {
					d[i] = sentinel
				}
				return d
			}
			got, want := fill(), fill()
			WinoOutputRows(got[1:4*th*tw+1], m, mstep, bias, tw, th)
			winoOutputRowsGo(want[1:4*th*tw+1], m, mstep, bias, tw, th)
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("%d×%d tiles, bias %v: dst[%d] = %v, want %v", th, tw, bias, i-1, got[i], want[i])
			}
		}
	}
}

func TestWinoOutputRows32(t *testing.T) { testWinoOutputRows[float32](t) }
func TestWinoOutputRows64(t *testing.T) { testWinoOutputRows[float64](t) }

// testPadRows checks PadRows against its Go twin for rows of 1 to 40
// values, 1 to 3 rows, and that nothing past each row's multiple of 8 is
// written.
func testPadRows[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(7, 1))
	const sentinel = 777
	for w := 1; w <= 40; w++ {
		for h := 1; h <= 3; h++ {
			stride := (w+7)&^7 + 5
			src := winoValues[T](r, w*h+1)[1:]
			fill := func() []T {
				d := make([]T, h*stride+2)
				for i := range d {
					d[i] = sentinel
				}
				return d
			}
			got, want := fill(), fill()
			PadRows(got[1:], stride, src, w, h)
			padRowsGo(want[1:], stride, src, w, h)
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("%d rows of %d: dst[%d] = %v, want %v", h, w, i-1, got[i], want[i])
			}
		}
	}
}

func TestPadRows32(t *testing.T) { testPadRows[float32](t) }
func TestPadRows64(t *testing.T) { testPadRows[float64](t) }
