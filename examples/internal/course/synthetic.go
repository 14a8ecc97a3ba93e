package course

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// WriteSyntheticMNIST writes a tiny, learnable data set in MNIST's IDX
// format into dir — train and t10k images and labels — for the trainers'
// end-to-end tests: an image of class k is noise with a bright 6×6 square at
// a position that depends on k.
func WriteSyntheticMNIST(dir string, nTrain, nTest int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, seed))
	for _, split := range []struct {
		prefix string
		n      int
	}{{"train", nTrain}, {"t10k", nTest}} {
		pixels := make([]byte, split.n*28*28)
		labels := make([]byte, split.n)
		for i := range labels {
			k := rng.IntN(10)
			labels[i] = byte(k)
			img := pixels[i*784 : (i+1)*784]
			for j := range img {
				img[j] = byte(rng.IntN(64))
			}
			top, left := 2+(k/5)*12, 1+(k%5)*5
			for y := top; y < top+6; y++ {
				for x := left; x < left+6 && x < 28; x++ {
					img[y*28+x] = 200 + byte(rng.IntN(56))
				}
			}
		}
		if err := writeIDX(filepath.Join(dir, split.prefix+"-images-idx3-ubyte"), 0x803, []int{split.n, 28, 28}, pixels); err != nil {
			return err
		}
		if err := writeIDX(filepath.Join(dir, split.prefix+"-labels-idx1-ubyte"), 0x801, []int{split.n}, labels); err != nil {
			return err
		}
	}
	return nil
}

func writeIDX(path string, magic uint32, dims []int, values []byte) error {
	head := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		head = binary.BigEndian.AppendUint32(head, uint32(d))
	}
	return os.WriteFile(path, append(head, values...), 0o644)
}
