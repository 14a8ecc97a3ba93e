//go:build amd64 && !purego

#include "textflag.h"

// func prefetchLines(p *uint8, n int)
// Issues PREFETCHT0 for every 64-byte line p[0:n] touches, n > 0: one
// every 64 bytes from p, and one at its last byte for a line the stride
// steps over when p is not aligned. A hint, which neither faults nor
// changes memory.
TEXT ·prefetchLines(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	LEAQ -1(SI)(CX*1), DX

loop:
	PREFETCHT0 (SI)
	ADDQ       $64, SI
	SUBQ       $64, CX
	JG         loop
	PREFETCHT0 (DX)
	RET
