package conv

import (
	"math/rand/v2"
	"testing"
)

// TestTrimTaps pins the trimmed geometry: the live rows and columns of
// taps, the padding moved by the dropped leading taps, the same output
// plane, and no trimming where no tap is dead or an axis has none live.
func TestTrimTaps(t *testing.T) {
	for _, c := range []struct {
		g              *Geom
		ok             bool
		kh0, kw0       int
		kh, kw, ph, pw int
	}{
		{newGeom(2, 3, 1, 1, 4, 3, 3, 1, 1, 1, 1), true, 1, 1, 1, 1, 0, 0},   // 1×1 plane: the centre tap
		{newGeom(2, 3, 2, 2, 4, 3, 3, 1, 1, 1, 1), false, 0, 0, 3, 3, 1, 1},  // 2×2 plane: every tap reads some pixel
		{newGeom(2, 3, 1, 1, 4, 5, 5, 1, 2, 1, 1), true, 2, 2, 1, 1, 0, 0},   // 24 of 25 dead
		{newGeom(1, 2, 3, 3, 2, 5, 5, 1, 1, 1, 1), true, 1, 1, 3, 3, 0, 0},   // 5×5 → 3×3
		{newGeom(1, 2, 3, 3, 2, 3, 3, 1, 1, 2, 1), true, 1, 1, 1, 1, -1, -1}, // dilation 2: a negative padding
		{newGeom(1, 2, 4, 4, 2, 4, 4, 2, 2, 2, 1), true, 1, 1, 2, 2, 0, 0},   // stride 2, padding 2, dilation 2: dead on both sides
		{newGeom(1, 2, 2, 2, 2, 3, 3, 2, 1, 1, 2), true, 1, 1, 2, 2, 0, 0},   // stride 2 on 2×2, groups 2
		{newGeom(1, 1, 1, 1, 1, 2, 2, 1, 1, 2, 1), false, 0, 0, 2, 2, 1, 1},  // no tap live: left as it is
	} {
		g := c.g
		tg, kh0, kw0, ok := TrimTaps(g)
		if ok != c.ok || kh0 != c.kh0 || kw0 != c.kw0 || tg.KH != c.kh || tg.KW != c.kw || tg.PH != c.ph || tg.PW != c.pw {
			t.Errorf("%v: got ok %t taps from (%d, %d), %d×%d, padding (%d, %d); want %t (%d, %d), %d×%d, (%d, %d)",
				g, ok, kh0, kw0, tg.KH, tg.KW, tg.PH, tg.PW, c.ok, c.kh0, c.kw0, c.kh, c.kw, c.ph, c.pw)
		}
		if tg.HOut != g.HOut || tg.WOut != g.WOut || tg.Cols != g.Cols ||
			tg.Rows != tg.C*tg.KH*tg.KW || tg.KG != tg.C/tg.Groups*tg.KH*tg.KW {
			t.Errorf("%v: trimmed geometry %+v does not keep the output plane or size its im2col matrix", g, tg)
		}
	}
}

// TestTrimTapsComputesTheConvolution: on random geometries, im2col and the
// product with the trimmed weights give the untrimmed product, and
// EmbedTaps is CopyTaps's adjoint.
func TestTrimTapsComputesTheConvolution(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	trimmed := 0
	for range 200 {
		k := 1 + r.IntN(5)
		s, p, d := 1+r.IntN(3), r.IntN(4), 1+r.IntN(2)
		h := 1 + r.IntN(4)
		if h+2*p-d*(k-1)-1 < 0 {
			continue
		}
		g := newGeom(1+r.IntN(2), 2, h, h, 2, k, k, s, p, d, 1+r.IntN(2))
		tg, kh0, kw0, ok := TrimTaps(g)
		if !ok {
			continue
		}
		trimmed++
		x := randSlice(r, g.N*g.C*g.H*g.W)
		w := randSlice(r, g.Cout*g.KG)
		y := make([]float64, g.Cout*g.Cols)
		Product(y, w, Im2col(make([]float64, g.Rows*g.Cols), x, g), g)
		wt := make([]float64, tg.Cout*tg.KG)
		CopyTaps(wt, w, g, &tg, kh0, kw0)
		yt := make([]float64, g.Cout*g.Cols)
		Product(yt, wt, Im2col(make([]float64, tg.Rows*tg.Cols), x, &tg), &tg)
		for i := range y {
			if d := y[i] - yt[i]; d > 1e-12 || d < -1e-12 {
				t.Fatalf("%v: output %d is %v trimmed, %v untrimmed", g, i, yt[i], y[i])
			}
		}
		v := randSlice(r, len(wt))
		we := randSlice(r, len(w)) // EmbedTaps must overwrite it
		EmbedTaps(we, v, g, &tg, kh0, kw0)
		if a, b := dot(wt, v), dot(w, we); a-b > 1e-12 || b-a > 1e-12 {
			t.Fatalf("%v: <CopyTaps(w), v> = %v, <w, EmbedTaps(v)> = %v", g, a, b)
		}
	}
	if trimmed < 20 {
		t.Errorf("only %d of the random geometries trimmed", trimmed)
	}
}
