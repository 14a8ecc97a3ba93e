//go:build !amd64 || purego

package vec

// adamAsm does nothing: there is no assembly here.
func adamAsm[T Float](x, g, m, v []T, k *[7]T) int { return 0 }

// addScaledAsm does nothing: there is no assembly here.
func addScaledAsm[T Float](x []T, alpha T, d []T) int { return 0 }
