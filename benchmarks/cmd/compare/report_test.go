package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func TestMarkdownRow(t *testing.T) {
	for _, c := range []struct {
		r    row
		want string
	}{
		{row{ID: "W1", Reps: 11, Steps: 40, TgNs: 10_570_000, TgPeak: ptr[int64](14 << 20),
			Ref: "PyTorch 1.13.0", RefNs: 3_025_000, RefPeak: ptr[int64](7 << 20)},
			"| W1 | 10.57 ms | 3.025 ms | 3.49× | 14.0 MiB | 7.00 MiB | 11 × 40 |"},
		{row{ID: "W4/float32/1024x1024x1024", Reps: 3, Steps: 10, FLOPs: 2 * 1024 * 1024 * 1024, TgNs: 87_240_000,
			TgPeak: ptr[int64](900), Ref: "NumPy 1.24.2", RefNs: 10_860_000},
			"| W4/float32/1024x1024x1024 | 87.24 ms · 24.6 GFLOP/s | 10.86 ms · 197.7 GFLOP/s | 8.03× | 0.88 KiB | n/a | 3 × 10 |"},
		{row{ID: "W5", Reps: 1, Steps: 1, TgNs: 385_100, Missing: "-python none", RefPeak: ptr[int64](5)},
			"| W5 | 0.3851 ms | — | — | n/a | — | 1 × 1 |"},
	} {
		if got := c.r.markdown(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

func TestJSONRow(t *testing.T) {
	r := row{ID: "W4/float64/200x3072x100", Reps: 2, Steps: 3, FLOPs: 1e9, TgNs: 100_000_000,
		Ref: "NumPy 1.24.2", RefNs: 10_000_000, RefPeak: ptr[int64](42)}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"workload":"W4/float64/200x3072x100","tapegrad_ns":100000000,"reference":"NumPy 1.24.2","reference_ns":10000000,` +
		`"ratio":10,"reps":2,"steps_per_rep":3,"tapegrad_peak_bytes":null,"reference_peak_bytes":42,` +
		`"tapegrad_gflops":10,"reference_gflops":100}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}

	r = row{ID: "W1", Reps: 1, Steps: 1, Check: checkTrain, TgNs: 5, TgFirst: ptr(2.5), TgLast: ptr(2.25), Missing: "why"}
	if b, err = json.Marshal(r); err != nil {
		t.Fatal(err)
	}
	const want2 = `{"workload":"W1","tapegrad_ns":5,"reference":"","reference_ns":null,"ratio":null,"reps":1,"steps_per_rep":1,` +
		`"tapegrad_peak_bytes":null,"reference_peak_bytes":null,"tapegrad_loss_step1":2.5,"tapegrad_loss_last":2.25,"reference_missing":"why"}`
	if string(b) != want2 {
		t.Errorf("got  %s\nwant %s", b, want2)
	}
}

func TestCheckLine(t *testing.T) {
	base := row{ID: "W1", Reps: 2, Steps: 3, Check: checkTrain, Ref: "PyTorch 1.13.0", RefNs: 1, TgNs: 1}
	for _, c := range []struct {
		name                 string
		tg1, ref1, tgN, refN float64
		ok                   bool
	}{
		{"equal", 2.3, 2.3, 2.1, 2.1, true},
		{"rounding", 2.3521171, 2.3521169, 1.96427, 1.96437, true},
		{"step 1 differs", 2.3, 2.31, 2.1, 2.1, false},
		{"last differs", 2.3, 2.3, 2.1, 2.2, false},
	} {
		r := base
		r.TgFirst, r.RefFirst, r.TgLast, r.RefLast = &c.tg1, &c.ref1, &c.tgN, &c.refN
		line, ok := r.checkLine()
		if ok != c.ok || strings.Contains(line, "MISMATCH") == c.ok {
			t.Errorf("%s: ok = %v, line %q", c.name, ok, line)
		}
		if !strings.HasPrefix(line, "- W1: loss at step 1 tapegrad ") || !strings.Contains(line, "; at step 9 tapegrad ") ||
			!strings.Contains(line, ", PyTorch ") {
			t.Errorf("%s: line %q", c.name, line)
		}
	}
	if line, ok := (row{ID: "W5", Check: checkNone}).checkLine(); line != "" || !ok {
		t.Errorf("a row without checks gives %q, %v", line, ok)
	}
	for _, c := range []struct {
		name     string
		tg, ref  float64
		relErr   *float64
		ok       bool
		contains string
	}{
		{"agree", 2.3, 2.3, ptr(3e-7), true, "- W10: loss tapegrad 2.3000000, PyTorch 2.3000000 (|Δ| 0); Hv: ‖tapegrad − PyTorch‖ / ‖PyTorch‖ = 3e-07"},
		{"Hv differs", 2.3, 2.3, ptr(2e-3), false, "‖PyTorch‖ = 0.002 — **MISMATCH"},
		{"Hv is NaN", 2.3, 2.3, ptr(math.NaN()), false, "= NaN — **MISMATCH"},
		{"no Hv", 2.3, 2.3, nil, false, "; no Hv to compare — **MISMATCH"},
		{"loss differs", 2.3, 2.4, ptr(0.0), false, "= 0 — **MISMATCH"},
	} {
		r := row{ID: "W10", Check: checkHVP, Ref: "PyTorch 1", RefNs: 1, TgNs: 1, TgFirst: &c.tg, RefFirst: &c.ref, RelErr: c.relErr}
		if line, ok := r.checkLine(); ok != c.ok || !strings.Contains(line, c.contains) {
			t.Errorf("W10 %s: %q, %v; want %v and a line with %q", c.name, line, ok, c.ok, c.contains)
		}
	}
	eval := row{ID: "W2e", Check: checkEval, Ref: "PyTorch 1", RefNs: 1, TgNs: 1, TgFirst: ptr(2.0), RefFirst: ptr(2.0)}
	if line, ok := eval.checkLine(); !ok || !strings.HasPrefix(line, "- W2e: eval-mode loss tapegrad 2.0000000, PyTorch 2.0000000") {
		t.Errorf("eval check: %q, %v", line, ok)
	}
}

func TestWriteMarkdownNotes(t *testing.T) {
	env := environment{Date: "2025-01-02 03:04 UTC", CPU: "Some CPU", CPUs: 2, GoVersion: "go1.x", Platform: "linux/amd64", GOMAXPROCS: 2}
	rows := []row{
		{ID: "W1", Reps: 1, Steps: 1, TgNs: 1, Missing: "PyTorch is not importable"},
		{ID: "W1b", Reps: 1, Steps: 1, TgNs: 1, Missing: "PyTorch is not importable"},
		{ID: "W4/float32/1x1x1", Reps: 1, Steps: 1, TgNs: 1, FLOPs: 2, Missing: "workloads.py: boom\nmore"},
	}
	var b bytes.Buffer
	if !writeMarkdown(&b, env, rows) {
		t.Error("checks reported failing without checks")
	}
	out := b.String()
	for _, want := range []string{
		"tapegrad vs no reference, 2025-01-02 03:04 UTC\n",
		"- machine: Some CPU, 2 CPUs, linux/amd64\n",
		"Reference empty for W1, W1b: PyTorch is not importable.\n",
		"Reference empty for W4/float32/1x1x1: workloads.py: boom more.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBlasWarning(t *testing.T) {
	for kind, warns := range map[string]bool{"OpenBLAS": false, "MKL": false, "reference": true, "unknown": true} {
		env := environment{Ref: &refInfo{NumPy: "1", BLAS: blasInfo{Kind: kind}}}
		if got := env.blasWarning() != ""; got != warns {
			t.Errorf("%s: warning %v, want %v", kind, got, warns)
		}
	}
	if (environment{}).blasWarning() != "" {
		t.Error("a run without reference warns about its BLAS")
	}
}

func TestBytesize(t *testing.T) {
	for _, c := range []struct {
		b    *int64
		want string
	}{{nil, "n/a"}, {ptr[int64](512), "0.50 KiB"}, {ptr[int64](1020 << 10), "1020 KiB"}, {ptr[int64](3 << 20), "3.00 MiB"},
		{ptr[int64](20 << 20), "20.0 MiB"}, {ptr[int64](1234567890), "1.15 GiB"}, {ptr[int64](-3 << 20), "-3.00 MiB"}} {
		if got := bytesize(c.b); got != c.want {
			t.Errorf("bytesize(%v) = %q, want %q", c.b, got, c.want)
		}
	}
}

func TestMedianAndBlockSteps(t *testing.T) {
	ms := time.Millisecond
	if got := median([]time.Duration{5 * ms, 1 * ms, 3 * ms}); got != 3*ms {
		t.Errorf("odd median %v", got)
	}
	if got := median([]time.Duration{4 * ms, 1 * ms, 2 * ms, 100 * ms}); got != 3*ms {
		t.Errorf("even median %v", got)
	}
	if got := median(nil); got != 0 {
		t.Errorf("empty median %v", got)
	}
	for _, c := range []struct {
		block, fastest time.Duration
		want           int
	}{{100 * ms, 2 * ms, 50}, {100 * ms, 3 * ms, 34}, {100 * ms, 2 * time.Second, 1}, {100 * ms, time.Microsecond, maxBlockSteps}, {0, ms, 1}, {ms, 0, maxBlockSteps}} {
		if got := blockSteps(c.block, c.fastest); got != c.want {
			t.Errorf("blockSteps(%v, %v) = %d, want %d", c.block, c.fastest, got, c.want)
		}
	}
}

// TestValuesLine pins the line comparing W6's outputs: max |Δ| and the
// reference's largest magnitude per output, MISMATCH beyond the
// tolerance, nothing without a reference or outputs.
func TestValuesLine(t *testing.T) {
	r := row{ID: "W6/fused/layernorm/4096x1024", Ref: "PyTorch 1.13.0", RefNs: 1, TgNs: 1,
		Diffs: []valueDiff{{"y", 4.77e-7, 4.1}, {"dx", 1.9e-6, 12.25}}}
	line, ok := r.valuesLine()
	if want := "- W6/fused/layernorm/4096x1024: max |tapegrad − PyTorch| y 4.8e-07 (4.1), dx 1.9e-06 (12.2)"; !ok || line != want {
		t.Errorf("got  %q, %v\nwant %q, true", line, ok, want)
	}
	r.Diffs = append(r.Diffs, valueDiff{"dweight", 0.5, 300})
	if line, ok := r.valuesLine(); ok || !strings.HasSuffix(line, "dweight 0.5 (300) — **MISMATCH: |Δ| above 1e-04 × max(1, largest |value|): the two sides do not compute the same**") {
		t.Errorf("mismatch: %q, %v", line, ok)
	}
	for _, r := range []row{{ID: "W3/fused/200x100", Ref: "PyTorch 1", RefNs: 1, TgNs: 1}, {ID: "W6/x", TgNs: 1, Diffs: r.Diffs}} {
		if line, ok := r.valuesLine(); line != "" || !ok {
			t.Errorf("%s: %q, %v; want no line", r.ID, line, ok)
		}
	}
}

// TestSavedLine pins the line of bytes kept: both sides and their ratio,
// tapegrad's alone without a reference, nothing for rows that do not
// measure them.
func TestSavedLine(t *testing.T) {
	r := row{ID: "W3/fused/200x100", Ref: "PyTorch 1.13.0", RefNs: 1, TgNs: 1, TgSaved: ptr[int64](80400), RefSaved: ptr[int64](81200)}
	if got, want := r.savedLine(), "- W3/fused/200x100: tapegrad 78.5 KiB, PyTorch 79.3 KiB (ratio 0.99)"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	r.Ref, r.Missing = "", "-python none"
	if got, want := r.savedLine(), "- W3/fused/200x100: tapegrad 78.5 KiB"; got != want {
		t.Errorf("without reference: got %q, want %q", got, want)
	}
	if got := (row{ID: "W1", Ref: "PyTorch 1", RefNs: 1, TgNs: 1}).savedLine(); got != "" {
		t.Errorf("W1: %q", got)
	}
}

// TestWriteMarkdownValuesAndSaved checks the sections below the table:
// outputs and bytes kept, and that a mismatch of outputs fails the checks.
func TestWriteMarkdownValuesAndSaved(t *testing.T) {
	rows := []row{
		{ID: "W3/fused/200x100", Reps: 1, Steps: 1, TgNs: 1, Ref: "PyTorch 1.13.0", RefNs: 2, TgSaved: ptr[int64](1 << 20), RefSaved: ptr[int64](2 << 20)},
		{ID: "W6/fused/rmsnorm/4096x1024", Reps: 1, Steps: 1, TgNs: 1, Ref: "PyTorch 1.13.0", RefNs: 2, TgSaved: ptr[int64](16 << 20),
			RefSaved: ptr[int64](48 << 20), Diffs: []valueDiff{{"y", 1e-7, 3}, {"dx", 2e-7, 5}, {"dweight", 1e-5, 900}}},
	}
	var b bytes.Buffer
	if !writeMarkdown(&b, environment{}, rows) {
		t.Error("checks fail with agreeing outputs")
	}
	for _, want := range []string{
		"\nSame inputs on both sides; max |Δ| of each float32 output (the largest |value| of the reference's in parentheses):\n\n" +
			"- W6/fused/rmsnorm/4096x1024: max |tapegrad − PyTorch| y 1e-07 (3), dx 2e-07 (5), dweight 1e-05 (900)\n",
		"\nBytes kept for the backward pass of a step (tapegrad: Tape.SavedBytes; PyTorch: the tensors autograd saves, " +
			"through saved_tensors_hooks, once per storage):\n\n" +
			"- W3/fused/200x100: tapegrad 1.00 MiB, PyTorch 2.00 MiB (ratio 0.50)\n" +
			"- W6/fused/rmsnorm/4096x1024: tapegrad 16.0 MiB, PyTorch 48.0 MiB (ratio 0.33)\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
	rows[1].Diffs[0].MaxAbs = 1e-3
	b.Reset()
	if writeMarkdown(&b, environment{}, rows) || !strings.Contains(b.String(), "y 0.001 (3), dx") || !strings.Contains(b.String(), "**MISMATCH") {
		t.Errorf("a mismatch of outputs passes:\n%s", b.String())
	}
}

// TestJSONRowValuesAndSaved: the bytes kept and the outputs' differences
// in -json, dropped with the reference when it did not run (but tapegrad's
// bytes kept).
func TestJSONRowValuesAndSaved(t *testing.T) {
	r := row{ID: "W6/convtranspose2d/x", Reps: 1, Steps: 1, TgNs: 2, Ref: "PyTorch 1", RefNs: 1, TgSaved: ptr[int64](10), RefSaved: ptr[int64](20),
		Diffs: []valueDiff{{"y", 0.5, 2}}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"workload":"W6/convtranspose2d/x","tapegrad_ns":2,"reference":"PyTorch 1","reference_ns":1,"ratio":2,"reps":1,` +
		`"steps_per_rep":1,"tapegrad_peak_bytes":null,"reference_peak_bytes":null,"tapegrad_saved_bytes":10,"reference_saved_bytes":20,` +
		`"values":[{"name":"y","max_abs_diff":0.5,"reference_max_abs":2,"ok":false}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	r.Ref, r.Missing = "", "why"
	if b, err = json.Marshal(r); err != nil {
		t.Fatal(err)
	}
	const want2 = `{"workload":"W6/convtranspose2d/x","tapegrad_ns":2,"reference":"","reference_ns":null,"ratio":null,"reps":1,` +
		`"steps_per_rep":1,"tapegrad_peak_bytes":null,"reference_peak_bytes":null,"tapegrad_saved_bytes":10,"reference_missing":"why"}`
	if string(b) != want2 {
		t.Errorf("got  %s\nwant %s", b, want2)
	}
}

// TestBlockSizedPastWarmUp: a workload whose first step is slow (its first
// allocations, say) still gets blocks of about -block: measure sizes them
// by a calibration step after the warm-up, not by the warm-up alone.
func TestBlockSizedPastWarmUp(t *testing.T) {
	steps := 0
	sp := spec{id: "slow-start", setup: func(string) (runner, map[string]string, error) {
		return runner{step: func() {
			steps++
			d := time.Millisecond
			if steps == 1 {
				d = 200 * time.Millisecond
			}
			time.Sleep(d)
		}}, nil, nil
	}}
	r, _, err := measure(sp, nil, "", timing{reps: 1, block: 40 * time.Millisecond, dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	// 40 ms of steps of 1 ms, or up to 10 ms on a loaded machine: 4 to
	// 40, where the 200 ms warm-up alone gives 1.
	if r.Steps < 4 || r.Steps > 40 {
		t.Errorf("block of %d steps after a 200 ms warm-up and 1 ms steps, want 4–40 (40 ms of them)", r.Steps)
	}
}
