package autograd_test

import (
	"bytes"
	"errors"
	"math"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Detach cuts exactly the detached path: with y = x², z = detach(y) and
// L = Σ z⊙x + Σ y, dL/dx = z + 2x — the z⊙x term contributes z through x,
// and nothing through z.
func TestDetachBlocksExactlyTheDetachedPath(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec(1, -2, 3))
	y := mul(x, x)
	z := y.Detach()
	if z.RequiresGrad() || !z.IsLeaf() || z.Tape() != tape || z.Value() != y.Value() {
		t.Fatalf("detached: requiresGrad %t, leaf %t, same tape %t, same value %t", z.RequiresGrad(), z.IsLeaf(), z.Tape() == tape, z.Value() == y.Value())
	}
	tape.Backward(add(sum(mul(z, x)), sum(y)))
	if diff := cmp.Diff([]float64{1 + 2, 4 - 4, 9 + 6}, grad(t, x)); diff != "" {
		t.Errorf("gradient (-want +got):\n%s", diff)
	}
}

func anomaly(t *testing.T, err error) *autograd.AnomalyError {
	t.Helper()
	var a *autograd.AnomalyError
	if !errors.As(err, &a) {
		t.Fatalf("Err() = %v, want an *AnomalyError", err)
	}
	return a
}

func TestAnomalyLogOfZeroInForward(t *testing.T) {
	tape := autograd.NewTape[float64]()
	tape.SetDetectAnomaly(true)
	x := tape.Param(vec(1, 0, 2))
	h := functional.Exp(x)         // node 0, finite
	y := functional.Log(mul(x, h)) // node 1 mul, node 2 log(0) = −Inf
	loss := functional.Sum(y)
	a := anomaly(t, tape.Err())
	want := autograd.AnomalyError{Op: "Log", Node: 2, Phase: "forward", Input: -1, InputShapes: [][]int{{3}}}
	if diff := cmp.Diff(want, *a); diff != "" {
		t.Errorf("anomaly (-want +got):\n%s", diff)
	}
	if !strings.Contains(a.Error(), "anomaly in forward: op Log (node 2, inputs [3])") {
		t.Errorf("message %q", a.Error())
	}
	if tape.Len() != 3 || loss.RequiresGrad() {
		t.Errorf("after the anomaly: Len %d (want 3), loss requires grad %t (want false)", tape.Len(), loss.RequiresGrad())
	}
	tape.Reset()
	if tape.Err() != nil {
		t.Error("Reset kept the error")
	}
}

func TestAnomalyZeroOverZeroInBackward(t *testing.T) {
	tape := autograd.NewTape[float64]()
	tape.SetDetectAnomaly(true)
	x := tape.Param(vec(0, 4))
	w := autograd.NewParam(vec(5, 6))
	y := functional.Sqrt(x)                                                                    // √0 = 0 is finite
	loss := functional.Sum(functional.Mul(y, functional.Mul(w, autograd.NewConst(vec(0, 1))))) // dy = (0, 6)
	if tape.Err() != nil {
		t.Fatalf("forward reported %v", tape.Err())
	}
	tape.Backward(loss) // Sqrt's backward: 0/(2·0) = NaN
	a := anomaly(t, tape.Err())
	want := autograd.AnomalyError{Op: "Sqrt", Node: 0, Phase: "backward", Input: 0, InputShapes: [][]int{{2}}}
	if diff := cmp.Diff(want, *a); diff != "" {
		t.Errorf("anomaly (-want +got):\n%s", diff)
	}
	if x.Grad() != nil || w.Grad() != nil {
		t.Error("a pass stopped by an anomaly changed leaf gradients")
	}
}

func TestAnomalyOffComputesNaN(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec(0, 4))
	tape.Backward(functional.Sum(functional.Sqrt(x)))
	if tape.Err() != nil || !math.IsInf(grad(t, x)[0], 1) {
		t.Errorf("without detection: Err %v, dx %v (want nil and a +Inf first element)", tape.Err(), grad(t, x))
	}
}

func TestHookSeesTheWholeGradientAndItsReplacementPropagates(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec(1, 2))
	h := mul(x, vec2const(3, 4)) // h = (3, 8)
	var seenH, seenX []float64
	h.RegisterHook(func(g *tensor.Tensor[float64]) *tensor.Tensor[float64] {
		seenH = append([]float64(nil), g.Data()...)
		return tensor.Scale(g, 10) // the replacement flows on to x
	})
	x.RegisterHook(func(g *tensor.Tensor[float64]) *tensor.Tensor[float64] {
		seenX = append([]float64(nil), g.Data()...)
		return nil // inspect only
	})
	// L = Σ h⊙h + Σ x: h is used twice, x twice.
	tape.Backward(add(sum(mul(h, h)), sum(x)))
	if diff := cmp.Diff([]float64{6, 16}, seenH); diff != "" { // 2h, both uses summed
		t.Errorf("hook on h saw (-want +got):\n%s", diff)
	}
	// dL/dx = 10·2h⊙(3, 4) + 1 = (181, 641): the leaf hook sees the pass's total once.
	if diff := cmp.Diff([]float64{181, 641}, seenX); diff != "" {
		t.Errorf("hook on x saw (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{181, 641}, grad(t, x)); diff != "" {
		t.Errorf("dx (-want +got):\n%s", diff)
	}
}

func TestLeafHookClips(t *testing.T) {
	w := autograd.NewParam(vec(1, 1))
	w.RegisterHook(func(g *tensor.Tensor[float64]) *tensor.Tensor[float64] {
		return tensor.Map(g, func(v float64) float64 { return min(max(v, -1), 1) })
	})
	tape := autograd.NewTape[float64]()
	tape.Backward(sum(mul(w, tape.Input(vec(5, -0.5)))))
	tape.Backward(sum(mul(w, tape.Input(vec(5, -0.5)))))
	if diff := cmp.Diff([]float64{2, -1}, grad(t, w)); diff != "" {
		t.Errorf("clipped gradient after two passes (-want +got):\n%s", diff)
	}
}

func vec2const(v ...float64) *autograd.Var[float64] { return autograd.NewConst(vec(v...)) }

// smallMLP records a two-layer MLP with its loss on a fresh tape.
func smallMLP() (*autograd.Tape[float64], []*autograd.Var[float64]) {
	rng := newRand(5)
	ps := []*autograd.Var[float64]{
		autograd.NewParam(tensor.RandN[float64](rng, 4, 3)), autograd.NewParam(tensor.RandN[float64](rng, 4)),
		autograd.NewParam(tensor.RandN[float64](rng, 2, 4)), autograd.NewParam(tensor.RandN[float64](rng, 2)),
	}
	tape := autograd.NewTape[float64]()
	x := tape.Input(tensor.RandN[float64](rng, 5, 3))
	h := functional.ReLU(functional.Linear(x, ps[0], ps[1]))
	tape.Backward(functional.CrossEntropy(functional.Linear(h, ps[2], ps[3]), []int{0, 1, 1, 0, 1}))
	return tape, ps
}

func TestWriteListing(t *testing.T) {
	tape, _ := smallMLP()
	var b bytes.Buffer
	if err := tape.WriteListing(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != tape.Len() {
		t.Fatalf("%d lines for %d nodes:\n%s", len(lines), tape.Len(), b.String())
	}
	for i, want := range map[int]string{0: "MatMul", 2: "ReLU"} {
		if !strings.HasPrefix(lines[i], "n"+string(rune('0'+i))) || !strings.Contains(lines[i], want) {
			t.Errorf("line %d = %q, want node %d %s", i, lines[i], i, want)
		}
	}
	if !strings.Contains(lines[0], "input[5 3], param[4 3]") || !strings.Contains(lines[2], "← n1[5 4]") {
		t.Errorf("inputs not described:\n%s", b.String())
	}
}

func TestWriteDOTParsesWithDot(t *testing.T) {
	tape, _ := smallMLP()
	var b bytes.Buffer
	if err := tape.WriteDOT(&b); err != nil {
		t.Fatal(err)
	}
	nodes := regexp.MustCompile(`(?m)^  n\d+ \[`).FindAllString(b.String(), -1)
	if len(nodes) != tape.Len() {
		t.Errorf("%d op nodes in the graph, tape has %d", len(nodes), tape.Len())
	}
	if got := strings.Count(b.String(), "(grad)"); got != 4 {
		t.Errorf("%d leaves marked as requiring a gradient, want the 4 parameters", got)
	}
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("graphviz's dot is not installed")
	}
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = &b
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("<svg")) {
		t.Fatalf("dot failed: %v\n%s", err, out)
	}
}

// Two goroutines, each with its own tape, run forward and backward over the
// same parameters at once; accumulation into the shared gradients is
// synchronized, so every contribution arrives (run with -race).
func TestConcurrentTapesShareParameters(t *testing.T) {
	rng := newRand(6)
	w := autograd.NewParam(tensor.RandN[float64](rng, 3, 4))
	b := autograd.NewParam(tensor.RandN[float64](rng, 3))
	x := tensor.RandN[float64](rng, 8, 4)
	const steps = 50
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tape := autograd.NewTape[float64]()
			for range steps {
				tape.Reset()
				tape.Backward(functional.Sum(functional.Tanh(functional.Linear(tape.Input(x), w, b))))
			}
		}()
	}
	wg.Wait()
	concurrent := []*tensor.Tensor[float64]{w.Grad().Clone(), b.Grad().Clone()}

	w.ZeroGrad()
	b.ZeroGrad()
	tape := autograd.NewTape[float64]()
	tape.Backward(functional.Sum(functional.Tanh(functional.Linear(tape.Input(x), w, b))))
	for i, p := range []*autograd.Var[float64]{w, b} {
		want := tensor.Scale(p.Grad(), 2*steps)
		if diff := cmp.Diff(want.Data(), concurrent[i].Data(), cmpopts.EquateApprox(1e-12, 0)); diff != "" {
			t.Errorf("parameter %d: concurrent gradient is not 2·%d single ones (-want +got):\n%s", i, steps, diff)
		}
	}
}
