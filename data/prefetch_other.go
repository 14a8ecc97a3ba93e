//go:build !amd64 || purego

package data

// prefetch hints that b is about to be read; a no-op without assembly.
func prefetch(b []uint8) {}
