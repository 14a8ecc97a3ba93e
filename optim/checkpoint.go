package optim

import (
	"fmt"
	"strings"

	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// Save writes the optimizer's State to path in the safetensors format,
// atomically (see safetensors.Writer.WriteFile). Together with nn.Save of
// the model it is a checkpoint from which training resumes exactly; the
// hyperparameters are not saved, the resuming program passes them again.
func Save[T tensor.Float](path string, o Optimizer[T]) error {
	w := safetensors.NewWriter()
	WriteState(w, "", o)
	return w.WriteFile(path)
}

// Load reads a file written by Save into o with LoadState.
func Load[T tensor.Float](path string, o Optimizer[T]) error {
	f, err := safetensors.OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := ReadState(f, "", o); err != nil {
		return fmt.Errorf("optim: loading %s: %w", path, err)
	}
	return nil
}

// WriteState adds the optimizer's State to w, each entry under prefix
// followed by its name ("0.exp_avg", …).
func WriteState[T tensor.Float](w *safetensors.Writer, prefix string, o Optimizer[T]) {
	for _, e := range o.State() {
		safetensors.Add(w, prefix+e.Name, e.Tensor)
	}
}

// ReadState reads every tensor of f whose name starts with prefix and hands
// them, prefix removed, to o.LoadState, which checks them.
func ReadState[T tensor.Float](f *safetensors.File, prefix string, o Optimizer[T]) error {
	var state []NamedTensor[T]
	for _, name := range f.Names() {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		t, err := safetensors.Read[T](f, name)
		if err != nil {
			return err
		}
		state = append(state, NamedTensor[T]{Name: strings.TrimPrefix(name, prefix), Tensor: t})
	}
	return o.LoadState(state)
}
