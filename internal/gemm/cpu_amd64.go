//go:build amd64 && !purego

package gemm

import "github.com/tapegrad/tapegrad/internal/isa"

// The kernels this CPU runs, the fastest first.
var (
	kernels32 = available(
		&kernel[float32]{name: "avx512", mr: 12, nr: 32, kc: 256, mc: 1536, nc: 1024, fastPack: true,
			fn: sgemmAVX512x12x32, fnN: sgemmAVX512x12x16, fnM: sgemmAVX512x6x32, fnMN: sgemmAVX512x6x16,
			fnQ: sgemmAVX2x12x8, fnMQ: sgemmAVX2x6x8, fnE: sgemmAVX512x12x4T, fnME: sgemmAVX512x6x4T},
		&kernel[float32]{name: "avx2", mr: 6, nr: 16, kc: 512, mc: 1536, nc: 512, fastPack: true,
			fn: sgemmAVX2x6x16, fnN: sgemmAVX2x6x8, fnM: sgemmAVX2x3x16, fnMN: sgemmAVX2x3x8},
		goKernel32(),
	)
	kernels64 = available(
		&kernel[float64]{name: "avx512", mr: 12, nr: 16, kc: 256, mc: 1536, nc: 256, fastPack: true,
			fn: dgemmAVX512x12x16, fnN: dgemmAVX512x12x8, fnM: dgemmAVX512x6x16, fnMN: dgemmAVX512x6x8,
			fnQ: dgemmAVX2x12x4, fnMQ: dgemmAVX2x6x4},
		&kernel[float64]{name: "avx2", mr: 6, nr: 8, kc: 256, mc: 1536, nc: 256, fastPack: true,
			fn: dgemmAVX2x6x8, fnN: dgemmAVX2x6x4, fnM: dgemmAVX2x3x8, fnMN: dgemmAVX2x3x4},
		goKernel64(),
	)
)

// available drops the kernels whose instructions the CPU (or the OS) lacks.
func available[T Float](ks ...*kernel[T]) []*kernel[T] {
	var out []*kernel[T]
	for _, k := range ks {
		switch k.name {
		case "avx512":
			if !isa.AVX512 {
				continue
			}
		case "avx2":
			if !isa.AVX2 {
				continue
			}
		}
		out = append(out, k)
	}
	return out
}
