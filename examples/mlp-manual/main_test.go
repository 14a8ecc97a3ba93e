package main

import (
	"testing"

	"github.com/tapegrad/tapegrad/examples/internal/traintest"
)

func TestEndToEnd(t *testing.T) {
	traintest.EndToEnd(t, run, 6, "-hidden", "16,8")
}

func TestFlags(t *testing.T) {
	traintest.Flags(t, "mlp-manual", run, "-hidden", "16")
}

func TestOwnFlags(t *testing.T) {
	traintest.BadFlag(t, "mlp-manual", run, []string{"-lr", "x"}, `mlp-manual: invalid value "x" for flag -lr: parse error`)
	traintest.BadFlag(t, "mlp-manual", run, []string{"-hidden", "0"}, `mlp-manual: invalid value "0" for flag -hidden: bad layer size "0": want positive integers separated by commas, or "" for none`)
}

func TestDiverges(t *testing.T) {
	traintest.Diverges(t, "mlp-manual", run, "-hidden", "16")
}
