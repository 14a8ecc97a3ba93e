package mnist

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeSplit writes a split of n 28×28 images (pixel j of image i is
// (i+j) mod 256), or of imageDims if not nil, with the given labels into dir
// and returns the pixels; gzImages and gzLabels choose, per file, the .gz name
// and compression.
func writeSplit(t *testing.T, dir, split string, n int, labels []byte, imageDims []int, gzImages, gzLabels bool) []byte {
	t.Helper()
	if imageDims == nil {
		imageDims = []int{n, 28, 28}
	}
	size := 1
	for _, d := range imageDims {
		size *= d
	}
	pixels := make([]byte, size)
	for k := range pixels {
		pixels[k] = byte(k/784 + k%784)
	}
	write := func(name string, b []byte, compress bool) {
		if compress {
			name, b = name+".gz", gz(b)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(split+"-images-idx3-ubyte", idx(imageDims, pixels), gzImages)
	write(split+"-labels-idx1-ubyte", idx([]int{len(labels)}, labels), gzLabels)
	return pixels
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	trainPixels := writeSplit(t, dir, "train", 3, []byte{5, 0, 9}, nil, true, false)
	testPixels := writeSplit(t, dir, "t10k", 2, []byte{1, 2}, nil, false, true)

	train, err := Load(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 3 || train.C != 1 || train.H != 28 || train.W != 28 || train.NumClasses != 10 {
		t.Errorf("train: Len %d, %d×%d×%d, %d classes; want 3, 1×28×28, 10", train.Len(), train.C, train.H, train.W, train.NumClasses)
	}
	if !slices.Equal(train.Labels, []byte{5, 0, 9}) || !slices.Equal(train.Pixels, trainPixels) {
		t.Errorf("train: labels %v, or pixels differ from the file's", train.Labels)
	}
	if !slices.Equal(train.ClassNames, DigitNames) {
		t.Errorf("train: class names %v, want %v", train.ClassNames, DigitNames)
	}
	x := make([]float32, 784)
	if l := train.Example(2, x); l != 9 || x[0] != 2 || x[783] != float32((2+783)%256) {
		t.Errorf("Example(2): label %d, x[0] %v, x[783] %v; want 9, 2, %d", l, x[0], x[783], (2+783)%256)
	}

	test, err := LoadFashion(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if test.Len() != 2 || !slices.Equal(test.Labels, []byte{1, 2}) || !slices.Equal(test.Pixels, testPixels) {
		t.Errorf("test: Len %d labels %v, want 2 [1 2] and the file's pixels", test.Len(), test.Labels)
	}
	if test.ClassNames[9] != "Ankle boot" {
		t.Errorf("Fashion class 9 is %q, want Ankle boot", test.ClassNames[9])
	}
	test.ClassNames[9] = "changed"
	if FashionNames[9] != "Ankle boot" {
		t.Error("changing a result's class names changed FashionNames")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"missing", func(t *testing.T, dir string) {}, "neither train-labels-idx1-ubyte nor train-labels-idx1-ubyte.gz in"},
		{"no images", func(t *testing.T, dir string) {
			writeSplit(t, dir, "train", 2, []byte{1, 2}, nil, false, false)
			os.Remove(filepath.Join(dir, "train-images-idx3-ubyte"))
		}, "neither train-images-idx3-ubyte nor"},
		{"counts differ", func(t *testing.T, dir string) {
			writeSplit(t, dir, "train", 3, []byte{1, 2}, nil, true, true)
		}, "3 images in " + "DIR/train-images-idx3-ubyte.gz but 2 labels in DIR/train-labels-idx1-ubyte.gz"},
		{"label 10", func(t *testing.T, dir string) {
			writeSplit(t, dir, "train", 3, []byte{1, 10, 2}, nil, false, false)
		}, "train-labels-idx1-ubyte: label 10 of example 1, want 0 to 9"},
		{"wrong size", func(t *testing.T, dir string) {
			writeSplit(t, dir, "train", 1, []byte{1}, []int{1, 28, 27, 1}, false, false)
		}, "image dimensions [1 28 27 1], want [n 28 28]"},
		{"labels 2-d", func(t *testing.T, dir string) {
			writeSplit(t, dir, "train", 2, []byte{1, 2}, nil, false, false)
			os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte"), idx([]int{2, 1}, []byte{1, 2}), 0o644)
		}, "label dimensions [2 1], want [n]"},
		{"empty", func(t *testing.T, dir string) {
			writeSplit(t, dir, "train", 0, nil, nil, false, false)
		}, "train-images-idx3-ubyte: no examples"},
		{"truncated images", func(t *testing.T, dir string) {
			writeSplit(t, dir, "train", 2, []byte{1, 2}, nil, false, false)
			p := filepath.Join(dir, "train-images-idx3-ubyte")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-10], 0o644)
		}, "train-images-idx3-ubyte: truncated data: dimensions [2 28 28] need 1568 bytes, found 1558"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			m, err := Load(dir, true)
			want := "mnist: " + strings.ReplaceAll(tt.want, "DIR", dir)
			if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(want, "mnist: ")) || !strings.HasPrefix(err.Error(), "mnist: ") {
				t.Errorf("err = %v, want one containing %q", err, want)
			}
			if m != nil {
				t.Error("returned images with an error")
			}
		})
	}
}
