package safetensors_test

import (
	"bytes"
	"fmt"

	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

func ExampleWriter() {
	// Save a layer's parameters and a counter. WriteFile(path) would write
	// the same bytes to a file, atomically.
	w := safetensors.NewWriter()
	w.SetMetadata("format", "pt")
	safetensors.Add(w, "fc.weight", tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3))
	safetensors.Add(w, "fc.bias", tensor.FromSlice([]float32{0.5, -0.5}, 2))
	w.AddInt64("bn.num_batches_tracked", nil, []int64{100})
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		fmt.Println(err)
		return
	}

	// Load them back. OpenFile(path) opens a file on disk.
	f, err := safetensors.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range f.Names() {
		dtype, shape, _ := f.Info(name)
		fmt.Println(name, dtype, shape)
	}
	weight, err := safetensors.Read[float32](f, "fc.weight")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(weight.Data())
	_, steps, _ := f.ReadInt64("bn.num_batches_tracked")
	fmt.Println(steps, f.Metadata())

	// The dtype must match: no silent conversion.
	_, err = safetensors.Read[float64](f, "fc.weight")
	fmt.Println(err)
	// Output:
	// fc.weight F32 [2 3]
	// fc.bias F32 [2]
	// bn.num_batches_tracked I64 []
	// [1 2 3 4 5 6]
	// [100] map[format:pt]
	// safetensors: tensor "fc.weight" has dtype F32, want F64
}
