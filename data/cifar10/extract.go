package cifar10

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

const (
	// archiveDir is the directory the archive holds its files under.
	archiveDir = "cifar-10-batches-bin"
	// readmeFile is in the archive too; Download skips it.
	readmeFile = "readme.html"
	// maxReadmeSize bounds readme.html, whose real size is under 100 bytes.
	maxReadmeSize = 64 << 10
	// maxTrailer bounds what may follow the tar archive's end inside the gzip
	// stream (tar pads to 10,240-byte blocks).
	maxTrailer = 1 << 20
)

// dataFiles returns the names of the files Download installs: the six batch
// files and batches.meta.txt.
func dataFiles() []string {
	return append(trainFiles[:], testFile, metaFile)
}

// verifyDir reports whether dir holds the data set as Download leaves it:
// every batch file, a regular file of batchFileSize() bytes, and a valid
// batches.meta.txt. The error names the first problem and carries no
// "cifar10:" prefix.
func verifyDir(dir string) error {
	for _, name := range dataFiles() {
		if err := checkFile(dir, name); err != nil {
			return err
		}
	}
	return nil
}

// checkFile checks the file name of the data set in dir: a batch file must
// be a regular file of batchFileSize() bytes, batches.meta.txt must hold
// valid class names. The error names the file and carries no "cifar10:"
// prefix.
func checkFile(dir, name string) error {
	path := filepath.Join(dir, name)
	if name == metaFile {
		_, err := readClassNamesFile(path)
		return err
	}
	return checkBatchFile(path)
}

// checkReplaceable reports an error unless dir does not exist or is a
// directory that holds nothing but files of the data set, each either
// absent or whole, so that replacing it loses nothing else and does not
// hide a damaged file from the user.
func checkReplaceable(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("cifar10: %s: expected a directory for CIFAR-10, found %s; remove it or choose another directory", dir, fileKind(fi.Mode()))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	known := append(dataFiles(), readmeFile)
	for _, e := range entries {
		if !slices.Contains(known, e.Name()) {
			return fmt.Errorf("cifar10: %s is incomplete (%v) but also holds %s, which is not part of CIFAR-10; "+
				"refusing to replace it: remove it or choose another directory", dir, verifyDir(dir), e.Name())
		}
	}
	for _, name := range dataFiles() {
		if err := checkFile(dir, name); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cifar10: %w%s", err, fixHint(err))
		}
	}
	return nil
}

// extract reads the gzipped tar archive r and writes the data files into
// dst, an empty directory. It accepts only what the official archive holds:
// the directory cifar-10-batches-bin/ and, under it, the expected regular
// files, each once and at its expected size (readme.html is skipped). Any
// other member — a path with "..", an absolute path, a link, a device, an
// unknown name — is an error, and so is a missing file or a corrupt
// stream. Errors carry no "cifar10:" prefix.
func extract(r io.Reader, dst string) error {
	gz, err := gzip.NewReader(bufio.NewReaderSize(r, 1<<16))
	if err != nil {
		return fmt.Errorf("archive: expected a gzip stream: %w", err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	seen := make(map[string]bool)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		base, err := checkMember(hdr)
		if err != nil {
			return fmt.Errorf("archive member %q: %w", hdr.Name, err)
		}
		if base == "" || base == readmeFile {
			continue // the directory itself; or the readme, not needed
		}
		if seen[base] {
			return fmt.Errorf("archive member %q: %s appears twice", hdr.Name, base)
		}
		seen[base] = true
		if err := writeMember(tr, filepath.Join(dst, base), hdr.Size); err != nil {
			return fmt.Errorf("archive member %q: %w", hdr.Name, err)
		}
	}
	// Read the rest of the gzip stream, so that its checksum is verified.
	switch n, err := io.CopyN(io.Discard, gz, maxTrailer); {
	case err == nil:
		return fmt.Errorf("archive: expected at most %d bytes after the tar archive ends, found more (%d)", maxTrailer, n)
	case err != io.EOF:
		return fmt.Errorf("archive: %w", err)
	}
	for _, name := range dataFiles() {
		if !seen[name] {
			return fmt.Errorf("archive: expected %s/%s, found none", archiveDir, name)
		}
	}
	return nil
}

// checkMember checks a tar header against what the archive may hold and
// returns the member's base name, or "" for the top directory.
func checkMember(hdr *tar.Header) (string, error) {
	name := hdr.Name
	if name == "" || path.IsAbs(name) || filepath.IsAbs(name) || strings.ContainsRune(name, '\\') ||
		slices.Contains(strings.Split(name, "/"), "..") {
		return "", errors.New("unsafe path: expected a relative path without \"..\"")
	}
	switch hdr.Typeflag {
	case tar.TypeReg:
	case tar.TypeDir:
		if path.Clean(name) != archiveDir {
			return "", fmt.Errorf("unexpected directory: expected only %s/", archiveDir)
		}
		return "", nil
	case tar.TypeSymlink:
		return "", fmt.Errorf("symbolic link to %q: expected only regular files", hdr.Linkname)
	case tar.TypeLink:
		return "", fmt.Errorf("hard link to %q: expected only regular files", hdr.Linkname)
	case tar.TypeChar, tar.TypeBlock:
		return "", errors.New("device file: expected only regular files")
	case tar.TypeFifo:
		return "", errors.New("named pipe: expected only regular files")
	default:
		return "", fmt.Errorf("entry of type %q: expected only regular files", hdr.Typeflag)
	}
	dir, base := path.Split(name)
	known := append(dataFiles(), readmeFile)
	if dir != archiveDir+"/" || !slices.Contains(known, base) {
		return "", fmt.Errorf("unexpected file: expected one of %s/{%s}", archiveDir, strings.Join(known, ","))
	}
	var want int64
	switch base {
	case metaFile:
		if hdr.Size > maxMetaSize {
			return "", fmt.Errorf("%d bytes, larger than the expected at most %d", hdr.Size, maxMetaSize)
		}
		return base, nil
	case readmeFile:
		if hdr.Size > maxReadmeSize {
			return "", fmt.Errorf("%d bytes, larger than the expected at most %d", hdr.Size, maxReadmeSize)
		}
		return base, nil
	default:
		want = batchFileSize()
	}
	if hdr.Size != want {
		return "", fmt.Errorf("expected %d bytes (%d records of %d), found %d", want, recordsPerFile, RecordSize, hdr.Size)
	}
	return base, nil
}

// writeMember copies the current member of tr, size bytes, to a new file
// at path and syncs it.
func writeMember(tr *tar.Reader, path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, tr)
	if err == nil && n != size {
		err = fmt.Errorf("expected %d bytes, found %d", size, n)
	}
	if err == nil {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	return err
}
