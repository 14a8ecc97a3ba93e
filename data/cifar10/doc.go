// Package cifar10 reads the binary version of the CIFAR-10 data set and
// downloads it: 60,000 color images of 32×32 pixels in ten classes
// (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck),
// 50,000 for training and 10,000 for testing.
//
//	if err := cifar10.Download(ctx, dir, cifar10.DownloadOptions{
//		URL: cifar10.URLFromEnv(), Progress: os.Stderr,
//	}); err != nil { … }
//	train, test, err := cifar10.Load(dir) // *data.Images, C×H×W = 3×32×32
//
// # The format
//
// The archive cifar-10-binary.tar.gz unpacks to a directory
// cifar-10-batches-bin holding data_batch_1.bin to data_batch_5.bin (the
// training set), test_batch.bin, batches.meta.txt (the class names, one a
// line, in label order) and readme.html. Each .bin file is 10,000 records
// (RecordsPerFile) of 3073 bytes (RecordSize), 30,730,000 bytes in all
// (FileSize), with no header:
//
//	1 byte       the label, 0 to 9
//	1024 bytes   the red plane, 32 rows of 32 pixels, row-major
//	1024 bytes   the green plane
//	1024 bytes   the blue plane
//
// which is already the C×H×W layout of data.Images, so the pixels are
// copied as they are. Load reads a directory (every file must have exactly
// the real size); ReadBatch reads one batch file from any io.Reader,
// ReadBatchN a stream of any number of records, and ReadClassNames
// batches.meta.txt. A truncated or wrong-sized file, a label above 9 or a
// malformed batches.meta.txt is an error that names the file (or the
// record) and says what was expected and what was found; nothing panics on
// bad input.
//
// # Where the data goes
//
// Download and Load take a directory; an empty one means DefaultDir():
// tapegrad/cifar-10-batches-bin in the user's cache directory
// (os.UserCacheDir), e.g. ~/.cache/tapegrad/cifar-10-batches-bin on Linux
// ($XDG_CACHE_HOME if set), ~/Library/Caches/… on macOS and
// %LocalAppData%\… on Windows. The directory holds the six .bin files and
// batches.meta.txt, about 184 MB.
//
// # Downloading
//
// Download does nothing if the directory already holds every file at its
// right size. Otherwise it streams the archive (170 MB) to a temporary file
// beside the directory while hashing it, checks its SHA-256 against
// ArchiveSHA256, extracts the expected files into a temporary directory
// beside the target and renames that into place, so the target is either
// absent, as it was, or complete. It accepts nothing but the expected
// regular files at their expected sizes: a path with "..", an absolute
// path, a link, a device, an unknown or repeated name is an error. An HTTP
// status other than 200, a transfer cut short, a cancelled context, a
// checksum mismatch or a corrupt archive is an error, and leaves no
// temporary file or directory behind. A failure to fetch the archive (no
// network, an unknown host, a status other than 200, a transfer cut short)
// is a *DownloadError, which keeps the cause for errors.Is and errors.As
// and whose message says how to do without the download: Fashion-MNIST
// from Debian's dataset-fashion-mnist package, a mirror, or a copy put in
// place by hand. A target directory that exists but lacks files is
// replaced, unless it holds files that are not part of the data set, which
// Download refuses to delete, or a file of the data set that is present but
// wrong (truncated, of the wrong size, a malformed batches.meta.txt): that
// is an error naming the file, what was expected and what was found, and
// saying to delete it, so that a damaged copy is never mistaken for a
// reason to download.
//
// # Mirrors
//
// DownloadOptions.URL names where the archive comes from; empty means the
// official address, DefaultURL. The trainers take it from their -mirror
// flag, whose default is URLFromEnv(): the environment variable
// TAPEGRAD_CIFAR10_URL (EnvURL) if set, else DefaultURL. A URL ending in
// "/" is a mirror's directory, to which the archive's name is appended:
//
//	TAPEGRAD_CIFAR10_URL=https://mirror.example.org/datasets/ go run ./examples/…
//
// A mirror must serve the official archive byte for byte: its SHA-256 is
// checked whatever the URL. Without any network, copy the archive over and
// unpack it yourself (tar -xzf cifar-10-binary.tar.gz -C ~/.cache/tapegrad
// on Linux); Download then finds the files and fetches nothing.
//
// # Tests
//
// The package's tests never touch the network. They build small archives
// of synthetic records in the real format and serve them from an
// httptest server on the loopback interface; to keep those files a few
// kilobytes, they lower the number of records per file that Load and
// Download expect (an unexported variable, RecordsPerFile in every
// program) and the checksum Download expects (an unexported option).
package cifar10
