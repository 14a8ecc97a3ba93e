package train

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// A checkpoint is a pair of safetensors files, NAME.safetensors and
// NAME.optim.safetensors. The first holds the model's state_dict — what
// PyTorch's load_state_dict(strict=True) accepts for the equivalent module —
// and, in its metadata, where training stands: the step, the recipe, the
// curve so far and the running sums of the open evaluation interval. The
// second holds the optimizer's state. Both record the step: the optimizer
// file is written first, then the model file, each atomically, and a pair
// whose steps differ (a run stopped between the two writes, or files
// copied from different saves) is refused on load.

// state is where training stands, besides the model and the optimizer.
type state struct {
	Step     int
	History  History
	Interval interval
	Seconds  float64 // training time so far, evaluations excluded
}

// interval accumulates the training loss and accuracy between evaluations.
type interval struct {
	LossSum float64
	Correct int
	Count   int
}

const metaPrefix = "tapegrad."

// OptimizerPath returns the path of the optimizer file that goes with the
// model file path of a checkpoint: NAME.optim.safetensors for
// NAME.safetensors.
func OptimizerPath(path string) string {
	return strings.TrimSuffix(path, ".safetensors") + ".optim.safetensors"
}

// saveCheckpoint writes m's model and optimizer state and the training
// state s to path and OptimizerPath(path).
func saveCheckpoint[T tensor.Float](path, name string, recipe map[string]string, m Model[T], s state) error {
	meta := map[string]string{"name": name, "step": strconv.Itoa(s.Step)}
	for k, v := range map[string]any{"recipe": recipe, "history": s.History, "interval": s.Interval, "seconds": s.Seconds} {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("train: saving checkpoint %s: %w", path, err)
		}
		meta[k] = string(b)
	}
	ow := safetensors.NewWriter()
	ow.SetMetadata(metaPrefix+"name", name)
	ow.SetMetadata(metaPrefix+"step", meta["step"])
	m.WriteOptimizerState(ow)
	if err := ow.WriteFile(OptimizerPath(path)); err != nil {
		return err
	}
	w := safetensors.NewWriter()
	w.SetMetadata("format", "pt")
	for k, v := range meta {
		w.SetMetadata(metaPrefix+k, v)
	}
	m.WriteState(w)
	return w.WriteFile(path)
}

// loadCheckpoint restores m from the checkpoint at path and returns the
// training state. The checkpoint must come from a run of the same name and
// recipe, since only then does resuming continue the same run, and its two
// files must have been saved together.
func loadCheckpoint[T tensor.Float](path, name string, recipe map[string]string, m Model[T]) (state, error) {
	var s state
	f, err := safetensors.OpenFile(path)
	if err != nil {
		return s, err
	}
	defer f.Close()
	opath := OptimizerPath(path)
	of, err := safetensors.OpenFile(opath)
	if err != nil {
		return s, fmt.Errorf("checkpoint %s: resuming needs its optimizer state too: %w", path, err)
	}
	defer of.Close()
	meta := f.Metadata()
	if got := meta[metaPrefix+"name"]; got != name {
		return s, fmt.Errorf("checkpoint %s was made by %q, this run is %q", path, got, name)
	}
	var saved map[string]string
	if err := json.Unmarshal([]byte(meta[metaPrefix+"recipe"]), &saved); err != nil {
		return s, fmt.Errorf("checkpoint %s: bad recipe: %w", path, err)
	}
	keys := slices.Sorted(maps.Keys(recipe))
	for _, k := range slices.Sorted(maps.Keys(saved)) {
		if _, ok := recipe[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		got, ok := saved[k]
		if !ok {
			got = "(unset)"
		}
		want, ok := recipe[k]
		if !ok {
			want = "(unset)"
		}
		if got != want {
			return s, fmt.Errorf("checkpoint %s was made with %s %s, this run has %s %s: resume with the same settings, or start afresh",
				path, k, got, k, want)
		}
	}
	step := meta[metaPrefix+"step"]
	if s.Step, err = strconv.Atoi(step); err != nil || s.Step < 0 {
		return s, fmt.Errorf("checkpoint %s: bad step %q", path, step)
	}
	if ostep := of.Metadata()[metaPrefix+"step"]; ostep != step {
		return s, fmt.Errorf("checkpoint %s is at step %s but its optimizer state %s is at step %q: the two were not saved together",
			path, step, opath, ostep)
	}
	for k, v := range map[string]any{"history": &s.History, "interval": &s.Interval, "seconds": &s.Seconds} {
		if err := json.Unmarshal([]byte(meta[metaPrefix+k]), v); err != nil {
			return s, fmt.Errorf("checkpoint %s: bad %s: %w", path, k, err)
		}
	}
	if err := m.ReadState(f); err != nil {
		return s, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := m.ReadOptimizerState(of); err != nil {
		return s, fmt.Errorf("checkpoint %s: %w", opath, err)
	}
	return s, nil
}
