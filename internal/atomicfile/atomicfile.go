// Package atomicfile writes files so that a path always holds a whole file,
// the old one or the new one, whatever happens part way: checkpoints,
// metrics and plots are written through it.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes path through write into a temporary file of the same
// directory, syncs it, renames it over path and syncs the directory. On any
// error the temporary file is removed and whatever was at path is left
// untouched. The new file has mode 0644.
func Write(path string, write func(f *os.File) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close() // may already be closed; the error says nothing new
			os.Remove(f.Name())
		}
	}()
	_ = f.Chmod(0o644) // best effort: CreateTemp makes files private
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	SyncDir(dir)
	return nil
}

// SyncDir flushes a directory's entries to disk so that a rename into it
// survives a crash. It is best effort: not every system can open or sync a
// directory.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
