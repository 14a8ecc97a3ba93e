package optim

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate of a step (or epoch) t = 0, 1, 2, …: a
// closed form of the sequence torch.optim.lr_scheduler produces, with
// sched(t) the rate PyTorch's optimizer uses after t calls of
// scheduler.step(). A training loop sets it before each step:
//
//	sched := optim.CosineAnnealingLR(0.1, epochs, 0)
//	for epoch := range epochs {
//		opt.SetLR(sched(epoch))
//		… // forward, backward, opt.Step(), opt.ZeroGrad() for every batch
//	}
//
// A Schedule is a plain function: it keeps no state, so resuming at step t
// only needs t. Schedules panic on a negative step.
type Schedule func(t int) float64

// StepLR decays the rate by gamma every stepSize steps, as PyTorch's StepLR:
//
//	lr(t) = base · gamma^⌊t/stepSize⌋
//
// The power is taken by repeated multiplication, the way PyTorch's chained
// updates round. It panics if stepSize is not positive.
func StepLR(base float64, stepSize int, gamma float64) Schedule {
	if stepSize <= 0 {
		panic(fmt.Sprintf(errStepSize, stepSize))
	}
	return func(t int) float64 {
		checkStep("StepLR", t)
		lr := base
		for range t / stepSize {
			lr *= gamma
		}
		return lr
	}
}

// CosineAnnealingLR anneals the rate from base down to etaMin along half a
// cosine over tMax steps, as PyTorch's CosineAnnealingLR (without restarts):
//
//	lr(t) = etaMin + (base − etaMin)·(1 + cos(π·t/tMax))/2
//
// Past tMax it rises again, periodically, as PyTorch's does. It panics if
// tMax is not positive.
func CosineAnnealingLR(base float64, tMax int, etaMin float64) Schedule {
	if tMax <= 0 {
		panic(fmt.Sprintf(errTMax, tMax))
	}
	return func(t int) float64 {
		checkStep("CosineAnnealingLR", t)
		return etaMin + (base-etaMin)*(1+math.Cos(math.Pi*float64(t)/float64(tMax)))/2
	}
}

// LinearWarmup ramps the rate linearly from startFactor·then(0) to then(0)
// over the first warmup steps and follows then afterwards, shifted so that
// then starts at step warmup, as PyTorch's SequentialLR of a LinearLR
// (start_factor, total_iters = warmup) and then, with milestone warmup:
//
//	lr(t) = then(0)·(startFactor + (1 − startFactor)·t/warmup)   t < warmup
//	lr(t) = then(t − warmup)                                    t ≥ warmup
//
// It panics if warmup is not positive or startFactor is not in (0, 1].
func LinearWarmup(warmup int, startFactor float64, then Schedule) Schedule {
	if warmup <= 0 {
		panic(fmt.Sprintf(errWarmup, warmup))
	}
	if !(startFactor > 0 && startFactor <= 1) {
		panic(fmt.Sprintf(errStartFactor, startFactor))
	}
	return func(t int) float64 {
		checkStep("LinearWarmup", t)
		if t >= warmup {
			return then(t - warmup)
		}
		return then(0) * (startFactor + (1-startFactor)*float64(t)/float64(warmup))
	}
}

func checkStep(who string, t int) {
	if t < 0 {
		panic(fmt.Sprintf(errNegativeStep, who, t))
	}
}
