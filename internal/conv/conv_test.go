package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// randSlice returns n values drawn uniformly from [−1, 1).
func randSlice(r *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 2*r.Float64() - 1
	}
	return s
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// newGeom fills in a convolution's geometry as ops.Conv2d does.
func newGeom(n, c, h, w, cout, kh, kw, s, p, d, groups int) *Geom {
	g := &Geom{N: n, C: c, H: h, W: w, Cout: cout, KH: kh, KW: kw,
		SH: s, SW: s, PH: p, PW: p, DH: d, DW: d, Groups: groups}
	g.HOut = (h+2*p-d*(kh-1)-1)/s + 1
	g.WOut = (w+2*p-d*(kw-1)-1)/s + 1
	g.Rows, g.Cols, g.KG = c*kh*kw, n*g.Plane(), c/groups*kh*kw
	return g
}

func (g *Geom) String() string {
	return fmt.Sprintf("%dx%dx%dx%d k%dx%d s%d p%d d%d", g.N, g.C, g.H, g.W, g.KH, g.KW, g.SH, g.PH, g.DH)
}

var im2colGeoms = []*Geom{
	newGeom(2, 3, 5, 6, 4, 3, 3, 1, 1, 1, 1),
	newGeom(1, 2, 7, 5, 2, 3, 2, 2, 1, 1, 2),
	newGeom(2, 1, 9, 9, 1, 3, 3, 2, 2, 2, 1),
	newGeom(1, 2, 4, 4, 2, 1, 1, 3, 0, 1, 1),
	newGeom(3, 1, 2, 2, 1, 3, 3, 1, 2, 1, 1), // padding wider than the image
	// Output planes of smallPlane or more: Im2col goes sample by sample
	// (the planes above go channel by channel but where C is 1).
	newGeom(2, 2, 10, 9, 3, 3, 3, 1, 1, 1, 1),
	newGeom(2, 2, 12, 11, 2, 3, 3, 1, 1, 2, 1),
}

// TestIm2colMatchesTheDefinition pins Im2col's layout: row (c·KH + ky)·KW + kx,
// column s·HOut·WOut + oy·WOut + ox holds x[s, c, oy·SH − PH + ky·DH,
// ox·SW − PW + kx·DW], or 0 in the padding.
func TestIm2colMatchesTheDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, g := range im2colGeoms {
		x := randSlice(r, g.N*g.C*g.H*g.W)
		cols := Im2col(make([]float64, g.Rows*g.Cols), x, g)
		for c := range g.C {
			for ky := range g.KH {
				for kx := range g.KW {
					row := (c*g.KH+ky)*g.KW + kx
					for s := range g.N {
						for oy := range g.HOut {
							for ox := range g.WOut {
								iy, ix := oy*g.SH-g.PH+ky*g.DH, ox*g.SW-g.PW+kx*g.DW
								want := 0.0
								if iy >= 0 && iy < g.H && ix >= 0 && ix < g.W {
									want = x[((s*g.C+c)*g.H+iy)*g.W+ix]
								}
								if got := cols[row*g.Cols+s*g.Plane()+oy*g.WOut+ox]; got != want {
									t.Fatalf("%v: cols[%d, (%d,%d,%d)] = %v, want %v", g, row, s, oy, ox, got, want)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestCol2imByChannels: for every geometry, folding channel by channel (as
// Col2im does for small planes) gives sample by sample's sums bit for bit.
func TestCol2imByChannels(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, g := range im2colGeoms {
		c := randSlice(r, g.Rows*g.Cols)
		tp := tapRanges(g)
		want, got := make([]float64, g.N*g.C*g.H*g.W), make([]float64, g.N*g.C*g.H*g.W)
		col2imBySamples(want, c, g, &tp)
		col2imByChannels(got, c, g, &tp)
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%v: x[%d] = %v by channels, %v by samples", g, i, got[i], want[i])
			}
		}
	}
}

// TestCol2imIsTheAdjointOfIm2col checks ⟨Im2col(x), c⟩ = ⟨x, Col2im(c)⟩.
func TestCol2imIsTheAdjointOfIm2col(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, g := range im2colGeoms {
		x := randSlice(r, g.N*g.C*g.H*g.W)
		c := randSlice(r, g.Rows*g.Cols)
		lhs := dot(Im2col(make([]float64, g.Rows*g.Cols), x, g), c)
		dx := make([]float64, len(x))
		Col2im(dx, c, g)
		if rhs := dot(x, dx); math.Abs(lhs-rhs) > 1e-12*math.Max(1, math.Abs(lhs)) {
			t.Errorf("%v: ⟨im2col(x), c⟩ = %v, ⟨x, col2im(c)⟩ = %v", g, lhs, rhs)
		}
	}
}

var winoGeoms = []*Geom{
	newGeom(2, 3, 6, 6, 4, 3, 3, 1, 1, 1, 1),
	newGeom(1, 2, 5, 7, 3, 3, 3, 1, 0, 1, 1), // odd output: cropped tiles
	newGeom(2, 1, 3, 4, 2, 3, 3, 1, 2, 1, 1),
	// Planes of winoRunPlane tiles or more, which WinoOutput visits
	// sample-major; the second with cropped tiles.
	newGeom(2, 2, 16, 16, 3, 3, 3, 1, 1, 1, 1),
	newGeom(1, 2, 17, 15, 2, 3, 3, 1, 1, 1, 1),
}

// TestWinogradTransformsAreAdjoint checks each Winograd transform against
// its adjoint, ⟨F(a), b⟩ = ⟨a, Fᵀ(b)⟩, over the layout's valid entries.
func TestWinogradTransformsAreAdjoint(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(a)) }
	for _, g := range winoGeoms {
		if !WinogradApplies(g) {
			t.Fatalf("%v: Winograd does not apply", g)
		}
		tg := NewWinoTiles(g)

		w := randSlice(r, g.Cout*g.C*9)
		du := randSlice(r, 16*tg.UStep)
		u := newWinoWeights(w, g, &tg)
		dw := make([]float64, len(w))
		WinoWeightsAdjoint(dw, du, g.Cout, g.C, tg.UStep)
		if lhs, rhs := dot(u, du), dot(w, dw); !near(lhs, rhs) {
			t.Errorf("%v: weights: ⟨U(w), dU⟩ = %v, ⟨w, Uᵀ(dU)⟩ = %v", g, lhs, rhs)
		}

		x := randSlice(r, g.N*g.C*g.H*g.W)
		dv := randSlice(r, 16*tg.VStep)
		v := make([]float64, 16*tg.VStep)
		WinoInput(v, x, g, &tg)
		dx := make([]float64, len(x))
		WinoInputAdjoint(dx, dv, g, &tg)
		if lhs, rhs := dot(v, dv), dot(x, dx); !near(lhs, rhs) {
			t.Errorf("%v: input: ⟨V(x), dV⟩ = %v, ⟨x, Vᵀ(dV)⟩ = %v", g, lhs, rhs)
		}

		m := randSlice(r, 16*tg.MStep)
		dy := randSlice(r, g.N*g.Cout*g.Plane())
		y := make([]float64, len(dy))
		WinoOutput(y, m, nil, g, &tg)
		dm := make([]float64, 16*tg.MStep)
		WinoOutputAdjoint(dm, dy, g, &tg)
		if lhs, rhs := dot(y, dy), dot(m, dm); !near(lhs, rhs) {
			t.Errorf("%v: output: ⟨Y(M), dY⟩ = %v, ⟨M, Yᵀ(dY)⟩ = %v", g, lhs, rhs)
		}
	}
}

// newWinoWeights returns WinoWeights of w in a new zeroed buffer, so that
// the gaps between the 16 matrices hold zeros.
func newWinoWeights(w []float64, g *Geom, tg *WinoTiles) []float64 {
	u := make([]float64, 16*tg.UStep)
	WinoWeights(u, w, g.Cout, g.C, tg.UStep)
	return u
}

// TestWinogradComputesTheConvolution runs the whole forward pass, the
// transforms and the 16 GEMMs, against im2col's product.
func TestWinogradComputesTheConvolution(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, g := range winoGeoms {
		tg := NewWinoTiles(g)
		x, w := randSlice(r, g.N*g.C*g.H*g.W), randSlice(r, g.Cout*g.C*9)
		b := randSlice(r, g.Cout)
		u, v, m := newWinoWeights(w, g, &tg), make([]float64, 16*tg.VStep), make([]float64, 16*tg.MStep)
		WinoInput(v, x, g, &tg)
		WinoProduct(m, u, v, g, &tg)
		got := make([]float64, g.N*g.Cout*g.Plane())
		WinoOutput(got, m, b, g, &tg)

		cols := Im2col(make([]float64, g.Rows*g.Cols), x, g)
		yp := make([]float64, g.Cout*g.Cols)
		Product(yp, w, cols, g)
		want := make([]float64, len(got))
		ToNCHW(want, yp, b, g)
		for i := range got {
			if math.Abs(got[i]-want[i]) > 1e-12 {
				t.Fatalf("%v: y[%d] = %v through Winograd, %v through im2col", g, i, got[i], want[i])
			}
		}
	}
}

// TestArgmax3x3MatchesArgmaxWindow checks the branch-free 3×3 path against
// the general loop on windows full of ties, ±0 and NaN: the same first
// maximum, or −1 where a NaN leaves the general loop to decide.
func TestArgmax3x3MatchesArgmaxWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	pool := []float64{0, math.Copysign(0, -1), 1, 1, -1, 2, math.Inf(-1), math.Inf(1)}
	const w = 5
	nan := 0
	for range 2000 {
		xp := make([]float64, 4*w)
		for i := range xp {
			xp[i] = pool[r.IntN(len(pool))]
		}
		if r.IntN(10) == 0 {
			xp[r.IntN(len(xp))] = math.NaN()
		}
		r0, c0 := r.IntN(2), r.IntN(3)
		want := argmaxWindow(xp, w, r0, r0+3, 1, c0, c0+3, 1)
		got := argmax3x3(xp, r0*w+c0, w)
		if got < 0 {
			if !math.IsNaN(xp[want]) {
				t.Fatalf("argmax3x3 of %v at (%d, %d) = −1 without a NaN", xp, r0, c0)
			}
			nan++
			continue
		}
		if got != want {
			t.Fatalf("argmax3x3 of %v at (%d, %d) = %d, argmaxWindow %d", xp, r0, c0, got, want)
		}
	}
	if nan == 0 {
		t.Fatal("no window held a NaN")
	}
}

// TestPoolOutSize pins PyTorch's output sizes, ceil mode's last-window rule
// among them.
func TestPoolOutSize(t *testing.T) {
	for _, c := range []struct {
		n, k, s, p, d int
		ceil          bool
		want          int
	}{
		{5, 2, 2, 0, 1, false, 2},
		{5, 2, 2, 0, 1, true, 3},
		{4, 3, 2, 1, 1, true, 3},
		{5, 2, 2, 1, 1, false, 3},
		{5, 2, 2, 1, 1, true, 3}, // ⌈5/2⌉ + 1 = 4 would start at 6 ≥ n + pad
		{7, 3, 1, 0, 2, false, 3},
		{10, 3, 3, 1, 2, true, 4},
		{1, 3, 1, 0, 1, false, -1},
	} {
		if got := PoolOutSize(c.n, c.k, c.s, c.p, c.d, c.ceil); got != c.want {
			t.Errorf("PoolOutSize(n=%d, k=%d, s=%d, p=%d, d=%d, ceil=%t) = %d, want %d",
				c.n, c.k, c.s, c.p, c.d, c.ceil, got, c.want)
		}
	}
}

// TestAvgDivisor pins the three divisors of a 1×5 row pooled by 3 with
// stride 2 and padding 1 in ceil mode: windows [−1, 2), [1, 4), [3, 6),
// the last running one past the padded end 6.
func TestAvgDivisor(t *testing.T) {
	g := &PoolGeom{Planes: 1, H: 1, W: 5, KH: 1, KW: 3, SH: 1, SW: 2, PW: 1, DH: 1, DW: 1, HOut: 1,
		WOut: PoolOutSize(5, 3, 2, 1, 1, true)}
	if g.WOut != 3 {
		t.Fatalf("WOut = %d, want 3", g.WOut)
	}
	for j, want := range [][2]int{{2, 3}, {3, 3}, {2, 3}} {
		if got := g.AvgDivisor(0, j, true); got != want[0] {
			t.Errorf("window %d: in-bounds divisor %d, want %d", j, got, want[0])
		}
		if got := g.AvgDivisor(0, j, false); got != want[1] {
			t.Errorf("window %d: padded divisor %d, want %d", j, got, want[1])
		}
	}
	y := []float64{6, 6, 6}
	DivideByWindow(y, true, g)
	if want := []float64{3, 2, 3}; y[0] != want[0] || y[1] != want[1] || y[2] != want[2] {
		t.Errorf("DivideByWindow = %v, want %v", y, want)
	}
}

// TestEmptyWindow: a dilation of 3 over 2 columns padded by 1 puts window
// 0's taps at −1 and 2, both outside.
func TestEmptyWindow(t *testing.T) {
	g := &PoolGeom{Planes: 1, H: 1, W: 2, KH: 1, KW: 2, SH: 1, SW: 1, PW: 1, DH: 1, DW: 3, HOut: 1,
		WOut: PoolOutSize(2, 2, 1, 1, 3, false)}
	if !g.EmptyWindow() {
		t.Errorf("EmptyWindow of %+v = false, want true", g)
	}
	y, idx := make([]float64, g.WOut), make([]int32, g.WOut)
	MaxPool(y, idx, []float64{5, 7}, g)
	if !math.IsInf(y[0], -1) || idx[0] != -1 {
		t.Errorf("MaxPool's empty window gives %v at %d, want −Inf at −1", y[0], idx[0])
	}
	g.DW = 1
	if g.EmptyWindow() {
		t.Errorf("EmptyWindow without dilation = true, want false")
	}
}
