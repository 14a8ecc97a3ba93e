package cifar10

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tapegrad/tapegrad/data"
)

// The binary format.
const (
	// RecordSize is the size of one record: a label byte and 3×32×32 pixels.
	RecordSize = 1 + channels*height*width // 3073
	// RecordsPerFile is the number of records in each of the six batch files.
	RecordsPerFile = 10000
	// FileSize is the size of each batch file, 30,730,000 bytes.
	FileSize = RecordsPerFile * RecordSize
	// NumClasses is the number of classes; labels are 0 to 9.
	NumClasses = 10

	channels, height, width = 3, 32, 32
	imageSize               = channels * height * width // 3072

	metaFile = "batches.meta.txt"
	testFile = "test_batch.bin"
	// maxMetaSize bounds batches.meta.txt, whose real size is under 100 bytes.
	maxMetaSize = 4096
)

// trainFiles are the five training batches, in the order Load concatenates
// them.
var trainFiles = [...]string{
	"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
	"data_batch_4.bin", "data_batch_5.bin",
}

// recordsPerFile is the number of records Load and Download expect in each
// batch file. It is RecordsPerFile in every program; only this package's own
// tests lower it, so that they can build data directories of a few records.
var recordsPerFile = RecordsPerFile

// batchFileSize returns the size Load and Download expect of a batch file.
func batchFileSize() int64 { return int64(recordsPerFile) * RecordSize }

// newImages returns n zeroed CIFAR-10 images.
func newImages(n int) *data.Images {
	return &data.Images{
		Pixels:     make([]uint8, n*imageSize),
		Labels:     make([]uint8, n),
		C:          channels,
		H:          height,
		W:          width,
		NumClasses: NumClasses,
	}
}

// ReadBatch reads one batch file of the binary version, RecordsPerFile
// records, from r. It returns an error if r holds fewer or more bytes than
// FileSize or a label is above 9. ClassNames of the result is nil: it is
// in batches.meta.txt, which ReadClassNames reads.
func ReadBatch(r io.Reader) (*data.Images, error) {
	return ReadBatchN(r, RecordsPerFile)
}

// ReadBatchN is ReadBatch for a stream of n records, n·RecordSize bytes:
// exactly that many, or it returns an error. It panics if n < 0.
func ReadBatchN(r io.Reader, n int) (*data.Images, error) {
	if n < 0 {
		panic(fmt.Sprintf(errNegativeN, n))
	}
	m := newImages(n)
	if err := readRecords(r, n, m.Labels, m.Pixels); err != nil {
		return nil, fmt.Errorf("cifar10: %w", err)
	}
	return m, nil
}

// readRecords reads exactly n records from r into labels[:n] and
// pixels[:n·3072], and checks that r ends there. Its errors carry no
// "cifar10:" prefix, so that callers can add the file name.
func readRecords(r io.Reader, n int, labels, pixels []uint8) error {
	br := bufio.NewReaderSize(r, 1<<16)
	want := int64(n) * RecordSize
	var rec [RecordSize]byte
	for i := range n {
		got, err := io.ReadFull(br, rec[:])
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("truncated: expected %d bytes (%d records of %d), found %d",
				want, n, RecordSize, int64(i)*RecordSize+int64(got))
		}
		if err != nil {
			return fmt.Errorf("reading record %d: %w", i, err)
		}
		if rec[0] >= NumClasses {
			return fmt.Errorf("record %d (byte offset %d): label %d, expected 0 to %d",
				i, int64(i)*RecordSize, rec[0], NumClasses-1)
		}
		labels[i] = rec[0]
		copy(pixels[i*imageSize:(i+1)*imageSize], rec[1:])
	}
	switch _, err := br.ReadByte(); {
	case err == nil:
		return fmt.Errorf("expected %d bytes (%d records of %d), found more", want, n, RecordSize)
	case err != io.EOF:
		return fmt.Errorf("after record %d: %w", n-1, err)
	}
	return nil
}

// ReadClassNames reads batches.meta.txt: the ten class names, one a line, in
// label order. Blank lines at the end are ignored; a blank line before a
// name, a repeated name or a count other than ten is an error.
func ReadClassNames(r io.Reader) ([]string, error) {
	names, err := readClassNames(r)
	if err != nil {
		return nil, fmt.Errorf("cifar10: %w", err)
	}
	return names, nil
}

func readClassNames(r io.Reader) ([]string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxMetaSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxMetaSize {
		return nil, fmt.Errorf("class names: expected at most %d bytes, found more", maxMetaSize)
	}
	lines := strings.Split(string(b), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	seen := make(map[string]int, len(lines))
	names := make([]string, len(lines))
	for i, l := range lines {
		name := strings.TrimSpace(l)
		if name == "" {
			return nil, fmt.Errorf("class names: line %d is blank", i+1)
		}
		if j, dup := seen[name]; dup {
			return nil, fmt.Errorf("class names: %q on lines %d and %d", name, j+1, i+1)
		}
		seen[name] = i
		names[i] = name
	}
	if len(names) != NumClasses {
		return nil, fmt.Errorf("class names: expected %d, found %d", NumClasses, len(names))
	}
	return names, nil
}

// readClassNamesFile reads batches.meta.txt at path. Errors name the file.
func readClassNamesFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := readClassNames(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return names, nil
}

// Load reads the binary version of CIFAR-10 from dir, as Download leaves it:
// the 50,000 training images of data_batch_1.bin to data_batch_5.bin, in
// that order, and the 10,000 test images of test_batch.bin, with the class
// names of batches.meta.txt. An empty dir means DefaultDir().
//
// Every batch file must be exactly FileSize (30,730,000) bytes: a missing,
// truncated or wrong-sized file, a label above 9 or a malformed
// batches.meta.txt is an error that names the file and says what to do
// (Download fetches a missing file; a wrong one must be deleted first, as
// Download replaces no file it finds wrong). Load checks all sizes before
// it reads any pixel.
func Load(dir string) (train, test *data.Images, err error) {
	if dir == "" {
		if dir, err = DefaultDir(); err != nil {
			return nil, nil, err
		}
	}
	names, err := readClassNamesFile(filepath.Join(dir, metaFile))
	if err != nil {
		return nil, nil, fmt.Errorf("cifar10: %w%s", err, fixHint(err))
	}
	files := append(trainFiles[:], testFile)
	for _, name := range files {
		if err := checkBatchFile(filepath.Join(dir, name)); err != nil {
			return nil, nil, fmt.Errorf("cifar10: %w%s", err, fixHint(err))
		}
	}
	n := recordsPerFile
	train = newImages(len(trainFiles) * n)
	for k, name := range trainFiles {
		err := readBatchFile(filepath.Join(dir, name),
			train.Labels[k*n:(k+1)*n], train.Pixels[k*n*imageSize:(k+1)*n*imageSize])
		if err != nil {
			return nil, nil, err
		}
	}
	test = newImages(n)
	if err := readBatchFile(filepath.Join(dir, testFile), test.Labels, test.Pixels); err != nil {
		return nil, nil, err
	}
	train.ClassNames = names
	test.ClassNames = append([]string(nil), names...)
	return train, test, nil
}

// fixHint says what to do about err, a problem with a file of the data
// set that names the file: fetch it if it is missing; delete it if it is
// present but wrong. It says nothing if the file could not be examined.
func fixHint(err error) string {
	var pathErr *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errFetchFile
	case errors.As(err, &pathErr):
		return ""
	}
	return errFixFile
}

// checkBatchFile reports whether path is a regular file of batchFileSize()
// bytes. Errors name the file and carry no "cifar10:" prefix.
func checkBatchFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: expected a regular file, found %s", path, fileKind(fi.Mode()))
	}
	if want := batchFileSize(); fi.Size() != want {
		return fmt.Errorf("%s: expected %d bytes (%d records of %d), found %d",
			path, want, recordsPerFile, RecordSize, fi.Size())
	}
	return nil
}

// readBatchFile reads the batch file at path into labels and pixels, which
// hold recordsPerFile images.
func readBatchFile(path string, labels, pixels []uint8) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	defer f.Close()
	if err := readRecords(f, recordsPerFile, labels, pixels); err != nil {
		return fmt.Errorf("cifar10: %s: %w%s", path, err, fixHint(err))
	}
	return nil
}

// fileKind describes a file mode's type for an error message.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	}
	return "a file of mode " + m.String()
}
