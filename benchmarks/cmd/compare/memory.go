package main

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// peakMeter measures how far a workload grows the process's resident set,
// the way workloads.py measures the reference: before the workload is built
// the collector runs and free heap goes back to the system, and the resident
// set then (VmRSS) is the baseline; once it is built, the peak-RSS mark is
// reset (writing 5 to /proc/self/clear_refs), so that loading temporaries do
// not count; after its last step the peak (VmHWM) minus the baseline is its
// peak memory. That is the workload's weights, data, optimizer state and
// activations, plus what Go's collector lets garbage grow to between
// collections (GOGC), since that memory is resident too. It needs Linux;
// elsewhere the meter reports nothing.
type peakMeter struct {
	base int64
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

// peak returns the peak resident set since reset minus the baseline, and
// whether it could be measured.
func (p *peakMeter) peak() (int64, bool) {
	hwm, ok := procStatus("VmHWM")
	if !p.ok || !ok {
		return 0, false
	}
	return hwm - p.base, true
}

// freeMemory collects garbage and returns free heap to the system.
func freeMemory() {
	runtime.GC()
	debug.FreeOSMemory()
}

// procStatus returns a size field of /proc/self/status, such as VmRSS, in
// bytes.
func procStatus(key string) (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != key {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, false
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, false
		}
		return n << 10, true
	}
	return 0, false
}
