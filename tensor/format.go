package tensor

import (
	"math"
	"strconv"
	"strings"
	"unsafe"
)

// Printing follows NumPy's print(a): nested brackets, one row of the last axis
// per line, columns aligned on the decimal point, and tensors with more than
// summarizeAbove elements shortened to their first and last edgeItems entries
// along every axis.
const (
	summarizeAbove = 1000
	edgeItems      = 3
	fracDigits     = 4 // most digits after the point (NumPy's precision option)
)

// String formats t the way NumPy prints an array:
//
//	[[ 1.   -2.5   3.  ]
//	 [ 4.    5.    6.25]]
//
// Integers print with a trailing point; magnitudes of 1e8 or more or below
// 1e-4, or spanning more than a factor of 1000, switch every element to
// scientific notation; large tensors are summarized with "..."; a tensor with
// no elements prints as "[]". Unlike NumPy, long rows are not wrapped.
func (t *Tensor[T]) String() string {
	if len(t.shape) == 0 {
		return newNumFormat(t.data).format(float64(t.data[0]))
	}
	if len(t.data) == 0 {
		return "[]"
	}
	summarize := len(t.data) > summarizeAbove
	f := newNumFormat(t.shownValues(summarize))
	var sb strings.Builder
	t.writeAxis(&sb, f, 0, 0, summarize)
	return sb.String()
}

// shownValues returns the elements that printing will show.
func (t *Tensor[T]) shownValues(summarize bool) []T {
	if !summarize {
		return t.data
	}
	var vals []T
	var walk func(axis, off int)
	walk = func(axis, off int) {
		if axis == len(t.shape) {
			vals = append(vals, t.data[off])
			return
		}
		stride := numel(t.shape[axis+1:])
		for _, i := range shownIndices(t.shape[axis], true) {
			if i >= 0 {
				walk(axis+1, off+i*stride)
			}
		}
	}
	walk(0, 0)
	return vals
}

// shownIndices lists the indices of an axis of size n that are printed; -1
// stands for the "..." between the leading and trailing ones.
func shownIndices(n int, summarize bool) []int {
	idx := make([]int, 0, min(n, 2*edgeItems+1))
	if summarize && n > 2*edgeItems {
		for i := range edgeItems {
			idx = append(idx, i)
		}
		idx = append(idx, -1)
		for i := n - edgeItems; i < n; i++ {
			idx = append(idx, i)
		}
		return idx
	}
	for i := range n {
		idx = append(idx, i)
	}
	return idx
}

func (t *Tensor[T]) writeAxis(sb *strings.Builder, f numFormat, axis, off int, summarize bool) {
	sb.WriteByte('[')
	stride := numel(t.shape[axis+1:])
	last := axis == len(t.shape)-1
	for k, i := range shownIndices(t.shape[axis], summarize) {
		if k > 0 {
			if last {
				sb.WriteByte(' ')
			} else {
				// One newline per remaining axis, as NumPy separates blocks.
				sb.WriteString(strings.Repeat("\n", len(t.shape)-axis-1))
				sb.WriteString(strings.Repeat(" ", axis+1))
			}
		}
		switch {
		case i < 0:
			sb.WriteString("...")
		case last:
			sb.WriteString(f.format(float64(t.data[off+i])))
		default:
			t.writeAxis(sb, f, axis+1, off+i*stride, summarize)
		}
	}
	sb.WriteByte(']')
}

// numFormat is one notation and padding shared by every printed element, as
// NumPy's FloatingFormat computes it from the finite values: scientific
// notation when a non-zero magnitude is 1e8 or more or below 1e-4, or when the
// largest is more than 1000 times the smallest; at most fracDigits digits
// after the point, trailing zeros dropped down to what the longest element
// needs. NaN and ±Inf are right-aligned in the width of a finite element.
type numFormat struct {
	sci      bool // scientific notation
	padLeft  int  // width of the part before the point, sign included
	padRight int  // width of the part after the point (the exponent included)
	prec     int  // digits after the point in scientific notation
	expDigs  int  // digits of the exponent in scientific notation
	bits     int  // 32 or 64: the element type, for the shortest digits
}

func newNumFormat[T Float](vals []T) numFormat {
	var z T
	f := numFormat{bits: 8 * int(unsafe.Sizeof(z))}
	maxAbs, minAbs := 0.0, math.Inf(1)
	nonFin, negInf := false, false
	for _, v := range vals {
		x := float64(v)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			nonFin, negInf = true, negInf || math.IsInf(x, -1)
			continue
		}
		if a := math.Abs(x); a != 0 {
			maxAbs, minAbs = max(maxAbs, a), min(minAbs, a)
		}
	}
	f.sci = maxAbs != 0 && (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs/minAbs > 1000)
	for _, v := range vals {
		x := float64(v)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		if f.sci {
			ip, fp, exp := f.sciParts(x)
			f.padLeft = max(f.padLeft, len(ip))
			f.prec = max(f.prec, len(fp))
			f.expDigs = max(f.expDigs, len(exp)-1)
			continue
		}
		ip, fp := f.fixedParts(x)
		f.padLeft = max(f.padLeft, len(ip))
		f.padRight = max(f.padRight, len(fp))
	}
	if f.sci {
		f.padRight = f.prec + 2 + f.expDigs // digits, "e", sign, exponent
	}
	if nonFin {
		infLen := len("inf")
		if negInf {
			infLen++
		}
		f.padLeft = max(f.padLeft, len("nan")-f.padRight-1, infLen-f.padRight-1)
	}
	return f
}

// digits formats x in notation verb ('f' or 'e') with the fewest digits that
// identify it among values of its element type, or rounded to fracDigits
// digits after the point where that takes more, as NumPy's dragon4 does.
// Trailing zeros of the fraction are dropped.
func (f numFormat) digits(x float64, verb byte) (ip, fp, exp string) {
	if verb == 'f' && x == math.Trunc(x) {
		// Every digit before the point is printed, even where the shortest
		// form would round it to 0 (float32 integers beyond 2²⁴).
		return strconv.FormatFloat(x, 'f', 0, 64), "", ""
	}
	s := strconv.FormatFloat(x, verb, -1, f.bits)
	mant, exp, _ := strings.Cut(s, "e")
	if ip, fp, _ = strings.Cut(mant, "."); len(fp) > fracDigits {
		s = strconv.FormatFloat(x, verb, fracDigits, f.bits)
		mant, exp, _ = strings.Cut(s, "e")
		ip, fp, _ = strings.Cut(mant, ".")
	}
	return ip, strings.TrimRight(fp, "0"), exp
}

// sciParts splits the scientific form of x into the parts before and after
// the point and the signed exponent.
func (f numFormat) sciParts(x float64) (ip, fp, exp string) { return f.digits(x, 'e') }

// fixedParts splits the fixed-notation form of x at its point; integers keep
// an empty fraction.
func (f numFormat) fixedParts(x float64) (ip, fp string) {
	ip, fp, _ = f.digits(x, 'f')
	return ip, fp
}

func (f numFormat) format(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		s := nonFinite(x)
		return strings.Repeat(" ", max(f.padLeft+f.padRight+1-len(s), 0)) + s
	}
	if f.sci {
		ip, fp, exp := f.sciParts(x)
		sign, digits := exp[:1], exp[1:]
		fp += strings.Repeat("0", f.prec-len(fp))
		digits = strings.Repeat("0", max(f.expDigs-len(digits), 0)) + digits
		return strings.Repeat(" ", f.padLeft-len(ip)) + ip + "." + fp + "e" + sign + digits
	}
	ip, fp := f.fixedParts(x)
	return strings.Repeat(" ", f.padLeft-len(ip)) + ip + "." + fp + strings.Repeat(" ", f.padRight-len(fp))
}

func nonFinite(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case x > 0:
		return "inf"
	}
	return "-inf"
}
