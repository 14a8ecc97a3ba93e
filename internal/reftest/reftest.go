// Package reftest reads the reference numbers that tapegrad's tests pin
// their results to: JSON files that a script under some package's testdata/
// writes from PyTorch, committed so that the tests never need Python.
package reftest

import (
	"encoding/json"
	"os"
	"testing"
)

// Load decodes the JSON file at path into v, strictly: a field v does not
// have is an error, so that a reference file and its test cannot drift
// apart silently. It fails the test, saying how to regenerate the file
// (regenerate is the command), if the file is missing or malformed.
func Load(t testing.TB, path, regenerate string, v any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("reference numbers: %v (regenerate with %s)", err, regenerate)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decoding %s: %v (regenerate with %s)", path, err, regenerate)
	}
}
