package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// idx returns an IDX file of unsigned bytes with the given dimensions and
// values, as the MNIST files are written.
func idx(dims []int, values []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(values)
	return b.Bytes()
}

// gz compresses b.
func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func TestReadRoundTrip(t *testing.T) {
	images := make([]byte, 3*4*5)
	for i := range images {
		images[i] = byte(i * 4)
	}
	labels := []byte{7, 0, 9}
	for _, tt := range []struct {
		name   string
		file   []byte
		dims   []int
		values []byte
	}{
		{"raw images", idx([]int{3, 4, 5}, images), []int{3, 4, 5}, images},
		{"gzip images", gz(idx([]int{3, 4, 5}, images)), []int{3, 4, 5}, images},
		{"raw labels", idx([]int{3}, labels), []int{3}, labels},
		{"gzip labels", gz(idx([]int{3}, labels)), []int{3}, labels},
		{"empty", idx([]int{0, 28, 28}, nil), []int{0, 28, 28}, []byte{}},
	} {
		values, dims, err := Read(bytes.NewReader(tt.file))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !slices.Equal(dims, tt.dims) || !bytes.Equal(values, tt.values) {
			t.Errorf("%s: dims %v values %v, want %v %v", tt.name, dims, values, tt.dims, tt.values)
		}
	}
	// The header of the real training images, byte for byte.
	head := idx([]int{60000, 28, 28}, nil)
	if want := []byte{0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28}; !bytes.Equal(head, want) {
		t.Fatalf("test helper writes header % x, want % x", head, want)
	}
}

func TestReadErrors(t *testing.T) {
	good := idx([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	corrupt := gz(good)
	corrupt[len(corrupt)-6] ^= 0xff // CRC-32 in the gzip trailer
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty input", nil, "mnist: truncated IDX header"},
		{"short magic", []byte{0, 0, 8}, "mnist: truncated IDX header"},
		{"not IDX", []byte("P5\n28 28\n255\n"), "mnist: bad magic number 0x50350a32"},
		{"float elements", []byte{0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}, "bad magic number 0x00000d01"},
		{"zero dims", []byte{0, 0, 8, 0}, "IDX header with 0 dimensions, want 1 to 4"},
		{"five dims", []byte{0, 0, 8, 5}, "IDX header with 5 dimensions"},
		{"truncated dims", good[:9], "mnist: truncated IDX header"},
		{"truncated data", good[:len(good)-1], "truncated data: dimensions [2 3] need 6 bytes, found 5"},
		{"truncated gzip data", gz(good[:len(good)-2]), "truncated data: dimensions [2 3] need 6 bytes, found 4"},
		{"truncated gzip stream", gz(good)[:20], "mnist:"},
		{"trailing data", append(slices.Clone(good), 0), "data continues after the 6 bytes"},
		{"corrupt gzip", corrupt, "gzip: invalid checksum"},
		{"bad gzip header", []byte{0x1f, 0x8b, 0, 0}, "mnist: gzip:"},
		{"too large", idx([]int{1 << 16, 1 << 16, 1 << 16}, nil), "IDX dimensions [65536 65536 65536] need more than 2147483648 bytes"},
		{"overflowing", idx([]int{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, nil), "need more than 2147483648 bytes"},
	}
	for _, tt := range tests {
		values, dims, err := Read(bytes.NewReader(tt.file))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
		}
		if values != nil || dims != nil {
			t.Errorf("%s: returned values or dims with an error", tt.name)
		}
	}
}

// TestReadHostileHeader reads a header that claims 2 GiB followed by 100
// bytes: Read must fail without allocating anywhere near 2 GiB.
func TestReadHostileHeader(t *testing.T) {
	file := idx([]int{1 << 31}, make([]byte, 100))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := Read(bytes.NewReader(file))
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "need 2147483648 bytes, found 100") {
		t.Errorf("err = %v, want a truncation error", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("allocated %d bytes for a 116-byte file", alloc)
	}
}
