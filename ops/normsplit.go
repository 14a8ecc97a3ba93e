package ops

import (
	"runtime"

	"github.com/tapegrad/tapegrad/internal/parallel"
)

// normPieceGrain is the least number of values a piece of the norms'
// passes takes (normPieces): a quarter of parallel.Grain, about ten
// microseconds of work, so that the per-piece cost stays small beside it.
const normPieceGrain = parallel.Grain / 4

// normPieces calls f on ranges of the n items of size values each, cut
// into pieces of at least normPieceGrain values that the goroutines taking
// part claim one by one in order, or on [0, n) at once on the calling
// goroutine when the items are too few to split (fewer than 2·Grain
// values). Claiming small pieces, where parallel.Chunks hands each
// goroutine one range, keeps both cores busy to the end when a goroutine
// starts late or its thread is descheduled: the others take its share.
// Every item must be computed alone, so that results do not depend on how
// the items are split.
func normPieces(n, size int, f func(lo, hi int)) {
	normWorkers(n, size, func() func(lo, hi int) { return f })
}

// normWorkers is normPieces for passes that need scratch space: every
// goroutine taking part calls worker once and then the function it
// returns on the pieces it claims (parallel.Pieces).
func normWorkers(n, size int, worker func() func(lo, hi int)) {
	total := n * max(size, 1)
	workers := min(runtime.GOMAXPROCS(0), total/parallel.Grain)
	parallel.Pieces(n, workers, max(total/normPieceGrain, workers), worker)
}
