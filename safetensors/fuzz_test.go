package safetensors_test

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// stored is what a fuzzed file held, by tensor name: dtype, shape and the
// elements' bits.
type stored struct {
	DType safetensors.DType
	Shape []int
	Bits  []uint64
}

// FuzzOpen opens arbitrary bytes. Open must fail cleanly or return a File
// whose every F32, F64 and I64 tensor reads back; writing those tensors out
// again and reopening the result must give the same names, shapes, values
// and metadata.
func FuzzOpen(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := safetensors.Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "safetensors:") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		b1, want, skipped := rewrite(t, file)
		file2, err := safetensors.Open(bytes.NewReader(b1), int64(len(b1)))
		if err != nil {
			t.Fatalf("reopening the rewritten file: %v\n%q", err, b1)
		}
		b2, got, _ := rewrite(t, file2)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("tensors changed through a rewrite (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(file.Metadata(), file2.Metadata()); diff != "" {
			t.Fatalf("metadata changed through a rewrite (-want +got):\n%s", diff)
		}
		if !skipped && !bytes.Equal(b1, b2) {
			t.Fatalf("rewriting is not deterministic:\n%q\n%q", b1, b2)
		}
	})
}

// rewrite reads every tensor of f it can and writes them, with f's metadata,
// in Names order. It returns the new file, what it read, and whether it had
// to skip a tensor: one of a dtype it cannot read, or with the empty name,
// which Open accepts and the Writer refuses.
func rewrite(t *testing.T, f *safetensors.File) ([]byte, map[string]stored, bool) {
	w := safetensors.NewWriter()
	for k, v := range f.Metadata() {
		w.SetMetadata(k, v)
	}
	read := map[string]stored{}
	skipped := false
	for _, name := range f.Names() {
		dtype, shape, ok := f.Info(name)
		if !ok {
			t.Fatalf("Info(%q) fails for a name Names lists", name)
		}
		var s stored
		switch dtype {
		case safetensors.F32:
			x, err := safetensors.Read[float32](f, name)
			if err != nil {
				t.Fatalf("Read[float32](%q): %v", name, err)
			}
			s = stored{dtype, x.Shape(), widen(f32Bits(x.Data()))}
			if name != "" {
				safetensors.Add(w, name, x)
			}
		case safetensors.F64:
			x, err := safetensors.Read[float64](f, name)
			if err != nil {
				t.Fatalf("Read[float64](%q): %v", name, err)
			}
			s = stored{dtype, x.Shape(), f64Bits(x.Data())}
			if name != "" {
				safetensors.Add(w, name, x)
			}
		case safetensors.I64:
			shape, data, err := f.ReadInt64(name)
			if err != nil {
				t.Fatalf("ReadInt64(%q): %v", name, err)
			}
			bits := make([]uint64, len(data))
			for i, v := range data {
				bits[i] = uint64(v)
			}
			s = stored{dtype, shape, bits}
			if name != "" {
				w.AddInt64(name, shape, data)
			}
		default:
			if _, err := safetensors.Read[float32](f, name); err == nil {
				t.Fatalf("Read[float32] of %s tensor %q succeeded", dtype, name)
			}
			skipped = true
			continue
		}
		if !slices.Equal(s.Shape, shape) {
			t.Fatalf("tensor %q: read shape %v, Info says %v", name, s.Shape, shape)
		}
		if name == "" {
			skipped = true
			continue
		}
		read[name] = s
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), read, skipped
}

func widen(xs []uint32) []uint64 {
	out := make([]uint64, len(xs))
	for i, x := range xs {
		out[i] = uint64(x)
	}
	return out
}

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the seed corpus in testdata/fuzz/FuzzOpen")

// seeds returns FuzzOpen's seed corpus by file name: valid files, truncated
// ones, and every file TestOpenRejects refuses.
func seeds(t *testing.T) map[string][]byte {
	python, err := os.ReadFile("testdata/from_python.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	w := safetensors.NewWriter()
	w.SetMetadata("format", "pt")
	safetensors.Add(w, "w", tensor.FromSlice([]float32{1, -2, 3.5, 0}, 2, 2))
	safetensors.Add(w, "b", tensor.FromSlice([]float64{0.25, -1e-300}, 2))
	safetensors.Add(w, "s", tensor.Scalar[float32](9))
	safetensors.Add(w, "empty", tensor.New[float64](0, 4))
	w.AddInt64("n", nil, []int64{-5})
	mixed := write(t, w)

	s := map[string][]byte{
		"valid-golden":  goldenFile(),
		"valid-python":  python,
		"valid-mixed":   mixed,
		"valid-empty":   []byte("\x08\x00\x00\x00\x00\x00\x00\x00{}      "),
		"valid-f16":     craft(`{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"z":{"dtype":"I64","shape":[0],"data_offsets":[4,4]}}`, []byte{0, 0x3c, 0, 0xc0}),
		"valid-unnamed": craft(`{"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, []byte{0, 0, 0x80, 0x3f}),
	}
	for _, cut := range []int{4, 8, 20, len(mixed) / 2, len(mixed) - 1} {
		s[fmt.Sprintf("truncated-%d", cut)] = mixed[:cut]
	}
	slug := regexp.MustCompile(`[^a-z0-9]+`)
	for _, c := range invalidFiles {
		s["invalid-"+strings.Trim(slug.ReplaceAllString(strings.ToLower(c.name), "-"), "-")] = c.file
	}
	return s
}

// TestSeedCorpus checks that the committed seed corpus is the one seeds
// builds; go test -run TestSeedCorpus -update-corpus rewrites it.
func TestSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzOpen")
	s := seeds(t)
	if len(s) < 40 {
		t.Fatalf("only %d seeds", len(s))
	}
	for _, name := range slices.Sorted(maps.Keys(s)) {
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s[name])
		path := filepath.Join(dir, name)
		if *updateCorpus {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Errorf("seed %s is missing or stale (%v); run go test -run TestSeedCorpus -update-corpus", path, err)
		}
	}
}
