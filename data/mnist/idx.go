package mnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

const (
	// MaxBytes is the largest payload Read accepts: the header's dimensions
	// are checked against it before anything is allocated.
	MaxBytes = 1 << 31
	maxDims  = 4       // IDX files of unsigned bytes Read accepts have 1 to maxDims dimensions
	chunk    = 1 << 20 // Read grows its buffer by at most this much per read
)

// Read reads an IDX file of unsigned bytes — the format of MNIST and
// Fashion-MNIST — from r, gzip-compressed or not (it looks for gzip's magic
// bytes 1f 8b), and returns its values and dimensions.
//
// An IDX file is a big-endian header followed by the values in row-major
// order: the magic number 0x000008nn (0x08 for unsigned bytes, nn the number
// of dimensions; 0x00000803 for images n×28×28, 0x00000801 for labels), then
// nn dimensions as uint32.
//
// Read returns an error, and never panics, for a bad magic number, an element
// type other than unsigned bytes, more than four dimensions, a payload above
// MaxBytes, truncated data, data beyond what the dimensions describe and
// corrupt gzip streams. It allocates in step with the data it actually reads,
// so a hostile header cannot make it allocate much more than the input holds.
func Read(r io.Reader) (values []uint8, dims []int, err error) {
	values, dims, err = read(r)
	if err != nil {
		return nil, nil, fmt.Errorf("mnist: %w", err)
	}
	return values, dims, nil
}

// read is Read with errors that do not name the package.
func read(r io.Reader) ([]uint8, []int, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf(errGzip, err)
		}
		defer zr.Close()
		r = zr
	} else {
		r = br
	}

	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, nil, fmt.Errorf(errHeader, err)
	}
	if head[0] != 0 || head[1] != 0 || head[2] != 0x08 {
		return nil, nil, fmt.Errorf(errMagic, binary.BigEndian.Uint32(head[:]))
	}
	nd := int(head[3])
	if nd < 1 || nd > maxDims {
		return nil, nil, fmt.Errorf(errNumDims, nd, maxDims)
	}
	raw := make([]byte, 4*nd)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, nil, fmt.Errorf(errHeader, err)
	}
	dims := make([]int, nd)
	total := uint64(1)
	for i := range dims {
		d := uint64(binary.BigEndian.Uint32(raw[4*i:]))
		total *= d // < 2³¹·2³² while the check below holds: no overflow
		if total > MaxBytes {
			for j := range dims {
				dims[j] = int(binary.BigEndian.Uint32(raw[4*j:]))
			}
			return nil, nil, fmt.Errorf(errTooLarge, dims, MaxBytes)
		}
		dims[i] = int(d)
	}

	values, err := readN(r, int(total), dims)
	if err != nil {
		return nil, nil, err
	}
	// Reading on to the end also makes gzip verify its checksum.
	var extra [1]byte
	switch n, err := io.ReadFull(r, extra[:]); {
	case n > 0:
		return nil, nil, fmt.Errorf(errTrailing, total, dims)
	case err != io.EOF:
		return nil, nil, fmt.Errorf(errData, err)
	}
	return values, dims, nil
}

// readN reads exactly n bytes from r, growing its buffer as the data arrives.
func readN(r io.Reader, n int, dims []int) ([]byte, error) {
	buf := make([]byte, 0, min(n, chunk))
	for len(buf) < n {
		k := min(n-len(buf), chunk)
		buf = slices.Grow(buf, k)
		m, err := io.ReadFull(r, buf[len(buf):len(buf)+k])
		buf = buf[:len(buf)+m]
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return nil, fmt.Errorf(errTruncated, dims, n, len(buf))
		case err != nil:
			return nil, fmt.Errorf(errData, err)
		}
	}
	return buf, nil
}
