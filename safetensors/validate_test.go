package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/safetensors"
)

// craft builds a file from a header, unpadded, and a data buffer.
func craft(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// withLength returns an 8-byte header length n followed by rest.
func withLength(n uint64, rest string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
}

// invalidFiles are crafted files that Open must refuse, each with the
// phrases its error must contain.
var invalidFiles = []struct {
	name string
	file []byte
	want []string
}{
	{"empty file", nil, []string{"file is 0 bytes", "too short"}},
	{"7 bytes", []byte{1, 0, 0, 0, 0, 0, 0}, []string{"file is 7 bytes", "too short"}},
	{"header length above the cap", withLength(100_000_001, "{}"), []string{"header length 100000001", "limit of 100000000"}},
	{"header length 2^64-1", withLength(1<<64-1, "{}"), []string{"header length 18446744073709551615", "limit"}},
	{"header length past the end", withLength(3, "{}"), []string{"header length 3", "the 2 bytes that follow"}},
	{"empty header", withLength(0, ""), []string{"must start with '{'"}},
	{"header not starting with '{'", craft(` {}`, nil), []string{"must start with '{'", `" {}"`}},
	{"header is an array", craft(`[1]`, nil), []string{"must start with '{'", `"[1]"`}},
	{"invalid UTF-8", craft("{\"\xff\":1}", nil), []string{"not valid UTF-8"}},
	{"truncated JSON", craft(`{"w":{"dtype":"F32"`, nil), []string{"not valid JSON"}},
	{"JSON syntax error", craft(`{"w" 1}`, nil), []string{"not valid JSON", "invalid character"}},
	{"trailing comma", craft(`{"__metadata__":{"a":"b",}}`, nil), []string{"not valid JSON", "invalid character '}'"}},
	{"trailing garbage", craft(`{}x`, nil), []string{`"x" after its closing '}'`}},
	{"second object", craft(`{} {}`, nil), []string{`"{}" after its closing '}'`}},
	{"tensor not an object", craft(`{"w":[1]}`, nil), []string{`tensor "w" must be an object, found an array`}},
	{"unknown dtype", craft(`{"w":{"dtype":"F17","shape":[],"data_offsets":[0,4]}}`, make([]byte, 4)),
		[]string{`tensor "w"`, `unknown or unsupported dtype "F17"`}},
	{"sub-byte dtype", craft(`{"w":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}`, make([]byte, 1)),
		[]string{`tensor "w"`, `unsupported dtype "F4"`}},
	{"dtype not a string", craft(`{"w":{"dtype":32}}`, nil), []string{`tensor "w": dtype must be a string, found the number 32`}},
	{"negative dimension", craft(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, nil),
		[]string{`tensor "w": shape`, "non-negative integers, found -1"}},
	{"fractional dimension", craft(`{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,0]}}`, nil),
		[]string{`tensor "w": shape`, "found 1.5"}},
	{"dimension beyond int64", craft(`{"w":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,0]}}`, nil),
		[]string{`tensor "w": shape`, "found 9223372036854775808"}},
	{"shape not an array", craft(`{"w":{"dtype":"F32","shape":3,"data_offsets":[0,12]}}`, nil),
		[]string{`tensor "w": shape must be an array, found the number 3`}},
	{"shape of strings", craft(`{"w":{"dtype":"F32","shape":["3"],"data_offsets":[0,12]}}`, nil),
		[]string{`tensor "w": shape must hold integers, found the string "3"`}},
	{"element count overflow", craft(`{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`, nil),
		[]string{`tensor "w"`, "shape [4294967296 4294967296]", "overflow"}},
	{"byte count overflow", craft(`{"w":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,0]}}`, nil),
		[]string{`tensor "w"`, "overflow"}},
	{"overflow despite a zero dimension", craft(`{"w":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}}`, nil),
		[]string{`tensor "w"`, "overflow"}},
	{"size does not match shape", craft(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, make([]byte, 8)),
		[]string{`tensor "w"`, "F32 of shape [3] needs 12 bytes", "[0, 8] span 8"}},
	{"begin after end", craft(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}`, make([]byte, 8)),
		[]string{`tensor "w"`, "[8, 0]", "begin is after end"}},
	{"end past the data", craft(`{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}`, make([]byte, 12)),
		[]string{`tensor "w"`, "[0, 16] run past the end of the 12-byte data buffer"}},
	{"offsets past the end, huge", craft(`{"w":{"dtype":"U8","shape":[9223372036854775000],"data_offsets":[0,9223372036854775000]}}`, nil),
		[]string{`tensor "w"`, "run past the end of the 0-byte data buffer"}},
	{"negative offset", craft(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}`, nil),
		[]string{`tensor "w": data_offsets`, "found -4"}},
	{"three offsets", craft(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, nil),
		[]string{`tensor "w": data_offsets must be [begin, end], found 3 numbers`}},
	{"overlap", craft(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, make([]byte, 12)),
		[]string{`tensors "a" [0, 8] and "b" [4, 12] overlap`}},
	{"identical ranges", craft(`{"b":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"a":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}`, make([]byte, 8)),
		[]string{`tensors "a" [0, 8] and "b" [0, 8] overlap`}},
	{"empty tensor inside another", craft(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}`, make([]byte, 8)),
		[]string{`tensors "a" [0, 8] and "e" [4, 4] overlap`}},
	{"hole between tensors", craft(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, make([]byte, 12)),
		[]string{`bytes [4, 8) of the data buffer belong to no tensor`, `before tensor "b"`}},
	{"hole at the start", craft(`{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)),
		[]string{`bytes [0, 4) of the data buffer belong to no tensor`, `before tensor "b"`}},
	{"hole at the end", craft(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 12)),
		[]string{`bytes [8, 12) at the end of the data buffer belong to no tensor`}},
	{"data but no tensors", craft(`{}`, make([]byte, 3)), []string{`bytes [0, 3) at the end of the data buffer`}},
	{"duplicate tensor", craft(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)),
		[]string{`key "w" appears twice in the header`}},
	{"duplicate __metadata__", craft(`{"__metadata__":{},"__metadata__":{}}`, nil), []string{`key "__metadata__" appears twice in the header`}},
	{"duplicate metadata key", craft(`{"__metadata__":{"k":"1","k":"2"}}`, nil), []string{`key "k" appears twice in __metadata__`}},
	{"duplicate field", craft(`{"w":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		[]string{`tensor "w": key "dtype" appears twice`}},
	{"missing field", craft(`{"w":{"dtype":"F32","shape":[1]}}`, make([]byte, 4)), []string{`tensor "w": missing "data_offsets"`}},
	{"unknown field", craft(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"strides":[1]}}`, make([]byte, 4)),
		[]string{`tensor "w": unknown key "strides"`}},
	{"metadata not an object", craft(`{"__metadata__":"pt"}`, nil), []string{`__metadata__ must be an object, found the string "pt"`}},
	{"metadata value not a string", craft(`{"__metadata__":{"epoch":3}}`, nil), []string{`__metadata__["epoch"] must be a string, found the number 3`}},
	{"metadata value null", craft(`{"__metadata__":{"epoch":null}}`, nil), []string{`__metadata__["epoch"] must be a string, found null`}},
	{"metadata nested", craft(`{"__metadata__":{"a":{"b":"c"}}}`, nil), []string{`__metadata__["a"] must be a string, found an object`}},
}

func TestOpenRejects(t *testing.T) {
	for _, c := range invalidFiles {
		t.Run(c.name, func(t *testing.T) {
			f, err := safetensors.Open(bytes.NewReader(c.file), int64(len(c.file)))
			if err == nil {
				t.Fatalf("Open accepted the file (names %v); want an error mentioning %q", f.Names(), c.want)
			}
			if !strings.HasPrefix(err.Error(), "safetensors:") {
				t.Errorf("error %q does not start with safetensors:", err)
			}
			for _, s := range c.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

// The checks above must not refuse what they should accept: padding of any
// whitespace, keys in any order, tensors listed out of data order, a dtype
// that cannot be read, an empty tensor at the very end.
func TestOpenAccepts(t *testing.T) {
	header := "{\"z\":{\"data_offsets\":[4,12],\"shape\":[2],\"dtype\":\"F32\"},\n" +
		"\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}, \"e\":{\"dtype\":\"I64\",\"shape\":[0,5],\"data_offsets\":[12,12]}," +
		"\"__metadata__\":{}}  \t\r\n "
	data := []byte{0, 0x3c, 0, 0xc0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40} // F16 1, -2; F32 1, 2
	f := open(t, craft(header, data))
	if got, want := strings.Join(f.Names(), ","), "h,z,e"; got != want {
		t.Errorf("Names = %s, want %s", got, want)
	}
	if dtype, shape, ok := f.Info("h"); dtype != "F16" || dtype.Size() != 2 || len(shape) != 1 || shape[0] != 2 || !ok {
		t.Errorf(`Info("h") = %s %v %t, want F16 [2] true`, dtype, shape, ok)
	}
	z, err := safetensors.Read[float32](f, "z")
	if err != nil || z.Data()[0] != 1 || z.Data()[1] != 2 {
		t.Errorf("z = %v, %v; want [1 2]", z, err)
	}
	if _, err := safetensors.Read[float32](f, "h"); err == nil || !strings.Contains(err.Error(), "dtype F16, want F32") {
		t.Errorf("reading F16 as float32: error %v, want a dtype mismatch", err)
	}
}

// sizeCheckingReader fails the test if anything asks for more bytes than
// the file has, and records the largest read.
type sizeCheckingReader struct {
	t       *testing.T
	r       *bytes.Reader
	largest int
}

func (r *sizeCheckingReader) ReadAt(p []byte, off int64) (int, error) {
	if int64(len(p)) > r.r.Size() {
		r.t.Errorf("ReadAt of %d bytes from a %d-byte file", len(p), r.r.Size())
	}
	r.largest = max(r.largest, len(p))
	return r.r.ReadAt(p, off)
}

func TestOpenReadsWithinTheFile(t *testing.T) {
	for _, c := range invalidFiles {
		r := &sizeCheckingReader{t: t, r: bytes.NewReader(c.file)}
		if _, err := safetensors.Open(r, int64(len(c.file))); err == nil {
			t.Errorf("%s: Open accepted it", c.name)
		}
	}
	// A header length beyond the file is refused before the header is read.
	r := &sizeCheckingReader{t: t, r: bytes.NewReader(withLength(90_000_000, "{}"))}
	if _, err := safetensors.Open(r, 10); err == nil || r.largest != 8 {
		t.Errorf("header length past the end: error %v, largest read %d bytes; want an error after reading 8", err, r.largest)
	}
}

// errReader fails every read after the first n bytes of b.
type errReader struct {
	b   []byte
	n   int64
	err error
}

func (r errReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > r.n {
		k := max(0, min(int64(len(p)), r.n-off))
		copy(p, r.b[off:off+k])
		return int(k), r.err
	}
	return copy(p, r.b[off:]), nil
}

func TestReaderErrors(t *testing.T) {
	b := goldenFile()
	size := int64(len(b))
	broken := errors.New("device unplugged")
	if _, err := safetensors.Open(errReader{b, 4, broken}, size); !errors.Is(err, broken) || !strings.Contains(err.Error(), "header length") {
		t.Errorf("failing length read: error %v", err)
	}
	if _, err := safetensors.Open(errReader{b, 20, broken}, size); !errors.Is(err, broken) || !strings.Contains(err.Error(), "136-byte header") {
		t.Errorf("failing header read: error %v", err)
	}
	// The size claims more than the reader holds: reading a tensor fails.
	short := errReader{b, size - 4, io.EOF}
	f, err := safetensors.Open(short, size)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := safetensors.Read[float32](f, "a"); err != nil {
		t.Errorf("tensor a, fully present: %v", err)
	}
	if _, _, err := f.ReadInt64("n"); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), `reading tensor "n"`) {
		t.Errorf("tensor n, truncated: error %v, want unexpected EOF naming it", err)
	}
}
