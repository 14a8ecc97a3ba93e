package train

import (
	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// blocks returns n 1×4×4 images whose pixels and labels follow a fixed
// pattern, seeded: enough for models that learn nothing.
func blocks(n int, seed uint64) *data.Images {
	ds := &data.Images{Pixels: make([]uint8, n*16), Labels: make([]uint8, n), C: 1, H: 4, W: 4, NumClasses: 2}
	for i := range ds.Pixels {
		ds.Pixels[i] = uint8(i*31 + int(seed)*17)
	}
	for i := range ds.Labels {
		ds.Labels[i] = uint8((i*7 + int(seed)) % 2)
	}
	return ds
}

// fakeModel learns nothing but depends on every batch it sees: its loss is
// a running checksum, so two runs agree only if they see the same batches
// in the same order, unless losses gives the loss of a step (counted from
// 1). Its state is the checksum, and its optimizer state the step count.
type fakeModel struct {
	sum    float64
	steps  int
	losses map[int]float64
	lr     []float64 // the learning rates SetLR was given
}

func (m *fakeModel) TrainStep(x *tensor.Tensor[float32], labels []int) (float64, int) {
	m.steps++
	for i, v := range x.Data() {
		m.sum += float64(v) * float64(i%7+1) * 1e-6
	}
	if l, ok := m.losses[m.steps]; ok {
		return l, 1
	}
	return m.sum, labels[0]
}

func (m *fakeModel) EvalBatch(x *tensor.Tensor[float32], labels []int) (float64, int) {
	return m.sum * float64(len(labels)), len(labels) / 2
}

func (m *fakeModel) WriteState(w *safetensors.Writer) {
	safetensors.Add(w, "sum", tensor.FromSlice([]float64{m.sum}).Reshape())
}

func (m *fakeModel) ReadState(f *safetensors.File) error {
	t, err := safetensors.Read[float64](f, "sum")
	if err == nil {
		m.sum = t.Item()
	}
	return err
}

func (m *fakeModel) WriteOptimizerState(w *safetensors.Writer) {
	safetensors.Add(w, "steps", tensor.FromSlice([]float64{float64(m.steps)}).Reshape())
}

func (m *fakeModel) ReadOptimizerState(f *safetensors.File) error {
	t, err := safetensors.Read[float64](f, "steps")
	if err == nil {
		m.steps = int(t.Item())
	}
	return err
}

// lrModel is a fakeModel with a learning rate.
type lrModel struct{ fakeModel }

func (m *lrModel) SetLR(lr float64) { m.lr = append(m.lr, lr) }
