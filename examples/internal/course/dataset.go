package course

import (
	"context"
	"fmt"
	"io"

	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/data/cifar10"
	"github.com/tapegrad/tapegrad/data/mnist"
)

// LoadData returns the training and test sets the config names. CIFAR-10 is
// downloaded first if its directory does not hold it yet, with a progress
// bar on progress; MNIST and Fashion-MNIST are read from DataDir (for
// Fashion-MNIST by default the directory Debian's dataset-fashion-mnist
// package installs).
func LoadData(ctx context.Context, c Config, progress io.Writer) (train, test *data.Images, err error) {
	switch c.Dataset {
	case "cifar10":
		opts := cifar10.DownloadOptions{URL: c.Mirror, Progress: progress}
		if opts.URL == "" {
			opts.URL = cifar10.URLFromEnv()
		}
		if err := cifar10.Download(ctx, c.DataDir, opts); err != nil {
			return nil, nil, err
		}
		return cifar10.Load(c.DataDir)
	case "fashion-mnist":
		dir := c.DataDir
		if dir == "" {
			dir = mnist.DebianFashionDir
		}
		return loadBoth(dir, mnist.LoadFashion)
	case "mnist":
		if c.DataDir == "" {
			return nil, nil, fmt.Errorf("-dataset mnist needs -data DIR holding the MNIST IDX files")
		}
		return loadBoth(c.DataDir, mnist.Load)
	}
	return nil, nil, fmt.Errorf("unknown -dataset %q: want cifar10, fashion-mnist or mnist", c.Dataset)
}

func loadBoth(dir string, load func(string, bool) (*data.Images, error)) (train, test *data.Images, err error) {
	if train, err = load(dir, true); err != nil {
		return nil, nil, err
	}
	if test, err = load(dir, false); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}
