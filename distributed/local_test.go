package distributed

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// TestLocal checks Local's collectives on 3 ranks: sums in both types, a
// broadcast from rank 2, a barrier, a bad root, and buffers of different
// lengths as an error on every rank.
func TestLocal(t *testing.T) {
	got := onRanks(3, func(c Comm) string {
		r := c.Rank()
		a := []float32{float32(r), 1}
		b := []float64{float64(r * r)}
		e1 := AllReduceSum(c, a)
		e2 := AllReduceSum(c, b)
		d := []float64{float64(r), float64(10 * r)}
		e3 := Broadcast(c, d, 2)
		e4 := c.Barrier()
		e5 := c.BroadcastFloat32(a, 3)
		e6 := c.AllReduceFloat64(make([]float64, r+1))
		return fmt.Sprint(c.Size(), a, b, d, e1, e2, e3, e4, e5, e6)
	})
	for r, g := range got {
		want := fmt.Sprint(3, []float32{3, 3}, []float64{5}, []float64{2, 20}, nil, nil, nil, nil,
			errors.New("distributed: broadcast root 3: want a rank in [0, 3)"),
			errors.New("distributed: Local: AllReduce called with 1 elements on rank 0 and 2 on rank 1"))
		if g != want {
			t.Errorf("rank %d: %s\nwant %s", r, g, want)
		}
	}
	testutil.MustPanic(t, func() { NewLocal(0) }, "distributed: NewLocal(0): want at least 1 rank")
}

// TestLocalNonBlocking checks Local's non-blocking all-reduce: started on
// both ranks, it completes with the last rank's start, whatever the
// blocking collectives between start and Wait; the n-th collective of a
// rank meets the n-th of the others; and collectives called in different
// orders are an error on every rank, naming both.
func TestLocalNonBlocking(t *testing.T) {
	got := onRanks(2, func(c Comm) string {
		r := c.Rank()
		a := []float64{float64(r + 1), 10}
		req, err := c.IAllReduceFloat64(a)
		if err != nil {
			return err.Error()
		}
		b := []float32{float32(r)}
		e1 := c.AllReduceFloat32(b) // both ranks have started a's: it is complete
		done, e2 := req.Test()
		e3 := req.Wait()
		req32, e4 := IAllReduceSum(c, []float32{})
		done32, _ := req32.Test()
		var e5 error
		if r == 0 {
			e5 = c.AllReduceFloat64([]float64{1})
		} else {
			e5 = c.BroadcastFloat64([]float64{1}, 0)
		}
		return fmt.Sprint(a, b, done, done32, e1, e2, e3, e4, e5)
	})
	for r, g := range got {
		want := fmt.Sprint([]float64{3, 20}, []float32{1}, true, true, nil, nil, nil, nil,
			errors.New("distributed: Local: collective 2 is AllReduce of []float64 on rank 0 but Broadcast of []float64 on rank 1: the ranks call collectives in different orders"))
		if g != want {
			t.Errorf("rank %d: %s\nwant %s", r, g, want)
		}
	}
}
