package main

import "testing"

// TestGroupNormRows checks that the group and instance norm rows compare
// variants that agree, with the fused one keeping less.
func TestGroupNormRows(t *testing.T) {
	for _, c := range []struct {
		name   string
		groups func(int) int
		shape  []int
	}{{"groupnorm", groupsOf(4), []int{2, 8, 4, 4}}, {"instancenorm", perChannel, []int{2, 3, 4, 4}}, {"groupnorm", groupsOf(2), []int{2, 8, 3}}} {
		if err := checkGroups(c.groups)(c.shape); err != nil {
			t.Fatal(err)
		}
		r := compare(groupNormSteps[float64](c.groups)(c.shape), 1)
		if r.MaxGradDiff > 1e-12 {
			t.Errorf("%s %v: fused and composed gradients differ by %g", c.name, c.shape, r.MaxGradDiff)
		}
		if r.FusedBytes <= 0 || r.FusedBytes >= r.ComposedBytes {
			t.Errorf("%s %v: fused keeps %d bytes, composed %d", c.name, c.shape, r.FusedBytes, r.ComposedBytes)
		}
		if r.ComposedNs <= 0 || r.FusedNs <= 0 {
			t.Errorf("%s %v: times %d, %d ns", c.name, c.shape, r.ComposedNs, r.FusedNs)
		}
	}
	if err := checkGroups(groupsOf(32))([]int{2, 48, 3}); err == nil {
		t.Error("48 channels accepted for 32 groups")
	}
}
