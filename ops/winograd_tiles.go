package ops

import (
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/tensor"
)

// The tile transforms of F(2×2, 3×3) and their adjoints (see winograd.go).
// Each 4×4 tile is held row-major in a [16]T, position ξ = 4i + j, and each
// transform applies a 1-d transform to the rows and then to the columns:
// X·Mᵀ on rows followed by M·(X·Mᵀ) on columns is M X Mᵀ.

// winoInput writes V = Bᵀ d B for every input tile d of x into v,
// 16×Cin×T: v[ξ·Cin·T + c·T + t] is position ξ of the transform of tile t
// of channel c. Channel planes are transformed in parallel.
func winoInput[T tensor.Float](v, x []T, g *convGeom, tg *winoTiles) {
	hw, step := g.h*g.w, g.c*tg.t
	parallel.Chunks(g.n*g.c, max(parallel.Grain/(16*tg.plane), 1), func(lo, hi int) {
		var d [16]T
		for p := lo; p < hi; p++ {
			s, c := p/g.c, p%g.c
			src := x[p*hw : (p+1)*hw]
			o := c*tg.t + s*tg.plane
			for ty := range tg.th {
				for tx := range tg.tw {
					loadTile(&d, src, g.h, g.w, 2*ty-g.ph, 2*tx-g.pw)
					inputTile(&d)
					for xi, e := range d {
						v[xi*step+o] = e
					}
					o++
				}
			}
		}
	})
}

// winoInputAdjoint adds B dV Bᵀ for every tile of dv (16×Cin×T, laid out as
// winoInput's V) onto the tile's place in dx, dropping what falls in the
// padding: the adjoint of winoInput. Tiles overlap, so each goroutine owns
// whole channel planes of dx and adds its tiles in order.
func winoInputAdjoint[T tensor.Float](dx, dv []T, g *convGeom, tg *winoTiles) {
	hw, step := g.h*g.w, g.c*tg.t
	parallel.Chunks(g.n*g.c, max(parallel.Grain/(16*tg.plane), 1), func(lo, hi int) {
		var d [16]T
		for p := lo; p < hi; p++ {
			s, c := p/g.c, p%g.c
			dst := dx[p*hw : (p+1)*hw]
			o := c*tg.t + s*tg.plane
			for ty := range tg.th {
				for tx := range tg.tw {
					for xi := range d {
						d[xi] = dv[xi*step+o]
					}
					inputTileAdjoint(&d)
					addTile(dst, &d, g.h, g.w, 2*ty-g.ph, 2*tx-g.pw)
					o++
				}
			}
		}
	})
}

// winoOutput writes the output tiles Aᵀ M A of m (16×Cout×T) into y
// (N×Cout×Hout×Wout), cropped at odd edges, adding the bias b unless it is
// nil. Output planes are written in parallel.
func winoOutput[T tensor.Float](y, m, b []T, g *convGeom, tg *winoTiles) {
	l, step := g.plane(), g.cout*tg.t
	parallel.Chunks(g.n*g.cout, max(parallel.Grain/(16*tg.plane), 1), func(lo, hi int) {
		var d [16]T
		for p := lo; p < hi; p++ {
			s, co := p/g.cout, p%g.cout
			var bias T
			if b != nil {
				bias = b[co]
			}
			dst := y[p*l : (p+1)*l]
			o := co*tg.t + s*tg.plane
			for ty := range tg.th {
				oy := 2 * ty
				for tx := range tg.tw {
					ox := 2 * tx
					for xi := range d {
						d[xi] = m[xi*step+o]
					}
					o++
					// M A: each row (m0, m1, m2, m3) becomes (m0+m1+m2, m1−m2−m3).
					var r [8]T
					for i := range 4 {
						m0, m1, m2, m3 := d[4*i], d[4*i+1], d[4*i+2], d[4*i+3]
						r[2*i], r[2*i+1] = m0+m1+m2, m1-m2-m3
					}
					// Aᵀ (M A): the same on the two columns.
					y00, y01 := r[0]+r[2]+r[4]+bias, r[1]+r[3]+r[5]+bias
					y10, y11 := r[2]-r[4]-r[6]+bias, r[3]-r[5]-r[7]+bias
					i := oy*g.wout + ox
					dst[i] = y00
					if ox+1 < g.wout {
						dst[i+1] = y01
					}
					if oy+1 < g.hout {
						dst[i+g.wout] = y10
						if ox+1 < g.wout {
							dst[i+g.wout+1] = y11
						}
					}
				}
			}
		}
	})
}

// winoOutputAdjoint writes dM = A dYtile Aᵀ for every 2×2 tile of dy into dm
// (16×Cout×T, laid out as winoOutput's M), taking cropped outputs as zero:
// the adjoint of winoOutput without the bias.
func winoOutputAdjoint[T tensor.Float](dm, dy []T, g *convGeom, tg *winoTiles) {
	l, step := g.plane(), g.cout*tg.t
	parallel.Chunks(g.n*g.cout, max(parallel.Grain/(16*tg.plane), 1), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			s, co := p/g.cout, p%g.cout
			src := dy[p*l : (p+1)*l]
			o := co*tg.t + s*tg.plane
			for ty := range tg.th {
				oy := 2 * ty
				for tx := range tg.tw {
					ox := 2 * tx
					i := oy*g.wout + ox
					var y00, y01, y10, y11 T
					y00 = src[i]
					if ox+1 < g.wout {
						y01 = src[i+1]
					}
					if oy+1 < g.hout {
						y10 = src[i+g.wout]
						if ox+1 < g.wout {
							y11 = src[i+g.wout+1]
						}
					}
					// dY Aᵀ: each row (y0, y1) becomes A y = (y0, y0+y1, y0−y1, −y1).
					r := [8]T{y00, y00 + y01, y00 - y01, -y01, y10, y10 + y11, y10 - y11, -y11}
					// A (dY Aᵀ): the same on the four columns.
					for j := range 4 {
						a, b := r[j], r[4+j]
						dm[j*step+o] = a
						dm[(4+j)*step+o] = a + b
						dm[(8+j)*step+o] = a - b
						dm[(12+j)*step+o] = -b
					}
					o++
				}
			}
		}
	})
}

// loadTile copies the 4×4 tile of the h×w plane src whose top left corner
// is at row iy and column ix into d, with zeros where it leaves the plane.
func loadTile[T tensor.Float](d *[16]T, src []T, h, w, iy, ix int) {
	if iy >= 0 && iy+4 <= h && ix >= 0 && ix+4 <= w {
		for i := range 4 {
			r := src[(iy+i)*w+ix : (iy+i)*w+ix+4]
			d[4*i], d[4*i+1], d[4*i+2], d[4*i+3] = r[0], r[1], r[2], r[3]
		}
		return
	}
	*d = [16]T{}
	for i := range 4 {
		if y := iy + i; y >= 0 && y < h {
			for j := range 4 {
				if x := ix + j; x >= 0 && x < w {
					d[4*i+j] = src[y*w+x]
				}
			}
		}
	}
}

// addTile adds the 4×4 tile d onto the h×w plane dst at row iy and column
// ix, dropping what falls outside the plane: the adjoint of loadTile.
func addTile[T tensor.Float](dst []T, d *[16]T, h, w, iy, ix int) {
	if iy >= 0 && iy+4 <= h && ix >= 0 && ix+4 <= w {
		for i := range 4 {
			r := dst[(iy+i)*w+ix : (iy+i)*w+ix+4]
			r[0] += d[4*i]
			r[1] += d[4*i+1]
			r[2] += d[4*i+2]
			r[3] += d[4*i+3]
		}
		return
	}
	for i := range 4 {
		if y := iy + i; y >= 0 && y < h {
			for j := range 4 {
				if x := ix + j; x >= 0 && x < w {
					dst[y*w+x] += d[4*i+j]
				}
			}
		}
	}
}

// inputTile replaces the tile d by Bᵀ d B, applying
// Bᵀa = (a0−a2, a1+a2, a2−a1, a1−a3) to the rows and then the columns.
func inputTile[T tensor.Float](d *[16]T) {
	for i := 0; i < 16; i += 4 {
		a0, a1, a2, a3 := d[i], d[i+1], d[i+2], d[i+3]
		d[i], d[i+1], d[i+2], d[i+3] = a0-a2, a1+a2, a2-a1, a1-a3
	}
	for j := range 4 {
		a0, a1, a2, a3 := d[j], d[4+j], d[8+j], d[12+j]
		d[j], d[4+j], d[8+j], d[12+j] = a0-a2, a1+a2, a2-a1, a1-a3
	}
}

// inputTileAdjoint replaces the tile d by B d Bᵀ, the adjoint of inputTile,
// applying Ba = (a0, a1−a2+a3, a1+a2−a0, −a3) to the rows and then the
// columns.
func inputTileAdjoint[T tensor.Float](d *[16]T) {
	for i := 0; i < 16; i += 4 {
		a0, a1, a2, a3 := d[i], d[i+1], d[i+2], d[i+3]
		d[i], d[i+1], d[i+2], d[i+3] = a0, a1-a2+a3, a1+a2-a0, -a3
	}
	for j := range 4 {
		a0, a1, a2, a3 := d[j], d[4+j], d[8+j], d[12+j]
		d[j], d[4+j], d[8+j], d[12+j] = a0, a1-a2+a3, a1+a2-a0, -a3
	}
}
