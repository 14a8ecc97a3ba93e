package cifar10

// Panic messages. A panic means the program misused the package; everything
// that comes from a file, an archive or the network is reported as an error
// instead.
const (
	errNegativeN = "cifar10: ReadBatchN with n = %d records: want n at least 0"
)

// Parts of returned errors that say what to do.
const (
	// errOffline ends a DownloadError's message: the ways to go on without
	// the download. %s is the data directory.
	errOffline = "without this download, train on Fashion-MNIST instead (Debian: apt install dataset-fashion-mnist, " +
		"then the trainers' -dataset fashion-mnist), fetch the archive from a mirror (the trainers' -mirror URL, " +
		"or TAPEGRAD_CIFAR10_URL=URL), or put the files of an unpacked copy in %s"
	// errFixFile follows the description of a file of the data set that is
	// present but wrong.
	errFixFile = "; delete it to download CIFAR-10 again"
	// errFetchFile follows the description of a missing file, for Load.
	errFetchFile = " (Download fetches the data set)"
)
