package main

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"time"
)

// timing holds the settings of a measurement.
type timing struct {
	reps  int           // timed repetitions (blocks) per side
	block time.Duration // the least time of a block on the faster side
	dir   string        // where tapegrad writes files for the reference
}

// maxBlockSteps bounds the steps of a block.
const maxBlockSteps = 1000

// blockSteps returns how many steps a block needs for the faster side,
// whose single step took fastest, to run for at least block: at least 1,
// at most maxBlockSteps.
func blockSteps(block, fastest time.Duration) int {
	if fastest <= 0 {
		return maxBlockSteps
	}
	n := math.Ceil(float64(block) / float64(fastest))
	return int(min(max(n, 1), maxBlockSteps))
}

// measure runs one workload on both sides: tapegrad's built by sp.setup,
// the reference's (nil for none) by ref.Setup.
//
// Each side first runs one warm-up step, which is step 1 of training and
// gives the first check value, then a calibration block of one lead-in
// and one timed step; the faster side's fastest of those times sets the
// number n of steps in a block (blockSteps; the same n on both sides, so
// that training runs the same number of steps). Then come t.reps blocks per
// side, alternating between the sides in the order TR RT TR …, so that
// drift weighs on both alike. A block is a garbage collection (Go's, or
// Python's gc.collect()), one untimed lead-in step that absorbs the switch
// from the other process (cold caches, sleeping threads), then n steps back
// to back, timed together, as in a training loop; the block's value is their
// mean. The row's time is the median of the blocks' values.
//
// A workload whose runner has compare (W10) compares results once, after
// the reference's warm-up step: the reference writes its result into a
// file at its check, and compare reads it. One whose runner has values
// (W6) compares outputs once, after both warm-up steps, with those the
// reference wrote at its setup. The bytes kept for backward (W3, W6) are
// tapegrad's after its warm-up step and the reference's from its setup.
//
// The row's reference fields stay empty when ref is nil, and refErr reports
// a reference that failed; err reports a tapegrad side that could not be
// built.
func measure(sp spec, ref reference, refName string, t timing) (r row, refErr, err error) {
	r = row{ID: sp.id, Reps: t.reps, FLOPs: sp.flops, Check: sp.check}
	meter := startPeak()
	tg, files, err := sp.setup(t.dir)
	if err != nil {
		return r, nil, fmt.Errorf("%s: %w", sp.id, err)
	}
	meter.reset()
	if ref != nil {
		if r.RefSaved, refErr = ref.Setup(sp.id, files); refErr != nil {
			ref = nil
		}
	}
	wantCheck := sp.check != checkNone

	// tgBlock runs lead untimed and n timed steps and returns the mean.
	tgBlock := func(lead, n int) time.Duration {
		runtime.GC()
		for range lead {
			tg.step()
		}
		start := time.Now()
		for range n {
			tg.step()
		}
		d := time.Since(start) / time.Duration(n)
		meter.sample() // the block's garbage is at its largest
		return d
	}
	// refBlock does the same in the reference; it returns 0 once the
	// reference has failed.
	refBlock := func(lead, n int, check bool) (time.Duration, *float64) {
		if ref == nil {
			return 0, nil
		}
		ns, v, err := ref.Steps(lead, n, check)
		if err != nil {
			refErr, ref = err, nil
			return 0, nil
		}
		return time.Duration(ns / int64(n)), v
	}

	fastest := tgBlock(0, 1)
	if wantCheck {
		v := tg.check()
		r.TgFirst = &v
	}
	if d, v := refBlock(0, 1, wantCheck); d > 0 {
		r.RefFirst = v
		fastest = min(fastest, d)
		if tg.compare != nil && v != nil {
			e, err := tg.compare()
			if err != nil {
				refErr, ref = err, nil
			} else {
				r.RelErr = &e
			}
		}
	}
	if tg.saved != nil {
		v := tg.saved()
		r.TgSaved = &v
	}
	if tg.values != nil && ref != nil {
		if d, err := tg.values(); err != nil {
			refErr, ref = err, nil
		} else {
			r.Diffs = d
		}
	}
	// The warm-up step is slower than the others (first allocations, page
	// faults, cold caches); a block sized by it alone ran a few steps where
	// -block asked for 100 ms of them (4 steps of W6's group norm), and the
	// switch between the processes then weighed on every fourth step. A
	// lead-in and a step more on each side, timed, size it.
	fastest = min(fastest, tgBlock(1, 1))
	if d, _ := refBlock(1, 1, false); d > 0 {
		fastest = min(fastest, d)
	}
	n := blockSteps(t.block, fastest)
	r.Steps = n

	var tgTimes, refTimes []time.Duration
	for i := range t.reps {
		last := i == t.reps-1 && sp.check == checkTrain
		runRef := func() {
			d, v := refBlock(1, n, last)
			if d > 0 {
				refTimes = append(refTimes, d)
			}
			if last {
				r.RefLast = v
			}
		}
		if i%2 == 1 {
			runRef()
		}
		tgTimes = append(tgTimes, tgBlock(1, n))
		if i%2 == 0 {
			runRef()
		}
	}
	if sp.check == checkTrain {
		v := tg.check()
		r.TgLast = &v
	}
	if p, ok := meter.peak(); ok {
		r.TgPeak = &p
	}
	r.TgNs = median(tgTimes).Nanoseconds()
	if ref != nil {
		r.RefPeak, refErr = ref.Finish()
		if refErr == nil {
			r.Ref = refName
			r.RefNs = median(refTimes).Nanoseconds()
		}
	}
	if refErr != nil {
		r.RefFirst, r.RefLast, r.RefPeak, r.RelErr, r.RefSaved, r.Diffs = nil, nil, nil, nil, nil, nil
		r.Missing = refErr.Error()
	}
	return r, refErr, nil
}

// median returns the median of d, the mean of the two middle values for an
// even count.
func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	n := len(s)
	return (s[(n-1)/2] + s[n/2]) / 2
}
