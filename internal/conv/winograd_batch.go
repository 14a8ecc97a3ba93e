package conv

import (
	"github.com/tapegrad/tapegrad/internal/gemm"
	"github.com/tapegrad/tapegrad/tensor"
)

// WinoProductBatch is WinoProduct with the 16 GEMMs M_ξ = U_ξ·V_ξ handed
// whole to the goroutines (gemm.Batch) rather than each cut into tasks in
// turn: the same bits, with the goroutines meeting once per call instead of
// at every phase of every product. Conv2d's training forward uses it.
func WinoProductBatch[T tensor.Float](m, u, v []T, g *Geom, tg *WinoTiles) {
	gemm.Batch(16, false, false, g.Cout, tg.Count, g.C,
		1, u, g.C, tg.UStep,
		v, tg.Count, tg.VStep,
		0, m, tg.Count, tg.MStep)
}
