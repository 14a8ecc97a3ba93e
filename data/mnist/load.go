package mnist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/tapegrad/tapegrad/data"
)

// DebianFashionDir is where Debian's dataset-fashion-mnist package installs
// the four gzip-compressed Fashion-MNIST files.
const DebianFashionDir = "/usr/share/datasets/fashion-mnist"

// Class names, in label order. Load and LoadFashion give each result its own
// copy.
var (
	DigitNames   = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	FashionNames = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
)

// Load reads the MNIST training set (train-images-idx3-ubyte and
// train-labels-idx1-ubyte) or test set (t10k-…) from dir, each file raw or
// with a .gz suffix, and returns it as 1×28×28 images of 10 classes named
// DigitNames. It returns an error if a file is missing or malformed, the
// images are not n×28×28, the counts differ, or a label is not below 10.
func Load(dir string, train bool) (*data.Images, error) {
	return load(dir, train, DigitNames)
}

// LoadFashion is Load for Fashion-MNIST, whose files have the same names and
// format; the classes are named FashionNames.
func LoadFashion(dir string, train bool) (*data.Images, error) {
	return load(dir, train, FashionNames)
}

func load(dir string, train bool, names []string) (*data.Images, error) {
	split := "t10k"
	if train {
		split = "train"
	}
	labels, labelDims, labelPath, err := readFile(dir, split+"-labels-idx1-ubyte")
	if err != nil {
		return nil, err
	}
	if len(labelDims) != 1 {
		return nil, fmt.Errorf("mnist: %s: "+errLabelDims, labelPath, labelDims)
	}
	for i, l := range labels {
		if l >= 10 {
			return nil, fmt.Errorf("mnist: %s: "+errLabel, labelPath, l, i)
		}
	}
	pixels, imageDims, imagePath, err := readFile(dir, split+"-images-idx3-ubyte")
	if err != nil {
		return nil, err
	}
	if len(imageDims) != 3 || imageDims[1] != 28 || imageDims[2] != 28 {
		return nil, fmt.Errorf("mnist: %s: "+errImageDims, imagePath, imageDims)
	}
	if imageDims[0] != labelDims[0] {
		return nil, fmt.Errorf("mnist: "+errCounts, imageDims[0], imagePath, labelDims[0], labelPath)
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("mnist: %s: "+errEmpty, imagePath)
	}
	m := &data.Images{
		Pixels:     pixels,
		Labels:     labels,
		C:          1,
		H:          28,
		W:          28,
		NumClasses: 10,
		ClassNames: slices.Clone(names),
	}
	if err := m.Validate(); err != nil { // cannot fail after the checks above
		return nil, fmt.Errorf("mnist: %w", err)
	}
	return m, nil
}

// readFile reads the IDX file dir/base, or dir/base.gz if that does not
// exist, and returns its values, dimensions and path.
func readFile(dir, base string) ([]uint8, []int, string, error) {
	for _, name := range []string{base, base + ".gz"} {
		path := filepath.Join(dir, name)
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, path, fmt.Errorf("mnist: %w", err)
		}
		values, dims, err := read(f)
		f.Close()
		if err != nil {
			return nil, nil, path, fmt.Errorf("mnist: %s: %w", path, err)
		}
		return values, dims, path, nil
	}
	return nil, nil, "", fmt.Errorf("mnist: "+errMissing, base, base, dir)
}
