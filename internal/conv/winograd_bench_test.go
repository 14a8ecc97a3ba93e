package conv

import (
	"fmt"
	"testing"
)

// BenchmarkWinoTransforms times WinoInput, WinoOutput and their adjoints,
// float32, on
// three of the ConvNet's layers at batch 32 (C = Cout, 3×3, padding 1)
// and two of its Fashion-MNIST twin's (64x14, 256x7).
func BenchmarkWinoTransforms(b *testing.B) {
	for _, s := range []struct{ c, size int }{{64, 16}, {256, 8}, {512, 4}, {64, 14}, {256, 7}} {
		g := Geom{N: 32, C: s.c, H: s.size, W: s.size, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1, HOut: s.size, WOut: s.size, Cout: s.c, Groups: 1}
		tg := NewWinoTiles(&g)
		x := make([]float32, g.N*g.C*g.H*g.W)
		for i := range x {
			x[i] = float32(i%7) - 3
		}
		v := make([]float32, 16*tg.VStep)
		m := make([]float32, 16*tg.MStep)
		y := make([]float32, g.N*g.Cout*g.Plane())
		b.Run(fmt.Sprintf("in/%dx%d", s.c, s.size), func(b *testing.B) {
			for b.Loop() {
				WinoInput(v, x, &g, &tg)
			}
		})
		b.Run(fmt.Sprintf("out/%dx%d", s.c, s.size), func(b *testing.B) {
			for b.Loop() {
				WinoOutput(y, m, nil, &g, &tg)
			}
		})
		b.Run(fmt.Sprintf("inadj/%dx%d", s.c, s.size), func(b *testing.B) {
			for b.Loop() {
				WinoInputAdjoint(x, v, &g, &tg)
			}
		})
		b.Run(fmt.Sprintf("outadj/%dx%d", s.c, s.size), func(b *testing.B) {
			for b.Loop() {
				WinoOutputAdjoint(m, y, &g, &tg)
			}
		})
	}
}

// BenchmarkWinoWeights times WinoWeights and WinoWeightsAdjoint, float32,
// on two of the ConvNet's weights: 512×512×3×3 (U of 16 MiB, out of
// cache) and 256×128×3×3.
func BenchmarkWinoWeights(b *testing.B) {
	for _, s := range [][2]int{{512, 512}, {256, 128}} {
		cout, cin := s[0], s[1]
		w := make([]float32, cout*cin*9)
		for i := range w {
			w[i] = float32(i%11) - 5
		}
		step := cout*cin + winoGap
		u := make([]float32, 16*step)
		b.Run(fmt.Sprintf("fwd/%dx%d", cout, cin), func(b *testing.B) {
			for b.Loop() {
				WinoWeights(u, w, cout, cin, step)
			}
		})
		b.Run(fmt.Sprintf("adj/%dx%d", cout, cin), func(b *testing.B) {
			for b.Loop() {
				WinoWeightsAdjoint(w, u, cout, cin, step)
			}
		})
	}
}

// BenchmarkIm2col times Im2col, float32, on the ConvNet's last layers' input
// (32×512×2×2, 3×3, padding 1) and its first (32×3×32×32).
func BenchmarkIm2col(b *testing.B) {
	for _, s := range []struct{ c, size int }{{512, 2}, {3, 32}} {
		g := Geom{N: 32, C: s.c, H: s.size, W: s.size, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1,
			HOut: s.size, WOut: s.size, Cout: 512, Groups: 1}
		g.Rows, g.Cols, g.KG = g.C*9, g.N*g.Plane(), g.C*9
		x := make([]float32, g.N*g.C*g.H*g.W)
		cols := make([]float32, g.Rows*g.Cols)
		b.Run(fmt.Sprintf("%dx%d", s.c, s.size), func(b *testing.B) {
			for b.Loop() {
				Im2col(cols, x, &g)
			}
		})
	}
}
