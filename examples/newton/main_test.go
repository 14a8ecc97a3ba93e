package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/examples/internal/course"
)

// tinyImages is a data set of n 2×3 images with random pixels and labels
// 3 or 5, for checks by hand.
func tinyImages(n int) *data.Images {
	rng := rand.New(rand.NewPCG(5, 6))
	m := &data.Images{C: 1, H: 2, W: 3, NumClasses: 10}
	for i := range n {
		for range 6 {
			m.Pixels = append(m.Pixels, uint8(rng.IntN(256)))
		}
		m.Labels = append(m.Labels, uint8(3+2*(i%2)))
	}
	return m
}

// TestHVPIsTheHessian compares the Hessian–vector product taken through
// the tape with the logistic regression's Hessian written out,
//
//	H = (1/n) Σᵢ pᵢ(1−pᵢ) x̃ᵢ x̃ᵢᵀ + λ·diag(1, …, 1, 0),   x̃ᵢ = (xᵢ, 1)
//
// at a random θ, and the gradient with (1/n) Σᵢ (pᵢ − yᵢ) x̃ᵢ + λ(w, 0).
func TestHVPIsTheHessian(t *testing.T) {
	const lambda = 0.3
	p := newProblem(tinyImages(7), [2]int{3, 5}, 0, lambda)
	if p.n() != 7 || p.dim() != 7 {
		t.Fatalf("%d images, %d parameters; want 7 and 7", p.n(), p.dim())
	}
	rng := rand.New(rand.NewPCG(1, 1))
	theta := make([]float64, p.dim())
	v := make([]float64, p.dim())
	for i := range theta {
		theta[i], v[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	c := p.at(theta)
	got, gotG := c.hv(v), c.gradient()

	d := p.dim() - 1
	want, wantG := make([]float64, p.dim()), make([]float64, p.dim())
	for i, y := range p.y {
		xt := append(append([]float64(nil), p.x.Data()[i*d:(i+1)*d]...), 1)
		prob := 1 / (1 + math.Exp(-dot(theta, xt)))
		s := prob * (1 - prob) * dot(xt, v) / float64(p.n())
		for j, x := range xt {
			want[j] += s * x
			wantG[j] += (prob - float64(y)) * x / float64(p.n())
		}
	}
	for j := range d {
		want[j] += lambda * v[j]
		wantG[j] += lambda * theta[j]
	}
	for j := range want {
		if math.Abs(got[j]-want[j]) > 1e-12*(1+math.Abs(want[j])) {
			t.Errorf("(Hv)[%d] = %.16g, want %.16g", j, got[j], want[j])
		}
		if math.Abs(gotG[j]-wantG[j]) > 1e-12*(1+math.Abs(wantG[j])) {
			t.Errorf("∇L[%d] = %.16g, want %.16g", j, gotG[j], wantG[j])
		}
	}
	if c.hvps != 1 {
		t.Errorf("%d products counted, want 1", c.hvps)
	}
}

// TestConjugateGradient solves a 3×3 system exactly in 3 iterations.
func TestConjugateGradient(t *testing.T) {
	a := [][]float64{{4, 1, 0}, {1, 3, 1}, {0, 1, 2}}
	mul := func(x []float64) []float64 {
		out := make([]float64, 3)
		for i := range a {
			out[i] = dot(a[i], x)
		}
		return out
	}
	b := []float64{1, 2, 3}
	x, iters := conjugateGradient(mul, b, 1e-14, 10)
	if r := norm(axpy(-1, mul(x), b)); r > 1e-12 || iters != 3 {
		t.Errorf("residual %g after %d iterations; want ~0 after 3", r, iters)
	}
	neg := func(x []float64) []float64 { return scaled(-1, x) }
	if x, iters := conjugateGradient(neg, b, 1e-14, 10); iters != 1 || x[2] != 3 {
		t.Errorf("negative curvature: %v after %d iterations, want b after 1", x, iters)
	}
}

// synthetic loads the synthetic MNIST-format set the trainers' tests use.
func synthetic(t *testing.T, n int) (dir string, train, test *data.Images) {
	t.Helper()
	dir = t.TempDir()
	if err := course.WriteSyntheticMNIST(dir, n, n/4, 3); err != nil {
		t.Fatal(err)
	}
	train, test, err := course.LoadData(context.Background(), course.Config{Dataset: "mnist", DataDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return dir, train, test
}

// TestNewtonConverges runs Newton-CG on two classes of the synthetic set:
// the gradient norm, checked by an independent first-order pass, falls
// below 1e-8 in a handful of iterations, the loss never rises, and
// gradient descent given as many steps as Newton took Hessian–vector
// products is still far from the minimum.
func TestNewtonConverges(t *testing.T) {
	_, train, _ := synthetic(t, 300)
	p := newProblem(train, [2]int{1, 2}, 0, 1e-2)
	var losses []float64
	res := newtonCG(p, 1e-10, 20, 200, func(it newtonIter) { losses = append(losses, it.loss) })
	if res.iters > 12 || res.gradNorm >= 1e-10 {
		t.Errorf("%d iterations, ‖∇L‖ %g; want at most 12 and < 1e-10", res.iters, res.gradNorm)
	}
	for i := 1; i < len(losses); i++ {
		if losses[i] > losses[i-1] {
			t.Errorf("loss rose at iteration %d: %v, then %v", i, losses[i-1], losses[i])
		}
	}
	loss, g := p.gradient(res.theta)
	if n := norm(g); n >= 1e-8 || loss != res.loss {
		t.Errorf("first-order pass at the result: ‖∇L‖ %g, loss %v (Newton's %v)", n, loss, res.loss)
	}
	if acc := p.accuracy(res.theta); acc != 1 {
		t.Errorf("training accuracy %v on separable classes, want 1", acc)
	}
	ell := p.largestEigenvalue(make([]float64, p.dim()), 50)
	gd := gradientDescent(p, 1/ell, res.hvps, func(int, float64, float64) {})
	if gd.gradNorm < 1e3*res.gradNorm || !(gd.loss > res.loss) {
		t.Errorf("gradient descent after %d steps: ‖∇L‖ %g, loss %v; Newton's %g, %v", res.hvps, gd.gradNorm, gd.loss,
			res.gradNorm, res.loss)
	}
}

// TestRun runs the command on the synthetic set and checks its report.
func TestRun(t *testing.T) {
	dir, _, _ := synthetic(t, 300)
	var out bytes.Buffer
	err := run(context.Background(), []string{"-dataset", "mnist", "-data", dir, "-classes", "1,2", "-gd-steps", "20"}, &out, &out)
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, re := range []string{
		`(?m)^logistic regression, class 1 against class 2: \d+ training images, 784 features, λ = 0.01$`,
		`(?m)^     0  0\.693147180559945  .*  1$`,
		`(?m)^  \d+ iterations, \d+ Hessian–vector products: loss 0\.\d+, ‖gradient‖ \d\.\d{3}e-(09|1\d)$`,
		`(?m)^  accuracy: training 1\.0000, test \d\.\d{4} \(\d+ test images\)$`,
		`(?m)^    20  0\.\d+  \d\.\d{3}e-0\d  \d\.\d{3}e-0\d$`,
		`(?m)^Newton-CG reached ‖gradient‖ \d\.\de-\d\d in \d+ iterations`,
	} {
		if !regexp.MustCompile(re).MatchString(s) {
			t.Errorf("output lacks %s:\n%s", re, s)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-lambda", "0"}, "-lambda 0: want a positive finite number"},
		{[]string{"-tol", "NaN"}, "-tol NaN: want a positive finite number"},
		{[]string{"-classes", "3,3"}, `invalid value "3,3" for flag -classes: the two classes are the same`},
		{[]string{"-classes", "3"}, `invalid value "3" for flag -classes: want two classes A,B`},
		{[]string{"-classes", "3,x"}, `invalid value "3,x" for flag -classes: bad class "x": want 0 to 9`},
		{[]string{"-n", "-1"}, "-n -1: want 0 (all) or more"},
		{[]string{"-newton-iters", "0"}, "-newton-iters 0: want at least 1"},
		{[]string{"-cg-iters", "0"}, "-cg-iters 0: want at least 1"},
		{[]string{"-gd-steps", "-1"}, "-gd-steps -1: want 0 (none) or more"},
		{[]string{"-dataset", "cifar10"}, `unknown -dataset "cifar10": want fashion-mnist or mnist`},
		{[]string{"-dataset", "mnist"}, "-dataset mnist needs -data DIR holding the MNIST IDX files"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-nosuch"}, "flag provided but not defined: -nosuch"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), c.args, &out, &out)
		var usage *course.UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), c.want) || out.Len() != 0 {
			t.Errorf("%q: error %v, output %q; want a usage error with %q and no output", c.args, err, out.String(), c.want)
		}
	}
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &stderr, &stderr); course.ExitCode("newton", err, &stderr) != 0 ||
		!strings.Contains(stderr.String(), "-gd-steps") {
		t.Errorf("-h: %v, %q", err, stderr.String())
	}
}
