//go:build amd64 && !purego

#include "textflag.h"

// func subMeanU8(n int, dst *float32, src *uint8, mean *float32)
// Requires: AVX, AVX2
// Widens 8 bytes at a time to int32 (VPMOVZXBD), converts them exactly to
// float32 (VCVTDQ2PS) and subtracts the means (VSUBPS), 32 values a turn
// while 32 remain, then 8.
TEXT ·subMeanU8(SB), NOSPLIT, $0-32
	MOVQ n+0(FP), CX
	MOVQ dst+8(FP), DI
	MOVQ src+16(FP), SI
	MOVQ mean+24(FP), DX

loop32:
	CMPQ      CX, $32
	JL        loop8
	VPMOVZXBD (SI), Y0
	VPMOVZXBD 8(SI), Y1
	VPMOVZXBD 16(SI), Y2
	VPMOVZXBD 24(SI), Y3
	VCVTDQ2PS Y0, Y0
	VCVTDQ2PS Y1, Y1
	VCVTDQ2PS Y2, Y2
	VCVTDQ2PS Y3, Y3
	VSUBPS    (DX), Y0, Y0
	VSUBPS    32(DX), Y1, Y1
	VSUBPS    64(DX), Y2, Y2
	VSUBPS    96(DX), Y3, Y3
	VMOVUPS   Y0, (DI)
	VMOVUPS   Y1, 32(DI)
	VMOVUPS   Y2, 64(DI)
	VMOVUPS   Y3, 96(DI)
	ADDQ      $32, SI
	ADDQ      $128, DX
	ADDQ      $128, DI
	SUBQ      $32, CX
	JMP       loop32

loop8:
	CMPQ      CX, $8
	JL        done
	VPMOVZXBD (SI), Y0
	VCVTDQ2PS Y0, Y0
	VSUBPS    (DX), Y0, Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $8, SI
	ADDQ      $32, DX
	ADDQ      $32, DI
	SUBQ      $8, CX
	JMP       loop8

done:
	VZEROUPPER
	RET
