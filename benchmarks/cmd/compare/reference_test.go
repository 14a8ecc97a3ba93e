package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestPythons(t *testing.T) {
	if got := pythons("none"); got != nil {
		t.Errorf("none: %v", got)
	}
	if got := pythons("/opt/py/bin/python3"); !slices.Equal(got, []string{"/opt/py/bin/python3"}) {
		t.Errorf("a path: %v", got)
	}
	if got := pythons("auto"); len(got) == 0 || got[0] != "/usr/bin/python3" || len(got) > 2 {
		t.Errorf("auto: %v", got)
	}
}

func TestReferenceEnv(t *testing.T) {
	env := referenceEnv([]string{"HOME=/root", "OMP_NUM_THREADS=7"}, 2)
	// exec.Cmd uses the last value of a duplicate key.
	last := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		last[k] = v
	}
	for k, want := range map[string]string{"HOME": "/root", "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"} {
		if last[k] != want {
			t.Errorf("%s=%q, want %q", k, last[k], want)
		}
	}
}

func TestFindScript(t *testing.T) {
	got, err := findScript("")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.Abs("../../pytorch/workloads.py")
	if got != want {
		t.Errorf("findScript = %q, want %q", got, want)
	}
	if _, err := findScript("main.go"); err != nil {
		t.Errorf("an existing -script: %v", err)
	}
	if _, err := findScript(filepath.Join(t.TempDir(), "nope.py")); err == nil {
		t.Error("a missing -script gives no error")
	}
	dir := t.TempDir()
	t.Chdir(dir)
	if _, err := findScript(""); err == nil || !strings.Contains(err.Error(), "-script") {
		t.Errorf("outside the repository: %v", err)
	}
}
