package train

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows how training goes: a progress bar redrawn in place on a
// terminal, and elsewhere (a log file, a pipe, a CI log) a plain line every
// interval, so that logs hold lines rather than carriage-return frames.
// Both show the step, the loss and a smoothed images/s.
type progress struct {
	w     io.Writer // nil: nothing is shown
	bar   *progressbar.ProgressBar
	every time.Duration
	last  time.Time // when the last plain line was written
	steps int

	// The rate is the ratio of two exponentially weighted sums, of images
	// and of seconds, over the steps: each step's weight decays by
	// rateDecay per later step, so one slow or fast step moves it little.
	images, seconds float64
}

const rateDecay = 0.95

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// newProgress shows progress over steps on w, starting at done; every is
// the interval between plain lines.
func newProgress(w io.Writer, steps, done int, every time.Duration) *progress {
	p := &progress{w: w, every: every, steps: steps, last: time.Now()}
	if w != nil && isTerminal(w) {
		p.bar = progressbar.NewOptions(steps,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		p.bar.Set(done)
	}
	return p
}

// step records that step (counted from 1) trained n images in sec seconds
// with the given loss.
func (p *progress) step(step int, loss float64, n int, sec float64) {
	p.images = rateDecay*p.images + float64(n)
	p.seconds = rateDecay*p.seconds + sec
	switch {
	case p.w == nil:
	case p.bar != nil:
		p.bar.Describe(fmt.Sprintf("step %d  loss %.4f  %.0f images/s", step, loss, p.rate()))
		p.bar.Add(1)
	case time.Since(p.last) >= p.every || step == p.steps:
		p.last = time.Now()
		fmt.Fprintf(p.w, "step %d/%d  loss %.4f  %.0f images/s\n", step, p.steps, loss, p.rate())
	}
}

// rate returns the smoothed images per second.
func (p *progress) rate() float64 {
	if p.seconds == 0 {
		return 0
	}
	return p.images / p.seconds
}

// clear removes the bar before other output, which redraws it after.
func (p *progress) clear() {
	if p.bar != nil {
		p.bar.Clear()
	}
}

// finish ends the bar.
func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
