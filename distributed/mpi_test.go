//go:build mpi

package distributed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests run under mpirun (see .ci/run):
//
//	go test -c -tags mpi -o distributed.test ./distributed/
//	mpirun -np 2 --allow-run-as-root --oversubscribe ./distributed.test -test.run MPI
//	./distributed.test -test.run TestMPIKilledRank   # starts mpirun itself
//
// Outside mpirun (OMPI_COMM_WORLD_SIZE unset) the tests that need ranks
// skip, and TestMPIKilledRank runs.

var testWorld *MPI

func TestMain(m *testing.M) {
	if os.Getenv("OMPI_COMM_WORLD_SIZE") == "" {
		os.Exit(m.Run())
	}
	w, err := Init()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testWorld = w
	code := m.Run()
	if err := w.Finalize(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// needRanks skips the test unless it runs under mpirun with 2 or more ranks.
func needRanks(t *testing.T) *MPI {
	if testWorld == nil || testWorld.Size() < 2 {
		t.Skip("needs mpirun -np 2 (or more)")
	}
	return testWorld
}

// TestMPICollectives checks the bindings: sums, broadcasts from every
// root, in both element types, a buffer over several calls' worth being
// impossible to test cheaply (maxCount is 2³⁰); a barrier; and a bad root
// as an error, not an abort.
func TestMPICollectives(t *testing.T) {
	w := needRanks(t)
	r, n := w.Rank(), w.Size()
	b32 := []float32{float32(r + 1), 0.5}
	b64 := []float64{float64(r + 1), -0.25}
	if err := w.AllReduceFloat32(b32); err != nil {
		t.Fatal(err)
	}
	if err := AllReduceSum[float64](w, b64); err != nil {
		t.Fatal(err)
	}
	sum := float64(n * (n + 1) / 2)
	if b32[0] != float32(sum) || b32[1] != 0.5*float32(n) || b64[0] != sum || b64[1] != -0.25*float64(n) {
		t.Errorf("rank %d: all-reduce gave %v and %v, want [%v %v] and [%v %v]", r, b32, b64, sum, 0.5*float64(n), sum, -0.25*float64(n))
	}
	for root := range n {
		c32, c64 := []float32{float32(r), 7}, []float64{float64(r * 10)}
		if err := Broadcast[float32](w, c32, root); err != nil {
			t.Fatal(err)
		}
		if err := w.BroadcastFloat64(c64, root); err != nil {
			t.Fatal(err)
		}
		if c32[0] != float32(root) || c32[1] != 7 || c64[0] != float64(root*10) {
			t.Errorf("rank %d: broadcast from %d gave %v %v", r, root, c32, c64)
		}
	}
	if err := w.Barrier(); err != nil {
		t.Fatal(err)
	}
	if err := w.BroadcastFloat64(c64Zero(), n); err == nil || err.Error() != fmt.Sprintf("distributed: broadcast root %d: want a rank in [0, %d)", n, n) {
		t.Errorf("broadcast from root %d: %v", n, err)
	}
}

func c64Zero() []float64 { return []float64{0} }

// TestMPINonBlocking checks MPI_Iallreduce's bindings: two all-reduces
// started, a blocking one between them and their waits (the order MPI
// sees is the order they are started), Test until the first completes,
// Wait on the second twice, and an empty buffer.
func TestMPINonBlocking(t *testing.T) {
	w := needRanks(t)
	r, n := w.Rank(), w.Size()
	a := make([]float32, 1000)
	b := []float64{float64(r), 2}
	for i := range a {
		a[i] = float32(r + i)
	}
	ra, err := IAllReduceSum(w, a)
	if err != nil {
		t.Fatal(err)
	}
	c := []float64{float64(r + 1)}
	if err := w.AllReduceFloat64(c); err != nil {
		t.Fatal(err)
	}
	rb, err := w.IAllReduceFloat64(b)
	if err != nil {
		t.Fatal(err)
	}
	tests := 0
	for done := false; !done; tests++ {
		if done, err = ra.Test(); err != nil {
			t.Fatal(err)
		}
	}
	if err := rb.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := rb.Wait(); err != nil {
		t.Fatalf("a second Wait: %v", err)
	}
	if done, err := ra.Test(); !done || err != nil {
		t.Errorf("Test after completion: %v, %v", done, err)
	}
	ranks := float64(n * (n - 1) / 2) // Σ r
	if c[0] != ranks+float64(n) || b[0] != ranks || b[1] != 2*float64(n) {
		t.Errorf("rank %d: the blocking all-reduce gave %v, the second non-blocking one %v", r, c, b)
	}
	for i, v := range a {
		if want := float32(ranks) + float32(n*i); v != want {
			t.Fatalf("rank %d: the first non-blocking all-reduce gave a[%d] = %v, want %v", r, i, v, want)
		}
	}
	if req, err := w.IAllReduceFloat32(nil); err != nil || req.Wait() != nil {
		t.Errorf("empty buffer: %v", err)
	}
	t.Logf("rank %d: %d tests until the first all-reduce completed", r, tests)
}

// TestMPIErrorsReturn checks that an MPI call MPI rejects returns an *Error
// with MPI_Error_string's text (MPI_ERRORS_RETURN), the job going on: a
// barrier after it still works.
func TestMPIErrorsReturn(t *testing.T) {
	w := needRanks(t)
	err := w.invalidCall()
	var e *Error
	if !errors.As(err, &e) || e.Call != "MPI_Bcast" || e.Code == 0 || !strings.Contains(strings.ToLower(e.Msg), "count") ||
		err.Error() != fmt.Sprintf("distributed: MPI_Bcast failed: %s (MPI error %d)", e.Msg, e.Code) {
		t.Fatalf("a negative count: %v, want an *Error about the count", err)
	}
	if err := w.Barrier(); err != nil {
		t.Fatalf("barrier after the error: %v", err)
	}
	t.Logf("rank %d: %v", w.Rank(), err)
}

// TestMPIDDPMatchesOneProcess is TestDDPMatchesOneProcess over MPI: each
// of the ranks trains its shard with DDP (SyncBatchNorm for the ConvNet)
// and compares the result with the one-process run with the global batch,
// which every rank also computes.
func TestMPIDDPMatchesOneProcess(t *testing.T) {
	w := needRanks(t)
	for _, c := range []struct {
		kind string
		tol  float64
	}{{"mlp", 1e-12}, {"convnet", 1e-8}} {
		want := eqRun(t, c.kind, nil, w.Size(), DDPOptions{})
		changed(t, c.kind, want)
		got := eqRun(t, c.kind, w, w.Size(), DDPOptions{BucketBytes: 256, SyncBatchNorm: true})
		d := compareStates(t, fmt.Sprintf("%s on rank %d of %d", c.kind, w.Rank(), w.Size()), got, want, c.tol)
		t.Logf("%s, rank %d: largest relative difference %.3g", c.kind, w.Rank(), d)
	}
}

// TestMPIKillHelper is run by TestMPIKilledRank under mpirun: rank 1 kills
// itself (SIGKILL, as the OOM killer would) while rank 0 keeps
// all-reducing, which would wait for it forever.
func TestMPIKillHelper(t *testing.T) {
	if os.Getenv("TAPEGRAD_MPI_KILL") == "" {
		t.Skip("run by TestMPIKilledRank")
	}
	w := needRanks(t)
	buf := make([]float64, 1000)
	for i := 0; ; i++ {
		if w.Rank() == 1 && i == 10 {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
		if err := w.AllReduceFloat64(buf); err != nil {
			fmt.Fprintf(os.Stderr, "rank %d: %v\n", w.Rank(), err)
			w.Abort(3)
		}
	}
}

// TestMPIKilledRank checks what happens when a rank dies: Open MPI's
// mpirun notices, kills the other ranks and exits non-zero with a message
// naming the rank, rather than leaving the survivors waiting in their
// all-reduce. It runs this test binary under mpirun -np 2, with a deadline.
func TestMPIKilledRank(t *testing.T) {
	if testWorld != nil {
		t.Skip("starts mpirun itself: run outside mpirun")
	}
	mpirun, err := exec.LookPath("mpirun")
	if err != nil {
		t.Skip("mpirun not installed")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, mpirun, "-np", "2", "--allow-run-as-root", "--oversubscribe",
		self, "-test.run", "^TestMPIKillHelper$")
	cmd.Env = append(os.Environ(), "TAPEGRAD_MPI_KILL=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("mpirun still running after %v: the surviving rank hangs\n%s", time.Since(start), out.String())
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("mpirun: %v, want a non-zero exit\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "rank 1") || !strings.Contains(out.String(), "signal 9") {
		t.Errorf("mpirun's message does not name rank 1 and signal 9:\n%s", out.String())
	}
	t.Logf("mpirun exited with %d after %.1f s:\n%s", exit.ExitCode(), time.Since(start).Seconds(), out.String())
}
