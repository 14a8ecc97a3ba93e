package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestJSON runs the command on small shapes in float64 and checks each line:
// exactly the documented fields, gradients that agree and the fused op
// keeping half the bytes (see bnbench's tests for why exactly half).
func TestJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"-json", "-reps", "2", "-dtype", "float64", "-shapes", "4x3, 2x3x4x5"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), out.String())
	}
	want := []string{"composed_bytes", "composed_ns", "fused_bytes", "fused_ns", "max_grad_diff", "memory_ratio", "shape", "speedup"}
	for i, shape := range []string{"4x3", "2x3x4x5"} {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(lines[i]), &fields); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if got := slices.Sorted(maps.Keys(fields)); !slices.Equal(got, want) {
			t.Errorf("line %d has fields %v, want %v", i, got, want)
		}
		var r row
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if r.Shape != shape || !(r.MaxGradDiff <= 1e-10) || r.ComposedBytes != 2*r.FusedBytes ||
			r.MemoryRatio != 0.5 || r.ComposedNs <= 0 || r.FusedNs <= 0 {
			t.Errorf("line %d: %s", i, lines[i])
		}
	}
}

func TestTable(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-reps", "1", "-shapes", "4x3"}, &out, &errOut); code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 || !strings.Contains(lines[0], "GOMAXPROCS=") || !strings.HasPrefix(lines[4], "| 4x3 | ") {
		t.Errorf("unexpected table:\n%s", out.String())
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-dtype", "float16"},
		{"-reps", "0"},
		{"-shapes", "200"},
		{"-shapes", "200x"},
		{"-shapes", "1x3"},
		{"-nosuchflag"},
		{"extra"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code == 0 || errOut.Len() == 0 || out.Len() != 0 {
			t.Errorf("%q: exit code %d, stdout %q, stderr %q; want non-zero, an error and no output", args, code, out.String(), errOut.String())
		}
	}
}
