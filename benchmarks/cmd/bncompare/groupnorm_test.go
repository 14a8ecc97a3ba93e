package main

import (
	"strings"
	"testing"
)

// TestCompareGroupNormRows checks that the group and instance norm rows
// compare variants that agree, with the fused one keeping less.
func TestCompareGroupNormRows(t *testing.T) {
	for _, r := range []row{compareGroupNorm[float64]([]int{2, 8, 4, 4}, 4, 1), compareInstanceNorm[float64]([]int{2, 3, 4, 4}, 1)} {
		if r.MaxGradDiff > 1e-12 {
			t.Errorf("%s: fused and composed gradients differ by %g", r.Shape, r.MaxGradDiff)
		}
		if r.FusedBytes <= 0 || r.FusedBytes >= r.ComposedBytes {
			t.Errorf("%s: fused keeps %d bytes, composed %d", r.Shape, r.FusedBytes, r.ComposedBytes)
		}
		if r.ComposedNs <= 0 || r.FusedNs <= 0 {
			t.Errorf("%s: times %d, %d ns", r.Shape, r.ComposedNs, r.FusedNs)
		}
	}
	if r := compareGroupNorm[float32]([]int{2, 8, 3}, 2, 1); !strings.HasSuffix(r.Shape, "/G2") {
		t.Errorf("shape %q does not name the groups", r.Shape)
	}
}
