package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

const initRegenerate = "/usr/bin/python3 nn/testdata/gen_torch_init.py"

// torchInit is the layout of testdata/torch_init.json (see its generator).
type torchInit struct {
	reftest.Header
	Gains []struct {
		Nonlinearity string   `json:"nonlinearity"`
		Param        *float64 `json:"param"`
		Gain         float64  `json:"gain"`
	} `json:"gains"`
	Fans []struct {
		Shape  []int `json:"shape"`
		FanIn  int   `json:"fan_in"`
		FanOut int   `json:"fan_out"`
	} `json:"fans"`
	Kaiming []struct {
		Shape        []int   `json:"shape"`
		A            float64 `json:"a"`
		Mode         string  `json:"mode"`
		Nonlinearity string  `json:"nonlinearity"`
		Bound        float64 `json:"bound"`
		Std          float64 `json:"std"`
	} `json:"kaiming"`
	Xavier []struct {
		Shape []int   `json:"shape"`
		Gain  float64 `json:"gain"`
		Bound float64 `json:"bound"`
		Std   float64 `json:"std"`
	} `json:"xavier"`
	Orthogonal []struct {
		Shape   []int       `json:"shape"`
		Gain    float64     `json:"gain"`
		Float64 orthoSample `json:"float64"`
		Float32 orthoSample `json:"float32"`
	} `json:"orthogonal"`
	TruncNormal []struct {
		Mean     float64 `json:"mean"`
		Std      float64 `json:"std"`
		A        float64 `json:"a"`
		B        float64 `json:"b"`
		WantMean float64 `json:"want_mean"`
		WantStd  float64 `json:"want_std"`
	} `json:"trunc_normal"`
	Eye []struct {
		Shape []int     `json:"shape"`
		Out   []float64 `json:"out"`
	} `json:"eye"`
	Dirac []struct {
		Shape  []int     `json:"shape"`
		Groups int       `json:"groups"`
		Out    []float64 `json:"out"`
	} `json:"dirac"`
}

type orthoSample struct {
	Gaussian []float64 `json:"gaussian"`
	Out      []float64 `json:"out"`
}

func loadTorchInit(t *testing.T) *torchInit {
	var ref torchInit
	reftest.Load(t, "testdata/torch_init.json", initRegenerate, &ref)
	return &ref
}

func relDiff(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }

// TestCalculateGainTorch pins CalculateGain to torch's calculate_gain, with
// and without a param, including leaky_relu's default slope 0.01.
func TestCalculateGainTorch(t *testing.T) {
	ref := loadTorchInit(t)
	if len(ref.Gains) < 16 {
		t.Fatalf("only %d gain cases", len(ref.Gains))
	}
	for _, c := range ref.Gains {
		var got float64
		if c.Param == nil {
			got = nn.CalculateGain(c.Nonlinearity)
		} else {
			got = nn.CalculateGain(c.Nonlinearity, *c.Param)
		}
		if relDiff(got, c.Gain) > 1e-15 {
			t.Errorf("CalculateGain(%q, %v) = %v, torch %v", c.Nonlinearity, c.Param, got, c.Gain)
		}
	}
}

// TestFansTorch pins Fans and FanIn to torch's _calculate_fan_in_and_fan_out,
// receptive fields of conv weights and empty axes included.
func TestFansTorch(t *testing.T) {
	ref := loadTorchInit(t)
	for _, c := range ref.Fans {
		in, out := nn.Fans(c.Shape)
		if in != c.FanIn || out != c.FanOut || nn.FanIn(c.Shape) != c.FanIn {
			t.Errorf("Fans(%v) = %d, %d; torch %d, %d", c.Shape, in, out, c.FanIn, c.FanOut)
		}
	}
}

// sampleMoments fills a tensor of the given shape n times with fill and
// returns the largest |x|, the mean and the mean of x² over every element
// drawn, and the count.
func sampleMoments[T tensor.Float](shape []int, minSamples int, fill func(*tensor.Tensor[T])) (maxAbs, mean, meanSq float64, n int) {
	w := tensor.New[T](shape...)
	for n < minSamples {
		fill(w)
		for _, v := range w.Data() {
			x := float64(v)
			maxAbs = max(maxAbs, math.Abs(x))
			mean += x
			meanSq += x * x
			n++
		}
	}
	return maxAbs, mean / float64(n), meanSq / float64(n), n
}

const initSamples = 200_000

// checkUniform checks samples of U(−bound, bound): none outside (up to T's
// rounding), the largest within 1e-3 of the bound ((1−1e-3)^200000 ≈ e^-200
// for the converse), a zero mean and E[x²] = bound²/3 within 6 standard
// errors (Var x² = 4bound⁴/45).
func checkUniform[T tensor.Float](t *testing.T, name string, bound float64, shape []int, fill func(*tensor.Tensor[T])) {
	t.Helper()
	maxAbs, mean, meanSq, n := sampleMoments(shape, initSamples, fill)
	eps := 1e-12
	if _, ok := any(T(0)).(float32); ok {
		eps = 1e-6
	}
	if maxAbs > bound*(1+eps) || maxAbs < bound*(1-1e-3) {
		t.Errorf("%s: max |x| = %v, want just under the bound %v", name, maxAbs, bound)
	}
	if se := bound / math.Sqrt(3*float64(n)); math.Abs(mean) > 6*se {
		t.Errorf("%s: mean %v, want 0 ± %v", name, mean, 6*se)
	}
	want := bound * bound / 3
	if se := bound * bound * math.Sqrt(4/45.0/float64(n)); math.Abs(meanSq-want) > 6*se {
		t.Errorf("%s: E[x²] = %v, want %v ± %v", name, meanSq, want, 6*se)
	}
}

// checkNormal checks samples of N(0, std²): a zero mean and E[x²] = std²
// within 6 standard errors (Var x² = 2std⁴).
func checkNormal[T tensor.Float](t *testing.T, name string, std float64, shape []int, fill func(*tensor.Tensor[T])) {
	t.Helper()
	_, mean, meanSq, n := sampleMoments(shape, initSamples, fill)
	if se := std / math.Sqrt(float64(n)); math.Abs(mean) > 6*se {
		t.Errorf("%s: mean %v, want 0 ± %v", name, mean, 6*se)
	}
	if se := std * std * math.Sqrt(2/float64(n)); math.Abs(meanSq-std*std) > 6*se {
		t.Errorf("%s: E[x²] = %v, want %v ± %v", name, meanSq, std*std, 6*se)
	}
}

// TestKaimingTorch checks the samples of KaimingUniform and KaimingNormal
// against the bound and std torch's kaiming_uniform_/kaiming_normal_ use,
// for both modes, several nonlinearities and conv shapes, in float64 and
// float32.
func TestKaimingTorch(t *testing.T) {
	ref := loadTorchInit(t)
	rng := rand.New(rand.NewPCG(19, 1))
	for _, c := range ref.Kaiming {
		name := func(f string) string {
			return f + "(" + c.Mode + ", " + c.Nonlinearity + ") " + fmt.Sprint(c.Shape)
		}
		checkUniform(t, name("KaimingUniform"), c.Bound, c.Shape, func(w *tensor.Tensor[float64]) {
			nn.KaimingUniform(w, c.A, c.Mode, c.Nonlinearity, rng)
		})
		checkNormal(t, name("KaimingNormal"), c.Std, c.Shape, func(w *tensor.Tensor[float64]) {
			nn.KaimingNormal(w, c.A, c.Mode, c.Nonlinearity, rng)
		})
		checkUniform(t, name("KaimingUniform float32"), c.Bound, c.Shape, func(w *tensor.Tensor[float32]) {
			nn.KaimingUniform(w, c.A, c.Mode, c.Nonlinearity, rng)
		})
		checkNormal(t, name("KaimingNormal float32"), c.Std, c.Shape, func(w *tensor.Tensor[float32]) {
			nn.KaimingNormal(w, c.A, c.Mode, c.Nonlinearity, rng)
		})
	}
}

// TestXavierTorch does the same for XavierUniform and XavierNormal.
func TestXavierTorch(t *testing.T) {
	ref := loadTorchInit(t)
	rng := rand.New(rand.NewPCG(19, 2))
	for _, c := range ref.Xavier {
		name := func(f string) string { return f + " " + fmt.Sprint(c.Shape) }
		checkUniform(t, name("XavierUniform"), c.Bound, c.Shape, func(w *tensor.Tensor[float64]) {
			nn.XavierUniform(w, c.Gain, rng)
		})
		checkNormal(t, name("XavierNormal"), c.Std, c.Shape, func(w *tensor.Tensor[float64]) {
			nn.XavierNormal(w, c.Gain, rng)
		})
		checkUniform(t, name("XavierUniform float32"), c.Bound, c.Shape, func(w *tensor.Tensor[float32]) {
			nn.XavierUniform(w, c.Gain, rng)
		})
		checkNormal(t, name("XavierNormal float32"), c.Std, c.Shape, func(w *tensor.Tensor[float32]) {
			nn.XavierNormal(w, c.Gain, rng)
		})
	}
}

// TestOrthogonalTorch factors the very Gaussian matrix torch's orthogonal_
// drew and compares with torch's result: Q with R's diagonal made positive,
// through the transpose when rows < cols, times the gain. float64 matches to
// 1e-12; torch's float32 result (factored in float32) to 2e-5.
func TestOrthogonalTorch(t *testing.T) {
	ref := loadTorchInit(t)
	for _, c := range ref.Orthogonal {
		rows := c.Shape[0]
		cols := tensor.NumElems(c.Shape) / rows
		for _, d := range []struct {
			name string
			s    orthoSample
			tol  float64
		}{{"float64", c.Float64, 1e-12}, {"float32", c.Float32, 2e-5}} {
			q := nn.OrthogonalFrom(slices.Clone(d.s.Gaussian), rows, cols)
			if len(q) != len(d.s.Out) {
				t.Fatalf("%v %s: %d values, torch %d", c.Shape, d.name, len(q), len(d.s.Out))
			}
			for i := range q {
				if diff := math.Abs(c.Gain*q[i] - d.s.Out[i]); diff > d.tol {
					t.Errorf("Orthogonal %v gain %v %s: [%d] = %v, torch %v", c.Shape, c.Gain, d.name, i, c.Gain*q[i], d.s.Out[i])
					break
				}
			}
		}
	}
}

// TestEyeDiracTorch pins Eye and Dirac to torch's eye_ and dirac_ (groups
// included), exactly, in float64 and float32.
func TestEyeDiracTorch(t *testing.T) {
	ref := loadTorchInit(t)
	for _, c := range ref.Eye {
		w := tensor.New[float64](c.Shape...)
		w.Fill(7)
		nn.Eye(w)
		if !slices.Equal(w.Data(), c.Out) {
			t.Errorf("Eye %v = %v, torch %v", c.Shape, w.Data(), c.Out)
		}
		w32 := tensor.New[float32](c.Shape...)
		nn.Eye(w32)
		if !slices.Equal(w32.Data(), testutil.Convert[float32](c.Out)) {
			t.Errorf("Eye float32 %v = %v, torch %v", c.Shape, w32.Data(), c.Out)
		}
	}
	for _, c := range ref.Dirac {
		w := tensor.New[float64](c.Shape...)
		w.Fill(7)
		nn.Dirac(w, c.Groups)
		if !slices.Equal(w.Data(), c.Out) {
			t.Errorf("Dirac %v groups %d = %v, torch %v", c.Shape, c.Groups, w.Data(), c.Out)
		}
		w32 := tensor.New[float32](c.Shape...)
		nn.Dirac(w32, c.Groups)
		if !slices.Equal(w32.Data(), testutil.Convert[float32](c.Out)) {
			t.Errorf("Dirac float32 %v groups %d = %v, torch %v", c.Shape, c.Groups, w32.Data(), c.Out)
		}
	}
}

// TestTruncNormalTorchMoments checks TruncNormal's samples: every one within
// [a, b] exactly, and their mean and std those of the truncated normal
// (closed form, from the generator) within 6 standard errors, allowing a
// kurtosis up to 9.
func TestTruncNormalTorchMoments(t *testing.T) {
	ref := loadTorchInit(t)
	rng := rand.New(rand.NewPCG(19, 3))
	for _, c := range ref.TruncNormal {
		w := tensor.New[float64](1000)
		var sum, sumSq float64
		var n int
		for n < initSamples {
			nn.TruncNormal(w, c.Mean, c.Std, c.A, c.B, rng)
			for _, x := range w.Data() {
				if x < c.A || x > c.B {
					t.Fatalf("TruncNormal(%v, %v, %v, %v) drew %v", c.Mean, c.Std, c.A, c.B, x)
				}
				sum += x
				sumSq += x * x
				n++
			}
		}
		mean := sum / float64(n)
		std := math.Sqrt(sumSq/float64(n) - mean*mean)
		if se := c.WantStd / math.Sqrt(float64(n)); math.Abs(mean-c.WantMean) > 6*se {
			t.Errorf("TruncNormal(%v, %v, %v, %v): mean %v, want %v ± %v", c.Mean, c.Std, c.A, c.B, mean, c.WantMean, 6*se)
		}
		if tol := 6 * c.WantStd * math.Sqrt(2/float64(n)); math.Abs(std-c.WantStd) > tol {
			t.Errorf("TruncNormal(%v, %v, %v, %v): std %v, want %v ± %v", c.Mean, c.Std, c.A, c.B, std, c.WantStd, tol)
		}
		w32 := tensor.New[float32](10000)
		nn.TruncNormal(w32, c.Mean, c.Std, c.A, c.B, rng)
		for _, x := range w32.Data() {
			if x < float32(c.A) || x > float32(c.B) {
				t.Fatalf("TruncNormal float32 (%v, %v, %v, %v) drew %v", c.Mean, c.Std, c.A, c.B, x)
			}
		}
	}
}
