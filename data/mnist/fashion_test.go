package mnist

import (
	"os"
	"slices"
	"testing"
)

// TestDebianFashionMNIST loads the real files that Debian's
// dataset-fashion-mnist package installs, when they are there.
func TestDebianFashionMNIST(t *testing.T) {
	if _, err := os.Stat(DebianFashionDir); err != nil {
		t.Skipf("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist): %v", err)
	}
	if testing.Short() {
		t.Skip("reads 30 MB of gzip in -short mode")
	}
	for _, tt := range []struct {
		train    bool
		n        int
		first    []uint8
		sumFirst int // sum of the first image's pixels
		perClass int
	}{
		{true, 60000, []uint8{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, 76247, 6000},
		{false, 10000, []uint8{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, 33456, 1000},
	} {
		m, err := LoadFashion(DebianFashionDir, tt.train)
		if err != nil {
			t.Fatal(err)
		}
		if m.Len() != tt.n || len(m.Pixels) != tt.n*784 {
			t.Fatalf("train=%v: %d images, %d pixels; want %d, %d", tt.train, m.Len(), len(m.Pixels), tt.n, tt.n*784)
		}
		if !slices.Equal(m.Labels[:10], tt.first) {
			t.Errorf("train=%v: first labels %v, want %v", tt.train, m.Labels[:10], tt.first)
		}
		counts := make([]int, 10)
		for _, l := range m.Labels {
			counts[l]++
		}
		for c, n := range counts {
			if n != tt.perClass {
				t.Errorf("train=%v: class %d (%s) has %d examples, want %d", tt.train, c, m.ClassNames[c], n, tt.perClass)
			}
		}
		sum := 0
		for _, p := range m.Pixels[:784] {
			sum += int(p)
		}
		if sum != tt.sumFirst {
			t.Errorf("train=%v: first image's pixels sum to %d, want %d", tt.train, sum, tt.sumFirst)
		}
	}
}
