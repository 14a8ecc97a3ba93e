package safetensors_test

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// goldenFile is a small safetensors file built byte by byte: metadata
// {"k": "v"}, an F32 vector a = [1, -2] and an I64 scalar n = 7.
func goldenFile() []byte {
	var b []byte
	b = append(b, 0x88, 0, 0, 0, 0, 0, 0, 0) // header length 136 = 132 bytes of JSON + 4 spaces
	b = append(b, `{"__metadata__":{"k":"v"},`...)
	b = append(b, `"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},`...)
	b = append(b, `"n":{"dtype":"I64","shape":[],"data_offsets":[8,16]}}`...)
	b = append(b, "    "...)
	b = append(b, 0x00, 0x00, 0x80, 0x3f) // float32 1.0  = 0x3f800000
	b = append(b, 0x00, 0x00, 0x00, 0xc0) // float32 -2.0 = 0xc0000000
	b = append(b, 7, 0, 0, 0, 0, 0, 0, 0) // int64 7
	return b
}

func TestGoldenWrite(t *testing.T) {
	w := safetensors.NewWriter()
	w.SetMetadata("k", "v")
	safetensors.Add(w, "a", tensor.FromSlice([]float32{1, -2}, 2))
	w.AddInt64("n", []int{}, []int64{7})
	var buf bytes.Buffer
	n, err := w.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := goldenFile()
	if n != int64(len(want)) {
		t.Errorf("WriteTo returned %d bytes, want %d", n, len(want))
	}
	if diff := cmp.Diff(want, buf.Bytes()); diff != "" {
		t.Errorf("written bytes differ from the golden file (-want +got):\n%s\ngot %q", diff, buf.Bytes())
	}
}

func TestGoldenRead(t *testing.T) {
	b := goldenFile()
	f, err := safetensors.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "n"}, f.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"k": "v"}, f.Metadata()); diff != "" {
		t.Errorf("Metadata (-want +got):\n%s", diff)
	}
	a, err := safetensors.Read[float32](f, "a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{2}, a.Shape()); diff != "" {
		t.Errorf("shape of a (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float32{1, -2}, a.Data()); diff != "" {
		t.Errorf("a (-want +got):\n%s", diff)
	}
	shape, data, err := f.ReadInt64("n")
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 0 || len(data) != 1 || data[0] != 7 {
		t.Errorf("n = shape %v data %v, want shape [] data [7]", shape, data)
	}
}

// The reference implementation's own serialization test: one F32 tensor of
// shape (1, 2, 3) whose 64-byte header needs no padding, and the file of no
// tensors, "{}" padded with six spaces.
func TestGoldenReference(t *testing.T) {
	var want []byte
	want = append(want, 64, 0, 0, 0, 0, 0, 0, 0)
	want = append(want, `{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`...)
	want = append(want,
		0, 0, 0, 0, // 0
		0, 0, 128, 63, // 1
		0, 0, 0, 64, // 2
		0, 0, 64, 64, // 3
		0, 0, 128, 64, // 4
		0, 0, 160, 64) // 5
	w := safetensors.NewWriter()
	safetensors.Add(w, "attn.0", tensor.FromSlice([]float32{0, 1, 2, 3, 4, 5}, 1, 2, 3))
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("got  %q\nwant %q", buf.Bytes(), want)
	}

	empty := []byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '}
	buf.Reset()
	if _, err := safetensors.NewWriter().WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), empty) {
		t.Errorf("empty file: got %q, want %q", buf.Bytes(), empty)
	}
	f, err := safetensors.Open(bytes.NewReader(empty), int64(len(empty)))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Names()) != 0 || len(f.Metadata()) != 0 {
		t.Errorf("empty file: Names %v, Metadata %v; want none", f.Names(), f.Metadata())
	}
}
