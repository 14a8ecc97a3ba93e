package derivative_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/derivative"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// The functions differentiated here are written with the ops whose backward
// is differentiable on every branch: Add, Sub, Mul, Div, Neg, Scale,
// AddScalar, Expand and SumTo.

type fn = func(xs []*autograd.Var[float64]) *autograd.Var[float64]

func ts(xs ...*tensor.Tensor[float64]) []*tensor.Tensor[float64] { return xs }

func vec(v ...float64) *tensor.Tensor[float64] { return tensor.FromSlice(v) }

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

// total sums every element into a scalar.
func total[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] { return functional.SumToSize(x) }

// column turns x of shape [n] into [n 1] with the ops above: Σⱼ Iᵢⱼ xⱼ.
func column[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	n := x.Shape()[0]
	eye := tensor.New[T](n, n)
	for i := range n {
		eye.Set(1, i, i)
	}
	return functional.SumToSize(functional.Mul(autograd.NewConst(eye), x), n, 1)
}

// quadratic is ½ xᵀAx, whose Hessian is (A + Aᵀ)/2.
func quadratic[T tensor.Float](a *tensor.Tensor[T]) func(xs []*autograd.Var[T]) *autograd.Var[T] {
	return func(xs []*autograd.Var[T]) *autograd.Var[T] {
		x := xs[0]
		outer := functional.Mul(column(x), x) // xᵢxⱼ
		return functional.Scale(total(functional.Mul(autograd.NewConst(a), outer)), 0.5)
	}
}

// rosenbrock is Σₖ (a − xₖ)² + b(yₖ − xₖ²)² over vectors x and y.
func rosenbrock[T tensor.Float](a, b T) func(xs []*autograd.Var[T]) *autograd.Var[T] {
	return func(xs []*autograd.Var[T]) *autograd.Var[T] {
		x, y := xs[0], xs[1]
		u := functional.AddScalar(functional.Neg(x), a)
		d := functional.Sub(y, functional.Mul(x, x))
		return total(functional.Add(functional.Mul(u, u), functional.Scale(functional.Mul(d, d), b)))
	}
}

// mixed is a map of two inputs with broadcasting: x of shape [3], w of
// shape [2 3], y = (w / (1 + x²)) ⊙ x − w⊙w, of shape [2 3].
func mixed[T tensor.Float](xs []*autograd.Var[T]) *autograd.Var[T] {
	x, w := xs[0], xs[1]
	den := functional.AddScalar(functional.Mul(x, x), 1)
	return functional.Sub(functional.Mul(functional.Div(w, den), x), functional.Mul(w, w))
}

// near checks got against want to tol, relative to max(1, |want|).
func near[T tensor.Float](t *testing.T, what string, got *tensor.Tensor[T], want []float64, tol float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nil", what)
		return
	}
	if got.Size() != len(want) {
		t.Errorf("%s: %d elements (shape %v), want %d", what, got.Size(), got.Shape(), len(want))
		return
	}
	for i, g := range got.Data() {
		if w := want[i]; !(math.Abs(float64(g)-w) <= tol*max(1, math.Abs(w))) {
			t.Errorf("%s[%d] = %.17g, want %.17g (all: %v)", what, i, g, w, got.Data())
			return
		}
	}
}

func shape(t *testing.T, what string, got *tensor.Tensor[float64], want ...int) {
	t.Helper()
	if diff := cmp.Diff(want, got.Shape()); diff != "" {
		t.Errorf("%s: shape (-want +got):\n%s", what, diff)
	}
}

// matVec returns M·u for M of n×len(u) elements stored row-major.
func matVec(m []float64, u []float64) []float64 {
	n := len(m) / len(u)
	r := make([]float64, n)
	for i := range n {
		for j, uj := range u {
			r[i] += m[i*len(u)+j] * uj
		}
	}
	return r
}

// transposed returns the transpose of the r×c row-major matrix m.
func transposed(m []float64, r, c int) []float64 {
	out := make([]float64, len(m))
	for i := range r {
		for j := range c {
			out[j*r+i] = m[i*c+j]
		}
	}
	return out
}

func TestHessianOfQuadraticForm(t *testing.T) {
	rng := newRand(1)
	a := tensor.RandN[float64](rng, 4, 4) // not symmetric
	x := tensor.RandN[float64](rng, 4)
	want := make([]float64, 16)
	for i := range 4 {
		for j := range 4 {
			want[i*4+j] = (a.At(i, j) + a.At(j, i)) / 2
		}
	}
	h := derivative.Hessian(quadratic(a), ts(x), nil)
	shape(t, "H", h[0][0], 4, 4)
	near(t, "H", h[0][0], want, 1e-12)

	v := tensor.RandN[float64](rng, 4)
	val, hv := derivative.HVP(quadratic(a), ts(x), ts(v), nil)
	near(t, "H·v", hv[0], matVec(want, v.Data()), 1e-12)
	q := 0.0
	for i := range 4 {
		for j := range 4 {
			q += a.At(i, j) * x.Data()[i] * x.Data()[j]
		}
	}
	near(t, "value", val, []float64{q / 2}, 1e-12)

	// The gradient Ax̄ (x̄ = (A+Aᵀ)x/2) is linear: its Jacobian is H again.
	grad := func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
		return xs[0].Tape().Grad([]*autograd.Var[float64]{quadratic(a)(xs)}, xs, autograd.GradOptions[float64]{CreateGraph: true})[0]
	}
	near(t, "Jacobian of the gradient", derivative.Jacobian(grad, ts(x), nil)[0], want, 1e-12)
}

func TestHessianOfRosenbrock(t *testing.T) {
	const a, b = 1.0, 100.0
	x, y := vec(-1.2, 0.5, 1.1), vec(1, 0.3, 1.3)
	h := derivative.Hessian(rosenbrock(a, b), ts(x, y), nil)
	n := 3
	want := [2][2][]float64{}
	for i := range 2 {
		for j := range 2 {
			want[i][j] = make([]float64, n*n)
		}
	}
	for k := range n {
		xk, yk := x.Data()[k], y.Data()[k]
		want[0][0][k*n+k] = 2 - 4*b*(yk-xk*xk) + 8*b*xk*xk
		want[0][1][k*n+k] = -4 * b * xk
		want[1][0][k*n+k] = -4 * b * xk
		want[1][1][k*n+k] = 2 * b
	}
	for i := range 2 {
		for j := range 2 {
			shape(t, fmt.Sprintf("H[%d][%d]", i, j), h[i][j], n, n)
			near(t, fmt.Sprintf("H[%d][%d]", i, j), h[i][j], want[i][j], 1e-12)
		}
	}

	// At the minimum (a, a²) the gradient is zero and the Hessian is
	// [[802, −400], [−400, 200]] for each pair.
	h = derivative.Hessian(rosenbrock(a, b), ts(vec(1), vec(1)), nil)
	got := []float64{h[0][0].Item(), h[0][1].Item(), h[1][0].Item(), h[1][1].Item()}
	if diff := cmp.Diff([]float64{802, -400, -400, 200}, got); diff != "" {
		t.Errorf("Hessian at the minimum (-want +got):\n%s", diff)
	}
}

func TestJacobianOfAnElementwiseMapIsDiagonal(t *testing.T) {
	x := tensor.FromSlice([]float64{-1.5, 0.25, 2, 0.5, -0.75, 3}, 2, 3)
	cases := []struct {
		name string
		f    fn
		d    func(x float64) float64
	}{
		{"x³ + 2x", func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
			x := xs[0]
			return functional.Add(functional.Mul(functional.Mul(x, x), x), functional.Scale(x, 2))
		}, func(x float64) float64 { return 3*x*x + 2 }},
		{"1/(1+x²)", func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
			x := xs[0]
			return functional.Div(autograd.NewConst(tensor.Ones[float64](2, 3)), functional.AddScalar(functional.Mul(x, x), 1))
		}, func(x float64) float64 { return -2 * x / ((1 + x*x) * (1 + x*x)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := derivative.Jacobian(c.f, ts(x), nil)[0]
			shape(t, "J", j, 2, 3, 2, 3)
			want := make([]float64, 36)
			for k, xk := range x.Data() {
				want[k*6+k] = c.d(xk)
			}
			near(t, "J", j, want, 1e-12)
		})
	}
}

// evaluate runs f forward on copies of xs.
func evaluate(f fn, xs []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	tape := autograd.NewTape[float64]()
	vs := make([]*autograd.Var[float64], len(xs))
	for i, x := range xs {
		vs[i] = tape.Input(x.Clone())
	}
	return f(vs).Value()
}

// numericJacobian is the Jacobian of f with respect to input i by central
// differences, in derivative.Jacobian's layout.
func numericJacobian(f fn, xs []*tensor.Tensor[float64], i int) []float64 {
	const h = 1e-6
	m := evaluate(f, xs).Size()
	n := xs[i].Size()
	jac := make([]float64, m*n)
	for j := range n {
		plus, minus := clones(xs), clones(xs)
		plus[i].Data()[j] += h
		minus[i].Data()[j] -= h
		fp, fm := evaluate(f, plus).Data(), evaluate(f, minus).Data()
		for k := range m {
			jac[k*n+j] = (fp[k] - fm[k]) / (2 * h)
		}
	}
	return jac
}

func clones(xs []*tensor.Tensor[float64]) []*tensor.Tensor[float64] {
	out := make([]*tensor.Tensor[float64], len(xs))
	for i, x := range xs {
		out[i] = x.Clone()
	}
	return out
}

// gradientOf returns the function x ↦ ∇f(x) with respect to input i,
// computed by VJP, for differencing.
func gradientOf(f fn, i int) fn {
	return func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
		vals := make([]*tensor.Tensor[float64], len(xs))
		for k, x := range xs {
			vals[k] = x.Value()
		}
		_, g := derivative.VJP(f, vals, nil, nil)
		return autograd.NewConst(g[i])
	}
}

func mixedInputs() []*tensor.Tensor[float64] {
	rng := newRand(2)
	return ts(tensor.RandN[float64](rng, 3), tensor.RandN[float64](rng, 2, 3))
}

func TestAgainstFiniteDifferences(t *testing.T) {
	xs := mixedInputs()
	jac := derivative.Jacobian(mixed, xs, nil)
	shape(t, "J[0]", jac[0], 2, 3, 3)
	shape(t, "J[1]", jac[1], 2, 3, 2, 3)
	for i := range xs {
		near(t, fmt.Sprintf("J[%d]", i), jac[i], numericJacobian(mixed, xs, i), 1e-8)
	}

	// The Hessian of the scalar Σ y⊙y against differences of its gradient.
	sq := func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
		y := mixed(xs)
		return total(functional.Mul(y, y))
	}
	hess := derivative.Hessian(sq, xs, nil)
	for i := range xs {
		for j := range xs {
			// H[i][j][a, b] = ∂(∂f/∂xᵢ)ₐ/∂(xⱼ)_b: the Jacobian of gradient i.
			near(t, fmt.Sprintf("H[%d][%d]", i, j), hess[i][j], numericJacobian(gradientOf(sq, i), xs, j), 1e-7)
		}
	}
	// Symmetry: H[1][0] is H[0][1] transposed.
	near(t, "H[1][0]", hess[1][0], transposed(hess[0][1].Data(), 3, 6), 1e-12)
}

// JVP, VJP and the Jacobian agree: J·u, vᵀJ, and ⟨v, J·u⟩ = ⟨Jᵀv, u⟩.
func TestJVPAndVJPAgreeWithTheJacobian(t *testing.T) {
	xs := mixedInputs()
	rng := newRand(3)
	us := ts(tensor.RandN[float64](rng, 3), tensor.RandN[float64](rng, 2, 3))
	v := tensor.RandN[float64](rng, 2, 3)
	jac := derivative.Jacobian(mixed, xs, nil)

	val, ju := derivative.JVP(mixed, xs, us, nil)
	near(t, "value", val, evaluate(mixed, xs).Data(), 0)
	want := make([]float64, 6)
	for i := range xs {
		for k, x := range matVec(jac[i].Data(), us[i].Data()) {
			want[k] += x
		}
	}
	shape(t, "J·u", ju, 2, 3)
	near(t, "J·u", ju, want, 1e-12)

	_, vj := derivative.VJP(mixed, xs, v, nil)
	dotL, dotR := tensor.Dot(v, ju), 0.0
	for i := range xs {
		n := xs[i].Size()
		near(t, fmt.Sprintf("vᵀJ[%d]", i), vj[i], matVec(transposed(jac[i].Data(), 6, n), v.Data()), 1e-12)
		dotR += tensor.Dot(vj[i], us[i])
	}
	if math.Abs(dotL-dotR) > 1e-12*math.Abs(dotL) {
		t.Errorf("⟨v, J·u⟩ = %.17g, ⟨Jᵀv, u⟩ = %.17g", dotL, dotR)
	}

	// HVP agrees with the Hessian times v.
	sq := func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
		y := mixed(xs)
		return total(functional.Mul(y, y))
	}
	hess := derivative.Hessian(sq, xs, nil)
	_, hv := derivative.HVP(sq, xs, us, nil)
	for i := range xs {
		want := make([]float64, xs[i].Size())
		for j := range xs {
			for k, x := range matVec(hess[i][j].Data(), us[j].Data()) {
				want[k] += x
			}
		}
		near(t, fmt.Sprintf("H·v[%d]", i), hv[i], want, 1e-12)
	}
}

// Every function runs in float32, agreeing with float64 to its precision.
func TestFloat32(t *testing.T) {
	xs := mixedInputs()
	xs32 := make([]*tensor.Tensor[float32], len(xs))
	for i, x := range xs {
		xs32[i] = tensor.FromSlice(testutil.Convert[float32](x.Data()), x.Shape()...)
	}
	us32 := []*tensor.Tensor[float32]{tensor.Full[float32](0.5, 3), tensor.Full[float32](-1, 2, 3)}
	us := ts(tensor.Full(0.5, 3), tensor.Full(-1.0, 2, 3))
	sq32 := func(xs []*autograd.Var[float32]) *autograd.Var[float32] {
		y := mixed(xs)
		return total(functional.Mul(y, y))
	}
	sq := func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
		y := mixed(xs)
		return total(functional.Mul(y, y))
	}
	const tol = 1e-5
	_, hv32 := derivative.HVP(sq32, xs32, us32, nil)
	_, hv := derivative.HVP(sq, xs, us, nil)
	_, ju32 := derivative.JVP(mixed[float32], xs32, us32, nil)
	_, ju := derivative.JVP(mixed[float64], xs, us, nil)
	near(t, "float32 J·u", ju32, ju.Data(), tol)
	j32 := derivative.Jacobian(mixed[float32], xs32, nil)
	j := derivative.Jacobian(mixed[float64], xs, nil)
	h32 := derivative.Hessian(sq32, xs32, nil)
	h := derivative.Hessian(sq, xs, nil)
	for i := range xs {
		near(t, fmt.Sprintf("float32 H·v[%d]", i), hv32[i], hv[i].Data(), tol)
		near(t, fmt.Sprintf("float32 J[%d]", i), j32[i], j[i].Data(), tol)
		for k := range xs {
			near(t, fmt.Sprintf("float32 H[%d][%d]", i, k), h32[i][k], h[i][k].Data(), tol)
		}
	}
}

// smallNet records the loss of a tiny network, Σ ((x·w₁)²⊙w₂ + b − t)² / 8
// written with the ops above (x·w₁ as a broadcast product summed over the
// features), with parameters made by NewParam.
func smallNet(tape *autograd.Tape[float64], ps []*autograd.Var[float64]) *autograd.Var[float64] {
	x := tape.Input(tensor.FromSlice([]float64{0.5, -1, 2, 1.5, 0.25, -0.5, 1, 1, -2, 0.3, 0.7, -1.1}, 4, 1, 3))
	target := tape.Input(tensor.FromSlice([]float64{1, -1, 0.5, 2, 0, 1, -0.5, 0.25}, 4, 2, 1))
	w1, w2, b := ps[0], ps[1], ps[2]                          // [2 3], [2 1], [2 1]
	h := functional.SumToSize(functional.Mul(x, w1), 4, 2, 1) // Σⱼ xⱼ w₁ᵢⱼ
	z := functional.Add(functional.Mul(functional.Mul(h, h), w2), b)
	d := functional.Sub(z, target)
	return functional.Scale(total(functional.Mul(d, d)), 0.125)
}

func netParams() []*autograd.Var[float64] {
	rng := newRand(4)
	return []*autograd.Var[float64]{
		autograd.NewParam(tensor.RandN[float64](rng, 2, 3)),
		autograd.NewParam(tensor.RandN[float64](rng, 2, 1)),
		autograd.NewParam(tensor.RandN[float64](rng, 2, 1)),
	}
}

// HVPAt on a model's parameters equals the function-level HVP of the same
// loss, and the Hessian from HessianAt times v; the tape stays usable for
// a Backward after it, with buffer reuse on or off.
func TestHVPAtOnParameters(t *testing.T) {
	ps := netParams()
	rng := newRand(5)
	vs := ts(tensor.RandN[float64](rng, 2, 3), tensor.RandN[float64](rng, 2, 1), tensor.RandN[float64](rng, 2, 1))
	vals := make([]*tensor.Tensor[float64], len(ps))
	for i, p := range ps {
		vals[i] = p.Value()
	}
	_, want := derivative.HVP(func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
		return smallNet(xs[0].Tape(), xs)
	}, vals, vs, nil)

	hessTape := autograd.NewTape[float64]()
	hess := derivative.HessianAt(hessTape, smallNet(hessTape, ps), ps, nil)

	for _, reuse := range []bool{false, true} {
		tape := autograd.NewTape[float64]()
		tape.ReuseBuffers(reuse)
		for step := range 2 {
			tape.Reset()
			for _, p := range ps {
				p.ZeroGrad()
			}
			loss := smallNet(tape, ps)
			hv := derivative.HVPAt(tape, loss, ps, vs, nil)
			for i := range ps {
				near(t, fmt.Sprintf("reuse %t step %d: H·v[%d]", reuse, step, i), hv[i].Value(), want[i].Data(), 1e-12)
				if hv[i].RequiresGrad() {
					t.Errorf("H·v[%d] requires a gradient without CreateGraph", i)
				}
				fromH := make([]float64, ps[i].Value().Size())
				for j := range ps {
					for k, x := range matVec(hess[i][j].Data(), vs[j].Data()) {
						fromH[k] += x
					}
				}
				near(t, fmt.Sprintf("H·v[%d] from HessianAt", i), hv[i].Value(), fromH, 1e-12)
			}
			tape.Backward(loss)
			_, g := derivative.VJP(func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
				return smallNet(xs[0].Tape(), xs)
			}, vals, nil, nil)
			for i, p := range ps {
				near(t, fmt.Sprintf("Backward after HVPAt: ∇[%d]", i), p.Grad(), g[i].Data(), 1e-12)
			}
		}
	}
}

// With CreateGraph the products are recorded and can be differentiated
// again: for f = Σ x⁴, H·v = 12x²⊙v and ∂⟨H·v, 1⟩/∂x = 24x⊙v; for
// y = x³, J·u = 3x²⊙u and ∂Σ(J·u)/∂x = 6x⊙u.
func TestCreateGraph(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec(1, -2, 0.5))
	sq := functional.Mul(x, x)
	f := total(functional.Mul(sq, sq))
	v := vec(2, 1, -1)
	hv := derivative.HVPAt(tape, f, []*autograd.Var[float64]{x}, ts(v), &derivative.Options{CreateGraph: true})
	near(t, "H·v", hv[0].Value(), []float64{24, 48, -3}, 1e-12)
	third := tape.Grad([]*autograd.Var[float64]{total(hv[0])}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{})
	near(t, "∂⟨H·v, 1⟩/∂x", third[0].Value(), []float64{48, -48, -12}, 1e-12)

	y := functional.Mul(sq, x)
	ju := derivative.JVPAt(tape, y, []*autograd.Var[float64]{x}, ts(v), &derivative.Options{CreateGraph: true})
	near(t, "J·u", ju.Value(), []float64{6, 12, -0.75}, 1e-12)
	d := tape.Grad([]*autograd.Var[float64]{total(ju)}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{})
	near(t, "∂Σ(J·u)/∂x", d[0].Value(), []float64{12, -12, -3}, 1e-12)

	vj := derivative.VJPAt(tape, y, []*autograd.Var[float64]{x}, v, &derivative.Options{CreateGraph: true})
	near(t, "vᵀJ", vj[0].Value(), []float64{6, 12, -0.75}, 1e-12)
	if !vj[0].RequiresGrad() {
		t.Error("vᵀJ with CreateGraph requires no gradient")
	}

	// Recording turned off by the caller is turned back on for the pass
	// and restored after it, as torch.autograd.functional does.
	was := tape.SetGradEnabled(false)
	hv = derivative.HVPAt(tape, f, []*autograd.Var[float64]{x}, ts(v), &derivative.Options{CreateGraph: true})
	restored := !tape.SetGradEnabled(was)
	if !hv[0].RequiresGrad() || !restored {
		t.Errorf("with recording off: H·v requires a gradient %t; recording off again after HVPAt %t", hv[0].RequiresGrad(), restored)
	}
	near(t, "H·v, recording off", hv[0].Value(), []float64{24, 48, -3}, 1e-12)
}

// What does not depend on an input gets zeros, or a panic with Strict.
func TestZerosAndStrict(t *testing.T) {
	strict := &derivative.Options{Strict: true}
	x, z := vec(1, 2), vec(3)
	// f(x, z) = Σ x³: independent of z.
	cube := func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
		return total(functional.Mul(functional.Mul(xs[0], xs[0]), xs[0]))
	}
	_, hv := derivative.HVP(cube, ts(x, z), ts(vec(1, 1), vec(1)), nil)
	near(t, "H·v[0]", hv[0], []float64{6, 12}, 1e-12)
	near(t, "H·v[1]", hv[1], []float64{0}, 0)
	testutil.MustPanic(t, func() { derivative.HVP(cube, ts(x, z), ts(vec(1, 1), vec(1)), strict) },
		"derivative: HVP: the output does not depend on input 1 (Strict)")
	h := derivative.Hessian(cube, ts(x, z), nil)
	near(t, "H[0][0]", h[0][0], []float64{6, 0, 0, 12}, 1e-12)
	near(t, "H[0][1]", h[0][1], []float64{0, 0}, 0)
	near(t, "H[1][1]", h[1][1], []float64{0}, 0)
	testutil.MustPanic(t, func() { derivative.Hessian(cube, ts(x, z), strict) },
		"derivative: Hessian: the output does not depend on input 1 (Strict)")
	j := derivative.Jacobian(cube, ts(x, z), nil)
	near(t, "J[1]", j[1], []float64{0}, 0)
	testutil.MustPanic(t, func() { derivative.Jacobian(cube, ts(x, z), strict) },
		"derivative: Jacobian: the output does not depend on input 1 (Strict)")
	_, vj := derivative.VJP(cube, ts(x, z), nil, nil)
	near(t, "vᵀJ[1]", vj[1], []float64{0}, 0)
	testutil.MustPanic(t, func() { derivative.VJP(cube, ts(x, z), nil, strict) },
		"derivative: VJP: the output does not depend on input 1 (Strict)")
	_, ju := derivative.JVP(cube, ts(x, z), ts(vec(1, 0), vec(5)), nil)
	near(t, "J·u", ju, []float64{3}, 1e-12)
	testutil.MustPanic(t, func() { derivative.JVP(cube, ts(x, z), ts(vec(1, 0), vec(5)), strict) },
		"derivative: JVP: the output does not depend on input 1 (Strict)")

	// A linear function: its gradient is a constant, its Hessian zero.
	linear := func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
		return total(functional.Mul(xs[0], autograd.NewConst(vec(3, 4))))
	}
	_, hv = derivative.HVP(linear, ts(x), ts(vec(1, 1)), nil)
	near(t, "H·v of a linear function", hv[0], []float64{0, 0}, 0)
	testutil.MustPanic(t, func() { derivative.HVP(linear, ts(x), ts(vec(1, 1)), strict) },
		"derivative: HVP: the gradient with respect to input 0 does not depend on the inputs: the function is linear in it, its Hessian is zero (Strict)")
	testutil.MustPanic(t, func() { derivative.Hessian(linear, ts(x), strict) },
		"derivative: Hessian: the gradient with respect to input 0 does not depend on the inputs")

	// x⊙y: the gradient with respect to x does not depend on x.
	prod := func(xs []*autograd.Var[float64]) *autograd.Var[float64] { return total(functional.Mul(xs[0], xs[1])) }
	h = derivative.Hessian(prod, ts(vec(2), vec(3)), nil)
	got := []float64{h[0][0].Item(), h[0][1].Item(), h[1][0].Item(), h[1][1].Item()}
	if diff := cmp.Diff([]float64{0, 1, 1, 0}, got); diff != "" {
		t.Errorf("Hessian of xy (-want +got):\n%s", diff)
	}
	testutil.MustPanic(t, func() { derivative.Hessian(prod, ts(vec(2), vec(3)), strict) },
		"derivative: Hessian: the gradient with respect to input 0 does not depend on input 0: that block of the Hessian is zero (Strict)")

	// An output that requires no gradient: a constant.
	constant := func(xs []*autograd.Var[float64]) *autograd.Var[float64] { return autograd.NewConst(vec(7)) }
	val, hv := derivative.HVP(constant, ts(x), ts(vec(1, 1)), nil)
	near(t, "value of a constant", val, []float64{7}, 0)
	near(t, "H·v of a constant", hv[0], []float64{0, 0}, 0)
	_, ju = derivative.JVP(constant, ts(x), ts(vec(1, 1)), nil)
	near(t, "J·u of a constant", ju, []float64{0}, 0)
	near(t, "J of a constant", derivative.Jacobian(constant, ts(x), nil)[0], []float64{0, 0}, 0)
	for name, f := range map[string]func(){
		"VJP":      func() { derivative.VJP(constant, ts(x), nil, strict) },
		"JVP":      func() { derivative.JVP(constant, ts(x), ts(vec(1, 1)), strict) },
		"HVP":      func() { derivative.HVP(constant, ts(x), ts(vec(1, 1)), strict) },
		"Jacobian": func() { derivative.Jacobian(constant, ts(x), strict) },
		"Hessian":  func() { derivative.Hessian(constant, ts(x), strict) },
	} {
		testutil.MustPanic(t, f, "derivative: "+name+": the output requires no gradient: it does not depend on the inputs (Strict)")
	}
}

// A pass that only routes its seed returns it; the caller's vectors are
// never handed back as results.
func TestResultsDoNotAliasTheVectors(t *testing.T) {
	shift := func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
		return functional.AddScalar(xs[0], 1)
	}
	u := vec(1, 2)
	_, ju := derivative.JVP(shift, ts(vec(0, 0)), ts(u), nil)
	_, vj := derivative.VJP(shift, ts(vec(0, 0)), u, nil)
	u.Data()[0] = 99
	near(t, "J·u", ju, []float64{1, 2}, 0)
	near(t, "vᵀJ", vj[0], []float64{1, 2}, 0)
}

func TestPanics(t *testing.T) {
	f := func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
		return total(functional.Mul(xs[0], xs[0]))
	}
	vecf := func(xs []*autograd.Var[float64]) *autograd.Var[float64] { return functional.Mul(xs[0], xs[0]) }
	x := vec(1, 2)
	tape := autograd.NewTape[float64]()
	p := tape.Param(vec(1, 2))
	loss := f([]*autograd.Var[float64]{p})
	ps := []*autograd.Var[float64]{p}
	create := &derivative.Options{CreateGraph: true}
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"no inputs", func() { derivative.HVP(f, nil, nil, nil) }, "derivative: HVP needs at least one input"},
		{"no inputs at", func() { derivative.HVPAt(tape, loss, nil, nil, nil) }, "derivative: HVPAt needs at least one input"},
		{"nil tape", func() { derivative.JVPAt(nil, loss, ps, ts(x), nil) }, "derivative: JVPAt: nil tape"},
		{"CreateGraph VJP", func() { derivative.VJP(f, ts(x), nil, create) }, "derivative: VJP returns tensors and cannot record its computation: CreateGraph is for HVPAt, JVPAt and VJPAt"},
		{"CreateGraph JVP", func() { derivative.JVP(f, ts(x), ts(x), create) }, "derivative: JVP returns tensors"},
		{"CreateGraph HVP", func() { derivative.HVP(f, ts(x), ts(x), create) }, "derivative: HVP returns tensors"},
		{"CreateGraph Jacobian", func() { derivative.Jacobian(f, ts(x), create) }, "derivative: Jacobian returns tensors"},
		{"CreateGraph Hessian", func() { derivative.Hessian(f, ts(x), create) }, "derivative: Hessian returns tensors"},
		{"CreateGraph JacobianAt", func() { derivative.JacobianAt(tape, loss, ps, create) }, "derivative: JacobianAt returns tensors"},
		{"CreateGraph HessianAt", func() { derivative.HessianAt(tape, loss, ps, create) }, "derivative: HessianAt returns tensors"},
		{"vector count", func() { derivative.HVP(f, ts(x), ts(x, x), nil) }, "derivative: HVP: 2 vectors for 1 inputs"},
		{"vector shape", func() { derivative.JVP(f, ts(x), ts(vec(1, 2, 3)), nil) }, "derivative: JVP: vector 0 has shape [3] for input 0 of shape [2]"},
		{"nil vector", func() { derivative.HVPAt(tape, loss, ps, ts(nil), nil) }, "derivative: HVPAt: vector 0 is nil"},
		{"vectors omitted", func() { derivative.HVP(f, ts(x), nil, nil) }, "derivative: HVP: the vectors may be omitted only for one input of one element, not 1 inputs of shapes [[2]]"},
		{"v shape", func() { derivative.VJP(vecf, ts(x), vec(1), nil) }, "derivative: VJP: v has shape [1] for an output of shape [2]"},
		{"v omitted", func() { derivative.VJPAt(tape, functional.Mul(p, p), ps, nil, nil) }, "derivative: VJPAt: v may be omitted only for an output of one element, not one of shape [2]"},
		{"HVP of a vector", func() { derivative.HVP(vecf, ts(x), ts(x), nil) }, "derivative: HVP: the function must return one element, got shape [2]"},
		{"Hessian of a vector", func() { derivative.Hessian(vecf, ts(x), nil) }, "derivative: Hessian: the function must return one element, got shape [2]"},
		{"no BackwardVar", func() {
			derivative.HVP(func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
				return autograd.Apply[float64](&firstOrderOnly{}, f(xs))
			}, ts(x), ts(x), nil)
		}, "autograd: Grad with CreateGraph reached op firstOrderOnly"},
	} {
		t.Run(c.name, func(t *testing.T) { testutil.MustPanic(t, c.f, c.want) })
	}
}

// firstOrderOnly is the identity without a differentiable backward.
type firstOrderOnly struct{}

func (firstOrderOnly) Name() string { return "firstOrderOnly" }
func (firstOrderOnly) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	return in[0].Clone()
}
func (firstOrderOnly) Backward(dy *tensor.Tensor[float64], _ []bool) []*tensor.Tensor[float64] {
	return []*tensor.Tensor[float64]{dy}
}
func (firstOrderOnly) Saved() []*tensor.Tensor[float64] { return nil }

// A one-element input may omit its vector (v = 1), as in PyTorch.
func TestOmittedVectors(t *testing.T) {
	cube := func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
		return functional.Mul(functional.Mul(xs[0], xs[0]), xs[0])
	}
	val, ju := derivative.JVP(cube, ts(vec(2)), nil, nil)
	near(t, "x³ at 2", val, []float64{8}, 0)
	near(t, "d/dx x³ at 2", ju, []float64{12}, 1e-12)
	_, hv := derivative.HVP(cube, ts(vec(2)), nil, nil)
	near(t, "d²/dx² x³ at 2", hv[0], []float64{12}, 1e-12)
	_, vj := derivative.VJP(cube, ts(vec(2)), nil, nil)
	near(t, "gradient of x³ at 2", vj[0], []float64{12}, 1e-12)
}
