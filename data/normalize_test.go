package data

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

func TestMeanImage(t *testing.T) {
	got := MeanImage(tinyImages())
	want := Normalization{Mean: []float32{1, 11, 21, 32}}
	if !cmp.Equal(got, want) {
		t.Errorf("MeanImage = %+v, want %+v", got, want)
	}
	testutil.MustPanic(t, func() { MeanImage(tinyImages().Subset(0)) }, "data: the dataset has no examples")
}

func TestChannelStats(t *testing.T) {
	// Channel 0: {0, 10, 2, 12}, mean 6, squared deviations 36+16+16+36 = 104.
	// Channel 1: {20, 30, 22, 34}, mean 26.5, squared deviations
	// 42.25+12.25+20.25+56.25 = 131. Population variance divides by 4.
	got := ChannelStats(tinyImages())
	want := Normalization{
		Mean: []float32{6, 26.5},
		Std:  []float32{float32(math.Sqrt(26)), float32(math.Sqrt(32.75))},
	}
	if !cmp.Equal(got, want) {
		t.Errorf("ChannelStats = %+v, want %+v", got, want)
	}

	constant := &Images{Pixels: []uint8{7, 1, 7, 5}, Labels: []uint8{0, 0}, C: 2, H: 1, W: 1, NumClasses: 1}
	got = ChannelStats(constant)
	want = Normalization{Mean: []float32{7, 3}, Std: []float32{1, 2}}
	if !cmp.Equal(got, want) {
		t.Errorf("ChannelStats of a constant channel = %+v, want %+v (Std 1 where the spread is 0)", got, want)
	}
}

func TestNormalizationApply(t *testing.T) {
	shape := []int{2, 1, 2}
	tests := []struct {
		name string
		norm Normalization
		want []float32
	}{
		{"mean image", Normalization{Mean: []float32{1, 11, 21, 32}}, []float32{1, 1, 1, 2}},
		{"per pixel std", Normalization{Mean: []float32{1, 11, 21, 32}, Std: []float32{1, 0.5, 2, 4}}, []float32{1, 2, 0.5, 0.5}},
		{"per channel", Normalization{Mean: []float32{2, 20}}, []float32{0, 10, 2, 14}},
		{"per channel std", Normalization{Mean: []float32{2, 20}, Std: []float32{2, 4}}, []float32{0, 5, 0.5, 3.5}},
	}
	for _, tt := range tests {
		x := []float32{2, 12, 22, 34}
		tt.norm.Apply(x, shape)
		if !cmp.Equal(x, tt.want) {
			t.Errorf("%s: Apply = %v, want %v", tt.name, x, tt.want)
		}
	}

	x := make([]float32, 4)
	testutil.MustPanic(t, func() { Normalization{Mean: make([]float32, 3)}.Apply(x, shape) },
		"data: normalization with 3 means for an example of shape [2 1 2]: want 4 (per pixel) or 2 (per channel)")
	testutil.MustPanic(t, func() { Normalization{}.Apply(x, shape) }, "data: normalization with 0 means")
	testutil.MustPanic(t, func() { Normalization{Mean: make([]float32, 2), Std: make([]float32, 4)}.Apply(x, shape) },
		"data: normalization with 2 means and 4 stds")
	testutil.MustPanic(t, func() { Normalization{Mean: make([]float32, 2)}.Apply(x[:3], shape) },
		"data: Normalization.Apply of 3 values with shape [2 1 2]")
}

// TestMeanImageCentres checks the course's preprocessing end to end: the mean
// training image subtracted from every training example leaves a mean of
// zero at every pixel.
func TestMeanImageCentres(t *testing.T) {
	ds := seqDataset{n: 7, shape: []int{3, 2, 2}}
	norm := MeanImage(ds)
	sum := make([]float64, 12)
	for i := range ds.n {
		x := example(ds, i)
		norm.Apply(x, ds.shape)
		for j, v := range x {
			sum[j] += float64(v)
		}
	}
	for j, s := range sum {
		if s != 0 {
			t.Errorf("pixel %d: sum of centred values %v, want 0", j, s)
		}
	}
	// Value j of example i is 1000i + j + 1; the mean over i = 0…6 is 3000 + j + 1.
	if norm.Mean[5] != 3006 {
		t.Errorf("Mean[5] = %v, want 3006", norm.Mean[5])
	}
}
