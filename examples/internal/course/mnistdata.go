package course

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/tapegrad/tapegrad/data"
)

// MNISTData is the data of an example that reads Fashion-MNIST or MNIST
// (the higher-order examples): its -dataset and -data flags.
type MNISTData struct {
	Dataset string // "fashion-mnist" (the default) or "mnist"
	Dir     string // where the IDX files are; "" for Debian's Fashion-MNIST
}

// Flags registers -dataset and -data on fs, with d's values as defaults;
// an empty Dataset defaults to fashion-mnist.
func (d *MNISTData) Flags(fs *flag.FlagSet) {
	if d.Dataset == "" {
		d.Dataset = "fashion-mnist"
	}
	fs.StringVar(&d.Dataset, "dataset", d.Dataset, "data set: fashion-mnist or mnist")
	fs.StringVar(&d.Dir, "data", d.Dir, "data set directory (default for fashion-mnist: "+
		"Debian's /usr/share/datasets/fashion-mnist; mnist needs one)")
}

// Check returns an error for a data set other than the two, or MNIST
// without a directory.
func (d MNISTData) Check() error {
	switch {
	case d.Dataset != "fashion-mnist" && d.Dataset != "mnist":
		return fmt.Errorf("unknown -dataset %q: want fashion-mnist or mnist", d.Dataset)
	case d.Dataset == "mnist" && d.Dir == "":
		return fmt.Errorf("-dataset mnist needs -data DIR holding the MNIST IDX files")
	}
	return nil
}

// Load reads the training and test sets as LoadData does.
func (d MNISTData) Load(ctx context.Context, progress io.Writer) (train, test *data.Images, err error) {
	return LoadData(ctx, Config{Dataset: d.Dataset, DataDir: d.Dir}, progress)
}
