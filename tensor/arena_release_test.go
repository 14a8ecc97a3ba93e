package tensor

import "testing"

// A released buffer is handed out again before the next Recycle, and the
// arena stops growing.
func TestArenaReleaseReuses(t *testing.T) {
	ar := NewArena[float32]()
	m := ar.Mark()
	a := ar.New(4, 8)
	if !ar.Release(a, m) {
		t.Fatal("Release of a buffer handed out after the mark reported false")
	}
	if ar.Release(a, m) {
		t.Error("a second Release of the same buffer reported true")
	}
	b := ar.New(8, 4)
	if &b.Data()[0] != &a.Data()[0] {
		t.Error("New after Release did not reuse the released buffer")
	}
	for range 10 {
		c := ar.NewUninit(32)
		ar.Release(c.Reshape(4, 8), m) // a reshaped view releases its storage
	}
	if got, want := ar.Bytes(), 2*32*4; got != want {
		t.Errorf("Bytes after ten New/Release pairs = %d, want %d", got, want)
	}
}

// Release refuses what it must not take: storage handed out before the
// mark, storage of an older generation, heap storage, a part of a buffer.
func TestArenaReleaseRefuses(t *testing.T) {
	ar := NewArena[float64]()
	before := ar.New(3)
	m := ar.Mark()
	if ar.Release(before, m) {
		t.Error("released a buffer handed out before the mark")
	}
	if ar.Release(New[float64](3), m) {
		t.Error("released heap storage")
	}
	x := ar.New(6)
	if ar.Release(FromSlice(x.Data()[:3]), m) {
		t.Error("released a buffer through a tensor holding part of it")
	}
	ar.Recycle()
	y := ar.New(6) // x's buffer again, in a new generation
	if ar.Release(y, m) {
		t.Error("released with a mark older than the last Recycle")
	}
	var nilArena *Arena[float64]
	if nilArena.Release(y, nilArena.Mark()) {
		t.Error("a nil arena released storage")
	}
	nilArena.ReleaseSince(nilArena.Mark(), y) // does nothing, does not panic
}

// ReleaseSince takes back everything handed out after the mark but what
// it keeps, and leaves the rest alone: Indices and what came before.
func TestArenaReleaseSince(t *testing.T) {
	ar := NewArena[float32]()
	old := ar.New(5)
	m := ar.Mark()
	keep := ar.New(5)
	scratch := ar.New(5)
	idx := ar.Indices(7)
	ar.ReleaseSince(m, keep.Reshape(5, 1))
	if !ar.Release(keep, m) {
		t.Error("ReleaseSince released a buffer it was told to keep")
	}
	if ar.Release(scratch, m) {
		t.Error("ReleaseSince did not release the scratch buffer")
	}
	if b := ar.Indices(7); &b[0] == &idx[0] {
		t.Error("ReleaseSince released Indices")
	}
	if n := ar.HandedOut(m); n != 2 {
		t.Errorf("HandedOut = %d, want 2", n)
	}
	got := []*Tensor[float32]{ar.New(5), ar.New(5), ar.New(5)}
	for _, g := range got {
		if &g.Data()[0] == &old.Data()[0] {
			t.Error("a buffer handed out before the mark was handed out again")
		}
	}
	if want := (4*5 + 14) * 4; ar.Bytes() != want {
		t.Errorf("Bytes = %d, want %d", ar.Bytes(), want)
	}
}

// Exchange keeps working on buffers the arena tracks by their first
// element, and the exchanged-in buffer can be released.
func TestArenaExchangeThenRelease(t *testing.T) {
	ar := NewArena[float32]()
	m := ar.Mark()
	g := ar.New(4)
	spare := make([]float32, 4)
	if !ar.Exchange(g, spare) {
		t.Fatal("Exchange refused a buffer the arena handed out")
	}
	if ar.Release(g, m) {
		t.Error("released storage handed over by Exchange")
	}
	if !ar.Release(FromSlice(spare), m) {
		t.Error("did not release the buffer taken in by Exchange")
	}
}

// A released buffer serves a shorter tensor, down to a quarter of its
// length (fitSlack), and
// goes back whole.
func TestArenaReuseFitsShorter(t *testing.T) {
	ar := NewArena[float64]()
	m := ar.Mark()
	a := ar.New(10)
	a.Fill(3)
	ar.Release(a, m)
	b := ar.New(5)
	if &b.Data()[0] != &a.Data()[0] || b.Size() != 5 {
		t.Fatalf("New(5) after releasing 10 elements: size %d, reused %t", b.Size(), &b.Data()[0] == &a.Data()[0])
	}
	for _, v := range b.Data() {
		if v != 0 {
			t.Fatalf("reused buffer not zeroed: %v", b.Data())
		}
	}
	if c := ar.New(4); &c.Data()[0] == &a.Data()[0] {
		t.Error("a buffer was handed out twice")
	}
	ar.Release(b, m)
	if c := ar.New(10); &c.Data()[0] != &a.Data()[0] {
		t.Error("the buffer did not go back at its full length")
	}
	if got, want := ar.Bytes(), (10+4)*8; got != want {
		t.Errorf("Bytes = %d, want %d", got, want)
	}
	ar.New(3) // no free buffer at all: a new one
	if got, want := ar.Bytes(), (10+4+3)*8; got != want {
		t.Errorf("after New(3): Bytes = %d, want %d", got, want)
	}
}
