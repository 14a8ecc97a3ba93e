package conv

import (
	"fmt"
	"testing"
)

// BenchmarkWinoTransforms times WinoInput and WinoOutput, float32, on
// three of the ConvNet's layers at batch 32 (C = Cout, 3×3, padding 1).
func BenchmarkWinoTransforms(b *testing.B) {
	for _, s := range []struct{ c, size int }{{64, 16}, {256, 8}, {512, 4}} {
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
	}
}
