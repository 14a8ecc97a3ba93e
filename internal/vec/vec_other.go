//go:build !amd64 || purego

package vec

// adamAsm does nothing: there is no assembly here.
func adamAsm[T Float](x, g, m, v []T, k *[7]T) int { return 0 }

// addScaledAsm does nothing: there is no assembly here.
func addScaledAsm[T Float](x []T, alpha T, d []T) int { return 0 }

// The row loops' assembly does nothing here either.
func sumDotRowsAsm[T Float](sa, sab []float64, a, b []T, rows, stride int) int { return 0 }

func binaryAsm[T Float](op Op, d, a, b []T) int         { return 0 }
func binaryVSAsm[T Float](op Op, d, a []T, s T) int     { return 0 }
func binarySVAsm[T Float](op Op, d []T, s T, b []T) int { return 0 }
