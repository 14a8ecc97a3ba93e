package gonumx_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/mat"

	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
	"github.com/tapegrad/tapegrad/tensor/gonumx"
)

// seq returns 1, 2, …, n.
func seq(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = float64(i + 1)
	}
	return s
}

// elements returns m's elements in row-major order, read by At.
func elements(m mat.Matrix) []float64 {
	r, c := m.Dims()
	s := make([]float64, 0, r*c)
	for i := range r {
		for j := range c {
			s = append(s, m.At(i, j))
		}
	}
	return s
}

// checkMatrix fails t unless got has shape (r, c) of m and m's elements.
func checkMatrix[T tensor.Float](t *testing.T, name string, got *tensor.Tensor[T], m mat.Matrix) {
	t.Helper()
	r, c := m.Dims()
	if !tensor.EqualShapes(got.Shape(), []int{r, c}) {
		t.Fatalf("%s: shape %v, want [%d %d]", name, got.Shape(), r, c)
	}
	if diff := cmp.Diff(testutil.Convert[T](elements(m)), got.Data()); diff != "" {
		t.Errorf("%s: elements (-want +got):\n%s", name, diff)
	}
}

// checkShared fails t unless a write on either side of a conversion is seen
// on the other, at element (i, j) of the matrix, element k of the tensor.
func checkShared(t *testing.T, name string, m interface {
	At(i, j int) float64
	Set(i, j int, v float64)
}, i, j int, d *tensor.Tensor[float64], k int) {
	t.Helper()
	d.Data()[k] = 1234
	if got := m.At(i, j); got != 1234 {
		t.Errorf("%s: the matrix's (%d, %d) is %v after the tensor's element %d was set to 1234", name, i, j, got, k)
	}
	m.Set(i, j, -4321)
	if got := d.Data()[k]; got != -4321 {
		t.Errorf("%s: the tensor's element %d is %v after the matrix's (%d, %d) was set to -4321", name, k, got, i, j)
	}
}

// checkCopied fails t if a write on either side of a conversion is seen on
// the other.
func checkCopied(t *testing.T, name string, m interface {
	At(i, j int) float64
	Set(i, j int, v float64)
}, i, j int, d *tensor.Tensor[float64], k int) {
	t.Helper()
	before := m.At(i, j)
	d.Data()[k] = 1234
	if got := m.At(i, j); got != before {
		t.Errorf("%s: the matrix's (%d, %d) changed from %v to %v with the copy", name, i, j, before, got)
	}
	m.Set(i, j, -4321)
	if got := d.Data()[k]; got != 1234 {
		t.Errorf("%s: the copy's element %d changed to %v with the matrix", name, k, got)
	}
}

func TestFromDense(t *testing.T) {
	// A Dense of its own, and views: the parent is 4×5 and its Stride 5.
	parent := mat.NewDense(4, 5, seq(20))
	for _, tc := range []struct {
		name   string
		m      *mat.Dense
		shared bool
	}{
		{"NewDense 4×5", parent, true},
		{"NewDense 1×1", mat.NewDense(1, 1, []float64{7}), true},
		{"rows 1:3, every column", parent.Slice(1, 3, 0, 5).(*mat.Dense), true},
		{"row 2, columns 1:4 (one row)", parent.Slice(2, 3, 1, 4).(*mat.Dense), true},
		{"rows 1:4, columns 1:4 (Stride 5 > 3)", parent.Slice(1, 4, 1, 4).(*mat.Dense), false},
		{"column 3 (Stride 5 > 1)", parent.Slice(0, 4, 3, 4).(*mat.Dense), false},
	} {
		got := gonumx.FromDense(tc.m)
		checkMatrix(t, tc.name, got, tc.m)
		r, c := tc.m.Dims()
		k := got.Size() - 1 // the last element, which a wrong stride misplaces
		if tc.shared {
			checkShared(t, tc.name, tc.m, r-1, c-1, got, k)
		} else {
			checkCopied(t, tc.name, tc.m, r-1, c-1, got, k)
		}
	}
}

func TestFromVecDense(t *testing.T) {
	parent := mat.NewDense(3, 4, seq(12))
	for _, tc := range []struct {
		name   string
		v      *mat.VecDense
		shared bool
	}{
		{"NewVecDense 5", mat.NewVecDense(5, seq(5)), true},
		{"RowView 1", parent.RowView(1).(*mat.VecDense), true},
		{"ColView 2 (Inc 4)", parent.ColView(2).(*mat.VecDense), false},
		{"SliceVec 1:2 of ColView 2 (one element)", parent.ColView(2).(*mat.VecDense).SliceVec(1, 2).(*mat.VecDense), true},
	} {
		got := gonumx.FromVecDense(tc.v)
		n := tc.v.Len()
		if !tensor.EqualShapes(got.Shape(), []int{n}) {
			t.Fatalf("%s: shape %v, want [%d]", tc.name, got.Shape(), n)
		}
		if diff := cmp.Diff(elements(tc.v), got.Data()); diff != "" {
			t.Errorf("%s: elements (-want +got):\n%s", tc.name, diff)
		}
		m := vecAsMatrix{tc.v}
		if tc.shared {
			checkShared(t, tc.name, m, n-1, 0, got, n-1)
		} else {
			checkCopied(t, tc.name, m, n-1, 0, got, n-1)
		}
	}
}

// vecAsMatrix lets checkShared set a VecDense's elements as a column's.
type vecAsMatrix struct{ *mat.VecDense }

func (v vecAsMatrix) Set(i, _ int, x float64) { v.SetVec(i, x) }

func TestToDense(t *testing.T) {
	for _, shape := range [][2]int{{1, 1}, {2, 3}, {3, 2}, {1, 7}, {7, 1}} {
		r, c := shape[0], shape[1]
		x := tensor.FromSlice(seq(r*c), r, c)
		m := gonumx.ToDense(x)
		if gr, gc := m.Dims(); gr != r || gc != c {
			t.Fatalf("ToDense of %v: Dims %d×%d", x.Shape(), gr, gc)
		}
		if s := m.RawMatrix().Stride; s != c {
			t.Errorf("ToDense of %v: Stride %d, want %d", x.Shape(), s, c)
		}
		checkMatrix(t, "ToDense", x, m)
		checkShared(t, "ToDense", m, r-1, c-1, x, r*c-1)
		// And back: the same storage.
		if back := gonumx.FromDense(m); &back.Data()[0] != &x.Data()[0] {
			t.Errorf("FromDense(ToDense(t)) of %v does not share t's storage", x.Shape())
		}
	}
}

func TestToDenseFloat32Copies(t *testing.T) {
	x := tensor.FromSlice([]float32{0.1, 2, -3.5, 1e-3, 5, 6}, 3, 2)
	m := gonumx.ToDense(x)
	want := []float64{float64(float32(0.1)), 2, -3.5, float64(float32(1e-3)), 5, 6}
	if diff := cmp.Diff(want, elements(m)); diff != "" {
		t.Errorf("ToDense of float32 (-want +got):\n%s", diff)
	}
	m.Set(2, 1, 100)
	x.Set(50, 0, 0)
	if m.At(0, 0) != want[0] || x.At(2, 1) != 6 {
		t.Errorf("a float32 tensor and its Dense share: m(0,0) = %v, x[2,1] = %v", m.At(0, 0), x.At(2, 1))
	}
}

func TestToVecDense(t *testing.T) {
	x := tensor.FromSlice(seq(4))
	v := gonumx.ToVecDense(x)
	if v.Len() != 4 || v.RawVector().Inc != 1 {
		t.Fatalf("ToVecDense of %v: Len %d, Inc %d", x.Shape(), v.Len(), v.RawVector().Inc)
	}
	if diff := cmp.Diff(x.Data(), elements(v)); diff != "" {
		t.Errorf("ToVecDense (-want +got):\n%s", diff)
	}
	checkShared(t, "ToVecDense", vecAsMatrix{v}, 3, 0, x, 3)

	x32 := tensor.FromSlice([]float32{1.5, -0.1})
	v32 := gonumx.ToVecDense(x32)
	if diff := cmp.Diff([]float64{1.5, float64(float32(-0.1))}, elements(v32)); diff != "" {
		t.Errorf("ToVecDense of float32 (-want +got):\n%s", diff)
	}
	v32.SetVec(0, 9)
	if x32.At(0) != 1.5 {
		t.Errorf("a float32 tensor and its VecDense share: x[0] = %v", x32.At(0))
	}
}

// triangle is a mat.Matrix of no type of gonum's, read through At alone.
type triangle struct{ r, c int }

func (m triangle) Dims() (r, c int) { return m.r, m.c }
func (m triangle) At(i, j int) float64 {
	if j > i {
		return 0
	}
	return float64(10*i + j)
}
func (m triangle) T() mat.Matrix { return mat.Transpose{Matrix: m} }

func TestFromMatrix(t *testing.T) {
	parent := mat.NewDense(4, 5, seq(20))
	view := parent.Slice(1, 4, 1, 3).(*mat.Dense) // 3×2, Stride 5
	sym := mat.NewSymDense(3, []float64{1, 2, 3, 2, 4, 5, 3, 5, 6})
	for _, tc := range []struct {
		name string
		m    mat.Matrix
	}{
		{"Dense 4×5", parent},
		{"view 3×2 of Stride 5", view},
		{"Dense 4×5, transposed", parent.T()},
		{"view 3×2 of Stride 5, transposed", view.T()},
		{"mat.Transpose of a Transpose", mat.Transpose{Matrix: parent.T()}},
		{"SymDense", sym},
		{"TriDense, transposed", mat.NewTriDense(3, mat.Upper, seq(9)).T()},
		{"DiagDense", mat.NewDiagDense(3, []float64{1, -2, 3})},
		{"VecDense as a 4×1 column", mat.NewVecDense(4, seq(4))},
		{"ColView as a 4×1 column", parent.ColView(1)},
		{"a user's matrix 3×4", triangle{3, 4}},
		{"a user's matrix 3×4, transposed", triangle{3, 4}.T()},
	} {
		checkMatrix(t, tc.name, gonumx.FromMatrix[float64](tc.m), tc.m)
		checkMatrix(t, tc.name+" to float32", gonumx.FromMatrix[float32](tc.m), tc.m)
	}

	// A copy, even of a Dense that FromDense would share.
	got := gonumx.FromMatrix[float64](parent)
	checkCopied(t, "FromMatrix of a Dense", parent, 3, 4, got, 19)
	got = gonumx.FromMatrix[float64](parent.T())
	checkCopied(t, "FromMatrix of a transposed Dense", parent, 3, 4, got, 19)

	// float32 rounds each element.
	m := mat.NewDense(1, 2, []float64{0.1, 1.0 / 3})
	if diff := cmp.Diff([]float32{0.1, 1.0 / 3}, gonumx.FromMatrix[float32](m).Data()); diff != "" {
		t.Errorf("FromMatrix[float32] (-want +got):\n%s", diff)
	}
}

// ramp is a mat.Vector of no type of gonum's: 0, 0.5, 1, … of length ramp.
type ramp int

func (v ramp) Len() int            { return int(v) }
func (v ramp) AtVec(i int) float64 { return float64(i) / 2 }
func (v ramp) At(i, _ int) float64 { return v.AtVec(i) }
func (v ramp) Dims() (r, c int)    { return int(v), 1 }
func (v ramp) T() mat.Matrix       { return mat.Transpose{Matrix: v} }

func TestFromVector(t *testing.T) {
	parent := mat.NewDense(3, 4, seq(12))
	for _, tc := range []struct {
		name string
		v    mat.Vector
	}{
		{"VecDense", mat.NewVecDense(3, []float64{0.1, -2, 3})},
		{"ColView (Inc 4)", parent.ColView(3)},
		{"RowView", parent.RowView(2)},
		{"a user's vector, read through AtVec", ramp(5)},
	} {
		want := make([]float64, tc.v.Len())
		for i := range want {
			want[i] = tc.v.AtVec(i)
		}
		if diff := cmp.Diff(want, gonumx.FromVector[float64](tc.v).Data()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
		if diff := cmp.Diff(testutil.Convert[float32](want), gonumx.FromVector[float32](tc.v).Data()); diff != "" {
			t.Errorf("%s to float32 (-want +got):\n%s", tc.name, diff)
		}
	}
	v := mat.NewVecDense(2, []float64{1, 2})
	got := gonumx.FromVector[float64](v)
	got.Set(7, 1)
	if v.AtVec(1) != 2 {
		t.Errorf("FromVector shares the VecDense's storage: v[1] = %v", v.AtVec(1))
	}
}

func TestZeroSize(t *testing.T) {
	for _, shape := range [][]int{{0, 3}, {3, 0}, {0, 0}} {
		m := gonumx.ToDense(tensor.New[float64](shape...))
		if r, c := m.Dims(); !m.IsEmpty() || r != 0 || c != 0 {
			t.Errorf("ToDense of %v: IsEmpty %v, Dims %d×%d; want an empty Dense", shape, m.IsEmpty(), r, c)
		}
		m32 := gonumx.ToDense(tensor.New[float32](shape...))
		if !m32.IsEmpty() {
			t.Errorf("ToDense of a float32 %v: not empty", shape)
		}
	}
	// An empty Dense is a receiver that gonum sizes.
	m := gonumx.ToDense(tensor.New[float64](0, 2))
	m.Mul(mat.NewDense(1, 2, []float64{1, 2}), mat.NewDense(2, 1, []float64{3, 4}))
	if r, c := m.Dims(); r != 1 || c != 1 || m.At(0, 0) != 11 {
		t.Errorf("Mul into the empty Dense: %d×%d %v", r, c, mat.Formatted(m))
	}

	if v := gonumx.ToVecDense(tensor.New[float64](0)); !v.IsEmpty() || v.Len() != 0 {
		t.Errorf("ToVecDense of [0]: IsEmpty %v, Len %d", v.IsEmpty(), v.Len())
	}
	if v := gonumx.ToVecDense(tensor.New[float32](0)); !v.IsEmpty() {
		t.Errorf("ToVecDense of a float32 [0]: not empty")
	}

	for name, got := range map[string][]int{
		"FromDense":           gonumx.FromDense(&mat.Dense{}).Shape(),
		"FromMatrix":          gonumx.FromMatrix[float32](&mat.Dense{}).Shape(),
		"FromMatrix of a T()": gonumx.FromMatrix[float64](new(mat.Dense).T()).Shape(),
	} {
		if !tensor.EqualShapes(got, []int{0, 0}) {
			t.Errorf("%s of an empty Dense: shape %v, want [0 0]", name, got)
		}
	}
	for name, got := range map[string][]int{
		"FromVecDense": gonumx.FromVecDense(&mat.VecDense{}).Shape(),
		"FromVector":   gonumx.FromVector[float32](&mat.VecDense{}).Shape(),
	} {
		if !tensor.EqualShapes(got, []int{0}) {
			t.Errorf("%s of an empty VecDense: shape %v, want [0]", name, got)
		}
	}
}

func TestPanics(t *testing.T) {
	for _, tc := range []struct {
		f    func()
		want string
	}{
		{func() { gonumx.ToDense(tensor.New[float64](6)) }, "gonumx: ToDense needs a 2-d tensor, got shape [6]"},
		{func() { gonumx.ToDense(tensor.New[float32](1, 2, 3)) }, "gonumx: ToDense needs a 2-d tensor, got shape [1 2 3]"},
		{func() { gonumx.ToDense(tensor.Scalar(1.0)) }, "gonumx: ToDense needs a 2-d tensor, got shape []"},
		{func() { gonumx.ToVecDense(tensor.New[float64](2, 3)) }, "gonumx: ToVecDense needs a 1-d tensor, got shape [2 3]"},
		{func() { gonumx.ToVecDense(tensor.Scalar[float32](1)) }, "gonumx: ToVecDense needs a 1-d tensor, got shape []"},
		{func() { gonumx.FromDense(nil) }, "gonumx: FromDense of a nil *mat.Dense"},
		{func() { gonumx.FromVecDense(nil) }, "gonumx: FromVecDense of a nil *mat.VecDense"},
		{func() { gonumx.FromMatrix[float64](nil) }, "gonumx: FromMatrix of a nil mat.Matrix"},
		{func() { gonumx.FromVector[float32](nil) }, "gonumx: FromVector of a nil mat.Vector"},
	} {
		msg, panicked := testutil.PanicMessage(tc.f)
		if !panicked || msg != tc.want {
			t.Errorf("panicked %v with %q; want %q", panicked, msg, tc.want)
		}
	}
}
