package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// gramError returns the largest distance from gain²·I of the Gram matrix of
// the rows (byRows) or the columns of the row-major rows×cols matrix d.
func gramError[T tensor.Float](d []T, rows, cols int, byRows bool, gain float64) float64 {
	n, m := cols, rows // columns: n vectors of length m
	at := func(vec, i int) float64 { return float64(d[i*cols+vec]) }
	if byRows {
		n, m = rows, cols
		at = func(vec, i int) float64 { return float64(d[vec*cols+i]) }
	}
	var worst float64
	for a := range n {
		for b := range n {
			var s float64
			for i := range m {
				s += at(a, i) * at(b, i)
			}
			want := 0.0
			if a == b {
				want = gain * gain
			}
			worst = max(worst, math.Abs(s-want))
		}
	}
	return worst
}

// TestOrthogonalIsOrthogonal checks Orthogonal's exact property on random
// draws: WᵀW = gain²·I when rows ≥ cols, W·Wᵀ = gain²·I otherwise (W the
// tensor flattened to rows×cols), to 1e-12 in float64 and 1e-5 in float32.
func TestOrthogonalIsOrthogonal(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 4))
	for _, c := range []struct {
		shape []int
		gain  float64
	}{
		{[]int{7, 3}, 1}, {[]int{3, 7}, 1}, {[]int{16, 16}, 2}, {[]int{64, 64}, 1},
		{[]int{8, 2, 3, 3}, math.Sqrt2}, {[]int{30, 2, 3}, 0.5}, {[]int{1, 5}, 1}, {[]int{5, 1}, 3},
	} {
		rows := c.shape[0]
		cols := tensor.NumElems(c.shape) / rows
		w := tensor.New[float64](c.shape...)
		nn.Orthogonal(w, c.gain, rng)
		if e := gramError(w.Data(), rows, cols, rows < cols, c.gain); e > 1e-12 {
			t.Errorf("Orthogonal %v gain %v: Gram matrix %v from gain²·I", c.shape, c.gain, e)
		}
		w32 := tensor.New[float32](c.shape...)
		nn.Orthogonal(w32, c.gain, rng)
		if e := gramError(w32.Data(), rows, cols, rows < cols, c.gain); e > 1e-5*c.gain*c.gain*math.Sqrt(float64(min(rows, cols))) {
			t.Errorf("Orthogonal float32 %v gain %v: Gram matrix %v from gain²·I", c.shape, c.gain, e)
		}
	}
}

// TestOrthogonalFromPositiveR checks the sign correction: for G = QR with
// Q = OrthogonalFrom(G), R = QᵀG is upper triangular with a positive
// diagonal, and Q·R gives G back (rows ≥ cols).
func TestOrthogonalFromPositiveR(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 5))
	const m, n = 9, 5
	g := make([]float64, m*n)
	for i := range g {
		g[i] = rng.NormFloat64()
	}
	// Make the first column negative-leading so that a sign flip is needed.
	g[0] = -math.Abs(g[0]) - 3
	q := nn.OrthogonalFrom(append([]float64(nil), g...), m, n)
	r := make([]float64, n*n)
	for i := range n {
		for j := range n {
			for k := range m {
				r[i*n+j] += q[k*n+i] * g[k*n+j]
			}
		}
	}
	for i := range n {
		if r[i*n+i] <= 0 {
			t.Errorf("R[%d][%d] = %v, want > 0", i, i, r[i*n+i])
		}
		for j := range i {
			if math.Abs(r[i*n+j]) > 1e-12 {
				t.Errorf("R[%d][%d] = %v, want 0", i, j, r[i*n+j])
			}
		}
	}
	for k := range m {
		for j := range n {
			var s float64
			for i := range n {
				s += q[k*n+i] * r[i*n+j]
			}
			if math.Abs(s-g[k*n+j]) > 1e-12 {
				t.Fatalf("(QR)[%d][%d] = %v, G %v", k, j, s, g[k*n+j])
			}
		}
	}
}

// TestInitFills pins the plain fills: Uniform's samples within [lo, hi)
// with the right mean, Normal's mean and std, Constant, Ones and Zeros.
func TestInitFills(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 6))
	w := tensor.New[float64](initSamples)
	nn.Uniform(w, -1, 3, rng)
	var sum float64
	for _, x := range w.Data() {
		if x < -1 || x >= 3 {
			t.Fatalf("Uniform(-1, 3) drew %v", x)
		}
		sum += x
	}
	// Var U(−1, 3) = 16/12.
	if mean, se := sum/initSamples, math.Sqrt(16/12.0/initSamples); math.Abs(mean-1) > 6*se {
		t.Errorf("Uniform(-1, 3): mean %v, want 1 ± %v", mean, 6*se)
	}
	nn.Normal(w, 2, 0.5, rng)
	sum = 0
	var sumSq float64
	for _, x := range w.Data() {
		sum += x
		sumSq += (x - 2) * (x - 2)
	}
	if mean, se := sum/initSamples, 0.5/math.Sqrt(initSamples); math.Abs(mean-2) > 6*se {
		t.Errorf("Normal(2, 0.5): mean %v, want 2 ± %v", mean, 6*se)
	}
	if v, se := sumSq/initSamples, 0.25*math.Sqrt(2.0/initSamples); math.Abs(v-0.25) > 6*se {
		t.Errorf("Normal(2, 0.5): variance %v, want 0.25 ± %v", v, 6*se)
	}
	c := tensor.New[float32](2, 3)
	nn.Constant(c, 0.3)
	for _, x := range c.Data() {
		if x != float32(0.3) {
			t.Fatalf("Constant(0.3) = %v", c.Data())
		}
	}
	nn.TruncNormal(c, 0, 1, 0.5, 0.5, rng) // a = b: every element is a, as PyTorch
	for _, x := range c.Data() {
		if x != 0.5 {
			t.Fatalf("TruncNormal(a = b = 0.5) = %v", c.Data())
		}
	}
	nn.Ones(c)
	for _, x := range c.Data() {
		if x != 1 {
			t.Fatalf("Ones = %v", c.Data())
		}
	}
	nn.Zeros(c)
	for _, x := range c.Data() {
		if x != 0 {
			t.Fatalf("Zeros = %v", c.Data())
		}
	}
}

// TestInitEmptyNoOp checks that, as PyTorch, the Kaiming initializers and
// Orthogonal leave a tensor with no elements alone, whatever its rank.
func TestInitEmptyNoOp(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 7))
	for _, shape := range [][]int{{0}, {3, 0}, {0, 2, 3}} {
		w := tensor.New[float64](shape...)
		nn.KaimingUniform(w, 0, "fan_in", "leaky_relu", rng)
		nn.KaimingNormal(w, 0, "fan_out", "relu", rng)
		if len(shape) >= 2 {
			nn.Orthogonal(w, 1, rng)
		}
		if w.Size() != 0 {
			t.Fatalf("shape %v changed size", shape)
		}
	}
}

// TestInitPanics checks every initializer's panics and their messages.
func TestInitPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 8))
	vec := tensor.New[float64](4)
	mat := tensor.New[float64](3, 4)
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"Fans 1-d", func() { nn.Fans([]int{4}) }, "nn: cannot compute the fan-in of a tensor of shape [4]: it needs at least 2 dimensions"},
		{"FanIn 0-d", func() { nn.FanIn(nil) }, "nn: cannot compute the fan-in of a tensor of shape []: it needs at least 2 dimensions"},
		{"XavierUniform 1-d", func() { nn.XavierUniform(vec, 1, rng) }, "nn: cannot compute the fan-in of a tensor of shape [4]"},
		{"XavierNormal 1-d", func() { nn.XavierNormal(vec, 1, rng) }, "nn: cannot compute the fan-in of a tensor of shape [4]"},
		{"KaimingUniform 1-d", func() { nn.KaimingUniform(vec, 0, "fan_in", "relu", rng) }, "nn: cannot compute the fan-in of a tensor of shape [4]"},
		{"KaimingNormal 1-d", func() { nn.KaimingNormal(vec, 0, "fan_in", "relu", rng) }, "nn: cannot compute the fan-in of a tensor of shape [4]"},
		{"KaimingUniform mode", func() { nn.KaimingUniform(mat, 0, "fan_avg", "relu", rng) }, `nn: KaimingUniform: mode "fan_avg": want "fan_in" or "fan_out"`},
		{"KaimingNormal mode", func() { nn.KaimingNormal(mat, 0, "", "relu", rng) }, `nn: KaimingNormal: mode "": want "fan_in" or "fan_out"`},
		{"KaimingNormal nonlinearity", func() { nn.KaimingNormal(mat, 0, "fan_in", "gelu", rng) }, `nn: CalculateGain: unsupported nonlinearity "gelu"`},
		{"CalculateGain unknown", func() { nn.CalculateGain("softplus") }, `nn: CalculateGain: unsupported nonlinearity "softplus"`},
		{"CalculateGain two params", func() { nn.CalculateGain("leaky_relu", 0.1, 0.2) }, `nn: CalculateGain("leaky_relu"): at most one param, got [0.1 0.2]`},
		{"TruncNormal std 0", func() { nn.TruncNormal(mat, 0, 0, -2, 2, rng) }, "nn: TruncNormal(mean 0, std 0, a -2, b 2): want std > 0 and a ≤ b"},
		{"TruncNormal a > b", func() { nn.TruncNormal(mat, 0, 1, 1, -1, rng) }, "nn: TruncNormal(mean 0, std 1, a 1, b -1): want std > 0 and a ≤ b"},
		{"Orthogonal 1-d", func() { nn.Orthogonal(vec, 1, rng) }, "nn: Orthogonal: tensor of shape [4]: it needs at least 2 dimensions"},
		{"Eye 1-d", func() { nn.Eye(vec) }, "nn: Eye: tensor of shape [4]: want 2 dimensions"},
		{"Eye 3-d", func() { nn.Eye(tensor.New[float64](2, 2, 2)) }, "nn: Eye: tensor of shape [2 2 2]: want 2 dimensions"},
		{"Dirac 2-d", func() { nn.Dirac(mat, 1) }, "nn: Dirac: tensor of shape [3 4] with 1 groups: want 3, 4 or 5 dimensions and positive groups dividing the first size"},
		{"Dirac 6-d", func() { nn.Dirac(tensor.New[float64](1, 1, 1, 1, 1, 1), 1) }, "nn: Dirac: tensor of shape [1 1 1 1 1 1] with 1 groups"},
		{"Dirac groups", func() { nn.Dirac(tensor.New[float64](3, 2, 3), 2) }, "nn: Dirac: tensor of shape [3 2 3] with 2 groups"},
		{"Dirac groups 0", func() { nn.Dirac(tensor.New[float64](3, 2, 3), 0) }, "nn: Dirac: tensor of shape [3 2 3] with 0 groups"},
	} {
		t.Run(c.name, func(t *testing.T) { testutil.MustPanic(t, c.f, c.want) })
	}
}

// TestModulesDefaultInit checks that the constructors of nn's modules with
// parameters initialize them as PyTorch's: Linear and Conv2d weights from
// kaiming_uniform_(a=√5) = U(±1/√fan_in) and biases U(±1/√fan_in) (groups
// shrink the fan-in), batch norm's weight ones, bias zeros, running mean
// zeros, running variance ones and no batches tracked.
func TestModulesDefaultInit(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 9))
	lin := nn.NewLinear[float64](400, 500, true, rng)
	conv := nn.NewConv2d[float32](64, 96, [2]int{3, 5}, functional.Conv2dOptions{Groups: 4}, true, rng)
	fanIn := 64 / 4 * 3 * 5
	if s := conv.Weight.Value().Shape(); fmt.Sprint(s) != "[96 16 3 5]" {
		t.Fatalf("Conv2d weight shape %v", s)
	}
	for _, c := range []struct {
		name   string
		data   []float64
		bound  float64
		minMax float64 // the largest |x| is at least this fraction of bound
	}{
		{"Linear(400, 500).weight", testutil.Convert[float64](lin.Weight.Value().Data()), 1 / math.Sqrt(400), 1 - 1e-3},
		{"Linear(400, 500).bias", testutil.Convert[float64](lin.Bias.Value().Data()), 1 / math.Sqrt(400), 0.8},
		{"Conv2d(64, 96, 3×5, groups 4).weight", testutil.Convert[float64](conv.Weight.Value().Data()), 1 / math.Sqrt(float64(fanIn)), 1 - 1e-3},
		{"Conv2d(64, 96, 3×5, groups 4).bias", testutil.Convert[float64](conv.Bias.Value().Data()), 1 / math.Sqrt(float64(fanIn)), 0.8},
	} {
		var maxAbs, sumSq float64
		for _, x := range c.data {
			maxAbs = max(maxAbs, math.Abs(x))
			sumSq += x * x
		}
		if maxAbs > c.bound*(1+1e-6) || maxAbs < c.bound*c.minMax {
			t.Errorf("%s: max |x| = %v, want just under %v", c.name, maxAbs, c.bound)
		}
		n := float64(len(c.data))
		want := c.bound * c.bound / 3
		if se := c.bound * c.bound * math.Sqrt(4/45.0/n); math.Abs(sumSq/n-want) > 6*se {
			t.Errorf("%s: E[x²] = %v, want %v ± %v", c.name, sumSq/n, want, 6*se)
		}
	}
	bn := nn.NewBatchNorm2d[float64](5)
	for _, c := range []struct {
		name string
		data []float64
		want float64
	}{
		{"weight", bn.Weight.Value().Data(), 1}, {"bias", bn.Bias.Value().Data(), 0},
		{"running_mean", bn.RunningMean.Data(), 0}, {"running_var", bn.RunningVar.Data(), 1},
		{"num_batches_tracked", bn.NumBatchesTracked.Data(), 0},
	} {
		for _, x := range c.data {
			if x != c.want {
				t.Errorf("BatchNorm2d(5).%s = %v, want all %v", c.name, c.data, c.want)
				break
			}
		}
	}
}
