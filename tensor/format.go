package tensor

import (
	"math"
	"strconv"
	"strings"
)

// Printing follows NumPy's print(a): nested brackets, one row of the last axis
// per line, columns aligned on the decimal point, and tensors with more than
// summarizeAbove elements shortened to their first and last edgeItems entries
// along every axis.
const (
	summarizeAbove = 1000
	edgeItems      = 3
	fracDigits     = 4 // digits after the point in fixed notation
)

// String formats t the way NumPy prints an array:
//
//	[[ 1.   -2.5   3.  ]
//	 [ 4.    5.    6.25]]
//
// Values that are all integers print with a trailing point, very large or
// very small magnitudes switch every element to scientific notation, and
// large tensors are summarized with "...".
func (t *Tensor[T]) String() string {
	if len(t.shape) == 0 {
		return newNumFormat(t.data).format(float64(t.data[0]))
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

// numFormat is one notation and padding shared by every printed element.
type numFormat struct {
	sci       bool // scientific notation
	integral  bool // every finite value is an integer
	intWidth  int  // width of the part before the point, sign included
	fracWidth int  // width of the part after the point
	width     int  // width of a whole element in scientific notation
}

func newNumFormat[T Float](vals []T) numFormat {
	f := numFormat{integral: true}
	maxAbs, minAbs := 0.0, math.Inf(1)
	for _, v := range vals {
		x := float64(v)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		a := math.Abs(x)
		maxAbs = max(maxAbs, a)
		if a != 0 {
			minAbs = min(minAbs, a)
		}
		if x != math.Trunc(x) {
			f.integral = false
		}
	}
	f.sci = maxAbs >= 1e8 || (!f.integral && (maxAbs >= 1e5 || minAbs < 1e-4))
	for _, v := range vals {
		if f.sci {
			f.width = max(f.width, len(f.sciString(float64(v))))
			continue
		}
		ip, fp := f.fixedParts(float64(v))
		f.intWidth = max(f.intWidth, len(ip))
		f.fracWidth = max(f.fracWidth, len(fp))
	}
	return f
}

func (f numFormat) sciString(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nonFinite(x)
	}
	return strconv.FormatFloat(x, 'e', fracDigits, 64)
}

// fixedParts splits the fixed-notation form of x at its point; trailing zeros
// of the fraction are dropped, and integers keep an empty fraction.
func (f numFormat) fixedParts(x float64) (string, string) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nonFinite(x), ""
	}
	s := strconv.FormatFloat(x, 'f', fracDigits, 64)
	ip, fp, _ := strings.Cut(s, ".")
	fp = strings.TrimRight(fp, "0")
	return ip, fp
}

func (f numFormat) format(x float64) string {
	if f.sci {
		s := f.sciString(x)
		return strings.Repeat(" ", f.width-len(s)) + s
	}
	ip, fp := f.fixedParts(x)
	point := "."
	if math.IsNaN(x) || math.IsInf(x, 0) {
		point = " "
	}
	return strings.Repeat(" ", f.intWidth-len(ip)) + ip + point + fp + strings.Repeat(" ", f.fracWidth-len(fp))
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
