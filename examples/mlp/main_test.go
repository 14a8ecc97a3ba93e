package main

import (
	"testing"

	"github.com/tapegrad/tapegrad/examples/internal/traintest"
)

func TestEndToEnd(t *testing.T) {
	traintest.EndToEnd(t, run, 6, "-hidden", "16", "-optimizer", "adam")
}

func TestFlags(t *testing.T) {
	traintest.Flags(t, "mlp", run, "-hidden", "16")
}

func TestOwnFlags(t *testing.T) {
	traintest.BadFlag(t, "mlp", run, []string{"-hidden", "16,x"}, `mlp: invalid value "16,x" for flag -hidden: bad layer size "x": want positive integers separated by commas, or "" for none`)
	traintest.BadFlag(t, "mlp", run, []string{"-optimizer", "lbfgs"}, `mlp: unknown -optimizer "lbfgs": want sgd or adam`)
	traintest.BadFlag(t, "mlp", run, []string{"-sync-bn"}, `mlp: -sync-bn needs -distributed`)
}

func TestNoHiddenLayer(t *testing.T) {
	traintest.EndToEnd(t, run, 4, "-hidden", "")
}

func TestDiverges(t *testing.T) {
	traintest.Diverges(t, "mlp", run, "-hidden", "16")
}
