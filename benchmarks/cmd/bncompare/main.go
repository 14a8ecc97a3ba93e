// Command bncompare times normalization layers composed from tape
// primitives against their fused ops with hand-derived backward passes:
// workload W3 of WORKLOADS.md, batch normalization
// (functional.BatchNormComposed against functional.BatchNorm), and layer
// norm and RMS norm over the last axis (functional.LayerNormComposed against
// functional.LayerNorm, functional.RMSNormComposed against
// functional.RMSNorm). Each step is the forward and backward pass of
// L = Σ y ⊙ g for a fixed random g, with gradients for x, γ and β (γ alone
// for RMS norm).
//
//	go run ./benchmarks/cmd/bncompare [-reps N] [-dtype float32|float64] [-layers batchnorm,layernorm,rmsnorm,groupnorm,instancenorm] [-shapes 200x100,32x64x32x32] [-json]
//
// It prints one Markdown table with a row per layer and shape (by default
// each layer's own shapes; -shapes gives the same shapes to every layer
// chosen). composed and fused are
// the median wall times of one forward+backward step, over -reps repetitions
// after one warm-up step each; the repetitions of the two alternate (in the
// order CF FC CF …) and start from a collected heap, so that drift and
// garbage collection weigh on both alike. speedup is composed/fused: above 1
// the fused op is faster. The byte columns are what the recorded ops keep for
// the backward pass (Tape.SavedBytes) and memory ratio is fused/composed:
// below 1 the fused op keeps less. max grad diff is the largest absolute
// difference between the two variants' gradients, over dx, dγ and dβ,
// computed in the chosen dtype; it shows that both compute the same thing.
//
// Timings on a shared machine drift: compare the ratios of one run, not
// absolute times across runs. For benchstat, use the testing.B version:
//
//	go test -run '^$' -bench W3 -count 10 ./benchmarks
//
// PyTorch's times for the same steps (F.layer_norm, F.group_norm, and RMS
// norm as PyTorch 1.13 composes it), to set beside the fused column, come
// from a script next to this command:
//
//	/usr/bin/python3 benchmarks/cmd/bncompare/torch_norms.py --threads 2
//
// With -json it prints instead one JSON object per row and line, with the
// fields layer, shape, composed_ns, fused_ns, speedup, composed_bytes,
// fused_bytes, memory_ratio and max_grad_diff.
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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapegrad/tapegrad/benchmarks/bnbench"
	"github.com/tapegrad/tapegrad/tensor"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// row is the comparison of the two variants of a layer on one shape: a
// line of the table, or with -json one object.
type row struct {
	Layer         string  `json:"layer"`
	Shape         string  `json:"shape"`
	ComposedNs    int64   `json:"composed_ns"`
	FusedNs       int64   `json:"fused_ns"`
	Speedup       float64 `json:"speedup"`
	ComposedBytes int     `json:"composed_bytes"`
	FusedBytes    int     `json:"fused_bytes"`
	MemoryRatio   float64 `json:"memory_ratio"`
	MaxGradDiff   float64 `json:"max_grad_diff"`
}

// run is the command with its arguments and outputs; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bncompare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	reps := fs.Int("reps", 21, "timed repetitions of each variant per shape; the median is reported")
	dtype := fs.String("dtype", "float32", "element type: float32 or float64")
	shapeList := fs.String("shapes", "", "comma-separated shapes such as 200x100 or 32x64x32x32 (default: each layer's own)")
	layerList := fs.String("layers", "batchnorm,layernorm,rmsnorm,groupnorm,instancenorm", "comma-separated layers to compare")
	asJSON := fs.Bool("json", false, "print one JSON object per shape instead of the table")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	shapes, err := parseShapes(*shapeList)
	var chosen []layer
	if err == nil {
		chosen, err = pickLayers(*layerList, shapes)
	}
	switch {
	case err != nil:
	case fs.NArg() > 0:
		err = fmt.Errorf("unexpected arguments %q", fs.Args())
	case *reps < 1:
		err = fmt.Errorf("-reps must be at least 1, got %d", *reps)
	case *dtype != "float32" && *dtype != "float64":
		err = fmt.Errorf("-dtype must be float32 or float64, got %q", *dtype)
	}
	if err != nil {
		fmt.Fprintln(stderr, "bncompare:", err)
		return 2
	}

	if !*asJSON {
		fmt.Fprintf(stdout, "Normalization layers (W3 batch norm; layer, RMS, group and instance norm), forward + backward, composed vs fused: %s, GOMAXPROCS=%d, median of %d reps, %s\n\n",
			*dtype, runtime.GOMAXPROCS(0), *reps, cpuName())
		fmt.Fprintln(stdout, "| layer | shape | composed | fused | speedup | composed bytes | fused bytes | memory ratio | max grad diff |")
		fmt.Fprintln(stdout, "|---|---|--:|--:|--:|--:|--:|--:|--:|")
	}
	for _, l := range chosen {
		ls := shapes
		if ls == nil {
			ls = l.shapes
		}
		for _, shape := range ls {
			var r row
			if *dtype == "float32" {
				r = compare(l.steps.f32(shape), *reps)
			} else {
				r = compare(l.steps.f64(shape), *reps)
			}
			r.Layer, r.Shape = l.name, bnbench.ShapeName(shape)
			if *asJSON {
				b, _ := json.Marshal(r) // a struct of numbers and strings cannot fail
				fmt.Fprintln(stdout, string(b))
			} else {
				fmt.Fprintln(stdout, r.markdown())
			}
		}
	}
	return 0
}

// pickLayers returns the layers named in the comma-separated list, checking
// that each takes every shape given.
func pickLayers(list string, shapes [][]int) ([]layer, error) {
	all := layers()
	var out []layer
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(all, func(l layer) bool { return l.name == name })
		if i < 0 {
			names := make([]string, len(all))
			for j, l := range all {
				names[j] = l.name
			}
			return nil, fmt.Errorf("-layers: unknown layer %q; want some of %s", name, strings.Join(names, ","))
		}
		for _, s := range shapes {
			if err := all[i].check(s); err != nil {
				return nil, fmt.Errorf("-shapes: %s: %v", name, err)
			}
		}
		out = append(out, all[i])
	}
	return out, nil
}

// compare times the two variants of a step, reps times each after a
// warm-up, and compares their gradients. It leaves the row's layer and
// shape to the caller.
func compare[T tensor.Float](step stepFunc[T], reps int) row {
	cBytes, cGrads := step(false) // warm-up, and the results compared
	for i, g := range cGrads {
		cGrads[i] = g.Clone()
	}
	fBytes, fGrads := step(true)
	diff := 0.0
	for i := range cGrads {
		diff = max(diff, tensor.MaxAbsDiff(cGrads[i], fGrads[i]))
	}
	r := row{
		ComposedBytes: cBytes,
		FusedBytes:    fBytes,
		MemoryRatio:   float64(fBytes) / float64(cBytes),
		MaxGradDiff:   diff,
	}
	times := map[bool][]time.Duration{}
	for i := range reps {
		order := []bool{false, true}
		if i%2 == 1 {
			slices.Reverse(order)
		}
		for _, fused := range order {
			runtime.GC()
			start := time.Now()
			step(fused)
			times[fused] = append(times[fused], time.Since(start))
		}
	}
	r.ComposedNs = median(times[false]).Nanoseconds()
	r.FusedNs = median(times[true]).Nanoseconds()
	r.Speedup = float64(r.ComposedNs) / float64(r.FusedNs)
	return r
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	n := len(s)
	return (s[(n-1)/2] + s[n/2]) / 2
}

// markdown formats the row as a line of the table.
func (r row) markdown() string {
	return fmt.Sprintf("| %s | %s | %s | %s | %.2f× | %s | %s | %.3f | %.2g |",
		r.Layer, r.Shape, millis(r.ComposedNs), millis(r.FusedNs), r.Speedup,
		mebibytes(r.ComposedBytes), mebibytes(r.FusedBytes), r.MemoryRatio, r.MaxGradDiff)
}

func millis(ns int64) string { return fmt.Sprintf("%.4g ms", float64(ns)/1e6) }

// mebibytes formats a byte count in MiB, or KiB below one MiB.
func mebibytes(b int) string {
	if b < 1<<20 {
		return fmt.Sprintf("%.4g KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%.4g MiB", float64(b)/(1<<20))
}

// parseShapes parses a comma-separated list of shapes such as
// "200x100,32x64x32x32"; the empty string gives nil, each layer's own
// shapes. Each layer then checks that it takes them (pickLayers).
func parseShapes(list string) ([][]int, error) {
	if list == "" {
		return nil, nil
	}
	var shapes [][]int
	for _, s := range strings.Split(list, ",") {
		var shape []int
		for _, f := range strings.Split(strings.TrimSpace(s), "x") {
			d, err := strconv.Atoi(f)
			if err != nil || d < 1 {
				return nil, fmt.Errorf("-shapes: %q is not a shape like 200x100 or 32x64x32x32 (positive sizes joined by x)", s)
			}
			shape = append(shape, d)
		}
		shapes = append(shapes, shape)
	}
	return shapes, nil
}

// cpuName returns the architecture and, on Linux, the processor's model name
// from /proc/cpuinfo, as far as it can be found.
func cpuName() string {
	name := runtime.GOARCH
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return name
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return name + " " + strings.TrimSpace(v)
		}
	}
	return name
}
