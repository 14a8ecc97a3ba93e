//go:build mpi

package main

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tapegrad/tapegrad/examples/internal/course"
)

// TestDistributedEqualsOneProcess runs the trainer with -distributed under
// mpirun -np 2 (this test binary, running TestDistributedRank on each
// rank) with -batch 8, and in this process with -batch 16 on the same
// data: the curves agree to float32 rounding — the test loss at every
// evaluation, and the accuracies exactly. It then stops the distributed
// run halfway and resumes it from its checkpoint: the same curve again.
func TestDistributedEqualsOneProcess(t *testing.T) {
	if os.Getenv("OMPI_COMM_WORLD_SIZE") != "" {
		t.Skip("starts mpirun itself")
	}
	mpirun, err := exec.LookPath("mpirun")
	if err != nil {
		t.Skip("mpirun not installed")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	if err := course.WriteSyntheticMNIST(data, 96, 40, 1); err != nil {
		t.Fatal(err)
	}
	common := []string{"-dataset", "mnist", "-data", data, "-eval-every", "4", "-hidden", "16", "-seed", "3"}
	one, two := t.TempDir(), t.TempDir()
	if err := run(context.Background(), append(common, "-batch", "16", "-steps", "12", "-out", one), devNull(t), devNull(t)); err != nil {
		t.Fatal(err)
	}
	ranks := func(steps int, more ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, mpirun, "-np", "2", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
			self, "-test.run", "^TestDistributedRank$")
		args := append(append(append([]string{}, common...), "-distributed", "-batch", "8", "-steps", strconv.Itoa(steps), "-out", two), more...)
		cmd.Env = append(os.Environ(), "TAPEGRAD_RANK_ARGS="+strings.Join(args, "\x1f"), "GOMAXPROCS=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("mpirun: %v\n%s", err, out)
		}
	}
	ranks(12)
	want, got := readMetrics(t, one), readMetrics(t, two)
	compareCurves(t, got, want)
	// Resuming the distributed run continues it: the same curve again.
	os.Remove(filepath.Join(two, "metrics.csv"))
	ranks(6)
	ranks(12, "-resume", filepath.Join(two, "checkpoint.safetensors"))
	compareCurves(t, readMetrics(t, two), want)
}

// TestDistributedRank is one rank of TestDistributedEqualsOneProcess.
func TestDistributedRank(t *testing.T) {
	a := os.Getenv("TAPEGRAD_RANK_ARGS")
	if a == "" {
		t.Skip("run by TestDistributedEqualsOneProcess under mpirun")
	}
	if err := run(context.Background(), strings.Split(a, "\x1f"), os.Stdout, os.Stderr); err != nil {
		t.Fatal(err)
	}
}

func devNull(t *testing.T) *os.File {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// readMetrics returns metrics.csv's rows in dir, header left out.
func readMetrics(t *testing.T, dir string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("metrics.csv: %d rows, %v", len(rows), err)
	}
	return rows[1:]
}

// compareCurves compares the steps, test losses (to 1e-5 relative) and
// test accuracies (exactly) of two metrics.csv; the train columns are
// rank 0's share of each batch in a distributed run, so they differ.
func compareCurves(t *testing.T, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d evaluations, want %d", len(got), len(want))
	}
	for i := range want {
		g, _ := strconv.ParseFloat(got[i][3], 64)
		w, _ := strconv.ParseFloat(want[i][3], 64)
		if got[i][0] != want[i][0] || got[i][4] != want[i][4] || !(math.Abs(g-w) <= 1e-5*math.Abs(w)) {
			t.Errorf("evaluation %d: step %s test loss %s accuracy %s; one process: step %s test loss %s accuracy %s",
				i, got[i][0], got[i][3], got[i][4], want[i][0], want[i][3], want[i][4])
		}
	}
}
