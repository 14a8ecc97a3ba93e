package data

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/tapegrad/tapegrad/tensor"
)

// refNormalize is the definition normalizeInto must match bit for bit:
// each value's mean and std found by dividing its index, in float32.
func refNormalize[T tensor.Float](src []float32, n *Normalization) []T {
	out := make([]T, len(src))
	for j, v := range src {
		if n != nil {
			k := j / (len(src) / len(n.Mean))
			v -= n.Mean[k]
			if n.Std != nil {
				v /= n.Std[k]
			}
		}
		out[j] = T(v)
	}
	return out
}

// TestNormalizeInto checks the batch's one-pass normalization (and the
// assembly of the mean image's subtraction, on CPUs with AVX2) against
// refNormalize on every form of Normalization, from bytes and from
// float32, into float32 and float64, at lengths that leave the assembly
// every kind of tail.
func TestNormalizeInto(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, shape := range [][]int{{1, 1, 1}, {1, 1, 7}, {1, 3, 3}, {3, 2, 4}, {1, 28, 28}, {3, 5, 13}, {2, 1, 47}} {
		size := numel(shape)
		px := make([]uint8, size)
		f := make([]float32, size)
		for j := range px {
			px[j] = uint8(rng.IntN(256))
			f[j] = float32(px[j])
		}
		randVec := func(n int, lo, hi float64) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(lo + (hi-lo)*rng.Float64())
			}
			return v
		}
		norms := map[string]*Normalization{
			"none":          nil,
			"pixel mean":    {Mean: randVec(size, -10, 250)},
			"pixel std":     {Mean: randVec(size, -10, 250), Std: randVec(size, 0.1, 90)},
			"channel mean":  {Mean: randVec(shape[0], 0, 255)},
			"channel std":   {Mean: randVec(shape[0], 0, 255), Std: randVec(shape[0], 0.3, 70)},
			"mean image 0s": {Mean: make([]float32, size)},
		}
		for name, n := range norms {
			want32, want64 := refNormalize[float32](f, n), refNormalize[float64](f, n)
			for _, stream := range []bool{false, true} {
				what := name
				if stream {
					what += ", streamed"
				}
				got := make([]float32, size)
				normalizeInto(got, px, n, stream)
				same(t, shape, what+" bytes→float32", got, want32)
				normalizeInto(got, f, n, stream)
				same(t, shape, what+" float32→float32", got, want32)
				got64 := make([]float64, size)
				normalizeInto(got64, px, n, stream)
				same(t, shape, what+" bytes→float64", got64, want64)
				normalizeInto(got64, f, n, stream)
				same(t, shape, what+" float32→float64", got64, want64)
			}
		}
	}
}

func same[T tensor.Float](t *testing.T, shape []int, what string, got, want []T) {
	t.Helper()
	for j := range want {
		if math.Float64bits(float64(got[j])) != math.Float64bits(float64(want[j])) {
			t.Fatalf("%v %s: value %d is %v, want %v", shape, what, j, got[j], want[j])
		}
	}
}

// TestSubMeanAsm checks that the assembly does the whole vectors and no
// more, where it runs: a CPU with AVX2 and TAPEGRAD_ISA not below it. Its
// streaming form first writes the values up to dst's first 32-byte
// boundary in Go, so it is run at every offset from one.
func TestSubMeanAsm(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2 assembly on this CPU or under TAPEGRAD_ISA")
	}
	buf := make([]float32, 800+8+1)
	for _, stream := range []bool{false, true} {
		for off := range 8 {
			for _, n := range []int{0, 1, 5, 7, 8, 9, 15, 31, 32, 33, 40, 784} {
				clear(buf)
				dst := buf[off : off+n+1]
				dst[n] = -1 // past the slice: never written
				src := make([]uint8, n)
				mean := make([]float32, n)
				for j := range src {
					src[j], mean[j] = uint8(j*37), float32(j)/3
				}
				done := subMeanAsm(dst[:n], src, mean, stream)
				want := n &^ 7
				if lead := int(-uintptr(unsafe.Pointer(&dst[0])) % 32 / 4); stream && n >= 8 {
					want = min(n, lead+(max(0, n-lead)&^7))
				}
				if done != want {
					t.Errorf("stream %v, offset %d, n=%d: subMeanAsm did %d values, want %d", stream, off, n, done, want)
				}
				for j := range done {
					if want := float32(src[j]) - mean[j]; dst[j] != want {
						t.Fatalf("stream %v, offset %d, n=%d: value %d is %v, want %v", stream, off, n, j, dst[j], want)
					}
				}
				for j := done; j < n; j++ {
					if dst[j] != 0 {
						t.Fatalf("stream %v, offset %d, n=%d: value %d, past the vectors, was written: %v", stream, off, n, j, dst[j])
					}
				}
				if dst[n] != -1 {
					t.Fatalf("stream %v, offset %d, n=%d: the value past dst was overwritten: %v", stream, off, n, dst[n])
				}
			}
		}
	}
}
