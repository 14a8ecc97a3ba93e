package distributed

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// onRanks runs f on every rank of a Local group of size ranks, each on its
// own goroutine, and returns their results in rank order.
func onRanks[R any](size int, f func(c Comm) R) []R {
	comms := NewLocal(size)
	out := make([]R, size)
	var wg sync.WaitGroup
	for r, c := range comms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[r] = f(c)
		}()
	}
	wg.Wait()
	return out
}

// TestDDPMatchesOneProcess is the equivalence of data-parallel training:
// 2 ranks with batch b each end with the parameters (and batch norm
// statistics, with SyncBatchNorm) of 1 process with batch 2b on the same
// examples, after steps that cross an epoch, for the MLP (SGD) and the
// ConvNet (Adam, batch norm synchronized); the ranks end identical to the
// bit. Small buckets make several per model, and rank 1's different
// initial weights check the broadcast.
//
// The tolerance is float64's rounding, grown by training: the sums run in
// another order (two halves of the batch added), SyncBatchNorm is composed
// of ops where one process has the fused batch norm, and the biases of the
// convolutions before batch norm have gradients that are zero but for
// rounding, which Adam divides by their own small size.
func TestDDPMatchesOneProcess(t *testing.T) {
	for _, c := range []struct {
		kind string
		tol  float64
	}{{"mlp", 1e-12}, {"convnet", 1e-8}} {
		kind := c.kind
		t.Run(kind, func(t *testing.T) {
			want := eqRun(t, kind, nil, 2, DDPOptions{})
			changed(t, kind, want)
			got := onRanks(2, func(c Comm) eqState {
				return eqRun(t, kind, c, 2, DDPOptions{BucketBytes: 256, SyncBatchNorm: true})
			})
			compareStates(t, kind+" rank 1 vs rank 0", got[1], got[0], 0)
			d := compareStates(t, kind+" 2 ranks × batch 4 vs 1 × batch 8", got[0], want, c.tol)
			t.Logf("%s: largest relative difference %.3g", kind, d)
		})
	}
}

// TestDDPWithoutSyncBatchNorm states the default's behaviour: each rank
// normalizes with its own batch's statistics, so the running statistics
// differ between ranks and the weights differ from one process's, though
// the weights stay equal across ranks (their gradients are averaged).
func TestDDPWithoutSyncBatchNorm(t *testing.T) {
	want := eqRun(t, "convnet", nil, 2, DDPOptions{})
	got := onRanks(2, func(c Comm) eqState { return eqRun(t, "convnet", c, 2, DDPOptions{BucketBytes: 256}) })
	if slices.Equal(got[0]["1.running_mean"], got[1]["1.running_mean"]) {
		t.Errorf("per-process batch norm: both ranks have running mean %v", got[0]["1.running_mean"])
	}
	if slices.Equal(got[0]["0.weight"], want["0.weight"]) {
		t.Errorf("per-process batch norm: the weights are one process's")
	}
	for name := range want {
		if strings.HasPrefix(name, "1.running") || strings.HasPrefix(name, "5.running") || strings.HasSuffix(name, "num_batches_tracked") {
			continue
		}
		if !slices.Equal(got[0][name], got[1][name]) {
			t.Errorf("%s differs between the ranks", name)
		}
	}
}

// TestDDPBuckets checks the bucketing: parameters in reverse order, a new
// bucket when the cap would be passed, a parameter over the cap alone.
func TestDDPBuckets(t *testing.T) {
	// The MLP 16→8→3: 0.weight 128, 0.bias 8, 2.weight 24, 2.bias 3 values.
	for _, c := range []struct {
		bytes int
		want  [][]int
	}{
		{0, [][]int{{3, 2, 1, 0}}},
		{8 * 35, [][]int{{3, 2, 1}, {0}}}, // 35 values fit: 3+24+8
		{8 * 27, [][]int{{3, 2}, {1}, {0}}},
		{8, [][]int{{3}, {2}, {1}, {0}}},
	} {
		m, _, _ := eqModel(t, "mlp", 1)
		d, err := NewDDP(NewLocal(1)[0], m, DDPOptions{BucketBytes: c.bytes})
		if err != nil {
			t.Fatal(err)
		}
		var got [][]int
		for _, b := range d.buckets {
			got = append(got, b.params)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) || d.Buckets() != len(c.want) {
			t.Errorf("BucketBytes %d: buckets %v, want %v", c.bytes, got, c.want)
		}
		d.Close()
	}
	m, _, _ := eqModel(t, "mlp", 1)
	testutil.MustPanic(t, func() { NewDDP(NewLocal(1)[0], m, DDPOptions{BucketBytes: -1}) }, "distributed: NewDDP: bucket size -1 bytes: want at least 1")
}

// TestDDPUnusedAndAccumulated checks Sync's two edges: a parameter one
// rank's pass did not reach counts as zero there (the others' gradients
// are still averaged, and no rank hangs), and a gradient accumulated
// before the pass is kept, the average added to it.
func TestDDPUnusedAndAccumulated(t *testing.T) {
	grads := onRanks(2, func(c Comm) [][]float64 {
		a := autograd.NewParam(tensor.FromSlice([]float64{1, 2}, 2))
		b := autograd.NewParam(tensor.FromSlice([]float64{3}, 1))
		m := &params{a, b}
		d, err := NewDDP(c, nn.Module[float64](m), DDPOptions{BucketBytes: 8})
		if err != nil {
			t.Error(err)
			return nil
		}
		defer d.Close()
		a.SetGrad(tensor.FromSlice([]float64{100, 100}, 2)) // accumulated earlier
		tape := autograd.NewTape[float64]()
		// Rank 0: L = Σ a·(1, 1)·(r+1) + b; rank 1 leaves b out.
		loss := functional.Sum(functional.Mul(tape.Input(tensor.Full(float64(c.Rank()+1), 2)), a))
		if c.Rank() == 0 {
			loss = functional.Add(loss, functional.Sum(b))
		}
		tape.Backward(loss)
		if err := d.Sync(); err != nil {
			t.Error(err)
		}
		return [][]float64{a.Grad().Data(), b.Grad().Data()}
	})
	want := [][]float64{{101.5, 101.5}, {0.5}}
	for r, g := range grads {
		if fmt.Sprint(g) != fmt.Sprint(want) {
			t.Errorf("rank %d: gradients %v, want %v", r, g, want)
		}
	}
}

// TestDDPSyncError checks that a failing collective is Sync's error, and
// NewDDP's when the broadcast fails.
func TestDDPSyncError(t *testing.T) {
	m, _, _ := eqModel(t, "mlp", 1)
	if _, err := NewDDP(failing{Comm: NewLocal(1)[0]}, nn.Module[float64](m), DDPOptions{}); err == nil ||
		err.Error() != "distributed: broadcasting parameter 0.weight: peer lost" {
		t.Errorf("NewDDP over a failing broadcast: %v", err)
	}
	// The all-reduce fails when started, or when waited for.
	for _, late := range []bool{false, true} {
		d, err := NewDDP(failing{Comm: NewLocal(1)[0], reduceOnly: true, late: late}, nn.Module[float64](m), DDPOptions{BucketBytes: 256})
		if err != nil {
			t.Fatal(err)
		}
		tape := autograd.NewTape[float64]()
		tape.Backward(functional.Sum(m.Forward(tape.Input(tensor.RandN[float64](rand.New(rand.NewPCG(1, 1)), 2, 16)))))
		if err := d.Sync(); err == nil || err.Error() != "peer lost" {
			t.Errorf("Sync over a failing all-reduce (late %v): %v", late, err)
		}
		for _, p := range nn.Params(m) {
			if g := p.Grad(); g == nil || slices.ContainsFunc(g.Data(), func(v float64) bool { return v != 0 }) {
				t.Errorf("late %v: after a failed Sync, a gradient is %v, want zeros (the hooks' hand-back)", late, g)
				break
			}
		}
		d.Close()
	}
}

// failing is a Comm whose collectives fail (only its all-reduces, with
// reduceOnly); with late, a non-blocking all-reduce starts and fails when
// tested or waited for.
type failing struct {
	Comm
	reduceOnly, late bool
}

func (f failing) AllReduceFloat64([]float64) error { return errors.New("peer lost") }
func (f failing) IAllReduceFloat64([]float64) (Request, error) {
	if f.late {
		return failedRequest{}, nil
	}
	return nil, errors.New("peer lost")
}
func (f failing) BroadcastFloat64(b []float64, root int) error {
	if f.reduceOnly {
		return f.Comm.BroadcastFloat64(b, root)
	}
	return errors.New("peer lost")
}

// failedRequest is a collective that never completes but fails when
// waited for.
type failedRequest struct{}

func (failedRequest) Test() (bool, error) { return false, nil }
func (failedRequest) Wait() error         { return errors.New("peer lost") }

// params is a module of bare parameters "0", "1", ….
type params []*autograd.Var[float64]

func (p *params) Forward(x *autograd.Var[float64]) *autograd.Var[float64] { return x }
func (p *params) State() nn.State[float64] {
	var s nn.State[float64]
	for i, v := range *p {
		s.Params = append(s.Params, nn.Param[float64]{Name: fmt.Sprint(i), Var: v})
	}
	return s
}

// TestDDPTwoPassesBeforeSync: a second backward pass reaching a parameter
// before Sync panics, naming it, as PyTorch's DDP raises: its bucket may
// already be on its way.
func TestDDPTwoPassesBeforeSync(t *testing.T) {
	a := autograd.NewParam(tensor.FromSlice([]float64{1, 2}, 2))
	d, err := NewDDP(NewLocal(1)[0], nn.Module[float64](&params{a}), DDPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tape := autograd.NewTape[float64]()
	loss := functional.Sum(functional.Mul(tape.Input(tensor.Full(3.0, 2)), a))
	tape.Backward(loss)
	testutil.MustPanic(t, func() { tape.Backward(loss) },
		"distributed: DDP: parameter 0 has a second gradient before Sync: call Sync after every backward pass")
	d.Sync()
	tape.Backward(loss) // after Sync, a new pass
	if err := d.Sync(); err != nil || !slices.Equal(a.Grad().Data(), []float64{6, 6}) {
		t.Errorf("after two synced passes: %v, gradient %v, want [6 6]", err, a.Grad())
	}
}
