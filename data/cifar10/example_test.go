package cifar10_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/tapegrad/tapegrad/data/cifar10"
)

// fakeDataDir writes a stand-in for a downloaded data directory, so that
// the example runs offline: the six batch files at their real size but
// sparse, all zeros (black images labelled airplane) except the first test
// label, which says cat, and the real class names.
func fakeDataDir() (string, error) {
	dir, err := os.MkdirTemp("", "cifar10-example")
	if err != nil {
		return "", err
	}
	meta := "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n"
	if err := os.WriteFile(filepath.Join(dir, "batches.meta.txt"), []byte(meta), 0o644); err != nil {
		return "", err
	}
	for _, name := range []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
		"data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return "", err
		}
		err = f.Truncate(cifar10.FileSize)
		if err == nil && name == "test_batch.bin" {
			_, err = f.WriteAt([]byte{3}, 0)
		}
		if closeErr := f.Close(); err == nil {
			err = closeErr
		}
		if err != nil {
			return "", err
		}
	}
	return dir, nil
}

// The trainers make sure the data set is there, then load it. Download
// fetches the archive from the official address, or from the mirror in
// TAPEGRAD_CIFAR10_URL; here the directory already holds the files, so it
// fetches nothing.
func ExampleLoad() {
	dir, err := fakeDataDir() // a trainer uses cifar10.DefaultDir() or its -data flag
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	opts := cifar10.DownloadOptions{URL: cifar10.URLFromEnv(), Progress: os.Stderr}
	if err := cifar10.Download(context.Background(), dir, opts); err != nil {
		log.Fatal(err)
	}
	train, test, err := cifar10.Load(dir)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("train: %d images of %d×%d×%d\n", train.Len(), train.C, train.H, train.W)
	fmt.Printf("test: %d images\n", test.Len())
	fmt.Println("classes:", test.ClassNames)
	fmt.Println("first test image:", test.ClassNames[test.Labels[0]])
	// Output:
	// train: 50000 images of 3×32×32
	// test: 10000 images
	// classes: [airplane automobile bird cat deer dog frog horse ship truck]
	// first test image: cat
}

// Each record is a label byte and the image's red, green and blue planes,
// 32×32 row-major each: the C×H×W layout of data.Images.
func ExampleReadBatchN() {
	var stream []byte
	for i, lbl := range []byte{6, 9} { // a frog and a truck
		rec := make([]byte, cifar10.RecordSize)
		rec[0] = lbl
		rec[1+1024+5*32+7] = byte(100 + i) // green, row 5, column 7
		stream = append(stream, rec...)
	}
	m, err := cifar10.ReadBatchN(bytes.NewReader(stream), 2)
	if err != nil {
		log.Fatal(err)
	}
	c, y, x := 1, 5, 7
	for i := range m.Len() {
		p := m.Pixels[i*m.C*m.H*m.W+c*m.H*m.W+y*m.W+x]
		fmt.Printf("image %d: label %d, green at (5, 7) = %d\n", i, m.Labels[i], p)
	}
	// Output:
	// image 0: label 6, green at (5, 7) = 100
	// image 1: label 9, green at (5, 7) = 101
}
