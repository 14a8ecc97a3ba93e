package cifar10

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
)

// Synthetic data in the real record format, for tests that lower
// recordsPerFile so that a data directory is a few kilobytes.

// metaText is batches.meta.txt as the archive has it, blank line included.
const metaText = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n"

var classNames = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// pixel is the value the synthetic data give to channel c, row y, column x
// of the image with global index i (training images first, then test).
func pixel(i, c, y, x int) byte { return byte(i*31 + c*7 + y*3 + x) }

// label is the label the synthetic data give to image i.
func label(i int) byte { return byte(i % NumClasses) }

// records returns n records for images first, first+1, ….
func records(first, n int) []byte {
	b := make([]byte, 0, n*RecordSize)
	for i := first; i < first+n; i++ {
		b = append(b, label(i))
		for c := range channels {
			for y := range height {
				for x := range width {
					b = append(b, pixel(i, c, y, x))
				}
			}
		}
	}
	return b
}

// setRecordsPerFile lowers recordsPerFile to n for the rest of the test.
// Tests that call it must not run in parallel.
func setRecordsPerFile(t *testing.T, n int) {
	t.Helper()
	old := recordsPerFile
	recordsPerFile = n
	t.Cleanup(func() { recordsPerFile = old })
}

// dataFileContents returns the files of a data directory of n records per
// batch file, by name.
func dataFileContents(n int) map[string][]byte {
	files := map[string][]byte{metaFile: []byte(metaText)}
	for k, name := range trainFiles {
		files[name] = records(k*n, n)
	}
	files[testFile] = records(len(trainFiles)*n, n)
	return files
}

// writeDataDir writes a data directory of n records per batch file.
func writeDataDir(t *testing.T, dir string, n int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range dataFileContents(n) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// member is one entry of a test archive.
type member struct {
	name string
	typ  byte // tar.TypeReg if 0
	body []byte
	link string
}

// goodMembers returns the members of an archive like the official one,
// with n records per batch file, in the official order.
func goodMembers(n int) []member {
	files := dataFileContents(n)
	ms := []member{{name: archiveDir + "/", typ: tar.TypeDir}}
	for _, name := range []string{"data_batch_4.bin", readmeFile, "test_batch.bin", "data_batch_3.bin",
		metaFile, "data_batch_2.bin", "data_batch_5.bin", "data_batch_1.bin"} {
		b := files[name]
		if name == readmeFile {
			b = []byte(`<meta HTTP-EQUIV="REFRESH" content="0; url=http://www.cs.toronto.edu/~kriz/cifar.html">`)
		}
		ms = append(ms, member{name: archiveDir + "/" + name, body: b})
	}
	return ms
}

// buildArchive returns the members as a gzipped tar archive.
func buildArchive(t *testing.T, members []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, m := range members {
		hdr := &tar.Header{Name: m.name, Typeflag: m.typ, Mode: 0o644, Linkname: m.link, Size: int64(len(m.body))}
		switch m.typ {
		case 0:
			hdr.Typeflag = tar.TypeReg
		case tar.TypeDir:
			hdr.Mode = 0o755
		case tar.TypeChar, tar.TypeBlock:
			hdr.Devmajor, hdr.Devminor = 1, 3
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(m.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// serveArchive serves body at /cifar-10-binary.tar.gz, with a
// Content-Length, and 404 elsewhere. It returns the server and a counter of
// requests.
func serveArchive(t *testing.T, body []byte) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/"+ArchiveName {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// entries returns the sorted names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// assertEntries fails the test unless dir holds exactly the names want.
func assertEntries(t *testing.T, dir string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := entries(t, dir); !slices.Equal(got, want) {
		t.Errorf("%s holds %q, want %q", dir, got, want)
	}
}

// dataDirNames are the files Download leaves in a data directory.
var dataDirNames = []string{"batches.meta.txt", "data_batch_1.bin", "data_batch_2.bin",
	"data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"}
