package optim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// NamedTensor is one entry of an optimizer's state: a tensor and its name,
// "<parameter index>.<key>" as in PyTorch's optimizer state_dict, where the
// index is the parameter's position in the list the optimizer was built
// with. The keys are
//
//	SGD with momentum: momentum_buffer
//	Adam, AdamW:       step, exp_avg, exp_avg_sq (and max_exp_avg_sq with Amsgrad)
//
// Buffers have their parameter's shape. The step counter is a scalar (shape
// ()) of type T holding a whole number, the way PyTorch keeps it in a float32
// tensor: float32 counts exactly up to 2²⁴ ≈ 1.7·10⁷ steps per parameter and
// float64 up to 2⁵³, far beyond any training run.
//
// As in PyTorch, a parameter that has not yet been updated (it never had a
// gradient) has no entries at all.
type NamedTensor[T tensor.Float] struct {
	Name   string
	Tensor *tensor.Tensor[T]
}

// stepKey is the name of the step counter, the one scalar state entry.
const stepKey = "step"

// stateName returns the name of parameter i's entry key.
func stateName(i int, key string) string { return strconv.Itoa(i) + "." + key }

// parseState checks state against the keys an optimizer keeps for each
// parameter and against the parameters' shapes, and returns, per parameter,
// nil (no entries) or copies of its tensors in the order of keys. Every
// parameter that has an entry must have all of its keys.
func parseState[T tensor.Float](who string, params []*autograd.Var[T], keys []string, state []NamedTensor[T]) ([][]*tensor.Tensor[T], error) {
	out := make([][]*tensor.Tensor[T], len(params))
	for e, nt := range state {
		idx, key, ok := splitName(nt.Name)
		switch {
		case !ok:
			return nil, fmt.Errorf(errStateName, who, e, nt.Name)
		case idx >= len(params):
			return nil, fmt.Errorf(errStateIndex, who, e, nt.Name, idx, len(params))
		case len(keys) == 0:
			return nil, fmt.Errorf(errStateNoState, who, e, nt.Name)
		}
		k := slices.Index(keys, key)
		if k < 0 {
			return nil, fmt.Errorf(errStateKey, who, e, nt.Name, key, keys)
		}
		if out[idx] == nil {
			out[idx] = make([]*tensor.Tensor[T], len(keys))
		}
		if out[idx][k] != nil {
			return nil, fmt.Errorf(errStateDup, who, e, nt.Name)
		}
		if nt.Tensor == nil {
			return nil, fmt.Errorf(errStateNil, who, e, nt.Name)
		}
		want := params[idx].Shape()
		if key == stepKey {
			want = []int{}
		}
		if !tensor.EqualShapes(nt.Tensor.Shape(), want) {
			return nil, fmt.Errorf(errStateShape, who, e, nt.Name, nt.Tensor.Shape(), want)
		}
		if key == stepKey {
			if _, ok := wholeStep(nt.Tensor.Item()); !ok {
				return nil, fmt.Errorf(errStateStep, who, e, nt.Name, nt.Tensor.Item())
			}
		}
		out[idx][k] = nt.Tensor.Clone()
	}
	for i, ts := range out {
		if ts == nil {
			continue
		}
		have := slices.IndexFunc(ts, func(t *tensor.Tensor[T]) bool { return t != nil })
		for k, t := range ts {
			if t == nil {
				return nil, fmt.Errorf(errStateIncomplete, who, i, stateName(i, keys[have]), stateName(i, keys[k]))
			}
		}
	}
	return out, nil
}

// splitName splits "<index>.<key>" into its parts. The index must be written
// as strconv.Itoa writes it (no sign, no leading zeros).
func splitName(name string) (idx int, key string, ok bool) {
	num, key, found := strings.Cut(name, ".")
	if !found || key == "" {
		return 0, "", false
	}
	idx, err := strconv.Atoi(num)
	if err != nil || idx < 0 || strconv.Itoa(idx) != num {
		return 0, "", false
	}
	return idx, key, true
}

// wholeStep converts a stored step counter back to an int, reporting whether
// it is a whole number in [0, 2⁵³].
func wholeStep[T tensor.Float](v T) (int, bool) {
	f := float64(v)
	if !(f >= 0 && f <= 1<<53) || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}
