//go:build !mpi

package main

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/tapegrad/tapegrad/examples/internal/course"
)

// TestDistributedNeedsMPI checks that -distributed in a build without
// -tags mpi fails with a one-line error saying how to build, exit 1,
// before any training.
func TestDistributedNeedsMPI(t *testing.T) {
	data := t.TempDir()
	if err := course.WriteSyntheticMNIST(data, 48, 20, 1); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"-distributed", "-dataset", "mnist", "-data", data, "-out", t.TempDir(), "-hidden", "16"}, &stdout, io.Discard)
	var stderr bytes.Buffer
	code := course.ExitCode("mlp", err, &stderr)
	want := "mlp: -distributed: distributed: tapegrad was built without MPI: build with -tags mpi (and Open MPI's libopenmpi-dev installed)\n"
	if code != 1 || stderr.String() != want || stdout.Len() != 0 {
		t.Errorf("exit %d, stderr %q, stdout %q; want 1, %q and nothing", code, stderr.String(), stdout.String(), want)
	}
}
