// Package reftest reads the reference numbers that tapegrad's tests pin
// their results to: JSON files that a script under some package's testdata/
// writes from PyTorch, committed so that the tests never need Python.
package reftest

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
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

// Header is what every file of PyTorch reference numbers begins with: the
// script that wrote it and the torch it ran. A test's layout of the file
// embeds it.
type Header struct {
	Generator    string `json:"generator"`
	TorchVersion string `json:"torch_version"`
}

// Unique returns a function that stops the test when it is given a case
// name it was given before: the tests name their subtests and report
// differences by case, so two cases of one name would hide each other. path
// is the reference file, for the message.
func Unique(t testing.TB, path string) func(name string) {
	seen := map[string]bool{}
	return func(name string) {
		t.Helper()
		if seen[name] {
			t.Fatalf("%s: case %q appears twice", path, name)
		}
		seen[name] = true
	}
}

// Float is a number of a reference file: a JSON number, or a string that
// strconv.ParseFloat reads exactly — "nan", "inf", "-inf" for the values
// JSON has no number for, "-0.0" or "5e-324" where the text must survive
// any JSON writer unchanged.
type Float float64

// UnmarshalJSON reads a JSON number or a string that strconv.ParseFloat
// reads; any other string is an error.
func (f *Float) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("reftest: %q is not a number", s)
		}
		*f = Float(v)
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Float(v)
	return nil
}

// Floats converts reference numbers to a slice of T, rounding to T.
func Floats[T ~float32 | ~float64](s []Float) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = T(v)
	}
	return out
}

// AttentionCase is one case of ops/testdata/torch_attention.json, which
// gen_torch_attention.py writes: scaled dot-product attention's inputs
// (q, k, v, the output gradient g, an additive or a boolean mask, the
// causal flag and the scale) and PyTorch's results in both dtypes. The op's
// tests (ops) and the functional's (functional) read the same file.
type AttentionCase struct {
	Name          string          `json:"name"`
	QShape        []int           `json:"q_shape"`
	KShape        []int           `json:"k_shape"`
	VShape        []int           `json:"v_shape"`
	Q             []Float         `json:"q"`
	K             []Float         `json:"k"`
	V             []Float         `json:"v"`
	G             []Float         `json:"g"`
	IsCausal      bool            `json:"is_causal"`
	Scale         float64         `json:"scale"`
	MaskShape     []int           `json:"mask_shape"`
	Mask          []Float         `json:"mask"`
	BoolMaskShape []int           `json:"bool_mask_shape"`
	BoolMask      []bool          `json:"bool_mask"`
	Float64       AttentionResult `json:"float64"`
	Float32       AttentionResult `json:"float32"`
}

// AttentionResult is PyTorch's output y and the gradients of an
// AttentionCase in one dtype (DMask empty without an additive mask).
type AttentionResult struct {
	Y     []Float `json:"y"`
	DQ    []Float `json:"dq"`
	DK    []Float `json:"dk"`
	DV    []Float `json:"dv"`
	DMask []Float `json:"dmask"`
}
