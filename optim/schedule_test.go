package optim_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/optim"
)

func checkSchedule(t *testing.T, name string, s optim.Schedule, want []float64) {
	t.Helper()
	for step, w := range want {
		if got := s(step); math.Abs(got-w) > 1e-15 {
			t.Errorf("%s(%d) = %.17g, want %.17g", name, step, got, w)
		}
	}
}

func TestStepLR(t *testing.T) {
	// 0.8 halved every 3 steps: exact in binary.
	checkSchedule(t, "StepLR", optim.StepLR(0.8, 3, 0.5),
		[]float64{0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1})
	if got := optim.StepLR(1, 1, 0.5)(60); got != math.Ldexp(1, -60) {
		t.Errorf("StepLR(1, 1, 0.5)(60) = %g, want 2⁻⁶⁰", got)
	}
}

func TestCosineAnnealingLR(t *testing.T) {
	// base 1.1, etaMin 0.1, tMax 4: 0.1 + (1 + cos(πt/4))/2.
	c := (1 + math.Sqrt2/2) / 2 // (1 + cos(π/4))/2
	checkSchedule(t, "CosineAnnealingLR", optim.CosineAnnealingLR(1.1, 4, 0.1),
		[]float64{1.1, 0.1 + c, 0.6, 0.1 + (1 - c), 0.1, 0.1 + (1 - c), 0.6, 0.1 + c, 1.1})
}

// TestLinearWarmup ramps from 0.25·then(0) to then(0) over 4 steps, then
// follows then from its step 0.
func TestLinearWarmup(t *testing.T) {
	then := optim.Schedule(func(t int) float64 { return 1 - 0.125*float64(t) })
	checkSchedule(t, "LinearWarmup", optim.LinearWarmup(4, 0.25, then),
		[]float64{0.25, 0.4375, 0.625, 0.8125, 1, 0.875, 0.75})
	// startFactor 1: no warm-up, only the shift.
	checkSchedule(t, "LinearWarmup", optim.LinearWarmup(2, 1, then), []float64{1, 1, 1, 0.875})
}

func TestSchedulePanics(t *testing.T) {
	testutil.MustPanic(t, func() { optim.StepLR(0.1, 0, 0.1) }, "optim: StepLR", "stepSize 0")
	testutil.MustPanic(t, func() { optim.CosineAnnealingLR(0.1, -3, 0) }, "optim: CosineAnnealingLR", "tMax -3")
	testutil.MustPanic(t, func() { optim.LinearWarmup(0, 0.1, optim.StepLR(1, 1, 1)) },
		"optim: LinearWarmup", "warmup 0")
	testutil.MustPanic(t, func() { optim.LinearWarmup(5, 0, optim.StepLR(1, 1, 1)) }, "startFactor 0")
	testutil.MustPanic(t, func() { optim.LinearWarmup(5, 1.5, optim.StepLR(1, 1, 1)) }, "startFactor 1.5")
	testutil.MustPanic(t, func() { optim.StepLR(0.1, 2, 0.1)(-1) }, "optim: StepLR", "negative step -1")
	testutil.MustPanic(t, func() { optim.CosineAnnealingLR(0.1, 2, 0)(-2) }, "negative step -2")
}
