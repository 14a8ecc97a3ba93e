package safetensors

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// metadataKey is the header key that holds the free-form string metadata
// rather than a tensor.
const metadataKey = "__metadata__"

// maxHeaderSize is the largest header Open accepts, the same 100 MB limit as
// the reference implementation.
const maxHeaderSize = 100_000_000

// headerAlign is the alignment the writer pads the header to, so that the data
// buffer starts at a multiple of 8 bytes in the file.
const headerAlign = 8

// tensorInfo is one tensor's entry in the header.
type tensorInfo struct {
	name       string
	dtype      DType
	shape      []int
	begin, end int64 // byte offsets into the data buffer
}

// encodeHeader returns the file's first bytes: the 8-byte little-endian
// header length followed by the header, the compact JSON object written the
// way the reference implementation writes it — "__metadata__" first (its
// keys sorted), then the tensors in the given order, each as
// {"dtype":…,"shape":[…],"data_offsets":[begin,end]} — padded with spaces to
// a multiple of 8 bytes.
func encodeHeader(meta map[string]string, infos []tensorInfo) []byte {
	b := make([]byte, 8, 64+64*len(infos))
	b = append(b, '{')
	first := true
	comma := func() {
		if !first {
			b = append(b, ',')
		}
		first = false
	}
	if len(meta) > 0 {
		comma()
		b = appendString(b, metadataKey)
		b = append(b, ":{"...)
		keys := make([]string, 0, len(meta))
		for k := range meta {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, meta[k])
		}
		b = append(b, '}')
	}
	for _, ti := range infos {
		comma()
		b = appendString(b, ti.name)
		b = append(b, `:{"dtype":`...)
		b = appendString(b, string(ti.dtype))
		b = append(b, `,"shape":[`...)
		for i, d := range ti.shape {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(d), 10)
		}
		b = append(b, `],"data_offsets":[`...)
		b = strconv.AppendInt(b, ti.begin, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, ti.end, 10)
		b = append(b, "]}"...)
	}
	b = append(b, '}')
	for (len(b)-8)%headerAlign != 0 {
		b = append(b, ' ')
	}
	binary.LittleEndian.PutUint64(b[:8], uint64(len(b)-8))
	return b
}

// appendString appends s as a JSON string the way serde_json writes one:
// only '"', '\\' and control characters are escaped, everything else is
// copied as UTF-8. s must be valid UTF-8.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// mustUTF8 panics unless s is valid UTF-8: the header is JSON, which cannot
// carry arbitrary bytes.
func mustUTF8(what, s string) {
	if !utf8.ValidString(s) {
		panic(fmt.Sprintf(errBadUTF8, what, s))
	}
}
