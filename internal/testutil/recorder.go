package testutil

import (
	"fmt"
	"runtime"
	"testing"
)

// Recorder is a testing.TB that records the failures reported to it
// instead of failing a test, for the tests of test helpers (MustPanic's,
// reftest's). Its methods other than Helper, Log, Logf, Error, Errorf,
// Fatal, Fatalf, FailNow and Failed are those of a nil testing.TB, and
// panic.
type Recorder struct {
	testing.TB
	Errors       []string // the messages of Error and Errorf, in order
	FatalMessage string   // the message of the Fatal or Fatalf that stopped the run, or ""
	failed       bool
}

// Record runs f with a fresh Recorder on a goroutine of its own, so that
// Fatal and FailNow stop f as testing.T's do (runtime.Goexit), and returns
// the Recorder once f has returned or been stopped.
func Record(f func(tb testing.TB)) *Recorder {
	r := &Recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

func (r *Recorder) Helper()             {}
func (r *Recorder) Log(args ...any)     {}
func (r *Recorder) Logf(string, ...any) {}
func (r *Recorder) Failed() bool        { return r.failed }

func (r *Recorder) Error(args ...any) {
	r.failed = true
	r.Errors = append(r.Errors, fmt.Sprint(args...))
}

func (r *Recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.Errors = append(r.Errors, fmt.Sprintf(format, args...))
}

func (r *Recorder) FailNow() {
	r.failed = true
	runtime.Goexit()
}

func (r *Recorder) Fatal(args ...any) {
	r.FatalMessage = fmt.Sprint(args...)
	r.FailNow()
}

func (r *Recorder) Fatalf(format string, args ...any) {
	r.FatalMessage = fmt.Sprintf(format, args...)
	r.FailNow()
}
