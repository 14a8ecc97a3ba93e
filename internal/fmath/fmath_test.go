package fmath

import (
	"math"
	"strconv"
	"testing"

	"github.com/tapegrad/tapegrad/internal/reftest"
)

// The exact constants below are the correctly rounded float64 values of
// the functions: mpmath.exp, mpmath.log and mpmath.power of the float64
// input at 400 bits, rounded once to nearest by f64 in
// testdata/gen_mpmath_edges.py (mpmath's float() rounds subnormals twice).
// PyTorch 1.13's torch.exp and torch.log in float64 give the same bits for
// each of them except where a comment says otherwise.

// TestExpEdges pins Exp at the top of the float64 range, where amd64's
// math.Exp returns +Inf from about 709.44, and at the bottom, where the
// results are subnormal. Exp is correctly rounded there: bit equality. The
// few inputs of the fast path (package math's Exp, which is 1 ulp off on
// arm64 at 709.43) may be 1 ulp off.
func TestExpEdges(t *testing.T) {
	cases := []struct{ x, want float64 }{
		{709.43, 1.2633808701860083e+308}, // the last input of the fast path
		{709.44, 1.2760780590224528e+308}, // amd64's math.Exp: +Inf
		{709.5, 1.3549863193146328e+308},
		{709.78, 1.7928227943945155e+308},
		// The last two finite results; PyTorch 1.13's torch.exp (SLEEF)
		// returns +Inf for both.
		{709.7827128933839, 1.7976931348620688e+308},
		{709.782712893384, 1.7976931348622732e+308}, // ExpOverflow
		{709.7827128933841, math.Inf(1)},            // e^x > MaxFloat64 + ½ulp
		{710, math.Inf(1)},
		{math.Inf(1), math.Inf(1)},
		{-708.39, 2.2394014988804677e-308},            // the last input of the fast path
		{-708.3964185322641, 2.2250738585072626e-308}, // ln 2^-1022 rounded up: 3 ulps above MinNormal
		{-708.5, 2.006132305331306e-308},
		{-709, 1.216780750623423e-308},
		{-720, 2.0322308024e-313},
		{-740, 4.2e-322},
		{-744, 1e-323},
		{-745.13, 5e-324},            // the smallest subnormal
		{-745.1332191019411, 5e-324}, // e^x = 1.0000000000000992·2^-1075: rounds up
		{-745.1332191019412, 0},      // ExpUnderflow: e^x = 0.99999999999998552·2^-1075
		{-746, 0},
		{math.Inf(-1), 0},
		{0, 1},
		{1, math.E},
	}
	for _, c := range cases {
		tol := int64(0)
		if fastExpMin <= c.x && c.x <= fastExpMax {
			tol = 1
		}
		if got := Exp(c.x); ulps(got, c.want) > tol || math.Signbit(got) {
			t.Errorf("Exp(%v) = %v, want %v (%d ulps)", c.x, got, c.want, ulps(got, c.want))
		}
	}
	if got := Exp(math.NaN()); !math.IsNaN(got) {
		t.Errorf("Exp(NaN) = %v, want NaN", got)
	}
}

// TestLogEdges pins Log at subnormal inputs, where amd64's math.Log is far
// off (−709.0896 at 5e-324), and around the smallest normal float64. Log is
// correctly rounded for subnormals: bit equality; normal inputs are package
// math's, within 1 ulp.
func TestLogEdges(t *testing.T) {
	cases := []struct{ x, want float64 }{
		{5e-324, -744.4400719213812}, // amd64's math.Log: −709.0895657128241
		{1e-323, -743.7469247408213},
		{1e-320, -736.8272408909739},
		{3e-315, -724.2156920043277},
		{1e-310, -713.8013788281542},                       // amd64's math.Log: −709.0850815488945
		{math.Nextafter(0x1p-1022, 0), -708.3964185322641}, // 2.225073858507201e-308, the largest subnormal
		{0x1p-1022, -708.3964185322641},                    // 2.2250738585072014e-308, MinNormal, on the fast path
		{math.MaxFloat64, 709.782712893384},
		{1, 0},
		{math.Inf(1), math.Inf(1)},
		{0, math.Inf(-1)},
		{math.Copysign(0, -1), math.Inf(-1)},
	}
	for _, c := range cases {
		tol := int64(0)
		if c.x >= 0x1p-1022 && !math.IsInf(c.x, 1) {
			tol = 1
		}
		if got := Log(c.x); ulps(got, c.want) > tol {
			t.Errorf("Log(%v) = %v, want %v (%d ulps)", c.x, got, c.want, ulps(got, c.want))
		}
	}
	for _, x := range []float64{-5e-324, -1, math.Inf(-1), math.NaN()} {
		if got := Log(x); !math.IsNaN(got) {
			t.Errorf("Log(%v) = %v, want NaN", x, got)
		}
	}
}

// TestPowEdges pins Pow at subnormal x with non-integer exponents, where
// amd64's math.Pow goes through its wrong logarithm (math.Pow(5e-324, 0.3)
// = 4.110496954075371e-93 there), bit for bit, checks a few normal x within
// 1 ulp, and that the special cases stay math.Pow's. PyTorch's torch.pow
// gives the same bits for the first four.
func TestPowEdges(t *testing.T) {
	cases := []struct{ x, y, want float64 }{
		{5e-324, 0.3, 1.018908996936868e-97},
		{5e-324, 0.7, 4.848967349651144e-227},
		{5e-324, -0.3, 9.814419177829288e+96},
		{1e-310, 0.5, 9.999999999999986e-156}, // √x
		{1e-310, 1.5, 0},                      // 1e-465 underflows
		{1e-310, -1.5, math.Inf(1)},           // 1e465 overflows
		{-5e-324, 0.3, math.NaN()},
		{5e-324, 2, 0},
		{-5e-324, -1, math.Inf(-1)},
		{5e-324, math.Inf(1), 0},
		{5e-324, math.Inf(-1), math.Inf(1)},
		{5e-324, 0, 1},
		{5e-324, math.NaN(), math.NaN()},
		{math.Copysign(0, -1), 0.5, 0},
		{4, 0.5, 2},
		// Normal x: within 1 ulp (amd64's math.Pow: 4 and 40 ulps off).
		{1e300, 0.3, 9.999999999999924e+89},
		{1e300, 0.77, 1.0000000000000123e+231},
		{4, 1.5, 8},
		{1, 0.3, 1},
		{-4, 1.5, math.NaN()},
		{2, 2000.5, math.Inf(1)},
		{2, -2000.5, 0},
	}
	for _, c := range cases {
		got := Pow(c.x, c.y)
		tol := int64(0)
		if c.x >= 0x1p-1022 && c.want != 0 && !math.IsInf(c.want, 0) {
			tol = 1
		}
		if math.IsNaN(c.want) && math.IsNaN(got) {
			continue
		}
		if ulps(got, c.want) > tol || math.Signbit(got) != math.Signbit(c.want) {
			t.Errorf("Pow(%v, %v) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
}

// edgeFile is the layout of mpmath_edges.json: pairs (x, f(x)) and, for
// pow, triples (x, y, x**y), every number a string that ParseFloat reads
// exactly.
type edgeFile struct {
	Generator     string      `json:"generator"`
	MpmathVersion string      `json:"mpmath_version"`
	PrecisionBits int         `json:"precision_bits"`
	ExpEdge       [][2]string `json:"exp_edge"`
	ExpFast       [][2]string `json:"exp_fast"`
	LogEdge       [][2]string `json:"log_edge"`
	LogFast       [][2]string `json:"log_fast"`
	PowEdge       [][3]string `json:"pow_edge"`
	PowFast       [][3]string `json:"pow_fast"`
}

func loadEdges(t *testing.T) edgeFile {
	t.Helper()
	var f edgeFile
	reftest.Load(t, "testdata/mpmath_edges.json", "/usr/bin/python3 internal/fmath/testdata/gen_mpmath_edges.py", &f)
	for name, n := range map[string]int{"exp_edge": len(f.ExpEdge), "exp_fast": len(f.ExpFast),
		"log_edge": len(f.LogEdge), "log_fast": len(f.LogFast), "pow_edge": len(f.PowEdge), "pow_fast": len(f.PowFast)} {
		if n < 500 {
			t.Fatalf("mpmath_edges.json: %d cases of %s, want at least 500", n, name)
		}
	}
	return f
}

func parse(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("mpmath_edges.json: %v", err)
	}
	return v
}

// ulps returns the distance from got to want in units in the last place,
// counted along the float64 line (0 for equal values, large for a wrong
// sign or an infinity against a finite value).
func ulps(got, want float64) int64 {
	key := func(v float64) int64 {
		b := int64(math.Float64bits(v))
		if b < 0 {
			b = math.MinInt64 - b
		}
		return b
	}
	d := key(got) - key(want)
	if d < 0 {
		d = -d
	}
	return d
}

// TestAgainstMpmath checks Exp, Log and Pow on random inputs against the
// correctly rounded values of mpmath_edges.json: bit for bit in the edge
// ranges, which fmath computes in double-double, and within 1 ulp in the
// ordinary ranges, which are package math's (Pow's: fmath's own).
func TestAgainstMpmath(t *testing.T) {
	f := loadEdges(t)
	check := func(name string, f func(float64) float64, cases [][2]string, tol int64) {
		worst := int64(0)
		for _, c := range cases {
			x, want := parse(t, c[0]), parse(t, c[1])
			got := f(x)
			if d := ulps(got, want); d > tol {
				t.Errorf("%s(%v) = %v, want %v (%d ulps)", name, x, got, want, d)
			} else {
				worst = max(worst, d)
			}
		}
		t.Logf("%s: %d cases, worst %d ulps", name, len(cases), worst)
	}
	check("Exp", Exp, f.ExpEdge, 0)
	check("Exp", Exp, f.ExpFast, 1)
	check("Log", Log, f.LogEdge, 0)
	check("Log", Log, f.LogFast, 1)
	// The double-double routines behind the edges are correctly rounded
	// over the ordinary ranges too.
	check("expDD", func(x float64) float64 { return expDD(dd{x, 0}) }, f.ExpFast, 0)
	check("logDD", func(x float64) float64 { return logDD(x).hi }, f.LogFast, 0)
	for _, c := range f.PowEdge {
		x, y, want := parse(t, c[0]), parse(t, c[1]), parse(t, c[2])
		if got := Pow(x, y); got != want {
			t.Errorf("Pow(%v, %v) = %v, want %v (%d ulps)", x, y, got, want, ulps(got, want))
		}
	}
	// math.Pow is off by up to about 400 ulps on these; Pow by 1 at most.
	worstMath := int64(0)
	for _, c := range f.PowFast {
		x, y, want := parse(t, c[0]), parse(t, c[1]), parse(t, c[2])
		if got := Pow(x, y); ulps(got, want) > 1 {
			t.Errorf("Pow(%v, %v) = %v, want %v (%d ulps)", x, y, got, want, ulps(got, want))
		}
		worstMath = max(worstMath, ulps(math.Pow(x, y), want))
	}
	t.Logf("Pow: %d cases within 1 ulp; math.Pow's worst: %d ulps", len(f.PowFast), worstMath)
}

// The benchmarks compare the fast paths with package math's functions on
// ordinary inputs: they must cost the same.
var sink float64

func benchInputs(lo, hi float64) []float64 {
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = lo + (hi-lo)*float64(i)/float64(len(xs))
	}
	return xs
}

func BenchmarkExp(b *testing.B) {
	xs := benchInputs(-20, 20)
	b.Run("fmath", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += Exp(xs[i&1023])
		}
	})
	b.Run("math", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += math.Exp(xs[i&1023])
		}
	})
}

func BenchmarkLog(b *testing.B) {
	xs := benchInputs(1e-3, 1e3)
	b.Run("fmath", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += Log(xs[i&1023])
		}
	})
	b.Run("math", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += math.Log(xs[i&1023])
		}
	})
}

func BenchmarkPow(b *testing.B) {
	xs := benchInputs(1e-3, 1e3)
	b.Run("fmath", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += Pow(xs[i&1023], 0.3)
		}
	})
	b.Run("math", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += math.Pow(xs[i&1023], 0.3)
		}
	})
}

// BenchmarkExpEdge measures the slow path, for the record.
func BenchmarkExpEdge(b *testing.B) {
	xs := benchInputs(709.5, 709.7)
	for i := 0; i < b.N; i++ {
		sink += Exp(xs[i&1023])
	}
}
