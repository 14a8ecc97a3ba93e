package safetensors

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/tensor"
)

func testWriter(v float32) *Writer {
	w := NewWriter()
	w.SetMetadata("epoch", "1")
	Add(w, "w", tensor.Full(v, 100, 100))
	w.AddInt64("steps", nil, []int64{7})
	return w
}

// dirEntries lists the names in dir.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// readW returns the first element of tensor "w" in the file at path.
func readW(t *testing.T, path string) float32 {
	t.Helper()
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	x, err := Read[float32](f, "w")
	if err != nil {
		t.Fatal(err)
	}
	return x.Data()[0]
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	w := testWriter(1.5)
	if err := w.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if got := dirEntries(t, dir); !slices.Equal(got, []string{"model.safetensors"}) {
		t.Errorf("directory holds %v, want only model.safetensors", got)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Errorf("file holds %d bytes that differ from WriteTo's %d", len(got), buf.Len())
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("file mode %v (%v), want 0644", st.Mode(), err)
	}

	// Replacing an existing file.
	if err := testWriter(-3).WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if v := readW(t, path); v != -3 {
		t.Errorf("after rewriting, w[0] = %v, want -3", v)
	}
	if got := dirEntries(t, dir); !slices.Equal(got, []string{"model.safetensors"}) {
		t.Errorf("directory holds %v, want only model.safetensors", got)
	}
}

// failAfter is an io.Writer that accepts n bytes and then fails.
type failAfter struct {
	w io.Writer
	n int
}

var errInjected = errors.New("injected write failure")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k, _ := f.w.Write(p[:f.n])
		f.n = 0
		return k, errInjected
	}
	f.n -= len(p)
	return f.w.Write(p)
}

// A write that fails part way through leaves the old file as it was and no
// temporary file behind.
func TestWriteFileFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	if err := testWriter(1.5).WriteFile(path); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	var partial int64
	defer func(h func(*os.File) io.Writer) { fileHook = h }(fileHook)
	fileHook = func(f *os.File) io.Writer {
		return &failAfter{w: writeCounter{f, &partial}, n: len(old) / 2}
	}
	err = testWriter(-3).WriteFile(path)
	if !errors.Is(err, errInjected) || !strings.HasPrefix(err.Error(), "safetensors: writing "+path) {
		t.Errorf("error %v, want a safetensors: error naming %s and wrapping %v", err, path, errInjected)
	}
	if partial != int64(len(old)/2) {
		t.Errorf("the hook saw %d bytes written, want %d: the failure was not part way through", partial, len(old)/2)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, old) {
		t.Error("a failed write changed the existing file")
	}
	if got := dirEntries(t, dir); !slices.Equal(got, []string{"model.safetensors"}) {
		t.Errorf("directory holds %v after a failed write, want only model.safetensors", got)
	}
}

// writeCounter counts the bytes that reach the file.
type writeCounter struct {
	w io.Writer
	n *int64
}

func (c writeCounter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	*c.n += int64(n)
	return n, err
}

func TestWriteFileBadDirectory(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "plain")
	if err := os.WriteFile(notDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(dir, "missing", "model.safetensors"),
		filepath.Join(notDir, "model.safetensors"),
	} {
		err := testWriter(1).WriteFile(path)
		if err == nil || !strings.HasPrefix(err.Error(), "safetensors: writing "+path) {
			t.Errorf("%s: error %v, want a safetensors: error naming the path", path, err)
		}
	}
	if got := dirEntries(t, dir); !slices.Equal(got, []string{"plain"}) {
		t.Errorf("directory holds %v, want only plain", got)
	}
}

func TestWriteFileReadOnlyDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755) // let t.TempDir clean up
	if probe, err := os.CreateTemp(dir, "probe"); err == nil {
		probe.Close()
		os.Remove(probe.Name())
		t.Skip("the directory is writable despite mode 0555 (running as root?)")
	}
	path := filepath.Join(dir, "model.safetensors")
	if err := testWriter(1).WriteFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v, want one naming %s", err, path)
	}
	if got := dirEntries(t, dir); len(got) != 0 {
		t.Errorf("read-only directory holds %v after a failed write", got)
	}
}

// When the final rename fails (the target is a non-empty directory), the
// temporary file is removed and the target is untouched.
func TestWriteFileRenameFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	if err := os.MkdirAll(filepath.Join(path, "inside"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := testWriter(1).WriteFile(path); err == nil || !strings.HasPrefix(err.Error(), "safetensors: writing "+path) {
		t.Errorf("error %v, want a safetensors: error naming %s", err, path)
	}
	if got := dirEntries(t, dir); !slices.Equal(got, []string{"model.safetensors"}) {
		t.Errorf("directory holds %v, want only model.safetensors", got)
	}
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		t.Errorf("the directory at the target was replaced: %v, %v", st, err)
	}
}
