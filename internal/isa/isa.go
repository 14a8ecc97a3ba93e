package isa

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/cpu"
)

// The extensions the kernels may use: the CPU's, capped by TAPEGRAD_ISA.
var (
	// AVX512 reports AVX-512F.
	AVX512 bool
	// AVX2 reports AVX2 together with FMA (the kernels need both).
	AVX2 bool
	// AVX reports AVX (256-bit float vectors, no FMA).
	AVX bool
	// Cap is the level TAPEGRAD_ISA set ("avx512", "avx2", "avx" or
	// "none"), or "" when it is unset or not recognized.
	Cap string
)

// The levels, narrowest first.
var levels = []string{"none", "avx", "avx2", "avx512"}

func init() {
	c, warn := parse(os.Getenv("TAPEGRAD_ISA"))
	if warn != "" {
		fmt.Fprintln(os.Stderr, warn)
	}
	Cap = c
	AVX512, AVX2, AVX = limit(c, cpu.X86.HasAVX512F, cpu.X86.HasAVX2 && cpu.X86.HasFMA, cpu.X86.HasAVX)
}

// parse returns the level named by the value of TAPEGRAD_ISA, or "" and a
// warning for a value that names none.
func parse(s string) (level, warn string) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", ""
	}
	for _, l := range levels {
		if s == l {
			return l, ""
		}
	}
	return "", fmt.Sprintf("tapegrad: ignoring TAPEGRAD_ISA=%q: want one of %s", s, strings.Join(levels, ", "))
}

// limit caps what the CPU has at level: an extension stays only if the CPU
// has it and the level allows it.
func limit(level string, avx512, avx2, avx bool) (bool, bool, bool) {
	rank := len(levels) - 1
	for i, l := range levels {
		if l == level {
			rank = i
		}
	}
	return avx512 && rank >= 3, avx2 && rank >= 2, avx && rank >= 1
}

// Describe names the widest extension the kernels use, with the cap when
// one is set, as "avx2 (TAPEGRAD_ISA=avx2)". Benchmarks print it.
func Describe() string {
	s := "none"
	switch {
	case AVX512:
		s = "avx512"
	case AVX2:
		s = "avx2"
	case AVX:
		s = "avx"
	}
	if Cap != "" {
		s += " (TAPEGRAD_ISA=" + Cap + ")"
	}
	return s
}
