package cifar10

// Panic messages. A panic means the program misused the package; everything
// that comes from a file, an archive or the network is reported as an error
// instead.
const (
	errNegativeN = "cifar10: ReadBatchN with n = %d records: want n at least 0"
)
