package safetensors

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/tapegrad/tapegrad/internal/atomicfile"
	"github.com/tapegrad/tapegrad/tensor"
)

// Writer collects named tensors and writes them as one safetensors file, in
// the order they were added. The Writer keeps references to the tensors'
// data, not copies: the data must not change until the file is written.
//
// The output is deterministic: the same tensors added in the same order, with
// the same metadata, always give the same bytes.
type Writer struct {
	entries []entry
	names   map[string]bool
	meta    map[string]string
	size    int64 // bytes of data added so far
}

// entry is one added tensor: its header entry and exactly one of its data
// slices.
type entry struct {
	info tensorInfo
	f32  []float32
	f64  []float64
	i64  []int64
}

// NewWriter returns an empty Writer.
func NewWriter() *Writer {
	return &Writer{names: map[string]bool{}, meta: map[string]string{}}
}

// Add adds t under name, stored as F32 if T is float32 and F64 if T is
// float64. Add panics if name is empty, is "__metadata__", is not valid
// UTF-8, or was added before.
func Add[T tensor.Float](w *Writer, name string, t *tensor.Tensor[T]) {
	e := entry{info: tensorInfo{dtype: dtypeOf[T]()}}
	switch d := any(t.Data()).(type) {
	case []float32:
		e.f32 = d
	case []float64:
		e.f64 = d
	}
	w.add(name, t.Shape(), len(t.Data()), e)
}

// AddInt64 adds an I64 tensor of the given shape holding data in row-major
// order; shape [] (or nil) is a scalar. It suits counters such as batch
// norm's num_batches_tracked. AddInt64 panics on the names Add refuses, on a
// negative dimension, or if the shape does not hold exactly len(data)
// elements.
func (w *Writer) AddInt64(name string, shape []int, data []int64) {
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf(errNegativeDim, name, shape))
		}
	}
	n, ok := elemCount(shape)
	if !ok {
		panic(fmt.Sprintf(errShapeTooBig, name, shape))
	}
	if n != len(data) {
		panic(fmt.Sprintf(errShapeData, name, shape, n, len(data)))
	}
	w.add(name, shape, len(data), entry{info: tensorInfo{dtype: I64}, i64: data})
}

func (w *Writer) add(name string, shape []int, n int, e entry) {
	switch {
	case name == "":
		panic(errEmptyName)
	case name == metadataKey:
		panic(fmt.Sprintf(errReservedName, name))
	case w.names[name]:
		panic(fmt.Sprintf(errDupName, name))
	}
	mustUTF8("tensor name", name)
	nbytes := int64(n) * int64(e.info.dtype.Size())
	e.info.name = name
	e.info.shape = append([]int{}, shape...)
	e.info.begin, e.info.end = w.size, w.size+nbytes
	w.size += nbytes
	w.names[name] = true
	w.entries = append(w.entries, e)
}

// SetMetadata sets a free-form metadata entry, stored in the header's
// "__metadata__" object. Setting a key again replaces its value. It panics if
// key or value is not valid UTF-8.
func (w *Writer) SetMetadata(key, value string) {
	mustUTF8("metadata key", key)
	mustUTF8("metadata value", value)
	w.meta[key] = value
}

// WriteTo writes the file to out and returns the number of bytes written.
// It implements io.WriterTo.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	n, err := w.writeTo(out)
	if err != nil {
		err = fmt.Errorf("safetensors: %w", err)
	}
	return n, err
}

// writeTo is WriteTo with errors that lack the package prefix.
func (w *Writer) writeTo(out io.Writer) (int64, error) {
	infos := make([]tensorInfo, len(w.entries))
	for i, e := range w.entries {
		infos[i] = e.info
	}
	head := encodeHeader(w.meta, infos)
	n, err := writeAll(out, head)
	written := int64(n)
	if err != nil {
		return written, fmt.Errorf("writing the header: %w", err)
	}
	buf := make([]byte, 0, chunkSize)
	for _, e := range w.entries {
		m, err := writeData(out, buf, e)
		written += m
		if err != nil {
			return written, fmt.Errorf("writing tensor %q: %w", e.info.name, err)
		}
	}
	return written, nil
}

// chunkSize is the size of the buffer data is encoded into (or decoded from)
// on its way to (or from) the file. It is a multiple of every element size.
const chunkSize = 64 << 10

// writeData writes e's elements in little-endian order through buf.
func writeData(out io.Writer, buf []byte, e entry) (int64, error) {
	var written int64
	flush := func() error {
		n, err := writeAll(out, buf)
		written += int64(n)
		buf = buf[:0]
		return err
	}
	for i := range max(len(e.f32), len(e.f64), len(e.i64)) {
		if len(buf)+8 > cap(buf) {
			if err := flush(); err != nil {
				return written, err
			}
		}
		switch {
		case e.f32 != nil:
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(e.f32[i]))
		case e.f64 != nil:
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(e.f64[i]))
		default:
			buf = binary.LittleEndian.AppendUint64(buf, uint64(e.i64[i]))
		}
	}
	if len(buf) == 0 {
		return written, nil
	}
	return written, flush()
}

// writeAll writes p to out, reporting a short write that came without an
// error, which the io.Writer contract forbids, as io.ErrShortWrite.
func writeAll(out io.Writer, p []byte) (int, error) {
	n, err := out.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return n, err
}

// WriteFile writes the file to path atomically: it writes a temporary file in
// the same directory, syncs it to disk and renames it over path. On any error
// the temporary file is removed and whatever was at path is left untouched,
// so path never holds a half-written file. The new file has mode 0644.
func (w *Writer) WriteFile(path string) error {
	err := atomicfile.Write(path, func(f *os.File) error {
		bw := bufio.NewWriterSize(fileHook(f), chunkSize)
		if _, err := w.writeTo(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("safetensors: writing %s: %w", path, err)
	}
	return nil
}

// fileHook wraps the temporary file WriteFile writes to. Tests replace it to
// make writes fail part way through.
var fileHook = func(f *os.File) io.Writer { return f }
