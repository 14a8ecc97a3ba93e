package safetensors_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// write returns the bytes w writes.
func write(t *testing.T, w *safetensors.Writer) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := w.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo reported %d bytes, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

// open opens the file b holds, failing the test on error.
func open(t *testing.T, b []byte) *safetensors.File {
	t.Helper()
	f, err := safetensors.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// f32Bits and f64Bits compare floats bit for bit, so NaN payloads and the
// sign of zero count.
func f32Bits(xs []float32) []uint32 {
	out := make([]uint32, len(xs))
	for i, x := range xs {
		out[i] = math.Float32bits(x)
	}
	return out
}

func f64Bits(xs []float64) []uint64 {
	out := make([]uint64, len(xs))
	for i, x := range xs {
		out[i] = math.Float64bits(x)
	}
	return out
}

func TestRoundTripFloat32(t *testing.T) {
	data := []float32{1.5, -0.1, float32(math.Inf(1)), math.Float32frombits(0x7fc00001), // a NaN with a payload
		-0.0, math.SmallestNonzeroFloat32, math.MaxFloat32, 3}
	x := tensor.FromSlice(data, 2, 2, 2)
	w := safetensors.NewWriter()
	safetensors.Add(w, "x", x)
	f := open(t, write(t, w))
	got, err := safetensors.Read[float32](f, "x")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{2, 2, 2}, got.Shape()); diff != "" {
		t.Errorf("shape (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(f32Bits(data), f32Bits(got.Data())); diff != "" {
		t.Errorf("bits (-want +got):\n%s", diff)
	}
}

func TestRoundTripFloat64(t *testing.T) {
	// More elements than one read chunk, so that chunk boundaries are crossed.
	x := tensor.New[float64](3, 10007)
	for i := range x.Data() {
		x.Data()[i] = math.Sin(float64(i)) * math.Pow(10, float64(i%600-300))
	}
	x.Data()[5] = math.Copysign(0, -1)
	w := safetensors.NewWriter()
	safetensors.Add(w, "big", x)
	f := open(t, write(t, w))
	got, err := safetensors.Read[float64](f, "big")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{3, 10007}, got.Shape()); diff != "" {
		t.Errorf("shape (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(f64Bits(x.Data()), f64Bits(got.Data())); diff != "" {
		t.Errorf("bits (-want +got):\n%s", diff)
	}
}

func TestRoundTripInt64(t *testing.T) {
	data := []int64{math.MinInt64, -1, 0, 1, math.MaxInt64, 1<<53 + 1}
	w := safetensors.NewWriter()
	w.AddInt64("ids", []int{3, 2}, data)
	f := open(t, write(t, w))
	shape, got, err := f.ReadInt64("ids")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{3, 2}, shape); diff != "" {
		t.Errorf("shape (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(data, got); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
}

func TestRoundTripScalarsAndEmpty(t *testing.T) {
	w := safetensors.NewWriter()
	safetensors.Add(w, "s32", tensor.Scalar[float32](-2.5))
	safetensors.Add(w, "s64", tensor.Scalar(1e300))
	w.AddInt64("steps", nil, []int64{42})
	safetensors.Add(w, "e64", tensor.New[float64](4, 0, 2))
	safetensors.Add(w, "e32", tensor.New[float32](0, 3))
	w.AddInt64("e64i", []int{0}, nil)
	f := open(t, write(t, w))

	wantInfo := map[string]struct {
		dtype safetensors.DType
		shape []int
	}{
		"s32": {safetensors.F32, []int{}}, "s64": {safetensors.F64, []int{}}, "steps": {safetensors.I64, []int{}},
		"e32": {safetensors.F32, []int{0, 3}}, "e64": {safetensors.F64, []int{4, 0, 2}}, "e64i": {safetensors.I64, []int{0}},
	}
	for name, want := range wantInfo {
		dtype, shape, ok := f.Info(name)
		if !ok || dtype != want.dtype || !cmp.Equal(shape, want.shape) {
			t.Errorf("Info(%q) = %s %v %t, want %s %v true", name, dtype, shape, ok, want.dtype, want.shape)
		}
	}
	s32, err := safetensors.Read[float32](f, "s32")
	if err != nil || s32.NDim() != 0 || s32.Item() != -2.5 {
		t.Errorf("s32 = %v, %v; want scalar -2.5", s32, err)
	}
	s64, err := safetensors.Read[float64](f, "s64")
	if err != nil || s64.NDim() != 0 || s64.Item() != 1e300 {
		t.Errorf("s64 = %v, %v; want scalar 1e300", s64, err)
	}
	shape, steps, err := f.ReadInt64("steps")
	if err != nil || len(shape) != 0 || !cmp.Equal(steps, []int64{42}) {
		t.Errorf("steps = %v %v, %v; want [] [42]", shape, steps, err)
	}
	e32, err := safetensors.Read[float32](f, "e32")
	if err != nil || !cmp.Equal(e32.Shape(), []int{0, 3}) || e32.Size() != 0 {
		t.Errorf("e32 = %v, %v; want an empty 0×3 tensor", e32, err)
	}
	e64, err := safetensors.Read[float64](f, "e64")
	if err != nil || !cmp.Equal(e64.Shape(), []int{4, 0, 2}) || e64.Size() != 0 {
		t.Errorf("e64 = %v, %v; want an empty 4×0×2 tensor", e64, err)
	}
	shape, e64i, err := f.ReadInt64("e64i")
	if err != nil || !cmp.Equal(shape, []int{0}) || len(e64i) != 0 {
		t.Errorf("e64i = %v %v, %v; want [0] []", shape, e64i, err)
	}
	// Names lists data order; the three empty tensors all sit at offset 20
	// and are ordered by name there, not in the order they were added.
	want := []string{"s32", "s64", "steps", "e32", "e64", "e64i"}
	if diff := cmp.Diff(want, f.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
}

func TestRoundTripMetadata(t *testing.T) {
	meta := map[string]string{
		"format": "pt", "epoch": "12", "": "empty key", "quote\"back\\slash": "tab\tnew\nline\x01",
		"ünïcödé ✓": "日本語", "<html>&": "\u2028", "empty": "",
	}
	w := safetensors.NewWriter()
	for k, v := range meta {
		w.SetMetadata(k, v)
	}
	w.SetMetadata("epoch", "13") // replaces
	meta["epoch"] = "13"
	b := write(t, w)
	if !bytes.Contains(b, []byte(`"tab\tnew\nline\u0001"`)) || !bytes.Contains(b, []byte(`"<html>&":"`+"\u2028"+`"`)) {
		t.Errorf("header does not escape like the reference writer: %q", b)
	}
	if diff := cmp.Diff(meta, open(t, b).Metadata()); diff != "" {
		t.Errorf("Metadata (-want +got):\n%s", diff)
	}
}

func TestNameEscaping(t *testing.T) {
	names := []string{`a"b`, `back\slash`, "new\nline", "ctl\x1f", "ünï ✓", "layer.0/weight"}
	w := safetensors.NewWriter()
	for i, name := range names {
		safetensors.Add(w, name, tensor.FromSlice([]float32{float32(i)}, 1))
	}
	f := open(t, write(t, w))
	if diff := cmp.Diff(names, f.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	for i, name := range names {
		x, err := safetensors.Read[float32](f, name)
		if err != nil || x.Data()[0] != float32(i) {
			t.Errorf("Read(%q) = %v, %v; want [%d]", name, x, err, i)
		}
	}
}

// resave opens b and writes its tensors back in Names order.
func resave(t *testing.T, b []byte) []byte {
	t.Helper()
	f := open(t, b)
	w := safetensors.NewWriter()
	for k, v := range f.Metadata() {
		w.SetMetadata(k, v)
	}
	for _, name := range f.Names() {
		dtype, _, _ := f.Info(name)
		switch dtype {
		case safetensors.F32:
			x, err := safetensors.Read[float32](f, name)
			if err != nil {
				t.Fatal(err)
			}
			safetensors.Add(w, name, x)
		case safetensors.F64:
			x, err := safetensors.Read[float64](f, name)
			if err != nil {
				t.Fatal(err)
			}
			safetensors.Add(w, name, x)
		case safetensors.I64:
			shape, data, err := f.ReadInt64(name)
			if err != nil {
				t.Fatal(err)
			}
			w.AddInt64(name, shape, data)
		default:
			t.Fatalf("tensor %q has dtype %s", name, dtype)
		}
	}
	return write(t, w)
}

func TestResaveIdentical(t *testing.T) {
	w := safetensors.NewWriter()
	w.SetMetadata("format", "pt")
	w.SetMetadata("note", "resave")
	safetensors.Add(w, "conv.weight", tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3))
	w.AddInt64("bn.num_batches_tracked", nil, []int64{1000})
	safetensors.Add(w, "bn.running_mean", tensor.FromSlice([]float64{0.1, 0.2, 0.3}, 3))
	safetensors.Add(w, "empty", tensor.New[float32](0))
	safetensors.Add(w, "a", tensor.Scalar[float32](7)) // sorts before "empty" by name, not by offset
	first := write(t, w)
	second := resave(t, first)
	if !bytes.Equal(first, second) {
		t.Errorf("save→open→save changed the bytes:\nfirst  %q\nsecond %q", first, second)
	}
}

func TestHeaderAlignment(t *testing.T) {
	for n := 1; n <= 16; n++ {
		w := safetensors.NewWriter()
		safetensors.Add(w, strings.Repeat("x", n), tensor.Scalar[float64](1))
		b := write(t, w)
		headerLen := int(b[0]) | int(b[1])<<8
		if headerLen%8 != 0 || (len(b)-8-headerLen) != 8 {
			t.Errorf("name of %d bytes: header length %d, file %d bytes; want a multiple of 8 and 8 data bytes",
				n, headerLen, len(b))
		}
		if trimmed := bytes.TrimRight(b[8:8+headerLen], " "); trimmed[len(trimmed)-1] != '}' || len(b[8:8+headerLen])-len(trimmed) >= 8 {
			t.Errorf("name of %d bytes: header %q is not JSON padded with fewer than 8 spaces", n, b[8:8+headerLen])
		}
	}
}

func TestReadErrors(t *testing.T) {
	w := safetensors.NewWriter()
	safetensors.Add(w, "w32", tensor.New[float32](2))
	safetensors.Add(w, "w64", tensor.New[float64](2))
	w.AddInt64("count", nil, []int64{1})
	f := open(t, write(t, w))
	check := func(what string, err error, want ...string) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error, want one mentioning %q", what, want)
			return
		}
		for _, s := range append(want, "safetensors:") {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not mention %q", what, err, s)
			}
		}
	}
	_, err := safetensors.Read[float32](f, "w64")
	check("Read[float32] of F64", err, `"w64"`, "dtype F64", "want F32")
	_, err = safetensors.Read[float64](f, "w32")
	check("Read[float64] of F32", err, `"w32"`, "dtype F32", "want F64")
	_, err = safetensors.Read[float64](f, "count")
	check("Read[float64] of I64", err, `"count"`, "dtype I64", "want F64")
	_, _, err = f.ReadInt64("w32")
	check("ReadInt64 of F32", err, `"w32"`, "dtype F32", "want I64")
	_, err = safetensors.Read[float32](f, "missing")
	check("Read of a missing name", err, `no tensor "missing"`)
	_, _, err = f.ReadInt64("missing")
	check("ReadInt64 of a missing name", err, `no tensor "missing"`)
	if _, _, ok := f.Info("missing"); ok {
		t.Error(`Info("missing") reports ok`)
	}
}

// failingWriter accepts n bytes, then fails.
type failingWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteToError(t *testing.T) {
	w := safetensors.NewWriter()
	safetensors.Add(w, "first", tensor.New[float32](4))
	safetensors.Add(w, "second", tensor.New[float64](100))
	full := len(write(t, w))
	for _, c := range []struct {
		limit int
		want  string
	}{{4, "header"}, {full - 8, `tensor "second"`}} {
		n, err := w.WriteTo(&failingWriter{n: c.limit})
		if !errors.Is(err, errDiskFull) || !strings.HasPrefix(err.Error(), "safetensors:") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("limit %d: error %v, want a safetensors: error about the %s wrapping %v", c.limit, err, c.want, errDiskFull)
		}
		if n != int64(c.limit) {
			t.Errorf("limit %d: WriteTo reported %d bytes", c.limit, n)
		}
	}
}

// shortWriter drops the last byte of every write and reports no error,
// breaking the io.Writer contract.
type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return max(0, len(p)-1), nil }

func TestWriteToShortWrite(t *testing.T) {
	w := safetensors.NewWriter()
	safetensors.Add(w, "x", tensor.New[float32](4))
	if _, err := w.WriteTo(shortWriter{}); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("error %v, want %v", err, io.ErrShortWrite)
	}
}

func TestWriterPanics(t *testing.T) {
	cases := []struct {
		name string
		add  func(w *safetensors.Writer)
		want string
	}{
		{"empty name", func(w *safetensors.Writer) { safetensors.Add(w, "", tensor.New[float32](1)) }, "name is empty"},
		{"duplicate", func(w *safetensors.Writer) { safetensors.Add(w, "x", tensor.New[float64](1)) }, `"x" added twice`},
		{"duplicate int64", func(w *safetensors.Writer) { w.AddInt64("x", nil, []int64{1}) }, `"x" added twice`},
		{"reserved", func(w *safetensors.Writer) { w.AddInt64("__metadata__", nil, []int64{1}) }, "reserved"},
		{"bad UTF-8 name", func(w *safetensors.Writer) { safetensors.Add(w, "\xff", tensor.New[float32](1)) }, "not valid UTF-8"},
		{"bad UTF-8 metadata", func(w *safetensors.Writer) { w.SetMetadata("k", "\xc3") }, "metadata value"},
		{"shape vs data", func(w *safetensors.Writer) { w.AddInt64("n", []int{2, 2}, []int64{1, 2, 3}) }, "shape [2 2] needs 4 elements, data has 3"},
		{"negative dim", func(w *safetensors.Writer) { w.AddInt64("n", []int{-1}, nil) }, "negative dimension"},
		{"overflow", func(w *safetensors.Writer) { w.AddInt64("n", []int{1 << 40, 1 << 40, 0}, nil) }, "more elements"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := safetensors.NewWriter()
			safetensors.Add(w, "x", tensor.New[float32](1))
			msg, panicked := testutil.PanicMessage(func() { c.add(w) })
			if !panicked || !strings.HasPrefix(msg, "safetensors:") || !strings.Contains(msg, c.want) {
				t.Errorf("panic %q (panicked %t), want a safetensors: panic mentioning %q", msg, panicked, c.want)
			}
		})
	}
}
