package data

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// seqDataset has n examples of the given shape; value j of example i is
// i·1000 + j + 1 (never 0, so that zero padding shows) and its label is i.
type seqDataset struct {
	n     int
	shape []int
}

func (d seqDataset) Len() int     { return d.n }
func (d seqDataset) Shape() []int { return d.shape }
func (d seqDataset) Classes() int { return d.n }
func (d seqDataset) Example(i int, dst []float32) int {
	for j := range dst {
		dst[j] = float32(i*1000 + j + 1)
	}
	return i
}

// example returns example i of ds.
func example(ds Dataset, i int) []float32 {
	x := make([]float32, numel(ds.Shape()))
	ds.Example(i, x)
	return x
}

// tinyImages has two 2×1×2 images: channel 0 holds {0, 10} and {2, 12},
// channel 1 holds {20, 30} and {22, 34}.
func tinyImages() *Images {
	return &Images{
		Pixels:     []uint8{0, 10, 20, 30, 2, 12, 22, 34},
		Labels:     []uint8{1, 0},
		C:          2,
		H:          1,
		W:          2,
		NumClasses: 2,
		ClassNames: []string{"zero", "one"},
	}
}

func TestImagesExample(t *testing.T) {
	m := tinyImages()
	if m.Len() != 2 || m.Classes() != 2 || !cmp.Equal(m.Shape(), []int{2, 1, 2}) {
		t.Fatalf("Len %d Classes %d Shape %v, want 2 2 [2 1 2]", m.Len(), m.Classes(), m.Shape())
	}
	x := make([]float32, 4)
	if l := m.Example(1, x); l != 0 || !cmp.Equal(x, []float32{2, 12, 22, 34}) {
		t.Errorf("Example(1) = %v, label %d; want [2 12 22 34], label 0", x, l)
	}
	if l := m.Example(0, x); l != 1 || !cmp.Equal(x, []float32{0, 10, 20, 30}) {
		t.Errorf("Example(0) = %v, label %d; want [0 10 20 30], label 1", x, l)
	}
	testutil.MustPanic(t, func() { m.Example(0, make([]float32, 3)) }, "data: Images.Example: dst has 3")
	testutil.MustPanic(t, func() { m.Example(2, x) }, "data: Images.Example: index 2 out of range")
}

func TestImagesSubset(t *testing.T) {
	m := tinyImages()
	s := m.Subset(1)
	if s.Len() != 1 || !cmp.Equal(s.Pixels, []uint8{0, 10, 20, 30}) || s.Labels[0] != 1 {
		t.Errorf("Subset(1) = %v %v, want [0 10 20 30] [1]", s.Pixels, s.Labels)
	}
	if err := s.Validate(); err != nil {
		t.Errorf("Subset(1).Validate: %v", err)
	}
	if m.Len() != 2 {
		t.Errorf("Subset changed the original: Len %d", m.Len())
	}
	if all := m.Subset(10); all.Len() != 2 || len(all.Pixels) != 8 {
		t.Errorf("Subset(10): Len %d, %d pixels; want 2, 8", all.Len(), len(all.Pixels))
	}
	if none := m.Subset(0); none.Len() != 0 || len(none.Pixels) != 0 {
		t.Errorf("Subset(0): Len %d, %d pixels; want 0, 0", none.Len(), len(none.Pixels))
	}
	testutil.MustPanic(t, func() { m.Subset(-1) }, "data: Images.Subset(-1)")
}

func TestImagesValidate(t *testing.T) {
	if err := tinyImages().Validate(); err != nil {
		t.Fatalf("valid images: %v", err)
	}
	tests := []struct {
		name   string
		modify func(m *Images)
		want   string
	}{
		{"zero height", func(m *Images) { m.H = 0 }, "every dimension must be at least 1"},
		{"no classes", func(m *Images) { m.NumClasses = 0 }, "NumClasses is 0"},
		{"short pixels", func(m *Images) { m.Pixels = m.Pixels[:7] }, "2 labels need 8 pixel values"},
		{"extra label", func(m *Images) { m.Labels = append(m.Labels, 0) }, "3 labels need 12"},
		{"label too big", func(m *Images) { m.Labels[1] = 2 }, "label 2 of example 1"},
		{"names", func(m *Images) { m.ClassNames = m.ClassNames[:1] }, "1 class names for 2 classes"},
	}
	for _, tt := range tests {
		m := tinyImages()
		tt.modify(m)
		err := m.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "data: ") {
			t.Errorf("%s: Validate() = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
	m := tinyImages()
	m.ClassNames = nil
	if err := m.Validate(); err != nil {
		t.Errorf("nil class names: %v", err)
	}
}
