package safetensors

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseHeader decodes the JSON header: the metadata, if any, and one
// tensorInfo per tensor in the order the header lists them. It walks the
// JSON token by token, which lets it refuse duplicate keys (encoding/json
// would silently keep the last one), unknown keys and values of the wrong
// type, naming the tensor involved. It checks the syntax of each entry, not
// the layout of the data; validateLayout does that.
func parseHeader(buf []byte) (map[string]string, []tensorInfo, error) {
	if !utf8.Valid(buf) {
		return nil, nil, errors.New("safetensors: header is not valid UTF-8")
	}
	if len(buf) == 0 || buf[0] != '{' {
		return nil, nil, fmt.Errorf("safetensors: header must start with '{', found %q", buf[:min(len(buf), 16)])
	}
	p := parser{dec: json.NewDecoder(bytes.NewReader(buf))}
	p.dec.UseNumber()
	var meta map[string]string
	var infos []tensorInfo
	if err := p.open('{', "the header"); err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for p.dec.More() {
		key, err := p.key()
		if err != nil {
			return nil, nil, err
		}
		if seen[key] {
			return nil, nil, fmt.Errorf("safetensors: key %q appears twice in the header", key)
		}
		seen[key] = true
		if key == metadataKey {
			if meta, err = p.metadata(); err != nil {
				return nil, nil, err
			}
			continue
		}
		ti, err := p.tensor(key)
		if err != nil {
			return nil, nil, err
		}
		infos = append(infos, ti)
	}
	if _, err := p.token(); err != nil { // the closing '}'
		return nil, nil, err
	}
	rest := bytes.TrimLeft(buf[p.dec.InputOffset():], " \t\r\n")
	if len(rest) != 0 {
		return nil, nil, fmt.Errorf("safetensors: header has %q after its closing '}', want only spaces",
			rest[:min(len(rest), 16)])
	}
	return meta, infos, nil
}

// parser reads the header's JSON tokens.
type parser struct{ dec *json.Decoder }

// token returns the next token, turning syntax errors into errors that say
// the header is not valid JSON.
func (p *parser) token() (json.Token, error) {
	tok, err := p.dec.Token()
	if err == io.EOF {
		return nil, errors.New("safetensors: header is not valid JSON: it ends inside the top-level object")
	}
	if err != nil {
		return nil, fmt.Errorf("safetensors: header is not valid JSON: %v", err)
	}
	return tok, nil
}

// open reads the opening delimiter of an object or array.
func (p *parser) open(d json.Delim, what string) error {
	tok, err := p.token()
	if err != nil {
		return err
	}
	if tok != d {
		kind := map[json.Delim]string{'{': "an object", '[': "an array"}[d]
		return fmt.Errorf("safetensors: %s must be %s, found %s", what, kind, describe(tok))
	}
	return nil
}

// key reads an object key. The decoder guarantees a key is a string.
func (p *parser) key() (string, error) {
	tok, err := p.token()
	if err != nil {
		return "", err
	}
	k, _ := tok.(string)
	return k, nil
}

// str reads a string value.
func (p *parser) str(what string) (string, error) {
	tok, err := p.token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("safetensors: %s must be a string, found %s", what, describe(tok))
	}
	return s, nil
}

// metadata reads the "__metadata__" object, which maps strings to strings.
func (p *parser) metadata() (map[string]string, error) {
	if err := p.open('{', metadataKey); err != nil {
		return nil, err
	}
	meta := map[string]string{}
	for p.dec.More() {
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		if _, dup := meta[k]; dup {
			return nil, fmt.Errorf("safetensors: key %q appears twice in %s", k, metadataKey)
		}
		if meta[k], err = p.str(fmt.Sprintf("%s[%q]", metadataKey, k)); err != nil {
			return nil, err
		}
	}
	_, err := p.token()
	return meta, err
}

// tensor reads one tensor's entry:
// {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}.
func (p *parser) tensor(name string) (tensorInfo, error) {
	ti := tensorInfo{name: name}
	what := fmt.Sprintf("tensor %q", name)
	if err := p.open('{', what); err != nil {
		return ti, err
	}
	seen := map[string]bool{}
	for p.dec.More() {
		k, err := p.key()
		if err != nil {
			return ti, err
		}
		if seen[k] {
			return ti, fmt.Errorf("safetensors: %s: key %q appears twice", what, k)
		}
		seen[k] = true
		switch k {
		case "dtype":
			s, err := p.str(what + ": dtype")
			if err != nil {
				return ti, err
			}
			ti.dtype = DType(s)
			if ti.dtype.Size() == 0 {
				return ti, fmt.Errorf("safetensors: %s: unknown or unsupported dtype %q", what, s)
			}
		case "shape":
			dims, err := p.ints(what + ": shape")
			if err != nil {
				return ti, err
			}
			ti.shape = make([]int, len(dims))
			for i, d := range dims {
				if d > int64(maxInt) {
					return ti, fmt.Errorf("safetensors: %s: dimension %d of shape %v is too large", what, d, dims)
				}
				ti.shape[i] = int(d)
			}
		case "data_offsets":
			offs, err := p.ints(what + ": data_offsets")
			if err != nil {
				return ti, err
			}
			if len(offs) != 2 {
				return ti, fmt.Errorf("safetensors: %s: data_offsets must be [begin, end], found %d numbers %v", what, len(offs), offs)
			}
			ti.begin, ti.end = offs[0], offs[1]
		default:
			return ti, fmt.Errorf(`safetensors: %s: unknown key %q, want "dtype", "shape" and "data_offsets"`, what, k)
		}
	}
	if _, err := p.token(); err != nil { // the closing '}'
		return ti, err
	}
	for _, k := range []string{"dtype", "shape", "data_offsets"} {
		if !seen[k] {
			return ti, fmt.Errorf("safetensors: %s: missing %q", what, k)
		}
	}
	return ti, nil
}

// ints reads an array of non-negative integers that fit in an int64.
func (p *parser) ints(what string) ([]int64, error) {
	if err := p.open('[', what); err != nil {
		return nil, err
	}
	xs := []int64{}
	for p.dec.More() {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("safetensors: %s must hold integers, found %s", what, describe(tok))
		}
		x, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil || x < 0 {
			return nil, fmt.Errorf("safetensors: %s must hold non-negative integers, found %s", what, num)
		}
		xs = append(xs, x)
	}
	_, err := p.token()
	return xs, err
}

// describe names a JSON token for an error message.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return fmt.Sprintf("%q", rune(v))
	case string:
		return fmt.Sprintf("the string %q", v)
	case json.Number:
		return "the number " + string(v)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	return fmt.Sprint(tok)
}

// validateLayout checks each tensor's entry against the data buffer of
// dataLen bytes — begin ≤ end ≤ dataLen, and end−begin is exactly the bytes
// its dtype and shape need — and then that the tensors tile the buffer: no
// two overlap and no byte belongs to none. It returns the tensors sorted by
// (begin, end, name), the order Names reports.
func validateLayout(infos []tensorInfo, dataLen int64) ([]tensorInfo, error) {
	for _, ti := range infos {
		if ti.begin > ti.end {
			return nil, fmt.Errorf("safetensors: tensor %q: data_offsets [%d, %d]: begin is after end",
				ti.name, ti.begin, ti.end)
		}
		n, ok := elemCount(ti.shape)
		size := int64(ti.dtype.Size())
		if !ok || int64(n) > (1<<63-1)/size {
			return nil, fmt.Errorf("safetensors: tensor %q: shape %v holds too many elements to count (overflow)",
				ti.name, ti.shape)
		}
		if need := int64(n) * size; need != ti.end-ti.begin {
			return nil, fmt.Errorf("safetensors: tensor %q: %s of shape %v needs %d bytes, data_offsets [%d, %d] span %d",
				ti.name, ti.dtype, ti.shape, need, ti.begin, ti.end, ti.end-ti.begin)
		}
		if ti.end > dataLen {
			return nil, fmt.Errorf("safetensors: tensor %q: data_offsets [%d, %d] run past the end of the %d-byte data buffer",
				ti.name, ti.begin, ti.end, dataLen)
		}
	}
	sorted := slices.Clone(infos)
	slices.SortFunc(sorted, func(a, b tensorInfo) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), strings.Compare(a.name, b.name))
	})
	var pos int64
	for i, ti := range sorted {
		if ti.begin < pos {
			prev := sorted[i-1]
			return nil, fmt.Errorf("safetensors: tensors %q [%d, %d] and %q [%d, %d] overlap",
				prev.name, prev.begin, prev.end, ti.name, ti.begin, ti.end)
		}
		if ti.begin > pos {
			return nil, fmt.Errorf("safetensors: bytes [%d, %d) of the data buffer belong to no tensor (a hole before tensor %q)",
				pos, ti.begin, ti.name)
		}
		pos = ti.end
	}
	if pos != dataLen {
		return nil, fmt.Errorf("safetensors: bytes [%d, %d) at the end of the data buffer belong to no tensor",
			pos, dataLen)
	}
	return sorted, nil
}
