package main

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
)

// peakMeter measures how far a workload grows the process's resident set,
// the way workloads.py measures the reference: before the workload is built
// the collector runs and free heap goes back to the system, and the resident
// set then (VmRSS) is the baseline; once it is built, the peak-RSS mark is
// reset (writing 5 to /proc/self/clear_refs), so that loading temporaries do
// not count; after its last step the peak minus the baseline is its peak
// memory. That is the workload's weights, data, optimizer state and
// activations, plus what Go's collector lets garbage grow to between
// collections (GOGC), since that memory is resident too. It needs Linux;
// elsewhere the meter reports nothing.
//
// The peak is the larger of VmHWM and the resident sets sampled at the end
// of every block of steps (sample), where a block's garbage is at its
// largest. VmHWM alone misses peaks: the kernel updates its high-water mark
// only when pages are unmapped or zapped, and /proc adds the resident set
// at the moment it is read, so a set that grew during a block and shrank
// before the next unmapping (the scavenger returning freed spans) never
// reached it: on Linux 6.18, W3/fused/200x100's VmHWM read 240 KiB below a
// resident set sampled earlier in the same run. The samples only ever raise
// the peak; workloads.py samples at the same points.
type peakMeter struct {
	base int64
	high int64 // the largest resident set sampled
	ok   bool
}

// startPeak takes the baseline, before the workload is built.
func startPeak() *peakMeter {
	freeMemory()
	base, ok := procStatus("VmRSS")
	return &peakMeter{base: base, ok: ok}
}

// reset resets the peak mark, once the workload is built.
func (p *peakMeter) reset() {
	freeMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		p.ok = false
	}
}

// sample reads the resident set, once a block of steps has run.
func (p *peakMeter) sample() {
	if rss, ok := procStatus("VmRSS"); ok {
		p.high = max(p.high, rss)
	}
}

// peak returns the peak resident set since reset — VmHWM or the largest
// sample, whichever is larger — minus the baseline, and whether it could be
// measured.
func (p *peakMeter) peak() (int64, bool) {
	hwm, ok := procStatus("VmHWM")
	if !p.ok || !ok {
		return 0, false
	}
	return max(hwm, p.high) - p.base, true
}

// freeMemory collects garbage and returns free heap to the system.
func freeMemory() {
	runtime.GC()
	debug.FreeOSMemory()
}

// statusBuf holds /proc/self/status while procStatus reads it: the meter
// samples after every block, and garbage of its own would count as the
// workload's.
var statusBuf [16 << 10]byte

// procStatus returns a size field of /proc/self/status, such as VmRSS, in
// bytes.
func procStatus(key string) (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	n, err := io.ReadFull(f, statusBuf[:])
	f.Close()
	if err != nil && err != io.ErrUnexpectedEOF {
		return 0, false
	}
	for rest := statusBuf[:n]; len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || string(k) != key {
			continue
		}
		fields := bytes.Fields(v)
		if len(fields) != 2 || string(fields[1]) != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseInt(string(fields[0]), 10, 64)
		if err != nil {
			return 0, false
		}
		return kb << 10, true
	}
	return 0, false
}
