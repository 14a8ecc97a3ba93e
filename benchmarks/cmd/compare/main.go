// Command compare times the workloads of WORKLOADS.md in tapegrad and, side
// by side in the same run, in PyTorch on the CPU (NumPy for the GEMMs of W4),
// and prints one Markdown table:
//
//	go run ./benchmarks/cmd/compare [-only W1,W4] [-reps N] [-block D] [-json] [-python PATH|auto|none] [-script PATH]
//
// Each row is one workload: W1, W1b, W2, W2e, W5 and W10 once, W3 per batch
// norm variant and shape (W3/fused/200x100), W4 per element type and shape
// (W4/float32/1024x1024x1024), W6 per normalization layer, variant and shape
// (W6/fused/layernorm/4096x1024: layer norm and RMSNorm over the last axis,
// group norm with 32 groups, each composed from primitives and fused) and
// one transposed convolution (W6/convtranspose2d/32x128x16x16-64c-k4s2p1:
// to 64 channels, kernel 4, stride 2, padding 1, with bias), W7 per
// attention variant (W7/fused, W7/composed: causal scaled dot-product
// attention, batch 32, 4 heads, 128 tokens, head dim 32, against PyTorch
// 1.13's F._scaled_dot_product_attention), W8 (an LSTM classifier's
// training step) and W9 (a character Transformer's training step) once.
// -only picks groups or rows.
//
// How a row is timed: each side runs one untimed warm-up step, which is
// also step 1 of training. Then come -reps repetitions per side, alternating
// between the sides (TR RT TR …) so that drift weighs on both alike. A
// repetition is a block: a garbage collection (Go's, or Python's
// gc.collect()) and one untimed lead-in step, which absorbs the switch from
// the other process (cold caches, sleeping threads), then n steps back to
// back, as in a training loop, timed together. n is the same on both sides,
// so that both train for as many steps, and makes the faster side's block
// last at least -block. tapegrad and reference are the medians of the
// blocks' mean step times; ratio is tapegrad over the reference (above 1,
// tapegrad is slower). GEMM rows also give GFLOP/s (2·M·K·N per product).
// The peak columns are how far the workload grew its process's peak
// resident set (see memory.go and workloads.py); before the first row each
// side runs a few small steps (prime.go, workloads.py's prime), so that no
// row pays its runtime's lazy initialization. The testing.B benchmarks of
// package benchmarks time the same workloads alone, for benchstat.
//
// The reference is benchmarks/pytorch/workloads.py, one Python process kept
// alive for the whole run and driven over its stdin, with torch and the BLAS
// set to as many threads as there are CPUs, like GOMAXPROCS. -python auto
// tries /usr/bin/python3, then python3 on the PATH, and takes the first
// that imports torch (or else NumPy alone, for W4); without one, the
// reference column stays empty and a note below the table says why. The
// heading names the BLAS NumPy and torch loaded, and warns loudly if it is
// the unoptimized reference BLAS, which would make the comparison dishonest.
//
// Both sides do the same work: W1, W1b, W2, W2e, W8, W9 and W10 run on the
// same weights, written by nn.Save and loaded by PyTorch with
// load_state_dict(strict=True), and on the same batch, drawn in Go and
// written next to them. The losses at step 1 and at the last step (or, for
// W2e, the eval-mode loss; for W10, the loss at which the Hessian–vector
// product is taken) are listed below the table; if they differ, compare
// says so and exits with status 1. W10 also shares its vector v, and
// PyTorch writes its Hv after its first step: the line lists
// ‖Hv_tapegrad − Hv_PyTorch‖ / ‖Hv_PyTorch‖, which must be below 1e-4.
// W6 shares its inputs (x, the output gradient g, weight and bias), and
// each row runs against PyTorch's own layer (F.layer_norm, F.group_norm,
// F.conv_transpose2d, and for RMSNorm, which torch 1.13 lacks,
// x·rsqrt(mean(x²) + ε)·weight), whichever variant tapegrad's side is:
// after one step on each side, a line per row below the table gives
// max |Δ| of y and of the gradients (dx, dweight, dbias) between the two
// sides; beyond 1e-4 times max(1, the largest |value|) compare says so and
// exits with status 1. The other workloads draw their inputs on each side
// from N(0, 1): their time does not depend on the values.
//
// For W3 and W6 a last list gives the bytes each side keeps for the
// backward pass of a step: tapegrad's Tape.SavedBytes, and the storages of
// the tensors PyTorch's autograd saves (through saved_tensors_hooks), each
// counted once.
//
// Timings on a shared machine drift: compare the ratios of one run, never
// absolute times across runs.
//
// With -json it prints instead one JSON object per row and line, with the
// fields workload, tapegrad_ns, reference (its name and version, "" if it
// did not run), reference_ns and ratio (null if it did not run), reps,
// steps_per_rep, tapegrad_peak_bytes and reference_peak_bytes (null if not
// measured), on GEMM rows tapegrad_gflops and reference_gflops, on rows with
// a loss check tapegrad_loss_step1, reference_loss_step1 and, for training,
// tapegrad_loss_last and reference_loss_last, on W10 with a reference
// hv_relative_error, on W3 and W6 tapegrad_saved_bytes and (with a
// reference) reference_saved_bytes, on W6 with a reference values (a list
// of objects with name, max_abs_diff, reference_max_abs and ok), and
// reference_missing, why the
// reference is empty, when it is. Progress, warnings, the loss checks and
// W6's comparisons of outputs go to stderr.
//
// The exit status is 0, or 1 if a workload or the reference failed or the
// two sides' losses or W6's outputs differ, or 2 for bad flags.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the command with its arguments and outputs; it returns the exit
// status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	only := fs.String("only", "", "comma-separated workloads to run: W1, W1b, W2, W2e, W3, W4, W5, W6, W7, W8, W9, W10, or row ids or their prefixes such as W4/float32 or W6/fused/layernorm (default: all)")
	reps := fs.Int("reps", 11, "timed repetitions (blocks of steps) per side and workload; the median is reported")
	asJSON := fs.Bool("json", false, "print one JSON object per workload instead of the table")
	python := fs.String("python", "auto", `Python interpreter for the reference: a path, "auto" (/usr/bin/python3, then python3) or "none"`)
	script := fs.String("script", "", "path of workloads.py (default: benchmarks/pytorch/workloads.py in this repository)")
	block := fs.Duration("block", 100*time.Millisecond, "least duration of a repetition's timed steps on the faster side")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	selected, err := selectSpecs(specs(), *only)
	switch {
	case err != nil:
	case fs.NArg() > 0:
		err = fmt.Errorf("unexpected arguments %q", fs.Args())
	case *reps < 1:
		err = fmt.Errorf("-reps must be at least 1, got %d", *reps)
	case *block < 0:
		err = fmt.Errorf("-block must not be negative, got %v", *block)
	}
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return 2
	}

	dir, err := os.MkdirTemp("", "tapegrad-compare-")
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	env := environment{
		Date:       time.Now().UTC().Format("2006-01-02 15:04 MST"),
		CPU:        cpuName(),
		CPUs:       runtime.NumCPU(),
		GoVersion:  runtime.Version(),
		Platform:   runtime.GOOS + "/" + runtime.GOARCH,
		GOMAXPROCS: runtime.GOMAXPROCS(0),
	}
	var srv *server
	noRef := "-python none"
	if interps := pythons(*python); len(interps) > 0 {
		if path, err := findScript(*script); err != nil {
			noRef = err.Error()
		} else {
			fmt.Fprintf(stderr, "compare: starting %s under %s\n", path, strings.Join(interps, ", then "))
			var why []string
			srv, why = findReference(interps, path, runtime.NumCPU())
			if srv == nil {
				noRef = "no Python with PyTorch or NumPy (" + strings.Join(why, "; ") + ")"
			}
		}
	}
	if srv != nil {
		defer srv.Close()
		info := srv.info
		env.Ref = &info
		fmt.Fprintf(stderr, "compare: reference %s, BLAS %s\n", strings.Join(mapValues(info.names()), ", "), describeBLAS(info.BLAS))
	} else {
		fmt.Fprintf(stderr, "compare: no reference: %s\n", noRef)
	}
	if warn := env.blasWarning(); warn != "" {
		fmt.Fprintln(stderr, "compare:", warn)
	}

	prime() // the Go runtime's lazy initialization, before any baseline
	t := timing{reps: *reps, block: *block, dir: dir}
	var rows []row
	failed := false
	for _, sp := range selected {
		var ref reference
		name, missing := "", noRef
		if srv != nil {
			if n, ok := srv.info.names()[sp.ref]; ok {
				ref, name = srv, n
			} else {
				missing = libMissing(srv.info, sp.ref)
			}
		}
		r, refErr, err := measure(sp, ref, name, t)
		if err != nil {
			fmt.Fprintln(stderr, "compare:", err)
			failed = true
			continue
		}
		if ref == nil {
			r.Missing = missing
		} else if refErr != nil {
			fmt.Fprintf(stderr, "compare: %s: the reference failed: %v\n", sp.id, refErr)
			failed = true
			if srv.broken != nil {
				noRef = "the reference process failed earlier: " + firstLine(srv.broken.Error())
				srv = nil
			}
		}
		fmt.Fprintln(stderr, "compare:", progress(r))
		rows = append(rows, r)
		if *asJSON {
			b, err := json.Marshal(r)
			if err != nil {
				panic(err) // a row of numbers and strings always marshals
			}
			fmt.Fprintln(stdout, string(b))
		}
	}

	var checksOK bool
	if *asJSON {
		checksOK = true
		for _, r := range rows {
			if line, ok := r.checkLine(); line != "" {
				fmt.Fprintln(stderr, "compare: check", strings.TrimPrefix(line, "- "))
				checksOK = checksOK && ok
			}
			if line, ok := r.valuesLine(); line != "" {
				fmt.Fprintln(stderr, "compare: values", strings.TrimPrefix(line, "- "))
				checksOK = checksOK && ok
			}
		}
	} else {
		checksOK = writeMarkdown(stdout, env, rows)
	}
	if !checksOK {
		fmt.Fprintln(stderr, "compare: the two sides' losses or outputs differ: they did not do the same work")
	}
	if failed || !checksOK {
		return 1
	}
	return 0
}

// libMissing says why a reference process cannot run a library's workloads.
func libMissing(info refInfo, lib string) string {
	if lib == refNumPy {
		return fmt.Sprintf("NumPy is not importable by %s: %s", info.Python, info.NumPyError)
	}
	return fmt.Sprintf("PyTorch is not importable by %s: %s", info.Python, info.TorchError)
}

// progress is the one-line summary of a row printed as it finishes.
func progress(r row) string {
	s := fmt.Sprintf("%s: tapegrad %s", r.ID, millis(r.TgNs))
	if x, ok := r.ratio(); ok {
		s += fmt.Sprintf(", %s %s, ratio %.2f", r.Ref, millis(r.RefNs), x)
	}
	return s
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// mapValues returns the values of m in the order of the reference
// libraries.
func mapValues(m map[string]string) []string {
	var out []string
	for _, k := range []string{refTorch, refNumPy} {
		if v, ok := m[k]; ok {
			out = append(out, v)
		}
	}
	return out
}

// cpuName returns the processor's model name from /proc/cpuinfo on Linux,
// or the architecture where it cannot be found.
func cpuName() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
