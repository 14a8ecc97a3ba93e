package cifar10

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Every test here serves its archive from an httptest server on the
// loopback interface; none touches the network.

// newTarget returns an empty parent directory and the data directory in it
// that Download is to fill.
func newTarget(t *testing.T) (parent, dir string) {
	parent = t.TempDir()
	return parent, filepath.Join(parent, "cifar-10-batches-bin")
}

func TestDownload(t *testing.T) {
	setRecordsPerFile(t, 3)
	archive := buildArchive(t, goodMembers(3))
	srv, hits := serveArchive(t, archive)
	parent, dir := newTarget(t)
	opts := DownloadOptions{URL: srv.URL + "/" + ArchiveName, sha256: sha(archive)}

	if err := Download(context.Background(), dir, opts); err != nil {
		t.Fatal(err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	assertEntries(t, parent, "cifar-10-batches-bin")
	assertEntries(t, dir, dataDirNames...)
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("data directory: %v, %v; want mode 0755", fi.Mode(), err)
	}
	for name, want := range dataFileContents(3) {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, %v; want the archive's %d bytes", name, len(got), err, len(want))
		}
	}

	train, test, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4}, train.Labels); diff != "" {
		t.Errorf("train labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]uint8{5, 6, 7}, test.Labels); diff != "" {
		t.Errorf("test labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(classNames, test.ClassNames); diff != "" {
		t.Errorf("class names (-want +got):\n%s", diff)
	}

	// A second run finds the data and downloads nothing.
	if err := Download(context.Background(), dir, opts); err != nil {
		t.Fatal(err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("%d requests after the second run, want still 1", n)
	}
	assertEntries(t, parent, "cifar-10-batches-bin")
}

// A URL ending in "/" is a mirror's directory.
func TestDownloadMirrorDirectory(t *testing.T) {
	setRecordsPerFile(t, 3)
	archive := buildArchive(t, goodMembers(3))
	var paths []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		if r.URL.Path != "/pub/cifar/"+ArchiveName {
			http.NotFound(w, r)
			return
		}
		w.Write(archive)
	}))
	defer srv.Close()
	_, dir := newTarget(t)
	if err := Download(context.Background(), dir, DownloadOptions{URL: srv.URL + "/pub/cifar/", sha256: sha(archive)}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"/pub/cifar/cifar-10-binary.tar.gz"}; !cmp.Equal(want, paths) {
		t.Errorf("requested %q, want %q", paths, want)
	}
}

func TestDownloadProgress(t *testing.T) {
	setRecordsPerFile(t, 3)
	archive := buildArchive(t, goodMembers(3))
	for _, chunked := range []bool{false, true} {
		t.Run("chunked="+strconv.FormatBool(chunked), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !chunked {
					w.Header().Set("Content-Length", strconv.Itoa(len(archive)))
				}
				w.Write(archive[:100])
				w.(http.Flusher).Flush() // without a Content-Length, the body is now chunked
				w.Write(archive[100:])
			}))
			defer srv.Close()
			_, dir := newTarget(t)
			var out bytes.Buffer
			err := Download(context.Background(), dir, DownloadOptions{URL: srv.URL, Progress: &out, sha256: sha(archive)})
			if err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if !strings.Contains(got, ArchiveName) || !strings.HasSuffix(got, "\n") {
				t.Errorf("progress output %q does not name %s or end its line", got, ArchiveName)
			}
			if !chunked && !strings.Contains(got, "100%") {
				t.Errorf("progress output %q does not reach 100%%", got)
			}
		})
	}
}

func TestDownloadChecksumMismatch(t *testing.T) {
	setRecordsPerFile(t, 3)
	archive := buildArchive(t, goodMembers(3))
	srv, _ := serveArchive(t, archive)
	parent, dir := newTarget(t)
	var out bytes.Buffer
	err := Download(context.Background(), dir, DownloadOptions{URL: srv.URL + "/" + ArchiveName, Progress: &out})
	want := "checksum mismatch: expected SHA-256 " + ArchiveSHA256 + ", got " + sha(archive)
	if err == nil || !strings.HasPrefix(err.Error(), "cifar10: ") || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one saying %q", err, want)
	}
	assertEntries(t, parent)
}

func TestDownloadBadArchive(t *testing.T) {
	setRecordsPerFile(t, 3)
	replace := func(name string, m member) func([]member) []member {
		return func(ms []member) []member {
			for i := range ms {
				if ms[i].name == archiveDir+"/"+name {
					ms[i] = m
				}
			}
			return ms
		}
	}
	add := func(m member) func([]member) []member {
		return func(ms []member) []member { return append(ms, m) }
	}
	for _, tc := range []struct {
		name   string
		change func([]member) []member
		want   string
	}{
		{"dot-dot inside", add(member{name: archiveDir + "/../evil.sh", body: []byte("x")}),
			`archive member "cifar-10-batches-bin/../evil.sh": unsafe path`},
		{"dot-dot on top", replace("data_batch_1.bin", member{name: "../" + archiveDir + "/data_batch_1.bin", body: records(0, 3)}),
			`archive member "../cifar-10-batches-bin/data_batch_1.bin": unsafe path`},
		{"absolute path", add(member{name: "/tmp/" + archiveDir + "/data_batch_1.bin", body: records(0, 3)}),
			`archive member "/tmp/cifar-10-batches-bin/data_batch_1.bin": unsafe path`},
		{"symlink", replace("data_batch_2.bin", member{name: archiveDir + "/data_batch_2.bin", typ: tar.TypeSymlink, link: "/etc/passwd"}),
			`archive member "cifar-10-batches-bin/data_batch_2.bin": symbolic link to "/etc/passwd": expected only regular files`},
		{"hardlink", replace("test_batch.bin", member{name: archiveDir + "/test_batch.bin", typ: tar.TypeLink, link: archiveDir + "/data_batch_1.bin"}),
			`archive member "cifar-10-batches-bin/test_batch.bin": hard link to "cifar-10-batches-bin/data_batch_1.bin": expected only regular files`},
		{"device", add(member{name: archiveDir + "/data_batch_1.bin", typ: tar.TypeChar}),
			`archive member "cifar-10-batches-bin/data_batch_1.bin": device file: expected only regular files`},
		{"fifo", add(member{name: archiveDir + "/batches.meta.txt", typ: tar.TypeFifo}),
			`named pipe: expected only regular files`},
		{"unexpected name", add(member{name: archiveDir + "/evil.sh", body: []byte("#!/bin/sh\n")}),
			`archive member "cifar-10-batches-bin/evil.sh": unexpected file: expected one of cifar-10-batches-bin/{data_batch_1.bin,`},
		{"unexpected directory", add(member{name: archiveDir + "/sub/", typ: tar.TypeDir}),
			`archive member "cifar-10-batches-bin/sub/": unexpected directory: expected only cifar-10-batches-bin/`},
		{"file outside the directory", add(member{name: "data_batch_1.bin", body: records(0, 3)}),
			`archive member "data_batch_1.bin": unexpected file`},
		{"duplicate", add(member{name: archiveDir + "/data_batch_3.bin", body: records(0, 3)}),
			`archive member "cifar-10-batches-bin/data_batch_3.bin": data_batch_3.bin appears twice`},
		{"file too large", replace("data_batch_5.bin", member{name: archiveDir + "/data_batch_5.bin", body: records(0, 4)}),
			`archive member "cifar-10-batches-bin/data_batch_5.bin": expected 9219 bytes (3 records of 3073), found 12292`},
		{"file too small", replace("data_batch_5.bin", member{name: archiveDir + "/data_batch_5.bin", body: records(0, 2)}),
			`archive member "cifar-10-batches-bin/data_batch_5.bin": expected 9219 bytes (3 records of 3073), found 6146`},
		{"meta too large", replace(metaFile, member{name: archiveDir + "/" + metaFile, body: bytes.Repeat([]byte("cat\n"), 2000)}),
			`archive member "cifar-10-batches-bin/batches.meta.txt": 8000 bytes, larger than the expected at most 4096`},
		{"readme too large", replace(readmeFile, member{name: archiveDir + "/" + readmeFile, body: make([]byte, 70000)}),
			`archive member "cifar-10-batches-bin/readme.html": 70000 bytes, larger than the expected at most 65536`},
		{"file missing", func(ms []member) []member {
			return ms[:len(ms)-1] // data_batch_1.bin
		}, "archive: expected cifar-10-batches-bin/data_batch_1.bin, found none"},
		{"bad class names", replace(metaFile, member{name: archiveDir + "/" + metaFile, body: []byte("cat\ndog\n")}),
			"extracted files: " /* path in between */},
	} {
		t.Run(tc.name, func(t *testing.T) {
			archive := buildArchive(t, tc.change(goodMembers(3)))
			srv, hits := serveArchive(t, archive)
			parent, dir := newTarget(t)
			err := Download(context.Background(), dir, DownloadOptions{URL: srv.URL + "/" + ArchiveName, sha256: sha(archive)})
			if err == nil || !strings.HasPrefix(err.Error(), "cifar10: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			if tc.name == "bad class names" && (err == nil || !strings.Contains(err.Error(), "class names: expected 10, found 2")) {
				t.Errorf("error %v does not count the class names", err)
			}
			if n := hits.Load(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			assertEntries(t, parent)
		})
	}
}

func TestDownloadCorruptStream(t *testing.T) {
	setRecordsPerFile(t, 3)
	good := buildArchive(t, goodMembers(3))
	for _, tc := range []struct {
		name  string
		bytes func() []byte
		want  string
	}{
		{"not gzip", func() []byte { return []byte("<html>Not Found</html>") }, "archive: expected a gzip stream: gzip: invalid header"},
		{"truncated", func() []byte { return good[:len(good)/2] }, "unexpected EOF"},
		{"bad CRC", func() []byte {
			b := bytes.Clone(good)
			b[len(b)-8] ^= 0xff // the CRC-32 in the gzip trailer
			return b
		}, "archive: gzip: invalid checksum"},
		{"data after the tar archive", func() []byte {
			var tarball bytes.Buffer
			tw := tar.NewWriter(&tarball)
			for name, body := range dataFileContents(3) {
				tw.WriteHeader(&tar.Header{Name: archiveDir + "/" + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
				tw.Write(body)
			}
			tw.Close()
			tarball.Write(make([]byte, 2<<20))
			var buf bytes.Buffer
			gz := gzip.NewWriter(&buf)
			gz.Write(tarball.Bytes())
			gz.Close()
			return buf.Bytes()
		}, "archive: expected at most 1048576 bytes after the tar archive ends, found more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			archive := tc.bytes()
			srv, _ := serveArchive(t, archive)
			parent, dir := newTarget(t)
			err := Download(context.Background(), dir, DownloadOptions{URL: srv.URL + "/" + ArchiveName, sha256: sha(archive)})
			if err == nil || !strings.HasPrefix(err.Error(), "cifar10: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			assertEntries(t, parent)
		})
	}
}

func TestDownloadStatus(t *testing.T) {
	srv, hits := serveArchive(t, nil)
	parent, dir := newTarget(t)
	err := Download(context.Background(), dir, DownloadOptions{URL: srv.URL + "/elsewhere.tar.gz"})
	want := "cifar10: downloading " + srv.URL + "/elsewhere.tar.gz: expected status 200 OK, got 404 Not Found"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	assertEntries(t, parent)
}

func TestDownloadInterrupted(t *testing.T) {
	setRecordsPerFile(t, 3)
	archive := buildArchive(t, goodMembers(3))
	half := len(archive) / 2
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"short body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(archive)))
			w.Write(archive[:half])
		}},
		{"connection closed", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(archive)))
			w.Write(archive[:half])
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			parent, dir := newTarget(t)
			var out bytes.Buffer
			err := Download(context.Background(), dir, DownloadOptions{URL: srv.URL, Progress: &out, sha256: sha(archive)})
			want := "received " + strconv.Itoa(half) + " of " + strconv.Itoa(len(archive)) + " bytes: unexpected EOF"
			if err == nil || !strings.HasPrefix(err.Error(), "cifar10: downloading ") || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v, want one saying %q", err, want)
			}
			assertEntries(t, parent)
		})
	}
}

// bodyStarted is a RoundTripper that closes started once n bytes of a
// response body have been read.
type bodyStarted struct {
	n       int
	started chan struct{}
	once    sync.Once
}

func (b *bodyStarted) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		resp.Body = &signalingBody{ReadCloser: resp.Body, b: b}
	}
	return resp, err
}

type signalingBody struct {
	io.ReadCloser
	b    *bodyStarted
	read int
}

func (s *signalingBody) Read(p []byte) (int, error) {
	n, err := s.ReadCloser.Read(p)
	if s.read += n; s.read >= s.b.n {
		s.b.once.Do(func() { close(s.b.started) })
	}
	return n, err
}

// Cancelling the context mid-body stops the download.
func TestDownloadCancel(t *testing.T) {
	setRecordsPerFile(t, 3)
	archive := buildArchive(t, goodMembers(3))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(archive)))
		w.Write(archive[:1000])
		w.(http.Flusher).Flush()
		select { // the rest never comes
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer srv.Close()
	parent, dir := newTarget(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt := &bodyStarted{n: 1000, started: make(chan struct{})}
	opts := DownloadOptions{URL: srv.URL, Client: &http.Client{Transport: rt}, sha256: sha(archive)}
	errc := make(chan error, 1)
	go func() { errc <- Download(ctx, dir, opts) }()
	select {
	case <-rt.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the body did not start")
	}
	cancel()
	err := <-errc
	want := "cifar10: downloading " + srv.URL + ": received 1000 of " + strconv.Itoa(len(archive)) + " bytes: context canceled"
	if !errors.Is(err, context.Canceled) || err.Error() != want {
		t.Errorf("error %v, want %q wrapping context.Canceled", err, want)
	}
	assertEntries(t, parent)
}

func TestDownloadCancelledBeforeStart(t *testing.T) {
	srv, hits := serveArchive(t, []byte("never sent"))
	parent, dir := newTarget(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Download(ctx, dir, DownloadOptions{URL: srv.URL + "/" + ArchiveName})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests, want 0", n)
	}
	assertEntries(t, parent)
}

// An incomplete data directory is replaced whole.
func TestDownloadReplacesIncompleteDir(t *testing.T) {
	setRecordsPerFile(t, 3)
	for _, tc := range []struct {
		name  string
		files map[string][]byte
	}{
		{"empty", nil},
		{"truncated batch", map[string][]byte{
			metaFile: []byte(metaText), "data_batch_1.bin": records(0, 3), "data_batch_2.bin": records(3, 1), readmeFile: []byte("old"),
		}},
		{"bad class names", func() map[string][]byte {
			files := dataFileContents(3)
			files[metaFile] = []byte("cat\n")
			return files
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			archive := buildArchive(t, goodMembers(3))
			srv, hits := serveArchive(t, archive)
			parent, dir := newTarget(t)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, b := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := Download(context.Background(), dir, DownloadOptions{URL: srv.URL + "/" + ArchiveName, sha256: sha(archive)}); err != nil {
				t.Fatal(err)
			}
			if n := hits.Load(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			assertEntries(t, parent, "cifar-10-batches-bin")
			assertEntries(t, dir, dataDirNames...)
			if _, _, err := Load(dir); err != nil {
				t.Error(err)
			}
		})
	}
}

// A failed download leaves an incomplete directory as it was.
func TestDownloadFailureKeepsIncompleteDir(t *testing.T) {
	setRecordsPerFile(t, 3)
	archive := buildArchive(t, goodMembers(3))
	srv, _ := serveArchive(t, archive)
	parent, dir := newTarget(t)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old := records(0, 2)
	if err := os.WriteFile(filepath.Join(dir, "data_batch_1.bin"), old, 0o644); err != nil {
		t.Fatal(err)
	}
	err := Download(context.Background(), dir, DownloadOptions{URL: srv.URL + "/" + ArchiveName}) // checksum mismatch
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Errorf("error %v, want a checksum mismatch", err)
	}
	assertEntries(t, parent, "cifar-10-batches-bin")
	assertEntries(t, dir, "data_batch_1.bin")
	if got, err := os.ReadFile(filepath.Join(dir, "data_batch_1.bin")); err != nil || !bytes.Equal(got, old) {
		t.Errorf("data_batch_1.bin changed: %d bytes, %v", len(got), err)
	}
}

// A directory that holds anything but the data set's files is not replaced,
// and nothing is downloaded.
func TestDownloadRefusesForeignDir(t *testing.T) {
	setRecordsPerFile(t, 3)
	srv, hits := serveArchive(t, buildArchive(t, goodMembers(3)))
	parent, dir := newTarget(t)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Download(context.Background(), dir, DownloadOptions{URL: srv.URL + "/" + ArchiveName})
	if err == nil || !strings.Contains(err.Error(), "holds notes.txt, which is not part of CIFAR-10; refusing to replace it") {
		t.Errorf("error %v, want a refusal naming notes.txt", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests, want 0", n)
	}
	assertEntries(t, parent, "cifar-10-batches-bin")
	assertEntries(t, dir, "notes.txt")

	file := filepath.Join(parent, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err = Download(context.Background(), file, DownloadOptions{URL: srv.URL + "/" + ArchiveName})
	want := "cifar10: " + file + ": expected a directory for CIFAR-10, found a regular file"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests, want 0", n)
	}
}

// An empty dir means DefaultDir(), for Download and Load alike.
func TestDownloadDefaultDir(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("sets the cache directory through XDG_CACHE_HOME")
	}
	setRecordsPerFile(t, 3)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	archive := buildArchive(t, goodMembers(3))
	srv, _ := serveArchive(t, archive)
	if err := Download(context.Background(), "", DownloadOptions{URL: srv.URL + "/" + ArchiveName, sha256: sha(archive)}); err != nil {
		t.Fatal(err)
	}
	assertEntries(t, filepath.Join(cache, "tapegrad", "cifar-10-batches-bin"), dataDirNames...)
	train, _, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 15 {
		t.Errorf("%d training images, want 15", train.Len())
	}
}

func TestDefaultDir(t *testing.T) {
	if runtime.GOOS == "linux" {
		t.Setenv("XDG_CACHE_HOME", "/var/cache/me")
		if got, err := DefaultDir(); err != nil || got != "/var/cache/me/tapegrad/cifar-10-batches-bin" {
			t.Errorf("DefaultDir() = %q, %v; want /var/cache/me/tapegrad/cifar-10-batches-bin", got, err)
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Skip(err)
	}
	if got, err := DefaultDir(); err != nil || got != filepath.Join(cache, "tapegrad", "cifar-10-batches-bin") {
		t.Errorf("DefaultDir() = %q, %v; want cifar-10-batches-bin under %s/tapegrad", got, err, cache)
	}
}

func TestURLFromEnv(t *testing.T) {
	t.Setenv(EnvURL, "")
	if got := URLFromEnv(); got != "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz" {
		t.Errorf("URLFromEnv() with %s empty = %q, want the official address", EnvURL, got)
	}
	t.Setenv("TAPEGRAD_CIFAR10_URL", "http://mirror.example/cifar/")
	if got := URLFromEnv(); got != "http://mirror.example/cifar/" {
		t.Errorf("URLFromEnv() = %q, want the mirror", got)
	}
}
