//go:build !mpi

package distributed

import "errors"

// Available reports whether the package was built with MPI (-tags mpi).
const Available = false

// maxCount is the most elements one collective call moves.
const maxCount = 1 << 30

// MPI is the MPI_COMM_WORLD communicator of an MPI job. Built without
// -tags mpi, as here, Init always fails and no MPI value exists.
type MPI struct{ Comm }

// Init returns an error: this build has no MPI. Build with -tags mpi.
func Init() (*MPI, error) { return nil, errors.New(errNoMPI) }

// Finalize does nothing.
func (m *MPI) Finalize() error { return nil }

// Abort does nothing; no MPI value exists in this build.
func (m *MPI) Abort(code int) {}
