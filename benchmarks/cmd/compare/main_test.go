package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

// runCmd runs the command and returns its exit code, stdout and stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// jsonLines decodes each line of out into a map of its fields.
func jsonLines(t *testing.T, out string) []map[string]json.RawMessage {
	t.Helper()
	var rows []map[string]json.RawMessage
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		rows = append(rows, m)
	}
	return rows
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-reps", "0"},
		{"-only", "W99"},
		{"-only", "W4/float"},
		{"-only", "W1,"},
		{"-block", "-1s"},
		{"-nosuchflag"},
		{"extra"},
	} {
		if code, out, errOut := runCmd(t, args...); code != 2 || errOut == "" || out != "" {
			t.Errorf("%q: exit code %d, stdout %q, stderr %q; want 2, an error and no output", args, code, out, errOut)
		}
	}
}

// TestNoReference is the path without PyTorch: tapegrad's column is
// filled, the reference's is empty, and a note says why.
func TestNoReference(t *testing.T) {
	for _, c := range []struct{ python, why string }{
		{"none", "Reference empty for W5: -python none."},
		{"/nonexistent/python3", "Reference empty for W5: no Python with PyTorch or NumPy (/nonexistent/python3: "},
	} {
		code, out, errOut := runCmd(t, "-python", c.python, "-script", "main.go", "-only", "W5", "-reps", "1", "-block", "1ms")
		if code != 0 {
			t.Fatalf("-python %s: exit code %d, stderr %s", c.python, code, errOut)
		}
		if !strings.Contains(out, "tapegrad vs no reference") || !strings.Contains(out, c.why) {
			t.Errorf("-python %s: output lacks %q:\n%s", c.python, c.why, out)
		}
		var row string
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "| W5 |") {
				row = line
			}
		}
		if cells := strings.Split(row, "|"); len(cells) != 9 || !strings.HasSuffix(strings.TrimSpace(cells[2]), " ms") ||
			strings.TrimSpace(cells[3]) != "—" || strings.TrimSpace(cells[4]) != "—" || strings.TrimSpace(cells[6]) != "—" {
			t.Errorf("-python %s: W5 row %q, want tapegrad's time and empty reference cells", c.python, row)
		}
	}
}

// TestNoReferenceJSON checks the fields of a row without reference: the
// documented ones, with null where the reference would be.
func TestNoReferenceJSON(t *testing.T) {
	code, out, errOut := runCmd(t, "-json", "-python", "none", "-only", "W5,W4/float64/200x3072x100", "-reps", "1", "-block", "1ms")
	if code != 0 {
		t.Fatalf("exit code %d, stderr %s", code, errOut)
	}
	rows := jsonLines(t, out)
	if len(rows) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(rows), out)
	}
	base := []string{"ratio", "reference", "reference_missing", "reference_ns", "reference_peak_bytes", "reps",
		"steps_per_rep", "tapegrad_ns", "tapegrad_peak_bytes", "workload"}
	gemm := slices.Sorted(slices.Values(append(slices.Clone(base), "reference_gflops", "tapegrad_gflops")))
	for i, want := range [][]string{gemm, base} {
		if got := slices.Sorted(maps.Keys(rows[i])); !slices.Equal(got, want) {
			t.Errorf("line %d has fields %v, want %v", i, got, want)
		}
		for _, k := range []string{"ratio", "reference_ns", "reference_peak_bytes"} {
			if string(rows[i][k]) != "null" {
				t.Errorf("line %d: %s = %s, want null", i, k, rows[i][k])
			}
		}
		if string(rows[i]["reference"]) != `""` || string(rows[i]["reference_missing"]) != `"-python none"` {
			t.Errorf("line %d: reference %s, reference_missing %s", i, rows[i]["reference"], rows[i]["reference_missing"])
		}
	}
	if string(rows[0]["workload"]) != `"W4/float64/200x3072x100"` || string(rows[1]["workload"]) != `"W5"` {
		t.Errorf("workloads %s, %s: want the order of the table", rows[0]["workload"], rows[1]["workload"])
	}
	if string(rows[0]["reference_gflops"]) != "null" {
		t.Errorf("reference_gflops = %s, want null", rows[0]["reference_gflops"])
	}
}

// TestFakeReferenceJSON runs against the stand-in for workloads.py: every
// row has the reference's name, time and ratio; W1, which the stand-in runs
// from the files the command wrote, has equal losses.
func TestFakeReferenceJSON(t *testing.T) {
	args := fakeArgs(t, "ok", "-json", "-only", "W1,W4/float32/200x3072x100,W5")
	code, out, errOut := runCmd(t, args...)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %s", code, errOut)
	}
	var rows []jsonRow
	var gemm gemmJSONRow
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r jsonRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if err := json.Unmarshal([]byte(line), &gemm); err != nil {
				t.Fatal(err)
			}
		}
		rows = append(rows, r)
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want 3:\n%s", len(rows), out)
	}
	for _, r := range rows {
		if r.Reference == "" || r.ReferenceNs == nil || r.Ratio == nil || r.ReferenceMissing != "" {
			t.Fatalf("%s: no reference: %+v", r.Workload, r)
		}
		if *r.ReferenceNs != fakeStepNs && r.Workload != "W1" {
			t.Errorf("%s: reference_ns %d, want %d", r.Workload, *r.ReferenceNs, fakeStepNs)
		}
		if want := float64(r.TapegradNs) / float64(*r.ReferenceNs); *r.Ratio != want {
			t.Errorf("%s: ratio %v, want %v", r.Workload, *r.Ratio, want)
		}
		if r.ReferencePeakBytes == nil || *r.ReferencePeakBytes != 12345 {
			t.Errorf("%s: reference_peak_bytes %v", r.Workload, r.ReferencePeakBytes)
		}
	}
	if rows[0].Reference != "PyTorch 9.9-fake" || rows[1].Reference != "NumPy 8.8-fake" {
		t.Errorf("references %q and %q", rows[0].Reference, rows[1].Reference)
	}
	w1 := rows[0]
	if w1.TapegradLossStep1 == nil || w1.ReferenceLossStep1 == nil || w1.TapegradLossLast == nil || w1.ReferenceLossLast == nil {
		t.Fatalf("W1 lacks losses: %+v", w1)
	}
	if *w1.TapegradLossStep1 != *w1.ReferenceLossStep1 || *w1.TapegradLossLast != *w1.ReferenceLossLast {
		t.Errorf("W1 losses differ: step 1 %v and %v, last %v and %v",
			*w1.TapegradLossStep1, *w1.ReferenceLossStep1, *w1.TapegradLossLast, *w1.ReferenceLossLast)
	}
	if !(*w1.TapegradLossLast < *w1.TapegradLossStep1) {
		t.Errorf("W1's loss did not fall: %v, then %v", *w1.TapegradLossStep1, *w1.TapegradLossLast)
	}
	if want := 2.0 * 200 * 3072 * 100 / fakeStepNs; gemm.ReferenceGFLOPS == nil || *gemm.ReferenceGFLOPS != want {
		t.Errorf("reference_gflops = %v, want %v", gemm.ReferenceGFLOPS, want)
	}
	if gemm.TapegradGFLOPS <= 0 {
		t.Errorf("tapegrad_gflops = %v", gemm.TapegradGFLOPS)
	}
	if !strings.Contains(errOut, "check W1: loss at step 1") {
		t.Errorf("stderr lacks the loss check:\n%s", errOut)
	}
}

// TestFakeReferenceHVP runs W10 against the stand-in, which computes Hv in
// tapegrad from the weights, batch and v the command wrote: the losses are
// equal, the Hv the stand-in wrote is tapegrad's own (relative error 0),
// and the check line says so.
func TestFakeReferenceHVP(t *testing.T) {
	code, out, errOut := runCmd(t, fakeArgs(t, "ok", "-json", "-only", "W10")...)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %s", code, errOut)
	}
	var r jsonRow
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &r); err != nil {
		t.Fatal(err)
	}
	if r.Workload != "W10" || r.Reference == "" || r.TapegradLossStep1 == nil || r.ReferenceLossStep1 == nil ||
		r.TapegradLossLast != nil || r.HVRelativeError == nil {
		t.Fatalf("row %+v", r)
	}
	if *r.TapegradLossStep1 != *r.ReferenceLossStep1 || *r.HVRelativeError != 0 {
		t.Errorf("losses %v and %v, Hv relative error %v; want equal losses and 0",
			*r.TapegradLossStep1, *r.ReferenceLossStep1, *r.HVRelativeError)
	}
	if want := "check W10: loss tapegrad "; !strings.Contains(errOut, want) ||
		!strings.Contains(errOut, "Hv: ‖tapegrad − PyTorch‖ / ‖PyTorch‖ = 0") {
		t.Errorf("stderr lacks the W10 check:\n%s", errOut)
	}
}

// TestFakeReferenceTable checks the table's heading and its loss check
// against the stand-in.
func TestFakeReferenceTable(t *testing.T) {
	code, out, errOut := runCmd(t, fakeArgs(t, "ok", "-only", "W1")...)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %s", code, errOut)
	}
	for _, want := range []string{
		"tapegrad vs PyTorch 9.9-fake and NumPy 8.8-fake",
		"- reference: fake-python (Python 3.0-fake), torch threads 2; BLAS: OpenBLAS (OpenBLAS fake), 2 threads, /fake/libopenblas.so",
		"| workload | tapegrad | reference | ratio | tapegrad peak | reference peak | reps × steps |",
		"| W1 | ",
		"- W1: loss at step 1 tapegrad ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "WARNING") || strings.Contains(out, "MISMATCH") {
		t.Errorf("unexpected warning:\n%s", out)
	}
}

// TestReferenceBLASWarning: a reference on the reference BLAS gets a loud
// warning, in the table and on stderr.
func TestReferenceBLASWarning(t *testing.T) {
	code, out, errOut := runCmd(t, fakeArgs(t, "refblas", "-only", "W5")...)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %s", code, errOut)
	}
	const warn = "**WARNING: the reference runs on the reference BLAS (/fake/blas/libblas.so.3)"
	if !strings.Contains(out, warn) || !strings.Contains(errOut, warn) {
		t.Errorf("no BLAS warning:\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

// TestNumPyOnly: without torch, W4 still has its NumPy reference and the
// other rows say why theirs is empty.
func TestNumPyOnly(t *testing.T) {
	code, out, errOut := runCmd(t, fakeArgs(t, "numpy", "-json", "-only", "W4/float32/200x3072x100,W5")...)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %s", code, errOut)
	}
	var rows []jsonRow
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r jsonRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if len(rows) != 2 || rows[0].Reference != "NumPy 8.8-fake" || rows[1].Reference != "" ||
		rows[1].ReferenceMissing != "PyTorch is not importable by fake-python: ModuleNotFoundError: No module named 'torch'" {
		t.Errorf("rows %+v", rows)
	}
}

// TestReferenceDies: a reference that exits is reported, the tapegrad
// column is still there, and the command fails.
func TestReferenceDies(t *testing.T) {
	code, out, errOut := runCmd(t, fakeArgs(t, "die", "-only", "W5,W4/float32/200x3072x100")...)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if !strings.Contains(out, "| W5 | ") || !strings.Contains(out, "fake: dying as asked") ||
		!strings.Contains(out, "the reference process failed earlier") {
		t.Errorf("output:\n%s\nstderr:\n%s", out, errOut)
	}
}

// TestFakeReferenceNorms runs a W3 and a W6 row against the stand-in,
// which runs W6 in tapegrad on the inputs the command wrote: the outputs
// agree exactly, both sides report their bytes kept (W6's the same, W3's
// the stand-in's), and the table lists them below.
func TestFakeReferenceNorms(t *testing.T) {
	const w6 = "W6/composed/layernorm/32x128x256"
	code, out, errOut := runCmd(t, fakeArgs(t, "ok", "-json", "-only", "W3/fused/200x100,"+w6)...)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %s", code, errOut)
	}
	var rows []jsonRow
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r jsonRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if len(rows) != 2 || rows[0].Workload != "W3/fused/200x100" || rows[1].Workload != w6 {
		t.Fatalf("rows %+v", rows)
	}
	w3 := rows[0]
	if w3.TapegradSavedBytes == nil || *w3.TapegradSavedBytes <= 0 || w3.ReferenceSaved == nil || *w3.ReferenceSaved != fakeSavedBytes || w3.Values != nil {
		t.Errorf("W3 row %+v: want both sides' bytes kept and no values", w3)
	}
	norm := rows[1]
	if norm.TapegradSavedBytes == nil || norm.ReferenceSaved == nil || *norm.TapegradSavedBytes <= 0 || *norm.ReferenceSaved != *norm.TapegradSavedBytes {
		t.Errorf("W6 bytes kept: tapegrad %v, reference %v; want equal and positive", norm.TapegradSavedBytes, norm.ReferenceSaved)
	}
	var names []string
	for _, v := range norm.Values {
		names = append(names, v.Name)
		if v.MaxAbsDiff != 0 || !v.OK || v.ReferenceMax <= 0 {
			t.Errorf("W6 %s: %+v, want no difference", v.Name, v)
		}
	}
	if !slices.Equal(names, []string{"y", "dx", "dweight", "dbias"}) {
		t.Errorf("W6 values %v, want y, dx, dweight, dbias", names)
	}
	if !strings.Contains(errOut, "compare: values "+w6+": max |tapegrad − PyTorch| y 0 (") {
		t.Errorf("stderr lacks the values line:\n%s", errOut)
	}

	code, out, errOut = runCmd(t, fakeArgs(t, "ok", "-only", w6)...)
	if code != 0 {
		t.Fatalf("table: exit code %d, stderr %s", code, errOut)
	}
	for _, want := range []string{"| " + w6 + " | ", "- " + w6 + ": max |tapegrad − PyTorch| y 0 (", "- " + w6 + ": tapegrad "} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// TestFakeReferenceNormMismatch: outputs that differ beyond the tolerance
// fail the command loudly, in the table and the exit status.
func TestFakeReferenceNormMismatch(t *testing.T) {
	const w6 = "W6/fused/layernorm/32x128x256"
	code, out, errOut := runCmd(t, fakeArgs(t, "skew", "-only", w6)...)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if !strings.Contains(out, "- "+w6+": max |tapegrad − PyTorch| y 0.01 (") || !strings.Contains(out, "**MISMATCH") ||
		!strings.Contains(errOut, "outputs differ") {
		t.Errorf("no mismatch reported:\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
}
