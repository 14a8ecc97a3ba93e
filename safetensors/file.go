package safetensors

import (
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"

	"github.com/tapegrad/tapegrad/tensor"
)

// File is an opened safetensors file whose header has been fully validated.
// Tensors are read on demand through the io.ReaderAt it was opened on. A File
// may be read from several goroutines at once if its ReaderAt allows it, as
// an *os.File does.
type File struct {
	r         io.ReaderAt
	closer    io.Closer
	dataStart int64          // file offset of the data buffer
	infos     []tensorInfo   // sorted by (begin, end, name)
	index     map[string]int // name → position in infos
	meta      map[string]string
}

// Open reads and validates the header of the size-byte safetensors file r.
// Everything a header can get wrong is reported as an error that starts with
// "safetensors:" and, where a tensor is involved, names it; see the package
// documentation for the list. Open allocates memory in proportion to the
// header it reads, never to a length the file claims: the header length is
// checked against size before the header is read.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if size < 8 {
		return nil, fmt.Errorf("safetensors: file is %d bytes, too short to hold the 8-byte header length", size)
	}
	var lenBuf [8]byte
	if err := readFull(r, lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("safetensors: reading the header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > maxHeaderSize {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the limit of %d bytes", n, maxHeaderSize)
	}
	if n > uint64(size-8) {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the %d bytes that follow it in the file", n, size-8)
	}
	head := make([]byte, n)
	if err := readFull(r, head, 8); err != nil {
		return nil, fmt.Errorf("safetensors: reading the %d-byte header: %w", n, err)
	}
	meta, infos, err := parseHeader(head)
	if err != nil {
		return nil, err
	}
	dataStart := 8 + int64(n)
	sorted, err := validateLayout(infos, size-dataStart)
	if err != nil {
		return nil, err
	}
	f := &File{r: r, dataStart: dataStart, infos: sorted, index: make(map[string]int, len(sorted)), meta: meta}
	for i, ti := range sorted {
		f.index[ti.name] = i
	}
	return f, nil
}

// OpenFile opens the safetensors file at path. The caller must Close the
// returned File.
func OpenFile(path string) (*File, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := Open(osf, st.Size())
	if err != nil {
		osf.Close()
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	f.closer = osf
	return f, nil
}

// Close closes the file OpenFile opened. It does nothing for a File made by
// Open, whose reader belongs to the caller.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}

// Names returns the names of the file's tensors in the order their data
// appears in the file (ties, which only empty tensors can have, are broken by
// name), so the order is deterministic.
func (f *File) Names() []string {
	names := make([]string, len(f.infos))
	for i, ti := range f.infos {
		names[i] = ti.name
	}
	return names
}

// Info returns the dtype and shape of the named tensor, and false if the file
// holds no tensor of that name. The shape is a copy.
func (f *File) Info(name string) (dtype DType, shape []int, ok bool) {
	i, ok := f.index[name]
	if !ok {
		return "", nil, false
	}
	return f.infos[i].dtype, slices.Clone(f.infos[i].shape), true
}

// Metadata returns a copy of the header's "__metadata__" map; it is empty if
// the file has none.
func (f *File) Metadata() map[string]string {
	m := maps.Clone(f.meta)
	if m == nil {
		m = map[string]string{}
	}
	return m
}

// Read reads the named tensor into a new tensor. Its dtype must be the one
// that stores T: F32 for float32, F64 for float64. Read converts nothing: a
// different dtype is an error that names the tensor, its dtype and the one
// wanted.
func Read[T tensor.Float](f *File, name string) (*tensor.Tensor[T], error) {
	ti, err := f.lookup(name, dtypeOf[T]())
	if err != nil {
		return nil, err
	}
	t := tensor.New[T](ti.shape...)
	switch d := any(t.Data()).(type) {
	case []float32:
		err = f.read(ti, func(b []byte, i int) {
			for j := 0; j < len(b); j += 4 {
				d[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[j:]))
				i++
			}
		})
	case []float64:
		err = f.read(ti, func(b []byte, i int) {
			for j := 0; j < len(b); j += 8 {
				d[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[j:]))
				i++
			}
		})
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// ReadInt64 reads the named I64 tensor: its shape and its elements in
// row-major order. Any other dtype is an error.
func (f *File) ReadInt64(name string) (shape []int, data []int64, err error) {
	ti, err := f.lookup(name, I64)
	if err != nil {
		return nil, nil, err
	}
	n, _ := elemCount(ti.shape) // validated by Open
	data = make([]int64, n)
	err = f.read(ti, func(b []byte, i int) {
		for j := 0; j < len(b); j += 8 {
			data[i] = int64(binary.LittleEndian.Uint64(b[j:]))
			i++
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return slices.Clone(ti.shape), data, nil
}

// lookup returns the named tensor's entry if its dtype is want.
func (f *File) lookup(name string, want DType) (tensorInfo, error) {
	i, ok := f.index[name]
	if !ok {
		return tensorInfo{}, fmt.Errorf("safetensors: no tensor %q in the file", name)
	}
	ti := f.infos[i]
	if ti.dtype != want {
		return tensorInfo{}, fmt.Errorf("safetensors: tensor %q has dtype %s, want %s", name, ti.dtype, want)
	}
	return ti, nil
}

// read reads ti's bytes in chunks and hands each to decode together with the
// index of its first element. Chunks hold whole elements.
func (f *File) read(ti tensorInfo, decode func(chunk []byte, first int)) error {
	total := ti.end - ti.begin
	size := int64(ti.dtype.Size())
	buf := make([]byte, min(total, chunkSize))
	for done := int64(0); done < total; {
		b := buf[:min(total-done, int64(len(buf)))]
		if err := readFull(f.r, b, f.dataStart+ti.begin+done); err != nil {
			return fmt.Errorf("safetensors: reading tensor %q: %w", ti.name, err)
		}
		decode(b, int(done/size))
		done += int64(len(b))
	}
	return nil
}

// readFull reads len(p) bytes at off, reporting a short read as
// io.ErrUnexpectedEOF.
func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}
