package mnist_test

import (
	"bytes"
	"fmt"

	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/data/mnist"
)

func ExampleRead() {
	// An IDX file of three labels: magic 0x00000801, one dimension (3), values.
	file := []byte{0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1}
	labels, dims, err := mnist.Read(bytes.NewReader(file))
	fmt.Println(labels, dims, err)

	_, _, err = mnist.Read(bytes.NewReader(file[:10]))
	fmt.Println(err)
	// Output:
	// [7 2 1] [3] <nil>
	// mnist: truncated data: dimensions [3] need 3 bytes, found 2
}

// Loading Fashion-MNIST as Debian installs it, with the course's
// preprocessing (raw pixels minus the mean training image).
func ExampleLoadFashion() {
	train, err := mnist.LoadFashion(mnist.DebianFashionDir, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	norm := data.MeanImage(train)
	loader := data.NewLoader[float32](train, data.LoaderConfig{BatchSize: 32, Shuffle: true, Seed: 1, Normalize: &norm})
	defer loader.Close()
	b := loader.Next()
	fmt.Println(b.X.Shape(), train.ClassNames[b.Labels[0]])
}
