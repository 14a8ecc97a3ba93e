package nn

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// Save writes the parameters and buffers of m to path in the safetensors
// format, under their state_dict names, so that PyTorch's
// load_state_dict(strict=True) accepts them for the equivalent module. The
// write is atomic: a temporary file in the same directory, synced, then
// renamed over path. Buffers marked Int (num_batches_tracked) are written as
// I64, as PyTorch stores them.
func Save[T tensor.Float](path string, m Module[T]) error {
	w := safetensors.NewWriter()
	w.SetMetadata("format", "pt")
	WriteState(w, "", m)
	return w.WriteFile(path)
}

// Load reads a checkpoint written by Save (or by PyTorch) into m, strictly:
// every parameter and buffer of m must be in the file with the same shape
// and m's element type, and the file must hold nothing else. On error m may
// have been partly loaded.
func Load[T tensor.Float](path string, m Module[T]) error {
	f, err := safetensors.OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := ReadState(f, "", m); err != nil {
		return fmt.Errorf("nn: loading %s: %w", path, err)
	}
	return nil
}

// WriteState adds the parameters and buffers of m to w, each under prefix
// followed by its state_dict name.
func WriteState[T tensor.Float](w *safetensors.Writer, prefix string, m Module[T]) {
	for _, p := range NamedParams(m) {
		safetensors.Add(w, prefix+p.Name, p.Var.Value())
	}
	for _, b := range NamedBuffers(m) {
		if !b.Int {
			safetensors.Add(w, prefix+b.Name, b.Value)
			continue
		}
		ints := make([]int64, b.Value.Size())
		for i, v := range b.Value.Data() {
			ints[i] = int64(v)
		}
		w.AddInt64(prefix+b.Name, b.Value.Shape(), ints)
	}
}

// ReadState loads the parameters and buffers of m from the tensors of f
// named prefix followed by their state_dict names. Every one must be present
// with m's shape and element type (I64 for Int buffers), and f must hold no
// other tensor under prefix; the error names the first tensor that is
// missing, unexpected or wrong.
func ReadState[T tensor.Float](f *safetensors.File, prefix string, m Module[T]) error {
	want := make(map[string]bool)
	for _, p := range NamedParams(m) {
		want[prefix+p.Name] = true
		if err := readInto(f, prefix+p.Name, p.Var.Value(), false); err != nil {
			return err
		}
	}
	for _, b := range NamedBuffers(m) {
		want[prefix+b.Name] = true
		if err := readInto(f, prefix+b.Name, b.Value, b.Int); err != nil {
			return err
		}
	}
	var extra []string
	for _, name := range f.Names() {
		if strings.HasPrefix(name, prefix) && !want[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("nn: unexpected tensor %q in the checkpoint: the module has no such parameter or buffer", extra[0])
	}
	return nil
}

// readInto copies the tensor name of f into dst after checking its shape.
func readInto[T tensor.Float](f *safetensors.File, name string, dst *tensor.Tensor[T], isInt bool) error {
	dtype, shape, ok := f.Info(name)
	if !ok {
		return fmt.Errorf("nn: tensor %q is missing from the checkpoint", name)
	}
	if !tensor.EqualShapes(shape, dst.Shape()) {
		return fmt.Errorf("nn: tensor %q has shape %v in the checkpoint, the module's is %v", name, shape, dst.Shape())
	}
	if !isInt {
		t, err := safetensors.Read[T](f, name)
		if err != nil {
			return err
		}
		dst.CopyFrom(t)
		return nil
	}
	if dtype != safetensors.I64 {
		return fmt.Errorf("nn: tensor %q has dtype %s in the checkpoint, want I64", name, dtype)
	}
	_, ints, err := f.ReadInt64(name)
	if err != nil {
		return err
	}
	for i, v := range ints {
		if v < 0 || v > 1<<53 || int64(T(v)) != v {
			return fmt.Errorf("nn: tensor %q holds %d, which the module cannot count exactly", name, v)
		}
		dst.Data()[i] = T(v)
	}
	return nil
}
