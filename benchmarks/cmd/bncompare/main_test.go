package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestJSON runs the command on small shapes in float64 and checks each line
// of batch norm: exactly the documented fields, gradients that agree and the
// bytes each variant keeps (see bnbench's tests for the counts).
func TestJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"-json", "-reps", "2", "-dtype", "float64", "-layers", "batchnorm", "-shapes", "4x3, 2x3x4x5"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), out.String())
	}
	want := []string{"composed_bytes", "composed_ns", "fused_bytes", "fused_ns", "layer", "max_grad_diff", "memory_ratio", "shape", "speedup"}
	for i, c := range []struct {
		shape  string
		mc, ch int // elements of x, channels
	}{{"4x3", 12, 3}, {"2x3x4x5", 120, 3}} {
		shape := c.shape
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
		fused, composed := (c.mc+c.ch)*8+2*c.ch*8, (2*c.mc+2*c.ch)*8
		if r.Layer != "batchnorm" || r.Shape != shape || !(r.MaxGradDiff <= 1e-10) || r.FusedBytes != fused ||
			r.ComposedBytes != composed || r.MemoryRatio != float64(fused)/float64(composed) || r.ComposedNs <= 0 || r.FusedNs <= 0 {
			t.Errorf("line %d: %s", i, lines[i])
		}
	}
}

// TestLayerNormRows checks the rows of layer norm and RMS norm: the
// gradients agree, and the fused ops keep exactly x, γ and, per row, μ (layer
// norm) and r (float64: 8 bytes each), less than the composed versions.
func TestLayerNormRows(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"-json", "-reps", "1", "-dtype", "float64", "-layers", "layernorm,rmsnorm", "-shapes", "4x6,2x3x5"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []struct {
		layer, shape string
		fused        int
	}{{"layernorm", "4x6", 8 * (24 + 2*4 + 6)}, {"layernorm", "2x3x5", 8 * (30 + 2*6 + 5)},
		{"rmsnorm", "4x6", 8 * (24 + 4 + 6)}, {"rmsnorm", "2x3x5", 8 * (30 + 6 + 5)}}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, w := range want {
		var r row
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if r.Layer != w.layer || r.Shape != w.shape || !(r.MaxGradDiff <= 1e-12) || r.FusedBytes != w.fused ||
			!(r.ComposedBytes > r.FusedBytes) || r.ComposedNs <= 0 || r.FusedNs <= 0 {
			t.Errorf("line %d: %s; want layer %s, shape %s, fused bytes %d", i, lines[i], w.layer, w.shape, w.fused)
		}
	}
}

func TestTable(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-reps", "1", "-shapes", "4x3", "-layers", "batchnorm,layernorm,rmsnorm"}, &out, &errOut); code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 7 || !strings.Contains(lines[0], "GOMAXPROCS=") || !strings.HasPrefix(lines[4], "| batchnorm | 4x3 | ") ||
		!strings.HasPrefix(lines[5], "| layernorm | 4x3 | ") || !strings.HasPrefix(lines[6], "| rmsnorm | 4x3 | ") {
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
		{"-layers", "layernorm,groupnormish"},
		{"-layers", "rmsnorm,batchnorm", "-shapes", "6"},
		{"-nosuchflag"},
		{"extra"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code == 0 || errOut.Len() == 0 || out.Len() != 0 {
			t.Errorf("%q: exit code %d, stdout %q, stderr %q; want non-zero, an error and no output", args, code, out.String(), errOut.String())
		}
	}
}
