package reftest

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

func TestUnique(t *testing.T) {
	r := testutil.Record(func(tb testing.TB) {
		unique := Unique(tb, "testdata/x.json")
		unique("a")
		unique("b")
		unique("a")
	})
	if want := `testdata/x.json: case "a" appears twice`; r.FatalMessage != want {
		t.Errorf("Unique stopped with %q, want %q", r.FatalMessage, want)
	}
	if r := testutil.Record(func(tb testing.TB) { u := Unique(tb, "p"); u("a"); u("b") }); r.Failed() {
		t.Errorf("Unique of distinct names failed: %q", r.FatalMessage)
	}
}

func TestLoadWithHeader(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ref.json")
	if err := os.WriteFile(path, []byte(`{"generator": "gen.py", "torch_version": "1.13.0", "cases": [1, 2]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var v struct {
		Header
		Cases []int `json:"cases"`
	}
	Load(t, path, "/usr/bin/python3 gen.py", &v)
	if v.Generator != "gen.py" || v.TorchVersion != "1.13.0" || len(v.Cases) != 2 {
		t.Errorf("Load = %+v", v)
	}
	if err := os.WriteFile(path, []byte(`{"generator": "gen.py", "extra": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := testutil.Record(func(tb testing.TB) { Load(tb, path, "/usr/bin/python3 gen.py", &v) })
	if msg := r.FatalMessage; !strings.Contains(msg, `unknown field "extra"`) || !strings.Contains(msg, "(regenerate with /usr/bin/python3 gen.py)") {
		t.Errorf("Load of a file with an unknown field stopped with %q", msg)
	}
	r = testutil.Record(func(tb testing.TB) { Load(tb, filepath.Join(dir, "missing.json"), "/usr/bin/python3 gen.py", &v) })
	if msg := r.FatalMessage; !strings.Contains(msg, "missing.json") || !strings.Contains(msg, "(regenerate with /usr/bin/python3 gen.py)") {
		t.Errorf("Load of a missing file stopped with %q", msg)
	}
}

func TestFloat(t *testing.T) {
	var got []Float
	if err := json.Unmarshal([]byte(`[1.5, "nan", "inf", "-inf", "-0.0", "5e-324", -2]`), &got); err != nil {
		t.Fatal(err)
	}
	want := []float64{1.5, math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 5e-324, -2}
	for i, w := range want {
		g := float64(got[i])
		if math.Float64bits(g) != math.Float64bits(w) && !(math.IsNaN(g) && math.IsNaN(w)) {
			t.Errorf("element %d = %v, want %v", i, g, w)
		}
	}
	if f := Floats[float32](got[:1]); f[0] != 1.5 {
		t.Errorf("Floats[float32] = %v, want [1.5]", f)
	}
	var bad Float
	if err := json.Unmarshal([]byte(`"one"`), &bad); err == nil || err.Error() != `reftest: "one" is not a number` {
		t.Errorf("decoding \"one\": error %v, want one saying it is not a number", err)
	}
}
