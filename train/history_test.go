package train

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestIntegerTicks: the step axis is labelled with whole steps only, over
// short and long runs.
func TestIntegerTicks(t *testing.T) {
	for _, r := range [][2]float64{{1, 3}, {2, 2.5}, {0, 7}, {100, 1500}, {3, 4}} {
		ticks := integerTicks{}.Ticks(r[0], r[1])
		labeled := 0
		for _, tk := range ticks {
			if tk.Value != float64(int(tk.Value)) {
				t.Errorf("range %v: tick at %v", r, tk.Value)
			}
			if tk.Label == "" {
				continue
			}
			labeled++
			if tk.Label != strconv.Itoa(int(tk.Value)) {
				t.Errorf("range %v: tick %v labelled %q", r, tk.Value, tk.Label)
			}
		}
		if want := 2; labeled < want && r[1]-r[0] >= 1 {
			t.Errorf("range %v: %d labelled ticks %+v", r, labeled, ticks)
		}
	}
}

// TestWritePlots draws both plots as PNG images of the same size.
func TestWritePlots(t *testing.T) {
	dir := t.TempDir()
	h := History{{Step: 2, TrainLoss: 2.3, TrainAcc: 0.1, TestLoss: 2.2, TestAcc: 0.12}, {Step: 4, TrainLoss: 1.9, TrainAcc: 0.3, TestLoss: 2.0, TestAcc: 0.28}}
	if err := h.WritePlots(dir, "a run"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{LossPlot, AccuracyPlot} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if s := img.Bounds().Size(); s.X < 400 || s.Y < 250 {
			t.Errorf("%s is %v", f, s)
		}
	}
}

// TestPlotLayout: both plots have whole-step ticks, the legend in the same
// corner, and the curves in the lower three quarters, clear of it.
func TestPlotLayout(t *testing.T) {
	h := History{{Step: 100, TrainLoss: 2.3, TrainAcc: 0.1, TestLoss: 2.2, TestAcc: 0.12}, {Step: 200, TrainLoss: 1.9, TrainAcc: 0.9, TestLoss: 2.0, TestAcc: 0.95}}
	plots, err := h.plots("run")
	if err != nil {
		t.Fatal(err)
	}
	if len(plots) != 2 || plots[0].file != LossPlot || plots[1].file != AccuracyPlot {
		t.Fatalf("plots %+v", plots)
	}
	for i, p := range plots {
		top := []float64{2.3, 0.95}[i]
		if !p.plot.Legend.Top || p.plot.Legend.Left {
			t.Errorf("%s: legend top %v, left %v; want top right", p.file, p.plot.Legend.Top, p.plot.Legend.Left)
		}
		if _, ok := p.plot.X.Tick.Marker.(integerTicks); !ok {
			t.Errorf("%s: step ticks %T", p.file, p.plot.X.Tick.Marker)
		}
		if y := p.plot.Y; y.Min != 0 || top > y.Min+0.75*(y.Max-y.Min)+1e-12 {
			t.Errorf("%s: y axis [%v, %v] for curves up to %v", p.file, y.Min, y.Max, top)
		}
	}
}

func TestCSVRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), MetricsFile)
	h := History{{Step: 100, TrainLoss: 1.0 / 3, TrainAcc: 0.1, TestLoss: 2.2, TestAcc: 0.125, Seconds: 1.5}}
	if err := h.WriteCSV(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if want := "step,train_loss,train_accuracy,test_loss,test_accuracy,seconds\n100,0.3333333333333333,0.1,2.2,0.125,1.5\n"; string(b) != want {
		t.Errorf("metrics.csv:\n%s\nwant\n%s", b, want)
	}
	got, err := ReadCSV(path)
	if err != nil || len(got) != 1 || got[0] != h[0] {
		t.Errorf("ReadCSV = %+v, %v", got, err)
	}
}
