package cifar10

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
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
	url := srv.URL + "/elsewhere.tar.gz"
	err := Download(context.Background(), dir, DownloadOptions{URL: url})
	want := "cifar10: downloading " + url + ": expected status 200 OK, got 404 Not Found; " + offlineHint(dir)
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	var de *DownloadError
	if !errors.As(err, &de) || de.URL != url || de.Dir != dir {
		t.Errorf("error %#v, want a *DownloadError for %s and %s", err, url, dir)
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
			var de *DownloadError
			if !errors.As(err, &de) || !errors.Is(err, io.ErrUnexpectedEOF) || !strings.HasSuffix(err.Error(), offlineHint(dir)) {
				t.Errorf("error %#v, want a *DownloadError wrapping io.ErrUnexpectedEOF, ending with the offline hint", err)
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
	if de := (*DownloadError)(nil); errors.As(err, &de) {
		t.Errorf("a cancelled download gave a *DownloadError: %v", err)
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
	if de := (*DownloadError)(nil); errors.As(err, &de) {
		t.Errorf("a cancelled download gave a *DownloadError: %v", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests, want 0", n)
	}
	assertEntries(t, parent)
}

// A data directory that lacks files, and whose files are whole, is replaced
// whole.
func TestDownloadReplacesIncompleteDir(t *testing.T) {
	setRecordsPerFile(t, 3)
	for _, tc := range []struct {
		name  string
		files map[string][]byte
	}{
		{"empty", nil},
		{"files missing", map[string][]byte{
			metaFile: []byte(metaText), "data_batch_1.bin": records(0, 3), readmeFile: []byte("old"),
		}},
		{"test batch missing", func() map[string][]byte {
			files := dataFileContents(3)
			delete(files, testFile)
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
	old := records(0, 3)
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

// offlineHint is what a DownloadError's message ends with, for the data
// directory dir.
func offlineHint(dir string) string {
	return "without this download, train on Fashion-MNIST instead (Debian: apt install dataset-fashion-mnist, " +
		"then the trainers' -dataset fashion-mnist), fetch the archive from a mirror (the trainers' -mirror URL, " +
		"or TAPEGRAD_CIFAR10_URL=URL), or put the files of an unpacked copy in " + dir
}

// checkDownloadError fails t unless err is a *DownloadError for url and dir
// whose message is "cifar10: downloading URL: " + cause + "; " + the offline
// hint, with the cause starting with causePrefix.
func checkDownloadError(t *testing.T, err error, url, dir, causePrefix string) *DownloadError {
	t.Helper()
	var de *DownloadError
	if !errors.As(err, &de) {
		t.Fatalf("error %#v (%v), want a *DownloadError", err, err)
	}
	if de.URL != url || de.Dir != dir {
		t.Errorf("DownloadError for %q and %q, want %q and %q", de.URL, de.Dir, url, dir)
	}
	msg := err.Error()
	head, tail := "cifar10: downloading "+url+": ", "; "+offlineHint(dir)
	if !strings.HasPrefix(msg, head+causePrefix) || !strings.HasSuffix(msg, tail) {
		t.Errorf("error %q, want %q, a cause starting with %q, and the hint %q", msg, head, causePrefix, tail)
	}
	if strings.Count(msg, url) != 1 {
		t.Errorf("error %q names the URL %d times, want once", msg, strings.Count(msg, url))
	}
	return de
}

// A failure to reach the server is a *DownloadError that keeps its cause and
// says what to do offline. Only the loopback interface is ever dialled, and
// the unknown host is a dialer that fails as the resolver would.
func TestDownloadNetworkErrors(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now
		parent, dir := newTarget(t)
		url := "http://" + addr + "/" + ArchiveName
		err = Download(context.Background(), dir, DownloadOptions{URL: url})
		checkDownloadError(t, err, url, dir, "dial tcp "+addr+": ")
		var opErr *net.OpError
		if !errors.As(err, &opErr) || opErr.Op != "dial" {
			t.Errorf("error %v does not wrap the dialler's *net.OpError", err)
		}
		if runtime.GOOS == "linux" && !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("error %v does not wrap ECONNREFUSED", err)
		}
		assertEntries(t, parent)
	})
	t.Run("unknown host", func(t *testing.T) {
		var dialled []string
		client := &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				dialled = append(dialled, addr)
				host, _, _ := net.SplitHostPort(addr)
				return nil, &net.OpError{Op: "dial", Net: network,
					Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
			},
		}}
		parent, dir := newTarget(t)
		err := Download(context.Background(), dir, DownloadOptions{Client: client})
		checkDownloadError(t, err, DefaultURL, dir, "dial tcp: lookup www.cs.toronto.edu: no such host")
		var dnsErr *net.DNSError
		if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound || dnsErr.Name != "www.cs.toronto.edu" {
			t.Errorf("error %v does not wrap the resolver's *net.DNSError", err)
		}
		if !cmp.Equal(dialled, []string{"www.cs.toronto.edu:443"}) {
			t.Errorf("dialled %q, want the official host once", dialled)
		}
		assertEntries(t, parent)
	})
	t.Run("connection closed before the response", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
		}))
		defer srv.Close()
		parent, dir := newTarget(t)
		url := srv.URL + "/" + ArchiveName
		err := Download(context.Background(), dir, DownloadOptions{URL: url})
		checkDownloadError(t, err, url, dir, "")
		if !errors.Is(err, io.EOF) {
			t.Errorf("error %v does not wrap io.EOF", err)
		}
		assertEntries(t, parent)
	})
}

// A file of the data set that is present but wrong is an error naming it,
// what was expected and what was found, and saying to delete it; Download
// neither fetches anything nor touches the directory. Once the file is
// deleted, Download replaces the directory.
func TestDownloadRefusesBadFile(t *testing.T) {
	setRecordsPerFile(t, 3)
	archive := buildArchive(t, goodMembers(3))
	for _, tc := range []struct {
		name   string
		bad    string // the file that is wrong
		files  map[string][]byte
		dirs   []string
		wantTo string // what the error says after the path
	}{
		{"truncated batch, the others missing", "data_batch_1.bin",
			map[string][]byte{"data_batch_1.bin": records(0, 2)}, nil,
			"expected 9219 bytes (3 records of 3073), found 6146"},
		{"truncated batch among whole ones", "data_batch_4.bin", func() map[string][]byte {
			files := dataFileContents(3)
			files["data_batch_4.bin"] = records(9, 3)[:5000]
			return files
		}(), nil, "expected 9219 bytes (3 records of 3073), found 5000"},
		{"batch too long", testFile, map[string][]byte{testFile: records(0, 4), metaFile: []byte(metaText)}, nil,
			"expected 9219 bytes (3 records of 3073), found 12292"},
		{"bad class names", metaFile, map[string][]byte{metaFile: []byte("cat\n"), "data_batch_1.bin": records(0, 3)}, nil,
			"class names: expected 10, found 1"},
		{"directory for a batch", "data_batch_2.bin", nil, []string{"data_batch_2.bin"},
			"expected a regular file, found a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := serveArchive(t, archive)
			parent, dir := newTarget(t)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			var names []string
			for name, b := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
				names = append(names, name)
			}
			for _, name := range tc.dirs {
				if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
					t.Fatal(err)
				}
				names = append(names, name)
			}
			opts := DownloadOptions{URL: srv.URL + "/" + ArchiveName, sha256: sha(archive)}
			err := Download(context.Background(), dir, opts)
			bad := filepath.Join(dir, tc.bad)
			want := "cifar10: " + bad + ": " + tc.wantTo + "; delete it to download CIFAR-10 again"
			if err == nil || err.Error() != want {
				t.Errorf("error %v, want %q", err, want)
			}
			if de := (*DownloadError)(nil); errors.As(err, &de) {
				t.Errorf("a bad file gave a *DownloadError: %v", err)
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("%d requests, want 0", n)
			}
			assertEntries(t, parent, "cifar-10-batches-bin")
			assertEntries(t, dir, names...)
			for name, b := range tc.files {
				if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(got, b) {
					t.Errorf("%s changed: %d bytes, %v; want its %d bytes", name, len(got), err, len(b))
				}
			}

			// As the error says: delete the file, and Download fetches the data set.
			if err := os.RemoveAll(bad); err != nil {
				t.Fatal(err)
			}
			if err := Download(context.Background(), dir, opts); err != nil {
				t.Fatal(err)
			}
			if n := hits.Load(); n != 1 {
				t.Errorf("%d requests after deleting %s, want 1", n, tc.bad)
			}
			assertEntries(t, dir, dataDirNames...)
			if _, _, err := Load(dir); err != nil {
				t.Error(err)
			}
		})
	}
}

// Offline, with a truncated batch file in place (the case), the
// error names that file rather than the failed download.
func TestDownloadBadFileOffline(t *testing.T) {
	setRecordsPerFile(t, 3)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/" + ArchiveName
	ln.Close() // offline: nothing answers
	_, dir := newTarget(t)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "data_batch_1.bin")
	if err := os.WriteFile(path, records(0, 3)[:4000], 0o644); err != nil {
		t.Fatal(err)
	}
	err = Download(context.Background(), dir, DownloadOptions{URL: url})
	want := "cifar10: " + path + ": expected 9219 bytes (3 records of 3073), found 4000; delete it to download CIFAR-10 again"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
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
