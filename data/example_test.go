package data_test

import (
	"fmt"

	"github.com/tapegrad/tapegrad/data"
)

// Six 1×1×2 "images" of three classes.
var toy = &data.Images{
	Pixels:     []uint8{0, 10, 2, 12, 4, 14, 6, 16, 8, 18, 10, 20},
	Labels:     []uint8{0, 1, 2, 0, 1, 2},
	C:          1,
	H:          1,
	W:          2,
	NumClasses: 3,
}

// The course's preprocessing: raw pixels minus the mean training image.
func ExampleMeanImage() {
	norm := data.MeanImage(toy)
	fmt.Println("mean image:", norm.Mean)

	x := make([]float32, 2)
	toy.Example(0, x)
	norm.Apply(x, toy.Shape())
	fmt.Println("example 0:", x)
	// Output:
	// mean image: [5 15]
	// example 0: [-5 -5]
}

func ExampleLoader() {
	norm := data.MeanImage(toy)
	l := data.NewLoader[float32](toy, data.LoaderConfig{
		BatchSize: 4,
		Shuffle:   false, // true in training; off here to print a fixed order
		Seed:      1,
		Normalize: &norm,
	})
	defer l.Close()
	fmt.Println(l.BatchesPerEpoch(), "batches per epoch")
	for range 3 {
		b := l.Next()
		fmt.Printf("epoch %d step %d: X %v labels %v first %v\n", b.Epoch, b.Step, b.X.Shape(), b.Labels, b.X.Data()[:2])
	}

	// Resuming at step 2 gives exactly the batch a fresh loader gives after two.
	l.Seek(2)
	b := l.Next()
	fmt.Printf("after Seek(2): step %d labels %v\n", b.Step, b.Labels)
	// Output:
	// 2 batches per epoch
	// epoch 0 step 0: X [4 1 1 2] labels [0 1 2 0] first [-5 -5]
	// epoch 0 step 1: X [2 1 1 2] labels [1 2] first [3 3]
	// epoch 1 step 2: X [4 1 1 2] labels [0 1 2 0] first [-5 -5]
	// after Seek(2): step 2 labels [0 1 2 0]
}

func ExampleBatches() {
	for b := range data.Batches[float64](toy, 4, nil) {
		fmt.Println(b.Step, b.Labels, b.X.Data())
	}
	// Output:
	// 0 [0 1 2 0] [0 10 2 12 4 14 6 16]
	// 1 [1 2] [8 18 10 20]
}
