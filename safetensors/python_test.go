package safetensors_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/safetensors"
)

// pythonExpected is testdata/from_python.json, the values
// testdata/gen_from_python.py stored in testdata/from_python.safetensors.
type pythonExpected struct {
	Metadata map[string]string
	Order    []string
	Tensors  map[string]struct {
		DType  safetensors.DType
		Shape  []int
		Values []json.Number
	}
}

func TestReadPythonFile(t *testing.T) {
	raw, err := os.ReadFile("testdata/from_python.json")
	if err != nil {
		t.Fatal(err)
	}
	var want pythonExpected
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&want); err != nil {
		t.Fatal(err)
	}
	if len(want.Tensors) != 3 {
		t.Fatalf("the sidecar lists %d tensors, want 3", len(want.Tensors))
	}

	f, err := safetensors.OpenFile("testdata/from_python.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if diff := cmp.Diff(want.Order, f.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.Metadata, f.Metadata()); diff != "" {
		t.Errorf("Metadata (-want +got):\n%s", diff)
	}
	for name, w := range want.Tensors {
		dtype, shape, ok := f.Info(name)
		if !ok || dtype != w.DType || !cmp.Equal(shape, w.Shape) {
			t.Errorf("Info(%q) = %s %v %t, want %s %v true", name, dtype, shape, ok, w.DType, w.Shape)
			continue
		}
		switch dtype {
		case safetensors.F32:
			x, err := safetensors.Read[float32](f, name)
			if err != nil {
				t.Fatal(err)
			}
			wantBits := make([]uint32, len(w.Values))
			for i, v := range w.Values {
				f, _ := v.Float64()
				wantBits[i] = math.Float32bits(float32(f))
			}
			if diff := cmp.Diff(wantBits, f32Bits(x.Data())); diff != "" {
				t.Errorf("%s: bits (-want +got):\n%s", name, diff)
			}
		case safetensors.F64:
			x, err := safetensors.Read[float64](f, name)
			if err != nil {
				t.Fatal(err)
			}
			wantBits := make([]uint64, len(w.Values))
			for i, v := range w.Values {
				f, _ := v.Float64()
				wantBits[i] = math.Float64bits(f)
			}
			if diff := cmp.Diff(wantBits, f64Bits(x.Data())); diff != "" {
				t.Errorf("%s: bits (-want +got):\n%s", name, diff)
			}
		case safetensors.I64:
			_, data, err := f.ReadInt64(name)
			if err != nil {
				t.Fatal(err)
			}
			wantData := make([]int64, len(w.Values))
			for i, v := range w.Values {
				if wantData[i], err = v.Int64(); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(wantData, data); diff != "" {
				t.Errorf("%s: (-want +got):\n%s", name, diff)
			}
		}
	}
}

// The Writer lays out a file exactly as the reference writer does when given
// the tensors in the same order, so re-saving the Python file reproduces it.
func TestResavePythonFile(t *testing.T) {
	b, err := os.ReadFile("testdata/from_python.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if got := resave(t, b); !bytes.Equal(got, b) {
		t.Errorf("re-saving the Python file changed it:\ngot  %q\nwant %q", got, b)
	}
}
