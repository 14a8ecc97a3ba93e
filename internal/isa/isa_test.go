package isa

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct{ in, level, warn string }{
		{"", "", ""},
		{"avx2", "avx2", ""},
		{" AVX512 ", "avx512", ""},
		{"none", "none", ""},
		{"sse4", "", `ignoring TAPEGRAD_ISA="sse4"`},
	} {
		level, warn := parse(c.in)
		if level != c.level || (c.warn == "") != (warn == "") || !strings.Contains(warn, c.warn) {
			t.Errorf("parse(%q) = %q, %q; want %q and a warning containing %q", c.in, level, warn, c.level, c.warn)
		}
	}
}

func TestLimit(t *testing.T) {
	for _, c := range []struct {
		level     string
		has, want [3]bool
	}{
		{"", [3]bool{true, true, true}, [3]bool{true, true, true}},
		{"avx512", [3]bool{true, true, true}, [3]bool{true, true, true}},
		{"avx2", [3]bool{true, true, true}, [3]bool{false, true, true}},
		{"avx", [3]bool{true, true, true}, [3]bool{false, false, true}},
		{"none", [3]bool{true, true, true}, [3]bool{false, false, false}},
		// A cap never adds what the CPU lacks.
		{"avx512", [3]bool{false, false, true}, [3]bool{false, false, true}},
		{"", [3]bool{false, true, true}, [3]bool{false, true, true}},
	} {
		a, b, d := limit(c.level, c.has[0], c.has[1], c.has[2])
		if got := [3]bool{a, b, d}; got != c.want {
			t.Errorf("limit(%q, %v) = %v, want %v", c.level, c.has, got, c.want)
		}
	}
}
