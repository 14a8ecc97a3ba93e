//go:build amd64 && !purego

package data

// prefetchLines asks the CPU to bring the 64-byte lines of p[0:n], n > 0,
// into its caches (PREFETCHT0): a hint that neither faults nor changes
// memory, so the results never depend on it.
//
//go:noescape
func prefetchLines(p *uint8, n int)

// prefetch hints that b is about to be read (see prefetchLines).
func prefetch(b []uint8) {
	if len(b) > 0 {
		prefetchLines(&b[0], len(b))
	}
}
