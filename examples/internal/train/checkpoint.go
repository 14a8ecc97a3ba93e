package train

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/safetensors"
)

// A checkpoint is two safetensors files. NAME.safetensors holds the model's
// state_dict — PyTorch's load_state_dict(strict=True) accepts it for the
// equivalent module — and, in its metadata, where training stands: the step,
// the seed, the data set, the curve so far and the running averages of the
// current evaluation interval. NAME.optim.safetensors holds the optimizer's
// state. Together they let a run continue exactly where it stopped.

// state is where training stands.
type state struct {
	Step     int
	History  History
	Interval interval
}

// interval accumulates the training loss and accuracy between evaluations.
type interval struct {
	LossSum float64
	Correct int
	Count   int
}

const metaPrefix = "tapegrad."

// optimPath returns the optimizer sidecar of a checkpoint path.
func optimPath(path string) string {
	return strings.TrimSuffix(path, ".safetensors") + ".optim.safetensors"
}

// saveCheckpoint writes the model and optimizer of m and the training state
// s to path and its sidecar, each atomically.
func saveCheckpoint(path string, c Config, m Model, s state) error {
	ow := safetensors.NewWriter()
	m.WriteOptimizerState(ow)
	if err := ow.WriteFile(optimPath(path)); err != nil {
		return err
	}
	w := safetensors.NewWriter()
	w.SetMetadata("format", "pt")
	hist, err := json.Marshal(s.History)
	if err != nil {
		return err
	}
	iv, err := json.Marshal(s.Interval)
	if err != nil {
		return err
	}
	for k, v := range map[string]string{
		"trainer": c.Name, "dataset": c.Dataset, "seed": strconv.FormatUint(c.Seed, 10),
		"step": strconv.Itoa(s.Step), "history": string(hist), "interval": string(iv),
	} {
		w.SetMetadata(metaPrefix+k, v)
	}
	m.WriteState(w)
	return w.WriteFile(path)
}

// loadCheckpoint restores m from path and its sidecar and returns the
// training state. The checkpoint must come from the same trainer, data set
// and seed, since only then does resuming continue the same run.
func loadCheckpoint(path string, c Config, m Model) (state, error) {
	var s state
	f, err := safetensors.OpenFile(path)
	if err != nil {
		return s, err
	}
	defer f.Close()
	meta := f.Metadata()
	for k, want := range map[string]string{"trainer": c.Name, "dataset": c.Dataset, "seed": strconv.FormatUint(c.Seed, 10)} {
		if got := meta[metaPrefix+k]; got != want {
			return s, fmt.Errorf("checkpoint %s was made with %s %q, this run has %q", path, k, got, want)
		}
	}
	if s.Step, err = strconv.Atoi(meta[metaPrefix+"step"]); err != nil {
		return s, fmt.Errorf("checkpoint %s: bad step %q", path, meta[metaPrefix+"step"])
	}
	if err := json.Unmarshal([]byte(meta[metaPrefix+"history"]), &s.History); err != nil {
		return s, fmt.Errorf("checkpoint %s: bad history: %w", path, err)
	}
	if err := json.Unmarshal([]byte(meta[metaPrefix+"interval"]), &s.Interval); err != nil {
		return s, fmt.Errorf("checkpoint %s: bad interval: %w", path, err)
	}
	if err := m.ReadState(f); err != nil {
		return s, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	of, err := safetensors.OpenFile(optimPath(path))
	if err != nil {
		return s, err
	}
	defer of.Close()
	if err := m.ReadOptimizerState(of); err != nil {
		return s, fmt.Errorf("checkpoint %s: %w", optimPath(path), err)
	}
	return s, nil
}
