package distributed

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// recording is a Comm that logs every all-reduce a rank starts, blocking
// ("allreduce n") or not ("start n"), n the buffer's length, into log.
type recording struct {
	Comm
	log *[]string
}

func (c recording) AllReduceFloat64(b []float64) error {
	*c.log = append(*c.log, fmt.Sprint("allreduce ", len(b)))
	return c.Comm.AllReduceFloat64(b)
}

func (c recording) IAllReduceFloat64(b []float64) (Request, error) {
	*c.log = append(*c.log, fmt.Sprint("start ", len(b)))
	return c.Comm.IAllReduceFloat64(b)
}

// markerOp is the identity, whose Backward logs "marker backward".
type markerOp struct{ log *[]string }

func (markerOp) Name() string { return "marker" }
func (markerOp) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	return in[0].Clone()
}
func (op markerOp) Backward(dy *tensor.Tensor[float64], needs []bool) []*tensor.Tensor[float64] {
	*op.log = append(*op.log, "marker backward")
	return []*tensor.Tensor[float64]{dy}
}
func (markerOp) Saved() []*tensor.Tensor[float64] { return nil }

// TestDDPOverlap checks that a bucket's all-reduce starts during the
// backward pass, as soon as its parameters' gradients are complete: with
// L = Σ b ⊙ marker(a ⊙ x) and a bucket per parameter, b's bucket (of 2
// values) starts before the marker's backward runs and a's (of 3 values)
// after it, on both ranks; Sync then averages both.
func TestDDPOverlap(t *testing.T) {
	got := onRanks(2, func(c Comm) string {
		var log []string
		a := autograd.NewParam(tensor.FromSlice([]float64{1, 2, 3}, 3))
		b := autograd.NewParam(tensor.FromSlice([]float64{4, 5, 6}, 3))
		d, err := NewDDP(recording{c, &log}, nn.Module[float64](&params{a, b}), DDPOptions{BucketBytes: 24})
		if err != nil {
			return err.Error()
		}
		log = log[:0] // NewDDP's broadcasts
		tape := autograd.NewTape[float64]()
		x := tape.Input(tensor.Full(float64(c.Rank()+1), 3))
		loss := functional.Sum(functional.Mul(b, autograd.Apply[float64](markerOp{&log}, functional.Mul(a, x))))
		tape.Backward(loss)
		log = append(log, "backward returned")
		if err := d.Sync(); err != nil {
			return err.Error()
		}
		return fmt.Sprint(strings.Join(log, ", "), "; ", a.Grad().Data(), b.Grad().Data())
	})
	// ∂L/∂a = b ⊙ x, ∂L/∂b = a ⊙ x, x = 1 on rank 0 and 2 on rank 1: averages 1.5 b and 1.5 a.
	want := "start 3, marker backward, start 3, backward returned; [6 7.5 9] [1.5 3 4.5]"
	for r, g := range got {
		if g != want {
			t.Errorf("rank %d: %s\nwant %s", r, g, want)
		}
	}
}

// TestDDPOverlapSyncBatchNorm checks the order of the collectives of a
// training step of the ConvNet with SyncBatchNorm and small buckets: the
// same on both ranks, with buckets started between SyncBatchNorm's
// all-reduces of the backward pass (so they overlap it), and every bucket
// started before Sync.
func TestDDPOverlapSyncBatchNorm(t *testing.T) {
	logs := onRanks(2, func(c Comm) []string {
		var log []string
		m, _, _ := eqModel(t, "convnet", 1)
		d, err := NewDDP(recording{c, &log}, m, DDPOptions{BucketBytes: 256, SyncBatchNorm: true})
		if err != nil {
			t.Error(err)
			return nil
		}
		x := tensor.FromSlice(make([]float64, 4*16), 4, 1, 4, 4)
		for i := range x.Data() {
			x.Data()[i] = float64((i*7+c.Rank()*3)%11) / 11
		}
		tape := autograd.NewTape[float64]()
		log = log[:0]
		tape.Backward(functional.Sum(m.Forward(tape.Input(x))))
		log = append(log, "backward returned")
		if err := d.Sync(); err != nil {
			t.Error(err)
		}
		return log
	})
	if !slices.Equal(logs[0], logs[1]) {
		t.Errorf("the ranks' collectives differ:\n%v\n%v", logs[0], logs[1])
	}
	// Forward: SyncBatchNorm 1's sums (C+1 = 5) and squares (4), then 2's
	// (7, 6). The buckets of 32 values, from the last parameter: the
	// linear layer and batch norm 2's bias (27), batch norm 2's weight and
	// convolution 2's bias (12), convolution 2's weight (216), batch norm
	// 1's parameters and convolution 1's bias (12), convolution 1's weight
	// (36). Backward: the first bucket, batch norm 2's all-reduce of 2C =
	// 12 values, the next two buckets, batch norm 1's all-reduce (8), the
	// last buckets — all before Backward returns.
	want := []string{"allreduce 5", "allreduce 4", "allreduce 7", "allreduce 6",
		"start 27", "allreduce 12", "start 12", "start 216", "allreduce 8", "start 12", "start 36",
		"backward returned"}
	if !slices.Equal(logs[0], want) {
		t.Errorf("collectives:\n%v\nwant\n%v", logs[0], want)
	}
}
