package cifar10

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/tapegrad/tapegrad/internal/atomicfile"
)

const (
	// DefaultURL is the official address of the binary version.
	DefaultURL = "https://www.cs.toronto.edu/~kriz/" + ArchiveName
	// ArchiveName is the archive's file name, which a mirror's URL ending in
	// "/" gets appended.
	ArchiveName = "cifar-10-binary.tar.gz"
	// ArchiveSHA256 is the SHA-256 of the official archive (170,052,171
	// bytes). Download checks every archive against it, from a mirror too.
	ArchiveSHA256 = "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"
	// EnvURL names the environment variable that URLFromEnv reads: the URL of
	// a mirror of the archive.
	EnvURL = "TAPEGRAD_CIFAR10_URL"

	// maxArchiveSize bounds what Download accepts from a server: the real
	// archive is 170,052,171 bytes.
	maxArchiveSize = 256 << 20
)

// DefaultDir returns where Download puts the data set and Load reads it when
// given an empty directory: the directory cifar-10-batches-bin under
// tapegrad in the user's cache directory (os.UserCacheDir), e.g.
// ~/.cache/tapegrad/cifar-10-batches-bin on Linux.
func DefaultDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cifar10: no default data directory: %w", err)
	}
	return filepath.Join(cache, "tapegrad", "cifar-10-batches-bin"), nil
}

// URLFromEnv returns the value of the environment variable
// TAPEGRAD_CIFAR10_URL (EnvURL) if it is set and not empty, and DefaultURL
// otherwise. The trainers use it as the default of their -mirror flag.
func URLFromEnv() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// DownloadOptions configures Download. The zero value downloads from
// DefaultURL with http.DefaultClient and prints nothing.
type DownloadOptions struct {
	// URL is where the archive is fetched from: DefaultURL if empty. A URL
	// ending in "/" is a mirror's directory and gets ArchiveName appended.
	// Whatever the URL, the archive must match ArchiveSHA256.
	URL string
	// Client makes the request; http.DefaultClient if nil.
	Client *http.Client
	// Progress, if not nil, receives a progress bar of the transfer.
	Progress io.Writer

	// sha256 replaces ArchiveSHA256 if not empty. Only this package's tests
	// set it, to serve archives of their own.
	sha256 string
}

// A DownloadError reports that Download could not fetch the archive: the
// request failed (no network, an unknown host, a refused connection, a
// timeout), the server answered with a status other than 200 OK or
// announced an archive too large, or the transfer was cut short. Err is the
// cause, and errors.Is and errors.As see through to it: a *url.Error that
// wraps, say, a *net.DNSError or a *net.OpError; or an error wrapping
// io.ErrUnexpectedEOF. The message names the URL and the cause and ends
// with what to do without the download. A cancelled ctx is not a
// DownloadError: that error wraps the context's error instead.
type DownloadError struct {
	URL string // where the archive was requested from
	Dir string // the data directory Download was to fill
	Err error
}

func (e *DownloadError) Error() string {
	cause := e.Err.Error()
	if ue, ok := e.Err.(*url.Error); ok && ue.URL == e.URL {
		cause = ue.Err.Error() // the URL is named once
	}
	return "cifar10: downloading " + e.URL + ": " + cause + "; " + fmt.Sprintf(errOffline, e.Dir)
}

func (e *DownloadError) Unwrap() error { return e.Err }

// Download makes sure dir holds the binary version of CIFAR-10, the files
// Load reads; an empty dir means DefaultDir().
//
// If dir already holds every batch file with the right size and a valid
// batches.meta.txt, Download returns at once without touching the network.
// Otherwise it streams the archive to a temporary file beside dir, hashing
// it as it goes, checks its SHA-256, extracts the expected files into a
// temporary directory beside dir, checks them, and renames that directory
// to dir. An incomplete dir — one that lacks files of the data set, holds
// nothing else, and whose files are each whole — is replaced. A dir holding
// anything else is left alone and reported, and so is a file of the data
// set that is present but wrong (truncated, of the wrong size or kind, or a
// malformed batches.meta.txt): the error names it and says to delete it,
// and nothing is downloaded.
//
// A failure to fetch the archive — no network, a status other than 200,
// a transfer cut short — is a *DownloadError, whose message says how to do
// without the download. On any error — those, a cancelled ctx, a checksum
// mismatch, an archive that is corrupt or holds anything but the expected
// regular files at their expected sizes — Download removes everything it
// created and leaves dir as it was.
func Download(ctx context.Context, dir string, opts DownloadOptions) error {
	if dir == "" {
		var err error
		if dir, err = DefaultDir(); err != nil {
			return err
		}
	}
	dir = filepath.Clean(dir)
	if verifyDir(dir) == nil {
		return nil
	}
	if err := checkReplaceable(dir); err != nil {
		return err
	}
	url := opts.URL
	if url == "" {
		url = DefaultURL
	}
	if strings.HasSuffix(url, "/") {
		url += ArchiveName
	}
	want := ArchiveSHA256
	if opts.sha256 != "" {
		want = opts.sha256
	}
	client := opts.Client
	if client == nil {
		client = http.DefaultClient
	}

	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	archive, err := os.CreateTemp(parent, "."+ArchiveName+".*.part")
	if err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	defer func() {
		archive.Close()
		os.Remove(archive.Name())
	}()

	sum, err := fetch(ctx, client, url, dir, archive, opts.Progress)
	if err != nil {
		return err
	}
	if sum != want {
		return fmt.Errorf("cifar10: %s: checksum mismatch: expected SHA-256 %s, got %s", url, want, sum)
	}
	if _, err := archive.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}

	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once tmp is renamed to dir
	if err := extract(archive, tmp); err != nil {
		return fmt.Errorf("cifar10: %s: %w", url, err)
	}
	if err := verifyDir(tmp); err != nil {
		return fmt.Errorf("cifar10: %s: extracted files: %w", url, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	return install(tmp, dir)
}

// fetch streams url into w and returns the hex SHA-256 of what it wrote. It
// fails unless the status is 200 and the body arrives whole. Its errors
// are *DownloadErrors naming dir, but for those of a cancelled ctx.
func fetch(ctx context.Context, client *http.Client, url, dir string, w io.Writer, progress io.Writer) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("cifar10: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("cifar10: downloading: %w", err)
		}
		return "", &DownloadError{URL: url, Dir: dir, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", &DownloadError{URL: url, Dir: dir, Err: fmt.Errorf("expected status 200 OK, got %s", resp.Status)}
	}
	size := resp.ContentLength // -1 if unknown
	if size > maxArchiveSize {
		return "", &DownloadError{URL: url, Dir: dir,
			Err: fmt.Errorf("expected at most %d bytes, server announces %d", maxArchiveSize, size)}
	}

	h := sha256.New()
	dst := io.MultiWriter(w, h)
	var bar *progressbar.ProgressBar
	if progress != nil {
		bar = newBar(progress, size)
		dst = io.MultiWriter(dst, barWriter{bar})
	}
	n, err := io.Copy(dst, io.LimitReader(resp.Body, maxArchiveSize+1))
	if err == nil && size >= 0 && n != size {
		err = io.ErrUnexpectedEOF
	}
	if err == nil && n > maxArchiveSize {
		err = fmt.Errorf("expected at most %d bytes, received more", maxArchiveSize)
	}
	if err != nil {
		if bar != nil {
			_ = bar.Exit()
		}
		ctxErr := ctx.Err()
		if ctxErr != nil {
			err = ctxErr
		}
		if size >= 0 {
			err = fmt.Errorf("received %d of %d bytes: %w", n, size, err)
		} else {
			err = fmt.Errorf("received %d bytes: %w", n, err)
		}
		if ctxErr != nil {
			return "", fmt.Errorf("cifar10: downloading %s: %w", url, err)
		}
		return "", &DownloadError{URL: url, Dir: dir, Err: err}
	}
	if bar != nil {
		_ = bar.Finish()
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// newBar returns a byte-counting progress bar that writes to w; size -1
// makes it a counter without a total. It starts no goroutine.
func newBar(w io.Writer, size int64) *progressbar.ProgressBar {
	return progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(ArchiveName),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetSpinnerChangeInterval(0),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
}

// barWriter advances a progress bar by what is written through it. A bar's
// complaint never stops a download.
type barWriter struct{ bar *progressbar.ProgressBar }

func (b barWriter) Write(p []byte) (int, error) {
	_ = b.bar.Add(len(p))
	return len(p), nil
}

// install renames the checked directory tmp to dir. If dir exists, holding
// only files of the data set but not all of them whole, it is moved aside,
// replaced and then removed; if the replacement fails, it is put back.
func install(tmp, dir string) error {
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp makes it private
		return fmt.Errorf("cifar10: %w", err)
	}
	err := os.Rename(tmp, dir)
	if err == nil {
		atomicfile.SyncDir(filepath.Dir(dir))
		return nil
	}
	if _, statErr := os.Lstat(dir); errors.Is(statErr, os.ErrNotExist) {
		return fmt.Errorf("cifar10: %w", err)
	}
	if verifyDir(dir) == nil { // another process got there first
		return nil
	}
	if err := checkReplaceable(dir); err != nil {
		return err
	}
	old := tmp + ".old" // tmp's name is unique, so is this one
	if err := os.Rename(dir, old); err != nil {
		return fmt.Errorf("cifar10: replacing incomplete %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if backErr := os.Rename(old, dir); backErr != nil {
			return fmt.Errorf("cifar10: replacing incomplete %s: %w; its old content is in %s", dir, err, old)
		}
		return fmt.Errorf("cifar10: replacing incomplete %s: %w", dir, err)
	}
	atomicfile.SyncDir(filepath.Dir(dir))
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("cifar10: %s is in place, but removing its old content: %w", dir, err)
	}
	return nil
}
