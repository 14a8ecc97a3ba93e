package train

import (
	"encoding/csv"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Point is one evaluation: the mean loss and accuracy over the training
// batches since the previous evaluation, and over the whole test set.
type Point struct {
	Step                int
	TrainLoss, TrainAcc float64
	TestLoss, TestAcc   float64
	Seconds             float64 // training time so far, evaluations excluded
}

// History is the list of evaluations of one training run.
type History []Point

var csvHeader = []string{"step", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds"}

// WriteCSV writes the history to path, one row per evaluation.
func (h History) WriteCSV(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write(csvHeader)
	for _, p := range h {
		w.Write([]string{strconv.Itoa(p.Step), ftoa(p.TrainLoss), ftoa(p.TrainAcc), ftoa(p.TestLoss), ftoa(p.TestAcc), ftoa(p.Seconds)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }

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
	if len(rows) == 0 || len(rows[0]) != len(csvHeader) {
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

// WritePlots draws the train and test loss into dir/loss.png and the train
// and test accuracy into dir/accuracy.png, against the training step.
func (h History) WritePlots(dir, title string) error {
	for _, c := range []struct {
		file, y     string
		train, test func(Point) float64
	}{
		{"loss.png", "loss", func(p Point) float64 { return p.TrainLoss }, func(p Point) float64 { return p.TestLoss }},
		{"accuracy.png", "accuracy", func(p Point) float64 { return p.TrainAcc }, func(p Point) float64 { return p.TestAcc }},
	} {
		p := plot.New()
		p.Title.Text = title
		p.X.Label.Text = "step"
		p.Y.Label.Text = c.y
		p.Add(plotter.NewGrid())
		for _, s := range []struct {
			name  string
			value func(Point) float64
			color color.RGBA
		}{{"train", c.train, color.RGBA{R: 31, G: 119, B: 180, A: 255}}, {"test", c.test, color.RGBA{R: 255, G: 127, B: 14, A: 255}}} {
			xy := make(plotter.XYs, len(h))
			for i, pt := range h {
				xy[i].X, xy[i].Y = float64(pt.Step), s.value(pt)
			}
			line, points, err := plotter.NewLinePoints(xy)
			if err != nil {
				return err
			}
			line.Color, points.Color = s.color, s.color
			p.Add(line, points)
			p.Legend.Add(s.name, line, points)
		}
		p.Legend.Top = c.y == "loss" // the corner the curves leave free
		if err := p.Save(6*vg.Inch, 4*vg.Inch, filepath.Join(dir, c.file)); err != nil {
			return err
		}
	}
	return nil
}
