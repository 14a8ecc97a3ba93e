// Command newton fits an L2-regularized logistic regression between two
// Fashion-MNIST classes by Newton's method, with the Hessian used only
// through Hessian–vector products (Newton-CG, also called truncated
// Newton), and then by plain gradient descent, to compare:
//
//	go run ./examples/newton                        # T-shirt/top (0) against Shirt (6)
//	go run ./examples/newton -classes 7,9 -n 0      # Sneaker against Ankle boot, every image
//
// The problem, for images xᵢ (pixels/255, 784 values) with labels
// yᵢ ∈ {0, 1} (the first class of -classes is 0), weights w and bias b:
//
//	L(w, b) = (1/n) Σᵢ softplus(−sᵢ (w·xᵢ + b)) + (λ/2) ‖w‖²,   sᵢ = 2yᵢ − 1
//
// computed as the softmax cross-entropy of the logits [0, w·xᵢ + b]. It is
// strictly convex, so Newton's method converges quadratically near the
// minimum. Each Newton iteration records L on a fresh tape, takes
// g = ∇L with Tape.Grad and CreateGraph — the backward pass itself is
// recorded — and solves H p = −g by conjugate gradients, where each
// product H v is one more Tape.Grad: the gradient of ⟨g, v⟩, v held
// constant. CG stops early, at a relative residual of min(0.5, √‖g‖)
// (Nocedal & Wright's forcing sequence); a backtracking line search
// (Armijo) takes the step. Iterations stop when ‖g‖ < -tol.
//
// Gradient descent then starts from the same zero weights with the step
// 1/ℓ, where ℓ is the Hessian's largest eigenvalue at the start, found by
// power iteration on the same Hessian–vector products: for this loss the
// Hessian is largest at w = 0, so 1/ℓ is a safe step everywhere. It prints
// how far it got after -gd-steps steps, in loss and gradient norm, against
// the Newton iterations and their Hessian–vector products (each costs about
// two gradients).
//
// Everything runs in float64, so that the gradient norm can reach 1e-8 and
// below. The data are read as the trainers read them: -dataset
// fashion-mnist from Debian's dataset-fashion-mnist by default, or -dataset
// mnist -data DIR. Bad flags are an error and exit status 2.
//
// examples/pytorch/newton.py is the same in PyTorch, with
// torch.autograd.grad(create_graph=True): on the defaults both reach the
// loss 0.333313587847007 in 8 Newton iterations, and gradient descent's
// loss after 500 steps agrees to the 15 digits printed.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/examples/internal/course"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

func main() { course.Command("newton", run) }

// settings are the command's flags.
type settings struct {
	data        course.MNISTData
	classes     [2]int
	n           int     // training images of the two classes; 0: all
	lambda      float64 // L2 weight
	tol         float64 // stop when ‖∇L‖ < tol
	newtonIters int     // at most this many Newton iterations
	cgIters     int     // at most this many CG iterations per Newton iteration
	gdSteps     int     // gradient-descent steps; 0: none
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	s := settings{classes: [2]int{0, 6}, n: 2000, lambda: 1e-2, tol: 1e-8,
		newtonIters: 20, cgIters: 200, gdSteps: 500}
	fs := flag.NewFlagSet("newton", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s.data.Flags(fs)
	fs.Func("classes", "the two classes told apart, as A,B (default 0,6)", func(v string) error {
		c, err := parseClasses(v)
		s.classes = c
		return err
	})
	fs.IntVar(&s.n, "n", s.n, "training images of the two classes, the first ones in file order; 0: all")
	fs.Float64Var(&s.lambda, "lambda", s.lambda, "L2 regularization λ of the weights (positive: the problem is then strictly convex)")
	fs.Float64Var(&s.tol, "tol", s.tol, "stop Newton's method when the gradient norm is below this")
	fs.IntVar(&s.newtonIters, "newton-iters", s.newtonIters, "the most Newton iterations")
	fs.IntVar(&s.cgIters, "cg-iters", s.cgIters, "the most conjugate-gradient iterations (Hessian–vector products) per Newton iteration")
	fs.IntVar(&s.gdSteps, "gd-steps", s.gdSteps, "gradient-descent steps to compare with; 0: none")
	if err := course.Parse(fs, args, stderr); err != nil {
		return err
	}
	if err := s.check(fs); err != nil {
		return &course.UsageError{Err: err}
	}

	trainSet, testSet, err := s.data.Load(ctx, stderr)
	if err != nil {
		return err
	}
	p := newProblem(trainSet, s.classes, s.n, s.lambda)
	if p == nil {
		return fmt.Errorf("the training set has no images of class %d or of class %d", s.classes[0], s.classes[1])
	}
	fmt.Fprintf(stdout, "logistic regression, class %d against class %d: %d training images, %d features, λ = %g\n",
		s.classes[0], s.classes[1], p.n(), p.x.Dim(1), s.lambda)

	fmt.Fprintln(stdout, "\nNewton-CG:")
	fmt.Fprintln(stdout, "  iter  loss                ‖gradient‖  CG iters  step")
	res := newtonCG(p, s.tol, s.newtonIters, s.cgIters, func(it newtonIter) {
		fmt.Fprintf(stdout, "  %4d  %.15f  %9.3e  %8d  %s\n", it.iter, it.loss, it.gradNorm, it.cg, stepString(it.step))
	})
	if res.gradNorm >= s.tol {
		fmt.Fprintf(stdout, "  did not reach ‖gradient‖ < %g in %d iterations\n", s.tol, s.newtonIters)
	}
	fmt.Fprintf(stdout, "  %d iterations, %d Hessian–vector products: loss %.15f, ‖gradient‖ %.3e\n",
		res.iters, res.hvps, res.loss, res.gradNorm)
	if testSet != nil {
		if q := newProblem(testSet, s.classes, 0, s.lambda); q != nil {
			fmt.Fprintf(stdout, "  accuracy: training %.4f, test %.4f (%d test images)\n",
				p.accuracy(res.theta), q.accuracy(res.theta), q.n())
		}
	}

	if s.gdSteps > 0 {
		ell := p.largestEigenvalue(make([]float64, p.dim()), 50)
		fmt.Fprintf(stdout, "\ngradient descent, step 1/ℓ = %.4g (ℓ = %.4g, the Hessian's largest eigenvalue at w = 0, by power iteration):\n",
			1/ell, ell)
		fmt.Fprintln(stdout, "  step  loss                ‖gradient‖  loss − Newton's")
		gd := gradientDescent(p, 1/ell, s.gdSteps, func(step int, loss, gradNorm float64) {
			if step == 0 || step == s.gdSteps || isRound(step) {
				fmt.Fprintf(stdout, "  %4d  %.15f  %9.3e  %.3e\n", step, loss, gradNorm, loss-res.loss)
			}
		})
		fmt.Fprintf(stdout, "\nNewton-CG reached ‖gradient‖ %.1e in %d iterations (%d Hessian–vector products); "+
			"gradient descent %.1e after %d steps, still %.1e above Newton's loss\n",
			res.gradNorm, res.iters, res.hvps, gd.gradNorm, s.gdSteps, gd.loss-res.loss)
	}
	return nil
}

// check reports flag values no run can use.
func (s *settings) check(fs *flag.FlagSet) error {
	if err := s.data.Check(); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q: every setting is a flag (-h lists them)", fs.Arg(0))
	case s.n < 0:
		return fmt.Errorf("-n %d: want 0 (all) or more", s.n)
	case !(s.lambda > 0) || math.IsInf(s.lambda, 1):
		return fmt.Errorf("-lambda %v: want a positive finite number", s.lambda)
	case !(s.tol > 0) || math.IsInf(s.tol, 1):
		return fmt.Errorf("-tol %v: want a positive finite number", s.tol)
	case s.newtonIters < 1:
		return fmt.Errorf("-newton-iters %d: want at least 1", s.newtonIters)
	case s.cgIters < 1:
		return fmt.Errorf("-cg-iters %d: want at least 1", s.cgIters)
	case s.gdSteps < 0:
		return fmt.Errorf("-gd-steps %d: want 0 (none) or more", s.gdSteps)
	}
	return nil
}

// parseClasses parses "A,B": two different classes in [0, 10).
func parseClasses(v string) ([2]int, error) {
	parts := strings.Split(v, ",")
	var c [2]int
	if len(parts) != 2 {
		return c, fmt.Errorf("want two classes A,B")
	}
	for i, s := range parts {
		k, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || k < 0 || k > 9 {
			return c, fmt.Errorf("bad class %q: want 0 to 9", s)
		}
		c[i] = k
	}
	if c[0] == c[1] {
		return c, fmt.Errorf("the two classes are the same")
	}
	return c, nil
}

// isRound says whether a step is worth printing: 1, 2, 5 times a power of
// ten.
func isRound(step int) bool {
	for p := 1; p <= step; p *= 10 {
		if step == p || step == 2*p || step == 5*p {
			return true
		}
	}
	return false
}

func stepString(step float64) string {
	if step == 0 {
		return "—"
	}
	return strconv.FormatFloat(step, 'g', 4, 64)
}

// problem is the logistic regression: the images x (n×d), the labels y
// (0 or 1), λ, and the parameters θ = (w, b), w of shape d×1 and b of
// shape [1], as leaves.
type problem struct {
	x      *tensor.Tensor[float64]
	y      []int
	lambda float64
	w, b   *autograd.Var[float64]
	pick   *autograd.Var[float64] // the 1×2 row [0 1]: z·[0 1] = [0, z]
}

// newProblem returns the problem over the first n images of ds (all if n
// is 0) whose label is one of classes, with θ = 0; nil if ds has none of
// either class.
func newProblem(ds *data.Images, classes [2]int, n int, lambda float64) *problem {
	d := tensor.NumElems(ds.Shape())
	var xs []float64
	var ys []int
	seen := [2]bool{}
	px := make([]float32, d)
	for i := 0; i < ds.Len() && (n == 0 || len(ys) < n); i++ {
		label := ds.Example(i, px)
		for k, c := range classes {
			if label != c {
				continue
			}
			seen[k] = true
			ys = append(ys, k)
			for _, v := range px {
				xs = append(xs, float64(v)/255)
			}
		}
	}
	if !seen[0] || !seen[1] {
		return nil
	}
	return &problem{
		x:      tensor.FromSlice(xs, len(ys), d),
		y:      ys,
		lambda: lambda,
		w:      autograd.NewParam(tensor.New[float64](d, 1)),
		b:      autograd.NewParam(tensor.New[float64](1)),
		pick:   autograd.NewConst(tensor.FromSlice([]float64{0, 1}, 1, 2)),
	}
}

func (p *problem) n() int   { return len(p.y) }
func (p *problem) dim() int { return p.w.Value().Size() + 1 }

func (p *problem) params() []*autograd.Var[float64] { return []*autograd.Var[float64]{p.w, p.b} }

// loss records L(θ) on tape at the current parameters.
func (p *problem) loss(tape *autograd.Tape[float64]) *autograd.Var[float64] {
	z := functional.Add(functional.MatMul(tape.Input(p.x), p.w), p.b) // n×1
	ce := functional.CrossEntropy(functional.Mul(z, p.pick), p.y)     // logits [0, z], broadcast
	penalty := functional.Scale(functional.Sum(functional.Mul(p.w, p.w)), p.lambda/2)
	return functional.Add(ce, penalty)
}

// theta returns θ as one vector: w, then b.
func (p *problem) theta() []float64 {
	return append(append([]float64(nil), p.w.Value().Data()...), p.b.Value().Data()...)
}

// setTheta sets the parameters from one vector.
func (p *problem) setTheta(theta []float64) {
	d := p.w.Value().Size()
	copy(p.w.Value().Data(), theta[:d])
	copy(p.b.Value().Data(), theta[d:])
}

// flat concatenates tensors into one vector, in θ's order.
func flat(ts []*autograd.Var[float64]) []float64 {
	var out []float64
	for _, t := range ts {
		out = append(out, t.Value().Data()...)
	}
	return out
}

// value returns L at θ, without recording a backward pass.
func (p *problem) value(theta []float64) float64 {
	p.setTheta(theta)
	tape := autograd.NewTape[float64]()
	tape.SetGradEnabled(false)
	return p.loss(tape).Value().Item()
}

// gradient returns L and ∇L at θ, by an ordinary first-order pass.
func (p *problem) gradient(theta []float64) (float64, []float64) {
	p.setTheta(theta)
	tape := autograd.NewTape[float64]()
	loss := p.loss(tape)
	return loss.Value().Item(), flat(tape.Grad([]*autograd.Var[float64]{loss}, p.params(), autograd.GradOptions[float64]{}))
}

// curvature is L at one θ with its gradient and the gradient's own backward
// pass recorded on a tape, ready for Hessian–vector products.
type curvature struct {
	p    *problem
	tape *autograd.Tape[float64]
	loss float64
	g    []*autograd.Var[float64] // ∇L, w's then b's, differentiable
	hvps int                      // products taken
}

// at records L and ∇L at θ with CreateGraph.
func (p *problem) at(theta []float64) *curvature {
	p.setTheta(theta)
	tape := autograd.NewTape[float64]()
	loss := p.loss(tape)
	g := tape.Grad([]*autograd.Var[float64]{loss}, p.params(), autograd.GradOptions[float64]{CreateGraph: true})
	return &curvature{p: p, tape: tape, loss: loss.Value().Item(), g: g}
}

// gradient returns ∇L as one vector.
func (c *curvature) gradient() []float64 { return flat(c.g) }

// hv returns H v = ∇⟨∇L, v⟩, v held constant: one more first-order pass
// over the tape, which holds the forward pass and the recorded backward
// pass, from the gradients seeded with v (Grad's GradOutputs), so that
// nothing is added to the tape however many products CG takes.
func (c *curvature) hv(v []float64) []float64 {
	seeds := make([]*autograd.Var[float64], len(c.g))
	off := 0
	for i, g := range c.g {
		n := g.Value().Size()
		seeds[i] = autograd.NewConst(tensor.FromSlice(v[off:off+n], g.Shape()...))
		off += n
	}
	c.hvps++
	return flat(c.tape.Grad(c.g, c.p.params(), autograd.GradOptions[float64]{GradOutputs: seeds}))
}

// newtonIter describes one Newton iteration, for printing.
type newtonIter struct {
	iter           int
	loss, gradNorm float64 // at the iteration's start
	cg             int     // CG iterations taken
	step           float64 // the line search's step length, 0 at the last iteration
}

// newtonResult is where Newton-CG ended.
type newtonResult struct {
	theta          []float64
	loss, gradNorm float64
	iters, hvps    int
}

// newtonCG minimizes L from θ = 0 until ‖∇L‖ < tol or maxIter iterations,
// calling report after each.
func newtonCG(p *problem, tol float64, maxIter, maxCG int, report func(newtonIter)) newtonResult {
	theta := make([]float64, p.dim())
	res := newtonResult{}
	for k := 0; ; k++ {
		c := p.at(theta)
		g := c.gradient()
		gn := norm(g)
		res.theta, res.loss, res.gradNorm, res.iters = theta, c.loss, gn, k
		if gn < tol || k == maxIter {
			report(newtonIter{iter: k, loss: c.loss, gradNorm: gn})
			return res
		}
		neg := scaled(-1, g)
		dir, cgIters := conjugateGradient(c.hv, neg, math.Min(0.5, math.Sqrt(gn)), maxCG)
		res.hvps += c.hvps
		step := lineSearch(p, theta, c.loss, g, dir)
		report(newtonIter{iter: k, loss: c.loss, gradNorm: gn, cg: cgIters, step: step})
		theta = axpy(step, dir, theta)
	}
}

// conjugateGradient solves A x = b approximately for a symmetric positive
// definite A given by its product, from x = 0, until ‖b − A x‖ ≤ rtol·‖b‖
// or maxIter iterations; it returns x and the iterations taken. Should A
// show a direction of non-positive curvature, it stops there (with b
// itself if that is the first direction), as truncated Newton does.
func conjugateGradient(mul func([]float64) []float64, b []float64, rtol float64, maxIter int) ([]float64, int) {
	x := make([]float64, len(b))
	r := append([]float64(nil), b...)
	d := append([]float64(nil), b...)
	rr := dot(r, r)
	stop := rtol * rtol * rr
	for i := 1; i <= maxIter; i++ {
		ad := mul(d)
		curv := dot(d, ad)
		if curv <= 0 {
			if i == 1 {
				return append([]float64(nil), b...), i
			}
			return x, i
		}
		alpha := rr / curv
		x = axpy(alpha, d, x)
		r = axpy(-alpha, ad, r)
		next := dot(r, r)
		if next <= stop {
			return x, i
		}
		d = axpy(next/rr, d, r)
		rr = next
	}
	return x, maxIter
}

// lineSearch returns the step t, from 1 and halving, that satisfies
// Armijo's condition L(θ + t·d) ≤ L(θ) + 1e-4·t·∇L·d; 0 if none does in
// 50 halvings.
func lineSearch(p *problem, theta []float64, loss float64, g, d []float64) float64 {
	slope := dot(g, d)
	for t, i := 1.0, 0; i < 50; t, i = t/2, i+1 {
		if p.value(axpy(t, d, theta)) <= loss+1e-4*t*slope {
			return t
		}
	}
	return 0
}

// gdResult is where gradient descent ended.
type gdResult struct{ loss, gradNorm float64 }

// gradientDescent takes steps θ ← θ − lr·∇L from θ = 0, calling report
// with the loss and gradient norm before step 1 (as step 0) and after each
// step.
func gradientDescent(p *problem, lr float64, steps int, report func(step int, loss, gradNorm float64)) gdResult {
	theta := make([]float64, p.dim())
	loss, g := p.gradient(theta)
	report(0, loss, norm(g))
	for s := 1; s <= steps; s++ {
		theta = axpy(-lr, g, theta)
		loss, g = p.gradient(theta)
		report(s, loss, norm(g))
	}
	return gdResult{loss, norm(g)}
}

// largestEigenvalue estimates the Hessian's largest eigenvalue at θ by
// power iteration on Hessian–vector products, from a fixed start.
func (p *problem) largestEigenvalue(theta []float64, iters int) float64 {
	c := p.at(theta)
	v := make([]float64, len(theta))
	for i := range v {
		v[i] = 1 / math.Sqrt(float64(len(v)))
	}
	var ell float64
	for range iters {
		hv := c.hv(v)
		ell = dot(v, hv)
		v = scaled(1/norm(hv), hv)
	}
	return ell
}

// accuracy returns the fraction of the problem's images that θ classifies
// right (w·x + b > 0 for the second class).
func (p *problem) accuracy(theta []float64) float64 {
	d := p.x.Dim(1)
	right := 0
	for i, y := range p.y {
		z := theta[d]
		for j, v := range p.x.Data()[i*d : (i+1)*d] {
			z += theta[j] * v
		}
		if (z > 0) == (y == 1) {
			right++
		}
	}
	return float64(right) / float64(p.n())
}

func dot(a, b []float64) float64 {
	var s float64
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

func norm(a []float64) float64 { return math.Sqrt(dot(a, a)) }

// axpy returns a·x + y as a new vector.
func axpy(a float64, x, y []float64) []float64 {
	out := make([]float64, len(y))
	for i := range y {
		out[i] = a*x[i] + y[i]
	}
	return out
}

func scaled(a float64, x []float64) []float64 { return axpy(a, x, make([]float64, len(x))) }
