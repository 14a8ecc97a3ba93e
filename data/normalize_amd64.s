//go:build amd64 && !purego

#include "textflag.h"

// SUBMEAN is the body of subMeanU8 and subMeanU8NT, STORE their store
// instruction. It widens 8 bytes at a time to int32 (VPMOVZXBD), converts
// them exactly to float32 (VCVTDQ2PS) and subtracts the means (VSUBPS), 32
// values a turn while 32 remain, then 8.
#define SUBMEAN(STORE) \
	MOVQ n+0(FP), CX \
	MOVQ dst+8(FP), DI \
	MOVQ src+16(FP), SI \
	MOVQ mean+24(FP), DX \
loop32: \
	CMPQ      CX, $32 \
	JL        loop8 \
	VPMOVZXBD (SI), Y0 \
	VPMOVZXBD 8(SI), Y1 \
	VPMOVZXBD 16(SI), Y2 \
	VPMOVZXBD 24(SI), Y3 \
	VCVTDQ2PS Y0, Y0 \
	VCVTDQ2PS Y1, Y1 \
	VCVTDQ2PS Y2, Y2 \
	VCVTDQ2PS Y3, Y3 \
	VSUBPS    (DX), Y0, Y0 \
	VSUBPS    32(DX), Y1, Y1 \
	VSUBPS    64(DX), Y2, Y2 \
	VSUBPS    96(DX), Y3, Y3 \
	STORE     Y0, (DI) \
	STORE     Y1, 32(DI) \
	STORE     Y2, 64(DI) \
	STORE     Y3, 96(DI) \
	ADDQ      $32, SI \
	ADDQ      $128, DX \
	ADDQ      $128, DI \
	SUBQ      $32, CX \
	JMP       loop32 \
loop8: \
	CMPQ      CX, $8 \
	JL        done \
	VPMOVZXBD (SI), Y0 \
	VCVTDQ2PS Y0, Y0 \
	VSUBPS    (DX), Y0, Y0 \
	STORE     Y0, (DI) \
	ADDQ      $8, SI \
	ADDQ      $32, DX \
	ADDQ      $32, DI \
	SUBQ      $8, CX \
	JMP       loop8 \
done:

// func subMeanU8(n int, dst *float32, src *uint8, mean *float32)
// Requires: AVX, AVX2
TEXT ·subMeanU8(SB), NOSPLIT, $0-32
	SUBMEAN(VMOVUPS)
	VZEROUPPER
	RET

// func subMeanU8NT(n int, dst *float32, src *uint8, mean *float32)
// Requires: AVX, AVX2; dst 32-byte aligned
// The same with streaming stores (VMOVNTPS), which write dst around the
// caches, and an SFENCE that orders them before any later store.
TEXT ·subMeanU8NT(SB), NOSPLIT, $0-32
	SUBMEAN(VMOVNTPS)
	SFENCE
	VZEROUPPER
	RET
