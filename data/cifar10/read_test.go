package cifar10

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

func TestFormatConstants(t *testing.T) {
	if RecordSize != 3073 || FileSize != 30_730_000 || RecordsPerFile != 10000 || NumClasses != 10 {
		t.Errorf("RecordSize %d, FileSize %d, RecordsPerFile %d, NumClasses %d; want 3073, 30730000, 10000, 10",
			RecordSize, FileSize, RecordsPerFile, NumClasses)
	}
}

func TestReadBatchN(t *testing.T) {
	m, err := ReadBatchN(bytes.NewReader(records(7, 3)), 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Error(err)
	}
	if m.C != 3 || m.H != 32 || m.W != 32 || m.NumClasses != 10 || m.ClassNames != nil {
		t.Errorf("C, H, W, NumClasses, ClassNames = %d, %d, %d, %d, %q; want 3, 32, 32, 10, nil",
			m.C, m.H, m.W, m.NumClasses, m.ClassNames)
	}
	if diff := cmp.Diff([]uint8{7, 8, 9}, m.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if len(m.Pixels) != 3*3072 {
		t.Fatalf("%d pixels, want %d", len(m.Pixels), 3*3072)
	}
	// Image 2 of the stream is image 9 of the synthetic data: its green
	// channel (c = 1) at row 2, column 5 is 9·31 + 7 + 6 + 5 = 297 mod 256.
	if got := m.Pixels[2*3072+1*1024+2*32+5]; got != 41 {
		t.Errorf("image 2, G, (2, 5) = %d, want 41", got)
	}
	// Image 0's red channel starts 7·31 = 217, 218, 219; its blue channel
	// ends at row 31, column 31: 217 + 14 + 93 + 31 = 355 mod 256.
	if got := m.Pixels[:3]; !bytes.Equal(got, []byte{217, 218, 219}) {
		t.Errorf("first pixels %v, want [217 218 219]", got)
	}
	if got := m.Pixels[3071]; got != 99 {
		t.Errorf("image 0, last pixel = %d, want 99", got)
	}
	for i := range 3 {
		for c := range 3 {
			for y := range 32 {
				for x := range 32 {
					if got, want := m.Pixels[i*3072+c*1024+y*32+x], pixel(7+i, c, y, x); got != want {
						t.Fatalf("image %d, channel %d, (%d, %d) = %d, want %d", i, c, y, x, got, want)
					}
				}
			}
		}
	}
}

func TestReadBatchNEmpty(t *testing.T) {
	m, err := ReadBatchN(bytes.NewReader(nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 0 || len(m.Pixels) != 0 {
		t.Errorf("%d images, %d pixels; want none", m.Len(), len(m.Pixels))
	}
}

func TestReadBatchNNegativePanics(t *testing.T) {
	testutil.MustPanic(t, func() { ReadBatchN(bytes.NewReader(nil), -1) }, "n = -1")
}

func TestReadBatchNErrors(t *testing.T) {
	badLabel := records(0, 3)
	badLabel[2*RecordSize] = 10
	for _, tc := range []struct {
		name  string
		input []byte
		want  string
	}{
		{"truncated mid-record", records(0, 3)[:9119], "cifar10: truncated: expected 9219 bytes (3 records of 3073), found 9119"},
		{"truncated at a record boundary", records(0, 2), "cifar10: truncated: expected 9219 bytes (3 records of 3073), found 6146"},
		{"empty", nil, "cifar10: truncated: expected 9219 bytes (3 records of 3073), found 0"},
		{"too long", append(records(0, 3), 0), "cifar10: expected 9219 bytes (3 records of 3073), found more"},
		{"label out of range", badLabel, "cifar10: record 2 (byte offset 6146): label 10, expected 0 to 9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadBatchN(bytes.NewReader(tc.input), 3)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if m != nil {
				t.Error("images returned with the error")
			}
		})
	}
}

// ReadBatch insists on a whole file, 10,000 records.
func TestReadBatchWrongSize(t *testing.T) {
	_, err := ReadBatch(bytes.NewReader(records(0, 3)))
	want := "cifar10: truncated: expected 30730000 bytes (10000 records of 3073), found 9219"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestReadBatchNReaderError(t *testing.T) {
	boom := errors.New("boom")
	_, err := ReadBatchN(&failingReader{bytes.NewReader(records(0, 1)), boom}, 2)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "record 1") {
		t.Errorf("error %v, want one wrapping %v and naming record 1", err, boom)
	}
}

func TestReadClassNames(t *testing.T) {
	names, err := ReadClassNames(strings.NewReader(metaText))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(classNames, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	crlf := strings.ReplaceAll(strings.TrimSpace(metaText), "\n", "\r\n")
	if names, err := ReadClassNames(strings.NewReader(crlf)); err != nil || !cmp.Equal(classNames, names) {
		t.Errorf("CRLF, no final newline: %q, %v; want %q", names, err, classNames)
	}
}

func TestReadClassNamesErrors(t *testing.T) {
	for _, tc := range []struct {
		name, input, want string
	}{
		{"nine", "a\nb\nc\nd\ne\nf\ng\nh\ni\n", "cifar10: class names: expected 10, found 9"},
		{"eleven", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n", "cifar10: class names: expected 10, found 11"},
		{"empty", "", "cifar10: class names: expected 10, found 0"},
		{"blank line", "a\nb\n\nd\ne\nf\ng\nh\ni\nj\n", "cifar10: class names: line 3 is blank"},
		{"repeated", "a\nb\nc\nd\ne\nf\ng\nh\ni\nb\n", `cifar10: class names: "b" on lines 2 and 10`},
		{"too big", strings.Repeat("x", 5000), "cifar10: class names: expected at most 4096 bytes, found more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			names, err := ReadClassNames(strings.NewReader(tc.input))
			if err == nil || err.Error() != tc.want {
				t.Errorf("%q, %v; want error %q", names, err, tc.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	setRecordsPerFile(t, 3)
	dir := t.TempDir()
	writeDataDir(t, dir, 3)
	train, test, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		name string
		n    int
	}{{"train", 15}, {"test", 3}} {
		im := train
		if m.name == "test" {
			im = test
		}
		if err := im.Validate(); err != nil {
			t.Errorf("%s: %v", m.name, err)
		}
		if im.Len() != m.n || im.C != 3 || im.H != 32 || im.W != 32 || im.NumClasses != 10 {
			t.Errorf("%s: %d images of %d×%d×%d, %d classes; want %d of 3×32×32, 10",
				m.name, im.Len(), im.C, im.H, im.W, im.NumClasses, m.n)
		}
		if diff := cmp.Diff(classNames, im.ClassNames); diff != "" {
			t.Errorf("%s: class names (-want +got):\n%s", m.name, diff)
		}
	}
	// data_batch_1 to _5 in order, then the test batch.
	if diff := cmp.Diff([]uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4}, train.Labels); diff != "" {
		t.Errorf("train labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]uint8{5, 6, 7}, test.Labels); diff != "" {
		t.Errorf("test labels (-want +got):\n%s", diff)
	}
	// Training image 13 (data_batch_5.bin, record 1): blue (c = 2) at row
	// 4, column 9 is 13·31 + 14 + 12 + 9 = 438 mod 256.
	if got := train.Pixels[13*3072+2*1024+4*32+9]; got != 182 {
		t.Errorf("train image 13, B, (4, 9) = %d, want 182", got)
	}
	if !bytes.Equal(train.Pixels[14*3072:], records(14, 1)[1:]) {
		t.Error("last training image differs from data_batch_5.bin's last record")
	}
	if !bytes.Equal(test.Pixels[2*3072:], records(17, 1)[1:]) {
		t.Error("last test image differs from test_batch.bin's last record")
	}
	train.ClassNames[0] = "plane"
	if test.ClassNames[0] != "airplane" {
		t.Error("train and test share their ClassNames slice")
	}
}

func TestLoadErrors(t *testing.T) {
	setRecordsPerFile(t, 3)
	badLabel := records(3, 3)
	badLabel[2*RecordSize] = 200
	for _, tc := range []struct {
		name   string
		change func(dir string) error
		want   []string
	}{
		{"missing meta", func(dir string) error { return os.Remove(filepath.Join(dir, metaFile)) },
			[]string{"cifar10: ", "batches.meta.txt", "no such file", "Download fetches the data set"}},
		{"bad meta", func(dir string) error { return os.WriteFile(filepath.Join(dir, metaFile), []byte("cat\ndog\n"), 0o644) },
			[]string{"batches.meta.txt: class names: expected 10, found 2; delete it to download CIFAR-10 again"}},
		{"missing batch", func(dir string) error { return os.Remove(filepath.Join(dir, "data_batch_3.bin")) },
			[]string{"data_batch_3.bin", "no such file", "Download fetches the data set"}},
		{"wrong size", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "data_batch_4.bin"), records(0, 4), 0o644)
		}, []string{"data_batch_4.bin: expected 9219 bytes (3 records of 3073), found 12292; delete it to download CIFAR-10 again"}},
		{"truncated", func(dir string) error { return os.Truncate(filepath.Join(dir, testFile), 9000) },
			[]string{"test_batch.bin: expected 9219 bytes (3 records of 3073), found 9000; delete it to download CIFAR-10 again"}},
		{"label out of range", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "data_batch_2.bin"), badLabel, 0o644)
		}, []string{"data_batch_2.bin: record 2 (byte offset 6146): label 200, expected 0 to 9; delete it to download CIFAR-10 again"}},
		{"directory", func(dir string) error {
			p := filepath.Join(dir, testFile)
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.Mkdir(p, 0o755)
		}, []string{"test_batch.bin: expected a regular file, found a directory; delete it to download CIFAR-10 again"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeDataDir(t, dir, 3)
			if err := tc.change(dir); err != nil {
				t.Fatal(err)
			}
			train, test, err := Load(dir)
			if err == nil {
				t.Fatal("no error")
			}
			if train != nil || test != nil {
				t.Error("images returned with the error")
			}
			if !strings.HasPrefix(err.Error(), "cifar10: ") {
				t.Errorf("error %q lacks the cifar10: prefix", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// Outside the tests that lower it, Load insists on the real file size.
func TestLoadInsistsOnRealSize(t *testing.T) {
	dir := t.TempDir()
	writeDataDir(t, dir, 3)
	_, _, err := Load(dir)
	want := "cifar10: " + filepath.Join(dir, "data_batch_1.bin") +
		": expected 30730000 bytes (10000 records of 3073), found 9219; delete it to download CIFAR-10 again"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

// TestLoadRealSize loads six files of the real size, sparse so that they
// take no disk space: all labels are 0 but for two that the test sets.
func TestLoadRealSize(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 184 MB")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, metaFile), []byte(metaText), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range append(trainFiles[:], testFile) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(FileSize); err != nil {
			t.Fatal(err)
		}
		switch name {
		case "data_batch_2.bin": // record 1234: label 7, last pixel 200
			_, err = f.WriteAt([]byte{7}, 1234*RecordSize)
			if err == nil {
				_, err = f.WriteAt([]byte{200}, 1235*RecordSize-1)
			}
		case testFile: // the last record: label 9
			_, err = f.WriteAt([]byte{9}, 9999*RecordSize)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	train, test, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 50000 || len(train.Pixels) != 50000*3072 || test.Len() != 10000 || len(test.Pixels) != 10000*3072 {
		t.Fatalf("%d train, %d test images; want 50000, 10000", train.Len(), test.Len())
	}
	if train.Labels[11234] != 7 || train.Pixels[11235*3072-1] != 200 || test.Labels[9999] != 9 {
		t.Errorf("train label 11234 = %d, its last pixel %d, test label 9999 = %d; want 7, 200, 9",
			train.Labels[11234], train.Pixels[11235*3072-1], test.Labels[9999])
	}
	var sum int
	for _, l := range train.Labels {
		sum += int(l)
	}
	if sum != 7 {
		t.Errorf("training labels sum to %d, want 7", sum)
	}
}
