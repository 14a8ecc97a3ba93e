package vec

import "fmt"

// Op is an element-wise binary operation of Binary, BinaryVS and BinarySV.
type Op uint8

const (
	OpAdd Op = iota // a + b
	OpSub           // a − b
	OpMul           // a · b
	OpDiv           // a / b
)

// checkBinary panics if l, a source's length, is shorter than n.
func checkBinary(name string, n, l int) {
	if l < n {
		panic(fmt.Sprintf("vec: %s into %d values from a shorter slice of %d", name, n, l))
	}
}

// Binary sets d[i] = a[i] op b[i] for i < len(d); d may be a or b. It
// panics if a or b is shorter than d.
func Binary[T Float](op Op, d, a, b []T) {
	checkBinary("Binary", len(d), min(len(a), len(b)))
	done := 0
	if len(d) >= 8 {
		done = binaryAsm(op, d, a, b)
	}
	d, a, b = d[done:], a[done:len(d)], b[done:len(d)]
	switch op {
	case OpAdd:
		for i := range d {
			d[i] = a[i] + b[i]
		}
	case OpSub:
		for i := range d {
			d[i] = a[i] - b[i]
		}
	case OpMul:
		for i := range d {
			d[i] = a[i] * b[i]
		}
	case OpDiv:
		for i := range d {
			d[i] = a[i] / b[i]
		}
	}
}

// BinaryVS sets d[i] = a[i] op s for i < len(d); d may be a. It panics if
// a is shorter than d.
func BinaryVS[T Float](op Op, d, a []T, s T) {
	checkBinary("BinaryVS", len(d), len(a))
	done := 0
	if len(d) >= 8 {
		done = binaryVSAsm(op, d, a, s)
	}
	d, a = d[done:], a[done:len(d)]
	switch op {
	case OpAdd:
		for i := range d {
			d[i] = a[i] + s
		}
	case OpSub:
		for i := range d {
			d[i] = a[i] - s
		}
	case OpMul:
		for i := range d {
			d[i] = a[i] * s
		}
	case OpDiv:
		for i := range d {
			d[i] = a[i] / s
		}
	}
}

// BinarySV sets d[i] = s op b[i] for i < len(d); d may be b. It panics if
// b is shorter than d.
func BinarySV[T Float](op Op, d []T, s T, b []T) {
	checkBinary("BinarySV", len(d), len(b))
	done := 0
	if len(d) >= 8 {
		done = binarySVAsm(op, d, s, b)
	}
	d, b = d[done:], b[done:len(d)]
	switch op {
	case OpAdd:
		for i := range d {
			d[i] = s + b[i]
		}
	case OpSub:
		for i := range d {
			d[i] = s - b[i]
		}
	case OpMul:
		for i := range d {
			d[i] = s * b[i]
		}
	case OpDiv:
		for i := range d {
			d[i] = s / b[i]
		}
	}
}
