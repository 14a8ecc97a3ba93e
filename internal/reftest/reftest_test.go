package reftest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fatalRecorder is a testing.TB that records a Fatalf and stops the
// function that called it, as the real one does.
type fatalRecorder struct {
	testing.TB
	msg string
}

type stop struct{}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = strings.TrimSpace(format)
	for _, a := range args {
		r.msg += "|" + strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(toString(a), "\n", " "), "\t", " "))
	}
	panic(stop{})
}

func toString(a any) string {
	switch v := a.(type) {
	case string:
		return v
	case error:
		return v.Error()
	}
	return "?"
}

// fatal runs f with a recorder and returns what it was stopped with.
func fatal(f func(tb testing.TB)) string {
	r := &fatalRecorder{}
	func() {
		defer func() {
			if p := recover(); p != nil {
				if _, ok := p.(stop); !ok {
					panic(p)
				}
			}
		}()
		f(r)
	}()
	return r.msg
}

func TestUnique(t *testing.T) {
	msg := fatal(func(tb testing.TB) {
		unique := Unique(tb, "testdata/x.json")
		unique("a")
		unique("b")
		unique("a")
	})
	if want := `%s: case %q appears twice|testdata/x.json|a`; msg != want {
		t.Errorf("Unique stopped with %q, want %q", msg, want)
	}
	if msg := fatal(func(tb testing.TB) { u := Unique(tb, "p"); u("a"); u("b") }); msg != "" {
		t.Errorf("Unique of distinct names stopped with %q", msg)
	}
}

func TestLoadWithHeader(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ref.json")
	if err := os.WriteFile(path, []byte(`{"generator": "gen.py", "torch_version": "1.13.0", "cases": [1, 2]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var v struct {
		Header
		Cases []int `json:"cases"`
	}
	Load(t, path, "python3 gen.py", &v)
	if v.Generator != "gen.py" || v.TorchVersion != "1.13.0" || len(v.Cases) != 2 {
		t.Errorf("Load = %+v", v)
	}
	if err := os.WriteFile(path, []byte(`{"generator": "gen.py", "extra": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	msg := fatal(func(tb testing.TB) { Load(tb, path, "python3 gen.py", &v) })
	if !strings.Contains(msg, `unknown field "extra"`) || !strings.Contains(msg, "python3 gen.py") {
		t.Errorf("Load of a file with an unknown field stopped with %q", msg)
	}
	msg = fatal(func(tb testing.TB) { Load(tb, filepath.Join(dir, "missing.json"), "python3 gen.py", &v) })
	if !strings.Contains(msg, "missing.json") || !strings.Contains(msg, "python3 gen.py") {
		t.Errorf("Load of a missing file stopped with %q", msg)
	}
}
