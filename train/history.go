package train

import (
	"encoding/csv"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/tapegrad/tapegrad/internal/atomicfile"
)

// Point is one evaluation: the mean loss and accuracy over the training
// batches of the interval that ends at Step (since the previous
// evaluation), and over the whole validation set at Step.
type Point struct {
	Step                int
	TrainLoss, TrainAcc float64
	TestLoss, TestAcc   float64
	Seconds             float64 // training time up to Step, evaluations excluded
}

// History is the list of evaluations of one training run, in step order.
type History []Point

// The columns of metrics.csv.
var csvHeader = []string{"step", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds"}

// WriteCSV writes the history to path, a header and one row per
// evaluation, with the columns step, train_loss, train_accuracy,
// test_loss, test_accuracy and seconds, each number in the shortest form
// that reads back exactly. The write is atomic: a temporary
// file in the same directory, renamed over path.
func (h History) WriteCSV(path string) error {
	return atomicfile.Write(path, func(f *os.File) error {
		w := csv.NewWriter(f)
		w.Write(csvHeader)
		for _, p := range h {
			w.Write([]string{strconv.Itoa(p.Step), ftoa(p.TrainLoss), ftoa(p.TrainAcc), ftoa(p.TestLoss), ftoa(p.TestAcc), ftoa(p.Seconds)})
		}
		w.Flush()
		return w.Error()
	})
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) } // shortest exact: ReadCSV gives the same numbers back

// ReadCSV reads a history written by WriteCSV.
func ReadCSV(path string) (History, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(rows) == 0 || fmt.Sprint(rows[0]) != fmt.Sprint(csvHeader) {
		return nil, fmt.Errorf("reading %s: want the header %v", path, csvHeader)
	}
	var h History
	for i, r := range rows[1:] {
		var v [6]float64
		for j, s := range r {
			if v[j], err = strconv.ParseFloat(s, 64); err != nil {
				return nil, fmt.Errorf("reading %s, row %d: %w", path, i+2, err)
			}
		}
		h = append(h, Point{int(v[0]), v[1], v[2], v[3], v[4], v[5]})
	}
	return h, nil
}

// WritePlots draws the loss into dir/loss.png and the accuracy into
// dir/accuracy.png against the training step, titled title: the
// validation curve, and the training curve as the mean over each
// interval between evaluations. Both plots have integer step ticks and
// the legend in the top right corner, above the curves. Each file is
// written atomically.
func (h History) WritePlots(dir, title string) error {
	plots, err := h.plots(title)
	if err != nil {
		return err
	}
	for _, p := range plots {
		img, err := p.plot.WriterTo(6*vg.Inch, 4*vg.Inch, "png")
		if err != nil {
			return err
		}
		if err := atomicfile.Write(filepath.Join(dir, p.file), func(f *os.File) error {
			_, err := img.WriteTo(f)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// The legend's names of the two curves.
const (
	trainCurve = "train (mean over each interval)"
	testCurve  = "test"
)

// filePlot is a plot and the file it is drawn into.
type filePlot struct {
	file string
	plot *plot.Plot
}

// plots makes WritePlots' plots.
func (h History) plots(title string) ([]filePlot, error) {
	var out []filePlot
	for _, c := range []struct {
		file, y     string
		train, test func(Point) float64
	}{
		{LossPlot, "loss", func(p Point) float64 { return p.TrainLoss }, func(p Point) float64 { return p.TestLoss }},
		{AccuracyPlot, "accuracy", func(p Point) float64 { return p.TrainAcc }, func(p Point) float64 { return p.TestAcc }},
	} {
		p := plot.New()
		p.Title.Text = title
		p.X.Label.Text = "step"
		p.X.Tick.Marker = integerTicks{}
		p.Y.Label.Text = c.y
		p.Add(plotter.NewGrid())
		top := math.Inf(-1)
		for _, s := range []struct {
			name  string
			value func(Point) float64
			color color.RGBA
		}{
			{trainCurve, c.train, color.RGBA{R: 31, G: 119, B: 180, A: 255}},
			{testCurve, c.test, color.RGBA{R: 255, G: 127, B: 14, A: 255}},
		} {
			xy := make(plotter.XYs, len(h))
			for i, pt := range h {
				xy[i].X, xy[i].Y = float64(pt.Step), s.value(pt)
				top = max(top, xy[i].Y)
			}
			line, points, err := plotter.NewLinePoints(xy)
			if err != nil {
				return nil, fmt.Errorf("plotting %s: %w", c.file, err)
			}
			line.Color, points.Color = s.color, s.color
			p.Add(line, points)
			p.Legend.Add(s.name, line, points)
		}
		// The legend sits top right in both plots; a quarter of the plot's
		// height above the highest point keeps the curves clear of it.
		p.Y.Min = min(p.Y.Min, 0)
		p.Y.Max = top + (top-p.Y.Min)/3
		p.Legend.Top, p.Legend.Left = true, false
		out = append(out, filePlot{c.file, p})
	}
	return out, nil
}

// integerTicks marks whole steps only: gonum's default ticks where they
// fall on integers, or every integer when the range is short.
type integerTicks struct{}

func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	labeled := 0
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Value != math.Trunc(t.Value) {
			continue
		}
		if t.Label != "" {
			t.Label = strconv.FormatFloat(t.Value, 'f', 0, 64)
			labeled++
		}
		ticks = append(ticks, t)
	}
	if labeled >= 2 {
		return ticks
	}
	ticks = ticks[:0]
	first, last := math.Ceil(lo), math.Floor(hi)
	step := math.Max(1, math.Ceil((last-first)/8))
	for v := first; v <= last; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	return ticks
}
