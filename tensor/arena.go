package tensor

import (
	"slices"
	"unsafe"
)

// Arena hands out tensor storage and takes it all back at once, so that a
// loop that computes the same shapes every iteration — a training step —
// reuses its buffers instead of allocating them anew. Recycle returns every
// buffer handed out since the last Recycle; the tensors that used them must
// not be used afterwards. Release and ReleaseSince take single buffers back
// before that, for reuse within the same iteration, once the caller knows
// that nothing reaches them any more.
//
// The kernels that return a new tensor (Add, Exp, Sum, MatMulT, …) exist as
// Arena methods too, which take the result's storage from the arena. A nil
// *Arena is valid and allocates from the heap: (*Arena[T])(nil).Add(a, b) is
// Add(a, b). An Arena is used by one goroutine at a time.
type Arena[T Float] struct {
	bufs pool[T]     // tensors' storage
	idx  pool[int32] // Indices
	gen  uint64      // incremented by Recycle: marks of older generations are void
	// hdrs are the tensor headers New and NewUninit hand out, the first
	// nhdr of them since the last Recycle: a step that computes the same
	// tensors as the last reuses their headers, and their shapes, too.
	hdrs []*Tensor[T]
	nhdr int
}

// pool hands out buffers of one element type.
type pool[E any] struct {
	free  map[int][][]E // recycled or released buffers by length (their capacity)
	lens  []int         // the lengths with free buffers, increasing
	inUse [][]E         // handed out since the last Recycle, in order; nil once released
	at    map[*E]int    // a handed-out buffer's first element → its index in inUse
}

// ArenaMark is a point in an arena's history (Arena.Mark): the buffers
// handed out after it can be released with Release and ReleaseSince.
type ArenaMark struct {
	gen       uint64
	bufs, idx int
}

// Span returns the number of buffers the arena handed out between m and
// to, a later mark of the same generation.
func (m ArenaMark) Span(to ArenaMark) int { return to.bufs - m.bufs }

// NewArena returns an empty arena.
func NewArena[T Float]() *Arena[T] { return &Arena[T]{} }

// New returns a zeroed tensor of the given shape whose storage comes from
// the arena: a recycled buffer of the same length if there is one, a new one
// otherwise. On a nil arena it is the package-level New.
func (ar *Arena[T]) New(shape ...int) *Tensor[T] {
	t := ar.NewUninit(shape...)
	if ar != nil {
		clear(t.data)
	}
	return t
}

// NewUninit is New without the zeroing of recycled storage, for callers
// that overwrite every element. On a nil arena the storage is zeroed anyway.
//
// The tensor itself — its header, not only its storage — is the arena's
// too: Recycle takes it back with the storage, and a later New or NewUninit
// hands it out again. A recycled header keeps its shape slice when the new
// tensor has the same shape and gets a fresh one otherwise, so a shape slice
// the arena handed out never changes.
func (ar *Arena[T]) NewUninit(shape ...int) *Tensor[T] {
	if ar == nil {
		return New[T](shape...)
	}
	t := ar.header(shape)
	t.data = ar.bufs.take(numel(shape))
	return t
}

// Reshape is Tensor.Reshape with the view's header from the arena, as
// NewUninit hands it out (Recycle takes it back), so that a step that
// reshapes the same tensors as the last allocates nothing. On a nil arena
// it is Tensor.Reshape.
func (ar *Arena[T]) Reshape(t *Tensor[T], shape ...int) *Tensor[T] {
	if ar == nil {
		return t.Reshape(shape...)
	}
	var buf [planRank]int // header copies the shape if it keeps it
	v := ar.header(inferInto(buf[:0], t.shape, shape))
	v.data = t.data
	return v
}

// header hands out the next header, with the given shape: a recycled
// header keeps its shape slice when the shape is the same and gets a fresh
// one otherwise, so a shape slice the arena handed out never changes.
func (ar *Arena[T]) header(shape []int) *Tensor[T] {
	if ar.nhdr == len(ar.hdrs) {
		ar.hdrs = append(ar.hdrs, &Tensor[T]{})
	}
	t := ar.hdrs[ar.nhdr]
	ar.nhdr++
	if t.shape == nil || !slices.Equal(t.shape, shape) {
		t.shape = cloneInts(shape)
	}
	return t
}

// take returns a buffer of length n, recycled if there is one that fits
// and new otherwise, and records it as handed out. Empty buffers are not
// recorded: they hold nothing.
func (p *pool[E]) take(n int) []E {
	var buf []E
	if n > 0 {
		buf = p.fit(n)
	}
	if buf == nil {
		buf = make([]E, n)
	}
	if n > 0 {
		if p.at == nil {
			p.at = make(map[*E]int)
		}
		p.at[&buf[0]] = len(p.inUse)
		p.inUse = append(p.inUse, buf)
	}
	return buf
}

// fit takes from the free buffers the shortest that holds n elements and is
// at most fitSlack times longer, cut to length n, or returns nil if there
// is none: buffers released within a step serve other shapes too, without
// a small tensor tying up a large buffer.
func (p *pool[E]) fit(n int) []E {
	i, _ := slices.BinarySearch(p.lens, n)
	if i == len(p.lens) || p.lens[i] > fitSlack*n {
		return nil
	}
	size := p.lens[i]
	bufs := p.free[size]
	buf := bufs[len(bufs)-1]
	bufs[len(bufs)-1] = nil
	p.free[size] = bufs[:len(bufs)-1]
	if len(bufs) == 1 {
		p.lens = slices.Delete(p.lens, i, i+1)
	}
	return buf[:n]
}

// fitSlack bounds how much longer than asked a recycled buffer may be.
const fitSlack = 4

// put adds buf, at its full capacity, to the free buffers.
func (p *pool[E]) put(buf []E) {
	buf = buf[:cap(buf)]
	if p.free == nil {
		p.free = make(map[int][][]E)
	}
	if len(p.free[len(buf)]) == 0 {
		i, _ := slices.BinarySearch(p.lens, len(buf))
		p.lens = slices.Insert(p.lens, i, len(buf))
	}
	p.free[len(buf)] = append(p.free[len(buf)], buf)
}

// recycle makes every handed-out buffer free.
func (p *pool[E]) recycle() {
	for i, buf := range p.inUse {
		if buf != nil {
			p.put(buf)
		}
		p.inUse[i] = nil
	}
	p.inUse = p.inUse[:0]
	clear(p.at)
}

// lent returns the index in inUse of the handed-out buffer data is, whole,
// and whether there is one at index from or later.
func (p *pool[E]) lent(data []E, from int) (int, bool) {
	if len(data) == 0 {
		return 0, false
	}
	i, ok := p.at[&data[0]]
	if !ok || i < from || len(p.inUse[i]) != len(data) {
		return 0, false
	}
	return i, true
}

// release makes the handed-out buffer at index i free.
func (p *pool[E]) release(i int) {
	buf := p.inUse[i]
	p.inUse[i] = nil
	delete(p.at, &buf[0])
	p.put(buf)
}

// Recycle takes back every buffer handed out since the last Recycle. The
// tensors that used them — and their views — must not be used afterwards.
func (ar *Arena[T]) Recycle() {
	ar.bufs.recycle()
	ar.idx.recycle()
	ar.gen++
	ar.nhdr = 0
}

// Mark returns the arena's present point: Release and ReleaseSince given
// the mark take back only buffers handed out after it and before the next
// Recycle. On a nil arena it is the zero ArenaMark.
func (ar *Arena[T]) Mark() ArenaMark {
	if ar == nil {
		return ArenaMark{}
	}
	return ArenaMark{gen: ar.gen, bufs: len(ar.bufs.inUse), idx: len(ar.idx.inUse)}
}

// Release takes t's storage back for reuse before the next Recycle, if the
// arena handed it out after since, as a whole (t or a reshaped view of it),
// and has not taken it back already; it reports whether it did. The caller
// promises that nothing will use that storage again — t, its views, or any
// tensor sharing its data — until the arena hands it out anew. Release does
// nothing on a nil arena, for a mark older than the last Recycle, or for
// storage the arena did not hand out (a tensor from the heap, a parameter's
// value).
func (ar *Arena[T]) Release(t *Tensor[T], since ArenaMark) bool {
	if ar == nil || t == nil || since.gen != ar.gen {
		return false
	}
	i, ok := ar.bufs.lent(t.data, since.bufs)
	if ok {
		ar.bufs.release(i)
	}
	return ok
}

// Lent reports whether the arena handed out t's storage, as a whole (t or
// a reshaped view of it), after since, and has not taken it back: storage
// that Release given the same mark would take back.
func (ar *Arena[T]) Lent(t *Tensor[T], since ArenaMark) bool {
	if ar == nil || t == nil || since.gen != ar.gen {
		return false
	}
	_, ok := ar.bufs.lent(t.data, since.bufs)
	return ok
}

// ReleaseSince takes back, as Release does, every tensor buffer the arena
// handed out after since except the storage of the tensors in keep: an
// op's scratch, once the caller knows that only keep's tensors will be used
// again. Indices are not taken back.
func (ar *Arena[T]) ReleaseSince(since ArenaMark, keep ...*Tensor[T]) {
	ar.ReleaseBetween(since, ar.Mark(), keep...)
}

// ReleaseBetween is ReleaseSince for the buffers handed out after from and
// before to, a later mark of the same generation.
func (ar *Arena[T]) ReleaseBetween(from, to ArenaMark, keep ...*Tensor[T]) {
	if ar == nil || from.gen != ar.gen || to.gen != ar.gen {
		return
	}
	for i := from.bufs; i < to.bufs; i++ {
		if buf := ar.bufs.inUse[i]; buf != nil && !holds(keep, buf) {
			ar.bufs.release(i)
		}
	}
}

// ReleaseExcept is ReleaseBetween with the storage to keep given as
// slices — a tensor's Data(), or any slice of a buffer's elements that
// starts at its first — so that a caller listing what it keeps need not
// make tensors of it.
func (ar *Arena[T]) ReleaseExcept(from, to ArenaMark, keep [][]T) {
	if ar == nil || from.gen != ar.gen || to.gen != ar.gen {
		return
	}
	for i := from.bufs; i < to.bufs; i++ {
		if buf := ar.bufs.inUse[i]; buf != nil && !holdsData(keep, buf) {
			ar.bufs.release(i)
		}
	}
}

// holdsData reports whether one of keep starts at buf's first element.
func holdsData[T Float](keep [][]T, buf []T) bool {
	for _, k := range keep {
		if len(k) > 0 && &k[0] == &buf[0] {
			return true
		}
	}
	return false
}

// HandedOut returns the number of tensor buffers the arena handed out after
// since (released ones included), or 0 for a mark of an older generation.
func (ar *Arena[T]) HandedOut(since ArenaMark) int {
	if ar == nil || since.gen != ar.gen {
		return 0
	}
	return len(ar.bufs.inUse) - since.bufs
}

// holds reports whether one of ts uses buf's storage.
func holds[T Float](ts []*Tensor[T], buf []T) bool {
	for _, t := range ts {
		if t != nil && len(t.data) > 0 && &t.data[0] == &buf[0] {
			return true
		}
	}
	return false
}

// Indices returns n int32s of storage from the arena, for the positions an
// op keeps beside its tensors (max pooling's argmax). Like a tensor's
// storage, it is taken back by the next Recycle and must not be used after
// it. Its contents are unspecified: the caller writes every element. On a
// nil arena it is make([]int32, n).
func (ar *Arena[T]) Indices(n int) []int32 {
	if ar == nil {
		return make([]int32, n)
	}
	return ar.idx.take(n)
}

// Exchange hands t's storage, which the arena gave out since the last
// Recycle, over to the caller for good, and takes buf, of the same length, in
// its place: t keeps its data, and buf is what the next Recycle takes back.
// t itself is the caller's for good too: if the arena handed it out, no
// later New or NewUninit hands it out again. It reports false, changing
// nothing, if t's storage is not the arena's, or is a longer buffer cut to
// t's length, or if buf's length differs. The tape uses it to give a
// parameter the gradient the backward pass computed without copying it.
func (ar *Arena[T]) Exchange(t *Tensor[T], buf []T) bool {
	return ar.exchange(t, buf, nil)
}

// ExchangeTensor is Exchange(t, spare.Data()) that takes spare's header as
// well as its storage: spare, a tensor of t's shape that the caller gives
// up, is the arena's from then on — the next Recycle takes it back and a
// later New or NewUninit hands it out again, possibly with another shape —
// so that trading a gradient for a spare one allocates nothing.
func (ar *Arena[T]) ExchangeTensor(t, spare *Tensor[T]) bool {
	if spare == nil || spare == t {
		return false
	}
	return ar.exchange(t, spare.data, spare)
}

// exchange is Exchange, with the header spare, if not nil, taking t's place
// among the arena's headers.
func (ar *Arena[T]) exchange(t *Tensor[T], buf []T, spare *Tensor[T]) bool {
	if ar == nil || len(t.data) == 0 || len(buf) != len(t.data) {
		return false
	}
	i, ok := ar.bufs.lent(t.data, 0)
	if !ok || cap(ar.bufs.inUse[i]) != len(buf) {
		return false // a longer buffer cut short stays the arena's
	}
	delete(ar.bufs.at, &t.data[0])
	ar.bufs.inUse[i] = buf
	ar.bufs.at[&buf[0]] = i
	ar.giveHeader(t, spare)
	return true
}

// giveHeader makes the header t, if the arena handed it out, the caller's
// for good: spare (or, if nil, a new header) takes its place.
func (ar *Arena[T]) giveHeader(t, spare *Tensor[T]) {
	for j := ar.nhdr - 1; j >= 0; j-- {
		if ar.hdrs[j] == t {
			if spare == nil {
				spare = &Tensor[T]{}
			}
			ar.hdrs[j] = spare
			return
		}
	}
}

// Bytes returns the storage the arena holds, handed out or free, Indices'
// included.
func (ar *Arena[T]) Bytes() int {
	var z T
	return ar.bufs.held()*int(unsafe.Sizeof(z)) + ar.idx.held()*4
}

// held returns the number of elements in the pool's buffers, free or not.
func (p *pool[E]) held() int {
	n := 0
	for _, b := range p.inUse {
		n += cap(b)
	}
	for _, bufs := range p.free {
		for _, b := range bufs {
			n += len(b)
		}
	}
	return n
}

// Clone is Tensor.Clone with the copy's storage from the arena.
func (ar *Arena[T]) Clone(t *Tensor[T]) *Tensor[T] {
	c := ar.NewUninit(t.shape...)
	copy(c.data, t.data)
	return c
}
