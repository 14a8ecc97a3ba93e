package data

import "fmt"

// Dataset is an indexed set of labeled examples of one shape.
//
// A Loader calls Example from its own goroutine, one call at a time; a Dataset
// shared with other goroutines must allow that.
type Dataset interface {
	// Len returns the number of examples.
	Len() int
	// Shape returns the shape of one example, e.g. [3 32 32] (C×H×W) or
	// [1 28 28]. The caller must not modify it.
	Shape() []int
	// Classes returns the number of classes; labels are in [0, Classes).
	Classes() int
	// Example writes the raw values of example i (e.g. pixels 0–255) into dst,
	// which holds exactly one example (the product of Shape), and returns its
	// label.
	Example(i int, dst []float32) (label int)
}

// Images is an in-memory dataset of uint8 images in C×H×W layout, the form the
// cifar10 and mnist readers return.
type Images struct {
	Pixels     []uint8 // Len()·C·H·W values, example-major, each example C×H×W
	Labels     []uint8 // one per example
	C, H, W    int
	NumClasses int
	ClassNames []string // one per class, or nil
}

var _ Dataset = (*Images)(nil)

// Len returns the number of examples, len(m.Labels).
func (m *Images) Len() int { return len(m.Labels) }

// Shape returns [C H W].
func (m *Images) Shape() []int { return []int{m.C, m.H, m.W} }

// Classes returns m.NumClasses.
func (m *Images) Classes() int { return m.NumClasses }

// Example writes image i's pixels, 0–255, into dst and returns its label.
// It panics if i is out of range or len(dst) is not C·H·W.
func (m *Images) Example(i int, dst []float32) int {
	size := m.C * m.H * m.W
	if len(dst) != size {
		panic(fmt.Sprintf(errExampleLen, len(dst), m.Shape(), size))
	}
	label := m.example(i)
	for j, p := range m.Pixels[i*size : (i+1)*size] {
		dst[j] = float32(p)
	}
	return label
}

// example returns the label of example i, panicking as Example does if i
// is out of range.
func (m *Images) example(i int) int {
	if i < 0 || i >= len(m.Labels) {
		panic(fmt.Sprintf(errExampleIndex, i, len(m.Labels)))
	}
	return int(m.Labels[i])
}

// Subset returns the first n examples (all of them if n ≥ Len), for quick
// runs. The result shares m's slices. Subset panics if n < 0.
func (m *Images) Subset(n int) *Images {
	if n < 0 {
		panic(fmt.Sprintf(errSubset, n))
	}
	n = min(n, m.Len())
	s := *m
	s.Labels = m.Labels[:n:n]
	size := m.C * m.H * m.W
	s.Pixels = m.Pixels[: n*size : n*size]
	return &s
}

// Validate reports whether m is consistent: positive dimensions and class
// count, C·H·W pixel values per label, every label below NumClasses, and
// either no class names or one per class.
func (m *Images) Validate() error {
	if m.C < 1 || m.H < 1 || m.W < 1 {
		return fmt.Errorf(errValidateDims, m.C, m.H, m.W)
	}
	if m.NumClasses < 1 {
		return fmt.Errorf(errValidateNum, m.NumClasses)
	}
	size := m.C * m.H * m.W
	if want := len(m.Labels) * size; len(m.Pixels) != want {
		return fmt.Errorf(errValidateSize, len(m.Labels), want, m.C, m.H, m.W, len(m.Pixels))
	}
	for i, l := range m.Labels {
		if int(l) >= m.NumClasses {
			return fmt.Errorf(errValidateLabel, l, i, m.NumClasses)
		}
	}
	if m.ClassNames != nil && len(m.ClassNames) != m.NumClasses {
		return fmt.Errorf(errValidateNames, len(m.ClassNames), m.NumClasses)
	}
	return nil
}

// numel returns the number of values of one example of the given shape. It
// panics if shape is empty or a dimension is below 1.
func numel(shape []int) int {
	if len(shape) == 0 {
		panic(fmt.Sprintf(errShape, shape))
	}
	n := 1
	for _, d := range shape {
		if d < 1 {
			panic(fmt.Sprintf(errShape, shape))
		}
		n *= d
	}
	return n
}
