package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/tapegrad/tapegrad/internal/isa"
	"github.com/tapegrad/tapegrad/tensor"
)

// row is the comparison on one workload: a line of the table, or with -json
// one object.
type row struct {
	ID    string
	Reps  int
	Steps int     // timed steps per repetition (block)
	FLOPs float64 // of one step; GEMM rows only
	Check int     // checkNone, checkTrain or checkEval

	TgNs   int64  // tapegrad's median
	TgPeak *int64 // tapegrad's peak memory, nil if not measured

	Ref     string // the reference's name, such as "PyTorch 1.13.0"; empty if it did not run
	RefNs   int64  // the reference's median
	RefPeak *int64
	Missing string // why the reference did not run

	// The check values: the loss at step 1 and at the last step
	// (lastStep) of training, or the cross-entropy of eval-mode logits.
	TgFirst, RefFirst, TgLast, RefLast *float64
	// RelErr is, for W10, ‖Hv_tapegrad − Hv_reference‖ / ‖Hv_reference‖
	// after step 1; nil without a reference.
	RelErr *float64

	// TgSaved and RefSaved are the bytes each side keeps for the
	// backward pass of a step (W3, W6): tapegrad's Tape.SavedBytes, and
	// the tensors PyTorch's autograd saves, once per storage; nil where
	// not measured.
	TgSaved, RefSaved *int64
	// Diffs compares the two sides' outputs on the same inputs (W6):
	// y and the gradients; empty without a reference.
	Diffs []valueDiff
}

// lastStep is the number of the last training step: the warm-up, then
// Reps blocks of a lead-in step and Steps timed ones.
func (r row) lastStep() int { return 1 + r.Reps*(r.Steps+1) }

// ratio returns tapegrad's median over the reference's, if there is one.
func (r row) ratio() (float64, bool) {
	if r.Ref == "" || r.RefNs <= 0 || r.TgNs <= 0 {
		return 0, false
	}
	return float64(r.TgNs) / float64(r.RefNs), true
}

// gflops returns the GFLOP/s of a step of ns nanoseconds.
func (r row) gflops(ns int64) float64 { return r.FLOPs / float64(ns) }

// jsonRow is a row as -json prints it. The fields without omitempty are
// always there, null when the reference did not run or nothing could be
// measured.
type jsonRow struct {
	Workload           string     `json:"workload"`
	TapegradNs         int64      `json:"tapegrad_ns"`
	Reference          string     `json:"reference"`
	ReferenceNs        *int64     `json:"reference_ns"`
	Ratio              *float64   `json:"ratio"`
	Reps               int        `json:"reps"`
	StepsPerRep        int        `json:"steps_per_rep"`
	TapegradPeakBytes  *int64     `json:"tapegrad_peak_bytes"`
	ReferencePeakBytes *int64     `json:"reference_peak_bytes"`
	TapegradLossStep1  *float64   `json:"tapegrad_loss_step1,omitempty"`
	ReferenceLossStep1 *float64   `json:"reference_loss_step1,omitempty"`
	TapegradLossLast   *float64   `json:"tapegrad_loss_last,omitempty"`
	ReferenceLossLast  *float64   `json:"reference_loss_last,omitempty"`
	HVRelativeError    *float64   `json:"hv_relative_error,omitempty"`
	TapegradSavedBytes *int64     `json:"tapegrad_saved_bytes,omitempty"`
	ReferenceSaved     *int64     `json:"reference_saved_bytes,omitempty"`
	Values             []jsonDiff `json:"values,omitempty"`
	ReferenceMissing   string     `json:"reference_missing,omitempty"`
}

// jsonDiff is a valueDiff as -json prints it.
type jsonDiff struct {
	Name         string  `json:"name"`
	MaxAbsDiff   float64 `json:"max_abs_diff"`
	ReferenceMax float64 `json:"reference_max_abs"`
	OK           bool    `json:"ok"`
}

// gemmJSONRow is a GEMM row as -json prints it.
type gemmJSONRow struct {
	jsonRow
	TapegradGFLOPS  float64  `json:"tapegrad_gflops"`
	ReferenceGFLOPS *float64 `json:"reference_gflops"`
}

// MarshalJSON writes the row as one JSON object with the fields of jsonRow,
// and for GEMM rows also those of gemmJSONRow.
func (r row) MarshalJSON() ([]byte, error) {
	j := jsonRow{
		Workload:           r.ID,
		TapegradNs:         r.TgNs,
		Reps:               r.Reps,
		StepsPerRep:        r.Steps,
		TapegradPeakBytes:  r.TgPeak,
		ReferencePeakBytes: r.RefPeak,
		TapegradLossStep1:  r.TgFirst,
		ReferenceLossStep1: r.RefFirst,
		TapegradLossLast:   r.TgLast,
		ReferenceLossLast:  r.RefLast,
		HVRelativeError:    r.RelErr,
		TapegradSavedBytes: r.TgSaved,
		ReferenceSaved:     r.RefSaved,
	}
	for _, d := range r.Diffs {
		j.Values = append(j.Values, jsonDiff{Name: d.Name, MaxAbsDiff: d.MaxAbs, ReferenceMax: d.RefMax, OK: d.ok()})
	}
	if ratio, ok := r.ratio(); ok {
		ns := r.RefNs
		j.Reference, j.ReferenceNs, j.Ratio = r.Ref, &ns, &ratio
	} else {
		j.ReferencePeakBytes, j.ReferenceSaved, j.Values = nil, nil, nil
		j.ReferenceMissing = r.Missing
	}
	if r.FLOPs == 0 {
		return json.Marshal(j)
	}
	g := gemmJSONRow{jsonRow: j, TapegradGFLOPS: r.gflops(r.TgNs)}
	if j.ReferenceNs != nil {
		v := r.gflops(r.RefNs)
		g.ReferenceGFLOPS = &v
	}
	return json.Marshal(g)
}

// markdown formats the row as a line of the table.
func (r row) markdown() string {
	tg := millis(r.TgNs)
	ref, ratio := "—", "—"
	if x, ok := r.ratio(); ok {
		ref = millis(r.RefNs)
		ratio = fmt.Sprintf("%.2f×", x)
		if r.FLOPs > 0 {
			ref += fmt.Sprintf(" · %.1f GFLOP/s", r.gflops(r.RefNs))
		}
	}
	if r.FLOPs > 0 {
		tg += fmt.Sprintf(" · %.1f GFLOP/s", r.gflops(r.TgNs))
	}
	refPeak := "—"
	if _, ok := r.ratio(); ok {
		refPeak = bytesize(r.RefPeak)
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %d × %d |", r.ID, tg, ref, ratio, bytesize(r.TgPeak), refPeak, r.Reps, r.Steps)
}

// checkTolerance is how far, relative to the loss (or absolutely below 1),
// the two sides' check values may differ at step 1; at the last step, after
// the updates have compounded float32 rounding differences, ten times this.
const checkTolerance = 1e-4

// hvTolerance is how far, relative to its norm, tapegrad's Hessian–vector
// product (W10) may be from the reference's. Both are float32; they differ
// by the rounding of different summation orders, around 1e-7 times the
// condition of the sums.
const hvTolerance = 1e-4

// checkLine describes a row's check values as a Markdown list item and says
// whether they agree. A row without checks, or without a reference, gives
// "" and true.
func (r row) checkLine() (string, bool) {
	if r.Check == checkNone || r.TgFirst == nil || r.RefFirst == nil {
		return "", true
	}
	ok := agree(*r.TgFirst, *r.RefFirst, checkTolerance)
	what := "loss at step 1"
	switch r.Check {
	case checkEval:
		what = "eval-mode loss"
	case checkHVP:
		what = "loss"
	}
	s := fmt.Sprintf("- %s: %s tapegrad %.7f, %s %.7f (|Δ| %.2g)", r.ID, what, *r.TgFirst, r.refLib(), *r.RefFirst,
		math.Abs(*r.TgFirst-*r.RefFirst))
	if r.Check == checkTrain && r.TgLast != nil && r.RefLast != nil {
		ok = ok && agree(*r.TgLast, *r.RefLast, 10*checkTolerance)
		s += fmt.Sprintf("; at step %d tapegrad %.7f, %s %.7f (|Δ| %.2g)", r.lastStep(), *r.TgLast, r.refLib(), *r.RefLast,
			math.Abs(*r.TgLast-*r.RefLast))
	}
	if r.Check == checkHVP {
		if r.RelErr == nil {
			ok = false
			s += "; no Hv to compare"
		} else {
			ok = ok && *r.RelErr <= hvTolerance
			s += fmt.Sprintf("; Hv: ‖tapegrad − %s‖ / ‖%s‖ = %.2g", r.refLib(), r.refLib(), *r.RelErr)
		}
	}
	if !ok {
		s += " — **MISMATCH: the two sides did not do the same work**"
	}
	return s, ok
}

// valuesLine describes how far a row's outputs are from the reference's
// (W6) as a Markdown list item, max |Δ| per output with the largest
// magnitude of the reference's in parentheses, and says whether they agree
// within valueTolerance. A row without them, or without a reference, gives
// "" and true.
func (r row) valuesLine() (string, bool) {
	if _, ok := r.ratio(); !ok || len(r.Diffs) == 0 {
		return "", true
	}
	ok := true
	parts := make([]string, len(r.Diffs))
	for i, d := range r.Diffs {
		parts[i] = fmt.Sprintf("%s %.2g (%.3g)", d.Name, d.MaxAbs, d.RefMax)
		ok = ok && d.ok()
	}
	s := fmt.Sprintf("- %s: max |tapegrad − %s| %s", r.ID, r.refLib(), strings.Join(parts, ", "))
	if !ok {
		s += fmt.Sprintf(" — **MISMATCH: |Δ| above %.0e × max(1, largest |value|): the two sides do not compute the same**", valueTolerance)
	}
	return s, ok
}

// savedLine gives the bytes each side keeps for the backward pass (W3,
// W6) as a Markdown list item, with their ratio; "" for a row that does not
// measure them.
func (r row) savedLine() string {
	if r.TgSaved == nil {
		return ""
	}
	s := fmt.Sprintf("- %s: tapegrad %s", r.ID, bytesize(r.TgSaved))
	if _, ok := r.ratio(); ok && r.RefSaved != nil {
		s += fmt.Sprintf(", %s %s", r.refLib(), bytesize(r.RefSaved))
		if *r.RefSaved > 0 {
			s += fmt.Sprintf(" (ratio %.2f)", float64(*r.TgSaved)/float64(*r.RefSaved))
		}
	}
	return s
}

// refLib is the reference's name without its version.
func (r row) refLib() string {
	name, _, _ := strings.Cut(r.Ref, " ")
	return name
}

// agree says whether a and b differ by at most tol relative to the larger
// magnitude, or tol absolutely below 1.
func agree(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// millis formats nanoseconds as milliseconds with four significant digits.
func millis(ns int64) string { return fmt.Sprintf("%.4g ms", float64(ns)/1e6) }

// bytesize formats a byte count in KiB below one MiB, in MiB below one GiB
// and in GiB above, with three significant digits (more above 100); nil is
// "n/a".
func bytesize(b *int64) string {
	if b == nil {
		return "n/a"
	}
	v, unit := float64(*b)/(1<<10), "KiB"
	switch abs := max(*b, -*b); {
	case abs >= 1<<30:
		v, unit = float64(*b)/(1<<30), "GiB"
	case abs >= 1<<20:
		v, unit = float64(*b)/(1<<20), "MiB"
	}
	switch {
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f %s", v, unit)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f %s", v, unit)
	}
	return fmt.Sprintf("%.2f %s", v, unit)
}

// environment is what the table's heading says about the run.
type environment struct {
	Date       string
	CPU        string
	CPUs       int
	GoVersion  string
	Platform   string
	GOMAXPROCS int
	Ref        *refInfo // nil when no reference ran
}

// blasWarning returns a loud warning if the reference runs on Netlib's
// reference BLAS (or one that could not be identified), "" otherwise.
func (e environment) blasWarning() string {
	if e.Ref == nil || e.Ref.NumPy == "" && e.Ref.Torch == "" {
		return ""
	}
	switch e.Ref.BLAS.Kind {
	case "reference":
		return fmt.Sprintf("**WARNING: the reference runs on the reference BLAS (%s), an unoptimized one: "+
			"every GEMM-bound ratio below flatters tapegrad and the comparison is dishonest. Select an optimized BLAS "+
			"(e.g. `update-alternatives --config libblas.so.3-x86_64-linux-gnu` to OpenBLAS) and run again.**",
			strings.Join(e.Ref.BLAS.Libraries, ", "))
	case "unknown", "":
		return "**WARNING: could not tell which BLAS NumPy and PyTorch use; if it is the reference BLAS, " +
			"the GEMM-bound ratios below flatter tapegrad.**"
	}
	return ""
}

// writeMarkdown writes the heading, the table of rows, the check values and
// the notes.
func writeMarkdown(w io.Writer, env environment, rows []row) (checksOK bool) {
	refs := "no reference"
	if env.Ref != nil {
		var names []string
		for _, lib := range []string{refTorch, refNumPy} {
			if n, ok := env.Ref.names()[lib]; ok {
				names = append(names, n)
			}
		}
		if len(names) > 0 {
			refs = strings.Join(names, " and ")
		}
	}
	fmt.Fprintf(w, "tapegrad vs %s, %s\n\n", refs, env.Date)
	fmt.Fprintf(w, "- machine: %s, %d CPUs, %s\n", env.CPU, env.CPUs, env.Platform)
	fmt.Fprintf(w, "- tapegrad: %s, GOMAXPROCS=%d, GEMM: tapegrad's own, %s kernel; vector extensions: %s\n",
		env.GoVersion, env.GOMAXPROCS, tensor.GemmKernel(), isa.Describe())
	if env.Ref != nil {
		fmt.Fprintf(w, "- reference: %s (Python %s)", env.Ref.Python, env.Ref.PythonVersion)
		if env.Ref.Torch != "" {
			fmt.Fprintf(w, ", torch threads %d", env.Ref.TorchThreads)
		}
		for _, k := range []string{"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GOMP_SPINCOUNT", "OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT"} {
			if v := env.Ref.Env[k]; v != "" {
				fmt.Fprintf(w, ", %s=%s", k, v)
			}
		}
		fmt.Fprintf(w, "; BLAS: %s\n", describeBLAS(env.Ref.BLAS))
	}
	fmt.Fprintln(w, "- each time is the median over the repetitions of the mean time of one step, in a block of back-to-back steps "+
		"after a garbage collection and an untimed lead-in step; one untimed warm-up step first, then a calibration block that sizes the blocks; "+
		"the two sides' blocks interleaved; same number of steps on both sides")
	fmt.Fprintln(w, "- ratio = tapegrad / reference (above 1: tapegrad is slower); "+
		"peak = how far the workload grew its process's peak resident set (VmHWM, or VmRSS sampled after each block if larger)")
	if warn := env.blasWarning(); warn != "" {
		fmt.Fprintf(w, "\n%s\n", warn)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| workload | tapegrad | reference | ratio | tapegrad peak | reference peak | reps × steps |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|")
	for _, r := range rows {
		fmt.Fprintln(w, r.markdown())
	}

	checksOK = true
	var checks []string
	for _, r := range rows {
		if line, ok := r.checkLine(); line != "" {
			checks = append(checks, line)
			checksOK = checksOK && ok
		}
	}
	if len(checks) > 0 {
		fmt.Fprintln(w, "\nSame weights (nn.Save, loaded with load_state_dict(strict=True)) and the same batch on both sides:")
		fmt.Fprintln(w)
		for _, c := range checks {
			fmt.Fprintln(w, c)
		}
	}
	var values, saved []string
	for _, r := range rows {
		if line, ok := r.valuesLine(); line != "" {
			values = append(values, line)
			checksOK = checksOK && ok
		}
		if line := r.savedLine(); line != "" {
			saved = append(saved, line)
		}
	}
	if len(values) > 0 {
		fmt.Fprintln(w, "\nSame inputs on both sides; max |Δ| of each float32 output (the largest |value| of the reference's in parentheses):")
		fmt.Fprintln(w)
		for _, c := range values {
			fmt.Fprintln(w, c)
		}
	}
	if len(saved) > 0 {
		fmt.Fprintln(w, "\nBytes kept for the backward pass of a step (tapegrad: Tape.SavedBytes; "+
			"PyTorch: the tensors autograd saves, through saved_tensors_hooks, once per storage):")
		fmt.Fprintln(w)
		for _, c := range saved {
			fmt.Fprintln(w, c)
		}
	}

	notes := missingNotes(rows)
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
	return checksOK
}

// missingNotes explains every empty reference cell, grouping the rows that
// share a reason.
func missingNotes(rows []row) []string {
	var order []string
	byReason := map[string][]string{}
	for _, r := range rows {
		if _, ok := r.ratio(); ok {
			continue
		}
		reason := r.Missing
		if reason == "" {
			reason = "no reference ran"
		}
		if _, seen := byReason[reason]; !seen {
			order = append(order, reason)
		}
		byReason[reason] = append(byReason[reason], r.ID)
	}
	var notes []string
	for _, reason := range order {
		notes = append(notes, fmt.Sprintf("Reference empty for %s: %s.", strings.Join(byReason[reason], ", "),
			strings.Join(strings.Fields(reason), " ")))
	}
	return notes
}

// describeBLAS writes the BLAS as "OpenBLAS (config), N threads, library".
func describeBLAS(b blasInfo) string {
	s := b.Kind
	if b.Kind == "reference" {
		s = "the reference BLAS (Netlib)"
	}
	if b.Config != "" {
		s += " (" + b.Config + ")"
	}
	if b.Threads > 0 {
		s += fmt.Sprintf(", %d threads", b.Threads)
	}
	if len(b.Libraries) > 0 {
		s += ", " + b.Libraries[0]
	}
	return s
}
