// Command charlm trains a character-level Transformer language model on
// English text and prints samples of what it learned: by default Debian's
// fortunes (the plain-text files of /usr/share/games/fortunes, from
// `apt-get install fortunes`), or any text file with -text.
//
//	go run ./examples/charlm                        # the fortunes
//	go run ./examples/charlm -text book.txt -steps 2000
//
// The model is W9's (internal/charmodel.CharLM, WORKLOADS.md): a token
// embedding plus a learned position embedding, 2 pre-norm Transformer
// encoder layers (d_model 128, 4 heads, feed-forward 512, GELU) under a
// causal mask, a final LayerNorm and a linear head to the 96 characters,
// with a context of 128 characters; about 0.42 million parameters.
//
// The vocabulary is printable ASCII: newline (index 0) and the 95
// characters from space to '~' (indices 1–95). A tab becomes a space and
// every other byte — control characters, and each byte of a non-ASCII
// UTF-8 character — becomes '?'. The last 10% of the text is the
// validation split. Each training step draws -batch windows of 129
// characters at random from the rest, each position predicting the next
// character, and takes one AdamW step (lr 3e-4, PyTorch's other defaults)
// on the mean cross-entropy through a train.Classifier: the model's
// (N·128)×96 logits against the next characters as labels. The
// validation loss is the mean cross-entropy over every position of the
// validation split cut into windows of 128 back to back, in bits per
// character (nats / ln 2).
//
// Every -eval-every steps it prints the mean training loss since the last
// evaluation and the validation loss, both in bits per character, and
// rewrites -out/metrics.csv and -out/checkpoint.safetensors (the model's
// weights, which the PyTorch twin's model loads with
// load_state_dict(strict=True)). At the end it prints -sample-len
// characters of text generated from a newline at -temperature, then the
// two lines
//
//	validation bpc: 2.xxxx
//	training time: 123.4 s
//
// the time of the training steps alone, without evaluations and sampling.
// examples/pytorch/charlm.py is the same model, data and recipe in
// PyTorch, ending with the same two lines; its initial weights and batches
// come from torch's generator, so the numbers agree in kind, not to the
// digit. On the defaults (250 steps, seed 1) the validation loss falls
// 4.29, 4.03, 3.93, 3.88, 3.83 bits per character at steps 50, …, 250
// (PyTorch: 4.26, 4.03, 3.93, 3.86, 3.83), and the sample has learned
// words' shapes, spaces, short lines and the fortunes' "%" separators, not
// yet English; it takes about 3.5 minutes on 2 busy cores. The checkpoint
// loaded into the PyTorch twin gives the same validation loss to 4 digits.
// The same -seed gives the same numbers. Bad flags are an error and exit
// status 2; Ctrl-C stops after the current step, saving the weights.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/examples/internal/course"
	"github.com/tapegrad/tapegrad/internal/charmodel"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
	"github.com/tapegrad/tapegrad/train"
)

func main() { course.Command("charlm", run) }

// FortunesDir is where Debian's fortunes package puts its text files.
const FortunesDir = "/usr/share/games/fortunes"

// settings are the command's flags.
type settings struct {
	text         string
	steps, batch int
	lr           float64
	seed         uint64
	evalEvery    int
	out          string
	temperature  float64
	sampleLen    int
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	s := settings{steps: 250, batch: 32, lr: 3e-4, seed: 1, evalEvery: 50, out: filepath.Join("out", "charlm"),
		temperature: 0.8, sampleLen: 400}
	fs := flag.NewFlagSet("charlm", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&s.text, "text", "", "text file to train on (default: the fortunes in "+FortunesDir+")")
	fs.IntVar(&s.steps, "steps", s.steps, "training steps")
	fs.IntVar(&s.batch, "batch", s.batch, "windows of 129 characters per step")
	fs.Float64Var(&s.lr, "lr", s.lr, "AdamW's learning rate")
	fs.Uint64Var(&s.seed, "seed", s.seed, "random seed: initial weights, batches and the sample")
	fs.IntVar(&s.evalEvery, "eval-every", s.evalEvery, "evaluate on the validation split every this many steps")
	fs.StringVar(&s.out, "out", s.out, "directory for metrics.csv and checkpoint.safetensors")
	fs.Float64Var(&s.temperature, "temperature", s.temperature, "sampling temperature of the generated text (positive)")
	fs.IntVar(&s.sampleLen, "sample-len", s.sampleLen, "characters of generated text to print at the end (0 for none)")
	if err := course.Parse(fs, args, stderr); err != nil {
		return err
	}
	if err := s.check(fs); err != nil {
		return &course.UsageError{Err: err}
	}

	text, source, err := loadText(s.text)
	if err != nil {
		return err
	}
	trainIDs, valIDs := split(Encode(text))
	if len(trainIDs) < charmodel.Context+1 || len(valIDs) < charmodel.Context+1 {
		return fmt.Errorf("%s: %d characters are too few: want at least %d, so that both splits hold a window of %d",
			source, len(text), 10*(charmodel.Context+1), charmodel.Context+1)
	}
	if err := os.MkdirAll(s.out, 0o755); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	m := charmodel.NewCharLM[float32](rand.New(rand.NewPCG(s.seed, 0x7a9e)), charmodel.Vocab, charmodel.Context,
		charmodel.DModel, charmodel.Heads, charmodel.Layers, charmodel.FFN)
	cl := train.NewClassifier[float32](m, optim.NewAdamW(nn.Params[float32](m), optim.LR(s.lr)))
	nParams := 0
	for _, p := range nn.Params[float32](m) {
		nParams += tensor.NumElems(p.Value().Shape())
	}
	fmt.Fprintf(stdout, "charlm on %s: %d characters, %d for training and %d for validation; %d parameters, "+
		"AdamW lr %g, %d steps of %d windows of %d\n",
		source, len(text), len(trainIDs), len(valIDs), nParams, s.lr, s.steps, s.batch, charmodel.Context+1)

	batches := rand.New(rand.NewPCG(s.seed, 0xc4a7))
	x := tensor.New[float32](s.batch, charmodel.Context)
	labels := make([]int, s.batch*charmodel.Context)
	var (
		elapsed time.Duration
		sum     float64 // training loss in nats since the last evaluation
		count   int
		history []point
		val     float64
	)
	step := 0
	for step < s.steps {
		if ctx.Err() != nil {
			break
		}
		Window(x, labels, trainIDs, batches)
		start := time.Now()
		loss := float64(cl.Step(x, labels))
		elapsed += time.Since(start)
		step++
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("the training loss is %v at step %d; stopped (the last checkpoint is kept)", loss, step)
		}
		sum += loss
		count++
		if step%s.evalEvery == 0 || step == s.steps {
			val = Evaluate(cl, valIDs, s.batch) / math.Ln2
			p := point{step: step, trainBPC: sum / float64(count) / math.Ln2, valBPC: val, seconds: elapsed.Seconds()}
			history = append(history, p)
			sum, count = 0, 0
			fmt.Fprintf(stdout, "step %5d: train %.4f bpc, validation %.4f bpc (%.1f s of training)\n",
				p.step, p.trainBPC, p.valBPC, p.seconds)
			if err := save(s.out, m, history); err != nil {
				return err
			}
		}
	}
	if ctx.Err() != nil {
		if err := save(s.out, m, history); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "interrupted after step %d; weights saved in %s\n", step, filepath.Join(s.out, "checkpoint.safetensors"))
		return nil
	}
	if s.sampleLen > 0 {
		sample := Sample(m, s.sampleLen, s.temperature, rand.New(rand.NewPCG(s.seed, 0x5a3e)))
		fmt.Fprintf(stdout, "\nsample (temperature %g):\n%s\n\n", s.temperature, sample)
	}
	fmt.Fprintf(stdout, "validation bpc: %.4f\n", val)
	fmt.Fprintf(stdout, "training time: %.1f s\n", elapsed.Seconds())
	return nil
}

// check reports flag values no run can use.
func (s *settings) check(fs *flag.FlagSet) error {
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q: every setting is a flag (-h lists them)", fs.Arg(0))
	case !(s.lr > 0) || math.IsInf(s.lr, 1):
		return fmt.Errorf("-lr %v: want a positive finite number", s.lr)
	case s.steps < 1:
		return fmt.Errorf("-steps %d: want at least 1", s.steps)
	case s.batch < 1:
		return fmt.Errorf("-batch %d: want at least 1", s.batch)
	case s.evalEvery < 1:
		return fmt.Errorf("-eval-every %d: want at least 1", s.evalEvery)
	case !(s.temperature > 0) || math.IsInf(s.temperature, 1):
		return fmt.Errorf("-temperature %v: want a positive finite number", s.temperature)
	case s.sampleLen < 0:
		return fmt.Errorf("-sample-len %d: want 0 or more", s.sampleLen)
	case s.out == "":
		return errors.New("-out is empty: want a directory")
	}
	return nil
}

// loadText returns the text of path, or with path "" the fortunes: every
// file of FortunesDir except the .dat and .u8 index files (the .u8 are
// links to the plain files), in the order of their names, concatenated.
// The second result names the source.
func loadText(path string) ([]byte, string, error) {
	if path != "" {
		b, err := os.ReadFile(path)
		return b, path, err
	}
	entries, err := os.ReadDir(FortunesDir) // sorted by name
	if err != nil {
		return nil, "", fmt.Errorf("reading the fortunes: %w (install them with apt-get install fortunes, or train on any text file with -text FILE)", err)
	}
	var text []byte
	files := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasSuffix(name, ".dat") || strings.HasSuffix(name, ".u8") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(FortunesDir, name))
		if err != nil {
			return nil, "", err
		}
		text = append(text, b...)
		files++
	}
	if files == 0 {
		return nil, "", fmt.Errorf("no fortunes in %s (install them with apt-get install fortunes, or train on any text file with -text FILE)", FortunesDir)
	}
	return text, fmt.Sprintf("the fortunes (%d files in %s)", files, FortunesDir), nil
}

// Encode maps text byte by byte to the vocabulary's indices: '\n' is 0,
// the printable ASCII characters ' ' to '~' are 1 to 95, a tab is a space
// (1), and every other byte is '?'.
func Encode(text []byte) []int {
	ids := make([]int, len(text))
	for i, c := range text {
		switch {
		case c == '\n':
			ids[i] = 0
		case c == '\t':
			ids[i] = 1
		case c >= ' ' && c <= '~':
			ids[i] = int(c-' ') + 1
		default:
			ids[i] = int('?'-' ') + 1
		}
	}
	return ids
}

// Decode is the inverse of Encode on the vocabulary.
func Decode(ids []int) string {
	b := make([]byte, len(ids))
	for i, id := range ids {
		if id == 0 {
			b[i] = '\n'
		} else {
			b[i] = byte(id-1) + ' '
		}
	}
	return string(b)
}

// split returns the first 90% of ids for training and the last 10%
// (len/10 characters) for validation.
func split(ids []int) (trainIDs, valIDs []int) {
	n := len(ids) - len(ids)/10
	return ids[:n], ids[n:]
}

// Window fills x (B×T) and labels (B·T) with B windows of T+1 characters
// of ids starting at positions drawn uniformly from rng: x holds each
// window's first T characters and labels the T that follow them.
func Window(x *tensor.Tensor[float32], labels []int, ids []int, rng *rand.Rand) {
	b, t := x.Dim(0), x.Dim(1)
	xd := x.Data()
	for i := range b {
		s := rng.IntN(len(ids) - t)
		for j := range t {
			xd[i*t+j] = float32(ids[s+j])
			labels[i*t+j] = ids[s+j+1]
		}
	}
}

// Evaluate returns the mean cross-entropy in nats of the model's
// predictions over ids cut into windows of the context back to back
// (window k predicts ids[kT+1 … kT+T] from ids[kT … kT+T−1]; what is left
// over at the end is not scored), batch windows at a time.
func Evaluate(cl *train.Classifier[float32], ids []int, batch int) float64 {
	t := cl.Model.(*charmodel.CharLM[float32]).Context()
	windows := (len(ids) - 1) / t
	var sum float64
	for w0 := 0; w0 < windows; w0 += batch {
		n := min(batch, windows-w0)
		x := tensor.New[float32](n, t)
		labels := make([]int, n*t)
		xd := x.Data()
		for i := range n {
			s := (w0 + i) * t
			for j := range t {
				xd[i*t+j] = float32(ids[s+j])
				labels[i*t+j] = ids[s+j+1]
			}
		}
		l, _ := cl.EvalBatch(x, labels)
		sum += l
	}
	return sum / float64(windows*t)
}

// Sample generates n characters from the model, starting after a newline:
// each next character is drawn from softmax(logits/temperature) of the
// last position, given the last Context characters at most.
func Sample(m *charmodel.CharLM[float32], n int, temperature float64, rng *rand.Rand) string {
	ctx := m.Context()
	ids := []int{0}
	tape := autograd.NewTape[float32]()
	tape.SetGradEnabled(false)
	p := make([]float64, charmodel.Vocab)
	for range n {
		start := max(0, len(ids)-ctx)
		win := ids[start:]
		x := tensor.New[float32](1, len(win))
		for i, id := range win {
			x.Data()[i] = float32(id)
		}
		tape.Reset()
		logits := m.Forward(tape.Input(x)).Value().Data()
		last := logits[(len(win)-1)*charmodel.Vocab:]
		hi := math.Inf(-1)
		for _, v := range last {
			hi = math.Max(hi, float64(v))
		}
		var z float64
		for i, v := range last {
			p[i] = math.Exp((float64(v) - hi) / temperature)
			z += p[i]
		}
		u := rng.Float64() * z
		next := len(p) - 1
		for i, v := range p {
			if u < v {
				next = i
				break
			}
			u -= v
		}
		ids = append(ids, next)
	}
	return Decode(ids[1:])
}

// point is one evaluation.
type point struct {
	step             int
	trainBPC, valBPC float64
	seconds          float64 // of training steps so far
}

// save writes the model's weights to dir/checkpoint.safetensors and the
// evaluations so far to dir/metrics.csv.
func save(dir string, m *charmodel.CharLM[float32], history []point) error {
	if err := nn.Save(filepath.Join(dir, "checkpoint.safetensors"), nn.Module[float32](m)); err != nil {
		return err
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"step", "train_bpc", "val_bpc", "seconds"})
	for _, p := range history {
		w.Write([]string{strconv.Itoa(p.step), strconv.FormatFloat(p.trainBPC, 'g', 8, 64),
			strconv.FormatFloat(p.valBPC, 'g', 8, 64), strconv.FormatFloat(p.seconds, 'f', 3, 64)})
	}
	w.Flush()
	return os.WriteFile(filepath.Join(dir, "metrics.csv"), []byte(b.String()), 0o644)
}
