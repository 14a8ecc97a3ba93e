// Command bncompare times workload W3 of WORKLOADS.md: batch normalization
// composed from tape primitives (functional.BatchNormComposed) against the
// fused op with its hand-derived backward (functional.BatchNorm), forward and
// backward of L = Σ y ⊙ g for a fixed random g, with gradients for x, γ and β.
//
//	go run ./benchmarks/cmd/bncompare [-reps N] [-dtype float32|float64] [-shapes 200x100,32x64x32x32] [-json]
//
// It prints one Markdown table with a row per shape. composed and fused are
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
// With -json it prints instead one JSON object per shape and line, with the
// fields shape, composed_ns, fused_ns, speedup, composed_bytes, fused_bytes,
// memory_ratio and max_grad_diff.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
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

// row is the comparison of the two variants on one shape: a line of the
// table, or with -json one object.
type row struct {
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
	shapeList := fs.String("shapes", "", "comma-separated shapes NxC[xHx…] (default: the W3 shapes)")
	asJSON := fs.Bool("json", false, "print one JSON object per shape instead of the table")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	shapes, err := parseShapes(*shapeList)
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
		fmt.Fprintf(stdout, "W3 batch norm, forward + backward, composed vs fused: %s, GOMAXPROCS=%d, median of %d reps, %s\n\n",
			*dtype, runtime.GOMAXPROCS(0), *reps, cpuName())
		fmt.Fprintln(stdout, "| shape | composed | fused | speedup | composed bytes | fused bytes | memory ratio | max grad diff |")
		fmt.Fprintln(stdout, "|---|--:|--:|--:|--:|--:|--:|--:|")
	}
	for _, shape := range shapes {
		var r row
		if *dtype == "float32" {
			r = compare[float32](shape, *reps)
		} else {
			r = compare[float64](shape, *reps)
		}
		if *asJSON {
			b, _ := json.Marshal(r) // a struct of numbers and a string cannot fail
			fmt.Fprintln(stdout, string(b))
		} else {
			fmt.Fprintln(stdout, r.markdown())
		}
	}
	return 0
}

// compare times the two variants on inputs of the given shape, reps times
// each after a warm-up, and compares their results.
func compare[T tensor.Float](shape []int, reps int) row {
	w := bnbench.NewWorkload[T](rand.New(rand.NewPCG(1, 2)), shape...)
	c := w.Step(bnbench.Composed).Clone() // warm-up, and the results compared
	f := w.Step(bnbench.Fused)
	r := row{
		Shape:         bnbench.ShapeName(shape),
		ComposedBytes: c.SavedBytes,
		FusedBytes:    f.SavedBytes,
		MemoryRatio:   float64(f.SavedBytes) / float64(c.SavedBytes),
		MaxGradDiff:   bnbench.MaxGradDiff(c, f),
	}
	times := map[bnbench.Variant][]time.Duration{}
	for i := range reps {
		order := []bnbench.Variant{bnbench.Composed, bnbench.Fused}
		if i%2 == 1 {
			slices.Reverse(order)
		}
		for _, v := range order {
			runtime.GC()
			start := time.Now()
			w.Step(v)
			times[v] = append(times[v], time.Since(start))
		}
	}
	r.ComposedNs = median(times[bnbench.Composed]).Nanoseconds()
	r.FusedNs = median(times[bnbench.Fused]).Nanoseconds()
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
	return fmt.Sprintf("| %s | %s | %s | %.2f× | %s | %s | %.3f | %.2g |",
		r.Shape, millis(r.ComposedNs), millis(r.FusedNs), r.Speedup,
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
// "200x100,32x64x32x32"; the empty string stands for the W3 shapes. Every
// shape needs a batch and a channel axis and more than one value per channel.
func parseShapes(list string) ([][]int, error) {
	if list == "" {
		return bnbench.Shapes, nil
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
		if len(shape) < 2 {
			return nil, fmt.Errorf("-shapes: %q has no channel axis; want NxC or NxCxHx…", s)
		}
		if tensor.NumElems(shape)/shape[1] < 2 {
			return nil, fmt.Errorf("-shapes: %q has one value per channel; batch norm needs at least two", s)
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
