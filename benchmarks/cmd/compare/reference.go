package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// refInfo is what workloads.py reports about itself and its libraries.
type refInfo struct {
	Python        string   `json:"python"`
	PythonVersion string   `json:"python_version"`
	Torch         string   `json:"torch"`
	TorchError    string   `json:"torch_error"`
	TorchThreads  int      `json:"torch_threads"`
	NumPy         string   `json:"numpy"`
	NumPyError    string   `json:"numpy_error"`
	BLAS          blasInfo `json:"blas"`
	// Env holds the thread settings the process saw (OMP_NUM_THREADS,
	// OPENBLAS_NUM_THREADS, GOMP_SPINCOUNT, OMP_WAIT_POLICY), "" if unset.
	Env map[string]string `json:"env"`
}

// blasInfo says which BLAS the Python process loaded: Kind is OpenBLAS,
// MKL, BLIS, ATLAS, reference (Netlib's, which makes every GEMM-bound
// comparison meaningless) or unknown.
type blasInfo struct {
	Kind        string   `json:"kind"`
	Libraries   []string `json:"libraries"`
	Alternative string   `json:"alternative"`
	Config      string   `json:"config"`
	Threads     int      `json:"threads"`
}

// names returns the reference's display name for each library it has.
func (i refInfo) names() map[string]string {
	n := map[string]string{}
	if i.Torch != "" {
		n[refTorch] = "PyTorch " + i.Torch
	}
	if i.NumPy != "" {
		n[refNumPy] = "NumPy " + i.NumPy
	}
	return n
}

// reference is the other side of the comparison: workloads.py serving
// commands, or a stand-in in tests.
type reference interface {
	// Setup builds a workload by id, with the files tapegrad wrote for it.
	// For the workloads that measure it (W3, W6), it returns the bytes
	// the reference keeps for the backward pass of one step (nil for the
	// others); W6's reference also writes its outputs, after that step,
	// into files["out"].
	Setup(id string, files map[string]string) (savedBytes *int64, err error)
	// Steps runs lead untimed steps, then n steps timed together, after
	// a garbage collection, and returns the n steps' total time and, if
	// asked for, the check value of the last step (nil if the workload has
	// none).
	Steps(lead, n int, check bool) (ns int64, value *float64, err error)
	// Finish drops the workload and returns its peak memory (nil if it
	// could not be measured).
	Finish() (*int64, error)
}

// server is workloads.py run with --serve: one JSON command per line on its
// stdin, one JSON reply per line on its stdout.
type server struct {
	python string
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *tail
	info   refInfo
	// broken is the I/O error that ended the conversation with the
	// process, if one did: it has exited or stopped answering.
	broken error

	waited  bool
	waitErr error
}

// referenceEnv returns the environment of the reference process: ours,
// with torch's and the BLAS's thread counts set to threads. workloads.py
// itself sets GOMP_SPINCOUNT (see there and benchmarks/README.md).
func referenceEnv(environ []string, threads int) []string {
	n := strconv.Itoa(threads)
	return append(slices.Clone(environ), "OMP_NUM_THREADS="+n, "OPENBLAS_NUM_THREADS="+n, "MKL_NUM_THREADS="+n)
}

// startServer starts script under python with threads threads for torch
// and for the BLAS, and asks it for its info.
func startServer(python, script string, threads int) (*server, error) {
	cmd := exec.Command(python, script, "--serve", "--threads", strconv.Itoa(threads))
	cmd.Env = referenceEnv(os.Environ(), threads)
	s := &server{python: python, cmd: cmd, stderr: &tail{max: 4096}}
	cmd.Stderr = s.stderr
	var err error
	if s.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s.out = bufio.NewReader(stdout)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if err := s.call(map[string]any{"op": "info"}, &s.info); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// call sends one command and decodes its reply into reply.
func (s *server) call(req, reply any) error {
	if s.broken != nil {
		return s.broken
	}
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := s.in.Write(append(b, '\n')); err != nil {
		return s.failed(err)
	}
	line, err := s.out.ReadBytes('\n')
	if err != nil {
		return s.failed(err)
	}
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(line, &e); err != nil {
		return fmt.Errorf("workloads.py answered %q: %v", strings.TrimSpace(string(line)), err)
	}
	if e.Error != "" {
		return fmt.Errorf("workloads.py: %s", e.Error)
	}
	return json.Unmarshal(line, reply)
}

// failed wraps an I/O error with how the process ended and what it wrote
// to stderr, and marks the server broken. An I/O error on the pipes means
// the process has exited or is exiting, so failed waits for it: that also
// waits until its stderr has been copied.
func (s *server) failed(err error) error {
	err = fmt.Errorf("workloads.py under %s: %v", s.python, err)
	s.in.Close()
	if werr := s.wait(); werr != nil {
		err = fmt.Errorf("%w (%v)", err, werr)
	}
	if t := strings.TrimSpace(s.stderr.String()); t != "" {
		err = fmt.Errorf("%w; its stderr ends with:\n%s", err, t)
	}
	s.broken = err
	return err
}

// wait waits for the process once and returns how it ended.
func (s *server) wait() error {
	if !s.waited {
		s.waited, s.waitErr = true, s.cmd.Wait()
	}
	return s.waitErr
}

func (s *server) Setup(id string, files map[string]string) (*int64, error) {
	var r struct {
		Saved *int64 `json:"saved_bytes"`
	}
	err := s.call(map[string]any{"op": "setup", "workload": id, "files": files}, &r)
	return r.Saved, err
}

func (s *server) Steps(lead, n int, check bool) (int64, *float64, error) {
	var r struct {
		Ns    int64    `json:"ns"`
		Check *float64 `json:"check"`
	}
	err := s.call(map[string]any{"op": "steps", "lead": lead, "n": n, "check": check}, &r)
	if err == nil && r.Ns <= 0 {
		err = fmt.Errorf("workloads.py reported a step of %d ns", r.Ns)
	}
	return r.Ns, r.Check, err
}

func (s *server) Finish() (*int64, error) {
	var r struct {
		Peak *int64 `json:"peak_bytes"`
	}
	err := s.call(map[string]any{"op": "finish"}, &r)
	return r.Peak, err
}

// Close asks the server to quit and waits for it.
func (s *server) Close() error {
	if s.broken == nil {
		s.in.Write([]byte(`{"op": "quit"}` + "\n"))
		s.in.Close()
	}
	return s.wait()
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// pythons returns the interpreters to try for the -python flag's value:
// "auto" is /usr/bin/python3, then python3 on the PATH if it is another
// file; "none" is none; anything else is that interpreter.
func pythons(flagValue string) []string {
	switch flagValue {
	case "none":
		return nil
	case "auto":
	default:
		return []string{flagValue}
	}
	out := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		a, errA := os.Stat(out[0])
		b, errB := os.Stat(p)
		if errA != nil || errB != nil || !os.SameFile(a, b) {
			out = append(out, p)
		}
	}
	return out
}

// findReference starts script under each interpreter in turn and keeps the
// first that imports PyTorch, or failing that the first that imports NumPy
// alone. With none, it returns nil and, for each interpreter, why not.
func findReference(interps []string, script string, threads int) (*server, []string) {
	var fallback *server
	var why []string
	for _, py := range interps {
		s, err := startServer(py, script, threads)
		if err != nil {
			why = append(why, fmt.Sprintf("%s: %v", py, err))
			continue
		}
		if s.info.Torch != "" {
			if fallback != nil {
				fallback.Close()
			}
			return s, nil
		}
		why = append(why, fmt.Sprintf("%s: PyTorch: %s", py, s.info.TorchError))
		if fallback == nil && s.info.NumPy != "" {
			fallback = s
			continue
		}
		if s.info.NumPy == "" {
			why = append(why, fmt.Sprintf("%s: NumPy: %s", py, s.info.NumPyError))
		}
		s.Close()
	}
	return fallback, why
}

// findScript returns the path of workloads.py: the -script flag's value if
// set, else benchmarks/pytorch/workloads.py in the tapegrad module that
// holds the working directory.
func findScript(flagValue string) (string, error) {
	if flagValue != "" {
		if _, err := os.Stat(flagValue); err != nil {
			return "", fmt.Errorf("-script: %v", err)
		}
		return flagValue, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && slices.Contains(strings.Split(string(mod), "\n"), "module github.com/tapegrad/tapegrad") {
			p := filepath.Join(dir, "benchmarks", "pytorch", "workloads.py")
			if _, err := os.Stat(p); err != nil {
				return "", err
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find benchmarks/pytorch/workloads.py: run from within the tapegrad repository or pass -script")
		}
		dir = parent
	}
}
